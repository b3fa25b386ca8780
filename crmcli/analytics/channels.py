"""Channels: how each customer (or segment) is in touch, answers and buys, per channel.

Per customer with an interaction up to `--as-of` or a purchase in scope (only buyers when
the filter names what was bought: `contacts.buyers_only`):

- `inbound` / `outbound`: interactions by direction, and per channel in `channels`;
- `reach_out`: the channels they contact us on, most inbound contacts first;
- `answered` / `answer_pct`: how many of our outbound contacts they answered. An outbound
  contact on a channel is answered when an inbound one on the same channel follows it
  within `--within` days (default 7) and before our next outbound contact there (three
  unanswered emails and one reply: one of three answered);
- `purchases` and `bought_via`: their purchases (refunds are none) by purchase channel,
  most first;
- `preferred_channel`: the contact channel with the most inbound contacts; ties go to the
  better answer rate, then to more purchases made through it (purchase channel `email` is
  the email channel, `phone` is `call`, `web` is `web`, `field` (a salesperson's sale) is
  `meeting`), then to more interactions, then to the order of the channel list. Notes are
  internal, never a preference, and a channel with no inbound contact, answer or purchase
  shows none: null when no channel has any.

`--by segment` sums the same counts over each RFM segment's customers (null: customers
without a purchase in scope) and applies the same rule to the sums.

Counts by purchase channel are SQL aggregates; answers need each customer's interactions
in time order, which give the interaction counts in the same pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from crmcli.analytics import rfm
from crmcli.analytics.activity import customer_activity, customer_names, is_purchase
from crmcli.analytics.contacts import buyers_only, interaction_where
from crmcli.analytics.figures import percent
from crmcli.analytics.scope import Scope, purchase_clauses
from crmcli.kernel.dates import to_utc
from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.vocabulary import CHANNELS
from crmcli.store.models import Interaction, Purchase

BY = ("customer", "segment")
#: Days within which an inbound contact answers an outbound one.
DEFAULT_ANSWER_DAYS = 7
MAX_ANSWER_DAYS = 3650
#: The contact channel a purchase channel is made through (for the preferred channel).
PURCHASE_CONTACT = {"email": "email", "phone": "call", "web": "web", "field": "meeting"}
#: Internal records, not contact with the customer.
_NOT_CONTACT = frozenset({"note"})

FIELDS = (
    "customer_id",
    "customer",
    "interactions",
    "inbound",
    "outbound",
    "answered",
    "answer_pct",
    "reach_out",
    "purchases",
    "bought_via",
    "preferred_channel",
    "channels",
    "purchases_by_channel",
)
SEGMENT_FIELDS = ("segment", "customers", *FIELDS[2:])


def check_by(by: str) -> str:
    chosen = by.strip().lower()
    if chosen not in BY:
        raise InvalidInput(f"unknown --by '{by}': use {', '.join(BY)}")
    return chosen


def check_within(days: int) -> int:
    if not 1 <= days <= MAX_ANSWER_DAYS:
        raise InvalidInput(f"invalid --within {days}: use 1 to {MAX_ANSWER_DAYS} days")
    return days


@dataclass
class _Channel:
    inbound: int = 0
    outbound: int = 0
    answered: int = 0


@dataclass
class Contact:
    """One customer's (or one group's) counts."""

    channels: dict[str, _Channel] = field(default_factory=dict)
    purchases: dict[str, int] = field(default_factory=dict)  # purchase channel -> count

    def channel(self, name: str) -> _Channel:
        return self.channels.setdefault(name, _Channel())

    def add(self, other: Contact) -> None:
        for name, counts in other.channels.items():
            mine = self.channel(name)
            mine.inbound += counts.inbound
            mine.outbound += counts.outbound
            mine.answered += counts.answered
        for name, count in other.purchases.items():
            self.purchases[name] = self.purchases.get(name, 0) + count


def contacts(
    session: Session, scope: Scope, within: int = DEFAULT_ANSWER_DAYS
) -> dict[int, Contact]:
    """Every counted customer's contact and purchase counts, by id."""
    check_within(within)
    window = timedelta(days=within)
    found: dict[int, Contact] = {}
    # Purchases by channel (SQL), then interactions walked in time order per channel.
    bought: Select[int, str, int] = Select(
        col(Purchase.customer_id), col(Purchase.channel), func.count()
    )
    for customer_id, channel, count in session.exec(
        bought.where(*purchase_clauses(session, scope), is_purchase()).group_by(
            col(Purchase.customer_id), col(Purchase.channel)
        )
    ):
        found.setdefault(customer_id, Contact()).purchases[channel] = int(count)
    walked = (
        select(
            Interaction.customer_id,
            Interaction.channel,
            Interaction.direction,
            Interaction.occurred_at,
        )
        .where(*interaction_where(session, scope))
        .order_by(
            col(Interaction.customer_id),
            col(Interaction.channel),
            col(Interaction.occurred_at),
            col(Interaction.id),
        )
    )
    only_buyers = buyers_only(scope)
    waiting: datetime | None = None  # our last unanswered outbound on the current channel
    current: tuple[int, str] | None = None
    for customer_id, channel, direction, at in session.exec(walked):
        if only_buyers and customer_id not in found:
            continue
        if (customer_id, channel) != current:
            current, waiting = (customer_id, channel), None
        counts = found.setdefault(customer_id, Contact()).channel(channel)
        at = to_utc(at)
        if direction == "in":
            counts.inbound += 1
            if waiting is not None and at - waiting <= window and at > waiting:
                counts.answered += 1
            waiting = None
        else:
            counts.outbound += 1
            waiting = at
    return found


