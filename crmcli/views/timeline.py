"""A customer's history in one list: interactions, deal stage changes, reminders and
purchases (refunds too)."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, col, select

from crmcli.entities import refs
from crmcli.entities.interaction import interaction_records
from crmcli.entities.purchase import REFUND_NOTE, purchase_records
from crmcli.entities.reminder import reminder_records
from crmcli.entities.stage_change import stage_change_records
from crmcli.kernel import money
from crmcli.store.models import Deal, Interaction, Purchase, Reminder, StageChange

#: The products a purchase's entry names before "and N more".
SHOWN_LINES = 3


def deal_history(session: Session, deal: Deal) -> list[dict]:
    """One deal's stage changes as records, oldest first.

    The one order of `crm deal show` and `crm deal history`: by time, then by id, so two
    changes written in the same instant (an import, a fast script) keep the order they were
    made in instead of whatever the database returns.
    """
    rows = session.exec(
        select(StageChange)
        .where(StageChange.deal_id == deal.id)
        .order_by(col(StageChange.at), col(StageChange.id))
    ).all()
    return stage_change_records(session, rows)


def timeline(session: Session, ref: str, *, limit: int | None = None) -> list[dict]:
    """Newest first. Each entry: type, id, at, text, deal_id, and the full `record`."""
    person = refs.customer(session, ref, deleted=None)
    entries: list[dict] = []

    interactions = session.exec(
        select(Interaction)
        .where(Interaction.customer_id == person.id)
        .order_by(col(Interaction.occurred_at).desc())
        .limit(limit)
    ).all()
    for record in interaction_records(session, interactions):
        arrow = "→" if record["direction"] == "out" else "←"
        text = f"{record['channel']} {arrow} {record['summary'] or ''}".rstrip()
        entries.append(_entry("interaction", record, record["occurred_at"], text))

    deal_ids = select(Deal.id).where(Deal.customer_id == person.id)
    changes = session.exec(
        select(StageChange)
        .where(col(StageChange.deal_id).in_(deal_ids))
        .order_by(col(StageChange.at).desc())
        .limit(limit)
    ).all()
    for record in stage_change_records(session, changes):
        if record["from_stage"] is None:
            text = f"deal '{record['deal']}' opened in {record['to_stage']}"
        else:
            text = f"deal '{record['deal']}' {record['from_stage']} → {record['to_stage']}"
        entries.append(_entry("stage_change", record, record["at"], text))

    reminders = session.exec(
        select(Reminder)
        .where(Reminder.customer_id == person.id)
        .order_by(col(Reminder.due_at).desc())
        .limit(limit)
    ).all()
    for record in reminder_records(session, reminders):
        state = "done" if record["status"] == "done" else "due"
        entries.append(
            _entry(
                "reminder", record, record["due_at"], f"reminder ({state}): {record['text'] or ''}"
            )
        )

    purchases = session.exec(
        select(Purchase)
        .where(Purchase.customer_id == person.id)
        .order_by(col(Purchase.at).desc())
        .limit(limit)
    ).all()
    for row, record in zip(purchases, purchase_records(session, purchases), strict=True):
        text = purchase_text(record, money.to_major(abs(row.amount_minor), row.currency))
        entries.append(_entry("purchase", record, record["at"], text))

    entries.sort(key=lambda e: (e["at"], e["type"], e["id"]), reverse=True)
    return entries[:limit] if limit else entries


def _entry(kind: str, record: dict, at: str, text: str) -> dict:
    return {
        "type": kind,
        "id": record["id"],
        "at": at,
        "text": text,
        "deal_id": record.get("deal_id"),
        "record": record,
    }


def purchase_text(record: dict, amount: Decimal) -> str:
    """`purchase 29.33 USD (store): 2 × Kind of Blue, 1 × Blue Train`, or `refund 14.67 USD
    of purchase 3: 1 × Kind of Blue` (`amount`: without its sign, in the currency's minor
    unit); a purchase without lines shows its note."""
    amount_text = f"{amount:f} {record['currency']}"
    if record["refund_of"] is not None:
        head = f"refund {amount_text} of purchase {record['refund_of']}"
    else:
        head = f"purchase {amount_text} ({record['channel']})"
    items = record["items"]
    if items:
        named = [f"{abs(i['quantity'])} × {i['name'] or i['product']}" for i in items[:SHOWN_LINES]]
        more = f" and {len(items) - SHOWN_LINES} more" if len(items) > SHOWN_LINES else ""
        return f"{head}: {', '.join(named)}{more}"
    note = record["note"]
    if not note or note == REFUND_NOTE.format(record["refund_of"]):
        return head
    return f"{head}: {note}"
