"""Points for purchases: the per-event path (`earn`) and the bulk path
(`points_for_transactions`) by hand, and a property holding the two equal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import Transactions
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    InvalidTypeError,
)
from crmkit.loyalty import (
    STANDARD_TIERS,
    Ledger,
    Program,
    Promotion,
    earn,
    earning,
    points_for_transactions,
)
from crmkit.models import Money, Transaction

MARCH_15 = datetime(2025, 3, 15, 12, tzinfo=UTC)
MARCH = {"start": date(2025, 3, 1), "end": date(2025, 4, 1)}


def purchase(
    amount: str,
    at: datetime = MARCH_15,
    *,
    order: str = "o1",
    member: str = "m1",
    currency: str = "CNY",
    category: str | None = None,
    channel: str | None = None,
) -> Transaction:
    return Transaction(
        id=order,
        customer_id=member,
        at=at,
        amount=Money(amount, currency),
        category=category,
        channel=channel,
    )


def earned(
    program: Program,
    amount: str,
    at: datetime = MARCH_15,
    *,
    tier: str | None = None,
    **details: Any,
) -> int:
    """Points one purchase earns on an empty ledger, by the per-event path."""
    ledger = earn(
        Ledger.empty("m1"), program, purchase(amount, at, **details), key="o1", tier=tier
    )
    return ledger.entries[-1].points


def earned_in_order(program: Program, purchases: list[Transaction]) -> list[int]:
    """Points of each purchase fed in order through one member's ledger."""
    ledger = Ledger.empty(purchases[0].customer_id)
    points = []
    for item in purchases:
        ledger = earn(ledger, program, item, key=item.id)
        points.append(ledger.entries[-1].points)
    return points


def bulk(
    program: Program,
    amounts: list[float],
    at: list[datetime],
    *,
    members: list[str] | None = None,
    tiers: list[str] | None = None,
    **columns: Any,
) -> list[int]:
    """Points of each row by the bulk path (rows given in member and time order)."""
    transactions = Transactions.from_arrays(
        customer_id=members or ["m1"] * len(amounts),
        at=at,
        amount=amounts,
        currency="CNY",
        **columns,
    )
    result = points_for_transactions(program, transactions, tiers=tiers)
    assert np.int64 == result.dtype
    return result.tolist()


# --- rates and multipliers ------------------------------------------------------------------

FULL = Program.simple(
    currency="CNY",
    points_per_unit="2",
    category_multipliers={"shoes": "1.5"},
    channel_multipliers={"app": "1.2"},
    promotions=[Promotion(name="double March", multiplier=2, bonus_points=10, **MARCH)],
    tiers=STANDARD_TIERS,
)


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        # 99.99 x 2 x 1.5 x 1.2 x 1.25 x 2 = 99.99 x 9 = 899.91 -> 899, + 10 bonus.
        ({"category": "shoes", "channel": "app", "tier": "gold"}, 909),
        # Without a tier: 99.99 x 7.2 = 719.928 -> 719, + 10.
        ({"category": "shoes", "channel": "app"}, 729),
        # The lowest tier multiplies by 1: the same as no tier.
        ({"category": "shoes", "channel": "app", "tier": "standard"}, 729),
        # Diamond 1.5: 99.99 x 10.8 = 1079.892 -> 1079, + 10.
        ({"category": "shoes", "channel": "app", "tier": "diamond"}, 1089),
        # Unknown category and channel multiply by 1: 99.99 x 2 x 2 = 399.96 -> 399, + 10.
        ({"category": "food", "channel": "web"}, 409),
        # Neither given: the same.
        ({}, 409),
        # After the promotion: 99.99 x 2 x 1.5 x 1.2 x 1.25 = 449.955 -> 449, no bonus.
        (
            {
                "category": "shoes",
                "channel": "app",
                "tier": "gold",
                "at": datetime(2025, 4, 15, tzinfo=UTC),
            },
            449,
        ),
    ],
)
def test_rate_times_every_multiplier_plus_bonus(details: dict[str, Any], expected: int) -> None:
    """Points are floor(amount x rate x category x channel x tier x promotion) + bonus."""
    details = dict(details)
    at = details.pop("at", MARCH_15)

    assert expected == earned(FULL, "99.99", at, **details)


