"""Customer lifetime value: the BG/NBD and Gamma-Gamma models, fitted by maximum likelihood.

Pure numbers: arrays in, arrays and small dataclasses out; no database, no UI. The reports
that fit import this module (numpy and scipy load with it, never at `crm --help`).

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): how many
  purchases a customer makes and whether they are still "alive", from frequency `x`
  (repeat purchase days), recency `t_x` (first to last purchase day) and age `T` (first
  purchase day to the end of calibration), all times in one unit (weeks by default).
- Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): the
  average spend per repeat purchase day.

Conventions, checked against the published CDNOW fits (tests/core/test_clv_model.py):

- Purchases on one calendar day count as one (their amounts summed); the first day is the
  customer's "birth" and not a repeat; monetary value is the mean of the repeat days.
- The BG/NBD log-likelihood is the paper's (eq. 6), with no additive constant:
  LL = sum of ln A1 + ln A2 + ln(A3 + [x > 0] A4), the last term as ln A3 + ln(1 + e^d),
  d = ln A4 - ln A3, as lifetimes does with logaddexp. -9582.43 on the CDNOW sample.
- The Gamma-Gamma log-likelihood is the density of the *mean* spend m of x repeat days,
  ln f = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v+xm),
  as in lifetimes: the paper's -4055.92 on CDNOW is this form (no -ln x! or other term).

Every fit is checked before it is returned: the optimiser converged, a Newton polish from
its answer gains no more than rounding, the gradient is ~0 and the Hessian is positive
definite (a strict maximum). Anything else raises `FitError`: never a non-maximum.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: The objective the optimisers minimise: mean negative log-likelihood and its gradient,
#: both in log parameters (which keeps every parameter positive without bounds).
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

#: Weeks in a month, as lifetimes' `customer_lifetime_value` steps (52.14 / 12).
WEEKS_PER_MONTH = 4.345
#: Fewer customers than this cannot identify a model of three or four parameters.
MIN_CUSTOMERS = 3
#: The optimisers keep log parameters within +-this (e^30 ~ 1e13).
_LOG_BOUND = 30.0
#: An answer with a parameter beyond 1e-8..1e8 is no maximum but the likelihood rising
#: towards a limit where the model degenerates (a, b -> infinity: everyone drops out with
#: the same probability; r, alpha -> infinity: everyone buys at the same rate). There the
#: likelihood is flat to rounding, so the Newton checks cannot tell it from a maximum.
_LOG_LIMIT = float(np.log(1e8))
#: Largest gradient component (per customer, in log parameters) accepted at a maximum.
_GRADIENT_TOLERANCE = 1e-6
#: Largest gain (per customer) the Newton polish may find after the optimiser stopped.
_POLISH_TOLERANCE = 1e-9
#: Above this many distinct rows, a subsample fit gives the full fit its start.
_WARM_START_ROWS = 5000
#: date.toordinal() of 1970-01-01, numpy's day 0.
_EPOCH = 719163


class FitError(Exception):
    """The data are too thin for the model, or the fit did not reach a maximum."""


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class BGNBDFit:
    """BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int


@dataclass(frozen=True)
class GammaGammaFit:
    """Gamma-Gamma parameters: spend ~ Gamma(p, nu), nu ~ Gamma(q, v).

    `customers` is how many the fit used: those with repeat purchases and positive spend.
    """

    p: float
    q: float
    v: float
    log_likelihood: float
    customers: int

    @property
    def mean_spend(self) -> float:
        """The population's mean spend per purchase day, p v / (q - 1)."""
        return self.p * self.v / (self.q - 1.0)


@dataclass(frozen=True)
class Summary:
    """Per-customer RFM inputs of the models, aligned on `keys` (sorted)."""

    keys: NDArray[Any]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class HoldoutGroup:
    """Customers of one calibration frequency (the last group is "that many or more")."""

    label: str
    customers: int
    predicted: float
    actual: int

    @property
    def mean_predicted(self) -> float:
        return self.predicted / self.customers if self.customers else 0.0

    @property
    def mean_actual(self) -> float:
        return self.actual / self.customers if self.customers else 0.0


