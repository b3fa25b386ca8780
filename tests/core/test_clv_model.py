"""The CLV models against the published CDNOW fits, and their edge cases.

Figures: Fader, Hardie & Lee (2005), "Counting your customers the easy way" (BG/NBD on the
2,357-customer CDNOW sample: r 0.2426, alpha 4.4136, a 0.7929, b 2.4259, LL -9582.4; 1,882
repeat purchases in the 39-week holdout, 1,653 predicted), and Fader & Hardie (2013), "The
Gamma-Gamma model of monetary value" (p 6.2488, q 3.7446, v 15.4476, LL -4055.92 on the
946 customers with repeat purchases). The data are tests/data (see its README).
"""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from crmcli.analytics import clv_model as clv
from crmcli.analytics.clv_model import BGNBDFit, FitError, GammaGammaFit

DATA = Path(__file__).resolve().parent.parent / "data"
CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)
#: 1997-10-01 to 1998-06-30: 273 days.
HOLDOUT_WEEKS = 39.0
Row = tuple[int, dt.date, float]


def read_cdnow(path: Path) -> list[Row]:
    """(customer, date, dollars): the sample has a sample-id column, the master a header."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt") as lines:
        for line in lines:
            fields = line.split()
            if not fields or not fields[0].isdigit():
                continue
            date = fields[2] if len(fields) == 5 else fields[1]
            day = dt.date(int(date[:4]), int(date[4:6]), int(date[6:]))
            rows.append((int(fields[0]), day, float(fields[-1])))
    return rows


@pytest.fixture(scope="module")
def sample_rows() -> list[Row]:
    return read_cdnow(DATA / "CDNOW_sample.txt")


@pytest.fixture(scope="module")
def sample(sample_rows: list[Row]) -> clv.Summary:
    return clv.summarise(sample_rows, CALIBRATION_END)


@pytest.fixture(scope="module")
def bgnbd(sample: clv.Summary) -> BGNBDFit:
    return clv.fit_bgnbd(sample.frequency, sample.recency, sample.T)


@pytest.fixture(scope="module")
def gamma_gamma(sample: clv.Summary) -> GammaGammaFit:
    return clv.fit_gamma_gamma(sample.frequency, sample.monetary)


# --------------------------------------------------------- independent likelihoods


def bgnbd_ll(params: tuple[float, ...], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> float:
    """The paper's eq. 6 term by term, with gammaln, one row per customer."""
    r, alpha, a, b = params
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    ln_a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    ln_a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        ln_a4 = np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x)
    ln_a4 = np.where(x > 0, ln_a4, -np.inf)
    return float(np.sum(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)))


def gamma_gamma_ll(params: tuple[float, ...], x: np.ndarray, m: np.ndarray) -> float:
    """Density of the mean spend m of x repeat days (lifetimes' form)."""
    p, q, v = params
    return float(
        np.sum(
            special.gammaln(p * x + q)
            - special.gammaln(p * x)
            - special.gammaln(q)
            + q * np.log(v)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(x * m + v)
        )
    )


# ---------------------------------------------------------------- published figures


def test_the_sample_summary_has_the_papers_customers(sample: clv.Summary) -> None:
    assert len(sample) == 2357
    assert int(((sample.frequency > 0) & (sample.monetary > 0)).sum()) == 946
    assert sample.T.max() == pytest.approx(272 / 7)  # first bought on 1997-01-01: 38.86 weeks


def test_bgnbd_reproduces_the_published_fit(bgnbd: BGNBDFit) -> None:
    assert bgnbd.r == pytest.approx(0.2426, rel=1e-3)
    assert bgnbd.alpha == pytest.approx(4.4136, rel=1e-3)
    assert bgnbd.a == pytest.approx(0.7929, rel=1e-3)
    assert bgnbd.b == pytest.approx(2.4259, rel=1e-3)
    # The paper's likelihood, no constant added: -9582.43 to the second decimal.
    assert bgnbd.log_likelihood == pytest.approx(-9582.43, abs=0.01)
    assert bgnbd.customers == 2357


