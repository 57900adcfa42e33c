"""The points ledger: idempotent operations over lots, expiry at local midnight, reversals
that never charge twice, balances, statements, JSON, and invariants over long random runs."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import (
    CrmkitError,
    CurrencyMismatchError,
    InsufficientPointsError,
    InvalidInputError,
    InvalidTypeError,
)
from crmkit.loyalty import (
    STANDARD_TIERS,
    Allocation,
    Balance,
    Expiry,
    Ledger,
    Program,
    adjust,
    award,
    balance,
    earn,
    expire,
    redeem,
    reverse,
    statement,
)
from crmkit.models import Interaction, Money, Transaction

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAIN = Program.simple(currency="CNY", tiers=STANDARD_TIERS, actions={"review": 20})
MICROSECOND = timedelta(microseconds=1)


def day(n: int, hour: int = 0, month: int = 3, year: int = 2025) -> datetime:
    """A UTC instant in March 2025 unless told otherwise."""
    return datetime(year, month, n, hour, tzinfo=UTC)


def buy(order: str, amount: str, at: datetime, *, member: str = "m1") -> Transaction:
    return Transaction(id=order, customer_id=member, at=at, amount=Money(amount, "CNY"))


def bought(
    ledger: Ledger, order: str, amount: str, at: datetime, program: Program = PLAIN
) -> Ledger:
    """*ledger* after earning on order *order* (its key is the order id)."""
    return earn(ledger, program, buy(order, amount, at), key=order)


def review(
    event: str, at: datetime, *, kind: str | None = "review", member: str = "m1"
) -> Interaction:
    return Interaction(
        id=event, customer_id=member, at=at, channel="app", direction="inbound", kind=kind
    )


def remaining(ledger: Ledger) -> dict[str, int]:
    """What is left of each lot after every entry."""
    return {lot.id: lot.remaining for lot in ledger.lots()}


def available(ledger: Ledger, at: datetime) -> int:
    return balance(ledger, as_of=at).available


def accounted(b: Balance) -> bool:
    """Every point earned is in exactly one bucket."""
    return b.earned == b.available + b.pending + b.redeemed + b.expired + b.reversed


# --- idempotency --------------------------------------------------------------------------


def _every_kind() -> tuple[Ledger, list[Callable[[Ledger], Ledger]]]:
    """A ledger built by one operation of each kind, and the operations (to retry them)."""
    operations: list[Callable[[Ledger], Ledger]] = [
        lambda led: bought(led, "o1", "128.50", day(1)),
        lambda led: award(led, PLAIN, review("i1", day(2)), key="i1"),
        lambda led: adjust(led, PLAIN, 40, at=day(3), key="goodwill", reason="late delivery"),
        lambda led: adjust(led, PLAIN, -10, at=day(4), key="fix", reason="typo"),
        lambda led: redeem(led, 50, at=day(5), key="r1"),
        lambda led: reverse(led, original_key="o1", key="refund-1", amount=Money("28.50", "CNY")),
        lambda led: reverse(led, original_key="r1", key="cancel-r1", at=day(6)),
    ]
    ledger = Ledger.empty("m1")
    for operation in operations:
        ledger = operation(ledger)
    return ledger, operations


def test_retries_return_the_ledger_unchanged() -> None:
    """Repeating any operation with its key and the same request (earn, award, adjust in
    and out, redeem, partial refund, cancelled redemption) returns the ledger unchanged."""
    ledger, operations = _every_kind()

    for operation in operations:
        assert ledger == operation(ledger)
    assert 7 == len(ledger.entries)


def test_contract_retry_no_double_award() -> None:
    """Earning twice on order o1 with key o1 awards 128 points once."""
    led = bought(Ledger.empty("m1"), "o1", "128.50", day(1))

    assert led == bought(led, "o1", "128.50", day(1))
    assert 128 == available(led, day(2))


CLASHES: list[tuple[str, Callable[[Ledger], Ledger]]] = [
    ("o1", lambda led: bought(led, "o1", "99.00", day(1))),
    ("o1", lambda led: bought(led, "o1", "128.50", day(1, hour=1))),
    ("o1", lambda led: earn(led, PLAIN, buy("o1", "128.50", day(1)), key="o1", tier="gold")),
    ("o1", lambda led: earn(led, PLAIN, buy("o2", "128.50", day(1)), key="o1")),
    ("o1", lambda led: redeem(led, 10, at=day(7), key="o1")),
    ("r1", lambda led: redeem(led, 51, at=day(5), key="r1")),
    ("r1", lambda led: redeem(led, 50, at=day(6), key="r1")),
    ("goodwill", lambda led: adjust(led, PLAIN, 40, at=day(3), key="goodwill", reason="other")),
    (
        "goodwill",
        lambda led: adjust(led, PLAIN, 41, at=day(3), key="goodwill", reason="late delivery"),
    ),
    ("i1", lambda led: award(led, PLAIN, review("i9", day(2)), key="i1")),
    (
        "refund-1",
        lambda led: reverse(led, original_key="o1", key="refund-1", amount=Money("10.00", "CNY")),
    ),
    ("cancel-r1", lambda led: reverse(led, original_key="r1", key="cancel-r1", at=day(7))),
]


@pytest.mark.parametrize(("key", "operation"), CLASHES)
def test_same_key_with_another_request_refused(
    key: str, operation: Callable[[Ledger], Ledger]
) -> None:
    """A key already used for another request (other amount, time, tier, order, points,
    reason, event, refund or kind of operation) is refused naming 'key' and the key, rather
    than silently ignored."""
    ledger, _ = _every_kind()

    with pytest.raises(InvalidInputError, match=rf"'key' .*'{key}'") as info:
        operation(ledger)

    assert "key" == info.value.argument
    assert key == info.value.value


@pytest.mark.parametrize(
    "changes", [{"category": "shoes"}, {"channel": "web"}], ids=["category", "channel"]
)
def test_earn_same_key_other_category_or_channel_refused(changes: dict[str, str]) -> None:
    """A purchase re-sent with the same key and a different category or channel earns at a
    different rate, so it is another request: refused naming 'key', not taken for a retry."""
    program = Program.simple(
        currency="CNY", category_multipliers={"shoes": 3}, channel_multipliers={"web": 2}
    )
    first = buy("o1", "100", day(1))
    led = earn(Ledger.empty("m1"), program, first, key="o1")
    changed = Transaction(
        id="o1", customer_id="m1", at=day(1), amount=Money("100", "CNY"), **changes
    )

    refused(
        earn,
        {"ledger": led, "program": program, "transaction": changed, "key": "o1"},
        InvalidInputError,
        "'key' .*'o1'",
    )


# --- insufficient points ----------------------------------------------------------------------


def test_insufficient_points_leaves_ledger_as_it_was() -> None:
    """Redeeming 500 of 128 raises InsufficientPointsError with .available 128 and
    .requested 500, naming 'points'; the ledger is unchanged and the key stays free."""
    led = bought(Ledger.empty("m1"), "o1", "128.50", day(1))
    before = io.to_json(led)

    with pytest.raises(
        InsufficientPointsError, match=r"'points' must be at most the 128 available; got 500"
    ) as info:
        redeem(led, 500, at=day(2), key="r1")

    assert (128, 500) == (info.value.available, info.value.requested)
    assert "points" == info.value.argument
    assert before == io.to_json(led)
    assert 28 == available(redeem(led, 100, at=day(2), key="r1"), day(3))


def test_pending_points_cannot_be_redeemed() -> None:
    """Points still pending are not available: redeeming 1 is refused with .available 0."""
    program = Program.simple(currency="CNY", pending_days=14)
    led = bought(Ledger.empty("m1"), "o1", "100", day(1), program)

    with pytest.raises(InsufficientPointsError) as info:
        redeem(led, 1, at=day(2), key="r1")

    assert (0, 1) == (info.value.available, info.value.requested)


def test_negative_adjustment_beyond_balance_refused() -> None:
    """Taking 30 by adjustment from 20 available is refused with .available 20."""
    led = adjust(Ledger.empty("m1"), PLAIN, 20, at=day(1), key="a1")

    with pytest.raises(InsufficientPointsError) as info:
        adjust(led, PLAIN, -30, at=day(2), key="a2")

    assert (20, 30) == (info.value.available, info.value.requested)


# --- consumption order --------------------------------------------------------------------


def _three_lots(consumption: str = "soonest_expiring") -> Ledger:
    """a3 (Feb 28, never expires), a1 (Mar 1, 365 days), a2 (Mar 2, 30 days): 100 each."""
    never = Program.simple(currency="CNY", consumption=consumption)
    year = Program.simple(currency="CNY", expiry=Expiry(kind="days", days=365))
    month = Program.simple(currency="CNY", expiry=Expiry(kind="days", days=30))
    led = adjust(Ledger.empty("m1"), never, 100, at=day(28, month=2), key="a3")
    led = adjust(led, year, 100, at=day(1), key="a1")
    return adjust(led, month, 100, at=day(2), key="a2")


def test_redeem_soonest_expiring_first() -> None:
    """By default a redemption of 150 takes the 100 expiring in 30 days, then 50 of those
    expiring in a year; points that never expire come last."""
    led = redeem(_three_lots(), 150, at=day(3), key="r1")

    assert (Allocation("a2", -100), Allocation("a1", -50)) == led.entries[-1].allocations
    assert {"a3": 100, "a1": 50, "a2": 0} == remaining(led)


def test_redeem_oldest_first() -> None:
    """With consumption="oldest", 150 takes the Feb 28 lot, then 50 of the Mar 1 lot."""
    led = redeem(_three_lots(), 150, at=day(3), key="r1", consumption="oldest")

    assert (Allocation("a3", -100), Allocation("a1", -50)) == led.entries[-1].allocations


def test_negative_adjustment_follows_program_consumption() -> None:
    """A negative adjustment consumes lots in the program's order (here oldest first)."""
    oldest = Program.simple(currency="CNY", consumption="oldest")

    led = adjust(_three_lots(), oldest, -150, at=day(3), key="fix")

    assert (Allocation("a3", -100), Allocation("a1", -50)) == led.entries[-1].allocations


