"""Retention and churn: rates from counts or id sets, per-period rates, cohorts, NRR/GRR.

The rates here are fractions in [0, 1]. Counting conventions are stated on
each function; the cohort matrix leaves cells a young cohort has not reached
as NaN (unknown), never 0 (lost).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from crmkit import _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.transactions import Transactions

__all__ = [
    "CohortMatrix",
    "CohortMetric",
    "CohortMode",
    "Period",
    "PeriodRetention",
    "RevenueRetention",
    "churn_rate",
    "cohort_retention",
    "period_retention",
    "retention_rate",
    "revenue_retention",
    "set_churn_rate",
    "set_retention_rate",
]

Period = Literal["W", "M", "Q"]
CohortMetric = Literal["customers", "revenue"]
CohortMode = Literal["exact", "unbounded"]
_PERIODS = ("W", "M", "Q")


# --- from counts and sets -----------------------------------------------------------------


def retention_rate(start: int, end: int, new: int) -> float:
    """Share of the customers at the start of a period still there at its end.

    `(E - N) / S`: customers at the end, minus those acquired during the
    period, over customers at the start.

    Args:
        start: Customers at the start of the period (S), at least 1.
        end: Customers at the end (E).
        new: Customers acquired during the period (N), at most E, and with
            E - N at most S.

    Raises:
        InvalidInputError: If a count is negative or the counts contradict
            each other.

    Examples:
        1,000 at the start, 950 at the end of which 100 are new: (950 - 100) / 1000.

        >>> from crmkit.metrics import retention_rate
        >>> retention_rate(1000, 950, 100)
        0.85
    """
    s = v.check_int("start", start, low=1)
    e = v.check_int("end", end, low=0)
    n = v.check_int("new", new, low=0, high=e)
    if e - n > s:
        v.fail("end", f"at most start + new ({s + n})", e)
    return (e - n) / s


def churn_rate(start: int, end: int, new: int) -> float:
    """Share of the customers at the start of a period lost by its end: `1 - retention`.

    Examples:
        >>> from crmkit.metrics import churn_rate
        >>> round(churn_rate(1000, 950, 100), 10)
        0.15
    """
    return 1.0 - retention_rate(start, end, new)


def set_retention_rate(start_customers: Iterable[Any], end_customers: Iterable[Any]) -> float:
    """Share of the starting customers that are still customers at the end.

    `|start ∩ end| / |start|` over customer ids; customers only in the end set
    are new and do not count.

    Raises:
        InvalidInputError: If the starting set is empty.

    Examples:
        >>> from crmkit.metrics import set_retention_rate
        >>> set_retention_rate({"a", "b", "c", "d"}, {"b", "c", "e"})
        0.5
    """
    first = _id_set("start_customers", start_customers)
    last = _id_set("end_customers", end_customers)
    if not first:
        v.fail("start_customers", "at least one customer", v.described("an empty set"))
    return len(first & last) / len(first)


def set_churn_rate(start_customers: Iterable[Any], end_customers: Iterable[Any]) -> float:
    """Share of the starting customers gone at the end: `1 - set_retention_rate`.

    Examples:
        >>> from crmkit.metrics import set_churn_rate
        >>> set_churn_rate({"a", "b", "c", "d"}, {"b", "c", "e"})
        0.5
    """
    return 1.0 - set_retention_rate(start_customers, end_customers)


def _id_set(argument: str, ids: Any) -> set[Any]:
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        v.fail_type(argument, "an iterable of customer ids", ids)
    return set(ids.tolist() if isinstance(ids, np.ndarray) else ids)


@frozen(kw_only=True)
class RevenueRetention:
    """Net and gross revenue retention of one period.

    Attributes:
        net: NRR, `(start + expansion - contraction - churned) / start`; may exceed 1.
        gross: GRR, `(start - contraction - churned) / start`, in [0, 1].

    Examples:
        >>> from crmkit.metrics import revenue_retention
        >>> revenue_retention(100_000, expansion=15_000, contraction=5_000, churned=8_000)
        RevenueRetention(net=1.02, gross=0.87)
    """

    net: float
    gross: float


def revenue_retention(
    start_mrr: float, expansion: float, contraction: float, churned: float
) -> RevenueRetention:
    """Net revenue retention (NRR) and gross revenue retention (GRR).

    Args:
        start_mrr: Recurring revenue of the starting customers at the start.
        expansion: Added revenue from those customers (upsell, cross-sell).
        contraction: Revenue lost to downgrades.
        churned: Revenue lost to customers who left.

    Raises:
        InvalidInputError: If an amount is negative or non-finite, start_mrr is
            0, or contraction and churn exceed the starting revenue.

    Examples:
        >>> from crmkit.metrics import revenue_retention
        >>> r = revenue_retention(100_000, 15_000, 5_000, 8_000)
        >>> r.net, r.gross
        (1.02, 0.87)
    """
    start = v.check_float("start_mrr", start_mrr, low=0.0, low_open=True)
    grown = v.check_float("expansion", expansion, low=0.0)
    shrunk = v.check_float("contraction", contraction, low=0.0)
    lost = v.check_float("churned", churned, low=0.0)
    lost_total = shrunk + lost
    # Tolerate rounding: 0.1 + 0.2 losses out of 0.3 lose everything, not more.
    if lost_total > start and not math.isclose(lost_total, start, rel_tol=1e-12):
        v.fail("churned", f"at most start_mrr - contraction ({start - shrunk:g})", lost)
    return RevenueRetention(
        net=max(start + grown - lost_total, 0.0) / start,
        gross=max(start - lost_total, 0.0) / start,
    )


# --- periods ------------------------------------------------------------------------------


def _period_index(at: NDArray[np.datetime64], period: Period) -> NDArray[np.int64]:
    """Whole periods since the epoch: months, quarters, or ISO weeks (Monday start)."""
    if period == "W":
        days = at.astype("datetime64[D]").astype(np.int64)
        return (days + 3) // 7  # 1970-01-01 was a Thursday: shift so weeks start on Monday
    months = at.astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "Q" else months


def _period_start(index: NDArray[np.int64], period: Period) -> NDArray[np.datetime64]:
    if period == "W":
        return (index * 7 - 3).astype("datetime64[D]")
    months = index * 3 if period == "Q" else index
    return months.astype("datetime64[M]").astype("datetime64[D]")


def _rows_until(txns: Transactions, as_of: date | datetime | None) -> Transactions:
    if as_of is None:
        return txns
    kept = txns.until(as_of)
    if not len(kept):
        v.fail("as_of", "on or after the first transaction", as_of)
    return kept


@frozen(kw_only=True, repr=False)
class PeriodRetention:
    """Active customers per period, and how many of the previous period's stayed.

    Attributes:
        period_start: First day of each period.
        active: Customers active in the period (bought within the activity window).
        retained: Of the previous period's active customers, those still active.
        new: Active customers buying for the first time.
        retention_rate: `retained / active of the previous period`; NaN for
            the first period, which has no previous one (unknown, not zero).
        churn_rate: `1 - retention_rate` (NaN for the first period).
        period: `"W"`, `"M"` or `"Q"`.
        activity_window: Periods a purchase keeps a customer active.

    Examples:
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics import period_retention
        >>> r = period_retention(load_sample().transactions, period="Q")
        >>> r
        PeriodRetention(period='Q', n_periods=8, activity_window=1)
    """

    period_start: NDArray[np.datetime64] = array_field()
    active: NDArray[np.int64] = array_field()
    retained: NDArray[np.int64] = array_field()
    new: NDArray[np.int64] = array_field()
    retention_rate: NDArray[np.float64] = array_field()
    churn_rate: NDArray[np.float64] = array_field()
    period: Period = field()
    activity_window: int = field()

    def __repr__(self) -> str:
        return (
            f"PeriodRetention(period={self.period!r}, n_periods={self.active.size}, "
            f"activity_window={self.activity_window})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per period: `period_start, active, retained, new, retention_rate, churn_rate`.

        Examples:
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics import period_retention
            >>> period_retention(load_sample().transactions, period="Q").to_frame().shape
            (8, 6)
        """
        columns = {
            "period_start": self.period_start,
            "active": self.active,
            "retained": self.retained,
            "new": self.new,
            "retention_rate": self.retention_rate,
            "churn_rate": self.churn_rate,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def period_retention(
    transactions: Transactions,
    *,
    period: Period = "M",
    activity_window: int = 1,
    as_of: date | datetime | None = None,
) -> PeriodRetention:
    """Retention and churn rates period by period, from purchases.

    A customer is active in a period if they bought in it or in the
    `activity_window - 1` periods before it (so a window of 3 months counts a
    customer who buys quarterly as active every month). Retention of period k
    is the share of period k-1's active customers active again in period k.

    Args:
        transactions: The purchases.
        period: `"W"` (ISO weeks from Monday), `"M"` or `"Q"`.
        activity_window: Periods a purchase keeps a customer active, at least 1.
        as_of: Ignore purchases after this (a date counts its whole UTC day);
            all of them when None.

    Raises:
        InvalidInputError: If there are no transactions (up to `as_of`) or an
            option is unknown.

    Examples:
        "a" buys in January and February, "b" in January only, "c" in February:

        >>> import numpy as np
        >>> from crmkit import Transactions
        >>> from crmkit.metrics import period_retention
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "b", "c"], amount=[1.0, 1.0, 1.0, 1.0],
        ...     at=np.array(["2025-01-05", "2025-02-05", "2025-01-09", "2025-02-02"],
        ...                 dtype="datetime64[us]"))
        >>> r = period_retention(txns)
        >>> r.active.tolist(), r.retained.tolist(), r.new.tolist(), r.retention_rate.tolist()
        ([2, 2], [0, 1], [2, 1], [nan, 0.5])
    """
    txns = _rows_until(_groups.check_transactions(transactions), as_of)
    v.check_choice("period", period, _PERIODS)
    window = v.check_int("activity_window", activity_window, low=1)
    index = _period_index(txns.at, period)
    first, last = int(index.min()), int(index.max())
    n_periods = last - first + 1
    offset = index - first
    # One bit per (customer, period) bought in, then widened by the activity window.
    bought = np.zeros((txns.n_customers, n_periods), dtype=bool)
    bought[txns.customer_index, offset] = True
    active = bought.copy()
    for lag in range(1, min(window, n_periods)):
        active[:, lag:] |= bought[:, :-lag]
    starts = _groups.run_starts(txns.customer_index)
    first_period = np.bincount(offset[starts], minlength=n_periods)
    count = active.sum(axis=0)
    kept = np.zeros(n_periods, dtype=np.int64)
    kept[1:] = (active[:, 1:] & active[:, :-1]).sum(axis=0)
    before = np.concatenate(([0], count[:-1]))
    rate = np.divide(kept, before, out=np.full(n_periods, np.nan), where=before > 0)
    return PeriodRetention(
        period_start=_period_start(np.arange(first, last + 1), period),
        active=count.astype(np.int64),
        retained=kept,
        new=first_period.astype(np.int64),
        retention_rate=rate,
        churn_rate=1.0 - rate,
        period=period,
        activity_window=window,
    )


# --- cohorts ------------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class CohortMatrix:
    """Acquisition cohort by periods since acquisition: counts (or revenue) and rates.

    Row i is the cohort acquired in period `cohort_start[i]`; column k is k
    periods after acquisition. Cells a cohort has not reached yet (after the
    last observed period) are NaN: unknown, not zero.

    Attributes:
        cohort_start: First day of each cohort's acquisition period.
        size: Customers acquired in each cohort (0 for a period with no new
            customers, whose rates are then NaN: a share of nobody).
        values: Active customers (or revenue) per cohort and period offset.
        rates: `values` over the cohort's value at offset 0.
        period: `"W"`, `"M"` or `"Q"`.
        metric: `"customers"` or `"revenue"`.
        mode: `"exact"` (active in that very period) or `"unbounded"`
            (active in that period or any later one).

    Examples:
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics import cohort_retention
        >>> m = cohort_retention(load_sample().transactions, period="Q")
        >>> m
        CohortMatrix(period='Q', metric='customers', mode='exact', n_cohorts=8, n_offsets=8)
        >>> m.rates[0, :3].round(3).tolist()
        [1.0, 0.5, 0.428]
    """

    cohort_start: NDArray[np.datetime64] = array_field()
    size: NDArray[np.int64] = array_field()
    values: NDArray[np.float64] = array_field()
    rates: NDArray[np.float64] = array_field()
    period: Period = field()
    metric: CohortMetric = field()
    mode: CohortMode = field()

    def __repr__(self) -> str:
        n_cohorts, n_offsets = self.values.shape
        return (
            f"CohortMatrix(period={self.period!r}, metric={self.metric!r}, mode={self.mode!r}, "
            f"n_cohorts={n_cohorts}, n_offsets={n_offsets})"
        )

    def retention_at(self, offset: int) -> float:
        """Size-weighted retention rate `offset` periods after acquisition.

        Averages over the cohorts that have reached that offset; raises if none has.

        Examples:
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics import cohort_retention
            >>> m = cohort_retention(load_sample().transactions, period="M")
            >>> round(m.retention_at(12), 3)
            0.15
        """
        k = v.check_int("offset", offset, low=0, high=self.values.shape[1] - 1)
        reached = ~np.isnan(self.values[:, k])
        base = float(self.values[reached, 0].sum())
        if base <= 0:
            v.fail("offset", "an offset reached by a cohort with customers (or revenue)", k)
        return float(self.values[reached, k].sum()) / base

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Long format: `cohort_start, size, periods_since, value, rate` for reached cells.

        Examples:
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics import cohort_retention
            >>> f = cohort_retention(load_sample().transactions, period="Q").to_frame()
            >>> f.columns.tolist(), len(f)   # 8 + 7 + ... + 1 reached cells
            (['cohort_start', 'size', 'periods_since', 'value', 'rate'], 36)
        """
        rows, offsets = np.nonzero(~np.isnan(self.values))
        columns = {
            "cohort_start": self.cohort_start[rows],
            "size": self.size[rows],
            "periods_since": offsets.astype(np.int64),
            "value": self.values[rows, offsets],
            "rate": self.rates[rows, offsets],
        }
        return _frames.frame_from_columns(columns, backend=backend)


def cohort_retention(
    transactions: Transactions,
    *,
    period: Period = "M",
    metric: CohortMetric = "customers",
    mode: CohortMode = "exact",
    as_of: date | datetime | None = None,
) -> CohortMatrix:
    """Retention of each acquisition cohort, period by period after acquisition.

    A customer's cohort is the period of their first purchase. With
    `metric="customers"` a cell counts the cohort's customers who bought
    `k` periods after acquisition (`mode="exact"`) or then or later
    (`mode="unbounded"`, the share not yet gone for good). With
    `metric="revenue"` a cell sums the cohort's spend in that period.
    The last observed period is that of the last purchase (up to `as_of`).

    Vectorised: one pass to find each customer's cohort and each row's
    offset, then `bincount` over (cohort, offset) cells.

    Args:
        transactions: The purchases.
        period: `"W"` (ISO weeks), `"M"` (default) or `"Q"`.
        metric: `"customers"` or `"revenue"`.
        mode: `"exact"` or `"unbounded"` (customers only).
        as_of: Ignore purchases after this; all of them when None.

    Raises:
        InvalidInputError: If there are no transactions, an option is
            unknown, or revenue is asked for in unbounded mode.

    Examples:
        "a" buys in January and March, "b" in January, "c" in February:

        >>> import numpy as np
        >>> from crmkit import Transactions
        >>> from crmkit.metrics import cohort_retention
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "b", "c"], amount=[1.0, 1.0, 1.0, 1.0],
        ...     at=np.array(["2025-01-05", "2025-03-05", "2025-01-09", "2025-02-02"],
        ...                 dtype="datetime64[us]"))
        >>> m = cohort_retention(txns)
        >>> m.values.tolist()   # March acquired nobody: 0 there, then unknown
        [[2.0, 0.0, 1.0], [1.0, 0.0, nan], [0.0, nan, nan]]
        >>> cohort_retention(txns, mode="unbounded").values[0].tolist()
        [2.0, 1.0, 1.0]
    """
    txns = _rows_until(_groups.check_transactions(transactions), as_of)
    v.check_choice("period", period, _PERIODS)
    v.check_choice("metric", metric, ("customers", "revenue"))
    v.check_choice("mode", mode, ("exact", "unbounded"))
    if metric == "revenue" and mode == "unbounded":
        v.fail("mode", "'exact' when metric='revenue'", mode)
    index = _period_index(txns.at, period)
    first, last = int(index.min()), int(index.max())
    n = last - first + 1
    starts = _groups.run_starts(txns.customer_index)
    lengths = _groups.run_lengths(starts, index.size)
    cohort_of_customer = index[starts] - first  # rows are time-sorted within a customer
    cohort = np.repeat(cohort_of_customer, lengths)
    offset = index - first - cohort
    if metric == "revenue":
        cells = np.bincount(cohort * n + offset, weights=txns.amount, minlength=n * n)
    else:
        # One count per customer and offset, however many purchases fell in it.
        customer = np.repeat(np.arange(starts.size), lengths)
        # Rows are sorted by customer, then time: the keys are already in order, so
        # their distinct values are the starts of their runs (no sort, no hashing).
        key = customer * n + offset
        pairs = _groups.distinct_sorted(key)
        if mode == "unbounded":
            latest = np.maximum.reduceat(pairs % n, _groups.run_starts(pairs // n))
            at_latest = np.bincount(cohort_of_customer * n + latest, minlength=n * n)
            cells = at_latest.reshape(n, n)[:, ::-1].cumsum(axis=1)[:, ::-1].ravel()
        else:
            cells = np.bincount(cohort_of_customer[pairs // n] * n + pairs % n, minlength=n * n)
    values = cells.reshape(n, n).astype(np.float64)
    unreached = np.arange(n)[None, :] > (n - 1 - np.arange(n))[:, None]
    values[unreached] = np.nan
    size = np.bincount(cohort_of_customer, minlength=n).astype(np.int64)
    base = values[:, :1]
    rates = np.divide(values, base, out=np.full_like(values, np.nan), where=base > 0)
    rates[unreached] = np.nan
    return CohortMatrix(
        cohort_start=_period_start(np.arange(first, last + 1), period),
        size=size,
        values=values,
        rates=rates,
        period=period,
        metric=metric,
        mode=mode,
    )
