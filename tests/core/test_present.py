"""crmcli.present: how money, dates, counts and stored text are shown, in the CLI and the TUI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from dateutil import tz as dateutil_tz

from crmcli.present import text
from crmcli.present.counts import count
from crmcli.present.dates import compact_age, format_local, format_when, humanize, span
from crmcli.present.money import compact_money, format_amount, format_money

PARIS = dateutil_tz.gettz("Europe/Paris")
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (1.234, "BHD", "1.234"),
        (1000, "JPY", "1,000"),
        (1.2345, "CLF", "1.2345"),
        (12000.5, "EUR", "12,000.50"),
        (12000, "EUR", "12,000.00"),
        (Decimal("0.001"), "KWD", "0.001"),
        (14.665, "USD", "14.665"),
        (Decimal("2.5"), "JPY", "2.5"),
        (1.5, None, "1.50"),
        (1.234, None, "1.234"),
        (1234567, None, "1,234,567.00"),
    ],
)
def test_format_amount_has_the_currency_s_minor_unit(value, currency, shown) -> None:
    assert format_amount(value, currency) == shown


def test_format_money_drops_only_zero_decimals() -> None:
    assert format_money(12000, "EUR") == "12,000 EUR"
    assert format_money(12000.5, "EUR") == "12,000.50 EUR"
    assert format_money(1.234, "BHD") == "1.234 BHD"
    assert format_money(1200, "JPY") == "1,200 JPY"
    assert format_money(Decimal("1.2345"), "CLF") == "1.2345 CLF"


def test_compact_money() -> None:
    assert compact_money(95700, "EUR") == "95.7k EUR"
    assert compact_money(999999, "USD") == "1M USD"
    assert compact_money(1250000, "USD") == "1.25M USD"
    assert compact_money(950, "EUR") == "950 EUR"


# --- counts ----------------------------------------------------------------------------


def test_count_agrees_and_groups() -> None:
    assert count(1, "deal") == "1 deal"
    assert count(0, "deal") == "0 deals"
    assert count(10000, "deal") == "10,000 deals"
    assert count(2, "company", "companies") == "2 companies"


# --- dates -----------------------------------------------------------------------------


def test_format_local() -> None:
    assert format_local(utc(2026, 11, 22, 13, 5, 59), PARIS) == "2026-11-22 14:05"
    assert format_local(utc(2026, 11, 22, 13, 5), UTC) == "2026-11-22 13:05"
    assert format_local(None) == ""


def test_format_local_past_the_ends_of_the_calendar_is_utc() -> None:
    """No local time exists past year 9999 (Tokyo) or before year 1 (New York): UTC."""
    tokyo, new_york = dateutil_tz.gettz("Asia/Tokyo"), dateutil_tz.gettz("America/New_York")
    assert format_local(datetime.max.replace(tzinfo=UTC), tokyo) == "9999-12-31 23:59 UTC"
    assert format_local(datetime.min.replace(tzinfo=UTC), new_york).endswith("01-01 00:00 UTC")


@pytest.mark.parametrize(
    ("delta", "phrase"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=-59), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=-60), "1 min ago"),
        (timedelta(minutes=5), "in 5 min"),
        (timedelta(minutes=-5), "5 min ago"),
        (timedelta(minutes=-59, seconds=-59), "59 min ago"),
        (timedelta(hours=-1), "1 h ago"),
        (timedelta(hours=3), "in 3 h"),
        (timedelta(hours=-23, minutes=-59), "23 h ago"),
        (timedelta(days=-1), "1 day ago"),
        (timedelta(days=1), "in 1 day"),
        (timedelta(days=-3), "3 days ago"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=6, hours=23), "in 6 days"),
        (timedelta(days=-7), "1 week ago"),
        (timedelta(days=-14), "2 weeks ago"),
        (timedelta(days=30), "in 4 weeks"),
        (timedelta(days=31), "in 1 month"),
        (timedelta(days=152), "in 4 months"),
        (timedelta(days=155), "in 5 months"),
        (timedelta(days=-364), "11 months ago"),
        (timedelta(days=-365), "1 year ago"),
        (timedelta(days=-800), "2 years ago"),
        (timedelta(days=3653), "in 10 years"),
    ],
)
def test_humanize(delta: timedelta, phrase: str) -> None:
    assert humanize(NOW + delta, NOW) == phrase


def test_humanize_edges() -> None:
    assert humanize(None) == ""
    assert humanize(datetime(2026, 11, 18, 8, 30), NOW) == "2 h ago"  # naive = UTC
    assert humanize(datetime.now(UTC) + timedelta(days=3, minutes=1)) == "in 3 days"


def test_format_when_and_span() -> None:
    moment = NOW - timedelta(hours=2)
    assert format_when(moment, NOW) == f"{format_local(moment)} (2 h ago)"
    assert format_when(None) == ""
    assert span(NOW - timedelta(days=3), NOW) == "3 days"
    assert span(NOW + timedelta(days=3), NOW) == "3 days"
    assert span(NOW, NOW) == "<1 min"


def test_compact_age() -> None:
    seconds = (30, 600, 7200, 86400 * 3)
    assert [compact_age(timedelta(seconds=s)) for s in seconds] == ["new", "10m", "2h", "3d"]
    assert compact_age(timedelta(days=90)) == "2mo"
    assert compact_age(timedelta(days=800)) == "2y"
    assert compact_age(timedelta(seconds=-5)) == "new"


# --- text ------------------------------------------------------------------------------

EVIL = "Evil \x1b]0;pwned\x07\x1b[2J \x9b31m \u202eevil\u202c \x7f"


def test_visible_shows_every_control_and_bidi_override() -> None:
    shown = text.visible(EVIL)
    assert shown == "Evil \\x1b]0;pwned\\x07\\x1b[2J \\x9b31m \\u202eevil\\u202c \\x7f"
    assert text.visible("a\tb\nc\rd") == "a\\tb\\nc\\rd"
    assert text.visible("a\tb\nc\rd", multiline=True) == "a\tb\nc\\rd"


def test_visible_leaves_ordinary_text_alone() -> None:
    for plain in ("Zoë Ünicode", "שלום\u200f עולם", "مرحبا\u061c", "C:\\path", "a\u2028b", "😀"):
        assert text.visible(plain) == plain


def test_data_field_escapes_controls_but_not_line_breaks_or_bidi() -> None:
    assert (
        text.data_field(EVIL) == "Evil \\x1b]0;pwned\\x07\\x1b[2J \\x9b31m \u202eevil\u202c \\x7f"
    )
    assert text.data_field("a\tb\nc\rd") == "a\tb\nc\rd"


def test_json_text_escapes_what_json_dumps_leaves_raw() -> None:
    dumped = json.dumps({"name": EVIL}, ensure_ascii=False)
    assert "\x9b" in dumped and "\x7f" in dumped  # json.dumps does leave C1 and DEL raw
    safe = text.json_text(dumped)
    assert not any(0x7F <= ord(c) <= 0x9F or ord(c) < 0x20 for c in safe)
    assert json.loads(safe) == {"name": EVIL}
