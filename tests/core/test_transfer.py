"""Export and import as NDJSON (crmcli.interop.transfer): exact round trips, upserts, REF links,
all-or-nothing imports and errors that name their line."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from crmcli.entities import registry
from crmcli.interop import transfer
from crmcli.kernel.errors import Ambiguous, Conflict, InvalidInput, NotFound
from crmcli.query import search
from crmcli.services import (
    companies,
    customers,
    deals,
    interactions,
    pipelines,
    products,
    purchases,
    reminders,
)
from crmcli.services.purchases import Line
from crmcli.store.db import Store, open_store
from crmcli.store.models import (
    Customer,
    CustomerEmail,
    Deal,
    Interaction,
    Pipeline,
    Product,
    Purchase,
    PurchaseItem,
    Reminder,
    Stage,
    StageChange,
)

USER = "alice"


@pytest.fixture(autouse=True)
def acting_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_USER", USER)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database, copied for each store: a migration costs ~0.3 s, a copy ~1 ms."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    opened = open_store(str(path))
    opened.dispose()
    return path


def fresh_store(template: Path, folder: Path, name: str = "crm.db") -> Store:
    """A store opened on a copy of `template` (a migrated, maybe filled, database)."""
    target = folder / name
    shutil.copyfile(template, target)
    return open_store(str(target))


@pytest.fixture
def new_store(template: Path, tmp_path: Path) -> Iterator[Callable[..., Store]]:
    opened: list[Store] = []

    def make(name: str = "crm.db", source: Path = template) -> Store:
        store = fresh_store(source, tmp_path, name)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.dispose()


@pytest.fixture
def store(new_store) -> Store:
    return new_store("main.db")


@pytest.fixture(scope="module")
def varied_template(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The varied database of `build_varied`, built once per module and copied per test."""
    folder = tmp_path_factory.mktemp("varied")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_USER", USER)
        built = fresh_store(template, folder)
        try:
            build_varied(built)
        finally:
            built.dispose()
    return folder / "crm.db"


@pytest.fixture
def varied(varied_template: Path, new_store) -> Store:
    return new_store("varied.db", varied_template)


def export_lines(store: Store, types=None, **kwargs) -> list[str]:
    with store.read() as session:
        return [json.dumps(r) for r in transfer.export_records(session, types, **kwargs)]


def run_import(store: Store, lines) -> transfer.ImportReport:
    if isinstance(lines, str):
        lines = lines.splitlines()
    with store.write() as session:
        return transfer.import_lines(session, lines)


def line(**record) -> str:
    return json.dumps(record)


def count(store: Store, model) -> int:
    with store.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def build_varied(store: Store) -> None:
    """A database touching every kind of record and most of their states."""
    future = datetime.now(UTC) + timedelta(days=3)
    with store.write() as s:
        companies.add(
            s,
            "Acme Corp",
            domain="Acme.com",
            industry="Tools",
            tags=["b2b", "key"],
            fields={"employees": 250, "rating": 4.5},
            notes="Anvils.\nRoad runners.",
        )
        companies.add(s, "Globex", owner="bob")
        gone = companies.add(s, "Initech")
        companies.remove(s, str(gone.id))
        customers.add(
            s,
            "Ada Lovelace",
            emails=["ada@acme.com", "ada@home.org", "countess@lovelace.uk"],
            phones=["+44 20 7946 0000", "555-0100"],
            company="Acme",
            title="Analyst",
            tags=["vip", "math", "early-adopter"],
            owner="alice",
            fields={
                "age": 36,
                "income": 52000.75,
                "ratio": 2.0,
                "payment_method": "card",
                "subscribed": True,
                "zip": "007",
            },
            notes="Prefers letters. ✉️\nAsk about the engine.",
        )
        customers.add(s, "Grace Hopper", emails=["grace@navy.mil"], company="Globex")
        customers.add(s, "Zoë Ünïcode", tags=["intl"], fields={"city": "Zürich"})
        customers.add(s, "Charles Babbage", emails=["charles@engine.org"])
        customers.remove(s, "charles@engine.org")
        pipelines.add(s, "Renewals", ["Due:30:open:10", "Renewed:100", "Churned:0"])

        d1 = deals.add(
            s, "Engine analysis", customer="ada@acme.com", value="12000.50", currency="EUR"
        )
        deals.move(s, d1, "Qualified")
        deals.move(s, d1, "Proposal")
        d2 = deals.add(
            s,
            "Navy compilers",
            customer="Grace",
            value="999999.99",
            close=date(2026, 12, 31),
            tags=["gov"],
            fields={"priority": 1},
        )
        deals.won(s, d2)
        d3 = deals.add(s, "Yen deal", customer="Zoë", value="1500000", currency="JPY")
        deals.lost(s, d3, "Budget cut\nuntil next year")
        deals.add(s, "Dinar deal", customer="Ada", value="12.345", currency="KWD", stage="Lead")
        d5 = deals.add(s, "Support renewal", customer="Grace", pipeline="Renewals", value="300")
        deals.move(s, d5, "Renewed")
        d6 = deals.add(s, "Old deal", customer="Ada", value="1")
        deals.remove(s, str(d6.id))

        at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
        interactions.log(
            s,
            "Ada",
            "email",
            "Sent the proposal",
            body="Dear Ada,\n\nPlease find attached… ñ 中文 🚀\n-- \nAlice",
            at=at,
            deal="Engine",
        )
        interactions.log(s, "Grace", "call", "Intro call", direction="in", at=at)
        interactions.log(s, "Zoë", "meeting", "Coffee in Zürich", body="Talked\r\nabout stuff")
        interactions.log(s, "Ada", "sms", None)
        logged = interactions.log(
            s, "Grace", "questionnaire", "NPS survey", remind_at=future, remind_text="Read answers"
        )
        assert logged.reminder is not None
        r1 = reminders.add(s, "Ada", future, "Call back about the engine")
        reminders.add(s, None, future + timedelta(hours=5), "Check renewal", deal="Support")
        r3 = reminders.add(s, "Zoë", future, "Send brochure")
        reminders.done(s, [str(r3.id)])
        reminders.snooze(s, str(r1.id), future + timedelta(days=2))
        reminders.snooze(s, str(r1.id), future + timedelta(days=4))
        products.add(
            s,
            "Compact disc",
            sku="CD",
            price="12.50",
            cost="8",
            category="Music",
            tags=["audio"],
            fields={"format": "cd"},
        )
        products.add(s, "Vinyl record", sku="LP", price="20", currency="EUR")
        cassette = products.add(s, "Cassette", sku="MC", price="5")
        products.remove(s, cassette)
        # Lines at a unit price finer than a cent, at list price, and at a total that does
        # not divide by its quantity (10.00 for 3).
        bought = purchases.record(
            s, "Ada", lines=[Line("CD", 2, unit_price="14.665")], at=at, channel="store"
        )
        purchases.record(
            s,
            "Grace",
            lines=[Line("CD", 1), Line("MC", 3, amount="10")],
            at=at + timedelta(days=1),
            deal="Navy",
            note="Mixed basket",
        )
        purchases.record(s, "Zoë", lines=[Line("LP", 1)], at=at)  # in EUR, its price's
        purchases.record(s, "Zoë", amount="9999", currency="JPY", quantity=3, cost="4000")
        purchases.refund(s, str(bought.id), lines=[Line("CD", 1, amount="14.66")])
        # A pipeline date that differs from the fresh database's, to see it travel too.
        s.get(Pipeline, 1).created_at = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


