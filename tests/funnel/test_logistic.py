"""Logistic lead scorer: closed-form fits, recovery of known coefficients, ridge, refusals."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit
from tests.assertions import refused

from crmkit import io
from crmkit.errors import ConvergenceError, InvalidInputError, InvalidTypeError
from crmkit.funnel import LogisticScorer, fit_logistic_scorer

INDUSTRY = ["retail"] * 10 + ["software"] * 6 + ["hardware"] * 4
WON = [1] * 3 + [0] * 7 + [1] * 4 + [0] * 2 + [1] + [0] * 3
"""Twenty leads: retail 3 of 10 won (the most common value, so the reference), software 4 of
6, hardware 1 of 4. With l2=0 the fit reproduces each group's rate:
intercept logit(0.3) = ln(3/7) = -0.8472979;
software logit(2/3) - logit(0.3) = ln 2 - ln(3/7) = ln(14/3) = 1.5404450;
hardware logit(1/4) - logit(0.3) = ln(1/3) - ln(3/7) = ln(7/9) = -0.2513144.
Each group adds 1 / (n p (1 - p)) to the variance: retail 1 / 2.1, software 1 / (6 x 2/9) =
0.75, hardware 1 / (4 x 3/16) = 4/3."""

VAR_RETAIL, VAR_SOFTWARE, VAR_HARDWARE = 1 / 2.1, 0.75, 4 / 3


def industry_fit(**kwargs: Any) -> LogisticScorer:
    return fit_logistic_scorer({"industry": INDUSTRY}, WON, **{"l2": 0.0, **kwargs})


def coefficient(scorer: LogisticScorer) -> dict[str, float]:
    return dict(zip(scorer.terms, scorer.coefficients, strict=True))


def two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z, by the complementary error function."""
    return math.erfc(abs(z) / math.sqrt(2))


def simulated(n: int = 20_000, seed: int = 2024) -> tuple[dict[str, Any], np.ndarray]:
    """Leads from a known model: log-odds -1.5 + 0.4 visits - 0.02 employees + 0.8 (software)
    - 0.5 (hardware), retail the reference (half the leads)."""
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3, n)
    employees = rng.normal(50, 20, n)
    industry = rng.choice(["retail", "software", "hardware"], n, p=[0.5, 0.3, 0.2])
    log_odds = (
        -1.5
        + 0.4 * visits
        - 0.02 * employees
        + np.select([industry == "software", industry == "hardware"], [0.8, -0.5], 0.0)
    )
    won = (rng.random(n) < expit(log_odds)).astype(int)
    return {"visits": visits, "employees": employees, "industry": industry}, won


TRUE = {
    "intercept": -1.5,
    "visits": 0.4,
    "employees": -0.02,
    "industry=hardware": -0.5,
    "industry=software": 0.8,
}


