"""Basket rules counted in SQL against efficient-apriori on the same baskets, their edge
cases, `often_bought_with`, and cross-sell against a computation written here.

The data is generated with a seed and written through the services; the reference baskets
are built from what the generator meant to write, not read back from the database.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import pytest
from efficient_apriori import apriori

from crmcli.analytics import basket as baskets
from crmcli.analytics import cross_sell, itemsets
from crmcli.analytics.scope import scope
from crmcli.entities import refs
from crmcli.kernel.errors import InvalidInput
from crmcli.services import customers, products, purchases
from crmcli.services.products import ProductChanges
from crmcli.services.purchases import Line
from crmcli.store.db import Store, open_store
from tests.conftest import CONFIG_ENV_VARS

START = datetime(2024, 1, 1, tzinfo=UTC)
CUT = datetime(2024, 7, 1, tzinfo=UTC)
SKUS = [f"SKU{i:02d}" for i in range(30)]
BUNDLES = [("SKU03", "SKU07"), ("SKU11", "SKU12", "SKU19"), ("SKU05", "SKU22"), ("SKU25", "SKU26")]


@dataclass
class Made:
    """What the generator wrote: each purchase's customer, time, channel and SKUs."""

    customer: int  # the customer's id
    at: datetime
    channel: str
    skus: list[str]
    refunded_by: int | None = None  # id of the refund purchase, when refunded


@dataclass
class Data:
    purchases: dict[int, Made]  # kept purchases (no refunds) by id
    vip: set[int]  # customer ids tagged vip
    customers: dict[int, str]  # id -> name
    store: Store | None = None  # the test's own copy of the database


def _generate(store, *, seed: int = 7, n_customers: int = 60, n_purchases: int = 360) -> Data:
    """Purchases with real co-occurrence (bundles, and customer tastes) plus noise: popular
    products drawn at random, sometimes the same product twice in one purchase."""
    rng = random.Random(seed)
    weights = [1 / (rank + 2) for rank in range(len(SKUS))]
    made: dict[int, Made] = {}
    with store.write() as s:
        for i, sku in enumerate(SKUS):
            products.add(s, f"Product {i}", sku=sku, price=str(5 + i))
        ids: dict[int, str] = {}
        vip: set[int] = set()
        for n in range(n_customers):
            tags = ["vip"] if n % 4 == 0 else []
            person = customers.add(s, f"Customer {n:03d}", tags=tags)
            ids[person.id] = person.name
            if tags:
                vip.add(person.id)
        people = sorted(ids)
        taste = {c: rng.choice(BUNDLES) for c in people}
        for _ in range(n_purchases):
            customer = rng.choice(people)
            lines = rng.choices(SKUS, weights=weights, k=rng.randint(1, 3))
            roll = rng.random()
            if roll < 0.3:
                lines += rng.choice(BUNDLES)
            elif roll < 0.5:
                lines.append(rng.choice(taste[customer]))
            at = START + timedelta(hours=rng.randrange(365 * 24))
            channel = rng.choice(("web", "store"))
            bought = purchases.record(
                s, customer, lines=[Line(product=sku) for sku in lines], at=at, channel=channel
            )
            made[bought.id] = Made(customer, at, channel, lines)
        # Refund a few purchases in whole: the refunds are purchases with the same lines.
        for purchase_id in sorted(made)[::37]:
            refund = purchases.refund(s, str(purchase_id), at=made[purchase_id].at)
            made[purchase_id].refunded_by = refund.id
        # A purchase without lines (a bare amount) is not a basket.
        purchases.record(s, people[0], amount="10", at=START)
    return Data(made, vip, ids)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Data]:
    """The data set, written once per module (as the test environment would write it)."""
    folder = tmp_path_factory.mktemp("baskets")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CRM_USER", "tester")
        env.setenv("XDG_CONFIG_HOME", str(folder / "config"))
        env.setenv("XDG_DATA_HOME", str(folder / "data"))
        env.setenv("HOME", str(folder / "home"))
        env.setenv("TZ", "UTC")
        for name in CONFIG_ENV_VARS:
            env.delenv(name, raising=False)
        store = open_store(str(folder / "crm.db"))
        try:
            made = _generate(store)
        finally:
            store.dispose()
    return folder / "crm.db", made


@pytest.fixture
def data(generated: tuple[Path, Data], db_path: Path) -> Iterator[Data]:
    """A copy of the generated database for one test (some tests write to it)."""
    source, made = generated
    shutil.copyfile(source, db_path)
    store = open_store(str(db_path))
    yield replace(made, store=store)
    store.dispose()