def preferred(contact: Contact) -> str | None:
    """The preferred contact channel (module docstring), or None without evidence."""
    via = {
        PURCHASE_CONTACT[name]: count
        for name, count in contact.purchases.items()
        if name in PURCHASE_CONTACT
    }
    candidates = []
    for position, name in enumerate(CHANNELS):
        if name in _NOT_CONTACT:
            continue
        counts = contact.channels.get(name, _Channel())
        purchases = via.get(name, 0)
        if not (counts.inbound or counts.answered or purchases):
            continue
        rate = counts.answered / counts.outbound if counts.outbound else -1.0
        total = counts.inbound + counts.outbound
        candidates.append(((counts.inbound, rate, purchases, total, -position), name))
    return max(candidates)[1] if candidates else None


def _ranked(counts: Mapping[str, int]) -> list[str]:
    """Names with a count, most first, then in name order."""
    return [name for name, count in sorted(counts.items(), key=lambda i: (-i[1], i[0])) if count]


def _record(contact: Contact) -> dict:
    inbound = sum(c.inbound for c in contact.channels.values())
    outbound = sum(c.outbound for c in contact.channels.values())
    answered = sum(c.answered for c in contact.channels.values())
    return {
        "interactions": inbound + outbound,
        "inbound": inbound,
        "outbound": outbound,
        "answered": answered,
        "answer_pct": percent(answered, outbound),
        "reach_out": _ranked({name: c.inbound for name, c in contact.channels.items()}),
        "purchases": sum(contact.purchases.values()),
        "bought_via": _ranked(contact.purchases),
        "preferred_channel": preferred(contact),
        "channels": {
            name: {
                "inbound": c.inbound,
                "outbound": c.outbound,
                "answered": c.answered,
                "answer_pct": percent(c.answered, c.outbound),
            }
            for name, c in sorted(contact.channels.items(), key=lambda i: CHANNELS.index(i[0]))
        },
        "purchases_by_channel": dict(sorted(contact.purchases.items())),
    }


def channels(
    session: Session, scope: Scope, by: str = "customer", within: int = DEFAULT_ANSWER_DAYS
) -> list[dict]:
    """The channel records: per customer (FIELDS), most interactions first, or per
    segment (SEGMENT_FIELDS), best segment first."""
    by = check_by(by)
    found = contacts(session, scope, within)
    if by == "customer":
        names = customer_names(session, scope)
        records = [
            {"customer_id": customer_id, "customer": names.get(customer_id), **_record(contact)}
            for customer_id, contact in found.items()
        ]
        records.sort(key=lambda r: (-r["interactions"], -r["purchases"], r["customer_id"]))
        return records
    scored = rfm.score(customer_activity(session, scope).values(), scope)
    segments = {one.activity.customer_id: one.segment for one in scored}
    return by_segment(found.items(), segments)


def by_segment(found: Iterable[tuple[int, Contact]], segments: Mapping[int, str]) -> list[dict]:
    groups: dict[str | None, tuple[set[int], Contact]] = {}
    for customer_id, contact in found:
        members, total = groups.setdefault(segments.get(customer_id), (set(), Contact()))
        members.add(customer_id)
        total.add(contact)
    order = {name: i for i, name in enumerate(rfm.SEGMENTS)}
    return [
        {"segment": name, "customers": len(members), **_record(total)}
        for name, (members, total) in sorted(
            groups.items(), key=lambda item: order.get(item[0] or "", len(order))
        )
    ]