def one_feature(seed: int = 3, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A numeric feature with slope 0.8 and intercept -0.3."""
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 1.5, n)
    return x, (rng.random(n) < expit(-0.3 + 0.8 * x)).astype(int)


X1, Y1 = one_feature()


# --- closed form --------------------------------------------------------------------------


class TestClosedForm:
    def test_coefficients_are_group_logits(self) -> None:
        """Intercept is the reference group's logit, each coefficient the difference of logits
        (INDUSTRY docstring)."""
        fit = coefficient(industry_fit())

        assert pytest.approx(math.log(3 / 7), abs=1e-7) == fit["intercept"]
        assert pytest.approx(math.log(14 / 3), abs=1e-7) == fit["industry=software"]
        assert pytest.approx(math.log(7 / 9), abs=1e-7) == fit["industry=hardware"]
        assert pytest.approx([-0.8472979, 1.5404450, -0.2513144], abs=1e-7) == [
            fit["intercept"],
            fit["industry=software"],
            fit["industry=hardware"],
        ]

    def test_reference_is_the_most_common_value(self) -> None:
        """Retail (10 leads) is the reference though hardware sorts first; the other values
        follow sorted."""
        scorer = industry_fit()

        assert ("industry",) == scorer.features
        assert {"industry": ("retail", "hardware", "software")} == dict(scorer.categories)
        assert ("intercept", "industry=hardware", "industry=software") == scorer.terms

    def test_tied_reference_is_the_first_sorted(self) -> None:
        """b and a both have 3 leads: 'a' (first sorted) is the reference."""
        scorer = fit_logistic_scorer({"c": ["b", "b", "b", "a", "a", "a"]}, [1, 0, 0, 1, 1, 0])

        assert ("a", "b") == scorer.categories["c"]
        assert ("intercept", "c=b") == scorer.terms

    def test_standard_errors_by_hand(self) -> None:
        """SE(intercept) = sqrt(1 / 2.1) = 0.6900656; SE(software) = sqrt(1/2.1 + 0.75)
        = 1.1073349; SE(hardware) = sqrt(1/2.1 + 4/3) = 1.3451854."""
        errors = industry_fit().standard_errors

        assert errors is not None
        assert pytest.approx(math.sqrt(VAR_RETAIL), rel=1e-6) == errors["intercept"]
        assert (
            pytest.approx(math.sqrt(VAR_RETAIL + VAR_SOFTWARE), rel=1e-6)
            == (errors["industry=software"])
        )
        assert (
            pytest.approx(math.sqrt(VAR_RETAIL + VAR_HARDWARE), rel=1e-6)
            == (errors["industry=hardware"])
        )
        # In term order: intercept, hardware, software.
        assert pytest.approx([0.6900656, 1.3451854, 1.1073349], abs=1e-6) == list(errors.values())

    def test_covariance_by_hand(self) -> None:
        """Both coefficients share the reference group's estimate: cov(intercept, software) =
        -1/2.1 and cov(software, hardware) = +1/2.1."""
        covariance = np.asarray(industry_fit().covariance)

        expected = [
            [VAR_RETAIL, -VAR_RETAIL, -VAR_RETAIL],
            [-VAR_RETAIL, VAR_RETAIL + VAR_HARDWARE, VAR_RETAIL],
            [-VAR_RETAIL, VAR_RETAIL, VAR_RETAIL + VAR_SOFTWARE],
        ]
        assert pytest.approx(np.array(expected), rel=1e-6) == covariance

    def test_predictions_are_group_rates(self) -> None:
        """The saturated fit predicts each group's win rate: 0.3, 2/3, 1/4."""
        actual = industry_fit().predict_proba({"industry": ["retail", "software", "hardware"]})

        assert pytest.approx([0.3, 2 / 3, 0.25], abs=1e-8) == actual.tolist()

    def test_log_likelihood_by_hand(self) -> None:
        """sum over groups of n (p ln p + (1 - p) ln(1 - p)):
        10 (0.3 ln 0.3 + 0.7 ln 0.7) + 6 (2/3 ln 2/3 + 1/3 ln 1/3) + 4 (1/4 ln 1/4 + 3/4 ln 3/4)
        = -12.1770686."""
        expected = (
            10 * (0.3 * math.log(0.3) + 0.7 * math.log(0.7))
            + 6 * (2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
            + 4 * (0.25 * math.log(0.25) + 0.75 * math.log(0.75))
        )
        scorer = industry_fit()

        assert pytest.approx(expected, abs=1e-9) == scorer.log_likelihood
        assert pytest.approx(-12.1770686, abs=1e-7) == scorer.log_likelihood
        assert (20, 0.0) == (scorer.n, scorer.l2)
        assert scorer.n_iter > 0
        assert "LogisticScorer(terms=3, n=20, l2=0)" == repr(scorer)

    def test_to_frame_with_p_values(self) -> None:
        """One row per term; z = coefficient / SE and p = 2 P(Z > |z|): intercept
        z = -0.8472979 / 0.6900656 = -1.2278513, p = 0.2195028; software z = 1.3911285,
        p = 0.1641865."""
        table = industry_fit().to_frame()

        assert ["term", "coefficient", "std_error", "z", "p_value"] == table.columns.tolist()
        assert ["intercept", "industry=hardware", "industry=software"] == table["term"].tolist()
        z = (table["coefficient"] / table["std_error"]).tolist()
        assert pytest.approx(z, rel=1e-12) == table["z"].tolist()
        assert pytest.approx([two_sided_p(x) for x in z], rel=1e-9) == table["p_value"].tolist()
        assert pytest.approx([-1.2278513, -0.1868250, 1.3911285], abs=1e-6) == z
        assert pytest.approx(0.2195028, abs=1e-6) == table["p_value"].iloc[0]
        assert pytest.approx(0.1641865, abs=1e-6) == table["p_value"].iloc[2]

    def test_to_frame_polars(self) -> None:
        """The polars backend gives the same columns."""
        table = industry_fit().to_frame(backend="polars")

        assert ["term", "coefficient", "std_error", "z", "p_value"] == table.columns
        assert 3 == table.height

    def test_no_penalty_on_the_intercept(self) -> None:
        """A huge l2 pulls the coefficients to 0 but not the intercept, which becomes the
        overall logit: 8 of 20 won, ln(0.4 / 0.6) = -0.4054651."""
        fit = coefficient(industry_fit(l2=1e9))

        assert pytest.approx(math.log(0.4 / 0.6), abs=1e-6) == fit["intercept"]
        assert 0.0 == pytest.approx(fit["industry=software"], abs=1e-6)
        assert 0.0 == pytest.approx(fit["industry=hardware"], abs=1e-6)

    def test_pandas_and_polars_frames(self) -> None:
        """A pandas or polars frame fits as the mapping does."""
        expected = industry_fit()

        for frame in (pd.DataFrame({"industry": INDUSTRY}), pl.DataFrame({"industry": INDUSTRY})):
            actual = fit_logistic_scorer(frame, WON, l2=0.0)

            assert expected.terms == actual.terms
            assert pytest.approx(expected.coefficients, abs=1e-9) == actual.coefficients


# --- numeric features ---------------------------------------------------------------------


class TestNumeric:
    def test_recovers_known_coefficients(self) -> None:
        """20,000 simulated leads: every estimated coefficient is within 3 standard errors of
        the value the data were simulated with."""
        features, won = simulated()

        scorer = fit_logistic_scorer(features, won, l2=0.0)

        terms = ("intercept", "visits", "employees", "industry=hardware", "industry=software")
        assert terms == scorer.terms
        errors = scorer.standard_errors
        assert errors is not None
        for term, estimate in zip(scorer.terms, scorer.coefficients, strict=True):
            assert abs(estimate - TRUE[term]) < 3 * errors[term], term

    @pytest.mark.parametrize("l2", [0.0, 1.0])
    def test_coefficients_in_original_units(self, l2: float) -> None:
        """Counting visits in tenths (x 10) divides its coefficient and standard error by 10
        and leaves the rest alone (the penalty acts on standardised features)."""
        features, won = simulated(n=5_000)

        base = fit_logistic_scorer(features, won, l2=l2)
        scaled = fit_logistic_scorer({**features, "visits": features["visits"] * 10}, won, l2=l2)

        expected = list(base.coefficients)
        expected[1] /= 10
        assert pytest.approx(expected, rel=1e-6) == list(scaled.coefficients)
        assert base.standard_errors is not None
        assert scaled.standard_errors is not None
        assert (
            pytest.approx(base.standard_errors["visits"] / 10, rel=1e-6)
            == (scaled.standard_errors["visits"])
        )

    @pytest.mark.parametrize("l2", [0.0, 1.0])
    def test_shifting_a_feature_moves_only_the_intercept(self, l2: float) -> None:
        """Adding 100 to employees keeps its slope b and lowers the intercept by 100 b."""
        features, won = simulated(n=5_000)

        base = coefficient(fit_logistic_scorer(features, won, l2=l2))
        shifted = coefficient(
            fit_logistic_scorer({**features, "employees": features["employees"] + 100}, won, l2=l2)
        )

        assert pytest.approx(base["employees"], rel=1e-6) == shifted["employees"]
        assert (
            pytest.approx(base["intercept"] - 100 * base["employees"], rel=1e-6)
            == (shifted["intercept"])
        )

    def test_flags_enter_as_zero_and_one(self) -> None:
        """A flag column fits exactly as the same 0 / 1 integers."""
        flag = [True, False, True, True, False, False, True, False]
        won = [1, 0, 0, 1, 1, 0, 1, 0]

        as_flags = fit_logistic_scorer({"opted_in": flag}, won, l2=0.0)
        as_ints = fit_logistic_scorer({"opted_in": np.array(flag, dtype=int)}, won, l2=0.0)

        assert ("intercept", "opted_in") == as_flags.terms
        assert pytest.approx(as_ints.coefficients, rel=1e-9) == as_flags.coefficients
        # opted in: 3 of 4 won, not: 1 of 4: slope ln 3 - ln(1/3) = ln 9.
        assert pytest.approx(math.log(9), abs=1e-7) == as_flags.coefficients[1]


# --- the ridge penalty --------------------------------------------------------------------


class TestRidge:
    def test_penalty_shrinks_toward_zero(self) -> None:
        """l2 = 0, 10, 100, 1000: the slope keeps its sign and its size falls every time."""
        slopes = [
            fit_logistic_scorer({"x": X1}, Y1, l2=l2).coefficients[1] for l2 in (0, 10, 100, 1000)
        ]

        assert all(s > 0 for s in slopes)
        assert all(a > b for a, b in itertools.pairwise(slopes))

    @settings(max_examples=40, deadline=None)
    @given(st.floats(0.0, 500.0), st.floats(0.0, 500.0))
    def test_larger_penalty_never_larger_slope(self, a: float, b: float) -> None:
        """For one numeric feature |slope(l2)| never grows with l2 and keeps its sign."""
        low, high = sorted((a, b))

        slope_low = fit_logistic_scorer({"x": X1}, Y1, l2=low).coefficients[1]
        slope_high = fit_logistic_scorer({"x": X1}, Y1, l2=high).coefficients[1]

        assert abs(slope_high) <= abs(slope_low) + 1e-9
        assert slope_high >= 0

    def test_categories_shrink_too(self) -> None:
        """l2 = 5 pulls both industry coefficients toward 0."""
        plain = coefficient(industry_fit())
        ridge = coefficient(industry_fit(l2=5.0))

        for term in ("industry=software", "industry=hardware"):
            assert abs(ridge[term]) < abs(plain[term])
            assert math.copysign(1, ridge[term]) == math.copysign(1, plain[term])

    def test_default_is_l2_one(self) -> None:
        """Without l2 the penalty is 1.0."""
        assert 1.0 == fit_logistic_scorer({"x": X1}, Y1).l2


# --- categories ---------------------------------------------------------------------------


class TestCategories:
    def test_categorical_forces_whole_numbers_into_categories(self) -> None:
        """categorical=['region'] one-hot encodes the codes; region 1 and 3 tie at 4 leads, so
        '1' (first sorted) is the reference. The fit equals the one on the codes as text."""
        region = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 1]
        won = [0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1]
        # region 1: 2 of 4 won (logit 0); region 2: 2 of 3 (ln 2); region 3: 1 of 4 (ln 1/3).

        scorer = fit_logistic_scorer({"region": region}, won, l2=0.0, categorical=["region"])
        as_text = fit_logistic_scorer({"region": [str(r) for r in region]}, won, l2=0.0)

        assert ("intercept", "region=2", "region=3") == scorer.terms
        assert ("1", "2", "3") == scorer.categories["region"]
        assert pytest.approx([0.0, math.log(2), math.log(1 / 3)], abs=1e-7) == list(
            scorer.coefficients
        )
        assert pytest.approx(as_text.coefficients, abs=1e-9) == scorer.coefficients
        assert pytest.approx([0.5, 2 / 3, 0.25], abs=1e-8) == (
            scorer.predict_proba({"region": [1, 2, 3]}).tolist()
        )

    def test_without_categorical_whole_numbers_are_numeric(self) -> None:
        """The same codes without categorical= enter as one number."""
        scorer = fit_logistic_scorer({"region": [1, 1, 2, 2, 3, 3]}, [0, 1, 0, 1, 1, 1])

        assert ("intercept", "region") == scorer.terms
        assert {} == dict(scorer.categories)

    def test_unseen_category_scores_as_the_reference(self) -> None:
        """With unseen='ignore' (the default) 'mining' scores as retail: 0.3."""
        actual = industry_fit().predict_proba({"industry": ["mining", "retail"]})

        assert pytest.approx([0.3, 0.3], abs=1e-8) == actual.tolist()

    def test_unseen_category_refused_with_error(self) -> None:
        """unseen='error' refuses it, naming the value and its row."""
        refused(
            industry_fit().predict_proba,
            {"features": {"industry": ["retail", "mining"]}, "unseen": "error"},
            InvalidInputError,
            r"'industry' must be a category seen in training \(or unseen='ignore'\); "
            r"got 'mining' at index 1 \(1 of 2 rows\)",
        )

    def test_missing_category_refused_at_predict(self) -> None:
        """A missing value (None, '') is refused at predict time as at fit time, not scored
        silently as the reference (the docstring: 'a value is missing' raises)."""
        refused(
            industry_fit().predict_proba,
            {"features": {"industry": np.array(["retail", None, ""], dtype=object)}},
            InvalidInputError,
            r"'industry' must be values without missing entries \(None, NaN or ''\); got",
        )


# --- scorers built from stored coefficients -------------------------------------------------


def hand_built(**changes: Any) -> LogisticScorer:
    """log-odds -2 + 0.5 visits + 1.0 (software), retail the reference."""
    fields: dict[str, Any] = {
        "features": ["visits", "industry"],
        "categories": {"industry": ["retail", "software"]},
        "terms": ["intercept", "visits", "industry=software"],
        "coefficients": [-2.0, 0.5, 1.0],
    }
    return LogisticScorer(**{**fields, **changes})


class TestStoredScorer:
    def test_predicts_expit_of_the_linear_predictor(self) -> None:
        """visits 4 & software: -2 + 2 + 1 = 1; 0 & retail: -2; 2 & mining (unseen, as retail):
        -2 + 1 = -1; 1 & software: -0.5."""
        actual = hand_built().predict_proba(
            {"visits": [4, 0, 2, 1], "industry": ["software", "retail", "mining", "software"]}
        )

        assert pytest.approx(expit([1.0, -2.0, -1.0, -0.5]).tolist(), rel=1e-12) == (
            actual.tolist()
        )

    def test_no_covariance_no_standard_errors(self) -> None:
        """Without a covariance there are no standard errors; to_frame shows NaN."""
        scorer = hand_built()

        assert scorer.standard_errors is None
        table = scorer.to_frame()
        assert [-2.0, 0.5, 1.0] == table["coefficient"].tolist()
        assert table[["std_error", "z", "p_value"]].isna().all().all()

    def test_fitted_scorer_round_trips_through_json(self) -> None:
        """A fitted scorer reads back equal, covariance and all, and predicts the same."""
        features, won = simulated(n=2_000)
        scorer = fit_logistic_scorer(features, won, l2=1.0)

        back = io.from_json(LogisticScorer, io.to_json(scorer))

        assert scorer == back
        assert scorer.standard_errors == back.standard_errors
        assert scorer.predict_proba(features).tolist() == back.predict_proba(features).tolist()

    def test_stored_scorer_round_trips_through_json(self) -> None:
        """A scorer without covariance reads back equal."""
        scorer = hand_built()

        assert scorer == io.from_json(LogisticScorer, io.to_json(scorer))

    @pytest.mark.parametrize(
        ("changes", "match"),
        [
            (
                {"terms": ["intercept", "industry=software", "visits"]},
                r"'terms' must be the terms the features and categories imply",
            ),
            (
                {"terms": ["intercept", "visits", "industry=retail"]},
                r"'terms' must be the terms the features and categories imply",
            ),
            ({"coefficients": [-2.0, 0.5]}, r"'coefficients' must be one per term \(3\)"),
            ({"coefficients": [-2.0, math.nan, 1.0]}, r"'coefficients\[1\]' must be a finite"),
            (
                {"categories": {"industry": ["retail", "software"], "region": ["1", "2"]}},
                r"'categories' must be categories of the scorer's features; got \['region'\]",
            ),
            ({"covariance": [[1.0, 0.0], [0.0, 1.0]]}, r"'covariance' must be a 3 x 3 matrix"),
            ({"l2": -1.0}, r"'l2' must be a finite number of at least 0; got -1\.0"),
        ],
        ids=[
            "terms out of order",
            "reference as a term",
            "too few coefficients",
            "nan coefficient",
            "category of no feature",
            "covariance shape",
            "negative l2",
        ],
    )
    def test_inconsistent_scorer_refused(self, changes: dict[str, Any], match: str) -> None:
        """Terms, coefficients, categories and covariance must fit together."""
        with pytest.raises(InvalidInputError, match=match):
            hand_built(**changes)

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            ("terms", ["intercept", "visits", "industry=mining"], r"'terms' must be the terms"),
            ("coefficients", [1.0], r"'coefficients' must be one per term \(3\)"),
            ("categories", {"industry": ["software", "retail"]}, r"'terms' must be the terms"),
            ("features", ["visits"], r"'categories' must be categories of the scorer's features"),
        ],
        ids=["renamed term", "one coefficient", "other reference", "feature dropped"],
    )
    def test_tampered_json_refused(self, field: str, value: Any, match: str) -> None:
        """JSON whose terms no longer match its features and categories is refused."""
        data = json.loads(io.to_json(hand_built()))
        data[field] = value

        with pytest.raises(InvalidInputError, match=match):
            io.from_json(LogisticScorer, json.dumps(data))


