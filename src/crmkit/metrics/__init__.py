"""Metrics: survey scores, retention and churn, economics, service levels, KPIs.

Survey metrics with their statistics (`net_promoter_score`, `compare_nps`,
`csat_score`, `ces_score`, `proportion_ci`, `two_proportion_test`,
`uplift_test`, sample sizes). More metrics are being added.

Examples:
    >>> from crmkit.metrics import net_promoter_score
    >>> net_promoter_score([10, 9, 9, 8, 7, 10, 3, 6, 9, 10]).score
    40.0
"""

from crmkit.metrics.survey import (
    CesResult,
    CsatResult,
    NpsComparison,
    NpsMethod,
    NpsResult,
    ProportionInterval,
    ProportionMethod,
    ProportionTest,
    ab_sample_size,
    ces_score,
    compare_nps,
    csat_score,
    net_promoter_score,
    nps_sample_size,
    proportion_ci,
    two_proportion_test,
    uplift_test,
)

__all__ = [
    "CesResult",
    "CsatResult",
    "NpsComparison",
    "NpsMethod",
    "NpsResult",
    "ProportionInterval",
    "ProportionMethod",
    "ProportionTest",
    "ab_sample_size",
    "ces_score",
    "compare_nps",
    "csat_score",
    "net_promoter_score",
    "nps_sample_size",
    "proportion_ci",
    "two_proportion_test",
    "uplift_test",
]
