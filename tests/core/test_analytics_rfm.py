"""RFM (crmcli.analytics.rfm): equal to an independent computation over the stored rows,
scoped by filters and --as-of, and sane on the edge cases."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.analytics import rfm
from crmcli.analytics.activity import CustomerActivity, local_days
from crmcli.analytics.figures import scores
from crmcli.analytics.scope import scope
from crmcli.services import customers, purchases
from crmcli.store.db import open_store
from tests.core.analytics_data import AS_OF, Rows, generated, read_back

EXPONENT = {"EUR": 2, "USD": 2, "JPY": 0}


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calendar days in UTC, whatever the machine's zone."""
    monkeypatch.setenv("CRM_TZ", "UTC")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory)


@pytest.fixture(scope="module")
def rows(db: Path) -> Rows:
    return read_back(db)


def report(db: Path, terms: list[str] | None = None, as_of: datetime = AS_OF) -> list[dict]:
    store = open_store(str(db))
    try:
        with store.read() as session:
            return rfm.customers(session, scope(terms or [], as_of))
    finally:
        store.dispose()


def mix(db: Path, terms: list[str] | None = None, as_of: datetime = AS_OF) -> list[dict]:
    store = open_store(str(db))
    try:
        with store.read() as session:
            return rfm.summary(session, scope(terms or [], as_of))
    finally:
        store.dispose()


# --- the independent computation -------------------------------------------------------------


def quintile(values: list[int]) -> list[int]:
    """1-5 by the middle rank of each value among all (ties share it), higher is better."""
    n = len(values)
    found = []
    for v in values:
        below = sum(1 for x in values if x < v)
        same = sum(1 for x in values if x == v)
        middle = Fraction(below) + Fraction(same + 1, 2)
        found.append(int(5 * (middle - Fraction(1, 2)) / n) + 1)
    return found


def grid(r: int, f: int, m: int) -> str:
    """The R x FM grid, written out as the README shows it."""
    fm = -(-(f + m) // 2)  # the mean, a half rounded up
    if r <= 2:
        if fm == 5:
            return "cannot lose"
        if fm >= 3:
            return "at risk"
        return "lost" if (r, fm) == (1, 1) else "hibernating"
    if r == 3:
        return {1: "about to sleep", 2: "about to sleep", 3: "need attention"}.get(fm, "loyal")
    if fm == 1:
        return "promising" if r == 4 else "new"
    if fm <= 3:
        return "potential loyalists"
    return "loyal" if r == 4 else "champions"


def major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-EXPONENT[currency])


def expected(
    rows: Rows,
    as_of: datetime = AS_OF,
    customer: Callable[[dict], bool] = lambda c: True,
    purchase: Callable[[dict], bool] = lambda p: True,
) -> dict[int, dict]:
    kept = {cid for cid, c in rows.customers.items() if not c["deleted"] and customer(c)}
    mine: dict[int, list[dict]] = defaultdict(list)
    for p in rows.purchases:
        if p["customer_id"] in kept and p["at"] <= as_of and purchase(p):
            mine[p["customer_id"]].append(p)
    found: dict[int, dict] = {}
    for cid, theirs in mine.items():
        bought = [p for p in theirs if p["amount_minor"] >= 0]
        if not bought:
            continue
        counts = Counter(p["currency"] for p in bought)
        latest = {c: max(p["at"] for p in bought if p["currency"] == c) for c in counts}
        currency = min(counts, key=lambda c: (-counts[c], -latest[c].timestamp(), c))
        days = sorted({p["at"].date() for p in bought})
        net = sum(p["amount_minor"] for p in theirs if p["currency"] == currency)
        found[cid] = {
            "customer_id": cid,
            "customer": rows.customers[cid]["name"],
            "currency": currency,
            "recency": (as_of.date() - days[-1]).days,
            "frequency": len(days),
            "net": net,
            "first": min(p["at"] for p in bought),
            "last": max(p["at"] for p in bought),
        }
    for currency in {e["currency"] for e in found.values()}:
        group = [e for e in found.values() if e["currency"] == currency]
        for key, values in (
            ("r", [-e["recency"] for e in group]),
            ("f", [e["frequency"] for e in group]),
            ("m", [e["net"] for e in group]),
        ):
            for e, score in zip(group, quintile(values), strict=True):
                e[key] = score
        for e in group:
            e["segment"] = grid(e["r"], e["f"], e["m"])
    return found


