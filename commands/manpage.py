"""Man pages made from the command tree itself: `crm man [COMMAND]`, and man/ (`make man`).

click-man cannot read this CLI: typer carries its own copy of click, whose commands are
not click's classes, and crm builds each noun only when it is used. So this walks the
tree the way `--help` does (the same tidied metavars and summaries) and writes roff:
crm(1) for the program, its global options, commands, environment and exit status, and
one page per noun or shortcut, crm-customer(1), crm-log(1) ..., each verb a section.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

SECTION = "1"

ENVIRONMENT = (
    ("CRM_DB", "The database, a path or URL (--db beats it; then the config file's db)."),
    ("CRM_CONFIG", "The config file to read instead of config.toml in the config folder."),
    ("CRM_USER", "The name recorded as who did something (default: your login)."),
    ("CRM_OWNER", "The default owner of new customers, companies and deals."),
    ("CRM_CURRENCY", "The default currency of new deals."),
    ("CRM_TZ", "The time zone, an IANA name such as Europe/Paris."),
    ("CRM_BUSY_TIMEOUT_MS", "How long to wait for a locked database before exit 5."),
    ("CRM_SYNCHRONOUS", "normal or full: how durable each commit is."),
    ("CRM_DEBUG", "1: tracebacks for internal errors, like --debug."),
    ("CRM_KEYMAP", "The TUI's keymap file."),
    ("NO_COLOR", "Any value: no colours (beats FORCE_COLOR and CLICOLOR_FORCE)."),
    ("FORCE_COLOR, CLICOLOR_FORCE", "Any value but 0: colour tables even into a pipe."),
    ("COLUMNS", "The width of a --format table written to a pipe or file (default 132)."),
)

EXIT_STATUS = (
    ("0", "ok"),
    ("1", "internal error (a bug: rerun with --debug for the traceback)"),
    ("2", "usage or invalid input"),
    ("3", "not found"),
    ("4", "ambiguous REF or conflict"),
    ("5", "database unavailable"),
    ("130, 143", "stopped by Ctrl-C or SIGTERM (the transaction is rolled back)"),
)


def escape(text: str) -> str:
    """Text safe in roff: backslashes and hyphens escaped, no line taken for a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(
        f"\\&{line}" if line.startswith((".", "'")) else line for line in text.split("\n")
    )


def _paragraphs(text: str | None) -> list[str]:
    if not text:
        return []
    return [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]


def _header(name: str, summary: str) -> list[str]:
    return [
        f'.TH "{name.upper()}" "{SECTION}" "" "crmcli" "crm manual"',
        ".SH NAME",
        f"{escape(name)} \\- {escape(summary.rstrip('.'))}",
    ]


def _usage(path: str, command: Any, ctx: Any) -> str:
    pieces = command.collect_usage_pieces(ctx)
    return f".B {escape(path)}\n{escape(' '.join(pieces))}"


def _params(command: Any, ctx: Any) -> list[str]:
    lines: list[str] = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or param.name == "help":
            continue
        name, help_text = record
        lines += [".TP", f".B {escape(name)}", escape(" ".join(help_text.split()))]
    return lines


def _context(command: Any, path: str, parent: Any | None = None) -> Any:
    from typer._click import Context

    return Context(command, info_name=path.split(" ")[-1], parent=parent)


def _command_section(path: str, command: Any, parent_ctx: Any) -> list[str]:
    ctx = _context(command, path, parent_ctx)
    lines = [f".SS {escape(path)}", _usage(path, command, ctx), ".PP"]
    for paragraph in _paragraphs(command.help):
        lines += [escape(paragraph), ".PP"]
    lines += _params(command, ctx)
    return lines


def root_page(root: Any) -> str:
    ctx = _context(root, "crm")
    lines = _header("crm", root.help or "")
    lines += [".SH SYNOPSIS", ".B crm", "[OPTIONS] COMMAND [ARGS]...", ".SH DESCRIPTION"]
    for paragraph in _paragraphs(root.help):
        lines += [escape(paragraph), ".PP"]
    lines += [
        escape(
            "Each command has --help. Output piped into another program is TSV; "
            "--format and --json choose another (table, tsv, json, ndjson, csv, ids)."
        ),
        ".SH OPTIONS",
        *_params(root, ctx),
        ".SH COMMANDS",
    ]
    for name in root.list_commands(ctx):
        command = root.commands[name]
        lines += [
            ".TP",
            f".BR crm\\-{escape(name)} ({SECTION})",
            escape(command.get_short_help_str(limit=200)),
        ]
    lines.append(".SH ENVIRONMENT")
    for variable, meaning in ENVIRONMENT:
        lines += [".TP", f".B {escape(variable)}", escape(meaning)]
    lines.append(".SH EXIT STATUS")
    for code, meaning in EXIT_STATUS:
        lines += [".TP", f".B {escape(code)}", escape(meaning)]
    lines += [".SH SEE ALSO", ", ".join(f"crm\\-{escape(n)}(1)" for n in root.list_commands(ctx))]
    return "\n".join(lines) + "\n"


def command_page(root: Any, name: str) -> str:
    root_ctx = _context(root, "crm")
    command = root.commands[name]
    path = f"crm {name}"
    lines = _header(f"crm-{name}", command.get_short_help_str(limit=200))
    subcommands = getattr(command, "commands", None)
    lines.append(".SH SYNOPSIS")
    if subcommands:
        for verb in subcommands:
            sub = subcommands[verb]
            ctx = _context(sub, verb, _context(command, name, root_ctx))
            lines += [_usage(f"{path} {verb}", sub, ctx), ".br"]
    else:
        lines.append(_usage(path, command, _context(command, name, root_ctx)))
    lines.append(".SH DESCRIPTION")
    for paragraph in _paragraphs(command.help):
        lines += [escape(paragraph), ".PP"]
    if subcommands:
        lines.append(".SH COMMANDS")
        noun_ctx = _context(command, name, root_ctx)
        for verb in subcommands:
            lines += _command_section(f"{path} {verb}", subcommands[verb], noun_ctx)
    else:
        lines += [".SH OPTIONS", *_params(command, _context(command, name, root_ctx))]
    lines += [".SH SEE ALSO", "crm(1)"]
    return "\n".join(lines) + "\n"


def pages(root: Any) -> dict[str, str]:
    """Every page by file name: crm.1, crm-customer.1, ..."""
    found = {f"crm.{SECTION}": root_page(root)}
    for name in root.list_commands(None):
        found[f"crm-{name}.{SECTION}"] = command_page(root, name)
    return found


def _names(incomplete: str) -> list[str]:
    from crmcli.commands.main import NOUNS, SHORTCUTS

    return [n for n in [*NOUNS, *SHORTCUTS] if n.startswith(incomplete)]


def man(
    command: Annotated[
        str | None,
        typer.Argument(
            help="A command (customer, log ...); default: crm itself.",
            metavar="COMMAND",
            autocompletion=_names,
        ),
    ] = None,
) -> None:
    """Print a man page (roff): crm man | man -l -, or crm man customer | man -l -."""
    from crmcli.commands.main import app
    from crmcli.kernel.errors import InvalidInput

    root = typer.main.get_command(app)
    if command is None:
        typer.echo(root_page(root), nl=False)
        return
    if command not in root.list_commands(None):
        raise InvalidInput(
            f"no command '{command}': use one of {', '.join(root.list_commands(None))}"
        )
    typer.echo(command_page(root, command), nl=False)
