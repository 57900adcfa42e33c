"""A points program as data: earning rules, promotions, caps, expiry, tiers."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from attrs import field, frozen

from crmkit import _validation as v
from crmkit._fields import as_tuple
from crmkit.errors import InvalidDefinitionError

__all__ = [
    "STANDARD_TIERS",
    "Consumption",
    "Expiry",
    "ExpiryKind",
    "Program",
    "Promotion",
    "Rounding",
    "Tier",
    "TierPolicy",
]

Rounding = Literal["floor", "half_up", "ceil"]
"""How fractional points are rounded: down (the default), half up, or up."""

Consumption = Literal["soonest_expiring", "oldest"]
"""Which lots a redemption uses first."""

ExpiryKind = Literal["never", "days", "months", "fixed_date", "inactivity"]
"""Never; N days or N months after earning; on a fixed day each year; after N months idle."""

_ROUNDINGS = ("floor", "half_up", "ceil")
_CONSUMPTIONS = ("soonest_expiring", "oldest")
_EXPIRY_KINDS = ("never", "days", "months", "fixed_date", "inactivity")
_ROUND_TO = (None, "month_end", "year_end")
_METRICS = ("points", "spend", "orders")
_WINDOWS = ("calendar_year", "rolling_12_months", "anniversary")
_DOWNGRADES = ("one_down", "recompute")


def _decimal(value: Any) -> Any:
    # Exact numbers only: a float such as 1.1 is not 1.1 (checked in the problems).
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _optional_decimal(value: Any) -> Any:
    return None if value is None else _decimal(value)


def _decimal_mapping(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    return MappingProxyType({key: _decimal(number) for key, number in value.items()})


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value  # as Money normalises it


def _tuple_of(value: Any) -> Any:
    # Not iterable (or text): kept as given, for the problems check to report.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def _read_only(value: Any) -> Any:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _is_decimal(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


@frozen(kw_only=True)
class Promotion:
    """Extra points for purchases in a date window.

    The window is half-open, `[start, end)`, in the program's timezone: a
    promotion ending on 2025-04-01 covers March 31 to local midnight.

    Attributes:
        name: The promotion's name.
        start: First day it applies.
        end: First day it no longer applies.
        multiplier: Multiplies the points rate (1 for none).
        bonus_points: Fixed points added per qualifying purchase.
        categories: Product categories it applies to (empty: all).

    Examples:
        >>> from datetime import date
        >>> from crmkit.loyalty import Promotion
        >>> Promotion(name="double March", start=date(2025, 3, 1), end=date(2025, 4, 1),
        ...           multiplier=2).multiplier
        Decimal('2')
    """

    name: str = field()
    start: date = field()
    end: date = field()
    multiplier: Decimal = field(default=Decimal(1), converter=_decimal)
    bonus_points: int = field(default=0)
    categories: tuple[str, ...] = field(default=(), converter=as_tuple)

    def problems(self) -> list[str]:
        """Every way this promotion is malformed (empty when it is fine).

        Examples:
            >>> from datetime import date
            >>> from crmkit.loyalty import Promotion
            >>> Promotion(name="p", start=date(2025, 4, 1), end=date(2025, 3, 1)).problems()
            ["promotion 'p': end must be after start; got 2025-04-01 to 2025-03-01"]
        """
        where = f"promotion {self.name!r}"
        problems = []
        start: object = self.start
        end: object = self.end
        if not _is_day(start) or not _is_day(end):
            problems.append(f"{where}: start and end must be dates; got {start!r}, {end!r}")
        elif self.end <= self.start:
            problems.append(f"{where}: end must be after start; got {self.start} to {self.end}")
        if not _is_decimal(self.multiplier) or self.multiplier < 0:
            problems.append(f"{where}: multiplier must be a number >= 0; got {self.multiplier!r}")
        if not _is_count(self.bonus_points):
            problems.append(
                f"{where}: bonus_points must be a whole number >= 0; got {self.bonus_points!r}"
            )
        return problems


@frozen(kw_only=True)
class Expiry:
    """When earned points expire.

    Points are usable through the end of their expiry day in the program's
    timezone, and gone from its local midnight.

    Attributes:
        kind: "never"; "days" or "months" after earning; "fixed_date": on
            `month`/`day` of the year after earning; "inactivity": every point
            once the member has been idle (no earning or redemption) `months` months.
        days: For "days".
        months: For "months" and "inactivity".
        round_to: For "days" and "months": move the expiry day to the end of
            its month ("month_end") or year ("year_end"), or not (None).
        month: For "fixed_date", the month of the expiry day.
        day: For "fixed_date", the day of the expiry day.

    Examples:
        >>> from crmkit.loyalty import Expiry
        >>> Expiry(kind="months", months=12, round_to="month_end").kind
        'months'
    """

    kind: ExpiryKind = field(default="never")
    days: int = field(default=0)
    months: int = field(default=0)
    round_to: Literal["month_end", "year_end"] | None = field(default=None)
    month: int = field(default=12)
    day: int = field(default=31)

    def problems(self) -> list[str]:
        """Every way this policy is malformed (empty when it is fine).

        Examples:
            >>> from crmkit.loyalty import Expiry
            >>> Expiry(kind="days", days=0).problems()
            ['expiry days must be a whole number > 0; got 0']
        """
        if self.kind not in _EXPIRY_KINDS:
            return [f"expiry kind must be one of {', '.join(_EXPIRY_KINDS)}; got {self.kind!r}"]
        problems = []
        if self.kind == "days" and not (_is_count(self.days) and self.days > 0):
            problems.append(f"expiry days must be a whole number > 0; got {self.days!r}")
        if self.kind in ("months", "inactivity") and not (
            _is_count(self.months) and self.months > 0
        ):
            problems.append(f"expiry months must be a whole number > 0; got {self.months!r}")
        if self.round_to not in _ROUND_TO:
            problems.append(
                f"expiry round_to must be None, 'month_end' or 'year_end'; got {self.round_to!r}"
            )
        if self.kind == "fixed_date":
            try:
                date(2024, self.month, self.day)  # a leap year: 29 February is a valid day
            except (TypeError, ValueError):
                problems.append(
                    f"expiry month/day must be a day of the year; got {self.month}/{self.day}"
                )
        return problems


@frozen(kw_only=True)
class Tier:
    """A membership tier: reached at a threshold, with a points multiplier.

    Attributes:
        name: The tier's name.
        threshold: Qualifying value (points, spend or orders) that reaches it.
        multiplier: Multiplies the points rate for members in it.
        benefits: What it gives, as text.
        label: A display name (such as 金卡).

    Examples:
        >>> from crmkit.loyalty import STANDARD_TIERS
        >>> [(tier.label, int(tier.threshold)) for tier in STANDARD_TIERS]
        [('普通', 0), ('银卡', 1000), ('金卡', 5000), ('钻石', 20000)]
    """

    name: str = field()
    threshold: Decimal = field(converter=_decimal)
    multiplier: Decimal = field(default=Decimal(1), converter=_decimal)
    benefits: tuple[str, ...] = field(default=(), converter=as_tuple)
    label: str = field(default="")


STANDARD_TIERS: tuple[Tier, ...] = (
    Tier(name="standard", label="普通", threshold=0, multiplier=1),
    Tier(
        name="silver",
        label="银卡",
        threshold=1000,
        multiplier=Decimal("1.1"),
        benefits=("birthday bonus",),
    ),
    Tier(
        name="gold",
        label="金卡",
        threshold=5000,
        multiplier=Decimal("1.25"),
        benefits=("birthday bonus", "free shipping"),
    ),
    Tier(
        name="diamond",
        label="钻石",
        threshold=20000,
        multiplier=Decimal("1.5"),
        benefits=("birthday bonus", "free shipping", "priority service"),
    ),
)
"""The seed's 普通 / 银卡 / 金卡 / 钻石 ladder: example thresholds in qualifying points a year."""


