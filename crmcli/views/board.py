"""The funnel board as data: one column per stage, with totals, and the first cards of each.

This is what the TUI's board shows, computed here so any face can use it (no UI imports):

- `load_board` gives every stage of a pipeline in board order (open stages by position, then
  won, then lost) with the number of deals, their total and weighted value per currency and
  how many are rotting, all by SQL aggregates (never by loading every deal), plus the first
  `per_column_limit` cards of each stage. `load_cards` pages further down one column.
- `step_target` is the rule for "previous / next stage" (the open stages only, as
  `crm deal move`'s neighbours), `move_card` the write behind a drag on the board: it moves
  a deal to a stage given by id and refuses, with a clear error, a stage or deal that has
  gone in the meantime.
- `Column.without` / `Column.with_card` adjust a column's figures for an optimistic move,
  before the database has answered.
- `find` backs "jump to a customer or deal by typing part of its name".

Cards are ordered by how recently they entered their stage (newest first), so a deal that
was just moved or created shows at the top of its column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from crmcli.entities import refs
from crmcli.kernel import money
from crmcli.kernel.dates import to_utc
from crmcli.kernel.errors import Conflict, InvalidInput, NotFound
from crmcli.query import compiler as query
from crmcli.store.models import Customer, Deal, Pipeline, Stage, StageChange, utcnow

__all__ = [
    "DEFAULT_CARDS",
    "Board",
    "Card",
    "Column",
    "CurrencyTotal",
    "PipelineInfo",
    "StageInfo",
    "Target",
    "board_order",
    "compact_age",
    "compact_money",
    "find",
    "load_board",
    "load_cards",
    "move_card",
    "pipelines",
    "short_money",
    "step_target",
]

#: Cards loaded per column at first; more are paged in with `load_cards`.
DEFAULT_CARDS = 30

_KIND_ORDER = {"open": 0, "won": 1, "lost": 2}


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
            stage.id,
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

    @property
    def total_text(self) -> str:
        return short_money(self.total_minor, self.currency)

    @property
    def weighted_text(self) -> str:
        return short_money(self.weighted_minor, self.currency)


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
    age: str
    rotting: bool

    @property
    def value_text(self) -> str:
        return short_money(self.value_minor, self.currency)


def short_money(minor: int, currency: str) -> str:
    """`12,000 EUR`, or `12,000.50 EUR` when there are cents: exact, without noise."""
    major = money.to_major(minor, currency)
    if major == major.to_integral_value():
        return f"{int(major):,} {currency}"
    return money.format_money(minor, currency)


def compact_money(minor: int, currency: str) -> str:
    """`95.7k EUR`, `1.25M USD`: for narrow places (rounded, so for display only)."""
    major = float(money.to_major(minor, currency))
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if major >= limit * 0.9995:
            return f"{major / limit:.3g}{suffix} {currency}"
    return short_money(minor, currency)


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

    def total_text(self) -> str:
        """The total in the main currency, `+` when other currencies are left out."""
        return _money_summary(self.totals, "total_minor")

    def weighted_text(self) -> str:
        return _money_summary(self.totals, "weighted_minor")

    def totals_detail(self) -> list[str]:
        """Every currency: `41,500.00 EUR (weighted 20,750.00 EUR, 5 deals)`."""
        return [
            f"{t.total_text} (weighted {t.weighted_text}, {t.count} deal{'s' if t.count != 1 else ''})"
            for t in self.totals
        ]

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
            age=compact_age(timedelta(0)) if now else card.age,
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


def _money_summary(totals: Sequence[CurrencyTotal], attribute: str) -> str:
    if not totals:
        return short_money(0, money.DEFAULT_CURRENCY)
    main = totals[0]
    text = short_money(getattr(main, attribute), main.currency)
    return text + " +" if len(totals) > 1 else text


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


def board_order(stages: Iterable[Stage | StageInfo]) -> list:
    """Open stages by position, then won, then lost (each by position)."""
    return sorted(stages, key=lambda s: (_KIND_ORDER.get(s.kind, 0), s.position, s.id))


def step_target(
    stages: Sequence[Stage | StageInfo], current_stage_id: int, direction: int
) -> Stage | StageInfo | None:
    """The stage a deal steps to: the previous (-1) or next (+1) open stage, as
    `deals.step` uses it too; from won or lost, back steps to the last open stage. None: no further."""
    ordered = sorted(stages, key=lambda s: (s.position, s.id))
    open_stages = [s for s in ordered if s.kind == "open"]
    current = next((i for i, s in enumerate(open_stages) if s.id == current_stage_id), None)
    if current is None:
        return open_stages[-1] if direction < 0 and open_stages else None
    index = current + direction
    return open_stages[index] if 0 <= index < len(open_stages) else None


def compact_age(delta: timedelta) -> str:
    """`just now`, `5h`, `12d`, `3mo`, `2y`: how long a deal has sat in its stage."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 3600:
        return "new" if seconds < 60 else f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    days = int(seconds // 86400)
    if days < 60:
        return f"{days}d"
    if days < 730:
        return f"{int(days / 30.4375)}mo"
    return f"{int(days / 365.2425)}y"


def _is_rotting(stage: StageInfo, days: int) -> bool:
    return stage.kind == "open" and stage.rotting_days is not None and days > stage.rotting_days


def pipelines(session: Session) -> list[PipelineInfo]:
    rows = session.exec(select(Pipeline).order_by(col(Pipeline.is_default).desc(), Pipeline.name))
    return [PipelineInfo(p.id, p.name, p.is_default) for p in rows]


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
    info = PipelineInfo(chosen.id, chosen.name, chosen.is_default)
    stages = [
        StageInfo.of(s)
        for s in board_order(session.exec(select(Stage).where(Stage.pipeline_id == chosen.id)))
    ]
    scope = _deal_scope(session, chosen.id, filter_text, now)

    totals: dict[int, list[CurrencyTotal]] = {s.id: [] for s in stages}
    weighted_sum = func.sum((col(Deal.value_minor) * col(Stage.probability)) // 100)
    aggregate = (
        select(
            Deal.stage_id,
            Deal.currency,
            func.count(),
            func.coalesce(func.sum(Deal.value_minor), 0),
            func.coalesce(weighted_sum, 0),
        )
        .join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(*scope)
        .group_by(Deal.stage_id, Deal.currency)
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
                    col(Deal.stage_changed_at) <= now - timedelta(days=s.rotting_days + 1),
                )
                for s in rotting_stages
            )
        )
        rows = session.exec(
            select(Deal.stage_id, func.count()).where(*scope, condition).group_by(Deal.stage_id)
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
    statement = (
        select(
            Deal.id,
            Deal.title,
            Deal.customer_id,
            Customer.name,
            Deal.value_minor,
            Deal.currency,
            Deal.stage_changed_at,
            Deal.owner,
        )
        .join(Customer, col(Customer.id) == col(Deal.customer_id))
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
                age=compact_age(age),
                rotting=_is_rotting(stage, days),
            )
        )
    return cards


