"""Unit economics: ROI, payback, NPV, IRR, CAC, ARPU, LTV and retention value (crmkit.metrics)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crmkit.errors import CrmkitError, InvalidInputError, InvalidTypeError
from crmkit.metrics.economics import (
    IncrementalRoiResult,
    RetentionImpactResult,
    arpu,
    cac,
    cac_payback_months,
    churn_revenue_loss,
    incremental_roi,
    irr,
    ltv_to_cac,
    npv,
    payback_period,
    retention_profit_impact,
    roi,
    simple_ltv,
)

money = st.floats(0.0, 1e9, allow_nan=False, allow_infinity=False)
"""A non-negative amount of money."""

positive_money = st.floats(1e-3, 1e9, allow_nan=False, allow_infinity=False)
"""A positive amount of money (a cost, a CAC)."""

signed_money = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
"""Any amount, gains and losses alike."""

shares = st.floats(0.0, 1.0)
"""A fraction in [0, 1]."""

retentions = st.floats(0.0, 0.99)
"""A retention rate comfortably inside [0, 1)."""

rates = st.floats(0.0, 1.0)
"""A non-negative discount rate."""

flow_lists = st.lists(signed_money, min_size=1, max_size=30)
"""Cash flows of any sign, one per period."""


def conventional_flows() -> st.SearchStrategy[list[float]]:
    """An outflow at time 0 followed by 1 to 10 non-negative inflows, at least one positive."""
    investment = st.floats(1.0, 1e4)
    inflows = st.lists(st.floats(0.0, 1e4), min_size=1, max_size=10).filter(
        lambda xs: max(xs) >= 1.0
    )
    return st.builds(lambda a, xs: [-a, *xs], investment, inflows)


class _Wrong:
    """An object of a type no argument accepts."""

    def __repr__(self) -> str:
        return "<wrong>"


class TestContract:
    def test_churn_revenue_loss_of_the_seed_example(self) -> None:
        """Revenue 100,000,000 with 15 % churn and 20 % contribution loses exactly 3,000,000."""
        assert churn_revenue_loss(100_000_000, 0.15, 0.20) == 3_000_000

    def test_roi(self) -> None:
        """Gain 850 on cost 100 is an ROI of 7.5 (750 %)."""
        assert abs(roi(gain=850, cost=100) - 7.5) < 1e-12

    def test_payback_period(self) -> None:
        """-100 then 30 a period pays back after 3 + 10/30 = 100/30 periods."""
        assert abs(payback_period([-100, 30, 30, 30, 30]) - 100 / 30) < 1e-12  # type: ignore[operator]


class TestRoi:
    @pytest.mark.parametrize(
        ("gain", "cost", "expected"),
        [
            (850, 100, 7.5),  # (850 - 100) / 100
            (100, 100, 0.0),  # break-even
            (0, 100, -1.0),  # everything lost
            (50, 200, -0.75),  # (50 - 200) / 200
            (-100, 100, -2.0),  # a loss on top of the cost
        ],
    )
    def test_hand_checked_values(self, gain: float, cost: float, expected: float) -> None:
        """ROI = (gain - cost) / cost."""
        assert expected == roi(gain, cost)

    def test_returns_a_python_float(self) -> None:
        """numpy scalars in, a plain float out."""
        result = roi(np.float64(300.0), np.int64(100))

        assert type(result) is float
        assert 2.0 == result

    @given(signed_money, signed_money, positive_money)
    def test_is_linear_in_gain(self, g1: float, g2: float, cost: float) -> None:
        """roi(g1) - roi(g2) = (g1 - g2) / cost: one more unit of gain adds 1/cost."""
        expected = (g1 - g2) / cost

        assert pytest.approx(expected, rel=1e-9, abs=1e-6) == roi(g1, cost) - roi(g2, cost)

    @given(positive_money)
    def test_gain_equal_to_cost_breaks_even(self, cost: float) -> None:
        """Getting the cost back is an ROI of 0."""
        assert 0.0 == roi(cost, cost)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"gain": 1.0, "cost": 0}, InvalidInputError, r"'cost' must be .*above 0; got 0"),
            ({"gain": 1.0, "cost": -5}, InvalidInputError, r"'cost' must be .*above 0; got -5"),
            ({"gain": float("nan"), "cost": 1}, InvalidInputError, r"'gain' must be .*; got nan"),
            ({"gain": 1.0, "cost": math.inf}, InvalidInputError, r"'cost' must be .*; got inf"),
            ({"gain": "850", "cost": 100}, InvalidTypeError, r"'gain' must be a real number"),
            ({"gain": 850, "cost": True}, InvalidTypeError, r"'cost' must be a real number"),
            ({"gain": 1e308, "cost": 1e-300}, InvalidInputError, r"'cost' must be .*finite"),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Bad values and types raise a crmkit error naming the argument and the value."""
        with pytest.raises(error, match=match):
            roi(**kwargs)


