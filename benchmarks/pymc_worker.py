"""Time pymc-marketing's BG/NBD MAP fit on a benchmark's data and print it as JSON.

Runs under the pymc-marketing virtual environment's python (see
scripts/build_pymc_env.sh), never under crmkit's: it imports neither crmkit nor
anything from benchmarks/.

    PYMC_PYTHON benchmarks/pymc_worker.py < job.json

A job: `{"task": "fit_bg_nbd", "data": "customers.npz", "repeat": 1}`, the .npz
holding `frequency`, `recency` and `T`. The model is
`pymc_marketing.clv.BetaGeoModel` with flat priors (`HalfFlat` on r, alpha, a
and b), so its MAP is the maximum-likelihood estimate crmkit and lifetimes
compute; `"priors": "default"` keeps the package's own priors instead (a
different estimate). `fit(data, method="map")` first runs once untimed (it
compiles the model with pytensor, ~20 s on a cold cache; reported as
`first_seconds`), then "repeat" times timed with `time.perf_counter`: `seconds`
is the best. Each timed fit builds a new model, as a user's call would.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd


def fit_bg_nbd(job: dict[str, Any]) -> dict[str, Any]:
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel

    with np.load(job["data"]) as data:
        frame = pd.DataFrame(
            {
                "customer_id": np.arange(data["frequency"].size),
                "frequency": data["frequency"].astype(np.int64),
                "recency": data["recency"].astype(np.float64),
                "T": data["T"].astype(np.float64),
            }
        )
    names = ("r", "alpha", "a", "b")
    config = None if job.get("priors") == "default" else {n: Prior("HalfFlat") for n in names}

    def run() -> Any:
        model = BetaGeoModel(model_config=config)
        model.fit(frame, method="map", progressbar=False)
        return model

    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    times, model = [], None
    for _ in range(int(job.get("repeat", 1))):
        model = None
        start = time.perf_counter()
        model = run()
        times.append(time.perf_counter() - start)
    posterior = model.idata.posterior
    return {
        "seconds": min(times),
        "times": times,
        "first_seconds": first,
        "n": len(frame),
        "params": {name: float(posterior[name].to_numpy().ravel()[0]) for name in names},
    }


TASKS = {"fit_bg_nbd": fit_bg_nbd}


def main(argv: list[str]) -> int:
    job = json.loads(argv[1] if len(argv) > 1 else sys.stdin.read())
    task = job.get("task")
    if task not in TASKS:
        print(f"unknown task {task!r}; known: {', '.join(TASKS)}", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)  # pymc's progress and sampler chatter
    from importlib.metadata import version

    result = TASKS[task](job)
    result["versions"] = {
        name: version(name) for name in ("pymc-marketing", "pymc", "pytensor", "numpy")
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
