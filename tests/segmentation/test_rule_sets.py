"""Customer features and the B2C, B2B and value-class rule-set presets (crmkit.segmentation)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import Transactions, io
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.rules import RuleSet, apply_rules
from crmkit.segmentation import (
    B2B_RULES,
    B2C_RULES,
    VALUE_CLASS_RULES,
    CustomerFeatures,
    b2b_rules,
    b2c_rules,
    customer_features,
    value_class_rules,
)

BACKENDS = ["pandas", "polars", "pyarrow"]
DAYS_PER_MONTH = 365.25 / 12
FEATURE_NAMES = [
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
]


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[us]")


def columns_of(frame: Any) -> list[str]:
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def five_histories() -> Transactions:
    """As of 31 Dec 2025 (2025 is not a leap year, so 'the last 365 days' is 2025):
    'a' 100 in Jun 2024 and 150 in Jun 2025; 'b' 50 in Mar 2025; 'c' 80 in Jun 2023 only;
    'd' 40 in Jul 2024 only; 'e' 20 on 20 Dec 2025."""
    return Transactions.from_arrays(
        customer_id=["a", "a", "b", "c", "d", "e"],
        at=days(
            "2024-06-01", "2025-06-01", "2025-03-01", "2023-06-01", "2024-07-01", "2025-12-20"
        ),
        amount=[100.0, 150.0, 50.0, 80.0, 40.0, 20.0],
    )


def b2c_features() -> dict[str, list[float]]:
    """Hand-made features, one customer per case (comments give the expected label)."""
    rows = [
        # recency, orders/month, order value, active orders/month, tenure, orders
        (10, 3.0, 400.0, 3.0, 400, 40),  # high_value
        (90, 2.0, 300.0, 2.0, 30, 2),  # high_value on every bar exactly; also new: first wins
        (200, 0.3, 50.0, 1.5, 500, 5),  # churn_risk
        (180, 0.3, 400.0, 1.0, 900, 2),  # churn_risk on its bars; also potential: first wins
        (5, 1.0, 50.0, 1.0, 20, 1),  # new
        (60, 0.4, 400.0, 0.4, 90, 1),  # new (tenure 90 = bar); also potential: first wins
        (100, 0.2, 500.0, 0.2, 800, 5),  # potential
        (100, 0.8, 50.0, 0.8, 800, 21),  # others
        (91, 3.0, 400.0, 3.0, 400, 40),  # others: one day too late for high_value
        (200, 0.3, 50.0, 1.0, 500, 1),  # others: one order never "used to buy often"
    ]
    names = [
        "recency_days",
        "orders_per_month",
        "average_order_value",
        "active_orders_per_month",
        "tenure_days",
        "frequency",
    ]
    return {name: [row[j] for row in rows] for j, name in enumerate(names)}


def b2b_features() -> dict[str, list[float]]:
    """Hand-made accounts, one per case (comments give the expected label)."""
    rows = [
        # revenue last 12 months, relationship years, year-on-year growth
        (6e6, 4.0, 0.0),  # strategic
        (2e6, 1.0, 0.5),  # growth
        (2e6, 5.0, 0.05),  # maintenance
        (1e5, 2.0, 0.0),  # small
        (5e6, 3.0, 0.9),  # strategic on both bars exactly; growth's revenue cap excludes it
        (6e6, 1.0, 0.5),  # too young for strategic, too big for growth: maintenance
        (1e6, 1.0, 0.2),  # growth on both bars exactly
        (999_999.0, 1.0, 10.0),  # small: just under every revenue bar
    ]
    names = ["revenue_last_12_months", "relationship_years", "yoy_growth"]
    return {name: [row[j] for row in rows] for j, name in enumerate(names)}


class TestCustomerFeatures:
    def test_hand_checked_features(self) -> None:
        """As of the end of 31 Dec 2025. a: last bought 1 Jun 2025, 213 days before (30 + 31 +
        31 + 30 + 31 + 30 + 30); first 1 Jun 2024, 365 + 213 = 578 days. b: 1 Mar 2025, 275 +
        30 = 305 days. c: 1 Jun 2023, 366 (over 29 Feb 2024) + 578 = 944. d: 1 Jul 2024,
        365 + 183 = 548. e: 20 Dec 2025, 11 days."""
        f = customer_features(five_histories(), as_of=date(2025, 12, 31))

        assert ["a", "b", "c", "d", "e"] == f.customer_id.tolist()
        assert [213, 305, 944, 548, 11] == f.recency_days.tolist()
        assert [578, 305, 944, 548, 11] == f.tenure_days.tolist()
        assert [2, 1, 1, 1, 1] == f.frequency.tolist()
        assert [250.0, 50.0, 80.0, 40.0, 20.0] == f.revenue.tolist()
        assert [125.0, 50.0, 80.0, 40.0, 20.0] == f.average_order_value.tolist()
        assert pytest.approx([t / 365.25 for t in (578, 305, 944, 548, 11)]) == (
            f.relationship_years.tolist()
        )
        assert datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) == f.as_of

    def test_revenue_windows_and_growth(self) -> None:
        """Last 12 months is 2025, previous 12 months 2024: a 150 vs 100 (+50 %); b 50 vs
        nothing (inf); c nothing in either (0); d nothing vs 40 (-100 %); e 20 vs nothing
        (inf)."""
        f = customer_features(five_histories(), as_of=date(2025, 12, 31))

        assert [150.0, 50.0, 0.0, 0.0, 20.0] == f.revenue_last_12_months.tolist()
        assert [100.0, 0.0, 0.0, 40.0, 0.0] == f.revenue_previous_12_months.tolist()
        assert [0.5, math.inf, 0.0, -1.0, math.inf] == f.yoy_growth.tolist()

    def test_orders_per_month(self) -> None:
        """a: 2 orders over 578 / 30.4375 months of tenure, and over 365 / 30.4375 months
        between first and last order. e's 11 days of tenure count as one month: 1 order a
        month; b's single order spans 0 days, so active orders per month is 1 too."""
        f = customer_features(five_histories(), as_of=date(2025, 12, 31))

        assert pytest.approx(2 / (578 / DAYS_PER_MONTH)) == f.orders_per_month[0]
        assert 1.0 == f.orders_per_month[4]
        assert pytest.approx(2 / (365 / DAYS_PER_MONTH)) == f.active_orders_per_month[0]
        assert [1.0, 1.0] == f.active_orders_per_month[[1, 4]].tolist()

    def test_windows_are_365_days_not_calendar_years(self) -> None:
        """As of the end of 31 Dec 2025, the previous window starts 730 days back, which (2024
        having 366 days) is the end of 1 Jan 2024: 10 at noon that day is in neither window,
        20 on 2 Jan and 40 late on 31 Dec 2024 are 'previous', 80 at midnight 1 Jan 2025 is
        'last'."""
        txns = Transactions.from_arrays(
            customer_id=["x"] * 4,
            at=days(
                "2024-01-01T12:00", "2024-01-02T00:00", "2024-12-31T23:00", "2025-01-01T00:00"
            ),
            amount=[10.0, 20.0, 40.0, 80.0],
        )

        f = customer_features(txns, as_of=date(2025, 12, 31))

        assert ([80.0], [60.0]) == (
            f.revenue_last_12_months.tolist(),
            f.revenue_previous_12_months.tolist(),
        )
        assert pytest.approx([80 / 60 - 1]) == f.yoy_growth.tolist()

    def test_transactions_after_as_of_are_ignored(self) -> None:
        """As of 31 Dec 2024, a's 2025 order, b and e are not there yet."""
        f = customer_features(five_histories(), as_of=date(2024, 12, 31))

        assert (["a", "c", "d"], [1, 1, 1]) == (f.customer_id.tolist(), f.frequency.tolist())

    def test_columns_and_frames(self) -> None:
        """columns() gives the 12 features by name; to_frame has one row per customer."""
        f = customer_features(five_histories(), as_of=date(2025, 12, 31))

        assert FEATURE_NAMES == list(f.columns())
        assert (5, 12) == f.to_frame().shape
        for backend in BACKENDS:
            assert FEATURE_NAMES == columns_of(f.to_frame(backend))  # type: ignore[arg-type]
        assert "CustomerFeatures(n_customers=5, as_of='2025-12-31')" == repr(f)
        assert isinstance(f, CustomerFeatures)

    def test_sample_features_agree_with_their_definitions(self, sample: Any) -> None:
        """On the sample: revenue / frequency is the order value, and the two windows never
        hold more than the whole revenue."""
        f = customer_features(sample.transactions, as_of=date(2025, 1, 1))

        assert 5000 == f.customer_id.size
        assert np.allclose(f.revenue / f.frequency, f.average_order_value)
        assert np.all(f.revenue_last_12_months + f.revenue_previous_12_months <= f.revenue + 1e-6)
        assert np.all(f.orders_per_month <= f.frequency)

    @pytest.mark.parametrize(
        ("transactions", "as_of", "error", "match"),
        [
            ("log", date(2025, 1, 1), InvalidTypeError, r"'transactions' must be a Transactions"),
            (
                Transactions.from_arrays(
                    customer_id=[], at=np.array([], "datetime64[us]"), amount=[]
                ),
                date(2025, 1, 1),
                InvalidInputError,
                r"'transactions' must be non-empty",
            ),
            (
                five_histories(),
                date(2023, 5, 31),
                InvalidInputError,
                r"'as_of' must be at or after the first transaction \(2023-06-01\)",
            ),
            (
                five_histories(),
                datetime(2025, 1, 1),
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self, transactions: Any, as_of: Any, error: type[Exception], match: str
    ) -> None:
        """A non-Transactions, an empty log, an as_of before everything or a naive datetime."""
        with pytest.raises(error, match=match):
            customer_features(transactions, as_of=as_of)


class TestB2cRules:
    def test_labels_and_fields(self) -> None:
        """Five labels in priority order; the rules read six customer features."""
        rules = b2c_rules()

        assert ("high_value", "churn_risk", "new", "potential", "others") == rules.labels
        assert (
            "active_orders_per_month",
            "average_order_value",
            "frequency",
            "orders_per_month",
            "recency_days",
            "tenure_days",
        ) == rules.fields
        assert B2C_RULES == rules

    def test_hand_checked_classification(self) -> None:
        """Each rule is reached, bars are inclusive, a customer matching two rules gets the
        earlier one, and a lapsed one-order customer is not a churn risk (see b2c_features)."""
        result = apply_rules(b2c_features(), b2c_rules())

        expected = [
            "high_value",
            "high_value",
            "churn_risk",
            "churn_risk",
            "new",
            "new",
            "potential",
            "others",
            "others",
            "others",
        ]
        assert expected == result.label.tolist()
        assert {"high_value": 2, "churn_risk": 2, "new": 2, "potential": 1, "others": 3} == (
            result.counts
        )

    def test_thresholds_change_the_result(self) -> None:
        """recent_days=91 lets the 91-day customer be high value; high_order_value=350 drops the
        300-a-basket customer to 'new'."""
        result = apply_rules(b2c_features(), b2c_rules(recent_days=91, high_order_value=350))

        expected = [
            "high_value",
            "new",
            "churn_risk",
            "churn_risk",
            "new",
            "new",
            "potential",
            "others",
            "high_value",
            "others",
        ]
        assert expected == result.label.tolist()

    def test_on_the_sample(self, sample: Any) -> None:
        """Applied to the sample's features, every customer gets one of the five labels."""
        features = customer_features(sample.transactions, as_of=date(2025, 1, 1))

        result = apply_rules(features, B2C_RULES)

        assert 5000 == sum(result.counts.values())
        assert list(B2C_RULES.labels) == list(result.counts)
        assert features.customer_id.tolist() == result.ids.tolist()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"recent_days": -1},
                InvalidInputError,
                r"'recent_days' must be an integer of at least 0; got -1",
            ),
            ({"recent_days": 90.5}, InvalidTypeError, r"'recent_days' must be an integer"),
            ({"lapsed_days": "180"}, InvalidTypeError, r"'lapsed_days' must be an integer"),
            ({"new_days": -7}, InvalidInputError, r"'new_days' must be an integer of at least 0"),
            (
                {"high_order_value": float("nan")},
                InvalidInputError,
                r"'high_order_value' must be a finite number of at least 0; got nan",
            ),
            (
                {"high_order_value": "300"},
                InvalidTypeError,
                r"'high_order_value' must be a real number; got str '300'",
            ),
            (
                {"high_value_orders_per_month": -0.5},
                InvalidInputError,
                r"'high_value_orders_per_month' must be a finite number of at least 0",
            ),
            (
                {"low_orders_per_month": float("inf")},
                InvalidInputError,
                r"'low_orders_per_month' must be .*; got inf",
            ),
            (
                {"frequent_orders_per_month": True},
                InvalidTypeError,
                r"'frequent_orders_per_month' must be a real number; got bool True",
            ),
        ],
    )
    def test_bad_thresholds_name_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Negative, non-finite or mistyped thresholds raise naming the threshold."""
        with pytest.raises(error, match=match):
            b2c_rules(**kwargs)


class TestB2bRules:
    def test_labels_and_fields(self) -> None:
        """Four tiers in priority order, over three account features."""
        rules = b2b_rules()

        assert ("strategic", "growth", "maintenance", "small") == rules.labels
        assert ("relationship_years", "revenue_last_12_months", "yoy_growth") == rules.fields
        assert B2B_RULES == rules

    def test_docstring_example(self) -> None:
        """6M over 4 years is strategic; 2M growing 50 % is growth; 2M growing 5 % maintenance;
        100k small."""
        accounts = {
            "revenue_last_12_months": [6e6, 2e6, 2e6, 1e5],
            "relationship_years": [4, 1, 5, 2],
            "yoy_growth": [0.0, 0.5, 0.05, 0.0],
        }

        assert ["strategic", "growth", "maintenance", "small"] == apply_rules(
            accounts, b2b_rules()
        ).label.tolist()

    def test_hand_checked_classification(self) -> None:
        """Each tier is reached, bars are inclusive, and priority decides (see b2b_features)."""
        result = apply_rules(b2b_features(), b2b_rules())

        expected = [
            "strategic",
            "growth",
            "maintenance",
            "small",
            "strategic",
            "maintenance",
            "growth",
            "small",
        ]
        assert expected == result.label.tolist()

    def test_thresholds_change_the_result(self) -> None:
        """strategic_years=5 leaves no account strategic (the 5-year one has only 2M) and
        growth_rate=0.6 no account growing fast enough: all of 1M or more are maintenance."""
        result = apply_rules(b2b_features(), b2b_rules(strategic_years=5, growth_rate=0.6))

        expected = ["maintenance"] * 3 + ["small"] + ["maintenance"] * 3 + ["small"]
        assert expected == result.label.tolist()

    def test_a_negative_growth_bar_is_allowed(self) -> None:
        """growth_rate=-0.5 (accept a fall of up to half) makes the 2M, +5 % account growth."""
        result = apply_rules(b2b_features(), b2b_rules(growth_rate=-0.5))

        assert "growth" == result.label[2]

    def test_applies_to_customer_features_with_new_revenue(self) -> None:
        """The preset reads customer_features, whose yoy_growth is inf for revenue from nothing
        (b and e). With bars scaled to the small log (strategic 1000, growth 40 at +20 %,
        maintenance 10): a (150, +50 %) and b (50, inf) are growth, c and d (nothing this year)
        small, e (20) maintenance."""
        features = customer_features(five_histories(), as_of=date(2025, 12, 31))
        rules = b2b_rules(strategic_revenue=1000, growth_revenue=40, maintenance_revenue=10)

        result = apply_rules(features, rules)

        assert ["growth", "growth", "small", "small", "maintenance"] == result.label.tolist()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"strategic_revenue": -1.0},
                InvalidInputError,
                r"'strategic_revenue' must be a finite number of at least 0; got -1\.0",
            ),
            (
                {"strategic_years": float("nan")},
                InvalidInputError,
                r"'strategic_years' must be .*; got nan",
            ),
            (
                {"growth_revenue": "1e6"},
                InvalidTypeError,
                r"'growth_revenue' must be a real number",
            ),
            (
                {"maintenance_revenue": -5},
                InvalidInputError,
                r"'maintenance_revenue' must be a finite number of at least 0",
            ),
            (
                {"growth_rate": float("nan")},
                InvalidInputError,
                r"'growth_rate' must be a finite number; got nan",
            ),
            ({"growth_rate": None}, InvalidTypeError, r"'growth_rate' must be a real number"),
        ],
    )
    def test_bad_thresholds_name_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Negative, non-finite or mistyped thresholds raise naming the threshold."""
        with pytest.raises(error, match=match):
            b2b_rules(**kwargs)