def test_bulk_rate_times_every_multiplier_plus_bonus() -> None:
    """The bulk path gives the same hand-checked points, with one tier name per row."""
    at = [MARCH_15 + timedelta(hours=k) for k in range(5)] + [datetime(2025, 4, 15, tzinfo=UTC)]

    actual = bulk(
        FULL,
        [99.99] * 6,
        at,
        category=["shoes", "shoes", "shoes", "food", "food", "shoes"],
        channel=["app", "app", "app", "web", "web", "app"],
        tiers=["gold", "standard", "diamond", "standard", "standard", "gold"],
    )

    assert [909, 729, 1089, 409, 409, 449] == actual


def test_bulk_without_tiers_uses_no_multiplier() -> None:
    """Without `tiers`, no tier multiplier applies (as `tier=None` per event)."""
    assert [729] == bulk(FULL, [99.99], [MARCH_15], category=["shoes"], channel=["app"])


def test_zero_category_multiplier_keeps_bonus() -> None:
    """A category multiplying by 0 earns no rate points but still the promotion's bonus."""
    program = Program.simple(
        currency="CNY",
        category_multipliers={"gift_cards": 0},
        promotions=[Promotion(name="p", bonus_points=5, **MARCH)],
    )

    assert 5 == earned(program, "500", category="gift_cards")
    assert [5] == bulk(program, [500.0], [MARCH_15], category=["gift_cards"])


# --- promotions -------------------------------------------------------------------------------

SHANGHAI_DOUBLE = Program.simple(
    currency="CNY",
    timezone="Asia/Shanghai",
    promotions=[Promotion(name="double March", multiplier=2, **MARCH)],
)

WINDOW_EDGES = [
    # Shanghai is UTC+8: its March 1 starts at 2025-02-28T16:00Z, its April 1 at 03-31T16:00Z.
    (datetime(2025, 2, 28, 15, 59, 59, tzinfo=UTC), 100),
    (datetime(2025, 2, 28, 16, 0, tzinfo=UTC), 200),
    (datetime(2025, 3, 31, 15, 59, 59, tzinfo=UTC), 200),
    (datetime(2025, 3, 31, 16, 0, tzinfo=UTC), 100),
    (datetime(2025, 3, 31, 17, 0, tzinfo=UTC), 100),
]


@pytest.mark.parametrize(("at", "expected"), WINDOW_EDGES)
def test_promotion_window_is_half_open_in_program_timezone(at: datetime, expected: int) -> None:
    """A promotion from 2025-03-01 to 2025-04-01 covers Shanghai's March 1 00:00 up to, not
    including, its April 1 00:00: 2025-03-31T17:00Z is April 1 there, outside the window."""
    assert expected == earned(SHANGHAI_DOUBLE, "100", at)


def test_bulk_promotion_window_is_half_open_in_program_timezone() -> None:
    """The bulk path draws the same window edges."""
    at = [at for at, _ in WINDOW_EDGES]

    assert [expected for _, expected in WINDOW_EDGES] == bulk(SHANGHAI_DOUBLE, [100.0] * 5, at)


def test_promotion_window_in_utc_program() -> None:
    """In a UTC program 2025-03-31T17:00Z is still March 31, inside the window."""
    program = Program.simple(
        currency="CNY", promotions=[Promotion(name="double March", multiplier=2, **MARCH)]
    )

    assert 200 == earned(program, "100", datetime(2025, 3, 31, 17, tzinfo=UTC))


def test_category_restricted_promotion() -> None:
    """A promotion for shoes (x3, +5) applies to shoes only: 10 shoes earn 35, 10 of food or
    of no category earn 10."""
    program = Program.simple(
        currency="CNY",
        promotions=[
            Promotion(name="shoes", multiplier=3, bonus_points=5, categories=["shoes"], **MARCH)
        ],
    )

    assert 35 == earned(program, "10", category="shoes")
    assert 10 == earned(program, "10", category="food")
    assert 10 == earned(program, "10")
    assert [35, 10] == bulk(
        program, [10.0, 10.0], [MARCH_15, MARCH_15 + timedelta(1)], category=["shoes", "food"]
    )
    assert [10] == bulk(program, [10.0], [MARCH_15])


