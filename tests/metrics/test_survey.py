"""Survey metrics and their statistics: NPS, CSAT, CES, proportions, tests, sample sizes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics import (
    CesResult,
    CsatResult,
    NpsComparison,
    NpsResult,
    ProportionInterval,
    ProportionTest,
    ab_sample_size,
    ces_score,
    compare_nps,
    csat_score,
    net_promoter_score,
    nps_sample_size,
    proportion_ci,
    two_proportion_test,
    uplift_test,
)

Z95 = 1.959963984540054
"""The two-sided 95 % normal quantile, `norm.ppf(0.975)`."""

TEN = [10, 9, 9, 8, 7, 10, 3, 6, 9, 10]
"""The issue's example: 6 promoters (9, 9, 10, 10, 9, 10), 2 passives, 2 detractors (3, 6)."""

METHODS = ["wilson", "wald", "agresti_coull", "clopper_pearson", "jeffreys"]

ratings_0_10 = st.lists(st.integers(0, 10), min_size=1, max_size=60)
"""Valid NPS answers."""

confidences = st.floats(0.5, 0.999)


# --- net_promoter_score -------------------------------------------------------------------


class TestNetPromoterScore:
    def test_issue_example_counts_and_score(self) -> None:
        """6 promoters, 2 passives, 2 detractors of 10: 60 % - 20 % = +40."""
        r = net_promoter_score(TEN)

        assert (40.0, 6, 2, 2, 10) == (
            r.score,
            r.n_promoters,
            r.n_passives,
            r.n_detractors,
            r.n_responses,
        )
        assert (0.6, 0.2) == (r.promoter_share, r.detractor_share)
        assert ("adjusted_wald", 0.95) == (r.method, r.confidence)

    def test_issue_example_adjusted_wald_interval(self) -> None:
        """Rocks' adjustment: n = 13, p_P = 6.75/13 = 0.51923, p_D = 2.75/13 = 0.21154.

        centre 0.30769, variance 0.73077 - 0.30769**2 = 0.63609, se sqrt(0.63609/13) = 0.22120,
        half-width 1.95996 * 0.22120 = 0.43355: [-12.6, 74.1] (it contains the raw +40).
        """
        r = net_promoter_score(TEN)
        p_pro, p_det = 6.75 / 13, 2.75 / 13
        half = Z95 * math.sqrt((p_pro + p_det - (p_pro - p_det) ** 2) / 13)

        assert pytest.approx(100 * (p_pro - p_det - half)) == r.ci_low
        assert pytest.approx(100 * (p_pro - p_det + half)) == r.ci_high
        assert (-12.6, 74.1) == (round(r.ci_low, 1), round(r.ci_high, 1))
        assert "NpsResult(score=40.0, ci_low=-12.6, ci_high=74.1, n_responses=10, " + (
            "method='adjusted_wald')"
        ) == repr(r)

    def test_issue_example_wald_interval(self) -> None:
        """Raw shares 0.6 and 0.2: variance 0.8 - 0.4**2 = 0.64, se sqrt(0.064) = 0.25298,
        half-width 0.49583: [-9.58, 89.58], centred on the score."""
        r = net_promoter_score(TEN, method="wald")
        half = Z95 * math.sqrt(0.64 / 10)

        assert pytest.approx(40 - 100 * half) == r.ci_low
        assert pytest.approx(40 + 100 * half) == r.ci_high
        assert (-9.58, 89.58) == (round(r.ci_low, 2), round(r.ci_high, 2))

    def test_confidence_level_changes_the_interval(self) -> None:
        """At 90 % the Wald half-width is 1.64485 * 0.25298 = 0.41612: [-1.6, 81.6]."""
        r = net_promoter_score(TEN, method="wald", confidence=0.9)

        assert pytest.approx(40 - 41.612, abs=1e-3) == r.ci_low
        assert pytest.approx(40 + 41.612, abs=1e-3) == r.ci_high
        assert 0.9 == r.confidence

    def test_all_promoters(self) -> None:
        """Three 10s and 9s: +100. Wald gives the degenerate [100, 100]; the adjusted
        interval (centre (3.75 - 0.75) / 6 = 0.5, half 1.96 * sqrt(0.5 / 6) = 0.566) is clipped
        at 100: [-6.6, 100]."""
        wald = net_promoter_score([10, 10, 9], method="wald")
        adjusted = net_promoter_score([10, 10, 9])

        assert (100.0, 100.0, 100.0) == (wald.score, wald.ci_low, wald.ci_high)
        assert 100.0 == adjusted.score
        assert pytest.approx(100 * (0.5 - Z95 * math.sqrt(0.5 / 6))) == adjusted.ci_low
        assert 100.0 == adjusted.ci_high

    def test_single_detractor(self) -> None:
        """One 3: -100. Adjusted: n = 4, p_P = 0.1875, p_D = 0.4375, centre -0.25, variance
        0.625 - 0.0625 = 0.5625, half 1.96 * 0.75 / 2 = 0.735: [-98.5, 48.5], which does not
        contain the raw -100 (the docstring's example)."""
        r = net_promoter_score([3])

        assert (-100.0, 1, 0, 0, 1) == (
            r.score,
            r.n_detractors,
            r.n_promoters,
            r.n_passives,
            r.n_responses,
        )
        assert pytest.approx(100 * (-0.25 - Z95 * 0.375)) == r.ci_low
        assert pytest.approx(100 * (-0.25 + Z95 * 0.375)) == r.ci_high
        assert (-98.5, 48.5) == (round(r.ci_low, 1), round(r.ci_high, 1))

    def test_single_response_under_every_method_is_finite(self) -> None:
        """A single 9 is +100 under every method, with finite bounds in [-100, 100]."""
        for method in ("adjusted_wald", "wald", "bootstrap"):
            r = net_promoter_score([9], method=method, seed=0)

            assert 100.0 == r.score
            assert -100.0 <= r.ci_low <= r.ci_high <= 100.0

    def test_all_detractors(self) -> None:
        """Four answers of 0 to 6: -100; Wald [-100, -100]; the adjusted interval is clipped
        at -100 below."""
        wald = net_promoter_score([0, 6, 5, 1], method="wald")
        adjusted = net_promoter_score([0, 6, 5, 1])

        assert (-100.0, -100.0, -100.0) == (wald.score, wald.ci_low, wald.ci_high)
        assert (-100.0, -100.0) == (adjusted.score, adjusted.ci_low)
        assert adjusted.ci_high > -100.0

    def test_all_passives_score_zero(self) -> None:
        """Only 7s and 8s: 0 % - 0 % = 0, and Wald has no spread: [0, 0]."""
        r = net_promoter_score([7, 8, 8], method="wald")

        assert (0.0, 0.0, 0.0, 3) == (r.score, r.ci_low, r.ci_high, r.n_passives)

    def test_category_boundaries(self) -> None:
        """6 is a detractor, 7 and 8 passives, 9 a promoter; 0 and 10 are on the scale."""
        r = net_promoter_score([0, 6, 7, 8, 9, 10])

        assert (2, 2, 2) == (r.n_promoters, r.n_passives, r.n_detractors)

    def test_array_likes_are_accepted(self) -> None:
        """A numpy array, a pandas Series and whole floats give the same result as a list."""
        expected = net_promoter_score(TEN)

        assert expected == net_promoter_score(np.array(TEN))
        assert expected == net_promoter_score(pd.Series(TEN))
        assert expected == net_promoter_score([float(x) for x in TEN])

    def test_bootstrap_is_deterministic_for_a_seed(self) -> None:
        """The same seed (or a generator seeded alike) gives the same interval."""
        ratings = TEN * 3
        first = net_promoter_score(ratings, method="bootstrap", seed=0, n_resamples=1000)

        assert first == net_promoter_score(ratings, method="bootstrap", seed=0, n_resamples=1000)
        assert first == net_promoter_score(
            ratings, method="bootstrap", seed=np.random.default_rng(0), n_resamples=1000
        )
        assert "bootstrap" == first.method

    def test_bootstrap_different_seeds_differ(self) -> None:
        """Seeds 0 and 1 draw different resamples: the upper ends are 70 and 66.7."""
        ratings = TEN * 3
        first = net_promoter_score(ratings, method="bootstrap", seed=0, n_resamples=1000)
        second = net_promoter_score(ratings, method="bootstrap", seed=1, n_resamples=1000)

        assert (first.ci_low, first.ci_high) != (second.ci_low, second.ci_high)

    def test_bootstrap_centres_near_the_wald_interval(self) -> None:
        """With 300 answers the percentile bootstrap is close to the Wald interval (within 3
        points), and lies in [-100, 100]."""
        ratings = TEN * 30
        boot = net_promoter_score(ratings, method="bootstrap", seed=7)
        wald = net_promoter_score(ratings, method="wald")

        assert abs(boot.ci_low - wald.ci_low) < 3
        assert abs(boot.ci_high - wald.ci_high) < 3

    @given(ratings=ratings_0_10, seed=st.integers(0, 2**32), confidence=confidences)
    def test_bootstrap_interval_within_bounds(
        self, ratings: list[int], seed: int, confidence: float
    ) -> None:
        """The percentile interval lies in [-100, 100], low end first."""
        r = net_promoter_score(
            ratings, method="bootstrap", seed=seed, n_resamples=200, confidence=confidence
        )

        assert -100.0 <= r.ci_low <= r.ci_high <= 100.0

    @given(ratings=ratings_0_10, method=st.sampled_from(["adjusted_wald", "wald"]))
    def test_score_and_interval_within_bounds(self, ratings: list[int], method: str) -> None:
        """Score and interval ends lie in [-100, 100], in order."""
        r = net_promoter_score(ratings, method=method)  # type: ignore[arg-type]

        assert -100.0 <= r.score <= 100.0
        assert -100.0 <= r.ci_low <= r.ci_high <= 100.0

    @given(ratings=ratings_0_10)
    def test_wald_interval_contains_the_score(self, ratings: list[int]) -> None:
        """The Wald interval is centred on the raw score, so it contains it (the adjusted
        one need not: see `test_single_detractor`)."""
        r = net_promoter_score(ratings, method="wald")

        assert r.ci_low <= r.score <= r.ci_high

    @given(ratings=ratings_0_10)
    def test_counts_add_up(self, ratings: list[int]) -> None:
        """Promoters + passives + detractors = answers, and the score is their shares'
        difference."""
        r = net_promoter_score(ratings)

        assert r.n_responses == r.n_promoters + r.n_passives + r.n_detractors
        assert len(ratings) == r.n_responses
        assert sum(x >= 9 for x in ratings) == r.n_promoters
        assert sum(x <= 6 for x in ratings) == r.n_detractors
        assert pytest.approx(100 * (r.promoter_share - r.detractor_share)) == r.score

    @given(ratings=ratings_0_10, data=st.data())
    def test_permutation_invariance(self, ratings: list[int], data: st.DataObject) -> None:
        """The order of the answers does not matter."""
        shuffled = data.draw(st.permutations(ratings))

        assert net_promoter_score(ratings) == net_promoter_score(shuffled)

    @given(ratings=ratings_0_10)
    def test_duplicating_keeps_the_score_and_narrows_the_wald_interval(
        self, ratings: list[int]
    ) -> None:
        """Twice the same answers: same score, and a Wald interval nested in the first (the
        standard error shrinks by sqrt(2) around the same centre)."""
        once = net_promoter_score(ratings, method="wald")
        twice = net_promoter_score(ratings * 2, method="wald")

        assert once.score == twice.score
        assert once.ci_low <= twice.ci_low <= twice.ci_high <= once.ci_high

    def test_duplicating_narrows_strictly_when_answers_vary(self) -> None:
        """For the example the half-width drops from 49.58 to 49.58 / sqrt(2) = 35.06."""
        once = net_promoter_score(TEN, method="wald")
        twice = net_promoter_score(TEN * 2, method="wald")

        width = once.ci_high - once.ci_low
        assert pytest.approx(width / math.sqrt(2)) == twice.ci_high - twice.ci_low

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"ratings": [9, 11]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 0 to 10; got 11 at index 1",
            ),
            (
                {"ratings": [-1]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 0 to 10; got -1 at index 0",
            ),
            (
                {"ratings": [9, 8.5]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 0 to 10; got 8\.5 at index 1",
            ),
            (
                {"ratings": [float("nan")]},
                InvalidInputError,
                r"'ratings' must be whole numbers.*; got nan",
            ),
            (
                {"ratings": []},
                InvalidInputError,
                r"'ratings' must be non-empty; got an empty array",
            ),
            (
                {"ratings": [[9, 10]]},
                InvalidInputError,
                r"'ratings' must be one-dimensional; got an array of shape \(1, 2\)",
            ),
            (
                {"ratings": "910"},
                InvalidTypeError,
                r"'ratings' must be a one-dimensional array-like; got str '910'",
            ),
            (
                {"ratings": [True, False]},
                InvalidTypeError,
                r"'ratings' must be an array of whole numbers; got an array of dtype bool",
            ),
            (
                {"ratings": TEN, "confidence": 1.0},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 1\.0",
            ),
            (
                {"ratings": TEN, "confidence": 0},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 0\.0",
            ),
            (
                {"ratings": TEN, "confidence": 95},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 95\.0",
            ),
            (
                {"ratings": TEN, "method": "exact"},
                InvalidInputError,
                r"'method' must be one of 'adjusted_wald', 'wald', 'bootstrap'; got 'exact'",
            ),
            (
                {"ratings": TEN, "n_resamples": 99},
                InvalidInputError,
                r"'n_resamples' must be an integer of at least 100; got 99",
            ),
            (
                {"ratings": TEN, "seed": -1},
                InvalidInputError,
                r"'seed' must be an integer of at least 0; got -1",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Ratings off the 0-10 scale or not whole, empty samples and bad options raise an
        error naming the argument and the value."""
        refused(net_promoter_score, kwargs, error, match)

    def test_result_type(self) -> None:
        """The result is an `NpsResult`."""
        assert isinstance(net_promoter_score(TEN), NpsResult)


# --- compare_nps --------------------------------------------------------------------------

LAST_QUARTER = [10, 9, 6, 3, 8] * 20
"""40 promoters, 40 detractors and 20 passives of 100: NPS 0."""
THIS_QUARTER = [10, 9, 9, 6, 8] * 20
"""60 promoters, 20 detractors and 20 passives of 100: NPS +40."""


class TestCompareNps:
    def test_docstring_example(self) -> None:
        """From 0 to +40. Adjusted (n = 103): first p_P = p_D = 40.75/103, centre 0, variance
        0.791262; second 60.75/103 and 20.75/103, centre 0.388350, variance 0.640446.
        se = sqrt((0.791262 + 0.640446) / 103) = 0.117899, z = 0.388350 / 0.117899 = 3.2939,
        p = 0.00099; interval 0.38835 -/+ 1.96 * 0.117899 = [15.7, 61.9]."""
        c = compare_nps(LAST_QUARTER, THIS_QUARTER)
        first_var = 2 * 40.75 / 103
        second_centre = 40 / 103
        second_var = 81.5 / 103 - second_centre**2
        error = math.sqrt((first_var + second_var) / 103)

        assert 40.0 == c.difference
        assert pytest.approx(second_centre / error) == c.z
        assert pytest.approx(3.2939, abs=1e-4) == c.z
        assert pytest.approx(2 * stats.norm.sf(second_centre / error)) == c.p_value
        assert pytest.approx(100 * (second_centre - Z95 * error)) == c.ci_low
        assert pytest.approx(100 * (second_centre + Z95 * error)) == c.ci_high
        assert "NpsComparison(difference=40.0, ci_low=15.7, ci_high=61.9, p_value=0.001)" == repr(
            c
        )
        assert (0.0, 40.0, 0.95) == (c.first.score, c.second.score, c.confidence)

    def test_identical_groups_give_no_difference(self) -> None:
        """The same answers twice: difference 0, z 0, p-value 1."""
        c = compare_nps(TEN, TEN)

        assert (0.0, 0.0, 1.0) == (c.difference, c.z, c.p_value)
        assert c.ci_low < 0 < c.ci_high

    def test_single_answers_are_compared_without_nan(self) -> None:
        """One promoter against one detractor: finite statistics (adjusted shares never
        vanish)."""
        c = compare_nps([3], [10])

        assert 200.0 == c.difference
        assert all(math.isfinite(x) for x in (c.z, c.p_value, c.ci_low, c.ci_high))

    @given(first=ratings_0_10, second=ratings_0_10)
    def test_swapping_the_groups_negates_difference_and_z(
        self, first: list[int], second: list[int]
    ) -> None:
        """Second vs first is the mirror image of first vs second, with the same p-value."""
        forward = compare_nps(first, second)
        backward = compare_nps(second, first)

        assert pytest.approx(-forward.difference, abs=1e-9) == backward.difference
        assert pytest.approx(-forward.z, abs=1e-9) == backward.z
        assert pytest.approx(forward.p_value) == backward.p_value
        assert pytest.approx(-forward.ci_high, abs=1e-9) == backward.ci_low

    @given(first=ratings_0_10, second=ratings_0_10)
    def test_p_value_is_a_probability(self, first: list[int], second: list[int]) -> None:
        """The p-value lies in [0, 1] and the interval is ordered."""
        c = compare_nps(first, second)

        assert 0.0 <= c.p_value <= 1.0
        assert c.ci_low <= c.ci_high

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"first": [], "second": TEN},
                InvalidInputError,
                r"'first' must be non-empty; got an empty array",
            ),
            (
                {"first": TEN, "second": []},
                InvalidInputError,
                r"'second' must be non-empty; got an empty array",
            ),
            (
                {"first": TEN, "second": [12]},
                InvalidInputError,
                r"'second' must be whole numbers from 0 to 10; got 12",
            ),
            (
                {"first": [9.5], "second": TEN},
                InvalidInputError,
                r"'first' must be whole numbers from 0 to 10; got 9\.5",
            ),
            (
                {"first": TEN, "second": TEN, "confidence": 2},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 2\.0",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Empty or off-scale groups and a bad confidence are refused under their own names."""
        refused(compare_nps, kwargs, error, match)

    def test_result_type(self) -> None:
        """The result is an `NpsComparison`."""
        assert isinstance(compare_nps(TEN, TEN), NpsComparison)


# --- nps_sample_size ----------------------------------------------------------------------


class TestNpsSampleSize:
    def test_worst_case_margin_10(self) -> None:
        """sd = 1: (1.95996 / 0.10)**2 = 384.15, rounded up to 385."""
        assert 385 == nps_sample_size(10)

    def test_expected_shares(self) -> None:
        """Shares 0.5 and 0.2: sd = sqrt(0.7 - 0.09) = 0.781; (1.96 * 0.781 / 0.05)**2 = 937.4
        -> 938."""
        assert math.ceil((Z95 / 0.05) ** 2 * 0.61) == nps_sample_size(5, expected=(0.5, 0.2))
        assert 938 == nps_sample_size(5, expected=[0.5, 0.2])  # type: ignore[arg-type]

    def test_other_confidence(self) -> None:
        """At 90 %: (1.64485 / 0.1)**2 = 270.56 -> 271."""
        assert 271 == nps_sample_size(10, confidence=0.9)

    def test_no_spread_needs_one_answer(self) -> None:
        """All promoters expected: no variance, so a single answer suffices."""
        assert 1 == nps_sample_size(10, expected=(1.0, 0.0))

    @given(
        margin=st.floats(0.5, 199.0),
        factor=st.floats(1.01, 10.0),
        confidence=confidences,
    )
    def test_monotone_in_margin(self, margin: float, factor: float, confidence: float) -> None:
        """A wider margin never needs more answers."""
        wider = min(margin * factor, 200.0)

        assert nps_sample_size(wider, confidence=confidence) <= nps_sample_size(
            margin, confidence=confidence
        )

    @given(margin=st.floats(0.5, 200.0), low=confidences, high=confidences)
    def test_monotone_in_confidence(self, margin: float, low: float, high: float) -> None:
        """A higher confidence never needs fewer answers."""
        low, high = sorted((low, high))

        assert nps_sample_size(margin, confidence=low) <= nps_sample_size(margin, confidence=high)

    @given(
        margin=st.floats(0.5, 200.0),
        promoters=st.floats(0.0, 1.0),
        detractors=st.floats(0.0, 1.0),
    )
    def test_worst_case_bounds_every_expectation(
        self, margin: float, promoters: float, detractors: float
    ) -> None:
        """sd <= 1 for any shares, so the worst case is an upper bound."""
        detractors = min(detractors, 1.0 - promoters)

        assert nps_sample_size(margin, expected=(promoters, detractors)) <= nps_sample_size(margin)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"margin": 0},
                InvalidInputError,
                r"'margin' must be a finite number in \(0, 200\]; got 0\.0",
            ),
            (
                {"margin": -5},
                InvalidInputError,
                r"'margin' must be a finite number in \(0, 200\]; got -5\.0",
            ),
            (
                {"margin": 201},
                InvalidInputError,
                r"'margin' must be a finite number in \(0, 200\]; got 201\.0",
            ),
            (
                {"margin": float("nan")},
                InvalidInputError,
                r"'margin' must be a finite number in \(0, 200\]; got nan",
            ),
            ({"margin": "10"}, InvalidTypeError, r"'margin' must be a real number; got str '10'"),
            (
                {"margin": 10, "confidence": 1.5},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 1\.5",
            ),
            (
                {"margin": 10, "expected": (1.2, 0.0)},
                InvalidInputError,
                r"'expected' must be a finite number in \[0, 1\]; got 1\.2",
            ),
            (
                {"margin": 10, "expected": (0.5, -0.1)},
                InvalidInputError,
                r"'expected' must be a finite number in \[0, 1\]; got -0\.1",
            ),
            (
                {"margin": 10, "expected": (0.6, 0.5)},
                InvalidInputError,
                r"'expected' must be shares summing to at most 1; got \(0\.6, 0\.5\)",
            ),
            (
                {"margin": 10, "expected": (0.5,)},
                InvalidTypeError,
                r"'expected' must be a \(promoter share, detractor share\) pair; "
                r"got tuple \(0\.5,\)",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Margins outside (0, 200], shares outside [0, 1] or summing above 1 are refused."""
        refused(nps_sample_size, kwargs, error, match)


# --- proportion_ci ------------------------------------------------------------------------


def wilson_by_formula(k: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval, written out: (k + z²/2 ± z sqrt(k(n-k)/n + z²/4)) / (n + z²)."""
    centre = (k + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * math.sqrt(k * (n - k) / n + z**2 / 4)
    return centre - half, centre + half


class TestProportionCi:
    def test_docstring_wilson(self) -> None:
        """8 of 10 at 95 %: Wilson centre (8 + 1.92) / 13.84 = 0.7167, half
        1.96 / 13.84 * sqrt(1.6 + 0.96) = 0.2266: [0.490, 0.943]."""
        r = proportion_ci(8, 10)

        assert pytest.approx(wilson_by_formula(8, 10, Z95)) == (r.ci_low, r.ci_high)
        assert (0.8, 8, 10, "wilson", 0.95) == (
            r.estimate,
            r.successes,
            r.n,
            r.method,
            r.confidence,
        )
        assert (
            "ProportionInterval(estimate=0.800, ci_low=0.490, ci_high=0.943, method='wilson')"
            == repr(r)
        )

    def test_clopper_pearson_zero_successes(self) -> None:
        """0 of 20: the exact upper end solves (1 - p)**20 = 0.025, p = 1 - 0.025**(1/20) =
        0.1684; the lower end is 0."""
        r = proportion_ci(0, 20, method="clopper_pearson")

        assert (0.0, 0.0) == (r.estimate, r.ci_low)
        assert pytest.approx(1 - 0.025 ** (1 / 20)) == r.ci_high

    def test_clopper_pearson_all_successes(self) -> None:
        """20 of 20: the exact lower end is 0.025**(1/20) = 0.8316; the upper end is 1."""
        r = proportion_ci(20, 20, method="clopper_pearson")

        assert pytest.approx(0.025 ** (1 / 20)) == r.ci_low
        assert 1.0 == r.ci_high

    def test_agresti_coull_by_hand(self) -> None:
        """8 of 10: n~ = 10 + 3.8415 = 13.8415, p~ = (8 + 1.9207) / 13.8415 = 0.71675,
        half 1.96 * sqrt(0.71675 * 0.28325 / 13.8415) = 0.23737: [0.4794, 0.9541]."""
        r = proportion_ci(8, 10, method="agresti_coull")
        size = 10 + Z95**2
        p = (8 + Z95**2 / 2) / size
        half = Z95 * math.sqrt(p * (1 - p) / size)

        assert pytest.approx((p - half, p + half)) == (r.ci_low, r.ci_high)
        assert (0.4794, 0.9541) == (round(r.ci_low, 4), round(r.ci_high, 4))

    def test_wald_by_hand_is_clipped(self) -> None:
        """8 of 10: 0.8 -/+ 1.96 * sqrt(0.016) = 0.8 -/+ 0.2479: [0.5521, 1] after clipping."""
        r = proportion_ci(8, 10, method="wald")

        assert pytest.approx(0.8 - Z95 * math.sqrt(0.016)) == r.ci_low
        assert 1.0 == r.ci_high

    def test_wald_is_degenerate_at_zero(self) -> None:
        """0 of 10 under Wald: no spread, [0, 0]."""
        r = proportion_ci(0, 10, method="wald")

        assert (0.0, 0.0, 0.0) == (r.estimate, r.ci_low, r.ci_high)

    @pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (37, 250)])
    @pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
    def test_wilson_and_exact_match_scipy_binomtest(
        self, k: int, n: int, confidence: float
    ) -> None:
        """Wilson and Clopper-Pearson agree with `scipy.stats.binomtest(k, n).proportion_ci`,
        and Wilson with its closed form."""
        test = stats.binomtest(k, n)
        wilson = test.proportion_ci(confidence_level=confidence, method="wilson")
        exact = test.proportion_ci(confidence_level=confidence, method="exact")
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        low, high = wilson_by_formula(k, n, z)

        r = proportion_ci(k, n, confidence=confidence)
        e = proportion_ci(k, n, confidence=confidence, method="clopper_pearson")

        assert pytest.approx((wilson.low, wilson.high), abs=1e-12) == (r.ci_low, r.ci_high)
        assert pytest.approx((max(low, 0.0), min(high, 1.0)), abs=1e-12) == (r.ci_low, r.ci_high)
        assert pytest.approx((exact.low, exact.high), abs=1e-12) == (e.ci_low, e.ci_high)

    @pytest.mark.parametrize(("k", "n"), [(1, 1), (3, 10), (9, 10), (37, 250)])
    def test_exact_matches_beta_quantiles(self, k: int, n: int) -> None:
        """Clopper-Pearson for 0 < k < n: [Beta(k, n-k+1).ppf(0.025), Beta(k+1, n-k).ppf(0.975)]
        (k = n has no second Beta: its upper end is 1)."""
        r = proportion_ci(k, n, method="clopper_pearson")
        high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)

        assert pytest.approx(stats.beta.ppf(0.025, k, n - k + 1)) == r.ci_low
        assert pytest.approx(high) == r.ci_high

    @pytest.mark.parametrize(("k", "n"), [(1, 10), (3, 10), (5, 7), (37, 250)])
    def test_jeffreys_is_the_beta_posterior_interval(self, k: int, n: int) -> None:
        """Jeffreys: the 2.5 % and 97.5 % quantiles of Beta(k + 1/2, n - k + 1/2)."""
        r = proportion_ci(k, n, method="jeffreys")
        posterior = stats.beta(k + 0.5, n - k + 0.5)

        assert pytest.approx(posterior.ppf(0.025)) == r.ci_low
        assert pytest.approx(posterior.ppf(0.975)) == r.ci_high

    def test_jeffreys_pins_the_end_at_zero_and_n(self) -> None:
        """At 0 successes the lower end is 0, at n the upper end is 1 (Brown, Cai & DasGupta);
        the other end keeps its Beta quantile."""
        none = proportion_ci(0, 10, method="jeffreys")
        every = proportion_ci(10, 10, method="jeffreys")

        assert 0.0 == none.ci_low
        assert pytest.approx(stats.beta.ppf(0.975, 0.5, 10.5)) == none.ci_high
        assert 1.0 == every.ci_high
        assert pytest.approx(stats.beta.ppf(0.025, 10.5, 0.5)) == every.ci_low

    @given(
        data=st.data(),
        n=st.integers(1, 2000),
        method=st.sampled_from(METHODS),
        confidence=confidences,
    )
    def test_bounds_within_unit_interval(
        self, data: st.DataObject, n: int, method: str, confidence: float
    ) -> None:
        """Every method gives 0 <= low <= high <= 1 and the estimate k / n."""
        k = data.draw(st.integers(0, n))

        r = proportion_ci(k, n, method=method, confidence=confidence)  # type: ignore[arg-type]

        assert 0.0 <= r.ci_low <= r.ci_high <= 1.0
        assert k / n == r.estimate

    @given(
        data=st.data(),
        n=st.integers(1, 2000),
        method=st.sampled_from(["wilson", "wald", "clopper_pearson"]),
        confidence=confidences,
    )
    def test_score_wald_and_exact_intervals_contain_the_estimate(
        self, data: st.DataObject, n: int, method: str, confidence: float
    ) -> None:
        """Wilson, Wald and Clopper-Pearson always contain k / n."""
        k = data.draw(st.integers(0, n))

        r = proportion_ci(k, n, method=method, confidence=confidence)  # type: ignore[arg-type]

        assert r.ci_low <= r.estimate <= r.ci_high

    @given(data=st.data(), n=st.integers(1, 500), method=st.sampled_from(METHODS))
    def test_higher_confidence_widens(self, data: st.DataObject, n: int, method: str) -> None:
        """The 99 % interval contains the 90 % one."""
        k = data.draw(st.integers(0, n))

        narrow = proportion_ci(k, n, method=method, confidence=0.9)  # type: ignore[arg-type]
        wide = proportion_ci(k, n, method=method, confidence=0.99)  # type: ignore[arg-type]

        assert wide.ci_low <= narrow.ci_low + 1e-12
        assert narrow.ci_high <= wide.ci_high + 1e-12

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"successes": 0, "n": 0},
                InvalidInputError,
                r"'n' must be an integer of at least 1; got 0",
            ),
            (
                {"successes": 1, "n": -3},
                InvalidInputError,
                r"'n' must be an integer of at least 1; got -3",
            ),
            (
                {"successes": 11, "n": 10},
                InvalidInputError,
                r"'successes' must be an integer from 0 to 10; got 11",
            ),
            (
                {"successes": -1, "n": 10},
                InvalidInputError,
                r"'successes' must be an integer from 0 to 10; got -1",
            ),
            (
                {"successes": 1.5, "n": 10},
                InvalidTypeError,
                r"'successes' must be an integer; got float 1\.5",
            ),
            (
                {"successes": 1, "n": 10.0},
                InvalidTypeError,
                r"'n' must be an integer; got float 10\.0",
            ),
            (
                {"successes": 1, "n": 10, "confidence": 1.0},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 1\.0",
            ),
            (
                {"successes": 1, "n": 10, "method": "exact"},
                InvalidInputError,
                r"'method' must be one of 'wilson', 'wald', 'agresti_coull', 'clopper_pearson', "
                r"'jeffreys'; got 'exact'",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """n = 0, successes outside 0..n, non-integers and bad options are refused."""
        refused(proportion_ci, kwargs, error, match)

    def test_result_type(self) -> None:
        """The result is a `ProportionInterval`."""
        assert isinstance(proportion_ci(1, 2), ProportionInterval)


# --- two_proportion_test and uplift_test --------------------------------------------------

counts = st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
"""(successes, n) pairs."""


class TestTwoProportionTest:
    def test_docstring_example(self) -> None:
        """5 % vs 7 % of 1,000: pooled 0.06, se sqrt(0.06 * 0.94 * 2 / 1000) = 0.010621,
        z = 0.02 / 0.010621 = 1.883, p = 0.060; Newcombe interval [-0.001, 0.041]."""
        t = two_proportion_test(50, 1000, 70, 1000)
        z = 0.02 / math.sqrt(0.06 * 0.94 * 2 / 1000)

        assert pytest.approx(0.02) == t.difference
        assert pytest.approx(z) == t.z
        assert pytest.approx(2 * stats.norm.sf(z)) == t.p_value
        assert (
            "ProportionTest(difference=0.020, ci_low=-0.001, ci_high=0.041, p_value=0.060)"
            == repr(t)
        )

    def test_newcombe_interval_by_hand(self) -> None:
        """Newcombe's hybrid: delta -/+ sqrt of the squared Wilson distances of each group."""
        t = two_proportion_test(50, 1000, 70, 1000)
        l1, u1 = wilson_by_formula(50, 1000, Z95)
        l2, u2 = wilson_by_formula(70, 1000, Z95)

        assert pytest.approx(0.02 - math.sqrt((0.07 - l2) ** 2 + (u1 - 0.05) ** 2)) == t.ci_low
        assert pytest.approx(0.02 + math.sqrt((u2 - 0.07) ** 2 + (0.05 - l1) ** 2)) == t.ci_high
        assert (0.05, 0.07) == (t.first.estimate, t.second.estimate)

    def test_equal_extreme_shares_give_z_zero(self) -> None:
        """0 of 10 against 0 of 10 (and 10/10 vs 10/10): pooled share 0 or 1, no standard
        error, so z = 0 and p = 1 rather than NaN."""
        for hits in (0, 10):
            t = two_proportion_test(hits, 10, hits, 10)

            assert (0.0, 0.0, 1.0) == (t.difference, t.z, t.p_value)

    @given(first=counts, second=counts)
    def test_antisymmetry(self, first: tuple[int, int], second: tuple[int, int]) -> None:
        """Swapping the groups negates the difference, z and the interval; p stays."""
        forward = two_proportion_test(*first, *second)
        backward = two_proportion_test(*second, *first)

        assert pytest.approx(-forward.difference, abs=1e-12) == backward.difference
        assert pytest.approx(-forward.z, abs=1e-9) == backward.z
        assert pytest.approx(forward.p_value) == backward.p_value
        assert pytest.approx((-forward.ci_high, -forward.ci_low), abs=1e-12) == (
            backward.ci_low,
            backward.ci_high,
        )

    @given(first=counts, second=counts)
    def test_interval_contains_the_difference(
        self, first: tuple[int, int], second: tuple[int, int]
    ) -> None:
        """Newcombe's interval contains the observed difference and lies in [-1, 1]."""
        t = two_proportion_test(*first, *second)

        assert -1.0 - 1e-12 <= t.ci_low <= t.difference <= t.ci_high <= 1.0 + 1e-12
        assert 0.0 <= t.p_value <= 1.0

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"n_first": 0},
                InvalidInputError,
                r"'n_first' must be an integer of at least 1; got 0",
            ),
            (
                {"successes_first": 11},
                InvalidInputError,
                r"'successes_first' must be an integer from 0 to 10; got 11",
            ),
            (
                {"n_second": 0},
                InvalidInputError,
                r"'n_second' must be an integer of at least 1; got 0",
            ),
            (
                {"successes_second": -2},
                InvalidInputError,
                r"'successes_second' must be an integer from 0 to 20; got -2",
            ),
            (
                {"confidence": 0.0},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 0\.0",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Empty groups and counts outside 0..n are refused under their own names."""
        call = {"successes_first": 3, "n_first": 10, "successes_second": 4, "n_second": 20}
        refused(two_proportion_test, {**call, **kwargs}, error, match)

    def test_result_type(self) -> None:
        """The result is a `ProportionTest`."""
        assert isinstance(two_proportion_test(1, 2, 1, 2), ProportionTest)


class TestUpliftTest:
    def test_docstring_example(self) -> None:
        """6 % treated vs 4 % control of 2,000: uplift 0.02; pooled 0.05, se
        sqrt(0.05 * 0.95 * 2 / 2000) = 0.006892, z = 2.902, p = 0.0037."""
        u = uplift_test(120, 2000, 80, 2000)
        z = 0.02 / math.sqrt(0.05 * 0.95 * 2 / 2000)

        assert pytest.approx(0.02) == u.difference
        assert pytest.approx(z) == u.z
        assert pytest.approx(2 * stats.norm.sf(z)) == u.p_value
        assert u.p_value < 0.01

    @given(treated=counts, control=counts)
    def test_is_two_proportion_test_with_control_first(
        self, treated: tuple[int, int], control: tuple[int, int]
    ) -> None:
        """`uplift_test(t, nt, c, nc)` equals `two_proportion_test(c, nc, t, nt)`."""
        assert two_proportion_test(*control, *treated) == uplift_test(*treated, *control)

    @given(treated=counts, control=counts)
    def test_antisymmetry(self, treated: tuple[int, int], control: tuple[int, int]) -> None:
        """Swapping treated and control negates the uplift and z."""
        forward = uplift_test(*treated, *control)
        backward = uplift_test(*control, *treated)

        assert pytest.approx(-forward.difference, abs=1e-12) == backward.difference
        assert pytest.approx(-forward.z, abs=1e-9) == backward.z

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"treated_n": 0},
                InvalidInputError,
                r"'treated_n' must be an integer of at least 1; got 0",
            ),
            (
                {"control_n": 0},
                InvalidInputError,
                r"'control_n' must be an integer of at least 1; got 0",
            ),
            (
                {"treated_conversions": 11},
                InvalidInputError,
                r"'treated_conversions' must be an integer from 0 to 10; got 11",
            ),
            (
                {"control_conversions": -1},
                InvalidInputError,
                r"'control_conversions' must be an integer from 0 to 20; got -1",
            ),
            (
                {"treated_n": 10.0},
                InvalidTypeError,
                r"'treated_n' must be an integer; got float 10\.0",
            ),
            (
                {"confidence": 1.0},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 1\.0",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Bad counts are refused under uplift_test's own argument names."""
        call = {
            "treated_conversions": 3,
            "treated_n": 10,
            "control_conversions": 4,
            "control_n": 20,
        }
        refused(uplift_test, {**call, **kwargs}, error, match)


# --- ab_sample_size -----------------------------------------------------------------------


class TestAbSampleSize:
    def test_docstring_example(self) -> None:
        """5 % vs 6 %: pbar 0.055; 1.95996 * sqrt(2 * 0.055 * 0.945) = 0.63192, 0.84162 *
        sqrt(0.0475 + 0.0564) = 0.27128; (0.90320)**2 / 0.01**2 = 8157.7 -> 8158."""
        assert 8158 == ab_sample_size(0.05, 0.06)

    def test_formula(self) -> None:
        """10 % vs 15 % at 90 % power, alpha 0.01, by the Fleiss formula."""
        z_a, z_b = stats.norm.ppf(0.995), stats.norm.ppf(0.9)
        spread = z_a * math.sqrt(2 * 0.125 * 0.875) + z_b * math.sqrt(0.09 + 0.1275)

        assert math.ceil(spread**2 / 0.05**2) == ab_sample_size(0.1, 0.15, power=0.9, alpha=0.01)

    @given(p1=st.floats(0.001, 0.999), p2=st.floats(0.001, 0.999))
    def test_symmetric_in_p1_and_p2(self, p1: float, p2: float) -> None:
        """Detecting p1 -> p2 takes as many answers as p2 -> p1."""
        if p1 != p2:
            assert ab_sample_size(p1, p2) == ab_sample_size(p2, p1)

    @given(
        p1=st.floats(0.01, 0.99),
        p2=st.floats(0.01, 0.99),
        low=st.floats(0.05, 0.95),
        high=st.floats(0.05, 0.95),
    )
    def test_grows_with_power(self, p1: float, p2: float, low: float, high: float) -> None:
        """More power never needs fewer answers."""
        low, high = sorted((low, high))
        if p1 != p2:
            assert ab_sample_size(p1, p2, power=low) <= ab_sample_size(p1, p2, power=high)

    @given(p1=st.floats(0.01, 0.99), p2=st.floats(0.01, 0.99), alpha=st.floats(0.001, 0.2))
    def test_shrinks_with_alpha(self, p1: float, p2: float, alpha: float) -> None:
        """A looser significance level never needs more answers; at least one is needed."""
        if p1 != p2:
            assert (
                1
                <= ab_sample_size(p1, p2, alpha=min(2 * alpha, 0.5))
                <= ab_sample_size(p1, p2, alpha=alpha)
            )

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"p1": 0.0},
                InvalidInputError,
                r"'p1' must be a finite number in \(0, 1\); got 0\.0",
            ),
            (
                {"p1": 1.2},
                InvalidInputError,
                r"'p1' must be a finite number in \(0, 1\); got 1\.2",
            ),
            (
                {"p2": 1.0},
                InvalidInputError,
                r"'p2' must be a finite number in \(0, 1\); got 1\.0",
            ),
            (
                {"p2": -0.1},
                InvalidInputError,
                r"'p2' must be a finite number in \(0, 1\); got -0\.1",
            ),
            ({"p2": 0.05}, InvalidInputError, r"'p2' must be different from p1; got 0\.05"),
            (
                {"power": 1.0},
                InvalidInputError,
                r"'power' must be a finite number in \(0, 1\); got 1\.0",
            ),
            (
                {"alpha": 0.0},
                InvalidInputError,
                r"'alpha' must be a finite number in \(0, 1\); got 0\.0",
            ),
            ({"p1": "5%"}, InvalidTypeError, r"'p1' must be a real number; got str '5%'"),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Probabilities outside (0, 1) and equal proportions are refused."""
        refused(ab_sample_size, {"p1": 0.05, "p2": 0.06, **kwargs}, error, match)


# --- csat_score and ces_score -------------------------------------------------------------


class TestCsatScore:
    def test_docstring_example(self) -> None:
        """5, 4, 4, 3, 1: three in the top box (4 or 5): 0.6, Wilson [0.231, 0.882];
        mean 17 / 5 = 3.4."""
        r = csat_score([5, 4, 4, 3, 1])

        assert (0.6, 3.4, 3, 5, 5) == (
            r.satisfied_share,
            r.mean,
            r.n_satisfied,
            r.n_responses,
            r.scale,
        )
        assert pytest.approx(wilson_by_formula(3, 5, Z95)) == (r.ci_low, r.ci_high)
        assert (
            "CsatResult(satisfied_share=0.600, ci_low=0.231, ci_high=0.882, mean=3.400, "
            "n_responses=5)" == repr(r)
        )

    def test_custom_scale_and_top_box(self) -> None:
        """On 1-10 with top box 9-10: 9, 10, 8, 2 -> 2 of 4 = 0.5, mean 29 / 4 = 7.25."""
        r = csat_score([9, 10, 8, 2], scale=10, top_box=[9, 10])

        assert (0.5, 7.25, 2, 10) == (r.satisfied_share, r.mean, r.n_satisfied, r.scale)

    def test_single_answer(self) -> None:
        """One satisfied answer: share 1, Wilson [1.96**2 / (1 + 1.96**2), 1] = [0.206, 1]."""
        r = csat_score([5])

        assert (1.0, 5.0, 1.0) == (r.satisfied_share, r.mean, r.ci_high)
        assert pytest.approx(1 / (1 + Z95**2)) == r.ci_low

    def test_confidence_is_passed_on(self) -> None:
        """The share's interval is `proportion_ci(3, 5, confidence=0.8)`."""
        r = csat_score([5, 4, 4, 3, 1], confidence=0.8)
        expected = proportion_ci(3, 5, confidence=0.8)

        assert (expected.ci_low, expected.ci_high) == (r.ci_low, r.ci_high)

    @given(ratings=st.lists(st.integers(1, 5), min_size=1, max_size=40))
    def test_share_within_its_interval(self, ratings: list[int]) -> None:
        """The share lies in its interval, all in [0, 1], and the mean on the scale."""
        r = csat_score(ratings)

        assert 0.0 <= r.ci_low <= r.satisfied_share <= r.ci_high <= 1.0
        assert 1.0 <= r.mean <= 5.0

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"ratings": [5, 6]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 5; got 6 at index 1",
            ),
            (
                {"ratings": [0]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 5; got 0 at index 0",
            ),
            (
                {"ratings": [4.5]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 5; got 4\.5",
            ),
            (
                {"ratings": []},
                InvalidInputError,
                r"'ratings' must be non-empty; got an empty array",
            ),
            (
                {"ratings": [1], "scale": 1},
                InvalidInputError,
                r"'scale' must be an integer of at least 2; got 1",
            ),
            (
                {"ratings": [1], "top_box": [6]},
                InvalidInputError,
                r"'top_box' must be whole numbers from 1 to 5; got 6",
            ),
            (
                {"ratings": [1], "top_box": []},
                InvalidInputError,
                r"'top_box' must be non-empty; got an empty array",
            ),
            (
                {"ratings": [1], "confidence": 1.0},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 1\.0",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Answers off the scale, empty samples and bad options are refused."""
        refused(csat_score, kwargs, error, match)

    def test_result_type(self) -> None:
        """The result is a `CsatResult`."""
        assert isinstance(csat_score([5]), CsatResult)


class TestCesScore:
    def test_docstring_example(self) -> None:
        """7, 6, 6, 5, 2: mean 26 / 5 = 5.2; squared deviations 3.24 + 0.64 + 0.64 + 0.04 +
        10.24 = 14.8, sd sqrt(14.8 / 4) = 1.9235; t(0.975, 4) = 2.7764: half-width
        2.7764 * 1.9235 / sqrt(5) = 2.3883, so [2.812, 7.588]; easy (6 or 7) 3 of 5."""
        r = ces_score([7, 6, 6, 5, 2])
        half = stats.t.ppf(0.975, 4) * math.sqrt(3.7) / math.sqrt(5)

        assert pytest.approx(5.2) == r.mean
        assert pytest.approx((5.2 - half, 5.2 + half)) == (r.ci_low, r.ci_high)
        assert (0.6, 5, 7, True) == (r.easy_share, r.n_responses, r.scale, r.higher_is_easier)
        assert (
            "CesResult(mean=5.200, ci_low=2.812, ci_high=7.588, easy_share=0.600, n_responses=5)"
            == repr(r)
        )

    def test_lower_is_easier(self) -> None:
        """1, 2, 2, 5 with 1 = very low effort: mean 2.5, easy (1 or 2) 3 of 4."""
        r = ces_score([1, 2, 2, 5], higher_is_easier=False)

        assert (2.5, 0.75, False) == (r.mean, r.easy_share, r.higher_is_easier)

    def test_direction_changes_only_the_easy_share(self) -> None:
        """The same answers read the other way: none is 6 or 7, so the easy share is 0."""
        r = ces_score([1, 2, 2, 5])

        assert (2.5, 0.0) == (r.mean, r.easy_share)

    def test_five_point_scale(self) -> None:
        """On 1-5 the easiest two points are 4 and 5: 5, 4, 3 -> 2 of 3."""
        assert pytest.approx(2 / 3) == ces_score([5, 4, 3], scale=5).easy_share

    def test_single_answer_gives_a_zero_width_interval(self) -> None:
        """One answer has no spread: [mean, mean], no NaN from t with 0 degrees of freedom."""
        r = ces_score([4])

        assert (4.0, 4.0, 4.0) == (r.mean, r.ci_low, r.ci_high)

    def test_equal_answers_give_a_zero_width_interval(self) -> None:
        """All answers 6: sd 0, so [6, 6]; all easy."""
        r = ces_score([6, 6, 6])

        assert (6.0, 6.0, 6.0, 1.0) == (r.mean, r.ci_low, r.ci_high, r.easy_share)

    def test_two_answers(self) -> None:
        """3 and 5: mean 4, sd sqrt(2), t(0.975, 1) = 12.706: half 12.706 * sqrt(2) / sqrt(2)."""
        r = ces_score([3, 5])

        assert pytest.approx((4 - stats.t.ppf(0.975, 1), 4 + stats.t.ppf(0.975, 1))) == (
            r.ci_low,
            r.ci_high,
        )

    @given(ratings=st.lists(st.integers(1, 7), min_size=1, max_size=40), easier=st.booleans())
    def test_mean_within_its_interval(self, ratings: list[int], easier: bool) -> None:
        """The interval is centred on the mean, the easy share is a fraction."""
        r = ces_score(ratings, higher_is_easier=easier)

        assert r.ci_low <= r.mean <= r.ci_high
        assert pytest.approx(r.mean - r.ci_low) == r.ci_high - r.mean
        assert 0.0 <= r.easy_share <= 1.0

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"ratings": [8]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 7; got 8",
            ),
            (
                {"ratings": [0, 3]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 7; got 0 at index 0",
            ),
            (
                {"ratings": [2.5]},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 7; got 2\.5",
            ),
            (
                {"ratings": []},
                InvalidInputError,
                r"'ratings' must be non-empty; got an empty array",
            ),
            (
                {"ratings": [6], "scale": 5},
                InvalidInputError,
                r"'ratings' must be whole numbers from 1 to 5; got 6",
            ),
            (
                {"ratings": [1], "scale": 2},
                InvalidInputError,
                r"'scale' must be an integer of at least 3; got 2",
            ),
            (
                {"ratings": [3], "higher_is_easier": 1},
                InvalidTypeError,
                r"'higher_is_easier' must be True or False; got int 1",
            ),
            (
                {"ratings": [3], "confidence": -0.1},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got -0\.1",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Answers off the scale, empty samples and bad options are refused."""
        refused(ces_score, kwargs, error, match)

    def test_result_type(self) -> None:
        """The result is a `CesResult`."""
        assert isinstance(ces_score([4]), CesResult)
