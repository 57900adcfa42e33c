"""Loyalty cases: bulk points for 10M purchases, and replaying ledger events one by one.

- `points_10m`: `points_for_transactions(program, txns)` on 10M purchases of
  ~1M members (a `Transactions` built untimed in setup with `from_arrays`:
  sparse int64 ids, amounts with two decimals, UTC timestamps over 2025, a
  category column) under a realistic program (`PROGRAM`: 1 point per CNY,
  beverage x2 and electronics x0.5, a "double 11" promotion x2 from 1 to 11
  November in the program's timezone Asia/Shanghai, rounding down, at most
  1,000 points per order). The baseline is the physical floor the issue names,
  a bare numpy multiply-and-floor over the same amounts: `np.floor(amount *
  1.0)` on the float64 column (issue 7's aim: crmkit within 3x of it, ratio >=
  0.33). The check is in two parts. Against an exact reference computed
  independently in setup (untimed) from the integer cents the amounts were
  drawn as: the local day as UTC + 8 h (Shanghai has had no daylight saving
  since 1991), the rate as a fraction, `cents * num // (den * 100)` and the cap,
  every row must be identical. Against the baseline, every row where the rules
  coincide with `floor(amount x 1)` (a category without multiplier, outside the
  promotion, below the cap; ~63% of rows) must be identical, and the rows where
  they do not must differ somewhere (else the program would not be exercised).
  The reference rides along with the baseline's result (built in setup, so it
  costs the baseline nothing).
- `points_10m_rules`: the same run against the floor of those rules: `PROGRAM`
  written straight in numpy on the same columns (a rate per row from string
  comparisons with the two named categories, the promotion by the local day
  as UTC + 8 h, multiply, floor, cap; float64, exact here as the multipliers
  are powers of two). Reading the 10M category strings alone costs about twice
  the bare floor per named category, so this, not the multiply-and-floor, is
  what a program with category rules can be measured against. Every row must be
  identical to the exact reference and to this baseline.
- `points_10m_plain`: the same purchases under `PLAIN` (1 point per CNY, no
  multipliers, promotions or caps: the rules coincide with the floor on every
  row), against the same floor; the check requires crmkit, the float floor and
  `cents // 100` to be identical on every row.
- `ledger_replay_1m`: 1M ledger events of 100,000 members (10 on average,
  multinomial) replayed in time order through the per-event API, one `Ledger`
  per member in a dict: `earn` per purchase (a `Transaction` built in setup;
  key: the order id), ~1.8% retried earns (same key, same purchase), `redeem`
  (~3.7%; multiples of 100 points, never more than the balance; key "r..."),
  `reverse` of an earlier purchase of the member (~3.6%, a full refund; key
  "x..."), and `expire` (no key in crmkit's API: idempotent by nature) as a
  sweep while the member is active (~3.5%, nothing to expire) and once after
  the member's last event for ~10% of members who lapse (1% of events; a lapse
  is their last event: nothing follows it). The program (`LEDGER`)
  earns 1 point per CNY and expires every point after 6 months without earning
  or redeeming; each member's events fall within 150 days and a lapse is 200
  days after the last one, so idle spans are never between 150 and 200 days and
  a threshold of 175 days tells lapses from sweeps. The baseline is not another
  library but the floor of plain Python bookkeeping for the same stream: a dict
  counter (`balance[member] += points` per event), with the minimum any
  correct counter needs here: the keys seen (a retry adds nothing), the points
  of each order (a refund takes back `min(points, balance)`) and the last
  activity (a lapse zeroes the balance). The ratio is the cost of crmkit's lots
  and allocations (every point traceable), idempotency fingerprints, validation
  and immutable ledgers, not a competitor's speed. The check compares every
  member's `balance(ledger, as_of=its last entry).available` with the counter,
  that earned - redeemed - expired - reversed = available, and that points did
  expire and were redeemed and reversed. Events per second are size / seconds
  from the table. The full 1M events are replayed (~75 s per crmkit run on a
  2-core machine): no subsample, no extrapolation.
- `ledger_depth_10`, `ledger_depth_100`, `ledger_depth_1000`: the same event
  mix and baseline, 20,000 events in all, but each member has exactly 10, 100 or
  1,000 events, so a member's ledger grows to that many entries. Every
  operation scans the member's entries (the key lookup), copies them into a new
  `Ledger` (which checks them all again) and `redeem`, `reverse` and `expire`
  rebuild every lot, so the time per event grows with the ledger's length;
  seconds / 20,000 is the time per event averaged over a ledger growing from 0
  to that depth.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from harness import Case, MismatchError
from numpy.typing import NDArray

import crmkit
from crmkit.loyalty import (
    Expiry,
    Ledger,
    Program,
    Promotion,
    balance,
    earn,
    expire,
    points_for_transactions,
    redeem,
    reverse,
)
from crmkit.models import Money, Transaction

ROWS = 10_000_000
ROWS_PER_MEMBER = 10  # 10M purchases -> ~1M members
YEAR_START = np.datetime64("2025-01-01T00:00:00", "us")
YEAR_US = 365 * 86_400_000_000
_DAY_US = 86_400_000_000
_SHANGHAI_US = 8 * 3_600_000_000  # UTC+8, no daylight saving since 1991
CATEGORIES = ("grocery", "beverage", "electronics", "apparel", "home")
CATEGORY_SHARES = (0.35, 0.25, 0.10, 0.15, 0.15)
MULTIPLIERS = {"beverage": "2", "electronics": "0.5"}  # exact decimal strings
PROMOTION_START, PROMOTION_END = date(2025, 11, 1), date(2025, 11, 12)  # [start, end) local
PROMOTION_MULTIPLIER = "2"
ORDER_CAP = 1_000

PROGRAM = Program(
    currency="CNY",
    name="benchmark",
    timezone="Asia/Shanghai",
    points_per_unit=1,
    rounding="floor",
    category_multipliers=MULTIPLIERS,
    promotions=(
        Promotion(
            name="double 11",
            start=PROMOTION_START,
            end=PROMOTION_END,
            multiplier=PROMOTION_MULTIPLIER,
        ),
    ),
    max_points_per_order=ORDER_CAP,
)
PLAIN = Program(currency="CNY", name="plain", timezone="Asia/Shanghai", points_per_unit=1)
RATE = float(PROGRAM.points_per_unit)  # the floor's multiplier: the base rate, 1.0

EVENTS = 1_000_000
EVENTS_PER_MEMBER = 10  # 1M events -> 100,000 members
DEPTH_EVENTS = 20_000  # events of each ledger_depth_* case
LEDGER = Program(
    currency="CNY",
    name="ledger",
    timezone="Asia/Shanghai",
    points_per_unit=1,
    expiry=Expiry(kind="inactivity", months=6),
)
WINDOW = timedelta(days=150)  # a member's events fall within it: never 6 months idle
LAPSE = timedelta(days=200)  # a lapsed member's expiry sweep, after the last event
IDLE = timedelta(days=175)  # 6 months idle: 181..185 days; no idle span is 150..200 days
LAPSED_SHARE = 0.10
# After a member's first event (always a purchase), each event is one of these.
KIND_SHARES = {"earn": 0.84, "retry": 0.02, "redeem": 0.06, "reverse": 0.04, "sweep": 0.04}
REDEEM_STEP = 100  # points are redeemed in multiples of 100
EARN, REDEEM, REVERSE, EXPIRE = range(4)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _report(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


# --- points_for_transactions ----------------------------------------------------------------


class Reference(NamedTuple):
    """Exact answers computed in setup without crmkit, from the cents the amounts were drawn as."""

    cents: NDArray[np.int64]
    expected: NDArray[np.int64]  # PROGRAM's points per row: fractions on integer cents
    plain: NDArray[np.bool_]  # rows where PROGRAM coincides with floor(amount x 1)
    promoted: NDArray[np.bool_]  # rows inside the promotion (local day)


class PointsInputs(NamedTuple):
    txns: crmkit.Transactions  # sorted by member, then time (as built)
    amount: NDArray[np.float64]  # txns.amount: the same float64 column, same order
    reference: Reference


class Floor(NamedTuple):
    """The baseline's answer, and the setup-time reference carried along for the check."""

    points: NDArray[np.float64]
    reference: Reference


