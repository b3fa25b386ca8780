"""Cohorts: customers grouped by the month of their first purchase, and how they come back.

A cohort is the customers of one currency (`activity`: the currency they bought most in)
whose first purchase day falls in one calendar month (the user's time zone). Per cohort:

- `customers`: its size;
- `m1` .. `mN` (N = `--months`, default 12): the percentage of the cohort with a purchase
  day in the k-th calendar month after the cohort's month (`m1`: the next month); null
  for a month that has not begun by `--as-of` (the month of `--as-of` counts so far);
- `repeat_pct`: the percentage with two or more purchase days;
- `mean_days_between`: the mean gap in days between consecutive purchase days, over all
  the gaps of the cohort's customers (each customer's first-to-last span, summed, over
  their gaps, summed); null when nobody came back.

Only purchases up to `--as-of` exist, so a cohort's later months fill in as time passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlmodel import Session

from crmcli.analytics.activity import CustomerActivity, customer_activity
from crmcli.analytics.figures import decimal_places, percent
from crmcli.analytics.scope import Scope
from crmcli.kernel.dates import local
from crmcli.kernel.errors import InvalidInput

DEFAULT_MONTHS = 12
#: The most months after the first that a report follows (100 years).
MAX_MONTHS = 1200


def month_index(day: date) -> int:
    """Months since year 0: the difference of two is their distance in calendar months."""
    return day.year * 12 + day.month - 1


def month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def check_months(months: int) -> int:
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(f"invalid --months {months}: use 1 to {MAX_MONTHS}")
    return months


def fields(months: int) -> tuple[str, ...]:
    """The fields of a cohort record with `months` month columns."""
    return (
        "currency",
        "cohort",
        "customers",
        *(f"m{k}" for k in range(1, months + 1)),
        "repeat_pct",
        "mean_days_between",
    )


@dataclass
class _Cohort:
    members: int = 0
    returned: dict[int, int] = field(default_factory=dict)  # month offset -> customers
    repeaters: int = 0
    span_days: int = 0
    gaps: int = 0


def cohorts(session: Session, scope: Scope, months: int = DEFAULT_MONTHS) -> list[dict]:
    """One record per (currency, cohort month), oldest first within each currency."""
    return records(customer_activity(session, scope).values(), scope, months)


def records(activity: Iterable[CustomerActivity], scope: Scope, months: int) -> list[dict]:
    check_months(months)
    now_month = month_index(local(scope.as_of).date())
    groups: dict[tuple[str, int], _Cohort] = {}
    for one in activity:
        start = month_index(one.days[0])
        cohort = groups.setdefault((one.currency, start), _Cohort())
        cohort.members += 1
        for offset in {month_index(day) - start for day in one.days}:
            if 1 <= offset <= months:
                cohort.returned[offset] = cohort.returned.get(offset, 0) + 1
        if len(one.days) >= 2:
            cohort.repeaters += 1
            cohort.span_days += (one.days[-1] - one.days[0]).days
            cohort.gaps += len(one.days) - 1
    found = []
    for (currency, start), cohort in sorted(groups.items()):
        record: dict = {"currency": currency, "cohort": month_name(start)}
        record["customers"] = cohort.members
        for k in range(1, months + 1):
            reached = start + k <= now_month
            record[f"m{k}"] = (
                percent(cohort.returned.get(k, 0), cohort.members) if reached else None
            )
        record["repeat_pct"] = percent(cohort.repeaters, cohort.members)
        record["mean_days_between"] = (
            decimal_places(Fraction(cohort.span_days, cohort.gaps), 1) if cohort.gaps else None
        )
        found.append(record)
    return found
