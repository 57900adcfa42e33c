"""What every BTYD fit shares: weights, failures, diagnostics, intervals, JSON and checks."""

from __future__ import annotations

import contextlib
import math
import statistics
import warnings
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import io
from crmkit.errors import (
    ConvergenceError,
    CrmkitError,
    CrmkitWarning,
    InvalidInputError,
    InvalidTypeError,
)
from crmkit.metrics.clv import (
    BgNbdFit,
    ModifiedBgNbdFit,
    ParetoNbdFit,
    fit_bg_nbd,
    fit_modified_bg_nbd,
    fit_pareto_nbd,
    simulate_bg_nbd,
    simulate_modified_bg_nbd,
    simulate_pareto_nbd,
)

BG_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO_PARAMS = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}

MODELS = [
    pytest.param((fit_bg_nbd, BgNbdFit, simulate_bg_nbd, BG_PARAMS), id="BG/NBD"),
    pytest.param(
        (fit_modified_bg_nbd, ModifiedBgNbdFit, simulate_modified_bg_nbd, BG_PARAMS),
        id="MBG/NBD",
    ),
    pytest.param((fit_pareto_nbd, ParetoNbdFit, simulate_pareto_nbd, PARETO_PARAMS), id="Pareto"),
]
FITS = [pytest.param(model.values[0][0], id=model.id) for model in MODELS]

Z_95 = statistics.NormalDist().inv_cdf(0.975)  # 1.959964


@attrs.frozen
class Case:
    """One model with simulated data (whole-number recency, so rows repeat) and its fit."""

    fit_: Any
    kind: Any
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    fitted: Any


@pytest.fixture(scope="module", params=MODELS)
def case(request: pytest.FixtureRequest) -> Case:
    """1,000 simulated customers, T of 20 or 30 periods and recency rounded up to whole
    periods (still <= T), so many customers share a row; fitted once per model."""
    fit_, kind, simulate, params = request.param
    sample = simulate(params, n_customers=1_000, T=np.repeat([20.0, 30.0], 500), seed=5)
    recency = np.ceil(sample.recency)
    fitted = fit_(sample.frequency, recency, sample.T)
    return Case(fit_, kind, sample.frequency, recency, sample.T, fitted)


def unique_rows(case: Case) -> tuple[np.ndarray, np.ndarray]:
    rows, counts = np.unique(
        np.column_stack([case.frequency, case.recency, case.T]), axis=0, return_counts=True
    )
    return rows, counts


# --- identical rows and weights ----------------------------------------------------------


class TestWeights:
    def test_identical_rows_are_one_weighted_row(self, case: Case) -> None:
        """Each customer as a row, or each distinct row once with its count as weight (in any
        order): the same parameters, log-likelihood and customer count."""
        rows, counts = unique_rows(case)
        order = np.random.default_rng(0).permutation(counts.size)
        weighted = case.fit_(rows[order, 0], rows[order, 1], rows[order, 2], weights=counts[order])

        assert counts.size < 400  # the data really repeat
        assert pytest.approx(dict(case.fitted.params), rel=1e-9) == dict(weighted.params)
        assert pytest.approx(case.fitted.log_likelihood, rel=1e-12) == weighted.log_likelihood
        assert 1000 == weighted.n == case.fitted.n

    def test_doubling_every_weight(self, case: Case) -> None:
        """Twice the customers in the same proportions: the same parameters, twice the
        log-likelihood, half the variance (standard errors / sqrt 2)."""
        rows, counts = unique_rows(case)
        double = case.fit_(rows[:, 0], rows[:, 1], rows[:, 2], weights=2 * counts)
        one, two = case.fitted.standard_errors, double.standard_errors

        assert pytest.approx(dict(case.fitted.params), rel=1e-6) == dict(double.params)
        assert pytest.approx(2 * case.fitted.log_likelihood, rel=1e-9) == double.log_likelihood
        assert 2000 == double.n
        assert pytest.approx({k: v / math.sqrt(2) for k, v in one.items()}, rel=1e-3) == dict(two)

    def test_rows_of_weight_zero_are_left_out(self, case: Case) -> None:
        """An extra row with weight 0 changes nothing."""
        rows, counts = unique_rows(case)
        with_zero = case.fit_(
            np.append(rows[:, 0], 7),
            np.append(rows[:, 1], 3.0),
            np.append(rows[:, 2], 30.0),
            weights=np.append(counts, 0),
        )

        assert pytest.approx(dict(case.fitted.params), rel=1e-9) == dict(with_zero.params)
        assert 1000 == with_zero.n

    @pytest.mark.parametrize("fit_", FITS)
    @pytest.mark.parametrize(
        ("weights", "match"),
        [
            ([1, -1, 1], "'weights' must be whole numbers of at least 0; got -1 at index 1"),
            ([1, 1.5, 1], "'weights' must be whole numbers of at least 0; got 1.5 at index 1"),
            ([1, 1], "'weights' must be one per customer row \\(3\\); got 2 weights"),
            ([0, 0, 0], "'weights' must be not all zero"),
            ([1, math.nan, 1], "'weights' must be whole numbers of at least 0; got nan"),
        ],
    )
    def test_bad_weights(self, fit_: Any, weights: list[float], match: str) -> None:
        """Weights count customers: whole, non-negative, one per row, not all zero."""
        refused(
            fit_,
            {"frequency": [0, 1, 2], "recency": [0, 2, 5], "T": [6, 6, 6], "weights": weights},
            InvalidInputError,
            match,
        )


