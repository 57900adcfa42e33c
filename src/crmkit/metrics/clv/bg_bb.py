"""BG/BB: discrete transaction opportunities (one per period), with dropout.

While alive a customer transacts at each opportunity with probability
p ~ Beta(alpha, beta); before each opportunity they drop out with probability
theta ~ Beta(gamma, delta). Suits events with fixed dates: yearly donations,
annual conferences, scheduled renewals.

References:
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in
    a discrete-time noncontractual setting. Marketing Science 29(6).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike
from scipy import special

from crmkit import _validation as v
from crmkit.metrics.clv import _base, _fitting
from crmkit.metrics.clv._base import FloatArray, ModelFit, Number
from crmkit.metrics.clv.simulation import SimulatedOpportunities, resolve_params
from crmkit.metrics.clv.summary import PeriodLike

__all__ = ["BgBbFit", "fit_bg_bb", "simulate_bg_bb"]

_PARAMETERS = ("alpha", "beta", "gamma", "delta")
_NEAR_ONE = 1e-8


def _log_alive_term(alpha: Any, beta: Any, gamma: Any, delta: Any, x: Any, n: Any) -> Any:
    """Log of the path 'alive through all n opportunities'."""
    return (
        special.betaln(alpha + x, beta + n - x)
        - special.betaln(alpha, beta)
        + special.betaln(gamma, delta + n)
        - special.betaln(gamma, delta)
    )


def _log_likelihood(
    alpha: Any, beta: Any, gamma: Any, delta: Any, x: Any, t_x: Any, n: Any
) -> Any:
    """Per-customer log-likelihood: alive throughout, or dropped out after t_x + i."""
    alive = _log_alive_term(alpha, beta, gamma, delta, x, n)
    gaps = (
        (n - t_x).astype(np.int64)
        if isinstance(n, np.ndarray)
        else np.asarray(n - t_x, dtype=np.int64)
    )
    width = int(np.max(gaps)) if np.size(gaps) else 0
    if width == 0:
        return alive
    i = np.arange(width)
    ex = np.expand_dims
    died = (
        special.betaln(ex(alpha + x, -1), ex(beta + t_x - x, -1) + i)
        - ex(special.betaln(alpha, beta), -1)
        + special.betaln(ex(gamma, -1) + 1, ex(delta + t_x, -1) + i)
        - ex(special.betaln(gamma, delta), -1)
    )
    died = np.where(i < ex(gaps, -1), died, -np.inf)
    return np.logaddexp(alive, special.logsumexp(died, axis=-1))


def _ratio_difference(gamma: Any, delta: Any, start: Any, end: Any) -> Any:
    """Expected opportunities alive in (start, end], times P(transact) = 1.

    delta / (gamma - 1) * G(gamma+delta) / G(1+delta) * [D(start) - D(end)]
    with D(m) = G(1+delta+m) / G(gamma+delta+m).

    The expected number of opportunities alive between start and end, times
    nothing else; its gamma -> 1 limit uses digamma.
    """

    def log_d(m: Any) -> Any:
        return special.gammaln(1 + delta + m) - special.gammaln(gamma + delta + m)

    scale = special.gammaln(gamma + delta) - special.gammaln(1 + delta) + log_d(start)
    change = log_d(end) - log_d(start)
    near = np.abs(gamma - 1) < _NEAR_ONE
    safe = np.where(near, 2.0, gamma)
    general = delta / (safe - 1) * -np.expm1(np.where(near, 0.0, change))
    limit = delta * (special.digamma(1 + delta + end) - special.digamma(1 + delta + start))
    return np.exp(scale) * np.where(near, limit, general)


def _expected(
    alpha: Any, beta: Any, gamma: Any, delta: Any, x: Any, t_x: Any, n: Any, t: Any
) -> Any:
    log_l = _log_likelihood(alpha, beta, gamma, delta, x, t_x, n)
    log_buy = special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
    return np.exp(log_buy - log_l) * _ratio_difference(gamma, delta, n, n + t)


def _check_history(
    frequency: ArrayLike,
    recency: ArrayLike,
    n_periods: ArrayLike,
    *,
    periods_argument: str = "n_periods",
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check a BG/BB history; *periods_argument* names n_periods in errors."""
    x = _base.numbers("frequency", frequency, whole=True)
    t_x = _base.numbers("recency", recency, whole=True)
    n = _base.numbers(periods_argument, n_periods, low=1, whole=True)
    _base.common_length(frequency=x, recency=t_x, **{periods_argument: n})
    x_b, t_x_b, n_b = np.broadcast_arrays(x, t_x, n)
    _base.refuse("recency", f"at most {periods_argument}", t_x_b, t_x_b > n_b)
    _base.refuse("frequency", "at most recency (one transaction per period)", x_b, x_b > t_x_b)
    _base.refuse("recency", "0 when frequency is 0", t_x_b, (x_b == 0) & (t_x_b > 0))
    return x, t_x, n


