"""Segmentation: who is a high-value customer, and who is slipping away.

RFM summaries and scores (`rfm_summary`, `score_rfm`); segment schemes kept
as data (`SegmentScheme`, with the `STANDARD_SEGMENTS` and `RF_GRID` presets)
and `assign_segments`; value segmentation (`pareto_abc`, `lorenz_curve`,
`gini_coefficient`, `value_matrix`, `kmeans_segments`); and rule-set presets
for B2C shops, B2B accounts and value classes (`b2c_rules`, `b2b_rules`,
`value_class_rules`) over `customer_features`, applied with
`crmkit.rules.apply_rules`.

Examples:
    >>> from datetime import date
    >>> from crmkit.datasets import load_sample
    >>> from crmkit.segmentation import rfm_summary, score_rfm
    >>> scores = score_rfm(rfm_summary(load_sample().transactions, as_of=date(2025, 1, 1)))
    >>> scores.n_bins
    5
"""

from crmkit.segmentation.rfm import (
    Monetary,
    Occasions,
    RfmScores,
    RfmSummary,
    ScoreMethod,
    Ties,
    rfm_summary,
    score_rfm,
)
from crmkit.segmentation.rule_sets import (
    B2B_RULES,
    B2C_RULES,
    VALUE_CLASS_RULES,
    CustomerFeatures,
    b2b_rules,
    b2c_rules,
    customer_features,
    value_class_rules,
)
from crmkit.segmentation.schemes import (
    RF_GRID,
    STANDARD_SEGMENTS,
    Match,
    ScoreBox,
    Segment,
    SegmentResult,
    SegmentScheme,
    assign_segments,
)
from crmkit.segmentation.value import (
    KMeansResult,
    LorenzCurve,
    ParetoResult,
    ValueMatrixResult,
    gini_coefficient,
    kmeans_segments,
    lorenz_curve,
    pareto_abc,
    value_matrix,
)

__all__ = [
    "B2B_RULES",
    "B2C_RULES",
    "RF_GRID",
    "STANDARD_SEGMENTS",
    "VALUE_CLASS_RULES",
    "CustomerFeatures",
    "KMeansResult",
    "LorenzCurve",
    "Match",
    "Monetary",
    "Occasions",
    "ParetoResult",
    "RfmScores",
    "RfmSummary",
    "ScoreBox",
    "ScoreMethod",
    "Segment",
    "SegmentResult",
    "SegmentScheme",
    "Ties",
    "ValueMatrixResult",
    "assign_segments",
    "b2b_rules",
    "b2c_rules",
    "customer_features",
    "gini_coefficient",
    "kmeans_segments",
    "lorenz_curve",
    "pareto_abc",
    "rfm_summary",
    "score_rfm",
    "value_class_rules",
    "value_matrix",
]
