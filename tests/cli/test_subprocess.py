"""Real runs of the installed `crm`: exit codes, stdout against stderr, pipes, concurrency."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time

from tests.conftest import crm_executable


def test_add_prints_id_when_piped_and_show_json(run_crm) -> None:
    added = run_crm("customer", "add", "Ada Lovelace", "-e", "ada@example.com")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "1\n"
    assert added.stderr == ""
    shown = run_crm("customer", "show", "ada@example.com", "--json")
    assert json.loads(shown.stdout)["emails"] == ["ada@example.com"]


def test_piped_output_has_no_ansi_codes(run_crm) -> None:
    run_crm("customer", "add", "Ada", "-t", "vip")
    for args in (["customer", "list"], ["customer", "list", "--format", "table"], ["--help"]):
        result = run_crm(*args)
        assert result.returncode == 0
        assert "\x1b[" not in result.stdout


def test_error_is_one_line_on_stderr_with_exit_code(run_crm) -> None:
    bad_date = run_crm("remind", "add", "nobody", "blorp")
    assert bad_date.returncode == 2
    assert bad_date.stdout == ""
    assert len(bad_date.stderr.strip().splitlines()) == 1
    assert bad_date.stderr.startswith("crm: error:")
    missing = run_crm("customer", "show", "nobody")
    assert missing.returncode == 3
    assert "Traceback" not in missing.stderr


def test_usage_error_exits_2(run_crm) -> None:
    result = run_crm("customer", "add")
    assert result.returncode == 2


def test_version_and_help(run_crm) -> None:
    assert run_crm("--version").stdout.startswith("crm ")
    assert run_crm("--help").returncode == 0


def test_newer_schema_exits_5_and_is_left_alone(run_crm, db_path) -> None:
    run_crm("customer", "add", "Ada")
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff_newer'")
    result = run_crm("customer", "list")
    assert result.returncode == 5
    assert "newer" in result.stderr
    with sqlite3.connect(db_path) as connection:
        assert (
            connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            == "ffff_newer"
        )


def test_locked_database_exits_5(run_crm, db_path) -> None:
    run_crm("customer", "add", "Ada")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run_crm("customer", "add", "Bob", env={"CRM_BUSY_TIMEOUT_MS": "200"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 5, result.stderr
    assert "locked" in result.stderr


def test_two_logs_at_the_same_moment_both_succeed(run_crm, db_path) -> None:
    run_crm("customer", "add", "Ada", "-e", "ada@example.com")
    crm = crm_executable()
    processes = [
        subprocess.Popen(
            [crm, "log", "ada@example.com", "call", f"call {n}", "--remind", "tomorrow"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for n in range(4)
    ]
    results = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], results
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM interaction").fetchone()[0] == 4
        assert connection.execute("SELECT count(*) FROM reminder").fetchone()[0] == 4


def test_concurrent_first_use_creates_the_database_once(tmp_path) -> None:
    crm = crm_executable()
    fresh = tmp_path / "fresh.db"
    env = {**os.environ, "CRM_DB": str(fresh)}
    processes = [
        subprocess.Popen(
            [crm, "company", "add", f"Co {n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(3)
    ]
    outcomes = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outcomes
    with sqlite3.connect(fresh) as connection:
        assert connection.execute("SELECT count(*) FROM company").fetchone()[0] == 3


def test_body_from_stdin(run_crm) -> None:
    run_crm("customer", "add", "Ada")
    result = run_crm("log", "ada", "email", "Proposal", "--body", "-", input="line one\nline two\n")
    assert result.returncode == 0, result.stderr
    shown = json.loads(run_crm("interaction", "list", "--json").stdout)
    assert shown[0]["body"] == "line one\nline two\n"


def test_broken_pipe_is_quiet(crm_bin, run_crm) -> None:
    for n in range(30):
        run_crm("company", "add", f"Company {n}")
    started = time.monotonic()
    result = subprocess.run(
        f"'{crm_bin}' company list --format ndjson | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert time.monotonic() - started < 30
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr
