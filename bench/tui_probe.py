"""Runs the TUI headless on a database and reports when the board shows, and how fast a card
moves. Launched in a fresh process by the benchmark, so start-up is part of the figure.

The contract it relies on (what the TUI must offer for this row to be measured):

- `crmcli.tui.app.CrmApp(store)` builds the app on a `crmcli.store.db.Store` and opens on the
  board;
- deal cards are widgets of a class named `DealCard` (or a subclass) carrying `deal_id`;
  the column holding a card is its nearest ancestor whose class name ends in `Column`;
- `L` / `H` (shift) move the focused card to the next / previous stage, and the card then
  appears in that column (the first card must be in a stage with a next open one).

Usage: python -m bench.tui_probe DB first SPAWN_EPOCH   -> {"seen": epoch s, "cpu": s}
       python -m bench.tui_probe DB move MOVES          -> {"moves": [seconds, ...]}
Exit 3 with {"error": ...} when the TUI or the contract is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

CARD = "DealCard"
POLL = 0.001
TIMEOUT = 60.0


def _fail(message: str) -> None:
    print(json.dumps({"error": message}), flush=True)
    os._exit(3)


def _cards(app) -> list:
    return list(app.screen.query(CARD))


def _column(card) -> object | None:
    return next((a for a in card.ancestors if type(a).__name__.endswith("Column")), None)


async def _until(app, predicate, timeout: float = TIMEOUT) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            shown = type(app.screen).__name__
            notes = "; ".join(str(n.message) for n in getattr(app, "_notifications", ()))[:200]
            _fail(f"timed out after {timeout:.0f} s waiting on {shown} ({notes or 'no notes'})")
        await asyncio.sleep(POLL)


async def _settle(app, pilot) -> None:
    """Let the previous move's write and reload finish, so moves do not overlap."""
    await pilot.pause(0.2)
    await app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def _moves(app, pilot, count: int) -> list[float]:
    """Move one card `count` times (L, H, L, ... as a user pressing the key would, via a
    posted key event), timing each until the card sits in another column."""
    first = _cards(app)[0]
    deal_id = getattr(first, "deal_id", None)
    if deal_id is None:
        _fail(f"{CARD} has no deal_id attribute")
    first.focus()
    await _settle(app, pilot)
    timings = []
    for number in range(count):
        card = next(c for c in _cards(app) if c.deal_id == deal_id)
        before = _column(card)
        if before is None:
            _fail(f"no ancestor *Column around a {CARD}")

        def moved(before=before) -> bool:
            now = next((c for c in _cards(app) if c.deal_id == deal_id), None)
            return now is not None and _column(now) is not before

        start = time.perf_counter()
        app.simulate_key("L" if number % 2 == 0 else "H")
        await _until(app, moved, timeout=10)
        timings.append(time.perf_counter() - start)
        await _settle(app, pilot)
    return timings


async def _probe(db: str, mode: str, arg: str) -> dict:
    try:
        from crmcli.tui.app import CrmApp
    except ImportError as exc:
        _fail(f"no TUI: {exc}")
    from crmcli.store.db import open_store

    app = CrmApp(open_store(db))
    async with app.run_test(headless=True, size=(200, 50)) as pilot:
        await _until(app, lambda: bool(_cards(app)))
        if mode == "first":
            seen = time.time()
            cpu = time.process_time()
            print(json.dumps({"seen": seen, "spawn": float(arg), "cpu": cpu}), flush=True)
            os._exit(0)  # teardown is not part of "first cards shown"
        return {"moves": await _moves(app, pilot, int(arg))}


def main() -> None:
    db, mode, arg = sys.argv[1:4]
    print(json.dumps(asyncio.run(_probe(db, mode, arg))), flush=True)


if __name__ == "__main__":
    main()
