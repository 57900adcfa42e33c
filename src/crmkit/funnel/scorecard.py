"""Rule-based lead scoring: points per attribute and per behaviour, grades by threshold."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field, as_tuple
from crmkit._frames import Backend
from crmkit.errors import InvalidDefinitionError
from crmkit.funnel._features import feature_columns, named_columns
from crmkit.rules import Condition

__all__ = ["ActivityPoints", "LeadScores", "RuleScorecard", "ScoreRule", "score_leads"]

DEFAULT_GRADES: Mapping[str, float] = MappingProxyType({"A": 75.0, "B": 50.0, "C": 25.0, "D": 0.0})
"""Grade thresholds used when a scorecard names none: A from 75 points, B 50, C 25, D below."""


@frozen(kw_only=True)
class ScoreRule:
    """Points a lead earns when a condition on one of its attributes holds.

    Attributes:
        condition: The attribute test, such as `industry == "software"` or
            `employees >= 500`.
        points: Points earned (negative to penalise).

    Examples:
        >>> from crmkit.funnel import ScoreRule
        >>> from crmkit.rules import Condition
        >>> rule = ScoreRule(condition=Condition(field="decision_level", op="==", value="c_level"),
        ...                  points=20)
        >>> str(rule.condition), rule.points
        ("decision_level == 'c_level'", 20)
    """

    condition: Condition = attrs.field()
    points: float = attrs.field()


@frozen(kw_only=True)
class ActivityPoints:
    """Points per unit of a behaviour count (site visits, downloads, email opens).

    Attributes:
        field: Name of the count feature.
        points_each: Points per unit.
        max_points: Most points this behaviour can earn (None for no cap).

    Examples:
        >>> from crmkit.funnel import ActivityPoints
        >>> ActivityPoints(field="site_visits", points_each=2, max_points=10).max_points
        10
    """

    field: str = attrs.field()
    points_each: float = attrs.field()
    max_points: float | None = attrs.field(default=None)


def _grades(value: Any) -> Any:
    # Read-only, highest threshold first: the order in which grades are tried.
    if not isinstance(value, Mapping):
        return value  # reported by the problems check
    ordered = sorted(value.items(), key=lambda item: -_number_or_nan(item[1]))
    return MappingProxyType(dict(ordered))


def _number_or_nan(value: object) -> float:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if is_number else math.nan  # type: ignore[arg-type]


@frozen(kw_only=True)
class RuleScorecard:
    """A lead scorecard as data: attribute rules, behaviour points and grades.

    A lead's score is the sum of the points of every rule whose condition
    holds plus, per behaviour, its count times the points each (capped at
    `max_points`). Its grade is the first grade, from the highest threshold
    down, whose threshold the score reaches; scores below every threshold get
    the lowest grade.

    Attributes:
        name: The scorecard's name.
        rules: Attribute rules (company size, industry, decision level...).
        activities: Behaviour points (site visits, downloads, email opens...).
        grades: Minimum score per grade, such as `{"A": 75, "B": 50, "C": 25, "D": 0}`.

    Raises:
        InvalidDefinitionError: Listing every problem: an empty name, no
            rules and no activities, a malformed condition, a non-finite
            number of points, a negative cap, no grades or repeated thresholds.

    Examples:
        >>> from crmkit.funnel import ActivityPoints, RuleScorecard, ScoreRule
        >>> from crmkit.rules import Condition
        >>> card = RuleScorecard(
        ...     name="b2b",
        ...     rules=[ScoreRule(condition=Condition(field="employees", op=">=", value=500),
        ...                      points=30)],
        ...     activities=[ActivityPoints(field="site_visits", points_each=5, max_points=25)],
        ...     grades={"A": 50, "B": 25, "C": 0})
        >>> card.fields
        ('employees', 'site_visits')
    """

    name: str = attrs.field()
    rules: tuple[ScoreRule, ...] = attrs.field(default=(), converter=as_tuple)
    activities: tuple[ActivityPoints, ...] = attrs.field(default=(), converter=as_tuple)
    grades: Mapping[str, float] = attrs.field(
        default=DEFAULT_GRADES, converter=_grades, hash=False
    )

    def __attrs_post_init__(self) -> None:
        problems = _scorecard_problems(self)
        if problems:
            message = f"invalid RuleScorecard {self.name!r}"
            raise InvalidDefinitionError(message, problems=problems)

    @property
    def fields(self) -> tuple[str, ...]:
        """The feature names the scorecard reads, sorted."""
        names = {rule.condition.field for rule in self.rules}
        return tuple(sorted(names | {activity.field for activity in self.activities}))


def _scorecard_problems(card: RuleScorecard) -> list[str]:
    problems = []
    if not isinstance(card.name, str) or not card.name.strip():
        problems.append(f"'name' must be a non-empty string; got {card.name!r}")
    if not card.rules and not card.activities:
        problems.append("a scorecard needs at least one rule or activity")
    for index, rule in enumerate(card.rules):
        problems += _rule_problems(f"rules[{index}]", rule)
    for index, activity in enumerate(card.activities):
        problems += _activity_problems(f"activities[{index}]", activity)
    return problems + _grade_problems(card.grades)


def _rule_problems(where: str, rule: object) -> list[str]:
    if not isinstance(rule, ScoreRule):
        return [f"{where} must be a ScoreRule; got {type(rule).__name__}"]
    condition: object = rule.condition  # as built, possibly from bad JSON: check, do not trust
    if not isinstance(condition, Condition):
        return [f"{where}.condition must be a Condition; got {type(condition).__name__}"]
    problems = [f"{where}: {problem}" for problem in rule.condition.problems()]
    if rule.condition.quantile:
        problems.append(f"{where}: a scorecard condition cannot be a quantile")
    return problems + _points_problems(f"{where}.points", rule.points)


def _activity_problems(where: str, activity: object) -> list[str]:
    if not isinstance(activity, ActivityPoints):
        return [f"{where} must be ActivityPoints; got {type(activity).__name__}"]
    problems = []
    if not isinstance(activity.field, str) or not activity.field.strip():
        problems.append(f"{where}.field must be a non-empty string; got {activity.field!r}")
    problems += _points_problems(f"{where}.points_each", activity.points_each)
    cap = activity.max_points
    if cap is not None and not (math.isfinite(_number_or_nan(cap)) and float(cap) >= 0):
        problems.append(f"{where}.max_points must be None or a finite number >= 0; got {cap!r}")
    return problems


def _points_problems(where: str, points: object) -> list[str]:
    if not math.isfinite(_number_or_nan(points)):
        return [f"{where} must be a finite number; got {points!r}"]
    return []


def _grade_problems(grades: object) -> list[str]:
    if not isinstance(grades, Mapping) or not grades:
        shown = dict(grades) if isinstance(grades, Mapping) else grades
        return [f"'grades' must be a non-empty mapping of grade to minimum score; got {shown!r}"]
    problems = [
        f"grade {name!r} must have a finite minimum score; got {threshold!r}"
        for name, threshold in grades.items()
        if not math.isfinite(_number_or_nan(threshold))
    ]
    problems += [
        f"grade names must be non-empty strings; got {name!r}"
        for name in grades
        if not isinstance(name, str) or not name.strip()
    ]
    thresholds = [float(t) for t in grades.values() if math.isfinite(_number_or_nan(t))]
    if len(set(thresholds)) != len(thresholds):
        problems.append(f"grade thresholds must differ; got {dict(grades)!r}")
    return problems


@frozen(kw_only=True, repr=False)
class LeadScores:
    """Each lead's score and grade from a scorecard.

    Attributes:
        ids: The ids given (or positions 0..n-1).
        score: Points per lead.
        grade: Grade per lead.
        counts: Leads per grade, every grade listed from the highest.
        scorecard_name: Name of the scorecard applied.

    Examples:
        >>> from crmkit.funnel import ActivityPoints, RuleScorecard, score_leads
        >>> card = RuleScorecard(name="visits",
        ...     activities=[ActivityPoints(field="visits", points_each=10)])
        >>> score_leads({"visits": [9, 3, 0]}, card)
        LeadScores(scorecard_name='visits', counts={'A': 1, 'B': 0, 'C': 1, 'D': 1})
    """

    ids: NDArray[Any] = array_field()
    score: NDArray[np.float64] = array_field()
    grade: NDArray[np.str_] = array_field()
    counts: Mapping[str, int] = attrs.field()
    scorecard_name: str = attrs.field()

    def __repr__(self) -> str:
        return f"LeadScores(scorecard_name={self.scorecard_name!r}, counts={dict(self.counts)})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `id, score, grade`.

        Examples:
            >>> from crmkit.funnel import ActivityPoints, RuleScorecard, score_leads
            >>> card = RuleScorecard(name="v",
            ...                      activities=[ActivityPoints(field="v", points_each=30)])
            >>> score_leads({"v": [3, 1]}, card).to_frame()["grade"].tolist()
            ['A', 'C']
        """
        columns = {"id": self.ids, "score": self.score, "grade": self.grade}
        return _frames.frame_from_columns(columns, backend=backend)


