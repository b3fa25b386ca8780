"""Times one basket computation inside a fresh process: crm's (SQL) or efficient-apriori's.

    python -m bench.basket_probe DB sql MIN_SUPPORT      -> {"seconds", "cpu", "rules", ...}
    python -m bench.basket_probe DB apriori MIN_SUPPORT  -> the same, plus "load_s"

`sql` times `crmcli.analytics.basket.basket` (pairs over purchase baskets): everything the
report computes, from the purchases to the named, ordered rules. `apriori` first reads the
same baskets (the distinct products of each purchase that is not a refund) with bare
sqlite3, untimed but reported as `load_s`, then times `efficient_apriori.apriori` on them:
the floor is apriori given its baskets for free. Imports and start-up are outside both.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from contextlib import closing

BASKETS = (
    "SELECT i.purchase_id, i.product_id FROM purchase p JOIN purchase_item i"
    " ON i.purchase_id = p.id JOIN customer c ON c.id = p.customer_id"
    " WHERE p.amount_minor >= 0 AND p.refund_of_id IS NULL AND c.deleted_at IS NULL"
)


def _sql(db: str, min_support: float) -> dict:
    from crmcli.analytics import basket
    from crmcli.analytics.scope import scope
    from crmcli.store.db import open_store

    store = open_store(db)
    try:
        with store.read() as session:
            wall, cpu = time.perf_counter(), time.process_time()
            result = basket.basket(session, scope(), by="purchase", min_support=min_support)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        store.dispose()
    return {"seconds": wall, "cpu": cpu, "rules": len(result.rules), "baskets": result.baskets}


def _apriori(db: str, min_support: float) -> dict:
    from efficient_apriori import apriori

    load = time.perf_counter()
    grouped: dict[int, set[int]] = {}
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        for purchase_id, product_id in connection.execute(BASKETS):
            grouped.setdefault(purchase_id, set()).add(product_id)
    transactions = [tuple(products) for products in grouped.values()]
    load = time.perf_counter() - load
    wall, cpu = time.perf_counter(), time.process_time()
    _, rules = apriori(transactions, min_support=min_support, min_confidence=0.0, max_length=2)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "seconds": wall,
        "cpu": cpu,
        "rules": len(rules),
        "baskets": len(transactions),
        "load_s": load,
    }


def main(argv: list[str]) -> int:
    db, mode, min_support = argv[0], argv[1], float(argv[2])
    measure = {"sql": _sql, "apriori": _apriori}[mode]
    print(json.dumps(measure(db, min_support)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
