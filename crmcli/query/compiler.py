"""The filter language compiled to SQL: one place for `list`, `search` and the TUI's filter box.

Each entity declares the fields a user may filter and sort on. A term on an unknown field
is an error unless it names a custom field already in use for that entity; bare words and
phrases go to the full-text index. Every clause is written so an index can serve it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlmodel import Session, col, func, select

from crmcli.kernel import dates, money, validate
from crmcli.kernel.errors import InvalidInput
from crmcli.query.parser import Filter, Term, parse_filter
from crmcli.store import attributes, search_index
from crmcli.store.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Deal,
    FieldValue,
    Interaction,
    Pipeline,
    Reminder,
    Stage,
    Tag,
)

Clause = sa.ColumnElement[bool]
Builder = Callable[[Term, "Context"], Clause]

_EQUALITY = (":", "=", "!=")
_ORDERING = (">", ">=", "<", "<=")


@dataclass(frozen=True)
class Context:
    session: Session
    entity: str
    id_column: sa.ColumnElement
    now: datetime | None


def _compare(column: sa.ColumnElement, op: str, value: object) -> Clause:
    return {
        ":": column == value,
        "=": column == value,
        "!=": column != value,
        ">": column > value,
        ">=": column >= value,
        "<": column < value,
        "<=": column <= value,
    }[op]


def _need(term: Term, allowed: tuple[str, ...], hint: str) -> None:
    if term.op not in allowed:
        raise InvalidInput(f"bad filter '{term.field}{term.op}{term.value}': {hint}")


def text(column: sa.ColumnElement) -> Builder:
    """`name:ada` contains (case-insensitive), `name=Ada` is exact, `name!=Ada` is not."""

    def build(term: Term, _ctx: Context) -> Clause:
        _need(term, _EQUALITY, f"{term.field} takes :, = or !=")
        lowered = func.lower(column)
        needle = term.value.lower()
        if term.op == ":":
            return lowered.contains(needle, autoescape=True)
        return _compare(lowered, term.op, needle)

    return build


def exact(column: sa.ColumnElement, *, lower: bool = True) -> Builder:
    """Whole-value match (owner, channel): `owner:alice`, `owner!=bob`."""

    def build(term: Term, _ctx: Context) -> Clause:
        _need(term, _EQUALITY, f"{term.field} takes :, = or !=")
        value = term.value.lower() if lower else term.value
        return _compare(func.lower(column) if lower else column, term.op, value)

    return build


def number(column: sa.ColumnElement) -> Builder:
    def build(term: Term, _ctx: Context) -> Clause:
        try:
            value = int(term.value)
        except ValueError:
            raise InvalidInput(
                f"bad filter '{term.field}{term.op}{term.value}': {term.field} takes a whole number"
            ) from None
        return _compare(column, term.op, validate.within_integer_range(value, "number"))

    return build


def deal_value(term: Term, _ctx: Context) -> Clause:
    """`value>5000` in major units, exact for every currency's minor unit."""
    amount = money.to_decimal(term.value)
    groups = money.currencies_by_exponent()
    special = [code for codes in groups.values() for code in codes]
    currency = col(Deal.currency)
    minor = col(Deal.value_minor)
    clauses = [sa.and_(currency.not_in(special), _compare(minor, term.op, amount.scaleb(2)))]
    for exp, codes in groups.items():
        clauses.append(sa.and_(currency.in_(codes), _compare(minor, term.op, amount.scaleb(exp))))
    return sa.or_(*clauses)


def moment(column: sa.ColumnElement) -> Builder:
    """Datetimes: `created>-30d`, `due<today`; `due:today` means within that local day."""

    def build(term: Term, ctx: Context) -> Clause:
        when = dates.parse_when(term.value, ctx.now)
        if term.op in _EQUALITY:
            day = dates.local(when).replace(hour=0, minute=0, second=0, microsecond=0)
            start = dates.to_utc(day)
            end = dates.to_utc(day + timedelta(days=1))
            inside = sa.and_(column >= start, column < end)
            return sa.not_(inside) if term.op == "!=" else inside
        return _compare(column, term.op, when)

    return build


def day(column: sa.ColumnElement) -> Builder:
    """Calendar dates (a deal's close date): `close<eom`, `close:2026-12-31`."""

    def build(term: Term, ctx: Context) -> Clause:
        value: date = dates.parse_date(term.value, ctx.now)
        return _compare(column, term.op, value)

    return build


