"""TAB completes values, not just commands and options: names, stages, pipelines, channels,
formats, sort keys, filter fields and tags; and never fails, even without a database."""

from __future__ import annotations

import os
import subprocess

import pytest
import typer

from crmcli.commands import completion
from crmcli.commands.main import app
from tests.conftest import REPO


@pytest.fixture(scope="module")
def root():
    return typer.main.get_command(app)


def values(root, line: str) -> list[str]:
    """What crm offers at the end of `line` (in-process, click's completion API)."""
    words, raw, _quote = completion.split_line(line)
    from typer._click.shell_completion import split_arg_string

    args = split_arg_string(" ".join(words[1:]))
    incomplete = split_arg_string(raw)[0] if raw else ""
    items, _word = completion.candidates(root, args, incomplete)
    return [str(item.value) for item in items]


def types(root, line: str) -> set[str]:
    words, raw, _quote = completion.split_line(line)
    items, _word = completion.candidates(root, words[1:], raw)
    return {item.type for item in items}


@pytest.fixture
def crm_data(cli):
    cli("company", "add", "Acme Corp", "--domain", "acme.com", "--tag", "partner")
    cli("company", "add", "Gone Ltd")
    cli("company", "rm", "Gone Ltd")
    cli("customer", "add", "Ada Lovelace", "-e", "ada@acme.com", "--company", "acme", "--tag", "vip", "--owner", "alice", "--set", "plan=gold")  # fmt: skip
    cli("customer", "add", "Alan Turing", "--tag", "vip", "--tag", "newsletter", "--owner", "bob")
    cli("customer", "add", "Grace Hopper", "--tag", "churned")
    cli("deal", "add", "Engines for Acme", "--customer", "ada", "--tag", "big")
    cli("pipeline", "add", "Renewals", "--stage", "Due:30", "--stage", "Quoted:60", "--stage", "Renewed:100", "--stage", "Churned:0")  # fmt: skip
    cli("deal", "add", "Acme renewal", "--customer", "ada", "--pipeline", "renewals")


def test_ref_arguments_complete_names(root, crm_data) -> None:
    assert values(root, "crm customer show A") == ["Ada Lovelace", "Alan Turing"]
    assert values(root, "crm customer edit Ad") == ["Ada Lovelace"]
    assert values(root, "crm customer show ") == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert values(root, "crm company show ") == ["Acme Corp"]
    assert values(root, "crm company restore ") == ["Gone Ltd"]  # only deleted ones
    assert values(root, "crm deal show E") == ["Engines for Acme"]
    assert values(root, "crm log Gr") == ["Grace Hopper"]
    assert values(root, "crm timeline Al") == ["Alan Turing"]


def test_ref_options_complete_names(root, crm_data) -> None:
    assert values(root, "crm customer add Bob --company A") == ["Acme Corp"]
    assert values(root, "crm deal add X --customer Gr") == ["Grace Hopper"]
    assert values(root, "crm deal add X -c Gr") == ["Grace Hopper"]
    assert values(root, "crm log ada call hi --deal Acme") == ["Acme renewal"]
    assert values(root, "crm remind add ada tomorrow --deal E") == ["Engines for Acme"]


def test_products_and_purchases(root, cli) -> None:
    cli(
        "product",
        "add",
        "Kind of Blue",
        "--sku",
        "CD-KOB",
        "--price",
        "14.99",
        "--category",
        "music",
    )
    cli("product", "add", "Blue Train", "--sku", "LP-BT", "--price", "25", "--category", "vinyl")
    cli("product", "add", "Old cable", "--sku", "CABLE", "--price", "2")
    cli("product", "rm", "CABLE")
    assert values(root, "crm product show ") == ["CD-KOB", "LP-BT"]  # SKUs
    assert values(root, "crm product restore ") == ["CABLE"]
    assert values(root, "crm purchase add ada --item C") == ["CD-KOB"]
    assert values(root, "crm product add X --category m") == ["music"]
    assert values(root, "crm purchase list product:L") == ["product:LP-BT"]
    assert values(root, "crm purchase list category:") == ["category:music", "category:vinyl"]
    assert values(root, "crm purchase list channel:f") == ["channel:field"]
    assert values(root, "crm purchase list refund:") == ["refund:yes", "refund:no"]
    assert values(root, "crm product list active:n") == ["active:no"]
    assert values(root, "crm purchase add ada --channel ma") == ["marketplace"]


