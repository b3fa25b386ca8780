"""Dates and ages for people, the same in the CLI's tables and the TUI.

Reading dates (the WHEN grammar) and converting zones stay in `kernel.dates`; this is only
how a moment or a span is shown: local time to the minute, a relative phrase that rounds
down ("2 h ago", "in 3 days"), and a card's compact age ("5h", "12d", "3mo").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from crmcli.kernel.dates import local, to_utc
from crmcli.present.counts import count

__all__ = ["compact_age", "format_local", "format_when", "humanize", "span"]


def format_local(dt: datetime | None, tz: tzinfo | None = None) -> str:
    """Local time to the minute, "" for no value: `2026-11-22 14:05`.

    A moment whose local time falls outside years 1 to 9999 (9999-12-31 23:00 UTC is year
    10000 in Tokyo) is shown in UTC: crm no longer takes such dates, but a database an
    earlier crm wrote may hold them."""
    if dt is None:
        return ""
    try:
        return local(dt, tz).strftime("%Y-%m-%d %H:%M")
    except OverflowError:
        return to_utc(dt).strftime("%Y-%m-%d %H:%M UTC")


def span(dt: datetime | None, now: datetime | None = None) -> str:
    """How far `dt` is from now, without the direction: `2 h`, `3 days`, `1 month`."""
    if dt is None:
        return ""
    current = to_utc(now) if now is not None else datetime.now(UTC)
    seconds = abs((to_utc(dt) - current).total_seconds())
    days = seconds / 86400
    if seconds < 60:
        return "<1 min"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    if days < 7:
        return count(int(days), "day")
    if days < 31:
        return count(int(days // 7), "week")
    if days < 365:
        return count(max(1, int(days / 30.4375)), "month")
    return count(max(1, int(days / 365.2425)), "year")


def humanize(dt: datetime | None, now: datetime | None = None) -> str:
    """A relative phrase for tables ("2 h ago", "in 3 days"); each unit rounds down."""
    if dt is None:
        return ""
    current = to_utc(now) if now is not None else datetime.now(UTC)
    seconds = (to_utc(dt) - current).total_seconds()
    if abs(seconds) < 60:
        return "just now"
    phrase = span(dt, current)
    return f"in {phrase}" if seconds > 0 else f"{phrase} ago"


def format_when(dt: datetime | None, now: datetime | None = None) -> str:
    """Local time and the relative phrase: `2026-11-22 14:05 (2 h ago)`."""
    if dt is None:
        return ""
    return f"{format_local(dt)} ({humanize(dt, now)})"


def compact_age(delta: timedelta) -> str:
    """`new`, `5m`, `5h`, `12d`, `3mo`, `2y`: how long a deal has sat in its stage."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 3600:
        return "new" if seconds < 60 else f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    days = int(seconds // 86400)
    if days < 60:
        return f"{days}d"
    if days < 730:
        return f"{int(days / 30.4375)}mo"
    return f"{int(days / 365.2425)}y"
