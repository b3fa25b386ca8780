"""Text comes in as NFC, whatever the keyboard or file sent: `école` typed composed (é) or
decomposed (e + U+0301) is the same word, stored once and found by either. Names that show
nothing (zero-width spaces, NUL, other control or format characters) are refused, and so is a NUL anywhere in a name."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import unicodedata

import pytest

COMPOSED = "\u00e9cole"  # école
DECOMPOSED = "e\u0301cole"  # e + combining acute accent


def rows(db_path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.parametrize(
    "stored, asked", [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)], ids=["nfc", "nfd"]
)
def test_either_form_finds_the_other(cli, db_path, stored, asked) -> None:
    cli("customer", "add", f"Centrale {stored}", "--set", f"school={stored}")
    cli("customer", "add", "Ada Lovelace", "--note", f"taught at the {stored}", "-t", stored)
    assert rows(db_path, "SELECT name FROM customer ORDER BY id")[0] == (f"Centrale {COMPOSED}",)
    assert rows(db_path, "SELECT name FROM tag") == [(COMPOSED,)]
    queries = [
        ("search", asked),
        ("customer", "list", asked),
        ("customer", "list", f"name:{asked}"),
        ("customer", "list", f"school={asked}"),
        ("customer", "list", f"tag:{asked}"),
        ("customer", "list", f"notes:{asked}"),
    ]
    for args in queries:
        found = cli(*args, "--format", "ids").stdout.split()
        assert found, args
    assert cli.json("customer", "show", f"centrale {asked}")["name"] == f"Centrale {COMPOSED}"


def test_imported_text_is_stored_as_nfc(cli, db_path, tmp_path) -> None:
    source = tmp_path / "decomposed.ndjson"
    escaped = json.dumps({"type": "customer", "name": f"{DECOMPOSED} (escaped)"})
    raw = json.dumps(
        {"type": "company", "name": f"{DECOMPOSED} (raw)", "fields": {"motto": DECOMPOSED}},
        ensure_ascii=False,
    )
    source.write_text(f"{escaped}\n{raw}\n", encoding="utf-8")
    cli("import", str(source))
    names = [
        name
        for (name,) in rows(db_path, "SELECT name FROM customer UNION ALL SELECT name FROM company")
    ]
    assert names == [f"{COMPOSED} (escaped)", f"{COMPOSED} (raw)"]
    assert rows(db_path, "SELECT value FROM field_value") == [
        (json.dumps(COMPOSED, ensure_ascii=False),)
    ]
    for name in names:
        assert unicodedata.is_normalized("NFC", name)


INVISIBLE = ["\u200b", "\x00", "\u200b\u200d\u2060", "\ufeff", " \u200b ", "\u3164", "\x1b"]
WRITES = [
    ("customer", "add", "{}"),
    ("company", "add", "{}"),
    ("customer", "edit", "Ada", "--name", "{}"),
    ("deal", "add", "{}", "--customer", "Ada"),
    ("pipeline", "add", "{}", "--stage", "A:10"),
    ("pipeline", "add", "P", "--stage", "{}:10"),
]


@pytest.mark.parametrize("invisible", INVISIBLE, ids=[repr(t) for t in INVISIBLE])
def test_names_of_invisible_characters_are_refused(cli, invisible) -> None:
    cli("customer", "add", "Ada")
    before = cli("export").stdout
    for template in WRITES:
        args = [part.replace("{}", invisible) for part in template]
        result = cli(*args, expect=2)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("crm: error: "), (args, result.stderr)
    assert cli("export").stdout == before


def test_an_imported_invisible_name_is_refused(cli, tmp_path) -> None:
    source = tmp_path / "invisible.ndjson"
    source.write_text(
        '{"type": "customer", "name": "Ada"}\n{"type": "customer", "name": "\\u200b"}\n'
    )
    before = cli("export").stdout
    result = cli("import", str(source), expect=2)
    assert result.stderr.startswith("crm: error: line 2: ")
    assert cli("export").stdout == before


def test_a_nul_inside_a_name_is_refused(cli) -> None:
    before = cli("export").stdout
    result = cli("customer", "add", "Ada\x00Lovelace", expect=2)
    assert "NUL" in result.stderr
    assert cli("export").stdout == before


@pytest.mark.parametrize("name", ["Ada\x1b[31mRed", "Ada\x7f"])
def test_other_control_characters_in_a_name_are_kept_and_shown_visibly(cli, name) -> None:
    added = cli("customer", "add", name, "--format", "ids").stdout.strip()
    assert cli.json("customer", "show", added)["name"] == name
    shown = cli("customer", "list", "--format", "table").stdout
    assert "\x1b" not in shown and "\x7f" not in shown


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Novak",
        "\U0001f469\u200d\U0001f4bb Dev",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    ],
    ids=["diaeresis", "zwj-emoji", "zwnj-persian"],
)
def test_names_with_format_characters_inside_are_kept(cli, name) -> None:
    cli("customer", "add", name)
    assert cli.json("customer", "show", "1")["name"] == name


def test_an_argument_that_is_not_utf8_is_refused(run_crm, db_path) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    assert run_crm("customer", "add", "Ada").returncode == 0
    crm = os.fsencode(run_crm("--version").args[0])
    done = subprocess.run(
        [crm, b"customer", b"add", b"Jos\xe9"], capture_output=True, env=os.environ.copy()
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error: ")
    assert rows(db_path, "SELECT name FROM customer") == [("Ada",)]


def test_a_body_on_stdin_that_is_not_utf8_is_refused(run_crm, db_path) -> None:
    assert run_crm("customer", "add", "Ada").returncode == 0
    crm = run_crm("--version").args[0]
    done = subprocess.run(
        [crm, "log", "Ada", "note", "Menu", "--body", "-"],
        input=b"caf\xe9 au lait\n",
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},  # as en_US.UTF-8 reads it
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode().startswith("crm: error: body is not valid text")
    assert rows(db_path, "SELECT count(*) FROM interaction") == [(0,)]
    decomposed = run_crm("log", "Ada", "note", "Menu", "--body", "-", input=f"{DECOMPOSED}\n")
    assert decomposed.returncode == 0, decomposed.stderr
    assert rows(db_path, "SELECT body FROM interaction") == [(f"{COMPOSED}\n",)]
