"""The inbox: open reminders grouped Overdue / Today / Upcoming, and what to do about them."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.events import DescendantFocus
from textual.widgets import Static

from crmcli.services import reminders
from crmcli.tui.data import Inbox, InboxItem, load_inbox
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.inbox import GroupHeading, ReminderItem
from crmcli.tui.widgets.keybar import KeyBar, TopBar


class InboxList(VerticalScroll, can_focus=False, inherit_bindings=False):
    """The groups, one under the other (keys belong to the screen)."""


class Group(Vertical):
    def __init__(self, window: str) -> None:
        super().__init__(id=f"group-{window}", classes="group")
        self.window = window
        self.heading = GroupHeading(window)
        self.empty = Static("nothing here", classes="empty")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.empty

    @property
    def items(self) -> list[ReminderItem]:
        return list(self.query_children(ReminderItem))

    async def show(self, items: list[InboxItem], capped: bool, now) -> None:
        self.heading.show(len(items), capped)
        widgets = self.items
        for widget, item in zip(widgets, items, strict=False):
            widget.set_item(item, now)
        if len(items) > len(widgets):
            await self.mount_all([ReminderItem(item, now) for item in items[len(widgets) :]])
        if len(widgets) > len(items):
            await self.remove_children(widgets[len(items) :])
        self.empty.display = not items


class InboxScreen(CrmScreen):
    AUTO_FOCUS = None  # focus goes to the first reminder once the inbox is loaded
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k,up", "focus_up", "Up", id="inbox.up", show=False),
        Binding("j,down", "focus_down", "Down", id="inbox.down", show=False),
        Binding("d", "done", "Done", id="inbox.done"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze"),
        Binding("l", "log", "Log", id="inbox.log"),
        Binding("enter", "open_customer", "Customer", id="inbox.open"),
        Binding("b", "app.board", "Board", id="app.board"),
        Binding("i", "app.inbox", "Inbox", id="app.inbox", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.inbox: Inbox | None = None
        self.focus_reminder: int | None = None
        self._focus_index = 0
        self.groups = {window: Group(window) for window in reminders.WINDOWS}
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield TopBar("inbox-bar")
        with InboxList(id="inbox"):
            yield from self.groups.values()
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(InboxList).loading = True
        self.reload(focus_first=True)

    def reload(self, *, focus_first: bool = False) -> None:
        self.run_quietly(self._load(focus_first), group="inbox-load", exclusive=True)

    async def _load(self, focus_first: bool) -> None:
        from crmcli.tui.app import describe_error

        try:
            inbox = await self.crm.read(load_inbox, self.crm.clock())
        except Exception as error:
            self.query_one(InboxList).loading = False
            self.notify(describe_error(error), title="Inbox not loaded", severity="error")
            return
        if self.crm.pending_writes:
            self.crm.after_writes(self)
            return
        await self.show_inbox(inbox, focus_first=focus_first)

    async def show_inbox(self, inbox: Inbox, *, focus_first: bool = False) -> None:
        self.inbox = inbox
        now = self.crm.clock()
        for window, group in self.groups.items():
            await group.show(inbox.groups[window], inbox.capped[window], now)
        self.query_one(InboxList).loading = False
        counts = "  ·  ".join(
            f"{len(inbox.groups[w])}{'+' if inbox.capped[w] else ''} {w}" for w in reminders.WINDOWS
        )
        self.query_one(TopBar).update(f"[b]Inbox[/b]  ·  {counts}")
        self._restore_focus(focus_first)
        self.loaded = True

    # -- focus --------------------------------------------------------------------------

    @property
    def items(self) -> list[ReminderItem]:
        return [item for group in self.groups.values() for item in group.items]

    def focused_item(self) -> ReminderItem | None:
        focused = self.focused
        return focused if isinstance(focused, ReminderItem) else None

    def _restore_focus(self, focus_first: bool) -> None:
        items = self.items
        if not items:
            self.set_focus(None)
            return
        target = None
        if not focus_first and self.focus_reminder is not None:
            target = next((i for i in items if i.reminder_id == self.focus_reminder), None)
        if target is None:
            target = items[0 if focus_first else min(self._focus_index, len(items) - 1)]
        # Scrolled once the new items are laid out, and without animation: Textual's own
        # scroll on focus runs before that layout and animates, so on a busy machine the list
        # could stop anywhere (the group heading above the first item scrolled away). The
        # first item is shown with its group's heading: the top of the list.
        self.set_focus(target, scroll_visible=False)
        if target is items[0]:
            self.call_after_refresh(self.query_one(InboxList).scroll_home, animate=False)
        else:
            self.call_after_refresh(target.scroll_visible, animate=False)

    @on(DescendantFocus)
    def _remember_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, ReminderItem) and event.widget is self.focused:
            self.focus_reminder = event.widget.reminder_id
            items = self.items
            if event.widget in items:
                self._focus_index = items.index(event.widget)

    def action_focus_up(self) -> None:
        self._step(-1)

    def action_focus_down(self) -> None:
        self._step(+1)

    def _step(self, step: int) -> None:
        items = self.items
        current = self.focused_item()
        if current is None or current not in items:
            self._restore_focus(False)
            return
        index = items.index(current) + step
        if 0 <= index < len(items):
            self.set_focus(items[index])

    # -- actions ------------------------------------------------------------------------

    async def action_done(self) -> None:
        widget = self.focused_item()
        if widget is None:
            return
        item = widget.item
        items = self.items
        index = items.index(widget)
        following = items[index + 1] if index + 1 < len(items) else None
        previous = items[index - 1] if index else None
        # Optimistic: it leaves the list now; the write follows.
        neighbour = following or previous
        self.focus_reminder = neighbour.reminder_id if neighbour else None
        await widget.remove()
        group = self.groups[item.window]
        group.heading.show(len(group.items), False)
        group.empty.display = not group.items
        if neighbour is not None:
            self.set_focus(neighbour)
        self.run_quietly(self._write_done(item), group="inbox-writes")

    async def _write_done(self, item: InboxItem) -> None:
        def done(session, reminder_id: int) -> list[int]:
            return [r.id for r in reminders.done(session, [str(reminder_id)])]

        outcome = await self.crm.write(done, item.id)
        if outcome.ok:
            self.notify(f"Done: {item.text or 'reminder'}", timeout=3)
        else:
            self.focus_reminder = item.id
        if not self.crm.pending_writes:
            self.reload()

    def action_snooze(self) -> None:
        from crmcli.tui.screens.modals import SnoozeScreen

        widget = self.focused_item()
        if widget is None:
            return
        item = widget.item

        def chosen(until) -> None:
            if until is not None:
                self.run_quietly(self._write_snooze(item, until), group="inbox-writes")

        self.app.push_screen(SnoozeScreen(item.text, self.crm.clock(), self.crm.anchor), chosen)

    async def _write_snooze(self, item: InboxItem, until) -> None:
        from crmcli.present.dates import format_local

        def snooze(session, reminder_id: int, when) -> int:
            return reminders.snooze(session, str(reminder_id), when).id

        outcome = await self.crm.write(snooze, item.id, until)
        if outcome.ok:
            self.focus_reminder = item.id
            self.notify(f"Snoozed until {format_local(until)}", timeout=3)
        if not self.crm.pending_writes:
            self.reload()

    def action_log(self) -> None:
        from crmcli.tui.screens.modals import LogScreen

        widget = self.focused_item()
        if widget is None:
            return
        item = widget.item
        if item.customer_id is None:
            self.notify("This reminder has no customer to log for.", severity="error")
            return

        def logged(interaction_id: int | None) -> None:
            if interaction_id:
                self.notify(f"Logged for {item.customer}", timeout=3)
                self.reload()

        self.app.push_screen(
            LogScreen(item.customer_id, item.customer or "", deal_id=item.deal_id), logged
        )

    def action_open_customer(self) -> None:
        widget = self.focused_item()
        if widget is None:
            return
        if widget.item.customer_id is None:
            self.notify("This reminder has no customer.", severity="error")
            return
        self.crm.open_customer(widget.item.customer_id, widget.item.deal_id)
