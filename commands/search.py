"""`crm search`: full-text across every kind of record."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import columns, completers, context
from crmcli.commands import options as opt


def search(
    terms: Annotated[
        list[str],
        typer.Argument(
            help="Words (all must match, as prefixes) and filter terms.", metavar="QUERY..."
        ),
    ],
    type_: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            "-t",
            help="Only this type (repeatable): customer, company, deal, interaction, reminder, product.",
            metavar="TYPE",
            autocompletion=completers.search_types,
        ),
    ] = None,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Search everything: crm search acme renewal --type deal"""
    from crmcli.commands import output
    from crmcli.query.search import labelled
    from crmcli.query.search import search as run_search

    with context.reading() as session:
        results = run_search(session, terms, types=type_ or [], limit=limit)
    chosen = output.resolve_format(fmt, as_json, context.stdout())
    if chosen not in ("json", "ndjson"):
        results = [{**r, **labelled(r)} for r in results]
    context.show_records(
        results, columns.SEARCH, chosen, False, limit=limit, empty_message="No matches."
    )
