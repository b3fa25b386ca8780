"""Dialogs: lost reason, new / edit deal, snooze, log an interaction, pipeline, key help.

Dialogs that write (deal form, log) run the write themselves and stay open with the error
shown inline when it fails, so nothing typed is lost; they close with the new id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.suggester import Suggester
from textual.widgets import Button, DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from crmcli.kernel.dates import parse_date, parse_when
from crmcli.kernel.errors import InvalidInput
from crmcli.kernel.vocabulary import CHANNELS, DIRECTIONS
from crmcli.present.dates import format_local, format_when
from crmcli.present.text import visible
from crmcli.views.board import PipelineInfo, StageInfo


class Dialog(ModalScreen):
    """A centred box; escape closes it without a result."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    @property
    def crm(self) -> Any:
        return self.app

    def show_error(self, message: str | None) -> None:
        """An error under the form; it may name stored things, so it is shown plain."""
        error = self.query_one("#error", Static)
        error.update(Content(visible(message or "")))
        error.display = bool(message)


def _buttons(save: str = "Save") -> Horizontal:
    return Horizontal(
        Button(save, variant="primary", id="save", compact=True),
        Button("Cancel", id="cancel", compact=True),
        classes="buttons",
    )


class LostReasonScreen(Dialog):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.deal_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Why was [b]{_escape(self.deal_title)}[/b] lost?", classes="title")
            yield Input(placeholder="reason (required)", id="reason", compact=True)
            yield Static("", id="error", classes="error")
            yield _buttons("Mark lost")

    def on_mount(self) -> None:
        self.show_error(None)
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.show_error("A lost deal needs a reason.")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class CustomerSuggester(Suggester):
    """Completes a customer name from the database (in a thread)."""

    def __init__(self, app: Any) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.crm = app

    async def get_suggestion(self, value: str) -> str | None:
        from crmcli.views.board import find

        if len(value.strip()) < 2 or value.strip().isdigit():
            return None
        try:
            targets = await self.crm.read(find, value, limit=8)
        except Exception:
            return None
        for target in targets:
            if visible(target.label) != target.label:
                continue  # a name with control characters: never typed into the input
            if target.kind == "customer" and target.label.lower().startswith(value.lower()):
                return target.label
        return None


def _field(label: str, widget) -> Horizontal:
    """One line of a form: a label, then the input."""
    return Horizontal(Label(label, classes="label"), widget, classes="field")


