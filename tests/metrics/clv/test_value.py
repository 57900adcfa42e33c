"""customer_lifetime_value: discounted margin of the expected purchases, in explicit units."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special
from tests.assertions import refused

from crmkit.datasets import Sample
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import (
    BgBbFit,
    BgNbdFit,
    BtydSummary,
    ClvResult,
    GammaGammaFit,
    ModifiedBgNbdFit,
    ParetoNbdFit,
    ShiftedBetaGeometricFit,
    btyd_summary,
    customer_lifetime_value,
    fit_bg_bb,
    fit_bg_nbd,
    fit_gamma_gamma,
)

BG_NBD = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
"""Fader, Hardie & Lee (2005): CDNOW, weekly."""
SPEND = GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44)
"""Fader, Hardie & Lee (2005): CDNOW spend."""
CUSTOMERS: dict[str, Any] = {
    "frequency": [0, 2, 7],
    "recency": [0.0, 30.43, 35.0],
    "T": [38.86, 38.86, 38.86],
    "monetary_value": [0.0, 30.0, 12.5],
}
"""A new-ish customer, the paper's example customer, and a frequent small spender."""


def by_loop(
    fit: Any,
    spend: GammaGammaFit,
    customers: dict[str, Any],
    steps: list[float],
    rate: float,
    margin: float,
) -> np.ndarray:
    """Oracle: sum over periods k of margin * spend * (E(step_k) - E(step_k-1)) / (1 + d)^step_k,
    with E the fit's cumulative expected purchases (E(0) = 0)."""
    history = {
        "frequency": customers["frequency"],
        "recency": customers["recency"],
        ("n_periods" if isinstance(fit, BgBbFit) else "T"): customers["T"],
    }
    per_purchase = np.asarray(
        spend.conditional_expected_spend(
            frequency=customers["frequency"], monetary_value=customers["monetary_value"]
        )
    )
    total = np.zeros(len(customers["frequency"]))
    before = np.zeros(len(customers["frequency"]))
    for step in steps:
        now = np.asarray(fit.expected_purchases(step, **history))
        total += margin * per_purchase * (now - before) / (1 + rate) ** step
        before = now
    return total


@pytest.fixture(scope="module")
def weekly(sample: Sample) -> BtydSummary:
    """The sample's weekly summary to mid-2024."""
    return btyd_summary(sample.transactions, calibration_end=date(2024, 6, 30), period="W")


@pytest.fixture(scope="module")
def fitted(weekly: BtydSummary) -> tuple[BgNbdFit, GammaGammaFit, dict[str, Any]]:
    """BG/NBD and Gamma-Gamma fits of the weekly sample, and five of its customers."""
    pick = [0, 1, 2, 3, 4]
    customers = {
        "frequency": weekly.frequency[pick],
        "recency": weekly.recency[pick],
        "T": weekly.T[pick],
        "monetary_value": weekly.monetary_value[pick],
    }
    transactions = fit_bg_nbd(
        weekly.frequency, weekly.recency, weekly.T, period=weekly.period_days
    )
    return transactions, fit_gamma_gamma(weekly.frequency, weekly.monetary_value), customers


# --- values ---------------------------------------------------------------------------------


