"""The stock machines: customer lifecycle, sales pipelines and marketing stages."""

from __future__ import annotations

import itertools

import pytest

from crmkit import io
from crmkit.errors import InvalidDefinitionError, TransitionNotAllowedError
from crmkit.lifecycle import (
    CUSTOMER_LIFECYCLE,
    MARKETING_STAGES,
    ODOO_PIPELINE,
    SALES_PIPELINE,
    SALESFORCE_OPPORTUNITY,
    TOP_IN_BEST_WIN,
    StateMachine,
    Transition,
)

PIPELINES = [SALES_PIPELINE, TOP_IN_BEST_WIN, SALESFORCE_OPPORTUNITY, ODOO_PIPELINE]
PIPELINE_IDS = [m.name for m in PIPELINES]


def open_stages(machine: StateMachine) -> list[str]:
    """The stages that are not terminal, in order."""
    return [s for s in machine.stages if s not in machine.terminal]


def targets_from(machine: StateMachine, stage: str) -> set[str]:
    """Every stage one event leads to from *stage* (guards ignored)."""
    return {t.target for t in machine.transitions if stage in t.sources}


class TestCustomerLifecycle:
    def test_stages_and_initial(self) -> None:
        """Seven stages, starting from prospect; no terminal stage (churned can be won back)."""
        expected = ("prospect", "new", "active", "loyal", "at_risk", "churned", "reactivated")

        assert expected == CUSTOMER_LIFECYCLE.stages
        assert ("prospect", ()) == (CUSTOMER_LIFECYCLE.initial, CUSTOMER_LIFECYCLE.terminal)

    def test_first_purchase_leads_from_prospect_to_new(self) -> None:
        """The only event a prospect accepts is first_purchase, to new."""
        assert ("first_purchase",) == CUSTOMER_LIFECYCLE.allowed_events("prospect")
        assert "new" == CUSTOMER_LIFECYCLE.fire("prospect", "first_purchase").target

    def test_every_stage_has_a_phase(self) -> None:
        """Acquisition, conversion, growth (active, loyal), retention, win-back (churned,
        reactivated)."""
        expected = {
            "prospect": "acquisition",
            "new": "conversion",
            "active": "growth",
            "loyal": "growth",
            "at_risk": "retention",
            "churned": "win-back",
            "reactivated": "win-back",
        }

        assert expected == CUSTOMER_LIFECYCLE.phases
        assert set(CUSTOMER_LIFECYCLE.stages) == set(CUSTOMER_LIFECYCLE.phases)

    @pytest.mark.parametrize(("orders", "target"), [(5, "loyal"), (12, "loyal")])
    def test_become_loyal_needs_five_orders(self, orders: int, target: str) -> None:
        """5 orders (the boundary) and 12 orders both make an active customer loyal."""
        assert (
            target
            == CUSTOMER_LIFECYCLE.fire("active", "become_loyal", context={"orders": orders}).target
        )

    def test_become_loyal_is_refused_below_five_orders(self) -> None:
        """With 4 orders the guard refuses, naming the condition."""
        with pytest.raises(TransitionNotAllowedError) as caught:
            CUSTOMER_LIFECYCLE.fire("active", "become_loyal", context={"orders": 4})

        assert "needs orders >= 5" == caught.value.reason

    def test_the_churn_and_win_back_path(self) -> None:
        """A loyal customer is warned (at_risk), churns, is won back (reactivated) and buys
        again (active)."""
        history = CUSTOMER_LIFECYCLE.replay(
            ["warn", "churn", "win_back", "repeat_purchase"], start="loyal"
        )

        expected = ["at_risk", "churned", "reactivated", "active"]
        assert expected == [step.target for step in history.steps]
        assert history.is_complete

    def test_churned_customers_only_come_back_by_win_back(self) -> None:
        """From churned the one way out is win_back."""
        assert ("win_back",) == CUSTOMER_LIFECYCLE.allowed_events("churned")


class TestSalesPipeline:
    def test_stages(self) -> None:
        """Four open stages, then won and lost (both terminal)."""
        expected = (
            "initial_contact",
            "needs_confirmed",
            "proposal",
            "negotiation",
            "won",
            "lost",
        )

        assert expected == SALES_PIPELINE.stages
        assert ("won", "lost") == SALES_PIPELINE.terminal

    @pytest.mark.parametrize("stage", ["won", "lost"])
    def test_closed_stages_accept_no_event(self, stage: str) -> None:
        """won and lost are terminal: no event, and 'qualify' is refused."""
        assert () == SALES_PIPELINE.allowed_events(stage)
        with pytest.raises(TransitionNotAllowedError) as caught:
            SALES_PIPELINE.fire(stage, "qualify")

        assert (stage, "qualify", ()) == (
            caught.value.stage,
            caught.value.event,
            caught.value.allowed_events,
        )

    def test_the_happy_path(self) -> None:
        """qualify, propose, negotiate, win: initial_contact to won in four steps."""
        history = SALES_PIPELINE.replay(["qualify", "propose", "negotiate", "win"])

        assert ("won", True) == (history.final, history.is_complete)

    def test_win_only_from_proposal_or_negotiation(self) -> None:
        """A deal can be won once proposed; it can be lost from every open stage."""
        can_win = [
            s for s in open_stages(SALES_PIPELINE) if "win" in SALES_PIPELINE.allowed_events(s)
        ]
        can_lose = [
            s for s in open_stages(SALES_PIPELINE) if "lose" in SALES_PIPELINE.allowed_events(s)
        ]

        assert ["proposal", "negotiation"] == can_win
        assert open_stages(SALES_PIPELINE) == can_lose

    def test_default_probabilities(self) -> None:
        """10 %, 25 %, 50 %, 75 % along the open stages; won 100 %, lost 0 %."""
        expected = {
            "initial_contact": 0.1,
            "needs_confirmed": 0.25,
            "proposal": 0.5,
            "negotiation": 0.75,
            "won": 1.0,
            "lost": 0.0,
        }

        assert expected == SALES_PIPELINE.probabilities


