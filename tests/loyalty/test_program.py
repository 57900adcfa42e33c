"""Loyalty programs as data: construction, validation of the whole, local days, presets, JSON."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import CrmkitError, InvalidDefinitionError, InvalidInputError
from crmkit.loyalty import (
    STANDARD_TIERS,
    Expiry,
    Program,
    Promotion,
    Tier,
    TierPolicy,
)

ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
MULTIPLIERS = ["0", "0.5", "1", "1.1", "1.25", "1.5", "2", "3"]


# --- strategies ---------------------------------------------------------------------------


@st.composite
def tier_ladders(draw: st.DrawFn) -> tuple[Tier, ...]:
    """1 to 4 tiers from threshold 0, thresholds rising, unique names, positive multipliers."""
    n = draw(st.integers(1, 4))
    steps = draw(st.lists(st.integers(1, 10_000), min_size=n - 1, max_size=n - 1))
    thresholds = [0]
    for step in steps:
        thresholds.append(thresholds[-1] + step)
    return tuple(
        Tier(
            name=f"t{k}",
            threshold=threshold,
            multiplier=Decimal(draw(st.sampled_from(MULTIPLIERS[1:]))),
            benefits=draw(st.lists(st.sampled_from(["lounge", "shipping", "gift"]), max_size=2)),
            label=draw(st.sampled_from(["", "银卡", "Gold"])),
        )
        for k, threshold in enumerate(thresholds)
    )


@st.composite
def promotions(draw: st.DrawFn) -> Promotion:
    """A promotion with a non-empty window in 2025, a multiplier, a bonus, maybe categories."""
    start = draw(st.dates(date(2025, 1, 1), date(2025, 12, 1)))
    return Promotion(
        name=draw(st.sampled_from(["spring", "double", "新年"])),
        start=start,
        end=start + timedelta(days=draw(st.integers(1, 60))),
        multiplier=Decimal(draw(st.sampled_from(MULTIPLIERS))),
        bonus_points=draw(st.integers(0, 50)),
        categories=draw(st.lists(st.sampled_from(["shoes", "food", "toys"]), max_size=2)),
    )


expiries = st.one_of(
    st.just(Expiry()),
    st.builds(
        Expiry,
        kind=st.just("days"),
        days=st.integers(1, 800),
        round_to=st.sampled_from([None, "month_end", "year_end"]),
    ),
    st.builds(
        Expiry,
        kind=st.just("months"),
        months=st.integers(1, 36),
        round_to=st.sampled_from([None, "month_end", "year_end"]),
    ),
    st.dates(date(2024, 1, 1), date(2024, 12, 31)).map(
        lambda day: Expiry(kind="fixed_date", month=day.month, day=day.day)
    ),
    st.builds(Expiry, kind=st.just("inactivity"), months=st.integers(1, 24)),
)

tier_policies = st.builds(
    TierPolicy,
    metric=st.sampled_from(["points", "spend", "orders"]),
    window=st.sampled_from(["calendar_year", "rolling_12_months", "anniversary"]),
    downgrade=st.sampled_from(["one_down", "recompute"]),
    grace_days=st.integers(0, 90),
)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """A valid program with every option drawn."""
    keys = st.sampled_from(["shoes", "food", "toys", "鞋"])
    channels = st.sampled_from(["app", "web", "in_store"])
    return Program(
        currency=draw(st.sampled_from(["CNY", "USD", "EUR", "JPY"])),
        name=draw(st.sampled_from(["points", "stars", "积分"])),
        timezone=draw(st.sampled_from(ZONES)),
        points_per_unit=Decimal(draw(st.sampled_from(MULTIPLIERS[1:]))),
        rounding=draw(st.sampled_from(["floor", "half_up", "ceil"])),
        category_multipliers=draw(
            st.dictionaries(keys, st.sampled_from(MULTIPLIERS).map(Decimal), max_size=3)
        ),
        channel_multipliers=draw(
            st.dictionaries(channels, st.sampled_from(MULTIPLIERS).map(Decimal), max_size=3)
        ),
        promotions=draw(st.lists(promotions(), max_size=3)),
        minimum_spend=Decimal(draw(st.integers(0, 10_000))) / 100,
        max_points_per_order=draw(st.none() | st.integers(1, 10_000)),
        max_points_per_day=draw(st.none() | st.integers(1, 10_000)),
        actions=draw(
            st.dictionaries(
                st.sampled_from(["review", "referral", "check_in"]), st.integers(1, 500)
            )
        ),
        expiry=draw(expiries),
        pending_days=draw(st.integers(0, 60)),
        consumption=draw(st.sampled_from(["soonest_expiring", "oldest"])),
        negative_floor=draw(st.integers(-1000, 0)),
        tiers=draw(st.just(()) | st.just(STANDARD_TIERS) | tier_ladders()),
        tier_policy=draw(tier_policies),
    )


# --- construction -------------------------------------------------------------------------


def test_simple_program_defaults() -> None:
    """`Program.simple` sets the currency, rate and tiers; every other option has its default:
    UTC days, floor rounding, no multipliers, promotions, caps, minimum or expiry, no pending
    period, soonest-expiring consumption, no negative balance."""
    program = Program.simple(currency="CNY", points_per_unit=1, tiers=STANDARD_TIERS)

    assert "CNY" == program.currency
    assert "points" == program.name
    assert "UTC" == program.timezone
    assert Decimal(1) == program.points_per_unit
    assert "floor" == program.rounding
    assert {} == dict(program.category_multipliers)
    assert {} == dict(program.channel_multipliers)
    assert () == program.promotions
    assert Decimal(0) == program.minimum_spend
    assert program.max_points_per_order is None
    assert program.max_points_per_day is None
    assert {} == dict(program.actions)
    assert Expiry() == program.expiry
    assert "never" == program.expiry.kind
    assert 0 == program.pending_days
    assert "soonest_expiring" == program.consumption
    assert 0 == program.negative_floor
    assert STANDARD_TIERS == program.tiers
    assert TierPolicy() == program.tier_policy


def test_simple_passes_options_through() -> None:
    """`Program.simple(currency=..., points_per_unit=..., **options)` equals the full
    constructor with the same values."""
    options: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "pending_days": 7,
        "expiry": Expiry(kind="days", days=365),
        "actions": {"review": 20},
    }

    expected = Program(currency="CNY", points_per_unit=Decimal(2), **options)

    assert expected == Program.simple(currency="CNY", points_per_unit=2, **options)


def test_exact_numbers_become_decimals() -> None:
    """Rates and multipliers given as int or str become Decimal, so 1.1 stays exactly 1.1."""
    program = Program.simple(
        currency="CNY",
        points_per_unit="1.1",
        minimum_spend="9.90",
        category_multipliers={"shoes": 2},
        channel_multipliers={"app": "1.5"},
    )

    assert Decimal("1.1") == program.points_per_unit
    assert Decimal("9.90") == program.minimum_spend
    assert {"shoes": Decimal(2)} == dict(program.category_multipliers)
    assert {"app": Decimal("1.5")} == dict(program.channel_multipliers)
    assert all(isinstance(m, Decimal) for m in program.category_multipliers.values())


def test_program_is_frozen_and_its_tables_read_only() -> None:
    """A program cannot be changed after construction: no attribute assignment, no item
    assignment in its tables, and later changes to the caller's dicts do not reach it."""
    multipliers = {"shoes": 2}
    actions = {"review": 20}
    program = Program.simple(currency="CNY", category_multipliers=multipliers, actions=actions)
    multipliers["shoes"] = 5
    actions["referral"] = 100

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        program.currency = "USD"  # type: ignore[misc]
    with pytest.raises(TypeError):
        program.category_multipliers["shoes"] = Decimal(3)  # type: ignore[index]
    with pytest.raises(TypeError):
        program.actions["review"] = 1  # type: ignore[index]
    assert {"shoes": Decimal(2)} == dict(program.category_multipliers)
    assert {"review": 20} == dict(program.actions)


