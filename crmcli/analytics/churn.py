"""Churn: who is slipping away, what losing them would cost, and what to do about it.

Three kinds of row, each with a suggested next action and the command that acts on it:

- **at risk**: the lifetime-value model gives them a probability of still being active
  (`p_alive`) below `RISK_P_ALIVE`; ranked by value at risk = (1 - p_alive) x their
  yearly value (net revenue over their history divided by its length in years, at least
  one year), the money a year that goes if they are gone.
- **lost**: no purchase for well beyond their own usual interval: longer than
  `LOST_INTERVALS` times their mean time between purchase days and at least
  `LOST_MIN_DAYS`; a customer who bought on one day only is lost after
  `LOST_SINGLE_DAYS` days. Lost outranks at risk.
- **idle**: no interaction for `idle_days` (default `DEFAULT_IDLE_DAYS`), whatever they
  bought; counted from their creation when they never had one. Only customers not
  already listed as lost or at risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from crmcli.analytics import clv
from crmcli.analytics.scope import Scope, customer_ids
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Customer, Interaction, UTCDateTime

RISK_P_ALIVE = 0.5
LOST_INTERVALS = 3
LOST_MIN_DAYS = 90
LOST_SINGLE_DAYS = 365
DEFAULT_IDLE_DAYS = 90


@dataclass(frozen=True)
class Options:
    idle_days: int = DEFAULT_IDLE_DAYS
    value: clv.Options = field(default_factory=clv.Options)


def _action(status: str, ref: int) -> tuple[str, str]:
    if status == "lost":
        return "win them back with an offer", f'crm remind add {ref} tomorrow "Win-back offer"'
    if status == "at risk":
        return (
            "call before they go",
            f'crm remind add {ref} tomorrow "Call: are they still with us?"',
        )
    return "get back in touch", f'crm log {ref} email "Checking in"'


def report(session: Session, scope: Scope, options: Options) -> list[dict]:
    """Rows for `crm report churn`: lost first, then at risk, then idle, by value at stake."""
    if options.idle_days < 1:
        raise InvalidInput(f"invalid --idle {options.idle_days}: use a number of days >= 1")
    fitted = clv.fit(session, scope, options.value)
    as_of = scope.as_of
    summary = fitted.summary
    rows: list[dict] = []
    listed: set[int] = set()
    for i, row in enumerate(fitted.rows):
        weeks_since_last = float(summary.T[i] - summary.recency[i])
        days_since = round(weeks_since_last * 7)
        frequency = int(summary.frequency[i])
        age_years = max(float(summary.T[i]) / 52.18, 1.0)
        past_value = float(row["revenue"])
        yearly = past_value / age_years
        if frequency > 0:
            usual = float(summary.recency[i]) * 7 / frequency
            lost = days_since > max(LOST_INTERVALS * usual, LOST_MIN_DAYS)
        else:
            usual = None
            lost = days_since > LOST_SINGLE_DAYS
        status = "lost" if lost else "at risk" if row["p_alive"] < RISK_P_ALIVE else None
        if status is None:
            continue
        action, command = _action(status, row["customer_id"])
        listed.add(row["customer_id"])
        rows.append(
            {
                "customer_id": row["customer_id"],
                "customer": row["customer"],
                "status": status,
                "currency": row["currency"],
                "days_since_purchase": days_since,
                "usual_interval_days": None if usual is None else round(usual, 1),
                "p_alive": row["p_alive"],
                "past_value": round(past_value, 2),
                "value_at_risk": round((1 - row["p_alive"]) * yearly, 2),
                "clv": row["clv"],
                "days_since_contact": None,
                "action": action,
                "command": command,
            }
        )
    last_contact = _last_contacts(session, scope)
    for row in rows:
        row["days_since_contact"] = _days(as_of, last_contact.get(row["customer_id"]))
    rows.sort(key=lambda r: (r["status"] != "lost", -r["value_at_risk"], r["customer_id"]))
    rows.extend(_idle(session, scope, options.idle_days, listed, last_contact))
    return rows


def _days(as_of: datetime, then: datetime | None) -> int | None:
    return None if then is None else max((as_of - then).days, 0)


def _last_contacts(session: Session, scope: Scope) -> dict[int, datetime]:
    statement = (
        sa.select(
            col(Interaction.customer_id),
            sa.func.max(col(Interaction.occurred_at), type_=UTCDateTime),
        )
        .where(
            col(Interaction.occurred_at) <= scope.as_of,
            col(Interaction.customer_id).in_(customer_ids(session, scope)),
        )
        .group_by(col(Interaction.customer_id))
    )
    return {int(customer_id): at for customer_id, at in session.execute(statement).all()}


def _idle(
    session: Session,
    scope: Scope,
    idle_days: int,
    listed: set[int],
    last_contact: dict[int, datetime],
) -> list[dict]:
    cutoff = scope.as_of - timedelta(days=idle_days)
    statement = sa.select(col(Customer.id), col(Customer.name), col(Customer.created_at)).where(
        col(Customer.id).in_(customer_ids(session, scope)), col(Customer.created_at) <= cutoff
    )
    rows = []
    for customer_id, name, created in session.execute(statement).all():
        last = last_contact.get(customer_id)
        if customer_id in listed or (last is not None and last > cutoff):
            continue
        action, command = _action("idle", customer_id)
        rows.append(
            {
                "customer_id": customer_id,
                "customer": name,
                "status": "idle",
                "currency": None,
                "days_since_purchase": None,
                "usual_interval_days": None,
                "p_alive": None,
                "past_value": None,
                "value_at_risk": None,
                "clv": None,
                "days_since_contact": _days(scope.as_of, last or created),
                "action": action,
                "command": command,
            }
        )
    rows.sort(key=lambda r: (-(r["days_since_contact"] or 0), r["customer_id"]))
    return rows
