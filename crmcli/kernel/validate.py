"""Checks and normalisations of what users type, shared by every write path."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal

from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.vocabulary import CHANNELS, DIRECTIONS

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is not our job.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{3,}$")
_TAG = re.compile(r"^[\w][\w\-./]*$")
_FIELD_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_JSON_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")

#: SQLite's largest INTEGER (signed 64 bits): ids, limits and whole-number filters stay
#: within it, or the driver fails with OverflowError when it binds them.
MAX_INTEGER = 2**63 - 1
#: The longest integer Python turns into text (`sys.get_int_max_str_digits()` by default):
#: a custom field is stored as JSON text, so a longer one cannot be.
MAX_FIELD_DIGITS = 4300


def name(text: str, what: str = "name") -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(f"{what} cannot be empty")
    return cleaned


def optional_text(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


def email(text: str) -> str:
    cleaned = text.strip().lower()
    if not _EMAIL.match(cleaned):
        raise InvalidInput(f"invalid email '{text}': expected an address like ada@example.com")
    return cleaned


def phone(text: str) -> str:
    cleaned = text.strip()
    if not _PHONE.match(cleaned) or sum(map(str.isdigit, cleaned)) < 3:
        raise InvalidInput(f"invalid phone '{text}': use digits, spaces and + ( ) - . /")
    return cleaned


def tag(text: str) -> str:
    cleaned = text.strip().lower().lstrip("#")
    if not _TAG.match(cleaned):
        raise InvalidInput(
            f"invalid tag '{text}': use letters, digits and - _ . / (no spaces), e.g. vip"
        )
    return cleaned


def tags(values: Iterable[str]) -> list[str]:
    """Normalised tags, duplicates dropped, order kept."""
    return list(dict.fromkeys(tag(value) for value in values))


def channel(text: str) -> str:
    cleaned = text.strip().lower()
    if cleaned not in CHANNELS:
        raise InvalidInput(f"unknown channel '{text}': use one of {', '.join(CHANNELS)}")
    return cleaned


def direction(text: str) -> str:
    cleaned = text.strip().lower()
    if cleaned not in DIRECTIONS:
        raise InvalidInput(f"invalid direction '{text}': use in or out")
    return cleaned


def field_key(text: str) -> str:
    cleaned = text.strip().lower()
    if not _FIELD_KEY.match(cleaned):
        raise InvalidInput(
            f"invalid field name '{text}': use lower-case letters, digits and _ (income)"
        )
    return cleaned


def field_value_from_text(text: str) -> str | int | float | bool | None:
    """A value typed after `--set KEY=`: numbers become numbers, the rest stays text.

    A leading zero (`007`) keeps a value textual, so zip codes and ids survive.
    An empty value means "remove this field" (None).
    """
    if text == "":
        return None
    if _JSON_NUMBER.match(text):
        if "." not in text:
            return int(Decimal(text))
        number = float(text)
        return number if math.isfinite(number) else text
    return text


def parse_assignment(text: str) -> tuple[str, str | int | float | bool | None]:
    """`KEY=VALUE` from `--set`."""
    key, sep, value = text.partition("=")
    if not sep:
        raise InvalidInput(f"invalid --set '{text}': expected KEY=VALUE, e.g. income=52000")
    return field_key(key), field_value_from_text(value.strip())


def field_json(value: object) -> tuple[str, float | None]:
    """The stored form of a custom field value: exact JSON text and a numeric copy."""
    if not isinstance(value, str | int | float | bool) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        raise InvalidInput(f"invalid field value {value!r}: use a string, number or boolean")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    try:
        numeric = float(value) if is_number else None
    except OverflowError:  # an integer too large for a float compares as text only
        numeric = None
    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError:  # an integer longer than Python writes as text
        raise InvalidInput(
            f"invalid field value: a number of more than {MAX_FIELD_DIGITS} digits"
        ) from None
    return text, numeric


def within_integer_range(value: int, what: str) -> int:
    """`value` if SQLite can store it, else InvalidInput naming `what`."""
    if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
        raise InvalidInput(f"invalid {what} {value}: too large (at most {MAX_INTEGER})")
    return value


def non_negative_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"invalid {what} {value!r}: expected a whole number >= 0")
    return value
