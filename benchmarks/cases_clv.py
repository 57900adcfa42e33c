"""CLV cases: BTYD fits and the BTYD summary against lifetimes 0.11.3.

lifetimes needs an old stack (numpy 1.23, pandas 1.5, scipy 1.11, autograd), so
it runs in its own virtual environment, built by scripts/build_lifetimes_env.sh
at `$CRMKIT_LIFETIMES_VENV` (default `~/.cache/crmkit/lifetimes-venv`). Each
baseline runs benchmarks/lifetimes_worker.py there on data that setup wrote to
a temporary file, and returns the time the worker measured around the lifetimes
call alone (`harness.Timed`): interpreter start-up, imports and loading the data
are not counted. Without that environment every case here is shown as skipped.

- `bg_nbd_fit_cdnow`, `pareto_nbd_fit_cdnow`: `fit_bg_nbd` / `fit_pareto_nbd`
  against `BetaGeoFitter().fit` / `ParetoNBDFitter().fit` on lifetimes' bundled
  CDNOW summary (2,357 customers, in weeks; read from the lifetimes environment
  at run time, never stored here). Published MLEs: BG/NBD r=0.243, alpha=4.414,
  a=0.793, b=2.426, LL -9582.4; Pareto/NBD r=0.553, alpha=10.578, s=0.606,
  beta=11.669, LL -9595.0. `--scale` does not shrink this data set. A fit
  takes milliseconds, so crmkit, like the worker for lifetimes, runs once
  untimed right before each timed run (`Case.warm_up`): otherwise its turn
  would start with the CPU caches the baseline's subprocess just emptied.
- `bg_nbd_fit_1m`: the same BG/NBD fits on customers drawn by `simulate_bg_nbd`
  with CDNOW's parameters and T uniform in 26..104 weeks (continuous, so no two
  customers are identical and crmkit's merging of identical rows does not help).
- `btyd_summary_10m`: `Transactions.from_frame` + `btyd_summary` (daily) against
  `summary_data_from_transaction_data(..., freq="D")`, from the same purchases
  as a pandas frame (10M rows, ~1M sparse int64 customer ids, naive timestamps
  over two years in random order, with amounts).
- `bg_nbd_fit_cdnow_pymc` (optional): `fit_bg_nbd` against pymc-marketing's
  `BetaGeoModel` with flat priors, `fit(method="map")` (the same MLE), run by
  benchmarks/pymc_worker.py in the environment of scripts/build_pymc_env.sh
  (`$CRMKIT_PYMC_VENV`, default `~/.cache/crmkit/pymc-venv`); its first fit,
  which compiles the model, is untimed and printed. Skipped without it.

The fit checks compare the total log-likelihoods (on the data's time scale) to
1e-6 relative and the parameters to 1e-3 relative, and print the agreement to
stderr. The summary check compares customers, frequency and recency exactly, T
as crmkit's = lifetimes' + 1 day exactly (crmkit counts the calibration end day
as observed, lifetimes ends T at its midnight) and the monetary value to 1e-9
relative.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from cases_foundation import ROWS, ROWS_PER_CUSTOMER, SPAN_US, START
from harness import Case, MismatchError, Timed, UnavailableError
from numpy.typing import NDArray

import crmkit
from crmkit.metrics.clv import (
    BgNbdFit,
    BtydSummary,
    ParetoNbdFit,
    btyd_summary,
    fit_bg_nbd,
    fit_pareto_nbd,
    simulate_bg_nbd,
)

HERE = Path(__file__).resolve().parent


class Tool(NamedTuple):
    """A library run in its own virtual environment by a worker script."""

    name: str
    variable: str  # where the environment is, if not at the default
    default: Path
    script: str  # scripts/<script> builds the environment (at the default unless told)
    worker: str  # benchmarks/<worker> runs one job there


_CACHE = Path.home() / ".cache" / "crmkit"
LIFETIMES = Tool(
    "lifetimes",
    "CRMKIT_LIFETIMES_VENV",
    _CACHE / "lifetimes-venv",
    "build_lifetimes_env.sh",
    "lifetimes_worker.py",
)
PYMC = Tool(
    "pymc-marketing",
    "CRMKIT_PYMC_VENV",
    _CACHE / "pymc-venv",
    "build_pymc_env.sh",
    "pymc_worker.py",
)
CDNOW_CUSTOMERS = 2_357
SIMULATED_CUSTOMERS = 1_000_000
CDNOW_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
T_WEEKS = (26.0, 104.0)
CALIBRATION_END = date(2024, 12, 31)  # the last day of the purchases (START + two years)
LL_RTOL = 1e-6
PARAM_RTOL = 1e-3
MONETARY_RTOL = 1e-9


# --- the lifetimes environment --------------------------------------------------------------


def venv_python(tool: Tool = LIFETIMES) -> Path:
    """The python of *tool*'s environment; `UnavailableError` (skip) if it is not built."""
    venv = Path(os.environ.get(tool.variable) or tool.default).expanduser()
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"  no {tool.name} environment at {venv}: see {tool.variable}", file=sys.stderr)
        msg = f"no {tool.name} venv (scripts/{tool.script})"
        raise UnavailableError(msg)
    return python


