"""Points for purchases: one event at a time, or millions at once, by the same rules.

Both paths compute `round(amount x rate) + bonus` exactly: the per-event path
in `Decimal`, the bulk path in integer arithmetic on cents and the rate as a
fraction, so they agree to the point for amounts with at most two decimals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

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
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DENSE_HOURS = 200_000  # ~23 years of hours: a table of them all beats finding the distinct ones
_SAFE_PRODUCT = 2.0**62  # below it (with float rounding to spare) cents x numerator fits int64


def rate_and_promotions(
    program: Program, *, category: str | None, channel: str | None, day: date, tier: Tier | None
) -> tuple[Decimal, int]:
    """A line's points rate, and a bit mask of the promotions that apply to it."""
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
        if applies and promotion.start <= day < promotion.end:
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
    for amount, category, channel in bought:
        rate, promotions = rate_and_promotions(
            program, category=category, channel=channel, day=day, tier=tier
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
    days = local_days(program, transactions.at)
    if not orders.single:
        days = days[orders.first[orders.index]]  # every line on its order's day
    cents = np.round(transactions.amount * _CENTS).astype(np.int64)
    cents[cents < 0] = 0  # returns earn nothing
    combination, rates = _rate_table(
        program, transactions, days, _tier_codes(program, tiers, transactions)
    )
    numerator = np.array([rate.numerator for rate, _ in rates], dtype=np.int64)[combination]
    denominator = np.array([rate.denominator for rate, _ in rates], dtype=np.int64)[combination]
    if program.rounding_per == "line" or orders.single:
        line = _exact_points(cents, numerator, denominator, program.rounding)
        points = orders.total(line)
    else:
        points = _order_rounded(orders, cents, numerator, denominator, program.rounding)
    if any(promotion.bonus_points for promotion in program.promotions):
        applied = np.array([mask for _, mask in rates], dtype=np.int64)[combination]
        applied[cents == 0] = 0
        points += _order_bonuses(program, orders.any_bits(applied))
    minimum = int((program.minimum_spend * _CENTS).to_integral_value(rounding=ROUND_CEILING))
    spent = orders.total(cents)
    points[(spent <= 0) | (spent < minimum)] = 0
    if program.max_points_per_order is not None:
        points = np.minimum(points, program.max_points_per_order)
    first_days = days if orders.single else days[orders.first]
    member = (
        transactions.customer_index if orders.single else transactions.customer_index[orders.first]
    )
    # The day's cap first, then the month's: as the per-event path applies them.
    if program.max_points_per_day is not None:
        day = first_days.astype(np.int64)
        points = _period_capped(points, member, day, program.max_points_per_day)
    if program.max_points_per_month is not None:
        month = first_days.astype("datetime64[M]").astype(np.int64)
        points = _period_capped(points, member, month, program.max_points_per_month)
    if orders.single:
        return points
    result = np.zeros(len(transactions), dtype=np.int64)
    result[orders.first] = points
    return result


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
    # In place where possible: this path is a handful of passes over the rows.
    scaled = transactions.amount * _CENTS
    np.rint(scaled, out=scaled)
    np.maximum(scaled, 0.0, out=scaled)  # returns earn nothing
    largest = float(scaled.max(initial=0.0))
    cents = scaled.astype(np.int64)
    if largest * rate.numerator >= _SAFE_PRODUCT:
        numerator = np.full(cents.size, rate.numerator, dtype=np.int64)
        denominator = np.full(cents.size, rate.denominator, dtype=np.int64)
        points = _exact_points(cents, numerator, denominator, program.rounding)
    else:
        values = cents if rate.numerator == 1 else cents * rate.numerator
        points = _rounded(values, rate.denominator * _CENTS, program.rounding)
    minimum = int((program.minimum_spend * _CENTS).to_integral_value(rounding=ROUND_CEILING))
    if minimum > 0:
        points[cents < minimum] = 0
    if program.max_points_per_order is not None:
        np.minimum(points, program.max_points_per_order, out=points)
    plain: IntArray = points
    return plain


class _Orders:
    """Rows grouped into orders: each row's order, each order's first row."""

    def __init__(self, index: IntArray, first: IntArray) -> None:
        self.index, self.first = index, first
        self.single = bool(first.size == index.size)  # one line per order: the rows
        if not self.single:
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

    def any_bits(self, masks: IntArray) -> IntArray:
        """Per order, the bitwise OR of its lines' masks."""
        if self.single:
            return masks
        merged: IntArray = np.bitwise_or.reduceat(masks[self.order], self.starts)
        return merged


def _orders(transactions: Transactions, order_id: ArrayLike | None) -> _Orders:
    n = len(transactions)
    if order_id is None:
        rows = np.arange(n, dtype=np.int64)
        return _Orders(rows, rows)
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
    orders: _Orders, cents: IntArray, numerator: IntArray, denominator: IntArray, rounding: str
) -> IntArray:
    """Per order, sum(cents x rate) / 100 rounded once: exact, over a common denominator."""
    common = math.lcm(*{int(d) for d in np.unique(denominator).tolist()})
    scale = common // denominator
    if (
        np.abs(cents.astype(np.float64) * numerator * scale).max(initial=0)
        * (np.bincount(orders.index).max(initial=1))
        < _SAFE_PRODUCT
    ):
        sums = orders.total(cents * numerator * scale)
        denominators = np.full(sums.size, common * _CENTS, dtype=np.int64)
        rounded: IntArray = _rounded(sums, denominators, rounding)
        return rounded
    # Rare (rates with many digits): Python integers, one order at a time.
    exact = [0] * orders.first.size
    for row in range(cents.size):
        exact[orders.index[row]] += int(cents[row]) * int(numerator[row]) * int(scale[row])
    values = _rounded(np.array(exact, dtype=object), common * _CENTS, rounding)
    if any(abs(value) >= 2**63 for value in values.tolist()):
        v.fail("transactions", "amounts whose points fit in 64 bits", v.described("larger"))
    points: IntArray = values.astype(np.int64)
    return points


