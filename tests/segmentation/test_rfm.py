"""RFM summaries and scores: rfm_summary and score_rfm (crmkit.segmentation)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import Transactions
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.segmentation import RfmScores, RfmSummary, rfm_summary, score_rfm

SHANGHAI = timezone(timedelta(hours=8))
BACKENDS = ["pandas", "polars", "pyarrow"]
SUMMARY_COLUMNS = [
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "first_purchase",
    "last_purchase",
    "tenure_days",
]
LOG_START = np.datetime64("2024-01-01", "us")


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[us]")


def columns_of(frame: Any) -> list[str]:
    """Column names of a pandas, polars or pyarrow frame."""
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def small_log() -> Transactions:
    """'a' buys three times (twice on 1 Jan), 'b' once at noon on 1 Mar, 'c' on 5 Mar."""
    return Transactions.from_arrays(
        customer_id=["a", "a", "a", "b", "c"],
        at=days(
            "2025-01-01T10:00",
            "2025-01-01T18:00",
            "2025-02-01",
            "2025-03-01T12:00",
            "2025-03-05",
        ),
        amount=[10.0, 20.0, 30.0, 5.0, 7.0],
    )


def five_customers() -> Transactions:
    """The score_rfm docstring's log: one purchase each, 1 to 91 days before 31 Jan."""
    return Transactions.from_arrays(
        customer_id=["a", "b", "c", "d", "e"],
        amount=[50.0, 20.0, 80.0, 10.0, 30.0],
        at=days("2025-01-30", "2025-01-20", "2025-01-10", "2024-12-01", "2024-11-01"),
    )


def orders_per_customer(counts: dict[str, int], *, day: str = "2025-01-01") -> Transactions:
    """A log where customer k places counts[k] orders, an hour apart, all on *day*."""
    ids = [customer for customer, n in counts.items() for _ in range(n)]
    hours = [hour for n in counts.values() for hour in range(n)]
    at = np.datetime64(day, "us") + np.array(hours, dtype="timedelta64[h]")
    return Transactions.from_arrays(customer_id=ids, at=at, amount=[10.0] * len(ids))


