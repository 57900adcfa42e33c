"""The funnel issue's contract: its calls, verbatim, must work as written."""

from __future__ import annotations


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold; every name it
    imports works on the sample data."""
    # fmt: off
    import numpy as np  # noqa: I001
    from crmkit.funnel import (weighted_pipeline, stage_conversion, fit_markov_pipeline, forecast_distribution,
        calibration_report, fit_naive_bayes_scorer, RuleScorecard, score_leads)
    from crmkit.lifecycle import SALES_PIPELINE
    fd = forecast_distribution([100.0, 200.0, 300.0], [0.5, 0.5, 0.5], method="exact")
    assert abs(fd.expected_revenue - 300.0) < 1e-9
    assert abs(fd.deal_count_pmf[0] - 0.125) < 1e-12
    cr = calibration_report(np.array([0.2, 0.8]), np.array([0, 1]))
    assert abs(cr.brier_score - 0.04) < 1e-12
    # fmt: on
    from crmkit.datasets import load_sample
    from crmkit.funnel import ScoreRule
    from crmkit.rules import Condition

    sample = load_sample()
    history = sample.pipeline_history
    is_open = history.is_open
    wp = weighted_pipeline(
        history.amount[is_open],
        history.current_stage[is_open],
        SALES_PIPELINE,
        expected_close=history.expected_close[is_open],
        period="quarter",
    )
    assert abs(sum(amount for amount, _ in wp.by_period().values()) - wp.total_amount) < 1e-6
    conversion = stage_conversion(history, SALES_PIPELINE)
    assert history.n_opportunities == conversion.entered[0]
    leads = sample.leads
    features = {name: leads[name] for name in ("company_size", "industry", "decision_level")}
    scorer = fit_naive_bayes_scorer(features, leads["won"])
    p = scorer.predict_proba(features)
    assert ((p > 0) & (p < 1)).all()
    card = RuleScorecard(
        name="b2b",
        rules=[
            ScoreRule(
                condition=Condition(field="decision_level", op="==", value="c_level"), points=40
            )
        ],
    )
    scores = score_leads(leads, card)
    assert 3000 == scores.score.size
    fit = fit_markov_pipeline(history, SALES_PIPELINE)
    assert 0 < fit.win_probability[0] < 1


def test_contract_sample_history_feeds_conversion_and_markov() -> None:
    """The sample data's pipeline history feeds `stage_conversion` and `fit_markov_pipeline`;
    the win probability from every open stage is between 0 and 1 and, for a pipeline where
    every deal that reaches a stage then wins, equals 1."""
    import numpy as np

    from crmkit.datasets import load_sample
    from crmkit.funnel import StageHistory, fit_markov_pipeline, stage_conversion
    from crmkit.lifecycle import SALES_PIPELINE

    history = load_sample().pipeline_history
    conversion = stage_conversion(history, SALES_PIPELINE)
    fit = fit_markov_pipeline(history, SALES_PIPELINE)
    open_stages = [SALES_PIPELINE.stages.index(stage) for stage in conversion.stages]

    assert ((fit.win_probability[open_stages] > 0) & (fit.win_probability[open_stages] < 1)).all()
    for rate, low, high in conversion.to_won:
        assert 0 <= low <= rate <= high <= 1

    # Every deal that reaches a stage then wins: deal k starts at open stage k % 4.
    open_names = SALES_PIPELINE.stages[:4]
    ids, stages, times = [], [], []
    for k in range(8):
        path = [*open_names[k % 4 :], "won"]
        ids += [f"d{k}"] * len(path)
        stages += path
        times += [
            np.datetime64("2025-01-01") + np.timedelta64(day, "D") for day in range(len(path))
        ]
    always_won = StageHistory.from_arrays(
        opportunity_id=ids,
        stage=stages,
        entered_at=np.array(times, dtype="datetime64[us]"),
        pipeline=SALES_PIPELINE,
    )

    won_fit = fit_markov_pipeline(always_won, SALES_PIPELINE)

    assert [1.0, 1.0, 1.0, 1.0] == won_fit.win_probability[:4].tolist()
    assert [1.0, 1.0, 1.0, 1.0] == [
        rate for rate, _, _ in stage_conversion(always_won, SALES_PIPELINE).to_won
    ]


def test_contract_bad_inputs_raise_naming_the_item() -> None:
    """The issue's bad-input list: stages not in the pipeline, transitions out of won or lost,
    probabilities outside [0, 1], negative amounts, empty histories, a target below zero,
    features with mismatched lengths or unseen categories (unseen="error") each raise a
    crmkit error naming the item."""
    import numpy as np
    import pytest

    from crmkit.errors import CrmkitError
    from crmkit.funnel import (
        StageHistory,
        calibration_report,
        fit_logistic_scorer,
        fit_naive_bayes_scorer,
        forecast_distribution,
        weighted_pipeline,
    )
    from crmkit.lifecycle import SALES_PIPELINE

    def history(stages: list[str]) -> StageHistory:
        return StageHistory.from_arrays(
            opportunity_id=["d1"] * len(stages),
            stage=stages,
            entered_at=np.array(
                [f"2025-01-{k + 1:02d}" for k in range(len(stages))], dtype="datetime64[us]"
            ),
            pipeline=SALES_PIPELINE,
        )

    naive_bayes = fit_naive_bayes_scorer(
        {"source": ["web", "web", "fair", "fair", "web", "fair"]}, [1, 1, 0, 0, 0, 1], min_count=1
    )
    logistic = fit_logistic_scorer(
        {"industry": ["retail", "retail", "retail", "software", "software"]},
        [0, 1, 0, 1, 0],
        l2=0.0,
    )
    cases = [
        (
            "stage",
            r"'stage' must be stages of the pipeline .*; got 'signed'",
            lambda: history(["proposal", "signed"]),
        ),
        (
            "stages",
            r"'stages' must be stages of the pipeline .*; got 'signed'",
            lambda: weighted_pipeline([1.0], ["signed"], SALES_PIPELINE),
        ),
        (
            "stage",
            r"'stage' must be no stage after a terminal one .*; got 'proposal'",
            lambda: history(["proposal", "won", "proposal"]),
        ),
        (
            "stage",
            r"'stage' must be no stage after a terminal one .*; got 'negotiation'",
            lambda: history(["lost", "negotiation"]),
        ),
        (
            "win_probabilities",
            r"'win_probabilities' must be within \[0, 1\]; got 1\.5",
            lambda: forecast_distribution([100.0], [1.5]),
        ),
        (
            "predicted_probabilities",
            r"'predicted_probabilities' must be .*; "
            r"got -0\.2",
            lambda: calibration_report([-0.2], [0]),
        ),
        (
            "probabilities['proposal']",
            r"'probabilities\['proposal'\]' must be a finite number "
            r"in \[0, 1\]; got 1\.5",
            lambda: weighted_pipeline(
                [1.0], ["proposal"], SALES_PIPELINE, probabilities={"proposal": 1.5}
            ),
        ),
        (
            "amounts",
            r"'amounts' must be finite numbers of at least 0; got -100\.0",
            lambda: forecast_distribution([-100.0], [0.5]),
        ),
        (
            "amounts",
            r"'amounts' must be finite numbers of at least 0; got -1\.0",
            lambda: weighted_pipeline([-1.0], ["proposal"], SALES_PIPELINE),
        ),
        (
            "amount",
            r"'amount' must be finite numbers of at least 0; got -1\.0",
            lambda: StageHistory.from_arrays(
                opportunity_id=["d1"],
                stage=["proposal"],
                entered_at=np.array(["2025-01-01"], dtype="datetime64[us]"),
                pipeline=SALES_PIPELINE,
                amount=[-1.0],
            ),
        ),
        (
            "opportunity_id",
            r"'opportunity_id' must be non-empty; got no rows",
            lambda: StageHistory.from_arrays(
                opportunity_id=[],
                stage=[],
                entered_at=np.array([], dtype="datetime64[us]"),
                pipeline=SALES_PIPELINE,
            ),
        ),
        (
            "opportunities",
            r"'opportunities' must be non-empty; got no records",
            lambda: StageHistory.from_records([], pipeline=SALES_PIPELINE),
        ),
        (
            "target",
            r"'target' must be a finite number of at least 0; got -1\.0",
            lambda: forecast_distribution([100.0], [0.5], target=-1.0),
        ),
        (
            "b",
            r"'b' must be the same length as 'a' \(3\); got length 2",
            lambda: fit_naive_bayes_scorer({"a": ["x", "y", "x"], "b": ["p", "q"]}, [1, 0, 1]),
        ),
        (
            "won",
            r"'won' must be the same length as 'features' \(3\); got length 2",
            lambda: fit_naive_bayes_scorer({"a": ["x", "y", "x"]}, [1, 0]),
        ),
        (
            "source",
            r"'source' must be a category seen in training .*; got 'tv'",
            lambda: naive_bayes.predict_proba({"source": ["web", "tv"]}, unseen="error"),
        ),
        (
            "industry",
            r"'industry' must be a category seen in training .*; got 'tv'",
            lambda: logistic.predict_proba({"industry": ["tv"]}, unseen="error"),
        ),
    ]

    for argument, match, call in cases:
        with pytest.raises(CrmkitError, match=match) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert argument == info.value.argument
