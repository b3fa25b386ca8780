"""A seeded, generated CRM for the analytics tests, and its rows read back with sqlite3.

`fill(path, seed)` writes a few hundred customers through the services (products,
purchases with lines and bare amounts, whole and partial refunds, several currencies,
same-day orders, purchases after the as-of time, deleted customers, interactions).
`read_back(path)` reads what was stored with the standard library's sqlite3 only, so the
tests' expected figures are computed from plain rows, independently of crmcli's queries.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CONFIG_ENV_VARS

#: The reports are asked about this moment; a few purchases come after it.
AS_OF = datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)
START = datetime(2024, 1, 1, 9, tzinfo=UTC)
CURRENCIES = ("EUR", "USD", "JPY")
PURCHASE_CHANNELS = ("web", "store", "phone", "email", "field")
CONTACT_CHANNELS = ("email", "call", "meeting", "sms", "note")

#: (sku, name, category, price, cost or None, currency)
PRODUCTS = (
    ("EU-CD", "CD", "music", "14.50", "9.10", "EUR"),
    ("EU-LP", "LP", "music", "29.99", None, "EUR"),
    ("EU-BOOK", "Book", "books", "12", "7.25", "EUR"),
    ("US-CD", "CD (US)", "music", "15.99", "8.40", "USD"),
    ("US-TEE", "T-shirt", None, "20", None, "USD"),
    ("JP-CD", "CD (JP)", "music", "2400", "1300", "JPY"),
)


def fill(path: Path, seed: int = 7, customers: int = 240) -> None:
    """Write the generated CRM into the (migrated) database at `path`."""
    from crmcli.kernel import money
    from crmcli.services import companies, interactions, products, purchases
    from crmcli.services import customers as people
    from crmcli.store.db import open_store

    rnd = random.Random(seed)
    store = open_store(str(path))
    try:
        with store.write() as session:
            acme = companies.add(session, "Acme")
            globex = companies.add(session, "Globex")
            for sku, name, category, price, cost, currency in PRODUCTS:
                products.add(
                    session,
                    name,
                    sku=sku,
                    price=price,
                    cost=cost,
                    currency=currency,
                    category=category,
                )
            skus = {c: [p[0] for p in PRODUCTS if p[5] == c] for c in CURRENCIES}
            for i in range(customers):
                company = rnd.choice([acme.name, globex.name, None])
                person = people.add(
                    session,
                    f"Customer {i:03d}",
                    tags=["vip"] if i % 7 == 0 else [],
                    owner=rnd.choice(["alice", "bob", None]),
                    company=company,
                )
                ref = str(person.id)
                home = rnd.choices(CURRENCIES, weights=(6, 3, 1))[0]
                first = START + timedelta(days=rnd.randrange(0, 880), hours=rnd.randrange(10))
                bought = []
                for _ in range(rnd.choice([0, 1, 1, 1, 2, 3, 5, 8])):
                    currency = home if rnd.random() < 0.85 else rnd.choice(CURRENCIES)
                    at = first + timedelta(days=rnd.choice([0, 0, 3, 20, 45, 90, 200]))
                    first = at  # the next one on or after it
                    channel = rnd.choice(PURCHASE_CHANNELS)
                    if rnd.random() < 0.6:
                        lines = [
                            purchases.Line(rnd.choice(skus[currency]), quantity=rnd.randint(1, 3))
                            for _ in range(rnd.randint(1, 3))
                        ]
                        made = purchases.record(session, ref, lines=lines, at=at, channel=channel)
                    else:
                        amount = rnd.choice(["0", "5", "19.90", "120", "999.99"])
                        if currency == "JPY":
                            amount = rnd.choice(["0", "500", "12000"])
                        cost = rnd.choice([None, "0", "3"])
                        made = purchases.record(
                            session,
                            ref,
                            amount=amount,
                            cost=cost,
                            currency=currency,
                            at=at,
                            channel=channel,
                        )
                    bought.append(made)
                for made in bought:
                    roll = rnd.random()
                    if made.amount_minor <= 0 or roll > 0.25:
                        continue
                    later = made.at + timedelta(days=rnd.randint(0, 30))
                    if roll < 0.1:  # in whole
                        purchases.refund(session, str(made.id), at=later)
                    else:  # in part, as a bare amount
                        part = max(1, made.amount_minor // 3)
                        amount = money.to_major(part, made.currency)
                        purchases.refund(session, str(made.id), amount=amount, at=later)
                for _ in range(rnd.choice([0, 0, 1, 2, 4, 7])):
                    at = START + timedelta(days=rnd.randrange(0, 900), hours=rnd.randrange(24))
                    interactions.log(
                        session,
                        ref,
                        rnd.choice(CONTACT_CHANNELS),
                        "contact",
                        at=at,
                        direction=rnd.choice(["in", "out"]),
                    )
                if i % 29 == 5:
                    people.remove(session, ref)
    finally:
        store.dispose()


_BUILT: dict[int, Path] = {}


def generated(tmp_path_factory: pytest.TempPathFactory, seed: int = 7) -> Path:
    """The generated database for `seed`, built once per test process (about 5 s) and
    shared by the analytics tests, which only read it. Built in an environment of its
    own, as every test runs: no config file or setting of the developer's reaches it."""
    if seed not in _BUILT:
        from crmcli.kernel import config
        from crmcli.store.db import open_store

        folder = tmp_path_factory.mktemp(f"analytics-{seed}")
        path = folder / "crm.db"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CRM_DB", str(path))
            mp.setenv("CRM_USER", "tester")
            mp.setenv("HOME", str(folder / "home"))
            mp.setenv("XDG_DATA_HOME", str(folder / "xdg-data"))
            mp.setenv("XDG_CONFIG_HOME", str(folder / "xdg-config"))
            for name in CONFIG_ENV_VARS:
                mp.delenv(name, raising=False)
            config.reload()
            open_store(str(path)).dispose()
            fill(path, seed)
        config.reload()
        _BUILT[seed] = path
    return _BUILT[seed]


@dataclass
class Rows:
    """The stored rows, plain."""

    customers: dict[int, dict] = field(default_factory=dict)
    purchases: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    products: dict[int, dict] = field(default_factory=dict)
    interactions: list[dict] = field(default_factory=list)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def read_back(path: Path) -> Rows:
    """Everything the reports read, with sqlite3 and nothing of crmcli."""
    rows = Rows()
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        tags: dict[int, set[str]] = {}
        for row in db.execute("SELECT entity_id, name FROM tag WHERE entity = 'customer'"):
            tags.setdefault(row["entity_id"], set()).add(row["name"])
        for row in db.execute("SELECT id, name, company_id, owner, deleted_at FROM customer"):
            rows.customers[row["id"]] = {
                **dict(row),
                "deleted": row["deleted_at"] is not None,
                "tags": tags.get(row["id"], set()),
            }
        for row in db.execute(
            "SELECT id, customer_id, at, channel, currency, amount_minor, cost_minor, "
            "refund_of_id FROM purchase"
        ):
            rows.purchases.append({**dict(row), "at": _when(row["at"])})
        for row in db.execute(
            "SELECT purchase_id, product_id, amount_minor, cost_minor, position "
            "FROM purchase_item ORDER BY purchase_id, position"
        ):
            rows.items.append(dict(row))
        for row in db.execute("SELECT id, name, category FROM product"):
            rows.products[row["id"]] = dict(row)
        for row in db.execute(
            "SELECT customer_id, channel, direction, occurred_at FROM interaction"
        ):
            rows.interactions.append({**dict(row), "at": _when(row["occurred_at"])})
    return rows