@st.composite
def purchase_logs(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Columns of a small purchase log with distinct timestamps over about a year."""
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 400 * 24 * 60), min_size=n, max_size=n, unique=True))
    amounts = draw(st.lists(st.floats(0.0, 1e5), min_size=n, max_size=n))
    return {
        "customer_id": np.array(ids, dtype=np.str_),
        "at": LOG_START + np.array(minutes, dtype="timedelta64[m]"),
        "amount": np.array(amounts, dtype=np.float64),
    }


@st.composite
def logs_and_as_of(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], date]:
    """A purchase log and an as_of date on or after the day of its first purchase."""
    columns = draw(purchase_logs())
    first_day = columns["at"].min().astype("datetime64[D]").item()
    return columns, first_day + timedelta(days=draw(st.integers(0, 450)))


def shuffled(columns: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(columns["amount"]))
    return {name: values[order] for name, values in columns.items()}


class TestRfmSummary:
    def test_docstring_example(self) -> None:
        """'a' bought 10 on 1 Jan and 20 on 1 Feb, 'b' 5 on 15 Jan; as of 1 Mar: (28, 2, 30) and
        (45, 1, 5): 1 Feb to 1 Mar is 28 days, 15 Jan to 1 Mar is 16 + 29 = 45 days."""
        txns = Transactions.from_arrays(
            customer_id=["a", "a", "b"],
            amount=[10.0, 20.0, 5.0],
            at=days("2025-01-01", "2025-02-01", "2025-01-15"),
        )

        s = rfm_summary(txns, as_of=date(2025, 3, 1))

        assert ([28, 45], [2, 1], [30.0, 5.0]) == (
            s.recency_days.tolist(),
            s.frequency.tolist(),
            s.monetary.tolist(),
        )

    def test_hand_checked_summary(self) -> None:
        """As of the end of 1 Mar (UTC): 'a' last bought on 1 Feb at 00:00, 28 days 23:59 earlier
        (recency 28); three orders for 10 + 20 + 30 = 60; first bought 1 Jan 10:00, 59 days
        13:59 earlier (tenure 59). 'b' bought at noon that day (recency and tenure 0). 'c' buys
        only on 5 Mar, so is absent, and that one row is counted as excluded."""
        s = rfm_summary(small_log(), as_of=date(2025, 3, 1))

        assert ["a", "b"] == s.customer_id.tolist()
        assert [28, 0] == s.recency_days.tolist()
        assert [3, 1] == s.frequency.tolist()
        assert [60.0, 5.0] == s.monetary.tolist()
        assert [60.0, 5.0] == s.revenue.tolist()
        assert [59, 0] == s.tenure_days.tolist()
        assert days("2025-01-01T10:00", "2025-03-01T12:00").tolist() == s.first_purchase.tolist()
        assert days("2025-02-01", "2025-03-01T12:00").tolist() == s.last_purchase.tolist()
        assert 1 == s.n_excluded
        assert (2, 2) == (len(s), s.n_customers)
        assert datetime.combine(date(2025, 3, 1), datetime.max.time(), tzinfo=UTC) == s.as_of

    def test_a_date_includes_its_whole_utc_day(self) -> None:
        """as_of=1 Jan keeps a purchase at 23:59:59 that day and drops one at midnight of 2 Jan."""
        txns = Transactions.from_arrays(
            customer_id=["a", "b"],
            at=days("2025-01-01T23:59:59.999999", "2025-01-02"),
            amount=[1.0, 2.0],
        )

        s = rfm_summary(txns, as_of=date(2025, 1, 1))

        assert (["a"], [0], 1) == (s.customer_id.tolist(), s.recency_days.tolist(), s.n_excluded)

    def test_an_aware_datetime_in_another_timezone_is_that_instant(self) -> None:
        """20:00 in Shanghai is 12:00 UTC, so b's noon (UTC) order counts; at 19:59 it does not,
        and then 'b' (first seen after as_of) is absent and two rows are excluded."""
        at_noon = rfm_summary(small_log(), as_of=datetime(2025, 3, 1, 20, 0, tzinfo=SHANGHAI))
        before_noon = rfm_summary(small_log(), as_of=datetime(2025, 3, 1, 19, 59, tzinfo=SHANGHAI))

        assert (["a", "b"], 1) == (at_noon.customer_id.tolist(), at_noon.n_excluded)
        assert datetime(2025, 3, 1, 12, 0, tzinfo=UTC) == at_noon.as_of
        assert (["a"], 2) == (before_noon.customer_id.tolist(), before_noon.n_excluded)

    def test_transactions_after_as_of_are_excluded_and_counted(self) -> None:
        """As of 15 Jan only a's two 1 Jan orders (30 in all) count; the three later rows do
        not."""
        s = rfm_summary(small_log(), as_of=date(2025, 1, 15))

        assert (["a"], [2], [30.0], 3) == (
            s.customer_id.tolist(),
            s.frequency.tolist(),
            s.monetary.tolist(),
            s.n_excluded,
        )

    def test_monetary_mean_is_spend_per_occasion(self) -> None:
        """'a' spent 60 over 3 orders: mean 20; 'b' 5 over 1. Revenue stays the total."""
        s = rfm_summary(small_log(), as_of=date(2025, 3, 1), monetary="mean")

        assert [20.0, 5.0] == s.monetary.tolist()
        assert [60.0, 5.0] == s.revenue.tolist()
        assert "mean" == s.monetary_basis

    def test_occasions_days_merges_orders_on_one_day(self) -> None:
        """a's two 1 Jan orders are one occasion: 2 occasions, so a mean of 60 / 2 = 30."""
        s = rfm_summary(small_log(), as_of=date(2025, 3, 1), occasions="days", monetary="mean")

        assert [2, 1] == s.frequency.tolist()
        assert [30.0, 5.0] == s.monetary.tolist()
        assert "days" == s.occasions

    def test_refunds_reduce_revenue(self) -> None:
        """100 spent, then 30 refunded (a negative amount): 70 of revenue and total monetary."""
        txns = Transactions.from_arrays(
            customer_id=["a", "a"],
            at=days("2025-01-01", "2025-01-10"),
            amount=[100.0, -30.0],
            negative_amounts="allow",
        )

        s = rfm_summary(txns, as_of=date(2025, 2, 1))

        assert ([70.0], [70.0]) == (s.revenue.tolist(), s.monetary.tolist())

    def test_repr_is_short(self) -> None:
        """The repr gives the count, the as_of day and the two options, not the arrays."""
        s = rfm_summary(small_log(), as_of=date(2025, 3, 1))

        expected = (
            "RfmSummary(n_customers=2, as_of='2025-03-01', monetary_basis='total', "
            "occasions='transactions')"
        )
        assert expected == repr(s)

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame_columns(self, backend: str) -> None:
        """Every backend gets `customer_id, recency_days, frequency, monetary, ...`, one row per
        customer."""
        frame = rfm_summary(small_log(), as_of=date(2025, 3, 1)).to_frame(backend)  # type: ignore[arg-type]

        assert SUMMARY_COLUMNS == columns_of(frame)
        assert 2 == len(frame)

    def test_to_frame_holds_the_values(self) -> None:
        """The pandas frame carries the same values, purchase times as aware UTC timestamps."""
        frame = rfm_summary(small_log(), as_of=date(2025, 3, 1)).to_frame()

        assert [28, 0] == frame["recency_days"].tolist()
        assert pd.Timestamp("2025-02-01", tz="UTC") == frame["last_purchase"].iloc[0]

    def test_summary_of_the_sample(self, sample: Any) -> None:
        """The bundled sample: 5000 customers, none excluded as of 2025-01-01 (its last day is
        2024-12-31), and revenue adds up to every amount."""
        s = rfm_summary(sample.transactions, as_of=date(2025, 1, 1))

        assert (5000, 0) == (s.n_customers, s.n_excluded)
        assert np.isclose(sample.transactions.amount.sum(), s.revenue.sum())

    @given(logs_and_as_of(), st.integers(0, 1000))
    @settings(max_examples=50)
    def test_row_order_of_the_log_does_not_matter(
        self, drawn: tuple[dict[str, np.ndarray], date], seed: int
    ) -> None:
        """Shuffling the log's rows gives an equal summary."""
        columns, as_of = drawn

        expected = rfm_summary(Transactions.from_arrays(**columns), as_of=as_of)

        assert expected == rfm_summary(
            Transactions.from_arrays(**shuffled(columns, seed)), as_of=as_of
        )

    @given(logs_and_as_of(), st.sampled_from(["transactions", "days"]))
    @settings(max_examples=50)
    def test_counts_and_totals_add_up(
        self, drawn: tuple[dict[str, np.ndarray], date], occasions: str
    ) -> None:
        """Revenue sums to the amounts up to as_of; customers are those who bought by then;
        the rows after are counted; recency <= tenure; frequency >= 1."""
        columns, as_of = drawn
        end = np.datetime64(as_of + timedelta(days=1), "us")
        kept = columns["at"] < end

        s = rfm_summary(Transactions.from_arrays(**columns), as_of=as_of, occasions=occasions)  # type: ignore[arg-type]

        assert np.isclose(columns["amount"][kept].sum(), s.revenue.sum())
        assert sorted(set(columns["customer_id"][kept].tolist())) == s.customer_id.tolist()
        assert int((~kept).sum()) == s.n_excluded
        assert np.all(s.recency_days <= s.tenure_days)
        assert np.all(s.recency_days >= 0)
        assert np.all(s.frequency >= 1)

    @given(logs_and_as_of())
    @settings(max_examples=50)
    def test_mean_times_occasions_is_the_total(
        self, drawn: tuple[dict[str, np.ndarray], date]
    ) -> None:
        """monetary='mean' times frequency gives back the revenue, for both occasion counts."""
        columns, as_of = drawn
        txns = Transactions.from_arrays(**columns)

        for occasions in ("transactions", "days"):
            s = rfm_summary(txns, as_of=as_of, monetary="mean", occasions=occasions)  # type: ignore[arg-type]
            assert np.allclose(s.revenue, s.monetary * s.frequency)

    @pytest.mark.parametrize(
        ("transactions", "kwargs", "error", "match"),
        [
            (
                small_log().to_frame(),
                {},
                InvalidTypeError,
                r"'transactions' must be a Transactions; got DataFrame",
            ),
            ("log", {}, InvalidTypeError, r"'transactions' must be a Transactions; got str 'log'"),
            (
                Transactions.from_arrays(
                    customer_id=[], at=np.array([], "datetime64[us]"), amount=[]
                ),
                {},
                InvalidInputError,
                r"'transactions' must be non-empty; got no rows",
            ),
            (
                small_log(),
                {"as_of": date(2024, 12, 31)},
                InvalidInputError,
                r"'as_of' must be at or after the first transaction \(2025-01-01\)",
            ),
            (
                small_log(),
                {"as_of": datetime(2025, 3, 1)},
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime; got datetime\.datetime\(2025, 3, 1",
            ),
            (
                small_log(),
                {"as_of": "2025-03-01"},
                InvalidTypeError,
                r"'as_of' must be a date or a timezone-aware datetime; got str '2025-03-01'",
            ),
            (
                small_log(),
                {"monetary": "median"},
                InvalidInputError,
                r"'monetary' must be one of 'total', 'mean'; got 'median'",
            ),
            (
                small_log(),
                {"occasions": "weeks"},
                InvalidInputError,
                r"'occasions' must be one of 'transactions', 'days'; got 'weeks'",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self,
        transactions: Any,
        kwargs: dict[str, Any],
        error: type[Exception],
        match: str,
    ) -> None:
        """Each bad argument raises a crmkit error naming it and the value."""
        with pytest.raises(error, match=match):
            rfm_summary(transactions, **{"as_of": date(2025, 3, 1), **kwargs})


class TestScoreRfm:
    @pytest.mark.parametrize(
        ("ties", "expected"),
        [
            ("average", [2, 2, 2, 4, 5]),
            ("first", [1, 2, 3, 4, 5]),
            ("dense", [1, 1, 1, 3, 5]),
        ],
    )
    def test_docstring_tie_policies(self, ties: str, expected: list[int]) -> None:
        """Frequencies 1, 1, 1, 2, 5 in 5 bins, score = floor((rank - 0.5) / total * 5) + 1.
        average: ranks 2, 2, 2, 4, 5 over 5 -> 2, 2, 2, 4, 5. first: ranks 1..5 -> 1..5.
        dense: ranks 1, 1, 1, 2, 3 over 3 distinct -> floor(0.83)+1, floor(2.5)+1, floor(4.17)+1
        = 1, 3, 5."""
        summary = rfm_summary(
            orders_per_customer({"a": 1, "b": 1, "c": 1, "d": 2, "e": 5}), as_of=date(2025, 1, 1)
        )
        assert [1, 1, 1, 2, 5] == summary.frequency.tolist()

        scores = score_rfm(summary, ties=ties)  # type: ignore[arg-type]

        assert expected == scores.f.tolist()

    def test_docstring_example_codes(self) -> None:
        """Recency 1, 11, 21, 61, 91 days gives R 5, 4, 3, 2, 1 (one customer per bin); every
        frequency is 1 (all tie: F 3); spend 50, 20, 80, 10, 30 ranks 4, 2, 5, 1, 3 (M)."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        assert ["534", "432", "335", "231", "133"] == scores.code.tolist()
        assert [5, 4, 3, 2, 1] == scores.r.tolist()
        assert [3, 3, 3, 3, 3] == scores.f.tolist()
        assert [4, 2, 5, 1, 3] == scores.m.tolist()
        assert [50.0, 20.0, 80.0, 10.0, 30.0] == scores.revenue.tolist()

    def test_docstring_fixed_thresholds(self) -> None:
        """Recency 1, 11, 21, 61, 91 against 7, 30, 60, 90: 1 <= 7 scores 5, 11 and 21 are past
        one threshold (4), 61 past three (2), 91 past four (1). Spend 50, 20, 80, 10, 30 against
        20, 40, 60, 80 scores 1 + thresholds at or below it: 3, 2, 5, 1, 2. Frequency 1 is below
        every threshold 2, 3, 5, 10: 1."""
        fixed = score_rfm(
            rfm_summary(five_customers(), as_of=date(2025, 1, 31)),
            method="fixed",
            thresholds={
                "recency": [7, 30, 60, 90],
                "frequency": [2, 3, 5, 10],
                "monetary": [20, 40, 60, 80],
            },
        )

        assert [5, 4, 4, 2, 1] == fixed.r.tolist()
        assert [1, 1, 1, 1, 1] == fixed.f.tolist()
        assert [3, 2, 5, 1, 2] == fixed.m.tolist()
        assert "fixed" == fixed.method

    def test_fixed_thresholds_at_their_boundaries(self) -> None:
        """A threshold value itself: recency 7 (= first) scores 5 and 8 scores 4; 30 (= second)
        scores 4 and 31 scores 3. Frequency 2 (= first threshold) scores 1 + 1 = 2, and 3
        (= second) 1 + 2 = 3; monetary 20 and 40 likewise score 2 and 3."""
        txns = Transactions.from_arrays(
            customer_id=["a", "b", "c", "c", "d", "d", "d"],
            at=days(
                "2025-01-24",
                "2025-01-23",
                "2024-12-20",
                "2025-01-01",
                "2024-12-01",
                "2024-12-05",
                "2024-12-31",
            ),
            amount=[20.0, 40.0, 10.0, 10.0, 10.0, 20.0, 10.0],
        )
        summary = rfm_summary(txns, as_of=date(2025, 1, 31))
        assert ([7, 8, 30, 31], [1, 1, 2, 3], [20.0, 40.0, 20.0, 40.0]) == (
            summary.recency_days.tolist(),
            summary.frequency.tolist(),
            summary.monetary.tolist(),
        )

        fixed = score_rfm(
            summary,
            method="fixed",
            thresholds={
                "recency": [7, 30, 60, 90],
                "frequency": [2, 3, 5, 10],
                "monetary": [20, 40, 60, 80],
            },
        )

        assert [5, 4, 4, 3] == fixed.r.tolist()
        assert [1, 1, 2, 3] == fixed.f.tolist()
        assert [2, 3, 2, 3] == fixed.m.tolist()

    def test_breakpoints_give_the_range_behind_each_score(self) -> None:
        """In the docstring example each R score holds one customer, from 91 days (score 1) to
        1 day (score 5); every frequency is 1 and scores 3, so F scores 1, 2, 4, 5 are None."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        assert (
            (91.0, 91.0),
            (61.0, 61.0),
            (21.0, 21.0),
            (11.0, 11.0),
            (1.0, 1.0),
        ) == scores.breakpoints["recency"]
        assert (None, None, (1.0, 1.0), None, None) == scores.breakpoints["frequency"]
        assert {"recency", "frequency", "monetary"} == set(scores.breakpoints)

    def test_breakpoints_of_the_sample(self, sample: Any) -> None:
        """On the sample the lowest F score holds the one-order customers (the docstring's
        (1.0, 1.0)), and the ranges of consecutive M scores do not overlap."""
        scores = score_rfm(rfm_summary(sample.transactions, as_of=date(2025, 1, 1)))

        ranges = [r for r in scores.breakpoints["monetary"] if r is not None]

        assert (1.0, 1.0) == scores.breakpoints["frequency"][0]
        assert all(low <= high for low, high in ranges)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))

    def test_all_ties_get_the_middle_score(self) -> None:
        """Five customers with identical purchases: average and dense ties give every one the
        middle score 3 of 5 on R, F and M ('first' spreads them 1..5 in id order)."""
        summary = rfm_summary(
            orders_per_customer(dict.fromkeys("abcde", 1)), as_of=date(2025, 1, 1)
        )

        average = score_rfm(summary, ties="average")
        dense = score_rfm(summary, ties="dense")
        first = score_rfm(summary, ties="first")

        assert ["333"] * 5 == average.code.tolist()
        assert ["333"] * 5 == dense.code.tolist()
        assert [1, 2, 3, 4, 5] == first.f.tolist()

    @pytest.mark.parametrize("n_bins", range(2, 10))
    def test_all_ties_get_the_documented_middle_score_on_every_scale(self, n_bins: int) -> None:
        """The docstring: 'If every customer has the same value, all get the middle score
        (n_bins // 2 + 1: 3 of 5, 3 of 4) under every tie policy but "first"': a rank at the
        middle, (n + 1) / 2, gives floor(n / 2 / n * n_bins) + 1."""
        summary = rfm_summary(
            orders_per_customer(dict.fromkeys("abcde", 1)), as_of=date(2025, 1, 1)
        )
        middle = [n_bins // 2 + 1] * 5

        actual = {
            ties: score_rfm(summary, n_bins=n_bins, ties=ties).r.tolist()  # type: ignore[arg-type]
            for ties in ("average", "dense")
        }

        assert {"average": middle, "dense": middle} == actual

    @pytest.mark.parametrize("n_bins", [2, 9])
    def test_the_smallest_and_largest_scales_work(self, sample: Any, n_bins: int) -> None:
        """2 and 9 bins: every score is in 1..n_bins, and spend (almost all distinct) uses all
        n_bins levels."""
        scores = score_rfm(rfm_summary(sample.transactions, as_of=date(2025, 1, 1)), n_bins=n_bins)

        assert set(range(1, n_bins + 1)) == set(scores.m.tolist())
        assert set(scores.r.tolist()) <= set(range(1, n_bins + 1))
        assert set(scores.f.tolist()) <= set(range(1, n_bins + 1))
        assert n_bins == scores.n_bins

    def test_repr_is_short(self) -> None:
        """The repr gives counts and options, not the arrays; fixed scores have no ties."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        fixed = score_rfm(
            rfm_summary(five_customers(), as_of=date(2025, 1, 31)),
            n_bins=2,
            method="fixed",
            thresholds={"recency": [30], "frequency": [2], "monetary": [25]},
        )

        expected = "RfmScores(n_customers=5, n_bins=5, method='quantile', ties='average')"
        assert expected == repr(scores)
        assert "RfmScores(n_customers=5, n_bins=2, method='fixed')" == repr(fixed)

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame_columns(self, backend: str) -> None:
        """Every backend gets `customer_id, r, f, m, code`, one row per customer."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        frame = scores.to_frame(backend)  # type: ignore[arg-type]

        assert ["customer_id", "r", "f", "m", "code"] == columns_of(frame)
        assert 5 == len(frame)

    def test_to_frame_holds_the_codes(self) -> None:
        """The polars frame carries the codes as text."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        frame = scores.to_frame("polars")

        assert ["534", "432", "335", "231", "133"] == frame["code"].to_list()
        assert pl.String == frame.schema["code"]

    @given(
        logs_and_as_of(),
        st.integers(2, 9),
        st.sampled_from(["average", "first", "dense"]),
    )
    @settings(max_examples=60)
    def test_scores_are_on_the_scale_and_codes_spell_them(
        self, drawn: tuple[dict[str, np.ndarray], date], n_bins: int, ties: str
    ) -> None:
        """Every score is in 1..n_bins and every code is the three scores as digits."""
        columns, as_of = drawn

        scores = score_rfm(
            rfm_summary(Transactions.from_arrays(**columns), as_of=as_of),
            n_bins=n_bins,
            ties=ties,  # type: ignore[arg-type]
        )

        for axis in (scores.r, scores.f, scores.m):
            assert np.all((1 <= axis) & (axis <= n_bins))
        expected = [f"{r}{f}{m}" for r, f, m in zip(scores.r, scores.f, scores.m, strict=True)]
        assert expected == scores.code.tolist()

    @given(logs_and_as_of(), st.integers(2, 9), st.sampled_from(["average", "first", "dense"]))
    @settings(max_examples=60)
    def test_scores_follow_the_values(
        self, drawn: tuple[dict[str, np.ndarray], date], n_bins: int, ties: str
    ) -> None:
        """More days since the last purchase never gives a higher R; more orders or spend never
        a lower F or M."""
        columns, as_of = drawn
        summary = rfm_summary(Transactions.from_arrays(**columns), as_of=as_of)

        scores = score_rfm(summary, n_bins=n_bins, ties=ties)  # type: ignore[arg-type]

        for values, score, sign in (
            (summary.recency_days, scores.r, -1),
            (summary.frequency, scores.f, 1),
            (summary.monetary, scores.m, 1),
        ):
            order = np.argsort(sign * values, kind="stable")
            assert np.all(np.diff(score[order]) >= 0)

    @given(logs_and_as_of(), st.integers(2, 9), st.sampled_from(["average", "dense"]))
    @settings(max_examples=60)
    def test_equal_values_get_equal_scores(
        self, drawn: tuple[dict[str, np.ndarray], date], n_bins: int, ties: str
    ) -> None:
        """Under average and dense ties, customers with equal values get equal scores."""
        columns, as_of = drawn
        summary = rfm_summary(Transactions.from_arrays(**columns), as_of=as_of)

        scores = score_rfm(summary, n_bins=n_bins, ties=ties)  # type: ignore[arg-type]

        for values, score in (
            (summary.recency_days, scores.r),
            (summary.frequency, scores.f),
            (summary.monetary, scores.m),
        ):
            for value in np.unique(values):
                assert 1 == np.unique(score[values == value]).size

    @given(logs_and_as_of(), st.integers(0, 1000), st.sampled_from(["average", "first", "dense"]))
    @settings(max_examples=40)
    def test_scores_do_not_depend_on_the_log_order(
        self, drawn: tuple[dict[str, np.ndarray], date], seed: int, ties: str
    ) -> None:
        """Shuffling the log's rows gives equal scores, whatever the tie policy."""
        columns, as_of = drawn

        expected = score_rfm(
            rfm_summary(Transactions.from_arrays(**columns), as_of=as_of),
            ties=ties,  # type: ignore[arg-type]
        )

        assert expected == score_rfm(
            rfm_summary(Transactions.from_arrays(**shuffled(columns, seed)), as_of=as_of),
            ties=ties,  # type: ignore[arg-type]
        )

    @given(logs_and_as_of())
    @settings(max_examples=40)
    def test_fixed_scores_follow_the_documented_rule(
        self, drawn: tuple[dict[str, np.ndarray], date]
    ) -> None:
        """F and M are 1 + the number of thresholds at or below the value; R is 5 at or below the
        first threshold and one less past each further one."""
        columns, as_of = drawn
        summary = rfm_summary(Transactions.from_arrays(**columns), as_of=as_of)
        cuts = {
            "recency": [7, 30, 90, 180],
            "frequency": [2, 3, 4, 6],
            "monetary": [100, 1000, 1e4, 5e4],
        }

        scores = score_rfm(summary, method="fixed", thresholds=cuts)

        assert [
            5 - sum(value > t for t in cuts["recency"]) for value in summary.recency_days
        ] == scores.r.tolist()
        assert [
            1 + sum(t <= value for t in cuts["frequency"]) for value in summary.frequency
        ] == scores.f.tolist()
        assert [
            1 + sum(t <= value for t in cuts["monetary"]) for value in summary.monetary
        ] == scores.m.tolist()

    def test_result_type(self) -> None:
        """score_rfm returns an RfmScores built from an RfmSummary."""
        summary = rfm_summary(five_customers(), as_of=date(2025, 1, 31))

        assert isinstance(summary, RfmSummary)
        assert isinstance(score_rfm(summary), RfmScores)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"n_bins": 0}, InvalidInputError, r"'n_bins' must be an integer from 2 to 9; got 0"),
            (
                {"n_bins": -1},
                InvalidInputError,
                r"'n_bins' must be an integer from 2 to 9; got -1",
            ),
            ({"n_bins": 1}, InvalidInputError, r"'n_bins' must be an integer from 2 to 9; got 1"),
            (
                {"n_bins": 10},
                InvalidInputError,
                r"'n_bins' must be an integer from 2 to 9; got 10",
            ),
            ({"n_bins": 2.5}, InvalidTypeError, r"'n_bins' must be an integer; got float 2\.5"),
            ({"n_bins": True}, InvalidTypeError, r"'n_bins' must be an integer; got bool True"),
            (
                {"method": "kmeans"},
                InvalidInputError,
                r"'method' must be one of 'quantile', 'fixed'; got 'kmeans'",
            ),
            (
                {"ties": "min"},
                InvalidInputError,
                r"'ties' must be one of 'average', 'first', 'dense'; got 'min'",
            ),
            (
                {"method": "fixed"},
                InvalidInputError,
                r"'thresholds' must be a mapping of recency, frequency and monetary .*got None",
            ),
            (
                {"thresholds": {"recency": [1, 2, 3, 4]}},
                InvalidInputError,
                r"'thresholds' must be None unless method='fixed'; got \{'recency'",
            ),
            (
                {"method": "fixed", "thresholds": [1, 2, 3, 4]},
                InvalidTypeError,
                r"'thresholds' must be a mapping .*got list",
            ),
            (
                {"method": "fixed", "thresholds": {"recency": [1, 2, 3, 4]}},
                InvalidInputError,
                r"'thresholds' must be a mapping with exactly the keys .*got \['recency'\]",
            ),
            (
                {
                    "method": "fixed",
                    "thresholds": {
                        "recency": [1, 2, 3, 4],
                        "frequency": [1, 2, 3, 4],
                        "money": [1, 2, 3, 4],
                    },
                },
                InvalidInputError,
                r"'thresholds' must be a mapping with exactly the keys .*'money'",
            ),
            (
                {
                    "method": "fixed",
                    "thresholds": {
                        "recency": [1, 2, 3],
                        "frequency": [1, 2, 3, 4],
                        "monetary": [1, 2, 3, 4],
                    },
                },
                InvalidInputError,
                r"'thresholds\['recency'\]' must be 4 values \(n_bins - 1\); got 3",
            ),
            (
                {
                    "method": "fixed",
                    "n_bins": 3,
                    "thresholds": {
                        "recency": [1, 2],
                        "frequency": [1, 2],
                        "monetary": [1, 2, 3, 4],
                    },
                },
                InvalidInputError,
                r"'thresholds\['monetary'\]' must be 2 values \(n_bins - 1\); got 4",
            ),
            (
                {
                    "method": "fixed",
                    "thresholds": {
                        "recency": [1, 2, 3, 4],
                        "frequency": [1, 3, 3, 4],
                        "monetary": [1, 2, 3, 4],
                    },
                },
                InvalidInputError,
                r"'thresholds\['frequency'\]' must be strictly increasing; got \[1\.0, 3\.0, 3\.0",
            ),
            (
                {
                    "method": "fixed",
                    "thresholds": {
                        "recency": [1, 2, 3, 4],
                        "frequency": [1, 2, 3, 4],
                        "monetary": [40, 30, 20, 10],
                    },
                },
                InvalidInputError,
                r"'thresholds\['monetary'\]' must be strictly increasing",
            ),
            (
                {
                    "method": "fixed",
                    "thresholds": {
                        "recency": [1, 2, float("nan"), 4],
                        "frequency": [1, 2, 3, 4],
                        "monetary": [1, 2, 3, 4],
                    },
                },
                InvalidInputError,
                r"'thresholds\['recency'\]' must be finite numbers; got nan at index 2",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Each bad option raises a crmkit error naming the argument and the value."""
        summary = rfm_summary(five_customers(), as_of=date(2025, 1, 31))

        with pytest.raises(error, match=match):
            score_rfm(summary, **kwargs)

    def test_a_summary_of_another_type_is_refused(self) -> None:
        """A frame is not an RfmSummary."""
        frame = rfm_summary(five_customers(), as_of=date(2025, 1, 31)).to_frame()

        with pytest.raises(InvalidTypeError, match=r"'summary' must be an RfmSummary"):
            score_rfm(frame)
