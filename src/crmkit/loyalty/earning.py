"""Points for purchases: one event at a time, or millions at once, by the same rules.

Both paths compute `round(amount x rate) + bonus` exactly: the per-event path
in `Decimal`, the bulk path in integer arithmetic on cents and the rate as a
fraction, so they agree to the point for amounts with at most two decimals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crmkit import _validation as v
from crmkit.errors import CurrencyMismatchError
from crmkit.loyalty.program import Program, Tier
from crmkit.transactions import Transactions

__all__ = ["points_for_transactions"]

IntArray = NDArray[np.int64]
_DECIMAL_ROUNDING = {"floor": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "ceil": ROUND_CEILING}
_CENTS = 100
_HOUR_US = 3_600_000_000
_DAY_US = 86_400_000_000
_EPOCH_DAY = date(1970, 1, 1)
_DENSE_HOURS = 200_000  # ~23 years of hours: a table of them all beats finding the distinct ones
_SAFE_PRODUCT = 2**62  # below it cents x numerator (x 2 to round half up) fits int64
_FEW_EDGES = 8  # promotion edges up to which a pass per edge beats a binary search per row
_EVERY_CASE = 256  # cases up to which all are worked out rather than found
_COUNTED_CASES = 1 << 24  # cases up to which the present ones are found by counting


def promotions_on(program: Program, day: date) -> int:
    """Bit mask of the promotions whose window holds the local *day*."""
    return sum(1 << bit for bit, p in enumerate(program.promotions) if p.start <= day < p.end)


def rate_and_promotions(
    program: Program,
    *,
    category: str | None,
    channel: str | None,
    tier: Tier | None,
    in_window: int,
) -> tuple[Decimal, int]:
    """A line's points rate, and a bit mask of the promotions that apply to it.

    *in_window* is the mask of the promotions running on the line's day
    (`promotions_on`); a promotion limited to some categories applies only
    to lines of those.
    """
    rate = program.points_per_unit
    if category is not None:
        rate *= program.category_multipliers.get(category, Decimal(1))
    if channel is not None:
        rate *= program.channel_multipliers.get(channel, Decimal(1))
    if tier is not None:
        rate *= tier.multiplier
    applied = 0
    for bit, promotion in enumerate(program.promotions):
        applies = not promotion.categories or category in promotion.categories
        if applies and in_window >> bit & 1:
            rate *= promotion.multiplier
            applied |= 1 << bit
    return rate, applied


def bonus_points(program: Program, applied: int) -> int:
    """The fixed bonuses of the promotions in the mask: each once per order."""
    return sum(p.bonus_points for bit, p in enumerate(program.promotions) if applied >> bit & 1)


Line = tuple[Decimal, str | None, str | None]
"""One order line: amount, category, channel."""


def order_points(program: Program, lines: list[Line], *, day: date, tier: Tier | None) -> int:
    """Points for one order, with the per-order cap; before the caps per day and month.

    Its lines' amount x rate, rounded per order or per line, plus each
    applicable promotion's bonus once. Lines with amounts <= 0 (returns)
    earn nothing.
    """
    bought = [line for line in lines if line[0] > 0]
    total = sum((amount for amount, _, _ in bought), Decimal(0))
    if total <= 0 or total < program.minimum_spend:
        return 0
    mode = _DECIMAL_ROUNDING[program.rounding]
    values, applied = [], 0
    in_window = promotions_on(program, day)
    for amount, category, channel in bought:
        rate, promotions = rate_and_promotions(
            program, category=category, channel=channel, tier=tier, in_window=in_window
        )
        values.append(amount * rate)
        applied |= promotions
    if program.rounding_per == "line":
        points = sum(int(value.to_integral_value(rounding=mode)) for value in values)
    else:
        points = int(sum(values, Decimal(0)).to_integral_value(rounding=mode))
    points += bonus_points(program, applied)
    if program.max_points_per_order is not None:
        points = min(points, program.max_points_per_order)
    return points


def points_for_transactions(
    program: Program,
    transactions: Transactions,
    *,
    tiers: ArrayLike | Mapping[str, str] | None = None,
    order_id: ArrayLike | None = None,
) -> IntArray:
    """Points each purchase earns, for millions of purchases at once.

    The same rules as [`earn`][crmkit.loyalty.earn]: rates and multipliers,
    promotions by local day, rounding per order or per line, minimum spend,
    the caps per order and per member and local day and month (in time
    order); refunds and zero amounts earn nothing. Exact for amounts with at
    most two decimals.

    Args:
        program: The program.
        transactions: The purchases, in the program's currency.
        tiers: Each member's tier, as a mapping of member id to tier name, or
            one name per row in the bundle's order (customer, then time) for
            tiers that change over time (None: no tier multiplier).
        order_id: Order of each row, in the bundle's order, when an order has
            several lines (None: each row is an order). An order's points
            are reported on its first row and 0 on the others; its day is
            its first line's.

    Returns:
        Points per row, in the bundle's order (customer, then time).

    Raises:
        InvalidInputError: If a tier is not one of the program's.
        CurrencyMismatchError: If the bundle's currency is not the program's
            (a bundle without a currency is refused too: say what it is).
        InvalidTypeError: If *program* or *transactions* has the wrong type.

    Examples:
        >>> import numpy as np
        >>> from crmkit import Transactions
        >>> from crmkit.loyalty import Program, points_for_transactions
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["m1", "m1", "m2"], amount=[128.5, 9.99, 40.0],
        ...     at=np.array(["2025-03-01", "2025-03-02", "2025-03-01"],
        ...                 dtype="datetime64[us]"),
        ...     currency="CNY")
        >>> points_for_transactions(Program.simple(currency="CNY"), txns).tolist()
        [128, 9, 40]
    """
    if not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program", program)
    if not isinstance(transactions, Transactions):
        v.fail_type("transactions", "a Transactions bundle", transactions)
    if transactions.currency != program.currency:
        message = (
            f"'transactions' must be in the program's currency {program.currency}; "
            f"got {transactions.currency}"
        )
        raise CurrencyMismatchError(
            message,
            currencies=(program.currency, str(transactions.currency)),
            argument="transactions",
            value=transactions.currency,
        )
    if tiers is None and order_id is None and _is_plain(program):
        return _plain_points(program, transactions)
    orders = _orders(transactions, order_id)
    micros = _micros(transactions.at)
    offset = _constant_offset(program.zone, micros)
    cents = _cents(transactions.amount)
    windows = _promotion_windows(program, micros, offset)
    if windows is not None:  # every line on its order's day
        windows = (orders.on_first_line(windows[0]), windows[1])
    table = _rate_table(program, transactions, windows, _tier_codes(program, tiers, transactions))
    numerator = table.numerators[table.case]
    if program.rounding_per == "line" or orders.single:
        line = _exact_points(cents, numerator, table.denominator, program.rounding)
        points = orders.total(line)
    else:
        points = _order_rounded(orders, cents, numerator, table.denominator, program.rounding)
    _add_bonuses(program, table, cents, orders, points)
    # Lines of 0 (returns included) earn nothing and add no bonus: only the minimum is left.
    minimum = _cents_of(program.minimum_spend)
    if minimum > 0:
        points[orders.total(cents) < minimum] = 0
    if program.max_points_per_order is not None:
        np.minimum(points, program.max_points_per_order, out=points)
    if program.max_points_per_day is not None or program.max_points_per_month is not None:
        member = orders.on_first_rows(transactions.customer_index)
        days = _local_day_numbers(program.zone, orders.on_first_rows(micros), offset)
        points = _capped_by_period(program, points, member, days)
    return orders.per_row(points)


def _is_plain(program: Program) -> bool:
    """One rate for every row: no multipliers, promotions or caps per day or month."""
    return not (
        program.category_multipliers
        or program.channel_multipliers
        or program.promotions
        or program.max_points_per_day is not None
        or program.max_points_per_month is not None
    )


def _plain_points(program: Program, transactions: Transactions) -> IntArray:
    """The common simple program, without the case table, local days or order grouping.

    The same exact arithmetic as the general path: cents x rate / 100 rounded,
    the rate as a fraction.
    """
    rate = Fraction(program.points_per_unit)
    cents = _cents(transactions.amount)
    points = _exact_points(cents, rate.numerator, rate.denominator, program.rounding)
    minimum = _cents_of(program.minimum_spend)
    if minimum > 0:
        points[cents < minimum] = 0
    if program.max_points_per_order is not None:
        np.minimum(points, program.max_points_per_order, out=points)
    return points


def _cents(amount: NDArray[np.float64]) -> IntArray:
    """Amounts in whole cents; returns (negative amounts) as 0: they earn nothing."""
    # In place after the first product: a handful of passes over the rows.
    scaled = amount * _CENTS
    np.rint(scaled, out=scaled)
    np.maximum(scaled, 0.0, out=scaled)
    cents: IntArray = scaled.astype(np.int64)
    return cents


def _cents_of(amount: Decimal) -> int:
    """A threshold in whole cents, rounded up: spend below it stays below."""
    return int((amount * _CENTS).to_integral_value(rounding=ROUND_CEILING))


def _micros(at: NDArray[np.datetime64]) -> IntArray:
    """Microseconds since the epoch, without a copy when the times already are."""
    if at.dtype == np.dtype("datetime64[us]"):
        return at.view(np.int64)
    micros: IntArray = at.astype("datetime64[us]").astype(np.int64)
    return micros


class _Orders:
    """Rows grouped into orders: each row's order, each order's first row.

    Without an order id each row is an order (`single`) and no index arrays
    are built: every method is then the identity.
    """

    def __init__(self, index: IntArray | None = None, first: IntArray | None = None) -> None:
        self.index, self.first = index, first
        self.single = index is None or first is None or first.size == index.size
        if index is not None and first is not None and not self.single:
            self.order = np.argsort(index, kind="stable")
            self.starts = np.searchsorted(index[self.order], np.arange(first.size))

    def total(self, values: IntArray) -> IntArray:
        """Per order, the exact int64 sum of its lines' values.

        When each order is one row, the values themselves (not a copy).
        """
        if self.single:  # the orders are the rows, in order
            return values
        totals: IntArray = np.add.reduceat(values[self.order], self.starts)
        return totals

    def any(self, flags: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Per order, whether any of its lines is flagged."""
        if self.single:
            return flags
        merged: NDArray[np.bool_] = np.logical_or.reduceat(flags[self.order], self.starts)
        return merged

    def on_first_rows(self, values: NDArray[Any]) -> NDArray[Any]:
        """Per order, the value on its first row."""
        return values if self.single or self.first is None else values[self.first]

    def on_first_line(self, values: IntArray) -> IntArray:
        """Per row, the value on its order's first row (an order's day is its first line's)."""
        if self.single or self.first is None or self.index is None:
            return values
        spread: IntArray = values[self.first[self.index]]
        return spread

    def per_row(self, points: IntArray) -> IntArray:
        """Per row: an order's points on its first row, 0 on its other lines."""
        if self.single or self.first is None or self.index is None:
            return points
        result = np.zeros(self.index.size, dtype=np.int64)
        result[self.first] = points
        return result


