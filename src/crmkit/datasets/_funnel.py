"""Seeded simulators of a sales pipeline and of closed leads (private; public in the package)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from crmkit import _validation as v
from crmkit.datasets._simulate import _period
from crmkit.funnel import StageHistory
from crmkit.lifecycle import SALES_PIPELINE, StateMachine

__all__ = ["simulate_leads", "simulate_pipeline"]

_MICROSECONDS_PER_DAY = 86_400_000_000

# Lead attributes, their shares and their effect on the log-odds of winning
# (each relative to its first value), as in the seed's scoring examples.
_LEAD_CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...]]] = {
    "company_size": (
        ("1-49", "50-249", "250-999", "1000+"),
        (0.40, 0.30, 0.20, 0.10),
        (0.0, 0.3, 0.6, 0.9),
    ),
    "industry": (
        ("retail", "manufacturing", "software", "finance", "education"),
        (0.30, 0.25, 0.20, 0.15, 0.10),
        (0.0, 0.2, 0.7, 0.4, -0.3),
    ),
    "decision_level": (
        ("staff", "manager", "director", "c_level"),
        (0.40, 0.35, 0.15, 0.10),
        (0.0, 0.4, 0.8, 1.1),
    ),
}
# Behaviour counts: Poisson mean and effect per unit on the log-odds.
_LEAD_BEHAVIOURS = {
    "site_visits": (3.0, 0.15),
    "downloads": (1.0, 0.35),
    "email_opens": (4.0, 0.05),
}
_LEAD_INTERCEPT = -2.6
# Where lost leads were lost, along SALES_PIPELINE's open stages.
_LOST_AT_SHARES = (0.45, 0.30, 0.15, 0.10)


def simulate_pipeline(
    n_opportunities: int = 1000,
    *,
    start: date = date(2024, 1, 1),
    end: date = date(2024, 12, 31),
    seed: int | np.random.Generator | None = None,
    pipeline: StateMachine = SALES_PIPELINE,
    advance: Sequence[float] = (0.55, 0.6, 0.55, 0.0),
    win: Sequence[float] = (0.0, 0.0, 0.1, 0.6),
    mean_days: Sequence[float] = (14.0, 21.0, 30.0, 25.0),
) -> StageHistory:
    """Simulate deals walking a pipeline, observed at the end of the period.

    Each deal is created at a uniformly random time between *start* and
    *end* in the pipeline's first open stage. In open stage j it stays a
    Gamma(2)-distributed time with mean `mean_days[j]`, then advances to the
    next open stage with probability `advance[j]`, wins with probability
    `win[j]` or is lost. Moves after *end* are not observed, so deals still
    moving then are open. Amounts are lognormal (median 20,000, rounded to
    100); each deal is expected to close 60 to 120 days after creation.

    With the defaults (for `SALES_PIPELINE`) a deal in negotiation wins 60%
    of the time, in proposal 43%, in needs_confirmed 26% and at initial
    contact 14%: below the pipeline's stated 75% and 50% for the late
    stages, near its 25% and above its 10% for the early ones. A Markov fit
    of the history should find these.

    Args:
        n_opportunities: Deals to simulate (>= 1).
        start: First day deals may be created.
        end: Last observed day (the natural `as_of`).
        seed: Seed or generator (the same seed, the same deals).
        pipeline: A pipeline whose open stages run in order, each able to
            advance to the next.
        advance: Per open stage, the probability of moving to the next one.
        win: Per open stage, the probability of winning from it.
        mean_days: Per open stage, the mean days spent in it (> 0).

    Raises:
        InvalidInputError: If a count or probability is out of range, the
            per-stage sequences do not have one entry per open stage, or a
            move with positive probability is not a transition of the pipeline.

    Examples:
        >>> from crmkit.datasets import simulate_pipeline
        >>> history = simulate_pipeline(200, seed=1)
        >>> history.n_opportunities, sorted(set(history.current_stage.tolist()))[:2]
        (200, ['initial_contact', 'lost'])
    """
    n = v.check_int("n_opportunities", n_opportunities, low=1)
    rng = v.random_generator("seed", seed)
    first, last = _period(start, end)
    if not isinstance(pipeline, StateMachine):
        v.fail_type("pipeline", "a StateMachine (a pipeline definition)", pipeline)
    open_stages = [s for s in pipeline.stages if s not in pipeline.terminal]
    moves = _stage_probabilities(open_stages, advance, win, mean_days)
    won_stage, lost_stage = _won_and_lost(pipeline)
    _refuse_impossible_moves(pipeline, open_stages, moves, won_stage, lost_stage)

    span = int((last - first) / np.timedelta64(1, "us")) + 1
    created = first + rng.integers(0, span, size=n).astype("timedelta64[us]")
    ids, stages, times = _walk(rng, created, open_stages, moves, won_stage, lost_stage)
    seen = times <= last
    amount = np.round(rng.lognormal(np.log(20_000.0), 0.9, size=n), -2)
    close_in = rng.integers(60, 121, size=n).astype("timedelta64[D]")
    expected = created.astype("datetime64[D]") + close_in
    width = len(str(n))
    labels = np.char.add("O", np.char.zfill(np.arange(1, n + 1).astype(np.str_), width))
    return StageHistory.from_arrays(
        opportunity_id=labels[ids[seen]],
        stage=stages[seen],
        entered_at=times[seen],
        pipeline=pipeline,
        amount=amount[ids[seen]],
        expected_close=expected[ids[seen]],
    )


def _won_and_lost(pipeline: StateMachine) -> tuple[str, str]:
    won = [s for s in pipeline.terminal if pipeline.probabilities.get(s) == 1.0]
    lost = [s for s in pipeline.terminal if s not in won]
    if not won or not lost:
        allowed = "a pipeline with a won stage (terminal, probability 1) and a lost stage"
        v.fail("pipeline", allowed, pipeline.name)
    return won[0], lost[0]


def _stage_probabilities(
    open_stages: list[str],
    advance: Sequence[float],
    win: Sequence[float],
    mean_days: Sequence[float],
) -> NDArray[np.float64]:
    """Rows of (advance, win, mean days) per open stage, checked."""
    k = len(open_stages)
    columns = []
    for name, values, low in (("advance", advance, 0.0), ("win", win, 0.0)):
        array = v.float_array(name, values, low=low)
        if array.size != k or (array > 1).any():
            v.fail(name, f"{k} probabilities in [0, 1], one per open stage", list(values))
        columns.append(array)
    days = v.float_array("mean_days", mean_days, low=0.0, low_open=True)
    if days.size != k:
        v.fail("mean_days", f"{k} numbers, one per open stage", list(mean_days))
    if (columns[0] + columns[1] > 1).any():
        v.fail("win", "at most 1 - advance at every stage", list(win))
    return np.column_stack([*columns, days])


def _refuse_impossible_moves(
    pipeline: StateMachine,
    open_stages: list[str],
    moves: NDArray[np.float64],
    won_stage: str,
    lost_stage: str,
) -> None:
    for j, stage in enumerate(open_stages):
        targets = {t.target for t in pipeline.transitions if stage in t.sources}
        wanted = {
            open_stages[j + 1] if j + 1 < len(open_stages) else "": moves[j, 0],
            won_stage: moves[j, 1],
            lost_stage: 1 - moves[j, 0] - moves[j, 1],
        }
        for target, chance in wanted.items():
            if chance > 0 and target not in targets:
                v.fail(
                    "pipeline",
                    f"a transition from {stage!r} to {target or 'a next open stage'!r}",
                    pipeline.name,
                )


def _walk(
    rng: np.random.Generator,
    created: NDArray[np.datetime64],
    open_stages: list[str],
    moves: NDArray[np.float64],
    won_stage: str,
    lost_stage: str,
) -> tuple[NDArray[np.int64], NDArray[np.str_], NDArray[np.datetime64]]:
    """Every deal's stage entries: one pass per stage, all deals at once."""
    at = created.copy()
    moving = np.arange(created.size)
    ids, stages, times = [], [], []
    for j, stage in enumerate(open_stages):
        ids.append(moving)
        stages.append(np.full(moving.size, stage))
        times.append(at[moving])
        stay = rng.gamma(2.0, moves[j, 2] / 2, size=moving.size) * _MICROSECONDS_PER_DAY
        at[moving] += stay.astype(np.int64).astype("timedelta64[us]")
        draw = rng.random(moving.size)
        advanced = draw < moves[j, 0]
        won = ~advanced & (draw < moves[j, 0] + moves[j, 1])
        for closed, name in ((won, won_stage), (~advanced & ~won, lost_stage)):
            ids.append(moving[closed])
            stages.append(np.full(int(closed.sum()), name))
            times.append(at[moving[closed]])
        moving = moving[advanced]
    return np.concatenate(ids), np.concatenate(stages), np.concatenate(times)


