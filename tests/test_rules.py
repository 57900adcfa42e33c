"""Rules as data: Condition, Rule, RuleSet, apply_rules and RuleResult (crmkit.rules)."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import Transactions, io
from crmkit.errors import InvalidDefinitionError, InvalidInputError, InvalidTypeError
from crmkit.rules import Condition, Rule, RuleResult, RuleSet, apply_rules
from crmkit.segmentation import customer_features

OPS = ["<", "<=", ">", ">=", "==", "!="]
BACKENDS = ["pandas", "polars", "pyarrow"]


def columns_of(frame: Any) -> list[str]:
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def tiers() -> RuleSet:
    """vip: spend >= 1000 and tier == 'gold'; regular: spend >= 100; unused: spend < 0."""
    return RuleSet(
        name="tiers",
        fallback="basic",
        rules=[
            Rule(
                name="vip",
                conditions=[
                    Condition(field="spend", op=">=", value=1000),
                    Condition(field="tier", op="==", value="gold"),
                ],
            ),
            Rule(name="regular", conditions=[Condition(field="spend", op=">=", value=100)]),
            Rule(name="unused", conditions=[Condition(field="spend", op="<", value=0)]),
        ],
    )


TIER_DATA = {
    "customer_id": ["c1", "c2", "c3", "c4"],
    "spend": [1500.0, 1500.0, 150.0, 10.0],
    "tier": ["gold", "silver", "gold", "gold"],
}


def one_rule(condition: Condition) -> RuleSet:
    return RuleSet(name="one", fallback="no", rules=[Rule(name="yes", conditions=[condition])])


conditions_on_numbers = st.builds(
    Condition,
    field=st.sampled_from(["x", "y"]),
    op=st.sampled_from(OPS),
    value=st.integers(-5, 5) | st.floats(-5, 5, allow_nan=False),
)
"""Non-quantile conditions over two numeric fields."""

rule_sets_on_numbers = st.lists(
    st.lists(conditions_on_numbers, min_size=1, max_size=3), min_size=1, max_size=4
).map(
    lambda groups: RuleSet(
        name="generated",
        fallback="none",
        rules=[Rule(name=f"r{i}", conditions=group) for i, group in enumerate(groups)],
    )
)
"""Valid rule sets of 1 to 4 rules over the fields x and y."""


class TestCondition:
    @pytest.mark.parametrize(
        ("condition", "expected"),
        [
            (Condition(field="orders", op=">=", value=3), "orders >= 3"),
            (Condition(field="spend", op="<", value=99.5), "spend < 99.5"),
            (Condition(field="tier", op="==", value="gold"), "tier == 'gold'"),
            (Condition(field="opted_in", op="!=", value=False), "opted_in != False"),
            (Condition(field="x", op=">=", value=0.8, quantile=True), "x >= quantile 0.8"),
        ],
    )
    def test_str_reads_as_the_rule(self, condition: Condition, expected: str) -> None:
        """str() gives `field op value`, text quoted, quantiles marked."""
        assert expected == str(condition)

    def test_holds_for_one_record(self) -> None:
        """orders >= 3 holds for 5 and 3, not for 2."""
        c = Condition(field="orders", op=">=", value=3)

        assert [True, True, False] == [c.holds({"orders": n}) for n in (5, 3, 2)]

    @pytest.mark.parametrize(
        ("op", "expected"),
        [("<", False), ("<=", True), (">", False), (">=", True), ("==", True), ("!=", False)],
    )
    def test_every_operator(self, op: str, expected: bool) -> None:
        """2 compared with 2 by each operator."""
        assert expected == Condition(field="x", op=op, value=2).holds({"x": 2})  # type: ignore[arg-type]

    def test_text_and_flags(self) -> None:
        """== and != compare text and flags."""
        assert Condition(field="tier", op="==", value="gold").holds({"tier": "gold"})
        assert Condition(field="tier", op="!=", value="gold").holds({"tier": "silver"})
        assert Condition(field="vip", op="==", value=True).holds({"vip": True})

    def test_a_missing_field_or_an_incomparable_value_fails_rather_than_raises(self) -> None:
        """No 'orders' in the record, or text where a number is compared: the guard refuses."""
        c = Condition(field="orders", op=">=", value=3)

        assert (False, False) == (c.holds({}), c.holds({"orders": "many"}))

    def test_holds_refuses_a_quantile(self) -> None:
        """A quantile needs a population; one record has none."""
        c = Condition(field="x", op=">=", value=0.5, quantile=True)

        with pytest.raises(InvalidInputError, match=r"'quantile' must be False for a single"):
            c.holds({"x": 1})

    def test_holds_refuses_a_non_mapping(self) -> None:
        """The context must be a mapping of field to value."""
        with pytest.raises(InvalidTypeError, match=r"'context' must be a mapping"):
            Condition(field="x", op=">=", value=1).holds([1])  # type: ignore[arg-type]

    def test_evaluate_quantile_docstring_example(self) -> None:
        """The median of 1, 2, 3, 4 is 2.5: the top half is at or above it."""
        c = Condition(field="x", op=">=", value=0.5, quantile=True)

        assert [False, False, True, True] == c.evaluate(
            {"x": np.array([1.0, 2.0, 3.0, 4.0])}
        ).tolist()

    def test_evaluate_quantile_ends(self) -> None:
        """Quantile 0 is the minimum and 1 the maximum: >= q0 holds for all, > q1 for none."""
        x = {"x": np.array([3.0, 1.0, 2.0])}

        assert [True] * 3 == Condition(field="x", op=">=", value=0, quantile=True).evaluate(
            x
        ).tolist()
        assert [False] * 3 == Condition(field="x", op=">", value=1, quantile=True).evaluate(
            x
        ).tolist()

    def test_evaluate_over_text(self) -> None:
        """== over a text column compares each row."""
        c = Condition(field="tier", op="==", value="gold")

        assert [True, False] == c.evaluate({"tier": np.array(["gold", "silver"])}).tolist()

    @given(
        conditions_on_numbers,
        st.lists(st.integers(-6, 6) | st.floats(-6, 6), min_size=1, max_size=20),
    )
    def test_evaluate_agrees_with_holds_row_by_row(
        self, condition: Condition, values: list[float]
    ) -> None:
        """Over whole columns, evaluate gives what holds gives for each record."""
        expected = [condition.holds({condition.field: v}) for v in values]

        assert expected == condition.evaluate({condition.field: np.array(values)}).tolist()

    @given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.floats(0, 1))
    def test_a_quantile_lies_within_the_population(self, values: list[float], q: float) -> None:
        """Any quantile is between the minimum and the maximum: the largest value is at or
        above it and the smallest at or below it."""
        column = {"x": np.array(values)}
        at_or_above = Condition(field="x", op=">=", value=q, quantile=True).evaluate(column)
        at_or_below = Condition(field="x", op="<=", value=q, quantile=True).evaluate(column)

        assert at_or_above[int(np.argmax(values))]
        assert at_or_below[int(np.argmin(values))]

    @pytest.mark.parametrize(
        ("columns", "error", "match"),
        [
            (
                {"y": np.array([1])},
                InvalidInputError,
                r"'columns' must be a mapping with the field",
            ),
            ([1, 2], InvalidTypeError, r"'columns' must be a mapping from field name to array"),
        ],
    )
    def test_evaluate_bad_columns(self, columns: Any, error: type[Exception], match: str) -> None:
        """A mapping without the field, or no mapping at all, names 'columns'."""
        with pytest.raises(error, match=match):
            Condition(field="x", op=">=", value=1).evaluate(columns)

    @pytest.mark.parametrize(
        ("condition", "expected"),
        [
            (Condition(field="x", op=">=", value=1), []),
            (Condition(field="tier", op="==", value="gold"), []),
            (Condition(field="x", op=">=", value=0.2, quantile=True), []),
            (
                Condition(field="x", op="=~", value=1),  # type: ignore[arg-type]
                ["condition on 'x': op must be one of <, <=, >, >=, ==, !=; got '=~'"],
            ),
            (
                Condition(field="x", op="<", value="a"),
                ["condition on 'x': < needs a number; got 'a'"],
            ),
            (
                Condition(field="x", op=">=", value=True),
                ["condition on 'x': >= needs a number; got True"],
            ),
            (
                Condition(field="x", op="==", value=[1]),  # type: ignore[arg-type]
                ["condition on 'x': value must be a number, text or flag; got [1]"],
            ),
            (
                Condition(field="x", op="<=", value=math.inf),
                ["condition on 'x': value must be finite; got inf"],
            ),
            (
                Condition(field="x", op=">=", value=1.5, quantile=True),
                ["condition on 'x': a quantile must be a number in [0, 1]; got 1.5"],
            ),
            (
                Condition(field="", op="~", value=math.nan, quantile=True),  # type: ignore[arg-type]
                [
                    "condition field must be a non-empty string; got ''",
                    "condition on '': op must be one of <, <=, >, >=, ==, !=; got '~'",
                    "condition on '': value must be finite; got nan",
                    "condition on '': a quantile must be a number in [0, 1]; got nan",
                ],
            ),
        ],
    )
    def test_problems_lists_every_fault(self, condition: Condition, expected: list[str]) -> None:
        """problems() is empty for a sound condition and names every fault of a broken one."""
        assert expected == condition.problems()


class TestRule:
    def test_conditions_are_stored_as_a_tuple(self) -> None:
        """A list of conditions becomes a tuple; the description defaults to empty."""
        c = Condition(field="spend", op=">=", value=1000)

        rule = Rule(name="vip", conditions=[c])

        assert ("vip", (c,), "") == (rule.name, rule.conditions, rule.description)


class TestRuleSet:
    def test_labels_and_fields(self) -> None:
        """Labels in priority order with the fallback last; fields read, sorted."""
        rules = tiers()

        assert ("vip", "regular", "unused", "basic") == rules.labels
        assert ("spend", "tier") == rules.fields

    def test_every_problem_is_reported_at_once(self) -> None:
        """A blank name, a rule without conditions, a blank rule name, an order comparison with
        text, something that is not a Rule, and a label used twice: six problems."""
        with pytest.raises(InvalidDefinitionError) as caught:
            RuleSet(
                name="",
                fallback="a",
                rules=[
                    Rule(name="a", conditions=[]),
                    Rule(name="", conditions=[Condition(field="x", op="<", value="a")]),
                    "junk",  # type: ignore[list-item]
                ],
            )

        expected = (
            "'name' must be a non-empty string; got ''",
            "rule 'a' has no conditions (use the fallback instead)",
            "rules[1].name must be a non-empty string; got ''",
            "rule '': condition on 'x': < needs a number; got 'a'",
            "rules[2] must be a Rule; got str",
            "labels must be unique (rules and fallback); repeated: a",
        )
        assert expected == caught.value.problems
        assert str(caught.value).startswith("invalid RuleSet '': 6 problems\n  - ")

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({"rules": []}, ("'rules' must not be empty",)),
            ({"fallback": " "}, ("'fallback' must be a non-empty string; got ' '",)),
            (
                {
                    "rules": [
                        Rule(name="x", conditions=[Condition(field="a", op=">", value=1)]),
                        Rule(name="x", conditions=[Condition(field="a", op="<", value=1)]),
                    ]
                },
                ("labels must be unique (rules and fallback); repeated: x",),
            ),
            (
                {
                    "rules": [
                        Rule(
                            name="x",
                            conditions=[Condition(field="a", op="~", value=1)],  # type: ignore[arg-type]
                        )
                    ]
                },
                ("rule 'x': condition on 'a': op must be one of <, <=, >, >=, ==, !=; got '~'",),
            ),
        ],
    )
    def test_single_problems(self, kwargs: dict[str, Any], expected: tuple[str, ...]) -> None:
        """Each fault on its own is named."""
        valid: dict[str, Any] = {"name": "r", "fallback": "other", "rules": tiers().rules}

        with pytest.raises(InvalidDefinitionError) as caught:
            RuleSet(**{**valid, **kwargs})

        assert expected == caught.value.problems

    def test_round_trips_through_json(self) -> None:
        """Numbers (int and float), text, flags and quantiles survive io.to_json / from_json."""
        rules = RuleSet(
            name="mixed",
            fallback="rest",
            rules=[
                Rule(
                    name="top",
                    conditions=[
                        Condition(field="spend", op=">=", value=0.9, quantile=True),
                        Condition(field="orders", op=">", value=3),
                        Condition(field="tier", op="==", value="黄金会员"),
                        Condition(field="opted_in", op="==", value=True),
                    ],
                    description="the best",
                ),
                Rule(name="mid", conditions=[Condition(field="spend", op=">=", value=99.5)]),
            ],
        )

        back = io.from_json(RuleSet, io.to_json(rules))

        assert rules == back
        assert (int, str, bool) == tuple(type(c.value) for c in back.rules[0].conditions[1:])

    @given(rule_sets_on_numbers)
    @settings(max_examples=50)
    def test_any_rule_set_round_trips_through_json(self, rules: RuleSet) -> None:
        """Generated rule sets read back equal from their JSON."""
        assert rules == io.from_json(RuleSet, io.to_json(rules))

    @pytest.mark.parametrize(
        ("path", "value", "match"),
        [
            (
                ("rules", 0, "conditions", 1, "op"),
                "=~",
                r"'rules\[0\]\.conditions\[1\]\.op' must be one of '<', '<=', '>', '>=', '==', "
                r"'!='; got '=~'",
            ),
            (
                ("rules", 0, "conditions", 0, "value"),
                [1],
                r"'rules\[0\]\.conditions\[0\]\.value' must be",
            ),
            (("rules", 1, "name"), 3, r"'rules\[1\]\.name' must be a string; got 3"),
            (
                ("rules", 0, "conditions", 0, "quantile"),
                "yes",
                r"'rules\[0\]\.conditions\[0\]\.quantile' must be true or false; got 'yes'",
            ),
        ],
    )
    def test_malformed_json_names_the_dotted_path(
        self, path: tuple[Any, ...], value: Any, match: str
    ) -> None:
        """A bad field deep in the JSON raises InvalidInputError naming its path."""
        data = json.loads(io.to_json(tiers()))
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

        with pytest.raises(InvalidInputError, match=match):
            io.from_json(RuleSet, json.dumps(data))

    def test_missing_key_names_the_dotted_path(self) -> None:
        """A condition without its field is named by path."""
        data = json.loads(io.to_json(tiers()))
        del data["rules"][0]["conditions"][1]["field"]

        with pytest.raises(
            InvalidInputError, match=r"'rules\[0\]\.conditions\[1\]\.field' is required"
        ):
            io.from_json(RuleSet, json.dumps(data))

    def test_well_formed_json_of_an_inconsistent_rule_set_reports_its_problems(self) -> None:
        """Valid JSON that compares spend >= 'high' raises InvalidDefinitionError naming that
        problem, as building the rule set directly would."""
        data = json.loads(io.to_json(tiers()))
        data["rules"][1]["conditions"][0]["value"] = "high"

        with pytest.raises(InvalidDefinitionError, match=r">= needs a number; got 'high'"):
            io.from_json(RuleSet, json.dumps(data))


class TestApplyRules:
    def test_first_matching_rule_wins(self) -> None:
        """c1 is gold with 1500 (vip, though also regular); c2 has 1500 but is silver (regular);
        c3 150 (regular); c4 10 (no rule: basic). 'unused' matches nobody but is counted."""
        result = apply_rules(TIER_DATA, tiers())

        assert ["vip", "regular", "regular", "basic"] == result.label.tolist()
        assert {"vip": 1, "regular": 2, "unused": 0, "basic": 1} == result.counts
        assert list(tiers().labels) == list(result.counts)
        assert ["c1", "c2", "c3", "c4"] == result.ids.tolist()
        assert "tiers" == result.rule_set_name

    def test_rule_order_is_priority(self) -> None:
        """Putting 'regular' before 'vip' sends c1 to regular: vip can no longer match anyone."""
        rules = tiers()
        swapped = RuleSet(
            name="swapped",
            fallback="basic",
            rules=[rules.rules[1], rules.rules[0], rules.rules[2]],
        )

        result = apply_rules(TIER_DATA, swapped)

        assert ["regular", "regular", "regular", "basic"] == result.label.tolist()
        assert 0 == result.counts["vip"]

    @pytest.mark.parametrize(
        "make",
        [pd.DataFrame, pl.DataFrame, pa.table],
        ids=BACKENDS,
    )
    def test_every_frame_backend_gives_the_same_result(self, make: Any) -> None:
        """pandas, polars and pyarrow frames label as the dict does, ids from customer_id."""
        assert apply_rules(TIER_DATA, tiers()) == apply_rules(make(TIER_DATA), tiers())

    def test_customer_features_are_read_through_their_columns(self) -> None:
        """A CustomerFeatures is read via columns(); ids are its customer ids. 'a' spent 30 in
        two orders, 'b' 5 in one."""
        txns = Transactions.from_arrays(
            customer_id=["a", "a", "b"],
            at=np.array(["2025-01-01", "2025-02-01", "2025-01-15"], dtype="datetime64[us]"),
            amount=[10.0, 20.0, 5.0],
        )
        features = customer_features(txns, as_of=date(2025, 3, 1))
        rules = one_rule(Condition(field="frequency", op=">=", value=2))

        result = apply_rules(features, rules)

        assert (["yes", "no"], ["a", "b"]) == (result.label.tolist(), result.ids.tolist())

    def test_ids_given_take_precedence(self) -> None:
        """ids= replaces the positions (or a customer_id column)."""
        result = apply_rules(TIER_DATA, tiers(), ids=["w", "x", "y", "z"])

        assert ["w", "x", "y", "z"] == result.ids.tolist()
        assert [0, 1] == apply_rules(
            {"spend": [1, 2]}, one_rule(Condition(field="spend", op=">", value=1))
        ).ids.tolist()

    def test_quantiles_are_taken_over_the_customers_classified(self) -> None:
        """Top half by spend: of 1, 2, 3, 4 that is 3 and 4 (median 2.5); of 1 and 2 alone it
        is 2 (median 1.5)."""
        rules = one_rule(Condition(field="spend", op=">=", value=0.5, quantile=True))

        assert ["no", "no", "yes", "yes"] == apply_rules(
            {"spend": [1, 2, 3, 4]}, rules
        ).label.tolist()
        assert ["no", "yes"] == apply_rules({"spend": [1, 2]}, rules).label.tolist()

    def test_infinite_values_compare_as_numbers(self) -> None:
        """An infinite value (such as yoy_growth for revenue from nothing) is not missing: inf
        is >= 0.2, -inf is not."""
        rules = one_rule(Condition(field="growth", op=">=", value=0.2))

        result = apply_rules({"growth": [math.inf, 0.5, 0.1, -math.inf]}, rules)

        assert ["yes", "yes", "no", "no"] == result.label.tolist()

    def test_repr_and_frames(self) -> None:
        """The repr names the rule set and counts; to_frame has `id, label`."""
        result = apply_rules(TIER_DATA, tiers())

        assert (
            "RuleResult(rule_set_name='tiers', counts={'vip': 1, 'regular': 2, 'unused': 0, "
            "'basic': 1})"
        ) == repr(result)
        assert isinstance(result, RuleResult)
        for backend in BACKENDS:
            frame = result.to_frame(backend)  # type: ignore[arg-type]
            assert (["id", "label"], 4) == (columns_of(frame), len(frame))
        assert ["vip", "regular", "regular", "basic"] == result.to_frame()["label"].tolist()

    @given(
        rule_sets_on_numbers,
        st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6)), min_size=1, max_size=20),
    )
    @settings(max_examples=60)
    def test_vectorised_labels_match_the_first_rule_that_holds(
        self, rules: RuleSet, rows: list[tuple[int, int]]
    ) -> None:
        """For every customer the label is the first rule whose conditions all hold for that
        record (checked one record at a time with Condition.holds), else the fallback; counts
        add up to n."""
        data = {"x": [x for x, _ in rows], "y": [y for _, y in rows]}
        expected = [
            next(
                (
                    rule.name
                    for rule in rules.rules
                    if all(c.holds({"x": x, "y": y}) for c in rule.conditions)
                ),
                rules.fallback,
            )
            for x, y in rows
        ]

        result = apply_rules(data, rules)

        assert expected == result.label.tolist()
        assert len(rows) == sum(result.counts.values())
        assert list(rules.labels) == list(result.counts)

    @pytest.mark.parametrize(
        ("features", "kwargs", "error", "match"),
        [
            (
                {"spend": [1.0]},
                {},
                InvalidInputError,
                r"'features' must be columns for every field the rules read \(spend, tier\); "
                r"got none for 'tier'",
            ),
            (
                {"spend": [1.0, math.nan], "tier": ["gold", "gold"]},
                {},
                InvalidInputError,
                r"'spend' must be values without missing entries \(NaN\); got nan at index 1",
            ),
            (
                {"spend": [1.0, 2.0], "tier": ["gold"]},
                {},
                InvalidInputError,
                r"'tier' must be the same length as 'spend' \(2\); got length 1",
            ),
            (
                {"spend": [], "tier": []},
                {},
                InvalidInputError,
                r"'spend' must be non-empty",
            ),
            pytest.param(
                {"spend": ["a lot", "little"], "tier": ["gold", "gold"]},
                {},
                InvalidTypeError,
                r"'spend'",
                id="text-compared-with-a-number",
            ),
            pytest.param(
                {"spend": [1.0, 2.0], "tier": ["gold", "gold"]},
                {"ids": ["only one"]},
                InvalidInputError,
                r"'ids'",
                id="ids-of-the-wrong-length",
            ),
            (5, {}, InvalidTypeError, r"'features' must be a pandas, polars or pyarrow"),
            (
                {"spend": [1.0], "tier": ["gold"]},
                {"rule_set": "tiers"},
                InvalidTypeError,
                r"'rule_set' must be a RuleSet; got str 'tiers'",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self, features: Any, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """A missing field, missing values, unequal lengths, no rows, text where numbers are
        compared, ids of the wrong length, or the wrong types name the argument or column."""
        arguments = {"rule_set": tiers(), **kwargs}

        with pytest.raises(error, match=match):
            apply_rules(features, **arguments)
