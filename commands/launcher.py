"""The `crm` console script: start-up tuned before anything heavy is imported.

A command imports about 400 ms of libraries (typer, SQLAlchemy, pydantic) and builds a dozen
ORM classes. Python's cyclic garbage collector would walk that growing heap again and again
while it is being built, and none of it is garbage: measured, that is 30-40 ms of every
read command. So collection is off while the program starts, and `startup_finished` turns it
back on, with everything built so far frozen out of its way, once a command opens the
database and begins its real work (an import, an export or the TUI can run for minutes).

It also turns SIGTERM into an exception (`Terminated`), as Python does SIGINT, so either
signal in the middle of a write rolls the transaction back.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from types import FrameType

from crmcli.kernel.errors import Terminated


def run() -> None:
    """The console script: `crm ...`."""
    gc.disable()
    _open_standard_streams()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from crmcli.commands.main import run as run_crm

        run_crm()
    except (KeyboardInterrupt, Terminated) as stop:  # still starting: no command to report it
        from crmcli.present.errors import describe

        code, message = describe(stop)
        sys.stderr.write(f"crm: error: {message}\n")
        sys.exit(code)


def _open_standard_streams() -> None:
    """A closed stdin, stdout or stderr (`crm ... >&-`) becomes /dev/null: what crm prints
    goes nowhere, as into a pipe nobody reads, and the command still runs (exit 0: saved).
    Python leaves such a stream None, which the first print would trip over, and the
    descriptor free, for the next file opened to take."""
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            mode = "r" if fd == 0 else "w"
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM raises, as SIGINT raises KeyboardInterrupt, so the open transaction rolls back
    and `crm` exits 143 with one line. Once only: a second SIGTERM ends the process at once
    (SQLite still leaves the database as it was)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise Terminated()


def startup_finished() -> None:
    """Collect garbage again from here on, ignoring the objects built during start-up.

    A no-op when the launcher did not switch collection off (tests calling the app
    in-process, `python -m`), so a long-lived host process is never changed.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
