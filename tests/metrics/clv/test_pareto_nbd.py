"""Pareto/NBD: predictions, the likelihood near its singular points, fitting and simulation."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import differentiate, integrate, special
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import (
    BgNbdFit,
    ParetoNbdFit,
    SimulatedCustomers,
    fit_pareto_nbd,
    pareto_nbd,
    simulate_pareto_nbd,
)
from crmkit.metrics.clv._pareto_quadrature import QuadratureLikelihood
from crmkit.metrics.clv._special import log_hyp2f1_one
from crmkit.metrics.clv.pareto_nbd import _log_parts, _log_tail

GRID_ROWS = [
    (x, share * T, T)
    for x in (0, 1, 2, 5, 30, 300, 10_000)
    for T in (1.0, 39.0, 500.0)
    for share in ((0.0,) if x == 0 else (0.01, 0.5, 0.99, 1.0))
]
"""Customers (frequency, recency, T) on a grid: no purchase, a few, ten thousand."""

PAPER = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
"""Fader, Hardie & Lee's CDNOW Pareto/NBD parameters (weekly)."""

CUSTOMER = {"frequency": 2, "recency": 30.43, "T": 38.86}

UNIT = {"r": 1.0, "alpha": 1.0, "s": 1.0, "beta": 1.0}
"""alpha == beta, where the likelihood's integral has a closed form by hand."""


def log_died(
    r: float, alpha: float, s: float, beta: float, x: float, t_x: float, T: float
) -> float:
    """log of s * integral_{t_x}^{T} (alpha + tau)^-(r+x) (beta + tau)^-(s+1) d tau, by
    scipy.integrate.quad with the integrand scaled by its value at t_x (it is decreasing)."""
    top = -(r + x) * math.log(alpha + t_x) - (s + 1) * math.log(beta + t_x)

    def integrand(tau: float) -> float:
        return math.exp(-(r + x) * math.log(alpha + tau) - (s + 1) * math.log(beta + tau) - top)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(integrand, t_x, T, epsabs=0, epsrel=1e-12, limit=500)
    return math.log(s) + top + math.log(value)


def log_alive(r: float, alpha: float, s: float, beta: float, x: float, T: float) -> float:
    """log of (alpha + T)^-(r+x) (beta + T)^-s: the customer is still alive at T."""
    return -(r + x) * math.log(alpha + T) - s * math.log(beta + T)


# --- reference numbers ---------------------------------------------------------------------


class TestReferenceNumbers:
    def test_expected_purchases_of_the_cdnow_customer(self) -> None:
        """E[Y(39) | 2, 30.43, 38.86]; computed with lifetimes 0.11.3: 1.4551231932576019."""
        fit = ParetoNbdFit.from_params(**PAPER)

        assert pytest.approx(1.4551231932576, rel=1e-12) == fit.expected_purchases(39, **CUSTOMER)

    def test_probability_alive_of_the_cdnow_customer(self) -> None:
        """P(alive | 2, 30.43, 38.86); computed with lifetimes 0.11.3: 0.8691675591530111."""
        fit = ParetoNbdFit.from_params(**PAPER)

        assert pytest.approx(0.8691675591530, rel=1e-12) == fit.probability_alive(**CUSTOMER)

    def test_expected_purchases_of_a_new_customer(self) -> None:
        """E[X(39)]; computed with lifetimes 0.11.3: 1.2130028442810157. By hand it is
        r/alpha * beta/(s-1) * (1 - (beta/(beta+t))^(s-1))."""
        r, alpha, s, beta = PAPER.values()
        by_hand = r / alpha * beta / (s - 1) * (1 - (beta / (beta + 39)) ** (s - 1))
        fit = ParetoNbdFit.from_params(**PAPER)

        assert pytest.approx(1.2130028442810, rel=1e-12) == fit.expected_purchases_new_customer(39)
        assert pytest.approx(by_hand, rel=1e-12) == fit.expected_purchases_new_customer(39)