# --- separation and convergence -------------------------------------------------------------


class TestSeparationAndConvergence:
    def test_separation_without_penalty_refused(self) -> None:
        """Visits 1, 2 lost and 3, 4 won: no finite maximum-likelihood estimate."""
        with pytest.raises(ConvergenceError, match=r"separate won from lost.*fit with l2 > 0") as (
            caught
        ):
            fit_logistic_scorer({"visits": [1, 2, 3, 4]}, [0, 0, 1, 1], l2=0.0)

        assert "separation" == caught.value.reason

    def test_separated_data_fit_with_a_penalty(self) -> None:
        """The same leads with l2 = 1 have a finite, positive slope."""
        scorer = fit_logistic_scorer({"visits": [1, 2, 3, 4]}, [0, 0, 1, 1], l2=1.0)

        assert 0 < scorer.coefficients[1] < 30

    def test_quasi_separation_without_penalty_refused(self) -> None:
        """Every 'a' lead won, 'b' leads are mixed: the 'a' effect has no finite estimate
        either, so l2=0 must not return an arbitrary coefficient with a huge standard error."""
        with pytest.raises(ConvergenceError):
            fit_logistic_scorer({"i": ["a"] * 5 + ["b"] * 5}, [1] * 5 + [0, 1, 0, 0, 1], l2=0.0)

    def test_an_extreme_lead_is_not_separation(self) -> None:
        """2,000 leads with log-odds 2x, one of them at x = 20 (won, as its log-odds of 40
        predict): the data overlap, the maximum-likelihood slope is finite (1.87, SE 0.09), so
        the fit must succeed and land within 3 standard errors of 2."""
        rng = np.random.default_rng(5)
        x = rng.normal(0, 1, 2_000)
        x[0] = 20.0
        won = (rng.random(2_000) < expit(2 * x)).astype(int)

        scorer = fit_logistic_scorer({"x": x}, won, l2=0.0)

        assert scorer.standard_errors is not None
        assert abs(scorer.coefficients[1] - 2) < 3 * scorer.standard_errors["x"]

    @pytest.mark.parametrize("l2", [1.0, 100.0])
    def test_ordinary_data_converge(self, l2: float) -> None:
        """300 leads from log-odds -0.3 + 0.8 x, x normal (mean 2, sd 1.5): nothing is
        separated and the penalised likelihood is strictly concave, so the fit must return;
        its slope (by Newton's method 0.682 with l2 = 1, 0.211 with l2 = 100) lies between 0
        and the l2 = 0 slope (0.703)."""
        unpenalised = fit_logistic_scorer({"x": X1}, Y1, l2=0.0).coefficients[1]

        scorer = fit_logistic_scorer({"x": X1}, Y1, l2=l2)

        assert 0 < scorer.coefficients[1] < unpenalised


