"""`crm deal ...`: deals moving through a pipeline."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt
from crmcli.commands.customer import parse_sets

app = opt.noun_app()
Filter = opt.filter_argument("deal")
Sort = opt.sort_option("deal")
Tags = opt.tags_option("deal")
Untags = opt.untags_option("deal")
Owner = opt.owner_option("deal")

REF_HELP = "A deal id or part of its title."
Ref = Annotated[
    str, typer.Argument(help=REF_HELP, metavar="REF", autocompletion=completers.names("deal"))
]
MANY_HELP = REF_HELP + " Several, or - to read them from stdin (one a line)."
Refs = Annotated[
    list[str],
    typer.Argument(help=MANY_HELP, metavar="REF...", autocompletion=completers.names("deal")),
]
DeletedRefs = Annotated[
    list[str],
    typer.Argument(
        help=MANY_HELP,
        metavar="REF...",
        autocompletion=completers.names("deal", deleted=True),
    ),
]


def _find(session, ref: str):
    from crmcli.entities import refs

    return refs.deal(session, ref, deleted=None)


def _find_deleted(session, ref: str):
    from crmcli.entities import refs

    return refs.deal(session, ref, deleted=True)


StageName = Annotated[
    str,
    typer.Argument(
        help="Stage name (case-insensitive) in the deal's pipeline.",
        metavar="STAGE",
        autocompletion=completers.stages,
    ),
]
PipelineOption = Annotated[
    str | None,
    typer.Option(
        "--pipeline",
        help="Pipeline (default: the default one).",
        metavar="PIPELINE",
        autocompletion=completers.pipelines,
    ),
]
Close = Annotated[
    str | None,
    typer.Option("--close", help="Expected close date (2026-12-31, eom, in 3w).", metavar="WHEN"),
]


def _record(session, deal) -> dict:
    from crmcli.entities.deal import deal_records

    return deal_records(session, [deal])[0]


def _close_date(text: str | None):
    from crmcli.kernel.dates import parse_date

    return parse_date(text) if text else None


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What is being sold.")],
    customer: Annotated[
        str,
        typer.Option(
            "--customer",
            "-c",
            help="Customer REF.",
            metavar="REF",
            autocompletion=completers.names("customer"),
        ),
    ],
    value: Annotated[
        str | None,
        typer.Option("--value", help="Amount in major units (12000.50).", metavar="AMOUNT"),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code (default USD).", metavar="CUR")
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            help="Starting stage (default: the first).",
            metavar="STAGE",
            autocompletion=completers.stages,
        ),
    ] = None,
    pipeline: PipelineOption = None,
    close: Close = None,
    owner: Owner = None,
    tag: Tags = None,
    set_: opt.Sets = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Add a deal. Prints the new id when piped."""
    from crmcli.services import deals

    close_date = _close_date(close)
    fields = parse_sets(set_)
    with context.writing() as session:
        deal = deals.add(
            session,
            title,
            customer=customer,
            value=value,
            currency=currency,
            stage=stage,
            pipeline=pipeline,
            close=close_date,
            owner=owner,
            tags=tag or [],
            fields=fields,
        )
        record = _record(session, deal)
    context.created("deal", record, record["title"], columns.DEAL_DETAIL, fmt, as_json)


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    deleted: opt.Deleted = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List deals: crm deal list status:open stage:proposal value>5000 close<eom"""
    context.list_command(
        "deal",
        columns.DEAL,
        terms,
        limit=limit,
        sort=sort,
        fmt=fmt,
        as_json=as_json,
        deleted=deleted,
        empty_message="No deals.",
    )


@app.command("board", cls=opt.FilterCommand)
def board(
    terms: Filter = None,
    pipeline: PipelineOption = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """The funnel by stage: count, total and weighted value, rotting deals (the TUI board's figures)."""
    from crmcli.present.board import column_records
    from crmcli.views.board import load_board

    with context.reading() as session:
        records = column_records(
            load_board(session, pipeline, " ".join(terms or []), per_column_limit=0)
        )
    context.show_records(records, columns.BOARD, fmt, as_json)


@app.command("show")
def show(ref: Ref, fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """Show one deal (on a terminal, with its stage history, oldest first)."""
    from crmcli.entities import refs
    from crmcli.views.timeline import deal_history

    with context.reading() as session:
        deal = refs.deal(session, ref, deleted=None)
        record = _record(session, deal)
        history = deal_history(session, deal)
    context.show_record(record, columns.DEAL_DETAIL, fmt, as_json)
    if fmt is None and not as_json and context.is_terminal():
        typer.echo("")
        context.show_records(history, columns.STAGE_CHANGE, "table", False, title="Stage history")


@app.command("edit")
def edit(
    ref: Refs,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    customer: Annotated[
        str | None,
        typer.Option(
            "--customer",
            "-c",
            help="Customer REF.",
            metavar="REF",
            autocompletion=completers.names("customer"),
        ),
    ] = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Amount in major units.", metavar="AMOUNT")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code.", metavar="CUR")
    ] = None,
    close: Close = None,
    no_close: Annotated[bool, typer.Option("--no-close", help="Clear the close date.")] = False,
    owner: Owner = None,
    tag: Tags = None,
    untag: Untags = None,
    set_: opt.Sets = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Change deals' details (several REFs, or - for stdin: all or none); `move`, `won`, `lost` change the stage."""
    from crmcli.services import deals

    context.refuse_for_several(ref, title=title)
    texts = context.ref_texts(ref)

    changes = deals.DealChanges(
        title=title,
        customer=customer,
        value=value,
        currency=currency,
        close=_close_date(close),
        clear_close=no_close,
        owner=owner,
        add_tags=tag or [],
        remove_tags=untag or [],
        fields=parse_sets(set_),
    )
    with context.writing() as session:
        targets = context.resolve_all(session, _find, texts)
        records = [_record(session, deals.edit(session, d, changes)) for d in targets]
    context.changed_records(
        "deal", records, "title", ref, columns.DEAL_DETAIL, columns.DEAL, fmt, as_json
    )


def _moved(session, deal, change) -> tuple[str, dict]:
    """What `move`, `won` and `lost` print, read inside the transaction: printed after it."""
    record = _record(session, deal)
    if change is None:
        message = f"Deal {record['id']} is already in {record['stage']}"
    else:
        message = f"Moved deal {record['id']} to {record['stage']}"
    return message, record


@app.command("move")
def move(
    ref: Ref,
    stage: StageName,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, when moving to a lost stage.")
    ] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Move a deal to another stage; the change is recorded with who and when."""
    from crmcli.entities import refs
    from crmcli.services import deals

    with context.writing() as session:
        deal = refs.deal(session, ref)
        message, record = _moved(session, deal, deals.move(session, deal, stage, reason=reason))
    context.changed(message, record, columns.DEAL_DETAIL, fmt, as_json)


@app.command("won")
def won(
    ref: Ref,
    purchase: Annotated[
        bool,
        typer.Option(
            "--purchase",
            help="Also record the deal's value as the customer's purchase (channel field).",
        ),
    ] = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Mark a deal won: crm deal won 12 --purchase"""
    from crmcli.entities import refs
    from crmcli.services import deals

    recorded = None
    with context.writing() as session:
        deal = refs.deal(session, ref)
        message, record = _moved(session, deal, deals.won(session, deal))
        if purchase:
            recorded = _purchase_of(session, deal)
    if recorded and (fmt or as_json):
        context.note(recorded)
    elif recorded:
        message = f"{message}; {recorded}"
    context.changed(message, record, columns.DEAL_DETAIL, fmt, as_json)


def _purchase_of(session, deal) -> str:
    """`deal won --purchase`: the won deal's purchase, in the same transaction as the win."""
    from crmcli.kernel.money import to_major
    from crmcli.present.money import format_money
    from crmcli.services import purchases

    bought = purchases.for_deal(session, str(deal.id))
    value = format_money(to_major(bought.amount_minor, bought.currency), bought.currency)
    return f"recorded purchase {bought.id} of {value}"


@app.command("lost")
def lost(
    ref: Ref,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why it was lost (required).")],
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Mark a deal lost, with the reason."""
    from crmcli.entities import refs
    from crmcli.services import deals

    with context.writing() as session:
        deal = refs.deal(session, ref)
        message, record = _moved(session, deal, deals.lost(session, deal, reason))
    context.changed(message, record, columns.DEAL_DETAIL, fmt, as_json)


@app.command("history")
def history(ref: Ref, fmt: opt.Format = None, as_json: opt.Json = False) -> None:
    """A deal's stage changes, oldest first."""
    from crmcli.entities import refs
    from crmcli.views.timeline import deal_history

    with context.reading() as session:
        records = deal_history(session, refs.deal(session, ref, deleted=None))
    context.show_records(records, columns.STAGE_CHANGE, fmt, as_json)


@app.command("rm")
def rm(ref: Refs) -> None:
    """Delete deals (soft: `crm deal restore` brings them back)."""
    from crmcli.services import deals

    context.soft_delete_command("deal", _find, deals.remove, ref, "Deleted")


@app.command("restore")
def restore(ref: DeletedRefs) -> None:
    """Bring back deleted deals."""
    from crmcli.services import deals

    context.soft_delete_command("deal", _find_deleted, deals.restore, ref, "Restored")
