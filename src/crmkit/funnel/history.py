"""`StageHistory`: when each opportunity entered each pipeline stage, validated once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field, optional_array_field
from crmkit.funnel.pipeline import close_days
from crmkit.lifecycle import StateMachine, Step
from crmkit.models import Opportunity

__all__ = ["StageHistory"]


@frozen(kw_only=True, repr=False)
class StageHistory:
    """Stage entries of many opportunities, sorted by opportunity, then time.

    Each row says that an opportunity entered a stage at a time. Stages are
    stored as positions in the pipeline's `stages`; an opportunity whose last
    row is a terminal stage (won or lost) is closed, the others are open.

    Attributes:
        opportunity_index: Per row, the position of its opportunity in `opportunity_ids`.
        opportunity_ids: The distinct opportunity ids, sorted.
        stage_code: Per row, the position of the stage in `stages`.
        entered_at: Per row, when the stage was entered (UTC).
        stages: The pipeline's stages.
        terminal: The pipeline's terminal stages (no way out).
        amount: Per opportunity, its amount (the last one given), or None.
        expected_close: Per opportunity, its expected close day (the last
            one given; NaT when unknown), or None.

    Examples:
        >>> import numpy as np
        >>> from crmkit.funnel import StageHistory
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["d1", "d1", "d2"],
        ...     stage=["initial_contact", "won", "initial_contact"],
        ...     entered_at=np.array(["2025-01-01", "2025-02-01", "2025-01-10"],
        ...                         dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> history
        StageHistory(n_rows=3, n_opportunities=2, n_open=1)
    """

    opportunity_index: NDArray[np.int64] = array_field()
    opportunity_ids: NDArray[Any] = array_field()
    stage_code: NDArray[np.int64] = array_field()
    entered_at: NDArray[np.datetime64] = array_field()
    stages: tuple[str, ...] = field()
    terminal: tuple[str, ...] = field()
    amount: NDArray[np.float64] | None = optional_array_field()
    expected_close: NDArray[np.datetime64] | None = optional_array_field()

    def __repr__(self) -> str:
        return (
            f"StageHistory(n_rows={len(self)}, n_opportunities={self.n_opportunities}, "
            f"n_open={int(np.count_nonzero(self.is_open))})"
        )

    def __len__(self) -> int:
        return int(self.stage_code.size)

    @property
    def n_opportunities(self) -> int:
        """Number of distinct opportunities."""
        return int(self.opportunity_ids.size)

    @property
    def is_open(self) -> NDArray[np.bool_]:
        """Per opportunity: True while its last stage is not terminal."""
        terminal = np.isin(np.arange(len(self.stages)), self._terminal_codes())
        is_open: NDArray[np.bool_] = ~terminal[self.stage_code[self._last_rows()]]
        return is_open

    @property
    def current_stage(self) -> NDArray[np.str_]:
        """Per opportunity: the stage it entered last (won or lost once closed).

        Examples:
            >>> import numpy as np
            >>> from crmkit.funnel import StageHistory
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> StageHistory.from_arrays(
            ...     opportunity_id=["d1", "d1", "d2"], stage=["proposal", "won", "proposal"],
            ...     entered_at=np.array(["2025-01-01", "2025-02-01", "2025-01-10"],
            ...                         dtype="datetime64[us]"),
            ...     pipeline=SALES_PIPELINE).current_stage.tolist()
            ['won', 'proposal']
        """
        names: NDArray[np.str_] = np.asarray(self.stages, dtype=np.str_)
        return names[self.stage_code[self._last_rows()]]

    def until(self, as_of: date | datetime) -> StageHistory:
        """Keep the stage entries at or before *as_of* (a `date` counts its whole day, UTC).

        Deals with no entry left are dropped; a deal whose close came later
        is open again. Amounts and expected close dates stay each deal's
        latest known values (the history keeps one per deal).

        Raises:
            InvalidInputError: If no entry is left.

        Examples:
            >>> from datetime import date
            >>> import numpy as np
            >>> from crmkit.funnel import StageHistory
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> history = StageHistory.from_arrays(
            ...     opportunity_id=["d1", "d1", "d2"], stage=["proposal", "won", "proposal"],
            ...     entered_at=np.array(["2025-01-01", "2025-02-01", "2025-03-10"],
            ...                         dtype="datetime64[us]"),
            ...     pipeline=SALES_PIPELINE)
            >>> history.until(date(2025, 1, 31))
            StageHistory(n_rows=1, n_opportunities=1, n_open=1)
        """
        keep = self.entered_at <= v.as_of_datetime64(as_of)
        if not keep.any():
            v.fail("as_of", f"on or after the first stage entry ({self.entered_at.min()})", as_of)
        present = np.zeros(self.n_opportunities, dtype=bool)
        present[self.opportunity_index[keep]] = True
        new_code = np.cumsum(present) - 1
        return StageHistory(
            opportunity_index=new_code[self.opportunity_index[keep]],
            opportunity_ids=self.opportunity_ids[present],
            stage_code=self.stage_code[keep],
            entered_at=self.entered_at[keep],
            stages=self.stages,
            terminal=self.terminal,
            amount=None if self.amount is None else self.amount[present],
            expected_close=None if self.expected_close is None else self.expected_close[present],
        )

    def _last_rows(self) -> NDArray[np.intp]:
        return np.append(np.flatnonzero(np.diff(self.opportunity_index)), len(self) - 1)

    def _terminal_codes(self) -> NDArray[np.int64]:
        return np.array([self.stages.index(stage) for stage in self.terminal], dtype=np.int64)

    @classmethod
    def from_arrays(
        cls,
        *,
        opportunity_id: ArrayLike,
        stage: ArrayLike,
        entered_at: ArrayLike,
        pipeline: StateMachine,
        amount: ArrayLike | None = None,
        expected_close: ArrayLike | None = None,
    ) -> StageHistory:
        """Build from equal-length columns, checking every stage against *pipeline*.

        Args:
            opportunity_id: Opportunity of each row.
            stage: The stage entered (a stage of *pipeline*).
            entered_at: When it was entered (datetimes, datetime64 or ISO strings).
            pipeline: The pipeline definition.
            amount: The opportunity's amount on each row (>= 0); each
                opportunity keeps the value on its latest row.
            expected_close: The opportunity's expected close date on each
                row (missing allowed); each keeps the value on its latest row.

        Raises:
            InvalidInputError: If a stage is not in the pipeline, an
                opportunity enters a stage after a terminal one (no transition
                out of won or lost), a timestamp is missing, an amount is
                negative, lengths differ, or there are no rows.
            InvalidTypeError: If *pipeline* is not a `StateMachine`.

        Examples:
            >>> import numpy as np
            >>> from crmkit.funnel import StageHistory
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> StageHistory.from_arrays(
            ...     opportunity_id=["d1"], stage=["proposal"],
            ...     entered_at=np.array(["2025-01-01"], dtype="datetime64[us]"),
            ...     pipeline=SALES_PIPELINE).stage_code.tolist()
            [2]
        """
        if not isinstance(pipeline, StateMachine):
            v.fail_type("pipeline", "a StateMachine (a pipeline definition)", pipeline)
        codes, labels = _columns.factorize("opportunity_id", opportunity_id)
        names = v.one_dimensional("stage", stage)
        times = _columns.timestamps("entered_at", entered_at)
        n = v.same_length(opportunity_id=codes, stage=names, entered_at=times)
        if n == 0:
            v.fail("opportunity_id", "non-empty", v.described("no rows"))
        amounts = None if amount is None else v.float_array("amount", amount, low=0.0)
        days = (
            None
            if expected_close is None
            else close_days("expected_close", expected_close, n, per="row")
        )
        if amounts is not None:
            v.same_length(opportunity_id=codes, amount=amounts)
        order = _columns.key_time_order(codes, times)
        stage_codes = _columns.positions("stage", names, pipeline.stages, "stages of the pipeline")
        last = order[np.append(np.flatnonzero(np.diff(codes[order])), n - 1)]
        history = cls(
            opportunity_index=codes[order],
            opportunity_ids=labels,
            stage_code=stage_codes[order],
            entered_at=times[order],
            stages=pipeline.stages,
            terminal=pipeline.terminal,
            amount=None if amounts is None else amounts[last],
            expected_close=None if days is None else days[last],
        )
        history._refuse_moves_out_of_terminal(order)
        return history

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        pipeline: StateMachine,
        opportunity_id: str = "opportunity_id",
        stage: str = "stage",
        entered_at: str = "entered_at",
        amount: str | None = None,
        expected_close: str | None = None,
    ) -> StageHistory:
        """Build from a pandas, polars or pyarrow frame, naming its columns.

        *amount* and *expected_close* name optional columns (None: not read).

        Examples:
            >>> import pandas as pd
            >>> from crmkit.funnel import StageHistory
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> frame = pd.DataFrame({"deal": ["d1", "d1"], "stage": ["proposal", "lost"],
            ...                       "at": pd.to_datetime(["2025-01-01", "2025-01-20"])})
            >>> StageHistory.from_frame(frame, pipeline=SALES_PIPELINE, opportunity_id="deal",
            ...                         entered_at="at").is_open.tolist()
            [False]
        """
        data = _frames.eager_frame(frame)
        amounts = (
            None
            if amount is None
            else _frames.series_values("amount", _frames.column(data, amount, argument="amount"))
        )
        closes = (
            None
            if expected_close is None
            else _frames.series_values(
                "expected_close",
                _frames.column(data, expected_close, argument="expected_close"),
                allow_missing=True,
            )
        )
        return cls.from_arrays(
            opportunity_id=_frames.series_values(
                "opportunity_id", _frames.column(data, opportunity_id, argument="opportunity_id")
            ),
            stage=_frames.series_values("stage", _frames.column(data, stage, argument="stage")),
            entered_at=_frames.series_timestamps(
                "entered_at", _frames.column(data, entered_at, argument="entered_at")
            ),
            pipeline=pipeline,
            amount=amounts,
            expected_close=closes,
        )

    @classmethod
    def from_records(
        cls,
        opportunities: Iterable[Opportunity],
        *,
        pipeline: StateMachine,
        steps: Mapping[str, Sequence[Step]] | None = None,
    ) -> StageHistory:
        """Build from `Opportunity` records and, when known, their stage moves.

        Each opportunity enters its first stage when it was created: the
        source of its first step, or without steps its current stage (the
        pipeline's initial stage if it has closed). Each step adds the stage
        it moved to, at the step's time. A closed opportunity whose last
        stage is not terminal gets the won or lost stage at `closed_at`.
        Amounts and expected close dates come from the records.

        Without steps the time in each stage is unknown, so stage velocity
        and conversion need the steps; the Markov fit and the weighted
        pipeline work either way.

        Args:
            opportunities: The opportunity records.
            pipeline: The pipeline definition.
            steps: Per opportunity id, its moves in order (each a
                `crmkit.lifecycle.Step` with `at` set, as `fire` returns it).

        Raises:
            InvalidInputError: If a step has no time, names an opportunity
                not given, or a stage is not in the pipeline (and as
                `from_arrays`).
            InvalidTypeError: If an item is not an `Opportunity`.

        Examples:
            >>> from datetime import date, datetime, timezone
            >>> from crmkit.funnel import StageHistory
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> from crmkit.models import Money, Opportunity
            >>> deal = Opportunity(id="d1", customer_id="c1", stage="proposal",
            ...                    amount=Money("50000", "CNY"),
            ...                    created_at=datetime(2025, 1, 5, tzinfo=timezone.utc),
            ...                    expected_close=date(2025, 3, 31))
            >>> moved = SALES_PIPELINE.fire("initial_contact", "qualify",
            ...                             at=datetime(2025, 1, 20, tzinfo=timezone.utc))
            >>> history = StageHistory.from_records([deal], pipeline=SALES_PIPELINE,
            ...                                     steps={"d1": [moved]})
            >>> history.current_stage.tolist(), history.amount.tolist()
            (['needs_confirmed'], [50000.0])
        """
        if not isinstance(pipeline, StateMachine):
            v.fail_type("pipeline", "a StateMachine (a pipeline definition)", pipeline)
        records = v.listed("opportunities", opportunities)
        for index, record in enumerate(records):
            if not isinstance(record, Opportunity):
                v.fail_type(f"opportunities[{index}]", "an Opportunity", record)
        moves = _checked_steps(steps)
        unknown = sorted(set(moves) - {record.id for record in records})
        if unknown:
            v.fail("steps", "keyed by ids of the opportunities given", unknown)
        rows = [
            row for record in records for row in _rows(record, moves.get(record.id, ()), pipeline)
        ]
        if not rows:
            v.fail("opportunities", "non-empty", v.described("no records"))
        ids, stages, times, amounts, closes = zip(*rows, strict=True)
        return cls.from_arrays(
            opportunity_id=np.array(ids),
            stage=np.array(stages),
            entered_at=np.array(times, dtype=object),
            pipeline=pipeline,
            amount=np.array(amounts, dtype=np.float64),
            expected_close=np.array(closes, dtype="datetime64[D]"),
        )

    def _refuse_moves_out_of_terminal(self, order: NDArray[np.intp]) -> None:
        # A terminal stage recorded twice is one stay (as for open stages), not a move out.
        moved = (np.diff(self.opportunity_index) == 0) & (np.diff(self.stage_code) != 0)
        after_terminal = np.zeros(len(self), dtype=bool)
        after_terminal[1:] = moved & np.isin(self.stage_code[:-1], self._terminal_codes())
        if after_terminal.any():
            rows = np.empty(len(self), dtype=bool)
            rows[order] = after_terminal  # report positions as the caller gave them
            stages = np.array(self.stages, dtype=object)[self.stage_code]
            labels = np.empty(len(self), dtype=object)
            labels[order] = stages
            allowed = f"no stage after a terminal one ({', '.join(self.terminal)})"
            v.fail_rows("stage", allowed, labels, rows)


def _checked_steps(steps: Any) -> dict[str, list[Step]]:
    if steps is None:
        return {}
    if not isinstance(steps, Mapping):
        v.fail_type("steps", "a mapping of opportunity id to its Step records", steps)
    checked = {}
    for key, moves in steps.items():
        listed = v.listed(f"steps[{key!r}]", moves)
        for index, step in enumerate(listed):
            if not isinstance(step, Step):
                v.fail_type(
                    f"steps[{key!r}][{index}]", "a Step (as StateMachine.fire returns)", step
                )
        checked[key] = listed
    return checked


def _rows(
    record: Opportunity, steps: Sequence[Step], pipeline: StateMachine
) -> list[tuple[str, str, datetime, float, Any]]:
    """The (id, stage, entered_at, amount, expected_close) rows of one opportunity."""
    _refuse_inconsistent(record, pipeline)
    if steps:
        first = steps[0].source
    else:
        first = record.stage if record.stage not in pipeline.terminal else pipeline.initial
    entries = [(first, record.created_at)]
    for index, step in enumerate(steps):
        if step.at is None:
            v.fail(f"steps[{record.id!r}][{index}].at", "the time of the move", None)
        entries.append((step.target, step.at))
    if record.closed_at is not None and entries[-1][0] not in pipeline.terminal:
        entries.append((_closing_stage(pipeline, won=bool(record.won)), record.closed_at))
    amount = float(record.amount.amount)
    close = record.expected_close if record.expected_close is not None else "NaT"
    return [(record.id, stage, at, amount, close) for stage, at in entries]


def _refuse_inconsistent(record: Opportunity, pipeline: StateMachine) -> None:
    """An open deal cannot sit in won or lost, nor a won deal in lost (or the reverse)."""
    if record.stage not in pipeline.terminal:
        return
    if record.closed_at is None:
        v.fail(
            f"opportunities[{record.id!r}].stage",
            f"an open stage for an open deal (not {', '.join(pipeline.terminal)})",
            record.stage,
        )
    if record.stage != _closing_stage(pipeline, won=bool(record.won)):
        outcome = "won" if record.won else "lost"
        argument = f"opportunities[{record.id!r}].stage"
        v.fail(argument, f"the stage of a {outcome} deal", record.stage)


def _closing_stage(pipeline: StateMachine, *, won: bool) -> str:
    winning = [s for s in pipeline.terminal if pipeline.probabilities.get(s) == 1.0]
    losing = [s for s in pipeline.terminal if s not in winning]
    chosen = winning if won else losing
    if not chosen:
        v.fail("pipeline", f"a terminal stage for {'won' if won else 'lost'} deals", pipeline.name)
    return chosen[0]


def won_stage(history: Any, pipeline: Any) -> str:
    """Check a history against its pipeline and return the pipeline's winning stage.

    Won is the terminal stage with stated probability 1; the other terminal
    stages lose.
    """
    if not isinstance(history, StageHistory):
        v.fail_type("history", "a StageHistory", history)
    if not isinstance(pipeline, StateMachine):
        v.fail_type("pipeline", "a StateMachine (a pipeline definition)", pipeline)
    if history.stages != pipeline.stages:
        v.fail("pipeline", "the pipeline the history was built with", pipeline.name)
    won = [stage for stage in pipeline.terminal if pipeline.probabilities.get(stage) == 1.0]
    if not won:
        v.fail("pipeline", "a terminal stage with stated probability 1 (won)", pipeline.name)
    return won[0]
