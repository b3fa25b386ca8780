"""The store: engine set-up, transactions and schema upgrades.

One command is one transaction. Reads use a deferred `BEGIN`; writes take SQLite's write lock
up front with `BEGIN IMMEDIATE`, so two writers queue on `busy_timeout` instead of failing
when a read lock cannot be upgraded. The schema belongs to Alembic: every open checks the
revision (one cheap query) and upgrades an older database; a newer one is refused.
"""

from __future__ import annotations

import errno
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
from crmcli.kernel.errors import DatabaseUnavailable, InvalidInput

#: The Alembic head this program was built for; a test keeps it equal to the migrations.
SCHEMA_REVISION = "0003"

_WRITE_OPTION = "crm_write"


def database_url(location: str) -> str:
    """A SQLAlchemy URL for a path or URL given by the user."""
    if config.is_url(location):
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def _prepare_sqlite_file(location: str) -> None:
    """Create the missing folders (each 0700) and the file (0600) before SQLite does it with
    looser modes; an empty file made by hand is made private too. A path that cannot hold
    a database is refused here with its reason, not later as SQLite's "unable to open"."""
    path = Path(location).expanduser()
    try:
        if path.is_symlink() and not path.exists():
            raise DatabaseUnavailable(
                f"cannot use {path} as the database: it is a symbolic link to "
                f"{os.readlink(path)}, which does not exist"
            )
        if path.is_dir():
            raise DatabaseUnavailable(f"cannot use {path} as the database: it is a folder")
        if path.exists():
            if path.is_file() and path.stat().st_size == 0:
                path.chmod(0o600)
            return
        _make_private_folders(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as error:
        raise DatabaseUnavailable(f"cannot use {path} as the database: {_reason(error)}") from None


def _make_private_folders(folder: Path) -> None:
    """`mkdir -p` where every folder made is 0700, not only the last one."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    for each in reversed(missing):
        try:
            each.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by a concurrent first use
            if not each.is_dir():
                raise


def _reason(error: OSError) -> str:
    """An OSError as a short phrase naming the path it is about."""
    if isinstance(error, NotADirectoryError) and error.filename:
        return f"{error.filename} is not a folder"
    what = error.strerror or str(error)
    return f"{what.lower()} ({error.filename})" if error.filename else what.lower()


def _install_sqlite_hooks(engine: Engine, timeout: int) -> None:
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


def create_engine(location: str, *, busy_timeout_ms: int | None = None) -> Engine:
    """An engine for a path or URL; `busy_timeout_ms` overrides the configured wait for a
    locked SQLite database."""
    url = database_url(location)
    if url.startswith("sqlite"):
        if not config.is_url(location):
            _prepare_sqlite_file(location)
        timeout = config.busy_timeout_ms() if busy_timeout_ms is None else busy_timeout_ms
        engine = sa.create_engine(url, connect_args={"timeout": timeout / 1000})
        _install_sqlite_hooks(engine, timeout)
        return engine
    return _server_engine(url)


#: The pip package of a database driver module, where the two names differ.
_DRIVER_PACKAGES = {"psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient"}


def _server_engine(location: str) -> Engine:
    """An engine for a server URL; a malformed URL is invalid input (exit 2) and a missing
    driver an unavailable database (exit 5) that says what to install."""
    try:
        url = sa.engine.make_url(location)
    except sa.exc.ArgumentError:  # not echoed: it may hold a password
        raise InvalidInput(
            "invalid database URL: expected dialect+driver://user:password@host/database"
        ) from None
    if url.drivername == "postgresql" and not _importable("psycopg2") and _importable("psycopg"):
        url = url.set(drivername="postgresql+psycopg")  # plain postgresql:// means psycopg2
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except sa.exc.NoSuchModuleError:
        shown = url.render_as_string(hide_password=True)
        raise InvalidInput(f"unsupported database URL '{shown}'") from None
    except ImportError as exc:
        if url.drivername in ("postgresql", "postgresql+psycopg"):
            package = "psycopg"  # postgresql:// takes it too, as chosen above
        else:
            module = exc.name or url.drivername
            package = _DRIVER_PACKAGES.get(module, module)
        raise DatabaseUnavailable(f"driver not installed: pip install {package}") from None


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def is_locked_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


def describe_engine(engine: Engine) -> str:
    """The database an engine opens, for messages: a file path, or a URL without password."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        return engine.url.database
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def _translate_errors(engine: Engine) -> Iterator[None]:
    """Driver errors that mean the database cannot be used become DatabaseUnavailable
    (exit 5), naming the database; the rest pass unchanged."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        translated = _unavailable(exc, describe_engine(engine))
        if translated is None:
            raise
        raise translated from exc


def _unavailable(exc: sa.exc.DBAPIError, where: str) -> DatabaseUnavailable | None:
    text = str(exc.orig if exc.orig is not None else exc).lower()
    if is_locked_error(exc):
        return DatabaseUnavailable("database is locked by another crm process; try again")
    if "file is not a database" in text:
        return DatabaseUnavailable(f"{where} is not a crm database (file is not a database)")
    if "malformed" in text:
        return DatabaseUnavailable(
            f"the database {where} is damaged (database disk image is malformed); "
            "run crm db check for details"
        )
    if "unable to open database" in text:
        return DatabaseUnavailable(f"cannot open the database {where}: {exc.orig}")
    return None


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
