"""Values for shell completion: names, stages, tags, filter terms and sort keys by prefix.

The faces ask here for what a TAB can offer after what was typed. Every answer is short (at
most `LIMIT` values), comes from an index walk (names are matched as a case-sensitive prefix,
as shells match what they offer), and never fails: no database yet, a locked one, an old
schema, a bad config file or anything else gives no values, because a shell has no way to
show an error and a traceback in the middle of the command line would be worse.

A value is a `Candidate`: the text to insert and an optional description (shown by zsh and
fish). The database is opened read-only in spirit: never created, never migrated
(`store.db.open_existing`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from crmcli.entities import registry
from crmcli.kernel.vocabulary import CHANNELS, DIRECTIONS, PURCHASE_CHANNELS
from crmcli.store import db
from crmcli.store.models import (
    Company,
    Customer,
    Deal,
    FieldValue,
    Interaction,
    Pipeline,
    Product,
    Purchase,
    Reminder,
    Stage,
    Tag,
)

#: The most values one TAB offers.
LIMIT = 50

#: The operators a filter term may use, longest first (as the parser reads them).
OPERATORS = ("!=", ">=", "<=", ":", "=", ">", "<")

#: Fixed values of some filter fields, per record type (`None`: every type).
_STATUS = {"deal": ("open", "won", "lost", "closed"), "reminder": ("open", "done")}
#: Yes-or-no filter fields.
_FLAGS = ("active", "refund")


class Candidate(NamedTuple):
    value: str
    help: str | None = None


# --- without the database -----------------------------------------------------------------


def _matching(values: Iterable[str], prefix: str) -> list[Candidate]:
    return [Candidate(v) for v in values if v.startswith(prefix)][:LIMIT]


def sort_keys(entity: str, prefix: str) -> list[Candidate]:
    """`--sort` values: the type's sort keys, `-KEY` for descending, after the keys already
    given (`name,-cr` offers `name,-created`)."""
    try:
        keys = sorted(registry.listing_of(entity).sorts)
    except Exception:
        return []
    head, _, last = prefix.rpartition(",")
    head = f"{head}," if head or prefix.startswith(",") else ""
    sign = "-" if last.startswith("-") else ""
    given = {k.lstrip("-") for k in head.split(",") if k}
    return _matching((f"{head}{sign}{key}" for key in keys if key not in given), f"{head}{last}")


def channels(prefix: str) -> list[Candidate]:
    return _matching(CHANNELS, prefix)


# --- with the database --------------------------------------------------------------------


def from_database(
    location: str | None, read: Callable[[Session], Sequence[Candidate]]
) -> list[Candidate]:
    """What `read` finds in the database at `location`, or nothing on any error."""
    try:
        store = db.open_existing(location)
        if store is None:
            return []
        try:
            with store.read() as session:
                return list(read(session))[:LIMIT]
        finally:
            store.dispose()
    except Exception:
        return []


def _prefixed(column: Any, prefix: str) -> list[Any]:
    """`column` starts with `prefix` (case-sensitive), as a range an index can walk."""
    if not prefix:
        return [column.is_not(None)]
    return [column >= prefix, column < prefix + "\U0010ffff"]


def _distinct(session: Session, column: Any, prefix: str, *where: Any) -> list[Candidate]:
    query = (
        select(column)
        .where(*_prefixed(column, prefix), *where)
        .distinct()
        .order_by(column)
        .limit(LIMIT)
    )
    return [Candidate(str(v)) for v in session.exec(query) if v != ""]


def _alive(model: Any, deleted: bool) -> Any:
    column = col(model.deleted_at)
    return column.is_not(None) if deleted else column.is_(None)


def names(session: Session, entity: str, prefix: str, *, deleted: bool = False) -> list[Candidate]:
    """Names of customers or companies, titles of deals, SKUs of products (with the name
    beside); the deleted ones for `restore`."""
    if entity == "product":
        query = (
            select(Product.sku, Product.name)
            .where(*_prefixed(col(Product.sku), prefix), _alive(Product, deleted))
            .order_by(col(Product.sku))
            .limit(LIMIT)
        )
        return [Candidate(sku, name) for sku, name in session.exec(query)]
    if entity == "customer":
        return _distinct(session, col(Customer.name), prefix, _alive(Customer, deleted))
    if entity == "company":
        return _distinct(session, col(Company.name), prefix, _alive(Company, deleted))
    if entity == "deal":
        return _distinct(session, col(Deal.title), prefix, _alive(Deal, deleted))
    return []


def categories(session: Session, prefix: str) -> list[Candidate]:
    return _distinct(session, col(Product.category), prefix)


def pipelines(session: Session, prefix: str) -> list[Candidate]:
    return _distinct(session, col(Pipeline.name), prefix)


def stages(
    session: Session, prefix: str, *, pipeline: str | None = None, deal: str | None = None
) -> list[Candidate]:
    """Stage names: of the deal's pipeline, else of `pipeline`, else of the default one;
    every pipeline's when none of these can be told (`stage:` in a filter)."""
    from crmcli.entities import refs

    chosen = None
    if deal:
        found = refs.deal(session, deal, deleted=None)
        chosen = found.pipeline_id
    elif pipeline is not None:
        chosen = refs.pipeline(session, pipeline or None).id
    query = select(Stage.name).where(*_prefixed(col(Stage.name), prefix))
    if chosen is not None:
        query = query.where(col(Stage.pipeline_id) == chosen).order_by(col(Stage.position))
    else:
        query = query.distinct().order_by(col(Stage.name))
    return [Candidate(name) for name in session.exec(query.limit(LIMIT))]