def test_overlapping_promotions_multiply_and_bonuses_add() -> None:
    """Two active promotions (x2 +5 and x1.5 +3): 100 x 3 + 8 = 308."""
    program = Program.simple(
        currency="CNY",
        promotions=[
            Promotion(name="a", multiplier=2, bonus_points=5, **MARCH),
            Promotion(name="b", multiplier="1.5", bonus_points=3, **MARCH),
        ],
    )

    assert 308 == earned(program, "100")
    assert [308] == bulk(program, [100.0], [MARCH_15])


# --- rounding, minimum spend, caps -----------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "rounding", "expected"),
    [
        ("10.50", "1", "floor", 10),
        ("10.50", "1", "half_up", 11),
        ("10.50", "1", "ceil", 11),
        ("10.49", "1", "half_up", 10),
        ("10.49", "1", "ceil", 11),
        ("10.00", "1", "ceil", 10),
        ("15.00", "0.5", "half_up", 8),  # 7.5 rounds up
        ("14.98", "0.5", "floor", 7),  # 7.49
        ("14.98", "0.5", "half_up", 7),
        ("14.98", "0.5", "ceil", 8),
        ("0.01", "1", "ceil", 1),
        ("0.01", "1", "half_up", 0),
        ("33.33", "1.5", "half_up", 50),  # 49.995
        ("33.33", "1.5", "floor", 49),
    ],
)
def test_rounding_per_order(amount: str, rate: str, rounding: str, expected: int) -> None:
    """Points are amount x rate rounded per order as the program says; both paths agree."""
    program = Program.simple(currency="CNY", points_per_unit=rate, rounding=rounding)

    assert expected == earned(program, amount)
    assert [expected] == bulk(program, [float(amount)], [MARCH_15])


def test_minimum_spend() -> None:
    """With a 50.00 minimum, 49.99 earns nothing (not even the bonus) and 50.00 earns
    50 + 10."""
    program = Program.simple(
        currency="CNY",
        minimum_spend="50.00",
        promotions=[Promotion(name="p", bonus_points=10, **MARCH)],
    )

    assert 0 == earned(program, "49.99")
    assert 60 == earned(program, "50.00")
    assert [0, 60] == bulk(program, [49.99, 50.0], [MARCH_15, MARCH_15 + timedelta(1)])


def test_per_order_cap_includes_bonus() -> None:
    """A cap of 100 per order: 250 earns 100; 80 + a 30 bonus = 110 earns 100; 60 + 30 = 90
    is under the cap."""
    program = Program.simple(
        currency="CNY",
        max_points_per_order=100,
        promotions=[
            Promotion(name="p", bonus_points=30, start=date(2025, 4, 1), end=date(2025, 5, 1))
        ],
    )
    april = datetime(2025, 4, 2, tzinfo=UTC)

    assert 100 == earned(program, "250")
    assert 100 == earned(program, "80", april)
    assert 90 == earned(program, "60", april)
    assert [100, 100, 90] == bulk(
        program, [250.0, 80.0, 60.0], [MARCH_15, april, april + timedelta(hours=1)]
    )


DAY_CAP = Program.simple(currency="CNY", timezone="Asia/Shanghai", max_points_per_day=100)
# Shanghai local times: March 1 10:00, 18:00, 23:00; then March 2 01:00 (still March 1 in UTC)
# and March 2 23:59.
DAY_CAP_TIMES = [
    datetime(2025, 3, 1, 2, tzinfo=UTC),
    datetime(2025, 3, 1, 10, tzinfo=UTC),
    datetime(2025, 3, 1, 15, tzinfo=UTC),
    datetime(2025, 3, 1, 17, tzinfo=UTC),
    datetime(2025, 3, 2, 15, 59, tzinfo=UTC),
]


def test_daily_cap_across_purchases_of_one_local_day() -> None:
    """A cap of 100 per Shanghai day: 60, 60, 60 on March 1 earn 60, 40, 0; at 17:00Z it is
    March 2 in Shanghai, a fresh day: 60, then 60 more on that day earns 40."""
    purchases = [purchase("60", at, order=f"o{k}") for k, at in enumerate(DAY_CAP_TIMES, start=1)]

    assert [60, 40, 0, 60, 40] == earned_in_order(DAY_CAP, purchases)


def test_bulk_daily_cap_across_purchases_of_one_local_day() -> None:
    """The bulk path caps the same local days, first come first served."""
    assert [60, 40, 0, 60, 40] == bulk(DAY_CAP, [60.0] * 5, DAY_CAP_TIMES)