def test_stages_and_pipelines(root, crm_data) -> None:
    sales = ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert values(root, "crm deal move Engines ") == sales
    # the stages of the deal's own pipeline, in order
    assert values(root, "crm deal move 'Acme renewal' ") == ["Due", "Quoted", "Renewed", "Churned"]
    assert values(root, "crm deal move Engines Ne") == ["Negotiation"]
    assert values(root, "crm deal add X --stage ") == sales
    assert values(root, "crm deal add X --pipeline Renewals --stage Q") == ["Quoted"]
    assert values(root, "crm deal add X --pipeline ") == ["Renewals", "Sales"]
    assert values(root, "crm deal board --pipeline R") == ["Renewals"]
    assert values(root, "crm tui --pipeline S") == ["Sales"]
    assert values(root, "crm pipeline show ") == ["Renewals", "Sales"]


def test_fixed_values(root, crm_data) -> None:
    assert values(root, "crm log ada ") == [
        "email", "call", "meeting", "sms", "chat", "social", "web", "letter", "questionnaire", "note",
    ]  # fmt: skip
    assert values(root, "crm log ada m") == ["meeting"]
    assert values(root, "crm log ada call x --direction ") == ["in", "out"]
    assert values(root, "crm customer list --format ") == ["table", "tsv", "json", "ndjson", "csv", "ids"]  # fmt: skip
    assert values(root, "crm deal show 1 -F j") == ["json"]
    assert values(root, "crm completion ") == ["bash", "zsh", "fish"]
    assert values(root, "crm search x --type d") == ["deal"]
    assert values(root, "crm export --type s") == ["stage_change"]


def test_sort_keys_per_record_type(root) -> None:
    from crmcli.entities import registry

    assert values(root, "crm deal list --sort ") == sorted(registry.listing_of("deal").sorts)
    assert values(root, "crm deal list --sort va") == ["value"]
    assert values(root, "crm deal list --sort -va") == ["-value"]  # not taken for an option
    assert values(root, "crm deal list --sort=cl") == ["close"]
    assert values(root, "crm deal list --sort value,-cr") == ["value,-created"]
    assert values(root, "crm customer list -s ") == sorted(registry.listing_of("customer").sorts)
    assert values(root, "crm remind list --sort d") == ["due"]
    assert "value" not in values(root, "crm customer list --sort ")


def test_filter_fields_and_values(root, crm_data) -> None:
    from crmcli.entities import registry

    fields = values(root, "crm customer list ")
    assert {f"{name}:" for name in registry.listing_of("customer").filters} <= set(fields)
    assert "plan:" in fields  # a custom field set with --set
    assert values(root, "crm customer list ta") == ["tag:"]
    assert types(root, "crm customer list ta") == {"nospace"}  # the value follows the colon
    assert values(root, "crm customer list tag:") == ["tag:churned", "tag:newsletter", "tag:vip"]
    assert values(root, "crm customer list tag:v") == ["tag:vip"]
    assert values(root, "crm company list tag:") == ["tag:partner"]
    assert values(root, "crm deal list tag:") == ["tag:big"]
    assert values(root, "crm customer list owner:") == ["owner:alice", "owner:bob"]
    assert values(root, "crm customer list plan:") == ["plan:gold"]
    assert values(root, "crm deal list status:") == [
        "status:open", "status:won", "status:lost", "status:closed",
    ]  # fmt: skip
    assert values(root, "crm deal list stage:Ne") == ["stage:Negotiation"]
    assert values(root, "crm deal list pipeline:R") == ["pipeline:Renewals"]
    assert values(root, "crm interaction list channel:c") == ["channel:call", "channel:chat"]
    assert values(root, "crm deal board tag:b") == ["tag:big"]
    # a negated term, which starts like a short option
    assert "-tag:" in values(root, "crm customer list -ta")
    assert values(root, "crm customer list -tag:c") == ["-tag:churned"]
    assert values(root, "crm customer list vip tag:n") == ["tag:newsletter"]


def test_tag_options(root, crm_data) -> None:
    assert values(root, "crm customer edit ada --tag ") == ["churned", "newsletter", "vip"]
    assert values(root, "crm customer edit ada --untag v") == ["vip"]
    assert values(root, "crm company add X -t p") == ["partner"]
    assert values(root, "crm deal edit 1 --tag ") == ["big"]
    assert values(root, "crm customer add X --owner ") == ["alice", "bob"]


def test_file_arguments_complete_files_and_nothing_else_does(root) -> None:
    assert types(root, "crm import ") == {"file"}
    assert types(root, "crm db backup ") == {"file"}
    assert types(root, "crm --db ") == {"file"}
    assert types(root, "crm tui --keymap ") == {"file"}
    assert values(root, "crm customer add ") == []  # a new name: nothing, not file names
    assert values(root, "crm customer show ") == []  # an empty database


