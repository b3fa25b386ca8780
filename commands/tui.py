"""`crm tui`: the Textual app. Textual is imported only when the command runs, so
`crm --help` and every other command start without it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from crmcli.commands import completers
from crmcli.commands.context import GLOBALS


def tui(
    pipeline: Annotated[
        str | None,
        typer.Option(
            "--pipeline",
            "-p",
            help="Pipeline to show (default: the default one).",
            metavar="PIPELINE",
            autocompletion=completers.pipelines,
        ),
    ] = None,
    inbox: Annotated[
        bool, typer.Option("--inbox", help="Open on the reminder inbox instead of the board.")
    ] = False,
    keymap: Annotated[
        Path | None,
        typer.Option(
            "--keymap",
            help="Keymap file (TOML or JSON: binding id = keys; default "
            "$CRM_KEYMAP, else keymap.toml in the user config folder).",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Open the terminal UI: funnel board, reminder inbox, customers (? lists the keys)."""
    from crmcli.commands.context import open_store
    from crmcli.entities import refs
    from crmcli.kernel.errors import InvalidInput

    if keymap is not None and not keymap.is_file():
        raise InvalidInput(f"no keymap file at {keymap}")
    if GLOBALS.no_color:
        os.environ["NO_COLOR"] = "1"
    store = open_store()
    try:
        if pipeline is not None:
            with store.read() as session:
                pipeline = str(refs.pipeline(session, pipeline).id)
        from crmcli.tui.app import CrmApp

        app = CrmApp(
            store, pipeline=pipeline, start="inbox" if inbox else "board", keymap_path=keymap
        )
        app.run()
    finally:
        store.dispose()
    if app.return_code:
        raise typer.Exit(app.return_code)
