"""Rule-set presets for B2C shops, B2B accounts and value classes, and their features.

Each preset is a [`RuleSet`][crmkit.rules.RuleSet] built by a function whose
arguments are its thresholds, so a business can change a threshold without
rewriting the rules, store the result as JSON, and apply it with
[`apply_rules`][crmkit.rules.apply_rules].
[`customer_features`][crmkit.segmentation.customer_features] computes the
columns the B2C and B2B presets read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from crmkit import _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.rules import Condition, Rule, RuleSet
from crmkit.transactions import Transactions

__all__ = [
    "B2B_RULES",
    "B2C_RULES",
    "VALUE_CLASS_RULES",
    "CustomerFeatures",
    "b2b_rules",
    "b2c_rules",
    "customer_features",
    "value_class_rules",
]

_DAYS_PER_MONTH = 365.25 / 12
_YEAR = np.timedelta64(365, "D")


@frozen(kw_only=True, repr=False)
class CustomerFeatures:
    """Behaviour of each customer as of one instant: the columns rule sets read.

    Attributes:
        customer_id: The customer ids.
        recency_days: Whole days since the last purchase.
        tenure_days: Whole days since the first purchase.
        frequency: Number of purchases.
        revenue: Total spend.
        average_order_value: Revenue per purchase.
        orders_per_month: Purchases per month of tenure (tenure under a month
            counts as one month).
        active_orders_per_month: Purchases per month between the first and
            last purchase (at least one month): how often they bought while
            they were buying.
        revenue_last_12_months: Spend in the 365 days up to `as_of`.
        revenue_previous_12_months: Spend in the 365 days before those.
        yoy_growth: Change of the last 12 months' spend over the previous 12
            months' (0.2 is +20 %); `inf` when the previous year had none and
            this year has some, 0 when both had none.
        relationship_years: Tenure in years of 365.25 days.
        as_of: The instant described.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.segmentation import customer_features
        >>> features = customer_features(load_sample().transactions, as_of=date(2025, 1, 1))
        >>> features
        CustomerFeatures(n_customers=5000, as_of='2025-01-01')
        >>> sorted(features.columns())[:3]
        ['active_orders_per_month', 'average_order_value', 'customer_id']
    """

    customer_id: NDArray[Any] = array_field()
    recency_days: NDArray[np.int64] = array_field()
    tenure_days: NDArray[np.int64] = array_field()
    frequency: NDArray[np.int64] = array_field()
    revenue: NDArray[np.float64] = array_field()
    average_order_value: NDArray[np.float64] = array_field()
    orders_per_month: NDArray[np.float64] = array_field()
    active_orders_per_month: NDArray[np.float64] = array_field()
    revenue_last_12_months: NDArray[np.float64] = array_field()
    revenue_previous_12_months: NDArray[np.float64] = array_field()
    yoy_growth: NDArray[np.float64] = array_field()
    relationship_years: NDArray[np.float64] = array_field()
    as_of: datetime = field()

    def __repr__(self) -> str:
        return (
            f"CustomerFeatures(n_customers={self.customer_id.size}, "
            f"as_of={self.as_of.date().isoformat()!r})"
        )

    def columns(self) -> dict[str, NDArray[Any]]:
        """Every feature by name (what [`apply_rules`][crmkit.rules.apply_rules] reads).

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.segmentation import customer_features
            >>> f = customer_features(load_sample().transactions, as_of=date(2025, 1, 1))
            >>> len(f.columns())
            12
        """
        return {name: getattr(self, name) for name in _FEATURES}

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per customer, one column per feature.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.segmentation import customer_features
            >>> f = customer_features(load_sample().transactions, as_of=date(2025, 1, 1))
            >>> f.to_frame().shape
            (5000, 12)
        """
        return _frames.frame_from_columns(self.columns(), backend=backend)


_FEATURES = (
    "customer_id",
    "recency_days",
    "tenure_days",
    "frequency",
    "revenue",
    "average_order_value",
    "orders_per_month",
    "active_orders_per_month",
    "revenue_last_12_months",
    "revenue_previous_12_months",
    "yoy_growth",
    "relationship_years",
)


