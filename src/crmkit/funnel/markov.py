"""The pipeline as an absorbing Markov chain, estimated from observed stage moves.

Each open stage moves to another stage with probabilities estimated from the
moves deals actually made; won and lost absorb. From the chain follow, for a
deal in each stage, the probability of eventually winning, the expected number
of moves and days to close, and the chance of winning within a horizon - the
numbers to hold against the probabilities the CRM states.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray
from scipy import linalg

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.funnel.history import StageHistory, won_stage
from crmkit.lifecycle import StateMachine

__all__ = ["MarkovPipelineFit", "fit_markov_pipeline"]

FloatArray = NDArray[np.float64]
_MICROSECONDS_PER_DAY = 86_400_000_000


@frozen(kw_only=True, repr=False)
class MarkovPipelineFit:
    """An absorbing Markov chain over the pipeline's stages.

    Attributes:
        stages: The pipeline's stages; won and lost absorb.
        won: The winning stage (terminal, stated probability 1).
        transition_counts: Observed moves from each stage (rows) to each stage.
        transition_matrix: Estimated move probabilities; a stage with no
            observed move keeps its stated probability, split between won and lost.
        has_moves: Per stage, whether any move out of it was observed.
        win_probability: Per stage, the probability a deal there is eventually won.
        stated_probability: Per stage, the pipeline's stated probability (None if absent).
        expected_moves: Per stage, expected moves until the deal closes.
        mean_days_in_stage: Per stage, mean days spent there before moving on
            (open deals count as time at risk when the fit has an `as_of`).
        expected_days_to_close: Per stage, expected days until won or lost.
        expected_days_to_win: Per stage, expected days until won, among deals that win
            (infinite where no deal wins).

    Examples:
        >>> import numpy as np
        >>> from crmkit.funnel import StageHistory, fit_markov_pipeline
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["d1", "d1", "d2", "d2"],
        ...     stage=["proposal", "won", "proposal", "lost"],
        ...     entered_at=np.array(["2025-01-01", "2025-01-11", "2025-01-01", "2025-01-31"],
        ...                         dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> fit = fit_markov_pipeline(history, SALES_PIPELINE)
        >>> float(fit.win_probability[SALES_PIPELINE.stages.index("proposal")])
        0.5
    """

    stages: tuple[str, ...] = field()
    won: str = field()
    transition_counts: NDArray[np.int64] = array_field()
    transition_matrix: FloatArray = array_field()
    has_moves: NDArray[np.bool_] = array_field()
    win_probability: FloatArray = array_field()
    stated_probability: tuple[float | None, ...] = field()
    expected_moves: FloatArray = array_field()
    mean_days_in_stage: FloatArray = array_field()
    expected_days_to_close: FloatArray = array_field()
    expected_days_to_win: FloatArray = array_field()

    def __repr__(self) -> str:
        return (
            f"MarkovPipelineFit(n_stages={len(self.stages)}, "
            f"n_moves={int(self.transition_counts.sum())})"
        )

    def win_probability_within(self, days: float) -> FloatArray:
        """Per stage, the probability of winning within *days* (continuous-time chain).

        Each stage is left at rate 1 / mean days in stage, to the stages the
        transition matrix says.

        Examples:
            >>> import numpy as np
            >>> from crmkit.funnel import StageHistory, fit_markov_pipeline
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> history = StageHistory.from_arrays(
            ...     opportunity_id=["d1", "d1"], stage=["proposal", "won"],
            ...     entered_at=np.array(["2025-01-01", "2025-01-11"], dtype="datetime64[us]"),
            ...     pipeline=SALES_PIPELINE)
            >>> fit = fit_markov_pipeline(history, SALES_PIPELINE)
            >>> p = fit.win_probability_within(10.0)[SALES_PIPELINE.stages.index("proposal")]
            >>> round(float(p), 4)   # exponential holding time, mean 10 days: 1 - exp(-1)
            0.6321
        """
        horizon = v.check_float("days", days, low=0.0)
        rates = np.where(
            self.mean_days_in_stage > 0,
            1 / np.where(self.mean_days_in_stage > 0, self.mean_days_in_stage, 1.0),
            0.0,
        )
        closed = np.isin(np.array(self.stages), [self.won]) | ~self._transient()
        generator = (self.transition_matrix - np.eye(len(self.stages))) * rates[:, None]
        generator[closed] = 0.0
        reached: FloatArray = linalg.expm(generator * horizon)[:, self.stages.index(self.won)]
        return np.clip(reached, 0.0, 1.0)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per stage: stated vs estimated win probability, moves and days.

        Examples:
            >>> import numpy as np
            >>> from crmkit.funnel import StageHistory, fit_markov_pipeline
            >>> from crmkit.lifecycle import SALES_PIPELINE
            >>> history = StageHistory.from_arrays(
            ...     opportunity_id=["d1", "d1"], stage=["proposal", "won"],
            ...     entered_at=np.array(["2025-01-01", "2025-01-11"], dtype="datetime64[us]"),
            ...     pipeline=SALES_PIPELINE)
            >>> fit_markov_pipeline(history, SALES_PIPELINE).to_frame().columns.tolist()[:3]
            ['stage', 'stated_probability', 'win_probability']
        """
        stated = np.array([np.nan if p is None else p for p in self.stated_probability])
        columns = {
            "stage": np.array(self.stages),
            "stated_probability": stated,
            "win_probability": self.win_probability,
            "n_moves_out": self.transition_counts.sum(axis=1),
            "expected_moves": self.expected_moves,
            "mean_days_in_stage": self.mean_days_in_stage,
            "expected_days_to_close": self.expected_days_to_close,
        }
        return _frames.frame_from_columns(columns, backend=backend)

    def _transient(self) -> NDArray[np.bool_]:
        absorbing = np.diag(self.transition_matrix) == 1.0
        transient: NDArray[np.bool_] = ~absorbing
        return transient


def fit_markov_pipeline(
    history: StageHistory, pipeline: StateMachine, *, as_of: date | datetime | None = None
) -> MarkovPipelineFit:
    """Estimate the pipeline's absorbing chain from the moves deals made.

    Args:
        history: Stage entries of the deals.
        pipeline: The pipeline the history was built with; its terminal stage
            with stated probability 1 is "won", its other terminal stages lose.
        as_of: If given, time open deals have spent in their current stage up
            to then counts as time at risk (a censored stay), so days in stage
            are not biased towards the quick movers.

    Raises:
        InvalidInputError: If the history was built with other stages, the
            pipeline has no won stage, or the observed moves never leave a
            group of open stages.
        InvalidTypeError: If *history* or *pipeline* is of the wrong kind.

    Examples:
        Every deal that reached a stage went on to win, so every open stage wins for sure:

        >>> import numpy as np
        >>> from crmkit.funnel import StageHistory, fit_markov_pipeline
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> history = StageHistory.from_arrays(
        ...     opportunity_id=["d1"] * 5,
        ...     stage=["initial_contact", "needs_confirmed", "proposal", "negotiation", "won"],
        ...     entered_at=np.array(["2025-01-01", "2025-01-05", "2025-01-10", "2025-01-20",
        ...                          "2025-02-01"], dtype="datetime64[us]"),
        ...     pipeline=SALES_PIPELINE)
        >>> fit_markov_pipeline(history, SALES_PIPELINE).win_probability.tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    """
    won = won_stage(history, pipeline)
    moment = None if as_of is None else v.as_of_datetime64(as_of)
    n = len(pipeline.stages)
    terminal = np.isin(np.arange(n), [pipeline.stages.index(s) for s in pipeline.terminal])
    counts, days, exits = _moves(history, n, moment)
    matrix, has_moves = _transition_matrix(counts, terminal, pipeline, won)
    mean_days = np.where(exits > 0, days / np.where(exits > 0, exits, 1), 0.0)
    transient = ~terminal
    q = matrix[np.ix_(transient, transient)]
    try:
        fundamental = np.linalg.solve(np.eye(q.shape[0]) - q, np.eye(q.shape[0]))
    except np.linalg.LinAlgError:
        v.fail(
            "history",
            "moves that eventually close every open stage",
            v.described("a group of open stages with no way out"),
        )
    won_code = pipeline.stages.index(won)
    win = np.where(np.arange(n) == won_code, 1.0, 0.0)
    win[transient] = fundamental @ matrix[transient, won_code]
    moves = np.zeros(n)
    moves[transient] = fundamental.sum(axis=1)
    to_close = np.zeros(n)
    to_close[transient] = fundamental @ mean_days[transient]
    return MarkovPipelineFit(
        stages=pipeline.stages,
        won=won,
        transition_counts=counts,
        transition_matrix=matrix,
        has_moves=has_moves,
        win_probability=np.clip(win, 0.0, 1.0),
        stated_probability=tuple(pipeline.probabilities.get(s) for s in pipeline.stages),
        expected_moves=moves,
        mean_days_in_stage=mean_days,
        expected_days_to_close=to_close,
        expected_days_to_win=_days_to_win(
            q, win[transient], mean_days[transient], transient, won_code
        ),
    )


def _moves(
    history: StageHistory, n: int, moment: np.datetime64 | None
) -> tuple[NDArray[np.int64], FloatArray, NDArray[np.int64]]:
    """Move counts between stages, days spent before moving, and moves out of each stage."""
    # A stage entered again right after itself is no move: the stay goes on.
    repeat = np.zeros(len(history), dtype=bool)
    repeat[1:] = (np.diff(history.opportunity_index) == 0) & (np.diff(history.stage_code) == 0)
    opportunity = history.opportunity_index[~repeat]
    stage, entered = history.stage_code[~repeat], history.entered_at[~repeat]
    same = np.diff(opportunity) == 0
    source, target = stage[:-1][same], stage[1:][same]
    counts = np.bincount(source * n + target, minlength=n * n).reshape(n, n).astype(np.int64)
    elapsed = np.diff(entered)[same].astype("timedelta64[us]").astype(np.int64)
    days: FloatArray = np.bincount(
        source, weights=elapsed / _MICROSECONDS_PER_DAY, minlength=n
    ).astype(np.float64)
    if moment is not None:
        last = np.append(np.flatnonzero(~same), stage.size - 1)
        open_rows = last[history.is_open]
        stay = np.maximum(moment - entered[open_rows], np.timedelta64(0, "us"))
        days += np.bincount(
            stage[open_rows],
            weights=stay.astype("timedelta64[us]").astype(np.int64) / _MICROSECONDS_PER_DAY,
            minlength=n,
        )
    exits: NDArray[np.int64] = counts.sum(axis=1)
    return counts, days, exits


def _transition_matrix(
    counts: NDArray[np.int64], terminal: NDArray[np.bool_], pipeline: StateMachine, won: str
) -> tuple[FloatArray, NDArray[np.bool_]]:
    n = counts.shape[0]
    exits = counts.sum(axis=1)
    has_moves = (exits > 0) & ~terminal
    matrix = np.where(has_moves[:, None], counts / np.where(exits > 0, exits, 1)[:, None], 0.0)
    won_code = pipeline.stages.index(won)
    lost = [pipeline.stages.index(s) for s in pipeline.terminal if s != won]
    for stage in np.flatnonzero(~has_moves & ~terminal):
        # Never seen moving on: keep the stated chance, split between won and lost.
        stated = pipeline.probabilities.get(pipeline.stages[stage], 0.0)
        matrix[stage, won_code] = stated
        if lost:
            matrix[stage, lost[0]] = 1 - stated
    matrix[terminal] = np.eye(n)[terminal]
    return matrix, has_moves


def _days_to_win(
    q: FloatArray, win: FloatArray, days: FloatArray, transient: NDArray[np.bool_], won_code: int
) -> FloatArray:
    """Expected days to close among deals that win: the chain conditioned on winning."""
    result = np.zeros(transient.size)
    wins = win > 0
    conditioned = np.where(
        wins[:, None] & wins[None, :], q * win[None, :] / np.where(wins, win, 1.0)[:, None], 0.0
    )
    inner = np.full(win.size, np.inf)
    if wins.any():
        sub = np.ix_(wins, wins)
        inner[wins] = np.linalg.solve(np.eye(int(wins.sum())) - conditioned[sub], days[wins])
    result[transient] = inner
    return result
