"""Plots for CLV models (needs the `plot` extra: `pip install 'crmkit[plot]'`)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import numpy as np

from crmkit import _validation as v
from crmkit.errors import MissingDependencyError
from crmkit.metrics.clv.bg_nbd import BgNbdFit, ModifiedBgNbdFit
from crmkit.metrics.clv.holdout import HoldoutEvaluation
from crmkit.metrics.clv.pareto_nbd import ParetoNbdFit

__all__ = ["plot_holdout", "plot_probability_alive"]


def _axes(ax: Any) -> Any:
    """The Axes to draw on: the caller's, or a new figure's."""
    if ax is None:
        return _pyplot().subplots()[1]
    if not hasattr(ax, "plot"):
        v.fail_type("ax", "a matplotlib Axes or None", ax)
    return ax


def _pyplot() -> Any:
    try:
        return import_module("matplotlib.pyplot")
    except ImportError:
        message = "plots need matplotlib: pip install 'crmkit[plot]'"
        raise MissingDependencyError(message, package="matplotlib") from None


def plot_holdout(evaluation: HoldoutEvaluation, *, ax: Any = None) -> Any:
    """Actual vs predicted holdout purchases per customer, by calibration frequency.

    Returns:
        The matplotlib Axes drawn on.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics.clv import btyd_summary, evaluate_holdout, fit_bg_nbd, plot_holdout
        >>> s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30),
        ...                  observation_end=date(2024, 12, 31), period="W")
        >>> ax = plot_holdout(evaluate_holdout(fit_bg_nbd(s.frequency, s.recency, s.T), s))
        >>> ax.get_xlabel()
        'Purchases in the calibration window'
    """
    if not isinstance(evaluation, HoldoutEvaluation):
        v.fail_type("evaluation", "a HoldoutEvaluation", evaluation)
    axes = _axes(ax)
    labels = [str(value) for value in evaluation.frequency]
    labels[-1] += "+"
    axes.plot(labels, evaluation.actual, marker="o", label="actual")
    axes.plot(labels, evaluation.predicted, marker="s", linestyle="--", label="predicted")
    axes.set_xlabel("Purchases in the calibration window")
    axes.set_ylabel(f"Mean purchases in the next {evaluation.duration:g} periods")
    axes.legend()
    return axes


def plot_probability_alive(
    fit: BgNbdFit | ModifiedBgNbdFit | ParetoNbdFit,
    *,
    T: float,
    max_frequency: int = 20,
    ax: Any = None,
) -> Any:
    """P(alive) for every frequency and recency of customers observed for T periods.

    Returns:
        The matplotlib Axes drawn on.

    Examples:
        >>> from crmkit.metrics.clv import BgNbdFit, plot_probability_alive
        >>> fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> ax = plot_probability_alive(fit, T=39)
        >>> ax.get_ylabel()
        'Repeat purchases (frequency)'
    """
    if not isinstance(fit, (BgNbdFit, ModifiedBgNbdFit, ParetoNbdFit)):
        v.fail_type("fit", "a BgNbdFit, ModifiedBgNbdFit or ParetoNbdFit", fit)
    length = v.check_float("T", T, low=0.0, low_open=True)
    top = v.check_int("max_frequency", max_frequency, low=1)
    frequency, recency = np.meshgrid(
        np.arange(top + 1), np.linspace(0, length, 101), indexing="ij"
    )
    recency = np.where(frequency == 0, 0.0, np.maximum(recency, length / 1000))
    alive = np.asarray(
        fit.probability_alive(
            frequency=frequency.ravel(), recency=recency.ravel(), T=np.full(frequency.size, length)
        )
    ).reshape(frequency.shape)
    axes = _axes(ax)
    image = axes.imshow(
        alive,
        origin="lower",
        aspect="auto",
        vmin=0,
        vmax=1,
        extent=(0, length, -0.5, top + 0.5),
        cmap="viridis",
    )
    axes.figure.colorbar(image, ax=axes, label="P(alive)")
    axes.set_xlabel(f"Recency (periods; T = {length:g})")
    axes.set_ylabel("Repeat purchases (frequency)")
    return axes
