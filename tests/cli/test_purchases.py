"""`crm purchase ...` and `crm deal won --purchase` through the installed `crm`
(subprocesses), checked in the database afterwards: lines priced and costed from the
catalogue, exact money, refunds that never give back more than was paid, and bad input
refused whole."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest

from crmcli.store.models import Deal, Purchase, PurchaseItem, StageChange
from tests.cli.helpers import build_db, db_rows, on_a_terminal
from tests.cli.test_products import ok, refused

SHOP = [
    ("customer", "add", "Ada Lovelace", "--email", "ada@example.com"),
    ("customer", "add", "Grace Hopper", "--email", "grace@example.com"),
    ("product", "add", "Kind of Blue", "--sku", "CD", "--price", "15.99", "--cost", "7",
     "--category", "music"),
    ("product", "add", "Blue Train", "--sku", "LP", "--price", "25", "--cost", "11",
     "--category", "music"),
    ("product", "add", "Support plan", "--sku", "SUP", "--price", "1200", "--currency", "EUR",
     "--category", "service"),
    ("product", "add", "Sticker", "--sku", "STK", "--price", "0.50"),
    ("deal", "add", "Engines", "--customer", "Ada", "--value", "12000.50", "--currency", "EUR"),
    ("deal", "add", "Nothing yet", "--customer", "Grace"),
]  # fmt: skip


@pytest.fixture(scope="module")
def _shop_db(tmp_path_factory, _template_db):
    return build_db(tmp_path_factory, _template_db, SHOP)


@pytest.fixture
def shop(isolated_env, _shop_db):
    """Customers 1 Ada, 2 Grace; products 1 CD (15.99, cost 7, music), 2 LP (25, cost 11,
    music), 3 SUP (1200 EUR, no cost, service), 4 STK (0.50, no cost); deal 1 of Ada
    (12,000.50 EUR), deal 2 of Grace (no value). No purchases."""
    shutil.copyfile(_shop_db, isolated_env)


def purchases() -> list[dict]:
    return db_rows(Purchase)


def items(purchase_id: int) -> list[tuple]:
    rows = db_rows(PurchaseItem, PurchaseItem.purchase_id == purchase_id)
    return [
        (r["product_id"], r["quantity"], r["amount_minor"], r["cost_minor"])
        for r in sorted(rows, key=lambda r: r["position"])
    ]


def show(run_crm, purchase_id: int) -> dict:
    return json.loads(ok(run_crm("purchase", "show", str(purchase_id), "--json")))


# --- add ----------------------------------------------------------------------------------


def test_lines_are_priced_and_costed_from_the_catalogue(run_crm, shop) -> None:
    out = ok(
        run_crm("purchase", "add", "ada", "--item", "CD", "--item", "LPx2", "--channel", "store")
    )
    assert out == "1\n"
    (row,) = purchases()
    assert (row["customer_id"], row["channel"], row["currency"]) == (1, "store", "USD")
    assert (row["amount_minor"], row["cost_minor"], row["quantity"]) == (6599, 2900, 3)
    assert row["by"] == "tester" and row["refund_of_id"] is None and row["deal_id"] is None
    assert items(1) == [(1, 1, 1599, 700), (2, 2, 5000, 2200)]
    record = show(run_crm, 1)
    assert (record["amount"], record["cost"], record["quantity"]) == (65.99, 29, 3)
    assert [(i["product"], i["unit_price"], i["amount"]) for i in record["items"]] == [
        ("CD", 15.99, 15.99),
        ("LP", 25, 50),
    ]


def test_a_unit_price_finer_than_the_minor_unit_with_an_exact_total(run_crm, shop) -> None:
    record = json.loads(ok(run_crm("purchase", "add", "ada", "--item", "CDx2@14.665", "--json")))
    assert record["amount"] == 29.33
    (line,) = record["items"]
    assert (line["quantity"], line["unit_price"], line["amount"]) == (2, 14.665, 29.33)
    assert line["cost"] == 14  # the product's cost, 2 x 7
    assert purchases()[0]["amount_minor"] == 2933
    assert items(1) == [(1, 2, 2933, 1400)]


def test_sku_any_case_and_the_stated_total_and_quantity_agree(run_crm, shop) -> None:
    args = ("--item", "cdx3", "--item", "stk@0", "--amount", "47.97", "--quantity", "4")
    ok(run_crm("purchase", "add", "grace@example.com", *args))
    row = purchases()[0]
    assert (row["customer_id"], row["amount_minor"], row["quantity"]) == (2, 4797, 4)
    assert row["cost_minor"] is None  # the sticker's cost is not known
    assert items(1) == [(1, 3, 4797, 2100), (4, 1, 0, None)]


def test_a_bare_amount(run_crm, shop) -> None:
    record = json.loads(
        ok(
            run_crm(
                "purchase", "add", "Ada", "--amount", "120", "--currency", "eur", "--quantity", "3",
                "--cost", "50.5", "--at", "2025-12-01 10:30", "--channel", "phone",
                "--note", "Gift cards", "--json",
            )
        )
    )  # fmt: skip
    assert record["items"] == []
    assert (record["amount"], record["currency"], record["cost"], record["quantity"]) == (
        120, "EUR", 50.5, 3,
    )  # fmt: skip
    assert record["at"] == "2025-12-01T10:30:00+00:00"
    row = purchases()[0]
    assert (row["amount_minor"], row["cost_minor"], row["channel"], row["note"]) == (
        12000, 5050, "phone", "Gift cards",
    )  # fmt: skip
    assert row["at"].replace(tzinfo=UTC) == datetime(2025, 12, 1, 10, 30, tzinfo=UTC)


def test_defaults_and_when_parsed_like_other_options(run_crm, shop) -> None:
    before = datetime.now(UTC)
    ok(run_crm("purchase", "add", "ada", "--amount", "5"))
    ok(run_crm("purchase", "add", "ada", "--amount", "5", "--at", "yesterday"))
    ok(run_crm("purchase", "add", "ada", "--item", "SUP"))
    now_row, yesterday_row, sup_row = purchases()
    assert (now_row["channel"], now_row["currency"], now_row["quantity"]) == ("web", "USD", 1)
    assert now_row["at"].replace(tzinfo=UTC) >= before.replace(microsecond=0)
    assert yesterday_row["at"].date() < before.date()
    assert (sup_row["currency"], sup_row["amount_minor"]) == ("EUR", 120000)  # the product's


def test_tied_to_a_deal_of_the_customer(run_crm, shop) -> None:
    record = json.loads(
        ok(run_crm("purchase", "add", "ada", "--amount", "5", "--deal", "Engines", "--json"))
    )
    assert (record["deal_id"], record["deal"]) == (1, "Engines")


def test_add_on_a_terminal_says_what_was_recorded(shop) -> None:
    out = on_a_terminal("purchase", "add", "ada", "--item", "LPx2")
    assert out == "Created purchase 1: 50 USD by Ada Lovelace\n"


# Some with a good line first: one bad line and none of the purchase is written.
BAD_ADDS = [
    (("--item", "LP", "--item", "NOPE"), 3, "unknown SKU 'NOPE'"),
    (("--item", "LP", "--item", "CDx0"), 2, "quantity"),
    (("--item", "LP", "--item", "CD@14.665"), 2, "finer than USD's minor unit"),
    (("--item", "CD", "--item", "SUP"), 2, "one currency"),
    (("--item", "CD", "--currency", "EUR"), 2, "one currency"),
    (("--item", "CD", "--amount", "10"), 2, "disagrees with its lines"),
    (("--item", "CDx2", "--quantity", "3"), 2, "disagrees"),
    (("--item", "CD", "--cost", "3"), 2, "--cost"),
    (("--item", "CD@"), 2, "price after @"),
    (("--item", "CD@-1"), 2, "negative"),
    (("--amount", "-5"), 2, "negative"),
    (("--amount", "1.001"), 2, "decimal places"),
    (("--amount", "5", "--quantity", "0"), 2, "quantity"),
    (("--amount", "5", "--channel", "moon"), 2, "channel"),
    (("--amount", "5", "--currency", "XYZ"), 2, "currency"),
    (("--amount", "5", "--at", "blorp"), 2, "date"),
    (("--amount", "5", "--deal", "Nothing yet"), 2, "another customer"),
    ((), 2, "--item SKU... or --amount"),
]


@pytest.mark.parametrize(
    "args, code, words", BAD_ADDS, ids=[" ".join(a[0]) or "nothing" for a in BAD_ADDS]
)
def test_bad_input_is_one_line_and_writes_nothing(run_crm, shop, args, code, words) -> None:
    message = refused(run_crm("purchase", "add", "ada", *args), code)
    assert words in message, message
    assert purchases() == []
    assert db_rows(PurchaseItem) == []


def test_an_unknown_customer_writes_nothing(run_crm, shop) -> None:
    refused(run_crm("purchase", "add", "nobody", "--item", "CD"), 3)
    refused(run_crm("purchase", "add", "Ada", "--amount", "5", "--format", "yaml"), 2)
    assert purchases() == []


# --- list, show, rm -----------------------------------------------------------------------

HISTORY = [
    *SHOP,
    ("purchase", "add", "ada", "--item", "CDx2@14.665", "--at", "2026-01-15", "--channel", "store"),
    ("purchase", "add", "ada", "--amount", "120", "--currency", "EUR", "--at", "2025-12-01"),
    ("purchase", "add", "grace", "--item", "LP", "--item", "STKx4", "--at", "2026-02-01"),
    ("purchase", "add", "grace", "--item", "SUP", "--at", "2025-11-01", "--channel", "partner"),
    ("purchase", "refund", "3", "--item", "STKx2", "--at", "2026-02-03"),
]


@pytest.fixture(scope="module")
def _history_db(tmp_path_factory, _template_db):
    return build_db(tmp_path_factory, _template_db, HISTORY)


@pytest.fixture
def history(isolated_env, _history_db):
    """The shop, then purchases 1 (Ada, 2 CDs for 29.33, 2026-01-15, store), 2 (Ada, 120
    EUR bare, 2025-12-01), 3 (Grace, LP + 4 stickers = 27 USD, 2026-02-01), 4 (Grace, SUP,
    1200 EUR, 2025-11-01, partner), and refund 5 of 2 stickers from purchase 3 (-1 USD)."""
    shutil.copyfile(_history_db, isolated_env)


def listed(run_crm, *terms: str) -> list[int]:
    out = ok(run_crm("purchase", "list", *terms))
    return [int(line.split("\t")[0]) for line in out.splitlines()]


def test_list_newest_first_and_filters(run_crm, history) -> None:
    assert listed(run_crm) == [5, 3, 1, 2, 4]
    assert listed(run_crm, "product:CD") == [1]
    assert listed(run_crm, "product:sticker") == [5, 3]  # part of a name; the refund too
    assert listed(run_crm, "category:music") == [3, 1]
    assert listed(run_crm, "category:service") == [4]
    assert listed(run_crm, "amount>20") == [3, 1, 2, 4]
    assert listed(run_crm, "amount>20", "currency:USD") == [3, 1]
    assert listed(run_crm, "at>2026-01-01") == [5, 3, 1]
    assert listed(run_crm, "refund:yes") == [5]
    assert listed(run_crm, "refund:no", "customer:grace") == [3, 4]
    assert listed(run_crm, "channel:partner") == [4]
    assert listed(run_crm, "-product:CD", "customer:ada") == [2]
    assert listed(run_crm, "--sort", "-amount", "--limit", "2") == [4, 2]
    refused(run_crm("purchase", "list", "refund:maybe"), 2)
    refused(run_crm("purchase", "list", "colour:red"), 2)


def test_list_columns(run_crm, history) -> None:
    (line,) = ok(run_crm("purchase", "list", "refund:yes")).splitlines()
    assert line.split("\t") == [
        "5", "2026-02-03T00:00:00+00:00", "Grace Hopper", "web", "-1", "USD", "-2", "3",
        "Refund of purchase 3",
    ]  # fmt: skip
    header = ok(run_crm("purchase", "list", "--format", "csv")).splitlines()[0]
    assert header == "id,at,customer,channel,amount,currency,quantity,refund_of,note"


def test_json_records_match_the_schema(run_crm, history) -> None:
    schema = json.loads(ok(run_crm("schema", "purchase")))
    properties = schema.get("properties", schema)
    item_keys = set(properties["items"]["items"]["properties"])
    records = json.loads(ok(run_crm("purchase", "list", "--json")))
    assert len(records) == 5
    for record in records:
        assert set(record) == set(properties)
        for line in record["items"]:
            assert set(line) == item_keys
    assert show(run_crm, 1) == next(r for r in records if r["id"] == 1)
    channel_enum = properties["channel"]["enum"]
    assert {r["channel"] for r in records} <= set(channel_enum)


def test_show_on_a_terminal_has_its_lines(run_crm, history) -> None:
    out = on_a_terminal("purchase", "show", "3")
    assert "Grace Hopper" in out and "27.00" in out
    lines = out[out.index("Lines") :]
    assert "LP" in lines and "Blue Train" in lines and "STK" in lines and "0.50" in lines
    exact = on_a_terminal("purchase", "show", "1")
    assert "14.665" in exact and "29.33" in exact  # the unit price is never rounded
    piped = ok(run_crm("purchase", "show", "3"))
    assert "Lines" not in piped
    refused(run_crm("purchase", "show", "99"), 3)
    refused(run_crm("purchase", "show", "ada"), 2)


def test_rm_deletes_with_lines_all_or_none(run_crm, history) -> None:
    message = refused(run_crm("purchase", "rm", "3"), 2)
    assert "refunds" in message
    refused(run_crm("purchase", "rm", "1", "99"), 3)
    assert len(purchases()) == 5
    out = ok(run_crm("purchase", "rm", "3", "5", "1"))
    assert out.splitlines() == [
        "Deleted purchase 5: -1 USD by Grace Hopper",
        "Deleted purchase 3: 27 USD by Grace Hopper",
        "Deleted purchase 1: 29.33 USD by Ada Lovelace",
    ]
    assert sorted(p["id"] for p in purchases()) == [2, 4]
    assert {r["purchase_id"] for r in db_rows(PurchaseItem)} == {4}


# --- refunds ------------------------------------------------------------------------------


def test_refund_in_whole_gives_back_every_line(run_crm, history) -> None:
    record = json.loads(ok(run_crm("purchase", "refund", "1", "--json")))
    assert (record["amount"], record["quantity"], record["cost"], record["refund_of"]) == (
        -29.33, -2, -14, 1,
    )  # fmt: skip
    assert record["channel"] == "store" and record["customer_id"] == 1
    assert items(record["id"]) == [(1, -2, -2933, -1400)]
    message = refused(run_crm("purchase", "refund", "1"), 2)
    assert "already refunded in full" in message


def test_refund_a_line_at_the_price_paid_never_more_than_is_left(run_crm, history) -> None:
    # purchase 3: LP 25 (cost 11) and 4 stickers 2.00; 2 stickers already back
    out = ok(run_crm("purchase", "refund", "3", "--item", "STKx2"))
    refund_id = int(out)
    assert items(refund_id) == [(4, -2, -100, None)]
    message = refused(run_crm("purchase", "refund", "3", "--item", "STK"), 2)
    assert "cannot refund 1 x 'STK': 0 left" in message
    refused(run_crm("purchase", "refund", "3", "--item", "CD"), 2)  # not in that purchase
    message = refused(run_crm("purchase", "refund", "3", "--item", "LP@30"), 2)
    assert "exceeds the 25.00 left" in message
    message = refused(run_crm("purchase", "refund", "3", "--amount", "25.01"), 2)
    assert "exceeds" in message
    assert len(purchases()) == 6
    ok(run_crm("purchase", "refund", "3", "--amount", "20", "--note", "Scratched"))
    rest = json.loads(ok(run_crm("purchase", "refund", "3", "--json")))
    assert (rest["amount"], rest["items"]) == (-5, [])  # what is left, as an amount
    assert (
        sum(p["amount_minor"] for p in purchases() if p["id"] == 3 or p["refund_of_id"] == 3) == 0
    )


def test_refund_of_a_unit_price_finer_than_the_minor_unit(run_crm, history) -> None:
    message = refused(run_crm("purchase", "refund", "1", "--item", "CD"), 2)
    assert "14.665" in message and "CDx1@PRICE" in message
    ok(run_crm("purchase", "refund", "1", "--item", "CD@14.67"))
    rest = json.loads(ok(run_crm("purchase", "refund", "1", "--item", "CD", "--json")))
    assert (rest["amount"], rest["cost"]) == (-14.66, -7)  # the last one: what is left of it


def test_refund_refusals(run_crm, history) -> None:
    assert "itself a refund" in refused(run_crm("purchase", "refund", "5"), 2)
    assert "refund of 0" in refused(run_crm("purchase", "refund", "2", "--amount", "0"), 2)
    refused(run_crm("purchase", "refund", "99"), 3)
    refused(run_crm("purchase", "refund", "2", "--amount", "1.001"), 2)
    assert len(purchases()) == 5


def test_refund_on_a_terminal(history) -> None:
    out = on_a_terminal("purchase", "refund", "2", "--amount", "20", "--at", "2026-01-02")
    assert out == "Refunded 20 EUR of purchase 2 (refund 6)\n"


# --- deal won --purchase ------------------------------------------------------------------


def test_deal_won_with_its_purchase(run_crm, shop) -> None:
    out = ok(run_crm("deal", "won", "Engines", "--purchase"))
    assert out == "Moved deal 1 to Won; recorded purchase 1 of 12,000.50 EUR\n"
    (row,) = purchases()
    assert (row["customer_id"], row["deal_id"], row["channel"]) == (1, 1, "field")
    assert (row["amount_minor"], row["currency"], row["quantity"]) == (1200050, "EUR", 1)
    assert row["note"] == "Engines"
    assert listed(run_crm, "deal:engines") == [1]
    message = refused(run_crm("deal", "won", "1", "--purchase"), 2)
    assert "has a purchase already" in message
    assert len(purchases()) == 1


def test_deal_won_purchase_in_json_says_so_on_stderr(run_crm, shop) -> None:
    result = run_crm("deal", "won", "1", "--purchase", "--json")
    assert json.loads(ok(result))["status"] == "won"
    assert result.stderr == "crm: recorded purchase 1 of 12,000.50 EUR\n"


def test_deal_won_purchase_refused_wins_nothing(run_crm, shop) -> None:
    changes = len(db_rows(StageChange))
    message = refused(run_crm("deal", "won", "Nothing yet", "--purchase"), 2)
    assert "no value" in message
    assert db_rows(Deal, Deal.id == 2)[0]["closed_at"] is None
    assert len(db_rows(StageChange)) == changes
    assert purchases() == []


# --- the timeline -------------------------------------------------------------------------


def test_timeline_shows_purchases_and_refunds(run_crm, history) -> None:
    entries = json.loads(ok(run_crm("timeline", "grace", "--json")))
    shown = [(e["type"], e["id"], e["text"]) for e in entries if e["type"] == "purchase"]
    assert shown == [
        ("purchase", 5, "refund 1.00 USD of purchase 3: 2 × Sticker"),
        ("purchase", 3, "purchase 27.00 USD (web): 1 × Blue Train, 4 × Sticker"),
        ("purchase", 4, "purchase 1200.00 EUR (partner): 1 × Support plan"),
    ]
    refund = next(e for e in entries if e["type"] == "purchase" and e["id"] == 5)
    assert set(refund) == {"type", "id", "at", "text", "deal_id", "record"}
    assert refund["at"] == "2026-02-03T00:00:00+00:00"
    assert refund["record"] == show(run_crm, 5)
    ada = ok(run_crm("timeline", "ada")).splitlines()
    assert ada[-1].endswith("purchase\t2\tpurchase 120.00 EUR (web)")
