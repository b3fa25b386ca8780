"""Ctrl-C (SIGINT) and SIGTERM in the middle of a write: the transaction rolls back, the
database is as it was, and `crm` ends with one line and 130 / 143 (128 + the signal)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import crm_executable

LINES = 60_000  # several seconds of import even on a fast machine


@pytest.fixture(scope="module")
def big_import(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "big.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for n in range(LINES):
            record = {
                "type": "customer",
                "name": f"Person {n}",
                "emails": [f"person{n}@example.com"],
                "tags": ["vip"] if n % 10 == 0 else [],
                "fields": {"n": n},
            }
            out.write(json.dumps(record) + "\n")
    return path


def _wait_until_in_transaction(process: subprocess.Popen, db_path: Path) -> None:
    """Until `process` holds the write lock: its transaction is under way."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the command ended before it could be interrupted"
        probe = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                return
            raise
        else:
            probe.execute("ROLLBACK")
        finally:
            probe.close()
        time.sleep(0.05)
    pytest.fail("the command never began its write")


def _count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, code, line",
    [
        (signal.SIGTERM, 143, "crm: error: terminated"),
        (signal.SIGINT, 130, "crm: error: interrupted"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_signal_during_an_import_leaves_the_database_as_it_was(
    run_crm, db_path, big_import, signum, code, line
) -> None:
    assert run_crm("customer", "add", "Already here").returncode == 0
    before = run_crm("export").stdout
    process = subprocess.Popen(
        [crm_executable(), "import", str(big_import)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        _wait_until_in_transaction(process, db_path)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stderr
    assert stdout == ""
    assert stderr.splitlines() == [line]
    assert _count(db_path, "customer") == 1
    assert run_crm("export").stdout == before


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_an_import_waits_for_input_rolls_it_back(
    run_crm, db_path, big_import, signum, code
) -> None:
    """`producer | crm import -`: stopped while it waits for more lines, mid-transaction."""
    before = run_crm("export").stdout
    process = subprocess.Popen(
        [crm_executable(), "import", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        with big_import.open(encoding="utf-8") as source:
            first = "".join(next(source) for _ in range(12_000))  # two batches written
        assert process.stdin is not None
        process.stdin.write(first)
        process.stdin.flush()
        _wait_until_in_transaction(process, db_path)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stderr
    assert stdout == ""
    assert len(stderr.splitlines()) == 1 and stderr.startswith("crm: error: "), stderr
    assert _count(db_path, "customer") == 0
    assert run_crm("export").stdout == before


@pytest.mark.slow
def test_sigterm_while_waiting_for_the_lock_ends_once_the_wait_does(run_crm, db_path) -> None:
    """SQLite waits for a lock inside one C call, which no Python signal handler interrupts:
    the signal takes effect when the wait ends (CRM_BUSY_TIMEOUT_MS), with the same result."""
    assert run_crm("customer", "add", "Ada").returncode == 0
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        process = subprocess.Popen(
            [crm_executable(), "customer", "add", "Bob"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CRM_BUSY_TIMEOUT_MS": "3000"},
        )
        time.sleep(1.0)
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert process.returncode == 143, stderr
    assert stderr.splitlines() == ["crm: error: terminated"]
    assert _count(db_path, "customer") == 1
