"""Per-customer reductions over rows sorted by customer (private kernels).

`Transactions` keeps its rows sorted by customer, then time, so every customer's
rows are one contiguous run. These kernels find the runs once and reduce each
with `numpy.ufunc.reduceat`: no Python loop per customer or per row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from crmkit import _validation as v
from crmkit.transactions import Transactions

_MICROSECONDS_PER_DAY = 86_400_000_000


def run_starts(sorted_keys: NDArray[Any]) -> NDArray[np.intp]:
    """Start index of each run of equal keys in a sorted, non-empty array."""
    change = np.empty(sorted_keys.size, dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    return np.flatnonzero(change)


def distinct(values: NDArray[Any]) -> NDArray[Any]:
    """The distinct values, sorted: like `np.unique`, by sorting.

    numpy >= 2.3 answers a plain `np.unique` with a hash table that is many times
    slower than a sort for millions of distinct values.
    """
    return distinct_sorted(np.sort(values))


def distinct_sorted(values: NDArray[Any]) -> NDArray[Any]:
    """The distinct values of an already sorted array: the starts of its runs."""
    return values[run_starts(values)] if values.size else values


def run_lengths(starts: NDArray[np.intp], n_rows: int) -> NDArray[np.int64]:
    """Number of rows in each run."""
    return np.diff(np.append(starts, n_rows)).astype(np.int64)


def run_sums(values: NDArray[Any], starts: NDArray[np.intp]) -> NDArray[Any]:
    """Sum of *values* over each run."""
    return np.add.reduceat(values, starts)


def run_last(values: NDArray[Any], starts: NDArray[np.intp]) -> NDArray[Any]:
    """Last element of each run (the latest time, as runs are sorted by time)."""
    ends = np.append(starts[1:], values.size) - 1
    last: NDArray[Any] = values[ends]
    return last


def check_transactions(transactions: Any) -> Transactions:
    if not isinstance(transactions, Transactions):
        v.fail_type(
            "transactions",
            "a Transactions",
            transactions,
            hint="from a frame: Transactions.from_frame(frame, customer_id=..., ...)",
        )
    if not len(transactions):
        v.fail("transactions", "non-empty", v.described("no rows"))
    return transactions


@frozen(kw_only=True)
class CustomerRows:
    """Rows on or before `as_of`, with each customer's run found once."""

    moment: datetime
    instant: np.datetime64
    codes: NDArray[np.int64]
    at: NDArray[np.datetime64]
    amount: NDArray[np.float64]
    starts: NDArray[np.intp]
    lengths: NDArray[np.int64]
    customer_id: NDArray[Any]
    first: NDArray[np.datetime64]
    last: NDArray[np.datetime64]
    revenue: NDArray[np.float64]
    n_excluded: int


def customer_rows(txns: Transactions, moment: datetime, argument: str = "as_of") -> CustomerRows:
    """Group the rows up to *moment* by customer; refuse a moment before all of them."""
    instant = v.utc_datetime64(moment)
    first_row = txns.at.min()
    if instant < first_row:
        allowed = f"at or after the first transaction ({first_row.astype('datetime64[D]')})"
        v.fail(argument, allowed, moment)
    keep = txns.at <= instant
    everything = bool(keep.all())
    codes = txns.customer_index if everything else txns.customer_index[keep]
    at = txns.at if everything else txns.at[keep]
    amount = txns.amount if everything else txns.amount[keep]
    starts = run_starts(codes)
    return CustomerRows(
        moment=moment,
        instant=instant,
        codes=codes,
        at=at,
        amount=amount,
        starts=starts,
        lengths=run_lengths(starts, at.size),
        customer_id=txns.customer_ids[codes[starts]],
        first=at[starts],
        last=run_last(at, starts),
        revenue=run_sums(amount, starts),
        n_excluded=int(keep.size - np.count_nonzero(keep)),
    )


def whole_days(elapsed: NDArray[Any]) -> NDArray[np.int64]:
    # Completed days; elapsed times are never negative here.
    microseconds = elapsed.astype("timedelta64[us]").astype(np.int64)
    return microseconds // _MICROSECONDS_PER_DAY
