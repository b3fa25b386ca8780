"""A customer's computed figures as filter fields and sort keys: `segment:at-risk`,
`p_alive<0.3`, `margin>1000`, `rfm:5*`, `--sort -clv`.

The figures are never stored: they depend on every purchase and on the day, so a stored
copy would go stale after any write. A command whose filter or sort names one of them asks
`crmcli.analytics.customer_value.prepare` first, which computes the figures of every
customer as of now into the connection's temporary table `customer_value` (this module
declares it, in a metadata of its own so migrations never see it); the builders below
read that table. Without it, such a term is an error, not an empty list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from crmcli.entities import filters
from crmcli.kernel.errors import InvalidInput

if TYPE_CHECKING:
    from crmcli.query.parser import Filter, Term

TABLE = sa.Table(
    "customer_value",
    sa.MetaData(),
    sa.Column("customer_id", sa.Integer, primary_key=True),
    sa.Column("currency", sa.String),
    sa.Column("segment", sa.String),
    sa.Column("rfm", sa.String),
    sa.Column("recency", sa.Integer),
    sa.Column("frequency", sa.Integer),
    sa.Column("revenue", sa.Float),
    sa.Column("margin", sa.Float),
    sa.Column("p_alive", sa.Float),
    sa.Column("clv", sa.Float),
    sa.Column("preferred_channel", sa.String),
    prefixes=["TEMPORARY"],
)

#: Figure fields: (column, kind). Amounts are in major units of the customer's currency.
NUMBERS = ("recency", "frequency", "revenue", "margin", "p_alive", "clv")
WORDS = ("segment", "preferred_channel", "currency")
FIELDS = (*NUMBERS, *WORDS, "rfm")


def _of_customer(id_column: filters.Column, clause: sa.ColumnElement[bool]) -> filters.Clause:
    return id_column.in_(sa.select(TABLE.c.customer_id).where(clause))


def number(name: str) -> filters.Builder:
    column = TABLE.c[name]

    def build(term: Term, ctx: filters.Context) -> filters.Clause:
        try:
            value = float(term.value)
        except ValueError:
            raise InvalidInput(
                f"bad filter '{term.field}{term.op}{term.value}': {name} takes a number"
            ) from None
        return _of_customer(ctx.id_column, filters.compare(column, term.op, value))

    return build


def word(name: str) -> filters.Builder:
    """`segment:at-risk` (spaces or dashes alike: `at risk`), `preferred_channel:email`."""
    column = TABLE.c[name]

    def build(term: Term, ctx: filters.Context) -> filters.Clause:
        filters.need(term, filters.EQUALITY, f"{name} takes :, = or !=")
        value = term.value.strip().lower().replace("-", " ").replace("_", " ")
        stored = sa.func.lower(sa.func.replace(column, "_", " "))
        return _of_customer(ctx.id_column, filters.compare(stored, term.op, value))

    return build


def rfm_code(term: Term, ctx: filters.Context) -> filters.Clause:
    """`rfm:555`, `rfm:5*` (recency 5, any F and M), `rfm:?5?`: digits 1-5, `*` and `?`."""
    filters.need(term, filters.EQUALITY, "use rfm:555, rfm:5* or rfm:?5?")
    pattern = term.value.strip()
    if not pattern or any(ch not in "12345*?" for ch in pattern):
        raise InvalidInput(
            f"bad filter 'rfm:{term.value}': use digits 1-5 with * (any) and ? (one), e.g. 5*"
        )
    like = pattern.replace("*", "%").replace("?", "_")
    column = TABLE.c.rfm
    clause = column.like(like) if ("%" in like or "_" in like) else column == like
    if term.op == "!=":
        clause = sa.not_(clause)
    return _of_customer(ctx.id_column, clause)


def filters_for() -> dict[str, filters.Builder]:
    built: dict[str, filters.Builder] = {name: number(name) for name in NUMBERS}
    built.update({name: word(name) for name in WORDS})
    built["rfm"] = rfm_code
    return built


def sort_keys(id_column: filters.Column) -> dict[str, sa.ColumnElement]:
    """Sort keys reading the figure of the row's customer (customers with none sort last)."""
    keys: dict[str, sa.ColumnElement] = {}
    for name in (*NUMBERS, "segment", "rfm"):
        keys[name] = (
            sa.select(TABLE.c[name]).where(TABLE.c.customer_id == id_column).scalar_subquery()
        )
    return keys


def used(flt: Filter, sort: str | None = None) -> bool:
    """Whether a filter or a `--sort` names a computed figure."""
    wanted = set(FIELDS)
    if sort and any(key.strip().lstrip("+-").lower() in wanted for key in sort.split(",")):
        return True
    return any(term.field in wanted for term in flt.terms)
