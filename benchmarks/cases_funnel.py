"""Funnel cases: the exact pipeline forecast and the Markov pipeline fit.

- `forecast_exact_10k`: `forecast_distribution(method="exact")` computes the
  deal-count distribution by convolution and the revenue distribution on a
  2**18-step lattice; the baseline is what one writes without crmkit: 100,000
  simulated quarters of 10,000 independent deals (`rng.random((chunk, n)) < p`,
  revenue `wins @ amounts`) in chunks. The check compares expected revenue
  exactly, and the median and the P10/P90 revenue within 0.5% (the
  simulation's own error is ~0.1%).
- `markov_fit_1m`: `fit_markov_pipeline(history, SALES_PIPELINE)` on a
  `StageHistory` of 1M stage entries (~310,000 opportunities) built untimed in
  setup with `StageHistory.from_arrays`, against the pandas crosstab-and-solve
  recipe on the same rows as a pandas frame (opportunity_id int64, stage in
  pandas' default string dtype, entered_at datetime64[us]), sorted by
  opportunity and time as built in setup: next stage by
  `groupby("opportunity_id").shift(-1)`, rows without one dropped (an
  opportunity's last entry: closed, or still open, so its last stage has no
  observed move) and so are rows whose next stage is the same stage (recorded
  again, no move: crmkit merges such entries into one stay), `pd.crosstab(stage,
  next_stage)` reindexed onto the pipeline's stages, rows normalised into the
  transition matrix (an open stage never seen moving keeps its stated
  probability, split between won and lost, as crmkit does), Q (open to open)
  and R (open to won/lost), then `np.linalg.solve(I - Q, R)` for the
  probabilities of ending won or lost and `np.linalg.solve(I - Q, 1)` for the
  expected moves to close. crmkit's fit also computes days in stage and days to
  close, which the recipe does not.
- `markov_fit_1m_from_frame`: the same, with crmkit's side also building the
  history from the frame (`StageHistory.from_frame(frame, pipeline=...)`:
  column conversion, validation, sorting): the cost when starting from the same
  frame as pandas.

The Markov data: opportunities walk `SALES_PIPELINE` (initial_contact ->
needs_confirmed -> proposal -> negotiation), each open stage moving on, winning
or losing with fixed probabilities (`MOVE_ON`, `WIN`; the rest lose); 20% are
still open, their history cut after a random stage they reached; 2% of the
open-stage entries are recorded twice in a row. Each opportunity starts at a
uniform time over two years and moves after exponential gaps (mean 12 days, at
least 1 us); ids are sparse int64 in ascending order. The rows are cut at
exactly `size`. The check compares the transition counts exactly and the win
probability and expected moves per stage to 1e-9 relative.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from cases_foundation import SPAN_US, START
from harness import Case, MismatchError
from numpy.typing import NDArray

from crmkit.funnel import (
    ForecastDistribution,
    MarkovPipelineFit,
    StageHistory,
    fit_markov_pipeline,
    forecast_distribution,
)
from crmkit.lifecycle import SALES_PIPELINE

DRAWS = 100_000
CHUNK_CELLS = 2_000_000
TRANSITIONS = 1_000_000  # stage entries (rows) of the Markov cases
WALK = ("initial_contact", "needs_confirmed", "proposal", "negotiation")  # the open stages
WON, LOST = "won", "lost"
MOVE_ON = np.array([0.70, 0.75, 0.60, 0.0])  # per open stage in WALK: move to the next one
WIN = np.array([0.0, 0.0, 0.15, 0.60])  # ... or win (from proposal or negotiation); else lose
OPEN_SHARE = 0.2  # opportunities still open: history cut after a random reached stage
REPEAT_SHARE = 0.02  # open-stage entries recorded twice in a row (no move)
MEAN_GAP_DAYS = 12.0
MARKOV_RTOL = 1e-9
_DAY_US = 86_400_000_000


class Deals(NamedTuple):
    amounts: NDArray[np.float64]
    probabilities: NDArray[np.float64]


def setup_deals(size: int, rng: np.random.Generator) -> Deals:
    return Deals(rng.gamma(2.0, 5_000.0, size=size), rng.uniform(0.0, 1.0, size=size))


def ours_exact(deals: Deals) -> ForecastDistribution:
    return forecast_distribution(deals.amounts, deals.probabilities, method="exact")


def baseline_simulation(deals: Deals) -> dict[str, float]:
    rng = np.random.default_rng(1)
    revenue = np.empty(DRAWS)
    chunk = max(1, CHUNK_CELLS // deals.amounts.size)
    for start in range(0, DRAWS, chunk):
        size = min(chunk, DRAWS - start)
        wins = rng.random((size, deals.amounts.size)) < deals.probabilities
        revenue[start : start + size] = wins @ deals.amounts
    p10, p50, p90 = np.quantile(revenue, [0.1, 0.5, 0.9])
    expected = float(deals.amounts @ deals.probabilities)
    return {"expected": expected, "p10": float(p10), "p50": float(p50), "p90": float(p90)}


def check_forecast(ours: ForecastDistribution, baseline: Any) -> None:
    if not np.isclose(ours.expected_revenue, baseline["expected"], rtol=1e-12):
        msg = f"expected revenue {ours.expected_revenue} vs {baseline['expected']}"
        raise MismatchError(msg)
    for name in ("p10", "p50", "p90"):
        value = getattr(ours, f"revenue_{name}")
        if not np.isclose(value, baseline[name], rtol=5e-3):
            msg = f"revenue {name} {value} vs simulated {baseline[name]}"
            raise MismatchError(msg)


# --- Markov pipeline fit --------------------------------------------------------------------


class MarkovInputs(NamedTuple):
    history: StageHistory  # built untimed from the frame's columns (from_arrays)
    frame: Any  # pandas: opportunity_id, stage, entered_at; sorted by opportunity, then time


class ChainEstimate(NamedTuple):
    """The recipe's answer, per stage of the pipeline (in `SALES_PIPELINE.stages` order)."""

    counts: NDArray[np.int64]  # moves from each stage (rows) to each stage
    win_probability: NDArray[np.float64]
    expected_moves: NDArray[np.float64]


