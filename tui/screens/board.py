"""The funnel board: a column per stage, a card per deal, keys to move them along.

Moves are optimistic: the card jumps at once (the board data is changed with
`Board.moved`), then a worker writes the move; if the write fails the card goes back where
it was, a notification says why and the board reloads from the database.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalScroll
from textual.events import DescendantFocus
from textual.widgets import Input

from crmcli.entities.stages import step_target
from crmcli.kernel.errors import CrmError
from crmcli.present.counts import count
from crmcli.present.text import visible
from crmcli.tui.data import load_deal
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.board import DealCard, StageColumn
from crmcli.tui.widgets.keybar import KeyBar, TopBar
from crmcli.views import board as boards
from crmcli.views.board import Board, Card

#: Load the next page of a column when focus comes this close to its last loaded card.
PREFETCH = 5


#: The narrowest a column gets; below, the board scrolls sideways to the focused column.
MIN_COLUMN = 15


class Columns(HorizontalScroll, can_focus=False, inherit_bindings=False):
    """The columns side by side, sharing the width; scrolls sideways when they do not fit."""

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        columns = list(self.query_children(StageColumn))
        if not columns:
            return
        gaps = len(columns) - 1
        # Before the first layout the container has no size yet: it spans the screen.
        room = self.size.width or self.app.size.width
        width = max(MIN_COLUMN, (room - gaps) // len(columns))
        spare = max(0, room - gaps - width * len(columns))
        for index, column in enumerate(columns):
            column.styles.width = width + (1 if index < spare else 0)


class BoardScreen(CrmScreen):
    AUTO_FOCUS = None  # focus goes to the first card once the board is loaded
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h,left", "focus_left", "Left", id="board.left", show=False),
        Binding("l,right", "focus_right", "Right", id="board.right", show=False),
        Binding("k,up", "focus_up", "Up", id="board.up", show=False),
        Binding("j,down", "focus_down", "Down", id="board.down", show=False),
        Binding("H,shift+left", "move_prev", "◀Move", id="board.move_prev"),
        Binding("L,shift+right", "move_next", "Move▶", id="board.move_next"),
        Binding("w", "won", "Won", id="board.won"),
        Binding("x", "lost", "Lost", id="board.lost"),
        Binding("n", "new_deal", "New", id="board.new"),
        Binding("e", "edit_deal", "Edit", id="board.edit"),
        Binding("enter", "open_deal", "Open", id="board.open"),
        Binding("slash", "filter", "Filter", id="board.filter"),
        Binding("p", "pick_pipeline", "Pipeline", id="board.pipeline"),
        Binding("escape", "escape", "Clear filter", id="board.escape", show=False),
        Binding("i", "app.inbox", "Inbox", id="app.inbox"),
        Binding("b", "app.board", "Board", id="app.board", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self.pipeline_ref: str | None = None
        self.filter_text = ""
        self.focus_deal: int | None = None
        self._focus_place: tuple[int, int] | None = None  # (stage id, index) of the focus
        self._columns: dict[int, StageColumn] = {}
        self.loaded = False

    # -- building -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar("board-bar")
        yield Input(
            placeholder="filter: tag:vip value>5000 owner:alice   (enter applies, esc cancels)",
            id="filter",
        )
        yield Columns(id="columns")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.pipeline_ref = self.crm.initial_pipeline
        self.query_one(Columns).loading = True
        self.reload(focus_first=True)

    def reload(self, *, focus_first: bool = False) -> None:
        self.run_quietly(self._load(focus_first), group="board-load", exclusive=True)

    async def _load(self, focus_first: bool = False) -> None:
        limits = {stage_id: len(w.column.cards) for stage_id, w in self._columns.items()}
        try:
            board = await self.crm.read(
                boards.load_board,
                self.pipeline_ref,
                self.filter_text,
                limits=limits,
                now=self.crm.clock(),
            )
        except Exception as error:
            from crmcli.tui.app import describe_error

            self.query_one(Columns).loading = False
            self.notify(describe_error(error), title="Board not loaded", severity="error")
            return
        if self.crm.pending_writes:
            # Moves are still being written: load again once they are all in.
            self.crm.after_writes(self)
            return
        await self.show_board(board, focus_first=focus_first)

    async def show_board(self, board: Board, *, focus_first: bool = False) -> None:
        self.board = board
        container = self.query_one(Columns)
        if [c.stage.id for c in board.columns] != list(self._columns):
            await container.remove_children()
            self._columns = {c.stage.id: StageColumn(c) for c in board.columns}
            await container.mount_all(list(self._columns.values()))
            container.fit()
        else:
            for column in board.columns:
                await self._columns[column.stage.id].set_column(column)
        container.loading = False
        self._update_bar()
        self._restore_focus(focus_first)
        self.loaded = True

    async def _redraw(self, *stage_ids: int) -> None:
        """Show `self.board` in some columns (after a local change)."""
        assert self.board is not None
        for stage_id in stage_ids:
            column = self.board.column(stage_id)
            widget = self._columns.get(stage_id)
            if column is not None and widget is not None:
                await widget.set_column(column)
        self._update_bar()

    def _update_bar(self) -> None:
        board = self.board
        if board is None:
            return
        parts = [
            f"[b]{_escape(board.pipeline.name)}[/b] pipeline",
            count(board.deal_count, "deal"),
        ]
        if board.filter_text:
            parts.append(f"filter: [b]{_escape(board.filter_text)}[/b]  (esc clears)")
        if len(board.pipelines) > 1:
            parts.append(f"{len(board.pipelines)} pipelines (p)")
        self.query_one(TopBar).update("  ·  ".join(parts))

    # -- focus --------------------------------------------------------------------------

    @property
    def columns(self) -> list[StageColumn]:
        return list(self._columns.values())

    def focused_card(self) -> DealCard | None:
        focused = self.focused
        return focused if isinstance(focused, DealCard) else None

    def card_widget(self, deal_id: int) -> DealCard | None:
        for column in self.columns:
            widget = column.card_for(deal_id)
            if widget is not None:
                return widget
        return None

    def _first_card(self) -> DealCard | None:
        for column in self.columns:
            cards = column.cards
            if cards:
                return cards[0]
        return None

    def _restore_focus(self, focus_first: bool) -> None:
        if isinstance(self.focused, Input) and self.focused.display:
            return
        target = None
        if not focus_first and self.focus_deal is not None:
            target = self.card_widget(self.focus_deal)
            if target is None and self._focus_place is not None:
                stage_id, index = self._focus_place
                column = self._columns.get(stage_id)
                cards = column.cards if column else []
                if cards:
                    target = cards[min(index, len(cards) - 1)]
        if target is None:
            target = self._first_card()
        if target is not None:
            self.set_focus(target)
        else:
            self.set_focus(None)

    @on(DescendantFocus)
    def _remember_focus(self, event: DescendantFocus) -> None:
        card = event.widget
        if not isinstance(card, DealCard) or card is not self.focused:
            return  # not a card, or a stale event (the focus moved on since)
        self.focus_deal = card.deal_id
        column = self._column_of(card)
        if column is None:
            return
        cards = column.cards
        index = cards.index(card) if card in cards else 0
        self._focus_place = (column.stage_id, index)
        if column.column.more and index >= len(cards) - PREFETCH:
            self.run_quietly(
                self._load_more(column.stage_id), group=f"more-{column.stage_id}", exclusive=True
            )

    def _column_of(self, card: DealCard) -> StageColumn | None:
        for ancestor in card.ancestors:
            if isinstance(ancestor, StageColumn):
                return ancestor
        return None

    async def _load_more(self, stage_id: int) -> None:
        if self.board is None:
            return
        column = self.board.column(stage_id)
        if column is None or not column.more:
            return
        try:
            cards = await self.crm.read(
                boards.load_cards,
                self.board.pipeline.id,
                stage_id,
                self.filter_text,
                offset=len(column.cards),
                limit=boards.DEFAULT_CARDS,
                now=self.crm.clock(),
            )
        except Exception:
            return  # the next reload shows what is there
        current = self.board.column(stage_id) if self.board is not None else None
        if self.board is None or current is None:
            return
        self.board = self.board.replace_column(current.extended(cards))
        await self._redraw(stage_id)

    def action_focus_up(self) -> None:
        self._vertical(-1)

    def action_focus_down(self) -> None:
        self._vertical(+1)

    def action_focus_left(self) -> None:
        self._horizontal(-1)

    def action_focus_right(self) -> None:
        self._horizontal(+1)

    def _vertical(self, step: int) -> None:
        card = self.focused_card()
        if card is None:
            self._restore_focus(False)
            return
        column = self._column_of(card)
        if column is None:
            return
        cards = column.cards
        index = cards.index(card) + step
        if 0 <= index < len(cards):
            self.set_focus(cards[index])

    def _horizontal(self, step: int) -> None:
        card = self.focused_card()
        if card is None:
            self._restore_focus(False)
            return
        columns = self.columns
        here = self._column_of(card)
        if here is None:
            return
        row = here.cards.index(card)
        position = columns.index(here) + step
        while 0 <= position < len(columns):
            cards = columns[position].cards
            if cards:
                self.set_focus(cards[min(row, len(cards) - 1)])
                return
            position += step

    # -- moves --------------------------------------------------------------------------

    async def action_move_prev(self) -> None:
        await self._step(-1)

    async def action_move_next(self) -> None:
        await self._step(+1)

    async def _step(self, direction: int) -> None:
        widget = self.focused_card()
        if widget is None or self.board is None:
            return
        target = step_target(self.board.stages, widget.card.stage_id, direction)
        if target is None:
            self.notify("No stage further that way.", severity="warning")
            return
        await self.move(widget.card, target.id)

    async def action_won(self) -> None:
        widget = self.focused_card()
        if widget is None or self.board is None:
            return
        won = self.board.stage_of_kind("won")
        if won is None:
            self.notify("This pipeline has no won stage.", severity="error")
        elif widget.card.stage_id == won.id:
            self.notify(f"'{widget.card.title}' is already won.")
        else:
            await self.move(widget.card, won.id)

    def action_lost(self) -> None:
        from crmcli.tui.screens.modals import LostReasonScreen

        widget = self.focused_card()
        if widget is None or self.board is None:
            return
        lost = self.board.stage_of_kind("lost")
        if lost is None:
            self.notify("This pipeline has no lost stage.", severity="error")
            return
        card = widget.card

        async def chosen(reason: str | None) -> None:
            if reason:
                await self.move(card, lost.id, reason=reason)

        self.app.push_screen(LostReasonScreen(card.title), chosen)

    async def move(self, card: Card, stage_id: int, *, reason: str | None = None) -> None:
        """Show the move at once, then write it; undo it on the screen if the write fails."""
        if self.board is None:
            return
        source = self.board.column(card.stage_id)
        index = source.index_of(card.deal_id) if source else None
        if source is None or index is None:
            return
        original = source.cards[index]
        self.board = self.board.moved(card.deal_id, stage_id, now=self.crm.clock())
        self.focus_deal = card.deal_id
        await self._redraw(card.stage_id, stage_id)
        moved = self.card_widget(card.deal_id)
        if moved is not None:
            self.set_focus(moved)
        self.run_quietly(self._write_move(original, index, stage_id, reason), group="board-moves")

    async def _write_move(
        self, original: Card, index: int, stage_id: int, reason: str | None
    ) -> None:
        from crmcli.services.deals import move_by_id

        outcome = await self.crm.write(
            move_by_id,
            original.deal_id,
            stage_id,
            reason=reason,
            expected_stage_id=original.stage_id,
        )
        if not outcome.ok and self.board is not None:
            shown = self.board.find_card(original.deal_id)
            self.board = self.board.put(original, index=index)
            await self._redraw(
                *{original.stage_id, stage_id, *([shown[0].stage.id] if shown else [])}
            )
            widget = self.card_widget(original.deal_id)
            if widget is not None and self.focus_deal == original.deal_id:
                self.set_focus(widget)
        if not self.crm.pending_writes:
            self.reload()

    # -- forms --------------------------------------------------------------------------

    def action_new_deal(self) -> None:
        from crmcli.tui.screens.modals import DealFormScreen

        if self.board is None:
            return
        widget = self.focused_card()
        open_stages = [s for s in self.board.stages if s.kind == "open"]
        stage = None
        if widget is not None:
            stage = next((s for s in open_stages if s.id == widget.card.stage_id), None)
        stage = stage or (open_stages[0] if open_stages else None)

        def created(deal_id: int | None) -> None:
            if deal_id:
                self.focus_deal = deal_id
                self._focus_place = None
                self.reload()

        self.app.push_screen(
            DealFormScreen(
                pipeline_id=self.board.pipeline.id,
                stages=self.board.stages,
                stage_name=stage.name if stage else None,
            ),
            created,
        )

    async def action_edit_deal(self) -> None:
        from crmcli.tui.app import describe_error
        from crmcli.tui.screens.modals import DealFormScreen

        widget = self.focused_card()
        if widget is None:
            return
        try:
            record = await self.crm.read(load_deal, widget.deal_id)
        except Exception as error:
            self.notify(describe_error(error), severity="error")
            return

        def saved(deal_id: int | None) -> None:
            if deal_id:
                self.reload()

        self.app.push_screen(DealFormScreen(record=record), saved)

    def action_open_deal(self) -> None:
        widget = self.focused_card()
        if widget is not None:
            self.crm.open_customer(widget.card.customer_id, widget.deal_id)

    # -- filter and pipeline ------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = self.filter_text
        box.display = True
        box.remove_class("-invalid")
        box.focus()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.display = False
            self._restore_focus(False)
        elif self.filter_text:
            self.run_quietly(self._apply_filter(""), group="board-load", exclusive=True)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.run_quietly(
            self._apply_filter(event.value.strip()), group="board-load", exclusive=True
        )

    async def _apply_filter(self, text: str) -> None:
        from crmcli.tui.app import describe_error

        box = self.query_one("#filter", Input)
        try:
            board = await self.crm.read(
                boards.load_board, self.pipeline_ref, text, now=self.crm.clock()
            )
        except CrmError as error:
            box.add_class("-invalid")
            self.notify(str(error), title="Filter not applied", severity="error")
            return
        except Exception as error:
            self.notify(describe_error(error), severity="error")
            return
        self.filter_text = text
        box.display = False
        self.set_focus(None)
        await self.show_board(board, focus_first=True)

    def action_pick_pipeline(self) -> None:
        from crmcli.tui.screens.modals import PipelineScreen

        if self.board is None:
            return

        shown = self.board.pipeline.id

        def chosen(pipeline_id: int | None) -> None:
            if pipeline_id is not None and pipeline_id != shown:
                self.pipeline_ref = str(pipeline_id)
                self.focus_deal = None
                self._focus_place = None
                self.reload(focus_first=True)

        self.app.push_screen(PipelineScreen(self.board.pipelines, self.board.pipeline.id), chosen)


def _escape(text: str) -> str:
    """Stored text for a markup string: controls shown, brackets not taken as markup."""
    from textual.markup import escape

    return escape(visible(text))
