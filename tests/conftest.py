"""Shared fixtures. Every test runs against its own temporary database: none touches the
user's real one (CRM_DB and the XDG folders point into tmp_path)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: Settings read from the environment (crmcli.kernel.config), cleared for every test.
CONFIG_ENV_VARS = (
    "CRM_DEBUG",
    "CRM_CONFIG",
    "CRM_CURRENCY",
    "CRM_OWNER",
    "CRM_TZ",
    "CRM_BUSY_TIMEOUT_MS",
    "CRM_SYNCHRONOUS",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CRM_DB, user, data and config folders, and no colour, for every test: no
    config file and no setting of the developer's environment reaches a test."""
    db = tmp_path / "crm.db"
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_USER", "tester")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in CONFIG_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    return db


@pytest.fixture
def db_path(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def store(db_path: Path):
    from crmcli.store.db import open_store

    opened = open_store(str(db_path))
    yield opened
    opened.dispose()


def crm_executable() -> str:
    """The installed `crm` console script of the environment running the tests."""
    candidate = Path(sys.executable).with_name("crm")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("crm")
    if not found:
        pytest.fail("the crm console script is not installed (pip install -e .)")
    return found


@pytest.fixture
def crm_bin() -> str:
    return crm_executable()


@pytest.fixture
def run_crm(crm_bin: str):
    """Run the real installed `crm` in a subprocess with the test's environment."""

    def run(
        *args: str, input: str | None = None, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [crm_bin, *args],
            input=input,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=60,
        )

    return run