class TestIncrementalRoi:
    def test_hand_checked_example(self) -> None:
        """Means 20 and 10, 2 treated: gain (20 - 10) * 2 = 20, ROI (20 - 10) / 10 = 1."""
        result = incremental_roi([30, 10], [10, 10, 10], cost=10)

        assert (20.0, 1.0, 20.0, 10.0, 2, 3) == (
            result.incremental_gain,
            result.roi,
            result.treated_mean,
            result.control_mean,
            result.n_treated,
            result.n_control,
        )

    def test_repr_is_short(self) -> None:
        """The repr shows ROI, gain and group sizes, rounded."""
        expected = (
            "IncrementalRoiResult(roi=1.000, incremental_gain=20.00, n_treated=2, n_control=3)"
        )

        assert expected == repr(incremental_roi([30, 10], [10, 10, 10], cost=10))

    def test_a_worse_treated_group_gives_a_negative_gain(self) -> None:
        """Treated mean 5 vs control 10 over 4 customers: gain -20, ROI (-20 - 10) / 10 = -3."""
        result = incremental_roi([5, 5, 5, 5], [10], 10)

        assert (-20.0, -3.0) == (result.incremental_gain, result.roi)

    @given(
        st.lists(money, min_size=1, max_size=20),
        st.lists(money, min_size=1, max_size=20),
        positive_money,
    )
    def test_agrees_with_roi_of_the_incremental_gain(
        self, treated: list[float], control: list[float], cost: float
    ) -> None:
        """ROI = roi(incremental_gain, cost); the gain is the mean lift scaled to n_treated."""
        result = incremental_roi(treated, control, cost)
        gain = (float(np.mean(treated)) - float(np.mean(control))) * len(treated)

        assert isinstance(result, IncrementalRoiResult)
        assert pytest.approx(gain, rel=1e-9, abs=1e-6) == result.incremental_gain
        assert pytest.approx(roi(result.incremental_gain, cost)) == result.roi

    @given(st.lists(money, min_size=1, max_size=20), positive_money)
    def test_identical_groups_lose_the_cost(self, revenue: list[float], cost: float) -> None:
        """No lift over control: the gain is 0 and the ROI is -1."""
        result = incremental_roi(revenue, revenue, cost)

        assert (0.0, -1.0) == (result.incremental_gain, result.roi)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"treated_revenue": [], "control_revenue": [1], "cost": 1},
                InvalidInputError,
                r"'treated_revenue' must be non-empty; got an empty array",
            ),
            (
                {"treated_revenue": [1], "control_revenue": [1, -2], "cost": 1},
                InvalidInputError,
                r"'control_revenue' must be finite numbers of at least 0; got -2\.0 at index 1",
            ),
            (
                {"treated_revenue": [1, float("nan")], "control_revenue": [1], "cost": 1},
                InvalidInputError,
                r"'treated_revenue' must be .*; got nan at index 1",
            ),
            (
                {"treated_revenue": [1], "control_revenue": [1], "cost": 0},
                InvalidInputError,
                r"'cost' must be .*above 0; got 0",
            ),
            (
                {"treated_revenue": [1], "control_revenue": [1], "cost": "10"},
                InvalidTypeError,
                r"'cost' must be a real number; got str '10'",
            ),
            (
                {"treated_revenue": 5.0, "control_revenue": [1], "cost": 1},
                InvalidTypeError,
                r"'treated_revenue' must be a one-dimensional array-like",
            ),
            (
                {"treated_revenue": [1e308, 1e308], "control_revenue": [0], "cost": 1},
                InvalidInputError,
                r"'treated_revenue' must be .*finite float",
            ),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Bad groups or costs raise a crmkit error naming the argument and the value."""
        with pytest.raises(error, match=match):
            incremental_roi(**kwargs)


class TestPaybackPeriod:
    @pytest.mark.parametrize(
        ("flows", "expected"),
        [
            ([-100, 50, 50], 2.0),  # cumulative -100, -50, 0: exactly at the end of period 2
            ([-100, 100], 1.0),  # back after one period
            ([-100, 200], 0.5),  # 100 of the 200 needed: half-way through period 1
            ([-100, 40, 40, 40], 2.5),  # -100, -60, -20, +20: 2 + 20 / 40
            ([0, 10], 0.0),  # nothing to recover
            ([50, -10], 0.0),  # money in hand from the start
            ([0.0], 0.0),  # a single zero flow
            (
                [-100, 150, -500],
                1 - 1 / 3,
            ),  # first time back: 0 + 100 / 150, the dip later ignored
            ([-100, 0, 0, 100], 3.0),  # flat periods count: 2 + 100 / 100
        ],
    )
    def test_hand_checked_values(self, flows: list[float], expected: float) -> None:
        """Payback = (k - 1) + (-cumulative[k - 1]) / flows[k] for the first k reaching 0."""
        assert pytest.approx(expected, abs=1e-12) == payback_period(flows)

    @pytest.mark.parametrize("flows", [[-100, 30, 30], [-1.0], [-100, 90, -500, 400]])
    def test_never_paid_back_is_none(self, flows: list[float]) -> None:
        """Cumulative flows that stay below 0 give None (the last: -100, -10, -510, -110)."""
        assert payback_period(flows) is None

    @given(st.floats(1.0, 1e6), st.floats(1.0, 1e6))
    def test_constant_inflows_take_investment_over_inflow(self, a: float, b: float) -> None:
        """-a then b per period, for long enough, pays back after a / b periods."""
        n = math.ceil(a / b) + 2
        result = payback_period([-a, *([b] * n)])

        assert result is not None
        assert pytest.approx(a / b, rel=1e-9) == result

    @given(flow_lists, st.data())
    def test_raising_a_flow_never_delays_payback(self, flows: list[float], data: Any) -> None:
        """More cash in any period can only bring payback forward (None counts as never)."""
        i = data.draw(st.integers(0, len(flows) - 1))
        bump = data.draw(st.floats(0.0, 1e6))
        raised = list(flows)
        raised[i] += bump
        before, after = payback_period(flows), payback_period(raised)
        before_value = math.inf if before is None else before
        after_value = math.inf if after is None else after

        assert after_value <= before_value + 1e-9

    @given(flow_lists)
    def test_lies_within_the_flows(self, flows: list[float]) -> None:
        """A payback time is in [0, n - 1] and is None only when the total never reaches 0."""
        result = payback_period(flows)

        if result is None:
            assert max(np.cumsum(flows)) < 0.0
        else:
            assert 0.0 <= result <= len(flows) - 1

    @given(flow_lists)
    def test_input_is_not_mutated(self, flows: list[float]) -> None:
        """The caller's array is left as it was."""
        array = np.array(flows)
        copy = array.copy()
        payback_period(array)

        assert np.array_equal(copy, array)

    @pytest.mark.parametrize(
        ("flows", "error", "match"),
        [
            ([], InvalidInputError, r"'cash_flows' must be non-empty; got an empty array"),
            (
                [-100, float("nan")],
                InvalidInputError,
                r"'cash_flows' must be finite numbers; got nan at index 1",
            ),
            (
                [[-100, 30]],
                InvalidInputError,
                r"'cash_flows' must be one-dimensional; got an array of shape \(1, 2\)",
            ),
            (100, InvalidTypeError, r"'cash_flows' must be a one-dimensional array-like; got int"),
            (["a", "b"], InvalidTypeError, r"'cash_flows' must be an array of numbers"),
            (
                [1e308, 1e308],
                InvalidInputError,
                r"'cash_flows' must be flows whose running total is a finite float; got 1e\+308",
            ),
        ],
    )
    def test_bad_input(self, flows: Any, error: type[Exception], match: str) -> None:
        """Bad cash flows raise a crmkit error naming 'cash_flows' and the value."""
        with pytest.raises(error, match=match):
            payback_period(flows)


