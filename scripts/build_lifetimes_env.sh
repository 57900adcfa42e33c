#!/usr/bin/env bash
# Build the virtual environment the lifetimes benchmarks compare against
# (benchmarks/cases_clv.py runs benchmarks/lifetimes_worker.py with its python).
#
#   scripts/build_lifetimes_env.sh            # at $CRMKIT_LIFETIMES_VENV, else the default
#   CRMKIT_LIFETIMES_VENV=/tmp/lt scripts/build_lifetimes_env.sh
#
# lifetimes 0.11.3 (its last release) needs an old stack: numpy < 1.24 (it uses
# removed aliases), pandas 1.x, and autograd. Python 3.11 is the newest with
# wheels for all of them, so no compiler is needed. Idempotent: an environment
# that already imports the pinned versions is left as it is. Prints the path of
# its python on the last line.
set -euo pipefail

VENV="${CRMKIT_LIFETIMES_VENV:-$HOME/.cache/crmkit/lifetimes-venv}"
PYTHON="${CRMKIT_LIFETIMES_BASE_PYTHON:-python3.11}"
PINS=(numpy==1.23.5 pandas==1.5.3 scipy==1.11.4 autograd==1.6.2 lifetimes==0.11.3)

check() {
    "$VENV/bin/python" - <<'PY' 2>/dev/null
import autograd, lifetimes, numpy, pandas, scipy
from importlib.metadata import version
want = {"numpy": "1.23.5", "pandas": "1.5.3", "scipy": "1.11.4",
        "autograd": "1.6.2", "lifetimes": "0.11.3"}
raise SystemExit(any(version(name) != v for name, v in want.items()))
PY
}

if [[ -x "$VENV/bin/python" ]] && check; then
    echo "lifetimes environment already built at $VENV" >&2
else
    if ! command -v "$PYTHON" >/dev/null; then
        echo "error: $PYTHON not found; set CRMKIT_LIFETIMES_BASE_PYTHON to a Python 3.9-3.11" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
    check || { echo "error: $VENV does not import the pinned versions" >&2; exit 1; }
    echo "built the lifetimes environment at $VENV" >&2
fi
echo "$VENV/bin/python"
