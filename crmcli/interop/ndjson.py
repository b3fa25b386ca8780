"""The NDJSON line format of `crm export` / `crm import`: the types, the keys each accepts,
and readers that check one value each and name the key in their error."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from crmcli.kernel import validate
from crmcli.kernel.dates import check_year, parse_iso
from crmcli.kernel.errors import InvalidInput

#: Every record type, in dependency order: a record only links to types before it.
TYPES = ("pipeline", "company", "customer", "deal", "stage_change", "interaction", "reminder")

TYPES_TEXT = ", ".join(TYPES)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
STAGE_KEYS = frozenset({"id", "name", "position", "probability", "kind", "rotting_days"})

#: The keys each type accepts on an import line: exactly the keys its export writes.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "pipeline": frozenset({"type", "id", "name", "is_default", "stages", "created_at"}),
    "company": frozenset(
        {"type", "id", "name", "domain", "industry", "owner", "tags", "fields", "notes"}
        | {"created_at", "updated_at", "deleted_at"}
    ),
    "customer": frozenset(
        {"type", "id", "name", "email", "emails", "phone", "phones", "company_id", "company"}
        | {"title", "owner", "tags", "fields", "notes", "created_at", "updated_at", "deleted_at"}
    ),
    "deal": frozenset(
        {"type", "id", "title", "customer_id", "customer", "company_id", "company"}
        | {"pipeline_id", "pipeline", "stage_id", "stage", "status", "probability", "value"}
        | {"currency", "weighted_value", "close_date", "lost_reason", "owner", "tags", "fields"}
        | {"created_at", "updated_at", "stage_changed_at", "closed_at", "deleted_at"}
    ),
    "stage_change": frozenset(
        {"type", "id", "deal_id", "deal", "from_stage_id", "from_stage", "to_stage_id"}
        | {"to_stage", "at", "by"}
    ),
    "interaction": frozenset(
        {"type", "id", "customer_id", "customer", "deal_id", "deal", "channel", "direction"}
        | {"occurred_at", "summary", "body", "by", "created_at"}
    ),
    "reminder": frozenset(
        {"type", "id", "customer_id", "customer", "deal_id", "deal", "due_at", "text"}
        | {"status", "done_at", "snooze_count", "by", "created_at"}
    ),
}


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
        raise InvalidInput(f"expected a JSON object with a type field ({TYPES_TEXT})")
    kind = data.get("type")
    if kind is None:
        raise InvalidInput(f"missing field 'type': use one of {TYPES_TEXT}")
    if not isinstance(kind, str) or kind not in TYPES:
        raise InvalidInput(f"unknown type {show_value(kind)}: use one of {TYPES_TEXT}")
    unknown = [key for key in data if key not in KNOWN_KEYS[kind]]
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


def show_value(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str)


# -- value readers: each names the key it reads, so errors say which field was wrong ------


def text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"field '{key}' must be text, not {show_value(value)}")
    return value


def optional_text(value: object, key: str) -> str | None:
    return None if value is None else validate.optional_text(text(value, key))


def whole(value: object, key: str) -> int:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"field '{key}' must be a whole number, not {show_value(value)}")
    return value


def record_id(value: object, key: str) -> int:
    number = whole(value, key)
    if not 1 <= number < 2**63:
        raise InvalidInput(f"field '{key}' must be an id (a whole number >= 1), not {number}")
    return number


def boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"field '{key}' must be true or false, not {show_value(value)}")
    return value


def strings(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"field '{key}' must be a list of strings, not {show_value(value)}")
    return value


def when(value: object, key: str) -> datetime:
    if value is None:
        raise InvalidInput(f"field '{key}' cannot be null")
    try:
        return parse_iso(value)
    except InvalidInput as exc:
        raise InvalidInput(f"field '{key}': {exc}") from None


def optional_when(value: object, key: str) -> datetime | None:
    return None if value is None else when(value, key)


def day(value: object, key: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str) or not DATE.match(value.strip()):
        raise InvalidInput(
            f"field '{key}' must be an ISO date like 2026-12-01, not {show_value(value)}"
        )
    try:
        result = date.fromisoformat(value.strip())
        check_year(result, value)
    except ValueError as exc:
        raise InvalidInput(f"field '{key}': {exc}") from None
    except InvalidInput as exc:
        raise InvalidInput(f"field '{key}': {exc}") from None
    return result


def tags(value: object) -> list[str]:
    return validate.tags(strings(value, "tags"))


def fields(value: object) -> dict[str, object]:
    """Custom fields: numbers with a fraction arrive as Decimal and are stored as floats,
    exactly what a plain `json.loads` would give, so a round trip keeps `2.0` as `2.0`."""
    if not isinstance(value, dict):
        raise InvalidInput(f"field 'fields' must be an object, not {show_value(value)}")
    clean: dict[str, object] = {}
    for key, item in value.items():
        name = validate.field_key(key)
        if isinstance(item, Decimal):
            item = float(item)
            if not math.isfinite(item):
                raise InvalidInput(f"custom field '{key}' is too large a number")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise InvalidInput(
                f"invalid value of custom field '{key}': use a string, number or boolean"
            )
        clean[name] = item
    return clean


def primary_first(data: dict, one: str, many: str, check: Callable[[str], str], current):
    """A customer's emails (or phones) from `email` (primary) and/or `emails` (all).

    Both: the primary goes first of the list. Only the list: it is the whole set. Only the
    primary: it becomes the first and the other current ones stay. Neither (or a null
    primary alone): None, "leave them as they are".
    """
    primary = data.get(one)
    primary = None if primary is None else check(text(primary, one))
    if many in data:
        values = [check(item) for item in strings(data[many], many)]
    elif primary is not None:
        values = list(current())
    else:
        return None
    if primary is not None:
        values = [primary, *(v for v in values if v != primary)]
    return list(dict.fromkeys(values))
