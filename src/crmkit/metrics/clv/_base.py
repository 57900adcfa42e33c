"""What every fitted CLV model shares: diagnostics, standard errors, intervals (private)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from crmkit import _validation as v
from crmkit.metrics.clv.summary import period_days

FloatArray = NDArray[np.float64]
Number = float | FloatArray


@frozen(kw_only=True)
class ModelFit:
    """Diagnostics and parameter uncertainty shared by every `<Model>Fit`.

    A fit made by `fit_<model>` carries its log-likelihood, the number of
    customers, iterations and the parameter covariance; one made by
    `from_params` has only its parameters (and no standard errors).
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = ()

    log_likelihood: float | None = field(default=None)
    n: int = field(default=0)
    n_iter: int = field(default=0)
    covariance: tuple[tuple[float, ...], ...] | None = field(default=None, repr=False)
    period_days: float | None = field(default=None)

    def __attrs_post_init__(self) -> None:
        # Fits also arrive from JSON (crmkit.io), where no from_params checked them.
        for name in self.PARAMETERS:
            positive(name, getattr(self, name))
        if self.log_likelihood is not None:
            v.check_float("log_likelihood", self.log_likelihood)
        v.check_int("n", self.n, low=0)
        if self.period_days is not None:
            positive("period_days", self.period_days)
        size = len(self.PARAMETERS)
        if self.covariance is not None and (
            len(self.covariance) != size or any(len(row) != size for row in self.covariance)
        ):
            v.fail("covariance", f"a {size} x {size} matrix", self.covariance)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value:.4g}" for name, value in self.params.items())
        if self.log_likelihood is None:
            return f"{type(self).__name__}({shown})"
        return (
            f"{type(self).__name__}({shown}, n={self.n}, log_likelihood={self.log_likelihood:.6g})"
        )

    @property
    def params(self) -> Mapping[str, float]:
        """The parameters by name, in the model's order."""
        return MappingProxyType({name: float(getattr(self, name)) for name in self.PARAMETERS})

    @property
    def converged(self) -> bool:
        """True for a fit whose optimiser converged (failed fits raise instead)."""
        return self.log_likelihood is not None

    @property
    def standard_errors(self) -> Mapping[str, float] | None:
        """Standard error of each parameter, from the inverse Hessian; None if unknown."""
        if self.covariance is None:
            return None
        return MappingProxyType(
            {name: math.sqrt(self.covariance[i][i]) for i, name in enumerate(self.PARAMETERS)}
        )

    @property
    def aic(self) -> float | None:
        """Akaike information criterion, 2k - 2 log L (lower is better)."""
        if self.log_likelihood is None:
            return None
        return 2 * len(self.PARAMETERS) - 2 * self.log_likelihood

    @property
    def bic(self) -> float | None:
        """Bayesian information criterion, k ln n - 2 log L (lower is better)."""
        if self.log_likelihood is None or self.n < 1:
            return None
        return len(self.PARAMETERS) * math.log(self.n) - 2 * self.log_likelihood

    def parameter_intervals(self, confidence: float = 0.95) -> Mapping[str, tuple[float, float]]:
        """Confidence interval of each parameter, symmetric on the log scale.

        The interval is p / k .. p * k with k = exp(z SE(p) / p) (the delta
        method on the log scale), so it never crosses zero.

        Examples:
            >>> from crmkit.metrics.clv import fit_shifted_beta_geometric
            >>> fit = fit_shifted_beta_geometric([1000, 869, 743, 653, 593, 551, 517, 491])
            >>> low, high = fit.parameter_intervals(0.95)["alpha"]
            >>> bool(low < fit.alpha < high)
            True
        """
        errors = self._require_errors()
        level = v.check_open_interval("confidence", confidence, 0.0, 1.0)
        z = float(stats.norm.ppf(0.5 + level / 2))
        intervals = {}
        for name, value in self.params.items():
            spread = math.exp(z * errors[name] / value)
            intervals[name] = (value / spread, value * spread)
        return MappingProxyType(intervals)

    def _require_errors(self) -> Mapping[str, float]:
        errors = self.standard_errors
        if errors is None:
            reason = (
                "made from known parameters"
                if self.log_likelihood is None
                else "fitted, but its Hessian was not invertible"
            )
            v.fail(
                "fit",
                "a fit with a parameter covariance (from fit_<model>)",
                v.described(f"a {type(self).__name__} {reason}"),
            )
        return errors

    def _parameter_draws(self, n_draws: int, seed: Any) -> dict[str, FloatArray]:
        """Parameter sets drawn from the fit's asymptotic normal on the log scale.

        Each value has shape (n_draws, 1), so it broadcasts against customers.
        """
        rng = v.random_generator("seed", seed)
        draws = np.exp(
            rng.multivariate_normal(self._log_values(), self._log_covariance(), size=n_draws)
        )
        return {name: draws[:, [i]] for i, name in enumerate(self.PARAMETERS)}

    def _log_values(self) -> FloatArray:
        values: FloatArray = np.log(np.array(list(self.params.values()), dtype=np.float64))
        return values

    def _log_covariance(self) -> FloatArray:
        self._require_errors()
        values = np.array(list(self.params.values()))
        return np.asarray(self.covariance) / np.outer(values, values)

    def _interval(
        self,
        predict: Callable[[dict[str, Any]], FloatArray],
        *,
        confidence: float,
        method: str,
        n_draws: int,
        seed: Any,
    ) -> tuple[Number, Number]:
        """Interval of a positive prediction from the parameter uncertainty."""
        level = v.check_open_interval("confidence", confidence, 0.0, 1.0)
        v.check_choice("method", method, INTERVAL_METHODS)
        draws = v.check_int("n_draws", n_draws, low=10)
        rng = v.random_generator("seed", seed)
        self._require_errors()
        if method == "bootstrap":
            predictions = predict(self._parameter_draws(draws, rng))
            tail = (1 - level) / 2 * 100
            low, high = np.percentile(predictions, [tail, 100 - tail], axis=0, method="nearest")
        else:
            low, high = delta_interval(
                lambda theta: predict(dict(zip(self.PARAMETERS, np.exp(theta), strict=True))),
                self._log_values(),
                self._log_covariance(),
                level,
            )
        return result(np.asarray(low, dtype=np.float64)), result(
            np.asarray(high, dtype=np.float64)
        )


