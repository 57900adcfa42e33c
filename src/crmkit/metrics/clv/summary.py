"""`btyd_summary`: purchases to the frequency / recency / T / monetary value summary.

The probabilistic customer-base models ("buy till you die", BTYD) see each
customer through four numbers measured in one time unit, the *period*. The
period travels with the summary (`period_days`), so a model fitted on weekly
numbers can be told so (`fit_bg_nbd(..., period=s.period_days)`) and never be
read as daily.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from crmkit import _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field, optional_array_field
from crmkit._frames import Backend
from crmkit.transactions import Transactions

__all__ = ["BtydSummary", "PeriodLike", "btyd_summary"]

PeriodLike = Literal["D", "W"] | int | float
"""A time unit: `"D"` (a day), `"W"` (a week, 7 days) or a number of days."""

_PERIOD_DAYS = {"D": 1.0, "W": 7.0}
_ONE_MICROSECOND = np.timedelta64(1, "us")
_MICROSECONDS_PER_DAY = 86_400_000_000


@frozen(kw_only=True, repr=False)
class BtydSummary:
    """Per customer: frequency, recency, T and monetary value, in one period.

    Attributes:
        customer_id: The customers, in customer-id order.
        frequency: Repeat purchase occasions: distinct purchase days minus one.
        recency: From the first to the last purchase day, in periods.
        T: From the first purchase day to the end of the calibration window, in
            periods (the calibration end day counts as observed, so T > 0).
        monetary_value: Mean spend per repeat purchase occasion (the first
            purchase is left out, as the spend models expect); 0 when there is
            no repeat purchase.
        period_days: Length of one period in days (7.0 for weekly numbers).
        calibration_end: The end of the calibration window (UTC, inclusive).
        observation_end: The end of the holdout window, if one was asked for.
        frequency_holdout: Purchase occasions in the holdout window.
        monetary_value_holdout: Mean spend per holdout occasion (0 when none).
        duration_holdout: Length of the holdout window, in periods.
        currency: The currency of the spend, if known.
        n_excluded: Customers whose first purchase is after the calibration end.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics.clv import btyd_summary
        >>> s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30),
        ...                  observation_end=date(2024, 12, 31), period="W")
        >>> s
        BtydSummary(n_customers=3736, period_days=7.0, calibration_end='2024-06-30',
                    observation_end='2024-12-31', n_excluded=1264)
    """

    customer_id: NDArray[Any] = array_field()
    frequency: NDArray[np.int64] = array_field()
    recency: NDArray[np.float64] = array_field()
    T: NDArray[np.float64] = array_field()
    monetary_value: NDArray[np.float64] = array_field()
    period_days: float = field()
    calibration_end: datetime = field()
    observation_end: datetime | None = field(default=None)
    frequency_holdout: NDArray[np.int64] | None = optional_array_field()
    monetary_value_holdout: NDArray[np.float64] | None = optional_array_field()
    duration_holdout: float | None = field(default=None)
    currency: str | None = field(default=None)
    n_excluded: int = field(default=0)

    def __repr__(self) -> str:
        holdout = (
            ""
            if self.observation_end is None
            else f", observation_end={self.observation_end.date().isoformat()!r}"
        )
        return (
            f"BtydSummary(n_customers={self.n_customers}, period_days={self.period_days}, "
            f"calibration_end={self.calibration_end.date().isoformat()!r}{holdout}, "
            f"n_excluded={self.n_excluded})"
        )

    def __len__(self) -> int:
        return int(self.customer_id.size)

    @property
    def n_customers(self) -> int:
        """Number of customers summarised."""
        return len(self)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per customer, with the column names lifetimes uses.

        Columns: `customer_id, frequency, recency, T, monetary_value`, and with a
        holdout window `frequency_holdout, monetary_value_holdout,
        duration_holdout`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics.clv import btyd_summary
            >>> s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30))
            >>> s.to_frame().columns.tolist()
            ['customer_id', 'frequency', 'recency', 'T', 'monetary_value']
        """
        columns: dict[str, NDArray[Any]] = {
            "customer_id": self.customer_id,
            "frequency": self.frequency,
            "recency": self.recency,
            "T": self.T,
            "monetary_value": self.monetary_value,
        }
        if self.frequency_holdout is not None and self.monetary_value_holdout is not None:
            columns["frequency_holdout"] = self.frequency_holdout
            columns["monetary_value_holdout"] = self.monetary_value_holdout
            columns["duration_holdout"] = np.full(len(self), self.duration_holdout)
        return _frames.frame_from_columns(columns, backend=backend)


