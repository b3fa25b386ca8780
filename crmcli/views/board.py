"""The funnel board as data: one column per stage, with totals, and the first cards of each.

This is what the TUI's board shows, computed here so any face can use it (no UI imports,
no display text: `crmcli.present.board` words the figures):

- `load_board` gives every stage of a pipeline in board order (open stages by position, then
  won, then lost) with the number of deals, their total and weighted value per currency and
  how many are rotting, all by SQL aggregates (never by loading every deal), plus the first
  `per_column_limit` cards of each stage. `load_cards` pages further down one column.
- `Column.without` / `Column.with_card` adjust a column's figures for an optimistic move,
  before the database has answered.
- `find` backs "jump to a customer or deal by typing part of its name".

The rules for the stage order and the previous / next step live in `entities.stages`; the
move itself is `services.deals.move_by_id`.

Cards are ordered by how recently they entered their stage (newest first), so a deal that
was just moved or created shows at the top of its column.

Why this file is long (about 470 lines): the board's read model is one piece (stages, columns,
cards, paging, the optimistic-move arithmetic and `find`), and its queries are aggregates
that belong next to the shapes they fill.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from crmcli.entities import refs
from crmcli.entities.stages import board_order
from crmcli.kernel import validate
from crmcli.kernel.dates import to_utc
from crmcli.kernel.errors import NotFound
from crmcli.query import compiler as query
from crmcli.store.models import Customer, Deal, Pipeline, Stage, id_of, utcnow

__all__ = [
    "DEFAULT_CARDS",
    "Board",
    "Card",
    "Column",
    "CurrencyTotal",
    "PipelineInfo",
    "StageInfo",
    "Target",
    "find",
    "load_board",
    "load_cards",
    "pipelines",
]

#: Cards loaded per column at first; more are paged in with `load_cards`.
DEFAULT_CARDS = 30


@dataclass(frozen=True)
class StageInfo:
    id: int
    name: str
    kind: str
    probability: int
    rotting_days: int | None
    position: int

    @classmethod
    def of(cls, stage: Stage) -> StageInfo:
        return cls(
            id_of(stage),
            stage.name,
            stage.kind,
            stage.probability,
            stage.rotting_days,
            stage.position,
        )


@dataclass(frozen=True)
class PipelineInfo:
    id: int
    name: str
    is_default: bool


@dataclass(frozen=True)
class CurrencyTotal:
    """The deals of one column in one currency: how many, their total and weighted value."""

    currency: str
    count: int
    total_minor: int
    weighted_minor: int


@dataclass(frozen=True)
class Card:
    """One deal as the board shows it."""

    deal_id: int
    title: str
    customer_id: int
    customer: str
    value_minor: int
    currency: str
    stage_id: int
    stage_changed_at: datetime
    owner: str | None
    days_in_stage: int
    in_stage: timedelta  # how long it had sat in its stage when loaded
    rotting: bool


def weighted(value_minor: int, probability: int) -> int:
    """A deal's weighted value, rounded down to the minor unit (as `deal_records` does)."""
    return value_minor * probability // 100


def _sorted_totals(totals: Iterable[CurrencyTotal]) -> tuple[CurrencyTotal, ...]:
    """Most deals first, then the larger total, then the code: the first is the main one."""
    return tuple(sorted(totals, key=lambda t: (-t.count, -t.total_minor, t.currency)))