class TestByHand:
    def test_probability_alive_with_equal_scales(self) -> None:
        """r = s = alpha = beta = 1, x = 1, t_x = 1, T = 3: alive = 4^-2 4^-1 = 1/64; died =
        integral_1^3 (1+tau)^-4 = (1/8 - 1/64) / 3 = 7/192; P = (1/64) / (1/64 + 7/192) =
        3/10."""
        fit = ParetoNbdFit.from_params(**UNIT)

        assert pytest.approx(0.3, rel=1e-12) == fit.probability_alive(frequency=1, recency=1, T=3)

    def test_expected_purchases_with_s_equal_one(self) -> None:
        """Same customer, s = 1: E = P(alive) (r+x)/(alpha+T) (beta+T) ln(1 + t/(beta+T));
        with t = 4 (e - 1) the log is 1: 0.3 * 2/4 * 4 = 0.6."""
        fit = ParetoNbdFit.from_params(**UNIT)

        assert pytest.approx(0.6, rel=1e-12) == fit.expected_purchases(
            4 * (math.e - 1), frequency=1, recency=1, T=3
        )

    def test_expected_purchases_new_customer(self) -> None:
        """r/alpha * beta/(s-1) (1 - (beta/(beta+t))^(s-1)): r=2, alpha=4, s=2, beta=1, t=1
        gives 0.5 * 1 * (1 - 1/2) = 0.25; s = 1 gives r/alpha beta ln(1 + t/beta) = 1 at
        r = alpha = beta = 1, t = e - 1."""
        assert pytest.approx(0.25, rel=1e-12) == ParetoNbdFit.from_params(
            r=2.0, alpha=4.0, s=2.0, beta=1.0
        ).expected_purchases_new_customer(1)
        assert pytest.approx(1.0, rel=1e-12) == ParetoNbdFit.from_params(
            **UNIT
        ).expected_purchases_new_customer(math.e - 1)

    def test_probability_of_purchases(self) -> None:
        """r = s = alpha = beta = 1, t = 1. P(0): alive (1/2)(1/2) = 1/4 plus died before a
        purchase, integral_0^1 (1+u)^-2 (1+u)^-1 du = 3/8: 5/8. P(1): alive 1/2 * (1/2)(1/2)
        = 1/8 plus integral_0^1 (1+u)^-2 u/(1+u)^2 du = 1/12: 5/24."""
        fit = ParetoNbdFit.from_params(**UNIT)

        assert (
            pytest.approx([5 / 8, 5 / 24], rel=1e-9)
            == fit.probability_of_purchases([0, 1], 1).tolist()
        )

    def test_zero_horizon(self) -> None:
        """Nothing happens in no time."""
        fit = ParetoNbdFit.from_params(**PAPER)

        assert 0.0 == fit.expected_purchases(0, **CUSTOMER)
        assert 0.0 == fit.expected_purchases_new_customer(0)
        assert pytest.approx([1.0, 0.0]) == fit.probability_of_purchases([0, 1], 0).tolist()

    def test_a_last_purchase_at_the_window_end_means_alive(self) -> None:
        """recency == T: the customer was seen at the very end, so P(alive) = 1."""
        fit = ParetoNbdFit.from_params(**PAPER)

        assert 1.0 == fit.probability_alive(frequency=3, recency=10.0, T=10.0)


# --- the likelihood and its special function ------------------------------------------------

GRID = [1e-3, 1e-1, 1.0, 10.0, 1e3]
HISTORIES = {
    # frequency, recency, T: short, medium and very long windows, recency inside them.
    "frequency": np.array([0, 1, 10, 100, 1e4] * 3),
    "recency": np.array([0, 30, 30, 30, 30, 0, 0.25, 0.25, 0.25, 0.25, 0, 4999, 4999, 4999, 4999]),
    "T": np.array([50.0] * 5 + [0.5] * 5 + [5000.0] * 5),
}


