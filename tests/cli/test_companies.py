"""`crm company ...`: behaviour seen through the CLI and checked in the database afterwards."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from crmcli.store.models import Company, Customer, FieldValue, Tag
from tests.cli.helpers import build_db, db_rows


def add(cli, *args: str) -> int:
    return int(cli("company", "add", *args).stdout.strip())


def test_add_prints_id_and_stores_everything(cli):
    out = cli(
        "company", "add", "Acme Corp", "--domain", "ACME.com", "--industry", "Software",
        "--tag", "Partner", "--tag", "EU", "--owner", "alice", "--set", "employees=250",
        "--set", "duns=0042", "--note", "Long-time partner",
    ).stdout  # fmt: skip
    assert out == "1\n"
    record = cli.json("company", "show", "1")
    assert record["id"] == 1
    assert record["name"] == "Acme Corp"
    assert record["domain"] == "acme.com"
    assert record["industry"] == "Software"
    assert sorted(record["tags"]) == ["eu", "partner"]
    assert record["owner"] == "alice"
    assert record["fields"] == {"employees": 250, "duns": "0042"}
    assert record["notes"] == "Long-time partner"
    assert record["deleted_at"] is None
    (row,) = db_rows(Company)
    assert (row["name"], row["domain"], row["industry"], row["owner"]) == (
        "Acme Corp",
        "acme.com",
        "Software",
        "alice",
    )
    assert sorted(t["name"] for t in db_rows(Tag, Tag.entity == "company")) == ["eu", "partner"]
    fields = {f["key"]: f for f in db_rows(FieldValue, FieldValue.entity == "company")}
    assert fields["employees"]["num"] == 250
    assert json.loads(fields["duns"]["value"]) == "0042"


def test_add_json(cli):
    record = cli.json("company", "add", "Globex")
    assert record["id"] == 1 and record["name"] == "Globex" and record["domain"] is None


@pytest.mark.parametrize(
    "args, code",
    [
        (("",), 2),
        (("Acme", "--tag", "has space"), 2),
        (("Acme", "--set", "=1"), 2),
        (("Acme", "--set", "nokey"), 2),
    ],
)
def test_invalid_add_writes_nothing(cli, args, code):
    result = cli("company", "add", *args, expect=code)
    assert result.stderr.startswith("crm: error:")
    assert db_rows(Company) == []
    assert db_rows(Tag) == []


@pytest.fixture(scope="module")
def _three_db(tmp_path_factory, _template_db):
    return build_db(
        tmp_path_factory,
        _template_db,
        [
            (
                "company",
                "add",
                "Initech",
                "--domain",
                "initech.com",
                "--industry",
                "software",
                "--tag",
                "partner",
            ),
            ("company", "add", "Acme", "--domain", "acme.com", "--industry", "manufacturing"),
            ("company", "add", "Globex", "--domain", "globex.com", "--owner", "bob"),
        ],
    )


@pytest.fixture
def three(cli, isolated_env, _three_db):
    """Companies 1 Initech (software, partner), 2 Acme, 3 Globex (owner bob)."""
    shutil.copyfile(_three_db, isolated_env)
    return cli


def test_list_sorted_by_name_by_default(three):
    assert [r["name"] for r in three.json("company", "list")] == ["Acme", "Globex", "Initech"]


def test_list_sort_minus_created_and_limit(three):
    names = [r["name"] for r in three.json("company", "list", "--sort", "-created")]
    assert names == ["Globex", "Acme", "Initech"]
    assert len(three.json("company", "list", "--limit", "2")) == 2
    assert [r["name"] for r in three.json("company", "list", "--sort", "-name", "-n", "1")] == [
        "Initech"
    ]


def test_list_formats(three):
    tsv = three("company", "list").stdout.splitlines()
    assert len(tsv) == 3
    assert [line.split("\t")[:3] for line in tsv] == [
        ["2", "Acme", "acme.com"],
        ["3", "Globex", "globex.com"],
        ["1", "Initech", "initech.com"],
    ]
    rows = list(csv.DictReader(io.StringIO(three("company", "list", "-F", "csv").stdout)))
    assert [r["name"] for r in rows] == ["Acme", "Globex", "Initech"]
    assert rows[2]["tags"] == "partner"
    nd = [json.loads(x) for x in three("company", "list", "-F", "ndjson").stdout.splitlines()]
    assert [o["id"] for o in nd] == [2, 3, 1]
    assert three("company", "list", "-F", "ids").stdout.splitlines() == ["2", "3", "1"]


def test_list_empty_json(cli):
    assert cli("company", "list", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize(
    "terms, expected",
    [
        (["industry:software"], ["Initech"]),
        (["tag:partner"], ["Initech"]),
        (["--", "-tag:partner"], ["Acme", "Globex"]),
        (["owner:bob"], ["Globex"]),
        (["domain:acme"], ["Acme"]),
        (["glob"], ["Globex"]),
    ],
)
def test_list_filters(three, terms, expected):
    records = json.loads(three("company", "list", "--json", *terms).stdout)
    assert [r["name"] for r in records] == expected


@pytest.mark.parametrize("ref", ["2", "acme.com", "ACME.COM", "acme", "cm"])
def test_show_by_id_domain_or_name(three, ref):
    assert three.json("company", "show", ref)["name"] == "Acme"


def test_show_not_found(three):
    result = three("company", "show", "Umbrella", expect=3)
    assert result.stderr.startswith("crm: error:")


def test_ambiguous_company_ref(cli):
    add(cli, "Acme Corp")
    add(cli, "Acme Labs")
    result = cli("company", "show", "acme", expect=4)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("crm: error:")
    assert any("Acme Corp" in line for line in lines[1:])
    assert any("Acme Labs" in line for line in lines[1:])


def test_exact_company_name_wins(cli):
    add(cli, "Acme Labs")
    add(cli, "Acme")
    assert cli.json("company", "show", "acme")["id"] == 2


def test_edit_every_option(three):
    three(
        "company", "edit", "acme", "--name", "Acme Inc", "--domain", "Acme.io",
        "--industry", "Retail", "--tag", "Key", "--owner", "carol", "--set", "employees=10",
        "--note", "renamed",
    )  # fmt: skip
    record = three.json("company", "show", "2")
    assert record["name"] == "Acme Inc"
    assert record["domain"] == "acme.io"
    assert record["industry"] == "Retail"
    assert record["tags"] == ["key"]
    assert record["owner"] == "carol"
    assert record["fields"] == {"employees": 10}
    assert record["notes"] == "renamed"
    row = db_rows(Company, Company.id == 2)[0]
    assert (row["name"], row["domain"], row["owner"]) == ("Acme Inc", "acme.io", "carol")

    three("company", "edit", "2", "--untag", "KEY", "--set", "employees=")
    record = three.json("company", "show", "2")
    assert record["tags"] == [] and record["fields"] == {}
    assert db_rows(Tag, Tag.entity == "company", Tag.entity_id == 2) == []


def test_edit_json_and_only_given_options_change(three):
    before = three.json("company", "show", "1")
    after = three.json("company", "edit", "1", "--owner", "zoe")
    assert after["owner"] == "zoe"
    for key in ("name", "domain", "industry", "tags", "fields", "notes"):
        assert after[key] == before[key]


def test_rm_soft_and_restore(three):
    three("customer", "add", "Ada", "--company", "acme")
    three("company", "rm", "acme.com")
    assert [r["name"] for r in three.json("company", "list")] == ["Globex", "Initech"]
    assert [r["name"] for r in three.json("company", "list", "--deleted")] == ["Acme"]
    shown = three.json("company", "show", "2")
    assert shown["deleted_at"] is not None
    assert db_rows(Company, Company.id == 2)[0]["deleted_at"] is not None
    # the employee keeps the link
    assert db_rows(Customer)[0]["company_id"] == 2

    three("company", "restore", "Acme")
    assert [r["name"] for r in three.json("company", "list")] == ["Acme", "Globex", "Initech"]
    assert db_rows(Company, Company.id == 2)[0]["deleted_at"] is None


def test_rm_and_restore_errors(three):
    three("company", "rm", "99", expect=3)
    three("company", "restore", "1", expect=2)
    three("company", "rm", "1")
    three("company", "rm", "1", expect=2)
    assert db_rows(Company, Company.id == 1)[0]["deleted_at"] is not None


def test_deleted_company_is_not_a_ref_for_new_customers(three):
    three("company", "rm", "Globex")
    three("customer", "add", "Ada", "--company", "Globex", expect=3)
    assert db_rows(Customer) == []