def _entered_at(opportunity: NDArray[np.int64], rng: np.random.Generator) -> NDArray[Any]:
    """Entry times: a uniform start over two years, then exponential gaps within each."""
    rows = opportunity.size
    first = np.ones(rows, dtype=bool)
    first[1:] = opportunity[1:] != opportunity[:-1]
    row = np.arange(rows)
    position = row - np.maximum.accumulate(np.where(first, row, 0))
    gap = 1 + rng.exponential(MEAN_GAP_DAYS * _DAY_US, size=rows).astype(np.int64)
    at = np.empty(rows, dtype="datetime64[us]")
    at[first] = START + rng.integers(0, SPAN_US, size=int(first.sum())).astype("timedelta64[us]")
    for k in range(1, int(position.max(initial=0)) + 1):  # a handful of positions, not deals
        at_k = np.flatnonzero(position == k)
        at[at_k] = at[at_k - 1] + gap[at_k].astype("timedelta64[us]")
    return at


def setup_markov(size: int, rng: np.random.Generator) -> MarkovInputs:
    import pandas as pd

    n = size // 3 + 10  # ~3.2 entries each on average: more than `size` rows, cut below
    draw = rng.random((n, len(WALK)))
    last = np.cumprod(draw[:, :-1] < MOVE_ON[:-1], axis=1).sum(axis=1)  # last open stage reached
    outcome = draw[np.arange(n), last]
    won = outcome < MOVE_ON[last] + WIN[last]  # it did not move on from `last`: won or lost
    reached = last + 1
    is_open = rng.random(n) < OPEN_SHARE
    kept = np.where(is_open, rng.integers(1, reached + 1), reached)
    per_opportunity = kept + ~is_open  # open stages kept, then won or lost if closed
    opportunity = np.repeat(np.arange(n), per_opportunity)
    position = np.arange(opportunity.size) - np.repeat(
        np.cumsum(per_opportunity) - per_opportunity, per_opportunity
    )
    code = np.where(
        position < kept[opportunity],
        position,
        np.where(won[opportunity], len(WALK), len(WALK) + 1),
    )
    twice = 1 + ((rng.random(code.size) < REPEAT_SHARE) & (code < len(WALK)))
    opportunity = np.repeat(opportunity, twice)[:size]
    code = np.repeat(code, twice)[:size]
    ids = 100_000 + 7_919 * opportunity  # sparse int64, ascending: rows sorted by opportunity
    stage = np.array([*WALK, WON, LOST])[code]
    at = _entered_at(opportunity, rng)
    history = StageHistory.from_arrays(
        opportunity_id=ids, stage=stage, entered_at=at, pipeline=SALES_PIPELINE
    )
    frame = pd.DataFrame({"opportunity_id": ids, "stage": stage, "entered_at": at})
    return MarkovInputs(history, frame)


