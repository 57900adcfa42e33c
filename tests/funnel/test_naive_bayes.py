"""Naive Bayes lead scorer: smoothed won / lost counts per value, stages, clamping, JSON."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import NaiveBayesScorer, fit_naive_bayes_scorer
from crmkit.lifecycle import SALES_PIPELINE

SOURCE = ["web", "web", "web", "fair", "fair", "fair", "email", "email"]
SIZE = ["s", "l", "l", "s", "s", "l", "s", "l"]
WON = [1, 1, 0, 0, 0, 1, 0, 0]
"""Eight closed leads, 3 won and 5 lost. Counts (won / lost):
source: email 0 / 2, fair 1 / 2, web 2 / 1; size: l 2 / 2, s 1 / 3.
With smoothing 0.1: source sums 0.1 + 1.1 + 2.1 = 3.3 (won) and 2.1 + 2.1 + 1.1 = 5.3 (lost);
size sums 2.1 + 1.1 = 3.2 (won) and 2.1 + 3.1 = 5.2 (lost)."""
FEATURES = {"source": SOURCE, "size": SIZE}

FLOOR = 1e-4


def probability(odds: float) -> float:
    return odds / (1 + odds)


def fitted(**kwargs: Any) -> NaiveBayesScorer:
    """The scorer of the eight leads, every value kept (min_count=1)."""
    return fit_naive_bayes_scorer(FEATURES, WON, **{"min_count": 1, **kwargs})


def objects(*values: Any) -> np.ndarray:
    return np.array(values, dtype=object)


STAGE_X = ["a", "a", "b", "b", "a", "b"]
STAGE_WON = [1, 0, 0, 0, 1, 0]
STAGE_AT = ["won", "initial_contact", "proposal", "negotiation", "proposal", "proposal"]
"""Six closed leads with the stage they closed in. The won ones (closed at 'won' and at
'proposal') count as won at all four open stages; the lost ones closed at initial_contact (1),
proposal (2) and negotiation (1): lost per stage [1, 0, 2, 1], reached per stage (reverse
cumulative sum) [4, 3, 3, 1]. x: a 2 won / 1 lost, b 0 / 3."""
OPEN_STAGES = ("initial_contact", "needs_confirmed", "proposal", "negotiation")


def staged(**kwargs: Any) -> NaiveBayesScorer:
    return fit_naive_bayes_scorer(
        {"x": STAGE_X},
        STAGE_WON,
        stage=STAGE_AT,
        pipeline=SALES_PIPELINE,
        **{"min_count": 1, **kwargs},
    )


def closed_form(values: list[str], won: list[int], alpha: float, value: str) -> float:
    """Oracle for one feature, min_count=1: n_won / n_lost times the smoothed likelihood ratio
    of the value (1 for a value never seen), as a clamped probability."""
    levels = sorted(set(values))
    n_won, n_lost = sum(won), len(won) - sum(won)
    won_at = {v: sum(w for x, w in zip(values, won, strict=True) if x == v) for v in levels}
    lost_at = {v: values.count(v) - won_at[v] for v in levels}
    odds = n_won / n_lost
    if value in levels:
        won_sum = sum(won_at[v] + alpha for v in levels)
        lost_sum = sum(lost_at[v] + alpha for v in levels)
        odds *= ((won_at[value] + alpha) / won_sum) / ((lost_at[value] + alpha) / lost_sum)
    return min(max(probability(odds), FLOOR), 1 - FLOOR)


closed_leads = (
    st.integers(2, 40)
    .flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n),
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
        )
    )
    .filter(lambda data: 0 < sum(data[1]) < len(data[1]))
)


# --- hand-checked counts and probabilities --------------------------------------------------


class TestCounts:
    def test_frequency_table_by_hand(self) -> None:
        """Levels sorted, with the won / lost counts of the FEATURES docstring."""
        scorer = fitted()

        assert ("source", "size") == scorer.features
        assert (("email", "fair", "web"), ("l", "s")) == scorer.levels
        assert ((0, 1, 2), (2, 1)) == scorer.won_counts
        assert ((2, 2, 1), (2, 3)) == scorer.lost_counts
        assert (3, 5) == (scorer.n_won, scorer.n_lost)
        assert (0.1, 1) == (scorer.smoothing, scorer.min_count)
        assert ((), (), ()) == (scorer.stages, scorer.stage_won, scorer.stage_lost)
        assert "NaiveBayesScorer(features=('source', 'size'), n_won=3, n_lost=5, stages=())" == (
            repr(scorer)
        )

    def test_probabilities_by_hand(self) -> None:
        """web & s: odds 3/5 x (2.1/3.3)/(1.1/5.3) x (1.1/3.2)/(3.1/5.2)
        = 0.6 x 3.0661157 x 0.5766129 = 1.0607771, P = 0.5147462;
        email & l: 3/5 x (0.1/3.3)/(2.1/5.3) x (2.1/3.2)/(2.1/5.2) = 0.6 x 0.0764791 x 1.625
        = 0.0745671, P = 0.0693927;
        fair & l: 3/5 x (1.1/3.3)/(2.1/5.3) x 1.625 = 0.8202381, P = 0.4506213."""
        web_s = 3 / 5 * (2.1 / 3.3) / (1.1 / 5.3) * (1.1 / 3.2) / (3.1 / 5.2)
        email_l = 3 / 5 * (0.1 / 3.3) / (2.1 / 5.3) * (2.1 / 3.2) / (2.1 / 5.2)
        fair_l = 3 / 5 * (1.1 / 3.3) / (2.1 / 5.3) * (2.1 / 3.2) / (2.1 / 5.2)

        actual = fitted().predict_proba(
            {"source": ["web", "email", "fair"], "size": ["s", "l", "l"]}
        )

        expected = [probability(web_s), probability(email_l), probability(fair_l)]
        assert pytest.approx(expected, rel=1e-12) == actual.tolist()
        assert pytest.approx([0.5147462, 0.0693927, 0.4506213], abs=1e-7) == actual.tolist()

    def test_smoothing_enters_every_count(self) -> None:
        """Smoothing 1: web & s odds = 3/5 x (3/6)/(2/8) x (2/5)/(4/7) = 0.6 x 2 x 0.7 = 0.84,
        P = 0.84 / 1.84."""
        actual = fitted(smoothing=1.0).predict_proba({"source": ["web"], "size": ["s"]})

        assert pytest.approx([0.84 / 1.84], rel=1e-12) == actual.tolist()

    def test_to_frame_by_hand(self) -> None:
        """One row per feature value; the log-likelihood ratio of email is
        ln((0.1/3.3)/(2.1/5.3)) = -2.5707381, of web ln((2.1/3.3)/(1.1/5.3)) = 1.1204115."""
        table = fitted().to_frame()

        assert ["feature", "value", "won", "lost", "log_likelihood_ratio"] == (
            table.columns.tolist()
        )
        assert ["source"] * 3 + ["size"] * 2 == table["feature"].tolist()
        assert ["email", "fair", "web", "l", "s"] == table["value"].tolist()
        assert [0, 1, 2, 2, 1] == table["won"].tolist()
        assert [2, 2, 1, 2, 3] == table["lost"].tolist()
        expected = [
            math.log((0.1 / 3.3) / (2.1 / 5.3)),
            math.log((1.1 / 3.3) / (2.1 / 5.3)),
            math.log((2.1 / 3.3) / (1.1 / 5.3)),
            math.log((2.1 / 3.2) / (2.1 / 5.2)),
            math.log((1.1 / 3.2) / (3.1 / 5.2)),
        ]
        assert pytest.approx(expected, rel=1e-12) == table["log_likelihood_ratio"].tolist()
        assert pytest.approx([-2.5707381, 1.1204115], abs=1e-7) == (
            table["log_likelihood_ratio"].iloc[[0, 2]].tolist()
        )

    def test_to_frame_polars(self) -> None:
        """The polars backend gives the same columns."""
        table = fitted().to_frame(backend="polars")

        assert ["feature", "value", "won", "lost", "log_likelihood_ratio"] == table.columns
        assert 5 == table.height

    def test_whole_numbers_and_flags_are_categories(self) -> None:
        """Region codes and flags are counted as categories, stored as text: region 1 won 1 /
        lost 1, region 2 won 0 / lost 2; True won 1 / lost 0, False 0 / 3."""
        scorer = fit_naive_bayes_scorer(
            {"region": [1, 1, 2, 2], "opted_in": [True, False, False, False]},
            [1, 0, 0, 0],
            min_count=1,
        )

        assert (("1", "2"), ("False", "True")) == scorer.levels
        assert ((1, 0), (0, 1)) == scorer.won_counts
        assert ((1, 2), (3, 0)) == scorer.lost_counts
        # region 1, flag True: 1/3 x (1.1/1.2)/(1.1/3.2) x (1.1/1.2)/(0.1/3.2) = 1/3 x 8/3 x 88/3
        expected = 1 / 3 * (8 / 3) * (1.1 * 3.2 / (1.2 * 0.1))
        actual = scorer.predict_proba({"region": [1], "opted_in": [True]})
        assert pytest.approx([probability(expected)], rel=1e-12) == actual.tolist()

    def test_pandas_and_polars_frames(self) -> None:
        """A pandas or polars frame fits and predicts as the mapping does."""
        expected = fitted().predict_proba(FEATURES)

        for frame in (pd.DataFrame(FEATURES), pl.DataFrame(FEATURES)):
            scorer = fit_naive_bayes_scorer(frame, WON, min_count=1)

            assert fitted() == scorer
            assert expected.tolist() == scorer.predict_proba(frame).tolist()

    def test_extra_columns_are_ignored_at_predict(self) -> None:
        """Columns the scorer was not fitted on are ignored when predicting."""
        scorer = fitted()

        assert scorer.predict_proba(FEATURES).tolist() == (
            scorer.predict_proba({**FEATURES, "owner": list(range(8))}).tolist()
        )


# --- rare, unseen and missing values ---------------------------------------------------------


class TestRareUnseenMissing:
    def test_min_count_drops_rare_values(self) -> None:
        """min_count=3 drops email (2 leads); fair and web (3 each), l and s (4 each) stay.
        web & s: odds 3/5 x (2.1/3.2)/(1.1/3.2) x (1.1/3.2)/(3.1/5.2) = 0.6604839,
        P = 0.3977659."""
        scorer = fit_naive_bayes_scorer(FEATURES, WON, min_count=3)

        assert (("fair", "web"), ("l", "s")) == scorer.levels
        assert ((1, 2), (2, 1)) == scorer.won_counts
        assert ((2, 1), (2, 3)) == scorer.lost_counts
        assert (3, 5) == (scorer.n_won, scorer.n_lost)  # the leads still count
        odds = 3 / 5 * (2.1 / 1.1) * (1.1 / 3.2) / (3.1 / 5.2)
        actual = scorer.predict_proba({"source": ["web"], "size": ["s"]})
        assert pytest.approx([probability(odds)], rel=1e-12) == actual.tolist()
        assert pytest.approx([0.3977659], abs=1e-7) == actual.tolist()

    def test_dropped_value_scores_as_unseen(self) -> None:
        """A value dropped by min_count says nothing: email & s scores as an unseen source with
        s, and as a missing source with s: odds 3/5 x (1.1/3.2)/(3.1/5.2) = 0.3459677,
        P = 0.2570401."""
        scorer = fit_naive_bayes_scorer(FEATURES, WON, min_count=3)

        actual = scorer.predict_proba(
            {"source": objects("email", "radio", None), "size": ["s", "s", "s"]}
        )

        odds = 3 / 5 * (1.1 / 3.2) / (3.1 / 5.2)
        assert pytest.approx([probability(odds)] * 3, rel=1e-12) == actual.tolist()
        assert pytest.approx([0.2570401] * 3, abs=1e-7) == actual.tolist()

    def test_default_min_count_is_five(self) -> None:
        """By default values need 5 leads: none of the eight leads' values has that many, so
        every lead scores the prior 3/8."""
        scorer = fit_naive_bayes_scorer(FEATURES, WON)

        assert ((), ()) == scorer.levels
        assert pytest.approx([3 / 8] * 8, rel=1e-12) == scorer.predict_proba(FEATURES).tolist()

    def test_unseen_value_is_neutral(self) -> None:
        """An unseen source ('radio') adds nothing to the log-odds: radio & l scores
        3/5 x (2.1/3.2)/(2.1/5.2) = 0.975, P = 0.975 / 1.975."""
        actual = fitted().predict_proba({"source": ["radio"], "size": ["l"]})

        assert pytest.approx([0.975 / 1.975], rel=1e-12) == actual.tolist()

    def test_unseen_value_refused_with_error(self) -> None:
        """unseen='error' refuses a value never seen, naming it and its row."""
        refused(
            fitted().predict_proba,
            {"features": {"source": ["web", "radio"], "size": ["s", "s"]}, "unseen": "error"},
            InvalidInputError,
            r"'source' must be a category seen in training \(or unseen='ignore'\); got 'radio' "
            r"at index 1 \(1 of 2 rows\)",
        )

    def test_dropped_value_refused_with_error(self) -> None:
        """A value dropped by min_count counts as unseen for unseen='error'."""
        refused(
            fit_naive_bayes_scorer(FEATURES, WON, min_count=3).predict_proba,
            {"features": {"source": ["email"], "size": ["s"]}, "unseen": "error"},
            InvalidInputError,
            r"'source' must be a category seen in training .*got 'email' at index 0",
        )

    def test_missing_values_are_not_unseen(self) -> None:
        """None, NaN and '' are skipped even with unseen='error': with both features missing a
        lead scores the prior 3/8."""
        actual = fitted().predict_proba(
            {"source": objects(None, math.nan, ""), "size": objects("", None, math.nan)},
            unseen="error",
        )

        assert pytest.approx([3 / 8] * 3, rel=1e-12) == actual.tolist()

    def test_missing_values_skipped_in_fit(self) -> None:
        """Three more leads (won, lost, lost) whose source is None, NaN and '': the source table
        is unchanged, size counts them (l gains a win, s two losses), and n_won, n_lost count
        all eleven leads."""
        features = {
            "source": objects(*SOURCE, None, math.nan, ""),
            "size": [*SIZE, "l", "s", "s"],
        }

        scorer = fit_naive_bayes_scorer(features, [*WON, 1, 0, 0], min_count=1)

        assert ("email", "fair", "web") == scorer.levels[0]
        assert ((0, 1, 2), (3, 1)) == scorer.won_counts
        assert ((2, 2, 1), (2, 5)) == scorer.lost_counts
        assert (4, 7) == (scorer.n_won, scorer.n_lost)

    def test_empty_text_skipped_in_a_text_column(self) -> None:
        """'' in a plain text column is missing, not a category."""
        scorer = fit_naive_bayes_scorer(
            {"source": ["web", "", "fair", ""]}, [1, 1, 0, 0], min_count=1
        )

        assert (("fair", "web"),) == scorer.levels

    def test_missing_values_in_a_pandas_frame_skipped(self) -> None:
        """A pandas frame with None and NaN in a text column fits like the object array does:
        the docstring promises unset values are skipped for frames too."""
        frame = pd.DataFrame(
            {
                "source": pd.Series([*SOURCE, None, math.nan], dtype=object),
                "size": [*SIZE, "l", "s"],
            }
        )
        mapping = {"source": objects(*SOURCE, None, math.nan), "size": [*SIZE, "l", "s"]}

        expected = fit_naive_bayes_scorer(mapping, [*WON, 1, 0], min_count=1)

        assert expected == fit_naive_bayes_scorer(frame, [*WON, 1, 0], min_count=1)

    def test_missing_values_in_a_polars_frame_skipped(self) -> None:
        """A polars frame with nulls in a text column fits like the object array with None."""
        frame = pl.DataFrame({"source": [*SOURCE, None], "size": [*SIZE, "l"]})
        mapping = {"source": objects(*SOURCE, None), "size": [*SIZE, "l"]}

        expected = fit_naive_bayes_scorer(mapping, [*WON, 1], min_count=1)

        assert expected == fit_naive_bayes_scorer(frame, [*WON, 1], min_count=1)


# --- clamping ---------------------------------------------------------------------------------


class TestClamping:
    def test_extreme_evidence_is_clamped(self) -> None:
        """Three features that each separate 500 won from 500 lost leads: each adds
        ln((500.1/500.2)/(0.1/500.2)) = ln(5001) = 8.52 to the log-odds, 25.6 in all, so
        P = 1 - 8.0e-12 before clamping; it is clamped to 0.9999 (and 1e-4 the other way)."""
        labels = ["x"] * 500 + ["y"] * 500
        features = {"a": labels, "b": labels, "c": labels}
        scorer = fit_naive_bayes_scorer(features, [1] * 500 + [0] * 500)

        actual = scorer.predict_proba({"a": ["x", "y"], "b": ["x", "y"], "c": ["x", "y"]})

        assert [1 - FLOOR, FLOOR] == actual.tolist()

    def test_moderate_evidence_is_not_clamped(self) -> None:
        """One such feature: ln(5001) gives P = 5001 / 5002 = 0.9998, below 0.9999."""
        labels = ["x"] * 500 + ["y"] * 500
        scorer = fit_naive_bayes_scorer({"a": labels}, [1] * 500 + [0] * 500)

        actual = scorer.predict_proba({"a": ["x", "y"]})

        assert pytest.approx([5001 / 5002, 1 / 5002], rel=1e-9) == actual.tolist()

    @settings(max_examples=50, deadline=None)
    @given(
        st.integers(2, 30)
        .flatmap(
            lambda n: st.tuples(
                st.lists(
                    st.tuples(
                        st.sampled_from("abc"), st.sampled_from("xyz"), st.sampled_from("pq")
                    ),
                    min_size=n,
                    max_size=n,
                ),
                st.lists(st.integers(0, 1), min_size=n, max_size=n),
            )
        )
        .filter(lambda data: 0 < sum(data[1]) < len(data[1])),
        st.floats(1e-3, 5.0),
        st.integers(1, 4),
    )
    def test_predictions_stay_within_the_clamp(
        self, data: tuple[list[tuple[str, str, str]], list[int]], alpha: float, min_count: int
    ) -> None:
        """Whatever the table, smoothing and min_count, every prediction (seen, unseen or
        missing values) is within [1e-4, 1 - 1e-4]."""
        rows, won = data
        a, b, c = (list(column) for column in zip(*rows, strict=True))
        scorer = fit_naive_bayes_scorer(
            {"a": a, "b": b, "c": c}, won, smoothing=alpha, min_count=min_count
        )
        grid = [(x, y, z) for x in "abcd" for y in "xyz" for z in ("p", "q", "")]

        actual = scorer.predict_proba(
            {name: [row[i] for row in grid] for i, name in enumerate("abc")}
        )

        assert (actual >= FLOOR).all()
        assert (actual <= 1 - FLOOR).all()


# --- properties -------------------------------------------------------------------------------


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(closed_leads, st.floats(0.01, 2.0))
    def test_one_binary_feature_matches_the_closed_form(
        self, data: tuple[list[str], list[int]], alpha: float
    ) -> None:
        """With one two-valued feature and min_count=1, each prediction is
        n_won/n_lost x [(won_v + a)/sum(won + a)] / [(lost_v + a)/sum(lost + a)] as odds (a value
        never seen: just n_won / n_lost), clamped."""
        values, won = data
        scorer = fit_naive_bayes_scorer({"v": values}, won, smoothing=alpha, min_count=1)

        actual = scorer.predict_proba({"v": ["a", "b", "c"]})

        expected = [closed_form(values, won, alpha, v) for v in ("a", "b", "c")]
        assert pytest.approx(expected, rel=1e-9) == actual.tolist()

    @settings(max_examples=40, deadline=None)
    @given(closed_leads, st.randoms(use_true_random=False))
    def test_row_order_does_not_matter(
        self, data: tuple[list[str], list[int]], shuffle: Any
    ) -> None:
        """Shuffling the closed leads gives the same scorer."""
        values, won = data
        rows = list(zip(values, won, strict=True))
        shuffle.shuffle(rows)

        expected = fit_naive_bayes_scorer({"v": values}, won, min_count=1)

        assert expected == fit_naive_bayes_scorer(
            {"v": [r[0] for r in rows]}, [r[1] for r in rows], min_count=1
        )

    @settings(max_examples=30, deadline=None)
    @given(closed_leads)
    def test_round_trips_through_json(self, data: tuple[list[str], list[int]]) -> None:
        """Any fitted scorer reads back equal from its JSON."""
        values, won = data
        scorer = fit_naive_bayes_scorer({"v": values}, won, min_count=2)

        assert scorer == io.from_json(NaiveBayesScorer, io.to_json(scorer))


# --- stages ---------------------------------------------------------------------------------


class TestStages:
    def test_stage_expansion_by_hand(self) -> None:
        """As in the STAGE_AT docstring: won leads reach every open stage (2, 2, 2, 2); lost
        leads reach the stage they were lost in and every earlier one (4, 3, 3, 1)."""
        scorer = staged()

        assert OPEN_STAGES == scorer.stages
        assert (2, 2, 2, 2) == scorer.stage_won
        assert (4, 3, 3, 1) == scorer.stage_lost
        assert (2, 4) == (scorer.n_won, scorer.n_lost)

    def test_stage_probabilities_by_hand(self) -> None:
        """x = a adds (2.1/2.2)/(1.1/4.2); a stage adds ((2 + 0.1)/(2 + 0.1)) / ((lost there +
        0.1)/(4 + 0.1)), i.e. 1 at initial_contact (every lead got there), 4.1/3.1 at
        needs_confirmed and proposal, 4.1/1.1 at negotiation. Prior odds 2/4."""
        feature = (2.1 / 2.2) / (1.1 / 4.2)
        stage_ratio = [1.0, 4.1 / 3.1, 4.1 / 3.1, 4.1 / 1.1]

        actual = staged().predict_proba({"x": ["a"] * 4}, stage=list(OPEN_STAGES))

        expected = [probability(0.5 * feature * r) for r in stage_ratio]
        assert pytest.approx(expected, rel=1e-12) == actual.tolist()

    def test_first_stage_says_nothing(self) -> None:
        """Every closed lead reached the first open stage, so a lead there with x missing
        scores the prior 2/6."""
        actual = staged().predict_proba({"x": objects(None)}, stage=["initial_contact"])

        assert pytest.approx([1 / 3], rel=1e-12) == actual.tolist()

    def test_further_along_scores_higher(self) -> None:
        """Fewer lost leads got to later stages: the probability never falls along the
        pipeline."""
        actual = staged().predict_proba({"x": ["b"] * 4}, stage=list(OPEN_STAGES))

        assert (np.diff(actual) >= 0).all()
        assert actual[3] > actual[0]

    def test_stages_in_the_frequency_table(self) -> None:
        """to_frame lists the stages under the feature name 'stage', with their log ratios
        ln(4.1/3.1) = 0.2795848 and ln(4.1/1.1) = 1.3156768."""
        table = staged().to_frame()

        stages = table[table["feature"] == "stage"]
        assert list(OPEN_STAGES) == stages["value"].tolist()
        assert [2, 2, 2, 2] == stages["won"].tolist()
        assert [4, 3, 3, 1] == stages["lost"].tolist()
        expected = [0.0, math.log(4.1 / 3.1), math.log(4.1 / 3.1), math.log(4.1 / 1.1)]
        assert pytest.approx(expected, abs=1e-12) == stages["log_likelihood_ratio"].tolist()

    def test_stage_required_when_fitted_with_stages(self) -> None:
        """A scorer fitted with stages needs each lead's stage."""
        refused(
            staged().predict_proba,
            {"features": {"x": ["a"]}},
            InvalidInputError,
            r"'stage' must be each lead's open stage \(the scorer was fitted with stages\); "
            r"got None",
        )

    def test_stage_refused_when_fitted_without(self) -> None:
        """A scorer fitted without stages refuses them."""
        refused(
            fitted().predict_proba,
            {"features": {"source": ["web"], "size": ["s"]}, "stage": ["proposal"]},
            InvalidInputError,
            r"'stage' must be None \(the scorer was fitted without stages\); got stages",
        )

    @pytest.mark.parametrize("stage", ["won", "lost", "qualified"])
    def test_predict_stage_must_be_open(self, stage: str) -> None:
        """An open lead's stage is one of the pipeline's open stages."""
        refused(
            staged().predict_proba,
            {"features": {"x": ["a", "a"]}, "stage": ["proposal", stage]},
            InvalidInputError,
            rf"'stage' must be open stages of the pipeline \(initial_contact, needs_confirmed, "
            rf"proposal, negotiation\); got '{stage}' at index 1",
        )

    def test_predict_stage_length_must_match(self) -> None:
        """One stage per lead."""
        refused(
            staged().predict_proba,
            {"features": {"x": ["a"]}, "stage": ["proposal", "proposal"]},
            InvalidInputError,
            r"'stage' must be the same length as 'features' \(1\); got length 2",
        )

    def test_stage_without_pipeline_refused(self) -> None:
        """Stages need the pipeline that orders them."""
        refused(
            fit_naive_bayes_scorer,
            {"features": {"x": STAGE_X}, "won": STAGE_WON, "stage": STAGE_AT},
            InvalidTypeError,
            r"'pipeline' must be a StateMachine ordering the stages; got NoneType None",
        )

    def test_pipeline_without_stage_refused(self) -> None:
        """A pipeline without stages is a mistake, not silently ignored."""
        refused(
            fit_naive_bayes_scorer,
            {"features": {"x": STAGE_X}, "won": STAGE_WON, "pipeline": SALES_PIPELINE},
            InvalidInputError,
            r"'stage' must be given with 'pipeline'",
        )

    @pytest.mark.parametrize("terminal", ["won", "lost"])
    def test_lost_lead_at_a_terminal_stage_refused(self, terminal: str) -> None:
        """A lost lead must name the open stage it was lost in, not a terminal stage."""
        refused(
            fit_naive_bayes_scorer,
            {
                "features": {"x": STAGE_X},
                "won": STAGE_WON,
                "stage": [*STAGE_AT[:5], terminal],
                "pipeline": SALES_PIPELINE,
            },
            InvalidInputError,
            rf"'stage' must be for a lost lead, the open stage it was lost in "
            rf"\(initial_contact, needs_confirmed, proposal, negotiation\); got '{terminal}'",
        )

    def test_refused_lost_stage_names_its_row_in_the_input(self) -> None:
        """The error for a lost lead at 'lost' names that lead's position among all the
        leads given (5), not its position among the lost leads (3)."""
        with pytest.raises(InvalidInputError) as caught:
            fit_naive_bayes_scorer(
                {"x": STAGE_X},
                STAGE_WON,
                stage=[*STAGE_AT[:5], "lost"],
                pipeline=SALES_PIPELINE,
            )

        assert 5 == caught.value.index
        assert "got 'lost' at index 5" in str(caught.value)

    def test_won_lead_at_any_stage_accepted(self) -> None:
        """A won lead's stage is not checked: 'won' or an open stage both count it as won
        everywhere."""
        scorer = fit_naive_bayes_scorer(
            {"x": ["a", "b", "a"]},
            [1, 1, 0],
            stage=["won", "negotiation", "proposal"],
            pipeline=SALES_PIPELINE,
            min_count=1,
        )

        assert (2, 2, 2, 2) == scorer.stage_won
        assert (1, 1, 1, 0) == scorer.stage_lost

    def test_stage_length_must_match(self) -> None:
        """One stage per closed lead."""
        refused(
            fit_naive_bayes_scorer,
            {
                "features": {"x": STAGE_X},
                "won": STAGE_WON,
                "stage": STAGE_AT[:4],
                "pipeline": SALES_PIPELINE,
            },
            InvalidInputError,
            r"'stage' must be the same length as 'won' \(6\); got length 4",
        )

    def test_round_trips_through_json_and_predicts_alike(self) -> None:
        """A scorer with stages reads back equal from JSON and predicts the same."""
        scorer = staged()
        leads = {"x": ["a", "b", "a", "c"]}
        at = ["proposal", "negotiation", "initial_contact", "needs_confirmed"]

        back = io.from_json(NaiveBayesScorer, io.to_json(scorer))

        assert scorer == back
        assert scorer.predict_proba(leads, stage=at).tolist() == (
            back.predict_proba(leads, stage=at).tolist()
        )


