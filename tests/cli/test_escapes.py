"""Stored text never drives the terminal (issue 9, defect 3): a name holding an OSC title
sequence, a clear-screen, a C1 CSI and a bidi override is stored as given, and every output
format shows it without a raw control character."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess

import pytest

from tests.conftest import crm_executable

EVIL = "Evil \x1b]0;pwned\x07\x1b[2J \x9b31mred \u202eevil\u202c end"
#: What a table shows of it.
SHOWN = "Evil \\x1b]0;pwned\\x07\\x1b[2J \\x9b31mred \\u202eevil\\u202c end"
#: Controls that must never reach the terminal raw: C0 (but tab and line feed), DEL, C1.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def evil(cli) -> int:
    return int(cli("customer", "add", EVIL, "--format", "ids").stdout)


def test_the_name_is_stored_as_given(cli, evil) -> None:
    assert cli.json("customer", "show", str(evil))["name"] == EVIL


@pytest.mark.parametrize("fmt", ["table", "tsv", "csv", "json", "ndjson"])
def test_no_raw_control_reaches_stdout(cli, evil, fmt) -> None:
    out = cli("customer", "list", "--format", fmt).stdout
    assert not RAW_CONTROL.search(out), repr(out)
    shown = cli("customer", "show", str(evil), "--format", fmt).stdout
    assert not RAW_CONTROL.search(shown), repr(shown)


def test_table_shows_controls_and_bidi_overrides_visibly(cli, evil) -> None:
    out = cli("customer", "list", "--format", "table").stdout
    assert not BIDI.search(out)
    assert "\\x1b]0;pwned" in out and "\\u202e" in out


def test_tsv_and_csv_escape_controls_and_keep_the_rest(cli, evil) -> None:
    tsv = cli("customer", "list", "--format", "tsv").stdout
    assert tsv.split("\t")[1] == "Evil \\x1b]0;pwned\\x07\\x1b[2J \\x9b31mred \u202eevil\u202c end"
    rows = list(csv.reader(io.StringIO(cli("customer", "list", "--format", "csv").stdout)))
    assert rows[1][1] == tsv.split("\t")[1]


def test_json_escapes_c1_and_reads_back_exactly(cli, evil) -> None:
    out = cli("customer", "list", "--format", "ndjson").stdout
    assert "\\u009b" in out and "\\u001b" in out
    assert json.loads(out)["name"] == EVIL
    assert json.loads(cli("customer", "list", "--json").stdout)[0]["name"] == EVIL


def test_messages_show_the_name_visibly(cli, evil) -> None:
    cli("customer", "add", EVIL + " twin")
    ambiguous = cli("customer", "show", "Evil", expect=4)
    assert not RAW_CONTROL.search(ambiguous.stderr) and not BIDI.search(ambiguous.stderr)
    assert SHOWN in ambiguous.stderr
    deleted = cli("customer", "rm", str(evil))
    assert deleted.stdout == f"Deleted customer {evil}: {SHOWN}\n"


def _on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """Run the installed crm with stdout on a pseudo-terminal, as a person would see it."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [crm_executable(), *args],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "200", "LINES": "50", **env},
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower end is closed: everything has been read
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


def test_the_installed_crm_on_a_terminal(run_crm) -> None:
    """`crm customer add "$(printf 'Evil \\033]0;pwned\\007\\033[2J')"; crm customer list`
    at a terminal: no title set, no screen cleared; with colour, only colour codes."""
    assert run_crm("customer", "add", EVIL).returncode == 0
    plain = _on_a_terminal("customer", "list", env={"NO_COLOR": "1"})
    assert not RAW_CONTROL.search(plain.replace("\r\n", "\n")), repr(plain)
    assert "\\x1b]0;pwned\\x07" in plain
    coloured = _on_a_terminal("customer", "list", env={"NO_COLOR": "", "TERM": "xterm-256color"})
    sequences = re.findall("\x1b[^a-zA-Z]*[a-zA-Z]?", coloured)
    assert all(re.fullmatch("\x1b\\[[0-9;]*m", s) for s in sequences), sequences
    assert "\x07" not in coloured and "\x9b" not in coloured
