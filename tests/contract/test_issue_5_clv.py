"""The CLV issue's contract: its calls, verbatim, must work as written."""

from __future__ import annotations


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold."""
    # fmt: off
    from datetime import date  # noqa: I001
    from crmkit import io
    from crmkit.datasets import load_sample
    from crmkit.metrics.clv import (btyd_summary, fit_bg_nbd, fit_pareto_nbd, fit_modified_bg_nbd, fit_bg_bb,
        fit_gamma_gamma, fit_shifted_beta_geometric, customer_lifetime_value, BgNbdFit)
    s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30),
                     observation_end=date(2024, 12, 31), period="W")
    fit = fit_bg_nbd(s.frequency, s.recency, s.T)
    print(fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood, fit.standard_errors)
    p = fit.probability_alive(frequency=s.frequency, recency=s.recency, T=s.T)
    assert ((p >= 0) & (p <= 1)).all()
    assert io.from_json(BgNbdFit, io.to_json(fit)) == fit
    paper = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)   # Fader, Hardie & Lee (2005)
    assert abs(paper.expected_purchases(39, frequency=2, recency=30.43, T=38.86) - 1.226) < 0.005
    sbg = fit_shifted_beta_geometric([1000, 800, 680, 600, 540, 495, 460, 430])
    assert sbg.alpha > 0 and sbg.beta > 0
    # fmt: on


def test_contract_bad_inputs_raise_with_index_and_count() -> None:
    """The issue's bad-input list: recency > T, negative or non-integer frequency, frequency > 0
    with recency = 0, T <= 0, monetary <= 0 for repeat buyers, survivors that increase,
    mismatched lengths and unknown period strings raise InvalidInputError naming the argument;
    array rows also name the first bad index and how many rows are bad."""
    from datetime import date

    import pytest

    from crmkit.datasets import load_sample
    from crmkit.errors import InvalidInputError
    from crmkit.metrics.clv import (
        btyd_summary,
        fit_bg_nbd,
        fit_gamma_gamma,
        fit_pareto_nbd,
        fit_shifted_beta_geometric,
    )

    cases = [
        (
            "recency",
            3,
            r"'recency' must be at most T; got 5\.0 at index 3 \(1 of 4 rows\)",
            lambda: fit_bg_nbd([0, 1, 2, 3], [0, 1, 2, 5], [4, 4, 4, 4]),
        ),
        (
            "frequency",
            3,
            r"'frequency'.*got -1 at index 3 \(1 of 4 rows\)",
            lambda: fit_pareto_nbd([0, 1, 2, -1], [0, 1, 2, 3], [4, 4, 4, 4]),
        ),
        (
            "frequency",
            1,
            r"'frequency'.*whole numbers.*got 1\.5 at index 1 \(2 of 4 rows\)",
            lambda: fit_bg_nbd([0, 1.5, 2, 2.5], [0, 1, 2, 3], [4, 4, 4, 4]),
        ),
        (
            "recency",
            1,
            r"'recency'.*greater than 0 when frequency > 0; got 0\.0 at index 1 \(2 of 4 rows\)",
            lambda: fit_bg_nbd([0, 1, 2, 3], [0, 0, 0, 3], [4, 4, 4, 4]),
        ),
        (
            "T",
            2,
            r"'T'.*above 0; got 0\.0 at index 2 \(1 of 4 rows\)",
            lambda: fit_bg_nbd([0, 1, 0, 3], [0, 1, 0, 3], [4, 4, 0, 4]),
        ),
        (
            "T",
            3,
            r"'T'.*above 0; got -4\.0 at index 3 \(1 of 4 rows\)",
            lambda: fit_pareto_nbd([0, 1, 0, 0], [0, 1, 0, 0], [4, 4, 4, -4]),
        ),
        (
            "monetary_value",
            3,
            r"'monetary_value'.*repeat purchases; got 0\.0 at index 3 \(2 of 5 rows\)",
            lambda: fit_gamma_gamma([0, 1, 2, 3, 4], [0.0, 5.0, 6.0, 0.0, 0.0]),
        ),
        (
            "survivors",
            3,
            r"'survivors'.*never increasing.*got 700 at index 3 \(1 of 5 rows\)",
            lambda: fit_shifted_beta_geometric([1000, 800, 680, 700, 540]),
        ),
        (
            "T",
            None,
            r"'T' must be the same length as 'frequency' \(4\); got length 3",
            lambda: fit_bg_nbd([0, 1, 2, 3], [0, 1, 2, 3], [4, 4, 4]),
        ),
        (
            "monetary_value",
            None,
            r"'monetary_value' must be the same length as 'frequency' \(2\); got length 3",
            lambda: fit_gamma_gamma([1, 2], [5.0, 6.0, 7.0]),
        ),
        (
            "period",
            None,
            r"'period' must be one of 'D', 'W'; got 'M'",
            lambda: btyd_summary(
                load_sample().transactions, calibration_end=date(2024, 6, 30), period="M"
            ),
        ),
    ]

    for argument, index, match, call in cases:
        with pytest.raises(InvalidInputError, match=match) as info:
            call()
        assert argument == info.value.argument
        assert index == info.value.index


def test_contract_optimiser_failure_is_a_convergence_error() -> None:
    """An optimiser stopped after one iteration raises ConvergenceError for every model,
    never returning a silent bad fit."""
    from datetime import date

    import pytest

    from crmkit.datasets import load_sample
    from crmkit.errors import ConvergenceError
    from crmkit.metrics.clv import (
        btyd_summary,
        fit_bg_bb,
        fit_bg_nbd,
        fit_gamma_gamma,
        fit_modified_bg_nbd,
        fit_pareto_nbd,
        fit_shifted_beta_geometric,
    )

    s = btyd_summary(load_sample().transactions, calibration_end=date(2024, 6, 30), period="W")
    calls = [
        lambda: fit_bg_nbd(s.frequency, s.recency, s.T, max_iter=1),
        lambda: fit_modified_bg_nbd(s.frequency, s.recency, s.T, max_iter=1),
        lambda: fit_pareto_nbd(s.frequency, s.recency, s.T, max_iter=1),
        lambda: fit_gamma_gamma(s.frequency, s.monetary_value, max_iter=1),
        lambda: fit_bg_bb(
            [1, 2, 0, 3, 6], [1, 3, 0, 5, 6], [6] * 5, weights=[9, 5, 20, 4, 7], max_iter=1
        ),
        lambda: fit_shifted_beta_geometric([1000, 800, 680, 600, 540], max_iter=1),
    ]

    for call in calls:
        with pytest.raises(ConvergenceError, match="did not converge after 1 iterations") as info:
            call()
        assert 1 == info.value.n_iter
