"""Shifted-beta-geometric (sBG): retention of contract customers (subscriptions).

Each customer renews every period with probability 1 - theta until they cancel;
theta ~ Beta(alpha, beta) varies across customers. Because the most loyal
customers remain, the aggregate retention rate rises over time, which a single
retention rate (see [`simple_ltv`][crmkit.metrics.simple_ltv]) cannot show.

References:
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
    Journal of Interactive Marketing 21(1).
    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a
    contractual setting: the perils of ignoring heterogeneity. Marketing Science 29(1).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import special

from crmkit import _validation as v
from crmkit.metrics.clv import _base, _fitting
from crmkit.metrics.clv._base import FloatArray, ModelFit, Number
from crmkit.metrics.clv._special import log_hyp2f1_one
from crmkit.metrics.clv.simulation import resolve_params

__all__ = [
    "ShiftedBetaGeometricFit",
    "fit_shifted_beta_geometric",
    "simulate_shifted_beta_geometric",
]

_PARAMETERS = ("alpha", "beta")


@frozen(kw_only=True, repr=False)
class ShiftedBetaGeometricFit(ModelFit):
    """A fitted (or given) sBG retention model; time in contract periods.

    Attributes:
        alpha: First shape of the beta distribution of churn probabilities.
        beta: Second shape of the churn probabilities.
        log_likelihood: Total log-likelihood of the cohort.
        n: Customers in the cohort at the start.
        n_iter: Optimiser iterations.
        covariance: Covariance of (alpha, beta) from the inverse Hessian.

    Examples:
        >>> from crmkit.metrics.clv import ShiftedBetaGeometricFit
        >>> fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)
        >>> fit.survival([1, 2, 3]).round(3).tolist()
        [0.851, 0.747, 0.67]
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = _PARAMETERS

    alpha: float = field()
    beta: float = field()

    @classmethod
    def from_params(cls, *, alpha: float, beta: float) -> ShiftedBetaGeometricFit:
        """A model from known parameters, to predict without fitting.

        Examples:
            >>> from crmkit.metrics.clv import ShiftedBetaGeometricFit
            >>> ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)
            ShiftedBetaGeometricFit(alpha=0.668, beta=3.806)
        """
        return cls(**_base.known_params(None, alpha=alpha, beta=beta))

    def survival(self, t: ArrayLike) -> Number:
        """Share of the cohort still a customer after *t* periods.

        S(t) = B(alpha, beta + t) / B(alpha, beta).

        Examples:
            >>> from crmkit.metrics.clv import ShiftedBetaGeometricFit
            >>> round(ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806).survival(7), 3)
            0.489
        """
        periods = _base.numbers("t", t)
        values = np.exp(
            special.betaln(self.alpha, self.beta + periods) - special.betaln(self.alpha, self.beta)
        )
        return _base.result(np.asarray(values, dtype=np.float64))

    def retention_rate(self, t: ArrayLike) -> Number:
        """Share of those alive after t - 1 periods who renew at period t (t >= 1).

        Examples:
            >>> from crmkit.metrics.clv import ShiftedBetaGeometricFit
            >>> fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)
            >>> fit.retention_rate([1, 2, 10]).round(3).tolist()
            [0.851, 0.878, 0.95]
        """
        periods = _base.numbers("t", t, low=1)
        values = (self.beta + periods - 1) / (self.alpha + self.beta + periods - 1)
        return _base.result(np.asarray(values, dtype=np.float64))

    def expected_lifetime(self) -> float:
        """Expected number of periods a new customer stays (counting the first).

        E[1/theta] = (alpha + beta - 1) / (alpha - 1); infinite when alpha <= 1,
        because customers who almost never churn make the mean diverge
        (use `discounted_expected_lifetime`, which stays finite).

        Examples:
            >>> from crmkit.metrics.clv import ShiftedBetaGeometricFit
            >>> ShiftedBetaGeometricFit.from_params(alpha=2.0, beta=3.0).expected_lifetime()
            4.0
            >>> ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806).expected_lifetime()
            inf
        """
        if self.alpha <= 1:
            return math.inf
        return (self.alpha + self.beta - 1) / (self.alpha - 1)

    def discounted_expected_lifetime(
        self, discount_rate: float, *, renewals: ArrayLike | None = None
    ) -> Number:
        """Discounted expected lifetime, in periods' worth of payments.

        For a new customer (`renewals=None`): DEL = sum over t >= 0 of
        S(t) / (1 + d)^t = 2F1(1, beta; alpha + beta; 1 / (1 + d)), the first
        payment undiscounted. For a customer who has made `renewals` = n - 1
        renewals and faces the next (the residual lifetime, DERL, Fader &
        Hardie 2010): (beta + n - 1) / (alpha + beta + n - 1) *
        2F1(1, beta + n; alpha + beta + n; 1 / (1 + d)). Multiply by the margin
        per period to get a value.

        Examples:
            >>> from crmkit.metrics.clv import ShiftedBetaGeometricFit
            >>> fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)
            >>> round(fit.discounted_expected_lifetime(0.1), 3)
            5.923
            >>> fit.discounted_expected_lifetime(0.1, renewals=[0, 4]).round(3).tolist()
            [5.415, 6.897]
        """
        rate = v.check_float("discount_rate", discount_rate, low=0.0, low_open=True)
        if renewals is None:
            return float(self._hyp2f1_one(self.beta, rate))
        n = _base.numbers("renewals", renewals, whole=True) + 1
        first = (self.beta + n - 1) / (self.alpha + self.beta + n - 1)
        values = first * self._hyp2f1_one(self.beta + n, rate)
        return _base.result(np.asarray(values, dtype=np.float64))

    def _hyp2f1_one(self, b: Any, rate: float) -> FloatArray:
        """2F1(1, b; b + alpha; 1 / (1 + rate)), accurate near z = 1 (small rates)."""
        b = np.asarray(b, dtype=np.float64)
        c = b + self.alpha
        z = 1 / (1 + rate)
        if np.all(c > 1):
            log_value = log_hyp2f1_one(
                b, c, np.full(b.shape, z), np.full(b.shape, rate * z), np.full(b.shape, self.alpha)
            )
            return np.asarray(np.exp(log_value), dtype=np.float64)
        # c <= 1 only for tiny alpha + beta; scipy's series is then well inside its range.
        return np.asarray(special.hyp2f1(1.0, b, c, z), dtype=np.float64)


