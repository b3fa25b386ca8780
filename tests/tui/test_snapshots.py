"""Snapshots of the board, the inbox and a customer: the demo data, time frozen, 100×30.

Regenerate after a deliberate change with `pytest tests/tui --snapshot-update`, then look
at the SVGs in tests/tui/__snapshots__/.
"""

from __future__ import annotations

from tests.tui.helpers import make_app, settle

SIZE = (100, 30)


def test_board(demo_store, snap_compare) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(demo_store), terminal_size=SIZE, run_before=ready)


def test_board_small_terminal(demo_store, snap_compare) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(demo_store), terminal_size=(80, 24), run_before=ready)


def test_inbox(demo_store, snap_compare) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(make_app(demo_store), terminal_size=SIZE, run_before=ready)


def test_customer_with_deal(demo_store, snap_compare) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_store), terminal_size=SIZE, run_before=ready)
