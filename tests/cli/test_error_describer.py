"""One error describer for both faces (crmcli.present.errors): every exception becomes an
exit code and one line, the same in `crm` and in the TUI's notifications."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from crmcli.kernel.errors import Ambiguous, Conflict, DatabaseUnavailable, InvalidInput, NotFound
from crmcli.present.errors import describe


def _sa(cls, message: str, orig_cls=sqlite3.OperationalError) -> Exception:
    """A SQLAlchemy error as a failed statement raises it: the driver's error inside."""
    return cls("SELECT 1", {}, orig_cls(message))


CASES = [
    (InvalidInput("bad date"), 2, "bad date"),
    (NotFound("no customer matches 'x'"), 3, "no customer matches 'x'"),
    (Ambiguous("'ann' matches several customers", ["1\tAnn", "2\tAnna"]), 4, None),
    (Conflict("email in use"), 4, "email in use"),
    (DatabaseUnavailable("schema is newer"), 5, "schema is newer"),
    (KeyboardInterrupt(), 130, "interrupted"),
    (
        _sa(sa.exc.OperationalError, "database is locked"),
        5,
        "database is locked by another crm process; try again",
    ),
    (
        _sa(sa.exc.DatabaseError, "file is not a database", sqlite3.DatabaseError),
        5,
        "database unavailable: file is not a database",
    ),
    (
        _sa(sa.exc.DatabaseError, "database disk image is malformed", sqlite3.DatabaseError),
        5,
        "database unavailable: database disk image is malformed",
    ),
    (
        _sa(sa.exc.OperationalError, "unable to open database file"),
        5,
        "database unavailable: unable to open database file",
    ),
    (sqlite3.OperationalError("disk I/O error"), 5, "database unavailable: disk I/O error"),
    (
        _sa(sa.exc.IntegrityError, "UNIQUE constraint failed: x.y", sqlite3.IntegrityError),
        1,
        "internal error: database error: UNIQUE constraint failed: x.y",
    ),
    (ValueError("boom\nsecond line"), 1, "internal error: ValueError: boom"),
]


@pytest.mark.parametrize("error, code, message", CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_describe_gives_an_exit_code_and_one_line(error, code, message) -> None:
    got_code, line = describe(error)
    assert got_code == code
    assert "\n" not in line
    assert line == (message if message is not None else str(error))


def test_the_cli_prints_what_describe_says(cli, monkeypatch) -> None:
    """Whatever a command raises, `crm` prints describe's line with its exit code. (Raised
    after the store's transaction, which words its own errors first.)"""
    from crmcli.commands import context

    for error, code, _ in CASES:
        if isinstance(error, KeyboardInterrupt):
            continue

        def fail(*_args, error=error, **_kwargs):
            raise error

        monkeypatch.setattr(context, "show_records", fail)
        result = cli("customer", "list", expect=code)
        first = result.stderr.splitlines()[0]
        expected = f"crm: error: {describe(error)[1]}"
        if code == 1:
            expected += " (run with --debug for the traceback)"
        assert first == expected


def test_the_tui_notifies_what_describe_says() -> None:
    from crmcli.tui.app import describe_error

    for error, _, _ in CASES:
        shown = describe_error(error)
        assert shown.startswith(describe(error)[1])
    ambiguous = CASES[2][0]
    assert describe_error(ambiguous) == "'ann' matches several customers: Ann, Anna"


def test_describe_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, crmcli.present.errors\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'sqlmodel', 'typer', 'textual', 'rich'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
