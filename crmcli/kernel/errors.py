"""Errors that carry their exit code, so both faces report them the same way.

Exit codes are an API (README, "Exit codes"): 0 ok, 1 internal error, 2 usage or invalid
input, 3 not found, 4 ambiguous or conflict, 5 database unavailable.
"""

from __future__ import annotations


class CrmError(Exception):
    """Base of every error a user can cause; `exit_code` is what `crm` exits with."""

    exit_code = 1


class InvalidInput(CrmError):
    """Bad input: a malformed date, filter, value, field or import line."""

    exit_code = 2


class NotFound(CrmError):
    """A REF or id that matches nothing."""

    exit_code = 3


class Ambiguous(CrmError):
    """A REF that matches several records; `candidates` lists them for the user."""

    exit_code = 4

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class Conflict(CrmError):
    """A write that would break a uniqueness rule (an email already in use, ...)."""

    exit_code = 4


class DatabaseUnavailable(CrmError):
    """Locked past the timeout, a schema newer than the program, an unreachable server."""

    exit_code = 5

    @classmethod
    def locked(cls) -> DatabaseUnavailable:
        """Another writer held the lock past the busy timeout."""
        return cls(LOCKED)


#: What a lock held past the busy timeout is called, wherever it is met.
LOCKED = "database is locked by another crm process; try again"


class Terminated(BaseException):
    """SIGTERM arrived: `crm` raises this from its signal handler, as Python raises
    KeyboardInterrupt for Ctrl-C, so the open transaction rolls back and the command ends
    with one line. A BaseException, so that no `except Exception` swallows it."""
