"""Forecast distribution: Poisson-binomial deal counts, revenue quantiles, correlation."""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import ForecastDistribution, forecast_distribution

AMOUNTS = [100.0, 200.0, 300.0]
COIN_FLIPS = [0.5, 0.5, 0.5]
"""The issue's example: three deals, each won with probability 1/2."""

probabilities = st.floats(0.0, 1.0, allow_nan=False)


def enumerate_outcomes(
    amounts: list[float], p: list[float]
) -> tuple[list[float], list[float], list[int]]:
    """Oracle: every win/loss outcome with its revenue, probability and deals won."""
    revenue, weight, won = [], [], []
    for outcome in itertools.product([0, 1], repeat=len(p)):
        revenue.append(sum(a for a, o in zip(amounts, outcome, strict=True) if o))
        weight.append(math.prod(q if o else 1 - q for q, o in zip(p, outcome, strict=True)))
        won.append(sum(outcome))
    return revenue, weight, won


def simulation_tolerance(p: np.ndarray, draws: int) -> np.ndarray:
    """Five standard errors of a simulated probability, plus a floor for p near 0."""
    return 5 * np.sqrt(p * (1 - p) / draws) + 5 / draws


# --- contract and hand-checked numbers ----------------------------------------------------


class TestExact:
    def test_issue_contract_numbers(self) -> None:
        """Expected revenue 0.5 * (100 + 200 + 300) = 300; P(no deal) = 0.5^3 = 0.125."""
        fd = forecast_distribution(AMOUNTS, COIN_FLIPS, method="exact")

        assert isinstance(fd, ForecastDistribution)
        assert 300.0 == pytest.approx(fd.expected_revenue, abs=1e-9)
        assert 0.125 == pytest.approx(fd.deal_count_pmf[0], abs=1e-12)

    def test_deal_count_pmf_by_hand(self) -> None:
        """Three coin flips: k wins with probability C(3, k) / 8 = 1/8, 3/8, 3/8, 1/8."""
        fd = forecast_distribution(AMOUNTS, COIN_FLIPS)

        assert pytest.approx([0.125, 0.375, 0.375, 0.125], abs=1e-12) == fd.deal_count_pmf
        assert 1.5 == fd.expected_deals
        assert 3 == fd.n_deals

    def test_revenue_std_by_hand(self) -> None:
        """Var = sum a^2 p (1 - p) = (10000 + 40000 + 90000) * 0.25 = 35000."""
        fd = forecast_distribution(AMOUNTS, COIN_FLIPS)

        assert pytest.approx(math.sqrt(35_000), rel=1e-12) == fd.revenue_std

    def test_revenue_quantiles_by_hand(self) -> None:
        """Outcomes 0, 100, 200, 300, 300, 400, 500, 600 each 1/8; CDF 1/8, 2/8, 3/8, 5/8
        (at 300), 6/8, 7/8, 1: the smallest value whose CDF reaches 0.1 is 0, 0.5 is 300,
        0.9 is 600 (7/8 = 0.875 < 0.9)."""
        fd = forecast_distribution(AMOUNTS, COIN_FLIPS)

        assert (0.0, 300.0, 600.0) == (fd.revenue_p10, fd.revenue_p50, fd.revenue_p90)
        assert "enumeration" == fd.revenue_method
        assert (
            "ForecastDistribution(n_deals=3, expected_revenue=300, p10=0, p50=300, p90=600)"
            == repr(fd)
        )

    @pytest.mark.parametrize(
        ("target", "expected"),
        [
            (0.0, 1.0),  # every outcome reaches 0
            (300.0, 0.625),  # 300, 300, 400, 500, 600: 5/8
            (400.0, 0.375),  # 400, 500, 600: 3/8
            (550.0, 0.125),  # only 600: 1/8
            (601.0, 0.0),  # nothing reaches it
        ],
    )
    def test_target_probability_by_hand(self, target: float, expected: float) -> None:
        """P(revenue >= target) counts the eighths of outcomes at or above the target."""
        fd = forecast_distribution(AMOUNTS, COIN_FLIPS, target=target)

        assert target == fd.target
        assert pytest.approx(expected, abs=1e-12) == fd.target_probability

    def test_no_target_no_probability(self) -> None:
        """Without a target both target fields are None."""
        fd = forecast_distribution(AMOUNTS, COIN_FLIPS)

        assert (None, None) == (fd.target, fd.target_probability)

    def test_certain_and_impossible_deals(self) -> None:
        """p = 1 and p = 0: revenue is 100 for sure; the p = 0 deal cannot close."""
        fd = forecast_distribution([100.0, 50.0], [1.0, 0.0], target=100)

        assert pytest.approx([0.0, 1.0, 0.0], abs=1e-12) == fd.deal_count_pmf
        assert (100.0, 100.0, 100.0) == (fd.revenue_p10, fd.revenue_p50, fd.revenue_p90)
        assert 0.0 == fd.revenue_std
        assert 1.0 == fd.target_probability
        assert 1 == fd.n_deals

    @settings(max_examples=50, deadline=None)
    @given(st.lists(probabilities, min_size=1, max_size=8))
    def test_pmf_matches_brute_force(self, p: list[float]) -> None:
        """The deal-count pmf equals the sum over all 2^n outcomes of their probabilities."""
        _, weight, won = enumerate_outcomes([1.0] * len(p), p)
        expected = np.bincount(won, weights=weight, minlength=len(p) + 1)

        actual = forecast_distribution([1.0] * len(p), p).deal_count_pmf

        assert pytest.approx(expected.tolist(), abs=1e-12) == actual.tolist()

    @settings(max_examples=50, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 1000).map(float), probabilities), min_size=1, max_size=10
        ),
        st.integers(0, 5000).map(float),
    )
    def test_quantiles_and_target_match_brute_force(
        self, deals: list[tuple[float, float]], target: float
    ) -> None:
        """Quantiles are the smallest enumerated revenue whose CDF reaches q; the target
        probability is the total weight of outcomes at or above the target."""
        amounts, p = [a for a, _ in deals], [q for _, q in deals]
        revenue, weight, _ = enumerate_outcomes(amounts, p)
        order = np.argsort(revenue, kind="stable")
        cdf = np.cumsum(np.array(weight)[order])
        ordered = np.array(revenue)[order]

        def quantile(q: float) -> float:
            return float(ordered[min(np.searchsorted(cdf, q - 1e-12), len(cdf) - 1)])

        fd = forecast_distribution(amounts, p, target=target)

        assert (quantile(0.1), quantile(0.5), quantile(0.9)) == (
            fd.revenue_p10,
            fd.revenue_p50,
            fd.revenue_p90,
        )
        expected = sum(w for r, w in zip(revenue, weight, strict=True) if r >= target)
        assert pytest.approx(expected, abs=1e-9) == fd.target_probability

    @settings(max_examples=50, deadline=None)
    @given(st.lists(probabilities, min_size=1, max_size=200))
    def test_pmf_sums_to_one_with_mean_sum_p(self, p: list[float]) -> None:
        """The pmf is a distribution: non-negative, sums to 1, mean sum(p)."""
        pmf = forecast_distribution(np.ones(len(p)), p).deal_count_pmf

        assert len(p) + 1 == pmf.size
        assert (pmf >= 0).all()
        assert pytest.approx(1.0, abs=1e-9) == pmf.sum()
        assert pytest.approx(sum(p), abs=1e-8) == float(np.arange(pmf.size) @ pmf)

    def test_ten_thousand_deals_moments(self) -> None:
        """n = 10,000: mean of the pmf is sum(p) to 1e-9 relative, variance sum p (1 - p)."""
        p = np.random.default_rng(7).uniform(0.0, 1.0, 10_000)
        k = np.arange(10_001)

        pmf = forecast_distribution(np.full(10_000, 10.0), p, method="exact").deal_count_pmf
        mean = float(k @ pmf)

        assert pytest.approx(float(p.sum()), rel=1e-9) == mean
        assert pytest.approx(float(p @ (1 - p)), rel=1e-6) == float((k - mean) ** 2 @ pmf)
        assert (
            pytest.approx(float(p.sum()), rel=1e-12)
            == forecast_distribution(np.ones(10_000), p).expected_deals
        )


