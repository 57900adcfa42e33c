"""Per-customer reductions over rows sorted by customer (private kernels).

`Transactions` keeps its rows sorted by customer, then time, so every customer's
rows are one contiguous run. These kernels find the runs once and reduce each
with `numpy.ufunc.reduceat`: no Python loop per customer or per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def run_starts(sorted_keys: NDArray[Any]) -> NDArray[np.intp]:
    """Start index of each run of equal keys in a sorted, non-empty array."""
    change = np.empty(sorted_keys.size, dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    return np.flatnonzero(change)


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