class TestLikelihoodStability:
    def test_finite_on_a_wide_grid(self) -> None:
        """r, alpha, s, beta each in {1e-3 .. 1e3} (alpha >= beta and alpha < beta both), and
        frequencies 0 .. 10,000 with short and long windows: the log-likelihood is finite,
        P(alive) in [0, 1] and the expected purchases finite and >= 0, without warnings."""
        x, t_x, T = (HISTORIES[name].astype(float) for name in ("frequency", "recency", "T"))
        for r, alpha, s, beta in itertools.product(GRID, repeat=4):
            fit = ParetoNbdFit.from_params(r=r, alpha=alpha, s=s, beta=beta)
            common, alive, died = _log_parts(r, alpha, s, beta, x, t_x, T)
            log_l = common + np.logaddexp(alive, died)
            p = fit.probability_alive(**HISTORIES)
            expected = fit.expected_purchases(10, **HISTORIES)

            assert np.isfinite(log_l).all(), (r, alpha, s, beta)
            assert np.all((0 <= p) & (p <= 1)), (r, alpha, s, beta)
            assert np.all(np.isfinite(expected) & (expected >= 0)), (r, alpha, s, beta)

    @pytest.mark.parametrize(
        ("r", "alpha", "s", "beta", "x", "u"),
        [
            (0.5, 2.0, 0.7, 5.0, 3, 4.0),
            (0.5, 5.0, 0.7, 2.0, 3, 4.0),
            (2.0, 1.0, 3.0, 100.0, 0, 0.0),
            (2.0, 100.0, 3.0, 1.0, 10, 7.5),
            (0.2, 10.0, 0.6, 10.0, 2, 30.0),
            (0.5, 2.0, 0.7, 5.0, 1e4, 40.0),
            (0.5, 5.0, 0.7, 2.0, 1e4, 40.0),
            (0.1, 1e3, 0.1, 1e-3, 100, 1.0),
            (0.1, 1e-3, 0.1, 1e3, 100, 1.0),
        ],
    )
    def test_tail_integral_matches_quadrature(
        self, r: float, alpha: float, s: float, beta: float, x: float, u: float
    ) -> None:
        """log[(r+s+x) integral_u^inf (alpha+v)^-(r+x) (beta+v)^-(s+1) dv] by both branches
        (alpha >= beta and alpha < beta) equals scipy's quad of the integrand, scaled by its
        value at u and split where it falls off."""
        top = -(r + x) * math.log(alpha + u) - (s + 1) * math.log(beta + u)

        def integrand(w: float) -> float:
            return math.exp(
                -(r + x) * math.log1p(w / (alpha + u)) - (s + 1) * math.log1p(w / (beta + u))
            )

        step = min(alpha + u, beta + u) / (r + x + s + 1)
        edges = [0.0, step, 10 * step, 100 * step, math.inf]
        total = sum(
            integrate.quad(integrand, low, high, epsabs=0, epsrel=1e-13, limit=500)[0]
            for low, high in itertools.pairwise(edges)
        )
        expected = math.log(r + s + x) + top + math.log(total)

        assert pytest.approx(expected, rel=1e-12) == float(_log_tail(r, alpha, s, beta, x, u))

    @pytest.mark.parametrize("epsilon", [1e-12, 1e-9, 1e-6])
    def test_the_two_branches_meet_at_alpha_equal_beta(self, epsilon: float) -> None:
        """Just above alpha == beta (one branch) and just below (the other) the tail differs
        from its value at alpha == beta by about its slope times the step, symmetrically:
        the midpoint equals the value at alpha == beta."""
        args = {"r": 0.5, "s": 0.7, "beta": 3.0, "x": 4.0, "u": 2.0}
        at = float(_log_tail(alpha=3.0, **args))
        above = float(_log_tail(alpha=3.0 * (1 + epsilon), **args))
        below = float(_log_tail(alpha=3.0 * (1 - epsilon), **args))
        # d/d alpha of the tail is about -(r+x)/(alpha+u) * (something of order 1): |slope| < 5.
        assert abs(above - at) < 5 * 3.0 * epsilon + 1e-13
        assert abs(below - at) < 5 * 3.0 * epsilon + 1e-13
        assert pytest.approx(at, abs=1e-12) == (above + below) / 2

    @settings(max_examples=80, deadline=None)
    @given(
        params=st.tuples(*[st.floats(0.01, 100)] * 4),
        x=st.integers(0, 30),
        share=st.floats(0.01, 1),
        T=st.floats(0.5, 100),
    )
    def test_probability_alive_equals_quadrature(
        self, params: tuple[float, float, float, float], x: int, share: float, T: float
    ) -> None:
        """P(alive) = alive / (alive + died) with the death time integrated by scipy's quad
        (the likelihood's two paths), for any parameters and histories."""
        r, alpha, s, beta = params
        t_x = share * T if x > 0 else 0.0
        fit = ParetoNbdFit.from_params(r=r, alpha=alpha, s=s, beta=beta)
        expected = (
            1.0
            if t_x == T
            else float(
                special.expit(
                    log_alive(r, alpha, s, beta, x, T) - log_died(r, alpha, s, beta, x, t_x, T)
                )
            )
        )

        assert pytest.approx(expected, rel=1e-8, abs=1e-300) == fit.probability_alive(
            frequency=x, recency=t_x, T=T
        )