def test_programs_with_equal_rules_are_equal() -> None:
    """Equality is by value: two programs built from the same rules are equal, one differing
    rule makes them unequal."""
    one = Program.simple(currency="CNY", category_multipliers={"shoes": 2})

    assert Program.simple(currency="CNY", category_multipliers={"shoes": "2"}) == one
    assert Program.simple(currency="CNY", category_multipliers={"shoes": 3}) != one


# --- local day and tiers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 3, 31, 15, 59, 59, 999999, tzinfo=UTC), date(2025, 3, 31)),
        (datetime(2025, 3, 31, 16, 0, tzinfo=UTC), date(2025, 4, 1)),
        (datetime(2025, 3, 31, 17, 0, tzinfo=UTC), date(2025, 4, 1)),
        (datetime(2025, 4, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")), date(2025, 4, 1)),
        (datetime(2025, 3, 31, 12, 0, tzinfo=timezone(timedelta(hours=-5))), date(2025, 4, 1)),
    ],
)
def test_local_day_in_shanghai(moment: datetime, expected: date) -> None:
    """Shanghai is UTC+8: its April 1 starts at 2025-03-31T16:00Z; 12:00 at UTC-5 is 17:00Z,
    already April 1 there. The day does not depend on the offset the instant is written in."""
    program = Program.simple(currency="CNY", timezone="Asia/Shanghai")

    assert expected == program.local_day(moment)


