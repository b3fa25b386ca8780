"""Products bought together: association rules with support, confidence and lift.

The frequent itemsets are counted in the database (`analytics.itemsets`, which also says
what a basket is); this module turns those few counts into rules. For an itemset S and the
rule `S - {c} -> c` (every product of S in turn as the consequent, so a pair gives both
directions): support = count(S) / baskets, confidence = count(S) / count(S - {c}),
lift = confidence / support({c}). The numbers are those of the textbook apriori (and of
efficient-apriori, which the tests compare against).

Rules come ordered by lift, then count (both descending), then confidence, then the SKUs.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crmcli.analytics import scope as scopes
from crmcli.analytics.itemsets import Counts, count_itemsets, kept_purchases
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Product, Purchase, PurchaseItem

DEFAULT_MIN_SUPPORT = 0.01
DEFAULT_MIN_CONFIDENCE = 0.0
DEFAULT_MIN_LIFT = 0.0


@dataclass(frozen=True)
class Item:
    """A product as a rule names it."""

    id: int
    sku: str
    name: str


@dataclass(frozen=True)
class Rule:
    """`antecedent -> consequent`: of the baskets with every antecedent product, the share
    (confidence) that also has the consequent, and how much likelier that is than chance
    (lift). `count` is the number of baskets holding all of them."""

    antecedent: tuple[Item, ...]
    consequent: Item
    count: int
    support: float
    confidence: float
    lift: float

    def record(self) -> dict:
        """The rule as JSON (field names are an API: added to, never renamed)."""
        return {
            "antecedent_ids": [item.id for item in self.antecedent],
            "antecedent": [item.sku for item in self.antecedent],
            "antecedent_names": [item.name for item in self.antecedent],
            "consequent_id": self.consequent.id,
            "consequent": self.consequent.sku,
            "consequent_name": self.consequent.name,
            "count": self.count,
            "support": self.support,
            "confidence": self.confidence,
            "lift": self.lift,
        }


@dataclass(frozen=True)
class Baskets:
    """The rules of one basket report and what they were computed over."""

    by: str
    size: int
    baskets: int
    min_support: float
    min_confidence: float
    min_lift: float
    rules: list[Rule]

    def records(self) -> list[dict]:
        """The rules as JSON records, in order."""
        return [rule.record() for rule in self.rules]


def check_thresholds(min_support: float, min_confidence: float, min_lift: float) -> None:
    if not 0 < min_support <= 1:
        raise InvalidInput(f"min support must be above 0 and at most 1, not {min_support:g}")
    if not 0 <= min_confidence <= 1:
        raise InvalidInput(f"min confidence must be between 0 and 1, not {min_confidence:g}")
    if not min_lift >= 0:
        raise InvalidInput(f"min lift cannot be negative ({min_lift:g})")


# -- rules -----------------------------------------------------------------------------------


def rules_of(counts: Counts, size: int) -> list[tuple[tuple[int, ...], int, int, float, float]]:
    """(antecedent ids, consequent id, count, confidence, lift) of every rule with one
    consequent, before thresholds on confidence and lift."""
    largest = counts.pairs if size == 2 else counts.triples
    itemsets: dict[tuple[int, ...], int] = {key: n for key, n in largest.items()}
    below: dict[tuple[int, ...], int] = {(p,): n for p, n in counts.items.items()}
    if size == 3:
        below = {key: n for key, n in counts.pairs.items()}
    found = []
    for itemset, together in itemsets.items():
        for consequent in itemset:
            antecedent = tuple(p for p in itemset if p != consequent)
            confidence = together / below[antecedent]
            # confidence / support(consequent), as one division of exact integer products
            # (so A -> B and B -> A get the very same lift).
            lift = together * counts.baskets / (below[antecedent] * counts.items[consequent])
            found.append((antecedent, consequent, together, confidence, lift))
    return found


def products(session: Session, ids: set[int]) -> dict[int, Item]:
    """The products of `ids` (deleted ones too: history keeps them)."""
    if not ids:
        return {}
    rows = session.execute(
        select(col(Product.id), col(Product.sku), col(Product.name)).where(col(Product.id).in_(ids))
    )
    return {pid: Item(pid, sku, name) for pid, sku, name in rows}


def basket(
    session: Session,
    scope: scopes.Scope,
    *,
    by: str = "purchase",
    size: int = 2,
    min_support: float = DEFAULT_MIN_SUPPORT,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_lift: float = DEFAULT_MIN_LIFT,
    limit: int | None = None,
) -> Baskets:
    """The rules over itemsets of exactly `size` products (2: A -> B and B -> A; 3:
    {A, B} -> C and its two rotations) that reach the three thresholds, best first."""
    check_thresholds(min_support, min_confidence, min_lift)
    if limit is not None and limit < 0:
        raise InvalidInput(f"limit cannot be negative ({limit})")
    counts = count_itemsets(session, scope, by=by, size=size, min_support=min_support)
    kept = [
        rule for rule in rules_of(counts, size) if rule[3] >= min_confidence and rule[4] >= min_lift
    ]
    named = products(session, {p for rule in kept for p in (*rule[0], rule[1])})
    rules = [
        Rule(
            antecedent=tuple(named[p] for p in antecedent),
            consequent=named[consequent],
            count=together,
            support=together / counts.baskets,
            confidence=confidence,
            lift=lift,
        )
        for antecedent, consequent, together, confidence, lift in kept
    ]
    rules.sort(key=_rule_order)
    return Baskets(
        by=by,
        size=size,
        baskets=counts.baskets,
        min_support=min_support,
        min_confidence=min_confidence,
        min_lift=min_lift,
        rules=rules if limit is None else rules[:limit],
    )


def _rule_order(rule: Rule) -> tuple:
    skus = tuple(item.sku for item in rule.antecedent)
    return (-rule.lift, -rule.count, -rule.confidence, skus, rule.consequent.sku)


# -- one product -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Together:
    """A product bought in the same purchase as another: in `count` purchases, which are
    `confidence` of the other product's purchases."""

    item: Item
    count: int
    confidence: float

    def record(self) -> dict:
        return {
            "product_id": self.item.id,
            "product": self.item.sku,
            "name": self.item.name,
            "count": self.count,
            "confidence": self.confidence,
        }


