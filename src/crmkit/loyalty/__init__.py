"""Loyalty: programs as data, a points ledger over lots, tiers and bulk earning.

A [`Program`][crmkit.loyalty.Program] holds the rules (rates, multipliers,
promotions, caps, expiry, pending period, consumption order, tiers); a
[`Ledger`][crmkit.loyalty.Ledger] holds one member's entries. `earn`, `award`,
`redeem`, `reverse`, `expire` and `adjust` return a new ledger, each with an
idempotency key; `balance` says where the points are. `points_for_transactions`
computes earnings for millions of purchases with the same rules.

Examples:
    >>> from datetime import datetime, timezone
    >>> from crmkit.loyalty import Ledger, Program, balance, earn
    >>> from crmkit.models import Money, Transaction
    >>> t = Transaction(id="o1", customer_id="m1", amount=Money("128.50", "CNY"),
    ...                 at=datetime(2025, 3, 1, tzinfo=timezone.utc))
    >>> led = earn(Ledger.empty("m1"), Program.simple(currency="CNY"), t, key="o1")
    >>> balance(led, as_of=datetime(2025, 3, 2, tzinfo=timezone.utc)).available
    128
"""

from crmkit.loyalty.earning import points_for_transactions
from crmkit.loyalty.events import EVENT_KINDS, replay_events
from crmkit.loyalty.finance import Breakage, Liability, estimate_breakage, liability
from crmkit.loyalty.household import PooledBalance, PoolRule, pooled_balance, redeem_pooled
from crmkit.loyalty.ledger import (
    Allocation,
    Balance,
    Entry,
    EntryKind,
    Ledger,
    Lot,
    adjust,
    award,
    balance,
    earn,
    expire,
    redeem,
    reverse,
    statement,
    transfer,
)
from crmkit.loyalty.program import (
    STANDARD_TIERS,
    Consumption,
    Expiry,
    ExpiryKind,
    Program,
    Promotion,
    Rounding,
    Tier,
    TierPolicy,
)
from crmkit.loyalty.tiers import TierReview, TierStatus, evaluate_tier, review_tiers

__all__ = [
    "EVENT_KINDS",
    "STANDARD_TIERS",
    "Allocation",
    "Balance",
    "Breakage",
    "Consumption",
    "Entry",
    "EntryKind",
    "Expiry",
    "ExpiryKind",
    "Ledger",
    "Liability",
    "Lot",
    "PoolRule",
    "PooledBalance",
    "Program",
    "Promotion",
    "Rounding",
    "Tier",
    "TierPolicy",
    "TierReview",
    "TierStatus",
    "adjust",
    "award",
    "balance",
    "earn",
    "estimate_breakage",
    "evaluate_tier",
    "expire",
    "liability",
    "points_for_transactions",
    "pooled_balance",
    "redeem",
    "redeem_pooled",
    "replay_events",
    "reverse",
    "review_tiers",
    "statement",
    "transfer",
]
