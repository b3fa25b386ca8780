"""Companies: add, edit, soft delete and restore."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from crmcli.entities import refs
from crmcli.kernel import validate
from crmcli.kernel.errors import InvalidInput
from crmcli.store import attributes, search_index
from crmcli.store.models import Company, Customer, id_of, utcnow


@dataclass
class CompanyChanges:
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    owner: str | None = None
    notes: str | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    fields: Mapping[str, object] = field(default_factory=dict)


def _domain(text: str | None) -> str | None:
    cleaned = validate.optional_text(text)
    return cleaned.lower() if cleaned else None


def reindex(session: Session, company: Company) -> None:
    company_id = id_of(company)
    tags = attributes.load_tags(session, "company", [company_id]).get(company_id, [])
    search_index.index(
        session,
        "company",
        company_id,
        company.name,
        [company.domain, company.industry, company.notes, *tags],
    )


def add(
    session: Session,
    name: str,
    *,
    domain: str | None = None,
    industry: str | None = None,
    tags: Sequence[str] = (),
    owner: str | None = None,
    fields: Mapping[str, object] | None = None,
    notes: str | None = None,
) -> Company:
    company = Company(
        name=validate.name(name),
        domain=_domain(domain),
        industry=validate.optional_text(industry),
        owner=validate.optional_text(owner),
        notes=validate.optional_text(notes),
    )
    company.updated_at = company.created_at
    clean_tags = validate.tags(tags)
    session.add(company)
    session.flush()
    attributes.set_tags(session, "company", id_of(company), clean_tags)
    attributes.set_fields(session, "company", id_of(company), fields or {}, replace=False)
    reindex(session, company)
    return company


def edit(session: Session, ref: str, changes: CompanyChanges) -> Company:
    company = refs.company(session, ref, deleted=None)
    if changes.name is not None:
        company.name = validate.name(changes.name)
    if changes.domain is not None:
        company.domain = _domain(changes.domain)
    if changes.industry is not None:
        company.industry = validate.optional_text(changes.industry)
    if changes.owner is not None:
        company.owner = validate.optional_text(changes.owner)
    if changes.notes is not None:
        company.notes = validate.optional_text(changes.notes)
    attributes.update_tags(
        session,
        "company",
        id_of(company),
        validate.tags(changes.add_tags),
        validate.tags(changes.remove_tags),
    )
    attributes.set_fields(session, "company", id_of(company), changes.fields, replace=False)
    company.updated_at = utcnow()
    session.add(company)
    session.flush()
    reindex(session, company)
    if changes.name is not None:
        # Customers are found by their company's name too.
        from crmcli.services import customers

        for person in session.exec(select(Customer).where(Customer.company_id == company.id)):
            customers.reindex(session, person)
    return company


def remove(session: Session, ref: str) -> Company:
    company = refs.company(session, ref, deleted=None)
    if company.deleted_at is not None:
        raise InvalidInput(f"company {company.id} is already deleted")
    company.deleted_at = company.updated_at = utcnow()
    session.add(company)
    return company


def restore(session: Session, ref: str) -> Company:
    company = refs.company(session, ref, deleted=True)
    if company.deleted_at is None:
        raise InvalidInput(f"company {company.id} is not deleted")
    company.deleted_at = None
    company.updated_at = utcnow()
    session.add(company)
    return company
