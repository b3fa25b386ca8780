"""`crm deal ...` and `crm pipeline ...`: deals, stage changes and pipelines."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime

import pytest
from dateutil.relativedelta import relativedelta

from crmcli.kernel.dates import local
from crmcli.store.models import Deal, Pipeline, Stage, StageChange, Tag
from tests.cli.helpers import build_db, db_rows

ADA = [
    ("company", "add", "Acme", "--domain", "acme.com"),
    ("customer", "add", "Ada Lovelace", "--email", "ada@example.com", "--company", "acme"),
]


@pytest.fixture(scope="module")
def _ada_db(tmp_path_factory, _template_db):
    return build_db(tmp_path_factory, _template_db, ADA)


@pytest.fixture(scope="module")
def _deal_db(tmp_path_factory, _template_db):
    engine = ("deal", "add", "Engine", "--customer", "Ada", "--value", "10000")
    return build_db(tmp_path_factory, _template_db, [*ADA, engine])


@pytest.fixture
def ada(cli, isolated_env, _ada_db):
    """Company 1 Acme, customer 1 Ada Lovelace (ada@example.com) of Acme."""
    shutil.copyfile(_ada_db, isolated_env)
    return cli


def add_deal(cli, *args: str) -> int:
    return int(cli("deal", "add", *args).stdout.strip())


def stage_names(session_rows: list[dict]) -> dict[int, str]:
    return {s["id"]: s["name"] for s in session_rows}


def changes(deal_id: int) -> list[tuple[str | None, str, str]]:
    """The deal's stage_change rows as (from, to, by), oldest first."""
    names = stage_names(db_rows(Stage))
    rows = sorted(db_rows(StageChange, StageChange.deal_id == deal_id), key=lambda r: r["id"])
    return [
        (
            names.get(r["from_stage_id"]) if r["from_stage_id"] else None,
            names[r["to_stage_id"]],
            r["by"],
        )
        for r in rows
    ]


# --- add -----------------------------------------------------------------------------------


def test_add_with_value_and_currency(ada):
    out = ada("deal", "add", "Analytical Engine", "--customer", "ada@example.com",
              "--value", "12000.50", "--currency", "eur").stdout  # fmt: skip
    assert out == "1\n"
    record = ada.json("deal", "show", "1")
    assert record["title"] == "Analytical Engine"
    assert record["value"] == 12000.5
    assert isinstance(record["value"], float)
    assert record["currency"] == "EUR"
    assert record["customer_id"] == 1 and record["customer"] == "Ada Lovelace"
    assert record["company_id"] == 1 and record["company"] == "Acme"
    assert record["pipeline"] == "Sales"
    assert record["stage"] == "Lead"
    assert record["status"] == "open"
    assert record["probability"] == 10
    assert record["weighted_value"] == 1200.05
    assert record["closed_at"] is None
    assert record["lost_reason"] is None
    (row,) = db_rows(Deal)
    assert row["value_minor"] == 1200050
    assert isinstance(row["value_minor"], int)
    assert row["currency"] == "EUR"
    assert changes(1) == [(None, "Lead", "tester")]


def test_add_defaults(ada):
    record = ada.json("deal", "add", "Small", "--customer", "Ada")
    assert record["value"] == 0
    assert record["currency"] == "USD"
    assert record["stage"] == "Lead"
    assert record["pipeline"] == "Sales"
    assert record["close_date"] is None
    assert record["tags"] == []


def test_add_whole_value_is_json_integer(ada):
    record = ada.json("deal", "add", "Round", "--customer", "Ada", "--value", "5000")
    assert record["value"] == 5000 and isinstance(record["value"], int)
    assert db_rows(Deal)[0]["value_minor"] == 500000


def test_add_zero_decimal_currency(ada):
    record = ada.json(
        "deal", "add", "Yen", "--customer", "Ada", "--value", "1500", "--currency", "jpy"
    )
    assert record["value"] == 1500 and record["currency"] == "JPY"
    assert db_rows(Deal)[0]["value_minor"] == 1500


