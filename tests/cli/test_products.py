"""`crm product ...` through the installed `crm` (subprocesses), checked in the database
afterwards: the catalogue, its SKUs (unique in any case) and its REFs."""

from __future__ import annotations

import json
import shutil

import pytest

from crmcli.store.models import FieldValue, Product, Tag
from tests.cli.helpers import build_db, db_rows


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result, code: int) -> str:
    """One `crm: error:` line on stderr, nothing on stdout, the exit code: the message."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error: "), result.stderr
    return lines[0]


def test_add_prints_id_and_stores_everything(run_crm) -> None:
    out = ok(
        run_crm(
            "product", "add", "Kind of Blue", "--sku", "CD-KOB", "--price", "14.99",
            "--cost", "7", "--category", "Music", "--tag", "Jazz", "--tag", "sale",
            "--set", "label=Columbia", "--note", "Remastered",
        )
    )  # fmt: skip
    assert out == "1\n"
    (row,) = db_rows(Product)
    assert row["name"] == "Kind of Blue"
    assert (row["sku"], row["sku_key"]) == ("CD-KOB", "cd-kob")
    assert (row["price_minor"], row["cost_minor"], row["currency"]) == (1499, 700, "USD")
    assert row["category"] == "music"
    assert row["active"] is True and row["deleted_at"] is None
    assert row["notes"] == "Remastered"
    assert sorted(t["name"] for t in db_rows(Tag, Tag.entity == "product")) == ["jazz", "sale"]
    (field,) = db_rows(FieldValue, FieldValue.entity == "product")
    assert (field["key"], json.loads(field["value"])) == ("label", "Columbia")

    record = json.loads(ok(run_crm("product", "show", "1", "--json")))
    assert record["price"] == 14.99 and record["cost"] == 7 and record["currency"] == "USD"
    assert record["fields"] == {"label": "Columbia"}


def test_add_in_another_currency_keeps_its_minor_unit(run_crm) -> None:
    record = json.loads(
        ok(
            run_crm(
                "product",
                "add",
                "Oil",
                "--sku",
                "OIL",
                "--price",
                "1.125",
                "--currency",
                "bhd",
                "--json",
            )
        )
    )
    assert (record["price"], record["currency"], record["cost"]) == (1.125, "BHD", None)
    assert db_rows(Product)[0]["price_minor"] == 1125


@pytest.mark.parametrize(
    "args, code, words",
    [
        (("Disc", "--sku", "", "--price", "1"), 2, "SKU"),
        (("Disc", "--sku", "C D", "--price", "1"), 2, "no spaces"),
        (("Disc", "--sku", "CD@2", "--price", "1"), 2, "'@'"),
        (("Disc", "--sku", "CD", "--price", "-1"), 2, "negative"),
        (("Disc", "--sku", "CD", "--price", "1.234"), 2, "decimal places"),
        (("Disc", "--sku", "CD", "--price", "1", "--cost", "abc"), 2, "invalid amount"),
        (("Disc", "--sku", "CD", "--price", "1", "--currency", "XYZ"), 2, "currency"),
        (("", "--sku", "CD", "--price", "1"), 2, "name"),
        (("Disc", "--sku", "CD"), 2, "--price"),
        (("Disc", "--price", "1"), 2, "--sku"),
    ],
)
def test_invalid_add_is_one_line_and_writes_nothing(run_crm, args, code, words) -> None:
    message = refused(run_crm("product", "add", *args), code)
    assert words in message
    assert db_rows(Product) == []
    assert db_rows(Tag) == []


def test_sku_is_unique_in_any_case_deleted_products_included(run_crm) -> None:
    ok(run_crm("product", "add", "Disc", "--sku", "CD", "--price", "10"))
    ok(run_crm("product", "add", "Tape", "--sku", "TAPE", "--price", "3"))
    message = refused(run_crm("product", "add", "Other disc", "--sku", "cd", "--price", "9"), 4)
    assert "SKU 'CD' is taken by product 1" in message
    refused(run_crm("product", "edit", "TAPE", "--sku", "Cd"), 4)
    ok(run_crm("product", "rm", "CD"))
    message = refused(run_crm("product", "add", "Disc again", "--sku", "CD", "--price", "9"), 4)
    assert "deleted" in message and "restore" in message
    assert [(r["id"], r["sku"]) for r in db_rows(Product)] == [(1, "CD"), (2, "TAPE")]
    # its own SKU in another case is no conflict
    ok(run_crm("product", "edit", "tape", "--sku", "Tape"))
    assert db_rows(Product, Product.id == 2)[0]["sku"] == "Tape"


CATALOGUE = [
    ("product", "add", "Kind of Blue", "--sku", "CD-KOB", "--price", "14.99", "--cost", "7",
     "--category", "music", "--tag", "jazz"),
    ("product", "add", "Blue Train", "--sku", "LP-BT", "--price", "25", "--cost", "11",
     "--category", "music"),
    ("product", "add", "Support plan", "--sku", "SUP-1Y", "--price", "1200", "--currency", "EUR",
     "--category", "service"),
    ("product", "add", "Old cable", "--sku", "CABLE", "--price", "2"),
    ("product", "edit", "CABLE", "--inactive"),
]  # fmt: skip


@pytest.fixture(scope="module")
def _catalogue_db(tmp_path_factory, _template_db):
    return build_db(tmp_path_factory, _template_db, CATALOGUE)


@pytest.fixture
def catalogue(isolated_env, _catalogue_db):
    """Products 1 Kind of Blue (CD-KOB), 2 Blue Train (LP-BT), 3 Support plan (SUP-1Y, EUR),
    4 Old cable (CABLE, inactive)."""
    shutil.copyfile(_catalogue_db, isolated_env)


def ids(out: str) -> list[int]:
    return [int(line.split("\t")[0]) for line in out.splitlines()]


def test_show_by_id_sku_any_case_and_part_of_the_name(run_crm, catalogue) -> None:
    for ref in ("1", "CD-KOB", "cd-kob", "kind of", "Kind of Blue"):
        assert json.loads(ok(run_crm("product", "show", ref, "--json")))["id"] == 1, ref
    ambiguous = run_crm("product", "show", "blue")
    assert ambiguous.returncode == 4
    assert "Kind of Blue" in ambiguous.stderr and "Blue Train" in ambiguous.stderr
    refused(run_crm("product", "show", "nothing like it"), 3)


def test_list_filters_sorts_and_limits(run_crm, catalogue) -> None:
    assert ids(ok(run_crm("product", "list"))) == [2, 1, 4, 3]  # by name
    assert ids(ok(run_crm("product", "list", "category:music"))) == [2, 1]
    assert ids(ok(run_crm("product", "list", "price<20", "currency:USD"))) == [1, 4]
    assert ids(ok(run_crm("product", "list", "active:no"))) == [4]
    assert ids(ok(run_crm("product", "list", "tag:jazz"))) == [1]
    assert ids(ok(run_crm("product", "list", "sku:lp"))) == [2]
    assert ids(ok(run_crm("product", "list", "--sort", "-price", "--limit", "2"))) == [3, 2]
    assert ids(ok(run_crm("product", "list", "-category:music"))) == [4, 3]
    refused(run_crm("product", "list", "active:maybe"), 2)


def test_list_columns_in_tsv_csv_and_table(run_crm, catalogue) -> None:
    line = ok(run_crm("product", "list", "sku:CD-KOB")).rstrip("\n")
    assert line.split("\t") == ["1", "CD-KOB", "Kind of Blue", "music", "14.99", "USD", "7", "true"]
    header = ok(run_crm("product", "list", "--format", "csv")).splitlines()[0]
    assert header == "id,sku,name,category,price,currency,cost,active"
    table = ok(run_crm("product", "list", "--format", "table"))
    assert "1,200.00" in table and "EUR" in table and "14.99" in table and "7.00" in table


def test_json_records_match_the_schema(run_crm, catalogue) -> None:
    schema = json.loads(ok(run_crm("schema", "product")))
    properties = schema.get("properties", schema)
    for record in json.loads(ok(run_crm("product", "list", "--json"))):
        assert set(record) == set(properties)
        assert isinstance(record["price"], int | float)
        assert record["cost"] is None or isinstance(record["cost"], int | float)


def test_edit_changes_only_what_is_given(run_crm, catalogue) -> None:
    out = ok(
        run_crm("product", "edit", "CD-KOB", "--price", "12.50", "--tag", "sale", "--untag", "jazz")
    )
    assert out == "Updated product 1: Kind of Blue\n"
    row = db_rows(Product, Product.id == 1)[0]
    assert (row["price_minor"], row["cost_minor"], row["name"], row["category"]) == (
        1250, 700, "Kind of Blue", "music",
    )  # fmt: skip
    tags = db_rows(Tag, Tag.entity == "product", Tag.entity_id == 1)
    assert [t["name"] for t in tags] == ["sale"]
    ok(run_crm("product", "edit", "1", "--no-cost", "--name", "Kind of Blue (mono)", "--active"))
    row = db_rows(Product, Product.id == 1)[0]
    assert (row["cost_minor"], row["name"], row["active"]) == (None, "Kind of Blue (mono)", True)
    record = json.loads(ok(run_crm("product", "edit", "LP-BT", "--category", "Vinyl", "--json")))
    assert record["category"] == "vinyl"


def test_edit_currency_needs_the_price_in_it(run_crm, catalogue) -> None:
    message = refused(run_crm("product", "edit", "SUP-1Y", "--currency", "USD"), 2)
    assert "--price" in message
    refused(run_crm("product", "edit", "SUP-1Y", "--cost", "1", "--no-cost"), 2)
    assert db_rows(Product, Product.id == 3)[0]["currency"] == "EUR"
    ok(run_crm("product", "edit", "SUP-1Y", "--currency", "JPY", "--price", "150000"))
    row = db_rows(Product, Product.id == 3)[0]
    assert (row["currency"], row["price_minor"]) == ("JPY", 150000)


def test_edit_several_is_all_or_none(run_crm, catalogue) -> None:
    out = ok(run_crm("product", "edit", "CD-KOB", "LP-BT", "--inactive"))
    assert out.splitlines() == ["Updated product 1: Kind of Blue", "Updated product 2: Blue Train"]
    assert [r["active"] for r in db_rows(Product)] == [False, False, True, False]
    refused(run_crm("product", "edit", "CD-KOB", "nothing", "--active"), 3)
    assert db_rows(Product, Product.id == 1)[0]["active"] is False
    refused(run_crm("product", "edit", "CD-KOB", "LP-BT", "--sku", "X"), 2)
    piped = run_crm("product", "edit", "-", "--tag", "clearance", input="CABLE\nSUP-1Y\n")
    assert ok(piped).count("Updated product") == 2


def test_rm_and_restore(run_crm, catalogue) -> None:
    assert ok(run_crm("product", "rm", "CD-KOB", "cable")) == (
        "Deleted product 1: Kind of Blue\nDeleted product 4: Old cable\n"
    )
    assert ids(ok(run_crm("product", "list"))) == [2, 3]
    assert ids(ok(run_crm("product", "list", "--deleted"))) == [1, 4]
    assert json.loads(ok(run_crm("product", "show", "CD-KOB", "--json")))["deleted_at"]
    refused(run_crm("product", "rm", "1"), 2)
    assert "product 2 is not deleted" in refused(run_crm("product", "restore", "LP-BT"), 2)
    assert ok(run_crm("product", "restore", "cd-kob")) == "Restored product 1: Kind of Blue\n"
    assert db_rows(Product, Product.id == 1)[0]["deleted_at"] is None
    assert ids(ok(run_crm("product", "list", "--deleted"))) == [4]