# --- revenue methods ----------------------------------------------------------------------


class TestRevenueMethods:
    def test_revenue_method_values(self) -> None:
        """Up to 16 deals are enumerated, more go on the lattice (or are simulated when
        correlated); method='simulation' simulates everything."""
        p16, p17 = [0.3] * 16, [0.3] * 17

        assert "enumeration" == forecast_distribution([1.0] * 16, p16).revenue_method
        assert "lattice" == forecast_distribution([1.0] * 17, p17).revenue_method
        assert (
            "simulation"
            == forecast_distribution([1.0] * 17, p17, correlation=0.2, seed=1).revenue_method
        )
        sim = forecast_distribution([1.0] * 3, [0.3] * 3, method="simulation", seed=1)
        assert ("simulation", "simulation") == (sim.method, sim.revenue_method)
        assert "exact" == forecast_distribution([1.0], [0.3]).method

    def test_lattice_agrees_with_simulation(self) -> None:
        """40 deals of random sizes: lattice quantiles and target probability are within
        simulation error of 400,000 seeded draws."""
        rng = np.random.default_rng(11)
        amounts = rng.uniform(1_000, 50_000, 40)
        p = rng.uniform(0.05, 0.95, 40)
        target = float(amounts @ p)

        lattice = forecast_distribution(amounts, p, target=target)
        sim = forecast_distribution(
            amounts, p, target=target, method="simulation", n_simulations=400_000, seed=3
        )

        assert "lattice" == lattice.revenue_method
        for q in ("revenue_p10", "revenue_p50", "revenue_p90"):
            assert pytest.approx(getattr(sim, q), abs=0.02 * lattice.revenue_std) == getattr(
                lattice, q
            )
        assert sim.target_probability is not None
        assert pytest.approx(sim.target_probability, abs=0.005) == lattice.target_probability

    def test_lattice_target_on_an_achievable_sum(self) -> None:
        """17 deals of 100 at p = 1/2: P(revenue >= 900) = P(k >= 9) = 1/2 by symmetry
        (17 is odd), and P(revenue >= 1700) = 2^-17; the lattice must not round the amounts
        below the target."""
        fd = forecast_distribution([100.0] * 17, [0.5] * 17, target=900)
        top = forecast_distribution([100.0] * 17, [0.5] * 17, target=1700)

        assert pytest.approx(0.5, abs=1e-9) == fd.target_probability
        assert pytest.approx(0.5**17, rel=1e-6) == top.target_probability
        assert 800.0 == pytest.approx(fd.revenue_p50, abs=1e-6)  # P(k <= 8) = 1/2

    def test_lattice_all_zero_amounts(self) -> None:
        """Zero amounts: revenue is 0 whatever happens."""
        fd = forecast_distribution(np.zeros(20), np.full(20, 0.5), target=0)

        assert (0.0, 0.0, 0.0) == (fd.revenue_p10, fd.revenue_p50, fd.revenue_p90)
        assert 1.0 == fd.target_probability


