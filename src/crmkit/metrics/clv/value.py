"""Customer lifetime value from a transaction model and a spend model, in explicit units.

CLV here is the discounted margin of each customer's expected future purchases
over a horizon: margin x expected spend per purchase x the expected purchases
of each period, discounted to today. Units are never assumed: a horizon given
as a number is in the fit's periods (and the discount rate is per period); a
horizon given as a `timedelta` comes with an *annual* discount rate, and the
fit must know its period (`fit_<model>(..., period=summary.period_days)`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field, optional_array_field
from crmkit._frames import Backend
from crmkit.metrics.clv import _base, bg_bb
from crmkit.metrics.clv._base import FloatArray, ModelFit
from crmkit.metrics.clv.bg_bb import BgBbFit
from crmkit.metrics.clv.bg_nbd import BgNbdFit, ModifiedBgNbdFit
from crmkit.metrics.clv.gamma_gamma import GammaGammaFit
from crmkit.metrics.clv.pareto_nbd import ParetoNbdFit

__all__ = ["ClvResult", "TransactionFit", "customer_lifetime_value"]

TransactionFit = BgNbdFit | ModifiedBgNbdFit | ParetoNbdFit | BgBbFit
"""The transaction models CLV can build on."""

_TRANSACTION_FITS = (BgNbdFit, ModifiedBgNbdFit, ParetoNbdFit, BgBbFit)
_DAYS_PER_YEAR = 365.25


@frozen(kw_only=True, repr=False)
class ClvResult:
    """Customer lifetime values, with their interval when one was asked for.

    Attributes:
        value: Discounted margin of each customer's expected purchases.
        low: Lower end of the interval (parameter uncertainty), if asked for.
        high: Upper end of the interval, if asked for.
        horizon: The horizon, in the fit's periods.
        discount_rate: The discount rate per period.
        margin: The margin applied to spend.
        confidence: Level of the interval, if any.

    Examples:
        >>> from crmkit.metrics.clv import BgNbdFit, GammaGammaFit, customer_lifetime_value
        >>> clv = customer_lifetime_value(
        ...     BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
        ...     GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44),
        ...     frequency=[0, 2], recency=[0, 30.43], T=[38.86, 38.86],
        ...     monetary_value=[0.0, 30.0], horizon=52, discount_rate=0.0)
        >>> clv
        ClvResult(n_customers=2, horizon=52.0, discount_rate=0.0, margin=1.0)
    """

    value: FloatArray = array_field()
    low: FloatArray | None = optional_array_field()
    high: FloatArray | None = optional_array_field()
    horizon: float = field()
    discount_rate: float = field()
    margin: float = field()
    confidence: float | None = field(default=None)

    def to_frame(
        self, *, customer_id: ArrayLike | None = None, backend: Backend = "pandas"
    ) -> Any:
        """One row per customer: `customer_id` (if given), `clv`, and `clv_low`, `clv_high`.

        Args:
            customer_id: Ids in the order of the customers valued, e.g. a
                summary's `customer_id`.
            backend: `"pandas"`, `"polars"` or `"pyarrow"`.

        Examples:
            >>> from crmkit.metrics.clv import BgNbdFit, GammaGammaFit, customer_lifetime_value
            >>> clv = customer_lifetime_value(
            ...     BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
            ...     GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44),
            ...     frequency=[0, 2], recency=[0, 30.43], T=[38.86, 38.86],
            ...     monetary_value=[0.0, 30.0], horizon=52, discount_rate=0.0)
            >>> clv.to_frame(customer_id=["a", "b"]).columns.tolist()
            ['customer_id', 'clv']
        """
        columns: dict[str, NDArray[Any]] = {}
        if customer_id is not None:
            ids = v.one_dimensional("customer_id", customer_id)
            if ids.size != self.value.size:
                allowed = f"one id per customer valued ({self.value.size})"
                v.fail("customer_id", allowed, v.described(f"{ids.size} ids"))
            columns["customer_id"] = ids
        columns["clv"] = self.value
        if self.low is not None and self.high is not None:
            columns["clv_low"] = self.low
            columns["clv_high"] = self.high
        return _frames.frame_from_columns(columns, backend=backend)

    def __repr__(self) -> str:
        return (
            f"ClvResult(n_customers={self.value.size}, horizon={round(self.horizon, 6)}, "
            f"discount_rate={round(self.discount_rate, 8)}, margin={self.margin})"
        )


def customer_lifetime_value(
    transaction_fit: TransactionFit,
    spend_fit: GammaGammaFit,
    *,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    horizon: float | timedelta,
    discount_rate: float,
    margin: float = 1.0,
    confidence: float | None = None,
    method: str = "delta",
    n_draws: int = 1000,
    seed: int | np.random.Generator | None = None,
) -> ClvResult:
    """Discounted value of each customer's expected purchases over a horizon.

    Purchases are counted period by period (the last one possibly partial):
    the expected purchases of period k, times the expected spend per purchase
    (Gamma-Gamma, given the customer's history), times *margin*, discounted
    by (1 + d)^k.

    Args:
        transaction_fit: A BG/NBD, MBG/NBD, Pareto/NBD or BG/BB fit (BG/BB
            takes its `n_periods` as *T* and whole-period horizons).
        spend_fit: A Gamma-Gamma fit.
        frequency: Repeat purchases of each customer.
        recency: Time of each customer's last purchase, in periods.
        T: Each customer's observed time, in periods.
        monetary_value: Mean spend of each customer's repeat purchases.
        horizon: A number of periods, or a `timedelta` (then *discount_rate*
            is annual and the fit must know its period).
        discount_rate: Per period (numeric horizon) or per year (timedelta).
        margin: Share of spend that is profit, in (0, 1].
        confidence: If given, add an interval at this level from both fits'
            parameter covariances.
        method: `"delta"` (default) or `"bootstrap"` (seeded draws; slower).
        n_draws: Parameter draws of the bootstrap.
        seed: Seed of the bootstrap.

    Raises:
        InvalidInputError: If the history is inconsistent, the horizon or
            rates are out of range, the horizon is a timedelta but the fit's
            period is unknown, or an interval is asked of fits without
            covariance.
        InvalidTypeError: If a fit is of the wrong kind.

    Examples:
        Weekly fits (Fader, Hardie & Lee 2005), one year ahead at 10% a year:

        >>> from datetime import timedelta
        >>> from crmkit.metrics.clv import BgNbdFit, GammaGammaFit, customer_lifetime_value
        >>> clv = customer_lifetime_value(
        ...     BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W"),
        ...     GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44),
        ...     frequency=[2], recency=[30.43], T=[38.86], monetary_value=[30.0],
        ...     horizon=timedelta(days=364), discount_rate=0.10, margin=0.3)
        >>> clv.value.round(2).tolist(), round(clv.horizon, 6)
        ([13.84], 52.0)
    """
    if not isinstance(transaction_fit, _TRANSACTION_FITS):
        v.fail_type(
            "transaction_fit",
            "a BgNbdFit, ModifiedBgNbdFit, ParetoNbdFit or BgBbFit",
            transaction_fit,
        )
    if not isinstance(spend_fit, GammaGammaFit):
        v.fail_type("spend_fit", "a GammaGammaFit", spend_fit)
    v.check_choice("method", method, _base.INTERVAL_METHODS)
    draws = v.check_int("n_draws", n_draws, low=10)
    rng = v.random_generator("seed", seed)
    if isinstance(transaction_fit, BgBbFit):
        x, t_x, t_obs = bg_bb._check_history(frequency, recency, T, periods_argument="T")
    else:
        x, t_x, t_obs = _base.customers(frequency, recency, T)
    spend_x, m = _spend_history(x, monetary_value)
    spend_fit._require_finite_mean(spend_x)
    periods, rate = _units(transaction_fit, horizon, discount_rate)
    share = v.check_float("margin", margin, low=0.0, high=1.0, low_open=True)
    steps = _steps(periods, integer=isinstance(transaction_fit, BgBbFit))
    discount = (1 + rate) ** -steps

    def clv(purchase: dict[str, Any], spend: dict[str, Any]) -> FloatArray:
        cumulative = [np.zeros(np.broadcast(x, t_obs).shape)]
        cumulative += [
            transaction_fit._expected_with(purchase, x, t_x, t_obs, step) for step in steps
        ]
        per_period = np.diff(np.stack(cumulative), axis=0)
        value = (
            share
            * spend_fit._spend_with(spend, spend_x, m)
            * np.tensordot(discount, per_period, axes=1)
        )
        return np.asarray(value, dtype=np.float64)

    value = clv(dict(transaction_fit.params), dict(spend_fit.params))
    low = high = None
    level = None
    if confidence is not None:
        level = v.check_open_interval("confidence", confidence, 0.0, 1.0)
        low, high = _interval(clv, transaction_fit, spend_fit, level, method, draws, rng)
    return ClvResult(
        value=np.atleast_1d(value),
        low=low,
        high=high,
        horizon=periods,
        discount_rate=rate,
        margin=share,
        confidence=level,
    )


def _spend_history(x: FloatArray, monetary_value: ArrayLike) -> tuple[FloatArray, FloatArray]:
    m = _base.numbers("monetary_value", monetary_value)
    _base.common_length(frequency=x, monetary_value=m)
    x_b, m_b = np.broadcast_arrays(x, m)
    _base.refuse(
        "monetary_value",
        "greater than 0 for customers with repeat purchases",
        m_b,
        (x_b > 0) & (m_b <= 0),
    )
    return x, m


def _units(fit: ModelFit, horizon: Any, discount_rate: Any) -> tuple[float, float]:
    """The horizon in the fit's periods and the discount rate per period."""
    if isinstance(horizon, timedelta):
        if fit.period_days is None:
            v.fail(
                "horizon",
                "a number of periods, as the fit's period is unknown",
                horizon,
                hint="fit with period=summary.period_days, or give the horizon in periods",
            )
        days = horizon.total_seconds() / 86_400
        if days <= 0:
            v.fail("horizon", "a positive duration", horizon)
        annual = v.check_float("discount_rate", discount_rate, low=0.0, high=10.0)
        per_period = (1 + annual) ** (fit.period_days / _DAYS_PER_YEAR) - 1
        return days / fit.period_days, per_period
    periods = v.check_float("horizon", horizon, low=0.0, low_open=True)
    rate = v.check_float("discount_rate", discount_rate, low=0.0, high=10.0)
    return periods, rate


