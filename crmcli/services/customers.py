"""Customers (people): add, edit, soft delete and restore, keeping the search index in step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from crmcli.entities import customer as customer_type
from crmcli.entities import readers, refs
from crmcli.kernel import config, validate
from crmcli.kernel.errors import InvalidInput
from crmcli.query import fulltext
from crmcli.store import attributes
from crmcli.store.models import Company, Customer, id_of, utcnow


@dataclass
class CustomerChanges:
    """What `customer edit` asked for; None and empty mean 'leave as it is'."""

    name: str | None = None
    add_emails: Sequence[str] = ()
    remove_emails: Sequence[str] = ()
    primary_email: str | None = None
    add_phones: Sequence[str] = ()
    remove_phones: Sequence[str] = ()
    company: str | None = None  # a REF, or "" to unlink
    title: str | None = None
    owner: str | None = None
    notes: str | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    fields: Mapping[str, object] = field(default_factory=dict)


def _company_id(session: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    return refs.company(session, ref).id


def reindex(session: Session, customer: Customer) -> None:
    customer_id = id_of(customer)
    emails = attributes.load_emails(session, [customer_id]).get(customer_id, [])
    phones = attributes.load_phones(session, [customer_id]).get(customer_id, [])
    tags = attributes.load_tags(session, "customer", [customer_id]).get(customer_id, [])
    company = session.get(Company, customer.company_id) if customer.company_id else None
    fulltext.index(
        session,
        "customer",
        customer_id,
        customer.name,
        [
            *emails,
            *phones,
            company.name if company else None,
            customer.title,
            customer.notes,
            *tags,
        ],
    )


def add(
    session: Session,
    name: str,
    *,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    company: str | None = None,
    title: str | None = None,
    tags: Sequence[str] = (),
    owner: str | None = None,
    fields: Mapping[str, object] | None = None,
    notes: str | None = None,
) -> Customer:
    """Create a customer; every input is checked before anything is written."""
    given = {"name": name, "title": title, "notes": notes}
    given["owner"] = owner if owner is not None else config.default_owner()
    customer = Customer(
        **customer_type.read(given, new=True), company_id=_company_id(session, company)
    )
    customer.updated_at = customer.created_at
    clean_emails = [validate.email(e) for e in emails]
    clean_phones = [validate.phone(p) for p in phones]
    clean_tags = validate.tags(tags)
    session.add(customer)
    session.flush()
    customer_id = id_of(customer)
    attributes.set_emails(session, customer_id, clean_emails)
    attributes.set_phones(session, customer_id, clean_phones)
    attributes.set_tags(session, "customer", customer_id, clean_tags)
    attributes.set_fields(session, "customer", customer_id, fields or {}, replace=False)
    session.flush()
    reindex(session, customer)
    return customer


def edit(session: Session, ref: str | Customer, changes: CustomerChanges) -> Customer:
    """Apply `changes` to one customer: a REF, or one the caller resolved already."""
    customer = ref if isinstance(ref, Customer) else refs.customer(session, ref, deleted=None)
    customer_id = id_of(customer)
    given = {
        "name": changes.name,
        "title": changes.title,
        "owner": changes.owner,
        "notes": changes.notes,
    }
    for key, value in customer_type.read(readers.asked(given)).items():
        setattr(customer, key, value)
    if changes.company is not None:
        customer.company_id = _company_id(session, changes.company)

    emails = attributes.load_emails(session, [customer_id]).get(customer_id, [])
    removed = {validate.email(e) for e in changes.remove_emails}
    unknown = removed - set(emails)
    if unknown:
        raise InvalidInput(f"customer {customer_id} has no email {sorted(unknown)[0]}")
    emails = [e for e in emails if e not in removed]
    emails += [e for e in (validate.email(a) for a in changes.add_emails) if e not in emails]
    if changes.primary_email is not None:
        primary = validate.email(changes.primary_email)
        emails = [primary] + [e for e in emails if e != primary]
    attributes.set_emails(session, customer_id, emails)

    phones = attributes.load_phones(session, [customer_id]).get(customer_id, [])
    dropped = {p.strip() for p in changes.remove_phones}
    phones = [p for p in phones if p not in dropped]
    phones += [p for p in (validate.phone(a) for a in changes.add_phones) if p not in phones]
    attributes.set_phones(session, customer_id, phones)

    attributes.update_tags(
        session,
        "customer",
        customer_id,
        validate.tags(changes.add_tags),
        validate.tags(changes.remove_tags),
    )
    attributes.set_fields(session, "customer", customer_id, changes.fields, replace=False)
    customer.updated_at = utcnow()
    session.add(customer)
    session.flush()
    reindex(session, customer)
    return customer


def remove(session: Session, ref: str | Customer) -> Customer:
    """Soft delete: the customer disappears from lists and search but keeps its history."""
    customer = ref if isinstance(ref, Customer) else refs.customer(session, ref, deleted=None)
    if customer.deleted_at is not None:
        raise InvalidInput(f"customer {customer.id} is already deleted")
    customer.deleted_at = customer.updated_at = utcnow()
    session.add(customer)
    return customer


def restore(session: Session, ref: str | Customer) -> Customer:
    customer = ref if isinstance(ref, Customer) else refs.customer(session, ref, deleted=True)
    if customer.deleted_at is None:
        raise InvalidInput(f"customer {customer.id} is not deleted")
    customer.deleted_at = None
    customer.updated_at = utcnow()
    session.add(customer)
    return customer
