"""State machines as data: stages, transitions and guards, with pure operations.

A [`StateMachine`][crmkit.lifecycle.StateMachine] is a frozen rules value: an
app stores a customer's (or a deal's) stage as a plain string in its own
database and asks the machine what may happen next. Firing an event is a pure
function of (machine, stage, event, context) that returns a
[`Step`][crmkit.lifecycle.Step]; nothing is mutated, so nothing can be half
applied. [`fire_many`][crmkit.lifecycle.StateMachine.fire_many] applies events
to a million records at once through a lookup table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.errors import InvalidDefinitionError, TransitionNotAllowedError
from crmkit.rules import Condition

__all__ = ["FireManyResult", "History", "StateMachine", "Step", "Transition"]


def _names(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _conditions(value: Iterable[Condition]) -> tuple[Condition, ...]:
    return tuple(value)


@frozen(kw_only=True)
class Transition:
    """An event that moves a record from any of its source stages to a target stage.

    Attributes:
        event: The event's name, such as `"first_purchase"`.
        sources: Stages the event may fire from.
        target: The stage it leads to.
        guard: Conditions on the context that must all hold (empty: always).

    Examples:
        >>> from crmkit.lifecycle import Transition
        >>> from crmkit.rules import Condition
        >>> t = Transition(event="become_loyal", sources=["active"], target="loyal",
        ...                guard=[Condition(field="orders", op=">=", value=5)])
        >>> t.sources
        ('active',)
    """

    event: str = field()
    sources: tuple[str, ...] = field(converter=_names)
    target: str = field()
    guard: tuple[Condition, ...] = field(default=(), converter=_conditions)


def _transitions(value: Iterable[Transition]) -> tuple[Transition, ...]:
    return tuple(value)


def _mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # Read-only: the stock machines are shared, so nobody may edit their tables in place.
    return MappingProxyType({} if value is None else dict(value))


@frozen(kw_only=True)
class Step:
    """One transition that happened: from `source`, on `event`, to `target`.

    Attributes:
        source: The stage before.
        event: The event fired.
        target: The stage after.
        at: When, if given (timezone-aware).

    Examples:
        >>> from crmkit.lifecycle import CUSTOMER_LIFECYCLE
        >>> CUSTOMER_LIFECYCLE.fire("prospect", "first_purchase")
        Step(source='prospect', event='first_purchase', target='new', at=None)
    """

    source: str
    event: str
    target: str
    at: datetime | None = None


@frozen(kw_only=True)
class History:
    """The steps of a replayed event sequence, and where it stopped if refused.

    Attributes:
        steps: The steps taken, in order.
        final: The stage after the last step taken.
        refused_index: Index of the first refused event, or None if all fired.
        refusal: The refusal's message, or None.

    Examples:
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> h = SALES_PIPELINE.replay(["qualify", "propose", "qualify"])
        >>> h.final, h.refused_index
        ('proposal', 2)
    """

    steps: tuple[Step, ...]
    final: str
    refused_index: int | None = None
    refusal: str | None = None

    @property
    def is_complete(self) -> bool:
        """Whether every event fired."""
        return self.refused_index is None


@frozen(kw_only=True, repr=False)
class FireManyResult:
    """Targets of many (stage, event) pairs; refused pairs keep their stage.

    Attributes:
        stage: The new stage per record (the old one where refused).
        stage_code: The same as positions in the machine's `stages`.
        is_allowed: Whether each record's event fired.

    Examples:
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> r = SALES_PIPELINE.fire_many(["initial_contact", "won"], ["qualify", "qualify"])
        >>> r.stage.tolist(), r.is_allowed.tolist()
        (['needs_confirmed', 'won'], [True, False])
    """

    stage: NDArray[np.str_] = array_field()
    stage_code: NDArray[np.int64] = array_field()
    is_allowed: NDArray[np.bool_] = array_field()

    def __repr__(self) -> str:
        return f"FireManyResult(n={self.stage.size}, n_allowed={int(self.is_allowed.sum())})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `stage, is_allowed`.

        Examples:
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> SALES_PIPELINE.fire_many(["won"], ["qualify"]).to_frame().shape
            (1, 2)
        """
        return _frames.frame_from_columns(
            {"stage": self.stage, "is_allowed": self.is_allowed}, backend=backend
        )


