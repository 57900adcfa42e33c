"""StageHistory and fit_markov_pipeline: the pipeline as an absorbing chain."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import MarkovPipelineFit, StageHistory, fit_markov_pipeline
from crmkit.lifecycle import CUSTOMER_LIFECYCLE, SALES_PIPELINE

STAGES = SALES_PIPELINE.stages
OPEN = STAGES[:4]


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[us]")


def history(rows: list[tuple[str, str, str]]) -> StageHistory:
    """Build from (opportunity, stage, day) rows."""
    ids, stages, at = zip(*rows, strict=True)
    return StageHistory.from_arrays(
        opportunity_id=list(ids), stage=list(stages), entered_at=days(*at), pipeline=SALES_PIPELINE
    )


def code(stage: str) -> int:
    return STAGES.index(stage)


class TestStageHistory:
    def test_rows_sorted_by_opportunity_then_time(self) -> None:
        """Rows given in any order come out per opportunity in time order."""
        h = history(
            [
                ("d2", "proposal", "2025-01-05"),
                ("d1", "won", "2025-02-01"),
                ("d1", "initial_contact", "2025-01-01"),
            ]
        )

        assert ["d1", "d2"] == h.opportunity_ids.tolist()
        assert [code("initial_contact"), code("won"), code("proposal")] == h.stage_code.tolist()
        assert [False, True] == h.is_open.tolist()

    def test_from_frame_names_columns(self) -> None:
        """A pandas frame with its own column names builds the same history."""
        frame = pd.DataFrame(
            {
                "deal": ["d1", "d1"],
                "step": ["proposal", "lost"],
                "when": pd.to_datetime(["2025-01-01", "2025-01-20"]),
            }
        )

        h = StageHistory.from_frame(
            frame, pipeline=SALES_PIPELINE, opportunity_id="deal", stage="step", entered_at="when"
        )

        assert [code("proposal"), code("lost")] == h.stage_code.tolist()

    def test_unknown_stage_names_stage(self) -> None:
        """A stage outside the pipeline is refused with its index."""
        with pytest.raises(InvalidInputError, match=r"'stage' must be .* index 1") as error:
            history([("d1", "proposal", "2025-01-01"), ("d1", "signed", "2025-01-02")])

        assert "stage" == error.value.argument

    def test_moving_out_of_won_is_refused(self) -> None:
        """No transition out of won or lost: a stage after won is refused."""
        with pytest.raises(InvalidInputError, match="after a terminal") as error:
            history([("d1", "won", "2025-01-01"), ("d1", "proposal", "2025-01-02")])

        assert "stage" == error.value.argument

    def test_empty_history_is_refused(self) -> None:
        """No rows: nothing to learn from."""
        refused(
            StageHistory.from_arrays,
            {
                "opportunity_id": [],
                "stage": [],
                "entered_at": days(),
                "pipeline": SALES_PIPELINE,
            },
            InvalidInputError,
            "'opportunity_id' must",
        )

    def test_lengths_must_match(self) -> None:
        """One stage per row."""
        refused(
            StageHistory.from_arrays,
            {
                "opportunity_id": ["d1", "d1"],
                "stage": ["proposal"],
                "entered_at": days("2025-01-01", "2025-01-02"),
                "pipeline": SALES_PIPELINE,
            },
            InvalidInputError,
            "'stage' must",
        )


class TestMarkov:
    def test_half_the_proposals_win(self) -> None:
        """Two deals from proposal, one won and one lost: win probability 1/2 there."""
        fit = fit_markov_pipeline(
            history(
                [
                    ("d1", "proposal", "2025-01-01"),
                    ("d1", "won", "2025-01-11"),
                    ("d2", "proposal", "2025-01-01"),
                    ("d2", "lost", "2025-01-31"),
                ]
            ),
            SALES_PIPELINE,
        )

        assert 0.5 == fit.win_probability[code("proposal")]
        # mean of 10 and 30 days
        assert 20.0 == fit.mean_days_in_stage[code("proposal")]
        assert 1.0 == fit.expected_moves[code("proposal")]
        assert 20.0 == fit.expected_days_to_close[code("proposal")]
        assert 20.0 == fit.expected_days_to_win[code("proposal")]

    def test_two_step_chain_by_hand(self) -> None:
        """negotiation wins 2 of 3; proposal moves to negotiation 1 of 2, else is lost:
        P(win | proposal) = 1/2 x 2/3 = 1/3, expected moves 1 + 1/2 = 1.5."""
        fit = fit_markov_pipeline(
            history(
                [
                    ("a", "proposal", "2025-01-01"),
                    ("a", "negotiation", "2025-01-03"),
                    ("a", "won", "2025-01-04"),
                    ("b", "proposal", "2025-01-01"),
                    ("b", "lost", "2025-01-05"),
                    ("c", "negotiation", "2025-01-01"),
                    ("c", "won", "2025-01-02"),
                    ("d", "negotiation", "2025-01-01"),
                    ("d", "lost", "2025-01-02"),
                ]
            ),
            SALES_PIPELINE,
        )

        assert pytest.approx(2 / 3, rel=1e-12) == fit.win_probability[code("negotiation")]
        assert pytest.approx(1 / 3, rel=1e-12) == fit.win_probability[code("proposal")]
        assert pytest.approx(1.5, rel=1e-12) == fit.expected_moves[code("proposal")]

    def test_stage_without_moves_keeps_its_stated_probability(self) -> None:
        """A stage nobody left is not guessed: it keeps the pipeline's stated probability."""
        fit = fit_markov_pipeline(
            history([("a", "proposal", "2025-01-01"), ("a", "won", "2025-01-02")]),
            SALES_PIPELINE,
        )

        contact = code("initial_contact")
        assert not fit.has_moves[contact]
        assert SALES_PIPELINE.probabilities["initial_contact"] == fit.win_probability[contact]
        assert SALES_PIPELINE.probabilities["initial_contact"] == fit.stated_probability[contact]

    def test_open_deals_add_time_at_risk_with_as_of(self) -> None:
        """With as_of an open deal's stay counts as exposure: (10 + 20) days / 1 move."""
        h = history(
            [
                ("a", "proposal", "2025-01-01"),
                ("a", "won", "2025-01-11"),
                ("b", "proposal", "2025-01-01"),
            ]
        )

        without = fit_markov_pipeline(h, SALES_PIPELINE)
        with_open = fit_markov_pipeline(h, SALES_PIPELINE, as_of=date(2025, 1, 20))

        assert 10.0 == without.mean_days_in_stage[code("proposal")]
        # the open deal is in proposal from 1 Jan to the end of 20 Jan: 20 days
        assert pytest.approx(30.0, abs=1e-6) == with_open.mean_days_in_stage[code("proposal")]

    def test_win_within_horizon_is_exponential_for_one_stage(self) -> None:
        """One stage that always wins after a mean of 10 days: P(win by t) = 1 - exp(-t/10)."""
        fit = fit_markov_pipeline(
            history([("a", "proposal", "2025-01-01"), ("a", "won", "2025-01-11")]),
            SALES_PIPELINE,
        )

        within = fit.win_probability_within(25.0)[code("proposal")]

        assert pytest.approx(1 - math.exp(-2.5), rel=1e-9) == within
        assert 1.0 == fit.win_probability_within(0.0)[code("won")]

    def test_to_frame_compares_stated_and_estimated(self) -> None:
        """to_frame has a row per stage with the stated and the estimated win probability."""
        fit = fit_markov_pipeline(
            history([("a", "proposal", "2025-01-01"), ("a", "won", "2025-01-11")]),
            SALES_PIPELINE,
        )

        frame = fit.to_frame()

        assert list(STAGES) == frame["stage"].tolist()
        assert isinstance(fit, MarkovPipelineFit)

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(OPEN), min_size=1, max_size=4),
                st.sampled_from(["won", "lost", "open"]),
            ),
            min_size=1,
            max_size=15,
        )
    )
    def test_win_probabilities_are_probabilities(self, deals: list[tuple[list[str], str]]) -> None:
        """Whatever the moves, every stage's win probability lies in [0, 1], and won's is 1."""
        rows = []
        for i, (path, outcome) in enumerate(deals):
            # Forward moves, as the pipeline allows (cycles among open stages that never
            # close are refused: their win probability is undefined).
            forward = sorted(set(path), key=OPEN.index)
            stages = forward + ([] if outcome == "open" else [outcome])
            rows += [(f"d{i}", s, f"2025-01-{k + 1:02d}") for k, s in enumerate(stages)]

        fit = fit_markov_pipeline(history(rows), SALES_PIPELINE)

        assert ((fit.win_probability >= 0) & (fit.win_probability <= 1)).all()
        assert 1.0 == fit.win_probability[code("won")]
        assert 0.0 == fit.win_probability[code("lost")]

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.sampled_from(OPEN), min_size=1, max_size=4))
    def test_every_deal_wins_means_probability_one(self, path: list[str]) -> None:
        """If every deal that reaches a stage then wins, its win probability is 1."""
        rows = [("d", s, f"2025-01-{k + 1:02d}") for k, s in enumerate([*path, "won"])]

        fit = fit_markov_pipeline(history(rows), SALES_PIPELINE)

        for stage in set(path):
            assert pytest.approx(1.0, rel=1e-12) == fit.win_probability[code(stage)]


