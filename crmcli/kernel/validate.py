"""Checks and normalisations of what users type, shared by every write path."""

from __future__ import annotations

import json
import math
import re
import unicodedata
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


#: The longest REF or filter value, in characters: far longer than any name anyone types or
#: looks up, and far below SQLite's limit on a LIKE pattern (50,000 bytes; a character is at
#: most 4 bytes, 8 escaped), which a longer one could pass ("pattern too complex"). It also
#: keeps a REF of digits within what int() reads (4,300 digits).
MAX_LOOKUP_LENGTH = 1000

#: A stage's rotting threshold is at most a hundred years: a date that many days before now
#: is still one `datetime` holds (the board subtracts it), and no deal waits that long.
MAX_ROTTING_DAYS = 36_500

#: Letters that draw nothing (Hangul and braille fillers): a name of them alone shows blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def clean(text: str, what: str = "text") -> str:
    """Every text a user gives, as it is stored and compared: Unicode NFC, so `école` typed
    composed (é) or decomposed (e + U+0301) is one word; and refused when it holds a lone
    surrogate (bytes that were not UTF-8), which no database stores."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"{what} is not valid text (bytes that are not UTF-8, or an unpaired surrogate)"
        ) from None
    return unicodedata.normalize("NFC", text)


def lookup(text: str, what: str) -> str:
    """A REF or a filter value, as `clean` gives it, refused past MAX_LOOKUP_LENGTH
    characters (spaces count). The error shows its start only."""
    if len(text) > MAX_LOOKUP_LENGTH:
        raise InvalidInput(
            f"{what} too long: {len(text):,} characters (at most {MAX_LOOKUP_LENGTH:,}): "
            f"{text[:20]!r}..."
        )
    return clean(text, what)


def _shows_nothing(char: str) -> bool:
    # Control, format, surrogate, private-use and unassigned characters, and separators.
    return unicodedata.category(char)[0] in "CZ" or char in _BLANK_LETTERS


def name(text: str, what: str = "name") -> str:
    """A name or title: one line with single spaces, and something in it that shows."""
    cleaned = " ".join(clean(text, what).split())
    if not cleaned:
        raise InvalidInput(f"{what} cannot be empty")
    if "\x00" in cleaned:
        # No database of ours can keep it (PostgreSQL refuses NUL in text). Other control
        # characters are kept as typed or imported, and shown visibly (crmcli.present.text).
        raise InvalidInput(f"{what} cannot contain a NUL character: {cleaned!r}")
    if all(_shows_nothing(char) for char in cleaned):
        raise InvalidInput(f"{what} cannot be only invisible characters: {cleaned!r}")
    return cleaned


def optional_text(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = clean(text).strip()
    return stripped or None


def long_text(text: str | None) -> str | None:
    """A body: kept as typed (line breaks, indentation), only normalised; blank is None."""
    if text is None or not text.strip():
        return None
    return clean(text, "body")


def email(text: str) -> str:
    cleaned = clean(text, "email").strip().lower()
    if not _EMAIL.match(cleaned):
        raise InvalidInput(f"invalid email '{text}': expected an address like ada@example.com")
    return cleaned


def phone(text: str) -> str:
    cleaned = clean(text, "phone").strip()
    if not _PHONE.match(cleaned) or sum(map(str.isdigit, cleaned)) < 3:
        raise InvalidInput(f"invalid phone '{text}': use digits, spaces and + ( ) - . /")
    return cleaned


def tag(text: str) -> str:
    cleaned = clean(text, "tag").strip().lower().lstrip("#")
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
    cleaned = clean(text, "field name").strip().lower()
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
    text = clean(text, "field value")
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
    if isinstance(value, str):
        value = clean(value, "field value")
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


def rotting_days(value: object) -> int:
    """A stage's rotting threshold: a whole number of days, 0 to MAX_ROTTING_DAYS."""
    days = non_negative_int(value, "rotting days")
    if days > MAX_ROTTING_DAYS:
        raise InvalidInput(f"invalid rotting days {days}: at most {MAX_ROTTING_DAYS:,}")
    return days


def digits(text: str, what: str, *, maximum: int) -> int:
    """Text of ASCII digits only (no sign, no spaces, no `²`) as a number from 0 to `maximum`.
    Longer text is refused before int() reads it (it reads at most 4,300 digits)."""
    stripped = text.lstrip("0") or "0"
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"invalid {what} {text!r}: expected a whole number 0-{maximum}")
    if len(stripped) > len(str(maximum)) or int(stripped) > maximum:
        raise InvalidInput(f"invalid {what} {text[:20]!r}: at most {maximum:,}")
    return int(stripped)


def non_negative_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"invalid {what} {value!r}: expected a whole number >= 0")
    return value
