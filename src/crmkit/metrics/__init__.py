"""Metrics: survey scores, retention and churn, economics, and CLV models.

Planned (issues "Metrics" and "CLV"): NPS, CSAT and CES with their
statistics; retention, churn, cohorts and survival; ROI and unit economics;
service levels; and, in `crmkit.metrics.clv`, the probabilistic
customer-base models. Nothing here is available yet.
"""

__all__: list[str] = []
