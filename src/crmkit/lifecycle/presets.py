"""Stock machines: the customer lifecycle, sales pipelines and marketing stages.

They are ordinary [`StateMachine`][crmkit.lifecycle.StateMachine] values: copy
one with `attrs.evolve` (or edit its JSON) to fit your business.
"""

from __future__ import annotations

from crmkit.lifecycle.machine import StateMachine, Transition
from crmkit.rules import Condition

__all__ = [
    "CUSTOMER_LIFECYCLE",
    "MARKETING_STAGES",
    "ODOO_PIPELINE",
    "SALESFORCE_OPPORTUNITY",
    "SALES_PIPELINE",
    "TOP_IN_BEST_WIN",
]


def _pipeline(
    name: str,
    steps: list[tuple[str, str]],
    probabilities: dict[str, float],
    *,
    won: str,
    lost: str,
    win_event: str = "win",
    lose_event: str = "lose",
    forecast_categories: dict[str, str] | None = None,
) -> StateMachine:
    """A linear pipeline: each (event, stage) advances one stage; won and lost close it."""
    open_stages = [stage for _, stage in steps]
    transitions = [
        Transition(event=event, sources=[before], target=after)
        for (event, after), before in zip(steps[1:], open_stages[:-1], strict=True)
    ]
    transitions.append(Transition(event=win_event, sources=open_stages[-2:], target=won))
    transitions.append(Transition(event=lose_event, sources=open_stages, target=lost))
    return StateMachine(
        name=name,
        stages=[*open_stages, won, lost],
        initial=open_stages[0],
        terminal=[won, lost],
        transitions=transitions,
        probabilities=probabilities,
        forecast_categories=forecast_categories,
    )


CUSTOMER_LIFECYCLE = StateMachine(
    name="customer_lifecycle",
    stages=["prospect", "new", "active", "loyal", "at_risk", "churned", "reactivated"],
    initial="prospect",
    transitions=[
        Transition(event="first_purchase", sources=["prospect"], target="new"),
        Transition(event="repeat_purchase", sources=["new", "reactivated"], target="active"),
        Transition(
            event="become_loyal",
            sources=["active"],
            target="loyal",
            guard=[Condition(field="orders", op=">=", value=5)],
        ),
        Transition(
            event="warn", sources=["new", "active", "loyal", "reactivated"], target="at_risk"
        ),
        Transition(event="recover", sources=["at_risk"], target="active"),
        Transition(event="churn", sources=["at_risk"], target="churned"),
        Transition(event="win_back", sources=["churned"], target="reactivated"),
    ],
    phases={
        "prospect": "acquisition",
        "new": "conversion",
        "active": "growth",
        "loyal": "growth",
        "at_risk": "retention",
        "churned": "win-back",
        "reactivated": "win-back",
    },
)
"""Prospect to new (first purchase) to active and loyal, at risk, churned, reactivated.

`become_loyal` needs `orders >= 5` in the context; `warn` is the churn early
warning, `win_back` the reactivation. Each stage carries its phase
(acquisition, conversion, growth, retention, win-back).
"""

SALES_PIPELINE = _pipeline(
    "sales_pipeline",
    [
        ("", "initial_contact"),
        ("qualify", "needs_confirmed"),
        ("propose", "proposal"),
        ("negotiate", "negotiation"),
    ],
    {
        "initial_contact": 0.1,
        "needs_confirmed": 0.25,
        "proposal": 0.5,
        "negotiation": 0.75,
        "won": 1.0,
        "lost": 0.0,
    },
    won="won",
    lost="lost",
)
"""Initial contact, needs confirmed, proposal, negotiation, then won or lost.

`win` closes from proposal or negotiation; `lose` from any open stage. Each
stage has a default win probability.
"""

TOP_IN_BEST_WIN = _pipeline(
    "top_in_best_win",
    [("", "prospect"), ("screen", "top"), ("visit", "in"), ("negotiate", "best")],
    {"prospect": 0.05, "top": 0.2, "in": 0.5, "best": 0.8, "win": 1.0, "lost": 0.0},
    won="win",
    lost="lost",
)
"""Prospect, TOP (screened), IN (visited and quoted), BEST (negotiating), WIN or lost."""

MARKETING_STAGES = StateMachine(
    name="marketing_stages",
    stages=["subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist"],
    initial="subscriber",
    transitions=[
        Transition(event="convert", sources=["subscriber"], target="lead"),
        Transition(event="qualify_marketing", sources=["subscriber", "lead"], target="mql"),
        Transition(event="qualify_sales", sources=["lead", "mql"], target="sql"),
        Transition(event="open_opportunity", sources=["sql"], target="opportunity"),
        Transition(
            event="purchase", sources=["lead", "mql", "sql", "opportunity"], target="customer"
        ),
        Transition(event="advocate", sources=["customer"], target="evangelist"),
        Transition(
            event="reset",
            sources=["lead", "mql", "sql", "opportunity", "customer", "evangelist"],
            target="subscriber",
        ),
    ],
    forward_only=True,
    reset_event="reset",
)
"""Subscriber to lead, MQL, SQL, opportunity, customer, evangelist; forward only.

Stages may be skipped forward; the only way back is the explicit `reset` event.
"""

SALESFORCE_OPPORTUNITY = _pipeline(
    "salesforce_opportunity",
    [
        ("", "prospecting"),
        ("qualify", "qualification"),
        ("analyse_needs", "needs_analysis"),
        ("propose_value", "value_proposition"),
        ("identify_decision_makers", "id_decision_makers"),
        ("analyse_perception", "perception_analysis"),
        ("quote", "proposal_price_quote"),
        ("negotiate", "negotiation_review"),
    ],
    {
        "prospecting": 0.1,
        "qualification": 0.1,
        "needs_analysis": 0.2,
        "value_proposition": 0.5,
        "id_decision_makers": 0.6,
        "perception_analysis": 0.7,
        "proposal_price_quote": 0.75,
        "negotiation_review": 0.9,
        "closed_won": 1.0,
        "closed_lost": 0.0,
    },
    won="closed_won",
    lost="closed_lost",
    forecast_categories={
        "prospecting": "pipeline",
        "qualification": "pipeline",
        "needs_analysis": "pipeline",
        "value_proposition": "pipeline",
        "id_decision_makers": "pipeline",
        "perception_analysis": "best_case",
        "proposal_price_quote": "best_case",
        "negotiation_review": "commit",
        "closed_won": "closed",
        "closed_lost": "omitted",
    },
)
"""Salesforce's standard opportunity stages with their default probabilities and
forecast categories (pipeline, best case, commit, closed, omitted)."""

ODOO_PIPELINE = _pipeline(
    "odoo_pipeline",
    [("", "new"), ("qualify", "qualified"), ("propose", "proposition")],
    {"new": 0.1, "qualified": 0.3, "proposition": 0.7, "won": 1.0, "lost": 0.0},
    won="won",
    lost="lost",
)
"""Odoo CRM's default stages: New 10 %, Qualified 30 %, Proposition 70 %, Won 100 %."""