def test_local_day_in_utc_program() -> None:
    """In a UTC program, 2025-03-31T17:00Z is still March 31."""
    program = Program.simple(currency="CNY")

    assert date(2025, 3, 31) == program.local_day(datetime(2025, 3, 31, 17, tzinfo=UTC))


def test_zone_is_the_timezone() -> None:
    """`zone` is the IANA zone the program's days are in."""
    program = Program.simple(currency="CNY", timezone="Asia/Shanghai")

    assert ZoneInfo("Asia/Shanghai") == program.zone


def test_tier_by_name() -> None:
    """`tier(name)` returns the program's tier of that name."""
    program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)

    assert STANDARD_TIERS[2] == program.tier("gold")


def test_unknown_tier_refused() -> None:
    """Asking for a tier the program lacks raises an error naming the argument and the
    name, and listing the program's tiers."""
    program = Program.simple(currency="CNY", tiers=STANDARD_TIERS)

    refused(
        program.tier,
        {"name": "platinum"},
        InvalidInputError,
        r"'name' must be a tier of the program \(standard, silver, gold, diamond\); "
        r"got 'platinum'",
    )


def test_local_day_of_naive_datetime_refused() -> None:
    """A naive datetime has no day in any timezone: refused, naming the argument."""
    program = Program.simple(currency="CNY", timezone="Asia/Shanghai")

    refused(
        program.local_day,
        {"moment": datetime(2025, 3, 31, 17)},
        InvalidInputError,
        "'moment' must be a timezone-aware datetime",
    )


def test_simple_refuses_unknown_options() -> None:
    """A misspelt option is refused naming 'options' and the name, not ignored."""
    refused(
        Program.simple,
        {"currency": "CNY", "timezon": "Asia/Shanghai"},
        InvalidInputError,
        r"'options' must be names of Program settings; got \['timezon'\]",
    )


def test_standard_tiers() -> None:
    """The preset ladder is 普通 / 银卡 / 金卡 / 钻石 (standard, silver, gold, diamond) at
    0 / 1000 / 5000 / 20000 with multipliers 1 / 1.1 / 1.25 / 1.5, each tier keeping the
    benefits of the one below and adding one."""
    assert ["standard", "silver", "gold", "diamond"] == [t.name for t in STANDARD_TIERS]
    assert ["普通", "银卡", "金卡", "钻石"] == [t.label for t in STANDARD_TIERS]
    assert [Decimal(n) for n in (0, 1000, 5000, 20000)] == [t.threshold for t in STANDARD_TIERS]
    assert [Decimal(m) for m in ("1", "1.1", "1.25", "1.5")] == [
        t.multiplier for t in STANDARD_TIERS
    ]
    benefits = [t.benefits for t in STANDARD_TIERS]
    assert () == benefits[0]
    for lower, higher in itertools.pairwise(benefits):
        assert lower == higher[: len(lower)]
        assert len(lower) + 1 == len(higher)


def test_standard_tiers_make_a_valid_program() -> None:
    """The preset passes the program's tier checks and keeps its order."""
    assert STANDARD_TIERS == Program.simple(currency="CNY", tiers=STANDARD_TIERS).tiers


# --- validation ---------------------------------------------------------------------------


def _late_spring() -> Promotion:
    return Promotion(name="spring", start=date(2025, 4, 1), end=date(2025, 3, 1))


