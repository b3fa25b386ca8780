"""Dates at the edge of what `datetime` can show: refused when typed or imported, so no
table view ever overflows in a zone with an offset (README, "Dates")."""

from __future__ import annotations

import json
import sqlite3

import pytest

#: Zones on both sides of UTC: 0001-01-01 00:00 UTC is year 0 in New York.
ZONES = ["America/New_York", "Asia/Tokyo"]

TYPED = [
    ("log", "Bob", "call", "hi", "--at", "0001-01-01"),
    ("log", "Bob", "call", "hi", "--remind", "9999-12-31 23:00"),
    ("remind", "add", "Bob", "9999-12-31 23:00", "Party"),
    ("remind", "add", "Bob", "0001-01-01", "Party"),
    ("deal", "add", "Big one", "--customer", "Bob", "--close", "9999-12-31"),
    ("deal", "add", "Old one", "--customer", "Bob", "--close", "0001-01-01"),
]

VIEWS = [
    ("timeline", "Bob"),
    ("remind", "list"),
    ("inbox",),
    ("interaction", "list"),
    ("deal", "list"),
    ("customer", "list"),
]


def _rows(db_path, table: str) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("zone", ZONES)
def test_typed_dates_outside_1900_to_2999_are_refused(run_crm, db_path, zone) -> None:
    env = {"TZ": zone}
    assert run_crm("customer", "add", "Bob", env=env).returncode == 0
    for args in TYPED:
        result = run_crm(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("crm: error: cannot read date"), lines
        assert "years 1900 to 2999" in lines[0]
    for table in ("interaction", "reminder", "deal"):
        assert _rows(db_path, table) == 0
    for view in VIEWS:
        shown = run_crm(*view, "--format", "table", env=env)
        assert shown.returncode == 0, (view, shown.stderr)


@pytest.mark.parametrize("zone", ZONES)
def test_imported_dates_outside_1900_to_2999_are_refused(run_crm, db_path, tmp_path, zone):
    lines = [
        {"type": "customer", "id": 1, "name": "Bob"},
        {"type": "interaction", "customer_id": 1, "channel": "call", "occurred_at": "0001-01-01"},
    ]
    source = tmp_path / "edge.ndjson"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_crm("import", str(source), env={"TZ": zone})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("crm: error: line 2: field 'occurred_at'")
    assert _rows(db_path, "customer") == 0
