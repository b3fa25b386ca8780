"""The board: every key, checked on the database afterwards."""

from __future__ import annotations

import sqlite3

from sqlmodel import select

from crmcli.services import customers, deals, pipelines
from crmcli.store.models import Deal, Stage, StageChange
from crmcli.tui.screens.board import BoardScreen
from crmcli.tui.screens.customer import CustomerScreen
from crmcli.tui.widgets.board import DealCard
from crmcli.views import board as boards
from tests.tui.conftest import FIXED_NOW
from tests.tui.helpers import fill, make_app, notifications, settle, wait_for


def focused_card(app) -> DealCard:
    focused = app.screen.focused
    assert isinstance(focused, DealCard), f"focus is on {focused!r}"
    return focused


def deal(store, deal_id: int) -> Deal:
    with store.read() as session:
        found = session.get(Deal, deal_id)
        session.expunge(found)
        return found


def stage_named(store, name: str, pipeline_id: int = 1) -> Stage:
    with store.read() as session:
        found = session.exec(
            select(Stage).where(Stage.name == name, Stage.pipeline_id == pipeline_id)
        ).one()
        session.expunge(found)
        return found


def changes(store, deal_id: int) -> list[StageChange]:
    with store.read() as session:
        rows = session.exec(
            select(StageChange).where(StageChange.deal_id == deal_id).order_by(StageChange.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


async def test_opens_on_the_board_with_every_stage_in_order(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        assert [c.column.stage.name for c in screen.columns] == [
            "Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost",
        ]  # fmt: skip
        with demo_store.read() as session:
            expected = boards.load_board(session, now=FIXED_NOW)
        for widget, column in zip(screen.columns, expected.columns, strict=True):
            assert widget.column.count == column.count
            assert [c.deal_id for c in widget.cards] == [c.deal_id for c in column.cards]
        # Focus: the first card of the first (non-empty) column.
        assert focused_card(app).deal_id == expected.columns[0].cards[0].deal_id


async def test_focus_starts_in_the_first_non_empty_column(store) -> None:
    with store.write() as session:
        customers.add(session, "Ada Lovelace")
        deals.add(session, "Engine", customer="Ada", stage="Proposal", value="5000")
        deals.add(session, "Second engine", customer="Ada", stage="Negotiation")
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        card = focused_card(app)
        assert card.card.title == "Engine"


async def test_hjkl_and_arrows_move_focus(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen: BoardScreen = app.screen
        lead, qualified = screen.columns[0], screen.columns[1]
        assert focused_card(app) is lead.cards[0]
        await pilot.press("j")
        assert focused_card(app) is lead.cards[1]
        await pilot.press("down")
        assert focused_card(app) is lead.cards[2]
        await pilot.press("k")
        assert focused_card(app) is lead.cards[1]
        await pilot.press("l")
        assert focused_card(app) is qualified.cards[1]
        await pilot.press("up")
        assert focused_card(app) is qualified.cards[0]
        await pilot.press("right")
        assert focused_card(app) is screen.columns[2].cards[0]
        await pilot.press("left", "h")
        assert focused_card(app) is lead.cards[0]
        await pilot.press("h", "k")  # at the edges nothing moves
        assert focused_card(app) is lead.cards[0]


async def test_shift_l_and_shift_h_move_the_deal_and_record_it(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        card = focused_card(app)
        deal_id = card.deal_id
        lead, qualified, proposal = (
            stage_named(demo_store, n) for n in ("Lead", "Qualified", "Proposal")
        )
        await pilot.press("L")
        # The card moves at once (before the write), and keeps the focus.
        assert focused_card(app).deal_id == deal_id
        assert app.screen.columns[1].card_for(deal_id) is not None
        await settle(pilot)
        assert deal(demo_store, deal_id).stage_id == qualified.id
        await pilot.press("L", "L")
        await settle(pilot)
        assert focused_card(app).deal_id == deal_id
        assert deal(demo_store, deal_id).stage_id == stage_named(demo_store, "Negotiation").id
        await pilot.press("H")
        await settle(pilot)
        assert deal(demo_store, deal_id).stage_id == proposal.id
        history = changes(demo_store, deal_id)[-4:]
        assert [(c.from_stage_id, c.to_stage_id) for c in history] == [
            (lead.id, qualified.id),
            (qualified.id, proposal.id),
            (proposal.id, stage_named(demo_store, "Negotiation").id),
            (stage_named(demo_store, "Negotiation").id, proposal.id),
        ]
        assert {c.by for c in history} == {"tester"}
        # The header counts follow.
        assert app.screen.columns[2].column.count == 6


async def test_shift_h_in_the_first_stage_only_warns(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        deal_id = focused_card(app).deal_id
        before = len(changes(demo_store, deal_id))
        await pilot.press("H")
        await settle(pilot)
        assert "No stage further that way." in notifications(app)
        assert len(changes(demo_store, deal_id)) == before


async def test_w_marks_the_deal_won(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        deal_id = focused_card(app).deal_id
        await pilot.press("w")
        await settle(pilot)
        saved = deal(demo_store, deal_id)
        assert saved.stage_id == stage_named(demo_store, "Won").id
        assert saved.closed_at is not None
        assert changes(demo_store, deal_id)[-1].by == "tester"
        assert app.screen.columns[4].card_for(deal_id) is not None


async def test_x_asks_for_a_reason_and_marks_the_deal_lost(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        deal_id = focused_card(app).deal_id
        await pilot.press("x")
        await settle(pilot)
        assert type(app.screen).__name__ == "LostReasonScreen"
        await pilot.press("enter")  # no reason: refused in the dialog
        assert type(app.screen).__name__ == "LostReasonScreen"
        await pilot.press(*"Price", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        saved = deal(demo_store, deal_id)
        assert saved.stage_id == stage_named(demo_store, "Lost").id
        assert saved.lost_reason == "Price"


async def test_x_then_escape_changes_nothing(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        deal_id = focused_card(app).deal_id
        before = deal(demo_store, deal_id).stage_id
        await pilot.press("x", "escape")
        await settle(pilot)
        assert deal(demo_store, deal_id).stage_id == before


async def test_n_creates_a_deal(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert type(app.screen).__name__ == "DealFormScreen"
        await pilot.press(*"Support", "tab", *"Ben")  # typing works; the rest is filled in
        await fill(
            pilot,
            title="Support contract",
            customer="Ben Hoffmann",
            value="12000.50",
            currency="eur",
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        with demo_store.read() as session:
            created = session.exec(select(Deal).where(Deal.title == "Support contract")).one()
            assert created.value_minor == 1200050
            assert created.currency == "EUR"
            assert created.stage_id == stage_named(demo_store, "Lead").id
            history = session.exec(
                select(StageChange).where(StageChange.deal_id == created.id)
            ).all()
            assert [(h.from_stage_id, h.by) for h in history] == [(None, "tester")]
            new_id = created.id
        await wait_for(pilot, lambda: focused_card(app).deal_id == new_id)


async def test_n_shows_errors_in_the_form_and_writes_nothing(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        with demo_store.read() as session:
            count = len(session.exec(select(Deal)).all())
        await pilot.press("n")
        await fill(pilot, title="Mystery", customer="Nobody At All")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "DealFormScreen"
        assert "no customer matches" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        await settle(pilot)
        with demo_store.read() as session:
            assert len(session.exec(select(Deal)).all()) == count


async def test_e_edits_the_deal(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        deal_id = focused_card(app).deal_id
        await pilot.press("e")
        await settle(pilot)
        assert type(app.screen).__name__ == "DealFormScreen"
        title = app.screen.query_one("#title")
        assert title.value == deal(demo_store, deal_id).title
        await fill(pilot, title="Renamed deal", value="999")
        await pilot.press("enter")
        await settle(pilot)
        saved = deal(demo_store, deal_id)
        assert saved.title == "Renamed deal"
        assert saved.value_minor == 99900
        assert focused_card(app).card.title == "Renamed deal"


async def test_enter_opens_the_deal_with_its_customer(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        card = focused_card(app).card
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        assert screen.customer_id == card.customer_id
        assert screen.view.deal["id"] == card.deal_id
        assert screen.view.customer["name"] == card.customer
        assert screen.view.timeline, "the customer's timeline is shown"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def test_p_switches_pipeline(demo_store) -> None:
    with demo_store.write() as session:
        pipelines.add(session, "Renewals", ["Due:50", "Signed:100:won", "Churned:0:lost"])
        deals.add(session, "Renewal 2032", customer="Ben Hoffmann", pipeline="Renewals")
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert type(app.screen).__name__ == "PipelineScreen"
        await pilot.press("down", "enter")
        await settle(pilot)
        screen: BoardScreen = app.screen
        assert screen.board.pipeline.name == "Renewals"
        assert [c.column.stage.name for c in screen.columns] == ["Due", "Signed", "Churned"]
        assert focused_card(app).card.title == "Renewal 2032"
        await pilot.press("w")
        await settle(pilot)
        with demo_store.read() as session:
            renewal = session.exec(select(Deal).where(Deal.title == "Renewal 2032")).one()
            assert session.get(Stage, renewal.stage_id).name == "Signed"


async def test_slash_filters_the_board(demo_store) -> None:
    with demo_store.write() as session:
        customers.add(session, "Vera Vip", tags=["vip"])
        deals.add(session, "Big one", customer="Vera Vip", value="9000", owner="alice")
        deals.add(session, "Small one", customer="Vera Vip", value="10", owner="alice")
        deals.add(session, "Bob's one", customer="Vera Vip", value="9000", owner="bob")
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"tag:vip")
        await fill(pilot, filter="customer:vera value>5000 owner:alice")
        await pilot.press("enter")
        await settle(pilot)
        screen: BoardScreen = app.screen
        shown = [c.card.title for col in screen.columns for c in col.cards]
        assert shown == ["Big one"]
        assert focused_card(app).card.title == "Big one"
        assert screen.board.deal_count == 1
        # A bad filter is an error notification, and the board stays as it was.
        await pilot.press("slash")
        await fill(pilot, filter="bogus:1")
        await pilot.press("enter")
        await settle(pilot)
        assert any("unknown field 'bogus'" in m for m in notifications(app))
        assert screen.board.filter_text == "customer:vera value>5000 owner:alice"
        # Escape closes the box; escape again clears the filter.
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert screen.board.filter_text == ""
        assert screen.board.deal_count == 33


async def test_a_move_to_a_stage_that_no_longer_exists_is_undone(demo_db, demo_store) -> None:
    with demo_store.write() as session:
        stage = Stage(pipeline_id=1, name="Discovery", position=0, probability=5)
        session.add(stage)
        session.flush()
        stage_id = stage.id
        customers.add(session, "Only One")
        deals.add(session, "Lonely deal", customer="Only One", stage="Discovery")
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen: BoardScreen = app.screen
        assert screen.columns[0].column.stage.name == "Discovery"
        await pilot.press("l")  # a Lead card; H would move it back to Discovery
        card = focused_card(app).card
        assert card.stage_id == stage_named(demo_store, "Lead").id
        # Somebody removes the empty Discovery stage meanwhile...
        with demo_store.write() as session:
            lonely = session.exec(select(Deal).where(Deal.title == "Lonely deal")).one()
            deals.move(session, lonely, "Lead")
        connection = sqlite3.connect(demo_db)
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute(
            "DELETE FROM stage_change WHERE to_stage_id = ? OR from_stage_id = ?",
            (stage_id, stage_id),
        )
        connection.execute("DELETE FROM stage WHERE name = 'Discovery'")
        connection.commit()
        connection.close()
        await pilot.press("H")
        await settle(pilot)
        assert any("no longer exists" in m for m in notifications(app))
        assert deal(demo_store, card.deal_id).stage_id == card.stage_id
        assert screen.columns[0].column.stage.name == "Lead"
        assert screen.columns[0].card_for(card.deal_id) is not None


async def test_a_locked_database_is_a_notification_and_nothing_changes(
    demo_db, demo_store, monkeypatch
) -> None:
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", "1000")
    from crmcli.store.db import open_store

    store = open_store(str(demo_db))  # picks up the short timeout
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        card = focused_card(app).card
        blocker = sqlite3.connect(demo_db, isolation_level=None, timeout=0.1)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("L")
            assert app.screen.columns[1].card_for(card.deal_id) is not None  # optimistic
            await settle(pilot)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert any("locked" in m for m in notifications(app))
        assert app.screen.columns[0].card_for(card.deal_id) is not None  # moved back
        assert deal(store, card.deal_id).stage_id == card.stage_id
    store.dispose()


async def test_more_cards_load_as_focus_nears_the_end_of_a_column(store) -> None:
    with store.write() as session:
        customers.add(session, "Bulk Buyer")
        for number in range(75):
            deals.add(session, f"Deal {number:02}", customer="Bulk Buyer", value=str(number))
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        lead = app.screen.columns[0]
        assert lead.column.count == 75
        assert len(lead.cards) == boards.DEFAULT_CARDS
        assert "45 more" in str(lead.more.render())
        app.screen.set_focus(lead.cards[26])  # near the end: the next page loads
        await settle(pilot)
        assert len(lead.cards) == 60
        await pilot.press(*"j" * 5)
        assert lead.cards.index(focused_card(app)) == 31
        assert "15 more" in str(lead.more.render())
        titles = [c.card.title for c in lead.cards]
        assert len(set(titles)) == len(titles)
