"""Rules as data: conditions over named fields, and ordered rule sets.

A [`Condition`][crmkit.rules.Condition] compares one named field with a
value (`orders >= 3`); nothing executable is stored, so a rule set read from
JSON cannot run code. A [`RuleSet`][crmkit.rules.RuleSet] gives each customer
the name of the first rule whose conditions all hold, or its fallback.
[`apply_rules`][crmkit.rules.apply_rules] evaluates a rule set over whole
columns at once.

Examples:
    >>> from crmkit.rules import Condition, Rule, RuleSet, apply_rules
    >>> rules = RuleSet(name="size", fallback="small", rules=[
    ...     Rule(name="large", conditions=[Condition(field="orders", op=">=", value=10)])])
    >>> apply_rules({"orders": [12, 3]}, rules).label.tolist()
    ['large', 'small']
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import attrs
import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.errors import InvalidDefinitionError

__all__ = ["Condition", "Operator", "Rule", "RuleResult", "RuleSet", "apply_rules"]

Operator = Literal["<", "<=", ">", ">=", "==", "!="]
Scalar = float | int | str | bool

_ORDER_OPERATORS = ("<", "<=", ">", ">=")
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@frozen(kw_only=True)
class Condition:
    """`field op value`, such as `recency_days <= 90`, as data.

    With `quantile=True` the value is a population share in [0, 1] and the
    comparison is with that quantile of the field over the customers being
    classified (`profit >= quantile 0.8` is "top 20 % by profit").

    Attributes:
        field: Name of the feature compared.
        op: One of `<`, `<=`, `>`, `>=`, `==`, `!=`.
        value: The number (or, for `==` and `!=`, text or flag) compared with.
        quantile: Whether *value* is a population quantile.

    Examples:
        >>> from crmkit.rules import Condition
        >>> c = Condition(field="orders", op=">=", value=3)
        >>> str(c), c.holds({"orders": 5})
        ('orders >= 3', True)
    """

    field: str = attrs.field()
    op: Operator = attrs.field()
    value: Scalar = attrs.field()
    quantile: bool = attrs.field(default=False)

    def __str__(self) -> str:
        shown = f"quantile {self.value}" if self.quantile else repr(self.value)
        return f"{self.field} {self.op} {shown}"

    def problems(self) -> list[str]:
        """Every way this condition is malformed (empty when it is fine).

        Examples:
            >>> from crmkit.rules import Condition
            >>> Condition(field="x", op="=~", value=1).problems()
            ["condition on 'x': op must be one of <, <=, >, >=, ==, !=; got '=~'"]
        """
        where = f"condition on {self.field!r}"
        problems = []
        if not isinstance(self.field, str) or not self.field.strip():
            problems.append(f"condition field must be a non-empty string; got {self.field!r}")
        if self.op not in _OPERATORS:
            problems.append(f"{where}: op must be one of {', '.join(_OPERATORS)}; got {self.op!r}")
        value: object = self.value  # as built, possibly from bad JSON: check, do not trust
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not isinstance(value, (int, float, str, bool)):
            problems.append(f"{where}: value must be a number, text or flag; got {value!r}")
        elif self.op in _ORDER_OPERATORS and not is_number:
            problems.append(f"{where}: {self.op} needs a number; got {self.value!r}")
        elif is_number and not np.isfinite(float(self.value)):
            problems.append(f"{where}: value must be finite; got {self.value!r}")
        if self.quantile and not (is_number and 0.0 <= float(self.value) <= 1.0):
            problems.append(f"{where}: a quantile must be a number in [0, 1]; got {self.value!r}")
        return problems

    def holds(self, context: Mapping[str, Any]) -> bool:
        """Whether the condition holds for one record's fields (no quantiles).

        A missing field makes the condition fail rather than raise, so a guard
        over an incomplete context simply refuses.

        Examples:
            >>> from crmkit.rules import Condition
            >>> Condition(field="orders", op=">=", value=3).holds({})
            False
        """
        if not isinstance(context, Mapping):
            v.fail_type("context", "a mapping from field name to value", context)
        if self.quantile:
            v.fail("quantile", "False for a single record (quantiles need a population)", True)
        if self.field not in context:
            return False
        try:
            return bool(_OPERATORS[self.op](context[self.field], self.value))
        except TypeError:
            return False

    def evaluate(self, columns: Mapping[str, NDArray[Any]]) -> NDArray[np.bool_]:
        """Whether the condition holds, for every row of the given columns.

        Examples:
            >>> import numpy as np
            >>> from crmkit.rules import Condition
            >>> Condition(field="x", op=">=", value=0.5, quantile=True).evaluate(
            ...     {"x": np.array([1.0, 2.0, 3.0, 4.0])}).tolist()
            [False, False, True, True]
        """
        if not isinstance(columns, Mapping):
            v.fail_type("columns", "a mapping from field name to array", columns)
        if self.field not in columns:
            v.fail("columns", f"a mapping with the field {self.field!r}", sorted(columns))
        values = np.asarray(columns[self.field])
        if self.op in _ORDER_OPERATORS and values.dtype.kind not in "fiub":
            v.fail_type(
                self.field,
                f"numbers (compared with {self.op})",
                v.described(f"a column of dtype {values.dtype}"),
            )
        target = float(np.quantile(values, float(self.value))) if self.quantile else self.value
        result: NDArray[np.bool_] = np.asarray(_OPERATORS[self.op](values, target), dtype=bool)
        return result


def _conditions(value: Iterable[Condition]) -> tuple[Condition, ...]:
    return tuple(value)


@frozen(kw_only=True)
class Rule:
    """A name given when all of its conditions hold.

    Attributes:
        name: The label this rule gives.
        conditions: Conditions that must all hold.
        description: What the rule means.

    Examples:
        >>> from crmkit.rules import Condition, Rule
        >>> Rule(name="vip", conditions=[Condition(field="spend", op=">=", value=1000)]).name
        'vip'
    """

    name: str = attrs.field()
    conditions: tuple[Condition, ...] = attrs.field(converter=_conditions)
    description: str = attrs.field(default="")


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


@frozen(kw_only=True)
class RuleSet:
    """Ordered rules: each customer gets the first rule whose conditions all hold.

    Attributes:
        name: The rule set's name.
        rules: The rules, in priority order.
        fallback: Label for customers no rule matches.

    Raises:
        InvalidDefinitionError: Listing every problem: empty or duplicate
            names, rules without conditions, unknown operators, quantiles
            outside [0, 1], order comparisons with text.

    Examples:
        >>> from crmkit.rules import Condition, Rule, RuleSet
        >>> RuleSet(name="bad", fallback="other", rules=[
        ...     Rule(name="x", conditions=[Condition(field="a", op="~", value=1)])])
        Traceback (most recent call last):
        ...
        crmkit.errors.InvalidDefinitionError: invalid RuleSet 'bad': 1 problem
          - rule 'x': condition on 'a': op must be one of <, <=, >, >=, ==, !=; got '~'
    """

    name: str = attrs.field()
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    fallback: str = attrs.field()

    def __attrs_post_init__(self) -> None:
        problems = _rule_set_problems(self)
        if problems:
            message = f"invalid RuleSet {self.name!r}"
            raise InvalidDefinitionError(message, problems=problems)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a customer can get, in priority order, the fallback last."""
        return (*(rule.name for rule in self.rules), self.fallback)

    @property
    def fields(self) -> tuple[str, ...]:
        """The feature names the rules read, sorted."""
        return tuple(sorted({c.field for rule in self.rules for c in rule.conditions}))


