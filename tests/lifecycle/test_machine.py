"""State machines as data: validation, fire, allowed_events, replay, fire_many, to_mermaid."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import io
from crmkit.errors import (
    CrmkitError,
    InvalidDefinitionError,
    InvalidInputError,
    InvalidTypeError,
    TransitionNotAllowedError,
)
from crmkit.lifecycle import (
    CUSTOMER_LIFECYCLE,
    MARKETING_STAGES,
    ODOO_PIPELINE,
    SALES_PIPELINE,
    SALESFORCE_OPPORTUNITY,
    TOP_IN_BEST_WIN,
    FireManyResult,
    History,
    StateMachine,
    Step,
    Transition,
)
from crmkit.rules import Condition

PRESETS = [
    CUSTOMER_LIFECYCLE,
    SALES_PIPELINE,
    TOP_IN_BEST_WIN,
    MARKETING_STAGES,
    SALESFORCE_OPPORTUNITY,
    ODOO_PIPELINE,
]
PRESET_IDS = [m.name for m in PRESETS]
SHANGHAI = timezone(timedelta(hours=8))


def tiers() -> StateMachine:
    """'lead' upgrades to 'gold' when spend >= 1000, else to 'silver' when orders >= 2 (the
    first transition whose guard holds wins); 'promote' needs orders >= 5 and spend >= 100;
    every open stage can 'close'."""
    return StateMachine(
        name="tiers",
        stages=["lead", "silver", "gold", "closed"],
        initial="lead",
        terminal=["closed"],
        transitions=[
            Transition(
                event="upgrade",
                sources=["lead"],
                target="gold",
                guard=[Condition(field="spend", op=">=", value=1000)],
            ),
            Transition(
                event="upgrade",
                sources=["lead"],
                target="silver",
                guard=[Condition(field="orders", op=">=", value=2)],
            ),
            Transition(
                event="promote",
                sources=["silver"],
                target="gold",
                guard=[
                    Condition(field="orders", op=">=", value=5),
                    Condition(field="spend", op=">=", value=100),
                ],
            ),
            Transition(event="close", sources=["lead", "silver", "gold"], target="closed"),
        ],
    )


def fresh(machine: StateMachine) -> StateMachine:
    """An equal machine that shares nothing with *machine* (so a test may poke at it)."""
    return io.from_json(StateMachine, io.to_json(machine))


def refusal(machine: StateMachine, stage: str, event: str, **kwargs: Any) -> Any:
    """The TransitionNotAllowedError that firing *event* from *stage* raises."""
    with pytest.raises(TransitionNotAllowedError) as caught:
        machine.fire(stage, event, **kwargs)
    return caught.value


def problems_of(**kwargs: Any) -> tuple[str, ...]:
    """The problems listed when building StateMachine(**kwargs)."""
    with pytest.raises(InvalidDefinitionError) as caught:
        StateMachine(**kwargs)
    return caught.value.problems


def two_stage(**kwargs: Any) -> dict[str, Any]:
    """Settings of a valid machine 'open' --finish--> 'done', overridden by *kwargs*."""
    settings_ = {
        "name": "two",
        "stages": ["open", "done"],
        "initial": "open",
        "terminal": ["done"],
        "transitions": [Transition(event="finish", sources=["open"], target="done")],
    }
    return {**settings_, **kwargs}


# --- Transition ----------------------------------------------------------------------------


class TestTransition:
    def test_docstring_example(self) -> None:
        """A list of sources is stored as a tuple; a bare string is one source, not letters."""
        t = Transition(
            event="become_loyal",
            sources=["active"],
            target="loyal",
            guard=[Condition(field="orders", op=">=", value=5)],
        )

        assert ("active",) == t.sources
        assert ("active",) == Transition(event="e", sources="active", target="x").sources
        assert (Condition(field="orders", op=">=", value=5),) == t.guard

    def test_guard_defaults_to_always(self) -> None:
        """Without a guard the transition has no conditions."""
        assert () == Transition(event="e", sources=["a"], target="b").guard


# --- StateMachine: validation and JSON ----------------------------------------------------


class TestStateMachine:
    def test_docstring_example(self) -> None:
        """The two-stage machine fires 'finish' from 'open' to 'done'; its events are listed."""
        machine = StateMachine(**two_stage())

        assert "done" == machine.fire("open", "finish").target
        assert ("finish",) == machine.events

    def test_every_problem_is_reported_at_once(self) -> None:
        """One machine with a missing initial stage ('start'), an undefined target
        ('nowhere'), an exit from the terminal stage ('end'), two backward transitions in a
        forward-only machine (end -> a, b -> a), a malformed guard (op '=~'), a dead end ('c'
        has no exit and is not terminal), unreachable stages (from a missing initial stage,
        none is reachable, so the 'island' with an exit is listed too) and a probability of
        1.5: all thirteen problems are listed, in this order."""
        problems = problems_of(
            name="broken",
            stages=["a", "b", "c", "island", "end"],
            initial="start",
            terminal=["end"],
            forward_only=True,
            transitions=[
                Transition(event="go", sources=["a"], target="nowhere"),
                Transition(event="finish", sources=["b"], target="end"),
                Transition(event="restart", sources=["end"], target="a"),
                Transition(event="back", sources=["b"], target="a"),
                Transition(
                    event="step",
                    sources=["a"],
                    target="b",
                    guard=[Condition(field="orders", op="=~", value=5)],  # type: ignore[arg-type]
                ),
                Transition(event="leave", sources=["island"], target="end"),
            ],
            probabilities={"a": 1.5},
        )

        expected = (
            "initial stage 'start' is not a stage",
            "transition 0 ('go'): target 'nowhere' is not a stage",
            "transition 2 ('restart'): leaves terminal stage 'end'",
            "transition 2 ('restart'): goes back from 'end' to 'a' in a forward-only machine",
            "transition 3 ('back'): goes back from 'b' to 'a' in a forward-only machine",
            "transition 4 ('step'): condition on 'orders': op must be one of "
            "<, <=, >, >=, ==, !=; got '=~'",
            "stage 'c' is a dead end: no transition leaves it and it is not terminal",
            "stage 'a' cannot be reached from 'start'",
            "stage 'b' cannot be reached from 'start'",
            "stage 'c' cannot be reached from 'start'",
            "stage 'island' cannot be reached from 'start'",
            "stage 'end' cannot be reached from 'start'",
            "probability of 'a' must be a number in [0, 1]; got 1.5",
        )
        assert expected == problems

    def test_the_message_counts_and_lists_the_problems(self) -> None:
        """An 'island' stage with an exit but no way in is the one problem of 'ok'."""
        with pytest.raises(InvalidDefinitionError) as caught:
            StateMachine(
                **two_stage(
                    name="ok",
                    stages=["open", "island", "done"],
                    transitions=[
                        Transition(event="finish", sources=["open", "island"], target="done")
                    ],
                )
            )

        expected = (
            "invalid StateMachine 'ok': 1 problem\n"
            "  - stage 'island' cannot be reached from 'open'"
        )
        assert expected == str(caught.value)

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({"name": " "}, ("'name' must be a non-empty string; got ' '",)),
            (
                {"stages": ["open", "done", "open"]},
                ("stage names must be unique; repeated: open",),
            ),
            ({"terminal": ["done", "gone"]}, ("terminal stage 'gone' is not a stage",)),
            (
                {
                    "transitions": [
                        Transition(event="finish", sources=["open", "x"], target="done")
                    ]
                },
                ("transition 0 ('finish'): source 'x' is not a stage",),
            ),
            (
                {"forward_only": True, "reset_event": "reset"},
                ("reset event 'reset' is not an event of the machine",),
            ),
            (
                {"probabilities": {"open": -0.1, "done": float("nan"), "ghost": 0.5}},
                (
                    "probabilities names 'ghost', which is not a stage",
                    "probability of 'open' must be a number in [0, 1]; got -0.1",
                    "probability of 'done' must be a number in [0, 1]; got nan",
                ),
            ),
            (
                {"probabilities": {"open": "high"}},
                ("probability of 'open' must be a number in [0, 1]; got 'high'",),
            ),
            ({"phases": {"ghost": "growth"}}, ("phases names 'ghost', which is not a stage",)),
            (
                {"forecast_categories": {"ghost": "commit"}},
                ("forecast_categories names 'ghost', which is not a stage",),
            ),
        ],
        ids=[
            "blank-name",
            "repeated-stage",
            "unknown-terminal",
            "unknown-source",
            "unknown-reset-event",
            "probabilities",
            "probability-text",
            "phases",
            "forecast-categories",
        ],
    )
    def test_each_malformed_setting_is_a_problem(
        self, kwargs: dict[str, Any], expected: tuple[str, ...]
    ) -> None:
        """Each malformed setting is named in the problem list with its value."""
        assert expected == problems_of(**two_stage(**kwargs))

    def test_a_guard_condition_problem_names_the_transition(self) -> None:
        """An order comparison with text ('orders >= "five"') is a problem of transition 0."""
        guard = [Condition(field="orders", op=">=", value="five")]

        problems = problems_of(
            **two_stage(
                transitions=[
                    Transition(event="finish", sources=["open"], target="done", guard=guard)
                ]
            )
        )

        assert (
            "transition 0 ('finish'): condition on 'orders': >= needs a number; got 'five'",
        ) == (problems)

    def test_forward_only_allows_skipping_forward_and_the_reset_event(self) -> None:
        """a -> c skips b (forward); 'reset' goes back to a: a valid forward-only machine."""
        machine = StateMachine(
            name="fwd",
            stages=["a", "b", "c"],
            initial="a",
            forward_only=True,
            reset_event="reset",
            transitions=[
                Transition(event="next", sources=["a"], target="b"),
                Transition(event="jump", sources=["a", "b"], target="c"),
                Transition(event="reset", sources=["b", "c"], target="a"),
            ],
        )

        assert "c" == machine.fire("a", "jump").target
        assert "a" == machine.fire("c", "reset").target

    def test_a_self_loop_goes_back_in_a_forward_only_machine(self) -> None:
        """Staying in 'open' is not moving forward: open -> open is refused."""
        problems = problems_of(
            **two_stage(
                forward_only=True,
                transitions=[
                    Transition(event="ping", sources=["open"], target="open"),
                    Transition(event="finish", sources=["open"], target="done"),
                ],
            )
        )

        assert (
            "transition 0 ('ping'): goes back from 'open' to 'open' in a forward-only machine",
        ) == problems

    def test_a_transition_that_is_not_a_transition_is_a_problem(self) -> None:
        """transitions=['finish'] (text, not a Transition) is listed as a problem, not a raw
        AttributeError ("'str' object has no attribute 'event'")."""
        with pytest.raises(InvalidDefinitionError, match=r"transitions\[0\]"):
            StateMachine(**two_stage(transitions=["finish"]))

    def test_a_guard_that_is_not_a_condition_is_a_problem(self) -> None:
        """guard=['orders >= 5'] (text, not a Condition) is listed as a problem, not a raw
        AttributeError ("'str' object has no attribute 'problems'")."""
        bad = Transition(event="finish", sources=["open"], target="done", guard=["orders >= 5"])

        with pytest.raises(InvalidDefinitionError, match=r"transition 0 \('finish'\)"):
            StateMachine(**two_stage(transitions=[bad]))

    def test_stage_names_must_be_text(self) -> None:
        """Stages 1 and 2 (integers) are not stage names: fire, JSON and Mermaid all speak of
        stages as strings, so the machine must be refused."""
        with pytest.raises(InvalidDefinitionError, match=r"stage"):
            StateMachine(
                name="numbers",
                stages=[1, 2],
                initial=1,
                terminal=[2],
                transitions=[Transition(event="go", sources=[1], target=2)],
            )

    def test_a_flag_is_not_a_probability(self) -> None:
        """probabilities={'open': True}: a flag is not a number in [0, 1], though True is an
        int to Python."""
        assert ("probability of 'open' must be a number in [0, 1]; got True",) == problems_of(
            **two_stage(probabilities={"open": True})
        )

    def test_the_machine_is_frozen(self) -> None:
        """Setting an attribute of a machine raises, like any frozen attrs value."""
        machine = fresh(ODOO_PIPELINE)

        with pytest.raises(AttributeError):
            machine.initial = "won"  # type: ignore[misc]

    def test_its_tables_cannot_be_changed_in_place(self) -> None:
        """A frozen rules value keeps its checked tables: setting a probability of 5 on a
        machine (a fresh copy of ODOO_PIPELINE, so no preset is touched) must raise
        TypeError, not slip past the [0, 1] check."""
        machine = fresh(ODOO_PIPELINE)

        with pytest.raises(TypeError):
            machine.probabilities["won"] = 5.0

    def test_equal_machines_hash_equal(self) -> None:
        """Machines are values: an equal copy hashes the same, so machines can key a dict."""
        machine = fresh(ODOO_PIPELINE)

        assert hash(ODOO_PIPELINE) == hash(machine)

    @pytest.mark.parametrize("machine", PRESETS, ids=PRESET_IDS)
    def test_presets_round_trip_through_json(self, machine: StateMachine) -> None:
        """Every preset reads back equal from its JSON."""
        assert machine == io.from_json(StateMachine, io.to_json(machine))

    def test_a_machine_with_guards_round_trips_through_json(self) -> None:
        """Guards with numbers, text and flags, phases and forecast categories all survive."""
        machine = StateMachine(
            name="guarded",
            stages=["lead", "won", "lost"],
            initial="lead",
            terminal=["won", "lost"],
            transitions=[
                Transition(
                    event="win",
                    sources=["lead"],
                    target="won",
                    guard=[
                        Condition(field="spend", op=">=", value=99.5),
                        Condition(field="country", op="==", value="中国"),
                        Condition(field="vip", op="!=", value=False),
                    ],
                ),
                Transition(event="lose", sources="lead", target="lost"),
            ],
            probabilities={"lead": 0.2, "won": 1.0, "lost": 0.0},
            phases={"lead": "acquisition"},
            forecast_categories={"lead": "pipeline", "won": "closed"},
        )

        back = io.from_json(StateMachine, io.to_json(machine))

        assert machine == back
        assert (
            "won"
            == back.fire(
                "lead", "win", context={"spend": 100, "country": "中国", "vip": True}
            ).target
        )

    def test_json_naming_an_undefined_stage_lists_the_problems(self) -> None:
        """ODOO_PIPELINE's JSON with 'qualify' pointing at 'nowhere': the target is undefined,
        and 'qualified', 'proposition' and 'won' become unreachable from 'new' ('lost' is
        still reached by 'lose'). from_json raises InvalidDefinitionError with all four."""
        data = io.to_dict(ODOO_PIPELINE)
        data["transitions"][0]["target"] = "nowhere"

        with pytest.raises(InvalidDefinitionError) as caught:
            io.from_dict(StateMachine, data)

        expected = (
            "transition 0 ('qualify'): target 'nowhere' is not a stage",
            "stage 'qualified' cannot be reached from 'new'",
            "stage 'proposition' cannot be reached from 'new'",
            "stage 'won' cannot be reached from 'new'",
        )
        assert expected == caught.value.problems

    def test_json_with_an_unknown_guard_operator_names_the_field(self) -> None:
        """CUSTOMER_LIFECYCLE's become_loyal guard (transition 2) with op '=~' in JSON is an
        InvalidInputError naming 'transitions[2].guard[0].op' and the operator."""
        data = io.to_dict(CUSTOMER_LIFECYCLE)
        data["transitions"][2]["guard"][0]["op"] = "=~"

        with pytest.raises(
            InvalidInputError, match=r"'transitions\[2\]\.guard\[0\]\.op'.*'=~'"
        ) as caught:
            io.from_dict(StateMachine, data)

        assert "transitions[2].guard[0].op" == caught.value.argument

    def test_json_with_an_unknown_field_is_refused(self) -> None:
        """An extra key ('colour') is not silently dropped: it is named as no field of
        StateMachine."""
        data = {**io.to_dict(ODOO_PIPELINE), "colour": "red"}

        with pytest.raises(InvalidInputError, match=r"'colour' is not a field of StateMachine"):
            io.from_dict(StateMachine, data)


# --- fire -----------------------------------------------------------------------------------


class TestFire:
    @pytest.mark.parametrize(
        ("machine", "stage", "event", "target"),
        [
            (CUSTOMER_LIFECYCLE, "prospect", "first_purchase", "new"),
            (CUSTOMER_LIFECYCLE, "reactivated", "repeat_purchase", "active"),
            (CUSTOMER_LIFECYCLE, "loyal", "warn", "at_risk"),
            (CUSTOMER_LIFECYCLE, "churned", "win_back", "reactivated"),
            (SALES_PIPELINE, "proposal", "win", "won"),
            (SALES_PIPELINE, "initial_contact", "lose", "lost"),
            (MARKETING_STAGES, "subscriber", "qualify_marketing", "mql"),
            (ODOO_PIPELINE, "qualified", "win", "won"),
        ],
    )
    def test_hand_checked_steps(
        self, machine: StateMachine, stage: str, event: str, target: str
    ) -> None:
        """Each step follows the preset's transition table (see presets.py)."""
        expected = Step(source=stage, event=event, target=target)

        assert expected == machine.fire(stage, event)

    def test_docstring_example(self) -> None:
        """prospect --first_purchase--> new, with no time given."""
        expected = Step(source="prospect", event="first_purchase", target="new", at=None)

        assert expected == CUSTOMER_LIFECYCLE.fire("prospect", "first_purchase")

    def test_at_is_recorded_on_the_step(self) -> None:
        """An aware time (Shanghai, +08:00) is kept as given."""
        at = datetime(2025, 3, 1, 9, 30, tzinfo=SHANGHAI)

        assert at == SALES_PIPELINE.fire("initial_contact", "qualify", at=at).at

    def test_a_naive_at_is_refused(self) -> None:
        """datetime(2025, 3, 1) has no timezone: InvalidInputError naming 'at'."""
        with pytest.raises(
            InvalidInputError, match=r"'at' must be a timezone-aware datetime"
        ) as caught:
            SALES_PIPELINE.fire("initial_contact", "qualify", at=datetime(2025, 3, 1))

        assert "at" == caught.value.argument

    def test_an_at_that_is_not_a_datetime_is_refused(self) -> None:
        """A date string names 'at'."""
        with pytest.raises(InvalidTypeError, match=r"'at' must be a timezone-aware datetime"):
            SALES_PIPELINE.fire("initial_contact", "qualify", at="2025-03-01")  # type: ignore[arg-type]

    @pytest.mark.parametrize(("stage", "shown"), [("nowhere", "'nowhere'"), (3, "3"), ("", "''")])
    def test_an_unknown_stage_names_the_argument(self, stage: Any, shown: str) -> None:
        """A stage the machine does not have is an InvalidInputError naming 'stage', listing
        the machine's stages and the value."""
        with pytest.raises(
            InvalidInputError,
            match=rf"'stage' must be a stage of the machine \(initial_contact, .*\); got {shown}",
        ) as caught:
            SALES_PIPELINE.fire(stage, "qualify")

        assert "stage" == caught.value.argument

    def test_an_unknown_event_is_refused_with_the_allowed_events(self) -> None:
        """'teleport' is no event of the pipeline: from 'proposal' the allowed events are
        negotiate, win and lose, carried on the error and listed in its message."""
        error = refusal(SALES_PIPELINE, "proposal", "teleport")

        assert ("teleport", "proposal") == (error.event, error.stage)
        assert ("negotiate", "win", "lose") == error.allowed_events
        assert None is error.reason
        expected = (
            "event 'teleport' is not allowed in stage 'proposal'; "
            "allowed: 'negotiate', 'win', 'lose'"
        )
        assert expected == str(error)

    def test_an_event_not_allowed_from_the_stage_is_refused(self) -> None:
        """'win' exists but not from 'initial_contact' (only from proposal and negotiation)."""
        error = refusal(SALES_PIPELINE, "initial_contact", "win")

        assert ("win", "initial_contact", ("qualify", "lose")) == (
            error.event,
            error.stage,
            error.allowed_events,
        )
        assert "allowed: 'qualify', 'lose'" in str(error)

    def test_a_terminal_stage_allows_nothing(self) -> None:
        """From 'won' nothing fires; the message says why."""
        error = refusal(SALES_PIPELINE, "won", "qualify")

        assert () == error.allowed_events
        expected = (
            "event 'qualify' is not allowed in stage 'won'; allowed: none (a terminal stage)"
        )
        assert expected == str(error)

    def test_a_guard_refusal_carries_the_reason(self) -> None:
        """become_loyal needs orders >= 5; with 2 orders it is refused, saying so."""
        error = refusal(CUSTOMER_LIFECYCLE, "active", "become_loyal", context={"orders": 2})

        assert "needs orders >= 5" == error.reason
        assert ("become_loyal", "active") == (error.event, error.stage)
        assert ("become_loyal", "warn") == error.allowed_events
        expected = "event 'become_loyal' refused in stage 'active': needs orders >= 5"
        assert expected == str(error)

    def test_a_guard_holds_at_its_boundary(self) -> None:
        """orders = 5 meets orders >= 5."""
        assert (
            "loyal"
            == CUSTOMER_LIFECYCLE.fire("active", "become_loyal", context={"orders": 5}).target
        )

    @pytest.mark.parametrize(
        "context", [None, {}, {"spend": 10}, {"orders": None}, {"orders": "seven"}]
    )
    def test_a_guard_over_a_missing_or_unusable_field_refuses(self, context: Any) -> None:
        """No context, no 'orders', or an 'orders' that cannot be compared with 5 refuses
        (rather than raising a raw TypeError)."""
        error = refusal(CUSTOMER_LIFECYCLE, "active", "become_loyal", context=context)

        assert "needs orders >= 5" == error.reason

    def test_every_failing_condition_of_the_guard_is_named(self) -> None:
        """'promote' needs orders >= 5 and spend >= 100: with neither both are named; with
        the spend met only the orders."""
        neither = refusal(tiers(), "silver", "promote", context={"orders": 1, "spend": 0})
        one = refusal(tiers(), "silver", "promote", context={"orders": 1, "spend": 500})

        assert "needs orders >= 5 and spend >= 100" == neither.reason
        assert "needs orders >= 5" == one.reason

    @pytest.mark.parametrize(
        ("context", "target"),
        [
            ({"spend": 5000, "orders": 3}, "gold"),
            ({"spend": 5000}, "gold"),
            ({"spend": 10, "orders": 3}, "silver"),
        ],
    )
    def test_the_first_transition_whose_guard_holds_wins(
        self, context: dict[str, Any], target: str
    ) -> None:
        """'upgrade' goes to gold (spend >= 1000, listed first) before silver (orders >= 2):
        both guards hold for 5000 and 3, and gold wins; only orders hold: silver."""
        assert target == tiers().fire("lead", "upgrade", context=context).target

    def test_no_guard_holding_refuses(self) -> None:
        """Neither spend >= 1000 nor orders >= 2: 'upgrade' is refused."""
        error = refusal(tiers(), "lead", "upgrade", context={"spend": 1, "orders": 1})

        assert ("upgrade", "close") == error.allowed_events
        assert error.reason is not None

    @pytest.mark.parametrize("context", [[("orders", 7)], "orders=7", 7])
    def test_a_context_that_is_not_a_mapping_is_refused(self, context: Any) -> None:
        """A list of pairs, text or a number is not a mapping: an error naming 'context'."""
        with pytest.raises(InvalidTypeError, match=r"'context' must be a mapping") as caught:
            CUSTOMER_LIFECYCLE.fire("active", "become_loyal", context=context)

        assert "context" == caught.value.argument

    @pytest.mark.parametrize(
        ("event", "error", "match"),
        [
            (5, InvalidTypeError, r"'event' must be a string; got int 5"),
            ("  ", InvalidInputError, r"'event' must be a non-empty string; got '  '"),
        ],
    )
    def test_an_event_that_is_not_a_name_is_refused(
        self, event: Any, error: type[Exception], match: str
    ) -> None:
        """The event must be non-empty text."""
        with pytest.raises(error, match=match):
            SALES_PIPELINE.fire("proposal", event)

    def test_nothing_is_changed_by_a_refusal(self) -> None:
        """After an unknown stage, an unknown event, a terminal stage, a guard refusal and a
        bad context, the machine equals (and serialises as) it did before."""
        machine = fresh(CUSTOMER_LIFECYCLE)
        before = io.to_json(machine)
        calls = [
            lambda: machine.fire("nowhere", "churn"),
            lambda: machine.fire("active", "teleport"),
            lambda: machine.fire("churned", "first_purchase"),
            lambda: machine.fire("active", "become_loyal", context={"orders": 1}),
            lambda: machine.fire("active", "become_loyal", context=[1]),
        ]

        for call in calls:
            with pytest.raises(CrmkitError):
                call()

        assert before == io.to_json(machine)
        assert CUSTOMER_LIFECYCLE == machine

    def test_refusals_are_value_errors_too(self) -> None:
        """TransitionNotAllowedError is a CrmkitError and a ValueError."""
        error = refusal(SALES_PIPELINE, "won", "qualify")

        assert isinstance(error, CrmkitError)
        assert isinstance(error, ValueError)