def tag(term: Term, ctx: Context) -> Clause:
    _need(term, (":", "="), "use tag:NAME, or -tag:NAME to exclude")
    tagged = select(Tag.entity_id).where(Tag.entity == ctx.entity, Tag.name == term.value.lower())
    return ctx.id_column.in_(tagged)


def linked(column: sa.ColumnElement, model, name_column: sa.ColumnElement) -> Builder:
    """A link by id or by (part of) the linked record's name: `company:acme`, `customer:12`."""

    def build(term: Term, _ctx: Context) -> Clause:
        _need(term, _EQUALITY, f"{term.field} takes an id or a name: {term.field}:acme")
        if term.value.isascii() and term.value.isdigit():
            clause = column == validate.within_integer_range(int(term.value), "id")
        else:
            names = select(model.id).where(
                func.lower(name_column).contains(term.value.lower(), autoescape=True)
            )
            clause = column.in_(names)
        return sa.not_(clause) if term.op == "!=" else clause

    return build


def stage_name(term: Term, _ctx: Context) -> Clause:
    _need(term, _EQUALITY, "use stage:NAME, e.g. stage:proposal")
    clause = col(Deal.stage_id).in_(
        select(Stage.id).where(func.lower(Stage.name) == term.value.lower())
    )
    return sa.not_(clause) if term.op == "!=" else clause


def deal_status(term: Term, _ctx: Context) -> Clause:
    _need(term, _EQUALITY, "use status:open, status:won or status:lost")
    kind = term.value.lower()
    if kind not in ("open", "won", "lost", "closed"):
        raise InvalidInput(f"unknown status '{term.value}': use open, won, lost or closed")
    kinds = ["won", "lost"] if kind == "closed" else [kind]
    clause = col(Deal.stage_id).in_(select(Stage.id).where(col(Stage.kind).in_(kinds)))
    return sa.not_(clause) if term.op == "!=" else clause


def reminder_status(term: Term, _ctx: Context) -> Clause:
    _need(term, _EQUALITY, "use status:open or status:done")
    kind = term.value.lower()
    if kind not in ("open", "done"):
        raise InvalidInput(f"unknown status '{term.value}': use open or done")
    clause = (
        col(Reminder.done_at).is_(None) if kind == "open" else col(Reminder.done_at).is_not(None)
    )
    return sa.not_(clause) if term.op == "!=" else clause


def customer_email(term: Term, _ctx: Context) -> Clause:
    _need(term, _EQUALITY, "use email:PART or email=ADDRESS")
    needle = term.value.lower()
    match = (
        col(CustomerEmail.email).contains(needle, autoescape=True)
        if term.op == ":"
        else col(CustomerEmail.email) == needle
    )
    clause = col(Customer.id).in_(select(CustomerEmail.customer_id).where(match))
    return sa.not_(clause) if term.op == "!=" else clause


def customer_phone(term: Term, _ctx: Context) -> Clause:
    _need(term, (":", "="), "use phone:PART")
    return col(Customer.id).in_(
        select(CustomerPhone.customer_id).where(
            col(CustomerPhone.phone).contains(term.value, autoescape=True)
        )
    )


def custom_field(term: Term, ctx: Context) -> Clause:
    """`income>50000` compares numbers; `plan:gold` matches text (contains), `plan=gold` exact."""
    base = select(FieldValue.entity_id).where(
        FieldValue.entity == ctx.entity, FieldValue.key == term.field
    )
    if term.op in _ORDERING:
        try:
            limit = float(term.value)
        except ValueError:
            raise InvalidInput(
                f"bad filter '{term.field}{term.op}{term.value}': {term.op} needs a number"
            ) from None
        return ctx.id_column.in_(base.where(_compare(col(FieldValue.num), term.op, limit)))
    try:
        as_number: float | None = float(term.value)
    except ValueError:
        as_number = None
    if term.op == ":":
        match = func.lower(FieldValue.value).contains(term.value.lower(), autoescape=True)
    else:
        match = col(FieldValue.value) == json.dumps(term.value, ensure_ascii=False)
    if as_number is not None:
        # 52000 matches the number 52000; "007" still matches the text "007".
        match = sa.or_(col(FieldValue.num) == as_number, match)
    clause = ctx.id_column.in_(base.where(match))
    return sa.not_(clause) if term.op == "!=" else clause


