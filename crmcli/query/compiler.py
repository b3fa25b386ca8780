"""The filter language compiled to SQL: one place for `list`, `search` and the TUI's filter box.

Each record type declares (in `crmcli.entities`) the fields a user may filter and sort on. A term on an unknown field
is an error unless it names a custom field already in use for that entity; bare words and
phrases go to the full-text index. Every clause is written so an index can serve it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from crmcli.entities import registry
from crmcli.entities.filters import Clause, Context, custom_field
from crmcli.kernel import validate
from crmcli.kernel.errors import InvalidInput
from crmcli.query import fulltext
from crmcli.query.parser import Filter, parse_filter
from crmcli.store import attributes


def field_names(entity: str) -> list[str]:
    return sorted(registry.listing_of(entity).filters)


def where_clauses(
    session: Session, entity: str, flt: Filter | str | list[str], now: datetime | None = None
) -> list[Clause]:
    """The WHERE clauses for a filter on one entity; raises InvalidInput on a bad term."""
    if not isinstance(flt, Filter):
        flt = parse_filter(flt)
    record_type = registry.listable(entity)
    spec = registry.listing_of(entity)
    ctx = Context(session, entity, col(record_type.model.id), now)
    clauses: list[Clause] = []
    for term in flt.terms:
        builder = spec.filters.get(term.field)
        if builder is None:
            if spec.has_fields and attributes.field_key_exists(session, entity, term.field):
                builder = custom_field
            else:
                known = ", ".join(field_names(entity))
                raise InvalidInput(
                    f"unknown field '{term.field}' for {entity}s: use {known}, "
                    "or a custom field already set with --set"
                )
        clause = builder(term, ctx)
        clauses.append(sa.not_(sa.func.coalesce(clause, False)) if term.negate else clause)
    if flt.words:
        clauses.append(text_match(session, entity, list(flt.words)))
    return clauses


def text_match(session: Session, entity: str, words: list[str]) -> Clause:
    """Full-text words: FTS5 on SQLite, a LIKE on the record's title elsewhere."""
    record_type = registry.listable(entity)
    if fulltext.available(session):
        subquery = fulltext.matching_ids(session, entity, words)
        if subquery is None:
            return sa.true()
        return col(record_type.model.id).in_(subquery)
    title = registry.listing_of(entity).title
    return sa.and_(*(func.lower(title).contains(w.lower(), autoescape=True) for w in words))


def driven_by_text(session: Session, entity: str, flt: Filter) -> bool:
    """Whether a list should start from the full-text hits rather than from its sort index.

    SQLite's planner cannot tell how many records a full-text match keeps. Left alone it
    walks the sort index (`deleted_at, name`) and tests each record against the hits: quick
    when most records match, a scan of the table when few do ("Freya Smit" among a million
    customers: 58 ms instead of 3). So the hits are counted (up to a cap) and, when few, the
    list looks them up by id and sorts them (see the backend's `unindexed`).
    """
    return (
        bool(flt.words)
        and fulltext.available(session)
        and fulltext.has_few_hits(session, entity, list(flt.words))
    )


def order_by(
    entity: str, sort: str | None, *, unindexed: Callable[[Any], Any] | None = None
) -> list[sa.ColumnElement]:
    """`--sort name`, `--sort -created` (newest first); the id breaks ties.

    `unindexed` (the backend's) keeps the planner from reading the rows in sort order
    through an index (see `driven_by_text`); the id tie-breaker stays as it is.
    """
    record_type = registry.listable(entity)
    spec = registry.listing_of(entity)
    keys = [k.strip() for k in sort.split(",")] if sort else list(spec.default_sort)
    columns = []
    for key in keys:
        descending = key.startswith("-")
        name = key.lstrip("-+").lower()
        column = spec.sorts.get(name)
        if column is None:
            raise InvalidInput(
                f"cannot sort {entity}s by '{key}': use {', '.join(sorted(spec.sorts))} "
                "(prefix - for descending)"
            )
        if unindexed is not None:
            column = unindexed(column)
        columns.append(column.desc() if descending else column.asc())
    if not any(k.lstrip("-+").lower() == "id" for k in keys):
        columns.append(col(record_type.model.id).asc())
    return columns


def validate_limit(limit: int | None) -> int | None:
    """0 or None means no limit; negative numbers are an error."""
    if limit is None or limit == 0:
        return None
    if limit < 0:
        raise InvalidInput(f"invalid --limit {limit}: use a number >= 0 (0 = no limit)")
    return validate.within_integer_range(limit, "--limit")
