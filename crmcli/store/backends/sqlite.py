"""SQLite: the embedded default, one file per database.

- Every connection: WAL, foreign keys on, the busy timeout and the `synchronous` setting
  (README, "Durability"). Reads begin a deferred transaction; writes take the write lock up
  front with `BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of failing
  when a read lock cannot be upgraded.
- The file is created 0600 in folders made 0700, before SQLite would make it with looser
  modes; a path that cannot hold a database is refused with its reason.
- The full-text index is one FTS5 table whose rowid packs the record type and id.
- Change detection: `PRAGMA data_version` on one dedicated connection.
- Bulk inserts go straight through the driver with values already in stored form.
- Backups use the online backup API.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.sql import operators

from crmcli.kernel import config
from crmcli.kernel.errors import DatabaseUnavailable, InvalidInput
from crmcli.store.backends.base import WRITE_OPTION, Backend, VersionProbe, first_line

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

#: The page cache of a connection doing a big import (each index page stays in memory).
IMPORT_CACHE_KIB = 256 * 1024


class SQLiteBackend(Backend):
    dialects = ("sqlite",)
    file_based = True
    full_text = True
    naive_datetimes = True
    defers_indexes = True

    # -- connections ------------------------------------------------------------------------

    def create_engine(
        self, url: str, location: str, *, busy_timeout_ms: int | None = None
    ) -> Engine:
        if not config.is_url(location):
            _prepare_file(location)
        timeout = config.busy_timeout_ms() if busy_timeout_ms is None else busy_timeout_ms
        engine = sa.create_engine(url, connect_args={"timeout": timeout / 1000})
        _install_hooks(engine, timeout)
        return engine

    def is_locked_error(self, error: BaseException) -> bool:
        text = str(error).lower()
        return "database is locked" in text or "database table is locked" in text

    def unavailable_reason(self, error: BaseException, where: str) -> str | None:
        orig = getattr(error, "orig", None)
        text = str(orig if orig is not None else error).lower()
        if "file is not a database" in text:
            return f"{where} is not a crm database (file is not a database)"
        if "malformed" in text:
            return (
                f"the database {where} is damaged (database disk image is malformed); "
                "run crm db check for details"
            )
        if "unable to open database" in text:
            return f"cannot open the database {where}: {orig}"
        return None

    # -- writes -----------------------------------------------------------------------------

    def insert_rows(self, session: Session, table: sa.Table, rows: list[dict]) -> None:
        """Straight through the driver, with values already in the form SQLAlchemy stores
        them (UTC text datetimes): its per-value processing would cost more than SQLite's
        own work."""
        columns = [column.name for column in table.columns]
        special = [
            (index, convert)
            for index, column in enumerate(table.columns)
            if (convert := _converter(column.type)) is not None
        ]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        values = []
        for row in rows:
            record = list(map(row.get, columns))  # missing keys are NULL
            for index, convert in special:
                if record[index] is not None:
                    record[index] = convert(record[index])
            values.append(record)
        _driver(session).executemany(sql, values)

    def integrity_errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.IntegrityError,)

    def enforces_links_on_insert(self, session: Session) -> bool:
        return session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    def prepare_bulk_load(self, session: Session) -> None:
        # A big import touches every index page: a generous page cache (for this connection
        # only) keeps them in memory instead of re-reading them per batch.
        session.connection().exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")

    # -- full-text index -------------------------------------------------------------------

    def index_replace(self, session: Session, key: int, title: str, body: str) -> None:
        session.execute(sa.text("DELETE FROM search_index WHERE rowid = :r"), {"r": key})
        session.execute(
            sa.text("INSERT INTO search_index(rowid, title, body) VALUES (:r, :t, :b)"),
            {"r": key, "t": title, "b": body},
        )

    def index_delete(self, session: Session, key: int) -> None:
        session.execute(sa.text("DELETE FROM search_index WHERE rowid = :r"), {"r": key})

    def index_insert_many(self, session: Session, rows: Sequence[tuple[int, str, str]]) -> None:
        _driver(session).executemany(
            "INSERT INTO search_index(rowid, title, body) VALUES (?, ?, ?)", rows
        )

    def index_hit_counts(self, session: Session, expression: str) -> dict[int, int]:
        found = session.execute(
            sa.text(
                "SELECT rowid % 8, count(*) FROM search_index WHERE search_index MATCH :fts "
                "GROUP BY rowid % 8"
            ),
            {"fts": expression},
        )
        return {row[0]: row[1] for row in found}

    def index_count_capped(self, session: Session, expression: str, code: int, cap: int) -> int:
        return session.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH :fts "
                "AND rowid % 8 = :code LIMIT :cap)"
            ),
            {"fts": expression, "code": code, "cap": cap},
        ).scalar_one()

    def index_matching_ids(self, expression: str, code: int) -> sa.TextClause:
        return sa.text(
            "SELECT rowid / 8 FROM search_index WHERE search_index MATCH :fts AND rowid % 8 = :code"
        ).bindparams(fts=expression, code=code)

    def unindexed(self, column: Any) -> Any:
        """SQLite's unary `+`: the same value, but no index may serve it."""
        return sa.UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    # -- following the database ------------------------------------------------------------

    def version_probe(self, engine: Engine) -> tuple[VersionProbe, Callable[[], None]]:
        """`PRAGMA data_version` on one dedicated connection: O(1), and it changes whenever
        another connection commits (another process, or this program's own writes). A pooled
        DB-API connection kept for the probe's lifetime (file databases are opened with
        check_same_thread=False, so worker threads may share it); it never writes."""
        raw = engine.raw_connection()

        def version() -> object:
            cursor = raw.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                row = cursor.fetchone()
                assert row is not None, "PRAGMA data_version always returns one row"
                return row[0]
            finally:
                cursor.close()

        return version, raw.close

    # -- maintenance -----------------------------------------------------------------------

    def integrity_problems(self, engine: Engine) -> dict[str, list[str] | str] | None:
        """Every check runs even when another failed, so a damaged file gets a full report
        (what SQLite says about it) instead of the first error."""

        def problem(exc: sa.exc.DBAPIError) -> str:
            if self.is_locked_error(exc):
                raise DatabaseUnavailable.locked() from exc
            return first_line(exc)

        def attempt(run: Callable[[], T]) -> tuple[T | None, str | None]:
            """(result, None), or (None, the database's complaint); a lock is an error."""
            try:
                return run(), None
            except sa.exc.DBAPIError as exc:
                return None, problem(exc)

        try:
            connection = engine.connect()
        except sa.exc.DBAPIError as exc:  # not a database at all: nothing can be read
            failure = problem(exc)
            return {"integrity": [failure], "foreign_keys": [failure], "search_index": failure}
        with connection:
            rows, integrity_problem = attempt(
                lambda: [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
            )
            foreign, foreign_problem = attempt(
                lambda: [
                    f"{r[0]} row {r[1]} -> {r[2]}"
                    for r in connection.exec_driver_sql("PRAGMA foreign_key_check")
                ]
            )
            _, index_problem = attempt(
                lambda: connection.exec_driver_sql(
                    "INSERT INTO search_index(search_index) VALUES ('integrity-check')"
                )
            )
        return {
            "integrity": [integrity_problem] if integrity_problem else (rows or []),
            "foreign_keys": [foreign_problem] if foreign_problem else (foreign or []),
            "search_index": index_problem or "ok",
        }

    def backup(self, engine: Engine, destination: Path) -> None:
        """The online backup API into a private temporary file beside the target, renamed
        over it: never half a copy, and nothing left behind when it fails."""
        source_path = engine.url.database
        if not source_path or source_path == ":memory:":
            raise InvalidInput("an in-memory database has no file to back up")
        try:
            fd, name = tempfile.mkstemp(
                prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent
            )  # mode 0600
        except OSError as exc:
            raise InvalidInput(f"cannot write in {destination.parent}: {_phrase(exc)}") from None
        os.close(fd)
        partial = Path(name)
        try:
            with (
                closing(sqlite3.connect(source_path)) as source,
                closing(sqlite3.connect(partial)) as copy,
            ):
                source.backup(copy)
            partial.replace(destination)
        except OSError as exc:
            raise InvalidInput(f"cannot write {destination}: {_phrase(exc)}") from None
        finally:
            partial.unlink(missing_ok=True)

    def mark_file(self, session: Session, application_id: int) -> None:
        session.connection().exec_driver_sql(f"PRAGMA application_id = {int(application_id)}")

    def file_facts(self, path: Path, tables: Sequence[str]) -> tuple[int, set[str], int]:
        """Read without changing it: a file's application id, which of `tables` hold rows,
        and how many pipelines it has. A file that is not a database is DatabaseUnavailable."""
        try:
            return self._file_facts(path, tables)
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(str(exc)) from None

    def _file_facts(self, path: Path, tables: Sequence[str]) -> tuple[int, set[str], int]:
        with closing(sqlite3.connect(path)) as connection:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            present = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            filled = {
                table
                for table in tables
                if table in present
                and connection.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
            }
            pipelines = (
                connection.execute("SELECT count(*) FROM pipeline").fetchone()[0]
                if "pipeline" in present
                else 0
            )
        return application_id, filled, pipelines


SQLITE = SQLiteBackend()


def _install_hooks(engine: Engine, timeout: int) -> None:
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
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def _prepare_file(location: str) -> None:
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


def _phrase(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _driver(session: Session) -> Any:
    driver = session.connection().connection.driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    return driver


def _converter(column_type: sa.types.TypeEngine) -> Callable[[Any], Any] | None:
    """How a value of this type is written as SQLAlchemy would on SQLite (None: as it is).
    Every datetime column is a `models.UTCDateTime`: naive UTC text. A type decorator says
    nothing of its Python type (`object`); the type it decorates does."""
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    python_type = column_type.python_type
    if python_type is datetime:
        return _stored_datetime
    if python_type is date:
        return date.isoformat
    if python_type is bool:
        return int
    return None


def _stored_datetime(value: datetime) -> str:
    """The text SQLAlchemy writes for a UTCDateTime on SQLite: naive UTC, microseconds."""
    if value.tzinfo is not UTC:  # what the readers return is UTC already
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")
