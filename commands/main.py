"""The `crm` command: global options, error handling and the nouns.

Errors from the core carry their exit code (crmcli.kernel.errors); crmcli.present.errors
turns any exception into that code and one line, which is printed on stderr here, in one
place, so every command reports failures the same way (and as the TUI does). A traceback
appears only with --debug or CRM_DEBUG=1.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # not re-exported by typer
from typer.core import TyperGroup

import crmcli
from crmcli.commands.context import GLOBALS
from crmcli.commands.options import HELP_MARKUP, FilterCommand
from crmcli.kernel.errors import Ambiguous, CrmError, Terminated
from crmcli.present.errors import EXIT_INTERNAL, describe


class CrmGroup(TyperGroup):
    """The root group: sub-commands built on demand, and errors turned into one line on
    stderr with the documented exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands([*NOUNS, *SHORTCUTS])
        from crmcli.commands.helptext import tidy

        tidy(self, recurse=False)  # the root's own options; each noun is tidied when built

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Click's usage errors as one `crm: error:` line too, not a boxed usage screen."""
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as error:
            typer.echo(error.ctx.get_help() if error.ctx else str(error))
            code = 0
        except ClickException as error:
            hint = (
                f" (see '{error.ctx.command_path} --help')" if getattr(error, "ctx", None) else ""
            )
            typer.echo(f"crm: error: {error.format_message()}{hint}", err=True)
            code = error.exit_code
        except typer.Abort:
            typer.echo("crm: aborted", err=True)
            code = 1
        else:
            if not standalone_mode:
                return result
            code = result if isinstance(result, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except (KeyboardInterrupt, Terminated) as stop:  # the transaction has rolled back
            raise typer.Exit(_report(stop)) from None
        except Exception as error:
            if GLOBALS.debug and not isinstance(error, CrmError):
                raise
            raise typer.Exit(_report(error)) from None


def _report(error: BaseException) -> int:
    """One line on stderr (and an ambiguous REF's candidates); returns the exit code. Names
    in it are shown, never obeyed by the terminal, and cannot break the line."""
    from crmcli.present.text import visible

    code, message = describe(error)
    if GLOBALS.debug:
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    if code == EXIT_INTERNAL:
        message += " (run with --debug for the traceback)"
    typer.echo(f"crm: error: {visible(message)}", err=True)
    if isinstance(error, Ambiguous):
        for candidate in error.candidates:
            typer.echo(f"  {visible(candidate, multiline=True)}", err=True)
    return code


def _silence_stdout() -> None:
    """After a closed pipe (`crm ... | head`), stop Python complaining at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _version(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        typer.echo(f"crm {crmcli.__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="crm",
    cls=CrmGroup,
    help="A terminal-first CRM: customers, companies, deals, interactions, reminders, products and purchases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=HELP_MARKUP,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file or URL (default: $CRM_DB, else the user data folder).",
            metavar="PATH|URL",
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (also: NO_COLOR=1).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also: CRM_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    GLOBALS.db = db
    GLOBALS.no_color = no_color
    GLOBALS.debug = debug or os.environ.get("CRM_DEBUG") == "1"


#: The nouns: (module in crmcli.commands, one-line help).
NOUNS = {
    "customer": ("customer", "People: add, list, show, edit, rm, restore."),
    "company": ("company", "Companies: add, list, show, edit, rm, restore."),
    "deal": ("deal", "Deals in a pipeline: add, list, board, show, move, won, lost."),
    "pipeline": ("pipeline", "Pipelines and their stages."),
    "interaction": ("interaction", "Interactions on every channel."),
    "product": ("product", "Products: add, list, show, edit, rm, restore."),
    "purchase": ("purchase", "Purchases: add, list, show, refund, rm."),
    "remind": ("remind", "Reminders: add, list, done, snooze."),
    "db": ("database", "The database: path, upgrade, check, backup."),
    "config": ("config", "Settings: the config file and what is in effect (path, show)."),
    "report": ("report", "Analyses: rfm, cohorts, profit, channels."),
}
#: The shortcuts: (module, function, click command class or None).
SHORTCUTS = {
    "log": ("interaction", "log", None),
    "timeline": ("interaction", "timeline", None),
    "inbox": ("remind", "inbox", None),
    "search": ("search", "search", FilterCommand),
    "export": ("transfer", "export", None),
    "import": ("transfer", "import_", None),
    "schema": ("schema", "schema", None),
    "demo": ("demo", "demo", None),
    "tui": ("tui", "tui", None),
    "completion": ("completion", "completion", None),
    "man": ("manpage", "man", None),
}


def _noop() -> None:
    """A callback that makes a holder app a group, so its one command keeps its name."""


def _build(name: str) -> Any:
    """The click command of one noun or shortcut, importing only its own module."""
    holder = typer.Typer(rich_markup_mode=HELP_MARKUP)
    holder.callback()(_noop)
    if name in NOUNS:
        module_name, help_text = NOUNS[name]
        module = importlib.import_module(f"crmcli.commands.{module_name}")
        holder.add_typer(module.app, name=name, help=help_text)
    else:
        module_name, function, command_class = SHORTCUTS[name]
        module = importlib.import_module(f"crmcli.commands.{module_name}")
        holder.command(name, cls=command_class)(getattr(module, function))
    from crmcli.commands.helptext import tidy

    return tidy(typer.main.get_command(holder).commands[name])


class LazyCommands(MutableMapping):
    """The root's sub-commands, built on first use: `crm customer show` pays for the
    customer module only, not for the whole tree (every name is known up front, so help,
    completion and typo suggestions still see them all)."""

    def __init__(self, names: list[str]) -> None:
        self._names = names
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = _build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def run() -> None:
    """The console script."""
    instruction = os.environ.get("_CRM_COMPLETE")
    if instruction:
        from crmcli.commands import completion

        if instruction in completion.INSTRUCTIONS:  # the scripts of `crm completion`
            sys.exit(completion.answer(typer.main.get_command(app), instruction))
        # A script saved from an older crm (typer's `complete_bash` ...): typer answers it.
        from typer.completion import completion_init

        completion_init()
    app(prog_name="crm")
