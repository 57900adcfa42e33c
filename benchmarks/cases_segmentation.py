"""Segmentation cases: RFM summaries and scores against pandas and polars.

crmkit's side starts from a `Transactions` built untimed in setup (converting a
frame to `Transactions` is what the foundation cases time); each baseline starts
from the same purchases as a pandas or polars frame in arrival order (random time
order, as a log export hands them over) and computes the same per-customer
table in its library's idiom.

The scores are rank based, so a tie policy has to be named to compare them:

- the pandas recipe ranks with `rank(method="first")` (equal values in row order,
  which after `groupby` is customer-id order) and bins with `pd.qcut`; that equals
  crmkit's `score_rfm(..., ties="first")` exactly when the number of customers is
  a multiple of the number of bins, which `setup` guarantees;
- the polars baseline uses average ranks, which is crmkit's default policy, in
  crmkit's formula `floor((rank - 0.5) / n * 5) + 1`.

Monetary sums are compared to 1e-9 relative, not exactly: pandas sums each group
in row order with compensated summation, crmkit and polars in their own orders,
so a few sums differ in the last bit. Among the many customers with equal
whole-cent totals that is enough to break a tie the other way and move a
customer across a score boundary, so the baseline's scores are checked against
crmkit's scoring of crmkit's summary with the baseline's (equal to 1e-9) sums.
The timed scores themselves (default ties) are checked against average ranks
computed independently with `np.unique` from the summary they came with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import attrs
import numpy as np
from cases_foundation import ROWS, ROWS_PER_CUSTOMER, SPAN_US, START
from harness import Case, MismatchError
from numpy.typing import NDArray

import crmkit
from crmkit.segmentation import RfmScores, RfmSummary, rfm_summary, score_rfm

N_BINS = 5
SCORE_LABELS = list(range(1, N_BINS + 1))


class RfmInputs(NamedTuple):
    """The same purchases twice: as `Transactions` (ours) and as a frame (baseline)."""

    txns: crmkit.Transactions
    frame: Any  # pandas or polars: customer_id (int64), at (datetime64[us]), amount
    as_of: datetime  # midnight UTC of the day after the last purchase
    as_of_naive: datetime  # the same instant, naive, for the frame libraries


class Expected(NamedTuple):
    """A baseline's answer as numpy arrays, one row per customer in customer-id order."""

    customer_id: NDArray[np.int64]
    recency_days: NDArray[np.int64]
    frequency: NDArray[np.int64]
    monetary: NDArray[np.float64]
    scores: dict[str, NDArray[np.int64]]  # "r", "f", "m"; empty for the summary-only case


