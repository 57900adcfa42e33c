"""The points ledger: an append-only list of entries over lots, and pure operations on it.

Every earning creates a lot (its points, when they become usable, when they
expire); redemptions, expiries and reversals consume lots and record which
ones, so every point can be traced from earning to its end. Each operation
takes a ledger and returns a new one; each has an idempotency key, and the
same request with the same key returns the ledger unchanged.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from attrs import evolve, field, frozen

from crmkit import _validation as v
from crmkit._calendar import add_months
from crmkit._fields import as_tuple
from crmkit.errors import CurrencyMismatchError, InsufficientPointsError
from crmkit.loyalty.earning import order_points
from crmkit.loyalty.program import Program
from crmkit.models import Interaction, Money, Transaction

__all__ = [
    "Allocation",
    "Balance",
    "Entry",
    "EntryKind",
    "Ledger",
    "Lot",
    "adjust",
    "award",
    "balance",
    "earn",
    "expire",
    "redeem",
    "reverse",
    "statement",
]

EntryKind = Literal["earn", "award", "adjust", "redeem", "expire", "reverse", "transfer"]
"""What an entry records."""

_CREATES_LOT = ("earn", "award", "adjust", "transfer")
OVERDRAFT = ""
"""The lot id of points redeemed beyond the balance (a negative balance the program allows)."""


@frozen
class Allocation:
    """Points an entry took from (negative) or gave back to (positive) one lot.

    Attributes:
        lot: The lot's id (the key of the entry that created it; "" for an overdraft).
        points: Signed change to the lot.

    Examples:
        >>> from crmkit.loyalty import Allocation
        >>> Allocation("o1", -30)
        Allocation(lot='o1', points=-30)
    """

    lot: str
    points: int


@frozen(kw_only=True)
class Entry:
    """One ledger entry.

    Attributes:
        key: Its idempotency key.
        kind: "earn", "award", "adjust", "redeem", "expire" or "reverse".
        at: When (timezone-aware).
        points: Signed change to the member's points (positive for earning).
        allocations: The lots it consumed or restored.
        pending_until: For an entry creating a lot: when its points become usable.
        expires_at: For an entry creating a lot: when its points expire (None: never).
        idle_months: For a lot under an inactivity policy: months idle before expiry.
        idle_timezone: For such a lot: the program's timezone, whose midnight ends it.
        reference: The transaction id, event name or reversed key it refers to.
        amount: For a purchase: what was paid.
        request: A fingerprint of the request, telling a retry from a clash.
        unrecovered: For a reversal of spent points: those it could not take back.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust
        >>> led = adjust(Ledger.empty("m1"), Program.simple(currency="CNY"), 50,
        ...              at=datetime(2025, 3, 1, tzinfo=timezone.utc), key="a1")
        >>> entry = led.entries[0]
        >>> entry.kind, entry.points, entry.key
        ('adjust', 50, 'a1')
    """

    key: str = field()
    kind: EntryKind = field()
    at: datetime = field()
    points: int = field()
    allocations: tuple[Allocation, ...] = field(default=(), converter=as_tuple)
    pending_until: datetime | None = field(default=None)
    expires_at: datetime | None = field(default=None)
    idle_months: int | None = field(default=None)
    idle_timezone: str | None = field(default=None)
    reference: str | None = field(default=None)
    amount: Money | None = field(default=None)
    request: str = field(default="")
    unrecovered: int = field(default=0)


@frozen(kw_only=True)
class Lot:
    """Points earned together, and what is left of them at some moment.

    Attributes:
        id: The key of the entry that created it.
        earned_at: When it was created.
        points: Points it started with.
        remaining: Points not yet redeemed, expired or taken back.
        pending_until: When its points become usable.
        expires_at: When its points expire (None: never).

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, redeem
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = adjust(Ledger.empty("m1"), Program.simple(currency="CNY"), 50, at=at, key="a1")
        >>> lot = redeem(led, 20, at=at, key="r1").lots()[0]
        >>> lot.points, lot.remaining
        (50, 30)
    """

    id: str
    earned_at: datetime
    points: int
    remaining: int
    pending_until: datetime | None
    expires_at: datetime | None


@frozen(kw_only=True, repr=False)
class Ledger:
    """One member's points: the entries, oldest first. Build on `Ledger.empty(member_id)`.

    Attributes:
        member_id: Whose points.
        entries: Every entry, in the order they were made.

    Examples:
        >>> from crmkit.loyalty import Ledger
        >>> Ledger.empty("m1")
        Ledger(member_id='m1', n_entries=0)
    """

    member_id: str = field()
    entries: tuple[Entry, ...] = field(default=(), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        # Checked here, not only by the operations: a ledger read back from a
        # database or JSON must be as sound as one built by them.
        v.check_str("member_id", self.member_id)
        _check_entries(self.entries)

    def __repr__(self) -> str:
        return f"Ledger(member_id={self.member_id!r}, n_entries={len(self.entries)})"

    @classmethod
    def empty(cls, member_id: str) -> Ledger:
        """A ledger with no entries.

        Examples:
            >>> from crmkit.loyalty import Ledger
            >>> Ledger.empty("m1").entries
            ()
        """
        return cls(member_id=v.check_str("member_id", member_id))

    def entry(self, key: str) -> Entry | None:
        """The entry made with *key*, if any.

        Examples:
            >>> from crmkit.loyalty import Ledger
            >>> Ledger.empty("m1").entry("o1") is None
            True
        """
        v.check_str("key", key)
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None

    def lots(self, *, as_of: datetime | None = None) -> tuple[Lot, ...]:
        """Every lot and what remains of it after the entries up to *as_of* (all if None).

        Examples:
            >>> from datetime import datetime, timezone
            >>> from crmkit.loyalty import Ledger, Program, adjust
            >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
            >>> program = Program.simple(currency="CNY")
            >>> led = adjust(Ledger.empty("m1"), program, 50, at=at, key="a1")
            >>> [(lot.id, lot.remaining) for lot in led.lots(as_of=at)]
            [('a1', 50)]
        """
        moment = None if as_of is None else v.aware_datetime("as_of", as_of)
        created: dict[str, Lot] = {}
        remaining: dict[str, int] = {}
        for entry in self.entries:
            if moment is not None and entry.at > moment:
                continue
            if entry.kind in _CREATES_LOT and entry.points > 0:
                created[entry.key] = Lot(
                    id=entry.key,
                    earned_at=entry.at,
                    points=entry.points,
                    remaining=0,
                    pending_until=entry.pending_until,
                    expires_at=entry.expires_at,
                )
                remaining[entry.key] = entry.points
            for allocation in entry.allocations:
                if allocation.lot != OVERDRAFT:
                    remaining[allocation.lot] += allocation.points
        return tuple(evolve(lot, remaining=remaining[lot.id]) for lot in created.values())


@frozen(kw_only=True)
class Balance:
    """Where a member's points are at a moment.

    Every point earned, adjusted or transferred in is in exactly one of
    available, pending, redeemed, expired, reversed or transferred out
    (points given back by a reversed redemption are available again).

    Attributes:
        as_of: The moment.
        available: Usable now (negative when the program allows an overdraft).
        pending: Earned but not usable yet.
        expiring: Of the available points, those expiring within the window asked for.
        earned: Earned, awarded or adjusted in.
        redeemed: Redeemed (net of reversed redemptions).
        expired: Expired.
        reversed: Taken back by reversals and negative adjustments.
        transferred: Given to other members (points received count as earned).

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, balance
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = adjust(Ledger.empty("m1"), Program.simple(currency="CNY"), 50, at=at, key="a1")
        >>> b = balance(led, as_of=at)
        >>> b.earned == (b.available + b.pending + b.redeemed + b.expired + b.reversed
        ...              + b.transferred)
        True
    """

    as_of: datetime
    available: int
    pending: int
    expiring: int
    earned: int
    redeemed: int
    expired: int
    reversed: int
    transferred: int = 0


def _moment(argument: str, value: Any) -> datetime:
    return v.aware_datetime(argument, value)


def _key(key: Any) -> str:
    return v.check_str("key", key)


def _retry(ledger: Ledger, key: str, request: str) -> bool:
    """True if *key* was used for this very request (a retry); raises if for another."""
    entry = ledger.entry(key)
    if entry is None:
        return False
    if entry.request != request:
        v.fail(
            "key",
            "a new key, or the key of this very request (a retry)",
            key,
            hint=f"already used for {entry.request}",
        )
    return True


def _instant_text(moment: datetime) -> str:
    """An instant as UTC text: the same moment written in another zone is the same request."""
    return moment.astimezone(UTC).isoformat()


def _number(amount: Decimal) -> str:
    """An amount without trailing zeros: 88.80 and 88.8 are the same request."""
    return format(amount.normalize(), "f")


def _append(ledger: Ledger, entry: Entry) -> Ledger:
    """The ledger with *entry* added.

    The operations build their entries from the ledger's own lots, so the
    whole-ledger check that construction from stored entries runs (O(n) per
    append, most of a replay's time) is skipped; the key is still checked.
    """
    if ledger.entry(entry.key) is not None:
        v.fail("key", "a key used once", entry.key)
    extended = object.__new__(Ledger)
    object.__setattr__(extended, "member_id", ledger.member_id)
    object.__setattr__(extended, "entries", (*ledger.entries, entry))
    return extended


def earn(
    ledger: Ledger,
    program: Program,
    transaction: Transaction | Sequence[Transaction],
    *,
    key: str,
    tier: str | None = None,
) -> Ledger:
    """Add the points a purchase earns, as a new lot.

    The same key with the same purchase returns the ledger unchanged (a
    retried event is never awarded twice); the same key with another
    purchase is refused.

    Args:
        ledger: The member's ledger.
        program: The program's rules.
        transaction: The purchase (its customer must be the ledger's member),
            or the lines of one order (the same id): its points are rounded
            per order or per line as the program says, and promotions'
            bonuses count once per order.
        key: Idempotency key, such as the order id.
        tier: The member's tier name, for its multiplier (None: none).

    Raises:
        InvalidInputError: If the key was used for another request, the
            purchase is another member's, or the tier is unknown.
        CurrencyMismatchError: If the purchase is not in the program's currency.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, balance, earn
        >>> from crmkit.models import Money, Transaction
        >>> program = Program.simple(currency="CNY")
        >>> t = Transaction(id="o1", customer_id="m1", amount=Money("128.50", "CNY"),
        ...                 at=datetime(2025, 3, 1, tzinfo=timezone.utc))
        >>> led = earn(Ledger.empty("m1"), program, t, key="o1")
        >>> earn(led, program, t, key="o1") == led
        True
        >>> balance(led, as_of=datetime(2025, 3, 2, tzinfo=timezone.utc)).available
        128
    """
    _check(ledger, program)
    lines = _order_lines(ledger, program, transaction)
    key = _key(key)
    level = None
    if tier is not None:
        names = [t.name for t in program.tiers]
        if v.check_str("tier", tier) not in names:
            v.fail("tier", f"a tier of the program ({', '.join(names)})", tier)
        level = program.tier(tier)
    first = lines[0]
    described = "; ".join(
        f"{_number(line.amount.amount)} category {line.category} channel {line.channel}"
        for line in lines
    )
    request = (
        f"earn {first.id} {first.amount.currency} at {_instant_text(first.at)} "
        f"lines {described} tier {tier}"
    )
    if _retry(ledger, key, request):
        return ledger
    day = program.local_day(first.at)
    points = order_points(
        program,
        [
            (
                line.amount.amount,
                line.category,
                None if line.channel is None else str(line.channel),
            )
            for line in lines
        ],
        day=day,
        tier=level,
    )
    points = _after_period_caps(ledger, program, points, day)
    total = sum((line.amount.amount for line in lines), Decimal(0))
    return _append(
        ledger,
        _lot_entry(
            ledger,
            program,
            key=key,
            kind="earn",
            at=first.at,
            points=points,
            reference=first.id,
            amount=Money(total, first.amount.currency),
            request=request,
        ),
    )


def _order_lines(ledger: Ledger, program: Program, purchase: Any) -> list[Transaction]:
    """The order's lines: one Transaction, or several of one order (same id and member)."""
    lines = [purchase] if isinstance(purchase, Transaction) else purchase
    if isinstance(lines, (str, bytes)) or not isinstance(lines, (list, tuple)) or not lines:
        v.fail_type("transaction", "a Transaction, or a list of the lines of one order", purchase)
    for index, line in enumerate(lines):
        if not isinstance(line, Transaction):
            v.fail_type(f"transaction[{index}]", "a Transaction", line)
        if line.customer_id != ledger.member_id:
            v.fail("transaction", f"a purchase of member {ledger.member_id!r}", line.customer_id)
        if line.id != lines[0].id:
            v.fail("transaction", f"lines of one order ({lines[0].id!r})", line.id)
        if line.amount.currency != program.currency:
            message = (
                f"'transaction' must be in the program's currency {program.currency}; "
                f"got {line.amount.currency}"
            )
            raise CurrencyMismatchError(
                message,
                currencies=(program.currency, line.amount.currency),
                argument="transaction",
                value=line.amount.currency,
            )
    return list(lines)


def award(ledger: Ledger, program: Program, event: Interaction, *, key: str) -> Ledger:
    """Add the points the program gives for a non-purchase event (review, referral, check-in).

    The event's `kind` names the action; its points come from `program.actions`.

    Raises:
        InvalidInputError: If the program has no such action, the event is
            another member's, or the key was used for another request.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, award
        >>> from crmkit.models import Interaction
        >>> program = Program.simple(currency="CNY", actions={"review": 20})
        >>> review = Interaction(id="i1", customer_id="m1", channel="app", direction="inbound",
        ...                      kind="review", at=datetime(2025, 3, 1, tzinfo=timezone.utc))
        >>> award(Ledger.empty("m1"), program, review, key="i1").entries[0].points
        20
    """
    _check(ledger, program)
    if not isinstance(event, Interaction):
        v.fail_type("event", "an Interaction (its kind names the action)", event)
    key = _key(key)
    if event.customer_id != ledger.member_id:
        v.fail("event", f"an event of member {ledger.member_id!r}", event.customer_id)
    action = event.kind
    if action is None or action not in program.actions:
        v.fail("event", f"an action of the program ({', '.join(program.actions)})", action)
    request = f"award {action} {event.id} at {_instant_text(event.at)}"
    if _retry(ledger, key, request):
        return ledger
    return _append(
        ledger,
        _lot_entry(
            ledger,
            program,
            key=key,
            kind="award",
            at=event.at,
            points=program.actions[action],
            reference=action,
            request=request,
        ),
    )


def adjust(
    ledger: Ledger,
    program: Program,
    points: int,
    *,
    at: datetime,
    key: str,
    reason: str = "",
) -> Ledger:
    """Add (positive) or take away (negative) points by hand, such as a goodwill gesture.

    Raises:
        InvalidInputError: If *points* is 0, taking them would go below the
            program's floor, or the key was used for another request.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, balance
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = adjust(Ledger.empty("m1"), program, 50, at=at, key="goodwill-1")
        >>> balance(led, as_of=at).available
        50
    """
    _check(ledger, program)
    amount = v.check_int("points", points)
    if amount == 0:
        v.fail("points", "a non-zero whole number", 0)
    moment, key = _moment("at", at), _key(key)
    v.check_str("reason", reason, allow_empty=True)
    request = f"adjust {amount} at {_instant_text(moment)} ({reason})"
    if _retry(ledger, key, request):
        return ledger
    if amount > 0:
        entry = _lot_entry(
            ledger,
            program,
            key=key,
            kind="adjust",
            at=moment,
            points=amount,
            reference=reason,
            request=request,
        )
    else:
        allocations = _consume(
            ledger, -amount, moment, program.consumption, program.negative_floor
        )
        entry = Entry(
            key=key,
            kind="adjust",
            at=moment,
            points=amount,
            allocations=allocations,
            reference=reason,
            request=request,
        )
    return _append(ledger, entry)


def redeem(
    ledger: Ledger,
    points: int,
    *,
    at: datetime,
    key: str,
    consumption: str | None = None,
    floor: int | None = None,
    program: Program | None = None,
) -> Ledger:
    """Spend points, taking them from lots in the consumption order.

    *consumption* and *floor* (the lowest balance allowed) default to the
    *program*'s `consumption` and `negative_floor`, or without a program to
    "soonest_expiring" and 0.

    Raises:
        InsufficientPointsError: If fewer points are available than
            requested (with `.available` and `.requested`); the ledger is
            unchanged.
        InvalidInputError: If *points* is not a whole number > 0, or the key
            was used for another request.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, balance, redeem
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = adjust(Ledger.empty("m1"), program, 50, at=at, key="a1")
        >>> balance(redeem(led, 30, at=at, key="r1"), as_of=at).available
        20
    """
    _check_ledger(ledger)
    amount = v.check_int("points", points, low=1)
    moment, key = _moment("at", at), _key(key)
    if program is not None and not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program or None", program)
    if consumption is None:
        consumption = "soonest_expiring" if program is None else program.consumption
    if floor is None:
        floor = 0 if program is None else program.negative_floor
    v.check_choice("consumption", consumption, ("soonest_expiring", "oldest"))
    v.check_int("floor", floor, high=0)
    request = f"redeem {amount} at {_instant_text(moment)}"
    if _retry(ledger, key, request):
        return ledger
    allocations = _consume(ledger, amount, moment, consumption, floor)
    entry = Entry(
        key=key,
        kind="redeem",
        at=moment,
        points=-amount,
        allocations=allocations,
        request=request,
    )
    return _append(ledger, entry)


def reverse(
    ledger: Ledger,
    *,
    original_key: str,
    key: str,
    amount: Money | None = None,
    at: datetime | None = None,
) -> Ledger:
    """Undo an earning (a refund) or a redemption (a cancelled reward).

    Reversing an earning takes its points back, in proportion to *amount*
    for a partial refund: first from what is left of its lot, then from the
    member's other available points; points already spent beyond that are
    recorded as `unrecovered` rather than charged twice or pushing the
    balance below zero. Reversing a redemption gives its points back to the
    lots they came from (points returning to a refunded purchase's lot settle
    its unrecovered points first).

    Args:
        ledger: The member's ledger.
        original_key: Key of the entry to reverse.
        key: Idempotency key of the reversal.
        amount: For an earning: the refunded amount (None: all of it).
        at: When (None: the time of the ledger's latest entry, so that no
            earlier balance changes).

    Raises:
        InvalidInputError: If the original key is unknown or not an earning
            or redemption, the refund exceeds what is left to refund, or the
            key was used for another request.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, balance, earn, reverse
        >>> from crmkit.models import Money, Transaction
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> t = Transaction(id="o1", customer_id="m1", amount=Money("100", "CNY"), at=at)
        >>> led = earn(Ledger.empty("m1"), program, t, key="o1")
        >>> led = reverse(led, original_key="o1", key="refund-o1", amount=Money("40", "CNY"))
        >>> balance(led, as_of=at).available
        60
    """
    _check_ledger(ledger)
    original = ledger.entry(v.check_str("original_key", original_key))
    key = _key(key)
    if amount is not None and not isinstance(amount, Money):
        v.fail_type("amount", "Money (the refunded amount) or None", amount)
    if original is None or original.kind not in ("earn", "award", "adjust", "redeem"):
        kinds = "an earning, award, positive adjustment or redemption"
        v.fail("original_key", f"the key of {kinds} in this ledger", original_key)
    # By default a reversal happens after everything recorded, so no past balance changes.
    moment = max(e.at for e in ledger.entries) if at is None else _moment("at", at)
    refund_text = None if amount is None else _number(amount.amount)
    when = "latest" if at is None else _instant_text(moment)  # a retry later is still a retry
    request = f"reverse {original.key} {refund_text} at {when}"
    if _retry(ledger, key, request):
        return ledger
    if original.kind == "redeem":
        restored = _append(ledger, _reversed_redemption(ledger, original, key, moment, request))
        return _expire_restored(
            _settle_clawbacks(restored, original, key, moment), original, key, moment
        )
    if original.points < 0:
        v.fail("original_key", "the key of an entry that added points", original.key)
    points, refund = _refund_points(ledger, original, amount)
    entry = _reversed_earning(ledger, original, points, key, moment, request)
    return _append(ledger, evolve(entry, amount=refund))


def transfer(
    source: Ledger,
    target: Ledger,
    points: int,
    *,
    at: datetime,
    key: str,
    program: Program,
) -> tuple[Ledger, Ledger]:
    """Move points from one member to another (a gift, or family sharing).

    The points leave the source's lots in the program's consumption order
    and arrive on the target as one lot that expires when the earliest of
    those lots would have (moving points never extends their life), usable
    at once. Both ledgers record the transfer under *key*; a retry returns
    both unchanged; a refusal changes neither.

    Raises:
        InsufficientPointsError: If the source has fewer points available.
        InvalidInputError: If source and target are the same member,
            *points* is not a whole number > 0, or the key clashes.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, balance, transfer
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> mum = adjust(Ledger.empty("mum"), program, 300, at=at, key="a1")
        >>> mum, kid = transfer(mum, Ledger.empty("kid"), 100, at=at, key="gift-1",
        ...                     program=program)
        >>> balance(mum, as_of=at).available, balance(kid, as_of=at).available
        (200, 100)
    """
    for name, ledger in (("source", source), ("target", target)):
        if not isinstance(ledger, Ledger):
            v.fail_type(name, "a Ledger", ledger)
    if not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program", program)
    if source.member_id == target.member_id:
        v.fail("target", "another member's ledger", target.member_id)
    amount = v.check_int("points", points, low=1)
    moment, key = _moment("at", at), _key(key)
    route = f"from {source.member_id} to {target.member_id}"
    request = f"transfer {amount} {route} at {_instant_text(moment)}"
    if _retry(source, key, request) and _retry(target, key, request):
        return source, target
    allocations = _consume(source, amount, moment, program.consumption, 0)
    lots = {lot.id: lot for lot in source.lots()}
    ends = [lots[a.lot].expires_at for a in allocations if a.lot in lots]
    expires = min((end for end in ends if end is not None), default=None)
    out = Entry(
        key=key,
        kind="transfer",
        at=moment,
        points=-amount,
        allocations=allocations,
        reference=target.member_id,
        request=request,
    )
    arrival = Entry(
        key=key,
        kind="transfer",
        at=moment,
        points=amount,
        expires_at=expires,
        reference=source.member_id,
        request=request,
    )
    return _append(source, out), _append(target, arrival)


def expire(ledger: Ledger, *, as_of: datetime) -> Ledger:
    """Record the expiry of every lot whose points expired by *as_of*.

    Idempotent by nature: what has been expired is gone, so calling it again
    adds nothing.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Expiry, Ledger, Program, adjust, balance, expire
        >>> program = Program.simple(currency="CNY", expiry=Expiry(kind="days", days=30))
        >>> led = adjust(Ledger.empty("m1"), program, 50,
        ...              at=datetime(2025, 3, 1, tzinfo=timezone.utc), key="a1")
        >>> later = datetime(2025, 5, 1, tzinfo=timezone.utc)
        >>> expired = expire(led, as_of=later)
        >>> expired.entries[-1].points, balance(expired, as_of=later).expired
        (-50, 50)
    """
    _check_ledger(ledger)
    moment = _moment("as_of", as_of)
    gone = _expired_lots(ledger, moment)
    if not gone:
        return ledger
    key = f"expire {moment.isoformat()}"
    while ledger.entry(key) is not None:  # points restored after an earlier expiry run
        key += "+"
    return _append(ledger, _expiry(gone, key, moment, f"expire at {moment.isoformat()}"))


def balance(ledger: Ledger, *, as_of: datetime, expiring_within_days: int = 30) -> Balance:
    """Available, pending and expiring points at *as_of*, and where the others went.

    Points past their expiry count as expired even before `expire` records it.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, balance
        >>> program = Program.simple(currency="CNY", pending_days=14)
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = adjust(Ledger.empty("m1"), program, 50, at=at, key="a1")
        >>> b = balance(led, as_of=at)
        >>> b.available, b.pending, b.earned
        (0, 50, 50)
    """
    _check_ledger(ledger)
    moment = _moment("as_of", as_of)
    days = v.check_int("expiring_within_days", expiring_within_days, low=0)
    horizon = moment + timedelta(days=days)
    idle_deadline = _idle_deadline(ledger, moment)
    available = pending = expiring = lazily_expired = 0
    for lot in ledger.lots(as_of=moment):
        ends = _lot_end(lot, idle_deadline)
        if ends is not None and ends <= moment:
            lazily_expired += lot.remaining
        elif lot.pending_until is not None and lot.pending_until > moment:
            pending += lot.remaining
        else:
            available += lot.remaining
            if ends is not None and ends <= horizon:
                expiring += lot.remaining
    totals = _totals(ledger, moment)
    return Balance(
        as_of=moment,
        available=available - totals["overdraft"],
        pending=pending,
        expiring=expiring,
        earned=totals["earned"],
        redeemed=totals["redeemed"],
        expired=totals["expired"] + lazily_expired,
        reversed=totals["reversed"],
        transferred=totals["transferred"],
    )


def statement(ledger: Ledger) -> tuple[tuple[str, str, str, int, int], ...]:
    """The entries as rows `(at, kind, key, points, running total)`, in order.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, redeem, statement
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> led = redeem(adjust(Ledger.empty("m1"), program, 50, at=at, key="a1"),
        ...              20, at=at, key="r1")
        >>> [row[1:] for row in statement(led)]
        [('adjust', 'a1', 50, 50), ('redeem', 'r1', -20, 30)]
    """
    _check_ledger(ledger)
    rows = []
    running = 0
    for entry in ledger.entries:
        running += entry.points
        rows.append((entry.at.isoformat(), entry.kind, entry.key, entry.points, running))
    return tuple(rows)


# --- internals ---------------------------------------------------------------------------


_KINDS = ("earn", "award", "adjust", "redeem", "expire", "reverse", "transfer")


def _check_entries(entries: tuple[Any, ...]) -> None:
    """Unique keys, aware times, known kinds, and allocations that keep every lot in range."""
    remaining: dict[str, tuple[int, int]] = {}
    keys: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"entries[{index}]"
        if not isinstance(entry, Entry):
            v.fail_type(where, "an Entry", entry)
        if entry.kind not in _KINDS:
            v.fail(f"{where}.kind", f"one of {', '.join(_KINDS)}", entry.kind)
        v.aware_datetime(f"{where}.at", entry.at)
        if entry.key in keys:
            v.fail(f"{where}.key", "a key used once", entry.key)
        keys.add(entry.key)
        if entry.kind in _CREATES_LOT and entry.points > 0:
            remaining[entry.key] = (entry.points, entry.points)
        for allocation in entry.allocations:
            if allocation.lot == OVERDRAFT:
                continue
            if allocation.lot not in remaining:
                v.fail(f"{where}.allocations", "lots created by earlier entries", allocation.lot)
            left, points = remaining[allocation.lot]
            left += allocation.points
            if not 0 <= left <= points:
                v.fail(f"{where}.allocations", f"at most the lot's {points} points", allocation)
            remaining[allocation.lot] = (left, points)


def ledgers_by_member(ledgers: object, argument: str = "ledgers") -> dict[str, Ledger]:
    """A mapping of member id to that member's Ledger, checked (shared by the areas' helpers)."""
    if not isinstance(ledgers, Mapping):
        v.fail_type(argument, "a mapping of member id to Ledger", ledgers)
    for member, ledger in ledgers.items():
        if not isinstance(ledger, Ledger):
            v.fail_type(f"{argument}[{member!r}]", "a Ledger", ledger)
        if ledger.member_id != member:
            v.fail(f"{argument}[{member!r}]", f"the ledger of {member!r}", ledger.member_id)
    return dict(ledgers)


def _check_ledger(ledger: Any) -> None:
    if not isinstance(ledger, Ledger):
        v.fail_type("ledger", "a Ledger", ledger)


def _check(ledger: Any, program: Any) -> None:
    _check_ledger(ledger)
    if not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program", program)


def _lot_entry(
    ledger: Ledger,
    program: Program,
    *,
    key: str,
    kind: EntryKind,
    at: datetime,
    points: int,
    reference: str | None,
    request: str,
    amount: Money | None = None,
) -> Entry:
    pending = at + timedelta(days=program.pending_days) if program.pending_days else None
    idle = program.expiry.months if program.expiry.kind == "inactivity" else None
    zone = program.timezone if idle is not None else None
    # Points earned while the balance is overdrawn repay the overdraft first.
    repay = min(points, _overdraft(ledger))
    repayment = (Allocation(key, -repay), Allocation(OVERDRAFT, repay)) if repay > 0 else ()
    return Entry(
        key=key,
        kind=kind,
        at=at,
        points=points,
        allocations=repayment,
        pending_until=pending,
        expires_at=expiry_instant(program, at),
        idle_months=idle,
        idle_timezone=zone,
        reference=reference,
        amount=amount,
        request=request,
    )


def expiry_instant(program: Program, earned_at: datetime) -> datetime | None:
    """When points earned at *earned_at* expire: local midnight after their last day."""
    policy = program.expiry
    earned_day = program.local_day(earned_at)
    if policy.kind == "days":
        last = _rounded_day(earned_day + timedelta(days=policy.days), policy.round_to)
    elif policy.kind == "months":
        last = _rounded_day(add_months(earned_day, policy.months), policy.round_to)
    elif policy.kind == "fixed_date":
        last = _fixed_day(earned_day.year + 1, policy.month, policy.day)
    else:
        return None
    return datetime.combine(last + timedelta(days=1), time(), tzinfo=program.zone)


def _rounded_day(day: date, round_to: str | None) -> date:
    if round_to == "month_end":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    if round_to == "year_end":
        return date(day.year, 12, 31)
    return day


def _fixed_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _after_period_caps(ledger: Ledger, program: Program, points: int, day: date) -> int:
    """Points left under the caps per local day, then per local month."""
    caps = (
        (program.max_points_per_day, lambda other: other == day),
        (
            program.max_points_per_month,
            lambda other: (other.year, other.month) == (day.year, day.month),
        ),
    )
    for cap, same_period in caps:
        if cap is None:
            continue
        earned = sum(
            entry.points
            for entry in ledger.entries
            if entry.kind == "earn" and same_period(program.local_day(entry.at))
        )
        points = max(0, min(points, cap - earned))
    return points


Lapse = tuple[datetime, datetime]
"""Under an inactivity policy: (last activity before an idle spell, when that spell expired
the points held then)."""


def _idle_deadline(ledger: Ledger, moment: datetime) -> list[Lapse]:
    """Every idle spell up to *moment* long enough to expire the points held at its start.

    Points are usable through the local day N months after an activity; if
    nothing happens by its midnight, every point held then is gone, even if
    the member comes back later.
    """
    idle = [e for e in ledger.entries if e.idle_months is not None and e.at <= moment]
    if not idle:
        return []
    policy = idle[-1]
    months, zone = int(policy.idle_months or 0), ZoneInfo(policy.idle_timezone or "UTC")
    active = sorted(
        e.at
        for e in ledger.entries
        if e.kind in ("earn", "award", "redeem", "transfer") and e.points and e.at <= moment
    ) or [policy.at]
    lapses = []
    for start, following in zip(active, [*active[1:], None], strict=True):
        day = add_months(start.astimezone(zone).date(), months) + timedelta(days=1)
        deadline = datetime.combine(day, time(), tzinfo=zone)
        if deadline <= (moment if following is None else following):
            lapses.append((start, deadline))
    return lapses


def _lot_end(lot: Lot, lapses: list[Lapse]) -> datetime | None:
    """When a lot's points end: its own expiry, or the first idle spell it lived through."""
    ends = [deadline for start, deadline in lapses if start >= lot.earned_at]
    if lot.expires_at is not None:
        ends.append(lot.expires_at)
    return min(ends) if ends else None


def _current_lots(ledger: Ledger, moment: datetime) -> list[Lot]:
    """Lots earned by *moment*, with what is left of them after every entry.

    Later entries count too: points spent by a later redemption, or expired
    by a later expiry run, cannot be spent or expired again by a backdated one.
    """
    return [lot for lot in ledger.lots() if lot.earned_at <= moment]


def _expired_lots(ledger: Ledger, moment: datetime) -> list[Lot]:
    idle_deadline = _idle_deadline(ledger, moment)
    return [
        lot
        for lot in _current_lots(ledger, moment)
        if lot.remaining > 0
        and (ends := _lot_end(lot, idle_deadline)) is not None
        and ends <= moment
    ]


def _usable_lots(ledger: Ledger, moment: datetime, consumption: str) -> list[Lot]:
    idle_deadline = _idle_deadline(ledger, moment)
    usable = []
    for lot in _current_lots(ledger, moment):
        ends = _lot_end(lot, idle_deadline)
        pending = lot.pending_until is not None and lot.pending_until > moment
        if lot.remaining > 0 and not pending and (ends is None or ends > moment):
            usable.append(lot)
    if consumption == "oldest":
        return sorted(usable, key=lambda lot: lot.earned_at)
    never = datetime.max.replace(tzinfo=moment.tzinfo)
    return sorted(usable, key=lambda lot: (lot.expires_at or never, lot.earned_at))


def _overdraft(ledger: Ledger, moment: datetime | None = None) -> int:
    return -sum(
        a.points
        for e in ledger.entries
        if moment is None or e.at <= moment
        for a in e.allocations
        if a.lot == OVERDRAFT
    )


def _consume(
    ledger: Ledger, points: int, moment: datetime, consumption: str, floor: int
) -> tuple[Allocation, ...]:
    """Allocations taking *points* from usable lots; beyond them, an overdraft down to *floor*."""
    lots = _usable_lots(ledger, moment, consumption)
    available = sum(lot.remaining for lot in lots) - _overdraft(ledger)
    if points > available - floor:
        allowed = max(available - floor, 0)
        message = f"'points' must be at most the {allowed} available; got {points}"
        raise InsufficientPointsError(message, value=points, available=allowed, requested=points)
    allocations = []
    left = points
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        allocations.append(Allocation(lot.id, -take))
        left -= take
    if left:
        allocations.append(Allocation(OVERDRAFT, -left))
    return tuple(allocations)


def _refund_points(
    ledger: Ledger, original: Entry, amount: Money | None
) -> tuple[int, Money | None]:
    """Points a (partial) refund takes back (in proportion, rounded down) and its amount."""
    earlier = [e for e in ledger.entries if e.kind == "reverse" and e.reference == original.key]
    charged = sum(-e.points + e.unrecovered for e in earlier)  # taken back or written off
    if original.amount is None:
        if amount is not None:
            v.fail("amount", "None for an entry without a purchase amount", amount)
        if charged >= original.points:
            v.fail("original_key", "an entry not reversed in full already", original.key)
        return original.points - charged, None
    refunded = sum((e.amount.amount for e in earlier if e.amount is not None), Decimal(0))
    left = original.amount.amount - refunded
    if left <= 0:
        v.fail("original_key", "a purchase not refunded in full already", original.key)
    if amount is None:
        amount = Money(left, original.amount.currency)
    if not isinstance(amount, Money):
        v.fail_type("amount", "Money", amount)
    if amount.currency != original.amount.currency:
        message = f"'amount' must be in {original.amount.currency}; got {amount.currency}"
        raise CurrencyMismatchError(message)
    if amount.amount <= 0 or amount.amount > left:
        v.fail("amount", f"more than 0 and at most the {left} not yet refunded", amount.amount)
    share = (refunded + amount.amount) / original.amount.amount
    return int(original.points * share) - charged, amount


def _reversed_earning(
    ledger: Ledger, original: Entry, points: int, key: str, moment: datetime, request: str
) -> Entry:
    """Take *points* back: first from the original lot, then from other usable lots."""
    own = next((lot for lot in ledger.lots() if lot.id == original.key), None)
    allocations = []
    left = points
    if own is not None and own.remaining > 0:
        take = min(own.remaining, left)
        allocations.append(Allocation(own.id, -take))
        left -= take
    for lot in _usable_lots(ledger, moment, "soonest_expiring"):
        if left == 0:
            break
        if lot.id == original.key:
            continue
        take = min(lot.remaining, left)
        allocations.append(Allocation(lot.id, -take))
        left -= take
    return Entry(
        key=key,
        kind="reverse",
        at=moment,
        points=-(points - left),
        allocations=allocations,
        reference=original.key,
        request=request,
        unrecovered=left,
    )


def _reversed_redemption(
    ledger: Ledger, original: Entry, key: str, moment: datetime, request: str
) -> Entry:
    if any(e.kind == "reverse" and e.reference == original.key for e in ledger.entries):
        v.fail("original_key", "a redemption not reversed already", original.key)
    restored = tuple(Allocation(a.lot, -a.points) for a in original.allocations)
    return Entry(
        key=key,
        kind="reverse",
        at=moment,
        points=-original.points,
        allocations=restored,
        reference=original.key,
        request=request,
    )


def _settle_clawbacks(ledger: Ledger, redemption: Entry, key: str, moment: datetime) -> Ledger:
    """Points a cancelled redemption returns to a refunded purchase's lot pay its clawback.

    A refund whose points were already spent left them `unrecovered`; when
    that spending is cancelled, the points come back to the refunded lot and
    are taken back there and then, instead of becoming available again.
    """
    for allocation in redemption.allocations:
        owed = sum(
            e.unrecovered
            for e in ledger.entries
            if e.kind == "reverse" and e.reference == allocation.lot
        )
        settle = min(owed, -allocation.points)
        if settle > 0:
            entry = Entry(
                key=f"{key}:settles:{allocation.lot}",
                kind="reverse",
                at=moment,
                points=-settle,
                allocations=(Allocation(allocation.lot, -settle),),
                reference=allocation.lot,
                request=f"settle the refund of {allocation.lot} by {key}",
                unrecovered=-settle,
            )
            ledger = _append(ledger, entry)
    return ledger


def _expire_restored(ledger: Ledger, redemption: Entry, key: str, moment: datetime) -> Ledger:
    """Points returned to lots that have expired meanwhile expire with the reversal."""
    restored = {allocation.lot for allocation in redemption.allocations}
    gone = [lot for lot in _expired_lots(ledger, moment) if lot.id in restored]
    if not gone:
        return ledger
    request = f"expire what {key} returned to expired lots"
    return _append(ledger, _expiry(gone, f"{key}:expires", moment, request))


def _expiry(gone: list[Lot], key: str, moment: datetime, request: str) -> Entry:
    """An expire entry taking what is left of each lot in *gone*."""
    allocations = tuple(Allocation(lot.id, -lot.remaining) for lot in gone)
    return Entry(
        key=key,
        kind="expire",
        at=moment,
        points=sum(a.points for a in allocations),
        allocations=allocations,
        request=request,
    )


def _totals(ledger: Ledger, moment: datetime) -> dict[str, int]:
    redemption_keys = {e.key for e in ledger.entries if e.kind == "redeem"}
    totals = {
        "earned": 0,
        "redeemed": 0,
        "expired": 0,
        "reversed": 0,
        "transferred": 0,
        "overdraft": 0,
    }
    for entry in ledger.entries:
        if entry.at > moment:
            continue
        if entry.kind in _CREATES_LOT and entry.points > 0:
            totals["earned"] += entry.points
        elif entry.kind == "redeem":
            totals["redeemed"] -= entry.points
        elif entry.kind == "expire":
            totals["expired"] -= entry.points
        elif entry.kind == "transfer":
            totals["transferred"] -= entry.points
        elif entry.kind == "reverse" and entry.reference in redemption_keys:
            totals["redeemed"] -= entry.points
        elif entry.kind in ("reverse", "adjust"):
            totals["reversed"] -= entry.points
    totals["overdraft"] = _overdraft(ledger, moment)
    return totals
