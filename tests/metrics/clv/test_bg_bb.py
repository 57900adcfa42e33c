"""BG/BB: discrete opportunities with dropout (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import ConvergenceError, InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import BgBbFit, SimulatedOpportunities, fit_bg_bb, simulate_bg_bb

DONATIONS = [
    (6, 6, 1203),
    (5, 6, 728),
    (4, 6, 512),
    (3, 6, 357),
    (2, 6, 234),
    (1, 6, 129),
    (5, 5, 335),
    (4, 5, 284),
    (3, 5, 225),
    (2, 5, 173),
    (1, 5, 119),
    (4, 4, 240),
    (3, 4, 181),
    (2, 4, 155),
    (1, 4, 78),
    (3, 3, 322),
    (2, 3, 255),
    (1, 3, 129),
    (2, 2, 613),
    (1, 2, 277),
    (1, 1, 1091),
    (0, 0, 3464),
]
"""Fader, Hardie & Shang (2010): 11,104 donors, six opportunities, (frequency, recency, count)."""

PAPER = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
"""The paper's maximum-likelihood estimates for the donations."""

ONES = {"alpha": 1.0, "beta": 1.0, "gamma": 1.0, "delta": 1.0}
"""Uniform p and theta: every moment is a simple fraction (E[p^k] = 1 / (k + 1))."""


def log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def paths(params: dict[str, float], length: int) -> Iterator[tuple[int, tuple[int, ...], float]]:
    """Oracle: every path over *length* opportunities, with its probability.

    A path is alive for L opportunities (dying before opportunity L + 1 when L < length) and
    buys in the pattern given for opportunities 1..L. Given p and theta its probability is
    p^k (1-p)^(L-k) * theta (1-theta)^L (or (1-theta)^length when alive throughout); p and
    theta are independent, so the expectation over the priors is a product of beta moments.
    """
    a, b, g, d = params["alpha"], params["beta"], params["gamma"], params["delta"]
    for alive in range(length + 1):
        if alive < length:
            drop = math.exp(log_beta(g + 1, d + alive) - log_beta(g, d))
        else:
            drop = math.exp(log_beta(g, d + length) - log_beta(g, d))
        for pattern in itertools.product((0, 1), repeat=alive):
            k = sum(pattern)
            buy = math.exp(log_beta(a + k, b + alive - k) - log_beta(a, b))
            yield alive, pattern, buy * drop


def history(pattern: tuple[int, ...], n: int) -> tuple[int, int]:
    """Frequency and recency of the first *n* opportunities of a purchase pattern."""
    first = pattern[:n]
    bought = [i + 1 for i, flag in enumerate(first) if flag]
    return len(bought), (bought[-1] if bought else 0)


def brute_force(params: dict[str, float], x: int, t_x: int, n: int, t: int) -> tuple[float, float]:
    """Oracle: (P(alive at n + 1), E[purchases in n+1..n+t]) given the history, by enumeration."""
    evidence = alive_next = future = 0.0
    for alive, pattern, weight in paths(params, n + t):
        if history(pattern, n) != (x, t_x):
            continue
        evidence += weight
        alive_next += weight * (alive >= n + 1)
        future += weight * sum(pattern[n:])
    return alive_next / evidence, future / evidence


def histories(max_n: int) -> st.SearchStrategy[tuple[int, int, int]]:
    """Valid (frequency, recency, n_periods): x <= t_x <= n, x = 0 exactly when t_x = 0."""
    return st.integers(1, max_n).flatmap(
        lambda n: st.integers(0, n).flatmap(
            lambda t_x: st.tuples(st.integers(min(1, t_x), t_x), st.just(t_x), st.just(n))
        )
    )


shapes = st.floats(0.2, 5.0)
params_strategy = st.fixed_dictionaries(
    {
        "alpha": shapes,
        "beta": shapes,
        "gamma": st.one_of(shapes, st.just(1.0)),
        "delta": shapes,
    }
)
"""BG/BB parameters, including gamma = 1 exactly (the digamma limit)."""


