"""Regression tests for the defects the probes found: one focused test each.

Issue 9 listed six defects the fuzz probe (test_fuzz.py) ran into, and the probes found more
(A, B, C ... below). Each test here started as a strict xfail and became a plain test when
its fix landed; the fuzz keeps no filter of known defects.

Most run the Typer app in-process against a copy of the seed database; those where argv
bytes, stdin bytes, the time zone or a closed pipe matter run the installed `crm`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli.commands.main import app
from tests.conftest import crm_executable
from tests.probes.conftest import Seed, crm_env, export_in_process, fresh_copy, run_crm

BIG_ID = str(2**63)
HUGE_TEXT_ID = "1" + "0" * 5000  # 10**5000


def crm(db: Path, *args: str, input: str | None = None):
    """`crm --db DB ARGS` in-process; the result has exit_code, stdout and stderr."""
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input)


def assert_clean_failure(result, db: Path, seed: Seed, codes: tuple[int, ...] = (2,)) -> None:
    """The right way to refuse: a documented exit code, one error line, nothing written."""
    assert result.exit_code in codes, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert export_in_process(CliRunner(), db) == seed.export


# -- issue 9 defect 1: dates at the ends of the calendar -----------------------------------


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
def test_edge_dates_are_refused_and_views_still_show(
    seed: Seed, tmp_path: Path, zone: str, write: list[str], view: list[str]
) -> None:
    db = fresh_copy(seed, tmp_path)
    env = crm_env(db, TZ=zone)
    stored = run_crm(*write, env=env)
    assert stored.returncode == 2, stored.stderr
    assert b"years 1900 to 2999" in stored.stderr
    assert export_in_process(CliRunner(), db) == seed.export
    shown = run_crm(*view, env=env)
    assert shown.returncode == 0, shown.stderr.decode()


@pytest.mark.parametrize("term", ["created:9999-12-31", "due:9999-12-31"])
def test_day_filter_on_the_last_day(seed: Seed, tmp_path: Path, term: str) -> None:
    db = fresh_copy(seed, tmp_path)
    noun = "remind" if term.startswith("due") else "customer"
    result = crm(db, noun, "list", term)
    assert result.exit_code == 2, result.stderr
    assert "years 1900 to 2999" in result.stderr


# -- issue 9 defect 2: ids of 2**63 and more ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["customer", "show", BIG_ID], 3),
        (["deal", "move", BIG_ID, "won"], 3),
        (["remind", "snooze", BIG_ID, "in 1 hour"], 3),
        (["deal", "add", "Big", "--customer", BIG_ID], 3),
        (["customer", "list", f"id={BIG_ID}"], 2),
        (["customer", "list", "--limit", BIG_ID], 2),
    ],
    ids=["show", "move", "snooze", "add-link", "id-filter", "limit"],
)
def test_ids_of_2_63_are_not_found_or_invalid(
    seed: Seed, tmp_path: Path, args: list[str], code: int
) -> None:
    db = fresh_copy(seed, tmp_path)
    assert_clean_failure(crm(db, *args), db, seed, codes=(code,))


@pytest.mark.parametrize(
    "args",
    [
        ["customer", "show", HUGE_TEXT_ID],
        ["deal", "move", "#" + HUGE_TEXT_ID, "won"],
        ["remind", "snooze", HUGE_TEXT_ID, "in 1 hour"],
        ["deal", "add", "Big", "--customer", HUGE_TEXT_ID],
        ["deal", "list", f"customer:{HUGE_TEXT_ID}"],
    ],
    ids=["show", "move", "snooze", "add-link", "link-filter"],
)
def test_ids_of_5000_digits_are_not_found_or_invalid(
    seed: Seed, tmp_path: Path, args: list[str]
) -> None:
    """Past 4,300 digits int() refuses to read a number: `crm customer show 1000...0`. Such
    a REF is longer than any REF may be (refused, 2); the error does not repeat it."""
    db = fresh_copy(seed, tmp_path)
    result = crm(db, *args)
    assert_clean_failure(result, db, seed, codes=(2, 3))
    assert len(result.stderr) < 300, result.stderr


# -- issue 9 defect 3: lone surrogates ------------------------------------------------------


def test_import_line_with_a_lone_surrogate_is_refused(seed: Seed, tmp_path: Path) -> None:
    db = fresh_copy(seed, tmp_path)
    result = crm(db, "import", "-", input='{"type":"customer","name":"Bad \\ud800 name"}\n')
    assert_clean_failure(result, db, seed)
    assert "line 1" in result.stderr


def test_import_of_bytes_that_are_not_utf8_is_refused(seed: Seed, tmp_path: Path) -> None:
    db = fresh_copy(seed, tmp_path)
    result = run_crm("import", "-", input=b'{"type":"customer","name":"Bad \xff name"}\n', db=db)
    assert result.returncode == 2, result.stderr
    assert b"line 1" in result.stderr
    assert export_in_process(CliRunner(), db) == seed.export


@pytest.mark.parametrize(
    "args",
    [[b"customer", b"add", b"Bad \xff name"], [b"customer", b"show", b"\xffda"]],
    ids=["add", "show"],
)
def test_argv_bytes_that_are_not_utf8_are_refused(
    seed: Seed, tmp_path: Path, args: list[bytes]
) -> None:
    db = fresh_copy(seed, tmp_path)
    result = run_crm(*args, db=db)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert export_in_process(CliRunner(), db) == seed.export


# -- issue 9 defect 4: custom-field integers over 4,300 digits ------------------------------


def test_set_with_a_5000_digit_integer(seed: Seed, tmp_path: Path) -> None:
    db = fresh_copy(seed, tmp_path)
    result = crm(db, "customer", "add", "Digits", "--set", "n=" + "9" * 5000)
    if result.exit_code == 0:  # stored (as text or number): it must read back whole
        shown = json.loads(crm(db, "customer", "show", "Digits", "--json").stdout)
        assert str(shown["fields"]["n"]) == "9" * 5000
    else:
        assert_clean_failure(result, db, seed)


# -- issue 9 defect 5: an invalid --format on a write command -------------------------------


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


@pytest.mark.parametrize(
    ("args", "input", "code"),
    [
        (["customer", "show", "²"], None, 3),  # a name, which no customer has
        (["remind", "snooze", "①", "in 1 hour"], None, 2),  # reminders have ids only
        (["import", "-"], '{"type":"deal","title":"X","customer":"\\u00b2"}\n', 3),
    ],
    ids=["show", "snooze", "import"],
)
def test_superscript_digits_as_a_ref(
    seed: Seed, tmp_path: Path, args: list[str], input: str | None, code: int
) -> None:
    """A: `²` passes str.isdigit() but int() refuses it; as a REF it is a name."""
    db = fresh_copy(seed, tmp_path)
    assert_clean_failure(crm(db, *args, input=input), db, seed, codes=(code,))


@pytest.mark.parametrize(
    ("args", "input"),
    [
        (["customer", "show", "A" * 60_000], None),
        (["customer", "show", "ada" + " " * 1_000], None),  # spaces count too
        (["customer", "add", "Linked", "--company", "é" * 30_000], None),
        (["deal", "add", "Big", "--customer", "%" * 30_000], None),  # escaped: 60,000 bytes
        (["remind", "snooze", "1" * 60_000, "in 1 hour"], None),
        (["customer", "list", "name:" + "A" * 60_000], None),
        (["deal", "list", "customer:" + "é" * 30_000], None),
        (["customer", "list", "plan:" + "_" * 30_000], None),
        (["customer", "list", "email:" + "a" * 60_000], None),
        (["customer", "list", "A" * 60_000], None),  # a full-text word
        (["search", "B" * 60_000], None),
        (["import", "-"], '{"type":"deal","title":"X","customer":"' + "A" * 60_000 + '"}\n'),
    ],
    ids=[
        "show",
        "show-spaces",
        "add-link",
        "add-link-escaped",
        "snooze",
        "filter",
        "link-filter",
        "field-filter",
        "email-filter",
        "word",
        "search",
        "import",
    ],
)
def test_very_long_ref_or_filter_value(
    seed: Seed, tmp_path: Path, args: list[str], input: str | None
) -> None:
    """B: a REF or filter value over 50,000 bytes of LIKE pattern made SQLite fail ("LIKE or
    GLOB pattern too complex", exit 1). Over 1,000 characters it is refused, in one short
    line that does not repeat it."""
    db = fresh_copy(seed, tmp_path)
    result = crm(db, *args, input=input)
    assert_clean_failure(result, db, seed, codes=(2,))
    assert "too long" in result.stderr and len(result.stderr) < 300, result.stderr


#: Write commands that change the seed database. Each command of commands/ prints after its
#: commit (tests/cli/test_write_then_print.py reads them all); these run for real, with the
#: three that printed inside their transaction first.
WRITES = [
    ["deal", "move", "1", "proposal"],
    ["deal", "won", "1"],
    ["deal", "lost", "1", "--reason", "price"],
    ["customer", "add", "Closed Pipe"],
    ["log", "ada", "call", "Hello"],
    ["remind", "done", "1"],
]
WRITE_IDS = [" ".join(args[:2]) if args[0] != "log" else "log" for args in WRITES]


def _run_with_stdout(db: Path, args: list[str], stdout: int | None, **popen) -> int:
    result = subprocess.run(
        [crm_executable(), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=crm_env(db),
        timeout=120,
        check=False,
        **popen,
    )
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result.returncode


@pytest.mark.parametrize(
    ("args", "fmt"),
    [(args, fmt) for args in WRITES[:3] for fmt in (["--format", "json"], [])]
    + [(args, []) for args in WRITES[3:]],
    ids=[f"{name} {fmt}" for name in WRITE_IDS[:3] for fmt in ("json", "plain")] + WRITE_IDS[3:],
)
def test_write_into_a_closed_pipe_exits_0_only_when_saved(
    seed: Seed, tmp_path: Path, args: list[str], fmt: list[str]
) -> None:
    """C: `crm deal move 1 proposal --format json | head -c1`. deal move, won and lost
    printed inside their transaction: the closed pipe rolled the move back, yet crm exited 0.
    Every write prints after its commit: the change is saved, and exit 0 says so."""
    db = fresh_copy(seed, tmp_path)
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before crm writes a byte
    try:
        code = _run_with_stdout(db, [*args, *fmt], writer)
    finally:
        os.close(writer)
    assert code == 0
    assert export_in_process(CliRunner(), db) != seed.export, "exit 0, yet nothing was saved"


@pytest.mark.parametrize("args", [WRITES[0], WRITES[3]], ids=[WRITE_IDS[0], WRITE_IDS[3]])
def test_write_with_stdout_closed(seed: Seed, tmp_path: Path, args: list[str]) -> None:
    """D: `crm deal move 1 proposal >&-`: with no stdout at all crm failed at start-up with a
    traceback. Its output goes nowhere, as into a pipe nobody reads: saved, exit 0."""
    db = fresh_copy(seed, tmp_path)
    code = _run_with_stdout(db, args, None, preexec_fn=lambda: os.close(1))
    assert code == 0
    assert export_in_process(CliRunner(), db) != seed.export, "exit 0, yet nothing was saved"


@pytest.mark.parametrize("stream", [0, 2], ids=["stdin", "stderr"])
def test_closed_stdin_or_stderr(seed: Seed, tmp_path: Path, stream: int) -> None:
    """D too: a closed stdin or stderr is no stream, not a crash; a failure still exits 2."""
    db = fresh_copy(seed, tmp_path)
    saved = _run_with_stdout(
        db,
        ["customer", "add", "No Streams"],
        subprocess.DEVNULL,
        preexec_fn=lambda: os.close(stream),
    )
    assert saved == 0
    refused = _run_with_stdout(
        db, ["customer", "add", ""], subprocess.DEVNULL, preexec_fn=lambda: os.close(stream)
    )
    assert refused == 2


# -- E: a pipeline stage's numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "input"),
    [
        (["pipeline", "add", "P", "--stage", "Lead:²"], None),
        (["pipeline", "add", "P", "--stage", "Lead:10:open:①"], None),
        (["pipeline", "add", "P", "--stage", "Lead:" + "1" * 5000], None),
        (["pipeline", "add", "P", "--stage", "Lead:10:open:" + "9" * 20], None),
        (["pipeline", "add", "P", "--stage", "Lead:10:open:" + "9" * 13], None),
        (
            ["import", "-"],
            '{"type":"pipeline","name":"P","stages":'
            '[{"name":"A","probability":10,"rotting_days":10000000000000}]}\n',
        ),
    ],
    ids=["superscript", "circled", "5000-digits", "rotting-2**64", "rotting-10**13", "import"],
)
def test_stage_numbers_out_of_range_are_refused(
    seed: Seed, tmp_path: Path, args: list[str], input: str | None
) -> None:
    """E: `²` passed str.isdigit() and int() refused it (exit 1); 20 digits of rotting days
    overflowed SQLite (exit 1); 13 digits were stored, and every `deal board` of that pipeline
    failed from then on (timedelta overflow, exit 1)."""
    db = fresh_copy(seed, tmp_path)
    assert_clean_failure(crm(db, *args, input=input), db, seed)


def test_board_of_a_stage_already_storing_huge_rotting_days(seed: Seed, tmp_path: Path) -> None:
    """A database an earlier crm wrote may hold such a stage: its board still shows."""
    db = fresh_copy(seed, tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE stage SET rotting_days = 10000000000000 WHERE id = 1")
    result = crm(db, "deal", "board", "--format", "json")
    assert result.exit_code == 0, result.stderr
    lead = json.loads(result.stdout)[0]
    assert (lead["stage"], lead["rotting"]) == ("Lead", 0)


# -- F: dates at the ends of the calendar, stored before issue 9 was fixed -----------------


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
@pytest.mark.parametrize(
    "view",
    [
        ["interaction", "list"],
        ["remind", "list"],
        ["remind", "list", "--all"],
        ["inbox"],
        ["timeline", "ada"],
        ["customer", "show", "ada"],
    ],
    ids=["interactions", "reminders", "all-reminders", "inbox", "timeline", "customer"],
)
def test_views_of_edge_dates_an_earlier_crm_stored(
    seed: Seed, tmp_path: Path, zone: str, view: list[str]
) -> None:
    """Issue 9's fix refuses such dates when typed or imported, but a database an earlier
    crm wrote may hold them: a table of one in a zone past the end of the calendar (year
    9999 in Tokyo, year 1 in New York) failed with OverflowError, exit 1."""
    db = fresh_copy(seed, tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE interaction SET occurred_at = '0001-01-01 00:00:00.000000'")
        connection.execute("UPDATE reminder SET due_at = '9999-12-31 23:59:59.000000'")
        connection.execute(
            "UPDATE reminder SET done_at = '0001-01-01 00:00:00.000000' WHERE done_at IS NOT NULL"
        )
    result = CliRunner().invoke(
        app, ["--db", str(db), *view, "--format", "table"], env={"CRM_TZ": zone}
    )
    assert result.exit_code == 0, result.stderr
