"""edit, rm and restore take several REFs, or `-` for REFs on stdin (one a line), so they work
in pipes and loops; every REF is resolved first and all change in one transaction, or none."""

from __future__ import annotations

import json
import subprocess

import pytest


def ids(run_crm, *args: str) -> list[str]:
    result = run_crm(*args, "--format", "ids")
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def listed(run_crm, noun: str, *terms: str) -> list[dict]:
    return json.loads(run_crm(noun, "list", *terms, "--limit", "0", "--json").stdout)


@pytest.fixture
def run_in(cli):
    """`run_crm`'s interface, in-process (quicker) for the tests that need no real pipe."""

    def run(*args: str, input: str | None = None):
        result = cli(*args, input=input, expect=None)
        return subprocess.CompletedProcess(
            list(args), result.exit_code, result.stdout, result.stderr
        )

    return run


@pytest.fixture
def people(run_in) -> dict[str, str]:
    made = {}
    for name, tag in (("Ada", "x"), ("Bob", "x"), ("Cy", "x"), ("Dee", "other")):
        made[name] = run_in("customer", "add", name, "--tag", tag).stdout.strip()
    return made


def tags_by_name(run_crm) -> dict[str, list[str]]:
    return {c["name"]: c["tags"] for c in listed(run_crm, "customer")}


def test_xargs_into_edit(crm_bin, run_crm, people) -> None:
    shell = f"{crm_bin} customer list tag:x --format ids | xargs {crm_bin} customer edit --tag y"
    result = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Updated customer {people['Ada']}: Ada",
        f"Updated customer {people['Bob']}: Bob",
        f"Updated customer {people['Cy']}: Cy",
    ]
    assert tags_by_name(run_crm) == {
        "Ada": ["x", "y"],
        "Bob": ["x", "y"],
        "Cy": ["x", "y"],
        "Dee": ["other"],
    }


def test_ids_on_stdin_with_dash(crm_bin, run_crm, people) -> None:
    piped = "\n".join(ids(run_crm, "customer", "list", "tag:x")) + "\n\n"
    result = run_crm("customer", "edit", "-", "--untag", "x", "--owner", "zoe", input=piped)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    owners = {c["name"]: (c["owner"], c["tags"]) for c in listed(run_crm, "customer")}
    assert owners == {
        "Ada": ("zoe", []),
        "Bob": ("zoe", []),
        "Cy": ("zoe", []),
        "Dee": (None, ["other"]),
    }


def test_a_real_pipe_between_two_crms(crm_bin, run_crm, people) -> None:
    shell = f"{crm_bin} customer list tag:x --format ids | {crm_bin} customer rm -"
    result = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [c["name"] for c in listed(run_crm, "customer")] == ["Dee"]
    restored = run_crm("customer", "restore", people["Ada"], people["Cy"])
    assert restored.stdout.splitlines() == [
        f"Restored customer {people['Ada']}: Ada",
        f"Restored customer {people['Cy']}: Cy",
    ]
    assert [c["name"] for c in listed(run_crm, "customer")] == ["Ada", "Cy", "Dee"]


def test_one_bad_ref_changes_nothing(run_in, people) -> None:
    before = tags_by_name(run_in)
    result = run_in("customer", "edit", people["Ada"], "Bob", "nobody", "--tag", "z")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.strip() == "crm: error: no customer matches 'nobody'"
    assert tags_by_name(run_in) == before
    result = run_in("customer", "rm", "-", input=f"{people['Ada']}\n999\n")
    assert result.returncode == 3
    assert len(listed(run_in, "customer")) == 4


def test_a_failure_on_a_later_record_rolls_back_the_earlier(run_in, people) -> None:
    assert run_in("customer", "rm", "Cy").returncode == 0
    result = run_in("customer", "restore", "Cy", people["Ada"])  # Ada is not deleted
    assert result.returncode == 2
    assert "is not deleted" in result.stderr
    assert [c["name"] for c in listed(run_in, "customer", "--deleted")] == ["Cy"]
    result = run_in("customer", "rm", "Ada", "Cy")  # Cy is deleted already
    assert result.returncode == 2
    assert "already deleted" in result.stderr
    assert [c["name"] for c in listed(run_in, "customer")] == ["Ada", "Bob", "Dee"]


