"""The top bar, and a one-line key bar: the shown bindings of the screen as `key Description`.

Textual's Footer rebuilds a widget per key on every focus change; the board changes focus
on every keystroke, so this bar renders one line of text instead, and only when the keys
(or their remapping) actually change.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    def __init__(self) -> None:
        super().__init__("", markup=False)
        self._shown: tuple | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.refresh_keys)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh_keys()

    def refresh_keys(self) -> None:
        items: list[tuple[str, str]] = []
        actions: set[str] = set()
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.show or binding.action in actions or not active.enabled:
                continue
            actions.add(binding.action)
            items.append((self.app.get_key_display(binding), binding.description))
        shown = tuple(items)
        if shown == self._shown:
            return
        self._shown = shown
        parts: list[tuple[str, str] | str] = []
        for key, description in items:
            parts.append((f" {key} ", "bold $footer-key-foreground"))
            parts.append((f"{description} ", "$footer-description-foreground"))
        self.update(Content.assemble(*parts))


class TopBar(Horizontal):
    """The line at the top: where you are (left) and how to find the keys (right)."""

    HINT = "? keys  ^p palette  q quit"

    def __init__(self, bar_id: str) -> None:
        super().__init__(classes="bar")
        self.text = Static("", id=bar_id, classes="bar-text")

    def compose(self) -> ComposeResult:
        yield self.text
        yield Static(self.HINT, classes="bar-hint", markup=False)

    def update(self, markup: str) -> None:
        self.text.update(markup)
