"""Replaying a log of loyalty events (earn, redeem, reverse, adjust, expire) into ledgers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from crmkit import _validation as v
from crmkit.errors import CrmkitError, InvalidInputError
from crmkit.loyalty.ledger import (
    Ledger,
    adjust,
    earn,
    expire,
    ledgers_by_member,
    redeem,
    reverse,
)
from crmkit.loyalty.program import Program
from crmkit.models import Money, Transaction
from crmkit.rules import _columns_of

__all__ = ["EVENT_KINDS", "replay_events"]

EVENT_KINDS = ("earn", "redeem", "reverse", "adjust", "expire")
"""The event kinds `replay_events` understands."""

_REQUIRED = ("member_id", "kind", "key", "at")


def replay_events(
    program: Program,
    events: Any,
    *,
    ledgers: Mapping[str, Ledger] | None = None,
) -> dict[str, Ledger]:
    """Apply a log of events, in its order, to the members' ledgers.

    Columns: `member_id`, `kind` (earn, redeem, reverse, adjust, expire),
    `key` (idempotency key), `at` (timezone-aware datetimes, or ISO strings
    or datetime64 read as UTC), and as the kinds need them `amount` (earn:
    the purchase; reverse: the refund, NaN for all of it), `points`
    (redeem, adjust), `original_key` (reverse) and `category`. Retried rows
    (same key and payload) change nothing, as with the per-event functions.

    Args:
        program: The program's rules.
        events: The log: a mapping of column name to array, or a frame.
        ledgers: Ledgers to continue from (members not in it start empty).

    Returns:
        Member id -> ledger, for every member in *ledgers* or the log.

    Raises:
        InvalidInputError: If a column is missing, a kind is unknown, or an
            event is refused (its row is named; nothing is returned).

    Examples:
        >>> from crmkit.loyalty import Program, balance, replay_events
        >>> from datetime import datetime, timezone
        >>> log = {"member_id": ["m1", "m1", "m1"], "kind": ["earn", "earn", "redeem"],
        ...        "key": ["o1", "o1", "r1"],
        ...        "at": ["2025-03-01T10:00:00+00:00", "2025-03-01T10:00:00+00:00",
        ...               "2025-03-02T09:00:00+00:00"],
        ...        "amount": [128.5, 128.5, float("nan")], "points": [0, 0, 100]}
        >>> led = replay_events(Program.simple(currency="CNY"), log)["m1"]
        >>> balance(led, as_of=datetime(2025, 3, 3, tzinfo=timezone.utc)).available
        28
    """
    if not isinstance(program, Program):
        v.fail_type("program", "a loyalty Program", program)
    if (
        not isinstance(events, Mapping)
        and not hasattr(events, "__dataframe__")
        and not (hasattr(events, "columns") or hasattr(events, "schema"))
    ):
        v.fail_type("events", "a mapping of column name to array, or a frame", events)
    given = {} if ledgers is None else ledgers_by_member(ledgers)
    # Redemption and full-refund rows have no amount: missing values are expected.
    columns = _columns_of(events, argument="events", allow_missing=True)
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        v.fail("events", f"columns {', '.join(_REQUIRED)}", v.described(f"none for {missing}"))
    table = {name: np.asarray(values) for name, values in columns.items()}
    n = v.same_length(**table)
    result = given
    for row in range(n):
        member = str(table["member_id"][row])
        ledger = result.get(member) or Ledger.empty(member)
        try:
            result[member] = _apply(program, ledger, {k: c[row] for k, c in table.items()})
        except CrmkitError as error:
            what = f"{table['kind'][row]} {table['key'][row]!s}"
            message = f"'events' row {row} ({what}) was refused: {error}"
            raise InvalidInputError(message, argument="events", value=row, index=row) from error
    return result


def _apply(program: Program, ledger: Ledger, event: dict[str, Any]) -> Ledger:
    kind, key, at = str(event["kind"]), str(event["key"]), _instant(event["at"])
    if kind == "earn":
        purchase = Transaction(
            id=str(event.get("order_id", key)),
            customer_id=ledger.member_id,
            at=at,
            amount=Money(_decimal(event.get("amount")), program.currency),
            category=_text(event.get("category")),
        )
        return earn(ledger, program, purchase, key=key)
    if kind == "redeem":
        return redeem(
            ledger,
            _points(event),
            at=at,
            key=key,
            consumption=program.consumption,
            floor=program.negative_floor,
        )
    if kind == "reverse":
        refund = event.get("amount")
        amount = None if _missing(refund) else Money(_decimal(refund), program.currency)
        original = _text(event.get("original_key"))
        return reverse(ledger, original_key=original or "", key=key, amount=amount, at=at)
    if kind == "adjust":
        return adjust(ledger, program, _points(event), at=at, key=key)
    if kind == "expire":
        return expire(ledger, as_of=at)
    v.fail("kind", f"one of {', '.join(EVENT_KINDS)}", kind)


def _instant(value: Any) -> datetime:
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[us]").item().replace(tzinfo=UTC)
    elif isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            v.fail("at", "ISO 8601 timestamps", value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # text without an offset is read as UTC
    return v.aware_datetime("at", value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _decimal(value: Any) -> Decimal:
    if _missing(value):
        v.fail("amount", "the purchase amount of an earn event", value)
    number = value.item() if isinstance(value, np.generic) else value
    # Floats from a CSV or frame carry cents: their shortest repr is the amount written.
    return (
        Decimal(repr(number)) if isinstance(number, float) else v.decimal_amount("amount", number)
    )


def _points(event: dict[str, Any]) -> int:
    value = event.get("points")
    number = value.item() if isinstance(value, np.generic) else value
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return v.check_int("points", number)


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    text = str(value)
    return text or None
