"""Following the database: a cheap "has anything changed?" for views that stay open.

A long-lived view (the TUI's board and inbox) polls `Watcher.version()` about once a second
and reloads when the value changes, so a deal moved with the CLI in another terminal shows
up without a keypress.

- Where the backend has a cheap probe of its own (SQLite's `PRAGMA data_version`), that.
- Elsewhere, `data_version(session)`: a fingerprint of counts and high-water marks of the
  tables views show (deals, stage changes, reminders, interactions, customers, stages).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from crmcli.store.models import Customer, Deal, Interaction, Pipeline, Reminder, Stage, StageChange

if TYPE_CHECKING:
    from crmcli.store.db import Store

__all__ = ["Watcher", "data_version"]


def data_version(session: Session) -> tuple:
    """A fingerprint that changes when deals, reminders, interactions, customers or stages do.

    Portable (plain aggregates, one round trip); each part is served by an index or a
    table's row count. Snoozes change `sum(snooze_count)`, `done` the open count.
    """
    parts: list[sa.Select[Any]] = [
        select(func.count()).select_from(Deal),
        select(func.max(Deal.updated_at)),
        select(func.max(StageChange.id)),
        select(func.max(Interaction.id)),
        select(func.max(Reminder.id)),
        select(func.count()).select_from(Reminder).where(col(Reminder.done_at).is_(None)),
        select(func.coalesce(func.sum(Reminder.snooze_count), 0)),
        select(func.max(Customer.updated_at)),
        select(func.count()).select_from(Customer),
        select(func.count()).select_from(Stage),
        select(func.coalesce(func.sum(Stage.position * 1000 + Stage.probability), 0)),
        select(func.count()).select_from(Pipeline),
    ]
    statement = sa.select(*(part.scalar_subquery() for part in parts))
    return tuple(session.connection().execute(statement).one())


class Watcher:
    """Tells cheaply whether the database changed; safe to call from any one thread at a time."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._probe = store.backend.version_probe(store.engine)

    def version(self) -> object:
        """An opaque value: equal between two calls if and only if nothing was committed."""
        with self._lock:
            if self._probe is not None:
                probe, _close = self._probe
                return probe()
            with self._store.read() as session:
                return data_version(session)

    def close(self) -> None:
        with self._lock:
            if self._probe is not None:
                _probe, close = self._probe
                close()
                self._probe = None