def btyd_summary(
    transactions: Transactions,
    *,
    calibration_end: date | datetime,
    observation_end: date | datetime | None = None,
    period: PeriodLike = "D",
) -> BtydSummary:
    """Summarise purchases into the inputs of the BTYD models.

    Times are counted in whole UTC days: several purchases on one day are one
    purchase occasion (their amounts add up), recency runs from the first to
    the last purchase day, and T from the first purchase day to the end of
    the calibration window. `calibration_end` follows the library's `as_of`
    rule: a date means the end of that day, so a purchase on that day is in
    the calibration window and T is at least one day. Customers whose first
    purchase is after `calibration_end` are left out and counted in
    `n_excluded`.

    Args:
        transactions: The purchases.
        calibration_end: End of the calibration window: an aware datetime, or a
            date meaning the end of that day in UTC.
        observation_end: End of the holdout window, after `calibration_end`;
            adds `frequency_holdout`, `monetary_value_holdout` and
            `duration_holdout`.
        period: The time unit of recency and T: `"D"` (days, the default),
            `"W"` (weeks) or a positive number of days.

    Returns:
        One row per customer seen by `calibration_end`, in customer-id order.

    Raises:
        InvalidInputError: If there are no transactions on or before
            `calibration_end`, `observation_end` is not after it, or `period`
            is unknown.
        InvalidTypeError: If *transactions* is not a `Transactions`.

    Examples:
        Customer "a" bought on 1 Jan (twice), 11 Jan and 21 Jan; "b" once on 5 Jan:

        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.metrics.clv import btyd_summary
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "a", "a", "b"], amount=[10.0, 5.0, 20.0, 30.0, 8.0],
        ...     at=np.array(["2025-01-01T09:00", "2025-01-01T17:00", "2025-01-11",
        ...                  "2025-01-21", "2025-01-05"], dtype="datetime64[us]"))
        >>> s = btyd_summary(txns, calibration_end=date(2025, 1, 30))
        >>> s.frequency.tolist(), s.recency.tolist(), s.T.tolist()
        ([2, 0], [20.0, 0.0], [30.0, 26.0])
        >>> s.monetary_value.tolist()
        [25.0, 0.0]
    """
    txns = _groups.check_transactions(transactions)
    days_per_period = period_days("period", period)
    calibration = v.as_of_instant(calibration_end, "calibration_end")
    observation = None
    if observation_end is not None:
        observation = v.as_of_instant(observation_end, "observation_end")
        if observation <= calibration:
            allowed = f"after calibration_end ({calibration.isoformat()})"
            v.fail("observation_end", allowed, observation_end)
    return _summary(txns, calibration, observation, days_per_period)


def period_days(argument: str, period: Any) -> float:
    """Resolve a period (`"D"`, `"W"` or a number of days) to its length in days."""
    if isinstance(period, str):
        v.check_choice(argument, period, tuple(_PERIOD_DAYS))
        return _PERIOD_DAYS[period]
    return v.check_float(argument, period, low=0.0, low_open=True)


def _summary(
    txns: Transactions, calibration: datetime, observation: datetime | None, days: float
) -> BtydSummary:
    calibration_rows = _groups.customer_rows(txns, calibration, "calibration_end")
    occasions = _occasions(calibration_rows.codes, calibration_rows.at, calibration_rows.amount)
    window_end = v.utc_datetime64(calibration) + _ONE_MICROSECOND
    first_day = occasions.day[occasions.customer_starts]
    last_day = _groups.run_last(occasions.day, occasions.customer_starts)
    counts = _groups.run_lengths(occasions.customer_starts, occasions.day.size)
    repeat_spend = (
        _groups.run_sums(occasions.spend, occasions.customer_starts)
        - (occasions.spend[occasions.customer_starts])
    )
    frequency = counts - 1
    monetary = np.divide(
        repeat_spend, frequency, out=np.zeros(frequency.size), where=frequency > 0
    )
    holdout = (
        None
        if observation is None
        else _holdout(
            txns, calibration_rows.codes[calibration_rows.starts], calibration, observation
        )
    )
    return BtydSummary(
        customer_id=calibration_rows.customer_id,
        frequency=frequency,
        recency=_in_periods(last_day - first_day, days),
        T=_in_periods(window_end - first_day.astype("datetime64[us]"), days),
        monetary_value=monetary,
        period_days=days,
        calibration_end=calibration,
        observation_end=observation,
        frequency_holdout=None if holdout is None else holdout[0],
        monetary_value_holdout=None if holdout is None else holdout[1],
        duration_holdout=(
            None
            if observation is None
            else _in_periods(
                np.array([v.utc_datetime64(observation) - v.utc_datetime64(calibration)]), days
            ).item()
        ),
        currency=txns.currency,
        n_excluded=int(txns.n_customers - calibration_rows.customer_id.size),
    )


@frozen(kw_only=True)
class _Occasions:
    """Purchase occasions (customer, UTC day) with their spend, in row order."""

    codes: NDArray[np.int64]
    day: NDArray[np.datetime64]
    spend: NDArray[np.float64]
    customer_starts: NDArray[np.intp]


def _occasions(
    codes: NDArray[np.int64], at: NDArray[np.datetime64], amount: NDArray[np.float64]
) -> _Occasions:
    # Rows are sorted by customer, then time, so a customer's days never go back.
    day = at.astype("datetime64[D]")
    new = np.ones(day.size, dtype=bool)
    new[1:] = (codes[1:] != codes[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(new)
    occasion_codes = codes[starts]
    return _Occasions(
        codes=occasion_codes,
        day=day[starts],
        spend=np.add.reduceat(amount, starts) if starts.size else amount[:0],
        # An empty holdout window has no occasions, hence no runs.
        customer_starts=(
            _groups.run_starts(occasion_codes) if starts.size else np.zeros(0, dtype=np.intp)
        ),
    )


def _holdout(
    txns: Transactions, calibrated: NDArray[np.int64], calibration: datetime, observation: datetime
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    low, high = v.utc_datetime64(calibration), v.utc_datetime64(observation)
    inside = (txns.at > low) & (txns.at <= high)
    occasions = _occasions(txns.customer_index[inside], txns.at[inside], txns.amount[inside])
    n_all = txns.n_customers
    counts = np.bincount(occasions.codes, minlength=n_all)[calibrated]
    spend = np.bincount(occasions.codes, weights=occasions.spend, minlength=n_all)[calibrated]
    mean = np.divide(spend, counts, out=np.zeros(counts.size), where=counts > 0)
    return counts.astype(np.int64), mean


def _in_periods(elapsed: NDArray[Any], days: float) -> NDArray[np.float64]:
    microseconds = elapsed.astype("timedelta64[us]").astype(np.int64)
    result: NDArray[np.float64] = microseconds / (_MICROSECONDS_PER_DAY * days)
    return result
