"""The README's tour is scripts/tour.sh, run here with the installed `crm` on a fresh database:
CI runs every step of it, so the README cannot drift from what `crm` really does."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, crm_executable

SCRIPT = REPO / "scripts" / "tour.sh"
README = REPO / "README.md"


def _between(text: str, begin: str, end: str) -> list[str]:
    """The lines strictly between the line `begin` and the line `end` (each exactly once)."""
    lines = text.splitlines()
    assert lines.count(begin) == 1 and lines.count(end) == 1, (begin, end)
    return lines[lines.index(begin) + 1 : lines.index(end)]


def script_tour() -> list[str]:
    return _between(SCRIPT.read_text(), "# tour:begin", "# tour:end")


def readme_tour() -> list[str]:
    block = _between(README.read_text(), "<!-- tour:begin -->", "<!-- tour:end -->")
    assert block[0] == "```sh" and block[-1] == "```", "the tour is one ```sh block"
    return block[1:-1]


def test_readme_tour_is_the_script() -> None:
    assert readme_tour() == script_tour(), (
        "README.md's tour and scripts/tour.sh differ: copy the lines between "
        "'# tour:begin' and '# tour:end' into the README block"
    )


def _run_tour(tmp_path: Path, db: Path) -> subprocess.CompletedProcess:
    bin_dir = str(Path(crm_executable()).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    env["CRM_DB"] = str(db)
    env["TMPDIR"] = str(tmp_path)
    return subprocess.run(
        ["sh", str(SCRIPT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


@pytest.mark.slow
def test_tour_runs_top_to_bottom_on_a_fresh_database(tmp_path: Path, db_path: Path) -> None:
    result = _run_tour(tmp_path, db_path)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.stderr == ""
    out = result.stdout
    assert "Ada Lovelace\tada@acme.com" in out  # customer list tag:vip 'income>50000'
    assert re.search(r"^Moved deal \d+ to Won$", out, re.M)
    assert re.search(r"\tCall back about the quote\topen$", out, re.M)  # the inbox
    assert re.search(r"^Snoozed reminder \d+ until ", out, re.M)
    assert re.search(r"^Done: \d+, \d+$", out, re.M)
    assert re.search(r"^deal\t\d+\tAcme renewal 2027\t", out, re.M)  # search acme renewal
    assert re.search(r"^\d+\tAcme renewal 2027\tAda Lovelace\tDue\t9000\tEUR", out, re.M)
    # The count the README promises in its comment is the count the import reports.
    promised = re.search(r'"(Would import: [^"]+)"', "\n".join(script_tour()))
    assert promised and f"{promised[1]}\n" in out
    # The script cleans up its temporary folder (backup.ndjson included).
    assert not list(tmp_path.glob("crm-tour.*"))


def test_tour_refuses_a_database_that_holds_data(tmp_path: Path, db_path: Path, run_crm) -> None:
    assert run_crm("customer", "add", "Someone").returncode == 0
    result = _run_tour(tmp_path, db_path)
    assert result.returncode == 2
    assert "fresh database" in result.stderr
    assert run_crm("customer", "list", "--format", "ids").stdout == "1\n"
