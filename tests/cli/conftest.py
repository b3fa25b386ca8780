"""CliRunner helpers: `cli("customer", "add", "Ada")` runs the Typer app in-process."""

from __future__ import annotations

import json

import pytest
from crmcli.commands.main import app
from typer.testing import CliRunner


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
