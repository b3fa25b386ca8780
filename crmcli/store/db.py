"""The store: an opened database, its transactions and schema upgrades.

One command is one transaction: `Store.read()` for queries, `Store.write()` for changes (on
SQLite it takes the write lock up front; see `backends.sqlite`). What differs between
databases is the backend's (`crmcli.store.backends`). The schema belongs to Alembic: every
open checks the revision (one cheap query) and upgrades an older database; a newer one is
refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crmcli.kernel import config
from crmcli.kernel.errors import DatabaseUnavailable
from crmcli.store.backends import backend_named, backend_of
from crmcli.store.backends.base import WRITE_OPTION

#: The Alembic head this program was built for; a test keeps it equal to the migrations.
SCHEMA_REVISION = "0004"


def database_url(location: str) -> str:
    """A SQLAlchemy URL for a path or URL given by the user."""
    if config.is_url(location):
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def create_engine(location: str, *, busy_timeout_ms: int | None = None) -> Engine:
    """The engine for a path or URL, set up by the backend that serves it;
    `busy_timeout_ms` overrides the configured wait for a lock."""
    url = database_url(location)
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    return backend_named(dialect).create_engine(url, location, busy_timeout_ms=busy_timeout_ms)


def describe_engine(engine: Engine) -> str:
    """The database an engine opens, for messages: a file path, or a URL without password."""
    if backend_of(engine).file_based and engine.url.database:
        return engine.url.database
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def _translate_errors(engine: Engine) -> Iterator[None]:
    """Driver errors that mean the database cannot be used become DatabaseUnavailable
    (exit 5), naming the database; the rest pass unchanged."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        translated = _unavailable(engine, exc)
        if translated is None:
            raise
        raise translated from exc


def _unavailable(engine: Engine, exc: sa.exc.DBAPIError) -> DatabaseUnavailable | None:
    backend = backend_of(engine)
    if backend.is_locked_error(exc):
        return DatabaseUnavailable.locked()
    reason = backend.unavailable_reason(exc, describe_engine(engine))
    return DatabaseUnavailable(reason) if reason else None


class Store:
    """An opened database: hands out read sessions and write transactions."""

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location
        self.backend = backend_of(engine)
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with _translate_errors(self.engine), Session(self.engine) as session:
            yield session
            session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed if the block succeeds, rolled back on any error."""
        with _translate_errors(self.engine), Session(self._write_engine) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, or None for a database never migrated."""
    with _translate_errors(engine), engine.connect() as connection:
        try:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except sa.exc.OperationalError as exc:
            if "no such table" in str(exc).lower():
                return None
            raise
        except sa.exc.ProgrammingError:  # PostgreSQL: relation does not exist
            return None


def upgrade(store: Store) -> str | None:
    """Bring the schema to SCHEMA_REVISION; returns the revision it started from."""
    start = current_revision(store.engine)
    if start == SCHEMA_REVISION:
        return start
    from crmcli.store import migrate

    migrate.check_known(start)
    with _translate_errors(store.engine):
        migrate.upgrade_to_head(store._write_engine)
    return start


def open_store(location: str | None = None, *, migrate: bool = True) -> Store:
    """Open the user's database, creating and upgrading it as needed."""
    chosen = config.db_location(location)
    store = Store(create_engine(chosen), chosen)
    if migrate:
        upgrade(store)
    return store


def open_existing(location: str | None = None, *, busy_timeout_ms: int = 200) -> Store | None:
    """The user's database for a quick read (shell completion), or None when there is none
    yet. Never creates a file, never migrates, and waits at most `busy_timeout_ms` for a lock:
    a caller that must not be slow or noisy treats any error as "nothing"."""
    chosen = config.db_location(location)
    if not config.is_url(chosen) and not Path(chosen).expanduser().is_file():
        return None
    store = Store(create_engine(chosen, busy_timeout_ms=busy_timeout_ms), chosen)
    if current_revision(store.engine) != SCHEMA_REVISION:
        store.dispose()
        return None
    return store
