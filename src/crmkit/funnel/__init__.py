"""Funnel: pipeline forecasts, calibration of win probabilities, sales velocity.

`weighted_pipeline` values open deals at their stage's win probability,
`forecast_distribution` gives the distribution of deals won and revenue from
open deals (exact Poisson-binomial, optionally correlated), `calibration_report`
checks whether predicted win probabilities are honest, and `sales_velocity`
measures how fast the pipeline turns into revenue. `StageHistory` holds when
deals entered which stage, and `fit_markov_pipeline` estimates the pipeline's
absorbing chain from it; `stage_conversion` counts per stage who moved on and
who won, open deals censored, and `stage_velocity` how long they stay
(Kaplan-Meier). Leads are scored by a `RuleScorecard` of points and grades
(`score_leads`), a categorical naive Bayes learnt from closed leads
(`fit_naive_bayes_scorer`) or a logistic regression with standard errors
(`fit_logistic_scorer`).

Examples:
    >>> from crmkit.funnel import forecast_distribution
    >>> forecast_distribution([100.0, 200.0, 300.0], [0.5, 0.5, 0.5]).expected_revenue
    300.0
"""

from crmkit.funnel._features import Unseen
from crmkit.funnel.calibration import CalibrationReport, calibration_report
from crmkit.funnel.conversion import (
    StageConversion,
    StageVelocity,
    stage_conversion,
    stage_velocity,
)
from crmkit.funnel.forecast import ForecastDistribution, ForecastMethod, forecast_distribution
from crmkit.funnel.history import StageHistory
from crmkit.funnel.logistic import LogisticScorer, fit_logistic_scorer
from crmkit.funnel.markov import MarkovPipelineFit, fit_markov_pipeline
from crmkit.funnel.naive_bayes import NaiveBayesScorer, fit_naive_bayes_scorer
from crmkit.funnel.pipeline import ClosePeriod, WeightedPipeline, weighted_pipeline
from crmkit.funnel.scorecard import (
    ActivityPoints,
    LeadScores,
    RuleScorecard,
    ScoreRule,
    score_leads,
)
from crmkit.funnel.velocity import sales_velocity

__all__ = [
    "ActivityPoints",
    "CalibrationReport",
    "ClosePeriod",
    "ForecastDistribution",
    "ForecastMethod",
    "LeadScores",
    "LogisticScorer",
    "MarkovPipelineFit",
    "NaiveBayesScorer",
    "RuleScorecard",
    "ScoreRule",
    "StageConversion",
    "StageHistory",
    "StageVelocity",
    "Unseen",
    "WeightedPipeline",
    "calibration_report",
    "fit_logistic_scorer",
    "fit_markov_pipeline",
    "fit_naive_bayes_scorer",
    "forecast_distribution",
    "sales_velocity",
    "score_leads",
    "stage_conversion",
    "stage_velocity",
    "weighted_pipeline",
]
