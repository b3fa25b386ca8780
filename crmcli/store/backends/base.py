"""The backend interface: what every database family provides, with portable defaults."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmcli.kernel.errors import InvalidInput

if TYPE_CHECKING:
    from sqlmodel import Session

#: Execution option of a store's write engine: a backend may begin such a transaction by
#: taking its write lock at once (SQLite's `BEGIN IMMEDIATE`).
WRITE_OPTION = "crm_write"

#: A probe that tells whether anything was committed since it was last asked (see `watch`).
VersionProbe = Callable[[], object]


class Backend:
    """One database family. The defaults are the portable behaviour: plain SQL through
    SQLAlchemy, no full-text index (words fall back to LIKE), no file to back up."""

    #: The SQLAlchemy dialect names this backend serves.
    dialects: tuple[str, ...] = ()
    #: Whether a database is one local file (named by a path, backed up by copying).
    file_based = False
    #: Whether the full-text index exists (else words are matched with LIKE on titles).
    full_text = False
    #: Whether timestamps are stored without an offset (then always as UTC).
    naive_datetimes = False
    #: Whether plain creates may drop secondary indexes and build them after a bulk load
    #: (DDL must be transactional, so a failed import rolls the indexes back with the rows).
    defers_indexes = False

    # -- connections ------------------------------------------------------------------------

    def create_engine(
        self, url: str, location: str, *, busy_timeout_ms: int | None = None
    ) -> Engine:
        return sa.create_engine(url, pool_pre_ping=True)

    def is_locked_error(self, error: BaseException) -> bool:
        """Whether a driver error means "another writer holds the lock" (exit 5)."""
        return False

    def unavailable_reason(self, error: BaseException, where: str) -> str | None:
        """Why a driver error means the database cannot be used at all (None: it does not)."""
        return None

    # -- writes -----------------------------------------------------------------------------

    def insert_rows(self, session: Session, table: sa.Table, rows: list[dict]) -> None:
        """executemany of plain rows (every column given or NULL)."""
        session.execute(sa.insert(table), rows)

    def integrity_errors(self) -> tuple[type[BaseException], ...]:
        """The errors `insert_rows` raises when a constraint refuses a row."""
        return (sa.exc.IntegrityError,)

    def enforces_links_on_insert(self, session: Session) -> bool:
        """Whether a bulk insert may leave link checks to the database's foreign keys (and
        look a refused link up only to name its line)."""
        return False

    def prepare_bulk_load(self, session: Session) -> None:
        """Settings for a big load on this session's connection only."""

    def reset_sequences(self, session: Session, tables: Sequence[sa.Table]) -> None:
        """After rows were written with explicit ids: the next generated id comes after
        them (a backend whose ids follow the table's maximum needs nothing)."""

    # -- full-text index (only where `full_text`) --------------------------------------------

    def index_replace(self, session: Session, key: int, title: str, body: str) -> None:
        raise NotImplementedError

    def index_delete(self, session: Session, key: int) -> None:
        raise NotImplementedError

    def index_insert_many(self, session: Session, rows: Sequence[tuple[int, str, str]]) -> None:
        raise NotImplementedError

    def index_hit_counts(self, session: Session, expression: str) -> dict[int, int]:
        raise NotImplementedError

    def index_count_capped(self, session: Session, expression: str, code: int, cap: int) -> int:
        raise NotImplementedError

    def index_matching_ids(self, expression: str, code: int) -> sa.TextClause:
        raise NotImplementedError

    def unindexed(self, column: Any) -> Any:
        """The column, written so that no index may serve it (where the planner needs the
        hint to start from the full-text hits); elsewhere the column itself."""
        return column

    # -- following the database -------------------------------------------------------------

    def version_probe(self, engine: Engine) -> tuple[VersionProbe, Callable[[], None]] | None:
        """A cheap "has anything been committed?" probe and how to close it, or None to use
        the portable fingerprint (`watch.data_version`)."""
        return None

    # -- maintenance ------------------------------------------------------------------------

    def integrity_problems(self, engine: Engine) -> dict[str, list[str] | str] | None:
        """The integrity, foreign-key and search-index checks of `crm db check`, or None
        where the server keeps its own integrity."""
        return None

    def backup(self, engine: Engine, destination: Path) -> None:
        """A consistent copy of the live database at `destination`."""
        raise InvalidInput("backup copies SQLite files; use pg_dump for PostgreSQL")

    def mark_file(self, session: Session, application_id: int) -> None:
        """Stamp the database file as made by a crm program (where files can be stamped)."""


def first_line(error: sa.exc.DBAPIError) -> str:
    """What the database said, in one line."""
    lines = str(error.orig if error.orig is not None else error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