class TestValue:
    def test_one_period_undiscounted_by_hand(self) -> None:
        """Horizon 1, d = 0, margin 0.5: 0.5 * spend * E[purchases in 1 week]. The paper
        customer's spend is 6.25 (15.44 + 2 * 30) / (6.25 * 2 + 3.74 - 1) = 471.5 / 15.24."""
        clv = customer_lifetime_value(
            BG_NBD, SPEND, **CUSTOMERS, horizon=1, discount_rate=0.0, margin=0.5
        )
        purchases = BG_NBD.expected_purchases(1, frequency=2, recency=30.43, T=38.86)

        assert pytest.approx(0.5 * 471.5 / 15.24 * purchases) == clv.value[1]
        assert (1.0, 0.0, 0.5) == (clv.horizon, clv.discount_rate, clv.margin)

    def test_discounting_period_by_period(self) -> None:
        """Horizon 5 at 10% a period equals the explicit loop over periods 1..5."""
        clv = customer_lifetime_value(
            BG_NBD, SPEND, **CUSTOMERS, horizon=5, discount_rate=0.1, margin=0.3
        )

        assert pytest.approx(by_loop(BG_NBD, SPEND, CUSTOMERS, [1, 2, 3, 4, 5], 0.1, 0.3)) == (
            clv.value.tolist()
        )

    def test_partial_last_period(self) -> None:
        """Horizon 2.5: periods end at 1, 2 and 2.5, the last discounted by 1.1^2.5."""
        clv = customer_lifetime_value(BG_NBD, SPEND, **CUSTOMERS, horizon=2.5, discount_rate=0.1)

        assert pytest.approx(by_loop(BG_NBD, SPEND, CUSTOMERS, [1, 2, 2.5], 0.1, 1.0)) == (
            clv.value.tolist()
        )

    def test_docstring_value(self) -> None:
        """One year (364 days = 52 weeks) at 10% a year, margin 0.3: 13.84 for the paper's
        customer, and the horizon is reported in weeks."""
        clv = customer_lifetime_value(
            BG_NBD,
            SPEND,
            frequency=[2],
            recency=[30.43],
            T=[38.86],
            monetary_value=[30.0],
            horizon=timedelta(days=364),
            discount_rate=0.10,
            margin=0.3,
        )

        assert [13.84] == clv.value.round(2).tolist()
        assert 52.0 == round(clv.horizon, 6)

    @settings(max_examples=30, deadline=None)
    @given(horizon=st.floats(0.1, 104), margin=st.floats(0.01, 1.0))
    def test_undiscounted_value_is_margin_spend_purchases(
        self, horizon: float, margin: float
    ) -> None:
        """With d = 0 the periods telescope: value = margin * spend * E[purchases in horizon]."""
        clv = customer_lifetime_value(
            BG_NBD, SPEND, **CUSTOMERS, horizon=horizon, discount_rate=0.0, margin=margin
        )
        purchases = np.asarray(
            BG_NBD.expected_purchases(
                horizon,
                frequency=CUSTOMERS["frequency"],
                recency=CUSTOMERS["recency"],
                T=CUSTOMERS["T"],
            )
        )
        spend = np.asarray(
            SPEND.conditional_expected_spend(
                frequency=CUSTOMERS["frequency"], monetary_value=CUSTOMERS["monetary_value"]
            )
        )

        assert pytest.approx(margin * spend * purchases, rel=1e-9) == clv.value.tolist()

    @settings(max_examples=30, deadline=None)
    @given(rate=st.floats(0.0, 0.5), extra=st.floats(0.001, 0.5), horizon=st.integers(1, 60))
    def test_more_discount_less_value(self, rate: float, extra: float, horizon: int) -> None:
        """A higher discount rate never raises a value; a longer horizon never lowers one."""

        def value(d: float, h: float) -> np.ndarray:
            return customer_lifetime_value(
                BG_NBD, SPEND, **CUSTOMERS, horizon=h, discount_rate=d
            ).value

        assert (value(rate + extra, horizon) <= value(rate, horizon)).all()
        assert (value(rate, horizon) <= value(rate, horizon + 1)).all()
        assert (value(rate, horizon) > 0).all()

    def test_no_repeat_purchases_uses_mean_spend(self) -> None:
        """Frequency 0 customers are valued at the population mean spend p gamma / (q - 1)."""
        clv = customer_lifetime_value(
            BG_NBD,
            SPEND,
            frequency=[0],
            recency=[0.0],
            T=[10.0],
            monetary_value=[0.0],
            horizon=4,
            discount_rate=0.0,
        )
        purchases = BG_NBD.expected_purchases(4, frequency=0, recency=0, T=10)

        assert pytest.approx(SPEND.mean_spend * purchases) == clv.value[0]

    def test_bg_nbd_with_a_plus_b_below_one(self) -> None:
        """BG/NBD with a + b < 1 (r=1, alpha=2, a=0.5, b=0.45) is a valid model. Without repeat
        purchases the customer is alive at T and lambda ~ Gamma(r, alpha + T), so E[X(T, T+t)]
        = E_p[(1 - ((alpha + T) / (alpha + T + p t))^r) / p], p ~ Beta(a, b); by quadrature
        0.6064 for T = t = 10. Undiscounted, the value is mean_spend times that."""
        r, alpha, a, b, T, t = 1.0, 2.0, 0.5, 0.45, 10.0, 10.0

        def future(p: float) -> float:
            return (
                -math.expm1(-r * math.log1p(p * t / (alpha + T))) / p if p else r * t / (alpha + T)
            )

        purchases = integrate.quad(
            future, 0, 1, weight="alg", wvar=(a - 1, b - 1), epsabs=0, epsrel=1e-12
        )[0] / math.exp(special.betaln(a, b))
        fit = BgNbdFit.from_params(r=r, alpha=alpha, a=a, b=b)
        clv = customer_lifetime_value(
            fit,
            SPEND,
            frequency=[0],
            recency=[0.0],
            T=[T],
            monetary_value=[0.0],
            horizon=t,
            discount_rate=0.0,
        )

        assert pytest.approx(0.6064298, rel=1e-6) == purchases
        assert pytest.approx(SPEND.mean_spend * purchases, rel=1e-9) == clv.value[0]

    def test_scalar_history_gives_one_value(self) -> None:
        """A single customer's numbers give a one-element value array."""
        clv = customer_lifetime_value(
            BG_NBD,
            SPEND,
            frequency=2,
            recency=30.43,
            T=38.86,
            monetary_value=30.0,
            horizon=1,
            discount_rate=0.0,
        )

        assert (1,) == clv.value.shape
        assert clv.low is None
        assert clv.high is None
        assert clv.confidence is None

    def test_repr(self) -> None:
        """The repr shows the count, horizon (in periods), rate and margin."""
        clv = customer_lifetime_value(BG_NBD, SPEND, **CUSTOMERS, horizon=52, discount_rate=0.0)

        assert isinstance(clv, ClvResult)
        assert "ClvResult(n_customers=3, horizon=52.0, discount_rate=0.0, margin=1.0)" == repr(clv)