MONTH_CAP = Program.simple(
    currency="CNY", timezone="Asia/Shanghai", max_points_per_day=100, max_points_per_month=150
)


def test_monthly_cap_after_the_daily_cap() -> None:
    """100 a Shanghai day, 150 a Shanghai month: March 1 earns 60 + 40 (day cap), March 2
    60 of which 50 are left in the month, then nothing; 23:59 March 31 UTC is April 1 in
    Shanghai, a fresh month."""
    at = [*DAY_CAP_TIMES[:2], DAY_CAP_TIMES[4], datetime(2025, 3, 10, tzinfo=UTC)]
    at.append(datetime(2025, 3, 31, 23, 59, tzinfo=UTC))
    purchases = [purchase("60", t, order=f"o{k}") for k, t in enumerate(at, start=1)]

    assert [60, 40, 50, 0, 60] == earned_in_order(MONTH_CAP, purchases)
    assert [60, 40, 50, 0, 60] == bulk(MONTH_CAP, [60.0] * 5, at)


def test_daily_cap_is_per_member() -> None:
    """Two members each get their own daily cap."""
    at = [DAY_CAP_TIMES[0], DAY_CAP_TIMES[1], DAY_CAP_TIMES[0], DAY_CAP_TIMES[1]]

    assert [60, 40, 60, 40] == bulk(DAY_CAP, [60.0] * 4, at, members=["a", "a", "b", "b"])


def test_daily_cap_after_order_cap() -> None:
    """With 80 per order and 100 per day: 200 earns 80, then 50 earns the 20 left."""
    program = Program.simple(currency="CNY", max_points_per_order=80, max_points_per_day=100)
    purchases = [
        purchase("200", order="o1"),
        purchase("50", MARCH_15 + timedelta(hours=1), order="o2"),
    ]

    assert [80, 20] == earned_in_order(program, purchases)
    assert [80, 20] == bulk(program, [200.0, 50.0], [p.at for p in purchases])


def test_refunds_and_zero_amounts_earn_nothing() -> None:
    """A zero amount or a refund (negative amount) earns 0 points on both paths, even with a
    promotion bonus."""
    program = Program.simple(
        currency="CNY", promotions=[Promotion(name="p", bonus_points=10, **MARCH)]
    )

    assert 0 == earned(program, "0")
    assert 0 == earned(program, "-25.00")
    assert [0, 0, 110] == bulk(
        program,
        [0.0, -25.0, 100.0],
        [MARCH_15, MARCH_15 + timedelta(1), MARCH_15 + timedelta(2)],
        negative_amounts="allow",
    )


def test_bulk_rows_in_member_then_time_order() -> None:
    """Results follow the bundle's rows: by member, then time (not the input order)."""
    program = Program.simple(currency="CNY")

    actual = bulk(
        program,
        [5.0, 20.0, 10.0],
        [MARCH_15, MARCH_15 + timedelta(1), MARCH_15],
        members=["b", "a", "a"],
    )

    assert [10, 20, 5] == actual


def test_bulk_local_day_at_offset_change_off_the_hour() -> None:
    """Tehran left summer time at 2021-09-21 24:00 +04:30, i.e. 19:30 UTC, to +03:30; at
    19:45 UTC it is 23:15 on September 21 there. A promotion starting September 22 must not
    apply on either path (the bulk path looks offsets up per UTC hour, and this change is
    not on the hour)."""
    program = Program.simple(
        currency="CNY",
        timezone="Asia/Tehran",
        promotions=[
            Promotion(name="p", multiplier=2, start=date(2021, 9, 22), end=date(2021, 9, 23))
        ],
    )
    at = datetime(2021, 9, 21, 19, 45, tzinfo=UTC)

    assert date(2021, 9, 21) == program.local_day(at)
    assert 100 == earned(program, "100", at)
    assert [100] == bulk(program, [100.0], [at])


# --- bulk equals per-event -------------------------------------------------------------------

ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
RATES = ["0.5", "1", "1.1", "1.25", "2", "3"]
CATEGORIES = ["shoes", "food", "toys"]
CHANNELS = ["app", "web", "in_store"]


