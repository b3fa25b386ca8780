"""Tests for crmcli.commands.output: the output formats are an API (README, "Output")."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from crmcli.commands.output import (
    FORMATS,
    Column,
    render_record,
    render_records,
    render_value,
    resolve_format,
    use_color,
)
from crmcli.kernel.errors import InvalidInput

ANSI = "\x1b["

COLUMNS = (
    Column("id", "ID", kind="int"),
    Column("name", "Name", max_width=30),
    Column("tags", "Tags", kind="list"),
    Column("fields.income", "Income", kind="money"),
    Column("created_at", "Created", kind="datetime"),
)

RECORDS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "tags": ["vip", "math"],
        "fields": {"income": 52000.5},
        "created_at": "2026-11-22T14:05:00+00:00",
        "active": True,
    },
    {
        "id": 2,
        "name": "Zoë Ünicode\u2028sep",
        "email": None,
        "tags": [],
        "fields": {},
        "created_at": "2026-01-02T09:00:00+01:00",
        "active": False,
    },
]


class FakeTTY(io.StringIO):
    """A StringIO that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def render(records: Any, fmt: str, columns: Any = COLUMNS, **kwargs: Any) -> tuple[str, int]:
    stream = io.StringIO()
    count = render_records(records, columns, fmt, stream, **kwargs)
    return stream.getvalue(), count


def failing_after(n: int) -> Iterator[dict[str, Any]]:
    """Yield n records, then fail like a database cursor dropping mid-export."""
    for i in range(n):
        yield {"id": i + 1, "name": f"c{i + 1}", "tags": ["a"], "fields": {}}
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's terminal settings out of the results."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")


# --- json / ndjson ------------------------------------------------------------------------


def test_json_is_identical_to_json_dumps_of_the_list() -> None:
    out, count = render(RECORDS, "json")
    assert count == 2
    assert out == json.dumps(RECORDS, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(out) == RECORDS  # full records, not just the columns


def test_json_empty_is_empty_array() -> None:
    out, count = render([], "json")
    assert (out, count) == ("[]\n", 0)
    assert json.loads(out) == []


def test_json_streams_from_a_generator() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        render_records(failing_after(2), COLUMNS, "json", stream)
    assert stream.getvalue().count('"id"') == 2


def test_ndjson_one_compact_object_per_line() -> None:
    out, count = render(RECORDS, "ndjson")
    lines = out.split("\n")
    assert count == 2
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == RECORDS
    assert lines[0].startswith('{"id":1,"name":"Ada Lovelace"')
    assert "Zoë" in out  # ensure_ascii=False


def test_ndjson_empty_writes_nothing() -> None:
    assert render([], "ndjson") == ("", 0)


def test_ndjson_streams_from_a_generator() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        render_records(failing_after(3), COLUMNS, "ndjson", stream)
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2, 3]


# --- tsv ------------------------------------------------------------------------------------


def test_tsv_columns_only_no_header() -> None:
    out, count = render(RECORDS[:1], "tsv")
    assert count == 1
    assert out == "1\tAda Lovelace\tvip,math\t52000.5\t2026-11-22T14:05:00+00:00\n"


def test_tsv_missing_values_are_empty() -> None:
    out, _ = render([{"id": 7}], "tsv")
    assert out == "7\t\t\t\t\n"


def test_tsv_flattens_tabs_and_newlines() -> None:
    record = {"id": 1, "name": "a\tb\r\nc\nd", "tags": ["x\ty"], "fields": {}}
    out, _ = render([record], "tsv")
    assert out == "1\ta b c d\tx y\t\t\n"
    assert out.count("\n") == 1
    assert out.count("\t") == 4


def test_tsv_does_not_truncate() -> None:
    long_name = "x" * 200
    out, _ = render([{"id": 1, "name": long_name}], "tsv")
    assert long_name in out