# log 2F1(1, b; c; z) computed with mpmath 1.3 at 30 digits (each value agrees with 60 digits
# and lies within 1 <= 2F1 <= 1/(1-z), as it must for 0 < b < c). z = 1 - w in floats, and
# one_minus_z = 1.0 - z exactly (Sterbenz), so z is exactly the point mpmath was given.
HYP2F1_REFERENCE = [
    # (b, c, w = 1 - z, log 2F1)
    (0.5, 1.6, 0.5, 0.20463487565963348),
    (0.5, 1.6, 0.05, 0.7208607486533586),
    (0.5, 1.6, 1e-3, 1.19446048537994),
    (0.5, 1.6, 1e-5, 1.4577953644431285),
    (0.5, 1.6, 1e-7, 1.594351742912687),
    (0.5, 1.6, 1e-9, 1.671812728407912),
    (2.5, 3.1, 1e-3, 3.969926889505146),
    (2.5, 3.1, 1e-9, 9.588316688856708),
    (0.05, 1.2, 1e-5, 0.2399131646078785),
    (0.05, 1.2, 1e-9, 0.2758958358337387),
    (1.6, 12.5, 1e-3, 0.14963254593258246),
    (1.6, 12.5, 1e-9, 0.14981227804888486),
    (100.5, 101.2, 0.05, 2.88737166874066),
    (100.5, 101.2, 1e-5, 7.625712063110688),
    (100.5, 101.2, 1e-9, 10.529958051650187),
    (100.5, 150.0, 1e-3, 1.1202690947994485),
    (100.5, 150.0, 1e-7, 1.1223822964230983),
    (10000.5, 10001.6, 0.5, 0.6930372151943092),
    (10000.5, 10001.6, 1e-3, 6.811259260636108),
    (10000.5, 10001.6, 1e-7, 10.74725154147374),
    (10000.5, 10001.6, 1e-9, 11.100612798237828),
    (9000.0, 10000.0, 0.05, 1.9314077917757517),
    (9000.0, 10000.0, 1e-5, 2.303395412041639),
    (9000.0, 10000.0, 1e-9, 2.30348557930926),
    (5000.5, 5001.0, 1e-5, 10.352211172555526),
    (5000.5, 5001.0, 1e-9, 15.190098217749272),
    (1.5, 10000.0, 0.5, 7.500656264054384e-05),
    (1.5, 10000.0, 1e-3, 0.00014987620238384245),
    (1.5, 10000.0, 1e-9, 0.00015002625472589924),
    (10000.25, 10002.5, 1e-5, 8.82263179961592),
    (10000.25, 10002.5, 1e-9, 8.98730956375369),
    (3.0, 3.5, 1e-3, 4.481419366859168),
    (3.0, 3.5, 1e-9, 11.44177061389281),
]


class TestLogHyp2f1:
    @pytest.mark.parametrize(("b", "c", "w", "expected"), HYP2F1_REFERENCE)
    def test_matches_mpmath(self, b: float, c: float, w: float, expected: float) -> None:
        """Within 1e-9 relative of log 2F1, or 1e-9 absolute in the log (1e-9 relative in
        2F1 itself) where 2F1 is within 1e-4 of 1, for z from 0.5 to 1 - 1e-9 and b, c up
        to 1e4; both the scipy branch (z <= 0.9) and the quadrature branch."""
        z = 1.0 - w
        got = log_hyp2f1_one(
            np.array([b]), np.array([c]), np.array([z]), np.array([1.0 - z]), np.array([c - b])
        )

        assert 1e-9 * max(1.0, abs(expected)) > abs(got[0] - expected)

    def test_at_z_zero_it_is_one(self) -> None:
        """2F1(1, b; c; 0) = 1, so its log is 0."""
        got = log_hyp2f1_one(
            np.array([2.0, 500.0]),
            np.array([3.5, 600.0]),
            np.zeros(2),
            np.ones(2),
            np.array([1.5, 100.0]),
        )

        assert [0.0, 0.0] == got.tolist()

    @settings(max_examples=60, deadline=None)
    @given(
        b=st.floats(0.01, 1e4),
        gap=st.floats(0.01, 1e3),
        exponent=st.floats(-12, -0.05),
    )
    def test_within_its_bounds(self, b: float, gap: float, exponent: float) -> None:
        """For 0 < b < c and 0 <= z < 1: 1 <= 2F1(1, b; c; z) <= 1/(1-z) (the series has
        positive terms, each at most z^k), so 0 <= log 2F1 <= -log(1-z)."""
        c = b + gap
        z = 1.0 - 10.0**exponent
        one_minus_z = 1.0 - z
        assume(c > 1)
        got = float(
            log_hyp2f1_one(
                np.array([b]),
                np.array([c]),
                np.array([z]),
                np.array([one_minus_z]),
                np.array([gap]),
            )[0]
        )

        assert -1e-12 <= got <= -math.log(one_minus_z) * (1 + 1e-12) + 1e-12


