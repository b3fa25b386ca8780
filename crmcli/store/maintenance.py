"""`crm db ...`: where the database is, its schema revision, integrity checks and backups."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from crmcli.kernel import config
from crmcli.kernel.errors import Conflict, DatabaseUnavailable, InvalidInput
from crmcli.store.db import (
    SCHEMA_REVISION,
    Store,
    current_revision,
    database_url,
    is_locked_error,
)

T = TypeVar("T")


def describe_location(location: str | None) -> str:
    """The file path (or URL) the store would use, without opening it."""
    chosen = config.db_location(location)
    if config.is_url(chosen):
        return chosen
    return str(Path(chosen).expanduser().resolve())


@dataclass
class CheckReport:
    """What `crm db check` found; each part is "ok" or what the database said instead."""

    revision: str | None
    expected: str
    integrity: list[str]
    foreign_keys: list[str]
    search_index: str = "ok"
    schema_problem: str | None = None  # the revision could not be read: why

    @property
    def ok(self) -> bool:
        return (
            self.schema_problem is None
            and self.revision == self.expected
            and self.integrity == ["ok"]
            and not self.foreign_keys
            and self.search_index == "ok"
        )


def check(store: Store) -> CheckReport:
    """Every check runs even when another failed, so a damaged file gets a full report
    (what SQLite says about it) instead of the first error."""
    if not store.is_sqlite:
        return CheckReport(current_revision(store.engine), SCHEMA_REVISION, ["ok"], [])
    failure: str | None = None
    try:
        connection = store.engine.connect()
    except sa.exc.DBAPIError as exc:  # not a database at all: nothing can be read
        failure = _problem(exc)
        return CheckReport(None, SCHEMA_REVISION, [failure], [failure], failure, failure)
    with connection:
        revision, schema_problem = _attempt(
            lambda: connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        )
        if schema_problem is not None and "no such table" in schema_problem:
            schema_problem = None  # never migrated: revision none
        rows, integrity_problem = _attempt(
            lambda: [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
        )
        foreign, foreign_problem = _attempt(
            lambda: [
                f"{r[0]} row {r[1]} -> {r[2]}"
                for r in connection.exec_driver_sql("PRAGMA foreign_key_check")
            ]
        )
        _, index_problem = _attempt(
            lambda: connection.exec_driver_sql(
                "INSERT INTO search_index(search_index) VALUES ('integrity-check')"
            )
        )
    return CheckReport(
        revision,
        SCHEMA_REVISION,
        [integrity_problem] if integrity_problem else (rows or []),
        [foreign_problem] if foreign_problem else (foreign or []),
        index_problem or "ok",
        schema_problem,
    )


def _attempt(run: Callable[[], T]) -> tuple[T | None, str | None]:
    """(result, None), or (None, the database's complaint); a lock is still an error."""
    try:
        return run(), None
    except sa.exc.DBAPIError as exc:
        return None, _problem(exc)


def _problem(exc: sa.exc.DBAPIError) -> str:
    if is_locked_error(exc):
        raise DatabaseUnavailable("database is locked by another crm process; try again") from exc
    lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def backup(store: Store, target: str, *, force: bool = False) -> Path:
    """A consistent copy of a live SQLite database (the online backup API), written to a
    private temporary file beside the target and renamed over it: never half a copy, and
    nothing left behind when it fails."""
    if not store.is_sqlite:
        raise InvalidInput("backup copies SQLite files; use pg_dump for PostgreSQL")
    destination = Path(target).expanduser()
    if destination.is_dir():
        raise InvalidInput(
            f"{destination} is a folder; name the backup file, e.g. {destination / 'crm.db'}"
        )
    if destination.exists() and not force:
        raise Conflict(f"{destination} exists; add --force to overwrite it")
    if not destination.parent.is_dir():
        raise InvalidInput(f"no such folder: {destination.parent}")
    source_path = sa.engine.make_url(database_url(store.location)).database
    if not source_path:
        raise InvalidInput("an in-memory database has no file to back up")
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent
        )  # mode 0600
    except OSError as exc:
        raise InvalidInput(f"cannot write in {destination.parent}: {_reason(exc)}") from None
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
        raise InvalidInput(f"cannot write {destination}: {_reason(exc)}") from None
    finally:
        partial.unlink(missing_ok=True)
    return destination


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
