"""Helpers shared by the CLI tests: read rows back, and build a database once per module."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.conftest import CONFIG_ENV_VARS, crm_executable


def db_rows(model, *where) -> list[dict]:
    """Rows of `model` read straight from the test database, as dicts."""
    from crmcli.store.db import open_store

    store = open_store(os.environ["CRM_DB"])
    try:
        with store.read() as session:
            statement = select(model)
            if where:
                statement = statement.where(*where)
            return [row.model_dump() for row in session.exec(statement).all()]
    finally:
        store.dispose()


def build_db(tmp_path_factory, template, commands, after=None):
    """A database made once by running `commands` (each a tuple of crm arguments) on a copy
    of the template; fixtures copy it for each test. `after()` runs last, inside the same
    environment (for changes no command can make)."""
    from crmcli.commands.main import app

    folder = tmp_path_factory.mktemp("prebuilt")
    path = folder / "crm.db"
    shutil.copyfile(template, path)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_DB", str(path))
        mp.setenv("CRM_USER", "tester")
        mp.setenv("HOME", str(folder / "home"))
        mp.setenv("XDG_DATA_HOME", str(folder / "xdg-data"))
        mp.setenv("XDG_CONFIG_HOME", str(folder / "xdg-config"))
        for name in CONFIG_ENV_VARS:
            mp.delenv(name, raising=False)
        for args in commands:
            result = runner.invoke(app, list(args))
            assert result.exit_code == 0, (args, result.stderr)
        if after is not None:
            after()
    return path


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """What the installed crm prints with stdout on a pseudo-terminal (no colour), as a
    person would see it: the views that only a terminal gets."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [crm_executable(), *args],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "160", "LINES": "50", "NO_COLOR": "1", **(env or {})},
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower end is closed: everything has been read
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")
