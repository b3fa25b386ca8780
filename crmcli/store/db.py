"""The store: engine set-up, transactions and schema upgrades.

One command is one transaction. Reads use a deferred `BEGIN`; writes take SQLite's write lock
up front with `BEGIN IMMEDIATE`, so two writers queue on `busy_timeout` instead of failing
when a read lock cannot be upgraded. The schema belongs to Alembic: every open checks the
revision (one cheap query) and upgrades an older database; a newer one is refused.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crmcli.kernel import config
from crmcli.kernel.errors import DatabaseUnavailable

#: The Alembic head this program was built for; a test keeps it equal to the migrations.
SCHEMA_REVISION = "0003"

_WRITE_OPTION = "crm_write"


def database_url(location: str) -> str:
    """A SQLAlchemy URL for a path or URL given by the user."""
    if config.is_url(location):
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def _prepare_sqlite_file(location: str) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does it with looser modes."""
    path = Path(location).expanduser()
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _install_sqlite_hooks(engine: Engine) -> None:
    timeout = config.busy_timeout_ms()
    synchronous = config.synchronous().upper()  # NORMAL or FULL: the README's Durability

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Autocommit at the driver level: SQLAlchemy's "begin" hook below emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def create_engine(location: str) -> Engine:
    url = database_url(location)
    if url.startswith("sqlite"):
        if not config.is_url(location):
            _prepare_sqlite_file(location)
        engine = sa.create_engine(url, connect_args={"timeout": config.busy_timeout_ms() / 1000})
        _install_sqlite_hooks(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def is_locked_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


@contextmanager
def _translate_operational_errors() -> Iterator[None]:
    try:
        yield
    except sa.exc.OperationalError as exc:
        if is_locked_error(exc):
            raise DatabaseUnavailable(
                "database is locked by another crm process; try again"
            ) from exc
        if "unable to open database" in str(exc).lower():
            raise DatabaseUnavailable(f"cannot open the database: {exc.orig}") from exc
        raise


class Store:
    """An opened database: hands out read sessions and write transactions."""

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with _translate_operational_errors(), Session(self.engine) as session:
            yield session
            session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed if the block succeeds, rolled back on any error."""
        with _translate_operational_errors(), Session(self._write_engine) as session:
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
    with _translate_operational_errors(), engine.connect() as connection:
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
    with _translate_operational_errors():
        migrate.upgrade_to_head(store._write_engine)
    return start


def open_store(location: str | None = None, *, migrate: bool = True) -> Store:
    """Open the user's database, creating and upgrading it as needed."""
    chosen = config.db_location(location)
    store = Store(create_engine(chosen), chosen)
    if migrate:
        upgrade(store)
    return store
