"""Each customer's figures (segment, RFM code, recency, frequency, revenue, margin,
p_alive, clv, preferred channel), computed as of now into the connection's temporary table
`customer_value` that `crmcli.entities.customer_value` declares, so a list can filter and
sort on them (`segment:at-risk`, `p_alive<0.3`, `--sort -clv`). Computed per command,
never stored: a list never shows stale figures.

Money figures are in major units of the customer's currency (rfm's rule); `margin` is
revenue times their margin fraction (clv's rule: product costs where known, else the
average). `p_alive` and `clv` are null when the models cannot be fitted (too few buyers).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.analytics import channels, rfm
from crmcli.analytics.scope import scope as make_scope
from crmcli.entities.customer_value import TABLE
from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.money import to_major
from crmcli.store.models import utcnow


def figures(session: Session, as_of: datetime | None = None) -> list[dict]:
    """One row per customer with a purchase (the table's columns)."""
    everyone = make_scope([], as_of or utcnow())
    rows: dict[int, dict] = {}
    for one in rfm.scored(session, everyone):
        activity = one.activity
        rows[activity.customer_id] = {
            "customer_id": activity.customer_id,
            "currency": activity.currency,
            "segment": one.segment,
            "rfm": one.rfm,
            "recency": one.recency,
            "frequency": one.frequency,
            "revenue": float(to_major(activity.net, activity.currency)),
            "margin": None,
            "p_alive": None,
            "clv": None,
            "preferred_channel": None,
        }
    try:
        from crmcli.analytics import clv

        for fitted in clv.fit(session, everyone, clv.Options()).rows:
            row = rows.get(fitted["customer_id"])
            if row is not None and row["currency"] == fitted["currency"]:
                row["p_alive"] = fitted["p_alive"]
                row["clv"] = fitted["clv"]
                row["margin"] = round(row["revenue"] * fitted["margin"], 2)
    except InvalidInput:
        pass  # too few buyers to fit: p_alive and clv stay null
    for customer_id, contact in channels.contacts(session, everyone).items():
        if customer_id in rows:
            rows[customer_id]["preferred_channel"] = channels.preferred(contact)
    return list(rows.values())


def prepare(session: Session, as_of: datetime | None = None) -> None:
    """Fill the temporary table for this connection (emptied first)."""
    connection = session.connection()
    TABLE.create(connection, checkfirst=True)
    connection.execute(sa.delete(TABLE))
    found = figures(session, as_of)
    if found:
        connection.execute(sa.insert(TABLE), found)
