"""The building blocks a record type declares its filter fields with.

Each builder turns one filter term (`name:ada`, `created>-30d`) into a SQL clause that an
index can serve. The record-type modules in `crmcli.entities` pick from these; the compiler
in `crmcli.query.compiler` applies them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select

from crmcli.kernel import dates, money, validate
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import FieldValue, Tag

if TYPE_CHECKING:
    from crmcli.query.parser import Term

Clause = sa.ColumnElement[bool]
#: A column as the table models give it: `col(Customer.name)` is typed as a `Mapped`.
Column = sa.ColumnElement[Any] | Mapped[Any]
Builder = Callable[["Term", "Context"], Clause]

EQUALITY = (":", "=", "!=")
ORDERING = (">", ">=", "<", "<=")


@dataclass(frozen=True)
class Context:
    session: Session
    entity: str
    id_column: Column
    now: datetime | None


def compare(column: Column, op: str, value: object) -> Clause:
    return {
        ":": column == value,
        "=": column == value,
        "!=": column != value,
        ">": column > value,
        ">=": column >= value,
        "<": column < value,
        "<=": column <= value,
    }[op]


def need(term: Term, allowed: tuple[str, ...], hint: str) -> None:
    if term.op not in allowed:
        raise InvalidInput(f"bad filter '{term.field}{term.op}{term.value}': {hint}")


def text(column: Column) -> Builder:
    """`name:ada` contains (case-insensitive), `name=Ada` is exact, `name!=Ada` is not."""

    def build(term: Term, _ctx: Context) -> Clause:
        need(term, EQUALITY, f"{term.field} takes :, = or !=")
        lowered = func.lower(column)
        needle = term.value.lower()
        if term.op == ":":
            return lowered.contains(needle, autoescape=True)
        return compare(lowered, term.op, needle)

    return build


def exact(column: Column, *, lower: bool = True) -> Builder:
    """Whole-value match (owner, channel): `owner:alice`, `owner!=bob`."""

    def build(term: Term, _ctx: Context) -> Clause:
        need(term, EQUALITY, f"{term.field} takes :, = or !=")
        value = term.value.lower() if lower else term.value
        return compare(func.lower(column) if lower else column, term.op, value)

    return build


def number(column: Column) -> Builder:
    def build(term: Term, _ctx: Context) -> Clause:
        try:
            value = int(term.value)
        except ValueError:
            raise InvalidInput(
                f"bad filter '{term.field}{term.op}{term.value}': {term.field} takes a whole number"
            ) from None
        return compare(column, term.op, validate.within_integer_range(value, "number"))

    return build


def moment(column: Column) -> Builder:
    """Datetimes: `created>-30d`, `due<today`; `due:today` means within that local day."""

    def build(term: Term, ctx: Context) -> Clause:
        when = dates.parse_when(term.value, ctx.now)
        if term.op in EQUALITY:
            day = dates.local(when).replace(hour=0, minute=0, second=0, microsecond=0)
            start = dates.to_utc(day)
            end = dates.to_utc(day + timedelta(days=1))
            inside = sa.and_(column >= start, column < end)
            return sa.not_(inside) if term.op == "!=" else inside
        return compare(column, term.op, when)

    return build


def day(column: Column) -> Builder:
    """Calendar dates (a deal's close date): `close<eom`, `close:2026-12-31`."""

    def build(term: Term, ctx: Context) -> Clause:
        value: date = dates.parse_date(term.value, ctx.now)
        return compare(column, term.op, value)

    return build


def tag(term: Term, ctx: Context) -> Clause:
    need(term, (":", "="), "use tag:NAME, or -tag:NAME to exclude")
    tagged = select(Tag.entity_id).where(Tag.entity == ctx.entity, Tag.name == term.value.lower())
    return ctx.id_column.in_(tagged)


def linked(column: Column, model, name_column: Column) -> Builder:
    """A link by id or by (part of) the linked record's name: `company:acme`, `customer:12`."""

    def build(term: Term, _ctx: Context) -> Clause:
        need(term, EQUALITY, f"{term.field} takes an id or a name: {term.field}:acme")
        if term.value.isascii() and term.value.isdigit():
            clause = column == validate.within_integer_range(int(term.value), "id")
        else:
            names = select(model.id).where(
                func.lower(name_column).contains(term.value.lower(), autoescape=True)
            )
            clause = column.in_(names)
        return sa.not_(clause) if term.op == "!=" else clause

    return build


def custom_field(term: Term, ctx: Context) -> Clause:
    """`income>50000` compares numbers; `plan:gold` matches text (contains), `plan=gold` exact."""
    base = select(FieldValue.entity_id).where(
        FieldValue.entity == ctx.entity, FieldValue.key == term.field
    )
    if term.op in ORDERING:
        try:
            limit = float(term.value)
        except ValueError:
            raise InvalidInput(
                f"bad filter '{term.field}{term.op}{term.value}': {term.op} needs a number"
            ) from None
        return ctx.id_column.in_(base.where(compare(col(FieldValue.num), term.op, limit)))
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


def amount(minor: Column, currency: Column) -> Builder:
    """`value>5000` in major units on a minor-unit column, exact for every currency."""

    def build(term: Term, _ctx: Context) -> Clause:
        need(term, (*EQUALITY, *ORDERING), f"use {term.field}>AMOUNT, e.g. {term.field}>5000")
        given = money.to_decimal(term.value)
        groups = money.currencies_by_exponent()
        special = [code for codes in groups.values() for code in codes]
        clauses = [sa.and_(currency.not_in(special), compare(minor, term.op, given.scaleb(2)))]
        for exp, codes in groups.items():
            clauses.append(sa.and_(currency.in_(codes), compare(minor, term.op, given.scaleb(exp))))
        return sa.or_(*clauses)

    return build