# --- JSON -----------------------------------------------------------------------------------


class TestJson:
    def test_round_trips_through_json_and_predicts_alike(self) -> None:
        """The scorer is plain counts: it reads back equal and predicts the same."""
        scorer = fitted()

        back = io.from_json(NaiveBayesScorer, io.to_json(scorer))

        assert scorer == back
        leads = {"source": ["web", "radio", "email"], "size": ["s", "l", "x"]}
        assert scorer.predict_proba(leads).tolist() == back.predict_proba(leads).tolist()

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            (
                "won_counts",
                [[0, 1, 2, 3], [2, 1]],
                r"'levels\['source'\]' must be distinct values",
            ),
            ("lost_counts", [[2, 2, 1]], r"'levels' must be one entry per feature \(2\)"),
            ("levels", [["web", "web", "fair"], ["l", "s"]], r"'levels\['source'\]' must be"),
            ("features", ["source"], r"'levels' must be one entry per feature \(1\)"),
            ("stage_won", [3], r"'stage_won' must be one count per stage \(0\); got \(3,\)"),
            ("n_won", 0, r"'n_won' must be an integer of at least 1; got 0"),
            ("n_lost", -5, r"'n_lost' must be an integer of at least 1; got -5"),
            ("smoothing", 0, r"'smoothing' must be a finite number above 0; got 0"),
            ("min_count", 0, r"'min_count' must be an integer of at least 1; got 0"),
            ("n_won", 2.5, r"'n_won' must be an integer; got 2\.5"),
        ],
        ids=[
            "won counts longer than levels",
            "lost counts for one feature",
            "repeated level",
            "fewer features than tables",
            "stage counts without stages",
            "no won leads",
            "negative lost leads",
            "zero smoothing",
            "zero min count",
            "fractional count",
        ],
    )
    def test_tampered_json_refused(self, field: str, value: Any, match: str) -> None:
        """JSON whose counts do not fit together is refused on load, naming the field."""
        data = json.loads(io.to_json(fitted()))
        data[field] = value

        with pytest.raises(InvalidInputError, match=match):
            io.from_json(NaiveBayesScorer, json.dumps(data))

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("won_counts", [[0, 1, -2], [2, 1]]),
            ("won_counts", [[0, 1, 9], [2, 1]]),
            ("lost_counts", [[2, 2, 1], [20, 3]]),
        ],
        ids=["negative count", "more won than n_won", "more lost than n_lost"],
    )
    def test_counts_that_no_leads_could_give_refused(self, field: str, value: Any) -> None:
        """A count below 0, or counts of one feature adding up to more leads than n_won
        (n_lost), cannot come from a fit: loading them is refused, naming the counts."""
        data = json.loads(io.to_json(fitted()))
        data[field] = value

        with pytest.raises(InvalidInputError, match=rf"'{field}"):
            io.from_json(NaiveBayesScorer, json.dumps(data))

    def test_scorer_built_by_hand(self) -> None:
        """A scorer from stored counts predicts by the formula: one feature, web won 4 / lost 1,
        fair won 1 / lost 4, smoothing 0.5: web odds 5/5 x (4.5/6)/(1.5/6) = 3, P = 0.75."""
        scorer = NaiveBayesScorer(
            features=["source"],
            levels=(("web", "fair"),),
            won_counts=((4, 1),),
            lost_counts=((1, 4),),
            n_won=5,
            n_lost=5,
            smoothing=0.5,
        )

        actual = scorer.predict_proba({"source": ["web", "fair", "tv"]})

        assert pytest.approx([0.75, 0.25, 0.5], rel=1e-12) == actual.tolist()