@frozen(kw_only=True)
class TierPolicy:
    """How members qualify for tiers and when they move down.

    Attributes:
        metric: What qualifies: "points" earned, "spend" or "orders".
        window: Over which period: the "calendar_year", the "rolling_12_months"
            before the evaluation, or the member's "anniversary" year.
        downgrade: At a review, "one_down" (at most one tier lower) or
            "recompute" (straight to the tier the window's value reaches).
        grace_days: Days after a review before a downgrade takes effect.

    Examples:
        >>> from crmkit.loyalty import TierPolicy
        >>> TierPolicy(metric="spend", window="rolling_12_months").downgrade
        'one_down'
    """

    metric: Literal["points", "spend", "orders"] = field(default="points")
    window: Literal["calendar_year", "rolling_12_months", "anniversary"] = field(
        default="calendar_year"
    )
    downgrade: Literal["one_down", "recompute"] = field(default="one_down")
    grace_days: int = field(default=0)

    def problems(self) -> list[str]:
        """Every way this policy is malformed (empty when it is fine).

        Examples:
            >>> from crmkit.loyalty import TierPolicy
            >>> TierPolicy(grace_days=-1).problems()
            ['tier_policy.grace_days must be a whole number >= 0; got -1']
        """
        problems = []
        for name, value, allowed in (
            ("metric", self.metric, _METRICS),
            ("window", self.window, _WINDOWS),
            ("downgrade", self.downgrade, _DOWNGRADES),
        ):
            if value not in allowed:
                problems.append(
                    f"tier_policy.{name} must be one of {', '.join(allowed)}; got {value!r}"
                )
        if not _is_count(self.grace_days):
            problems.append(
                f"tier_policy.grace_days must be a whole number >= 0; got {self.grace_days!r}"
            )
        return problems


