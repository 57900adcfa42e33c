"""Metrics cases: the acquisition-cohort retention matrix against pandas and polars.

crmkit's side starts from a `Transactions` built untimed in setup (converting a
frame to `Transactions` is what the foundation cases time); each baseline starts
from the same purchases as a pandas or polars frame in arrival order (random
time order) and builds the cohort x months-since-acquisition table the usual
way: a month per row, each customer's first month as their cohort
(`transform("min")` / `min().over()`), the offset between the two, distinct
customers per (cohort, offset) and a pivot to a matrix, then rates as each row
over its offset-0 column.

The two answers differ in shape, not in value, and the check accounts for it:

- crmkit has a row for every month from the first purchase to the last, and a
  column for every offset; the recipe only has the cohorts and offsets that
  occur, so its table is reindexed onto crmkit's before comparing;
- a cell the recipe leaves NaN (no row of that cohort at that offset) is 0 in
  crmkit when the cohort has reached that offset (reached but empty) and NaN
  only when it has not; reached cells are compared with the recipe's NaN as 0,
  and the recipe must have nothing in an unreached cell.

Counts are compared exactly, rates to 1e-12 relative (both are one division).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from cases_foundation import ROWS, ROWS_PER_CUSTOMER, SPAN_US, START
from harness import Case, MismatchError
from numpy.typing import NDArray

import crmkit
from crmkit.metrics import CohortMatrix, cohort_retention


class CohortInputs(NamedTuple):
    """The same purchases twice: as `Transactions` (ours) and as a frame (baseline)."""

    txns: crmkit.Transactions
    frame: Any  # pandas or polars: customer_id (int64), at (datetime64[us]), amount


class Expected(NamedTuple):
    """A baseline's table as numpy arrays: cohorts and offsets as labelled."""

    cohort_month: NDArray[np.int64]  # months since 1970-01, one per row
    offset: NDArray[np.int64]  # months since acquisition, one per column
    counts: NDArray[np.float64]  # NaN where the cohort has no row at that offset
    rates: NDArray[np.float64]


