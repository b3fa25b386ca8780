"""`crm log`, `crm interaction ...` and `crm timeline`: the contact history."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.tz import tzlocal

from crmcli.store.models import CHANNELS, Interaction, Reminder
from tests.cli.helpers import build_db, db_rows


@pytest.fixture(scope="module")
def _people_db(tmp_path_factory, _template_db):
    return build_db(
        tmp_path_factory,
        _template_db,
        [
            ("customer", "add", "Ada Lovelace", "--email", "ada@example.com"),
            ("customer", "add", "Grace Hopper", "--email", "grace@example.com"),
        ],
    )


@pytest.fixture
def people(cli, isolated_env, _people_db):
    """Customers 1 Ada Lovelace and 2 Grace Hopper."""
    shutil.copyfile(_people_db, isolated_env)
    return cli


def nothing_logged() -> bool:
    return db_rows(Interaction) == [] and db_rows(Reminder) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_log_every_channel(people, channel):
    out = people("log", "ada@example.com", channel, f"via {channel}").stdout
    assert out.strip() == "1"
    record = people.json("interaction", "show", "1")
    assert record["channel"] == channel
    assert record["summary"] == f"via {channel}"
    assert record["customer_id"] == 1 and record["customer"] == "Ada Lovelace"
    assert record["direction"] == "out"
    assert record["by"] == "tester"
    (row,) = db_rows(Interaction)
    assert row["channel"] == channel and row["customer_id"] == 1 and row["by"] == "tester"
    assert abs((datetime.now(UTC) - row["occurred_at"]).total_seconds()) < 120


@pytest.mark.parametrize("typed, stored", [("CALL", "call"), ("Email", "email"), (" Sms ", "sms")])
def test_channel_is_case_insensitive(people, typed, stored):
    record = people.json("log", "Ada", typed, "hello")
    assert record["channel"] == stored
    assert db_rows(Interaction)[0]["channel"] == stored


@pytest.mark.parametrize("channel", ["fax", "telegram", ""])
def test_unknown_channel_exits_2(people, channel):
    result = people("log", "Ada", channel, "hi", expect=2)
    assert result.stderr.startswith("crm: error:")
    assert "email" in result.stderr and "questionnaire" in result.stderr
    assert nothing_logged()


def test_log_without_summary(people):
    record = people.json("log", "Ada", "note")
    assert record["summary"] is None and record["channel"] == "note"


def test_log_at_is_stored(people):
    record = people.json("log", "Ada", "meeting", "Kick-off", "--at", "2026-01-05 14:00")
    # A time without an offset is the user's local time (UTC in the test environment).
    expected = datetime(2026, 1, 5, 14, 0, tzinfo=tzlocal()).astimezone(UTC)
    assert datetime.fromisoformat(record["occurred_at"]) == expected
    assert db_rows(Interaction)[0]["occurred_at"] == expected


def test_log_at_relative(people):
    people("log", "Ada", "call", "Yesterday's call", "--at", "yesterday 10:00")
    stored = db_rows(Interaction)[0]["occurred_at"]
    from crmcli.kernel.dates import local

    assert local(stored).date() == local(datetime.now(UTC)).date() - timedelta(days=1)
    assert local(stored).hour == 10


def test_log_body_text(people):
    people("log", "Ada", "email", "Proposal sent", "--body", "Dear Ada,\nplease find attached.")
    record = people.json("interaction", "show", "1")
    assert record["body"] == "Dear Ada,\nplease find attached."
    assert db_rows(Interaction)[0]["body"] == "Dear Ada,\nplease find attached."


def test_log_body_from_stdin(people):
    text = "Line one\nLine two\n"
    people("log", "Ada", "letter", "Letter", "--body", "-", input=text)
    body = db_rows(Interaction)[0]["body"]
    assert body is not None and body.strip() == text.strip()
    assert "Line two" in people.json("interaction", "show", "1")["body"]


def test_log_direction_in(people):
    record = people.json("log", "Ada", "call", "She called", "--direction", "in")
    assert record["direction"] == "in"
    assert db_rows(Interaction)[0]["direction"] == "in"
    people("log", "Ada", "call", "Out again", "-d", "OUT")
    assert sorted(r["direction"] for r in db_rows(Interaction)) == ["in", "out"]


def test_log_bad_direction_exits_2(people):
    people("log", "Ada", "call", "?", "--direction", "sideways", expect=2)
    assert nothing_logged()


@pytest.mark.parametrize("at", ["blorp", "5pm", "2026-02-30"])
def test_log_bad_at_exits_2(people, at):
    result = people("log", "Ada", "call", "x", "--at", at, expect=2)
    assert result.stderr.startswith("crm: error:")
    assert nothing_logged()


def test_log_unknown_and_ambiguous_customer(people):
    people("log", "nobody@example.com", "call", "x", expect=3)
    people("log", "42", "call", "x", expect=3)
    people("customer", "add", "Ada Byron")
    people("log", "ada", "call", "x", expect=4)
    assert nothing_logged()


def test_log_with_deal(people):
    people("deal", "add", "Engine", "--customer", "Ada")
    record = people.json("log", "Ada", "meeting", "Demo", "--deal", "Engine")
    assert record["deal_id"] == 1 and record["deal"] == "Engine"
    assert db_rows(Interaction)[0]["deal_id"] == 1


def test_log_with_deal_of_another_customer_exits_2(people):
    people("deal", "add", "Compiler", "--customer", "Grace")
    result = people(
        "log", "Ada", "call", "x", "--deal", "Compiler", "--remind", "tomorrow", expect=2
    )
    assert result.stderr.startswith("crm: error:")
    assert nothing_logged()


def test_log_with_unknown_deal_exits_3(people):
    people("log", "Ada", "call", "x", "--deal", "Nope", expect=3)
    assert nothing_logged()


def test_log_remind_creates_reminder_in_same_step(people):
    before = datetime.now(UTC)
    people("log", "Ada", "call", "Discussed renewal", "--remind", "in 3 days")
    after = datetime.now(UTC)
    (interaction,) = db_rows(Interaction)
    (reminder,) = db_rows(Reminder)
    assert reminder["customer_id"] == 1
    assert reminder["done_at"] is None
    assert reminder["by"] == "tester"
    assert "Discussed renewal" in reminder["text"]
    due = reminder["due_at"]
    # Calendar days on the local clock: allow an hour either way for a DST change.
    assert before + timedelta(days=3, hours=-1) <= due <= after + timedelta(days=3, hours=1)
    listed = people.json("remind", "list")
    assert [r["id"] for r in listed] == [reminder["id"]]
    assert interaction["customer_id"] == 1


def test_log_remind_text_and_deal_carry_over(people):
    people("deal", "add", "Engine", "--customer", "Ada")
    people("log", "Ada", "email", "Sent quote", "--deal", "1", "--remind", "tomorrow 9am",
           "--remind-text", "Chase the quote")  # fmt: skip
    (reminder,) = db_rows(Reminder)
    assert reminder["text"] == "Chase the quote"
    assert reminder["deal_id"] == 1 and reminder["customer_id"] == 1
    from crmcli.kernel.dates import local

    due = local(reminder["due_at"])
    assert due.hour == 9 and due.minute == 0
    assert due.date() == local(datetime.now(UTC)).date() + timedelta(days=1)


@pytest.mark.parametrize("when", ["blorp", "in three days", "13pm"])
def test_log_bad_remind_writes_neither(people, when):
    result = people("log", "Ada", "call", "Discussed renewal", "--remind", when, expect=2)
    assert result.stderr.startswith("crm: error:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert nothing_logged()


def test_interaction_list_newest_first_and_filters(people):
    people("log", "Ada", "call", "Old", "--at", "2026-01-01 09:00")
    people("log", "Ada", "email", "Newer", "--at", "2026-02-01 09:00")
    people("log", "Grace", "call", "Grace call", "--at", "2026-01-15 09:00")
    listed = people.json("interaction", "list")
    assert [r["summary"] for r in listed] == ["Newer", "Grace call", "Old"]
    calls = people.json("interaction", "list", "channel:call")
    assert [r["summary"] for r in calls] == ["Grace call", "Old"]
    ada = people.json("interaction", "list", "customer:ada")
    assert [r["summary"] for r in ada] == ["Newer", "Old"]


def test_interaction_show_unknown_exits_3(people):
    people("interaction", "show", "9", expect=3)


# --- timeline ------------------------------------------------------------------------------


def test_timeline_newest_first_with_every_kind(people):
    people("log", "Ada", "meeting", "First meeting", "--at", "2026-01-05 14:00")
    people("deal", "add", "Engine", "--customer", "Ada")
    people("deal", "move", "Engine", "proposal")
    people("remind", "add", "Ada", "in 2 days", "Send contract")
    people("log", "Grace", "call", "Not Ada's")
    entries = people.json("timeline", "ada@example.com")
    kinds = [e["type"] for e in entries]
    assert kinds.count("interaction") == 1
    assert kinds.count("stage_change") == 2
    assert kinds.count("reminder") == 1
    ats = [datetime.fromisoformat(e["at"]) for e in entries]
    assert ats == sorted(ats, reverse=True)
    assert entries[0]["type"] == "reminder"
    assert entries[-1]["type"] == "interaction"
    assert entries[-1]["record"]["summary"] == "First meeting"
    texts = " ".join(e["text"] for e in entries)
    assert "Proposal" in texts and "Send contract" in texts
    assert "Not Ada's" not in texts
    for entry in entries:
        assert {"type", "id", "at", "text", "record"} <= set(entry)


def test_timeline_limit_and_tsv(people):
    for day in range(1, 6):
        people("log", "Ada", "note", f"note {day}", "--at", f"2026-01-0{day}")
    entries = people.json("timeline", "Ada", "--limit", "2")
    assert [e["record"]["summary"] for e in entries] == ["note 5", "note 4"]
    lines = people("timeline", "Ada").stdout.splitlines()
    assert len(lines) == 5
    assert "note 5" in lines[0] and "note 1" in lines[-1]


def test_timeline_empty_and_unknown(people):
    assert people("timeline", "Grace", "--json").stdout.strip() == "[]"
    people("timeline", "Nobody", expect=3)


def test_timeline_of_deleted_customer_by_id(people):
    people("log", "Ada", "call", "Before leaving")
    people("customer", "rm", "Ada")
    entries = people.json("timeline", "1")
    assert [e["record"]["summary"] for e in entries] == ["Before leaving"]


def test_log_output_formats(people):
    out = people("log", "Ada", "call", "x", "--format", "ndjson").stdout
    assert json.loads(out)["channel"] == "call"
    assert len(out.strip().splitlines()) == 1
