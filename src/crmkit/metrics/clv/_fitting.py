"""Maximum-likelihood fitting shared by the CLV models (private).

Every model is fitted the same way: parameters on the log scale (so they stay
positive without constraints), identical customers merged into one weighted
row, a deterministic start, BFGS on the mean log-likelihood per customer, and
the covariance from the Hessian at the optimum. A failure is a
`ConvergenceError`, never a half-fitted model.

Why BFGS and not L-BFGS-B: since SciPy 1.15 L-BFGS-B calls LAPACK for its
tiny matrices, and OpenBLAS's thread hand-offs then cost up to 100x the fit
itself whenever another process keeps a core busy (scipy/scipy#22438). BFGS
on four parameters is plain numpy; the log-parameters are clipped to +-30
inside the objective instead of bounded.
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
ManyLogLikelihoods = Callable[[FloatArray], FloatArray]
"""Total log-likelihoods at many log-parameter vectors at once: (m, k) -> (m,)."""
ValueGradientHessian = Callable[[FloatArray], tuple[float, FloatArray, FloatArray]]
"""The total log-likelihood, its gradient and its Hessian in the log-parameters."""

# exp(±30) spans 1e-13 .. 1e13: far beyond any sensible parameter on any time
# scale, and it keeps every exp() finite while the optimiser explores.
_LOG_BOUND = 30.0
_GRADIENT_STEP = 1e-6
_SAMPLE_FIRST = 20_000  # rows above which a sample decides whether merging pays
_WORTH_MERGING = 0.8  # merge unless the sample keeps more than this share of rows
_DIFFERENCE_STEP = 1e-5  # central differences in log-parameters
_RESTARTS = 3
_PRECISION_LOST = 2  # BFGS's status when the line search can no longer improve
# Gradient of the mean log-likelihood per customer: at 1e-7 the log-likelihood
# is within ~1e-14 of its maximum (relative), far inside any parameter's
# standard error; a million customers' rounding noise stops BFGS near 1e-7.
_GTOL = 1e-7
_STATIONARY = 1e-6


@frozen(kw_only=True)
class Estimate:
    """Fitted parameters (natural scale) and their diagnostics."""

    values: tuple[float, ...]
    log_likelihood: float
    covariance: tuple[tuple[float, ...], ...] | None
    n_iter: int
    curvature: FloatArray | None = None
    """BFGS's inverse-Hessian estimate of the mean objective, to warm-start another fit."""


