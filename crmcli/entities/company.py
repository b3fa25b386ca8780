"""A company: the organisation customers work for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col

from crmcli.entities import readers, schema
from crmcli.entities.filters import exact, moment, number, tag, text
from crmcli.entities.registry import Listing, RecordType, Searchable
from crmcli.kernel import validate
from crmcli.kernel.dates import iso
from crmcli.store import attributes
from crmcli.store.models import (
    Company,
    id_of,
)


def company_records(session: Session, rows: Sequence[Company]) -> list[dict]:
    ids = [id_of(r) for r in rows]
    tags = attributes.load_tags(session, "company", ids)
    fields = attributes.load_fields(session, "company", ids)
    return [
        {
            "id": r.id,
            "name": r.name,
            "domain": r.domain,
            "industry": r.industry,
            "owner": r.owner,
            "tags": tags.get(id_of(r), []),
            "fields": fields.get(id_of(r), {}),
            "notes": r.notes,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "deleted_at": iso(r.deleted_at),
        }
        for r in rows
    ]


def read(data: Mapping[str, object], *, new: bool = False) -> dict[str, Any]:
    """The checked columns of the keys `data` gives: an import line or `crm company add`."""
    if new:
        readers.require(data, "name", "company")
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = validate.name(readers.text(data["name"], "name"))
    if "domain" in data:
        domain = readers.optional_text(data["domain"], "domain")
        values["domain"] = domain.lower() if domain else None
    values.update(readers.given_text(data, ("industry", "owner", "notes")))
    values.update(readers.given_times(data, ("created_at", "updated_at"), ("deleted_at",)))
    return values


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "name": schema.STR,
    "domain": schema.NSTR,
    "industry": schema.NSTR,
    "owner": schema.NSTR,
    "tags": schema.STRS,
    "fields": schema.FIELDS,
    "notes": schema.NSTR,
    "created_at": schema.TIME,
    "updated_at": schema.TIME,
    "deleted_at": schema.NTIME,
}


RECORD_TYPE = RecordType(
    name="company",
    model=Company,
    serialize=company_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Company.id)),
            "name": text(col(Company.name)),
            "domain": text(col(Company.domain)),
            "industry": exact(col(Company.industry)),
            "owner": exact(col(Company.owner)),
            "tag": tag,
            "notes": text(col(Company.notes)),
            "created": moment(col(Company.created_at)),
            "updated": moment(col(Company.updated_at)),
        },
        sorts={
            "id": col(Company.id),
            "name": col(Company.name),
            "created": col(Company.created_at),
            "updated": col(Company.updated_at),
        },
        default_sort=("name", "id"),
        has_fields=True,
        title=col(Company.name),
    ),
    search=Searchable(code=2, label="name", detail="domain"),
)
