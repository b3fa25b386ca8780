"""Cohorts (crmcli.analytics.cohorts): equal to an independent computation over the stored
rows, with months not yet begun left empty, and sane on the edge cases."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.analytics import cohorts
from crmcli.analytics.activity import CustomerActivity
from crmcli.analytics.scope import scope
from crmcli.kernel.errors import InvalidInput
from crmcli.services import customers, purchases
from crmcli.store.db import open_store
from tests.core.analytics_data import AS_OF, Rows, generated, read_back


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TZ", "UTC")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory)


@pytest.fixture(scope="module")
def rows(db: Path) -> Rows:
    return read_back(db)


def report(
    db: Path, terms: list[str] | None = None, as_of: datetime = AS_OF, months: int = 12
) -> list[dict]:
    store = open_store(str(db))
    try:
        with store.read() as session:
            return cohorts.cohorts(session, scope(terms or [], as_of), months)
    finally:
        store.dispose()


def months_between(start: date, later: date) -> int:
    return (later.year - start.year) * 12 + later.month - start.month


def expected(rows: Rows, as_of: datetime = AS_OF, months: int = 12, vip: bool = False) -> list:
    """(currency, "YYYY-MM", size, [% per month or None], repeat %, mean gap) per cohort."""
    buyers: dict[int, list[dict]] = defaultdict(list)
    for p in rows.purchases:
        c = rows.customers[p["customer_id"]]
        if c["deleted"] or p["at"] > as_of or (vip and "vip" not in c["tags"]):
            continue
        buyers[p["customer_id"]].append(p)
    members: dict[tuple[str, str], list[list[date]]] = defaultdict(list)
    for theirs in buyers.values():
        bought = [p for p in theirs if p["amount_minor"] >= 0]
        if not bought:
            continue
        counts = Counter(p["currency"] for p in bought)
        latest = {c: max(p["at"] for p in bought if p["currency"] == c) for c in counts}
        currency = min(counts, key=lambda c: (-counts[c], -latest[c].timestamp(), c))
        days = sorted({p["at"].date() for p in bought})
        members[(currency, days[0].strftime("%Y-%m"))].append(days)
    found = []
    for (currency, month), group in sorted(members.items()):
        start = group[0][0]
        shares = []
        for k in range(1, months + 1):
            if months_between(start, as_of.date()) < k:
                shares.append(None)
                continue
            back = sum(1 for days in group if any(months_between(start, d) == k for d in days))
            shares.append(100 * back / len(group))
        repeaters = [days for days in group if len(days) > 1]
        gaps = sum(len(days) - 1 for days in repeaters)
        span = sum((days[-1] - days[0]).days for days in repeaters)
        found.append(
            (
                currency,
                month,
                len(group),
                shares,
                100 * len(repeaters) / len(group),
                span / gaps if gaps else None,
            )
        )
    return found


def check(got: list[dict], want: list, months: int = 12) -> None:
    assert [(r["currency"], r["cohort"]) for r in got] == [(w[0], w[1]) for w in want]
    for record, (_, _, size, shares, repeat, gap) in zip(got, want, strict=True):
        assert list(record) == list(cohorts.fields(months))
        assert record["customers"] == size
        for k, share in enumerate(shares, start=1):
            if share is None:
                assert record[f"m{k}"] is None
            else:
                assert record[f"m{k}"] == pytest.approx(share, abs=0.051)
        assert record["repeat_pct"] == pytest.approx(repeat, abs=0.051)
        if gap is None:
            assert record["mean_days_between"] is None
        else:
            assert record["mean_days_between"] == pytest.approx(gap, abs=0.051)


def test_cohorts_equal_an_independent_computation(db: Path, rows: Rows) -> None:
    got = report(db)
    assert len(got) > 30
    check(got, expected(rows))


def test_filter_months_and_as_of(db: Path, rows: Rows) -> None:
    earlier = datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC)
    check(report(db, ["tag:vip"], earlier, 3), expected(rows, earlier, 3, vip=True), 3)


def test_a_month_not_yet_begun_is_empty_and_this_month_counts_so_far(store) -> None:
    first = datetime(2026, 4, 10, tzinfo=UTC)
    with store.write() as session:
        for name, later in (("Ada", 25), ("Bob", 55), ("Cy", 0)):
            person = customers.add(session, name)
            purchases.record(session, person.id, amount="5", currency="EUR", at=first)
            if later:
                at = first + timedelta(days=later)
                purchases.record(session, person.id, amount="5", currency="EUR", at=at)
    as_of = datetime(2026, 6, 15, tzinfo=UTC)
    with store.read() as session:
        (row,) = cohorts.cohorts(session, scope([], as_of), 4)
    # Ada came back in May (M1), Bob in June, the month of --as-of (M2, so far).
    assert (row["currency"], row["cohort"], row["customers"]) == ("EUR", "2026-04", 3)
    assert (row["m1"], row["m2"], row["m3"], row["m4"]) == (33.3, 33.3, None, None)
    assert (row["repeat_pct"], row["mean_days_between"]) == (66.7, 40.0)


def test_an_empty_database_and_one_day_of_purchases(store) -> None:
    with store.read() as session:
        assert cohorts.cohorts(session, scope([], AS_OF)) == []
    day = datetime(2026, 5, 5, 10, tzinfo=UTC)
    with store.write() as session:
        person = customers.add(session, "Ada")
        for amount in ("0", "0", "3"):
            purchases.record(session, person.id, amount=amount, currency="JPY", at=day)
    with store.read() as session:
        (row,) = cohorts.cohorts(session, scope([], AS_OF), 2)
    assert row == {
        "currency": "JPY",
        "cohort": "2026-05",
        "customers": 1,
        "m1": 0.0,
        "m2": None,
        "repeat_pct": 0.0,
        "mean_days_between": None,
    }


@pytest.mark.parametrize("months", [0, -1, 1201])
def test_months_out_of_range_are_refused(months: int) -> None:
    with pytest.raises(InvalidInput, match="--months"):
        cohorts.check_months(months)


activity = st.builds(
    lambda cid, currency, offsets: CustomerActivity(
        customer_id=cid,
        name="",
        currency=currency,
        days=sorted({date(2025, 1, 1) + timedelta(days=d) for d in offsets}),
        first=datetime(2025, 1, 1, tzinfo=UTC),
        last=datetime(2025, 1, 1, tzinfo=UTC),
        purchases=len(offsets),
        net=0,
    ),
    st.integers(1, 10**6),
    st.sampled_from(["EUR", "USD"]),
    st.lists(st.integers(0, 500), min_size=1, max_size=8),
)


@settings(max_examples=60)
@given(st.lists(activity, max_size=30, unique_by=lambda a: a.customer_id), st.integers(1, 24))
def test_any_activity_gives_shares_of_the_cohort(
    people: list[CustomerActivity], months: int
) -> None:
    as_of = datetime(2026, 6, 1, tzinfo=UTC)
    got = cohorts.records(people, scope([], as_of), months)
    assert sum(r["customers"] for r in got) == len(people)
    for r in got:
        for k in range(1, months + 1):
            value = r[f"m{k}"]
            assert value is None or 0 <= value <= 100
        assert 0 <= r["repeat_pct"] <= 100
        assert (r["mean_days_between"] is None) == (r["repeat_pct"] == 0)
