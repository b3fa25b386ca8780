"""Records as the JSON objects `--json`, `export` and the TUI all see (DESIGN.md §4).

Field names here are an API: add fields, never rename them. Each `*_records` function takes
a batch of rows and loads their tags, fields, names and links in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from crmcli.kernel import money
from crmcli.kernel.dates import iso
from crmcli.store import attributes
from crmcli.store.models import (
    Company,
    Customer,
    Deal,
    Interaction,
    Pipeline,
    Reminder,
    Stage,
    StageChange,
)


def _names(session: Session, model, column, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(model.id, column).where(col(model.id).in_(wanted)))
    return dict(rows.all())


def company_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    return _names(session, Company, Company.name, ids)


def customer_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    return _names(session, Customer, Customer.name, ids)


def deal_titles(session: Session, ids: set[int | None]) -> dict[int, str]:
    return _names(session, Deal, Deal.title, ids)


def stages_by_id(session: Session, ids: set[int | None] | None = None) -> dict[int, Stage]:
    statement = select(Stage)
    if ids is not None:
        statement = statement.where(col(Stage.id).in_([i for i in ids if i is not None]))
    return {s.id: s for s in session.exec(statement)}


def customer_records(session: Session, rows: Sequence[Customer]) -> list[dict]:
    ids = [r.id for r in rows]
    emails = attributes.load_emails(session, ids)
    phones = attributes.load_phones(session, ids)
    tags = attributes.load_tags(session, "customer", ids)
    fields = attributes.load_fields(session, "customer", ids)
    companies = company_names(session, {r.company_id for r in rows})
    records = []
    for r in rows:
        mails = emails.get(r.id, [])
        numbers = phones.get(r.id, [])
        records.append(
            {
                "id": r.id,
                "name": r.name,
                "email": mails[0] if mails else None,
                "emails": mails,
                "phone": numbers[0] if numbers else None,
                "phones": numbers,
                "company_id": r.company_id,
                "company": companies.get(r.company_id),
                "title": r.title,
                "owner": r.owner,
                "tags": tags.get(r.id, []),
                "fields": fields.get(r.id, {}),
                "notes": r.notes,
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "deleted_at": iso(r.deleted_at),
            }
        )
    return records


def company_records(session: Session, rows: Sequence[Company]) -> list[dict]:
    ids = [r.id for r in rows]
    tags = attributes.load_tags(session, "company", ids)
    fields = attributes.load_fields(session, "company", ids)
    return [
        {
            "id": r.id,
            "name": r.name,
            "domain": r.domain,
            "industry": r.industry,
            "owner": r.owner,
            "tags": tags.get(r.id, []),
            "fields": fields.get(r.id, {}),
            "notes": r.notes,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "deleted_at": iso(r.deleted_at),
        }
        for r in rows
    ]


def deal_records(session: Session, rows: Sequence[Deal]) -> list[dict]:
    ids = [r.id for r in rows]
    tags = attributes.load_tags(session, "deal", ids)
    fields = attributes.load_fields(session, "deal", ids)
    customers = customer_names(session, {r.customer_id for r in rows})
    companies = company_names(session, {r.company_id for r in rows})
    stages = stages_by_id(session, {r.stage_id for r in rows})
    pipelines = _names(session, Pipeline, Pipeline.name, {r.pipeline_id for r in rows})
    records = []
    for r in rows:
        stage = stages[r.stage_id]
        records.append(
            {
                "id": r.id,
                "title": r.title,
                "customer_id": r.customer_id,
                "customer": customers.get(r.customer_id),
                "company_id": r.company_id,
                "company": companies.get(r.company_id),
                "pipeline_id": r.pipeline_id,
                "pipeline": pipelines.get(r.pipeline_id),
                "stage_id": r.stage_id,
                "stage": stage.name,
                "status": stage.kind,
                "probability": stage.probability,
                "value": money.json_number(r.value_minor, r.currency),
                "currency": r.currency,
                "weighted_value": money.json_number(
                    r.value_minor * stage.probability // 100, r.currency
                ),
                "close_date": r.close_date.isoformat() if r.close_date else None,
                "lost_reason": r.lost_reason,
                "owner": r.owner,
                "tags": tags.get(r.id, []),
                "fields": fields.get(r.id, {}),
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "stage_changed_at": iso(r.stage_changed_at),
                "closed_at": iso(r.closed_at),
                "deleted_at": iso(r.deleted_at),
            }
        )
    return records


def stage_change_records(session: Session, rows: Sequence[StageChange]) -> list[dict]:
    stages = stages_by_id(session, {r.to_stage_id for r in rows} | {r.from_stage_id for r in rows})
    titles = deal_titles(session, {r.deal_id for r in rows})
    return [
        {
            "id": r.id,
            "deal_id": r.deal_id,
            "deal": titles.get(r.deal_id),
            "from_stage_id": r.from_stage_id,
            "from_stage": stages[r.from_stage_id].name if r.from_stage_id else None,
            "to_stage_id": r.to_stage_id,
            "to_stage": stages[r.to_stage_id].name,
            "at": iso(r.at),
            "by": r.by,
        }
        for r in rows
    ]


def interaction_records(session: Session, rows: Sequence[Interaction]) -> list[dict]:
    customers = customer_names(session, {r.customer_id for r in rows})
    titles = deal_titles(session, {r.deal_id for r in rows})
    return [
        {
            "id": r.id,
            "customer_id": r.customer_id,
            "customer": customers.get(r.customer_id),
            "deal_id": r.deal_id,
            "deal": titles.get(r.deal_id) if r.deal_id else None,
            "channel": r.channel,
            "direction": r.direction,
            "occurred_at": iso(r.occurred_at),
            "summary": r.summary,
            "body": r.body,
            "by": r.by,
            "created_at": iso(r.created_at),
        }
        for r in rows
    ]


def reminder_records(session: Session, rows: Sequence[Reminder]) -> list[dict]:
    customers = customer_names(session, {r.customer_id for r in rows})
    titles = deal_titles(session, {r.deal_id for r in rows})
    return [
        {
            "id": r.id,
            "customer_id": r.customer_id,
            "customer": customers.get(r.customer_id) if r.customer_id else None,
            "deal_id": r.deal_id,
            "deal": titles.get(r.deal_id) if r.deal_id else None,
            "due_at": iso(r.due_at),
            "text": r.text,
            "status": "done" if r.done_at else "open",
            "done_at": iso(r.done_at),
            "snooze_count": r.snooze_count,
            "by": r.by,
            "created_at": iso(r.created_at),
        }
        for r in rows
    ]


def pipeline_records(session: Session, rows: Sequence[Pipeline]) -> list[dict]:
    ids = [r.id for r in rows]
    stages = session.exec(
        select(Stage).where(col(Stage.pipeline_id).in_(ids)).order_by(Stage.position)
    ).all()
    by_pipeline: dict[int, list[dict]] = {i: [] for i in ids}
    for s in stages:
        by_pipeline[s.pipeline_id].append(
            {
                "id": s.id,
                "name": s.name,
                "position": s.position,
                "probability": s.probability,
                "kind": s.kind,
                "rotting_days": s.rotting_days,
            }
        )
    return [
        {
            "id": r.id,
            "name": r.name,
            "is_default": r.is_default,
            "stages": by_pipeline[r.id],
            "created_at": iso(r.created_at),
        }
        for r in rows
    ]


#: The serializer of each record type, by the `type` name export and import use.
SERIALIZERS = {
    "pipeline": (Pipeline, pipeline_records),
    "company": (Company, company_records),
    "customer": (Customer, customer_records),
    "deal": (Deal, deal_records),
    "stage_change": (StageChange, stage_change_records),
    "interaction": (Interaction, interaction_records),
    "reminder": (Reminder, reminder_records),
}