# --- the distribution of purchases and conditional predictions -----------------------------


class TestPredictions:
    @pytest.mark.parametrize("t", [0.5, 39.0, 500.0])
    def test_probability_of_purchases_sums_to_one_with_the_expected_mean(self, t: float) -> None:
        """Over n = 0 .. 20,000 the probabilities sum to 1 and their mean is the new
        customer's expected purchases."""
        fit = ParetoNbdFit.from_params(**PAPER)
        n = np.arange(20_000)
        p = fit.probability_of_purchases(n, t)

        assert np.all((0 <= p) & (p <= 1))
        assert pytest.approx(1.0, abs=1e-9) == float(p.sum())
        assert pytest.approx(fit.expected_purchases_new_customer(t), rel=1e-8) == float(
            (n * p).sum()
        )

    def test_new_customers_match_simulation(self) -> None:
        """40,000 customers over 39 weeks: the share with n purchases (n = 0..5) and the mean
        frequency within 4 standard errors of the model."""
        n_customers = 40_000
        fit = ParetoNbdFit.from_params(**PAPER)
        sample = simulate_pareto_nbd(PAPER, n_customers=n_customers, T=39, seed=11)
        p = fit.probability_of_purchases(np.arange(6), 39)
        share = np.array([(sample.frequency == k).mean() for k in range(6)])
        mean_error = sample.frequency.std() / math.sqrt(n_customers)

        assert np.all(np.abs(share - p) < 4 * np.sqrt(p * (1 - p) / n_customers))
        assert abs(sample.frequency.mean() - fit.expected_purchases_new_customer(39)) < (
            4 * mean_error
        )

    def test_average_over_simulated_histories(self) -> None:
        """Averaged over 50,000 customers drawn from the model, P(alive at T | history) is
        the unconditional (beta/(beta+T))^s and E[purchases in (T, T+t] | history] is
        E[X(T+t)] - E[X(T)] (the tower rule), within 4 standard errors."""
        n_customers, T, t = 50_000, 39.0, 13.0
        s, beta = PAPER["s"], PAPER["beta"]
        fit = ParetoNbdFit.from_params(**PAPER)
        sample = simulate_pareto_nbd(PAPER, n_customers=n_customers, T=T, seed=5)
        history = {"frequency": sample.frequency, "recency": sample.recency, "T": sample.T}
        alive = fit.probability_alive(**history)
        expected = fit.expected_purchases(t, **history)
        increment = fit.expected_purchases_new_customer(T + t) - (
            fit.expected_purchases_new_customer(T)
        )

        assert abs(alive.mean() - (beta / (beta + T)) ** s) < 4 * alive.std() / math.sqrt(
            n_customers
        )
        assert abs(expected.mean() - increment) < 4 * expected.std() / math.sqrt(n_customers)

    def test_a_brand_new_history_predicts_like_a_new_customer(self) -> None:
        """frequency 0, recency 0 and T -> 0 is a customer just acquired."""
        fit = ParetoNbdFit.from_params(**PAPER)

        assert pytest.approx(fit.expected_purchases_new_customer(39), rel=1e-6) == (
            fit.expected_purchases(39, frequency=0, recency=0, T=1e-9)
        )

    @settings(max_examples=40, deadline=None)
    @given(
        params=st.tuples(*[st.floats(0.05, 20)] * 4),
        x=st.integers(0, 30),
        share=st.floats(0.01, 1),
        T=st.floats(1, 100),
        scale=st.sampled_from([1 / 7, 7.0, 365.0]),
    )
    def test_changing_the_time_unit_changes_nothing(
        self,
        params: tuple[float, float, float, float],
        x: int,
        share: float,
        T: float,
        scale: float,
    ) -> None:
        """alpha, beta, recency, T and t all scaled by one factor: the same predictions."""
        r, alpha, s, beta = params
        t_x = share * T if x > 0 else 0.0
        one = ParetoNbdFit.from_params(r=r, alpha=alpha, s=s, beta=beta)
        other = ParetoNbdFit.from_params(r=r, alpha=alpha * scale, s=s, beta=beta * scale)

        assert pytest.approx(one.probability_alive(frequency=x, recency=t_x, T=T), rel=1e-8) == (
            other.probability_alive(frequency=x, recency=t_x * scale, T=T * scale)
        )
        assert pytest.approx(
            one.expected_purchases(10, frequency=x, recency=t_x, T=T), rel=1e-8
        ) == other.expected_purchases(10 * scale, frequency=x, recency=t_x * scale, T=T * scale)

    @settings(max_examples=40, deadline=None)
    @given(x=st.integers(1, 50), shares=st.tuples(st.floats(0.01, 1), st.floats(0.01, 1)))
    def test_alive_grows_with_recency(self, x: int, shares: tuple[float, float]) -> None:
        """With T fixed, a later last purchase means a higher P(alive), in [0, 1]."""
        fit = ParetoNbdFit.from_params(**PAPER)
        early, late = sorted(shares)

        assert (
            0.0
            <= fit.probability_alive(frequency=x, recency=early * 40, T=40)
            <= (fit.probability_alive(frequency=x, recency=late * 40, T=40))
            <= 1.0
        )

    def test_result_shapes(self) -> None:
        """Scalars give floats; arrays give read-only arrays; t broadcasts over customers."""
        fit = ParetoNbdFit.from_params(**PAPER)
        values = fit.expected_purchases(39, frequency=[0, 2], recency=[0, 30.43], T=38.86)

        assert float is type(fit.probability_alive(**CUSTOMER))
        assert float is type(fit.expected_purchases_new_customer(39))
        assert float is type(fit.probability_of_purchases(0, 39))
        assert (2,) == values.shape
        assert not values.flags.writeable
        assert pytest.approx(fit.expected_purchases(39, **CUSTOMER), rel=1e-14) == values[1]

    def test_bad_input(self) -> None:
        """Histories, horizons and counts are checked and the argument named."""
        fit = ParetoNbdFit.from_params(**PAPER)
        refused(
            fit.probability_alive,
            {"frequency": [1, 2], "recency": [5, 11], "T": [10, 10]},
            InvalidInputError,
            "'recency' must be at most T; got 11.0 at index 1 \\(1 of 2 rows\\)",
        )
        refused(
            fit.expected_purchases,
            {"t": [1, 2, 3], "frequency": [1, 2], "recency": [1, 1], "T": [5, 5]},
            InvalidInputError,
            "'frequency' must be the same length as 't' \\(3\\)",
        )
        refused(
            fit.probability_of_purchases,
            {"n": -1, "t": 39},
            InvalidInputError,
            "'n' must be whole numbers of at least 0",
        )