def _inputs(rows: int, rng: np.random.Generator, backend: str) -> CohortInputs:
    n_customers = max(1, rows // ROWS_PER_CUSTOMER)
    customer = rng.integers(0, n_customers, size=rows, dtype=np.int64)
    # Sparse, unordered int64 ids as a CRM database would hand them over.
    ids = rng.permutation(n_customers).astype(np.int64) * 7919 + 100_000
    customer_id = ids[customer]
    at = START + rng.integers(0, SPAN_US, size=rows).astype("timedelta64[us]")
    amount = np.round(rng.lognormal(mean=3.5, sigma=1.0, size=rows), 2)
    txns = crmkit.Transactions.from_arrays(customer_id=customer_id, at=at, amount=amount)
    columns = {"customer_id": customer_id, "at": at, "amount": amount}
    if backend == "pandas":
        import pandas as pd

        frame = pd.DataFrame(columns)
    else:
        import polars as pl

        frame = pl.DataFrame(columns)
    return CohortInputs(txns, frame)


def setup_pandas(rows: int, rng: np.random.Generator) -> CohortInputs:
    return _inputs(rows, rng, "pandas")


def setup_polars(rows: int, rng: np.random.Generator) -> CohortInputs:
    return _inputs(rows, rng, "polars")


# --- ours -----------------------------------------------------------------------------------


def ours_cohort(inputs: CohortInputs) -> CohortMatrix:
    return cohort_retention(inputs.txns, period="M")


# --- pandas ---------------------------------------------------------------------------------


def baseline_pandas(inputs: CohortInputs) -> tuple[Any, Any]:
    df = inputs.frame
    # Integer months since 1970-01. Measured here: .dt.year/.dt.month ~0.2 s, a
    # datetime64[M] cast ~0.37 s, .dt.to_period("M") ~0.3 s but then Period
    # differences are DateOffset objects (~36 s for the recipe with .apply(.n)).
    at = df["at"].dt
    d = df.assign(month=(at.year - 1970) * 12 + at.month - 1)
    d["cohort"] = d.groupby("customer_id")["month"].transform("min")
    d["offset"] = d["month"] - d["cohort"]
    counts = d.groupby(["cohort", "offset"])["customer_id"].nunique().unstack()
    rates = counts.div(counts[0], axis=0)
    return counts, rates


def _expected_pandas(baseline: tuple[Any, Any]) -> Expected:
    counts, rates = baseline
    return Expected(
        counts.index.to_numpy(dtype=np.int64),
        counts.columns.to_numpy(dtype=np.int64),
        counts.to_numpy(dtype=np.float64),
        rates.to_numpy(dtype=np.float64),
    )


def check_pandas(ours: CohortMatrix, baseline: tuple[Any, Any]) -> None:
    _check(ours, _expected_pandas(baseline))


# --- polars ---------------------------------------------------------------------------------


def baseline_polars(inputs: CohortInputs) -> tuple[Any, Any]:
    import polars as pl

    at = pl.col("at")
    long = (
        inputs.frame.lazy()
        .select(
            "customer_id",
            month=(at.dt.year().cast(pl.Int64) - 1970) * 12 + at.dt.month().cast(pl.Int64) - 1,
        )
        .with_columns(cohort=pl.col("month").min().over("customer_id"))
        .group_by("cohort", offset=pl.col("month") - pl.col("cohort"))
        .agg(pl.col("customer_id").n_unique())
        .sort("cohort", "offset")
        .collect()
    )
    counts = long.pivot(on="offset", index="cohort", values="customer_id", sort_columns=True)
    offsets = [name for name in counts.columns if name != "cohort"]
    rates = counts.select("cohort", *(pl.col(name) / pl.col("0") for name in offsets))
    return counts, rates


def _expected_polars(baseline: tuple[Any, Any]) -> Expected:
    counts, rates = baseline
    offsets = [name for name in counts.columns if name != "cohort"]
    return Expected(
        counts.get_column("cohort").to_numpy().astype(np.int64),
        np.array([int(name) for name in offsets], dtype=np.int64),
        counts.select(offsets).to_numpy().astype(np.float64),  # nulls -> NaN
        rates.select(offsets).to_numpy().astype(np.float64),
    )


def check_polars(ours: CohortMatrix, baseline: tuple[Any, Any]) -> None:
    _check(ours, _expected_polars(baseline))


# --- checks ---------------------------------------------------------------------------------


def _onto(
    ours_shape: tuple[int, int], rows: NDArray[Any], cols: NDArray[Any], table: NDArray[Any]
) -> NDArray[np.float64]:
    full = np.full(ours_shape, np.nan)
    full[np.ix_(rows, cols)] = table
    return full


def _check(ours: CohortMatrix, expected: Expected) -> None:
    n_cohorts, n_offsets = ours.values.shape
    first = int(ours.cohort_start[0].astype("datetime64[M]").astype(np.int64))
    rows = expected.cohort_month - first
    cols = expected.offset
    if rows.min() < 0 or rows.max() >= n_cohorts or cols.min() < 0 or cols.max() >= n_offsets:
        msg = (
            f"baseline's table (cohort months {rows.min()}..{rows.max()}, offsets "
            f"{cols.min()}..{cols.max()}) does not fit ours ({n_cohorts} x {n_offsets})"
        )
        raise MismatchError(msg)
    counts = _onto(ours.values.shape, rows, cols, expected.counts)
    rates = _onto(ours.values.shape, rows, cols, expected.rates)
    reached = ~np.isnan(ours.values)
    stray = ~reached & ~np.isnan(counts)
    if stray.any():
        r, c = np.argwhere(stray)[0]
        msg = f"baseline has {int(stray.sum())} cells ours leaves unreached (first [{r}, {c}])"
        raise MismatchError(msg)
    want = np.where(reached, np.nan_to_num(counts, nan=0.0), np.nan)
    differ = reached & (ours.values != want)
    if differ.any():
        r, c = np.argwhere(differ)[0]
        msg = (
            f"counts: {int(differ.sum())} of {int(reached.sum())} reached cells differ "
            f"(first [{r}, {c}]: ours {ours.values[r, c]!r}, baseline {want[r, c]!r})"
        )
        raise MismatchError(msg)
    size = np.nan_to_num(counts[:, 0], nan=0.0)
    if not np.array_equal(ours.size, size.astype(np.int64)):
        msg = "size differs from the baseline's offset-0 column"
        raise MismatchError(msg)
    # Rates: where the cohort has customers, the baseline's NaN (no row) is a rate of 0.
    has_base = reached & (size[:, None] > 0)
    want_rates = np.nan_to_num(rates, nan=0.0)
    close = np.isclose(ours.rates, want_rates, rtol=1e-12, atol=0.0) | ~has_base
    if not close.all() or not np.isnan(ours.rates[~has_base]).all():
        bad = np.argwhere(~close)
        where = f" (first [{bad[0][0]}, {bad[0][1]}])" if bad.size else ""
        msg = f"rates differ from the baseline's counts over their offset-0 column{where}"
        raise MismatchError(msg)


CASES = (
    Case(
        name="cohort_pandas",
        size=ROWS,
        setup=setup_pandas,
        ours=ours_cohort,
        baseline=baseline_pandas,
        check=check_pandas,
        requires=("pandas",),
        note="pandas: dt.year*12+dt.month, groupby.transform('min') cohort, "
        "groupby([cohort, offset]).nunique().unstack(), / column 0; ours from a "
        "prebuilt Transactions",
    ),
    Case(
        name="cohort_polars",
        size=ROWS,
        setup=setup_polars,
        ours=ours_cohort,
        baseline=baseline_polars,
        check=check_polars,
        requires=("polars",),
        note="polars lazy: year*12+month, min().over() cohort, group_by(cohort, offset)"
        ".n_unique(), pivot, / column '0'; ours from a prebuilt Transactions",
    ),
)