@dataclass(frozen=True)
class EntitySpec:
    model: type
    filters: dict[str, Builder]
    sorts: dict[str, sa.ColumnElement]
    default_sort: tuple[str, ...]
    has_fields: bool


SPECS: dict[str, EntitySpec] = {
    "customer": EntitySpec(
        Customer,
        {
            "id": number(col(Customer.id)),
            "name": text(col(Customer.name)),
            "email": customer_email,
            "phone": customer_phone,
            "company": linked(col(Customer.company_id), Company, col(Company.name)),
            "title": text(col(Customer.title)),
            "owner": exact(col(Customer.owner)),
            "tag": tag,
            "notes": text(col(Customer.notes)),
            "created": moment(col(Customer.created_at)),
            "updated": moment(col(Customer.updated_at)),
        },
        {
            "id": col(Customer.id),
            "name": col(Customer.name),
            "created": col(Customer.created_at),
            "updated": col(Customer.updated_at),
            "owner": col(Customer.owner),
        },
        ("name", "id"),
        True,
    ),
    "company": EntitySpec(
        Company,
        {
            "id": number(col(Company.id)),
            "name": text(col(Company.name)),
            "domain": text(col(Company.domain)),
            "industry": exact(col(Company.industry)),
            "owner": exact(col(Company.owner)),
            "tag": tag,
            "notes": text(col(Company.notes)),
            "created": moment(col(Company.created_at)),
            "updated": moment(col(Company.updated_at)),
        },
        {
            "id": col(Company.id),
            "name": col(Company.name),
            "created": col(Company.created_at),
            "updated": col(Company.updated_at),
        },
        ("name", "id"),
        True,
    ),
    "deal": EntitySpec(
        Deal,
        {
            "id": number(col(Deal.id)),
            "title": text(col(Deal.title)),
            "customer": linked(col(Deal.customer_id), Customer, col(Customer.name)),
            "company": linked(col(Deal.company_id), Company, col(Company.name)),
            "pipeline": linked(col(Deal.pipeline_id), Pipeline, col(Pipeline.name)),
            "stage": stage_name,
            "status": deal_status,
            "value": deal_value,
            "currency": exact(col(Deal.currency)),
            "close": day(col(Deal.close_date)),
            "owner": exact(col(Deal.owner)),
            "tag": tag,
            "created": moment(col(Deal.created_at)),
            "updated": moment(col(Deal.updated_at)),
            "reason": text(col(Deal.lost_reason)),
        },
        {
            "id": col(Deal.id),
            "title": col(Deal.title),
            "value": col(Deal.value_minor),
            "close": col(Deal.close_date),
            "created": col(Deal.created_at),
            "updated": col(Deal.updated_at),
            "stage": col(Deal.stage_id),
        },
        ("id",),
        True,
    ),
    "interaction": EntitySpec(
        Interaction,
        {
            "id": number(col(Interaction.id)),
            "customer": linked(col(Interaction.customer_id), Customer, col(Customer.name)),
            "deal": linked(col(Interaction.deal_id), Deal, col(Deal.title)),
            "channel": exact(col(Interaction.channel)),
            "direction": exact(col(Interaction.direction)),
            "at": moment(col(Interaction.occurred_at)),
            "by": exact(col(Interaction.by)),
            "summary": text(col(Interaction.summary)),
            "created": moment(col(Interaction.created_at)),
        },
        {
            "id": col(Interaction.id),
            "at": col(Interaction.occurred_at),
            "channel": col(Interaction.channel),
            "created": col(Interaction.created_at),
        },
        ("-at", "-id"),
        False,
    ),
    "reminder": EntitySpec(
        Reminder,
        {
            "id": number(col(Reminder.id)),
            "customer": linked(col(Reminder.customer_id), Customer, col(Customer.name)),
            "deal": linked(col(Reminder.deal_id), Deal, col(Deal.title)),
            "due": moment(col(Reminder.due_at)),
            "status": reminder_status,
            "by": exact(col(Reminder.by)),
            "text": text(col(Reminder.text)),
            "created": moment(col(Reminder.created_at)),
        },
        {
            "id": col(Reminder.id),
            "due": col(Reminder.due_at),
            "created": col(Reminder.created_at),
        },
        ("due", "id"),
        False,
    ),
}


