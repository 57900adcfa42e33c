"""Meta-tests over every public name: docstrings with examples, and wrong types named.

When an issue adds a public function or method, it must be added to `VALID_CALLS`
below: `test_every_public_callable_is_covered` fails until it is.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmkit import Transactions, io
from crmkit.datasets import (
    load_sample,
    simulate_leads,
    simulate_pipeline,
    simulate_survey_responses,
    simulate_transactions,
)
from crmkit.errors import CrmkitError
from crmkit.funnel import (
    ActivityPoints,
    RuleScorecard,
    ScoreRule,
    StageHistory,
    calibration_report,
    fit_logistic_scorer,
    fit_markov_pipeline,
    fit_naive_bayes_scorer,
    forecast_distribution,
    sales_velocity,
    score_leads,
    stage_conversion,
    stage_velocity,
    weighted_pipeline,
)
from crmkit.lifecycle import (
    CUSTOMER_LIFECYCLE,
    DEFAULT_MATRIX,
    SALES_PIPELINE,
    StageRules,
    churn_risk,
    classify_stages,
    intervention_plan,
)
from crmkit.loyalty import (
    STANDARD_TIERS,
    Expiry,
    Ledger,
    Program,
    Promotion,
    TierPolicy,
    adjust,
    award,
    balance,
    earn,
    estimate_breakage,
    evaluate_tier,
    expire,
    liability,
    points_for_transactions,
    pooled_balance,
    redeem,
    redeem_pooled,
    replay_events,
    reverse,
    review_tiers,
    statement,
    transfer,
)
from crmkit.metrics import (
    ab_sample_size,
    arpu,
    cac,
    cac_payback_months,
    ces_score,
    churn_rate,
    churn_revenue_loss,
    cohort_retention,
    compare_nps,
    csat_score,
    customer_tenure,
    incremental_roi,
    irr,
    kaplan_meier,
    kpi_report,
    ltv_to_cac,
    net_promoter_score,
    nps_sample_size,
    npv,
    payback_period,
    period_retention,
    proportion_ci,
    repeat_contact_rate,
    retention_profit_impact,
    retention_rate,
    revenue_retention,
    roi,
    service_levels,
    set_churn_rate,
    set_retention_rate,
    simple_ltv,
    two_proportion_test,
    uplift_test,
)
from crmkit.metrics.clv import (
    BgBbFit,
    GammaGammaFit,
    btyd_summary,
    customer_lifetime_value,
    evaluate_holdout,
    fit_bg_bb,
    fit_bg_nbd,
    fit_gamma_gamma,
    fit_modified_bg_nbd,
    fit_pareto_nbd,
    fit_shifted_beta_geometric,
    plot_holdout,
    plot_probability_alive,
    simulate_bg_bb,
    simulate_bg_nbd,
    simulate_gamma_gamma,
    simulate_modified_bg_nbd,
    simulate_pareto_nbd,
    simulate_shifted_beta_geometric,
)
from crmkit.models import Interaction, Money, Opportunity, SurveyResponse, Transaction
from crmkit.rules import Condition, Rule, RuleSet, apply_rules
from crmkit.segmentation import (
    RF_GRID,
    ScoreBox,
    SegmentScheme,
    assign_segments,
    b2b_rules,
    b2c_rules,
    customer_features,
    gini_coefficient,
    kmeans_segments,
    lorenz_curve,
    pareto_abc,
    rfm_summary,
    score_rfm,
    value_class_rules,
    value_matrix,
)
from crmkit.surveys import SurveyResponses

PUBLIC_MODULES = [
    "crmkit",
    "crmkit.errors",
    "crmkit.models",
    "crmkit.io",
    "crmkit.transactions",
    "crmkit.surveys",
    "crmkit.datasets",
    "crmkit.cli",
    "crmkit.rules",
    "crmkit.segmentation",
    "crmkit.lifecycle",
    "crmkit.lifecycle",
    "crmkit.loyalty",
    "crmkit.metrics",
    "crmkit.metrics.clv",
    "crmkit.funnel",
]


def public_objects() -> Iterator[tuple[str, Any]]:
    """Every name in every public module's __all__, once."""
    seen: set[int] = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) not in seen and (inspect.isclass(obj) or inspect.isfunction(obj)):
                seen.add(id(obj))
                yield f"{module_name}.{name}", obj


def public_methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Public functions and classmethods of a crmkit class, inherited ones included
    (not properties)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("crmkit"):
            continue
        for name, attribute in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(attribute, classmethod | staticmethod):
                yield name, attribute.__func__
            elif inspect.isfunction(attribute):
                yield name, attribute


def public_callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    for _, obj in public_objects():
        if inspect.isfunction(obj):
            yield obj.__name__, obj
        elif obj.__module__.startswith("crmkit"):
            for name, method in public_methods(obj):
                yield f"{obj.__name__}.{name}", method


class TestModules:
    @pytest.mark.parametrize("module_name", PUBLIC_MODULES)
    def test_every_public_module_has_a_docstring_and_all(self, module_name: str) -> None:
        """Each public module says what it is for and declares its public names."""
        module = importlib.import_module(module_name)

        assert (module.__doc__ or "").strip()
        assert isinstance(module.__all__, list)
        assert all(hasattr(module, name) for name in module.__all__)


class TestDocstrings:
    @pytest.mark.parametrize(("name", "obj"), list(public_objects()), ids=lambda x: str(x))
    def test_every_public_class_and_function_has_examples(self, name: str, obj: Any) -> None:
        """Every public name's docstring has a runnable `Examples:` section."""
        doc = obj.__doc__ or ""

        assert "Examples:" in doc, name
        assert ">>>" in doc, name

    @pytest.mark.parametrize(("name", "method"), list(public_callables()), ids=lambda x: str(x))
    def test_every_public_method_has_a_docstring_with_examples(
        self, name: str, method: Callable[..., Any]
    ) -> None:
        """Constructors and methods document themselves with a runnable example too."""
        doc = inspect.getdoc(method) or ""

        assert "Examples:" in doc, name
        assert ">>>" in doc, name


# --- wrong types are refused naming the argument ------------------------------------------