def test_no_database_gives_nothing_and_creates_nothing(root, db_path, tmp_path) -> None:
    db_path.unlink()
    assert values(root, "crm customer show ") == []
    assert values(root, "crm customer list tag:") == []
    assert values(root, "crm deal move 1 ") == []
    assert not db_path.exists()
    missing = tmp_path / "nowhere" / "crm.db"
    assert values(root, f"crm --db {missing} customer show ") == []
    assert not missing.parent.exists()
    # what needs no database still comes
    assert values(root, "crm customer list ta") == ["tag:"]
    assert values(root, "crm customer list --format t") == ["table", "tsv"]


def test_the_database_named_by_db_is_read(root, cli, db_path, tmp_path) -> None:
    other = tmp_path / "other.db"
    cli("--db", str(other), "customer", "add", "Zed Other")
    assert values(root, "crm customer show Z") == []
    assert values(root, f"crm --db {other} customer show Z") == ["Zed Other"]


def test_a_broken_database_or_config_gives_nothing(root, db_path, monkeypatch, tmp_path) -> None:
    db_path.write_bytes(b"this is not a database" * 100)
    assert values(root, "crm customer show ") == []
    bad = tmp_path / "bad.toml"
    bad.write_text("busy_timeout_ms = 'soon'\n")
    monkeypatch.setenv("CRM_CONFIG", str(bad))
    assert values(root, "crm customer show ") == []


# --- through the installed crm, as the scripts ask ------------------------------------------


def _ask(run_crm, shell: str, line: str, **extra: str):
    env = {"_CRM_COMPLETE": f"{shell}_complete", **extra}
    if shell == "bash":
        env |= {"COMP_LINE": line, "COMP_POINT": str(len(line))}
    elif shell == "zsh":
        words = line.split(" ")
        env |= {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    else:
        env |= {"COMP_WORDS": line, "COMP_CWORD": line.split(" ")[-1]}
    result = run_crm(env=env)
    assert result.returncode == 0
    assert result.stderr == ""
    return result.stdout.splitlines()


def test_installed_crm_answers_each_shell(run_crm, crm_data) -> None:
    assert _ask(run_crm, "bash", "crm customer show Ada") == ["plain,Ada Lovelace"]
    # bash replaces only the text after the ":" (COMP_WORDBREAKS): the answer is that part
    assert _ask(run_crm, "bash", "crm customer list tag:v") == ["plain,vip"]
    assert _ask(run_crm, "bash", "crm customer list ta") == ["nospace,tag:"]
    assert _ask(run_crm, "bash", "crm deal list --sort=va") == ["plain,value"]
    assert _ask(run_crm, "bash", "crm import ") == ["file,"]
    assert _ask(run_crm, "bash", 'crm customer show "Ada L') == ["plain,Ada Lovelace"]
    # the older word-based request (COMP_WORDS / COMP_CWORD) too
    assert run_crm(
        env={
            "_CRM_COMPLETE": "bash_complete",
            "COMP_WORDS": "crm deal move 1 Ne",
            "COMP_CWORD": "4",
        }
    ).stdout.splitlines() == ["plain,Negotiation"]
    assert _ask(run_crm, "zsh", "crm deal move 1 Pro") == ["plain", "Proposal", "_"]
    assert _ask(run_crm, "fish", "crm customer list tag:c") == ["plain,tag:churned"]


def test_installed_crm_without_database_is_silent(run_crm, db_path) -> None:
    db_path.unlink()
    for shell in ("bash", "zsh", "fish"):
        assert _ask(run_crm, shell, "crm customer show A") == []
    assert _ask(run_crm, "bash", "crm deal list tag:") == []
    assert not db_path.exists()


def test_a_locked_database_gives_nothing_quickly(run_crm, crm_data, db_path) -> None:
    import sqlite3
    import time

    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("PRAGMA journal_mode = DELETE")  # a rollback journal: readers wait on writers
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        assert _ask(run_crm, "bash", "crm customer show A") == []
        assert time.monotonic() - started < 5
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def test_old_typer_instruction_still_answered(run_crm) -> None:
    result = run_crm(
        env={"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": "crm cust", "COMP_CWORD": "1"}
    )
    assert result.stdout.split() == ["customer"]


def test_bash_script_fills_compreply(crm_bin, crm_data, tmp_path) -> None:
    """The generated bash script itself, run by bash: values go into COMPREPLY."""
    probe = (
        f"source {REPO / 'completions' / 'crm.bash'}\n"
        'COMP_LINE="crm customer show Al"; COMP_POINT=${#COMP_LINE}\n'
        "COMP_WORDS=(crm customer show Al); COMP_CWORD=3\n"
        f"_crm_completion {crm_bin} 2>/dev/null\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        'COMP_LINE="crm deal list tag:"; COMP_POINT=${#COMP_LINE}\n'
        "COMP_WORDS=(crm deal list tag :); COMP_CWORD=4\n"
        f"_crm_completion {crm_bin} 2>/dev/null\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.stdout.splitlines() == ["Alan Turing", "big"]
