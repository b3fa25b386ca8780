"""Money for people, the same in the CLI's tables and the TUI.

Amounts arrive in major units (a record's JSON number, or `kernel.money.to_major` of
stored minor units) and are shown with thousands separators and the currency's own minor
unit (ISO 4217), never a fixed two decimals: 1.234 BHD is `1.234`, 1000 JPY is `1,000`.

- `format_amount`: a table cell beside a currency column, every decimal of the minor unit
  so a column lines up (`12,000.50`, `1,000`, `1.2345`).
- `format_money`: with the code, decimals only when there are any (`12,000 EUR`,
  `12,000.50 EUR`): board cards, column totals, the customer screen.
- `compact_money`: rounded to three figures (`95.7k EUR`) where there is no room; for
  display only.
"""

from __future__ import annotations

from decimal import Decimal

from crmcli.kernel import money

__all__ = ["compact_money", "format_amount", "format_money"]

Amount = int | float | Decimal


def _decimal(value: Amount) -> Decimal:
    """The exact decimal a JSON number stands for (a float by its shortest repr)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def format_amount(value: Amount, currency: str | None = None) -> str:
    """`12,000.50`: grouped, with as many decimals as the currency's minor unit has
    (without a currency: two), or more when the amount has more: never rounded away (a
    unit price may be finer than the minor unit: 2 CDs for 29.33 are 14.665 each)."""
    amount = _decimal(value)
    exp = amount.normalize().as_tuple().exponent
    given = -exp if isinstance(exp, int) and exp < 0 else 0
    places = max(2 if currency is None else money.exponent(currency), given)
    return f"{amount:,.{places}f}"


def format_money(value: Amount, currency: str) -> str:
    """`12,000 EUR`, or `12,000.50 EUR` when there are cents: exact, without noise."""
    amount = _decimal(value)
    if amount == amount.to_integral_value():
        return f"{int(amount):,} {currency}"
    return f"{format_amount(amount, currency)} {currency}"


def compact_money(value: Amount, currency: str) -> str:
    """`95.7k EUR`, `1.25M USD`: for narrow places (rounded, so for display only)."""
    major = float(_decimal(value))
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if major >= limit * 0.9995:
            return f"{major / limit:.3g}{suffix} {currency}"
    return format_money(value, currency)