def test_tsv_streams_from_a_generator() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        render_records(failing_after(2), COLUMNS, "tsv", stream)
    assert stream.getvalue().splitlines() == ["1\tc1\ta\t\t", "2\tc2\ta\t\t"]


# --- csv ------------------------------------------------------------------------------------


def test_csv_header_is_column_keys() -> None:
    out, count = render(RECORDS, "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert count == 2
    assert rows[0] == ["id", "name", "tags", "fields.income", "created_at"]
    assert rows[1] == ["1", "Ada Lovelace", "vip,math", "52000.5", "2026-11-22T14:05:00+00:00"]
    assert rows[2][2] == ""  # empty list
    assert rows[2][3] == ""  # missing custom field


def test_csv_quotes_awkward_values() -> None:
    record = {"id": 1, "name": 'Smith, "Jr"\nline two', "tags": ["a", "b"]}
    out, _ = render([record], "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][:3] == ["1", 'Smith, "Jr"\nline two', "a,b"]


def test_csv_empty_still_has_header() -> None:
    out, count = render([], "csv")
    assert (out, count) == ("id,name,tags,fields.income,created_at\n", 0)


def test_csv_streams_from_a_generator() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        render_records(failing_after(2), COLUMNS, "csv", stream)
    assert len(stream.getvalue().splitlines()) == 3  # header + 2 rows


# --- ids ------------------------------------------------------------------------------------


def test_ids_one_per_line() -> None:
    assert render(RECORDS, "ids") == ("1\n2\n", 2)


def test_ids_streams_from_a_generator() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        render_records(failing_after(4), COLUMNS, "ids", stream)
    assert stream.getvalue() == "1\n2\n3\n4\n"


# --- table ----------------------------------------------------------------------------------

TABLE_COLUMNS = (
    Column("id", "ID", kind="int"),
    Column("name", "Name", max_width=12),
    Column("tags", "Tags", kind="list"),
    Column("fields.income", "Income", kind="money"),
)


def test_table_has_headers_and_values_without_ansi() -> None:
    out, count = render(RECORDS, "table", TABLE_COLUMNS, title="Customers")
    assert count == 2
    assert ANSI not in out
    for text in ("Customers", "ID", "Name", "Tags", "Income", "vip, math", "52,000.50"):
        assert text in out


def test_table_wraps_long_text_within_max_width() -> None:
    record = {"id": 1, "name": "Bartholomew Featherstonehaugh"}
    out, _ = render([record], "table", TABLE_COLUMNS)
    assert "Bartholomew Featherstonehaugh" not in out  # wider than the column's max_width
    assert "Bartholomew" in out and "Featherstone" in out and "haugh" in out  # wrapped, not cropped
    assert "…" not in out


def test_table_money_is_right_aligned() -> None:
    records = [{"id": 1, "fields": {"income": 5}}, {"id": 2, "fields": {"income": 123456.78}}]
    out, _ = render(records, "table", (Column("fields.income", "Income", kind="money"),))
    lines = [line for line in out.splitlines() if "." in line]
    assert len(lines) == 2
    assert lines[0].rstrip().endswith("5.00")
    assert len(lines[0].rstrip()) == len(lines[1].rstrip())


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (1.234, "BHD", "1.234"),
        (1000, "JPY", "1,000"),
        (1.2345, "CLF", "1.2345"),
        (12000.5, "EUR", "12,000.50"),
        (12000, "EUR", "12,000.00"),
    ],
)
def test_table_money_has_the_currency_s_decimals(value, currency, shown) -> None:
    columns = (
        Column("value", "Value", kind="money", currency_key="currency"),
        Column("currency", "Cur"),
    )
    out, _ = render([{"value": value, "currency": currency}], "table", columns)
    assert out.splitlines()[-1].split() == [shown, currency]


def test_table_does_not_interpret_markup() -> None:
    record = {"id": 1, "name": "[bold]x[/bold] [/]"}
    out, _ = render([record], "table", (Column("name", "[Name]"),))
    assert "[bold]x[/bold] [/]" in out
    assert "[Name]" in out


