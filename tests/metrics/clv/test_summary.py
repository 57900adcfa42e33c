"""btyd_summary: purchases to frequency / recency / T / monetary value, with a holdout window."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import Transactions
from crmkit.datasets import Sample
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import BtydSummary, btyd_summary

CALIBRATION_END = date(2025, 1, 31)
OBSERVATION_END = date(2025, 3, 2)

# (customer, UTC timestamp, amount)
ROWS = [
    # ann: two purchases on 3 Jan make one occasion of 15; then 10 Jan (20) and 24 Jan (40).
    # In the holdout: two on 5 Feb (one occasion of 10), one on 20 Feb (30), and one on
    # 3 Mar, after the observation end.
    ("ann", "2025-01-03T09:00", 10.0),
    ("ann", "2025-01-03T18:30", 5.0),
    ("ann", "2025-01-10T12:00", 20.0),
    ("ann", "2025-01-24T08:00", 40.0),
    ("ann", "2025-02-05T10:00", 7.0),
    ("ann", "2025-02-05T11:00", 3.0),
    ("ann", "2025-02-20T10:00", 30.0),
    ("ann", "2025-03-03T10:00", 99.0),
    # bob: one purchase in the last second of the calibration end day, nothing after.
    ("bob", "2025-01-31T23:59:59", 12.0),
    # cy: first seen after the calibration end, so left out.
    ("cy", "2025-02-10T10:00", 50.0),
    # dee: 1 Jan and 31 Jan (16), then the first instant of 1 Feb (in the holdout).
    ("dee", "2025-01-01T00:00", 8.0),
    ("dee", "2025-01-31T00:00", 16.0),
    ("dee", "2025-02-01T00:00", 4.0),
]


def make_transactions(rows: list[tuple[str, str, float]], **kwargs: Any) -> Transactions:
    """Transactions from (customer, naive-UTC ISO timestamp, amount) rows."""
    return Transactions.from_arrays(
        customer_id=[row[0] for row in rows],
        at=np.array([row[1] for row in rows], dtype="datetime64[us]"),
        amount=[row[2] for row in rows],
        **kwargs,
    )


@pytest.fixture(scope="module")
def example() -> BtydSummary:
    """The hand-built example, daily, with a holdout window."""
    return btyd_summary(
        make_transactions(ROWS),
        calibration_end=CALIBRATION_END,
        observation_end=OBSERVATION_END,
    )


# --- hand-built examples -------------------------------------------------------------------


class TestByHand:
    def test_customers_seen_by_the_calibration_end_in_id_order(self, example: BtydSummary) -> None:
        """ann, bob and dee bought by 31 Jan; cy's first purchase is on 10 Feb, so excluded."""
        assert ["ann", "bob", "dee"] == example.customer_id.tolist()
        assert 1 == example.n_excluded
        assert 3 == example.n_customers == len(example)

    def test_frequency_counts_distinct_purchase_days_minus_one(self, example: BtydSummary) -> None:
        """ann: days 3, 10, 24 Jan (two purchases on 3 Jan are one) -> 3 - 1 = 2; bob: one day
        -> 0; dee: 1 and 31 Jan -> 1."""
        assert [2, 0, 1] == example.frequency.tolist()

    def test_recency_runs_from_first_to_last_purchase_day(self, example: BtydSummary) -> None:
        """ann: 24 Jan - 3 Jan = 21 days (times of day ignored); bob: 0; dee: 31 - 1 = 30."""
        assert [21.0, 0.0, 30.0] == example.recency.tolist()

    def test_window_length_counts_the_calibration_end_day(self, example: BtydSummary) -> None:
        """T = (31 Jan - first day) + 1: ann 28 + 1 = 29; bob 0 + 1 = 1; dee 30 + 1 = 31."""
        assert [29.0, 1.0, 31.0] == example.T.tolist()

    def test_monetary_value_is_the_mean_repeat_occasion(self, example: BtydSummary) -> None:
        """ann: the first occasion (10 + 5) is left out, (20 + 40) / 2 = 30; bob: no repeat, 0;
        dee: 16 / 1 = 16."""
        assert [30.0, 0.0, 16.0] == example.monetary_value.tolist()

    def test_holdout_counts_distinct_days_after_calibration_end(
        self, example: BtydSummary
    ) -> None:
        """ann: 5 Feb (twice, one occasion) and 20 Feb -> 2, the 3 Mar purchase is after the
        observation end; bob: none; dee: 1 Feb 00:00 is after the end of 31 Jan -> 1."""
        assert [2, 0, 1] == example.frequency_holdout.tolist()  # type: ignore[union-attr]

    def test_holdout_monetary_value_is_the_mean_occasion(self, example: BtydSummary) -> None:
        """ann: ((7 + 3) + 30) / 2 = 20; bob: 0 (no holdout purchase); dee: 4 / 1 = 4."""
        assert [20.0, 0.0, 4.0] == example.monetary_value_holdout.tolist()  # type: ignore[union-attr]

    def test_holdout_duration_in_periods(self, example: BtydSummary) -> None:
        """End of 31 Jan to end of 2 Mar 2025: 28 days to 28 Feb, plus 2 = 30 days."""
        assert 30.0 == example.duration_holdout

    def test_window_ends_are_stored_as_utc_instants(self, example: BtydSummary) -> None:
        """A date means the end of that day in UTC."""
        assert datetime(2025, 1, 31, 23, 59, 59, 999999, tzinfo=UTC) == example.calibration_end
        assert datetime(2025, 3, 2, 23, 59, 59, 999999, tzinfo=UTC) == example.observation_end
        assert 1.0 == example.period_days

    def test_docstring_example(self) -> None:
        """a: 1 Jan (twice), 11 and 21 Jan; b: 5 Jan; to 30 Jan: frequency 2 and 0, recency 20
        and 0, T 29 + 1 = 30 and 25 + 1 = 26, monetary (20 + 30) / 2 = 25 and 0."""
        txns = make_transactions(
            [
                ("a", "2025-01-01T09:00", 10.0),
                ("a", "2025-01-01T17:00", 5.0),
                ("a", "2025-01-11", 20.0),
                ("a", "2025-01-21", 30.0),
                ("b", "2025-01-05", 8.0),
            ]
        )
        s = btyd_summary(txns, calibration_end=date(2025, 1, 30))

        assert [2, 0] == s.frequency.tolist()
        assert [20.0, 0.0] == s.recency.tolist()
        assert [30.0, 26.0] == s.T.tolist()
        assert [25.0, 0.0] == s.monetary_value.tolist()

    def test_without_observation_end_there_are_no_holdout_columns(self) -> None:
        """No holdout window: the holdout fields are None and n_excluded still counts cy."""
        s = btyd_summary(make_transactions(ROWS), calibration_end=CALIBRATION_END)

        assert s.observation_end is None
        assert s.frequency_holdout is None
        assert s.monetary_value_holdout is None
        assert s.duration_holdout is None
        assert 1 == s.n_excluded

    def test_days_are_utc_days(self) -> None:
        """23:30 at UTC-5 on 3 Jan is 04:30 UTC on 4 Jan: the same occasion as 01:00 UTC on
        4 Jan. With 3 Jan 20:00 UTC: two days, frequency 1, recency 1, spend 2 + 4 = 6."""
        txns = Transactions.from_arrays(
            customer_id=["x", "x", "x"],
            at=[
                "2025-01-03T20:00:00+00:00",
                "2025-01-03T23:30:00-05:00",
                "2025-01-04T01:00:00+00:00",
            ],
            amount=[1.0, 2.0, 4.0],
        )
        s = btyd_summary(txns, calibration_end=date(2025, 1, 10))

        assert [1] == s.frequency.tolist()
        assert [1.0] == s.recency.tolist()
        assert [6.0] == s.monetary_value.tolist()
        # T: 10 Jan - 3 Jan + 1 = 8 days.
        assert [8.0] == s.T.tolist()

    def test_an_aware_datetime_calibration_end_cuts_inside_a_day(self) -> None:
        """Calibration end 31 Jan 12:00 UTC: bob's 23:59:59 purchase is after it, so bob is
        excluded; ann's T is from 3 Jan 00:00 to 31 Jan 12:00 = 28.5 days (plus the one
        microsecond that makes the end instant inclusive)."""
        end = datetime(2025, 1, 31, 12, tzinfo=UTC)
        s = btyd_summary(make_transactions(ROWS), calibration_end=end)

        assert ["ann", "dee"] == s.customer_id.tolist()
        assert 2 == s.n_excluded
        assert pytest.approx([28.5, 30.5], abs=1e-9) == s.T.tolist()
        assert end == s.calibration_end

    def test_currency_is_carried_over(self) -> None:
        """The summary keeps the currency of the transactions."""
        txns = make_transactions(ROWS, currency="CNY")

        assert "CNY" == btyd_summary(txns, calibration_end=CALIBRATION_END).currency

    def test_repr(self, example: BtydSummary) -> None:
        """The repr names the size, the period, both window ends and the exclusions."""
        assert (
            "BtydSummary(n_customers=3, period_days=1.0, calibration_end='2025-01-31', "
            "observation_end='2025-03-02', n_excluded=1)"
        ) == repr(example)

    def test_frozen_with_read_only_arrays(self, example: BtydSummary) -> None:
        """Fields cannot be reassigned and the arrays cannot be written."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            example.n_excluded = 0  # type: ignore[misc]
        with pytest.raises(ValueError, match="read-only"):
            example.frequency[0] = 5

    def test_sample_data(self, sample: Sample) -> None:
        """The bundled sample to the end of June 2024, weekly, with the second half of 2024 as
        holdout: 3,736 customers, 1,264 first seen later; the holdout is 184 days = 184 / 7
        weeks."""
        s = btyd_summary(
            sample.transactions,
            calibration_end=date(2024, 6, 30),
            observation_end=date(2024, 12, 31),
            period="W",
        )

        assert 3736 == s.n_customers
        assert 1264 == s.n_excluded
        assert 7.0 == s.period_days
        assert pytest.approx(184 / 7) == s.duration_holdout
        assert np.all(s.recency <= s.T)
        assert np.all(s.T > 0)


# --- period ------------------------------------------------------------------------------


class TestPeriod:
    def test_weeks_divide_day_counts_by_seven(self, example: BtydSummary) -> None:
        """Weekly: recency 21/7 = 3, 0, 30/7; T 29/7, 1/7, 31/7; holdout 30/7 weeks. Counts and
        money do not change."""
        weekly = btyd_summary(
            make_transactions(ROWS),
            calibration_end=CALIBRATION_END,
            observation_end=OBSERVATION_END,
            period="W",
        )

        assert 7.0 == weekly.period_days
        assert pytest.approx([3.0, 0.0, 30 / 7]) == weekly.recency.tolist()
        assert pytest.approx([29 / 7, 1 / 7, 31 / 7]) == weekly.T.tolist()
        assert pytest.approx(30 / 7) == weekly.duration_holdout
        assert example.frequency.tolist() == weekly.frequency.tolist()
        assert example.monetary_value.tolist() == weekly.monetary_value.tolist()
        assert example.frequency_holdout.tolist() == weekly.frequency_holdout.tolist()  # type: ignore[union-attr]

    @pytest.mark.parametrize("period", [3, 2.5, np.float64(2.5)])
    def test_a_number_of_days(self, period: float) -> None:
        """period = p days: ann's recency 21 / p and T 29 / p."""
        s = btyd_summary(make_transactions(ROWS), calibration_end=CALIBRATION_END, period=period)

        assert float(period) == s.period_days
        assert pytest.approx(21 / period) == s.recency[0]
        assert pytest.approx(29 / period) == s.T[0]

    @pytest.mark.parametrize("period", ["M", "w", "d", "", "7"])
    def test_unknown_strings_are_refused(self, period: str) -> None:
        """Only "D" and "W" are period names (case matters)."""
        refused(
            btyd_summary,
            {
                "transactions": make_transactions(ROWS),
                "calibration_end": CALIBRATION_END,
                "period": period,
            },
            InvalidInputError,
            "'period' must be one of 'D', 'W'",
        )

    @pytest.mark.parametrize("period", [0, -7, -0.5, math.nan, math.inf])
    def test_non_positive_or_non_finite_numbers_are_refused(self, period: float) -> None:
        """A number of days must be finite and above 0."""
        refused(
            btyd_summary,
            {
                "transactions": make_transactions(ROWS),
                "calibration_end": CALIBRATION_END,
                "period": period,
            },
            InvalidInputError,
            "'period' must be a finite number above 0",
        )

    @pytest.mark.parametrize("period", [True, None, [7]])
    def test_other_types_are_refused(self, period: Any) -> None:
        """A flag, None or a list is not a period."""
        refused(
            btyd_summary,
            {
                "transactions": make_transactions(ROWS),
                "calibration_end": CALIBRATION_END,
                "period": period,
            },
            InvalidTypeError,
            "'period' must be a real number",
        )


