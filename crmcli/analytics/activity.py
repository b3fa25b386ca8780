"""Each customer's buying in a report's scope: purchase days, counts, net revenue.

The shared ground of the per-customer reports (rfm, cohorts, channels, profit's segments),
so they agree on what a purchase, a day and a customer's currency are:

- A **purchase** is a row of `purchase` with a non-negative amount; a **refund** (negative
  amount) is no purchase, but counts against the revenue of its currency.
- A **purchase day** is a calendar day in the user's time zone (`timezone`, `CRM_TZ`, else
  the system's) with at least one purchase: two orders on one day are one purchase day.
  Counts and dates use every purchase, whatever its currency (no amounts are added).
- A customer's **currency** is the one they made most purchases in; a tie goes to the
  currency of their latest purchase, then to the first code in alphabetical order. Their
  money figures (`net`) are in that currency only: amounts in other currencies are never
  converted or added to it.

Per-currency sums and counts are SQL aggregates; the purchase days need each purchase's
time, since a local calendar day cannot be computed portably in SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from crmcli.analytics.scope import Scope, customer_ids, purchase_clauses
from crmcli.kernel.dates import local, to_utc, user_zone
from crmcli.store.models import Customer, Purchase


@dataclass
class CustomerActivity:
    """One customer's purchases in scope (only customers with at least one purchase)."""

    customer_id: int
    name: str
    currency: str
    days: list[date]  # purchase days, oldest first, no repeats
    first: datetime  # the first purchase
    last: datetime  # the latest purchase
    purchases: int  # purchases (not refunds) in every currency
    net: int  # revenue in `currency`, minor units, refunds subtracted


@dataclass
class _Currency:
    purchases: int = 0
    net: int = 0
    last: datetime | None = None


def is_purchase() -> sa.ColumnElement[bool]:
    """A purchase, not a refund: a refund is recorded with a negative amount."""
    return col(Purchase.amount_minor) >= 0


def main_currency(by_currency: dict[str, tuple[int, datetime | None]]) -> str:
    """The customer's currency from {currency: (purchases, latest purchase)}: most
    purchases, then the latest purchase, then the code."""
    ranked = sorted(by_currency.items(), key=lambda item: item[0])
    return max(ranked, key=lambda item: (item[1][0], item[1][1] or datetime.min))[0]


def customer_activity(session: Session, scope: Scope) -> dict[int, CustomerActivity]:
    """Every customer of the scope with a purchase in it, by id."""
    where = purchase_clauses(session, scope)
    per_currency: dict[int, dict[str, _Currency]] = {}
    # `select()` is typed for at most four columns: a wider one is a `Select` with its row type.
    sums: Select[int, str, int, int, datetime | None] = Select(
        col(Purchase.customer_id),
        col(Purchase.currency),
        func.sum(sa.case((is_purchase(), 1), else_=0)),
        func.sum(Purchase.amount_minor),
        func.max(sa.case((is_purchase(), Purchase.at), else_=None)),
    )
    money = sums.where(*where).group_by(col(Purchase.customer_id), col(Purchase.currency))
    for customer_id, currency, count, net, last in session.exec(money):
        per_currency.setdefault(customer_id, {})[currency] = _Currency(
            int(count or 0), int(net or 0), _aware(last)
        )
    days: dict[int, list[date]] = {}
    firsts: dict[int, datetime] = {}
    lasts: dict[int, datetime] = {}
    times = (
        select(Purchase.customer_id, Purchase.at)
        .where(*where, is_purchase())
        .order_by(col(Purchase.customer_id), col(Purchase.at))
    )
    day_of = local_days()
    for customer_id, at in session.exec(times):
        day = day_of(at)
        seen = days.setdefault(customer_id, [])
        if not seen or seen[-1] != day:
            seen.append(day)
        firsts.setdefault(customer_id, at)
        lasts[customer_id] = at
    names = customer_names(session, scope)
    found: dict[int, CustomerActivity] = {}
    for customer_id, currencies in per_currency.items():
        if customer_id not in days:
            continue  # only refunds in scope: no purchase to measure
        bought = {c: (v.purchases, v.last) for c, v in currencies.items() if v.purchases}
        currency = main_currency(bought)
        found[customer_id] = CustomerActivity(
            customer_id=customer_id,
            name=names.get(customer_id, ""),
            currency=currency,
            days=days[customer_id],
            first=firsts[customer_id],
            last=lasts[customer_id],
            purchases=sum(v.purchases for v in currencies.values()),
            net=currencies[currency].net,
        )
    return found


def local_days(zone: tzinfo | None = None) -> Callable[[datetime], date]:
    """The calendar day of an instant in the user's zone (or `zone`), for many instants.

    Converting each instant through the zone is slow (a report converts one per purchase),
    so the zone's offset is looked up once per UTC day; a day in which the offset changes
    (a DST switch) converts each of its instants exactly."""
    chosen = zone if zone is not None else user_zone()
    offsets: dict[date, timedelta | None] = {}

    def day_of(moment: datetime) -> date:
        moment = to_utc(moment)
        utc_day = moment.date()
        if utc_day not in offsets:
            start = datetime.combine(utc_day, time(), UTC)
            before = start.astimezone(chosen).utcoffset()
            after = (start + timedelta(days=1)).astimezone(chosen).utcoffset()
            offsets[utc_day] = before if before == after else None
        offset = offsets[utc_day]
        if offset is None:
            return local(moment, chosen).date()
        return (moment + offset).date()

    return day_of


def customer_names(session: Session, scope: Scope) -> dict[int, str]:
    """The names of the scope's customers, in one query whatever their number."""
    # A `Select` with its row type: a stored customer's id is never NULL.
    columns: Select[int, str] = Select(col(Customer.id), col(Customer.name))
    rows = session.exec(columns.where(col(Customer.id).in_(customer_ids(session, scope))))
    return dict(rows.all())


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate's time, aware in UTC: `max()` over a CASE may lose the column's type."""
    if value is None:
        return None
    return to_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