_AT = datetime(2025, 1, 1, tzinfo=UTC)
_DAYS = np.array(["2025-01-01", "2025-01-02"], dtype="datetime64[us]")
_TXNS = Transactions.from_arrays(customer_id=["a", "b"], at=_DAYS, amount=[1.0, 2.0])
_TXNS_WITH_REPEAT = Transactions.from_arrays(
    customer_id=["a", "a", "b"],
    at=np.array(["2025-01-01", "2025-02-01", "2025-01-05"], dtype="datetime64[us]"),
    amount=[1.0, 2.0, 3.0],
)
_SURVEY = SurveyResponses.from_arrays(kind="nps", customer_id=["a", "b"], at=_DAYS, score=[9, 3])
_FRAME = pd.DataFrame({"customer_id": ["a"], "at": pd.to_datetime(["2025-01-01"]), "amount": [1]})
_SURVEY_FRAME = pd.DataFrame(
    {"customer_id": ["a"], "at": pd.to_datetime(["2025-01-01"]), "score": [9]}
)

# name -> (callable, valid keyword arguments)
VALID_CALLS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "to_dict": (io.to_dict, {"obj": Money("1", "CNY")}),
    "from_dict": (io.from_dict, {"cls": Money, "data": {"amount": "1", "currency": "CNY"}}),
    "to_json": (io.to_json, {"obj": Money("1", "CNY"), "indent": None}),
    "from_json": (io.from_json, {"cls": Money, "text": '{"amount": "1", "currency": "CNY"}'}),
    "Money.zero": (Money.zero, {"currency": "CNY"}),
    "Transactions.from_arrays": (
        Transactions.from_arrays,
        {
            "customer_id": ["a", "b"],
            "at": _DAYS,
            "amount": [1.0, 2.0],
            "quantity": [1, 2],
            "category": ["x", "y"],
            "channel": ["web", "app"],
            "currency": "CNY",
            "negative_amounts": "reject",
        },
    ),
    "Transactions.from_records": (Transactions.from_records, {"records": []}),
    "Transactions.from_frame": (
        Transactions.from_frame,
        {
            "frame": _FRAME,
            "customer_id": "customer_id",
            "at": "at",
            "amount": "amount",
            "currency": "CNY",
            "negative_amounts": "reject",
        },
    ),
    "Transactions.until": (_TXNS.until, {"as_of": date(2025, 1, 1)}),
    "Transactions.to_frame": (_TXNS.to_frame, {"backend": "pandas"}),
    "SurveyResponses.from_arrays": (
        SurveyResponses.from_arrays,
        {"kind": "nps", "customer_id": ["a", "b"], "at": _DAYS, "score": [9, 3], "scale_max": 10},
    ),
    "SurveyResponses.from_records": (
        SurveyResponses.from_records,
        {"records": [SurveyResponse(id="s", customer_id="a", kind="nps", score=9, at=_AT)]},
    ),
    "SurveyResponses.from_frame": (
        SurveyResponses.from_frame,
        {
            "frame": _SURVEY_FRAME,
            "kind": "nps",
            "customer_id": "customer_id",
            "at": "at",
            "score": "score",
            "scale_max": 10,
        },
    ),
    "SurveyResponses.to_frame": (_SURVEY.to_frame, {"backend": "pandas"}),
    "load_sample": (load_sample, {}),
    "simulate_pipeline": (
        simulate_pipeline,
        {
            "n_opportunities": 5,
            "start": date(2024, 1, 1),
            "end": date(2024, 3, 31),
            "seed": 1,
            "pipeline": SALES_PIPELINE,
            "advance": (0.5, 0.5, 0.5, 0.0),
            "win": (0.0, 0.0, 0.2, 0.6),
            "mean_days": (5.0, 5.0, 5.0, 5.0),
        },
    ),
    "simulate_leads": (simulate_leads, {"n_leads": 5, "seed": 1}),
    "simulate_transactions": (
        simulate_transactions,
        {
            "n_customers": 3,
            "start": date(2024, 1, 1),
            "end": date(2024, 2, 1),
            "seed": 1,
            "r": 1.0,
            "alpha": 10.0,
            "a": 1.0,
            "b": 2.0,
            "spend_p": 2.0,
            "spend_q": 3.0,
            "spend_gamma": 10.0,
            "currency": "CNY",
        },
    ),
    "simulate_survey_responses": (
        simulate_survey_responses,
        {
            "n_responses": 3,
            "kind": "nps",
            "shares": None,
            "start": date(2024, 1, 1),
            "end": date(2024, 2, 1),
            "n_customers": 5,
            "seed": 1,
        },
    ),
}

_SUMMARY = rfm_summary(_TXNS, as_of=date(2025, 1, 2))
_SCORES = score_rfm(_SUMMARY, n_bins=2)
_FEATURES = customer_features(_TXNS, as_of=date(2025, 1, 2))
_CONDITION = Condition(field="x", op=">=", value=1)
_TWO_BIN_SCHEME = SegmentScheme.from_codes(
    {f"{r}{f}{m}": "hi" if r == 2 else "lo" for r in (1, 2) for f in (1, 2) for m in (1, 2)},
    name="two",
    n_bins=2,
)
_RULES = RuleSet(name="r", fallback="no", rules=[Rule(name="yes", conditions=[_CONDITION])])

