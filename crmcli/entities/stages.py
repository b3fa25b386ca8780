"""The order of a pipeline's stages: the board's column order and the previous / next step.

One rule for `crm deal move`'s neighbours (`services.deals.step`), the TUI's `H` / `L` keys
and the board's columns. It works on anything with a stage's `id`, `kind` and `position`
(a stored `Stage` or the board's `StageInfo`), so it imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

__all__ = ["board_order", "step_target"]

_KIND_ORDER = {"open": 0, "won": 1, "lost": 2}


class StageLike(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def position(self) -> int: ...


S = TypeVar("S", bound=StageLike)


def board_order(stages: Iterable[S]) -> list[S]:
    """Open stages by position, then won, then lost (each by position)."""
    return sorted(stages, key=lambda s: (_KIND_ORDER.get(s.kind, 0), s.position, s.id or 0))


def step_target(stages: Sequence[S], current_stage_id: int, direction: int) -> S | None:
    """The stage a deal steps to: the previous (-1) or next (+1) open stage; from won or
    lost, back steps to the last open stage. None: no further that way."""
    ordered = sorted(stages, key=lambda s: (s.position, s.id or 0))
    open_stages = [s for s in ordered if s.kind == "open"]
    current = next((i for i, s in enumerate(open_stages) if s.id == current_stage_id), None)
    if current is None:
        return open_stages[-1] if direction < 0 and open_stages else None
    index = current + direction
    return open_stages[index] if 0 <= index < len(open_stages) else None
