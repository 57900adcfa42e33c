"""What the open pipeline will close: the distribution of deals won and revenue.

Each open deal is won or not; with win probabilities p_j, the number of deals
won is Poisson-binomial and revenue is the sum of the won amounts. A single
"expected revenue" hides the spread a sales manager needs ("how likely are we
to make the target?"), so the forecast gives the whole distribution.

Outcomes can move together (a good quarter lifts every deal): with
`correlation` rho > 0 each deal is won when sqrt(rho) F + sqrt(1 - rho) e_j
falls below its probit, F one common standard normal factor (a Gaussian copula
with one factor); each deal keeps its own win probability.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import signal, special

from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit.funnel.pipeline import close_days

__all__ = ["ForecastDistribution", "ForecastMethod", "forecast_distribution"]

ForecastMethod = Literal["exact", "simulation"]
"""`"exact"` (Poisson-binomial, by convolution) or `"simulation"` (seeded draws)."""

FloatArray = NDArray[np.float64]

_ENUMERATE_UP_TO = 16  # deals: 2**16 outcomes are enumerated for exact revenue quantiles
_FACTOR_NODES = 96  # Gauss-Hermite nodes over the common factor
_EXACT_CORRELATION_UP_TO = 0.9  # beyond, the factor integrand is too steep for the nodes
_DRAW_CELLS = 2_000_000  # deals x draws per simulated chunk
_DIRECT_UP_TO = 64  # coefficients: shorter polynomials are multiplied directly
_LATTICE_STEPS = 2**18  # revenue steps up to the total when amounts share no unit
_LATTICE_CELLS = 50_000_000  # deals x longest polynomial; beyond, simulate instead


@frozen(kw_only=True, repr=False)
class ForecastDistribution:
    """The distribution of what the open deals will bring in.

    Attributes:
        expected_revenue: Sum of amount x win probability.
        revenue_std: Standard deviation of revenue.
        expected_deals: Expected number of deals won.
        deal_count_pmf: Probability of winning exactly k deals, k = 0 .. n.
        revenue_p10: Revenue reached or exceeded with 90% probability.
        revenue_p50: Median revenue.
        revenue_p90: Revenue exceeded with only 10% probability.
        target: The revenue target asked about, if any.
        target_probability: Probability that revenue reaches the target.
        method: How the deal counts were computed (`"exact"` or `"simulation"`).
        revenue_method: How the revenue quantiles were computed:
            `"enumeration"` (every outcome, up to 16 deals), `"lattice"` (the
            distribution by convolution: exact for amounts in whole cents of a
            common unit, else with amounts rounded to 1/2**18 of the total)
            or `"simulation"`.
        n_deals: Deals that can close within the horizon.
        correlation: Correlation of the deals' latent scores through the
            common factor (the outcomes' own correlation is lower).

    Examples:
        >>> from crmkit.funnel import forecast_distribution
        >>> fd = forecast_distribution([100.0, 200.0, 300.0], [0.5, 0.5, 0.5])
        >>> fd
        ForecastDistribution(n_deals=3, expected_revenue=300, p10=0, p50=300, p90=600)
        >>> fd.deal_count_pmf.tolist()
        [0.125, 0.375, 0.375, 0.125]
    """

    expected_revenue: float = field()
    revenue_std: float = field()
    expected_deals: float = field()
    deal_count_pmf: FloatArray = array_field()
    revenue_p10: float = field()
    revenue_p50: float = field()
    revenue_p90: float = field()
    target: float | None = field(default=None)
    target_probability: float | None = field(default=None)
    method: str = field(default="exact")
    revenue_method: str = field(default="enumeration")
    n_deals: int = field(default=0)
    correlation: float = field(default=0.0)

    def __repr__(self) -> str:
        return (
            f"ForecastDistribution(n_deals={self.n_deals}, "
            f"expected_revenue={self.expected_revenue:.6g}, p10={self.revenue_p10:.6g}, "
            f"p50={self.revenue_p50:.6g}, p90={self.revenue_p90:.6g})"
        )


def forecast_distribution(
    amounts: ArrayLike,
    win_probabilities: ArrayLike,
    *,
    close_dates: ArrayLike | None = None,
    horizon: date | None = None,
    target: float | None = None,
    method: ForecastMethod = "exact",
    n_simulations: int = 100_000,
    seed: int | np.random.Generator | None = None,
    correlation: float = 0.0,
) -> ForecastDistribution:
    """The distribution of deals won and revenue from open deals.

    Args:
        amounts: Value of each open deal (>= 0).
        win_probabilities: Probability that each deal is won, in [0, 1].
        close_dates: Expected close date of each deal; with *horizon*, deals
            expected to close after it count as not closing in the window.
        horizon: Last day of the forecast window (inclusive).
        target: A revenue target (>= 0): the result says how likely it is.
        method: `"exact"`: the deal-count distribution by convolution
            (Poisson-binomial; mixed over the common factor when correlated),
            revenue quantiles by enumerating every outcome for up to 16 deals,
            beyond that by convolution on a lattice of amounts (by simulation
            when correlated, or when one deal dwarfs the rest so the lattice
            would not fit in memory); `"simulation"`: everything from
            *n_simulations* seeded draws.
        n_simulations: Draws for simulated quantities.
        seed: Seed or generator for the draws (the same seed, the same result).
        correlation: Correlation of the deals' latent scores through one
            common factor (a one-factor Gaussian model; the won / lost
            outcomes themselves correlate less), in
            [0, 1) (at most 0.9 with `method="exact"`).

    Returns:
        The forecast; expected revenue and deals are always exact.

    Raises:
        InvalidInputError: If amounts are negative, probabilities outside
            [0, 1], lengths differ, the target is negative, or only one of
            *close_dates* and *horizon* is given.

    Examples:
        Three deals, each a coin flip:

        >>> from crmkit.funnel import forecast_distribution
        >>> fd = forecast_distribution([100.0, 200.0, 300.0], [0.5, 0.5, 0.5], target=400)
        >>> fd.expected_revenue, float(fd.deal_count_pmf[0]), fd.target_probability
        (300.0, 0.125, 0.375)
    """
    values = v.float_array("amounts", amounts, low=0.0)
    chances = v.float_array("win_probabilities", win_probabilities, low=0.0)
    v.same_length(amounts=values, win_probabilities=chances)
    if (chances > 1).any():
        v.fail_rows("win_probabilities", "within [0, 1]", chances, chances > 1)
    v.check_choice("method", method, ("exact", "simulation"))
    draws = v.check_int("n_simulations", n_simulations, low=100)
    rng = v.random_generator("seed", seed)
    rho = v.check_float("correlation", correlation, low=0.0, high=1.0, high_open=True)
    if method == "exact" and rho > _EXACT_CORRELATION_UP_TO:
        v.fail(
            "correlation",
            f"at most {_EXACT_CORRELATION_UP_TO} for method='exact'",
            rho,
            hint="closer to 1 the outcomes move almost as one; use method='simulation'",
        )
    goal = None if target is None else v.check_float("target", target, low=0.0)
    chances = np.where(_in_window(close_dates, horizon, values.size), chances, 0.0)
    if method == "simulation":
        simulated, won = _simulate(values, chances, rho, draws, rng)
        pmf = np.bincount(won, minlength=values.size + 1) / draws
        revenue, weights, revenue_method = simulated, np.full(draws, 1 / draws), "simulation"
    else:
        pmf = _mixed(chances, rho, _poisson_binomial)
        if values.size <= _ENUMERATE_UP_TO:
            revenue, weights = _enumerated_revenue(values, chances, rho)
            revenue_method = "enumeration"
        elif rho == 0 and (lattice := _lattice(values)) is not None:
            revenue, weights = _lattice_revenue(lattice, chances)
            revenue_method = "lattice"
        else:
            revenue = _simulate(values, chances, rho, draws, rng)[0]
            weights, revenue_method = np.full(draws, 1 / draws), "simulation"
    order = np.argsort(revenue, kind="stable")
    revenue, cumulative = revenue[order], np.cumsum(weights[order])
    return ForecastDistribution(
        expected_revenue=float(values @ chances),
        revenue_std=math.sqrt(float(_revenue_variance(values, chances, rho))),
        expected_deals=float(chances.sum()),
        deal_count_pmf=pmf,
        revenue_p10=_quantile(revenue, cumulative, 0.1),
        revenue_p50=_quantile(revenue, cumulative, 0.5),
        revenue_p90=_quantile(revenue, cumulative, 0.9),
        target=goal,
        target_probability=(
            None
            if goal is None
            else float(np.clip(1 - _below(revenue, cumulative, goal), 0.0, 1.0))
        ),
        method=method,
        revenue_method=revenue_method,
        n_deals=int(np.count_nonzero(chances > 0)),
        correlation=rho,
    )


def _in_window(close_dates: ArrayLike | None, horizon: date | None, n: int) -> NDArray[np.bool_]:
    if (close_dates is None) != (horizon is None):
        v.fail("horizon", "given together with 'close_dates' (both or neither)", horizon)
    if close_dates is None or horizon is None:
        return np.ones(n, dtype=bool)
    if not isinstance(horizon, date):
        v.fail_type("horizon", "a date", horizon)
    days = close_days("close_dates", close_dates, n)
    within: NDArray[np.bool_] = days <= np.datetime64(horizon, "D")
    return within


def _poisson_binomial(p: FloatArray) -> FloatArray:
    """P(k successes) for independent Bernoulli(p_j): the product of (1 - p_j + p_j z).

    The polynomials are multiplied pairwise, all pairs of a level in one
    batched FFT convolution, so n deals take log2(n) numpy passes.
    """
    counts = _product(np.stack([1 - p, p], axis=1) if p.size else np.ones((1, 1)))
    pmf: FloatArray = np.zeros(p.size + 1)
    pmf[: counts.size] = counts[: p.size + 1]
    return pmf


def _product(polys: FloatArray) -> FloatArray:
    """The product of the rows' polynomials as a distribution (clipped, normalised).

    Rows are multiplied pairwise, all pairs of a level in one batched call.
    """
    while polys.shape[0] > 1:
        if polys.shape[0] % 2:
            one = np.zeros((1, polys.shape[1]))
            one[0, 0] = 1.0
            polys = np.vstack([polys, one])
        polys = _multiply(polys[0::2], polys[1::2])
        # Trailing zeros (beyond the reachable total) only cost FFT time.
        polys = polys[:, : int(np.max(np.nonzero(polys.any(axis=0))[0])) + 1]
    product = np.clip(polys[0], 0.0, None)
    result: FloatArray = product / product.sum()
    return result


def _multiply(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise products of polynomials (coefficient arrays of equal length)."""
    if a.shape[1] > _DIRECT_UP_TO:
        product: FloatArray = signal.fftconvolve(a, b, axes=1)
        return product
    # Short polynomials: the direct sum is exact where FFT rounding is not.
    length = a.shape[1]
    product = np.zeros((a.shape[0], 2 * length - 1))
    for i in range(length):
        product[:, i : i + length] += a[:, i : i + 1] * b
    return product


def _factor_probabilities(p: FloatArray, rho: float, factor: Any) -> Any:
    """Win probabilities given the common factor F.

    Phi((Phi^-1(p) - sqrt(rho) F) / sqrt(1 - rho)).
    """
    with np.errstate(divide="ignore"):
        probit = special.ndtri(p)
    return special.ndtr((probit - math.sqrt(rho) * factor) / math.sqrt(1 - rho))


def _mixed(p: FloatArray, rho: float, distribution: Any) -> FloatArray:
    """A distribution over outcomes, averaged over the common factor (Gauss-Hermite)."""
    if rho == 0:
        result: FloatArray = distribution(p)
        return result
    nodes, weights = np.polynomial.hermite_e.hermegauss(_FACTOR_NODES)
    weights = weights / weights.sum()
    mixed: FloatArray = sum(
        w * distribution(_factor_probabilities(p, rho, f))
        for f, w in zip(nodes, weights, strict=True)
    )
    return mixed


def _enumerated_revenue(
    values: FloatArray, p: FloatArray, rho: float
) -> tuple[FloatArray, FloatArray]:
    """Every win/loss outcome of a few deals: its revenue and its probability."""
    outcomes = (np.arange(2**values.size)[:, None] >> np.arange(values.size)[None, :]) & 1
    revenue = outcomes @ values

    def outcome_probability(q: FloatArray) -> FloatArray:
        chances: FloatArray = np.prod(np.where(outcomes == 1, q, 1 - q), axis=1)
        return chances

    return revenue.astype(np.float64), _mixed(p, rho, outcome_probability)


@frozen
class _Lattice:
    """Amounts as whole numbers of one step: exact when they share a unit."""

    step: float
    steps: NDArray[np.int64]


def _lattice(values: FloatArray) -> _Lattice | None:
    """The revenue lattice, or None when it would be too large to convolve.

    Amounts in whole cents share a unit, their greatest common divisor: on it
    every sum is exact. Otherwise the step is 1/2**18 of the total, and sums
    are within half a step per deal of the truth.
    """
    total = float(values.sum())
    if total == 0:
        return _Lattice(step=1.0, steps=np.zeros(values.size, dtype=np.int64))
    cents = np.rint(values * 100)
    if np.allclose(cents, values * 100, rtol=0, atol=1e-6) and cents.max() < 2**53:
        unit = int(np.gcd.reduce(cents.astype(np.int64)))
        steps = (cents // unit).astype(np.int64)
        if steps.sum() <= _LATTICE_STEPS * 16:
            lattice = _Lattice(step=unit / 100, steps=steps)
            return lattice if _small_enough(lattice) else None
    step = total / _LATTICE_STEPS
    lattice = _Lattice(step=step, steps=np.rint(values / step).astype(np.int64))
    return lattice if _small_enough(lattice) else None


def _small_enough(lattice: _Lattice) -> bool:
    # The first convolution level holds every deal at the longest one's length.
    cells = lattice.steps.size * (int(lattice.steps.max()) + 1)
    return cells <= _LATTICE_CELLS


def _lattice_revenue(lattice: _Lattice, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Revenue distribution on the lattice.

    Each deal contributes the polynomial (1 - p) + p z^k with k its amount in
    steps; their product, by the same pairwise products as the deal count, is
    the distribution of revenue in steps.
    """
    steps = lattice.steps
    polys = np.zeros((steps.size, int(steps.max()) + 1))
    polys[:, 0] = 1 - p
    polys[np.arange(steps.size), steps] += p
    pmf = _product(polys)
    revenue = np.arange(pmf.size, dtype=np.float64) * np.float64(lattice.step)
    return revenue, pmf


def _simulate(
    values: FloatArray, p: FloatArray, rho: float, draws: int, rng: np.random.Generator
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Revenue and deals won in each of *draws* simulated quarters, in chunks."""
    with np.errstate(divide="ignore"):
        probit = special.ndtri(p)
    revenue = np.empty(draws)
    won = np.empty(draws, dtype=np.int64)
    chunk = max(1, _DRAW_CELLS // max(values.size, 1))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        factor = rng.standard_normal((size, 1))
        noise = rng.standard_normal((size, values.size))
        wins = math.sqrt(rho) * factor + math.sqrt(1 - rho) * noise < probit
        revenue[start : start + size] = wins @ values
        won[start : start + size] = wins.sum(axis=1)
    return revenue, won


def _revenue_variance(values: FloatArray, p: FloatArray, rho: float) -> float:
    independent = float(np.sum(values**2 * p * (1 - p)))
    if rho == 0:
        return independent
    # Var = E[Var | F] + Var[E | F], both over the common factor.
    nodes, weights = np.polynomial.hermite_e.hermegauss(_FACTOR_NODES)
    weights = weights / weights.sum()
    given = np.array([_factor_probabilities(p, rho, f) for f in nodes])
    within = (given * (1 - given)) @ values**2
    means = given @ values
    between = float(weights @ means**2 - (weights @ means) ** 2)
    return float(weights @ within) + max(between, 0.0)


def _quantile(sorted_revenue: FloatArray, cumulative: FloatArray, q: float) -> float:
    """Smallest revenue whose cumulative probability reaches q."""
    position = int(np.searchsorted(cumulative, q - 1e-12, side="left"))
    return float(sorted_revenue[min(position, sorted_revenue.size - 1)])


def _below(sorted_revenue: FloatArray, cumulative: FloatArray, goal: float) -> float:
    """P(revenue < goal)."""
    position = int(np.searchsorted(sorted_revenue, goal, side="left"))
    return 0.0 if position == 0 else float(cumulative[position - 1])
