"""Gamma-Gamma: spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from tests.assertions import refused

from crmkit import io
from crmkit.errors import ConvergenceError, InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import GammaGammaFit, fit_gamma_gamma, simulate_gamma_gamma

TRUE = {"p": 6.0, "q": 4.0, "gamma": 15.0}
"""Simulation parameters: mean spend p gamma / (q - 1) = 6 * 15 / 3 = 30."""


def log_density(p: float, q: float, gamma: float, x: int, m: float, nu: float) -> float:
    """Log of f(m | nu) g(nu): the mean of x Gamma(p, rate nu) spends is Gamma(p x, rate x nu);
    nu is Gamma(q, rate gamma)."""
    return (
        p * x * math.log(x * nu)
        + (p * x - 1) * math.log(m)
        - x * nu * m
        - math.lgamma(p * x)
        + q * math.log(gamma)
        + (q - 1) * math.log(nu)
        - gamma * nu
        - math.lgamma(q)
    )


def by_quadrature(params: dict[str, float], x: int, m: float) -> tuple[float, float]:
    """Oracle: (log marginal density of m, posterior mean of p / nu), integrating over nu."""
    p, q, gamma = params["p"], params["q"], params["gamma"]
    # Scale by the integrand at the posterior mode of nu so quad sees numbers near 1.
    mode = (p * x + q - 1) / (gamma + x * m)
    shift = log_density(p, q, gamma, x, m, mode)

    def weight(nu: float) -> float:
        return math.exp(log_density(p, q, gamma, x, m, nu) - shift)

    evidence = integrate.quad(weight, 0, np.inf, epsabs=0, epsrel=1e-11, limit=200)[0]
    numerator = integrate.quad(
        lambda nu: p / nu * weight(nu), 0, np.inf, epsabs=0, epsrel=1e-11, limit=200
    )[0]
    return math.log(evidence) + shift, numerator / evidence


@pytest.fixture(scope="module")
def simulated() -> tuple[np.ndarray, np.ndarray, GammaGammaFit]:
    """4,000 repeat buyers (1 to 9 purchases) drawn from TRUE, and their fit."""
    frequency = np.random.default_rng(100).integers(1, 10, size=4000)
    spend = simulate_gamma_gamma(TRUE, frequency=frequency, seed=0)
    return frequency, spend, fit_gamma_gamma(frequency, spend)


# --- GammaGammaFit predictions --------------------------------------------------------------


class TestSpend:
    def test_mean_spend_by_hand(self) -> None:
        """p gamma / (q - 1): 2 * 10 / (3 - 1) = 10; the docstring's 6.25 * 15.44 / 2.74 =
        35.22."""
        assert pytest.approx(10.0) == GammaGammaFit.from_params(p=2, q=3, gamma=10).mean_spend
        assert 35.22 == round(GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44).mean_spend, 2)

    def test_conditional_spend_by_hand(self) -> None:
        """p (gamma + x m) / (p x + q - 1): x=2, m=25 gives 2 (10 + 50) / (4 + 3 - 1) = 20;
        x=1, m=4 gives 2 * 14 / 4 = 7; the docstring's 6.25 * 115.44 / 33.99 = 21.227."""
        fit = GammaGammaFit.from_params(p=2, q=3, gamma=10)

        assert pytest.approx(20.0) == fit.conditional_expected_spend(
            frequency=2, monetary_value=25.0
        )
        assert (
            pytest.approx([20.0, 7.0])
            == fit.conditional_expected_spend(
                frequency=[2, 1], monetary_value=[25.0, 4.0]
            ).tolist()
        )
        paper = GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44)
        value = paper.conditional_expected_spend(frequency=5, monetary_value=20.0)
        assert 21.227 == round(value, 3)

    def test_no_repeat_purchases_gives_the_mean(self) -> None:
        """With frequency 0 the monetary value is ignored and the answer is mean_spend."""
        fit = GammaGammaFit.from_params(p=2, q=3, gamma=10)

        assert (
            pytest.approx([10.0, 10.0])
            == fit.conditional_expected_spend(
                frequency=[0, 0], monetary_value=[0.0, 99.0]
            ).tolist()
        )

    @pytest.mark.parametrize(("x", "m"), [(1, 12.0), (4, 45.0), (9, 3.5)])
    def test_conditional_spend_is_the_posterior_mean(self, x: int, m: float) -> None:
        """The closed form equals E[p / nu | x, m] by numerical integration over nu."""
        params = {"p": 6.25, "q": 3.74, "gamma": 15.44}
        fit = GammaGammaFit.from_params(**params)

        assert pytest.approx(by_quadrature(params, x, m)[1], rel=1e-8) == (
            fit.conditional_expected_spend(frequency=x, monetary_value=m)
        )

    @settings(max_examples=100, deadline=None)
    @given(
        p=st.floats(0.1, 20),
        q=st.floats(1.01, 20),
        gamma=st.floats(0.1, 500),
        x=st.integers(1, 200),
        m=st.floats(0.01, 1e4),
    )
    def test_conditional_spend_between_mean_and_own_average(
        self, p: float, q: float, gamma: float, x: int, m: float
    ) -> None:
        """The posterior mean is a weighted average of mean_spend and m, with weight
        p x / (p x + q - 1) on m."""
        fit = GammaGammaFit.from_params(p=p, q=q, gamma=gamma)
        value = fit.conditional_expected_spend(frequency=x, monetary_value=m)
        weight = p * x / (p * x + q - 1)

        assert pytest.approx(weight * m + (1 - weight) * fit.mean_spend, rel=1e-9) == value
        low, high = sorted((m, fit.mean_spend))
        assert low * (1 - 1e-12) <= value <= high * (1 + 1e-12)

    @pytest.mark.parametrize("q", [1.0, 0.8])
    def test_mean_spend_without_finite_mean_refused(self, q: float) -> None:
        """q <= 1: no finite mean spend; refused naming 'q' with a hint, never negative."""
        fit = GammaGammaFit.from_params(p=2, q=q, gamma=10)

        with pytest.raises(InvalidInputError, match="no finite mean") as info:
            _ = fit.mean_spend
        assert "q" == info.value.argument
        refused(
            fit.conditional_expected_spend,
            {"frequency": [0, 3], "monetary_value": [0.0, 5.0]},
            InvalidInputError,
            "'q' must be greater than 1 - p \\* frequency",
        )

    def test_conditional_spend_needs_p_x_plus_q_above_one(self) -> None:
        """p = 0.1, q = 0.5: with x = 2, p x + q = 0.7 <= 1 is refused (the bound 1 - 0.2 =
        0.8 is shown); with x = 6, p x + q = 1.1 gives 0.1 (10 + 6 * 5) / 0.1 = 40."""
        fit = GammaGammaFit.from_params(p=0.1, q=0.5, gamma=10)

        with pytest.raises(InvalidInputError, match=r"\(here 0\.8\); got 0\.5") as info:
            fit.conditional_expected_spend(frequency=[2, 6], monetary_value=[5.0, 5.0])
        assert "q" == info.value.argument
        assert pytest.approx(40.0) == fit.conditional_expected_spend(
            frequency=6, monetary_value=5.0
        )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"frequency": [1, 2], "monetary_value": [5.0, 0.0]}, "'monetary_value'"),
            ({"frequency": [1, 2], "monetary_value": [5.0, -1.0]}, "'monetary_value'"),
            ({"frequency": [1, 2], "monetary_value": [5.0]}, "'monetary_value'"),
            ({"frequency": [1, 2.5], "monetary_value": [5.0, 5.0]}, "'frequency'"),
            ({"frequency": [1, -2], "monetary_value": [5.0, 5.0]}, "'frequency'"),
        ],
    )
    def test_bad_spend_input_refused(self, kwargs: dict[str, Any], match: str) -> None:
        """Non-positive spend of a repeat buyer, mismatched lengths and bad counts are refused."""
        fit = GammaGammaFit.from_params(**TRUE)

        refused(fit.conditional_expected_spend, kwargs, InvalidInputError, match)

    def test_from_params(self) -> None:
        """from_params keeps the parameters, has no diagnostics and round-trips through JSON."""
        fit = GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44)

        assert {"p": 6.25, "q": 3.74, "gamma": 15.44} == dict(fit.params)
        assert "GammaGammaFit(p=6.25, q=3.74, gamma=15.44)" == repr(fit)
        assert fit.standard_errors is None
        assert fit.log_likelihood is None
        assert fit == io.from_json(GammaGammaFit, io.to_json(fit))
        refused(GammaGammaFit.from_params, {**TRUE, "q": 0}, InvalidInputError, "'q'")