# --- pending period ------------------------------------------------------------------------


def test_pending_period() -> None:
    """With 14 pending days, points earned 2025-03-01T10:00Z are pending until
    2025-03-15T10:00Z and usable from that instant."""
    program = Program.simple(currency="CNY", pending_days=14)
    led = bought(Ledger.empty("m1"), "o1", "100", day(1, hour=10), program)
    usable_from = day(15, hour=10)

    before = balance(led, as_of=usable_from - MICROSECOND)
    after = balance(led, as_of=usable_from)

    assert usable_from == led.entries[0].pending_until
    assert (0, 100) == (before.available, before.pending)
    assert (100, 0) == (after.available, after.pending)
    assert 60 == available(redeem(led, 40, at=usable_from, key="r1"), usable_from)


# --- expiry ---------------------------------------------------------------------------------


def _shanghai(expiry: Expiry) -> Program:
    return Program.simple(currency="CNY", timezone="Asia/Shanghai", expiry=expiry)


EXPIRIES = [
    # (policy, earned at local time, local midnight from which the points are gone)
    (Expiry(kind="days", days=30), datetime(2025, 3, 2, 1, tzinfo=SHANGHAI), date(2025, 4, 2)),
    (
        Expiry(kind="days", days=30, round_to="month_end"),
        datetime(2025, 3, 10, 1, tzinfo=SHANGHAI),
        date(2025, 5, 1),
    ),
    (
        Expiry(kind="days", days=30, round_to="year_end"),
        datetime(2025, 12, 10, 1, tzinfo=SHANGHAI),
        date(2027, 1, 1),
    ),
    (Expiry(kind="months", months=1), datetime(2025, 1, 31, 1, tzinfo=SHANGHAI), date(2025, 3, 1)),
    (
        Expiry(kind="months", months=12, round_to="month_end"),
        datetime(2025, 3, 10, 1, tzinfo=SHANGHAI),
        date(2026, 4, 1),
    ),
    (
        Expiry(kind="months", months=1, round_to="year_end"),
        datetime(2025, 3, 10, 1, tzinfo=SHANGHAI),
        date(2026, 1, 1),
    ),
    (
        Expiry(kind="months", months=10, round_to="year_end"),
        datetime(2025, 3, 10, 1, tzinfo=SHANGHAI),
        date(2027, 1, 1),
    ),
    (
        Expiry(kind="fixed_date", month=6, day=30),
        datetime(2025, 3, 10, 1, tzinfo=SHANGHAI),
        date(2026, 7, 1),
    ),
    (
        Expiry(kind="fixed_date", month=12, day=31),
        datetime(2025, 12, 31, 23, tzinfo=SHANGHAI),
        date(2027, 1, 1),
    ),
    (
        Expiry(kind="fixed_date", month=2, day=29),
        datetime(2024, 5, 1, 1, tzinfo=SHANGHAI),
        date(2025, 3, 1),
    ),
    (
        Expiry(kind="fixed_date", month=2, day=29),
        datetime(2023, 5, 1, 1, tzinfo=SHANGHAI),
        date(2024, 3, 1),
    ),
]


