"""The benchmark harness: the `Case` record, timing and the table (no cases here).

A case names one operation, how big its input is at scale 1, how to build that
input (outside the timed region) and two ways to compute the same answer: crmkit's
(`ours`) and an idiomatic one without crmkit (`baseline`). `check` compares the
two answers once, after timing, and raises `MismatchError` if they differ.

Two escape hatches for sides that run outside this process (another virtual
environment, a command-line tool): such a side returns `Timed(seconds, result)`
to report the time measured where the work ran, and a `setup` that finds the
outside tool missing raises `UnavailableError` to have the case shown as skipped.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

SEED = 20250101
"""Every case gets a fresh `numpy.random.default_rng(SEED)`, so its data does not
depend on which other cases run or in which order."""


class MismatchError(Exception):
    """Raised by a case's `check` when crmkit and the baseline disagree."""


class UnavailableError(Exception):
    """Raised by a case's `setup` when something it needs outside Python is missing.

    For what `Case.requires` cannot see (another virtual environment, an external
    tool): the case is reported as skipped, with the message as the reason.
    """


@dataclass(frozen=True)
class Timed:
    """What a side returns to report its own time instead of the harness's wall time.

    For work done in a subprocess: `seconds` is the time measured there around
    the operation alone (without interpreter start-up, imports, loading data or
    sending results back), `result` what `check` receives. The harness still
    takes the best over `--repeat` calls.
    """

    seconds: float
    result: Any = field(repr=False)


def _no_check(ours: Any, baseline: Any) -> None:
    """Default check: accept anything (only for cases with nothing to compare)."""


@dataclass(frozen=True)
class Case:
    """One benchmark: an operation timed in crmkit and in a baseline.

    Attributes:
        name: Unique, short, snake_case; `--only` matches on it.
        size: Input size at `--scale 1` (rows, customers, ... as `setup` reads it).
        setup: `setup(size, rng) -> inputs`; builds the input, never timed. Raises
            `UnavailableError` to skip the case.
        ours: `ours(inputs) -> result` with crmkit; timed.
        baseline: `baseline(inputs) -> result` without crmkit; timed. Either side
            may return `Timed(seconds, result)` to report its own time.
        check: `check(ours_result, baseline_result)`; raises `MismatchError` if they
            differ. Runs once, untimed, on the results of the last repeat.
        requires: Importable modules the case needs; if one is missing the case
            is reported as skipped instead of failing.
        note: One line on what the baseline does, shown by `--list`.
        scales: False for a fixed data set (a published one): `size` is used and
            shown as is, whatever `--scale`.
        warm_up: Run `ours` once, untimed, right before each timed run. For cases
            of a few milliseconds whose baseline runs in a subprocess: that
            empties the CPU caches before crmkit's turn, while the worker times
            the baseline right after its own untimed warm-up call.
    """

    name: str
    size: int
    setup: Callable[[int, np.random.Generator], Any]
    ours: Callable[[Any], Any]
    baseline: Callable[[Any], Any]
    check: Callable[[Any, Any], None] = _no_check
    requires: tuple[str, ...] = ()
    note: str = ""
    scales: bool = True
    warm_up: bool = False

    def missing(self) -> list[str]:
        """The required modules that cannot be imported."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    case: str
    size: int
    ours: float | None
    baseline: float | None
    status: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline is None or self.ours <= 0:
            return None
        return self.baseline / self.ours


@dataclass
class _Best:
    seconds: float = float("inf")
    result: Any = field(default=None, repr=False)


def _timed(
    function: Callable[[Any], Any], inputs: Any, best: _Best, *, warm_up: bool = False
) -> None:
    best.result = None  # free the previous repeat's result before the next run
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: no collector pauses inside the timed region
    try:
        if warm_up:  # after the collection, which walks every object and evicts the caches
            function(inputs)
        start = time.perf_counter()
        result = function(inputs)
        seconds = time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()
    if isinstance(result, Timed):  # measured where the work ran: see `Timed`
        seconds, result = result.seconds, result.result
    best.seconds = min(best.seconds, seconds)
    best.result = result


def run_case(case: Case, *, scale: float, repeat: int) -> Row:
    """Build the input, time both sides (best of *repeat*, interleaved) and check them."""
    size = scaled_size(case.size, scale) if case.scales else case.size
    missing = case.missing()
    if missing:
        return Row(case.name, size, None, None, f"skipped: needs {', '.join(missing)}")
    try:
        inputs = case.setup(size, np.random.default_rng(SEED))
    except UnavailableError as error:
        return Row(case.name, size, None, None, f"skipped: {error}")
    ours, baseline = _Best(), _Best()
    try:
        for _ in range(repeat):
            # Interleaving spreads any drift (thermal, page cache) over both sides.
            _timed(case.ours, inputs, ours, warm_up=case.warm_up)
            _timed(case.baseline, inputs, baseline)
    finally:
        del inputs  # free the input before the check needs memory
    try:
        case.check(ours.result, baseline.result)
    finally:
        ours.result = baseline.result = None
        gc.collect()
    return Row(case.name, size, ours.seconds, baseline.seconds)


def scaled_size(size: int, scale: float) -> int:
    """`size * scale`, rounded, and never below 1."""
    return max(1, round(size * scale))


def select(cases: Sequence[Case], patterns: Iterable[str]) -> list[Case]:
    """Cases named exactly by a pattern, else those whose name contains it.

    Raises:
        LookupError: naming the first pattern that matches nothing.
    """
    chosen: list[Case] = []
    for pattern in patterns:
        exact = [case for case in cases if case.name == pattern]
        matched = exact or [case for case in cases if pattern in case.name]
        if not matched:
            raise LookupError(pattern)
        chosen.extend(case for case in matched if case not in chosen)
    return [case for case in cases if case in chosen]  # registry order


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _cpu_count() -> str:
    total = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return str(total)
    return str(total) if usable == total else f"{usable} usable of {total}"


def machine_context() -> list[str]:
    """Lines describing the interpreter, library versions and CPUs."""
    python = f"{platform.python_implementation()} {platform.python_version()}"
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("crmkit", "numpy", "pandas", "polars", "pyarrow", "narwhals")
    )
    return [
        f"python:   {python} ({sys.executable})",
        f"packages: {versions}",
        f"machine:  {platform.machine()}, {platform.system()} {platform.release()}, "
        f"CPUs: {_cpu_count()}",
    ]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def format_table(rows: Sequence[Row], *, repeat: int) -> str:
    """The results as a fixed-width text table with a footer explaining `ratio`."""
    header = ("case", "size", "ours (s)", "baseline (s)", "ratio")
    body = [
        (
            row.case,
            f"{row.size:,}",
            _seconds(row.ours),
            _seconds(row.baseline),
            row.status or ("-" if row.ratio is None else f"{row.ratio:.2f}"),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    footer = [
        "ratio = baseline (s) / ours (s): >1 means crmkit is faster, <1 means the baseline is.",
        f"Times are the best of {repeat} (time.perf_counter); inputs are built untimed.",
    ]
    return "\n".join([line(header), rule, *(line(cells) for cells in body), rule, *footer])
