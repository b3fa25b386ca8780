"""The command palette (ctrl+p): jump to any customer or deal by part of its name, or run
any action of the app."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from crmcli.present.text import visible
from crmcli.views.board import find


def _actions(app: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    return [
        ("Board", "The funnel board (b)", app.action_board),
        ("Inbox", "Open reminders: overdue, today, upcoming (i)", app.action_inbox),
        ("New deal", "Create a deal on the board (n)", partial(app.board_action, "new_deal")),
        ("Filter the board", "tag:vip value>5000 owner:alice (/)", partial(app.board_action, "filter")),
        ("Switch pipeline", "Show another pipeline on the board (p)", partial(app.board_action, "pick_pipeline")),
        ("Move deal to next stage", "The focused card (L)", partial(app.board_action, "move_next")),
        ("Move deal to previous stage", "The focused card (H)", partial(app.board_action, "move_prev")),
        ("Mark deal won", "The focused card (w)", partial(app.board_action, "won")),
        ("Mark deal lost", "The focused card, with a reason (x)", partial(app.board_action, "lost")),
        ("Edit deal", "The focused card (e)", partial(app.board_action, "edit_deal")),
        ("Keys", "Every key of this screen and its binding id (?)", app.action_help),
        ("Quit", "Leave crm (q)", app.action_quit),
    ]  # fmt: skip


class CrmCommands(Provider):
    """Customers and deals from the database, and the app's actions."""

    async def discover(self) -> Hits:
        for name, help_text, callback in _actions(self.app):
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        app: Any = self.app
        matcher = self.matcher(query)
        for name, help_text, callback in _actions(app):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        if len(query.strip()) < 2:
            return
        try:
            targets = await app.read(find, query, limit=8)
        except Exception:
            return
        for target in targets:
            deal_id = target.id if target.kind == "deal" else None
            label = visible(target.label)
            yield Hit(
                max(matcher.match(label), 0.5),
                matcher.highlight(label),
                partial(app.open_customer, target.customer_id, deal_id),
                text=label,
                help=visible(target.detail),
            )