def check(got: list[dict], want: dict[int, dict]) -> None:
    assert sorted(r["customer_id"] for r in got) == sorted(want)
    for record in got:
        assert list(record) == list(rfm.FIELDS)
        e = want[record["customer_id"]]
        assert record["customer"] == e["customer"]
        assert record["currency"] == e["currency"]
        assert (record["recency"], record["frequency"]) == (e["recency"], e["frequency"])
        assert Decimal(str(record["monetary"])) == major(e["net"], e["currency"])
        assert (record["r"], record["f"], record["m"]) == (e["r"], e["f"], e["m"])
        assert record["rfm"] == f"{e['r']}{e['f']}{e['m']}"
        assert record["segment"] == e["segment"]
        assert datetime.fromisoformat(record["first_purchase"]) == e["first"]
        assert datetime.fromisoformat(record["last_purchase"]) == e["last"]


# --- against the generated CRM -----------------------------------------------------------------


def test_the_generated_data_has_what_the_rules_are_about(rows: Rows) -> None:
    """Refunds, several currencies per customer, deleted buyers, same-day orders, later ones."""
    assert any(p["amount_minor"] < 0 for p in rows.purchases)
    assert any(p["at"] > AS_OF for p in rows.purchases)
    deleted = {cid for cid, c in rows.customers.items() if c["deleted"]}
    assert any(p["customer_id"] in deleted for p in rows.purchases)
    by_customer: dict[int, set[str]] = defaultdict(set)
    days: Counter[tuple[int, date]] = Counter()
    for p in rows.purchases:
        by_customer[p["customer_id"]].add(p["currency"])
        if p["amount_minor"] >= 0:
            days[(p["customer_id"], p["at"].date())] += 1
    assert any(len(c) > 1 for c in by_customer.values())
    assert any(n > 1 for n in days.values())
    assert len({p["currency"] for p in rows.purchases}) == 3


def test_rfm_equals_an_independent_computation(db: Path, rows: Rows) -> None:
    got = report(db)
    assert len(got) > 150
    check(got, expected(rows))


@pytest.mark.parametrize(
    ("terms", "customer", "purchase"),
    [
        (["tag:vip"], lambda c: "vip" in c["tags"], lambda p: True),
        (["channel:web"], lambda c: True, lambda p: p["channel"] == "web"),
        (
            ["-owner:alice", "channel!=store"],
            lambda c: c["owner"] != "alice",
            lambda p: p["channel"] != "store",
        ),
    ],
    ids=["customer-term", "purchase-term", "both"],
)
def test_filters_split_into_customer_and_purchase_terms(
    db: Path, rows: Rows, terms: list[str], customer: Callable, purchase: Callable
) -> None:
    got = report(db, terms)
    assert got
    check(got, expected(rows, customer=customer, purchase=purchase))


def test_a_purchase_term_on_products_keeps_the_purchases_with_them(db: Path, rows: Rows) -> None:
    music = {pid for pid, p in rows.products.items() if p["category"] == "music"}
    with_music = {i["purchase_id"] for i in rows.items if i["product_id"] in music}
    got = report(db, ["category:music"])
    assert got
    check(got, expected(rows, purchase=lambda p: p["id"] in with_music))


def test_as_of_leaves_out_everything_later(db: Path, rows: Rows) -> None:
    earlier = datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC)
    got = report(db, as_of=earlier)
    check(got, expected(rows, as_of=earlier))
    assert all(datetime.fromisoformat(r["last_purchase"]) <= earlier for r in got)


