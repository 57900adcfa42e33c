"""Calibration report: Brier score, Murphy decomposition and the reliability table."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import CalibrationReport, calibration_report

P = [0.05, 0.15, 0.12, 0.55, 0.95, 1.0]
Y = [0, 1, 0, 1, 1, 1]
"""Six predictions over five bins of width 0.2: three in [0, 0.2), one in [0.4, 0.6), two
(0.95 and exactly 1.0) in [0.8, 1]."""

predictions_and_outcomes = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


def test_issue_contract_brier() -> None:
    """Brier of (0.2, lost) and (0.8, won): (0.2^2 + 0.2^2) / 2 = 0.04."""
    report = calibration_report(np.array([0.2, 0.8]), np.array([0, 1]))

    assert isinstance(report, CalibrationReport)
    assert 0.04 == pytest.approx(report.brier_score, abs=1e-12)
    assert 0.0 == pytest.approx(report.calibration_in_the_large, abs=1e-15)


def test_reliability_table_by_hand() -> None:
    """Bin [0, 0.2): 0.05, 0.15, 0.12, one won: mean 0.32 / 3, rate 1/3; bin [0.4, 0.6):
    0.55, won; bin [0.8, 1]: 0.95 and 1.0, both won: mean 0.975, rate 1. Empty bins are
    dropped."""
    report = calibration_report(P, Y, n_bins=5)

    assert pytest.approx([0.0, 0.4, 0.8]) == report.bin_low.tolist()
    assert pytest.approx([0.2, 0.6, 1.0]) == report.bin_high.tolist()
    assert [3, 1, 2] == report.n.tolist()
    assert pytest.approx([0.32 / 3, 0.55, 0.975]) == report.mean_predicted.tolist()
    assert pytest.approx([1 / 3, 1.0, 1.0]) == report.observed_rate.tolist()


def test_scores_by_hand() -> None:
    """Brier: (0.0025 + 0.7225 + 0.0144 + 0.2025 + 0.0025 + 0) / 6 = 0.9444 / 6 = 0.1574.
    Overall rate 4/6, mean prediction 2.82 / 6 = 0.47: in-the-large 0.6667 - 0.47.
    Reliability: (3 (0.32/3 - 1/3)^2 + 1 (0.45)^2 + 2 (0.025)^2) / 6.
    Resolution: (3 (1/3 - 2/3)^2 + 3 (1 - 2/3)^2) / 6 = 1/9. Uncertainty 2/3 * 1/3 = 2/9."""
    report = calibration_report(P, Y, n_bins=5)

    assert pytest.approx(0.9444 / 6, rel=1e-12) == report.brier_score
    assert pytest.approx(4 / 6 - 2.82 / 6, rel=1e-12) == report.calibration_in_the_large
    reliability = (3 * (0.32 / 3 - 1 / 3) ** 2 + 0.45**2 + 2 * 0.025**2) / 6
    assert pytest.approx(reliability, rel=1e-12) == report.reliability
    assert pytest.approx(1 / 9, rel=1e-12) == report.resolution
    assert pytest.approx(2 / 9, rel=1e-12) == report.uncertainty
    assert "CalibrationReport(n=6, brier_score=0.1574, calibration_in_the_large=+0.1967)" == (
        repr(report)
    )


@pytest.mark.parametrize("n_bins", [1, 3, 10, 7])
def test_prediction_of_one_in_last_bin(n_bins: int) -> None:
    """A prediction of exactly 1.0 lands in the last bin, whose upper edge is 1."""
    report = calibration_report([1.0], [1], n_bins=n_bins)

    assert [1] == report.n.tolist()
    assert pytest.approx((n_bins - 1) / n_bins) == float(report.bin_low[0])
    assert 1.0 == float(report.bin_high[0])


def test_prediction_on_an_inner_edge_in_upper_bin() -> None:
    """Bins are [low, high): 0.29 with 100 bins belongs to [0.29, 0.30), not [0.28, 0.29)
    (0.29 * 100 = 28.999999999999996 in floating point must not move it down)."""
    report = calibration_report([0.29], [1], n_bins=100)

    assert pytest.approx([0.29]) == report.bin_low.tolist()
    assert pytest.approx([0.30]) == report.bin_high.tolist()


def test_single_bin() -> None:
    """One bin: reliability is (mean p - rate)^2 = in-the-large^2; resolution is 0."""
    report = calibration_report([0.2, 0.4, 0.9], [0, 1, 1], n_bins=1)

    # mean p = 1.5 / 3 = 0.5, rate 2/3, gap 1/6.
    assert pytest.approx(1 / 36, rel=1e-12) == report.reliability
    assert 0.0 == report.resolution
    assert [3] == report.n.tolist()


def test_to_frame_columns() -> None:
    """The reliability table has one row per non-empty bin and the five columns in order."""
    table = calibration_report(P, Y, n_bins=5).to_frame()

    assert ["bin_low", "bin_high", "n", "mean_predicted", "observed_rate"] == (
        table.columns.tolist()
    )
    assert [3, 1, 2] == table["n"].tolist()


def test_to_frame_polars() -> None:
    """The polars backend gives the same columns."""
    table = calibration_report(P, Y, n_bins=5).to_frame(backend="polars")

    assert ["bin_low", "bin_high", "n", "mean_predicted", "observed_rate"] == table.columns
    assert 3 == table.height


@settings(max_examples=50, deadline=None)
@given(predictions_and_outcomes, st.integers(1, 20))
def test_calibration_in_the_large_and_table_consistency(
    data: tuple[list[float], list[int]], n_bins: int
) -> None:
    """In-the-large is mean(y) - mean(p); bin counts add up to n; the table's weighted
    means give back the overall mean prediction and rate; Brier is mean (p - y)^2."""
    p, y = data
    report = calibration_report(p, y, n_bins=n_bins)

    assert pytest.approx(np.mean(y) - np.mean(p), abs=1e-12) == (report.calibration_in_the_large)
    assert len(p) == int(report.n.sum())
    assert pytest.approx(np.mean(p), abs=1e-12) == float(report.n @ report.mean_predicted / len(p))
    assert pytest.approx(np.mean(y), abs=1e-12) == float(report.n @ report.observed_rate / len(p))
    assert pytest.approx(np.mean((np.array(p) - np.array(y)) ** 2), abs=1e-12) == (
        report.brier_score
    )
    assert (report.n > 0).all()


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 9), min_size=n, max_size=n),
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
        )
    )
)
def test_murphy_decomposition_with_equal_predictions_per_bin(
    data: tuple[list[int], list[int]],
) -> None:
    """With 10 bins and predictions at the bin centres (0.05, ..., 0.95), every bin holds one
    value, so Brier = reliability - resolution + uncertainty exactly (Murphy 1973)."""
    cells, y = data
    p = [c / 10 + 0.05 for c in cells]

    report = calibration_report(p, y, n_bins=10)

    assert pytest.approx(report.brier_score, abs=1e-12) == (
        report.reliability - report.resolution + report.uncertainty
    )


def test_perfectly_calibrated_has_zero_reliability() -> None:
    """0.25 four times with one win, 0.75 four times with three: each bin's rate equals its
    prediction, so reliability is 0 and Brier = uncertainty - resolution = 0.25 - 0.0625."""
    report = calibration_report([0.25] * 4 + [0.75] * 4, [1, 0, 0, 0, 1, 1, 1, 0], n_bins=4)

    assert 0.0 == pytest.approx(report.reliability, abs=1e-15)
    assert pytest.approx(0.1875, rel=1e-12) == report.brier_score
    assert pytest.approx(0.0625, rel=1e-12) == report.resolution


def test_float_outcomes_that_are_whole_accepted() -> None:
    """Outcomes given as 0.0 / 1.0 floats are whole numbers and are accepted."""
    assert pytest.approx(0.04) == calibration_report([0.2, 0.8], [0.0, 1.0]).brier_score


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"predicted_probabilities": [0.2, 1.1]}, InvalidInputError, "'predicted_probabilities'"),
        ({"predicted_probabilities": [-0.1, 0.8]}, InvalidInputError, "'predicted_probabilities'"),
        (
            {"predicted_probabilities": [math.nan, 0.8]},
            InvalidInputError,
            "'predicted_probabilities'",
        ),
        ({"predicted_probabilities": []}, InvalidInputError, "'predicted_probabilities'"),
        ({"outcomes": [0, 2]}, InvalidInputError, "'outcomes'"),
        ({"outcomes": [0, -1]}, InvalidInputError, "'outcomes'"),
        ({"outcomes": [0, 0.5]}, InvalidInputError, "'outcomes'"),
        ({"outcomes": [0, 1, 1]}, InvalidInputError, "'outcomes'"),
        ({"outcomes": ["no", "yes"]}, InvalidTypeError, "'outcomes'"),
        ({"n_bins": 0}, InvalidInputError, "'n_bins'"),
        ({"n_bins": -3}, InvalidInputError, "'n_bins'"),
        ({"n_bins": 2.0}, InvalidTypeError, "'n_bins'"),
    ],
)
def test_bad_inputs_refused(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    """Each bad argument is refused with an error naming it."""
    refused(
        calibration_report,
        {"predicted_probabilities": [0.2, 0.8], "outcomes": [0, 1], **kwargs},
        error,
        match,
    )
