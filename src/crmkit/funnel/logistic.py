"""A logistic-regression lead scorer: coefficients with standard errors, no scikit-learn."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats
from scipy.special import expit

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import as_tuple
from crmkit._frames import Backend
from crmkit.errors import ConvergenceError
from crmkit.funnel._features import (
    UNSEEN_CHOICES,
    Unseen,
    category_keys,
    feature_columns,
    refuse_missing,
    refuse_unseen,
)

__all__ = ["LogisticScorer", "fit_logistic_scorer"]

FloatArray = NDArray[np.float64]

_STATIONARY = 1e-7
"""Largest gradient of the mean penalised log-loss accepted as the optimum."""

_SEPARATION_TOLERANCE = 1e-9
"""Per lead, the margin below which a separating direction counts as rounding."""


def _read_only(value: Mapping[str, Sequence[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({name: tuple(levels) for name, levels in value.items()})


@frozen(kw_only=True, repr=False)
class LogisticScorer:
    """A fitted logistic regression of won on lead features.

    The log-odds of winning are `intercept + sum(coefficient x value)` over
    numeric features and, per categorical feature, one coefficient for each
    value but the reference (the most common value in training, which
    scores 0).

    Attributes:
        features: The features, in the order given.
        categories: Per categorical feature, its values, the reference first.
        terms: Coefficient names: "intercept", numeric feature names and
            "feature=value" for each non-reference category.
        coefficients: One per term, in original units.
        covariance: Covariance of the coefficients (from the penalised
            Hessian), or None for a scorer built from stored coefficients only.
        l2: The ridge penalty used (on standardised numeric features).
        n: Leads in training.
        log_likelihood: Log-likelihood of the training outcomes (without the penalty).
        n_iter: Optimiser iterations.

    Examples:
        >>> from crmkit.funnel import fit_logistic_scorer
        >>> scorer = fit_logistic_scorer({"visits": [0, 1, 2, 3, 4, 5]},
        ...                              [0, 0, 1, 0, 1, 1], l2=0.0)
        >>> scorer.terms
        ('intercept', 'visits')
    """

    features: tuple[str, ...] = field(converter=as_tuple)
    categories: Mapping[str, tuple[str, ...]] = field(converter=_read_only, hash=False)
    terms: tuple[str, ...] = field(converter=as_tuple)
    coefficients: tuple[float, ...] = field(converter=as_tuple)
    covariance: tuple[tuple[float, ...], ...] | None = field(default=None, repr=False)
    l2: float = field(default=0.0)
    n: int = field(default=0)
    log_likelihood: float | None = field(default=None)
    n_iter: int = field(default=0)

    def __attrs_post_init__(self) -> None:
        unknown = [name for name in self.categories if name not in self.features]
        if unknown:
            v.fail("categories", "categories of the scorer's features", unknown)
        if self.terms != _terms(self.features, self.categories):
            v.fail("terms", "the terms the features and categories imply", self.terms)
        size = len(self.terms)
        if len(self.coefficients) != size:
            v.fail("coefficients", f"one per term ({size})", self.coefficients)
        for index, value in enumerate(self.coefficients):
            v.check_float(f"coefficients[{index}]", value)
        if self.covariance is not None and (
            len(self.covariance) != size or any(len(row) != size for row in self.covariance)
        ):
            v.fail("covariance", f"a {size} x {size} matrix", self.covariance)
        v.check_float("l2", self.l2, low=0.0)

    def __repr__(self) -> str:
        return f"LogisticScorer(terms={len(self.terms)}, n={self.n}, l2={self.l2:g})"

    @property
    def standard_errors(self) -> Mapping[str, float] | None:
        """Standard error per term, or None without a covariance."""
        if self.covariance is None:
            return None
        variances = np.diag(np.asarray(self.covariance))
        return dict(zip(self.terms, np.sqrt(variances).tolist(), strict=True))

    def predict_proba(self, features: Any, *, unseen: Unseen = "ignore") -> FloatArray:
        """Win probability of each lead.

        With `unseen="ignore"` a category not seen in training scores as the
        reference (the most common value); `unseen="error"` refuses it.

        Raises:
            InvalidInputError: If a feature is missing, lengths differ, a
                value is missing or not finite, or (with `unseen="error"`) a
                category was not seen in training.

        Examples:
            >>> from crmkit.funnel import LogisticScorer
            >>> scorer = LogisticScorer(features=["visits"], categories={},
            ...                         terms=["intercept", "visits"], coefficients=[-2.0, 0.5])
            >>> scorer.predict_proba({"visits": [4]}).tolist()    # log-odds 0
            [0.5]
        """
        choice = v.check_choice("unseen", unseen, UNSEEN_CHOICES)
        columns = feature_columns(features, self.features)
        design = _design(columns, self.categories, strict=choice == "error")
        probability: FloatArray = expit(design @ np.asarray(self.coefficients))
        return probability

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per term: `term, coefficient, std_error, z, p_value` (NaN without a covariance).

        Examples:
            >>> from crmkit.funnel import fit_logistic_scorer
            >>> scorer = fit_logistic_scorer({"visits": [0, 1, 2, 3, 4, 5]},
            ...                              [0, 0, 1, 0, 1, 1], l2=0.0)
            >>> scorer.to_frame().columns.tolist()
            ['term', 'coefficient', 'std_error', 'z', 'p_value']
        """
        coefficients = np.asarray(self.coefficients)
        errors = self.standard_errors
        se = np.array(list(errors.values())) if errors else np.full(coefficients.size, np.nan)
        z = coefficients / se
        columns = {
            "term": np.array(self.terms, dtype=np.str_),
            "coefficient": coefficients,
            "std_error": se,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
        }
        return _frames.frame_from_columns(columns, backend=backend)