class TestValueClassRules:
    def test_labels_and_fields(self) -> None:
        """BZ, MVC, MGC, Other over profit and potential."""
        rules = value_class_rules(top_share=0.1)

        assert ("BZ", "MVC", "MGC", "Other") == rules.labels
        assert ("potential", "profit") == rules.fields
        assert VALUE_CLASS_RULES == value_class_rules()

    def test_docstring_example(self) -> None:
        """Profit's 80th percentile of -5, 10, 15, 20, 100 is 20 + 0.2 * 80 = 36 (only 100 is
        at or above); potential's of 1, 2, 3, 4, 90 is 4 + 0.2 * 86 = 21.2 (only 90)."""
        result = apply_rules(
            {"profit": [-5, 100, 10, 20, 15], "potential": [1, 2, 90, 3, 4]},
            value_class_rules(),
        )

        assert ["BZ", "MVC", "MGC", "Other", "Other"] == result.label.tolist()

    def test_top_share_changes_the_result(self) -> None:
        """top_share=0.5: profit's median is 15, so 100, 20 and 15 are MVC; potential's median
        is 3, and of the rest only 90 reaches it."""
        result = apply_rules(
            {"profit": [-5, 100, 10, 20, 15], "potential": [1, 2, 90, 3, 4]},
            value_class_rules(top_share=0.5),
        )

        assert ["BZ", "MVC", "MGC", "MVC", "MVC"] == result.label.tolist()

    def test_priority_order(self) -> None:
        """A loss-maker with the most potential is BZ (first rule); the top earner with the
        second-most potential is MVC, not MGC. Potential's 80th percentile of 2, 3, 4, 90, 95
        is 90 + 0.2 * 5 = 91."""
        result = apply_rules(
            {"profit": [-5, 100, 10, 20, 15], "potential": [95, 92, 2, 3, 4]},
            value_class_rules(),
        )

        assert ["BZ", "MVC", "Other", "Other", "Other"] == result.label.tolist()

    @given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30))
    @settings(max_examples=50)
    def test_every_loss_maker_is_bz(self, profit: list[float]) -> None:
        """Whatever the population, customers with negative profit are exactly the BZ ones."""
        result = apply_rules(
            {"profit": profit, "potential": [1.0] * len(profit)}, VALUE_CLASS_RULES
        )

        assert [p < 0 for p in profit] == (result.label == "BZ").tolist()

    @pytest.mark.parametrize(
        ("top_share", "error", "match"),
        [
            (0, InvalidInputError, r"'top_share' must be a finite number in \(0, 1\); got 0"),
            (1, InvalidInputError, r"'top_share' must be a finite number in \(0, 1\); got 1"),
            (1.5, InvalidInputError, r"'top_share' must be .*; got 1\.5"),
            (-0.2, InvalidInputError, r"'top_share' must be .*; got -0\.2"),
            (float("nan"), InvalidInputError, r"'top_share' must be .*; got nan"),
            ("0.2", InvalidTypeError, r"'top_share' must be a real number; got str '0\.2'"),
        ],
    )
    def test_bad_top_share_names_the_argument(
        self, top_share: Any, error: type[Exception], match: str
    ) -> None:
        """top_share must be a number strictly between 0 and 1."""
        with pytest.raises(error, match=match):
            value_class_rules(top_share=top_share)


class TestPresetsAsData:
    @pytest.mark.parametrize(
        "rules",
        [B2C_RULES, B2B_RULES, VALUE_CLASS_RULES, b2c_rules(new_days=30, high_order_value=99.5)],
        ids=["b2c", "b2b", "value_classes", "b2c_custom"],
    )
    def test_presets_round_trip_through_json(self, rules: RuleSet) -> None:
        """Each preset (and a customised one) reads back equal from its JSON."""
        assert rules == io.from_json(RuleSet, io.to_json(rules))

    def test_the_json_keeps_the_thresholds(self) -> None:
        """A changed threshold is stored in the JSON, where an app can read and edit it."""
        data = io.to_dict(b2c_rules(high_order_value=500))

        first = data["rules"][0]["conditions"][2]
        assert {
            "field": "average_order_value",
            "op": ">=",
            "value": 500.0,
            "quantile": False,
        } == first

    def test_each_rule_has_a_description(self) -> None:
        """Every rule of every preset explains itself."""
        for rules in (B2C_RULES, B2B_RULES, VALUE_CLASS_RULES):
            assert all(rule.description for rule in rules.rules)
