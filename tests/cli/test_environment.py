"""Ordinary bad input and a broken environment are never "internal error" (exit 1): numbers
too large for the database, text that is not Unicode, a database path that cannot be used,
a file that is not a database, a backup that cannot be written, a missing driver. Each
gives one line and its documented exit code, and leaves the database as it was."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import stat
from pathlib import Path

import pytest

BIG = "9223372036854775808"  # 2**63: one more than SQLite's largest INTEGER
HUGE = "99999999999999999999999"


def one_error_line(result, prefix: str = "crm: error: ") -> str:
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    assert "internal error" not in lines[0]
    return lines[0]


def export(cli) -> str:
    return cli("export").stdout


@pytest.fixture
def ada(cli) -> str:
    """A database with one customer (with a custom field) and a reminder; its export."""
    cli("customer", "add", "Ada", "-e", "ada@example.com", "--set", "income=5")
    cli("remind", "add", "Ada", "tomorrow", "Call")
    return export(cli)


# -- numbers too large for the database ---------------------------------------------------

TOO_LARGE_IDS = [
    ("timeline", BIG),
    ("customer", "show", BIG),
    ("customer", "edit", HUGE, "--title", "x"),
    ("company", "show", f"#{BIG}"),
    ("deal", "show", HUGE),
    ("deal", "won", BIG),
    ("remind", "done", BIG),
    ("remind", "snooze", HUGE, "tomorrow"),
    ("log", BIG, "call", "x"),
    ("pipeline", "show", BIG),
]


@pytest.mark.parametrize("args", TOO_LARGE_IDS, ids=[" ".join(a) for a in TOO_LARGE_IDS])
def test_an_id_of_2_to_the_63_or_more_is_not_found(cli, ada, args) -> None:
    result = cli(*args, expect=3)
    assert "no " in one_error_line(result)
    assert export(cli) == ada


TOO_LARGE_NUMBERS = [
    ("customer", "list", f"id>{HUGE}"),
    ("customer", "list", f"company:{HUGE}"),
    ("customer", "list", "--limit", HUGE),
    ("search", "ada", "--limit", HUGE),
    ("timeline", "Ada", "--limit", HUGE),
    ("customer", "add", "Big", "--set", "n=" + "9" * 4400),
    ("customer", "edit", "Ada", "--set", "income=" + "1" * 5000),
]


@pytest.mark.parametrize(
    "args", TOO_LARGE_NUMBERS, ids=[" ".join(a)[:60] for a in TOO_LARGE_NUMBERS]
)
def test_numbers_too_large_are_invalid_input(cli, ada, args) -> None:
    one_error_line(cli(*args, expect=2))
    assert export(cli) == ada


def test_an_id_written_in_other_digits_is_a_name(cli, ada) -> None:
    """`²` passes str.isdigit() but is no number: it is looked up as a name."""
    result = cli("customer", "show", "²", expect=3)
    assert "no customer matches '²'" in one_error_line(result)
    assert cli("deal", "list", "customer:²", "--format", "ids").stdout == ""


# -- text that is not Unicode ------------------------------------------------------------


def test_an_unpaired_surrogate_in_an_import_line_is_refused(cli, ada, tmp_path) -> None:
    source = tmp_path / "surrogate.ndjson"
    source.write_text(
        '{"type": "customer", "name": "Fine"}\n{"type":"customer","name":"\\ud800"}\n',
        encoding="utf-8",
    )
    result = cli("import", str(source), expect=2)
    line = one_error_line(result)
    assert line.startswith("crm: error: line 2: ")
    assert "surrogate" in line
    assert export(cli) == ada


def test_bytes_that_are_not_utf8_in_an_import_file_are_refused(cli, ada, tmp_path) -> None:
    source = tmp_path / "latin1.ndjson"
    source.write_bytes(
        b'{"type": "customer", "name": "Fine"}\n{"type":"customer","name":"Jos\xe9"}\n'
    )
    result = cli("import", str(source), expect=2)
    line = one_error_line(result)
    assert line.startswith("crm: error: line 2: ") and "UTF-8" in line
    assert export(cli) == ada


# -- a database path that cannot be used ---------------------------------------------------


def test_a_database_under_a_regular_file_is_unavailable(cli, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    for location in (blocker / "crm.db", blocker / "deeper" / "crm.db"):
        monkeypatch.setenv("CRM_DB", str(location))
        line = one_error_line(cli("customer", "list", expect=5))
        assert "not a folder" in line and str(blocker) in line
    assert blocker.read_text() == "not a folder"


def test_a_dangling_symlink_is_unavailable(cli, tmp_path, monkeypatch) -> None:
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "gone" / "crm.db")
    monkeypatch.setenv("CRM_DB", str(link))
    line = one_error_line(cli("customer", "add", "Ada", expect=5))
    assert "symbolic link" in line
    assert not (tmp_path / "gone").exists()
    (tmp_path / "folder").mkdir()
    link.unlink()
    link.symlink_to(tmp_path / "folder" / "missing.db")  # its folder exists: still refused
    one_error_line(cli("customer", "add", "Ada", expect=5))
    assert not (tmp_path / "folder" / "missing.db").exists()


def test_a_folder_as_the_database_is_unavailable(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_DB", str(tmp_path))
    assert "folder" in one_error_line(cli("customer", "list", expect=5))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_unavailable(cli, tmp_path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        monkeypatch.setenv("CRM_DB", str(locked / "crm.db"))
        one_error_line(cli("customer", "list", expect=5))
        monkeypatch.setenv("CRM_DB", str(locked / "sub" / "crm.db"))
        one_error_line(cli("customer", "list", expect=5))
    finally:
        locked.chmod(0o700)


def test_every_folder_created_is_private(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_DB", str(tmp_path / "a" / "b" / "c" / "crm.db"))
    cli("customer", "list")
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_empty_existing_file_becomes_a_private_database(cli, tmp_path, monkeypatch) -> None:
    empty = tmp_path / "empty.db"
    empty.touch(mode=0o644)
    empty.chmod(0o644)
    monkeypatch.setenv("CRM_DB", str(empty))
    cli("customer", "add", "Ada")
    assert stat.S_IMODE(empty.stat().st_mode) == 0o600


# -- a file that is not a database, or a damaged one ---------------------------------------


def _damage(path: Path) -> None:
    """Overwrite every page after the first: the schema is readable, the rows are not."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = connection.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[page:] = b"\xa5" * (len(data) - page)
    path.write_bytes(bytes(data))


