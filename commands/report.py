"""`crm report NAME`: the analyses of customers, purchases and interactions (README,
"Analyses").

Every report takes the same options, declared once here for every report to reuse:

- `Filter`: FILTER words, split by `crmcli.analytics.scope` into customer terms
  (`tag:vip`, `owner:alice`, words) and purchase terms (`channel:web`, `product:CD`,
  `at>-90d` ...);
- `AsOf`: `--as-of WHEN`, the moment the data ends (default now; a day alone means its end);
- `opt.Format` / `opt.Json`: rows printed like a list (a table on a terminal, TSV piped,
  JSON, NDJSON, CSV; `ids` prints customer ids where rows are customers);
- `Chart`: `--chart` draws the report in the terminal instead (`commands/charts.py`).

A report command is a `FilterCommand` (so `-tag:x` is a negated term) whose body calls
`run` with the core function that builds its records, the columns its rows show and,
for `--chart`, how to draw them. The analytics modules are imported inside the
commands, never when another noun runs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.commands import completers, context, output
from crmcli.commands import options as opt
from crmcli.commands.output import Column

if TYPE_CHECKING:
    from crmcli.analytics.scope import Scope
    from crmcli.store.session import Session

app = opt.noun_app()

# --- the options every report shares ------------------------------------------------------

FILTER_HELP = (
    "Filter terms on customers (tag:vip owner:alice company:acme, words) and on purchases "
    "(channel:web product:SKU category:music amount>50 at>-90d refund:no)."
)
_TERM_START = re.compile(r"^(-?)([A-Za-z_][A-Za-z0-9_.]*)(!=|>=|<=|:|=|>|<)")


def _filter_terms(ctx: Any, incomplete: str) -> list[Any]:
    """TAB on a report's FILTER: customer fields and purchase-only fields, then values."""
    try:
        from crmcli.analytics.scope import purchase_only_fields
        from crmcli.kernel.vocabulary import PURCHASE_CHANNELS
        from crmcli.query import completion

        location = completers._location(ctx)
        on_purchases = purchase_only_fields()
        term = _TERM_START.match(incomplete)
        if term is None:
            found = completion.filter_terms(location, "customer", incomplete)
            found += [
                c
                for c in completion.filter_terms(location, "purchase", incomplete)
                if c.value.lstrip("-").rstrip(":") in on_purchases
            ]
            return completers._pairs(sorted(found))
        if term[2] == "channel":
            return [
                f"{term[0]}{v}" for v in PURCHASE_CHANNELS if v.startswith(incomplete[term.end() :])
            ]
        entity = "purchase" if term[2] in on_purchases else "customer"
        return completers._pairs(completion.filter_terms(location, entity, incomplete))
    except Exception:
        return []


Filter = Annotated[
    list[str] | None,
    typer.Argument(
        help=FILTER_HELP, show_default=False, metavar="FILTER...", autocompletion=_filter_terms
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Only what happened up to WHEN (default: now; a day alone means its end).",
        metavar="WHEN",
    ),
]
Chart = Annotated[
    bool, typer.Option("--chart", help="Draw the report in the terminal instead of rows.")
]

Build = Callable[["Session", "Scope"], list[dict]]
#: Draws a chart of the records: (records, colour?) -> the chart's text.
Draw = Callable[[list[dict], bool], str]

NO_BUYERS = "No customers with purchases."


def run(
    build: Build,
    *,
    terms: list[str] | None,
    as_of: str | None,
    fmt: str | None,
    as_json: bool,
    chart: bool,
    columns: Sequence[Column],
    draw: Draw | None = None,
    id_key: str | None = None,
    empty: str = NO_BUYERS,
    unnamed: dict[str, str] | None = None,
    table: Sequence[Column] | None = None,
) -> None:
    """The body of every report: read the options, build the records in one read
    transaction, then print them (or draw them with `--chart`).

    `id_key` is the record key that `--format ids` prints (customer_id where rows are
    customers); a report without one refuses `ids`. `unnamed` gives, for a table only,
    the words shown for a key that is null (a group without a product: "(none)").
    `table`: fewer columns for a table, where a wide report would not fit."""
    from crmcli.kernel.errors import InvalidInput

    if chart and (fmt is not None or as_json):
        raise InvalidInput("--chart draws the report: give --chart or --format/--json, not both")
    if chart and draw is None:
        raise InvalidInput("--chart: this view of the report has no chart")
    if fmt == "ids" and id_key is None:
        raise InvalidInput("--format ids: the rows of this report are not records with ids")
    from crmcli.analytics.asof import parse_as_of
    from crmcli.analytics.scope import scope

    moment = parse_as_of(as_of) if as_of is not None else None
    with context.reading() as session:
        records = build(session, scope(terms or [], moment))
    if chart and draw is not None:
        if not records:
            context.say(empty)
            return
        sys.stdout.write(draw(records, context.color()))
        sys.stdout.write("\n")
        return
    if fmt == "ids" and id_key is not None:
        records = [{"id": record[id_key]} for record in records]
    if output.resolve_format(fmt, as_json, sys.stdout) == "table":
        columns = table or columns
        records = [
            {**record, **{k: v for k, v in (unnamed or {}).items() if record.get(k) is None}}
            for record in records
        ]
    context.show_records(records, columns, fmt, as_json, empty_message=empty)


