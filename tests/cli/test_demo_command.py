"""`crm demo`: it goes where every command goes (--db, else CRM_DB, else demo.db in the data
folder), and `--reset` deletes only a database the demo made, or one that holds nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest


def customers(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM customer")]


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("how", ["--db", "CRM_DB"])
def test_reset_refuses_a_database_the_demo_did_not_make(cli, tmp_path, monkeypatch, how):
    real = tmp_path / "real.db"
    monkeypatch.setenv("CRM_DB", str(real))
    cli("customer", "add", "Precious")
    before = cli("export").stdout
    args = ("--db", str(real), "demo", "--reset") if how == "--db" else ("demo", "--reset")
    if how == "--db":
        monkeypatch.setenv("CRM_DB", str(tmp_path / "elsewhere.db"))
    line = one_error_line(cli(*args, expect=4))
    assert str(real) in line and "not made by crm demo" in line
    monkeypatch.setenv("CRM_DB", str(real))
    assert cli("export").stdout == before
    assert customers(real) == ["Precious"]


def test_demo_without_reset_refuses_a_database_with_customers(cli, db_path):
    cli("customer", "add", "Precious")
    before = cli("export").stdout
    one_error_line(cli("demo", expect=4))
    assert cli("export").stdout == before


def test_demo_honours_crm_db(cli, tmp_path, monkeypatch):
    chosen = tmp_path / "chosen" / "demo.db"
    monkeypatch.setenv("CRM_DB", str(chosen))
    result = cli("demo")
    assert str(chosen) in result.stdout
    assert len(customers(chosen)) == 50
    assert not (tmp_path / "xdg-data" / "crmcli" / "demo.db").exists()


def test_demo_without_a_location_uses_demo_db_in_the_data_folder(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_DB")
    cli("demo")
    demo = tmp_path / "xdg-data" / "crmcli" / "demo.db"
    assert len(customers(demo)) == 50
    assert not (tmp_path / "xdg-data" / "crmcli" / "crm.db").exists()


def test_reset_rebuilds_a_demo_database_again_and_again(cli, tmp_path):
    """What `make demo` runs: `crm --db .demo/crm.db demo --reset`, every time."""
    target = tmp_path / ".demo" / "crm.db"
    for _ in range(3):
        cli("--db", str(target), "demo", "--reset")
        assert len(customers(target)) == 50
    cli("--db", str(target), "customer", "add", "Played with")  # still the demo's database
    cli("--db", str(target), "demo", "--reset")
    assert "Played with" not in customers(target)


@pytest.mark.parametrize("kind", ["empty file", "empty database"])
def test_reset_accepts_a_target_that_holds_nothing(cli, tmp_path, kind):
    target = tmp_path / "target.db"
    if kind == "empty file":
        target.touch()
    else:
        cli("--db", str(target), "customer", "list")
    cli("--db", str(target), "demo", "--reset")
    assert len(customers(target)) == 50


@pytest.mark.parametrize("kind", ["text file", "folder", "symlink"])
def test_reset_refuses_what_is_not_a_demo_database(cli, tmp_path, kind):
    target = tmp_path / "target.db"
    if kind == "text file":
        target.write_text("my notes\n")
    elif kind == "folder":
        target.mkdir()
        (target / "keep.txt").write_text("keep")
    else:
        real = tmp_path / "real.db"
        cli("--db", str(real), "demo")
        target.symlink_to(real)
    result = cli("--db", str(target), "demo", "--reset", expect=None)
    assert result.exit_code in (4, 5)
    one_error_line(result)
    if kind == "text file":
        assert target.read_text() == "my notes\n"
    elif kind == "folder":
        assert (target / "keep.txt").read_text() == "keep"
    else:
        assert target.is_symlink() and len(customers(tmp_path / "real.db")) == 50


def test_reset_refuses_a_server_url(cli):
    line = one_error_line(cli("--db", "postgresql://x/y", "demo", "--reset", expect=2))
    assert "--reset" in line