@pytest.mark.parametrize(("policy", "earned_at", "gone_from"), EXPIRIES)
def test_expiry_at_local_midnight(policy: Expiry, earned_at: datetime, gone_from: date) -> None:
    """Points are usable through their last local day and gone from the next local midnight
    in Shanghai (16:00 UTC the day before). Earned at 01:00 local, which is still the
    previous day in UTC: the local day counts. Days: 30 days after the local day (March 2 +
    30 = April 1, gone April 2), optionally to its month's or year's end; months: the same
    day N months on (January 31 + 1 month = February 28); fixed_date: that day of the next
    year (February 29 becomes the 28th in a common year)."""
    program = _shanghai(policy)
    led = adjust(Ledger.empty("m1"), program, 100, at=earned_at, key="a1")
    midnight = datetime(gone_from.year, gone_from.month, gone_from.day, tzinfo=SHANGHAI)

    before = balance(led, as_of=midnight - MICROSECOND)
    after = balance(led, as_of=midnight)

    assert midnight == led.entries[0].expires_at
    assert (100, 0) == (before.available, before.expired)
    assert (0, 100) == (after.available, after.expired)


def test_inactivity_expiry_at_local_midnight() -> None:
    """Under "2 months without activity", points earned 2025-03-01T10:00Z (18:00 on March 1
    in Shanghai) are usable through May 1 in Shanghai and gone from its midnight,
    2025-05-01T16:00Z, like every other expiry kind."""
    program = _shanghai(Expiry(kind="inactivity", months=2))
    led = bought(Ledger.empty("m1"), "o1", "100", day(1, hour=10), program)
    midnight = datetime(2025, 5, 2, tzinfo=SHANGHAI)

    assert 100 == available(led, day(1, hour=12, month=5))
    assert 100 == available(led, midnight - MICROSECOND)
    assert 0 == available(led, midnight)


def test_inactivity_expiry_same_for_any_offset_of_the_instant() -> None:
    """The inactivity deadline depends on the instant, not on the offset it is written in:
    2025-01-30T17:00Z and the same instant in Shanghai (January 31 01:00) give the same
    balance a month later."""
    program = _shanghai(Expiry(kind="inactivity", months=1))
    instant = datetime(2025, 1, 30, 17, tzinfo=UTC)
    in_utc = earn(Ledger.empty("m1"), program, buy("o1", "100", instant), key="o1")
    in_shanghai = earn(
        Ledger.empty("m1"), program, buy("o1", "100", instant.astimezone(SHANGHAI)), key="o1"
    )

    for moment in (day(27, 18, month=2), day(28, 15, month=2), day(28, 18, month=2)):
        assert available(in_utc, moment) == available(in_shanghai, moment)


def test_inactivity_clock_restarts_on_activity() -> None:
    """A redemption is activity: with 2 idle months, points earned March 1 and partly
    redeemed April 15 are still usable June 1 and gone by July 1."""
    program = Program.simple(currency="CNY", expiry=Expiry(kind="inactivity", months=2))
    led = bought(Ledger.empty("m1"), "o1", "100", day(1), program)
    led = redeem(led, 10, at=day(15, month=4), key="r1")

    assert 90 == available(led, day(1, month=6))
    assert (0, 90) == (
        balance(led, as_of=day(1, month=7)).available,
        balance(led, as_of=day(1, month=7)).expired,
    )


def test_no_expiry_by_default() -> None:
    """Points never expire unless the program says so."""
    led = bought(Ledger.empty("m1"), "o1", "100", day(1))

    assert led.entries[0].expires_at is None
    assert 100 == available(led, day(1, year=2099))


# --- expire ---------------------------------------------------------------------------------

THIRTY_DAYS = Program.simple(currency="CNY", expiry=Expiry(kind="days", days=30))


def _expiring_ledger() -> Ledger:
    """a1: 100 on March 1 (gone April 1), 30 of them redeemed; a2: 50 on March 20 (gone
    April 20)."""
    led = adjust(Ledger.empty("m1"), THIRTY_DAYS, 100, at=day(1), key="a1")
    led = adjust(led, THIRTY_DAYS, 50, at=day(20), key="a2")
    return redeem(led, 30, at=day(2), key="r1", consumption="oldest")


def test_expire_records_what_is_left_of_each_expired_lot() -> None:
    """Expiring on April 5 records one entry taking the 70 left of a1; a2 is untouched."""
    as_of = day(5, month=4)

    led = expire(_expiring_ledger(), as_of=as_of)

    entry = led.entries[-1]
    assert ("expire", -70, as_of) == (entry.kind, entry.points, entry.at)
    assert (Allocation("a1", -70),) == entry.allocations
    assert {"a1": 0, "a2": 50} == remaining(led)
    b = balance(led, as_of=as_of)
    assert (50, 70, 30) == (b.available, b.expired, b.redeemed)


def test_balance_counts_expired_points_before_expire_records_them() -> None:
    """Points past their expiry are expired in the balance already; recording them with
    `expire` does not change the balance."""
    as_of = day(5, month=4)
    led = _expiring_ledger()

    assert balance(led, as_of=as_of) == balance(expire(led, as_of=as_of), as_of=as_of)


def test_expire_is_idempotent() -> None:
    """Expiring again at the same moment, or later with nothing new expired, changes
    nothing; nothing expired yet changes nothing either."""
    led = expire(_expiring_ledger(), as_of=day(5, month=4))

    assert led == expire(led, as_of=day(5, month=4))
    assert led == expire(led, as_of=day(10, month=4))
    assert _expiring_ledger() == expire(_expiring_ledger(), as_of=day(31))


