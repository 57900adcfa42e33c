"""CLV: the probabilistic customer-base models and customer lifetime value."""

from crmkit.metrics.clv.bg_bb import BgBbFit, fit_bg_bb, simulate_bg_bb
from crmkit.metrics.clv.bg_nbd import (
    BgNbdFit,
    ModifiedBgNbdFit,
    fit_bg_nbd,
    fit_modified_bg_nbd,
    simulate_bg_nbd,
    simulate_modified_bg_nbd,
)
from crmkit.metrics.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma, simulate_gamma_gamma
from crmkit.metrics.clv.holdout import HoldoutEvaluation, evaluate_holdout
from crmkit.metrics.clv.pareto_nbd import ParetoNbdFit, fit_pareto_nbd, simulate_pareto_nbd
from crmkit.metrics.clv.plots import plot_holdout, plot_probability_alive
from crmkit.metrics.clv.sbg import (
    ShiftedBetaGeometricFit,
    fit_shifted_beta_geometric,
    simulate_shifted_beta_geometric,
)
from crmkit.metrics.clv.simulation import SimulatedCustomers, SimulatedOpportunities
from crmkit.metrics.clv.summary import BtydSummary, PeriodLike, btyd_summary
from crmkit.metrics.clv.value import ClvResult, TransactionFit, customer_lifetime_value

__all__ = [
    "BgBbFit",
    "BgNbdFit",
    "BtydSummary",
    "ClvResult",
    "GammaGammaFit",
    "HoldoutEvaluation",
    "ModifiedBgNbdFit",
    "ParetoNbdFit",
    "PeriodLike",
    "ShiftedBetaGeometricFit",
    "SimulatedCustomers",
    "SimulatedOpportunities",
    "TransactionFit",
    "btyd_summary",
    "customer_lifetime_value",
    "evaluate_holdout",
    "fit_bg_bb",
    "fit_bg_nbd",
    "fit_gamma_gamma",
    "fit_modified_bg_nbd",
    "fit_pareto_nbd",
    "fit_shifted_beta_geometric",
    "plot_holdout",
    "plot_probability_alive",
    "simulate_bg_bb",
    "simulate_bg_nbd",
    "simulate_gamma_gamma",
    "simulate_modified_bg_nbd",
    "simulate_pareto_nbd",
    "simulate_shifted_beta_geometric",
]