@dataclass(frozen=True)
class Column:
    stage: StageInfo
    count: int = 0
    totals: tuple[CurrencyTotal, ...] = ()
    rotting: int = 0
    cards: tuple[Card, ...] = ()

    @property
    def more(self) -> int:
        """Deals of this column not loaded yet."""
        return max(0, self.count - len(self.cards))

    @property
    def mixed(self) -> bool:
        return len(self.totals) > 1

    def index_of(self, deal_id: int) -> int | None:
        for index, card in enumerate(self.cards):
            if card.deal_id == deal_id:
                return index
        return None

    def without(self, deal_id: int) -> Column:
        """This column after one of its loaded cards left it."""
        index = self.index_of(deal_id)
        if index is None:
            return self
        card = self.cards[index]
        return dataclasses.replace(
            self,
            count=max(0, self.count - 1),
            totals=self._adjusted(card, -1),
            rotting=max(0, self.rotting - (1 if card.rotting else 0)),
            cards=self.cards[:index] + self.cards[index + 1 :],
        )

    def with_card(self, card: Card, *, index: int = 0, now: datetime | None = None) -> Column:
        """This column after `card` arrived (at `index`, the top by default, as a fresh move)."""
        moved = dataclasses.replace(
            card,
            stage_id=self.stage.id,
            stage_changed_at=now or card.stage_changed_at,
            days_in_stage=0 if now else card.days_in_stage,
            in_stage=timedelta(0) if now else card.in_stage,
            rotting=False if now else _is_rotting(self.stage, card.days_in_stage),
        )
        cards = list(self.cards)
        cards.insert(max(0, min(index, len(cards))), moved)
        return dataclasses.replace(
            self,
            count=self.count + 1,
            totals=self._adjusted(moved, +1),
            rotting=self.rotting + (1 if moved.rotting else 0),
            cards=tuple(cards),
        )

    def extended(self, cards: Iterable[Card]) -> Column:
        """This column with a further page of cards (ones already shown are skipped)."""
        known = {c.deal_id for c in self.cards}
        fresh = tuple(c for c in cards if c.deal_id not in known)
        return dataclasses.replace(self, cards=self.cards + fresh)

    def _adjusted(self, card: Card, sign: int) -> tuple[CurrencyTotal, ...]:
        by_currency = {t.currency: t for t in self.totals}
        current = by_currency.get(card.currency, CurrencyTotal(card.currency, 0, 0, 0))
        updated = CurrencyTotal(
            card.currency,
            current.count + sign,
            current.total_minor + sign * card.value_minor,
            current.weighted_minor + sign * weighted(card.value_minor, self.stage.probability),
        )
        if updated.count <= 0:
            by_currency.pop(card.currency, None)
        else:
            by_currency[card.currency] = updated
        return _sorted_totals(by_currency.values())


@dataclass(frozen=True)
class Board:
    pipeline: PipelineInfo
    columns: tuple[Column, ...]
    filter_text: str = ""
    now: datetime | None = None
    pipelines: tuple[PipelineInfo, ...] = field(default=())

    @property
    def stages(self) -> list[StageInfo]:
        return [c.stage for c in self.columns]

    @property
    def deal_count(self) -> int:
        return sum(c.count for c in self.columns)

    def column(self, stage_id: int) -> Column | None:
        return next((c for c in self.columns if c.stage.id == stage_id), None)

    def find_card(self, deal_id: int) -> tuple[Column, Card] | None:
        for column in self.columns:
            index = column.index_of(deal_id)
            if index is not None:
                return column, column.cards[index]
        return None

    def stage_of_kind(self, kind: str) -> StageInfo | None:
        return next((c.stage for c in self.columns if c.stage.kind == kind), None)

    def replace_column(self, column: Column) -> Board:
        return dataclasses.replace(
            self,
            columns=tuple(column if c.stage.id == column.stage.id else c for c in self.columns),
        )

    def put(self, card: Card, *, index: int = 0) -> Board:
        """The board with `card`, as given, at `index` of its stage's column, wherever it
        was shown before: how a failed optimistic move is undone."""
        found = self.find_card(card.deal_id)
        board = self if found is None else self.replace_column(found[0].without(card.deal_id))
        column = board.column(card.stage_id)
        if column is None:
            return board
        return board.replace_column(column.with_card(card, index=index))

    def moved(self, deal_id: int, to_stage_id: int, now: datetime | None = None) -> Board:
        """The board after an optimistic move of a loaded card (same board if not loaded)."""
        found = self.find_card(deal_id)
        target = self.column(to_stage_id)
        if found is None or target is None or found[0].stage.id == to_stage_id:
            return self
        source, card = found
        board = self.replace_column(source.without(deal_id))
        return board.replace_column(target.with_card(card, now=now or utcnow()))


@dataclass(frozen=True)
class Target:
    """Something to jump to from the command palette."""

    kind: str  # "customer" or "deal"
    id: int
    label: str
    detail: str
    customer_id: int