@st.composite
def earning_programs(draw: st.DrawFn) -> Program:
    """Programs with every earning rule drawn: multipliers, promotions in March 2025 (some by
    category), minimum spend, caps, rounding and timezone."""
    start = st.dates(date(2025, 2, 25), date(2025, 3, 15))
    promotions = [
        Promotion(
            name=f"p{k}",
            start=(first := draw(start)),
            end=first + timedelta(days=draw(st.integers(1, 10))),
            multiplier=Decimal(draw(st.sampled_from(["1", "1.5", "2", "3"]))),
            bonus_points=draw(st.integers(0, 20)),
            categories=draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)),
        )
        for k in range(draw(st.integers(0, 3)))
    ]
    return Program.simple(
        currency="CNY",
        timezone=draw(st.sampled_from(ZONES)),
        points_per_unit=draw(st.sampled_from(RATES)),
        rounding=draw(st.sampled_from(["floor", "half_up", "ceil"])),
        category_multipliers=draw(
            st.dictionaries(st.sampled_from(CATEGORIES), st.sampled_from(["0", "1.5", "2"]))
        ),
        channel_multipliers=draw(
            st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(["1.2", "2"]))
        ),
        promotions=promotions,
        minimum_spend=Decimal(draw(st.integers(0, 3000))) / 100,
        max_points_per_order=draw(st.none() | st.integers(1, 400)),
        max_points_per_day=draw(st.none() | st.integers(1, 600)),
        max_points_per_month=draw(st.none() | st.integers(1, 1500)),
        tiers=STANDARD_TIERS,
    )