def _order_bonuses(program: Program, applied: IntArray) -> IntArray:
    bonus = np.zeros(applied.size, dtype=np.int64)
    for bit, promotion in enumerate(program.promotions):
        bonus += ((applied >> bit) & 1) * promotion.bonus_points
    return bonus


def local_days(program: Program, at: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    """Each UTC instant's day in the program's timezone, as `datetime64[D]`.

    The offset is looked up at the start and end of each UTC hour the rows
    span; only rows in an hour where it changes (a DST switch, or the odd
    historical change at a quarter past) are looked up one by one.
    """
    micros = at.astype("datetime64[us]").astype(np.int64)
    if micros.size == 0:
        return micros.astype("datetime64[D]")
    low, high = int(micros.min()) // _HOUR_US, int(micros.max()) // _HOUR_US
    zone = program.zone
    if high - low < _DENSE_HOURS:
        offsets_spanned = {_offset_us(zone, h * _HOUR_US) for h in range(low, high + 2)}
        if len(offsets_spanned) == 1:  # one offset all along (no DST): no per-row lookup
            shifted: NDArray[np.datetime64] = ((micros + offsets_spanned.pop()) // _DAY_US).astype(
                "datetime64[D]"
            )
            return shifted
    hours = micros // _HOUR_US
    if high - low < _DENSE_HOURS:
        span, which = np.arange(low, high + 1), hours - low
    else:  # centuries apart: look up only the hours present
        span, which = np.unique(hours, return_inverse=True)
        which = which.reshape(-1)
    starts = np.array([_offset_us(zone, h * _HOUR_US) for h in span.tolist()], dtype=np.int64)
    ends = np.array(
        [_offset_us(zone, (h + 1) * _HOUR_US - 1) for h in span.tolist()], dtype=np.int64
    )
    offsets = starts[which]
    changing = (starts != ends)[which]
    if changing.any():
        offsets[changing] = [_offset_us(zone, m) for m in micros[changing].tolist()]
    return ((micros + offsets) // _DAY_US).astype("datetime64[D]")


def _offset_us(zone: Any, micros: int) -> int:
    moment = _EPOCH + timedelta(microseconds=micros)
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    return int(offset / timedelta(microseconds=1))


def _tier_codes(
    program: Program, tiers: ArrayLike | Mapping[str, str] | None, transactions: Transactions
) -> NDArray[np.int64]:
    """Per row, the tier's position in the program (-1: none)."""
    n = len(transactions)
    if tiers is None:
        return np.full(n, -1, dtype=np.int64)
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


def _rate_table(
    program: Program, transactions: Transactions, days: NDArray[np.datetime64], tiers: IntArray
) -> tuple[IntArray, list[tuple[Fraction, int]]]:
    """Per row, the index of its (category, channel, tier, promotions) case; each case's rate.

    Rates are worked out once per distinct case with the per-event code, so
    both paths apply literally the same rules. Only the categories and
    channels the program names matter, so the others share one code.
    """
    category, category_names = _labels(
        transactions.category, _named_categories(program), len(transactions)
    )
    channel, channel_names = _labels(
        transactions.channel, tuple(program.channel_multipliers), len(transactions)
    )
    promoted = np.zeros(len(transactions), dtype=np.int64)
    for bit, promotion in enumerate(program.promotions):
        inside = (days >= np.datetime64(promotion.start)) & (days < np.datetime64(promotion.end))
        promoted |= inside.astype(np.int64) << bit
    # One int64 per case: the codes side by side (each fits its few bits).
    key = category + 1
    for codes, size in (
        (channel + 1, len(channel_names) + 1),
        (tiers + 1, len(program.tiers) + 1),
    ):
        key = key * size + codes
    key = (key << len(program.promotions)) | promoted
    present = np.zeros(int(key.max(initial=0)) + 1, dtype=bool)
    present[key] = True
    numbering = np.cumsum(present) - 1
    combination = numbering[key]
    example = np.empty(int(present.sum()), dtype=np.int64)
    example[combination] = np.arange(key.size)  # any row of a case will do
    rates = []
    for row in example.tolist():
        rate, applied = rate_and_promotions(
            program,
            category=None if category[row] < 0 else str(category_names[category[row]]),
            channel=None if channel[row] < 0 else str(channel_names[channel[row]]),
            day=days[row].astype(object),
            tier=None if tiers[row] < 0 else program.tiers[int(tiers[row])],
        )
        rates.append((Fraction(rate), applied))
    return combination.astype(np.int64), rates


def _named_categories(program: Program) -> tuple[str, ...]:
    named = set(program.category_multipliers)
    for promotion in program.promotions:
        named |= set(promotion.categories)
    return tuple(sorted(named))


def _labels(
    values: NDArray[Any] | None, named: tuple[str, ...], n: int
) -> tuple[IntArray, NDArray[Any]]:
    """Codes of the values the program names (their position in *named*); -1 for the rest.

    One comparison per named value: far cheaper than factorising millions
    of strings when a program names a handful.
    """
    codes = np.full(n, -1, dtype=np.int64)
    if values is not None:
        for index, name in enumerate(named):
            codes[values == name] = index
    return codes, np.asarray(named, dtype=object)


def _exact_points(
    cents: IntArray, numerator: IntArray, denominator: IntArray, rounding: str
) -> IntArray:
    """Points for cents x rate / 100, rounded; rows that would overflow use Python ints."""
    big = np.abs(cents.astype(np.float64) * numerator) >= _SAFE_PRODUCT
    points = np.zeros(cents.size, dtype=np.int64)
    safe = ~big
    points[safe] = _rounded(cents[safe] * numerator[safe], denominator[safe] * _CENTS, rounding)
    if big.any():
        # Python integers never overflow; such rows are rare (a rate with many digits).
        exact = _rounded(
            cents[big].astype(object) * numerator[big].astype(object),
            denominator[big].astype(object) * _CENTS,
            rounding,
        )
        if any(abs(value) >= 2**63 for value in exact.tolist()):
            v.fail("transactions", "amounts whose points fit in 64 bits", v.described("larger"))
        points[big] = exact.astype(np.int64)
    return points


def _rounded(numerator: Any, denominator: Any, rounding: str) -> Any:
    """Numerator / denominator rounded as *rounding* says, exactly, for non-negative values."""
    if rounding == "floor":
        return numerator // denominator
    if rounding == "ceil":
        return -((-numerator) // denominator)
    return (2 * numerator + denominator) // (2 * denominator)


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
