"""Lists with words: few full-text hits are looked up by id, many are kept while walking the
sort index. Both plans must give the same records in the same order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crmcli.query import fulltext
from crmcli.query.listing import list_records, select_rows
from crmcli.query.search import search
from crmcli.services import customers


@pytest.fixture
def people(store):
    with store.write() as s:
        for n in range(40):
            customers.add(s, f"Zed Person{n:02d}", emails=[f"zed{n}@example.com"])
        for n in range(5):
            customers.add(s, f"Ann Rare{n}", emails=[f"ann{n}@example.com"])
        customers.add(s, "Ann Gone", emails=["gone@example.com"])
        customers.remove(s, "gone@example.com")
    return store


def plan_of(store, words: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """SQLite's plan for the statement `select_rows` runs."""
    statements: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().startswith("SELECT customer.id"):
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", remember)
    try:
        with store.read() as s:
            select_rows(s, "customer", words, limit=10)
            statement, parameters = statements[-1]
            rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return " | ".join(row[3] for row in rows)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", remember)


def test_few_hits_are_looked_up_by_id(people, monkeypatch) -> None:
    plan = plan_of(people, "ann", monkeypatch)
    assert "INTEGER PRIMARY KEY" in plan
    assert "ix_customer_active_name" not in plan


def test_many_hits_walk_the_name_index(people, monkeypatch) -> None:
    monkeypatch.setattr(fulltext, "FEW_HITS", 3)
    plan = plan_of(people, "zed", monkeypatch)
    assert "ix_customer_active_name" in plan


@pytest.mark.parametrize("words", ["ann", "zed", "example", "person1"])
def test_both_plans_give_the_same_records(people, monkeypatch, words: str) -> None:
    with people.read() as s:
        by_id = [r["id"] for r in list_records(s, "customer", words, limit=7)]
        deleted = [r["id"] for r in list_records(s, "customer", words, deleted=True)]
    monkeypatch.setattr(fulltext, "FEW_HITS", 0)
    with people.read() as s:
        assert [r["id"] for r in list_records(s, "customer", words, limit=7)] == by_id
        assert [r["id"] for r in list_records(s, "customer", words, deleted=True)] == deleted
    assert by_id  # every word matches someone


def test_few_hits_sorted_by_name_and_without_the_deleted(people) -> None:
    with people.read() as s:
        found = [r["name"] for r in list_records(s, "customer", "ann")]
        newest_first = [r["name"] for r in list_records(s, "customer", "ann", sort="-name")]
    assert found == [f"Ann Rare{n}" for n in range(5)]
    assert newest_first == found[::-1]


def test_search_stops_at_the_limit(people) -> None:
    with people.read() as s:
        everything = search(s, "example")
        first = search(s, "example", limit=3)
    assert len(everything) == 45  # the deleted customer is not found
    assert first == everything[:3]


def test_hit_counts_per_type(people) -> None:
    with people.read() as s:
        assert fulltext.hit_counts(s, ["ann"]) == {"customer": 6}  # the deleted one too
        assert fulltext.hit_counts(s, ["nobody"]) == {}
        assert search(s, "nobody") == []
