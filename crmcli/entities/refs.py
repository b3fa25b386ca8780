"""REF resolution: an id, an email, or a name fragment matching one record.

An exact (case-insensitive) name wins over fragments, so "Ann" finds Ann even when Anna
exists. Two or more matches are an error that lists the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from crmcli.entities.filters import Column
from crmcli.kernel.errors import Ambiguous, InvalidInput, NotFound
from crmcli.kernel.validate import MAX_INTEGER, lookup
from crmcli.store.models import (
    Company,
    Customer,
    CustomerEmail,
    Deal,
    Pipeline,
    Product,
    Purchase,
    Reminder,
    Stage,
)

#: The record types a REF can name.
Model = TypeVar("Model", Company, Customer, Deal, Pipeline, Product, Purchase, Reminder)
_CANDIDATES_SHOWN = 10


def parse_id(text: str) -> int | None:
    """`12` or `#12` -> 12; anything else -> None. Longer than a REF may be: refused."""
    cleaned = lookup(text, "reference").strip().removeprefix("#")
    # ASCII only: `²` passes isdigit() but int() refuses it; such a REF is a name. The
    # length is checked first: int() reads at most 4,300 digits.
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() else None


def _by_name(
    session: Session,
    model: type[Model],
    name_column: Column,
    text: str,
    what: str,
    *,
    deleted: bool | None,
) -> Model:
    def scoped(statement):
        columns = sa.inspect(model).columns
        if deleted is None or "deleted_at" not in columns:
            return statement
        deleted_col = columns["deleted_at"]
        return statement.where(deleted_col.is_not(None) if deleted else deleted_col.is_(None))

    needle = text.strip().lower()
    if not needle:
        raise InvalidInput(f"empty {what} reference")
    exact = session.exec(
        scoped(select(model).where(func.lower(name_column) == needle)).limit(_CANDIDATES_SHOWN)
    ).all()
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.exec(
            scoped(
                select(model).where(func.lower(name_column).contains(needle, autoescape=True))
            ).limit(_CANDIDATES_SHOWN)
        ).all()
    )
    return _one(matches, text, what)


def _one(matches: Sequence[Model], text: str, what: str) -> Model:
    if not matches:
        raise NotFound(f"no {what} matches '{text}'")
    if len(matches) > 1:
        candidates = [f"{m.id}\t{_label(m)}" for m in matches]
        raise Ambiguous(f"'{text}' matches several {what}s; use an id or a longer name", candidates)
    return matches[0]


def _label(record: Model) -> str:
    return getattr(record, "name", None) or getattr(record, "title", None) or str(record.id)


def _by_id(
    session: Session, model: type[Model], record_id: int, what: str, *, deleted: bool | None = None
) -> Model:
    # An id SQLite cannot store (2**63 or more) names no record; binding it would overflow.
    record = session.get(model, record_id) if record_id <= MAX_INTEGER else None
    if record is None:
        raise NotFound(f"no {what} with id {record_id}")
    return _check_deleted(record, what, deleted)


def _check_deleted(record: Model, what: str, deleted: bool | None) -> Model:
    """An id or email names one record exactly; still refuse it where only active ones count."""
    gone = getattr(record, "deleted_at", None) is not None
    if deleted is False and gone:
        raise NotFound(f"{what} {record.id} is deleted (crm {what} restore {record.id})")
    if deleted is True and not gone:
        raise InvalidInput(f"{what} {record.id} is not deleted")
    return record


def customer(session: Session, ref: str, *, deleted: bool | None = False) -> Customer:
    """`deleted`: False = active only, True = deleted only, None = either (ids always work)."""
    ref = lookup(ref, "reference")  # NFC, as names are stored; not too long
    record_id = parse_id(ref)
    if record_id is not None:
        return _by_id(session, Customer, record_id, "customer", deleted=deleted)
    if "@" in ref:
        row = session.exec(
            select(Customer)
            .join(CustomerEmail, col(CustomerEmail.customer_id) == col(Customer.id))
            .where(CustomerEmail.email == ref.strip().lower())
        ).first()
        if row is None:
            raise NotFound(f"no customer has the email '{ref}'")
        return _check_deleted(row, "customer", deleted)
    return _by_name(session, Customer, col(Customer.name), ref, "customer", deleted=deleted)


def company(session: Session, ref: str, *, deleted: bool | None = False) -> Company:
    ref = lookup(ref, "reference")  # NFC, as names are stored; not too long
    record_id = parse_id(ref)
    if record_id is not None:
        return _by_id(session, Company, record_id, "company", deleted=deleted)
    if "." in ref and " " not in ref.strip():
        by_domain = session.exec(
            select(Company).where(func.lower(Company.domain) == ref.strip().lower())
        ).all()
        if len(by_domain) == 1:
            return _check_deleted(by_domain[0], "company", deleted)
    return _by_name(session, Company, col(Company.name), ref, "company", deleted=deleted)


def deal(session: Session, ref: str, *, deleted: bool | None = False) -> Deal:
    ref = lookup(ref, "reference")  # NFC, as names are stored; not too long
    record_id = parse_id(ref)
    if record_id is not None:
        return _by_id(session, Deal, record_id, "deal", deleted=deleted)
    return _by_name(session, Deal, col(Deal.title), ref, "deal", deleted=deleted)


def product(session: Session, ref: str, *, deleted: bool | None = False) -> Product:
    """A product by id, by SKU (exact, case-insensitive) or by part of its name."""
    ref = lookup(ref, "reference")
    record_id = parse_id(ref)
    if record_id is not None:
        return _by_id(session, Product, record_id, "product", deleted=deleted)
    by_sku = session.exec(select(Product).where(Product.sku_key == ref.strip().lower())).first()
    if by_sku is not None:
        return _check_deleted(by_sku, "product", deleted)
    return _by_name(session, Product, col(Product.name), ref, "product", deleted=deleted)


def product_by_sku(session: Session, sku: str) -> Product:
    """The product with this SKU (exact, case-insensitive), deleted or not: a purchase line
    names its product by SKU, and an old purchase may name one no longer sold."""
    found = session.exec(select(Product).where(Product.sku_key == sku.strip().lower())).first()
    if found is None:
        raise unknown_product(sku)
    return found


def unknown_product(ref: str | int) -> NotFound:
    """The error for a purchase line naming no product, by SKU or by id: the same words
    whether the product was looked up in the database or in an import's cache."""
    if isinstance(ref, int):
        return NotFound(f"no product with id {ref}")
    return NotFound(f"unknown SKU '{ref}': no product has it (crm product list)")


