"""Shared helpers of the probes: the installed `crm` run in subprocesses against real SQLite
files in tmp_path, with every folder it could touch (HOME, XDG_*) inside tmp_path too.

The autouse `isolated_env` fixture of tests/conftest.py already points CRM_DB, HOME and
XDG_DATA_HOME into tmp_path and sets TZ=UTC; the fixture below adds the other XDG folders
and drops the variables that would change how `crm` behaves (debug, busy timeout, keymap).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import crm_executable

#: The variables of the developer's shell that must not leak into a probe.
_DROPPED = ("CRM_DEBUG", "CRM_BUSY_TIMEOUT_MS", "CRM_KEYMAP", "CRM_SLOW_PROBES")


def slow_probes_enabled() -> bool:
    """The big variants run only when asked: `CRM_SLOW_PROBES=1 pytest tests/probes -m slow`.

    The project's pytest configuration does not deselect `slow` tests by default, so the
    marker alone would put minutes of probes into every `make test`.
    """
    return os.environ.get("CRM_SLOW_PROBES") == "1"


@pytest.fixture(autouse=True)
def _probe_env(isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
        folder = tmp_path / name.lower()
        folder.mkdir(mode=0o700, exist_ok=True)
        monkeypatch.setenv(name, str(folder))
    (tmp_path / "home").mkdir(exist_ok=True)
    for name in _DROPPED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRM_USER", "probe")
    monkeypatch.setenv("NO_COLOR", "1")


def fixture_env(folder: Path, db: Path | str | None = None) -> dict[str, str]:
    """For module and session fixtures, which run before the per-test isolation: the same
    isolation, in `folder`."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith("XDG_")}
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = folder / name.lower()
        path.mkdir(mode=0o700, exist_ok=True)
        env[name] = str(path)
    env.update(CRM_USER="probe", TZ="UTC", NO_COLOR="1", CRM_DB=str(db or folder / "crm.db"))
    return env


def crm_env(db: Path | str | None = None, **extra: str) -> dict[str, str]:
    """The environment of one `crm` subprocess: the test's isolated one, another database."""
    env = dict(os.environ)
    if db is not None:
        env["CRM_DB"] = str(db)
    env.update(extra)
    return env


def crm_argv(*args: str | bytes) -> list[str | bytes]:
    return [crm_executable(), *args]


def run_crm(
    *args: str | bytes,
    db: Path | str | None = None,
    input: bytes | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed `crm` once; stdout and stderr come back as bytes."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    return subprocess.run(
        crm_argv(*args),
        input=input,
        capture_output=True,
        env=dict(env) if env is not None else crm_env(db),
        timeout=timeout,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[bytes]:
    """The result, after checking it exited 0 (the message shows both streams)."""
    assert result.returncode == 0, (
        f"{result.args[1:]!r} exited {result.returncode}\n"
        f"stdout: {result.stdout[-2000:]!r}\nstderr: {result.stderr[-2000:]!r}"
    )
    return result


def export_bytes(db: Path | str, *types: str) -> bytes:
    """`crm export` of a database, exactly as written (NDJSON, one record per line)."""
    args = ["export"]
    for kind in types:
        args += ["--type", kind]
    return ok(run_crm(*args, db=db)).stdout


def records(export: bytes) -> list[dict]:
    return [json.loads(line) for line in export.splitlines() if line.strip()]


def type_counts(rows: Iterable[dict]) -> collections.Counter[str]:
    return collections.Counter(row["type"] for row in rows)


def write_ndjson(path: Path, rows: Iterable[dict]) -> int:
    """Write rows as NDJSON; returns how many lines."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            count += 1
    return count


def seed_rows() -> list[dict]:
    """A small database for hostile commands to find things in: REFs resolve, one name
    ('Ann') is also part of another ('Anna'), a deal has its history, reminders are open
    and done."""
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    return [
        {
            "type": "company",
            "id": 1,
            "name": "Acme Corp",
            "domain": "acme.test",
            "tags": ["partner"],
        },
        {
            "type": "customer",
            "id": 1,
            "name": "Ada Lovelace",
            "emails": ["ada@acme.test"],
            "company_id": 1,
            "tags": ["vip"],
            "fields": {"income": 52000, "plan": "gold"},
        },
        {"type": "customer", "id": 2, "name": "Grace Hopper", "emails": ["grace@navy.test"]},
        {"type": "customer", "id": 3, "name": "Ann"},
        {"type": "customer", "id": 4, "name": "Anna"},
        {
            "type": "deal",
            "id": 1,
            "title": "Engines",
            "customer_id": 1,
            "pipeline_id": 1,
            "stage_id": 1,
            "value": 12000.5,
            "currency": "EUR",
        },
        {
            "type": "stage_change",
            "id": 1,
            "deal_id": 1,
            "to_stage_id": 1,
            "at": "2026-01-01T00:00:00+00:00",
        },
        {"type": "interaction", "id": 1, "customer_id": 1, "channel": "call", "summary": "Renewal"},
        {
            "type": "reminder",
            "id": 1,
            "customer_id": 1,
            "deal_id": 1,
            "due_at": later,
            "text": "Send it",
        },
        {
            "type": "reminder",
            "id": 2,
            "customer_id": 2,
            "due_at": later,
            "text": "Old",
            "done_at": later,
        },
    ]


@dataclass
class Seed:
    db: Path
    export: bytes


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """The seed database (made by `crm import`) and its `crm export`."""
    folder = tmp_path_factory.mktemp("seed")
    source = folder / "seed.ndjson"
    write_ndjson(source, seed_rows())
    loaded = folder / "loaded.db"
    ok(run_crm("import", str(source), env=fixture_env(folder, loaded)))
    db = folder / "seed.db"  # one self-contained file (no -wal beside it) to copy
    ok(run_crm("db", "backup", str(db), env=fixture_env(folder, loaded)))
    export = ok(run_crm("export", env=fixture_env(folder, db))).stdout
    assert export == export_in_process(CliRunner(), fresh_copy(Seed(db, b""), folder))
    return Seed(db, export)


def fresh_copy(seed: Seed, folder: Path) -> Path:
    """A copy of the seed database to spoil: `folder`/example.db, replaced on each call."""
    db = folder / "example.db"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(seed.db, db)
    return db


def export_in_process(runner: CliRunner, db: Path) -> bytes:
    """`crm export` run in-process (the Typer app): the same bytes, without a start-up."""
    from crmcli.commands.main import app

    result = runner.invoke(app, ["--db", str(db), "export"])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes
