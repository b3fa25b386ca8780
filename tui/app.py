"""`crm tui`: the Textual app over the crmcli core.

The app owns the store (opened once by `crm tui`, or a test's temporary one), a clock
(`now`, frozen in tests and snapshots), the write queue and the database watcher:

- Reads run in worker threads (`read`), writes too (`write`), one transaction each and
  one at a time, in the order they were asked for; a failed write is reported as a
  notification and leaves nothing behind (the store rolls the transaction back).
- A timer polls `crmcli.store.watch.Watcher` twice a second; when another connection (the CLI
  in another terminal, or our own writes) commits, the open screens reload.
- Bindings carry ids; a user keymap file remaps them (see `crmcli.tui.keymap`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen

from crmcli.kernel.dates import to_utc
from crmcli.kernel.errors import Ambiguous
from crmcli.present.errors import describe
from crmcli.present.text import visible
from crmcli.store.db import Store
from crmcli.store.watch import Watcher
from crmcli.tui import keymap as keymaps
from crmcli.tui.commands import CrmCommands
from crmcli.tui.screens.board import BoardScreen
from crmcli.tui.screens.customer import CustomerScreen
from crmcli.tui.screens.inbox import InboxScreen


@dataclass(frozen=True)
class Outcome:
    """How a write went: `value` on success, `error` (one line for the user) on failure."""

    ok: bool
    value: Any = None
    error: str | None = None


def describe_error(error: BaseException) -> str:
    """One line for a notification, whatever went wrong (worded as `crm` words it), with
    an ambiguous REF's first candidates named."""
    _, message = describe(error)
    if isinstance(error, Ambiguous):
        names = [c.split("\t", 1)[-1] for c in error.candidates[:5]]
        return f"{message}: {', '.join(names)}" if names else message
    return message


def binding_ids() -> set[str]:
    """Every binding id of the app (what a keymap file may remap)."""
    from crmcli.tui.screens import modals

    classes = [CrmApp, BoardScreen, InboxScreen, CustomerScreen, modals.Dialog, modals.HelpScreen]
    return {
        binding.id
        for cls in classes
        for binding in cls.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }


class CrmApp(App[None]):
    """The terminal UI: the funnel board, the reminder inbox and customer views."""

    TITLE = "crm"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, Any]] = {"board": BoardScreen, "inbox": InboxScreen}
    DEFAULT_MODE = "board"
    COMMANDS = App.COMMANDS | {CrmCommands}
    NOTIFICATION_TIMEOUT = 6

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="app.palette",
            priority=True,
            show=False,
            tooltip="Jump to any customer or deal, or run an action",
        ),
        Binding("question_mark", "help", "Keys", id="app.help"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        now: datetime | None = None,
        pipeline: str | None = None,
        start: str = "board",
        watch_interval: float | None = 0.5,
        keymap_path: Path | None = None,
    ) -> None:
        self.store = store
        self.frozen_now = to_utc(now) if now is not None else None
        self.initial_pipeline = pipeline
        self.start_mode = start
        self.watch_interval = watch_interval
        self.keymap_problem: str | None = None
        self._write_lock = asyncio.Lock()
        self._watcher: Watcher | None = None
        self._version: object = None
        self._followers: list[Any] = []
        self._waiting: list[Any] = []
        self.pending_writes = 0
        super().__init__()
        try:
            user_keymap = keymaps.load(keymap_path)
        except keymaps.KeymapError as error:
            user_keymap = {}
            self.keymap_problem = str(error)
        if user_keymap:
            unknown = sorted(set(user_keymap) - binding_ids())
            if unknown:
                self.keymap_problem = (
                    f"unknown binding id(s) {', '.join(unknown)}; press ? for the ids"
                )
            self.set_keymap(user_keymap)

    # -- time -------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, from any screen: its words are often stored text (a deal's
        title, an error naming a stage), so they are shown plain, controls made visible,
        and never read as markup."""
        super().notify(
            visible(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def clock(self) -> datetime:
        """The current time: frozen in tests and snapshots, else the wall clock."""
        return self.frozen_now or datetime.now(UTC)

    @property
    def anchor(self) -> datetime | None:
        """`now` for parsing WHEN text: the frozen time, or None for the real one."""
        return self.frozen_now

    # -- lifecycle ----------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.keymap_problem:
            self.notify(self.keymap_problem, title="Keymap ignored", severity="warning")
        if self.start_mode != "board":
            self.switch_mode(self.start_mode)
        if self.watch_interval:
            try:
                self._watcher = Watcher(self.store)
            except Exception as error:
                self.notify(
                    f"not following the database: {describe_error(error)}", severity="warning"
                )
            else:
                self.set_interval(self.watch_interval, self._poll, name="watch")

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None

    # -- the database -------------------------------------------------------------------

    async def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `fn(session, *args, **kwargs)` on a read session in a thread."""

        def run() -> Any:
            with self.store.read() as session:
                return fn(session, *args, **kwargs)

        return await asyncio.to_thread(run)

    async def write(
        self, fn: Callable[..., Any], *args: Any, notify: bool = True, **kwargs: Any
    ) -> Outcome:
        """Run `fn(session, ...)` in one write transaction, in a thread, after the writes
        asked for before it. `fn` must return plain values (its session closes after)."""

        def run() -> Any:
            with self.store.write() as session:
                return fn(session, *args, **kwargs)

        self.pending_writes += 1
        try:
            async with self._write_lock:
                value = await asyncio.to_thread(run)
        except Exception as error:
            message = describe_error(error)
            if notify:
                self.notify(message, title="Not saved", severity="error")
            return Outcome(False, error=message)
        finally:
            self.pending_writes -= 1
            if not self.pending_writes:
                waiting, self._waiting = self._waiting, []
                for screen in waiting:
                    screen.data_changed()
        return Outcome(True, value)

    def after_writes(self, screen: Any) -> None:
        """Call `screen.data_changed()` once the writes under way are all done."""
        if screen not in self._waiting:
            self._waiting.append(screen)

    def follow(self, screen: Any) -> None:
        """Register a screen to hear about database changes (`data_changed()`)."""
        if screen not in self._followers:
            self._followers.append(screen)

    def unfollow(self, screen: Any) -> None:
        if screen in self._followers:
            self._followers.remove(screen)

    def _poll(self) -> None:
        self.run_worker(self._check_version(), group="watch", exclusive=True, exit_on_error=False)

    async def _check_version(self) -> None:
        if self._watcher is None:
            return
        try:
            version = await asyncio.to_thread(self._watcher.version)
        except Exception:
            return  # a locked or vanished database: try again at the next tick
        if self._version is not None and version != self._version:
            self.data_changed()
        self._version = version

    def data_changed(self) -> None:
        """Tell every open screen that the data may have changed."""
        for follower in list(self._followers):
            follower.data_changed()

    # -- navigation ---------------------------------------------------------------------

    async def _show_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            await self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            await self.pop_screen()

    async def action_board(self) -> None:
        await self._show_mode("board")

    async def action_inbox(self) -> None:
        await self._show_mode("inbox")

    def open_customer(self, customer_id: int, deal_id: int | None = None) -> None:
        self.push_screen(CustomerScreen(customer_id, deal_id))

    async def board_action(self, action: str) -> None:
        """Go to the board and run one of its actions (from the command palette)."""
        await self._show_mode("board")
        screen = self.screen
        if isinstance(screen, BoardScreen):
            await screen.run_action(action)

    def action_help(self) -> None:
        from crmcli.tui.screens.modals import HelpScreen, key_rows

        self.push_screen(HelpScreen(key_rows(self, self.screen)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a dialog, letters belong to the dialog: `q` and `?` do not quit or open help.
        return not (action in ("quit", "help") and isinstance(self.screen, ModalScreen))