# --- failure to converge -------------------------------------------------------------------


class TestConvergence:
    def test_one_iteration_is_not_enough(self, case: Case) -> None:
        """max_iter=1 stops the optimiser early: a ConvergenceError (also a RuntimeError) with
        the iterations run and the optimiser's reason, never a half-fitted model."""
        with pytest.raises(
            ConvergenceError, match="fit did not converge after 1 iteration"
        ) as info:
            case.fit_(case.frequency, case.recency, case.T, max_iter=1)

        assert 1 == info.value.n_iter
        assert isinstance(info.value.reason, str)
        assert info.value.reason
        assert info.value.reason in str(info.value)
        assert isinstance(info.value, RuntimeError)
        assert isinstance(info.value, CrmkitError)

    def test_a_converged_fit_reports_its_iterations(self, case: Case) -> None:
        """A fit that returns converged, in at least one iteration and at most the limit."""
        assert case.fitted.converged
        assert 1 <= case.fitted.n_iter <= 1000

    @pytest.mark.parametrize("fit_", FITS)
    def test_max_iter_is_checked(self, fit_: Any) -> None:
        """max_iter is a whole number of at least 1."""
        data = {"frequency": [0, 1], "recency": [0, 2], "T": [6, 6]}
        refused(
            fit_,
            {**data, "max_iter": 0},
            InvalidInputError,
            "'max_iter' must be an integer of at least 1",
        )
        refused(fit_, {**data, "max_iter": 2.5}, InvalidTypeError, "'max_iter' must be an integer")


# --- diagnostics -------------------------------------------------------------------------


class TestDiagnostics:
    def test_aic_and_bic(self, case: Case) -> None:
        """AIC = 2k - 2 log L and BIC = k ln n - 2 log L, with k = 4 parameters and n = 1,000
        customers."""
        fit = case.fitted

        assert pytest.approx(2 * 4 - 2 * fit.log_likelihood) == fit.aic
        assert pytest.approx(4 * math.log(1000) - 2 * fit.log_likelihood) == fit.bic

    def test_standard_errors_are_the_root_of_the_covariance_diagonal(self, case: Case) -> None:
        """A read-only mapping from each parameter name, in order, to sqrt(covariance[i][i])."""
        errors = case.fitted.standard_errors
        covariance = np.asarray(case.fitted.covariance)

        assert list(case.kind.PARAMETERS) == list(errors)
        assert pytest.approx(np.sqrt(np.diag(covariance)).tolist()) == list(errors.values())
        assert np.all(np.linalg.eigvalsh(covariance) > 0)
        with pytest.raises(TypeError):
            errors["r"] = 0.0

    def test_intervals_are_symmetric_on_the_log_scale(self, case: Case) -> None:
        """95 %: p / k .. p * k with k = exp(1.96 SE / p), so low * high = p^2; the 80 % interval
        lies inside."""
        fit = case.fitted
        wide = fit.parameter_intervals()
        narrow = fit.parameter_intervals(0.8)

        for name, value in fit.params.items():
            low, high = wide[name]
            spread = math.exp(Z_95 * fit.standard_errors[name] / value)
            assert pytest.approx((value / spread, value * spread), rel=1e-9) == (low, high)
            assert pytest.approx(value * value, rel=1e-9) == low * high
            assert low < narrow[name][0] < value < narrow[name][1] < high

    @pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1, math.nan])
    def test_interval_confidence_is_checked(self, case: Case, confidence: float) -> None:
        """The confidence level lies strictly between 0 and 1."""
        refused(
            case.fitted.parameter_intervals,
            {"confidence": confidence},
            InvalidInputError,
            "'confidence' must be a finite number in \\(0, 1\\)",
        )

    def test_known_parameters_have_no_uncertainty(self, case: Case) -> None:
        """from_params: no log-likelihood, AIC, BIC or standard errors; intervals refused."""
        known = case.kind.from_params(**dict(case.fitted.params))

        assert known.log_likelihood is None
        assert known.aic is None
        assert known.bic is None
        assert known.standard_errors is None
        assert known.covariance is None
        refused(
            known.parameter_intervals,
            {},
            InvalidInputError,
            "'fit' must be a fit with a parameter covariance",
        )

    def test_repr_of_a_fitted_model(self, case: Case) -> None:
        """The repr shows the parameters, the customers and the log-likelihood."""
        text = repr(case.fitted)

        assert text.startswith(f"{case.kind.__name__}(r=")
        assert text.endswith(f", n=1000, log_likelihood={case.fitted.log_likelihood:.6g})")


