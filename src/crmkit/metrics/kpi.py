"""The CRM KPI framework in one report: acquisition, development, retention.

[`kpi_report`][crmkit.metrics.kpi_report] computes every KPI its inputs allow
and lists the others with what they need, so a partial data set still gives a
partial report instead of an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike

from crmkit import _frames, _groups
from crmkit import _validation as v
from crmkit._frames import Backend
from crmkit.metrics.economics import arpu, cac
from crmkit.metrics.survey import csat_score, net_promoter_score
from crmkit.transactions import Transactions

__all__ = ["Kpi", "KpiGroup", "KpiReport", "kpi_report"]

KpiGroup = Literal["acquisition", "development", "retention"]
_YEAR = np.timedelta64(365, "D")


@frozen(kw_only=True)
class Kpi:
    """One KPI: its group, name, value and how it was computed.

    Attributes:
        group: `"acquisition"`, `"development"` or `"retention"`.
        name: The KPI's name, such as `"CAC"` or `"penetration: grocery"`.
        value: The value (a fraction for rates and shares, money for CAC and ARPU).
        definition: How the value was computed, in words.

    Examples:
        >>> from crmkit.metrics import Kpi
        >>> Kpi(group="acquisition", name="CAC", value=50.0, definition="spend / new").value
        50.0
    """

    group: KpiGroup
    name: str
    value: float
    definition: str


@frozen(kw_only=True, repr=False)
class KpiReport:
    """The KPIs that could be computed, and the ones that could not with what they need.

    Attributes:
        kpis: The computed KPIs, grouped in framework order.
        missing: One line per KPI left out, naming the inputs it needs.
        as_of: The instant the transaction-based KPIs describe, if any.

    Examples:
        >>> from crmkit.metrics import kpi_report
        >>> report = kpi_report(leads=200, converted_leads=30)
        >>> report
        KpiReport(n_kpis=1, n_missing=6)
        >>> report["lead conversion rate"]
        0.15
    """

    kpis: tuple[Kpi, ...] = field()
    missing: tuple[str, ...] = field()
    as_of: datetime | None = field()

    def __repr__(self) -> str:
        return f"KpiReport(n_kpis={len(self.kpis)}, n_missing={len(self.missing)})"

    def __getitem__(self, name: str) -> float:
        for kpi in self.kpis:
            if kpi.name == name:
                return kpi.value
        v.fail(
            "name",
            "the name of a computed KPI",
            name,
            hint=f"computed: {', '.join(k.name for k in self.kpis) or 'none'}",
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `group, kpi, value, definition`, one row per computed KPI.

        Examples:
            >>> from crmkit.metrics import kpi_report
            >>> kpi_report(leads=10, converted_leads=2).to_frame()["kpi"].tolist()
            ['lead conversion rate']
        """
        columns = {
            "group": np.array([k.group for k in self.kpis], dtype=np.str_),
            "kpi": np.array([k.name for k in self.kpis], dtype=np.str_),
            "value": np.array([k.value for k in self.kpis], dtype=np.float64),
            "definition": np.array([k.definition for k in self.kpis], dtype=np.str_),
        }
        return _frames.frame_from_columns(columns, backend=backend)


