"""`crm completion bash|zsh|fish`: the shell completion script (also kept in completions/)."""

from __future__ import annotations

from typing import Annotated

import typer

SHELLS = ("bash", "zsh", "fish")


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="crm", complete_var="_CRM_COMPLETE", shell=shell) + "\n"


def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
) -> None:
    """Print the completion script: eval "$(crm completion bash)", or save it where your shell looks."""
    from crmcli.kernel.errors import InvalidInput

    if shell not in SHELLS:
        raise InvalidInput(f"unknown shell '{shell}': use {', '.join(SHELLS)}")
    typer.echo(script(shell), nl=False)
