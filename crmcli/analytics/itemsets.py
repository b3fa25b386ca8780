"""Frequent itemsets counted in the database: the baskets, and the products, pairs and
triples in at least a threshold of them. `analytics.basket` turns the counts into rules.

A basket is the set of distinct products of one purchase (`by="purchase"`) or of everything
a customer bought up to the as-of time (`by="customer"`). Refunds (a negative amount, or a
purchase that refunds another) are not baskets; a purchase without lines is not a basket
either, so it does not dilute the support. The scope (`analytics.scope`) picks the
customers and purchases. Deleted products still count: the purchases happened.

Counting is apriori-style, in temporary tables of the session's connection, each dropped
again when its block ends:

1. `crm_basket (basket, product)`: the distinct products of each basket, keyed (and, on
   SQLite, clustered) in basket order, so a product twice in one purchase counts once and
   the self-joins below walk one basket's rows side by side;
2. `crm_basket_item`: the products whose own count reaches the threshold (a pair can only
   be frequent if both its products are: apriori's pruning, done before the self-join);
3. the pairs: a self-join of (1) on the basket, both products in (2), grouped,
   `HAVING count >= threshold`; for triples the pairs go to `crm_basket_pair` and a third
   join keeps only triples whose three pairs are frequent.

Measured against efficient-apriori on the same baskets (bench/, "basket"): about half its
time for pairs over purchase baskets. Over customer baskets (tens of products each) the
self-join makes k^2 / 2 rows per basket (k^3 / 6 for triples) and apriori's set
intersections are faster.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crmcli.analytics import scope as scopes
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Purchase, PurchaseItem

BY = ("purchase", "customer")
SIZES = (2, 3)


@dataclass(frozen=True)
class Counts:
    """What the database counted: baskets, and the frequent products, pairs and triples."""

    baskets: int
    min_count: int
    items: dict[int, int] = field(default_factory=dict)
    pairs: dict[tuple[int, int], int] = field(default_factory=dict)
    triples: dict[tuple[int, int, int], int] = field(default_factory=dict)


def min_count(min_support: float, baskets: int) -> int:
    """The fewest baskets whose support reaches `min_support`, comparing as apriori does
    (`count / baskets >= min_support` in floating point), so the edge case agrees."""
    if baskets == 0:
        return 1
    count = max(1, math.ceil(min_support * baskets))
    while count > 1 and (count - 1) / baskets >= min_support:
        count -= 1
    while count / baskets < min_support:
        count += 1
    return count


def temporary_table(name: str, *columns: sa.Column) -> sa.Table:
    """A temporary table of the connection; SQLite clusters it on its key (no rowid)."""
    return sa.Table(name, sa.MetaData(), *columns, prefixes=["TEMPORARY"], sqlite_with_rowid=False)


@contextmanager
def temporary(session: Session, table: sa.Table) -> Iterator[sa.Table]:
    """Create `table` for the block and drop it afterwards. After an error it is not
    dropped here (on PostgreSQL the failed transaction would refuse even that): the
    caller's transaction is rolled back, and that undoes the creation on every backend."""
    connection = session.connection()
    table.create(connection)
    yield table
    table.drop(connection)


def kept_purchases(session: Session, scope: scopes.Scope) -> list[sa.ColumnElement[bool]]:
    """The scope's purchases that are baskets: no refunds."""
    return [
        *scopes.purchase_clauses(session, scope),
        col(Purchase.amount_minor) >= 0,
        col(Purchase.refund_of_id).is_(None),
    ]


def basket_rows(session: Session, scope: scopes.Scope, by: str) -> sa.Select:
    """(basket, product), distinct, for the scope's kept purchases."""
    if by not in BY:
        raise InvalidInput(f"unknown basket '{by}': use {' or '.join(BY)}")
    basket = col(Purchase.id) if by == "purchase" else col(Purchase.customer_id)
    # Purchases drive the join (their lines by the purchase_id index), so the rows come in
    # purchase order: for by=purchase that is the key order of the table they go into.
    return (
        select(basket.label("basket"), col(PurchaseItem.product_id).label("product"))
        .select_from(Purchase)
        .join(PurchaseItem, col(PurchaseItem.purchase_id) == col(Purchase.id))
        .where(*kept_purchases(session, scope))
        .distinct()
    )