def kpi_report(
    *,
    transactions: Transactions | None = None,
    as_of: date | datetime | None = None,
    marketing_spend: float | None = None,
    new_customers: int | None = None,
    leads: int | None = None,
    converted_leads: int | None = None,
    channel_spend: Mapping[str, float] | None = None,
    nps_ratings: ArrayLike | None = None,
    csat_ratings: ArrayLike | None = None,
    active_days: int = 90,
) -> KpiReport:
    """Compute the CRM KPI framework from whichever inputs are given.

    Transaction-based KPIs look at the 365 days up to `as_of` ("the year") and
    the 365 days before ("the year before"):

    - acquisition: **CAC** = marketing spend / new customers (new customers
      counted from the year's first purchases when not given); **lead
      conversion rate** = converted / leads; **channel efficiency: <channel>**
      = the year's revenue through that channel / its spend;
    - development: **ARPU** = the year's revenue / the year's buyers;
      **cross-sell rate** = share of the year's buyers who bought two or more
      categories; **activity rate** = share of all customers so far who bought
      within `active_days`; **penetration: <category>** = share of the year's
      buyers who bought that category;
    - retention: **retention rate** = share of the year before's buyers who
      bought again in the year; **churn rate** = 1 - retention; **CSAT** (top
      box share); **NPS**.

    Args:
        transactions: The purchases (needed for most development and retention KPIs).
        as_of: End of the year looked at; required with *transactions*.
        marketing_spend: Acquisition spend of the year.
        new_customers: Customers acquired in the year (else from transactions).
        leads: Leads of the year.
        converted_leads: Leads that became customers.
        channel_spend: Spend per sales channel (keys as in `Transactions.channel`).
        nps_ratings: 0-10 answers of the year.
        csat_ratings: 1-5 answers of the year.
        active_days: Days since the last purchase within which a customer is active.

    Returns:
        The report; KPIs whose inputs are missing are listed in `missing`.

    Raises:
        InvalidInputError: If a given input is invalid (the KPI is not silently
            dropped), or *transactions* comes without *as_of*.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics import kpi_report
        >>> report = kpi_report(transactions=load_sample().transactions, as_of=date(2024, 12, 31),
        ...                     marketing_spend=250_000)
        >>> round(report["CAC"], 2), round(report["retention rate"], 3)   # 250,000 / 2,545 new
        (98.23, 0.616)
        >>> report.missing[0]
        'lead conversion rate: needs leads and converted_leads'
    """
    # Every given input is checked under its own name, even if no KPI ends up using it.
    spend = (
        None
        if marketing_spend is None
        else v.check_float("marketing_spend", marketing_spend, low=0.0)
    )
    new = None if new_customers is None else v.check_int("new_customers", new_customers, low=1)
    total_leads = None if leads is None else v.check_int("leads", leads, low=1)
    won = (
        None
        if converted_leads is None
        else v.check_int("converted_leads", converted_leads, low=0, high=total_leads)
    )
    spend_by_channel = None if channel_spend is None else _channel_spend(channel_spend)
    nps = (
        None
        if nps_ratings is None
        else v.integer_array("nps_ratings", nps_ratings, low=0, high=10)
    )
    csat = (
        None
        if csat_ratings is None
        else v.integer_array("csat_ratings", csat_ratings, low=1, high=5)
    )
    kpis: list[Kpi] = []
    missing: list[str] = []
    year = None
    if transactions is not None:
        if as_of is None:
            v.fail("as_of", "a date or aware datetime when transactions are given", None)
        year = _YearWindow.of(_groups.check_transactions(transactions), v.as_of_instant(as_of))
    days = v.check_int("active_days", active_days, low=1)
    _acquisition(kpis, missing, year, spend, new, total_leads, won, spend_by_channel)
    _development(kpis, missing, year, days)
    _retention(kpis, missing, year, nps, csat)
    return KpiReport(
        kpis=tuple(kpis), missing=tuple(missing), as_of=None if year is None else year.moment
    )


@frozen(kw_only=True)
class _YearWindow:
    """The transactions up to as_of, split into the year and the year before."""

    moment: datetime
    txns: Transactions
    in_year: Any
    in_year_before: Any

    @classmethod
    def of(cls, transactions: Transactions, moment: datetime) -> _YearWindow:
        txns = transactions.until(moment)
        if not len(txns):
            v.fail("as_of", "on or after the first transaction", moment)
        instant = v.utc_datetime64(moment)
        in_year = txns.at > instant - _YEAR
        before = ~in_year & (txns.at > instant - 2 * _YEAR)
        return cls(moment=moment, txns=txns, in_year=in_year, in_year_before=before)

    def buyers(self, rows: Any) -> Any:
        """Customer codes with at least one of the given rows."""
        codes = self.txns.customer_index[rows]  # sorted, as Transactions rows are
        return _groups.distinct_sorted(codes)


def _acquisition(
    kpis: list[Kpi],
    missing: list[str],
    year: _YearWindow | None,
    spend: float | None,
    new: int | None,
    leads: int | None,
    converted: int | None,
    channel_spend: Mapping[str, float] | None,
) -> None:
    if new is None and year is not None:
        first = year.txns.at[_groups.run_starts(year.txns.customer_index)]
        new = int(np.count_nonzero(first > v.utc_datetime64(year.moment) - _YEAR))
    if spend is not None and new:  # no new customers in the year: CAC is undefined
        kpis.append(
            Kpi(
                group="acquisition",
                name="CAC",
                value=cac(spend, new),
                definition="marketing spend / new customers",
            )
        )
    else:
        missing.append(
            "CAC: needs marketing_spend and new_customers (or transactions with new customers)"
        )
    if leads is not None and converted is not None:
        kpis.append(
            Kpi(
                group="acquisition",
                name="lead conversion rate",
                value=converted / leads,
                definition="converted leads / leads",
            )
        )
    else:
        missing.append("lead conversion rate: needs leads and converted_leads")
    if channel_spend is None or year is None or year.txns.channel is None:
        missing.append("channel efficiency: needs channel_spend and transactions with channels")
        return
    known = set(np.unique(year.txns.channel).tolist())
    unknown = sorted(set(channel_spend) - known)
    if unknown:
        v.fail(
            "channel_spend",
            f"keys among the transactions' channels ({', '.join(sorted(known))})",
            unknown,
        )
    for channel, cost in channel_spend.items():
        revenue = float(year.txns.amount[year.in_year & (year.txns.channel == channel)].sum())
        kpis.append(
            Kpi(
                group="acquisition",
                name=f"channel efficiency: {channel}",
                value=revenue / cost,
                definition="the year's channel revenue / its spend",
            )
        )


