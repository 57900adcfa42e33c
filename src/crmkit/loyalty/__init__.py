"""Loyalty: points ledgers, earning rules, expiry, tiers and liability.

Planned (issue "Loyalty"): programs as rules values, an append-only points
ledger over lots with idempotent operations, tiers and reviews, household
pooling, liability and breakage, and bulk points computation. Nothing here is
available yet.
"""

__all__: list[str] = []