class DealFormScreen(Dialog):
    """New deal (title, customer, value, currency, stage, close, owner) or edit one."""

    def __init__(
        self,
        *,
        record: dict | None = None,
        pipeline_id: int | None = None,
        stages: Sequence[StageInfo] = (),
        stage_name: str | None = None,
    ) -> None:
        super().__init__()
        self.record = record
        self.pipeline_id = pipeline_id
        self.stages = list(stages)
        self.stage_name = stage_name

    def compose(self) -> ComposeResult:
        record = self.record or {}
        editing = self.record is not None
        value = record.get("value")
        with Vertical(classes="dialog wide"):
            yield Label(f"Edit deal #{record['id']}" if editing else "New deal", classes="title")
            yield _field("Title", Input(_shown(record, "title"), id="title", compact=True))
            yield _field(
                "Customer",
                Input(
                    _shown(record, "customer"),
                    placeholder="name, email or id (→ completes)",
                    id="customer",
                    suggester=CustomerSuggester(self.app),
                    compact=True,
                ),
            )
            yield _field(
                "Value",
                Input(
                    "" if value in (None, 0) else str(value),
                    placeholder="12000.50",
                    id="value",
                    compact=True,
                ),
            )
            yield _field(
                "Currency",
                Input(record.get("currency", ""), placeholder="USD", id="currency", compact=True),
            )
            if not editing:
                yield _field(
                    "Stage",
                    Select(
                        [(visible(s.name), s.name) for s in self.stages],
                        value=self.stage_name or Select.NULL,
                        allow_blank=self.stage_name is None,
                        id="stage",
                        compact=True,
                    ),
                )
            yield _field(
                "Close",
                Input(
                    record.get("close_date") or "",
                    placeholder="expected close: 2026-12-31, eom, in 3w",
                    id="close",
                    compact=True,
                ),
            )
            yield _field("Owner", Input(_shown(record, "owner"), id="owner", compact=True))
            yield Static("", id="error", classes="error")
            yield _buttons("Save" if editing else "Create")

    def on_mount(self) -> None:
        self.show_error(None)
        self.query_one("#title", Input).focus()

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.run_worker(self._write(), group="dialog", exclusive=True, exit_on_error=False)

    async def _write(self) -> None:
        from crmcli.services import deals

        title, customer = self._text("title"), self._text("customer")
        value, currency = self._text("value"), self._text("currency")
        close_text, owner = self._text("close"), self._text("owner")
        anchor = self.crm.anchor
        try:
            close = parse_date(close_text, anchor) if close_text else None
        except InvalidInput as error:
            self.show_error(str(error))
            return
        if self.record is None:
            stage = self.query_one("#stage", Select).value
            stage_name = None if stage is Select.NULL else str(stage)
            pipeline = str(self.pipeline_id) if self.pipeline_id else None

            def create(session) -> int:
                return deals.add(
                    session,
                    title,
                    customer=customer,
                    value=value or None,
                    currency=currency or None,
                    stage=stage_name,
                    pipeline=pipeline,
                    close=close,
                    owner=owner or None,
                ).id

            outcome = await self.crm.write(create, notify=False)
        else:
            record = self.record
            changes = deals.DealChanges(
                title=title if title != _shown(record, "title") else None,
                customer=customer if customer != _shown(record, "customer") else None,
                value=value if value and value != str(record["value"]) else None,
                currency=currency if currency and currency != record["currency"] else None,
                close=close,
                clear_close=not close_text and record["close_date"] is not None,
                owner=owner if owner != _shown(record, "owner") else None,
            )
            deal_id = record["id"]

            def edit(session) -> int:
                return deals.edit(session, str(deal_id), changes).id

            outcome = await self.crm.write(edit, notify=False)
        if outcome.ok:
            self.dismiss(outcome.value)
        else:
            self.show_error(outcome.error)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def _preview(text: str, now: datetime, anchor: datetime | None) -> tuple[datetime | None, str]:
    """(the moment, a line for the user) for a WHEN being typed; (None, error) if bad."""
    try:
        moment = parse_when(text, anchor)
    except InvalidInput as error:
        return None, str(error)
    return moment, f"→ {format_when(moment, now)}"


class SnoozeScreen(Dialog):
    """Snooze until: in 1 hour, tomorrow 9am, next week, or a typed WHEN."""

    CHOICES: ClassVar[list[tuple[str, str]]] = [
        ("+1h", "In 1 hour"),
        ("tomorrow 9am", "Tomorrow 9am"),
        ("+1w", "Next week (same time)"),
    ]

    def __init__(self, text: str, now: datetime, anchor: datetime | None) -> None:
        super().__init__()
        self.reminder_text = text
        self.now = now
        self.anchor = anchor

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                f"Snooze [b]{_escape(self.reminder_text or 'reminder')}[/b]", classes="title"
            )
            options = []
            for spec, label in self.CHOICES:
                moment, _ = _preview(spec, self.now, self.anchor)
                shown = f"{label}  [dim]{format_local(moment)}[/dim]" if moment else label
                options.append(Option(shown, id=spec))
            yield OptionList(*options, id="choices")
            yield _field(
                "Or when",
                Input(placeholder="fri 14:00, in 3 days, 2026-12-01", id="when", compact=True),
            )
            yield Static("", id="preview", classes="hint")
            yield Static("", id="error", classes="error")

    def on_mount(self) -> None:
        self.show_error(None)
        self.query_one("#choices", OptionList).focus()

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        moment, message = _preview(event.option.id or "", self.now, self.anchor)
        if moment is None:
            self.show_error(message)
        else:
            self.dismiss(moment)

    @on(Input.Changed, "#when")
    def _typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        moment, message = _preview(text, self.now, self.anchor) if text else (None, "")
        self.query_one("#preview", Static).update(message if moment else "")
        self.show_error(None)

    @on(Input.Submitted, "#when")
    def _submitted(self, event: Input.Submitted) -> None:
        moment, message = _preview(event.value.strip(), self.now, self.anchor)
        if moment is None:
            self.show_error(message)
        else:
            self.dismiss(moment)


