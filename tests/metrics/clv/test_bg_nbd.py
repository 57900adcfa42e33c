"""BG/NBD and MBG/NBD: predictions, fitting and simulation (crmkit.metrics.clv.bg_nbd)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import (
    BgNbdFit,
    ModifiedBgNbdFit,
    ParetoNbdFit,
    SimulatedCustomers,
    fit_bg_nbd,
    fit_modified_bg_nbd,
    simulate_bg_nbd,
    simulate_modified_bg_nbd,
)

PAPER = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
"""Fader, Hardie & Lee (2005), CDNOW, weekly."""

CUSTOMER = {"frequency": 2, "recency": 30.43, "T": 38.86}
"""The paper's worked example: 2 repeat purchases, the last at 30.43 weeks, seen 38.86 weeks."""

FAMILY = [
    pytest.param(BgNbdFit, simulate_bg_nbd, fit_bg_nbd, 0, id="BG/NBD"),
    pytest.param(ModifiedBgNbdFit, simulate_modified_bg_nbd, fit_modified_bg_nbd, 1, id="MBG/NBD"),
]
"""(fit class, simulator, fitter, shift): shift is the extra dropout chance at the first
purchase, 0 for BG/NBD and 1 for MBG/NBD."""


def alive_closed_form(
    shift: int, r: float, alpha: float, a: float, b: float, x: Any, t_x: Any, T: Any
) -> Any:
    """P(alive): 1 / (1 + a / (b + x - 1 + shift) ((alpha + T) / (alpha + t_x))^(r + x)),
    and 1 for a BG/NBD customer without repeat purchases (no dropout chance taken yet)."""
    x, t_x, T = np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float)
    has_chance = (x > 0) | (shift == 1)
    ratio = (
        a / np.where(has_chance, b + x - 1 + shift, 1.0) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    )
    return np.where(has_chance, 1 / (1 + ratio), 1.0)


def expected_if_alive_series(
    shift: int, r: float, alpha: float, a: float, b: float, x: float, T: float, t: float
) -> float:
    """E[purchases in (T, T + t] | alive at T], summed directly.

    Alive at T, the posterior rate is Gamma(r + x, alpha + T) and the posterior dropout
    probability Beta(a, b + x + shift), independent. The k-th future purchase happens if
    N(t) >= k (N negative binomial(r + x, (alpha + T) / (alpha + T + t))) and the customer
    survived the k - 1 coin flips before it: E = sum_k P(N >= k) E[(1 - p)^(k - 1)].
    """
    p = (alpha + T) / (alpha + T + t)
    n = r + x
    mean, sd = n * (1 - p) / p, math.sqrt(n * (1 - p)) / p
    k = np.arange(1, int(mean + 60 * sd + 2000))
    survive = np.exp(special.betaln(a, b + x + shift + k - 1) - special.betaln(a, b + x + shift))
    return float(np.sum(stats.nbinom.sf(k - 1, n, p) * survive))


# --- reference numbers ---------------------------------------------------------------------


class TestPaperExample:
    def test_expected_purchases_of_the_worked_example(self) -> None:
        """Fader, Hardie & Lee (2005), p. 280: E[Y(39) | 2, 30.43, 38.86] = 1.226."""
        fit = BgNbdFit.from_params(**PAPER)

        assert 1.226 == round(fit.expected_purchases(39, **CUSTOMER), 3)

    def test_probability_alive_of_the_worked_example(self) -> None:
        """P(alive) = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) = 0.7266."""
        r, alpha, a, b = PAPER.values()
        expected = 1 / (1 + a / (b + 2 - 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))

        assert pytest.approx(expected, rel=1e-12) == BgNbdFit.from_params(
            **PAPER
        ).probability_alive(**CUSTOMER)
        assert 0.7266 == round(expected, 4)

    def test_expected_purchases_matches_the_papers_equation_10(self) -> None:
        """E = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1;
        t/(alpha+T+t))] / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = PAPER.values()
        x, t_x, T, t = 2, 30.43, 38.86, 39.0
        bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(
            r + x, b + x, a + b + x - 1, t / (alpha + T + t)
        )
        expected = (
            (a + b + x - 1)
            / (a - 1)
            * bracket
            / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
        )

        assert pytest.approx(expected, rel=1e-12) == BgNbdFit.from_params(
            **PAPER
        ).expected_purchases(39, **CUSTOMER)

    def test_mbg_expected_purchases_matches_batislam(self) -> None:
        """MBG/NBD (Batislam et al. 2007): E = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
        2F1(r+x, b+x+1; a+b+x; z)] / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = PAPER.values()
        x, t_x, T, t = 2, 30.43, 38.86, 39.0
        bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(
            r + x, b + x + 1, a + b + x, t / (alpha + T + t)
        )
        expected = (
            (a + b + x)
            / (a - 1)
            * bracket
            / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x))
        )

        assert pytest.approx(expected, rel=1e-12) == ModifiedBgNbdFit.from_params(
            **PAPER
        ).expected_purchases(39, **CUSTOMER)

    def test_expected_purchases_new_customer_matches_equation_9(self) -> None:
        """E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]."""
        r, alpha, a, b = PAPER.values()
        expected = (
            (a + b - 1)
            / (a - 1)
            * (
                1
                - (alpha / (alpha + 39)) ** r * special.hyp2f1(r, b, a + b - 1, 39 / (alpha + 39))
            )
        )

        assert pytest.approx(expected, rel=1e-12) == BgNbdFit.from_params(
            **PAPER
        ).expected_purchases_new_customer(39)