def customer_features(transactions: Transactions, *, as_of: date | datetime) -> CustomerFeatures:
    """Compute the behaviour features of every customer who bought by `as_of`.

    Transactions after `as_of` are ignored. See
    [`CustomerFeatures`][crmkit.segmentation.CustomerFeatures] for each column.

    Args:
        transactions: The purchases.
        as_of: An aware datetime, or a date meaning the end of that day (UTC).

    Raises:
        InvalidInputError: If there are no transactions on or before `as_of`.

    Examples:
        "a" bought 100 in each of the last two years, "b" only 50 this year:

        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.segmentation import customer_features
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "b"], amount=[100.0, 100.0, 50.0],
        ...     at=np.array(["2023-06-01", "2024-06-01", "2024-06-01"], dtype="datetime64[us]"))
        >>> f = customer_features(txns, as_of=date(2024, 12, 31))
        >>> f.revenue_last_12_months.tolist(), f.yoy_growth.tolist()
        ([100.0, 50.0], [0.0, inf])
    """
    txns = _groups.check_transactions(transactions)
    rows = _groups.customer_rows(txns, v.as_of_instant(as_of))
    instant = rows.instant
    last_year = rows.at > instant - _YEAR
    year_before = ~last_year & (rows.at > instant - 2 * _YEAR)
    position = np.repeat(np.arange(rows.starts.size), rows.lengths)
    n = rows.starts.size
    recent = _sum_by(position, rows.amount, last_year, n)
    earlier = _sum_by(position, rows.amount, year_before, n)
    tenure = _groups.whole_days(instant - rows.first)
    active_days = _groups.whole_days(rows.last - rows.first)
    return CustomerFeatures(
        customer_id=rows.customer_id,
        recency_days=_groups.whole_days(instant - rows.last),
        tenure_days=tenure,
        frequency=rows.lengths,
        revenue=rows.revenue,
        average_order_value=rows.revenue / rows.lengths,
        orders_per_month=rows.lengths / np.maximum(tenure / _DAYS_PER_MONTH, 1.0),
        active_orders_per_month=rows.lengths / np.maximum(active_days / _DAYS_PER_MONTH, 1.0),
        revenue_last_12_months=recent,
        revenue_previous_12_months=earlier,
        yoy_growth=_growth(recent, earlier),
        relationship_years=tenure / 365.25,
        as_of=rows.moment,
    )


def _sum_by(
    position: NDArray[np.intp], amount: NDArray[np.float64], rows: NDArray[np.bool_], n: int
) -> NDArray[np.float64]:
    # bincount of an empty selection is an int array; keep money as float64.
    totals: NDArray[np.float64] = np.bincount(
        position[rows], weights=amount[rows], minlength=n
    ).astype(np.float64)
    return totals


def _growth(recent: NDArray[np.float64], earlier: NDArray[np.float64]) -> NDArray[np.float64]:
    growth = np.zeros(recent.size)
    had = earlier > 0
    growth[had] = recent[had] / earlier[had] - 1.0
    growth[~had & (recent > 0)] = np.inf
    return growth


def _non_negative(argument: str, value: Any) -> float:
    return v.check_float(argument, value, low=0.0)


def _all(*conditions: Condition) -> tuple[Condition, ...]:
    return conditions


def b2c_rules(
    *,
    recent_days: int = 90,
    high_value_orders_per_month: float = 2.0,
    high_order_value: float = 300.0,
    low_orders_per_month: float = 0.5,
    lapsed_days: int = 180,
    frequent_orders_per_month: float = 1.0,
    new_days: int = 90,
) -> RuleSet:
    """B2C e-commerce segments: high value, churn risk, new, potential, others.

    In priority order:

    - `high_value`: bought within `recent_days`, at least
      `high_value_orders_per_month` orders a month on average, and an average
      order value of at least `high_order_value`;
    - `churn_risk`: used to buy often (two or more orders, at least
      `frequent_orders_per_month` while active) but nothing for
      `lapsed_days` (a one-time buyer never "used to buy often");
    - `new`: first purchase within `new_days`;
    - `potential`: few orders (under `low_orders_per_month`) but an average
      order value of at least `high_order_value`;
    - `others`: everyone else.

    Features are those of [`customer_features`][crmkit.segmentation.customer_features].

    Examples:
        >>> from crmkit.segmentation import b2c_rules
        >>> b2c_rules(high_order_value=500).labels
        ('high_value', 'churn_risk', 'new', 'potential', 'others')
    """
    recent_days, lapsed_days, new_days = (
        v.check_int(name, value, low=0)
        for name, value in (
            ("recent_days", recent_days),
            ("lapsed_days", lapsed_days),
            ("new_days", new_days),
        )
    )
    (
        high_value_orders_per_month,
        high_order_value,
        low_orders_per_month,
        frequent_orders_per_month,
    ) = (
        _non_negative(name, value)
        for name, value in (
            ("high_value_orders_per_month", high_value_orders_per_month),
            ("high_order_value", high_order_value),
            ("low_orders_per_month", low_orders_per_month),
            ("frequent_orders_per_month", frequent_orders_per_month),
        )
    )
    return RuleSet(
        name="b2c",
        fallback="others",
        rules=[
            Rule(
                name="high_value",
                conditions=_all(
                    Condition(field="recency_days", op="<=", value=recent_days),
                    Condition(
                        field="orders_per_month", op=">=", value=high_value_orders_per_month
                    ),
                    Condition(field="average_order_value", op=">=", value=high_order_value),
                ),
                description="Recent, frequent, big-basket buyers.",
            ),
            Rule(
                name="churn_risk",
                conditions=_all(
                    Condition(field="frequency", op=">=", value=2),
                    Condition(
                        field="active_orders_per_month", op=">=", value=frequent_orders_per_month
                    ),
                    Condition(field="recency_days", op=">=", value=lapsed_days),
                ),
                description="Used to buy often; silent for a long time.",
            ),
            Rule(
                name="new",
                conditions=_all(Condition(field="tenure_days", op="<=", value=new_days)),
                description="First purchase recently.",
            ),
            Rule(
                name="potential",
                conditions=_all(
                    Condition(field="orders_per_month", op="<", value=low_orders_per_month),
                    Condition(field="average_order_value", op=">=", value=high_order_value),
                ),
                description="Buy rarely, but spend a lot when they do.",
            ),
        ],
    )