@dataclass(frozen=True)
class HoldoutComparison:
    """Predicted vs actual repeat purchase days in a holdout period (the paper's check)."""

    length: float
    customers: int
    predicted: float
    actual: int
    groups: tuple[HoldoutGroup, ...]


# ------------------------------------------------------------------------- optimisation


def _hessian(objective: Objective, z: FloatArray, gradient: FloatArray) -> FloatArray:
    """Forward differences of the analytic gradient (given at z): n more evaluations.

    Accurate to ~1e-6 relative: enough to take Newton steps and to tell a maximum.
    """
    n = len(z)
    hessian = np.empty((n, n))
    for j in range(n):
        step = 1e-6 * max(1.0, abs(z[j]))
        moved = z.copy()
        moved[j] += step
        hessian[:, j] = (objective(moved)[1] - gradient) / step
    return (hessian + hessian.T) / 2.0


def _newton_polish(objective: Objective, z: FloatArray) -> tuple[FloatArray, float, str | None]:
    """Newton steps from the optimiser's answer: it must be a strict minimum already.

    Converged when the Newton decrement g'H^-1 g (twice the gain still to be had) is below
    rounding. A likelihood that keeps rising along a ray (a and b growing together, say)
    has a tiny gradient and curvature but a Newton step that does not shrink: no maximum.
    Returns the polished point, its value, and why it is not a minimum (None if it is).
    """
    value, gradient = objective(z)
    for _ in range(10):
        hessian = _hessian(objective, z, gradient)
        if not np.all(np.isfinite(hessian)) or np.linalg.eigvalsh(hessian)[0] <= 0.0:
            return z, value, "the likelihood is not concave there"
        step = np.linalg.solve(hessian, -gradient)
        decrement = -gradient @ step
        if decrement < 1e-14 * max(1.0, abs(value)):
            break
        scale = 1.0
        while scale > 1e-3:
            candidate = z + scale * step
            new_value, new_gradient = objective(candidate)
            if np.isfinite(new_value) and new_value <= value + 1e-15 * max(1.0, abs(value)):
                break
            scale /= 2.0
        else:
            if decrement < 1e-10 * max(1.0, abs(value)):
                break  # at the precision limit: no step gains anything measurable
            return z, value, "no Newton step improves on it"
        z, value, gradient = candidate, new_value, new_gradient
    else:
        return z, value, "the likelihood keeps rising towards a parameter's 0 or infinity"
    if np.max(np.abs(gradient)) > _GRADIENT_TOLERANCE:
        return z, value, f"the gradient is not zero there (max {np.max(np.abs(gradient)):.2g})"
    eigenvalues = np.linalg.eigvalsh(hessian)
    if eigenvalues[0] <= 1e-12 * max(1.0, eigenvalues[-1]):
        return z, value, "the likelihood is flat there"
    return z, value, None


