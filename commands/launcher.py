"""The `crm` console script: start-up tuned before anything heavy is imported.

A command imports about 400 ms of libraries (typer, SQLAlchemy, pydantic) and builds a dozen
ORM classes. Python's cyclic garbage collector would walk that growing heap again and again
while it is being built, and none of it is garbage: measured, that is 30-40 ms of every
read command. So collection is off while the program starts, and `startup_finished` turns it
back on, with everything built so far frozen out of its way, once a command opens the
database and begins its real work (an import, an export or the TUI can run for minutes).
"""

from __future__ import annotations

import gc


def run() -> None:
    """The console script: `crm ...`."""
    gc.disable()
    from crmcli.commands.main import run as run_crm

    run_crm()


def startup_finished() -> None:
    """Collect garbage again from here on, ignoring the objects built during start-up.

    A no-op when the launcher did not switch collection off (tests calling the app
    in-process, `python -m`), so a long-lived host process is never changed.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
