"""Stage conversion and velocity: who moved on from each stage, who won, and how fast.

Open deals are censored, not lost: a deal still sitting in a stage has not yet
converted or dropped out there, so it is left out of that stage's rates (and
out of the won/lost rate until it closes).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.funnel.history import StageHistory, won_stage
from crmkit.lifecycle import StateMachine
from crmkit.metrics import kaplan_meier, proportion_ci

__all__ = ["StageConversion", "StageVelocity", "stage_conversion", "stage_velocity"]

Rate = tuple[float, float, float] | None
"""(estimate, ci_low, ci_high), or None when no deal has resolved the question yet."""


@frozen(kw_only=True, repr=False)
class StageConversion:
    """Per open stage: deals that entered, moved on, dropped, won, lost or are still open.

    Attributes:
        stages: The pipeline's open (non-terminal) stages, in order.
        entered: Deals that entered each stage.
        advanced: Deals whose next stage was not a losing one.
        dropped: Deals whose next stage was a losing one.
        waiting: Deals still in the stage (censored).
        won: Deals that entered the stage and were won in the end.
        lost: Deals that entered the stage and were lost in the end.
        still_open: Deals that entered the stage and are not closed yet.
        to_next: advanced / (advanced + dropped) with its Wilson interval.
        to_won: won / (won + lost) with its Wilson interval.
        confidence: Level of the intervals.

    Examples:
        >>> import numpy as np
        >>> from crmkit.funnel import StageHistory, stage_conversion
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["a", "a", "b", "b", "c"],
        ...     stage=["proposal", "won", "proposal", "lost", "proposal"],
        ...     entered_at=np.array(["2025-01-01", "2025-01-09", "2025-01-02", "2025-01-07",
        ...                          "2025-01-03"], dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> conversion = stage_conversion(history, SALES_PIPELINE)
        >>> i = conversion.stages.index("proposal")
        >>> int(conversion.entered[i]), int(conversion.waiting[i]), conversion.to_won[i][0]
        (3, 1, 0.5)
    """

    stages: tuple[str, ...] = field()
    entered: NDArray[np.int64] = array_field()
    advanced: NDArray[np.int64] = array_field()
    dropped: NDArray[np.int64] = array_field()
    waiting: NDArray[np.int64] = array_field()
    won: NDArray[np.int64] = array_field()
    lost: NDArray[np.int64] = array_field()
    still_open: NDArray[np.int64] = array_field()
    to_next: tuple[Rate, ...] = field()
    to_won: tuple[Rate, ...] = field()
    confidence: float = field()

    def __repr__(self) -> str:
        return f"StageConversion(n_stages={len(self.stages)}, entered={self.entered.tolist()})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per open stage, rates as columns (missing where nothing resolved yet).

        Examples:
            >>> import numpy as np
            >>> from crmkit.funnel import StageHistory, stage_conversion
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> history = StageHistory.from_arrays(
            ...     opportunity_id=["a", "a"], stage=["proposal", "won"],
            ...     entered_at=np.array(["2025-01-01", "2025-01-09"], dtype="datetime64[us]"),
            ...     pipeline=SALES_PIPELINE)
            >>> stage_conversion(history, SALES_PIPELINE).to_frame().columns.tolist()[:4]
            ['stage', 'entered', 'advanced', 'dropped']
        """

        def part(rates: tuple[Rate, ...], k: int) -> NDArray[np.float64]:
            return np.array([np.nan if rate is None else rate[k] for rate in rates])

        columns = {
            "stage": np.array(self.stages),
            "entered": self.entered,
            "advanced": self.advanced,
            "dropped": self.dropped,
            "waiting": self.waiting,
            "won": self.won,
            "lost": self.lost,
            "still_open": self.still_open,
            "to_next": part(self.to_next, 0),
            "to_next_low": part(self.to_next, 1),
            "to_next_high": part(self.to_next, 2),
            "to_won": part(self.to_won, 0),
            "to_won_low": part(self.to_won, 1),
            "to_won_high": part(self.to_won, 2),
        }
        return _frames.frame_from_columns(columns, backend=backend)


def stage_conversion(
    history: StageHistory,
    pipeline: StateMachine,
    *,
    as_of: date | datetime | None = None,
    confidence: float = 0.95,
) -> StageConversion:
    """Conversion from each open stage to the next and to won, open deals censored.

    Args:
        history: Stage entries of the deals.
        pipeline: The pipeline the history was built with; its terminal stage
            with stated probability 1 wins, its other terminal stages lose.
        as_of: If given, only stage entries on or before it count (the
            pipeline as it stood then).
        confidence: Level of the Wilson intervals.

    Raises:
        InvalidInputError: If the history was built with other stages, the
            pipeline has no won stage, or no entry is on or before `as_of`.
        InvalidTypeError: If *history* or *pipeline* is of the wrong kind.

    Examples:
        >>> import numpy as np
        >>> from crmkit.funnel import StageHistory, stage_conversion
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["a", "a", "b", "b"],
        ...     stage=["proposal", "negotiation", "proposal", "lost"],
        ...     entered_at=np.array(["2025-01-01", "2025-01-05", "2025-01-02", "2025-01-09"],
        ...                         dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> c = stage_conversion(history, SALES_PIPELINE)
        >>> c.to_next[c.stages.index("proposal")][0]    # a moved on, b dropped
        0.5
    """
    won = won_stage(history, pipeline)
    level = v.check_open_interval("confidence", confidence, 0.0, 1.0)
    keep = np.ones(len(history), dtype=bool)
    if as_of is not None:
        keep = history.entered_at <= v.as_of_datetime64(as_of)
        if not keep.any():
            v.fail("as_of", "on or after the first stage entry", as_of)
    opportunity, stage = history.opportunity_index[keep], history.stage_code[keep]
    n = len(pipeline.stages)
    won_code = pipeline.stages.index(won)
    losing = np.isin(
        np.arange(n), [pipeline.stages.index(s) for s in pipeline.terminal if s != won]
    )
    is_last = np.append(np.diff(opportunity) != 0, True)
    following = np.append(stage[1:], -1)
    final = stage[is_last][
        np.cumsum(np.append(0, np.diff(opportunity) != 0))
    ]  # each row's deal's last stage
    open_stages = [i for i, s in enumerate(pipeline.stages) if s not in pipeline.terminal]
    counts: dict[str, list[int]] = {
        key: [] for key in ("entered", "advanced", "dropped", "waiting", "won", "lost", "open")
    }
    for code in open_stages:
        # The first entry of the stage per deal decides (re-entries are not new deals).
        rows = np.flatnonzero(stage == code)
        rows = rows[np.append(True, np.diff(opportunity[rows]) != 0)] if rows.size else rows
        nxt = following[rows]
        waiting = is_last[rows]
        dropped = ~waiting & losing[np.where(nxt >= 0, nxt, 0)]
        counts["entered"].append(rows.size)
        counts["waiting"].append(int(waiting.sum()))
        counts["dropped"].append(int(dropped.sum()))
        counts["advanced"].append(int((~waiting & ~dropped).sum()))
        counts["won"].append(int((final[rows] == won_code).sum()))
        counts["lost"].append(int(losing[final[rows]].sum()))
        counts["open"].append(rows.size - counts["won"][-1] - counts["lost"][-1])
    return StageConversion(
        stages=tuple(pipeline.stages[i] for i in open_stages),
        entered=np.array(counts["entered"], dtype=np.int64),
        advanced=np.array(counts["advanced"], dtype=np.int64),
        dropped=np.array(counts["dropped"], dtype=np.int64),
        waiting=np.array(counts["waiting"], dtype=np.int64),
        won=np.array(counts["won"], dtype=np.int64),
        lost=np.array(counts["lost"], dtype=np.int64),
        still_open=np.array(counts["open"], dtype=np.int64),
        to_next=tuple(
            _rate(a, a + d, level)
            for a, d in zip(counts["advanced"], counts["dropped"], strict=True)
        ),
        to_won=tuple(
            _rate(w, w + lo, level) for w, lo in zip(counts["won"], counts["lost"], strict=True)
        ),
        confidence=level,
    )


def _rate(successes: int, trials: int, level: float) -> Rate:
    if trials == 0:
        return None
    interval = proportion_ci(successes, trials, confidence=level)
    return (interval.estimate, interval.ci_low, interval.ci_high)


_MICROSECONDS_PER_DAY = 86_400_000_000


@frozen(kw_only=True, repr=False)
class StageVelocity:
    """Per open stage: how long deals stay before moving on (Kaplan-Meier).

    Stays still running at `as_of` are censored: they count as "at least this
    long", so slow deals do not vanish from the estimate.

    Attributes:
        stages: The pipeline's open stages, in order.
        n_stays: Stays in each stage (finished and running).
        n_finished: Stays that ended with a move.
        median_days: Kaplan-Meier median days in stage (None if never reached).
        p25_days: Days by which a quarter of the stays have ended (None if never reached).
        p75_days: Days by which three quarters have ended (None if never reached).

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit.funnel import StageHistory, stage_velocity
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["a", "a", "b", "b"], stage=["proposal", "won", "proposal", "lost"],
        ...     entered_at=np.array(["2025-01-01", "2025-01-11", "2025-01-01", "2025-01-21"],
        ...                         dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> velocity = stage_velocity(history, SALES_PIPELINE, as_of=date(2025, 2, 1))
        >>> velocity.median_days[velocity.stages.index("proposal")]
        10.0
    """

    stages: tuple[str, ...] = field()
    n_stays: NDArray[np.int64] = array_field()
    n_finished: NDArray[np.int64] = array_field()
    median_days: tuple[float | None, ...] = field()
    p25_days: tuple[float | None, ...] = field()
    p75_days: tuple[float | None, ...] = field()

    def __repr__(self) -> str:
        return f"StageVelocity(n_stages={len(self.stages)}, n_stays={self.n_stays.tolist()})"


def stage_velocity(
    history: StageHistory, pipeline: StateMachine, *, as_of: date | datetime
) -> StageVelocity:
    """Days deals spend in each open stage, with running stays censored at `as_of`.

    A stay runs from entering a stage to entering a different one; a stage
    entered again right after itself continues the stay. Stays that began
    after `as_of` are ignored.

    Raises:
        InvalidInputError: If the history was built with other stages or no
            entry is on or before `as_of`.
        InvalidTypeError: If *history* or *pipeline* is of the wrong kind.

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit.funnel import StageHistory, stage_velocity
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["a", "a", "b"], stage=["proposal", "won", "proposal"],
        ...     entered_at=np.array(["2025-01-01", "2025-01-05", "2025-01-01"],
        ...                         dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> v = stage_velocity(history, SALES_PIPELINE, as_of=date(2025, 1, 31))
        >>> i = v.stages.index("proposal")
        >>> int(v.n_stays[i]), int(v.n_finished[i])
        (2, 1)
    """
    won_stage(history, pipeline)
    moment = v.as_of_datetime64(as_of)
    keep = history.entered_at <= moment
    if not keep.any():
        v.fail("as_of", "on or after the first stage entry", as_of)
    opportunity, stage = history.opportunity_index[keep], history.stage_code[keep]
    entered = history.entered_at[keep]
    repeat = np.zeros(stage.size, dtype=bool)
    repeat[1:] = (np.diff(opportunity) == 0) & (np.diff(stage) == 0)
    opportunity, stage, entered = opportunity[~repeat], stage[~repeat], entered[~repeat]
    ends = np.append(np.diff(opportunity) == 0, False)  # the next row is the same deal's move
    until = np.append(entered[1:], moment)
    until = np.where(ends, until, moment)
    length = (until - entered).astype("timedelta64[us]").astype(np.int64) / _MICROSECONDS_PER_DAY
    open_stages = [i for i, s in enumerate(pipeline.stages) if s not in pipeline.terminal]
    stays, finished, quantiles = [], [], []
    for code in open_stages:
        rows = stage == code
        stays.append(int(rows.sum()))
        finished.append(int(ends[rows].sum()))
        quantiles.append(_quantiles(length[rows], ends[rows]))
    return StageVelocity(
        stages=tuple(pipeline.stages[i] for i in open_stages),
        n_stays=np.array(stays, dtype=np.int64),
        n_finished=np.array(finished, dtype=np.int64),
        median_days=tuple(q[1] for q in quantiles),
        p25_days=tuple(q[0] for q in quantiles),
        p75_days=tuple(q[2] for q in quantiles),
    )


def _quantiles(
    days: NDArray[np.float64], ended: NDArray[np.bool_]
) -> tuple[float | None, float | None, float | None]:
    """Days by which 25%, 50% and 75% of stays have ended (Kaplan-Meier), if reached."""
    if not ended.any():
        return None, None, None
    curve = kaplan_meier(days, ended)
    reached = [np.flatnonzero(curve.survival <= 1 - q) for q in (0.25, 0.5, 0.75)]
    first = [float(curve.times[r[0]]) if r.size else None for r in reached]
    return first[0], first[1], first[2]