def test_identity_options_need_one_ref(run_in, people) -> None:
    for args in (
        ["customer", "edit", "Ada", "Bob", "--name", "Same"],
        ["customer", "edit", "-", "--email", "a@b.c"],
        ["customer", "edit", "Ada", "Bob", "--primary-email", "a@b.c"],
    ):
        result = run_in(*args, input=f"{people['Ada']}\n")
        assert result.returncode == 2, args
        assert result.stderr.startswith("crm: error: --")
        assert "give one REF" in result.stderr
    assert sorted(tags_by_name(run_in)) == ["Ada", "Bob", "Cy", "Dee"]


def test_empty_stdin_and_two_dashes_are_usage_errors(run_in, people) -> None:
    assert run_in("customer", "edit", "-", "--tag", "q", input="").returncode == 2
    assert run_in("customer", "rm", "-", "-", input="1\n").returncode == 2
    assert run_in("customer", "edit", "--tag", "q").returncode == 2  # no REF at all
    assert len(listed(run_in, "customer")) == 4
    assert listed(run_in, "customer", "tag:q") == []


def test_a_record_named_twice_is_changed_once(run_in, people) -> None:
    result = run_in("customer", "rm", "Ada", people["Ada"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"Deleted customer {people['Ada']}: Ada"]


def test_several_records_print_a_list_one_prints_an_object(run_in, people) -> None:
    many = run_in("customer", "edit", "Ada", "Bob", "--tag", "j", "--json")
    assert [c["name"] for c in json.loads(many.stdout)] == ["Ada", "Bob"]
    dash = run_in("customer", "edit", "-", "--tag", "k", "--json", input=f"{people['Cy']}\n")
    assert [c["name"] for c in json.loads(dash.stdout)] == ["Cy"]  # `-`: a list, even of one
    one = run_in("customer", "edit", "Ada", "--tag", "l", "--json")
    assert json.loads(one.stdout)["tags"] == ["j", "l", "x"]
    tsv = run_in("customer", "edit", "Ada", "Bob", "--tag", "m", "--format", "ids")
    assert tsv.stdout.split() == [people["Ada"], people["Bob"]]


def test_companies_and_deals_too(run_in) -> None:
    acme = run_in("company", "add", "Acme").stdout.strip()
    globex = run_in("company", "add", "Globex").stdout.strip()
    result = run_in("company", "edit", "-", "--tag", "partner", input=f"{acme}\n{globex}\n")
    assert result.returncode == 0, result.stderr
    assert {c["name"]: c["tags"] for c in listed(run_in, "company")} == {
        "Acme": ["partner"],
        "Globex": ["partner"],
    }
    assert run_in("company", "edit", "Acme", "Globex", "--domain", "x.com").returncode == 2
    run_in("customer", "add", "Ada")
    first = run_in("deal", "add", "One", "--customer", "Ada").stdout.strip()
    second = run_in("deal", "add", "Two", "--customer", "Ada").stdout.strip()
    result = run_in("deal", "edit", first, second, "--owner", "bob", "--tag", "q4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Updated deal {first}: One",
        f"Updated deal {second}: Two",
    ]
    assert {(d["title"], d["owner"], tuple(d["tags"])) for d in listed(run_in, "deal")} == {
        ("One", "bob", ("q4",)),
        ("Two", "bob", ("q4",)),
    }
    assert run_in("deal", "edit", first, second, "--title", "Same").returncode == 2
    assert run_in("deal", "rm", "-", input=f"{first}\n{second}\n").returncode == 0
    assert listed(run_in, "deal") == []
    assert run_in("deal", "restore", first, second).returncode == 0
    assert len(listed(run_in, "deal")) == 2
    assert run_in("company", "rm", acme, globex).returncode == 0
    assert listed(run_in, "company") == []