VALID_CALLS.update(
    {
        "rfm_summary": (
            rfm_summary,
            {
                "transactions": _TXNS,
                "as_of": date(2025, 1, 2),
                "monetary": "total",
                "occasions": "transactions",
            },
        ),
        "RfmSummary.to_frame": (_SUMMARY.to_frame, {"backend": "pandas"}),
        "score_rfm": (
            score_rfm,
            {
                "summary": _SUMMARY,
                "n_bins": 5,
                "method": "quantile",
                "thresholds": None,
                "ties": "average",
            },
        ),
        "RfmScores.to_frame": (_SCORES.to_frame, {"backend": "pandas"}),
        "ScoreBox.contains": (ScoreBox(r=(1, 2)).contains, {"r": 1, "f": 1, "m": 1}),
        "SegmentScheme.from_codes": (
            SegmentScheme.from_codes,
            {
                "codes": {
                    "111": "a",
                    "112": "a",
                    "121": "a",
                    "122": "a",
                    "211": "b",
                    "212": "b",
                    "221": "b",
                    "222": "b",
                },
                "name": "x",
                "n_bins": 2,
                "fallback": None,
            },
        ),
        "SegmentScheme.segment_of": (RF_GRID.segment_of, {"code": "555"}),
        "assign_segments": (assign_segments, {"scores": _SCORES, "scheme": _TWO_BIN_SCHEME}),
        "SegmentResult.to_frame": (
            assign_segments(_SCORES, scheme=_TWO_BIN_SCHEME).to_frame,
            {"backend": "pandas"},
        ),
        "SegmentResult.table": (
            assign_segments(_SCORES, scheme=_TWO_BIN_SCHEME).table,
            {"backend": "pandas"},
        ),
        "gini_coefficient": (gini_coefficient, {"values": [1.0, 2.0]}),
        "lorenz_curve": (lorenz_curve, {"values": [1.0, 2.0]}),
        "LorenzCurve.to_frame": (lorenz_curve([1.0, 2.0]).to_frame, {"backend": "pandas"}),
        "pareto_abc": (pareto_abc, {"values": [1.0, 2.0], "cuts": (0.8, 0.95), "ids": None}),
        "ParetoResult.to_frame": (pareto_abc([1.0, 2.0]).to_frame, {"backend": "pandas"}),
        "value_matrix": (
            value_matrix,
            {
                "current": [1.0, 2.0],
                "potential": [2.0, 1.0],
                "split": "median",
                "names": None,
                "ids": None,
            },
        ),
        "ValueMatrixResult.to_frame": (
            value_matrix([1.0, 2.0], [2.0, 1.0]).to_frame,
            {"backend": "pandas"},
        ),
        "kmeans_segments": (
            kmeans_segments,
            {
                "features": {"x": [1.0, 2.0, 9.0]},
                "k": 2,
                "seed": 1,
                "n_init": 2,
                "n_iter": 5,
                "ids": None,
            },
        ),
        "KMeansResult.to_frame": (
            kmeans_segments({"x": [1.0, 2.0, 9.0]}, k=2, seed=1).to_frame,
            {"backend": "pandas"},
        ),
        "KMeansResult.profiles": (
            kmeans_segments({"x": [1.0, 2.0, 9.0]}, k=2, seed=1).profiles,
            {"backend": "pandas"},
        ),
        "customer_features": (
            customer_features,
            {"transactions": _TXNS, "as_of": date(2025, 1, 2)},
        ),
        "CustomerFeatures.columns": (_FEATURES.columns, {}),
        "CustomerFeatures.to_frame": (_FEATURES.to_frame, {"backend": "pandas"}),
        "b2c_rules": (
            b2c_rules,
            {
                "recent_days": 90,
                "high_value_orders_per_month": 2.0,
                "high_order_value": 300.0,
                "low_orders_per_month": 0.5,
                "lapsed_days": 180,
                "frequent_orders_per_month": 1.0,
                "new_days": 90,
            },
        ),
        "b2b_rules": (
            b2b_rules,
            {
                "strategic_revenue": 5e6,
                "strategic_years": 3.0,
                "growth_revenue": 1e6,
                "growth_rate": 0.2,
                "maintenance_revenue": 1e6,
            },
        ),
        "value_class_rules": (value_class_rules, {"top_share": 0.2}),
        "Condition.problems": (_CONDITION.problems, {}),
        "Condition.holds": (_CONDITION.holds, {"context": {"x": 2}}),
        "Condition.evaluate": (_CONDITION.evaluate, {"columns": {"x": np.array([1.0])}}),
        "apply_rules": (
            apply_rules,
            {"features": {"x": [1.0, 0.0]}, "rule_set": _RULES, "ids": None},
        ),
        "RuleResult.to_frame": (apply_rules({"x": [1.0]}, _RULES).to_frame, {"backend": "pandas"}),
    }
)

VALID_CALLS.update(
    {
        "net_promoter_score": (
            net_promoter_score,
            {
                "ratings": [10, 9, 3],
                "confidence": 0.9,
                "method": "bootstrap",
                "seed": 1,
                "n_resamples": 200,
            },
        ),
        "compare_nps": (compare_nps, {"first": [10, 3], "second": [9, 9], "confidence": 0.9}),
        "nps_sample_size": (
            nps_sample_size,
            {"margin": 5.0, "confidence": 0.9, "expected": (0.5, 0.2)},
        ),
        "proportion_ci": (
            proportion_ci,
            {"successes": 3, "n": 10, "confidence": 0.9, "method": "jeffreys"},
        ),
        "two_proportion_test": (
            two_proportion_test,
            {
                "successes_first": 5,
                "n_first": 100,
                "successes_second": 9,
                "n_second": 100,
                "confidence": 0.9,
            },
        ),
        "uplift_test": (
            uplift_test,
            {
                "treated_conversions": 9,
                "treated_n": 100,
                "control_conversions": 5,
                "control_n": 100,
                "confidence": 0.9,
            },
        ),
        "ab_sample_size": (ab_sample_size, {"p1": 0.05, "p2": 0.06, "power": 0.8, "alpha": 0.05}),
        "csat_score": (
            csat_score,
            {"ratings": [5, 4, 1], "scale": 5, "top_box": (4, 5), "confidence": 0.9},
        ),
        "ces_score": (
            ces_score,
            {"ratings": [7, 6, 1], "scale": 7, "higher_is_easier": True, "confidence": 0.9},
        ),
    }
)

_TENURE = customer_tenure(_TXNS, as_of=date(2025, 1, 2), churn_after_days=1)
_KM = kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])
_COHORTS = cohort_retention(_TXNS)
_SERVICE = service_levels(_DAYS, _DAYS, _DAYS, as_of=date(2025, 1, 3))
_REPEATS = repeat_contact_rate(["a", "a"], _DAYS, within_days=7)