# --- frames ------------------------------------------------------------------------------


class TestToFrame:
    def test_pandas_with_holdout(self, example: BtydSummary) -> None:
        """Lifetimes' column names, one row per customer, the holdout duration repeated."""
        frame = example.to_frame()

        assert isinstance(frame, pd.DataFrame)
        assert [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "frequency_holdout",
            "monetary_value_holdout",
            "duration_holdout",
        ] == frame.columns.tolist()
        assert ["ann", "bob", "dee"] == frame["customer_id"].tolist()
        assert [2, 0, 1] == frame["frequency"].tolist()
        assert [29.0, 1.0, 31.0] == frame["T"].tolist()
        assert [20.0, 0.0, 4.0] == frame["monetary_value_holdout"].tolist()
        assert [30.0, 30.0, 30.0] == frame["duration_holdout"].tolist()
        assert np.issubdtype(frame["frequency"].dtype, np.integer)

    def test_pandas_without_holdout(self) -> None:
        """Without a holdout window only the five calibration columns."""
        s = btyd_summary(make_transactions(ROWS), calibration_end=CALIBRATION_END)

        assert ["customer_id", "frequency", "recency", "T", "monetary_value"] == (
            s.to_frame("pandas").columns.tolist()
        )

    def test_polars(self, example: BtydSummary) -> None:
        """The same columns and values as a polars DataFrame."""
        frame = example.to_frame("polars")

        assert isinstance(frame, pl.DataFrame)
        assert example.to_frame().columns.tolist() == frame.columns
        assert ["ann", "bob", "dee"] == frame["customer_id"].to_list()
        assert [21.0, 0.0, 30.0] == frame["recency"].to_list()
        assert [2, 0, 1] == frame["frequency_holdout"].to_list()
        assert pl.Int64 == frame.schema["frequency"]