# --- simulation ---------------------------------------------------------------------------


class TestSimulation:
    def test_same_seed_same_result(self) -> None:
        """Two runs with seed 5 give identical pmfs and quantiles."""
        kwargs: dict[str, Any] = {"method": "simulation", "n_simulations": 2_000, "seed": 5}
        a = forecast_distribution(AMOUNTS * 4, [0.3] * 12, target=900, **kwargs)
        b = forecast_distribution(AMOUNTS * 4, [0.3] * 12, target=900, **kwargs)

        assert a.deal_count_pmf.tolist() == b.deal_count_pmf.tolist()
        assert (a.revenue_p10, a.revenue_p50, a.revenue_p90, a.target_probability) == (
            b.revenue_p10,
            b.revenue_p50,
            b.revenue_p90,
            b.target_probability,
        )

    def test_generator_seed_accepted(self) -> None:
        """A numpy Generator works as a seed and gives the same draws as its integer seed."""
        a = forecast_distribution(AMOUNTS, COIN_FLIPS, method="simulation", seed=9)
        b = forecast_distribution(
            AMOUNTS, COIN_FLIPS, method="simulation", seed=np.random.default_rng(9)
        )

        assert a.deal_count_pmf.tolist() == b.deal_count_pmf.tolist()

    def test_different_seeds_differ(self) -> None:
        """Seeds 1 and 2 give different simulated pmfs."""
        kwargs: dict[str, Any] = {"method": "simulation", "n_simulations": 2_000}
        a = forecast_distribution(AMOUNTS * 4, [0.3] * 12, seed=1, **kwargs)
        b = forecast_distribution(AMOUNTS * 4, [0.3] * 12, seed=2, **kwargs)

        assert a.deal_count_pmf.tolist() != b.deal_count_pmf.tolist()

    def test_pmf_close_to_exact(self) -> None:
        """200,000 draws: each simulated P(k) within 5 standard errors of the exact value;
        expected revenue and std stay exact."""
        p = np.random.default_rng(4).uniform(0.0, 1.0, 12)
        amounts = np.arange(1.0, 13.0) * 100
        exact = forecast_distribution(amounts, p)

        sim = forecast_distribution(amounts, p, method="simulation", n_simulations=200_000, seed=8)

        gap = np.abs(sim.deal_count_pmf - exact.deal_count_pmf)
        assert (gap <= simulation_tolerance(exact.deal_count_pmf, 200_000)).all()
        assert exact.expected_revenue == sim.expected_revenue
        assert exact.revenue_std == sim.revenue_std
        assert pytest.approx(1.0) == sim.deal_count_pmf.sum()