# --- export -----------------------------------------------------------------------------


def test_export_order_types_and_record_shape(varied):
    with varied.read() as session:
        records = list(transfer.export_records(session))
    kinds = [r["type"] for r in records]
    assert kinds == sorted(kinds, key=registry.names().index)
    missing = set(registry.names()) - set(kinds)
    assert not missing, f"the fixture has no record of the type(s) {sorted(missing)}"
    assert set(kinds) == set(registry.names())
    for kind in registry.names():
        ids = [r["id"] for r in records if r["type"] == kind]
        assert ids == sorted(ids)
    assert all(next(iter(r)) == "type" for r in records)
    # Soft-deleted records are exported too.
    deleted = [r for r in records if r.get("deleted_at")]
    assert {(r["type"], r.get("name") or r.get("title")) for r in deleted} == {
        ("company", "Initech"),
        ("customer", "Charles Babbage"),
        ("deal", "Old deal"),
        ("product", "Cassette"),
    }
    ada = next(r for r in records if r["type"] == "customer" and r["name"] == "Ada Lovelace")
    assert ada["email"] == "ada@acme.com"
    assert ada["emails"] == ["ada@acme.com", "ada@home.org", "countess@lovelace.uk"]
    assert ada["fields"]["income"] == 52000.75


def test_known_keys_are_exactly_the_exported_keys(varied):
    with varied.read() as session:
        for record in transfer.export_records(session):
            assert set(record) == registry.get(record["type"]).import_keys, record["type"]


def test_export_pagination_and_type_filter(varied):
    everything = export_lines(varied)
    assert export_lines(varied, batch=2) == everything
    assert export_lines(varied, batch=1) == everything
    only = export_lines(varied, ["reminder", "customer"])
    assert only == [x for x in everything if json.loads(x)["type"] in ("customer", "reminder")]
    assert json.loads(only[0])["type"] == "customer"  # TYPES order, not given


def test_export_unknown_type_lists_the_types(store):
    with store.read() as session, pytest.raises(InvalidInput) as caught:
        list(transfer.export_records(session, ["person"]))
    assert "person" in str(caught.value)
    assert "stage_change" in str(caught.value)


# --- round trips ------------------------------------------------------------------------


def test_round_trip_into_an_empty_database_is_identical(varied, new_store):
    first = export_lines(varied)
    target = new_store("target.db")
    report = run_import(target, first)
    assert export_lines(target) == first

    expected_created = {kind: 0 for kind in registry.names()}
    for text in first:
        expected_created[json.loads(text)["type"]] += 1
    expected_created["pipeline"] -= 1  # the fresh database already holds pipeline 1
    assert report.created == expected_created
    assert report.updated == {**dict.fromkeys(registry.names(), 0), "pipeline": 1}
    assert report.total_created == len(first) - 1
    assert report.summary() == f"{len(first) - 1} created, 1 updated"


def test_reimport_into_the_same_database_updates_and_changes_nothing(varied):
    first = export_lines(varied)
    changes_before = count(varied, StageChange)
    report = run_import(varied, first)
    assert report.total_created == 0
    assert report.total_updated == len(first)
    assert export_lines(varied) == first
    assert count(varied, StageChange) == changes_before


def test_blank_lines_are_skipped(varied, new_store):
    first = export_lines(varied)
    target = new_store("target.db")
    padded = ["", "   "] + [x + "\n" for x in first] + ["\n"]
    run_import(target, padded)
    assert export_lines(target) == first


def test_imported_records_are_found_by_full_text_search(varied, new_store):
    target = new_store("target.db")
    run_import(target, export_lines(varied))
    with target.read() as session:
        found = {(r["type"], r["id"]) for r in search.search(session, "lovelace")}
        assert ("customer", 1) in found
        assert [r["type"] for r in search.search(session, "anvils")] == ["company"]
        assert [r["type"] for r in search.search(session, "compilers")] == ["deal"]
        hits = search.search(session, "中文")
        assert [r["type"] for r in hits] == ["interaction"]
        assert [r["type"] for r in search.search(session, "brochure")] == ["reminder"]
        assert [r["type"] for r in search.search(session, "compact")] == ["product"]