def _local_day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _reference(
    cents: NDArray[np.int64], category: NDArray[np.int64], at: NDArray[np.datetime64]
) -> Reference:
    local_day = (at.astype(np.int64) + _SHANGHAI_US) // _DAY_US
    promoted = (local_day >= _local_day_number(PROMOTION_START)) & (
        local_day < _local_day_number(PROMOTION_END)
    )
    expected = np.empty(cents.size, dtype=np.int64)
    plain = np.zeros(cents.size, dtype=bool)
    for code, name in enumerate(CATEGORIES):
        for inside in (False, True):
            rows = (category == code) & (promoted == inside)
            rate = Fraction(PROGRAM.points_per_unit) * Fraction(MULTIPLIERS.get(name, "1"))
            if inside:
                rate *= Fraction(PROMOTION_MULTIPLIER)
            expected[rows] = cents[rows] * rate.numerator // (rate.denominator * 100)
            plain[rows] = rate == 1
    floor = cents // 100
    plain &= floor <= ORDER_CAP
    return Reference(cents, np.minimum(expected, ORDER_CAP), plain, promoted)


def setup_points(size: int, rng: np.random.Generator) -> PointsInputs:
    n_members = max(1, size // ROWS_PER_MEMBER)
    member = rng.integers(0, n_members, size=size, dtype=np.int64)
    at = YEAR_START + rng.integers(0, YEAR_US, size=size).astype("timedelta64[us]")
    cents = np.maximum(1, np.round(rng.lognormal(mean=3.5, sigma=1.0, size=size) * 100))
    cents = cents.astype(np.int64)
    category = rng.choice(len(CATEGORIES), size=size, p=CATEGORY_SHARES).astype(np.int64)
    # Drawn in the order Transactions keeps (member, then time), so row i is row i on every side.
    order = np.lexsort((at, member))
    member, at, cents, category = member[order], at[order], cents[order], category[order]
    ids = 100_000 + 7_919 * member  # sparse int64, ascending with the member
    txns = crmkit.Transactions.from_arrays(
        customer_id=ids,
        at=at,
        amount=cents / 100,
        category=np.array(CATEGORIES)[category],
        currency="CNY",
    )
    if not (np.array_equal(txns.at, at) and np.array_equal(np.round(txns.amount * 100), cents)):
        msg = "Transactions reordered the rows: the reference would not line up"
        raise RuntimeError(msg)
    return PointsInputs(txns, txns.amount, _reference(cents, category, at))


def ours_points(inputs: PointsInputs) -> NDArray[np.int64]:
    return points_for_transactions(PROGRAM, inputs.txns)


def ours_points_plain(inputs: PointsInputs) -> NDArray[np.int64]:
    return points_for_transactions(PLAIN, inputs.txns)


def baseline_floor(inputs: PointsInputs) -> Floor:
    return Floor(np.floor(inputs.amount * RATE), inputs.reference)


def baseline_rules(inputs: PointsInputs) -> Floor:
    """`PROGRAM` written straight in numpy, on the same columns: the floor of these rules.

    A rate per row from string comparisons with the named categories, the
    promotion by the local day (UTC + 8 h), multiply, floor, cap. In float64,
    which is exact here: the multipliers are powers of two.
    """
    txns = inputs.txns
    rate = np.full(len(txns), RATE)
    for name, multiplier in MULTIPLIERS.items():
        rate = np.where(txns.category == name, rate * float(multiplier), rate)
    day = (txns.at + np.timedelta64(_SHANGHAI_US, "us")).astype("datetime64[D]")
    promoted = (day >= np.datetime64(PROMOTION_START)) & (day < np.datetime64(PROMOTION_END))
    rate = np.where(promoted, rate * float(PROMOTION_MULTIPLIER), rate)
    return Floor(np.minimum(np.floor(inputs.amount * rate), ORDER_CAP), inputs.reference)


def _first_difference(name: str, ours: NDArray[Any], other: NDArray[Any]) -> None:
    differ = ours != other
    if differ.any():
        first = int(np.flatnonzero(differ)[0])
        msg = (
            f"{name}: {int(differ.sum())} rows differ (first at {first}: crmkit "
            f"{ours[first]}, {other[first]})"
        )
        raise MismatchError(msg)


def check_points(ours: NDArray[np.int64], baseline: Floor) -> None:
    reference = baseline.reference
    if ours.shape != reference.expected.shape or ours.dtype.kind != "i":
        msg = f"crmkit returned {ours.dtype} {ours.shape}, expected int {reference.expected.shape}"
        raise MismatchError(msg)
    _first_difference("points vs the exact reference", ours, reference.expected)
    plain = reference.plain
    _first_difference(
        "points vs the floor where the rules coincide", ours[plain], baseline.points[plain]
    )
    if not (~plain).any() or np.array_equal(ours[~plain], baseline.points[~plain]):
        msg = "degenerate input: the multipliers, promotion and cap change no row"
        raise MismatchError(msg)
    capped = int((reference.expected == ORDER_CAP).sum())
    _report(
        f"{ours.size:,} rows identical to the exact reference; {int(plain.sum()):,} "
        f"({plain.mean():.0%}) identical to the floor; {int(reference.promoted.sum()):,} "
        f"promoted, {capped:,} capped; points {int(ours.sum()):,} (floor "
        f"{int(baseline.points.sum()):,})"
    )


def check_points_plain(ours: NDArray[np.int64], baseline: Floor) -> None:
    if ours.shape != baseline.points.shape or ours.dtype.kind != "i":
        msg = f"crmkit returned {ours.dtype} {ours.shape}, expected int {baseline.points.shape}"
        raise MismatchError(msg)
    _first_difference("points vs the float floor", ours, baseline.points)
    _first_difference("points vs cents // 100", ours, baseline.reference.cents // 100)


def check_points_rules(ours: NDArray[np.int64], baseline: Floor) -> None:
    if ours.shape != baseline.points.shape or ours.dtype.kind != "i":
        msg = f"crmkit returned {ours.dtype} {ours.shape}, expected int {baseline.points.shape}"
        raise MismatchError(msg)
    _first_difference("points vs the exact reference", ours, baseline.reference.expected)
    _first_difference("points vs the rules in numpy", ours, baseline.points)


# --- the ledger replay ----------------------------------------------------------------------


class Event(NamedTuple):
    kind: int  # EARN, REDEEM, REVERSE or EXPIRE
    member: str
    key: str | None  # None for EXPIRE (crmkit's expire takes no key)
    payload: Any  # EARN: Transaction; REDEEM: (points, at); REVERSE: (key, at); EXPIRE: at


class ReplayInputs(NamedTuple):
    events: list[Event]  # every member's events, in time order


def _instant(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _member_events(
    member: str, n_events: int, start_us: int, lapses: bool, rng: np.random.Generator
) -> list[tuple[datetime, Event, str]]:
    """One member's events in time order, each with its time and kind name.

    Follows the counter's balance so that redemptions never exceed it.
    """
    window_us = int(WINDOW / timedelta(microseconds=1))
    times = np.sort(start_us + rng.integers(0, window_us, size=n_events)).tolist()
    kinds = rng.choice(list(KIND_SHARES), size=n_events, p=list(KIND_SHARES.values())).tolist()
    cents = np.maximum(1, np.round(rng.lognormal(3.5, 1.0, size=n_events) * 100)).astype(int)
    draws = rng.random(n_events).tolist()
    held = 0
    orders: list[tuple[str, Transaction]] = []  # earnings, for retries and refunds
    refundable: list[int] = []  # positions in `orders` not refunded yet
    points_of: dict[str, int] = {}
    out: list[tuple[datetime, Event, str]] = []
    for j, (micros, kind) in enumerate(zip(times, kinds, strict=True)):
        at = _instant(micros)
        if j == 0 or (kind == "retry" and not orders) or (kind == "reverse" and not refundable):
            kind = "earn"
        if kind == "redeem" and held < REDEEM_STEP:
            kind = "earn"
        if kind == "earn":
            key = f"{member}-o{j}"
            amount = Money(Decimal(int(cents[j])).scaleb(-2), "CNY")
            t = Transaction(id=key, customer_id=member, at=at, amount=amount)
            orders.append((key, t))
            refundable.append(len(orders) - 1)
            points_of[key] = int(amount.amount)
            held += points_of[key]
            out.append((at, Event(EARN, member, key, t), "earn"))
        elif kind == "retry":
            key, t = orders[int(draws[j] * len(orders))]
            out.append((at, Event(EARN, member, key, t), "retry"))
        elif kind == "redeem":
            points = REDEEM_STEP * (1 + int(draws[j] * (held // REDEEM_STEP)))
            held -= points
            out.append((at, Event(REDEEM, member, f"{member}-r{j}", (points, at)), "redeem"))
        elif kind == "reverse":
            key = orders[refundable.pop(int(draws[j] * len(refundable)))][0]
            held -= min(points_of[key], held)
            out.append((at, Event(REVERSE, member, f"{member}-x{j}", (key, at)), "reverse"))
        else:
            out.append((at, Event(EXPIRE, member, None, at), "sweep"))
    if lapses:
        at = out[-1][0] + LAPSE
        out.append((at, Event(EXPIRE, member, None, at), "lapse"))
    return out


def _stream(
    n_members: int, per_member: NDArray[np.int64], rng: np.random.Generator
) -> ReplayInputs:
    window_us = int(WINDOW / timedelta(microseconds=1))
    starts = rng.integers(0, YEAR_US - window_us, size=n_members) + int(
        YEAR_START.astype(np.int64)
    )
    lapsed = rng.random(n_members) < LAPSED_SHARE
    timed: list[tuple[datetime, int, int, Event]] = []
    counts = dict.fromkeys([*KIND_SHARES, "lapse"], 0)
    for i in range(n_members):
        n = int(per_member[i])
        if n == 0:
            continue
        # A lapse counts as one of the member's events.
        lapses = bool(lapsed[i]) and n > 1
        events = _member_events(f"M{i:07d}", n - lapses, int(starts[i]), lapses, rng)
        for j, (at, event, kind) in enumerate(events):
            timed.append((at, i, j, event))
            counts[kind] += 1
    timed.sort(key=lambda item: item[:3])  # a log in time order; a member's events in order
    _report(
        f"{len(timed):,} events of {n_members:,} members: "
        + ", ".join(f"{kind} {count:,}" for kind, count in counts.items())
    )
    return ReplayInputs([event for *_, event in timed])


def setup_replay(size: int, rng: np.random.Generator) -> ReplayInputs:
    n_members = max(1, size // EVENTS_PER_MEMBER)
    per_member = rng.multinomial(size, np.full(n_members, 1 / n_members))
    return _stream(n_members, per_member, rng)


def _setup_depth(depth: int) -> Callable[[int, np.random.Generator], ReplayInputs]:
    def setup(size: int, rng: np.random.Generator) -> ReplayInputs:
        per = min(depth, size)
        n_members = max(1, size // per)
        return _stream(n_members, np.full(n_members, per, dtype=np.int64), rng)

    return setup


def ours_replay(inputs: ReplayInputs) -> dict[str, Ledger]:
    ledgers: dict[str, Ledger] = {}
    for kind, member, key, payload in inputs.events:
        ledger = ledgers.get(member)
        if ledger is None:
            ledger = Ledger.empty(member)
        if kind == EARN:
            ledger = earn(ledger, LEDGER, payload, key=key)
        elif kind == REDEEM:
            points, at = payload
            ledger = redeem(ledger, points, at=at, key=key)
        elif kind == REVERSE:
            original, at = payload
            ledger = reverse(ledger, original_key=original, key=key, at=at)
        else:
            ledger = expire(ledger, as_of=payload)
        ledgers[member] = ledger
    return ledgers


def baseline_counter(inputs: ReplayInputs) -> dict[str, int]:
    held: dict[str, int] = {}  # the balance per member
    points_of: dict[str, int] = {}  # points per order, for refunds
    last_active: dict[str, datetime] = {}  # the last earning or redemption
    seen: set[str] = set()  # keys done: a retry adds nothing
    for kind, member, key, payload in inputs.events:
        if key in seen:
            continue
        if kind == EARN:
            seen.add(key)
            points = int(payload.amount.amount)  # 1 point per CNY, rounded down
            points_of[key] = points
            held[member] = held.get(member, 0) + points
            last_active[member] = payload.at
        elif kind == REDEEM:
            seen.add(key)
            points, at = payload
            held[member] -= points
            last_active[member] = at
        elif kind == REVERSE:
            seen.add(key)
            original, _ = payload
            held[member] -= min(points_of[original], held[member])
        elif payload - last_active[member] > IDLE:  # EXPIRE: everything, after 6 months idle
            held[member] = 0
    return held


def check_replay(ours: dict[str, Ledger], baseline: dict[str, int]) -> None:
    if ours.keys() != baseline.keys():
        msg = f"members: crmkit {len(ours):,}, the counter {len(baseline):,}"
        raise MismatchError(msg)
    totals = dict.fromkeys(("earned", "redeemed", "expired", "reversed", "entries"), 0)
    for member, ledger in ours.items():
        last = max(entry.at for entry in ledger.entries)
        b = balance(ledger, as_of=last)
        if b.available != baseline[member] or b.pending != 0:
            msg = (
                f"member {member}: crmkit available {b.available} (pending {b.pending}), "
                f"the counter {baseline[member]}"
            )
            raise MismatchError(msg)
        if b.earned - b.redeemed - b.expired - b.reversed != b.available:
            msg = f"member {member}: the points do not add up: {b}"
            raise MismatchError(msg)
        for name in ("earned", "redeemed", "expired", "reversed"):
            totals[name] += getattr(b, name)
        totals["entries"] += len(ledger.entries)
    if len(ours) > 100 and not all(totals[k] for k in ("redeemed", "expired", "reversed")):
        msg = f"degenerate stream: nothing redeemed, expired or reversed ({totals})"
        raise MismatchError(msg)
    _report(
        f"{len(ours):,} members, {totals['entries']:,} entries; every balance identical; "
        + ", ".join(f"{name} {totals[name]:,}" for name in ("earned", "redeemed", "expired"))
        + f", reversed {totals['reversed']:,} points"
    )


CASES = (
    Case(
        name="points_10m",
        size=ROWS,
        setup=setup_points,
        ours=ours_points,
        baseline=baseline_floor,
        check=check_points,
        note="the physical floor: np.floor(amount * 1.0) on the float64 column; crmkit applies "
        "2 category multipliers, a promotion (Asia/Shanghai days) and a per-order cap",
    ),
    Case(
        name="points_10m_rules",
        size=ROWS,
        setup=setup_points,
        ours=ours_points,
        baseline=baseline_rules,
        check=check_points_rules,
        note="as points_10m against the same rules written in numpy (category string "
        "comparisons, the local day, multiply, floor, cap): identical on every row",
    ),
    Case(
        name="points_10m_plain",
        size=ROWS,
        setup=setup_points,
        ours=ours_points_plain,
        baseline=baseline_floor,
        check=check_points_plain,
        note="as points_10m with a plain program (1 point per CNY, nothing else): "
        "identical to the floor on every row",
    ),
    Case(
        name="ledger_replay_1m",
        size=EVENTS,
        setup=setup_replay,
        ours=ours_replay,
        baseline=baseline_counter,
        check=check_replay,
        note="not a library: a plain-Python dict counter (balance[member] += points, keys "
        "seen, refunds, lapses); the ratio is the cost of lots, idempotency and validation",
    ),
    *(
        Case(
            name=f"ledger_depth_{depth}",
            size=DEPTH_EVENTS,
            setup=_setup_depth(depth),
            ours=ours_replay,
            baseline=baseline_counter,
            check=check_replay,
            note=f"as ledger_replay_1m, every member with {depth:,} events (ledgers grow "
            f"to ~{depth:,} entries): time per event at that depth",
        )
        for depth in (10, 100, 1000)
    ),
)
