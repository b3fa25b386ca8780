"""`crm remind ...` and `crm inbox`: follow-ups."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt

app = opt.noun_app()
Filter = opt.filter_argument("reminder")
Sort = opt.sort_option("reminder")


@app.command("add")
def add(
    ref: Annotated[
        str | None,
        typer.Argument(
            help="Customer REF (or give --deal).",
            metavar="REF",
            autocompletion=completers.names("customer"),
        ),
    ],
    when: Annotated[
        str,
        typer.Argument(help="Due: tomorrow 9am, fri, in 3 days, 2026-12-01 ...", metavar="WHEN"),
    ],
    text: Annotated[str | None, typer.Argument(help="What to do.")] = None,
    deal: Annotated[
        str | None,
        typer.Option(
            "--deal",
            help="About this deal.",
            metavar="REF",
            autocompletion=completers.names("deal"),
        ),
    ] = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Add a reminder: crm remind add ada "tomorrow 9am" "Send the contract"."""
    from crmcli.entities.reminder import reminder_records
    from crmcli.kernel.dates import parse_when
    from crmcli.services import reminders

    due = parse_when(when)
    with context.writing() as session:
        reminder = reminders.add(
            session, ref if ref not in ("", "-") else None, due, text, deal=deal
        )
        record = reminder_records(session, [reminder])[0]
    context.created("reminder", record, record["text"] or "", columns.REMINDER, fmt, as_json)


def _list(
    window: str, terms: list[str], limit: int, sort: str | None, fmt, as_json, empty: str
) -> None:
    from crmcli.services import reminders

    with context.reading() as session:
        records = reminders.in_window(session, window, terms, sort=sort, limit=limit)
    context.show_records(records, columns.REMINDER, fmt, as_json, limit=limit, empty_message=empty)


@app.command("list", cls=opt.FilterCommand)
def list_(
    terms: Filter = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue reminders.")] = False,
    today: Annotated[bool, typer.Option("--today", help="Only those due later today.")] = False,
    upcoming: Annotated[
        bool, typer.Option("--upcoming", help="Only those due after today.")
    ] = False,
    done: Annotated[bool, typer.Option("--done", help="Only done reminders.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Open and done.")] = False,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    sort: Sort = None,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """List reminders (default: every open one, soonest first)."""
    from crmcli.kernel.errors import InvalidInput

    chosen = [
        name
        for name, on in (
            ("overdue", overdue),
            ("today", today),
            ("upcoming", upcoming),
            ("done", done),
            ("all", all_),
        )
        if on
    ]
    if len(chosen) > 1:
        raise InvalidInput("choose one of --overdue, --today, --upcoming, --done, --all")
    _list(chosen[0] if chosen else "open", terms or [], limit, sort, fmt, as_json, "No reminders.")


@app.command("done")
def done(ids: Annotated[list[str], typer.Argument(help="Reminder ids.", metavar="ID...")]) -> None:
    """Mark reminders done."""
    from crmcli.services import reminders

    with context.writing() as session:
        finished = [r.id for r in reminders.done(session, ids)]
    typer.echo(f"Done: {', '.join(str(i) for i in finished)}")


@app.command("snooze")
def snooze(
    reminder_id: Annotated[str, typer.Argument(help="Reminder id.", metavar="ID")],
    when: Annotated[
        str, typer.Argument(help="New due time: 1h, tomorrow 9am, next monday ...", metavar="WHEN")
    ],
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Push a reminder to later."""
    from crmcli.entities.reminder import reminder_records
    from crmcli.kernel.dates import parse_when
    from crmcli.present.dates import format_local
    from crmcli.services import reminders

    until = parse_when(when)
    with context.writing() as session:
        reminder = reminders.snooze(session, reminder_id, until)
        record = reminder_records(session, [reminder])[0]
    context.changed(
        f"Snoozed reminder {record['id']} until {format_local(until)}",
        record,
        columns.REMINDER,
        fmt,
        as_json,
    )


def inbox(
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """What needs you now: overdue reminders and those due today."""
    _list("inbox", [], limit, None, fmt, as_json, "Inbox zero: nothing overdue or due today.")