@frozen(kw_only=True, repr=False)
class BgBbFit(ModelFit):
    """A fitted (or given) BG/BB model; time is counted in opportunities (periods).

    Attributes:
        alpha: First shape of the beta distribution of transaction probabilities.
        beta: Second shape of the transaction probabilities.
        gamma: First shape of the beta distribution of dropout probabilities.
        delta: Second shape of the dropout probabilities.
        log_likelihood: Total log-likelihood.
        n: Customers fitted.
        n_iter: Optimiser iterations.
        covariance: Covariance of (alpha, beta, gamma, delta) from the inverse Hessian.
        period_days: Length of one opportunity in days, when known.

    Examples:
        >>> from crmkit.metrics.clv import BgBbFit
        >>> fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> round(fit.expected_purchases_new_customer(5), 3)
        1.938
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = _PARAMETERS

    alpha: float = field()
    beta: float = field()
    gamma: float = field()
    delta: float = field()

    @classmethod
    def from_params(
        cls,
        *,
        alpha: float,
        beta: float,
        gamma: float,
        delta: float,
        period: PeriodLike | None = None,
    ) -> BgBbFit:
        """A model from known parameters, to predict without fitting.

        Examples:
            >>> from crmkit.metrics.clv import BgBbFit
            >>> BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
            BgBbFit(alpha=1.204, beta=0.75, gamma=0.657, delta=2.783)
        """
        return cls(**_base.known_params(period, alpha=alpha, beta=beta, gamma=gamma, delta=delta))

    def _values(self) -> tuple[float, float, float, float]:
        return self.alpha, self.beta, self.gamma, self.delta

    def _expected_with(self, p: dict[str, Any], x: Any, t_x: Any, n: Any, t: Any) -> Any:
        return _expected(p["alpha"], p["beta"], p["gamma"], p["delta"], x, t_x, n, t)

    def probability_alive(
        self, *, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> Number:
        """Probability of being alive at the next opportunity (n_periods + 1).

        Examples:
            >>> from crmkit.metrics.clv import BgBbFit
            >>> fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
            >>> round(fit.probability_alive(frequency=3, recency=4, n_periods=6), 3)
            0.439
        """
        x, t_x, n = _check_history(frequency, recency, n_periods)
        a, b, g, d = self._values()
        log_alive = (
            _log_alive_term(a, b, g, d, x, n)
            + special.betaln(g, d + n + 1)
            - special.betaln(g, d + n)
        )
        values = np.exp(log_alive - _log_likelihood(a, b, g, d, x, t_x, n))
        return _base.result(np.asarray(values, dtype=np.float64))

    def expected_purchases(
        self, t: ArrayLike, *, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> Number:
        """Expected transactions in the next *t* opportunities, given each history.

        Examples:
            >>> from crmkit.metrics.clv import BgBbFit
            >>> fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
            >>> round(fit.expected_purchases(5, frequency=6, recency=6, n_periods=6), 3)
            3.752
        """
        horizon = _base.numbers("t", t, whole=True)
        x, t_x, n = _check_history(frequency, recency, n_periods)
        _base.common_length(t=horizon, frequency=x)
        values = _expected(*self._values(), x, t_x, n, horizon)
        return _base.result(np.asarray(values, dtype=np.float64))

    def expected_purchases_new_customer(self, t: ArrayLike) -> Number:
        """Expected transactions of a new customer in the first *t* opportunities.

        Examples:
            >>> from crmkit.metrics.clv import BgBbFit
            >>> fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
            >>> round(fit.expected_purchases_new_customer(6), 3)
            2.22
        """
        horizon = _base.numbers("t", t, whole=True)
        a, b, g, d = self._values()
        values = a / (a + b) * _ratio_difference(g, d, 0.0, horizon)
        return _base.result(np.asarray(values, dtype=np.float64))

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> Number:
        """Probability that a new customer makes exactly *n* transactions in *t* opportunities.

        Examples:
            >>> import numpy as np
            >>> from crmkit.metrics.clv import BgBbFit
            >>> fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
            >>> round(float(fit.probability_of_purchases(np.arange(7), 6).sum()), 12)
            1.0
        """
        counts = _base.numbers("n", n, whole=True)
        horizon = _base.numbers("t", t, whole=True)
        _base.common_length(n=counts, t=horizon)
        counts, horizon = np.broadcast_arrays(counts, horizon)
        a, b, g, d = self._values()
        possible = counts <= horizon
        k = np.where(possible, counts, 0.0)
        log_choose = (
            special.gammaln(horizon + 1)
            - special.gammaln(k + 1)
            - special.gammaln(horizon - k + 1)
        )
        alive = np.exp(log_choose + _log_alive_term(a, b, g, d, k, horizon))
        width = int(np.max(horizon)) if horizon.size else 0
        i = np.arange(width)
        ex = np.expand_dims
        in_range = (i >= ex(k, -1)) & (i < ex(horizon, -1))
        i_safe = np.where(in_range, i, ex(k, -1))
        log_died = (
            special.gammaln(i_safe + 1)
            - special.gammaln(ex(k, -1) + 1)
            - special.gammaln(i_safe - ex(k, -1) + 1)
            + special.betaln(a + ex(k, -1), b + i_safe - ex(k, -1))
            - special.betaln(a, b)
            + special.betaln(g + 1, d + i_safe)
            - special.betaln(g, d)
        )
        died = np.where(in_range, np.exp(log_died), 0.0).sum(axis=-1)
        return _base.result(np.where(possible, alive + died, 0.0))

    def expected_purchases_interval(
        self,
        t: ArrayLike,
        *,
        frequency: ArrayLike,
        recency: ArrayLike,
        n_periods: ArrayLike,
        confidence: float = 0.95,
        method: str = "delta",
        n_draws: int = 1000,
        seed: int | np.random.Generator | None = None,
    ) -> tuple[Number, Number]:
        """Interval for `expected_purchases` from the parameters' uncertainty.

        Examples:
            >>> from crmkit.metrics.clv import fit_bg_bb, simulate_bg_bb
            >>> sample = simulate_bg_bb({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8},
            ...                         n_customers=5000, n_periods=6, seed=0)
            >>> fit = fit_bg_bb(sample.frequency, sample.recency, sample.n_periods)
            >>> low, high = fit.expected_purchases_interval(5, frequency=3, recency=5, n_periods=6)
            >>> bool(low < high)
            True
        """
        horizon = _base.numbers("t", t, whole=True)
        x, t_x, n = _check_history(frequency, recency, n_periods)
        _base.common_length(t=horizon, frequency=x)
        return self._interval(
            lambda p: np.asarray(self._expected_with(p, x, t_x, n, horizon), dtype=np.float64),
            confidence=confidence,
            method=method,
            n_draws=n_draws,
            seed=seed,
        )


def fit_bg_bb(
    frequency: ArrayLike,
    recency: ArrayLike,
    n_periods: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    period: PeriodLike | None = None,
    max_iter: int = 1000,
) -> BgBbFit:
    """Fit the BG/BB model by maximum likelihood.

    Args:
        frequency: Transactions per customer (whole numbers).
        recency: The opportunity of the last transaction (0 when none).
        n_periods: Opportunities each customer has had.
        weights: How many customers each row stands for; discrete data
            compresses well, and identical rows are merged automatically.
        period: Length of one opportunity (`"D"`, `"W"` or days), if fixed.
        max_iter: Iteration limit of the optimiser.

    Examples:
        The donations of Fader, Hardie & Shang (2010), 11,104 donors over six
        years, as (frequency, recency, count):

        >>> from crmkit.metrics.clv import fit_bg_bb
        >>> rows = [(6, 6, 1203), (5, 6, 728), (4, 6, 512), (3, 6, 357), (2, 6, 234),
        ...         (1, 6, 129), (5, 5, 335), (4, 5, 284), (3, 5, 225), (2, 5, 173),
        ...         (1, 5, 119), (4, 4, 240), (3, 4, 181), (2, 4, 155), (1, 4, 78),
        ...         (3, 3, 322), (2, 3, 255), (1, 3, 129), (2, 2, 613), (1, 2, 277),
        ...         (1, 1, 1091), (0, 0, 3464)]
        >>> x, t_x, count = zip(*rows)
        >>> fit = fit_bg_bb(x, t_x, [6] * len(rows), weights=count)
        >>> [round(value, 3) for value in fit.params.values()]
        [1.204, 0.75, 0.657, 2.783]
        >>> round(fit.log_likelihood, 1)
        -33225.6
    """
    days = _base.optional_period(period)
    x, t_x, n = _check_history(frequency, recency, n_periods)
    _base.one_dimensional_history(x, frequency)
    counts = _base.row_weights(weights, x.size)
    v.check_int("max_iter", max_iter, low=1)
    (x, t_x, n), w = _fitting.compress([x, t_x, n], counts)

    def log_likelihood(theta: FloatArray) -> float:
        alpha, beta, gamma, delta = np.exp(theta)
        return float(np.dot(w, _log_likelihood(alpha, beta, gamma, delta, x, t_x, n)))

    estimate = _fitting.maximise(
        "BG/BB",
        log_likelihood,
        (1.0, 1.0, 1.0, 1.0),
        names=_PARAMETERS,
        n_customers=float(w.sum()),
        max_iter=max_iter,
    )
    return BgBbFit(**_base.fitted_params(_PARAMETERS, estimate, int(w.sum()), days))


def simulate_bg_bb(
    fit_or_params: BgBbFit | dict[str, float],
    *,
    n_customers: int,
    n_periods: int,
    seed: int | np.random.Generator | None = None,
) -> SimulatedOpportunities:
    """Draw customers from the BG/BB model over *n_periods* opportunities.

    Examples:
        >>> from crmkit.metrics.clv import simulate_bg_bb
        >>> sample = simulate_bg_bb({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8},
        ...                         n_customers=1000, n_periods=6, seed=0)
        >>> bool((sample.frequency <= sample.recency).all())
        True
    """
    alpha, beta, gamma, delta = resolve_params(fit_or_params, BgBbFit, _PARAMETERS)
    n = v.check_int("n_customers", n_customers, low=1)
    periods = v.check_int("n_periods", n_periods, low=1)
    rng = v.random_generator("seed", seed)
    buy = rng.beta(alpha, beta, size=n)
    drop = rng.beta(gamma, delta, size=n)
    # Alive at opportunities 1..L: a dropout flip comes before each opportunity.
    alive_for = np.minimum(rng.geometric(drop) - 1, periods)
    opportunity = np.arange(1, periods + 1)
    bought = (rng.random((n, periods)) < buy[:, None]) & (
        opportunity[None, :] <= alive_for[:, None]
    )
    frequency = bought.sum(axis=1)
    recency = np.where(bought, opportunity[None, :], 0).max(axis=1)
    return SimulatedOpportunities(
        frequency=frequency.astype(np.int64),
        recency=recency.astype(np.int64),
        n_periods=np.full(n, periods, dtype=np.int64),
    )
