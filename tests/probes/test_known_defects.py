"""The known defects, one focused regression test each, expected to fail until fixed.

Issue 9 lists six defects the fuzz probe (test_fuzz.py) runs into; these tests state the
right behaviour and are marked xfail(strict=True): they fail today, and the day a fix lands
they pass, strict turns that into a failure, and the marker has to go (with the matching
rule of `known_defect` in test_fuzz.py). The last group are defects these probes found
that issue 9 does not list.

Most run the Typer app in-process against a copy of the seed database; those where argv
bytes, stdin bytes, the time zone or a closed pipe matter run the installed `crm`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli.commands.main import app
from tests.conftest import crm_executable
from tests.probes.conftest import Seed, crm_env, export_in_process, fresh_copy, ok, run_crm

BIG_ID = str(2**63)
HUGE_TEXT_ID = "1" + "0" * 5000  # 10**5000


def crm(db: Path, *args: str, input: str | None = None):
    """`crm --db DB ARGS` in-process; the result has exit_code, stdout and stderr."""
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input)


def assert_clean_failure(result, db: Path, seed: Seed, codes: tuple[int, ...] = (2,)) -> None:
    """The right way to refuse: a documented exit code, one error line, nothing written."""
    assert result.exit_code in codes, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert export_in_process(CliRunner(), db) == seed.export


# -- issue 9 defect 1: dates at the ends of the calendar -----------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 defect 1: table view of an edge date -> exit 1")
@pytest.mark.parametrize(
    ("zone", "write", "view"),
    [
        (
            "America/New_York",
            ["log", "ada", "call", "Ancient", "--at", "0001-01-01T00:00:00Z"],
            ["interaction", "list", "--format", "table"],
        ),
        (
            "Asia/Tokyo",
            ["remind", "add", "ada", "9999-12-31T23:59:59Z", "Far"],
            ["remind", "list", "--format", "table"],
        ),
    ],
    ids=["year-1-west-of-utc", "year-9999-east-of-utc"],
)
def test_edge_dates_show_in_table_views(
    seed: Seed, tmp_path: Path, zone: str, write: list[str], view: list[str]
) -> None:
    db = fresh_copy(seed, tmp_path)
    env = crm_env(db, TZ=zone)
    stored = run_crm(*write, env=env)
    assert stored.returncode in (0, 2), stored.stderr  # refusing the date is a fix too
    shown = run_crm(*view, env=env)
    assert shown.returncode == 0, shown.stderr.decode()


@pytest.mark.xfail(strict=True, reason="issue 9 defect 1: a day filter on 9999-12-31 -> exit 1")
@pytest.mark.parametrize("term", ["created:9999-12-31", "due:9999-12-31"])
def test_day_filter_on_the_last_day(seed: Seed, tmp_path: Path, term: str) -> None:
    db = fresh_copy(seed, tmp_path)
    noun = "remind" if term.startswith("due") else "customer"
    result = crm(db, noun, "list", term)
    assert result.exit_code in (0, 2), result.stderr


# -- issue 9 defect 2: ids of 2**63 and more ------------------------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 defect 2: an id >= 2**63 -> exit 1")
@pytest.mark.parametrize(
    "args",
    [
        ["customer", "show", BIG_ID],
        ["customer", "show", HUGE_TEXT_ID],
        ["deal", "move", BIG_ID, "won"],
        ["remind", "snooze", BIG_ID, "in 1 hour"],
        ["deal", "add", "Big", "--customer", BIG_ID],
        ["customer", "list", f"id={BIG_ID}"],
        ["customer", "list", "--limit", BIG_ID],
    ],
    ids=["show", "show-10**5000", "move", "snooze", "add-link", "id-filter", "limit"],
)
def test_huge_ids_are_not_found_or_invalid(seed: Seed, tmp_path: Path, args: list[str]) -> None:
    db = fresh_copy(seed, tmp_path)
    result = crm(db, *args)
    if result.exit_code == 0:  # --limit and the filter may simply work
        assert args[1] == "list"
        return
    assert_clean_failure(result, db, seed, codes=(2, 3))


# -- issue 9 defect 3: lone surrogates ------------------------------------------------------


@pytest.mark.xfail(
    strict=True, reason="issue 9 defect 3: a lone surrogate in an import line -> exit 1"
)
def test_import_line_with_a_lone_surrogate_is_refused(seed: Seed, tmp_path: Path) -> None:
    db = fresh_copy(seed, tmp_path)
    result = crm(db, "import", "-", input='{"type":"customer","name":"Bad \\ud800 name"}\n')
    assert_clean_failure(result, db, seed)
    assert "line 1" in result.stderr


@pytest.mark.xfail(
    strict=True,
    reason="issue 9 defect 3 (same cause, found by the probes): stdin bytes not UTF-8 -> exit 1",
)
def test_import_of_bytes_that_are_not_utf8_is_refused(seed: Seed, tmp_path: Path) -> None:
    db = fresh_copy(seed, tmp_path)
    result = run_crm("import", "-", input=b'{"type":"customer","name":"Bad \xff name"}\n', db=db)
    assert result.returncode == 2, result.stderr
    assert export_in_process(CliRunner(), db) == seed.export


@pytest.mark.xfail(
    strict=True,
    reason="issue 9 defect 3 (same cause, found by the probes): argv bytes not UTF-8 -> exit 1",
)
@pytest.mark.parametrize(
    "args",
    [[b"customer", b"add", b"Bad \xff name"], [b"customer", b"show", b"\xffda"]],
    ids=["add", "show"],
)
def test_argv_bytes_that_are_not_utf8(seed: Seed, tmp_path: Path, args: list[bytes]) -> None:
    db = fresh_copy(seed, tmp_path)
    result = run_crm(*args, db=db)
    assert result.returncode in (0, 2, 3), result.stderr
    if result.returncode != 0:
        assert export_in_process(CliRunner(), db) == seed.export


# -- issue 9 defect 4: custom-field integers over 4,300 digits ------------------------------


@pytest.mark.xfail(
    strict=True, reason="issue 9 defect 4: a --set integer over 4,300 digits -> exit 1"
)
def test_set_with_a_5000_digit_integer(seed: Seed, tmp_path: Path) -> None:
    db = fresh_copy(seed, tmp_path)
    result = crm(db, "customer", "add", "Digits", "--set", "n=" + "9" * 5000)
    if result.exit_code == 0:  # stored (as text or number): it must read back whole
        shown = json.loads(crm(db, "customer", "show", "Digits", "--json").stdout)
        assert str(shown["fields"]["n"]) == "9" * 5000
    else:
        assert_clean_failure(result, db, seed)


# -- issue 9 defect 5: an invalid --format on a write command -------------------------------


@pytest.mark.xfail(strict=True, reason="issue 9 defect 5: bad --format writes, then exits 2")
@pytest.mark.parametrize(
    "args",
    [
        ["customer", "add", "Bob", "--format", "bogus"],
        ["company", "add", "Bogus Ltd", "-F", "xml"],
        ["log", "ada", "call", "Hello", "--format", "yaml"],
        ["remind", "snooze", "1", "in 2 days", "--format", "nope"],
    ],
    ids=["customer-add", "company-add", "log", "snooze"],
)
def test_bad_format_on_a_write_writes_nothing(seed: Seed, tmp_path: Path, args: list[str]) -> None:
    db = fresh_copy(seed, tmp_path)
    assert_clean_failure(crm(db, *args), db, seed)


# -- issue 9 defect 6: names of invisible characters only ----------------------------------


@pytest.mark.xfail(
    strict=True, reason="issue 9 defect 6: a name of invisible characters is accepted"
)
@pytest.mark.parametrize(
    ("args", "input"),
    [
        (["customer", "add", "\u200b"], None),
        (["company", "add", "\ufeff\u2060"], None),
        (["deal", "add", "\u200e\u200f", "--customer", "ada"], None),
        (["import", "-"], '{"type":"customer","name":"\\u200b\\u200d"}\n'),
    ],
    ids=["customer", "company", "deal", "import"],
)
def test_invisible_names_are_refused(
    seed: Seed, tmp_path: Path, args: list[str], input: str | None
) -> None:
    db = fresh_copy(seed, tmp_path)
    assert_clean_failure(crm(db, *args, input=input), db, seed)


# -- not in issue 9: found by these probes -------------------------------------------------


@pytest.mark.xfail(
    strict=True, reason="not in issue 9 (probes, A): a REF of digits int() refuses -> exit 1"
)
@pytest.mark.parametrize(
    ("args", "input"),
    [
        (["customer", "show", "²"], None),
        (["remind", "snooze", "①", "in 1 hour"], None),
        (["import", "-"], '{"type":"deal","title":"X","customer":"\\u00b2"}\n'),
    ],
    ids=["show", "snooze", "import"],
)
def test_superscript_digits_as_a_ref(
    seed: Seed, tmp_path: Path, args: list[str], input: str | None
) -> None:
    db = fresh_copy(seed, tmp_path)
    assert_clean_failure(crm(db, *args, input=input), db, seed, codes=(2, 3))


@pytest.mark.xfail(
    strict=True,
    reason="not in issue 9 (probes, B): a REF over 50,000 bytes -> 'LIKE pattern too complex', exit 1",
)
@pytest.mark.parametrize(
    "args",
    [
        ["customer", "show", "A" * 60_000],
        ["customer", "add", "Linked", "--company", "é" * 30_000],
        ["customer", "list", "name:" + "A" * 60_000],
    ],
    ids=["show", "add-link", "filter"],
)
def test_very_long_ref(seed: Seed, tmp_path: Path, args: list[str]) -> None:
    db = fresh_copy(seed, tmp_path)
    result = crm(db, *args)
    if result.exit_code == 0:
        assert args[1] == "list"  # a filter that matches nothing is fine
        return
    assert_clean_failure(result, db, seed, codes=(2, 3))


@pytest.mark.xfail(
    strict=True,
    reason="not in issue 9 (probes, C): deal move prints inside its transaction; "
    "a closed stdout rolls the move back yet exits 0",
)
def test_move_with_closed_stdout_is_kept_or_reported(seed: Seed, tmp_path: Path) -> None:
    """`crm deal move 1 proposal --format json | head -c1`: exit 0 must mean moved."""
    db = fresh_copy(seed, tmp_path)
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before crm writes a byte
    try:
        moved = subprocess.run(
            [crm_executable(), "deal", "move", "1", "proposal", "--format", "json"],
            stdout=writer,
            stderr=subprocess.PIPE,
            env=crm_env(db),
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    history = json.loads(ok(run_crm("deal", "history", "1", "--json", db=db)).stdout)
    stages = [change["to_stage"] for change in history]
    assert (moved.returncode == 0) == ("Proposal" in stages), (moved.returncode, stages)
