"""Helpers the record types' serializers share: the names of linked records, in one query.

Each serializer (`serialize` of a `RecordType`) takes a batch of rows and loads their tags,
fields, names and links in a fixed number of queries, whatever the batch size.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from crmcli.store.models import (
    Company,
    Customer,
    Deal,
    Stage,
    id_of,
)


def _names(session: Session, model, column, ids: set[int | None]) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(model.id, column).where(col(model.id).in_(wanted)))
    return dict(rows.all())


def company_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    return _names(session, Company, Company.name, ids)


def customer_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    return _names(session, Customer, Customer.name, ids)


def deal_titles(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    return _names(session, Deal, Deal.title, ids)


def stages_by_id(session: Session, ids: set[int | None] | None = None) -> dict[int, Stage]:
    statement = select(Stage)
    if ids is not None:
        statement = statement.where(col(Stage.id).in_([i for i in ids if i is not None]))
    return {id_of(s): s for s in session.exec(statement)}