def ours_markov(inputs: MarkovInputs) -> MarkovPipelineFit:
    return fit_markov_pipeline(inputs.history, SALES_PIPELINE)


def ours_markov_from_frame(inputs: MarkovInputs) -> MarkovPipelineFit:
    history = StageHistory.from_frame(inputs.frame, pipeline=SALES_PIPELINE)
    return fit_markov_pipeline(history, SALES_PIPELINE)


def baseline_crosstab(inputs: MarkovInputs) -> ChainEstimate:
    import pandas as pd

    frame = inputs.frame
    stages = list(SALES_PIPELINE.stages)
    closed = [WON, LOST]
    open_stages = [stage for stage in stages if stage not in closed]
    next_stage = frame.groupby("opportunity_id", sort=False)["stage"].shift(-1)
    moves = pd.DataFrame({"stage": frame["stage"], "next_stage": next_stage}).dropna()
    moves = moves[moves["stage"] != moves["next_stage"]]  # recorded again: no move
    counts = pd.crosstab(moves["stage"], moves["next_stage"]).reindex(
        index=stages, columns=stages, fill_value=0
    )
    exits = counts.sum(axis=1)
    matrix = counts.div(exits.where(exits > 0, 1), axis=0)
    for stage in open_stages:
        if exits[stage] == 0:  # never seen moving on: its stated probability
            stated = SALES_PIPELINE.probabilities.get(stage, 0.0)
            matrix.loc[stage, [WON, LOST]] = [stated, 1.0 - stated]
    q = matrix.loc[open_stages, open_stages].to_numpy()
    r = matrix.loc[open_stages, closed].to_numpy()
    i_minus_q = np.eye(len(open_stages)) - q
    absorbed = np.linalg.solve(i_minus_q, r)  # N R, N = (I - Q)^-1: P(end won), P(end lost)
    steps = np.linalg.solve(i_minus_q, np.ones(len(open_stages)))  # N 1
    win = pd.Series(0.0, index=stages)
    win[open_stages] = absorbed[:, 0]
    win[WON] = 1.0
    moves_to_close = pd.Series(0.0, index=stages)
    moves_to_close[open_stages] = steps
    return ChainEstimate(
        counts.to_numpy(dtype=np.int64), win.to_numpy(), moves_to_close.to_numpy()
    )


def check_markov(ours: MarkovPipelineFit, baseline: ChainEstimate) -> None:
    if ours.stages != SALES_PIPELINE.stages:
        msg = f"stages {ours.stages} vs the pipeline's {SALES_PIPELINE.stages}"
        raise MismatchError(msg)
    if not np.array_equal(ours.transition_counts, baseline.counts):
        msg = f"transition counts differ:\n{ours.transition_counts}\nvs\n{baseline.counts}"
        raise MismatchError(msg)
    for name in ("win_probability", "expected_moves"):
        a, b = getattr(ours, name), getattr(baseline, name)
        if not np.allclose(a, b, rtol=MARKOV_RTOL, atol=1e-12):
            msg = f"{name} per stage: crmkit {a.tolist()} vs the recipe {b.tolist()}"
            raise MismatchError(msg)


CASES = (
    Case(
        name="forecast_exact_10k",
        size=10_000,
        setup=setup_deals,
        ours=ours_exact,
        baseline=baseline_simulation,
        check=check_forecast,
        note="100,000 simulated quarters in numpy: rng.random((chunk, n)) < p, wins @ amounts",
    ),
    Case(
        name="markov_fit_1m",
        size=TRANSITIONS,
        setup=setup_markov,
        ours=ours_markov,
        baseline=baseline_crosstab,
        check=check_markov,
        requires=("pandas",),
        note="pandas: groupby().shift(-1) next stage, pd.crosstab, rows normalised, "
        "np.linalg.solve(I - Q, R) and (I - Q, 1); crmkit from a prebuilt StageHistory",
    ),
    Case(
        name="markov_fit_1m_from_frame",
        size=TRANSITIONS,
        setup=setup_markov,
        ours=ours_markov_from_frame,
        baseline=baseline_crosstab,
        check=check_markov,
        requires=("pandas",),
        note="as markov_fit_1m, but crmkit also builds the history: "
        "StageHistory.from_frame(frame, pipeline=...) + fit_markov_pipeline",
    ),
)
