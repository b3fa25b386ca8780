"""`crm search`: full-text across every kind of record, narrowed by the filter language."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from crmcli.entities import registry
from crmcli.kernel.errors import InvalidInput
from crmcli.query import compiler as query
from crmcli.query import fulltext
from crmcli.query.listing import list_records
from crmcli.query.parser import Filter, parse_filter
from crmcli.store import attributes


def search(
    session: Session,
    words: Sequence[str] | str,
    *,
    types: Sequence[str] = (),
    limit: int | None = None,
) -> list[dict]:
    """Records matching every word, each with a `type` field; filters apply to the types
    that know the field (a filter no chosen type knows is an error)."""
    flt = words if isinstance(words, Filter) else parse_filter(words)
    if flt.is_empty():
        raise InvalidInput("search for something: crm search WORDS... [FILTER...]")
    searchable = [t.name for t in registry.searchable()]
    chosen = list(types) or searchable
    for kind in chosen:
        if kind not in searchable:
            raise InvalidInput(f"unknown type '{kind}': use {', '.join(searchable)}")
    applicable = [k for k in chosen if all(_knows(session, k, t.field) for t in flt.terms)]
    if not applicable:
        fields = ", ".join(sorted({t.field for t in flt.terms}))
        raise InvalidInput(f"no record type has the field(s) {fields}")
    results: list[dict] = []
    limit = query.validate_limit(limit)
    if flt.words and fulltext.available(session):
        # One pass over the index tells which types have hits; the others are not queried.
        hits = fulltext.hit_counts(session, list(flt.words))
        applicable = [kind for kind in applicable if hits.get(kind)]
    for kind in applicable:
        room = limit - len(results) if limit else None
        if room == 0:
            break  # the limit is reached: later types would only be cut off
        rows = list_records(session, kind, flt, limit=room)
        results.extend({"type": kind, **row} for row in rows)
    return results


def labelled(result: dict) -> dict:
    """A search result's `label` and `detail`, the fields its record type names for them."""
    search = registry.get(result["type"]).search
    if search is None:
        return {"label": None, "detail": None}
    return {"label": result.get(search.label), "detail": result.get(search.detail)}


def _knows(session: Session, entity: str, field: str) -> bool:
    spec = registry.listing_of(entity)
    return field in spec.filters or (
        spec.has_fields and attributes.field_key_exists(session, entity, field)
    )
