"""Rule scorecards: points per attribute rule and per behaviour (capped), grades by threshold."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import InvalidDefinitionError, InvalidInputError, InvalidTypeError
from crmkit.funnel import ActivityPoints, LeadScores, RuleScorecard, ScoreRule, score_leads
from crmkit.rules import Condition

GRADES = {"A": 75, "B": 50, "C": 25, "D": 0}


def b2b_card(**changes: Any) -> RuleScorecard:
    """Software +40, 500 employees or more +30, 5 per download up to 15, 2 per visit."""
    fields: dict[str, Any] = {
        "name": "b2b",
        "rules": [
            ScoreRule(condition=Condition(field="industry", op="==", value="software"), points=40),
            ScoreRule(condition=Condition(field="employees", op=">=", value=500), points=30),
        ],
        "activities": [
            ActivityPoints(field="downloads", points_each=5, max_points=15),
            ActivityPoints(field="visits", points_each=2),
        ],
        "grades": GRADES,
    }
    return RuleScorecard(**{**fields, **changes})


LEADS = {
    "industry": ["software", "retail", "software", "mining", "retail"],
    "employees": [800, 1000, 20, 499, 500],
    "downloads": [1, 9, 0, 2, 3],
    "visits": [0, 0, 5, 2, 20],
}
"""Five leads, scored by hand with `b2b_card()`:
0: 40 + 30 + 5 + 0 = 75 (exactly A's threshold: A)
1: 30 + min(45, 15) + 0 = 45 (C)
2: 40 + 0 + 0 + 10 = 50 (exactly B's threshold: B)
3: mining is not named by any rule (0), 499 < 500 (0), 10 + 4 = 14 (D)
4: 30 (500 >= 500) + 15 (exactly the cap) + 40 = 85 (A)"""
SCORES = [75.0, 45.0, 50.0, 14.0, 85.0]
LETTERS = ["A", "C", "B", "D", "A"]


def visits_card(
    points_each: float, max_points: float | None = None, **changes: Any
) -> RuleScorecard:
    """A scorecard of one behaviour, `visits`."""
    activity = ActivityPoints(field="visits", points_each=points_each, max_points=max_points)
    return RuleScorecard(**{"name": "visits", "activities": [activity], **changes})


def expected_grade(score: float, grades: dict[str, float]) -> str:
    """Oracle: the grade of the highest threshold the score reaches, else the lowest grade."""
    reached = [(t, g) for g, t in grades.items() if score >= t]
    return max(reached)[1] if reached else min((t, g) for g, t in grades.items())[1]


counts = st.lists(st.integers(0, 1_000), min_size=1, max_size=30)
points = st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 2))
caps = st.none() | st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 2))


# --- hand-checked scores and grades -------------------------------------------------------


class TestScoreLeads:
    def test_points_by_hand(self) -> None:
        """Rule points and capped behaviour points add up as in the LEADS docstring."""
        scores = score_leads(LEADS, b2b_card())

        assert isinstance(scores, LeadScores)
        assert SCORES == scores.score.tolist()
        assert LETTERS == scores.grade.tolist()
        assert "b2b" == scores.scorecard_name

    def test_counts_per_grade_from_the_highest(self) -> None:
        """Two A, one B, one C, one D, listed from the highest grade; they add up to 5."""
        scores = score_leads(LEADS, b2b_card())

        assert {"A": 2, "B": 1, "C": 1, "D": 1} == scores.counts
        assert ["A", "B", "C", "D"] == list(scores.counts)
        assert "LeadScores(scorecard_name='b2b', counts={'A': 2, 'B': 1, 'C': 1, 'D': 1})" == (
            repr(scores)
        )

    def test_grades_without_leads_are_listed_with_zero(self) -> None:
        """10 visits at 10 points each: 100, an A; B, C and D are still counted (as 0)."""
        scores = score_leads({"visits": [10]}, visits_card(10))

        assert {"A": 1, "B": 0, "C": 0, "D": 0} == scores.counts

    def test_cap_limits_points_per_behaviour(self) -> None:
        """3 points a visit up to 10: 0, 3, 9, 10 (12 capped), 10 (300 capped)."""
        scores = score_leads({"visits": [0, 1, 3, 4, 100]}, visits_card(3, 10))

        assert [0.0, 3.0, 9.0, 10.0, 10.0] == scores.score.tolist()

    def test_cap_of_zero_earns_nothing(self) -> None:
        """A cap of 0 makes a behaviour worth nothing, however often it happens."""
        scores = score_leads({"visits": [0, 7]}, visits_card(3, 0))

        assert [0.0, 0.0] == scores.score.tolist()

    def test_fractional_counts_and_points(self) -> None:
        """Counts need not be whole: 2.5 visits at 1.5 points = 3.75."""
        scores = score_leads({"visits": [2.5]}, visits_card(1.5))

        assert [3.75] == scores.score.tolist()

    def test_negative_points_penalise(self) -> None:
        """A rule of -20 for students and 10 per visit: 3 visits as a student is 30 - 20 = 10,
        1 visit otherwise 10."""
        card = RuleScorecard(
            name="penalty",
            rules=[
                ScoreRule(condition=Condition(field="role", op="==", value="student"), points=-20)
            ],
            activities=[ActivityPoints(field="visits", points_each=10)],
        )

        scores = score_leads({"role": ["student", "buyer"], "visits": [3, 1]}, card)

        assert [10.0, 10.0] == scores.score.tolist()

    def test_unseen_category_earns_nothing(self) -> None:
        """Industry == software earns 40 and == retail 10: 'biotech', named by neither, gets 0,
        like any unlisted industry (no error)."""
        card = RuleScorecard(
            name="industries",
            rules=[
                ScoreRule(
                    condition=Condition(field="industry", op="==", value="software"), points=40
                ),
                ScoreRule(
                    condition=Condition(field="industry", op="==", value="retail"), points=10
                ),
            ],
        )

        scores = score_leads({"industry": ["software", "biotech", "retail"]}, card)

        assert [40.0, 0.0, 10.0] == scores.score.tolist()

    def test_several_rules_on_one_field_add_up(self) -> None:
        """Employees >= 100 (+10), >= 1000 (+20) and != 5000 (+1): 50 -> 1, 100 -> 11,
        1000 -> 31, 5000 -> 30."""
        card = RuleScorecard(
            name="size",
            rules=[
                ScoreRule(condition=Condition(field="employees", op=">=", value=100), points=10),
                ScoreRule(condition=Condition(field="employees", op=">=", value=1000), points=20),
                ScoreRule(condition=Condition(field="employees", op="!=", value=5000), points=1),
            ],
        )

        scores = score_leads({"employees": [50, 100, 1000, 5000]}, card)

        assert [1.0, 11.0, 31.0, 30.0] == scores.score.tolist()

    def test_whole_number_and_flag_categories(self) -> None:
        """== compares region codes as numbers and flags as flags: region 3 gets 7, opted-in
        leads get 5."""
        card = RuleScorecard(
            name="codes",
            rules=[
                ScoreRule(condition=Condition(field="region", op="==", value=3), points=7),
                ScoreRule(condition=Condition(field="opted_in", op="==", value=True), points=5),
            ],
        )

        scores = score_leads({"region": [3, 4, 3], "opted_in": [True, True, False]}, card)

        assert [12.0, 5.0, 7.0] == scores.score.tolist()

    def test_fields_read_sorted(self) -> None:
        """The scorecard reads the union of its rule and activity fields, sorted."""
        assert ("downloads", "employees", "industry", "visits") == b2b_card().fields

    def test_extra_columns_ignored(self) -> None:
        """Columns the scorecard does not read (email, owner) are ignored."""
        features = {**LEADS, "email": ["a@x", "b@x", "c@x", "d@x", "e@x"], "owner": [1] * 5}

        assert SCORES == score_leads(features, b2b_card()).score.tolist()

    def test_result_arrays_are_read_only(self) -> None:
        """Ids, scores and grades come back read-only."""
        scores = score_leads(LEADS, b2b_card())

        assert not scores.score.flags.writeable
        assert not scores.grade.flags.writeable
        assert not scores.ids.flags.writeable

    def test_inputs_not_mutated(self) -> None:
        """Scoring leaves the caller's arrays as they were."""
        visits = np.array([1.0, 50.0, 3.0])

        score_leads({"visits": visits}, visits_card(2, 10))

        assert [1.0, 50.0, 3.0] == visits.tolist()
        assert visits.flags.writeable


# --- grades --------------------------------------------------------------------------------


class TestGrades:
    @pytest.mark.parametrize(
        ("visits", "grade"),
        [(75, "A"), (74.99, "B"), (50, "B"), (49.99, "C"), (25, "C"), (24.99, "D"), (0, "D")],
    )
    def test_score_at_a_threshold_gets_that_grade(self, visits: float, grade: str) -> None:
        """One point a visit: a score exactly at a threshold gets that grade, a hair below it
        the next one down."""
        scores = score_leads({"visits": [visits]}, visits_card(1, grades=GRADES))

        assert [grade] == scores.grade.tolist()

    def test_below_every_threshold_gets_the_lowest_grade(self) -> None:
        """Grades hot 60, warm 30, cold 10: a score of 0 (and -20) reaches none of them and is
        'cold', the lowest."""
        card = RuleScorecard(
            name="temperature",
            rules=[
                ScoreRule(condition=Condition(field="role", op="==", value="student"), points=-20)
            ],
            activities=[ActivityPoints(field="visits", points_each=10)],
            grades={"hot": 60, "warm": 30, "cold": 10},
        )

        scores = score_leads({"role": ["student", "buyer", "buyer"], "visits": [0, 0, 3]}, card)

        assert [-20.0, 0.0, 30.0] == scores.score.tolist()
        assert ["cold", "cold", "warm"] == scores.grade.tolist()
        assert {"hot": 0, "warm": 1, "cold": 2} == scores.counts

    def test_default_grades(self) -> None:
        """Without grades a scorecard uses A from 75, B from 50, C from 25, D below."""
        card = visits_card(1)

        assert {"A": 75.0, "B": 50.0, "C": 25.0, "D": 0.0} == dict(card.grades)
        assert ["A", "B", "C", "D", "D"] == score_leads(
            {"visits": [80, 60, 30, 10, 0]}, card
        ).grade.tolist()

    @pytest.mark.parametrize("order", list(itertools.permutations("ABCD")))
    def test_grade_order_does_not_depend_on_dict_order(self, order: tuple[str, ...]) -> None:
        """However the grades dict is ordered, grades are tried from the highest threshold and
        counts are listed from it; the scorecards are equal."""
        shuffled = {name: GRADES[name] for name in order}

        card = b2b_card(grades=shuffled)
        scores = score_leads(LEADS, card)

        assert LETTERS == scores.grade.tolist()
        assert ["A", "B", "C", "D"] == list(scores.counts)
        assert ["A", "B", "C", "D"] == list(card.grades)
        assert b2b_card() == card

    def test_grades_are_read_only(self) -> None:
        """The scorecard's grades cannot be changed after it is built."""
        card = b2b_card()

        with pytest.raises(TypeError):
            card.grades["A"] = 0  # type: ignore[index]

    def test_negative_thresholds(self) -> None:
        """Thresholds may be negative: with hot 0 and cold -50, -30 is cold, -60 too (lowest)."""
        card = visits_card(-10, grades={"cold": -50, "hot": 0})

        scores = score_leads({"visits": [0, 3, 6]}, card)

        assert [0.0, -30.0, -60.0] == scores.score.tolist()
        assert ["hot", "cold", "cold"] == scores.grade.tolist()

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(st.integers(-100, 200), min_size=1, max_size=5, unique=True),
        st.lists(st.integers(-200, 300), min_size=1, max_size=20),
        st.randoms(use_true_random=False),
    )
    def test_grade_is_the_highest_threshold_reached(
        self, thresholds: list[int], visits: list[int], shuffle: Any
    ) -> None:
        """For any distinct thresholds in any dict order, each lead's grade is the one with
        the highest threshold at or below its score (the lowest grade when none is); counts
        add up to the number of leads."""
        names = [f"g{i}" for i in range(len(thresholds))]
        grades = dict(zip(names, thresholds, strict=True))
        shuffle.shuffle(names)
        card = RuleScorecard(
            name="any",
            rules=[ScoreRule(condition=Condition(field="flag", op="==", value=1), points=0)],
            activities=[ActivityPoints(field="visits", points_each=-1)],
            grades={name: grades[name] for name in names},
        )
        # A negative points_each gives negative scores too: score = -visits.
        scores = score_leads({"flag": [1] * len(visits), "visits": np.abs(visits)}, card)

        assert [expected_grade(-abs(x), grades) for x in visits] == scores.grade.tolist()
        assert len(visits) == sum(scores.counts.values())
        assert sorted(thresholds, reverse=True) == [grades[g] for g in scores.counts]


# --- properties -----------------------------------------------------------------------------


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(
        st.integers(1, 25).flatmap(
            lambda n: st.tuples(
                st.lists(st.integers(0, 50), min_size=n, max_size=n),
                st.lists(st.integers(0, 50), min_size=n, max_size=n),
                st.lists(st.integers(0, 5_000), min_size=n, max_size=n),
            )
        ),
        st.floats(0, 100, allow_nan=False),
        caps,
    )
    def test_adding_a_rewarding_activity_never_lowers_a_score(
        self,
        data: tuple[list[int], list[int], list[int]],
        points_each: float,
        cap: float | None,
    ) -> None:
        """Adding ActivityPoints with points_each >= 0 adds min(count * points, cap) >= 0 to
        every lead's score, so no score goes down."""
        visits, downloads, employees = data
        features = {"visits": visits, "downloads": downloads, "employees": employees}
        base = RuleScorecard(
            name="base",
            rules=[
                ScoreRule(condition=Condition(field="employees", op=">=", value=500), points=30)
            ],
            activities=[ActivityPoints(field="visits", points_each=2, max_points=20)],
        )
        extra = ActivityPoints(field="downloads", points_each=points_each, max_points=cap)
        richer = RuleScorecard(
            name="richer", rules=base.rules, activities=[*base.activities, extra]
        )

        before = score_leads(features, base).score
        after = score_leads(features, richer).score

        assert (after >= before).all()
        earned = np.array(downloads) * points_each
        if cap is not None:
            earned = np.minimum(earned, cap)
        assert pytest.approx(earned.tolist(), abs=1e-9) == (after - before).tolist()

    @settings(max_examples=60, deadline=None)
    @given(counts, points, caps)
    def test_score_is_monotone_in_a_behaviour_count(
        self, visits: list[int], points_each: float, cap: float | None
    ) -> None:
        """More of a behaviour never lowers the score when its points are >= 0 and never raises
        it when they are < 0: sorted counts give sorted scores."""
        ordered = sorted(visits)

        score = score_leads({"visits": ordered}, visits_card(points_each, cap)).score

        steps = np.diff(score)
        if points_each >= 0:
            assert (steps >= 0).all()
        else:
            assert (steps <= 0).all()

    @settings(max_examples=40, deadline=None)
    @given(st.permutations(range(5)))
    def test_leads_are_scored_independently(self, order: list[int]) -> None:
        """Reordering the leads reorders their scores and grades, and nothing else."""
        shuffled = {name: [values[i] for i in order] for name, values in LEADS.items()}

        scores = score_leads(shuffled, b2b_card())

        assert [SCORES[i] for i in order] == scores.score.tolist()
        assert [LETTERS[i] for i in order] == scores.grade.tolist()


# --- ids and frames -------------------------------------------------------------------------


class TestIdsAndFrames:
    def test_ids_default_to_positions(self) -> None:
        """Without ids or a lead_id column, ids are 0..n-1."""
        assert [0, 1, 2, 3, 4] == score_leads(LEADS, b2b_card()).ids.tolist()

    def test_ids_given(self) -> None:
        """ids= labels the leads."""
        ids = ["l1", "l2", "l3", "l4", "l5"]

        assert ids == score_leads(LEADS, b2b_card(), ids=ids).ids.tolist()

    def test_ids_from_a_lead_id_column(self) -> None:
        """A lead_id column supplies the ids; it is not a feature."""
        features = {**LEADS, "lead_id": ["x1", "x2", "x3", "x4", "x5"]}

        scores = score_leads(features, b2b_card())

        assert ["x1", "x2", "x3", "x4", "x5"] == scores.ids.tolist()
        assert SCORES == scores.score.tolist()

    def test_ids_given_win_over_lead_id(self) -> None:
        """An explicit ids= is used rather than the lead_id column."""
        features = {**LEADS, "lead_id": ["x1", "x2", "x3", "x4", "x5"]}

        assert [5, 6, 7, 8, 9] == score_leads(features, b2b_card(), ids=range(5, 10)).ids.tolist()

    def test_pandas_frame(self) -> None:
        """A pandas frame with a lead_id column scores as the mapping does."""
        frame = pd.DataFrame({"lead_id": ["p1", "p2", "p3", "p4", "p5"], **LEADS})

        scores = score_leads(frame, b2b_card())

        assert SCORES == scores.score.tolist()
        assert LETTERS == scores.grade.tolist()
        assert ["p1", "p2", "p3", "p4", "p5"] == scores.ids.tolist()

    def test_polars_frame(self) -> None:
        """A polars frame scores as the mapping does."""
        frame = pl.DataFrame({"lead_id": [11, 12, 13, 14, 15], **LEADS})

        scores = score_leads(frame, b2b_card())

        assert SCORES == scores.score.tolist()
        assert LETTERS == scores.grade.tolist()
        assert [11, 12, 13, 14, 15] == scores.ids.tolist()

    def test_pyarrow_table(self) -> None:
        """A pyarrow table scores as the mapping does."""
        assert SCORES == score_leads(pa.table(LEADS), b2b_card()).score.tolist()

    def test_to_frame(self) -> None:
        """to_frame has columns id, score, grade, one row per lead."""
        table = score_leads(LEADS, b2b_card(), ids=list("abcde")).to_frame()

        assert ["id", "score", "grade"] == table.columns.tolist()
        assert list("abcde") == table["id"].tolist()
        assert SCORES == table["score"].tolist()
        assert LETTERS == table["grade"].tolist()

    def test_to_frame_polars(self) -> None:
        """The polars backend gives the same columns."""
        table = score_leads(LEADS, b2b_card()).to_frame(backend="polars")

        assert ["id", "score", "grade"] == table.columns
        assert LETTERS == table["grade"].to_list()


# --- the scorecard as data ------------------------------------------------------------------


class TestRuleScorecard:
    def test_round_trips_through_json(self) -> None:
        """A scorecard with text, number and flag conditions, a cap and no cap, and custom
        grades reads back equal from io.to_json, and scores the same."""
        card = RuleScorecard(
            name="mixed 评分卡",
            rules=[
                ScoreRule(
                    condition=Condition(field="industry", op="==", value="software"), points=40
                ),
                ScoreRule(condition=Condition(field="employees", op=">=", value=499.5), points=30),
                ScoreRule(condition=Condition(field="opted_in", op="==", value=True), points=-2.5),
            ],
            activities=[
                ActivityPoints(field="downloads", points_each=5, max_points=15),
                ActivityPoints(field="visits", points_each=0.5),
            ],
            grades={"cold": -10, "hot": 60, "warm": 20.5},
        )
        features = {**LEADS, "opted_in": [True, False, True, False, True]}

        back = io.from_json(RuleScorecard, io.to_json(card))

        assert card == back
        assert ["hot", "warm", "cold"] == list(back.grades)
        assert (
            score_leads(features, card).score.tolist()
            == score_leads(features, back).score.tolist()
        )

    def test_round_trip_keeps_condition_value_types(self) -> None:
        """Text, whole-number, float and flag condition values keep their types through JSON."""
        card = RuleScorecard(
            name="types",
            rules=[
                ScoreRule(condition=Condition(field="a", op="==", value="x"), points=1),
                ScoreRule(condition=Condition(field="b", op=">=", value=3), points=1),
                ScoreRule(condition=Condition(field="c", op=">", value=0.5), points=1),
                ScoreRule(condition=Condition(field="d", op="==", value=False), points=1),
            ],
        )

        back = io.from_json(RuleScorecard, io.to_json(card))

        assert (str, int, float, bool) == tuple(type(rule.condition.value) for rule in back.rules)

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, 1_000), points), min_size=0, max_size=3),
        st.lists(st.tuples(points.map(abs), caps), min_size=1, max_size=3),
        st.lists(st.integers(-100, 100), min_size=1, max_size=4, unique=True),
    )
    def test_any_scorecard_round_trips_through_json(
        self,
        rules: list[tuple[int, float]],
        activities: list[tuple[float, float | None]],
        thresholds: list[int],
    ) -> None:
        """Generated scorecards read back equal from their JSON."""
        card = RuleScorecard(
            name="generated",
            rules=[
                ScoreRule(condition=Condition(field=f"f{i}", op=">=", value=v), points=p)
                for i, (v, p) in enumerate(rules)
            ],
            activities=[
                ActivityPoints(field=f"a{i}", points_each=p, max_points=c)
                for i, (p, c) in enumerate(activities)
            ],
            grades={f"g{t}": t for t in thresholds},
        )

        assert card == io.from_json(RuleScorecard, io.to_json(card))

    def test_nan_points_in_json_reported_as_a_problem(self) -> None:
        """Well-formed JSON whose points are NaN raises InvalidDefinitionError, as building the
        scorecard directly would."""
        data = json.loads(io.to_json(b2b_card()))
        data["rules"][0]["points"] = math.nan

        with pytest.raises(InvalidDefinitionError) as caught:
            io.from_json(RuleScorecard, json.dumps(data))

        assert ("rules[0].points must be a finite number; got nan",) == caught.value.problems

    def test_malformed_json_names_the_dotted_path(self) -> None:
        """Points given as text in the JSON are refused naming their path."""
        data = json.loads(io.to_json(b2b_card()))
        data["activities"][1]["points_each"] = "two"

        with pytest.raises(
            InvalidInputError, match=r"'activities\[1\]\.points_each' must be a number; got 'two'"
        ):
            io.from_json(RuleScorecard, json.dumps(data))

    def test_every_problem_is_reported_at_once(self) -> None:
        """A blank name, NaN points, a negative cap, a quantile condition and repeated
        thresholds: five problems in one error."""
        with pytest.raises(InvalidDefinitionError) as caught:
            RuleScorecard(
                name="",
                rules=[
                    ScoreRule(condition=Condition(field="x", op=">=", value=1), points=math.nan),
                    ScoreRule(
                        condition=Condition(field="y", op=">=", value=0.8, quantile=True), points=5
                    ),
                ],
                activities=[ActivityPoints(field="v", points_each=1, max_points=-1)],
                grades={"A": 50, "B": 50},
            )

        expected = (
            "'name' must be a non-empty string; got ''",
            "rules[0].points must be a finite number; got nan",
            "rules[1]: a scorecard condition cannot be a quantile",
            "activities[0].max_points must be None or a finite number >= 0; got -1",
            "grade thresholds must differ; got {'A': 50, 'B': 50}",
        )
        assert expected == caught.value.problems
        assert str(caught.value).startswith("invalid RuleScorecard '': 5 problems\n  - ")

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            (
                {"rules": [], "activities": []},
                ("a scorecard needs at least one rule or activity",),
            ),
            (
                {"activities": [ActivityPoints(field="v", points_each=math.nan)]},
                ("activities[0].points_each must be a finite number; got nan",),
            ),
            (
                {"activities": [ActivityPoints(field="v", points_each=math.inf)]},
                ("activities[0].points_each must be a finite number; got inf",),
            ),
            (
                {"activities": [ActivityPoints(field="v", points_each=1, max_points=-0.5)]},
                ("activities[0].max_points must be None or a finite number >= 0; got -0.5",),
            ),
            (
                {"activities": [ActivityPoints(field=" ", points_each=1)]},
                ("activities[0].field must be a non-empty string; got ' '",),
            ),
            (
                {"grades": {"A": 10, "B": 20, "C": 10}},
                ("grade thresholds must differ; got {'B': 20, 'A': 10, 'C': 10}",),
            ),
            (
                {"grades": {"A": math.nan, "B": 0}},
                ("grade 'A' must have a finite minimum score; got nan",),
            ),
            ({"grades": {"": 10, "B": 0}}, ("grade names must be non-empty strings; got ''",)),
            (
                {
                    "rules": [
                        ScoreRule(
                            condition=Condition(field="x", op=">=", value=0.9, quantile=True),
                            points=1,
                        )
                    ]
                },
                ("rules[0]: a scorecard condition cannot be a quantile",),
            ),
            (
                {
                    "rules": [
                        ScoreRule(condition=Condition(field="x", op=">=", value="big"), points=1)
                    ]
                },
                ("rules[0]: condition on 'x': >= needs a number; got 'big'",),
            ),
            (
                {
                    "rules": [
                        ScoreRule(condition=Condition(field="x", op="==", value=1), points=True)
                    ]
                },
                ("rules[0].points must be a finite number; got True",),
            ),
            (
                {"rules": ["industry == software"], "activities": [3]},
                (
                    "rules[0] must be a ScoreRule; got str",
                    "activities[0] must be ActivityPoints; got int",
                ),
            ),
            (
                {"rules": [ScoreRule(condition="x >= 1", points=1)]},  # type: ignore[arg-type]
                ("rules[0].condition must be a Condition; got str",),
            ),
        ],
        ids=[
            "no rules and no activities",
            "nan points each",
            "infinite points each",
            "negative cap",
            "blank activity field",
            "repeated thresholds",
            "nan threshold",
            "blank grade name",
            "quantile condition",
            "order comparison with text",
            "flag as points",
            "not rules",
            "not a condition",
        ],
    )
    def test_single_problems(self, changes: dict[str, Any], expected: tuple[str, ...]) -> None:
        """Each fault on its own is named."""
        with pytest.raises(InvalidDefinitionError) as caught:
            b2b_card(**changes)

        assert expected == caught.value.problems

    @pytest.mark.parametrize("grades", [{}, [("A", 10)]], ids=["empty", "not a mapping"])
    def test_grades_must_be_a_non_empty_mapping(self, grades: Any) -> None:
        """No grades, or grades that are not a mapping, are one problem."""
        with pytest.raises(InvalidDefinitionError) as caught:
            b2b_card(grades=grades)

        assert 1 == len(caught.value.problems)
        assert caught.value.problems[0].startswith(
            "'grades' must be a non-empty mapping of grade to minimum score; got "
        )