class TestPipelines:
    @pytest.mark.parametrize("machine", PIPELINES, ids=PIPELINE_IDS)
    def test_won_and_lost_are_terminal_with_probabilities_one_and_zero(
        self, machine: StateMachine
    ) -> None:
        """The last two stages close the deal: the won one at 1, the lost one at 0."""
        won, lost = machine.stages[-2:]

        assert (won, lost) == machine.terminal
        assert (1.0, 0.0) == (machine.probabilities[won], machine.probabilities[lost])

    @pytest.mark.parametrize("machine", PIPELINES, ids=PIPELINE_IDS)
    def test_every_stage_has_a_probability_in_the_unit_interval(
        self, machine: StateMachine
    ) -> None:
        """One probability per stage, each in [0, 1]."""
        assert set(machine.stages) == set(machine.probabilities)
        assert all(0.0 <= p <= 1.0 for p in machine.probabilities.values())

    @pytest.mark.parametrize(
        "machine",
        [SALES_PIPELINE, TOP_IN_BEST_WIN, ODOO_PIPELINE],
        ids=["sales_pipeline", "top_in_best_win", "odoo_pipeline"],
    )
    def test_probabilities_increase_along_the_open_stages(self, machine: StateMachine) -> None:
        """Each open stage is strictly likelier to be won than the one before, and below 1."""
        probabilities = [machine.probabilities[s] for s in open_stages(machine)]

        assert all(a < b for a, b in itertools.pairwise(probabilities)), probabilities
        assert probabilities[-1] < 1.0

    @pytest.mark.parametrize("machine", PIPELINES, ids=PIPELINE_IDS)
    def test_each_open_stage_advances_one_stage_or_closes(self, machine: StateMachine) -> None:
        """From each open stage the deal moves to the next stage, to won (from the last two
        open stages) or to lost; nothing goes back."""
        stages = open_stages(machine)
        won, lost = machine.terminal
        for index, stage in enumerate(stages):
            expected = {lost}
            if index + 1 < len(stages):
                expected.add(stages[index + 1])
            if index >= len(stages) - 2:
                expected.add(won)
            assert expected == targets_from(machine, stage), stage

    @pytest.mark.parametrize("machine", PIPELINES, ids=PIPELINE_IDS)
    def test_no_event_reopens_a_closed_deal(self, machine: StateMachine) -> None:
        """Every event is refused from won and from lost."""
        for stage, event in itertools.product(machine.terminal, machine.events):
            with pytest.raises(TransitionNotAllowedError):
                machine.fire(stage, event)


class TestTopInBestWin:
    def test_stages_events_and_probabilities(self) -> None:
        """prospect -screen-> top -visit-> in -negotiate-> best -win-> win, lost from any:
        5 %, 20 %, 50 %, 80 %, 100 %."""
        history = TOP_IN_BEST_WIN.replay(["screen", "visit", "negotiate", "win"])

        assert ["top", "in", "best", "win"] == [s.target for s in history.steps]
        expected = {"prospect": 0.05, "top": 0.2, "in": 0.5, "best": 0.8, "win": 1.0, "lost": 0.0}
        assert expected == TOP_IN_BEST_WIN.probabilities