# --- rfm ------------------------------------------------------------------------------------

RFM = [
    Column("customer_id", "ID", "int"),
    Column("customer", "Customer", max_width=24),
    Column("currency", "Cur"),
    Column("recency", "Recency", "int"),
    Column("frequency", "Freq", "int"),
    Column("monetary", "Monetary", "money", currency_key="currency"),
    Column("r", "R", "int"),
    Column("f", "F", "int"),
    Column("m", "M", "int"),
    Column("rfm", "RFM"),
    Column("segment", "Segment"),
    Column("first_purchase", "First purchase", "datetime"),
    Column("last_purchase", "Last purchase", "datetime"),
]
RFM_TABLE = [c for c in RFM if c.key in ("customer", "currency", "recency", "frequency")]
RFM_TABLE += [c for c in RFM if c.key in ("monetary", "rfm", "segment")]
RFM_SUMMARY = [
    Column("currency", "Cur"),
    Column("segment", "Segment"),
    Column("customers", "Customers", "int"),
    Column("customers_pct", "Customers %", "percent"),
    Column("revenue", "Revenue", "money", currency_key="currency"),
    Column("revenue_pct", "Revenue %", "percent"),
]


def _segment_bars(records: list[dict], color: bool) -> str:
    """Customers per segment, one chart per currency (from rows or from the summary)."""
    from crmcli.commands import charts

    drawn = []
    for currency in sorted({r["currency"] for r in records}):
        counts: dict[str, int] = {}
        for r in records:
            if r["currency"] == currency:
                counts[r["segment"]] = counts.get(r["segment"], 0) + r.get("customers", 1)
        drawn.append(
            charts.bars(
                f"Customers by segment ({currency})",
                list(counts),
                list(counts.values()),
                color=color,
            )
        )
    return "\n".join(drawn)


@app.command("rfm", cls=opt.FilterCommand)
def rfm(
    terms: Filter = None,
    as_of: AsOf = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="The customer mix: each segment's customers and revenue, per currency.",
        ),
    ] = False,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Recency, frequency and monetary value per customer, scored 1-5, with a segment: crm report rfm tag:vip

    Scores are quintiles within each currency's customers (5 best); the segment comes
    from the R score and the mean of F and M on the R x FM grid (README, "Analyses")."""
    from crmcli.analytics import rfm as report

    run(
        report.summary if summary else report.customers,
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=RFM_SUMMARY if summary else RFM,
        table=None if summary else RFM_TABLE,
        draw=_segment_bars,
        id_key=None if summary else "customer_id",
    )


# --- cohorts --------------------------------------------------------------------------------


def _cohort_columns(months: int) -> list[Column]:
    return [
        Column("currency", "Cur"),
        Column("cohort", "Cohort"),
        Column("customers", "Cust", "int"),
        *(Column(f"m{k}", f"M{k}", "percent") for k in range(1, months + 1)),
        Column("repeat_pct", "Repeat %", "percent"),
        Column("mean_days_between", "Days", "int"),
    ]


def _retention_map(months: int) -> Draw:
    def draw(records: list[dict], color: bool) -> str:
        from crmcli.commands import charts

        drawn = []
        for currency in sorted({r["currency"] for r in records}):
            rows = [r for r in records if r["currency"] == currency]
            drawn.append(
                charts.heatmap(
                    f"Customers buying again, % of the cohort ({currency})",
                    [f"{r['cohort']} ({r['customers']})" for r in rows],
                    [f"M{k}" for k in range(1, months + 1)],
                    [[r[f"m{k}"] for k in range(1, months + 1)] for r in rows],
                    color=color,
                )
            )
        return "\n".join(drawn)

    return draw


@app.command("cohorts", cls=opt.FilterCommand)
def cohorts(
    terms: Filter = None,
    as_of: AsOf = None,
    months: Annotated[
        int,
        typer.Option(
            "--months", help="Follow each cohort N months after its first (1-1200).", metavar="N"
        ),
    ] = 12,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Customers by month of first purchase, and the share buying again each month after: crm report cohorts --chart

    Per cohort: its size, the percentage with a purchase in each month after the first
    (M1: the next month), the repeat-purchase rate and the mean days between purchases."""
    from crmcli.analytics import cohorts as report

    report.check_months(months)
    run(
        lambda session, scope: report.cohorts(session, scope, months),
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=_cohort_columns(months),
        draw=_retention_map(months),
    )