def test_expire_at_an_earlier_moment_does_not_expire_twice() -> None:
    """After expiring on May 1 (both lots), expiring again as of April 5 (a retry from an
    earlier run) must not record a1's 70 points a second time: no lot goes below zero and
    the statement's running total stays at the member's 0 points."""
    led = expire(_expiring_ledger(), as_of=day(1, month=5))

    again = expire(led, as_of=day(5, month=4))

    assert all(points >= 0 for points in remaining(again).values())
    assert 0 == statement(again)[-1][-1]
    assert led == again


# --- balance --------------------------------------------------------------------------------


def test_balance_buckets() -> None:
    """Pending 7 days, expiry 30 days (UTC): a 100 on March 1 (gone April 1), 20 redeemed
    March 25; b 50 on March 20 (gone April 20); c 30 on March 28 (pending to April 4). On
    March 29: available 80 + 50, pending 30; expiring within 30 days 130, within 5 days 80
    (a only), within 0 days none. Every point earned is in one bucket."""
    program = Program.simple(currency="CNY", pending_days=7, expiry=Expiry(kind="days", days=30))
    led = bought(Ledger.empty("m1"), "a", "100", day(1), program)
    led = bought(led, "b", "50", day(20), program)
    led = redeem(led, 20, at=day(25), key="r1")
    led = bought(led, "c", "30", day(28), program)
    as_of = day(29)

    b30 = balance(led, as_of=as_of)
    assert (
        Balance(
            as_of=as_of,
            available=130,
            pending=30,
            expiring=130,
            earned=180,
            redeemed=20,
            expired=0,
            reversed=0,
        )
        == b30
    )
    assert 80 == balance(led, as_of=as_of, expiring_within_days=5).expiring
    assert 0 == balance(led, as_of=as_of, expiring_within_days=0).expiring
    on_april_1 = balance(led, as_of=day(1, month=4))
    assert (50, 30, 80) == (on_april_1.available, on_april_1.pending, on_april_1.expired)
    assert accounted(b30)
    assert accounted(on_april_1)


def test_balance_ignores_later_entries() -> None:
    """A balance as of a moment counts only the entries made by then."""
    led = bought(Ledger.empty("m1"), "o1", "100", day(1))
    led = bought(led, "o2", "50", day(10))

    assert 100 == available(led, day(5))
    assert 0 == available(led, day(1) - MICROSECOND)


def test_balance_bad_window_refused() -> None:
    """A negative expiring window is refused, naming it and the value."""
    refused(
        balance,
        {"ledger": Ledger.empty("m1"), "as_of": day(1), "expiring_within_days": -1},
        InvalidInputError,
        "'expiring_within_days' .*-1",
    )


# --- reverse --------------------------------------------------------------------------------


def test_full_refund_takes_every_point_back() -> None:
    """Refunding order o1 in full takes back its 128 points."""
    led = bought(Ledger.empty("m1"), "o1", "128.50", day(1))

    led = reverse(led, original_key="o1", key="refund-o1")

    entry = led.entries[-1]
    assert ("reverse", -128, "o1", Money("128.50", "CNY")) == (
        entry.kind,
        entry.points,
        entry.reference,
        entry.amount,
    )
    b = balance(led, as_of=day(2))
    assert (0, 128, 128) == (b.available, b.reversed, b.earned)


def test_partial_refunds_proportional_rounded_down_sum_to_whole() -> None:
    """128 points on 128.50: refunding 50.00 takes floor(128 x 50 / 128.5) = 49; then 28.50
    takes floor(128 x 78.5 / 128.5) - 49 = 78 - 49 = 29; the last 50.00 takes the 50 left.
    Together they take the 128."""
    led = bought(Ledger.empty("m1"), "o1", "128.50", day(1))
    taken = []
    for k, amount in enumerate(["50.00", "28.50", "50.00"]):
        led = reverse(
            led, original_key="o1", key=f"refund-{k}", amount=Money(amount, "CNY"), at=day(2 + k)
        )
        taken.append(-led.entries[-1].points)

    assert [49, 29, 50] == taken
    assert 128 == sum(taken)
    assert 0 == available(led, day(5))


@pytest.mark.parametrize(
    ("amount", "error", "match"),
    [
        (Money("100.01", "CNY"), InvalidInputError, r"'amount' .*100\.00.*100\.01"),
        (Money("0", "CNY"), InvalidInputError, r"'amount' must be more than 0"),
        (Money("-5", "CNY"), InvalidInputError, r"'amount' must be more than 0"),
        ("50", InvalidTypeError, r"'amount' must be Money"),
    ],
)
def test_bad_refund_amount_refused(amount: Any, error: type[Exception], match: str) -> None:
    """A refund above what is left to refund, zero, negative, or not Money is refused."""
    led = bought(Ledger.empty("m1"), "o1", "100.00", day(1))

    refused(
        reverse,
        {"ledger": led, "original_key": "o1", "key": "refund", "amount": amount},
        error,
        match,
    )


def test_refund_in_another_currency_refused() -> None:
    """A refund in USD of a purchase in CNY raises CurrencyMismatchError."""
    led = bought(Ledger.empty("m1"), "o1", "100.00", day(1))

    with pytest.raises(CurrencyMismatchError, match="'amount' must be in CNY; got USD"):
        reverse(led, original_key="o1", key="refund", amount=Money("10", "USD"))


def test_refund_of_spent_points_takes_from_other_lots_then_unrecovered() -> None:
    """a1 30 (March 1), o1 100 (March 2), 120 redeemed (March 3: a1's 30 and 90 of o1), a2 50
    (March 4). Refunding o1 on March 5 takes o1's 10 left and a2's 50; the other 40 were
    spent and are `unrecovered`, never charged twice nor pushing the balance below 0."""
    led = adjust(Ledger.empty("m1"), PLAIN, 30, at=day(1), key="a1")
    led = bought(led, "o1", "100", day(2))
    led = redeem(led, 120, at=day(3), key="r1")
    led = adjust(led, PLAIN, 50, at=day(4), key="a2")

    led = reverse(led, original_key="o1", key="refund-o1", at=day(5))

    entry = led.entries[-1]
    assert (Allocation("o1", -10), Allocation("a2", -50)) == entry.allocations
    assert (-60, 40) == (entry.points, entry.unrecovered)
    b = balance(led, as_of=day(6))
    assert (0, 60, 120, 180) == (b.available, b.reversed, b.redeemed, b.earned)
    assert accounted(b)


