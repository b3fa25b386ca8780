"""Render records for the CLI in one of the output formats (README, "Output").

Records arrive as plain JSON-ready dicts. The machine formats (tsv, json, ndjson, csv, ids)
write while they iterate so that a large export never sits in memory, and their shape is an
API that scripts rely on. Only the table format is for humans: it may collect the records,
format dates for the local time zone and use rich.

Text from outside never reaches the terminal raw: every format passes it through
`crmcli.present.text` (tables show controls and bidi overrides as `\x1b`-style escapes,
TSV and CSV escape controls, JSON escapes what json.dumps leaves raw).

Start-up speed matters (`crm --version`, shell completion): this module imports nothing
heavy at module level. rich and the present modules for dates and money are imported inside
the functions that need them.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TextIO

from crmcli.kernel.errors import InvalidInput
from crmcli.present.text import data_field, json_text, visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

FORMATS = ("table", "tsv", "json", "ndjson", "csv", "ids")

#: The width of a table written to a pipe or file (`COLUMNS` overrides it).
_PIPE_WIDTH = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 132

#: The widest a short column is kept whole.
_SHORT_MAX = 24

#: Text columns whose values are short codes or dates: cut, never wrapped, in tables.
_SHORT_KEYS = frozenset(
    {"currency", "close_date", "stage", "status", "channel", "direction", "kind", "owner"}
    | {"segment", "cohort", "rfm", "preferred_channel", "unprofitable"}  # reports
)

# One run of tabs / line breaks becomes one space, so a TSV record stays on one line with
# exactly one tab between fields.
_TSV_UNSAFE = re.compile(r"[\t\r\n]+")


@dataclass(frozen=True)
class Column:
    """One column of output: where its value lives in a record and how to show it."""

    key: str  # key in the record dict; dotted keys like "fields.income" reach into dicts
    header: str  # table header, e.g. "Name" (csv uses `key`: machine names are stable)
    kind: str = "text"  # "text" | "datetime" | "money" | "list" | "int" | "percent"
    max_width: int | None = None  # table only: truncate with an ellipsis
    currency_key: str | None = None  # money: the record key of its currency (table only)


# --- choosing the format and colour ----------------------------------------------------


def _is_tty(stream: TextIO) -> bool:
    """Whether `stream` is a terminal; a closed or odd stream counts as not one."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):
        return False


def _check_format(fmt: str) -> str:
    """Return `fmt` normalised, or raise InvalidInput naming the accepted formats."""
    normalised = fmt.strip().lower()
    if normalised not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return normalised


def resolve_format(fmt: str | None, as_json: bool, stream: TextIO) -> str:
    """Pick the output format from `--format`/`--json` and whether stdout is a terminal.

    `--json` is `--format json`; the two together must agree (`--format tsv --json` is an
    error, never a silent choice). Without either, people at a terminal get a table and
    pipes get TSV (one record per line, no colour, no truncation).
    """
    if fmt is not None:
        chosen = _check_format(fmt)
        if as_json and chosen != "json":
            raise InvalidInput(format_conflict(fmt))
        return chosen
    if as_json:
        return "json"
    return "table" if _is_tty(stream) else "tsv"


def format_conflict(fmt: str) -> str:
    return f"--format {fmt} and --json ask for two formats: give one"


_FORCED_SYSTEM = "standard"


def _dumb_terminal() -> bool:
    return os.environ.get("TERM", "") in ("dumb", "unknown")


def _forced(name: str) -> bool:
    """FORCE_COLOR / CLICOLOR_FORCE set to anything but "" or "0"."""
    return os.environ.get(name, "") not in ("", "0")