# --- upserts ----------------------------------------------------------------------------


def test_update_by_id_changes_only_the_given_fields(varied):
    before = {json.loads(x)["id"]: json.loads(x) for x in export_lines(varied, ["customer"])}
    report = run_import(varied, [line(type="customer", id=1, title="Countess", tags=["poet"])])
    assert report.updated["customer"] == 1 and report.total_created == 0
    after = {json.loads(x)["id"]: json.loads(x) for x in export_lines(varied, ["customer"])}
    changed = {k for k in after[1] if after[1][k] != before[1][k]}
    assert changed == {"title", "tags", "updated_at"}
    assert after[1]["tags"] == ["poet"]
    assert after[2] == before[2]


def test_create_with_and_without_id(store):
    report = run_import(
        store,
        [
            line(type="company", id=40, name="Umbrella", domain="UMBRELLA.com"),
            line(type="customer", name="New Person", company_id=40, email="NEW@example.com"),
            line(type="customer", id=77, name="Fixed Id"),
        ],
    )
    assert report.created == {**dict.fromkeys(registry.names(), 0), "company": 1, "customer": 2}
    records = [json.loads(x) for x in export_lines(store, ["company", "customer"])]
    company = records[0]
    assert (company["id"], company["domain"]) == (40, "umbrella.com")
    person = next(r for r in records if r["name"] == "New Person")
    assert person["company"] == "Umbrella"
    assert person["emails"] == ["new@example.com"]
    assert any(r["id"] == 77 for r in records)


def test_links_by_ref_email_and_name(varied):
    report = run_import(
        varied,
        [
            line(type="customer", name="Ref Person", company="globex", emails=["ref@x.io"]),
            line(type="deal", title="Ref deal", customer="ref@x.io", stage="qualified", value=5),
            line(type="interaction", customer="Ref Person", deal="Ref deal", channel="Chat"),
            line(type="reminder", deal="Ref deal", due_at="2027-01-05T09:00:00Z", text="Ping"),
            line(type="stage_change", deal="Ref deal", from_stage="Qualified", to_stage="Won"),
        ],
    )
    assert report.total_created == 5
    with varied.read() as session:
        person = session.exec(select(Customer).where(Customer.name == "Ref Person")).one()
        deal = session.exec(select(Deal).where(Deal.title == "Ref deal")).one()
        assert deal.customer_id == person.id
        assert deal.company_id == person.company_id == 2  # Globex, from the customer
        assert session.get(Stage, deal.stage_id).name == "Qualified"
        assert deal.value_minor == 500
        note = session.exec(select(Interaction).where(Interaction.deal_id == deal.id)).one()
        assert (note.customer_id, note.channel, note.by) == (person.id, "chat", USER)
        reminder = session.exec(select(Reminder).where(Reminder.deal_id == deal.id)).one()
        assert reminder.customer_id == person.id  # a deal brings its customer
        change = session.exec(select(StageChange).where(StageChange.deal_id == deal.id)).one()
        assert (change.from_stage_id, change.to_stage_id, change.by) == (2, 5, USER)


def test_created_deal_gets_no_automatic_stage_change(varied):
    before = count(varied, StageChange)
    run_import(varied, [line(type="deal", title="Quiet", customer_id=1, stage_id=3)])
    assert count(varied, StageChange) == before


def test_updated_deal_moving_stage_is_recorded(varied):
    deal = json.loads(export_lines(varied, ["deal"])[0])
    assert deal["stage"] == "Proposal"
    # A stale copy from an export, with only the stage changed: the move stamps new times.
    moved = {**deal, "stage_id": 5, "stage": "Won"}
    run_import(varied, [json.dumps(moved)])
    with varied.read() as session:
        row = session.get(Deal, deal["id"])
        assert row.stage_id == 5
        assert row.closed_at is not None
        assert row.stage_changed_at > datetime.fromisoformat(deal["stage_changed_at"])
        last = session.exec(
            select(StageChange)
            .where(StageChange.deal_id == deal["id"])
            .order_by(StageChange.id.desc())
        ).first()
        assert (last.from_stage_id, last.to_stage_id, last.by) == (3, 5, USER)


def test_moving_to_lost_needs_a_reason(varied):
    with pytest.raises(InvalidInput, match=r"^line 1: .*reason"):
        run_import(varied, [line(type="deal", id=1, stage="Lost")])
    run_import(varied, [line(type="deal", id=1, stage="Lost", lost_reason="Too slow")])
    deal = json.loads(export_lines(varied, ["deal"])[0])
    assert (deal["stage"], deal["status"], deal["lost_reason"]) == ("Lost", "lost", "Too slow")


def test_changing_currency_keeps_the_amount(varied):
    run_import(varied, [line(type="deal", id=1, currency="JPY", value=1500)])
    run_import(varied, [line(type="deal", id=5, currency="jpy")])  # was 300 USD
    deals_ = {json.loads(x)["id"]: json.loads(x) for x in export_lines(varied, ["deal"])}
    assert (deals_[1]["value"], deals_[1]["currency"]) == (1500, "JPY")
    assert (deals_[5]["value"], deals_[5]["currency"]) == (300, "JPY")
    with pytest.raises(InvalidInput, match=r"^line 1: .*decimal places"):
        run_import(varied, [line(type="deal", id=4, currency="USD")])  # 12.345 KWD


