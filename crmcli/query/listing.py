"""Listing any entity with the filter language, a sort and a limit: shared by every `list`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from crmcli.entities import registry
from crmcli.query import compiler as query
from crmcli.query.parser import Filter, parse_filter
from crmcli.store.backends import backend_of


def select_rows(
    session: Session,
    entity: str,
    flt: Filter | Sequence[str] | str = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    deleted: bool | None = False,
    extra: Sequence[sa.ColumnElement[bool]] = (),
    now: datetime | None = None,
) -> list:
    """Rows of `entity` matching the filter. `deleted`: False active, True deleted, None both."""
    model = registry.listable(entity).model
    if not isinstance(flt, Filter):
        flt = parse_filter(flt)
    statement: SelectOfScalar[Any] = select(model).where(
        *query.where_clauses(session, entity, flt, now), *extra
    )
    from_hits = query.driven_by_text(session, entity, flt)
    if deleted is not None and hasattr(model, "deleted_at"):
        # The ORM attribute stands for its column wherever a column expression goes.
        gone = cast(sa.ColumnElement[Any], col(model.deleted_at))
        if from_hits:
            gone = backend_of(session).unindexed(gone)
        statement = statement.where(gone.is_not(None) if deleted else gone.is_(None))
    unindexed = backend_of(session).unindexed if from_hits else None
    statement = statement.order_by(*query.order_by(entity, sort, unindexed=unindexed))
    limit = query.validate_limit(limit)
    if limit:
        statement = statement.limit(limit)
    return list(session.exec(statement))


def list_records(session: Session, entity: str, *args, **kwargs) -> list[dict]:
    """Like `select_rows`, serialised as the JSON records its record type describes."""
    return registry.get(entity).serialize(session, select_rows(session, entity, *args, **kwargs))
