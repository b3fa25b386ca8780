"""The filter language against a real database: each field, negation, custom fields, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmcli.kernel.errors import InvalidInput
from crmcli.query.listing import list_records
from crmcli.services import companies, customers, deals


@pytest.fixture
def data(store):
    with store.write() as s:
        companies.add(s, "Acme Corp", domain="acme.com", industry="Software", tags=["partner"])
        companies.add(s, "Globex", industry="Retail")
        customers.add(
            s,
            "Ada Lovelace",
            emails=["ada@acme.com"],
            company="acme",
            tags=["vip"],
            owner="alice",
            fields={"income": 52000, "plan": "gold"},
        )
        customers.add(
            s,
            "Bob Babbage",
            emails=["bob@globex.com"],
            company="globex",
            tags=["churned"],
            owner="bob",
            fields={"income": 31000},
        )
        customers.add(s, "Carol Shannon", owner="alice", notes="met at the big conference")
        deals.add(s, "Engines", customer="ada", value="12000.50", currency="EUR")
        deals.add(s, "Looms", customer="bob", value="800", stage="proposal")
        deals.add(s, "Yen deal", customer="carol", value="900000", currency="JPY")
        lost = deals.add(s, "Abacus", customer="carol", value="5000")
        deals.lost(s, lost, "price")
    return store


def names(store, entity: str, *terms: str, key: str = "name") -> list[str]:
    with store.read() as s:
        return sorted(r[key] for r in list_records(s, entity, list(terms)))


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (["tag:vip"], ["Ada Lovelace"]),
        (["-tag:vip"], ["Bob Babbage", "Carol Shannon"]),
        (["owner:alice"], ["Ada Lovelace", "Carol Shannon"]),
        (["owner!=alice"], ["Bob Babbage"]),
        (["company:acme"], ["Ada Lovelace"]),
        (["income>40000"], ["Ada Lovelace"]),
        (["income<=31000"], ["Bob Babbage"]),
        (["plan:gold"], ["Ada Lovelace"]),
        (["email:globex"], ["Bob Babbage"]),
        (["name:love"], ["Ada Lovelace"]),
        (["conference"], ["Carol Shannon"]),
        (["big conference"], ["Carol Shannon"]),
        (["lov"], ["Ada Lovelace"]),
        (["created>-1d"], ["Ada Lovelace", "Bob Babbage", "Carol Shannon"]),
        (["created<-1d"], []),
        (["tag:vip", "owner:bob"], []),
    ],
)
def test_customer_filters(data, terms: list[str], expected: list[str]) -> None:
    assert names(data, "customer", *terms) == expected


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (["value>5000"], ["Engines", "Yen deal"]),
        (["value<=800"], ["Looms"]),
        (["value>=5000"], ["Abacus", "Engines", "Yen deal"]),
        (["stage:proposal"], ["Looms"]),
        (["status:lost"], ["Abacus"]),
        (["status:open"], ["Engines", "Looms", "Yen deal"]),
        (["-status:open"], ["Abacus"]),
        (["currency:eur"], ["Engines"]),
        (["customer:carol"], ["Abacus", "Yen deal"]),
        (["reason:price"], ["Abacus"]),
    ],
)
def test_deal_filters(data, terms: list[str], expected: list[str]) -> None:
    assert names(data, "deal", *terms, key="title") == expected


def test_sort_and_limit(data) -> None:
    with data.read() as s:
        rows = list_records(s, "deal", [], sort="-value", limit=2)
    assert [r["title"] for r in rows] == ["Engines", "Yen deal"]
    with data.read() as s:
        rows = list_records(s, "customer", [], sort="-name")
    assert [r["name"] for r in rows] == ["Carol Shannon", "Bob Babbage", "Ada Lovelace"]


@pytest.mark.parametrize(
    "terms",
    [
        ["nosuch:x"],
        ["value>>5"],
        ["value>abc"],
        ["tag>3"],
        ["created>blorp"],
        ["status:maybe"],
        ["income>rich"],
    ],
)
def test_bad_terms_are_errors(data, terms: list[str]) -> None:
    with data.read() as s, pytest.raises(InvalidInput):
        list_records(
            s,
            "customer" if terms[0].startswith(("nosuch", "tag", "created", "income")) else "deal",
            terms,
        )


def test_bad_sort_and_limit(data) -> None:
    with data.read() as s:
        with pytest.raises(InvalidInput):
            list_records(s, "customer", [], sort="shoe_size")
        with pytest.raises(InvalidInput):
            list_records(s, "customer", [], limit=-1)


def test_due_today_window(store) -> None:
    from crmcli.services import reminders

    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    with store.write() as s:
        c = customers.add(s, "Dee")
        reminders.create(s, now - timedelta(hours=2), "overdue", customer_id=c.id, deal_id=None)
        reminders.create(s, now + timedelta(hours=3), "later today", customer_id=c.id, deal_id=None)
        reminders.create(s, now + timedelta(days=2), "upcoming", customer_id=c.id, deal_id=None)
    with store.read() as s:
        today = list_records(s, "reminder", ["due:today"], now=now)
        assert sorted(r["text"] for r in today) == ["later today", "overdue"]
        inbox = list_records(s, "reminder", [], extra=reminders.window_clauses("inbox", now))
        assert sorted(r["text"] for r in inbox) == ["later today", "overdue"]