BAD_PROGRAMS: list[tuple[dict[str, Any], list[str]]] = [
    ({"currency": "CN1"}, ["currency", "'CN1'"]),
    ({"currency": "CN"}, ["currency", "'CN'"]),
    ({"currency": 156}, ["currency", "156"]),
    ({"timezone": "Mars/Olympus"}, ["timezone", "'Mars/Olympus'"]),
    ({"timezone": None}, ["timezone", "None"]),
    ({"points_per_unit": 1.5}, ["points_per_unit", "1.5"]),
    ({"points_per_unit": 0}, ["points_per_unit", "Decimal('0')"]),
    ({"points_per_unit": "-1"}, ["points_per_unit", "Decimal('-1')"]),
    ({"minimum_spend": "-5"}, ["minimum_spend", "Decimal('-5')"]),
    ({"minimum_spend": 9.99}, ["minimum_spend", "9.99"]),
    ({"rounding": "nearest"}, ["rounding", "'nearest'"]),
    ({"consumption": "newest"}, ["consumption", "'newest'"]),
    ({"category_multipliers": {"shoes": -1}}, ["category_multipliers['shoes']", "Decimal('-1')"]),
    ({"category_multipliers": {"shoes": 1.5}}, ["category_multipliers['shoes']", "1.5"]),
    ({"channel_multipliers": {"app": "-0.5"}}, ["channel_multipliers['app']", "Decimal('-0.5')"]),
    ({"category_multipliers": ["shoes"]}, ["category_multipliers", "['shoes']"]),
    ({"promotions": [_late_spring()]}, ["'spring'", "end", "2025-04-01", "2025-03-01"]),
    (
        {"promotions": [Promotion(name="p", start=date(2025, 3, 1), end=date(2025, 3, 1))]},
        ["'p'", "end", "2025-03-01"],
    ),
    (
        {
            "promotions": [
                Promotion(
                    name="p",
                    start=datetime(2025, 3, 1, tzinfo=UTC),
                    end=date(2025, 4, 1),
                )
            ]
        },
        ["'p'", "start", "datetime.datetime(2025, 3, 1"],
    ),
    (
        {
            "promotions": [
                Promotion(name="p", start=date(2025, 3, 1), end=date(2025, 4, 1), multiplier=-2)
            ]
        },
        ["'p'", "multiplier", "Decimal('-2')"],
    ),
    (
        {
            "promotions": [
                Promotion(name="p", start=date(2025, 3, 1), end=date(2025, 4, 1), multiplier=1.5)
            ]
        },
        ["'p'", "multiplier", "1.5"],
    ),
    (
        {
            "promotions": [
                Promotion(name="p", start=date(2025, 3, 1), end=date(2025, 4, 1), bonus_points=-5)
            ]
        },
        ["'p'", "bonus_points", "-5"],
    ),
    ({"max_points_per_order": 0}, ["max_points_per_order", "0"]),
    ({"max_points_per_order": 10.0}, ["max_points_per_order", "10.0"]),
    ({"max_points_per_day": -100}, ["max_points_per_day", "-100"]),
    ({"pending_days": -1}, ["pending_days", "-1"]),
    ({"pending_days": True}, ["pending_days", "True"]),
    ({"negative_floor": 10}, ["negative_floor", "10"]),
    ({"negative_floor": -1.5}, ["negative_floor", "-1.5"]),
    ({"actions": {"review": 0}}, ["actions['review']", "0"]),
    ({"actions": {"review": 2.5}}, ["actions['review']", "2.5"]),
    ({"expiry": Expiry(kind="weeks")}, ["expiry kind", "'weeks'"]),  # type: ignore[arg-type]
    ({"expiry": Expiry(kind="days", days=0)}, ["expiry days", "0"]),
    ({"expiry": Expiry(kind="months", months=-3)}, ["expiry months", "-3"]),
    ({"expiry": Expiry(kind="inactivity", months=0)}, ["expiry months", "0"]),
    (
        {"expiry": Expiry(kind="months", months=12, round_to="week_end")},  # type: ignore[arg-type]
        ["round_to", "'week_end'"],
    ),
    ({"expiry": Expiry(kind="fixed_date", month=2, day=30)}, ["month/day", "2/30"]),
    ({"expiry": Expiry(kind="fixed_date", month=13, day=1)}, ["month/day", "13/1"]),
    ({"tiers": [Tier(name="base", threshold=100)]}, ["first tier", "100"]),
    (
        {
            "tiers": [
                Tier(name="a", threshold=0),
                Tier(name="b", threshold=500),
                Tier(name="c", threshold=500),
            ]
        },
        ["thresholds must increase", "0, 500, 500"],
    ),
    (
        {"tiers": [Tier(name="a", threshold=0), STANDARD_TIERS[1], Tier(name="c", threshold=900)]},
        ["thresholds must increase", "0, 1000, 900"],
    ),
    (
        {"tiers": [Tier(name="gold", threshold=0), Tier(name="gold", threshold=10)]},
        ["names must be unique", "gold"],
    ),
    ({"tiers": [Tier(name="a", threshold=0, multiplier=0)]}, ["tier 'a'", "multiplier", "0"]),
    ({"tiers": [Tier(name="a", threshold=0, multiplier=-1)]}, ["tier 'a'", "multiplier", "-1"]),
    (
        {"tiers": [Tier(name="a", threshold=0), Tier(name="b", threshold=10.5)]},
        ["tier 'b'", "threshold", "10.5"],
    ),
    ({"tier_policy": TierPolicy(metric="visits")}, ["tier_policy.metric", "'visits'"]),  # type: ignore[arg-type]
    ({"tier_policy": TierPolicy(window="weekly")}, ["tier_policy.window", "'weekly'"]),  # type: ignore[arg-type]
    ({"tier_policy": TierPolicy(downgrade="drop")}, ["tier_policy.downgrade", "'drop'"]),  # type: ignore[arg-type]
    ({"tier_policy": TierPolicy(grace_days=-1)}, ["tier_policy.grace_days", "-1"]),
    ({"expiry": "never"}, ["'expiry'", "Expiry", "'never'"]),
    ({"tier_policy": None}, ["'tier_policy'", "TierPolicy", "None"]),
    ({"tiers": ["gold"]}, ["'tiers'", "Tier", "'gold'"]),
    ({"promotions": 3}, ["'promotions'", "Promotion", "3"]),
]


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    BAD_PROGRAMS,
    ids=[f"{next(iter(kwargs))}-{index}" for index, (kwargs, _) in enumerate(BAD_PROGRAMS)],
)
def test_each_bad_rule_is_one_problem_naming_it_and_its_value(
    kwargs: dict[str, Any], fragments: list[str]
) -> None:
    """A program with one bad rule raises InvalidDefinitionError (a CrmkitError and a
    ValueError) listing exactly one problem, which names the rule and, after "got", the bad
    value (the last fragment)."""
    with pytest.raises(InvalidDefinitionError) as info:
        Program(**{"currency": "CNY", **kwargs})

    assert isinstance(info.value, CrmkitError)
    assert isinstance(info.value, ValueError)
    assert 1 == len(info.value.problems)
    problem = info.value.problems[0]
    *names, value = fragments
    for name in names:
        assert name in problem, problem
    _, got, shown = problem.rpartition("got ")
    if not got:
        _, got, shown = problem.rpartition("repeated: ")
    assert got, problem
    assert value in shown, problem
    assert problem in str(info.value)


