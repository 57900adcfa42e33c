"""Finance: the points liability in exact decimals, and breakage estimated from the redemption
curves of earning cohorts (U (1 - exp(-k t)) fitted over the observed triangle)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.loyalty import (
    Balance,
    Breakage,
    Ledger,
    Liability,
    Program,
    adjust,
    balance,
    earn,
    estimate_breakage,
    liability,
)
from crmkit.models import Money, Transaction

AT = datetime(2025, 3, 1, tzinfo=UTC)
MONTHS = np.arange(1, 13)


def held(available: int, pending: int = 0) -> Balance:
    """A balance with *available* and *pending* points (the other fields do not matter)."""
    return Balance(
        as_of=AT,
        available=available,
        pending=pending,
        expiring=0,
        earned=max(available, 0) + pending,
        redeemed=0,
        expired=0,
        reversed=0,
    )


def curve(ultimate: float, speed: float, months: NDArray[Any] = MONTHS) -> NDArray[np.float64]:
    """The cumulative redemption share U (1 - exp(-k t)) at ages t."""
    return ultimate * (1 - np.exp(-speed * months))


def simulate_cohorts(
    rng: np.random.Generator,
    ultimate: float,
    speed: float,
    n_cohorts: int = 18,
    n_months: int = 24,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Cohorts of 2,000-6,000 points; each point is redeemed in month t with probability
    U (exp(-k (t-1)) - exp(-k t)), or never (probability 1 - U). Cohort i is seen for
    n_months - i months (the triangle: the youngest cohorts have the fewest months)."""
    earned = rng.integers(2000, 6000, n_cohorts)
    ages = np.arange(1, n_months + 1)
    monthly = np.diff(np.concatenate([[0.0], curve(ultimate, speed, ages)]))
    probabilities = np.append(monthly, 1 - monthly.sum())
    table = np.full((n_cohorts, n_months), np.nan)
    for row, points in enumerate(earned):
        seen = n_months - row
        table[row, :seen] = np.cumsum(rng.multinomial(points, probabilities)[:-1])[:seen]
    return earned, table