purchase_rows = st.lists(
    st.tuples(
        st.sampled_from(["m1", "m2", "m3"]),
        st.integers(0, 20 * 24 * 60),  # minutes after 2025-02-24
        st.integers(0, 40_000),  # cents
        st.sampled_from(CATEGORIES),
        st.sampled_from(CHANNELS),
        st.sampled_from([t.name for t in STANDARD_TIERS]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(earning_programs(), purchase_rows, st.booleans(), st.booleans(), st.booleans())
def test_bulk_equals_per_event(
    program: Program,
    rows: list[tuple[str, int, int, str, str, str]],
    with_category: bool,
    with_channel: bool,
    with_tiers: bool,
) -> None:
    """For any program and purchases with at most two decimals, `points_for_transactions`
    gives each row exactly the points `earn` gives when each member's purchases are fed in
    time order (same rates, promotions by local day, rounding, minimum, caps per order and
    per local day)."""
    first = datetime(2025, 2, 24, tzinfo=UTC)
    at = [first + timedelta(minutes=minutes) for _, minutes, *_ in rows]
    # The bundle's row order: by member, then time, ties in input order (a stable sort).
    order = sorted(range(len(rows)), key=lambda k: (rows[k][0], at[k], k))
    expected = []
    ledgers = {member: Ledger.empty(member) for member, *_ in rows}
    for k in order:
        member, _, cents, category, channel, tier = rows[k]
        item = Transaction(
            id=f"o{k}",
            customer_id=member,
            at=at[k],
            amount=Money(Decimal(cents).scaleb(-2), "CNY"),
            category=category if with_category else None,
            channel=channel if with_channel else None,
        )
        ledgers[member] = earn(
            ledgers[member], program, item, key=item.id, tier=tier if with_tiers else None
        )
        expected.append(ledgers[member].entries[-1].points)
    transactions = Transactions.from_arrays(
        customer_id=[row[0] for row in rows],
        at=at,
        amount=[row[2] / 100 for row in rows],
        category=[row[3] for row in rows] if with_category else None,
        channel=[row[4] for row in rows] if with_channel else None,
        currency="CNY",
    )
    tiers = [rows[k][5] for k in order] if with_tiers else None

    assert expected == points_for_transactions(program, transactions, tiers=tiers).tolist()


# --- bad inputs -------------------------------------------------------------------------------

SIMPLE = Program.simple(currency="CNY", tiers=STANDARD_TIERS)


def _earn_kwargs(**changes: Any) -> dict[str, Any]:
    return {
        "ledger": Ledger.empty("m1"),
        "program": SIMPLE,
        "transaction": purchase("10"),
        "key": "o1",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"transaction": purchase("10", member="m2")}, InvalidInputError, r"'transaction' .*'m2'"),
        ({"tier": "platinum"}, InvalidInputError, r"'tier' .*'platinum'"),
        ({"tier": 3}, InvalidTypeError, r"'tier' must be a string; got int 3"),
        ({"transaction": {"id": "o1"}}, InvalidTypeError, r"'transaction' must be a Transaction"),
        ({"ledger": "m1"}, InvalidTypeError, r"'ledger' must be a Ledger"),
        ({"program": {"currency": "CNY"}}, InvalidTypeError, r"'program' .*dict"),
        ({"key": ""}, InvalidInputError, r"'key' must be a non-empty string; got ''"),
        ({"key": 7}, InvalidTypeError, r"'key' must be a string; got int 7"),
    ],
)
def test_earn_bad_inputs_refused(
    changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Another member's purchase, an unknown tier, objects of the wrong type and bad keys are
    refused with an error naming the argument and the value."""
    refused(earn, _earn_kwargs(**changes), error, match)


def test_earn_wrong_currency_refused() -> None:
    """A purchase in USD for a CNY program raises CurrencyMismatchError naming both."""
    with pytest.raises(CurrencyMismatchError, match=r"'transaction' .*CNY.*USD"):
        earn(**_earn_kwargs(transaction=purchase("10", currency="USD")))


def test_naive_datetime_cannot_reach_earn() -> None:
    """A purchase at a naive datetime is refused when the Transaction is built, naming 'at'."""
    refused(
        Transaction,
        {
            "id": "o1",
            "customer_id": "m1",
            "at": datetime(2025, 3, 1, 12),
            "amount": Money("10", "CNY"),
        },
        InvalidInputError,
        r"'at' must be a timezone-aware datetime",
    )


def _bulk_kwargs(**changes: Any) -> dict[str, Any]:
    transactions = Transactions.from_arrays(
        customer_id=["m1", "m1"],
        at=[MARCH_15, MARCH_15 + timedelta(1)],
        amount=[1.0, 2.0],
        currency="CNY",
    )
    return {"program": SIMPLE, "transactions": transactions, **changes}


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"program": "CNY"}, InvalidTypeError, r"'program' must be a loyalty Program"),
        ({"transactions": [purchase("10")]}, InvalidTypeError, r"'transactions' .*list"),
        (
            {"tiers": ["gold"]},
            InvalidInputError,
            r"'tiers' must be one tier per transaction \(2\); got 1 values",
        ),
        ({"tiers": ["gold", "gold", "gold"]}, InvalidInputError, r"'tiers' .*\(2\); got 3 values"),
        ({"tiers": ["gold", "platinum"]}, InvalidInputError, r"'tiers' .*'platinum' at index 1"),
        (
            {
                "transactions": Transactions.from_arrays(
                    customer_id=["m1"], at=[MARCH_15], amount=[1.0], currency="USD"
                )
            },
            CurrencyMismatchError,
            r"'transactions' must be in the program's currency CNY; got USD",
        ),
    ],
)
def test_bulk_bad_inputs_refused(
    changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    """A non-Program, a list instead of a bundle, tiers of the wrong length or unknown, and
    amounts in another currency are refused, naming the argument and the value."""
    refused(points_for_transactions, _bulk_kwargs(**changes), error, match)


def test_bulk_does_not_change_its_inputs() -> None:
    """The bundle's arrays stay as they were and the result is a fresh array."""
    kwargs = _bulk_kwargs(tiers=np.array(["gold", "silver"]))
    before = kwargs["transactions"].amount.copy()

    points_for_transactions(**kwargs)

    assert before.tolist() == kwargs["transactions"].amount.tolist()
    assert ["gold", "silver"] == kwargs["tiers"].tolist()


# --- orders of several lines -------------------------------------------------------------------

LINE_PROGRAM = Program.simple(
    currency="CNY",
    points_per_unit="1.5",
    category_multipliers={"tea": "2"},
    promotions=[
        Promotion(name="spring", start=date(2025, 3, 1), end=date(2025, 4, 1), bonus_points=10)
    ],
)


def test_an_order_rounds_once_or_per_line() -> None:
    """Lines of 0.99 (tea: 0.99 x 3 = 2.97) and 0.99 (cup: 1.485): per order
    floor(4.455) = 4, per line 2 + 1 = 3; the spring bonus counts once per order."""
    lines = [
        Transaction(
            id="o1", customer_id="m1", at=MARCH_15, amount=Money("0.99", "CNY"), category="tea"
        ),
        Transaction(
            id="o1", customer_id="m1", at=MARCH_15, amount=Money("0.99", "CNY"), category="cup"
        ),
    ]
    per_line = attrs.evolve(LINE_PROGRAM, rounding_per="line")

    assert 14 == earn(Ledger.empty("m1"), LINE_PROGRAM, lines, key="o1").entries[0].points
    assert 13 == earn(Ledger.empty("m1"), per_line, lines, key="o1").entries[0].points


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(1, 50_000), st.sampled_from(["tea", "cup", "pot"])),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["order", "line"]),
    st.sampled_from(["floor", "half_up", "ceil"]),
)
def test_bulk_orders_equal_per_event_orders(
    orders: list[list[tuple[int, str]]], per: str, rounding: str
) -> None:
    """Orders of several lines earn the same points through `earn` (all lines at once) and
    through `points_for_transactions` with `order_id` (the order's points on its first row)."""
    program = attrs.evolve(LINE_PROGRAM, rounding_per=per, rounding=rounding)
    ledger = Ledger.empty("m1")
    expected = []
    rows: dict[str, list[Any]] = {"at": [], "amount": [], "category": [], "order": []}
    for number, lines in enumerate(orders):
        at = MARCH_15 + timedelta(hours=number)
        records = [
            Transaction(
                id=f"o{number}",
                customer_id="m1",
                at=at,
                amount=Money(Decimal(cents) / 100, "CNY"),
                category=category,
            )
            for cents, category in lines
        ]
        ledger = earn(ledger, program, records, key=f"o{number}")
        expected += [ledger.entries[-1].points] + [0] * (len(lines) - 1)
        for cents, category in lines:
            rows["at"].append(np.datetime64(at.replace(tzinfo=None), "us"))
            rows["amount"].append(cents / 100)
            rows["category"].append(category)
            rows["order"].append(f"o{number}")
    bundle = Transactions.from_arrays(
        customer_id=["m1"] * len(rows["at"]),
        at=np.array(rows["at"]),
        amount=rows["amount"],
        category=rows["category"],
        currency="CNY",
    )

    assert expected == points_for_transactions(program, bundle, order_id=rows["order"]).tolist()


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param({"_EVERY_CASE": 0}, id="cases-counted"),
        pytest.param({"_EVERY_CASE": 0, "_COUNTED_CASES": 0}, id="cases-sorted"),
        pytest.param({"_FEW_EDGES": 0}, id="edges-searched"),
    ],
)
def test_bulk_equals_per_event_on_every_path(limits: dict[str, int]) -> None:
    """The bulk path's other ways for large programs (cases found by counting or sorting
    rather than all worked out, promotion edges by binary search rather than a pass each)
    give the same points: forced on small data by lowering their thresholds."""
    with mock.patch.multiple(earning, **limits):
        test_bulk_equals_per_event()
        test_bulk_orders_equal_per_event_orders()