def _minimise(
    objective: Objective, starts: list[FloatArray], names: tuple[str, ...], simplex: bool = True
) -> FloatArray:
    """Minimise the objective; return the first answer that checks out as a strict minimum.

    BFGS (analytic gradient) from each start, then (if `simplex`) Nelder-Mead from the
    first start followed by BFGS; where BFGS stops short (a line search losing precision,
    say), a bounded L-BFGS-B goes on from its point. BFGS first because it is numpy only:
    scipy's L-BFGS-B calls OpenBLAS, whose threads cost ~10-20 ms per iteration on a busy
    machine.
    An answer is accepted only if the last optimiser reported success, no parameter ran to
    its bound, and the Newton polish confirms a strict minimum without improving on it
    beyond rounding. Otherwise FitError, saying what went wrong first.
    """
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(names)
    problems: list[str] = []

    def bounded(z: FloatArray) -> tuple[float, FloatArray]:
        if np.any(np.abs(z) > _LOG_BOUND):
            return np.inf, np.zeros_like(z)
        return objective(z)

    def value_only(z: FloatArray) -> float:
        return bounded(z)[0]

    attempts = [("BFGS", start) for start in starts] + [("Nelder-Mead", starts[0])] * simplex
    for method, start in attempts:
        with np.errstate(all="ignore"):
            if method == "Nelder-Mead":
                found = optimize.minimize(
                    value_only, start, method="Nelder-Mead",
                    options={"maxiter": 300 * len(start), "xatol": 1e-6, "fatol": 1e-10},
                )  # fmt: skip
                start = np.clip(found.x, -_LOG_BOUND, _LOG_BOUND)
            result = optimize.minimize(
                bounded, start, jac=True, method="BFGS",
                options={"maxiter": 1000, "gtol": _GRADIENT_TOLERANCE},
            )  # fmt: skip
            if not result.success:
                resume = result.x if np.isfinite(result.fun) else start
                result = optimize.minimize(
                    objective, np.clip(resume, -_LOG_BOUND, _LOG_BOUND), jac=True,
                    method="L-BFGS-B", bounds=bounds,
                    options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
                )  # fmt: skip
        z = np.asarray(result.x, dtype=float)
        where = ", ".join(f"{n}={v:.3g}" for n, v in zip(names, np.exp(z), strict=True))
        if not result.success or not np.isfinite(result.fun):
            problems.append(f"the optimiser stopped without converging, at {where}")
            continue
        if np.any(np.abs(z) > _LOG_LIMIT):
            problems.append(f"parameters run off towards 0 or infinity ({where})")
            continue
        with np.errstate(all="ignore"):
            polished, value, why = _newton_polish(objective, z)
        if why is not None:
            problems.append(f"{why}, at {where}")
            continue
        if value < result.fun - _POLISH_TOLERANCE:
            problems.append(f"the optimiser stopped short of the maximum, at {where}")
            continue
        if np.any(np.abs(polished) > _LOG_LIMIT):
            problems.append(f"parameters run off towards 0 or infinity ({where})")
            continue
        return polished
    raise FitError(
        f"the fit found no maximum of the likelihood in {len(attempts)} attempts (first: "
        f"{problems[0]}); the data may be too few, or lack the spread the model needs"
    )