@frozen(kw_only=True)
class Program:
    """A points program: how points are earned, kept, used and lost, as data.

    A purchase of amount A earns `round(A x rate) + bonuses` points, where the
    rate is `points_per_unit` times the category's and channel's multipliers,
    the member's tier multiplier and every active promotion's multiplier;
    `rounding` rounds per order (or per line, with `rounding_per="line"`),
    and each applicable promotion's bonus counts once per order. Orders
    below `minimum_spend` earn nothing;
    `max_points_per_order`, `max_points_per_day` and
    `max_points_per_month` (a local day or calendar month in the
    program's timezone) cap what is earned. Named `actions` (review,
    referral, check-in) earn fixed points.

    Attributes:
        currency: The currency purchases must be in (ISO 4217).
        name: The program's name.
        timezone: IANA timezone of its days (promotion windows, expiry, caps).
        points_per_unit: Points per unit of currency.
        rounding: "floor" (default), "half_up" or "ceil".
        rounding_per: Round each order's points once ("order", the default)
            or each line's before adding them up ("line").
        category_multipliers: Rate multiplier per product category.
        channel_multipliers: Rate multiplier per channel ("app", "web", ...).
        promotions: Date-window promotions.
        minimum_spend: Smallest order amount that earns points.
        max_points_per_order: Cap per order (None: none).
        max_points_per_day: Cap per member and local day (None: none).
        max_points_per_month: Cap per member and local calendar month (None: none).
        actions: Points per named non-purchase event.
        expiry: When points expire.
        pending_days: Days before earned points can be used (returns window).
        consumption: Which lots a redemption uses first: "soonest_expiring"
            (default) or "oldest".
        negative_floor: Lowest balance allowed: 0 forbids a negative balance,
            -500 allows down to -500.
        tiers: Tiers from the lowest; the first threshold must be 0.
        tier_policy: How members qualify for tiers.

    Raises:
        InvalidDefinitionError: Listing every problem: a bad currency or
            timezone, a rate or multiplier not a non-negative exact number
            (floats are refused: 1.1 is not 1.1 in binary), promotion windows
            that end before they start, negative caps or days, tier
            thresholds not increasing from 0, repeated tier names.

    Examples:
        >>> from crmkit.loyalty import Program, STANDARD_TIERS
        >>> program = Program.simple(currency="CNY", points_per_unit=1, tiers=STANDARD_TIERS)
        >>> program.currency, program.rounding, program.expiry.kind
        ('CNY', 'floor', 'never')
    """

    currency: str = field(converter=_upper)
    name: str = field(default="points")
    timezone: str = field(default="UTC")
    points_per_unit: Decimal = field(default=Decimal(1), converter=_decimal)
    rounding: Rounding = field(default="floor")
    rounding_per: Literal["order", "line"] = field(default="order")
    category_multipliers: Mapping[str, Decimal] = field(
        factory=dict, converter=_decimal_mapping, hash=False
    )
    channel_multipliers: Mapping[str, Decimal] = field(
        factory=dict, converter=_decimal_mapping, hash=False
    )
    promotions: tuple[Promotion, ...] = field(default=(), converter=_tuple_of)
    minimum_spend: Decimal = field(default=Decimal(0), converter=_decimal)
    max_points_per_order: int | None = field(default=None)
    max_points_per_day: int | None = field(default=None)
    max_points_per_month: int | None = field(default=None)
    actions: Mapping[str, int] = field(factory=dict, converter=_read_only, hash=False)
    expiry: Expiry = field(factory=Expiry)
    pending_days: int = field(default=0)
    consumption: Consumption = field(default="soonest_expiring")
    negative_floor: int = field(default=0)
    tiers: tuple[Tier, ...] = field(default=(), converter=_tuple_of)
    tier_policy: TierPolicy = field(factory=TierPolicy)

    def __attrs_post_init__(self) -> None:
        problems = _program_problems(self)
        if problems:
            message = f"invalid Program {self.name!r}"
            raise InvalidDefinitionError(message, problems=problems)

    @classmethod
    def simple(
        cls,
        *,
        currency: str,
        points_per_unit: int | str | Decimal = 1,
        tiers: Iterable[Tier] = (),
        **options: Any,
    ) -> Program:
        """A program earning *points_per_unit* per unit of *currency*; options as in `Program`.

        Examples:
            >>> from crmkit.loyalty import Program
            >>> Program.simple(currency="CNY", points_per_unit=2).points_per_unit
            Decimal('2')
        """
        unknown = sorted(set(options) - {a.name for a in attrs.fields(cls)})
        if unknown:
            v.fail("options", "names of Program settings", unknown)
        return cls(currency=currency, points_per_unit=points_per_unit, tiers=tiers, **options)

    @property
    def zone(self) -> ZoneInfo:
        """The program's timezone."""
        return ZoneInfo(self.timezone)

    def local_day(self, moment: datetime) -> date:
        """The day *moment* falls on in the program's timezone.

        Examples:
            >>> from datetime import datetime, timezone
            >>> from crmkit.loyalty import Program
            >>> shanghai = Program.simple(currency="CNY", timezone="Asia/Shanghai")
            >>> shanghai.local_day(datetime(2025, 3, 31, 17, tzinfo=timezone.utc))
            datetime.date(2025, 4, 1)
        """
        return v.aware_datetime("moment", moment).astimezone(self.zone).date()

    def tier(self, name: str) -> Tier:
        """The tier called *name*.

        Raises:
            InvalidInputError: If the program has no such tier.

        Examples:
            >>> from crmkit.loyalty import Program, STANDARD_TIERS
            >>> Program.simple(currency="CNY", tiers=STANDARD_TIERS).tier("gold").label
            '金卡'
        """
        for tier in self.tiers:
            if tier.name == name:
                return tier
        v.fail("name", f"a tier of the program ({', '.join(t.name for t in self.tiers)})", name)


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _program_problems(program: Program) -> list[str]:
    problems = _scalar_problems(program)
    for name in ("category_multipliers", "channel_multipliers"):
        table: object = getattr(program, name)
        if not isinstance(table, Mapping):
            problems.append(f"'{name}' must be a mapping; got {table!r}")
            continue
        problems += [
            f"{name}[{key!r}] must be an exact number >= 0; got {number!r}"
            for key, number in table.items()
            if not _is_decimal(number) or number < 0
        ]
    actions: object = program.actions
    if not isinstance(actions, Mapping):
        problems.append(f"'actions' must be a mapping of event name to points; got {actions!r}")
    else:
        problems += [
            f"actions[{name!r}] must be a whole number of points > 0; got {points!r}"
            for name, points in actions.items()
            if not (_is_count(points) and points > 0)
        ]
    nested = _nested_problems(program)
    problems += nested
    # Each rule's own checks run when it has the right type (else its problem is above).
    if not any(p.startswith("'promotions'") for p in nested):
        for promotion in program.promotions:
            problems += promotion.problems()
    if not any(p.startswith("'expiry'") for p in nested):
        problems += program.expiry.problems()
    if not any(p.startswith("'tier_policy'") for p in nested):
        problems += program.tier_policy.problems()
    if not any(p.startswith("'tiers'") for p in nested):
        problems += _tier_problems(program.tiers)
    return problems


