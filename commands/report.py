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

import itertools
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
        context.prepare_figures(session, terms or [], None)
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


# --- clv ------------------------------------------------------------------------------------

CLV = [
    Column("customer_id", "ID", "int"),
    Column("customer", "Customer", max_width=24),
    Column("currency", "Cur"),
    Column("frequency", "Freq", "int"),
    Column("recency", "Recency (w)"),
    Column("T", "T (w)"),
    Column("monetary", "Monetary", "money", currency_key="currency"),
    Column("revenue", "Revenue", "money", currency_key="currency"),
    Column("p_alive", "P(alive)"),
    Column("expected_purchases", "Exp. purchases"),
    Column("expected_spend", "Exp. spend", "money", currency_key="currency"),
    Column("margin", "Margin"),
    Column("clv", "CLV", "money", currency_key="currency"),
]
CLV_TABLE = [c for c in CLV if c.key not in ("T", "monetary", "expected_spend", "margin")]
HOLDOUT = [
    Column("frequency", "Calib. freq"),
    Column("customers", "Customers", "int"),
    Column("predicted", "Predicted"),
    Column("actual", "Actual", "int"),
    Column("mean_predicted", "Mean pred."),
    Column("mean_actual", "Mean actual"),
]


def _weeks(text: str) -> float:
    """`--horizon`: weeks as a number, or a duration such as 26w, 6m (months), 1y."""
    from crmcli.kernel.errors import InvalidInput

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([wmy]?)\s*", text.lower())
    if not found or float(found[1]) <= 0:
        raise InvalidInput(f"invalid --horizon '{text}': use weeks (52) or 26w, 6m, 1y")
    per = {"": 1.0, "w": 1.0, "m": 52.0 / 12.0, "y": 52.0}[found[2]]
    return float(found[1]) * per


def _fraction(text: str, option: str, *, above: float) -> float:
    """`10%` or `0.1` as 0.1 (`--discount`); a bare number above 1 is a percentage."""
    from crmcli.kernel.errors import InvalidInput

    cleaned = text.strip().rstrip("%")
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidInput(f"invalid {option} '{text}': use a rate such as 10% or 0.1") from None
    if text.strip().endswith("%") or value > 1:
        value /= 100
    if not above < value <= 1 or value != value:
        raise InvalidInput(f"invalid {option} '{text}': out of range")
    return value


def _margin(text: str | None) -> float | None:
    """`--margin PCT` read as `crm report profit` reads it, as a fraction for the models."""
    from crmcli.analytics.profit import check_margin

    percent = check_margin(text)
    return None if percent is None else float(percent) / 100


def _clv_histogram(records: list[dict], color: bool) -> str:
    from crmcli.commands import charts

    values = sorted(r["clv"] for r in records)
    top = values[-1] or 1.0
    edges = [top * i / 10 for i in range(11)]
    counts = [
        sum(1 for v in values if lo <= v < hi or (i == 9 and v == hi))
        for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]
    labels = [f"<{hi:,.0f}" for hi in edges[1:]]
    currency = records[0]["currency"]
    return charts.bars(f"Customers by lifetime value ({currency})", labels, counts, color=color)


