"""Maximum-likelihood fitting shared by the CLV models (private).

Every model is fitted the same way: parameters on the log scale (so they stay
positive without constraints that stall the optimiser), identical customers
merged into one weighted row, a deterministic start, L-BFGS-B on the mean
log-likelihood per customer, and the covariance from the Hessian at the
optimum. A failure is a `ConvergenceError`, never a half-fitted model.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import NDArray
from scipy import differentiate, optimize

from crmkit.errors import ConvergenceError, CrmkitWarning

FloatArray = NDArray[np.float64]
LogLikelihood = Callable[[FloatArray], float]
"""Total log-likelihood as a function of the log-parameters."""
ValueAndGradient = Callable[[FloatArray], tuple[float, FloatArray]]
"""The total log-likelihood and its gradient with respect to the log-parameters."""

# exp(±30) spans 1e-13 .. 1e13: far beyond any sensible parameter on any time
# scale, and it keeps every exp() finite while the optimiser explores.
_LOG_BOUND = 30.0
_GRADIENT_STEP = 1e-6
_RESTARTS = 3
_LINE_SEARCH_FAILED = 2  # L-BFGS-B's status for ABNORMAL_TERMINATION_IN_LNSRCH
_STATIONARY = 1e-6  # gradient of the mean log-likelihood per customer


@frozen(kw_only=True)
class Estimate:
    """Fitted parameters (natural scale) and their diagnostics."""

    values: tuple[float, ...]
    log_likelihood: float
    covariance: tuple[tuple[float, ...], ...] | None
    n_iter: int


def compress(
    columns: Sequence[NDArray[np.float64]], weights: NDArray[np.float64]
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
    """Merge identical rows into one, weighted by how many customers it stands for."""
    keep = weights > 0
    kept = [column[keep] for column in columns]
    order = np.lexsort(kept[::-1])
    ordered = [column[order] for column in kept]
    new_row = np.zeros(order.size, dtype=bool)
    new_row[:1] = True
    for column in ordered:
        new_row[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(new_row)
    return [column[starts] for column in ordered], np.add.reduceat(weights[keep][order], starts)


def maximise(
    model: str,
    log_likelihood: LogLikelihood,
    start: Sequence[float],
    *,
    names: Sequence[str],
    n_customers: float,
    value_and_gradient: ValueAndGradient | None = None,
    max_iter: int,
) -> Estimate:
    """Maximise *log_likelihood* over log-parameters from *start* (natural scale).

    With *value_and_gradient* the optimiser gets both from one pass over the
    data; without it the gradient is taken by central differences.
    """

    def objective(theta: FloatArray) -> float:
        with np.errstate(all="ignore"):
            value = log_likelihood(theta)
        return -value / n_customers if math.isfinite(value) else math.inf

    fun: Any = objective
    jacobian: Any = "3-point"
    if value_and_gradient is not None:
        analytic = value_and_gradient

        def fun(theta: FloatArray) -> tuple[float, FloatArray]:
            with np.errstate(all="ignore"):
                value, slope = analytic(theta)
            if not math.isfinite(value):
                return math.inf, np.zeros(theta.size)
            return -value / n_customers, np.where(np.isfinite(slope), -slope / n_customers, 0.0)

        jacobian = True

    theta = np.log(np.asarray(start, dtype=np.float64))
    n_iter = 0
    for _ in range(_RESTARTS):
        result = optimize.minimize(
            fun,
            theta,
            jac=jacobian,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(names),
            options={"maxiter": max_iter - n_iter, "ftol": 1e-14, "gtol": 1e-9},
        )
        n_iter += int(result.nit)
        # A line search that cannot improve a numerical gradient near the optimum
        # ends "abnormally"; restarting from there rebuilds the Hessian estimate.
        if result.success or result.status != _LINE_SEARCH_FAILED or n_iter >= max_iter:
            break
        theta = result.x
    if (
        not result.success
        and result.status == _LINE_SEARCH_FAILED
        and _is_stationary(objective, result.x)
    ):
        result.success = True
    result.nit = n_iter
    if not result.success or not math.isfinite(result.fun):
        message = f"{model} fit did not converge after {result.nit} iterations: {result.message}"
        raise ConvergenceError(message, n_iter=int(result.nit), reason=str(result.message))
    theta = np.asarray(result.x, dtype=np.float64)
    return Estimate(
        values=tuple(float(value) for value in np.exp(theta)),
        log_likelihood=float(log_likelihood(theta)),
        covariance=_covariance(model, log_likelihood, value_and_gradient, theta, names),
        n_iter=int(result.nit),
    )


def _is_stationary(objective: Callable[[FloatArray], float], theta: FloatArray) -> bool:
    """True if the central-difference gradient of the objective is ~0 at theta."""
    slope = optimize.approx_fprime(theta, objective, 1e-7)
    return bool(np.all(np.abs(slope) < _STATIONARY))


def _covariance(
    model: str,
    log_likelihood: LogLikelihood,
    value_and_gradient: ValueAndGradient | None,
    theta: FloatArray,
    names: Sequence[str],
) -> tuple[tuple[float, ...], ...] | None:
    """Covariance of the natural parameters from the observed information."""
    at_bound = [
        name for name, value in zip(names, theta, strict=True) if abs(value) > 0.999 * _LOG_BOUND
    ]
    if at_bound:
        _warn(model, f"{', '.join(at_bound)} reached the edge of the parameter space")
        return None
    with np.errstate(all="ignore"):
        hessian = _hessian(log_likelihood, value_and_gradient, theta)
    information = -(hessian + hessian.T) / 2
    try:
        inverse = np.linalg.inv(np.linalg.cholesky(information))
    except np.linalg.LinAlgError:
        _warn(model, "the log-likelihood is flat or not concave at the optimum")
        return None
    # On the log scale, d(theta_i) = d(p_i) / p_i: scale the covariance by p p^T.
    covariance_log = inverse.T @ inverse
    values = np.exp(theta)
    covariance = covariance_log * np.outer(values, values)
    if not np.isfinite(covariance).all():
        _warn(model, "the parameter covariance is not finite")
        return None
    return tuple(tuple(float(cell) for cell in row) for row in covariance)


def _hessian(
    log_likelihood: LogLikelihood,
    value_and_gradient: ValueAndGradient | None,
    theta: FloatArray,
) -> FloatArray:
    if value_and_gradient is not None:
        analytic = value_and_gradient
        slope: Any = lambda point, /: analytic(point)[1]  # noqa: E731 (scipy's stubs want a scalar)
        jacobian: FloatArray = optimize.approx_fprime(theta, slope, _GRADIENT_STEP)
        return jacobian

    def many(points: FloatArray) -> FloatArray:
        # scipy.differentiate asks for many points at once: (n_params, ...) in, (...) out.
        flat = points.reshape(points.shape[0], -1)
        values = [log_likelihood(flat[:, j]) for j in range(flat.shape[1])]
        return np.asarray(values, dtype=np.float64).reshape(points.shape[1:])

    # One fixed central-difference stencil: ~150 evaluations, about 1e-6 relative
    # accuracy (ample for standard errors); the adaptive default costs ~100x more.
    result = differentiate.hessian(many, theta, initial_step=1e-3, order=2, maxiter=1)
    matrix: FloatArray = result.ddf
    return matrix


def _warn(model: str, reason: str) -> None:
    message = f"{model} standard errors are unavailable: {reason}"
    warnings.warn(message, CrmkitWarning, stacklevel=4)
