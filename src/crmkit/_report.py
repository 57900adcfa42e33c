"""The main job: a readable analysis of a transaction log (private).

The report is a list of sections, each built by a pure function from the
transactions and `as_of`; the CLI only prints them. Each area adds its section
to `SECTIONS` (segments, lifecycle stages, CLV, NPS, loyalty, pipeline).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
from attrs import frozen

from crmkit.transactions import Transactions

_LABEL_WIDTH = 24


@frozen
class Section:
    """One titled block of the report, as (label, value) rows."""

    title: str
    rows: tuple[tuple[str, str], ...]

    def render(self) -> str:
        lines = [self.title] + [f"  {label:<{_LABEL_WIDTH}}{value}" for label, value in self.rows]
        return "\n".join(lines)


def data_overview(transactions: Transactions, as_of: date) -> Section:
    """Customers, orders, dates and revenue up to `as_of`."""
    txns = transactions.until(as_of)
    unit = f" {txns.currency}" if txns.currency else ""
    if not len(txns):
        return Section("Data", (("transactions", f"none on or before {as_of}"),))
    orders = np.bincount(txns.customer_index)
    revenue = float(txns.amount.sum())
    first, last = (str(x.astype("datetime64[D]")) for x in (txns.at.min(), txns.at.max()))
    return Section(
        "Data",
        (
            ("customers", f"{txns.n_customers:,}"),
            ("transactions", f"{len(txns):,}"),
            ("date range", f"{first} to {last}"),
            ("revenue", f"{revenue:,.2f}{unit}"),
            ("orders per customer", f"mean {orders.mean():.1f}, median {np.median(orders):g}"),
            ("average order value", f"{revenue / len(txns):,.2f}{unit}"),
        ),
    )


SECTIONS: tuple[Callable[[Transactions, date], Section], ...] = (data_overview,)


def build_report(transactions: Transactions, *, as_of: date, title: str) -> str:
    """Render every section for *transactions* as of the end of *as_of*."""
    heading = f"{title} (as of {as_of.isoformat()})"
    blocks = [f"{heading}\n{'=' * len(heading)}"]
    blocks += [section(transactions, as_of).render() for section in SECTIONS]
    return "\n\n".join(blocks) + "\n"
