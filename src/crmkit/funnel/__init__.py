"""Funnel: pipeline forecasts, calibration of win probabilities, sales velocity.

`weighted_pipeline` values open deals at their stage's win probability,
`forecast_distribution` gives the distribution of deals won and revenue from
open deals (exact Poisson-binomial, optionally correlated), `calibration_report`
checks whether predicted win probabilities are honest, and `sales_velocity`
measures how fast the pipeline turns into revenue. `StageHistory` holds when
deals entered which stage, and `fit_markov_pipeline` estimates the pipeline's
absorbing chain from it; `stage_conversion` counts per stage who moved on and
who won, open deals censored, and `stage_velocity` how long they stay
(Kaplan-Meier). Lead scoring is still to come (issue "Funnel").

Examples:
    >>> from crmkit.funnel import forecast_distribution
    >>> forecast_distribution([100.0, 200.0, 300.0], [0.5, 0.5, 0.5]).expected_revenue
    300.0
"""

from crmkit.funnel.calibration import CalibrationReport, calibration_report
from crmkit.funnel.conversion import (
    StageConversion,
    StageVelocity,
    stage_conversion,
    stage_velocity,
)
from crmkit.funnel.forecast import ForecastDistribution, ForecastMethod, forecast_distribution
from crmkit.funnel.history import StageHistory
from crmkit.funnel.markov import MarkovPipelineFit, fit_markov_pipeline
from crmkit.funnel.pipeline import WeightedPipeline, weighted_pipeline
from crmkit.funnel.velocity import sales_velocity

__all__ = [
    "CalibrationReport",
    "ForecastDistribution",
    "ForecastMethod",
    "MarkovPipelineFit",
    "StageConversion",
    "StageHistory",
    "StageVelocity",
    "WeightedPipeline",
    "calibration_report",
    "fit_markov_pipeline",
    "forecast_distribution",
    "sales_velocity",
    "stage_conversion",
    "stage_velocity",
    "weighted_pipeline",
]