# --- fit_gamma_gamma ------------------------------------------------------------------------


class TestFit:
    def test_recovers_simulated_parameters(
        self, simulated: tuple[np.ndarray, np.ndarray, GammaGammaFit]
    ) -> None:
        """Each of p, q, gamma is within 3 standard errors of the truth; n counts the buyers."""
        _, _, fit = simulated
        errors = fit.standard_errors

        assert 4000 == fit.n
        assert errors is not None
        for name, value in TRUE.items():
            assert abs(fit.params[name] - value) < 3 * errors[name], name

    def test_log_likelihood_by_quadrature(self) -> None:
        """The fit's LL is the sum of log densities of each mean spend, integrating over nu."""
        frequency = [1, 2, 3, 5, 8, 1, 4, 2, 6, 3]
        spend = simulate_gamma_gamma(TRUE, frequency=frequency, seed=2)
        fit = fit_gamma_gamma(frequency, spend)
        expected = sum(
            by_quadrature(dict(fit.params), x, float(m))[0]
            for x, m in zip(frequency, spend, strict=True)
        )

        assert pytest.approx(expected, rel=1e-9) == fit.log_likelihood

    def test_fit_is_a_maximum(self) -> None:
        """Moving any parameter 1% either way lowers the log-likelihood (by quadrature)."""
        frequency = [1, 2, 3, 5, 8, 1, 4, 2, 6, 3, 2, 2]
        spend = simulate_gamma_gamma(TRUE, frequency=frequency, seed=4)
        fit = fit_gamma_gamma(frequency, spend)

        def total(params: dict[str, float]) -> float:
            pairs = zip(frequency, spend, strict=True)
            return sum(by_quadrature(params, x, float(m))[0] for x, m in pairs)

        best = total(dict(fit.params))
        for name in fit.params:
            for factor in (0.99, 1.01):
                assert total({**fit.params, name: fit.params[name] * factor}) < best

    def test_customers_without_repeat_purchases_are_skipped(
        self, simulated: tuple[np.ndarray, np.ndarray, GammaGammaFit]
    ) -> None:
        """Adding customers with frequency 0 (spend 0) changes nothing; n stays the buyers."""
        frequency, spend, fit = simulated
        padded = fit_gamma_gamma(
            np.concatenate([frequency, np.zeros(500, dtype=int)]),
            np.concatenate([spend, np.zeros(500)]),
        )

        assert fit.n == padded.n
        assert pytest.approx(list(fit.params.values()), rel=1e-9) == list(padded.params.values())
        assert pytest.approx(fit.log_likelihood, rel=1e-12) == padded.log_likelihood

    def test_weights_equal_repeated_rows(self) -> None:
        """Three distinct customers with weights 3, 1, 2 fit as the six rows they stand for."""
        weighted = fit_gamma_gamma([1, 4, 2, 3], [10.0, 30.0, 22.0, 17.0], weights=[3, 1, 2, 1])
        repeated = fit_gamma_gamma(
            [1, 1, 1, 4, 2, 2, 3], [10.0, 10.0, 10.0, 30.0, 22.0, 22.0, 17.0]
        )

        assert 7 == weighted.n == repeated.n
        assert pytest.approx(list(repeated.params.values()), rel=1e-9) == list(
            weighted.params.values()
        )

    def test_interval_contains_prediction(
        self, simulated: tuple[np.ndarray, np.ndarray, GammaGammaFit]
    ) -> None:
        """Both methods give low <= conditional spend <= high; the bootstrap is seeded."""
        _, _, fit = simulated
        kwargs: dict[str, Any] = {"frequency": [0, 1, 8], "monetary_value": [0.0, 12.0, 50.0]}
        value = np.asarray(fit.conditional_expected_spend(**kwargs))
        for method in ("delta", "bootstrap"):
            low, high = fit.conditional_expected_spend_interval(
                **kwargs, method=method, n_draws=200, seed=1
            )
            assert (np.asarray(low) <= value).all()
            assert (value <= np.asarray(high)).all()
        first = fit.conditional_expected_spend_interval(**kwargs, method="bootstrap", seed=3)
        second = fit.conditional_expected_spend_interval(**kwargs, method="bootstrap", seed=3)
        assert np.array_equal(first, second)

    def test_bootstrap_interval_never_negative(self) -> None:
        """A fit with q near 1 (here q = 1.22, SE 0.17) draws some q <= 1 in the bootstrap,
        where a new customer's spend p gamma / (q - 1) has no finite mean. Spend is positive,
        so the interval must be too: no percentile of the formula's negative values at q < 1."""
        frequency = np.random.default_rng(2).integers(1, 4, size=150)
        spend = simulate_gamma_gamma(
            {"p": 3.0, "q": 1.5, "gamma": 10.0}, frequency=frequency, seed=2
        )
        fit = fit_gamma_gamma(frequency, spend)
        low, high = fit.conditional_expected_spend_interval(
            frequency=[0, 1], monetary_value=[0.0, 20.0], method="bootstrap", seed=0
        )

        assert 1.22 == round(fit.q, 2)
        assert fit.mean_spend > 0
        assert (np.asarray(low) > 0).all()
        assert (np.asarray(low) <= np.asarray(high)).all()

    def test_known_parameters_have_no_interval(self) -> None:
        """An interval needs a covariance, so from_params models are refused naming 'fit'."""
        refused(
            GammaGammaFit.from_params(**TRUE).conditional_expected_spend_interval,
            {"frequency": 1, "monetary_value": 10.0},
            InvalidInputError,
            "'fit'",
        )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"frequency": [1, 2, 3], "monetary_value": [5.0, 0.0, 2.0]}, "'monetary_value'"),
            ({"frequency": [1, 2, 3], "monetary_value": [5.0, 1.0]}, "'monetary_value'"),
            ({"frequency": [0, 0], "monetary_value": [0.0, 0.0]}, "'frequency'"),
            ({"frequency": [1, 2], "monetary_value": [5.0, 1.0], "weights": [0, 0]}, "'weights'"),
            ({"frequency": [1, 2], "monetary_value": [5.0, 1.0], "max_iter": 0}, "'max_iter'"),
        ],
    )
    def test_bad_fit_input_refused(self, kwargs: dict[str, Any], match: str) -> None:
        """Non-positive spend of a repeat buyer, mismatched lengths, no repeat buyers at all
        and bad options raise InvalidInputError naming the argument."""
        refused(fit_gamma_gamma, kwargs, InvalidInputError, match)

    def test_bad_spend_names_index_and_count(self) -> None:
        """The message gives the first bad row's index and how many rows are bad."""
        with pytest.raises(InvalidInputError, match=r"at index 2 \(2 of 4 rows\)") as info:
            fit_gamma_gamma([0, 1, 2, 3], [0.0, 5.0, 0.0, -0.0])
        assert 2 == info.value.index

    def test_scalar_input_is_a_type_error(self) -> None:
        """A fit needs one row per customer."""
        refused(
            fit_gamma_gamma,
            {"frequency": 3, "monetary_value": 5.0},
            InvalidTypeError,
            "'frequency'",
        )

    def test_max_iter_one_is_a_convergence_error(
        self, simulated: tuple[np.ndarray, np.ndarray, GammaGammaFit]
    ) -> None:
        """One iteration is not enough: ConvergenceError, never a silent bad fit."""
        frequency, spend, _ = simulated
        with pytest.raises(ConvergenceError, match="Gamma-Gamma fit did not converge"):
            fit_gamma_gamma(frequency, spend, max_iter=1)


