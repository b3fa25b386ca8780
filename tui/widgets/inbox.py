"""Inbox widgets: a group heading and one focusable line pair per reminder."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from crmcli.present.dates import format_local, humanize
from crmcli.present.text import visible
from crmcli.tui.data import InboxItem

TITLES = {"overdue": "Overdue", "today": "Today", "upcoming": "Upcoming"}


class GroupHeading(Static):
    def __init__(self, window: str) -> None:
        super().__init__("", classes=f"-{window}")
        self.window = window

    def show(self, count: int, capped: bool) -> None:
        shown = f"{count}+" if capped else str(count)
        self.update(Content.assemble((TITLES[self.window], "bold"), f"  {shown}"))


class ReminderItem(Widget, can_focus=True):
    """A reminder: when it is due and what to do; below, its customer and deal."""

    def __init__(self, item: InboxItem, now: datetime) -> None:
        super().__init__(classes=f"-{item.window}")
        self.item = item
        self.now = now

    @property
    def reminder_id(self) -> int:
        return self.item.id

    def set_item(self, item: InboxItem, now: datetime) -> None:
        if item != self.item or now != self.now:
            self.remove_class(f"-{self.item.window}")
            self.add_class(f"-{item.window}")
            self.item, self.now = item, now
            self.refresh()

    def render(self) -> Content:
        item = self.item
        width = max(1, self.content_size.width)
        when = f"{format_local(item.due_at)}  {humanize(item.due_at, self.now)}"
        style = "bold $error" if item.window == "overdue" else "bold"
        first = Content.assemble((when, style), "  ", visible(item.text) or "(no text)")
        about = [visible(item.customer or "") or "(no customer)"]
        if item.deal:
            about.append(visible(item.deal))
        if item.snooze_count:
            about.append(f"snoozed {item.snooze_count}×")
        second = Content.styled("   " + " · ".join(about), "$text-muted")
        return Content("\n").join(
            [first.truncate(width, ellipsis=True), second.truncate(width, ellipsis=True)]
        )
