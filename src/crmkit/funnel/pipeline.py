"""The weighted pipeline: open deals valued at their stage's win probability."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.lifecycle import StateMachine

__all__ = ["ClosePeriod", "WeightedPipeline", "weighted_pipeline"]

FloatArray = NDArray[np.float64]

ClosePeriod = Literal["month", "quarter", "year"]
"""How expected close dates are grouped."""

GroupBy = Literal["stage", "period"]


@frozen(kw_only=True, repr=False)
class WeightedPipeline:
    """Open deals by stage and by forecast category, valued at their win probability.

    Attributes:
        stages: The pipeline's stages, in its order.
        n_deals: Deals in each stage.
        amount: Total amount in each stage.
        probability: Win probability used for each stage.
        weighted: amount x probability, per stage.
        categories: Forecast category of each stage ("" when the pipeline has none).
        total_amount: All deals' amount.
        total_weighted: All deals' weighted amount (the expected revenue).
        period: How close dates were grouped ("month", "quarter", "year"), or
            None when no close dates were given.
        periods: The expected-close periods with deals, in time order
            ("unscheduled" last, for deals without a date).
        period_n_deals: Deals in each period.
        period_amount: Total amount in each period.
        period_weighted: Weighted amount in each period.

    Examples:
        >>> from crmkit.funnel import weighted_pipeline
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> wp = weighted_pipeline([1000.0, 2000.0, 500.0],
        ...                        ["proposal", "negotiation", "proposal"], SALES_PIPELINE)
        >>> wp.total_weighted    # 1500 x 0.5 + 2000 x 0.75
        2250.0
    """

    stages: tuple[str, ...] = field()
    n_deals: NDArray[np.int64] = array_field()
    amount: FloatArray = array_field()
    probability: FloatArray = array_field()
    weighted: FloatArray = array_field()
    categories: tuple[str, ...] = field()
    total_amount: float = field()
    total_weighted: float = field()
    period: ClosePeriod | None = field(default=None)
    periods: tuple[str, ...] = field(default=())
    period_n_deals: NDArray[np.int64] = array_field(factory=lambda: np.zeros(0, np.int64))
    period_amount: FloatArray = array_field(factory=lambda: np.zeros(0))
    period_weighted: FloatArray = array_field(factory=lambda: np.zeros(0))

    def __repr__(self) -> str:
        return (
            f"WeightedPipeline(n_deals={int(self.n_deals.sum())}, "
            f"total_amount={self.total_amount:.6g}, total_weighted={self.total_weighted:.6g})"
        )

    def by_period(self) -> Mapping[str, tuple[float, float]]:
        """(amount, weighted amount) per expected-close period, in time order.

        Deals without a close date come last, as "unscheduled". Empty when
        the pipeline was built without close dates.

        Examples:
            >>> from datetime import date
            >>> from crmkit.funnel import weighted_pipeline
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> wp = weighted_pipeline([1000.0, 2000.0, 400.0],
            ...                        ["proposal", "negotiation", "proposal"], SALES_PIPELINE,
            ...                        expected_close=[date(2025, 2, 10), date(2025, 3, 31),
            ...                                        date(2025, 4, 2)], period="quarter")
            >>> wp.by_period()
            {'2025-Q1': (3000.0, 2000.0), '2025-Q2': (400.0, 200.0)}
        """
        pairs = zip(self.period_amount.tolist(), self.period_weighted.tolist(), strict=True)
        return dict(zip(self.periods, pairs, strict=True))

    def by_category(self) -> Mapping[str, tuple[float, float]]:
        """(amount, weighted amount) per forecast category, in the order the stages name them.

        Empty for a pipeline without forecast categories.

        Examples:
            >>> from crmkit.funnel import weighted_pipeline
            >>> from crmkit.lifecycle import SALESFORCE_OPPORTUNITY
            >>> stages = SALESFORCE_OPPORTUNITY.stages
            >>> wp = weighted_pipeline([100.0, 100.0], [stages[0], stages[-3]],
            ...                        SALESFORCE_OPPORTUNITY)
            >>> list(wp.by_category())
            ['pipeline', 'best_case', 'commit', 'closed', 'omitted']
        """
        totals: dict[str, tuple[float, float]] = {}
        for category, amount, weighted in zip(
            self.categories, self.amount, self.weighted, strict=True
        ):
            if not category:
                continue
            before = totals.get(category, (0.0, 0.0))
            totals[category] = (before[0] + float(amount), before[1] + float(weighted))
        return totals

    def to_frame(self, backend: Backend = "pandas", *, by: GroupBy = "stage") -> Any:
        """One row per stage, or with `by="period"` one per expected-close period.

        By stage the columns are `stage, category, n_deals, amount,
        probability, weighted`; by period `period, n_deals, amount, weighted`.

        Raises:
            InvalidInputError: If `by="period"` and the pipeline has no close dates.

        Examples:
            >>> from crmkit.funnel import weighted_pipeline
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> frame = weighted_pipeline([1000.0], ["proposal"], SALES_PIPELINE).to_frame()
            >>> frame.columns.tolist()
            ['stage', 'category', 'n_deals', 'amount', 'probability', 'weighted']
        """
        v.check_choice("by", by, ("stage", "period"))
        if by == "period":
            if self.period is None:
                v.fail("by", "'stage' (the pipeline was built without expected_close)", by)
            by_period = {
                "period": np.array(self.periods, dtype=np.str_),
                "n_deals": self.period_n_deals,
                "amount": self.period_amount,
                "weighted": self.period_weighted,
            }
            return _frames.frame_from_columns(by_period, backend=backend)
        columns = {
            "stage": np.array(self.stages),
            "category": np.array(self.categories),
            "n_deals": self.n_deals,
            "amount": self.amount,
            "probability": self.probability,
            "weighted": self.weighted,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def weighted_pipeline(
    amounts: ArrayLike,
    stages: ArrayLike,
    pipeline: StateMachine,
    *,
    probabilities: Mapping[str, float] | None = None,
    expected_close: ArrayLike | None = None,
    period: ClosePeriod = "month",
) -> WeightedPipeline:
    """Value each deal at amount x its stage's win probability, summed by stage and period.

    Deals are summed by stage and, given *expected_close*, by the month,
    quarter or year they are expected to close in.

    Args:
        amounts: Amount of each deal (>= 0).
        stages: Stage of each deal: a stage of *pipeline*.
        pipeline: The pipeline definition (e.g. `crmkit.lifecycle.SALES_PIPELINE`).
        probabilities: Win probability per stage, replacing the pipeline's
            stated ones (e.g. those a Markov fit estimated); stages left out
            keep the pipeline's.
        expected_close: Expected close date of each deal (dates, datetime64
            or ISO strings; a missing date, NaT or None, counts as "unscheduled").
        period: How close dates are grouped: "month" ("2025-03"), "quarter"
            ("2025-Q1") or "year" ("2025").

    Raises:
        InvalidInputError: If a stage is not in the pipeline, an amount is
            negative, lengths differ, a probability is outside [0, 1], a
            stage with deals has no probability, or *period* is unknown.
        InvalidTypeError: If *pipeline* is not a `StateMachine`.

    Examples:
        >>> from crmkit.funnel import weighted_pipeline
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> wp = weighted_pipeline([1000.0, 2000.0], ["proposal", "negotiation"],
        ...                        SALES_PIPELINE, probabilities={"proposal": 0.4})
        >>> wp.total_weighted    # 1000 x 0.4 + 2000 x 0.75
        1900.0
    """
    if not isinstance(pipeline, StateMachine):
        v.fail_type("pipeline", "a StateMachine (a pipeline definition)", pipeline)
    values = v.float_array("amounts", amounts, low=0.0, allow_empty=True)
    labels = v.one_dimensional("stages", stages)
    v.same_length(amounts=values, stages=labels)
    codes = _columns.positions("stages", labels, pipeline.stages, "stages of the pipeline")
    stated = {**pipeline.probabilities, **_checked(probabilities, pipeline)}
    n = np.bincount(codes, minlength=len(pipeline.stages))
    missing = [
        stage
        for stage, count in zip(pipeline.stages, n, strict=True)
        if count and stage not in stated
    ]
    if missing:
        v.fail(
            "probabilities",
            "a win probability for every stage with deals",
            v.described(f"none for {', '.join(missing)}"),
        )
    chance = np.array([stated.get(stage, 0.0) for stage in pipeline.stages])
    amount = np.bincount(codes, weights=values, minlength=len(pipeline.stages)).astype(np.float64)
    weighted = amount * chance
    grouping = v.check_choice("period", period, ("month", "quarter", "year"))
    by_period = (
        {}
        if expected_close is None
        else _by_period(
            close_days("expected_close", expected_close, values.size),
            grouping,
            values,
            values * chance[codes],
        )
    )
    return WeightedPipeline(
        stages=pipeline.stages,
        n_deals=n.astype(np.int64),
        amount=amount,
        probability=chance,
        weighted=weighted,
        categories=tuple(pipeline.forecast_categories.get(stage, "") for stage in pipeline.stages),
        total_amount=float(values.sum()),
        total_weighted=float(weighted.sum()),
        **by_period,
    )


def close_days(
    argument: str, close_dates: ArrayLike, n: int, *, per: str = "deal"
) -> NDArray[np.datetime64]:
    """One expected close day per item as `datetime64[D]`; missing dates are NaT.

    Accepts datetime64, dates, datetimes (aware ones are read in UTC) and ISO
    strings; None, NaN and pandas' NaT are missing. Numbers are refused rather
    than read as days since 1970.
    """
    array = v.one_dimensional(argument, close_dates)
    if array.size != n:
        v.fail(argument, f"one date per {per} ({n})", v.described(f"{array.size} values"))
    if array.dtype.kind == "M" or array.size == 0:
        days: NDArray[np.datetime64] = array.astype("datetime64[D]")
        return days
    allowed = "dates, datetimes, datetime64 or ISO strings (None or NaT when unknown)"
    if array.dtype.kind not in "OUS":
        v.fail_type(argument, allowed, v.described(f"an array of dtype {array.dtype}"))
    parsed = [_close_day(value) for value in array.tolist()]
    bad = np.array([day is _NOT_A_DATE for day in parsed], dtype=bool)
    if bad.any():
        v.fail_rows(argument, allowed, array.astype(object), bad)
    return np.array(parsed, dtype="datetime64[D]")


_NOT_A_DATE = object()


def _close_day(value: object) -> Any:
    """A value as a numpy day, NaT when missing, or `_NOT_A_DATE`."""
    if value is None or (isinstance(value, float) and value != value) or value != value:
        return np.datetime64("NaT", "D")  # None, NaN, pandas' NaT (unequal to itself)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo is not None else value
        return np.datetime64(moment.date(), "D")
    if isinstance(value, date):
        return np.datetime64(value, "D")
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]")
    if isinstance(value, str):
        try:
            return _close_day(datetime.fromisoformat(value.strip()))
        except ValueError:
            return _NOT_A_DATE
    return _NOT_A_DATE


def _by_period(
    days: NDArray[np.datetime64], period: str, amount: FloatArray, weighted: FloatArray
) -> dict[str, Any]:
    months = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    unscheduled = np.isnat(days)
    # Missing dates get a key after every real one, so "unscheduled" sorts last.
    keys = np.where(unscheduled, np.iinfo(np.int64).max, months // step)
    present, which = np.unique(keys, return_inverse=True)
    labels = [
        "unscheduled" if key == np.iinfo(np.int64).max else _period_label(int(key), period)
        for key in present.tolist()
    ]
    return {
        "period": period,
        "periods": tuple(labels),
        "period_n_deals": np.bincount(which, minlength=present.size).astype(np.int64),
        "period_amount": np.bincount(which, weights=amount, minlength=present.size),
        "period_weighted": np.bincount(which, weights=weighted, minlength=present.size),
    }


def _period_label(key: int, period: str) -> str:
    if period == "year":
        return str(1970 + key)
    if period == "quarter":
        return f"{1970 + key // 4}-Q{key % 4 + 1}"
    return f"{1970 + key // 12}-{key % 12 + 1:02d}"


def _checked(
    probabilities: Mapping[str, float] | None, pipeline: StateMachine
) -> dict[str, float]:
    if probabilities is None:
        return {}
    if not isinstance(probabilities, Mapping):
        v.fail_type("probabilities", "a mapping of stage to probability", probabilities)
    checked = {}
    for stage, value in probabilities.items():
        if stage not in pipeline.stages:
            v.fail(
                "probabilities", f"stages of the pipeline ({', '.join(pipeline.stages)})", stage
            )
        checked[stage] = v.check_float(f"probabilities[{stage!r}]", value, low=0.0, high=1.0)
    return checked
