"""`crm log`, `crm interaction ...` and `crm timeline`: the contact history."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt

app = opt.noun_app()
Filter = opt.filter_argument("interaction")
Sort = opt.sort_option("interaction")

CHANNEL_HELP = "email, call, meeting, sms, chat, social, web, letter, questionnaire or note."


def log(
    ref: Annotated[
        str,
        typer.Argument(
            help="Customer REF (id, email or name).",
            metavar="REF",
            autocompletion=completers.names("customer"),
        ),
    ],
    channel: Annotated[
        str,
        typer.Argument(
            help=f"Channel: {CHANNEL_HELP}", metavar="CHANNEL", autocompletion=completers.channels
        ),
    ],
    summary: Annotated[str | None, typer.Argument(help="One line on what happened.")] = None,
    body: Annotated[
        str | None,
        typer.Option("--body", "-b", help="Longer text; - reads it from stdin.", metavar="TEXT|-"),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it happened (default: now).", metavar="WHEN")
    ] = None,
    direction: Annotated[
        str,
        typer.Option(
            "--direction",
            "-d",
            help="in or out.",
            metavar="DIRECTION",
            autocompletion=completers.directions,
        ),
    ] = "out",
    deal: Annotated[
        str | None,
        typer.Option(
            "--deal",
            help="Tie it to one of the customer's deals.",
            metavar="REF",
            autocompletion=completers.names("deal"),
        ),
    ] = None,
    remind: Annotated[
        str | None,
        typer.Option(
            "--remind", "-r", help="Also create a follow-up reminder due then.", metavar="WHEN"
        ),
    ] = None,
    remind_text: Annotated[
        str | None, typer.Option("--remind-text", help="Text of that reminder.")
    ] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Log an interaction: crm log ada@example.com call "Discussed renewal" --remind "in 3 days"."""
    from crmcli.entities.interaction import interaction_records
    from crmcli.kernel.dates import parse_when
    from crmcli.services import interactions

    occurred = parse_when(at) if at else None
    remind_at = parse_when(remind) if remind else None
    if body == "-" and hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="surrogateescape")  # bytes not UTF-8: refused as input
    text = sys.stdin.read() if body == "-" else body
    with context.writing() as session:
        logged = interactions.log(
            session,
            ref,
            channel,
            summary,
            body=text,
            at=occurred,
            direction=direction,
            deal=deal,
            remind_at=remind_at,
            remind_text=remind_text,
        )
        record = interaction_records(session, [logged.interaction])[0]
        reminder_id = logged.reminder.id if logged.reminder else None
    if fmt or as_json:
        context.show_record(record, columns.INTERACTION_DETAIL, fmt, as_json)
    elif context.is_terminal():
        context.say(
            f"Logged {record['channel']} with {record['customer']} (interaction {record['id']})"
        )
        if reminder_id:
            typer.echo(f"Reminder {reminder_id} due {remind}")
    else:
        typer.echo(str(record["id"]))


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List interactions, newest first: crm interaction list channel:email at>-30d customer:ada"""
    from crmcli.query.listing import list_records

    with context.reading() as session:
        records = list_records(session, "interaction", terms or [], sort=sort, limit=limit)
    context.show_records(
        records, columns.INTERACTION, fmt, as_json, limit=limit, empty_message="No interactions."
    )


@app.command("show")
def show(
    interaction_id: Annotated[int, typer.Argument(help="Interaction id.", metavar="ID")],
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Show one interaction with its body."""
    from crmcli.entities.interaction import interaction_records
    from crmcli.services import interactions

    with context.reading() as session:
        record = interaction_records(session, [interactions.get(session, interaction_id)])[0]
    context.show_record(record, columns.INTERACTION_DETAIL, fmt, as_json)


def timeline(
    ref: Annotated[
        str,
        typer.Argument(
            help="Customer REF.", metavar="REF", autocompletion=completers.names("customer")
        ),
    ],
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """A customer's interactions, deal stage changes, reminders and purchases, newest first."""
    from crmcli.query import compiler as query
    from crmcli.views.timeline import timeline as build

    with context.reading() as session:
        entries = build(session, ref, limit=query.validate_limit(limit))
    context.show_records(
        entries, columns.TIMELINE, fmt, as_json, limit=limit, empty_message="Nothing yet."
    )