def test_customer_email_and_emails(store):
    run_import(
        store,
        [
            line(type="customer", id=1, name="Only Primary", email="one@x.com"),
            line(type="customer", id=2, name="Only List", emails=["b@x.com", "a@x.com"]),
            line(
                type="customer", id=3, name="Both", email="p@x.com", emails=["q@x.com", "p@x.com"]
            ),
            line(type="customer", id=4, name="Phones", phone="555-0101", phones=["555-0102"]),
        ],
    )

    def emails() -> dict[int, list[str]]:
        return {
            json.loads(x)["id"]: json.loads(x)["emails"] for x in export_lines(store, ["customer"])
        }

    assert emails() == {
        1: ["one@x.com"],
        2: ["b@x.com", "a@x.com"],
        3: ["p@x.com", "q@x.com"],
        4: [],
    }
    phones = [json.loads(x)["phones"] for x in export_lines(store, ["customer"])]
    assert phones[3] == ["555-0101", "555-0102"]

    # On an update, `email` alone makes that address primary and keeps the others ...
    run_import(store, [line(type="customer", id=2, email="a@x.com")])
    run_import(store, [line(type="customer", id=1, email="extra@x.com")])
    # ... while `emails` is the whole list, and `email: null` alone changes nothing.
    run_import(store, [line(type="customer", id=3, emails=["r@x.com"])])
    run_import(store, [line(type="customer", id=2, email=None)])
    assert emails() == {
        1: ["extra@x.com", "one@x.com"],
        2: ["a@x.com", "b@x.com"],
        3: ["r@x.com"],
        4: [],
    }


def test_taken_email_after_new_ones_in_the_same_batch_names_its_line(varied):
    """SQLite's unique index refuses the batch; the lookup that names the line skips the
    batch's own addresses written just before, and nothing stays written."""
    before = export_lines(varied)
    with pytest.raises(Conflict, match=r"^line 3: email grace@navy.mil already belongs"):
        run_import(
            varied,
            [
                line(type="customer", name="New One", emails=["new.one@x.com"]),
                line(type="customer", name="New Two", emails=["new.two@x.com"]),
                line(type="customer", name="Thief", emails=["Grace@Navy.mil"]),
            ],
        )
    assert export_lines(varied) == before


def test_email_taken_by_another_customer_is_a_conflict(varied):
    with pytest.raises(Conflict, match=r"^line 2: email grace@navy.mil already belongs"):
        run_import(
            varied,
            [
                line(type="customer", name="Fine"),
                line(type="customer", name="Thief", emails=["Grace@Navy.mil"]),
            ],
        )


def test_pipeline_stages_are_upserted_by_id(store):
    run_import(
        store,
        [
            line(
                type="pipeline",
                id=1,
                stages=[
                    {"id": 1, "name": "Qualified", "probability": 15},
                    {"id": 2, "name": "Lead"},  # a swap of two names
                    {"name": "Demo", "probability": 40, "rotting_days": 7},
                ],
            ),
            line(type="pipeline", name="Partners", stages=[{"name": "Talk", "probability": 20}]),
        ],
    )
    records = [json.loads(x) for x in export_lines(store, ["pipeline"])]
    sales, partners = records
    assert [(s["id"], s["name"], s["probability"]) for s in sales["stages"][:2]] == [
        (1, "Qualified", 15),
        (2, "Lead", 25),
    ]
    demo = sales["stages"][-1]
    assert (demo["name"], demo["position"], demo["kind"], demo["rotting_days"]) == (
        "Demo",
        7,
        "open",
        7,
    )
    assert partners["name"] == "Partners" and not partners["is_default"]
    assert partners["stages"][0]["kind"] == "open"

    run_import(store, [line(type="pipeline", id=partners["id"], is_default=True)])
    defaults = [json.loads(x)["is_default"] for x in export_lines(store, ["pipeline"])]
    assert defaults == [False, True]


def test_dry_run_reports_and_writes_nothing(varied):
    before = export_lines(varied)
    with varied.write() as session:
        report = transfer.import_lines(
            session, [line(type="customer", name="Maybe"), line(type="customer", id=1, title="X")]
        )
        session.rollback()
    assert report.summary() == "1 created, 1 updated"
    assert export_lines(varied) == before


# --- all or nothing, and errors naming their line ---------------------------------------


def test_a_bad_line_writes_nothing(varied):
    before = export_lines(varied)
    customers_before = count(varied, Customer)
    emails_before = count(varied, CustomerEmail)
    bad = [
        line(type="customer", name="Good One", emails=["good1@x.com"]),
        line(type="customer", id=1, name="Renamed"),
        line(type="customer", name="Bad", email="not-an-email"),
        line(type="customer", name="Never reached"),
    ]
    with pytest.raises(InvalidInput, match=r"^line 3: invalid email 'not-an-email'"):
        run_import(varied, bad)
    assert count(varied, Customer) == customers_before
    assert count(varied, CustomerEmail) == emails_before
    assert export_lines(varied) == before
    with varied.read() as session:
        assert search.search(session, "good") == []