# --- bad input ---------------------------------------------------------------------------


class TestBadInput:
    def test_not_transactions(self) -> None:
        """A DataFrame is not a Transactions."""
        refused(
            btyd_summary,
            {
                "transactions": make_transactions(ROWS).to_frame(),
                "calibration_end": CALIBRATION_END,
            },
            InvalidTypeError,
            "'transactions' must be a Transactions",
        )

    @pytest.mark.parametrize("observation_end", [CALIBRATION_END, date(2025, 1, 30)])
    def test_observation_end_must_be_after_calibration_end(self, observation_end: date) -> None:
        """The same day or an earlier one leaves no holdout window."""
        refused(
            btyd_summary,
            {
                "transactions": make_transactions(ROWS),
                "calibration_end": CALIBRATION_END,
                "observation_end": observation_end,
            },
            InvalidInputError,
            "'observation_end' must be after calibration_end",
        )

    def test_naive_datetime_calibration_end(self) -> None:
        """A datetime without a time zone is ambiguous."""
        refused(
            btyd_summary,
            {"transactions": make_transactions(ROWS), "calibration_end": datetime(2025, 1, 31)},
            InvalidInputError,
            "'calibration_end' must be a timezone-aware datetime",
        )

    def test_string_calibration_end(self) -> None:
        """Dates are dates, not strings."""
        refused(
            btyd_summary,
            {"transactions": make_transactions(ROWS), "calibration_end": "2025-01-31"},
            InvalidTypeError,
            "'calibration_end' must be a date or a timezone-aware datetime",
        )

    def test_calibration_end_before_every_purchase_names_calibration_end(self) -> None:
        """With no purchase on or before calibration_end the error names calibration_end, the
        argument of btyd_summary, not some other function's 'as_of'."""
        refused(
            btyd_summary,
            {"transactions": make_transactions(ROWS), "calibration_end": date(2024, 12, 31)},
            InvalidInputError,
            "'calibration_end' must be at or after the first transaction",
        )