# --- units ----------------------------------------------------------------------------------


class TestUnits:
    @pytest.mark.parametrize(("period", "days"), [("W", 7.0), ("D", 1.0), (30, 30.0)])
    def test_timedelta_horizon_converts_with_period_days(self, period: Any, days: float) -> None:
        """A timedelta horizon is days / period_days periods and the annual rate becomes
        (1 + annual)^(period_days / 365.25) - 1 per period; the value equals the numeric call."""
        fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, period=period)
        per_period = 1.1 ** (days / 365.25) - 1
        by_duration = customer_lifetime_value(
            fit, SPEND, **CUSTOMERS, horizon=timedelta(days=420), discount_rate=0.1
        )
        by_number = customer_lifetime_value(
            fit, SPEND, **CUSTOMERS, horizon=420 / days, discount_rate=per_period
        )

        assert pytest.approx(420 / days) == by_duration.horizon
        assert pytest.approx(per_period, rel=1e-12) == by_duration.discount_rate
        assert pytest.approx(by_number.value.tolist(), rel=1e-12) == by_duration.value.tolist()

    def test_weekly_rate_by_hand(self) -> None:
        """10% a year is 1.1^(7/365.25) - 1 = 0.0018283 a week (exp(0.0953102 * 0.0191650)
        - 1)."""
        clv = customer_lifetime_value(
            BG_NBD, SPEND, **CUSTOMERS, horizon=timedelta(weeks=1), discount_rate=0.1
        )

        assert pytest.approx(0.0018283, abs=1e-7) == clv.discount_rate

    def test_timedelta_needs_a_fit_with_a_period(self) -> None:
        """Without a known period a duration cannot be turned into periods: refused naming
        'horizon'."""
        fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)

        refused(
            customer_lifetime_value,
            {
                "transaction_fit": fit,
                "spend_fit": SPEND,
                **CUSTOMERS,
                "horizon": timedelta(days=365),
                "discount_rate": 0.1,
            },
            InvalidInputError,
            "'horizon'",
        )

    def test_bg_bb_whole_opportunities(self) -> None:
        """BG/BB takes n_periods as T; a whole horizon equals the loop over opportunities, a
        fractional one is refused naming 'horizon'."""
        fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        donors = {
            "frequency": [0, 3, 6],
            "recency": [0, 4, 6],
            "T": [6, 6, 6],
            "monetary_value": [0.0, 40.0, 25.0],
        }
        clv = customer_lifetime_value(fit, SPEND, **donors, horizon=4, discount_rate=0.05)

        assert pytest.approx(by_loop(fit, SPEND, donors, [1, 2, 3, 4], 0.05, 1.0)) == (
            clv.value.tolist()
        )
        refused(
            customer_lifetime_value,
            {
                "transaction_fit": fit,
                "spend_fit": SPEND,
                **donors,
                "horizon": 2.5,
                "discount_rate": 0.0,
            },
            InvalidInputError,
            "'horizon'",
        )

    def test_bg_bb_yearly_timedelta(self) -> None:
        """A yearly BG/BB fit (period 365.25 days) takes a 3-year timedelta as 3 opportunities
        with the annual rate unchanged."""
        fit = BgBbFit.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, period=365.25)
        donors = {"frequency": [3], "recency": [4], "T": [6], "monetary_value": [40.0]}
        clv = customer_lifetime_value(
            fit, SPEND, **donors, horizon=timedelta(days=3 * 365.25), discount_rate=0.08
        )

        assert 3.0 == clv.horizon
        assert pytest.approx(0.08, rel=1e-12) == clv.discount_rate
        assert pytest.approx(by_loop(fit, SPEND, donors, [1, 2, 3], 0.08, 1.0)) == (
            clv.value.tolist()
        )

    def test_bg_bb_bad_t_names_t(self) -> None:
        """For BG/BB the opportunities arrive as T, so a bad one is refused naming 'T' (the
        caller's argument), not the model's internal name 'n_periods'."""
        fit = BgBbFit.from_params(alpha=1.0, beta=1.0, gamma=1.0, delta=1.0)

        refused(
            customer_lifetime_value,
            {
                "transaction_fit": fit,
                "spend_fit": SPEND,
                "frequency": [1, 1],
                "recency": [1, 1],
                "T": [6, 2.5],
                "monetary_value": [5.0, 5.0],
                "horizon": 2,
                "discount_rate": 0.0,
            },
            InvalidInputError,
            "'T'",
        )

    def test_bg_bb_history_checked_as_opportunities(self) -> None:
        """A BG/BB history with more transactions than opportunities is refused."""
        fit = BgBbFit.from_params(alpha=1.0, beta=1.0, gamma=1.0, delta=1.0)

        refused(
            customer_lifetime_value,
            {
                "transaction_fit": fit,
                "spend_fit": SPEND,
                "frequency": [3],
                "recency": [2],
                "T": [6],
                "monetary_value": [5.0],
                "horizon": 2,
                "discount_rate": 0.0,
            },
            InvalidInputError,
            "'frequency'",
        )

    @pytest.mark.parametrize(
        ("fit", "steps"),
        [
            (ParetoNbdFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669), [1, 2, 3]),
            (ModifiedBgNbdFit.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5), [1, 2, 3]),
        ],
    )
    def test_other_transaction_models(self, fit: Any, steps: list[float]) -> None:
        """Pareto/NBD and MBG/NBD fits give the same period-by-period sum."""
        clv = customer_lifetime_value(
            fit, SPEND, **CUSTOMERS, horizon=3, discount_rate=0.02, margin=0.4
        )

        assert pytest.approx(by_loop(fit, SPEND, CUSTOMERS, steps, 0.02, 0.4)) == (
            clv.value.tolist()
        )