def test_bgnbd_log_likelihood_matches_an_independent_one(
    bgnbd: BGNBDFit, sample: clv.Summary
) -> None:
    params = (bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b)
    ll = bgnbd_ll(params, sample.frequency, sample.recency, sample.T)
    assert bgnbd.log_likelihood == pytest.approx(ll, abs=1e-6)
    published = bgnbd_ll((0.2426, 4.4136, 0.7929, 2.4259), *_rfm(sample))
    assert published == pytest.approx(-9582.43, abs=0.01)
    assert bgnbd.log_likelihood >= published


def _rfm(summary: clv.Summary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return summary.frequency, summary.recency, summary.T


def test_gamma_gamma_reproduces_the_published_fit(gamma_gamma: GammaGammaFit) -> None:
    assert gamma_gamma.customers == 946
    assert gamma_gamma.p == pytest.approx(6.2488, rel=1e-3)
    assert gamma_gamma.q == pytest.approx(3.7446, rel=1e-3)
    assert gamma_gamma.v == pytest.approx(15.4476, rel=1e-3)
    assert gamma_gamma.log_likelihood == pytest.approx(-4055.92, abs=0.01)


def test_gamma_gamma_log_likelihood_convention(
    gamma_gamma: GammaGammaFit, sample: clv.Summary
) -> None:
    """-4055.92 is the density of the mean (with its px ln x term), no -ln x! constant."""
    used = (sample.frequency > 0) & (sample.monetary > 0)
    x, m = sample.frequency[used], sample.monetary[used]
    params = (gamma_gamma.p, gamma_gamma.q, gamma_gamma.v)
    assert gamma_gamma.log_likelihood == pytest.approx(gamma_gamma_ll(params, x, m), abs=1e-6)
    published = gamma_gamma_ll((6.2488, 3.7446, 15.4476), x, m)
    assert published == pytest.approx(-4055.92, abs=0.01)
    assert gamma_gamma.log_likelihood >= published


def test_the_papers_customer_expects_1_2259_purchases(bgnbd: BGNBDFit) -> None:
    expected = clv.expected_purchases(bgnbd, 39, 2, 30.43, 38.86)
    assert float(expected) == pytest.approx(1.2259, rel=1e-3)
    published = BGNBDFit(0.2426, 4.4136, 0.7929, 2.4259, 0.0, 0)
    assert float(clv.expected_purchases(published, 39, 2, 30.43, 38.86)) == pytest.approx(
        1.2259, rel=1e-3
    )


def test_holdout_counts_repeat_purchase_days(sample_rows: list[Row], sample: clv.Summary) -> None:
    """1,882 is the count of distinct (customer, day) pairs in the holdout, not of rows:
    same-day purchases merge (1,959 rows)."""
    in_holdout = [row for row in sample_rows if CALIBRATION_END < row[1] <= HOLDOUT_END]
    assert len(in_holdout) == 1959
    assert len({(key, day) for key, day, _ in in_holdout}) == 1882
    actual = clv.holdout_purchase_days(sample_rows, sample, CALIBRATION_END, HOLDOUT_END)
    assert int(actual.sum()) == 1882
    assert actual.shape == sample.frequency.shape


def test_holdout_predicts_1653_purchases(
    sample_rows: list[Row], sample: clv.Summary, bgnbd: BGNBDFit
) -> None:
    actual = clv.holdout_purchase_days(sample_rows, sample, CALIBRATION_END, HOLDOUT_END)
    result = clv.holdout(bgnbd, sample, actual, HOLDOUT_WEEKS)
    assert result.predicted == pytest.approx(1653, rel=5e-3)
    assert result.actual == 1882
    assert result.customers == 2357
    assert [group.label for group in result.groups] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(group.customers for group in result.groups) == 2357
    assert sum(group.actual for group in result.groups) == 1882
    assert sum(group.predicted for group in result.groups) == pytest.approx(result.predicted)
    assert result.groups[0].customers == 1411  # no repeat purchase in calibration
    # The paper's Fig. 4 shape: the mean grows with calibration frequency.
    means = [group.mean_predicted for group in result.groups]
    assert means == sorted(means)


# ---------------------------------------------------------------------- master file


@pytest.fixture(scope="module")
def master() -> clv.Summary:
    return clv.summarise(read_cdnow(DATA / "CDNOW_master.txt.gz"), CALIBRATION_END)


def test_the_master_file_fits_to_a_maximum(master: clv.Summary) -> None:
    assert len(master) == 23570
    fit = clv.fit_bgnbd(master.frequency, master.recency, master.T)
    assert 0.1 < fit.r < 1 and 1 < fit.alpha < 10 and 0.2 < fit.a < 2 and 1 < fit.b < 5
    best = (fit.r, fit.alpha, fit.a, fit.b)
    ll = bgnbd_ll(best, *_rfm(master))
    assert fit.log_likelihood == pytest.approx(ll, abs=1e-5)
    for i in range(4):
        for factor in (0.99, 1.01, 0.9, 1.1):
            moved = list(best)
            moved[i] *= factor
            assert bgnbd_ll(tuple(moved), *_rfm(master)) < ll


def test_the_master_file_fits_spend_to_a_maximum(master: clv.Summary) -> None:
    fit = clv.fit_gamma_gamma(master.frequency, master.monetary)
    used = (master.frequency > 0) & (master.monetary > 0)
    assert fit.customers == int(used.sum())
    x, m = master.frequency[used], master.monetary[used]
    best = (fit.p, fit.q, fit.v)
    ll = gamma_gamma_ll(best, x, m)
    assert fit.log_likelihood == pytest.approx(ll, abs=1e-5)
    for i in range(3):
        for factor in (0.99, 1.01, 0.9, 1.1):
            moved = list(best)
            moved[i] *= factor
            assert gamma_gamma_ll(tuple(moved), x, m) < ll
    assert fit.mean_spend == pytest.approx(float(np.mean(m)), rel=0.2)


# ----------------------------------------------------------------------- thin data


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1], [1.0], [2.0], "too few customers"),
        ([0, 0, 0, 0], [0, 0, 0, 0], [1.0, 2.0, 3.0, 4.0], "no customer made a repeat"),
        ([0, 0, 0], [0, 0, 0], [0.0, 0.0, 0.0], "no customer made a repeat"),
        ([1, 2, 0], [0, 0, 0], [0.0, 0.0, 0.0], "no time observed"),
    ],
)
def test_thin_data_raise_fit_error(
    frequency: list[int], recency: list[float], T: list[float], message: str
) -> None:
    with pytest.raises(FitError, match=message):
        clv.fit_bgnbd(frequency, recency, T)


