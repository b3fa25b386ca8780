"""The demo database (`crm demo`): counts, realism, determinism and refusal on real data."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlmodel import Session, col, func, select

from crmcli.kernel.errors import Conflict
from crmcli.query.listing import list_records
from crmcli.query.search import search
from crmcli.services import reminders
from crmcli.services.demo import DemoSummary, build_demo
from crmcli.store.db import Store, open_store
from crmcli.store.models import (
    CHANNELS,
    Company,
    Customer,
    CustomerEmail,
    Deal,
    FieldValue,
    Interaction,
    Product,
    Purchase,
    PurchaseItem,
    Reminder,
    Stage,
    StageChange,
    Tag,
)

# Sunday 15 June 2025, 10:30 UTC: "today" has hours left in every time zone.
NOW = datetime(2025, 6, 15, 10, 30, tzinfo=UTC)


def _build(path, **kwargs) -> tuple[Store, DemoSummary]:
    store = open_store(str(path))
    with store.write() as session:
        summary = build_demo(session, now=NOW, **kwargs)
    return store, summary


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Store, DemoSummary]:
    store, summary = _build(tmp_path_factory.mktemp("demo") / "crm.db")
    yield store, summary
    store.dispose()


@pytest.fixture
def session(demo):
    with demo[0].read() as s:
        yield s


def _count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_summary_matches_the_database(demo, session):
    _, summary = demo
    assert summary == DemoSummary(
        companies=_count(session, Company),
        customers=_count(session, Customer),
        deals=_count(session, Deal),
        interactions=_count(session, Interaction),
        reminders=_count(session, Reminder, col(Reminder.done_at).is_(None)),
        overdue=_count(session, Reminder, *reminders.window_clauses("overdue", NOW)),
        products=_count(session, Product),
        purchases=_count(session, Purchase),
    )
    assert summary.companies == 10
    assert 45 <= summary.customers <= 55
    assert summary.deals == 30
    assert summary.interactions == 200
    assert summary.reminders == 12
    assert summary.overdue >= 3
    assert 20 <= summary.products <= 30
    assert 300 <= summary.purchases <= 3000


def test_companies_look_real(session):
    rows = session.exec(select(Company)).all()
    assert len({c.name for c in rows}) == 10
    assert len({c.domain for c in rows}) == 10
    assert len({c.industry for c in rows}) >= 5
    assert {c.owner for c in rows} <= {"alice", "bob", "carol"}
    tags = set(session.exec(select(Tag.name).where(Tag.entity == "company")))
    assert {"partner", "enterprise", "smb"} <= tags


def test_customers_have_emails_phones_tags_and_fields(session):
    people = session.exec(select(Customer)).all()
    assert all(p.company_id and p.title and p.owner for p in people)
    per_company = defaultdict(int)
    for p in people:
        per_company[p.company_id] += 1
    assert len(per_company) == 10

    emails = session.exec(select(CustomerEmail)).all()
    addresses = [e.email for e in emails]
    assert len(addresses) == len(set(addresses))
    assert all(a == a.lower() and a.isascii() for a in addresses)
    domains = {c.id: c.domain for c in session.exec(select(Company))}
    company_of = {p.id: p.company_id for p in people}
    assert all(e.email.endswith("@" + domains[company_of[e.customer_id]]) for e in emails)
    per_person = defaultdict(int)
    for e in emails:
        per_person[e.customer_id] += 1
    assert set(per_person.values()) <= {1, 2} and len(per_person) == len(people)

    tags = defaultdict(int)
    for name in session.exec(select(Tag.name).where(Tag.entity == "customer")):
        tags[name] += 1
    assert 3 <= tags["vip"] <= 8
    assert tags["churned"] >= 2 and tags["newsletter"] >= 5
    keys = set(session.exec(select(FieldValue.key).where(FieldValue.entity == "customer")))
    assert {"income", "payment_method", "purchase_purpose", "age"} <= keys

    records = list_records(session, "customer", ["income>50000", "payment_method:invoice"])
    assert records and all(r["fields"]["income"] > 50000 for r in records)


def test_deals_spread_over_stages_with_consistent_history(session):
    stages = {s.id: s for s in session.exec(select(Stage))}
    deals = session.exec(select(Deal)).all()
    by_stage = defaultdict(int)
    for d in deals:
        by_stage[stages[d.stage_id].name] += 1
    assert len(by_stage) >= 5
    assert by_stage["Won"] >= 3 and by_stage["Lost"] >= 2
    assert all(100_000 <= d.value_minor <= 8_000_000 for d in deals)
    currencies = [d.currency for d in deals]
    assert currencies.count("EUR") > len(deals) / 2 and "USD" in currencies

    changes = defaultdict(list)
    for change in session.exec(select(StageChange).order_by(StageChange.id)):
        changes[change.deal_id].append(change)
    year_ago = NOW - timedelta(days=365)
    for d in deals:
        history = changes[d.id]
        times = [c.at for c in history]
        assert times == sorted(times)
        assert year_ago <= d.created_at == times[0] <= d.stage_changed_at == times[-1] <= NOW
        assert history[0].from_stage_id is None and history[-1].to_stage_id == d.stage_id
        assert all(a.to_stage_id == b.from_stage_id for a, b in pairwise(history))
        kind = stages[d.stage_id].kind
        if kind == "open":
            assert d.closed_at is None and d.close_date > NOW.date()
        else:
            assert d.closed_at == d.stage_changed_at
        if kind == "lost":
            assert d.lost_reason
        assert d.owner in {"alice", "bob", "carol"}


def test_some_open_deals_are_rotting(session):
    stages = {s.id: s for s in session.exec(select(Stage))}
    rotting = [
        d
        for d in session.exec(select(Deal))
        if stages[d.stage_id].kind == "open"
        and stages[d.stage_id].rotting_days
        and NOW - d.stage_changed_at > timedelta(days=stages[d.stage_id].rotting_days)
    ]
    assert 2 <= len(rotting) <= 8


def test_interactions_cover_the_year_on_many_channels(session):
    rows = session.exec(select(Interaction)).all()
    assert len({r.channel for r in rows}) >= 6
    assert {r.channel for r in rows} <= set(CHANNELS)
    assert {r.direction for r in rows} == {"in", "out"}
    times = [r.occurred_at for r in rows]
    assert NOW - timedelta(days=365) <= min(times) and max(times) <= NOW
    assert max(times) - min(times) > timedelta(days=300)
    assert all(r.summary for r in rows)
    assert any(r.body for r in rows if r.channel == "email")
    assert any(r.body for r in rows if r.channel == "meeting")

    deals = {d.id: d for d in session.exec(select(Deal))}
    tied = [r for r in rows if r.deal_id]
    assert len(tied) >= 20
    for r in tied:
        deal = deals[r.deal_id]
        assert r.customer_id == deal.customer_id
        assert deal.created_at <= r.occurred_at <= (deal.closed_at or NOW)
    created = {c.id: c.created_at for c in session.exec(select(Customer))}
    assert all(created[r.customer_id] <= r.occurred_at for r in rows)


def test_reminders_fill_every_inbox_group(session):
    groups = defaultdict(int)
    for reminder in session.exec(select(Reminder)):
        groups[reminders.window_of(reminder, NOW)] += 1
        assert reminder.customer_id is not None and reminder.text
    assert groups == {"overdue": 4, "today": 3, "upcoming": 5, "done": 3}


def test_search_finds_a_demo_customer_by_name(session):
    person = session.exec(select(Customer).order_by(Customer.id)).first()
    found = search(session, person.name)
    assert any(r["type"] == "customer" and r["id"] == person.id for r in found)
    last_name = person.name.split()[-1]
    assert any(r["id"] == person.id for r in search(session, last_name, types=["customer"]))


def _sales(session: Session) -> tuple[list[Purchase], dict[int, list[PurchaseItem]]]:
    rows = list(session.exec(select(Purchase).order_by(Purchase.id)))
    items: dict[int, list[PurchaseItem]] = defaultdict(list)
    for item in session.exec(select(PurchaseItem).order_by(PurchaseItem.position)):
        items[item.purchase_id].append(item)
    return rows, items


def test_the_catalogue_mixes_categories_currencies_and_costs(session):
    rows = session.exec(select(Product)).all()
    assert 20 <= len(rows) <= 30
    assert 4 <= len({p.category for p in rows}) <= 6
    assert len({p.sku_key for p in rows}) == len(rows)
    assert [p.active for p in rows].count(False) == 1
    unknown = [p for p in rows if p.cost_minor is None]
    assert 1 <= len(unknown) < len(rows) / 4
    assert all(p.cost_minor < p.price_minor for p in rows if p.cost_minor is not None)
    currencies = Counter(p.currency for p in rows)
    assert set(currencies) == {"USD", "EUR"} and 1 <= currencies["EUR"] <= 2
    assert all(p.created_at <= p.updated_at <= NOW for p in rows)
    assert any(r["type"] == "product" for r in search(session, "toner"))


def test_purchases_span_almost_three_years_on_every_channel(session):
    rows, items = _sales(session)
    times = [p.at for p in rows]
    assert NOW - timedelta(days=1000) <= min(times) <= NOW - timedelta(days=900)
    assert NOW - timedelta(days=3) <= max(times) <= NOW
    assert times == sorted(times)  # recorded as they happened
    assert {"web", "store", "phone", "email", "partner", "field"} <= {p.channel for p in rows}

    people = {c.id: c for c in session.exec(select(Customer))}
    products = {p.id: p for p in session.exec(select(Product))}
    for p in rows:
        assert p.created_at == p.at and p.by == people[p.customer_id].owner
        assert people[p.customer_id].created_at <= p.at
        lines = items[p.id]
        if lines:  # the total, units and cost are their lines'
            assert p.amount_minor == sum(i.amount_minor for i in lines)
            assert p.quantity == sum(i.quantity for i in lines)
            costs = [i.cost_minor for i in lines]
            assert p.cost_minor == (None if None in costs else sum(costs))
            assert {products[i.product_id].currency for i in lines} == {p.currency}
            assert all(products[i.product_id].created_at <= p.at for i in lines)
    gone = next(p for p in products.values() if not p.active)
    sold = [p.at for p in rows if any(i.product_id == gone.id for i in items[p.id])]
    assert sold and max(sold) <= gone.updated_at

    # The demo's European companies (.de, .nl, .co.uk, ...) are the ones buying in EUR.
    american = {
        c.id for c in session.exec(select(Company)) if c.domain.endswith((".com", ".io", ".org"))
    }
    eur = [p for p in rows if p.currency == "EUR"]
    assert eur and len(eur) < len(rows) / 4
    assert not any(people[p.customer_id].company_id in american for p in eur)


def test_customers_buy_loyal_lapsing_lost_new_and_once(session):
    rows, _ = _sales(session)
    bought: dict[int, list[datetime]] = defaultdict(list)
    for p in rows:
        if p.amount_minor > 0:
            bought[p.customer_id].append(p.at)
    days = {c: ((NOW - min(t)).days, (NOW - max(t)).days, len(t)) for c, t in bought.items()}
    loyal = [c for c, (_, last, n) in days.items() if last <= 45 and n >= 8]
    lapsing = [c for c, (_, last, n) in days.items() if 90 < last <= 365 and n >= 5]
    lost = [c for c, (_, last, _n) in days.items() if last > 365]
    new = [c for c, (first, _, _n) in days.items() if first <= 90]
    once = [c for c, (*_, n) in days.items() if n == 1]
    customers = set(session.exec(select(Customer.id)))
    assert len(loyal) >= 10 and len(lapsing) >= 5 and len(lost) >= 5
    assert len(new) >= 3 and len(once) >= 3 and len(customers - set(bought)) >= 3
    churned = set(
        session.exec(select(Tag.entity_id).where(Tag.entity == "customer", Tag.name == "churned"))
    )
    assert churned and churned <= set(lost)


def test_baskets_pair_what_goes_together(session):
    rows, items = _sales(session)
    sku = {p.id: p.sku for p in session.exec(select(Product))}
    pairs: Counter[tuple[str, str]] = Counter()
    for p in rows:
        if p.amount_minor > 0:
            bought = sorted({sku[i.product_id] for i in items[p.id]})
            pairs.update((a, b) for a in bought for b in bought if a < b)
    laptops_with_a_dock = sum(n for (a, b), n in pairs.items() if a == "AC-DOCK" and "LT-" in b)
    assert laptops_with_a_dock >= 10
    assert pairs["PR-LASER", "PR-TONER-K"] >= 10 and pairs["PR-PAPER", "PR-TONER-K"] >= 20
    assert pairs["AC-CAM", "AC-HEAD"] >= 10


def test_refunds_and_won_deals_are_purchases_of_their_own(session):
    rows, _ = _sales(session)
    by_id = {p.id: p for p in rows}
    refunds = [p for p in rows if p.refund_of_id is not None]
    assert 5 <= len(refunds) <= len(rows) / 20
    assert all(p.amount_minor < 0 and p.quantity < 0 for p in refunds)
    assert all(p.amount_minor > 0 for p in rows if p.refund_of_id is None)
    whole = 0
    for refund in refunds:
        original = by_id[refund.refund_of_id]
        assert (refund.customer_id, refund.currency) == (original.customer_id, original.currency)
        assert original.at < refund.at <= NOW and -refund.amount_minor <= original.amount_minor
        whole += -refund.amount_minor == original.amount_minor
    assert 0 < whole < len(refunds)

    stages = {s.id: s.kind for s in session.exec(select(Stage))}
    won = [d for d in session.exec(select(Deal)) if stages[d.stage_id] == "won"]
    for deal in won:
        (bought,) = [p for p in rows if p.deal_id == deal.id]
        assert (bought.customer_id, bought.at, bought.channel) == (
            deal.customer_id,
            deal.closed_at,
            "field",
        )
        assert (bought.amount_minor, bought.currency) == (deal.value_minor, deal.currency)
    assert len([p for p in rows if p.deal_id]) == len(won)


def _export(store: Store) -> dict:
    with store.read() as session:
        exported = {kind: list_records(session, kind) for kind in ("customer", "deal")}
        exported["company"] = list_records(session, "company")
        exported["interaction"] = list_records(session, "interaction", sort="id")
        exported["product"] = list_records(session, "product", sort="id")
        exported["purchase"] = list_records(session, "purchase", sort="id")
        exported["reminder"] = [
            (r.customer_id, r.deal_id, r.due_at, r.text, r.done_at)
            for r in session.exec(select(Reminder).order_by(Reminder.id))
        ]
    return exported


def test_same_seed_and_now_give_the_same_database(demo, tmp_path):
    again, _ = _build(tmp_path / "again.db")
    first, second = _export(demo[0]), _export(again)
    assert [(c["name"], c["emails"]) for c in first["customer"]] == [
        (c["name"], c["emails"]) for c in second["customer"]
    ]
    assert [(d["title"], d["value"], d["currency"]) for d in first["deal"]] == [
        (d["title"], d["value"], d["currency"]) for d in second["deal"]
    ]
    assert first == second
    again.dispose()


def test_refuses_a_database_that_has_customers(demo):
    store, _ = demo
    with (
        pytest.raises(Conflict, match="demo needs an empty database"),
        store.write() as session,
    ):
        build_demo(session, now=NOW)
    with store.read() as session:
        assert _count(session, Customer) == demo[1].customers