def _steps(periods: float, *, integer: bool) -> FloatArray:
    if integer and periods != math.floor(periods):
        v.fail("horizon", "a whole number of opportunities for a BG/BB fit", periods)
    count = math.ceil(periods)
    steps = np.minimum(np.arange(1, count + 1, dtype=np.float64), periods)
    return steps


def _interval(
    clv: Any,
    transaction_fit: ModelFit,
    spend_fit: GammaGammaFit,
    level: float,
    method: str,
    draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    n_purchase = len(transaction_fit.PARAMETERS)
    covariances = [transaction_fit._log_covariance(), spend_fit._log_covariance()]
    if method == "bootstrap":
        values = np.stack(
            [
                clv(*_split(transaction_fit, spend_fit, theta, n_purchase))
                for theta in rng.multivariate_normal(
                    np.concatenate([transaction_fit._log_values(), spend_fit._log_values()]),
                    linalg.block_diag(*covariances),
                    size=draws,
                )
            ]
        )
        tail = (1 - level) / 2 * 100
        low, high = np.percentile(values, [tail, 100 - tail], axis=0, method="nearest")
        return np.atleast_1d(low), np.atleast_1d(high)
    theta = np.concatenate([transaction_fit._log_values(), spend_fit._log_values()])
    low, high = _base.delta_interval(
        lambda t: clv(*_split(transaction_fit, spend_fit, t, n_purchase)),
        theta,
        linalg.block_diag(*covariances),
        level,
    )
    return np.atleast_1d(low), np.atleast_1d(high)


def _split(
    transaction_fit: ModelFit, spend_fit: ModelFit, theta: FloatArray, n_purchase: int
) -> tuple[dict[str, float], dict[str, float]]:
    values = np.exp(theta)
    purchase = dict(zip(transaction_fit.PARAMETERS, values[:n_purchase], strict=True))
    spend = dict(zip(spend_fit.PARAMETERS, values[n_purchase:], strict=True))
    return purchase, spend
