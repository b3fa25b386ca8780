from __future__ import annotations

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


def test_format_money() -> None:
    assert money.format_money(1200050, "EUR") == "12,000.50 EUR"
    assert money.format_money(1500, "JPY") == "1,500 JPY"


def test_currency_codes() -> None:
    assert money.parse_currency("eur") == "EUR"
    with pytest.raises(InvalidInput):
        money.parse_currency("euro")
