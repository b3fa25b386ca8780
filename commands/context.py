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
        if entity == "customer":
            prepare_figures(session, terms or [], sort)
        records = list_records(
            session, entity, terms or [], sort=sort, limit=limit, deleted=deleted
        )
    show_records(records, columns, fmt, as_json, limit=limit, empty_message=empty_message)


def prepare_figures(session, terms: list[str], sort: str | None) -> None:
    """A customer list that filters or sorts on a computed figure (segment, clv, ...)
    computes them first, as of now (the analytics load only then)."""
    from crmcli.entities import customer_value
    from crmcli.query.parser import parse_filter

    if customer_value.used(parse_filter(terms), sort):
        from crmcli.analytics.customer_value import prepare

        prepare(session)


STDIN_REF = "-"


def ref_texts(given: Sequence[str]) -> list[str]:
    """The REFs of a command acting on several records: as given, with `-` standing for
    those read from stdin, one per line (`crm customer list tag:x --format ids | crm
    customer edit - --tag y`). Blank lines are skipped; no REF at all is an error."""
    from crmcli.kernel.errors import InvalidInput

    if list(given).count(STDIN_REF) > 1:
        raise InvalidInput("'-' (the REFs on stdin) can be given only once")
    texts: list[str] = []
    for text in given:
        if text == STDIN_REF:
            if hasattr(sys.stdin, "reconfigure"):
                sys.stdin.reconfigure(errors="surrogateescape")  # bytes not UTF-8: refused
            texts.extend(line.strip() for line in sys.stdin.read().splitlines() if line.strip())
        else:
            texts.append(text)
    if not texts:
        raise InvalidInput("no REF given: stdin had none")
    return texts


def several(given: Sequence[str]) -> bool:
    """Whether a command was asked about several records (several REFs, or `-`): then its
    output is a list, whatever the number found."""
    return len(given) > 1 or STDIN_REF in given


def refuse_for_several(given: Sequence[str], **options: object) -> None:
    """Options that identify one record (a name, an email) cannot go to several."""
    from crmcli.kernel.errors import InvalidInput

    if not several(given):
        return
    named = [f"--{name.replace('_', '-')}" for name, value in options.items() if value]
    if named:
        raise InvalidInput(f"{', '.join(named)} can change only one record: give one REF")


def resolve_all(session: Session, resolve: Callable, texts: Sequence[str]) -> list:
    """Every REF resolved before anything is written (the first that does not resolve is
    the error, and nothing changes); a record named twice is acted on once."""
    found: dict[int, object] = {}
    for text in texts:
        record = resolve(session, text)
        found.setdefault(record.id, record)
    return list(found.values())


def label_of(record: object) -> str:
    return getattr(record, "name", None) or getattr(record, "title", "") or ""


def soft_delete_command(
    kind: str, resolve: Callable, action: Callable, given: Sequence[str], done: str
) -> None:
    """The body of `rm` and `restore`: every REF resolved, all changed in one transaction
    (all or nothing), then one line per record: `Deleted customer 3: Ada`."""
    texts = ref_texts(given)
    with writing() as session:
        targets = resolve_all(session, resolve, texts)
        messages = [
            f"{done} {kind} {record.id}: {label_of(record)}"
            for record in (action(session, target) for target in targets)
        ]
    for message in messages:
        say(message)


def changed_records(
    kind: str,
    records: Sequence[dict],
    label: str,
    given: Sequence[str],
    detail: Sequence[Column],
    listed: Sequence[Column],
    fmt: str | None,
    as_json: bool,
) -> None:
    """After an edit: one REF as before (the record, or one line); several as a list (the
    records, or one line each)."""
    if not several(given):
        record = records[0]
        changed(f"Updated {kind} {record['id']}: {record[label]}", record, detail, fmt, as_json)
    elif fmt or as_json:
        show_records(records, listed, fmt, as_json)
    else:
        for record in records:
            say(f"Updated {kind} {record['id']}: {record[label]}")
