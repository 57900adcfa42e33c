"""The `crmkit` command: the main analysis on the bundled sample or your own file.

    crmkit --version
    crmkit demo
    crmkit report orders.csv --customer-id cust --at ts --amount total --as-of 2024-12-31

Bad files or columns print one line naming the file or column and exit with
status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

import crmkit
from crmkit import _columns
from crmkit import _validation as v
from crmkit._report import ReportData, build_report
from crmkit.datasets import load_sample
from crmkit.errors import CrmkitError, InvalidInputError, MissingDependencyError
from crmkit.transactions import Transactions

__all__ = ["main"]

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples:
        >>> from crmkit.cli import main
        >>> main(["report", "missing.csv"])  # prints the error to stderr
        2
    """
    args = _parser().parse_args(argv)
    where = "" if args.command == "demo" else f"{args.path}: "
    try:
        if args.command == "demo":
            sample = load_sample()
            as_of = args.as_of or sample.end
            data = ReportData(
                transactions=sample.transactions,
                nps=sample.nps_responses,
                csat=sample.csat_responses,
                pipeline_history=sample.pipeline_history,
                loyalty_program=sample.loyalty_program,
                loyalty_events=sample.loyalty_events,
            )
            text = build_report(data, as_of=as_of, title="crmkit demo: retail sample")
        else:
            txns = _read_transactions(args)
            as_of = args.as_of or _last_day(txns)
            data = ReportData(transactions=txns)
            text = build_report(data, as_of=as_of, title=f"crmkit report: {args.path}")
    except _FileProblemError as error:
        return _one_line_error(str(error))
    except InvalidInputError as error:
        # Rows of a CSV are lines to its reader: index 0 is line 2, after the header.
        is_csv = bool(where) and not args.path.lower().endswith(".parquet")
        line = (
            f" (line {error.index + 2} of the file)" if is_csv and error.index is not None else ""
        )
        return _one_line_error(f"{where}{str(error).splitlines()[0]}{line}")
    except CrmkitError as error:
        return _one_line_error(f"{where}{error}")
    sys.stdout.write(text)
    return 0


def _one_line_error(message: str) -> int:
    print(f"crmkit: error: {message.splitlines()[0]}", file=sys.stderr)
    return EXIT_USAGE


class _FileProblemError(Exception):
    """A file that cannot be read; reported in one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmkit", description="CRM analysis of a transaction log."
    )
    parser.add_argument("--version", action="version", version=f"crmkit {crmkit.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="analyse the bundled retail sample")
    demo.add_argument("--as-of", type=_date, help="analysis date (default: end of the sample)")
    report = commands.add_parser("report", help="analyse your own CSV or Parquet file")
    report.add_argument("path", help="a .csv file (or .parquet with pyarrow installed)")
    report.add_argument("--customer-id", default="customer_id", help="customer id column")
    report.add_argument("--at", default="at", help="timestamp column (ISO 8601)")
    report.add_argument("--amount", default="amount", help="amount column")
    report.add_argument("--currency", help="ISO 4217 code of the amounts, e.g. CNY")
    report.add_argument("--as-of", type=_date, help="analysis date (default: last purchase day)")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = f"'--as-of' must be a date such as 2024-12-31; got {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def _last_day(txns: Transactions) -> date:
    if not len(txns):
        v.fail("path", "a file with at least one transaction", v.described("no rows"))
    last: date = txns.at.max().astype("datetime64[D]").item()
    return last


def _read_transactions(args: argparse.Namespace) -> Transactions:
    path = Path(args.path)
    if not path.is_file():
        message = f"cannot read {args.path!r}: no such file"
        raise _FileProblemError(message)
    names = {"customer_id": args.customer_id, "at": args.at, "amount": args.amount}
    if path.suffix.lower() == ".parquet":
        return Transactions.from_frame(_read_parquet(path), currency=args.currency, **names)
    columns = _read_csv(path, names)
    return Transactions.from_arrays(
        customer_id=columns["customer_id"],
        at=columns["at"],
        amount=_columns.numbers_from_text("amount", columns["amount"]),
        currency=args.currency,
    )


def _read_parquet(path: Path) -> Any:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # optional extra
    except ImportError:
        message = "reading Parquet needs pyarrow: pip install 'crmkit[pyarrow]'"
        raise MissingDependencyError(message, package="pyarrow") from None
    try:
        return pq.read_table(path)
    except Exception as error:  # any unreadable file is one message
        message = f"cannot read {str(path)!r}: {error}"
        raise _FileProblemError(message) from None


def _read_csv(path: Path, names: dict[str, str]) -> dict[str, np.ndarray[Any, Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        message = f"cannot read {str(path)!r}: {error}"
        raise _FileProblemError(message) from None
    columns: dict[str, np.ndarray[Any, Any]] = {}
    for argument, name in names.items():
        if name not in header:
            available = ", ".join(repr(c) for c in header) or "none"
            option = "--" + argument.replace("_", "-")
            message = (
                f"{str(path)!r} has no column {name!r} (given by {option}); columns: {available}"
            )
            raise _FileProblemError(message)
        index = header.index(name)
        short = [i for i, row in enumerate(rows) if len(row) <= index]
        if short:
            message = f"{str(path)!r} line {short[0] + 2} has no {name!r} value"
            raise _FileProblemError(message)
        columns[argument] = np.array([row[index] for row in rows], dtype=np.str_)
    return columns