# --- properties --------------------------------------------------------------------------

BASE = datetime(2025, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[str, datetime, float]], date, date | None]:
    """Random purchases over 60 days (minute resolution, whole-number amounts), a calibration
    end on or after the first purchase day and, sometimes, an observation end after it."""
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["a", "b", "c", "d", "e"]),
                st.integers(0, 60 * 24 * 60 - 1).map(lambda m: BASE + timedelta(minutes=m)),
                st.integers(1, 500).map(float),
            ),
            min_size=1,
            max_size=40,
        )
    )
    first_day = min(row[1] for row in rows).date()
    calibration = first_day + timedelta(days=draw(st.integers(0, 60)))
    extra = draw(st.none() | st.integers(1, 30))
    observation = None if extra is None else calibration + timedelta(days=extra)
    return rows, calibration, observation


def oracle(
    rows: list[tuple[str, datetime, float]], calibration: date, observation: date | None
) -> dict[str, list[Any]]:
    """The summary by its definition, one customer and one calendar day at a time (daily)."""
    spend: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    later: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for customer, at, amount in rows:
        day = at.date()
        if day <= calibration:
            spend[customer][day] += amount
        elif observation is not None and day <= observation:
            later[customer][day] += amount
    out: dict[str, list[Any]] = defaultdict(list)
    for customer in sorted(spend):
        days = sorted(spend[customer])
        repeats = [spend[customer][day] for day in days[1:]]
        out["customer_id"].append(customer)
        out["frequency"].append(len(days) - 1)
        out["recency"].append(float((days[-1] - days[0]).days))
        out["T"].append(float((calibration - days[0]).days + 1))
        out["monetary_value"].append(sum(repeats) / len(repeats) if repeats else 0.0)
        holdout = list(later[customer].values())
        out["frequency_holdout"].append(len(holdout))
        out["monetary_value_holdout"].append(sum(holdout) / len(holdout) if holdout else 0.0)
    out["n_excluded"] = [len({row[0] for row in rows}) - len(spend)]
    return out