def test_a_likelihood_without_a_maximum_raises_rather_than_returns() -> None:
    """Four customers: the likelihood keeps rising as a and b grow together."""
    with pytest.raises(FitError, match="no maximum"):
        clv.fit_bgnbd([1, 2, 3, 0], [1, 2, 3, 0], [5, 5, 5, 5])


def test_thin_spend_data_raise_fit_error() -> None:
    with pytest.raises(FitError, match="too few"):
        clv.fit_gamma_gamma([1, 0, 2, 3], [10.0, 0.0, 0.0, 0.0])
    with pytest.raises(FitError, match="same value"):
        clv.fit_gamma_gamma([1, 2, 3, 4], [10.0, 10.0, 10.0, 10.0])


def test_malformed_data_are_a_value_error() -> None:
    with pytest.raises(ValueError, match="recency"):
        clv.fit_bgnbd([1, 2, 3], [1, 5, 1], [2, 2, 2])
    with pytest.raises(ValueError, match="whole numbers"):
        clv.fit_bgnbd([1.5, 2, 3], [1, 1, 1], [2, 2, 2])
    with pytest.raises(ValueError, match="same length"):
        clv.fit_bgnbd([1, 2], [1, 1, 1], [2, 2, 2])


# ------------------------------------------------------------------- predictions


