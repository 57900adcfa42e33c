#!/usr/bin/env bash
# Build the virtual environment for the optional pymc-marketing benchmark
# (bg_nbd_fit_cdnow_pymc in benchmarks/cases_clv.py runs benchmarks/pymc_worker.py
# with its python).
#
#   scripts/build_pymc_env.sh              # at $CRMKIT_PYMC_VENV, else the default
#   CRMKIT_PYMC_BASE_PYTHON=/path/to/python3.12 scripts/build_pymc_env.sh
#
# pymc-marketing 1.3 needs Python >= 3.12 and compiles its models with pytensor,
# which needs a C++ compiler (g++) at run time. Idempotent: an environment that
# already imports the pinned version is left as it is. Prints the path of its
# python on the last line.
set -euo pipefail

VENV="${CRMKIT_PYMC_VENV:-$HOME/.cache/crmkit/pymc-venv}"
PYTHON="${CRMKIT_PYMC_BASE_PYTHON:-python3.12}"
PIN="pymc-marketing==1.3.0"

check() {
    "$VENV/bin/python" -c '
from importlib.metadata import version
import pymc_marketing.clv
raise SystemExit(version("pymc-marketing") != "1.3.0")' 2>/dev/null
}

if [[ -x "$VENV/bin/python" ]] && check; then
    echo "pymc-marketing environment already built at $VENV" >&2
else
    if ! "$PYTHON" -c 'import sys; raise SystemExit(sys.version_info < (3, 12))' 2>/dev/null; then
        echo "error: $PYTHON is not a Python >= 3.12; set CRMKIT_PYMC_BASE_PYTHON" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "$PIN"
    check || { echo "error: $VENV does not import $PIN" >&2; exit 1; }
    echo "built the pymc-marketing environment at $VENV" >&2
fi
echo "$VENV/bin/python"
