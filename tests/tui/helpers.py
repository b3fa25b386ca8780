"""Helpers for driving the app in tests: wait until screens have loaded and writes landed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from weakref import WeakKeyDictionary

from textual.notifications import Notification, Notifications

from crmcli.tui.app import CrmApp
from tests.tui.conftest import FIXED_NOW

#: Every notification message each test app raised, in order (see `record_notifications`).
_NOTIFIED: WeakKeyDictionary[CrmApp, list[str]] = WeakKeyDictionary()


def make_app(store, **options) -> CrmApp:
    options.setdefault("now", FIXED_NOW)
    options.setdefault("watch_interval", None)
    return record_notifications(CrmApp(store, **options))


def record_notifications(app: CrmApp) -> CrmApp:
    """Keep each notification's message from the moment the app raises it.

    Textual forgets a notification once its timeout has passed in wall-clock time (3 s for
    the inbox's, 6 s otherwise): `app._notifications` drops it. On a loaded machine a key
    press and the settling after it can take longer than that, and a test that read
    `app._notifications` then missed a notification the app did show. Tests ask what the
    app said, not whether the toast is still up, so they read this record instead.
    """
    notified: list[str] = []
    _NOTIFIED[app] = notified
    keep = app._notifications.add

    def add(notification: Notification) -> Notifications:
        notified.append(notification.message)  # as shown: after the app's own clean-up
        return keep(notification)

    app._notifications.add = add  # type: ignore[method-assign]
    return app


async def settle(pilot, *, timeout: float = 10.0) -> None:
    """Until the current screen has loaded and no worker or write is busy."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        busy = [w for w in app.workers if w.is_running and w.group != "watch"]
        loaded = getattr(app.screen, "loaded", True)
        if not busy and loaded and not app.pending_writes:
            await pilot.pause()
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"app did not settle: busy={busy} loaded={loaded}")
        await asyncio.sleep(0.02)


async def wait_for(pilot, condition: Callable[[], bool], *, timeout: float = 5.0) -> float:
    """Poll `condition` while the app runs; the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)
    return time.monotonic() - start


def notifications(app: CrmApp) -> list[str]:
    """Every message the app has notified, expired ones included (see `record_notifications`)."""
    return list(_NOTIFIED[app])


async def fill(pilot, **values: str) -> None:
    """Set inputs of the current screen by id (typing each letter is slow in a pilot)."""
    for widget_id, value in values.items():
        widget = pilot.app.screen.query_one(f"#{widget_id}")
        widget.value = value
    await pilot.pause()
