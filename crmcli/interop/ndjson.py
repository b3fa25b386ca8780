"""The NDJSON line format of `crm export` / `crm import`: a line is one JSON object whose
`type` names a record type and whose keys are the ones that type exports."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache

from crmcli.entities import registry
from crmcli.entities.readers import show_value
from crmcli.kernel.errors import InvalidInput

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


@cache
def _known_keys() -> dict[str, frozenset[str]]:
    """The keys each type accepts on an import line: exactly the keys its export writes."""
    return {t.name: t.import_keys for t in registry.all_types()}


def types_text() -> str:
    return ", ".join(registry.names())


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def parse_line(line: str) -> dict:
    """One import line as a dict with a known `type`; numbers with a fraction are Decimals."""
    try:
        data = _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"expected a JSON object with a type field ({types_text()})")
    kind = data.get("type")
    if kind is None:
        raise InvalidInput(f"missing field 'type': use one of {types_text()}")
    known = _known_keys().get(kind) if isinstance(kind, str) else None
    if known is None:
        raise InvalidInput(f"unknown type {show_value(kind)}: use one of {types_text()}")
    unknown = [key for key in data if key not in known]
    if unknown:
        raise InvalidInput(f"unknown field '{unknown[0]}' for {kind}")
    return data
