"""A customer: profile, tags and fields, deals, open reminders and the timeline.

Opened from a deal, the deal's own details head the page. Everything stored is shown
through `present.text.visible` (controls as `\x1b`), inside markup through `_escape`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.markup import escape as escape_markup
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crmcli.kernel.dates import parse_iso
from crmcli.present.dates import format_local, format_when, span
from crmcli.present.money import format_money
from crmcli.present.text import visible
from crmcli.tui.data import CustomerView, load_customer
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.keybar import KeyBar, TopBar

#: Below this width the two panes stack.
NARROW = 100


def _when(text: str | None, now) -> str:
    return format_when(parse_iso(text), now) if text else ""


def escape(text: str) -> str:
    """Stored text inside markup: controls shown, brackets not taken as markup."""
    return escape_markup(visible(text))


def _multiline(text: str) -> str:
    """A note: its lines kept, everything else that could drive the terminal shown."""
    return escape_markup(visible(text, multiline=True))


class CustomerScreen(CrmScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="customer.back"),
        Binding("l", "log", "Log", id="customer.log"),
        Binding("b", "app.board", "Board", id="app.board"),
        Binding("i", "app.inbox", "Inbox", id="app.inbox"),
    ]

    def __init__(self, customer_id: int, deal_id: int | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.deal_id = deal_id
        self.view: CustomerView | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield TopBar("customer-bar")
        with Horizontal(id="customer-body"):
            with VerticalScroll(id="customer-side"):
                yield Static("", id="deal-panel", classes="panel")
                yield Static("", id="profile", classes="panel")
                yield Static("Deals", classes="section")
                yield OptionList(id="deals")
                yield Static("Open reminders", classes="section")
                yield Static("", id="reminders")
            with VerticalScroll(id="timeline-pane"):
                yield Static("Timeline (newest first)", classes="section")
                yield Static("", id="timeline")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#deal-panel").display = False
        self.query_one("#customer-body").loading = True
        self._layout(self.size.width)
        self.reload()

    @on(Resize)
    def _resized(self, event: Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    def reload(self) -> None:
        self.run_quietly(self._load(), group="customer-load", exclusive=True)

    async def _load(self) -> None:
        from crmcli.tui.app import describe_error

        try:
            view = await self.crm.read(
                load_customer, self.customer_id, self.deal_id, self.crm.clock()
            )
        except Exception as error:
            self.query_one("#customer-body").loading = False
            self.notify(describe_error(error), title="Customer not loaded", severity="error")
            return
        self.show(view)

    def show(self, view: CustomerView) -> None:
        first = self.view is None
        self.view = view
        now = self.crm.clock()
        person = view.customer
        self.query_one(TopBar).update(
            f"[b]{escape(person['name'])}[/b]"
            + (f"  ·  {escape(person['company'])}" if person["company"] else "")
            + ("  ·  [b]deleted[/b]" if person["deleted_at"] else "")
        )
        self._show_deal(view.deal, now)
        self._show_profile(person)

        deals = self.query_one("#deals", OptionList)
        highlighted = deals.highlighted
        deals.clear_options()
        for deal in view.deals:
            age = span(parse_iso(deal["stage_changed_at"]), now)
            value = format_money(deal["value"], deal["currency"])
            prompt = Content.assemble(
                (visible(deal["title"]), "bold"),
                "\n  ",
                (f"{visible(deal['stage'])} · {value} · {age}", "$text-muted"),
            )
            deals.add_option(Option(prompt, id=str(deal["id"])))
        if not view.deals:
            deals.add_option(Option("no deals", disabled=True))
        elif highlighted is not None:
            deals.highlighted = min(highlighted, len(view.deals) - 1)

        reminder_lines = [
            Content.assemble((_when(r["due_at"], now), "bold"), "  ", visible(r["text"] or ""))
            for r in view.reminders
        ]
        self.query_one("#reminders", Static).update(
            Content("\n").join(reminder_lines) if reminder_lines else "none"
        )

        timeline_lines = [
            Content.assemble(
                (format_local(parse_iso(entry["at"])), "bold $text-primary"),
                "  ",
                visible(entry["text"] or ""),
            )
            for entry in view.timeline
        ]
        self.query_one("#timeline", Static).update(
            Content("\n").join(timeline_lines) if timeline_lines else "nothing yet"
        )
        self.query_one("#customer-body").loading = False
        if first:
            target = "#deals" if view.deals else "#timeline-pane"
            self.query_one(target).focus()
        self.loaded = True

    def _show_deal(self, deal: dict | None, now) -> None:
        panel = self.query_one("#deal-panel", Static)
        panel.display = deal is not None
        if deal is None:
            return
        lines = [
            f"[b]{escape(deal['title'])}[/b]  #{deal['id']}",
            f"{escape(deal['pipeline'] or '')} › [b]{escape(deal['stage'])}[/b] ({deal['probability']}%)"
            f"  for {span(parse_iso(deal['stage_changed_at']), now)}",
            f"Value {format_money(deal['value'], deal['currency'])}"
            f"  ·  weighted {format_money(deal['weighted_value'], deal['currency'])}",
        ]
        extra = []
        if deal["close_date"]:
            extra.append(f"close {deal['close_date']}")
        if deal["owner"]:
            extra.append(f"owner {escape(deal['owner'])}")
        if deal["tags"]:
            extra.append("tags " + ", ".join(escape(t) for t in deal["tags"]))
        if extra:
            lines.append("  ·  ".join(extra))
        if deal["lost_reason"]:
            lines.append(f"Lost: {escape(deal['lost_reason'])}")
        panel.update("\n".join(lines))

    def _show_profile(self, person: dict) -> None:
        lines = [f"[b]{escape(person['name'])}[/b]  #{person['id']}"]
        if person["title"] or person["company"]:
            lines.append(escape(" at ".join(p for p in (person["title"], person["company"]) if p)))
        for email in person["emails"]:
            lines.append(escape(email))
        for phone in person["phones"]:
            lines.append(escape(phone))
        if person["owner"]:
            lines.append(f"owner {escape(person['owner'])}")
        if person["tags"]:
            lines.append("tags: " + ", ".join(f"[b]{escape(t)}[/b]" for t in person["tags"]))
        for key, value in person["fields"].items():
            lines.append(f"{escape(key)}: {escape(str(value))}")
        if person["notes"]:
            lines.append(_multiline(person["notes"]))
        self.query_one("#profile", Static).update("\n".join(lines))

    @on(OptionList.OptionSelected, "#deals")
    def _deal_chosen(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        if key and key.isdigit() and int(key) != self.deal_id:
            self.deal_id = int(key)
            self.reload()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_log(self) -> None:
        from crmcli.tui.screens.modals import LogScreen

        if self.view is None:
            return

        def logged(interaction_id: int | None) -> None:
            if interaction_id:
                self.notify("Logged.", timeout=3)
                self.reload()

        self.app.push_screen(
            LogScreen(self.customer_id, self.view.customer["name"], deal_id=self.deal_id),
            logged,
        )