def test_p_alive_is_one_without_repeats_and_a_probability(
    bgnbd: BGNBDFit, sample: clv.Summary
) -> None:
    assert np.all(clv.p_alive(bgnbd, [0, 0], [0, 0], [0.0, 38.0]) == 1.0)
    alive = clv.p_alive(bgnbd, *_rfm(sample))
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(alive[sample.frequency == 0] == 1.0)
    # A customer who has been silent longer is less likely alive.
    silent = clv.p_alive(bgnbd, [3, 3, 3], [10, 10, 10], [10.0, 20.0, 38.0])
    assert silent[0] > silent[1] > silent[2]


def test_expected_purchases_grow_with_time(bgnbd: BGNBDFit) -> None:
    t = np.linspace(0, 200, 41)
    for x, t_x, T in [(0, 0, 30), (2, 30.43, 38.86), (10, 5, 38), (40, 38, 38.5)]:
        expected = clv.expected_purchases(bgnbd, t, x, t_x, T)
        assert expected[0] == 0.0
        assert np.all(np.diff(expected) > 0)
    new = clv.expected_purchases_new(bgnbd, t)
    assert new[0] == 0.0 and np.all(np.diff(new) > 0)
    assert np.allclose(new, clv.expected_purchases(bgnbd, t, 0, 0, 0))


def direct_eq_10(fit: BGNBDFit, t: float, x: float, t_x: float, T: float) -> float:
    """The paper's eq. 10 as printed (hypergeometric without Euler's transformation)."""
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    tail = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return float(head / tail)


@pytest.mark.parametrize(
    ("t", "x", "t_x", "T"),
    [(39, 2, 30.43, 38.86), (10, 0, 0, 20), (100, 5, 10, 38), (39, 20, 38, 38.5), (5, 1, 1, 1)],
)
def test_expected_purchases_match_the_printed_formula(
    t: float, x: int, t_x: float, T: float
) -> None:
    fit = BGNBDFit(0.2426, 4.4136, 0.7929, 2.4259, 0.0, 0)
    assert float(clv.expected_purchases(fit, t, x, t_x, T)) == pytest.approx(
        direct_eq_10(fit, t, x, t_x, T), rel=1e-9
    )


def test_expected_purchases_are_continuous_through_a_equal_1() -> None:
    values = [
        float(clv.expected_purchases(BGNBDFit(0.24, 4.4, a, 2.4, 0.0, 0), 39, 2, 30.43, 38.86))
        for a in (1 - 1e-4, 1.0, 1 + 1e-4)
    ]
    assert values[1] == pytest.approx((values[0] + values[2]) / 2, rel=1e-6)


def test_expected_spend_shrinks_towards_the_population_mean(gamma_gamma: GammaGammaFit) -> None:
    p, q, v = gamma_gamma.p, gamma_gamma.q, gamma_gamma.v
    mean = p * v / (q - 1)
    assert float(clv.expected_spend(gamma_gamma, 0, 0.0)) == pytest.approx(mean)
    assert gamma_gamma.mean_spend == pytest.approx(mean)
    spend = clv.expected_spend(gamma_gamma, [1, 10, 1000], [100.0, 100.0, 100.0])
    assert np.all(np.diff(spend) > 0) and np.all(spend > mean) and np.all(spend < 100)
    assert spend[-1] == pytest.approx(100, rel=0.01)