# A rate whose cents x rate overflows int64 arithmetic: Python integers take over.
MANY_DIGITS = Program.simple(
    currency="CNY",
    points_per_unit="1.000000000000000000001",
    category_multipliers={"tea": "3"},
    rounding="ceil",
)


@pytest.mark.parametrize("per", ["order", "line"])
def test_bulk_rate_with_many_digits_is_exact(per: str) -> None:
    """Rates with more digits than int64 can multiply out are still exact (rounding
    1.000...001 x amount up gives amount + 1 for whole amounts), by line and by order."""
    program = attrs.evolve(MANY_DIGITS, rounding_per=per)
    bundle = Transactions.from_arrays(
        customer_id=["m1", "m1", "m2"],
        at=np.array(["2025-03-01", "2025-03-01", "2025-03-02"], dtype="datetime64[us]"),
        amount=[10.0, 2.5, 7.0],
        category=["tea", "cake", "cake"],
        currency="CNY",
    )
    lines = [
        [purchase("10.00", order="o1", category="tea"), purchase("2.50", order="o1")],
        [purchase("7.00", order="o2", member="m2")],
    ]
    expected = [
        earn(Ledger.empty(order[0].customer_id), program, order, key="k").entries[-1].points
        for order in lines
    ]

    points = points_for_transactions(program, bundle, order_id=["o1", "o1", "o2"])

    assert points.tolist() == [expected[0], 0, expected[1]]
    # o1: 10 x 3.000...003 + 2.50 x 1.000...001 rounds up to 33 at once, or 31 + 3 by line.
    assert expected == ([33, 8] if per == "order" else [34, 8])
