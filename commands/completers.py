"""What TAB offers for the values of arguments and options (typer's `autocompletion=`).

Each completer is called by the shell completion machinery with the click context (the
words typed so far, parsed resiliently) and the word being completed. Fixed values (formats,
channels, shells) need nothing; the others ask `crmcli.query.completion`, which opens the
database only then, never creates or migrates it, and answers nothing on any error. So a TAB
on a command or an option name stays as light as `crm --help`, and only a TAB on a value
that lives in the database pays for loading it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Completer = Callable[..., list[Any]]

#: The output formats (commands.output.FORMATS, repeated so a TAB does not import it).
FORMATS = ("table", "tsv", "json", "ndjson", "csv", "ids")
SHELLS = ("bash", "zsh", "fish")
#: The types `crm search --type` and `crm export --type` take.
SEARCH_TYPES = ("customer", "company", "deal", "interaction", "reminder", "product")
EXPORT_TYPES = (
    "pipeline",
    "company",
    "customer",
    "deal",
    "stage_change",
    "interaction",
    "reminder",
)


def _location(ctx: Any) -> str | None:
    """The database the command line names (`crm --db X ...`), else the default one."""
    try:
        value = ctx.find_root().params.get("db")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _pairs(candidates: Iterable[Any]) -> list[Any]:
    return [(c.value, c.help) if c.help else c.value for c in candidates]


def fixed(values: Iterable[str]) -> Completer:
    """A completer offering `values` (typer keeps those starting with the word typed)."""
    chosen = tuple(values)

    def complete(incomplete: str) -> list[Any]:
        return [v for v in chosen if v.startswith(incomplete)]

    return complete


formats = fixed(FORMATS)
shells = fixed(SHELLS)
directions = fixed(("in", "out"))
search_types = fixed(SEARCH_TYPES)
export_types = fixed(EXPORT_TYPES)


def channels(incomplete: str) -> list[Any]:
    from crmcli.kernel.vocabulary import CHANNELS

    return [c for c in CHANNELS if c.startswith(incomplete)]


def names(entity: str, *, deleted: bool = False) -> Completer:
    """Names of live customers or companies, deal titles, product SKUs (`deleted`: of
    deleted ones)."""

    def complete(ctx: Any, incomplete: str) -> list[Any]:
        from crmcli.query import completion

        return _pairs(
            completion.from_database(
                _location(ctx),
                lambda s: completion.names(s, entity, incomplete, deleted=deleted),
            )
        )

    return complete


def categories(ctx: Any, incomplete: str) -> list[Any]:
    """Product categories in use."""
    from crmcli.query import completion

    return _pairs(
        completion.from_database(_location(ctx), lambda s: completion.categories(s, incomplete))
    )


def purchase_channels(incomplete: str) -> list[Any]:
    from crmcli.kernel.vocabulary import PURCHASE_CHANNELS

    return [c for c in PURCHASE_CHANNELS if c.startswith(incomplete)]


def pipelines(ctx: Any, incomplete: str) -> list[Any]:
    from crmcli.query import completion

    return _pairs(
        completion.from_database(_location(ctx), lambda s: completion.pipelines(s, incomplete))
    )


def stages(ctx: Any, incomplete: str) -> list[Any]:
    """Stages of the deal named before (`deal move REF STAGE`), else of `--pipeline`, else
    of the default pipeline."""
    from crmcli.query import completion

    params = getattr(ctx, "params", {}) or {}
    deal = params.get("ref") if ctx.command.name == "move" else None
    pipeline = params.get("pipeline") or ""
    return _pairs(
        completion.from_database(
            _location(ctx),
            lambda s: completion.stages(s, incomplete, pipeline=pipeline, deal=deal),
        )
    )


def tags(entity: str) -> Completer:
    def complete(ctx: Any, incomplete: str) -> list[Any]:
        from crmcli.query import completion

        return _pairs(
            completion.from_database(
                _location(ctx), lambda s: completion.tags(s, incomplete, entity)
            )
        )

    return complete


def owners(entity: str | None = None) -> Completer:
    def complete(ctx: Any, incomplete: str) -> list[Any]:
        from crmcli.query import completion

        return _pairs(
            completion.from_database(
                _location(ctx), lambda s: completion.owners(s, incomplete, entity)
            )
        )

    return complete


def sort_keys(entity: str) -> Completer:
    def complete(incomplete: str) -> list[Any]:
        from crmcli.query import completion

        return _pairs(completion.sort_keys(entity, incomplete))

    return complete


def filter_terms(entity: str) -> Completer:
    """FILTER words: field names with their `:`, then the field's values (`tag:` -> tags)."""

    def complete(ctx: Any, incomplete: str) -> list[Any]:
        from crmcli.query import completion

        return _pairs(completion.filter_terms(_location(ctx), entity, incomplete))

    return complete