@app.command("clv", cls=opt.FilterCommand)
def clv(
    terms: Filter = None,
    as_of: AsOf = None,
    calibration_end: Annotated[
        str | None,
        typer.Option("--calibration-end", help="Fit on purchases up to WHEN (default: --as-of)."),
    ] = None,
    horizon: Annotated[
        str, typer.Option("--horizon", help="How far to value: weeks, or 26w, 6m, 1y.")
    ] = "52",
    discount: Annotated[
        str, typer.Option("--discount", help="Annual discount rate: 10% or 0.1.")
    ] = "10%",
    margin: Annotated[
        str | None,
        typer.Option("--margin", help="Margin % where product costs are unknown: 30."),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="The currency to value (default: the most used)."),
    ] = None,
    params: Annotated[
        bool, typer.Option("--params", help="Print the fitted parameters as one JSON object.")
    ] = False,
    holdout_end: Annotated[
        str | None,
        typer.Option(
            "--holdout-end",
            help="Compare predicted and actual repeat purchases from --calibration-end to WHEN.",
        ),
    ] = None,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Lifetime value (BG/NBD and Gamma-Gamma, fitted by maximum likelihood): crm report clv --params

    Time in weeks; purchases on one day count once; value is margin over --horizon,
    discounted (README, "Analyses")."""
    import json

    from crmcli.analytics import clv as report
    from crmcli.analytics.asof import parse_as_of
    from crmcli.kernel import money

    options = report.Options(
        calibration_end=parse_as_of(calibration_end) if calibration_end else None,
        horizon_weeks=_weeks(horizon),
        annual_discount=_fraction(discount, "--discount", above=-1.0),
        margin=_margin(margin),
        currency=None if currency is None else money.parse_currency(currency),
    )
    if params or holdout_end:
        from crmcli.kernel.errors import InvalidInput

        if params and holdout_end:
            raise InvalidInput("give --params or --holdout-end, not both")
        if params and (chart or fmt not in (None, "json")):
            raise InvalidInput("--params prints one JSON object: no --format or --chart")
    if params:
        from crmcli.analytics.scope import scope

        moment = parse_as_of(as_of) if as_of is not None else None
        with context.reading() as session:
            result = report.fit(session, scope(terms or [], moment), options)
        _note_left_out(result.left_out)
        sys.stdout.write(json.dumps(report.params(result), indent=2) + "\n")
        return
    if holdout_end:
        end = parse_as_of(holdout_end)
        run(
            lambda session, s: report.holdout(session, s, options, end),
            terms=terms,
            as_of=as_of,
            fmt=fmt,
            as_json=as_json,
            chart=chart,
            columns=HOLDOUT,
        )
        return
    run(
        lambda session, s: sorted(
            report.fit(session, s, options).rows, key=lambda r: (-r["clv"], r["customer_id"])
        ),
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=CLV,
        table=CLV_TABLE,
        draw=_clv_histogram,
        id_key="customer_id",
    )


def _note_left_out(left_out: dict[str, int]) -> None:
    if left_out:
        parts = ", ".join(f"{n} in {code}" for code, n in sorted(left_out.items()))
        context.say(f"Left out purchases in other currencies: {parts} (use --currency).")


# --- churn ----------------------------------------------------------------------------------

CHURN = [
    Column("customer_id", "ID", "int"),
    Column("customer", "Customer", max_width=24),
    Column("status", "Status"),
    Column("currency", "Cur"),
    Column("days_since_purchase", "Days since buy"),
    Column("usual_interval_days", "Usual gap (d)"),
    Column("p_alive", "P(alive)"),
    Column("past_value", "Past value", "money", currency_key="currency"),
    Column("value_at_risk", "At risk / yr", "money", currency_key="currency"),
    Column("clv", "CLV", "money", currency_key="currency"),
    Column("days_since_contact", "Days since contact"),
    Column("action", "Next action", max_width=28),
    Column("command", "Command"),
]
CHURN_TABLE = [c for c in CHURN if c.key not in ("usual_interval_days", "clv", "past_value")]


@app.command("churn", cls=opt.FilterCommand)
def churn(
    terms: Filter = None,
    as_of: AsOf = None,
    idle: Annotated[
        int, typer.Option("--idle", help="Days without an interaction that make a customer idle.")
    ] = 90,
    margin: Annotated[
        str | None, typer.Option("--margin", help="Margin % where product costs are unknown: 30.")
    ] = None,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Customers slipping away: lost, at risk (by value at risk) and idle, each with a next action: crm report churn

    Lost: no purchase for over three of their own usual intervals (and 90 days; a year
    for one-time buyers). At risk: P(alive) below 0.5. Idle: no contact for --idle days."""
    from crmcli.analytics import churn as report
    from crmcli.analytics import clv as value

    options = report.Options(
        idle_days=idle,
        value=value.Options(margin=_margin(margin)),
    )
    run(
        lambda session, s: report.report(session, s, options),
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=CHURN,
        table=CHURN_TABLE,
        id_key="customer_id",
        empty="No customer is lost, at risk or idle.",
    )


