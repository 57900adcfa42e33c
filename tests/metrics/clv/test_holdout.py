"""evaluate_holdout: predicted vs actual purchases after the calibration window."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from tests.assertions import refused

from crmkit import Transactions
from crmkit.datasets import Sample
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics.clv import (
    BgBbFit,
    BgNbdFit,
    BtydSummary,
    GammaGammaFit,
    HoldoutEvaluation,
    ModifiedBgNbdFit,
    ParetoNbdFit,
    btyd_summary,
    evaluate_holdout,
    fit_bg_nbd,
)

PAPER = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
"""Known parameters without a period (so any summary's period is accepted)."""


@pytest.fixture(scope="module")
def weekly(sample: Sample) -> BtydSummary:
    """The sample's weekly summary: calibration to 30 June, holdout to 31 December 2024."""
    return btyd_summary(
        sample.transactions,
        calibration_end=date(2024, 6, 30),
        observation_end=date(2024, 12, 31),
        period="W",
    )


@pytest.fixture(scope="module")
def weekly_fit(weekly: BtydSummary) -> BgNbdFit:
    """A BG/NBD fit of the weekly calibration columns, knowing its period."""
    return fit_bg_nbd(weekly.frequency, weekly.recency, weekly.T, period=weekly.period_days)


@pytest.fixture(scope="module")
def tiny() -> BtydSummary:
    """Four customers, daily, calibration to 28 Jan 2025, holdout to 27 Feb (30 days).

    a: 1, 11, 21 Jan, then 5 Feb  -> frequency 2, recency 20, T 28, holdout 1
    b: 5 Jan                      -> frequency 0, recency 0,  T 24, holdout 0
    c: 2, 3, 4, 5 Jan, 1 + 2 Feb  -> frequency 3, recency 3,  T 27, holdout 2
    d: 10, 20 Jan, 10, 11, 12 Feb -> frequency 1, recency 10, T 19, holdout 3
    """
    days = {
        "a": ["2025-01-01", "2025-01-11", "2025-01-21", "2025-02-05"],
        "b": ["2025-01-05"],
        "c": ["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05", "2025-02-01", "2025-02-02"],
        "d": ["2025-01-10", "2025-01-20", "2025-02-10", "2025-02-11", "2025-02-12"],
    }
    ids = [customer for customer, dates in days.items() for _ in dates]
    at = np.array([day for dates in days.values() for day in dates], dtype="datetime64[us]")
    transactions = Transactions.from_arrays(customer_id=ids, at=at, amount=[10.0] * len(ids))
    return btyd_summary(
        transactions, calibration_end=date(2025, 1, 28), observation_end=date(2025, 2, 27)
    )


class TestByHand:
    def test_summary_as_described(self, tiny: BtydSummary) -> None:
        """The fixture's summary is what its docstring says (the rest builds on it)."""
        assert [2, 0, 3, 1] == tiny.frequency.tolist()
        assert [20.0, 0.0, 3.0, 10.0] == tiny.recency.tolist()
        assert [28.0, 24.0, 27.0, 19.0] == tiny.T.tolist()
        assert [1, 0, 2, 3] == tiny.frequency_holdout.tolist()  # type: ignore[union-attr]
        assert 30.0 == tiny.duration_holdout

    def test_groups_with_top_group(self, tiny: BtydSummary) -> None:
        """max_frequency = 2: groups 0 (b), 1 (d) and 2+ (a, c); actual means 0, 3 and
        (1 + 2) / 2 = 1.5; predicted means are the customers' predictions averaged the same way."""
        evaluation = evaluate_holdout(PAPER, tiny, max_frequency=2)
        predicted = np.asarray(
            PAPER.expected_purchases(
                30, frequency=[2, 0, 3, 1], recency=[20, 0, 3, 10], T=[28, 24, 27, 19]
            )
        )

        assert [0, 1, 2] == evaluation.frequency.tolist()
        assert [1, 1, 2] == evaluation.n_customers.tolist()
        assert [0.0, 3.0, 1.5] == evaluation.actual.tolist()
        assert pytest.approx(predicted.tolist()) == evaluation.predicted_by_customer.tolist()
        assert (
            pytest.approx([predicted[1], predicted[3], (predicted[0] + predicted[2]) / 2])
            == evaluation.predicted.tolist()
        )
        assert 6.0 == evaluation.total_actual
        assert pytest.approx(predicted.sum()) == evaluation.total_predicted
        assert pytest.approx(np.abs(predicted - [1, 0, 2, 3]).mean()) == evaluation.mae
        assert 30.0 == evaluation.duration

    def test_absent_frequencies_leave_no_group(self, tiny: BtydSummary) -> None:
        """With the default top group 7, only the frequencies present (0, 1, 2, 3) appear."""
        evaluation = evaluate_holdout(PAPER, tiny)

        assert [0, 1, 2, 3] == evaluation.frequency.tolist()
        assert [1, 1, 1, 1] == evaluation.n_customers.tolist()
        assert [0.0, 3.0, 1.0, 2.0] == evaluation.actual.tolist()


class TestSample:
    def test_groups_by_calibration_frequency(
        self, weekly: BtydSummary, weekly_fit: BgNbdFit
    ) -> None:
        """Groups 0..6 and 7+ count the customers and average their holdout purchases,
        recounted here one customer at a time."""
        evaluation = evaluate_holdout(weekly_fit, weekly)
        counts = [0] * 8
        sums = [0.0] * 8
        for frequency, holdout in zip(
            weekly.frequency.tolist(),
            weekly.frequency_holdout.tolist(),  # type: ignore[union-attr]
            strict=True,
        ):
            counts[min(frequency, 7)] += 1
            sums[min(frequency, 7)] += holdout

        assert list(range(8)) == evaluation.frequency.tolist()
        assert counts == evaluation.n_customers.tolist()
        assert sum(counts) == weekly.n_customers
        assert pytest.approx([s / n for s, n in zip(sums, counts, strict=True)]) == (
            evaluation.actual.tolist()
        )

    def test_totals_and_mae(self, weekly: BtydSummary, weekly_fit: BgNbdFit) -> None:
        """Totals are sums over customers; MAE is the mean |predicted - actual| per customer;
        the predictions are the fit's expected purchases over the holdout's 184 / 7 weeks."""
        evaluation = evaluate_holdout(weekly_fit, weekly)
        predicted = evaluation.predicted_by_customer
        actual = weekly.frequency_holdout.astype(float)  # type: ignore[union-attr]

        assert pytest.approx(184 / 7) == evaluation.duration
        assert (
            pytest.approx(
                np.asarray(
                    weekly_fit.expected_purchases(
                        184 / 7, frequency=weekly.frequency, recency=weekly.recency, T=weekly.T
                    )
                ).tolist()
            )
            == predicted.tolist()
        )
        assert float(actual.sum()) == evaluation.total_actual
        assert pytest.approx(float(predicted.sum())) == evaluation.total_predicted
        assert pytest.approx(float(np.mean(np.abs(predicted - actual)))) == evaluation.mae
        group_totals = evaluation.predicted * evaluation.n_customers
        assert pytest.approx(evaluation.total_predicted) == float(group_totals.sum())

    def test_fit_predicts_the_holdout_total(
        self, weekly: BtydSummary, weekly_fit: BgNbdFit
    ) -> None:
        """On the sample the BG/NBD total is within 20% of what happened (as documented)."""
        evaluation = evaluate_holdout(weekly_fit, weekly)

        assert abs(evaluation.total_predicted / evaluation.total_actual - 1) < 0.2
        assert evaluation.total_predicted > 0

    def test_repr(self, weekly: BtydSummary, weekly_fit: BgNbdFit) -> None:
        """The repr shows the totals and MAE."""
        evaluation = evaluate_holdout(weekly_fit, weekly)

        assert isinstance(evaluation, HoldoutEvaluation)
        assert repr(evaluation).startswith(
            f"HoldoutEvaluation(total_actual={evaluation.total_actual:.6g}, "
        )

    @pytest.mark.parametrize(
        "fit",
        [
            ParetoNbdFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669, period="W"),
            ModifiedBgNbdFit.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5),
            BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, period=7),
        ],
    )
    def test_other_continuous_models(self, weekly: BtydSummary, fit: Any) -> None:
        """Pareto/NBD and MBG/NBD fits, and a period given in days, work the same way."""
        evaluation = evaluate_holdout(fit, weekly, max_frequency=3)

        assert [0, 1, 2, 3] == evaluation.frequency.tolist()
        assert (
            pytest.approx(
                np.asarray(
                    fit.expected_purchases(
                        weekly.duration_holdout,
                        frequency=weekly.frequency,
                        recency=weekly.recency,
                        T=weekly.T,
                    )
                ).sum()
            )
            == evaluation.total_predicted
        )