class TestNpv:
    @pytest.mark.parametrize(
        ("rate", "flows", "expected"),
        [
            (0.1, [-100, 110], 0.0),  # -100 + 110 / 1.1
            (0.0, [-100, 30, 30, 30, 30], 20.0),  # the plain sum
            (0.1, [-100, 60, 60], -100 + 60 / 1.1 + 60 / 1.21),  # 4.1322...
            (1.0, [0, 2, 4, 8], 3.0),  # 2/2 + 4/4 + 8/8
            (0.5, [7.0], 7.0),  # time 0 is not discounted
            (-0.5, [0, 1], 2.0),  # a negative rate inflates: 1 / 0.5
        ],
    )
    def test_hand_checked_values(self, rate: float, flows: list[float], expected: float) -> None:
        """NPV = sum(flows[t] / (1 + rate) ** t), t from 0."""
        assert pytest.approx(expected, abs=1e-9) == npv(rate, flows)

    def test_returns_a_python_float(self) -> None:
        """A plain float, not numpy's float64."""
        assert type(npv(0.1, np.array([-100.0, 110.0]))) is float

    @given(flow_lists)
    def test_at_rate_zero_is_the_sum(self, flows: list[float]) -> None:
        """Without discounting the NPV is the sum of the flows."""
        assert pytest.approx(math.fsum(flows), abs=1e-3) == npv(0.0, flows)

    @given(rates, flow_lists, flow_lists)
    def test_is_linear_in_the_flows(self, rate: float, xs: list[float], ys: list[float]) -> None:
        """NPV(x + y) = NPV(x) + NPV(y) at any rate."""
        n = min(len(xs), len(ys))
        xs, ys = xs[:n], ys[:n]
        total = [x + y for x, y in zip(xs, ys, strict=True)]

        assert pytest.approx(npv(rate, xs) + npv(rate, ys), abs=1e-3) == npv(rate, total)

    @given(st.floats(0.0, 1.0), st.floats(1e-3, 1.0), st.lists(money, min_size=2, max_size=20))
    def test_decreases_with_the_rate_for_inflows(
        self, rate: float, step: float, inflows: list[float]
    ) -> None:
        """Future inflows are worth less at a higher discount rate."""
        assert npv(rate + step, inflows) <= npv(rate, inflows) + 1e-9

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"rate": -1.0, "cash_flows": [1]},
                InvalidInputError,
                r"'rate' must be .*; got -1\.0",
            ),
            (
                {"rate": math.nan, "cash_flows": [1]},
                InvalidInputError,
                r"'rate' must be .*; got nan",
            ),
            (
                {"rate": "0.1", "cash_flows": [1]},
                InvalidTypeError,
                r"'rate' must be a real number",
            ),
            (
                {"rate": 0.1, "cash_flows": []},
                InvalidInputError,
                r"'cash_flows' must be non-empty",
            ),
            (
                {"rate": 0.1, "cash_flows": [1, math.inf]},
                InvalidInputError,
                r"'cash_flows' must be finite numbers; got inf at index 1",
            ),
            (
                {"rate": -0.999999, "cash_flows": [-1.0] + [1.0] * 100},
                InvalidInputError,
                r"'rate' must be .*finite float; got -0\.999999",
            ),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Bad rates and flows raise a crmkit error naming the argument and the value."""
        with pytest.raises(error, match=match):
            npv(**kwargs)


class TestIrr:
    @pytest.mark.parametrize(
        ("flows", "expected"),
        [
            ([-100, 110], 0.1),  # 110 / 100 - 1
            ([-100, 100], 0.0),  # money back, no return
            ([-100, 50], -0.5),  # half lost
            ([-100, 0, 121], 0.1),  # 121 / 1.1 ** 2 = 100
            ([100, -110], 0.1),  # a loan: the same rate from the other side
            # 60 x^2 + 60 x - 100 = 0 with x = 1 / (1 + r)
            ([-100, 60, 60], 120 / (-60 + math.sqrt(60**2 + 4 * 60 * 100)) - 1),
            ([-1, 1e6], 1e6 - 1),  # far out on the grid
            ([-100, 0.001], 0.001 / 100 - 1),  # close to -1
        ],
    )
    def test_hand_checked_values(self, flows: list[float], expected: float) -> None:
        """The IRR is the rate with NPV 0; these have a closed form."""
        assert pytest.approx(expected, rel=1e-9, abs=1e-12) == irr(flows)

    def test_picks_the_root_closest_to_zero(self) -> None:
        """100 - 250 x + 100 x^2 = 0 at x = 2 and 0.5, i.e. r = -0.5 and r = 1: -0.5 is closer."""
        assert pytest.approx(-0.5, abs=1e-12) == irr([100, -250, 100])

    def test_returns_a_python_float(self) -> None:
        """A plain float, not numpy's float64."""
        assert type(irr([-100, 110])) is float

    @given(conventional_flows())
    def test_makes_the_npv_zero(self, flows: list[float]) -> None:
        """At the IRR the NPV is 0, up to the rounding of the discounted flows."""
        rate = irr(flows)
        scale = sum(abs(f) * (1 + rate) ** -t for t, f in enumerate(flows))

        assert abs(npv(rate, flows)) <= 1e-9 * scale

    @given(st.floats(1.0, 1e4), st.floats(-0.9, 10.0), st.integers(1, 10))
    def test_recovers_a_known_rate(self, amount: float, rate: float, periods: int) -> None:
        """Investing a and getting a (1 + r) ** n back after n periods has IRR r."""
        flows = [-amount, *([0.0] * (periods - 1)), amount * (1 + rate) ** periods]

        assert pytest.approx(rate, rel=1e-7, abs=1e-9) == irr(flows)

    @pytest.mark.parametrize(
        ("flows", "error", "match"),
        [
            (
                [1, 2, 3],
                InvalidInputError,
                r"'cash_flows' must be .*outflow.*inflow.*; got \[1\.0",
            ),
            (
                [-1, -2],
                InvalidInputError,
                r"'cash_flows' must be .*outflow.*inflow.*; got \[-1\.0",
            ),
            ([0, 0], InvalidInputError, r"'cash_flows' must be .*outflow.*inflow.*; got \[0\.0"),
            (
                [-100, 250, -200],
                InvalidInputError,
                r"'cash_flows' must be cash flows whose NPV changes sign .*; got \[-100\.0",
            ),
            ([], InvalidInputError, r"'cash_flows' must be non-empty"),
            ([-1, math.nan], InvalidInputError, r"'cash_flows' must be finite numbers; got nan"),
            ("abc", InvalidTypeError, r"'cash_flows' must be a one-dimensional array-like"),
        ],
    )
    def test_bad_input(self, flows: Any, error: type[Exception], match: str) -> None:
        """Flows without an IRR raise InvalidInputError naming 'cash_flows' and the flows."""
        with pytest.raises(error, match=match):
            irr(flows)