def often_bought_with(
    session: Session, product_id: int, limit: int = 5, scope: scopes.Scope | None = None
) -> list[Together]:
    """The products most often in the same purchase as `product_id` (deleted ones left
    out), most purchases first. Cheap enough for `crm product show`: it starts from the
    product's own purchases through the (product, purchase) index."""
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1, not {limit}")
    scope = scope or scopes.scope()
    mine = (
        select(col(PurchaseItem.purchase_id))
        .join(Purchase, col(Purchase.id) == col(PurchaseItem.purchase_id))
        .where(col(PurchaseItem.product_id) == product_id, *kept_purchases(session, scope))
        .distinct()
        .subquery("mine")
    )
    own = session.execute(select(sa.func.count()).select_from(mine)).scalar() or 0
    if not own:
        return []
    together = sa.func.count(sa.distinct(col(PurchaseItem.purchase_id)))
    rows = session.execute(
        select(col(Product.id), col(Product.sku), col(Product.name), together)
        .select_from(mine)
        .join(PurchaseItem, col(PurchaseItem.purchase_id) == mine.c.purchase_id)
        .join(Product, col(Product.id) == col(PurchaseItem.product_id))
        .where(col(PurchaseItem.product_id) != product_id, col(Product.deleted_at).is_(None))
        .group_by(col(Product.id), col(Product.sku), col(Product.name), col(Product.sku_key))
        .order_by(together.desc(), col(Product.sku_key), col(Product.id))
        .limit(limit)
    )
    return [Together(Item(pid, sku, name), n, n / own) for pid, sku, name, n in rows]