def test_a_file_that_is_not_a_database_is_unavailable(cli, tmp_path, monkeypatch) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n" * 200)
    monkeypatch.setenv("CRM_DB", str(notes))
    for args in (("customer", "list"), ("customer", "add", "Ada"), ("db", "upgrade")):
        line = one_error_line(cli(*args, expect=5))
        assert str(notes) in line and "not a database" in line
    assert notes.read_text() == "shopping list\n" * 200


def test_a_damaged_database_is_unavailable(cli, ada, db_path) -> None:
    _damage(db_path)
    before = db_path.read_bytes()
    for args in (("customer", "list"), ("customer", "add", "Bob"), ("export",)):
        line = one_error_line(cli(*args, expect=5))
        assert str(db_path) in line and "damaged" in line
    assert db_path.read_bytes() == before


def test_db_check_reports_a_damaged_database(cli, ada, db_path) -> None:
    _damage(db_path)
    result = cli("db", "check", expect=5)
    report = result.stdout.splitlines()
    assert [line.split(":")[0] for line in report] == [
        "schema",
        "integrity",
        "foreign keys",
        "search index",
    ]
    assert "ok" not in report[1].split(":", 1)[1].split(", ")
    assert result.stderr == "crm: error: the database has problems (listed above)\n"


def test_db_check_of_a_sound_database_is_ok(cli, ada) -> None:
    result = cli("db", "check")
    assert result.stdout.splitlines()[1:] == [
        "integrity: ok",
        "foreign keys: ok",
        "search index: ok",
    ]


# -- backups --------------------------------------------------------------------------------


def test_a_backup_into_a_folder_is_refused_and_leaves_nothing(cli, ada, tmp_path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    for extra in ((), ("--force",)):
        line = one_error_line(cli("db", "backup", str(folder), *extra, expect=2))
        assert "folder" in line
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("adir")) == ["adir"]


def test_a_backup_is_private_and_leaves_no_partial_file(cli, ada, tmp_path) -> None:
    target = tmp_path / "copy.db"
    cli("db", "backup", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT name FROM customer").fetchall() == [("Ada",)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_backup_into_a_read_only_folder_is_refused(cli, ada, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        one_error_line(cli("db", "backup", str(locked / "copy.db"), expect=2))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


# -- a server database without its driver ----------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("psycopg") is not None
    or importlib.util.find_spec("psycopg2") is not None,
    reason="a PostgreSQL driver is installed",
)
@pytest.mark.parametrize("url", ["postgresql://crm@localhost/crm", "postgresql+psycopg://x/y"])
def test_a_postgresql_url_without_its_driver_is_unavailable(cli, url) -> None:
    line = one_error_line(cli("--db", url, "customer", "list", expect=5))
    assert line == "crm: error: driver not installed: pip install psycopg"


def test_an_unknown_database_url_is_invalid(cli) -> None:
    line = one_error_line(cli("--db", "nosuchdb://x/y", "customer", "list", expect=2))
    assert "nosuchdb" in line


# -- permissions, as root too (root writes into read-only folders, so they are simulated) --


def test_a_read_only_database_is_unavailable(cli, ada, db_path) -> None:
    """A read-only connection (as a read-only folder or file gives) refuses the write."""
    url = f"sqlite:///file:{db_path}?mode=ro&uri=true"
    line = one_error_line(cli("--db", url, "customer", "add", "Bob", expect=5))
    assert "readonly" in line
    assert cli("--db", url, "customer", "list", "--format", "ids").stdout == "1\n"
    assert export(cli) == ada


def test_a_folder_that_refuses_the_new_database_is_unavailable(cli, tmp_path, monkeypatch):
    import crmcli.store.backends.sqlite as sqlite_backend

    def refuse(path, *_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(sqlite_backend.os, "open", refuse)
    monkeypatch.setenv("CRM_DB", str(tmp_path / "new" / "crm.db"))
    line = one_error_line(cli("customer", "list", expect=5))
    assert "permission denied" in line and str(tmp_path / "new" / "crm.db") in line


def test_a_folder_that_refuses_the_backup_is_invalid_and_left_clean(
    cli, ada, tmp_path, monkeypatch
):
    import crmcli.store.backends.sqlite as sqlite_backend

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sqlite_backend.tempfile, "mkstemp", refuse)
    line = one_error_line(cli("db", "backup", str(tmp_path / "copy.db"), expect=2))
    assert "permission denied" in line
    assert not (tmp_path / "copy.db").exists()
