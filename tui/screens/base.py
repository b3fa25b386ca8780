"""What every full screen shares: following the database and the way between screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from crmcli.tui.app import CrmApp


class CrmScreen(Screen):
    """A screen that shows data: reloads when the database changes (now if it is showing,
    else when it shows again)."""

    stale = False

    @property
    def crm(self) -> CrmApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.crm.follow(self)

    def on_unmount(self) -> None:
        self.crm.unfollow(self)

    def data_changed(self) -> None:
        if self.is_current:
            self.reload()
        else:
            self.stale = True

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.reload()

    def reload(self) -> None:  # pragma: no cover - each screen loads its own data
        raise NotImplementedError

    def run_quietly(self, work: Any, *, group: str, exclusive: bool = False) -> None:
        """A worker whose failure never takes the app down (errors are reported inside)."""
        self.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)