# --- allowed_events -------------------------------------------------------------------------


class TestAllowedEvents:
    @pytest.mark.parametrize(
        ("machine", "stage", "expected"),
        [
            (SALES_PIPELINE, "proposal", ("negotiate", "win", "lose")),
            (SALES_PIPELINE, "won", ()),
            (CUSTOMER_LIFECYCLE, "prospect", ("first_purchase",)),
            (CUSTOMER_LIFECYCLE, "active", ("become_loyal", "warn")),
            (CUSTOMER_LIFECYCLE, "at_risk", ("recover", "churn")),
            (MARKETING_STAGES, "customer", ("advocate", "reset")),
            (MARKETING_STAGES, "evangelist", ("reset",)),
        ],
    )
    def test_hand_checked(
        self, machine: StateMachine, stage: str, expected: tuple[str, ...]
    ) -> None:
        """Events with a transition from the stage, in table order, guards not checked."""
        assert expected == machine.allowed_events(stage)

    def test_an_event_with_two_transitions_is_listed_once(self) -> None:
        """'upgrade' has two guarded transitions from 'lead'; it appears once."""
        assert ("upgrade", "close") == tiers().allowed_events("lead")

    @pytest.mark.parametrize("machine", PRESETS, ids=PRESET_IDS)
    def test_each_allowed_event_fires_or_is_refused_only_by_a_guard(
        self, machine: StateMachine
    ) -> None:
        """For every stage and every event: fire succeeds (or a guard refuses, with a reason)
        exactly when the event is allowed; otherwise it is refused without a reason."""
        for stage in machine.stages:
            allowed = machine.allowed_events(stage)
            for event in machine.events:
                try:
                    machine.fire(stage, event)
                    fired, reason = True, None
                except TransitionNotAllowedError as error:
                    fired, reason = False, error.reason
                assert (event in allowed) == (fired or reason is not None), (stage, event)

    def test_an_unknown_stage_names_the_argument(self) -> None:
        """'nowhere' is not a stage of the pipeline."""
        with pytest.raises(
            InvalidInputError, match=r"'stage' must be a stage of the machine.*'nowhere'"
        ):
            SALES_PIPELINE.allowed_events("nowhere")


