"""`crm purchase ...`: what customers bought (lines of products, or a bare amount), and refunds."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt

app = opt.noun_app()
Filter = opt.filter_argument("purchase")
Sort = opt.sort_option("purchase")

IdArg = Annotated[str, typer.Argument(help="Purchase id.", metavar="ID")]
Items = Annotated[
    list[str] | None,
    typer.Option(
        "--item",
        "-i",
        help="A line: SKU, SKUxQTY or SKUxQTY@PRICE (unit price; default: the product's list "
        "price). Repeatable.",
        metavar="SKU[xQTY][@PRICE]",
        autocompletion=completers.names("product"),
    ),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at", help="When it happened: 2026-03-01, yesterday, -3d (default: now).", metavar="WHEN"
    ),
]


def _record(session, purchase) -> dict:
    from crmcli.entities.purchase import purchase_records

    return purchase_records(session, [purchase])[0]


def _when(text: str | None):
    from crmcli.kernel.dates import parse_when

    return parse_when(text) if text else None


def _lines(session, items: list[str] | None) -> list:
    from crmcli.services import purchases

    return [purchases.parse_item(session, text) for text in items or []]


def _money(record: dict) -> str:
    from crmcli.present.money import format_money

    return format_money(abs(record["amount"]), record["currency"])


@app.command("add")
def add(
    customer: Annotated[
        str,
        typer.Argument(
            help="Customer REF (id, email or name).",
            metavar="CUSTOMER",
            autocompletion=completers.names("customer"),
        ),
    ],
    at: At = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help="web, store, phone, email, partner, marketplace, field or other (default: web).",
            metavar="CHANNEL",
            autocompletion=completers.purchase_channels,
        ),
    ] = None,
    item: Items = None,
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount",
            help="The total in major units: alone for a purchase without lines, or to check "
            "the lines' total.",
            metavar="AMOUNT",
        ),
    ] = None,
    quantity: Annotated[
        int | None,
        typer.Option(
            "--quantity",
            help="Units bought (without lines, default 1; with lines, checked against them).",
            metavar="N",
        ),
    ] = None,
    cost: Annotated[
        str | None,
        typer.Option(
            "--cost",
            help="Cost of goods of a purchase without lines (lines take the products' costs).",
            metavar="AMOUNT",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="ISO 4217 code (default: the products' currency, else the configured one).",
            metavar="CUR",
        ),
    ] = None,
    deal: Annotated[
        str | None,
        typer.Option(
            "--deal",
            help="Tie it to one of the customer's deals.",
            metavar="REF",
            autocompletion=completers.names("deal"),
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free-text note.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Record a purchase: product lines, or a bare amount. Prints the new id when piped.

    Example: crm purchase add ada --item CD-KOBx2 --item LP-BLUE@19.50 --channel store

    Example: crm purchase add ada --amount 120 --currency EUR --at yesterday --note "Gift card"

    Each line's unit price and cost default to its product's; a price finer than the currency's
    minor unit is refused unless the line's total is exact (CDx2@14.665 is 29.33).
    """
    from crmcli.services import purchases

    when = _when(at)
    with context.writing() as session:
        purchase = purchases.record(
            session,
            customer,
            lines=_lines(session, item),
            amount=amount,
            quantity=quantity,
            cost=cost,
            currency=currency,
            at=when,
            channel=channel,
            deal=deal,
            note=note,
        )
        record = _record(session, purchase)
    label = f"{_money(record)} by {record['customer']}"
    context.created("purchase", record, label, columns.PURCHASE_DETAIL, fmt, as_json)


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List purchases, newest first: crm purchase list customer:ada product:CD at>-30d

    Example: crm purchase list category:music 'amount>20' refund:no --sort -amount
    """
    context.list_command(
        "purchase",
        columns.PURCHASE,
        terms,
        limit=limit,
        sort=sort,
        fmt=fmt,
        as_json=as_json,
        empty_message="No purchases.",
    )


@app.command("show")
def show(purchase_id: IdArg, fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """Show one purchase (on a terminal, with its lines): crm purchase show 12"""
    from crmcli.entities import refs

    with context.reading() as session:
        record = _record(session, refs.purchase(session, purchase_id))
    context.show_record(record, columns.PURCHASE_DETAIL, fmt, as_json)
    if fmt is None and not as_json and context.is_terminal() and record["items"]:
        lines = [{**line, "currency": record["currency"]} for line in record["items"]]
        typer.echo("")
        context.show_records(lines, columns.PURCHASE_ITEM, "table", False, title="Lines")


@app.command("refund")
def refund(
    purchase_id: IdArg,
    item: Annotated[
        list[str] | None,
        typer.Option(
            "--item",
            "-i",
            help="A line to give back: SKU, SKUxQTY or SKUxQTY@PRICE (default: the price paid). "
            "Repeatable.",
            metavar="SKU[xQTY][@PRICE]",
            autocompletion=completers.names("product"),
        ),
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount",
            help="The amount given back, major units, positive (default: all that is left).",
            metavar="AMOUNT",
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When (default: now).", metavar="WHEN")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Why (default: Refund of purchase ID).")
    ] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Refund a purchase, in whole or in part; recorded as a purchase with a negative amount.

    Example: crm purchase refund 12 --item CD-KOB --note "Scratched"

    Example: crm purchase refund 12 --amount 5

    Never more than is left: what earlier refunds gave back counts. Prints the refund's id
    when piped.
    """
    from crmcli.services import purchases

    when = _when(at)
    with context.writing() as session:
        created = purchases.refund(
            session, purchase_id, lines=_lines(session, item), amount=amount, at=when, note=note
        )
        record = _record(session, created)
    if fmt or as_json:
        context.show_record(record, columns.PURCHASE_DETAIL, fmt, as_json)
    elif context.is_terminal():
        context.say(
            f"Refunded {_money(record)} of purchase {record['refund_of']} (refund {record['id']})"
        )
    else:
        typer.echo(str(record["id"]))


@app.command("rm")
def rm(
    purchase_ids: Annotated[
        list[str],
        typer.Argument(
            help="Purchase ids. Several, or - to read them from stdin (one a line).",
            metavar="ID...",
        ),
    ],
) -> None:
    """Delete purchases entered by mistake, with their lines (a real return is a refund).

    All or none; a purchase that has refunds goes only with them.
    """
    from crmcli.entities import refs
    from crmcli.present.money import format_money
    from crmcli.services import purchases

    texts = context.ref_texts(purchase_ids)
    with context.writing() as session:
        targets = context.resolve_all(session, refs.purchase, texts)
        # Refunds first: a purchase with refunds cannot go before them.
        targets.sort(key=lambda p: p.refund_of_id is None)
        messages = []
        for target in targets:
            record = _record(session, target)
            purchases.remove(session, str(target.id))
            shown = format_money(record["amount"], record["currency"])
            messages.append(f"Deleted purchase {record['id']}: {shown} by {record['customer']}")
    for message in messages:
        context.say(message)
