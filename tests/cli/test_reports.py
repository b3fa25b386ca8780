"""`crm report NAME`, run as a real subprocess: the shared options (filters, --as-of, the
formats, --chart), each report's own, and bad input (one error line, exit 2)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from crmcli.analytics import cohorts, profit, rfm
from crmcli.analytics.channels import FIELDS as CHANNEL_FIELDS
from crmcli.analytics.channels import SEGMENT_FIELDS
from tests.cli.helpers import build_db


def _fill() -> None:
    """Ada (vip, Acme), Bob (USD, a refund), Cy (vip, buys after June 1st), Dee (deleted),
    Eve (calls, never buys)."""
    from crmcli.services import companies, customers, interactions, products, purchases
    from crmcli.store.db import open_store

    def at(month: int, day: int) -> datetime:
        return datetime(2026, month, day, 10, tzinfo=UTC)

    store = open_store(os.environ["CRM_DB"])
    try:
        with store.write() as s:
            companies.add(s, "Acme")
            products.add(s, "CD", sku="CD", price="10", cost="4", currency="EUR", category="music")
            ada = customers.add(s, "Ada", tags=["vip"], company="Acme", owner="alice").id
            bob = customers.add(s, "Bob", owner="bob").id
            cy = customers.add(s, "Cy", tags=["vip"]).id
            dee = customers.add(s, "Dee").id
            eve = customers.add(s, "Eve").id
            cd2 = [purchases.Line("CD", quantity=2)]
            purchases.record(s, ada, lines=cd2, at=at(1, 5), channel="web")
            purchases.record(s, ada, lines=cd2, at=at(2, 10), channel="store")
            purchases.record(s, ada, amount="100", currency="EUR", at=at(5, 1), channel="web")
            paid = purchases.record(
                s, bob, amount="50", currency="USD", at=at(3, 1), channel="store"
            )
            purchases.refund(s, str(paid.id), amount="20", at=at(3, 5))
            purchases.record(s, cy, amount="30", currency="EUR", at=at(6, 20), channel="web")
            interactions.log(s, str(cy), "email", at=at(6, 2), direction="out")
            interactions.log(s, str(cy), "email", at=at(6, 3), direction="in")
            purchases.record(s, dee, amount="999", currency="EUR", at=at(4, 4))
            customers.remove(s, str(dee))
            interactions.log(s, str(eve), "call", at=at(4, 1), direction="in")
            interactions.log(s, str(eve), "call", at=at(4, 2), direction="in")
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def _reports_db(tmp_path_factory, _template_db):
    return build_db(tmp_path_factory, _template_db, [], after=_fill)


@pytest.fixture
def crm(run_crm, isolated_env, _reports_db, monkeypatch):
    """`crm ...` in a subprocess on a copy of the reports' database (UTC days)."""
    shutil.copyfile(_reports_db, isolated_env)
    monkeypatch.setenv("CRM_TZ", "UTC")
    return run_crm