def simulate_leads(
    n_leads: int = 2000, *, seed: int | np.random.Generator | None = None
) -> dict[str, NDArray[np.generic]]:
    """Simulate closed leads with attributes, behaviour counts and outcomes.

    Attributes and behaviour counts are drawn independently; each lead is
    won with probability `expit(-2.6 + effects)`, so a logistic fit should
    recover the effects. About a third of the leads are won.

    The effects (value, share of leads, effect on the log-odds):

    - company_size: 1-49 (40%) 0, 50-249 (30%) +0.3, 250-999 (20%) +0.6,
      1000+ (10%) +0.9
    - industry: retail (30%) 0, manufacturing (25%) +0.2, software (20%) +0.7,
      finance (15%) +0.4, education (10%) -0.3
    - decision_level: staff (40%) 0, manager (35%) +0.4, director (15%) +0.8,
      c_level (10%) +1.1
    - site_visits (Poisson, mean 3): +0.15 per visit; downloads (mean 1):
      +0.35 each; email_opens (mean 4): +0.05 each

    Lost leads are lost at
    `SALES_PIPELINE`'s open stages (45 / 30 / 15 / 10%), won ones have stage
    "won".

    Returns:
        Columns `lead_id, company_size, industry, decision_level,
        site_visits, downloads, email_opens, stage, won` (won is bool).

    Examples:
        >>> from crmkit.datasets import simulate_leads
        >>> leads = simulate_leads(500, seed=1)
        >>> sorted(leads)[:3], leads["won"].dtype
        (['company_size', 'decision_level', 'downloads'], dtype('bool'))
    """
    n = v.check_int("n_leads", n_leads, low=1)
    rng = v.random_generator("seed", seed)
    width = len(str(n))
    columns: dict[str, NDArray[np.generic]] = {
        "lead_id": np.char.add("L", np.char.zfill(np.arange(1, n + 1).astype(np.str_), width))
    }
    log_odds = np.full(n, _LEAD_INTERCEPT)
    for name, (values, shares, effects) in _LEAD_CATEGORIES.items():
        which = rng.choice(len(values), size=n, p=shares)
        columns[name] = np.asarray(values)[which]
        log_odds += np.asarray(effects)[which]
    for name, (mean, effect) in _LEAD_BEHAVIOURS.items():
        counts = rng.poisson(mean, size=n)
        columns[name] = counts
        log_odds += effect * counts
    won = rng.random(n) < expit(log_odds)
    open_stages = [s for s in SALES_PIPELINE.stages if s not in SALES_PIPELINE.terminal]
    lost_at = np.asarray(open_stages)[rng.choice(len(open_stages), size=n, p=_LOST_AT_SHARES)]
    columns["stage"] = np.where(won, "won", lost_at)
    columns["won"] = won
    return columns