def test_every_problem_listed_at_once() -> None:
    """Thirteen problems in one program (scalar settings, multipliers, a promotion, the
    expiry and the tiers) are all listed in one InvalidDefinitionError, in the order
    currency, timezone, rate, rounding, caps, pending days, floor, multipliers, promotions,
    expiry, then the tiers: a bad scalar does not hide the nested rules' problems."""
    with pytest.raises(InvalidDefinitionError) as info:
        Program(
            currency="yuan",
            timezone="Nowhere/City",
            points_per_unit=1.5,
            rounding="banker",  # type: ignore[arg-type]
            max_points_per_order=-1,
            pending_days=-2,
            negative_floor=5,
            category_multipliers={"shoes": -3},
            promotions=[_late_spring()],
            expiry=Expiry(kind="days", days=0),
            tiers=[Tier(name="a", threshold=5), Tier(name="a", threshold=5)],
        )

    problems = info.value.problems
    expected_names = [
        "currency",
        "timezone",
        "points_per_unit",
        "rounding",
        "max_points_per_order",
        "pending_days",
        "negative_floor",
        "category_multipliers['shoes']",
        "promotion 'spring'",
        "expiry days",
        "the first tier's threshold",
        "tier thresholds must increase",
        "tier names must be unique",
    ]
    assert len(expected_names) == len(problems), problems
    for name, problem in zip(expected_names, problems, strict=True):
        assert problem.replace("'", "").startswith(name.replace("'", "")), problem
    assert f"{len(problems)} problems" in str(info.value)


def test_bad_currency_does_not_hide_bad_tiers() -> None:
    """A lower-case currency and a tier ladder not starting at 0 are two problems, both
    listed (fixing one must not reveal the other only on the next try)."""
    with pytest.raises(InvalidDefinitionError) as info:
        Program(currency="CN1", tiers=[Tier(name="base", threshold=100)])

    assert 2 == len(info.value.problems), info.value.problems
    assert "first tier" in info.value.problems[1]