def b2b_rules(
    *,
    strategic_revenue: float = 5_000_000.0,
    strategic_years: float = 3.0,
    growth_revenue: float = 1_000_000.0,
    growth_rate: float = 0.2,
    maintenance_revenue: float = 1_000_000.0,
) -> RuleSet:
    """B2B account tiers: strategic, growth, maintenance, small.

    In priority order, on the last 12 months' purchases:

    - `strategic`: at least `strategic_revenue` and a relationship of at
      least `strategic_years`;
    - `growth`: at least `growth_revenue` (below `strategic_revenue`) and
      year-on-year growth of at least `growth_rate`;
    - `maintenance`: at least `maintenance_revenue` (stable or slow growth);
    - `small`: everyone else.

    Examples:
        >>> from crmkit.rules import apply_rules
        >>> from crmkit.segmentation import b2b_rules
        >>> accounts = {"revenue_last_12_months": [6e6, 2e6, 2e6, 1e5],
        ...             "relationship_years": [4, 1, 5, 2], "yoy_growth": [0.0, 0.5, 0.05, 0.0]}
        >>> apply_rules(accounts, b2b_rules()).label.tolist()
        ['strategic', 'growth', 'maintenance', 'small']
    """
    strategic_revenue, strategic_years, growth_revenue, maintenance_revenue = (
        _non_negative(name, value)
        for name, value in (
            ("strategic_revenue", strategic_revenue),
            ("strategic_years", strategic_years),
            ("growth_revenue", growth_revenue),
            ("maintenance_revenue", maintenance_revenue),
        )
    )
    growth_rate = v.check_float("growth_rate", growth_rate)  # a fall (< 0) is a valid bar too
    return RuleSet(
        name="b2b",
        fallback="small",
        rules=[
            Rule(
                name="strategic",
                conditions=_all(
                    Condition(field="revenue_last_12_months", op=">=", value=strategic_revenue),
                    Condition(field="relationship_years", op=">=", value=strategic_years),
                ),
                description="Large, long-standing accounts.",
            ),
            Rule(
                name="growth",
                conditions=_all(
                    Condition(field="revenue_last_12_months", op=">=", value=growth_revenue),
                    Condition(field="revenue_last_12_months", op="<", value=strategic_revenue),
                    Condition(field="yoy_growth", op=">=", value=growth_rate),
                ),
                description="Mid-sized accounts growing fast.",
            ),
            Rule(
                name="maintenance",
                conditions=_all(
                    Condition(field="revenue_last_12_months", op=">=", value=maintenance_revenue),
                ),
                description="Sizeable accounts with stable or slow growth.",
            ),
        ],
    )


def value_class_rules(*, top_share: float = 0.2) -> RuleSet:
    """Value classes: below zero (BZ), most valuable (MVC), most growable (MGC), other.

    Reads two fields you supply per customer: `profit` (current value) and
    `potential` (value not yet realised, e.g. estimated share of wallet left).
    In priority order:

    - `BZ`: negative profit (costs more than they bring);
    - `MVC`: profit in the top `top_share` of customers;
    - `MGC`: potential in the top `top_share` of customers;
    - `Other`: everyone else.

    Examples:
        >>> from crmkit.segmentation import value_class_rules
        >>> value_class_rules(top_share=0.1).labels
        ('BZ', 'MVC', 'MGC', 'Other')

    References:
        Peppers & Rogers (2004), "Managing Customer Relationships: A
        Strategic Framework", Wiley: most valuable, most growable and
        below-zero customers.
    """
    share = v.check_float("top_share", top_share, low=0.0, high=1.0, low_open=True, high_open=True)
    return RuleSet(
        name="value_classes",
        fallback="Other",
        rules=[
            Rule(
                name="BZ",
                conditions=_all(Condition(field="profit", op="<", value=0.0)),
                description="Below zero: cost more than they bring.",
            ),
            Rule(
                name="MVC",
                conditions=_all(
                    Condition(field="profit", op=">=", value=1.0 - share, quantile=True)
                ),
                description="Most valuable: the top customers by profit.",
            ),
            Rule(
                name="MGC",
                conditions=_all(
                    Condition(field="potential", op=">=", value=1.0 - share, quantile=True)
                ),
                description="Most growable: the most unrealised potential.",
            ),
        ],
    )


B2C_RULES = b2c_rules()
"""[`b2c_rules`][crmkit.segmentation.b2c_rules] with its default thresholds."""

B2B_RULES = b2b_rules()
"""[`b2b_rules`][crmkit.segmentation.b2b_rules] with its default thresholds."""

VALUE_CLASS_RULES = value_class_rules()
"""[`value_class_rules`][crmkit.segmentation.value_class_rules] with the top 20 %."""
