"""weighted_pipeline: open deals valued at their stage's win probability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import WeightedPipeline, weighted_pipeline
from crmkit.lifecycle import SALES_PIPELINE, SALESFORCE_OPPORTUNITY

OPEN = ("initial_contact", "needs_confirmed", "proposal", "negotiation")


class TestValues:
    def test_stage_sums_by_hand(self) -> None:
        """Amounts add up per stage and are weighted by the stage's stated probability."""
        wp = weighted_pipeline(
            [1000.0, 2000.0, 500.0, 300.0],
            ["proposal", "negotiation", "proposal", "initial_contact"],
            SALES_PIPELINE,
        )

        proposal = SALES_PIPELINE.stages.index("proposal")
        assert 1500.0 == wp.amount[proposal]
        assert 2 == wp.n_deals[proposal]
        # 300 x 0.1 + 1500 x 0.5 + 2000 x 0.75 = 30 + 750 + 1500
        assert 2280.0 == pytest.approx(wp.total_weighted, rel=1e-15)
        assert 3800.0 == wp.total_amount

    def test_given_probabilities_replace_the_stated_ones(self) -> None:
        """A probability given for a stage replaces the pipeline's; others keep theirs."""
        wp = weighted_pipeline(
            [1000.0, 2000.0],
            ["proposal", "negotiation"],
            SALES_PIPELINE,
            probabilities={"proposal": 0.2},
        )

        # 1000 x 0.2 + 2000 x 0.75
        assert 1700.0 == wp.total_weighted

    def test_categories_follow_the_pipeline(self) -> None:
        """Forecast categories come from the pipeline; by_category sums amount and weight."""
        stages = SALESFORCE_OPPORTUNITY.stages
        wp = weighted_pipeline([100.0, 200.0], [stages[0], stages[0]], SALESFORCE_OPPORTUNITY)

        category = SALESFORCE_OPPORTUNITY.forecast_categories[stages[0]]
        probability = SALESFORCE_OPPORTUNITY.probabilities[stages[0]]
        assert (300.0, 300.0 * probability) == wp.by_category()[category]

    def test_no_deals_is_an_empty_pipeline(self) -> None:
        """No open deals: zero everywhere, not an error."""
        wp = weighted_pipeline([], [], SALES_PIPELINE)

        assert 0.0 == wp.total_weighted
        assert 0 == int(wp.n_deals.sum())

    def test_to_frame_has_a_row_per_stage(self) -> None:
        """to_frame lists every stage of the pipeline with its numbers."""
        frame = weighted_pipeline([100.0], ["proposal"], SALES_PIPELINE).to_frame()

        assert list(SALES_PIPELINE.stages) == frame["stage"].tolist()
        assert isinstance(weighted_pipeline([1.0], ["proposal"], SALES_PIPELINE), WeightedPipeline)

    @settings(max_examples=50, deadline=None)
    @given(
        st.lists(
            st.tuples(st.floats(0, 1e6, allow_nan=False), st.sampled_from(OPEN)),
            min_size=1,
            max_size=30,
        )
    )
    def test_total_is_the_sum_of_amount_times_probability(
        self, deals: list[tuple[float, str]]
    ) -> None:
        """The weighted total equals the per-deal sum of amount x stage probability."""
        amounts = [amount for amount, _ in deals]
        stages = [stage for _, stage in deals]

        wp = weighted_pipeline(amounts, stages, SALES_PIPELINE)

        expected = sum(a * SALES_PIPELINE.probabilities[s] for a, s in deals)
        assert expected == pytest.approx(wp.total_weighted, rel=1e-12, abs=1e-9)
        assert wp.total_weighted <= wp.total_amount + 1e-9


class TestRefused:
    def test_unknown_stage_names_stages(self) -> None:
        """A stage not in the pipeline is refused, naming 'stages', with its index."""
        with pytest.raises(InvalidInputError, match=r"'stages' must be .* index 1") as error:
            weighted_pipeline([1.0, 2.0], ["proposal", "signed"], SALES_PIPELINE)

        assert "stages" == error.value.argument

    def test_negative_amount(self) -> None:
        """A negative amount names 'amounts'."""
        refused(
            weighted_pipeline,
            {"amounts": [-1.0], "stages": ["proposal"], "pipeline": SALES_PIPELINE},
            InvalidInputError,
            "'amounts' must",
        )

    def test_lengths_differ(self) -> None:
        """One stage per amount."""
        refused(
            weighted_pipeline,
            {"amounts": [1.0, 2.0], "stages": ["proposal"], "pipeline": SALES_PIPELINE},
            InvalidInputError,
            "'stages' must",
        )

    def test_probability_outside_unit_interval(self) -> None:
        """A given probability above 1 names that stage's entry."""
        with pytest.raises(InvalidInputError, match="probabilities"):
            weighted_pipeline([1.0], ["proposal"], SALES_PIPELINE, probabilities={"proposal": 1.5})

    def test_probability_for_unknown_stage(self) -> None:
        """Probabilities for a stage the pipeline lacks are refused."""
        refused(
            weighted_pipeline,
            {
                "amounts": [1.0],
                "stages": ["proposal"],
                "pipeline": SALES_PIPELINE,
                "probabilities": {"signed": 0.5},
            },
            InvalidInputError,
            "'probabilities' must",
        )

    def test_not_a_pipeline(self) -> None:
        """The pipeline must be a StateMachine."""
        refused(
            weighted_pipeline,
            {"amounts": [1.0], "stages": ["proposal"], "pipeline": {"proposal": 0.5}},
            InvalidTypeError,
            "'pipeline' must",
        )

    def test_inputs_are_not_changed(self) -> None:
        """The caller's arrays are left as they were."""
        amounts = np.array([1.0, 2.0])
        stages = np.array(["proposal", "negotiation"])

        weighted_pipeline(amounts, stages, SALES_PIPELINE)

        assert [1.0, 2.0] == amounts.tolist()
        assert amounts.flags.writeable