def _baskets(data: Data, by: str, keep=lambda m: True) -> list[tuple[str, ...]]:
    """The reference baskets: distinct SKUs per purchase, or per customer."""
    grouped: dict[int, set[str]] = {}
    for purchase_id, m in data.purchases.items():
        if keep(m):
            key = purchase_id if by == "purchase" else m.customer
            grouped.setdefault(key, set()).update(m.skus)
    return [tuple(sorted(skus)) for _, skus in sorted(grouped.items())]


def _reference(transactions, size, min_support, min_confidence, min_lift) -> dict:
    """efficient-apriori's rules with one consequent over itemsets of exactly `size`."""
    _, rules = apriori(
        transactions, min_support=min_support, min_confidence=min_confidence, max_length=size
    )
    return {
        (tuple(sorted(r.lhs)), r.rhs[0]): (r.count_full, r.support, r.confidence, r.lift)
        for r in rules
        if len(r.rhs) == 1 and len(r.lhs) == size - 1 and r.lift >= min_lift
    }


def _ours(result: baskets.Baskets) -> dict:
    return {
        (tuple(sorted(i.sku for i in r.antecedent)), r.consequent.sku): (
            r.count,
            r.support,
            r.confidence,
            r.lift,
        )
        for r in result.rules
    }


def _assert_same(ours: dict, reference: dict) -> None:
    assert ours.keys() == reference.keys()
    for key, (count, support, confidence, lift) in reference.items():
        got = ours[key]
        assert got[0] == count, key
        assert got[1:] == pytest.approx((support, confidence, lift), rel=1e-12), key


THRESHOLDS = [
    # (min_support, min_confidence, min_lift)
    (0.01, 0.0, 0.0),
    (0.02, 0.3, 0.0),
    (0.03, 0.5, 1.5),
    (0.005, 0.0, 2.0),
    (0.05, 0.1, 1.0),
]


@pytest.mark.parametrize("by", ["purchase", "customer"])
@pytest.mark.parametrize("size", [2, 3])
def test_rules_equal_efficient_apriori(data: Data, by: str, size: int) -> None:
    store = data.store
    transactions = _baskets(data, by)
    seen_rules = 0
    for min_support, min_confidence, min_lift in THRESHOLDS:
        if by == "customer":  # customer baskets are big: every pair is common
            min_support = min(1.0, min_support * 10)
        with store.read() as s:
            result = baskets.basket(
                s,
                scope(),
                by=by,
                size=size,
                min_support=min_support,
                min_confidence=min_confidence,
                min_lift=min_lift,
            )
        assert result.baskets == len(transactions)
        reference = _reference(transactions, size, min_support, min_confidence, min_lift)
        _assert_same(_ours(result), reference)
        seen_rules += len(reference)
    assert seen_rules > 20  # the comparison was not of empty sets


def test_support_threshold_on_the_edge_agrees(data: Data) -> None:
    store = data.store
    """min_support exactly count / baskets for some pair: counted as apriori does."""
    transactions = _baskets(data, "purchase")
    pairs = Counter(p for t in transactions for p in combinations(t, 2))
    edge = sorted(pairs.values())[-5] / len(transactions)
    with store.read() as s:
        result = baskets.basket(s, scope(), min_support=edge)
    reference = _reference(transactions, 2, edge, 0.0, 0.0)
    assert reference
    _assert_same(_ours(result), reference)
    assert min(r.count for r in result.rules) == sorted(pairs.values())[-5]


@pytest.mark.parametrize(
    ("min_support", "total", "expected"),
    [(0.07, 100, 7), (0.1, 30, 3), (0.29, 100, 29), (0.5, 3, 2), (1.0, 7, 7), (1e-9, 10, 1)],
)
def test_min_count_compares_as_apriori_does(min_support: float, total: int, expected: int):
    """min_support x baskets can land a hair above a whole number (0.07 x 100 is
    7.000000000000001): the threshold is the fewest baskets with count / total >= it."""
    assert itemsets.min_count(min_support, total) == expected
    assert expected / total >= min_support > (expected - 1) / total


def test_order_is_lift_then_count(data: Data) -> None:
    store = data.store
    with store.read() as s:
        rules = baskets.basket(s, scope(), min_support=0.01).rules
    keys = [(-r.lift, -r.count) for r in rules]
    assert keys == sorted(keys)
    # Both directions of a pair have the same lift, so they sit side by side.
    first, second = rules[0], rules[1]
    assert (first.antecedent[0], first.consequent) == (second.consequent, second.antecedent[0])
    assert first.lift == second.lift


