"""`crm export` and `crm import`: the whole database as NDJSON, and back."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from crmcli.commands import completers, context
from crmcli.commands import options as opt


def export(
    type_: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            "-t",
            help="Only this type (repeatable): pipeline, company, customer, deal, stage_change, interaction, reminder.",
            metavar="TYPE",
            autocompletion=completers.export_types,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-F",
            help="ndjson (one object per line) or json (one array).",
            metavar="FORMAT",
            autocompletion=completers.fixed(("ndjson", "json")),
        ),
    ] = None,
    as_json: opt.Json = False,
) -> None:
    """Write every record (or --type T) with a `type` field; `crm import` reads it back."""
    from crmcli.commands import output
    from crmcli.interop.transfer import export_records
    from crmcli.kernel.errors import InvalidInput

    chosen = "json" if as_json else (fmt or "ndjson").strip().lower()
    if chosen not in ("ndjson", "json"):
        raise InvalidInput(f"invalid export format '{fmt}': use ndjson or json")
    with context.reading() as session:
        output.render_records(export_records(session, type_ or None), [], chosen, sys.stdout)


def import_(
    source: Annotated[
        str, typer.Argument(help="An NDJSON file, or - for stdin.", metavar="FILE|-")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, write nothing.")
    ] = False,
) -> None:
    """Upsert NDJSON records: a line with an existing id updates it, others create. All or nothing."""
    from crmcli.interop.transfer import import_lines
    from crmcli.kernel.errors import InvalidInput

    # Bytes that are not UTF-8 become lone surrogates, which the import refuses naming
    # their line, instead of a decoding error in the middle of reading.
    if source == "-":
        stream = sys.stdin
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    else:
        try:
            stream = open(source, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise InvalidInput(f"cannot read {source}: {error.strerror}") from None
    try:
        store = context.open_store()
        try:
            with context.transaction(store) as session:
                report = import_lines(session, stream, source=source)
                if dry_run:
                    session.rollback()
        finally:
            store.dispose()
    finally:
        if stream is not sys.stdin:
            stream.close()
    prefix = "Would import" if dry_run else "Imported"
    typer.echo(f"{prefix}: {report.summary()}")
