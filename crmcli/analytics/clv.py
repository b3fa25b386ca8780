"""Customer lifetime value: BG/NBD for future purchases and the probability of being
active, Gamma-Gamma for spend (`clv_model` has the mathematics; this module the data).

The inputs follow the papers' conventions (see `clv_model.summarise`): time in weeks,
one purchase per customer and calendar day in the user's time zone (as in `activity`). A purchase day is a day with a purchase that is not a
refund; a refund lowers the spend of the day of the purchase it refunds (a refund that
names no purchase is left out). One currency at a time: `currency`, else the currency
with the most purchases in scope; purchases in others are counted in `left_out`.

Value is margin, not revenue: each customer's own margin where product costs are known,
else `margin` (a fraction) when given, else the margin of all costed purchases in scope,
else revenue (`margin_source` says which).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from crmcli.analytics import clv_model
from crmcli.analytics.activity import customer_names
from crmcli.analytics.scope import Scope, purchase_clauses
from crmcli.kernel import money
from crmcli.kernel.dates import local
from crmcli.kernel.errors import InvalidInput
from crmcli.store.models import Purchase, UTCDateTime

DEFAULT_HORIZON_WEEKS = 52.0
DEFAULT_ANNUAL_DISCOUNT = 0.10
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Options:
    calibration_end: datetime | None = None
    horizon_weeks: float = DEFAULT_HORIZON_WEEKS
    annual_discount: float = DEFAULT_ANNUAL_DISCOUNT
    #: A fraction (0.3 for 30 %) used where a customer's costs are unknown.
    margin: float | None = None
    currency: str | None = None


@dataclass
class Data:
    """One currency's purchases in scope, ready for the models."""

    currency: str | None
    transactions: list[tuple[int, date, float]]
    #: Per customer: (revenue with known cost, that cost) in minor units.
    costed: dict[int, tuple[int, int]]
    left_out: dict[str, int] = field(default_factory=dict)


@dataclass
class Result:
    currency: str | None
    calibration_end: date
    bgnbd: clv_model.BGNBDFit
    gamma_gamma: clv_model.GammaGammaFit
    summary: clv_model.Summary
    rows: list[dict]
    left_out: dict[str, int]
    margin_source: str


def load(session: Session, scope: Scope, currency: str | None = None) -> Data:
    """The purchase days' spends of the scope's customers (one currency), in major units."""
    original = sa.orm.aliased(Purchase)
    day_of = sa.func.coalesce(original.at, col(Purchase.at), type_=UTCDateTime)
    statement = (
        sa.select(
            col(Purchase.customer_id),
            day_of,
            col(Purchase.amount_minor),
            col(Purchase.cost_minor),
            col(Purchase.currency),
            col(Purchase.refund_of_id),
        )
        .select_from(Purchase)
        .outerjoin(original, col(original.id) == col(Purchase.refund_of_id))
        .where(*purchase_clauses(session, scope))
    )
    rows = session.execute(statement).all()
    by_currency = Counter(row[4] for row in rows if row[2] >= 0)
    chosen = currency or (by_currency.most_common(1)[0][0] if by_currency else None)
    left_out = {code: n for code, n in by_currency.items() if code != chosen}
    transactions: list[tuple[int, date, float]] = []
    costed: dict[int, tuple[int, int]] = {}
    for customer_id, at, amount, cost, code, refund_of in rows:
        if code != chosen or (amount < 0 and refund_of is None):
            continue
        day = local(at).date()
        transactions.append((customer_id, day, float(money.to_major(amount, code))))
        if cost is not None:
            revenue, spent = costed.get(customer_id, (0, 0))
            costed[customer_id] = (revenue + amount, spent + cost)
    return Data(chosen, transactions, costed, left_out)