# --- bad inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        (
            {"l2": -1.0},
            InvalidInputError,
            r"'l2' must be a finite number of at least 0; got -1\.0",
        ),
        (
            {"l2": math.nan},
            InvalidInputError,
            r"'l2' must be a finite number of at least 0; got nan",
        ),
        ({"l2": "1"}, InvalidTypeError, r"'l2' must be a real number; got str '1'"),
        (
            {"categorical": ["region"]},
            InvalidInputError,
            r"'categorical' must be names of features \(visits, industry\); got \['region'\]",
        ),
        (
            {"categorical": "visits"},
            InvalidTypeError,
            r"'categorical' must be a sequence of feature names; got str 'visits'",
        ),
        (
            {"won": [1, 0, 2, 0, 1, 0]},
            InvalidInputError,
            r"'won' must be whole numbers from 0 to 1; got 2 at index 2",
        ),
        (
            {"won": [1, 0, 1]},
            InvalidInputError,
            r"'won' must be the same length as 'features' \(6\); got length 3",
        ),
        (
            {"won": [1] * 6},
            InvalidInputError,
            r"'won' must be both won and lost leads; got 6 leads, all alike",
        ),
        (
            {"features": {"visits": [0, 1, math.nan, 3, 4, 5], "industry": ["a", "b"] * 3}},
            InvalidInputError,
            r"'visits' must be finite numbers; got nan at index 2",
        ),
        (
            {
                "features": {
                    "visits": [0, 1, 2, 3, 4, 5],
                    "industry": np.array(["a", None, "b", "a", "b", "a"], dtype=object),
                }
            },
            InvalidInputError,
            r"'industry' must be values without missing entries \(None, NaN or ''\); "
            r"got .*None.* at index 1",
        ),
        (
            {
                "features": {
                    "visits": [0, 1, 2, 3, 4, 5],
                    "industry": ["a", "b", "", "a", "b", "a"],
                }
            },
            InvalidInputError,
            r"'industry' must be values without missing entries \(None, NaN or ''\); "
            r"got '' at index 2",
        ),
        (
            {"features": {"visits": [2] * 6, "industry": ["a", "b"] * 3}},
            InvalidInputError,
            r"'visits' must be a feature that varies; got every value 2\.0",
        ),
        (
            {"features": {"visits": [0, 1, 2, 3, 4, 5], "double": [0, 2, 4, 6, 8, 10]}},
            InvalidInputError,
            r"'features' must be linearly independent columns \(or l2 > 0\); "
            r"got \['visits', 'double'\]",
        ),
        (
            {
                "features": {"visits": [0.5, 1, 2, 3, 4, 5], "industry": ["a", "b"] * 3},
                "categorical": ["visits"],
            },
            InvalidTypeError,
            r"'visits' must be categories .*got a column of floats",
        ),
        ({"features": {}}, InvalidInputError, r"'features' must be at least one feature column"),
        (
            {"features": [[0, 1], [1, 0]]},
            InvalidTypeError,
            r"'features' must be a pandas, polars or pyarrow",
        ),
    ],
    ids=[
        "negative l2",
        "nan l2",
        "l2 as text",
        "unknown categorical",
        "categorical as text",
        "outcome 2",
        "outcome length",
        "all won",
        "nan number",
        "none category",
        "empty category",
        "constant number",
        "collinear",
        "floats as categories",
        "no features",
        "features as nested lists",
    ],
)
def test_bad_inputs_refused(changes: dict[str, Any], error: type[Exception], match: str) -> None:
    """Each bad argument is refused with an error naming it and the bad value."""
    valid = {
        "features": {"visits": [0, 1, 2, 3, 4, 5], "industry": ["a", "b", "a", "b", "a", "b"]},
        "won": [0, 0, 1, 0, 1, 1],
        "l2": 0.0,
    }
    refused(fit_logistic_scorer, {**valid, **changes}, error, match)


