"""`crm demo`: a realistic demo database, kept apart from the real one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmcli.commands.context import GLOBALS


def demo_location() -> Path:
    from crmcli.kernel.config import default_db_path

    return default_db_path().with_name("demo.db")


def demo(
    reset: Annotated[bool, typer.Option("--reset", help="Delete the demo database first.")] = False,
) -> None:
    """Fill a demo database (default: demo.db beside your real one; --db elsewhere)."""
    from crmcli.commands.context import open_store
    from crmcli.kernel.config import is_url
    from crmcli.services.demo import build_demo

    location = GLOBALS.db or str(demo_location())
    if reset and not is_url(location):
        for suffix in ("", "-wal", "-shm"):
            Path(location + suffix).unlink(missing_ok=True)
    store = open_store(location)
    try:
        with store.write() as session:
            summary = build_demo(session)
    finally:
        store.dispose()
    from crmcli.present.counts import count

    figures = ", ".join(
        [
            count(summary.companies, "company", "companies"),
            count(summary.customers, "customer"),
            count(summary.deals, "deal"),
            count(summary.interactions, "interaction"),
            count(summary.reminders, "reminder"),
        ]
    )
    typer.echo(f"Demo database at {location}: {figures} ({summary.overdue} overdue).")
    typer.echo(
        f'Try: export CRM_DB="{location}"; crm inbox; crm deal list; crm customer list tag:vip'
    )
