"""The console script's start-up: collection off while starting, back on once a command
opens the database, and never touched for an in-process caller."""

from __future__ import annotations

import gc
import subprocess
import sys
from importlib.metadata import entry_points

from crmcli.commands import launcher


def test_console_script_is_the_launcher() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "crm"]
    assert script.value == "crmcli.commands.launcher:run"


def test_startup_finished_turns_collection_back_on() -> None:
    gc.disable()
    try:
        launcher.startup_finished()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_startup_finished_leaves_an_enabled_collector_alone() -> None:
    assert gc.isenabled()
    before = gc.get_freeze_count()
    launcher.startup_finished()
    assert gc.isenabled()
    assert gc.get_freeze_count() == before


def test_a_command_that_opens_the_database_collects_again(db_path) -> None:
    """Run the launcher in a child and ask, after `crm customer add`, whether gc is on."""
    code = (
        "import gc, sys\n"
        "sys.argv = ['crm', 'customer', 'add', 'Ada']\n"
        "from crmcli.commands import launcher\n"
        "try:\n"
        "    launcher.run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split()[-2:] == ["True", "True"]
    help_only = code.replace("'customer', 'add', 'Ada'", "'--version'")
    done = subprocess.run(
        [sys.executable, "-c", help_only], capture_output=True, text=True, check=True
    )
    assert done.stdout.split()[-2:] == ["False", "False"]