def test_refund_of_fully_spent_earning_leaves_balance_at_zero() -> None:
    """o1's 100 points all redeemed, then o1 refunded: nothing to take back, 100
    unrecovered, balance 0 (not -100)."""
    led = bought(Ledger.empty("m1"), "o1", "100", day(1))
    led = redeem(led, 100, at=day(2), key="r1")

    led = reverse(led, original_key="o1", key="refund-o1", at=day(3))

    assert (0, 100) == (led.entries[-1].points, led.entries[-1].unrecovered)
    assert 0 == available(led, day(4))


def test_refund_dated_at_the_purchase_never_takes_points_spent_later() -> None:
    """a1 100 (March 1), o1 100 (March 2), 150 redeemed March 3 (a1's 100, 50 of o1). A
    refund of o1 left at its default time (the purchase's) may take o1's 50 left, but not
    a1's points, already spent: no lot below zero, no negative balance."""
    led = adjust(Ledger.empty("m1"), PLAIN, 100, at=day(1), key="a1")
    led = bought(led, "o1", "100", day(2))
    led = redeem(led, 150, at=day(3), key="r1")

    led = reverse(led, original_key="o1", key="refund-o1")

    assert all(points >= 0 for points in remaining(led).values()), remaining(led)
    assert 0 == available(led, day(4))


def test_reversing_a_redemption_returns_points_to_their_lots() -> None:
    """Cancelling a redemption of 150 (a2's 100 and a1's 50) gives each lot its points back:
    every lot is as before the redemption and nothing counts as redeemed."""
    led = _three_lots()
    spent = redeem(led, 150, at=day(3), key="r1")

    back = reverse(spent, original_key="r1", key="cancel-r1", at=day(4))

    assert (Allocation("a2", 100), Allocation("a1", 50)) == back.entries[-1].allocations
    assert remaining(led) == remaining(back)
    b = balance(back, as_of=day(5))
    assert (300, 0) == (b.available, b.redeemed)
    assert accounted(b)


def test_cancelled_redemption_does_not_revive_refunded_points() -> None:
    """o1's 100 points redeemed, o1 refunded (100 unrecovered: spent), then the redemption
    cancelled. The points return to o1's lot, but o1 was refunded: the member must not end
    with 100 points from a refunded purchase."""
    led = bought(Ledger.empty("m1"), "o1", "100", day(1))
    led = redeem(led, 100, at=day(2), key="r1")
    led = reverse(led, original_key="o1", key="refund-o1", at=day(3))

    led = reverse(led, original_key="r1", key="cancel-r1", at=day(4))

    assert 0 == available(led, day(5))


def _refunded_and_cancelled() -> Ledger:
    """o1 (100) refunded in full; o2 (50) with a redemption r1 of 20, cancelled."""
    led = bought(Ledger.empty("m1"), "o1", "100", day(1))
    led = reverse(led, original_key="o1", key="refund-o1")
    led = redeem(bought(led, "o2", "50", day(2)), 20, at=day(3), key="r1")
    return reverse(led, original_key="r1", key="cancel-r1", at=day(4))


def test_reverse_retry_returns_ledger_unchanged() -> None:
    """Reversing again with the same key and request is a retry: the ledger is unchanged."""
    led = _refunded_and_cancelled()

    assert led == reverse(led, original_key="o1", key="refund-o1")
    assert led == reverse(led, original_key="r1", key="cancel-r1", at=day(4))


@pytest.mark.parametrize("original_key", ["o1", "r1"])
def test_reverse_again_with_new_key_refused(original_key: str) -> None:
    """With a new key, reversing a fully refunded earning or an already cancelled
    redemption is refused naming 'original_key' and the key (the caller passed no amount,
    so the error must not be about one)."""
    led = _refunded_and_cancelled()

    refused(
        reverse,
        {"ledger": led, "original_key": original_key, "key": "again", "at": day(5)},
        InvalidInputError,
        f"'original_key' .*'{original_key}'",
    )


def test_reverse_award_and_positive_adjustment() -> None:
    """An award or a positive adjustment (no purchase amount) is reversed in full; giving
    an amount for it is refused naming 'amount'; reversing it twice is refused."""
    led = award(Ledger.empty("m1"), PLAIN, review("i1", day(1)), key="i1")
    led = adjust(led, PLAIN, 40, at=day(2), key="a1")

    led = reverse(led, original_key="i1", key="undo-i1", at=day(3))
    led = reverse(led, original_key="a1", key="undo-a1", at=day(3))

    assert [-20, -40] == [e.points for e in led.entries[-2:]]
    assert 0 == available(led, day(4))
    refused(
        reverse,
        {"ledger": led, "original_key": "i1", "key": "k", "amount": Money("1", "CNY")},
        InvalidInputError,
        "'amount' must be None",
    )
    refused(
        reverse,
        {"ledger": led, "original_key": "a1", "key": "k"},
        InvalidInputError,
        "'original_key' .*'a1'",
    )


@pytest.mark.parametrize(
    "original_key", ["nope", "fix", "refund-1", "expire 2030-01-01T00:00:00+00:00"]
)
def test_reverse_what_cannot_be_reversed_refused(original_key: str) -> None:
    """An unknown key, a negative adjustment, a reversal and an expiry cannot be reversed:
    refused naming 'original_key' and the key; the ledger is unchanged."""
    ledger, _ = _every_kind()
    ledger = expire(
        adjust(ledger, THIRTY_DAYS, 5, at=day(7), key="short"), as_of=day(1, year=2030)
    )

    refused(
        reverse,
        {"ledger": ledger, "original_key": original_key, "key": "undo"},
        InvalidInputError,
        f"'original_key' .*{re.escape(repr(original_key))}",
    )


# --- award and adjust ------------------------------------------------------------------------


def test_award_program_actions() -> None:
    """A review earns 20 and a referral 100, each a lot under the program's expiry and
    pending rules; the event's kind names the action."""
    program = Program.simple(
        currency="CNY",
        actions={"review": 20, "referral": 100},
        pending_days=2,
        expiry=Expiry(kind="days", days=30),
    )
    led = award(Ledger.empty("m1"), program, review("i1", day(1)), key="i1")
    led = award(led, program, review("i2", day(2), kind="referral"), key="i2")

    assert [20, 100] == [e.points for e in led.entries]
    assert ["review", "referral"] == [e.reference for e in led.entries]
    assert day(3) == led.entries[0].pending_until
    assert day(1, month=4) == led.entries[0].expires_at
    assert 20 == available(led, day(3))


