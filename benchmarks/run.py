"""Time crmkit against idiomatic numpy/pandas/polars baselines and print a table.

    python benchmarks/run.py [--only NAME ...] [--scale FACTOR] [--repeat K] [--list]

Cases live in one module per area (`cases_<area>.py`, each with a `CASES` tuple);
add a module to `CASE_MODULES` to register it. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when run from elsewhere

from harness import Case, MismatchError, format_table, machine_context, run_case, select

CASE_MODULES = (
    "cases_foundation",
    "cases_segmentation",
    "cases_metrics",
    "cases_lifecycle",
    "cases_clv",
    "cases_funnel",
    "cases_loyalty",
)


def all_cases() -> list[Case]:
    cases = [case for module in CASE_MODULES for case in importlib.import_module(module).CASES]
    names = [case.name for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        msg = f"duplicate benchmark case names: {', '.join(duplicates)}"
        raise SystemExit(msg)
    return cases


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"must be a number; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not (math.isfinite(value) and value > 0):
        msg = f"must be a finite number above 0; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"must be a whole number; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 1:
        msg = f"must be at least 1; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time crmkit against baselines; ratio = baseline / ours (>1: crmkit faster)."
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run the case with this exact name, else every case whose name contains it "
        "(repeatable)",
    )
    parser.add_argument(
        "--scale",
        type=_positive_float,
        default=1.0,
        help="multiply every case's size (default 1.0; e.g. 0.001 for a smoke run)",
    )
    parser.add_argument(
        "--repeat",
        type=_positive_int,
        default=3,
        metavar="K",
        help="best of K timed runs per side (default 3)",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    args.cases = all_cases()
    if args.only:
        try:
            args.cases = select(args.cases, args.only)
        except LookupError as error:
            known = ", ".join(case.name for case in args.cases)
            parser.error(f"--only {error.args[0]!r} matches no case; the cases are: {known}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for case in args.cases:
            print(f"{case.name:<28} size {case.size:>12,}  {case.note}")
        return 0
    print("\n".join(machine_context()))
    print(f"scale {args.scale:g}, best of {args.repeat}\n")
    rows = []
    for case in args.cases:
        print(f"running {case.name} ...", file=sys.stderr, flush=True)
        try:
            rows.append(run_case(case, scale=args.scale, repeat=args.repeat))
        except MismatchError as error:
            print(f"\nFAILED {case.name}: crmkit and the baseline disagree: {error}")
            return 1
    print(format_table(rows, repeat=args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