# --- correlation --------------------------------------------------------------------------


class TestCorrelation:
    AMOUNTS = (500.0, 1_000.0, 2_000.0, 750.0, 1_500.0, 300.0)
    P = (0.1, 0.4, 0.7, 0.25, 0.55, 0.9)

    def test_expected_values_unchanged(self) -> None:
        """Each deal keeps its own win probability, so the means do not move with rho."""
        base = forecast_distribution(self.AMOUNTS, self.P)
        for rho in (0.2, 0.5, 0.8):
            fd = forecast_distribution(self.AMOUNTS, self.P, correlation=rho)

            assert pytest.approx(base.expected_revenue, rel=1e-12) == fd.expected_revenue
            assert pytest.approx(base.expected_deals, rel=1e-12) == fd.expected_deals
            assert pytest.approx(base.expected_deals, rel=1e-9) == float(
                np.arange(7) @ fd.deal_count_pmf
            )
            assert rho == fd.correlation

    def test_std_grows_with_correlation(self) -> None:
        """Positive correlation adds covariance: revenue_std strictly increases in rho,
        starting from the independent sqrt(sum a^2 p (1 - p))."""
        stds = [
            forecast_distribution(self.AMOUNTS, self.P, correlation=rho).revenue_std
            for rho in (0.0, 0.1, 0.3, 0.6, 0.9)
        ]
        a, p = np.array(self.AMOUNTS), np.array(self.P)

        assert pytest.approx(math.sqrt(float(a**2 @ (p * (1 - p)))), rel=1e-12) == stds[0]
        assert all(lo < hi for lo, hi in itertools.pairwise(stds))

    @pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
    def test_two_coin_flips_match_sheppard(self, rho: float) -> None:
        """Two deals at p = 1/2 with latent correlation rho: by Sheppard's formula
        P(both lost) = P(both won) = 1/4 + asin(rho) / (2 pi), so P(one) = 1/2 - asin(rho) / pi
        and Var(count) = 2 * 1/4 + 2 * asin(rho) / (2 pi) (the covariance term)."""
        both = 0.25 + math.asin(rho) / (2 * math.pi)
        # rho = 0.9: asin = 1.1197695, both = 0.25 + 0.1782168 = 0.4282168.

        fd = forecast_distribution([1.0, 1.0], [0.5, 0.5], correlation=rho)

        assert pytest.approx([both, 1 - 2 * both, both], abs=1e-6) == fd.deal_count_pmf.tolist()
        assert pytest.approx(math.sqrt(0.5 + math.asin(rho) / math.pi), rel=1e-6) == (
            fd.revenue_std
        )

    def test_near_one_correlation_needs_simulation(self) -> None:
        """Above 0.9 the exact factor integral is refused (its integrand is a near-step),
        and the simulation still matches Sheppard's formula within sampling error."""
        both = 0.25 + math.asin(0.99) / (2 * math.pi)

        refused(
            forecast_distribution,
            {"amounts": [1.0, 1.0], "win_probabilities": [0.5, 0.5], "correlation": 0.99},
            InvalidInputError,
            "'correlation' must",
        )
        fd = forecast_distribution(
            [1.0, 1.0], [0.5, 0.5], correlation=0.99, method="simulation", n_simulations=200_000
        )

        # standard error of a share near 0.48 over 200,000 draws: ~0.0011
        assert abs(fd.deal_count_pmf[2] - both) < 0.006

    def test_correlated_pmf_agrees_with_simulation(self) -> None:
        """The Gauss-Hermite mixture of Poisson-binomials is within 5 standard errors of
        200,000 correlated draws for every k."""
        exact = forecast_distribution(self.AMOUNTS, self.P, correlation=0.5)
        sim = forecast_distribution(
            self.AMOUNTS,
            self.P,
            correlation=0.5,
            method="simulation",
            n_simulations=200_000,
            seed=12,
        )

        gap = np.abs(sim.deal_count_pmf - exact.deal_count_pmf)
        assert (gap <= simulation_tolerance(exact.deal_count_pmf, 200_000)).all()
        assert pytest.approx(1.0, abs=1e-9) == exact.deal_count_pmf.sum()

    def test_correlation_spreads_the_count(self) -> None:
        """Ten deals at p = 1/2: correlation makes 0 and 10 wins far likelier than 2^-10."""
        independent = forecast_distribution(np.ones(10), np.full(10, 0.5))
        correlated = forecast_distribution(np.ones(10), np.full(10, 0.5), correlation=0.8)

        assert correlated.deal_count_pmf[0] > 10 * independent.deal_count_pmf[0]
        assert (
            pytest.approx(correlated.deal_count_pmf[::-1].tolist(), abs=1e-12)
            == correlated.deal_count_pmf.tolist()
        )  # symmetric around 5 as p = 1/2

    @pytest.mark.parametrize("rho", [1.0, -0.1, 1.5, math.nan])
    def test_correlation_outside_unit_interval_refused(self, rho: float) -> None:
        """Correlation must be in [0, 1)."""
        refused(
            forecast_distribution,
            {"amounts": AMOUNTS, "win_probabilities": COIN_FLIPS, "correlation": rho},
            InvalidInputError,
            "'correlation'",
        )