VALID_CALLS.update(
    {
        "retention_rate": (retention_rate, {"start": 10, "end": 9, "new": 1}),
        "churn_rate": (churn_rate, {"start": 10, "end": 9, "new": 1}),
        "set_retention_rate": (
            set_retention_rate,
            {"start_customers": {"a", "b"}, "end_customers": {"a"}},
        ),
        "set_churn_rate": (
            set_churn_rate,
            {"start_customers": {"a", "b"}, "end_customers": {"a"}},
        ),
        "revenue_retention": (
            revenue_retention,
            {"start_mrr": 100.0, "expansion": 10.0, "contraction": 5.0, "churned": 5.0},
        ),
        "period_retention": (
            period_retention,
            {"transactions": _TXNS, "period": "M", "activity_window": 1, "as_of": None},
        ),
        "PeriodRetention.to_frame": (period_retention(_TXNS).to_frame, {"backend": "pandas"}),
        "cohort_retention": (
            cohort_retention,
            {
                "transactions": _TXNS,
                "period": "M",
                "metric": "customers",
                "mode": "exact",
                "as_of": None,
            },
        ),
        "CohortMatrix.retention_at": (_COHORTS.retention_at, {"offset": 0}),
        "CohortMatrix.to_frame": (_COHORTS.to_frame, {"backend": "pandas"}),
        "kaplan_meier": (
            kaplan_meier,
            {"durations": [1.0, 2.0], "observed": [1, 0], "confidence": 0.9},
        ),
        "KaplanMeierResult.survival_at": (_KM.survival_at, {"times": [1.5]}),
        "KaplanMeierResult.restricted_mean": (_KM.restricted_mean, {"horizon": 2.0}),
        "KaplanMeierResult.to_frame": (_KM.to_frame, {"backend": "pandas"}),
        "customer_tenure": (
            customer_tenure,
            {"transactions": _TXNS, "as_of": date(2025, 1, 2), "churn_after_days": 1},
        ),
        "CustomerTenure.kaplan_meier": (_TENURE.kaplan_meier, {"confidence": 0.9}),
        "CustomerTenure.to_frame": (_TENURE.to_frame, {"backend": "pandas"}),
        "service_levels": (
            service_levels,
            {
                "opened_at": _DAYS,
                "first_response_at": _DAYS,
                "resolved_at": _DAYS,
                "as_of": date(2025, 1, 3),
                "response_target": timedelta(hours=4),
                "resolution_target": timedelta(days=1),
                "percentiles": (50, 90),
            },
        ),
        "ServiceLevelResult.to_frame": (_SERVICE.to_frame, {"backend": "pandas"}),
        "repeat_contact_rate": (
            repeat_contact_rate,
            {"customer_id": ["a", "a"], "at": _DAYS, "within_days": 7, "as_of": None},
        ),
        "RepeatContactResult.to_frame": (_REPEATS.to_frame, {"backend": "pandas"}),
    }
)

VALID_CALLS.update(
    {
        "roi": (roi, {"gain": 850.0, "cost": 100.0}),
        "incremental_roi": (
            incremental_roi,
            {"treated_revenue": [30.0, 10.0], "control_revenue": [10.0], "cost": 10.0},
        ),
        "payback_period": (payback_period, {"cash_flows": [-100.0, 60.0, 60.0]}),
        "npv": (npv, {"rate": 0.1, "cash_flows": [-100.0, 110.0]}),
        "irr": (irr, {"cash_flows": [-100.0, 110.0]}),
        "cac": (cac, {"spend": 500.0, "new_customers": 5}),
        "arpu": (arpu, {"revenue": 100.0, "customers": 4.0}),
        "ltv_to_cac": (ltv_to_cac, {"ltv": 600.0, "cac": 200.0}),
        "cac_payback_months": (
            cac_payback_months,
            {"cac": 400.0, "monthly_arpu": 50.0, "margin": 0.8},
        ),
        "simple_ltv": (
            simple_ltv,
            {"arpu": 100.0, "margin": 0.5, "retention": 0.75, "discount_rate": 0.1},
        ),
        "churn_revenue_loss": (
            churn_revenue_loss,
            {"revenue": 1e8, "churn_rate": 0.15, "contribution": 0.2},
        ),
        "retention_profit_impact": (
            retention_profit_impact,
            {
                "arpu": 100.0,
                "margin": 0.5,
                "retention": 0.75,
                "discount_rate": 0.0,
                "lift": 0.05,
                "acquisition_cost": 0.0,
            },
        ),
        "kpi_report": (
            kpi_report,
            {
                "transactions": _TXNS,
                "as_of": date(2025, 1, 2),
                "marketing_spend": 10.0,
                "new_customers": 2,
                "leads": 10,
                "converted_leads": 2,
                "channel_spend": {"web": 1.0},
                "nps_ratings": [10, 3],
                "csat_ratings": [5, 2],
                "active_days": 90,
            },
        ),
        "KpiReport.to_frame": (
            kpi_report(leads=10, converted_leads=2).to_frame,
            {"backend": "pandas"},
        ),
    }
)

_STAGES = classify_stages(_TXNS_WITH_REPEAT, as_of=date(2025, 3, 1))

VALID_CALLS.update(
    {
        "StateMachine.allowed_events": (SALES_PIPELINE.allowed_events, {"stage": "proposal"}),
        "StateMachine.fire": (
            CUSTOMER_LIFECYCLE.fire,
            {"stage": "active", "event": "become_loyal", "context": {"orders": 9}, "at": _AT},
        ),
        "StateMachine.replay": (
            SALES_PIPELINE.replay,
            {"events": ["qualify"], "start": "initial_contact", "context": None},
        ),
        "StateMachine.fire_many": (
            SALES_PIPELINE.fire_many,
            {"stages": ["initial_contact"], "events": ["qualify"], "context": None},
        ),
        "StateMachine.to_mermaid": (SALES_PIPELINE.to_mermaid, {}),
        "FireManyResult.to_frame": (
            SALES_PIPELINE.fire_many(["won"], ["qualify"]).to_frame,
            {"backend": "pandas"},
        ),
        "classify_stages": (
            classify_stages,
            {"transactions": _TXNS_WITH_REPEAT, "as_of": date(2025, 3, 1), "rules": StageRules()},
        ),
        "StageResult.to_frame": (_STAGES.to_frame, {"backend": "pandas"}),
        "churn_risk": (churn_risk, {"stages": _STAGES, "tiers": (0.5, 0.8)}),
        "ChurnRiskResult.to_frame": (churn_risk(_STAGES).to_frame, {"backend": "pandas"}),
        "InterventionMatrix.action": (
            DEFAULT_MATRIX.action,
            {"value_tier": "high", "risk_tier": "low"},
        ),
        "intervention_plan": (
            intervention_plan,
            {"value_tier": ["high"], "risk_tier": ["low"], "matrix": DEFAULT_MATRIX},
        ),
        "InterventionResult.to_frame": (
            intervention_plan(["high"], ["low"]).to_frame,
            {"backend": "pandas"},
        ),
    }
)

