"""Tiers: upgrades at once on the earning that crosses a threshold, downgrades only at review
(one_down or recompute, after grace days), over calendar-year, rolling or anniversary windows
of points, spend or orders; and the vectorised review of every member at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.loyalty import (
    STANDARD_TIERS,
    Ledger,
    Program,
    Tier,
    TierPolicy,
    TierReview,
    TierStatus,
    award,
    earn,
    evaluate_tier,
    reverse,
    review_tiers,
)
from crmkit.models import Interaction, Money, Transaction

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = [tier.name for tier in STANDARD_TIERS]
ORDER_TIERS = (
    Tier(name="member", threshold=0),
    Tier(name="regular", threshold=3),
    Tier(name="vip", threshold=10),
)


def ladder(timezone_name: str = "UTC", tiers: Any = STANDARD_TIERS, **policy: Any) -> Program:
    """A 1-point-per-CNY program with the standard ladder and the given tier policy."""
    return Program.simple(
        currency="CNY",
        tiers=tiers,
        timezone=timezone_name,
        tier_policy=TierPolicy(**policy),
        category_multipliers={"beauty": 2},
        actions={"review": 20},
    )


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def bought(
    ledger: Ledger,
    program: Program,
    key: str,
    amount: str,
    at: datetime,
    *,
    category: str | None = None,
) -> Ledger:
    """*ledger* after earning on a purchase of *amount* CNY (order id and key *key*)."""
    purchase = Transaction(
        id=key, customer_id=ledger.member_id, at=at, amount=Money(amount, "CNY"), category=category
    )
    return earn(ledger, program, purchase, key=key)


def history(program: Program, *purchases: tuple[str, datetime], member: str = "m1") -> Ledger:
    """A ledger of purchases `(amount, at)`, keyed o1, o2, ..."""
    ledger = Ledger.empty(member)
    for number, (amount, at) in enumerate(purchases, start=1):
        ledger = bought(ledger, program, f"o{number}", amount, at)
    return ledger


def tier_at(ledger: Ledger, program: Program, at: datetime) -> str:
    return evaluate_tier(ledger, program, as_of=at).tier


def times(*text: str) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    """UTC instants as the naive `datetime64[us]` the columnar functions take."""
    return np.array(text, dtype="datetime64[us]")


class TestEvaluateTier:
    def test_docstring_example(self) -> None:
        """1,200 CNY at 1 point per CNY is 1,200 points: silver (1,000), 3,800 short of gold
        (5,000); the calendar year is reviewed next on 2026-01-01."""
        program = ladder()
        ledger = history(program, ("1200", utc(2025, 3, 1)))

        status = evaluate_tier(ledger, program, as_of=utc(2025, 6, 1))

        assert isinstance(status, TierStatus)
        assert (
            TierStatus(
                tier="silver",
                qualifying_value=Decimal(1200),
                next_tier="gold",
                gap=Decimal(3800),
                window_start=date(2025, 1, 1),
                next_review=date(2026, 1, 1),
            )
            == status
        )

    def test_empty_history_is_the_lowest_tier(self) -> None:
        """No earning: standard, value 0, 1,000 short of silver."""
        status = evaluate_tier(Ledger.empty("m1"), ladder(), as_of=utc(2025, 6, 1))

        assert ("standard", Decimal(0), "silver", Decimal(1000)) == (
            status.tier,
            status.qualifying_value,
            status.next_tier,
            status.gap,
        )

    def test_upgrade_at_once_on_the_crossing_earning_mid_window(self) -> None:
        """600 points in March and 500 on June 10 at noon: standard (600, 400 short) until
        the June purchase, silver (1,100, 3,900 short of gold) from that very moment, with
        no review in between (the next one is 2026-01-01)."""
        program = ladder()
        ledger = history(program, ("600", utc(2025, 3, 1)), ("500", utc(2025, 6, 10, 12)))

        before = evaluate_tier(ledger, program, as_of=utc(2025, 6, 10, 11, 59))
        after = evaluate_tier(ledger, program, as_of=utc(2025, 6, 10, 12))

        assert ("standard", Decimal(600), Decimal(400)) == (
            before.tier,
            before.qualifying_value,
            before.gap,
        )
        assert ("silver", Decimal(1100), "gold", Decimal(3900), date(2026, 1, 1)) == (
            after.tier,
            after.qualifying_value,
            after.next_tier,
            after.gap,
            after.next_review,
        )

    def test_one_order_can_skip_tiers_to_the_top(self) -> None:
        """25,000 points in one order go from standard straight to diamond, the top tier:
        no next tier and no gap."""
        program = ladder()
        ledger = history(program, ("25000", utc(2025, 3, 1)))

        status = evaluate_tier(ledger, program, as_of=utc(2025, 3, 2))

        assert ("diamond", None, None) == (status.tier, status.next_tier, status.gap)

    def test_entries_after_as_of_are_ignored(self) -> None:
        """The purchase on April 1 is in the ledger but after as_of: it counts for nothing."""
        program = ladder()
        ledger = history(program, ("600", utc(2025, 3, 1)), ("5000", utc(2025, 4, 1)))

        status = evaluate_tier(ledger, program, as_of=utc(2025, 3, 31))

        assert ("standard", Decimal(600)) == (status.tier, status.qualifying_value)

    def test_no_downgrade_between_reviews(self) -> None:
        """Gold on 6,000 points in 2023: the review of 2024-01-01 judges 2023 (6,000, gold
        kept), so the member stays gold through all of 2024 with a value of 0, and only the
        review of 2025-01-01, judging the empty 2024, moves them down."""
        program = ladder()
        ledger = history(program, ("6000", utc(2023, 5, 1)))

        during = [tier_at(ledger, program, utc(2024, month, 15)) for month in range(1, 13)]

        assert ["gold"] * 12 == during
        assert "gold" == tier_at(ledger, program, utc(2024, 12, 31, 23, 59))
        assert "silver" == tier_at(ledger, program, utc(2025, 1, 1, 0))

    @pytest.mark.parametrize(
        ("downgrade", "expected"),
        [
            ("one_down", ["diamond", "gold", "silver", "standard"]),
            ("recompute", ["diamond", "silver", "standard", "standard"]),
        ],
    )
    def test_one_down_versus_recompute(self, downgrade: str, expected: list[str]) -> None:
        """Diamond on 25,000 points in 2023, 1,500 (silver's value) in 2024, nothing after.
        one_down moves one tier per review: gold on 2025-01-01, silver on 2026-01-01,
        standard on 2027-01-01. recompute goes to the tier the judged year reaches: silver
        (1,500) on 2025-01-01, standard (0) on 2026-01-01."""
        program = ladder(downgrade=downgrade)
        ledger = history(program, ("25000", utc(2023, 5, 1)), ("1500", utc(2024, 5, 1)))

        actual = [tier_at(ledger, program, utc(year, 6, 1)) for year in (2024, 2025, 2026, 2027)]

        assert expected == actual

    def test_one_down_goes_no_lower_than_the_value_reaches(self) -> None:
        """Diamond in 2023, 6,000 (gold) in 2024: at 2025-01-01 both policies land on gold,
        one_down because it is one tier down, recompute because 6,000 reaches gold."""
        for downgrade in ("one_down", "recompute"):
            program = ladder(downgrade=downgrade)
            ledger = history(program, ("25000", utc(2023, 5, 1)), ("6000", utc(2024, 5, 1)))

            assert "gold" == tier_at(ledger, program, utc(2025, 1, 2))

    def test_calendar_review_on_january_first_local_time(self) -> None:
        """In Asia/Shanghai (UTC+8) the review of 2025-01-01 happens at 2024-12-31 16:00
        UTC: one second before, the member is still gold and the next review is
        2025-01-01; at 16:00 UTC they are silver and the next review is 2026-01-01."""
        program = ladder("Asia/Shanghai")
        ledger = history(program, ("6000", utc(2023, 5, 1)))

        before = evaluate_tier(
            ledger, program, as_of=datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC)
        )
        after = evaluate_tier(ledger, program, as_of=datetime(2024, 12, 31, 16, tzinfo=UTC))

        assert ("gold", date(2025, 1, 1)) == (before.tier, before.next_review)
        assert ("silver", date(2026, 1, 1), date(2025, 1, 1)) == (
            after.tier,
            after.next_review,
            after.window_start,
        )

    def test_an_evening_purchase_in_utc_counts_for_the_next_local_year(self) -> None:
        """1,200 CNY on 2024-12-31 at 16:30 UTC is 00:30 on January 1 in Shanghai: it counts
        for 2025's window, not 2024's."""
        program = ladder("Asia/Shanghai")
        ledger = history(program, ("1200", datetime(2024, 12, 31, 16, 30, tzinfo=UTC)))

        in_2024 = evaluate_tier(ledger, program, as_of=datetime(2024, 12, 31, 23, tzinfo=SHANGHAI))
        in_2025 = evaluate_tier(ledger, program, as_of=datetime(2025, 1, 2, tzinfo=SHANGHAI))

        assert ("standard", Decimal(0)) == (in_2024.tier, in_2024.qualifying_value)
        assert ("silver", Decimal(1200), date(2025, 1, 1)) == (
            in_2025.tier,
            in_2025.qualifying_value,
            in_2025.window_start,
        )

    def test_anniversary_window_from_the_first_earning(self) -> None:
        """First earning 600 on 2024-05-10, then 500 on 2025-04-01: both fall in the
        membership year from 2024-05-10, so 1,100 reaches silver at once (under a calendar
        year, 2025 holds only 500: standard). The review of 2025-05-10 judges 1,100 and keeps
        silver; the one of 2026-05-10 judges an empty year and moves the member down."""
        anniversary = ladder(window="anniversary")
        calendar_year = ladder(window="calendar_year")
        ledger = history(anniversary, ("600", utc(2024, 5, 10)), ("500", utc(2025, 4, 1)))

        status = evaluate_tier(ledger, anniversary, as_of=utc(2025, 4, 2))

        assert ("silver", Decimal(1100), date(2024, 5, 10), date(2025, 5, 10)) == (
            status.tier,
            status.qualifying_value,
            status.window_start,
            status.next_review,
        )
        assert "standard" == tier_at(ledger, calendar_year, utc(2025, 4, 2))
        kept = evaluate_tier(ledger, anniversary, as_of=utc(2026, 5, 9))
        assert ("silver", date(2025, 5, 10), date(2026, 5, 10)) == (
            kept.tier,
            kept.window_start,
            kept.next_review,
        )
        assert "standard" == tier_at(ledger, anniversary, utc(2026, 5, 10, 0))

    def test_rolling_window_reviewed_monthly(self) -> None:
        """Gold on 6,000 points on 2024-03-15 under a rolling 12 months. On 2025-03-14 the
        window still holds them; on 2025-03-31 it starts 2024-04-01 and holds nothing, but
        the member stays gold until the review of 2025-04-01 (which judges 2024-04-01 to
        2025-03-31): one_down to silver, then standard at the review of 2025-05-01."""
        program = ladder(window="rolling_12_months")
        ledger = history(program, ("6000", utc(2024, 3, 15)))

        inside = evaluate_tier(ledger, program, as_of=utc(2025, 3, 14))
        outside = evaluate_tier(ledger, program, as_of=utc(2025, 3, 31))
        reviewed = evaluate_tier(ledger, program, as_of=utc(2025, 4, 1, 0))

        assert ("gold", Decimal(6000), date(2024, 3, 15), date(2025, 4, 1)) == (
            inside.tier,
            inside.qualifying_value,
            inside.window_start,
            inside.next_review,
        )
        assert ("gold", Decimal(0), date(2024, 4, 1)) == (
            outside.tier,
            outside.qualifying_value,
            outside.window_start,
        )
        assert ("silver", date(2025, 5, 1)) == (reviewed.tier, reviewed.next_review)
        assert "standard" == tier_at(ledger, program, utc(2025, 5, 1, 0))

    def test_rolling_review_judges_twelve_whole_months(self) -> None:
        """The review of 2025-03-01 under a rolling window judges the 12 months March 2024
        to February 2025. 1,500 points earned on 2024-02-29 lie before that window, so the
        silver member moves down at that review, as `review_tiers` decides for the same
        window; the leap day must not stretch the window to 366 days."""
        program = ladder(window="rolling_12_months", downgrade="recompute")
        ledger = history(program, ("1500", utc(2024, 2, 29)))

        vectorised = review_tiers(
            ["m1"], times("2024-02-29T12:00"), [1500], program, as_of=date(2025, 3, 1)
        )

        assert ["standard"] == vectorised.tier.tolist()
        assert "standard" == tier_at(ledger, program, utc(2025, 3, 1, 12))

    def test_grace_days_delay_a_downgrade(self) -> None:
        """Gold in 2023, nothing in 2024, grace of 30 days: the review of 2025-01-01 decides
        silver, which takes effect on 2025-01-31; without grace it takes effect at once."""
        graced = ladder(grace_days=30)
        ledger = history(graced, ("6000", utc(2023, 5, 1)))

        assert "gold" == tier_at(ledger, graced, utc(2025, 1, 1, 0))
        assert "gold" == tier_at(ledger, graced, utc(2025, 1, 30, 23, 59))
        assert "silver" == tier_at(ledger, graced, utc(2025, 1, 31, 0))
        assert "silver" == tier_at(ledger, ladder(), utc(2025, 1, 1, 0))

    def test_an_upgrade_during_the_grace_period_stands(self) -> None:
        """Gold in 2023, nothing in 2024, grace of 30 days: a downgrade to silver waits
        until 2025-01-31. On 2025-01-10 the member earns 25,000 points in the new window:
        diamond at once. The pending downgrade must not take that upgrade away when the
        grace period ends: on 2025-02-11 the member, at 25,000 points, is still diamond."""
        program = ladder(grace_days=30)
        ledger = history(program, ("6000", utc(2023, 5, 1)), ("25000", utc(2025, 1, 10)))

        assert "diamond" == tier_at(ledger, program, utc(2025, 1, 11))
        status = evaluate_tier(ledger, program, as_of=utc(2025, 2, 11))
        assert ("diamond", Decimal(25000)) == (status.tier, status.qualifying_value)

    def test_events_on_a_review_day_belong_to_the_new_window(self) -> None:
        """Gold in 2023, nothing in 2024, then 1,500 points on 2025-01-01 at 00:30 under
        recompute. The review opens the day: it judges 2024 (0, standard) first, then the
        purchase counts for 2025 and lifts the member to silver. Taken the other way round
        the purchase would leave the member at gold until the review recomputed standard."""
        program = ladder(downgrade="recompute")
        ledger = history(program, ("6000", utc(2023, 5, 1)), ("1500", utc(2025, 1, 1, 0, 30)))

        status = evaluate_tier(ledger, program, as_of=utc(2025, 1, 2))

        assert ("silver", Decimal(1500), date(2025, 1, 1)) == (
            status.tier,
            status.qualifying_value,
            status.window_start,
        )

    def test_metric_points_versus_spend(self) -> None:
        """600 CNY of beauty earns 1,200 points (twice the rate): silver on points, but
        only 600 CNY of spend, standard and 400 short of silver on spend."""
        on_points = ladder(metric="points")
        on_spend = ladder(metric="spend")
        ledger = bought(
            Ledger.empty("m1"), on_points, "o1", "600", utc(2025, 3, 1), category="beauty"
        )

        points = evaluate_tier(ledger, on_points, as_of=utc(2025, 3, 2))
        spend = evaluate_tier(ledger, on_spend, as_of=utc(2025, 3, 2))

        assert ("silver", Decimal(1200)) == (points.tier, points.qualifying_value)
        assert ("standard", Decimal(600), Decimal(400)) == (
            spend.tier,
            spend.qualifying_value,
            spend.gap,
        )

    def test_spend_keeps_the_cents(self) -> None:
        """Spend counts what was paid, cents included: 128.50 + 71.49 = 199.99."""
        program = ladder(metric="spend")
        ledger = history(program, ("128.50", utc(2025, 3, 1)), ("71.49", utc(2025, 3, 2)))

        assert (
            Decimal("199.99")
            == evaluate_tier(ledger, program, as_of=utc(2025, 3, 3)).qualifying_value
        )

    def test_metric_orders_counts_purchases_not_actions(self) -> None:
        """On orders (tiers at 0, 3 and 10 orders) three purchases of any size reach
        'regular'; an awarded review adds points but no order; a full refund takes its
        order back, a partial refund does not."""
        program = ladder(metric="orders", tiers=ORDER_TIERS)
        ledger = history(
            program,
            ("1", utc(2025, 3, 1)),
            ("2", utc(2025, 3, 2)),
            ("3000", utc(2025, 3, 3)),
        )
        review = Interaction(
            id="i1",
            customer_id="m1",
            at=utc(2025, 3, 4),
            channel="app",
            direction="inbound",
            kind="review",
        )
        reviewed = award(ledger, program, review, key="i1")

        status = evaluate_tier(reviewed, program, as_of=utc(2025, 3, 5))
        partial = reverse(
            reviewed,
            original_key="o3",
            key="refund-o3",
            amount=Money("1000", "CNY"),
            at=utc(2025, 3, 6),
        )
        full = reverse(reviewed, original_key="o2", key="refund-o2", at=utc(2025, 3, 6))

        assert ("regular", Decimal(3), "vip", Decimal(7)) == (
            status.tier,
            status.qualifying_value,
            status.next_tier,
            status.gap,
        )
        assert (
            Decimal(3) == evaluate_tier(partial, program, as_of=utc(2025, 3, 7)).qualifying_value
        )
        assert Decimal(2) == evaluate_tier(full, program, as_of=utc(2025, 3, 7)).qualifying_value

    @pytest.mark.parametrize("metric", ["points", "spend"])
    def test_a_refund_lowers_the_qualifying_value(self, metric: str) -> None:
        """1,200 CNY (1,200 points) reaches silver; refunding 480 CNY takes back 480 points
        and 480 CNY: the value is 720 and the gap to gold 4,280, yet the member stays silver
        (no downgrade between reviews) until the review of 2026-01-01 judges 720."""
        program = ladder(metric=metric)
        ledger = history(program, ("1200", utc(2025, 3, 1)))
        refunded = reverse(
            ledger, original_key="o1", key="refund", amount=Money("480", "CNY"), at=utc(2025, 4, 1)
        )

        status = evaluate_tier(refunded, program, as_of=utc(2025, 4, 2))

        assert ("silver", Decimal(720), "gold", Decimal(4280)) == (
            status.tier,
            status.qualifying_value,
            status.next_tier,
            status.gap,
        )
        assert "standard" == tier_at(refunded, program, utc(2026, 1, 1, 0))

    def test_a_fully_refunded_upgrade_lasts_until_the_review(self) -> None:
        """1,200 points in 2025 fully refunded the same year: the member reached silver on
        the purchase and keeps it until 2026-01-01, when 2025 is judged at 0."""
        program = ladder()
        ledger = reverse(
            history(program, ("1200", utc(2025, 3, 1))),
            original_key="o1",
            key="refund",
            at=utc(2025, 3, 5),
        )

        assert ("silver", Decimal(0)) == (
            tier_at(ledger, program, utc(2025, 12, 31)),
            evaluate_tier(ledger, program, as_of=utc(2025, 12, 31)).qualifying_value,
        )
        assert "standard" == tier_at(ledger, program, utc(2026, 1, 1, 0))

    @settings(max_examples=30, deadline=None)
    @given(
        earlier=st.lists(st.integers(1, 9000), max_size=3),
        purchases=st.lists(
            st.tuples(st.integers(0, 360), st.integers(1, 9000), st.none() | st.floats(0.05, 1.0)),
            min_size=1,
            max_size=8,
        ),
        downgrade=st.sampled_from(["one_down", "recompute"]),
    )
    def test_tier_never_falls_between_reviews(
        self,
        earlier: list[int],
        purchases: list[tuple[int, int, float | None]],
        downgrade: str,
    ) -> None:
        """Between two calendar-year reviews (no grace), whatever the purchases and refunds,
        the tier never goes down as as_of moves on, and it is always at least the tier the
        current window's value reaches (upgrades take effect at once)."""
        program = ladder(downgrade=downgrade)
        ledger = history(program, *[(str(a), utc(2024, 6, 1 + i)) for i, a in enumerate(earlier)])
        for number, (offset, amount, refund) in enumerate(purchases):
            at = utc(2025, 1, 1, 6) + timedelta(days=offset)
            ledger = bought(ledger, program, f"p{number}", str(amount), at)
            if refund is not None:
                back = Money(str(max(1, round(amount * refund))), "CNY")
                ledger = reverse(
                    ledger, original_key=f"p{number}", key=f"r{number}", amount=back, at=at
                )
        moments = sorted(
            {utc(2025, 1, 1, 1)} | {e.at for e in ledger.entries if e.at.year == 2025}
        )

        statuses = [evaluate_tier(ledger, program, as_of=moment) for moment in moments]

        levels = [NAMES.index(status.tier) for status in statuses]
        assert sorted(levels) == levels
        for status, level in zip(statuses, levels, strict=True):
            reached = sum(status.qualifying_value >= t.threshold for t in STANDARD_TIERS[1:])
            assert level >= reached

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"history": "m1"}, InvalidTypeError, "'history'"),
            (
                {"program": Program.simple(currency="CNY")},
                InvalidInputError,
                "'program' must be a program with tiers",
            ),
            ({"program": "gold"}, InvalidTypeError, "'program'"),
            (
                {"as_of": datetime(2025, 6, 1)},
                InvalidInputError,
                "'as_of' must be a timezone-aware datetime; got "
                r"datetime.datetime\(2025, 6, 1, 0, 0\)",
            ),
            (
                {"as_of": date(2025, 6, 1)},
                InvalidTypeError,
                "'as_of' must be a timezone-aware datetime; got date",
            ),
        ],
    )
    def test_bad_inputs_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """A history that is not a Ledger, a program without tiers (or not a Program), and a
        naive or date-only as_of are refused naming the argument and the value."""
        refused(
            evaluate_tier,
            {
                "history": Ledger.empty("m1"),
                "program": ladder(),
                "as_of": utc(2025, 6, 1),
                **kwargs,
            },
            error,
            match,
        )


