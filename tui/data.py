"""What the inbox and customer screens show, gathered from the core in one read.

Functions here take a session and call crmcli only (records, listing, services): no SQL
and no rules of their own. They run in worker threads and return plain values, so
nothing touches a session after it is closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from crmcli.entities import refs
from crmcli.entities.customer import customer_records
from crmcli.entities.deal import deal_records
from crmcli.kernel.dates import parse_iso
from crmcli.query.listing import list_records
from crmcli.services import reminders
from crmcli.views import timeline as timelines

if TYPE_CHECKING:
    from crmcli.store.session import Session

#: Reminders shown per inbox group (the header says when there are more).
INBOX_LIMIT = 200


@dataclass(frozen=True)
class InboxItem:
    id: int
    window: str
    due_at: datetime
    text: str
    customer_id: int | None
    customer: str | None
    deal_id: int | None
    deal: str | None
    snooze_count: int


@dataclass(frozen=True)
class Inbox:
    groups: dict[str, list[InboxItem]]
    capped: dict[str, bool]

    @property
    def items(self) -> list[InboxItem]:
        return [item for window in reminders.WINDOWS for item in self.groups[window]]


def load_inbox(session: Session, now: datetime | None) -> Inbox:
    groups: dict[str, list[InboxItem]] = {}
    capped: dict[str, bool] = {}
    for window in reminders.WINDOWS:
        rows = reminders.in_window(session, window, sort="due", limit=INBOX_LIMIT, now=now)
        groups[window] = [
            InboxItem(
                id=r["id"],
                window=window,
                due_at=parse_iso(r["due_at"]),
                text=r["text"] or "",
                customer_id=r["customer_id"],
                customer=r["customer"],
                deal_id=r["deal_id"],
                deal=r["deal"],
                snooze_count=r["snooze_count"],
            )
            for r in rows
        ]
        capped[window] = len(rows) >= INBOX_LIMIT
    return Inbox(groups, capped)


@dataclass(frozen=True)
class CustomerView:
    customer: dict
    deals: list[dict]
    reminders: list[dict]
    timeline: list[dict]
    deal: dict | None = None
    pipelines: dict[int, str] = field(default_factory=dict)


def load_customer(
    session: Session, customer_id: int, deal_id: int | None, now: datetime | None
) -> CustomerView:
    person = refs.customer(session, str(customer_id), deleted=None)
    customer = customer_records(session, [person])[0]
    deals = list_records(session, "deal", f"customer:{person.id}", sort="-updated", limit=200)
    open_reminders = reminders.in_window(
        session, "open", f"customer:{person.id}", sort="due", limit=100, now=now
    )
    history = timelines.timeline(session, str(person.id), limit=300)
    deal = None
    if deal_id is not None:
        deal = deal_records(session, [refs.deal(session, str(deal_id), deleted=None)])[0]
    return CustomerView(customer, deals, open_reminders, history, deal)


def load_deal(session: Session, deal_id: int) -> dict:
    """One deal's record, for the edit form."""
    return deal_records(session, [refs.deal(session, str(deal_id), deleted=None)])[0]