@pytest.fixture(scope="module")
def donations() -> BgBbFit:
    """The BG/BB fit of the donations data."""
    x, t_x, count = zip(*DONATIONS, strict=True)
    return fit_bg_bb(x, t_x, [6] * len(DONATIONS), weights=count)


# --- fit_bg_bb ----------------------------------------------------------------------------


class TestFit:
    def test_reproduces_the_published_estimates(self, donations: BgBbFit) -> None:
        """The donations fit gives the paper's alpha, beta, gamma, delta (to 3 d.p.) and LL (to
        1 d.p.)."""
        assert PAPER == {name: round(value, 3) for name, value in donations.params.items()}
        assert -33225.6 == round(donations.log_likelihood, 1)

    def test_diagnostics(self, donations: BgBbFit) -> None:
        """n counts the donors (the weights), not the rows; AIC = 2*4 - 2 LL; SEs are positive."""
        assert 11104 == donations.n
        assert donations.converged
        assert donations.n_iter > 0
        assert pytest.approx(8 - 2 * donations.log_likelihood) == donations.aic
        assert pytest.approx(4 * math.log(11104) - 2 * donations.log_likelihood) == donations.bic
        errors = donations.standard_errors
        assert errors is not None
        assert list(PAPER) == list(errors)
        assert all(0 < value < 1 for value in errors.values())
        assert donations.period_days is None

    def test_log_likelihood_matches_path_enumeration(self, donations: BgBbFit) -> None:
        """The reported LL equals the sum over donors of log P(their exact sequence), where
        P(x, t_x) is summed over all paths and shared by the C(t_x - 1, x - 1) sequences."""
        joint: dict[tuple[int, int], float] = {}
        for _, pattern, weight in paths(dict(donations.params), 6):
            key = history(pattern, 6)
            joint[key] = joint.get(key, 0.0) + weight
        expected = sum(
            count * math.log(joint[(x, t_x)] / (math.comb(t_x - 1, x - 1) if x else 1))
            for x, t_x, count in DONATIONS
        )

        assert pytest.approx(1.0) == sum(joint.values())
        assert pytest.approx(expected, rel=1e-10) == donations.log_likelihood

    def test_weights_equal_repeated_rows(self, donations: BgBbFit) -> None:
        """Fitting every donor as its own row gives the weighted fit."""
        x = [row[0] for row in DONATIONS for _ in range(row[2])]
        t_x = [row[1] for row in DONATIONS for _ in range(row[2])]
        fit = fit_bg_bb(x, t_x, [6] * len(x))

        assert pytest.approx(list(donations.params.values()), rel=1e-9) == list(
            fit.params.values()
        )
        assert pytest.approx(donations.log_likelihood, rel=1e-12) == fit.log_likelihood
        assert donations.n == fit.n

    def test_zero_weights_drop_rows(self) -> None:
        """A row with weight 0 is as if it were absent."""
        x, t_x, count = zip(*DONATIONS, strict=True)
        with_extra = fit_bg_bb(
            [*x, 3], [*t_x, 3], [6] * (len(x) + 1), weights=[*count, 0], period="W"
        )
        without = fit_bg_bb(x, t_x, [6] * len(x), weights=count)

        assert pytest.approx(list(without.params.values()), rel=1e-9) == list(
            with_extra.params.values()
        )
        assert 7.0 == with_extra.period_days

    def test_recovers_simulated_parameters(self) -> None:
        """Fitting 5,000 simulated customers recovers each parameter within 3 SE."""
        true = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
        sample = simulate_bg_bb(true, n_customers=5000, n_periods=6, seed=1)
        fit = fit_bg_bb(sample.frequency, sample.recency, sample.n_periods)
        errors = fit.standard_errors

        assert errors is not None
        for name, value in true.items():
            assert abs(fit.params[name] - value) < 3 * errors[name], name

    def test_max_iter_one_is_a_convergence_error(self) -> None:
        """An optimiser stopped after one iteration raises ConvergenceError, never a bad fit."""
        x, t_x, count = zip(*DONATIONS, strict=True)
        with pytest.raises(ConvergenceError, match="BG/BB fit did not converge") as info:
            fit_bg_bb(x, t_x, [6] * len(x), weights=count, max_iter=1)
        assert 1 == info.value.n_iter

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"frequency": [1, 3], "recency": [1, 2], "n_periods": [6, 6]}, "'frequency'"),
            ({"frequency": [1, 2], "recency": [1, 7], "n_periods": [6, 6]}, "'recency'"),
            ({"frequency": [0, 1], "recency": [2, 1], "n_periods": [6, 6]}, "'recency'"),
            ({"frequency": [1, 1], "recency": [1, 2.5], "n_periods": [6, 6]}, "'recency'"),
            ({"frequency": [1, -1], "recency": [1, 1], "n_periods": [6, 6]}, "'frequency'"),
            ({"frequency": [1, 1], "recency": [1, 1], "n_periods": [6, 0]}, "'n_periods'"),
            ({"frequency": [1, 1], "recency": [1, 1], "n_periods": [6, 6, 6]}, "'n_periods'"),
            (
                {"frequency": [1, 1], "recency": [1, 1], "n_periods": [6, 6], "weights": [1]},
                "'weights'",
            ),
            (
                {"frequency": [1, 1], "recency": [1, 1], "n_periods": [6, 6], "weights": [0, 0]},
                "'weights'",
            ),
            (
                {"frequency": [1, 1], "recency": [1, 1], "n_periods": [6, 6], "weights": [1, -1]},
                "'weights'",
            ),
            (
                {"frequency": [1, 1], "recency": [1, 1], "n_periods": [6, 6], "max_iter": 0},
                "'max_iter'",
            ),
        ],
    )
    def test_bad_input_refused(self, kwargs: dict[str, Any], match: str) -> None:
        """Impossible histories, lengths, weights and options raise naming the argument."""
        refused(fit_bg_bb, kwargs, InvalidInputError, match)

    def test_unknown_period_refused(self) -> None:
        """A period other than "D", "W" or a positive number of days is refused."""
        x, t_x, count = zip(*DONATIONS, strict=True)
        kwargs = {"frequency": x, "recency": t_x, "n_periods": [6] * len(x), "weights": count}

        refused(fit_bg_bb, {**kwargs, "period": "M"}, InvalidInputError, "'period'")
        refused(fit_bg_bb, {**kwargs, "period": 0}, InvalidInputError, "'period'")

    def test_bad_row_names_index_and_count(self) -> None:
        """The message names the first bad row and how many rows are bad."""
        match = r"got 4\.0 at index 1 \(2 of 3 rows\)"
        with pytest.raises(InvalidInputError, match=match) as info:
            fit_bg_bb([1, 4, 5], [1, 3, 4], [6, 6, 6])
        assert 1 == info.value.index
        assert "frequency" == info.value.argument

    def test_scalar_history_is_a_type_error(self) -> None:
        """A fit needs one row per customer, not a single number."""
        refused(
            fit_bg_bb,
            {"frequency": 1, "recency": 1, "n_periods": 6},
            InvalidTypeError,
            "'frequency'",
        )


