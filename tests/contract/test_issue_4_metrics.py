"""The metrics issue's contract: its calls, verbatim, must work as written."""

from __future__ import annotations


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold."""
    # fmt: off
    from crmkit.metrics import (net_promoter_score, compare_nps, nps_sample_size, csat_score, ces_score,  # noqa: I001
        proportion_ci, retention_rate, churn_rate, cohort_retention, kaplan_meier, roi, payback_period,
        cac, simple_ltv, churn_revenue_loss, uplift_test, ab_sample_size, kpi_report)
    r = net_promoter_score([10, 9, 9, 8, 7, 10, 3, 6, 9, 10])
    assert r.score == 40.0 and r.n_promoters == 6 and r.n_detractors == 2 and r.ci_low < 40 < r.ci_high
    assert churn_revenue_loss(100_000_000, 0.15, 0.20) == 3_000_000
    assert abs(roi(gain=850, cost=100) - 7.5) < 1e-12
    assert abs(payback_period([-100, 30, 30, 30, 30]) - 100 / 30) < 1e-12
    # fmt: on


def test_contract_bad_inputs_raise_naming_the_argument() -> None:
    """The issue's bad-input list for the survey, retention and survival functions: ratings
    outside the scale or not whole numbers, empty samples, n = 0, probabilities outside
    [0, 1], mismatched lengths and durations < 0 raise InvalidInputError naming the argument."""
    from datetime import date

    import numpy as np
    import pytest

    from crmkit import Transactions
    from crmkit.errors import InvalidInputError
    from crmkit.metrics import (
        ab_sample_size,
        ces_score,
        cohort_retention,
        compare_nps,
        csat_score,
        customer_tenure,
        kaplan_meier,
        net_promoter_score,
        nps_sample_size,
        period_retention,
        proportion_ci,
        retention_rate,
        uplift_test,
    )

    empty = Transactions.from_arrays(customer_id=[], at=np.array([], "datetime64[us]"), amount=[])
    one_purchase = Transactions.from_arrays(
        customer_id=["a"], at=np.array(["2025-01-01"], "datetime64[us]"), amount=[1.0]
    )
    cases = [
        ("ratings", r"'ratings'.*0 to 10; got 11", lambda: net_promoter_score([9, 11])),
        ("ratings", r"'ratings'.*whole numbers.*; got 7\.5", lambda: net_promoter_score([7.5])),
        ("ratings", r"'ratings'.*1 to 5; got 6", lambda: csat_score([6])),
        ("ratings", r"'ratings'.*1 to 7; got 0", lambda: ces_score([0])),
        ("ratings", r"'ratings' must be non-empty", lambda: net_promoter_score([])),
        ("second", r"'second' must be non-empty", lambda: compare_nps([9], [])),
        ("ratings", r"'ratings' must be non-empty", lambda: csat_score([])),
        ("n", r"'n'.*at least 1; got 0", lambda: proportion_ci(0, 0)),
        ("treated_n", r"'treated_n'.*at least 1; got 0", lambda: uplift_test(0, 0, 1, 10)),
        ("p1", r"'p1'.*\(0, 1\); got 1\.5", lambda: ab_sample_size(1.5, 0.5)),
        ("p2", r"'p2'.*\(0, 1\); got -0\.1", lambda: ab_sample_size(0.5, -0.1)),
        (
            "expected",
            r"'expected'.*\[0, 1\]; got 1\.1",
            lambda: nps_sample_size(5, expected=(1.1, 0)),
        ),
        (
            "confidence",
            r"'confidence'.*\(0, 1\); got 1\.2",
            lambda: proportion_ci(1, 2, confidence=1.2),
        ),
        ("start", r"'start'.*at least 1; got 0", lambda: retention_rate(0, 5, 5)),
        (
            "observed",
            r"'observed' must be the same length as 'durations'",
            lambda: kaplan_meier([1, 2], [1]),
        ),
        ("durations", r"'durations'.*at least 0; got -1\.0", lambda: kaplan_meier([-1], [1])),
        ("observed", r"'observed'.*0 to 1; got 2", lambda: kaplan_meier([1], [2])),
        ("durations", r"'durations' must be non-empty", lambda: kaplan_meier([], [])),
        ("transactions", r"'transactions' must be non-empty", lambda: cohort_retention(empty)),
        ("transactions", r"'transactions' must be non-empty", lambda: period_retention(empty)),
        (
            "churn_after_days",
            r"'churn_after_days'.*at least 1; got 0",
            lambda: customer_tenure(one_purchase, as_of=date(2025, 2, 1), churn_after_days=0),
        ),
    ]

    for argument, match, call in cases:
        with pytest.raises(InvalidInputError, match=match) as info:
            call()
        assert argument == info.value.argument


def test_contract_degenerate_inputs_return_documented_values() -> None:
    """All promoters, a single response and no churn return the documented values, never
    NaN and never a numpy warning (warnings are errors in this suite)."""
    from datetime import date

    import numpy as np

    from crmkit import Transactions
    from crmkit.metrics import (
        ces_score,
        churn_rate,
        cohort_retention,
        compare_nps,
        csat_score,
        customer_tenure,
        kaplan_meier,
        net_promoter_score,
        proportion_ci,
        retention_rate,
        set_churn_rate,
        two_proportion_test,
    )

    # All promoters: +100; Wald's interval is [100, 100], the adjusted one ends at 100.
    wald = net_promoter_score([10, 10, 9], method="wald")
    assert (100.0, 100.0, 100.0) == (wald.score, wald.ci_low, wald.ci_high)
    adjusted = net_promoter_score([10, 10, 9])
    assert 100.0 == adjusted.ci_high and -100.0 < adjusted.ci_low < 100.0
    boot = net_promoter_score([10, 10, 9], method="bootstrap", seed=0)
    assert (100.0, 100.0) == (boot.ci_low, boot.ci_high)

    # A single response: finite everywhere; CES gives a zero-width interval.
    one = net_promoter_score([3])
    assert (-100.0, -98.5, 48.5) == (one.score, round(one.ci_low, 1), round(one.ci_high, 1))
    ces = ces_score([4])
    assert (4.0, 4.0, 4.0) == (ces.mean, ces.ci_low, ces.ci_high)
    csat = csat_score([5])
    assert (1.0, 1.0) == (csat.satisfied_share, csat.ci_high) and 0.0 < csat.ci_low < 1.0
    assert np.isfinite(compare_nps([9], [3]).p_value)
    assert 1.0 == proportion_ci(1, 1).estimate
    test = two_proportion_test(0, 5, 0, 7)
    assert (0.0, 1.0) == (test.z, test.p_value)

    # No churn.
    assert (1.0, 0.0) == (retention_rate(100, 100, 0), churn_rate(100, 100, 0))
    assert 0.0 == set_churn_rate({"a", "b"}, {"a", "b"})
    km = kaplan_meier([1, 2, 3], [0, 0, 0])
    assert [1.0, 1.0, 1.0] == km.survival.tolist() and km.median is None
    txns = Transactions.from_arrays(
        customer_id=["a", "a", "a"],
        at=np.array(["2025-01-05", "2025-02-05", "2025-03-05"], "datetime64[us]"),
        amount=[1.0, 1.0, 1.0],
    )
    assert [1.0, 1.0, 1.0] == cohort_retention(txns).rates[0].tolist()
    tenure = customer_tenure(txns, as_of=date(2025, 3, 31), churn_after_days=90)
    assert (False, 85.0) == (bool(tenure.is_churned[0]), float(tenure.duration_days[0]))
    assert [1.0] == tenure.kaplan_meier().survival.tolist()
