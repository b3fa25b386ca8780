"""`crm tui`: the Textual app. Registered only when the TUI package is importable and built."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Placeholder hook: the TUI command is added by the TUI issue."""
    return None