# --- replay ---------------------------------------------------------------------------------


class TestReplay:
    def test_docstring_example(self) -> None:
        """qualify, propose, then qualify again (not allowed from proposal): two steps stand,
        the final stage is proposal, and the refusal is at index 2."""
        history = SALES_PIPELINE.replay(["qualify", "propose", "qualify"])

        expected_steps = (
            Step(source="initial_contact", event="qualify", target="needs_confirmed"),
            Step(source="needs_confirmed", event="propose", target="proposal"),
        )
        assert expected_steps == history.steps
        assert ("proposal", 2, False) == (
            history.final,
            history.refused_index,
            history.is_complete,
        )
        expected_refusal = (
            "event 'qualify' is not allowed in stage 'proposal'; "
            "allowed: 'negotiate', 'win', 'lose'"
        )
        assert expected_refusal == history.refusal

    def test_a_complete_replay(self) -> None:
        """prospect -> new -> active: complete, nothing refused."""
        history = CUSTOMER_LIFECYCLE.replay(["first_purchase", "repeat_purchase"])

        expected = History(
            steps=(
                Step(source="prospect", event="first_purchase", target="new"),
                Step(source="new", event="repeat_purchase", target="active"),
            ),
            final="active",
        )
        assert expected == history
        assert history.is_complete

    def test_it_stops_at_the_first_refusal(self) -> None:
        """The second event ('win' from needs_confirmed) is refused; the later ones, though
        valid from there, are not fired."""
        history = SALES_PIPELINE.replay(["qualify", "win", "propose", "win"])

        assert (1, "needs_confirmed", 1) == (
            history.refused_index,
            history.final,
            len(history.steps),
        )

    def test_no_events_leave_the_start(self) -> None:
        """An empty sequence is complete, with the initial stage as final."""
        assert History(steps=(), final="initial_contact") == SALES_PIPELINE.replay([])

    def test_a_custom_start(self) -> None:
        """From 'churned': win_back, repeat_purchase, warn ends at at_risk."""
        history = CUSTOMER_LIFECYCLE.replay(
            ["win_back", "repeat_purchase", "warn"], start="churned"
        )

        assert ("at_risk", 3, True) == (history.final, len(history.steps), history.is_complete)
        assert "churned" == history.steps[0].source

    def test_the_context_reaches_the_guards(self) -> None:
        """With orders = 6 the customer becomes loyal; with 4 the replay stops there."""
        events = ["first_purchase", "repeat_purchase", "become_loyal"]

        loyal = CUSTOMER_LIFECYCLE.replay(events, context={"orders": 6})
        stuck = CUSTOMER_LIFECYCLE.replay(events, context={"orders": 4})

        assert ("loyal", None) == (loyal.final, loyal.refused_index)
        assert ("active", 2) == (stuck.final, stuck.refused_index)
        assert "needs orders >= 5" in str(stuck.refusal)

    @given(events=st.lists(st.sampled_from([*CUSTOMER_LIFECYCLE.events, "nope"]), max_size=12))
    def test_equals_a_loop_of_fire(self, events: list[str]) -> None:
        """replay equals firing the events one by one from the initial stage until the first
        refusal."""
        stage, steps, refused = CUSTOMER_LIFECYCLE.initial, [], None
        for index, event in enumerate(events):
            try:
                step = CUSTOMER_LIFECYCLE.fire(stage, event, context={"orders": 9})
            except TransitionNotAllowedError:
                refused = index
                break
            steps.append(step)
            stage = step.target

        history = CUSTOMER_LIFECYCLE.replay(events, context={"orders": 9})

        assert (tuple(steps), stage, refused) == (
            history.steps,
            history.final,
            history.refused_index,
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"events": "qualify"},
                InvalidTypeError,
                r"'events' must be a sequence of event names; got str 'qualify'",
            ),
            (
                {"events": {"qualify"}},
                InvalidTypeError,
                r"'events' must be a sequence of event names",
            ),
            (
                {"events": ["qualify"], "start": "nowhere"},
                InvalidInputError,
                r"'start' must be a stage of the machine.*'nowhere'",
            ),
        ],
    )
    def test_bad_inputs_name_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """A bare string or a set of events, and an unknown start stage, are refused."""
        with pytest.raises(error, match=match):
            SALES_PIPELINE.replay(**kwargs)


