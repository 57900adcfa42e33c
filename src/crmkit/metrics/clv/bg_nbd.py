"""BG/NBD and MBG/NBD: Poisson purchasing with a coin-flip dropout after purchases.

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
after each repeat purchase (BG/NBD; and also right after the first purchase in
the modified MBG/NBD) they drop out with probability p ~ Beta(a, b).

References:
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
    the easy way: an alternative to the Pareto/NBD model. Marketing Science 24(2).
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
    comparison of models for customer base analysis. International Journal of
    Research in Marketing 24(3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special, stats

from crmkit import _validation as v
from crmkit.metrics.clv import _base, _fitting
from crmkit.metrics.clv._base import FloatArray
from crmkit.metrics.clv._continuous import ContinuousFit
from crmkit.metrics.clv.simulation import SimulatedCustomers, observation_lengths, resolve_params
from crmkit.metrics.clv.summary import PeriodLike

__all__ = [
    "BgNbdFit",
    "ModifiedBgNbdFit",
    "fit_bg_nbd",
    "fit_modified_bg_nbd",
    "simulate_bg_nbd",
    "simulate_modified_bg_nbd",
]

_PARAMETERS = ("r", "alpha", "a", "b")
_NEAR_ONE = 1e-4  # a within this of 1: the closed form is 0/0
_WARM_START_ROWS = 20_000
_SMALL_C = 0.5  # below this the closed form's 2F1 nears its poles
_UPPER = np.triu_indices(4, 1)  # the Hessian is filled above its diagonal, then mirrored
_LOWER = _UPPER[::-1]


def _integrated_if_alive(
    shape: FloatArray, scale: FloatArray, a: FloatArray, b: FloatArray, t: FloatArray
) -> FloatArray:
    """E over p ~ Beta(a, b) of (1 - (1 + p t / scale)^-shape) / p, by quadrature.

    Split at p = 1/2; below, p = u^(1/a) absorbs the density's p^(a-1) into du,
    above, 1 - p = v^(1/b) absorbs (1-p)^(b-1): both integrands are smooth.
    """

    def purchases(p: FloatArray) -> FloatArray:
        safe = np.where(p > 0, p, 1.0)
        spent = -np.expm1(-shape * np.log1p(safe * t / scale)) / safe
        return np.where(p > 0, spent, shape * t / scale)

    low_end, high_end = 0.5**a, 0.5**b
    # Each half carries its share of the Beta normalisation in log space, so the
    # integrand is the expectation's own size and the tolerances mean something.
    log_low = a * np.log(0.5) - np.log(a) - special.betaln(a, b)
    log_high = b * np.log(0.5) - np.log(b) - special.betaln(a, b)

    def integrand(s: float) -> FloatArray:
        p_low = (s * low_end) ** (1 / a)
        q_high = (s * high_end) ** (1 / b)
        low = purchases(p_low) * np.exp((b - 1) * np.log1p(-p_low) + log_low)
        high = purchases(1 - q_high) * np.exp((a - 1) * np.log1p(-q_high) + log_high)
        return np.asarray(low + high, dtype=np.float64)

    with np.errstate(divide="ignore", under="ignore"):
        integral, _ = integrate.quad_vec(integrand, 0.0, 1.0, epsabs=1e-13, epsrel=1e-10)
    values: FloatArray = integral
    return values


class _Kernel:
    """The BG/NBD family's formulas; `shift` is 0 for BG/NBD and 1 for MBG/NBD.

    Parameters may be arrays of shape (n_draws, 1) against customers of shape
    (n,), so the same code serves point predictions and parameter draws.
    """

    def __init__(self, shift: int) -> None:
        self.shift = shift

    def log_terms(
        self, r: Any, alpha: Any, a: Any, b: Any, x: Any, t_x: Any, T: Any
    ) -> tuple[Any, Any, Any]:
        """(common, l1, l2): log L = common + logaddexp(l1, l2)."""
        k = self.shift
        common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        l1 = special.betaln(a, b + x + k) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
        has_second = (x > 0) if k == 0 else np.ones(np.shape(x), dtype=bool)
        b_second = np.where(has_second, b + x + k - 1, 1.0)
        l2 = np.where(
            has_second,
            special.betaln(a + 1, b_second) - special.betaln(a, b) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        return common, l1, l2

    def probability_alive(
        self, r: Any, alpha: Any, a: Any, b: Any, x: Any, t_x: Any, T: Any
    ) -> Any:
        _, l1, l2 = self.log_terms(r, alpha, a, b, x, t_x, T)
        return special.expit(l1 - l2)

    def expected_if_alive(self, r: Any, alpha: Any, a: Any, b: Any, x: Any, T: Any, t: Any) -> Any:
        """E[purchases in (T, T + t] | alive at T].

        The closed form (Euler's transformation of 2F1(r+x, b+x+k; a+b+x+k-1; z),
        finite for any x) is 0/0 at a = 1 and loses its footing when
        a + b + x + k - 1 nears 0 or below; there the expectation over the
        dropout probability is integrated numerically instead.
        """
        k = self.shift
        values = [np.asarray(value, dtype=np.float64) for value in (r, alpha, a, b, x, T, t)]
        r, alpha, a, b, x, T, t = np.broadcast_arrays(*values)
        c = a + b + x + k - 1
        z = t / (alpha + T + t)
        # 2F1(r+x, b+x+k; c; z) (1-z)^(r+x), or Euler's equal form with (1-z)^(a-1):
        # the one with the smaller power of (1 - z) keeps 2F1 moderate.
        euler = r + x > np.abs(a - 1)
        first = np.where(euler, a + b + k - 1 - r, r + x)
        second = np.where(euler, a - 1, b + x + k)
        exponent = np.where(euler, a - 1, r + x)
        with np.errstate(all="ignore"):
            hyp = special.hyp2f1(first, second, c, z)
            power = exponent * (np.log(alpha + T) - np.log(alpha + T + t))
            closed = (
                c
                / (a - 1)
                * np.where(
                    hyp > 0, -np.expm1(power + np.log(np.abs(hyp))), 1 - np.exp(power) * hyp
                )
            )
        # Alive, a customer buys at most what a never-dying one would: (r+x) t / (alpha+T).
        ceiling = (r + x) * t / (alpha + T)
        fragile = (
            (np.abs(a - 1) < _NEAR_ONE)
            | (c < _SMALL_C)
            | ~np.isfinite(closed)
            | (closed < 0)
            | (closed > ceiling * (1 + 1e-9))
        )
        if not fragile.any():
            return closed
        result = np.array(closed)
        result[fragile] = _integrated_if_alive(
            r[fragile] + x[fragile],
            alpha[fragile] + T[fragile],
            a[fragile],
            b[fragile] + x[fragile] + k,
            t[fragile],
        )
        return result

    def expected(
        self, r: Any, alpha: Any, a: Any, b: Any, x: Any, t_x: Any, T: Any, t: Any
    ) -> Any:
        alive = self.probability_alive(r, alpha, a, b, x, t_x, T)
        return alive * self.expected_if_alive(r, alpha, a, b, x, T, t)

    def expected_new(self, r: Any, alpha: Any, a: Any, b: Any, t: Any) -> Any:
        # A new customer is alive at 0 (MBG/NBD: once past the first coin flip).
        survives_start = 1.0 if self.shift == 0 else b / (a + b)
        zero = np.zeros(np.shape(t))
        return survives_start * self.expected_if_alive(r, alpha, a, b, zero, zero, t)

    def probability_of_purchases(self, r: Any, alpha: Any, a: Any, b: Any, n: Any, t: Any) -> Any:
        if self.shift == 1:
            # MBG/NBD: gone at once with probability a/(a+b), else BG/NBD with b + 1.
            rest = _BG.probability_of_purchases(r, alpha, a, b + 1, n, t)
            return np.where(n == 0, a / (a + b), 0.0) + b / (a + b) * rest
        p = alpha / (alpha + t)
        first = np.exp(
            special.betaln(a, b + n) - special.betaln(a, b) + stats.nbinom.logpmf(n, r, p)
        )
        b_second = np.where(n > 0, b + n - 1, 1.0)
        second = np.exp(special.betaln(a + 1, b_second) - special.betaln(a, b)) * stats.nbinom.sf(
            n - 1, r, p
        )
        return first + np.where(n > 0, second, 0.0)


_BG = _Kernel(0)
_MBG = _Kernel(1)


@frozen(kw_only=True, repr=False)
class _BgNbdFamilyFit(ContinuousFit):
    """Predictions shared by BG/NBD and MBG/NBD."""

    PARAMETERS: ClassVar[tuple[str, ...]] = _PARAMETERS
    _KERNEL: ClassVar[_Kernel] = _BG

    r: float = field()
    alpha: float = field()
    a: float = field()
    b: float = field()

    def _alive(self, p: Mapping[str, Any], x: Any, t_x: Any, T: Any) -> Any:
        return self._KERNEL.probability_alive(p["r"], p["alpha"], p["a"], p["b"], x, t_x, T)

    def _expected_with(self, p: Mapping[str, Any], x: Any, t_x: Any, T: Any, t: Any) -> Any:
        return self._KERNEL.expected(p["r"], p["alpha"], p["a"], p["b"], x, t_x, T, t)

    def _expected_new(self, p: Mapping[str, Any], t: Any) -> Any:
        return self._KERNEL.expected_new(p["r"], p["alpha"], p["a"], p["b"], t)

    def _pmf(self, p: Mapping[str, Any], n: Any, t: Any) -> Any:
        return self._KERNEL.probability_of_purchases(p["r"], p["alpha"], p["a"], p["b"], n, t)


@frozen(kw_only=True, repr=False)
class BgNbdFit(_BgNbdFamilyFit):
    """A fitted (or given) BG/NBD model.

    Attributes:
        r: Shape of the gamma distribution of purchase rates.
        alpha: Scale of the purchase rates, in periods.
        a: First shape of the beta distribution of dropout probabilities.
        b: Second shape of the dropout probabilities.
        log_likelihood: Total log-likelihood on the data's time scale (None if
            made from known parameters).
        n: Customers fitted.
        n_iter: Optimiser iterations.
        covariance: Covariance of (r, alpha, a, b) from the inverse Hessian.
        period_days: Length of the time unit in days, when known.

    Examples:
        >>> from crmkit.metrics.clv import BgNbdFit
        >>> BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        BgNbdFit(r=0.243, alpha=4.414, a=0.793, b=2.426)
    """

    @classmethod
    def from_params(
        cls, *, r: float, alpha: float, a: float, b: float, period: PeriodLike | None = None
    ) -> BgNbdFit:
        """A model from known parameters (stored ones, or a paper's), to predict without fitting.

        Examples:
            >>> from crmkit.metrics.clv import BgNbdFit
            >>> fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
            >>> fit.period_days
            7.0
        """
        return cls(**_base.known_params(period, r=r, alpha=alpha, a=a, b=b))


@frozen(kw_only=True, repr=False)
class ModifiedBgNbdFit(_BgNbdFamilyFit):
    """A fitted (or given) MBG/NBD model: BG/NBD with a dropout chance at the first purchase too.

    Attributes:
        r: Shape of the gamma distribution of purchase rates.
        alpha: Scale of the purchase rates, in periods.
        a: First shape of the beta distribution of dropout probabilities.
        b: Second shape of the dropout probabilities.
        log_likelihood: Total log-likelihood on the data's time scale.
        n: Customers fitted.
        n_iter: Optimiser iterations.
        covariance: Covariance of (r, alpha, a, b) from the inverse Hessian.
        period_days: Length of the time unit in days, when known.

    Examples:
        >>> from crmkit.metrics.clv import ModifiedBgNbdFit
        >>> fit = ModifiedBgNbdFit.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
        >>> round(fit.probability_alive(frequency=0, recency=0, T=30), 3)
        0.647
    """

    _KERNEL: ClassVar[_Kernel] = _MBG

    @classmethod
    def from_params(
        cls, *, r: float, alpha: float, a: float, b: float, period: PeriodLike | None = None
    ) -> ModifiedBgNbdFit:
        """A model from known parameters, to predict without fitting.

        Examples:
            >>> from crmkit.metrics.clv import ModifiedBgNbdFit
            >>> ModifiedBgNbdFit.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
            ModifiedBgNbdFit(r=0.25, alpha=4, a=0.8, b=2.5)
        """
        return cls(**_base.known_params(period, r=r, alpha=alpha, a=a, b=b))


def fit_bg_nbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    period: PeriodLike | None = None,
    max_iter: int = 1000,
) -> BgNbdFit:
    """Fit the BG/NBD model by maximum likelihood.

    Args:
        frequency: Repeat purchases per customer (whole numbers >= 0).
        recency: Time of the last purchase after the first, in periods.
        T: Time from the first purchase to the end of the window, in periods.
        weights: How many customers each row stands for (whole numbers);
            identical rows are merged into weights automatically anyway.
        period: The time unit of recency and T (`"D"`, `"W"` or days), stored
            in the fit so predictions can be given in calendar time.
        max_iter: Iteration limit of the optimiser.

    Returns:
        The fitted model, with standard errors from the Hessian.

    Raises:
        InvalidInputError: If the summary is inconsistent (recency > T,
            negative or fractional frequency, frequency > 0 with recency 0,
            T <= 0, lengths that differ).
        ConvergenceError: If the optimiser fails.

    Examples:
        >>> from crmkit.metrics.clv import fit_bg_nbd, simulate_bg_nbd
        >>> sample = simulate_bg_nbd({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5},
        ...                          n_customers=20_000, T=52, seed=3)
        >>> fit = fit_bg_nbd(sample.frequency, sample.recency, sample.T)
        >>> errors = fit.standard_errors
        >>> abs(fit.r - 0.25) < 3 * errors["r"], abs(fit.alpha - 4.0) < 3 * errors["alpha"]
        (True, True)
    """
    days = _base.optional_period(period)
    estimate, n = _fit("BG/NBD", _BG, frequency, recency, T, weights, max_iter)
    return BgNbdFit(**_base.fitted_params(_PARAMETERS, estimate, n, days))


def fit_modified_bg_nbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    period: PeriodLike | None = None,
    max_iter: int = 1000,
) -> ModifiedBgNbdFit:
    """Fit the MBG/NBD model (Batislam et al. 2007) by maximum likelihood.

    Takes the same arguments as [`fit_bg_nbd`][crmkit.metrics.clv.fit_bg_nbd].

    Examples:
        >>> from crmkit.metrics.clv import fit_modified_bg_nbd, simulate_modified_bg_nbd
        >>> sample = simulate_modified_bg_nbd({"r": 0.5, "alpha": 6.0, "a": 0.6, "b": 3.0},
        ...                                   n_customers=20_000, T=52, seed=3)
        >>> fit = fit_modified_bg_nbd(sample.frequency, sample.recency, sample.T)
        >>> round(fit.r, 1), round(fit.a, 1)
        (0.5, 0.6)
    """
    days = _base.optional_period(period)
    estimate, n = _fit("MBG/NBD", _MBG, frequency, recency, T, weights, max_iter)
    return ModifiedBgNbdFit(**_base.fitted_params(_PARAMETERS, estimate, n, days))


def _fit(
    model: str,
    kernel: _Kernel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None,
    max_iter: int,
) -> tuple[_fitting.Estimate, int]:
    x, t_x, t = _base.customers(frequency, recency, T)
    _base.one_dimensional_history(x, frequency)
    counts = _base.row_weights(weights, x.size)
    v.check_int("max_iter", max_iter, low=1)
    (x, t_x, t), w = _fitting.compress([x, t_x, t], counts)
    start: tuple[float, ...] = (
        1.0,
        float(np.average(t, weights=w)) / max(float(np.average(x, weights=w)), 0.5),
        1.0,
        1.0,
    )
    curvature = None
    if x.size > _WARM_START_ROWS:
        # Most iterations only find the neighbourhood of the optimum: find it on
        # an evenly spaced sample, then polish on all rows.
        rows = slice(None, None, x.size // _WARM_START_ROWS)
        sample = _Data(x[rows], t_x[rows], t[rows], w[rows], kernel.shift)
        rough = _fitting.maximise(
            model,
            sample.log_likelihood,
            start,
            names=_PARAMETERS,
            n_customers=float(w[rows].sum()),
            value_and_gradient=sample.value_and_gradient,
            value_gradient_hessian=sample.value_gradient_hessian,
            max_iter=max_iter,
            with_covariance=False,
        )
        start, curvature = rough.values, rough.curvature
    data = _Data(x, t_x, t, w, kernel.shift)
    estimate = _fitting.maximise(
        model,
        data.log_likelihood,
        start,
        names=_PARAMETERS,
        n_customers=float(w.sum()),
        value_and_gradient=data.value_and_gradient,
        value_gradient_hessian=data.value_gradient_hessian,
        max_iter=max_iter,
        curvature=curvature,
    )
    return estimate, int(w.sum())


def _distinct_counts(x: FloatArray) -> tuple[FloatArray, NDArray[np.intp]]:
    """The distinct frequencies, and each row's position among them.

    Frequencies are whole numbers (checked on the way in), so counting them
    finds the distinct ones without np.unique's sort (~20 ms on 1M rows),
    unless they are too sparse for a table of them all.
    """
    counts = x.astype(np.intp)
    largest = int(counts.max(initial=0))
    if largest > 4 * counts.size:
        values, index = np.unique(x, return_inverse=True)
        return values, index.reshape(-1)
    present = np.bincount(counts, minlength=largest + 1) > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.float64), position[counts]


class _Data:
    """Compressed customers for the fit, with per-frequency terms handled once per value.

    Terms that depend on the frequency only are computed for each distinct
    frequency and gathered; their gradient sums go through `np.bincount`.
    BG/NBD's customers without a repeat purchase have one path only: they
    come first, and the second path's terms are computed on the rows after
    them.
    """

    def __init__(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray, shift: int
    ) -> None:
        one_path = x == 0 if shift == 0 else np.zeros(x.size, dtype=bool)
        self.one_path = int(one_path.sum())
        if 0 < self.one_path < x.size:
            order = np.concatenate([np.flatnonzero(one_path), np.flatnonzero(~one_path)])
            x, t_x, T, w = x[order], t_x[order], T[order], w[order]
        self.x_values, self.x_index = _distinct_counts(x)
        self.x, self.t_x, self.T, self.w, self.shift = x, t_x, T, w, shift
        self.weight_by_x = np.bincount(self.x_index, weights=w)
        # BG/NBD: no second path without a repeat purchase (its t_x is 0 then).
        self.second_x = (self.x_values > 0) if shift == 0 else np.ones(self.x_values.size, bool)
        self.second = self.second_x.astype(np.float64)

    def _terms(self, theta: FloatArray) -> dict[str, Any]:
        r, alpha, a, b = np.exp(theta)
        k, xs = self.shift, self.x_values
        b_second = np.where(self.second_x, b + xs + k - 1, 1.0)
        common = special.gammaln(r + xs) - special.gammaln(r) - special.betaln(a, b)
        first_x = common + special.betaln(a, b + xs + k)
        second_x = np.where(self.second_x, common + special.betaln(a + 1, b_second), -np.inf)
        rx = r + self.x
        log_at = np.log(alpha + self.T)
        log_atx = np.log(alpha + self.t_x)
        l1 = first_x[self.x_index] - rx * log_at
        two = slice(self.one_path, None)
        l2 = second_x[self.x_index[two]] - rx[two] * log_atx[two]
        total = l1.copy()
        total[two] = np.logaddexp(l1[two], l2)
        value = float(np.dot(self.w, total)) + r * np.log(alpha) * float(self.w.sum())
        return {
            "params": (r, alpha, a, b),
            "b_second": b_second,
            "l1": l1,
            "total": total,
            "log_at": log_at,
            "log_atx": log_atx,
            "rx": rx,
            "value": value,
        }

    def _derivative_terms(self, theta: FloatArray) -> dict[str, Any]:
        """`_terms` plus what the gradient and Hessian share."""
        t = self._terms(theta)
        r, alpha, a, b = t["params"]
        xs, k = self.x_values, self.shift
        # The weight of the "alive at T" path: all of it for one-path customers.
        t["first_share"] = first_share = np.ones(self.x.size)
        two = slice(self.one_path, None)
        first_share[two] = np.exp(t["l1"][two] - t["total"][two])
        t["weighted_first"] = self.w * t["first_share"]
        t["weighted_second"] = self.w - t["weighted_first"]
        t["first_by_x"] = np.bincount(self.x_index, weights=t["weighted_first"], minlength=xs.size)
        t["inverse_t"] = 1 / (alpha + self.T)
        t["inverse_tx"] = 1 / (alpha + self.t_x)
        t["slope_t"] = t["rx"] * t["inverse_t"]
        t["slope_tx"] = t["rx"] * t["inverse_tx"]
        # Digamma and trigamma arguments, per frequency then scalars (see _gradient).
        t["special_arguments"] = np.concatenate(
            [r + xs, a + b + xs + k, b + xs + k, t["b_second"], [r, a + b, a + 1, a, b]]
        )
        return t

    def log_likelihood(self, theta: FloatArray) -> float:
        value: float = self._terms(theta)["value"]
        return value

    def value_and_gradient(self, theta: FloatArray) -> tuple[float, FloatArray]:
        t = self._derivative_terms(theta)
        return float(t["value"]), self._gradient(t)

    def value_gradient_hessian(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Log-likelihood, gradient and Hessian with respect to the log-parameters.

        Each customer's likelihood is a sum of two paths (alive at T, or
        dropped out after the last purchase); its log is logaddexp(l1, l2).
        With s the first path's share, the gradient is s dl1 + (1 - s) dl2 and
        the Hessian s d2l1 + (1 - s) d2l2 + s (1 - s) (dl1 - dl2)(dl1 - dl2)'.
        """
        t = self._derivative_terms(theta)
        gradient = self._gradient(t)
        r, alpha, a, _ = params = t["params"]
        xs, n = self.x_values, float(self.w.sum())
        first_by_x, second_by_x = t["first_by_x"], self.weight_by_x - t["first_by_x"]
        weighted_first, weighted_second = t["weighted_first"], t["weighted_second"]
        # Trigamma at every argument at once: one call instead of nine (trigamma(z) is
        # the Hurwitz zeta(2, z); polygamma's wrapper costs more than the sum itself).
        trigamma = special.zeta(2.0, t["special_arguments"])
        m = xs.size
        at_r_x, at_total, at_b_x, at_b_second = (trigamma[i * m : (i + 1) * m] for i in range(4))
        at_r, at_ab, at_a1, at_a, at_b = trigamma[4 * m :]
        second = self.second
        h_aa_first = at_ab - at_total
        hessian = np.empty((4, 4))
        hessian[0, 0] = np.dot(self.weight_by_x, at_r_x - at_r)
        hessian[0, 1] = (
            n / alpha
            - np.dot(weighted_first, t["inverse_t"])
            - np.dot(weighted_second, t["inverse_tx"])
        )
        hessian[1, 1] = (
            np.dot(weighted_first, t["slope_t"] * t["inverse_t"])
            + np.dot(weighted_second, t["slope_tx"] * t["inverse_tx"])
            - n * r / alpha**2
        )
        hessian[0, 2:] = hessian[1, 2:] = 0.0
        hessian[2, 2] = np.dot(first_by_x, h_aa_first) + np.dot(
            second_by_x, second * (at_a1 - at_a + h_aa_first)
        )
        hessian[2, 3] = np.dot(self.weight_by_x, h_aa_first)
        hessian[3, 3] = np.dot(first_by_x, at_b_x - at_b + h_aa_first) + np.dot(
            second_by_x, second * (at_b_second - at_b + h_aa_first)
        )
        hessian[_LOWER] = hessian[_UPPER]
        hessian += self._mixture(t, a)
        # To log-parameters: d/d(log p) = p d/dp.
        scale = np.array(params)
        log_hessian: FloatArray = hessian * np.outer(scale, scale) + np.diag(gradient)
        return float(t["value"]), gradient, log_hessian

    def _mixture(self, t: dict[str, Any], a: float) -> FloatArray:
        """Sum of s (1 - s) (dl1 - dl2)(dl1 - dl2)' over customers, natural parameters.

        The differences in a (-1/a) and b (1 / (b + x + k - 1)) depend on the
        frequency only, so their sums go by frequency.
        """
        mixing = t["weighted_first"] * (1 - t["first_share"])
        d_r = t["log_atx"] - t["log_at"]
        d_alpha = t["slope_tx"] - t["slope_t"]
        mixing_r, mixing_alpha = mixing * d_r, mixing * d_alpha
        by_x = [
            np.bincount(self.x_index, weights=values, minlength=self.x_values.size)
            for values in (mixing, mixing_r, mixing_alpha)
        ]
        d_a = -1 / a
        d_b = np.where(self.second_x, 1 / t["b_second"], 0.0)
        cross = np.array([by_x[1].sum(), by_x[2].sum(), by_x[0].sum()])  # r, alpha, a with a
        mixture = np.empty((4, 4))
        mixture[0, 0] = np.dot(mixing_r, d_r)
        mixture[0, 1] = mixture[1, 0] = np.dot(mixing_r, d_alpha)
        mixture[1, 1] = np.dot(mixing_alpha, d_alpha)
        mixture[2, :3] = mixture[:3, 2] = cross * d_a * np.array([1.0, 1.0, d_a])
        mixture[3, :3] = mixture[:3, 3] = [
            np.dot(by_x[1], d_b),
            np.dot(by_x[2], d_b),
            d_a * np.dot(by_x[0], d_b),
        ]
        mixture[3, 3] = np.dot(by_x[0], d_b**2)
        return mixture

    def _gradient(self, t: dict[str, Any]) -> FloatArray:
        r, alpha, a, b = t["params"]
        xs = self.x_values
        first_by_x = t["first_by_x"]
        second_by_x = self.weight_by_x - first_by_x
        n = float(self.w.sum())
        digamma = special.digamma(t["special_arguments"])
        m = xs.size
        at_r_x, at_total, at_b_x, at_b_second = (digamma[i * m : (i + 1) * m] for i in range(4))
        at_r, at_ab, at_a1, at_a, at_b = digamma[4 * m :]
        d_r = (
            float(np.dot(self.weight_by_x, at_r_x - at_r))
            + n * np.log(alpha)
            - float(np.dot(t["weighted_first"], t["log_at"]))
            - float(np.dot(t["weighted_second"], t["log_atx"]))
        )
        d_alpha = n * r / alpha - float(
            np.dot(t["weighted_first"], t["slope_t"]) + np.dot(t["weighted_second"], t["slope_tx"])
        )
        second = self.second
        d_a = float(
            np.dot(first_by_x, at_ab - at_total)
            + np.dot(second_by_x, second * (at_a1 - at_a + at_ab - at_total))
        )
        d_b = float(
            np.dot(first_by_x, at_b_x - at_b + at_ab - at_total)
            + np.dot(second_by_x, second * (at_b_second - at_b + at_ab - at_total))
        )
        gradient: FloatArray = np.array([d_r, d_alpha, d_a, d_b]) * np.array([r, alpha, a, b])
        return gradient


def simulate_bg_nbd(
    fit_or_params: BgNbdFit | dict[str, float],
    *,
    n_customers: int,
    T: ArrayLike,
    seed: int | np.random.Generator | None = None,
) -> SimulatedCustomers:
    """Draw customers from the BG/NBD model: frequency, recency and T.

    Args:
        fit_or_params: A fit, or a mapping with r, alpha, a and b.
        n_customers: How many customers to draw.
        T: Observation length of every customer (one number) or of each.
        seed: Seed or generator, for reproducible draws.

    Examples:
        >>> from crmkit.metrics.clv import simulate_bg_nbd
        >>> sample = simulate_bg_nbd({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5},
        ...                          n_customers=3, T=52, seed=1)
        >>> sample.T.tolist()
        [52.0, 52.0, 52.0]
    """
    return _simulate(fit_or_params, n_customers, T, seed, BgNbdFit, first_flip=False)


def simulate_modified_bg_nbd(
    fit_or_params: ModifiedBgNbdFit | dict[str, float],
    *,
    n_customers: int,
    T: ArrayLike,
    seed: int | np.random.Generator | None = None,
) -> SimulatedCustomers:
    """Draw customers from the MBG/NBD model (see `simulate_bg_nbd`).

    Examples:
        >>> from crmkit.metrics.clv import simulate_modified_bg_nbd
        >>> sample = simulate_modified_bg_nbd({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5},
        ...                                   n_customers=1000, T=52, seed=1)
        >>> len(sample)
        1000
    """
    return _simulate(fit_or_params, n_customers, T, seed, ModifiedBgNbdFit, first_flip=True)


def _simulate(
    fit_or_params: Any,
    n_customers: int,
    T: ArrayLike,
    seed: Any,
    kind: type[_BgNbdFamilyFit],
    *,
    first_flip: bool,
) -> SimulatedCustomers:
    r, alpha, a, b = resolve_params(fit_or_params, kind, kind.PARAMETERS)
    n = v.check_int("n_customers", n_customers, low=1)
    length = observation_lengths(T, n)
    rng = v.random_generator("seed", seed)
    rate = rng.gamma(r, 1 / alpha, size=n)
    dropout = rng.beta(a, b, size=n)
    # Purchases a customer lives to make: geometric, counting the fatal one
    # (BG/NBD); MBG/NBD flips the coin once more, right at the first purchase.
    lifetime_purchases = rng.geometric(dropout) - (1 if first_flip else 0)
    events = rng.poisson(rate * length)
    frequency = np.minimum(events, lifetime_purchases)
    return SimulatedCustomers._from_events(frequency, events, length, length, rng)