def _purchases(
    rows: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.datetime64], NDArray[np.float64]]:
    """Customer ids, times and amounts in arrival order.

    Every customer buys at least once and their number is a multiple of
    `N_BINS` (at least `N_BINS`, so at least that many rows), which is what
    makes `pd.qcut` over ranks agree exactly with crmkit's bins.
    """
    n_customers = max(N_BINS, rows // ROWS_PER_CUSTOMER // N_BINS * N_BINS)
    rows = max(rows, n_customers)
    customer = np.concatenate(
        [np.arange(n_customers), rng.integers(0, n_customers, size=rows - n_customers)]
    )
    customer = rng.permutation(customer)
    # Sparse, unordered int64 ids as a CRM database would hand them over.
    ids = rng.permutation(n_customers).astype(np.int64) * 7919 + 100_000
    at = START + rng.integers(0, SPAN_US, size=rows).astype("timedelta64[us]")
    amount = np.round(rng.lognormal(mean=3.5, sigma=1.0, size=rows), 2)
    return ids[customer], at, amount


def _inputs(rows: int, rng: np.random.Generator, backend: str) -> RfmInputs:
    customer_id, at, amount = _purchases(rows, rng)
    txns = crmkit.Transactions.from_arrays(customer_id=customer_id, at=at, amount=amount)
    day_after = at.max().astype("datetime64[D]") + np.timedelta64(1, "D")
    as_of_naive = datetime.fromisoformat(str(day_after))
    columns = {"customer_id": customer_id, "at": at, "amount": amount}
    if backend == "pandas":
        import pandas as pd

        frame = pd.DataFrame(columns)
    else:
        import polars as pl

        frame = pl.DataFrame(columns)
    return RfmInputs(txns, frame, as_of_naive.replace(tzinfo=UTC), as_of_naive)


def setup_pandas(rows: int, rng: np.random.Generator) -> RfmInputs:
    return _inputs(rows, rng, "pandas")


def setup_polars(rows: int, rng: np.random.Generator) -> RfmInputs:
    return _inputs(rows, rng, "polars")


# --- ours -----------------------------------------------------------------------------------


def ours_rfm(inputs: RfmInputs) -> tuple[RfmSummary, RfmScores]:
    summary = rfm_summary(inputs.txns, as_of=inputs.as_of)
    return summary, score_rfm(summary)


def ours_summary(inputs: RfmInputs) -> tuple[RfmSummary, None]:
    return rfm_summary(inputs.txns, as_of=inputs.as_of), None


# --- pandas ---------------------------------------------------------------------------------


def baseline_pandas(inputs: RfmInputs) -> Any:
    import pandas as pd

    df = inputs.frame
    rfm = df.groupby("customer_id").agg(
        last=("at", "max"),
        first=("at", "min"),
        frequency=("at", "size"),
        monetary=("amount", "sum"),
    )
    rfm["recency_days"] = (pd.Timestamp(inputs.as_of_naive) - rfm["last"]).dt.days
    # Ranking first makes qcut's bin edges unique despite ties. Recency is reversed by
    # ranking descending (not by reversed labels), so ties keep customer-id order.
    rfm["r"] = pd.qcut(
        rfm["recency_days"].rank(method="first", ascending=False), N_BINS, labels=SCORE_LABELS
    )
    rfm["f"] = pd.qcut(rfm["frequency"].rank(method="first"), N_BINS, labels=SCORE_LABELS)
    rfm["m"] = pd.qcut(rfm["monetary"].rank(method="first"), N_BINS, labels=SCORE_LABELS)
    return rfm


def _expected_pandas(rfm: Any) -> Expected:
    return Expected(
        rfm.index.to_numpy(dtype=np.int64),
        rfm["recency_days"].to_numpy(dtype=np.int64),
        rfm["frequency"].to_numpy(dtype=np.int64),
        rfm["monetary"].to_numpy(dtype=np.float64),
        {name: rfm[name].astype(np.int64).to_numpy() for name in ("r", "f", "m")},
    )


def check_pandas(ours: tuple[RfmSummary, RfmScores], baseline: Any) -> None:
    summary, scores = ours
    expected = _expected_pandas(baseline)
    _check_summary(summary, expected)
    _check_timed_scores(scores, summary)
    # The recipe's tie policy is crmkit's "first"; rescored untimed on the same values.
    _check_scores(summary, expected, ties="first")


# --- polars ---------------------------------------------------------------------------------


def _polars_summary(inputs: RfmInputs) -> Any:
    """The aggregation as a lazy query (measured ~3x faster than eager `group_by` here)."""
    import polars as pl

    return (
        inputs.frame.lazy()
        .group_by("customer_id")
        .agg(
            pl.col("at").max().alias("last"),
            pl.col("at").min().alias("first"),
            pl.len().alias("frequency"),
            pl.col("amount").sum().alias("monetary"),
        )
        .with_columns(recency_days=(pl.lit(inputs.as_of_naive) - pl.col("last")).dt.total_days())
    )


def _polars_score(values: Any) -> Any:
    import polars as pl

    ranks = values.rank("average")
    return (((ranks - 0.5) / pl.len() * N_BINS).floor() + 1).cast(pl.Int64)


def baseline_polars(inputs: RfmInputs) -> Any:
    import polars as pl

    return (
        _polars_summary(inputs)
        .with_columns(
            r=_polars_score(-pl.col("recency_days")),
            f=_polars_score(pl.col("frequency")),
            m=_polars_score(pl.col("monetary")),
        )
        .collect()
    )


def baseline_polars_summary(inputs: RfmInputs) -> Any:
    return _polars_summary(inputs).collect()


def _expected_polars(frame: Any) -> Expected:
    rows = frame.sort("customer_id")  # group_by gives the customers in no fixed order
    names = [name for name in ("r", "f", "m") if name in rows.columns]
    return Expected(
        rows.get_column("customer_id").to_numpy().astype(np.int64),
        rows.get_column("recency_days").to_numpy().astype(np.int64),
        rows.get_column("frequency").to_numpy().astype(np.int64),
        rows.get_column("monetary").to_numpy().astype(np.float64),
        {name: rows.get_column(name).to_numpy().astype(np.int64) for name in names},
    )


def check_polars(ours: tuple[RfmSummary, RfmScores], baseline: Any) -> None:
    summary, scores = ours
    expected = _expected_polars(baseline)
    _check_summary(summary, expected)
    _check_timed_scores(scores, summary)
    # Same tie policy as crmkit's default: R and F (integer inputs, equal on both
    # sides) are compared with the timed result as is; M after rescoring as above.
    for name in ("r", "f"):
        _equal(f"score {name}", getattr(scores, name), expected.scores[name])
    _check_scores(summary, expected, ties="average")


def check_polars_summary(ours: tuple[RfmSummary, None], baseline: Any) -> None:
    _check_summary(ours[0], _expected_polars(baseline))


# --- checks ---------------------------------------------------------------------------------


def _equal(name: str, ours: NDArray[Any], baseline: NDArray[Any]) -> None:
    if ours.shape != baseline.shape:
        msg = f"{name}: shapes differ: ours {ours.shape}, baseline {baseline.shape}"
        raise MismatchError(msg)
    differ = np.flatnonzero(ours != baseline)
    if differ.size:
        i = int(differ[0])
        msg = (
            f"{name}: {differ.size} of {ours.size} customers differ "
            f"(first at {i}: ours {ours[i]!r}, baseline {baseline[i]!r})"
        )
        raise MismatchError(msg)


def _check_summary(summary: RfmSummary, expected: Expected) -> None:
    _equal("customer_id", summary.customer_id, expected.customer_id)
    _equal("recency_days", summary.recency_days, expected.recency_days)
    _equal("frequency", summary.frequency, expected.frequency)
    close = np.isclose(summary.monetary, expected.monetary, rtol=1e-9, atol=0.0)
    if not close.all():
        i = int(np.flatnonzero(~close)[0])
        msg = (
            f"monetary: {int(close.size - close.sum())} customers differ by more than 1e-9 "
            f"relative (first at {i}: ours {summary.monetary[i]!r}, "
            f"baseline {expected.monetary[i]!r})"
        )
        raise MismatchError(msg)


def _average_rank_scores(values: NDArray[Any]) -> NDArray[np.int64]:
    """Scores from average ranks, computed with `np.unique` (not crmkit's code)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2  # mean of the tied 1-based ranks
    ranks = average_rank[inverse]
    return (np.floor((ranks - 0.5) / values.size * N_BINS) + 1).astype(np.int64)


def _check_timed_scores(scores: RfmScores, summary: RfmSummary) -> None:
    """The timed scores (default ties="average") follow from the checked summary."""
    _equal("scores' customer_id", scores.customer_id, summary.customer_id)
    values = {"r": -summary.recency_days, "f": summary.frequency, "m": summary.monetary}
    for name, column in values.items():
        _equal(f"score {name} (timed)", getattr(scores, name), _average_rank_scores(column))


def _check_scores(summary: RfmSummary, expected: Expected, *, ties: str) -> None:
    """crmkit's scores with *ties*, on the baseline's monetary sums, equal the baseline's."""
    same_values = attrs.evolve(summary, monetary=expected.monetary)
    rescored = score_rfm(same_values, n_bins=N_BINS, ties=ties)
    for name in ("r", "f", "m"):
        _equal(f"score {name} (ties={ties!r})", getattr(rescored, name), expected.scores[name])


CASES = (
    Case(
        name="rfm_pandas",
        size=ROWS,
        setup=setup_pandas,
        ours=ours_rfm,
        baseline=baseline_pandas,
        check=check_pandas,
        requires=("pandas",),
        note="pandas: groupby().agg(max/min/size/sum) + .dt.days + qcut(rank('first')) x3; "
        "ours from a prebuilt Transactions (frame conversion: foundation cases)",
    ),
    Case(
        name="rfm_polars",
        size=ROWS,
        setup=setup_polars,
        ours=ours_rfm,
        baseline=baseline_polars,
        check=check_polars,
        requires=("polars",),
        note="polars lazy: group_by().agg(max/min/len/sum) + total_days + rank('average') "
        "scores; ours from a prebuilt Transactions",
    ),
    Case(
        name="rfm_summary_only_polars",
        size=ROWS,
        setup=setup_polars,
        ours=ours_summary,
        baseline=baseline_polars_summary,
        check=check_polars_summary,
        requires=("polars",),
        note="rfm_summary alone vs polars lazy group_by().agg() + total_days; no scores",
    ),
)