def _nested_problems(program: Program) -> list[str]:
    """Rules inside the program of the wrong type (checked before their own checks run)."""
    problems = []
    sequences: tuple[tuple[str, type], ...] = (("promotions", Promotion), ("tiers", Tier))
    for name, item_kind in sequences:
        items: object = getattr(program, name)
        if not isinstance(items, tuple) or not all(isinstance(i, item_kind) for i in items):
            problems.append(f"'{name}' must be a sequence of {item_kind.__name__}; got {items!r}")
    singles: tuple[tuple[str, type], ...] = (("expiry", Expiry), ("tier_policy", TierPolicy))
    for name, rule_kind in singles:
        value: object = getattr(program, name)
        if not isinstance(value, rule_kind):
            problems.append(f"'{name}' must be {rule_kind.__name__}; got {value!r}")
    return problems


def _scalar_problems(program: Program) -> list[str]:
    problems = []
    code: object = program.currency
    if not (
        isinstance(code, str)
        and len(code) == 3
        and code.isascii()
        and code.isalpha()
        and code.isupper()
    ):
        problems.append(
            f"'currency' must be a three-letter ISO 4217 code such as 'CNY'; got {code!r}"
        )
    try:
        ZoneInfo(program.timezone)
    except (ZoneInfoNotFoundError, TypeError, ValueError):
        problems.append(
            f"'timezone' must be an IANA name such as 'Asia/Shanghai'; got {program.timezone!r}"
        )
    if not _is_decimal(program.points_per_unit) or program.points_per_unit <= 0:
        problems.append(
            f"'points_per_unit' must be an exact number > 0 (int, str or Decimal); "
            f"got {program.points_per_unit!r}"
        )
    if not _is_decimal(program.minimum_spend) or program.minimum_spend < 0:
        problems.append(
            f"'minimum_spend' must be an exact number >= 0; got {program.minimum_spend!r}"
        )
    for choice, allowed in (
        ("rounding", _ROUNDINGS),
        ("rounding_per", ("order", "line")),
        ("consumption", _CONSUMPTIONS),
    ):
        value = getattr(program, choice)
        if value not in allowed:
            problems.append(f"'{choice}' must be one of {', '.join(allowed)}; got {value!r}")
    for cap in ("max_points_per_order", "max_points_per_day", "max_points_per_month"):
        value = getattr(program, cap)
        if value is not None and not (_is_count(value) and value > 0):
            problems.append(f"'{cap}' must be None or a whole number > 0; got {value!r}")
    if not _is_count(program.pending_days):
        problems.append(
            f"'pending_days' must be a whole number >= 0; got {program.pending_days!r}"
        )
    floor: object = program.negative_floor
    if not (isinstance(floor, int) and not isinstance(floor, bool) and floor <= 0):
        problems.append(f"'negative_floor' must be a whole number <= 0; got {floor!r}")
    return problems


def _tier_problems(tiers: tuple[Tier, ...]) -> list[str]:
    if not tiers:
        return []
    problems = []
    thresholds = []
    for tier in tiers:
        if not _is_decimal(tier.threshold) or tier.threshold < 0:
            problems.append(
                f"tier {tier.name!r}: threshold must be an exact number >= 0; "
                f"got {tier.threshold!r}"
            )
        else:
            thresholds.append(tier.threshold)
        if not _is_decimal(tier.multiplier) or tier.multiplier <= 0:
            problems.append(
                f"tier {tier.name!r}: multiplier must be an exact number > 0; "
                f"got {tier.multiplier!r}"
            )
    if thresholds and thresholds[0] != 0:
        problems.append(f"the first tier's threshold must be 0; got {thresholds[0]}")
    if any(later <= earlier for earlier, later in itertools.pairwise(thresholds)):
        shown = ", ".join(str(t) for t in thresholds)
        problems.append(f"tier thresholds must increase; got {shown}")
    names = [tier.name for tier in tiers]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.append(f"tier names must be unique; repeated: {', '.join(repeated)}")
    return problems
