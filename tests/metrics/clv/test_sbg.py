"""Shifted-beta-geometric retention (Fader & Hardie 2007, 2010)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import ConvergenceError, InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import (
    ShiftedBetaGeometricFit,
    fit_shifted_beta_geometric,
    simulate_shifted_beta_geometric,
)

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
"""The two cohorts of Fader & Hardie (2007), 'How to project customer retention'."""


def survival_by_product(alpha: float, beta: float, t: int) -> float:
    """Oracle: S(t) as the product of retention rates (beta + i - 1) / (alpha + beta + i - 1)."""
    level = 1.0
    for i in range(1, t + 1):
        level *= (beta + i - 1) / (alpha + beta + i - 1)
    return level


def discounted_sum(alpha: float, beta: float, rate: float, start: int) -> float:
    """Oracle: sum over k >= 1 of S(start + k - 1) / S(start - 1) / (1 + rate)^(k - 1).

    With start = 0 and S(-1) := 1 this is sum over t >= 0 of S(t) / (1 + rate)^t (DEL); with
    start = n it is the residual lifetime after n - 1 renewals (DERL). Terms are summed until
    they no longer matter.
    """
    condition = 1.0 if start == 0 else survival_by_product(alpha, beta, start - 1)
    level = survival_by_product(alpha, beta, start) / condition
    total, k = 0.0, 0
    while True:
        term = level / (1 + rate) ** k
        total += term
        if term < 1e-17 * total:
            return total
        k += 1
        level *= (beta + start + k - 1) / (alpha + beta + start + k - 1)


# --- fit_shifted_beta_geometric -------------------------------------------------------------


class TestFit:
    @pytest.mark.parametrize(
        ("survivors", "expected"),
        [(HIGH_END, (0.668, 3.806)), (REGULAR, (0.704, 1.182))],
    )
    def test_reproduces_the_published_estimates(
        self, survivors: list[int], expected: tuple[float, float]
    ) -> None:
        """The paper's alpha and beta for both cohorts, to its three decimals."""
        fit = fit_shifted_beta_geometric(survivors)

        assert expected == (round(fit.alpha, 3), round(fit.beta, 3))
        assert 1000 == fit.n
        assert fit.converged
        assert fit.n_iter > 0

    def test_log_likelihood_from_the_counts(self) -> None:
        """LL = sum over t of (churned at t) log P(T = t) + (left after 7) log S(7), with
        P(T = t) = S(t - 1) - S(t) and S from the product of retention rates."""
        fit = fit_shifted_beta_geometric(HIGH_END)
        a, b = fit.alpha, fit.beta
        expected = sum(
            (HIGH_END[t - 1] - HIGH_END[t])
            * math.log(survival_by_product(a, b, t - 1) - survival_by_product(a, b, t))
            for t in range(1, 8)
        ) + HIGH_END[7] * math.log(survival_by_product(a, b, 7))

        assert pytest.approx(expected, rel=1e-12) == fit.log_likelihood

    def test_standard_errors_and_intervals(self) -> None:
        """Both parameters have a positive standard error and a log-scale interval around them."""
        fit = fit_shifted_beta_geometric(REGULAR)
        errors = fit.standard_errors

        assert errors is not None
        assert ["alpha", "beta"] == list(errors)
        assert all(value > 0 for value in errors.values())
        for name, (low, high) in fit.parameter_intervals(0.9).items():
            assert 0 < low < fit.params[name] < high

    def test_recovers_simulated_parameters(self) -> None:
        """A simulated cohort of 5,000 over 10 periods recovers alpha and beta within 3 SE."""
        true = {"alpha": 0.7, "beta": 3.8}
        counts = simulate_shifted_beta_geometric(true, n_customers=5000, n_periods=10, seed=4)
        fit = fit_shifted_beta_geometric(counts)
        errors = fit.standard_errors

        assert errors is not None
        for name, value in true.items():
            assert abs(fit.params[name] - value) < 3 * errors[name], name

    def test_json_round_trip(self) -> None:
        """A fitted model, covariance included, survives to_json / from_json."""
        fit = fit_shifted_beta_geometric(HIGH_END)

        assert fit == io.from_json(ShiftedBetaGeometricFit, io.to_json(fit))

    def test_max_iter_one_is_a_convergence_error(self) -> None:
        """One iteration does not converge: ConvergenceError, never a half-fitted model."""
        with pytest.raises(ConvergenceError, match="sBG fit did not converge"):
            fit_shifted_beta_geometric(HIGH_END, max_iter=1)

    @pytest.mark.parametrize(
        ("survivors", "match"),
        [
            ([1000, 869, 900, 653], r"never increasing.*got 900 at index 2 \(1 of 4 rows\)"),
            ([1000, 900, 950, 800, 850], r"got 950 at index 2 \(2 of 5 rows\)"),
            ([1000, 869, -1], r"at least 0; got -1 at index 2"),
            ([1000, 869.5, 743], r"whole numbers.*got 869\.5 at index 1"),
            ([1000, 869], r"at least 3 counts"),
            ([0, 0, 0], r"at least one customer at the start; got 0"),
            ([], r"'survivors'"),
        ],
    )
    def test_bad_survivors_refused(self, survivors: list[Any], match: str) -> None:
        """Increasing, negative, fractional, too few counts and an empty cohort are refused,
        naming 'survivors' (and, for rows, the index and how many are bad)."""
        with pytest.raises(InvalidInputError, match=match) as info:
            fit_shifted_beta_geometric(survivors)
        assert "survivors" == info.value.argument

    def test_scalar_survivors_is_a_type_error(self) -> None:
        """Survivors are a sequence of counts, not one number."""
        refused(fit_shifted_beta_geometric, {"survivors": 1000}, InvalidTypeError, "'survivors'")

    def test_bad_max_iter_refused(self) -> None:
        """max_iter must be at least 1."""
        refused(
            fit_shifted_beta_geometric,
            {"survivors": HIGH_END, "max_iter": 0},
            InvalidInputError,
            "'max_iter'",
        )