def _rotting_age(days: int) -> timedelta:
    """How long a deal waits in a stage before it rots. A database an earlier crm wrote may
    hold more days than `validate.rotting_days` takes: as many as `datetime` can subtract."""
    return timedelta(days=min(days, validate.MAX_ROTTING_DAYS) + 1)


def _is_rotting(stage: StageInfo, days: int) -> bool:
    return (
        stage.kind == "open"
        and stage.rotting_days is not None
        and days > min(stage.rotting_days, validate.MAX_ROTTING_DAYS)
    )


def pipelines(session: Session) -> list[PipelineInfo]:
    rows = session.exec(select(Pipeline).order_by(col(Pipeline.is_default).desc(), Pipeline.name))
    return [PipelineInfo(id_of(p), p.name, p.is_default) for p in rows]


def _deal_scope(
    session: Session, pipeline_id: int, filter_text: str, now: datetime
) -> list[sa.ColumnElement[bool]]:
    clauses = query.where_clauses(session, "deal", filter_text or "", now) if filter_text else []
    return [
        col(Deal.pipeline_id) == pipeline_id,
        col(Deal.deleted_at).is_(None),
        *clauses,
    ]


def load_board(
    session: Session,
    pipeline_ref: str | int | None = None,
    filter_text: str = "",
    per_column_limit: int = DEFAULT_CARDS,
    *,
    limits: Mapping[int, int] | None = None,
    now: datetime | None = None,
) -> Board:
    """The board of a pipeline (default: the default one), narrowed by a filter.

    `limits` asks for more cards in some columns (stage id -> count), e.g. to keep what a
    user has scrolled through when the board reloads. Raises InvalidInput for a bad filter
    and NotFound for an unknown pipeline.
    """
    now = to_utc(now) if now is not None else utcnow()
    chosen = refs.pipeline(session, None if pipeline_ref is None else str(pipeline_ref))
    chosen_id = id_of(chosen)
    info = PipelineInfo(chosen_id, chosen.name, chosen.is_default)
    stages = [
        StageInfo.of(s)
        for s in board_order(session.exec(select(Stage).where(Stage.pipeline_id == chosen_id)))
    ]
    scope = _deal_scope(session, chosen_id, filter_text, now)

    totals: dict[int, list[CurrencyTotal]] = {s.id: [] for s in stages}
    weighted_sum = func.sum((col(Deal.value_minor) * col(Stage.probability)) // 100)
    # `select()` is typed for at most four columns; wider ones build `Select` (what `select`
    # returns) directly, declaring the row type.
    figures: Select[int, str, int, int, int] = Select(
        col(Deal.stage_id),
        col(Deal.currency),
        func.count(),
        func.coalesce(func.sum(Deal.value_minor), 0),
        func.coalesce(weighted_sum, 0),
    )
    aggregate = (
        figures.join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(*scope)
        .group_by(col(Deal.stage_id), col(Deal.currency))
    )
    for stage_id, currency, count, total, weight in session.exec(aggregate):
        if stage_id in totals:
            totals[stage_id].append(CurrencyTotal(currency, count, int(total), int(weight)))

    rotting: dict[int, int] = {}
    rotting_stages = [s for s in stages if s.kind == "open" and s.rotting_days is not None]
    if rotting_stages:
        condition = sa.or_(
            *(
                sa.and_(
                    col(Deal.stage_id) == s.id,
                    col(Deal.stage_changed_at) <= now - _rotting_age(days),
                )
                for s in rotting_stages
                if (days := s.rotting_days) is not None  # always: chosen for it above
            )
        )
        rows = session.exec(
            select(Deal.stage_id, func.count())
            .where(*scope, condition)
            .group_by(col(Deal.stage_id))
        )
        rotting = dict(rows.all())

    columns = []
    for stage in stages:
        wanted = max(per_column_limit, (limits or {}).get(stage.id, 0))
        stage_totals = _sorted_totals(totals[stage.id])
        count = sum(t.count for t in stage_totals)
        cards = (
            _cards(session, stage, scope, now, offset=0, limit=wanted) if count and wanted else []
        )
        columns.append(Column(stage, count, stage_totals, rotting.get(stage.id, 0), tuple(cards)))
    return Board(
        info,
        tuple(columns),
        filter_text=filter_text,
        now=now,
        pipelines=tuple(pipelines(session)),
    )


def load_cards(
    session: Session,
    pipeline_id: int,
    stage_id: int,
    filter_text: str = "",
    *,
    offset: int = 0,
    limit: int = DEFAULT_CARDS,
    now: datetime | None = None,
) -> list[Card]:
    """One page of a column's cards, for loading more as the user scrolls down."""
    now = to_utc(now) if now is not None else utcnow()
    stage = session.get(Stage, stage_id)
    if stage is None or stage.pipeline_id != pipeline_id:
        raise NotFound(f"stage {stage_id} no longer exists in this pipeline")
    scope = _deal_scope(session, pipeline_id, filter_text, now)
    return _cards(session, StageInfo.of(stage), scope, now, offset=offset, limit=limit)


def _cards(
    session: Session,
    stage: StageInfo,
    scope: list[sa.ColumnElement[bool]],
    now: datetime,
    *,
    offset: int,
    limit: int,
) -> list[Card]:
    # Wider than `select()` is typed for (see `load_board`); a stored deal's id is never NULL.
    columns: Select[int, str, int, str, int, str, datetime, str | None] = Select(
        col(Deal.id),
        col(Deal.title),
        col(Deal.customer_id),
        col(Customer.name),
        col(Deal.value_minor),
        col(Deal.currency),
        col(Deal.stage_changed_at),
        col(Deal.owner),
    )
    statement = (
        columns.join(Customer, col(Customer.id) == col(Deal.customer_id))
        .where(*scope, col(Deal.stage_id) == stage.id)
        .order_by(col(Deal.stage_changed_at).desc(), col(Deal.id).desc())
        .offset(offset)
        .limit(limit)
    )
    cards = []
    for deal_id, title, customer_id, name, value, currency, changed, owner in session.exec(
        statement
    ):
        age = now - to_utc(changed)
        days = max(0, age.days)
        cards.append(
            Card(
                deal_id=deal_id,
                title=title,
                customer_id=customer_id,
                customer=name,
                value_minor=value,
                currency=currency,
                stage_id=stage.id,
                stage_changed_at=changed,
                owner=owner,
                days_in_stage=days,
                in_stage=age,
                rotting=_is_rotting(stage, days),
            )
        )
    return cards


def find(session: Session, text: str, *, limit: int = 8) -> list[Target]:
    """Active customers and deals whose name contains `text` (case-insensitive)."""
    needle = " ".join(text.split()).lower()
    if not needle or len(needle) > validate.MAX_LOOKUP_LENGTH:
        return []  # longer than a REF may be: SQLite could not take it as a LIKE pattern
    found: list[Target] = []
    # Built as `Select` to declare the row type: a stored record's id is never NULL.
    customer_columns: Select[int, str] = Select(col(Customer.id), col(Customer.name))
    customers_found = (
        customer_columns.where(
            col(Customer.deleted_at).is_(None),
            func.lower(Customer.name).contains(needle, autoescape=True),
        )
        .order_by(func.length(Customer.name), col(Customer.name), col(Customer.id))
        .limit(limit)
    )
    for customer_id, name in session.exec(customers_found):
        found.append(Target("customer", customer_id, name, "customer", customer_id))
    deal_columns: Select[int, str, int, str, str] = Select(
        col(Deal.id), col(Deal.title), col(Deal.customer_id), col(Customer.name), col(Stage.name)
    )
    deals_found = (
        deal_columns.join(Customer, col(Customer.id) == col(Deal.customer_id))
        .join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(
            col(Deal.deleted_at).is_(None),
            func.lower(Deal.title).contains(needle, autoescape=True),
        )
        .order_by(func.length(Deal.title), col(Deal.title), col(Deal.id))
        .limit(limit)
    )
    for deal_id, title, customer_id, customer_name, stage_name in session.exec(deals_found):
        found.append(
            Target("deal", deal_id, title, f"deal · {customer_name} · {stage_name}", customer_id)
        )
    return found
