"""`StageHistory`: when each opportunity entered each pipeline stage, validated once."""

from __future__ import annotations

from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit.lifecycle import StateMachine

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
        last = np.append(np.flatnonzero(np.diff(self.opportunity_index)), len(self) - 1)
        terminal = np.isin(np.arange(len(self.stages)), self._terminal_codes())
        is_open: NDArray[np.bool_] = ~terminal[self.stage_code[last]]
        return is_open

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
    ) -> StageHistory:
        """Build from equal-length columns, checking every stage against *pipeline*.

        Raises:
            InvalidInputError: If a stage is not in the pipeline, an
                opportunity enters a stage after a terminal one (no transition
                out of won or lost), a timestamp is missing, lengths differ, or
                there are no rows.
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
        order = _columns.key_time_order(codes, times)
        stage_codes = _columns.positions("stage", names, pipeline.stages, "stages of the pipeline")
        history = cls(
            opportunity_index=codes[order],
            opportunity_ids=labels,
            stage_code=stage_codes[order],
            entered_at=times[order],
            stages=pipeline.stages,
            terminal=pipeline.terminal,
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
    ) -> StageHistory:
        """Build from a pandas, polars or pyarrow frame, naming its columns.

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
        return cls.from_arrays(
            opportunity_id=_frames.series_values(
                "opportunity_id", _frames.column(data, opportunity_id, argument="opportunity_id")
            ),
            stage=_frames.series_values("stage", _frames.column(data, stage, argument="stage")),
            entered_at=_frames.series_timestamps(
                "entered_at", _frames.column(data, entered_at, argument="entered_at")
            ),
            pipeline=pipeline,
        )

    def _refuse_moves_out_of_terminal(self, order: NDArray[np.intp]) -> None:
        same = np.diff(self.opportunity_index) == 0
        after_terminal = np.zeros(len(self), dtype=bool)
        after_terminal[1:] = same & np.isin(self.stage_code[:-1], self._terminal_codes())
        if after_terminal.any():
            rows = np.empty(len(self), dtype=bool)
            rows[order] = after_terminal  # report positions as the caller gave them
            stages = np.array(self.stages, dtype=object)[self.stage_code]
            labels = np.empty(len(self), dtype=object)
            labels[order] = stages
            allowed = f"no stage after a terminal one ({', '.join(self.terminal)})"
            v.fail_rows("stage", allowed, labels, rows)


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
