"""Lifecycle: declarative stage machines, and stages classified from behaviour.

State machines are frozen rules values (`StateMachine`, `Transition`) with pure
operations (`fire`, `allowed_events`, `replay`, a vectorised `fire_many`,
`to_mermaid`), and stock machines: `CUSTOMER_LIFECYCLE`, `SALES_PIPELINE`,
`TOP_IN_BEST_WIN`, `MARKETING_STAGES`, `SALESFORCE_OPPORTUNITY`,
`ODOO_PIPELINE`. Stages from behaviour (`classify_stages` with `StageRules`),
churn early warning (`churn_risk`) and the layered intervention plan
(`intervention_plan` with `DEFAULT_MATRIX`).

Examples:
    >>> from crmkit.lifecycle import CUSTOMER_LIFECYCLE
    >>> CUSTOMER_LIFECYCLE.fire("prospect", "first_purchase").target
    'new'
"""

from crmkit.lifecycle.machine import FireManyResult, History, StateMachine, Step, Transition
from crmkit.lifecycle.presets import (
    CUSTOMER_LIFECYCLE,
    MARKETING_STAGES,
    ODOO_PIPELINE,
    SALES_PIPELINE,
    SALESFORCE_OPPORTUNITY,
    TOP_IN_BEST_WIN,
)
from crmkit.lifecycle.stages import (
    DEFAULT_MATRIX,
    STAGES,
    ChurnRiskResult,
    InterventionCell,
    InterventionMatrix,
    InterventionResult,
    StageMethod,
    StageResult,
    StageRules,
    churn_risk,
    classify_stages,
    intervention_plan,
)

__all__ = [
    "CUSTOMER_LIFECYCLE",
    "DEFAULT_MATRIX",
    "MARKETING_STAGES",
    "ODOO_PIPELINE",
    "SALESFORCE_OPPORTUNITY",
    "SALES_PIPELINE",
    "STAGES",
    "TOP_IN_BEST_WIN",
    "ChurnRiskResult",
    "FireManyResult",
    "History",
    "InterventionCell",
    "InterventionMatrix",
    "InterventionResult",
    "StageMethod",
    "StageResult",
    "StageRules",
    "StateMachine",
    "Step",
    "Transition",
    "churn_risk",
    "classify_stages",
    "intervention_plan",
]