# --- basket and cross-sell ------------------------------------------------------------------

BASKET = [
    Column("antecedent", "If bought", "list"),
    Column("antecedent_names", "Names", "list", max_width=30),
    Column("consequent", "Then"),
    Column("consequent_name", "Name", max_width=24),
    Column("count", "Count", "int"),
    Column("support", "Support"),
    Column("confidence", "Confidence"),
    Column("lift", "Lift"),
]
BASKET_TABLE = [c for c in BASKET if c.key != "antecedent_names"]


def _lift_bars(records: list[dict], color: bool) -> str:
    from crmcli.commands import charts

    top = records[:15]
    labels = [f"{'+'.join(r['antecedent'])} -> {r['consequent']}" for r in top]
    return charts.bars("Strongest rules by lift", labels, [r["lift"] for r in top], color=color)


@app.command("basket", cls=opt.FilterCommand)
def basket(
    terms: Filter = None,
    as_of: AsOf = None,
    by: Annotated[
        str, typer.Option("--by", help="A basket is one purchase, or all a customer bought.")
    ] = "purchase",
    size: Annotated[int, typer.Option("--size", help="2: pairs, 3: triples.")] = 2,
    min_support: Annotated[float, typer.Option("--min-support", help="Least support.")] = 0.01,
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", help="Least confidence.")
    ] = 0.0,
    min_lift: Annotated[float, typer.Option("--min-lift", help="Least lift.")] = 0.0,
    limit: opt.Limit = opt.DEFAULT_LIMIT,
    chart: Chart = False,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Products bought together, as rules with support, confidence and lift: crm report basket --min-lift 1.5

    Counted in the database; refunds and purchases without lines are no baskets."""
    from crmcli.analytics import basket as report

    run(
        lambda session, s: report.basket(
            session,
            s,
            by=by,
            size=size,
            min_support=min_support,
            min_confidence=min_confidence,
            min_lift=min_lift,
            limit=limit or None,
        ).records(),
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=chart,
        columns=BASKET,
        table=BASKET_TABLE,
        draw=_lift_bars,
        empty="No products bought together above the thresholds.",
    )


CROSS_SELL = [
    Column("customer_id", "ID", "int"),
    Column("customer", "Customer", max_width=24),
    Column("product", "Offer"),
    Column("name", "Name", max_width=24),
    Column("score", "Score"),
    Column("lift", "Lift"),
    Column("because", "Because they bought"),
]


@app.command("cross-sell", cls=opt.FilterCommand)
def cross_sell(
    terms: Filter = None,
    as_of: AsOf = None,
    top: Annotated[int, typer.Option("--top", help="Suggestions per customer.")] = 3,
    min_support: Annotated[float, typer.Option("--min-support", help="Least support.")] = 0.01,
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", help="Least confidence.")
    ] = 0.0,
    fmt: opt.Format = None,
    as_json: opt.Json = False,
) -> None:
    """Products each customer has not bought, ranked by what they did buy: crm report cross-sell tag:vip

    Score: the best confidence of a rule (lift above 1) from a product they bought."""
    from crmcli.analytics import cross_sell as report

    run(
        lambda session, s: [
            row.record()
            for row in report.cross_sell(
                session, s, top=top, min_support=min_support, min_confidence=min_confidence
            )
        ],
        terms=terms,
        as_of=as_of,
        fmt=fmt,
        as_json=as_json,
        chart=False,
        columns=CROSS_SELL,
        id_key="customer_id",
        empty="No suggestions.",
    )
