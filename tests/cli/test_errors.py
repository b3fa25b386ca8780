"""Error paths: one line on stderr, the documented exit code, no traceback, nothing written.

README, "Exit codes": 0 ok, 1 internal error, 2 usage or invalid input, 3 not found, 4 ambiguous or
conflict. Every case runs against the same small database and compares `crm export` before
and after, so a failed command that wrote anything shows up as a diff.
"""

from __future__ import annotations

import shutil

import pytest

from tests.cli.helpers import build_db

SMALL = [
    ("company", "add", "Acme", "--domain", "acme.com"),
    ("customer", "add", "Ann Smith", "--email", "ann@example.com", "--company", "acme"),
    ("customer", "add", "Anna Jones", "--email", "anna@example.com"),
    ("customer", "add", "Grace Hopper", "--email", "grace@example.com"),
    ("deal", "add", "Ann deal", "--customer", "Ann Smith", "--value", "100"),
    ("deal", "add", "Grace deal", "--customer", "Grace", "--value", "200"),
    ("remind", "add", "Ann Smith", "tomorrow", "Call Ann"),
    ("log", "Ann Smith", "call", "Hello"),
    ("product", "add", "Compact disc", "--sku", "CD", "--price", "10"),
    ("purchase", "add", "Grace", "--item", "CDx2"),
]


@pytest.fixture(scope="module")
def _small_db(tmp_path_factory, _template_db):
    """customers 1 Ann Smith, 2 Anna Jones, 3 Grace Hopper; deal 1 of Ann, deal 2 of Grace;
    reminder 1 (open) for Ann; one interaction; product 1 (CD) and Grace's purchase 1 of
    two. Returns the path and its `crm export`."""
    exported: list[str] = []

    def export() -> None:
        from typer.testing import CliRunner

        from crmcli.commands.main import app

        exported.append(CliRunner().invoke(app, ["export"]).stdout)

    path = build_db(tmp_path_factory, _template_db, SMALL, after=export)
    assert '"Ann Smith"' in exported[0]
    return path, exported[0]


@pytest.fixture
def small(cli, isolated_env, _small_db):
    shutil.copyfile(_small_db[0], isolated_env)
    return cli


@pytest.fixture
def before(_small_db) -> str:
    """`crm export` of the untouched database."""
    return _small_db[1]


def snapshot(cli) -> str:
    return cli("export").stdout


INVALID = [
    ("customer", "add", "Zed", "--email", "not-an-email"),
    ("customer", "add", "   "),
    ("customer", "add", "Zed", "--set", "novalue"),
    ("customer", "add", "Zed", "--phone", "call me"),
    ("customer", "edit", "1", "--rm-email", "nope@example.com"),
    ("customer", "restore", "1"),
    ("customer", "list", "bogus:1"),
    ("customer", "list", "value>>5"),
    ("customer", "list", "--sort", "bogus"),
    ("customer", "list", "--format", "yaml"),
    ("customer", "list", "--limit", "-1"),
    ("company", "add", "X", "--tag", "a b"),
    ("deal", "add", "X", "--customer", "Grace", "--value", "-5"),
    ("deal", "add", "X", "--customer", "Grace", "--value", "abc"),
    ("deal", "add", "X", "--customer", "Grace", "--value", "1.001"),
    ("deal", "add", "X", "--customer", "Grace", "--currency", "EURO"),
    ("deal", "add", "X", "--customer", "Grace", "--close", "blorp"),
    ("deal", "add", "X", "--customer", "Grace", "--stage", "heaven"),
    ("deal", "move", "1", "heaven"),
    ("deal", "move", "1", "lost"),
    ("deal", "lost", "1", "--reason", "  "),
    ("deal", "edit", "1", "--value", "x"),
    ("deal", "list", "status:maybe"),
    ("log", "Grace", "fax", "x"),
    ("log", "Grace", "call", "x", "--remind", "blorp"),
    ("log", "Grace", "call", "x", "--at", "blorp"),
    ("log", "Grace", "call", "x", "--direction", "up"),
    ("log", "Grace", "call", "x", "--deal", "Ann deal"),
    ("remind", "add", "Grace", "blorp"),
    ("remind", "add", "-", "tomorrow"),
    ("remind", "done", "abc"),
    ("remind", "snooze", "1", "blorp"),
    ("remind", "snooze", "1", "2020-01-01"),
    ("remind", "list", "--overdue", "--today"),
    ("search", "ann", "--type", "spaceship"),
    ("search", "ann", "--limit", "-1"),
    ("search", "ann", "shoe:1"),
    ("timeline", "Grace", "--limit", "-1"),
    ("pipeline", "add", "P", "--stage", "A:200"),
    ("pipeline", "add", "P", "--stage", "Won:100"),
    ("export", "--format", "xml"),
    ("import", "/nonexistent/file.ndjson"),
]