@frozen(kw_only=True)
class StateMachine:
    """Stages, one initial stage, terminal stages and the transitions between them.

    Checked as a whole when built (and when loaded from JSON): the initial
    stage exists, every source and target is a stage, every stage is reachable
    from the initial one, terminal stages have no exits, every other stage has
    one, guards are well formed, and with `forward_only` no transition goes
    back except the `reset_event`. Every problem is listed in
    `InvalidDefinitionError.problems`.

    Attributes:
        name: The machine's name.
        stages: Stage names, in their natural (forward) order.
        initial: The stage new records start in.
        transitions: The transitions.
        terminal: Stages with no way out (such as won and lost).
        forward_only: Whether transitions may only move forward in `stages`.
        reset_event: With `forward_only`, the one event allowed to go back.
        probabilities: Win probability per stage, for pipelines.
        phases: A phase label per stage (acquisition, growth, ...).
        forecast_categories: A forecast category per stage (pipeline, commit, ...).

    Examples:
        >>> from crmkit.lifecycle import StateMachine, Transition
        >>> m = StateMachine(name="tiny", stages=["open", "done"], initial="open",
        ...                  terminal=["done"],
        ...                  transitions=[Transition(event="finish", sources=["open"],
        ...                                          target="done")])
        >>> m.fire("open", "finish").target
        'done'
    """

    name: str = field()
    stages: tuple[str, ...] = field(converter=_names)
    initial: str = field()
    transitions: tuple[Transition, ...] = field(converter=_transitions)
    terminal: tuple[str, ...] = field(default=(), converter=_names)
    forward_only: bool = field(default=False)
    reset_event: str | None = field(default=None)
    probabilities: Mapping[str, float] = field(factory=dict, converter=_mapping, hash=False)
    phases: Mapping[str, str] = field(factory=dict, converter=_mapping, hash=False)
    forecast_categories: Mapping[str, str] = field(factory=dict, converter=_mapping, hash=False)

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            message = f"invalid StateMachine {self.name!r}"
            raise InvalidDefinitionError(message, problems=problems)

    @property
    def events(self) -> tuple[str, ...]:
        """Every event name, in first-use order."""
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    def allowed_events(self, stage: str) -> tuple[str, ...]:
        """Events that can fire from *stage* (guards are checked when firing).

        Examples:
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> SALES_PIPELINE.allowed_events("proposal")
            ('negotiate', 'win', 'lose')
            >>> SALES_PIPELINE.allowed_events("won")
            ()
        """
        self._check_stage("stage", stage)
        return tuple(dict.fromkeys(t.event for t in self.transitions if stage in t.sources))

    def fire(
        self,
        stage: str,
        event: str,
        *,
        context: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Step:
        """Fire *event* from *stage*: the step taken, or an error saying why not.

        The first transition of *event* from *stage* whose guard holds for
        *context* is taken.

        Args:
            stage: The record's current stage.
            event: The event to fire.
            context: Field values the guards read, such as `{"orders": 3}`.
            at: When it happens (timezone-aware), recorded on the step.

        Raises:
            TransitionNotAllowedError: If *event* cannot fire from *stage*
                (unknown to the machine, not from this stage, or refused by a
                guard); it carries `.event`, `.stage`, `.allowed_events` and,
                for a guard, `.reason`.
            InvalidInputError: If *stage* is not a stage of the machine.

        Examples:
            >>> from crmkit.lifecycle import CUSTOMER_LIFECYCLE
            >>> CUSTOMER_LIFECYCLE.fire("active", "become_loyal", context={"orders": 2})
            Traceback (most recent call last):
            ...
            crmkit.errors.TransitionNotAllowedError: event 'become_loyal' refused in stage 'active': needs orders >= 5
        """  # noqa: E501
        self._check_stage("stage", stage)
        v.check_str("event", event)
        if at is not None:
            v.aware_datetime("at", at)
        if context is not None and not isinstance(context, Mapping):
            v.fail_type("context", "a mapping from field name to value", context)
        candidates = [t for t in self.transitions if t.event == event and stage in t.sources]
        allowed = self.allowed_events(stage)
        if not candidates:
            listed = ", ".join(map(repr, allowed)) or "none (a terminal stage)"
            message = f"event {event!r} is not allowed in stage {stage!r}; allowed: {listed}"
            raise TransitionNotAllowedError(
                message, event=event, stage=stage, allowed_events=allowed
            )
        values = {} if context is None else context
        for transition in candidates:
            failed = [c for c in transition.guard if not c.holds(values)]
            if not failed:
                return Step(source=stage, event=event, target=transition.target, at=at)
        reason = "needs " + " and ".join(map(str, failed))
        message = f"event {event!r} refused in stage {stage!r}: {reason}"
        raise TransitionNotAllowedError(
            message, event=event, stage=stage, allowed_events=allowed, reason=reason
        )

    def replay(
        self,
        events: Sequence[str],
        *,
        start: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> History:
        """Fire *events* in order from *start* (default: the initial stage).

        Stops at the first refused event and reports its index; the steps
        before it stand.

        Examples:
            >>> from crmkit.lifecycle import CUSTOMER_LIFECYCLE
            >>> h = CUSTOMER_LIFECYCLE.replay(["first_purchase", "repeat_purchase"])
            >>> h.final, h.is_complete
            ('active', True)
        """
        if isinstance(events, str) or not isinstance(events, Sequence):
            v.fail_type("events", "a sequence of event names", events)
        stage = self.initial if start is None else self._check_stage("start", start)
        steps: list[Step] = []
        for index, event in enumerate(events):
            try:
                step = self.fire(stage, event, context=context)
            except TransitionNotAllowedError as refusal:
                return History(
                    steps=tuple(steps), final=stage, refused_index=index, refusal=str(refusal)
                )
            steps.append(step)
            stage = step.target
        return History(steps=tuple(steps), final=stage)

    def fire_many(
        self,
        stages: ArrayLike,
        events: ArrayLike,
        *,
        context: Mapping[str, ArrayLike] | None = None,
    ) -> FireManyResult:
        """Fire one event per record for many records at once (vectorised).

        Stages and events are looked up in a (stage x event) table, with guards
        evaluated over whole context columns. Refused records keep their stage
        and are flagged in `is_allowed`; no error is raised for them. A guard
        whose field has no column in *context* refuses, as `fire` does with a
        missing field.

        Args:
            stages: Current stage per record: names, or integer codes (positions
                in `stages`), as an app may store them; codes skip every
                string comparison and are the fastest input.
            events: Event per record: names, or codes (positions in `events`).
            context: Columns the guards read, one value per record.

        Raises:
            InvalidInputError: If lengths differ, or a stage or event is unknown
                to the machine (with its first index and count).

        Examples:
            >>> from crmkit.lifecycle import CUSTOMER_LIFECYCLE
            >>> r = CUSTOMER_LIFECYCLE.fire_many(
            ...     ["active", "active"], ["become_loyal", "become_loyal"],
            ...     context={"orders": [7, 2]})
            >>> r.stage.tolist(), r.is_allowed.tolist()
            (['loyal', 'active'], [True, False])
            >>> CUSTOMER_LIFECYCLE.fire_many([0, 2], [0, 0]).stage_code.tolist()  # codes
            [1, 2]
        """
        stage_code = _label_codes("stages", stages, self.stages, "stages of the machine")
        event_code = _label_codes("events", events, self.events, "events of the machine")
        v.same_length(stages=stage_code, events=event_code)
        if context is not None and not isinstance(context, Mapping):
            v.fail_type("context", "a mapping from field name to array", context)
        columns = {
            name: v.one_dimensional(f"context[{name!r}]", values)
            for name, values in ({} if context is None else dict(context)).items()
        }
        if columns:
            # A dict, not keywords: a context column may be called "stages".
            named = {(f"context[{k!r}]" if k == "stages" else k): a for k, a in columns.items()}
            v.same_length(**{"stages": stage_code, **named})
        table, guarded = self._table()
        cell = stage_code * (len(self.events) + 1) + event_code
        target = table.ravel()[cell]
        for index, candidates in guarded.items():  # a loop over guarded cells, not records
            rows = np.flatnonzero(cell == index)
            target[rows] = _guarded_targets(candidates, rows, columns, self.stages)
        is_allowed = target >= 0
        target = np.where(is_allowed, target, stage_code)
        return FireManyResult(
            stage=np.asarray(self.stages)[target], stage_code=target, is_allowed=is_allowed
        )

    def _table(self) -> tuple[NDArray[np.int64], dict[int, list[Transition]]]:
        """Target per (stage, event) cell (-1: not allowed), and the cells guards decide.

        The last event column stands for events the machine does not know.
        """
        width = len(self.events) + 1
        table = np.full((len(self.stages), width), -1, dtype=np.int64)
        guarded: dict[int, list[Transition]] = {}
        for s, stage in enumerate(self.stages):
            for e, event in enumerate(self.events):
                candidates = [
                    t for t in self.transitions if t.event == event and stage in t.sources
                ]
                if candidates and not candidates[0].guard:
                    table[s, e] = self.stages.index(candidates[0].target)
                elif candidates:
                    guarded[s * width + e] = candidates
        return table, guarded

    def to_mermaid(self) -> str:
        """The machine as a Mermaid state diagram.

        Examples:
            >>> from crmkit.lifecycle import ODOO_PIPELINE
            >>> print(ODOO_PIPELINE.to_mermaid())
            stateDiagram-v2
                [*] --> new
                new --> qualified : qualify
                qualified --> proposition : propose
                qualified --> won : win
                proposition --> won : win
                new --> lost : lose
                qualified --> lost : lose
                proposition --> lost : lose
                won --> [*]
                lost --> [*]
        """
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for transition in self.transitions:
            label = transition.event
            if transition.guard:
                label += " [" + " and ".join(map(str, transition.guard)) + "]"
            lines += [f"    {s} --> {transition.target} : {label}" for s in transition.sources]
        lines += [f"    {stage} --> [*]" for stage in self.terminal]
        return "\n".join(lines)

    def _check_stage(self, argument: str, stage: Any) -> str:
        if not isinstance(stage, str) or stage not in self.stages:
            v.fail(argument, "a stage of the machine (" + ", ".join(self.stages) + ")", stage)
        return stage


def _shape_problems(machine: StateMachine) -> list[str]:
    """Items of the wrong kind: the rest of the checks cannot read such a machine."""
    names = [*machine.stages, machine.initial, *machine.terminal]
    problems = [
        f"stage names must be non-empty strings; got {s!r}"
        for s in names
        if not isinstance(s, str) or not s.strip()
    ]
    items: tuple[object, ...] = machine.transitions  # as built: check, do not trust
    for index, t in enumerate(items):
        if not isinstance(t, Transition):
            problems.append(f"transitions[{index}] must be a Transition; got {t!r}")
            continue
        if not isinstance(t.event, str) or not t.event.strip():
            problems.append(
                f"transition {index}: event must be a non-empty string; got {t.event!r}"
            )
        guard: tuple[object, ...] = t.guard
        problems += [
            f"transition {index} ({t.event!r}): guard item {c!r} must be a Condition"
            for c in guard
            if not isinstance(c, Condition)
        ]
    return problems


def _problems(machine: StateMachine) -> list[str]:
    problems = _shape_problems(machine)
    if problems:
        return problems
    stages = machine.stages
    if not isinstance(machine.name, str) or not machine.name.strip():
        problems.append(f"'name' must be a non-empty string; got {machine.name!r}")
    repeated = sorted({s for s in stages if stages.count(s) > 1})
    if repeated:
        problems.append(f"stage names must be unique; repeated: {', '.join(map(str, repeated))}")
    known = set(stages)
    if machine.initial not in known:
        problems.append(f"initial stage {machine.initial!r} is not a stage")
    problems += [
        f"terminal stage {s!r} is not a stage" for s in machine.terminal if s not in known
    ]
    for index, t in enumerate(machine.transitions):
        where = f"transition {index} ({t.event!r})"
        problems += [f"{where}: source {s!r} is not a stage" for s in t.sources if s not in known]
        if t.target not in known:
            problems.append(f"{where}: target {t.target!r} is not a stage")
        problems += [
            f"{where}: leaves terminal stage {s!r}" for s in t.sources if s in machine.terminal
        ]
        problems += [f"{where}: {p}" for c in t.guard for p in c.problems()]
        if machine.forward_only and t.event != machine.reset_event and t.target in known:
            problems += [
                f"{where}: goes back from {s!r} to {t.target!r} in a forward-only machine"
                for s in t.sources
                if s in known and stages.index(t.target) <= stages.index(s)
            ]
    if machine.reset_event is not None and machine.reset_event not in machine.events:
        problems.append(f"reset event {machine.reset_event!r} is not an event of the machine")
    exits = {s for t in machine.transitions for s in t.sources}
    problems += [
        f"stage {s!r} is a dead end: no transition leaves it and it is not terminal"
        for s in stages
        if s not in exits and s not in machine.terminal
    ]
    problems += [
        f"stage {s!r} cannot be reached from {machine.initial!r}"
        for s in stages
        if s not in _reachable(machine)
    ]
    problems += [
        f"probabilities names {s!r}, which is not a stage"
        for s in machine.probabilities
        if s not in known
    ]
    problems += [
        f"probability of {s!r} must be a number in [0, 1]; got {p!r}"
        for s, p in machine.probabilities.items()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0
    ]
    for what, labels in (
        ("phases", machine.phases),
        ("forecast_categories", machine.forecast_categories),
    ):
        problems += [f"{what} names {s!r}, which is not a stage" for s in labels if s not in known]
    return problems


def _reachable(machine: StateMachine) -> set[str]:
    seen = {machine.initial}
    frontier = [machine.initial]
    while frontier:
        stage = frontier.pop()
        for t in machine.transitions:
            if stage in t.sources and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen


def _label_codes(
    argument: str, values: ArrayLike, names: Sequence[str], what: str
) -> NDArray[np.int64]:
    """Positions in *names* from names or from integer codes, refusing unknown ones."""
    raw = v.one_dimensional(argument, values)
    if not raw.size:  # an empty list arrives as float64: no records, nothing to check
        return np.zeros(0, dtype=np.int64)
    if raw.dtype.kind in "UTO":
        return _columns.positions(argument, raw.astype(np.str_), names, what)
    if raw.dtype.kind not in "iu":
        v.fail_type(
            argument,
            f"names or integer codes of the {what}",
            v.described(f"an array of dtype {raw.dtype}"),
        )
    codes = raw.astype(np.int64)  # already codes: no string comparisons at all
    bad = (codes < 0) | (codes >= len(names))
    if bad.any():  # a typo would otherwise refuse every record silently
        v.fail_rows(
            argument, f"codes 0 to {len(names) - 1} of the {what}, or their names", raw, bad
        )
    return codes


def _guarded_targets(
    candidates: list[Transition],
    rows: NDArray[np.intp],
    columns: Mapping[str, NDArray[Any]],
    stages: Sequence[str],
) -> NDArray[np.int64]:
    """Targets for the rows of one (stage, event) cell: the first transition whose guard holds."""
    targets = np.full(rows.size, -1, dtype=np.int64)
    for transition in reversed(candidates):  # earlier transitions win
        holds = np.ones(rows.size, dtype=bool)
        for condition in transition.guard:  # a guard on a missing column refuses
            # Evaluated over all records, so quantile conditions see the whole population.
            holds &= condition.evaluate(columns)[rows] if condition.field in columns else False
        targets[holds] = stages.index(transition.target)
    return targets