def move_card(
    session: Session,
    deal_id: int,
    stage_id: int,
    *,
    reason: str | None = None,
    expected_stage_id: int | None = None,
) -> StageChange | None:
    """Move a deal to a stage given by id (a board drop), recorded like `crm deal move`.

    Raises NotFound when the deal was deleted or the stage no longer exists, InvalidInput
    when the stage is in another pipeline or a lost stage gets no reason. With
    `expected_stage_id`, a deal that somebody else moved meanwhile is refused (Conflict)
    instead of being moved from a place the user did not see.
    """
    from crmcli.services import deals

    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_at is not None:
        raise NotFound(f"deal {deal_id} no longer exists")
    target = session.get(Stage, stage_id)
    if target is None:
        raise NotFound(f"stage {stage_id} no longer exists; reload the board")
    if target.pipeline_id != deal.pipeline_id:
        raise InvalidInput(f"stage {target.name} is not in this deal's pipeline")
    if expected_stage_id is not None and deal.stage_id not in (expected_stage_id, stage_id):
        current = session.get(Stage, deal.stage_id)
        raise Conflict(
            f"deal {deal_id} was moved to {current.name if current else 'another stage'} "
            "meanwhile; nothing changed"
        )
    return deals.move_to(session, deal, target, reason=reason)


def find(session: Session, text: str, *, limit: int = 8) -> list[Target]:
    """Active customers and deals whose name contains `text` (case-insensitive)."""
    needle = " ".join(text.split()).lower()
    if not needle:
        return []
    found: list[Target] = []
    customers = session.exec(
        select(Customer.id, Customer.name)
        .where(
            col(Customer.deleted_at).is_(None),
            func.lower(Customer.name).contains(needle, autoescape=True),
        )
        .order_by(func.length(Customer.name), Customer.name, Customer.id)
        .limit(limit)
    )
    for customer_id, name in customers:
        found.append(Target("customer", customer_id, name, "customer", customer_id))
    deals_found = session.exec(
        select(Deal.id, Deal.title, Deal.customer_id, Customer.name, Stage.name)
        .join(Customer, col(Customer.id) == col(Deal.customer_id))
        .join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(
            col(Deal.deleted_at).is_(None),
            func.lower(Deal.title).contains(needle, autoescape=True),
        )
        .order_by(func.length(Deal.title), Deal.title, Deal.id)
        .limit(limit)
    )
    for deal_id, title, customer_id, customer_name, stage_name in deals_found:
        found.append(
            Target("deal", deal_id, title, f"deal · {customer_name} · {stage_name}", customer_id)
        )
    return found


def column_records(board: Board) -> list[dict]:
    """The board's columns as JSON records (`crm deal board --json`): the figures the TUI's
    column headers show, so scripts get them too. Money in major units, per currency."""
    return [
        {
            "stage_id": column.stage.id,
            "stage": column.stage.name,
            "kind": column.stage.kind,
            "probability": column.stage.probability,
            "count": column.count,
            "rotting": column.rotting,
            "totals": [
                {
                    "currency": total.currency,
                    "count": total.count,
                    "value": money.json_number(total.total_minor, total.currency),
                    "weighted_value": money.json_number(total.weighted_minor, total.currency),
                }
                for total in column.totals
            ],
            "total": column.total_text(),
            "weighted": column.weighted_text(),
        }
        for column in board.columns
    ]