NOT_FOUND = [
    ("customer", "show", "99"),
    ("customer", "show", "ghost@example.com"),
    ("customer", "show", "Nobody"),
    ("customer", "edit", "99", "--title", "x"),
    ("customer", "rm", "99"),
    ("customer", "add", "Zed", "--company", "Umbrella"),
    ("company", "show", "Umbrella"),
    ("company", "rm", "99"),
    ("deal", "show", "99"),
    ("deal", "move", "99", "won"),
    ("deal", "won", "Nothing here"),
    ("deal", "add", "X", "--customer", "nobody@example.com"),
    ("deal", "add", "X", "--customer", "Grace", "--pipeline", "Nope"),
    ("log", "Nobody", "call", "x"),
    ("log", "Grace", "call", "x", "--deal", "99"),
    ("remind", "add", "Nobody", "tomorrow"),
    ("remind", "done", "1", "99"),
    ("remind", "snooze", "99", "tomorrow"),
    ("timeline", "Nobody"),
    ("interaction", "show", "99"),
    ("pipeline", "show", "Nope"),
]

CONFLICT = [
    ("customer", "add", "Zed", "--email", "ANN@example.com"),
    ("customer", "edit", "Grace", "--email", "anna@example.com"),
    ("pipeline", "add", "sales", "--stage", "A:10"),
]

AMBIGUOUS = [
    ("customer", "show", "ann"),
    ("customer", "edit", "ann", "--title", "x"),
    ("customer", "rm", "ann"),
    ("deal", "add", "X", "--customer", "ann"),
    ("deal", "show", "deal"),
    ("log", "ann", "call", "x"),
    ("remind", "add", "ann", "tomorrow"),
    ("timeline", "ann"),
]

CASES = (
    [pytest.param(args, 2, id=" ".join(args)) for args in INVALID]
    + [pytest.param(args, 3, id=" ".join(args)) for args in NOT_FOUND]
    + [pytest.param(args, 4, id=" ".join(args)) for args in CONFLICT + AMBIGUOUS]
)


@pytest.mark.parametrize("args, code", CASES)
def test_error_contract(small, before, args, code):
    result = small(*args, expect=code)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("crm: error: "), result.stderr
    assert len(lines[0]) > len("crm: error: ") + 5
    if args in AMBIGUOUS:
        assert len(lines) >= 3
        assert all(line.startswith("  ") for line in lines[1:]), result.stderr
    else:
        assert len(lines) == 1, result.stderr
    assert snapshot(small) == before


def test_ambiguous_candidates_name_the_matches(small):
    result = small("customer", "show", "ann", expect=4)
    candidates = result.stderr.splitlines()[1:]
    assert any("1" in line and "Ann Smith" in line for line in candidates)
    assert any("2" in line and "Anna Jones" in line for line in candidates)
    assert not any("Grace" in line for line in candidates)


def test_not_found_message_names_the_ref(small):
    result = small("customer", "show", "ghost@example.com", expect=3)
    assert "ghost@example.com" in result.stderr


def test_unknown_channel_message_lists_channels(small):
    result = small("log", "Grace", "fax", expect=2)
    assert "fax" in result.stderr
    assert "email" in result.stderr and "call" in result.stderr


