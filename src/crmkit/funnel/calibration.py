"""Are the stage probabilities honest? Calibration of predicted win probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend

__all__ = ["CalibrationReport", "calibration_report"]

FloatArray = NDArray[np.float64]


@frozen(kw_only=True, repr=False)
class CalibrationReport:
    """How well predicted probabilities match what happened.

    Attributes:
        brier_score: Mean squared difference between prediction and outcome
            (0 is perfect; lower is better).
        calibration_in_the_large: Observed win rate minus mean prediction
            (positive: the predictions are too low on the whole).
        reliability: Murphy's reliability term: the bins' squared gaps between
            mean prediction and observed rate, weighted by size (lower is better).
        resolution: Murphy's resolution term: how far the bins' observed
            rates spread from the overall rate (higher is better).
        uncertainty: Overall rate x (1 - overall rate): the Brier score of
            always predicting the overall rate.
        bin_low: Lower edge of each probability bin.
        bin_high: Upper edge of each bin.
        n: Predictions in each bin.
        mean_predicted: Mean prediction in each bin (NaN-free: empty bins are dropped).
        observed_rate: Share of wins in each bin.

    Examples:
        >>> from crmkit.funnel import calibration_report
        >>> report = calibration_report([0.2, 0.8], [0, 1])
        >>> round(report.brier_score, 12)
        0.04
    """

    brier_score: float = field()
    calibration_in_the_large: float = field()
    reliability: float = field()
    resolution: float = field()
    uncertainty: float = field()
    bin_low: FloatArray = array_field()
    bin_high: FloatArray = array_field()
    n: NDArray[np.int64] = array_field()
    mean_predicted: FloatArray = array_field()
    observed_rate: FloatArray = array_field()

    def __repr__(self) -> str:
        return (
            f"CalibrationReport(n={int(self.n.sum())}, brier_score={self.brier_score:.4g}, "
            f"calibration_in_the_large={self.calibration_in_the_large:+.4g})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """The reliability table: one row per non-empty bin.

        Examples:
            >>> from crmkit.funnel import calibration_report
            >>> table = calibration_report([0.1, 0.15, 0.8], [0, 1, 1], n_bins=5).to_frame()
            >>> table.columns.tolist()
            ['bin_low', 'bin_high', 'n', 'mean_predicted', 'observed_rate']
        """
        columns = {
            "bin_low": self.bin_low,
            "bin_high": self.bin_high,
            "n": self.n,
            "mean_predicted": self.mean_predicted,
            "observed_rate": self.observed_rate,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def calibration_report(
    predicted_probabilities: ArrayLike, outcomes: ArrayLike, *, n_bins: int = 10
) -> CalibrationReport:
    """Brier score, reliability table and calibration-in-the-large of win predictions.

    Predictions are grouped into *n_bins* equal-width bins over [0, 1] (a
    prediction of exactly 1 falls in the last bin); in a calibrated forecast
    each bin's observed win rate is close to its mean prediction. The Brier
    score splits into reliability - resolution + uncertainty (Murphy 1973),
    exactly when all predictions in a bin are equal.

    Args:
        predicted_probabilities: Predicted win probability of each deal, in [0, 1].
        outcomes: What happened: 1 (won) or 0 (lost), one per prediction.
        n_bins: Number of probability bins.

    Raises:
        InvalidInputError: If a probability is outside [0, 1], an outcome is
            not 0 or 1, lengths differ, or there are no predictions.

    References:
        Brier, G. W. (1950). Verification of forecasts expressed in terms of
        probability. Monthly Weather Review 78(1).
        Murphy, A. H. (1973). A new vector partition of the probability score.
        Journal of Applied Meteorology 12(4).

    Examples:
        >>> import numpy as np
        >>> from crmkit.funnel import calibration_report
        >>> report = calibration_report(np.array([0.2, 0.8]), np.array([0, 1]))
        >>> round(report.brier_score, 12), report.calibration_in_the_large
        (0.04, 0.0)
    """
    p = v.float_array("predicted_probabilities", predicted_probabilities, low=0.0)
    if (p > 1).any():
        v.fail_rows("predicted_probabilities", "within [0, 1]", p, p > 1)
    y = v.outcome_array("outcomes", outcomes).astype(np.float64)
    v.same_length(predicted_probabilities=p, outcomes=y)
    bins = v.check_int("n_bins", n_bins, low=1)
    edges = np.arange(bins + 1) / bins
    # searchsorted on the edges themselves: 0.29 * 100 is 28.999..., yet 0.29 is bin 29's edge.
    which = np.minimum(np.searchsorted(edges, p, side="right") - 1, bins - 1)
    counts = np.bincount(which, minlength=bins)
    present = counts > 0
    mean_p = np.bincount(which, weights=p, minlength=bins)[present] / counts[present]
    rate = np.bincount(which, weights=y, minlength=bins)[present] / counts[present]
    overall = float(y.mean())
    size = counts[present] / p.size
    return CalibrationReport(
        brier_score=float(np.mean((p - y) ** 2)),
        calibration_in_the_large=overall - float(p.mean()),
        reliability=float(size @ (mean_p - rate) ** 2),
        resolution=float(size @ (rate - overall) ** 2),
        uncertainty=overall * (1 - overall),
        bin_low=edges[:-1][present],
        bin_high=edges[1:][present],
        n=counts[present],
        mean_predicted=mean_p,
        observed_rate=rate,
    )