def _orders(transactions: Transactions, order_id: ArrayLike | None) -> _Orders:
    if order_id is None:
        return _Orders()
    n = len(transactions)
    ids = v.one_dimensional("order_id", order_id)
    if ids.size != n:
        v.fail(
            "order_id", f"one order id per transaction ({n})", v.described(f"{ids.size} values")
        )
    # An order belongs to one member: the same id at two members is two orders.
    _, codes = np.unique(ids.astype(str), return_inverse=True)
    key = transactions.customer_index.astype(np.int64) * (int(codes.max()) + 1) + codes.reshape(-1)
    _, first, index = np.unique(key, return_index=True, return_inverse=True)
    index = index.reshape(-1).astype(np.int64)
    # Orders numbered by their first row, so that they run by member, then time.
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return _Orders(rank[index], np.sort(first).astype(np.int64))


def _order_rounded(
    orders: _Orders, cents: IntArray, numerator: IntArray, denominator: int, rounding: str
) -> IntArray:
    """Per order, sum(cents x numerator) / (denominator x 100) rounded once, exactly."""
    scale = denominator * _CENTS
    lines = int(np.bincount(orders.index).max(initial=1)) if orders.index is not None else 1
    if _largest_product(cents, numerator) * lines < _SAFE_PRODUCT and scale < _SAFE_PRODUCT:
        rounded: IntArray = _rounded(orders.total(cents * numerator), scale, rounding)
        return rounded
    # Rare (rates with many digits): Python integers, one order at a time.
    exact = [0] * (orders.first.size if orders.first is not None else cents.size)
    index = orders.index if orders.index is not None else np.arange(cents.size)
    for row in range(cents.size):
        exact[index[row]] += int(cents[row]) * int(numerator[row])
    return _as_points(_rounded(np.array(exact, dtype=object), scale, rounding))


