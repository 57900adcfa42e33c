"""Lifecycle cases: vectorised `fire_many` and `classify_stages` against per-record loops.

The baseline of each case is not another library but a plain Python loop over
the same definition, one record at a time: the way the rules would be applied
without crmkit's vectorised paths. Both sides always run at full size (no
subsampling, no extrapolation), and the checks require identical answers.

- `fire_many_loop`: 1M random (stage, event) pairs over `CUSTOMER_LIFECYCLE`,
  with an `orders` context column for the `become_loyal` guard. The loop calls
  `CUSTOMER_LIFECYCLE.fire` per record and keeps the stage when it raises
  `TransitionNotAllowedError`.
- `classify_stages_loop`: 10M purchases of ~1M customers over two years. Both
  sides start from the same prebuilt `Transactions` (building it is what the
  foundation cases time): its rows are already grouped by customer and in time
  order, so the loop needs no grouping of its own. The loop walks every
  purchase once (first, last, silence before the last purchase, the population's
  inter-purchase gaps), takes the two gap quantiles with numpy once, then walks
  every customer once applying the precedence churned > at risk > reactivated >
  new > active of `StageRules()` (the percentile method).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
from cases_foundation import ROWS, ROWS_PER_CUSTOMER, SPAN_US, START
from harness import Case, MismatchError
from numpy.typing import NDArray

import crmkit
from crmkit.errors import TransitionNotAllowedError
from crmkit.lifecycle import CUSTOMER_LIFECYCLE, FireManyResult, StageResult, StageRules
from crmkit.lifecycle import classify_stages as crmkit_classify_stages

PAIRS = 1_000_000
MAX_ORDERS = 10  # orders per record drawn from 0..10; the guard is orders >= 5
_DAY_US = 86_400_000_000


# --- fire_many ------------------------------------------------------------------------------


class FireInputs(NamedTuple):
    stages: NDArray[np.str_]  # a stage of CUSTOMER_LIFECYCLE per record, uniform
    events: NDArray[np.str_]  # an event of CUSTOMER_LIFECYCLE per record, uniform
    orders: NDArray[np.int64]  # the guard's context column
    stage_codes: NDArray[np.int64]  # the same stages as positions in machine.stages
    event_codes: NDArray[np.int64]  # the same events as positions in machine.events


def setup_fire(size: int, rng: np.random.Generator) -> FireInputs:
    machine = CUSTOMER_LIFECYCLE
    stage_codes = rng.integers(0, len(machine.stages), size=size)
    event_codes = rng.integers(0, len(machine.events), size=size)
    stages = np.asarray(machine.stages)[stage_codes]
    events = np.asarray(machine.events)[event_codes]
    orders = rng.integers(0, MAX_ORDERS + 1, size=size, dtype=np.int64)
    return FireInputs(stages, events, orders, stage_codes, event_codes)


def ours_fire(inputs: FireInputs) -> FireManyResult:
    return CUSTOMER_LIFECYCLE.fire_many(
        inputs.stages, inputs.events, context={"orders": inputs.orders}
    )


def ours_fire_codes(inputs: FireInputs) -> FireManyResult:
    # An app that stores stages as small integer codes hands them over as they are.
    return CUSTOMER_LIFECYCLE.fire_many(
        inputs.stage_codes, inputs.event_codes, context={"orders": inputs.orders}
    )


def baseline_fire(inputs: FireInputs) -> tuple[NDArray[np.str_], NDArray[np.bool_]]:
    fire = CUSTOMER_LIFECYCLE.fire
    stage: list[str] = []
    allowed: list[bool] = []
    records = zip(
        inputs.stages.tolist(), inputs.events.tolist(), inputs.orders.tolist(), strict=True
    )
    for current, event, orders in records:
        try:
            step = fire(current, event, context={"orders": orders})
        except TransitionNotAllowedError:
            stage.append(current)
            allowed.append(False)
        else:
            stage.append(step.target)
            allowed.append(True)
    return np.array(stage), np.array(allowed, dtype=bool)


def check_fire(ours: FireManyResult, baseline: tuple[NDArray[np.str_], NDArray[np.bool_]]) -> None:
    stage, allowed = baseline
    if ours.stage.shape != stage.shape or ours.is_allowed.shape != allowed.shape:
        msg = f"shapes differ: ours {ours.stage.shape}, baseline {stage.shape}"
        raise MismatchError(msg)
    for name, a, b in (("stage", ours.stage, stage), ("is_allowed", ours.is_allowed, allowed)):
        differ = a != b
        if differ.any():
            first = int(np.flatnonzero(differ)[0])
            msg = (
                f"{name}: {int(differ.sum())} records differ (first at {first}: "
                f"ours {a[first]!r}, baseline {b[first]!r})"
            )
            raise MismatchError(msg)
    if not ours.is_allowed.any() or ours.is_allowed.all():
        msg = "degenerate input: every pair allowed, or none (nothing to compare)"
        raise MismatchError(msg)


# --- classify_stages ------------------------------------------------------------------------


class StageInputs(NamedTuple):
    txns: crmkit.Transactions
    as_of: datetime  # midnight UTC of the day after the last purchase
    instant_us: int  # the same instant, in microseconds since 1970 (naive UTC)


def setup_stages(rows: int, rng: np.random.Generator) -> StageInputs:
    # At least two rows of one customer: classify_stages needs a gap to learn from.
    rows = max(2, rows)
    n_customers = max(1, rows // ROWS_PER_CUSTOMER)
    customer = rng.integers(0, n_customers, size=rows, dtype=np.int64)
    customer[:2] = 0
    # Sparse, unordered int64 ids as a CRM database would hand them over.
    ids = rng.permutation(n_customers).astype(np.int64) * 7919 + 100_000
    at = START + rng.integers(0, SPAN_US, size=rows).astype("timedelta64[us]")
    amount = np.round(rng.lognormal(mean=3.5, sigma=1.0, size=rows), 2)
    txns = crmkit.Transactions.from_arrays(customer_id=ids[customer], at=at, amount=amount)
    day_after = at.max().astype("datetime64[D]") + np.timedelta64(1, "D")
    as_of = datetime.fromisoformat(str(day_after)).replace(tzinfo=UTC)
    instant_us = int(day_after.astype("datetime64[us]").astype(np.int64))
    return StageInputs(txns, as_of, instant_us)


def ours_stages(inputs: StageInputs) -> StageResult:
    return crmkit_classify_stages(inputs.txns, as_of=inputs.as_of)


def baseline_stages(inputs: StageInputs) -> tuple[NDArray[Any], NDArray[np.str_]]:
    rules = StageRules()  # the same definition classify_stages applies by default
    txns = inputs.txns
    instant = inputs.instant_us
    codes = txns.customer_index.tolist()  # rows grouped by customer, in time order
    times = txns.at.astype(np.int64).tolist()
    owners: list[int] = []
    firsts: list[int] = []
    lasts: list[int] = []
    silences: list[float] = []  # days between the last two purchases (0: one purchase)
    gaps: list[float] = []  # every inter-purchase gap of the population, in days
    previous_code, previous_time = -1, 0
    for code, time in zip(codes, times, strict=True):  # one pass over the purchases
        if time > instant:
            continue
        if code != previous_code:
            owners.append(code)
            firsts.append(time)
            lasts.append(time)
            silences.append(0.0)
        else:
            gap = (time - previous_time) / _DAY_US
            gaps.append(gap)
            silences[-1] = gap
            lasts[-1] = time
        previous_code, previous_time = code, time
    at_risk, churn = (
        float(q)
        for q in np.quantile(np.array(gaps), [rules.at_risk_percentile, rules.churn_percentile])
    )
    new_days = rules.new_days
    stages: list[str] = []
    for first, last, silence in zip(firsts, lasts, silences, strict=True):  # one per customer
        recency = (instant - last) / _DAY_US
        if recency > churn:
            stages.append("churned")
        elif recency > at_risk:
            stages.append("at_risk")
        elif silence > churn:
            stages.append("reactivated")
        elif (instant - first) / _DAY_US <= new_days:
            stages.append("new")
        else:
            stages.append("active")
    return txns.customer_ids[np.array(owners, dtype=np.int64)], np.array(stages)


def check_stages(ours: StageResult, baseline: tuple[NDArray[Any], NDArray[np.str_]]) -> None:
    customer_id, stage = baseline
    if not np.array_equal(ours.customer_id, customer_id):
        msg = f"customers differ: ours {ours.customer_id.size}, baseline {customer_id.size}"
        raise MismatchError(msg)
    differ = ours.stage != stage
    if differ.any():
        first = int(np.flatnonzero(differ)[0])
        msg = (
            f"stage: {int(differ.sum())} customers differ (first at {first}: "
            f"ours {ours.stage[first]!r}, baseline {stage[first]!r})"
        )
        raise MismatchError(msg)


CASES = (
    Case(
        name="fire_many_loop",
        size=PAIRS,
        setup=setup_fire,
        ours=ours_fire,
        baseline=baseline_fire,
        check=check_fire,
        note="per-record loop: CUSTOMER_LIFECYCLE.fire(stage, event, context={'orders': n}) "
        "per pair, keeping the stage on TransitionNotAllowedError; full size, no subsampling",
    ),
    Case(
        name="fire_many_codes_loop",
        size=PAIRS,
        setup=setup_fire,
        ours=ours_fire_codes,
        baseline=baseline_fire,
        check=check_fire,
        note="as fire_many_loop, but crmkit gets the stages and events as integer codes "
        "(positions in the machine), as an app storing codes would; the loop uses names",
    ),
    Case(
        name="classify_stages_loop",
        size=ROWS,
        setup=setup_stages,
        ours=ours_stages,
        baseline=baseline_stages,
        check=check_stages,
        note="per-record loop over the prebuilt Transactions' rows (first, last, silence, "
        "gaps), np.quantile once, then a per-customer loop for the stage precedence; "
        "full size, no subsampling",
    ),
)