def fit_logistic_scorer(
    features: Any,
    won: ArrayLike,
    *,
    l2: float = 1.0,
    categorical: Sequence[str] = (),
) -> LogisticScorer:
    """Fit a logistic regression of won on lead features by penalised maximum likelihood.

    Numeric features (numbers or flags) enter as they are; text features are
    one-hot encoded against their most common value. The optimiser is
    scipy's trust-region Newton method on standardised numeric features,
    with a ridge penalty `l2 / 2 x sum(coefficient^2)` (not on the
    intercept); `l2=1.0` equals scikit-learn's default `C=1.0` on
    standardised features, and `l2=0` gives the plain maximum-likelihood
    fit. Coefficients and their covariance are reported in original units.

    Args:
        features: Lead features, a mapping from name to array or a frame.
        won: Outcome per lead: True / 1 won, False / 0 lost.
        l2: Ridge penalty (>= 0).
        categorical: Numeric features to treat as categories (region codes).

    Raises:
        InvalidInputError: If lengths differ, there are no leads, a value is
            missing, an outcome is not 0 / 1, all leads share one outcome, a
            numeric feature is constant, features are collinear with
            `l2=0`, or *categorical* names an unknown feature.
        ConvergenceError: If the optimiser fails, or with `l2=0` the
            features separate won from lost, completely or for some values
            (found by a linear programme; no finite estimate exists, so use
            l2 > 0).

    References:
        Konis, K. (2007). Linear programming algorithms for detecting
        separated data in binary logistic regression models. DPhil thesis,
        University of Oxford.

    Examples:
        >>> from crmkit.funnel import fit_logistic_scorer
        >>> scorer = fit_logistic_scorer(
        ...     {"industry": ["retail", "retail", "retail", "software", "software"]},
        ...     [0, 1, 0, 1, 0], l2=0.0)
        >>> coefficient = dict(zip(scorer.terms, scorer.coefficients))
        >>> # logit(1/3) for retail, logit(1/2) - logit(1/3) = log(2) for software
        >>> round(coefficient["intercept"], 6), round(coefficient["industry=software"], 6)
        (-0.693147, 0.693147)
    """
    columns = feature_columns(features)
    outcome = v.outcome_array("won", won)
    v.same_length(features=next(iter(columns.values())), won=outcome)
    if int(outcome.sum()) in (0, outcome.size):
        v.fail("won", "both won and lost leads", v.described(f"{outcome.size} leads, all alike"))
    penalty = v.check_float("l2", l2, low=0.0)
    categories = _categories(columns, categorical)
    design = _design(columns, categories, strict=True)
    mean, scale = _standardisation(columns, categories, design)
    standard = (design - mean) / scale
    if penalty == 0 and np.linalg.matrix_rank(standard) < standard.shape[1]:
        v.fail("features", "linearly independent columns (or l2 > 0)", list(columns))
    theta, hessian, n_iter = _maximise(standard, outcome.astype(np.float64), penalty)
    # Back to original units: beta = A theta, linear, so cov(beta) = A cov(theta) A'.
    to_original = np.diag(1 / scale)
    to_original[0, 1:] = -mean[1:] / scale[1:]
    log_odds = standard @ theta
    return LogisticScorer(
        features=tuple(columns.keys()),
        categories=categories,
        terms=_terms(tuple(columns.keys()), categories),
        coefficients=tuple((to_original @ theta).tolist()),
        covariance=_covariance(hessian, to_original),
        l2=penalty,
        n=int(outcome.size),
        log_likelihood=float(outcome @ log_odds - np.logaddexp(0.0, log_odds).sum()),
        n_iter=n_iter,
    )


