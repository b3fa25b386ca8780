"""`crm demo`: a realistic demo database, kept apart from the real one."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from crmcli.commands.context import GLOBALS


def demo_location() -> str:
    """Where the demo goes: --db, else CRM_DB, as for every command; else demo.db beside
    the real database (never the real database itself)."""
    from crmcli.kernel.config import default_db_path

    return GLOBALS.db or os.environ.get("CRM_DB") or str(default_db_path().with_name("demo.db"))


def demo(
    reset: Annotated[
        bool,
        typer.Option(
            "--reset", help="Delete the demo database first (only one the demo made, or empty)."
        ),
    ] = False,
) -> None:
    """Fill a demo database (--db, else $CRM_DB, else demo.db beside your real one)."""
    from crmcli.commands.context import open_store, transaction
    from crmcli.services.demo import build_demo, prepare_target

    location = demo_location()
    fresh = prepare_target(location, reset=reset)
    store = open_store(location)
    try:
        with transaction(store) as session:
            summary = build_demo(session, mark=fresh)
    finally:
        store.dispose()
    from crmcli.present.counts import count

    figures = ", ".join(
        [
            count(summary.companies, "company", "companies"),
            count(summary.customers, "customer"),
            count(summary.deals, "deal"),
            count(summary.interactions, "interaction"),
            f"{count(summary.reminders, 'reminder')} ({summary.overdue} overdue)",
            count(summary.products, "product"),
            count(summary.purchases, "purchase"),
        ]
    )
    typer.echo(f"Demo database at {location}: {figures}.")
    typer.echo(
        f'Try: export CRM_DB="{location}"; crm inbox; crm deal list; crm customer list tag:vip'
    )