def _check_survivors(survivors: ArrayLike) -> NDArray[np.int64]:
    counts = v.integer_array("survivors", survivors, low=0)
    if counts.size < 3:
        v.fail(
            "survivors",
            "at least 3 counts (the start and two periods)",
            v.described(f"{counts.size} counts"),
        )
    if counts[0] == 0:
        v.fail("survivors", "a cohort of at least one customer at the start", counts[0])
    rising = np.zeros(counts.size, dtype=bool)
    rising[1:] = counts[1:] > counts[:-1]
    if rising.any():
        v.fail_rows(
            "survivors", "never increasing (customers who left do not come back)", counts, rising
        )
    return counts


def fit_shifted_beta_geometric(
    survivors: ArrayLike, *, max_iter: int = 1000
) -> ShiftedBetaGeometricFit:
    """Fit the sBG model to a cohort's survivor counts.

    Args:
        survivors: Customers still active at the start and after each period
            (never increasing), e.g. `[1000, 869, 743, ...]`.
        max_iter: Iteration limit of the optimiser.

    Raises:
        InvalidInputError: If counts increase, are negative or fractional,
            start at 0, or are fewer than 3.
        ConvergenceError: If the optimiser fails.

    Examples:
        The "high end" cohort of Fader & Hardie (2007):

        >>> from crmkit.metrics.clv import fit_shifted_beta_geometric
        >>> fit = fit_shifted_beta_geometric([1000, 869, 743, 653, 593, 551, 517, 491])
        >>> round(fit.alpha, 3), round(fit.beta, 3)
        (0.668, 3.806)
    """
    counts = _check_survivors(survivors)
    v.check_int("max_iter", max_iter, low=1)
    churned = (counts[:-1] - counts[1:]).astype(np.float64)
    periods = np.arange(1, counts.size, dtype=np.float64)
    still = float(counts[-1])
    last = float(counts.size - 1)

    def log_likelihood(theta: FloatArray) -> float:
        alpha, beta = np.exp(theta)
        base = special.betaln(alpha, beta)
        log_churn = special.betaln(alpha + 1, beta + periods - 1) - base
        log_survive = special.betaln(alpha, beta + last) - base
        return float(np.dot(churned, log_churn) + still * log_survive)

    estimate = _fitting.maximise(
        "sBG",
        log_likelihood,
        (1.0, 1.0),
        names=_PARAMETERS,
        n_customers=float(counts[0]),
        max_iter=max_iter,
    )
    return ShiftedBetaGeometricFit(
        **_base.fitted_params(_PARAMETERS, estimate, int(counts[0]), None)
    )


def simulate_shifted_beta_geometric(
    fit_or_params: ShiftedBetaGeometricFit | dict[str, float],
    *,
    n_customers: int,
    n_periods: int,
    seed: int | np.random.Generator | None = None,
) -> NDArray[np.int64]:
    """Survivor counts of a simulated cohort: the start and each of *n_periods* periods.

    Examples:
        >>> from crmkit.metrics.clv import simulate_shifted_beta_geometric
        >>> counts = simulate_shifted_beta_geometric({"alpha": 0.7, "beta": 3.8},
        ...                                          n_customers=1000, n_periods=7, seed=0)
        >>> int(counts[0]), len(counts)
        (1000, 8)
    """
    alpha, beta = resolve_params(fit_or_params, ShiftedBetaGeometricFit, _PARAMETERS)
    n = v.check_int("n_customers", n_customers, low=1)
    periods = v.check_int("n_periods", n_periods, low=1)
    rng = v.random_generator("seed", seed)
    lifetimes = rng.geometric(rng.beta(alpha, beta, size=n))
    counts: NDArray[np.int64] = (
        (lifetimes[None, :] > np.arange(periods + 1)[:, None]).sum(axis=1).astype(np.int64)
    )
    counts.setflags(write=False)
    return counts