def local_days(program: Program, at: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    """Each UTC instant's day in the program's timezone, as `datetime64[D]`."""
    micros = _micros(at)
    days = _local_day_numbers(program.zone, micros, _constant_offset(program.zone, micros))
    return days.astype("datetime64[D]")


def _constant_offset(zone: Any, micros: IntArray) -> int | None:
    """The zone's UTC offset in microseconds, if it is one offset over all of *micros*.

    The offset is looked up at the start of each UTC day the rows span and
    the day after: no zone changes its offset and back within a day, so a
    change between two lookups shows as two offsets. None when it changes,
    or for spans of decades.
    """
    if micros.size == 0:
        return 0
    low, high = int(micros.min()) // _DAY_US, int(micros.max()) // _DAY_US
    if high - low >= _DENSE_HOURS // 24:
        return None
    epoch = datetime(1970, 1, 1, tzinfo=zone)
    offsets = {_offset_us(zone, epoch, d * _DAY_US) for d in range(low, high + 2)}
    return offsets.pop() if len(offsets) == 1 else None


def _local_day_numbers(zone: Any, micros: IntArray, offset: int | None) -> IntArray:
    """Days since the epoch in the zone's local time; *offset* from `_constant_offset`.

    When the offset changes, it is looked up at the start and end of each UTC
    hour the rows span; only rows in an hour where it changes (a DST switch,
    or the odd historical change at a quarter past) are looked up one by one.
    """
    if offset is not None:
        days: IntArray = (micros + offset) // _DAY_US
        return days
    epoch = datetime(1970, 1, 1, tzinfo=zone)
    hours = micros // _HOUR_US
    low, high = int(hours.min()), int(hours.max())
    if high - low < _DENSE_HOURS:
        span, which = np.arange(low, high + 1), hours - low
    else:  # centuries apart: look up only the hours present
        span, which = np.unique(hours, return_inverse=True)
        which = which.reshape(-1)
    starts = np.array([_offset_us(zone, epoch, h * _HOUR_US) for h in span.tolist()])
    ends = np.array([_offset_us(zone, epoch, (h + 1) * _HOUR_US - 1) for h in span.tolist()])
    offsets = starts[which].astype(np.int64)
    changing = (starts != ends)[which]
    if changing.any():
        offsets[changing] = [_offset_us(zone, epoch, m) for m in micros[changing].tolist()]
    shifted: IntArray = (micros + offsets) // _DAY_US
    return shifted


def _offset_us(zone: Any, epoch: datetime, micros: int) -> int:
    """The zone's UTC offset at *micros* after the epoch; *epoch* is 1970-01-01 in *zone*."""
    # fromutc reads the wall fields as UTC: the cheapest exact lookup zoneinfo offers.
    local = zone.fromutc(epoch + timedelta(microseconds=micros))
    offset = local.utcoffset() or timedelta(0)
    return int(offset / timedelta(microseconds=1))


def _promotion_windows(
    program: Program, micros: IntArray, offset: int | None
) -> tuple[IntArray, list[int]] | None:
    """Per row, the stretch of time it falls in between promotions' first and end days.

    Returned with each stretch's promotions as a bit mask. Time is compared as
    local day numbers, or as instants against the days' UTC bounds when the
    offset is one throughout (no day arithmetic per row).
    """
    if not program.promotions:
        return None
    if offset is None:
        clock, scale, shift = _local_day_numbers(program.zone, micros, None), 1, 0
    else:
        clock, scale, shift = micros, _DAY_US, offset
    windows = [
        ((p.start - _EPOCH_DAY).days * scale - shift, (p.end - _EPOCH_DAY).days * scale - shift)
        for p in program.promotions
    ]
    edges = sorted({edge for window in windows for edge in window})
    if len(edges) > _FEW_EDGES:
        stretch = np.searchsorted(np.array(edges, dtype=np.int64), clock, side="right")
    else:  # a pass per edge beats a binary search per row
        stretch = np.zeros(clock.size, dtype=np.int64)
        for edge in edges:
            stretch += clock >= edge
    # A stretch's promotions are those running at its first moment.
    firsts = [edges[0] - 1, *edges]
    masks = [
        sum(1 << bit for bit, (start, end) in enumerate(windows) if start <= first < end)
        for first in firsts
    ]
    return stretch.astype(np.int64, copy=False), masks


def _tier_codes(
    program: Program, tiers: ArrayLike | Mapping[str, str] | None, transactions: Transactions
) -> NDArray[np.int64] | None:
    """Per row, the tier's position in the program (None without tiers)."""
    n = len(transactions)
    if tiers is None:
        return None
    if isinstance(tiers, Mapping):
        by_member = np.array(
            [str(tiers.get(member, "")) for member in transactions.customer_ids.tolist()]
        )
        missing = by_member == ""
        if missing.any():
            v.fail_rows("tiers", "a tier for every member", transactions.customer_ids, missing)
        tiers = by_member[transactions.customer_index]
    names = v.one_dimensional("tiers", tiers)
    if names.size != n:
        v.fail("tiers", f"one tier per transaction ({n})", v.described(f"{names.size} values"))
    codes = np.full(n, -2, dtype=np.int64)
    for index, tier in enumerate(program.tiers):
        codes[names == tier.name] = index
    if (codes == -2).any():
        allowed = f"tiers of the program ({', '.join(t.name for t in program.tiers)})"
        v.fail_rows("tiers", allowed, names, codes == -2)
    return codes


class _RateTable(NamedTuple):
    """Each row's case (category, channel, tier, promotions) and each case's rate."""

    case: IntArray
    numerators: NDArray[Any]
    """Per case, its rate x `denominator` (int64, or Python ints when larger)."""
    denominator: int
    """A common denominator of every case's rate."""
    applied: list[int]
    """Per case, the bit mask of the promotions it gets."""


Digit = tuple[str, IntArray, list[Any]]
"""One part of a case: its role, the code of each row, what each code stands for."""


def _rate_table(
    program: Program,
    transactions: Transactions,
    windows: tuple[IntArray, list[int]] | None,
    tiers: IntArray | None,
) -> _RateTable:
    """Number each row's case; work out each case's rate with the per-event code.

    So both paths apply literally the same rules. Only the categories and
    channels the program names matter (the others share one code); a case is
    its codes as the digits of one number, and rows of a program without a
    rule that tells them apart share case 0.
    """
    digits: list[Digit] = []
    categories = _named_categories(program)
    if categories and transactions.category is not None:
        codes = _codes(transactions.category, categories)
        digits.append(("category", codes, [None, *categories]))
    channels = tuple(program.channel_multipliers)
    if channels and transactions.channel is not None:
        digits.append(("channel", _codes(transactions.channel, channels), [None, *channels]))
    if tiers is not None:
        digits.append(("tier", tiers + 1, [None, *program.tiers]))
    if windows is not None:
        digits.append(("in_window", *windows))
    # Every digit's codes are a new array: the first becomes the case numbers in place.
    case = digits[0][1] if digits else np.zeros(len(transactions), dtype=np.int64)
    for _, codes, meanings in digits[1:]:
        case *= len(meanings)
        case += codes
    case, numbers = _cases_present(case, math.prod(len(meanings) for *_, meanings in digits))
    rates, applied = [], []
    for number in numbers:
        details: dict[str, Any] = {"category": None, "channel": None, "tier": None, "in_window": 0}
        for role, _, meanings in reversed(digits):
            number, code = divmod(number, len(meanings))
            details[role] = meanings[code]
        rate, mask = rate_and_promotions(program, **details)
        rates.append(Fraction(rate))
        applied.append(mask)
    denominator = math.lcm(*(rate.denominator for rate in rates))
    numerators = [rate.numerator * (denominator // rate.denominator) for rate in rates]
    fits = max(numerators, default=0) < _SAFE_PRODUCT
    table = np.array(numerators, dtype=np.int64 if fits else object)
    return _RateTable(case, table, denominator, applied)


def _cases_present(case: IntArray, size: int) -> tuple[IntArray, list[int]]:
    """The case of each row as an index into the cases present, and the case numbers.

    Few possible cases are all worked out (absent ones cost a little Python);
    more are found by counting, and a vast number by sorting.
    """
    if size <= _EVERY_CASE:
        return case, list(range(size))
    if size <= _COUNTED_CASES:
        present = np.flatnonzero(np.bincount(case, minlength=size))
        dense = np.zeros(size, dtype=np.int64)
        dense[present] = np.arange(present.size)
        return dense[case], present.tolist()
    numbers, index = np.unique(case, return_inverse=True)
    return index.reshape(-1).astype(np.int64), numbers.tolist()


def _named_categories(program: Program) -> tuple[str, ...]:
    named = set(program.category_multipliers)
    for promotion in program.promotions:
        named |= set(promotion.categories)
    return tuple(sorted(named))


def _codes(values: NDArray[Any], named: tuple[str, ...]) -> IntArray:
    """1 + the position in *named* of each value it holds; 0 for the rest.

    One comparison per named value: far cheaper than factorising millions
    of strings when a program names a handful.
    """
    codes = np.zeros(values.size, dtype=np.int64)
    for index, name in enumerate(named, start=1):
        codes[values == name] = index
    return codes


def _exact_points(
    cents: IntArray, numerator: NDArray[Any] | int, denominator: int, rounding: str
) -> IntArray:
    """Points for cents x numerator / (denominator x 100), rounded, exactly.

    In int64 when no product can overflow it (the bound is checked, not
    hoped for); otherwise in Python integers (rates with many digits).
    """
    scale = denominator * _CENTS
    if _largest_product(cents, numerator) < _SAFE_PRODUCT and scale < _SAFE_PRODUCT:
        values = cents if isinstance(numerator, int) and numerator == 1 else cents * numerator
        points: IntArray = _rounded(values, scale, rounding)
        return points
    exact = cents.astype(object) * (
        numerator.astype(object) if isinstance(numerator, np.ndarray) else numerator
    )
    return _as_points(_rounded(exact, scale, rounding))


def _largest_product(cents: IntArray, numerator: NDArray[Any] | int) -> int:
    """An upper bound of cents x numerator over the rows, as a Python int (exact)."""
    largest = int(np.max(numerator, initial=0)) if isinstance(numerator, np.ndarray) else numerator
    return int(cents.max(initial=0)) * largest


def _as_points(values: NDArray[Any]) -> IntArray:
    """Python-int points as int64, refused if any does not fit."""
    if any(abs(value) >= 2**63 for value in values.tolist()):
        v.fail("transactions", "amounts whose points fit in 64 bits", v.described("larger"))
    points: IntArray = values.astype(np.int64)
    return points


def _rounded(numerator: Any, denominator: Any, rounding: str) -> Any:
    """Numerator / denominator rounded as *rounding* says, exactly, for non-negative values."""
    if rounding == "floor":
        return numerator // denominator
    if rounding == "ceil":
        return -((-numerator) // denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def _add_bonuses(
    program: Program, table: _RateTable, cents: IntArray, orders: _Orders, points: IntArray
) -> None:
    """Add to each order's points the bonuses its bought lines get, each promotion's once."""
    bought = cents > 0
    for bit, promotion in enumerate(program.promotions):
        if promotion.bonus_points:
            gets = np.array([mask >> bit & 1 for mask in table.applied], dtype=bool)
            points += orders.any(gets[table.case] & bought) * promotion.bonus_points


def _capped_by_period(
    program: Program, points: IntArray, member: IntArray, days: IntArray
) -> IntArray:
    """Points after the caps per member and local day, then month (as the per-event path)."""
    if program.max_points_per_day is not None:
        points = _period_capped(points, member, days, program.max_points_per_day)
    if program.max_points_per_month is not None:
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        points = _period_capped(points, member, month, program.max_points_per_month)
    return points


def _period_capped(points: IntArray, member: IntArray, period: IntArray, cap: int) -> IntArray:
    """Points after a cap per member and period, first come first served in time order."""
    new_group = np.ones(points.size, dtype=bool)
    new_group[1:] = (member[1:] != member[:-1]) | (period[1:] != period[:-1])
    # Rows are by member then time, so a member's day (or month) is one contiguous run.
    total = np.cumsum(points)
    start = np.maximum.accumulate(np.where(new_group, np.arange(points.size), 0))
    before = np.where(start > 0, total[start - 1], 0)
    running = np.minimum(total - before, cap)
    previous = np.where(new_group, 0, np.concatenate([[0], running[:-1]]))
    capped: IntArray = running - previous
    return capped
