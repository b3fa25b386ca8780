"""Import hygiene (ARCHITECTURE.md, "Layers"): the core imports no UI package, and start-up stays light."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import pytest

import crmcli

UI_PACKAGES = ("typer", "textual", "rich")
HEAVY_PACKAGES = ("sqlalchemy", "textual", "alembic", "sqlmodel", "babel")


def _loaded_after(code: str, env: dict | None = None) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def core_modules() -> list[str]:
    names = ["crmcli"]
    for info in pkgutil.walk_packages(crmcli.__path__, "crmcli."):
        if info.name.startswith(("crmcli.commands", "crmcli.tui")):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("module", core_modules())
def test_core_module_imports_no_ui_package(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert not loaded & set(UI_PACKAGES), f"{module} pulls in {loaded & set(UI_PACKAGES)}"


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["customer", "--help"], ["completion", "bash"]],
    ids=["help", "version", "noun-help", "completion"],
)
def test_light_commands_import_no_database_or_tui(argv: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['crm', *{argv!r}]\n"
        "from crmcli.commands.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY_PACKAGES), (
        f"crm {' '.join(argv)} imports {loaded & set(HEAVY_PACKAGES)}"
    )


def test_shell_completion_request_imports_no_database() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['crm']\n"
        "from crmcli.commands.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    env = {"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": "crm cust", "COMP_CWORD": "1"}
    loaded = _loaded_after(code, env)
    assert not loaded & set(HEAVY_PACKAGES)


def _core_imports() -> dict[str, set[str]]:
    """Core module -> the core modules it imports, at module level or inside functions
    (a lazy import still ties two modules together). TYPE_CHECKING-only imports count too."""
    import ast
    from pathlib import Path

    root = Path(crmcli.__file__).parent
    names = set(core_modules())
    graph: dict[str, set[str]] = {}
    for name in names:
        path = root.joinpath(*name.split(".")[1:])
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            found |= {t for t in targets if t in names and t not in (name, "crmcli")}
        graph[name] = found
    return graph


def test_core_modules_import_each_other_without_cycles() -> None:
    graph = _core_imports()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


#: The model fits' and charts' libraries: loaded only by the reports that fit or draw.
ANALYTICS_PACKAGES = ("numpy", "scipy", "plotext", "textual_plotext")


@pytest.mark.parametrize(
    "argv",
    [
        ["customer", "list"],
        ["customer", "list", "--json"],
        ["deal", "list"],
        ["purchase", "list"],
        ["product", "list"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_lists_import_no_fitting_or_chart_library(argv: list[str], tmp_path) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['crm', '--db', {str(tmp_path / 'crm.db')!r}, *{argv!r}]\n"
        "from crmcli.commands.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    loaded = _loaded_after(code)
    assert not loaded & set(ANALYTICS_PACKAGES), (
        f"crm {' '.join(argv)} imports {loaded & set(ANALYTICS_PACKAGES)}"
    )
