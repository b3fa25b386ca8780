from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.kernel import money
from crmcli.kernel.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12000.50", "EUR", 1200050),
        ("12000.5", "EUR", 1200050),
        ("1,000", "USD", 100000),
        ("0", "USD", 0),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("1.234", "BHD", 1234),
        ("1.2345", "CLF", 12345),
        ("1.2345", "UYW", 12345),
        ("1.234", "IQD", 1234),
        ("1000.50", "HUF", 100050),
    ],
)
def test_to_minor(text: str, currency: str, minor: int) -> None:
    assert money.to_minor(text, currency) == minor


@pytest.mark.parametrize("text", ["-5", "abc", "nan", "inf", "", "1.2.3", "--1"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(InvalidInput):
        money.to_minor(text, "USD")


def test_sub_minor_precision_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidInput, match="decimal places"):
        money.to_minor("10.005", "EUR")
    with pytest.raises(InvalidInput):
        money.to_minor("10.5", "JPY")


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD", "USD"]))
def test_json_number_round_trips_exactly(minor: int, currency: str) -> None:
    number = money.json_number(minor, currency)
    assert money.to_minor(Decimal(repr(number)), currency) == minor


def test_currency_codes() -> None:
    assert money.parse_currency("eur") == "EUR"
    assert money.parse_currency(" clf ") == "CLF"
    assert money.parse_currency("HRK") == "HRK"  # retired, but old data holds it
    with pytest.raises(InvalidInput):
        money.parse_currency("euro")
    with pytest.raises(InvalidInput, match="unknown currency 'XYZ'"):
        money.parse_currency("XYZ")


ISO_PLACES = [
    ("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3), ("CLF", 4),
    ("UYW", 4), ("IQD", 3), ("HUF", 2), ("IDR", 2), ("COP", 2), ("XAU", 2),
]  # fmt: skip


@pytest.mark.parametrize(("currency", "places"), ISO_PLACES)
def test_minor_units_are_iso_4217(currency: str, places: int) -> None:
    assert money.exponent(currency) == places


def test_sql_value_filter_groups_cover_every_currency_without_two_places() -> None:
    groups = money.currencies_by_exponent()
    assert 2 not in groups
    grouped = {code: exp for exp, codes in groups.items() for code in codes}
    for code in money.known_currencies():
        assert grouped.get(code, 2) == money.exponent(code)
    assert grouped["CLF"] == 4 and grouped["JPY"] == 0 and grouped["BHD"] == 3


def test_the_rescaling_migration_covers_every_changed_minor_unit() -> None:
    """Revision 0003 rescales stored amounts of exactly the currencies whose minor unit
    differs from the hand-kept table it replaced (anything missing there had 2)."""
    migration = importlib.import_module("crmcli.migrations.versions.0003_iso_4217_minor_units")
    old = {
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
        "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
        "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    }  # fmt: skip
    changed = {
        code: (old.get(code, 2), money.exponent(code))
        for code in money.known_currencies()
        if old.get(code, 2) != money.exponent(code)
    }
    assert changed == migration.RESCALED