# --- bad inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        (
            {"features": {k: v for k, v in LEADS.items() if k != "downloads"}},
            InvalidInputError,
            r"'features' must be columns for every feature \(downloads, employees, industry, "
            r"visits\); got none for 'downloads'",
        ),
        (
            {"features": {**LEADS, "industry": ["software", "retail"]}},
            InvalidInputError,
            r"'industry' must be the same length as 'downloads' \(5\); got length 2",
        ),
        (
            {"features": {**LEADS, "visits": [0, 0, -1, 2, 20]}},
            InvalidInputError,
            r"'visits' must be finite numbers of at least 0; got -1\.0 at index 2",
        ),
        (
            {"features": {**LEADS, "downloads": [1, 9, math.nan, 2, 3]}},
            InvalidInputError,
            r"'downloads' must be finite numbers of at least 0; got nan at index 2",
        ),
        (
            {"features": {**LEADS, "downloads": [1, 9, math.inf, 2, 3]}},
            InvalidInputError,
            r"'downloads' must be finite numbers of at least 0; got inf at index 2",
        ),
        (
            {"features": {**LEADS, "employees": ["800", "1000", "20", "499", "500"]}},
            InvalidTypeError,
            r"'employees' must be numbers \(compared with >=\); got a column of dtype <U4",
        ),
        (
            {"features": {**LEADS, "visits": [True, False, True, False, True]}},
            InvalidTypeError,
            r"'visits' must be an array of real numbers; got an array of dtype bool",
        ),
        (
            {"features": {name: [] for name in LEADS}},
            InvalidInputError,
            r"'features' must be non-empty; got no rows",
        ),
        (
            {"scorecard": "b2b"},
            InvalidTypeError,
            r"'scorecard' must be a RuleScorecard; got str 'b2b'",
        ),
        (
            {"scorecard": {"name": "b2b"}},
            InvalidTypeError,
            r"'scorecard' must be a RuleScorecard; got dict",
        ),
        (
            {"ids": ["a", "b"]},
            InvalidInputError,
            r"'ids' must be one id per lead \(5\); got 2 ids",
        ),
        ({"features": 42}, InvalidTypeError, r"'features' must be a pandas, polars or pyarrow"),
    ],
    ids=[
        "missing feature column",
        "mismatched lengths",
        "negative count",
        "nan count",
        "infinite count",
        "text compared with >=",
        "flags as counts",
        "no leads",
        "scorecard as text",
        "scorecard as dict",
        "wrong number of ids",
        "features not a table",
    ],
)
def test_bad_inputs_refused(changes: dict[str, Any], error: type[Exception], match: str) -> None:
    """Each bad argument is refused with an error naming it and the bad value."""
    refused(score_leads, {"features": LEADS, "scorecard": b2b_card(), **changes}, error, match)