def _channel_spend(channel_spend: Any) -> dict[str, float]:
    if not isinstance(channel_spend, Mapping):
        v.fail_type("channel_spend", "a mapping from channel to spend", channel_spend)
    return {
        v.check_str("channel_spend", channel): v.check_float(
            f"channel_spend[{channel!r}]", amount, low=0.0, low_open=True
        )
        for channel, amount in channel_spend.items()
    }


def _development(
    kpis: list[Kpi], missing: list[str], year: _YearWindow | None, active_days: int
) -> None:
    if year is None:
        missing.append("ARPU, cross-sell, activity and penetration: need transactions and as_of")
        return
    txns, rows = year.txns, year.in_year
    buyers = year.buyers(rows)
    if buyers.size:
        kpis.append(
            Kpi(
                group="development",
                name="ARPU",
                value=arpu(float(txns.amount[rows].sum()), int(buyers.size)),
                definition="the year's revenue / the year's buyers",
            )
        )
    else:
        missing.append("ARPU: needs purchases in the year up to as_of")
    last = _groups.run_last(txns.at, _groups.run_starts(txns.customer_index))
    recent = last > v.utc_datetime64(year.moment) - np.timedelta64(active_days, "D")
    kpis.append(
        Kpi(
            group="development",
            name="activity rate",
            value=float(recent.mean()),
            definition=f"customers who bought within {active_days} days / all customers",
        )
    )
    if txns.category is None:
        missing.append("cross-sell rate and penetration: need transactions with categories")
        return
    labels, category = np.unique(txns.category[rows], return_inverse=True)
    pairs = _groups.distinct(txns.customer_index[rows] * labels.size + category)
    per_customer = np.bincount(pairs // labels.size)[buyers]
    if buyers.size:
        kpis.append(
            Kpi(
                group="development",
                name="cross-sell rate",
                value=float(np.mean(per_customer >= 2)),
                definition="buyers of two or more categories / the year's buyers",
            )
        )
    reach = np.bincount(pairs % labels.size, minlength=labels.size) / max(buyers.size, 1)
    kpis.extend(
        Kpi(
            group="development",
            name=f"penetration: {label}",
            value=float(share),
            definition="the category's buyers / the year's buyers",
        )
        for label, share in zip(labels.tolist(), reach.tolist(), strict=True)
    )


def _retention(
    kpis: list[Kpi],
    missing: list[str],
    year: _YearWindow | None,
    nps_ratings: ArrayLike | None,
    csat_ratings: ArrayLike | None,
) -> None:
    earlier = None if year is None else year.buyers(year.in_year_before)
    if year is not None and earlier is not None and earlier.size:
        kept = np.isin(earlier, year.buyers(year.in_year)).mean()
        kpis.append(
            Kpi(
                group="retention",
                name="retention rate",
                value=float(kept),
                definition="the year before's buyers who bought again in the year",
            )
        )
        kpis.append(
            Kpi(
                group="retention",
                name="churn rate",
                value=float(1.0 - kept),
                definition="1 - retention rate",
            )
        )
    else:
        missing.append("retention and churn rate: need transactions spanning two years")
    if csat_ratings is not None:
        kpis.append(
            Kpi(
                group="retention",
                name="CSAT",
                value=csat_score(csat_ratings).satisfied_share,
                definition="share of answers of 4 or 5 out of 5",
            )
        )
    else:
        missing.append("CSAT: needs csat_ratings")
    if nps_ratings is not None:
        kpis.append(
            Kpi(
                group="retention",
                name="NPS",
                value=net_promoter_score(nps_ratings).score,
                definition="% promoters - % detractors",
            )
        )
    else:
        missing.append("NPS: needs nps_ratings")