# --- ShiftedBetaGeometricFit ----------------------------------------------------------------


class TestPredictions:
    def test_by_hand(self) -> None:
        """alpha = 2, beta = 3: r(t) = (2 + t) / (4 + t) gives 3/5, 4/6, 5/7; S(t) = 12 / ((3 + t)
        (4 + t)) gives 1, 0.6, 0.4, 2/7; E[lifetime] = (2 + 3 - 1) / (2 - 1) = 4, which is also
        sum over t >= 0 of 12 (1/(3 + t) - 1/(4 + t)) = 12/3."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=2.0, beta=3.0)

        assert pytest.approx([3 / 5, 4 / 6, 5 / 7]) == fit.retention_rate([1, 2, 3]).tolist()
        assert pytest.approx([1.0, 0.6, 0.4, 2 / 7]) == fit.survival([0, 1, 2, 3]).tolist()
        assert 4.0 == fit.expected_lifetime()

    def test_docstring_values(self) -> None:
        """The high-end cohort's published curve: S(1..3) = 0.851, 0.747, 0.67; S(7) = 0.489;
        r(1, 2, 10) = 0.851, 0.878, 0.95; DEL(10%) = 5.923; DERL(10%) = 5.415, 6.897."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)

        assert [0.851, 0.747, 0.67] == fit.survival([1, 2, 3]).round(3).tolist()
        assert 0.489 == round(fit.survival(7), 3)
        assert [0.851, 0.878, 0.95] == fit.retention_rate([1, 2, 10]).round(3).tolist()
        assert 5.923 == round(fit.discounted_expected_lifetime(0.1), 3)
        assert [5.415, 6.897] == fit.discounted_expected_lifetime(0.1, renewals=[0, 4]).round(
            3
        ).tolist()

    @settings(max_examples=100, deadline=None)
    @given(alpha=st.floats(0.05, 20), beta=st.floats(0.05, 20), t=st.integers(0, 60))
    def test_survival_is_the_product_of_retention_rates(
        self, alpha: float, beta: float, t: int
    ) -> None:
        """S(t) = B(alpha, beta + t) / B(alpha, beta) = r(1) r(2) ... r(t), and falls with t."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=alpha, beta=beta)
        rates = [fit.retention_rate(i) for i in range(1, t + 1)]

        assert pytest.approx(survival_by_product(alpha, beta, t), rel=1e-9) == fit.survival(t)
        assert pytest.approx(math.prod(rates), rel=1e-9) == fit.survival(t)
        assert fit.survival(t + 1) < fit.survival(t) <= 1.0

    @settings(max_examples=100, deadline=None)
    @given(alpha=st.floats(0.05, 20), beta=st.floats(0.05, 20), t=st.integers(1, 200))
    def test_retention_rate_formula_and_rising(self, alpha: float, beta: float, t: int) -> None:
        """r(t) = (beta + t - 1) / (alpha + beta + t - 1), in (0, 1), rising with t (the loyal
        remain)."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=alpha, beta=beta)

        assert pytest.approx((beta + t - 1) / (alpha + beta + t - 1)) == fit.retention_rate(t)
        assert 0 < fit.retention_rate(t) < fit.retention_rate(t + 1) < 1

    @pytest.mark.parametrize(
        ("alpha", "beta", "expected"),
        [(3.0, 2.0, 2.0), (1.5, 0.5, 2.0), (1.0, 3.0, math.inf), (0.668, 3.806, math.inf)],
    )
    def test_expected_lifetime(self, alpha: float, beta: float, expected: float) -> None:
        """(alpha + beta - 1) / (alpha - 1) for alpha > 1: (3 + 2 - 1)/2 = 2, (1.5 + 0.5 - 1)/0.5
        = 2; infinite for alpha <= 1."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=alpha, beta=beta)

        assert expected == fit.expected_lifetime()

    @settings(max_examples=60, deadline=None)
    @given(alpha=st.floats(0.1, 10), beta=st.floats(0.1, 10), rate=st.floats(0.05, 1.0))
    def test_discounted_expected_lifetime_is_the_sum(
        self, alpha: float, beta: float, rate: float
    ) -> None:
        """DEL(d) = sum over t >= 0 of S(t) / (1 + d)^t: the first payment undiscounted; at
        least 1 and finite even when alpha <= 1."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=alpha, beta=beta)
        value = fit.discounted_expected_lifetime(rate)

        assert isinstance(value, float)
        assert pytest.approx(discounted_sum(alpha, beta, rate, 0), rel=1e-9) == value
        assert 1.0 <= value <= (1 + rate) / rate

    @settings(max_examples=60, deadline=None)
    @given(
        alpha=st.floats(0.1, 10),
        beta=st.floats(0.1, 10),
        rate=st.floats(0.05, 1.0),
        renewals=st.integers(0, 30),
    )
    def test_residual_lifetime_is_the_sum(
        self, alpha: float, beta: float, rate: float, renewals: int
    ) -> None:
        """DERL after n - 1 renewals = sum over k >= 1 of S(n - 1 + k) / S(n - 1) / (1 + d)^(k-1):
        the next renewal, made with probability r(n), counts undiscounted."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=alpha, beta=beta)
        n = renewals + 1
        value = fit.discounted_expected_lifetime(rate, renewals=renewals)

        assert isinstance(value, float)
        assert pytest.approx(discounted_sum(alpha, beta, rate, n), rel=1e-9) == value

    def test_residual_after_no_renewal_from_del(self) -> None:
        """With no renewal yet, DERL = (DEL - 1) (1 + d): the same payments one period on,
        without the sure first one."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)
        del_ = fit.discounted_expected_lifetime(0.1)

        assert pytest.approx((del_ - 1) * 1.1) == fit.discounted_expected_lifetime(0.1, renewals=0)

    def test_arrays_in_arrays_out(self) -> None:
        """Arrays give read-only arrays; scalars give floats."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=2.0, beta=3.0)
        survival = fit.survival([0, 1])
        residual = fit.discounted_expected_lifetime(0.1, renewals=[0, 1])

        assert isinstance(fit.survival(1), float)
        assert isinstance(fit.retention_rate(1), float)
        assert not survival.flags.writeable
        assert (2,) == residual.shape

    @pytest.mark.parametrize(
        ("method", "kwargs", "match"),
        [
            ("survival", {"t": -1}, "'t'"),
            ("retention_rate", {"t": 0}, "'t'"),
            ("discounted_expected_lifetime", {"discount_rate": 0.0}, "'discount_rate'"),
            ("discounted_expected_lifetime", {"discount_rate": -0.1}, "'discount_rate'"),
            ("discounted_expected_lifetime", {"discount_rate": 0.1, "renewals": -1}, "'renewals'"),
            (
                "discounted_expected_lifetime",
                {"discount_rate": 0.1, "renewals": 1.5},
                "'renewals'",
            ),
        ],
    )
    def test_bad_prediction_input_refused(
        self, method: str, kwargs: dict[str, Any], match: str
    ) -> None:
        """Negative times, t = 0 for a retention rate, non-positive discount rates and
        negative or fractional renewals are refused."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=2.0, beta=3.0)

        refused(getattr(fit, method), kwargs, InvalidInputError, match)

    def test_from_params(self) -> None:
        """from_params keeps alpha and beta; both must be positive."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)

        assert "ShiftedBetaGeometricFit(alpha=0.668, beta=3.806)" == repr(fit)
        assert fit.standard_errors is None
        refused(
            ShiftedBetaGeometricFit.from_params,
            {"alpha": 0.0, "beta": 1.0},
            InvalidInputError,
            "'alpha'",
        )


# --- simulate_shifted_beta_geometric --------------------------------------------------------


class TestSimulate:
    def test_counts_start_at_cohort_and_never_rise(self) -> None:
        """n_periods + 1 counts, starting at n_customers, never increasing, read-only, seeded."""
        counts = simulate_shifted_beta_geometric(
            {"alpha": 0.7, "beta": 3.8}, n_customers=1000, n_periods=7, seed=0
        )

        assert 8 == counts.size
        assert 1000 == counts[0]
        assert (np.diff(counts) <= 0).all()
        assert not counts.flags.writeable
        assert (
            counts.tolist()
            == simulate_shifted_beta_geometric(
                {"alpha": 0.7, "beta": 3.8}, n_customers=1000, n_periods=7, seed=0
            ).tolist()
        )

    def test_survival_curve_matches_simulation(self) -> None:
        """The share left after t periods is within 4 binomial SE of S(t) (customers are
        independent, so the share's variance is S (1 - S) / n)."""
        fit = ShiftedBetaGeometricFit.from_params(alpha=0.668, beta=3.806)
        counts = simulate_shifted_beta_geometric(fit, n_customers=20_000, n_periods=12, seed=1)
        expected = np.asarray(fit.survival(np.arange(13)))
        spread = 4 * np.sqrt(expected * (1 - expected) / 20_000) + 1e-12

        assert (np.abs(counts / 20_000 - expected) <= spread).all()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"fit_or_params": {"alpha": 1.0}}, InvalidInputError, "'fit_or_params'"),
            ({"fit_or_params": {"alpha": 1.0, "beta": -2.0}}, InvalidInputError, "'beta'"),
            ({"fit_or_params": 3.0}, InvalidTypeError, "'fit_or_params'"),
            ({"n_customers": 0}, InvalidInputError, "'n_customers'"),
            ({"n_periods": 0}, InvalidInputError, "'n_periods'"),
        ],
    )
    def test_bad_simulation_input_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Bad parameters and sizes are refused naming the argument."""
        call_kwargs = {
            "fit_or_params": {"alpha": 1.0, "beta": 2.0},
            "n_customers": 10,
            "n_periods": 3,
            **kwargs,
        }

        refused(simulate_shifted_beta_geometric, call_kwargs, error, match)
