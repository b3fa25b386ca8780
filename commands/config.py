"""`crm config ...`: where the config file is, and what every setting is right now."""

from __future__ import annotations

import json
from decimal import Decimal

import typer

from crmcli.commands import options as opt

app = opt.noun_app()


@app.command("path")
def path() -> None:
    """Print the config file in use ($CRM_CONFIG, else config.toml in the user config folder).

    The file may not exist: every setting has a default."""
    from crmcli.kernel import config

    typer.echo(config.config_path())


@app.command("show")
def show(as_json: opt.Json = False) -> None:
    """Print every setting in effect and where it comes from (env, file or default).

    The output is TOML: the lines can be copied into the config file."""
    from crmcli.kernel import config

    settings = config.effective()
    if as_json:
        document = {s.key: {"value": _plain(s.value), "source": s.source} for s in settings}
        typer.echo(json.dumps(document, indent=2))
        return
    for setting in settings:
        line = f"{setting.key} = {_toml(setting.value)}"
        if setting.value is None:
            line = f"# {setting.key} = (not set)"
        typer.echo(f"{line:<48} # {setting.source}")


def _plain(value: object) -> object:
    """JSON-ready: amounts as numbers, tables as objects."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _toml(value: object) -> str:
    """A TOML value: a string quoted, a table inline."""
    if isinstance(value, dict):
        inner = ", ".join(f"{key} = {_toml(item)}" for key, item in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)