def _weighted_rows(*columns: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """Identical rows once, with their counts as weights: the likelihood's cost is per row."""
    order = np.lexsort(columns[::-1])
    ordered = [column[order] for column in columns]
    new = np.zeros(len(order), dtype=bool)
    new[:1] = True
    for column in ordered:
        new[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.r_[starts, len(order)]).astype(float)
    return [column[starts] for column in ordered], counts


def _by_value(x: FloatArray, w: FloatArray) -> tuple[FloatArray, IntArray, FloatArray]:
    """The distinct frequencies, each row's index into them, and their total weights.

    The special functions of a likelihood depend on x alone, which takes few values: they
    are evaluated once per value, not once per row.
    """
    values, index = np.unique(x, return_inverse=True)
    index = index.astype(np.int64).ravel()
    return values, index, np.bincount(index, weights=w, minlength=len(values)).astype(float)


def _fit(
    make: Callable[..., Objective],
    columns: list[FloatArray],
    starts: list[FloatArray],
    names: tuple[str, ...],
) -> tuple[FloatArray, float]:
    """Maximise a likelihood over identical rows grouped; return log parameters and value.

    On many distinct rows a fit on a fixed random subsample first gives the full fit a
    start near its answer (fewer full evaluations); it is only a start, checked like any.
    The slow Nelder-Mead fallback then runs on the subsample only: on degenerate data
    (no maximum) it would otherwise spend its whole budget on the full rows.
    """
    rows, weights = _weighted_rows(*columns)
    objective = make(*rows, weights)
    if len(weights) <= _WARM_START_ROWS:
        z = _minimise(objective, starts, names)
        return z, objective(z)[0]
    pick = np.random.default_rng(0).choice(len(columns[0]), _WARM_START_ROWS, replace=False)
    sub_rows, sub_weights = _weighted_rows(*(column[pick] for column in columns))
    with contextlib.suppress(FitError):  # the full data may still fit from the usual starts
        starts = [_minimise(make(*sub_rows, sub_weights), starts, names), *starts]
    z = _minimise(objective, starts, names, simplex=False)
    return z, objective(z)[0]


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Sum of products without BLAS: np.dot and @ on long vectors wake OpenBLAS's threads,
    which on a busy machine cost 10-50x the arithmetic (measured: 2 ms vs 0.1 ms per call).
    """
    return float(np.einsum("i,i->", a, b))


def _as_float(name: str, values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers")
    return array


# ---------------------------------------------------------------------------- BG/NBD


def _check_rfm(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[FloatArray, ...]:
    x, t_x, age = (
        _as_float("frequency", frequency),
        _as_float("recency", recency),
        _as_float("T", T),
    )
    if not len(x) == len(t_x) == len(age):
        raise ValueError("frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be whole numbers >= 0 (repeat purchase days)")
    if np.any(t_x < 0) or np.any(t_x > age):
        raise ValueError("recency must lie between 0 and T")
    return x, t_x, age


def _bgnbd_objective(x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> Objective:
    """Mean negative log-likelihood in (ln r, ln alpha, ln a, ln b), with its gradient.

    Per customer, LL = ln A1 + ln A2 + ln(A3 + [x > 0] A4) with
    ln A1 = lnG(r+x) - lnG(r) + r ln alpha, ln A2 = lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x),
    ln A3 = -(r+x) ln(alpha+T), ln A4 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x).
    Customers without repeats have no A4: they are summed apart, on their own arrays.
    """
    total = float(w.sum())
    xs, _, weight_x = _by_value(x, w)
    x_int = xs.astype(np.int64)
    ks = np.arange(int(xs[-1]))
    zero = x == 0
    w0 = w[zero]
    wr, xr = w[~zero], x[~zero]
    x_index = np.searchsorted(xs, xr)
    repeat = xs > 0
    # Times take few distinct values (whole days): logs and reciprocals once per value.
    times, time_index = np.unique(
        np.concatenate((T[zero], T[~zero], t_x[~zero])), return_inverse=True
    )
    t0_index, tr_index, txr_index = np.split(time_index, np.cumsum([len(w0), len(wr)]))

    def rising(c: float) -> tuple[FloatArray, FloatArray]:
        """lnG(c+x) - lnG(c) and psi(c+x) - psi(c) for each distinct x, as the sums over
        k < x of ln(c+k) and 1/(c+k): exact where the gamma functions cancel badly."""
        terms = c + ks
        ln_sum = np.concatenate(([0.0], np.cumsum(np.log(terms))))
        inv_sum = np.concatenate(([0.0], np.cumsum(1.0 / terms)))
        return ln_sum[x_int], inv_sum[x_int]

    def objective(z: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = np.exp(z)
        ln_r, dig_r = rising(r)
        ln_b, dig_b = rising(b)
        ln_ab, dig_ab = rising(a + b)
        ln_a12 = ln_r + r * np.log(alpha) + ln_b - ln_ab
        ln_alpha_time = np.log(alpha + times)
        inv_alpha_time = 1.0 / (alpha + times)
        # No repeats: ln(A3) only.
        ln_alpha_t0 = ln_alpha_time[t0_index]
        # Repeats: ln(A3 + A4) = ln A3 + ln(1 + e^d), d = ln A4 - ln A3.
        ln_alpha_t = ln_alpha_time[tr_index]
        ln_alpha_tx = ln_alpha_time[txr_index]
        rx = r + xr
        with np.errstate(divide="ignore", invalid="ignore"):
            ln_bx1 = np.where(repeat, np.log(b + xs - 1.0), 0.0)
        d = np.log(a) - ln_bx1[x_index] + rx * (ln_alpha_t - ln_alpha_tx)
        e = np.exp(-np.abs(d))
        ll = (
            _dot(weight_x, ln_a12) - r * _dot(w0, ln_alpha_t0)
            - _dot(wr * rx, ln_alpha_t) + _dot(wr, np.maximum(d, 0.0) + np.log1p(e))
        )  # fmt: skip
        value = -ll / total
        if not np.isfinite(value):
            return np.inf, np.zeros(4)
        s4 = np.where(d >= 0.0, 1.0, e) / (1.0 + e)  # the share of A4 in A3 + A4
        ws4 = wr * s4
        ws3 = wr - ws4
        inv_bx1 = np.where(repeat, np.exp(-ln_bx1), 0.0)
        d_r = (
            _dot(weight_x, dig_r + np.log(alpha))
            - _dot(w0, ln_alpha_t0) - _dot(ws3, ln_alpha_t) - _dot(ws4, ln_alpha_tx)
        )  # fmt: skip
        d_alpha = (
            total * r / alpha - r * _dot(w0, inv_alpha_time[t0_index])
            - _dot(ws3 * rx, inv_alpha_time[tr_index])
            - _dot(ws4 * rx, inv_alpha_time[txr_index])
        )  # fmt: skip
        d_a = -_dot(weight_x, dig_ab) + ws4.sum() / a
        d_b = _dot(weight_x, dig_b - dig_ab) - _dot(ws4, inv_bx1[x_index])
        gradient = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
        return float(value), -gradient / total

    return objective


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BGNBDFit:
    """Fit the BG/NBD model by maximum likelihood (one row per customer).

    Raises FitError when the data cannot identify the model (too few customers, no repeat
    purchases, no time observed) or when no maximum is found; ValueError on malformed data.
    """
    x, t_x, age = _check_rfm(frequency, recency, T)
    n = len(x)
    if n < MIN_CUSTOMERS:
        raise FitError(f"too few customers to fit purchase behaviour ({n}; need {MIN_CUSTOMERS})")
    if not np.any(x > 0):
        raise FitError("no customer made a repeat purchase: nothing to fit purchase rates on")
    if not np.any(age > 0):
        raise FitError("every customer's first purchase is on the last day: no time observed")
    mean_age = float(np.mean(age[age > 0]))
    starts = [np.zeros(4), np.log([0.5, mean_age, 0.5, 2.0]), np.log([2.0, 0.1, 2.0, 0.5])]
    z, value = _fit(_bgnbd_objective, [x, t_x, age], starts, ("r", "alpha", "a", "b"))
    r, alpha, a, b = (float(v) for v in np.exp(z))
    return BGNBDFit(r, alpha, a, b, -value * n, n)


def _ln_p_dead_over_alive(
    fit: BGNBDFit, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """ln of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x); -inf for x = 0 (never dead then)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_ratio = (
            np.log(fit.a) - np.log(fit.b + x - 1.0)
            + (fit.r + x) * (np.log(fit.alpha + T) - np.log(fit.alpha + t_x))
        )  # fmt: skip
    return np.where(x > 0, ln_ratio, -np.inf)


