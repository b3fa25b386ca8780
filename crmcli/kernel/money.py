"""Exact money: amounts are integers in the currency's minor unit, shown in major units.

Parsing goes through Decimal, never float, and refuses amounts finer than the currency's
minor unit rather than rounding them away. Showing amounts is `crmcli.present.money`.

The currencies and their minor units come from babel (CLDR's currency data), so the list
is not kept by hand: every code CLDR knows is accepted, current and retired ISO 4217 codes
alike (a database may hold deals in HRK or BGN, and an export of it must import again);
any other code is refused. The minor unit is ISO 4217's: CLDR's `digits`, which babel's
`get_currency_precision` returns, is the precision CLDR *formats* with, and for a few
currencies CLDR drops a minor unit that ISO 4217 defines but nobody uses (IQD: ISO 3,
CLDR 0; HUF, IDR, COP: ISO 2, CLDR 0). `_ISO_WHERE_CLDR_DIFFERS` puts ISO's back, so an
amount ISO 4217 allows is never refused and amounts stored before keep their meaning.

babel is imported only when a currency is looked up (its data costs ~10-20 ms to load),
never by `crm --help`, `--version` or completion; each lookup is cached.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

from crmcli.kernel.errors import InvalidInput

#: ISO 4217 minor units where CLDR's formatting digits differ (CLDR has 0 for all of them):
#: current codes, then retired ones still found in old data.
_ISO_WHERE_CLDR_DIFFERS = {
    "AFN": 2, "ALL": 2, "COP": 2, "HUF": 2, "IDR": 2, "IQD": 3, "IRR": 2, "KPW": 2,
    "LAK": 2, "LBP": 2, "MGA": 2, "MMK": 2, "SOS": 2, "SYP": 2, "YER": 2,
    "MRO": 2, "SLL": 2, "STD": 2, "TMM": 2, "ZMK": 2, "ZWD": 2,
}  # fmt: skip
DEFAULT_CURRENCY = "USD"
#: Amounts are stored as 64-bit integers of minor units.
MAX_MINOR = 2**63 - 1
#: The minor unit of a code that is not a currency (only ever met in data stored before
#: codes were checked): hundredths, as those amounts were stored.
_FALLBACK_EXPONENT = 2
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^\d+(\.\d+)?$")


@functools.cache
def known_currencies() -> frozenset[str]:
    """Every currency code CLDR knows (ISO 4217, current and retired)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


@functools.cache
def exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217): EUR 2, JPY 0, BHD 3, CLF 4."""
    if currency not in known_currencies():
        return _FALLBACK_EXPONENT
    if currency in _ISO_WHERE_CLDR_DIFFERS:
        return _ISO_WHERE_CLDR_DIFFERS[currency]
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency)


@functools.cache
def currencies_by_exponent() -> dict[int, list[str]]:
    """Known currencies whose minor unit is not 1/100, grouped by exponent (every other
    code, known or not, has 2: the SQL value filter scales those by 100)."""
    groups: dict[int, list[str]] = {}
    for code in sorted(known_currencies()):
        exp = exponent(code)
        if exp != _FALLBACK_EXPONENT:
            groups.setdefault(exp, []).append(code)
    return groups


def parse_currency(text: str) -> str:
    """A code the user typed, upper-cased; InvalidInput unless it is a known currency."""
    code = text.strip().upper()
    if not _CURRENCY.match(code):
        raise InvalidInput(f"invalid currency {text!r}: use a three-letter ISO 4217 code (EUR)")
    if code not in known_currencies():
        raise InvalidInput(f"unknown currency {text!r}: not an ISO 4217 code (EUR, USD, JPY, ...)")
    return code


def to_decimal(value: str | int | float | Decimal) -> Decimal:
    """An amount the user typed (or a JSON number) as a non-negative Decimal."""
    # JSON numbers as an import reads them, checked without the detour through text (an
    # import of a million purchases reads several million of them).
    if type(value) is Decimal and value.is_finite() and not value.is_signed():
        return value
    if type(value) is int and value >= 0:
        return Decimal(value)
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
    if type(value) is int and value >= 0:  # whole major units: no Decimal needed
        minor = value * 10 ** exponent(currency)
        if minor > MAX_MINOR:
            raise InvalidInput(
                f"invalid amount '{value}': too large (at most {MAX_MINOR} minor units)"
            )
        return minor
    if type(value) is Decimal and value.is_finite() and not value.is_signed():
        scaled = value.scaleb(exponent(currency))  # a JSON number as an import reads it
        if scaled == scaled.to_integral_value() and scaled <= MAX_MINOR:
            return int(scaled)
    amount = to_decimal(value)
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"invalid amount '{value}': {currency} has {exponent(currency)} decimal places"
        )
    if scaled > MAX_MINOR:
        raise InvalidInput(f"invalid amount '{value}': too large (at most {MAX_MINOR} minor units)")
    return int(scaled)


def to_signed_minor(value: str | int | float | Decimal, currency: str) -> int:
    """Like `to_minor`, but a leading minus is allowed: refunds are negative amounts."""
    if isinstance(value, Decimal):
        return -to_minor(-value, currency) if value.is_signed() else to_minor(value, currency)
    # not bool: True is an int, and a bool is no amount (to_minor refuses it)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return -to_minor(-value, currency) if value < 0 else to_minor(value, currency)
    if isinstance(value, str) and value.strip().startswith("-"):
        return -to_minor(value.strip()[1:], currency)
    return to_minor(value, currency)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def json_number(minor: int, currency: str) -> int | float:
    """Major units as a JSON number: an int when whole, else the shortest exact float."""
    major = to_major(minor, currency)
    if major == major.to_integral_value():
        return int(major)
    return float(major)