def test_lifetime_value_is_lifetimes_discounted_monthly_sum(
    bgnbd: BGNBDFit, gamma_gamma: GammaGammaFit
) -> None:
    x, t_x, T, m = 2, 30.43, 38.86, 35.0
    spend = float(clv.expected_spend(gamma_gamma, x, m))
    monthly = 1.1 ** (1 / 12) - 1

    def by(weeks: float) -> float:
        return float(clv.expected_purchases(bgnbd, weeks, x, t_x, T))

    year = sum(
        (by(i * 4.345) - by((i - 1) * 4.345)) * spend * 0.3 / (1 + monthly) ** i
        for i in range(1, 13)
    )
    value = clv.customer_lifetime_value(bgnbd, gamma_gamma, x, t_x, T, m, 12 * 4.345, 0.1, 0.3)
    assert float(value) == pytest.approx(year, rel=1e-12)
    # No discount: the margin on the expected purchases over the horizon.
    flat = clv.customer_lifetime_value(bgnbd, gamma_gamma, x, t_x, T, m, 30.0, 0.0, 1.0)
    assert float(flat) == pytest.approx(by(30.0) * spend, rel=1e-12)
    # A partial last month counts up to the horizon, and discounting lowers the value.
    short = clv.customer_lifetime_value(bgnbd, gamma_gamma, x, t_x, T, m, 6.0, 0.1, 1.0)
    assert by(6.0) * spend * (1 + monthly) ** (-6 / 4.345) < float(short) < by(6.0) * spend


# ----------------------------------------------------------------------- summaries


def test_summarise_merges_same_day_purchases_and_leaves_the_first_day_out() -> None:
    rows = [
        ("ada", dt.date(2024, 1, 1), 10.0),
        ("ada", dt.date(2024, 1, 1), 5.0),  # same day: one purchase of 15
        ("ada", dt.date(2024, 1, 15), 20.0),
        ("ada", dt.date(2024, 1, 15), 2.0),
        ("ada", dt.date(2024, 1, 29), 30.0),
        ("bob", dt.date(2024, 1, 8), 7.0),
    ]
    summary = clv.summarise(rows, dt.date(2024, 2, 12))
    assert list(summary.keys) == ["ada", "bob"]
    assert list(summary.frequency) == [2.0, 0.0]
    assert list(summary.recency) == [4.0, 0.0]
    assert list(summary.T) == [6.0, 5.0]
    assert list(summary.monetary) == [26.0, 0.0]  # (22 + 30) / 2: the first day left out


def test_summarise_counts_the_last_day_and_leaves_later_customers_out() -> None:
    rows = [
        (1, dt.date(2024, 1, 1), 10.0),
        (1, dt.date(2024, 1, 31), 12.0),  # on the calibration end: counted
        (1, dt.date(2024, 2, 1), 99.0),  # after it: not
        (2, dt.date(2024, 2, 1), 5.0),  # first buys after it: left out
        (3, dt.date(2024, 1, 31), 8.0),  # first buys on it: T = 0
    ]
    summary = clv.summarise(rows, dt.date(2024, 1, 31), unit_days=1)
    assert list(summary.keys) == [1, 3]
    assert list(summary.frequency) == [1.0, 0.0]
    assert list(summary.recency) == [30.0, 0.0]
    assert list(summary.T) == [30.0, 0.0]
    assert list(summary.monetary) == [12.0, 0.0]
    actual = clv.holdout_purchase_days(rows, summary, dt.date(2024, 1, 31), dt.date(2024, 3, 1))
    assert list(actual) == [1, 0]  # customer 2's purchase belongs to nobody summarised


def test_summarise_takes_other_date_types_and_nothing() -> None:
    rows = [
        (5, np.datetime64("2024-01-01"), 1.0),
        (5, "2024-01-08", 2.0),
        (5, dt.datetime(2024, 1, 15, 23, 59), 3.0),
    ]
    summary = clv.summarise(iter(rows), "2024-01-15")
    assert list(summary.frequency) == [2.0]
    assert list(summary.recency) == [2.0]
    assert list(summary.monetary) == [2.5]
    empty = clv.summarise([], dt.date(2024, 1, 1))
    assert len(empty) == 0 and len(empty.frequency) == 0


def test_the_module_imports_no_database_or_interface() -> None:
    code = (
        "import sys, crmcli.analytics.clv_model\n"
        "bad = [m for m in ('typer', 'textual', 'rich', 'sqlalchemy', 'sqlmodel')"
        " if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