# --- crmkit.metrics.clv ----------------------------------------------------------------------

_HISTORY = {"frequency": [0, 2, 1], "recency": [0.0, 5.0, 3.0], "T": [10.0, 10.0, 8.0]}
_FIT_DATA = simulate_pareto_nbd(
    {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}, n_customers=300, T=39, seed=1
)
_FIT_ARGS = {
    "frequency": _FIT_DATA.frequency,
    "recency": _FIT_DATA.recency,
    "T": _FIT_DATA.T,
    "weights": None,
    "period": "W",
    "max_iter": 500,
}
_BG_NBD = fit_bg_nbd(**_FIT_ARGS)
_SPEND_X = [1, 2, 3] * 50
_SPEND_M = simulate_gamma_gamma({"p": 6.0, "q": 4.0, "gamma": 15.0}, frequency=_SPEND_X, seed=2)
_SPEND = fit_gamma_gamma(_SPEND_X, _SPEND_M)
_BB_SAMPLE = simulate_bg_bb(
    {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}, n_customers=500, n_periods=6, seed=4
)
_BB_DATA = {"frequency": [0, 1, 2, 3], "recency": [0, 2, 3, 6], "n_periods": [6, 6, 6, 6]}
_BB = fit_bg_bb(_BB_SAMPLE.frequency, _BB_SAMPLE.recency, _BB_SAMPLE.n_periods)
_SBG = fit_shifted_beta_geometric([1000, 869, 743, 653, 593, 551, 517, 491])
_CLV_SUMMARY = btyd_summary(
    _TXNS_WITH_REPEAT,
    calibration_end=date(2025, 3, 1),
    observation_end=date(2025, 4, 1),
    period="W",
)
_PARAMS = {
    "BgNbdFit": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "ModifiedBgNbdFit": {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5},
    "ParetoNbdFit": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}
_INTERVAL = {"confidence": 0.9, "method": "bootstrap", "n_draws": 20, "seed": 3}


def _transaction_model_calls(name: str, fit: Any) -> dict[str, tuple[Callable[..., Any], Any]]:
    return {
        f"{name}.from_params": (type(fit).from_params, {**_PARAMS[name], "period": "D"}),
        f"{name}.probability_alive": (fit.probability_alive, _HISTORY),
        f"{name}.expected_purchases": (fit.expected_purchases, {"t": 4.0, **_HISTORY}),
        f"{name}.expected_purchases_new_customer": (
            fit.expected_purchases_new_customer,
            {"t": [1.0, 2.0]},
        ),
        f"{name}.probability_of_purchases": (fit.probability_of_purchases, {"n": 1, "t": 4.0}),
        f"{name}.expected_purchases_interval": (
            fit.expected_purchases_interval,
            {"t": 4.0, **_HISTORY, **_INTERVAL},
        ),
        f"{name}.parameter_intervals": (fit.parameter_intervals, {"confidence": 0.9}),
    }