def field_names(entity: str) -> list[str]:
    return sorted(SPECS[entity].filters)


def where_clauses(
    session: Session, entity: str, flt: Filter | str | list[str], now: datetime | None = None
) -> list[Clause]:
    """The WHERE clauses for a filter on one entity; raises InvalidInput on a bad term."""
    if not isinstance(flt, Filter):
        flt = parse_filter(flt)
    spec = SPECS[entity]
    ctx = Context(session, entity, col(spec.model.id), now)
    clauses: list[Clause] = []
    for term in flt.terms:
        builder = spec.filters.get(term.field)
        if builder is None:
            if spec.has_fields and attributes.field_key_exists(session, entity, term.field):
                builder = custom_field
            else:
                known = ", ".join(field_names(entity))
                raise InvalidInput(
                    f"unknown field '{term.field}' for {entity}s: use {known}, "
                    "or a custom field already set with --set"
                )
        clause = builder(term, ctx)
        clauses.append(sa.not_(sa.func.coalesce(clause, False)) if term.negate else clause)
    if flt.words:
        clauses.append(text_match(session, entity, list(flt.words)))
    return clauses


#: The text a word is looked for in where there is no full-text index.
_TITLES = {
    "customer": col(Customer.name),
    "company": col(Company.name),
    "deal": col(Deal.title),
    "interaction": col(Interaction.summary),
    "reminder": col(Reminder.text),
}


def text_match(session: Session, entity: str, words: list[str]) -> Clause:
    """Full-text words: FTS5 on SQLite, a LIKE on the record's title elsewhere."""
    spec = SPECS[entity]
    if search_index.available(session):
        subquery = search_index.matching_ids(entity, words)
        if subquery is None:
            return sa.true()
        return col(spec.model.id).in_(subquery)
    title = _TITLES[entity]
    return sa.and_(*(func.lower(title).contains(w.lower(), autoescape=True) for w in words))


def driven_by_text(session: Session, entity: str, flt: Filter) -> bool:
    """Whether a list should start from the full-text hits rather than from its sort index.

    SQLite's planner cannot tell how many records a full-text match keeps. Left alone it
    walks the sort index (`deleted_at, name`) and tests each record against the hits: quick
    when most records match, a scan of the table when few do ("Freya Smit" among a million
    customers: 58 ms instead of 3). So the hits are counted (up to a cap) and, when few, the
    list looks them up by id and sorts them; see `unindexed`.
    """
    return (
        bool(flt.words)
        and search_index.available(session)
        and search_index.has_few_hits(session, entity, list(flt.words))
    )


def unindexed(column: sa.ColumnElement) -> sa.ColumnElement:
    """The column behind SQLite's unary `+`: the same value, but no index may serve it.

    Used only where the full-text index exists, i.e. on SQLite.
    """
    return sa.UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def order_by(entity: str, sort: str | None, *, use_index: bool = True) -> list[sa.ColumnElement]:
    """`--sort name`, `--sort -created` (newest first); the id breaks ties.

    `use_index=False` keeps the planner from reading the rows in sort order through an index
    (see `driven_by_text`); the id tie-breaker is the rowid and stays as it is.
    """
    spec = SPECS[entity]
    keys = [k.strip() for k in sort.split(",")] if sort else list(spec.default_sort)
    columns = []
    for key in keys:
        descending = key.startswith("-")
        name = key.lstrip("-+").lower()
        column = spec.sorts.get(name)
        if column is None:
            raise InvalidInput(
                f"cannot sort {entity}s by '{key}': use {', '.join(sorted(spec.sorts))} "
                "(prefix - for descending)"
            )
        if not use_index:
            column = unindexed(column)
        columns.append(column.desc() if descending else column.asc())
    if not any(k.lstrip("-+").lower() == "id" for k in keys):
        columns.append(col(spec.model.id).asc())
    return columns


def validate_limit(limit: int | None) -> int | None:
    """0 or None means no limit; negative numbers are an error."""
    if limit is None or limit == 0:
        return None
    if limit < 0:
        raise InvalidInput(f"invalid --limit {limit}: use a number >= 0 (0 = no limit)")
    return validate.within_integer_range(limit, "--limit")
