"""Profit (crmcli.analytics.profit): every grouping equal to an independent computation over
the stored rows; costs to serve, unknown costs, refunds and currencies as documented."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.analytics import profit
from crmcli.analytics.scope import scope
from crmcli.kernel import config
from crmcli.kernel.errors import InvalidInput
from crmcli.services import customers, interactions, products, purchases
from crmcli.store.db import open_store
from tests.core.analytics_data import AS_OF, Rows, generated, read_back
from tests.core.test_analytics_rfm import expected as expected_rfm

EXPONENT = {"EUR": 2, "USD": 2, "JPY": 0}
#: What one interaction costs, in EUR (the documented defaults).
PRICES = {"email": "0.5", "call": "5", "meeting": "50", "sms": "0.1", "note": "0"}


@pytest.fixture(autouse=True)
def settings_(monkeypatch: pytest.MonkeyPatch) -> None:
    """UTC days, and EUR as the default currency (the currency of the cost to serve)."""
    monkeypatch.setenv("CRM_TZ", "UTC")
    monkeypatch.setenv("CRM_CURRENCY", "EUR")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory)


@pytest.fixture(scope="module")
def rows(db: Path) -> Rows:
    return read_back(db)


def report(db: Path, by: str = "customer", terms: tuple[str, ...] = (), **options) -> list[dict]:
    store = open_store(str(db))
    try:
        with store.read() as session:
            return profit.profit(session, scope(list(terms), AS_OF), by, **options)
    finally:
        store.dispose()


# --- the independent computation -------------------------------------------------------------


def half_up(value: Fraction) -> int:
    return int(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    size = abs(total)
    shares = [Fraction(size * w, sum(weights)) for w in weights]
    parts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in order[: size - sum(parts)]:
        parts[i] += 1
    return [p if total >= 0 else -p for p in parts]


def sale_lines(rows: Rows, as_of: datetime = AS_OF) -> list[dict]:
    """Every line sold or refunded in scope: customer, currency, channel, product, amount,
    cost (None: unknown). A refund of a bare amount takes its cost and products from the
    purchase it refunds, in proportion."""
    items: dict[int, list[dict]] = defaultdict(list)
    for item in rows.items:
        items[item["purchase_id"]].append(item)
    by_id = {p["id"]: p for p in rows.purchases}
    found = []
    for p in rows.purchases:
        if rows.customers[p["customer_id"]]["deleted"] or p["at"] > as_of:
            continue
        base = {"customer": p["customer_id"], "currency": p["currency"], "channel": p["channel"]}
        parts: list[tuple[int | None, int, int | None]]
        if items[p["id"]]:
            parts = [(i["product_id"], i["amount_minor"], i["cost_minor"]) for i in items[p["id"]]]
        elif p["refund_of_id"] is not None and p["cost_minor"] is None:
            original = by_id[p["refund_of_id"]]
            lines = items[original["id"]]
            if lines:
                split = largest_remainder(p["amount_minor"], [i["amount_minor"] for i in lines])
                parts = [
                    (
                        i["product_id"],
                        part,
                        None
                        if i["cost_minor"] is None
                        else half_up(Fraction(i["cost_minor"] * part, i["amount_minor"])),
                    )
                    for i, part in zip(lines, split, strict=True)
                ]
            elif original["cost_minor"] is not None:
                cost = half_up(
                    Fraction(original["cost_minor"] * p["amount_minor"], original["amount_minor"])
                )
                parts = [(None, p["amount_minor"], cost)]
            else:
                parts = [(None, p["amount_minor"], None)]
        else:
            parts = [(None, p["amount_minor"], p["cost_minor"])]
        for product, amount, cost in parts:
            found.append({**base, "product": product, "amount": amount, "cost": cost})
    return found


def homes(rows: Rows, as_of: datetime = AS_OF) -> dict[int, str]:
    """Each buyer's currency: most purchases, then the latest, then the code."""
    bought: dict[int, list[dict]] = defaultdict(list)
    for p in rows.purchases:
        live = not rows.customers[p["customer_id"]]["deleted"] and p["at"] <= as_of
        if live and p["amount_minor"] >= 0:
            bought[p["customer_id"]].append(p)
    found = {}
    for cid, theirs in bought.items():
        counts = Counter(p["currency"] for p in theirs)
        latest = {c: max(p["at"] for p in theirs if p["currency"] == c) for c in counts}
        found[cid] = min(counts, key=lambda c: (-counts[c], -latest[c].timestamp(), c))
    return found