def test_limit_and_records(data: Data) -> None:
    store = data.store
    with store.read() as s:
        everything = baskets.basket(s, scope(), min_support=0.01)
        top = baskets.basket(s, scope(), min_support=0.01, limit=3)
    assert top.rules == everything.rules[:3]
    record = top.records()[0]
    rule = top.rules[0]
    assert record == {
        "antecedent_ids": [rule.antecedent[0].id],
        "antecedent": [rule.antecedent[0].sku],
        "antecedent_names": [rule.antecedent[0].name],
        "consequent_id": rule.consequent.id,
        "consequent": rule.consequent.sku,
        "consequent_name": rule.consequent.name,
        "count": rule.count,
        "support": rule.support,
        "confidence": rule.confidence,
        "lift": rule.lift,
    }


def test_as_of_cut(data: Data) -> None:
    store = data.store
    """Purchases after the as-of time do not exist yet."""
    transactions = _baskets(data, "purchase", keep=lambda m: m.at <= CUT)
    with store.read() as s:
        result = baskets.basket(s, scope(as_of=CUT), min_support=0.01)
    assert result.baskets == len(transactions) < len(data.purchases)
    _assert_same(_ours(result), _reference(transactions, 2, 0.01, 0.0, 0.0))


def test_scope_filters(data: Data) -> None:
    store = data.store
    """Customer terms and purchase terms both restrict the baskets."""
    vip = _baskets(data, "purchase", keep=lambda m: m.customer in data.vip)
    store_channel = _baskets(data, "purchase", keep=lambda m: m.channel == "store")
    with store.read() as s:
        by_tag = baskets.basket(s, scope(["tag:vip"]), min_support=0.02)
        by_channel = baskets.basket(s, scope(["channel:store"]), min_support=0.02)
        both = baskets.basket(s, scope(["tag:vip", "channel:store"]), size=3, min_support=0.02)
    assert by_tag.baskets == len(vip) < len(data.purchases)
    _assert_same(_ours(by_tag), _reference(vip, 2, 0.02, 0.0, 0.0))
    _assert_same(_ours(by_channel), _reference(store_channel, 2, 0.02, 0.0, 0.0))
    vip_store = _baskets(
        data, "purchase", keep=lambda m: m.customer in data.vip and m.channel == "store"
    )
    _assert_same(_ours(both), _reference(vip_store, 3, 0.02, 0.0, 0.0))


def test_deleted_customers_are_left_out(data: Data) -> None:
    store = data.store
    gone = min(data.customers)
    with store.write() as s:
        customers.remove(s, str(gone))
    transactions = _baskets(data, "purchase", keep=lambda m: m.customer != gone)
    with store.read() as s:
        result = baskets.basket(s, scope(), min_support=0.01)
    assert result.baskets == len(transactions)
    _assert_same(_ours(result), _reference(transactions, 2, 0.01, 0.0, 0.0))


# -- small databases -------------------------------------------------------------------------


def _shop(store, *skus: str) -> None:
    with store.write() as s:
        for sku in skus:
            products.add(s, f"Product {sku}", sku=sku, price="1")
        customers.add(s, "Ada")
        customers.add(s, "Bob")


def _buy(store, customer: str, *skus: str, at: datetime = START) -> int:
    with store.write() as s:
        lines = [Line(product=sku) for sku in skus]
        return purchases.record(s, customer, lines=lines, at=at).id


def _pairs(store, **options) -> dict:
    with store.read() as s:
        result = baskets.basket(s, scope(), **options)
    return {(r.antecedent[0].sku, r.consequent.sku): (r.count, r.confidence) for r in result.rules}


def test_empty_database(store) -> None:
    with store.read() as s:
        result = baskets.basket(s, scope(), size=3)
        assert cross_sell.cross_sell(s, scope()) == []
    assert (result.baskets, result.rules) == (0, [])


def test_one_purchase(store) -> None:
    _shop(store, "A", "B", "C")
    _buy(store, "Ada", "A", "B")
    with store.read() as s:
        result = baskets.basket(s, scope(), min_support=1.0)
        assert baskets.basket(s, scope(), size=3, min_support=0.5).rules == []
    assert result.baskets == 1
    assert [(r.antecedent[0].sku, r.consequent.sku) for r in result.rules] == [
        ("A", "B"),
        ("B", "A"),
    ]
    assert {(r.count, r.support, r.confidence, r.lift) for r in result.rules} == {(1, 1, 1, 1)}


