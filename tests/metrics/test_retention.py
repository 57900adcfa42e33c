"""Retention and churn: rates from counts and sets, NRR/GRR, period retention, cohorts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import Transactions
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics import (
    CohortMatrix,
    PeriodRetention,
    RevenueRetention,
    churn_rate,
    cohort_retention,
    period_retention,
    retention_rate,
    revenue_retention,
    set_churn_rate,
    set_retention_rate,
)

NAN = float("nan")
SHANGHAI = timezone(timedelta(hours=8))
BACKENDS = ["pandas", "polars", "pyarrow"]
COHORT_COLUMNS = ["cohort_start", "size", "periods_since", "value", "rate"]
PERIOD_COLUMNS = ["period_start", "active", "retained", "new", "retention_rate", "churn_rate"]


def starts(*texts: str) -> np.ndarray:
    """Period start days as datetime64[D]."""
    return np.array(texts, dtype="datetime64[D]")


def columns_of(frame: Any) -> list[str]:
    """Column names of a pandas, polars or pyarrow frame."""
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def days(*texts: str) -> np.ndarray:
    """datetime64[us] times (read as UTC) from ISO strings."""
    return np.array(texts, dtype="datetime64[us]")


def log(ids: list[str], at: Any, amounts: list[float] | None = None) -> Transactions:
    """A purchase log; every amount 1.0 unless given."""
    return Transactions.from_arrays(
        customer_id=ids, at=at, amount=[1.0] * len(ids) if amounts is None else amounts
    )


def cohort_example() -> Transactions:
    """The cohort_retention docstring: "a" buys in January and March, "b" in January,
    "c" in February (2025)."""
    return log(["a", "a", "b", "c"], days("2025-01-05", "2025-03-05", "2025-01-09", "2025-02-02"))


def four_months() -> Transactions:
    """ "a" buys in Jan, Feb, Apr; "b" in Jan; "c" in Feb and Mar; "d" in the last minute of
    March (2025, UTC)."""
    return log(
        ["a", "a", "a", "b", "c", "c", "d"],
        days(
            "2025-01-05",
            "2025-02-10",
            "2025-04-01",
            "2025-01-20",
            "2025-02-03",
            "2025-03-15",
            "2025-03-31T23:59",
        ),
    )


def empty_log() -> Transactions:
    """No rows at all."""
    return Transactions.from_arrays(customer_id=[], at=np.array([], "datetime64[us]"), amount=[])


@st.composite
def purchase_logs(draw: st.DrawFn) -> dict[str, Any]:
    """Columns of a small log: up to 6 customers, times over about 14 months from a Monday."""
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.sampled_from("abcdef"), min_size=n, max_size=n))
    hours = draw(st.lists(st.integers(0, 420 * 24), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    at = np.datetime64("2023-11-20", "us") + np.array(hours, dtype="timedelta64[h]")
    return {"customer_id": ids, "at": at, "amount": [float(a) for a in amounts]}


periods = st.sampled_from(["W", "M", "Q"])


# --- retention_rate and churn_rate --------------------------------------------------------


class TestRetentionRate:
    def test_docstring_example(self) -> None:
        """1,000 at the start, 950 at the end of which 100 are new: (950 - 100) / 1000 = 0.85."""
        assert 0.85 == retention_rate(1000, 950, 100)

    def test_no_churn(self) -> None:
        """Everybody stayed and 20 joined: (120 - 20) / 100 = 1."""
        assert 1.0 == retention_rate(100, 120, 20)

    def test_everybody_left(self) -> None:
        """Only new customers at the end: (30 - 30) / 100 = 0."""
        assert 0.0 == retention_rate(100, 30, 30)

    @given(start=st.integers(1, 10_000), data=st.data())
    def test_is_a_fraction(self, start: int, data: st.DataObject) -> None:
        """For consistent counts the rate is in [0, 1]."""
        new = data.draw(st.integers(0, 10_000))
        end = new + data.draw(st.integers(0, start))

        assert 0.0 <= retention_rate(start, end, new) <= 1.0

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"start": 0, "end": 1, "new": 0},
                InvalidInputError,
                r"'start' must be an integer of at least 1; got 0",
            ),
            (
                {"start": 10, "end": -1, "new": 0},
                InvalidInputError,
                r"'end' must be an integer of at least 0; got -1",
            ),
            (
                {"start": 10, "end": 5, "new": -1},
                InvalidInputError,
                r"'new' must be an integer from 0 to 5; got -1",
            ),
            (
                {"start": 10, "end": 5, "new": 6},
                InvalidInputError,
                r"'new' must be an integer from 0 to 5; got 6",
            ),
            (
                {"start": 10, "end": 20, "new": 5},
                InvalidInputError,
                r"'end' must be at most start \+ new \(15\); got 20",
            ),
            (
                {"start": 10.0, "end": 5, "new": 0},
                InvalidTypeError,
                r"'start' must be an integer; got float 10\.0",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Negative counts and contradictions (more new than at the end, more kept than at
        the start) are refused."""
        refused(retention_rate, kwargs, error, match)