class TestByHand:
    def test_probability_alive(self) -> None:
        """r = alpha = a = b = 1, x = 1, t_x = 1, T = 3: BG 1 / (1 + 1/1 (4/2)^2) = 1/5;
        MBG 1 / (1 + 1/2 (4/2)^2) = 1/3."""
        unit = {"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0}
        history = {"frequency": 1, "recency": 1.0, "T": 3.0}

        assert pytest.approx(0.2) == BgNbdFit.from_params(**unit).probability_alive(**history)
        assert pytest.approx(1 / 3) == ModifiedBgNbdFit.from_params(**unit).probability_alive(
            **history
        )

    def test_bg_customer_without_repeats_is_alive(self) -> None:
        """BG/NBD customers only drop out right after a repeat purchase: x = 0 means alive."""
        fit = BgNbdFit.from_params(**PAPER)

        assert 1.0 == fit.probability_alive(frequency=0, recency=0, T=100)

    def test_mbg_customer_without_repeats(self) -> None:
        """MBG/NBD, x = 0: 1 / (1 + a/b ((alpha+T)/alpha)^r); r = alpha = 1, a = 1, b = 3,
        T = 2: 1 / (1 + 1/3 * 3) = 1/2."""
        fit = ModifiedBgNbdFit.from_params(r=1.0, alpha=1.0, a=1.0, b=3.0)

        assert pytest.approx(0.5) == fit.probability_alive(frequency=0, recency=0, T=2)

    def test_expected_purchases_new_customer(self) -> None:
        """r = alpha = 1, a = 2, b = 1, t = 1: (a+b-1)/(a-1) = 2, alpha/(alpha+t) = 1/2,
        2F1(1, 1; 2; 1/2) = -ln(1/2)/(1/2) = 2 ln 2, so 2 (1 - ln 2) = 0.6137."""
        fit = BgNbdFit.from_params(r=1.0, alpha=1.0, a=2.0, b=1.0)

        assert pytest.approx(2 * (1 - math.log(2)), rel=1e-12) == (
            fit.expected_purchases_new_customer(1)
        )

    def test_probability_of_purchases(self) -> None:
        """r = alpha = a = b = 1, t = 1: N(1) ~ NB(1, 1/2), P(N = j) = (1/2)^(j+1).
        P(0) = 1/2; P(1) = B(1,2)/B(1,1) (1/4) + B(2,1)/B(1,1) (1 - 1/2) = 1/8 + 1/4 = 3/8;
        P(2) = B(1,3) (1/8) + B(2,2) (1 - 1/2 - 1/4) = 1/24 + 1/24 = 1/12."""
        fit = BgNbdFit.from_params(r=1.0, alpha=1.0, a=1.0, b=1.0)

        assert (
            pytest.approx([0.5, 3 / 8, 1 / 12])
            == fit.probability_of_purchases([0, 1, 2], 1).tolist()
        )

    def test_mbg_probability_of_purchases(self) -> None:
        """Same parameters, MBG/NBD: gone at once with a/(a+b) = 1/2, else BG/NBD with b = 2.
        P(0) = 1/2 + 1/2 * 1/2 = 3/4; P(1) = 1/2 [B(1,3)/B(1,2) (1/4) + B(2,2)/B(1,2) (1/2)]
        = 1/2 [(2/3)(1/4) + (1/3)(1/2)] = 1/6."""
        fit = ModifiedBgNbdFit.from_params(r=1.0, alpha=1.0, a=1.0, b=1.0)

        assert pytest.approx([0.75, 1 / 6]) == fit.probability_of_purchases([0, 1], 1).tolist()

    def test_zero_horizon(self) -> None:
        """Nothing can happen in zero time."""
        fit = BgNbdFit.from_params(**PAPER)

        assert 0.0 == fit.expected_purchases(0, **CUSTOMER)
        assert 0.0 == fit.expected_purchases_new_customer(0)
        assert [1.0, 0.0] == fit.probability_of_purchases([0, 1], 0).tolist()


# --- the distribution of purchases -------------------------------------------------------


class TestProbabilityOfPurchases:
    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    @pytest.mark.parametrize("t", [0.5, 39.0, 500.0])
    def test_sums_to_one_with_the_expected_mean(
        self, kind: Any, simulate: Any, fit_: Any, shift: int, t: float
    ) -> None:
        """Over n = 0 .. 20,000 the probabilities sum to 1 and their mean is
        expected_purchases_new_customer(t)."""
        fit = kind.from_params(**PAPER)
        n = np.arange(20_000)
        p = fit.probability_of_purchases(n, t)

        assert np.all((0 <= p) & (p <= 1))
        assert pytest.approx(1.0, abs=1e-10) == float(p.sum())
        assert pytest.approx(fit.expected_purchases_new_customer(t), rel=1e-9) == float(
            (n * p).sum()
        )

    @pytest.mark.parametrize("t", [0.1, 1.0, 39.0, 1e4])
    def test_mbg_zero_purchases_includes_customers_gone_at_once(self, t: float) -> None:
        """MBG/NBD: P(0) = a/(a+b) (gone at once) + b/(a+b) (alpha/(alpha+t))^r (alive and
        no purchase yet); it never falls below a/(a+b)."""
        r, alpha, a, b = PAPER.values()
        p0 = ModifiedBgNbdFit.from_params(**PAPER).probability_of_purchases(0, t)

        assert pytest.approx(a / (a + b) + b / (a + b) * (alpha / (alpha + t)) ** r) == p0
        assert a / (a + b) < p0

    def test_bg_zero_purchases(self) -> None:
        """BG/NBD: nobody drops out before a repeat purchase, so P(0) = (alpha/(alpha+t))^r."""
        r, alpha, _, _ = PAPER.values()

        assert pytest.approx((alpha / (alpha + 39)) ** r) == BgNbdFit.from_params(
            **PAPER
        ).probability_of_purchases(0, 39)

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_matches_simulated_customers(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """40,000 customers over 39 weeks: the share with n repeat purchases (n = 0..5) and the
        mean frequency lie within 4 standard errors of the model."""
        n_customers = 40_000
        fit = kind.from_params(**PAPER)
        sample = simulate(PAPER, n_customers=n_customers, T=39, seed=11)
        p = fit.probability_of_purchases(np.arange(6), 39)
        share = np.array([(sample.frequency == k).mean() for k in range(6)])
        expected_mean = fit.expected_purchases_new_customer(39)
        mean_error = sample.frequency.std() / math.sqrt(n_customers)

        assert np.all(np.abs(share - p) < 4 * np.sqrt(p * (1 - p) / n_customers))
        assert abs(sample.frequency.mean() - expected_mean) < 4 * mean_error


# --- conditional predictions ---------------------------------------------------------------


class TestConditionalPredictions:
    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_average_over_simulated_histories(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """Averaged over customers drawn from the model, P(alive at T | history) is the
        unconditional P(alive at T) = sum_n P(N(T) = n) B(a, b + n + shift) / B(a, b), and
        E[purchases in (T, T + t] | history] is E[X(T + t)] - E[X(T)] (the tower rule);
        50,000 customers, within 4 standard errors."""
        n_customers, T, t = 50_000, 39.0, 13.0
        r, alpha, a, b = PAPER.values()
        fit = kind.from_params(**PAPER)
        sample = simulate(PAPER, n_customers=n_customers, T=T, seed=5)
        history = {"frequency": sample.frequency, "recency": sample.recency, "T": sample.T}
        alive = fit.probability_alive(**history)
        expected = fit.expected_purchases(t, **history)
        n = np.arange(5_000)
        alive_at_T = np.sum(
            stats.nbinom.pmf(n, r, alpha / (alpha + T))
            * np.exp(special.betaln(a, b + n + shift) - special.betaln(a, b))
        )
        increment = fit.expected_purchases_new_customer(T + t) - (
            fit.expected_purchases_new_customer(T)
        )

        assert abs(alive.mean() - alive_at_T) < 4 * alive.std() / math.sqrt(n_customers)
        assert abs(expected.mean() - increment) < 4 * expected.std() / math.sqrt(n_customers)

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_a_brand_new_history_predicts_like_a_new_customer(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """frequency 0, recency 0 and T -> 0 is a customer just acquired."""
        fit = kind.from_params(**PAPER)

        assert pytest.approx(fit.expected_purchases_new_customer(39), rel=1e-6) == (
            fit.expected_purchases(39, frequency=0, recency=0, T=1e-9)
        )

    @settings(max_examples=60, deadline=None)
    @given(
        shift=st.sampled_from([0, 1]),
        r=st.floats(0.05, 20),
        alpha=st.floats(0.1, 50),
        a=st.floats(0.2, 10).filter(lambda a: abs(a - 1) > 1e-3),
        b=st.floats(0.8, 20),
        x=st.integers(0, 40),
        share=st.floats(0.01, 1),
        T=st.floats(0.5, 100),
        t=st.floats(0.1, 100),
    )
    def test_equals_the_direct_sum(
        self,
        shift: int,
        r: float,
        alpha: float,
        a: float,
        b: float,
        x: int,
        share: float,
        T: float,
        t: float,
    ) -> None:
        """expected_purchases = P(alive) (the closed form) * the directly summed expectation
        of an alive customer (a + b > 1 here; a + b < 1 has its own test below)."""
        kind = (BgNbdFit, ModifiedBgNbdFit)[shift]
        fit = kind.from_params(r=r, alpha=alpha, a=a, b=b)
        t_x = share * T if x > 0 else 0.0
        alive = alive_closed_form(shift, r, alpha, a, b, x, t_x, T)

        assert pytest.approx(float(alive), rel=1e-9) == fit.probability_alive(
            frequency=x, recency=t_x, T=T
        )
        assert pytest.approx(
            float(alive) * expected_if_alive_series(shift, r, alpha, a, b, x, T, t), rel=1e-8
        ) == fit.expected_purchases(t, frequency=x, recency=t_x, T=T)

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_continuous_at_a_equal_to_one(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """At a = 1 the closed form is 0/0; the prediction there is the midpoint of its
        neighbours at a = 1 +- 1e-3 (the expectation is smooth in a)."""
        base = {"r": 0.5, "alpha": 3.0, "b": 2.0}
        history = {"frequency": 3, "recency": 20.0, "T": 30.0}

        def at(a: float) -> float:
            return float(kind.from_params(a=a, **base).expected_purchases(10, **history))

        assert pytest.approx((at(1.001) + at(0.999)) / 2, rel=1e-5) == at(1.0)

    def test_a_plus_b_below_one_without_repeats_is_finite(self) -> None:
        """BG/NBD with a + b < 1 (here a = 0.5, b = 0.25) and a customer without repeat
        purchases: the expectation is finite and equals the direct sum (about 2.2255 for a
        new customer over t = 10, 1.5977 for x = 0, T = 1), not NaN."""
        fit = BgNbdFit.from_params(r=1.0, alpha=1.0, a=0.5, b=0.25)

        assert pytest.approx(
            expected_if_alive_series(0, 1.0, 1.0, 0.5, 0.25, 0, 0.0, 10.0), rel=1e-8
        ) == fit.expected_purchases_new_customer(10)
        assert pytest.approx(
            expected_if_alive_series(0, 1.0, 1.0, 0.5, 0.25, 0, 1.0, 10.0), rel=1e-8
        ) == fit.expected_purchases(10, frequency=0, recency=0, T=1)

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_loyal_customer_base_is_finite(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """a = 2, b = 200 (a 1 % mean dropout chance per purchase), r = alpha = 1: a new
        customer's expected purchases over t = 10 are finite and equal the direct sum (about
        9.13 for BG/NBD), not NaN."""
        fit = kind.from_params(r=1.0, alpha=1.0, a=2.0, b=200.0)
        gone_at_once = 200.0 / 202.0 if shift else 1.0

        assert pytest.approx(
            gone_at_once * expected_if_alive_series(shift, 1.0, 1.0, 2.0, 200.0, 0, 0.0, 10.0),
            rel=1e-8,
        ) == fit.expected_purchases_new_customer(10)

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_high_dropout_is_accurate(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """a = 400, b = 45 (a 90 % dropout chance per purchase), r = 0.1, alpha = 3, t = 24:
        the closed form's 2F1 overflows, and the expectation must still equal the direct sum
        (0.2110225873935 for a new BG/NBD customer; mpmath's 2F1 at 40 digits and the
        integral over p ~ Beta(a, b) agree), not a number near 0."""
        fit = kind.from_params(r=0.1, alpha=3.0, a=400.0, b=45.0)
        gone_at_once = 45.0 / 445.0 if shift else 1.0

        assert pytest.approx(
            gone_at_once * expected_if_alive_series(shift, 0.1, 3.0, 400.0, 45.0, 0, 0.0, 24.0),
            rel=1e-8,
        ) == fit.expected_purchases_new_customer(24)


class TestInvariants:
    @settings(max_examples=40, deadline=None)
    @given(
        shift=st.sampled_from([0, 1]),
        params=st.tuples(
            st.floats(0.05, 10), st.floats(0.1, 50), st.floats(0.2, 5), st.floats(0.8, 10)
        ),
        x=st.integers(0, 30),
        share=st.floats(0.01, 1),
        T=st.floats(1, 100),
        scale=st.sampled_from([1 / 7, 7.0, 30.0, 365.0]),
    )
    def test_changing_the_time_unit_changes_nothing(
        self,
        shift: int,
        params: tuple[float, float, float, float],
        x: int,
        share: float,
        T: float,
        scale: float,
    ) -> None:
        """Measuring time in another unit multiplies alpha, recency, T and t by the same
        factor: P(alive) and the expected purchases stay the same."""
        kind = (BgNbdFit, ModifiedBgNbdFit)[shift]
        r, alpha, a, b = params
        t_x = share * T if x > 0 else 0.0
        one = kind.from_params(r=r, alpha=alpha, a=a, b=b)
        other = kind.from_params(r=r, alpha=alpha * scale, a=a, b=b)

        assert pytest.approx(one.probability_alive(frequency=x, recency=t_x, T=T)) == (
            other.probability_alive(frequency=x, recency=t_x * scale, T=T * scale)
        )
        assert pytest.approx(one.expected_purchases(10, frequency=x, recency=t_x, T=T)) == (
            other.expected_purchases(10 * scale, frequency=x, recency=t_x * scale, T=T * scale)
        )

    @settings(max_examples=40, deadline=None)
    @given(
        shift=st.sampled_from([0, 1]),
        x=st.integers(1, 30),
        shares=st.tuples(st.floats(0.01, 1), st.floats(0.01, 1)),
        T=st.floats(1, 100),
    )
    def test_alive_is_more_likely_the_more_recent_the_last_purchase(
        self, shift: int, x: int, shares: tuple[float, float], T: float
    ) -> None:
        """P(alive) grows with recency (T fixed) and lies in [0, 1]."""
        fit = (BgNbdFit, ModifiedBgNbdFit)[shift].from_params(**PAPER)
        early, late = sorted(shares)
        p_early = fit.probability_alive(frequency=x, recency=early * T, T=T)
        p_late = fit.probability_alive(frequency=x, recency=late * T, T=T)

        assert 0.0 <= p_early <= p_late <= 1.0

    @settings(max_examples=40, deadline=None)
    @given(shift=st.sampled_from([0, 1]), horizons=st.tuples(st.floats(0, 500), st.floats(0, 500)))
    def test_expected_purchases_grow_with_the_horizon(
        self, shift: int, horizons: tuple[float, float]
    ) -> None:
        """A longer horizon never predicts fewer purchases."""
        fit = (BgNbdFit, ModifiedBgNbdFit)[shift].from_params(**PAPER)
        short, long = sorted(horizons)

        assert (
            0.0
            <= fit.expected_purchases(short, **CUSTOMER)
            <= fit.expected_purchases(long, **CUSTOMER) * (1 + 1e-12)
        )
        assert (
            0.0
            <= fit.expected_purchases_new_customer(short)
            <= (fit.expected_purchases_new_customer(long) * (1 + 1e-12))
        )


# --- shapes of results -----------------------------------------------------------------------


class TestResultShapes:
    def test_scalar_input_gives_python_floats(self) -> None:
        """Every prediction of one customer is a float."""
        fit = BgNbdFit.from_params(**PAPER)

        assert float is type(fit.probability_alive(**CUSTOMER))
        assert float is type(fit.expected_purchases(39, **CUSTOMER))
        assert float is type(fit.expected_purchases_new_customer(39))
        assert float is type(fit.probability_of_purchases(1, 39))

    def test_array_input_gives_read_only_arrays(self) -> None:
        """Arrays of customers give read-only float arrays of the same length."""
        fit = ModifiedBgNbdFit.from_params(**PAPER)
        alive = fit.probability_alive(frequency=[0, 2], recency=[0, 30.43], T=[38.86, 38.86])
        expected = fit.expected_purchases(39, frequency=[0, 2], recency=[0, 30.43], T=[39, 39])

        for values in (alive, expected, fit.probability_of_purchases([0, 1], 39)):
            assert isinstance(values, np.ndarray)
            assert (2,) == values.shape
            assert not values.flags.writeable

    def test_a_scalar_horizon_broadcasts_over_customers(self) -> None:
        """One t for three customers equals three separate calls."""
        fit = BgNbdFit.from_params(**PAPER)
        frequency, recency = [0, 2, 5], [0.0, 30.43, 10.0]
        together = fit.expected_purchases(39, frequency=frequency, recency=recency, T=38.86)

        assert [
            fit.expected_purchases(39, frequency=x, recency=t_x, T=38.86)
            for x, t_x in zip(frequency, recency, strict=True)
        ] == pytest.approx(together.tolist(), rel=1e-14)

    def test_horizons_for_one_customer(self) -> None:
        """An array of t for one customer gives one value per horizon."""
        fit = BgNbdFit.from_params(**PAPER)
        values = fit.expected_purchases([13, 39], **CUSTOMER)

        assert pytest.approx(fit.expected_purchases(39, **CUSTOMER)) == values[1]
        assert values[0] < values[1]

    def test_mismatched_lengths_are_refused(self) -> None:
        """Customers of different lengths, or t of another length than the customers."""
        fit = BgNbdFit.from_params(**PAPER)
        refused(
            fit.expected_purchases,
            {"t": 39, "frequency": [1, 2, 3], "recency": [1.0, 2.0], "T": [5, 5, 5]},
            InvalidInputError,
            "'recency' must be the same length as 'frequency' \\(3\\)",
        )
        refused(
            fit.expected_purchases,
            {"t": [13, 39], "frequency": [1, 2, 3], "recency": [1, 2, 3], "T": [5, 5, 5]},
            InvalidInputError,
            "'frequency' must be the same length as 't' \\(2\\)",
        )
        refused(
            fit.probability_of_purchases,
            {"n": [0, 1], "t": [1, 2, 3]},
            InvalidInputError,
            "'t' must be the same length as 'n' \\(2\\)",
        )


class TestPredictionBadInput:
    @pytest.mark.parametrize(
        ("history", "match"),
        [
            (
                {"frequency": [1, 2, 3], "recency": [1, 6, 7], "T": [5, 5, 5]},
                "'recency' must be at most T; got 6.0 at index 1 \\(2 of 3 rows\\)",
            ),
            (
                {"frequency": [1, -2], "recency": [1, 1], "T": [5, 5]},
                "'frequency' must be whole numbers of at least 0; got -2 at index 1",
            ),
            (
                {"frequency": [1.5], "recency": [1], "T": [5]},
                "'frequency' must be whole numbers of at least 0; got 1.5 at index 0",
            ),
            (
                {"frequency": [0, 3], "recency": [0, 0], "T": [5, 5]},
                "'recency' must be greater than 0 when frequency > 0; got 0.0 at index 1",
            ),
            (
                {"frequency": [0, 0], "recency": [0, 2], "T": [5, 5]},
                "'recency' must be 0 when frequency is 0; got 2.0 at index 1",
            ),
            (
                {"frequency": [0, 0], "recency": [0, 0], "T": [5, 0]},
                "'T' must be finite numbers above 0; got 0.0 at index 1",
            ),
            (
                {"frequency": [1], "recency": [math.nan], "T": [5]},
                "'recency' must be finite numbers of at least 0; got nan at index 0",
            ),
        ],
    )
    def test_inconsistent_histories(self, history: dict[str, Any], match: str) -> None:
        """Each check names the argument, the first bad index and how many rows are bad."""
        fit = BgNbdFit.from_params(**PAPER)
        refused(fit.probability_alive, history, InvalidInputError, match)
        refused(fit.expected_purchases, {"t": 1, **history}, InvalidInputError, match)

    def test_negative_horizon(self) -> None:
        """t must be at least 0."""
        fit = ModifiedBgNbdFit.from_params(**PAPER)
        refused(
            fit.expected_purchases_new_customer,
            {"t": -1},
            InvalidInputError,
            "'t' must be finite numbers of at least 0",
        )

    def test_fractional_purchase_count(self) -> None:
        """n is a whole number of purchases."""
        fit = BgNbdFit.from_params(**PAPER)
        refused(
            fit.probability_of_purchases,
            {"n": 1.5, "t": 39},
            InvalidInputError,
            "'n' must be whole numbers of at least 0",
        )


# --- from_params -------------------------------------------------------------------------


class TestFromParams:
    @pytest.mark.parametrize("kind", [BgNbdFit, ModifiedBgNbdFit])
    def test_parameters_and_repr(self, kind: Any) -> None:
        """The parameters come back by name, in the model's order; no diagnostics."""
        fit = kind.from_params(**PAPER)

        assert PAPER == dict(fit.params)
        assert ["r", "alpha", "a", "b"] == list(fit.params)
        assert f"{kind.__name__}(r=0.243, alpha=4.414, a=0.793, b=2.426)" == repr(fit)
        assert fit.log_likelihood is None
        assert fit.period_days is None

    @pytest.mark.parametrize("kind", [BgNbdFit, ModifiedBgNbdFit])
    @pytest.mark.parametrize(
        ("name", "value"), [("r", 0.0), ("alpha", -1.0), ("a", math.nan), ("b", math.inf)]
    )
    def test_non_positive_parameters_are_refused(self, kind: Any, name: str, value: float) -> None:
        """Every parameter is finite and above 0."""
        refused(
            kind.from_params,
            {**PAPER, name: value},
            InvalidInputError,
            f"'{name}' must be a finite number above 0",
        )


# --- fitting -----------------------------------------------------------------------------


class TestFitting:
    @pytest.mark.parametrize(
        ("kind", "simulate", "fit_", "shift", "n_customers"),
        [
            pytest.param(BgNbdFit, simulate_bg_nbd, fit_bg_nbd, 0, 50_000, id="BG/NBD"),
            pytest.param(
                ModifiedBgNbdFit,
                simulate_modified_bg_nbd,
                fit_modified_bg_nbd,
                1,
                30_000,
                id="MBG/NBD",
            ),
        ],
    )
    def test_recovers_the_parameters(
        self, kind: Any, simulate: Any, fit_: Any, shift: int, n_customers: int
    ) -> None:
        """Customers drawn from the paper's parameters (T from 26 to 52 weeks): each fitted
        parameter lies within 3 standard errors of the truth."""
        T = np.random.default_rng(0).uniform(26, 52, n_customers)
        sample = simulate(PAPER, n_customers=n_customers, T=T, seed=2024)
        fit = fit_(sample.frequency, sample.recency, sample.T)
        errors = fit.standard_errors

        assert isinstance(fit, kind)
        assert n_customers == fit.n
        for name, true in PAPER.items():
            assert abs(fit.params[name] - true) < 3 * errors[name], name

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_log_likelihood_is_the_closed_form_at_the_optimum(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """log L = log[B(a, b+x+k)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0 or k = 1] B(a+1, b+x+k-1)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))]
        summed over customers (k = shift)."""
        sample = simulate(PAPER, n_customers=2_000, T=39, seed=3)
        fit = fit_(sample.frequency, sample.recency, sample.T)
        r, alpha, a, b = fit.params.values()
        x, t_x, T = sample.frequency.astype(float), sample.recency, sample.T
        common = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
        first = (
            special.betaln(a, b + x + shift) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
        )
        has_second = (x > 0) | (shift == 1)
        second = np.where(
            has_second,
            special.betaln(a + 1, np.maximum(b + x + shift - 1, 1e-300))
            - special.betaln(a, b)
            - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )

        assert pytest.approx(float(np.sum(common + np.logaddexp(first, second))), rel=1e-12) == (
            fit.log_likelihood
        )

    def test_weekly_and_daily_data_give_the_same_model(self) -> None:
        """Times in days instead of weeks: alpha is 7 times larger, r, a, b unchanged, and the
        log-likelihood lower by sum(x) ln 7 (each purchase time density is per day)."""
        sample = simulate_bg_nbd(PAPER, n_customers=3_000, T=39, seed=8)
        weekly = fit_bg_nbd(sample.frequency, sample.recency, sample.T, period="W")
        daily = fit_bg_nbd(sample.frequency, sample.recency * 7, sample.T * 7, period="D")

        assert 7.0 == weekly.period_days
        assert 1.0 == daily.period_days
        assert pytest.approx(7 * weekly.alpha, rel=1e-4) == daily.alpha
        assert pytest.approx([weekly.r, weekly.a, weekly.b], rel=1e-4) == [
            daily.r,
            daily.a,
            daily.b,
        ]
        assert (
            pytest.approx(weekly.log_likelihood - sample.frequency.sum() * math.log(7), rel=1e-9)
            == daily.log_likelihood
        )


# --- simulation --------------------------------------------------------------------------


class TestSimulation:
    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_the_same_seed_gives_the_same_customers(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """Seed 7 twice is identical, seed 8 differs, a Generator equals its integer seed."""
        first = simulate(PAPER, n_customers=500, T=39, seed=7)

        assert first == simulate(PAPER, n_customers=500, T=39, seed=7)
        assert first != simulate(PAPER, n_customers=500, T=39, seed=8)
        assert first == simulate(PAPER, n_customers=500, T=39, seed=np.random.default_rng(7))

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_a_fit_simulates_like_its_parameters(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """A fit of the right kind stands for its parameters."""
        fit = kind.from_params(**PAPER)

        assert simulate(PAPER, n_customers=50, T=39, seed=1) == simulate(
            fit, n_customers=50, T=39, seed=1
        )

    @pytest.mark.parametrize(("kind", "simulate", "fit_", "shift"), FAMILY)
    def test_customers_are_valid_histories(
        self, kind: Any, simulate: Any, fit_: Any, shift: int
    ) -> None:
        """frequency >= 0, 0 <= recency <= T, recency 0 exactly without repeat purchases, and
        each customer keeps their own T."""
        T = np.linspace(1, 100, 1_000)
        sample = simulate(PAPER, n_customers=1_000, T=T, seed=4)

        assert isinstance(sample, SimulatedCustomers)
        assert 1000 == len(sample)
        assert T.tolist() == sample.T.tolist()
        assert np.all(sample.frequency >= 0)
        assert np.all((0 <= sample.recency) & (sample.recency <= sample.T))
        assert ((sample.recency == 0) == (sample.frequency == 0)).all()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"fit_or_params": {"r": 1, "alpha": 1, "a": 1}},
                InvalidInputError,
                "'fit_or_params' must be a mapping with exactly r, alpha, a, b",
            ),
            (
                {"fit_or_params": {"r": 1, "alpha": 1, "a": 1, "b": 1, "s": 1}},
                InvalidInputError,
                "'fit_or_params' must be a mapping with exactly r, alpha, a, b",
            ),
            (
                {"fit_or_params": {"r": 1, "alpha": 1, "a": 1, "b": 0}},
                InvalidInputError,
                "'b' must be a finite number above 0",
            ),
            (
                {"fit_or_params": ParetoNbdFit.from_params(r=1, alpha=1, s=1, beta=1)},
                InvalidTypeError,
                "'fit_or_params' must be a (Modified)?BgNbdFit or a mapping",
            ),
            (
                {"n_customers": 0},
                InvalidInputError,
                "'n_customers' must be an integer of at least 1",
            ),
            ({"n_customers": 2.0}, InvalidTypeError, "'n_customers' must be an integer"),
            (
                {"T": [5.0, 6.0]},
                InvalidInputError,
                "'T' must be one number, or one per customer \\(3\\)",
            ),
            ({"T": 0}, InvalidInputError, "'T' must be a finite number above 0"),
            ({"T": [5, 6, -1]}, InvalidInputError, "'T' must be finite numbers above 0"),
            ({"seed": -1}, InvalidInputError, "'seed' must be an integer of at least 0"),
        ],
    )
    @pytest.mark.parametrize("simulate", [simulate_bg_nbd, simulate_modified_bg_nbd])
    def test_bad_input(
        self, simulate: Any, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Parameters, sizes, windows and seeds are checked."""
        call = {"fit_or_params": PAPER, "n_customers": 3, "T": 5.0, **kwargs}
        refused(simulate, call, error, match)