# --- values: JSON, frozen, period ----------------------------------------------------------


class TestValues:
    def test_json_round_trip_of_a_fit(self, case: Case) -> None:
        """to_json then from_json gives an equal fit, covariance and all."""
        text = io.to_json(case.fitted)
        back = io.from_json(case.kind, text)

        assert case.fitted == back
        assert case.fitted.standard_errors == back.standard_errors

    def test_json_round_trip_of_known_parameters(self, case: Case) -> None:
        """A from_params fit with a period survives the trip too."""
        known = case.kind.from_params(**dict(case.fitted.params), period="W")

        assert known == io.from_json(case.kind, io.to_json(known))
        assert 7.0 == io.from_json(case.kind, io.to_json(known)).period_days

    def test_json_with_a_bad_parameter_is_refused(self, case: Case) -> None:
        """A stored fit with a negative parameter is not a model."""
        data = io.to_dict(case.fitted)
        data["alpha"] = -1.0

        with pytest.raises(InvalidInputError, match="alpha"):
            io.from_dict(case.kind, data)

    def test_fits_are_frozen(self, case: Case) -> None:
        """Parameters and diagnostics cannot be reassigned."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            case.fitted.r = 1.0
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            case.fitted.log_likelihood = 0.0

    @pytest.mark.parametrize(("period", "days"), [("W", 7.0), ("D", 1.0), (14, 14.0), (2.5, 2.5)])
    def test_period_is_stored_in_days(self, case: Case, period: Any, days: float) -> None:
        """period= is kept as period_days; it does not change the fit."""
        rows, counts = unique_rows(case)
        fit = case.fit_(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts, period=period)

        assert days == fit.period_days
        assert pytest.approx(dict(case.fitted.params), rel=1e-9) == dict(fit.params)
        assert case.fitted.period_days is None
        assert days == case.kind.from_params(**dict(fit.params), period=period).period_days

    @pytest.mark.parametrize("fit_", FITS)
    def test_a_bad_period_is_refused_before_fitting(self, fit_: Any) -> None:
        """An unknown period is an input error, even when the fit itself would fail
        (max_iter=1): the argument is checked first."""
        refused(
            fit_,
            {
                "frequency": [0, 1, 2, 5],
                "recency": [0, 2, 5, 6],
                "T": [6, 6, 6, 7],
                "period": "M",
                "max_iter": 1,
            },
            InvalidInputError,
            "'period' must be one of 'D', 'W'",
        )


# --- bad histories -------------------------------------------------------------------------

BAD_HISTORIES = [
    (
        {"frequency": [1, 2], "recency": [5, 11], "T": [10, 10]},
        "'recency' must be at most T; got 11.0 at index 1 \\(1 of 2 rows\\)",
    ),
    (
        {"frequency": [1, -2, -1], "recency": [5, 1, 1], "T": [10, 10, 10]},
        "'frequency' must be whole numbers of at least 0; got -2 at index 1 \\(2 of 3 rows\\)",
    ),
    (
        {"frequency": [1, 2.5], "recency": [5, 1], "T": [10, 10]},
        "'frequency' must be whole numbers of at least 0; got 2.5 at index 1 \\(1 of 2 rows\\)",
    ),
    (
        {"frequency": [1, 2, 0], "recency": [5, 0, 0], "T": [10, 10, 10]},
        "'recency' must be greater than 0 when frequency > 0; got 0.0 at index 1",
    ),
    (
        {"frequency": [1, 0, 0], "recency": [5, 0, 3], "T": [10, 10, 10]},
        "'recency' must be 0 when frequency is 0; got 3.0 at index 2 \\(1 of 3 rows\\)",
    ),
    (
        {"frequency": [1, 0], "recency": [5, 0], "T": [10, 0]},
        "'T' must be finite numbers above 0; got 0.0 at index 1 \\(1 of 2 rows\\)",
    ),
    (
        {"frequency": [1, 0], "recency": [5, 0], "T": [10, -3]},
        "'T' must be finite numbers above 0; got -3.0 at index 1",
    ),
    (
        {"frequency": [1, 0], "recency": [5, math.nan], "T": [10, 5]},
        "'recency' must be finite numbers of at least 0; got nan at index 1",
    ),
    (
        {"frequency": [1, 0], "recency": [5, 0], "T": [10, math.inf]},
        "'T' must be finite numbers above 0; got inf at index 1",
    ),
    (
        {"frequency": [1, math.nan], "recency": [5, 0], "T": [10, 5]},
        "'frequency' must be whole numbers of at least 0; got nan at index 1",
    ),
    (
        {"frequency": [1, 0], "recency": [5, 0], "T": [10, 5, 3]},
        "'T' must be the same length as 'frequency' \\(2\\); got length 3",
    ),
    (
        {"frequency": [1, 0], "recency": [5], "T": [10, 5]},
        "'recency' must be the same length as 'frequency' \\(2\\); got length 1",
    ),
    ({"frequency": [], "recency": [], "T": []}, "'frequency' must be non-empty"),
]


class TestBadInput:
    @pytest.mark.parametrize("fit_", FITS)
    @pytest.mark.parametrize(("history", "match"), BAD_HISTORIES)
    def test_inconsistent_histories(self, fit_: Any, history: dict[str, Any], match: str) -> None:
        """Each check names the argument and, for rows, the first bad index and the count."""
        refused(fit_, history, InvalidInputError, match)

    @pytest.mark.parametrize("fit_", FITS)
    def test_the_index_travels_with_the_error(self, fit_: Any) -> None:
        """The first bad row is also an attribute."""
        with pytest.raises(InvalidInputError) as info:
            fit_([0, 1, 2, 3], [0, 1, 9, 9], [5, 5, 5, 5])

        assert 2 == info.value.index

    @pytest.mark.parametrize("fit_", FITS)
    def test_one_customer_as_scalars_is_refused(self, fit_: Any) -> None:
        """A fit needs an array of customers, not one customer's numbers."""
        refused(
            fit_,
            {"frequency": 2, "recency": 5.0, "T": 10.0},
            InvalidTypeError,
            "'frequency' must be a one-dimensional array-like",
        )

    @pytest.mark.parametrize("fit_", FITS)
    def test_two_dimensional_input_is_refused(self, fit_: Any) -> None:
        """A matrix is not a list of customers."""
        refused(
            fit_,
            {"frequency": [[1, 2]], "recency": [[1, 2]], "T": [[5, 5]]},
            InvalidInputError,
            "'frequency' must be one-dimensional",
        )

    @pytest.mark.parametrize(
        ("kind", "params"),
        [(BgNbdFit, BG_PARAMS), (ModifiedBgNbdFit, BG_PARAMS), (ParetoNbdFit, PARETO_PARAMS)],
    )
    def test_from_params_refuses_non_positive_parameters(
        self, kind: Any, params: dict[str, float]
    ) -> None:
        """Every parameter of every model is finite and above 0."""
        for name in params:
            for value in (0.0, -1.0, math.nan, math.inf):
                refused(
                    kind.from_params,
                    {**params, name: value},
                    InvalidInputError,
                    f"'{name}' must be a finite number above 0",
                )
        refused(
            kind.from_params,
            {**params, "r": "1"},
            InvalidTypeError,
            "'r' must be a real number",
        )


