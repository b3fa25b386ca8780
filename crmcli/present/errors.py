"""What went wrong, in words: one exit code and one line for any exception.

Both faces use it, so a failure reads the same in `crm` (stderr and exit code) and in the
TUI (a notification). Pure Python and light: SQLAlchemy's and sqlite3's errors are told
apart by their module and message, so importing this costs `crm --help` nothing.

Exit codes are an API (README, "Exit codes"): 1 internal error (a bug), 2 invalid input,
3 not found, 4 ambiguous or conflict, 5 database unavailable; 130 and 143 when Ctrl-C or
SIGTERM stopped the command.
"""

from __future__ import annotations

from crmcli.kernel.errors import LOCKED, CrmError, Terminated

EXIT_INTERNAL = 1
EXIT_UNAVAILABLE = 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


#: Driver messages that mean the database cannot be used (not a bug in crm): the file is
#: missing, unreadable, not a database or damaged, the disk is full, the server is down.
_UNAVAILABLE_MARKERS = (
    "unable to open database",
    "file is not a database",
    "database disk image is malformed",
    "readonly database",
    "disk i/o error",
    "database or disk is full",
    "no space left",
    "could not connect",
    "connection refused",
    "server closed the connection",
)


def describe(error: BaseException) -> tuple[int, str]:
    """The exit code and the one line (no `crm: error:` prefix) that report `error`."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted"
    if isinstance(error, Terminated):
        return EXIT_TERMINATED, "terminated"
    if isinstance(error, CrmError):
        return error.exit_code, _one_line(str(error))
    if _is_database_error(error):
        return _describe_database_error(error)
    return EXIT_INTERNAL, f"internal error: {type(error).__name__}: {_one_line(str(error))}"


def _is_database_error(error: BaseException) -> bool:
    module = type(error).__module__
    return module.startswith("sqlalchemy") or module == "sqlite3"


def _describe_database_error(error: BaseException) -> tuple[int, str]:
    """A driver error: unavailable (5) when the database cannot be used, else a bug (1)."""
    message = _one_line(str(getattr(error, "orig", None) or error))
    lowered = message.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return EXIT_UNAVAILABLE, LOCKED
    if any(marker in lowered for marker in _UNAVAILABLE_MARKERS):
        return EXIT_UNAVAILABLE, f"database unavailable: {message}"
    return EXIT_INTERNAL, f"internal error: database error: {message}"


def _one_line(text: str) -> str:
    """The first line: SQLAlchemy appends the statement on the lines after the message."""
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""
