"""A reminder: a follow-up due at a time, for a customer or a deal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col

from crmcli.entities import filters, readers, records, schema
from crmcli.entities.filters import exact, linked, moment, number, text
from crmcli.entities.registry import Listing, RecordType, Searchable
from crmcli.kernel import validate
from crmcli.kernel.dates import iso
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import (
    Customer,
    Deal,
    Reminder,
)

if TYPE_CHECKING:
    from crmcli.query.parser import Term


def reminder_status(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use status:open or status:done")
    kind = term.value.lower()
    if kind not in ("open", "done"):
        raise InvalidInput(f"unknown status '{term.value}': use open or done")
    clause = (
        col(Reminder.done_at).is_(None) if kind == "open" else col(Reminder.done_at).is_not(None)
    )
    return sa.not_(clause) if term.op == "!=" else clause


def reminder_records(session: Session, rows: Sequence[Reminder]) -> list[dict]:
    customers = records.customer_names(session, {r.customer_id for r in rows})
    titles = records.deal_titles(session, {r.deal_id for r in rows})
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


def read(data: Mapping[str, object], *, new: bool = False) -> dict[str, Any]:
    """The checked columns of the keys `data` gives: an import line or `crm remind add`."""
    if new:
        readers.require(data, "due_at", "reminder")
    values: dict[str, Any] = dict(readers.given_text(data, ("text", "by")))
    if "snooze_count" in data:
        values["snooze_count"] = validate.non_negative_int(
            readers.whole(data["snooze_count"], "snooze_count"), "snooze count"
        )
    values.update(readers.given_times(data, ("due_at", "created_at"), ("done_at",)))
    return values


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "customer_id": schema.NINT,
    "customer": schema.NSTR,
    "deal_id": schema.NINT,
    "deal": schema.NSTR,
    "due_at": schema.TIME,
    "text": schema.NSTR,
    "status": {"type": "string", "enum": ["open", "done"]},
    "done_at": schema.NTIME,
    "snooze_count": schema.INT,
    "by": schema.NSTR,
    "created_at": schema.TIME,
}


RECORD_TYPE = RecordType(
    name="reminder",
    model=Reminder,
    serialize=reminder_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Reminder.id)),
            "customer": linked(col(Reminder.customer_id), Customer, col(Customer.name)),
            "deal": linked(col(Reminder.deal_id), Deal, col(Deal.title)),
            "due": moment(col(Reminder.due_at)),
            "status": reminder_status,
            "by": exact(col(Reminder.by)),
            "text": text(col(Reminder.text)),
            "created": moment(col(Reminder.created_at)),
        },
        sorts={
            "id": col(Reminder.id),
            "due": col(Reminder.due_at),
            "created": col(Reminder.created_at),
        },
        default_sort=("due", "id"),
        has_fields=False,
        title=col(Reminder.text),
    ),
    search=Searchable(code=5, label="text", detail="customer"),
    links={"customer": "customer", "deal": "deal"},
)
