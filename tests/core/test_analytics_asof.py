"""`--as-of WHEN` (crmcli.analytics.asof): a day alone means its end, anything else the moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmcli.analytics.asof import parse_as_of
from crmcli.kernel.errors import InvalidInput

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)  # a Wednesday
END = timedelta(days=1, microseconds=-1)


@pytest.fixture(autouse=True)
def paris(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TZ", "Europe/Paris")  # UTC+2 in June


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2025-12-31", datetime(2025, 12, 30, 23, tzinfo=UTC)),  # UTC+1 in winter
        ("today", datetime(2026, 6, 16, 22, tzinfo=UTC)),
        ("Yesterday", datetime(2026, 6, 15, 22, tzinfo=UTC)),
        ("fri", datetime(2026, 6, 18, 22, tzinfo=UTC)),
        ("next monday", datetime(2026, 6, 21, 22, tzinfo=UTC)),
    ],
)
def test_a_day_alone_means_its_last_moment(text: str, start: datetime) -> None:
    assert parse_as_of(text, NOW) == start + END


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("now", NOW),
        ("-30d", NOW - timedelta(days=30)),
        ("2025-12-31 12:00", datetime(2025, 12, 31, 11, tzinfo=UTC)),
        ("2025-12-31T00:00Z", datetime(2025, 12, 31, tzinfo=UTC)),
        ("eom", datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC)),
    ],
)
def test_anything_else_is_that_moment(text: str, moment: datetime) -> None:
    assert parse_as_of(text, NOW) == moment


@pytest.mark.parametrize("text", ["", "soon", "2025-13-01", "31/12/2025"])
def test_a_bad_when_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="cannot read date"):
        parse_as_of(text, NOW)