def score_leads(features: Any, scorecard: RuleScorecard, *, ids: Any = None) -> LeadScores:
    """Score and grade every lead with a rule scorecard (vectorised over leads).

    A category the scorecard does not mention simply earns no points from
    that rule: an unseen industry scores like any other unlisted one.

    Args:
        features: The fields the scorecard reads, one value per lead: a
            mapping from name to array, or a pandas, polars or pyarrow frame.
        scorecard: The scorecard.
        ids: Lead ids for the result; taken from a `lead_id` column when there is one.

    Raises:
        InvalidInputError: If a field the scorecard reads is missing, columns
            differ in length, there are no leads, or a behaviour count is
            negative or missing.
        InvalidTypeError: If *scorecard* is not a `RuleScorecard`, or an
            order comparison meets a text column.

    Examples:
        >>> from crmkit.funnel import ActivityPoints, RuleScorecard, ScoreRule, score_leads
        >>> from crmkit.rules import Condition
        >>> card = RuleScorecard(
        ...     name="b2b",
        ...     rules=[ScoreRule(condition=Condition(field="industry", op="==", value="software"),
        ...                      points=40),
        ...            ScoreRule(condition=Condition(field="employees", op=">=", value=500),
        ...                      points=30)],
        ...     activities=[ActivityPoints(field="downloads", points_each=5, max_points=15)])
        >>> scores = score_leads({"industry": ["software", "retail", "software"],
        ...                       "employees": [800, 1000, 20],
        ...                       "downloads": [1, 9, 0]}, card)
        >>> scores.score.tolist(), scores.grade.tolist()
        ([75.0, 45.0, 40.0], ['A', 'C', 'C'])
    """
    if not isinstance(scorecard, RuleScorecard):
        v.fail_type("scorecard", "a RuleScorecard", scorecard)
    given_columns = named_columns(features)
    columns = feature_columns(given_columns, scorecard.fields)
    n = len(next(iter(columns.values())))
    score = np.zeros(n)
    for rule in scorecard.rules:
        score += np.where(rule.condition.evaluate(columns), float(rule.points), 0.0)
    for activity in scorecard.activities:
        units = v.float_array(activity.field, columns[activity.field], low=0.0)
        earned = units * float(activity.points_each)
        if activity.max_points is not None:
            earned = np.minimum(earned, float(activity.max_points))
        score += earned
    names = list(scorecard.grades)
    thresholds = np.array([float(t) for t in scorecard.grades.values()])
    # Thresholds run high to low: a score's grade is the first one it reaches.
    reached = np.searchsorted(-thresholds, -score, side="left")
    which = np.minimum(reached, len(names) - 1)
    counts = np.bincount(which, minlength=len(names))
    given = ids if ids is not None else given_columns.get("lead_id")
    return LeadScores(
        ids=v.ids_for(given, n, per="lead"),
        score=score,
        grade=np.asarray(names, dtype=np.str_)[which],
        counts=dict(zip(names, counts.tolist(), strict=True)),
        scorecard_name=scorecard.name,
    )
