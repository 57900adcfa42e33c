"""Run lifetimes 0.11.3 on a benchmark's data and print what it took, as JSON.

Runs under the lifetimes virtual environment's python (numpy 1.23, pandas 1.5,
scipy 1.11, autograd 1.6; see scripts/build_lifetimes_env.sh), never under
crmkit's: it imports neither crmkit nor anything from benchmarks/.

    LIFETIMES_PYTHON benchmarks/lifetimes_worker.py < job.json
    LIFETIMES_PYTHON benchmarks/lifetimes_worker.py '{"task": "cdnow"}'

A job is a JSON object with a "task":

- `cdnow`: lifetimes' bundled CDNOW summary (2,357 customers, weeks):
  `{"frequency": [...], "recency": [...], "T": [...]}`.
- `fit_bg_nbd`, `fit_pareto_nbd`: `BetaGeoFitter().fit` / `ParetoNBDFitter().fit`
  on "data", an .npz with `frequency`, `recency` and `T`. Prints the parameters
  and the total log-likelihood on the data's own time scale (see `_total_ll`).
- `summary`: `summary_data_from_transaction_data(df, "customer_id", "date",
  monetary_value_col="amount", observation_period_end=..., freq="D")` on "data",
  an .npz with `customer_id` (int64), `date` (datetime64) and `amount`; the
  summary, sorted by customer id, goes to the .npz named by "out".

Each task runs once untimed on a small slice first (imports and first-call
costs), then "repeat" times (default 1) on the whole data, timed with
`time.perf_counter` around the lifetimes call alone; "seconds" is the best,
"times" all of them. Loading the data and writing results are not timed.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

_WARM_UP_ROWS = 1_000


def _best_of(repeat: int, run: Any) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        result = None
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return times, result


def _load_fit_data(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.load(path) as data:
        return (
            data["frequency"].astype(np.int64),
            data["recency"].astype(np.float64),
            data["T"].astype(np.float64),
        )


def _total_ll(task: str, fitter: Any, x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> float:
    """The fitted total log-likelihood on the data's time scale, from lifetimes' own formula.

    lifetimes fits on times scaled to max(T) = 1 and stores a normalised value
    (`_negative_log_likelihood_`: BG/NBD the mean over customers, Pareto/NBD the
    total) on that scale, which differs from the log-likelihood on the data's scale
    by sum(frequency) * log(scale). Evaluating its objective at the fitted
    parameters on the unscaled data gives the figure crmkit reports.
    """
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    weights = np.ones(x.size, dtype=np.int64)
    values = fitter.params_.to_numpy(dtype=np.float64)
    if task == "fit_bg_nbd":
        mean = BetaGeoFitter._negative_log_likelihood(np.log(values), x, t_x, t, weights, 0.0)
        return float(-mean * weights.sum())
    total = ParetoNBDFitter._negative_log_likelihood(values, x, t_x, t, weights, 0.0)
    return float(-total * weights.mean())


def fit(job: dict[str, Any]) -> dict[str, Any]:
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    task = job["task"]
    x, t_x, t = _load_fit_data(job["data"])
    make = BetaGeoFitter if task == "fit_bg_nbd" else ParetoNBDFitter
    # ParetoNBDFitter draws its start from numpy's global generator: seed it so the
    # run is reproducible.
    np.random.seed(job.get("seed", 0))  # noqa: NPY002
    make().fit(x[:_WARM_UP_ROWS], t_x[:_WARM_UP_ROWS], t[:_WARM_UP_ROWS])
    np.random.seed(job.get("seed", 0))  # noqa: NPY002
    times, fitter = _best_of(int(job.get("repeat", 1)), lambda: make().fit(x, t_x, t))
    return {
        "seconds": min(times),
        "times": times,
        "n": int(x.size),
        "params": {name: float(value) for name, value in fitter.params_.items()},
        "log_likelihood": _total_ll(task, fitter, x, t_x, t),
        "stored_negative_log_likelihood": float(fitter._negative_log_likelihood_),
        "time_scale": float(fitter._scale),
    }


def summary(job: dict[str, Any]) -> dict[str, Any]:
    from lifetimes.utils import summary_data_from_transaction_data

    with np.load(job["data"]) as data:
        frame = pd.DataFrame(
            {
                "customer_id": data["customer_id"].astype(np.int64),
                "date": data["date"].astype("datetime64[ns]"),
                "amount": data["amount"].astype(np.float64),
            }
        )
    end = job["observation_period_end"]

    def run(df: pd.DataFrame) -> pd.DataFrame:
        return summary_data_from_transaction_data(
            df,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end=end,
            freq="D",
        )

    run(frame.iloc[:_WARM_UP_ROWS])
    times, result = _best_of(int(job.get("repeat", 1)), lambda: run(frame))
    result = result.sort_index()
    np.savez(
        job["out"],
        customer_id=result.index.to_numpy(dtype=np.int64),
        frequency=result["frequency"].to_numpy(dtype=np.float64),
        recency=result["recency"].to_numpy(dtype=np.float64),
        T=result["T"].to_numpy(dtype=np.float64),
        monetary_value=result["monetary_value"].to_numpy(dtype=np.float64),
    )
    return {
        "seconds": min(times),
        "times": times,
        "rows": len(frame),
        "n_customers": len(result),
        "sums": {name: float(result[name].sum()) for name in result.columns},
    }


def cdnow(job: dict[str, Any]) -> dict[str, Any]:
    from lifetimes.datasets import load_cdnow_summary

    data = load_cdnow_summary(index_col=[0])
    return {name: data[name].tolist() for name in ("frequency", "recency", "T")}


TASKS = {"fit_bg_nbd": fit, "fit_pareto_nbd": fit, "summary": summary, "cdnow": cdnow}


def main(argv: list[str]) -> int:
    job = json.loads(argv[1] if len(argv) > 1 else sys.stdin.read())
    task = job.get("task")
    if task not in TASKS:
        print(f"unknown task {task!r}; known: {', '.join(TASKS)}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # lifetimes' and old pandas' deprecation chatter
    import lifetimes

    result = TASKS[task](job)
    result["versions"] = {
        "lifetimes": lifetimes.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": sys.version.split()[0],
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
