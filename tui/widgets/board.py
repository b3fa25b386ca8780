"""Board widgets: a column per stage (header + cards) and a card per deal.

The widgets only show `crmcli.views.board` data, worded by `crmcli.present.board` (stored
text through `present.text.visible`); the board screen decides what goes where.
A column reuses its card widgets when new data arrives (a reload, a move), so following
the database costs a few content updates, not a rebuild.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from crmcli.present import board as shown
from crmcli.present.text import visible
from crmcli.views.board import Card, Column


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _spread(left: Content, right: Content, width: int) -> Content:
    """`left` then `right` flush right; `left` is cut first when both do not fit."""
    room = width - right.cell_length - 1
    if room < 1:
        return right.truncate(width, ellipsis=True)
    left = left.truncate(room, ellipsis=True)
    gap = width - left.cell_length - right.cell_length
    return Content.assemble(left, " " * max(1, gap), right)


class DealCard(Widget, can_focus=True):
    """One deal: title, customer, value and time in stage (`!` once it is rotting)."""

    def __init__(self, card: Card) -> None:
        super().__init__(classes="-rotting" if card.rotting else "")
        self.card = card

    @property
    def deal_id(self) -> int:
        return self.card.deal_id

    def set_card(self, card: Card) -> None:
        if card != self.card:
            self.card = card
            self.set_class(card.rotting, "-rotting")
            self.refresh()

    def render(self) -> Content:
        card = self.card
        width = max(1, self.content_size.width)
        title = Content.styled(_fit(visible(card.title), width), "bold")
        who = visible(card.customer)
        owner = visible(card.owner or "")
        if owner and len(who) + len(owner) + 3 <= width:
            who = f"{who} · {owner}"  # wide columns have room for the owner
        customer = Content.styled(_fit(who, width), "$text-muted")
        age = shown.card_age(card)
        if card.rotting:
            long_age = Content.styled(f"{age} rotting", "bold $error")
            short_age = Content.styled(f"!{age}", "bold $error")
        else:
            long_age = short_age = Content.styled(age, "$text-muted")
        value = shown.card_value(card)
        if len(value) + 1 + long_age.cell_length <= width:
            line = _spread(Content(value), long_age, width)
        else:
            if len(value) + 1 + short_age.cell_length > width:
                value = shown.card_compact_value(card)
            line = _spread(Content(value), short_age, width)
        return Content("\n").join([title, customer, line])


class ColumnHeader(Static):
    """Stage name and deal count; total and weighted value (main currency, `+` if mixed)."""

    def __init__(self, column: Column) -> None:
        super().__init__()
        self.column = column

    def set_column(self, column: Column) -> None:
        self.column = column
        self.tooltip = "\n".join(shown.totals_detail(column)) or "no deals"
        self.refresh()

    def on_mount(self) -> None:
        self.set_column(self.column)

    def render(self) -> Content:
        column = self.column
        width = max(1, self.content_size.width)
        count = Content.styled(str(column.count), "bold")
        if column.rotting:
            # How many deals sat too long in this stage: "2 rot", or "!2" when narrow.
            rot = f"{column.rotting} rot" if width >= 24 else f"!{column.rotting}"
            count = Content.assemble(count, " ", (rot, "bold $error"))
        first = _spread(Content.styled(visible(column.stage.name), "bold"), count, width)
        total = self._money(weighted=False, room=width)
        weighted = "w " + self._money(weighted=True, room=width - 2)
        return Content("\n").join(
            [
                first,
                Content(_fit(total, width)),
                Content.styled(_fit(weighted, width), "$text-muted"),
            ]
        )

    def _money(self, *, weighted: bool, room: int) -> str:
        """Every currency if they fit (`95,700 EUR + 5,500 USD`), else the main one
        (`95,700 EUR +`), else rounded (`95.7k EUR +`)."""
        column = self.column
        if column.mixed:
            every = " + ".join(shown.currency_total(t, weighted=weighted) for t in column.totals)
            if len(every) <= room:
                return every
        text = shown.weighted_text(column) if weighted else shown.total_text(column)
        if len(text) <= room or not column.totals:
            return text
        compact = shown.compact_total(column.totals[0], weighted=weighted)
        return compact + (" +" if column.mixed else "")


class CardList(VerticalScroll, can_focus=False, inherit_bindings=False):
    """The scrolling list of a column's cards (no keys of its own: the board moves focus)."""


class StageColumn(Vertical):
    """A stage: its header, its cards, and a note about cards not loaded yet."""

    def __init__(self, column: Column) -> None:
        super().__init__(classes=f"-{column.stage.kind}")
        self.column = column
        self.header = ColumnHeader(column)
        self.list = CardList()
        self.more = Static("", classes="more")
        self.empty = Static("no deals", classes="empty")

    @property
    def stage_id(self) -> int:
        return self.column.stage.id

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.empty
        with self.list:
            yield from (DealCard(card) for card in self.column.cards)
            yield self.more

    def on_mount(self) -> None:
        self._update_notes()

    @property
    def cards(self) -> list[DealCard]:
        return list(self.list.query_children(DealCard))

    def card_for(self, deal_id: int) -> DealCard | None:
        return next((c for c in self.cards if c.deal_id == deal_id), None)

    async def set_column(self, column: Column) -> None:
        """Show new data, reusing the card widgets in place."""
        self.column = column
        self.header.set_column(column)
        widgets = self.cards
        for widget, card in zip(widgets, column.cards, strict=False):
            widget.set_card(card)
        extra = column.cards[len(widgets) :]
        if extra:
            await self.list.mount_all([DealCard(card) for card in extra], before=self.more)
        surplus = widgets[len(column.cards) :]
        if surplus:
            await self.list.remove_children(surplus)
        self._update_notes()

    def _update_notes(self) -> None:
        column = self.column
        self.empty.display = column.count == 0
        self.more.display = column.more > 0
        self.more.update(f"… {column.more:,} more" if column.more else "")