def serve_costs(rows: Rows, as_of: datetime = AS_OF) -> dict[int, Fraction]:
    costs: dict[int, Fraction] = defaultdict(Fraction)
    for i in rows.interactions:
        if not rows.customers[i["customer_id"]]["deleted"] and i["at"] <= as_of:
            costs[i["customer_id"]] += Fraction(Decimal(PRICES[i["channel"]]))
    return costs


def expected(rows: Rows, by: str, margin: int | None = None) -> dict[tuple, dict]:
    """Figures in minor units per (group, currency)."""
    home = homes(rows)
    segments = {cid: e["segment"] for cid, e in expected_rfm(rows).items()}

    def group(customer: int, line: dict | None) -> object:
        c = rows.customers[customer]
        product = line["product"] if line else None
        return {
            "customer": customer,
            "segment": segments.get(customer),
            "product": product,
            "category": rows.products[product]["category"] if product else None,
            "company": c["company_id"],
            "owner": c["owner"],
            "channel": line["channel"] if line else None,
        }[by]

    sums: dict[tuple, dict] = {}

    def row(key: tuple) -> dict:
        return sums.setdefault(
            key,
            {
                "customers": set(),
                "revenue": 0,
                "cost": 0,
                "uncosted": 0,
                "costed": False,
                "serve": None,
            },
        )

    for line in sale_lines(rows):
        r = row((group(line["customer"], line), line["currency"]))
        r["customers"].add(line["customer"])
        r["revenue"] += line["amount"]
        if line["cost"] is None:
            r["uncosted"] += line["amount"]
        else:
            r["cost"] += line["cost"]
            r["costed"] = True
    served = by in ("customer", "segment", "company", "owner")
    if served:
        for customer, cost in serve_costs(rows).items():
            currency = home.get(customer, "EUR")
            r = row((group(customer, None), currency))
            r["customers"].add(customer)
            if currency == "EUR":
                r["serve"] = (r["serve"] or Fraction(0)) + cost
    for (_, currency), r in sums.items():
        if margin is not None:
            r["cost"] += half_up(Fraction(r["uncosted"] * (100 - margin), 100))
            covered = r["revenue"]
            r["gross"] = covered - r["cost"]
        else:
            covered = r["revenue"] - r["uncosted"]
            r["gross"] = covered - r["cost"] if r["costed"] or r["uncosted"] == 0 else None
        r["pct"] = None if r["gross"] is None or covered <= 0 else 100 * r["gross"] / covered
        r["to_serve"] = (
            half_up((r["serve"] or Fraction(0)) * 100) if served and currency == "EUR" else None
        )
        both = r["gross"] is not None and r["to_serve"] is not None
        r["net"] = r["gross"] - r["to_serve"] if both else None
        judged = r["net"] if r["net"] is not None else r["gross"]
        r["unprofitable"] = None if judged is None else judged < 0
    return sums


def minor(value: int | float | None, currency: str) -> int | None:
    if value is None:
        return None
    return int(Decimal(str(value)).scaleb(EXPONENT[currency]))


def check(got: list[dict], want: dict[tuple, dict], by: str) -> None:
    keyed = {}
    for record in got:
        assert list(record) == list(profit.FIELDS)
        assert record["by"] == by
        key = record["id"] if by in ("customer", "product", "company") else record["name"]
        keyed[(key, record["currency"])] = record
    assert set(keyed) == set(want)
    for key, w in want.items():
        record = keyed[key]
        currency = key[1]
        assert record["customers"] == len(w["customers"])
        assert minor(record["revenue"], currency) == w["revenue"]
        assert minor(record["uncosted_revenue"], currency) == w["uncosted"]
        assert minor(record["cost_of_goods"], currency) == w["cost"]
        assert minor(record["gross_margin"], currency) == w["gross"]
        if w["pct"] is None:
            assert record["margin_pct"] is None
        else:
            assert record["margin_pct"] == pytest.approx(w["pct"], abs=0.051)
        assert minor(record["cost_to_serve"], currency) == w["to_serve"]
        assert minor(record["net_contribution"], currency) == w["net"]
        assert record["unprofitable"] is w["unprofitable"]


# --- against the generated CRM -----------------------------------------------------------------


