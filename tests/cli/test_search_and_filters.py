"""`crm search` and the filter language of every `list` (README, "Filters")."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crmcli.store.models import Customer, Deal
from tests.cli.helpers import build_db


def backdate(model, record_id: int, days: int) -> None:
    """Pretend a record was created `days` ago (no CLI option does this, on purpose)."""
    from crmcli.store.db import open_store

    store = open_store(os.environ["CRM_DB"])
    try:
        with store.write() as session:
            session.exec(
                sa.update(model)
                .where(model.id == record_id)
                .values(created_at=datetime.now(UTC) - timedelta(days=days))
            )
    finally:
        store.dispose()


CRM = [
    ("company", "add", "Acme Corp", "--domain", "acme.com", "--industry", "software"),
    ("company", "add", "Globex", "--domain", "globex.com", "--tag", "vip"),
    ("customer", "add", "Ada Lovelace", "--email", "ada@example.com", "--company", "Acme Corp",
     "--tag", "vip", "--owner", "alice", "--set", "income=52000"),
    ("customer", "add", "Adam Smith", "--email", "adam@smith.org", "--tag", "churned",
     "--owner", "bob", "--set", "income=40000"),
    ("customer", "add", "Grace Hopper", "--email", "grace@navy.mil", "--company", "globex",
     "--tag", "vip", "--owner", "alice", "--set", "income=90000", "--set", "zip=007"),
    ("customer", "add", "Lovelace Ada"),
    ("deal", "add", "Analytical engine", "--customer", "Ada Lovelace", "--value", "12000",
     "--stage", "proposal", "--close", "2020-01-01", "--tag", "hot"),
    ("deal", "add", "Compiler contract", "--customer", "Grace", "--value", "3000",
     "--close", "2099-12-31"),
    ("deal", "won", "Compiler"),
    ("deal", "add", "Spare parts", "--customer", "Adam", "--value", "7000", "--currency", "EUR"),
    ("deal", "lost", "Spare", "--reason", "Too expensive"),
    ("deal", "add", "Notes service", "--customer", "Ada Lovelace", "--value", "5000"),
    ("log", "Ada Lovelace", "call", "Discussed the renewal", "--body",
     "Budget approved by finance"),
    ("remind", "add", "Grace", "tomorrow", "Send compiler invoice"),
]  # fmt: skip


@pytest.fixture(scope="module")
def _crm_db(tmp_path_factory, _template_db):
    """A small CRM, built once per module and copied for each test:

    customers 1 Ada Lovelace (Acme Corp, vip, alice, income 52000)
              2 Adam Smith   (churned, bob, income 40000, created 60 days ago)
              3 Grace Hopper (Globex, vip, alice, income 90000, zip "007")
              4 Lovelace Ada (no company, no fields)
    deals     1 Analytical engine  Ada    12000 USD  Proposal   close 2020-01-01  hot
              2 Compiler contract  Grace  3000 USD   Won        close 2099-12-31
              3 Spare parts        Adam   7000 EUR   Lost       created 60 days ago
              4 Notes service      Ada    5000 USD   Lead
    """

    def backdate_two() -> None:
        backdate(Customer, 2, 60)
        backdate(Deal, 3, 60)

    return build_db(tmp_path_factory, _template_db, CRM, after=backdate_two)


@pytest.fixture
def crm(cli, isolated_env, _crm_db):
    shutil.copyfile(_crm_db, isolated_env)
    return cli


def names(records: list[dict]) -> list[str]:
    return sorted(r.get("name") or r.get("title") for r in records)


def listed(cli, noun: str, *terms: str) -> list[str]:
    """Names/titles of `crm NOUN list --json -- TERMS...` (the -- lets -tag: through)."""
    return names(json.loads(cli(noun, "list", "--json", "--limit", "0", "--", *terms).stdout))


# --- search --------------------------------------------------------------------------------


def test_search_across_types_has_type_field(crm):
    results = crm.json("search", "ada")
    assert results, "expected matches"
    assert all("type" in r and "id" in r for r in results)
    found = {(r["type"], r.get("name") or r.get("title") or r.get("summary")) for r in results}
    assert ("customer", "Ada Lovelace") in found
    assert ("customer", "Lovelace Ada") in found
    assert ("customer", "Grace Hopper") not in found
    types = {r["type"] for r in results}
    assert types <= {"customer", "company", "deal", "interaction", "reminder"}


def test_search_finds_each_kind(crm):
    def kinds(*words):
        return {r["type"] for r in crm.json("search", *words)}

    assert "company" in kinds("globex")
    assert "deal" in kinds("analytical")
    assert "interaction" in kinds("renewal")
    assert "interaction" in kinds("finance")  # the body is indexed too
    assert "reminder" in kinds("invoice")
    assert "customer" in kinds("navy")  # by email


def test_search_type_option(crm):
    results = crm.json("search", "compiler", "--type", "deal")
    assert [(r["type"], r["title"]) for r in results] == [("deal", "Compiler contract")]
    both = crm.json("search", "compiler", "--type", "deal", "--type", "reminder")
    assert sorted(r["type"] for r in both) == ["deal", "reminder"]


def test_search_words_and_filters_combined(crm):
    results = crm.json("search", "ada", "tag:vip")
    assert [(r["type"], r["name"]) for r in results] == [("customer", "Ada Lovelace")]


def test_search_all_words_must_match(crm):
    results = crm.json("search", "grace", "hopper")
    assert [r["name"] for r in results] == ["Grace Hopper"]
    assert crm.json("search", "grace", "lovelace") == []


def test_search_no_match_is_empty_json(crm):
    assert crm("search", "zzzyx", "--json").stdout.strip() == "[]"


def test_search_tsv_when_piped(crm):
    lines = crm("search", "globex").stdout.splitlines()
    assert lines
    assert all(
        line.split("\t")[0] in {"customer", "company", "deal", "interaction", "reminder"}
        for line in lines
    )
    assert any(line.startswith("company\t2\tGlobex") for line in lines)


def test_search_follows_edits_and_deletes(crm):
    crm("customer", "edit", "Grace", "--name", "Grace Brewster Hopper")
    assert [r["name"] for r in crm.json("search", "brewster")] == ["Grace Brewster Hopper"]
    crm("customer", "rm", "3")
    assert crm.json("search", "brewster") == []


@pytest.mark.parametrize(
    "args",
    [
        ("ada", "--type", "spaceship"),
        ("ada", "--limit", "-1"),
        ("ada", "value>>5"),
        ("ada", "shoe:42"),
    ],
)
def test_search_invalid_exits_2(crm, args):
    result = crm("search", *args, expect=2)
    assert result.stderr.startswith("crm: error:")


# --- customer filters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "terms, expected",
    [
        (["tag:vip"], ["Ada Lovelace", "Grace Hopper"]),
        (["tag:VIP"], ["Ada Lovelace", "Grace Hopper"]),
        (["-tag:vip"], ["Adam Smith", "Lovelace Ada"]),
        (["tag:vip", "-tag:churned"], ["Ada Lovelace", "Grace Hopper"]),
        (["owner:alice"], ["Ada Lovelace", "Grace Hopper"]),
        (["owner:ALICE", "tag:vip"], ["Ada Lovelace", "Grace Hopper"]),
        (["owner:bob"], ["Adam Smith"]),
        (["company:acme"], ["Ada Lovelace"]),
        (["company:1"], ["Ada Lovelace"]),
        (['company:"Acme Corp"'], ["Ada Lovelace"]),
        (["company:Acme Corp"], ["Ada Lovelace"]),
        (["income>50000"], ["Ada Lovelace", "Grace Hopper"]),
        (["income>=90000"], ["Grace Hopper"]),
        (["income<50000"], ["Adam Smith"]),
        (["income=52000"], ["Ada Lovelace"]),
        (["income>50000", "owner:alice", "-tag:vip"], []),
        (["created>-30d"], ["Ada Lovelace", "Grace Hopper", "Lovelace Ada"]),
        (["created<-30d"], ["Adam Smith"]),
        (["email:navy"], ["Grace Hopper"]),
        (["ada"], ["Ada Lovelace", "Adam Smith", "Lovelace Ada"]),
        (["ada", "lovelace"], ["Ada Lovelace", "Lovelace Ada"]),
        (["ada lovelace"], ["Ada Lovelace"]),
        (['"ada lovelace"'], ["Ada Lovelace"]),
        (["lovelace", "tag:vip"], ["Ada Lovelace"]),
        (["name:smith"], ["Adam Smith"]),
    ],
)
def test_customer_filters(crm, terms, expected):
    assert listed(crm, "customer", *terms) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        (("customer", "list", "-tag:vip"), ["Adam Smith", "Lovelace Ada"]),
        (("customer", "list", "-n", "0", "-tag:vip", "-tag:churned"), ["Lovelace Ada"]),
        (("deal", "list", "-value>5000"), ["Compiler contract", "Notes service"]),
        (("deal", "list", "status:open", "-tag:hot"), ["Notes service"]),
        (("search", "ada", "-tag:vip"), ["Adam Smith", "Lovelace Ada"]),
        (("search", "ada", "-tag:vip", "-t", "customer"), ["Adam Smith", "Lovelace Ada"]),
    ],
)
def test_negated_filter_without_double_dash(crm, args, expected):
    """`-tag:vip` is a filter term, never mistaken for a short option (DESIGN §4)."""
    assert names(crm.json(*args)) == expected


def test_text_custom_field_with_leading_zero(crm):
    assert listed(crm, "customer", "zip:007") == ["Grace Hopper"]


def test_text_custom_field(crm):
    crm("customer", "edit", "Adam", "--set", "plan=gold")
    assert listed(crm, "customer", "plan:gold") == ["Adam Smith"]
    assert listed(crm, "customer", "plan:GOL") == ["Adam Smith"]


def test_company_filters(crm):
    assert listed(crm, "company", "industry:software") == ["Acme Corp"]
    assert listed(crm, "company", "tag:vip") == ["Globex"]


# --- deal filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "terms, expected",
    [
        (["stage:proposal"], ["Analytical engine"]),
        (["stage:PROPOSAL"], ["Analytical engine"]),
        (["status:open"], ["Analytical engine", "Notes service"]),
        (["status:won"], ["Compiler contract"]),
        (["status:lost"], ["Spare parts"]),
        (["status:closed"], ["Compiler contract", "Spare parts"]),
        (["value>5000"], ["Analytical engine", "Spare parts"]),
        (["value>=5000"], ["Analytical engine", "Notes service", "Spare parts"]),
        (["value<5000"], ["Compiler contract"]),
        (["value>5000", "status:open"], ["Analytical engine"]),
        (["close<eom"], ["Analytical engine"]),
        (["close>eom"], ["Compiler contract"]),
        (["close:2099-12-31"], ["Compiler contract"]),
        (["created>-30d"], ["Analytical engine", "Compiler contract", "Notes service"]),
        (["created<-30d"], ["Spare parts"]),
        (["customer:lovelace"], ["Analytical engine", "Notes service"]),
        (["customer:ada"], ["Analytical engine", "Notes service", "Spare parts"]),
        (["company:globex"], ["Compiler contract"]),
        (["tag:hot"], ["Analytical engine"]),
        (["-tag:hot"], ["Compiler contract", "Notes service", "Spare parts"]),
        (["currency:eur"], ["Spare parts"]),
        (["engine"], ["Analytical engine"]),
        (["reason:expensive"], ["Spare parts"]),
        (["pipeline:sales", "status:open", "value>0"], ["Analytical engine", "Notes service"]),
    ],
)
def test_deal_filters(crm, terms, expected):
    assert listed(crm, "deal", *terms) == expected


# --- interaction and reminder filters ------------------------------------------------------


def test_interaction_and_reminder_filters(crm):
    assert [r["summary"] for r in crm.json("interaction", "list", "channel:call")] == [
        "Discussed the renewal"
    ]
    assert crm.json("interaction", "list", "channel:email") == []
    assert [r["text"] for r in crm.json("remind", "list", "customer:grace")] == [
        "Send compiler invoice"
    ]
    assert crm.json("remind", "list", "due<today") == []


# --- bad filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "noun, terms",
    [
        ("deal", ["value>>5"]),
        ("deal", ["value>abc"]),
        ("deal", ["status:maybe"]),
        ("deal", ["close<blorp"]),
        ("deal", ["created>soon"]),
        ("deal", ["stage>proposal"]),
        ("customer", ["shoe_size:42"]),
        ("customer", ["income>lots"]),
        ("customer", ["tag>vip"]),
        ("customer", [":vip"]),
        ("customer", ["tag:"]),
        ("customer", ['name:"unterminated']),
        ("company", ["stage:lead"]),
        ("interaction", ["channel>call"]),
    ],
)
def test_malformed_or_unknown_filters_exit_2(crm, noun, terms):
    result = crm(noun, "list", "--", *terms, expect=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error:")
    assert result.stdout == ""


def test_unknown_field_error_names_the_accepted_ones(crm):
    result = crm("customer", "list", "shoe:42", expect=2)
    assert "shoe" in result.stderr and "tag" in result.stderr and "owner" in result.stderr


@pytest.mark.parametrize("noun", ["customer", "company", "deal", "interaction"])
def test_negative_limit_exits_2(crm, noun):
    result = crm(noun, "list", "--limit", "-1", expect=2)
    assert result.stderr.startswith("crm: error:")


def test_company_rename_reaches_its_customers_in_search(crm):
    crm("company", "edit", "Globex", "--name", "Initrode")
    found = {(r["type"], r.get("name")) for r in crm.json("search", "initrode")}
    assert ("company", "Initrode") in found
    assert ("customer", "Grace Hopper") in found
    assert ("customer", "Grace Hopper") not in {
        (r["type"], r.get("name")) for r in crm.json("search", "globex")
    }
