"""CliRunner helpers: `cli("customer", "add", "Ada")` runs the Typer app in-process."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from crmcli.commands.main import app


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, expect: int | None = 0):
        result = self.runner.invoke(app, list(args), input=input)
        if expect is not None:
            assert result.exit_code == expect, (
                f"crm {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\nexception: {result.exception!r}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """One migrated database per session, copied for each test (migrating is the slow part)."""
    from crmcli.store.db import open_store

    path = tmp_path_factory.mktemp("template") / "crm.db"
    open_store(str(path)).dispose()
    return path


@pytest.fixture(autouse=True)
def _fresh_db(isolated_env, _template_db):
    shutil.copyfile(_template_db, isolated_env)


_BUILT: dict = {}


@pytest.fixture(autouse=True)
def _reuse_click_command(monkeypatch):
    """Build the click command tree once: Typer rebuilds it on every CliRunner.invoke."""
    import typer.testing

    build = getattr(typer.testing, "_get_command", None)
    if build is None:
        return

    def cached(app):
        if app not in _BUILT:
            _BUILT[app] = build(app)
        return _BUILT[app]

    monkeypatch.setattr(typer.testing, "_get_command", cached)