def test_table_empty_prints_message() -> None:
    out, count = render([], "table", TABLE_COLUMNS, empty_message="No customers.")
    assert count == 0
    assert out.strip() == "No customers."


def test_table_accepts_a_generator() -> None:
    out, count = render(iter(RECORDS), "table", TABLE_COLUMNS)
    assert count == 2
    assert "Ada Lovelace" in out


def test_table_with_color_uses_ansi() -> None:
    out, _ = render(RECORDS, "table", TABLE_COLUMNS, color=True)
    assert ANSI in out


def test_table_datetime_uses_local_time_and_relative_phrase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The table hands parsed datetimes to crmcli.present.dates (a stand-in here, for determinism)."""
    seen: list[Any] = []
    fake = types.ModuleType("crmcli.present.dates")

    def format_when(dt: Any) -> str:
        seen.append(dt)
        return "LOCAL (2 h ago)"

    fake.format_when = format_when  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "crmcli.present.dates", fake)

    columns = (Column("created_at", "Created", kind="datetime"),)
    out, _ = render([RECORDS[0], {"created_at": None}], "table", columns)
    assert "LOCAL (2 h ago)" in out
    assert seen[0].isoformat() == "2026-11-22T14:05:00+00:00"
    assert len(seen) == 1  # None is left blank, not formatted


def test_table_datetime_with_real_dates_module() -> None:
    pytest.importorskip("crmcli.present.dates")
    columns = (Column("created_at", "Created", kind="datetime"),)
    out, count = render(RECORDS, "table", columns)
    assert count == 2
    assert ANSI not in out
    assert "T14:05:00" not in out  # shown as local time, not the raw ISO string


# --- no colour --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_ansi_in_any_format_without_color(fmt: str) -> None:
    # The table leaves out the datetime column so this runs without crmcli.kernel.dates.
    columns = TABLE_COLUMNS if fmt == "table" else COLUMNS
    out, _ = render(RECORDS, fmt, columns)
    assert ANSI not in out


def test_no_ansi_without_color_even_on_a_tty() -> None:
    """--no-color at a terminal: rich must not add bold or dim either."""
    stream = FakeTTY()
    render_records(RECORDS, TABLE_COLUMNS, "table", stream, color=False)
    render_records([], TABLE_COLUMNS, "table", stream, color=False)
    assert ANSI not in stream.getvalue()


# --- render_record --------------------------------------------------------------------------

SHOW_FIELDS = (
    Column("id", "ID", kind="int"),
    Column("name", "Name"),
    Column("tags", "Tags", kind="list"),
    Column("fields.income", "Income", kind="money"),
)


def render_one(fmt: str, **kwargs: Any) -> str:
    stream = io.StringIO()
    render_record(RECORDS[0], SHOW_FIELDS, fmt, stream, **kwargs)
    return stream.getvalue()


def test_record_json_is_one_pretty_object() -> None:
    out = render_one("json")
    assert out == json.dumps(RECORDS[0], indent=2, ensure_ascii=False) + "\n"
    assert json.loads(out) == RECORDS[0]


def test_record_ndjson_is_one_line() -> None:
    out = render_one("ndjson")
    assert out.count("\n") == 1
    assert json.loads(out) == RECORDS[0]


def test_record_tsv_is_key_value_lines() -> None:
    assert render_one("tsv") == (
        "id\t1\nname\tAda Lovelace\ntags\tvip,math\nfields.income\t52000.5\n"
    )


def test_record_csv_is_header_and_one_row() -> None:
    rows = list(csv.reader(io.StringIO(render_one("csv"))))
    assert rows == [
        ["id", "name", "tags", "fields.income"],
        ["1", "Ada Lovelace", "vip,math", "52000.5"],
    ]


def test_record_ids_is_the_id() -> None:
    assert render_one("ids") == "1\n"


def test_record_table_is_key_value_view() -> None:
    out = render_one("table")
    assert ANSI not in out
    lines = [line.split() for line in out.splitlines() if line.strip()]
    assert lines[0] == ["ID", "1"]
    assert lines[1] == ["Name", "Ada", "Lovelace"]
    assert lines[2] == ["Tags", "vip,", "math"]
    assert lines[3] == ["Income", "52,000.50"]
    assert not any(ch in out for ch in "│┃─━┏┌")  # no box


# --- render_value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (None, "text", ""),
        (["a", "b"], "list", "a,b"),
        ([], "list", ""),
        ("2026-11-22T14:05:00+00:00", "datetime", "2026-11-22T14:05:00+00:00"),
        (12000.5, "money", "12000.5"),
        (12000, "money", "12000"),
        (42, "int", "42"),
        (True, "text", "true"),
        (False, "text", "false"),
        ({"a": 1}, "text", '{"a":1}'),
    ],
)
def test_render_value(value: Any, kind: str, expected: str) -> None:
    assert render_value(value, kind) == expected


def test_dotted_key_reaches_into_fields() -> None:
    columns = (Column("fields.income", "Income", kind="money"), Column("fields.nope", "Nope"))
    out, _ = render([{"fields": {"income": 50000}}, {"fields": None}, {}], "tsv", columns)
    assert out == "50000\t\n\t\n\t\n"


# --- resolve_format / use_color ---------------------------------------------------------------


def test_resolve_format_defaults_follow_the_stream() -> None:
    assert resolve_format(None, False, io.StringIO()) == "tsv"
    assert resolve_format(None, False, FakeTTY()) == "table"


def test_resolve_format_json_flag_must_agree_with_format() -> None:
    assert resolve_format(None, True, FakeTTY()) == "json"
    assert resolve_format("JSON", True, io.StringIO()) == "json"
    with pytest.raises(InvalidInput, match="--format csv and --json ask for two formats"):
        resolve_format("csv", True, io.StringIO())


@pytest.mark.parametrize("fmt", FORMATS)
def test_resolve_format_explicit(fmt: str) -> None:
    assert resolve_format(fmt, False, FakeTTY()) == fmt
    assert resolve_format(fmt.upper(), False, io.StringIO()) == fmt


def test_unknown_format_raises_invalid_input_listing_formats() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        resolve_format("yaml", False, io.StringIO())
    message = str(excinfo.value)
    assert "yaml" in message
    assert all(fmt in message for fmt in FORMATS)
    assert excinfo.value.exit_code == 2


def test_render_with_unknown_format_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        render_records(RECORDS, COLUMNS, "xml", io.StringIO())
    with pytest.raises(InvalidInput):
        render_record(RECORDS[0], COLUMNS, "xml", io.StringIO())


def test_use_color_on_a_tty() -> None:
    assert use_color(FakeTTY(), no_color_flag=False) is True


def test_use_color_off_for_pipes_and_flag() -> None:
    assert use_color(io.StringIO(), no_color_flag=False) is False
    assert use_color(FakeTTY(), no_color_flag=True) is False


def test_use_color_honours_no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(FakeTTY(), no_color_flag=False) is False
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset, per no-color.org
    assert use_color(FakeTTY(), no_color_flag=False) is True


def test_use_color_off_for_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert use_color(FakeTTY(), no_color_flag=False) is False


def test_use_color_off_for_closed_stream() -> None:
    stream = io.StringIO()
    stream.close()
    assert use_color(stream, no_color_flag=False) is False


# --- import hygiene ---------------------------------------------------------------------------


def test_importing_output_stays_light() -> None:
    """`crm --version` must not pay for rich, SQLAlchemy or Textual."""
    code = (
        "import crmcli.commands.output, sys; "
        "heavy = [m for m in ('rich', 'sqlalchemy', 'textual') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
