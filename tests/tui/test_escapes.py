"""Stored text never drives the terminal in the TUI either (issue 9, defect 3): a deal
title, a customer name and a reminder holding escape sequences, a C1 control and a bidi
override show as visible escapes on the board, in the inbox, on the customer screen and
in notifications."""

from __future__ import annotations

import re
from datetime import timedelta

from crmcli.services import customers, deals, reminders
from crmcli.tui.screens.customer import CustomerScreen
from crmcli.tui.screens.inbox import InboxScreen
from tests.tui.conftest import FIXED_NOW
from tests.tui.helpers import make_app, notifications, settle

EVIL = "Evil \x1b]0;pwned\x07\x1b[2J\x9b31m\u202eRLO"
#: Raw controls (C0 but line feed, DEL, C1) and the bidi embeddings, overrides, isolates.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def screen_text(app) -> str:
    """Every character the screen would send to the terminal, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def assert_safe(text: str) -> None:
    assert not UNSAFE.search(text), repr(text)
    assert "\\x1b]0;pwned" in text, text


async def test_board_inbox_customer_and_notifications_show_controls_visibly(store) -> None:
    with store.write() as session:
        customers.add(session, EVIL, notes=f"line one\n{EVIL}")
        deals.add(session, EVIL, customer="1", value="5000", owner="x\x1bo")
        reminders.add(session, "1", FIXED_NOW - timedelta(hours=1), EVIL)
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert_safe(screen_text(app))  # the card: title, customer, owner

        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert_safe(screen_text(app))

        await pilot.press("d")  # done: the notification names the reminder
        await settle(pilot)
        assert notifications(app) and all(not UNSAFE.search(n) for n in notifications(app))
        assert any("\\x1b]0;pwned" in n for n in notifications(app))

        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        text = screen_text(app)
        assert_safe(text)
        assert "line one" in text  # notes keep their lines