def transactions_of(rows: list[tuple[str, datetime, float]]) -> Transactions:
    return Transactions.from_arrays(
        customer_id=[row[0] for row in rows],
        at=np.array([row[1] for row in rows], dtype="datetime64[us]"),
        amount=[row[2] for row in rows],
    )


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(histories())
    def test_matches_the_definition(
        self, history: tuple[list[tuple[str, datetime, float]], date, date | None]
    ) -> None:
        """Every column equals the day-by-day oracle."""
        rows, calibration, observation = history
        s = btyd_summary(
            transactions_of(rows), calibration_end=calibration, observation_end=observation
        )
        expected = oracle(rows, calibration, observation)

        assert expected["customer_id"] == s.customer_id.tolist()
        assert expected["frequency"] == s.frequency.tolist()
        assert expected["recency"] == s.recency.tolist()
        assert expected["T"] == s.T.tolist()
        assert expected["monetary_value"] == s.monetary_value.tolist()
        assert expected["n_excluded"][0] == s.n_excluded
        if observation is not None:
            assert expected["frequency_holdout"] == s.frequency_holdout.tolist()  # type: ignore[union-attr]
            assert expected["monetary_value_holdout"] == s.monetary_value_holdout.tolist()  # type: ignore[union-attr]
            assert float((observation - calibration).days) == s.duration_holdout

    @settings(max_examples=60, deadline=None)
    @given(histories())
    def test_invariants(
        self, history: tuple[list[tuple[str, datetime, float]], date, date | None]
    ) -> None:
        """frequency >= 0, 0 <= recency <= T, T > 0, recency 0 exactly when frequency is 0,
        monetary value >= 0 and 0 without repeats."""
        rows, calibration, _ = history
        s = btyd_summary(transactions_of(rows), calibration_end=calibration)

        assert np.all(s.frequency >= 0)
        assert np.all((0 <= s.recency) & (s.recency <= s.T))
        assert np.all(s.T > 0)
        assert ((s.recency == 0) == (s.frequency == 0)).all()
        assert np.all(s.monetary_value >= 0)
        assert np.all(s.monetary_value[s.frequency == 0] == 0)

    @settings(max_examples=40, deadline=None)
    @given(histories(), st.sampled_from(["W", 7, 2.5, 30]))
    def test_other_periods_divide_the_daily_values(
        self, history: tuple[list[tuple[str, datetime, float]], date, date | None], period: Any
    ) -> None:
        """recency, T and the holdout duration in periods of p days are the daily ones / p."""
        rows, calibration, observation = history
        txns = transactions_of(rows)
        daily = btyd_summary(txns, calibration_end=calibration, observation_end=observation)
        other = btyd_summary(
            txns, calibration_end=calibration, observation_end=observation, period=period
        )
        days = 7.0 if period == "W" else float(period)

        assert days == other.period_days
        assert pytest.approx((daily.recency / days).tolist(), rel=1e-12) == other.recency.tolist()
        assert pytest.approx((daily.T / days).tolist(), rel=1e-12) == other.T.tolist()
        assert daily.frequency.tolist() == other.frequency.tolist()
        if observation is not None:
            assert pytest.approx(daily.duration_holdout / days) == other.duration_holdout  # type: ignore[operator]