# --- close dates and horizon --------------------------------------------------------------


class TestHorizon:
    DATES = (date(2024, 3, 1), date(2024, 3, 31), date(2024, 4, 1))

    def test_deals_after_horizon_do_not_count(self) -> None:
        """Horizon 31 March (inclusive): the 300 deal closing 1 April drops out, so expected
        revenue is 0.5 * (100 + 200) = 150 and two deals can close."""
        fd = forecast_distribution(
            AMOUNTS, COIN_FLIPS, close_dates=self.DATES, horizon=date(2024, 3, 31)
        )

        assert 2 == fd.n_deals
        assert pytest.approx(150.0, abs=1e-12) == fd.expected_revenue
        assert 1.0 == fd.expected_deals
        # Counts: two coin flips, the third deal never won: 1/4, 1/2, 1/4, 0.
        assert pytest.approx([0.25, 0.5, 0.25, 0.0], abs=1e-12) == fd.deal_count_pmf.tolist()
        assert 300.0 == fd.revenue_p90

    def test_string_dates_accepted(self) -> None:
        """ISO date strings work as close dates; a horizon before every date keeps none."""
        fd = forecast_distribution(
            AMOUNTS,
            COIN_FLIPS,
            close_dates=["2024-03-01", "2024-03-31", "2024-04-01"],
            horizon=date(2024, 2, 1),
        )

        assert (0, 0.0) == (fd.n_deals, fd.expected_revenue)

    @pytest.mark.parametrize(
        "kwargs",
        [{"close_dates": DATES}, {"horizon": date(2024, 3, 31)}],
        ids=["dates", "horizon"],
    )
    def test_only_one_of_dates_and_horizon_refused(self, kwargs: dict[str, Any]) -> None:
        """close_dates and horizon come together or not at all."""
        refused(
            forecast_distribution,
            {"amounts": AMOUNTS, "win_probabilities": COIN_FLIPS, **kwargs},
            InvalidInputError,
            "'horizon'",
        )

    def test_wrong_number_of_dates_refused(self) -> None:
        """One close date per deal."""
        refused(
            forecast_distribution,
            {
                "amounts": AMOUNTS,
                "win_probabilities": COIN_FLIPS,
                "close_dates": self.DATES[:2],
                "horizon": date(2024, 3, 31),
            },
            InvalidInputError,
            "'close_dates'",
        )

    def test_horizon_not_a_date_refused(self) -> None:
        """The horizon must be a date."""
        refused(
            forecast_distribution,
            {
                "amounts": AMOUNTS,
                "win_probabilities": COIN_FLIPS,
                "close_dates": self.DATES,
                "horizon": "2024-03-31",
            },
            InvalidTypeError,
            "'horizon'",
        )