VALID_CALLS.update(
    {
        "btyd_summary": (
            btyd_summary,
            {
                "transactions": _TXNS_WITH_REPEAT,
                "calibration_end": date(2025, 3, 1),
                "observation_end": date(2025, 4, 1),
                "period": "W",
            },
        ),
        "BtydSummary.to_frame": (_CLV_SUMMARY.to_frame, {"backend": "pandas"}),
        "fit_bg_nbd": (fit_bg_nbd, _FIT_ARGS),
        "fit_modified_bg_nbd": (fit_modified_bg_nbd, _FIT_ARGS),
        "fit_pareto_nbd": (fit_pareto_nbd, _FIT_ARGS),
        **_transaction_model_calls("BgNbdFit", _BG_NBD),
        **_transaction_model_calls("ModifiedBgNbdFit", fit_modified_bg_nbd(**_FIT_ARGS)),
        **_transaction_model_calls("ParetoNbdFit", fit_pareto_nbd(**_FIT_ARGS)),
        "fit_bg_bb": (
            fit_bg_bb,
            {
                "frequency": _BB_SAMPLE.frequency,
                "recency": _BB_SAMPLE.recency,
                "n_periods": _BB_SAMPLE.n_periods,
                "weights": None,
                "period": None,
                "max_iter": 500,
            },
        ),
        "BgBbFit.from_params": (
            BgBbFit.from_params,
            {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8, "period": None},
        ),
        "BgBbFit.probability_alive": (_BB.probability_alive, _BB_DATA),
        "BgBbFit.expected_purchases": (_BB.expected_purchases, {"t": 2, **_BB_DATA}),
        "BgBbFit.expected_purchases_new_customer": (
            _BB.expected_purchases_new_customer,
            {"t": 3},
        ),
        "BgBbFit.probability_of_purchases": (_BB.probability_of_purchases, {"n": 1, "t": 3}),
        "BgBbFit.expected_purchases_interval": (
            _BB.expected_purchases_interval,
            {"t": 2, **_BB_DATA, **_INTERVAL},
        ),
        "BgBbFit.parameter_intervals": (_BB.parameter_intervals, {"confidence": 0.9}),
        "fit_gamma_gamma": (
            fit_gamma_gamma,
            {
                "frequency": _SPEND_X,
                "monetary_value": _SPEND_M,
                "weights": None,
                "max_iter": 500,
            },
        ),
        "GammaGammaFit.from_params": (
            GammaGammaFit.from_params,
            {"p": 6.25, "q": 3.74, "gamma": 15.44},
        ),
        "GammaGammaFit.conditional_expected_spend": (
            _SPEND.conditional_expected_spend,
            {"frequency": [0, 2], "monetary_value": [0.0, 20.0]},
        ),
        "GammaGammaFit.conditional_expected_spend_interval": (
            _SPEND.conditional_expected_spend_interval,
            {"frequency": [0, 2], "monetary_value": [0.0, 20.0], **_INTERVAL},
        ),
        "GammaGammaFit.parameter_intervals": (_SPEND.parameter_intervals, {"confidence": 0.9}),
        "fit_shifted_beta_geometric": (
            fit_shifted_beta_geometric,
            {"survivors": [100, 80, 70, 65], "max_iter": 500},
        ),
        "ShiftedBetaGeometricFit.from_params": (
            type(_SBG).from_params,
            {"alpha": 0.668, "beta": 3.806},
        ),
        "ShiftedBetaGeometricFit.survival": (_SBG.survival, {"t": [1, 2]}),
        "ShiftedBetaGeometricFit.retention_rate": (_SBG.retention_rate, {"t": [1, 2]}),
        "ShiftedBetaGeometricFit.expected_lifetime": (_SBG.expected_lifetime, {}),
        "ShiftedBetaGeometricFit.discounted_expected_lifetime": (
            _SBG.discounted_expected_lifetime,
            {"discount_rate": 0.1, "renewals": [0, 2]},
        ),
        "ShiftedBetaGeometricFit.parameter_intervals": (
            _SBG.parameter_intervals,
            {"confidence": 0.9},
        ),
        "customer_lifetime_value": (
            customer_lifetime_value,
            {
                "transaction_fit": _BG_NBD,
                "spend_fit": _SPEND,
                **_HISTORY,
                "monetary_value": [0.0, 20.0, 15.0],
                "horizon": timedelta(days=28),
                "discount_rate": 0.1,
                "margin": 0.5,
                **_INTERVAL,
            },
        ),
        "ClvResult.to_frame": (
            customer_lifetime_value(
                _BG_NBD,
                _SPEND,
                **_HISTORY,
                monetary_value=[0.0, 20.0, 15.0],
                horizon=4.0,
                discount_rate=0.0,
            ).to_frame,
            {"customer_id": ["a", "b", "c"], "backend": "pandas"},
        ),
        "HoldoutEvaluation.to_frame": (
            evaluate_holdout(_BG_NBD, _CLV_SUMMARY).to_frame,
            {"backend": "pandas"},
        ),
        "evaluate_holdout": (
            evaluate_holdout,
            {"fit": _BG_NBD, "summary": _CLV_SUMMARY, "max_frequency": 3},
        ),
        "plot_holdout": (
            plot_holdout,
            {"evaluation": evaluate_holdout(_BG_NBD, _CLV_SUMMARY), "ax": None},
        ),
        "plot_probability_alive": (
            plot_probability_alive,
            {"fit": _BG_NBD, "T": 10.0, "max_frequency": 3, "ax": None},
        ),
        "simulate_bg_nbd": (
            simulate_bg_nbd,
            {"fit_or_params": _BG_NBD, "n_customers": 5, "T": 10.0, "seed": 1},
        ),
        "simulate_modified_bg_nbd": (
            simulate_modified_bg_nbd,
            {"fit_or_params": _PARAMS["ModifiedBgNbdFit"], "n_customers": 5, "T": 10.0, "seed": 1},
        ),
        "simulate_pareto_nbd": (
            simulate_pareto_nbd,
            {"fit_or_params": _PARAMS["ParetoNbdFit"], "n_customers": 5, "T": 10.0, "seed": 1},
        ),
        "simulate_bg_bb": (
            simulate_bg_bb,
            {"fit_or_params": _BB, "n_customers": 5, "n_periods": 4, "seed": 1},
        ),
        "simulate_gamma_gamma": (
            simulate_gamma_gamma,
            {"fit_or_params": _SPEND, "frequency": [0, 3], "seed": 1},
        ),
        "simulate_shifted_beta_geometric": (
            simulate_shifted_beta_geometric,
            {"fit_or_params": _SBG, "n_customers": 5, "n_periods": 3, "seed": 1},
        ),
    }
)

# --- crmkit.loyalty -----------------------------------------------------------------------------

_PROGRAM = Program.simple(currency="CNY", tiers=STANDARD_TIERS, actions={"review": 20})
_AT_LOYALTY = datetime(2025, 3, 1, tzinfo=UTC)
_PURCHASE = Transaction(id="o1", customer_id="m1", at=_AT_LOYALTY, amount=Money("100", "CNY"))
_LEDGER = earn(Ledger.empty("m1"), _PROGRAM, _PURCHASE, key="o1")
_REVIEW = Interaction(
    id="i1", customer_id="m1", at=_AT_LOYALTY, channel="app", direction="inbound", kind="review"
)
_PURCHASES = Transactions.from_arrays(
    customer_id=["m1", "m2"],
    at=np.array(["2025-03-01", "2025-03-02"], dtype="datetime64[us]"),
    amount=[10.0, 20.0],
    currency="CNY",
)