def test_collinear_features_fit_with_a_penalty() -> None:
    """The collinear columns that l2=0 refuses fit with l2 > 0, sharing the effect."""
    scorer = fit_logistic_scorer(
        {"visits": [0, 1, 2, 3, 4, 5], "double": [0, 2, 4, 6, 8, 10]}, [0, 0, 1, 0, 1, 1], l2=1.0
    )

    visits, double = scorer.coefficients[1:]
    assert pytest.approx(2 * double, rel=1e-6) == visits  # equal on standardised features


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        (
            {"unseen": "skip"},
            InvalidInputError,
            r"'unseen' must be one of 'ignore', 'error'; got 'skip'",
        ),
        (
            {"features": {"industry": ["retail"]}},
            InvalidInputError,
            r"'features' must be columns for every feature \(visits, industry\); "
            r"got none for 'visits'",
        ),
        (
            {"features": {"visits": [1.0, math.inf], "industry": ["retail", "retail"]}},
            InvalidInputError,
            r"'visits' must be finite numbers; got inf at index 1",
        ),
    ],
    ids=["unknown unseen", "missing feature", "infinite number"],
)
def test_bad_predict_inputs_refused(
    changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Each bad argument to predict_proba is refused naming it."""
    refused(
        hand_built().predict_proba,
        {"features": {"visits": [1], "industry": ["retail"]}, **changes},
        error,
        match,
    )