@pytest.mark.parametrize("by", profit.BY)
def test_every_grouping_equals_an_independent_computation(db: Path, rows: Rows, by: str) -> None:
    got = report(db, by)
    assert len(got) >= 3
    check(got, expected(rows, by), by)


def test_a_margin_estimates_the_unknown_costs(db: Path, rows: Rows) -> None:
    check(report(db, "category", margin=Fraction(35)), expected(rows, "category", 35), "category")


def test_the_data_has_refunds_without_cost_and_unknown_costs(rows: Rows) -> None:
    """What the rules under test are about is in the generated data."""
    lines = sale_lines(rows)
    assert any(line["cost"] is None and line["amount"] > 0 for line in lines)
    assert any(line["cost"] is not None and line["amount"] < 0 for line in lines)
    bare_refunds = [
        p
        for p in rows.purchases
        if p["refund_of_id"]
        and p["cost_minor"] is None
        and not any(i["purchase_id"] == p["id"] for i in rows.items)
    ]
    assert bare_refunds


def test_totals_agree_whatever_the_grouping(db: Path) -> None:
    """Every purchase counts once in its own currency, however it is grouped."""
    totals = {}
    for by in profit.BY:
        revenue: Counter[str] = Counter()
        for record in report(db, by):
            revenue[record["currency"]] += minor(record["revenue"], record["currency"]) or 0
        totals[by] = revenue
    assert all(t == totals["customer"] for t in totals.values())


def test_summary_totals_top_20_and_unprofitable(db: Path, rows: Rows) -> None:
    by_customer = expected(rows, "customer")
    everything = expected(rows, "owner")  # any grouping sums to the same totals
    got = {r["currency"]: r for r in report(db, summary=True)}
    assert sorted(got) == ["EUR", "JPY", "USD"]
    for currency, line in got.items():
        assert list(line) == list(profit.SUMMARY_FIELDS)
        mine = [w for (_, cur), w in by_customer.items() if cur == currency]
        revenue = sum(w["revenue"] for w in mine)
        assert minor(line["revenue"], currency) == revenue
        assert line["customers"] == len(set().union(*(w["customers"] for w in mine)))
        profits = (w["net"] if w["net"] is not None else w["gross"] for w in mine)
        known = sorted((v for v in profits if v is not None), reverse=True)
        top = known[: math.ceil(len(known) / 5)]
        if sum(known) > 0:
            assert line["top20_pct"] == pytest.approx(100 * sum(top) / sum(known), abs=0.051)
        else:
            assert line["top20_pct"] is None
        assert line["unprofitable_customers"] == sum(1 for v in known if v < 0)
        owners = [w for (_, cur), w in everything.items() if cur == currency]
        assert minor(line["cost_to_serve"], currency) == (
            sum(w["to_serve"] for w in owners) if currency == "EUR" else None
        )


def test_unprofitable_customers_are_flagged(db: Path) -> None:
    flagged = [r for r in report(db) if r["unprofitable"]]
    assert flagged
    for r in flagged:
        value = r["net_contribution"] if r["net_contribution"] is not None else r["gross_margin"]
        assert value < 0


# --- rules on small cases --------------------------------------------------------------------


def test_cost_to_serve_prices_interactions_by_channel_and_config(
    store, tmp_path, monkeypatch
) -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    with store.write() as session:
        ada = customers.add(session, "Ada")
        purchases.record(session, ada.id, amount="100", cost="60", currency="EUR", at=day)
        for channel in ("call", "call", "email", "meeting"):
            interactions.log(session, str(ada.id), channel, at=day)
        ghost = customers.add(session, "Ghost")  # costs, never buys
        interactions.log(session, str(ghost.id), "call", at=day)
        interactions.log(session, str(ghost.id), "call", at=AS_OF + timedelta(days=1))
    with store.read() as session:
        got = {r["name"]: r for r in profit.profit(session, scope([], AS_OF))}
    assert got["Ada"]["cost_to_serve"] == 60.5  # 2 x 5 + 0.5 + 50
    assert (got["Ada"]["gross_margin"], got["Ada"]["net_contribution"]) == (40, -20.5)
    assert got["Ada"]["unprofitable"] is True
    assert (got["Ghost"]["revenue"], got["Ghost"]["net_contribution"]) == (0, -5)
    config_file = tmp_path / "config.toml"
    config_file.write_text("[channel_costs]\ncall = 1\nmeeting = 10\n")
    monkeypatch.setenv("CRM_CONFIG", str(config_file))
    config.reload()
    try:
        with store.read() as session:
            got = {r["name"]: r for r in profit.profit(session, scope([], AS_OF))}
    finally:
        config.reload()
    assert got["Ada"]["cost_to_serve"] == 12.5
    # A purchase term keeps only buyers; a period term also bounds the interactions.
    with store.read() as session:
        names = {r["name"] for r in profit.profit(session, scope(["channel:web"], AS_OF))}
        period = profit.profit(session, scope(["at>2026-03-02"], AS_OF))
    assert names == {"Ada"}
    assert {r["name"]: r["cost_to_serve"] for r in period} == {}


