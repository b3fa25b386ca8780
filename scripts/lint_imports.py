"""Check the import contracts of pyproject.toml over crmcli as it is installed, faces included.

setuptools installs `commands/` as `crmcli.commands` and `tui/` as `crmcli.tui` (the
`[tool.setuptools.package-dir]` table). An editable install serves those names through a
meta-path finder, but grimp, which builds import-linter's graph, finds a package with
`importlib.util.find_spec` and then walks its folder on disk: it would see `crmcli/` alone,
and every contract about the faces would pass without looking at them (or stop on a
missing module). So this lays the installed tree out in a temporary folder, a `crmcli/`
of symlinks with each mapped folder at its installed place, and runs `lint-imports` there
(it puts the current folder first on sys.path), against the repository's pyproject.toml.

    python scripts/lint_imports.py [--root REPO] [lint-imports options...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "crmcli"


def package_dirs(root: Path) -> dict[str, Path]:
    """Installed subpackage name -> its folder in the repository, from pyproject.toml."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"].get("package-dir", {})
    return {name: root / folder for name, folder in mapping.items()}


def stage(root: Path, into: Path) -> Path:
    """Build `into/crmcli` as installed: symlinks to crmcli/'s entries and the mapped folders.

    grimp walks with followlinks=True, and the module names it gives come from the staged
    paths, so `commands/deal.py` is graphed as `crmcli.commands.deal`.
    """
    top = into / PACKAGE
    top.mkdir()
    for entry in sorted((root / PACKAGE).iterdir()):
        if entry.name != "__pycache__":
            (top / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    for name, folder in sorted(package_dirs(root).items()):
        parts = name.split(".")
        if parts[0] != PACKAGE or len(parts) != 2:
            raise SystemExit(f"lint_imports: cannot stage package-dir entry {name!r}")
        target = top / parts[1]
        if target.exists() or target.is_symlink():
            raise SystemExit(f"lint_imports: {name} exists both in {PACKAGE}/ and as {folder}")
        target.symlink_to(folder, target_is_directory=True)
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the repository (default: this)")
    args, rest = parser.parse_known_args(argv)
    root = args.root.resolve()

    from importlinter.cli import lint_imports_command

    with tempfile.TemporaryDirectory(prefix="crm-lint-imports-") as folder:
        stage(root, Path(folder))
        previous = os.getcwd()
        os.chdir(folder)
        try:
            lint_imports_command.main(
                [str(root / "pyproject.toml"), "--no-cache", "--no-logo", *rest],
                prog_name="lint-imports",
                standalone_mode=False,
            )
        except SystemExit as exit_:
            return int(exit_.code or 0)
        finally:
            os.chdir(previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
