"""Channels (crmcli.analytics.channels): counts by channel and direction, the answer rule,
the preferred channel, purchases by channel, and the segment view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmcli.analytics import channels
from crmcli.analytics.scope import scope
from crmcli.kernel.errors import InvalidInput
from crmcli.services import customers, interactions, purchases

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TZ", "UTC")


def person(store, name: str, contacts: tuple | list = (), bought: tuple | list = ()) -> int:
    """A customer with contacts (channel, direction, days after T0) and purchases
    (channel, amount, days after T0)."""
    with store.write() as session:
        who = customers.add(session, name)
        for channel, direction, days in contacts:
            interactions.log(
                session, str(who.id), channel, at=T0 + timedelta(days=days), direction=direction
            )
        for channel, amount, days in bought:
            purchases.record(
                session,
                who.id,
                amount=amount,
                currency="EUR",
                channel=channel,
                at=T0 + timedelta(days=days),
            )
        return int(who.id)


def rows(store, terms: tuple | list = (), by: str = "customer", within: int = 7) -> dict:
    with store.read() as session:
        found = channels.channels(session, scope(list(terms), AS_OF), by, within)
    key = "customer_id" if by == "customer" else "segment"
    return {r[key]: r for r in found}


def test_an_outbound_is_answered_by_the_next_inbound_on_its_channel_within_n_days(store) -> None:
    ada = person(
        store,
        "Ada",
        [
            ("email", "out", 0),
            ("email", "out", 1),
            ("email", "out", 2),
            ("email", "in", 4),  # answers the third only
            ("call", "out", 10),
            ("email", "in", 11),  # another channel: no answer to the call
            ("call", "out", 20),
            ("call", "in", 29),  # nine days later
        ],
    )
    got = rows(store)[ada]
    assert got["channels"]["email"] == {
        "inbound": 2,
        "outbound": 3,
        "answered": 1,
        "answer_pct": 33.3,
    }
    assert got["channels"]["call"]["answered"] == 0
    assert (got["interactions"], got["inbound"], got["outbound"], got["answered"]) == (8, 3, 5, 1)
    assert got["answer_pct"] == 20.0
    assert rows(store, within=10)[ada]["channels"]["call"]["answered"] == 1
    assert got["reach_out"] == ["email", "call"]


def test_the_preferred_channel(store) -> None:
    most_inbound = person(store, "A", [("call", "in", 0), ("call", "in", 1), ("email", "in", 2)])
    by_answers = person(
        store,
        "B",
        [
            ("email", "out", 0),
            ("email", "in", 1),  # 1 of 1 answered
            ("sms", "out", 0),
            ("sms", "out", 3),
            ("sms", "in", 4),  # 1 of 2
        ],
    )
    by_purchases = person(
        store, "C", [("email", "in", 0), ("call", "in", 0)], [("phone", "5", 1), ("phone", "5", 2)]
    )
    only_bought = person(store, "D", [], [("field", "5", 1), ("store", "5", 2)])
    silent = person(store, "E", [("email", "out", 0), ("note", "in", 1), ("note", "in", 2)])
    got = rows(store)
    assert got[most_inbound]["preferred_channel"] == "call"
    assert got[by_answers]["preferred_channel"] == "email"
    assert got[by_purchases]["preferred_channel"] == "call"  # phone purchases are calls
    assert got[only_bought]["preferred_channel"] == "meeting"  # a field sale was met
    assert got[silent]["preferred_channel"] is None  # notes are no contact
    assert got[only_bought]["bought_via"] == ["field", "store"]
    assert got[only_bought]["purchases_by_channel"] == {"field": 1, "store": 1}


def test_refunds_deleted_customers_and_later_events_do_not_count(store) -> None:
    ada = person(store, "Ada", [("email", "in", 0), ("email", "in", 200)], [("web", "10", 1)])
    with store.write() as session:
        original = purchases.record(session, ada, amount="4", currency="EUR", channel="web", at=T0)
        purchases.refund(session, str(original.id), at=T0 + timedelta(days=1))
        gone = customers.add(session, "Gone")
        interactions.log(session, str(gone.id), "email", at=T0)
        customers.remove(session, str(gone.id))
    got = rows(store)
    assert list(got) == [ada]
    assert (got[ada]["purchases"], got[ada]["inbound"]) == (2, 1)


def test_a_purchase_term_keeps_buyers_only(store) -> None:
    web = person(store, "Web", [("email", "in", 0)], [("web", "10", 1)])
    shop = person(store, "Shop", [("email", "in", 0)], [("store", "10", 1)])
    never = person(store, "Never", [("call", "in", 0)])
    assert set(rows(store)) == {web, shop, never}
    only_web = rows(store, ["channel:web"])
    assert set(only_web) == {web}
    assert only_web[web]["purchases_by_channel"] == {"web": 1}
    # A period is no purchase term: contacts in it count, buyers or not.
    assert set(rows(store, ["at<2026-03-02T12:00"])) == {web, shop, never}


def test_by_segment_sums_customers_and_keeps_the_prospects(store) -> None:
    for i in range(3):
        person(store, f"B{i}", [("email", "in", i), ("email", "out", i)], [("web", "10", i)])
    person(store, "Prospect", [("call", "in", 0), ("call", "in", 1)])
    got = rows(store, by="segment")
    assert sum(r["customers"] for r in got.values()) == 4
    prospects = got[None]
    assert (prospects["customers"], prospects["inbound"], prospects["preferred_channel"]) == (
        1,
        2,
        "call",
    )
    assert list(prospects) == list(channels.SEGMENT_FIELDS)
    buyers = [r for key, r in got.items() if key is not None]
    assert sum(r["purchases"] for r in buyers) == 3


def test_an_empty_database(store) -> None:
    assert rows(store) == {}
    assert rows(store, by="segment") == {}


def test_bad_options_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown --by"):
        channels.check_by("product")
    with pytest.raises(InvalidInput, match="--within"):
        channels.check_within(0)