def fit(session: Session, scope: Scope, options: Options) -> Result:
    """Fit both models on the scope's purchases up to the calibration end, and value each
    customer over the horizon. A fit that fails is one InvalidInput."""
    data = load(session, scope, options.currency)
    if not data.transactions:
        raise InvalidInput("no purchases to fit the lifetime-value models on")
    end = local(options.calibration_end or scope.as_of).date()
    first = min(day for _, day, _ in data.transactions)
    if end < first:
        raise InvalidInput(
            f"--calibration-end {end.isoformat()} is before the first purchase "
            f"({first.isoformat()})"
        )
    summary = clv_model.summarise(data.transactions, end, unit_days=DAYS_PER_WEEK)
    try:
        bgnbd = clv_model.fit_bgnbd(summary.frequency, summary.recency, summary.T)
        gamma_gamma = clv_model.fit_gamma_gamma(summary.frequency, summary.monetary)
    except clv_model.FitError as exc:
        raise InvalidInput(f"cannot fit the lifetime-value models: {exc}") from None
    margins, source = _margins(summary, data.costed, options.margin)
    horizon = options.horizon_weeks
    expected = clv_model.expected_purchases(
        bgnbd, horizon, summary.frequency, summary.recency, summary.T
    )
    alive = clv_model.p_alive(bgnbd, summary.frequency, summary.recency, summary.T)
    spend = clv_model.expected_spend(gamma_gamma, summary.frequency, summary.monetary)
    value = clv_model.customer_lifetime_value(
        bgnbd,
        gamma_gamma,
        summary.frequency,
        summary.recency,
        summary.T,
        summary.monetary,
        horizon,
        options.annual_discount,
        1.0,
    )
    names = customer_names(session, scope)
    revenue: dict[int, float] = {}
    for customer_id, day, amount in data.transactions:
        if day <= end:
            revenue[customer_id] = revenue.get(customer_id, 0.0) + amount
    rows = []
    for i, key in enumerate(summary.keys):
        customer_id = int(key)
        rows.append(
            {
                "customer_id": customer_id,
                "customer": names.get(customer_id),
                "currency": data.currency,
                "frequency": int(summary.frequency[i]),
                "recency": round(float(summary.recency[i]), 4),
                "T": round(float(summary.T[i]), 4),
                "monetary": round(float(summary.monetary[i]), 2),
                "revenue": round(revenue.get(customer_id, 0.0), 2),
                "p_alive": round(float(alive[i]), 4),
                "expected_purchases": round(float(expected[i]), 4),
                "expected_spend": round(float(spend[i]), 2),
                "margin": round(margins[i], 4),
                "clv": round(float(value[i]) * margins[i], 2),
            }
        )
    return Result(data.currency, end, bgnbd, gamma_gamma, summary, rows, data.left_out, source)


def _margins(
    summary: clv_model.Summary, costed: dict[int, tuple[int, int]], given: float | None
) -> tuple[list[float], str]:
    """Each customer's margin fraction, and where the margins came from."""
    revenue = sum(r for r, _ in costed.values())
    spent = sum(c for _, c in costed.values())
    if given is not None:
        fallback, source = given, "product costs, else --margin"
    elif revenue > 0:
        fallback, source = (revenue - spent) / revenue, "product costs, else their average"
    else:
        fallback, source = 1.0, "revenue (no costs known: give --margin)"
    margins = []
    for key in summary.keys:
        own_revenue, own_cost = costed.get(int(key), (0, 0))
        margins.append((own_revenue - own_cost) / own_revenue if own_revenue > 0 else fallback)
    return margins, source


def params(result: Result) -> dict:
    """The fitted parameters as one JSON object (`crm report clv --params`)."""
    b, g = result.bgnbd, result.gamma_gamma
    return {
        "customers": b.customers,
        "unit": "week",
        "calibration_end": result.calibration_end.isoformat(),
        "currency": result.currency,
        "bgnbd": {
            "r": b.r,
            "alpha": b.alpha,
            "a": b.a,
            "b": b.b,
            "log_likelihood": b.log_likelihood,
        },
        "gamma_gamma": {
            "p": g.p,
            "q": g.q,
            "v": g.v,
            "customers": g.customers,
            "log_likelihood": g.log_likelihood,
        },
    }


def holdout(session: Session, scope: Scope, options: Options, holdout_end: datetime) -> list[dict]:
    """Predicted vs actual repeat purchase days after the calibration end, in total and by
    calibration frequency (Fader, Hardie & Lee 2005, fig. 4)."""
    if options.calibration_end is None:
        raise InvalidInput("--holdout-end needs --calibration-end")
    if holdout_end <= options.calibration_end:
        raise InvalidInput("--holdout-end must be after --calibration-end")
    later = Scope(
        scope.as_of if scope.as_of > holdout_end else holdout_end,
        scope.customer_filter,
        scope.purchase_filter,
    )
    result = fit(session, later, options)
    data = load(session, later, result.currency)
    actual = clv_model.holdout_purchase_days(
        data.transactions, result.summary, result.calibration_end, holdout_end.date()
    )
    weeks = (holdout_end.date() - result.calibration_end).days / DAYS_PER_WEEK
    comparison = clv_model.holdout(result.bgnbd, result.summary, actual, weeks)
    rows = [
        {
            "frequency": group.label,
            "customers": group.customers,
            "predicted": round(group.predicted, 2),
            "actual": group.actual,
            "mean_predicted": round(group.mean_predicted, 4),
            "mean_actual": round(group.mean_actual, 4),
        }
        for group in comparison.groups
    ]
    rows.append(
        {
            "frequency": "all",
            "customers": comparison.customers,
            "predicted": round(comparison.predicted, 2),
            "actual": comparison.actual,
            "mean_predicted": round(comparison.predicted / max(comparison.customers, 1), 4),
            "mean_actual": round(comparison.actual / max(comparison.customers, 1), 4),
        }
    )
    return rows