def test_deleted_customers_are_left_out(db: Path, rows: Rows) -> None:
    deleted = {cid for cid, c in rows.customers.items() if c["deleted"]}
    assert deleted
    assert not deleted & {r["customer_id"] for r in report(db)}


def test_rows_run_by_currency_best_first(db: Path) -> None:
    got = report(db)
    keys = [(r["currency"], r["rfm"]) for r in got]
    currencies = [k[0] for k in keys]
    assert currencies == sorted(currencies)
    for currency in set(currencies):
        codes = [code for cur, code in keys if cur == currency]
        assert codes == sorted(codes, reverse=True)


def test_summary_is_the_customer_mix_of_the_rows(db: Path, rows: Rows) -> None:
    want = expected(rows)
    got = mix(db)
    assert [list(r) for r in got] == [list(rfm.SUMMARY_FIELDS)] * len(got)
    for currency in {e["currency"] for e in want.values()}:
        mine = [e for e in want.values() if e["currency"] == currency]
        total = sum(e["net"] for e in mine)
        lines = [r for r in got if r["currency"] == currency]
        assert [r["segment"] for r in lines] == [
            s for s in rfm.SEGMENTS if any(e["segment"] == s for e in mine)
        ]
        for line in lines:
            members = [e for e in mine if e["segment"] == line["segment"]]
            revenue = sum(e["net"] for e in members)
            assert line["customers"] == len(members)
            assert line["customers_pct"] == pytest.approx(100 * len(members) / len(mine), abs=0.051)
            assert Decimal(str(line["revenue"])) == major(revenue, currency)
            assert line["revenue_pct"] == pytest.approx(100 * revenue / total, abs=0.051)
        assert sum(line["customers"] for line in lines) == len(mine)


# --- edge cases ------------------------------------------------------------------------------


def _buy(store, name: str, *buys: tuple[str, str, datetime]) -> int:
    with store.write() as session:
        person = customers.add(session, name)
        for amount, currency, at in buys:
            purchases.record(session, person.id, amount=amount, currency=currency, at=at)
        return int(person.id)


def test_an_empty_database_gives_no_rows(store) -> None:
    with store.read() as session:
        assert rfm.customers(session, scope([], AS_OF)) == []
        assert rfm.summary(session, scope([], AS_OF)) == []


def test_one_customer_scores_the_middle(store) -> None:
    _buy(store, "Ada", ("10", "EUR", AS_OF - timedelta(days=3)))
    with store.read() as session:
        (only,) = rfm.customers(session, scope([], AS_OF))
        (line,) = rfm.summary(session, scope([], AS_OF))
    assert (only["recency"], only["frequency"], only["monetary"]) == (3, 1, 10)
    assert (only["rfm"], only["segment"]) == ("333", "need attention")
    assert (line["customers_pct"], line["revenue_pct"]) == (100.0, 100.0)


def test_purchases_all_on_one_day_and_zero_amounts(store) -> None:
    day = datetime(2026, 6, 20, 9, tzinfo=UTC)
    for i in range(7):
        _buy(store, f"P{i}", ("0", "USD", day), ("0", "USD", day + timedelta(hours=1)))
    with store.read() as session:
        got = rfm.customers(session, scope([], AS_OF))
        (line,) = rfm.summary(session, scope([], AS_OF))
    assert {(r["frequency"], r["monetary"], r["rfm"]) for r in got} == {(1, 0, "333")}
    assert line["revenue"] == 0
    assert line["revenue_pct"] is None  # a share of nothing


