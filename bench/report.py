"""Result rows and the plain-text table they print as.

A row is judged (pass / fail) only where the budget applies; elsewhere it is shown as
`info` (e.g. import rows/s at 1k, where start-up dominates) or `skipped (why)`. Only judged
failures make the run exit 1.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

COLUMNS = ("row", "size", "figure", "floor", "ratio", "budget", "result")


@dataclass
class Result:
    """One line of the table, plus the raw numbers for `--json`."""

    row: str
    size: str = "-"
    figure: str = "-"
    floor: str = "-"
    ratio: str = "-"
    budget: str = "-"
    result: str = "info"
    numbers: dict[str, float | int | str | None] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.result == "fail"

    def cells(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in COLUMNS)


def skipped(row: str, why: str, *, size: str = "-", budget: str = "-") -> Result:
    return Result(row, size=size, budget=budget, result=f"skipped ({why})")


def seconds(value: float) -> str:
    """A duration readable at a glance: ms below 10 s."""
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def rate(value: float, unit: str = "rows") -> str:
    return f"{value:,.0f} {unit}/s"


def times(value: float) -> str:
    return f"{value:.2f}x"


def verdict(ok: bool, judged: bool = True) -> str:
    if not judged:
        return "info"
    return "pass" if ok else "fail"


def table(results: list[Result]) -> str:
    """Left-aligned text columns, separated by two spaces; a rule under the header."""
    rows = [COLUMNS, *(r.cells() for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def noise_notes(results: list[Result]) -> list[str]:
    """Judged rows whose CPU-time ratio gives the other verdict: likely machine noise."""
    notes = []
    for r in results:
        cpu, limit = r.numbers.get("cpu_ratio"), r.numbers.get("limit")
        if r.result not in ("pass", "fail") or cpu is None or limit is None:
            continue
        if (cpu <= limit) != (r.result == "pass"):
            other = "pass" if cpu <= limit else "fail"
            notes.append(
                f"note: {r.row} ({r.size}): wall time says {r.result}, CPU time says {other} "
                f"(CPU ratio {cpu:.2f}x): the machine is noisy; rerun with more --runs"
            )
    return notes


def write_json(path: Path, results: list[Result], meta: dict) -> None:
    payload = {**meta, "results": [asdict(r) for r in results]}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
