"""JSON Schema of the records `--json` and `export` print: the machine API, written down.

A test checks every serialised record against these, so the two cannot drift apart.
"""

from __future__ import annotations

from crmcli.entities import registry

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
INT = {"type": "integer"}
NINT = {"type": ["integer", "null"]}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
NTIME = {"type": ["string", "null"], "format": "date-time"}
NDATE = {"type": ["string", "null"], "format": "date"}
STRS = {"type": "array", "items": {"type": "string"}}
FIELDS = {
    "type": "object",
    "description": "Custom fields set with --set KEY=VALUE.",
    "additionalProperties": {"type": ["string", "number", "boolean"]},
}


def schema_for(record_type: str) -> dict:
    """The JSON Schema of one record type's records (an unknown name is an error)."""
    properties = dict(registry.get(record_type).properties)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"crmcli:{record_type}",
        "title": record_type,
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def all_schemas() -> dict[str, dict]:
    return {name: schema_for(name) for name in registry.names()}
