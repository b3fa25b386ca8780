"""Reading dates: the WHEN grammar of the README ("Dates"), UTC storage, the user's local zone.

Showing them (local time in tables, "2 h ago", a card's "5h") is `crmcli.present.dates`.

Everything stored is an aware UTC datetime; the user's zone only matters when we read a
calendar word ("tomorrow", "fri 9am", "eom") or show a time. The grammar is small and
strict on purpose: anything outside it is an `InvalidInput` listing the accepted forms,
never a fuzzy guess.

Decisions worth knowing:
- Calendar units (d, w, mo, y) move the *local wall clock* ("in 1 day" at 12:00 is 12:00
  tomorrow even across a DST change); clock units (h, m) add elapsed time.
- A local wall time that does not exist (skipped by DST) is moved forward by the gap; an
  ambiguous one (repeated by DST) means its first occurrence.
- A bare time ("5pm") is refused: "today 5pm" or "tomorrow 5pm" says which day.
- Only years 1900 to 2999 (UTC) are accepted, typed or imported: `datetime` stops at years
  1 and 9999, so an instant near either end overflows when it is shown in a zone with an
  offset, and no CRM record needs more.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil import tz as dateutil_tz
from dateutil.relativedelta import relativedelta

from crmcli.kernel import config
from crmcli.kernel.errors import InvalidInput

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "check_year",
    "in_years",
    "iso",
    "local",
    "parse_date",
    "parse_iso",
    "parse_when",
    "to_utc",
    "user_zone",
]

ACCEPTED_FORMS = (
    "use an ISO date (2026-12-01), today/tomorrow/yesterday, a weekday (fri, next monday), "
    "an offset (in 3 days, 3d, 2w, +4h, -7d), eod/eow/eom/eoy, "
    "optionally with a time (tomorrow 9am)"
)

FIRST_YEAR = 1900
LAST_YEAR = 2999
YEARS_TEXT = f"only years {FIRST_YEAR} to {LAST_YEAR} are accepted"

_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_WEEKDAYS.update({name[:3]: number for name, number in list(_WEEKDAYS.items())})

# Unit word -> relativedelta keyword. "m" is minutes and "mo" months, as in taskwarrior.
_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "year": "years",
    "years": "years",
}
_CLOCK_UNITS = {"minutes", "hours"}

# re.ASCII everywhere: \d must not accept other scripts' digits.
_ISO_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII | re.IGNORECASE,
)
_OFFSET_RE = re.compile(r"([+-]?)(\d+) ?([a-z]+)", re.ASCII)
_IN_OFFSET_RE = re.compile(r"in (\d+) ?([a-z]+)", re.ASCII)
_AGO_OFFSET_RE = re.compile(r"(\d+) ?([a-z]+) ago", re.ASCII)
_DAY_RE = re.compile(
    r"(?P<day>today|tomorrow|yesterday|(?:next )?[a-z]+|\d{4}-\d{2}-\d{2})"
    r"(?: (?:at )?(?P<time>.+))?",
    re.ASCII,
)
_TIME_12H_RE = re.compile(r"(\d{1,2})(?::(\d{2}))? ?(am|pm)", re.ASCII)
_TIME_24H_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def _error(text: str, reason: str = ACCEPTED_FORMS) -> InvalidInput:
    """Build the one-line error; repr() keeps a newline in the input from splitting it."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return InvalidInput(f"cannot read date {shown!r}: {reason}")


def parse_when(text: str, now: datetime | None = None, *, tz: tzinfo | None = None) -> datetime:
    """Read a user's WHEN (README, "Dates") into an aware UTC datetime.

    `now` anchors relative forms (default: the current time; naive means UTC) and `tz` is
    the user's zone for calendar words and times without an offset (default: `user_zone()`).
    """
    if not isinstance(text, str):
        raise InvalidInput(f"cannot read date {text!r}: expected text")
    zone = tz if tz is not None else user_zone()
    current = to_utc(now) if now is not None else datetime.now(UTC)
    words = " ".join(text.split()).lower()
    if not words:
        raise _error(text)
    try:
        result = _parse(words, text, current, zone)
    except OverflowError:
        # An instant that moves past year 1 or 9999 on its way to UTC.
        raise _error(text, YEARS_TEXT) from None
    except ValueError as exc:
        # Calendar arithmetic past year 9999, an impossible date such as 2026-02-30, ...
        reason = YEARS_TEXT if str(exc).startswith("year ") else str(exc)
        raise _error(text, reason) from None
    if result is None:
        raise _error(text)
    if not in_years(result):
        raise _error(text, YEARS_TEXT)
    return result


