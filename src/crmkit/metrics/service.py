"""Service levels: response and resolution times, SLA breaches, repeat contacts.

Both functions take columnar input, one element per ticket or contact, and
look at the data from one instant, `as_of`: what happened after it has not
happened yet. Timestamps may be `datetime64` (read as UTC), timezone-aware
datetimes or ISO 8601 strings; naive datetimes and strings are read as UTC.
Durations are reported in hours and rates as fractions from 0 to 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.errors import InvalidInputError

__all__ = [
    "DurationSummary",
    "RepeatContactResult",
    "ServiceLevelResult",
    "repeat_contact_rate",
    "service_levels",
]

_UNIT: Final = f"datetime64[{_columns.TIME_UNIT}]"
_HOUR_US: Final = 3_600_000_000
_DAY_US: Final = 86_400_000_000
_MAX_WINDOW_DAYS: Final = 36_525.0  # a century: longer windows are mistakes, and overflow
_ROWS: Final = re.compile(r"(?s)(.*) at index \d+ \((\d+) of \d+ rows\)")


def _hours(value: float) -> str:
    return f"{value:.2f}"


def _rate(value: float | None) -> str:
    return "None" if value is None else f"{value:.3f}"


# --- input parsing ------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    # None, NaN and NaT (numpy's or pandas', which is a datetime unequal to itself).
    if value is None:
        return True
    if isinstance(value, float | np.floating | datetime | np.datetime64):
        return bool(value != value)
    return False


def _optional_timestamps(
    argument: str, values: ArrayLike
) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """Timestamps that may be missing: naive-UTC `datetime64[us]` (NaT where missing) and a mask.

    Missing means None, NaN or NaT. Every other value must parse; a bad one is
    reported at its index in *values*.
    """
    array = v.one_dimensional(argument, values)
    if array.dtype.kind == "U" and isinstance(values, list | tuple):
        # As objects: numpy turns [nan, "2025-01-01"] into the text "nan".
        array = np.array(values, dtype=object)
    if array.dtype.kind == "M":
        return array.astype(_UNIT), ~np.isnat(array)
    if array.dtype.kind == "f" and np.isnan(array).all():
        return np.full(array.size, np.datetime64("NaT"), dtype=_UNIT), np.zeros(array.size, bool)
    if array.dtype.kind not in "OUT":
        v.fail_type(
            argument,
            "an array of datetimes, datetime64 or ISO 8601 strings (None or NaT where missing)",
            v.described(f"an array of dtype {array.dtype}"),
        )
    if array.dtype.kind == "O":
        present = ~np.fromiter((_is_missing(x) for x in array), bool, array.size)
    else:
        present = np.ones(array.size, dtype=bool)
    parsed = np.full(array.size, np.datetime64("NaT"), dtype=_UNIT)
    rows = np.flatnonzero(present)
    try:
        parsed[rows] = _columns.timestamps(argument, array[rows])
    except InvalidInputError as error:
        raise _at_original_rows(error, rows, array.size) from None
    return parsed, present


def _at_original_rows(
    error: InvalidInputError, rows: NDArray[np.intp], size: int
) -> InvalidInputError:
    """The same error with its index counted in the full array, not the non-missing part."""
    match = _ROWS.fullmatch(str(error))
    if error.index is None or match is None:
        return error
    first = int(rows[error.index])
    message = f"{match[1]} at index {first} ({match[2]} of {size} rows)"
    return InvalidInputError(message, argument=error.argument, value=error.value, index=first)


def _non_empty(argument: str, values: ArrayLike) -> NDArray[Any]:
    array = v.one_dimensional(argument, values)
    if array.size == 0:
        v.fail(argument, "non-empty", v.described("an empty array"))
    return array


def _target(argument: str, value: Any) -> np.timedelta64 | None:
    if value is None:
        return None
    if not isinstance(value, timedelta):
        v.fail_type(argument, "a datetime.timedelta or None", value)
    if value <= timedelta(0):
        v.fail(argument, "a positive duration", value)
    return np.timedelta64(value, "us")


def _percentiles(value: Any) -> tuple[float, ...]:
    allowed = "a sequence of numbers from 0 to 100"
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        v.fail_type("percentiles", allowed, value)
    chosen = tuple(
        v.check_float("percentiles", p, low=0.0, high=100.0) for p in np.asarray(value).tolist()
    )
    if len(set(chosen)) != len(chosen):
        v.fail("percentiles", "distinct numbers from 0 to 100", value)
    return chosen


def _not_before(
    argument: str,
    times: NDArray[np.datetime64],
    present: NDArray[np.bool_],
    opened: NDArray[np.datetime64],
) -> None:
    early = np.zeros(times.size, dtype=bool)
    early[present] = times[present] < opened[present]
    if early.any():
        shown = np.where(present, times, opened)  # no NaT in what is printed
        v.fail_rows(
            argument,
            "at or after 'opened_at' of the same ticket",
            np.datetime_as_string(shown, unit="auto"),
            early,
        )


# --- service levels -----------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class DurationSummary:
    """Hours from opening to an event, over the tickets that reached it by `as_of`.

    Attributes:
        n_tickets: Tickets that reached the event (first response or resolution).
        mean_hours: Mean time to the event, in hours.
        median_hours: Median time to the event, in hours.
        max_hours: Longest time to the event, in hours.
        percentile_hours: Percentile (0 to 100) to hours, in the order asked
            for; percentiles interpolate linearly between tickets (numpy's
            default), so the 50th equals the median.

    Examples:
        >>> from datetime import date
        >>> from crmkit.metrics import service_levels
        >>> opened = ["2025-01-01T08:00"] * 3
        >>> replied = ["2025-01-01T09:00", "2025-01-01T11:00", "2025-01-01T13:00"]
        >>> summary = service_levels(opened, replied, [None] * 3,
        ...                          as_of=date(2025, 1, 1)).first_response
        >>> summary
        DurationSummary(n_tickets=3, mean_hours=3.00, median_hours=3.00, max_hours=5.00,
                        percentile_hours={50: 3.00, 90: 4.60, 95: 4.80})
        >>> summary.percentile_hours[90]
        4.6
    """

    n_tickets: int = field()
    mean_hours: float = field()
    median_hours: float = field()
    max_hours: float = field()
    percentile_hours: Mapping[float, float] = field()

    def __repr__(self) -> str:
        shown = ", ".join(f"{p:g}: {h:.2f}" for p, h in self.percentile_hours.items())
        return (
            f"DurationSummary(n_tickets={self.n_tickets}, mean_hours={self.mean_hours:.2f}, "
            f"median_hours={self.median_hours:.2f}, max_hours={self.max_hours:.2f}, "
            f"percentile_hours={{{shown}}})"
        )


def _summary(
    start: NDArray[np.datetime64], end: NDArray[np.datetime64], percentiles: tuple[float, ...]
) -> DurationSummary | None:
    if start.size == 0:
        return None
    micros = (end - start).astype(np.int64)
    hours = micros / _HOUR_US
    points = np.percentile(hours, percentiles).tolist() if percentiles else []
    return DurationSummary(
        n_tickets=int(hours.size),
        # An exact integer sum: the mean does not depend on row order.
        mean_hours=int(micros.sum()) / hours.size / _HOUR_US,
        median_hours=float(np.median(hours)),
        max_hours=float(hours.max()),
        percentile_hours=dict(zip(percentiles, points, strict=True)),
    )


@frozen(kw_only=True, repr=False)
class ServiceLevelResult:
    """Response and resolution times of a set of tickets, and their SLA breaches.

    Counts and statistics cover the tickets opened on or before `as_of`;
    responses and resolutions after `as_of` count as not happened yet.

    A ticket *breaches* a target when its event came later than
    `opened_at + target`, or when it has not happened and `as_of` is already
    past that deadline. A ticket without the event whose deadline is still
    ahead is *pending*: its outcome is not known yet, so it is left out of the
    breach rate, which is `breaches / (tickets - pending)`.

    Attributes:
        as_of: The instant the result describes (UTC).
        n_tickets: Tickets opened on or before `as_of`.
        n_responded: Of these, tickets with a first response by `as_of`.
        n_resolved: Of these, tickets resolved by `as_of`.
        n_open: Tickets not resolved by `as_of` (`n_tickets - n_resolved`).
        n_excluded: Tickets opened after `as_of`, left out.
        first_response: Time to first response, or None if no ticket has one.
        resolution: Time to resolution, or None if no ticket is resolved.
        response_target: The first-response target, or None.
        resolution_target: The resolution target, or None.
        response_breach_rate: Share of decided tickets that breached the
            response target; None without a target or when every ticket is
            pending.
        resolution_breach_rate: The same for the resolution target.
        n_response_breaches: Tickets that breached the response target (0
            without a target).
        n_response_pending: Tickets with no response whose deadline is ahead.
        n_resolution_breaches: Tickets that breached the resolution target.
        n_resolution_pending: Open tickets whose resolution deadline is ahead.
        is_response_breach: Per ticket, in input order, whether it breached
            the response target (False for excluded tickets or no target).
        is_resolution_breach: The same for the resolution target.
        percentiles: The percentiles reported in each `DurationSummary`.

    Examples:
        >>> from datetime import date, timedelta
        >>> from crmkit.metrics import service_levels
        >>> result = service_levels(
        ...     ["2025-01-01T08:00", "2025-01-01T08:00"],
        ...     ["2025-01-01T09:00", None],
        ...     ["2025-01-01T12:00", None],
        ...     as_of=date(2025, 1, 1), response_target=timedelta(hours=4))
        >>> result
        ServiceLevelResult(n_tickets=2, n_open=1, median_response_hours=1.00,
                           median_resolution_hours=4.00, response_breach_rate=0.500,
                           resolution_breach_rate=None)
        >>> result.is_response_breach.tolist()
        [False, True]
    """

    as_of: datetime = field()
    n_tickets: int = field()
    n_responded: int = field()
    n_resolved: int = field()
    n_open: int = field()
    n_excluded: int = field()
    first_response: DurationSummary | None = field()
    resolution: DurationSummary | None = field()
    response_target: timedelta | None = field()
    resolution_target: timedelta | None = field()
    response_breach_rate: float | None = field()
    resolution_breach_rate: float | None = field()
    n_response_breaches: int = field()
    n_response_pending: int = field()
    n_resolution_breaches: int = field()
    n_resolution_pending: int = field()
    is_response_breach: NDArray[np.bool_] = array_field()
    is_resolution_breach: NDArray[np.bool_] = array_field()
    percentiles: tuple[float, ...] = field(repr=False)

    def __repr__(self) -> str:
        def median(summary: DurationSummary | None) -> str:
            return "None" if summary is None else _hours(summary.median_hours)

        return (
            f"ServiceLevelResult(n_tickets={self.n_tickets}, n_open={self.n_open}, "
            f"median_response_hours={median(self.first_response)}, "
            f"median_resolution_hours={median(self.resolution)}, "
            f"response_breach_rate={_rate(self.response_breach_rate)}, "
            f"resolution_breach_rate={_rate(self.resolution_breach_rate)})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per measure with data: `measure, n_tickets, mean_hours, ...`.

        The measures are `"first_response"` and `"resolution"`; one without
        any ticket (no response yet, nothing resolved) has no row, so the
        table holds no missing values. The columns after `n_tickets` are
        `mean_hours, median_hours, max_hours` and one `p<q>_hours` per
        percentile asked for.

        Examples:
            >>> from datetime import date
            >>> from crmkit.metrics import service_levels
            >>> result = service_levels(["2025-01-01T08:00"], ["2025-01-01T09:30"], [None],
            ...                         as_of=date(2025, 1, 1), percentiles=[90])
            >>> result.to_frame().to_dict("records")
            [{'measure': 'first_response', 'n_tickets': 1, 'mean_hours': 1.5,
              'median_hours': 1.5, 'max_hours': 1.5, 'p90_hours': 1.5}]
        """
        named = [("first_response", self.first_response), ("resolution", self.resolution)]
        rows = [(name, s) for name, s in named if s is not None]
        columns: dict[str, NDArray[Any]] = {
            "measure": np.array([name for name, _ in rows], dtype=object),
            "n_tickets": np.array([s.n_tickets for _, s in rows], dtype=np.int64),
            "mean_hours": np.array([s.mean_hours for _, s in rows], dtype=np.float64),
            "median_hours": np.array([s.median_hours for _, s in rows], dtype=np.float64),
            "max_hours": np.array([s.max_hours for _, s in rows], dtype=np.float64),
        }
        for p in self.percentiles:
            columns[f"p{p:g}_hours"] = np.array(
                [s.percentile_hours[p] for _, s in rows], dtype=np.float64
            )
        return _frames.frame_from_columns(columns, backend=backend)