def _rule_set_problems(rule_set: RuleSet) -> list[str]:
    problems = []
    for name, what in ((rule_set.name, "name"), (rule_set.fallback, "fallback")):
        if not isinstance(name, str) or not name.strip():
            problems.append(f"'{what}' must be a non-empty string; got {name!r}")
    if not rule_set.rules:
        problems.append("'rules' must not be empty")
    rules: tuple[object, ...] = rule_set.rules  # as built: check, do not trust
    for index, rule in enumerate(rules):
        if not isinstance(rule, Rule):
            problems.append(f"rules[{index}] must be a Rule; got {type(rule).__name__}")
            continue
        if not isinstance(rule.name, str) or not rule.name.strip():
            problems.append(f"rules[{index}].name must be a non-empty string; got {rule.name!r}")
        if not rule.conditions:
            problems.append(f"rule {rule.name!r} has no conditions (use the fallback instead)")
        problems += [f"rule {rule.name!r}: {p}" for c in rule.conditions for p in c.problems()]
    labels = [getattr(rule, "name", None) for rule in rule_set.rules] + [rule_set.fallback]
    repeated = sorted({str(label) for label in labels if labels.count(label) > 1})
    if repeated:
        problems.append(
            f"labels must be unique (rules and fallback); repeated: {', '.join(repeated)}"
        )
    return problems


