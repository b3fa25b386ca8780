"""`crm db ...`: path, upgrade, check, backup."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.commands import context
from crmcli.commands import options as opt
from crmcli.commands.context import GLOBALS

app = opt.noun_app()


@app.command("path")
def path() -> None:
    """Print where the database is (file path or URL)."""
    from crmcli.store.maintenance import describe_location

    typer.echo(describe_location(GLOBALS.db))


@app.command("upgrade")
def upgrade() -> None:
    """Create the database or bring its schema up to date (every command does this too)."""
    from crmcli.store.db import SCHEMA_REVISION
    from crmcli.store.db import upgrade as run_upgrade

    store = context.open_store(migrate=False)
    try:
        start = run_upgrade(store)
    finally:
        store.dispose()
    if start == SCHEMA_REVISION:
        typer.echo(f"Schema is up to date ({SCHEMA_REVISION}).")
    else:
        typer.echo(f"Upgraded schema from {start or 'empty'} to {SCHEMA_REVISION}.")


@app.command("check")
def check() -> None:
    """Check the schema revision, integrity, foreign keys and the search index. Exit 5 on a problem."""
    from crmcli.kernel.errors import DatabaseUnavailable
    from crmcli.store.maintenance import check as run_check

    store = context.open_store(migrate=False)
    try:
        report = run_check(store)
        if report.revision != report.expected and report.schema_problem is None:
            from crmcli.store import migrate

            migrate.check_known(report.revision)
    finally:
        store.dispose()
    if report.schema_problem is not None:
        typer.echo(f"schema: unreadable: {report.schema_problem}")
    else:
        typer.echo(f"schema: {report.revision or 'none'} (program expects {report.expected})")
    typer.echo(f"integrity: {', '.join(report.integrity)}")
    typer.echo(
        f"foreign keys: {'ok' if not report.foreign_keys else '; '.join(report.foreign_keys)}"
    )
    typer.echo(f"search index: {report.search_index}")
    if report.ok:
        return
    damaged = (
        report.schema_problem is not None
        or report.integrity != ["ok"]
        or report.foreign_keys
        or report.search_index != "ok"
    )
    if damaged:
        raise DatabaseUnavailable("the database has problems (listed above)")
    raise DatabaseUnavailable(
        f"the schema is {report.revision or 'empty'}, not {report.expected}: run crm db upgrade"
    )


@app.command("backup")
def backup(
    target: Annotated[str, typer.Argument(help="Where to write the copy.", metavar="FILE")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Copy the database safely, even while other crm commands use it."""
    from crmcli.store.maintenance import backup as run_backup

    store = context.open_store()
    try:
        written = run_backup(store, target, force=force)
    finally:
        store.dispose()
    typer.echo(f"Backed up to {written}")