def test_a_customer_is_measured_in_the_currency_bought_most(store) -> None:
    t = AS_OF - timedelta(days=100)
    cid = _buy(
        store,
        "Ada",
        ("10", "EUR", t),
        ("20", "EUR", t + timedelta(days=1)),
        ("5000", "JPY", t + timedelta(days=2)),
    )
    tie = _buy(store, "Bob", ("10", "EUR", t), ("7", "USD", t + timedelta(days=5)))
    with store.write() as session:
        original = purchases.record(session, cid, amount="30", currency="EUR", at=t)
        purchases.refund(session, str(original.id), amount="12", at=t + timedelta(days=3))
    with store.read() as session:
        got = {r["customer_id"]: r for r in rfm.customers(session, scope([], AS_OF))}
    # Frequency and recency count every purchase day; money is the EUR net, refund off.
    assert (got[cid]["currency"], got[cid]["monetary"]) == ("EUR", 48)
    assert (got[cid]["frequency"], got[cid]["recency"]) == (3, 98)
    # One purchase each: the latest one's currency wins.
    assert (got[tie]["currency"], got[tie]["monetary"]) == ("USD", 7)


def test_purchase_days_are_days_of_the_users_zone(store, monkeypatch) -> None:
    """23:30 and 00:30 UTC are one day in Tokyo (08:30, 09:30) and two in UTC."""
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    _buy(store, "Ada", ("1", "EUR", late), ("1", "EUR", late + timedelta(hours=1)))
    with store.read() as session:
        assert rfm.customers(session, scope([], AS_OF))[0]["frequency"] == 2
        monkeypatch.setenv("CRM_TZ", "Asia/Tokyo")
        assert rfm.customers(session, scope([], AS_OF))[0]["frequency"] == 1


# --- properties ------------------------------------------------------------------------------


@given(st.lists(st.integers(-5, 5), max_size=60))
def test_scores_are_rank_tiles(values: list[int]) -> None:
    got = scores(values)
    assert got == quintile(values)
    assert all(1 <= s <= 5 for s in got)
    for a, sa in zip(values, got, strict=True):
        for b, sb in zip(values, got, strict=True):
            if a < b:
                assert sa <= sb
            if a == b:
                assert sa == sb


@given(st.integers(5, 300))
def test_distinct_values_fill_the_tiles_evenly(n: int) -> None:
    counts = Counter(scores(list(range(n))))
    assert sorted(counts) == [1, 2, 3, 4, 5]
    assert max(counts.values()) - min(counts.values()) <= 1


activity = st.builds(
    lambda cid, currency, day_offsets, net: CustomerActivity(
        customer_id=cid,
        name=f"C{cid}",
        currency=currency,
        days=sorted({date(2026, 1, 1) + timedelta(days=d) for d in day_offsets}),
        first=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=min(day_offsets)),
        last=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=max(day_offsets)),
        purchases=len(day_offsets),
        net=net,
    ),
    st.integers(1, 10**6),
    st.sampled_from(["EUR", "USD", "JPY"]),
    st.lists(st.integers(0, 150), min_size=1, max_size=6),
    st.integers(-(10**6), 10**9),
)


@settings(max_examples=60)
@given(st.lists(activity, max_size=40, unique_by=lambda a: a.customer_id))
def test_any_customers_get_valid_scores_and_segments(customers_: list[CustomerActivity]) -> None:
    chosen = scope([], datetime(2026, 6, 1, tzinfo=UTC))
    got = rfm.score(customers_, chosen)
    assert len(got) == len(customers_)
    for one in got:
        assert {one.r, one.f, one.m} <= {1, 2, 3, 4, 5}
        assert one.segment == grid(one.r, one.f, one.m)
        assert one.recency >= 0
    assert sum(line["customers"] for line in rfm.mix(got)) == len(customers_)


@settings(max_examples=200)
@given(
    st.datetimes(datetime(1900, 1, 2), datetime(2100, 1, 1)),
    st.sampled_from(["Europe/Paris", "Australia/Lord_Howe", "America/St_Johns", "Asia/Kathmandu"]),
)
def test_purchase_days_match_the_zone_exactly(moment: datetime, name: str) -> None:
    """The offset looked up once per UTC day gives the day a full conversion gives."""
    from dateutil import tz

    zone = tz.gettz(name)
    instant = moment.replace(tzinfo=UTC)
    assert local_days(zone)(instant) == instant.astimezone(zone).date()
