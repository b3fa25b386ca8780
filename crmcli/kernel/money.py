"""Exact money: amounts are integers in the currency's minor unit, shown in major units.

Parsing goes through Decimal, never float, and refuses amounts finer than the currency's
minor unit rather than rounding them away.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crmcli.kernel.errors import InvalidInput

#: ISO 4217 currencies whose minor unit is not 1/100.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
DEFAULT_CURRENCY = "USD"
#: Amounts are stored as 64-bit integers of minor units.
MAX_MINOR = 2**63 - 1
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^\d+(\.\d+)?$")


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def currencies_by_exponent() -> dict[int, list[str]]:
    """Currencies grouped by exponent (the default 2 is 'everything else')."""
    groups: dict[int, list[str]] = {}
    for code, exp in _EXPONENTS.items():
        groups.setdefault(exp, []).append(code)
    return groups


def parse_currency(text: str) -> str:
    code = text.strip().upper()
    if not _CURRENCY.match(code):
        raise InvalidInput(f"invalid currency '{text}': use a three-letter ISO 4217 code (EUR)")
    return code


def to_decimal(value: str | int | float | Decimal) -> Decimal:
    """An amount the user typed (or a JSON number) as a non-negative Decimal."""
    if isinstance(value, bool):
        raise InvalidInput(f"invalid amount '{value}': use a number such as 12000 or 12000.50")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace("_", "").replace(",", "")
    if text.startswith("-"):
        raise InvalidInput(f"invalid amount '{value}': amounts cannot be negative")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not _AMOUNT.match(format(amount, "f")):
        raise InvalidInput(f"invalid amount '{value}': use a number such as 12000 or 12000.50")
    return amount


def to_minor(value: str | int | float | Decimal, currency: str) -> int:
    """Major units (as typed) to integer minor units, refusing sub-minor precision."""
    amount = to_decimal(value)
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"invalid amount '{value}': {currency} has {exponent(currency)} decimal places"
        )
    if scaled > MAX_MINOR:
        raise InvalidInput(f"invalid amount '{value}': too large (at most {MAX_MINOR} minor units)")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def json_number(minor: int, currency: str) -> int | float:
    """Major units as a JSON number: an int when whole, else the shortest exact float."""
    major = to_major(minor, currency)
    if major == major.to_integral_value():
        return int(major)
    return float(major)


def format_money(minor: int, currency: str) -> str:
    """`12,000.50 EUR`: for tables."""
    exp = exponent(currency)
    return f"{to_major(minor, currency):,.{exp}f} {currency}"
