"""Readers that check one given value each and name its key in their error.

An import line, a `crm ... add` and the bulk path all give a record's values as a mapping
of keys to plain values (JSON's types); the record types' `read` functions check them with
these, so every path refuses the same input with the same words.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from crmcli.kernel import validate
from crmcli.kernel.dates import check_year, parse_iso
from crmcli.kernel.errors import InvalidInput

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def show_value(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str)


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


def amount(value: object, key: str) -> int | float | str | Decimal:
    """A money amount as given: a JSON number, or text a user typed (checked by `money`)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidInput(f"field '{key}' must be a number, not {show_value(value)}")
    return value


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


def given_text(data: Mapping[str, object], keys: Iterable[str]) -> dict[str, str | None]:
    """The optional text keys `data` gives, trimmed (blank is None)."""
    return {key: optional_text(data[key], key) for key in keys if key in data}


def given_times(
    data: Mapping[str, object], keys: Iterable[str], nullable: Iterable[str] = ()
) -> dict[str, datetime | None]:
    """The timestamp keys `data` gives, as aware datetimes; `nullable` ones may be null."""
    may_be_null = set(nullable)
    return {
        key: (optional_when if key in may_be_null else when)(data[key], key)
        for key in (*keys, *may_be_null)
        if key in data
    }


def require(data: Mapping[str, object], key: str, what: str, hint: str = "") -> None:
    """A new record must be given `key` (an update may leave it as it is)."""
    if key not in data:
        raise InvalidInput(f"a new {what} needs a '{key}'{hint}")


def optional_tags(data: Mapping[str, object]) -> list[str] | None:
    """The tags given (None: not given, so left as they are)."""
    return tags(data["tags"]) if "tags" in data else None


def optional_fields(data: Mapping[str, object]) -> dict[str, object] | None:
    """The custom fields given (None: not given, so left as they are)."""
    return fields(data["fields"]) if "fields" in data else None


def asked(changes: Mapping[str, object]) -> dict[str, object]:
    """The keys an edit asks to change: None means "leave it as it is"."""
    return {key: value for key, value in changes.items() if value is not None}
