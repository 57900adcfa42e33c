"""Finance: the points liability and breakage estimated from redemption curves."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import ArrayLike
from scipy import optimize

from crmkit import _validation as v
from crmkit.errors import ConvergenceError
from crmkit.loyalty.ledger import Balance, Ledger, balance, ledgers_by_member

__all__ = ["Breakage", "Liability", "estimate_breakage", "liability"]


@frozen(kw_only=True)
class Liability:
    """What the outstanding points are worth to the business.

    Attributes:
        outstanding_points: Available and pending points, all members.
        expected_redemptions: Those expected to be redeemed: outstanding x (1 - breakage).
        cost_per_point: What redeeming one point costs the business.
        breakage_rate: Share of points expected never to be redeemed.
        value: expected_redemptions x cost_per_point: the liability to book.

    Examples:
        >>> from crmkit.loyalty import liability
        >>> liability([1000], cost_per_point="0.01").value
        Decimal('10.000')
    """

    outstanding_points: int
    expected_redemptions: Decimal
    cost_per_point: Decimal
    breakage_rate: float
    value: Decimal


def liability(
    balances: Iterable[Balance | Ledger] | Mapping[str, Ledger] | ArrayLike,
    *,
    cost_per_point: Decimal | str | int,
    breakage_rate: float = 0.0,
    as_of: datetime | None = None,
) -> Liability:
    """The points liability: outstanding points x (1 - breakage) x cost per point.

    Args:
        balances: The members' points: `Ledger` values (or a mapping of member
            id to `Ledger`, as `replay_events` gives), valued at *as_of*;
            `Balance` values; or each member's outstanding points as numbers.
            Available and pending points count; an overdraft counts as 0.
        cost_per_point: Cost of redeeming one point, exactly (str, int or Decimal).
        breakage_rate: Share of points expected never to be redeemed, in [0, 1]
            (see `estimate_breakage`).
        as_of: When to value ledgers (timezone-aware); needed with ledgers,
            unused otherwise.

    Raises:
        InvalidInputError: If the cost is negative, the breakage rate is
            outside [0, 1], a point count is negative or not whole, or
            ledgers come without *as_of*.

    Examples:
        >>> from crmkit.loyalty import liability
        >>> result = liability([1200, 800], cost_per_point="0.01", breakage_rate=0.2)
        >>> result.expected_redemptions, result.value
        (Decimal('1600.0'), Decimal('16.000'))

        From ledgers, at a moment:

        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = adjust(Ledger.empty("m1"), Program.simple(currency="CNY"), 500, at=at, key="a")
        >>> liability({"m1": led}, cost_per_point="0.01", as_of=at).value
        Decimal('5.000')
    """
    cost = v.decimal_amount("cost_per_point", cost_per_point)
    if cost < 0:
        v.fail("cost_per_point", "an amount >= 0", cost)
    rate = v.check_float("breakage_rate", breakage_rate, low=0.0, high=1.0)
    moment = None if as_of is None else v.aware_datetime("as_of", as_of)
    points = _outstanding(balances, moment)
    expected = Decimal(points) * (Decimal(1) - Decimal(str(rate)))
    return Liability(
        outstanding_points=points,
        expected_redemptions=expected,
        cost_per_point=cost,
        breakage_rate=rate,
        value=expected * cost,
    )


def _outstanding(balances: Any, as_of: datetime | None) -> int:
    if isinstance(balances, Mapping):
        balances = list(ledgers_by_member(balances, "balances").values())
    if isinstance(balances, (str, bytes)) or not isinstance(balances, (Iterable, np.ndarray)):
        v.fail_type("balances", "Ledger or Balance values, or point counts", balances)
    items = list(balances) if not isinstance(balances, np.ndarray) else balances.tolist()
    if any(isinstance(item, Ledger) for item in items):
        if as_of is None:
            v.fail("as_of", "the moment to value the ledgers at", None)
        items = [balance(i, as_of=as_of) if isinstance(i, Ledger) else i for i in items]
    if items and all(isinstance(item, Balance) for item in items):
        return sum(max(item.available, 0) + item.pending for item in items)
    counts = v.integer_array("balances", np.asarray(items), low=0, allow_empty=True)
    return int(counts.sum())


@frozen(kw_only=True)
class Breakage:
    """The ultimate redemption rate of earned points, from cohorts' redemption curves.

    Attributes:
        ultimate_redemption_rate: Share of points eventually redeemed (U).
        breakage_rate: 1 - U: share never redeemed.
        speed: Monthly rate k at which cohorts approach U.
        standard_error: Standard error of U (from the least-squares fit).
        n_cells: Cohort-by-age cells used.

    Examples:
        >>> import numpy as np
        >>> from crmkit.loyalty import estimate_breakage
        >>> curve = 0.7 * (1 - np.exp(-0.5 * np.arange(1, 7)))
        >>> round(estimate_breakage([100.0], [100 * curve]).breakage_rate, 6)
        0.3
    """

    ultimate_redemption_rate: float
    breakage_rate: float
    speed: float
    standard_error: float
    n_cells: int


def estimate_breakage(earned: ArrayLike, redeemed: ArrayLike) -> Breakage:
    """Estimate breakage from how much of each earning cohort has been redeemed by age.

    Each cohort's cumulative redemption share after t months is modelled as
    U (1 - exp(-k t)), the curve rising to the ultimate redemption rate U;
    U and k are fitted by weighted least squares (scipy's `curve_fit`, each
    cell weighted by its cohort's points) over every observed cell, the
    younger cohorts' unobserved ages left as NaN (the usual triangle).
    Breakage is 1 - U.

    Args:
        earned: Points earned by each cohort (> 0).
        redeemed: Cumulative points redeemed, one row per cohort and one
            column per month of age (1, 2, ...); NaN where not yet observed.

    Raises:
        InvalidInputError: If shapes disagree, fewer than 3 cells are
            observed, a cohort earned nothing, or redemptions exceed earnings.
        ConvergenceError: If the curve cannot be fitted.

    References:
        IFRS 15, Revenue from Contracts with Customers, B44-B47 (breakage);
        the saturation curve is the standard exponential "ultimate
        redemption" model used in loyalty accounting practice.

    Examples:
        >>> import numpy as np
        >>> from crmkit.loyalty import estimate_breakage
        >>> months = np.arange(1, 13)
        >>> curve = 0.8 * (1 - np.exp(-0.3 * months))
        >>> redeemed = np.vstack([1000 * curve, 2000 * curve])
        >>> redeemed[1, 6:] = np.nan                  # the younger cohort: 6 months seen
        >>> fit = estimate_breakage([1000, 2000], redeemed)
        >>> round(fit.breakage_rate, 6), round(fit.speed, 6)
        (0.2, 0.3)
    """
    points = v.float_array("earned", earned, low=0.0, low_open=True)
    try:
        table = np.asarray(redeemed, dtype=np.float64)
    except (TypeError, ValueError):
        v.fail_type("redeemed", "a table of numbers (cohorts x months)", redeemed)
    if table.ndim != 2 or table.shape[0] != points.size:
        v.fail(
            "redeemed",
            f"a table with one row per cohort ({points.size}) and one column per month",
            v.described(f"shape {table.shape}"),
        )
    observed = ~np.isnan(table)
    if (table[observed] < 0).any() or (table > points[:, None] * (1 + 1e-12)).any():
        v.fail("redeemed", "between 0 and the cohort's points earned", v.described("out of range"))
    if observed.sum() < 3:
        v.fail("redeemed", "at least 3 observed cells", int(observed.sum()))
    rows, ages = np.nonzero(observed)
    share = table[observed] / points[rows]
    sigma = 1 / np.sqrt(points[rows])  # bigger cohorts speak with more weight

    def curve(t: Any, ultimate: float, speed: float) -> Any:
        return ultimate * (1 - np.exp(-speed * t))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", optimize.OptimizeWarning)
            (ultimate, speed), covariance = optimize.curve_fit(
                curve,
                ages + 1.0,
                share,
                p0=(max(share.max(), 1e-3), 0.2),
                sigma=sigma,
                bounds=([0.0, 1e-9], [1.0, np.inf]),
            )
    except (RuntimeError, optimize.OptimizeWarning, ValueError) as error:
        message = f"estimate_breakage: the curve could not be fitted: {error}"
        raise ConvergenceError(message, reason=str(error)) from error
    se = float(np.sqrt(covariance[0, 0])) if np.isfinite(covariance[0, 0]) else math.nan
    return Breakage(
        ultimate_redemption_rate=float(ultimate),
        breakage_rate=float(1 - ultimate),
        speed=float(speed),
        standard_error=se,
        n_cells=int(observed.sum()),
    )
