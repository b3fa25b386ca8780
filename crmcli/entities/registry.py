"""The record types, each described once: the one place a new type is registered.

A `RecordType` holds everything the generic machinery needs to know about one kind of
record: its table, its JSON form and JSON Schema (so export, import and `crm schema` agree),
its filter fields and sort keys, its place in the full-text index and how search results
label it, and which other types it links to. Listing, filters, search, export, the keys an
import line takes, the bulk path's link checks, `crm schema` and the demo's "is this
database empty?" read these descriptions instead of keeping tables of their own. What a type
still needs elsewhere (a table, a service, an import handler, its commands) is listed in
ARCHITECTURE.md, "How to add a record type".

`MODULES` is in dependency order (a record links only to types before it): export writes in
that order and import can read its own output back line by line. See ARCHITECTURE.md, "How
to add a record type".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import import_module
from typing import Any

from sqlmodel import Session

from crmcli.entities.filters import Builder
from crmcli.kernel.errors import InvalidInput

Serializer = Callable[[Session, Sequence[Any]], list[dict]]


@dataclass(frozen=True)
class Listing:
    """What `list`, filters and `--sort` know of a type."""

    filters: Mapping[str, Builder]
    sorts: Mapping[str, Any]
    default_sort: tuple[str, ...]
    #: Whether custom fields (`--set KEY=VALUE`) can be filtered on.
    has_fields: bool
    #: Where bare words are looked for when there is no full-text index.
    title: Any


@dataclass(frozen=True)
class Searchable:
    """A type's place in the full-text index and in `crm search` results."""

    #: Packed into the index's rowid (`id * 8 + code`): 1..7, unique, never reused.
    code: int
    #: The record field shown as the result's label and the one shown beside it.
    label: str
    detail: str


@dataclass(frozen=True)
class RecordType:
    name: str
    model: Any
    serialize: Serializer
    #: JSON Schema of one record: the `--json` / export field names, an API.
    properties: Mapping[str, dict]
    listing: Listing | None = None
    search: Searchable | None = None
    #: Link keys: `company` means the line may carry `company_id` or a REF in `company`.
    links: Mapping[str, str] = field(default_factory=dict)
    #: Whether plain creates of this type may take the bulk path of `crm import`.
    bulk: bool = True

    @cached_property
    def import_keys(self) -> frozenset[str]:
        """An import line takes exactly the keys an export writes, plus `type`."""
        return frozenset({"type", *self.properties})


#: The record-type modules, in dependency order; each defines `RECORD_TYPE`.
MODULES = (
    "pipeline",
    "company",
    "customer",
    "deal",
    "stage_change",
    "interaction",
    "reminder",
    "product",
    "purchase",
)


@cache
def _load() -> dict[str, RecordType]:
    types: dict[str, RecordType] = {}
    codes: set[int] = set()
    for module_name in MODULES:
        record_type: RecordType = import_module(f"crmcli.entities.{module_name}").RECORD_TYPE
        if record_type.search:
            if record_type.search.code in codes:
                raise ValueError(f"search code {record_type.search.code} is used twice")
            codes.add(record_type.search.code)
        types[record_type.name] = record_type
    return types


def all_types() -> tuple[RecordType, ...]:
    """Every record type, in dependency order."""
    return tuple(_load().values())


def names() -> tuple[str, ...]:
    return tuple(_load())


def get(name: str) -> RecordType:
    """The type called `name`; an unknown name is an error that lists the known ones."""
    types = _load()
    found = types.get(name)
    if found is None:
        raise InvalidInput(f"unknown type '{name}': use {', '.join(types)}")
    return found


def listable(name: str) -> RecordType:
    """A type `list` and filters work on (an error for one they do not)."""
    listing_of(name)
    return get(name)


def listing_of(name: str) -> Listing:
    """What `list`, filters and `--sort` know of the type called `name`."""
    listing = get(name).listing
    if listing is None:
        raise InvalidInput(f"{name} records cannot be listed with filters")
    return listing


def searchable() -> tuple[RecordType, ...]:
    return tuple(t for t in _load().values() if t.search is not None)
