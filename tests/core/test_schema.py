"""Every record the program prints matches `crm schema`: the JSON API is written down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmcli.entities import registry
from crmcli.entities.schema import schema_for
from crmcli.interop.transfer import export_records
from crmcli.services.demo import build_demo

TYPES = registry.names()

_JSON_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
    "array": list,
    "object": dict,
}


def _matches(value: object, schema: dict) -> bool:
    allowed = schema.get("type")
    if allowed is None:
        return True
    names = allowed if isinstance(allowed, list) else [allowed]
    ok = any(
        isinstance(value, _JSON_TYPES[name])
        and not (name in ("integer", "number") and isinstance(value, bool))
        for name in names
    )
    if ok and "enum" in schema:
        ok = value in schema["enum"]
    if ok and isinstance(value, list) and "items" in schema:
        ok = all(_matches(item, schema["items"]) for item in value)
    if ok and isinstance(value, dict) and "properties" in schema:
        ok = set(value) == set(schema["properties"]) and all(
            _matches(value[key], sub) for key, sub in schema["properties"].items()
        )
    return ok


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from crmcli.store.db import open_store

    store = open_store(str(tmp_path_factory.mktemp("schema") / "crm.db"))
    with store.write() as session:
        build_demo(session, now=datetime(2026, 6, 1, 12, tzinfo=UTC))
    with store.read() as session:
        records = list(export_records(session))
    store.dispose()
    return records


@pytest.mark.parametrize("record_type", TYPES)
def test_every_exported_record_matches_its_schema(exported, record_type: str) -> None:
    schema = schema_for(record_type)
    rows = [
        {k: v for k, v in r.items() if k != "type"} for r in exported if r["type"] == record_type
    ]
    assert rows, f"the demo has no {record_type}"
    for row in rows:
        assert set(row) == set(schema["required"]), f"{record_type} keys differ from the schema"
        for key, sub in schema["properties"].items():
            assert _matches(row[key], sub), (
                f"{record_type}.{key} = {row[key]!r} does not match {sub}"
            )


def test_schema_command_prints_every_type(cli_runner_json) -> None:
    assert set(cli_runner_json("schema")) == set(TYPES)
    assert cli_runner_json("schema", "deal")["properties"]["value"]["type"] == "number"


@pytest.fixture
def cli_runner_json():
    import json

    from typer.testing import CliRunner

    from crmcli.commands.main import app

    def run(*args: str):
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return run