INTERVAL_METHODS = ("delta", "bootstrap")


def delta_interval(
    predict: Callable[[FloatArray], FloatArray],
    theta: FloatArray,
    covariance: FloatArray,
    level: float,
) -> tuple[FloatArray, FloatArray]:
    """Delta-method interval of a positive prediction, symmetric on the log scale.

    *predict* maps log-parameters to predictions; *covariance* is theirs.
    """
    center = np.asarray(predict(theta), dtype=np.float64)
    flat: Any = lambda point: np.ravel(predict(point))  # noqa: E731 (scipy's stubs want a scalar)
    jacobian = np.asarray(optimize.approx_fprime(theta, flat, _DELTA_STEP)).reshape(
        center.size, theta.size
    )
    variance = np.einsum("ij,jk,ik->i", jacobian, covariance, jacobian).reshape(center.shape)
    z = float(stats.norm.ppf(0.5 + level / 2))
    safe = np.where(center > 0, center, 1.0)
    spread = np.exp(z * np.sqrt(np.maximum(variance, 0.0)) / safe)
    return np.where(center > 0, center / spread, 0.0), np.where(center > 0, center * spread, 0.0)


_DELTA_STEP = 1e-6


def positive(argument: str, value: Any) -> float:
    """A finite, strictly positive model parameter."""
    return v.check_float(argument, value, low=0.0, low_open=True)


def numbers(
    argument: str,
    values: ArrayLike,
    *,
    low: float = 0.0,
    low_open: bool = False,
    whole: bool = False,
) -> FloatArray:
    """A scalar or 1-d array of finite numbers at or above *low* (whole numbers if asked)."""
    if np.ndim(values) == 0 and not isinstance(values, (str, bytes)):
        wrapped = numbers(argument, np.asarray([values]), low=low, low_open=low_open, whole=whole)
        return wrapped.reshape(())
    if whole:
        return v.integer_array(argument, values, low=int(low)).astype(np.float64)
    return v.float_array(argument, values, low=low, low_open=low_open)


def common_length(**arrays: FloatArray) -> None:
    """Refuse 1-d arrays of different lengths (scalars go with anything)."""
    sized = {name: array for name, array in arrays.items() if array.ndim == 1}
    if sized:
        v.same_length(**sized)


def customers(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check frequency / recency / T of continuous-time models together."""
    x = numbers("frequency", frequency, whole=True)
    t_x = numbers("recency", recency)
    t = numbers("T", T, low_open=True)
    common_length(frequency=x, recency=t_x, T=t)
    x_b, t_x_b, t_b = np.broadcast_arrays(x, t_x, t)
    refuse("recency", "at most T", t_x_b, t_x_b > t_b)
    refuse("recency", "greater than 0 when frequency > 0", t_x_b, (x_b > 0) & (t_x_b == 0))
    refuse("recency", "0 when frequency is 0", t_x_b, (x_b == 0) & (t_x_b > 0))
    return x, t_x, t


def refuse(argument: str, allowed: str, values: FloatArray, bad: NDArray[np.bool_]) -> None:
    if bad.any():
        v.fail_rows(argument, allowed, np.atleast_1d(values), np.atleast_1d(bad))


def result(values: FloatArray) -> Number:
    """A Python float for a scalar result, else a read-only array."""
    if values.ndim == 0:
        return float(values)
    values.setflags(write=False)
    return values


def row_weights(weights: ArrayLike | None, n: int) -> FloatArray:
    """How many customers each row stands for (whole numbers >= 0, not all zero)."""
    if weights is None:
        return np.ones(n)
    counts = v.integer_array("weights", weights, low=0)
    if counts.size != n:
        v.fail("weights", f"one per customer row ({n})", v.described(f"{counts.size} weights"))
    if not counts.any():
        v.fail("weights", "not all zero", v.described("only zeros"))
    return counts.astype(np.float64)


def one_dimensional_history(x: FloatArray, frequency: ArrayLike) -> None:
    """Fits need one row per customer, not a single number."""
    if x.ndim == 0:
        v.fail_type("frequency", "a one-dimensional array-like", frequency)


def known_params(period: Any, **params: float) -> dict[str, Any]:
    """Checked keyword arguments of `<Model>Fit.from_params`."""
    values: dict[str, Any] = {name: positive(name, value) for name, value in params.items()}
    values["period_days"] = None if period is None else period_days("period", period)
    return values


def optional_period(period: Any) -> float | None:
    """A fit's `period` argument in days, or None when not given."""
    return None if period is None else period_days("period", period)


def fitted_params(
    names: tuple[str, ...], estimate: Any, n: int, days: float | None
) -> dict[str, Any]:
    """Keyword arguments of a `<Model>Fit` from an optimiser estimate."""
    return {
        **dict(zip(names, estimate.values, strict=True)),
        "log_likelihood": estimate.log_likelihood,
        "n": n,
        "n_iter": estimate.n_iter,
        "covariance": estimate.covariance,
        "period_days": days,
    }