@pytest.mark.parametrize(
    ("text", "error", "pattern"),
    [
        ('{"type": "customer", "name": "x"', InvalidInput, r"^line 2: invalid JSON"),
        ("[1, 2]", InvalidInput, r"^line 2: expected a JSON object"),
        ('{"name": "x"}', InvalidInput, r"^line 2: missing field 'type'"),
        ('{"type": "person"}', InvalidInput, r"^line 2: unknown type 'person': use one of"),
        (
            '{"type": "customer", "name": "x", "foo": 1}',
            InvalidInput,
            r"^line 2: unknown field 'foo' for customer",
        ),
        (
            '{"type": "customer", "name": "x", "email": "nope"}',
            InvalidInput,
            r"^line 2: invalid email 'nope'",
        ),
        (
            '{"type": "customer", "name": "x", "tags": ["no space"]}',
            InvalidInput,
            r"^line 2: invalid tag",
        ),
        (
            '{"type": "customer", "name": "x", "fields": {"a": [1]}}',
            InvalidInput,
            r"^line 2: invalid value of custom field 'a'",
        ),
        ('{"type": "customer", "name": "  "}', InvalidInput, r"^line 2: name cannot be empty"),
        (
            '{"type": "customer", "name": "x", "created_at": "yesterday"}',
            InvalidInput,
            r"^line 2: field 'created_at'",
        ),
        (
            '{"type": "customer", "name": "x", "company": "Nobody Inc"}',
            NotFound,
            r"^line 2: no company matches 'Nobody Inc'",
        ),
        (
            '{"type": "customer", "name": "x", "company_id": 99}',
            NotFound,
            r"^line 2: no company with id 99",
        ),
        (
            '{"type": "deal", "title": "t", "customer": "nobody@x.com"}',
            NotFound,
            r"^line 2: no customer has the email",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "stage": "Limbo"}',
            InvalidInput,
            r"^line 2: unknown stage 'Limbo'",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "value": -5}',
            InvalidInput,
            r"^line 2: invalid amount '-5': amounts cannot be negative",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "value": 1.234}',
            InvalidInput,
            r"^line 2: invalid amount '1.234': USD has 2 decimal places",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "value": NaN}',
            InvalidInput,
            r"^line 2: invalid JSON",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "close_date": "soon"}',
            InvalidInput,
            r"^line 2: field 'close_date'",
        ),
        (
            '{"type": "deal", "title": "t"}',
            InvalidInput,
            r"^line 2: a new deal needs a 'customer_id'",
        ),
        (
            '{"type": "interaction", "customer_id": 1, "channel": "pigeon"}',
            InvalidInput,
            r"^line 2: unknown channel 'pigeon'",
        ),
        (
            '{"type": "interaction", "customer_id": 1, "channel": "call", "direction": "up"}',
            InvalidInput,
            r"^line 2: invalid direction 'up'",
        ),
        (
            '{"type": "reminder", "customer_id": 1, "due_at": "2027-01-01", "snooze_count": -1}',
            InvalidInput,
            r"^line 2: invalid snooze count",
        ),
        (
            '{"type": "pipeline", "name": "Sales", "stages": [{"name": "A", "probability": 5}]}',
            Conflict,
            r"^line 2: a pipeline named Sales already exists",
        ),
        (
            '{"type": "pipeline", "id": 1, "stages": [{"id": 1, "name": "Won"}]}',
            InvalidInput,
            r"^line 2: pipeline Sales already has a stage Won",
        ),
        (
            '{"type": "customer", "id": 0, "name": "x"}',
            InvalidInput,
            r"^line 2: field 'id' must be an id",
        ),
        (
            '{"type": "customer", "id": "7", "name": "x"}',
            InvalidInput,
            r"^line 2: field 'id' must be a whole number",
        ),
        (
            '{"type": "customer", "name": "\\ud800"}',
            InvalidInput,
            r"^line 2: field 'name' is not valid text .*unpaired surrogate",
        ),
        (
            '{"type": "customer", "name": "ok", "fields": {"x": ["\\udfff"]}}',
            InvalidInput,
            r"^line 2: field 'x' is not valid text",
        ),
        (
            '{"type": "customer", "name": "\u200b"}',
            InvalidInput,
            r"^line 2: name cannot be only invisible characters",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "close_date": "9999-12-31"}',
            InvalidInput,
            r"^line 2: field 'close_date': .*years 1900 to 2999",
        ),
        (
            '{"type": "deal", "title": "t", "customer_id": 1, "close_date": "0001-01-01"}',
            InvalidInput,
            r"^line 2: field 'close_date': .*years 1900 to 2999",
        ),
        (
            '{"type": "interaction", "customer_id": 1, "channel": "call", '
            '"occurred_at": "0001-01-01T00:00:00Z"}',
            InvalidInput,
            r"^line 2: field 'occurred_at': .*years 1900 to 2999",
        ),
        (
            '{"type": "reminder", "customer_id": 1, "due_at": "9999-12-31T23:00:00+00:00"}',
            InvalidInput,
            r"^line 2: field 'due_at': .*years 1900 to 2999",
        ),
    ],
)
def test_errors_name_the_line(store, text, error, pattern):
    first = line(type="customer", id=1, name="First", emails=["first@x.com"])
    with pytest.raises(error, match=pattern):
        run_import(store, [first, text])
    assert count(store, Customer) == 0


def test_ambiguous_ref_keeps_its_candidates(store):
    run_import(
        store, [line(type="customer", name="Ann Lee"), line(type="customer", name="Ann Ray")]
    )
    with pytest.raises(Ambiguous) as caught:
        run_import(store, ["", line(type="deal", title="t", customer="ann")])
    assert str(caught.value).startswith("line 2: 'ann' matches several customers")
    assert len(caught.value.candidates) == 2


# --- property: any customers survive export -> import -> export ----------------------------

_word = st.text(st.characters(whitelist_categories=("L",)), min_size=1, max_size=8)
_names = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_emails = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,8}@[a-z0-9-]{1,8}\.[a-z]{2,4}", fullmatch=True)
_tags = st.from_regex(r"[a-z0-9_][a-z0-9_./-]{0,8}", fullmatch=True)
_field_values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
_fields = st.dictionaries(
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), _field_values, max_size=4
)
_people = st.lists(
    st.tuples(_names, st.integers(0, 3), st.lists(_tags, max_size=3), _fields),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=_people, addresses=st.lists(_emails, unique=True, max_size=9))
def test_customers_round_trip_property(template, people, addresses):
    with tempfile.TemporaryDirectory() as folder:
        source = fresh_store(template, Path(folder), "source.db")
        target = fresh_store(template, Path(folder), "target.db")
        try:
            pool = iter(addresses)
            with source.write() as session:
                for name, how_many, tags, fields in people:
                    mails = [m for _, m in zip(range(how_many), pool, strict=False)]
                    customers.add(session, name, emails=mails, tags=tags, fields=fields)
            first = export_lines(source)
            report = run_import(target, first)
            assert report.created["customer"] == len(people)
            assert export_lines(target) == first
        finally:
            source.dispose()
            target.dispose()


