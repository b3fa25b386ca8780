"""JSON Schema of the records `--json` and `export` print: the machine API, written down.

A test checks every serialised record against these, so the two cannot drift apart.
"""

from __future__ import annotations

from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.vocabulary import CHANNELS, DIRECTIONS, STAGE_KINDS

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_NINT = {"type": ["integer", "null"]}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}
_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": ["string", "null"], "format": "date-time"}
_NDATE = {"type": ["string", "null"], "format": "date"}
_STRS = {"type": "array", "items": {"type": "string"}}
_FIELDS = {
    "type": "object",
    "description": "Custom fields set with --set KEY=VALUE.",
    "additionalProperties": {"type": ["string", "number", "boolean"]},
}

_PROPERTIES: dict[str, dict[str, dict]] = {
    "customer": {
        "id": _INT,
        "name": _STR,
        "email": {**_NSTR, "description": "The primary email."},
        "emails": {**_STRS, "description": "All emails, primary first."},
        "phone": _NSTR,
        "phones": _STRS,
        "company_id": _NINT,
        "company": _NSTR,
        "title": _NSTR,
        "owner": _NSTR,
        "tags": _STRS,
        "fields": _FIELDS,
        "notes": _NSTR,
        "created_at": _TIME,
        "updated_at": _TIME,
        "deleted_at": _NTIME,
    },
    "company": {
        "id": _INT,
        "name": _STR,
        "domain": _NSTR,
        "industry": _NSTR,
        "owner": _NSTR,
        "tags": _STRS,
        "fields": _FIELDS,
        "notes": _NSTR,
        "created_at": _TIME,
        "updated_at": _TIME,
        "deleted_at": _NTIME,
    },
    "deal": {
        "id": _INT,
        "title": _STR,
        "customer_id": _INT,
        "customer": _NSTR,
        "company_id": _NINT,
        "company": _NSTR,
        "pipeline_id": _INT,
        "pipeline": _NSTR,
        "stage_id": _INT,
        "stage": _STR,
        "status": {"type": "string", "enum": list(STAGE_KINDS)},
        "probability": _INT,
        "value": {**_NUM, "description": "Major units, exact (12000.5)."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "weighted_value": {**_NUM, "description": "value x probability / 100."},
        "close_date": _NDATE,
        "lost_reason": _NSTR,
        "owner": _NSTR,
        "tags": _STRS,
        "fields": _FIELDS,
        "created_at": _TIME,
        "updated_at": _TIME,
        "stage_changed_at": _TIME,
        "closed_at": _NTIME,
        "deleted_at": _NTIME,
    },
    "stage_change": {
        "id": _INT,
        "deal_id": _INT,
        "deal": _NSTR,
        "from_stage_id": _NINT,
        "from_stage": _NSTR,
        "to_stage_id": _INT,
        "to_stage": _STR,
        "at": _TIME,
        "by": _NSTR,
    },
    "interaction": {
        "id": _INT,
        "customer_id": _INT,
        "customer": _NSTR,
        "deal_id": _NINT,
        "deal": _NSTR,
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "direction": {"type": "string", "enum": list(DIRECTIONS)},
        "occurred_at": _TIME,
        "summary": _NSTR,
        "body": _NSTR,
        "by": _NSTR,
        "created_at": _TIME,
    },
    "reminder": {
        "id": _INT,
        "customer_id": _NINT,
        "customer": _NSTR,
        "deal_id": _NINT,
        "deal": _NSTR,
        "due_at": _TIME,
        "text": _NSTR,
        "status": {"type": "string", "enum": ["open", "done"]},
        "done_at": _NTIME,
        "snooze_count": _INT,
        "by": _NSTR,
        "created_at": _TIME,
    },
    "pipeline": {
        "id": _INT,
        "name": _STR,
        "is_default": _BOOL,
        "stages": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "position", "probability", "kind", "rotting_days"],
                "properties": {
                    "id": _INT,
                    "name": _STR,
                    "position": _INT,
                    "probability": _INT,
                    "kind": {"type": "string", "enum": list(STAGE_KINDS)},
                    "rotting_days": _NINT,
                },
            },
        },
        "created_at": _TIME,
    },
}

TYPES = tuple(_PROPERTIES)


def schema_for(record_type: str) -> dict:
    if record_type not in _PROPERTIES:
        raise InvalidInput(f"unknown type '{record_type}': use {', '.join(TYPES)}")
    properties = _PROPERTIES[record_type]
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
    return {name: schema_for(name) for name in TYPES}
