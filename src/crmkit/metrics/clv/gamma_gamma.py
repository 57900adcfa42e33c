"""Gamma-Gamma: how much a customer spends per purchase.

Each purchase's value is Gamma(p, nu) around the customer's own mean p / nu,
and nu ~ Gamma(q, gamma) across customers. The model assumes spend does not
depend on how often a customer buys (check the correlation first). Only
customers with repeat purchases carry information; the others are skipped.

References:
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using
    iso-value curves for customer base analysis. Journal of Marketing Research 42(4).
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
    value. http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import special

from crmkit import _validation as v
from crmkit.metrics.clv import _base, _fitting
from crmkit.metrics.clv._base import FloatArray, ModelFit, Number
from crmkit.metrics.clv.simulation import resolve_params

__all__ = ["GammaGammaFit", "fit_gamma_gamma", "simulate_gamma_gamma"]

_PARAMETERS = ("p", "q", "gamma")


def _conditional_spend(p: Any, q: Any, gamma: Any, x: Any, m: Any) -> Any:
    """Posterior mean of p / nu: a weighted average of the population mean and m.

    It diverges where p x + q <= 1; parameter draws can land there, and the
    mean is then infinite, never the negative number the formula would give.
    """
    shape = p * x + q - 1
    return np.where(shape > 0, p * (gamma + x * m) / np.where(shape > 0, shape, 1.0), np.inf)


@frozen(kw_only=True, repr=False)
class GammaGammaFit(ModelFit):
    """A fitted (or given) Gamma-Gamma spend model.

    Attributes:
        p: Shape of each purchase's spend.
        q: Shape of the gamma distribution of the customers' rate nu.
        gamma: Scale of nu (in money units).
        log_likelihood: Total log-likelihood of the repeat buyers' mean spend.
        n: Repeat buyers fitted.
        n_iter: Optimiser iterations.
        covariance: Covariance of (p, q, gamma) from the inverse Hessian.

    Examples:
        >>> from crmkit.metrics.clv import GammaGammaFit
        >>> fit = GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> round(fit.mean_spend, 2)
        35.22
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = _PARAMETERS

    p: float = field()
    q: float = field()
    gamma: float = field()

    @classmethod
    def from_params(cls, *, p: float, q: float, gamma: float) -> GammaGammaFit:
        """A model from known parameters, to predict without fitting.

        Examples:
            >>> from crmkit.metrics.clv import GammaGammaFit
            >>> GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44)
            GammaGammaFit(p=6.25, q=3.74, gamma=15.44)
        """
        return cls(**_base.known_params(None, p=p, q=q, gamma=gamma))

    @property
    def mean_spend(self) -> float:
        """Expected spend per purchase of a customer without repeat purchases: p gamma / (q - 1).

        Raises:
            InvalidInputError: If q <= 1: the spend distribution then has no
                finite mean, so no expected spend exists.
        """
        self._require_finite_mean(np.zeros(()))
        return self.p * self.gamma / (self.q - 1)

    def conditional_expected_spend(
        self, *, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> Number:
        """Expected spend per purchase given each customer's repeat purchases and their mean.

        Examples:
            A customer with 5 repeat purchases averaging 20 is expected to spend
            a little more than 20, pulled towards the population mean:

            >>> from crmkit.metrics.clv import GammaGammaFit
            >>> fit = GammaGammaFit.from_params(p=6.25, q=3.74, gamma=15.44)
            >>> round(fit.conditional_expected_spend(frequency=5, monetary_value=20.0), 3)
            21.227
        """
        x, m = _spend_inputs(frequency, monetary_value)
        self._require_finite_mean(x)
        values = _conditional_spend(self.p, self.q, self.gamma, x, m)
        return _base.result(np.asarray(values, dtype=np.float64))

    def conditional_expected_spend_interval(
        self,
        *,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        confidence: float = 0.95,
        method: str = "delta",
        n_draws: int = 1000,
        seed: int | np.random.Generator | None = None,
    ) -> tuple[Number, Number]:
        """Interval for `conditional_expected_spend` from the parameters' uncertainty.

        See `BgNbdFit.expected_purchases_interval` for the two methods.

        Examples:
            >>> from crmkit.metrics.clv import fit_gamma_gamma, simulate_gamma_gamma
            >>> spend = simulate_gamma_gamma({"p": 6.0, "q": 4.0, "gamma": 15.0},
            ...                              frequency=[3] * 2000, seed=0)
            >>> fit = fit_gamma_gamma([3] * 2000, spend)
            >>> low, high = fit.conditional_expected_spend_interval(
            ...     frequency=3, monetary_value=30.0)
            >>> low < 30 < high
            True
        """
        x, m = _spend_inputs(frequency, monetary_value)
        self._require_finite_mean(x)
        return self._interval(
            lambda p: np.asarray(_conditional_spend(p["p"], p["q"], p["gamma"], x, m)),
            confidence=confidence,
            method=method,
            n_draws=n_draws,
            seed=seed,
        )

    def _spend_with(self, params: dict[str, Any], x: Any, m: Any) -> Any:
        return _conditional_spend(params["p"], params["q"], params["gamma"], x, m)

    def _require_finite_mean(self, x: FloatArray) -> None:
        undefined = self.p * x + self.q <= 1
        if np.any(undefined):
            hint = (
                "with q <= 1 the fitted spend distribution has no finite mean; "
                "check for extreme spend values or model spend differently"
            )
            v.fail(
                "q",
                f"greater than 1 - p * frequency for every customer "
                f"(here {1 - self.p * float(np.min(x)):.4g})",
                self.q,
                hint=hint,
            )


def _spend_inputs(
    frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    x = _base.numbers("frequency", frequency, whole=True)
    m = _base.numbers("monetary_value", monetary_value)
    _base.common_length(frequency=x, monetary_value=m)
    x_b, m_b = np.broadcast_arrays(x, m)
    bad = (x_b > 0) & (m_b <= 0)
    if bad.any():
        v.fail_rows(
            "monetary_value",
            "greater than 0 for customers with repeat purchases",
            np.atleast_1d(m_b),
            np.atleast_1d(bad),
        )
    return x, m


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    max_iter: int = 1000,
) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood.

    Customers without repeat purchases (frequency 0) carry no spend
    information and are skipped; `n` counts the repeat buyers used.

    Args:
        frequency: Repeat purchases per customer.
        monetary_value: Mean spend of each customer's repeat purchases.
        weights: How many customers each row stands for.
        max_iter: Iteration limit of the optimiser.

    Raises:
        InvalidInputError: If a repeat buyer's monetary value is <= 0, there
            are no repeat buyers, or lengths differ.
        ConvergenceError: If the optimiser fails.

    Examples:
        >>> from crmkit.metrics.clv import fit_gamma_gamma, simulate_gamma_gamma
        >>> import numpy as np
        >>> frequency = np.random.default_rng(0).integers(1, 10, size=20_000)
        >>> spend = simulate_gamma_gamma({"p": 6.0, "q": 4.0, "gamma": 15.0},
        ...                              frequency=frequency, seed=1)
        >>> fit = fit_gamma_gamma(frequency, spend)
        >>> round(fit.p), round(fit.q)
        (6, 4)
    """
    x, m = _spend_inputs(frequency, monetary_value)
    _base.one_dimensional_history(x, frequency)
    counts = _base.row_weights(weights, x.size) * (x > 0)
    if not counts.any():
        v.fail(
            "frequency",
            "above 0 for at least one customer (a repeat buyer)",
            v.described("no repeat buyers"),
        )
    v.check_int("max_iter", max_iter, low=1)
    (x, m), w = _fitting.compress([x, m], counts)
    log_x, log_m = np.log(x), np.log(m)

    def terms(theta: FloatArray) -> tuple[float, FloatArray]:
        p, q, gamma = np.exp(theta)
        px = p * x
        log_total = np.log(gamma + x * m)
        values = (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * np.log(gamma)
            + px * log_x
            + (px - 1) * log_m
            - (px + q) * log_total
        )
        psi_total = special.digamma(px + q)
        d_p = x * (psi_total - special.digamma(px) + log_x + log_m - log_total)
        d_q = psi_total - special.digamma(q) + np.log(gamma) - log_total
        d_gamma = q / gamma - (px + q) / (gamma + x * m)
        grads = np.array([np.dot(w, d) for d in (d_p, d_q, d_gamma)])
        scaled: FloatArray = grads * np.array([p, q, gamma])
        return float(np.dot(w, values)), scaled

    mean_m = float(np.average(m, weights=w))
    estimate = _fitting.maximise(
        "Gamma-Gamma",
        lambda theta: terms(theta)[0],
        (1.0, 2.0, mean_m),
        names=_PARAMETERS,
        n_customers=float(w.sum()),
        value_and_gradient=terms,
        max_iter=max_iter,
    )
    return GammaGammaFit(**_base.fitted_params(_PARAMETERS, estimate, int(w.sum()), None))


def simulate_gamma_gamma(
    fit_or_params: GammaGammaFit | dict[str, float],
    *,
    frequency: ArrayLike,
    seed: int | np.random.Generator | None = None,
) -> NDArray[np.float64]:
    """Draw each customer's mean spend over *frequency* purchases (0 where frequency is 0).

    Examples:
        >>> from crmkit.metrics.clv import simulate_gamma_gamma
        >>> spend = simulate_gamma_gamma({"p": 6.0, "q": 4.0, "gamma": 15.0},
        ...                              frequency=[0, 1, 5], seed=0)
        >>> float(spend[0]), bool((spend[1:] > 0).all())
        (0.0, True)
    """
    p, q, gamma = resolve_params(fit_or_params, GammaGammaFit, _PARAMETERS)
    x = v.integer_array("frequency", frequency, low=0)
    rng = v.random_generator("seed", seed)
    nu = rng.gamma(q, 1 / gamma, size=x.size)
    # The mean of x purchases Gamma(p, nu) is Gamma(p x, x nu).
    spend: NDArray[np.float64] = np.zeros(x.size)
    bought = x > 0
    spend[bought] = rng.gamma(p * x[bought], 1 / (x[bought] * nu[bought]))
    spend.setflags(write=False)
    return spend