class TestMarketingStages:
    def test_stages_in_order(self) -> None:
        """Subscriber to evangelist, forward only, reset the one way back."""
        expected = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")

        assert expected == MARKETING_STAGES.stages
        assert (True, "reset") == (MARKETING_STAGES.forward_only, MARKETING_STAGES.reset_event)

    def test_every_event_but_reset_moves_forward(self) -> None:
        """For every transition except reset, the target comes after each source."""
        order = MARKETING_STAGES.stages
        for t in MARKETING_STAGES.transitions:
            if t.event != "reset":
                assert all(order.index(t.target) > order.index(s) for s in t.sources), t

    @pytest.mark.parametrize(
        ("stage", "event", "target"),
        [
            ("subscriber", "qualify_marketing", "mql"),  # skips lead
            ("lead", "qualify_sales", "sql"),  # skips mql
            ("lead", "purchase", "customer"),  # skips mql, sql and opportunity
        ],
    )
    def test_skipping_forward_is_allowed(self, stage: str, event: str, target: str) -> None:
        """Stages may be skipped on the way forward."""
        assert target == MARKETING_STAGES.fire(stage, event).target

    @pytest.mark.parametrize("stage", MARKETING_STAGES.stages[1:])
    def test_reset_goes_back_to_subscriber_from_every_later_stage(self, stage: str) -> None:
        """reset returns any stage after subscriber to subscriber."""
        assert "subscriber" == MARKETING_STAGES.fire(stage, "reset").target

    def test_the_only_way_back_is_reset(self) -> None:
        """Firing every event from every stage, each move to an earlier stage was a reset."""
        order = MARKETING_STAGES.stages
        backward = set()
        for stage, event in itertools.product(order, MARKETING_STAGES.events):
            try:
                target = MARKETING_STAGES.fire(stage, event).target
            except TransitionNotAllowedError:
                continue
            if order.index(target) <= order.index(stage):
                backward.add(event)

        assert {"reset"} == backward

    def test_adding_a_way_back_breaks_the_machine(self) -> None:
        """A 'downgrade' from sql to lead is refused as going back in a forward-only machine."""
        data = io.to_dict(MARKETING_STAGES)
        data["transitions"].append(
            io.to_dict(Transition(event="downgrade", sources=["sql"], target="lead"))
        )
        del data["transitions"][-1]["schema_version"]

        with pytest.raises(InvalidDefinitionError) as caught:
            io.from_dict(StateMachine, data)

        expected = (
            "transition 7 ('downgrade'): goes back from 'sql' to 'lead' in a forward-only machine",
        )
        assert expected == caught.value.problems


class TestSalesforceOpportunity:
    def test_stages_and_default_probabilities(self) -> None:
        """Salesforce's standard stages and default probabilities: Prospecting 10, Qualification
        10, Needs Analysis 20, Value Proposition 50, Id. Decision Makers 60, Perception Analysis
        70, Proposal/Price Quote 75, Negotiation/Review 90, Closed Won 100, Closed Lost 0 (%)."""
        expected = {
            "prospecting": 0.1,
            "qualification": 0.1,
            "needs_analysis": 0.2,
            "value_proposition": 0.5,
            "id_decision_makers": 0.6,
            "perception_analysis": 0.7,
            "proposal_price_quote": 0.75,
            "negotiation_review": 0.9,
            "closed_won": 1.0,
            "closed_lost": 0.0,
        }

        assert tuple(expected) == SALESFORCE_OPPORTUNITY.stages
        assert expected == SALESFORCE_OPPORTUNITY.probabilities
        assert ("closed_won", "closed_lost") == SALESFORCE_OPPORTUNITY.terminal

    def test_probabilities_never_decrease_along_the_open_stages(self) -> None:
        """Prospecting and Qualification share 10 %; no later stage is less likely."""
        probabilities = [
            SALESFORCE_OPPORTUNITY.probabilities[s] for s in open_stages(SALESFORCE_OPPORTUNITY)
        ]

        assert all(a <= b for a, b in itertools.pairwise(probabilities)), probabilities

    def test_forecast_categories(self) -> None:
        """Every stage has a category from pipeline, best_case, commit, closed, omitted; the
        categories never step back along the open stages; won is closed, lost omitted."""
        categories = SALESFORCE_OPPORTUNITY.forecast_categories
        rank = ["pipeline", "best_case", "commit"]
        along = [rank.index(categories[s]) for s in open_stages(SALESFORCE_OPPORTUNITY)]

        assert set(SALESFORCE_OPPORTUNITY.stages) == set(categories)
        assert set(categories.values()) <= {"pipeline", "best_case", "commit", "closed", "omitted"}
        assert along == sorted(along)
        assert ("pipeline", "commit") == (
            categories["prospecting"],
            categories["negotiation_review"],
        )
        assert ("closed", "omitted") == (categories["closed_won"], categories["closed_lost"])

    def test_the_full_path(self) -> None:
        """Seven advancing events, then win, reach closed_won."""
        events = [
            "qualify",
            "analyse_needs",
            "propose_value",
            "identify_decision_makers",
            "analyse_perception",
            "quote",
            "negotiate",
            "win",
        ]

        assert "closed_won" == SALESFORCE_OPPORTUNITY.replay(events).final


class TestOdooPipeline:
    def test_stages_and_probabilities(self) -> None:
        """Odoo CRM's defaults: New 10 %, Qualified 30 %, Proposition 70 %, Won 100 %."""
        expected = {"new": 0.1, "qualified": 0.3, "proposition": 0.7, "won": 1.0, "lost": 0.0}

        assert ("new", "qualified", "proposition", "won", "lost") == ODOO_PIPELINE.stages
        assert expected == ODOO_PIPELINE.probabilities

    def test_win_from_qualified_or_proposition(self) -> None:
        """A qualified deal may be won without a proposition; a new one may not."""
        assert "won" == ODOO_PIPELINE.fire("qualified", "win").target
        with pytest.raises(TransitionNotAllowedError):
            ODOO_PIPELINE.fire("new", "win")
