"""A customer's history in one list: interactions, deal stage changes and reminders."""

from __future__ import annotations

from sqlmodel import Session, col, select

from crmcli.entities import refs
from crmcli.entities.interaction import interaction_records
from crmcli.entities.reminder import reminder_records
from crmcli.entities.stage_change import stage_change_records
from crmcli.store.models import Deal, Interaction, Reminder, StageChange


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