def service_levels(
    opened_at: ArrayLike,
    first_response_at: ArrayLike,
    resolved_at: ArrayLike,
    *,
    as_of: date | datetime,
    response_target: timedelta | None = None,
    resolution_target: timedelta | None = None,
    percentiles: Iterable[float] = (50, 90, 95),
) -> ServiceLevelResult:
    """Summarise first-response and resolution times of tickets, and SLA breaches.

    Each position of the three arrays is one ticket. A missing first response
    (None, NaN or NaT) means no reply yet; a missing resolution means the
    ticket is still open. The result looks from `as_of`:

    - tickets opened after `as_of` are left out (counted in `n_excluded`);
    - a response or resolution after `as_of` counts as not happened yet;
    - times are in hours from `opened_at`, over the tickets that reached the
      event (a ticket without a response has no response time: it is not
      counted as zero, and not dropped from `n_tickets`);
    - against a target, a ticket breaches if its event came after
      `opened_at + target`, or has not come and `as_of` is past that deadline
      (it is late already). One without the event whose deadline is still
      ahead is pending and left out of the breach rate. An event exactly at
      the deadline meets the target.

    Args:
        opened_at: When each ticket was opened; no missing values.
        first_response_at: When each ticket got its first reply, or missing.
        resolved_at: When each ticket was resolved, or missing.
        as_of: The instant to look from: an aware datetime, or a date meaning
            the end of that day (UTC).
        response_target: The first-response SLA, a positive `timedelta`, or
            None for no breach statistics.
        resolution_target: The resolution SLA, likewise.
        percentiles: Percentiles of the times to report, each from 0 to 100.

    Returns:
        Counts, time statistics (None when no ticket has the event, never
        NaN) and breach rates.

    Raises:
        InvalidInputError: If the arrays differ in length or are empty, a
            timestamp does not parse or mixes naive and aware values, a
            response or resolution precedes the ticket's opening, every
            ticket was opened after `as_of`, a target is not positive, or a
            percentile is outside 0-100 or repeated.
        InvalidTypeError: If an argument has the wrong type.

    Examples:
        Three tickets answered after 1, 3 and 5 hours: the median is 3 hours,
        and against a 4-hour target one of the three breaches. The first two
        were resolved after 2 and 30 hours: against a 24-hour target the
        second breached. The third, opened at 08:00 on the `as_of` day, is 16
        hours old at the end of that day: open but inside its target, so
        pending. One of the two decided tickets breached:

        >>> from datetime import date, timedelta
        >>> from crmkit.metrics import service_levels
        >>> result = service_levels(
        ...     opened_at=["2024-12-31T08:00", "2024-12-31T08:00", "2025-01-01T08:00"],
        ...     first_response_at=["2024-12-31T09:00", "2024-12-31T11:00",
        ...                        "2025-01-01T13:00"],
        ...     resolved_at=["2024-12-31T10:00", "2025-01-01T14:00", None],
        ...     as_of=date(2025, 1, 1),
        ...     response_target=timedelta(hours=4),
        ...     resolution_target=timedelta(hours=24))
        >>> result.first_response.median_hours, result.response_breach_rate
        (3.0, 0.3333333333333333)
        >>> result.n_open, result.n_resolution_pending, result.resolution_breach_rate
        (1, 1, 0.5)
    """
    opened = _columns.timestamps("opened_at", _non_empty("opened_at", opened_at))
    response, has_response = _optional_timestamps("first_response_at", first_response_at)
    resolved, has_resolution = _optional_timestamps("resolved_at", resolved_at)
    n = v.same_length(opened_at=opened, first_response_at=response, resolved_at=resolved)
    moment = v.as_of_instant(as_of)
    instant = v.utc_datetime64(moment)
    response_deadline = _target("response_target", response_target)
    resolution_deadline = _target("resolution_target", resolution_target)
    chosen = _percentiles(percentiles)
    _not_before("first_response_at", response, has_response, opened)
    _not_before("resolved_at", resolved, has_resolution, opened)
    in_scope = opened <= instant
    if not in_scope.any():
        first = np.datetime_as_string(opened.min(), unit="auto")
        v.fail("as_of", f"at or after the first ticket's opening ({first})", moment)

    responded = has_response & in_scope
    responded[responded] = response[responded] <= instant
    resolved_by = has_resolution & in_scope
    resolved_by[resolved_by] = resolved[resolved_by] <= instant
    response_breach, response_pending = _breaches(
        opened, response, responded, in_scope, instant, response_deadline
    )
    resolution_breach, resolution_pending = _breaches(
        opened, resolved, resolved_by, in_scope, instant, resolution_deadline
    )
    n_tickets = int(in_scope.sum())
    n_resolved = int(resolved_by.sum())
    return ServiceLevelResult(
        as_of=moment,
        n_tickets=n_tickets,
        n_responded=int(responded.sum()),
        n_resolved=n_resolved,
        n_open=n_tickets - n_resolved,
        n_excluded=n - n_tickets,
        first_response=_summary(opened[responded], response[responded], chosen),
        resolution=_summary(opened[resolved_by], resolved[resolved_by], chosen),
        response_target=response_target,
        resolution_target=resolution_target,
        response_breach_rate=_breach_rate(
            response_breach, response_pending, n_tickets, response_deadline
        ),
        resolution_breach_rate=_breach_rate(
            resolution_breach, resolution_pending, n_tickets, resolution_deadline
        ),
        n_response_breaches=int(response_breach.sum()),
        n_response_pending=int(response_pending.sum()),
        n_resolution_breaches=int(resolution_breach.sum()),
        n_resolution_pending=int(resolution_pending.sum()),
        is_response_breach=response_breach,
        is_resolution_breach=resolution_breach,
        percentiles=chosen,
    )