def compress(
    columns: Sequence[NDArray[np.float64]], weights: NDArray[np.float64]
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
    """Merge identical rows into one, weighted by how many customers it stands for.

    Sorting a million rows costs a third of a second; when an evenly spaced
    sample shows that hardly any rows repeat (continuous times, as simulated
    data have), the rows are kept as they are.
    """
    if weights.size > _SAMPLE_FIRST:
        sample = slice(None, None, weights.size // _SAMPLE_FIRST)
        _, sample_weights = _merge([column[sample] for column in columns], weights[sample])
        if sample_weights.size > _WORTH_MERGING * weights[sample].size:
            keep = weights > 0
            if keep.all():  # no row to drop: no copies of a million rows
                return list(columns), weights
            return [column[keep] for column in columns], weights[keep]
    return _merge(columns, weights)


def _merge(
    columns: Sequence[NDArray[np.float64]], weights: NDArray[np.float64]
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
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
    value_gradient_hessian: ValueGradientHessian | None = None,
    many: ManyLogLikelihoods | None = None,
    max_iter: int,
    with_covariance: bool = True,
    curvature: FloatArray | None = None,
) -> Estimate:
    """Maximise *log_likelihood* over log-parameters from *start* (natural scale).

    With *value_gradient_hessian* the optimiser is Newton's method in a trust
    region (scipy's trust-exact), which needs a handful of iterations; BFGS
    takes over should it fail. With *value_and_gradient* BFGS gets both from
    one pass over the data; otherwise the gradient is a central difference,
    taken in one batched call when the model can evaluate *many* parameter
    vectors at once.
    """
    theta = np.log(np.asarray(start, dtype=np.float64))
    if value_gradient_hessian is not None:
        memo = _Memo(value_gradient_hessian)
        newton = _newton(memo, theta, n_customers, max_iter)
        if newton is not None:
            return _estimate(
                model,
                lambda point: memo(point)[0],
                newton,
                names,
                hessian=lambda point: memo(point)[2],
                with_covariance=with_covariance,
            )
    if value_and_gradient is None and many is not None:
        value_and_gradient = _batched_gradient(many)

    def objective(theta: FloatArray) -> float:
        with np.errstate(all="ignore"):
            value = log_likelihood(np.clip(theta, -_LOG_BOUND, _LOG_BOUND))
        return -value / n_customers if math.isfinite(value) else math.inf

    fun: Any = objective
    jacobian: Any = "3-point"
    if value_and_gradient is not None:
        analytic = value_and_gradient

        def fun(theta: FloatArray) -> tuple[float, FloatArray]:
            inside = np.abs(theta) < _LOG_BOUND
            with np.errstate(all="ignore"):
                value, slope = analytic(np.clip(theta, -_LOG_BOUND, _LOG_BOUND))
            if not math.isfinite(value):
                return math.inf, np.zeros(theta.size)
            slope = np.where(np.isfinite(slope) & inside, -slope / n_customers, 0.0)
            return -value / n_customers, slope

        jacobian = True

    n_iter = 0
    for _ in range(_RESTARTS):
        result = optimize.minimize(
            fun,
            theta,
            jac=jacobian,
            method="BFGS",
            options=_options(max_iter - n_iter, curvature),
        )
        n_iter += int(result.nit)
        if result.success or result.status != _PRECISION_LOST or n_iter >= max_iter:
            break
        # The line search gives up when rounding hides any further gain: at the
        # optimum (large data sets get there first) that is success; elsewhere
        # a restart rebuilds the curvature estimate.
        slope = fun(result.x)[1] if jacobian is True else _slope(objective, result.x)
        if np.all(np.abs(slope) < _STATIONARY):
            result.success = True
            break
        theta = result.x
        curvature = None
    result.nit = n_iter
    if not result.success or not math.isfinite(result.fun):
        message = f"{model} fit did not converge after {result.nit} iterations: {result.message}"
        raise ConvergenceError(message, n_iter=int(result.nit), reason=str(result.message))
    return _estimate(
        model,
        log_likelihood,
        result,
        names,
        hessian=_numerical_hessian(log_likelihood, value_and_gradient, many),
        with_covariance=with_covariance,
        curvature=np.asarray(result.hess_inv, dtype=np.float64),
    )


def _estimate(
    model: str,
    log_likelihood: LogLikelihood,
    result: optimize.OptimizeResult,
    names: Sequence[str],
    *,
    hessian: Callable[[FloatArray], FloatArray],
    with_covariance: bool,
    curvature: FloatArray | None = None,
) -> Estimate:
    theta = np.clip(np.asarray(result.x, dtype=np.float64), -_LOG_BOUND, _LOG_BOUND)
    return Estimate(
        values=tuple(float(value) for value in np.exp(theta)),
        log_likelihood=float(log_likelihood(theta)),
        covariance=_covariance(model, hessian, theta, names) if with_covariance else None,
        n_iter=int(result.nit),
        curvature=curvature,
    )


class _Memo:
    """The last few evaluations of a value-gradient-Hessian function, by point.

    trust-exact asks for the Hessian right after the value at the same point,
    and the covariance and final log-likelihood are wanted at the optimum it
    has just evaluated: each is one pass over the data, not three.
    """

    def __init__(self, function: ValueGradientHessian, size: int = 4) -> None:
        self.function, self.size = function, size
        self.seen: dict[bytes, tuple[float, FloatArray, FloatArray]] = {}

    def __call__(self, point: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        key = np.asarray(point, dtype=np.float64).tobytes()
        if key not in self.seen:
            if len(self.seen) >= self.size:
                del self.seen[next(iter(self.seen))]
            with np.errstate(all="ignore"):
                self.seen[key] = self.function(point)
        return self.seen[key]


def _newton(
    memo: _Memo, theta: FloatArray, n_customers: float, max_iter: int
) -> optimize.OptimizeResult | None:
    """Newton's method in a trust region on the mean objective; None if it fails."""

    def evaluate(point: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        value, slope, curvature = memo(point)
        finite = math.isfinite(value) and np.isfinite(slope).all()
        if finite and np.isfinite(curvature).all() and np.abs(point).max() < _LOG_BOUND:
            return -value / n_customers, -slope / n_customers, -curvature / n_customers
        # Off the map: an infinite objective refuses the step and shrinks the region.
        return math.inf, np.zeros(point.size), np.eye(point.size)

    def fun(point: FloatArray) -> tuple[float, FloatArray]:
        value, slope, _ = evaluate(point)
        return value, slope

    def hessian(point: FloatArray) -> FloatArray:
        return evaluate(point)[2]

    # Dogleg steps are the cheapest but need a positive definite Hessian all the
    # way; trust-exact copes with any curvature, at ~10% more time.
    for method in ("dogleg", "trust-exact"):
        try:
            result: optimize.OptimizeResult = optimize.minimize(
                fun,
                theta,
                jac=True,
                hess=hessian,
                method=method,
                options={"gtol": _GTOL, "maxiter": max_iter},
            )
        except ValueError:  # dogleg: "Hessian is not positive definite"
            continue
        if result.success and math.isfinite(result.fun):
            return result
    return None


def _options(max_iter: int, curvature: FloatArray | None) -> Any:
    options: dict[str, Any] = {"maxiter": max_iter, "gtol": _GTOL}
    if curvature is not None:
        symmetric = (curvature + curvature.T) / 2
        try:
            np.linalg.cholesky(symmetric)
        except np.linalg.LinAlgError:
            return options  # not positive definite: start from scratch
        options["hess_inv0"] = symmetric
    return options


def _batched_gradient(many: ManyLogLikelihoods) -> ValueAndGradient:
    """Value and central-difference gradient from one batched evaluation."""

    def value_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        steps = np.eye(theta.size) * _DIFFERENCE_STEP
        points = np.vstack([theta[None, :], theta + steps, theta - steps])
        values = many(points)
        ahead, behind = values[1 : theta.size + 1], values[theta.size + 1 :]
        gradient: FloatArray = (ahead - behind) / (2 * _DIFFERENCE_STEP)
        return float(values[0]), gradient

    return value_and_gradient


def _slope(objective: Callable[[FloatArray], float], theta: FloatArray) -> FloatArray:
    """Central-difference gradient of the objective."""
    slope: FloatArray = optimize.approx_fprime(theta, objective, 1e-7)
    return slope


def _covariance(
    model: str,
    hessian_at: Callable[[FloatArray], FloatArray],
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
        hessian = hessian_at(theta)
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


def _numerical_hessian(
    log_likelihood: LogLikelihood,
    value_and_gradient: ValueAndGradient | None,
    many: ManyLogLikelihoods | None,
) -> Callable[[FloatArray], FloatArray]:
    """The Hessian by differences: of the analytic gradient, or of batched values."""
    if value_and_gradient is not None and many is None:
        # An analytic gradient: its forward differences are accurate and cheap.
        analytic = value_and_gradient
        slope: Any = lambda point, /: analytic(point)[1]  # noqa: E731 (scipy's stubs want a scalar)
        return lambda theta: optimize.approx_fprime(theta, slope, _GRADIENT_STEP)
    batched = many if many is not None else _one_by_one(log_likelihood)

    def stencil(points: FloatArray) -> FloatArray:
        # scipy.differentiate passes (n_params, ...) arrays of points.
        flat = points.reshape(points.shape[0], -1)
        return batched(flat.T).reshape(points.shape[1:])

    def hessian(theta: FloatArray) -> FloatArray:
        # One fixed central-difference stencil: ~150 evaluations, about 1e-6 relative
        # accuracy (ample for standard errors); the adaptive default costs ~100x more.
        result = differentiate.hessian(stencil, theta, initial_step=1e-3, order=2, maxiter=1)
        matrix: FloatArray = result.ddf
        return matrix

    return hessian


def _one_by_one(log_likelihood: LogLikelihood) -> ManyLogLikelihoods:
    def many(points: FloatArray) -> FloatArray:
        return np.array([log_likelihood(point) for point in points], dtype=np.float64)

    return many


def _warn(model: str, reason: str) -> None:
    message = f"{model} standard errors are unavailable: {reason}"
    warnings.warn(message, CrmkitWarning, stacklevel=4)