# --- fitting -----------------------------------------------------------------------------


class TestFitting:
    def test_recovers_the_parameters(self) -> None:
        """30,000 customers drawn from the CDNOW parameters, 39 weeks each: each fitted
        parameter within 3 standard errors of the truth."""
        n_customers = 30_000
        sample = simulate_pareto_nbd(PAPER, n_customers=n_customers, T=39, seed=2025)
        fit = fit_pareto_nbd(sample.frequency, sample.recency, sample.T)
        errors = fit.standard_errors

        assert isinstance(fit, ParetoNbdFit)
        assert n_customers == fit.n
        for name, true in PAPER.items():
            assert abs(fit.params[name] - true) < 3 * errors[name], name

    def test_log_likelihood_is_the_integral_at_the_optimum(self) -> None:
        """log L = sum of log[G(r+x) alpha^r beta^s / G(r) (alive + died)] with the death
        time integrated by scipy's quad, at the fitted parameters."""
        sample = simulate_pareto_nbd(PAPER, n_customers=1_500, T=39, seed=3)
        fit = fit_pareto_nbd(sample.frequency, sample.recency, sample.T)
        r, alpha, s, beta = fit.params.values()
        total = 0.0
        for x, t_x, T in zip(sample.frequency.tolist(), sample.recency, sample.T, strict=True):
            common = (
                special.gammaln(r + x)
                - special.gammaln(r)
                + r * math.log(alpha)
                + s * math.log(beta)
            )
            alive = log_alive(r, alpha, s, beta, x, T)
            died = log_died(r, alpha, s, beta, x, t_x, T)
            total += common + float(np.logaddexp(alive, died))

        assert pytest.approx(total, rel=1e-10) == fit.log_likelihood

    def test_heavy_buyers_fit(self) -> None:
        """Three customers with 5,000 and 10,000 repeat purchases among 20,000 ordinary ones
        (recency in whole weeks, so they compress): the fit converges with a finite
        log-likelihood and standard errors."""
        sample = simulate_pareto_nbd(PAPER, n_customers=20_000, T=39, seed=0)
        frequency = np.concatenate([sample.frequency, [5_000, 10_000, 10_000]])
        recency = np.concatenate([np.ceil(sample.recency), [38.0, 39.0, 30.0]])
        T = np.concatenate([sample.T, [39.0, 39.0, 39.0]])
        fit = fit_pareto_nbd(frequency, recency, T)

        assert math.isfinite(fit.log_likelihood)  # type: ignore[arg-type]
        assert fit.standard_errors is not None
        assert 20_003 == fit.n

    def test_many_purchases_each(self) -> None:
        """Customers who buy hundreds to tens of thousands of times (r = 50, alpha = 0.1):
        the fit converges near the truth (BFGS on differences gave up here before Newton)."""
        truth = {"r": 50.0, "alpha": 0.1, "s": 0.6, "beta": 11.7}
        sample = simulate_pareto_nbd(truth, n_customers=2_000, T=39, seed=4)
        fit = fit_pareto_nbd(sample.frequency, sample.recency, sample.T)
        errors = fit.standard_errors

        assert sample.frequency.max() > 10_000
        for name, true in truth.items():
            assert abs(fit.params[name] - true) < 4 * errors[name], name

    @pytest.mark.parametrize(
        "changes",
        [
            pytest.param({"_NODES_TRIED": (4, 16)}, id="more-nodes"),
            pytest.param({"_QUADRATURE_TOLERANCE": -1.0}, id="exact-bfgs"),
        ],
    )
    def test_every_way_to_the_optimum_agrees(self, changes: dict[str, Any]) -> None:
        """When the quadrature's check fails (forced: 4 nodes are too few for 1e-9, or no
        tolerance at all), the retry with more nodes and the last resort, BFGS on the exact
        likelihood, reach the same optimum and report the exact log-likelihood."""
        sample = simulate_pareto_nbd(PAPER, n_customers=3_000, T=39, seed=5)
        expected = fit_pareto_nbd(sample.frequency, sample.recency, sample.T)
        with mock.patch.multiple(pareto_nbd, **changes):
            fit = fit_pareto_nbd(sample.frequency, sample.recency, sample.T)

        assert pytest.approx(expected.log_likelihood, rel=1e-10) == fit.log_likelihood
        for name, value in expected.params.items():
            assert pytest.approx(value, rel=1e-3) == fit.params[name], name

    def test_bad_input(self) -> None:
        """A scalar history is not a sample of customers."""
        refused(
            fit_pareto_nbd,
            {"frequency": 1, "recency": 1.0, "T": 5.0},
            InvalidTypeError,
            "'frequency' must be a one-dimensional array-like",
        )