# --- BgBbFit predictions ------------------------------------------------------------------


class TestPredictions:
    def test_uniform_priors_by_hand(self) -> None:
        """With alpha = beta = gamma = delta = 1 (E[p^k] = E[(1-theta)^k] = 1/(k+1)):
        P(X(1) = 1) = E[p] E[1-theta] = 1/4; P(X(2) = 2) = E[p^2] E[(1-theta)^2] = 1/9;
        P(X(2) = 1) = 2 E[p(1-p)] E[(1-theta)^2] + E[p] E[theta(1-theta)] = 2/18 + 1/12 = 7/36;
        P(X(2) = 0) = 25/36; E[X(2)] = 2/9 + 7/36 = 5/12 = 1/2 * (1/2 + 1/3)."""
        fit = BgBbFit.from_params(**ONES)

        assert pytest.approx([0.75, 0.25]) == fit.probability_of_purchases([0, 1], 1).tolist()
        assert (
            pytest.approx([25 / 36, 7 / 36, 1 / 9])
            == fit.probability_of_purchases([0, 1, 2], 2).tolist()
        )
        assert pytest.approx(5 / 12) == fit.expected_purchases_new_customer(2)

    def test_conditional_predictions_by_hand(self) -> None:
        """Uniform priors, bought at opportunity 1 of 2 (x=1, t_x=1, n=2). L = E[p(1-p)]
        E[(1-theta)^2] + E[p] E[theta(1-theta)] = 1/18 + 1/12 = 5/36. Alive at 3:
        E[p(1-p)] E[(1-theta)^3] / L = (1/24) / (5/36) = 0.3. Next opportunity's purchases:
        E[p^2(1-p)] E[(1-theta)^3] / L = (1/12 * 1/4) / (5/36) = 0.15."""
        fit = BgBbFit.from_params(**ONES)

        assert pytest.approx(0.3) == fit.probability_alive(frequency=1, recency=1, n_periods=2)
        assert pytest.approx(0.15) == fit.expected_purchases(
            1, frequency=1, recency=1, n_periods=2
        )

    def test_paper_history_matches_enumeration(self) -> None:
        """Paper parameters, 3 gifts by year 4 of 6: P(alive in year 7) and the expected gifts
        in years 7-10 equal the enumeration over all 2,047 paths of 10 opportunities."""
        fit = BgBbFit.from_params(**PAPER)
        alive, future = brute_force(PAPER, 3, 4, 6, 4)

        assert pytest.approx(alive, rel=1e-10) == fit.probability_alive(
            frequency=3, recency=4, n_periods=6
        )
        assert pytest.approx(future, rel=1e-10) == fit.expected_purchases(
            4, frequency=3, recency=4, n_periods=6
        )

    @settings(max_examples=40, deadline=None)
    @given(params=params_strategy, customer=histories(4), t=st.integers(1, 3))
    def test_conditional_predictions_match_enumeration(
        self, params: dict[str, float], customer: tuple[int, int, int], t: int
    ) -> None:
        """For any parameters and history, P(alive) and expected purchases are the posterior
        averages over all paths of n + t opportunities."""
        x, t_x, n = customer
        fit = BgBbFit.from_params(**params)
        alive, future = brute_force(params, x, t_x, n, t)

        assert pytest.approx(alive, rel=1e-8) == fit.probability_alive(
            frequency=x, recency=t_x, n_periods=n
        )
        assert pytest.approx(future, rel=1e-8, abs=1e-12) == fit.expected_purchases(
            t, frequency=x, recency=t_x, n_periods=n
        )

    @settings(max_examples=60, deadline=None)
    @given(params=params_strategy, customer=histories(20), t=st.integers(1, 20))
    def test_predictions_in_range(
        self, params: dict[str, float], customer: tuple[int, int, int], t: int
    ) -> None:
        """P(alive) is in [0, 1]; expected purchases are in [0, t] and grow with t."""
        x, t_x, n = customer
        fit = BgBbFit.from_params(**params)
        alive = fit.probability_alive(frequency=x, recency=t_x, n_periods=n)
        now = fit.expected_purchases(t, frequency=x, recency=t_x, n_periods=n)
        later = fit.expected_purchases(t + 1, frequency=x, recency=t_x, n_periods=n)

        assert 0.0 <= alive <= 1.0
        assert 0.0 <= now <= later <= t + 1
        assert now <= t

    @settings(max_examples=60, deadline=None)
    @given(params=params_strategy, t=st.integers(1, 30))
    def test_new_customer_equals_explicit_sum(self, params: dict[str, float], t: int) -> None:
        """E[X(t)] = sum over k = 1..t of E[p] P(alive at k), P(alive at k) = B(g, d+k)/B(g, d),
        and it is at most t E[p]."""
        a, b, g, d = params["alpha"], params["beta"], params["gamma"], params["delta"]
        expected = sum(
            a / (a + b) * math.exp(log_beta(g, d + k) - log_beta(g, d)) for k in range(1, t + 1)
        )
        value = BgBbFit.from_params(**params).expected_purchases_new_customer(t)

        assert pytest.approx(expected, rel=1e-9) == value
        assert value <= t * a / (a + b) * (1 + 1e-12)

    @settings(max_examples=60, deadline=None)
    @given(params=params_strategy, t=st.integers(0, 25))
    def test_probability_of_purchases_is_a_distribution(
        self, params: dict[str, float], t: int
    ) -> None:
        """P(X(t) = n) over n = 0..t is non-negative, sums to 1, has mean E[X(t)], and is 0
        beyond t."""
        fit = BgBbFit.from_params(**params)
        probabilities = np.asarray(fit.probability_of_purchases(np.arange(t + 2), t))

        assert (probabilities >= 0).all()
        assert 0.0 == probabilities[-1]
        assert pytest.approx(1.0, abs=1e-9) == probabilities.sum()
        assert pytest.approx(fit.expected_purchases_new_customer(t), abs=1e-9) == float(
            probabilities @ np.arange(t + 2)
        )

    @pytest.mark.parametrize("t", [1, 6, 20])
    def test_gamma_one_limit_is_continuous(self, t: int) -> None:
        """At gamma = 1 the digamma limit lies between gamma = 1 - 1e-6 and 1 + 1e-6 (the
        prediction falls as gamma grows) and within 1e-5 of both."""
        history_ = {"frequency": 3, "recency": 4, "n_periods": 6}
        values = []
        for gamma in (1 - 1e-6, 1.0, 1 + 1e-6):
            fit = BgBbFit.from_params(alpha=1.2, beta=0.75, gamma=gamma, delta=2.8)
            values.append(
                (fit.expected_purchases_new_customer(t), fit.expected_purchases(t, **history_))
            )

        for below, at, above in zip(*values, strict=True):
            assert below > at > above
            assert below - above < 1e-5

    def test_gamma_one_new_customer_by_hand(self) -> None:
        """At gamma = 1, P(alive at k) = B(1, d+k)/B(1, d) = d/(d+k): with alpha = 1, beta = 3,
        delta = 2, E[X(3)] = 1/4 * (2/3 + 2/4 + 2/5) = 1/4 * 47/30 = 47/120."""
        fit = BgBbFit.from_params(alpha=1.0, beta=3.0, gamma=1.0, delta=2.0)

        assert pytest.approx(47 / 120, rel=1e-12) == fit.expected_purchases_new_customer(3)

    def test_docstring_values(self) -> None:
        """The class examples: E[X(5)] = 1.938, E[X(6)] = 2.22 for a new donor; (3, 4, 6) has
        P(alive) 0.439; a donor with 6 of 6 expects 3.752 gifts in the next 5 years."""
        fit = BgBbFit.from_params(**PAPER)

        assert 1.938 == round(fit.expected_purchases_new_customer(5), 3)
        assert 2.22 == round(fit.expected_purchases_new_customer(6), 3)
        assert 0.439 == round(fit.probability_alive(frequency=3, recency=4, n_periods=6), 3)
        assert 3.752 == round(fit.expected_purchases(5, frequency=6, recency=6, n_periods=6), 3)

    def test_arrays_in_arrays_out(self) -> None:
        """Arrays give read-only arrays, elementwise equal to the scalar calls; t broadcasts."""
        fit = BgBbFit.from_params(**PAPER)
        x, t_x = np.array([0, 2, 6]), np.array([0, 5, 6])
        values = fit.expected_purchases([1, 2, 3], frequency=x, recency=t_x, n_periods=6)

        assert isinstance(values, np.ndarray)
        assert not values.flags.writeable
        assert (
            pytest.approx(
                [
                    fit.expected_purchases(t, frequency=int(a), recency=int(b), n_periods=6)
                    for t, a, b in zip([1, 2, 3], x, t_x, strict=True)
                ]
            )
            == values.tolist()
        )
        assert isinstance(fit.probability_alive(frequency=1, recency=1, n_periods=2), float)

    def test_probability_of_purchases_beyond_horizon_is_zero(self) -> None:
        """More purchases than opportunities is impossible: P(X(1) = 2) = 0."""
        fit = BgBbFit.from_params(**PAPER)

        assert 0.0 == fit.probability_of_purchases(2, 1)

    @pytest.mark.parametrize(
        ("method", "kwargs", "match"),
        [
            ("expected_purchases", {"t": 1.5}, "'t'"),
            ("expected_purchases", {"t": [1, 2, 3]}, "'frequency'"),
            ("expected_purchases", {"t": 1, "recency": 7}, "'recency'"),
            ("probability_alive", {"frequency": 5}, "'frequency'"),
            ("probability_alive", {"n_periods": 0, "recency": 0, "frequency": 0}, "'n_periods'"),
        ],
    )
    def test_bad_prediction_input_refused(
        self, method: str, kwargs: dict[str, Any], match: str
    ) -> None:
        """Non-whole horizons, mismatched lengths and impossible histories are refused."""
        fit = BgBbFit.from_params(**PAPER)
        call_kwargs = {"frequency": [2, 3], "recency": [4, 4], "n_periods": 6, **kwargs}

        refused(getattr(fit, method), call_kwargs, InvalidInputError, match)