VALID_CALLS.update(
    {
        "Program.simple": (
            Program.simple,
            {"currency": "CNY", "points_per_unit": 2, "tiers": STANDARD_TIERS},
        ),
        "Program.local_day": (_PROGRAM.local_day, {"moment": _AT_LOYALTY}),
        "Program.tier": (_PROGRAM.tier, {"name": "gold"}),
        "Promotion.problems": (
            Promotion(name="p", start=date(2025, 3, 1), end=date(2025, 4, 1)).problems,
            {},
        ),
        "Expiry.problems": (Expiry().problems, {}),
        "TierPolicy.problems": (TierPolicy().problems, {}),
        "Ledger.empty": (Ledger.empty, {"member_id": "m1"}),
        "Ledger.entry": (_LEDGER.entry, {"key": "o1"}),
        "Ledger.lots": (_LEDGER.lots, {"as_of": _AT_LOYALTY}),
        "earn": (
            earn,
            {
                "ledger": Ledger.empty("m1"),
                "program": _PROGRAM,
                "transaction": _PURCHASE,
                "key": "o1",
                "tier": "gold",
            },
        ),
        "award": (
            award,
            {"ledger": Ledger.empty("m1"), "program": _PROGRAM, "event": _REVIEW, "key": "i1"},
        ),
        "adjust": (
            adjust,
            {
                "ledger": _LEDGER,
                "program": _PROGRAM,
                "points": 5,
                "at": _AT_LOYALTY,
                "key": "a1",
                "reason": "goodwill",
            },
        ),
        "redeem": (
            redeem,
            {
                "ledger": _LEDGER,
                "points": 10,
                "at": _AT_LOYALTY,
                "key": "r1",
                "consumption": "oldest",
                "floor": 0,
                "program": _PROGRAM,
            },
        ),
        "reverse": (
            reverse,
            {
                "ledger": _LEDGER,
                "original_key": "o1",
                "key": "refund-o1",
                "amount": Money("50", "CNY"),
                "at": _AT_LOYALTY,
            },
        ),
        "expire": (expire, {"ledger": _LEDGER, "as_of": _AT_LOYALTY}),
        "transfer": (
            transfer,
            {
                "source": _LEDGER,
                "target": Ledger.empty("m2"),
                "points": 10,
                "at": _AT_LOYALTY,
                "key": "gift-1",
                "program": _PROGRAM,
            },
        ),
        "balance": (
            balance,
            {"ledger": _LEDGER, "as_of": _AT_LOYALTY, "expiring_within_days": 90},
        ),
        "statement": (statement, {"ledger": _LEDGER}),
        "points_for_transactions": (
            points_for_transactions,
            {"program": _PROGRAM, "transactions": _PURCHASES, "tiers": ["gold", "standard"]},
        ),
        "evaluate_tier": (
            evaluate_tier,
            {"history": _LEDGER, "program": _PROGRAM, "as_of": _AT_LOYALTY},
        ),
        "review_tiers": (
            review_tiers,
            {
                "member_id": ["m1"],
                "at": np.array(["2024-03-01"], dtype="datetime64[us]"),
                "value": [1500.0],
                "program": _PROGRAM,
                "as_of": date(2025, 1, 1),
                "current": {"m1": "standard"},
            },
        ),
        "TierReview.to_frame": (
            review_tiers(
                ["m1"],
                np.array(["2024-03-01"], dtype="datetime64[us]"),
                [1500.0],
                _PROGRAM,
                as_of=date(2025, 1, 1),
            ).to_frame,
            {"backend": "pandas"},
        ),
        "pooled_balance": (pooled_balance, {"ledgers": {"m1": _LEDGER}, "as_of": _AT_LOYALTY}),
        "redeem_pooled": (
            redeem_pooled,
            {
                "ledgers": {"m1": _LEDGER},
                "points": 10,
                "at": _AT_LOYALTY,
                "key": "pool-1",
                "rule": "in_order",
            },
        ),
        "liability": (
            liability,
            {"balances": [100, 50], "cost_per_point": "0.01", "breakage_rate": 0.2},
        ),
        "estimate_breakage": (
            estimate_breakage,
            {"earned": [100.0], "redeemed": [[20.0, 35.0, 45.0, 50.0]]},
        ),
        "replay_events": (
            replay_events,
            {
                "program": _PROGRAM,
                "events": {
                    "member_id": ["m1"],
                    "kind": ["earn"],
                    "key": ["o1"],
                    "at": ["2025-03-01T00:00:00+00:00"],
                    "amount": [100.0],
                },
                "ledgers": {"m1": Ledger.empty("m1")},
            },
        ),
    }
)

# --- crmkit.funnel ------------------------------------------------------------------------------

_STAGE_ROWS = {
    "opportunity_id": ["d1", "d1", "d2"],
    "stage": ["proposal", "won", "proposal"],
    "entered_at": np.array(["2025-01-01", "2025-01-11", "2025-01-05"], dtype="datetime64[us]"),
    "pipeline": SALES_PIPELINE,
}
_STAGES_HISTORY = StageHistory.from_arrays(**_STAGE_ROWS)

VALID_CALLS.update(
    {
        "forecast_distribution": (
            forecast_distribution,
            {
                "amounts": [100.0, 200.0],
                "win_probabilities": [0.5, 0.25],
                "close_dates": np.array(["2025-03-01", "2025-05-01"], dtype="datetime64[D]"),
                "horizon": date(2025, 3, 31),
                "target": 50.0,
                "method": "exact",
                "n_simulations": 1000,
                "seed": 1,
                "correlation": 0.2,
            },
        ),
        "calibration_report": (
            calibration_report,
            {"predicted_probabilities": [0.2, 0.8], "outcomes": [0, 1], "n_bins": 5},
        ),
        "CalibrationReport.to_frame": (
            calibration_report([0.2, 0.8], [0, 1]).to_frame,
            {"backend": "pandas"},
        ),
        "weighted_pipeline": (
            weighted_pipeline,
            {
                "amounts": [100.0, 50.0],
                "stages": ["proposal", "negotiation"],
                "pipeline": SALES_PIPELINE,
                "probabilities": {"proposal": 0.4},
                "expected_close": np.array(["2025-03-01", "2025-05-01"], dtype="datetime64[D]"),
                "period": "quarter",
            },
        ),
        "WeightedPipeline.by_period": (
            weighted_pipeline(
                [100.0], ["proposal"], SALES_PIPELINE, expected_close=["2025-03-01"]
            ).by_period,
            {},
        ),
        "WeightedPipeline.by_category": (
            weighted_pipeline([100.0], ["proposal"], SALES_PIPELINE).by_category,
            {},
        ),
        "WeightedPipeline.to_frame": (
            weighted_pipeline([100.0], ["proposal"], SALES_PIPELINE).to_frame,
            {"backend": "pandas"},
        ),
        "StageHistory.from_arrays": (
            StageHistory.from_arrays,
            {
                **_STAGE_ROWS,
                "amount": [10.0, 10.0, 5.0],
                "expected_close": np.array(["2025-02-01"] * 3, dtype="datetime64[D]"),
            },
        ),
        "StageHistory.until": (_STAGES_HISTORY.until, {"as_of": date(2025, 1, 5)}),
        "StageHistory.from_records": (
            StageHistory.from_records,
            {
                "opportunities": [
                    Opportunity(
                        id="d1",
                        customer_id="c1",
                        stage="proposal",
                        amount=Money("100", "CNY"),
                        created_at=datetime(2025, 1, 1, tzinfo=UTC),
                    )
                ],
                "pipeline": SALES_PIPELINE,
                "steps": {
                    "d1": [
                        SALES_PIPELINE.fire(
                            "proposal", "negotiate", at=datetime(2025, 1, 9, tzinfo=UTC)
                        )
                    ]
                },
            },
        ),
        "StageHistory.from_frame": (
            StageHistory.from_frame,
            {
                "frame": pd.DataFrame(
                    {
                        "opportunity_id": ["d1", "d1"],
                        "stage": ["proposal", "won"],
                        "entered_at": pd.to_datetime(["2025-01-01", "2025-01-11"]),
                    }
                ),
                "pipeline": SALES_PIPELINE,
                "opportunity_id": "opportunity_id",
                "stage": "stage",
                "entered_at": "entered_at",
            },
        ),
        "fit_markov_pipeline": (
            fit_markov_pipeline,
            {"history": _STAGES_HISTORY, "pipeline": SALES_PIPELINE, "as_of": date(2025, 2, 1)},
        ),
        "MarkovPipelineFit.win_probability_within": (
            fit_markov_pipeline(_STAGES_HISTORY, SALES_PIPELINE).win_probability_within,
            {"days": 30.0},
        ),
        "MarkovPipelineFit.to_frame": (
            fit_markov_pipeline(_STAGES_HISTORY, SALES_PIPELINE).to_frame,
            {"backend": "pandas"},
        ),
        "stage_conversion": (
            stage_conversion,
            {
                "history": _STAGES_HISTORY,
                "pipeline": SALES_PIPELINE,
                "as_of": date(2025, 2, 1),
                "confidence": 0.9,
            },
        ),
        "StageConversion.to_frame": (
            stage_conversion(_STAGES_HISTORY, SALES_PIPELINE).to_frame,
            {"backend": "pandas"},
        ),
        "stage_velocity": (
            stage_velocity,
            {"history": _STAGES_HISTORY, "pipeline": SALES_PIPELINE, "as_of": date(2025, 2, 1)},
        ),
        "sales_velocity": (
            sales_velocity,
            {"n_opportunities": 100, "win_rate": 0.25, "average_deal": 8000.0, "cycle_days": 50},
        ),
    }
)

