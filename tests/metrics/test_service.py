"""Service levels: response and resolution times, SLA breaches, repeat contacts."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics.service import (
    DurationSummary,
    RepeatContactResult,
    ServiceLevelResult,
    repeat_contact_rate,
    service_levels,
)

DAY = date(2025, 1, 1)
"""An `as_of` date: the end of 1 January 2025 (UTC)."""

OPEN_8 = ["2025-01-01T08:00"] * 3
NONE_3: list[Any] = [None] * 3
BASE = np.datetime64("2025-01-01T00:00", "us")
MINUTE = np.timedelta64(1, "m")


def minutes(offsets: list[int | None]) -> np.ndarray:
    """datetime64[us] times `BASE + offset minutes`, NaT where the offset is None."""
    return np.array(
        [np.datetime64("NaT") if m is None else BASE + m * MINUTE for m in offsets],
        dtype="datetime64[us]",
    )


def instant(offset_minutes: int) -> datetime:
    """The aware UTC datetime `BASE + offset minutes`."""
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=offset_minutes)


# --- strategies ---------------------------------------------------------------------------

tickets = st.lists(
    st.tuples(
        st.integers(0, 5_000),
        st.none() | st.integers(0, 3_000),
        st.none() | st.integers(0, 6_000),
    ),
    min_size=1,
    max_size=25,
)
"""Tickets as (opened minute, response delay or None, resolution delay or None)."""

targets = st.integers(1, 4_000).map(lambda m: timedelta(minutes=m))


def ticket_arrays(rows: list[tuple[int, int | None, int | None]], shift: int = 0) -> Any:
    """The three timestamp arrays of *rows*, every time moved by *shift* minutes."""
    opened = [o + shift for o, _, _ in rows]
    response = [None if d is None else o + shift + d for o, d, _ in rows]
    resolved = [None if d is None else o + shift + d for o, _, d in rows]
    return minutes(opened), minutes(response), minutes(resolved)  # type: ignore[arg-type]


def as_of_for(rows: list[tuple[int, int | None, int | None]], extra: int) -> int:
    """An as_of minute at or after the first opening, so at least one ticket is in scope."""
    return min(o for o, _, _ in rows) + extra


contacts = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 60 * 24 * 40)),
    min_size=1,
    max_size=30,
)
"""Contacts as (customer id, minute)."""


def contact_arrays(rows: list[tuple[str, int]], shift: int = 0) -> tuple[list[str], np.ndarray]:
    """Customer ids and datetime64 times of *rows*, every time moved by *shift* minutes."""
    return [c for c, _ in rows], minutes([m + shift for _, m in rows])  # type: ignore[list-item]


# --- service_levels -----------------------------------------------------------------------


class TestServiceLevels:
    def test_three_responses_give_the_median_and_the_breach_rate(self) -> None:
        """Replies after 1 h, 3 h, 5 h: median 3 h, mean 3 h; 1 of 3 breaches a 4 h target."""
        result = service_levels(
            OPEN_8,
            ["2025-01-01T09:00", "2025-01-01T11:00", "2025-01-01T13:00"],
            NONE_3,
            as_of=DAY,
            response_target=timedelta(hours=4),
        )

        assert (3.0, 3.0, 5.0) == (
            result.first_response.median_hours,  # type: ignore[union-attr]
            result.first_response.mean_hours,  # type: ignore[union-attr]
            result.first_response.max_hours,  # type: ignore[union-attr]
        )
        assert 1 / 3 == result.response_breach_rate
        assert [False, False, True] == result.is_response_breach.tolist()

    def test_percentiles_interpolate_linearly(self) -> None:
        """Of 1, 3, 5 h the 90th percentile sits 1.8 steps in: 3 + 0.8 * 2 = 4.6 h."""
        result = service_levels(
            OPEN_8,
            ["2025-01-01T09:00", "2025-01-01T11:00", "2025-01-01T13:00"],
            NONE_3,
            as_of=DAY,
            percentiles=[0, 90, 100],
        )

        assert {0: 1.0, 90: 4.6, 100: 5.0} == pytest.approx(
            result.first_response.percentile_hours  # type: ignore[union-attr]
        )

    def test_counts(self) -> None:
        """Two of three tickets answered, one resolved: 2 responded, 1 resolved, 2 open."""
        result = service_levels(
            OPEN_8,
            ["2025-01-01T09:00", "2025-01-01T10:00", None],
            ["2025-01-01T12:00", None, None],
            as_of=DAY,
        )

        assert (3, 2, 1, 2, 0) == (
            result.n_tickets,
            result.n_responded,
            result.n_resolved,
            result.n_open,
            result.n_excluded,
        )
        assert 4.0 == result.resolution.median_hours  # type: ignore[union-attr]

    def test_unanswered_ticket_past_its_deadline_breaches(self) -> None:
        """Opened 08:00, 4 h target, no reply: at the end of the day it is late already."""
        result = service_levels(
            OPEN_8[:1], [None], [None], as_of=DAY, response_target=timedelta(hours=4)
        )

        assert (1.0, 1, 0) == (
            result.response_breach_rate,
            result.n_response_breaches,
            result.n_response_pending,
        )

    def test_unanswered_ticket_inside_its_deadline_is_pending(self) -> None:
        """At 10:00, a ticket opened at 08:00 with a 4 h target may still be answered in time.

        It is pending, and the only decided ticket (answered after 5 h) breached: 1 of 1.
        """
        result = service_levels(
            ["2025-01-01T08:00", "2025-01-01T03:00"],
            [None, "2025-01-01T08:00"],
            [None, None],
            as_of=datetime(2025, 1, 1, 10, tzinfo=UTC),
            response_target=timedelta(hours=4),
        )

        assert (1.0, 1, 1) == (
            result.response_breach_rate,
            result.n_response_breaches,
            result.n_response_pending,
        )

    def test_all_pending_gives_no_rate(self) -> None:
        """Nothing decided yet: the breach rate is None, not NaN."""
        result = service_levels(
            ["2025-01-01T23:00"], [None], [None], as_of=DAY, resolution_target=timedelta(days=1)
        )

        assert (None, 1) == (result.resolution_breach_rate, result.n_resolution_pending)

    def test_response_exactly_at_the_deadline_meets_the_target(self) -> None:
        """A reply 4 h after opening meets a 4 h target; one a microsecond later breaches."""
        result = service_levels(
            OPEN_8[:2],
            ["2025-01-01T12:00", "2025-01-01T12:00:00.000001"],
            [None, None],
            as_of=DAY,
            response_target=timedelta(hours=4),
        )

        assert [False, True] == result.is_response_breach.tolist()

    def test_no_response_gives_none_statistics(self) -> None:
        """No ticket answered or resolved: the time statistics are None and there is no rate."""
        result = service_levels(OPEN_8, NONE_3, NONE_3, as_of=DAY)

        assert (None, None, None, None) == (
            result.first_response,
            result.resolution,
            result.response_breach_rate,
            result.resolution_breach_rate,
        )

    def test_events_after_as_of_have_not_happened_yet(self) -> None:
        """From 10:00: a reply at 11:00 has not come yet, and a ticket opened at 12:00 is out."""
        result = service_levels(
            ["2025-01-01T08:00", "2025-01-01T08:00", "2025-01-01T12:00"],
            ["2025-01-01T09:00", "2025-01-01T11:00", "2025-01-01T12:30"],
            NONE_3,
            as_of=datetime(2025, 1, 1, 10, tzinfo=UTC),
        )

        assert (2, 1, 1) == (result.n_tickets, result.n_responded, result.n_excluded)
        assert [False, False, False] == result.is_response_breach.tolist()

    def test_a_date_as_of_is_the_end_of_that_day(self) -> None:
        """A ticket opened at 23:59 is in scope for `as_of=date(2025, 1, 1)`."""
        result = service_levels(["2025-01-01T23:59"], [None], [None], as_of=DAY)

        assert (1, datetime(2025, 1, 1, 23, 59, 59, 999999, tzinfo=UTC)) == (
            result.n_tickets,
            result.as_of,
        )

    def test_offsets_are_converted_to_utc(self) -> None:
        """10:00+02:00 is 08:00 UTC; a reply at 09:30 UTC comes 1.5 h later."""
        result = service_levels(
            [datetime(2025, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))],
            ["2025-01-01T09:30+00:00"],
            [None],
            as_of=DAY,
        )

        assert 1.5 == result.first_response.median_hours  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        "missing",
        [
            [None, "2025-01-01T09:00"],
            [float("nan"), "2025-01-01T09:00"],
            [pd.NaT, "2025-01-01T09:00"],
            np.array(["NaT", "2025-01-01T09:00"], dtype="datetime64[ns]"),
            pd.Series(pd.to_datetime([None, "2025-01-01 09:00"], utc=True)),
        ],
    )
    def test_none_nan_and_nat_mean_missing(self, missing: Any) -> None:
        """None, NaN and NaT all mean "no reply yet"; the other ticket's reply took 1 h."""
        result = service_levels(OPEN_8[:2], missing, [None, None], as_of=DAY)

        assert (1, 1.0) == (
            result.n_responded,
            result.first_response.median_hours,  # type: ignore[union-attr]
        )

    def test_an_all_nan_float_array_is_all_missing(self) -> None:
        """A float array of NaN (what pandas makes of an empty column) means no replies at all."""
        result = service_levels(OPEN_8, np.full(3, np.nan), NONE_3, as_of=DAY)

        assert 0 == result.n_responded

    def test_repr_and_summary_repr(self) -> None:
        """The reprs show counts, medians and rates, rounded."""
        result = service_levels(
            OPEN_8,
            ["2025-01-01T09:00", "2025-01-01T11:00", "2025-01-01T13:00"],
            NONE_3,
            as_of=DAY,
            response_target=timedelta(hours=4),
            percentiles=[90],
        )

        assert (
            "ServiceLevelResult(n_tickets=3, n_open=3, median_response_hours=3.00, "
            "median_resolution_hours=None, response_breach_rate=0.333, "
            "resolution_breach_rate=None)"
        ) == repr(result)
        assert (
            "DurationSummary(n_tickets=3, mean_hours=3.00, median_hours=3.00, "
            "max_hours=5.00, percentile_hours={90: 4.60})"
        ) == repr(result.first_response)

    def test_result_is_frozen_with_read_only_arrays(self) -> None:
        """Breach flags cannot be written to; the result's fields cannot be reassigned."""
        result = service_levels(OPEN_8, NONE_3, NONE_3, as_of=DAY)

        with pytest.raises(ValueError, match="read-only"):
            result.is_response_breach[0] = True
        with pytest.raises(AttributeError):
            result.n_tickets = 0  # type: ignore[misc]
        assert isinstance(result, ServiceLevelResult)
        assert isinstance(result.n_tickets, int)

    @pytest.mark.parametrize("backend", ["pandas", "polars"])
    def test_to_frame_has_one_row_per_measure_with_data(self, backend: Any) -> None:
        """Replies after 1 h and 3 h, nothing resolved: one row, for the first response."""
        result = service_levels(
            OPEN_8[:2],
            ["2025-01-01T09:00", "2025-01-01T11:00"],
            [None, None],
            as_of=DAY,
            percentiles=[50, 99.5],
        )

        frame = result.to_frame(backend)
        rows = frame.to_dicts() if isinstance(frame, pl.DataFrame) else frame.to_dict("records")

        assert [
            {
                "measure": "first_response",
                "n_tickets": 2,
                "mean_hours": 2.0,
                "median_hours": 2.0,
                "max_hours": 3.0,
                "p50_hours": 2.0,
                "p99.5_hours": pytest.approx(2.99),
            }
        ] == rows

    def test_to_frame_without_data_is_empty(self) -> None:
        """No replies and no resolutions: an empty table with the usual columns."""
        frame = service_levels(OPEN_8, NONE_3, NONE_3, as_of=DAY, percentiles=[]).to_frame()

        assert (0, ["measure", "n_tickets", "mean_hours", "median_hours", "max_hours"]) == (
            len(frame),
            list(frame.columns),
        )

    # --- properties -----------------------------------------------------------------------

    @given(rows=tickets, extra=st.integers(0, 10_000), target=targets)
    def test_rates_are_fractions_and_counts_add_up(
        self, rows: list[Any], extra: int, target: timedelta
    ) -> None:
        """Breach rates are in [0, 1] (or None); breaches and pending never exceed the tickets."""
        opened, response, resolved = ticket_arrays(rows)
        result = service_levels(
            opened,
            response,
            resolved,
            as_of=instant(as_of_for(rows, extra)),
            response_target=target,
            resolution_target=target,
        )

        for rate in (result.response_breach_rate, result.resolution_breach_rate):
            assert rate is None or 0.0 <= rate <= 1.0
        assert result.n_tickets + result.n_excluded == len(rows)
        assert result.n_response_breaches + result.n_response_pending <= result.n_tickets
        assert result.n_resolved + result.n_open == result.n_tickets
        assert result.n_response_breaches == int(result.is_response_breach.sum())

    @given(rows=tickets, extra=st.integers(0, 10_000), target=targets, data=st.data())
    def test_row_order_does_not_matter(
        self, rows: list[Any], extra: int, target: timedelta, data: st.DataObject
    ) -> None:
        """Shuffling the tickets gives the same summary; the breach flags move with the rows."""
        shuffled = data.draw(st.permutations(range(len(rows))))
        as_of = instant(as_of_for(rows, extra))
        kwargs: dict[str, Any] = {"as_of": as_of, "response_target": target}
        before = service_levels(*ticket_arrays(rows), **kwargs)
        after = service_levels(*ticket_arrays([rows[i] for i in shuffled]), **kwargs)

        assert before.first_response == after.first_response
        assert before.resolution == after.resolution
        assert before.response_breach_rate == after.response_breach_rate
        assert before.is_response_breach[list(shuffled)].tolist() == (
            after.is_response_breach.tolist()
        )

    @given(
        rows=tickets,
        extra=st.integers(0, 10_000),
        target=targets,
        shift=st.integers(-(10**6), 10**6),
    )
    def test_shifting_every_timestamp_changes_nothing(
        self, rows: list[Any], extra: int, target: timedelta, shift: int
    ) -> None:
        """Moving the tickets and `as_of` by the same amount keeps every number."""
        as_of = as_of_for(rows, extra)
        kwargs: dict[str, Any] = {"response_target": target, "resolution_target": target}
        before = service_levels(*ticket_arrays(rows), as_of=instant(as_of), **kwargs)
        after = service_levels(*ticket_arrays(rows, shift), as_of=instant(as_of + shift), **kwargs)

        assert (before.first_response, before.resolution) == (
            after.first_response,
            after.resolution,
        )
        assert (before.response_breach_rate, before.resolution_breach_rate) == (
            after.response_breach_rate,
            after.resolution_breach_rate,
        )

    @given(
        rows=tickets,
        extra=st.integers(0, 10_000),
        loose=st.integers(2, 4_000),
        fraction=st.floats(0.0, 1.0),
    )
    def test_tightening_the_target_never_lowers_the_breach_rate(
        self, rows: list[Any], extra: int, loose: int, fraction: float
    ) -> None:
        """A shorter target breaches at least as often, pending tickets included."""
        tight = max(1, int(loose * fraction))
        as_of = instant(as_of_for(rows, extra))
        arrays = ticket_arrays(rows)
        relaxed = service_levels(*arrays, as_of=as_of, response_target=timedelta(minutes=loose))
        strict = service_levels(*arrays, as_of=as_of, response_target=timedelta(minutes=tight))

        assert relaxed.n_response_breaches <= strict.n_response_breaches
        if relaxed.response_breach_rate is not None:
            assert strict.response_breach_rate is not None
            assert relaxed.response_breach_rate <= strict.response_breach_rate + 1e-12

    @given(rows=tickets, extra=st.integers(0, 10_000))
    def test_inputs_are_not_mutated(self, rows: list[Any], extra: int) -> None:
        """The caller's arrays keep their values and stay writeable."""
        arrays = ticket_arrays(rows)
        copies = [a.copy() for a in arrays]

        service_levels(*arrays, as_of=instant(as_of_for(rows, extra)))

        for array, copy in zip(arrays, copies, strict=True):
            assert np.array_equal(copy, array, equal_nan=True)
            assert array.flags.writeable

    # --- bad inputs -----------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"first_response_at": ["2025-01-01T09:00", None]},
                InvalidInputError,
                r"'first_response_at' must be the same length as 'opened_at' \(3\); got length 2",
            ),
            (
                {"resolved_at": NONE_3 * 2},
                InvalidInputError,
                r"'resolved_at' must be the same length as 'opened_at' \(3\); got length 6",
            ),
            (
                {"first_response_at": [None, "2025-01-01T09:00", "2025-01-01T07:00"]},
                InvalidInputError,
                r"'first_response_at' must be at or after 'opened_at' of the same ticket; "
                r"got '2025-01-01T07:00' at index 2 \(1 of 3 rows\)",
            ),
            (
                {"resolved_at": ["2025-01-01T07:00", "2025-01-01T06:00", None]},
                InvalidInputError,
                r"'resolved_at' must be at or after 'opened_at' of the same ticket; "
                r"got '2025-01-01T07:00' at index 0 \(2 of 3 rows\)",
            ),
            (
                {"first_response_at": [None, None, "soon"]},
                InvalidInputError,
                r"'first_response_at' must be datetimes or ISO 8601 timestamps; "
                r"got 'soon' at index 2 \(1 of 3 rows\)",
            ),
            (
                {
                    "first_response_at": [
                        "2025-01-01T09:00+00:00",
                        None,
                        "2025-01-01T10:00",
                    ]
                },
                InvalidInputError,
                r"'first_response_at' must be all timezone-aware or all naive \(not mixed\); "
                r"got '2025-01-01T10:00' at index 2 \(1 of 3 rows\)",
            ),
            (
                {"opened_at": ["2025-01-01T08:00", None, "2025-01-01T08:00"]},
                InvalidInputError,
                r"'opened_at' must be datetimes or ISO 8601 timestamps; "
                r"got None at index 1 \(1 of 3 rows\)",
            ),
            (
                {"opened_at": [], "first_response_at": [], "resolved_at": []},
                InvalidInputError,
                r"'opened_at' must be non-empty; got an empty array",
            ),
            (
                {"opened_at": [1, 2, 3]},
                InvalidTypeError,
                r"'opened_at' must be an array of datetimes.*; got an array of dtype int64",
            ),
            (
                {"first_response_at": [1.5, 2.0, 3.0]},
                InvalidTypeError,
                r"'first_response_at' must be an array of datetimes.*; "
                r"got an array of dtype float64",
            ),
            (
                {"resolved_at": "2025-01-01"},
                InvalidTypeError,
                r"'resolved_at' must be a one-dimensional array-like; got str '2025-01-01'",
            ),
            (
                {"as_of": datetime(2025, 1, 1)},
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime; got datetime\.datetime\(2025, 1, 1",
            ),
            (
                {"as_of": "2025-01-01"},
                InvalidTypeError,
                r"'as_of' must be a date or a timezone-aware datetime; got str '2025-01-01'",
            ),
            (
                {"as_of": date(2024, 12, 31)},
                InvalidInputError,
                r"'as_of' must be at or after the first ticket's opening \(2025-01-01T08:00\)",
            ),
            (
                {"response_target": 4},
                InvalidTypeError,
                r"'response_target' must be a datetime\.timedelta or None; got int 4",
            ),
            (
                {"resolution_target": timedelta(hours=-1)},
                InvalidInputError,
                r"'resolution_target' must be a positive duration; "
                r"got datetime\.timedelta\(days=-1, seconds=82800\)",
            ),
            (
                {"percentiles": [50, 101]},
                InvalidInputError,
                r"'percentiles' must be a finite number in \[0, 100\]; got 101\.0",
            ),
            (
                {"percentiles": [90, 90]},
                InvalidInputError,
                r"'percentiles' must be distinct numbers from 0 to 100; got \[90, 90\]",
            ),
            (
                {"percentiles": "90"},
                InvalidTypeError,
                r"'percentiles' must be a sequence of numbers from 0 to 100; got str '90'",
            ),
            (
                {"percentiles": ["p90"]},
                InvalidTypeError,
                r"'percentiles' must be a real number; got str 'p90'",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Each bad argument raises a crmkit error naming the argument and the value."""
        call: dict[str, Any] = {
            "opened_at": OPEN_8,
            "first_response_at": NONE_3,
            "resolved_at": NONE_3,
            "as_of": DAY,
            **kwargs,
        }

        with pytest.raises(error, match=match) as info:
            service_levels(**call)
        assert info.value.argument == match.split("'")[1]  # type: ignore[attr-defined]

    def test_bad_row_index_counts_missing_rows(self) -> None:
        """A bad timestamp after missing ones is reported at its own index in the input."""
        with pytest.raises(InvalidInputError) as info:
            service_levels(OPEN_8, [None, None, "x"], NONE_3, as_of=DAY)

        assert (2, "x") == (info.value.index, info.value.value)


# --- repeat_contact_rate ------------------------------------------------------------------


def repeats_by_loop(rows: list[tuple[str, int]], window_minutes: int) -> int:
    """Oracle: contacts whose same-customer successor in time is at most the window later."""
    followed = 0
    for customer in {c for c, _ in rows}:
        times = sorted(m for c, m in rows if c == customer)
        followed += sum(b - a <= window_minutes for a, b in itertools.pairwise(times))
    return followed


class TestRepeatContactRate:
    def test_worked_example(self) -> None:
        """a on 1, 3, 20 Jan and b on 2 Jan, 7-day window: only a's 1 Jan contact is followed.

        1 of 4 contacts is followed, so the rate is 0.25; the repeat is a's 3 Jan contact.
        """
        result = repeat_contact_rate(
            ["a", "a", "a", "b"], ["2025-01-01", "2025-01-03", "2025-01-20", "2025-01-02"]
        )

        assert (0.25, 4, 2, 1, 1) == (
            result.rate,
            result.n_contacts,
            result.n_customers,
            result.n_repeat_contacts,
            result.n_repeat_customers,
        )
        assert [True, False, False, False] == result.is_followed.tolist()
        assert [False, True, False, False] == result.is_repeat.tolist()

    def test_a_gap_of_exactly_the_window_counts(self) -> None:
        """Contacts 7 days apart are within a 7-day window; 7 days and a second are not."""
        inside = repeat_contact_rate(["a", "a"], ["2025-01-01T00:00", "2025-01-08T00:00"])
        outside = repeat_contact_rate(["a", "a"], ["2025-01-01T00:00", "2025-01-08T00:00:01"])

        assert (0.5, 0.0) == (inside.rate, outside.rate)

    def test_only_the_same_customer_counts(self) -> None:
        """Two customers one hour apart are not repeats of each other."""
        result = repeat_contact_rate([1, 2], ["2025-01-01T08:00", "2025-01-01T09:00"])

        assert 0.0 == result.rate

    def test_contacts_at_the_same_instant_are_repeats(self) -> None:
        """A customer logged twice at once: one contact is followed (gap 0), one of two."""
        result = repeat_contact_rate(["a", "a"], ["2025-01-01T08:00"] * 2)

        assert (0.5, 1) == (result.rate, result.n_repeat_contacts)

    def test_fractional_days(self) -> None:
        """Within half a day, a contact 11 h later is a repeat and one 13 h later is not."""
        result = repeat_contact_rate(
            ["a", "a", "a"],
            ["2025-01-01T00:00", "2025-01-01T11:00", "2025-01-02T00:00"],
            within_days=0.5,
        )

        assert [True, False, False] == result.is_followed.tolist()

    def test_as_of_leaves_out_later_contacts_and_pending_windows(self) -> None:
        """From the end of 22 Jan: 25 Jan is out, 20 Jan is pending, 1 of 3 decided is followed."""
        result = repeat_contact_rate(
            ["a", "a", "a", "b", "b"],
            ["2025-01-01", "2025-01-03", "2025-01-20", "2025-01-02", "2025-01-25"],
            as_of=date(2025, 1, 22),
        )

        assert (4, 1, 1) == (result.n_contacts, result.n_pending, result.n_excluded)
        assert 1 / 3 == result.rate
        assert [False, False, True, False, False] == result.is_pending.tolist()

    def test_a_followed_contact_is_never_pending(self) -> None:
        """A contact already followed inside an open window is decided: followed."""
        result = repeat_contact_rate(
            ["a", "a"], ["2025-01-20", "2025-01-21"], as_of=date(2025, 1, 22)
        )

        assert ([True, False], [False, True], 1.0) == (
            result.is_followed.tolist(),
            result.is_pending.tolist(),
            result.rate,
        )

    def test_all_pending_gives_no_rate(self) -> None:
        """Every window still open and nothing followed: the rate is None, not NaN."""
        result = repeat_contact_rate(["a"], ["2025-01-20"], as_of=date(2025, 1, 22))

        assert (None, 1) == (result.rate, result.n_pending)

    def test_repr_and_read_only_arrays(self) -> None:
        """The repr is short; the per-contact flags are read-only."""
        result = repeat_contact_rate(["a", "a", "b"], ["2025-01-01", "2025-01-03", "2025-01-02"])

        assert "RepeatContactResult(n_contacts=3, within_days=7, rate=0.333)" == repr(result)
        assert isinstance(result, RepeatContactResult)
        with pytest.raises(ValueError, match="read-only"):
            result.is_repeat[0] = True

    @pytest.mark.parametrize("backend", ["pandas", "polars"])
    def test_to_frame_has_one_row_per_contact(self, backend: Any) -> None:
        """Rows in input order, ids as given, times as aware UTC."""
        frame = repeat_contact_rate(["b", "a", "a"], ["2025-01-02", "2025-01-01", "2025-01-03"])
        native = frame.to_frame(backend)
        columns = pl.from_pandas(native) if isinstance(native, pd.DataFrame) else native

        assert ["b", "a", "a"] == columns["customer_id"].to_list()
        assert [False, True, False] == columns["is_followed"].to_list()
        assert "UTC" == columns["at"].dtype.time_zone  # type: ignore[attr-defined]

    # --- properties -----------------------------------------------------------------------

    @given(rows=contacts, days=st.integers(1, 20))
    def test_matches_a_loop_over_customers(self, rows: list[Any], days: int) -> None:
        """The vectorised count equals a plain loop over each customer's sorted contacts."""
        ids, times = contact_arrays(rows)
        result = repeat_contact_rate(ids, times, within_days=days)

        assert repeats_by_loop(rows, days * 24 * 60) == result.n_repeat_contacts
        assert result.n_repeat_contacts / len(rows) == result.rate

    @given(rows=contacts, days=st.floats(0.01, 30.0), as_of=st.none() | st.integers(0, 70_000))
    def test_rate_is_a_fraction_and_flags_pair_up(
        self, rows: list[Any], days: float, as_of: int | None
    ) -> None:
        """The rate is in [0, 1]; followed and repeat contacts are equally many."""
        ids, times = contact_arrays(rows)
        moment = None if as_of is None else instant(min(m for _, m in rows) + as_of)
        result = repeat_contact_rate(ids, times, within_days=days, as_of=moment)

        assert result.rate is None or 0.0 <= result.rate <= 1.0
        assert int(result.is_followed.sum()) == int(result.is_repeat.sum())
        assert result.n_repeat_contacts <= result.n_contacts - result.n_customers
        assert not (result.is_followed & result.is_pending).any()

    @given(rows=contacts, days=st.integers(1, 20), data=st.data())
    def test_row_order_does_not_matter(
        self, rows: list[Any], days: int, data: st.DataObject
    ) -> None:
        """Shuffling the contacts keeps the rate and the counts."""
        shuffled = data.draw(st.permutations(rows))
        before = repeat_contact_rate(*contact_arrays(rows), within_days=days)
        after = repeat_contact_rate(*contact_arrays(shuffled), within_days=days)

        assert (before.rate, before.n_repeat_contacts, before.n_repeat_customers) == (
            after.rate,
            after.n_repeat_contacts,
            after.n_repeat_customers,
        )

    @given(
        rows=contacts,
        days=st.integers(1, 20),
        shift=st.integers(-(10**6), 10**6),
        as_of=st.integers(0, 70_000),
    )
    def test_shifting_every_timestamp_changes_nothing(
        self, rows: list[Any], days: int, shift: int, as_of: int
    ) -> None:
        """Moving the contacts and `as_of` by the same amount keeps every flag."""
        first = min(m for _, m in rows) + as_of
        before = repeat_contact_rate(*contact_arrays(rows), within_days=days, as_of=instant(first))
        after = repeat_contact_rate(
            *contact_arrays(rows, shift), within_days=days, as_of=instant(first + shift)
        )

        assert before.rate == after.rate
        assert before.is_pending.tolist() == after.is_pending.tolist()

    @given(rows=contacts, narrow=st.floats(0.01, 10.0), wider=st.floats(0.0, 10.0))
    def test_widening_the_window_never_lowers_the_rate(
        self, rows: list[Any], narrow: float, wider: float
    ) -> None:
        """A longer window finds every repeat a shorter one finds."""
        ids, times = contact_arrays(rows)
        small = repeat_contact_rate(ids, times, within_days=narrow)
        large = repeat_contact_rate(ids, times, within_days=narrow + wider)

        assert small.rate <= large.rate  # type: ignore[operator]

    # --- bad inputs -----------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"within_days": -1},
                InvalidInputError,
                r"'within_days' must be a finite number in \(0, 36525\]; got -1\.0",
            ),
            (
                {"within_days": 0},
                InvalidInputError,
                r"'within_days' must be a finite number in \(0, 36525\]; got 0\.0",
            ),
            (
                {"within_days": float("nan")},
                InvalidInputError,
                r"'within_days' must be a finite number in \(0, 36525\]; got nan",
            ),
            (
                {"within_days": timedelta(days=7)},
                InvalidTypeError,
                r"'within_days' must be a real number; got timedelta",
            ),
            (
                {"at": ["2025-01-01"]},
                InvalidInputError,
                r"'at' must be the same length as 'customer_id' \(2\); got length 1",
            ),
            (
                {"at": ["2025-01-01", None]},
                InvalidInputError,
                r"'at' must be datetimes or ISO 8601 timestamps; got None at index 1 "
                r"\(1 of 2 rows\)",
            ),
            (
                {"at": ["2025-01-01T00:00+01:00", "2025-01-01"]},
                InvalidInputError,
                r"'at' must be all timezone-aware or all naive \(not mixed\)",
            ),
            (
                {"at": [1, 2]},
                InvalidTypeError,
                r"'at' must be an array of datetimes.*; got an array of dtype int64",
            ),
            (
                {"customer_id": ["a", ""]},
                InvalidInputError,
                r"'customer_id' must be non-empty strings; got '' at index 1 \(1 of 2 rows\)",
            ),
            (
                {"customer_id": [], "at": []},
                InvalidInputError,
                r"'customer_id' must be non-empty; got an empty array",
            ),
            (
                {"as_of": date(2024, 12, 31)},
                InvalidInputError,
                r"'as_of' must be at or after the first contact \(2025-01-01\)",
            ),
            (
                {"as_of": 20250101},
                InvalidTypeError,
                r"'as_of' must be a date or a timezone-aware datetime; got int 20250101",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Each bad argument raises a crmkit error naming the argument and the value."""
        call: dict[str, Any] = {
            "customer_id": ["a", "a"],
            "at": ["2025-01-01", "2025-01-02"],
            **kwargs,
        }

        with pytest.raises(error, match=match) as info:
            repeat_contact_rate(**call)
        assert info.value.argument == match.split("'")[1]  # type: ignore[attr-defined]


def test_duration_summary_is_exported() -> None:
    """The summary type is public, for isinstance checks and type hints."""
    result = service_levels(OPEN_8, ["2025-01-01T09:00", None, None], NONE_3, as_of=DAY)

    assert isinstance(result.first_response, DurationSummary)
