"""Option types shared by every command, so the same flag means the same thing everywhere."""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from crmcli.commands import completers

FORMAT_HELP = "Output format: table, tsv, json, ndjson, csv or ids (default: table on a terminal, tsv when piped)."


def _checked_format(ctx: typer.Context, value: str | None) -> str | None:
    """--format checked while the command line is parsed, so a write command refuses a bad
    format (or one --json contradicts) before it writes anything, not after, when it
    prints the result."""
    if value is None or ctx.resilient_parsing:
        return value
    from crmcli.commands.output import resolve_format

    return resolve_format(value, bool(ctx.params.get("as_json")), sys.stdout)


def _checked_json(ctx: typer.Context, value: bool) -> bool:
    """--json against a --format read before it (whichever of the two comes second on the
    command line sees the other)."""
    fmt = ctx.params.get("fmt")
    if value and isinstance(fmt, str) and not ctx.resilient_parsing:
        from crmcli.commands.output import format_conflict
        from crmcli.kernel.errors import InvalidInput

        if fmt.strip().lower() != "json":
            raise InvalidInput(format_conflict(fmt))
    return value


Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-F",
        help=FORMAT_HELP,
        metavar="FORMAT",
        callback=_checked_format,
        autocompletion=completers.formats,
    ),
]
Json = Annotated[
    bool, typer.Option("--json", help="Shorthand for --format json.", callback=_checked_json)
]
Limit = Annotated[
    int, typer.Option("--limit", "-n", help="Show at most N records (0 = no limit).", metavar="N")
]
SORT_HELP = "Sort by FIELD; -FIELD for descending; comma-separate several."
FILTER_HELP = "Filter terms (tag:vip -tag:churned owner:alice value>5000 created>-30d) and words for full-text search."


def sort_option(entity: str) -> Any:
    """`--sort` of a `list` of `entity`: TAB offers that type's sort keys."""
    return Annotated[
        str | None,
        typer.Option(
            "--sort",
            "-s",
            help=SORT_HELP,
            metavar="FIELD",
            autocompletion=completers.sort_keys(entity),
        ),
    ]


def filter_argument(entity: str) -> Any:
    """The FILTER words of a `list` of `entity`: TAB offers its fields and their values."""
    return Annotated[
        list[str] | None,
        typer.Argument(
            help=FILTER_HELP,
            show_default=False,
            metavar="FILTER...",
            autocompletion=completers.filter_terms(entity),
        ),
    ]


def tags_option(entity: str) -> Any:
    return Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            help="A tag (repeatable).",
            metavar="TAG",
            autocompletion=completers.tags(entity),
        ),
    ]


def untags_option(entity: str) -> Any:
    return Annotated[
        list[str] | None,
        typer.Option(
            "--untag",
            help="Remove a tag (repeatable).",
            metavar="TAG",
            autocompletion=completers.tags(entity),
        ),
    ]


def owner_option(entity: str) -> Any:
    return Annotated[
        str | None,
        typer.Option(
            "--owner",
            help="Who owns the record.",
            metavar="USER",
            autocompletion=completers.owners(entity),
        ),
    ]


Sets = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Custom field KEY=VALUE (repeatable; an empty VALUE removes it).",
        metavar="KEY=VALUE",
    ),
]
Deleted = Annotated[bool, typer.Option("--deleted", help="List deleted records instead.")]

DEFAULT_LIMIT = 100

# Rich help on a terminal; plain help when piped (rich's markdown renderer would cost
# more start-up time than the whole command).
HELP_MARKUP = "rich" if sys.stdout.isatty() else None


def noun_app() -> typer.Typer:
    """A `crm NOUN` group: shows its help when called alone."""
    return typer.Typer(no_args_is_help=True, rich_markup_mode=HELP_MARKUP)


# A negated filter term (`-tag:churned`, `-value>5000`) starts with "-" like a short option.
_NEGATION_START = re.compile(r"^-[A-Za-z_]")
_NEGATED_TERM = re.compile(r"^-[A-Za-z_][A-Za-z0-9_.]*(:|=|!=|>=|<=|>|<).")


class FilterCommand(TyperCommand):
    """A command taking filter terms: `-FIELD:VALUE` is a negated term, never an option.

    Such words are moved behind a `--` before Click parses the line, so they reach the
    FILTER argument whatever options surround them (their order does not matter: terms
    are ANDed).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if "--" in args:
            cut = args.index("--")
            head, tail = args[:cut], args[cut + 1 :]
        else:
            head, tail = args, []
        terms = [arg for arg in head if _NEGATED_TERM.match(arg)]
        if terms:
            head = [arg for arg in head if not _NEGATED_TERM.match(arg)]
            args = [*head, "--", *terms, *tail]
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """A word starting `-x` may be an option or a negated term (`-tag:`): offer both."""
        results = super().shell_complete(ctx, incomplete)
        if _NEGATION_START.match(incomplete):
            for param in self.get_params(ctx):
                if param.param_type_name == "argument" and param.nargs == -1:
                    results.extend(param.shell_complete(ctx, incomplete))
        return results