# --- inputs are never changed ------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """2 to 12 consistent customers and positive whole-number weights."""
    n = draw(st.integers(2, 12))
    frequency = np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), dtype=np.int64)
    T = np.array(draw(st.lists(st.floats(1, 50), min_size=n, max_size=n)))
    share = np.array(draw(st.lists(st.floats(0.05, 1), min_size=n, max_size=n)))
    recency = np.where(frequency > 0, share * T, 0.0)
    weights = np.array(draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)))
    return frequency, recency, T, weights


class TestInputsUntouched:
    @settings(max_examples=12, deadline=None)
    @given(
        fit_=st.sampled_from([fit_bg_nbd, fit_modified_bg_nbd, fit_pareto_nbd]), data=histories()
    )
    def test_a_fit_never_changes_its_arrays(
        self, fit_: Any, data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    ) -> None:
        """Whether the fit succeeds or not, the caller's arrays keep their values, dtypes and
        writeability."""
        originals = [array.copy() for array in data]
        frequency, recency, T, weights = data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CrmkitWarning)
            with contextlib.suppress(ConvergenceError):
                fit_(frequency, recency, T, weights=weights, max_iter=40)

        for array, original in zip(data, originals, strict=True):
            assert original.dtype == array.dtype
            assert original.tolist() == array.tolist()
            assert array.flags.writeable