# --- intervals ----------------------------------------------------------------------------


class TestIntervals:
    @pytest.mark.parametrize("method", ["delta", "bootstrap"])
    def test_interval_contains_prediction(self, donations: BgBbFit, method: str) -> None:
        """low <= expected purchases <= high, elementwise, for both methods."""
        x, t_x = np.array([0, 2, 6]), np.array([0, 5, 6])
        value = np.asarray(donations.expected_purchases(5, frequency=x, recency=t_x, n_periods=6))
        low, high = donations.expected_purchases_interval(
            5, frequency=x, recency=t_x, n_periods=6, method=method, n_draws=200, seed=0
        )

        assert (np.asarray(low) <= value).all()
        assert (value <= np.asarray(high)).all()
        assert (np.asarray(low) < np.asarray(high)).all()

    def test_bootstrap_is_seeded(self, donations: BgBbFit) -> None:
        """The same seed gives the same bootstrap interval."""
        kwargs: dict[str, Any] = {
            "frequency": 3,
            "recency": 5,
            "n_periods": 6,
            "method": "bootstrap",
            "n_draws": 100,
        }

        assert donations.expected_purchases_interval(
            5, seed=7, **kwargs
        ) == donations.expected_purchases_interval(5, seed=7, **kwargs)

    def test_parameter_intervals_bracket_estimates(self, donations: BgBbFit) -> None:
        """Each parameter lies strictly inside its (positive) 95% interval."""
        for name, (low, high) in donations.parameter_intervals().items():
            assert 0 < low < donations.params[name] < high

    def test_known_parameters_have_no_interval(self) -> None:
        """A model made from known parameters has no covariance: asking for an interval is
        refused naming 'fit'."""
        fit = BgBbFit.from_params(**PAPER)

        assert fit.standard_errors is None
        refused(
            fit.expected_purchases_interval,
            {"t": 1, "frequency": 1, "recency": 1, "n_periods": 6},
            InvalidInputError,
            "'fit'",
        )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"method": "exact"}, "'method'"),
            ({"n_draws": 5}, "'n_draws'"),
            ({"confidence": 1.0}, "'confidence'"),
        ],
    )
    def test_bad_interval_options_refused(
        self, donations: BgBbFit, kwargs: dict[str, Any], match: str
    ) -> None:
        """Unknown methods, too few draws and confidence outside (0, 1) are refused."""
        call_kwargs = {"t": 1, "frequency": 1, "recency": 1, "n_periods": 6, **kwargs}

        refused(donations.expected_purchases_interval, call_kwargs, InvalidInputError, match)