class TestLiability:
    def test_docstring_example_by_hand(self) -> None:
        """2,000 points with 20% breakage: 1,600 expected redemptions at 0.01 each, 16."""
        result = liability([1200, 800], cost_per_point="0.01", breakage_rate=0.2)

        assert isinstance(result, Liability)
        assert (2000, Decimal(1600), Decimal("0.01"), 0.2, Decimal(16)) == (
            result.outstanding_points,
            result.expected_redemptions,
            result.cost_per_point,
            result.breakage_rate,
            result.value,
        )

    def test_exact_decimals(self) -> None:
        """12 points, 25% breakage, half a cent a point: 9 x 0.005 = 0.045 exactly."""
        result = liability(np.array([5, 7]), cost_per_point=Decimal("0.005"), breakage_rate=0.25)

        assert Decimal("0.045") == result.value
        assert isinstance(result.value, Decimal)

    def test_a_breakage_rate_of_one_tenth_is_exact(self) -> None:
        """0.1 is not one tenth in binary, but the liability of 1,000 points at 0.01 with
        10% breakage is exactly 9 (not 8.9999...)."""
        result = liability([1000], cost_per_point="0.01", breakage_rate=0.1)

        assert (Decimal(900), Decimal(9)) == (result.expected_redemptions, result.value)

    def test_from_balances_clips_overdrafts_and_counts_pending(self) -> None:
        """Balances -50 available + 30 pending and 100 + 20: an overdraft counts as 0, pending
        points count, so 0 + 30 + 100 + 20 = 150 points; at 1 a point and no breakage, 150."""
        result = liability([held(-50, 30), held(100, 20)], cost_per_point=1)

        assert (150, Decimal(150)) == (result.outstanding_points, result.value)

    def test_from_real_ledgers(self) -> None:
        """A purchase of 128.50 (128 points, pending 7 days) and a 50-point goodwill
        adjustment: 178 outstanding the day after, worth 1.78 at 0.01 a point."""
        program = Program.simple(currency="CNY", pending_days=7)
        purchase = Transaction(id="o1", customer_id="m1", at=AT, amount=Money("128.50", "CNY"))
        one = earn(Ledger.empty("m1"), program, purchase, key="o1")
        two = adjust(Ledger.empty("m2"), program, 50, at=AT, key="a1")
        day_after = datetime(2025, 3, 2, tzinfo=UTC)

        result = liability(
            [balance(ledger, as_of=day_after) for ledger in (one, two)], cost_per_point="0.01"
        )

        assert (178, Decimal("1.78")) == (result.outstanding_points, result.value)

    def test_ledgers_valued_at_a_moment(self) -> None:
        """The same ledgers given as they are, in a list or by member (as replay_events gives
        them), valued at as_of: 178 points the day after; on the day of the purchase the
        pending points count too, so 178 again; a week before anything, 0."""
        program = Program.simple(currency="CNY", pending_days=7)
        purchase = Transaction(id="o1", customer_id="m1", at=AT, amount=Money("128.50", "CNY"))
        one = earn(Ledger.empty("m1"), program, purchase, key="o1")
        two = adjust(Ledger.empty("m2"), program, 50, at=AT, key="a1")
        day_after = datetime(2025, 3, 2, tzinfo=UTC)

        by_list = liability([one, two], cost_per_point="0.01", as_of=day_after)
        by_member = liability({"m1": one, "m2": two}, cost_per_point="0.01", as_of=day_after)
        mixed = liability([one, balance(two, as_of=AT)], cost_per_point="0.01", as_of=AT)
        before = liability(
            [one, two], cost_per_point="0.01", as_of=datetime(2025, 2, 1, tzinfo=UTC)
        )

        assert by_list == by_member
        assert (178, Decimal("1.78")) == (by_list.outstanding_points, by_list.value)
        assert 178 == mixed.outstanding_points
        assert 0 == before.outstanding_points

    def test_other_containers_of_balances_and_counts(self) -> None:
        """A generator of balances, a pandas Series of counts and an empty list all work."""

        def balances() -> Iterator[Balance]:
            yield held(10)
            yield held(5, 5)

        assert 20 == liability(balances(), cost_per_point=1).outstanding_points
        assert 30 == liability(pd.Series([10, 20]), cost_per_point=1).outstanding_points
        assert (0, Decimal(0)) == (
            liability([], cost_per_point="0.01").outstanding_points,
            liability([], cost_per_point="0.01").value,
        )

    @settings(max_examples=60, deadline=None)
    @given(
        points=st.lists(st.integers(0, 10**7), max_size=20),
        rate=st.floats(0.0, 1.0),
        cents=st.integers(0, 10_000),
    )
    def test_value_bounds_and_order(self, points: list[int], rate: float, cents: int) -> None:
        """The value is between 0 (all breakage) and outstanding x cost (no breakage), equals
        the latter at rate 0 and 0 at rate 1, and does not depend on the order of members."""
        cost = Decimal(cents) / 100

        result = liability(points, cost_per_point=cost, breakage_rate=rate)

        assert sum(points) == result.outstanding_points
        assert Decimal(0) <= result.value <= sum(points) * cost
        assert sum(points) * cost == liability(points, cost_per_point=cost).value
        assert Decimal(0) == liability(points, cost_per_point=cost, breakage_rate=1.0).value
        assert result == liability(points[::-1], cost_per_point=cost, breakage_rate=rate)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"cost_per_point": "-0.01"},
                InvalidInputError,
                "'cost_per_point' must be an amount >= 0; got Decimal\\('-0.01'\\)",
            ),
            (
                {"cost_per_point": 0.01},
                InvalidTypeError,
                "'cost_per_point' must be a Decimal, int or str; got float 0.01",
            ),
            (
                {"cost_per_point": "one cent"},
                InvalidInputError,
                "'cost_per_point' must be a decimal number .*; got 'one cent'",
            ),
            (
                {"breakage_rate": 1.5},
                InvalidInputError,
                "'breakage_rate' must be a finite number in \\[0, 1\\]; got 1.5",
            ),
            ({"breakage_rate": -0.1}, InvalidInputError, "'breakage_rate' must be .*; got -0.1"),
            (
                {"breakage_rate": float("nan")},
                InvalidInputError,
                "'breakage_rate' must be .*; got nan",
            ),
            (
                {"breakage_rate": "0.2"},
                InvalidTypeError,
                "'breakage_rate' must be a real number; got str '0.2'",
            ),
            (
                {"balances": [1, -2]},
                InvalidInputError,
                "'balances' must be whole numbers of at least 0; got -2 at index 1",
            ),
            (
                {"balances": [1.5]},
                InvalidInputError,
                "'balances' must be whole numbers .*; got 1.5 at index 0",
            ),
            (
                {"balances": [float("nan")]},
                InvalidInputError,
                "'balances' must be whole numbers .*; got nan",
            ),
            (
                {"balances": "1200"},
                InvalidTypeError,
                "'balances' must be Ledger or Balance values, or point counts; got str '1200'",
            ),
            (
                {"balances": 1200},
                InvalidTypeError,
                "'balances' must be Ledger or Balance values, or point counts; got int 1200",
            ),
            (
                {"balances": [held(10), 3]},
                InvalidTypeError,
                "'balances' must be an array of numbers",
            ),
            ({"balances": [[1, 2]]}, InvalidInputError, "'balances' must be one-dimensional"),
            (
                {"balances": [Ledger.empty("m1")]},
                InvalidInputError,
                "'as_of' must be the moment to value the ledgers at; got None",
            ),
            (
                {"balances": [Ledger.empty("m1")], "as_of": datetime(2025, 3, 1)},
                InvalidInputError,
                "'as_of' must be",
            ),
        ],
    )
    def test_bad_inputs_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """A negative, float or unreadable cost, a breakage rate outside [0, 1] or not a
        number, point counts that are negative, fractional, NaN, text, a scalar, mixed
        with balances or nested, ledgers without a timezone-aware as_of, and a mapping whose
        ledger is another member's are refused naming the argument and the value."""
        refused(liability, {"balances": [100], "cost_per_point": "0.01", **kwargs}, error, match)

    def test_ledger_of_another_member_refused(self) -> None:
        """In a mapping by member, a ledger under another member's id is refused, naming it."""
        with pytest.raises(
            InvalidInputError, match=r"'balances\['m2'\]' must be the ledger of 'm2'"
        ):
            liability({"m2": Ledger.empty("m1")}, cost_per_point=1, as_of=AT)


