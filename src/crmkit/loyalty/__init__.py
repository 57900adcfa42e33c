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

__all__ = [
    "STANDARD_TIERS",
    "Allocation",
    "Balance",
    "Consumption",
    "Entry",
    "EntryKind",
    "Expiry",
    "ExpiryKind",
    "Ledger",
    "Lot",
    "Program",
    "Promotion",
    "Rounding",
    "Tier",
    "TierPolicy",
    "adjust",
    "award",
    "balance",
    "earn",
    "expire",
    "points_for_transactions",
    "redeem",
    "reverse",
    "statement",
]
