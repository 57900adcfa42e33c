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

from crmkit.rules import apply_rules
from crmkit.segmentation import (
    B2C_RULES,
    STANDARD_SEGMENTS,
    assign_segments,
    customer_features,
    gini_coefficient,
    pareto_abc,
    rfm_summary,
    score_rfm,
)
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


def segments(transactions: Transactions, as_of: date) -> Section:
    """RFM segments with customer and revenue shares, the Pareto check and B2C rules."""
    txns = transactions.until(as_of)
    if not len(txns):
        return Section("Segments", (("segments", "no customers to segment"),))
    summary = rfm_summary(txns, as_of=as_of)
    result = assign_segments(score_rfm(summary), scheme=STANDARD_SEGMENTS)
    rows = [
        (
            name,
            f"{count:>6,} customers {result.customer_share[name]:6.1%}"
            f"   revenue {result.revenue_share[name]:6.1%}",
        )
        for name, count in result.counts.items()
    ]
    # Net refunds can make a customer's revenue negative; they hold no share of value.
    value = np.maximum(summary.revenue, 0.0)
    if value.sum() > 0:
        pareto = pareto_abc(value)
        rows.append(("top 20% of customers", f"hold {pareto.top_20_share:.1%} of revenue"))
        rows.append(("Gini of revenue", f"{gini_coefficient(value):.3f}"))
    b2c = apply_rules(customer_features(txns, as_of=as_of), B2C_RULES)
    rows.append(("B2C rules", ", ".join(f"{k} {c:,}" for k, c in b2c.counts.items())))
    return Section("Segments (RFM, standard scheme)", tuple(rows))


SECTIONS: tuple[Callable[[Transactions, date], Section], ...] = (data_overview, segments)


def build_report(transactions: Transactions, *, as_of: date, title: str) -> str:
    """Render every section for *transactions* as of the end of *as_of*."""
    heading = f"{title} (as of {as_of.isoformat()})"
    blocks = [f"{heading}\n{'=' * len(heading)}"]
    blocks += [section(transactions, as_of).render() for section in SECTIONS]
    return "\n\n".join(blocks) + "\n"
