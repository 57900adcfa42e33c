"""Tiers: who qualifies for which, upgrades at once, downgrades only at review."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._calendar import add_months
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.loyalty.earning import local_days
from crmkit.loyalty.ledger import Ledger
from crmkit.loyalty.program import Program

__all__ = ["TierReview", "TierStatus", "evaluate_tier", "review_tiers"]


@frozen(kw_only=True)
class TierStatus:
    """A member's tier at a moment, and what it takes to move up.

    Attributes:
        tier: The tier's name.
        qualifying_value: Points, spend or orders in the current window.
        next_tier: The tier above (None at the top).
        gap: What the member still needs for the next tier (None at the top).
        window_start: First day of the current qualifying window.
        next_review: Day of the next review, when a downgrade can happen.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, STANDARD_TIERS, evaluate_tier
        >>> program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)
        >>> status = evaluate_tier(Ledger.empty("m1"), program,
        ...                        as_of=datetime(2025, 6, 1, tzinfo=timezone.utc))
        >>> status.tier, status.gap
        ('standard', Decimal('1000'))
    """

    tier: str
    qualifying_value: Decimal
    next_tier: str | None
    gap: Decimal | None
    window_start: date
    next_review: date


def evaluate_tier(history: Ledger, program: Program, *, as_of: datetime) -> TierStatus:
    """Walk a member's history through the program's tier rules up to *as_of*.

    An earning that lifts the qualifying value over a higher threshold
    upgrades at once. At each review (the start of a calendar year, of the
    member's anniversary year, or of each month for a rolling window) the
    window just ended is judged, and a member below their tier's threshold
    moves down: one tier (`one_down`) or to the tier the value reaches
    (`recompute`), after `grace_days`. Qualifying value counts earnings net
    of their reversals: points, spend, or orders.

    Raises:
        InvalidInputError: If the program has no tiers, or *as_of* is naive.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, STANDARD_TIERS, earn, evaluate_tier
        >>> from crmkit.models import Money, Transaction
        >>> program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)
        >>> t = Transaction(id="o1", customer_id="m1", amount=Money("1200", "CNY"),
        ...                 at=datetime(2025, 3, 1, tzinfo=timezone.utc))
        >>> led = earn(Ledger.empty("m1"), program, t, key="o1")
        >>> status = evaluate_tier(led, program, as_of=datetime(2025, 6, 1, tzinfo=timezone.utc))
        >>> status.tier, status.next_tier, status.gap, status.next_review
        ('silver', 'gold', Decimal('3800'), datetime.date(2026, 1, 1))
    """
    if not isinstance(history, Ledger):
        v.fail_type("history", "a Ledger", history)
    if not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program", program)
    if not program.tiers:
        v.fail("program", "a program with tiers", program.name)
    moment = v.aware_datetime("as_of", as_of)
    events = _events(history, program, moment)
    first = events[0][0] if events else program.local_day(moment)
    today = program.local_day(moment)
    level = 0
    pending: tuple[date, int] | None = None  # a downgrade waiting for its grace days
    # A review opens its day: events that day belong to the new window.
    timeline = sorted(
        [(day, 1, "event") for day, _ in events]
        + [(review, 0, "review") for review in _reviews(program, first, today)]
    )
    for day, _, what in timeline:
        if pending is not None and pending[0] <= day:
            level, pending = min(level, pending[1]), None
        if what == "review":
            start, end = _judged_window(program, day)
            target = _reached(program, _value(events, start, end))
            if target < level:
                lower = level - 1 if program.tier_policy.downgrade == "one_down" else target
                pending = (
                    day + timedelta(days=program.tier_policy.grace_days),
                    max(lower, target),
                )
        else:
            start = _window_start(program, first, day)
            reached = _reached(program, _value(events, start, day + timedelta(days=1)))
            if reached > level:
                level, pending = reached, None  # an upgrade cancels a waiting downgrade
    if pending is not None and pending[0] <= today:
        level = min(level, pending[1])
    start = _window_start(program, first, today)
    value = _value(events, start, today + timedelta(days=1))
    above = program.tiers[level + 1] if level + 1 < len(program.tiers) else None
    return TierStatus(
        tier=program.tiers[level].name,
        qualifying_value=value,
        next_tier=None if above is None else above.name,
        gap=None if above is None else max(above.threshold - value, Decimal(0)),
        window_start=start,
        next_review=_next_review(program, first, today),
    )


def _events(ledger: Ledger, program: Program, moment: datetime) -> list[tuple[date, Decimal]]:
    """(local day, qualifying value) of each earning and reversal up to *moment*, in time order."""
    metric = program.tier_policy.metric
    earnings = {e.key: e for e in ledger.entries if e.kind in ("earn", "award")}
    events = []
    for entry in ledger.entries:
        if entry.at > moment:
            continue
        if entry.kind in ("earn", "award"):
            value = _qualifying(
                metric, entry.points, entry.amount, 1 if entry.kind == "earn" else 0
            )
        elif entry.kind == "reverse" and entry.reference in earnings:
            refund = entry.amount
            original = earnings[entry.reference]
            taken = -entry.points + entry.unrecovered
            whole = original.amount is not None and refund == original.amount
            value = -_qualifying(metric, taken, refund, 1 if whole else 0)
        else:
            continue
        events.append((program.local_day(entry.at), value))
    return sorted(events, key=lambda item: item[0])


def _qualifying(metric: str, points: int, amount: Any, orders: int) -> Decimal:
    if metric == "points":
        return Decimal(points)
    if metric == "spend":
        return Decimal(0) if amount is None else Decimal(amount.amount)
    return Decimal(orders)


def _value(events: list[tuple[date, Decimal]], start: date, end: date) -> Decimal:
    return sum((value for day, value in events if start <= day < end), Decimal(0))


def _reached(program: Program, value: Decimal) -> int:
    reached = 0
    for index, tier in enumerate(program.tiers):
        if value >= tier.threshold:
            reached = index
    return reached


def _window_start(program: Program, first: date, day: date) -> date:
    """First day of the qualifying window that contains *day*."""
    window = program.tier_policy.window
    if window == "calendar_year":
        return date(day.year, 1, 1)
    if window == "rolling_12_months":
        return add_months(day + timedelta(days=1), -12)
    years = day.year - first.year - (1 if (day.month, day.day) < (first.month, first.day) else 0)
    return add_months(first, 12 * years)


def _reviews(program: Program, first: date, today: date) -> list[date]:
    """Review days after the first activity, up to *today*."""
    reviews = []
    review = _next_review(program, first, first)
    while review <= today:
        reviews.append(review)
        review = _next_review(program, first, review)
    return reviews


def _next_review(program: Program, first: date, day: date) -> date:
    """The first review day after *day*."""
    window = program.tier_policy.window
    if window == "calendar_year":
        return date(day.year + 1, 1, 1)
    if window == "rolling_12_months":
        return add_months(date(day.year, day.month, 1), 1)
    return add_months(_window_start(program, first, day), 12)


def _judged_window(program: Program, review: date) -> tuple[date, date]:
    """The window a review judges: the one ending the day before it."""
    if program.tier_policy.window == "calendar_year":
        return date(review.year - 1, 1, 1), date(review.year, 1, 1)
    return add_months(review, -12), review


@frozen(kw_only=True, repr=False)
class TierReview:
    """Every member's tier after a review.

    Attributes:
        member_ids: The members, sorted.
        qualifying_value: Each member's value in the window reviewed.
        tier: Each member's tier after the review.
        previous: Each member's tier before it ("" when not given).
        counts: Members per tier after the review, lowest tier first.

    Examples:
        >>> from datetime import date
        >>> import numpy as np
        >>> from crmkit.loyalty import Program, STANDARD_TIERS, review_tiers
        >>> program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)
        >>> review_tiers(["m1"], np.array(["2024-03-01"], dtype="datetime64[us]"), [1500],
        ...              program, as_of=date(2025, 1, 1))
        TierReview(n_members=1, counts={'standard': 0, 'silver': 1, 'gold': 0, 'diamond': 0})
    """

    member_ids: NDArray[Any] = array_field()
    qualifying_value: NDArray[np.float64] = array_field()
    tier: NDArray[np.str_] = array_field()
    previous: NDArray[np.str_] = array_field()
    counts: Mapping[str, int] = field()

    def __repr__(self) -> str:
        return f"TierReview(n_members={self.member_ids.size}, counts={dict(self.counts)})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `member_id, qualifying_value, previous, tier`.

        Examples:
            >>> from datetime import date
            >>> import numpy as np
            >>> from crmkit.loyalty import Program, STANDARD_TIERS, review_tiers
            >>> program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)
            >>> review = review_tiers(["m1"], np.array(["2024-03-01"], dtype="datetime64[us]"),
            ...                       [1500], program, as_of=date(2025, 1, 1))
            >>> review.to_frame().columns.tolist()
            ['member_id', 'qualifying_value', 'previous', 'tier']
        """
        columns = {
            "member_id": self.member_ids,
            "qualifying_value": self.qualifying_value,
            "previous": self.previous,
            "tier": self.tier,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def review_tiers(
    member_id: ArrayLike,
    at: ArrayLike,
    value: ArrayLike,
    program: Program,
    *,
    as_of: date,
    current: Mapping[str, str] | None = None,
) -> TierReview:
    """Review every member's tier at once from columns of qualifying events.

    Each row is one qualifying event (a purchase's points, spend or 1 for an
    order); the review judges the window ending the day before *as_of*
    (the calendar year, or the 12 months, before it; anniversary windows
    need each member's history: use `evaluate_tier`). Members reach the
    highest tier their value meets; with *current* tiers, a member below
    their tier moves down per the policy (`one_down` or `recompute`) and
    one above it moves up.

    Raises:
        InvalidInputError: If lengths differ, a value is negative, the
            program has no tiers or an anniversary window, or a current tier
            is unknown.

    Examples:
        >>> from datetime import date
        >>> import numpy as np
        >>> from crmkit.loyalty import Program, STANDARD_TIERS, review_tiers
        >>> program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)
        >>> review = review_tiers(
        ...     ["m1", "m1", "m2"],
        ...     np.array(["2024-03-01", "2024-11-05", "2024-06-01"], dtype="datetime64[us]"),
        ...     [800, 600, 300], program, as_of=date(2025, 1, 1),
        ...     current={"m1": "standard", "m2": "gold"})
        >>> review.tier.tolist()
        ['silver', 'silver']
    """
    if not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program", program)
    if not program.tiers:
        v.fail("program", "a program with tiers", program.name)
    if program.tier_policy.window == "anniversary":
        v.fail("program", "a calendar-year or rolling window (use evaluate_tier)", "anniversary")
    codes, members = _members(member_id, current)
    times = _columns.timestamps("at", at)
    values = v.float_array("value", value, low=0.0)
    v.same_length(member_id=codes, at=times, value=values)
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        v.fail_type("as_of", "a date (the review day)", as_of)
    start, end = _judged_window(program, as_of)
    # Days in the program's timezone, so an event on the last local evening counts.
    days = local_days(program, times)
    inside = (days >= np.datetime64(start)) & (days < np.datetime64(end))
    totals = np.bincount(codes[inside], weights=values[inside], minlength=members.size).astype(
        np.float64
    )
    thresholds = np.array([float(t.threshold) for t in program.tiers])
    target = np.searchsorted(thresholds, totals, side="right") - 1
    before = _current_codes(program, members, current)
    level = target.copy()
    known = before >= 0
    down = known & (target < before)
    if program.tier_policy.downgrade == "one_down":
        level[down] = before[down] - 1
    names = np.array([t.name for t in program.tiers])
    counts = np.bincount(level, minlength=len(program.tiers))
    return TierReview(
        member_ids=members,
        qualifying_value=totals,
        tier=names[level],
        previous=np.where(known, names[np.maximum(before, 0)], ""),
        counts=dict(zip(names.tolist(), counts.tolist(), strict=True)),
    )


def _members(
    member_id: ArrayLike, current: Mapping[str, str] | None
) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Codes of the event rows, and every member: those with events and those in *current*."""
    codes, labels = _columns.factorize("member_id", member_id)
    if not current or not isinstance(current, Mapping):
        return codes, labels
    everyone = np.array(sorted(set(labels.tolist()) | {str(m) for m in current}))
    return np.searchsorted(everyone, labels.astype(everyone.dtype))[codes], everyone


def _current_codes(
    program: Program, members: NDArray[Any], current: Mapping[str, str] | None
) -> NDArray[np.int64]:
    codes = np.full(members.size, -1, dtype=np.int64)
    if current is None:
        return codes
    if not isinstance(current, Mapping):
        v.fail_type("current", "a mapping of member id to tier name", current)
    names = [t.name for t in program.tiers]
    for index, member in enumerate(members.tolist()):
        tier = current.get(member)
        if tier is None:
            continue
        if tier not in names:
            v.fail(f"current[{member!r}]", f"a tier of the program ({', '.join(names)})", tier)
        codes[index] = names.index(tier)
    return codes
