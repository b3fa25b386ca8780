"""`crm db ...`: where the database is, its schema revision, integrity checks and backups."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from crmcli.kernel import config
from crmcli.kernel.errors import Conflict, DatabaseUnavailable, InvalidInput
from crmcli.store.backends.base import first_line
from crmcli.store.db import SCHEMA_REVISION, Store


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
    """The schema revision and the backend's integrity checks. Every check runs even when
    another failed, so a damaged file gets a full report instead of the first error."""
    revision, schema_problem = _revision(store)
    found = store.backend.integrity_problems(store.engine)
    if found is None:  # a server keeps its own integrity
        return CheckReport(revision, SCHEMA_REVISION, ["ok"], [], "ok", schema_problem)
    return CheckReport(
        revision,
        SCHEMA_REVISION,
        list(found["integrity"]),
        list(found["foreign_keys"]),
        str(found["search_index"]),
        schema_problem,
    )


def _revision(store: Store) -> tuple[str | None, str | None]:
    """(the Alembic revision, None), or (None, why it could not be read); a database never
    migrated has revision None and no problem."""
    try:
        with store.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return revision.scalar(), None
    except sa.exc.DBAPIError as exc:
        if store.backend.is_locked_error(exc):
            raise DatabaseUnavailable.locked() from exc
        said = first_line(exc)
        if "no such table" in said or "does not exist" in said:
            return None, None
        return None, said


def backup(store: Store, target: str, *, force: bool = False) -> Path:
    """A consistent copy of the live database at `target` (the backend's way)."""
    destination = Path(target).expanduser()
    if destination.is_dir():
        raise InvalidInput(
            f"{destination} is a folder; name the backup file, e.g. {destination / 'crm.db'}"
        )
    if destination.exists() and not force:
        raise Conflict(f"{destination} exists; add --force to overwrite it")
    if not destination.parent.is_dir():
        raise InvalidInput(f"no such folder: {destination.parent}")
    store.backend.backup(store.engine, destination)
    return destination
