"""`crm product ...`: the catalogue that purchases name by SKU."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt
from crmcli.commands.customer import parse_sets

app = opt.noun_app()
Filter = opt.filter_argument("product")
Sort = opt.sort_option("product")
Tags = opt.tags_option("product")
Untags = opt.untags_option("product")

REF_HELP = "An id, a SKU (any case), or part of the name."
Ref = Annotated[
    str, typer.Argument(help=REF_HELP, metavar="REF", autocompletion=completers.names("product"))
]
MANY_HELP = REF_HELP + " Several, or - to read them from stdin (one a line)."
Refs = Annotated[
    list[str],
    typer.Argument(help=MANY_HELP, metavar="REF...", autocompletion=completers.names("product")),
]
DeletedRefs = Annotated[
    list[str],
    typer.Argument(
        help=MANY_HELP,
        metavar="REF...",
        autocompletion=completers.names("product", deleted=True),
    ),
]
Currency = Annotated[
    str | None,
    typer.Option(
        "--currency",
        help="ISO 4217 code of the price and cost (default: the configured currency, USD).",
        metavar="CUR",
    ),
]
Category = Annotated[
    str | None,
    typer.Option(
        "--category",
        help="A category (music, service ...), stored in lower case.",
        metavar="CATEGORY",
        autocompletion=completers.categories,
    ),
]


def _find(session, ref: str):
    from crmcli.entities import refs

    return refs.product(session, ref, deleted=None)


def _find_deleted(session, ref: str):
    from crmcli.entities import refs

    return refs.product(session, ref, deleted=True)


def _record(session, product) -> dict:
    from crmcli.entities.product import product_records

    return product_records(session, [product])[0]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Product name.")],
    sku: Annotated[
        str,
        typer.Option(
            "--sku", help="Stock-keeping unit: unique (any case), no spaces, no '@'.", metavar="SKU"
        ),
    ],
    price: Annotated[
        str,
        typer.Option(
            "--price", help="List price per unit in major units (14.99).", metavar="AMOUNT"
        ),
    ],
    cost: Annotated[
        str | None,
        typer.Option(
            "--cost",
            help="Unit cost in major units, for margins (default: unknown).",
            metavar="AMOUNT",
        ),
    ] = None,
    currency: Currency = None,
    category: Category = None,
    tag: Tags = None,
    set_: opt.Sets = None,
    note: Annotated[str | None, typer.Option("--note", help="Free-text notes.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Add a product to the catalogue. Prints the new id when piped.

    Example: crm product add "Kind of Blue" --sku CD-KOB --price 14.99 --cost 7 --category music
    """
    from crmcli.services import products

    fields = parse_sets(set_)
    with context.writing() as session:
        product = products.add(
            session,
            name,
            sku=sku,
            price=price,
            cost=cost,
            currency=currency,
            category=category,
            tags=tag or [],
            fields=fields,
            notes=note,
        )
        record = _record(session, product)
    label = f"{record['name']} ({record['sku']})"
    context.created("product", record, label, columns.PRODUCT_DETAIL, fmt, as_json)


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    deleted: opt.Deleted = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List products matching a filter: crm product list category:music price<20 active:yes

    Example: crm product list tag:sale --sort -price
    """
    context.list_command(
        "product",
        columns.PRODUCT,
        terms,
        limit=limit,
        sort=sort,
        fmt=fmt,
        as_json=as_json,
        deleted=deleted,
        empty_message="No products.",
    )


@app.command("show")
def show(ref: Ref, fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """Show one product: crm product show CD-KOB"""
    with context.reading() as session:
        record = _record(session, _find(session, ref))
    context.show_record(record, columns.PRODUCT_DETAIL, fmt, as_json)


@app.command("edit")
def edit(
    ref: Refs,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    sku: Annotated[
        str | None, typer.Option("--sku", help="New SKU (unique, any case).", metavar="SKU")
    ] = None,
    price: Annotated[
        str | None,
        typer.Option("--price", help="New list price per unit, major units.", metavar="AMOUNT"),
    ] = None,
    cost: Annotated[
        str | None, typer.Option("--cost", help="New unit cost, major units.", metavar="AMOUNT")
    ] = None,
    no_cost: Annotated[
        bool, typer.Option("--no-cost", help="Forget the unit cost (unknown).")
    ] = False,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="New ISO 4217 code; give --price (and --cost) in it too.",
            metavar="CUR",
        ),
    ] = None,
    category: Category = None,
    active: Annotated[
        bool | None,
        typer.Option(
            "--active/--inactive",
            help="Still sold, or no longer (an inactive product keeps its purchases).",
            show_default=False,
        ),
    ] = None,
    tag: Tags = None,
    untag: Untags = None,
    set_: opt.Sets = None,
    note: Annotated[str | None, typer.Option("--note", help="Replace the notes.")] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Change products: only the options given change (several REFs, or - for stdin: all or none).

    Example: crm product edit CD-KOB --price 12.99 --tag sale

    Prices already paid are kept on each purchase: a new price changes only later sales.
    """
    from crmcli.services import products

    context.refuse_for_several(ref, name=name, sku=sku)
    texts = context.ref_texts(ref)

    changes = products.ProductChanges(
        name=name,
        sku=sku,
        category=category,
        price=price,
        cost=cost,
        clear_cost=no_cost,
        currency=currency,
        active=active,
        notes=note,
        add_tags=tag or [],
        remove_tags=untag or [],
        fields=parse_sets(set_),
    )
    with context.writing() as session:
        targets = context.resolve_all(session, _find, texts)
        records = [_record(session, products.edit(session, p, changes)) for p in targets]
    context.changed_records(
        "product", records, "name", ref, columns.PRODUCT_DETAIL, columns.PRODUCT, fmt, as_json
    )


@app.command("rm")
def rm(ref: Refs) -> None:
    """Delete products (soft: their purchases keep them; `crm product restore` brings them back)."""
    from crmcli.services import products

    context.soft_delete_command("product", _find, products.remove, ref, "Deleted")


@app.command("restore")
def restore(ref: DeletedRefs) -> None:
    """Bring back deleted products."""
    from crmcli.services import products

    context.soft_delete_command("product", _find_deleted, products.restore, ref, "Restored")
