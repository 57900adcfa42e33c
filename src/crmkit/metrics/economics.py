"""Unit economics: ROI, payback, NPV and IRR, CAC, ARPU, simple LTV, and retention value.

Scalar functions take and return Python floats; cash-flow functions take one
array of flows per period. Money amounts are plain floats in any one currency
(this is the columnar face; records keep `Decimal` money). Fractions such as
`churn_rate`, `retention` and `margin` are in [0, 1], never percentages.

Time convention for cash flows: `cash_flows[0]` happens at time 0 (now, the
usual place of the investment), `cash_flows[t]` at the end of period `t`. This
is the numpy-financial convention (`npv(rate, values)` does not discount the
first value).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from crmkit import _validation as v
from crmkit.errors import ConvergenceError

__all__ = [
    "IncrementalRoiResult",
    "RetentionImpactResult",
    "arpu",
    "cac",
    "cac_payback_months",
    "churn_revenue_loss",
    "incremental_roi",
    "irr",
    "ltv_to_cac",
    "npv",
    "payback_period",
    "retention_profit_impact",
    "roi",
    "simple_ltv",
]


def _finite(result: float, argument: str, value: Any) -> float:
    """Return *result* if it is a finite float, else blame *argument* (the result overflowed)."""
    if not math.isfinite(result):
        v.fail(
            argument,
            "a value for which the result is a finite float",
            value,
            hint="the result overflows a 64-bit float",
        )
    return result


def _money(argument: str, value: Any, *, low: float | None = None) -> float:
    return v.check_float(argument, value, low=low)


def _share(argument: str, value: Any) -> float:
    return v.check_float(argument, value, low=0.0, high=1.0)


def _cash_flows(cash_flows: ArrayLike) -> NDArray[np.float64]:
    return v.float_array("cash_flows", cash_flows)


# --- ROI ---------------------------------------------------------------------------------


def roi(gain: float, cost: float) -> float:
    """Return on investment: `(gain - cost) / cost`.

    Args:
        gain: What the investment brought back (revenue or margin attributed
            to it), a finite number; a loss may be negative.
        cost: What was spent, a finite number above 0.

    Returns:
        The ROI as a fraction: 7.5 means 750 %, 0 means break-even, -1 means
        everything was lost.

    Raises:
        InvalidInputError: If *cost* is not above 0 or either value is not finite.
        InvalidTypeError: If either value is not a real number.

    Examples:
        >>> from crmkit.metrics import roi
        >>> roi(gain=850, cost=100)   # (850 - 100) / 100
        7.5
        >>> roi(50, 100)              # half the money lost
        -0.5
    """
    g = _money("gain", gain)
    c = _money("cost", cost)
    if c <= 0.0:
        v.fail("cost", "a finite number above 0", c, hint="ROI is undefined without a cost")
    return _finite((g - c) / c, "cost", c)


@frozen(kw_only=True, repr=False)
class IncrementalRoiResult:
    """Incremental gain and ROI of a campaign measured against a control group.

    Attributes:
        roi: `(incremental_gain - cost) / cost`.
        incremental_gain: `(treated_mean - control_mean) * n_treated`: what the
            treated group brought beyond what it would have without the
            campaign, judged by the control group.
        cost: The campaign cost.
        treated_mean: Mean revenue per treated customer.
        control_mean: Mean revenue per control customer.
        n_treated: Customers in the treated group.
        n_control: Customers in the control group.

    Examples:
        >>> from crmkit.metrics import incremental_roi
        >>> incremental_roi([30, 10], [10, 10, 10], cost=10)
        IncrementalRoiResult(roi=1.000, incremental_gain=20.00, n_treated=2, n_control=3)
    """

    roi: float = field()
    incremental_gain: float = field()
    cost: float = field()
    treated_mean: float = field()
    control_mean: float = field()
    n_treated: int = field()
    n_control: int = field()

    def __repr__(self) -> str:
        return (
            f"IncrementalRoiResult(roi={self.roi:.3f}, "
            f"incremental_gain={self.incremental_gain:.2f}, "
            f"n_treated={self.n_treated}, n_control={self.n_control})"
        )


def incremental_roi(
    treated_revenue: ArrayLike, control_revenue: ArrayLike, cost: float
) -> IncrementalRoiResult:
    """ROI of a campaign from a treated group and an untouched control group.

    The control group shows what the treated customers would have spent
    without the campaign, so the incremental gain is the difference of the
    mean revenue per customer, scaled to the treated group:
    `incremental_gain = (mean(treated_revenue) - mean(control_revenue)) * n_treated`,
    and `roi = (incremental_gain - cost) / cost` as in [`roi`][crmkit.metrics.roi].
    The groups may differ in size. Pass margin instead of revenue per customer
    to get a profit ROI.

    Args:
        treated_revenue: Revenue per customer who received the campaign, finite
            and non-negative; at least one.
        control_revenue: Revenue per customer held out of it, same rules.
        cost: Total campaign cost, a finite number above 0.

    Returns:
        The ROI, the incremental gain and the group means and sizes.

    Raises:
        InvalidInputError: If a group is empty, holds a negative or non-finite
            value, or *cost* is not above 0.
        InvalidTypeError: If *cost* is not a real number.

    Examples:
        >>> from crmkit.metrics import incremental_roi
        >>> result = incremental_roi([30, 10], [10, 10, 10], cost=10)
        >>> result.incremental_gain   # (20 - 10) * 2
        20.0
        >>> result.roi                # (20 - 10) / 10
        1.0
    """
    treated = v.float_array("treated_revenue", treated_revenue, low=0.0)
    control = v.float_array("control_revenue", control_revenue, low=0.0)
    c = _money("cost", cost)
    if c <= 0.0:
        v.fail("cost", "a finite number above 0", c, hint="ROI is undefined without a cost")
    with np.errstate(all="ignore"):  # huge values: checked below, never a numpy warning
        treated_mean = float(np.mean(treated))
        control_mean = float(np.mean(control))
    _finite(control_mean, "control_revenue", v.described(f"{control.size} values summing to inf"))
    gain = _finite(
        (treated_mean - control_mean) * treated.size,
        "treated_revenue",
        v.described(f"{treated.size} values with mean {treated_mean:g}"),
    )
    return IncrementalRoiResult(
        roi=_finite((gain - c) / c, "cost", c),
        incremental_gain=gain,
        cost=c,
        treated_mean=treated_mean,
        control_mean=control_mean,
        n_treated=int(treated.size),
        n_control=int(control.size),
    )


# --- Cash flows ----------------------------------------------------------------------------


def payback_period(cash_flows: ArrayLike) -> float | None:
    """Number of periods until the cumulative cash flow first reaches zero.

    `cash_flows[0]` is at time 0 (usually the investment, negative) and
    `cash_flows[t]` arrives over period `t`, which ends at time `t`. Within the
    period where the cumulative sum turns non-negative, the flow is assumed to
    arrive evenly, so the answer is interpolated linearly:
    `payback = (k - 1) + (-cumulative[k - 1]) / cash_flows[k]` for the first `k`
    with `cumulative[k] >= 0`. Flows are not discounted; discount them first
    for a discounted payback period.

    Degenerate cases: if `cash_flows[0] >= 0` nothing has to be recovered and
    the answer is 0.0; if the cumulative sum never reaches zero the answer is
    None. Later dips below zero (a second investment) do not change the answer:
    it is the first time the money is back.

    Args:
        cash_flows: One net cash flow per period, finite; at least one.

    Returns:
        The payback time in periods (a float, possibly fractional), or None
        when the flows never pay back.

    Raises:
        InvalidInputError: If *cash_flows* is empty, not one-dimensional, or
            holds a non-finite value.

    Examples:
        >>> from crmkit.metrics import payback_period
        >>> round(payback_period([-100, 30, 30, 30, 30]), 4)   # 3 + 10 / 30
        3.3333
        >>> payback_period([-100, 50, 50])                      # exactly at the end of period 2
        2.0
        >>> payback_period([-100, 30, 30]) is None              # 60 of 100 recovered
        True
    """
    flows = _cash_flows(cash_flows)
    with np.errstate(all="ignore"):
        cumulative = np.cumsum(flows)
    overflow = ~np.isfinite(cumulative)
    if overflow.any():
        v.fail_rows("cash_flows", "flows whose running total is a finite float", flows, overflow)
    return _payback(flows, cumulative)


def _payback(flows: NDArray[np.float64], cumulative: NDArray[np.float64]) -> float | None:
    if cumulative[0] >= 0.0:
        return 0.0
    reached = np.flatnonzero(cumulative >= 0.0)
    if reached.size == 0:
        return None
    k = int(reached[0])
    # cumulative[k - 1] < 0 <= cumulative[k], so flows[k] > 0.
    return (k - 1) + float(-cumulative[k - 1]) / float(flows[k])


def npv(rate: float, cash_flows: ArrayLike) -> float:
    """Net present value: `sum(cash_flows[t] / (1 + rate) ** t for t = 0, 1, ...)`.

    The first flow is at time 0 and is not discounted (the numpy-financial
    convention; Excel's `NPV` instead discounts the first value too).

    Args:
        rate: Discount rate per period, a finite number above -1 (0.1 is 10 %).
        cash_flows: One net cash flow per period, finite; at least one.

    Returns:
        The net present value, in the money unit of the flows.

    Raises:
        InvalidInputError: If *rate* is not above -1, *cash_flows* is empty or
            holds a non-finite value, or the discounted sum overflows a float
            (a rate very close to -1 over many periods).
        InvalidTypeError: If *rate* is not a real number.

    Examples:
        >>> from crmkit.metrics import npv
        >>> npv(0.1, [-100, 110])             # -100 + 110 / 1.1
        0.0
        >>> npv(0.0, [-100, 30, 30, 30, 30])  # undiscounted: the plain sum
        20.0
        >>> round(npv(0.1, [-100, 60, 60]), 4)   # -100 + 60 / 1.1 + 60 / 1.21
        4.1322
    """
    r = v.check_float("rate", rate, low=-1.0, low_open=True)
    flows = _cash_flows(cash_flows)
    return _finite(_npv(r, flows), "rate", r)


def _npv(rate: float, flows: NDArray[np.float64]) -> float:
    # May be inf or nan for a rate near -1 over many periods; callers check.
    with np.errstate(all="ignore"):
        discount = (1.0 + rate) ** -np.arange(flows.size, dtype=np.float64)
        return float(np.dot(flows, discount))


# Rates searched for a sign change of the NPV: fine near 0, geometric towards -1 and +1e9.
_IRR_GRID = np.unique(
    np.concatenate(
        (
            -1.0 + np.geomspace(1e-6, 0.5, 100),
            np.linspace(-0.5, 1.0, 301),
            np.geomspace(1.0, 1e9, 181),
        )
    )
)


def irr(cash_flows: ArrayLike) -> float:
    """Internal rate of return: the rate per period at which the NPV is zero.

    The NPV ([`npv`][crmkit.metrics.npv], first flow at time 0) is
    evaluated on a grid of rates from -0.999999 to 1e9 (fine near 0); each
    interval where it changes sign is solved with Brent's method
    (`scipy.optimize.brentq`). When the flows change sign more than once the
    NPV may have several roots; the one closest to 0 is returned. Flows with a
    single sign change (an investment followed by returns) have exactly one.

    Args:
        cash_flows: One net cash flow per period, finite, with at least one
            outflow (negative) and one inflow (positive).

    Returns:
        The IRR per period as a fraction (0.1 is 10 %).

    Raises:
        InvalidInputError: If *cash_flows* is empty, holds a non-finite value,
            has no outflow or no inflow, or its NPV never changes sign (then no
            rate makes it zero, e.g. `[-100, 250, -200]`).
        ConvergenceError: If Brent's method fails on a bracket (not expected:
            the NPV is continuous and changes sign there).

    Examples:
        >>> from crmkit.metrics import irr
        >>> round(irr([-100, 110]), 10)        # 110 / 100 - 1
        0.1
        >>> round(irr([-100, 60, 60]), 4)      # 60 / (1 + r) + 60 / (1 + r) ** 2 = 100
        0.1307

    References:
        Brent (1973), "Algorithms for Minimization without Derivatives",
        Prentice-Hall, chapter 4 (the root finder).
    """
    flows = _cash_flows(cash_flows)
    if not (flows < 0.0).any() or not (flows > 0.0).any():
        v.fail(
            "cash_flows",
            "cash flows with at least one outflow (< 0) and one inflow (> 0)",
            flows.tolist(),
            hint="without both the NPV never changes sign, so no IRR exists",
        )
    return _irr(flows)


def _irr(flows: NDArray[np.float64]) -> float:
    values = np.array([_npv(float(rate), flows) for rate in _IRR_GRID])
    finite = np.flatnonzero(np.isfinite(values))
    rates, npvs = _IRR_GRID[finite], values[finite]
    roots = [float(rate) for rate in rates[npvs == 0.0]]
    signs = np.sign(npvs)
    for i in np.flatnonzero(signs[:-1] * signs[1:] < 0.0):
        low, high = float(rates[i]), float(rates[i + 1])
        try:
            root = brentq(_npv, low, high, args=(flows,), xtol=1e-14, maxiter=500)
        except RuntimeError as error:  # pragma: no cover - a sign change always converges
            msg = f"brentq did not converge on [{low:g}, {high:g}]"
            raise ConvergenceError(msg, n_iter=500, reason=str(error)) from error
        roots.append(float(root))
    if not roots:
        v.fail(
            "cash_flows",
            "cash flows whose NPV changes sign at some rate above -1",
            flows.tolist(),
            hint="the NPV never crosses zero, so no internal rate of return exists",
        )
    return min(roots, key=abs)


# --- Acquisition and revenue per customer --------------------------------------------------


def cac(spend: float, new_customers: int) -> float:
    """Customer acquisition cost: `spend / new_customers`.

    Args:
        spend: Sales and marketing spend of the period, finite and non-negative.
        new_customers: Customers acquired in the same period, a whole number
            of at least 1.

    Returns:
        The cost of acquiring one customer.

    Raises:
        InvalidInputError: If *spend* is negative or not finite, or
            *new_customers* is below 1.
        InvalidTypeError: If *spend* is not a real number or *new_customers*
            not an integer.

    Examples:
        >>> from crmkit.metrics import cac
        >>> cac(50_000, 250)   # 50,000 / 250
        200.0
    """
    s = _money("spend", spend, low=0.0)
    n = v.check_int("new_customers", new_customers, low=1)
    return s / n


def arpu(revenue: float, customers: float) -> float:
    """Average revenue per user (customer): `revenue / customers`.

    Args:
        revenue: Revenue of the period, finite and non-negative.
        customers: Customers in the period, a finite number above 0; it may be
            fractional, such as the average of the opening and closing counts.

    Returns:
        Revenue per customer for the period.

    Raises:
        InvalidInputError: If *revenue* is negative or not finite, or
            *customers* is not above 0.
        InvalidTypeError: If either value is not a real number.

    Examples:
        >>> from crmkit.metrics import arpu
        >>> arpu(120_000, 1_000)     # 120,000 / 1,000
        120.0
        >>> arpu(9_000, 1_500 / 2 + 1_500 / 2)
        6.0
    """
    r = _money("revenue", revenue, low=0.0)
    n = v.check_float("customers", customers, low=0.0, low_open=True)
    return _finite(r / n, "customers", n)


def ltv_to_cac(ltv: float, cac: float) -> float:
    """Ratio of customer lifetime value to acquisition cost: `ltv / cac`.

    A common rule of thumb reads 3 or more as healthy and below 1 as losing
    money on every customer acquired.

    Args:
        ltv: Lifetime value of one customer, a finite number (for example from
            [`simple_ltv`][crmkit.metrics.simple_ltv]).
        cac: Cost of acquiring one customer, a finite number above 0.

    Returns:
        The ratio.

    Raises:
        InvalidInputError: If *cac* is not above 0 or a value is not finite.
        InvalidTypeError: If either value is not a real number.

    Examples:
        >>> from crmkit.metrics import ltv_to_cac
        >>> ltv_to_cac(600, 200)   # 600 / 200
        3.0
    """
    value = _money("ltv", ltv)
    cost = v.check_float("cac", cac, low=0.0, low_open=True)
    return _finite(value / cost, "cac", cost)


def cac_payback_months(cac: float, monthly_arpu: float, margin: float) -> float:
    """Months of margin needed to earn back the acquisition cost: `cac / (monthly_arpu * margin)`.

    Churn and discounting are ignored: this is the usual SaaS metric, the
    time one retained customer takes to repay its acquisition.

    Args:
        cac: Cost of acquiring one customer, finite and non-negative.
        monthly_arpu: Revenue per customer per month, a finite number above 0.
        margin: Gross (contribution) margin as a fraction of revenue, in (0, 1].

    Returns:
        The payback time in months (fractional).

    Raises:
        InvalidInputError: If *cac* is negative, *monthly_arpu* is not above 0
            or *margin* is not in (0, 1] (the margin per month must be positive).
        InvalidTypeError: If a value is not a real number.

    Examples:
        >>> from crmkit.metrics import cac_payback_months
        >>> cac_payback_months(400, 50, 0.8)   # 400 / (50 * 0.8) = 400 / 40
        10.0
    """
    cost = _money("cac", cac, low=0.0)
    revenue = v.check_float("monthly_arpu", monthly_arpu, low=0.0, low_open=True)
    m = v.check_float("margin", margin, low=0.0, high=1.0, low_open=True)
    per_month = revenue * m
    if per_month == 0.0:
        v.fail("margin", "large enough that monthly_arpu * margin is above 0", m)
    return _finite(cost / per_month, "monthly_arpu", revenue)


# --- Lifetime value and churn ----------------------------------------------------------------


def _ltv_inputs(
    arpu: Any, margin: Any, retention: Any, discount_rate: Any
) -> tuple[float, float, float]:
    revenue = _money("arpu", arpu, low=0.0)
    m = _share("margin", margin)
    r = v.check_float("retention", retention, low=0.0, high=1.0, high_open=True)
    d = v.check_float("discount_rate", discount_rate, low=-1.0, low_open=True)
    if 1.0 + d - r <= 0.0:
        v.fail(
            "discount_rate",
            f"above retention - 1 ({r - 1.0:g})",
            d,
            hint="the value series diverges unless retention < 1 + discount_rate",
        )
    return revenue * m, r, d


def _ltv(period_margin: float, retention: float, discount_rate: float) -> float:
    return period_margin * retention / (1.0 + discount_rate - retention)


def simple_ltv(arpu: float, margin: float, retention: float, discount_rate: float) -> float:
    """Lifetime value of one customer with constant margin and retention: `m r / (1 + d - r)`.

    With `m = arpu * margin` the margin per period, `r` the retention rate per
    period and `d` the discount rate per period, this is the sum
    `sum(m * r ** t / (1 + d) ** t for t = 1, 2, ...)`. Assumptions:

    - margin and retention are the same every period, for every customer;
    - the margin of a period is received at its end, and only from customers
      retained to that end (so the first margin is already weighted by `r`);
    - the horizon is infinite (the series converges because `r < 1 + d`);
    - no acquisition cost is subtracted (compare with
      [`ltv_to_cac`][crmkit.metrics.ltv_to_cac]).

    When retention differs between customers, or rises as the less loyal
    leave, use the models of `crmkit.metrics.clv` instead: the sBG for
    subscriptions ([`fit_shifted_beta_geometric`][crmkit.metrics.clv.fit_shifted_beta_geometric]),
    and [`customer_lifetime_value`][crmkit.metrics.clv.customer_lifetime_value]
    for purchases that come when customers choose.

    Args:
        arpu: Revenue per customer per period, finite and non-negative.
        margin: Contribution margin as a fraction of revenue, in [0, 1].
        retention: Share of customers kept from one period to the next, in [0, 1).
        discount_rate: Discount rate per period, above -1 and above
            `retention - 1` (any non-negative rate qualifies).

    Returns:
        The customer lifetime value, in the money unit of *arpu*.

    Raises:
        InvalidInputError: If a value is out of its range or not finite.
        InvalidTypeError: If a value is not a real number.

    Examples:
        >>> from crmkit.metrics import simple_ltv
        >>> simple_ltv(100, 0.5, 0.75, 0.0)   # m = 50: 50 * 0.75 / (1 - 0.75)
        150.0
        >>> round(simple_ltv(100, 0.5, 0.8, 0.0), 6)   # 50 * 0.8 / 0.2
        200.0
        >>> round(simple_ltv(100, 0.5, 0.8, 0.1), 6)   # 40 / 0.3
        133.333333

    References:
        Gupta & Lehmann (2003), "Customers as assets", Journal of Interactive
        Marketing 17(1).
    """
    m, r, d = _ltv_inputs(arpu, margin, retention, discount_rate)
    return _finite(_ltv(m, r, d), "arpu", float(arpu))


def churn_revenue_loss(revenue: float, churn_rate: float, contribution: float) -> float:
    """Contribution lost to churn: `revenue * churn_rate * contribution`.

    The revenue churned customers took with them is `revenue * churn_rate`;
    multiplied by the contribution margin it is the profit contribution lost,
    for one period and before any replacement by new customers.

    Args:
        revenue: Revenue of the period, finite and non-negative.
        churn_rate: Share of revenue (or of customers, if they are alike) lost
            to churn, in [0, 1].
        contribution: Contribution margin as a fraction of revenue, in [0, 1].

    Returns:
        The contribution lost, in the money unit of *revenue*.

    Raises:
        InvalidInputError: If *revenue* is negative or not finite, or a fraction
            is outside [0, 1].
        InvalidTypeError: If a value is not a real number.

    Examples:
        >>> from crmkit.metrics import churn_revenue_loss
        >>> churn_revenue_loss(100_000_000, 0.15, 0.20)   # 100M * 15 % * 20 %
        3000000.0
    """
    r = _money("revenue", revenue, low=0.0)
    churn = _share("churn_rate", churn_rate)
    c = _share("contribution", contribution)
    return r * churn * c


@frozen(kw_only=True, repr=False)
class RetentionImpactResult:
    """Customer value at the current retention and at a lifted retention.

    Values are [`simple_ltv`][crmkit.metrics.simple_ltv] minus the
    acquisition cost.

    Attributes:
        retention: The current retention rate per period.
        lifted_retention: `retention + lift`.
        value: Net value of one customer at the current retention.
        lifted_value: Net value of one customer at the lifted retention.
        value_change: `lifted_value - value` (the acquisition cost cancels).
        relative_change: `value_change / value`, or None when `value <= 0`
            (a change relative to no value, or to a loss, means nothing).
        acquisition_cost: The acquisition cost subtracted from both values.

    Examples:
        >>> from crmkit.metrics import retention_profit_impact
        >>> retention_profit_impact(100, 0.5, 0.75, lift=0.05)
        RetentionImpactResult(retention=0.750, lifted_retention=0.800, value=150.00,
                              lifted_value=200.00, relative_change=0.333)
    """

    retention: float = field()
    lifted_retention: float = field()
    value: float = field()
    lifted_value: float = field()
    value_change: float = field()
    relative_change: float | None = field()
    acquisition_cost: float = field()

    def __repr__(self) -> str:
        relative = "None" if self.relative_change is None else f"{self.relative_change:.3f}"
        return (
            f"RetentionImpactResult(retention={self.retention:.3f}, "
            f"lifted_retention={self.lifted_retention:.3f}, value={self.value:.2f}, "
            f"lifted_value={self.lifted_value:.2f}, relative_change={relative})"
        )


def retention_profit_impact(
    arpu: float,
    margin: float,
    retention: float,
    *,
    discount_rate: float = 0.0,
    lift: float = 0.05,
    acquisition_cost: float = 0.0,
) -> RetentionImpactResult:
    """What a lift in retention is worth per customer, from your own margins.

    Computes the customer value `m r / (1 + d - r) - acquisition_cost` (the
    [`simple_ltv`][crmkit.metrics.simple_ltv] formula and its
    assumptions, `m = arpu * margin`) at the current retention `r` and at
    `r + lift`, so "what are 5 more points of retention worth" is answered for
    this business rather than quoted from elsewhere. Subtracting the
    acquisition cost makes the relative change the change in profit per
    customer acquired.

    Args:
        arpu: Revenue per customer per period, finite and non-negative.
        margin: Contribution margin as a fraction of revenue, in [0, 1].
        retention: Current retention rate per period, in [0, 1).
        discount_rate: Discount rate per period, above -1 and above
            `retention + lift - 1`.
        lift: Change in retention in percentage points, as a fraction
            (0.05 is +5 points; negative for a fall); `retention + lift` must
            stay in [0, 1).
        acquisition_cost: Cost of acquiring one customer, finite and
            non-negative.

    Returns:
        Both values, their difference and the relative change.

    Raises:
        InvalidInputError: If a value is out of its range or not finite, or
            *lift* takes retention outside [0, 1).
        InvalidTypeError: If a value is not a real number.

    Examples:
        >>> from crmkit.metrics import retention_profit_impact
        >>> impact = retention_profit_impact(100, 0.5, 0.75, lift=0.05)
        >>> round(impact.value, 6)          # 50 * 0.75 / (1 - 0.75)
        150.0
        >>> round(impact.lifted_value, 6)   # 50 * 0.8 / (1 - 0.8)
        200.0
        >>> round(impact.relative_change, 4)    # 50 / 150
        0.3333
        >>> net = retention_profit_impact(100, 0.5, 0.75, acquisition_cost=100)
        >>> round(net.relative_change, 4)       # (200 - 100) / (150 - 100) - 1
        1.0

    References:
        Reichheld & Sasser (1990), "Zero Defections: Quality Comes to
        Services", Harvard Business Review 68(5): the link between retention
        and profit per customer. Gupta & Lehmann (2003), "Customers as
        assets", Journal of Interactive Marketing 17(1): the value formula.
    """
    m, r, d = _ltv_inputs(arpu, margin, retention, discount_rate)
    step = v.check_float("lift", lift)
    cost = _money("acquisition_cost", acquisition_cost, low=0.0)
    lifted = r + step
    if not 0.0 <= lifted < 1.0:
        v.fail(
            "lift",
            f"a lift keeping retention + lift in [0, 1) (retention is {r:g})",
            step,
        )
    if 1.0 + d - lifted <= 0.0:
        v.fail(
            "lift",
            f"a lift keeping retention + lift below 1 + discount_rate ({1.0 + d:g})",
            step,
            hint="the value series diverges otherwise",
        )
    value = _finite(_ltv(m, r, d), "arpu", float(arpu)) - cost
    lifted_value = _finite(_ltv(m, lifted, d), "arpu", float(arpu)) - cost
    change = lifted_value - value
    return RetentionImpactResult(
        retention=r,
        lifted_retention=lifted,
        value=value,
        lifted_value=lifted_value,
        value_change=change,
        relative_change=change / value if value > 0.0 else None,
        acquisition_cost=cost,
    )
