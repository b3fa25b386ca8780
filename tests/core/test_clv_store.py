"""Lifetime value on the store: the CDNOW sample, loaded as purchases, gives the published
BG/NBD and Gamma-Gamma fits, the paper's holdout figures, and churn rows that follow."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmcli.analytics import churn, clv, scope
from crmcli.kernel.errors import InvalidInput
from crmcli.store.db import open_store
from crmcli.store.models import Customer, Purchase

SAMPLE = Path(__file__).parent.parent / "data" / "CDNOW_sample.txt"
CALIBRATION_END = datetime(1997, 9, 30, 23, 0, tzinfo=UTC)
HOLDOUT_END = datetime(1998, 6, 30, 23, 0, tzinfo=UTC)


def _load(location: str, lines: list[str]) -> None:
    store = open_store(location)
    with store.write() as session:
        customers: set[int] = set()
        for number, line in enumerate(lines, start=1):
            customer, _sample, day, cds, dollars = line.split()
            if int(customer) not in customers:
                customers.add(int(customer))
                session.add(Customer(id=int(customer), name=f"CDNOW {customer}"))
            session.add(
                Purchase(
                    id=number,
                    customer_id=int(customer),
                    at=datetime(int(day[:4]), int(day[4:6]), int(day[6:]), 12, tzinfo=UTC),
                    currency="USD",
                    amount_minor=round(float(dollars) * 100),
                    quantity=max(int(cds), 1),
                )
            )
    store.dispose()


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> str:
    location = str(tmp_path_factory.mktemp("cdnow") / "crm.db")
    _load(location, SAMPLE.read_text().splitlines())
    return location


@pytest.fixture(autouse=True)
def utc(monkeypatch) -> None:
    monkeypatch.setenv("CRM_TZ", "UTC")


def close(value: float, published: float) -> bool:
    return abs(value - published) <= abs(published) * 0.001


def test_cdnow_fit_gives_the_published_parameters(cdnow: str) -> None:
    store = open_store(cdnow)
    with store.read() as session:
        result = clv.fit(
            session,
            scope.scope([], HOLDOUT_END),
            clv.Options(calibration_end=CALIBRATION_END, horizon_weeks=39),
        )
    found = clv.params(result)
    assert found["customers"] == 2357
    assert found["calibration_end"] == "1997-09-30"
    b, g = found["bgnbd"], found["gamma_gamma"]
    for name, published in {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}.items():
        assert close(b[name], published), (name, b[name])
    assert close(b["log_likelihood"], -9582.43)
    for name, published in {"p": 6.2488, "q": 3.7446, "v": 15.4476}.items():
        assert close(g[name], published), (name, g[name])
    assert close(g["log_likelihood"], -4055.92)
    assert g["customers"] == 946
    # Purchases after the calibration end exist in the store but were not used.
    assert max(r["frequency"] for r in result.rows) <= max(result.summary.frequency)


def test_cdnow_holdout_matches_the_paper(cdnow: str) -> None:
    store = open_store(cdnow)
    with store.read() as session:
        rows = clv.holdout(
            session,
            scope.scope([], HOLDOUT_END),
            clv.Options(calibration_end=CALIBRATION_END),
            HOLDOUT_END,
        )
    total = rows[-1]
    assert total["frequency"] == "all"
    assert total["customers"] == 2357
    assert total["actual"] == 1882
    assert abs(total["predicted"] - 1653) <= 1653 * 0.005
    assert sum(r["customers"] for r in rows[:-1]) == 2357
    assert sum(r["actual"] for r in rows[:-1]) == 1882


def test_calibration_end_before_the_first_purchase_is_refused(cdnow: str) -> None:
    store = open_store(cdnow)
    with store.read() as session, pytest.raises(InvalidInput, match="before the first purchase"):
        clv.fit(
            session,
            scope.scope([], HOLDOUT_END),
            clv.Options(calibration_end=datetime(1996, 12, 31, tzinfo=UTC)),
        )


def test_thin_data_is_one_clear_error(tmp_path) -> None:
    location = str(tmp_path / "thin.db")
    _load(location, ["00001 1 19970101 1 10.00", "00002 1 19970105 1 12.00"])
    store = open_store(location)
    with store.read() as session, pytest.raises(InvalidInput, match="cannot fit"):
        clv.fit(session, scope.scope([], HOLDOUT_END), clv.Options())


def test_churn_lists_lost_before_at_risk_each_with_an_action(cdnow: str) -> None:
    store = open_store(cdnow)
    with store.read() as session:
        rows = churn.report(session, scope.scope([], CALIBRATION_END), churn.Options())
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=lambda s: {"lost": 0, "at risk": 1, "idle": 2}[s])
    lost = [r for r in rows if r["status"] == "lost"]
    assert lost and all(
        r["days_since_purchase"]
        > max(churn.LOST_INTERVALS * (r["usual_interval_days"] or 0), churn.LOST_MIN_DAYS)
        or (r["usual_interval_days"] is None and r["days_since_purchase"] > churn.LOST_SINGLE_DAYS)
        for r in lost
    )
    at_risk = [r for r in rows if r["status"] == "at risk"]
    assert at_risk and all(r["p_alive"] < churn.RISK_P_ALIVE for r in at_risk)
    assert [r["value_at_risk"] for r in at_risk] == sorted(
        (r["value_at_risk"] for r in at_risk), reverse=True
    )
    assert all(
        r["command"].startswith("crm ") and str(r["customer_id"]) in r["command"] for r in rows
    )
