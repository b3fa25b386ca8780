"""The completion scripts in completions/ are generated from the CLI and must not go stale."""

from __future__ import annotations

import subprocess

import pytest

from crmcli.commands.completion import SHELLS, script
from tests.conftest import REPO


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_script_is_current(shell: str) -> None:
    kept = (REPO / "completions" / f"crm.{shell}").read_text()
    assert kept == script(shell), f"completions/crm.{shell} is stale: run `make completions`"


def test_bash_completion_completes_nouns(run_crm) -> None:
    result = run_crm(
        env={"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": "crm cust", "COMP_CWORD": "1"}
    )
    assert result.returncode == 0
    assert "customer" in result.stdout


def test_completion_scripts_parse_in_bash() -> None:
    subprocess.run(["bash", "-n", str(REPO / "completions" / "crm.bash")], check=True)