@pytest.mark.parametrize(
    ("currency", "value", "minor"),
    [("CLF", "1.2345", 12345), ("BHD", "1.234", 1234), ("JPY", "1000", 1000)],
)
def test_add_takes_the_iso_4217_minor_unit(ada, currency, value, minor):
    record = ada.json(
        "deal", "add", "Exact", "--customer", "Ada", "--value", value, "--currency", currency
    )
    assert (record["value"], record["currency"]) == (float(value), currency)
    assert db_rows(Deal)[0]["value_minor"] == minor


def test_unknown_currency_is_one_clear_line(ada):
    result = ada("deal", "add", "Bad", "--customer", "Ada", "--currency", "XYZ", expect=2)
    assert result.stderr.strip().splitlines() == [
        "crm: error: unknown currency 'XYZ': not an ISO 4217 code (EUR, USD, JPY, ...)"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize(
    "stage, expected", [("proposal", "Proposal"), ("NEGOTIATION", "Negotiation")]
)
def test_add_with_stage(ada, stage, expected):
    record = ada.json("deal", "add", "Staged", "--customer", "Ada", "--stage", stage)
    assert record["stage"] == expected
    assert changes(record["id"]) == [(None, expected, "tester")]


def test_add_in_won_stage_is_closed(ada):
    record = ada.json("deal", "add", "Done already", "--customer", "Ada", "--stage", "won")
    assert record["status"] == "won" and record["closed_at"] is not None


def test_add_close_eom(ada):
    record = ada.json("deal", "add", "Soon", "--customer", "Ada", "--close", "eom")
    today = local(datetime.now(UTC)).date()
    assert record["close_date"] == (today + relativedelta(day=31)).isoformat()
    assert db_rows(Deal)[0]["close_date"] == today + relativedelta(day=31)


def test_add_close_iso(ada):
    record = ada.json("deal", "add", "Later", "--customer", "Ada", "--close", "2026-12-31")
    assert record["close_date"] == "2026-12-31"
    assert db_rows(Deal)[0]["close_date"] == date(2026, 12, 31)


def test_add_with_tags_owner_and_fields(ada):
    record = ada.json("deal", "add", "Tagged", "--customer", "Ada", "--tag", "Q4", "--owner", "bob",
                      "--set", "seats=20")  # fmt: skip
    assert record["tags"] == ["q4"] and record["owner"] == "bob"
    assert record["fields"] == {"seats": 20}
    assert [t["name"] for t in db_rows(Tag, Tag.entity == "deal")] == ["q4"]


@pytest.mark.parametrize(
    "args",
    [
        ("--value", "-5"),
        ("--value=-5",),
        ("--value", "abc"),
        ("--value", "12.345"),
        ("--value", "1e400"),
        ("--value", "100000000000000000"),
        ("--value", "nan"),
        ("--currency", "EURO"),
        ("--currency", "€"),
        ("--currency", "XYZ"),
        ("--currency", "CLF", "--value", "1.23456"),
        ("--currency", "BHD", "--value", "1.2345"),
        ("--stage", "Nowhere"),
        ("--close", "blorp"),
        ("--pipeline", "Nope"),
        ("--tag", "a b"),
    ],
)
def test_add_invalid_writes_nothing(ada, args):
    result = ada("deal", "add", "Bad", "--customer", "Ada", *args, expect=None)
    assert result.exit_code in (2, 3), result.stderr
    assert result.exit_code == (3 if "--pipeline" in args else 2)
    assert result.stderr.startswith("crm: error:")
    assert db_rows(Deal) == []
    assert db_rows(StageChange) == []


def test_add_unknown_customer_exits_3(ada):
    ada("deal", "add", "Orphan", "--customer", "nobody@example.com", expect=3)
    ada("deal", "add", "Orphan", "--customer", "99", expect=3)
    assert db_rows(Deal) == []


def test_add_ambiguous_customer_exits_4(ada):
    ada("customer", "add", "Ada Byron")
    result = ada("deal", "add", "Which", "--customer", "ada", expect=4)
    assert "Ada Lovelace" in result.stderr and "Ada Byron" in result.stderr
    assert db_rows(Deal) == []


# --- move / won / lost ---------------------------------------------------------------------


@pytest.fixture
def deal(cli, isolated_env, _deal_db):
    """`ada` plus deal 1 "Engine", 10000 USD, in Lead."""
    shutil.copyfile(_deal_db, isolated_env)
    return cli


def test_move_is_case_insensitive_and_recorded(deal):
    out = deal("deal", "move", "Engine", "PROPOSAL").stdout
    assert "Proposal" in out
    record = deal.json("deal", "show", "1")
    assert record["stage"] == "Proposal"
    assert record["probability"] == 50
    assert record["weighted_value"] == 5000
    assert changes(1) == [(None, "Lead", "tester"), ("Lead", "Proposal", "tester")]
    row = db_rows(Deal)[0]
    stage = {s["id"]: s for s in db_rows(Stage)}[row["stage_id"]]
    assert stage["name"] == "Proposal"


def test_move_json_prints_the_deal(deal):
    record = deal.json("deal", "move", "1", "qualified")
    assert record["stage"] == "Qualified" and record["id"] == 1


def test_move_by_stage_prefix(deal):
    deal("deal", "move", "1", "nego")
    assert deal.json("deal", "show", "1")["stage"] == "Negotiation"


def test_every_stage_change_is_in_history(deal):
    deal("deal", "move", "1", "qualified")
    deal("deal", "move", "1", "proposal")
    deal("deal", "move", "1", "negotiation")
    deal("deal", "won", "1")
    history = deal.json("deal", "history", "1")
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "Lead"),
        ("Lead", "Qualified"),
        ("Qualified", "Proposal"),
        ("Proposal", "Negotiation"),
        ("Negotiation", "Won"),
    ]
    assert all(h["by"] == "tester" for h in history)
    assert all(h["deal_id"] == 1 for h in history)
    ats = [datetime.fromisoformat(h["at"]) for h in history]
    assert ats == sorted(ats)
    assert all(a.utcoffset() is not None for a in ats)
    assert [c[:2] for c in changes(1)] == [(h["from_stage"], h["to_stage"]) for h in history]