def test_cost_to_serve_is_unknown_in_other_currencies(store) -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    with store.write() as session:
        kenji = customers.add(session, "Kenji")
        purchases.record(session, kenji.id, amount="5000", cost="3000", currency="JPY", at=day)
        interactions.log(session, str(kenji.id), "meeting", at=day)
    with store.read() as session:
        (row,) = profit.profit(session, scope([], AS_OF))
    assert (row["currency"], row["gross_margin"], row["margin_pct"]) == ("JPY", 2000, 40.0)
    assert (row["cost_to_serve"], row["net_contribution"], row["unprofitable"]) == (
        None,
        None,
        False,
    )


def test_unknown_costs_and_refunds(store) -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    with store.write() as session:
        products.add(
            session, "CD", sku="CD", price="10", cost="4", currency="EUR", category="music"
        )
        products.add(session, "LP", sku="LP", price="30", currency="EUR", category="music")
        ada = customers.add(session, "Ada")
        both = purchases.record(
            session,
            ada.id,
            lines=[purchases.Line("CD", quantity=3), purchases.Line("LP")],
            at=day,
        )
        purchases.refund(session, str(both.id), amount="12", at=day + timedelta(days=1))
        bob = customers.add(session, "Bob")
        purchases.record(session, bob.id, amount="50", currency="EUR", at=day)  # cost unknown
    with store.read() as session:
        by_product = {r["name"]: r for r in profit.profit(session, scope([], AS_OF), "product")}
        by_customer = {r["name"]: r for r in profit.profit(session, scope([], AS_OF))}
        estimated = {
            r["name"]: r for r in profit.profit(session, scope([], AS_OF), margin=Fraction(20))
        }
    # The refund of 12 is split 30:30 over the lines: -6 each; the CD gives back 6 x 4/10.
    assert (by_product["CD"]["revenue"], by_product["CD"]["cost_of_goods"]) == (24, 9.6)
    assert (by_product["LP"]["revenue"], by_product["LP"]["uncosted_revenue"]) == (24, 24)
    assert by_product["LP"]["gross_margin"] is None  # nothing of it costed
    assert by_product[None]["revenue"] == 50
    ada_row = by_customer["Ada"]
    assert (ada_row["revenue"], ada_row["uncosted_revenue"]) == (48, 24)
    assert (ada_row["gross_margin"], ada_row["margin_pct"]) == (14.4, 60.0)  # on the costed 24
    assert by_customer["Bob"]["gross_margin"] is None
    assert by_customer["Bob"]["unprofitable"] is None
    assert (estimated["Bob"]["cost_of_goods"], estimated["Bob"]["gross_margin"]) == (40, 10)
    assert estimated["Ada"]["margin_pct"] == pytest.approx(100 * (48 - 9.6 - 19.2) / 48, abs=0.051)


def test_an_empty_database(store) -> None:
    with store.read() as session:
        for by in profit.BY:
            assert profit.profit(session, scope([], AS_OF), by) == []
        assert profit.profit(session, scope([], AS_OF), summary=True) == []


@pytest.mark.parametrize("by", ["", "customers", "region"])
def test_an_unknown_grouping_is_refused(by: str) -> None:
    with pytest.raises(InvalidInput, match="unknown --by"):
        profit.check_by(by)


@pytest.mark.parametrize("margin", ["-1", "101", "abc", "nan"])
def test_a_bad_margin_is_refused(margin: str) -> None:
    with pytest.raises(InvalidInput, match="--margin"):
        profit.check_margin(margin)


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_split_is_exact_and_proportional(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        return
    parts = profit.split(total, weights)
    assert sum(parts) == total
    assert parts == largest_remainder(total, weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(Fraction(part) - Fraction(total * weight, sum(weights))) < 1
