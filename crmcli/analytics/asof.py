"""A report's `--as-of WHEN`: the moment its data ends.

WHEN is read like every other date (README, "Dates"). A day named without a time
(`2025-12-31`, `yesterday`, `fri`) means the end of that day in the user's time zone, so
`--as-of 2025-12-31` includes the purchases of the 31st; a WHEN with a time, an offset
(`-30d`) or `now` is that very moment.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from crmcli.kernel.dates import local, parse_when

_DAY_NAMES = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
_DAY_ONLY = re.compile(
    rf"\d{{4}}-\d{{2}}-\d{{2}}|today|tomorrow|yesterday|(?:next )?(?:{_DAY_NAMES})", re.ASCII
)


def parse_as_of(text: str, now: datetime | None = None) -> datetime:
    """The aware UTC moment `text` names, a day alone meaning its last instant."""
    moment = parse_when(text, now)
    if not _DAY_ONLY.fullmatch(" ".join(text.split()).lower()):
        return moment
    next_day = local(moment).date() + timedelta(days=1)
    return parse_when(next_day.isoformat(), now) - timedelta(microseconds=1)