def test_show_and_history_list_stage_changes_in_one_order_even_at_the_same_instant(
    deal, isolated_env, monkeypatch
):
    """Oldest first, and changes written in the same instant in the order they were made."""
    from crmcli.commands import context

    for stage in ("qualified", "proposal", "negotiation"):
        deal("deal", "move", "1", stage)
    connection = sqlite3.connect(isolated_env)
    connection.execute("UPDATE stage_change SET at = '2030-01-01 09:00:00.000000'")
    connection.commit()
    connection.close()
    history = deal.json("deal", "history", "1")
    expected = [(None, "Lead"), ("Lead", "Qualified"), ("Qualified", "Proposal")]
    expected.append(("Proposal", "Negotiation"))
    assert [(h["from_stage"], h["to_stage"]) for h in history] == expected
    assert [h["id"] for h in history] == sorted(h["id"] for h in history)

    monkeypatch.setattr(context, "is_terminal", lambda stream=None: True)
    shown = deal("deal", "show", "1").stdout.split("Stage history", 1)[1]
    rows = [line.split() for line in shown.splitlines() if line.strip()[:1].isdigit()]
    assert [int(row[0]) for row in rows] == [h["id"] for h in history]


def test_moving_to_current_stage_records_nothing(deal):
    before = deal.json("deal", "show", "1")
    result = deal("deal", "move", "1", "lead")
    assert result.exit_code == 0
    assert len(db_rows(StageChange)) == 1
    after = deal.json("deal", "show", "1")
    assert after["stage_changed_at"] == before["stage_changed_at"]
    assert len(deal.json("deal", "history", "1")) == 1


def test_unknown_stage_exits_2_and_changes_nothing(deal):
    result = deal("deal", "move", "1", "Heaven", expect=2)
    assert result.stderr.startswith("crm: error:")
    assert "Proposal" in result.stderr  # names what would be accepted
    assert deal.json("deal", "show", "1")["stage"] == "Lead"
    assert len(db_rows(StageChange)) == 1


