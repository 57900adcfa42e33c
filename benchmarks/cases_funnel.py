"""Funnel cases: the exact pipeline forecast against a plain numpy simulation.

`forecast_distribution(method="exact")` computes the deal-count distribution by
convolution and the revenue distribution on a 2**18-step lattice; the baseline
is what one writes without crmkit: 100,000 simulated quarters of 10,000
independent deals (`rng.random((chunk, n)) < p`, revenue `wins @ amounts`) in
chunks. The check compares expected revenue exactly, and the median and the
P10/P90 revenue within 0.5% (the simulation's own error is ~0.1%).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from harness import Case, MismatchError
from numpy.typing import NDArray

from crmkit.funnel import ForecastDistribution, forecast_distribution

DRAWS = 100_000
CHUNK_CELLS = 2_000_000


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
)