class TestReviewTiers:
    def test_docstring_example_by_hand(self) -> None:
        """m1 earned 800 + 600 = 1,400 in 2024: silver (up from standard). m2 earned 300 and
        was gold: one_down makes it silver. Counts: standard 0, silver 2."""
        review = review_tiers(
            ["m1", "m1", "m2"],
            times("2024-03-01", "2024-11-05", "2024-06-01"),
            [800, 600, 300],
            ladder(),
            as_of=date(2025, 1, 1),
            current={"m1": "standard", "m2": "gold"},
        )

        assert isinstance(review, TierReview)
        assert ["m1", "m2"] == review.member_ids.tolist()
        assert [1400.0, 300.0] == review.qualifying_value.tolist()
        assert ["silver", "silver"] == review.tier.tolist()
        assert ["standard", "gold"] == review.previous.tolist()
        assert {"standard": 0, "silver": 2, "gold": 0, "diamond": 0} == dict(review.counts)
        assert (
            "TierReview(n_members=2, counts={'standard': 0, 'silver': 2, 'gold': 0, 'diamond': 0})"
            == repr(review)
        )

    def test_recompute_goes_straight_to_the_reached_tier(self) -> None:
        """The same members under recompute: m2's 300 reaches only standard."""
        review = review_tiers(
            ["m1", "m1", "m2"],
            times("2024-03-01", "2024-11-05", "2024-06-01"),
            [800, 600, 300],
            ladder(downgrade="recompute"),
            as_of=date(2025, 1, 1),
            current={"m1": "standard", "m2": "gold"},
        )

        assert ["silver", "standard"] == review.tier.tolist()

    def test_one_down_moves_a_single_tier_or_to_the_reached_one(self) -> None:
        """Diamonds at 0, 1,500 and 6,000 under one_down: gold, gold, gold (one down each,
        never below what the value reaches); under recompute: standard, silver, gold."""
        args = (["a", "b", "c"], times("2024-02-01", "2024-02-01", "2024-02-01"), [0, 1500, 6000])
        current = {"a": "diamond", "b": "diamond", "c": "diamond"}

        one_down = review_tiers(*args, ladder(), as_of=date(2025, 1, 1), current=current)
        recompute = review_tiers(
            *args, ladder(downgrade="recompute"), as_of=date(2025, 1, 1), current=current
        )

        assert ["gold", "gold", "gold"] == one_down.tier.tolist()
        assert ["standard", "silver", "gold"] == recompute.tier.tolist()

    def test_upgrades_and_members_without_a_current_tier(self) -> None:
        """A standard member at 6,000 goes straight to gold (two tiers up); a member missing
        from `current` gets the tier the value reaches, and an empty previous tier."""
        review = review_tiers(
            ["a", "b"],
            times("2024-02-01", "2024-02-01"),
            [6000, 25000],
            ladder(),
            as_of=date(2025, 1, 1),
            current={"a": "standard"},
        )

        assert ["gold", "diamond"] == review.tier.tolist()
        assert ["standard", ""] == review.previous.tolist()

    def test_calendar_window_is_the_year_before_the_review(self) -> None:
        """Reviewed on 2025-01-01, the window is 2024: 2023-12-31 and 2025-01-01 fall
        outside, 2024-01-01 and 2024-12-31 23:59 inside (UTC program)."""
        review = review_tiers(
            ["m1"] * 4,
            times("2023-12-31T23:59", "2024-01-01T00:00", "2024-12-31T23:59", "2025-01-01T00:00"),
            [10_000, 1, 2, 20_000],
            ladder(),
            as_of=date(2025, 1, 1),
        )

        assert [3.0] == review.qualifying_value.tolist()

    def test_calendar_window_mid_year_is_the_last_calendar_year(self) -> None:
        """Reviewed on 2025-06-15 under a calendar-year window, the judged window is the
        calendar year before, 2024: 1,500 points on 2024-03-01 count, 4,000 points on
        2025-03-01 (in the year still running) do not; the window must not stretch over
        17 months."""
        review = review_tiers(
            ["m1", "m1"],
            times("2024-03-01", "2025-03-01"),
            [1500, 4000],
            ladder(),
            as_of=date(2025, 6, 15),
        )

        assert ([1500.0], ["silver"]) == (review.qualifying_value.tolist(), review.tier.tolist())

    def test_rolling_window_is_the_twelve_months_before(self) -> None:
        """Rolling 12 months reviewed on 2025-06-15: the window is 2024-06-15 up to
        2025-06-14 included; 2024-06-14 falls outside."""
        review = review_tiers(
            ["m1"] * 3,
            times("2024-06-14T23:59", "2024-06-15T00:00", "2025-06-14T23:59"),
            [10_000, 1500, 4000],
            ladder(window="rolling_12_months"),
            as_of=date(2025, 6, 15),
        )

        assert ([5500.0], ["gold"]) == (review.qualifying_value.tolist(), review.tier.tolist())

    def test_days_are_local_to_the_program(self) -> None:
        """In Asia/Shanghai, 2024-12-31 23:30 UTC is January 1 (07:30 local): outside the
        2024 window; 2023-12-31 16:30 UTC is 2024-01-01 00:30 local: inside."""
        review = review_tiers(
            ["m1", "m1"],
            times("2024-12-31T23:30", "2023-12-31T16:30"),
            [5000, 1000],
            ladder("Asia/Shanghai"),
            as_of=date(2025, 1, 1),
        )

        assert ([1000.0], ["silver"]) == (review.qualifying_value.tolist(), review.tier.tolist())

    def test_aware_iso_strings_are_read_at_their_offset(self) -> None:
        """'2024-12-31T23:30:00+08:00' is still December 31 in Shanghai: inside 2024."""
        review = review_tiers(
            ["m1"],
            ["2024-12-31T23:30:00+08:00"],
            [1000],
            ladder("Asia/Shanghai"),
            as_of=date(2025, 1, 1),
        )

        assert [1000.0] == review.qualifying_value.tolist()

    def test_a_current_member_without_events_is_still_reviewed(self) -> None:
        """m2 was gold and has no qualifying event at all: a review of every member moves
        them down (one_down: silver) rather than leaving them out, and counts them."""
        review = review_tiers(
            ["m1"],
            times("2024-06-01"),
            [1500],
            ladder(),
            as_of=date(2025, 1, 1),
            current={"m1": "silver", "m2": "gold"},
        )

        assert ["m1", "m2"] == review.member_ids.tolist()
        assert ["silver", "silver"] == review.tier.tolist()
        assert 2 == review.counts["silver"]

    def test_to_frame(self) -> None:
        """One row per member: member_id, qualifying_value, previous, tier."""
        frame = review_tiers(
            ["m1", "m2"],
            times("2024-06-01", "2024-06-01"),
            [1500, 10],
            ladder(),
            as_of=date(2025, 1, 1),
        ).to_frame()

        assert ["member_id", "qualifying_value", "previous", "tier"] == frame.columns.tolist()
        assert ["silver", "standard"] == frame["tier"].tolist()

    @settings(max_examples=25, deadline=None)
    @given(
        window=st.sampled_from(["calendar_year", "rolling_12_months"]),
        metric=st.sampled_from(["points", "spend", "orders"]),
        review_month=st.tuples(st.integers(2024, 2026), st.integers(1, 12)),
        members=st.lists(
            st.lists(
                st.tuples(
                    st.floats(0.0, 0.999),
                    st.integers(0, 23),
                    st.integers(1, 9000),
                    st.sampled_from([None, 0.25, 1.0]),
                ),
                min_size=1,
                max_size=5,
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def test_agrees_with_evaluate_tier_under_recompute(
        self,
        window: str,
        metric: str,
        review_month: tuple[int, int],
        members: list[list[tuple[float, int, int, float | None]]],
    ) -> None:
        """For members whose whole history (purchases and their refunds, local days in
        Shanghai) lies inside the window a review judges, `review_tiers` under recompute
        gives the tier `evaluate_tier` gives at the review's local midnight.

        Why the comparison is sound: under recompute, `evaluate_tier` has upgraded the
        member to at least the tier the whole history's value reaches by its last event,
        and the review then recomputes the tier from that same value. Reversals cannot be
        rows of `review_tiers` (values are >= 0), so each purchase's row carries its value
        net of its refund (points taken back, CNY refunded, or no order left after a full
        refund), which sums to the same per-member total. Calendar reviews happen on
        January 1 only, so for that window the review day is January 1 of the chosen year;
        rolling reviews happen on the first of each month."""
        year, month = review_month
        review_day = date(year, 1, 1) if window == "calendar_year" else date(year, month, 1)
        start = date(year - 1, 1, 1) if window == "calendar_year" else date(year - 1, month, 1)
        span = (review_day - start).days
        program = ladder("Asia/Shanghai", downgrade="recompute", metric=metric, window=window)
        ids, at, values, expected = [], [], [], {}
        for index, purchases in enumerate(members):
            member = f"m{index}"
            ledger = Ledger.empty(member)
            for number, (where, hour, amount, refund) in enumerate(purchases):
                local = datetime.combine(
                    start + timedelta(days=int(where * span)), time(hour), tzinfo=SHANGHAI
                )
                key = f"o{number}"
                ledger = bought(ledger, program, key, str(amount), local)
                points = ledger.entries[-1].points
                net = {"points": points, "spend": amount, "orders": 1}[metric]
                if refund is not None:
                    back = max(1, int(amount * refund))
                    ledger = reverse(
                        ledger,
                        original_key=key,
                        key=f"r{number}",
                        amount=Money(str(back), "CNY"),
                        at=local,
                    )
                    taken = -ledger.entries[-1].points + ledger.entries[-1].unrecovered
                    net -= {"points": taken, "spend": back, "orders": int(back == amount)}[metric]
                ids.append(member)
                at.append(np.datetime64(local.astimezone(UTC).replace(tzinfo=None), "us"))
                values.append(net)
            moment = datetime.combine(review_day, time(), tzinfo=SHANGHAI)
            expected[member] = evaluate_tier(ledger, program, as_of=moment).tier

        review = review_tiers(ids, np.array(at), values, program, as_of=review_day)

        assert expected == dict(zip(review.member_ids.tolist(), review.tier.tolist(), strict=True))

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"program": ladder(window="anniversary")},
                InvalidInputError,
                "'program' must be a calendar-year or rolling window .*; got 'anniversary'",
            ),
            (
                {"program": Program.simple(currency="CNY")},
                InvalidInputError,
                "'program' must be a program with tiers",
            ),
            ({"program": "gold"}, InvalidTypeError, "'program'"),
            (
                {"at": times("2024-06-01")},
                InvalidInputError,
                "'at' must be the same length as 'member_id' \\(2\\); got length 1",
            ),
            (
                {"value": [1]},
                InvalidInputError,
                "'value' must be the same length as 'member_id' \\(2\\); got length 1",
            ),
            (
                {"value": [1, -5]},
                InvalidInputError,
                "'value' must be .*at least 0; got -5.0 at index 1",
            ),
            (
                {"as_of": datetime(2025, 1, 1, tzinfo=UTC)},
                InvalidTypeError,
                "'as_of' must be a date",
            ),
            ({"current": ["m1"]}, InvalidTypeError, "'current' must be a mapping"),
        ],
    )
    def test_bad_inputs_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """An anniversary window, a program without tiers, columns of different lengths, a
        negative value, a datetime as_of and a current that is not a mapping are refused
        naming the argument and the value."""
        refused(
            review_tiers,
            {
                "member_id": ["m1", "m2"],
                "at": times("2024-06-01", "2024-06-02"),
                "value": [1, 2],
                "program": ladder(),
                "as_of": date(2025, 1, 1),
                **kwargs,
            },
            error,
            match,
        )

    def test_unknown_current_tier_refused(self) -> None:
        """A current tier the program does not have is refused naming the member's entry and
        the tier, and listing the program's tiers."""
        with pytest.raises(
            InvalidInputError,
            match=r"'current\['m1'\]' must be a tier of the program \(standard, silver, gold, "
            r"diamond\); got 'platinum'",
        ) as info:
            review_tiers(
                ["m1"],
                times("2024-06-01"),
                [1],
                ladder(),
                as_of=date(2025, 1, 1),
                current={"m1": "platinum"},
            )

        assert ("current['m1']", "platinum") == (info.value.argument, info.value.value)
