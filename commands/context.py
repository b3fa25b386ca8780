"""What every command shares: the global options, the store, and how results are printed.

Kept free of SQLAlchemy at import time: `crm --help` and completion must stay fast, so the
store is opened (and crmcli.store.db imported) only when a command actually needs data.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import typer

from crmcli.commands import output
from crmcli.commands.output import Column
from crmcli.present.text import visible

if TYPE_CHECKING:
    from crmcli.store.db import Store
    from crmcli.store.session import Session


@dataclass
class Globals:
    """The options given before the noun: `crm --db X --no-color customer list`."""

    db: str | None = None
    no_color: bool = False
    debug: bool = False


GLOBALS = Globals()


def open_store(location: str | None = None, *, migrate: bool = True) -> Store:
    """The database named by --db (or `location`); the command's start-up ends here."""
    from crmcli.commands.launcher import startup_finished
    from crmcli.store.db import open_store as _open

    store = _open(location or GLOBALS.db, migrate=migrate)
    startup_finished()
    return store


@contextmanager
def reading() -> Iterator[Session]:
    store = open_store()
    try:
        with store.read() as session:
            yield session
    finally:
        store.dispose()


@contextmanager
def writing() -> Iterator[Session]:
    """One command, one transaction: everything in the block commits together or not at all.
    Print after the block, never in it (see `transaction`)."""
    store = open_store()
    try:
        with transaction(store) as session:
            yield session
    finally:
        store.dispose()


@contextmanager
def transaction(store: Store) -> Iterator[Session]:
    """`store.write()` for a command, which prints only once it has committed: a closed pipe
    (`crm deal move 1 won | head -c1`) then ends the command with exit 0, the change saved.
    One met inside the block, by something printed too early, rolled the change back: that
    is an error, never the quiet success of a closed pipe (tests/cli/test_write_then_print)."""
    try:
        with store.write() as session:
            yield session
    except BrokenPipeError as error:
        raise RuntimeError(
            "output closed before the change was saved (printed inside the transaction): "
            "nothing was written"
        ) from error


def stdout() -> TextIO:
    return sys.stdout


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color() -> bool:
    return output.use_color(sys.stdout, GLOBALS.no_color)


def show_records(
    records: Iterable[dict],
    columns: Sequence[Column],
    fmt: str | None,
    as_json: bool,
    *,
    limit: int | None = None,
    empty_message: str = "No records.",
    title: str | None = None,
) -> int:
    chosen = output.resolve_format(fmt, as_json, sys.stdout)
    count = output.render_records(
        records,
        columns,
        chosen,
        sys.stdout,
        color=color(),
        title=title,
        empty_message=empty_message,
    )
    if limit and count >= limit and chosen == "table":
        note(f"showing the first {limit}; use --limit 0 for all")
    return count


def show_record(record: dict, columns: Sequence[Column], fmt: str | None, as_json: bool) -> None:
    chosen = output.resolve_format(fmt, as_json, sys.stdout)
    output.render_record(record, columns, chosen, sys.stdout, color=color())


def say(message: str, *, err: bool = False) -> None:
    """One line for people: stored text in it (a name, a title) is shown, never obeyed."""
    typer.echo(visible(message), err=err)


def note(message: str) -> None:
    """A human remark on stderr; never mixed into data on stdout."""
    say(f"crm: {message}", err=True)


def created(
    kind: str, record: dict, label: str, columns: Sequence[Column], fmt: str | None, as_json: bool
) -> None:
    """After `add`: the id alone when piped (`id=$(crm customer add Ada)`), else a sentence."""
    if fmt or as_json:
        show_record(record, columns, fmt, as_json)
    elif is_terminal():
        say(f"Created {kind} {record['id']}: {label}")
    else:
        typer.echo(str(record["id"]))


def changed(
    message: str, record: dict, columns: Sequence[Column], fmt: str | None, as_json: bool
) -> None:
    """After an edit or a move: the record when asked for a format, else one line."""
    if fmt or as_json:
        show_record(record, columns, fmt, as_json)
    else:
        say(message)


def list_command(
    entity: str,
    columns: Sequence[Column],
    terms: list[str] | None,
    *,
    limit: int,
    sort: str | None,
    fmt: str | None,
    as_json: bool,
    deleted: bool = False,
    empty_message: str = "No records.",
) -> None:
    """The body of every `crm NOUN list`: filter, sort, limit, print."""
    from crmcli.query.listing import list_records

    with reading() as session:
        records = list_records(
            session, entity, terms or [], sort=sort, limit=limit, deleted=deleted
        )
    show_records(records, columns, fmt, as_json, limit=limit, empty_message=empty_message)


def soft_delete_command(kind: str, action: Callable, ref: str, done: str) -> None:
    """The body of `rm` and `restore`: one write, then `Deleted customer 3: Ada`."""
    with writing() as session:
        record = action(session, ref)
        label = getattr(record, "name", None) or getattr(record, "title", "")
        message = f"{done} {kind} {record.id}: {label}"
    say(message)
