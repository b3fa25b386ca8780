"""Where the data lives and who is acting: the few settings that come from the environment.

`--db PATH|URL` beats `CRM_DB`, which beats the platform's user data folder. `CRM_USER`
names the person recorded as `by` on stage changes, interactions and reminders.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

APP_NAME = "crmcli"
DB_FILENAME = "crm.db"


def default_db_path() -> Path:
    """The per-user database file (platformdirs), e.g. ~/.local/share/crmcli/crm.db."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME


def db_location(explicit: str | None = None) -> str:
    """The database the user asked for: a path or a SQLAlchemy URL, never empty."""
    chosen = explicit or os.environ.get("CRM_DB")
    return chosen if chosen else str(default_db_path())


def is_url(location: str) -> bool:
    return "://" in location


def current_user() -> str:
    """Who is acting, for the `by` columns: `CRM_USER`, else the login name."""
    name = os.environ.get("CRM_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def busy_timeout_ms() -> int:
    """How long SQLite waits for a lock before giving up (exit 5); `CRM_BUSY_TIMEOUT_MS`."""
    raw = os.environ.get("CRM_BUSY_TIMEOUT_MS", "")
    return int(raw) if raw.isdigit() else 10_000
