"""An interaction: one contact with a customer on a channel (call, email, meeting, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col

from crmcli.entities import readers, records, schema
from crmcli.entities.filters import exact, linked, moment, number, text
from crmcli.entities.registry import Listing, RecordType, Searchable
from crmcli.kernel import validate
from crmcli.kernel.dates import iso
from crmcli.kernel.vocabulary import CHANNELS, DIRECTIONS
from crmcli.store.models import (
    Customer,
    Deal,
    Interaction,
)


def interaction_records(session: Session, rows: Sequence[Interaction]) -> list[dict]:
    customers = records.customer_names(session, {r.customer_id for r in rows})
    titles = records.deal_titles(session, {r.deal_id for r in rows})
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


def read(data: Mapping[str, object], *, new: bool = False) -> dict[str, Any]:
    """The checked columns of the keys `data` gives: an import line or `crm log`."""
    if new:
        readers.require(data, "channel", "interaction", f" ({', '.join(CHANNELS)})")
    values: dict[str, Any] = {}
    if "channel" in data:
        values["channel"] = validate.channel(readers.text(data["channel"], "channel"))
    if "direction" in data:
        values["direction"] = validate.direction(readers.text(data["direction"], "direction"))
    values.update(readers.given_text(data, ("summary", "by")))
    if "body" in data:
        body = None if data["body"] is None else readers.text(data["body"], "body")
        values["body"] = validate.long_text(body)
    values.update(readers.given_times(data, ("occurred_at", "created_at")))
    return values


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "customer_id": schema.INT,
    "customer": schema.NSTR,
    "deal_id": schema.NINT,
    "deal": schema.NSTR,
    "channel": {"type": "string", "enum": list(CHANNELS)},
    "direction": {"type": "string", "enum": list(DIRECTIONS)},
    "occurred_at": schema.TIME,
    "summary": schema.NSTR,
    "body": schema.NSTR,
    "by": schema.NSTR,
    "created_at": schema.TIME,
}


RECORD_TYPE = RecordType(
    name="interaction",
    model=Interaction,
    serialize=interaction_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Interaction.id)),
            "customer": linked(col(Interaction.customer_id), Customer, col(Customer.name)),
            "deal": linked(col(Interaction.deal_id), Deal, col(Deal.title)),
            "channel": exact(col(Interaction.channel)),
            "direction": exact(col(Interaction.direction)),
            "at": moment(col(Interaction.occurred_at)),
            "by": exact(col(Interaction.by)),
            "summary": text(col(Interaction.summary)),
            "created": moment(col(Interaction.created_at)),
        },
        sorts={
            "id": col(Interaction.id),
            "at": col(Interaction.occurred_at),
            "channel": col(Interaction.channel),
            "created": col(Interaction.created_at),
        },
        default_sort=("-at", "-id"),
        has_fields=False,
        title=col(Interaction.summary),
    ),
    search=Searchable(code=4, label="summary", detail="customer"),
    links={"customer": "customer", "deal": "deal"},
)
