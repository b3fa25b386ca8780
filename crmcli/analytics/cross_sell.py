"""Cross-sell: for each customer, the products they have not bought that what they did buy
points to.

The pointers are the pair rules of `analytics.basket` (`A -> P`, by default over customer
baskets: "customers who bought A also bought P"), kept when their lift is above 1 and
their confidence reaches `min_confidence`. They are learnt from every active customer's
baskets, with the scope's purchase terms and as-of time; the scope's customer terms only
choose who gets suggestions (a scope of one customer still learns from everybody).

A customer's history is every product of their purchases up to the as-of time (refunds
left out, the scope's purchase terms not applied: they shape the rules, not what a customer
owns). A product is suggested when it is not in their history, is active and not deleted,
and some product of their history points to it. Its score is the MAX of
confidence(A -> P) over the A in their history, not the sum: it stays a probability, does
not grow with the mere number of things a customer bought, and the one rule that gives
it is shown as `because`. Ties go to the higher lift, then the larger count, then the SKUs.

The matching happens in the database (the customers' histories joined to the rules, with
window functions picking the best rule per product and the top N per customer). Rows come
per customer (name, then id), best suggestion first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from crmcli.analytics import basket as baskets
from crmcli.analytics import itemsets
from crmcli.analytics import scope as scopes
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Customer, Product

DEFAULT_TOP = 3


@dataclass(frozen=True)
class Suggestion:
    """A product to offer a customer, the product of theirs that points to it, and how
    strongly (`score`: the share of that product's baskets that also hold this one)."""

    customer_id: int
    customer: str
    product: baskets.Item
    score: float
    lift: float
    because: baskets.Item

    def record(self) -> dict:
        """The suggestion as JSON (field names are an API: added to, never renamed)."""
        return {
            "customer_id": self.customer_id,
            "customer": self.customer,
            "product_id": self.product.id,
            "product": self.product.sku,
            "name": self.product.name,
            "score": self.score,
            "lift": self.lift,
            "because_id": self.because.id,
            "because": self.because.sku,
            "because_name": self.because.name,
        }


def _rules(
    session: Session, learn: scopes.Scope, by: str, min_support: float, min_confidence: float
) -> list[tuple[int, int, float, float]]:
    """(antecedent, consequent, confidence, lift) of the pair rules worth suggesting from,
    best first: confidence, lift, count (descending), then the SKUs."""
    counts = itemsets.count_itemsets(session, learn, by=by, size=2, min_support=min_support)
    found = [
        (antecedent[0], consequent, together, confidence, lift)
        for antecedent, consequent, together, confidence, lift in baskets.rules_of(counts, 2)
        if lift > 1 and confidence >= min_confidence
    ]
    named = baskets.products(session, {p for rule in found for p in rule[:2]})
    sellable = _sellable(session, {rule[1] for rule in found})
    found = [rule for rule in found if rule[1] in sellable]
    found.sort(key=lambda r: (-r[3], -r[4], -r[2], named[r[0]].sku, named[r[1]].sku))
    return [(a, c, confidence, lift) for a, c, _, confidence, lift in found]


def _sellable(session: Session, ids: set[int]) -> set[int]:
    """The products of `ids` that can still be sold: active and not deleted."""
    if not ids:
        return set()
    rows = session.execute(
        select(col(Product.id)).where(
            col(Product.id).in_(ids), col(Product.active), col(Product.deleted_at).is_(None)
        )
    )
    return {pid for (pid,) in rows}


@contextmanager
def _rule_table(session: Session, rules: list[tuple[int, int, float, float]]) -> Iterator[sa.Table]:
    """`crm_rule`: the rules, with their rank (`ordinal`, 0 is the best) for the windows."""
    table = itemsets.temporary_table(
        "crm_rule",
        sa.Column("antecedent", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("consequent", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("lift", sa.Float, nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
    )
    with itemsets.temporary(session, table):
        if rules:
            session.execute(
                sa.insert(table),
                [
                    {"antecedent": a, "consequent": c, "confidence": f, "lift": x, "ordinal": i}
                    for i, (a, c, f, x) in enumerate(rules)
                ],
            )
        yield table


def _best(history: sa.Table, rules: sa.Table, top: int) -> sa.Select:
    """(customer, product, because, score, lift) of each customer's `top` suggestions."""
    h, owned = history.alias("h"), history.alias("owned")
    already = (
        select(owned.c.basket)
        .where(owned.c.basket == h.c.basket, owned.c.product == rules.c.consequent)
        .exists()
    )
    candidate = (
        sa.select(
            h.c.basket.label("customer"),
            rules.c.consequent.label("product"),
            rules.c.antecedent.label("because"),
            rules.c.confidence.label("score"),
            rules.c.lift.label("lift"),
            rules.c.ordinal.label("ordinal"),
            sa.func.row_number()
            .over(partition_by=(h.c.basket, rules.c.consequent), order_by=rules.c.ordinal)
            .label("pick"),
        )
        .select_from(h)
        .join(rules, rules.c.antecedent == h.c.product)
        .where(~already)
        .subquery("candidate")
    )
    ranked = (
        sa.select(
            candidate,
            sa.func.row_number()
            .over(partition_by=candidate.c.customer, order_by=candidate.c.ordinal)
            .label("rank"),
        )
        .where(candidate.c.pick == 1)
        .subquery("ranked")
    )
    return sa.select(ranked).where(ranked.c.rank <= top)


def cross_sell(
    session: Session,
    scope: scopes.Scope,
    *,
    top: int = DEFAULT_TOP,
    by: str = "customer",
    min_support: float = baskets.DEFAULT_MIN_SUPPORT,
    min_confidence: float = baskets.DEFAULT_MIN_CONFIDENCE,
) -> list[Suggestion]:
    """Each scoped customer's best `top` products to offer (see the module's docstring)."""
    if top < 1:
        raise InvalidInput(f"top must be at least 1, not {top}")
    baskets.check_thresholds(min_support, min_confidence, 0.0)
    learn = scopes.Scope(as_of=scope.as_of, purchase_filter=scope.purchase_filter)
    rules = _rules(session, learn, by, min_support, min_confidence)
    if not rules:
        return []
    mine = scopes.Scope(as_of=scope.as_of, customer_filter=scope.customer_filter)
    with (
        itemsets.basket_table(session, mine, "customer", name="crm_history") as history,
        _rule_table(session, rules) as rule_table,
    ):
        best = _best(history, rule_table, top).subquery("best")
        offered = aliased(Product, name="offered")
        because = aliased(Product, name="because")
        found = session.execute(
            sa.select(
                best.c.customer,
                col(Customer.name),
                col(offered.id),
                col(offered.sku),
                col(offered.name),
                best.c.score,
                best.c.lift,
                col(because.id),
                col(because.sku),
                col(because.name),
            )
            .select_from(best)
            .join(Customer, col(Customer.id) == best.c.customer)
            .join(offered, col(offered.id) == best.c.product)
            .join(because, col(because.id) == best.c.because)
            .order_by(col(Customer.name), best.c.customer, best.c.rank)
        ).all()
    return [
        Suggestion(
            customer_id=customer_id,
            customer=name,
            product=baskets.Item(pid, sku, pname),
            score=score,
            lift=lift,
            because=baskets.Item(bid, bsku, bname),
        )
        for customer_id, name, pid, sku, pname, score, lift, bid, bsku, bname in found
    ]