# --- simulate_bg_bb and from_params ---------------------------------------------------------


class TestSimulate:
    def test_histories_are_consistent(self) -> None:
        """Simulated customers have x <= t_x <= n, t_x = 0 exactly when x = 0, and the same
        seed gives the same customers."""
        sample = simulate_bg_bb(PAPER, n_customers=2000, n_periods=6, seed=3)
        again = simulate_bg_bb(PAPER, n_customers=2000, n_periods=6, seed=3)

        assert isinstance(sample, SimulatedOpportunities)
        assert 2000 == len(sample)
        assert (sample.frequency <= sample.recency).all()
        assert (sample.recency <= sample.n_periods).all()
        assert ((sample.recency == 0) == (sample.frequency == 0)).all()
        assert (6 == sample.n_periods).all()
        assert sample.frequency.tolist() == again.frequency.tolist()
        assert sample.recency.tolist() == again.recency.tolist()

    def test_mean_frequency_matches_new_customer_prediction(self) -> None:
        """The mean of 20,000 simulated frequencies over 6 opportunities is within 4 SE of
        expected_purchases_new_customer(6)."""
        fit = BgBbFit.from_params(**PAPER)
        sample = simulate_bg_bb(fit, n_customers=20_000, n_periods=6, seed=11)
        error = sample.frequency.std() / math.sqrt(20_000)

        assert abs(fit.expected_purchases_new_customer(6) - sample.frequency.mean()) < 4 * error

    def test_frequency_distribution_matches_probability_of_purchases(self) -> None:
        """The share of simulated customers with each frequency 0..6 is within 4 binomial SE
        of probability_of_purchases."""
        fit = BgBbFit.from_params(**PAPER)
        sample = simulate_bg_bb(fit, n_customers=20_000, n_periods=6, seed=12)
        shares = np.bincount(sample.frequency, minlength=7) / 20_000
        probabilities = np.asarray(fit.probability_of_purchases(np.arange(7), 6))

        assert pytest.approx(1.0) == probabilities.sum()
        spread = 4 * np.sqrt(probabilities * (1 - probabilities) / 20_000)
        assert (np.abs(shares - probabilities) < spread).all()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"fit_or_params": {"alpha": 1.0}}, InvalidInputError, "'fit_or_params'"),
            ({"fit_or_params": {**PAPER, "r": 1.0}}, InvalidInputError, "'fit_or_params'"),
            ({"fit_or_params": {**PAPER, "alpha": -1.0}}, InvalidInputError, "'alpha'"),
            ({"fit_or_params": [1.0, 1.0, 1.0, 1.0]}, InvalidTypeError, "'fit_or_params'"),
            ({"n_customers": 0}, InvalidInputError, "'n_customers'"),
            ({"n_periods": 0}, InvalidInputError, "'n_periods'"),
            ({"seed": -1}, InvalidInputError, "'seed'"),
        ],
    )
    def test_bad_simulation_input_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Missing, unknown or non-positive parameters and bad sizes are refused."""
        call_kwargs = {"fit_or_params": PAPER, "n_customers": 10, "n_periods": 6, **kwargs}

        refused(simulate_bg_bb, call_kwargs, error, match)

    def test_from_params(self) -> None:
        """from_params keeps the parameters, knows its period, and round-trips through JSON."""
        fit = BgBbFit.from_params(**PAPER, period="W")

        assert PAPER == dict(fit.params)
        assert 7.0 == fit.period_days
        assert fit.log_likelihood is None
        assert not fit.converged
        assert "BgBbFit(alpha=1.204, beta=0.75, gamma=0.657, delta=2.783)" == repr(fit)
        assert fit == io.from_json(BgBbFit, io.to_json(fit))

    def test_fitted_repr(self, donations: BgBbFit) -> None:
        """A fitted model's repr adds n and the log-likelihood."""
        assert (
            "BgBbFit(alpha=1.204, beta=0.7497, gamma=0.6567, delta=2.783, n=11104, "
            "log_likelihood=-33225.6)"
        ) == repr(donations)

    @pytest.mark.parametrize("name", ["alpha", "beta", "gamma", "delta"])
    @pytest.mark.parametrize("value", [0.0, -1.0, math.inf])
    def test_from_params_refuses_non_positive(self, name: str, value: float) -> None:
        """Every parameter must be a finite number above 0."""
        refused(BgBbFit.from_params, {**PAPER, name: value}, InvalidInputError, f"'{name}'")