# --- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"amounts": [100.0, -1.0, 300.0]}, InvalidInputError, "'amounts'"),
        ({"amounts": [100.0, math.nan, 300.0]}, InvalidInputError, "'amounts'"),
        ({"amounts": [100.0, math.inf, 300.0]}, InvalidInputError, "'amounts'"),
        ({"amounts": []}, InvalidInputError, "'amounts'"),
        ({"win_probabilities": [0.5, 1.5, 0.5]}, InvalidInputError, "'win_probabilities'"),
        ({"win_probabilities": [0.5, -0.1, 0.5]}, InvalidInputError, "'win_probabilities'"),
        ({"win_probabilities": [0.5, math.nan, 0.5]}, InvalidInputError, "'win_probabilities'"),
        ({"win_probabilities": [0.5, 0.5]}, InvalidInputError, "'win_probabilities'"),
        ({"target": -1.0}, InvalidInputError, "'target'"),
        ({"target": math.nan}, InvalidInputError, "'target'"),
        ({"method": "monte-carlo"}, InvalidInputError, "'method'"),
        ({"n_simulations": 99}, InvalidInputError, "'n_simulations'"),
        ({"n_simulations": 1000.0}, InvalidTypeError, "'n_simulations'"),
        ({"seed": "42"}, InvalidTypeError, "'seed'"),
        ({"seed": 1.5}, InvalidTypeError, "'seed'"),
        ({"seed": -1}, InvalidInputError, "'seed'"),
        ({"correlation": "0.3"}, InvalidTypeError, "'correlation'"),
    ],
)
def test_bad_inputs_refused(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    """Each bad argument is refused with an error naming it."""
    refused(
        forecast_distribution,
        {"amounts": AMOUNTS, "win_probabilities": COIN_FLIPS, **kwargs},
        error,
        match,
    )