# --- fire_many ------------------------------------------------------------------------------


@st.composite
def batches(draw: st.DrawFn) -> tuple[StateMachine, list[str], list[str], list[int]]:
    """A preset and up to 30 random (stage, event, orders) rows."""
    machine = draw(st.sampled_from(PRESETS))
    n = draw(st.integers(0, 30))
    stages = draw(st.lists(st.sampled_from(machine.stages), min_size=n, max_size=n))
    events = draw(st.lists(st.sampled_from(machine.events), min_size=n, max_size=n))
    orders = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    return machine, stages, events, orders


class TestFireMany:
    def test_docstring_example(self) -> None:
        """qualify from initial_contact fires; from won it is refused and won stays."""
        result = SALES_PIPELINE.fire_many(["initial_contact", "won"], ["qualify", "qualify"])

        assert (["needs_confirmed", "won"], [True, False]) == (
            result.stage.tolist(),
            result.is_allowed.tolist(),
        )

    def test_guards_read_the_context_columns(self) -> None:
        """become_loyal with 7 and 2 orders: the first becomes loyal, the second stays."""
        result = CUSTOMER_LIFECYCLE.fire_many(
            ["active", "active"], ["become_loyal", "become_loyal"], context={"orders": [7, 2]}
        )

        assert (["loyal", "active"], [True, False]) == (
            result.stage.tolist(),
            result.is_allowed.tolist(),
        )

    def test_a_guard_on_a_missing_column_refuses(self) -> None:
        """Without an 'orders' column become_loyal refuses for every row; warn still fires."""
        result = CUSTOMER_LIFECYCLE.fire_many(["active", "active"], ["become_loyal", "warn"])

        assert (["active", "at_risk"], [False, True]) == (
            result.stage.tolist(),
            result.is_allowed.tolist(),
        )

    def test_the_first_transition_whose_guard_holds_wins(self) -> None:
        """tiers(): spend 5000 -> gold (even with 3 orders), spend 10 and 3 orders -> silver,
        neither -> lead (refused)."""
        result = tiers().fire_many(
            ["lead"] * 3, ["upgrade"] * 3, context={"spend": [5000, 10, 10], "orders": [3, 3, 1]}
        )

        assert (["gold", "silver", "lead"], [True, True, False]) == (
            result.stage.tolist(),
            result.is_allowed.tolist(),
        )

    def test_accepts_numpy_and_pandas_columns(self) -> None:
        """A Series of stages, an ndarray of events and a Series context column work alike."""
        result = CUSTOMER_LIFECYCLE.fire_many(
            pd.Series(["prospect", "active"]),
            np.array(["first_purchase", "become_loyal"]),
            context={"orders": pd.Series([0, 5])},
        )

        assert ["new", "loyal"] == result.stage.tolist()

    def test_no_rows(self) -> None:
        """Empty input gives an empty result."""
        result = SALES_PIPELINE.fire_many([], [])

        assert (0, 0) == (result.stage.size, result.is_allowed.size)

    @settings(max_examples=150)
    @given(batch=batches())
    def test_equals_a_loop_of_fire(
        self, batch: tuple[StateMachine, list[str], list[str], list[int]]
    ) -> None:
        """For every preset and random (stage, event, orders) rows, fire_many gives what
        firing each row on its own gives (a refused row keeps its stage)."""
        machine, stages, events, orders = batch
        expected_stage, expected_allowed = [], []
        for stage, event, n_orders in zip(stages, events, orders, strict=True):
            try:
                step = machine.fire(stage, event, context={"orders": n_orders})
                expected_stage.append(step.target)
                expected_allowed.append(True)
            except TransitionNotAllowedError:
                expected_stage.append(stage)
                expected_allowed.append(False)

        result = machine.fire_many(stages, events, context={"orders": orders})

        assert (expected_stage, expected_allowed) == (
            result.stage.tolist(),
            result.is_allowed.tolist(),
        )

    def test_an_unknown_stage_is_named_with_its_index_and_count(self) -> None:
        """'nowhere' at rows 1 and 2: the first index (1) and the count (2 of 3) are given."""
        with pytest.raises(
            InvalidInputError,
            match=r"'stages' must be stages of the machine \(initial_contact, .*\); "
            r"got 'nowhere' at index 1 \(2 of 3 rows\)",
        ) as caught:
            SALES_PIPELINE.fire_many(["won", "nowhere", "nowhere"], ["qualify"] * 3)

        assert ("stages", 1) == (caught.value.argument, caught.value.index)

    def test_an_unknown_event_is_named_with_its_index_and_count(self) -> None:
        """A misspelt event ('qualfy') would refuse every record silently; it is refused
        naming the first index (1), the count (2 of 3) and the machine's events."""
        with pytest.raises(
            InvalidInputError,
            match=r"'events' must be events of the machine "
            r"\(qualify, propose, negotiate, win, lose\); got 'qualfy' at index 1 \(2 of 3 rows\)",
        ) as caught:
            SALES_PIPELINE.fire_many(["won"] * 3, ["qualify", "qualfy", "qualfy"])

        assert ("events", 1) == (caught.value.argument, caught.value.index)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"stages": ["won", "lost"], "events": ["qualify"] * 3},
                InvalidInputError,
                r"'events' must be the same length as 'stages' \(2\); got length 3",
            ),
            (
                {"stages": ["won"], "events": ["qualify"], "context": {"orders": [1, 2]}},
                InvalidInputError,
                r"'orders' must be the same length as 'stages' \(1\); got length 2",
            ),
            (
                {"stages": ["won"], "events": ["qualify"], "context": [("orders", [1])]},
                InvalidTypeError,
                r"'context' must be a mapping from field name to array",
            ),
            (
                {"stages": "won", "events": ["qualify"]},
                InvalidTypeError,
                r"'stages' must be a one-dimensional array-like; got str 'won'",
            ),
            (
                {"stages": [["won"]], "events": [["qualify"]]},
                InvalidInputError,
                r"'stages' must be one-dimensional; got an array of shape \(1, 1\)",
            ),
            (
                {"stages": ["won"], "events": ["qualify"], "context": {"orders": 3}},
                InvalidTypeError,
                r"'context\['orders'\]' must be a one-dimensional array-like",
            ),
        ],
        ids=["lengths", "context-length", "context-type", "bare-string", "two-d", "scalar-column"],
    )
    def test_bad_inputs_name_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Mismatched lengths, a context that is not a mapping of columns, a bare string and
        a 2-d array are refused naming the argument."""
        with pytest.raises(error, match=match):
            SALES_PIPELINE.fire_many(**kwargs)

    @pytest.mark.parametrize("name", ["stages", "events"])
    def test_a_context_column_may_be_called_anything(self, name: str) -> None:
        """A context field called 'stages' (or 'events') is just a column: with no guard
        reading it, the events fire as without it (not a raw TypeError from a keyword
        clash)."""
        result = CUSTOMER_LIFECYCLE.fire_many(
            ["prospect"], ["first_purchase"], context={name: [1]}
        )

        assert ["new"] == result.stage.tolist()

    def test_to_frame_columns(self) -> None:
        """Two columns, stage and is_allowed, one row per record; the repr is short."""
        result = SALES_PIPELINE.fire_many(["won", "proposal"], ["qualify", "win"])

        frame = result.to_frame()

        assert ["stage", "is_allowed"] == list(frame.columns)
        assert ["won", "won"] == frame["stage"].tolist()
        assert "FireManyResult(n=2, n_allowed=1)" == repr(result)
        assert isinstance(result, FireManyResult)


# --- to_mermaid -----------------------------------------------------------------------------


class TestToMermaid:
    def test_docstring_example(self) -> None:
        """ODOO_PIPELINE, line by line: the start arrow, each (source, event) arrow in table
        order, and both terminal stages to [*]."""
        expected = "\n".join(
            [
                "stateDiagram-v2",
                "    [*] --> new",
                "    new --> qualified : qualify",
                "    qualified --> proposition : propose",
                "    qualified --> won : win",
                "    proposition --> won : win",
                "    new --> lost : lose",
                "    qualified --> lost : lose",
                "    proposition --> lost : lose",
                "    won --> [*]",
                "    lost --> [*]",
            ]
        )

        assert expected == ODOO_PIPELINE.to_mermaid()

    @pytest.mark.parametrize("machine", PRESETS, ids=PRESET_IDS)
    def test_every_transition_and_terminal_stage_appears(self, machine: StateMachine) -> None:
        """Each (source, target, event) is an arrow 'a --> b : event'; each terminal stage
        goes to [*]; the initial stage comes from [*]; nothing else is drawn."""
        lines = machine.to_mermaid().splitlines()
        arrows = [
            f"    {s} --> {t.target} : {t.event}" for t in machine.transitions for s in t.sources
        ]

        assert "stateDiagram-v2" == lines[0]
        assert f"    [*] --> {machine.initial}" == lines[1]
        for arrow in arrows:
            assert any(re.fullmatch(re.escape(arrow) + r"( \[.*\])?", line) for line in lines), (
                arrow
            )
        assert [f"    {s} --> [*]" for s in machine.terminal] == [
            line for line in lines if line.endswith("--> [*]")
        ]
        assert 2 + len(arrows) + len(machine.terminal) == len(lines)

    def test_a_guard_is_shown_on_its_arrow(self) -> None:
        """become_loyal carries its guard in brackets."""
        assert (
            "    active --> loyal : become_loyal [orders >= 5]"
            in CUSTOMER_LIFECYCLE.to_mermaid().splitlines()
        )

    def test_a_machine_without_terminal_stages_has_no_end_arrow(self) -> None:
        """MARKETING_STAGES has no terminal stage: no line ends in [*]."""
        assert not any(
            line.endswith("--> [*]") for line in MARKETING_STAGES.to_mermaid().splitlines()
        )


class TestFireManyCodes:
    def test_codes_give_the_same_result_as_names(self) -> None:
        """Positions in `stages` and `events` stand for the names: active (2) on
        become_loyal (2) with 7 orders goes to loyal (3); won has no way out."""
        names = CUSTOMER_LIFECYCLE.fire_many(
            ["active", "prospect"], ["become_loyal", "churn"], context={"orders": [7, 0]}
        )
        codes = CUSTOMER_LIFECYCLE.fire_many([2, 0], [2, 5], context={"orders": [7, 0]})

        assert names.stage.tolist() == codes.stage.tolist()
        assert names.is_allowed.tolist() == codes.is_allowed.tolist()
        assert [3, 0] == codes.stage_code.tolist()

    @pytest.mark.parametrize(
        ("stages", "events", "match"),
        [
            (
                [0, 7],
                [0, 0],
                r"'stages' must be codes 0 to 6 of the stages of the machine, or their",
            ),
            ([0, -1], [0, 0], r"'stages'.*-1 at index 1"),
            (
                [0, 0],
                [0, 9],
                r"'events' must be codes 0 to 6 of the events of the machine.*9 at index 1",
            ),
        ],
    )
    def test_out_of_range_codes_are_refused(
        self, stages: list[int], events: list[int], match: str
    ) -> None:
        """A code outside the machine is an error with its first index, not a silent refusal."""
        with pytest.raises(InvalidInputError, match=match):
            CUSTOMER_LIFECYCLE.fire_many(stages, events)

    def test_float_labels_are_a_type_error(self) -> None:
        """Stages must be names or integer codes."""
        with pytest.raises(InvalidTypeError, match=r"'stages' must be names or integer codes"):
            CUSTOMER_LIFECYCLE.fire_many([1.5], [0])