# Lead scorers: a scorecard, a naive Bayes fitted with stages, a logistic fit with a category.
_SCORECARD = RuleScorecard(
    name="b2b",
    rules=[ScoreRule(condition=Condition(field="industry", op="==", value="software"), points=40)],
    activities=[ActivityPoints(field="visits", points_each=10, max_points=30)],
)
_LEADS = {"industry": ["software", "retail"], "visits": [3, 1]}
_NB_ROWS: dict[str, Any] = {
    "features": {"source": ["web", "web", "fair", "fair"]},
    "won": [1, 0, 0, 1],
    "stage": ["won", "proposal", "initial_contact", "won"],
    "pipeline": SALES_PIPELINE,
    "smoothing": 0.1,
    "min_count": 1,
}
_NAIVE_BAYES = fit_naive_bayes_scorer(**_NB_ROWS)
_LOGISTIC_ROWS: dict[str, Any] = {
    "features": {"visits": [0, 1, 2, 3, 4, 5], "region": [1, 2, 1, 2, 1, 2]},
    "won": [0, 0, 1, 0, 1, 1],
    "l2": 1.0,
    "categorical": ["region"],
}
_LOGISTIC = fit_logistic_scorer(**_LOGISTIC_ROWS)

VALID_CALLS.update(
    {
        "score_leads": (
            score_leads,
            {"features": _LEADS, "scorecard": _SCORECARD, "ids": ["l1", "l2"]},
        ),
        "LeadScores.to_frame": (score_leads(_LEADS, _SCORECARD).to_frame, {"backend": "pandas"}),
        "fit_naive_bayes_scorer": (fit_naive_bayes_scorer, _NB_ROWS),
        "NaiveBayesScorer.predict_proba": (
            _NAIVE_BAYES.predict_proba,
            {"features": {"source": ["web"]}, "stage": ["proposal"], "unseen": "ignore"},
        ),
        "NaiveBayesScorer.to_frame": (_NAIVE_BAYES.to_frame, {"backend": "pandas"}),
        "fit_logistic_scorer": (fit_logistic_scorer, _LOGISTIC_ROWS),
        "LogisticScorer.predict_proba": (
            _LOGISTIC.predict_proba,
            {"features": {"visits": [2], "region": [1]}, "unseen": "ignore"},
        ),
        "LogisticScorer.to_frame": (_LOGISTIC.to_frame, {"backend": "pandas"}),
    }
)

# The CLI entry point takes argv from the shell; argparse owns its errors.
NOT_TYPE_CHECKED = {"main"}


class _Wrong:
    """An object of a type no crmkit argument accepts."""

    def __repr__(self) -> str:
        return "<wrong>"


def wrong_type_cases() -> Iterator[tuple[str, str]]:
    for name, (function, _) in VALID_CALLS.items():
        for parameter in inspect.signature(function).parameters:
            yield name, parameter


class TestWrongTypes:
    def test_every_public_callable_is_covered(self) -> None:
        """Each public function and method has a valid call registered here."""
        names = {name for name, _ in public_callables()} - NOT_TYPE_CHECKED

        assert names == set(VALID_CALLS)

    @pytest.mark.parametrize("name", list(VALID_CALLS))
    def test_the_registered_valid_call_succeeds(self, name: str) -> None:
        """The baseline call works and returns a value, so the wrong-type test isolates one
        argument."""
        function, kwargs = VALID_CALLS[name]

        assert function(**kwargs) is not None

    @pytest.mark.parametrize(("name", "parameter"), list(wrong_type_cases()))
    def test_a_wrong_type_raises_a_crmkit_error_naming_the_argument(
        self, name: str, parameter: str
    ) -> None:
        """Replacing one argument by an object of a foreign type names that argument."""
        function, kwargs = VALID_CALLS[name]

        with pytest.raises(CrmkitError) as error:
            function(**{**kwargs, parameter: _Wrong()})

        assert f"'{parameter}'" in str(error.value)