class TestEstimateBreakage:
    def test_docstring_example(self) -> None:
        """Two cohorts on the curve 0.8 (1 - exp(-0.3 t)), the younger seen for 6 months:
        U = 0.8 and k = 0.3 come back exactly; breakage is 0.2 over 18 cells."""
        redeemed = np.vstack([1000 * curve(0.8, 0.3), 2000 * curve(0.8, 0.3)])
        redeemed[1, 6:] = np.nan

        fit = estimate_breakage([1000, 2000], redeemed)

        assert isinstance(fit, Breakage)
        assert pytest.approx(0.8, abs=1e-6) == fit.ultimate_redemption_rate
        assert pytest.approx(0.2, abs=1e-6) == fit.breakage_rate
        assert pytest.approx(0.3, abs=1e-6) == fit.speed
        assert 18 == fit.n_cells

    def test_breakage_is_one_minus_the_ultimate_rate(self) -> None:
        """One cohort of 100 points on 0.7 (1 - exp(-0.5 t)) over 6 months: breakage 0.3."""
        fit = estimate_breakage([100.0], [100 * curve(0.7, 0.5, np.arange(1, 7))])

        assert pytest.approx(0.3, abs=1e-6) == fit.breakage_rate
        assert fit.breakage_rate == pytest.approx(1 - fit.ultimate_redemption_rate, abs=1e-15)

    def test_bigger_cohorts_weigh_more(self) -> None:
        """Cohorts of 9,000 points heading to U = 0.8 and of 1,000 heading to 0.4 (same k =
        0.3, same 12 months seen): each cell is weighted by its cohort's points, so with k
        right the weighted least squares U is the points-weighted mean (9000 x 0.8 +
        1000 x 0.4) / 10000 = 0.76, not the plain mean 0.6."""
        redeemed = [9000 * curve(0.8, 0.3), 1000 * curve(0.4, 0.3)]

        fit = estimate_breakage([9000, 1000], redeemed)

        assert pytest.approx(0.76, abs=1e-6) == fit.ultimate_redemption_rate
        assert pytest.approx(0.3, abs=1e-6) == fit.speed

    def test_the_triangle_of_unobserved_cells_is_ignored(self) -> None:
        """Six cohorts on one curve, cohort i seen for 12 - 2i months (NaN after): the fit
        counts only the 12 + 10 + 8 + 6 + 4 + 2 = 42 observed cells and recovers the curve;
        a cohort earned this month, all NaN, changes nothing."""
        earned = np.array([1000.0, 1500, 800, 2000, 1200, 900])
        redeemed = earned[:, None] * curve(0.65, 0.2)
        for row in range(6):
            redeemed[row, 12 - 2 * row :] = np.nan
        newest = np.vstack([redeemed, np.full(12, np.nan)])

        fit = estimate_breakage(earned, redeemed)
        with_newest = estimate_breakage(np.append(earned, 700.0), newest)

        assert 42 == fit.n_cells
        assert pytest.approx(0.65, abs=1e-6) == fit.ultimate_redemption_rate
        assert pytest.approx(0.2, abs=1e-6) == fit.speed
        assert fit == with_newest

    @pytest.mark.parametrize(
        ("ultimate", "speed", "seed"),
        [
            (0.65, 0.25, 20250301),
            (0.3, 0.1, 20250302),
            (0.9, 0.6, 20250303),
            (0.5, 0.15, 20250304),
        ],
    )
    def test_recovers_u_and_k_from_simulated_cohorts(
        self, ultimate: float, speed: float, seed: int
    ) -> None:
        """18 cohorts of 2,000-6,000 points over 24 months, the younger ones seen for fewer
        months (153 NaN cells), each point redeemed at random (multinomial) on the curve
        U (1 - exp(-k t)). U and k come back within 0.03 and 0.02.

        The tolerance: over 200 simulations per case, the spread (sd) of the fitted U was
        at most 0.005 (for U = 0.3, k = 0.1, the slowest curve, still far from its plateau
        after 24 months) and of k at most 0.003; the largest error seen was 0.016 and 0.009.
        0.03 and 0.02 are about 6 sd, so a correct fit does not fail for noise. The seeds
        are fixed, so the test is deterministic; the margin keeps it valid across numpy
        and scipy versions whose optimiser steps differ slightly."""
        earned, redeemed = simulate_cohorts(np.random.default_rng(seed), ultimate, speed)

        fit = estimate_breakage(earned, redeemed)

        assert 153 == int(np.isnan(redeemed).sum())
        assert 18 * 24 - 153 == fit.n_cells
        assert pytest.approx(ultimate, abs=0.03) == fit.ultimate_redemption_rate
        assert pytest.approx(speed, abs=0.02) == fit.speed
        assert pytest.approx(1 - ultimate, abs=0.03) == fit.breakage_rate
        assert 0 < fit.standard_error < 0.03

    def test_nothing_redeemed_is_all_breakage(self) -> None:
        """Three cohorts that redeemed nothing in 6 months: U is about 0, breakage about 1."""
        fit = estimate_breakage([100.0, 200.0, 300.0], np.zeros((3, 6)))

        assert pytest.approx(1.0, abs=1e-3) == fit.breakage_rate

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"redeemed": 100 * curve(0.7, 0.5)},
                InvalidInputError,
                r"'redeemed' must be a table with one row per cohort \(1\) .*; got shape \(12,\)",
            ),
            (
                {"redeemed": [100 * curve(0.7, 0.5)] * 2},
                InvalidInputError,
                "'redeemed' must be a table .*; got shape \\(2, 12\\)",
            ),
            (
                {"redeemed": np.zeros((1, 2, 3))},
                InvalidInputError,
                "'redeemed' must be a table .*; got shape \\(1, 2, 3\\)",
            ),
            (
                {"redeemed": [["a", "b", "c"]]},
                InvalidTypeError,
                "'redeemed' must be a table of numbers",
            ),
            (
                {"redeemed": [[-1.0, 2.0, 3.0]]},
                InvalidInputError,
                "'redeemed' must be between 0 and the cohort's points earned",
            ),
            (
                {"redeemed": [[10.0, 20.0, 101.0]]},
                InvalidInputError,
                "'redeemed' must be between 0 and the cohort's points earned",
            ),
            (
                {"redeemed": [[10.0, 20.0, np.inf]]},
                InvalidInputError,
                "'redeemed' must be between 0 and the cohort's points earned",
            ),
            (
                {"redeemed": [[10.0, 20.0, np.nan]]},
                InvalidInputError,
                "'redeemed' must be at least 3 observed cells; got 2",
            ),
            (
                {"redeemed": [[np.nan] * 4]},
                InvalidInputError,
                "'redeemed' must be at least 3 observed cells; got 0",
            ),
            (
                {"earned": [0.0]},
                InvalidInputError,
                "'earned' must be finite numbers above 0; got 0.0 at index 0",
            ),
            ({"earned": [-5.0]}, InvalidInputError, "'earned' must be .*; got -5.0"),
            ({"earned": [np.nan]}, InvalidInputError, "'earned' must be .*; got nan"),
            ({"earned": []}, InvalidInputError, "'earned' must be non-empty"),
            ({"earned": "100"}, InvalidTypeError, "'earned' must be a one-dimensional"),
        ],
    )
    def test_bad_inputs_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Tables of the wrong shape or not numbers, redemptions below 0 or above what the
        cohort earned, fewer than 3 observed cells, and cohorts that earned nothing (or a
        negative, NaN, empty or text amount) are refused naming the argument."""
        refused(
            estimate_breakage,
            {"earned": [100.0], "redeemed": [[10.0, 20.0, 30.0]], **kwargs},
            error,
            match,
        )
