"""What the continuous-time transaction models share: their predictions (private).

BG/NBD, MBG/NBD and Pareto/NBD answer the same questions about a customer
with history (frequency, recency, T); each model supplies its formulas through
four hooks that take the parameters as a mapping (scalars, or columns of
parameter draws for intervals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import ArrayLike

from crmkit.metrics.clv import _base
from crmkit.metrics.clv._base import FloatArray, ModelFit, Number


@frozen(kw_only=True, repr=False)
class ContinuousFit(ModelFit):
    """Predictions of a continuous-time transaction model from its four formulas."""

    def _alive(self, p: Mapping[str, Any], x: Any, t_x: Any, T: Any) -> Any:
        raise NotImplementedError

    def _expected_with(self, p: Mapping[str, Any], x: Any, t_x: Any, T: Any, t: Any) -> Any:
        """Conditional expected purchases under parameters *p* (scalars or draws)."""
        raise NotImplementedError

    def _expected_new(self, p: Mapping[str, Any], t: Any) -> Any:
        raise NotImplementedError

    def _pmf(self, p: Mapping[str, Any], n: Any, t: Any) -> Any:
        raise NotImplementedError

    def probability_alive(
        self,
        *,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> Number:
        """Probability that each customer is still alive at the end of their window T.

        Examples:
            >>> from crmkit.metrics.clv import BgNbdFit
            >>> fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> round(fit.probability_alive(frequency=2, recency=30.43, T=38.86), 4)
            0.7266
        """
        x, t_x, t = _base.customers(frequency, recency, T)
        return _base.result(np.asarray(self._alive(self.params, x, t_x, t), dtype=np.float64))

    def expected_purchases(
        self,
        t: ArrayLike,
        *,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> Number:
        """Expected purchases in the next *t* periods, given each customer's history.

        Examples:
            The worked example of Fader, Hardie & Lee (2005), in weeks:

            >>> from crmkit.metrics.clv import BgNbdFit
            >>> fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> round(fit.expected_purchases(39, frequency=2, recency=30.43, T=38.86), 3)
            1.226
        """
        horizon = _base.numbers("t", t)
        x, t_x, t_obs = _base.customers(frequency, recency, T)
        _base.common_length(t=horizon, frequency=x)
        values = self._expected_with(self.params, x, t_x, t_obs, horizon)
        return _base.result(np.asarray(values, dtype=np.float64))

    def expected_purchases_new_customer(self, t: ArrayLike) -> Number:
        """Expected repeat purchases of a customer just acquired, within *t* periods.

        Examples:
            >>> from crmkit.metrics.clv import BgNbdFit
            >>> fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> round(fit.expected_purchases_new_customer(39), 4)
            1.1967
        """
        horizon = _base.numbers("t", t)
        values = self._expected_new(self.params, horizon)
        return _base.result(np.asarray(values, dtype=np.float64))

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> Number:
        """Probability that a new customer makes exactly *n* repeat purchases within *t* periods.

        Examples:
            >>> from crmkit.metrics.clv import BgNbdFit
            >>> fit = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
            >>> round(fit.probability_of_purchases(0, 39), 4)
            0.5738
        """
        counts = _base.numbers("n", n, whole=True)
        horizon = _base.numbers("t", t)
        _base.common_length(n=counts, t=horizon)
        values = self._pmf(self.params, counts, horizon)
        return _base.result(np.asarray(values, dtype=np.float64))

    def expected_purchases_interval(
        self,
        t: ArrayLike,
        *,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        confidence: float = 0.95,
        method: str = "delta",
        n_draws: int = 1000,
        seed: int | np.random.Generator | None = None,
    ) -> tuple[Number, Number]:
        """Interval for `expected_purchases` from the parameters' uncertainty.

        `method="delta"` (the default) propagates the parameter covariance
        through the prediction (the delta method, symmetric on the log scale);
        `method="bootstrap"` draws *n_draws* parameter sets from the fit's
        asymptotic normal (on the log scale, seeded by *seed*) and takes the
        central *confidence* share of the predictions. Either way the interval
        describes the expected value, not the purchases one customer will make.

        Examples:
            >>> from crmkit.datasets import simulate_transactions
            >>> from crmkit.metrics.clv import fit_bg_nbd, simulate_bg_nbd
            >>> sample = simulate_bg_nbd({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5},
            ...                          n_customers=5000, T=52, seed=1)
            >>> fit = fit_bg_nbd(sample.frequency, sample.recency, sample.T)
            >>> low, high = fit.expected_purchases_interval(
            ...     52, frequency=[0, 5], recency=[0, 40], T=[52, 52], seed=7)
            >>> bool((low < high).all())
            True
        """
        horizon = _base.numbers("t", t)
        x, t_x, t_obs = _base.customers(frequency, recency, T)
        _base.common_length(t=horizon, frequency=x)

        def predict(p: dict[str, Any]) -> FloatArray:
            return np.asarray(self._expected_with(p, x, t_x, t_obs, horizon), dtype=np.float64)

        return self._interval(
            predict, confidence=confidence, method=method, n_draws=n_draws, seed=seed
        )