class TestChurnRate:
    def test_docstring_example(self) -> None:
        """1 - 0.85 = 0.15."""
        assert pytest.approx(0.15) == churn_rate(1000, 950, 100)

    def test_no_churn_is_zero(self) -> None:
        """Nobody left: 0, not NaN."""
        assert 0.0 == churn_rate(100, 100, 0)

    @given(start=st.integers(1, 10_000), data=st.data())
    def test_complements_retention(self, start: int, data: st.DataObject) -> None:
        """Churn + retention = 1."""
        new = data.draw(st.integers(0, 10_000))
        end = new + data.draw(st.integers(0, start))

        assert pytest.approx(1.0) == churn_rate(start, end, new) + retention_rate(start, end, new)

    def test_contradiction_is_refused(self) -> None:
        """The same checks as retention_rate, under the same names."""
        refused(
            churn_rate,
            {"start": 10, "end": 20, "new": 5},
            InvalidInputError,
            r"'end' must be at most start \+ new \(15\); got 20",
        )


# --- set-based rates ----------------------------------------------------------------------


class TestSetRetentionRate:
    def test_docstring_example(self) -> None:
        """{a, b, c, d} then {b, c, e}: 2 of 4 stayed; e is new and does not count."""
        assert 0.5 == set_retention_rate({"a", "b", "c", "d"}, {"b", "c", "e"})

    def test_iterables_and_duplicates(self) -> None:
        """Lists with repeats and numpy arrays are read as sets: {1, 2, 3} -> {3}: 1/3."""
        assert pytest.approx(1 / 3) == set_retention_rate([1, 1, 2, 3], np.array([3, 3, 9]))

    def test_no_churn(self) -> None:
        """The same customers at both ends: 1."""
        assert 1.0 == set_retention_rate(["a", "b"], ["b", "a"])

    @given(start=st.sets(st.integers(0, 30), min_size=1), end=st.sets(st.integers(0, 30)))
    def test_is_the_share_kept(self, start: set[int], end: set[int]) -> None:
        """|start & end| / |start|, in [0, 1]."""
        rate = set_retention_rate(start, end)

        assert len(start & end) / len(start) == rate
        assert 0.0 <= rate <= 1.0

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"start_customers": set(), "end_customers": {"a"}},
                InvalidInputError,
                r"'start_customers' must be at least one customer; got an empty set",
            ),
            (
                {"start_customers": "abc", "end_customers": {"a"}},
                InvalidTypeError,
                r"'start_customers' must be an iterable of customer ids; got str 'abc'",
            ),
            (
                {"start_customers": {"a"}, "end_customers": 5},
                InvalidTypeError,
                r"'end_customers' must be an iterable of customer ids; got int 5",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """An empty starting set and non-iterables are refused."""
        refused(set_retention_rate, kwargs, error, match)


class TestSetChurnRate:
    def test_docstring_example(self) -> None:
        """{a, b, c, d} then {b, c, e}: a and d left, 2 of 4."""
        assert 0.5 == set_churn_rate({"a", "b", "c", "d"}, {"b", "c", "e"})

    @given(start=st.sets(st.integers(0, 30), min_size=1), end=st.sets(st.integers(0, 30)))
    def test_complements_retention(self, start: set[int], end: set[int]) -> None:
        """Set churn = |start - end| / |start|."""
        assert pytest.approx(len(start - end) / len(start)) == set_churn_rate(start, end)

    def test_empty_start_is_refused(self) -> None:
        """No starting customers: no rate."""
        refused(
            set_churn_rate,
            {"start_customers": [], "end_customers": []},
            InvalidInputError,
            r"'start_customers' must be at least one customer; got an empty set",
        )


# --- revenue_retention --------------------------------------------------------------------


class TestRevenueRetention:
    def test_docstring_example(self) -> None:
        """100,000 start, +15,000 expansion, -5,000 contraction, -8,000 churn:
        NRR = 102,000 / 100,000 = 1.02, GRR = 87,000 / 100,000 = 0.87."""
        r = revenue_retention(100_000, expansion=15_000, contraction=5_000, churned=8_000)

        assert RevenueRetention(net=1.02, gross=0.87) == r
        assert "RevenueRetention(net=1.02, gross=0.87)" == repr(r)

    def test_nrr_can_exceed_one(self) -> None:
        """Expansion beyond the losses: (100 + 50 - 10) / 100 = 1.4, while GRR stays 0.9."""
        r = revenue_retention(100, 50, 0, 10)

        assert (1.4, 0.9) == (r.net, r.gross)

    def test_nothing_changes(self) -> None:
        """No movement at all: NRR = GRR = 1."""
        assert RevenueRetention(net=1.0, gross=1.0) == revenue_retention(250.0, 0, 0, 0)

    def test_all_revenue_lost_gives_gross_zero(self) -> None:
        """$1 at the start, 90 c lost to a downgrade and 10 c to churn: nothing is left, so
        NRR = GRR = (1 - 0.9 - 0.1) / 1 = 0 exactly, not a tiny negative share."""
        r = revenue_retention(1.0, 0.0, 0.9, 0.1)

        assert (0.0, 0.0) == (r.net, r.gross)

    def test_all_revenue_lost_in_tenths_is_accepted(self) -> None:
        """0.3 at the start, 0.1 contraction, 0.2 churn: the losses equal the start revenue
        (they do not exceed it), so GRR is 0 rather than an error saying 0.2 must be at most
        0.2."""
        r = revenue_retention(0.3, 0.0, 0.1, 0.2)

        assert pytest.approx(0.0, abs=1e-12) == r.gross
        assert 0.0 <= r.gross

    @given(
        start=st.floats(0.01, 1e9),
        expansion=st.floats(0.0, 1e9),
        lost=st.floats(0.0, 1.0),
        split=st.floats(0.0, 1.0),
    )
    def test_gross_in_unit_interval_and_net_at_least_gross(
        self, start: float, expansion: float, lost: float, split: float
    ) -> None:
        """Losses up to the start revenue: GRR in [0, 1] and NRR >= GRR (expansion only
        adds)."""
        contraction = start * lost * split
        churned = min(start * lost * (1 - split), start - contraction)

        r = revenue_retention(start, expansion, contraction, churned)

        assert 0.0 <= r.gross <= 1.0
        assert r.net >= r.gross

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"start_mrr": 0},
                InvalidInputError,
                r"'start_mrr' must be a finite number above 0; got 0\.0",
            ),
            (
                {"start_mrr": -5},
                InvalidInputError,
                r"'start_mrr' must be a finite number above 0; got -5\.0",
            ),
            (
                {"expansion": -1},
                InvalidInputError,
                r"'expansion' must be a finite number of at least 0; got -1\.0",
            ),
            (
                {"contraction": float("nan")},
                InvalidInputError,
                r"'contraction' must be a finite number of at least 0; got nan",
            ),
            (
                {"churned": float("inf")},
                InvalidInputError,
                r"'churned' must be a finite number of at least 0; got inf",
            ),
            (
                {"contraction": 60, "churned": 50},
                InvalidInputError,
                r"'churned' must be at most start_mrr - contraction \(40\); got 50\.0",
            ),
            (
                {"start_mrr": "100"},
                InvalidTypeError,
                r"'start_mrr' must be a real number; got str '100'",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Zero or negative start revenue, negative or non-finite amounts and losses above
        the start revenue are refused."""
        call = {"start_mrr": 100, "expansion": 0, "contraction": 0, "churned": 0, **kwargs}
        refused(revenue_retention, call, error, match)


# --- period_retention ---------------------------------------------------------------------


class TestPeriodRetention:
    def test_docstring_example(self) -> None:
        """ "a" in January and February, "b" in January, "c" in February: active 2 and 2,
        retained - and 1 (a), new 2 and 1 (c), retention NaN (no previous month) and 1/2."""
        r = period_retention(
            log(["a", "a", "b", "c"], days("2025-01-05", "2025-02-05", "2025-01-09", "2025-02-02"))
        )

        assert ([2, 2], [0, 1], [2, 1]) == (r.active.tolist(), r.retained.tolist(), r.new.tolist())
        assert np.array_equal([NAN, 0.5], r.retention_rate, equal_nan=True)
        assert np.array_equal([NAN, 0.5], r.churn_rate, equal_nan=True)

    def test_crafted_log_by_month(self) -> None:
        """Bought: Jan {a, b}, Feb {a, c}, Mar {c, d}, Apr {a}. Active 2, 2, 2, 1; retained
        -, |{a}|, |{c}|, 0; new a+b, c, d, none; retention -, 1/2, 1/2, 0/2."""
        r = period_retention(four_months())

        assert np.array_equal(
            starts("2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"), r.period_start
        )
        assert [2, 2, 2, 1] == r.active.tolist()
        assert [0, 1, 1, 0] == r.retained.tolist()
        assert [2, 1, 1, 0] == r.new.tolist()
        assert np.array_equal([NAN, 0.5, 0.5, 0.0], r.retention_rate, equal_nan=True)
        assert np.array_equal([NAN, 0.5, 0.5, 1.0], r.churn_rate, equal_nan=True)
        assert ("M", 1) == (r.period, r.activity_window)

    def test_activity_window_widens(self) -> None:
        """With a 2-month window a purchase also counts the next month: active Jan {a, b},
        Feb {a, b, c}, Mar {a, c, d}, Apr {a, c, d}; retained -, 2, 2, 3; retention -, 2/2,
        2/3, 3/3. New customers do not depend on the window."""
        r = period_retention(four_months(), activity_window=2)

        assert [2, 3, 3, 3] == r.active.tolist()
        assert [0, 2, 2, 3] == r.retained.tolist()
        assert [2, 1, 1, 0] == r.new.tolist()
        assert np.allclose([NAN, 1.0, 2 / 3, 1.0], r.retention_rate, equal_nan=True)
        assert 2 == r.activity_window

    def test_window_longer_than_the_log(self) -> None:
        """A 12-month window over 4 months: everyone stays active from their first purchase,
        active 2, 3, 4, 4, nobody churns after the first month."""
        r = period_retention(four_months(), activity_window=12)

        assert [2, 3, 4, 4] == r.active.tolist()
        assert [0.0, 0.0, 0.0] == r.churn_rate[1:].tolist()

    def test_weeks_start_on_monday(self) -> None:
        """2025-01-05 is a Sunday, 2025-01-06 a Monday: "a" on Sunday and the next Sunday,
        "b" on Monday. Week 1 starts Monday 2024-12-30 (a), week 2 Monday 2025-01-06 (a, b)."""
        r = period_retention(
            log(["a", "b", "a"], days("2025-01-05T23:00", "2025-01-06", "2025-01-12")), period="W"
        )

        assert np.array_equal(starts("2024-12-30", "2025-01-06"), r.period_start)
        assert ([1, 2], [0, 1], [1, 1]) == (r.active.tolist(), r.retained.tolist(), r.new.tolist())

    def test_weeks_before_1970(self) -> None:
        """1969-12-29 was a Monday: purchases on Sunday 1969-12-28 and Monday 1969-12-29 fall
        in the weeks starting 1969-12-22 and 1969-12-29."""
        r = period_retention(log(["a", "a"], days("1969-12-28", "1969-12-29")), period="W")

        assert np.array_equal(starts("1969-12-22", "1969-12-29"), r.period_start)

    def test_quarters(self) -> None:
        """31 March and 1 April are in Q1 and Q2; 30 June is still Q2; a gap quarter (Q3)
        has nobody active and the Q4 buyer is new."""
        r = period_retention(
            log(
                ["a", "a", "b", "c"],
                days("2025-03-31T23:59", "2025-04-01", "2025-06-30", "2025-10-01"),
            ),
            period="Q",
        )

        assert np.array_equal(
            starts("2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01"), r.period_start
        )
        assert [1, 2, 0, 1] == r.active.tolist()
        assert [0, 1, 0, 0] == r.retained.tolist()
        assert [1, 1, 0, 1] == r.new.tolist()
        assert np.array_equal([NAN, 1.0, 0.0, NAN], r.retention_rate, equal_nan=True)

    def test_periods_are_utc(self) -> None:
        """2 am on 1 February in Shanghai is still 31 January in UTC: one January buyer."""
        r = period_retention(log(["a"], [datetime(2025, 2, 1, 2, tzinfo=SHANGHAI)]))

        assert np.array_equal(starts("2025-01-01"), r.period_start)

    def test_single_period_has_no_rate(self) -> None:
        """One month only: active 2, new 2, retention unknown (NaN) as documented."""
        r = period_retention(log(["a", "b"], days("2025-01-05", "2025-01-20")))

        assert ([2], [2], [0]) == (r.active.tolist(), r.new.tolist(), r.retained.tolist())
        assert np.isnan(r.retention_rate[0])

    def test_no_churn(self) -> None:
        """The same two customers every month: retention 1, churn 0 from the second month."""
        r = period_retention(
            log(["a", "b"] * 3, days(*[f"2025-0{m}-1{d}" for m in (1, 2, 3) for d in (0, 1)]))
        )

        assert [1.0, 1.0] == r.retention_rate[1:].tolist()
        assert [0.0, 0.0] == r.churn_rate[1:].tolist()

    def test_as_of_ignores_later_purchases(self) -> None:
        """As of 28 February the March and April purchases are ignored: two months remain."""
        r = period_retention(four_months(), as_of=date(2025, 2, 28))

        assert ([2, 2], [2, 1]) == (r.active.tolist(), r.new.tolist())

    def test_as_of_aware_datetime(self) -> None:
        """As of 31 March 23:58 UTC, d's purchase at 23:59 is not in yet."""
        r = period_retention(four_months(), as_of=datetime(2025, 3, 31, 23, 58, tzinfo=UTC))

        assert [2, 2, 1] == r.active.tolist()

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame(self, backend: str) -> None:
        """Every backend gets one row per period with the six documented columns."""
        frame = period_retention(four_months()).to_frame(backend)  # type: ignore[arg-type]

        assert PERIOD_COLUMNS == columns_of(frame)
        assert 4 == len(frame)

    def test_to_frame_values(self) -> None:
        """Period starts come out as aware UTC timestamps, counts and rates as computed."""
        frame = period_retention(four_months()).to_frame()

        assert pd.Timestamp("2025-03-01", tz="UTC") == frame["period_start"].iloc[2]
        assert [2, 2, 2, 1] == frame["active"].tolist()
        assert [0.5, 0.5, 0.0] == frame["retention_rate"].iloc[1:].tolist()

    def test_repr(self) -> None:
        """The repr names the period, the number of periods and the window."""
        r = period_retention(four_months(), period="Q")

        assert "PeriodRetention(period='Q', n_periods=2, activity_window=1)" == repr(r)
        assert isinstance(r, PeriodRetention)

    @given(columns=purchase_logs(), period=periods, window=st.integers(1, 4))
    @settings(max_examples=60)
    def test_counts_are_consistent(
        self, columns: dict[str, Any], period: str, window: int
    ) -> None:
        """retained <= active of both periods; new adds up to the customers; the rate is
        retained / previous active, in [0, 1], and NaN only where the previous period had
        nobody active (and in the first period); retention + churn = 1."""
        txns = Transactions.from_arrays(**columns)

        r = period_retention(txns, period=period, activity_window=window)  # type: ignore[arg-type]

        assert r.new.sum() == txns.n_customers
        assert np.all(r.retained[1:] <= r.active[1:])
        assert np.all(r.retained[1:] <= r.active[:-1])
        assert np.all(r.new <= r.active)
        known = r.active[:-1] > 0
        assert np.array_equal(~known, np.isnan(r.retention_rate[1:]))
        rates = r.retention_rate[1:][known]
        assert np.all((0.0 <= rates) & (rates <= 1.0))
        assert np.allclose(1.0, rates + r.churn_rate[1:][known])
        assert np.array_equal(r.retained[1:][known] / r.active[:-1][known], rates)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"transactions": empty_log()},
                InvalidInputError,
                r"'transactions' must be non-empty; got no rows",
            ),
            (
                {"transactions": [1, 2]},
                InvalidTypeError,
                r"'transactions' must be a Transactions; got list \[1, 2\]",
            ),
            (
                {"period": "D"},
                InvalidInputError,
                r"'period' must be one of 'W', 'M', 'Q'; got 'D'",
            ),
            (
                {"activity_window": 0},
                InvalidInputError,
                r"'activity_window' must be an integer of at least 1; got 0",
            ),
            (
                {"as_of": datetime(2025, 2, 1)},
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime; "
                r"got datetime\.datetime\(2025, 2, 1, 0, 0\)",
            ),
            (
                {"as_of": date(2025, 1, 4)},
                InvalidInputError,
                r"'as_of' must be on or after the first transaction; "
                r"got datetime\.date\(2025, 1, 4\)",
            ),
            (
                {"as_of": "2025-02-01"},
                InvalidTypeError,
                r"'as_of' must be a date or a timezone-aware datetime; got str '2025-02-01'",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Empty logs, unknown periods, windows below 1 and bad as_of values are refused."""
        refused(period_retention, {"transactions": four_months(), **kwargs}, error, match)


# --- cohort_retention ---------------------------------------------------------------------


class TestCohortRetention:
    def test_docstring_example(self) -> None:
        """January cohort {a, b}: 2, then 0 in February, 1 (a) in March; February cohort {c}:
        1, 0, unknown; March acquired nobody: 0, unknown, unknown."""
        m = cohort_retention(cohort_example())

        assert np.array_equal(
            [[2.0, 0.0, 1.0], [1.0, 0.0, NAN], [0.0, NAN, NAN]], m.values, equal_nan=True
        )
        assert [2, 1, 0] == m.size.tolist()
        assert np.array_equal(
            [[1.0, 0.0, 0.5], [1.0, 0.0, NAN], [NAN, NAN, NAN]], m.rates, equal_nan=True
        )
        assert np.array_equal(starts("2025-01-01", "2025-02-01", "2025-03-01"), m.cohort_start)
        assert ("M", "customers", "exact") == (m.period, m.metric, m.mode)

    def test_unbounded_docstring_example(self) -> None:
        """Unbounded counts those active then or later: a bought again in March, so the
        January cohort keeps 1 at offsets 1 and 2."""
        m = cohort_retention(cohort_example(), mode="unbounded")

        assert np.array_equal(
            [[2.0, 1.0, 1.0], [1.0, 0.0, NAN], [0.0, NAN, NAN]], m.values, equal_nan=True
        )
        assert [1.0, 0.5, 0.5] == m.rates[0].tolist()

    def test_several_purchases_in_a_period_count_once(self) -> None:
        """Three January purchases by one customer still make a cohort of 1."""
        m = cohort_retention(log(["a"] * 3, days("2025-01-01", "2025-01-02", "2025-01-31")))

        assert [[1.0]] == m.values.tolist()

    def test_revenue_metric_sums_amounts(self) -> None:
        """Revenue: January cohort spends 10 + 20 in January, nothing in February, 5 + 2 in
        March; February cohort 7 then 0. Rates: 7 / 30 at offset 2."""
        txns = log(
            ["a", "a", "a", "b", "c"],
            days("2025-01-05", "2025-03-05", "2025-03-20", "2025-01-09", "2025-02-02"),
            [10.0, 5.0, 2.0, 20.0, 7.0],
        )

        m = cohort_retention(txns, metric="revenue")

        assert np.array_equal(
            [[30.0, 0.0, 7.0], [7.0, 0.0, NAN], [0.0, NAN, NAN]], m.values, equal_nan=True
        )
        assert pytest.approx([1.0, 0.0, 7 / 30]) == m.rates[0].tolist()
        assert [2, 1, 0] == m.size.tolist()
        assert "revenue" == m.metric

    def test_quarters_and_weeks(self) -> None:
        """By quarter the example is one cohort of 3 (all in Q1); by ISO week the January 5
        (Sunday) and 9 (Thursday) purchases fall in different weeks."""
        quarterly = cohort_retention(cohort_example(), period="Q")
        weekly = cohort_retention(cohort_example(), period="W")

        assert [[3.0]] == quarterly.values.tolist()
        assert [1, 1] == weekly.size[:2].tolist()
        assert np.array_equal(starts("2024-12-30", "2025-01-06"), weekly.cohort_start[:2])

    def test_as_of_filters_purchases(self) -> None:
        """As of 28 February, a's March purchase is ignored: a 2 x 2 matrix."""
        m = cohort_retention(cohort_example(), as_of=date(2025, 2, 28))

        assert np.array_equal([[2.0, 0.0], [1.0, NAN]], m.values, equal_nan=True)

    def test_retention_at(self) -> None:
        """Offset 0: (2 + 1 + 0) / 3 = 1. Offset 1 (Jan and Feb cohorts reached it):
        (0 + 0) / (2 + 1) = 0. Offset 2 (January only): 1 / 2."""
        m = cohort_retention(cohort_example())

        assert (1.0, 0.0, 0.5) == (m.retention_at(0), m.retention_at(1), m.retention_at(2))

    def test_retention_at_on_the_sample(self, sample: Any) -> None:
        """The docstring's value: 15 % of customers buy again in month 12 after acquisition."""
        m = cohort_retention(sample.transactions, period="M")

        assert 0.15 == round(m.retention_at(12), 3)

    @pytest.mark.parametrize(
        ("offset", "error", "match"),
        [
            (3, InvalidInputError, r"'offset' must be an integer from 0 to 2; got 3"),
            (-1, InvalidInputError, r"'offset' must be an integer from 0 to 2; got -1"),
            (1.0, InvalidTypeError, r"'offset' must be an integer; got float 1\.0"),
        ],
    )
    def test_retention_at_bad_offset(
        self, offset: Any, error: type[Exception], match: str
    ) -> None:
        """Offsets outside the matrix are refused."""
        refused(cohort_retention(cohort_example()).retention_at, {"offset": offset}, error, match)

    def test_retention_at_without_base_is_refused(self) -> None:
        """Revenue of zero at acquisition leaves no base to divide by: refused, not NaN."""
        m = cohort_retention(log(["a"], days("2025-01-01"), [0.0]), metric="revenue")

        refused(
            m.retention_at,
            {"offset": 0},
            InvalidInputError,
            r"'offset' must be an offset reached by a cohort with customers \(or revenue\); got 0",
        )

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame_long_format(self, backend: str) -> None:
        """Every backend gets the reached cells only, 3 + 2 + 1 = 6 rows, in the five
        documented columns."""
        frame = cohort_retention(cohort_example()).to_frame(backend)  # type: ignore[arg-type]

        assert COHORT_COLUMNS == columns_of(frame)
        assert 6 == len(frame)

    def test_to_frame_values(self) -> None:
        """Rows go cohort by cohort, offset by offset; the empty March cohort keeps its
        reached zero cell with a NaN rate."""
        frame = cohort_retention(cohort_example()).to_frame()

        assert [0, 1, 2, 0, 1, 0] == frame["periods_since"].tolist()
        assert pd.Timestamp("2025-02-01", tz="UTC") == frame["cohort_start"].iloc[3]
        assert [2.0, 0.0, 1.0, 1.0, 0.0, 0.0] == frame["value"].tolist()
        assert [2, 2, 2, 1, 1, 0] == frame["size"].tolist()
        assert np.array_equal(
            [1.0, 0.0, 0.5, 1.0, 0.0, NAN], frame["rate"].to_numpy(), equal_nan=True
        )

    def test_to_frame_polars_values(self) -> None:
        """The polars frame carries the same values."""
        frame = cohort_retention(cohort_example()).to_frame("polars")

        assert isinstance(frame, pl.DataFrame)
        assert [2.0, 0.0, 1.0, 1.0, 0.0, 0.0] == frame["value"].to_list()

    def test_repr(self) -> None:
        """The repr names the options and the shape."""
        m = cohort_retention(cohort_example())

        assert (
            "CohortMatrix(period='M', metric='customers', mode='exact', n_cohorts=3, n_offsets=3)"
            == repr(m)
        )
        assert isinstance(m, CohortMatrix)

    def test_sample_matches_a_pandas_recipe(self, sample: Any) -> None:
        """Cross-check on the sample: cohort = month of first purchase; count distinct
        customers per (cohort, months since) with groupby/nunique."""
        txns = sample.transactions
        frame = pd.DataFrame({"customer": txns.customer_id, "at": txns.at})
        month = frame["at"].dt.year * 12 + frame["at"].dt.month - 1
        frame["cohort"] = month.groupby(frame["customer"]).transform("min")
        frame["offset"] = month - frame["cohort"]
        counts = frame.groupby(["cohort", "offset"])["customer"].nunique()
        first = int(month.min())

        m = cohort_retention(txns, period="M")

        expected = np.zeros_like(m.values)
        for (cohort, offset), n in counts.items():
            expected[cohort - first, offset] = n
        expected[np.isnan(m.values)] = np.nan
        assert np.array_equal(expected, m.values, equal_nan=True)
        assert expected[:, 0].tolist() == m.size.astype(float).tolist()

    def test_sample_quarterly_docstring(self, sample: Any) -> None:
        """The docstring: 8 quarterly cohorts, first-row rates 1, 0.5, 0.428."""
        m = cohort_retention(sample.transactions, period="Q")

        assert (8, 8) == m.values.shape
        assert [1.0, 0.5, 0.428] == m.rates[0, :3].round(3).tolist()
        assert 5000 == m.size.sum()

    @given(columns=purchase_logs(), period=periods)
    @settings(max_examples=60)
    def test_unbounded_dominates_exact_and_never_rises(
        self, columns: dict[str, Any], period: str
    ) -> None:
        """Unbounded >= exact cell by cell, and unbounded is non-increasing along offsets."""
        txns = Transactions.from_arrays(**columns)

        exact = cohort_retention(txns, period=period)  # type: ignore[arg-type]
        unbounded = cohort_retention(txns, period=period, mode="unbounded")  # type: ignore[arg-type]

        reached = ~np.isnan(exact.values)
        assert np.array_equal(reached, ~np.isnan(unbounded.values))
        assert np.all(unbounded.values[reached] >= exact.values[reached])
        steps = np.diff(unbounded.values, axis=1)
        assert np.all(steps[~np.isnan(steps)] <= 0)
        assert np.array_equal(exact.values[:, 0], unbounded.values[:, 0])

    @given(columns=purchase_logs(), period=periods)
    @settings(max_examples=60)
    def test_structure(self, columns: dict[str, Any], period: str) -> None:
        """Row i reaches offsets 0 .. n-1-i (the rest NaN); rates at offset 0 are 1 for
        non-empty cohorts; cohort sizes add up to the customers; exact counts never exceed
        the cohort size."""
        txns = Transactions.from_arrays(**columns)

        m = cohort_retention(txns, period=period)  # type: ignore[arg-type]

        n = m.values.shape[0]
        expected_unreached = np.add.outer(np.arange(n), np.arange(n)) > n - 1
        assert np.array_equal(expected_unreached, np.isnan(m.values))
        assert np.all(m.rates[m.size > 0, 0] == 1.0)
        assert np.all(np.isnan(m.rates[m.size == 0]))
        assert txns.n_customers == m.size.sum()
        assert m.size.astype(float).tolist() == m.values[:, 0].tolist()
        assert np.all((m.values <= m.size[:, None]) | np.isnan(m.values))

    @given(columns=purchase_logs(), period=periods)
    @settings(max_examples=60)
    def test_revenue_adds_up(self, columns: dict[str, Any], period: str) -> None:
        """Every amount lands in exactly one reached cell: the cells sum to the total spend."""
        txns = Transactions.from_arrays(**columns)

        m = cohort_retention(txns, period=period, metric="revenue")  # type: ignore[arg-type]

        assert pytest.approx(sum(columns["amount"])) == np.nansum(m.values)

    @given(columns=purchase_logs(), period=periods, data=st.data())
    @settings(max_examples=40)
    def test_row_order_does_not_matter(
        self, columns: dict[str, Any], period: str, data: st.DataObject
    ) -> None:
        """Shuffling the log's rows gives the same matrices."""
        order = data.draw(st.permutations(range(len(columns["amount"]))))
        shuffled = {
            "customer_id": [columns["customer_id"][i] for i in order],
            "at": columns["at"][list(order)],
            "amount": [columns["amount"][i] for i in order],
        }

        for options in ({}, {"mode": "unbounded"}, {"metric": "revenue"}):
            first = cohort_retention(Transactions.from_arrays(**columns), period=period, **options)  # type: ignore[arg-type]
            second = cohort_retention(
                Transactions.from_arrays(**shuffled), period=period, **options
            )  # type: ignore[arg-type]
            assert np.allclose(first.values, second.values, equal_nan=True)
            assert np.array_equal(first.size, second.size)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"transactions": empty_log()},
                InvalidInputError,
                r"'transactions' must be non-empty; got no rows",
            ),
            (
                {"transactions": "log"},
                InvalidTypeError,
                r"'transactions' must be a Transactions; got str 'log'",
            ),
            (
                {"period": "Y"},
                InvalidInputError,
                r"'period' must be one of 'W', 'M', 'Q'; got 'Y'",
            ),
            (
                {"metric": "orders"},
                InvalidInputError,
                r"'metric' must be one of 'customers', 'revenue'; got 'orders'",
            ),
            (
                {"mode": "rolling"},
                InvalidInputError,
                r"'mode' must be one of 'exact', 'unbounded'; got 'rolling'",
            ),
            (
                {"metric": "revenue", "mode": "unbounded"},
                InvalidInputError,
                r"'mode' must be 'exact' when metric='revenue'; got 'unbounded'",
            ),
            (
                {"as_of": datetime(2025, 2, 1)},
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime; "
                r"got datetime\.datetime\(2025, 2, 1, 0, 0\)",
            ),
            (
                {"as_of": date(2025, 1, 4)},
                InvalidInputError,
                r"'as_of' must be on or after the first transaction; "
                r"got datetime\.date\(2025, 1, 4\)",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Unknown options, revenue with unbounded mode, empty logs and bad as_of values are
        refused."""
        refused(cohort_retention, {"transactions": cohort_example(), **kwargs}, error, match)
