"""The WHEN grammar (README, "Dates") and the UTC/local helpers, with a fixed clock and zone
(showing dates is tests/core/test_present.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from dateutil import tz as dateutil_tz
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcli.kernel.dates import (
    iso,
    local,
    parse_date,
    parse_iso,
    parse_when,
    to_utc,
)
from crmcli.kernel.errors import InvalidInput
from crmcli.present.dates import format_local

PARIS = dateutil_tz.gettz("Europe/Paris")
# Wednesday 18 November 2026, 10:30 UTC = 11:30 in Paris (CET, UTC+1).
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)


def paris(*args: int) -> datetime:
    """A Paris wall time as the UTC instant parse_when returns."""
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def when(text: str, now: datetime = NOW, zone=PARIS) -> datetime:
    result = parse_when(text, now, tz=zone)
    assert result.tzinfo is UTC
    return result


# --- ISO forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", paris(2026, 12, 1)),
        ("2026-12-01T14:00", paris(2026, 12, 1, 14)),
        ("2026-12-01 14:00", paris(2026, 12, 1, 14)),
        ("2026-12-01T14:00:30", paris(2026, 12, 1, 14, 0, 30)),
        ("2026-12-01T14:00Z", utc(2026, 12, 1, 14)),
        ("2026-12-01t14:00z", utc(2026, 12, 1, 14)),
        ("2026-12-01T14:00+05:30", utc(2026, 12, 1, 8, 30)),
        ("2026-12-01T14:00:00.250000+00:00", utc(2026, 12, 1, 14, 0, 0, 250000)),
        ("  2026-12-01  ", paris(2026, 12, 1)),
        ("2026-07-01", paris(2026, 7, 1)),  # summer: UTC+2
    ],
)
def test_iso_forms(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_iso_in_utc_zone() -> None:
    assert when("2026-12-01", zone=UTC) == utc(2026, 12, 1)
    assert when("2026-12-01 14:00", zone=UTC) == utc(2026, 12, 1, 14)


# --- day words, weekdays, times --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW", NOW),
        ("today", paris(2026, 11, 18)),
        ("Tomorrow", paris(2026, 11, 19)),
        ("yesterday", paris(2026, 11, 17)),
        ("today 5pm", paris(2026, 11, 18, 17)),
        ("tomorrow 9am", paris(2026, 11, 19, 9)),
        ("tomorrow 9 am", paris(2026, 11, 19, 9)),
        ("tomorrow at 9am", paris(2026, 11, 19, 9)),
        ("yesterday 9:30am", paris(2026, 11, 17, 9, 30)),
        ("today 12pm", paris(2026, 11, 18, 12)),
        ("today 12am", paris(2026, 11, 18, 0)),
        ("today 12:30am", paris(2026, 11, 18, 0, 30)),
        ("today 14:00", paris(2026, 11, 18, 14)),
        ("today 14:00:30", paris(2026, 11, 18, 14, 0, 30)),
        ("today 0:05", paris(2026, 11, 18, 0, 5)),
        ("2026-12-01 9:30am", paris(2026, 12, 1, 9, 30)),
        ("2026-12-01 9:30PM", paris(2026, 12, 1, 21, 30)),
        ("fri 14:00", paris(2026, 11, 20, 14)),
        ("next monday 10:15", paris(2026, 11, 23, 10, 15)),
    ],
)
def test_day_words_and_times(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_today_uses_the_local_calendar_day() -> None:
    # 23:30 UTC on the 18th is already the 19th in Paris.
    late = utc(2026, 11, 18, 23, 30)
    assert when("today", late) == paris(2026, 11, 19)
    assert when("today", late, UTC) == utc(2026, 11, 18)
    assert parse_date("today", late, tz=PARIS) == date(2026, 11, 19)
    assert parse_date("today", late, tz=UTC) == date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "expected_day"),
    [
        ("thursday", 19),
        ("thu", 19),
        ("fri", 20),
        ("Friday", 20),
        ("sat", 21),
        ("sun", 22),
        ("mon", 23),
        ("monday", 23),
        ("next monday", 23),
        ("tue", 24),
        # Today is Wednesday: "wed" is next week's, strictly after today.
        ("wed", 25),
        ("wednesday", 25),
        ("next wed", 25),
    ],
)
def test_weekday_is_strictly_after_today(text: str, expected_day: int) -> None:
    assert when(text) == paris(2026, 11, expected_day)
    assert parse_date(text, NOW, tz=UTC) == date(2026, 11, expected_day)


# --- relative offsets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("in 3 days", relativedelta(days=3)),
        ("in 1 day", relativedelta(days=1)),
        ("in 2 weeks", relativedelta(weeks=2)),
        ("in 4 hours", relativedelta(hours=4)),
        ("in 30 minutes", relativedelta(minutes=30)),
        ("in 30 min", relativedelta(minutes=30)),
        ("in 3d", relativedelta(days=3)),
        ("3d", relativedelta(days=3)),
        ("3 days", relativedelta(days=3)),
        ("2w", relativedelta(weeks=2)),
        ("+4h", relativedelta(hours=4)),
        ("-7d", relativedelta(days=-7)),
        ("30m", relativedelta(minutes=30)),
        ("1y", relativedelta(years=1)),
        ("2mo", relativedelta(months=2)),
        ("in 2 months", relativedelta(months=2)),
        ("3 days ago", relativedelta(days=-3)),
        ("2h ago", relativedelta(hours=-2)),
        ("1 year ago", relativedelta(years=-1)),
        ("+0d", relativedelta()),
    ],
)
def test_offsets(text: str, delta: relativedelta) -> None:
    # No DST change between these instants, so Paris and UTC agree.
    assert when(text) == NOW + delta
    assert when(text, zone=UTC) == NOW + delta


def test_offsets_across_dst_keep_the_local_time() -> None:
    # 11:30 CET now; six months back or on is summer time, still 11:30 on the wall.
    assert when("6mo") == paris(2027, 5, 18, 11, 30)
    assert when("-6 months") == paris(2026, 5, 18, 11, 30)
    assert when("6mo", zone=UTC) == NOW + relativedelta(months=6)
    assert when("-6h") == NOW - timedelta(hours=6)


def test_month_end_arithmetic() -> None:
    jan31 = utc(2026, 1, 31, 12)
    assert when("1mo", jan31, UTC) == utc(2026, 2, 28, 12)
    assert when("in 1 month", utc(2028, 1, 31, 12), UTC) == utc(2028, 2, 29, 12)
    assert when("1y", utc(2028, 2, 29, 12), UTC) == utc(2029, 2, 28, 12)
    assert when("-1mo", utc(2026, 3, 31, 12), UTC) == utc(2026, 2, 28, 12)
    # The month is the local one: 23:30 UTC on Jan 31 is 00:30 Feb 1 in Paris.
    assert when("1mo", utc(2026, 1, 31, 23, 30)) == paris(2026, 3, 1, 0, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eod", paris(2026, 11, 18, 23, 59, 59)),
        ("EOD", paris(2026, 11, 18, 23, 59, 59)),
        ("eow", paris(2026, 11, 22, 23, 59, 59)),
        ("eom", paris(2026, 11, 30, 23, 59, 59)),
        ("eoy", paris(2026, 12, 31, 23, 59, 59)),
    ],
)
def test_end_of_period(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_end_of_period_edges() -> None:
    sunday = utc(2026, 11, 22, 10)
    assert when("eow", sunday, UTC) == utc(2026, 11, 22, 23, 59, 59)
    assert when("eom", utc(2028, 2, 10), UTC) == utc(2028, 2, 29, 23, 59, 59)
    assert when("eom", utc(2026, 12, 31, 23), UTC) == utc(2026, 12, 31, 23, 59, 59)
    assert parse_date("eom", utc(2026, 2, 3), tz=PARIS) == date(2026, 2, 28)


# --- DST (Paris: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00) -----------------


def test_dst_calendar_units_keep_the_wall_clock() -> None:
    before = paris(2026, 3, 28, 12)
    assert when("1d", before) == paris(2026, 3, 29, 12)
    assert when("1d", before) - before == timedelta(hours=23)
    assert when("24h", before) - before == timedelta(hours=24)
    assert when("1w", paris(2026, 10, 20, 9)) == paris(2026, 10, 27, 9)


def test_dst_day_words() -> None:
    saturday = paris(2026, 3, 28, 12)
    assert when("tomorrow", saturday) == utc(2026, 3, 28, 23)  # still CET at midnight
    assert when("tomorrow 9am", saturday) == utc(2026, 3, 29, 7)  # CEST by then
    assert when("eod", saturday) == utc(2026, 3, 28, 22, 59, 59)


def test_dst_skipped_time_moves_forward_and_repeated_time_takes_the_first() -> None:
    assert when("2026-03-29 02:30") == utc(2026, 3, 29, 1, 30)  # = 03:30 CEST
    assert when("2026-10-25 02:30") == utc(2026, 10, 25, 0, 30)  # the CEST 02:30


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "blorp",
        "value>>5",
        "3x",
        "in three days",
        "2026-02-30",
        "2026-13-01",
        "2026-12-01T25:00",
        "25:00",
        "5pm",
        "today 25:00",
        "today 13pm",
        "today 0am",
        "today 9:60",
        "tomorrow blah",
        "next",
        "next today",
        "next 2026-12-01",
        "in -3 days",
        "3 days from now",
        "eom 9am",
        "now 9am",
        "2026-12",
        "12/01/2026",
        "1 Dec 2026",
        "in 99999999 years",
        "99999999999999999999d",
        "٣d",  # Arabic-Indic digit
        "tomorrow\n9am\nx",
    ],
)
def test_garbage_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_when(text, NOW, tz=PARIS)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("cannot read date ")


def test_error_lists_the_accepted_forms() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_when("blorp", NOW, tz=PARIS)
    assert str(info.value) == (
        "cannot read date 'blorp': use an ISO date (2026-12-01), today/tomorrow/yesterday, "
        "a weekday (fri, next monday), an offset (in 3 days, 3d, 2w, +4h, -7d), "
        "eod/eow/eom/eoy, optionally with a time (tomorrow 9am)"
    )
    assert info.value.exit_code == 2


def test_bare_time_error_suggests_a_day() -> None:
    with pytest.raises(InvalidInput, match="today 5pm"):
        parse_when("5pm", NOW, tz=PARIS)


def test_defaults_are_aware_utc() -> None:
    result = parse_when("in 1 hour")
    assert result.tzinfo is UTC
    assert abs(result - datetime.now(UTC) - timedelta(hours=1)) < timedelta(minutes=1)
    assert parse_when("today").tzinfo is UTC


def test_naive_now_means_utc() -> None:
    assert when("2h", datetime(2026, 11, 18, 10, 30)) == utc(2026, 11, 18, 12, 30)


# --- helpers ---------------------------------------------------------------------------


def test_to_utc_and_local() -> None:
    assert to_utc(datetime(2026, 1, 1, 12)) == utc(2026, 1, 1, 12)
    assert to_utc(datetime(2026, 1, 1, 12)).tzinfo is UTC
    assert to_utc(datetime(2026, 1, 1, 13, tzinfo=PARIS)) == utc(2026, 1, 1, 12)
    assert to_utc(datetime(2026, 1, 1, 13, tzinfo=PARIS)).tzinfo is UTC
    shown = local(utc(2026, 7, 1, 12), PARIS)
    assert (shown.hour, shown.utcoffset()) == (14, timedelta(hours=2))


def test_iso() -> None:
    assert iso(None) is None
    assert iso(utc(2026, 11, 22, 13, 5)) == "2026-11-22T13:05:00+00:00"
    assert iso(datetime(2026, 11, 22, 14, 5, tzinfo=PARIS)) == "2026-11-22T13:05:00+00:00"
    assert iso(utc(2026, 11, 22, 13, 5, 0, 1500)) == "2026-11-22T13:05:00.001500+00:00"
    assert iso(datetime(2026, 11, 22, 13, 5)) == "2026-11-22T13:05:00+00:00"


def test_parse_iso() -> None:
    assert parse_iso("2026-11-22T13:05:00+00:00") == utc(2026, 11, 22, 13, 5)
    assert parse_iso("2026-11-22T14:05:00+01:00").tzinfo is UTC
    assert parse_iso("2026-11-22T14:05:00+01:00") == utc(2026, 11, 22, 13, 5)
    assert parse_iso("2026-11-22T13:05Z") == utc(2026, 11, 22, 13, 5)
    assert parse_iso("2026-11-22T13:05:00") == utc(2026, 11, 22, 13, 5)  # naive = UTC
    assert parse_iso("2026-11-22") == utc(2026, 11, 22)
    for bad in ["", "tomorrow", "2026-02-30", "2026-11-22T25:00", "22/11/2026", "2026"]:
        with pytest.raises(InvalidInput):
            parse_iso(bad)
    with pytest.raises(InvalidInput):
        parse_iso(20261122)  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------

ZONES = [UTC, PARIS, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2200, 12, 30),
    timezones=st.sampled_from(ZONES),
)
nows = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
UNIT_NAMES = {"d": "days", "w": "weeks", "h": "hours"}


@settings(max_examples=150, deadline=None)
@given(aware_datetimes, st.sampled_from([UTC, PARIS]))
def test_iso_round_trips(d: datetime, zone) -> None:
    # Compare with the UTC form: PEP 495 makes a DST-ambiguous time unequal across zones.
    text = iso(d)
    assert text is not None
    assert parse_when(text, NOW, tz=zone) == d.astimezone(UTC)
    assert parse_iso(text) == d.astimezone(UTC)


@settings(max_examples=150, deadline=None)
@given(st.integers(-1000, 1000), st.sampled_from(sorted(UNIT_NAMES)), nows)
def test_signed_offsets_match_relativedelta(n: int, unit: str, now: datetime) -> None:
    assert parse_when(f"{n:+d}{unit}", now, tz=UTC) == now + relativedelta(**{UNIT_NAMES[unit]: n})


@settings(max_examples=150, deadline=None)
@given(st.integers(-1000, 1000), st.sampled_from(["d", "w"]), nows)
def test_calendar_offsets_keep_the_local_wall_clock(n: int, unit: str, now: datetime) -> None:
    wall = now.astimezone(PARIS).replace(tzinfo=None)
    target = wall + relativedelta(**{UNIT_NAMES[unit]: n})
    assume(dateutil_tz.datetime_exists(target, tz=PARIS))  # skipped times move forward
    result = parse_when(f"{n:+d}{unit}", now, tz=PARIS)
    assert local(result, PARIS).replace(tzinfo=None) == target


WORDS = ["in", "ago", "next", "today", "fri", "eom", "am", "pm", "3", "12", ":", "-", "+", " "]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(st.sampled_from(WORDS), max_size=6).map("".join),
        st.from_regex(r"[+-]?\d{1,30} ?[a-z]{0,6}", fullmatch=True),
    ),
    st.sampled_from([UTC, PARIS]),
)
def test_parse_when_only_raises_invalid_input(text: str, zone) -> None:
    try:
        result = parse_when(text, NOW, tz=zone)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    assert result.tzinfo is UTC


# --- the years a date may have ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01",
        "9999-12-31 23:00",
        "9999-12-31T23:59:59+00:00",
        "1899-12-30 23:59",
        "3000-01-02",
        "in 1000 years",
        "-200y",
    ],
)
def test_dates_outside_1900_to_2999_are_refused(text: str) -> None:
    """Such dates parse, but showing them in a zone with an offset overflows `datetime`.
    The years are those of the UTC instant, so these are outside them in every zone."""
    for zone in (UTC, PARIS, timezone(timedelta(hours=-10))):
        with pytest.raises(InvalidInput, match=r"^cannot read date .*years 1900 to 2999"):
            parse_when(text, NOW, tz=zone)
        with pytest.raises(InvalidInput, match="years 1900 to 2999"):
            parse_date(text, NOW, tz=zone)


def test_the_first_and_last_accepted_instants() -> None:
    assert parse_when("1900-01-01", NOW, tz=UTC) == utc(1900, 1, 1)
    assert parse_when("2999-12-31 23:59:59", NOW, tz=UTC) == utc(2999, 12, 31, 23, 59, 59)
    for edge in (utc(1900, 1, 1), utc(2999, 12, 31, 23, 59, 59)):
        for zone in ZONES:
            assert format_local(edge, zone)  # shown in any zone without overflowing


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+00:00", "9999-12-31", "9999-12-31T23:00:00Z", "1899-06-01"]
)
def test_parse_iso_refuses_dates_outside_1900_to_2999(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"^cannot read ISO date .*years 1900 to 2999"):
        parse_iso(text)
