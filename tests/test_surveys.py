"""crmkit.surveys.SurveyResponses: survey answers as read-only columns."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.models import SurveyKind, SurveyResponse
from crmkit.surveys import SurveyResponses

AT = np.array(["2025-01-01", "2025-01-02"], dtype="datetime64[us]")


class TestFromArrays:
    def test_answers_keep_their_order_and_the_kind_sets_the_scale(self) -> None:
        """Two NPS answers stay in input order on the 0-10 scale."""
        responses = SurveyResponses.from_arrays(
            kind="nps", customer_id=["b", "a"], at=AT, score=[3, 10]
        )

        assert ["b", "a"] == responses.customer_id.tolist()
        assert [3, 10] == responses.score.tolist()
        assert (SurveyKind.NPS, (0, 10)) == (responses.kind, responses.scale)
        assert "SurveyResponses(kind='nps', scale=(0, 10), n_responses=2)" == repr(responses)

    def test_a_custom_top_of_scale_is_honoured(self) -> None:
        """A 1-10 CSAT accepts 10 when scale_max=10."""
        responses = SurveyResponses.from_arrays(
            kind="csat", customer_id=[1, 2], at=AT, score=[10, 1], scale_max=10
        )

        assert (1, 10) == responses.scale

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"score": [10, 11]},
                InvalidInputError,
                r"'score' must be whole numbers from 0 to 10; got 11 at index 1",
            ),
            ({"score": [9, 8.5]}, InvalidInputError, r"'score'.*8\.5 at index 1"),
            (
                {"kind": "csi"},
                InvalidInputError,
                r"'kind' must be one of 'nps', 'csat', 'ces'; got 'csi'",
            ),
            (
                {"kind": "csat", "score": [0, 5]},
                InvalidInputError,
                r"'score'.*from 1 to 5; got 0 at index 0",
            ),
            ({"score": [1]}, InvalidInputError, r"'score' must be the same length"),
            ({"scale_max": 0}, InvalidInputError, r"'scale_max' must be an integer of at least 1"),
            ({"scale_max": "10"}, InvalidTypeError, r"'scale_max' must be an integer"),
        ],
    )
    def test_bad_input_is_named(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """Off-scale answers, unknown kinds and mismatched lengths raise naming the argument."""
        valid: dict[str, object] = {
            "kind": "nps",
            "customer_id": ["a", "b"],
            "at": AT,
            "score": [9, 6],
        }

        with pytest.raises(error, match=match):
            SurveyResponses.from_arrays(**{**valid, **kwargs})


class TestFromRecordsAndFrames:
    def test_records_and_frames_give_the_same_bundle(self) -> None:
        """Records, a polars frame and arrays of the same answers are equal."""
        at = datetime(2025, 1, 1, tzinfo=UTC)
        records = [SurveyResponse(id="s1", customer_id="a", kind="nps", score=9, at=at)]
        frame = pl.DataFrame({"customer_id": ["a"], "at": [datetime(2025, 1, 1)], "score": [9]})
        arrays = SurveyResponses.from_arrays(kind="nps", customer_id=["a"], at=AT[:1], score=[9])

        assert arrays == SurveyResponses.from_records(records)
        assert arrays == SurveyResponses.from_frame(frame, kind="nps")

    def test_mixed_kinds_are_refused(self) -> None:
        """One bundle holds one question: NPS and CSAT records cannot mix."""
        at = datetime(2025, 1, 1, tzinfo=UTC)
        records = [
            SurveyResponse(id="s1", customer_id="a", kind="nps", score=9, at=at),
            SurveyResponse(id="s2", customer_id="a", kind="csat", score=4, at=at),
        ]

        with pytest.raises(
            InvalidInputError, match=r"'records' must be non-empty and of one kind"
        ):
            SurveyResponses.from_records(records)

    def test_to_frame_round_trips(self) -> None:
        """A bundle written to a frame and read back is equal."""
        responses = SurveyResponses.from_arrays(
            kind="ces", customer_id=["a", "b"], at=AT, score=[7, 1]
        )

        assert responses == SurveyResponses.from_frame(responses.to_frame("polars"), kind="ces")
