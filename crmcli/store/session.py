"""The session type, named for the faces.

The CLI and the TUI get a session from `Store.read()` / `Store.write()` and hand it to the
services; they import no ORM (an import-linter contract), so they name its type from here.
"""

from __future__ import annotations

from sqlmodel import Session

__all__ = ["Session"]