# --- profit ---------------------------------------------------------------------------------

#: `--by` of `crm report profit` (crmcli.analytics.profit.BY; repeated so TAB imports nothing).
PROFIT_BY = ("customer", "segment", "product", "category", "company", "owner", "channel")


_PROFIT_FIGURES = [
    Column("revenue", "Revenue", "money", currency_key="currency"),
    Column("uncosted_revenue", "Uncosted", "money", currency_key="currency"),
    Column("cost_of_goods", "COGS", "money", currency_key="currency"),
    Column("gross_margin", "Margin", "money", currency_key="currency"),
    Column("margin_pct", "Margin %", "percent"),
    Column("cost_to_serve", "To serve", "money", currency_key="currency"),
    Column("net_contribution", "Net", "money", currency_key="currency"),
]


def _profit_columns(by: str) -> list[Column]:
    named = by.strip().lower() in ("customer", "product", "company")
    return [
        *([Column("id", "ID", "int")] if named else []),
        Column("name", by.strip().capitalize() or "Name", max_width=24),
        Column("currency", "Cur"),
        Column("customers", "Cust", "int"),
        *_PROFIT_FIGURES,
        Column("unprofitable", "Loss"),
    ]


def _profit_table(by: str) -> list[Column]:
    """The key figures: the name, revenue, what is not costed, margins, the net."""
    keep = {"name", "currency", "revenue", "uncosted_revenue", "gross_margin", "margin_pct"}
    keep |= {"cost_to_serve", "net_contribution", "unprofitable"}
    return [c for c in _profit_columns(by) if c.key in keep]


PROFIT_SUMMARY = [
    Column("currency", "Cur"),
    Column("customers", "Cust", "int"),
    *_PROFIT_FIGURES,
    Column("top20_pct", "Top 20 %", "percent"),
    Column("unprofitable_customers", "Unprofitable", "int"),
]
PROFIT_SUMMARY_TABLE = [c for c in PROFIT_SUMMARY if c.key != "cost_of_goods"]


def _profit_bars(records: list[dict], color: bool) -> str:
    """Each group's profit (net contribution, else gross margin), one chart per currency."""
    from crmcli.commands import charts

    drawn = []
    for currency in sorted({r["currency"] for r in records}):
        rows = [r for r in records if r["currency"] == currency]
        labels, values = [], []
        for r in rows:
            value = (
                r["net_contribution"] if r["net_contribution"] is not None else r["gross_margin"]
            )
            if value is not None:
                labels.append(str(r.get("name") or "(none)"))
                values.append(value)
        if values:
            basis = (
                "net contribution"
                if any(r["net_contribution"] is not None for r in rows)
                else "gross margin"
            )
            title = f"Profit by {rows[0]['by']}, {basis} ({currency})"
            drawn.append(charts.bars(title, labels, values, color=color))
    return "\n".join(drawn) if drawn else "No profit figure is known (no costs recorded)."


