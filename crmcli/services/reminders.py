"""Reminders: follow-ups that come due, the inbox, done and snooze."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from crmcli.entities import refs
from crmcli.entities import reminder as reminder_type
from crmcli.kernel import config, dates
from crmcli.kernel.errors import InvalidInput
from crmcli.query import fulltext
from crmcli.query.listing import list_records
from crmcli.store.models import Reminder, id_of, utcnow

#: The groups of `remind list` and the inbox, in display order.
WINDOWS = ("overdue", "today", "upcoming")


def create(
    session: Session,
    due_at: datetime,
    text: str | None,
    *,
    customer_id: int | None,
    deal_id: int | None,
) -> Reminder:
    reminder = Reminder(
        **reminder_type.read({"text": text}),
        customer_id=customer_id,
        deal_id=deal_id,
        due_at=due_at,
        by=config.current_user(),
    )
    session.add(reminder)
    session.flush()
    fulltext.index(session, "reminder", id_of(reminder), reminder.text, [])
    return reminder


def add(
    session: Session,
    customer: str | None,
    due_at: datetime,
    text: str | None = None,
    *,
    deal: str | None = None,
) -> Reminder:
    """A reminder about a customer, a deal, or both (a deal brings its customer)."""
    chosen_deal = refs.deal(session, deal) if deal else None
    person = refs.customer(session, customer) if customer else None
    if person is not None and chosen_deal is not None and chosen_deal.customer_id != person.id:
        raise InvalidInput(
            f"deal {chosen_deal.id} belongs to another customer (id {chosen_deal.customer_id})"
        )
    if person is not None:
        customer_id = person.id
    elif chosen_deal is not None:
        customer_id = chosen_deal.customer_id
    else:
        raise InvalidInput("a reminder needs a customer REF or --deal REF")
    return create(
        session,
        due_at,
        text,
        customer_id=customer_id,
        deal_id=chosen_deal.id if chosen_deal else None,
    )


def day_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The start of today and of tomorrow, local, as UTC instants."""
    today = dates.parse_when("today", now)
    return today, dates.parse_when("tomorrow", now)


def window_clauses(window: str, now: datetime | None = None) -> list[sa.ColumnElement[bool]]:
    """SQL for one group: overdue (before now), today (the rest of today), upcoming, inbox."""
    now = now or utcnow()
    _, tomorrow = day_bounds(now)
    open_ = col(Reminder.done_at).is_(None)
    due = col(Reminder.due_at)
    match window:
        case "overdue":
            return [open_, due < now]
        case "today":
            return [open_, due >= now, due < tomorrow]
        case "upcoming":
            return [open_, due >= tomorrow]
        case "inbox":
            return [open_, due < tomorrow]
        case "open":
            return [open_]
        case "done":
            return [col(Reminder.done_at).is_not(None)]
        case "all":
            return []
    raise InvalidInput(f"unknown reminder group '{window}'")


def in_window(
    session: Session,
    window: str,
    terms: Sequence[str] | str = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """The reminders of one group (see `window_clauses`) matching filter terms, as records.

    What `crm remind list`, `crm inbox` and the TUI's inbox and customer screens show; the
    group's SQL stays here, so the faces never hold a clause.
    """
    return list_records(
        session,
        "reminder",
        terms,
        sort=sort,
        limit=limit,
        extra=window_clauses(window, now),
        now=now,
    )


def window_of(reminder: Reminder, now: datetime | None = None) -> str:
    now = now or utcnow()
    if reminder.done_at is not None:
        return "done"
    if reminder.due_at < now:
        return "overdue"
    return "today" if reminder.due_at < day_bounds(now)[1] else "upcoming"


def done(session: Session, ids: Sequence[str]) -> list[Reminder]:
    """Mark reminders done; every id must exist, or nothing changes."""
    found = [refs.reminder(session, i) for i in ids]
    now = utcnow()
    for reminder in found:
        if reminder.done_at is None:
            reminder.done_at = now
            session.add(reminder)
    session.flush()
    return found


def snooze(session: Session, ref: str, until: datetime) -> Reminder:
    reminder = refs.reminder(session, ref)
    if reminder.done_at is not None:
        raise InvalidInput(f"reminder {reminder.id} is done; nothing to snooze")
    if until <= utcnow() - timedelta(minutes=1):
        raise InvalidInput("snooze to a time in the future")
    reminder.due_at = until
    reminder.snooze_count += 1
    session.add(reminder)
    session.flush()
    return reminder