@frozen(kw_only=True, repr=False)
class RuleResult:
    """Each customer's label from a rule set, and how many got each.

    Attributes:
        ids: The ids given (or positions 0..n-1).
        label: The label per customer.
        counts: Customers per label, every label listed in priority order.
        rule_set_name: Name of the rule set applied.

    Examples:
        >>> from crmkit.rules import Condition, Rule, RuleSet, apply_rules
        >>> rules = RuleSet(name="size", fallback="small", rules=[
        ...     Rule(name="large", conditions=[Condition(field="orders", op=">=", value=10)])])
        >>> apply_rules({"orders": [12, 3, 1]}, rules)
        RuleResult(rule_set_name='size', counts={'large': 1, 'small': 2})
    """

    ids: NDArray[Any] = array_field()
    label: NDArray[np.str_] = array_field()
    counts: Mapping[str, int] = attrs.field()
    rule_set_name: str = attrs.field()

    def __repr__(self) -> str:
        return f"RuleResult(rule_set_name={self.rule_set_name!r}, counts={dict(self.counts)})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `id, label`.

        Examples:
            >>> from crmkit.rules import Condition, Rule, RuleSet, apply_rules
            >>> rules = RuleSet(name="s", fallback="no", rules=[
            ...     Rule(name="yes", conditions=[Condition(field="x", op=">", value=0)])])
            >>> apply_rules({"x": [1, 0]}, rules).to_frame()["label"].tolist()
            ['yes', 'no']
        """
        return _frames.frame_from_columns({"id": self.ids, "label": self.label}, backend=backend)


def apply_rules(features: Any, rule_set: RuleSet, *, ids: Any = None) -> RuleResult:
    """Label every customer with the first rule of *rule_set* that holds for them.

    Vectorised: each rule's conditions are evaluated over whole columns, so the
    work grows with the number of rules, not of customers.

    Args:
        features: The fields the rules read, one value per customer: a mapping
            from name to array, a pandas, polars or pyarrow frame, or any
            object with a `columns()` method returning such a mapping (such
            as [`CustomerFeatures`][crmkit.segmentation.CustomerFeatures]).
        rule_set: The rules.
        ids: Customer ids for the result; taken from a `customer_id` column
            when there is one.

    Raises:
        InvalidInputError: If a field the rules read is missing, columns
            differ in length, or values are missing.

    Examples:
        >>> from crmkit.rules import apply_rules
        >>> from crmkit.segmentation import value_class_rules
        >>> result = apply_rules({"profit": [-5, 100, 10, 20, 15],
        ...                       "potential": [1, 2, 90, 3, 4]}, value_class_rules())
        >>> result.label.tolist()
        ['BZ', 'MVC', 'MGC', 'Other', 'Other']
    """
    if not isinstance(rule_set, RuleSet):
        v.fail_type("rule_set", "a RuleSet", rule_set)
    columns = _columns_of(features)
    missing = [name for name in rule_set.fields if name not in columns]
    if missing:
        v.fail(
            "features",
            f"columns for every field the rules read ({', '.join(rule_set.fields)})",
            v.described(f"none for {', '.join(map(repr, missing))}"),
        )
    used = {name: _column(name, columns[name]) for name in rule_set.fields}
    n = v.same_length(**used) if used else len(next(iter(columns.values()), []))
    labels = np.full(n, len(rule_set.rules), dtype=np.int64)
    for index in reversed(range(len(rule_set.rules))):  # earlier rules win
        matched = np.ones(n, dtype=bool)
        for condition in rule_set.rules[index].conditions:
            matched &= condition.evaluate(used)
        labels[matched] = index
    names = rule_set.labels
    counts = np.bincount(labels, minlength=len(names))
    given = ids if ids is not None else columns.get("customer_id")
    labelled = v.ids_for(given, n, per="customer")
    return RuleResult(
        ids=labelled,
        label=np.asarray(names, dtype=np.str_)[labels],
        counts=dict(zip(names, counts.tolist(), strict=True)),
        rule_set_name=rule_set.name,
    )


def _columns_of(
    features: Any, *, argument: str = "features", allow_missing: bool = False
) -> Mapping[str, Any]:
    """Named columns of a mapping, a frame or an object with `columns()` (private, shared)."""
    if isinstance(features, Mapping):
        return features
    if callable(getattr(features, "columns", None)):
        columns: Mapping[str, Any] = features.columns()
        return columns
    frame = _frames.eager_frame(features, argument)
    return {
        name: _frames.series_values(name, frame.get_column(name), allow_missing=allow_missing)
        for name in frame.columns
    }


def _column(name: str, values: Any) -> NDArray[Any]:
    array = v.one_dimensional(name, values)
    if not array.size:  # quantile conditions need a population
        v.fail(name, "non-empty", v.described("an empty array"))
    if array.dtype.kind == "f" and np.isnan(array).any():
        # NaN is a missing value; +-inf (e.g. growth from nothing) compares as a number.
        v.fail_rows(name, "values without missing entries (NaN)", array, np.isnan(array))
    return array