# --- intervals ------------------------------------------------------------------------------


class TestIntervals:
    @pytest.mark.parametrize("method", ["delta", "bootstrap"])
    def test_interval_contains_value(
        self, fitted: tuple[BgNbdFit, GammaGammaFit, dict[str, Any]], method: str
    ) -> None:
        """low <= value <= high for every customer, with the level recorded."""
        transactions, spend, customers = fitted
        clv = customer_lifetime_value(
            transactions,
            spend,
            **customers,
            horizon=26,
            discount_rate=0.002,
            confidence=0.9,
            method=method,
            n_draws=200,
            seed=0,
        )

        assert clv.low is not None
        assert clv.high is not None
        assert (clv.low <= clv.value).all()
        assert (clv.value <= clv.high).all()
        assert (clv.low < clv.high).all()
        assert 0.9 == clv.confidence

    def test_bootstrap_is_seeded(
        self, fitted: tuple[BgNbdFit, GammaGammaFit, dict[str, Any]]
    ) -> None:
        """The same seed gives the same bootstrap interval; another seed a different one."""
        transactions, spend, customers = fitted

        def bootstrap(seed: int) -> ClvResult:
            return customer_lifetime_value(
                transactions,
                spend,
                **customers,
                horizon=10,
                discount_rate=0.0,
                confidence=0.95,
                method="bootstrap",
                n_draws=50,
                seed=seed,
            )

        first, again, other = bootstrap(1), bootstrap(1), bootstrap(2)
        assert np.array_equal(first.low, again.low)  # type: ignore[arg-type]
        assert np.array_equal(first.high, again.high)  # type: ignore[arg-type]
        assert not np.array_equal(first.low, other.low)  # type: ignore[arg-type]

    def test_wider_for_higher_confidence(
        self, fitted: tuple[BgNbdFit, GammaGammaFit, dict[str, Any]]
    ) -> None:
        """The delta-method interval at 99% contains the one at 80%."""
        transactions, spend, customers = fitted
        narrow, wide = (
            customer_lifetime_value(
                transactions, spend, **customers, horizon=10, discount_rate=0.0, confidence=level
            )
            for level in (0.8, 0.99)
        )

        assert (wide.low <= narrow.low).all()  # type: ignore[operator]
        assert (narrow.high <= wide.high).all()  # type: ignore[operator]

    def test_bg_bb_interval(self) -> None:
        """A fitted BG/BB model and a fitted spend model give an interval around the value."""
        rows = [(6, 6, 1203), (3, 4, 181), (1, 1, 1091), (0, 0, 3464), (2, 5, 173), (4, 6, 512)]
        x, t_x, count = zip(*rows, strict=True)
        fit = fit_bg_bb(x, t_x, [6] * len(rows), weights=count)
        spend = fit_gamma_gamma([1, 2, 3, 4, 5, 6] * 20, np.linspace(20, 60, 120))
        clv = customer_lifetime_value(
            fit,
            spend,
            frequency=[3, 0],
            recency=[4, 0],
            T=[6, 6],
            monetary_value=[40.0, 0.0],
            horizon=3,
            discount_rate=0.1,
            confidence=0.95,
        )

        assert (clv.low <= clv.value).all()  # type: ignore[operator]
        assert (clv.value <= clv.high).all()  # type: ignore[operator]

    @pytest.mark.parametrize("known", ["transaction", "spend"])
    def test_known_parameters_have_no_interval(
        self, fitted: tuple[BgNbdFit, GammaGammaFit, dict[str, Any]], known: str
    ) -> None:
        """An interval from a model made with from_params (no covariance) is refused naming
        'fit'."""
        transactions, spend, customers = fitted
        kwargs = {
            "transaction_fit": BG_NBD if known == "transaction" else transactions,
            "spend_fit": SPEND if known == "spend" else spend,
            **customers,
            "horizon": 4,
            "discount_rate": 0.0,
            "confidence": 0.95,
        }

        refused(customer_lifetime_value, kwargs, InvalidInputError, "'fit'")


