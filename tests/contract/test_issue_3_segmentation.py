"""The segmentation issue's contract: its calls, verbatim, must work as written."""

from __future__ import annotations


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold."""
    from datetime import date

    from crmkit import io
    from crmkit.datasets import load_sample
    from crmkit.segmentation import (
        RF_GRID,
        STANDARD_SEGMENTS,
        SegmentScheme,
        assign_segments,
        gini_coefficient,
        kmeans_segments,
        lorenz_curve,
        pareto_abc,
        rfm_summary,
        score_rfm,
        value_matrix,
    )

    txns = load_sample().transactions
    s = rfm_summary(txns, as_of=date(2025, 1, 1))
    sc = score_rfm(s)
    seg = assign_segments(sc, scheme=STANDARD_SEGMENTS)
    assert set(seg.counts) <= set(STANDARD_SEGMENTS.segment_names)
    assert io.from_json(SegmentScheme, io.to_json(STANDARD_SEGMENTS)) == STANDARD_SEGMENTS
    assert abs(gini_coefficient([1, 1, 1, 1])) < 1e-12


def test_contract_bad_inputs_raise_naming_the_argument() -> None:
    """The issue's bad-input list: empty transactions, as_of before every transaction,
    non-positive n_bins, thresholds not increasing, NaN or negative values where not
    meaningful, unknown option strings, and an inconsistent scheme all raise
    InvalidInputError / InvalidDefinitionError naming the argument (or listing the problem)."""
    from datetime import date

    import numpy as np
    import pytest

    from crmkit import Transactions
    from crmkit.errors import InvalidDefinitionError, InvalidInputError
    from crmkit.segmentation import (
        Segment,
        SegmentScheme,
        gini_coefficient,
        pareto_abc,
        rfm_summary,
        score_rfm,
        value_matrix,
    )

    empty = Transactions.from_arrays(customer_id=[], at=np.array([], "datetime64[us]"), amount=[])
    txns = Transactions.from_arrays(
        customer_id=["a", "b"],
        at=np.array(["2025-01-01", "2025-01-02"], dtype="datetime64[us]"),
        amount=[10.0, 20.0],
    )
    summary = rfm_summary(txns, as_of=date(2025, 1, 31))
    bad_thresholds = {
        "recency": [30, 7, 60, 90],
        "frequency": [2, 3, 5, 10],
        "monetary": [1, 2, 3, 4],
    }

    with pytest.raises(InvalidInputError, match="'transactions'"):
        rfm_summary(empty, as_of=date(2025, 1, 31))
    with pytest.raises(InvalidInputError, match="'as_of'"):
        rfm_summary(txns, as_of=date(2024, 12, 31))
    for n_bins in (0, -1):
        with pytest.raises(InvalidInputError, match="'n_bins'"):
            score_rfm(summary, n_bins=n_bins)
    with pytest.raises(InvalidInputError, match=r"'thresholds\['recency'\]'.*strictly increasing"):
        score_rfm(summary, method="fixed", thresholds=bad_thresholds)
    with pytest.raises(InvalidInputError, match=r"'values'.*nan"):
        gini_coefficient([1.0, float("nan")])
    with pytest.raises(InvalidInputError, match=r"'values'.*-1"):
        pareto_abc([5.0, -1.0])
    with pytest.raises(InvalidInputError, match=r"'monetary'.*'median'"):
        rfm_summary(txns, as_of=date(2025, 1, 31), monetary="median")
    with pytest.raises(InvalidInputError, match=r"'ties'.*'min'"):
        score_rfm(summary, ties="min")
    with pytest.raises(InvalidInputError, match=r"'split'.*'mean'"):
        value_matrix([1, 2], [2, 1], split="mean")
    with pytest.raises(InvalidDefinitionError, match="belong to no segment"):
        SegmentScheme(name="empty-ish", segments=[Segment(name="vip", codes=["555"])])


def test_contract_all_ties_score_deterministically() -> None:
    """'A customer set where all values tie still scores deterministically': every customer
    gets the middle score 3 of 5 under average and dense ties, on R, F and M."""
    from datetime import date

    import numpy as np

    from crmkit import Transactions
    from crmkit.segmentation import rfm_summary, score_rfm

    txns = Transactions.from_arrays(
        customer_id=["a", "b", "c", "d"],
        at=np.array(["2025-01-01"] * 4, dtype="datetime64[us]"),
        amount=[10.0] * 4,
    )
    summary = rfm_summary(txns, as_of=date(2025, 1, 31))

    for ties in ("average", "dense"):
        scores = score_rfm(summary, ties=ties)
        assert ["333"] * 4 == scores.code.tolist()