def test_won(deal):
    record = deal.json("deal", "won", "Engine")
    assert record["stage"] == "Won"
    assert record["status"] == "won"
    assert record["probability"] == 100
    assert record["weighted_value"] == 10000
    assert record["closed_at"] is not None
    assert changes(1)[-1] == ("Lead", "Won", "tester")
    assert db_rows(Deal)[0]["closed_at"] is not None


def test_lost_with_reason(deal):
    deal("deal", "lost", "1", "--reason", "Budget cut")
    record = deal.json("deal", "show", "1")
    assert record["stage"] == "Lost" and record["status"] == "lost"
    assert record["lost_reason"] == "Budget cut"
    assert record["weighted_value"] == 0
    assert record["closed_at"] is not None
    assert db_rows(Deal)[0]["lost_reason"] == "Budget cut"
    assert changes(1)[-1] == ("Lead", "Lost", "tester")


def test_lost_without_reason_exits_2(deal):
    result = deal("deal", "lost", "1", expect=2)
    assert "Traceback" not in result.output
    assert "reason" in result.stderr.lower()
    assert deal.json("deal", "show", "1")["stage"] == "Lead"
    assert len(db_rows(StageChange)) == 1


def test_lost_with_blank_reason_exits_2(deal):
    result = deal("deal", "lost", "1", "--reason", "   ", expect=2)
    assert result.stderr.startswith("crm: error:")
    assert deal.json("deal", "show", "1")["stage"] == "Lead"
    assert len(db_rows(StageChange)) == 1


def test_move_to_lost_stage_needs_reason(deal):
    deal("deal", "move", "1", "lost", expect=2)
    assert deal.json("deal", "show", "1")["stage"] == "Lead"
    deal("deal", "move", "1", "lost", "--reason", "Went silent")
    record = deal.json("deal", "show", "1")
    assert record["stage"] == "Lost" and record["lost_reason"] == "Went silent"


def test_reopening_clears_closed_and_reason(deal):
    deal("deal", "lost", "1", "--reason", "Budget")
    deal("deal", "move", "1", "qualified")
    record = deal.json("deal", "show", "1")
    assert record["status"] == "open"
    assert record["closed_at"] is None
    assert record["lost_reason"] is None
    assert [c[:2] for c in changes(1)] == [(None, "Lead"), ("Lead", "Lost"), ("Lost", "Qualified")]


def test_won_twice_records_once(deal):
    deal("deal", "won", "1")
    deal("deal", "won", "1")
    assert len(db_rows(StageChange)) == 2


def test_move_unknown_deal_exits_3(deal):
    deal("deal", "move", "42", "won", expect=3)
    deal("deal", "won", "Nonexistent", expect=3)
    assert len(db_rows(StageChange)) == 1


# --- show / list / edit / rm -----------------------------------------------------------------


def test_show_by_title_fragment_and_ambiguity(deal):
    add_deal(deal, "Engine Mk II", "--customer", "Ada")
    assert deal.json("deal", "show", "Engine")["id"] == 1  # exact title wins
    assert deal.json("deal", "show", "mk ii")["id"] == 2
    add_deal(deal, "Difference Engine", "--customer", "Ada")
    deal("deal", "show", "engine x", expect=3)
    result = deal("deal", "show", "ngine", expect=4)
    assert "Difference Engine" in result.stderr and "Engine Mk II" in result.stderr


def test_list_formats(deal):
    add_deal(deal, "Second", "--customer", "Ada", "--value", "12000.50", "--currency", "EUR")
    records = deal.json("deal", "list")
    assert [r["id"] for r in records] == [1, 2]
    assert records[1]["value"] == 12000.5
    tsv = deal("deal", "list").stdout.splitlines()
    assert len(tsv) == 2
    fields = tsv[1].split("\t")
    assert fields[:4] == ["2", "Second", "Ada Lovelace", "Lead"]
    assert "12000.5" in fields
    assert deal("deal", "list", "-F", "ids").stdout.splitlines() == ["1", "2"]
    nd = deal("deal", "list", "-F", "ndjson").stdout.splitlines()
    assert [json.loads(x)["title"] for x in nd] == ["Engine", "Second"]


