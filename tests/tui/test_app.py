"""App-wide keys (b, i, ctrl+p, ?, q), the customer view, keymaps, following the database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time

from crmcli.services import customers, deals, pipelines
from crmcli.store.models import Deal, Reminder
from crmcli.tui import keymap
from crmcli.tui.app import CrmApp
from crmcli.tui.screens.board import BoardScreen
from crmcli.tui.screens.customer import CustomerScreen
from crmcli.tui.screens.inbox import InboxScreen
from tests.conftest import crm_executable
from tests.tui.helpers import make_app, notifications, settle, wait_for


async def test_b_and_i_switch_between_board_and_inbox(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # a customer on top of the board
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert len(app.screen_stack) == 1, "b goes back to the board itself"
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert len(app.screen_stack) == 1


async def test_the_customer_view_shows_profile_deals_reminders_and_timeline(store) -> None:
    with store.write() as session:
        customers.add(
            session,
            "Ada Lovelace",
            emails=["ada@example.com"],
            tags=["vip"],
            fields={"plan": "gold"},
        )
        deals.add(session, "Engines", customer="Ada", value="12000.50", currency="EUR")
    from crmcli.services import interactions

    with store.write() as session:
        interactions.log(session, "Ada", "call", "First call")
    with store.write() as session:
        interactions.log(session, "Ada", "email", "Sent the offer", remind_at=None)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        profile = str(screen.query_one("#profile").render())
        assert "ada@example.com" in profile and "vip" in profile and "plan: gold" in profile
        assert [d["title"] for d in screen.view.deals] == ["Engines"]
        texts = [e["text"] for e in screen.view.timeline if e["type"] == "interaction"]
        assert texts == ["email → Sent the offer", "call → First call"]  # newest first
        # l logs from here too.
        await pilot.press("l")
        await settle(pilot)
        screen_log = app.screen
        screen_log.query_one("#summary").value = "From the customer view"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.view.timeline[0]["text"].endswith("From the customer view")


async def test_the_customer_view_shows_purchases_and_refunds(store) -> None:
    from crmcli.services import products, purchases

    with store.write() as session:
        customers.add(session, "Ada Lovelace")
        deals.add(session, "Engines", customer="Ada", value="100", currency="USD")
        products.add(session, "Kind of Blue", sku="CD", price="15.99")
        purchases.record(session, "Ada", lines=[purchases.parse_item(session, "CDx2@14.665")])
    with store.write() as session:
        purchases.refund(session, "1", lines=[purchases.parse_item(session, "CD@14.67")])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        texts = [e["text"] for e in screen.view.timeline if e["type"] == "purchase"]
        assert texts == [
            "refund 14.67 USD of purchase 1: 1 × Kind of Blue",
            "purchase 29.33 USD (web): 2 × Kind of Blue",
        ]
        shown = str(screen.query_one("#timeline").render())
        assert "purchase 29.33 USD (web): 2 × Kind of Blue" in shown


def _palette_options(app) -> str:
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found:
        return ""
    options = found.first()
    return " ".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


async def test_ctrl_p_jumps_to_a_customer_or_deal_by_name(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Hoff")
        await wait_for(pilot, lambda: "Hoffmann" in _palette_options(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert "Hoffmann" in app.screen.view.customer["name"]
        # Actions are there too.
        await pilot.press("ctrl+p", *"inbo")
        await wait_for(pilot, lambda: "Inbox" in _palette_options(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)


async def test_question_mark_lists_the_keys_with_their_ids(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        table = app.screen.query_one("#keys")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        ids = {row[2] for row in rows}
        assert {"board.move_next", "board.won", "board.filter", "app.inbox", "app.quit"} <= ids
        assert any(row[2] == "board.left" and "h" in row[0] for row in rows)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_q_quits(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_a_user_keymap_remaps_bindings_by_id(demo_store, tmp_path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('"board.move_next" = "m"\n"board.down" = ["J", "down"]\n')
    assert keymap.load(path) == {"board.move_next": "m", "board.down": "J,down"}
    app = make_app(demo_store, keymap_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        lead = app.screen.columns[0]
        await pilot.press("J")
        assert app.screen.focused is lead.cards[1]
        deal_id = app.screen.focused.deal_id
        await pilot.press("m")
        await settle(pilot)
        with demo_store.read() as session:
            assert session.get(Deal, deal_id).stage_id == app.screen.columns[1].column.stage.id


async def test_a_broken_keymap_is_a_warning_not_a_crash(demo_store, tmp_path) -> None:
    path = tmp_path / "keymap.json"
    path.write_text(json.dumps({"board.won": 3}))
    app = make_app(demo_store, keymap_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("board.won" in m for m in notifications(app))
        assert isinstance(app.screen, BoardScreen)
    path.write_text(json.dumps({"board.wonn": "W"}))
    app = make_app(demo_store, keymap_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("unknown binding id(s) board.wonn" in m for m in notifications(app))


async def test_a_deal_added_and_moved_with_the_cli_shows_on_the_open_board(
    demo_db, demo_store
) -> None:
    """The acceptance test: writes from another process appear within two seconds."""
    app = CrmApp(demo_store, watch_interval=0.25)  # real clock, as `crm tui` runs
    env = {**os.environ, "CRM_DB": str(demo_db)}

    def crm(*args: str) -> str:
        done = subprocess.run(
            [crm_executable(), *args], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        board: BoardScreen = app.screen
        new_id = int(
            await asyncio.to_thread(
                crm, "deal", "add", "From the CLI", "--customer", "Ben Hoffmann"
            )
        )
        written = time.monotonic()
        await wait_for(pilot, lambda: board.columns[0].card_for(new_id) is not None, timeout=2)
        assert time.monotonic() - written < 2
        await asyncio.to_thread(crm, "deal", "move", str(new_id), "proposal")
        written = time.monotonic()
        await wait_for(pilot, lambda: board.columns[2].card_for(new_id) is not None, timeout=2)
        assert time.monotonic() - written < 2
        assert board.columns[0].card_for(new_id) is None


async def test_a_reminder_done_elsewhere_leaves_the_open_inbox(demo_store, demo_db) -> None:
    from crmcli.services import reminders
    from crmcli.store.db import open_store

    app = make_app(demo_store, watch_interval=0.25)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        inbox: InboxScreen = app.screen
        first = inbox.items[0].reminder_id
        other = open_store(str(demo_db))  # another connection, as another process would be
        with other.write() as session:
            reminders.done(session, [str(first)])
        other.dispose()
        await wait_for(pilot, lambda: first not in [i.reminder_id for i in inbox.items], timeout=2)
        with demo_store.read() as session:
            assert session.get(Reminder, first).done_at is not None


async def test_a_pipeline_given_on_the_command_line_opens_first(demo_store) -> None:
    with demo_store.write() as session:
        pipelines.add(session, "Renewals", ["Due:50", "Signed:100:won", "Churned:0:lost"])
    app = make_app(demo_store, pipeline="Renewals")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.board.pipeline.name == "Renewals"
        assert app.screen.focused is None  # no deals yet, nothing to focus
        await pilot.press("j", "L", "w")  # harmless on an empty board
        await settle(pilot)


async def test_no_color_keeps_the_focus_visible(demo_store, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.no_color
        focused = app.screen.focused
        assert focused.styles.text_style.reverse  # App:nocolor DealCard:focus
        assert focused.styles.border_left[0] == "thick"  # and a glyph, not a colour


def test_crm_tui_checks_its_options_before_starting() -> None:
    from typer.testing import CliRunner

    from crmcli.commands.main import app as cli

    runner = CliRunner()
    result = runner.invoke(cli, ["tui", "--pipeline", "nope"])
    assert result.exit_code == 3
    assert "no pipeline matches 'nope'" in result.output
    result = runner.invoke(cli, ["tui", "--keymap", "/nonexistent/keymap.toml"])
    assert result.exit_code == 2
    assert "tui" in runner.invoke(cli, ["--help"]).output