def test_bulk_path_reads_stage_names_and_defaults_the_company(tmp_path) -> None:
    """Plain creates that name stages, or omit a deal's company, take the fast path and
    end up exactly as `crm deal add` and the row-by-row importer would write them."""
    from crmcli.store.db import open_store

    lines = [
        {"type": "company", "id": 7, "name": "Acme"},
        {"type": "customer", "id": 3, "name": "Ada", "company_id": 7},
        {"type": "deal", "id": 5, "title": "Engines", "customer_id": 3, "stage": "prop"},
        {"type": "stage_change", "deal_id": 5, "from_stage": None, "to_stage": "Lead"},
        {"type": "stage_change", "deal_id": 5, "from_stage": "lead", "to_stage": "Proposal"},
    ]
    store = open_store(str(tmp_path / "bulk.db"))
    with store.write() as session:
        report = transfer.import_lines(session, [json.dumps(line) for line in lines])
    assert report.total_created == 5
    with store.read() as session:
        deal = session.get(Deal, 5)
        assert deal.company_id == 7
        assert deal.stage_id == 3
        changes = session.exec(select(StageChange).order_by(StageChange.id)).all()
        assert [(c.from_stage_id, c.to_stage_id) for c in changes] == [(None, 1), (1, 3)]
    bad = [*lines[:3], {"type": "stage_change", "deal_id": 5, "to_stage": "Nope"}]
    fresh = open_store(str(tmp_path / "bad.db"))
    with (
        pytest.raises(InvalidInput, match=r"line 4: unknown stage 'Nope'"),
        fresh.write() as session,
    ):
        transfer.import_lines(session, [json.dumps(line) for line in bad])
    store.dispose()
    fresh.dispose()


@pytest.mark.parametrize(("column", "target"), [("customer_id", "customer"), ("deal_id", "deal")])
def test_a_missing_link_in_a_later_batch_names_its_line_and_writes_nothing(
    store: Store, column: str, target: str
) -> None:
    """Links are left to SQLite's foreign keys on the fast path; a refused one is still
    reported by line, and the whole import is undone."""
    lines = ['{"type": "customer", "id": 1, "name": "Ada"}']
    lines += [
        json.dumps({"type": "interaction", "customer_id": 1, "channel": "call"})
        for _ in range(6_000)
    ]
    bad = {"type": "interaction", "customer_id": 1, "channel": "call", column: 77}
    lines[5_500] = json.dumps(bad)
    refused = pytest.raises(NotFound, match=rf"^line 5501: no {target} with id 77$")
    with refused, store.write() as s:
        transfer.import_lines(s, lines)
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Interaction)).one() == 0
        assert s.exec(select(func.count()).select_from(Customer)).one() == 0


