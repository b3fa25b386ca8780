"""`crm customer ...`: behaviour seen through the CLI and checked in the database afterwards."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime

import pytest

from crmcli.store.models import Customer, CustomerEmail, CustomerPhone, FieldValue, Tag
from tests.cli.helpers import build_db, db_rows


def add(cli, *args: str) -> int:
    return int(cli("customer", "add", *args).stdout.strip())


# --- add ---------------------------------------------------------------------------------


def test_add_prints_id_when_piped_and_stores_everything(cli):
    cli("company", "add", "Acme Corp", "--domain", "acme.com")
    out = cli(
        "customer",
        "add",
        "Ada Lovelace",
        "--email",
        "ADA@Example.com",
        "--email",
        "ada@work.org",
        "--phone",
        "+44 20 1234",
        "--phone",
        "555-0100",
        "--company",
        "Acme Corp",
        "--title",
        "Countess",
        "--tag",
        "VIP",
        "--tag",
        "Math",
        "--owner",
        "alice",
        "--note",
        "Wrote the first program",
    ).stdout
    assert out == "1\n"

    record = cli.json("customer", "show", "1")
    assert record["id"] == 1
    assert record["name"] == "Ada Lovelace"
    assert record["email"] == "ada@example.com"
    assert record["emails"] == ["ada@example.com", "ada@work.org"]
    assert record["phone"] == "+44 20 1234"
    assert record["phones"] == ["+44 20 1234", "555-0100"]
    assert record["company_id"] == 1
    assert record["company"] == "Acme Corp"
    assert record["title"] == "Countess"
    assert sorted(record["tags"]) == ["math", "vip"]
    assert record["owner"] == "alice"
    assert record["notes"] == "Wrote the first program"
    assert record["deleted_at"] is None
    created = datetime.fromisoformat(record["created_at"])
    assert created.utcoffset() is not None
    assert abs((datetime.now(UTC) - created).total_seconds()) < 120

    (row,) = db_rows(Customer)
    assert row["company_id"] == 1 and row["owner"] == "alice" and row["title"] == "Countess"
    emails = sorted(db_rows(CustomerEmail), key=lambda e: e["position"])
    assert [(e["email"], e["is_primary"]) for e in emails] == [
        ("ada@example.com", True),
        ("ada@work.org", False),
    ]
    phones = sorted(db_rows(CustomerPhone), key=lambda p: p["position"])
    assert [(p["phone"], p["is_primary"]) for p in phones] == [
        ("+44 20 1234", True),
        ("555-0100", False),
    ]
    tags = db_rows(Tag, Tag.entity == "customer", Tag.entity_id == 1)
    assert sorted(t["name"] for t in tags) == ["math", "vip"]


def test_add_json_prints_the_record(cli):
    record = cli.json("customer", "add", "Grace Hopper", "--email", "grace@navy.mil")
    assert record["id"] == 1
    assert record["name"] == "Grace Hopper"
    assert record["emails"] == ["grace@navy.mil"]
    assert record["tags"] == [] and record["fields"] == {}


def test_add_without_email_has_null_email(cli):
    add(cli, "No Mail")
    record = cli.json("customer", "show", "1")
    assert record["email"] is None
    assert record["emails"] == []
    assert record["phone"] is None


def test_custom_fields_types(cli):
    add(
        cli,
        "Ada",
        "--set",
        "income=52000",
        "--set",
        "ratio=1.5",
        "--set",
        "zip=007",
        "--set",
        "payment=card",
        "--set",
        "negative=-3",
    )
    fields = cli.json("customer", "show", "1")["fields"]
    assert fields == {
        "income": 52000,
        "ratio": 1.5,
        "zip": "007",
        "payment": "card",
        "negative": -3,
    }
    assert isinstance(fields["income"], int)
    stored = {f["key"]: f for f in db_rows(FieldValue, FieldValue.entity == "customer")}
    assert json.loads(stored["income"]["value"]) == 52000
    assert stored["income"]["num"] == 52000
    assert json.loads(stored["zip"]["value"]) == "007"
    assert stored["zip"]["num"] is None


def test_set_empty_value_on_edit_removes_field(cli):
    add(cli, "Ada", "--set", "income=52000", "--set", "plan=gold")
    cli("customer", "edit", "1", "--set", "income=")
    assert cli.json("customer", "show", "1")["fields"] == {"plan": "gold"}
    keys = [f["key"] for f in db_rows(FieldValue, FieldValue.entity == "customer")]
    assert keys == ["plan"]


def test_set_on_edit_overwrites_one_field_and_keeps_others(cli):
    add(cli, "Ada", "--set", "income=52000", "--set", "plan=gold")
    cli("customer", "edit", "1", "--set", "income=60000")
    assert cli.json("customer", "show", "1")["fields"] == {"income": 60000, "plan": "gold"}


@pytest.mark.parametrize(
    "company_ref", ["Acme Corp", "acme corp", "acme", "acme.com", "ACME.COM", "1"]
)
def test_company_link_by_name_domain_or_id(cli, company_ref):
    cli("company", "add", "Acme Corp", "--domain", "acme.com")
    cli("company", "add", "Globex", "--domain", "globex.com")
    add(cli, "Ada", "--company", company_ref)
    record = cli.json("customer", "show", "Ada")
    assert record["company_id"] == 1
    assert record["company"] == "Acme Corp"
    assert db_rows(Customer)[0]["company_id"] == 1


def test_unknown_company_writes_nothing(cli):
    cli("customer", "add", "Ada", "--company", "Nope Inc", expect=3)
    assert db_rows(Customer) == []


@pytest.mark.parametrize(
    "args",
    [
        ("--email", "not-an-email"),
        ("--phone", "abc"),
        ("--tag", "two words"),
        ("--set", "novalue"),
        ("--set", "Bad Key=1"),
    ],
)
def test_invalid_add_input_exits_2_and_writes_nothing(cli, args):
    result = cli("customer", "add", "Ada", *args, expect=2)
    assert result.stderr.startswith("crm: error:")
    assert db_rows(Customer) == []
    assert db_rows(CustomerEmail) == []
    assert db_rows(FieldValue) == []


def test_empty_name_is_refused(cli):
    cli("customer", "add", "   ", expect=2)
    assert db_rows(Customer) == []


def test_duplicate_email_across_customers_is_a_conflict(cli):
    add(cli, "Ada", "--email", "ada@example.com")
    result = cli(
        "customer", "add", "Impostor", "--email", "new@example.com", "--email", "ADA@example.com",
        expect=4,
    )  # fmt: skip
    assert result.stderr.startswith("crm: error:")
    assert "ada@example.com" in result.stderr
    assert [c["name"] for c in db_rows(Customer)] == ["Ada"]
    assert [e["email"] for e in db_rows(CustomerEmail)] == ["ada@example.com"]


def test_duplicate_email_on_edit_is_a_conflict(cli):
    add(cli, "Ada", "--email", "ada@example.com")
    add(cli, "Bob", "--email", "bob@example.com")
    cli("customer", "edit", "Bob", "--email", "ada@example.com", "--name", "Robert", expect=4)
    bob = cli.json("customer", "show", "2")
    assert bob["name"] == "Bob"
    assert bob["emails"] == ["bob@example.com"]


def test_same_email_twice_in_one_add_is_kept_once(cli):
    add(cli, "Ada", "--email", "ada@example.com", "--email", "ADA@example.com")
    assert cli.json("customer", "show", "1")["emails"] == ["ada@example.com"]


# --- list ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _three_db(tmp_path_factory, _template_db):
    return build_db(
        tmp_path_factory,
        _template_db,
        [
            ("customer", "add", "Carol", "--email", "carol@example.com", "--tag", "vip"),
            ("customer", "add", "Ada", "--email", "ada@example.com", "--owner", "alice"),
            ("customer", "add", "Bob"),
        ],
    )


@pytest.fixture
def three(cli, isolated_env, _three_db):
    """Three customers created in the order 1 Carol, 2 Ada, 3 Bob."""
    shutil.copyfile(_three_db, isolated_env)
    return cli


def test_list_default_sort_is_by_name(three):
    assert [r["name"] for r in three.json("customer", "list")] == ["Ada", "Bob", "Carol"]


def test_list_sort_name_and_minus_created(three):
    names = [r["name"] for r in three.json("customer", "list", "--sort", "name")]
    assert names == ["Ada", "Bob", "Carol"]
    newest_first = [r["name"] for r in three.json("customer", "list", "--sort", "-created")]
    assert newest_first == ["Bob", "Ada", "Carol"]
    by_id_desc = [r["id"] for r in three.json("customer", "list", "--sort", "-id")]
    assert by_id_desc == [3, 2, 1]


def test_list_unknown_sort_field_exits_2(three):
    result = three("customer", "list", "--sort", "shoe_size", expect=2)
    assert result.stderr.startswith("crm: error:")


@pytest.mark.parametrize("limit, expected", [("1", 1), ("2", 2), ("0", 3), ("10", 3)])
def test_list_limit(three, limit, expected):
    assert len(three.json("customer", "list", "--limit", limit)) == expected


def test_list_json_is_empty_array_when_nothing(cli):
    result = cli("customer", "list", "--json")
    assert result.stdout.strip() == "[]"
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("fmt", ["tsv", "csv", "ndjson", "ids"])
def test_list_empty_machine_formats_print_nothing(cli, fmt):
    result = cli("customer", "list", "--format", fmt)
    assert result.stdout.strip() in ("", "id,name,email,phone,company,tags,owner")


def test_list_tsv_is_default_when_piped_no_header_tab_separated(three):
    default = three("customer", "list").stdout
    explicit = three("customer", "list", "--format", "tsv").stdout
    assert default == explicit
    lines = default.splitlines()
    assert len(lines) == 3
    first = lines[0].split("\t")
    assert first[0] == "1" or first[1] == "Ada"
    assert [line.split("\t")[1] for line in lines] == ["Ada", "Bob", "Carol"]
    assert all(line.count("\t") == lines[0].count("\t") for line in lines)
    assert "Name" not in default and "ID" not in default
    assert "\x1b[" not in default
    assert lines[2].split("\t")[0] == "1"  # Carol is id 1
    assert "carol@example.com" in lines[2].split("\t")


def test_list_csv_has_header_and_rows(three):
    out = three("customer", "list", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == ["Ada", "Bob", "Carol"]
    assert rows[0]["id"] == "2"
    assert rows[0]["email"] == "ada@example.com"
    assert rows[2]["tags"] == "vip"


def test_list_ndjson_one_object_per_line(three):
    out = three("customer", "list", "--format", "ndjson").stdout
    lines = out.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert [o["name"] for o in objects] == ["Ada", "Bob", "Carol"]
    assert all(isinstance(o["id"], int) for o in objects)
    assert objects[2]["tags"] == ["vip"]


def test_list_ids_one_per_line(three):
    out = three("customer", "list", "--format", "ids").stdout
    assert out.splitlines() == ["2", "3", "1"]


def test_list_json_and_format_json_agree(three):
    assert (
        three("customer", "list", "--json").stdout
        == three("customer", "list", "--format", "json").stdout
    )


def test_unknown_format_exits_2(three):
    result = three("customer", "list", "--format", "yaml", expect=2)
    assert result.stderr.startswith("crm: error:")


# --- show ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["1", "#1", "ada@example.com", "ADA@EXAMPLE.COM", "lovel", "Ada Lovelace"]
)
def test_show_by_id_email_or_name_fragment(cli, ref):
    add(cli, "Ada Lovelace", "--email", "ada@example.com", "--email", "countess@example.com")
    add(cli, "Grace Hopper", "--email", "grace@example.com")
    assert cli.json("customer", "show", ref)["id"] == 1


def test_show_by_secondary_email(cli):
    add(cli, "Grace Hopper", "--email", "grace@example.com")
    add(cli, "Ada Lovelace", "--email", "ada@example.com", "--email", "countess@example.com")
    assert cli.json("customer", "show", "countess@example.com")["id"] == 2


@pytest.mark.parametrize("ref", ["99", "nobody", "ghost@example.com"])
def test_show_not_found_exits_3(cli, ref):
    add(cli, "Ada", "--email", "ada@example.com")
    result = cli("customer", "show", ref, expect=3)
    assert result.stderr.startswith("crm: error:")
    assert result.stdout == ""


def test_ambiguous_ref_exits_4_and_lists_candidates(cli):
    add(cli, "Ann Smith")
    add(cli, "Anna Jones")
    add(cli, "Bob")
    result = cli("customer", "show", "ann", expect=4)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("crm: error:")
    candidates = "\n".join(lines[1:])
    assert "Ann Smith" in candidates and "Anna Jones" in candidates
    assert "Bob" not in candidates
    assert "1" in candidates and "2" in candidates


def test_exact_name_wins_over_fragment(cli):
    add(cli, "Anna")
    add(cli, "Ann")
    add(cli, "Annabel")
    assert cli.json("customer", "show", "ann")["name"] == "Ann"
    assert cli.json("customer", "show", "ANNA")["name"] == "Anna"


def test_ambiguous_edit_writes_nothing(cli):
    add(cli, "Ann Smith")
    add(cli, "Anna Jones")
    cli("customer", "edit", "ann", "--title", "CEO", expect=4)
    assert all(row["title"] is None for row in db_rows(Customer))


# --- edit ----------------------------------------------------------------------------------


def test_edit_scalar_options(cli):
    add(cli, "Ada", "--title", "Countess", "--owner", "alice", "--note", "old")
    before = cli.json("customer", "show", "1")
    out = cli(
        "customer", "edit", "1", "--name", "Ada King", "--title", "Analyst", "--owner", "bob",
        "--note", "new note",
    ).stdout  # fmt: skip
    assert "1" in out
    record = cli.json("customer", "show", "1")
    assert record["name"] == "Ada King"
    assert record["title"] == "Analyst"
    assert record["owner"] == "bob"
    assert record["notes"] == "new note"
    assert record["updated_at"] >= before["updated_at"]
    (row,) = db_rows(Customer)
    assert (row["name"], row["title"], row["owner"], row["notes"]) == (
        "Ada King",
        "Analyst",
        "bob",
        "new note",
    )


def test_edit_only_changes_given_options(cli):
    add(cli, "Ada", "--email", "a@x.com", "--tag", "vip", "--title", "Countess", "--set", "x=1")
    before = cli.json("customer", "show", "1")
    cli("customer", "edit", "1", "--owner", "bob")
    after = cli.json("customer", "show", "1")
    for key in ("name", "emails", "phones", "tags", "title", "fields", "company_id", "notes"):
        assert after[key] == before[key], key
    assert after["owner"] == "bob"


def test_edit_json_prints_the_updated_record(cli):
    add(cli, "Ada")
    record = cli.json("customer", "edit", "1", "--title", "Countess")
    assert record["id"] == 1 and record["title"] == "Countess"


def test_edit_emails(cli):
    add(cli, "Ada", "--email", "one@x.com", "--email", "two@x.com")
    cli("customer", "edit", "1", "--email", "three@x.com")
    assert cli.json("customer", "show", "1")["emails"] == ["one@x.com", "two@x.com", "three@x.com"]

    cli("customer", "edit", "1", "--primary-email", "three@x.com")
    record = cli.json("customer", "show", "1")
    assert record["email"] == "three@x.com"
    assert record["emails"][0] == "three@x.com"
    assert set(record["emails"]) == {"one@x.com", "two@x.com", "three@x.com"}
    primary = [e["email"] for e in db_rows(CustomerEmail) if e["is_primary"]]
    assert primary == ["three@x.com"]

    cli("customer", "edit", "1", "--rm-email", "THREE@x.com")
    record = cli.json("customer", "show", "1")
    assert "three@x.com" not in record["emails"]
    assert record["email"] in ("one@x.com", "two@x.com")
    assert sorted(e["email"] for e in db_rows(CustomerEmail)) == ["one@x.com", "two@x.com"]
    assert sum(e["is_primary"] for e in db_rows(CustomerEmail)) == 1
    # The removed address is free again for someone else.
    add(cli, "Bob", "--email", "three@x.com")


def test_edit_rm_unknown_email_exits_2_and_changes_nothing(cli):
    add(cli, "Ada", "--email", "one@x.com")
    cli("customer", "edit", "1", "--rm-email", "nope@x.com", "--title", "X", expect=2)
    record = cli.json("customer", "show", "1")
    assert record["emails"] == ["one@x.com"] and record["title"] is None


def test_edit_phones(cli):
    add(cli, "Ada", "--phone", "111-111", "--phone", "222-222")
    cli("customer", "edit", "1", "--rm-phone", "111-111", "--phone", "333-333")
    assert cli.json("customer", "show", "1")["phones"] == ["222-222", "333-333"]
    assert sorted(p["phone"] for p in db_rows(CustomerPhone)) == ["222-222", "333-333"]


def test_edit_tags_and_untag(cli):
    add(cli, "Ada", "--tag", "vip", "--tag", "math")
    cli("customer", "edit", "1", "--tag", "Pioneer", "--untag", "VIP")
    assert sorted(cli.json("customer", "show", "1")["tags"]) == ["math", "pioneer"]
    tags = db_rows(Tag, Tag.entity == "customer")
    assert sorted(t["name"] for t in tags) == ["math", "pioneer"]


def test_edit_company_link_and_unlink(cli):
    cli("company", "add", "Acme", "--domain", "acme.com")
    add(cli, "Ada")
    cli("customer", "edit", "Ada", "--company", "acme.com")
    assert cli.json("customer", "show", "1")["company"] == "Acme"
    cli("customer", "edit", "Ada", "--company", "")
    record = cli.json("customer", "show", "1")
    assert record["company_id"] is None and record["company"] is None
    assert db_rows(Customer)[0]["company_id"] is None


def test_edit_not_found_exits_3(cli):
    cli("customer", "edit", "42", "--title", "x", expect=3)


# --- rm / restore --------------------------------------------------------------------------


def test_rm_is_soft_and_restore_brings_back(cli):
    add(cli, "Ada", "--email", "ada@example.com")
    add(cli, "Bob")
    out = cli("customer", "rm", "Ada").stdout
    assert "1" in out

    assert [r["name"] for r in cli.json("customer", "list")] == ["Bob"]
    deleted = cli.json("customer", "list", "--deleted")
    assert [r["name"] for r in deleted] == ["Ada"]
    assert deleted[0]["deleted_at"] is not None

    shown = cli.json("customer", "show", "1")
    assert shown["name"] == "Ada" and shown["deleted_at"] is not None
    (row,) = db_rows(Customer, Customer.id == 1)
    assert row["deleted_at"] is not None
    assert len(db_rows(CustomerEmail)) == 1  # history kept

    # Gone from search too.
    assert cli.json("search", "ada") == []

    cli("customer", "restore", "1")
    assert [r["name"] for r in cli.json("customer", "list")] == ["Ada", "Bob"]
    assert cli.json("customer", "list", "--deleted") == []
    assert db_rows(Customer, Customer.id == 1)[0]["deleted_at"] is None


def test_restore_by_name_finds_deleted_customer(cli):
    add(cli, "Ada Lovelace")
    cli("customer", "rm", "1")
    cli("customer", "restore", "lovelace")
    assert db_rows(Customer)[0]["deleted_at"] is None


def test_rm_twice_and_restore_active_are_errors(cli):
    add(cli, "Ada")
    cli("customer", "restore", "1", expect=2)
    cli("customer", "rm", "1")
    stamp = db_rows(Customer)[0]["deleted_at"]
    cli("customer", "rm", "1", expect=2)
    assert db_rows(Customer)[0]["deleted_at"] == stamp


def test_rm_unknown_exits_3(cli):
    cli("customer", "rm", "7", expect=3)


def test_deleted_customer_is_not_a_name_ref_for_new_deals(cli):
    add(cli, "Ada Lovelace")
    cli("customer", "rm", "1")
    cli("deal", "add", "Engine", "--customer", "Lovelace", expect=3)


def test_two_exact_name_matches_are_ambiguous(cli):
    add(cli, "Ann Smith", "--email", "ann1@example.com")
    add(cli, "Ann Smith", "--email", "ann2@example.com")
    result = cli("customer", "show", "ann smith", expect=4)
    assert len(result.stderr.splitlines()) == 3
    assert cli.json("customer", "show", "ann2@example.com")["id"] == 2


def test_list_sort_by_several_fields(three):
    three("customer", "edit", "Bob", "--owner", "alice")
    three("customer", "edit", "Carol", "--owner", "zoe")
    records = three.json("customer", "list", "--sort", "owner,-name")
    assert [(r["owner"], r["name"]) for r in records] == [
        ("alice", "Bob"),
        ("alice", "Ada"),
        ("zoe", "Carol"),
    ]