def tags(session: Session, prefix: str, entity: str | None = None) -> list[Candidate]:
    where = [col(Tag.entity) == entity] if entity else []
    return _distinct(session, col(Tag.name), prefix, *where)


def owners(session: Session, prefix: str, entity: str | None = None) -> list[Candidate]:
    columns = {
        "customer": col(Customer.owner),
        "company": col(Company.owner),
        "deal": col(Deal.owner),
    }
    chosen = [columns[entity]] if entity in columns else list(columns.values())
    found: set[str] = set()
    for column in chosen:
        found.update(c.value for c in _distinct(session, column, prefix))
    return [Candidate(v) for v in sorted(found)[:LIMIT]]


def field_keys(session: Session, entity: str, prefix: str) -> list[Candidate]:
    """The custom field keys (`--set KEY=...`) records of this type carry."""
    return _distinct(session, col(FieldValue.key), prefix, col(FieldValue.entity) == entity)


def field_values(session: Session, entity: str, key: str, prefix: str) -> list[Candidate]:
    query = (
        select(FieldValue.value)
        .where(col(FieldValue.entity) == entity, col(FieldValue.key) == key)
        .distinct()
        .limit(500)
    )
    found = set()
    for text in session.exec(query):
        value = json.loads(text)
        shown = value if isinstance(value, str) else json.dumps(value)
        if shown.startswith(prefix):
            found.add(shown)
    return [Candidate(v) for v in sorted(found)[:LIMIT]]


# --- filter terms -------------------------------------------------------------------------


def _split_term(text: str) -> tuple[str, str, str, str] | None:
    """`-tag:vi` as ("-", "tag", ":", "vi"); None when no operator has been typed yet."""
    negated = "-" if text.startswith("-") else ""
    body = text[len(negated) :]
    cut = None
    for index, char in enumerate(body):
        if char in ":=!<>":
            cut = index
            break
    if cut is None:
        return None
    field, rest = body[:cut], body[cut:]
    op = next((o for o in OPERATORS if rest.startswith(o)), rest[:1])
    return negated, field, op, rest[len(op) :]


def _field_value_candidates(
    session: Session, entity: str, field: str, prefix: str
) -> list[Candidate]:
    if field == "tag":
        return tags(session, prefix, entity)
    if field == "owner":
        return owners(session, prefix, entity)
    if field == "by":
        by = {"reminder": col(Reminder.by), "purchase": col(Purchase.by)}
        return _distinct(session, by.get(entity, col(Interaction.by)), prefix)
    if field == "stage":
        return stages(session, prefix)
    if field == "pipeline":
        return pipelines(session, prefix)
    if field in ("customer", "company", "deal", "product"):
        return names(session, field, prefix)
    if field == "category":
        return categories(session, prefix)
    if field == "industry":
        return _distinct(session, col(Company.industry), prefix)
    if field == "currency":
        column = {"product": col(Product.currency), "purchase": col(Purchase.currency)}
        return _distinct(session, column.get(entity, col(Deal.currency)), prefix)
    listing = registry.listing_of(entity)
    if field not in listing.filters and listing.has_fields:
        return field_values(session, entity, field, prefix)
    return []


def filter_terms(location: str | None, entity: str, text: str) -> list[Candidate]:
    """Completions of one filter term of a `list` of `entity`: field names with their `:`
    (`ta` -> `tag:`, `-ta` -> `-tag:`), then values (`tag:v` -> `tag:vip`)."""
    try:
        listing = registry.listing_of(entity)
    except Exception:
        return []
    split = _split_term(text)
    if split is None:
        negated = "-" if text.startswith("-") else ""
        fields = sorted(listing.filters)
        found = _matching((f"{negated}{f}:" for f in fields), text)
        if listing.has_fields:
            custom = from_database(location, lambda s: field_keys(s, entity, text[len(negated) :]))
            found += [
                Candidate(f"{negated}{c.value}:") for c in custom if c.value not in listing.filters
            ]
        return found[:LIMIT]
    negated, field, op, prefix = split
    head = f"{negated}{field}{op}"
    fixed: Sequence[str] | None = None
    if field == "status":
        fixed = _STATUS.get(entity, ())
    elif field == "channel":
        fixed = PURCHASE_CHANNELS if entity == "purchase" else CHANNELS
    elif field in _FLAGS:
        fixed = ("yes", "no")
    elif field == "direction":
        fixed = DIRECTIONS
    if fixed is not None:
        return _matching((f"{head}{v}" for v in fixed), text)
    values = from_database(location, lambda s: _field_value_candidates(s, entity, field, prefix))
    return [Candidate(f"{head}{c.value}", c.help) for c in values]
