"""A deal: a sale moving through the stages of a pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from crmcli.entities import filters, readers, records, schema
from crmcli.entities.filters import day, exact, linked, moment, number, tag, text
from crmcli.entities.registry import Listing, RecordType, Searchable
from crmcli.kernel import money, validate
from crmcli.kernel.dates import iso
from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.vocabulary import STAGE_KINDS
from crmcli.store import attributes
from crmcli.store.models import (
    Company,
    Customer,
    Deal,
    Pipeline,
    Stage,
    id_of,
)

if TYPE_CHECKING:
    from crmcli.query.parser import Term


def stage_name(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use stage:NAME, e.g. stage:proposal")
    clause = col(Deal.stage_id).in_(
        select(Stage.id).where(func.lower(Stage.name) == term.value.lower())
    )
    return sa.not_(clause) if term.op == "!=" else clause


def deal_status(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use status:open, status:won or status:lost")
    kind = term.value.lower()
    if kind not in ("open", "won", "lost", "closed"):
        raise InvalidInput(f"unknown status '{term.value}': use open, won, lost or closed")
    kinds = ["won", "lost"] if kind == "closed" else [kind]
    clause = col(Deal.stage_id).in_(select(Stage.id).where(col(Stage.kind).in_(kinds)))
    return sa.not_(clause) if term.op == "!=" else clause


def deal_records(session: Session, rows: Sequence[Deal]) -> list[dict]:
    ids = [id_of(r) for r in rows]
    tags = attributes.load_tags(session, "deal", ids)
    fields = attributes.load_fields(session, "deal", ids)
    customers = records.customer_names(session, {r.customer_id for r in rows})
    companies = records.company_names(session, {r.company_id for r in rows})
    stages = records.stages_by_id(session, {r.stage_id for r in rows})
    pipelines = records._names(session, Pipeline, Pipeline.name, {r.pipeline_id for r in rows})
    result = []
    for r in rows:
        stage = stages[r.stage_id]
        result.append(
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
                "tags": tags.get(id_of(r), []),
                "fields": fields.get(id_of(r), {}),
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "stage_changed_at": iso(r.stage_changed_at),
                "closed_at": iso(r.closed_at),
                "deleted_at": iso(r.deleted_at),
            }
        )
    return result


def read(data: Mapping[str, object], *, new: bool = False) -> dict[str, Any]:
    """The checked columns of the keys `data` gives: an import line or `crm deal add`.

    The customer, company, pipeline and stage are links, resolved by the path that writes;
    the value depends on the currency, so `value_minor` reads it."""
    if new:
        readers.require(data, "title", "deal")
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = validate.name(readers.text(data["title"], "title"), "title")
    if "currency" in data:
        values["currency"] = money.parse_currency(readers.text(data["currency"], "currency"))
    if "close_date" in data:
        values["close_date"] = readers.day(data["close_date"], "close_date")
    values.update(readers.given_text(data, ("lost_reason", "owner")))
    values.update(
        readers.given_times(
            data, ("created_at", "updated_at", "stage_changed_at"), ("closed_at", "deleted_at")
        )
    )
    return values


def value_minor(value: object, currency: str) -> int:
    """A deal's value as given (a JSON number or typed text), in the currency's minor units."""
    return money.to_minor(readers.amount(value, "value"), currency)


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "title": schema.STR,
    "customer_id": schema.INT,
    "customer": schema.NSTR,
    "company_id": schema.NINT,
    "company": schema.NSTR,
    "pipeline_id": schema.INT,
    "pipeline": schema.NSTR,
    "stage_id": schema.INT,
    "stage": schema.STR,
    "status": {"type": "string", "enum": list(STAGE_KINDS)},
    "probability": schema.INT,
    "value": {**schema.NUM, "description": "Major units, exact (12000.5)."},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "weighted_value": {**schema.NUM, "description": "value x probability / 100."},
    "close_date": schema.NDATE,
    "lost_reason": schema.NSTR,
    "owner": schema.NSTR,
    "tags": schema.STRS,
    "fields": schema.FIELDS,
    "created_at": schema.TIME,
    "updated_at": schema.TIME,
    "stage_changed_at": schema.TIME,
    "closed_at": schema.NTIME,
    "deleted_at": schema.NTIME,
}


RECORD_TYPE = RecordType(
    name="deal",
    model=Deal,
    serialize=deal_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Deal.id)),
            "title": text(col(Deal.title)),
            "customer": linked(col(Deal.customer_id), Customer, col(Customer.name)),
            "company": linked(col(Deal.company_id), Company, col(Company.name)),
            "pipeline": linked(col(Deal.pipeline_id), Pipeline, col(Pipeline.name)),
            "stage": stage_name,
            "status": deal_status,
            "value": filters.amount(col(Deal.value_minor), col(Deal.currency)),
            "currency": exact(col(Deal.currency)),
            "close": day(col(Deal.close_date)),
            "owner": exact(col(Deal.owner)),
            "tag": tag,
            "created": moment(col(Deal.created_at)),
            "updated": moment(col(Deal.updated_at)),
            "reason": text(col(Deal.lost_reason)),
        },
        sorts={
            "id": col(Deal.id),
            "title": col(Deal.title),
            "value": col(Deal.value_minor),
            "close": col(Deal.close_date),
            "created": col(Deal.created_at),
            "updated": col(Deal.updated_at),
            "stage": col(Deal.stage_id),
        },
        default_sort=("id",),
        has_fields=True,
        title=col(Deal.title),
    ),
    search=Searchable(code=3, label="title", detail="stage"),
    links={"customer": "customer", "company": "company", "pipeline": "pipeline"},
)