@contextmanager
def basket_table(
    session: Session, scope: scopes.Scope, by: str, name: str = "crm_basket"
) -> Iterator[sa.Table]:
    """A temporary `(basket, product)` table filled for the scope, for the block."""
    table = temporary_table(
        name,
        sa.Column("basket", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("product", sa.Integer, primary_key=True, autoincrement=False),
    )
    rows = basket_rows(session, scope, by)  # a bad filter term is refused before CREATE
    with temporary(session, table):
        session.execute(sa.insert(table).from_select(["basket", "product"], rows))
        yield table


def count_baskets(session: Session, baskets: sa.Table) -> int:
    found = session.execute(select(sa.func.count(sa.distinct(baskets.c.basket)))).scalar()
    return int(found or 0)


@contextmanager
def frequent_items(session: Session, baskets: sa.Table, threshold: int) -> Iterator[sa.Table]:
    """`crm_basket_item (product, count)`: the products in at least `threshold` baskets."""
    table = temporary_table(
        "crm_basket_item",
        sa.Column("product", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    with temporary(session, table):
        counted = (
            select(baskets.c.product, sa.func.count().label("count"))
            .group_by(baskets.c.product)
            .having(sa.func.count() >= threshold)
        )
        session.execute(sa.insert(table).from_select(["product", "count"], counted))
        yield table


def pair_query(baskets: sa.Table, items: sa.Table, threshold: int) -> sa.Select:
    """(first, second, count) of the frequent pairs, first < second."""
    a, b = baskets.alias("a"), baskets.alias("b")
    frequent = select(items.c.product)
    count = sa.func.count()
    return (
        select(a.c.product.label("first"), b.c.product.label("second"), count.label("count"))
        .select_from(a)
        .join(b, sa.and_(b.c.basket == a.c.basket, b.c.product > a.c.product))
        .where(a.c.product.in_(frequent), b.c.product.in_(frequent))
        .group_by(a.c.product, b.c.product)
        .having(count >= threshold)
    )


def _triples(baskets: sa.Table, pairs: sa.Table, threshold: int) -> sa.Select:
    """(first, second, third, count) of the frequent triples whose three pairs are frequent."""
    a, b, c = baskets.alias("a"), baskets.alias("b"), baskets.alias("c")
    ab, ac, bc = pairs.alias("ab"), pairs.alias("ac"), pairs.alias("bc")
    count = sa.func.count()
    return (
        select(
            a.c.product.label("first"),
            b.c.product.label("second"),
            c.c.product.label("third"),
            count.label("count"),
        )
        .select_from(a)
        .join(b, sa.and_(b.c.basket == a.c.basket, b.c.product > a.c.product))
        .join(ab, sa.and_(ab.c.first == a.c.product, ab.c.second == b.c.product))
        .join(c, sa.and_(c.c.basket == a.c.basket, c.c.product > b.c.product))
        .join(ac, sa.and_(ac.c.first == a.c.product, ac.c.second == c.c.product))
        .join(bc, sa.and_(bc.c.first == b.c.product, bc.c.second == c.c.product))
        .group_by(a.c.product, b.c.product, c.c.product)
        .having(count >= threshold)
    )


@contextmanager
def frequent_pairs(
    session: Session, baskets: sa.Table, items: sa.Table, threshold: int
) -> Iterator[sa.Table]:
    """`crm_basket_pair (first, second, count)`: the frequent pairs, for the triples' join."""
    table = temporary_table(
        "crm_basket_pair",
        sa.Column("first", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("second", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    with temporary(session, table):
        query = pair_query(baskets, items, threshold)
        session.execute(sa.insert(table).from_select(["first", "second", "count"], query))
        yield table


def count_itemsets(
    session: Session,
    scope: scopes.Scope,
    *,
    by: str = "purchase",
    size: int = 2,
    min_support: float,
) -> Counts:
    """Count the frequent products, pairs and (size 3) triples in the database."""
    if size not in SIZES:
        raise InvalidInput(f"basket size must be 2 or 3, not {size}")
    with basket_table(session, scope, by) as baskets:
        total = count_baskets(session, baskets)
        threshold = min_count(min_support, total)
        with frequent_items(session, baskets, threshold) as items:
            singles = {p: n for p, n in session.execute(select(items.c.product, items.c.count))}
            if size == 2:
                found = session.execute(pair_query(baskets, items, threshold))
                pairs = {(x, y): n for x, y, n in found}
                return Counts(total, threshold, singles, pairs)
            with frequent_pairs(session, baskets, items, threshold) as pair_table:
                pairs = {
                    (x, y): n
                    for x, y, n in session.execute(
                        select(pair_table.c.first, pair_table.c.second, pair_table.c.count)
                    )
                }
                found = session.execute(_triples(baskets, pair_table, threshold))
                triples = {(x, y, z): n for x, y, z, n in found}
    return Counts(total, threshold, singles, pairs, triples)