class TestRefused:
    def test_open_stages_that_never_close_are_refused(self) -> None:
        """Deals that only move back and forth between open stages leave the win
        probability undefined: refused, naming 'history'."""
        h = history(
            [
                ("a", "proposal", "2025-01-01"),
                ("a", "negotiation", "2025-01-02"),
                ("a", "proposal", "2025-01-03"),
            ]
        )

        refused(
            fit_markov_pipeline,
            {"history": h, "pipeline": SALES_PIPELINE},
            InvalidInputError,
            "'history' must",
        )

    def test_re_entering_a_stage_is_not_a_move(self) -> None:
        """Two entries of the same stage in a row count as one stay."""
        fit = fit_markov_pipeline(
            history(
                [
                    ("a", "proposal", "2025-01-01"),
                    ("a", "proposal", "2025-01-05"),
                    ("a", "won", "2025-01-11"),
                ]
            ),
            SALES_PIPELINE,
        )

        assert 0 == fit.transition_counts[code("proposal"), code("proposal")]
        assert 10.0 == fit.mean_days_in_stage[code("proposal")]

    def test_other_pipeline(self) -> None:
        """A history built on one pipeline cannot be fitted against another."""
        h = history([("a", "proposal", "2025-01-01")])

        refused(
            fit_markov_pipeline,
            {"history": h, "pipeline": CUSTOMER_LIFECYCLE},
            InvalidInputError,
            "'pipeline' must",
        )

    def test_not_a_history(self) -> None:
        """The history must be a StageHistory."""
        refused(
            fit_markov_pipeline,
            {"history": [("a", "proposal")], "pipeline": SALES_PIPELINE},
            InvalidTypeError,
            "'history' must",
        )