def test_list_sort_by_value(deal):
    add_deal(deal, "Big", "--customer", "Ada", "--value", "99000")
    add_deal(deal, "Tiny", "--customer", "Ada", "--value", "5")
    titles = [r["title"] for r in deal.json("deal", "list", "--sort", "-value")]
    assert titles == ["Big", "Engine", "Tiny"]


def test_edit_deal(deal):
    deal("customer", "add", "Grace Hopper")
    deal("deal", "edit", "1", "--title", "Engine v2", "--value", "20000.25", "--currency", "gbp",
         "--close", "2027-01-15", "--owner", "carol", "--tag", "hot", "--customer", "Grace")  # fmt: skip
    record = deal.json("deal", "show", "1")
    assert record["title"] == "Engine v2"
    assert record["value"] == 20000.25 and record["currency"] == "GBP"
    assert record["close_date"] == "2027-01-15"
    assert record["owner"] == "carol"
    assert record["tags"] == ["hot"]
    assert record["customer"] == "Grace Hopper"
    assert record["stage"] == "Lead"
    row = db_rows(Deal)[0]
    assert row["value_minor"] == 2000025 and row["customer_id"] == 2
    deal("deal", "edit", "1", "--no-close", "--untag", "hot")
    record = deal.json("deal", "show", "1")
    assert record["close_date"] is None and record["tags"] == []
    assert len(db_rows(StageChange)) == 1  # editing is not a stage change


def test_edit_invalid_value_changes_nothing(deal):
    deal("deal", "edit", "1", "--title", "Renamed", "--value", "-1", expect=2)
    record = deal.json("deal", "show", "1")
    assert record["title"] == "Engine" and record["value"] == 10000


def test_rm_and_restore(deal):
    deal("deal", "rm", "1")
    assert deal.json("deal", "list") == []
    assert [r["id"] for r in deal.json("deal", "list", "--deleted")] == [1]
    assert deal.json("deal", "show", "1")["deleted_at"] is not None
    assert db_rows(Deal)[0]["deleted_at"] is not None
    deal("deal", "restore", "1")
    assert [r["id"] for r in deal.json("deal", "list")] == [1]
    assert db_rows(Deal)[0]["deleted_at"] is None


# --- pipelines -------------------------------------------------------------------------------


RENEWALS = (
    "--stage",
    "Due:30",
    "--stage",
    "Quoted:60",
    "--stage",
    "Renewed:100",
    "--stage",
    "Churned:0",
)


def test_pipeline_add_list_show(ada):
    out = ada("pipeline", "add", "Renewals", *RENEWALS).stdout
    assert out.strip() == "2"
    pipelines = ada.json("pipeline", "list")
    assert [p["name"] for p in pipelines] == ["Sales", "Renewals"]
    sales, renewals = pipelines
    assert sales["is_default"] is True and renewals["is_default"] is False
    assert [(s["name"], s["probability"]) for s in sales["stages"]] == [
        ("Lead", 10), ("Qualified", 25), ("Proposal", 50), ("Negotiation", 75), ("Won", 100), ("Lost", 0),
    ]  # fmt: skip
    shown = ada.json("pipeline", "show", "renewals")
    assert shown["name"] == "Renewals"
    assert [(s["name"], s["probability"], s["kind"]) for s in shown["stages"]] == [
        ("Due", 30, "open"),
        ("Quoted", 60, "open"),
        ("Renewed", 100, "won"),
        ("Churned", 0, "lost"),
    ]
    assert [s["position"] for s in shown["stages"]] == [1, 2, 3, 4]
    rows = db_rows(Pipeline, Pipeline.name == "Renewals")
    assert len(rows) == 1
    stages = sorted(db_rows(Stage, Stage.pipeline_id == rows[0]["id"]), key=lambda s: s["position"])
    assert [s["name"] for s in stages] == ["Due", "Quoted", "Renewed", "Churned"]
    # default pipeline when no name is given
    assert ada.json("pipeline", "show")["name"] == "Sales"
    tsv = ada("pipeline", "show", "Renewals").stdout.splitlines()
    assert len(tsv) == 4 and "Due" in tsv[0]


