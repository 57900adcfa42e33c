"""Customer survival: Kaplan-Meier curves with censoring, and tenures from purchases.

Customers who are still active have not churned *yet*: their tenure is
censored, not complete. Kaplan-Meier counts them as at risk for as long as
they were observed and no longer, which a plain "share still active" cannot.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from crmkit import _frames, _groups
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.transactions import Transactions

__all__ = ["CustomerTenure", "KaplanMeierResult", "customer_tenure", "kaplan_meier"]


@frozen(kw_only=True, repr=False)
class KaplanMeierResult:
    """A Kaplan-Meier survival curve with its pointwise confidence band.

    The curve is a step function: `survival[j]` holds from `times[j]` until
    the next time.

    Attributes:
        times: Distinct observed times (events and censorings), ascending.
        survival: Estimated share surviving past each time.
        ci_low: Lower end of the pointwise interval (Greenwood variance,
            log-log transform).
        ci_high: Upper end of the interval.
        at_risk: Subjects still observed just before each time.
        events: Events (churns) at each time.
        confidence: Confidence level of the band.

    Examples:
        >>> from crmkit.metrics import kaplan_meier
        >>> km = kaplan_meier([1, 2, 2, 3, 4, 5, 5, 6], [1, 1, 0, 1, 0, 1, 1, 0])
        >>> km
        KaplanMeierResult(n=8, n_events=5, median=5.0)
        >>> km.survival.round(3).tolist()
        [0.875, 0.75, 0.6, 0.6, 0.2, 0.2]
    """

    times: NDArray[np.float64] = array_field()
    survival: NDArray[np.float64] = array_field()
    ci_low: NDArray[np.float64] = array_field()
    ci_high: NDArray[np.float64] = array_field()
    at_risk: NDArray[np.int64] = array_field()
    events: NDArray[np.int64] = array_field()
    confidence: float = field()

    def __repr__(self) -> str:
        return (
            f"KaplanMeierResult(n={int(self.at_risk[0])}, n_events={int(self.events.sum())}, "
            f"median={self.median})"
        )

    @property
    def median(self) -> float | None:
        """First time at which survival is at or below one half; None if never reached."""
        reached = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[reached[0]]) if reached.size else None

    def survival_at(self, times: ArrayLike) -> NDArray[np.float64]:
        """Survival at any times (1 before the first event time).

        Examples:
            >>> from crmkit.metrics import kaplan_meier
            >>> km = kaplan_meier([1, 2, 2, 3, 4, 5, 5, 6], [1, 1, 0, 1, 0, 1, 1, 0])
            >>> km.survival_at([0, 2.5, 10]).tolist()
            [1.0, 0.75, 0.2]
        """
        when = v.float_array("times", times, allow_empty=True)
        steps = np.searchsorted(self.times, when, side="right")
        curve = np.concatenate(([1.0], self.survival))
        result: NDArray[np.float64] = curve[steps]
        result.setflags(write=False)
        return result

    def restricted_mean(self, horizon: float | None = None) -> float:
        """Mean survival time up to *horizon* (the area under the curve up to it).

        The default horizon is the last observed time.

        Examples:
            >>> from crmkit.metrics import kaplan_meier
            >>> kaplan_meier([2, 4], [1, 1]).restricted_mean()   # 1*2 + 0.5*2
            3.0
        """
        end = (
            float(self.times[-1])
            if horizon is None
            else v.check_float("horizon", horizon, low=0.0)
        )
        edges = np.concatenate(([0.0], self.times[self.times < end], [end]))
        levels = np.concatenate(([1.0], self.survival[self.times < end]))
        return float(np.sum(np.diff(edges) * levels))

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `time, survival, ci_low, ci_high, at_risk, events`.

        Examples:
            >>> from crmkit.metrics import kaplan_meier
            >>> kaplan_meier([1, 2], [1, 0]).to_frame().shape
            (2, 6)
        """
        columns = {
            "time": self.times,
            "survival": self.survival,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "at_risk": self.at_risk,
            "events": self.events,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def kaplan_meier(
    durations: ArrayLike, observed: ArrayLike, *, confidence: float = 0.95
) -> KaplanMeierResult:
    """Estimate the survival curve of durations, some of them censored.

    Uses `scipy.stats.ecdf` on censored data for the curve and its Greenwood
    log-log interval. Where the curve reaches 0 the interval is [0, 0].

    Args:
        durations: Time each subject was observed (tenure in days, say),
            finite and non-negative.
        observed: True (or 1) where the event happened (the customer churned),
            False (0) where the subject was still active when observation
            ended (censored).
        confidence: Confidence level of the band.

    Raises:
        InvalidInputError: If the arrays are empty or of different lengths, a
            duration is negative or non-finite, or *observed* is not 0/1.

    Examples:
        >>> from crmkit.metrics import kaplan_meier
        >>> km = kaplan_meier([1, 2, 2, 3, 4, 5, 5, 6], [1, 1, 0, 1, 0, 1, 1, 0])
        >>> km.at_risk.tolist(), km.events.tolist()
        ([8, 7, 5, 4, 3, 1], [1, 1, 1, 0, 2, 0])

    References:
        Kaplan & Meier (1958), "Nonparametric Estimation from Incomplete
        Observations", JASA 53(282). Greenwood (1926), "The natural duration
        of cancer", Reports on Public Health and Medical Subjects 33, HMSO.
    """
    time = v.float_array("durations", durations, low=0.0)
    flags = v.one_dimensional("observed", observed)
    flags = flags.astype(np.int64) if flags.dtype == bool else flags
    event = v.integer_array("observed", flags, low=0, high=1)
    v.same_length(durations=time, observed=event)
    level = v.check_open_interval("confidence", confidence, 0.0, 1.0)
    died = event.astype(bool)
    times, inverse = np.unique(time, return_inverse=True)
    events = np.bincount(inverse, weights=died, minlength=times.size).astype(np.int64)
    leaving = np.bincount(inverse, minlength=times.size)
    at_risk = time.size - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    if not died.any():  # no event at all: the curve stays at 1
        ones = np.ones(times.size)
        return KaplanMeierResult(
            times=times,
            survival=ones,
            ci_low=ones,
            ci_high=ones.copy(),
            at_risk=at_risk,
            events=events,
            confidence=level,
        )
    data = stats.CensoredData(uncensored=time[died], right=time[~died])
    curve = stats.ecdf(data).sf
    survival = curve.evaluate(times)
    with warnings.catch_warnings():
        # scipy warns where the log-log band is undefined (survival 0 or 1); those
        # points get the degenerate band below instead.
        warnings.simplefilter("ignore", RuntimeWarning)
        # scipy-stubs type the band's ends as floats; they are step functions.
        band: Any = curve.confidence_interval(confidence_level=level, method="log-log")
        low, high = band.low.evaluate(times), band.high.evaluate(times)
    undefined = ~np.isfinite(low) | ~np.isfinite(high)
    low = np.where(undefined, survival, low)
    high = np.where(undefined, survival, high)
    return KaplanMeierResult(
        times=times,
        survival=survival,
        ci_low=np.clip(low, 0.0, 1.0),
        ci_high=np.clip(high, 0.0, 1.0),
        at_risk=at_risk.astype(np.int64),
        events=events,
        confidence=level,
    )


@frozen(kw_only=True, repr=False)
class CustomerTenure:
    """Each customer's tenure in days, and whether it ended in churn (else censored).

    Attributes:
        customer_id: The customer ids.
        duration_days: First purchase to last purchase for churned customers;
            first purchase to `as_of` for active (censored) ones.
        is_churned: Whether the customer counts as churned.
        churn_after_days: Days without a purchase after which a customer
            counts as churned.
        as_of: The instant described (UTC).

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.metrics import customer_tenure
        >>> t = customer_tenure(load_sample().transactions, as_of=date(2025, 1, 1),
        ...                     churn_after_days=180)
        >>> t
        CustomerTenure(n_customers=5000, n_churned=1992, churn_after_days=180)
    """

    customer_id: NDArray[Any] = array_field()
    duration_days: NDArray[np.float64] = array_field()
    is_churned: NDArray[np.bool_] = array_field()
    churn_after_days: int = field()
    as_of: datetime = field()

    def __repr__(self) -> str:
        return (
            f"CustomerTenure(n_customers={self.customer_id.size}, "
            f"n_churned={int(self.is_churned.sum())}, churn_after_days={self.churn_after_days})"
        )

    def kaplan_meier(self, *, confidence: float = 0.95) -> KaplanMeierResult:
        """The Kaplan-Meier curve of these tenures.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics import customer_tenure
            >>> t = customer_tenure(load_sample().transactions, as_of=date(2025, 1, 1),
            ...                     churn_after_days=180)
            >>> round(float(t.kaplan_meier().survival_at([365])[0]), 3)
            0.54
        """
        return kaplan_meier(self.duration_days, self.is_churned, confidence=confidence)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `customer_id, duration_days, is_churned`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.metrics import customer_tenure
            >>> customer_tenure(load_sample().transactions, as_of=date(2025, 1, 1),
            ...                 churn_after_days=180).to_frame().shape
            (5000, 3)
        """
        columns = {
            "customer_id": self.customer_id,
            "duration_days": self.duration_days,
            "is_churned": self.is_churned,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def customer_tenure(
    transactions: Transactions, *, as_of: date | datetime, churn_after_days: int
) -> CustomerTenure:
    """Tenures and churn flags from purchases, ready for survival analysis.

    A customer has churned if their last purchase is at least
    `churn_after_days` before `as_of`; their tenure ended at that last
    purchase. Everyone else is still active: their tenure runs to `as_of` and
    is censored. Purchases after `as_of` are ignored.

    Args:
        transactions: The purchases.
        as_of: An aware datetime, or a date meaning the end of that day (UTC).
        churn_after_days: Days of silence that count as churn, at least 1.

    Raises:
        InvalidInputError: If there are no transactions on or before `as_of`.

    Examples:
        "a" bought on 1 Jan and 1 Feb, "b" on 1 Jan and 1 Dec; as of 31 Dec
        with a 180-day rule, "a" churned after 31 days and "b" is active after 365
        (2024 is a leap year):

        >>> import numpy as np
        >>> from datetime import date
        >>> from crmkit import Transactions
        >>> from crmkit.metrics import customer_tenure
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["a", "a", "b", "b"], amount=[1.0] * 4,
        ...     at=np.array(["2024-01-01", "2024-02-01", "2024-01-01", "2024-12-01"],
        ...                 dtype="datetime64[us]"))
        >>> t = customer_tenure(txns, as_of=date(2024, 12, 31), churn_after_days=180)
        >>> t.duration_days.tolist(), t.is_churned.tolist()
        ([31.0, 365.0], [True, False])
    """
    txns = _groups.check_transactions(transactions)
    days = v.check_int("churn_after_days", churn_after_days, low=1)
    rows = _groups.customer_rows(txns, v.as_of_instant(as_of))
    silent = _groups.whole_days(rows.instant - rows.last)
    churned = silent >= days
    end = np.where(churned, rows.last, rows.instant)
    return CustomerTenure(
        customer_id=rows.customer_id,
        duration_days=_groups.whole_days(end - rows.first).astype(np.float64),
        is_churned=churned,
        churn_after_days=days,
        as_of=rows.moment,
    )
