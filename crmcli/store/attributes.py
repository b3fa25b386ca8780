"""Tags, custom fields, emails and phones: the many-valued parts of a record.

Each has a `load_*` that fetches them for a batch of ids in one query (so a listing of N
records costs a fixed number of queries) and a `set_*` that replaces them for one record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crmcli.kernel import validate
from crmcli.kernel.errors import Conflict
from crmcli.store.models import CustomerEmail, CustomerPhone, FieldValue, Tag


def load_tags(session: Session, entity: str, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = session.exec(
        select(Tag.entity_id, Tag.name)
        .where(Tag.entity == entity, col(Tag.entity_id).in_(ids))
        .order_by(col(Tag.entity_id), col(Tag.name))
    )
    for entity_id, tag_name in rows:
        found[entity_id].append(tag_name)
    return found


def load_fields(session: Session, entity: str, ids: Sequence[int]) -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(dict)
    if not ids:
        return found
    rows = session.exec(
        select(FieldValue.entity_id, FieldValue.key, FieldValue.value)
        .where(FieldValue.entity == entity, col(FieldValue.entity_id).in_(ids))
        .order_by(col(FieldValue.entity_id), col(FieldValue.key))
    )
    for entity_id, key, value in rows:
        found[entity_id][key] = json.loads(value)
    return found


def set_tags(session: Session, entity: str, entity_id: int, names: Iterable[str]) -> None:
    session.exec(sa.delete(Tag).where(col(Tag.entity) == entity, col(Tag.entity_id) == entity_id))
    for tag_name in dict.fromkeys(names):
        session.add(Tag(entity=entity, entity_id=entity_id, name=tag_name))


def update_tags(
    session: Session, entity: str, entity_id: int, add: Iterable[str], remove: Iterable[str]
) -> None:
    current = load_tags(session, entity, [entity_id]).get(entity_id, [])
    dropped = set(remove)
    wanted = [t for t in current if t not in dropped] + [t for t in add if t not in dropped]
    set_tags(session, entity, entity_id, wanted)


def set_fields(
    session: Session, entity: str, entity_id: int, values: Mapping[str, object], *, replace: bool
) -> None:
    """Write custom fields; a None value removes that field. `replace` drops the others."""
    if replace:
        session.exec(
            sa.delete(FieldValue).where(
                col(FieldValue.entity) == entity, col(FieldValue.entity_id) == entity_id
            )
        )
    for key, value in values.items():
        if not replace:
            session.exec(
                sa.delete(FieldValue).where(
                    col(FieldValue.entity) == entity,
                    col(FieldValue.entity_id) == entity_id,
                    col(FieldValue.key) == key,
                )
            )
        if value is None:
            continue
        text, number = validate.field_json(value)
        session.add(FieldValue(entity=entity, entity_id=entity_id, key=key, value=text, num=number))
    session.flush()


def field_key_exists(session: Session, entity: str, key: str) -> bool:
    row = session.exec(
        select(FieldValue.id).where(FieldValue.entity == entity, FieldValue.key == key).limit(1)
    ).first()
    return row is not None


def load_emails(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """Each customer's emails, primary first."""
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = session.exec(
        select(CustomerEmail.customer_id, CustomerEmail.email)
        .where(col(CustomerEmail.customer_id).in_(ids))
        .order_by(
            col(CustomerEmail.customer_id),
            col(CustomerEmail.is_primary).desc(),
            col(CustomerEmail.position),
        )
    )
    for customer_id, address in rows:
        found[customer_id].append(address)
    return found


def load_phones(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = session.exec(
        select(CustomerPhone.customer_id, CustomerPhone.phone)
        .where(col(CustomerPhone.customer_id).in_(ids))
        .order_by(
            col(CustomerPhone.customer_id),
            col(CustomerPhone.is_primary).desc(),
            col(CustomerPhone.position),
        )
    )
    for customer_id, number in rows:
        found[customer_id].append(number)
    return found


def set_emails(session: Session, customer_id: int, emails: Sequence[str]) -> None:
    """Replace a customer's emails; the first is primary. Refuses one owned by another."""
    emails = list(dict.fromkeys(emails))
    if emails:
        taken = session.exec(
            select(CustomerEmail.email, CustomerEmail.customer_id).where(
                col(CustomerEmail.email).in_(emails), CustomerEmail.customer_id != customer_id
            )
        ).first()
        if taken:
            raise Conflict(f"email {taken[0]} already belongs to customer {taken[1]}")
    session.exec(sa.delete(CustomerEmail).where(col(CustomerEmail.customer_id) == customer_id))
    session.flush()
    for position, address in enumerate(emails):
        session.add(
            CustomerEmail(
                customer_id=customer_id, email=address, is_primary=position == 0, position=position
            )
        )


def set_phones(session: Session, customer_id: int, phones: Sequence[str]) -> None:
    session.exec(sa.delete(CustomerPhone).where(col(CustomerPhone.customer_id) == customer_id))
    for position, number in enumerate(dict.fromkeys(phones)):
        session.add(
            CustomerPhone(
                customer_id=customer_id, phone=number, is_primary=position == 0, position=position
            )
        )
