"""Pareto/NBD: Poisson purchasing while alive, with an exponential lifetime.

Purchase rates lambda ~ Gamma(r, alpha) and dropout rates mu ~ Gamma(s, beta)
vary across customers. The likelihood needs the Gauss hypergeometric function
near its singular point; crmkit evaluates it in log space (see `_special`), so
it stays finite for both alpha >= beta and alpha < beta, for frequencies in the
tens of thousands and for extreme parameters.

References:
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your
    customers: who are they and what will they do next? Management Science 33(1).
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). A note on deriving the
    Pareto/NBD model and related expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike
from scipy import integrate, special, stats

from crmkit import _validation as v
from crmkit.metrics.clv import _base, _fitting
from crmkit.metrics.clv._base import FloatArray
from crmkit.metrics.clv._continuous import ContinuousFit
from crmkit.metrics.clv._pareto_quadrature import QuadratureLikelihood
from crmkit.metrics.clv._special import log_hyp2f1_one
from crmkit.metrics.clv.simulation import SimulatedCustomers, observation_lengths, resolve_params
from crmkit.metrics.clv.summary import PeriodLike

__all__ = ["ParetoNbdFit", "fit_pareto_nbd", "simulate_pareto_nbd"]

_PARAMETERS = ("r", "alpha", "s", "beta")
_NODES_TRIED = (16, 32)  # quadrature nodes: 16 do for realistic parameters, 32 for corners
_QUADRATURE_TOLERANCE = 1e-9  # relative gap to the exact log-likelihood at the optimum


def _log_tail(r: Any, alpha: Any, s: Any, beta: Any, x: Any, u: Any) -> Any:
    """Log of (r+s+x) * integral_u^inf (alpha+v)^-(r+x) (beta+v)^-(s+1) dv.

    Euler's transformation turns the 2F1 of the textbook formula into
    2F1(1, b; r+s+x+1; z) with 0 <= z < 1, bounded by 1/(1-z); the side with
    the larger of alpha and beta gives z >= 0.
    """
    swap = alpha < beta
    high, low = np.maximum(alpha, beta), np.minimum(alpha, beta)
    z = (high - low) / (high + u)
    one_minus_z = (low + u) / (high + u)
    b = np.where(swap, s + 1, r + x)
    gap = np.where(swap, r + x, s + 1)
    c = r + s + x + 1
    power_alpha = np.where(swap, r + x - 1, r + x)
    power_beta = np.where(swap, s + 1, s)
    return (
        log_hyp2f1_one(b, c, z, one_minus_z, gap)
        - power_alpha * np.log(alpha + u)
        - power_beta * np.log(beta + u)
    )


def _log_parts(
    r: Any, alpha: Any, s: Any, beta: Any, x: Any, t_x: Any, T: Any
) -> tuple[Any, Any, Any]:
    """(common, alive, died): log L = common + logaddexp(alive, died).

    `alive` is the path of a customer still alive at T; `died` integrates the
    death time over (t_x, T].
    """
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    tail_t_x = _log_tail(r, alpha, s, beta, x, t_x)
    tail_t = _log_tail(r, alpha, s, beta, x, T)
    with np.errstate(divide="ignore"):
        # Zero when t_x == T: the customer cannot have died in between.
        between = tail_t_x + np.log(-np.expm1(np.minimum(tail_t - tail_t_x, 0.0)))
    died = np.log(s) - np.log(r + s + x) + between
    return common, alive, died


def _probability_alive(r: Any, alpha: Any, s: Any, beta: Any, x: Any, t_x: Any, T: Any) -> Any:
    _, alive, died = _log_parts(r, alpha, s, beta, x, t_x, T)
    return special.expit(alive - died)


def _mean_truncated_lifetime(s: Any, scale: Any, t: Any) -> Any:
    """E[min(lifetime, t)] for lifetimes Exp(mu), mu ~ Gamma(s, scale): finite for any s."""
    log_ratio = np.log1p(t / scale)
    shape = s - 1
    safe = np.where(np.abs(shape) < 1e-12, 1.0, shape)
    return scale * np.where(np.abs(shape) < 1e-12, log_ratio, -np.expm1(-shape * log_ratio) / safe)


def _expected(r: Any, alpha: Any, s: Any, beta: Any, x: Any, t_x: Any, T: Any, t: Any) -> Any:
    alive = _probability_alive(r, alpha, s, beta, x, t_x, T)
    return alive * (r + x) / (alpha + T) * _mean_truncated_lifetime(s, beta + T, t)


@frozen(kw_only=True, repr=False)
class ParetoNbdFit(ContinuousFit):
    """A fitted (or given) Pareto/NBD model.

    Attributes:
        r: Shape of the gamma distribution of purchase rates.
        alpha: Scale of the purchase rates, in periods.
        s: Shape of the gamma distribution of dropout rates.
        beta: Scale of the dropout rates, in periods.
        log_likelihood: Total log-likelihood on the data's time scale.
        n: Customers fitted.
        n_iter: Optimiser iterations.
        covariance: Covariance of (r, alpha, s, beta) from the inverse Hessian.
        period_days: Length of the time unit in days, when known.

    Examples:
        >>> from crmkit.metrics.clv import ParetoNbdFit
        >>> fit = ParetoNbdFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(fit.expected_purchases(39, frequency=2, recency=30.43, T=38.86), 3)
        1.455
        >>> round(fit.probability_alive(frequency=2, recency=30.43, T=38.86), 3)
        0.869
        >>> round(fit.expected_purchases_new_customer(39), 3)
        1.213
        >>> round(fit.probability_of_purchases(0, 39), 3)
        0.594
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = _PARAMETERS

    r: float = field()
    alpha: float = field()
    s: float = field()
    beta: float = field()

    @classmethod
    def from_params(
        cls, *, r: float, alpha: float, s: float, beta: float, period: PeriodLike | None = None
    ) -> ParetoNbdFit:
        """A model from known parameters, to predict without fitting.

        Examples:
            >>> from crmkit.metrics.clv import ParetoNbdFit
            >>> ParetoNbdFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
            ParetoNbdFit(r=0.553, alpha=10.58, s=0.606, beta=11.67)
        """
        return cls(**_base.known_params(period, r=r, alpha=alpha, s=s, beta=beta))

    def _alive(self, p: Mapping[str, Any], x: Any, t_x: Any, T: Any) -> Any:
        return _probability_alive(p["r"], p["alpha"], p["s"], p["beta"], x, t_x, T)

    def _expected_with(self, p: Mapping[str, Any], x: Any, t_x: Any, T: Any, t: Any) -> Any:
        return _expected(p["r"], p["alpha"], p["s"], p["beta"], x, t_x, T, t)

    def _expected_new(self, p: Mapping[str, Any], t: Any) -> Any:
        return p["r"] / p["alpha"] * _mean_truncated_lifetime(p["s"], p["beta"], t)

    def _pmf(self, p: Mapping[str, Any], n: Any, t: Any) -> Any:
        # The lifetime is integrated out numerically (scipy.integrate.quad_vec):
        # a customer who dies at u < t buys NBD(r, alpha) over u.
        r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
        counts, horizon = np.broadcast_arrays(n, t)

        def died_at(y: float) -> FloatArray:
            u = y * horizon
            density = s / beta * (1 + u / beta) ** -(s + 1)
            return np.asarray(horizon * density * stats.nbinom.pmf(counts, r, alpha / (alpha + u)))

        died, _ = integrate.quad_vec(died_at, 0.0, 1.0, epsabs=1e-13, epsrel=1e-10)
        alive = (1 + horizon / beta) ** -s * stats.nbinom.pmf(counts, r, alpha / (alpha + horizon))
        return died + alive