def _breaches(
    opened: NDArray[np.datetime64],
    at: NDArray[np.datetime64],
    reached: NDArray[np.bool_],
    in_scope: NDArray[np.bool_],
    instant: np.datetime64,
    target: np.timedelta64 | None,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per ticket: breached the target, and still pending (no event, deadline ahead)."""
    if target is None:
        none = np.zeros(opened.size, dtype=bool)
        return none, none.copy()
    deadline = opened + target
    # The clock stops at the event; without one it runs to as_of.
    clock = np.where(reached, at, instant)
    breached = in_scope & (clock > deadline)
    pending = in_scope & ~reached & ~breached
    return breached, pending


def _breach_rate(
    breached: NDArray[np.bool_],
    pending: NDArray[np.bool_],
    n_tickets: int,
    target: np.timedelta64 | None,
) -> float | None:
    decided = n_tickets - int(pending.sum())
    if target is None or decided == 0:
        return None
    return int(breached.sum()) / decided


# --- repeat contacts ----------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class RepeatContactResult:
    """How often a customer gets in touch again within a window of days.

    A contact is *followed* when the same customer's next contact comes at
    most `within_days` days after it (at the same instant counts); that next
    contact is a *repeat*. Followed and repeat contacts pair up, so there are
    as many of each. With `as_of`, a contact not followed yet whose window
    runs past `as_of` is *pending* (it may still be followed) and left out of
    the rate.

    Attributes:
        rate: Followed contacts over contacts whose window is closed or
            already followed, `n_repeat_contacts / (n_contacts - n_pending)`;
            None when every contact is pending.
        within_days: The window, in days.
        as_of: The instant looked from (UTC), or None for a complete history.
        n_contacts: Contacts on or before `as_of` (all of them without it).
        n_customers: Distinct customers among those contacts.
        n_repeat_contacts: Contacts that are followed (equally, repeats).
        n_repeat_customers: Customers with at least one repeat contact.
        n_pending: Contacts whose window is still open at `as_of`, not followed.
        n_excluded: Contacts after `as_of`, left out.
        customer_id: The customer ids, in input order.
        at: The contact times as naive-UTC `datetime64[us]`, in input order.
        is_followed: Per contact, whether it was followed within the window.
        is_repeat: Per contact, whether it came within the window after the
            same customer's previous contact.
        is_pending: Per contact, whether it is pending.

    Examples:
        >>> from crmkit.metrics import repeat_contact_rate
        >>> result = repeat_contact_rate(["a", "a", "b"],
        ...                              ["2025-01-01", "2025-01-03", "2025-01-02"])
        >>> result
        RepeatContactResult(n_contacts=3, within_days=7, rate=0.333)
        >>> result.is_followed.tolist(), result.is_repeat.tolist()
        ([True, False, False], [False, True, False])
    """

    rate: float | None = field()
    within_days: float = field()
    as_of: datetime | None = field()
    n_contacts: int = field()
    n_customers: int = field()
    n_repeat_contacts: int = field()
    n_repeat_customers: int = field()
    n_pending: int = field()
    n_excluded: int = field()
    customer_id: NDArray[Any] = array_field()
    at: NDArray[np.datetime64] = array_field()
    is_followed: NDArray[np.bool_] = array_field()
    is_repeat: NDArray[np.bool_] = array_field()
    is_pending: NDArray[np.bool_] = array_field()

    def __repr__(self) -> str:
        return (
            f"RepeatContactResult(n_contacts={self.n_contacts}, "
            f"within_days={self.within_days:g}, rate={_rate(self.rate)})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per contact, in input order.

        Columns `customer_id, at, is_followed, is_repeat, is_pending`; times
        come out timezone-aware (UTC).

        Examples:
            >>> from crmkit.metrics import repeat_contact_rate
            >>> frame = repeat_contact_rate(["a", "a"], ["2025-01-01", "2025-01-02"]).to_frame()
            >>> frame["is_repeat"].tolist()
            [False, True]
        """
        columns = {
            "customer_id": self.customer_id,
            "at": self.at,
            "is_followed": self.is_followed,
            "is_repeat": self.is_repeat,
            "is_pending": self.is_pending,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def repeat_contact_rate(
    customer_id: ArrayLike,
    at: ArrayLike,
    *,
    within_days: float = 7,
    as_of: date | datetime | None = None,
) -> RepeatContactResult:
    """Share of contacts followed by another contact of the same customer within N days.

    Pass the contacts you care about, e.g. only complaints for a repeat
    complaint rate. Each customer's contacts are put in time order and each
    is compared with the next one of the same customer (vectorised: one sort,
    no loop over rows). A contact is *followed* if that next contact is at
    most `within_days` days later; the later one is a *repeat*. The rate is
    the share of contacts that are followed, which equals the share that are
    repeats, since they pair up.

    Without `as_of`, the data is taken as a complete history: the last
    contacts simply were not followed. With `as_of`, contacts after it are
    left out, and a contact not followed yet whose window ends after `as_of`
    is pending and left out of the rate, so recent contacts do not pull it
    down.

    Args:
        customer_id: Who made each contact (strings or integers).
        at: When each contact was made; no missing values.
        within_days: The window in days, above 0 (fractions allowed), at
            most a century.
        as_of: Optional instant to look from: an aware datetime, or a date
            meaning the end of that day (UTC).

    Returns:
        The rate and the counts and per-contact flags behind it.

    Raises:
        InvalidInputError: If the arrays are empty or differ in length, an id
            or time is missing or does not parse, times mix naive and aware
            values, *within_days* is not above 0, or every contact is after
            `as_of`.
        InvalidTypeError: If an argument has the wrong type.

    Examples:
        Customer a gets in touch on 1, 3 and 20 January, b on 2 January. With
        a 7-day window, a's first contact is followed (2 days), the second is
        not (17 days), the others have no next contact: 1 of 4 is followed.
        Customer a's contact on 3 January is the one repeat.

        >>> from crmkit.metrics import repeat_contact_rate
        >>> result = repeat_contact_rate(
        ...     ["a", "a", "a", "b"],
        ...     ["2025-01-01", "2025-01-03", "2025-01-20", "2025-01-02"])
        >>> result.rate, result.n_repeat_contacts, result.n_repeat_customers
        (0.25, 1, 1)

        Looking from 22 January, a's contact of the 20th could still be
        followed by the 27th: it is pending, and 1 of 3 is followed.

        >>> from datetime import date
        >>> later = repeat_contact_rate(
        ...     ["a", "a", "a", "b"],
        ...     ["2025-01-01", "2025-01-03", "2025-01-20", "2025-01-02"],
        ...     as_of=date(2025, 1, 22))
        >>> round(later.rate, 3), later.n_pending
        (0.333, 1)
    """
    codes, labels = _columns.factorize("customer_id", _non_empty("customer_id", customer_id))
    times = _columns.timestamps("at", at)
    n = v.same_length(customer_id=codes, at=times)
    days = v.check_float("within_days", within_days, low=0.0, high=_MAX_WINDOW_DAYS, low_open=True)
    moment = None if as_of is None else v.as_of_instant(as_of)
    window = np.timedelta64(round(days * _DAY_US), "us")
    counted = np.ones(n, dtype=bool)
    if moment is not None:
        instant = v.utc_datetime64(moment)
        counted = times <= instant
        if not counted.any():
            first = np.datetime_as_string(times.min(), unit="auto")
            v.fail("as_of", f"at or after the first contact ({first})", moment)
    rows = np.flatnonzero(counted)
    order = rows[np.lexsort((times[rows], codes[rows]))]
    sorted_codes, sorted_times = codes[order], times[order]
    close = (sorted_codes[1:] == sorted_codes[:-1]) & (
        sorted_times[1:] - sorted_times[:-1] <= window
    )
    is_followed = np.zeros(n, dtype=bool)
    is_repeat = np.zeros(n, dtype=bool)
    is_followed[order[:-1]] = close
    is_repeat[order[1:]] = close
    is_pending = np.zeros(n, dtype=bool)
    if moment is not None:
        is_pending = counted & ~is_followed & (times + window > v.utc_datetime64(moment))
    n_contacts, n_pending = int(rows.size), int(is_pending.sum())
    n_repeats = int(close.sum())
    decided = n_contacts - n_pending
    return RepeatContactResult(
        rate=n_repeats / decided if decided else None,
        within_days=days,
        as_of=moment,
        n_contacts=n_contacts,
        n_customers=int(_groups.distinct_sorted(sorted_codes).size),
        n_repeat_contacts=n_repeats,
        n_repeat_customers=int(_groups.distinct_sorted(sorted_codes[1:][close]).size),
        n_pending=n_pending,
        n_excluded=n - n_contacts,
        customer_id=labels[codes],
        at=times,
        is_followed=is_followed,
        is_repeat=is_repeat,
        is_pending=is_pending,
    )