@pytest.mark.parametrize(
    ("event", "error", "match"),
    [
        (review("i1", day(1), kind="check_in"), InvalidInputError, r"'event' .*'check_in'"),
        (review("i1", day(1), kind=None), InvalidInputError, r"'event' .*None"),
        (review("i1", day(1), member="m2"), InvalidInputError, r"'event' .*'m2'"),
        (buy("o1", "10", day(1)), InvalidTypeError, r"'event' must be an Interaction"),
    ],
)
def test_award_bad_event_refused(event: Any, error: type[Exception], match: str) -> None:
    """An action the program lacks, no action, another member's event or a non-Interaction
    is refused naming 'event'."""
    refused(
        award,
        {"ledger": Ledger.empty("m1"), "program": PLAIN, "event": event, "key": "k"},
        error,
        match,
    )


def test_adjust_in_and_out() -> None:
    """+50 creates a lot under the program's rules; -30 takes from lots; 20 remain."""
    led = adjust(Ledger.empty("m1"), THIRTY_DAYS, 50, at=day(1), key="a1", reason="goodwill")
    led = adjust(led, THIRTY_DAYS, -30, at=day(2), key="a2", reason="correction")

    assert day(1, month=4) == led.entries[0].expires_at
    assert (Allocation("a1", -30),) == led.entries[1].allocations
    b = balance(led, as_of=day(3))
    assert (20, 30, 50) == (b.available, b.reversed, b.earned)


@pytest.mark.parametrize(
    ("points", "error", "match"),
    [
        (0, InvalidInputError, r"'points' must be a non-zero whole number; got 0"),
        (2.5, InvalidTypeError, r"'points' must be an integer; got float 2\.5"),
        ("5", InvalidTypeError, r"'points' must be an integer"),
    ],
)
def test_adjust_bad_points_refused(points: Any, error: type[Exception], match: str) -> None:
    """Zero and non-whole points are refused naming 'points'."""
    refused(
        adjust,
        {
            "ledger": Ledger.empty("m1"),
            "program": PLAIN,
            "points": points,
            "at": day(1),
            "key": "k",
        },
        error,
        match,
    )


def test_adjust_down_to_program_floor() -> None:
    """With negative_floor -50, 20 points can be adjusted down by 70 to -50, not one more."""
    program = Program.simple(currency="CNY", negative_floor=-50)
    led = adjust(Ledger.empty("m1"), program, 20, at=day(1), key="a1")

    led = adjust(led, program, -70, at=day(2), key="a2")

    assert -50 == available(led, day(3))
    with pytest.raises(InsufficientPointsError):
        adjust(led, program, -1, at=day(3), key="a3")


# --- redeem with a floor ---------------------------------------------------------------------


