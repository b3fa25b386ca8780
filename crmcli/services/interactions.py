"""Logging an interaction on any channel, optionally with its follow-up reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from crmcli.entities import interaction as interaction_type
from crmcli.entities import refs
from crmcli.kernel import config
from crmcli.kernel.errors import InvalidInput, NotFound
from crmcli.query import fulltext
from crmcli.services import reminders
from crmcli.store.models import Interaction, Reminder, id_of, utcnow


@dataclass
class Logged:
    interaction: Interaction
    reminder: Reminder | None


def log(
    session: Session,
    customer: str,
    channel: str,
    summary: str | None = None,
    *,
    body: str | None = None,
    at: datetime | None = None,
    direction: str = "out",
    deal: str | None = None,
    remind_at: datetime | None = None,
    remind_text: str | None = None,
) -> Logged:
    person = refs.customer(session, customer)
    chosen_deal = refs.deal(session, deal) if deal else None
    if chosen_deal is not None and chosen_deal.customer_id != person.id:
        raise InvalidInput(
            f"deal {chosen_deal.id} belongs to another customer (id {chosen_deal.customer_id})"
        )
    given = {"channel": channel, "direction": direction, "summary": summary, "body": body}
    interaction = Interaction(
        **interaction_type.read(given, new=True),
        customer_id=id_of(person),
        deal_id=chosen_deal.id if chosen_deal else None,
        occurred_at=at or utcnow(),
        by=config.current_user(),
    )
    session.add(interaction)
    session.flush()
    fulltext.index(
        session, "interaction", id_of(interaction), interaction.summary, [interaction.body]
    )
    reminder = None
    if remind_at is not None:
        text = remind_text or f"Follow up: {interaction.summary or interaction.channel}"
        reminder = reminders.create(
            session, remind_at, text, customer_id=person.id, deal_id=interaction.deal_id
        )
    return Logged(interaction, reminder)


def get(session: Session, interaction_id: int) -> Interaction:
    """One interaction by id (interactions have no other REF); NotFound if there is none."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound(f"no interaction with id {interaction_id}")
    return interaction