@app.command("profit", cls=opt.FilterCommand)
def profit(
    terms: Filter = None,
    as_of: AsOf = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Group by customer, segment, product, category, company, owner or channel.",
            metavar="GROUP",
            autocompletion=completers.fixed(PROFIT_BY),
        ),
    ] = "customer",
    margin: Annotated[
        str | None,
        typer.Option(
            "--margin",
            help="Assume this gross margin (percent) where a sale's cost is not known.",
            metavar="PCT",
        ),
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Totals per currency, the profit share of the top 20 % of customers, the unprofitable ones.",
        ),
    ] = False,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Revenue, cost of goods, gross margin, cost to serve and net contribution: crm report profit --by product

    Every figure is per currency. Cost to serve prices each interaction by its channel
    (channel_costs in the config file) in the default currency."""
    from crmcli.analytics import profit as report

    chosen = report.check_by(by)
    assumed = report.check_margin(margin)
    run(
        lambda session, scope: report.profit(
            session, scope, chosen, margin=assumed, summary=summary
        ),
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=PROFIT_SUMMARY if summary else _profit_columns(chosen),
        draw=None if summary else _profit_bars,
        id_key=None if summary or chosen not in ("customer", "product", "company") else "id",
        empty="No purchases or interactions.",
        unnamed={"name": "(none)"},
        table=PROFIT_SUMMARY_TABLE if summary else _profit_table(chosen),
    )


# --- channels -------------------------------------------------------------------------------

CHANNELS_BY = ("customer", "segment")
_CONTACT_COLUMNS = [
    Column("interactions", "Interactions", "int"),
    Column("inbound", "In", "int"),
    Column("outbound", "Out", "int"),
    Column("answered", "Answered", "int"),
    Column("answer_pct", "Answer %", "percent"),
    Column("reach_out", "Contacts us on", "list"),
    Column("purchases", "Purchases", "int"),
    Column("bought_via", "Buys on", "list"),
    Column("preferred_channel", "Preferred"),
]
CHANNELS = [
    Column("customer_id", "ID", "int"),
    Column("customer", "Customer", max_width=24),
    *_CONTACT_COLUMNS,
]
#: A table shows who, how they answer and reach out, and what they prefer.
_CONTACT_TABLE = ("inbound", "outbound", "answer_pct", "reach_out", "purchases", "bought_via")
CHANNELS_TABLE = [
    c for c in CHANNELS if c.key in ("customer", *_CONTACT_TABLE, "preferred_channel")
]
CHANNELS_BY_SEGMENT = [
    Column("segment", "Segment"),
    Column("customers", "Customers", "int"),
    *_CONTACT_COLUMNS,
]
CHANNELS_BY_SEGMENT_TABLE = [
    c
    for c in CHANNELS_BY_SEGMENT
    if c.key in ("segment", "customers", *_CONTACT_TABLE, "preferred_channel")
]


def _channel_bars(records: list[dict], color: bool) -> str:
    """Inbound and outbound interactions per channel, summed over the rows."""
    from crmcli.commands import charts
    from crmcli.kernel.vocabulary import CHANNELS as ORDER

    totals: dict[str, dict[str, int]] = {"inbound": {}, "outbound": {}}
    for record in records:
        for name, counts in record["channels"].items():
            for direction, by_channel in totals.items():
                by_channel[name] = by_channel.get(name, 0) + counts[direction]
    names = [name for name in ORDER if name in totals["inbound"]]
    if not names:
        return "No interactions."
    return "\n".join(
        charts.bars(
            f"{direction.capitalize()} interactions by channel",
            names,
            [by_channel[name] for name in names],
            color=color,
        )
        for direction, by_channel in totals.items()
    )


@app.command("channels", cls=opt.FilterCommand)
def channels(
    terms: Filter = None,
    as_of: AsOf = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="One row per customer or per RFM segment.",
            metavar="GROUP",
            autocompletion=completers.fixed(CHANNELS_BY),
        ),
    ] = "customer",
    within: Annotated[
        int,
        typer.Option(
            "--within",
            help="An inbound contact within DAYS of ours on its channel answers it (default 7).",
            metavar="DAYS",
        ),
    ] = 7,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Contacts and answers by channel, and the preferred channel: crm report channels tag:vip

    Per customer (or RFM segment): interactions by channel and direction, how often they
    answer ours, their purchases by channel. The preferred channel is the one with most inbound contacts; ties go to the better
    answer rate, then to more purchases through it (README, "Analyses")."""
    from crmcli.analytics import channels as report

    chosen = report.check_by(by)
    report.check_within(within)
    run(
        lambda session, scope: report.channels(session, scope, chosen, within),
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=CHANNELS if chosen == "customer" else CHANNELS_BY_SEGMENT,
        table=CHANNELS_TABLE if chosen == "customer" else CHANNELS_BY_SEGMENT_TABLE,
        draw=_channel_bars,
        id_key="customer_id" if chosen == "customer" else None,
        empty="No interactions or purchases.",
        unnamed={"segment": "(no purchase)"},
    )