def test_a_product_twice_in_a_basket_counts_once(store) -> None:
    _shop(store, "A", "B")
    _buy(store, "Ada", "A", "A", "B")
    _buy(store, "Ada", "A")
    assert _pairs(store, min_support=0.5) == {("A", "B"): (1, 0.5), ("B", "A"): (1, 1.0)}
    with store.read() as s:
        by_customer = baskets.basket(s, scope(), by="customer", min_support=0.5)
    assert by_customer.baskets == 1
    assert {r.count for r in by_customer.rules} == {1}


def test_refunds_and_bare_amounts_are_not_baskets(store) -> None:
    _shop(store, "A", "B", "C")
    first = _buy(store, "Ada", "A", "B")
    _buy(store, "Bob", "A", "C")
    before = _pairs(store, min_support=0.1)
    with store.write() as s:
        purchases.refund(s, str(first))  # a purchase of its own with lines A, B
        purchases.record(s, "Bob", amount="12")
    assert _pairs(store, min_support=0.1) == before
    with store.read() as s:
        assert baskets.basket(s, scope(), min_support=0.1).baskets == 2


def test_bad_arguments(store) -> None:
    with store.read() as s:
        for options, words in [
            ({"size": 4}, "size must be 2 or 3"),
            ({"by": "week"}, "use purchase or customer"),
            ({"min_support": 0}, "min support"),
            ({"min_support": 1.5}, "min support"),
            ({"min_confidence": -0.1}, "min confidence"),
            ({"min_lift": -1}, "min lift"),
        ]:
            with pytest.raises(InvalidInput, match=words):
                baskets.basket(s, scope(), **options)
        with pytest.raises(InvalidInput, match="top must be at least 1"):
            cross_sell.cross_sell(s, scope(), top=0)
        with pytest.raises(InvalidInput, match="limit cannot be negative"):
            baskets.basket(s, scope(), limit=-1)
        with pytest.raises(InvalidInput, match="limit must be at least 1"):
            baskets.often_bought_with(s, 1, limit=0)
        with pytest.raises(InvalidInput, match="unknown field 'colour'"):
            baskets.basket(s, scope(["colour:red"]))
        # The refused filter left no temporary table behind in the session.
        assert baskets.basket(s, scope()).baskets == 0


def test_temporary_tables_are_dropped(store) -> None:
    """Two reports in one session: each leaves no table behind for the next."""
    _shop(store, "A", "B")
    _buy(store, "Ada", "A", "B")
    with store.read() as s:
        baskets.basket(s, scope(), size=3, min_support=0.5)
        baskets.basket(s, scope(), size=3, min_support=0.5)
        cross_sell.cross_sell(s, scope(), min_support=0.5)
        assert baskets.basket(s, scope(), min_support=0.5).baskets == 1


# -- often bought with -----------------------------------------------------------------------


def test_often_bought_with(store) -> None:
    _shop(store, "A", "B", "C", "D", "E")
    for skus in [("A", "B"), ("A", "B", "C"), ("A", "C", "C"), ("A", "B"), ("A",), ("D", "C")]:
        _buy(store, "Ada", *skus)
    refunded = _buy(store, "Bob", "A", "D", "E")
    with store.write() as s:
        purchases.refund(s, str(refunded))
        products.remove(s, "E")
    with store.read() as s:
        product_a = refs.product_by_sku(s, "A").id
        found = baskets.often_bought_with(s, product_a)
        top = baskets.often_bought_with(s, product_a, limit=1)
        assert baskets.often_bought_with(s, 10_000) == []
    # Bob's purchase counts (it was refunded, but the purchase happened); its refund does not.
    # A is in 6 purchases: with B 3 times, C twice (once on two lines), D once; E is deleted.
    assert [(t.item.sku, t.count, t.confidence) for t in found] == [
        ("B", 3, 3 / 6),
        ("C", 2, 2 / 6),
        ("D", 1, 1 / 6),
    ]
    assert top == found[:1]
    assert found[0].record() == {
        "product_id": found[0].item.id,
        "product": "B",
        "name": "Product B",
        "count": 3,
        "confidence": 0.5,
    }


# -- cross-sell ------------------------------------------------------------------------------