def use_color(stream: TextIO, no_color_flag: bool) -> bool:
    """Whether to colour a table, first rule that applies: `--no-color` and `NO_COLOR`
    (any value) turn colour off; `FORCE_COLOR` or `CLICOLOR_FORCE` (any value but "0")
    turn it on, even into a pipe or on a dumb terminal; `TERM=dumb` turns it off; else
    colour on a terminal only."""
    if no_color_flag:
        return False
    if os.environ.get("NO_COLOR", ""):
        return False
    if _forced("FORCE_COLOR") or _forced("CLICOLOR_FORCE"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return _is_tty(stream)


# --- plain values ------------------------------------------------------------------------


def get_value(record: dict[str, Any], key: str) -> Any:
    """Look `key` up in `record`; a dotted key ("fields.income") walks nested dicts.

    A missing key gives None rather than an error: custom fields are optional per record.
    """
    if key in record:
        return record[key]
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def render_value(value: Any, kind: str = "text") -> str:
    """Plain text of one value for tsv/csv: what a script would want to cut or compare.

    None is empty, lists are joined by ",", booleans are JSON's true/false, datetimes stay
    ISO 8601, money stays the number as given (no thousands separators, no rounding).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(render_value(item) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _tsv_field(value: Any, kind: str) -> str:
    """A TSV field: the plain value with tabs and line breaks flattened to one space and
    other control characters escaped (`\x1b`)."""
    return data_field(_TSV_UNSAFE.sub(" ", render_value(value, kind)))


def _csv_field(value: Any, kind: str) -> str:
    """A CSV field: the csv module quotes line breaks; other controls are escaped."""
    return data_field(render_value(value, kind))


# --- streaming formats -------------------------------------------------------------------


def _json_array_item(record: dict[str, Any]) -> str:
    """`record` as json.dumps(indent=2) would print it inside a top-level array."""
    dumped = json_text(json.dumps(record, indent=2, ensure_ascii=False))
    # split("\n"), not splitlines(): with ensure_ascii=False a string may hold U+2028 or
    # U+0085, which splitlines() would treat as line breaks. json never writes raw "\n"
    # inside a string, so "\n" only ever separates lines of the layout.
    return "\n".join("  " + line for line in dumped.split("\n"))


def _write_json(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """One JSON array, written item by item; byte-identical to json.dumps(list, indent=2)."""
    count = 0
    for record in records:
        stream.write("[\n" if count == 0 else ",\n")
        stream.write(_json_array_item(record))
        count += 1
    stream.write("[]\n" if count == 0 else "\n]\n")
    return count


def _write_ndjson(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """One compact JSON object per line, the full record."""
    count = 0
    for record in records:
        stream.write(json_text(json.dumps(record, ensure_ascii=False, separators=(",", ":"))))
        stream.write("\n")
        count += 1
    return count


def _write_tsv(records: Iterable[dict[str, Any]], columns: Sequence[Column], stream: TextIO) -> int:
    """One line per record, the columns only, no header (for cut/awk, like khard)."""
    count = 0
    for record in records:
        fields = (_tsv_field(get_value(record, col.key), col.kind) for col in columns)
        stream.write("\t".join(fields))
        stream.write("\n")
        count += 1
    return count


def _csv_writer(stream: TextIO) -> Any:
    """A csv writer ending rows in "\\n": stdout is a text stream and Unix tools expect it."""
    return csv.writer(stream, lineterminator="\n")


def _write_csv(records: Iterable[dict[str, Any]], columns: Sequence[Column], stream: TextIO) -> int:
    """A header row of column keys (the stable machine names), then one row per record."""
    writer = _csv_writer(stream)
    writer.writerow([col.key for col in columns])
    count = 0
    for record in records:
        writer.writerow([_csv_field(get_value(record, col.key), col.kind) for col in columns])
        count += 1
    return count


def _write_ids(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """The id of each record, one per line, for `xargs` and `$(...)`."""
    count = 0
    for record in records:
        stream.write(render_value(record.get("id"), "int"))
        stream.write("\n")
        count += 1
    return count


# --- table (rich, for people) ------------------------------------------------------------


def _console(stream: TextIO, color: bool) -> Console:
    """A rich Console on `stream` that writes no escape codes at all unless `color`.

    color_system=None turns off every style (bold and dim too), so a table redirected to a
    file or shown with --no-color is plain text. The width comes from the terminal (or
    COLUMNS); a pipe has no width, so a table asked for there gets a roomy one.
    """
    from rich.console import Console

    return Console(
        file=stream,
        width=None if _is_tty(stream) else _PIPE_WIDTH,
        force_terminal=color,
        # Colour asked for on a dumb terminal (FORCE_COLOR): rich would detect none.
        color_system=(_FORCED_SYSTEM if _dumb_terminal() else "auto") if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def _table_datetime(value: Any) -> str:
    """Local time plus a relative phrase, "2026-11-22 14:05 (2 h ago)"; raw text if odd."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    from crmcli.present.dates import format_when

    return format_when(moment)


def _table_money(value: Any, currency: Any) -> str:
    """An amount grouped, with the currency's own decimals (1.234 BHD, 1,000 JPY)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        from crmcli.present.money import format_amount

        return format_amount(value, currency if isinstance(currency, str) else None)
    return render_value(value, "money")


def _table_cell(record: dict[str, Any], col: Column) -> Text:
    """The table text of one value; a Text object so "[brackets]" are never markup, and
    control characters shown, never sent to the terminal."""
    from rich.text import Text

    value = get_value(record, col.key)
    if col.kind == "datetime":
        plain = _table_datetime(value)
    elif col.kind == "money":
        currency = get_value(record, col.currency_key) if col.currency_key else None
        plain = _table_money(value, currency)
    elif col.kind == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
        plain = f"{value:.0f}"  # a table's percentages are whole; the data formats keep all
    elif col.kind == "list" and isinstance(value, list | tuple):
        plain = ", ".join(render_value(item) for item in value)
    else:
        plain = render_value(value, col.kind)
    return Text(visible(plain, multiline=True))


def _print_empty(console: Console, message: str, color: bool) -> None:
    """The empty-result message, dim on a colour terminal."""
    from rich.text import Text

    console.print(Text(message, style="dim" if color else ""))


def _render_table(
    records: Iterable[dict[str, Any]],
    columns: Sequence[Column],
    stream: TextIO,
    *,
    color: bool,
    title: str | None,
    empty_message: str,
) -> int:
    """A rich table of the columns; column widths need every row, so this one collects."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rows = list(records)
    console = _console(stream, color)
    if not rows:
        _print_empty(console, empty_message, color)
        return 0

    table = Table(
        title=visible(title) if title else title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if color else "",
        title_style="bold" if color else "",
    )
    cells = [[_table_cell(record, col) for col in columns] for record in rows]
    for index, col in enumerate(columns):
        # Short values (ids, money, dates, codes) keep their full width on one line; text
        # wraps within its column (at most max_width wide), so nothing is ever cropped.
        short = col.kind not in ("text", "list") or col.key in _SHORT_KEYS
        widest = max([len(col.header), *(row[index].cell_len for row in cells)])
        table.add_column(
            Text(col.header),
            justify="right" if col.kind in ("money", "int", "percent") else "left",
            min_width=min(widest, _SHORT_MAX) if short else None,
            max_width=col.max_width,
            overflow="ellipsis" if short else "fold",
            no_wrap=short,
            ratio=None if short else 1,
        )
    for row in cells:
        table.add_row(*row)
    console.print(table)
    return len(rows)


def _render_record_table(
    record: dict[str, Any], fields: Sequence[Column], stream: TextIO, *, color: bool
) -> None:
    """Two columns, header and value, without borders: the `show` view."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold" if color else "", no_wrap=True)
    table.add_column(overflow="fold")
    for col in fields:
        table.add_row(Text(col.header), _table_cell(record, col))
    _console(stream, color).print(table)


# --- public entry points -----------------------------------------------------------------


def render_records(
    records: Iterable[dict[str, Any]],
    columns: Sequence[Column],
    fmt: str,
    stream: TextIO,
    *,
    color: bool = False,
    title: str | None = None,
    empty_message: str = "No records.",
) -> int:
    """Write `records` to `stream` in `fmt` and return how many were written.

    `records` may be a generator: every format but table writes as it iterates.
    json and ndjson print the full records; tsv, csv and table print `columns` only.
    """
    fmt = _check_format(fmt)
    if fmt == "json":
        return _write_json(records, stream)
    if fmt == "ndjson":
        return _write_ndjson(records, stream)
    if fmt == "tsv":
        return _write_tsv(records, columns, stream)
    if fmt == "csv":
        return _write_csv(records, columns, stream)
    if fmt == "ids":
        return _write_ids(records, stream)
    return _render_table(
        records, columns, stream, color=color, title=title, empty_message=empty_message
    )


def render_record(
    record: dict[str, Any],
    fields: Sequence[Column],
    fmt: str,
    stream: TextIO,
    *,
    color: bool = False,
) -> None:
    """Write one record (for `show`): json is a single object, not an array of one."""
    fmt = _check_format(fmt)
    if fmt == "json":
        stream.write(json_text(json.dumps(record, indent=2, ensure_ascii=False)))
        stream.write("\n")
    elif fmt == "ndjson":
        _write_ndjson([record], stream)
    elif fmt == "tsv":
        for col in fields:
            stream.write(f"{col.key}\t{_tsv_field(get_value(record, col.key), col.kind)}\n")
    elif fmt == "csv":
        _write_csv([record], fields, stream)
    elif fmt == "ids":
        _write_ids([record], stream)
    else:
        _render_record_table(record, fields, stream, color=color)
