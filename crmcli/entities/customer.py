"""A customer: a person, with emails, phones, a company, tags and custom fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crmcli.entities import customer_value, filters, readers, records, schema
from crmcli.entities.filters import exact, linked, moment, number, tag, text
from crmcli.entities.registry import Listing, RecordType, Searchable
from crmcli.kernel import validate
from crmcli.kernel.dates import iso
from crmcli.store import attributes
from crmcli.store.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerPhone,
    id_of,
)

if TYPE_CHECKING:
    from crmcli.query.parser import Term


def customer_email(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, filters.EQUALITY, "use email:PART or email=ADDRESS")
    needle = term.value.lower()
    match = (
        col(CustomerEmail.email).contains(needle, autoescape=True)
        if term.op == ":"
        else col(CustomerEmail.email) == needle
    )
    clause = col(Customer.id).in_(select(CustomerEmail.customer_id).where(match))
    return sa.not_(clause) if term.op == "!=" else clause


def customer_phone(term: Term, _ctx: filters.Context) -> filters.Clause:
    filters.need(term, (":", "="), "use phone:PART")
    return col(Customer.id).in_(
        select(CustomerPhone.customer_id).where(
            col(CustomerPhone.phone).contains(term.value, autoescape=True)
        )
    )


def customer_records(session: Session, rows: Sequence[Customer]) -> list[dict]:
    ids = [id_of(r) for r in rows]
    emails = attributes.load_emails(session, ids)
    phones = attributes.load_phones(session, ids)
    tags = attributes.load_tags(session, "customer", ids)
    fields = attributes.load_fields(session, "customer", ids)
    companies = records.company_names(session, {r.company_id for r in rows})
    result = []
    for r in rows:
        mails = emails.get(id_of(r), [])
        numbers = phones.get(id_of(r), [])
        result.append(
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
                "tags": tags.get(id_of(r), []),
                "fields": fields.get(id_of(r), {}),
                "notes": r.notes,
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "deleted_at": iso(r.deleted_at),
            }
        )
    return result


def read(data: Mapping[str, object], *, new: bool = False) -> dict[str, Any]:
    """The checked columns of the keys `data` gives: an import line or `crm customer add`.

    Emails, phones, tags, custom fields and the company link are many-valued or linked and
    are read apart (`readers.primary_first`, `readers.optional_tags`, ...)."""
    if new:
        readers.require(data, "name", "customer")
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = validate.name(readers.text(data["name"], "name"))
    values.update(readers.given_text(data, ("title", "owner", "notes")))
    values.update(readers.given_times(data, ("created_at", "updated_at"), ("deleted_at",)))
    return values


PROPERTIES: dict[str, dict] = {
    "id": schema.INT,
    "name": schema.STR,
    "email": {**schema.NSTR, "description": "The primary email."},
    "emails": {**schema.STRS, "description": "All emails, primary first."},
    "phone": schema.NSTR,
    "phones": schema.STRS,
    "company_id": schema.NINT,
    "company": schema.NSTR,
    "title": schema.NSTR,
    "owner": schema.NSTR,
    "tags": schema.STRS,
    "fields": schema.FIELDS,
    "notes": schema.NSTR,
    "created_at": schema.TIME,
    "updated_at": schema.TIME,
    "deleted_at": schema.NTIME,
}


RECORD_TYPE = RecordType(
    name="customer",
    model=Customer,
    serialize=customer_records,
    properties=PROPERTIES,
    listing=Listing(
        filters={
            "id": number(col(Customer.id)),
            "name": text(col(Customer.name)),
            "email": customer_email,
            "phone": customer_phone,
            "company": linked(col(Customer.company_id), Company, col(Company.name)),
            "title": text(col(Customer.title)),
            "owner": exact(col(Customer.owner)),
            "tag": tag,
            "notes": text(col(Customer.notes)),
            "created": moment(col(Customer.created_at)),
            "updated": moment(col(Customer.updated_at)),
            **customer_value.filters_for(),
        },
        sorts={
            "id": col(Customer.id),
            "name": col(Customer.name),
            "created": col(Customer.created_at),
            "updated": col(Customer.updated_at),
            "owner": col(Customer.owner),
            **customer_value.sort_keys(col(Customer.id)),
        },
        default_sort=("name", "id"),
        has_fields=True,
        title=col(Customer.name),
    ),
    search=Searchable(code=1, label="name", detail="email"),
    links={"company": "company"},
)