# --- the fit's quadrature likelihood ---------------------------------------------------


def exact_total(theta: np.ndarray, x: Any, t_x: Any, T: Any, w: Any) -> float:
    common, alive, died = _log_parts(*np.exp(theta), x, t_x, T)
    return float((common + np.logaddexp(alive, died)) @ w)


class TestQuadratureLikelihood:
    @pytest.mark.parametrize(
        "params", [PAPER, UNIT, {"r": 2.0, "alpha": 0.5, "s": 0.1, "beta": 40.0}]
    )
    def test_rows_equal_the_exact_likelihood(self, params: dict[str, float]) -> None:
        """Per customer, log L by 16-node quadrature equals the 2F1 form to 1e-10 relative
        (1e-9 absolute, about the 2F1 form's own accuracy), over
        frequencies 0 to 10,000, recency from 0 to T and alpha below, equal to and above
        beta."""
        x, t_x, T = (np.array(column, dtype=float) for column in zip(*GRID_ROWS, strict=True))
        theta = np.log(list(params.values()))
        data = QuadratureLikelihood(x, t_x, T, np.ones(x.size))
        with np.errstate(under="ignore"):
            rows = data.rows(theta)
        common, alive, died = _log_parts(*params.values(), x, t_x, T)

        np.testing.assert_allclose(rows, common + np.logaddexp(alive, died), rtol=1e-10, atol=1e-9)

    @pytest.mark.parametrize("at", [PAPER, {"r": 1.0, "alpha": 5.0, "s": 1.0, "beta": 30.0}])
    def test_gradient_and_hessian_are_those_of_the_exact_likelihood(
        self, at: dict[str, float]
    ) -> None:
        """At the CDNOW optimum and away from it, the analytic gradient and Hessian equal
        central differences of the exact total log-likelihood (scipy.differentiate)."""
        sample = simulate_pareto_nbd(PAPER, n_customers=2_000, T=39, seed=6)
        x, t_x, T, w = sample.frequency.astype(float), sample.recency, sample.T, np.ones(2_000)
        theta = np.log(list(at.values()))
        value, gradient, hessian = QuadratureLikelihood(x, t_x, T, w).value_gradient_hessian(theta)

        def totals(points: np.ndarray) -> np.ndarray:
            flat = points.reshape(4, -1)
            values = [exact_total(flat[:, k], x, t_x, T, w) for k in range(flat.shape[1])]
            return np.array(values).reshape(points.shape[1:])

        assert pytest.approx(exact_total(theta, x, t_x, T, w), rel=1e-12) == value
        np.testing.assert_allclose(
            gradient, differentiate.jacobian(totals, theta).df, rtol=1e-7, atol=1e-5
        )
        np.testing.assert_allclose(
            hessian, differentiate.hessian(totals, theta).ddf, rtol=1e-6, atol=1e-3
        )


