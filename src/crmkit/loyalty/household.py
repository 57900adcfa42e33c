"""Household pooling: members' points counted together and redeemed from the pool."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from attrs import frozen

from crmkit import _validation as v
from crmkit.errors import InsufficientPointsError
from crmkit.loyalty.ledger import Ledger, balance, ledgers_by_member, redeem

__all__ = ["PoolRule", "PooledBalance", "pooled_balance", "redeem_pooled"]

PoolRule = Literal["proportional", "in_order"]
"""How a pooled redemption is split: in proportion to each member's available
points, or from the members in the order given."""


@frozen(kw_only=True)
class PooledBalance:
    """A household's points at a moment.

    Attributes:
        available: The pool: every member's available points together.
        by_member: Each member's available points.
        shares: Each member's share of the pool (their contribution; 0 to 1).

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, pooled_balance
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> pooled_balance({"mum": Ledger.empty("mum")}, as_of=at).available
        0
    """

    available: int
    by_member: Mapping[str, int]
    shares: Mapping[str, float]


def _ledgers(ledgers: object) -> dict[str, Ledger]:
    members = ledgers_by_member(ledgers)
    if not members:
        v.fail("ledgers", "at least one member's ledger", v.described("none"))
    return members


def pooled_balance(ledgers: Mapping[str, Ledger], *, as_of: datetime) -> PooledBalance:
    """The household's pool at *as_of*: members' available points and their shares.

    A member leaving takes their own ledger, so their share of the pool is
    what they contributed net of what pooled redemptions took from them.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, pooled_balance
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> family = {"mum": adjust(Ledger.empty("mum"), program, 300, at=at, key="a"),
        ...           "kid": adjust(Ledger.empty("kid"), program, 100, at=at, key="b")}
        >>> pool = pooled_balance(family, as_of=at)
        >>> pool.available, pool.shares["kid"]
        (400, 0.25)
    """
    members = _ledgers(ledgers)
    moment = v.aware_datetime("as_of", as_of)
    by_member = {m: balance(ledger, as_of=moment).available for m, ledger in members.items()}
    total = sum(by_member.values())
    positive = sum(max(points, 0) for points in by_member.values())
    shares = {m: (max(p, 0) / positive if positive > 0 else 0.0) for m, p in by_member.items()}
    return PooledBalance(available=total, by_member=by_member, shares=shares)


def redeem_pooled(
    ledgers: Mapping[str, Ledger],
    points: int,
    *,
    at: datetime,
    key: str,
    rule: PoolRule = "proportional",
) -> dict[str, Ledger]:
    """Redeem *points* from the household's pool; every member's ledger or none changes.

    With "proportional", each member gives in proportion to their available
    points (largest remainders get the odd points, so the parts add up
    exactly); with "in_order", members give in the order the mapping lists
    them until the points are covered. Each member's redemption gets the key
    `"<key>:<member>"`; a retried pooled redemption (its key already used)
    changes nothing.

    Raises:
        InsufficientPointsError: If the pool holds fewer points; no ledger changes.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from crmkit.loyalty import Ledger, Program, adjust, pooled_balance, redeem_pooled
        >>> program = Program.simple(currency="CNY")
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> family = {"mum": adjust(Ledger.empty("mum"), program, 300, at=at, key="a"),
        ...           "kid": adjust(Ledger.empty("kid"), program, 100, at=at, key="b")}
        >>> after = redeem_pooled(family, 200, at=at, key="r1")
        >>> pooled_balance(after, as_of=at).by_member
        {'mum': 150, 'kid': 50}
    """
    members = _ledgers(ledgers)
    amount = v.check_int("points", points, low=1)
    moment = v.aware_datetime("at", at)
    group_key = v.check_str("key", key)
    v.check_choice("rule", rule, ("proportional", "in_order"))
    made = [
        entry
        for member, ledger in members.items()
        if (entry := ledger.entry(f"{group_key}:{member}")) is not None
    ]
    if made:  # the key was used: a retry of the same redemption, or a clash
        if -sum(entry.points for entry in made) != amount:
            v.fail("key", "a new key, or the key of this very pooled redemption", group_key)
        return members
    pool = pooled_balance(members, as_of=moment)
    if amount > pool.available:
        allowed = max(pool.available, 0)
        message = f"'points' must be at most the {allowed} in the pool; got {amount}"
        raise InsufficientPointsError(message, value=amount, available=allowed, requested=amount)
    parts = _split(pool.by_member, amount, rule)
    return {
        member: (
            redeem(ledger, parts[member], at=moment, key=f"{group_key}:{member}")
            if parts[member]
            else ledger
        )
        for member, ledger in members.items()
    }


def _split(available: Mapping[str, int], points: int, rule: str) -> dict[str, int]:
    usable = {member: max(points_, 0) for member, points_ in available.items()}
    if rule == "in_order":
        parts, left = {}, points
        for member, points_ in usable.items():
            parts[member] = min(points_, left)
            left -= parts[member]
        return parts
    total = sum(usable.values())
    exact = {member: points * p / total for member, p in usable.items()}
    parts = {member: int(share) for member, share in exact.items()}
    # Largest remainders take the points rounding left over.
    order = sorted(exact, key=lambda m: exact[m] - parts[m], reverse=True)
    for member in order[: points - sum(parts.values())]:
        parts[member] += 1
    return parts