def test_deal_in_another_pipeline(ada):
    ada("pipeline", "add", "Renewals", *RENEWALS)
    record = ada.json("deal", "add", "Renewal 2027", "--customer", "Ada", "--pipeline", "renewals",
                      "--value", "1000")  # fmt: skip
    assert record["pipeline"] == "Renewals"
    assert record["stage"] == "Due"
    assert record["probability"] == 30
    assert record["weighted_value"] == 300
    ada("deal", "move", "1", "quoted")
    assert ada.json("deal", "show", "1")["weighted_value"] == 600
    # a stage of another pipeline is not a stage of this deal
    ada("deal", "move", "1", "proposal", expect=2)
    assert ada.json("deal", "show", "1")["stage"] == "Quoted"
    ada("deal", "won", "1")
    assert ada.json("deal", "show", "1")["stage"] == "Renewed"
    ada("deal", "lost", "1", "--reason", "Moved to a rival")
    record = ada.json("deal", "show", "1")
    assert record["stage"] == "Churned" and record["status"] == "lost"
    assert [c[:2] for c in changes(1)] == [
        (None, "Due"),
        ("Due", "Quoted"),
        ("Quoted", "Renewed"),
        ("Renewed", "Churned"),
    ]


def test_deal_add_stage_of_other_pipeline_is_refused(ada):
    ada("pipeline", "add", "Renewals", *RENEWALS)
    ada(
        "deal",
        "add",
        "X",
        "--customer",
        "Ada",
        "--pipeline",
        "Renewals",
        "--stage",
        "Lead",
        expect=2,
    )
    assert db_rows(Deal) == []


@pytest.mark.parametrize(
    "args, code",
    [
        (("Sales", "--stage", "A:10"), 4),
        (("SALES", "--stage", "A:10"), 4),
        (("P", "--stage", "A"), 2),
        (("P", "--stage", "A:101"), 2),
        (("P", "--stage", "A:x"), 2),
        (("P", "--stage", "A:10:weird"), 2),
        (("P", "--stage", "A:10", "--stage", "a:20"), 2),
        (("P", "--stage", "Won:100", "--stage", "Lost:0"), 2),
        (("P",), 2),
    ],
)
def test_pipeline_add_invalid(ada, args, code):
    result = ada("pipeline", "add", *args, expect=code)
    assert "Traceback" not in result.output
    assert [p["name"] for p in db_rows(Pipeline)] == ["Sales"]
    assert len(db_rows(Stage)) == 6


def test_pipeline_show_unknown(ada):
    ada("pipeline", "show", "Nope", expect=3)


def test_pipeline_add_default_moves_the_default(ada):
    ada("pipeline", "add", "Renewals", *RENEWALS, "--default")
    defaults = [p["name"] for p in db_rows(Pipeline) if p["is_default"]]
    assert defaults == ["Renewals"]
    record = ada.json("deal", "add", "New", "--customer", "Ada")
    assert record["pipeline"] == "Renewals" and record["stage"] == "Due"


def test_new_lost_reason_is_not_a_stage_change(deal):
    deal("deal", "lost", "1", "--reason", "Budget")
    closed = deal.json("deal", "show", "1")["closed_at"]
    deal("deal", "lost", "1", "--reason", "Chose a rival")
    record = deal.json("deal", "show", "1")
    assert record["lost_reason"] == "Chose a rival"
    assert [c[:2] for c in changes(1)] == [(None, "Lead"), ("Lead", "Lost")]
    assert record["closed_at"] == closed


def test_currency_change_keeps_major_units(deal):
    record = deal.json("deal", "edit", "1", "--currency", "jpy")
    assert (record["value"], record["currency"]) == (10000, "JPY")
    assert db_rows(Deal)[0]["value_minor"] == 10000


def test_currency_change_that_cannot_hold_the_cents_exits_2(deal):
    deal("deal", "edit", "1", "--value", "99.99")
    result = deal("deal", "edit", "1", "--currency", "JPY", expect=2)
    assert result.stderr.startswith("crm: error:")
    record = deal.json("deal", "show", "1")
    assert (record["value"], record["currency"]) == (99.99, "USD")
    assert db_rows(Deal)[0]["value_minor"] == 9999
