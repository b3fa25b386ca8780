"""What differs between database servers, behind one interface (`Backend`).

Everything that SQLite and PostgreSQL (or another SQLAlchemy database) do differently lives
in one implementation per backend: connection set-up and its settings, the full-text index,
change detection for views that stay open, bulk inserts, backups and integrity checks, id
sequences, and how a lock wait ends. Code elsewhere asks `backend_of(...)` and never looks at
a dialect's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmcli.store.backends.base import Backend
from crmcli.store.backends.server import SERVER
from crmcli.store.backends.sqlite import SQLITE

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = ["Backend", "backend_named", "backend_of"]


def backend_named(dialect: str) -> Backend:
    """The backend serving a SQLAlchemy dialect (the portable one for any other)."""
    return SQLITE if dialect in SQLITE.dialects else SERVER


def backend_of(target: Engine | sa.Connection | Session) -> Backend:
    """The backend of an engine, a connection or a session."""
    if isinstance(target, Engine | sa.Connection):
        return backend_named(target.dialect.name)
    return backend_named(target.get_bind().dialect.name)
