"""Write the man pages made from the CLI into a folder: `python scripts/man.py man`.

`make man` runs it; tests/test_manpages.py fails when man/ is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crmcli.commands.main import app
from crmcli.commands.manpage import pages


def main(folder: str) -> None:
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    made = pages(typer.main.get_command(app))
    for old in target.glob("*.1"):
        if old.name not in made:
            old.unlink()
    for name, text in made.items():
        (target / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "man")