def test_import_is_all_or_nothing(small, before, tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text(
        '{"type": "customer", "name": "Valid Person"}\n'
        '{"type": "customer", "name": "Broken", "emails": ["not-an-email"]}\n'
    )
    result = small("import", str(bad), expect=2)
    assert result.stderr.startswith("crm: error:")
    assert "Traceback" not in result.stderr
    assert snapshot(small) == before


USAGE = [
    ("deal", "lost", "1"),
    ("customer", "list", "--limit", "abc"),
    ("customer", "add"),
    ("customer", "frobnicate"),
    ("nosuchnoun",),
    ("customer", "add", "Zed", "--bogus"),
]


@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a) for a in USAGE])
def test_usage_errors_exit_2_without_traceback(small, before, args):
    result = small(*args, expect=2)
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout == ""
    assert snapshot(small) == before


@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a) for a in USAGE])
def test_usage_errors_are_one_line(small, args):
    result = small(*args, expect=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error:")


def test_debug_shows_traceback(small):
    result = small("--debug", "customer", "show", "99", expect=3)
    assert "Traceback" in result.stderr
    assert "crm: error:" in result.stderr


def test_crm_debug_env_shows_traceback(small, monkeypatch):
    monkeypatch.setenv("CRM_DEBUG", "1")
    result = small("customer", "show", "99", expect=3)
    assert "Traceback" in result.stderr


def test_real_process_streams_and_exit_code(small, run_crm):
    """One real `crm` process: the exit code and stderr as a shell sees them."""
    result = run_crm("customer", "show", "ann")
    assert result.returncode == 4
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("crm: error: ")
    assert [line.startswith("  ") for line in lines[1:]] == [True, True]
    assert "Traceback" not in result.stderr


# Every command that writes and takes --format: a bad format is refused before the write.
WRITES_WITH_FORMAT = [
    ("customer", "add", "Zed"),
    ("customer", "edit", "Grace", "--title", "CTO"),
    ("company", "add", "Umbrella"),
    ("company", "edit", "Acme", "--industry", "retail"),
    ("deal", "add", "X", "--customer", "Grace"),
    ("deal", "edit", "1", "--value", "5"),
    ("deal", "move", "1", "proposal"),
    ("deal", "won", "1"),
    ("deal", "won", "1", "--purchase"),
    ("deal", "lost", "1", "--reason", "price"),
    ("pipeline", "add", "Renewals", "--stage", "Due:30"),
    ("log", "Grace", "call", "Hello"),
    ("remind", "add", "Grace", "tomorrow", "Call"),
    ("remind", "snooze", "1", "tomorrow"),
    ("product", "add", "Tape", "--sku", "TAPE", "--price", "3"),
    ("product", "edit", "CD", "--price", "11"),
    ("purchase", "add", "Grace", "--amount", "5"),
    ("purchase", "refund", "1"),
]


@pytest.mark.parametrize("args", WRITES_WITH_FORMAT, ids=[" ".join(a) for a in WRITES_WITH_FORMAT])
@pytest.mark.parametrize("flag", ["--format", "-F"])
def test_bad_format_on_a_write_is_refused_before_writing(small, before, args, flag):
    result = small(*args, flag, "yaml", expect=2)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error:"), result.stderr
    assert "yaml" in lines[0]
    assert snapshot(small) == before


def test_every_write_with_a_format_option_is_covered():
    """A new write command with --format joins WRITES_WITH_FORMAT (the test above)."""
    from crmcli.commands.main import NOUNS, SHORTCUTS, _build

    readers = {"list", "show", "board", "history", "timeline", "inbox", "search", "export"}
    found = set()
    for name in [*NOUNS, *SHORTCUTS]:
        if name == "report":  # every report only reads
            continue
        command = _build(name)
        subcommands = getattr(command, "commands", {name: command})
        for verb, sub in subcommands.items():
            if verb in readers or not any("--format" in p.opts for p in sub.params):
                continue
            found.add((name, verb) if verb != name else (name,))
    covered = {tuple(a[:2]) if a[0] not in SHORTCUTS else (a[0],) for a in WRITES_WITH_FORMAT}
    assert found == covered