# --- simulate_gamma_gamma -------------------------------------------------------------------


class TestSimulate:
    def test_zero_where_no_repeat_purchases(self) -> None:
        """Customers with frequency 0 get 0; others a positive spend; output is read-only."""
        spend = simulate_gamma_gamma(TRUE, frequency=[0, 1, 5, 0], seed=0)

        assert [0.0, 0.0] == [spend[0], spend[3]]
        assert (spend[1:3] > 0).all()
        assert not spend.flags.writeable

    def test_seeded(self) -> None:
        """The same seed gives the same spends."""
        first = simulate_gamma_gamma(TRUE, frequency=[1, 2, 3], seed=9)

        assert first.tolist() == simulate_gamma_gamma(TRUE, frequency=[1, 2, 3], seed=9).tolist()

    def test_average_spend_matches_mean_spend(self) -> None:
        """Single purchases average p gamma / (q - 1) = 30 within 4 SE (q = 4 > 2, so the
        variance is finite)."""
        spend = simulate_gamma_gamma(TRUE, frequency=np.ones(40_000, dtype=int), seed=8)
        error = spend.std() / math.sqrt(spend.size)

        assert abs(30.0 - spend.mean()) < 4 * error

    def test_accepts_a_fit(self) -> None:
        """A GammaGammaFit works as the parameters."""
        fit = GammaGammaFit.from_params(**TRUE)

        assert np.array_equal(
            simulate_gamma_gamma(TRUE, frequency=[2, 3], seed=1),
            simulate_gamma_gamma(fit, frequency=[2, 3], seed=1),
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"fit_or_params": {"p": 1.0, "q": 2.0}}, InvalidInputError, "'fit_or_params'"),
            ({"fit_or_params": {**TRUE, "p": 0.0}}, InvalidInputError, "'p'"),
            ({"fit_or_params": "p=1"}, InvalidTypeError, "'fit_or_params'"),
            ({"frequency": [1, -1]}, InvalidInputError, "'frequency'"),
            ({"frequency": [1.5]}, InvalidInputError, "'frequency'"),
        ],
    )
    def test_bad_simulation_input_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Bad parameters and frequencies are refused naming the argument."""
        refused(
            simulate_gamma_gamma,
            {"fit_or_params": TRUE, "frequency": [1, 2], **kwargs},
            error,
            match,
        )
