"""Stages from behaviour, churn early warning, and the layered intervention plan.

[`classify_stages`][crmkit.lifecycle.classify_stages] puts every customer in
one of the lifecycle stages (new, active, at risk, churned, reactivated) from
their purchases alone, with thresholds learnt from the population's
inter-purchase gaps or from each customer's own rhythm.
[`churn_risk`][crmkit.lifecycle.churn_risk] turns that into a score and tier,
and [`intervention_plan`][crmkit.lifecycle.intervention_plan] picks an action
per value x risk cell from a matrix kept as data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.errors import InvalidDefinitionError
from crmkit.transactions import Transactions

__all__ = [
    "DEFAULT_MATRIX",
    "STAGES",
    "ChurnRiskResult",
    "InterventionCell",
    "InterventionMatrix",
    "InterventionResult",
    "StageMethod",
    "StageResult",
    "StageRules",
    "churn_risk",
    "classify_stages",
    "intervention_plan",
]

StageMethod = Literal["percentile", "rhythm"]
STAGES = ("new", "active", "reactivated", "at_risk", "churned")
"""The stages classify_stages assigns (names as in CUSTOMER_LIFECYCLE)."""

_DAY_US = 86_400_000_000


@frozen(kw_only=True)
class StageRules:
    """How classify_stages draws its lines, as data.

    Attributes:
        method: `"percentile"`: a customer is at risk (churned) once the days
            since their last purchase exceed the `at_risk_percentile`
            (`churn_percentile`) of all inter-purchase gaps in the population.
            `"rhythm"`: once they exceed `at_risk_factor` (`churn_factor`)
            times the customer's own median gap (at least one day); one-time
            buyers use the population's median gap.
        new_days: A customer whose first purchase is at most this many days
            old (and who is not at risk) is new.
        at_risk_percentile: Population gap quantile for at risk, in (0, 1).
        churn_percentile: Population gap quantile for churned, above the at-risk one.
        at_risk_factor: Multiple of the own median gap for at risk.
        churn_factor: Multiple of the own median gap for churned, above the at-risk one.

    Raises:
        InvalidDefinitionError: Listing every problem, such as an at-risk
            line beyond the churn line.

    Examples:
        >>> from crmkit.lifecycle import StageRules
        >>> StageRules(method="rhythm", at_risk_factor=2.5).churn_factor
        4.0
        >>> StageRules(at_risk_percentile=0.9, churn_percentile=0.8)
        Traceback (most recent call last):
        ...
        crmkit.errors.InvalidDefinitionError: invalid StageRules: 1 problem
          - at_risk_percentile (0.9) must be below churn_percentile (0.8)
    """

    method: StageMethod = field(default="percentile")
    new_days: int = field(default=90)
    at_risk_percentile: float = field(default=0.75)
    churn_percentile: float = field(default=0.95)
    at_risk_factor: float = field(default=2.0)
    churn_factor: float = field(default=4.0)

    def __attrs_post_init__(self) -> None:
        problems = _rules_problems(self)
        if problems:
            msg = "invalid StageRules"
            raise InvalidDefinitionError(msg, problems=problems)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _rules_problems(rules: StageRules) -> list[str]:
    problems = []
    if rules.method not in ("percentile", "rhythm"):
        problems.append(f"method must be 'percentile' or 'rhythm'; got {rules.method!r}")
    if (
        isinstance(rules.new_days, bool)
        or not isinstance(rules.new_days, int)
        or rules.new_days < 0
    ):
        problems.append(f"new_days must be a whole number of days >= 0; got {rules.new_days!r}")
    for name in ("at_risk_percentile", "churn_percentile"):
        value = getattr(rules, name)
        if not (_is_number(value) and 0.0 < value < 1.0):
            problems.append(f"{name} must be a number in (0, 1); got {value!r}")
    for name in ("at_risk_factor", "churn_factor"):
        value = getattr(rules, name)
        if not (_is_number(value) and value > 0.0):
            problems.append(f"{name} must be a positive number; got {value!r}")
    if not problems:
        if rules.at_risk_percentile >= rules.churn_percentile:
            problems.append(
                f"at_risk_percentile ({rules.at_risk_percentile}) must be below "
                f"churn_percentile ({rules.churn_percentile})"
            )
        if rules.at_risk_factor >= rules.churn_factor:
            problems.append(
                f"at_risk_factor ({rules.at_risk_factor}) must be below "
                f"churn_factor ({rules.churn_factor})"
            )
    return problems


@frozen(kw_only=True, repr=False)
class StageResult:
    """Each customer's lifecycle stage as of one instant, and the lines behind it.

    Attributes:
        customer_id: The customer ids.
        stage: `"new"`, `"active"`, `"reactivated"`, `"at_risk"` or `"churned"`.
        recency_days: Days since the last purchase (fractional).
        at_risk_days: The customer's at-risk line, in days since the last purchase.
        churn_days: The customer's churn line.
        counts: Customers per stage, every stage listed.
        rules: The rules applied.
        as_of: The instant described (UTC).

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.lifecycle import classify_stages
        >>> res = classify_stages(load_sample().transactions, as_of=date(2025, 1, 1))
        >>> res.counts
        {'new': 554, 'active': 1115, 'reactivated': 141, 'at_risk': 1332, 'churned': 1858}
    """

    customer_id: NDArray[Any] = array_field()
    stage: NDArray[np.str_] = array_field()
    recency_days: NDArray[np.float64] = array_field()
    at_risk_days: NDArray[np.float64] = array_field()
    churn_days: NDArray[np.float64] = array_field()
    counts: dict[str, int] = field()
    rules: StageRules = field()
    as_of: datetime = field()

    def __repr__(self) -> str:
        return f"StageResult(n_customers={self.customer_id.size}, counts={self.counts})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `customer_id, stage, recency_days, at_risk_days, churn_days`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.lifecycle import classify_stages
            >>> res = classify_stages(load_sample().transactions, as_of=date(2025, 1, 1))
            >>> res.to_frame().shape
            (5000, 5)
        """
        columns = {
            "customer_id": self.customer_id,
            "stage": self.stage,
            "recency_days": self.recency_days,
            "at_risk_days": self.at_risk_days,
            "churn_days": self.churn_days,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def classify_stages(
    transactions: Transactions,
    *,
    as_of: date | datetime,
    rules: StageRules | None = None,
) -> StageResult:
    """Put every customer in a lifecycle stage from their purchases up to `as_of`.

    In order of precedence: **churned** once the days since the last purchase
    exceed the churn line; **at risk** once they exceed the at-risk line;
    **reactivated** when the last purchase came after a silence longer than the
    churn line; **new** when the first purchase is at most `rules.new_days`
    old; **active** otherwise. Vectorised over customers: per-customer gaps and
    medians come from sorted runs, not Python loops.

    Args:
        transactions: The purchases.
        as_of: An aware datetime, or a date meaning the end of that day (UTC).
        rules: The lines to draw; `StageRules()` by default.

    Raises:
        InvalidInputError: If there are no transactions on or before `as_of`,
            or nobody bought twice (no gaps to learn lines from).

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.lifecycle import StageRules, classify_stages
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "a", "b", "b", "c"], amount=[1.0] * 6,
        ...     at=np.array(["2024-01-01", "2024-02-01", "2024-03-01",
        ...                  "2024-01-01", "2024-01-31", "2024-12-20"], dtype="datetime64[us]"))
        >>> res = classify_stages(txns, as_of=date(2024, 12, 31),
        ...                       rules=StageRules(method="rhythm"))
        >>> res.stage.tolist()
        ['churned', 'churned', 'new']
    """
    txns = _groups.check_transactions(transactions)
    chosen = StageRules() if rules is None else rules
    if not isinstance(chosen, StageRules):
        v.fail_type("rules", "a StageRules", chosen)
    rows = _groups.customer_rows(txns, v.as_of_instant(as_of))
    microseconds = rows.at.view(np.int64)  # datetime64[us] as integers, without a copy
    same = rows.codes[1:] == rows.codes[:-1]
    gaps = (microseconds[1:] - microseconds[:-1])[same] / _DAY_US
    if not gaps.size:
        v.fail(
            "transactions",
            "at least one customer with two purchases (to learn gaps from)",
            v.described("only one-time buyers"),
        )
    # Owner of each gap by position among the customers present up to as_of (the
    # codes number every customer of the log, including those first seen later).
    position = np.repeat(np.arange(rows.starts.size), rows.lengths)
    at_risk, churn = _lines(chosen, gaps, position[1:], same, rows.starts.size)
    instant = rows.instant.astype(np.int64)
    recency = (instant - rows.last.astype(np.int64)) / _DAY_US
    tenure = (instant - rows.first.astype(np.int64)) / _DAY_US
    silence_before_last = _gap_before_last(microseconds, rows.starts, rows.lengths)
    stage = np.full(rows.starts.size, STAGES.index("active"), dtype=np.int64)
    stage[tenure <= chosen.new_days] = STAGES.index("new")
    stage[silence_before_last > churn] = STAGES.index("reactivated")
    stage[recency > at_risk] = STAGES.index("at_risk")
    stage[recency > churn] = STAGES.index("churned")
    counts = np.bincount(stage, minlength=len(STAGES))
    return StageResult(
        customer_id=rows.customer_id,
        stage=np.asarray(STAGES)[stage],
        recency_days=recency,
        at_risk_days=at_risk,
        churn_days=churn,
        counts=dict(zip(STAGES, counts.tolist(), strict=True)),
        rules=chosen,
        as_of=rows.moment,
    )


def _lines(
    rules: StageRules,
    gaps: NDArray[np.float64],
    next_codes: NDArray[np.int64],
    same: NDArray[np.bool_],
    n: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """At-risk and churn lines per customer, in days since the last purchase."""
    if rules.method == "percentile":
        low, high = np.quantile(gaps, [rules.at_risk_percentile, rules.churn_percentile])
        return np.full(n, float(low)), np.full(n, float(high))
    # One-time buyers: the population's rhythm (floored at a day, as below).
    own = np.full(n, max(float(np.median(gaps)), 1.0))
    owners = next_codes[same]  # only the rhythm method needs to know whose gap is whose
    order = np.lexsort((gaps, owners))
    sorted_gaps, sorted_owners = gaps[order], owners[order]
    starts = _groups.run_starts(sorted_owners)
    lengths = _groups.run_lengths(starts, sorted_gaps.size)
    lower = sorted_gaps[starts + (lengths - 1) // 2]
    upper = sorted_gaps[starts + lengths // 2]
    # At least a day: two orders minutes apart are one shopping trip, not a rhythm.
    own[sorted_owners[starts]] = np.maximum((lower + upper) / 2, 1.0)
    return rules.at_risk_factor * own, rules.churn_factor * own


def _gap_before_last(
    microseconds: NDArray[np.int64], starts: NDArray[np.intp], lengths: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Days between each customer's last two purchases (0 for one-time buyers)."""
    last = starts + lengths - 1
    previous = np.where(lengths > 1, last - 1, last)
    result: NDArray[np.float64] = (microseconds[last] - microseconds[previous]) / _DAY_US
    return result


# --- churn risk ---------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class ChurnRiskResult:
    """A churn-risk score in [0, 1] and a tier per customer.

    Attributes:
        customer_id: The customer ids.
        score: Days since the last purchase over the churn line, capped at 1.
        tier: `"low"`, `"medium"`, `"high"` or `"churned"` (past the line).
        counts: Customers per tier, every tier listed.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.lifecycle import churn_risk, classify_stages
        >>> risk = churn_risk(classify_stages(load_sample().transactions, as_of=date(2025, 1, 1)))
        >>> list(risk.counts)
        ['low', 'medium', 'high', 'churned']
    """

    customer_id: NDArray[Any] = array_field()
    score: NDArray[np.float64] = array_field()
    tier: NDArray[np.str_] = array_field()
    counts: dict[str, int] = field()

    def __repr__(self) -> str:
        return f"ChurnRiskResult(n_customers={self.customer_id.size}, counts={self.counts})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `customer_id, score, tier`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.lifecycle import churn_risk, classify_stages
            >>> churn_risk(classify_stages(load_sample().transactions,
            ...                            as_of=date(2025, 1, 1))).to_frame().shape
            (5000, 3)
        """
        columns = {"customer_id": self.customer_id, "score": self.score, "tier": self.tier}
        return _frames.frame_from_columns(columns, backend=backend)


_RISK_TIERS = ("low", "medium", "high", "churned")


def churn_risk(stages: StageResult, *, tiers: tuple[float, float] = (0.5, 0.8)) -> ChurnRiskResult:
    """Churn early warning: a score from 0 (just bought) to 1 (at the churn line), and a tier.

    The score is the days since the last purchase over the customer's churn
    line, capped at 1. Below `tiers[0]` the tier is low, below `tiers[1]`
    medium, then high; customers already past their churn line are churned.
    The tiers measure progress towards the churn line only, so a customer just
    past the (earlier) at-risk line can still be "low": with the default
    percentile rules the at-risk line sits at about a third of the churn line.
    (Scores from a fitted P(alive) come with the CLV models.)

    Args:
        stages: The output of [`classify_stages`][crmkit.lifecycle.classify_stages].
        tiers: Two increasing score cut-offs in (0, 1).

    Raises:
        InvalidInputError: If *tiers* are not two increasing numbers in (0, 1).

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.lifecycle import churn_risk, classify_stages
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "b", "b"], amount=[1.0] * 4,
        ...     at=np.array(["2024-01-01", "2024-02-01", "2024-01-01", "2024-07-01"],
        ...                 dtype="datetime64[us]"))
        >>> risk = churn_risk(classify_stages(txns, as_of=date(2024, 8, 1)))
        >>> risk.tier.tolist()
        ['churned', 'low']
    """
    if not isinstance(stages, StageResult):
        v.fail_type("stages", "a StageResult", stages, hint="make one with classify_stages()")
    if not isinstance(tiers, tuple | list) or len(tiers) != 2:
        v.fail_type("tiers", "two score cut-offs, such as (0.5, 0.8)", tiers)
    low = v.check_open_interval("tiers", tiers[0], 0.0, 1.0)
    high = v.check_open_interval("tiers", tiers[1], 0.0, 1.0)
    if high <= low:
        v.fail("tiers", "two increasing cut-offs", tuple(tiers))
    # A churn line of 0 days (everyone bought twice at once): any silence is past it.
    past = np.where(stages.recency_days > 0, 1.0, 0.0)
    ratio = np.divide(
        stages.recency_days, stages.churn_days, out=past, where=stages.churn_days > 0
    )
    score = np.minimum(ratio, 1.0)
    tier = np.searchsorted(np.array([low, high]), score, side="right")
    tier[stages.recency_days > stages.churn_days] = _RISK_TIERS.index("churned")
    counts = np.bincount(tier, minlength=len(_RISK_TIERS))
    return ChurnRiskResult(
        customer_id=stages.customer_id,
        score=score,
        tier=np.asarray(_RISK_TIERS)[tier],
        counts=dict(zip(_RISK_TIERS, counts.tolist(), strict=True)),
    )


# --- intervention plan ----------------------------------------------------------------------


@frozen(kw_only=True)
class InterventionCell:
    """The action for one value tier x risk tier cell.

    Examples:
        >>> from crmkit.lifecycle import InterventionCell
        >>> InterventionCell(value_tier="high", risk_tier="high", action="personal_call").action
        'personal_call'
    """

    value_tier: str
    risk_tier: str
    action: str


def _cells(value: Iterable[InterventionCell]) -> tuple[InterventionCell, ...]:
    return tuple(value)


@frozen(kw_only=True)
class InterventionMatrix:
    """Which action to take for each value x risk cell, as data.

    Attributes:
        cells: One cell per (value tier, risk tier), each with its action.

    Raises:
        InvalidDefinitionError: If a (value, risk) pair is missing, repeated
            or has an empty action.

    Examples:
        >>> from crmkit.lifecycle import DEFAULT_MATRIX
        >>> DEFAULT_MATRIX.action("high", "high"), DEFAULT_MATRIX.action("low", "churned")
        ('personal_call', 'let_go')
    """

    cells: tuple[InterventionCell, ...] = field(converter=_cells)

    def __attrs_post_init__(self) -> None:
        problems = [] if self.cells else ["cells must not be empty"]
        pairs = [(c.value_tier, c.risk_tier) for c in self.cells]
        repeated = sorted({p for p in pairs if pairs.count(p) > 1})
        problems += [f"cell {p!r} is given more than once" for p in repeated]
        missing = [
            (a, b) for a in self.value_tiers for b in self.risk_tiers if (a, b) not in pairs
        ]
        problems += [f"cell {p!r} has no action" for p in missing]
        problems += [
            f"cell {(c.value_tier, c.risk_tier)!r} has an empty action"
            for c in self.cells
            if not isinstance(c.action, str) or not c.action.strip()
        ]
        if problems:
            msg = "invalid InterventionMatrix"
            raise InvalidDefinitionError(msg, problems=problems)

    @property
    def value_tiers(self) -> tuple[str, ...]:
        """The value tiers, in first-use order."""
        return tuple(dict.fromkeys(c.value_tier for c in self.cells))

    @property
    def risk_tiers(self) -> tuple[str, ...]:
        """The risk tiers, in first-use order."""
        return tuple(dict.fromkeys(c.risk_tier for c in self.cells))

    def action(self, value_tier: str, risk_tier: str) -> str:
        """The action for one cell.

        Examples:
            >>> from crmkit.lifecycle import DEFAULT_MATRIX
            >>> DEFAULT_MATRIX.action("medium", "low")
            'nurture'
        """
        v.check_str("value_tier", value_tier)
        v.check_str("risk_tier", risk_tier)
        if value_tier not in self.value_tiers:
            tiers = ", ".join(self.value_tiers)
            v.fail("value_tier", f"a value tier of the matrix ({tiers})", value_tier)
        if risk_tier not in self.risk_tiers:
            tiers = ", ".join(self.risk_tiers)
            v.fail("risk_tier", f"a risk tier of the matrix ({tiers})", risk_tier)
        return next(
            c.action for c in self.cells if (c.value_tier, c.risk_tier) == (value_tier, risk_tier)
        )


DEFAULT_MATRIX = InterventionMatrix(
    cells=[
        InterventionCell(value_tier=value, risk_tier=risk, action=action)
        for value, row in (
            ("high", ("keep", "personal_call", "personal_call", "win_back_offer")),
            ("medium", ("nurture", "nurture", "win_back_offer", "win_back_offer")),
            ("low", ("nurture", "let_go", "let_go", "let_go")),
        )
        for risk, action in zip(_RISK_TIERS, row, strict=True)
    ]
)
"""The layered intervention: keep, nurture, win-back offer, personal call or let go,
for value tiers high / medium / low by risk tiers low / medium / high / churned."""


@frozen(kw_only=True, repr=False)
class InterventionResult:
    """The action per customer, and how many customers get each.

    Attributes:
        action: The action per customer.
        counts: Customers per action, in the matrix's order of first use.

    Examples:
        >>> from crmkit.lifecycle import intervention_plan
        >>> intervention_plan(["high", "low"], ["high", "high"])
        InterventionResult(counts={'keep': 0, 'personal_call': 1, 'win_back_offer': 0, 'nurture': 0, 'let_go': 1})
    """  # noqa: E501

    action: NDArray[np.str_] = array_field()
    counts: dict[str, int] = field()

    def __repr__(self) -> str:
        return f"InterventionResult(counts={self.counts})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One column, `action`.

        Examples:
            >>> from crmkit.lifecycle import intervention_plan
            >>> intervention_plan(["high"], ["low"]).to_frame()["action"].tolist()
            ['keep']
        """
        return _frames.frame_from_columns({"action": self.action}, backend=backend)


def intervention_plan(
    value_tier: ArrayLike,
    risk_tier: ArrayLike,
    *,
    matrix: InterventionMatrix | None = None,
) -> InterventionResult:
    """Pick each customer's action from their value tier and risk tier.

    Vectorised: both tiers are looked up in a small table built from the matrix.

    Args:
        value_tier: Value tier per customer (e.g. A/B/C of
            [`pareto_abc`][crmkit.segmentation.pareto_abc] mapped to high,
            medium, low).
        risk_tier: Risk tier per customer (the tiers of
            [`churn_risk`][crmkit.lifecycle.churn_risk]).
        matrix: The actions; [`DEFAULT_MATRIX`][crmkit.lifecycle.DEFAULT_MATRIX]
            by default.

    Raises:
        InvalidInputError: If a tier is not in the matrix (first index and count)
            or the lengths differ.

    Examples:
        >>> from crmkit.lifecycle import intervention_plan
        >>> intervention_plan(["high", "medium", "low"], ["medium", "low", "churned"]).action.tolist()
        ['personal_call', 'nurture', 'let_go']
    """  # noqa: E501
    chosen = DEFAULT_MATRIX if matrix is None else matrix
    if not isinstance(chosen, InterventionMatrix):
        v.fail_type("matrix", "an InterventionMatrix", chosen)
    values = v.one_dimensional("value_tier", value_tier).astype(np.str_)
    risks = v.one_dimensional("risk_tier", risk_tier).astype(np.str_)
    v.same_length(value_tier=values, risk_tier=risks)
    value_index = _columns.positions(
        "value_tier", values, chosen.value_tiers, "tiers of the matrix"
    )
    risk_index = _columns.positions("risk_tier", risks, chosen.risk_tiers, "tiers of the matrix")
    actions = tuple(dict.fromkeys(c.action for c in chosen.cells))
    table = np.empty((len(chosen.value_tiers), len(chosen.risk_tiers)), dtype=np.int64)
    for cell in chosen.cells:
        table[
            chosen.value_tiers.index(cell.value_tier), chosen.risk_tiers.index(cell.risk_tier)
        ] = actions.index(cell.action)
    action = table[value_index, risk_index]
    counts = np.bincount(action, minlength=len(actions))
    return InterventionResult(
        action=np.asarray(actions)[action],
        counts=dict(zip(actions, counts.tolist(), strict=True)),
    )