# --- simulation --------------------------------------------------------------------------


class TestSimulation:
    def test_the_same_seed_gives_the_same_customers(self) -> None:
        """Seed 7 twice is identical, seed 8 differs, a Generator equals its integer seed, and
        a fit stands for its parameters."""
        first = simulate_pareto_nbd(PAPER, n_customers=500, T=39, seed=7)

        assert first == simulate_pareto_nbd(PAPER, n_customers=500, T=39, seed=7)
        assert first != simulate_pareto_nbd(PAPER, n_customers=500, T=39, seed=8)
        assert first == simulate_pareto_nbd(
            ParetoNbdFit.from_params(**PAPER), n_customers=500, T=39, seed=np.random.default_rng(7)
        )

    def test_customers_are_valid_histories(self) -> None:
        """frequency >= 0, 0 <= recency <= T, recency 0 exactly without repeat purchases."""
        T = np.linspace(1, 100, 1_000)
        sample = simulate_pareto_nbd(PAPER, n_customers=1_000, T=T, seed=4)

        assert isinstance(sample, SimulatedCustomers)
        assert "SimulatedCustomers(n_customers=1000)" == repr(sample)
        assert T.tolist() == sample.T.tolist()
        assert np.all(sample.frequency >= 0)
        assert np.all((0 <= sample.recency) & (sample.recency <= sample.T))
        assert ((sample.recency == 0) == (sample.frequency == 0)).all()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"fit_or_params": {"r": 1, "alpha": 1, "s": 1}},
                InvalidInputError,
                "'fit_or_params' must be a mapping with exactly r, alpha, s, beta",
            ),
            (
                {"fit_or_params": {"r": 1, "alpha": 1, "s": 1, "beta": 1, "b": 1}},
                InvalidInputError,
                "'fit_or_params' must be a mapping with exactly r, alpha, s, beta",
            ),
            (
                {"fit_or_params": {"r": 1, "alpha": 1, "s": -1, "beta": 1}},
                InvalidInputError,
                "'s' must be a finite number above 0",
            ),
            (
                {"fit_or_params": BgNbdFit.from_params(r=1, alpha=1, a=1, b=1)},
                InvalidTypeError,
                "'fit_or_params' must be a ParetoNbdFit or a mapping",
            ),
            (
                {"fit_or_params": [1, 2, 3, 4]},
                InvalidTypeError,
                "'fit_or_params' must be a ParetoNbdFit or a mapping",
            ),
            (
                {"n_customers": 0},
                InvalidInputError,
                "'n_customers' must be an integer of at least 1",
            ),
            (
                {"T": [5.0, 6.0, 7.0, 8.0]},
                InvalidInputError,
                "'T' must be one number, or one per customer \\(3\\)",
            ),
            ({"T": -1.0}, InvalidInputError, "'T' must be a finite number above 0"),
            ({"T": [5, math.nan, 1]}, InvalidInputError, "'T' must be finite numbers above 0"),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Parameters, sizes and windows are checked."""
        call = {"fit_or_params": PAPER, "n_customers": 3, "T": 5.0, **kwargs}
        refused(simulate_pareto_nbd, call, error, match)