class TestRefused:
    def test_summary_without_holdout(self, sample: Sample) -> None:
        """A summary made without observation_end has nothing to compare: refused naming
        'summary'."""
        calibration_only = btyd_summary(
            sample.transactions, calibration_end=date(2024, 6, 30), period="W"
        )

        refused(
            evaluate_holdout,
            {"fit": PAPER, "summary": calibration_only},
            InvalidInputError,
            "'summary'",
        )

    @pytest.mark.parametrize("period", ["D", 1, 14.0])
    def test_fit_on_another_period(self, weekly: BtydSummary, period: Any) -> None:
        """A fit that knows it is daily (or fortnightly) is not read on weekly numbers:
        refused naming 'fit'."""
        fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, period=period)

        with pytest.raises(InvalidInputError, match=r"summary's period \(7\.0 days\)") as info:
            evaluate_holdout(fit, weekly)
        assert "fit" == info.value.argument

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"fit": BgBbFit.from_params(alpha=1.0, beta=1.0, gamma=1.0, delta=1.0)}, "'fit'"),
            ({"fit": GammaGammaFit.from_params(p=1.0, q=2.0, gamma=3.0)}, "'fit'"),
            ({"summary": {"frequency": [1]}}, "'summary'"),
            ({"max_frequency": 2.0}, "'max_frequency'"),
        ],
    )
    def test_wrong_types(self, weekly: BtydSummary, kwargs: dict[str, Any], match: str) -> None:
        """BG/BB (discrete) and spend fits, non-summaries and a float top group: type errors."""
        refused(
            evaluate_holdout, {"fit": PAPER, "summary": weekly, **kwargs}, InvalidTypeError, match
        )

    def test_max_frequency_at_least_one(self, weekly: BtydSummary) -> None:
        """The top group must be at least 1."""
        refused(
            evaluate_holdout,
            {"fit": PAPER, "summary": weekly, "max_frequency": 0},
            InvalidInputError,
            "'max_frequency'",
        )


def test_to_frame_holds_the_groups(sample: Sample) -> None:
    """to_frame has one row per calibration-frequency group, with the evaluation's numbers."""
    summary = btyd_summary(
        sample.transactions,
        calibration_end=date(2024, 6, 30),
        observation_end=date(2024, 12, 31),
        period="W",
    )
    evaluation = evaluate_holdout(
        fit_bg_nbd(summary.frequency, summary.recency, summary.T), summary
    )

    frame = evaluation.to_frame(backend="polars")

    assert evaluation.frequency.tolist() == frame["frequency"].to_list()
    assert evaluation.predicted.tolist() == frame["predicted"].to_list()
