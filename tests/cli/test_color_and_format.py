"""FORCE_COLOR / CLICOLOR_FORCE colour a table even into a pipe (NO_COLOR and --no-color still
win), and --format with a --json that contradicts it is a usage error that writes nothing."""

from __future__ import annotations

import json

import pytest

ESC = "\x1b["


@pytest.fixture
def one_customer(run_crm) -> None:
    assert run_crm("customer", "add", "Ada", "--tag", "vip").returncode == 0


def table(run_crm, *extra: str, **env: str) -> str:
    result = run_crm(*extra, "customer", "list", "--format", "table", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "CLICOLOR_FORCE"])
def test_forced_colour_into_a_pipe(run_crm, one_customer, monkeypatch, variable) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ESC not in table(run_crm)  # a pipe: no colour by default
    assert ESC in table(run_crm, **{variable: "1"})
    assert ESC in table(run_crm, **{variable: "1", "TERM": "dumb"})
    assert ESC not in table(run_crm, **{variable: "0"})  # "0" forces nothing


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "CLICOLOR_FORCE"])
def test_no_color_beats_forced_colour(run_crm, one_customer, variable) -> None:
    assert ESC not in table(run_crm, **{variable: "1", "NO_COLOR": "1"})
    assert ESC not in table(run_crm, "--no-color", **{variable: "1", "NO_COLOR": ""})


def test_forced_colour_leaves_data_formats_alone(run_crm, one_customer) -> None:
    for fmt in ("tsv", "json", "csv", "ids", "ndjson"):
        result = run_crm("customer", "list", "--format", fmt, env={"FORCE_COLOR": "1"})
        assert ESC not in result.stdout, fmt
    piped = run_crm("customer", "list", env={"FORCE_COLOR": "1"})
    assert piped.stdout.startswith("1\tAda")  # the default into a pipe is still TSV


@pytest.mark.parametrize(
    "args",
    [
        ["customer", "list", "--format", "tsv", "--json"],
        ["customer", "list", "--json", "--format", "tsv"],
        ["customer", "show", "1", "-F", "csv", "--json"],
        ["deal", "list", "--json", "-F", "ids"],
        ["export", "--format", "ndjson", "--json"],
    ],
)
def test_format_and_json_disagreeing_is_a_usage_error(run_crm, one_customer, args) -> None:
    result = run_crm(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"crm: error: --format {args[args.index('--format' if '--format' in args else '-F') + 1]}"
        " and --json ask for two formats: give one"
    ]


def test_a_write_with_disagreeing_formats_writes_nothing(run_crm, one_customer) -> None:
    result = run_crm("customer", "add", "Bob", "--format", "csv", "--json")
    assert result.returncode == 2
    result = run_crm("customer", "edit", "Ada", "--tag", "new", "--json", "--format", "tsv")
    assert result.returncode == 2
    listed = json.loads(run_crm("customer", "list", "--json").stdout)
    assert [(c["name"], c["tags"]) for c in listed] == [("Ada", ["vip"])]


def test_format_json_with_json_agrees(run_crm, one_customer) -> None:
    result = run_crm("customer", "list", "--format", "JSON", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["name"] == "Ada"
    assert json.loads(run_crm("export", "--format", "json", "--json").stdout)