def test_without_enforced_constraints_links_and_emails_are_checked_first(
    varied, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path other databases take: lookups before the insert, same messages."""
    from crmcli.store.backends.sqlite import SQLiteBackend

    monkeypatch.setattr(SQLiteBackend, "enforces_links_on_insert", lambda self, session: False)
    written: list[str] = []
    insert_rows = SQLiteBackend.insert_rows

    def recording(self, session, table, rows) -> None:
        written.append(table.name)
        insert_rows(self, session, table, rows)

    monkeypatch.setattr(SQLiteBackend, "insert_rows", recording)
    before = export_lines(varied)
    with pytest.raises(NotFound, match=r"^line 2: no customer with id 999999$"):
        run_import(
            varied,
            [
                line(type="customer", name="Ok"),
                line(type="interaction", customer_id=999999, channel="call"),
            ],
        )
    with pytest.raises(Conflict, match=r"^line 2: email grace@navy.mil already belongs"):
        run_import(
            varied,
            [
                line(type="customer", name="Ok"),
                line(type="customer", name="Thief", emails=["grace@navy.mil"]),
            ],
        )
    assert export_lines(varied) == before
    assert "interaction" not in written and "customer_email" not in written  # refused before


# --- products and purchases -----------------------------------------------------------------


def table_rows(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, as stored; the full-text index by its entries (its shadow
    tables depend on how the entries were batched)."""
    with store.read() as session:
        connection = session.connection()
        names = [
            name
            for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if not name.startswith(("sqlite_", "search_index_"))
        ]
        return {
            name: sorted(
                map(tuple, connection.exec_driver_sql(f'SELECT rowid, * FROM "{name}"')), key=repr
            )
            for name in names
        }


@pytest.fixture
def row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line through the row-by-row importer: the bulk path takes none."""
    from crmcli.interop.bulk_import import BulkCreates

    monkeypatch.setattr(BulkCreates, "accepts", lambda self, kind, data: False)


def test_bulk_and_row_by_row_imports_write_the_same_database(varied, new_store, monkeypatch):
    """The same export read back by the fast path and line by line: the same rows in
    every table, stored times and the full-text index included."""
    lines = export_lines(varied)
    fast = new_store("fast.db")
    run_import(fast, lines)
    from crmcli.interop.bulk_import import BulkCreates

    monkeypatch.setattr(BulkCreates, "accepts", lambda self, kind, data: False)
    slow = new_store("slow.db")
    run_import(slow, lines)
    fast_rows, slow_rows = table_rows(fast), table_rows(slow)
    assert fast_rows["purchase_item"] and fast_rows["product"]
    for name in fast_rows:
        assert fast_rows[name] == slow_rows[name], name
    assert export_lines(slow) == export_lines(fast) == lines


def test_purchase_lines_keep_exact_amounts(varied, new_store):
    target = new_store("target.db")
    run_import(target, export_lines(varied))
    with target.read() as session:
        items = session.exec(select(PurchaseItem).order_by(PurchaseItem.id)).all()
        assert [(i.quantity, i.amount_minor, i.cost_minor) for i in items] == [
            (2, 2933, 1600),
            (1, 1250, 800),
            (3, 1000, None),
            (1, 2000, None),
            (-1, -1466, -800),
        ]
        bare = session.get(Purchase, 4)
        assert (bare.currency, bare.amount_minor, bare.cost_minor, bare.quantity) == (
            "JPY",
            9999,
            4000,
            3,
        )
        refund = session.get(Purchase, 5)
        assert (refund.refund_of_id, refund.amount_minor, refund.quantity) == (1, -1466, -1)


def _sales_lines(*purchase_lines: dict) -> list[str]:
    """A customer, two products (CD in USD with a cost, LP in EUR) and the given lines."""
    return [
        line(type="customer", id=1, name="Ada"),
        line(type="customer", id=2, name="Grace"),
        line(type="product", id=1, sku="CD", name="Compact disc", price=12.5, cost=8),
        line(type="product", id=2, sku="LP", name="Vinyl", price=20, currency="EUR"),
        *(json.dumps({"type": "purchase", **p}) for p in purchase_lines),
    ]


@pytest.mark.parametrize("path", ["bulk", "row by row"])
def test_the_issue_format_imports_by_either_path(store, path, monkeypatch):
    if path == "row by row":
        from crmcli.interop.bulk_import import BulkCreates

        monkeypatch.setattr(BulkCreates, "accepts", lambda self, kind, data: False)
    report = run_import(
        store,
        _sales_lines(
            {
                "id": 1,
                "customer_id": 1,
                "at": "1997-01-01T12:00:00+00:00",
                "currency": "USD",
                "amount": 29.33,
                "quantity": 2,
                "channel": "web",
                "items": [{"product": "CD", "quantity": 2, "unit_price": 14.665}],
            },
            {"customer_id": 2, "items": [{"product_id": 1}, {"product": "cd", "quantity": 2}]},
            {"customer_id": 2, "amount": 15, "currency": "EUR", "channel": "Store"},
            {"customer_id": 1, "items": [{"product": "LP", "cost": None}]},
        ),
    )
    assert report.created["purchase"] == 4 and report.created["product"] == 2
    records = [json.loads(x) for x in export_lines(store, ["purchase"])]
    first, listed, bare, in_euro = records
    assert (first["amount"], first["cost"], first["items"][0]["unit_price"]) == (29.33, 16, 14.665)
    # Lines without a price take the product's list price and unit cost.
    assert (listed["amount"], listed["quantity"], listed["cost"]) == (37.5, 3, 24)
    assert (listed["currency"], listed["by"], listed["channel"]) == ("USD", USER, "web")
    assert (bare["amount"], bare["quantity"], bare["items"], bare["channel"]) == (
        15,
        1,
        [],
        "store",
    )
    # A purchase without a currency takes its products'; a cost given as null stays unknown.
    assert (in_euro["currency"], in_euro["amount"], in_euro["cost"]) == ("EUR", 20, None)


def test_a_refund_line_is_stored_negative_whatever_its_sign(store):
    run_import(
        store,
        _sales_lines(
            {"id": 1, "customer_id": 1, "items": [{"product": "CD", "quantity": 3}]},
            {"id": 2, "customer_id": 1, "refund_of": 1, "amount": 12.5, "quantity": 1},
            {"id": 3, "customer_id": 1, "refund_of": 1, "items": [{"product": "CD"}]},
            {
                "id": 4,
                "customer": "Ada",
                "refund_of": 1,
                "amount": -12.5,
                "items": [{"product": "CD", "quantity": -1, "amount": -12.5, "cost": -8}],
            },
        ),
    )
    with store.read() as session:
        refunds = session.exec(select(Purchase).where(Purchase.refund_of_id == 1)).all()
        assert [(r.amount_minor, r.quantity, r.cost_minor) for r in refunds] == [
            (-1250, -1, None),
            (-1250, -1, -800),
            (-1250, -1, -800),
        ]
    with pytest.raises(
        InvalidInput, match=r"^line 1: refund of 0.01 USD exceeds the 0.00 left on purchase 1$"
    ):
        run_import(store, [line(type="purchase", customer_id=1, refund_of=1, amount=0.01)])


def test_updates_replace_what_the_line_gives(store):
    run_import(
        store,
        _sales_lines(
            {"id": 1, "customer_id": 1, "items": [{"product": "CD", "quantity": 2}]},
            {"id": 2, "customer_id": 1, "amount": 12.34, "cost": 5},
        ),
    )
    run_import(
        store,
        [
            line(type="purchase", id=1, items=[{"product": "CD", "quantity": 1, "amount": 9}]),
            line(type="purchase", id=2, currency="EUR", note="Now in euros"),
            line(type="product", id=1, currency="JPY", price=1300),
            line(type="product", id=2, currency="USD"),
        ],
    )
    records = {json.loads(x)["id"]: json.loads(x) for x in export_lines(store, ["purchase"])}
    assert (records[1]["amount"], records[1]["quantity"], records[1]["cost"]) == (9, 1, 8)
    assert len(records[1]["items"]) == 1
    # A new currency keeps the amounts in major units, as a deal's value does.
    assert (records[2]["currency"], records[2]["amount"], records[2]["cost"]) == ("EUR", 12.34, 5)
    catalogue = [json.loads(x) for x in export_lines(store, ["product"])]
    assert [(p["currency"], p["price"], p["cost"]) for p in catalogue] == [
        ("JPY", 1300, 8),
        ("USD", 20, None),
    ]
    with pytest.raises(InvalidInput, match=r"^line 1: .*JPY has 0 decimal places"):
        run_import(store, [line(type="purchase", id=2, currency="JPY")])
    with pytest.raises(InvalidInput, match=r"^line 1: purchase 2 is no refund: 'refund_of'"):
        run_import(store, [line(type="purchase", id=2, refund_of=1)])


_ITEM = {"product": "CD", "quantity": 2, "unit_price": 14.665}


@pytest.mark.parametrize(
    ("purchase", "error", "pattern"),
    [
        (
            {"items": [{"product": "NOPE"}]},
            NotFound,
            r"unknown SKU 'NOPE': no product has it",
        ),
        ({"items": [{"product_id": 99}]}, NotFound, r"no product with id 99$"),
        (
            {"items": [{"product": "CD", "quantity": 0}]},
            InvalidInput,
            r"item 1: field 'quantity' cannot be 0",
        ),
        (
            {"amount": 30, "items": [_ITEM]},
            InvalidInput,
            r"amount 30 disagrees with its lines' total 29.33 USD",
        ),
        (
            {"quantity": 3, "items": [_ITEM]},
            InvalidInput,
            r"quantity 3 disagrees with its lines' 2 units",
        ),
        (
            {"cost": 15, "items": [_ITEM]},
            InvalidInput,
            r"cost 15 disagrees with its lines' cost 16.00 USD",
        ),
        (
            {"items": [{"product": "CD", "unit_price": 14.665}]},
            InvalidInput,
            r"invalid price '14.665' x 1: the total is finer than USD's minor unit",
        ),
        (
            {"items": [{"product": "CD", "quantity": 2, "amount": 29.33, "unit_price": 14}]},
            InvalidInput,
            r"'CD': amount 29.33 is not 2 x 14$",
        ),
        (
            {"items": [{"product": "CD"}, {"product": "LP"}]},
            InvalidInput,
            r"'LP' is priced in EUR and the purchase is in USD: a purchase is in one currency",
        ),
        (
            {"currency": "EUR", "items": [{"product": "CD"}]},
            InvalidInput,
            r"'CD' is priced in USD and the purchase is in EUR",
        ),
        (
            {"items": [{"product": "CD", "colour": "red"}]},
            InvalidInput,
            r"item 1: unknown field 'colour' for a purchase item",
        ),
        ({"amount": 5, "discount": 1}, InvalidInput, r"unknown field 'discount' for purchase"),
        ({"items": "CD"}, InvalidInput, r"field 'items' must be a list of objects"),
        ({"items": [{"quantity": 1}]}, InvalidInput, r"item 1: a purchase item needs a 'product'"),
        ({"amount": -5}, InvalidInput, r"invalid amount '-5': negative \(record a refund"),
        (
            {"items": [{"product": "CD", "quantity": -1}]},
            InvalidInput,
            r"invalid quantity -1 of 'CD': negative",
        ),
        (
            {"amount": 1.234},
            InvalidInput,
            r"field 'amount': invalid amount '1.234': USD has 2 decimal places",
        ),
        ({"channel": "fax", "amount": 5}, InvalidInput, r"unknown purchase channel 'fax'"),
        ({}, InvalidInput, r"a new purchase needs 'items' or an 'amount'"),
        ({"customer_id": None, "amount": 5}, InvalidInput, r"a purchase needs a customer$"),
        ({"customer_id": 99, "amount": 5}, NotFound, r"no customer with id 99$"),
        ({"refund_of": 99, "amount": 5}, NotFound, r"no purchase with id 99$"),
        (
            {"refund_of": 1, "amount": 5, "customer_id": 2},
            InvalidInput,
            r"a refund is for its purchase's customer \(purchase 1: customer 1\)$",
        ),
        (
            {"refund_of": 1, "amount": 5, "currency": "EUR"},
            InvalidInput,
            r"a refund is in its purchase's currency \(purchase 1: USD\)$",
        ),
        ({"refund_of": 6, "amount": 5}, InvalidInput, r"purchase 6 is itself a refund"),
        (
            {"refund_of": 1, "amount": 30},
            InvalidInput,
            r"refund of 30.00 USD exceeds the 24.99 left on purchase 1$",
        ),
    ],
)
@pytest.mark.parametrize("path", ["bulk", "row by row"])
def test_bad_purchase_lines_name_the_line_and_write_nothing(
    store, path, purchase, error, pattern, monkeypatch
):
    if path == "row by row":
        from crmcli.interop.bulk_import import BulkCreates

        monkeypatch.setattr(BulkCreates, "accepts", lambda self, kind, data: False)
    good = [
        {"id": 1, "customer_id": 1, "items": [{"product": "CD", "quantity": 2}]},
        {"id": 6, "customer_id": 1, "refund_of": 1, "amount": 0.01},
    ]
    lines = _sales_lines(*good, {"customer_id": 1, **purchase})
    with pytest.raises(error, match=rf"^line 7: {pattern}"):
        run_import(store, lines)
    for model in (Customer, Product, Purchase, PurchaseItem):
        assert count(store, model) == 0, model


@pytest.mark.parametrize("path", ["bulk", "row by row"])
def test_a_taken_sku_is_a_conflict_naming_its_line(store, path, monkeypatch):
    if path == "row by row":
        from crmcli.interop.bulk_import import BulkCreates

        monkeypatch.setattr(BulkCreates, "accepts", lambda self, kind, data: False)
    lines = [
        line(type="product", sku="CD", name="Compact disc", price=12.5),
        line(type="product", sku="LP", name="Vinyl", price=20),
        line(type="product", sku="cd", name="Again", price=1),
    ]
    with pytest.raises(Conflict, match=r"^line 3: SKU 'CD' is taken by product 1$"):
        run_import(store, lines)
    assert count(store, Product) == 0
