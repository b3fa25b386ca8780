"""The man pages in man/ are made from the CLI (`make man`) and must not go stale; `crm man`
prints them, and they render."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import typer

from crmcli.commands.main import NOUNS, SHORTCUTS, app
from crmcli.commands.manpage import pages
from tests.conftest import REPO


@pytest.fixture(scope="module")
def made() -> dict[str, str]:
    return pages(typer.main.get_command(app))


def test_man_pages_are_current(made) -> None:
    kept = {path.name: path.read_text(encoding="utf-8") for path in (REPO / "man").glob("*.1")}
    assert sorted(kept) == sorted(made), "man/ is stale: run `make man`"
    for name, text in made.items():
        assert kept[name] == text, f"man/{name} is stale: run `make man`"


def test_one_page_per_command_and_every_verb_in_its_page(made) -> None:
    assert set(made) == {"crm.1", *(f"crm-{name}.1" for name in [*NOUNS, *SHORTCUTS])}
    customer = made["crm-customer.1"]
    for verb in ("add", "list", "show", "edit", "rm", "restore"):
        assert f".SS crm customer {verb}" in customer
    assert "\\-\\-primary\\-email EMAIL" in customer
    assert ".SH EXIT STATUS" in made["crm.1"]
    assert "FORCE_COLOR" in made["crm.1"]


def test_crm_man_prints_pages(run_crm, made) -> None:
    assert run_crm("man").stdout == made["crm.1"]
    assert run_crm("man", "deal").stdout == made["crm-deal.1"]
    wrong = run_crm("man", "dael")
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("crm: error: no command 'dael'")


def test_the_packaging_ships_the_pages() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"share/man/man1" = ["man/*.1"]' in pyproject


@pytest.mark.skipif(shutil.which("man") is None, reason="no man(1) here")
def test_pages_render_without_warnings(tmp_path) -> None:
    for page in sorted((REPO / "man").glob("*.1")):
        result = subprocess.run(
            ["man", "--warnings", "-l", "-P", "cat", str(page)],
            capture_output=True,
            text=True,
            env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", f"{page.name}: {result.stderr}"
        assert "NAME" in result.stdout
