"""The NDJSON line format of `crm export` / `crm import`: a line is one JSON object whose
`type` names a record type and whose keys are the ones that type exports."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from typing import cast

from crmcli.entities import registry
from crmcli.entities.readers import show_value
from crmcli.kernel import validate
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
    if not line.isascii() and not _is_unicode(line):
        # Bytes that are not UTF-8, read with surrogateescape (`crm import` opens files so).
        raise InvalidInput("the line is not valid UTF-8 text")
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
    if "\\u" in line or not line.isascii():
        data = cast(dict, _cleaned(data))
    return data


def _is_unicode(text: str) -> bool:
    """Whether `text` has no lone surrogate, so it can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cleaned(value: object, key: str = "type") -> object:
    """Every string of a decoded line as `validate.clean` makes typed text: NFC, and no
    lone surrogate (only a `\\ud800` escape can make one). ASCII lines skip this."""
    if isinstance(value, str):
        return validate.clean(value, f"field '{key}'")
    if isinstance(value, dict):
        return {
            validate.clean(name, "a field name"): _cleaned(item, name)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [_cleaned(item, key) for item in value]
    return value
