"""transfer: points moving between members, traced on both ledgers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import io
from crmkit.errors import InsufficientPointsError, InvalidInputError
from crmkit.loyalty import Expiry, Ledger, Program, adjust, balance, transfer

AT = datetime(2025, 3, 1, tzinfo=UTC)
PROGRAM = Program.simple(currency="CNY", expiry=Expiry(kind="days", days=30))


def funded(points: int, member: str = "mum") -> Ledger:
    return adjust(Ledger.empty(member), PROGRAM, points, at=AT, key=f"fund-{member}")


def accounted(ledger: Ledger, at: datetime) -> bool:
    b = balance(ledger, as_of=at)
    outside = b.available + b.pending + b.redeemed + b.expired + b.reversed + b.transferred
    return b.earned == outside


def test_points_move_and_both_ledgers_record_it() -> None:
    """300 - 120 leaves 180 with mum; the kid receives 120 as earned points, usable at once."""
    mum, kid = transfer(funded(300), Ledger.empty("kid"), 120, at=AT, key="t1", program=PROGRAM)

    assert 180 == balance(mum, as_of=AT).available
    assert 120 == balance(mum, as_of=AT).transferred
    assert (120, 120) == (balance(kid, as_of=AT).available, balance(kid, as_of=AT).earned)
    assert "kid" == mum.entries[-1].reference
    assert "mum" == kid.entries[-1].reference


def test_moved_points_keep_their_expiry() -> None:
    """Points moved keep the source lot's expiry: gone for the kid when they would have
    been for mum (30 days after March 1, from April 1 local midnight)."""
    _, kid = transfer(funded(300), Ledger.empty("kid"), 100, at=AT, key="t1", program=PROGRAM)

    assert 100 == balance(kid, as_of=AT + timedelta(days=30, hours=23)).available
    assert 0 == balance(kid, as_of=AT + timedelta(days=31)).available


def test_a_retry_changes_nothing_and_a_clash_is_refused() -> None:
    """The same transfer again returns both ledgers as they are; another with the key fails."""
    mum, kid = transfer(funded(300), Ledger.empty("kid"), 100, at=AT, key="t1", program=PROGRAM)

    assert (mum, kid) == transfer(mum, kid, 100, at=AT, key="t1", program=PROGRAM)
    with pytest.raises(InvalidInputError, match="'key'"):
        transfer(mum, kid, 50, at=AT, key="t1", program=PROGRAM)


def test_too_many_points_are_refused_and_nothing_changes() -> None:
    """Moving more than is available raises with the counts; the inputs are untouched."""
    mum = funded(100)
    with pytest.raises(InsufficientPointsError) as refusal:
        transfer(mum, Ledger.empty("kid"), 150, at=AT, key="t1", program=PROGRAM)

    assert (100, 150) == (refusal.value.available, refusal.value.requested)
    assert 1 == len(mum.entries)


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"target": "kid"}, "target"),
        ({"points": 0}, "points"),
        ({"at": datetime(2025, 3, 1)}, "at"),  # naive: refused
        ({"program": "points"}, "program"),
    ],
)
def test_bad_inputs_are_refused(changes: dict[str, object], argument: str) -> None:
    """Each bad argument raises a crmkit error naming it."""
    call = {
        "source": funded(100),
        "target": Ledger.empty("kid"),
        "points": 10,
        "at": AT,
        "key": "t1",
        "program": PROGRAM,
    }
    with pytest.raises((InvalidInputError, TypeError)) as refusal:
        transfer(**{**call, **changes})  # type: ignore[arg-type]

    assert f"'{argument}'" in str(refusal.value)


def test_a_member_cannot_transfer_to_themselves() -> None:
    """Source and target must be different members."""
    with pytest.raises(InvalidInputError, match="'target' must be another member's ledger"):
        transfer(funded(100), Ledger.empty("mum"), 10, at=AT, key="t1", program=PROGRAM)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 80)), min_size=1, max_size=20))
def test_points_are_conserved_between_members(moves: list[tuple[bool, int]]) -> None:
    """Across any sequence of transfers both ways, every point stays accounted for on each
    ledger, and the two available balances add up to what was funded."""
    mum, kid = funded(200), funded(100, "kid")
    for step, (to_kid, points) in enumerate(moves):
        source, target = (mum, kid) if to_kid else (kid, mum)
        try:
            source, target = transfer(
                source, target, points, at=AT, key=f"t{step}", program=PROGRAM
            )
        except InsufficientPointsError:
            continue
        mum, kid = (source, target) if to_kid else (target, source)

    assert accounted(mum, AT)
    assert accounted(kid, AT)
    assert 300 == balance(mum, as_of=AT).available + balance(kid, as_of=AT).available
    assert mum == io.from_json(Ledger, io.to_json(mum))