def _cross_sell_reference(
    data: Data, inactive: set[str], min_support: float, top: int, chosen: set[int]
) -> list[tuple[int, str, str, float]]:
    """(customer id, product, because, score) computed from the generated purchases."""
    history: dict[int, set[str]] = {}
    for m in data.purchases.values():
        history.setdefault(m.customer, set()).update(m.skus)
    total = len(history)
    singles = Counter(sku for skus in history.values() for sku in skus)
    pairs = Counter(p for skus in history.values() for p in combinations(sorted(skus), 2))
    rules = []
    for (x, y), n in pairs.items():
        if n / total < min_support:
            continue
        for a, p in ((x, y), (y, x)):
            confidence = n / singles[a]
            lift = n * total / (singles[a] * singles[p])
            if lift > 1 and p not in inactive:
                rules.append((a, p, n, confidence, lift))
    rules.sort(key=lambda r: (-r[3], -r[4], -r[2], r[0], r[1]))
    rows = []
    for customer in sorted(chosen, key=lambda c: (data.customers[c], c)):
        owned = history.get(customer, set())
        best: dict[str, tuple] = {}
        for rule in rules:  # best first: the first rule that reaches a product wins
            a, p = rule[0], rule[1]
            if a in owned and p not in owned and p not in best:
                best[p] = rule
        picked = sorted(best.values(), key=lambda r: rules.index(r))[:top]
        rows += [(customer, r[1], r[0], r[3]) for r in picked]
    return rows


def _as_rows(found: list[cross_sell.Suggestion]) -> list[tuple[int, str, str, float]]:
    return [(x.customer_id, x.product.sku, x.because.sku, x.score) for x in found]


def test_cross_sell_equals_an_independent_computation(data: Data) -> None:
    store = data.store
    with store.write() as s:
        products.remove(s, "SKU07")  # deleted and inactive products are never offered
        products.edit(s, "SKU12", ProductChanges(active=False))
    with store.read() as s:
        found = cross_sell.cross_sell(s, scope(), top=3, min_support=0.05)
        one = cross_sell.cross_sell(s, scope(["tag:vip"]), top=2, min_support=0.05)
    expected = _cross_sell_reference(data, {"SKU07", "SKU12"}, 0.05, 3, set(data.customers))
    assert len(expected) > 50
    got = _as_rows(found)
    assert [row[:3] for row in got] == [row[:3] for row in expected]
    assert [row[3] for row in got] == pytest.approx([row[3] for row in expected], rel=1e-12)
    # A customer scope picks who gets suggestions; the rules are still learnt from everyone.
    vip = _cross_sell_reference(data, {"SKU07", "SKU12"}, 0.05, 2, data.vip)
    assert [row[:3] for row in _as_rows(one)] == [row[:3] for row in vip]
    assert {x.customer_id for x in one} <= data.vip
    record = found[0].record()
    assert set(record) == {
        "customer_id",
        "customer",
        "product_id",
        "product",
        "name",
        "score",
        "lift",
        "because_id",
        "because",
        "because_name",
    }
    assert record["customer"] == data.customers[record["customer_id"]]


def test_cross_sell_never_offers_what_was_bought(store) -> None:
    _shop(store, "A", "B", "C")
    _buy(store, "Ada", "A", "B")
    _buy(store, "Bob", "A")
    _buy(store, "Bob", "C")
    with store.read() as s:
        offers = cross_sell.cross_sell(s, scope(), by="purchase", min_support=0.1)
    # By purchase: A -> B has confidence 1/2, lift (1 * 3) / (2 * 1) = 1.5. Bob is offered B
    # because of A; Ada has both and is offered nothing (C -> nothing, lift of A -> C = 0).
    assert [(x.customer, x.product.sku, x.because.sku, x.score) for x in offers] == [
        ("Bob", "B", "A", 0.5)
    ]
    assert offers[0].lift == 1.5


def test_cross_sell_needs_a_lift_above_one(store) -> None:
    _shop(store, "A", "B", "C", "D")
    with store.write() as s:
        customers.add(s, "Cy")
    _buy(store, "Ada", "A", "B")
    _buy(store, "Bob", "A")
    _buy(store, "Bob", "C")
    _buy(store, "Cy", "B")
    _buy(store, "Cy", "B", "D")
    with store.read() as s:
        offers = cross_sell.cross_sell(s, scope(), by="purchase", min_support=0.1)
    # Five baskets; A in 2, B in 3, D in 1. A -> B: lift 1 * 5 / (2 * 3) < 1, so Bob (who has
    # A) is not offered B. B -> D: confidence 1/3, lift 5/3: Ada (who has B) is offered D.
    assert [(x.customer, x.product.sku, x.because.sku, x.score) for x in offers] == [
        ("Ada", "D", "B", 1 / 3)
    ]