def test_redeem_down_to_floor() -> None:
    """With floor=-100, 150 of 50 points can be redeemed (balance -100), 151 cannot
    (.available 150). A later 30-point earning brings the balance to -70; with the default
    floor 0 nothing more can be redeemed."""
    led = adjust(Ledger.empty("m1"), PLAIN, 50, at=day(1), key="a1")

    with pytest.raises(InsufficientPointsError) as info:
        redeem(led, 151, at=day(2), key="r1", floor=-100)
    led = redeem(led, 150, at=day(2), key="r1", floor=-100)

    assert (150, 151) == (info.value.available, info.value.requested)
    assert -100 == available(led, day(3))
    led = bought(led, "o1", "30", day(4))
    assert -70 == available(led, day(5))
    assert accounted(balance(led, as_of=day(5)))
    with pytest.raises(InsufficientPointsError) as info:
        redeem(led, 1, at=day(5), key="r2")
    assert 0 == info.value.available


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"points": 0}, InvalidInputError, r"'points' must be an integer of at least 1; got 0"),
        ({"points": -5}, InvalidInputError, r"'points' .*got -5"),
        ({"points": 1.5}, InvalidTypeError, r"'points' must be an integer; got float 1\.5"),
        ({"floor": 10}, InvalidInputError, r"'floor' .*got 10"),
        ({"consumption": "newest"}, InvalidInputError, r"'consumption' .*'newest'"),
        ({"key": ""}, InvalidInputError, r"'key' must be a non-empty string"),
        ({"ledger": [1]}, InvalidTypeError, r"'ledger' must be a Ledger"),
    ],
)
def test_redeem_bad_inputs_refused(
    changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Zero, negative and non-whole points, a floor above 0, an unknown consumption order,
    an empty key and a non-ledger are refused naming the argument."""
    led = adjust(Ledger.empty("m1"), PLAIN, 50, at=day(1), key="a1")
    kwargs = {"ledger": led, "points": 10, "at": day(2), "key": "r1", **changes}

    refused(redeem, kwargs, error, match)


def test_backdated_redemption_cannot_spend_points_twice() -> None:
    """50 points redeemed on March 3; a redemption dated March 2 must not spend those same
    50 again (it would leave the member at -50 with a floor of 0): it is refused, naming an
    argument of the call (the points, or the time)."""
    led = adjust(Ledger.empty("m1"), PLAIN, 50, at=day(1), key="a1")
    led = redeem(led, 50, at=day(3), key="r2")

    with pytest.raises(CrmkitError) as info:
        redeem(led, 50, at=day(2), key="r1")

    # Refused as a bad request of this call (not points, so not a broken stored entry).
    assert info.value.argument in ("points", "at"), str(info.value)


# --- naive datetimes and other bad arguments -------------------------------------------------

NAIVE = datetime(2025, 3, 2)


@pytest.mark.parametrize(
    ("call", "kwargs", "argument"),
    [
        (redeem, {"points": 1, "at": NAIVE, "key": "r"}, "at"),
        (adjust, {"program": PLAIN, "points": 1, "at": NAIVE, "key": "k"}, "at"),
        (reverse, {"original_key": "a1", "key": "k", "at": NAIVE}, "at"),
        (expire, {"as_of": NAIVE}, "as_of"),
        (balance, {"as_of": NAIVE}, "as_of"),
    ],
)
def test_naive_datetimes_refused(
    call: Callable[..., Any], kwargs: dict[str, Any], argument: str
) -> None:
    """A naive datetime is refused naming the argument (no guessing of a timezone)."""
    led = adjust(Ledger.empty("m1"), PLAIN, 50, at=day(1), key="a1")

    refused(
        call,
        {"ledger": led, **kwargs},
        InvalidInputError,
        f"'{argument}' must be a timezone-aware",
    )


def test_lots_as_of_naive_refused() -> None:
    """`Ledger.lots(as_of=...)` refuses a naive datetime too."""
    refused(Ledger.empty("m1").lots, {"as_of": NAIVE}, InvalidInputError, "'as_of' must be")


@pytest.mark.parametrize("call", [balance, expire])
def test_non_ledger_refused(call: Callable[..., Any]) -> None:
    """Functions taking a ledger refuse anything else, naming 'ledger'."""
    refused(call, {"ledger": "m1", "as_of": day(1)}, InvalidTypeError, "'ledger' must be a Ledger")


def test_statement_and_reverse_refuse_non_ledger() -> None:
    """`statement` and `reverse` refuse a non-ledger too."""
    refused(statement, {"ledger": None}, InvalidTypeError, "'ledger' must be a Ledger")
    refused(
        reverse, {"ledger": None, "original_key": "o", "key": "k"}, InvalidTypeError, "'ledger'"
    )


def test_empty_member_refused() -> None:
    """A ledger needs a member id: empty or non-string ids are refused."""
    refused(Ledger.empty, {"member_id": " "}, InvalidInputError, "'member_id' must be a non-empty")
    refused(Ledger.empty, {"member_id": 7}, InvalidTypeError, "'member_id' must be a string")


def test_ledger_built_from_inconsistent_entries_refused() -> None:
    """A ledger assembled from stored entries is checked: a key used twice, or an entry
    taking more from a lot than it holds, is refused naming the entry."""
    led = bought(Ledger.empty("m1"), "o1", "100", day(1))
    led = redeem(led, 60, at=day(2), key="r1")
    overspent = attrs.evolve(led.entries[1], key="r2")

    with pytest.raises(InvalidInputError, match=r"'entries\[2\]\.key' .*'o1'") as twice:
        Ledger(member_id="m1", entries=(*led.entries, led.entries[0]))
    with pytest.raises(InvalidInputError, match=r"'entries\[2\]\.allocations' .*100") as over:
        Ledger(member_id="m1", entries=(*led.entries, overspent))

    assert ("entries[2].key", "entries[2].allocations") == (
        twice.value.argument,
        over.value.argument,
    )


# --- statement, repr, JSON -------------------------------------------------------------------


def test_statement_rows() -> None:
    """One row per entry, in order: (at, kind, key, points, running total)."""
    ledger, _ = _every_kind()

    assert (
        ("2025-03-01T00:00:00+00:00", "earn", "o1", 128, 128),
        ("2025-03-02T00:00:00+00:00", "award", "i1", 20, 148),
        ("2025-03-03T00:00:00+00:00", "adjust", "goodwill", 40, 188),
        ("2025-03-04T00:00:00+00:00", "adjust", "fix", -10, 178),
        ("2025-03-05T00:00:00+00:00", "redeem", "r1", -50, 128),
        # 28.50 of 128.50: floor(128 x 28.5 / 128.5) = 28, dated at the latest entry.
        ("2025-03-05T00:00:00+00:00", "reverse", "refund-1", -28, 100),
        ("2025-03-06T00:00:00+00:00", "reverse", "cancel-r1", 50, 150),
    ) == statement(ledger)


def test_repr_and_entry_lookup() -> None:
    """The repr is short; `entry(key)` finds an entry, or None."""
    ledger, _ = _every_kind()

    assert "Ledger(member_id='m1', n_entries=7)" == repr(ledger)
    assert "redeem" == ledger.entry("r1").kind  # type: ignore[union-attr]
    assert ledger.entry("nope") is None


def test_ledger_json_round_trip() -> None:
    """A ledger with every kind of entry (lots under expiry and pending rules in Shanghai
    time, refunds with amounts, an expiry) comes back equal from JSON; its balance is the
    same and retries are still recognised after the round trip."""
    program = Program.simple(
        currency="CNY",
        timezone="Asia/Shanghai",
        pending_days=3,
        expiry=Expiry(kind="days", days=30),
        actions={"review": 20},
    )
    led = bought(Ledger.empty("m1"), "o1", "128.50", day(1, hour=10), program)
    led = award(led, program, review("i1", day(2)), key="i1")
    led = redeem(led, 30, at=day(10), key="r1")
    led = reverse(led, original_key="o1", key="refund", amount=Money("28.50", "CNY"))
    led = reverse(led, original_key="r1", key="cancel", at=day(11))
    led = expire(led, as_of=day(1, month=6))
    text = io.to_json(led)

    back = io.from_json(Ledger, text)

    assert led == back
    assert text == io.to_json(back)
    assert balance(led, as_of=day(1, month=6)) == balance(back, as_of=day(1, month=6))
    assert back == bought(back, "o1", "128.50", day(1, hour=10), program)


# --- invariants over long random runs --------------------------------------------------------

START = datetime(2025, 1, 1, tzinfo=UTC)
KINDS = [
    "earn",
    "earn",
    "award",
    "adjust",
    "redeem",
    "redeem",
    "refund",
    "cancel",
    "expire",
    "retry",
    "clash",
]


@st.composite
def ledger_programs(draw: st.DrawFn) -> Program:
    """Programs with every ledger rule drawn: expiry, pending days, floor, consumption,
    timezone."""
    expiry = draw(
        st.sampled_from(
            [
                Expiry(),
                Expiry(kind="days", days=10),
                Expiry(kind="days", days=30, round_to="month_end"),
                Expiry(kind="months", months=1),
                Expiry(kind="months", months=2, round_to="year_end"),
                Expiry(kind="fixed_date", month=3, day=1),
                Expiry(kind="inactivity", months=1),
            ]
        )
    )
    return Program.simple(
        currency="CNY",
        timezone=draw(st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"])),
        expiry=expiry,
        pending_days=draw(st.sampled_from([0, 0, 2, 5])),
        negative_floor=draw(st.sampled_from([0, 0, -50])),
        consumption=draw(st.sampled_from(["soonest_expiring", "oldest"])),
        actions={"review": 15},
    )


steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 96),  # hours since the previous step
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    min_size=50,
    max_size=200,
)

Operation = Callable[[Ledger], Ledger]


def _operation(
    program: Program, step: int, kind: str, now: datetime, a: int, b: int, state: dict[str, Any]
) -> Operation | None:
    """The operation a drawn step stands for (None for retries and clashes, handled apart)."""
    if kind == "earn":
        cents = a % 40_000
        state["purchases"].append((f"o{step}", cents))
        item = Transaction(
            id=f"o{step}",
            customer_id="m1",
            at=now,
            amount=Money(f"{cents // 100}.{cents % 100:02d}", "CNY"),
        )
        return functools.partial(earn, program=program, transaction=item, key=f"o{step}")
    if kind == "award":
        event = review(f"i{step}", now)
        return functools.partial(award, program=program, event=event, key=f"i{step}")
    if kind == "adjust":
        points = a % 160 - 60 or 1
        return functools.partial(adjust, program=program, points=points, at=now, key=f"a{step}")
    if kind == "redeem":
        state["redemptions"].append(f"r{step}")
        return functools.partial(
            redeem,
            points=1 + a % 250,
            at=now,
            key=f"r{step}",
            consumption=program.consumption,
            floor=program.negative_floor,
        )
    if kind == "refund" and state["purchases"]:
        order, cents = state["purchases"][b % len(state["purchases"])]
        part = None if a % 3 == 0 or cents == 0 else 1 + a % cents
        amount = None if part is None else Money(f"{part // 100}.{part % 100:02d}", "CNY")
        return functools.partial(
            reverse, original_key=order, key=f"f{step}", amount=amount, at=now
        )
    if kind == "cancel" and state["redemptions"]:
        original = state["redemptions"][b % len(state["redemptions"])]
        return functools.partial(reverse, original_key=original, key=f"c{step}", at=now)
    if kind == "expire":
        return functools.partial(expire, as_of=now)
    return None


def _attempt(operation: Operation, ledger: Ledger) -> tuple[Ledger, InvalidInputError | None]:
    """The ledger after *operation*, or the ledger as it was and the refusal."""
    try:
        return operation(ledger), None
    except InvalidInputError as error:
        return ledger, error


def _run(
    program: Program,
    drawn: list[tuple[str, int, int, int]],
    *,
    with_retries: bool = True,
    reload_at: int | None = None,
) -> tuple[Ledger, list[Operation]]:
    """Apply the drawn steps, checking the invariants after each; return the final ledger
    and the operations that succeeded."""
    ledger = Ledger.empty("m1")
    now = START
    done: list[Operation] = []
    state: dict[str, Any] = {"purchases": [], "redemptions": []}
    for step, (kind, hours, a, b) in enumerate(drawn):
        now += timedelta(hours=hours)
        if step == reload_at:
            ledger = io.from_json(Ledger, io.to_json(ledger))
        if kind in ("retry", "clash"):
            if not with_retries or not done:
                continue
            earlier = done[a % len(done)]
            if kind == "retry":
                # The same request again: the ledger is unchanged.
                assert ledger == earlier(ledger)
            elif "key" in getattr(earlier, "keywords", {}):
                # The same key for another request: refused, nothing changes.
                clash = functools.partial(
                    adjust,
                    program=program,
                    points=1 + b % 7,
                    at=now,
                    key=earlier.keywords["key"],
                    reason="clash",
                )
                with pytest.raises(InvalidInputError, match="'key'"):
                    clash(ledger)
            continue
        operation = _operation(program, step, kind, now, a, b, state)
        if operation is None:
            continue
        after, refusal = _attempt(operation, ledger)
        if refusal is None:
            done.append(operation)
        elif isinstance(refusal, InsufficientPointsError):
            assert refusal.requested > refusal.available >= 0
        else:
            # Only refunds beyond what is left and repeated reversals may be refused.
            assert kind in ("refund", "cancel"), refusal
            assert refusal.argument in ("amount", "original_key"), refusal
        _check_invariants(program, after, now)
        ledger = after
    return ledger, done


def _check_invariants(program: Program, ledger: Ledger, now: datetime) -> None:
    b = balance(ledger, as_of=now)
    assert accounted(b), b
    assert b.available >= program.negative_floor, b
    assert min(b.pending, b.redeemed, b.expired, b.reversed, b.expiring) >= 0, b
    assert all(lot.remaining >= 0 for lot in ledger.lots(as_of=now))


@settings(max_examples=20, deadline=None)
@given(ledger_programs(), steps)
def test_every_point_accounted_for_at_every_step(
    program: Program, drawn: list[tuple[str, int, int, int]]
) -> None:
    """Over 50-200 random steps (purchases, awards, adjustments, redemptions that may be
    refused, full and partial refunds, cancelled redemptions, expiries, retries of earlier
    keys and clashing reuses of them): at every step every point earned is in exactly one of
    available, pending, redeemed, expired or reversed; the balance never goes below the
    program's floor; no lot goes negative; the ledger comes back equal from JSON."""
    ledger, _ = _run(program, drawn)

    assert ledger == io.from_json(Ledger, io.to_json(ledger))


@settings(max_examples=10, deadline=None)
@given(ledger_programs(), steps, st.integers(0, 199), st.randoms(use_true_random=False))
def test_retries_and_json_replay_do_not_change_the_result(
    program: Program, drawn: list[tuple[str, int, int, int]], reload_at: int, rng: Any
) -> None:
    """The same operations give the same ledger with or without idempotent retries between
    them, when the ledger is stored as JSON and read back midway, and when every successful
    operation is retried at the end in any order."""
    with_retries, done = _run(program, drawn)
    without, _ = _run(program, drawn, with_retries=False)
    reloaded, _ = _run(program, drawn, reload_at=reload_at)

    assert without == with_retries
    assert without == reloaded
    for operation in rng.sample(done, len(done)):
        assert with_retries == operation(with_retries)


def test_points_lost_to_an_idle_spell_stay_lost_when_the_member_returns() -> None:
    """Inactivity expiry: 100 points earned on January 1 are gone after six idle months,
    whether or not `expire` ran; a purchase in August earns its own 10 and does not bring
    the 100 back."""
    program = Program.simple(currency="CNY", expiry=Expiry(kind="inactivity", months=6))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    back = start + timedelta(days=220)
    first = Transaction(id="o1", customer_id="m1", at=start, amount=Money("100", "CNY"))
    again = Transaction(id="o2", customer_id="m1", at=back, amount=Money("10", "CNY"))
    ledger = earn(earn(Ledger.empty("m1"), program, first, key="o1"), program, again, key="o2")

    after = balance(ledger, as_of=back)
    assert (10, 100) == (after.available, after.expired)
