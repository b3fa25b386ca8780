"""`crm report clv`, `churn`, `basket` and `cross-sell` through the installed `crm`: the
CDNOW sample imported as NDJSON gives the published fit; bad options are one error line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import crm_executable

SAMPLE = Path(__file__).parent.parent / "data" / "CDNOW_sample.txt"


def _ndjson() -> str:
    lines, customers = [], set()
    purchases = []
    for number, row in enumerate(SAMPLE.read_text().splitlines(), start=1):
        customer, _sample, day, cds, dollars = row.split()
        customers.add(int(customer))
        at = f"{day[:4]}-{day[4:6]}-{day[6:]}T12:00:00+00:00"
        purchases.append(
            {
                "type": "purchase",
                "id": number,
                "customer_id": int(customer),
                "at": at,
                "currency": "USD",
                "amount": float(dollars),
                "quantity": max(int(cds), 1),
                "channel": "web",
            }
        )
    for customer in sorted(customers):
        lines.append({"type": "customer", "id": customer, "name": f"CDNOW {customer:05d}"})
    return "\n".join(json.dumps(line) for line in [*lines, *purchases]) + "\n"


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> str:
    """The sample imported once (as NDJSON, through `crm import`) for the module."""
    location = str(tmp_path_factory.mktemp("cdnow") / "crm.db")
    source = tmp_path_factory.mktemp("src") / "cdnow.ndjson"
    source.write_text(_ndjson())
    env = {**os.environ, "CRM_DB": location}
    subprocess.run(
        [crm_executable(), "import", str(source)], env=env, check=True, capture_output=True
    )
    return location


def test_clv_params_on_cdnow(run_crm, cdnow) -> None:
    env = {"CRM_DB": cdnow, "CRM_TZ": "UTC"}
    done = run_crm("report", "clv", "--params", "--calibration-end", "1997-09-30", env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["customers"] == 2357 and found["unit"] == "week"
    for name, published in {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}.items():
        assert abs(found["bgnbd"][name] - published) <= published * 0.001
    for name, published in {"p": 6.2488, "q": 3.7446, "v": 15.4476}.items():
        assert abs(found["gamma_gamma"][name] - published) <= published * 0.001
    holdout = run_crm(
        "report",
        "clv",
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--json",
        env=env,
    )
    assert holdout.returncode == 0, holdout.stderr
    total = json.loads(holdout.stdout)[-1]
    assert total["actual"] == 1882 and abs(total["predicted"] - 1653) < 1653 * 0.005
    rows = run_crm("report", "clv", "--calibration-end", "1997-09-30", "--json", env=env)
    records = json.loads(rows.stdout)
    assert len(records) == 2357
    assert [r["clv"] for r in records] == sorted((r["clv"] for r in records), reverse=True)
    churn = run_crm("report", "churn", "--as-of", "1997-09-30", "--json", env=env)
    assert churn.returncode == 0, churn.stderr
    assert {r["status"] for r in json.loads(churn.stdout)} <= {"lost", "at risk", "idle"}


@pytest.mark.parametrize(
    "args, words",
    [
        (["clv", "--calibration-end", "1990-01-01"], "before the first purchase"),
        (["clv", "--horizon", "soon"], "--horizon"),
        (["clv", "--discount", "abc"], "--discount"),
        (["clv", "--params", "--format", "csv"], "--params"),
        (["clv", "--currency", "XYZ"], "currency"),
        (["churn", "--idle", "0"], "--idle"),
        (["basket", "--size", "4"], "size"),
        (["basket", "--min-support", "2"], "support"),
    ],
)
def test_bad_options_are_one_error_line(run_crm, cdnow, args, words) -> None:
    env = {"CRM_DB": cdnow, "CRM_TZ": "UTC"}
    done = run_crm("report", *args, env=env)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: error:") and words in lines[0], lines


def test_thin_data_is_refused_not_fitted(run_crm, tmp_path) -> None:
    env = {"CRM_DB": str(tmp_path / "crm.db")}
    assert run_crm("customer", "add", "Ada", env=env).returncode == 0
    assert run_crm("purchase", "add", "Ada", "--amount", "10", env=env).returncode == 0
    done = run_crm("report", "clv", env=env)
    assert done.returncode == 2
    assert "cannot fit" in done.stderr


def test_customer_lists_filter_and_sort_on_computed_figures(run_crm, cdnow) -> None:
    env = {"CRM_DB": cdnow, "CRM_TZ": "UTC"}
    done = run_crm(
        "customer", "list", "p_alive<0.3", "--sort", "-clv", "--limit", "0", "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    listed = [r["id"] for r in json.loads(done.stdout)]
    fitted = {
        r["customer_id"]: r for r in json.loads(run_crm("report", "clv", "--json", env=env).stdout)
    }
    expected = sorted(
        (i for i, r in fitted.items() if r["p_alive"] < 0.3), key=lambda i: (-fitted[i]["clv"], i)
    )
    assert listed[:50] == expected[:50] and len(listed) == len(expected)
    rfm = {
        r["customer_id"]: r for r in json.loads(run_crm("report", "rfm", "--json", env=env).stdout)
    }
    champions = run_crm(
        "customer", "list", "segment:champions", "--limit", "0", "--format", "ids", env=env
    )
    assert {int(x) for x in champions.stdout.split()} == {
        i for i, r in rfm.items() if r["segment"] == "champions"
    }
    fives = run_crm("customer", "list", "rfm:5*", "--limit", "0", "--format", "ids", env=env)
    assert {int(x) for x in fives.stdout.split()} == {i for i, r in rfm.items() if r["r"] == 5}
    bad = run_crm("customer", "list", "rfm:6*", env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("crm: error:")
