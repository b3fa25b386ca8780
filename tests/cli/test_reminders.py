"""`crm remind ...` and `crm inbox`: follow-ups with natural dates."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.tz import tzlocal

from crmcli.kernel.dates import local
from crmcli.store.models import Reminder
from tests.cli.helpers import build_db, db_rows

ADA = ("customer", "add", "Ada Lovelace", "--email", "ada@example.com")


@pytest.fixture(scope="module")
def _ada_db(tmp_path_factory, _template_db):
    return build_db(tmp_path_factory, _template_db, [ADA])


@pytest.fixture(scope="module")
def _windows_db(tmp_path_factory, _template_db):
    return build_db(
        tmp_path_factory,
        _template_db,
        [
            ADA,
            ("remind", "add", "Ada", "2020-01-01 09:00", "overdue one"),
            ("remind", "add", "Ada", "eod", "today one"),
            ("remind", "add", "Ada", "in 2 weeks", "upcoming one"),
            ("remind", "add", "Ada", "2020-06-01", "done one"),
            ("remind", "done", "4"),
        ],
    )


@pytest.fixture
def ada(cli, isolated_env, _ada_db):
    """Customer 1 Ada Lovelace."""
    shutil.copyfile(_ada_db, isolated_env)
    return cli


def remind(cli, *args: str) -> int:
    return int(cli("remind", "add", *args).stdout.strip())


def reminder_row(reminder_id: int) -> dict:
    (row,) = db_rows(Reminder, Reminder.id == reminder_id)
    return row


def today_local():
    return local(datetime.now(UTC)).date()


# --- add -----------------------------------------------------------------------------------


def test_add_tomorrow_9am(ada):
    rid = remind(ada, "Ada", "tomorrow 9am", "Send the contract")
    assert rid == 1
    row = reminder_row(1)
    due = local(row["due_at"])
    assert due.date() == today_local() + timedelta(days=1)
    assert (due.hour, due.minute) == (9, 0)
    assert row["text"] == "Send the contract"
    assert row["customer_id"] == 1 and row["deal_id"] is None
    assert row["done_at"] is None and row["snooze_count"] == 0
    assert row["by"] == "tester"
    record = ada.json("remind", "list")[0]
    assert record["text"] == "Send the contract"
    assert record["customer"] == "Ada Lovelace"
    assert record["status"] == "open"
    assert datetime.fromisoformat(record["due_at"]) == row["due_at"]


@pytest.mark.parametrize(
    "when, weekday", [("fri", 4), ("friday", 4), ("next monday", 0), ("sun", 6)]
)
def test_add_weekday_is_the_next_one(ada, when, weekday):
    remind(ada, "Ada", when, "x")
    due = local(reminder_row(1)["due_at"])
    assert due.weekday() == weekday
    assert 1 <= (due.date() - today_local()).days <= 7


def test_add_in_2_weeks(ada):
    before = datetime.now(UTC)
    remind(ada, "Ada", "in 2 weeks")
    due = reminder_row(1)["due_at"]
    assert (
        before + timedelta(days=14, hours=-1)
        <= due
        <= datetime.now(UTC) + timedelta(days=14, hours=1)
    )


@pytest.mark.parametrize(
    "when, expected",
    [
        ("2027-03-01", datetime(2027, 3, 1, tzinfo=tzlocal())),
        ("2027-03-01 10:30", datetime(2027, 3, 1, 10, 30, tzinfo=tzlocal())),
        ("2027-03-01T10:30:00+02:00", datetime(2027, 3, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_add_iso(ada, when, expected):
    record = ada.json("remind", "add", "Ada", when, "iso")
    assert datetime.fromisoformat(record["due_at"]) == expected
    assert reminder_row(record["id"])["due_at"] == expected


def test_add_with_deal_only_takes_the_deals_customer(ada):
    ada("deal", "add", "Engine", "--customer", "Ada")
    record = ada.json("remind", "add", "-", "tomorrow", "About the engine", "--deal", "Engine")
    assert record["deal_id"] == 1 and record["deal"] == "Engine"
    assert record["customer_id"] == 1
    row = reminder_row(record["id"])
    assert (row["customer_id"], row["deal_id"]) == (1, 1)


@pytest.mark.parametrize(
    "args, code",
    [
        (("Ada", "blorp"), 2),
        (("Ada", "5pm"), 2),
        (("Ada", "2027-13-01"), 2),
        (("Nobody", "tomorrow"), 3),
        (("-", "tomorrow"), 2),
        (("Ada", "tomorrow", "x", "--deal", "Nope"), 3),
    ],
)
def test_add_invalid_writes_nothing(ada, args, code):
    result = ada("remind", "add", *args, expect=code)
    assert result.stderr.startswith("crm: error:")
    assert db_rows(Reminder) == []


def test_bad_date_error_lists_accepted_forms(ada):
    result = ada("remind", "add", "Ada", "someday", expect=2)
    assert "tomorrow" in result.stderr and "ISO" in result.stderr


# --- list windows and inbox ------------------------------------------------------------------


@pytest.fixture
def windows(cli, isolated_env, _windows_db):
    """One reminder in each group: 1 overdue, 2 due later today, 3 upcoming, 4 done."""
    shutil.copyfile(_windows_db, isolated_env)
    return cli


def texts(records: list[dict]) -> list[str]:
    return [r["text"] for r in records]


@pytest.mark.parametrize(
    "flag, expected",
    [
        (None, ["overdue one", "today one", "upcoming one"]),
        ("--overdue", ["overdue one"]),
        ("--today", ["today one"]),
        ("--upcoming", ["upcoming one"]),
        ("--done", ["done one"]),
        ("--all", ["overdue one", "done one", "today one", "upcoming one"]),
    ],
)
def test_list_windows(windows, flag, expected):
    args = ("remind", "list") if flag is None else ("remind", "list", flag)
    assert texts(windows.json(*args)) == expected


def test_list_two_windows_is_an_error(windows):
    windows("remind", "list", "--overdue", "--today", expect=2)


def test_list_filters(windows):
    assert texts(windows.json("remind", "list", "--all", "status:done")) == ["done one"]
    assert texts(windows.json("remind", "list", "text:upcoming")) == ["upcoming one"]
    assert texts(windows.json("remind", "list", "due<today")) == ["overdue one"]


def test_inbox_is_overdue_plus_today(windows):
    inbox = windows.json("inbox")
    assert texts(inbox) == ["overdue one", "today one"]
    assert all(r["status"] == "open" for r in inbox)
    tsv = windows("inbox").stdout.splitlines()
    assert len(tsv) == 2 and "overdue one" in tsv[0]


def test_inbox_empty(ada):
    remind(ada, "Ada", "in 3 days")
    assert ada("inbox", "--json").stdout.strip() == "[]"


# --- done ----------------------------------------------------------------------------------


def test_done_several(windows):
    out = windows("remind", "done", "1", "2").stdout
    assert "1" in out and "2" in out
    for rid in (1, 2):
        row = reminder_row(rid)
        assert row["done_at"] is not None
        assert abs((datetime.now(UTC) - row["done_at"]).total_seconds()) < 120
    assert reminder_row(3)["done_at"] is None
    assert windows.json("inbox") == []
    assert texts(windows.json("remind", "list", "--done")) == [
        "overdue one",
        "done one",
        "today one",
    ]
    assert [r["status"] for r in windows.json("remind", "list", "--done")] == ["done"] * 3


def test_done_again_keeps_first_done_time(windows):
    first = reminder_row(4)["done_at"]
    windows("remind", "done", "4")
    assert reminder_row(4)["done_at"] == first


@pytest.mark.parametrize("ids, code", [(("1", "99", "2"), 3), (("1", "abc"), 2), (("99",), 3)])
def test_done_with_a_bad_id_marks_none(windows, ids, code):
    result = windows("remind", "done", *ids, expect=code)
    assert result.stderr.startswith("crm: error:")
    assert reminder_row(1)["done_at"] is None
    assert reminder_row(2)["done_at"] is None
    assert texts(windows.json("inbox")) == ["overdue one", "today one"]


# --- snooze --------------------------------------------------------------------------------


def test_snooze_moves_due_and_counts(windows):
    before = datetime.now(UTC)
    record = windows.json("remind", "snooze", "1", "in 2 days")
    assert record["snooze_count"] == 1
    row = reminder_row(1)
    assert row["snooze_count"] == 1
    assert (
        before + timedelta(days=2, hours=-1)
        <= row["due_at"]
        <= datetime.now(UTC) + timedelta(days=2, hours=1)
    )
    assert "overdue one" not in texts(windows.json("inbox"))
    assert "overdue one" in texts(windows.json("remind", "list", "--upcoming"))

    windows("remind", "snooze", "1", "tomorrow 9am")
    row = reminder_row(1)
    assert row["snooze_count"] == 2
    due = local(row["due_at"])
    assert due.date() == today_local() + timedelta(days=1) and due.hour == 9


@pytest.mark.parametrize(
    "args, code",
    [
        (("4", "tomorrow"), 2),  # done
        (("1", "2020-01-01"), 2),  # in the past
        (("1", "blorp"), 2),
        (("99", "tomorrow"), 3),
        (("x", "tomorrow"), 2),
    ],
)
def test_snooze_errors_change_nothing(windows, args, code):
    before = {r["id"]: (r["due_at"], r["snooze_count"]) for r in db_rows(Reminder)}
    result = windows("remind", "snooze", *args, expect=code)
    assert result.stderr.startswith("crm: error:")
    after = {r["id"]: (r["due_at"], r["snooze_count"]) for r in db_rows(Reminder)}
    assert after == before


def test_add_with_deal_of_another_customer_exits_2(ada):
    ada("customer", "add", "Grace Hopper")
    ada("deal", "add", "Compiler", "--customer", "Grace")
    result = ada("remind", "add", "Ada", "tomorrow", "x", "--deal", "Compiler", expect=2)
    assert result.stderr.startswith("crm: error:")
    assert db_rows(Reminder) == []