class LogScreen(Dialog):
    """Log an interaction for a customer: channel, direction, summary, next reminder."""

    def __init__(self, customer_id: int, customer: str, *, deal_id: int | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer = customer
        self.deal_id = deal_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"Log for [b]{_escape(self.customer)}[/b]", classes="title")
            yield _field(
                "Channel",
                Select(
                    [(c, c) for c in CHANNELS],
                    value="call",
                    allow_blank=False,
                    id="channel",
                    compact=True,
                ),
            )
            yield _field(
                "Direction",
                Select(
                    [(d, d) for d in DIRECTIONS],
                    value="out",
                    allow_blank=False,
                    id="direction",
                    compact=True,
                ),
            )
            yield _field("Summary", Input(placeholder="what happened", id="summary", compact=True))
            yield _field(
                "Remind",
                Input(
                    placeholder="next reminder (optional): tomorrow 9am, fri, in 3 days",
                    id="remind",
                    compact=True,
                ),
            )
            yield Static("", id="preview", classes="hint")
            yield Static("", id="error", classes="error")
            yield _buttons("Log")

    def on_mount(self) -> None:
        self.show_error(None)
        self.query_one("#summary", Input).focus()

    @on(Input.Changed, "#remind")
    def _typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        moment, message = _preview(text, self.crm.clock(), self.crm.anchor) if text else (None, "")
        self.query_one("#preview", Static).update(message if moment else "")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.run_worker(self._write(), group="dialog", exclusive=True, exit_on_error=False)

    async def _write(self) -> None:
        from crmcli.services import interactions

        channel = self.query_one("#channel", Select).value
        direction = self.query_one("#direction", Select).value
        summary = self.query_one("#summary", Input).value.strip()
        remind_text = self.query_one("#remind", Input).value.strip()
        remind_at = None
        if remind_text:
            remind_at, message = _preview(remind_text, self.crm.clock(), self.crm.anchor)
            if remind_at is None:
                self.show_error(message)
                return
        customer_id, deal_id = self.customer_id, self.deal_id

        def log(session) -> int:
            return interactions.log(
                session,
                str(customer_id),
                str(channel),
                summary or None,
                direction=str(direction),
                deal=str(deal_id) if deal_id else None,
                remind_at=remind_at,
            ).interaction.id

        outcome = await self.crm.write(log, notify=False)
        if outcome.ok:
            self.dismiss(outcome.value)
        else:
            self.show_error(outcome.error)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class PipelineScreen(Dialog):
    def __init__(self, pipelines: Sequence[PipelineInfo], current: int) -> None:
        super().__init__()
        self.pipelines = list(pipelines)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Switch pipeline", classes="title")
            yield OptionList(
                *(
                    Option(
                        Content(visible(p.name) + ("  (default)" if p.is_default else "")),
                        id=str(p.id),
                    )
                    for p in self.pipelines
                ),
                id="pipelines",
            )

    def on_mount(self) -> None:
        options = self.query_one("#pipelines", OptionList)
        for index, pipeline in enumerate(self.pipelines):
            if pipeline.id == self.current:
                options.highlighted = index
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0) or None)


LEGEND = (
    "On a card: [b]!12d[/b] or [b]12d rotting[/b] = longer in its stage than the stage's "
    "rotting threshold.\nIn a column header: count, total, [b]w[/b] weighted total "
    "(value × stage probability); [b]+[/b] = other currencies too (hover for all).\n"
    "Remap keys by binding id in {path}"
)


def key_rows(app: Any, screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, what they do, binding id) for every binding active on `screen`."""
    rows: dict[str, list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.id:
            continue
        shown = app.get_key_display(binding.__class__(key, binding.action))
        if binding.id in rows:
            rows[binding.id][0] += f", {shown}"
        else:
            rows[binding.id] = [shown, binding.description or binding.action, binding.id]
    return [(keys, does, binding_id) for keys, does, binding_id in rows.values()]


class HelpScreen(Dialog):
    """The keys of the screen below, with their binding ids (for the keymap file)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "cancel", "Close", id="help.close"),
    ]

    def __init__(self, rows: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        from crmcli.tui import keymap

        with Vertical(classes="dialog help"):
            yield Label("Keys", classes="title")
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            yield Static(LEGEND.format(path=_escape(str(keymap.default_path()))), classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#keys", DataTable)
        table.add_columns("Key", "Does", "Binding id")
        for row in self.rows:
            table.add_row(*row)
        table.focus()


def _shown(record: dict, key: str) -> str:
    """A stored text as an input shows it: controls made visible (a field left as shown is
    not saved back, so the stored text stays as it was)."""
    return visible(record.get(key) or "")


def _escape(text: str) -> str:
    """Stored text for a markup string: controls shown, brackets not taken as markup."""
    from textual.markup import escape

    return escape(visible(text))