def test_float_rates_are_refused_not_converted() -> None:
    """A float rate (1.1 is 1.100000000000000088817841970012523 in binary) is refused, the
    same rate as a string is kept exactly."""
    with pytest.raises(InvalidDefinitionError, match="points_per_unit"):
        Program.simple(currency="CNY", points_per_unit=1.1)  # type: ignore[arg-type]

    assert Decimal("1.1") == Program.simple(currency="CNY", points_per_unit="1.1").points_per_unit


def test_zero_category_multiplier_allowed() -> None:
    """A category multiplier of 0 (a category that earns nothing) is allowed."""
    program = Program.simple(currency="CNY", category_multipliers={"gift_cards": 0})

    assert Decimal(0) == program.category_multipliers["gift_cards"]


def test_leap_day_fixed_expiry_allowed() -> None:
    """February 29 is a day of the year (expiry in a non-leap year falls on the 28th)."""
    program = Program.simple(currency="CNY", expiry=Expiry(kind="fixed_date", month=2, day=29))

    assert (2, 29) == (program.expiry.month, program.expiry.day)


def test_error_pickles_with_problems() -> None:
    """The definition error survives pickling with its problems (apps send it across
    processes)."""
    import pickle

    with pytest.raises(InvalidDefinitionError) as info:
        Program(currency="CNY", pending_days=-1)

    copy = pickle.loads(pickle.dumps(info.value))
    assert info.value.problems == copy.problems
    assert str(info.value) == str(copy)


# --- JSON ---------------------------------------------------------------------------------


def _every_option() -> Program:
    return Program(
        currency="CNY",
        name="会员积分",
        timezone="Asia/Shanghai",
        points_per_unit="1.5",
        rounding="half_up",
        category_multipliers={"shoes": 2, "gift_cards": 0},
        channel_multipliers={"app": "1.1"},
        promotions=[
            Promotion(
                name="double March",
                start=date(2025, 3, 1),
                end=date(2025, 4, 1),
                multiplier=2,
                bonus_points=5,
                categories=["shoes"],
            )
        ],
        minimum_spend="10.00",
        max_points_per_order=1000,
        max_points_per_day=2000,
        actions={"review": 20, "referral": 100},
        expiry=Expiry(kind="months", months=12, round_to="month_end"),
        pending_days=7,
        consumption="oldest",
        negative_floor=-100,
        tiers=STANDARD_TIERS,
        tier_policy=TierPolicy(
            metric="spend", window="anniversary", downgrade="recompute", grace_days=30
        ),
    )


def test_json_round_trip_every_option() -> None:
    """A program with every option set comes back equal from JSON, decimals as strings
    (exact) and the Chinese names as written."""
    program = _every_option()
    text = io.to_json(program)

    assert program == io.from_json(Program, text)
    data = json.loads(text)
    assert "1.5" == data["points_per_unit"]
    assert {"shoes": "2", "gift_cards": "0"} == data["category_multipliers"]
    assert "会员积分" in text
    assert text == io.to_json(io.from_json(Program, text))


@settings(max_examples=60, deadline=None)
@given(programs())
def test_json_round_trip_property(program: Program) -> None:
    """Any valid program comes back equal from JSON, and writing it again gives the same
    text."""
    text = io.to_json(program)
    back = io.from_json(Program, text)

    assert program == back
    assert text == io.to_json(back)


def test_json_loader_checks_the_whole_program() -> None:
    """JSON describing an inconsistent program (thresholds not increasing) is refused with
    the same InvalidDefinitionError as the constructor gives."""
    data = json.loads(io.to_json(Program.simple(currency="CNY", tiers=STANDARD_TIERS)))
    data["tiers"][2]["threshold"] = "500"

    with pytest.raises(InvalidDefinitionError) as info:
        io.from_json(Program, json.dumps(data))

    assert ["tier thresholds must increase; got 0, 1000, 500, 20000"] == list(info.value.problems)


def test_json_float_rate_refused() -> None:
    """A JSON number for a rate (a float) is refused, naming the field and the value."""
    data = json.loads(io.to_json(Program.simple(currency="CNY")))
    data["points_per_unit"] = 1.5

    with pytest.raises(InvalidInputError, match=r"'points_per_unit' .*1\.5") as info:
        io.from_json(Program, json.dumps(data))

    assert "points_per_unit" == info.value.argument
