"""Foundation cases: building `Transactions` from frames and arrays.

Each baseline builds the same four columns crmkit stores, by hand, in the idiom
of its library: rows sorted stably by customer then time, int64 codes into the
sorted distinct customer ids, naive-UTC `datetime64[us]` times and float64
amounts. `check_columns` makes sure both sides really produced the same thing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from harness import Case, MismatchError
from numpy.typing import NDArray

import crmkit

ROWS = 10_000_000
ROWS_PER_CUSTOMER = 10  # 10M rows -> ~1M distinct customers
START = np.datetime64("2023-01-01T00:00:00", "us")
SPAN_US = 2 * 365 * 24 * 3600 * 10**6  # two years


class Columns(NamedTuple):
    """What `Transactions` holds for the three required columns."""

    codes: NDArray[np.int64]
    labels: NDArray[Any]
    at: NDArray[np.datetime64]
    amount: NDArray[np.float64]


class Raw(NamedTuple):
    """Unsorted transaction columns as numpy arrays."""

    customer: NDArray[np.int64]  # 0 .. n_customers - 1, in random order
    n_customers: int
    at: NDArray[np.datetime64]  # naive UTC, random order (not a time-ordered log)
    amount: NDArray[np.float64]


def raw_columns(rows: int, rng: np.random.Generator) -> Raw:
    n_customers = max(1, rows // ROWS_PER_CUSTOMER)
    customer = rng.integers(0, n_customers, size=rows, dtype=np.int64)
    at = START + rng.integers(0, SPAN_US, size=rows).astype("timedelta64[us]")
    amount = np.round(rng.lognormal(mean=3.5, sigma=1.0, size=rows), 2)
    return Raw(customer, n_customers, at, amount)


def string_ids(n_customers: int) -> NDArray[np.object_]:
    """`n_customers` distinct ids "C0000000", "C0000001", ... as Python strings."""
    return np.array([f"C{i:07d}" for i in range(n_customers)], dtype=object)


def columns_of(txns: crmkit.Transactions) -> Columns:
    return Columns(txns.customer_index, txns.customer_ids, txns.at, txns.amount)


def check_columns(ours: crmkit.Transactions, baseline: Columns) -> None:
    """Raise `MismatchError` unless crmkit's columns equal the baseline's, value for value."""
    got = columns_of(ours)
    for name in Columns._fields:
        a, b = getattr(got, name), getattr(baseline, name)
        if name == "at" and not (a.dtype == b.dtype == np.dtype("datetime64[us]")):
            msg = f"'at' dtypes differ: ours {a.dtype}, baseline {b.dtype}"
            raise MismatchError(msg)
        if name == "codes" and not (a.dtype == b.dtype == np.int64):
            msg = f"'codes' dtypes differ: ours {a.dtype}, baseline {b.dtype}"
            raise MismatchError(msg)
        if a.shape != b.shape:
            msg = f"{name!r} shapes differ: ours {a.shape}, baseline {b.shape}"
            raise MismatchError(msg)
        # Labels may be numpy str (crmkit) or object (frame libraries): compare values.
        equal = a.tolist() == b.tolist() if name == "labels" else np.array_equal(a, b)
        if not equal:
            first = int(np.flatnonzero(a != b)[0]) if name != "labels" else -1
            msg = f"{name!r} differs between ours and baseline (first at index {first})"
            raise MismatchError(msg)


# --- from_frame_pandas ----------------------------------------------------------------------


def setup_pandas(rows: int, rng: np.random.Generator) -> Any:
    import pandas as pd

    raw = raw_columns(rows, rng)
    # take() on a Series of the distinct ids gives the default string dtype (pyarrow-backed
    # "str" on pandas 3, object on pandas 2) without materialising 10M Python strings.
    ids = pd.Series(string_ids(raw.n_customers)).take(raw.customer).reset_index(drop=True)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "at": pd.Series(raw.at).dt.tz_localize("UTC"),
            "amount": raw.amount,
        }
    )


def ours_frame(frame: Any) -> crmkit.Transactions:
    return crmkit.Transactions.from_frame(
        frame, customer_id="customer_id", at="at", amount="amount"
    )


def baseline_pandas(df: Any) -> Columns:
    import pandas as pd

    # Factorizing first and sorting on the int codes measured a little faster than
    # sort_values on the string column followed by factorize; the stronger baseline wins.
    codes, labels = pd.factorize(df["customer_id"], sort=True)
    rows = pd.DataFrame({"code": codes, "at": df["at"], "amount": df["amount"]}).sort_values(
        ["code", "at"], kind="stable"
    )
    at = rows["at"].dt.tz_convert("UTC").dt.tz_localize(None)
    return Columns(
        rows["code"].to_numpy(dtype=np.int64),
        labels.to_numpy(),
        at.to_numpy(dtype="datetime64[us]"),
        rows["amount"].to_numpy(dtype=np.float64),
    )


# --- from_frame_polars ----------------------------------------------------------------------


def setup_polars(rows: int, rng: np.random.Generator) -> Any:
    import polars as pl

    raw = raw_columns(rows, rng)
    ids = pl.Series("customer_id", string_ids(raw.n_customers), dtype=pl.String)
    return pl.DataFrame(
        {
            "customer_id": ids.gather(raw.customer),
            "at": pl.Series("at", raw.at).dt.replace_time_zone("UTC"),
            "amount": raw.amount,
        }
    )


def baseline_polars(df: Any) -> Columns:
    import polars as pl

    # Sorted distinct ids, then a hash lookup for the codes, then a sort on ints: this
    # measured faster than sorting on the string column (+ rle_id) or casting to an Enum.
    labels = df.get_column("customer_id").unique().sort()
    rows = df.select(
        pl.col("customer_id")
        .replace_strict(labels, np.arange(labels.len(), dtype=np.int64), return_dtype=pl.Int64)
        .alias("code"),
        pl.col("at")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
        .dt.cast_time_unit("us"),
        pl.col("amount").cast(pl.Float64),
    ).sort(["code", "at"], maintain_order=True)
    return Columns(
        rows.get_column("code").to_numpy(),
        labels.to_numpy(),
        rows.get_column("at").to_numpy(),
        rows.get_column("amount").to_numpy(),
    )


# --- from_arrays_int_ids --------------------------------------------------------------------


class IntArrays(NamedTuple):
    customer_id: NDArray[np.int64]
    at: NDArray[np.datetime64]
    amount: NDArray[np.float64]


def setup_int_arrays(rows: int, rng: np.random.Generator) -> IntArrays:
    raw = raw_columns(rows, rng)
    # Sparse, unordered ids as a CRM database would hand them over.
    ids = rng.permutation(raw.n_customers).astype(np.int64) * 7919 + 100_000
    return IntArrays(ids[raw.customer], raw.at, raw.amount)


def ours_int_arrays(inputs: IntArrays) -> crmkit.Transactions:
    return crmkit.Transactions.from_arrays(
        customer_id=inputs.customer_id, at=inputs.at, amount=inputs.amount
    )


def baseline_int_arrays(inputs: IntArrays) -> Columns:
    labels, codes = np.unique(inputs.customer_id, return_inverse=True)
    codes = codes.astype(np.int64, copy=False)
    by_time = np.argsort(inputs.at, kind="stable")
    order = by_time[np.argsort(codes[by_time], kind="stable")]
    return Columns(codes[order], labels, inputs.at[order], inputs.amount[order])


CASES = (
    Case(
        name="from_frame_pandas",
        size=ROWS,
        setup=setup_pandas,
        ours=ours_frame,
        baseline=baseline_pandas,
        check=check_columns,
        requires=("pandas",),
        note="pandas: factorize(sort=True) + sort_values(stable) + tz_localize(None) + to_numpy",
    ),
    Case(
        name="from_frame_polars",
        size=ROWS,
        setup=setup_polars,
        ours=ours_frame,
        baseline=baseline_polars,
        check=check_columns,
        requires=("polars",),
        note="polars: unique().sort() labels + replace_strict codes + sort(maintain_order)",
    ),
    Case(
        name="from_arrays_int_ids",
        size=ROWS,
        setup=setup_int_arrays,
        ours=ours_int_arrays,
        baseline=baseline_int_arrays,
        check=check_columns,
        note="numpy: unique(return_inverse) + two stable argsorts",
    ),
)