# --- bad input ------------------------------------------------------------------------------


class TestRefused:
    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"margin": 0.0}, "'margin'"),
            ({"margin": 1.5}, "'margin'"),
            ({"margin": -0.2}, "'margin'"),
            ({"horizon": 0}, "'horizon'"),
            ({"horizon": -3}, "'horizon'"),
            ({"horizon": timedelta(0)}, "'horizon'"),
            ({"discount_rate": -0.01}, "'discount_rate'"),
            ({"confidence": 1.0}, "'confidence'"),
            ({"method": "exact", "confidence": 0.9}, "'method'"),
            ({"recency": [0.0, 40.0, 35.0]}, "'recency'"),
            ({"monetary_value": [0.0, 0.0, 12.5]}, "'monetary_value'"),
            ({"monetary_value": [0.0, 30.0]}, "'monetary_value'"),
            ({"frequency": [0, 2.5, 7]}, "'frequency'"),
        ],
    )
    def test_bad_input_refused(self, kwargs: dict[str, Any], match: str) -> None:
        """Margins outside (0, 1], non-positive horizons, negative rates, bad interval options
        and inconsistent histories raise InvalidInputError naming the argument."""
        call_kwargs = {
            "transaction_fit": BG_NBD,
            "spend_fit": SPEND,
            **CUSTOMERS,
            "horizon": 4,
            "discount_rate": 0.0,
            **kwargs,
        }

        refused(customer_lifetime_value, call_kwargs, InvalidInputError, match)

    def test_bad_spend_row_names_index(self) -> None:
        """A repeat buyer without spend is named by index and count."""
        with pytest.raises(InvalidInputError, match=r"got 0\.0 at index 1 \(1 of 3 rows\)"):
            customer_lifetime_value(
                BG_NBD,
                SPEND,
                **{**CUSTOMERS, "monetary_value": [0.0, 0.0, 12.5]},
                horizon=4,
                discount_rate=0.0,
            )

    def test_spend_model_without_finite_mean_refused(self) -> None:
        """q <= 1 leaves a new customer's spend undefined: refused naming 'q'."""
        spend = GammaGammaFit.from_params(p=6.25, q=0.9, gamma=15.44)

        refused(
            customer_lifetime_value,
            {
                "transaction_fit": BG_NBD,
                "spend_fit": spend,
                **CUSTOMERS,
                "horizon": 4,
                "discount_rate": 0.0,
            },
            InvalidInputError,
            "'q'",
        )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"transaction_fit": SPEND}, "'transaction_fit'"),
            (
                {"transaction_fit": ShiftedBetaGeometricFit.from_params(alpha=1.0, beta=2.0)},
                "'transaction_fit'",
            ),
            ({"transaction_fit": {"r": 1.0}}, "'transaction_fit'"),
            ({"spend_fit": BG_NBD}, "'spend_fit'"),
            ({"spend_fit": None}, "'spend_fit'"),
        ],
    )
    def test_wrong_fit_types(self, kwargs: dict[str, Any], match: str) -> None:
        """Only transaction models as the first fit and a Gamma-Gamma fit as the second."""
        call_kwargs = {
            "transaction_fit": BG_NBD,
            "spend_fit": SPEND,
            **CUSTOMERS,
            "horizon": 4,
            "discount_rate": 0.0,
            **kwargs,
        }

        refused(customer_lifetime_value, call_kwargs, InvalidTypeError, match)


class TestToFrame:
    def test_rows_follow_the_customers_with_their_interval(
        self, fitted: tuple[BgNbdFit, GammaGammaFit, dict[str, Any]]
    ) -> None:
        """to_frame puts the given ids beside each value and its interval, in order."""
        transactions, spend, customers = fitted
        clv = customer_lifetime_value(
            transactions, spend, **customers, horizon=13.0, discount_rate=0.0, confidence=0.9
        )

        frame = clv.to_frame(customer_id=list("abcde"))

        assert ["customer_id", "clv", "clv_low", "clv_high"] == frame.columns.tolist()
        assert list("abcde") == frame["customer_id"].tolist()
        assert clv.value.tolist() == frame["clv"].tolist()
        assert (frame["clv_low"] <= frame["clv"]).all()

    def test_a_wrong_number_of_ids_is_refused(self) -> None:
        """One id per customer valued: a shorter list names 'customer_id'."""
        clv = customer_lifetime_value(BG_NBD, SPEND, **CUSTOMERS, horizon=13.0, discount_rate=0.0)

        refused(clv.to_frame, {"customer_id": ["a"]}, InvalidInputError, "'customer_id' must")
