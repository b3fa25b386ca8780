"""Every command's --help reads as written for people: no Python types or braces for
placeholders, and each one-line summary a whole sentence, never cut in its example."""

from __future__ import annotations

import re

import pytest
import typer
from typer._click import Context

from crmcli.commands.main import app

PLACEHOLDER = re.compile(
    r"<(?:str|int|float|bool|path|datetime|list\[[^\]]*\])>|list\[|\{[A-Za-z_.|-]+(?:\.\.\.)?\}"
)


def _tree():
    root = typer.main.get_command(app)

    def walk(command, path, parent):
        ctx = Context(command, info_name=path[-1], parent=parent)
        yield path, command, ctx
        for name in getattr(command, "list_commands", lambda _ctx: [])(ctx):
            yield from walk(command.commands[name], [*path, name], ctx)

    return list(walk(root, ["crm"], None))


TREE = _tree()


@pytest.mark.parametrize("path,command,ctx", TREE, ids=[" ".join(p) for p, _c, _x in TREE])
def test_help_has_no_odd_placeholders(path, command, ctx) -> None:
    text = command.get_help(ctx)
    assert not PLACEHOLDER.findall(text), f"{' '.join(path)} --help:\n{text}"


@pytest.mark.parametrize("path,command,ctx", TREE[1:], ids=[" ".join(p) for p, _c, _x in TREE[1:]])
def test_summary_is_a_whole_sentence(path, command, ctx) -> None:
    summary = command.get_short_help_str(limit=45)
    assert summary == command.get_short_help_str(limit=1000), "cut to fit"
    assert summary.endswith(".") and not summary.endswith("..."), summary
    assert ": crm " not in summary, f"an example in the summary: {summary}"
    assert summary.count("(") == summary.count(")"), summary
    # and the parent's list shows all of it (wrapped, maybe, never cut)
    parent = ctx.parent
    listing = " ".join(parent.command.get_help(parent).split())
    assert f"{path[-1]} {summary}" in listing


def test_usage_names_arguments_plainly() -> None:
    usage = {" ".join(p): c.get_usage(x) for p, c, x in TREE}
    assert usage["crm customer show"] == "Usage: crm customer show [OPTIONS] REF"
    assert usage["crm customer edit"] == "Usage: crm customer edit [OPTIONS] REF..."
    assert usage["crm customer list"] == "Usage: crm customer list [OPTIONS] [FILTER...]"
    assert usage["crm deal move"] == "Usage: crm deal move [OPTIONS] REF STAGE"


def test_options_show_a_word_for_their_value(run_crm) -> None:
    text = run_crm("customer", "add", "--help").stdout
    for shown in ("--title TITLE", "-e, --email EMAIL", "--note TEXT", "--owner USER", "NAME"):
        assert shown in text, shown
