"""`crm db ...`: where the database is, its schema revision, integrity checks and backups."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from crmcli.kernel import config
from crmcli.kernel.errors import Conflict, InvalidInput
from crmcli.store.db import SCHEMA_REVISION, Store, current_revision, database_url


def describe_location(location: str | None) -> str:
    """The file path (or URL) the store would use, without opening it."""
    chosen = config.db_location(location)
    if config.is_url(chosen):
        return chosen
    return str(Path(chosen).expanduser().resolve())


@dataclass
class CheckReport:
    revision: str | None
    expected: str
    integrity: list[str]
    foreign_keys: list[str]

    @property
    def ok(self) -> bool:
        return self.revision == self.expected and self.integrity == ["ok"] and not self.foreign_keys


def check(store: Store) -> CheckReport:
    revision = current_revision(store.engine)
    integrity: list[str] = ["ok"]
    foreign: list[str] = []
    if store.is_sqlite:
        with store.engine.connect() as connection:
            integrity = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
            foreign = [
                f"{r[0]} row {r[1]} -> {r[2]}"
                for r in connection.exec_driver_sql("PRAGMA foreign_key_check")
            ]
            connection.exec_driver_sql(
                "INSERT INTO search_index(search_index) VALUES ('integrity-check')"
            )
    return CheckReport(revision, SCHEMA_REVISION, integrity, foreign)


def backup(store: Store, target: str, *, force: bool = False) -> Path:
    """A consistent copy of a live SQLite database (the online backup API)."""
    if not store.is_sqlite:
        raise InvalidInput("backup copies SQLite files; use pg_dump for PostgreSQL")
    destination = Path(target).expanduser()
    if destination.exists() and not force:
        raise Conflict(f"{destination} exists; add --force to overwrite it")
    if not destination.parent.is_dir():
        raise InvalidInput(f"no such folder: {destination.parent}")
    source_path = sa.engine.make_url(database_url(store.location)).database
    if not source_path:
        raise InvalidInput("an in-memory database has no file to back up")
    partial = destination.with_name(destination.name + ".partial")
    with sqlite3.connect(source_path) as source, sqlite3.connect(partial) as copy:
        source.backup(copy)
    partial.chmod(0o600)
    partial.replace(destination)
    return destination