def as_json(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_error_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error:"), result.stderr
    for word in words:
        assert word in lines[0]


AS_OF = "2026-06-30"


# --- rfm: the shared options ---------------------------------------------------------------


def test_rfm_json_is_one_record_per_buyer_with_the_documented_fields(crm) -> None:
    got = as_json(crm("report", "rfm", "--as-of", AS_OF, "--json"))
    assert [list(r) for r in got] == [list(rfm.FIELDS)] * 3
    by_name = {r["customer"]: r for r in got}
    assert set(by_name) == {"Ada", "Bob", "Cy"}  # Dee is deleted, Eve never bought
    assert (by_name["Ada"]["currency"], by_name["Ada"]["monetary"]) == ("EUR", 140)
    assert (by_name["Ada"]["frequency"], by_name["Ada"]["recency"]) == (3, 60)
    assert (by_name["Bob"]["currency"], by_name["Bob"]["monetary"]) == ("USD", 30)
    assert (by_name["Bob"]["rfm"], by_name["Bob"]["segment"]) == ("333", "need attention")


@pytest.mark.parametrize(
    ("terms", "names"),
    [
        (["tag:vip"], {"Ada", "Cy"}),
        (["-tag:vip"], {"Bob"}),
        (["channel:web"], {"Ada", "Cy"}),
        (["channel:store", "owner:alice"], {"Ada"}),
        (["Ada"], {"Ada"}),
    ],
)
def test_rfm_filters_on_customers_and_on_purchases(crm, terms, names) -> None:
    got = as_json(crm("report", "rfm", *terms, "--as-of", AS_OF, "--json"))
    assert {r["customer"] for r in got} == names


def test_a_purchase_filter_changes_the_figures(crm) -> None:
    (ada,) = [
        r
        for r in as_json(crm("report", "rfm", "channel:web", "--as-of", AS_OF, "--json"))
        if r["customer"] == "Ada"
    ]
    assert (ada["frequency"], ada["monetary"]) == (2, 120)  # the store purchase is out


def test_as_of_ends_the_data(crm) -> None:
    got = {
        r["customer"]: r for r in as_json(crm("report", "rfm", "--as-of", "2026-06-01", "--json"))
    }
    assert set(got) == {"Ada", "Bob"}  # Cy first bought on June 20th
    assert got["Ada"]["recency"] == 31


def test_summary_is_the_customer_mix(crm) -> None:
    got = as_json(crm("report", "rfm", "--summary", "--as-of", AS_OF, "--json"))
    assert [list(r) for r in got] == [list(rfm.SUMMARY_FIELDS)] * len(got)
    for currency in ("EUR", "USD"):
        mine = [r for r in got if r["currency"] == currency]
        assert sum(r["customers_pct"] for r in mine) == pytest.approx(100, abs=0.2)
    assert sum(r["customers"] for r in got) == 3


def test_the_formats(crm) -> None:
    tsv = crm("report", "rfm", "--as-of", AS_OF)
    assert tsv.returncode == 0
    lines = tsv.stdout.splitlines()
    assert len(lines) == 3 and all(len(line.split("\t")) == len(rfm.FIELDS) for line in lines)
    table = crm("report", "rfm", "--as-of", AS_OF, "--format", "csv")
    rows = list(csv.reader(io.StringIO(table.stdout)))
    assert rows[0] == list(rfm.FIELDS) and len(rows) == 4
    ndjson = crm("report", "rfm", "--as-of", AS_OF, "--format", "ndjson")
    assert [json.loads(line)["customer"] for line in ndjson.stdout.splitlines()]
    ids = crm("report", "rfm", "tag:vip", "--as-of", AS_OF, "--format", "ids")
    names = {r["customer_id"]: r["customer"] for r in as_json(crm("report", "rfm", "--json"))}
    assert {names[int(i)] for i in ids.stdout.split()} == {"Ada", "Cy"}
    shown = crm("report", "rfm", "--as-of", AS_OF, "--format", "table")
    assert "Segment" in shown.stdout and "need attention" in shown.stdout


def test_chart_draws_at_a_fixed_width_without_colour_when_piped(crm) -> None:
    result = crm("report", "rfm", "--chart", env={"COLUMNS": ""})
    assert result.returncode == 0, result.stderr
    assert "Customers by segment (EUR)" in result.stdout
    assert "\x1b" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    heat = crm("report", "cohorts", "--chart", "--months", "3", "--as-of", AS_OF)
    assert "2026-01 (1)" in heat.stdout and "\x1b" not in heat.stdout
    coloured = crm("report", "cohorts", "--chart", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in coloured.stdout


def test_an_empty_database_prints_no_rows(run_crm) -> None:
    assert as_json(run_crm("report", "rfm", "--json")) == []
    assert run_crm("report", "rfm").stdout == ""
    assert "No customers with purchases." in run_crm("report", "rfm", "--format", "table").stdout
    assert "No customers with purchases." in run_crm("report", "cohorts", "--chart").stdout
    for name in ("cohorts", "profit", "channels"):
        assert as_json(run_crm("report", name, "--json")) == []


# --- the other reports -----------------------------------------------------------------------


def test_cohorts(crm) -> None:
    got = as_json(crm("report", "cohorts", "--months", "3", "--as-of", AS_OF, "--json"))
    assert [list(r) for r in got] == [list(cohorts.fields(3))] * len(got)
    assert [(r["currency"], r["cohort"], r["customers"]) for r in got] == [
        ("EUR", "2026-01", 1),
        ("EUR", "2026-06", 1),
        ("USD", "2026-03", 1),
    ]
    assert [got[0][f"m{k}"] for k in (1, 2, 3)] == [100.0, 0.0, 0.0]
    assert got[1]["m1"] is None  # July has not begun


@pytest.mark.parametrize("by", ["customer", "segment", "product", "company"])
def test_profit_by(crm, by) -> None:
    """Every grouping sums every purchase once (tests/core/test_analytics_profit.py checks
    each figure of each grouping)."""
    got = as_json(crm("report", "profit", "--by", by, "--as-of", AS_OF, "--json"))
    assert got and all(list(r) == list(profit.FIELDS) and r["by"] == by for r in got)
    revenue = {c: sum(r["revenue"] for r in got if r["currency"] == c) for c in ("EUR", "USD")}
    assert revenue == {"EUR": 170, "USD": 30}


def test_profit_flags_the_customers_who_cost_more_than_they_bring(crm) -> None:
    got = {
        r["name"]: r
        for r in as_json(
            crm("report", "profit", "--as-of", AS_OF, "--json"),
        )
    }
    assert got["Eve"]["cost_to_serve"] == 10 and got["Eve"]["unprofitable"] is True
    assert got["Ada"]["gross_margin"] == 24  # the CDs' margin; the bare 100 has no cost
    assert got["Ada"]["uncosted_revenue"] == 100
    summary = as_json(crm("report", "profit", "--summary", "--margin", "50", "--json"))
    assert [list(r) for r in summary] == [list(profit.SUMMARY_FIELDS)] * 2


@pytest.mark.parametrize("by", ["customer", "segment"])
def test_channels(crm, by) -> None:
    got = as_json(crm("report", "channels", "--by", by, "--as-of", AS_OF, "--json"))
    fields = CHANNEL_FIELDS if by == "customer" else SEGMENT_FIELDS
    assert [list(r) for r in got] == [list(fields)] * len(got)
    if by == "customer":
        named = {r["customer"]: r for r in got}
        assert named["Eve"]["preferred_channel"] == "call"
        assert (named["Cy"]["answered"], named["Cy"]["answer_pct"]) == (1, 100.0)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("profit", "--by", "region"), ("unknown --by 'region'",)),
        (("channels", "--by", "product"), ("unknown --by 'product'",)),
        (("rfm", "--as-of", "someday"), ("cannot read date 'someday'",)),
        (("cohorts", "--as-of", "2026-02-30"), ("cannot read date",)),
        (("rfm", "value>>5"), ("bad filter",)),
        (("rfm", "colour:red"), ("unknown field 'colour'",)),
        (("cohorts", "--months", "0"), ("--months",)),
        (("profit", "--margin", "150"), ("--margin",)),
        (("channels", "--within", "0"), ("--within",)),
        (("rfm", "--chart", "--json"), ("--chart",)),
        (("cohorts", "--format", "ids"), ("ids",)),
        (("profit", "--summary", "--chart"), ("--chart",)),
        (("rfm", "--format", "xml"), ("unknown format",)),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(crm, args, words) -> None:
    one_error_line(crm("report", *args), *words)


# --- start-up --------------------------------------------------------------------------------


def _loaded(*argv: str) -> set[str]:
    code = (
        "import sys, json\n"
        f"sys.argv = ['crm', *{list(argv)!r}]\n"
        "from crmcli.commands.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stdout = sys.__stdout__\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_other_commands_never_load_the_analyses(crm) -> None:
    loaded = _loaded("customer", "list", "--json")
    assert not {m for m in loaded if m.startswith("crmcli.analytics") or m == "plotext"}
    help_only = _loaded("report", "--help")
    assert "sqlalchemy" not in help_only and "plotext" not in help_only
