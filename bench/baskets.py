"""The baskets data set: customers, products and purchases with their lines, for `basket`.

`bench/generate.py` (the NDJSON that `crm import` reads) has no products or purchases yet,
so this module writes them straight into a database made by `crm db upgrade`, with bare
`sqlite3` executemany in one transaction. It is kept apart from the generator on purpose:
once the generator writes products and purchases, `build` can be replaced by the standard
data set of the same size and the basket row (bench/rows.py) left as it is.

Shape: C customers, 10 C purchases (the row builds 10k purchases for 1k customers and 1m
for 100k; `build(100_000)` makes the 100k-purchase set measured by hand),
PRODUCTS products with a skewed popularity, and real co-occurrence: a third of the
purchases contain one of BUNDLES bundles (2 or 3 products bought together), and every
purchase adds 1 to 4 lines drawn by popularity (so a product is sometimes on two lines of
one purchase). One purchase in a hundred is refunded by a purchase of its own (negative
amount and lines), which a basket must leave out. All randomness is one seeded Random.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from bench import datasets

#: Bump when the data changes shape: a cached database of an older version is rebuilt.
BASKETS_VERSION = 1
PRODUCTS = 1_000
BUNDLES = 120
PURCHASES_PER_CUSTOMER = 10
REFUND_EVERY = 100
#: Timestamps as SQLAlchemy stores them in SQLite (naive UTC).
_STAMP = "%Y-%m-%d %H:%M:%S.%f"
ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BasketShape:
    customers: int
    purchases: int
    products: int = PRODUCTS
    bundles: int = BUNDLES

    @classmethod
    def of(cls, purchases: int) -> BasketShape:
        return cls(customers=max(1, purchases // PURCHASES_PER_CUSTOMER), purchases=purchases)


@dataclass
class BasketData:
    label: str
    shape: BasketShape
    db: Path
    lines: int
    refunds: int


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(_STAMP)


def _fill(connection: sqlite3.Connection, shape: BasketShape, seed: int) -> tuple[int, int]:
    """Insert the data set; returns (purchase lines, refunds) written."""
    rng = random.Random(f"crmcli-baskets-{seed}-{shape}")
    now = _stamp(ANCHOR)
    connection.executemany(
        "INSERT INTO customer (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        ((i, f"Customer {i:07d}", now, now) for i in range(1, shape.customers + 1)),
    )
    prices = [rng.randrange(199, 20_000) for _ in range(shape.products)]
    connection.executemany(
        "INSERT INTO product (id, sku, sku_key, name, category, price_minor, currency, active,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'USD', 1, ?, ?)",
        (
            (i, f"P{i:04d}", f"p{i:04d}", f"Product {i}", f"cat{i % 12}", prices[i - 1], now, now)
            for i in range(1, shape.products + 1)
        ),
    )
    products = list(range(1, shape.products + 1))
    popularity = list(accumulate(1.0 / (rank + 8) ** 1.1 for rank in range(shape.products)))
    bundles = [rng.sample(products, rng.choice((2, 2, 3))) for _ in range(shape.bundles)]
    bundle_weights = list(accumulate(1.0 / (rank + 3) for rank in range(shape.bundles)))
    # Customers buy with a skew: a few buy often, most rarely (a square of a uniform draw).
    customer_of = [1 + int(rng.random() ** 2 * shape.customers) for _ in range(shape.purchases)]
    purchases, items = [], []
    item_id = 0
    span = 730 * 86400
    for purchase_id in range(1, shape.purchases + 1):
        lines = rng.choices(products, cum_weights=popularity, k=rng.randint(1, 4))
        if rng.random() < 0.35:
            lines += rng.choices(bundles, cum_weights=bundle_weights)[0]
        at = ANCHOR - timedelta(seconds=rng.randrange(span))
        total = 0
        for position, product in enumerate(lines):
            item_id += 1
            total += prices[product - 1]
            items.append((item_id, purchase_id, product, 1, prices[product - 1], position))
        stamp = _stamp(at)
        purchases.append(
            (purchase_id, customer_of[purchase_id - 1], stamp, total, len(lines), None, stamp)
        )
    # Refunds: a purchase of their own after every hundredth purchase, lines negated.
    next_id = shape.purchases
    by_purchase: dict[int, list[tuple]] = {}
    for item in items:
        if item[1] % REFUND_EVERY == 0:
            by_purchase.setdefault(item[1], []).append(item)
    refunds = len(by_purchase)
    for original, lines_of in by_purchase.items():
        next_id += 1
        customer, at = purchases[original - 1][1], purchases[original - 1][2]
        total = sum(line[4] for line in lines_of)
        purchases.append((next_id, customer, at, -total, -len(lines_of), original, at))
        for line in lines_of:
            item_id += 1
            items.append((item_id, next_id, line[2], -1, -line[4], line[5]))
    connection.executemany(
        "INSERT INTO purchase (id, customer_id, at, channel, currency, amount_minor, quantity,"
        " refund_of_id, created_at) VALUES (?, ?, ?, 'web', 'USD', ?, ?, ?, ?)",
        purchases,
    )
    connection.executemany(
        "INSERT INTO purchase_item (id, purchase_id, product_id, quantity, amount_minor,"
        " position) VALUES (?, ?, ?, ?, ?, ?)",
        items,
    )
    return len(items), refunds


def label_of(purchases: int) -> str:
    """10k, 1m: a file name's count of purchases."""
    for unit, size in (("m", 1_000_000), ("k", 1_000)):
        if purchases >= size and purchases % size == 0:
            return f"{purchases // size}{unit}"
    return str(purchases)


def build(purchases: int, *, fresh: bool = False, seed: int = 1) -> BasketData:
    """The baskets database of `purchases` purchases (`bench/data/baskets-10k.db` for 10,000),
    from the cache or written now."""
    shape = BasketShape.of(purchases)
    label = label_of(purchases)
    datasets.DATA.mkdir(parents=True, exist_ok=True)
    db = datasets.DATA / f"baskets-{label}.db"
    meta_path = db.with_suffix(".json")
    meta: dict | None = None
    if not fresh and db.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("version") != BASKETS_VERSION or meta.get("shape") != asdict(shape):
            meta = None
    if meta is None:
        datasets.log(f"baskets {label}: writing {purchases:,} purchases ...")
        start = time.perf_counter()
        datasets.remove_db(db)
        datasets.upgrade(db)
        with closing(sqlite3.connect(db, isolation_level=None)) as connection:
            connection.execute("BEGIN")
            lines, refunds = _fill(connection, shape, seed)
            connection.execute("COMMIT")
        meta = {"version": BASKETS_VERSION, "shape": asdict(shape), "lines": lines}
        meta["refunds"] = refunds
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        datasets.log(f"baskets {label}: {lines:,} lines in {time.perf_counter() - start:.1f} s")
    return BasketData(label, shape, db, meta["lines"], meta["refunds"])