def in_years(value: date) -> bool:
    """Whether a date (or a UTC instant) lies in the accepted years."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def check_year(value: date, text: str) -> None:
    """Refuse a date outside the accepted years (the import's date readers use it too)."""
    if not in_years(value):
        raise InvalidInput(f"cannot read date {text!r}: {YEARS_TEXT}")


def _parse(words: str, text: str, now: datetime, zone: tzinfo) -> datetime | None:
    """Try each form in turn; None means no form matched."""
    if words == "now":
        return now
    if _ISO_RE.fullmatch(words):
        parsed = datetime.fromisoformat(words.upper())
        if parsed.tzinfo is None:
            return _from_wall(parsed, zone)
        return parsed.astimezone(UTC)
    offset = _parse_offset(words)
    if offset is not None:
        amount, unit = offset
        if unit in _CLOCK_UNITS:
            return now + _delta(unit, amount)
        wall = now.astimezone(zone).replace(tzinfo=None)
        return _from_wall(wall + _delta(unit, amount), zone)
    today = now.astimezone(zone).date()
    end = _parse_end(words, today)
    if end is not None:
        return _from_wall(datetime.combine(end, time(23, 59, 59)), zone)
    match = _DAY_RE.fullmatch(words)
    if match:
        day = _parse_day(match["day"], today)
        if day is not None:
            at = time(0, 0) if match["time"] is None else _parse_time(match["time"], text)
            if at is not None:
                return _from_wall(datetime.combine(day, at), zone)
    if _parse_time(words, text) is not None:
        raise _error(text, f"a time needs a day, e.g. 'today {words}' or 'tomorrow {words}'")
    return None


def _parse_offset(words: str) -> tuple[int, str] | None:
    """`3d`, `+4h`, `-7d`, `in 3 days`, `3 days ago` -> (signed amount, relativedelta unit)."""
    match = _IN_OFFSET_RE.fullmatch(words)
    if match:
        sign, digits, unit = "+", match[1], match[2]
    else:
        match = _AGO_OFFSET_RE.fullmatch(words)
        if match:
            sign, digits, unit = "-", match[1], match[2]
        else:
            match = _OFFSET_RE.fullmatch(words)
            if not match:
                return None
            sign, digits, unit = match[1], match[2], match[3]
    if unit not in _UNITS:
        return None
    amount = int(digits)
    return (-amount if sign == "-" else amount), _UNITS[unit]


def _parse_end(words: str, today: date) -> date | None:
    """eod/eow/eom/eoy -> the local day whose 23:59:59 they mean."""
    if words == "eod":
        return today
    if words == "eow":
        return today + timedelta(days=6 - today.weekday())
    if words == "eom":
        return today + relativedelta(day=31)
    if words == "eoy":
        return date(today.year, 12, 31)
    return None


def _parse_day(word: str, today: date) -> date | None:
    """A day word or ISO date -> local calendar date; weekdays are strictly after today."""
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "yesterday":
        return today - timedelta(days=1)
    if word[:1].isdigit():
        return date.fromisoformat(word)
    name = word.removeprefix("next ")
    if name in _WEEKDAYS:
        ahead = (_WEEKDAYS[name] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    return None


def _parse_time(words: str, text: str) -> time | None:
    """`9am`, `9:30am`, `12pm`, `14:00`, `14:00:30` -> time; None if not time-shaped."""
    match = _TIME_12H_RE.fullmatch(words)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12:
            raise _error(text, "an am/pm hour must be 1-12")
        if minute > 59:
            raise _error(text, "minutes must be 00-59")
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
        return time(hour, minute)
    match = _TIME_24H_RE.fullmatch(words)
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23:
            raise _error(text, "hours must be 00-23")
        if minute > 59 or second > 59:
            raise _error(text, "minutes and seconds must be 00-59")
        return time(hour, minute, second)
    return None


def user_zone() -> tzinfo:
    """The user's zone: crm's setting (`CRM_TZ`, the config file's `timezone`) if any, else
    the system's (which honours `TZ`). Asked on every call, so a changed `TZ` is seen."""
    return config.timezone() or dateutil_tz.tzlocal()


def _from_wall(wall: datetime, zone: tzinfo) -> datetime:
    """A naive local wall time -> aware UTC, moving a DST-skipped time forward by the gap."""
    aware = dateutil_tz.resolve_imaginary(wall.replace(tzinfo=zone))
    return aware.astimezone(UTC)


def parse_date(text: str, now: datetime | None = None, *, tz: tzinfo | None = None) -> date:
    """The local calendar date a WHEN falls on (deal close dates are days, not instants)."""
    return local(parse_when(text, now, tz=tz), tz).date()


def to_utc(dt: datetime) -> datetime:
    """Normalise for storage: naive is taken to be UTC already, aware is converted."""
    if dt.tzinfo is UTC:
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def local(dt: datetime, tz: tzinfo | None = None) -> datetime:
    """The same instant in the user's zone (default: `user_zone()`); naive means UTC."""
    return to_utc(dt).astimezone(tz if tz is not None else user_zone())


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with "+00:00"; microseconds only when present, so round trips are exact."""
    if dt is None:
        return None
    utc = to_utc(dt)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")


def parse_iso(text: object) -> datetime:
    """Strict ISO 8601 for import: a date or date-time, naive meaning UTC, else InvalidInput."""
    if not isinstance(text, str):
        raise InvalidInput(f"cannot read ISO date {text!r}: expected text like 2026-12-01T14:00Z")
    stripped = text.strip()
    if not _ISO_RE.fullmatch(stripped):
        raise InvalidInput(f"cannot read ISO date {text!r}: expected text like 2026-12-01T14:00Z")
    try:
        result = to_utc(datetime.fromisoformat(stripped.upper()))
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"cannot read ISO date {text!r}: {exc}") from None
    if not in_years(result):
        raise InvalidInput(f"cannot read ISO date {text!r}: {YEARS_TEXT}")
    return result


def _delta(unit: str, amount: int) -> relativedelta:
    """The offset of `amount` `unit`s, a unit of `_UNITS`."""
    match unit:
        case "years":
            return relativedelta(years=amount)
        case "months":
            return relativedelta(months=amount)
        case "weeks":
            return relativedelta(weeks=amount)
        case "days":
            return relativedelta(days=amount)
        case "hours":
            return relativedelta(hours=amount)
        case "minutes":
            return relativedelta(minutes=amount)
    raise ValueError(f"no such unit: {unit}")
