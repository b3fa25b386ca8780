"""The inbox: grouping, focus and every key, checked on the database afterwards."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from crmcli.kernel.dates import parse_when
from crmcli.services import reminders
from crmcli.store.models import Interaction, Reminder
from crmcli.tui.screens.customer import CustomerScreen
from crmcli.tui.screens.inbox import InboxScreen
from crmcli.tui.widgets.inbox import ReminderItem
from tests.tui.conftest import FIXED_NOW
from tests.tui.helpers import fill, make_app, notifications, settle


def reminder(store, reminder_id: int) -> Reminder:
    with store.read() as session:
        found = session.get(Reminder, reminder_id)
        session.expunge(found)
        return found


def focused_item(app) -> ReminderItem:
    focused = app.screen.focused
    assert isinstance(focused, ReminderItem), f"focus is on {focused!r}"
    return focused


async def open_inbox(pilot) -> InboxScreen:
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    assert isinstance(pilot.app.screen, InboxScreen)
    return pilot.app.screen


async def test_i_opens_the_inbox_grouped_with_focus_on_the_first_reminder(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_inbox(pilot)
        with demo_store.read() as session:
            expected = {
                window: [
                    r.id
                    for r in session.exec(
                        select(Reminder)
                        .where(*reminders.window_clauses(window, FIXED_NOW))
                        .order_by(Reminder.due_at, Reminder.id)
                    )
                ]
                for window in reminders.WINDOWS
            }
        shown = {w: [i.reminder_id for i in g.items] for w, g in screen.groups.items()}
        assert shown == expected
        assert all(expected.values()), "the demo has reminders in every group"
        assert focused_item(app).reminder_id == expected["overdue"][0]
        # Each shows its customer (and deal, when it has one).
        item = focused_item(app).item
        assert item.customer
        await pilot.press("j", "down", "k")
        assert focused_item(app).reminder_id == expected["overdue"][1]


async def test_d_marks_the_reminder_done(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_inbox(pilot)
        first, second = (i.reminder_id for i in screen.items[:2])
        await pilot.press("d")
        assert focused_item(app).reminder_id == second  # gone from the list at once
        await settle(pilot)
        assert reminder(demo_store, first).done_at is not None
        assert reminder(demo_store, second).done_at is None
        assert first not in [i.reminder_id for i in screen.items]
        assert focused_item(app).reminder_id == second


async def test_s_snoozes_with_each_choice_and_a_typed_date(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inbox(pilot)
        expectations = [
            (["enter"], FIXED_NOW + timedelta(hours=1)),  # in 1 hour
            (["down", "enter"], parse_when("tomorrow 9am", FIXED_NOW)),
            (["down", "down", "enter"], FIXED_NOW + timedelta(weeks=1)),
        ]
        for keys, due in expectations:
            reminder_id = focused_item(app).reminder_id
            count = reminder(demo_store, reminder_id).snooze_count
            await pilot.press("s")
            await settle(pilot)
            assert type(app.screen).__name__ == "SnoozeScreen"
            await pilot.press(*keys)
            await settle(pilot)
            saved = reminder(demo_store, reminder_id)
            assert saved.due_at == due
            assert saved.snooze_count == count + 1
        # A typed date; a bad one shows the parse error in the dialog and changes nothing.
        reminder_id = focused_item(app).reminder_id
        await pilot.press("s", "tab")
        await fill(pilot, when="someday")
        await pilot.press("enter")
        assert type(app.screen).__name__ == "SnoozeScreen"
        assert "cannot read date 'someday'" in str(app.screen.query_one("#error").render())
        await fill(pilot, when="2031-04-01 14:00")
        assert "2031-04-01 14:00" in str(app.screen.query_one("#preview").render())
        await pilot.press("enter")
        await settle(pilot)
        assert reminder(demo_store, reminder_id).due_at == parse_when("2031-04-01 14:00")


async def test_l_logs_an_interaction_with_a_next_reminder(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inbox(pilot)
        item = focused_item(app).item
        await pilot.press("l")
        await settle(pilot)
        assert type(app.screen).__name__ == "LogScreen"
        app.screen.query_one("#channel").value = "email"
        await pilot.press(*"Sent")
        await fill(pilot, summary="Sent the referral request", remind="in 3 days")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        with demo_store.read() as session:
            logged = session.exec(
                select(Interaction).where(Interaction.summary == "Sent the referral request")
            ).one()
            assert (logged.customer_id, logged.channel, logged.by) == (
                item.customer_id,
                "email",
                "tester",
            )
            assert logged.deal_id == item.deal_id
            follow_up = session.exec(
                select(Reminder)
                .where(Reminder.customer_id == item.customer_id)
                .order_by(Reminder.id.desc())
            ).first()
            assert follow_up.due_at == parse_when("in 3 days", FIXED_NOW)
        assert any("Logged" in m for m in notifications(app))


async def test_l_with_a_bad_reminder_date_writes_nothing(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inbox(pilot)
        await pilot.press("l")
        await settle(pilot)
        await fill(pilot, summary="Nope", remind="whenever")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "LogScreen"
        assert "cannot read date" in str(app.screen.query_one("#error").render())
        with demo_store.read() as session:
            assert (
                session.exec(select(Interaction).where(Interaction.summary == "Nope")).first()
                is None
            )


async def test_enter_opens_the_customer(demo_store) -> None:
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inbox(pilot)
        item = focused_item(app).item
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.view.customer["id"] == item.customer_id
        assert [r["id"] for r in app.screen.view.reminders if r["id"] == item.id] == [item.id]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
