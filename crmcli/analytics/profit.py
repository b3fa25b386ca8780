"""Profit: revenue, cost of goods, gross margin, cost to serve and net contribution.

One record per group (`--by customer|segment|product|category|company|owner|channel`)
and currency: every purchase counts in its own currency, so a customer who bought in two
currencies has a row in each, and nothing is ever converted.

- **revenue**: net revenue, refunds subtracted.
- **cost of goods**: the line costs recorded with each sale (a refund's lines give their
  cost back). A refund recorded as a bare amount takes its cost, and its product, from
  the purchase it refunds, in proportion. Revenue whose cost is not known is
  `uncosted_revenue`: with `--margin PCT` its cost is estimated as `(100 - PCT) %` of
  it; without, the gross margin covers only the costed revenue (and is null when no
  revenue of the row is costed).
- **gross margin** = costed revenue - cost of goods; **margin_pct** = gross margin / costed
  revenue.
- **cost to serve**: each interaction up to `--as-of` (and in the filter's period) priced
  by its channel (`channel_costs`, config), in the default currency. It is a customer's
  cost, booked in their currency (the one they bought most in; the default currency for
  customers who bought nothing in scope). No exchange rates are kept, so it is known only
  in rows of the default currency and null in the others; and it is not split over
  products, categories or purchase channels (null there).
- **net contribution** = gross margin - cost to serve (null when either is unknown).
- **unprofitable**: the net contribution, else the gross margin, is below zero.

Customers who bought nothing in scope still have a cost to serve: they appear with no
revenue (see `contacts.buyers_only`). `--summary` gives per currency the totals, the share
of profit that the top 20 % of customers make (`top20_pct`, profit being the net
contribution, or the gross margin where cost to serve is not known) and the number of
unprofitable customers.

Sums are SQL aggregates by customer, currency, purchase channel and product; the groups
are formed from those in Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from crmcli.analytics import rfm
from crmcli.analytics.activity import CustomerActivity, customer_activity, customer_names
from crmcli.analytics.contacts import buyers_only, interaction_where
from crmcli.analytics.figures import percent, round_minor
from crmcli.analytics.scope import Scope, customer_ids, purchase_clauses
from crmcli.kernel import config, money
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Company, Customer, Interaction, Product, Purchase, PurchaseItem

BY = ("customer", "segment", "product", "category", "company", "owner", "channel")
#: Groupings whose rows carry the customers' cost to serve.
_SERVED = frozenset({"customer", "segment", "company", "owner"})

FIELDS = (
    "by",
    "id",
    "name",
    "currency",
    "customers",
    "revenue",
    "uncosted_revenue",
    "cost_of_goods",
    "gross_margin",
    "margin_pct",
    "cost_to_serve",
    "net_contribution",
    "unprofitable",
)
SUMMARY_FIELDS = (
    "currency",
    "customers",
    "revenue",
    "uncosted_revenue",
    "cost_of_goods",
    "gross_margin",
    "margin_pct",
    "cost_to_serve",
    "net_contribution",
    "top20_pct",
    "unprofitable_customers",
)


def check_by(by: str) -> str:
    chosen = by.strip().lower()
    if chosen not in BY:
        raise InvalidInput(f"unknown --by '{by}': use {', '.join(BY)}")
    return chosen


def check_margin(margin: Decimal | str | float | None) -> Fraction | None:
    """`--margin PCT`: a gross margin percentage from 0 to 100, or None."""
    if margin is None:
        return None
    try:
        value = Fraction(Decimal(str(margin).strip().removesuffix("%")))
    except (ArithmeticError, ValueError):
        value = None
    if value is None or not 0 <= value <= 100:
        raise InvalidInput(f"invalid --margin '{margin}': use a percentage from 0 to 100")
    return value


@dataclass(frozen=True)
class Sale:
    """Sales summed over one customer, currency, purchase channel and product (or None:
    purchases recorded as a bare amount)."""

    customer_id: int
    currency: str
    channel: str
    product_id: int | None
    revenue: int
    cost: int  # the known costs
    uncosted: int  # revenue whose cost is not known
    costed: bool  # whether any of it has a known cost


def sales(session: Session, scope: Scope) -> list[Sale]:
    """Every sale and refund in scope, summed by customer, currency, channel, product."""
    where = purchase_clauses(session, scope)
    unknown = col(PurchaseItem.cost_minor).is_(None)
    # `select()` is typed for at most four columns: wider ones are a `Select` with their row type.
    line_sums: Select[int, str, str, int | None, int, int, int, int] = Select(
        col(Purchase.customer_id),
        col(Purchase.currency),
        col(Purchase.channel),
        col(PurchaseItem.product_id),
        func.sum(PurchaseItem.amount_minor),
        func.sum(sa.case((unknown, 0), else_=PurchaseItem.cost_minor)),
        func.sum(sa.case((unknown, PurchaseItem.amount_minor), else_=0)),
        func.max(sa.case((unknown, 0), else_=1)),
    )
    lines = (
        line_sums.join(Purchase, col(PurchaseItem.purchase_id) == col(Purchase.id))
        .where(*where)
        .group_by(
            col(Purchase.customer_id),
            col(Purchase.currency),
            col(Purchase.channel),
            col(PurchaseItem.product_id),
        )
    )
    found = [_sale(row) for row in session.exec(lines)]
    has_lines = sa.exists().where(col(PurchaseItem.purchase_id) == col(Purchase.id))
    bare_unknown = col(Purchase.cost_minor).is_(None)
    # A bare refund without its own cost takes it from the purchase it refunds (below).
    borrowed = sa.and_(col(Purchase.refund_of_id).is_not(None), bare_unknown)
    bare_sums: Select[int, str, str, int | None, int, int, int, int] = Select(
        col(Purchase.customer_id),
        col(Purchase.currency),
        col(Purchase.channel),
        sa.null(),
        func.sum(Purchase.amount_minor),
        func.sum(sa.case((bare_unknown, 0), else_=Purchase.cost_minor)),
        func.sum(sa.case((bare_unknown, Purchase.amount_minor), else_=0)),
        func.max(sa.case((bare_unknown, 0), else_=1)),
    )
    bare = bare_sums.where(*where, sa.not_(has_lines), sa.not_(borrowed)).group_by(
        col(Purchase.customer_id), col(Purchase.currency), col(Purchase.channel)
    )
    found.extend(_sale(row) for row in session.exec(bare))
    found.extend(_bare_refunds(session, [*where, sa.not_(has_lines), borrowed]))
    return found


def _sale(row: tuple) -> Sale:
    customer_id, currency, channel, product_id, revenue, cost, uncosted, costed = row
    return Sale(
        customer_id,
        currency,
        channel,
        product_id,
        int(revenue or 0),
        int(cost or 0),
        int(uncosted or 0),
        bool(costed),
    )


@dataclass
class _Original:
    amount: int
    cost: int | None
    lines: list[tuple[int, int, int | None]] = field(default_factory=list)  # product, amount, cost


def _bare_refunds(session: Session, where: list[sa.ColumnElement[bool]]) -> list[Sale]:
    """Refunds recorded as a bare amount, their cost and products taken from the purchase
    they refund in proportion (the refund of a third of a purchase returns a third of
    each line's amount and cost)."""
    columns: Select[int, str, str, int, int] = Select(
        col(Purchase.customer_id),
        col(Purchase.currency),
        col(Purchase.channel),
        col(Purchase.amount_minor),
        col(Purchase.refund_of_id),
    )
    refunds = session.exec(columns.where(*where)).all()
    if not refunds:
        return []
    refunded = select(Purchase.refund_of_id).where(*where)
    originals = {
        purchase_id: _Original(int(amount), None if cost is None else int(cost))
        for purchase_id, amount, cost in session.exec(
            select(Purchase.id, Purchase.amount_minor, Purchase.cost_minor).where(
                col(Purchase.id).in_(refunded)
            )
        )
    }
    for purchase_id, product_id, line_amount, line_cost in session.exec(
        select(
            PurchaseItem.purchase_id,
            PurchaseItem.product_id,
            PurchaseItem.amount_minor,
            PurchaseItem.cost_minor,
        )
        .where(col(PurchaseItem.purchase_id).in_(refunded))
        .order_by(col(PurchaseItem.purchase_id), col(PurchaseItem.position))
    ):
        originals[purchase_id].lines.append(
            (product_id, int(line_amount), None if line_cost is None else int(line_cost))
        )
    found = []
    for customer_id, currency, channel, amount, refund_of in refunds:
        original = originals.get(refund_of)
        for part_product, part, part_cost in _allocate(int(amount), original):
            found.append(
                Sale(
                    customer_id,
                    currency,
                    channel,
                    part_product,
                    part,
                    part_cost or 0,
                    part if part_cost is None else 0,
                    part_cost is not None,
                )
            )
    return found


def _allocate(amount: int, original: _Original | None) -> list[tuple[int | None, int, int | None]]:
    """A bare refund as (product, amount, cost) parts in proportion to what it refunds."""
    if original is None:
        return [(None, amount, None)]
    weights = [line_amount for _, line_amount, _ in original.lines]
    if original.lines and sum(weights) > 0 and min(weights) >= 0:
        parts = split(amount, weights)
        return [
            (
                product_id,
                part,
                None
                if cost is None or line_amount == 0
                else round_minor(Fraction(cost * part, line_amount)),
            )
            for (product_id, line_amount, cost), part in zip(original.lines, parts, strict=True)
        ]
    if not original.lines and original.cost is not None and original.amount > 0:
        return [(None, amount, round_minor(Fraction(original.cost * amount, original.amount)))]
    return [(None, amount, None)]


def split(total: int, weights: list[int]) -> list[int]:
    """`total` in whole parts proportional to `weights` (summing to `total` exactly: the
    largest remainders get the units left over, the first of equal ones first)."""
    whole = sum(weights)
    size = abs(total)
    exact = [Fraction(size * w, whole) for w in weights]
    parts = [math.floor(share) for share in exact]
    left = size - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return [part if total >= 0 else -part for part in parts]


def costs_to_serve(session: Session, scope: Scope) -> dict[int, Fraction]:
    """Each customer's interactions priced by channel, in major units of the default
    currency (exact; rounded to the minor unit once summed per row)."""
    prices = config.channel_costs()
    rows = session.exec(
        select(Interaction.customer_id, Interaction.channel, func.count())
        .where(*interaction_where(session, scope))
        .group_by(col(Interaction.customer_id), col(Interaction.channel))
    )
    costs: dict[int, Fraction] = {}
    for customer_id, channel, count in rows:
        price = Fraction(prices.get(channel, Decimal(0)))
        costs[customer_id] = costs.get(customer_id, Fraction(0)) + price * int(count)
    return costs


@dataclass
class _Row:
    key: Hashable
    currency: str
    customers: set[int] = field(default_factory=set)
    revenue: int = 0
    cost: int = 0
    uncosted: int = 0
    costed: bool = False
    serve: Fraction | None = None  # major units of the default currency


@dataclass(frozen=True)
class _Grouping:
    """How a sale (or, with None, a customer's cost to serve) finds its group, and how a
    group is shown: `names` by id for records with one (customers, products, companies),
    else the group's key is its name (segments, categories, owners, channels)."""

    key: Callable[[int, Sale | None], Hashable]
    names: Mapping[Any, str] | None = None

    def id_of(self, key: Hashable) -> Any:
        return key if self.names is not None else None

    def name_of(self, key: Hashable) -> Any:
        return self.names.get(key) if self.names is not None else key


def profit(
    session: Session,
    scope: Scope,
    by: str = "customer",
    *,
    margin: Fraction | None = None,
    summary: bool = False,
) -> list[dict]:
    """The profit records (FIELDS) grouped `by`, or with `summary` one per currency
    (SUMMARY_FIELDS)."""
    by = check_by(by)
    cost_currency = config.default_currency()
    # Costs to serve, and the customers' currencies they are booked in, only where shown.
    served = summary or by in _SERVED
    activity = customer_activity(session, scope) if served else {}
    home = {customer_id: one.currency for customer_id, one in activity.items()}
    all_sales = sales(session, scope)
    serve = costs_to_serve(session, scope) if served else {}
    if buyers_only(scope):
        serve = {customer_id: cost for customer_id, cost in serve.items() if customer_id in home}
    if summary:
        by_customer = _group(all_sales, serve, home, cost_currency, lambda c, s: c)
        totals = _group(all_sales, serve, home, cost_currency, lambda c, s: None)
        return _summary(totals, by_customer, cost_currency, margin)
    grouping = _grouping(session, scope, by, activity)
    rows = _group(all_sales, serve, home, cost_currency, grouping.key)
    records = [
        _record(by, row, grouping, cost_currency if served else None, margin) for row in rows
    ]
    records.sort(key=_order)
    return records


def _group(
    all_sales: Iterable[Sale],
    serve: Mapping[int, Fraction],
    home: Mapping[int, str],
    cost_currency: str,
    key: Callable[[int, Sale | None], Hashable],
) -> list[_Row]:
    """Sales and costs to serve summed per group and currency."""
    rows: dict[tuple[Hashable, str], _Row] = {}
    for sale in all_sales:
        group = key(sale.customer_id, sale)
        row = rows.setdefault((group, sale.currency), _Row(group, sale.currency))
        row.customers.add(sale.customer_id)
        row.revenue += sale.revenue
        row.cost += sale.cost
        row.uncosted += sale.uncosted
        row.costed = row.costed or sale.costed
    for customer_id, cost in serve.items():
        currency = home.get(customer_id, cost_currency)
        group = key(customer_id, None)
        row = rows.setdefault((group, currency), _Row(group, currency))
        row.customers.add(customer_id)
        if currency == cost_currency:
            row.serve = (row.serve or Fraction(0)) + cost
    return list(rows.values())


def _grouping(
    session: Session, scope: Scope, by: str, activity: Mapping[int, CustomerActivity]
) -> _Grouping:
    if by == "customer":
        return _Grouping(lambda c, s: c, customer_names(session, scope))
    if by == "segment":
        segments = {
            one.activity.customer_id: one.segment for one in rfm.score(activity.values(), scope)
        }
        return _Grouping(lambda c, s: segments.get(c))
    if by == "channel":
        return _Grouping(lambda c, s: s.channel if s else None)
    if by in ("product", "category"):
        products = session.exec(select(Product.id, Product.name, Product.category)).all()
        if by == "product":
            names = {product_id: name for product_id, name, _ in products}
            return _Grouping(lambda c, s: s.product_id if s else None, names)
        categories = {product_id: category for product_id, _, category in products}
        return _Grouping(lambda c, s: categories.get(s.product_id) if s else None)
    attributes = session.exec(
        select(Customer.id, Customer.company_id, Customer.owner).where(
            col(Customer.id).in_(customer_ids(session, scope))
        )
    ).all()
    if by == "company":
        companies = {customer_id: company_id for customer_id, company_id, _ in attributes}
        names = dict(session.exec(select(Company.id, Company.name)).all())
        return _Grouping(lambda c, s: companies.get(c), names)
    owners = {customer_id: owner for customer_id, _, owner in attributes}
    return _Grouping(lambda c, s: owners.get(c))


def _figures(row: _Row, cost_currency: str | None, margin: Fraction | None) -> dict:
    """The money fields of a row, in minor units (None: not known)."""
    cost = row.cost
    if margin is not None:
        cost += round_minor(row.uncosted * (100 - margin) / 100)
        covered = row.revenue
        gross: int | None = covered - cost
    else:
        covered = row.revenue - row.uncosted
        gross = covered - cost if row.costed or row.uncosted == 0 else None
    serve: int | None = None
    if cost_currency is not None and row.currency == cost_currency:
        exact = (row.serve or Fraction(0)) * 10 ** money.exponent(row.currency)
        serve = round_minor(exact)
    net = gross - serve if gross is not None and serve is not None else None
    judged = net if net is not None else gross
    return {
        "revenue": row.revenue,
        "uncosted_revenue": row.uncosted,
        "cost_of_goods": cost,
        "gross_margin": gross,
        "margin_pct": percent(gross, covered) if gross is not None else None,
        "cost_to_serve": serve,
        "net_contribution": net,
        "unprofitable": None if judged is None else judged < 0,
    }


_MONEY = (
    "revenue",
    "uncosted_revenue",
    "cost_of_goods",
    "gross_margin",
    "cost_to_serve",
    "net_contribution",
)


def _major(figures: dict, currency: str) -> dict:
    return {
        key: (money.json_number(value, currency) if key in _MONEY and value is not None else value)
        for key, value in figures.items()
    }


def _record(
    by: str, row: _Row, grouping: _Grouping, cost_currency: str | None, margin: Fraction | None
) -> dict:
    figures = _figures(row, cost_currency, margin)
    return {
        "by": by,
        "id": grouping.id_of(row.key),
        "name": grouping.name_of(row.key),
        "currency": row.currency,
        "customers": len(row.customers),
        **_major(figures, row.currency),
        "_profit": _profit_of(figures),
    }


def _profit_of(figures: dict) -> int | None:
    net = figures["net_contribution"]
    return net if net is not None else figures["gross_margin"]


def _order(record: dict) -> tuple:
    """By currency, most profitable first (unknown last), then by name."""
    value = record.pop("_profit")
    return (
        record["currency"],
        value is None,
        -(value or 0),
        str(record["name"] or ""),
        record["id"] or 0,
    )


def _summary(
    totals: list[_Row], by_customer: list[_Row], cost_currency: str, margin: Fraction | None
) -> list[dict]:
    found = []
    for total in sorted(totals, key=lambda row: row.currency):
        currency = total.currency
        profits = [
            value
            for row in by_customer
            if row.currency == currency
            and (value := _profit_of(_figures(row, cost_currency, margin))) is not None
        ]
        profits.sort(reverse=True)
        top = profits[: math.ceil(len(profits) / 5)]
        figures = _figures(total, cost_currency, margin)
        found.append(
            {
                "currency": currency,
                "customers": len(total.customers),
                **_major({k: v for k, v in figures.items() if k != "unprofitable"}, currency),
                "top20_pct": percent(sum(top), sum(profits)) if profits else None,
                "unprofitable_customers": sum(1 for value in profits if value < 0),
            }
        )
    return found