def fit_pareto_nbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    period: PeriodLike | None = None,
    max_iter: int = 1000,
) -> ParetoNbdFit:
    """Fit the Pareto/NBD model by maximum likelihood.

    Takes the same arguments as [`fit_bg_nbd`][crmkit.metrics.clv.fit_bg_nbd].
    The likelihood's derivatives in the parameters of its 2F1 have no closed
    form, so Newton's method runs on the likelihood with the death time
    integrated by Gauss-Legendre quadrature (gradient and Hessian exact for
    that sum); at the optimum it must agree with the exact likelihood to
    1e-9, else the fit is redone with more nodes, and failing that by BFGS on
    the exact likelihood. The log-likelihood reported is the exact one.

    Examples:
        >>> from crmkit.metrics.clv import fit_pareto_nbd, simulate_pareto_nbd
        >>> sample = simulate_pareto_nbd({"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7},
        ...                              n_customers=20_000, T=39, seed=2)
        >>> fit = fit_pareto_nbd(sample.frequency, sample.recency, sample.T)
        >>> errors = fit.standard_errors
        >>> abs(fit.r - 0.55) < 3 * errors["r"], abs(fit.s - 0.6) < 3 * errors["s"]
        (True, True)
    """
    days = _base.optional_period(period)
    x, t_x, t = _base.customers(frequency, recency, T)
    _base.one_dimensional_history(x, frequency)
    counts = _base.row_weights(weights, x.size)
    v.check_int("max_iter", max_iter, low=1)
    (x, t_x, t), w = _fitting.compress([x, t_x, t], counts)

    def many(thetas: FloatArray) -> FloatArray:
        # Parameters as (m, 1) columns against customers: m likelihoods in one pass.
        r, alpha, s, beta = (column[:, None] for column in np.exp(thetas).T)
        common, alive, died = _log_parts(r, alpha, s, beta, x, t_x, t)
        totals: FloatArray = (common + np.logaddexp(alive, died)) @ w
        return totals

    def log_likelihood(theta: FloatArray) -> float:
        return float(many(theta[None, :])[0])

    def maximise(
        start: tuple[float, ...], newton: _fitting.ValueGradientHessian | None = None
    ) -> _fitting.Estimate:
        return _fitting.maximise(
            "Pareto/NBD",
            log_likelihood,
            start,
            names=_PARAMETERS,
            n_customers=float(w.sum()),
            value_gradient_hessian=newton,
            many=many,
            max_iter=max_iter,
        )

    mean_t = float(np.average(t, weights=w))
    mean_x = max(float(np.average(x, weights=w)), 0.5)
    start: tuple[float, ...] = (1.0, mean_t / mean_x, 1.0, mean_t)
    for nodes in _NODES_TRIED:
        # Newton's method on the quadrature likelihood, checked against the exact one.
        estimate = maximise(
            start, QuadratureLikelihood(x, t_x, t, w, nodes).value_gradient_hessian
        )
        exact = log_likelihood(np.log(estimate.values))
        if abs(estimate.log_likelihood - exact) <= _QUADRATURE_TOLERANCE * abs(exact):
            break
        start = estimate.values
    else:  # parameters the quadrature cannot follow: BFGS on the exact likelihood
        estimate = maximise(start)
        exact = estimate.log_likelihood
    estimate = attrs.evolve(estimate, log_likelihood=exact)
    return ParetoNbdFit(**_base.fitted_params(_PARAMETERS, estimate, int(w.sum()), days))


def simulate_pareto_nbd(
    fit_or_params: ParetoNbdFit | dict[str, float],
    *,
    n_customers: int,
    T: ArrayLike,
    seed: int | np.random.Generator | None = None,
) -> SimulatedCustomers:
    """Draw customers from the Pareto/NBD model: frequency, recency and T.

    Examples:
        >>> from crmkit.metrics.clv import simulate_pareto_nbd
        >>> sample = simulate_pareto_nbd({"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7},
        ...                              n_customers=1000, T=39, seed=1)
        >>> bool((sample.recency <= sample.T).all())
        True
    """
    r, alpha, s, beta = resolve_params(fit_or_params, ParetoNbdFit, _PARAMETERS)
    n = v.check_int("n_customers", n_customers, low=1)
    length = observation_lengths(T, n)
    rng = v.random_generator("seed", seed)
    rate = rng.gamma(r, 1 / alpha, size=n)
    dropout = rng.gamma(s, 1 / beta, size=n)
    window = np.minimum(rng.exponential(1 / dropout), length)
    events = rng.poisson(rate * window)
    return SimulatedCustomers._from_events(events, events, window, length, rng)
