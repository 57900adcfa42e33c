"""Metrics: survey scores, retention and churn, economics, service levels, KPIs.

Survey metrics with their statistics (`net_promoter_score`, `compare_nps`,
`csat_score`, `ces_score`, `proportion_ci`, `two_proportion_test`,
`uplift_test`, sample sizes); retention and churn (`retention_rate`,
`churn_rate`, set-based rates, `period_retention`, `cohort_retention`,
`revenue_retention`); survival (`kaplan_meier`, `customer_tenure`); service levels
(`service_levels`, `repeat_contact_rate`). More metrics are being added.

Examples:
    >>> from crmkit.metrics import net_promoter_score
    >>> net_promoter_score([10, 9, 9, 8, 7, 10, 3, 6, 9, 10]).score
    40.0
"""

from crmkit.metrics.retention import (
    CohortMatrix,
    CohortMetric,
    CohortMode,
    Period,
    PeriodRetention,
    RevenueRetention,
    churn_rate,
    cohort_retention,
    period_retention,
    retention_rate,
    revenue_retention,
    set_churn_rate,
    set_retention_rate,
)
from crmkit.metrics.service import (
    DurationSummary,
    RepeatContactResult,
    ServiceLevelResult,
    repeat_contact_rate,
    service_levels,
)
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
from crmkit.metrics.survival import (
    CustomerTenure,
    KaplanMeierResult,
    customer_tenure,
    kaplan_meier,
)

__all__ = [
    "CesResult",
    "CohortMatrix",
    "CohortMetric",
    "CohortMode",
    "CsatResult",
    "CustomerTenure",
    "DurationSummary",
    "KaplanMeierResult",
    "NpsComparison",
    "NpsMethod",
    "NpsResult",
    "Period",
    "PeriodRetention",
    "ProportionInterval",
    "ProportionMethod",
    "ProportionTest",
    "RepeatContactResult",
    "RevenueRetention",
    "ServiceLevelResult",
    "ab_sample_size",
    "ces_score",
    "churn_rate",
    "cohort_retention",
    "compare_nps",
    "csat_score",
    "customer_tenure",
    "kaplan_meier",
    "net_promoter_score",
    "nps_sample_size",
    "period_retention",
    "proportion_ci",
    "repeat_contact_rate",
    "retention_rate",
    "revenue_retention",
    "service_levels",
    "set_churn_rate",
    "set_retention_rate",
    "two_proportion_test",
    "uplift_test",
]