def _categories(
    columns: Mapping[str, NDArray[Any]], categorical: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    if isinstance(categorical, (str, bytes)) or not isinstance(categorical, Iterable):
        v.fail_type("categorical", "a sequence of feature names", categorical)
    forced = set(categorical)
    unknown = sorted(forced - set(columns))
    if unknown:
        v.fail("categorical", f"names of features ({', '.join(columns)})", unknown)
    categories = {}
    for name, values in columns.items():
        if name in forced or values.dtype.kind not in "biuf":
            refuse_missing(name, values)
            levels, counts = np.unique(category_keys(name, values), return_counts=True)
            if levels.size < 2:
                v.fail(name, "a feature that varies", v.described(f"every value {levels[0]!r}"))
            reference = int(np.argmax(counts))  # the most common value; ties: the first sorted
            categories[name] = (str(levels[reference]), *np.delete(levels, reference).tolist())
    return categories


def _terms(
    features: tuple[str, ...], categories: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    terms = ["intercept"]
    for name in features:
        if name in categories:
            terms += [f"{name}={level}" for level in categories[name][1:]]
        else:
            terms.append(name)
    return tuple(terms)


def _design(
    columns: Mapping[str, NDArray[Any]],
    categories: Mapping[str, tuple[str, ...]],
    *,
    strict: bool,
) -> FloatArray:
    """The design matrix in original units: a column of ones, numbers, one-hot categories."""
    n = len(next(iter(columns.values())))
    blocks = [np.ones((n, 1))]
    for name, values in columns.items():
        if name not in categories:
            numbers = values.astype(np.int64) if values.dtype == np.bool_ else values
            blocks.append(v.float_array(name, numbers)[:, None])
            continue
        refuse_missing(name, values)
        keys = category_keys(name, values)
        levels = np.asarray(categories[name], dtype=np.str_)
        if strict:
            refuse_unseen(name, keys, ~np.isin(keys, levels))
        blocks.append((keys[:, None] == levels[None, 1:]).astype(np.float64))
    return np.hstack(blocks)


def _standardisation(
    columns: Mapping[str, NDArray[Any]],
    categories: Mapping[str, tuple[str, ...]],
    design: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Mean and scale per design column: numeric features standardised, the rest as they are."""
    mean = np.zeros(design.shape[1])
    scale = np.ones(design.shape[1])
    column = 1
    for name in columns:
        if name in categories:
            column += len(categories[name]) - 1
            continue
        spread = float(design[:, column].std())
        if spread == 0:
            v.fail(name, "a feature that varies", v.described(f"every value {design[0, column]}"))
        mean[column], scale[column] = design[:, column].mean(), spread
        column += 1
    return mean, scale


def _maximise(
    design: FloatArray, outcome: FloatArray, penalty: float
) -> tuple[FloatArray, FloatArray, int]:
    """Minimise the penalised mean log-loss; the Hessian returned is of the total."""
    n = outcome.size
    penalised = np.full(design.shape[1], penalty / n)
    penalised[0] = 0.0  # the intercept is not shrunk

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        log_odds = design @ theta
        loss = (np.logaddexp(0.0, log_odds).sum() - outcome @ log_odds) / n
        loss += 0.5 * float(penalised @ theta**2)
        slope = design.T @ (expit(log_odds) - outcome) / n + penalised * theta
        return float(loss), slope

    def hessian(theta: FloatArray) -> FloatArray:
        p = expit(design @ theta)
        curvature: FloatArray = (design.T * (p * (1 - p))) @ design / n + np.diag(penalised)
        return curvature

    if penalty == 0 and _separated(design, outcome):
        msg = (
            "fit_logistic_scorer: the features separate won from lost leads (completely or "
            "for some values), so the coefficients have no finite estimate; fit with l2 > 0"
        )
        raise ConvergenceError(msg, reason="separation")
    start = np.zeros(design.shape[1])
    start[0] = np.log(outcome.mean() / (1 - outcome.mean()))
    result = optimize.minimize(
        objective, start, jac=True, hess=hessian, method="trust-exact", options={"gtol": 1e-10}
    )
    # At the optimum rounding can stop the trust region from predicting any
    # gain ("a bad approximation"): a vanishing gradient is success all the same.
    if not result.success and np.abs(objective(result.x)[1]).max() > _STATIONARY:
        msg = f"fit_logistic_scorer did not converge: {result.message}"
        raise ConvergenceError(msg, n_iter=int(result.nit), reason=str(result.message))
    return result.x, hessian(result.x) * n, int(result.nit)


def _separated(design: FloatArray, outcome: FloatArray) -> bool:
    """Whether some direction beta orders every lead by outcome (quasi-)completely.

    Then x beta >= 0 for every won lead and <= 0 for every lost one with some
    strict inequality, and the likelihood keeps rising along beta: no finite
    maximum. A linear programme finds such a beta if there is one (Konis 2007).
    """
    signed = design * np.where(outcome > 0, 1.0, -1.0)[:, None]
    result = optimize.linprog(
        -signed.sum(axis=0),
        A_ub=-signed,
        b_ub=np.zeros(outcome.size),
        bounds=[(-1.0, 1.0)] * design.shape[1],
        method="highs",
    )
    if result.status != 0 or result.fun is None:
        return False  # no certificate found: fit, and let the optimiser report trouble
    return bool(-result.fun > _SEPARATION_TOLERANCE * outcome.size)


def _covariance(hessian: FloatArray, to_original: FloatArray) -> tuple[tuple[float, ...], ...]:
    covariance = to_original @ np.linalg.inv(hessian) @ to_original.T
    return tuple(tuple(row) for row in covariance.tolist())
