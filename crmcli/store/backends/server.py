"""A database server through SQLAlchemy (PostgreSQL is the one crmcli is built for).

The portable behaviour of `Backend`: no full-text index yet (words are matched with LIKE on
each record's title), change detection by fingerprint, plain executemany, and backups left to
the server's own tools. What a server needs besides (sequences after explicit ids, lock
timeouts, search) is the PostgreSQL issue's half of this interface.
"""

from __future__ import annotations

from importlib.util import find_spec

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmcli.kernel.errors import DatabaseUnavailable, InvalidInput
from crmcli.store.backends.base import Backend

#: The pip package of a database driver module, where the two names differ.
_DRIVER_PACKAGES = {"psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient"}


class ServerBackend(Backend):
    def create_engine(
        self, url: str, location: str, *, busy_timeout_ms: int | None = None
    ) -> Engine:
        """An engine for a server URL; a malformed URL is invalid input (exit 2) and a
        missing driver an unavailable database (exit 5) that says what to install."""
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError:  # not echoed: it may hold a password
            raise InvalidInput(
                "invalid database URL: expected dialect+driver://user:password@host/database"
            ) from None
        plain = parsed.drivername == "postgresql"  # SQLAlchemy's default driver: psycopg2
        if plain and not _importable("psycopg2") and _importable("psycopg"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            return sa.create_engine(parsed, pool_pre_ping=True)
        except sa.exc.NoSuchModuleError:
            shown = parsed.render_as_string(hide_password=True)
            raise InvalidInput(f"unsupported database URL '{shown}'") from None
        except ImportError as exc:
            if parsed.drivername in ("postgresql", "postgresql+psycopg"):
                package = "psycopg"  # postgresql:// takes it too, as chosen above
            else:
                module = exc.name or parsed.drivername
                package = _DRIVER_PACKAGES.get(module, module)
            raise DatabaseUnavailable(f"driver not installed: pip install {package}") from None


def _importable(module: str) -> bool:
    return find_spec(module) is not None


SERVER = ServerBackend()
