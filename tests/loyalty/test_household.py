"""Household pooling: the pool and each member's share, and redemptions drawn from it in
proportion (largest remainders, parts adding up exactly) or in order, all or nothing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InsufficientPointsError, InvalidInputError, InvalidTypeError
from crmkit.loyalty import (
    Ledger,
    PooledBalance,
    Program,
    adjust,
    balance,
    pooled_balance,
    redeem,
    redeem_pooled,
)

AT = datetime(2025, 3, 1, tzinfo=UTC)
LATER = datetime(2025, 3, 2, tzinfo=UTC)
PROGRAM = Program.simple(currency="CNY")


def holding(member: str, points: int, program: Program = PROGRAM) -> Ledger:
    """A ledger whose member holds *points* (an adjustment), or an empty one for 0."""
    ledger = Ledger.empty(member)
    return adjust(ledger, program, points, at=AT, key=f"in-{member}") if points else ledger


def family(**points: int) -> dict[str, Ledger]:
    return {member: holding(member, n) for member, n in points.items()}


def available(ledgers: Mapping[str, Ledger], at: datetime = LATER) -> dict[str, int]:
    return {member: balance(ledger, as_of=at).available for member, ledger in ledgers.items()}


def taken(before: Mapping[str, Ledger], after: Mapping[str, Ledger]) -> dict[str, int]:
    """Points each member gave to a pooled redemption."""
    old, new = available(before), available(after)
    return {member: old[member] - new[member] for member in before}


class TestPooledBalance:
    def test_totals_and_shares(self) -> None:
        """Mum 300, dad 100, kid 0: a pool of 400; shares 0.75, 0.25 and 0."""
        pool = pooled_balance(family(mum=300, dad=100, kid=0), as_of=AT)

        assert isinstance(pool, PooledBalance)
        assert 400 == pool.available
        assert {"mum": 300, "dad": 100, "kid": 0} == dict(pool.by_member)
        assert {"mum": 0.75, "dad": 0.25, "kid": 0.0} == dict(pool.shares)

    def test_only_available_points_are_pooled(self) -> None:
        """Points still pending (14 days) are not in the pool until they become usable."""
        pending = Program.simple(currency="CNY", pending_days=14)
        ledgers = {"mum": holding("mum", 300, pending), "kid": holding("kid", 100)}

        now = pooled_balance(ledgers, as_of=AT)
        later = pooled_balance(ledgers, as_of=datetime(2025, 3, 15, tzinfo=UTC))

        assert (100, {"mum": 0.0, "kid": 1.0}) == (now.available, dict(now.shares))
        assert 400 == later.available

    def test_an_empty_pool_has_zero_shares(self) -> None:
        """Nobody holds a point: the pool is 0 and every share 0 (no division by zero)."""
        pool = pooled_balance(family(mum=0, kid=0), as_of=AT)

        assert (0, {"mum": 0.0, "kid": 0.0}) == (pool.available, dict(pool.shares))

    def test_shares_stay_between_zero_and_one_with_an_overdrawn_member(self) -> None:
        """Under a program allowing -500, the kid overdrew to -100 while mum holds 300: the
        pool is 200. Shares are documented from 0 to 1 (each member's contribution): the
        overdrawn member contributes 0, and no share may exceed 1 or the shares 1 in all."""
        overdraft = Program.simple(currency="CNY", negative_floor=-500)
        kid = redeem(holding("kid", 100, overdraft), 200, at=AT, key="treat", floor=-500)
        ledgers = {"mum": holding("mum", 300, overdraft), "kid": kid}

        pool = pooled_balance(ledgers, as_of=AT)

        assert (200, {"mum": 300, "kid": -100}) == (pool.available, dict(pool.by_member))
        assert {"mum": 1.0, "kid": 0.0} == dict(pool.shares)

    def test_a_member_leaving_takes_their_own_ledger(self) -> None:
        """After a pooled redemption of 200 (mum 150, kid 50), the kid leaves with the 50
        still in their own ledger; the pool without them is mum's 150."""
        after = redeem_pooled(family(mum=300, kid=100), 200, at=AT, key="r1")

        remaining = {"mum": after["mum"]}

        assert 50 == balance(after["kid"], as_of=AT).available
        assert 150 == pooled_balance(remaining, as_of=AT).available


class TestRedeemPooled:
    def test_proportional_docstring_example(self) -> None:
        """200 from mum 300 and kid 100: 150 and 50, in proportion to 3:1."""
        ledgers = family(mum=300, kid=100)

        after = redeem_pooled(ledgers, 200, at=AT, key="r1")

        assert {"mum": 150, "kid": 50} == taken(ledgers, after)
        assert "r1:mum" == after["mum"].entries[-1].key
        assert "r1:kid" == after["kid"].entries[-1].key

    def test_proportional_largest_remainder(self) -> None:
        """7 from 5, 3 and 2 points: exact parts 3.5, 2.1 and 1.4 floor to 3, 2 and 1 (6);
        the odd point goes to the largest remainder (0.5, the first member): 4, 2, 1."""
        ledgers = family(a=5, b=3, c=2)

        after = redeem_pooled(ledgers, 7, at=AT, key="r1")

        assert {"a": 4, "b": 2, "c": 1} == taken(ledgers, after)

    def test_a_member_who_gives_nothing_is_left_unchanged(self) -> None:
        """Redeeming 3 from 1,000 and 1 point: exact parts 2.997 and 0.003, so 3 and 0; the
        second member's ledger gets no entry at all."""
        ledgers = family(a=1000, b=1)

        after = redeem_pooled(ledgers, 3, at=AT, key="r1")

        assert {"a": 3, "b": 0} == taken(ledgers, after)
        assert ledgers["b"] == after["b"]

    def test_in_order(self) -> None:
        """350 in order from mum 300 then kid 100: mum gives all 300, the kid 50; listed the
        other way round, the kid gives 100 and mum 250."""
        mum_first = family(mum=300, kid=100)
        kid_first = {"kid": mum_first["kid"], "mum": mum_first["mum"]}

        one = redeem_pooled(mum_first, 350, at=AT, key="r1", rule="in_order")
        other = redeem_pooled(kid_first, 350, at=AT, key="r1", rule="in_order")

        assert {"mum": 300, "kid": 50} == taken(mum_first, one)
        assert {"kid": 100, "mum": 250} == taken(kid_first, other)

    @pytest.mark.parametrize("rule", ["proportional", "in_order"])
    def test_the_whole_pool_can_be_redeemed(self, rule: str) -> None:
        """Redeeming exactly the pool empties every member."""
        ledgers = family(a=7, b=11, c=13)

        after = redeem_pooled(ledgers, 31, at=AT, key="r1", rule=rule)

        assert {"a": 0, "b": 0, "c": 0} == available(after)

    @pytest.mark.parametrize("rule", ["proportional", "in_order"])
    def test_all_or_nothing_when_the_pool_is_short(self, rule: str) -> None:
        """401 from a pool of 400: InsufficientPointsError naming 'points', with
        .available 400 and .requested 401; no ledger changes and the keys stay free."""
        ledgers = family(mum=300, kid=100)
        before = dict(ledgers)

        with pytest.raises(
            InsufficientPointsError, match=r"'points' must be at most the 400 in the pool; got 401"
        ) as info:
            redeem_pooled(ledgers, 401, at=AT, key="r1", rule=rule)

        assert ("points", 400, 401) == (
            info.value.argument,
            info.value.available,
            info.value.requested,
        )
        assert before == ledgers
        assert all(ledger.entry("r1:" + member) is None for member, ledger in ledgers.items())
        assert {"mum": 150, "kid": 50} == taken(
            ledgers, redeem_pooled(ledgers, 200, at=AT, key="r1")
        )

    def test_pending_points_do_not_cover_a_pooled_redemption(self) -> None:
        """Mum's 500 points are pending for 14 days: the pool is the kid's 100, so 350 is
        refused even though the members hold 600 points in all."""
        pending = Program.simple(currency="CNY", pending_days=14)
        ledgers = {"mum": holding("mum", 500, pending), "kid": holding("kid", 100)}

        with pytest.raises(InsufficientPointsError) as info:
            redeem_pooled(ledgers, 350, at=AT, key="r1")

        assert 100 == info.value.available

    @pytest.mark.parametrize("rule", ["proportional", "in_order"])
    def test_a_retry_with_the_same_key_changes_nothing(self, rule: str) -> None:
        """Sending the same pooled redemption again returns the ledgers unchanged: no point
        is taken twice."""
        after = redeem_pooled(family(mum=300, kid=100), 200, at=AT, key="r1", rule=rule)

        again = redeem_pooled(after, 200, at=AT, key="r1", rule=rule)

        assert after == again
        assert 200 == pooled_balance(again, as_of=AT).available

    def test_the_same_key_for_another_redemption_is_refused(self) -> None:
        """A pooled key already used for 200 points, sent again for 150, is another request:
        like every keyed operation it is refused naming 'key' (issue 7: duplicate keys with
        different payloads are an error, not a silent no-op)."""
        after = redeem_pooled(family(mum=300, kid=100), 200, at=AT, key="r1")

        with pytest.raises(InvalidInputError, match=r"'key'") as info:
            redeem_pooled(after, 150, at=AT, key="r1")

        assert "key" == info.value.argument

    @settings(max_examples=100, deadline=None)
    @given(
        holdings=st.lists(st.integers(0, 10_000), min_size=1, max_size=6).filter(
            lambda points: sum(points) > 0
        ),
        fraction=st.floats(0.0, 1.0),
    )
    def test_proportional_parts_are_exact_largest_remainders(
        self, holdings: list[int], fraction: float
    ) -> None:
        """For any balances and any redemption up to the pool, the parts add up to the
        points exactly, no member gives more than they hold, each part is the exact share
        points x holding / pool rounded down or up, and only members with a remainder at
        least as large as every rounded-down member's get the extra point."""
        ledgers = {f"m{i}": holding(f"m{i}", n) for i, n in enumerate(holdings)}
        pool = sum(holdings)
        points = max(1, math.floor(fraction * pool))

        parts = taken(ledgers, redeem_pooled(ledgers, points, at=AT, key="r1"))

        exact = {f"m{i}": Fraction(points * n, pool) for i, n in enumerate(holdings)}
        assert points == sum(parts.values())
        assert all(parts[m] <= n for m, n in zip(parts, holdings, strict=True))
        assert all(parts[m] in (math.floor(exact[m]), math.ceil(exact[m])) for m in parts)
        up = [exact[m] - math.floor(exact[m]) for m in parts if parts[m] > exact[m]]
        down = [exact[m] - math.floor(exact[m]) for m in parts if parts[m] < exact[m]]
        assert not up or not down or min(up) >= max(down)

    def test_inputs_are_not_mutated(self) -> None:
        """The mapping given and its ledgers are the same after a pooled redemption."""
        ledgers = family(mum=300, kid=100)
        copy = dict(ledgers)

        redeem_pooled(ledgers, 200, at=AT, key="r1")

        assert copy == ledgers
        assert {"mum": 300, "kid": 100} == available(ledgers)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"ledgers": {}},
                InvalidInputError,
                "'ledgers' must be at least one member's ledger; got none",
            ),
            ({"ledgers": [Ledger.empty("mum")]}, InvalidTypeError, "'ledgers' must be a mapping"),
            ({"points": 0}, InvalidInputError, "'points' must be an integer of at least 1; got 0"),
            (
                {"points": -5},
                InvalidInputError,
                "'points' must be an integer of at least 1; got -5",
            ),
            ({"points": 1.5}, InvalidTypeError, "'points' must be an integer; got float 1.5"),
            ({"rule": "equal"}, InvalidInputError, "'rule' must be one of .*; got 'equal'"),
            (
                {"at": datetime(2025, 3, 1)},
                InvalidInputError,
                "'at' must be a timezone-aware datetime",
            ),
            ({"key": ""}, InvalidInputError, "'key' must be a non-empty string; got ''"),
        ],
    )
    def test_bad_inputs_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """An empty or non-mapping household, points that are not a whole number >= 1, an
        unknown rule, a naive time and an empty key are refused naming the argument."""
        refused(
            redeem_pooled,
            {"ledgers": family(mum=300), "points": 10, "at": AT, "key": "r1", **kwargs},
            error,
            match,
        )

    @pytest.mark.parametrize("function", ["pooled_balance", "redeem_pooled"])
    def test_a_ledger_filed_under_another_member_is_refused(self, function: str) -> None:
        """Dad's ledger under 'mum' is refused, naming the entry and whose ledger it is."""
        ledgers = {"mum": holding("dad", 300)}
        call = {
            "pooled_balance": lambda: pooled_balance(ledgers, as_of=AT),
            "redeem_pooled": lambda: redeem_pooled(ledgers, 10, at=AT, key="r1"),
        }[function]

        with pytest.raises(
            InvalidInputError, match=r"'ledgers\['mum'\]' must be the ledger of 'mum'; got 'dad'"
        ) as info:
            call()

        assert ("ledgers['mum']", "dad") == (info.value.argument, info.value.value)

    def test_a_value_that_is_not_a_ledger_is_refused(self) -> None:
        """A household entry that is not a Ledger is a type error naming the entry."""
        with pytest.raises(InvalidTypeError, match=r"'ledgers\['kid'\]' must be a Ledger") as info:
            pooled_balance({"kid": "100 points"}, as_of=AT)

        assert "ledgers['kid']" == info.value.argument

    def test_pooled_balance_naive_as_of_refused(self) -> None:
        """A naive as_of is refused naming 'as_of'."""
        refused(
            pooled_balance,
            {"ledgers": family(mum=1), "as_of": datetime(2025, 3, 1)},
            InvalidInputError,
            "'as_of' must be a timezone-aware datetime",
        )