class TestCac:
    def test_hand_checked_value(self) -> None:
        """50,000 spent for 250 customers: 200 each."""
        assert 200.0 == cac(50_000, 250)

    def test_no_spend_is_free(self) -> None:
        """Organic growth: 0 spent, CAC 0."""
        assert 0.0 == cac(0, 10)

    @given(money, st.integers(1, 10**6))
    def test_times_customers_is_the_spend(self, spend: float, n: int) -> None:
        """CAC * new_customers gives back the spend."""
        assert pytest.approx(spend) == cac(spend, n) * n

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"spend": 100, "new_customers": 0}, InvalidInputError, r"'new_customers' .*; got 0"),
            (
                {"spend": 100, "new_customers": -3},
                InvalidInputError,
                r"'new_customers' .*; got -3",
            ),
            (
                {"spend": 100, "new_customers": 2.5},
                InvalidTypeError,
                r"'new_customers' must be an integer",
            ),
            (
                {"spend": -1, "new_customers": 2},
                InvalidInputError,
                r"'spend' must be .*at least 0",
            ),
            ({"spend": math.nan, "new_customers": 2}, InvalidInputError, r"'spend' .*; got nan"),
            (
                {"spend": None, "new_customers": 2},
                InvalidTypeError,
                r"'spend' must be a real number",
            ),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Negative or non-finite spend and non-positive or fractional counts are refused."""
        with pytest.raises(error, match=match):
            cac(**kwargs)


class TestArpu:
    @pytest.mark.parametrize(
        ("revenue", "customers", "expected"),
        [
            (120_000, 1_000, 120.0),  # 120,000 / 1,000
            (0, 5, 0.0),  # no revenue
            (9_000, 1_500, 6.0),  # an average count
            (10, 2.5, 4.0),  # a fractional average count
        ],
    )
    def test_hand_checked_values(self, revenue: float, customers: float, expected: float) -> None:
        """ARPU = revenue / customers."""
        assert expected == arpu(revenue, customers)

    @given(money, positive_money)
    def test_times_customers_is_the_revenue(self, revenue: float, customers: float) -> None:
        """ARPU * customers gives back the revenue."""
        assert pytest.approx(revenue) == arpu(revenue, customers) * customers

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"revenue": 1, "customers": 0},
                InvalidInputError,
                r"'customers' must be .*above 0; got 0",
            ),
            ({"revenue": 1, "customers": -2}, InvalidInputError, r"'customers' .*; got -2"),
            (
                {"revenue": -1, "customers": 2},
                InvalidInputError,
                r"'revenue' .*at least 0; got -1",
            ),
            ({"revenue": math.inf, "customers": 2}, InvalidInputError, r"'revenue' .*; got inf"),
            (
                {"revenue": [1], "customers": 2},
                InvalidTypeError,
                r"'revenue' must be a real number",
            ),
            ({"revenue": 1e308, "customers": 1e-300}, InvalidInputError, r"'customers' .*finite"),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """A non-positive count or a negative revenue is refused, naming the argument."""
        with pytest.raises(error, match=match):
            arpu(**kwargs)


class TestSimpleLtv:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            ((100, 0.5, 0.75, 0.0), 150.0),  # m = 50: 50 * 0.75 / 0.25
            ((100, 0.5, 0.8, 0.1), 40 / 0.3),  # 50 * 0.8 / (1.1 - 0.8)
            ((100, 0.5, 0.0, 0.1), 0.0),  # nobody stays past the first period
            ((100, 0.0, 0.9, 0.1), 0.0),  # no margin
            ((100, 1.0, 0.5, -0.25), 200.0),  # negative rate, still r < 1 + d: 50 / 0.25
        ],
    )
    def test_hand_checked_values(self, args: tuple[float, ...], expected: float) -> None:
        """LTV = m r / (1 + d - r) with m = arpu * margin."""
        assert pytest.approx(expected, rel=1e-12) == simple_ltv(*args)

    @given(money, shares, retentions, rates)
    def test_equals_the_discounted_series(
        self, revenue: float, margin: float, retention: float, rate: float
    ) -> None:
        """The closed form is sum(m r^t / (1 + d)^t, t >= 1), truncated where terms vanish."""
        m = revenue * margin
        ratio = retention / (1 + rate)
        series = m * sum(ratio**t for t in range(1, 5000))

        assert pytest.approx(series, rel=1e-6, abs=1e-6) == simple_ltv(
            revenue, margin, retention, rate
        )

    @given(positive_money, st.floats(0.01, 1.0), retentions, retentions, rates)
    def test_increases_with_retention(
        self, revenue: float, margin: float, r1: float, r2: float, rate: float
    ) -> None:
        """Keeping more customers is worth more."""
        low, high = sorted((r1, r2))

        assert simple_ltv(revenue, margin, low, rate) <= simple_ltv(revenue, margin, high, rate)

    @given(positive_money, shares, shares, retentions, rates)
    def test_increases_with_margin(
        self, revenue: float, m1: float, m2: float, retention: float, rate: float
    ) -> None:
        """A higher margin is worth more."""
        low, high = sorted((m1, m2))

        assert simple_ltv(revenue, low, retention, rate) <= simple_ltv(
            revenue, high, retention, rate
        )

    @given(positive_money, shares, retentions, rates, rates)
    def test_decreases_with_the_discount_rate(
        self, revenue: float, margin: float, retention: float, d1: float, d2: float
    ) -> None:
        """Discounting future margins harder lowers the value."""
        low, high = sorted((d1, d2))

        assert simple_ltv(revenue, margin, retention, high) <= simple_ltv(
            revenue, margin, retention, low
        )

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            ((100, 0.5, 1.0, 0.1), InvalidInputError, r"'retention' must be .*\[0, 1\); got 1\.0"),
            ((100, 0.5, -0.1, 0.1), InvalidInputError, r"'retention' .*; got -0\.1"),
            ((100, 1.5, 0.5, 0.1), InvalidInputError, r"'margin' must be .*\[0, 1\]; got 1\.5"),
            ((100, -0.5, 0.5, 0.1), InvalidInputError, r"'margin' .*; got -0\.5"),
            ((-1, 0.5, 0.5, 0.1), InvalidInputError, r"'arpu' .*at least 0; got -1"),
            ((100, 0.5, 0.5, -1.0), InvalidInputError, r"'discount_rate' .*above -1; got -1\.0"),
            (
                (100, 0.5, 0.8, -0.3),
                InvalidInputError,
                r"'discount_rate' must be above .*; got -0\.3",
            ),
            ((100, 0.5, math.nan, 0.1), InvalidInputError, r"'retention' .*; got nan"),
            ((100, "0.5", 0.5, 0.1), InvalidTypeError, r"'margin' must be a real number"),
        ],
    )
    def test_bad_input(self, args: tuple[Any, ...], error: type[Exception], match: str) -> None:
        """Out-of-range fractions and a diverging series are refused, naming the argument."""
        with pytest.raises(error, match=match):
            simple_ltv(*args)


class TestLtvToCac:
    def test_hand_checked_value(self) -> None:
        """600 of value for 200 of cost: 3."""
        assert 3.0 == ltv_to_cac(600, 200)

    @given(signed_money, positive_money)
    def test_times_cac_is_the_ltv(self, ltv: float, cost: float) -> None:
        """The ratio times the CAC gives back the LTV."""
        assert pytest.approx(ltv, abs=1e-6) == ltv_to_cac(ltv, cost) * cost

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"ltv": 600, "cac": 0}, InvalidInputError, r"'cac' must be .*above 0; got 0"),
            ({"ltv": 600, "cac": -1}, InvalidInputError, r"'cac' .*; got -1"),
            ({"ltv": math.nan, "cac": 1}, InvalidInputError, r"'ltv' .*; got nan"),
            ({"ltv": "600", "cac": 1}, InvalidTypeError, r"'ltv' must be a real number"),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """A CAC of 0 or less is refused, naming 'cac'."""
        with pytest.raises(error, match=match):
            ltv_to_cac(**kwargs)


class TestCacPaybackMonths:
    def test_hand_checked_value(self) -> None:
        """400 / (50 * 0.8) = 400 / 40 = 10 months."""
        assert 10.0 == cac_payback_months(400, 50, 0.8)

    def test_free_customers_pay_back_at_once(self) -> None:
        """A CAC of 0 is repaid after 0 months."""
        assert 0.0 == cac_payback_months(0, 50, 0.8)

    @given(money, positive_money, st.floats(0.01, 1.0))
    def test_months_of_margin_repay_the_cac(
        self, cost: float, revenue: float, margin: float
    ) -> None:
        """months * monthly_arpu * margin gives back the CAC."""
        months = cac_payback_months(cost, revenue, margin)

        assert pytest.approx(cost) == months * revenue * margin

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"cac": 400, "monthly_arpu": 0, "margin": 0.8},
                InvalidInputError,
                r"'monthly_arpu' .*above 0; got 0",
            ),
            (
                {"cac": 400, "monthly_arpu": 50, "margin": 0},
                InvalidInputError,
                r"'margin' must be .*\(0, 1\]; got 0",
            ),
            (
                {"cac": 400, "monthly_arpu": 50, "margin": 1.2},
                InvalidInputError,
                r"'margin' .*; got 1\.2",
            ),
            (
                {"cac": -1, "monthly_arpu": 50, "margin": 0.5},
                InvalidInputError,
                r"'cac' .*at least 0; got -1",
            ),
            (
                {"cac": 400, "monthly_arpu": 1e-200, "margin": 1e-200},
                InvalidInputError,
                r"'margin' .*above 0",
            ),
            (
                {"cac": 400, "monthly_arpu": "50", "margin": 0.5},
                InvalidTypeError,
                r"'monthly_arpu' must be a real",
            ),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """No margin per month means no payback: refused, naming the argument."""
        with pytest.raises(error, match=match):
            cac_payback_months(**kwargs)


class TestChurnRevenueLoss:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            ((100_000_000, 0.15, 0.20), 3_000_000.0),  # the seed's example
            ((1_000, 0.5, 0.5), 250.0),  # 1,000 * 0.5 * 0.5
            ((1_000, 0.0, 0.5), 0.0),  # no churn
            ((1_000, 1.0, 1.0), 1_000.0),  # everyone leaves, all of it margin
        ],
    )
    def test_hand_checked_values(self, args: tuple[float, float, float], expected: float) -> None:
        """Loss = revenue * churn_rate * contribution."""
        assert expected == churn_revenue_loss(*args)

    @given(money, shares, shares)
    def test_is_at_most_the_revenue(
        self, revenue: float, churn: float, contribution: float
    ) -> None:
        """The loss is between 0 and the revenue."""
        assert 0.0 <= churn_revenue_loss(revenue, churn, contribution) <= revenue

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            ((1_000, 1.5, 0.2), InvalidInputError, r"'churn_rate' must be .*\[0, 1\]; got 1\.5"),
            ((1_000, -0.1, 0.2), InvalidInputError, r"'churn_rate' .*; got -0\.1"),
            ((1_000, 0.1, 20), InvalidInputError, r"'contribution' .*\[0, 1\]; got 20"),
            ((-1, 0.1, 0.2), InvalidInputError, r"'revenue' .*at least 0; got -1"),
            ((1_000, math.nan, 0.2), InvalidInputError, r"'churn_rate' .*; got nan"),
            (
                (1_000, "15%", 0.2),
                InvalidTypeError,
                r"'churn_rate' must be a real number; got str",
            ),
        ],
    )
    def test_bad_input(self, args: tuple[Any, ...], error: type[Exception], match: str) -> None:
        """Percentages passed as 15 instead of 0.15, and other bad values, are refused."""
        with pytest.raises(error, match=match):
            churn_revenue_loss(*args)


class TestRetentionProfitImpact:
    def test_hand_checked_example(self) -> None:
        """m = 50; at 75 % retention 50 * 0.75 / 0.25 = 150; at 80 %, 50 * 0.8 / 0.2 = 200."""
        impact = retention_profit_impact(100, 0.5, 0.75, lift=0.05)

        assert isinstance(impact, RetentionImpactResult)
        assert pytest.approx((0.8, 150.0, 200.0, 50.0, 1 / 3)) == (
            impact.lifted_retention,
            impact.value,
            impact.lifted_value,
            impact.value_change,
            impact.relative_change,
        )

    def test_acquisition_cost_magnifies_the_relative_change(self) -> None:
        """With a CAC of 100 the net values are 50 and 100: +5 points double the profit."""
        impact = retention_profit_impact(100, 0.5, 0.75, acquisition_cost=100)

        assert pytest.approx((50.0, 100.0, 1.0)) == (
            impact.value,
            impact.lifted_value,
            impact.relative_change,
        )

    def test_relative_change_is_none_without_value(self) -> None:
        """At 0 % retention there is no value to compare with: relative_change is None."""
        impact = retention_profit_impact(100, 0.5, 0.0, lift=0.5)

        assert (0.0, 50.0, None) == (impact.value, impact.lifted_value, impact.relative_change)

    def test_repr_is_short(self) -> None:
        """The repr shows the two retentions, the two values and the relative change."""
        expected = (
            "RetentionImpactResult(retention=0.750, lifted_retention=0.800, value=150.00, "
            "lifted_value=200.00, relative_change=0.333)"
        )

        assert expected == repr(retention_profit_impact(100, 0.5, 0.75))

    @given(
        positive_money, st.floats(0.01, 1.0), st.floats(0.0, 0.9), rates, st.floats(0.001, 0.09)
    )
    def test_matches_simple_ltv_and_a_lift_adds_value(
        self, revenue: float, margin: float, retention: float, rate: float, lift: float
    ) -> None:
        """Both values are simple_ltv at r and r + lift; a positive lift never lowers value."""
        impact = retention_profit_impact(revenue, margin, retention, discount_rate=rate, lift=lift)

        assert pytest.approx(simple_ltv(revenue, margin, retention, rate)) == impact.value
        assert pytest.approx(simple_ltv(revenue, margin, retention + lift, rate)) == (
            impact.lifted_value
        )
        assert impact.value_change >= 0.0

    @given(positive_money, st.floats(0.01, 1.0), st.floats(0.0, 0.9), money)
    def test_value_change_ignores_acquisition_cost(
        self, revenue: float, margin: float, retention: float, cost: float
    ) -> None:
        """The CAC is paid either way, so it cancels in the absolute change."""
        without = retention_profit_impact(revenue, margin, retention)
        with_cost = retention_profit_impact(revenue, margin, retention, acquisition_cost=cost)
        assume(math.isfinite(with_cost.value))

        assert pytest.approx(without.value_change, rel=1e-6, abs=1e-3) == with_cost.value_change

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"retention": 0.96}, InvalidInputError, r"'lift' must be .*\[0, 1\).*; got 0\.05"),
            ({"retention": 0.5, "lift": -0.6}, InvalidInputError, r"'lift' .*; got -0\.6"),
            ({"retention": 1.0}, InvalidInputError, r"'retention' .*\[0, 1\); got 1\.0"),
            ({"retention": 1.2}, InvalidInputError, r"'retention' .*; got 1\.2"),
            ({"margin": 2.0}, InvalidInputError, r"'margin' .*\[0, 1\]; got 2\.0"),
            ({"acquisition_cost": -5}, InvalidInputError, r"'acquisition_cost' .*; got -5"),
            ({"lift": math.nan}, InvalidInputError, r"'lift' .*; got nan"),
            (
                {"retention": 0.5, "discount_rate": -0.48, "lift": 0.03},
                InvalidInputError,
                r"'lift' must be .*below 1 \+ discount_rate.*; got 0\.03",
            ),
            ({"lift": "5"}, InvalidTypeError, r"'lift' must be a real number"),
        ],
    )
    def test_bad_input(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """A lift that pushes retention to 1 or beyond, or a bad fraction, is refused by name."""
        arguments = {"arpu": 100, "margin": 0.5, "retention": 0.75, **kwargs}

        with pytest.raises(error, match=match):
            retention_profit_impact(**arguments)


class TestWrongTypes:
    @pytest.mark.parametrize(
        ("function", "kwargs"),
        [
            (roi, {"gain": 1.0, "cost": 1.0}),
            (incremental_roi, {"treated_revenue": [1.0], "control_revenue": [1.0], "cost": 1.0}),
            (payback_period, {"cash_flows": [-1.0, 2.0]}),
            (npv, {"rate": 0.1, "cash_flows": [-1.0, 2.0]}),
            (irr, {"cash_flows": [-1.0, 2.0]}),
            (cac, {"spend": 1.0, "new_customers": 1}),
            (arpu, {"revenue": 1.0, "customers": 1.0}),
            (ltv_to_cac, {"ltv": 1.0, "cac": 1.0}),
            (cac_payback_months, {"cac": 1.0, "monthly_arpu": 1.0, "margin": 0.5}),
            (simple_ltv, {"arpu": 1.0, "margin": 0.5, "retention": 0.5, "discount_rate": 0.1}),
            (churn_revenue_loss, {"revenue": 1.0, "churn_rate": 0.1, "contribution": 0.2}),
            (retention_profit_impact, {"arpu": 1.0, "margin": 0.5, "retention": 0.5}),
        ],
    )
    def test_each_argument_is_named(self, function: Any, kwargs: dict[str, Any]) -> None:
        """A valid call works; an object of a foreign type in any argument names that argument."""
        assert function(**kwargs) is not None
        for name in kwargs:
            with pytest.raises(CrmkitError, match=f"'{name}'"):
                function(**{**kwargs, name: _Wrong()})
