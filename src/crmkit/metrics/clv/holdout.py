"""Holdout evaluation: predicted vs actual purchases after the calibration window."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.metrics.clv._base import FloatArray
from crmkit.metrics.clv.bg_nbd import BgNbdFit, ModifiedBgNbdFit
from crmkit.metrics.clv.pareto_nbd import ParetoNbdFit
from crmkit.metrics.clv.summary import BtydSummary

__all__ = ["HoldoutEvaluation", "evaluate_holdout"]

ContinuousFit = BgNbdFit | ModifiedBgNbdFit | ParetoNbdFit


@frozen(kw_only=True, repr=False)
class HoldoutEvaluation:
    """How well a fit predicted the holdout window's purchases.

    Attributes:
        frequency: Calibration frequency of each group (the last group holds
            this frequency and above).
        n_customers: Customers in each group.
        actual: Mean holdout purchases per customer in each group.
        predicted: Mean predicted holdout purchases per customer in each group.
        predicted_by_customer: The prediction for every customer, in summary order.
        total_actual: Holdout purchases of all customers.
        total_predicted: Predicted holdout purchases of all customers.
        mae: Mean absolute error per customer.
        duration: Length of the holdout window, in periods.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics.clv import btyd_summary, evaluate_holdout, fit_bg_nbd
        >>> s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30),
        ...                  observation_end=date(2024, 12, 31), period="W")
        >>> evaluation = evaluate_holdout(fit_bg_nbd(s.frequency, s.recency, s.T), s)
        >>> evaluation.frequency.tolist()
        [0, 1, 2, 3, 4, 5, 6, 7]
    """

    frequency: NDArray[np.int64] = array_field()
    n_customers: NDArray[np.int64] = array_field()
    actual: FloatArray = array_field()
    predicted: FloatArray = array_field()
    predicted_by_customer: FloatArray = array_field()
    total_actual: float = field()
    total_predicted: float = field()
    mae: float = field()
    duration: float = field()

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per calibration-frequency group: `frequency, n_customers, actual, predicted`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics.clv import btyd_summary, evaluate_holdout, fit_bg_nbd
            >>> s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30),
            ...                  observation_end=date(2024, 12, 31), period="W")
            >>> table = evaluate_holdout(fit_bg_nbd(s.frequency, s.recency, s.T), s).to_frame()
            >>> table.columns.tolist()
            ['frequency', 'n_customers', 'actual', 'predicted']
        """
        columns = {
            "frequency": self.frequency,
            "n_customers": self.n_customers,
            "actual": self.actual,
            "predicted": self.predicted,
        }
        return _frames.frame_from_columns(columns, backend=backend)

    def __repr__(self) -> str:
        return (
            f"HoldoutEvaluation(total_actual={self.total_actual:.6g}, "
            f"total_predicted={self.total_predicted:.6g}, mae={self.mae:.4g})"
        )


def evaluate_holdout(
    fit: ContinuousFit, summary: BtydSummary, *, max_frequency: int = 7
) -> HoldoutEvaluation:
    """Compare a fit's predictions for the holdout window with what happened.

    Args:
        fit: A BG/NBD, MBG/NBD or Pareto/NBD fit on the summary's calibration
            columns.
        summary: A summary made with an `observation_end`.
        max_frequency: Calibration frequencies from this one up form the last group.

    Raises:
        InvalidInputError: If the summary has no holdout window, or the fit
            knows its period and it differs from the summary's.
        InvalidTypeError: If *fit* or *summary* is of the wrong kind.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics.clv import btyd_summary, evaluate_holdout, fit_bg_nbd
        >>> s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30),
        ...                  observation_end=date(2024, 12, 31), period="W")
        >>> fit = fit_bg_nbd(s.frequency, s.recency, s.T, period=s.period_days)
        >>> evaluation = evaluate_holdout(fit, s)
        >>> abs(evaluation.total_predicted / evaluation.total_actual - 1) < 0.2
        True
    """
    if not isinstance(fit, (BgNbdFit, ModifiedBgNbdFit, ParetoNbdFit)):
        v.fail_type("fit", "a BgNbdFit, ModifiedBgNbdFit or ParetoNbdFit", fit)
    if not isinstance(summary, BtydSummary):
        v.fail_type("summary", "a BtydSummary", summary)
    if summary.frequency_holdout is None or summary.duration_holdout is None:
        v.fail(
            "summary",
            "a summary with a holdout window (btyd_summary(..., observation_end=...))",
            v.described("a summary without one"),
        )
    if fit.period_days is not None and not math.isclose(fit.period_days, summary.period_days):
        v.fail(
            "fit",
            f"a fit on the summary's period ({summary.period_days} days)",
            v.described(f"a fit on {fit.period_days}-day periods"),
        )
    top = v.check_int("max_frequency", max_frequency, low=1)
    predicted = np.asarray(
        fit.expected_purchases(
            summary.duration_holdout,
            frequency=summary.frequency,
            recency=summary.recency,
            T=summary.T,
        ),
        dtype=np.float64,
    )
    actual = summary.frequency_holdout.astype(np.float64)
    group = np.minimum(summary.frequency, top)
    counts = np.bincount(group, minlength=top + 1)
    present = counts > 0
    sums_actual = np.bincount(group, weights=actual, minlength=top + 1)
    sums_predicted = np.bincount(group, weights=predicted, minlength=top + 1)
    return HoldoutEvaluation(
        frequency=np.arange(top + 1)[present],
        n_customers=counts[present],
        actual=sums_actual[present] / counts[present],
        predicted=sums_predicted[present] / counts[present],
        predicted_by_customer=predicted,
        total_actual=float(actual.sum()),
        total_predicted=float(predicted.sum()),
        mae=float(np.mean(np.abs(predicted - actual))),
        duration=summary.duration_holdout,
    )
