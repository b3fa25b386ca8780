"""Helpers shared by the CLI tests: read rows back, and build a database once per module."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.conftest import CONFIG_ENV_VARS


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
