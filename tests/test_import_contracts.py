"""The import contracts of pyproject.toml hold, and each one fails when its rule is broken.

They run through scripts/lint_imports.py, which shows grimp the installed layout: the faces
(crmcli.commands, crmcli.tui) live outside crmcli/ on disk. The planted-import cases prove
the faces really are in the graph: a contract that cannot see them would pass them all.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "lint_imports.py"


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_repository_keeps_its_import_contracts() -> None:
    result = lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_bare_lint_imports_run_stops_instead_of_passing_without_the_faces() -> None:
    """From the repository, grimp sees crmcli/ alone: the run must fail loudly."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Module 'crmcli." in output
    assert "does not exist" in output


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of what the contracts read: the packages and pyproject.toml."""
    for name in ("crmcli", "commands", "tui", "migrations"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "line", "contract", "reported"),
    [
        (
            "commands/company.py",
            "from sqlmodel import select",
            "The faces import no SQLAlchemy",
            "crmcli.commands.company -> sqlmodel",
        ),
        (
            "tui/widgets/board.py",
            "from crmcli.store.models import Deal",
            "The faces import no SQLAlchemy",
            "crmcli.tui.widgets.board -> crmcli.store.models",
        ),
        (
            "crmcli/services/companies.py",
            "import rich",
            "The core imports no UI package",
            "crmcli.services.companies -> rich",
        ),
        (
            "crmcli/views/timeline.py",
            "from crmcli.commands import output",
            "Layers",
            "crmcli.views.timeline -> crmcli.commands.output",
        ),
        (
            "crmcli/entities/records.py",
            "from crmcli.services import reminders",
            "Layers",
            "crmcli.entities.records -> crmcli.services.reminders",
        ),
        (
            "crmcli/query/parser.py",
            "from crmcli.query import listing",
            "No import cycles",
            ".parser -> .listing",
        ),
    ],
    ids=["face-sqlmodel", "face-models", "core-rich", "core-imports-face", "upward", "cycle"],
)
def test_a_planted_import_breaks_its_contract(
    tree: Path, path: str, line: str, contract: str, reported: str
) -> None:
    with (tree / path).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}  # planted\n")
    result = lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout
    assert reported in result.stdout
