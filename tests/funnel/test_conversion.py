"""stage_conversion: who moved on and who won, per stage, open deals censored."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import StageConversion, StageHistory, stage_conversion, stage_velocity
from crmkit.lifecycle import CUSTOMER_LIFECYCLE, SALES_PIPELINE

OPEN = SALES_PIPELINE.stages[:4]


def history(rows: list[tuple[str, str, str]]) -> StageHistory:
    ids, stages, at = zip(*rows, strict=True)
    return StageHistory.from_arrays(
        opportunity_id=list(ids),
        stage=list(stages),
        entered_at=np.array(at, dtype="datetime64[us]"),
        pipeline=SALES_PIPELINE,
    )


ROWS = [
    ("a", "proposal", "2025-01-01"),
    ("a", "negotiation", "2025-01-05"),
    ("a", "won", "2025-01-09"),
    ("b", "proposal", "2025-01-02"),
    ("b", "lost", "2025-01-06"),
    ("c", "proposal", "2025-01-03"),
    ("d", "proposal", "2025-01-04"),
    ("d", "negotiation", "2025-01-08"),
]
"""a: proposal -> negotiation -> won; b: proposal -> lost; c: waits in proposal;
d: proposal -> negotiation, still open."""


class TestCounts:
    def test_by_hand(self) -> None:
        """Proposal: 4 entered; a and d moved on, b dropped, c waits; a won, b lost, c and d
        are open: to_next = 2 / 3, to_won = 1 / 2."""
        c = stage_conversion(history(ROWS), SALES_PIPELINE)
        i = c.stages.index("proposal")

        assert (4, 2, 1, 1) == (c.entered[i], c.advanced[i], c.dropped[i], c.waiting[i])
        assert (1, 1, 2) == (c.won[i], c.lost[i], c.still_open[i])
        assert c.to_next[i] is not None
        assert c.to_won[i] is not None
        assert pytest.approx(2 / 3) == c.to_next[i][0]
        assert 0.5 == c.to_won[i][0]
        assert c.to_next[i][1] < 2 / 3 < c.to_next[i][2]

    def test_open_deals_are_not_losses(self) -> None:
        """Negotiation: a won, d waits; the waiting deal is censored, so to_won is 1."""
        c = stage_conversion(history(ROWS), SALES_PIPELINE)
        i = c.stages.index("negotiation")

        assert c.to_won[i] is not None
        assert 1.0 == c.to_won[i][0]
        assert 1 == c.waiting[i]

    def test_no_resolved_deals_gives_no_rate(self) -> None:
        """A stage nobody entered has no rate (None), not a made-up 0."""
        c = stage_conversion(history(ROWS), SALES_PIPELINE)
        i = c.stages.index("initial_contact")

        assert 0 == c.entered[i]
        assert c.to_next[i] is None
        assert c.to_won[i] is None

    def test_as_of_sees_the_pipeline_as_it_stood(self) -> None:
        """As of 5 January, b had not yet been lost and a had not yet won."""
        c = stage_conversion(history(ROWS), SALES_PIPELINE, as_of=date(2025, 1, 5))
        i = c.stages.index("proposal")

        assert (4, 0, 0) == (c.entered[i], c.won[i], c.lost[i])
        assert 1 == c.advanced[i]

    def test_to_frame_has_a_row_per_open_stage(self) -> None:
        """to_frame lists the open stages with counts and rates."""
        frame = stage_conversion(history(ROWS), SALES_PIPELINE).to_frame()

        assert list(OPEN) == frame["stage"].tolist()
        assert isinstance(stage_conversion(history(ROWS), SALES_PIPELINE), StageConversion)

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
    def test_every_deal_is_counted_once(self, deals: list[tuple[list[str], str]]) -> None:
        """Per stage: entered = advanced + dropped + waiting = won + lost + still open."""
        rows = []
        for n, (path, outcome) in enumerate(deals):
            stages = path + ([] if outcome == "open" else [outcome])
            rows += [(f"d{n}", s, f"2025-01-{k + 1:02d}") for k, s in enumerate(stages)]

        c = stage_conversion(history(rows), SALES_PIPELINE)

        assert (c.entered == c.advanced + c.dropped + c.waiting).all()
        assert (c.entered == c.won + c.lost + c.still_open).all()


class TestRefused:
    def test_other_pipeline(self) -> None:
        """The history's pipeline must be the one given."""
        refused(
            stage_conversion,
            {"history": history(ROWS), "pipeline": CUSTOMER_LIFECYCLE},
            InvalidInputError,
            "'pipeline' must",
        )

    def test_as_of_before_everything(self) -> None:
        """An as_of before the first entry leaves nothing to count."""
        refused(
            stage_conversion,
            {"history": history(ROWS), "pipeline": SALES_PIPELINE, "as_of": date(2024, 1, 1)},
            InvalidInputError,
            "'as_of' must",
        )

    def test_not_a_history(self) -> None:
        """The history must be a StageHistory."""
        refused(
            stage_conversion,
            {"history": ROWS, "pipeline": SALES_PIPELINE},
            InvalidTypeError,
            "'history' must",
        )


class TestVelocity:
    def test_medians_by_hand(self) -> None:
        """Proposal stays of 4, 4 and 4 days (a, b, d) finished and c's 28 days running on
        31 January: the Kaplan-Meier median is 4 days."""
        v = stage_velocity(history(ROWS), SALES_PIPELINE, as_of=date(2025, 1, 31))
        i = v.stages.index("proposal")

        assert (4, 3) == (v.n_stays[i], v.n_finished[i])
        assert 4.0 == v.median_days[i]

    def test_censored_stays_keep_the_tail_open(self) -> None:
        """One stay of 10 days finished, three still running at ~21 days: the curve drops to
        3/4 at day 10 and no further, so the median is not reached (None), not 10."""
        rows = [
            ("a", "proposal", "2025-01-01"),
            ("a", "won", "2025-01-11"),
            ("b", "proposal", "2025-01-11"),
            ("c", "proposal", "2025-01-11"),
            ("d", "proposal", "2025-01-11"),
        ]
        v = stage_velocity(history(rows), SALES_PIPELINE, as_of=date(2025, 1, 31))
        i = v.stages.index("proposal")

        assert v.median_days[i] is None
        assert 10.0 == v.p25_days[i]

    def test_no_finished_stay_gives_no_figures(self) -> None:
        """A stage where nothing has moved on yet has no quantiles."""
        v = stage_velocity(history(ROWS), SALES_PIPELINE, as_of=date(2025, 1, 31))
        i = v.stages.index("initial_contact")

        assert (0, None) == (v.n_stays[i], v.median_days[i])

    def test_as_of_before_everything_is_refused(self) -> None:
        """An as_of before the first entry names 'as_of'."""
        refused(
            stage_velocity,
            {"history": history(ROWS), "pipeline": SALES_PIPELINE, "as_of": date(2024, 1, 1)},
            InvalidInputError,
            "'as_of' must",
        )
