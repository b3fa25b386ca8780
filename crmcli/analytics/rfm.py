"""RFM: each customer's recency, frequency and monetary value, scored 1-5, and a segment.

Per customer with a purchase in scope (`activity` defines purchase, purchase day and the
customer's currency):

- **recency**: whole days from the last purchase day to the `--as-of` day (0: bought that
  day), calendar days in the user's time zone;
- **frequency**: purchase days (several purchases on one day count once; refunds are no
  purchases);
- **monetary**: net revenue in the customer's currency (refunds subtracted), minor units
  inside, major units in the records.

Scores 1-5 (5 best: most recent, most frequent, highest) are rank-based quintiles within
the customers of one currency (`figures.scores`: tied values share the score of their
middle rank). `rfm` is the three digits, "545".

The segment comes from the R score and the FM score, `(F + M) / 2` rounded half up, on the
widely used R x FM grid (the ten-cell map popular in RFM guides), with its bottom corner
(R 1, FM 1) named `lost` as in the eleven-segment lists:

    FM \\ R   1             2             3               4                     5
    5        cannot lose   cannot lose   loyal           loyal                 champions
    4        at risk       at risk       loyal           loyal                 champions
    3        at risk       at risk       need attention  potential loyalists   potential loyalists
    2        hibernating   hibernating   about to sleep  potential loyalists   potential loyalists
    1        lost          hibernating   about to sleep  promising             new
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from crmcli.analytics.activity import CustomerActivity, customer_activity
from crmcli.analytics.figures import percent, scores
from crmcli.analytics.scope import Scope
from crmcli.kernel import money
from crmcli.kernel.dates import iso, local

#: The segments, best first: the order of `--summary`.
SEGMENTS = (
    "champions",
    "loyal",
    "potential loyalists",
    "new",
    "promising",
    "need attention",
    "about to sleep",
    "at risk",
    "cannot lose",
    "hibernating",
    "lost",
)

#: The R x FM grid: for each FM score, the segments of R scores 1 to 5.
_GRID_ROWS = {
    5: ("cannot lose", "cannot lose", "loyal", "loyal", "champions"),
    4: ("at risk", "at risk", "loyal", "loyal", "champions"),
    3: ("at risk", "at risk", "need attention", "potential loyalists", "potential loyalists"),
    2: (
        "hibernating",
        "hibernating",
        "about to sleep",
        "potential loyalists",
        "potential loyalists",
    ),
    1: ("lost", "hibernating", "about to sleep", "promising", "new"),
}

FIELDS = (
    "customer_id",
    "customer",
    "currency",
    "recency",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "rfm",
    "segment",
    "first_purchase",
    "last_purchase",
)
SUMMARY_FIELDS = ("currency", "segment", "customers", "customers_pct", "revenue", "revenue_pct")


def fm_score(f: int, m: int) -> int:
    """The FM axis of the grid: the mean of F and M, a half rounded up."""
    return (f + m + 1) // 2


def segment(r: int, f: int, m: int) -> str:
    """The named segment of a score (each 1-5)."""
    return _GRID_ROWS[fm_score(f, m)][r - 1]


@dataclass
class Scored:
    """One customer's figures and scores (money in minor units of `activity.currency`)."""

    activity: CustomerActivity
    recency: int
    r: int
    f: int
    m: int

    @property
    def frequency(self) -> int:
        return len(self.activity.days)

    @property
    def rfm(self) -> str:
        return f"{self.r}{self.f}{self.m}"

    @property
    def segment(self) -> str:
        return segment(self.r, self.f, self.m)

    def record(self) -> dict:
        one = self.activity
        return {
            "customer_id": one.customer_id,
            "customer": one.name,
            "currency": one.currency,
            "recency": self.recency,
            "frequency": self.frequency,
            "monetary": money.json_number(one.net, one.currency),
            "r": self.r,
            "f": self.f,
            "m": self.m,
            "rfm": self.rfm,
            "segment": self.segment,
            "first_purchase": iso(one.first),
            "last_purchase": iso(one.last),
        }


def scored(session: Session, scope: Scope) -> list[Scored]:
    """Every customer with a purchase in scope, scored within their currency; by currency,
    then best first (the RFM code, then revenue)."""
    return score(customer_activity(session, scope).values(), scope)


def score(activity: Iterable[CustomerActivity], scope: Scope) -> list[Scored]:
    """Score these customers within each currency."""
    today = local(scope.as_of).date()
    by_currency: dict[str, list[CustomerActivity]] = {}
    for one in activity:
        by_currency.setdefault(one.currency, []).append(one)
    found: list[Scored] = []
    for _currency, group in sorted(by_currency.items()):
        recency = [(today - one.days[-1]).days for one in group]
        r_scores = scores([-days for days in recency])
        f_scores = scores([len(one.days) for one in group])
        m_scores = scores([one.net for one in group])
        rows = [
            Scored(one, recency[i], r_scores[i], f_scores[i], m_scores[i])
            for i, one in enumerate(group)
        ]
        rows.sort(key=lambda s: (s.rfm, s.activity.net, -s.activity.customer_id), reverse=True)
        found.extend(rows)
    return found


def customers(session: Session, scope: Scope) -> list[dict]:
    """The RFM records (FIELDS), one per customer with a purchase in scope."""
    return [one.record() for one in scored(session, scope)]


def segments(session: Session, scope: Scope) -> dict[int, str]:
    """Each customer's segment, by id (customers with a purchase in scope)."""
    return {one.activity.customer_id: one.segment for one in scored(session, scope)}


def summary(session: Session, scope: Scope) -> list[dict]:
    """The customer mix (SUMMARY_FIELDS) per currency: each segment's customers and
    revenue, with their shares of the currency's customers and revenue."""
    return mix(scored(session, scope))


def mix(rows: Sequence[Scored]) -> list[dict]:
    found: list[dict] = []
    for currency in sorted({one.activity.currency for one in rows}):
        mine = [one for one in rows if one.activity.currency == currency]
        total = sum(one.activity.net for one in mine)
        for name in SEGMENTS:
            members = [one for one in mine if one.segment == name]
            if not members:
                continue
            revenue = sum(one.activity.net for one in members)
            found.append(
                {
                    "currency": currency,
                    "segment": name,
                    "customers": len(members),
                    "customers_pct": percent(len(members), len(mine)),
                    "revenue": money.json_number(revenue, currency),
                    "revenue_pct": percent(revenue, total),
                }
            )
    return found
