"""Every write command prints after its commit (probes, defect C).

Printing inside `with context.writing()` made a closed stdout (`crm deal move ... | head -c1`)
roll the change back while crm exited 0, as it does for a closed pipe. So no command prints
inside a transaction: it keeps what it will print, and prints once the block has committed.
This test reads the commands' source; `context.transaction` also turns a closed pipe met
inside a transaction into an error (test_regressions.py runs both cases).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import crmcli.commands
from tests.cli.helpers import db_rows

COMMANDS = Path(crmcli.commands.__path__[0])
#: What prints: typer's and Python's, and the helpers of commands/context.py and output.py.
PRINTERS = {
    "echo",
    "secho",
    "print",
    "write",
    "say",
    "note",
    "show_record",
    "show_records",
    "created",
    "changed",
    "render_record",
    "render_records",
    "list_command",
}
#: The context managers that open a write transaction.
TRANSACTIONS = {"writing", "write", "transaction"}


def _prints(call: ast.Call, local_printers: set[str]) -> bool:
    """A printer by name (`typer.echo`, `context.say`), or a function of this module that
    calls one (`_after_move(...)`; never `deals.move(...)`, another module's)."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr in PRINTERS
    return isinstance(call.func, ast.Name) and call.func.id in PRINTERS | local_printers


def _local_printers(tree: ast.Module) -> set[str]:
    """The functions of this module that print, directly or through one another."""
    functions = [
        node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    printing: set[str] = set()
    grown = True
    while grown:
        grown = False
        for node in functions:
            if node.name not in printing and any(
                isinstance(inner, ast.Call) and _prints(inner, printing) for inner in ast.walk(node)
            ):
                printing.add(node.name)
                grown = True
    return printing


def _opens_a_transaction(node: ast.With | ast.AsyncWith) -> bool:
    for item in node.items:
        call = item.context_expr
        if isinstance(call, ast.Call):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in TRANSACTIONS:
                return True
    return False


def prints_inside_transactions(source: str) -> list[str]:
    tree = ast.parse(source)
    local = _local_printers(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.With | ast.AsyncWith) and _opens_a_transaction(node):
            for statement in node.body:
                for inner in ast.walk(statement):
                    if isinstance(inner, ast.Call) and _prints(inner, local):
                        found.append(f"line {inner.lineno}: {ast.unparse(inner)[:80]}")
    return found


@pytest.mark.parametrize("path", sorted(COMMANDS.glob("*.py")), ids=lambda p: p.name)
def test_no_command_prints_inside_its_transaction(path: Path) -> None:
    assert prints_inside_transactions(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_a_helper_that_prints() -> None:
    source = """
def _after(record):
    context.changed("Moved", record)

def move():
    with context.writing() as session:
        _after(record)
"""
    assert prints_inside_transactions(source) == ["line 7: _after(record)"]


def test_a_closed_pipe_inside_a_transaction_is_an_error(store) -> None:
    """Should something print too early again, the rolled-back change is reported."""
    from crmcli.commands import context
    from crmcli.services import companies
    from crmcli.store.models import Company

    with pytest.raises(RuntimeError, match="nothing was written"), context.transaction(store) as s:
        companies.add(s, "Early Print Ltd")
        raise BrokenPipeError(32, "Broken pipe")
    assert db_rows(Company) == []