def run_worker(job: dict[str, Any], tool: Tool = LIFETIMES) -> dict[str, Any]:
    """Run one job of *tool*'s worker script (benchmarks/*_worker.py) in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(venv_python(tool)), str(HERE / tool.worker)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        msg = f"{tool.name} worker failed on {job['task']!r}:\n{done.stderr[-4000:]}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _report(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


# --- fits -----------------------------------------------------------------------------------


class FitInputs(NamedTuple):
    frequency: NDArray[np.int64]
    recency: NDArray[np.float64]
    T: NDArray[np.float64]
    path: str  # the same three columns as an .npz for the worker
    directory: tempfile.TemporaryDirectory[str]  # removed when the inputs are freed


def _fit_inputs(frequency: Any, recency: Any, length: Any) -> FitInputs:
    directory = tempfile.TemporaryDirectory(prefix="crmkit-bench-")
    path = str(Path(directory.name) / "customers.npz")
    x = np.asarray(frequency, dtype=np.int64)
    t_x = np.asarray(recency, dtype=np.float64)
    t = np.asarray(length, dtype=np.float64)
    np.savez(path, frequency=x, recency=t_x, T=t)
    return FitInputs(x, t_x, t, path, directory)


def setup_cdnow(size: int, rng: np.random.Generator) -> FitInputs:
    venv_python()
    data = run_worker({"task": "cdnow"})
    if len(data["frequency"]) != size:
        msg = f"CDNOW summary has {len(data['frequency'])} customers, expected {size}"
        raise RuntimeError(msg)
    return _fit_inputs(data["frequency"], data["recency"], data["T"])


def setup_simulated(size: int, rng: np.random.Generator) -> FitInputs:
    venv_python()
    lengths = rng.uniform(*T_WEEKS, size=size)
    sample = simulate_bg_nbd(CDNOW_BG_NBD, n_customers=size, T=lengths, seed=rng)
    return _fit_inputs(sample.frequency, sample.recency, sample.T)


def ours_bg_nbd(inputs: FitInputs) -> BgNbdFit:
    return fit_bg_nbd(inputs.frequency, inputs.recency, inputs.T)


def ours_pareto_nbd(inputs: FitInputs) -> ParetoNbdFit:
    return fit_pareto_nbd(inputs.frequency, inputs.recency, inputs.T)


def baseline_bg_nbd(inputs: FitInputs) -> Timed:
    result = run_worker({"task": "fit_bg_nbd", "data": inputs.path, "repeat": 1})
    return Timed(result["seconds"], result)


def baseline_pareto_nbd(inputs: FitInputs) -> Timed:
    result = run_worker({"task": "fit_pareto_nbd", "data": inputs.path, "repeat": 1})
    return Timed(result["seconds"], result)


def _param_errors(ours: BgNbdFit | ParetoNbdFit, baseline: dict[str, Any]) -> dict[str, float]:
    return {
        name: abs(value - baseline["params"][name]) / abs(baseline["params"][name])
        for name, value in ours.params.items()
    }


def _check_params(ours: BgNbdFit | ParetoNbdFit, baseline: dict[str, Any], tool: str) -> None:
    param_errors = _param_errors(ours, baseline)
    worst = max(param_errors, key=param_errors.__getitem__)
    _report(
        f"parameters: crmkit {', '.join(f'{k}={v:.5g}' for k, v in ours.params.items())}, "
        f"{tool} {', '.join(f'{k}={v:.5g}' for k, v in baseline['params'].items())} "
        f"(largest relative difference {param_errors[worst]:.1e}, {worst})"
    )
    if param_errors[worst] > PARAM_RTOL:
        msg = f"{worst} differs by {param_errors[worst]:.2e} relative (limit {PARAM_RTOL:g})"
        raise MismatchError(msg)


def check_fit(ours: BgNbdFit | ParetoNbdFit, baseline: dict[str, Any]) -> None:
    theirs = baseline["log_likelihood"]
    ll = ours.log_likelihood
    if ll is None or not np.isfinite(ll):
        msg = f"crmkit's log-likelihood is {ll!r}"
        raise MismatchError(msg)
    ll_error = abs(ll - theirs) / abs(theirs)
    _report(
        f"log-likelihood: crmkit {ll:.6f}, lifetimes {theirs:.6f} "
        f"(relative difference {ll_error:.1e})"
    )
    if not ll_error <= LL_RTOL:
        msg = f"log-likelihoods differ by {ll_error:.2e} relative (limit {LL_RTOL:g})"
        raise MismatchError(msg)
    _check_params(ours, baseline, "lifetimes")


# --- pymc-marketing (optional) --------------------------------------------------------------


def setup_cdnow_pymc(size: int, rng: np.random.Generator) -> FitInputs:
    venv_python(PYMC)
    return setup_cdnow(size, rng)


def baseline_pymc_bg_nbd(inputs: FitInputs) -> Timed:
    result = run_worker({"task": "fit_bg_nbd", "data": inputs.path, "repeat": 1}, PYMC)
    return Timed(result["seconds"], result)


def check_pymc(ours: BgNbdFit, baseline: dict[str, Any]) -> None:
    _report(
        f"pymc-marketing {baseline['versions']['pymc-marketing']}: first fit (compiling) "
        f"{baseline['first_seconds']:.2f} s"
    )
    _check_params(ours, baseline, "pymc-marketing")


# --- btyd_summary ---------------------------------------------------------------------------


class SummaryInputs(NamedTuple):
    frame: Any  # pandas: customer_id (int64), date (datetime64[us], naive = UTC), amount
    path: str  # the same columns as an .npz for the worker
    out: str  # where the worker writes lifetimes' summary
    directory: tempfile.TemporaryDirectory[str]


def setup_summary(rows: int, rng: np.random.Generator) -> SummaryInputs:
    import pandas as pd

    venv_python()
    n_customers = max(1, rows // ROWS_PER_CUSTOMER)
    customer = rng.integers(0, n_customers, size=rows, dtype=np.int64)
    ids = rng.permutation(n_customers).astype(np.int64) * 7919 + 100_000
    customer_id = ids[customer]
    at = START + rng.integers(0, SPAN_US, size=rows).astype("timedelta64[us]")
    amount = np.round(rng.lognormal(mean=3.5, sigma=1.0, size=rows), 2)
    directory = tempfile.TemporaryDirectory(prefix="crmkit-bench-")
    path = str(Path(directory.name) / "transactions.npz")
    np.savez(path, customer_id=customer_id, date=at, amount=amount)
    frame = pd.DataFrame({"customer_id": customer_id, "date": at, "amount": amount})
    return SummaryInputs(frame, path, str(Path(directory.name) / "summary.npz"), directory)


def ours_summary(inputs: SummaryInputs) -> BtydSummary:
    txns = crmkit.Transactions.from_frame(
        inputs.frame, customer_id="customer_id", at="date", amount="amount"
    )
    return btyd_summary(txns, calibration_end=CALIBRATION_END, period="D")


def baseline_summary(inputs: SummaryInputs) -> Timed:
    job = {
        "task": "summary",
        "data": inputs.path,
        "out": inputs.out,
        "observation_period_end": CALIBRATION_END.isoformat(),
        "repeat": 1,
    }
    result = run_worker(job)
    with np.load(inputs.out) as data:
        columns = {name: data[name] for name in data.files}
    return Timed(result["seconds"], columns)


def check_summary(ours: BtydSummary, baseline: dict[str, NDArray[Any]]) -> None:
    if ours.n_excluded != 0 or len(ours) != baseline["customer_id"].size:
        msg = f"customers: crmkit {len(ours)}, lifetimes {baseline['customer_id'].size}"
        raise MismatchError(msg)
    if not np.array_equal(ours.customer_id.astype(np.int64), baseline["customer_id"]):
        msg = "customer ids differ"
        raise MismatchError(msg)
    exact = {
        "frequency": (ours.frequency, baseline["frequency"]),
        "recency": (ours.recency, baseline["recency"]),
        "T - 1": (ours.T - 1.0, baseline["T"]),
    }
    for name, (a, b) in exact.items():
        if not np.array_equal(a, b):
            first = int(np.flatnonzero(a != b)[0])
            msg = f"{name} differs for {int((a != b).sum())} customers (first at {first})"
            raise MismatchError(msg)
    if not np.allclose(
        ours.monetary_value, baseline["monetary_value"], rtol=MONETARY_RTOL, atol=0
    ):
        msg = f"monetary value differs by more than {MONETARY_RTOL:g} relative"
        raise MismatchError(msg)
    _report(
        f"{len(ours):,} customers; frequency, recency and T (+1 day) identical; sums: "
        f"frequency {ours.frequency.sum():,}, recency {ours.recency.sum():,.0f}, "
        f"T {ours.T.sum():,.0f} (lifetimes {baseline['T'].sum():,.0f})"
    )


CASES = (
    Case(
        name="bg_nbd_fit_cdnow",
        size=CDNOW_CUSTOMERS,
        setup=setup_cdnow,
        ours=ours_bg_nbd,
        baseline=baseline_bg_nbd,
        check=check_fit,
        note="lifetimes 0.11.3 BetaGeoFitter().fit on CDNOW (weeks), in its own venv",
        scales=False,
        warm_up=True,
    ),
    Case(
        name="pareto_nbd_fit_cdnow",
        size=CDNOW_CUSTOMERS,
        setup=setup_cdnow,
        ours=ours_pareto_nbd,
        baseline=baseline_pareto_nbd,
        check=check_fit,
        note="lifetimes 0.11.3 ParetoNBDFitter().fit on CDNOW (weeks), in its own venv",
        scales=False,
        warm_up=True,
    ),
    Case(
        name="bg_nbd_fit_cdnow_pymc",
        size=CDNOW_CUSTOMERS,
        setup=setup_cdnow_pymc,
        ours=ours_bg_nbd,
        baseline=baseline_pymc_bg_nbd,
        check=check_pymc,
        note="pymc-marketing BetaGeoModel(flat priors).fit(method='map') on CDNOW, in "
        "its own venv (optional); data from the lifetimes venv",
        scales=False,
        warm_up=True,
    ),
    Case(
        name="bg_nbd_fit_1m",
        size=SIMULATED_CUSTOMERS,
        setup=setup_simulated,
        ours=ours_bg_nbd,
        baseline=baseline_bg_nbd,
        check=check_fit,
        note="lifetimes 0.11.3 BetaGeoFitter().fit on simulated customers, T 26..104 weeks",
    ),
    Case(
        name="btyd_summary_10m",
        size=ROWS,
        setup=setup_summary,
        ours=ours_summary,
        baseline=baseline_summary,
        check=check_summary,
        requires=("pandas",),
        note="lifetimes 0.11.3 summary_data_from_transaction_data(freq='D'); ours "
        "Transactions.from_frame + btyd_summary",
    ),
)