def purchase(session: Session, ref: str) -> Purchase:
    ref = lookup(ref, "reference")
    record_id = parse_id(ref)
    if record_id is None:
        raise InvalidInput(f"invalid purchase id '{ref}': purchases are named by their id")
    return _by_id(session, Purchase, record_id, "purchase")


def reminder(session: Session, ref: str) -> Reminder:
    ref = lookup(ref, "reference")
    record_id = parse_id(ref)
    if record_id is None:
        raise InvalidInput(f"invalid reminder id '{ref}': reminders are named by their id")
    return _by_id(session, Reminder, record_id, "reminder")


def pipeline(session: Session, ref: str | None) -> Pipeline:
    """A pipeline by id or name; None means the default pipeline."""
    if ref is None:
        found = session.exec(select(Pipeline).where(col(Pipeline.is_default))).first()
        found = found or session.exec(select(Pipeline).order_by(col(Pipeline.id))).first()
        if found is None:
            raise NotFound("there is no pipeline; create one with crm pipeline add")
        return found
    ref = lookup(ref, "reference")
    record_id = parse_id(ref)
    if record_id is not None:
        return _by_id(session, Pipeline, record_id, "pipeline")
    return _by_name(session, Pipeline, col(Pipeline.name), ref, "pipeline", deleted=None)


def stage(session: Session, pipeline_id: int, name: str) -> Stage:
    """A stage of a pipeline by name (case-insensitive), or a unique prefix of one."""
    stages = session.exec(
        select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(col(Stage.position))
    ).all()
    return pick_stage(stages, name)


def pick_stage(stages: Sequence[Stage], name: str) -> Stage:
    """The one of `stages` a typed name means: exact first, else a unique prefix (`prop`)."""
    wanted = name.strip().lower()
    for candidate in stages:
        if candidate.name.lower() == wanted:
            return candidate
    prefixed = [s for s in stages if s.name.lower().startswith(wanted)] if wanted else []
    if len(prefixed) == 1:
        return prefixed[0]
    names = ", ".join(s.name for s in stages)
    if len(prefixed) > 1:
        matches = ", ".join(s.name for s in prefixed)
        raise InvalidInput(f"stage '{name}' could be {matches}: type more of the name")
    raise InvalidInput(f"unknown stage '{name}': this pipeline has {names}")