# --- bad inputs -----------------------------------------------------------------------------


class TestRefused:
    def test_float_column_refused_with_a_hint(self) -> None:
        """A continuous feature must be binned first; the error says how."""
        refused(
            fit_naive_bayes_scorer,
            {"features": {"amount": [10.5, 99.0, 3.2]}, "won": [1, 0, 0]},
            InvalidTypeError,
            r"'amount' must be categories \(text, whole numbers or flags\); got a column of "
            r"floats \(bin a continuous feature first, e.g. with numpy.digitize\)",
        )

    def test_float_column_refused_at_predict(self) -> None:
        """Predicting from a float column is refused the same way."""
        refused(
            fit_naive_bayes_scorer({"region": [1, 2, 1]}, [1, 0, 0], min_count=1).predict_proba,
            {"features": {"region": [1.0, 2.0]}},
            InvalidTypeError,
            r"'region' must be categories .*got a column of floats \(bin a continuous",
        )

    def test_dates_refused(self) -> None:
        """Dates are not categories."""
        refused(
            fit_naive_bayes_scorer,
            {
                "features": {
                    "created": np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[D]")
                },
                "won": [1, 0],
            },
            InvalidTypeError,
            r"'created' must be categories \(text, whole numbers or flags\); got dates",
        )

    @pytest.mark.parametrize("won", [[1] * 8, [0] * 8], ids=["all won", "all lost"])
    def test_one_outcome_refused(self, won: list[int]) -> None:
        """Both won and lost leads are needed."""
        refused(
            fit_naive_bayes_scorer,
            {"features": FEATURES, "won": won},
            InvalidInputError,
            r"'won' must be both won and lost leads; got 8 leads, all alike",
        )

    @pytest.mark.parametrize(
        ("changes", "error", "match"),
        [
            (
                {"won": [1, 1, 0, 0, 0, 1, 0, 2]},
                InvalidInputError,
                r"'won' must be whole numbers from 0 to 1; got 2 at index 7",
            ),
            (
                {"won": [1, 0]},
                InvalidInputError,
                r"'won' must be the same length as 'features' \(8\); got length 2",
            ),
            (
                {"won": ["y", "n"] * 4},
                InvalidTypeError,
                r"'won' must be an array of whole numbers; got an array of dtype <U1",
            ),
            (
                {"features": {"source": SOURCE, "size": SIZE[:5]}},
                InvalidInputError,
                r"'size' must be the same length as 'source' \(8\); got length 5",
            ),
            (
                {"features": {}},
                InvalidInputError,
                r"'features' must be at least one feature column; got no columns",
            ),
            (
                {"features": {"source": [], "size": []}, "won": []},
                InvalidInputError,
                r"'features' must be non-empty; got no rows",
            ),
            (
                {"features": "source"},
                InvalidTypeError,
                r"'features' must be a pandas, polars or pyarrow",
            ),
            (
                {"smoothing": 0.0},
                InvalidInputError,
                r"'smoothing' must be a finite number above 0; got 0\.0",
            ),
            (
                {"smoothing": -0.1},
                InvalidInputError,
                r"'smoothing' must be a finite number above 0; got -0\.1",
            ),
            (
                {"smoothing": math.nan},
                InvalidInputError,
                r"'smoothing' must be a finite number above 0; got nan",
            ),
            (
                {"smoothing": "0.1"},
                InvalidTypeError,
                r"'smoothing' must be a real number; got str '0\.1'",
            ),
            (
                {"min_count": 0},
                InvalidInputError,
                r"'min_count' must be an integer of at least 1; got 0",
            ),
            (
                {"min_count": 2.0},
                InvalidTypeError,
                r"'min_count' must be an integer; got float 2\.0",
            ),
            (
                {"pipeline": "sales", "stage": ["won"] * 8},
                InvalidTypeError,
                r"'pipeline' must be a StateMachine ordering the stages; got str 'sales'",
            ),
        ],
        ids=[
            "outcome 2",
            "outcome length",
            "outcome as text",
            "feature lengths",
            "no features",
            "no leads",
            "features as text",
            "zero smoothing",
            "negative smoothing",
            "nan smoothing",
            "smoothing as text",
            "zero min count",
            "float min count",
            "pipeline as text",
        ],
    )
    def test_bad_fit_inputs_refused(
        self, changes: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Each bad argument is refused with an error naming it and the bad value."""
        refused(
            fit_naive_bayes_scorer, {"features": FEATURES, "won": WON, **changes}, error, match
        )

    @pytest.mark.parametrize(
        ("changes", "error", "match"),
        [
            (
                {"unseen": "skip"},
                InvalidInputError,
                r"'unseen' must be one of 'ignore', 'error'; got 'skip'",
            ),
            (
                {"features": {"source": ["web"]}},
                InvalidInputError,
                r"'features' must be columns for every feature \(source, size\); "
                r"got none for 'size'",
            ),
            (
                {"features": {"source": ["web"], "size": ["s", "l"]}},
                InvalidInputError,
                r"'size' must be the same length as 'source' \(1\); got length 2",
            ),
        ],
        ids=["unknown unseen", "missing feature", "lengths differ"],
    )
    def test_bad_predict_inputs_refused(
        self, changes: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Each bad argument to predict_proba is refused naming it."""
        refused(
            fitted().predict_proba,
            {"features": {"source": ["web"], "size": ["s"]}, **changes},
            error,
            match,
        )
