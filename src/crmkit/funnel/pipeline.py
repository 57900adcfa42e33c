"""The weighted pipeline: open deals valued at their stage's win probability."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.lifecycle import StateMachine

__all__ = ["WeightedPipeline", "weighted_pipeline"]

FloatArray = NDArray[np.float64]


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

    def __repr__(self) -> str:
        return (
            f"WeightedPipeline(n_deals={int(self.n_deals.sum())}, "
            f"total_amount={self.total_amount:.6g}, total_weighted={self.total_weighted:.6g})"
        )

    def by_category(self) -> Mapping[str, tuple[float, float]]:
        """(amount, weighted amount) per forecast category, in the order the stages name them.

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
            before = totals.get(category, (0.0, 0.0))
            totals[category] = (before[0] + float(amount), before[1] + float(weighted))
        return totals

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per stage: `stage, category, n_deals, amount, probability, weighted`.

        Examples:
            >>> from crmkit.funnel import weighted_pipeline
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> frame = weighted_pipeline([1000.0], ["proposal"], SALES_PIPELINE).to_frame()
            >>> frame.columns.tolist()
            ['stage', 'category', 'n_deals', 'amount', 'probability', 'weighted']
        """
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
) -> WeightedPipeline:
    """Value each deal at amount x its stage's win probability, summed by stage.

    Args:
        amounts: Amount of each deal (>= 0).
        stages: Stage of each deal: a stage of *pipeline*.
        pipeline: The pipeline definition (e.g. `crmkit.lifecycle.SALES_PIPELINE`).
        probabilities: Win probability per stage, replacing the pipeline's
            stated ones (e.g. those a Markov fit estimated); stages left out
            keep the pipeline's.

    Raises:
        InvalidInputError: If a stage is not in the pipeline, an amount is
            negative, lengths differ, a probability is outside [0, 1], or a
            stage with deals has no probability.
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
    return WeightedPipeline(
        stages=pipeline.stages,
        n_deals=n.astype(np.int64),
        amount=amount,
        probability=chance,
        weighted=weighted,
        categories=tuple(pipeline.forecast_categories.get(stage, "") for stage in pipeline.stages),
        total_amount=float(values.sum()),
        total_weighted=float(weighted.sum()),
    )


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