def p_alive(fit: BGNBDFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
    """Probability that each customer is still active (1 for those with no repeat yet)."""
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    return np.asarray(special.expit(-_ln_p_dead_over_alive(fit, x, t_x, age)), dtype=float)


def _expected_if_alive(fit: BGNBDFit, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
    """Eq. 10 without its P(alive) denominator, in Euler's form for the hypergeometric.

    With z = t/(alpha+T+t), 2F1(r+x, b+x; c; z) (1-z)^(r+x), c = a+b+x-1, equals
    (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z): no large power of (1-z) to overflow or cancel.
    Near a = 1 the formula is 0/0; it is smooth in a, so the values at a = 1 +- 1e-5 are
    averaged (an error of order 1e-10).
    """
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    if abs(a - 1.0) < 1e-7:
        lower = _expected_if_alive(BGNBDFit(r, alpha, 1.0 - 1e-5, b, 0.0, 0), t, x, T)
        upper = _expected_if_alive(BGNBDFit(r, alpha, 1.0 + 1e-5, b, 0.0, 0), t, x, T)
        return (lower + upper) / 2.0
    c = a + b + x - 1.0
    one_minus_z = (alpha + T) / (alpha + T + t)
    hyp = special.hyp2f1(a + b - 1.0 - r, a - 1.0, c, 1.0 - one_minus_z)
    expected = c / (a - 1.0) * (1.0 - one_minus_z ** (a - 1.0) * hyp) + 0.0  # no -0.0 at t=0
    return np.asarray(expected, dtype=float)


def expected_purchases(
    fit: BGNBDFit, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Expected repeat purchase days in the next `t` units, given each history (eq. 10)."""
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    horizon = np.asarray(t, dtype=float)
    if np.any(horizon < 0):
        raise ValueError("t must be >= 0")
    alive = special.expit(-_ln_p_dead_over_alive(fit, x, t_x, age))
    return np.asarray(_expected_if_alive(fit, horizon, x, age) * alive, dtype=float)


def expected_purchases_new(fit: BGNBDFit, t: ArrayLike) -> FloatArray:
    """E[X(t)] for a customer first seen t units ago (eq. 9): repeats expected by age t."""
    horizon = np.asarray(t, dtype=float)
    if np.any(horizon < 0):
        raise ValueError("t must be >= 0")
    return _expected_if_alive(fit, horizon, np.zeros_like(horizon), np.zeros_like(horizon))


# ------------------------------------------------------------------------ Gamma-Gamma


def _gamma_gamma_objective(x: FloatArray, m: FloatArray, w: FloatArray) -> Objective:
    """Mean negative log-likelihood in (ln p, ln q, ln v), with its gradient.

    Per customer with x repeat days of mean spend m (the density of the mean):
    lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v+xm).
    """
    total = float(w.sum())
    xs, _, weight_x = _by_value(x, w)
    ln_m = np.log(m)
    sum_ln_m = _dot(w, ln_m)
    sum_x_ln_mx = _dot(w * x, ln_m + np.log(x))
    wx = w * x

    def objective(z: FloatArray) -> tuple[float, FloatArray]:
        p, q, v = np.exp(z)
        pxs = p * xs
        ln_vxm = np.log(v + x * m)
        wx_ln = _dot(wx, ln_vxm)
        w_ln = _dot(w, ln_vxm)
        ll = (
            _dot(weight_x, special.gammaln(pxs + q) - special.gammaln(pxs))
            + total * (q * np.log(v) - special.gammaln(q))
            + p * sum_x_ln_mx - sum_ln_m - p * wx_ln - q * w_ln
        )  # fmt: skip
        value = -ll / total
        if not np.isfinite(value):
            return np.inf, np.zeros(3)
        dig = special.digamma(pxs + q)
        d_p = _dot(weight_x, xs * (dig - special.digamma(pxs))) + sum_x_ln_mx - wx_ln
        d_q = _dot(weight_x, dig) + total * (np.log(v) - special.digamma(q)) - w_ln
        d_v = total * q / v - _dot(p * wx + q * w, 1.0 / (v + x * m))
        gradient = np.array([p * d_p, q * d_q, v * d_v])
        return float(value), -gradient / total

    return objective


def fit_gamma_gamma(frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model on the customers with repeat days and positive spend.

    Others carry no information on spend per repeat day and are left out (`customers` says
    how many were used). Raises FitError on too few customers, on no maximum, and when
    q <= 1 (the population's mean spend would be infinite).
    """
    x, m = _as_float("frequency", frequency), _as_float("monetary", monetary)
    if len(x) != len(m):
        raise ValueError("frequency and monetary must have the same length")
    used = (x > 0) & (m > 0)
    n = int(used.sum())
    if n < MIN_CUSTOMERS:
        raise FitError(
            f"too few customers with repeat purchases and spend to fit spend ({n}; "
            f"need {MIN_CUSTOMERS})"
        )
    if np.ptp(m[used]) == 0.0:
        raise FitError("every repeat purchase has the same value: no spread to fit spend on")
    mean = float(np.mean(m[used]))
    starts = [np.zeros(3), np.log([2.0, 3.0, mean]), np.log([10.0, 10.0, mean])]
    z, value = _fit(_gamma_gamma_objective, [x[used], m[used]], starts, ("p", "q", "v"))
    p, q, v = (float(exp) for exp in np.exp(z))
    if q <= 1.0:
        raise FitError(f"spend is too heavy-tailed for the model (q = {q:.3g} <= 1: no mean)")
    return GammaGammaFit(p, q, v, -value * n, n)


def expected_spend(fit: GammaGammaFit, frequency: ArrayLike, monetary: ArrayLike) -> FloatArray:
    """Expected spend per purchase day given each history: the population mean p v/(q-1)
    shrunk towards the customer's own mean m by the weight of their x repeat days.

    (p v + p x m) / (p x + q - 1); for x = 0 that is the population mean.
    """
    x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
    m = np.where(x > 0, m, 0.0)
    p, q, v = fit.p, fit.q, fit.v
    return np.asarray((p * v + p * x * m) / (p * x + q - 1.0), dtype=float)


# ------------------------------------------------------------------------------- value


def customer_lifetime_value(
    bgnbd: BGNBDFit,
    gg: GammaGammaFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary: ArrayLike,
    horizon_weeks: float,
    annual_discount: float,
    margin: float,
) -> FloatArray:
    """Discounted margin over the next `horizon_weeks` (recency and T in weeks).

    Lifetimes' convention: months of 4.345 weeks; month i adds (E[purchases by i] -
    E[purchases by i-1]) * expected spend * margin / (1 + d)^i, with the monthly rate d =
    (1 + annual_discount)^(1/12) - 1, so purchases in month 1 are discounted one month.
    A last partial month ends at the horizon and is discounted by its fractional length
    (52.14 weeks is exactly 12 months, lifetimes' `time=12`).
    """
    if horizon_weeks <= 0:
        raise ValueError("the horizon must be positive")
    if annual_discount <= -1:
        raise ValueError("the annual discount rate must be above -100 %")
    monthly = (1.0 + annual_discount) ** (1.0 / 12.0) - 1.0
    ends = list(np.arange(1, int(horizon_weeks / WEEKS_PER_MONTH + 1e-9) + 1) * WEEKS_PER_MONTH)
    if not ends or horizon_weeks - ends[-1] > 1e-9:
        ends.append(horizon_weeks)
    spend = expected_spend(gg, frequency, monetary) * margin
    value = np.zeros_like(spend)
    before = np.zeros_like(spend)
    for end in ends:
        by_end = expected_purchases(bgnbd, end, frequency, recency, T)
        value += (by_end - before) * spend / (1.0 + monthly) ** (end / WEEKS_PER_MONTH)
        before = by_end
    return value


# ------------------------------------------------------------------------ summaries


def _columns(
    transactions: Iterable[tuple[Hashable, Any, Any]],
) -> tuple[NDArray[Any], NDArray[np.int64], FloatArray]:
    """Keys, days (numpy's day numbers, since 1970-01-01) and amounts as arrays."""
    rows = transactions if isinstance(transactions, list | tuple) else list(transactions)
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([])
    keys = np.asarray(list(map(itemgetter(0), rows)))
    dates = list(map(itemgetter(1), rows))
    try:  # date and datetime: toordinal is ~20x faster than numpy's conversion of objects
        days = np.fromiter(map(dt.date.toordinal, dates), np.int64, len(dates)) - _EPOCH
    except TypeError:  # datetime64 or ISO text
        days = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
    return keys, days, np.asarray(list(map(itemgetter(2), rows)), dtype=float)


def _day(date: Any) -> int:
    """Days since 1970-01-01 (numpy's day numbers) of a date, datetime, datetime64 or text."""
    if hasattr(date, "toordinal"):
        return int(date.toordinal()) - _EPOCH
    return int(np.datetime64(date, "D").astype(np.int64))


def _purchase_days(
    keys: NDArray[Any], days: IntArray, amounts: FloatArray
) -> tuple[NDArray[Any], IntArray, IntArray, FloatArray]:
    """One row per customer and purchase day, amounts of the day summed, sorted by both.

    Returns the customers' keys (sorted), each row's customer index, its day and amount.
    One sort of an integer (customer, day) key; integer customer keys serve as their own
    code, others are coded by np.unique (a second sort).
    """
    if not len(days):
        return keys[:0], np.zeros(0, dtype=np.int64), days[:0], amounts[:0]
    first_day = int(days.min())
    span = int(days.max()) - first_day + 1
    low = keys.min() if keys.dtype.kind in "iu" else 0
    if keys.dtype.kind in "iu" and (int(keys.max()) - int(low) + 1) * span < 2**62:
        code = (keys - low).astype(np.int64)
    else:
        code = np.unique(keys, return_inverse=True)[1].astype(np.int64).ravel()
    order = np.argsort(code * span + (days - first_day))
    code, days, amounts, keys = code[order], days[order], amounts[order], keys[order]
    new_customer = np.ones(len(days), dtype=bool)
    new_customer[1:] = code[1:] != code[:-1]
    new_day = new_customer.copy()
    new_day[1:] |= days[1:] != days[:-1]
    starts = np.flatnonzero(new_day)
    customer_rows = new_customer[starts]
    return (
        keys[starts][customer_rows],
        np.cumsum(customer_rows) - 1,
        days[starts],
        np.add.reduceat(amounts, starts),
    )


def summarise(
    transactions: Iterable[tuple[Hashable, Any, Any]], calibration_end: Any, unit_days: int = 7
) -> Summary:
    """Per-customer frequency, recency, T and monetary from (customer key, date, amount).

    The paper's conventions: only purchases up to and including `calibration_end` count;
    purchases on one day are one purchase day (amounts summed); frequency is the number of
    repeat days, recency the time from the first to the last day, T from the first day to
    `calibration_end`, in units of `unit_days`; monetary is the mean spend of the repeat
    days (the first day's left out), 0 without repeats. Customers first buying after
    `calibration_end` are not in the summary. Dates: date, datetime, datetime64 or ISO text.
    """
    keys, days, amounts = _columns(transactions)
    end = _day(calibration_end)
    kept = days <= end
    unique_keys, code, day, spend = _purchase_days(keys[kept], days[kept], amounts[kept])
    if not len(unique_keys):
        empty = np.array([])
        return Summary(unique_keys, empty, empty.copy(), empty.copy(), empty.copy())
    first_row = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    last_row = np.r_[first_row[1:], len(code)] - 1
    frequency = (last_row - first_row).astype(float)
    first = day[first_row]
    repeat_spend = np.add.reduceat(spend, first_row) - spend[first_row]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / frequency, 0.0)
    return Summary(
        keys=unique_keys,
        frequency=frequency,
        recency=(day[last_row] - first) / unit_days,
        T=(end - first) / unit_days,
        monetary=monetary,
    )


def holdout_purchase_days(
    transactions: Iterable[tuple[Hashable, Any, Any]],
    summary: Summary,
    calibration_end: Any,
    holdout_end: Any,
) -> IntArray:
    """Each summarised customer's purchase days after `calibration_end` up to `holdout_end`
    (inclusive), aligned on `summary.keys`: all of them are repeats. Others are ignored."""
    keys, days, amounts = _columns(transactions)
    kept = (days > _day(calibration_end)) & (days <= _day(holdout_end))
    unique_keys, code, _, _ = _purchase_days(keys[kept], days[kept], amounts[kept])
    counts = np.bincount(code, minlength=len(unique_keys))
    if not len(summary.keys) or not len(unique_keys):
        return np.zeros(len(summary.keys), dtype=np.int64)
    where = np.searchsorted(unique_keys, summary.keys)
    where = np.minimum(where, len(unique_keys) - 1)
    found = unique_keys[where] == summary.keys
    return np.where(found, counts[where], 0).astype(np.int64)


def holdout(
    fit: BGNBDFit,
    summary: Summary,
    actual: ArrayLike,
    length: float,
    top_frequency: int = 7,
) -> HoldoutComparison:
    """Predicted (eq. 10 with t = the holdout's length) vs actual repeat purchase days, in
    total and by calibration frequency 0, 1, ..., `top_frequency`+ (the paper's Fig. 4).

    `length` is in the summary's unit (weeks by default); `actual` aligns on
    `summary.keys` (see `holdout_purchase_days`).
    """
    counts = np.asarray(actual, dtype=np.int64)
    if counts.shape != summary.frequency.shape:
        raise ValueError("actual must give one count per summarised customer")
    predicted = expected_purchases(fit, length, summary.frequency, summary.recency, summary.T)
    bucket = np.minimum(summary.frequency, top_frequency).astype(np.int64)
    groups = []
    for k in range(top_frequency + 1):
        members = bucket == k
        label = f"{k}+" if k == top_frequency else str(k)
        customers = int(members.sum())
        total = float(predicted[members].sum())
        groups.append(HoldoutGroup(label, customers, total, int(counts[members].sum())))
    return HoldoutComparison(
        length, len(summary), float(predicted.sum()), int(counts.sum()), tuple(groups)
    )
