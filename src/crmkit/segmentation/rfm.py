"""RFM: recency, frequency and monetary value per customer, and their scores.

This is the segmentation meaning of R, F and M: days since the last purchase,
number of purchases, and money spent, all as of one date. (The
buy-till-you-die models of the planned CLV area use *repeat* purchases and
the first-to-last span instead; they get their own summary and never read
this one.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray
from scipy import stats

from crmkit import _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.transactions import Transactions

__all__ = [
    "Monetary",
    "Occasions",
    "RfmScores",
    "RfmSummary",
    "ScoreMethod",
    "Ties",
    "rfm_summary",
    "score_rfm",
]

Monetary = Literal["total", "mean"]
Occasions = Literal["transactions", "days"]
ScoreMethod = Literal["quantile", "fixed"]
Ties = Literal["average", "first", "dense"]

_DIMENSIONS = ("recency", "frequency", "monetary")
_RANK_METHODS: dict[str, Literal["average", "ordinal", "dense"]] = {
    "average": "average",
    "first": "ordinal",
    "dense": "dense",
}
_MAX_BINS = 9  # codes such as "545" hold one digit per score


@frozen(kw_only=True, repr=False)
class RfmSummary:
    """Recency, frequency and monetary value of each customer as of one instant.

    One row per customer who bought on or before `as_of`, in the order of
    [`Transactions.customer_ids`][crmkit.transactions.Transactions].

    Attributes:
        customer_id: The customer ids.
        recency_days: Whole days from the last purchase to `as_of` (0 for a
            purchase on the `as_of` day itself).
        frequency: Purchases counted as transactions or as distinct days.
        monetary: Total spend, or spend per purchase occasion.
        first_purchase: Time of the first purchase (UTC `datetime64[us]`).
        last_purchase: Time of the last purchase on or before `as_of`.
        tenure_days: Whole days from the first purchase to `as_of`.
        revenue: Total spend, whatever `monetary` measures.
        as_of: The instant the summary describes (UTC).
        monetary_basis: `"total"` or `"mean"`.
        occasions: `"transactions"` or `"days"`.
        n_excluded: Transactions after `as_of`, left out.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.segmentation import rfm_summary
        >>> summary = rfm_summary(load_sample().transactions, as_of=date(2025, 1, 1))
        >>> summary
        RfmSummary(n_customers=5000, as_of='2025-01-01', monetary_basis='total',
                   occasions='transactions')
    """

    customer_id: NDArray[Any] = array_field()
    recency_days: NDArray[np.int64] = array_field()
    frequency: NDArray[np.int64] = array_field()
    monetary: NDArray[np.float64] = array_field()
    first_purchase: NDArray[np.datetime64] = array_field()
    last_purchase: NDArray[np.datetime64] = array_field()
    tenure_days: NDArray[np.int64] = array_field()
    revenue: NDArray[np.float64] = array_field()
    as_of: datetime = field()
    monetary_basis: Monetary = field()
    occasions: Occasions = field()
    n_excluded: int = field()

    def __repr__(self) -> str:
        return (
            f"RfmSummary(n_customers={self.n_customers}, as_of={self.as_of.date().isoformat()!r}, "
            f"monetary_basis={self.monetary_basis!r}, occasions={self.occasions!r})"
        )

    def __len__(self) -> int:
        return int(self.customer_id.size)

    @property
    def n_customers(self) -> int:
        """Number of customers summarised."""
        return len(self)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per customer: `customer_id, recency_days, frequency, monetary, ...`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.segmentation import rfm_summary
            >>> s = rfm_summary(load_sample().transactions, as_of=date(2025, 1, 1))
            >>> s.to_frame().columns.tolist()[:4]
            ['customer_id', 'recency_days', 'frequency', 'monetary']
        """
        columns = {
            "customer_id": self.customer_id,
            "recency_days": self.recency_days,
            "frequency": self.frequency,
            "monetary": self.monetary,
            "first_purchase": self.first_purchase,
            "last_purchase": self.last_purchase,
            "tenure_days": self.tenure_days,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def rfm_summary(
    transactions: Transactions,
    *,
    as_of: date | datetime,
    monetary: Monetary = "total",
    occasions: Occasions = "transactions",
) -> RfmSummary:
    """Summarise each customer's recency, frequency and monetary value as of a date.

    Transactions after `as_of` are excluded (and counted in `n_excluded`), so a
    summary as of last year is the same whenever it is computed. Customers
    whose first purchase is after `as_of` do not appear.

    Args:
        transactions: The purchases; build them from a frame with
            [`Transactions.from_frame`][crmkit.transactions.Transactions.from_frame].
        as_of: The instant to look from: an aware datetime, or a date meaning
            the end of that day in UTC.
        monetary: `"total"` spend (the default) or `"mean"` spend per
            purchase occasion.
        occasions: Count `"transactions"` (the default) or distinct purchase
            `"days"` (several orders on one day count once).

    Returns:
        One row per customer, in customer-id order.

    Raises:
        InvalidInputError: If there are no transactions, none on or before
            `as_of`, or an option is unknown.
        InvalidTypeError: If *transactions* is not a `Transactions`.

    Examples:
        Customer "a" bought 10 on 1 Jan and 20 on 1 Feb; "b" bought 5 on 15 Jan.
        As of 1 March, "a" last bought 28 days ago, twice, for 30 in total:

        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.segmentation import rfm_summary
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "b"], amount=[10.0, 20.0, 5.0],
        ...     at=np.array(["2025-01-01", "2025-02-01", "2025-01-15"], dtype="datetime64[us]"))
        >>> s = rfm_summary(txns, as_of=date(2025, 3, 1))
        >>> s.recency_days.tolist(), s.frequency.tolist(), s.monetary.tolist()
        ([28, 45], [2, 1], [30.0, 5.0])
    """
    txns = _groups.check_transactions(transactions)
    moment = v.as_of_instant(as_of)
    v.check_choice("monetary", monetary, ("total", "mean"))
    v.check_choice("occasions", occasions, ("transactions", "days"))
    return _rfm_summary(txns, moment, monetary=monetary, occasions=occasions)


def _rfm_summary(
    txns: Transactions, moment: datetime, *, monetary: Monetary, occasions: Occasions
) -> RfmSummary:
    rows = _groups.customer_rows(txns, moment)
    if occasions == "days":
        day = rows.at.astype("datetime64[D]")
        new_occasion = np.ones(rows.at.size, dtype=np.int64)
        new_occasion[1:] = (rows.codes[1:] != rows.codes[:-1]) | (day[1:] != day[:-1])
        frequency = _groups.run_sums(new_occasion, rows.starts)
    else:
        frequency = rows.lengths
    return RfmSummary(
        customer_id=rows.customer_id,
        recency_days=_groups.whole_days(rows.instant - rows.last),
        frequency=frequency,
        monetary=rows.revenue if monetary == "total" else rows.revenue / frequency,
        first_purchase=rows.first,
        last_purchase=rows.last,
        tenure_days=_groups.whole_days(rows.instant - rows.first),
        revenue=rows.revenue,
        as_of=moment,
        monetary_basis=monetary,
        occasions=occasions,
        n_excluded=rows.n_excluded,
    )


# --- scores -------------------------------------------------------------------------------


def _read_only_mapping(
    value: Mapping[str, tuple[tuple[float, float] | None, ...]],
) -> Mapping[str, tuple[tuple[float, float] | None, ...]]:
    return MappingProxyType(dict(value))


def _breakpoints_repr(value: Mapping[str, Any]) -> str:
    return f"<{len(value)} dimensions>"


@frozen(kw_only=True, repr=False)
class RfmScores:
    """R, F and M scores from 1 to `n_bins` per customer; higher is better.

    Recency is reversed: the most recent buyers get the highest R score.

    Attributes:
        customer_id: The customer ids, in the summary's order.
        r: Recency scores.
        f: Frequency scores.
        m: Monetary scores.
        code: The three scores as a string, such as `"545"`.
        revenue: Each customer's total spend (for revenue shares of segments).
        n_bins: Number of score levels.
        method: `"quantile"` or `"fixed"`.
        ties: How equal values were ranked (quantile method).
        breakpoints: Per dimension (`"recency"`, `"frequency"`,
            `"monetary"`), per score from 1 up, the (lowest, highest) value
            that received it, or None if no customer did.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.segmentation import rfm_summary, score_rfm
        >>> scores = score_rfm(rfm_summary(load_sample().transactions, as_of=date(2025, 1, 1)))
        >>> scores
        RfmScores(n_customers=5000, n_bins=5, method='quantile', ties='average')
        >>> scores.breakpoints["frequency"][0]
        (1.0, 1.0)
    """

    customer_id: NDArray[Any] = array_field()
    r: NDArray[np.int64] = array_field()
    f: NDArray[np.int64] = array_field()
    m: NDArray[np.int64] = array_field()
    code: NDArray[np.str_] = array_field()
    revenue: NDArray[np.float64] = array_field()
    n_bins: int = field()
    method: ScoreMethod = field()
    ties: Ties = field()
    breakpoints: Mapping[str, tuple[tuple[float, float] | None, ...]] = field(
        converter=_read_only_mapping, repr=_breakpoints_repr
    )

    def __repr__(self) -> str:
        ties = f", ties={self.ties!r}" if self.method == "quantile" else ""  # fixed: no ranks
        return (
            f"RfmScores(n_customers={self.n_customers}, n_bins={self.n_bins}, "
            f"method={self.method!r}{ties})"
        )

    def __len__(self) -> int:
        return int(self.customer_id.size)

    @property
    def n_customers(self) -> int:
        """Number of customers scored."""
        return len(self)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per customer: `customer_id, r, f, m, code`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.segmentation import rfm_summary, score_rfm
            >>> s = score_rfm(rfm_summary(load_sample().transactions, as_of=date(2025, 1, 1)))
            >>> s.to_frame("polars").columns
            ['customer_id', 'r', 'f', 'm', 'code']
        """
        columns = {
            "customer_id": self.customer_id,
            "r": self.r,
            "f": self.f,
            "m": self.m,
            "code": self.code,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def score_rfm(
    summary: RfmSummary,
    *,
    n_bins: int = 5,
    method: ScoreMethod = "quantile",
    thresholds: Mapping[str, Sequence[float]] | None = None,
    ties: Ties = "average",
) -> RfmScores:
    """Score recency, frequency and monetary value from 1 to `n_bins`.

    With `method="quantile"` (the default) each customer's score comes from
    their rank among all customers: the share of customers ranked below them,
    cut into `n_bins` equal parts. Customers with equal values always get equal
    scores under the default `ties="average"`, so the result does not depend on
    row order. With `method="fixed"` the scores come from your own thresholds,
    so they stay comparable from one month to the next.

    Tie policies (quantile method), on frequencies 1, 1, 1, 2, 5 with 5 bins:

    - `"average"`: equal values share their average rank (2 for the three
      1s), so they share a score: 2, 2, 2, 4, 5.
    - `"first"`: equal values are ranked in customer-id order, filling the
      bins evenly but splitting equals: 1, 2, 3, 4, 5.
    - `"dense"`: ranks count distinct values only (1, 1, 1, 2, 3 here), so
      the scale spreads over the distinct values: 1, 1, 1, 3, 5.

    If every customer has the same value, all get the middle score
    (`n_bins // 2 + 1`: 3 of 5, 3 of 4) under every tie policy but `"first"`.

    Fixed thresholds are `n_bins - 1` strictly increasing values per
    dimension. Frequency and monetary score 1 plus the number of thresholds at
    or below the value. Recency, in days, scores `n_bins` at or below the first
    threshold, one less past each further threshold.

    Args:
        summary: The output of [`rfm_summary`][crmkit.segmentation.rfm_summary].
        n_bins: Number of score levels, from 2 to 9.
        method: `"quantile"` (ranks) or `"fixed"` (your thresholds).
        thresholds: For `method="fixed"`: a mapping from `"recency"`,
            `"frequency"` and `"monetary"` to `n_bins - 1` increasing values.
        ties: `"average"` (default), `"first"` or `"dense"`.

    Returns:
        Scores per customer, their codes and the value range behind each score.

    Raises:
        InvalidInputError: If *n_bins* is out of range, an option is unknown,
            thresholds are missing, not increasing or of the wrong count, or
            given with the quantile method.

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.segmentation import rfm_summary, score_rfm
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "b", "c", "d", "e"], amount=[50.0, 20.0, 80.0, 10.0, 30.0],
        ...     at=np.array(["2025-01-30", "2025-01-20", "2025-01-10", "2024-12-01",
        ...                  "2024-11-01"], dtype="datetime64[us]"))
        >>> scores = score_rfm(rfm_summary(txns, as_of=date(2025, 1, 31)))
        >>> scores.code.tolist()
        ['534', '432', '335', '231', '133']
        >>> fixed = score_rfm(rfm_summary(txns, as_of=date(2025, 1, 31)), method="fixed",
        ...                   thresholds={"recency": [7, 30, 60, 90], "frequency": [2, 3, 5, 10],
        ...                               "monetary": [20, 40, 60, 80]})
        >>> fixed.r.tolist(), fixed.m.tolist()
        ([5, 4, 4, 2, 1], [3, 2, 5, 1, 2])
    """
    if not isinstance(summary, RfmSummary):
        v.fail_type("summary", "an RfmSummary", summary, hint="make one with rfm_summary()")
    bins = v.check_int("n_bins", n_bins, low=2, high=_MAX_BINS)
    v.check_choice("method", method, ("quantile", "fixed"))
    v.check_choice("ties", ties, ("average", "first", "dense"))
    values = {
        "recency": summary.recency_days,
        "frequency": summary.frequency,
        "monetary": summary.monetary,
    }
    if method == "fixed":
        cuts = _check_thresholds(thresholds, bins)
        scores = {
            name: _fixed_scores(values[name], cuts[name], bins, name) for name in _DIMENSIONS
        }
    else:
        if thresholds is not None:
            v.fail("thresholds", "None unless method='fixed'", thresholds)
        # Recency is reversed: fewer days since the last purchase is better.
        signed = {**values, "recency": -values["recency"]}
        scores = {name: _rank_scores(signed[name], bins, ties) for name in _DIMENSIONS}
    r, f, m = (scores[name] for name in _DIMENSIONS)
    return RfmScores(
        customer_id=summary.customer_id,
        r=r,
        f=f,
        m=m,
        code=_code_table(bins)[((r - 1) * bins + (f - 1)) * bins + (m - 1)],
        revenue=summary.revenue,
        n_bins=bins,
        method=method,
        ties=ties,
        breakpoints={name: _ranges(values[name], scores[name], bins) for name in _DIMENSIONS},
    )


def _rank_scores(values: NDArray[Any], n_bins: int, ties: Ties) -> NDArray[np.int64]:
    ranks = stats.rankdata(values, method=_RANK_METHODS[ties])
    # Dense ranks run over the distinct values only; the others over all customers.
    total = float(ranks.max()) if ties == "dense" else float(values.size)
    scores: NDArray[np.int64] = (np.floor((ranks - 0.5) / total * n_bins) + 1).astype(np.int64)
    return scores


def _fixed_scores(
    values: NDArray[Any], cuts: NDArray[np.float64], n_bins: int, name: str
) -> NDArray[np.int64]:
    if name == "recency":
        return (n_bins - np.searchsorted(cuts, values, side="left")).astype(np.int64)
    return (1 + np.searchsorted(cuts, values, side="right")).astype(np.int64)


def _check_thresholds(
    thresholds: Mapping[str, Sequence[float]] | None, n_bins: int
) -> dict[str, NDArray[np.float64]]:
    if thresholds is None:
        v.fail(
            "thresholds",
            "a mapping of recency, frequency and monetary thresholds",
            None,
            hint="method='fixed' scores by your thresholds",
        )
    if not isinstance(thresholds, Mapping):
        v.fail_type("thresholds", "a mapping from 'recency', 'frequency', 'monetary'", thresholds)
    if set(thresholds) != set(_DIMENSIONS):
        v.fail(
            "thresholds",
            "a mapping with exactly the keys 'recency', 'frequency', 'monetary'",
            sorted(map(str, thresholds)),
        )
    cuts = {}
    for name in _DIMENSIONS:
        argument = f"thresholds[{name!r}]"
        values = v.float_array(argument, thresholds[name])
        if values.size != n_bins - 1:
            v.fail(argument, f"{n_bins - 1} values (n_bins - 1)", v.described(f"{values.size}"))
        if np.any(np.diff(values) <= 0):
            v.fail(argument, "strictly increasing", values.tolist())
        cuts[name] = values
    return cuts


def _ranges(
    values: NDArray[Any], scores: NDArray[np.int64], n_bins: int
) -> tuple[tuple[float, float] | None, ...]:
    # One vectorised pass per score level (at most 9), not per customer.
    ranges: list[tuple[float, float] | None] = []
    for level in range(1, n_bins + 1):
        members = values[scores == level]
        ranges.append((float(members.min()), float(members.max())) if members.size else None)
    return tuple(ranges)


def _code_table(n_bins: int) -> NDArray[np.str_]:
    """Every code ("111" ... "555") at its flat index, for a lookup per customer."""
    levels = range(1, n_bins + 1)
    return np.array([f"{r}{f}{m}" for r in levels for f in levels for m in levels])
