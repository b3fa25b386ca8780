"""Companies: add, edit, soft delete and restore."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from crmcli.entities import company as company_type
from crmcli.entities import readers, refs
from crmcli.kernel import config, validate
from crmcli.kernel.errors import InvalidInput
from crmcli.query import fulltext
from crmcli.store import attributes
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


def reindex(session: Session, company: Company) -> None:
    company_id = id_of(company)
    tags = attributes.load_tags(session, "company", [company_id]).get(company_id, [])
    fulltext.index(
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
    given = {"name": name, "domain": domain, "industry": industry, "notes": notes}
    given["owner"] = owner if owner is not None else config.default_owner()
    company = Company(**company_type.read(given, new=True))
    company.updated_at = company.created_at
    clean_tags = validate.tags(tags)
    session.add(company)
    session.flush()
    attributes.set_tags(session, "company", id_of(company), clean_tags)
    attributes.set_fields(session, "company", id_of(company), fields or {}, replace=False)
    reindex(session, company)
    return company


def edit(session: Session, ref: str | Company, changes: CompanyChanges) -> Company:
    """Apply `changes` to one company: a REF, or one the caller resolved already."""
    company = ref if isinstance(ref, Company) else refs.company(session, ref, deleted=None)
    given = {
        "name": changes.name,
        "domain": changes.domain,
        "industry": changes.industry,
        "owner": changes.owner,
        "notes": changes.notes,
    }
    for key, value in company_type.read(readers.asked(given)).items():
        setattr(company, key, value)
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


def remove(session: Session, ref: str | Company) -> Company:
    company = ref if isinstance(ref, Company) else refs.company(session, ref, deleted=None)
    if company.deleted_at is not None:
        raise InvalidInput(f"company {company.id} is already deleted")
    company.deleted_at = company.updated_at = utcnow()
    session.add(company)
    return company


def restore(session: Session, ref: str | Company) -> Company:
    company = ref if isinstance(ref, Company) else refs.company(session, ref, deleted=True)
    if company.deleted_at is None:
        raise InvalidInput(f"company {company.id} is not deleted")
    company.deleted_at = None
    company.updated_at = utcnow()
    session.add(company)
    return company
