"""Value segmentation: Gini, Lorenz, Pareto/ABC, value matrix, k-means (crmkit.segmentation)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.segmentation import (
    KMeansResult,
    LorenzCurve,
    ParetoResult,
    ValueMatrixResult,
    gini_coefficient,
    kmeans_segments,
    lorenz_curve,
    pareto_abc,
    value_matrix,
)

BACKENDS = ["pandas", "polars", "pyarrow"]

values_lists = st.lists(
    st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=40
)
"""Non-negative, finite per-customer values (spend, profit)."""

positive_values_lists = values_lists.filter(lambda xs: sum(xs) > 0)
"""As `values_lists`, with at least one positive value."""


def columns_of(frame: Any) -> list[str]:
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def gini_by_formula(values: list[float]) -> float:
    """Mean absolute difference over twice the mean: sum |xi - xj| / (2 n^2 mean)."""
    x = np.asarray(values, dtype=float)
    if x.sum() == 0:
        return 0.0
    x = x / x.max()  # G is scale-invariant; this keeps a subnormal mean from underflowing to 0
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


BAD_VALUES = [
    ([], r"'values' must be non-empty; got an empty array"),
    ([1.0, -1.0], r"'values' must be finite numbers of at least 0; got -1\.0 at index 1"),
    ([1.0, float("nan")], r"'values' must be finite numbers of at least 0; got nan at index 1"),
    ([float("inf")], r"'values' must be finite numbers of at least 0; got inf at index 0"),
    ([[1.0, 2.0]], r"'values' must be one-dimensional; got an array of shape \(1, 2\)"),
]


class TestGiniCoefficient:
    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ([1, 1, 1, 1], 0.0),  # perfect equality
            ([0, 0, 0, 10], 0.75),  # 2 * (4 * 10) / (4 * 10) - 5 / 4
            ([1, 2, 3, 4], 0.25),  # 2 * (1 + 4 + 9 + 16) / (4 * 10) - 5 / 4 = 1.5 - 1.25
            ([3, 1], 0.25),  # sorted 1, 3: 2 * (1 + 6) / (2 * 4) - 3 / 2 = 1.75 - 1.5
            ([5], 0.0),  # one holder of everything: 2 * 5 / 5 - 2 / 1
            ([0, 0, 0], 0.0),  # nothing to share
        ],
    )
    def test_hand_checked_values(self, values: list[float], expected: float) -> None:
        """G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n over the values sorted ascending."""
        assert pytest.approx(expected, abs=1e-12) == gini_coefficient(values)

    @pytest.mark.parametrize("values", [[0, 0, 0, 10], [1, 2, 3, 4], [7, 0, 2, 2, 9]])
    def test_agrees_with_the_mean_difference_formula(self, values: list[float]) -> None:
        """The sorted-values form equals sum |xi - xj| / (2 n^2 mean) (Gini's own definition)."""
        assert pytest.approx(gini_by_formula(values)) == gini_coefficient(values)

    def test_accepts_numpy_and_pandas(self) -> None:
        """A numpy array and a pandas Series give the list's value."""
        assert (
            0.25
            == gini_coefficient(np.array([1, 2, 3, 4]))
            == gini_coefficient(pd.Series([4.0, 3.0, 2.0, 1.0]))
        )

    @given(values_lists)
    def test_is_in_zero_to_one(self, values: list[float]) -> None:
        """0 <= G < 1 (up to rounding), and G agrees with the mean-difference formula."""
        g = gini_coefficient(values)

        assert -1e-12 <= g < 1.0
        assert pytest.approx(gini_by_formula(values), abs=1e-9) == g

    @given(values_lists, st.randoms(use_true_random=False))
    def test_is_invariant_to_permutation(self, values: list[float], rnd: Any) -> None:
        """Reordering customers does not change G."""
        shuffled = list(values)
        rnd.shuffle(shuffled)

        assert pytest.approx(gini_coefficient(values), abs=1e-12) == gini_coefficient(shuffled)

    @given(values_lists, st.floats(1e-3, 1e3))
    def test_is_invariant_to_scaling(self, values: list[float], factor: float) -> None:
        """Measuring in cents instead of yuan (any positive factor) does not change G."""
        scaled = [v * factor for v in values]

        assert pytest.approx(gini_coefficient(values), abs=1e-9) == gini_coefficient(scaled)

    @given(st.floats(1e-6, 1e6), st.integers(1, 50))
    def test_equal_values_give_zero(self, value: float, n: int) -> None:
        """n customers with the same value: G = 0 (up to rounding)."""
        assert pytest.approx(0.0, abs=1e-12) == gini_coefficient([value] * n)

    @given(values_lists)
    def test_input_is_not_mutated(self, values: list[float]) -> None:
        """The caller's array is left as it was (not sorted in place)."""
        array = np.array(values)
        before = array.copy()

        gini_coefficient(array)

        np.testing.assert_array_equal(before, array)

    @pytest.mark.parametrize(("values", "match"), BAD_VALUES)
    def test_bad_values_are_refused(self, values: Any, match: str) -> None:
        """Empty, negative, NaN, infinite or 2-d values raise naming 'values'."""
        with pytest.raises(InvalidInputError, match=match):
            gini_coefficient(values)

    def test_text_is_refused(self) -> None:
        """A string is not an array of values."""
        with pytest.raises(InvalidTypeError, match=r"'values'"):
            gini_coefficient("1234")


class TestLorenzCurve:
    def test_docstring_example(self) -> None:
        """Values 1 and 3: the poorer half holds 1 / 4 of the total."""
        curve = lorenz_curve([1, 3])

        assert ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0]) == (
            curve.population_share.tolist(),
            curve.value_share.tolist(),
        )
        assert 0.25 == curve.gini

    def test_one_holder(self) -> None:
        """[0, 0, 0, 10]: the poorest three quarters hold nothing; G = 0.75."""
        curve = lorenz_curve([10, 0, 0, 0])

        assert [0.0, 0.25, 0.5, 0.75, 1.0] == curve.population_share.tolist()
        assert [0.0, 0.0, 0.0, 0.0, 1.0] == curve.value_share.tolist()
        assert "LorenzCurve(n_points=5, gini=0.750)" == repr(curve)

    def test_all_zero_values_give_the_diagonal(self) -> None:
        """No value at all counts as perfect equality."""
        curve = lorenz_curve([0, 0])

        assert ([0.0, 0.5, 1.0], 0.0) == (curve.value_share.tolist(), curve.gini)

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame(self, backend: str) -> None:
        """Columns `population_share, value_share`, one row per point."""
        frame = lorenz_curve([1, 3]).to_frame(backend)  # type: ignore[arg-type]

        assert (["population_share", "value_share"], 3) == (columns_of(frame), len(frame))

    @given(values_lists)
    def test_shape_of_the_curve(self, values: list[float]) -> None:
        """From (0, 0) to (1, 1), non-decreasing, never above the diagonal, n + 1 points."""
        curve = lorenz_curve(values)
        x, y = curve.population_share, curve.value_share

        assert (len(values) + 1, len(values) + 1) == (x.size, y.size)
        assert (0.0, 0.0) == (x[0], y[0])
        assert 1.0 == x[-1]
        assert pytest.approx(1.0) == y[-1]
        assert np.all(np.diff(x) > 0)
        assert np.all(np.diff(y) >= 0)
        assert np.all(y <= x + 1e-12)

    @given(values_lists)
    def test_its_gini_is_gini_coefficient_and_twice_the_area(self, values: list[float]) -> None:
        """The curve's gini is gini_coefficient, and 1 - sum (x_k - x_k-1)(y_k + y_k-1)
        (twice the area between curve and diagonal, by trapezoids)."""
        curve = lorenz_curve(values)
        x, y = curve.population_share, curve.value_share
        by_area = 1.0 - float(np.sum(np.diff(x) * (y[1:] + y[:-1])))

        assert gini_coefficient(values) == curve.gini
        assert pytest.approx(by_area, abs=1e-9) == curve.gini

    def test_result_type(self) -> None:
        """lorenz_curve returns a LorenzCurve."""
        assert isinstance(lorenz_curve([1]), LorenzCurve)

    @pytest.mark.parametrize(("values", "match"), BAD_VALUES)
    def test_bad_values_are_refused(self, values: Any, match: str) -> None:
        """Empty, negative, NaN, infinite or 2-d values raise naming 'values'."""
        with pytest.raises(InvalidInputError, match=match):
            lorenz_curve(values)


class TestParetoAbc:
    def test_docstring_example(self) -> None:
        """Total 100: 50 and 30 reach 80 % (A; 30 is the item crossing 80 %, still A), 10 and 6
        reach 96 % (B), 4 is C. The top 20 % (1 of 5) holds 50 %."""
        r = pareto_abc([50, 30, 10, 6, 4])

        assert ["A", "A", "B", "B", "C"] == r.abc_class.tolist()
        assert 0.5 == r.top_20_share
        assert {"A": 2, "B": 2, "C": 1} == r.counts
        assert pytest.approx({"A": 0.8, "B": 0.16, "C": 0.04}) == r.value_share
        assert [1, 2, 3, 4, 5] == r.rank.tolist()
        assert pytest.approx([0.5, 0.8, 0.9, 0.96, 1.0]) == r.cumulative_share.tolist()
        assert (0.8, 0.95) == r.cuts
        assert "ParetoResult(n=5, counts={'A': 2, 'B': 2, 'C': 1}, top_20_share=0.500)" == repr(r)

    def test_results_are_in_input_order(self) -> None:
        """Shuffled input: classes, ranks and shares stay with their items."""
        r = pareto_abc([6, 50, 4, 30, 10], ids=["d", "a", "e", "b", "c"])

        assert ["B", "A", "C", "A", "B"] == r.abc_class.tolist()
        assert [4, 1, 5, 2, 3] == r.rank.tolist()
        assert ["d", "a", "e", "b", "c"] == r.ids.tolist()
        assert [6.0, 50.0, 4.0, 30.0, 10.0] == r.value.tolist()

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ([8, 2], ["A", "B"]),  # 8 of 10 = 80 % exactly before the 2: B
            ([20, 4, 1], ["A", "B", "C"]),  # 20 of 25 = 80 % before the 4; 24 of 25 = 96 %
            ([16, 3, 1], ["A", "B", "C"]),  # 16 of 20 = 80 % before the 3; 19 of 20 = 95 %
        ],
    )
    def test_an_item_whose_predecessors_hold_exactly_a_cut_is_in_the_next_class(
        self, values: list[float], expected: list[str]
    ) -> None:
        """An item is A while the share held by the items ranked above it is *below* 80 %: when
        they hold exactly 80 % it is B, and exactly 95 % makes it C."""
        assert expected == pareto_abc(values).abc_class.tolist()

    def test_equal_values_are_ranked_in_input_order(self) -> None:
        """Two equal halves: the first is A, the second (50 % before it, cut 0.5) is B."""
        r = pareto_abc([5, 5], cuts=(0.5, 0.95))

        assert (["A", "B"], [1, 2]) == (r.abc_class.tolist(), r.rank.tolist())

    def test_top_20_share_rounds_up_to_whole_items(self) -> None:
        """Six items: 20 % is 1.2 items, so the top 2 (60 + 20 of 100) count: 0.8."""
        assert 0.8 == pareto_abc([5, 60, 5, 5, 20, 5]).top_20_share

    def test_custom_cuts(self) -> None:
        """With cuts (0.6, 0.85) on 50, 30, 10, 6, 4 (shares before each: 0, 0.5, 0.8, 0.9,
        0.96): A while below 0.6 (50, 30), B while below 0.85 (10), then C (6, 4)."""
        r = pareto_abc([50, 30, 10, 6, 4], cuts=(0.6, 0.85))

        assert ["A", "A", "B", "C", "C"] == r.abc_class.tolist()
        assert (0.6, 0.85) == r.cuts

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame(self, backend: str) -> None:
        """Columns `id, value, abc_class, rank, cumulative_share`, in input order."""
        frame = pareto_abc([5, 1], ids=["a", "b"]).to_frame(backend)  # type: ignore[arg-type]

        assert ["id", "value", "abc_class", "rank", "cumulative_share"] == columns_of(frame)
        assert 2 == len(frame)

    def test_default_ids_are_positions(self) -> None:
        """Without ids, items are numbered 0..n-1."""
        assert [0, 1, 2] == pareto_abc([1, 2, 3]).ids.tolist()

    @given(positive_values_lists)
    def test_classes_are_ordered_by_value(self, values: list[float]) -> None:
        """Every A value >= every B value >= every C value."""
        r = pareto_abc(values)
        x = np.asarray(values)
        by_class = {c: x[r.abc_class == c] for c in "ABC"}

        for higher, lower in (("A", "B"), ("B", "C"), ("A", "C")):
            if by_class[higher].size and by_class[lower].size:
                assert by_class[higher].min() >= by_class[lower].max()

    @given(positive_values_lists)
    def test_counts_and_shares_add_up(self, values: list[float]) -> None:
        """Counts sum to n, class shares to 1; the largest item is A; 0 < top_20_share <= 1;
        ranks are 1..n; the last cumulative share is 1."""
        r = pareto_abc(values)

        assert len(values) == sum(r.counts.values())
        assert pytest.approx(1.0) == sum(r.value_share.values())
        assert "A" == r.abc_class[int(np.argmax(values))]
        assert 0.0 < r.top_20_share <= 1.0 + 1e-12
        assert list(range(1, len(values) + 1)) == sorted(r.rank.tolist())
        assert pytest.approx(1.0) == r.cumulative_share.max()

    def test_result_type(self) -> None:
        """pareto_abc returns a ParetoResult."""
        assert isinstance(pareto_abc([1]), ParetoResult)

    @pytest.mark.parametrize(
        ("values", "kwargs", "error", "match"),
        [
            *((v, {}, InvalidInputError, m) for v, m in BAD_VALUES),
            ([0, 0], {}, InvalidInputError, r"'values' must be at least one positive value"),
            (
                [1, 2],
                {"cuts": (0.9, 0.8)},
                InvalidInputError,
                r"'cuts' must be two strictly increasing shares; got \(0\.9, 0\.8\)",
            ),
            (
                [1, 2],
                {"cuts": (0.8, 0.8)},
                InvalidInputError,
                r"'cuts' must be two strictly increasing shares",
            ),
            ([1, 2], {"cuts": (0, 0.8)}, InvalidInputError, r"'cuts' must be .*\(0, 1\]; got 0"),
            (
                [1, 2],
                {"cuts": (0.5, 1.2)},
                InvalidInputError,
                r"'cuts' must be .*\(0, 1\]; got 1\.2",
            ),
            (
                [1, 2],
                {"cuts": (0.5, float("nan"))},
                InvalidInputError,
                r"'cuts' must be .*; got nan",
            ),
            ([1, 2], {"cuts": (0.5,)}, InvalidTypeError, r"'cuts' must be two cumulative shares"),
            ([1, 2], {"cuts": "ab"}, InvalidTypeError, r"'cuts' must be two cumulative shares"),
            (
                [1, 2],
                {"ids": ["a"]},
                InvalidInputError,
                r"'ids' must be one id per value \(2\); got 1 ids",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self, values: Any, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Bad values, all-zero values, bad cuts and mismatched ids name the argument."""
        with pytest.raises(error, match=match):
            pareto_abc(values, **kwargs)


class TestValueMatrix:
    def test_docstring_examples(self) -> None:
        """Medians 5 and 5 (of 10, 1, 8, 2 and 9, 8, 1, 2): one customer in each quadrant."""
        by_median = value_matrix([10, 1, 8, 2], [9, 8, 1, 2])
        fixed = value_matrix([10, 1, 8, 2], [9, 8, 1, 2], split=(5, 5))

        assert {"Grow": 1, "Retain": 1, "Develop": 1, "Economize": 1} == by_median.counts
        assert (5.0, 5.0) == (by_median.current_threshold, by_median.potential_threshold)
        assert ["Grow", "Develop", "Retain", "Economize"] == fixed.quadrant.tolist()
        assert (
            "ValueMatrixResult(counts={'Grow': 1, 'Retain': 1, 'Develop': 1, 'Economize': 1})"
            == repr(by_median)
        )

    def test_a_value_at_the_threshold_is_high(self) -> None:
        """Current 5 against threshold 5 is high; 4.9 is low."""
        r = value_matrix([5, 4.9], [5, 5], split=(5, 5))

        assert ["Grow", "Develop"] == r.quadrant.tolist()
        assert ([True, False], [True, True]) == (
            r.is_high_current.tolist(),
            r.is_high_potential.tolist(),
        )

    def test_median_split_is_the_default(self) -> None:
        """Current 1, 2, 3, 4 (median 2.5) and potential 4, 3, 2, 1 (median 2.5): the two low
        spenders have high potential (Develop), the two high spenders low (Retain)."""
        r = value_matrix([1, 2, 3, 4], [4, 3, 2, 1])

        assert ["Develop", "Develop", "Retain", "Retain"] == r.quadrant.tolist()
        assert (2.5, 2.5) == (r.current_threshold, r.potential_threshold)

    def test_custom_names_replace_only_the_keys_given(self) -> None:
        """Renaming high_high to 'Star' keeps the other three defaults, in quadrant order."""
        r = value_matrix([10, 1, 8, 2], [9, 8, 1, 2], names={"high_high": "Star"})

        assert {"Star": 1, "Retain": 1, "Develop": 1, "Economize": 1} == r.counts
        assert "Star" == r.quadrant[0]

    def test_ids_are_carried(self) -> None:
        """Ids given appear in the result and its frame; else positions."""
        r = value_matrix([1, 2], [2, 1], ids=["x", "y"])

        assert ["x", "y"] == r.ids.tolist()
        assert [0, 1] == value_matrix([1, 2], [2, 1]).ids.tolist()

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame(self, backend: str) -> None:
        """Columns `id, quadrant, is_high_current, is_high_potential`."""
        frame = value_matrix([1, 2], [2, 1]).to_frame(backend)  # type: ignore[arg-type]

        assert ["id", "quadrant", "is_high_current", "is_high_potential"] == columns_of(frame)

    @given(
        st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=40)
    )
    def test_counts_add_up_and_quadrants_follow_the_flags(
        self, pairs: list[tuple[float, float]]
    ) -> None:
        """Counts sum to n; each quadrant name matches the two high/low flags."""
        current, potential = (list(c) for c in zip(*pairs, strict=True))
        names = {
            (True, True): "Grow",
            (True, False): "Retain",
            (False, True): "Develop",
            (False, False): "Economize",
        }

        r = value_matrix(current, potential)

        assert len(pairs) == sum(r.counts.values())
        assert [
            names[(bool(h), bool(p))]
            for h, p in zip(r.is_high_current, r.is_high_potential, strict=True)
        ] == r.quadrant.tolist()
        assert np.array_equal(np.asarray(current) >= r.current_threshold, r.is_high_current)

    def test_result_type(self) -> None:
        """value_matrix returns a ValueMatrixResult."""
        assert isinstance(value_matrix([1], [1]), ValueMatrixResult)

    @pytest.mark.parametrize(
        ("current", "potential", "kwargs", "error", "match"),
        [
            (
                [1, 2],
                [1],
                {},
                InvalidInputError,
                r"'potential' must be the same length as 'current' \(2\); got length 1",
            ),
            ([], [], {}, InvalidInputError, r"'current' must be non-empty"),
            (
                [1, float("nan")],
                [1, 2],
                {},
                InvalidInputError,
                r"'current' must be finite numbers; got nan at index 1",
            ),
            (
                [1, 2],
                [float("inf"), 2],
                {},
                InvalidInputError,
                r"'potential' must be finite numbers; got inf at index 0",
            ),
            (
                [1, 2],
                [1, 2],
                {"split": "mean"},
                InvalidInputError,
                r"'split' must be one of 'median'; got 'mean'",
            ),
            (
                [1, 2],
                [1, 2],
                {"split": (1,)},
                InvalidTypeError,
                r"'split' must be 'median' or a \(current, potential\) pair",
            ),
            (
                [1, 2],
                [1, 2],
                {"split": (1, float("nan"))},
                InvalidInputError,
                r"'split' must be a finite number; got nan",
            ),
            (
                [1, 2],
                [1, 2],
                {"names": {"top": "Star"}},
                InvalidInputError,
                r"'names' must be keys among 'high_high', .*; got \['top'\]",
            ),
            (
                [1, 2],
                [1, 2],
                {"names": {"high_high": "Retain"}},
                InvalidInputError,
                r"'names' must be four different quadrant names",
            ),
            (
                [1, 2],
                [1, 2],
                {"names": {"high_high": 3}},
                InvalidTypeError,
                r"'names\['high_high'\]' must be a string; got int 3",
            ),
            (
                [1, 2],
                [1, 2],
                {"ids": ["a", "b", "c"]},
                InvalidInputError,
                r"'ids' must be one id per value \(2\); got 3 ids",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self,
        current: Any,
        potential: Any,
        kwargs: dict[str, Any],
        error: type[Exception],
        match: str,
    ) -> None:
        """Mismatched lengths, non-finite values, unknown splits and names name the argument."""
        with pytest.raises(error, match=match):
            value_matrix(current, potential, **kwargs)


def three_blobs() -> np.ndarray:
    """20, 10 and 5 points around (0, 0), (20, 20) and (0, 40), spread 1: far apart."""
    rng = np.random.default_rng(0)
    return np.r_[
        rng.normal(0, 1, (20, 2)),
        rng.normal(20, 1, (10, 2)),
        rng.normal([0, 40], 1, (5, 2)),
    ]


class TestKMeansSegments:
    def test_docstring_examples(self) -> None:
        """Spend 1, 2, 1 and 50, 52, 51 split into two groups of 3 with means 1.3 and 51; five
        customers at (10, 1) and three at (200, 9) are found exactly."""
        one = kmeans_segments({"spend": [1, 2, 1, 50, 52, 51]}, k=2, seed=0)
        spend = np.r_[np.full(5, 10.0), np.full(3, 200.0)]
        orders = np.r_[np.full(5, 1.0), np.full(3, 9.0)]
        two = kmeans_segments({"spend": spend, "orders": orders}, k=2, seed=1)

        assert ([0, 0, 0, 1, 1, 1], [3, 3]) == (one.labels.tolist(), one.sizes.tolist())
        assert [1.3, 51.0] == one.profiles()["spend"].round(1).tolist()
        assert ([5, 3], [[10.0, 1.0], [200.0, 9.0]]) == (
            two.sizes.tolist(),
            two.centers.round(1).tolist(),
        )
        assert ("spend", "orders") == two.feature_names

    def test_recovers_well_separated_clusters_numbered_by_size(self) -> None:
        """Blobs of 20, 10 and 5 points far apart are labelled 0, 1, 2 in that order, centres
        near (0, 0), (20, 20), (0, 40)."""
        r = kmeans_segments(three_blobs(), k=3, seed=3)

        assert [0] * 20 + [1] * 10 + [2] * 5 == r.labels.tolist()
        assert [20, 10, 5] == r.sizes.tolist()
        assert np.allclose([[0, 0], [20, 20], [0, 40]], r.centers, atol=1.0)
        assert ("x0", "x1") == r.feature_names

    def test_the_same_seed_gives_the_same_result(self) -> None:
        """Two runs with seed 7 are equal (labels, centres, inertia)."""
        data = np.random.default_rng(1).normal(size=(40, 3))

        assert kmeans_segments(data, k=4, seed=7) == kmeans_segments(data, k=4, seed=7)

    def test_a_generator_seed_is_accepted(self) -> None:
        """A numpy Generator works as the seed and marks the result as seeded."""
        r = kmeans_segments(three_blobs(), k=3, seed=np.random.default_rng(5))

        assert ([20, 10, 5], True) == (r.sizes.tolist(), r.seed_used)

    def test_an_unseeded_run_says_so(self) -> None:
        """Without a seed the clusters of clear data are still found; seed_used is False."""
        r = kmeans_segments(three_blobs(), k=3)

        assert ([20, 10, 5], False) == (r.sizes.tolist(), r.seed_used)

    @pytest.mark.parametrize(
        "make",
        [
            lambda x: {"x0": x[:, 0], "x1": x[:, 1]},
            lambda x: pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1]}),
            lambda x: pl.DataFrame({"x0": x[:, 0], "x1": x[:, 1]}),
            lambda x: pa.table({"x0": x[:, 0], "x1": x[:, 1]}),
            lambda x: x.tolist(),
        ],
        ids=["dict", "pandas", "polars", "pyarrow", "list"],
    )
    def test_every_input_form_gives_the_same_result(self, make: Any) -> None:
        """A mapping, a frame of any backend or nested lists equal the 2-d array's result."""
        data = three_blobs()

        assert kmeans_segments(data, k=3, seed=3) == kmeans_segments(make(data), k=3, seed=3)

    def test_one_cluster_is_the_mean(self) -> None:
        """k = 1: everyone in cluster 0, centred on the feature means, inertia n * p in
        standard units (each standardised column has variance 1)."""
        data = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])

        r = kmeans_segments(data, k=1, seed=0)

        assert [0, 0, 0] == r.labels.tolist()
        assert np.allclose([[3.0, 20.0]], r.centers)
        assert pytest.approx(6.0) == r.inertia

    def test_a_constant_feature_is_harmless(self) -> None:
        """A feature with no spread is centred to 0 and does not stop the clustering."""
        r = kmeans_segments({"spend": [1, 2, 1, 50, 52, 51], "flag": [1] * 6}, k=2, seed=0)

        assert [3, 3] == r.sizes.tolist()
        assert [1.0, 1.0] == r.centers[:, 1].tolist()

    def test_ids_and_to_frame(self) -> None:
        """Ids given travel into the frame `id, cluster`; 1 and 2 form the larger cluster 0."""
        r = kmeans_segments({"spend": [1, 50, 2]}, k=2, seed=0, ids=["a", "b", "c"])

        frame = r.to_frame()

        assert ["id", "cluster"] == frame.columns.tolist()
        assert (["a", "b", "c"], [0, 1, 0]) == (frame["id"].tolist(), frame["cluster"].tolist())
        for backend in BACKENDS:
            assert ["id", "cluster"] == columns_of(r.to_frame(backend))  # type: ignore[arg-type]

    def test_default_ids_are_positions(self) -> None:
        """Without ids, rows are numbered 0..n-1."""
        r = kmeans_segments({"spend": [1, 50, 2]}, k=2, seed=0)

        assert [0, 1, 2] == r.ids.tolist()

    def test_a_single_iteration_suffices_on_clear_clusters(self) -> None:
        """n_iter=1: k-means++ starts on far-apart blobs already find them."""
        r = kmeans_segments(three_blobs(), k=3, seed=3, n_iter=1)

        assert [20, 10, 5] == r.sizes.tolist()

    def test_profiles(self) -> None:
        """One row per cluster: `cluster, size, share` and each feature's mean."""
        r = kmeans_segments(three_blobs(), k=3, seed=3)

        profiles = r.profiles()

        assert ["cluster", "size", "share", "x0", "x1"] == profiles.columns.tolist()
        assert [20 / 35, 10 / 35, 5 / 35] == profiles["share"].tolist()
        assert ["cluster", "size", "share", "x0", "x1"] == r.profiles("polars").columns

    def test_result_type_and_repr(self) -> None:
        """kmeans_segments returns a KMeansResult with a short repr."""
        r = kmeans_segments({"spend": [1, 2, 1, 50, 52, 51]}, k=2, seed=0)

        assert isinstance(r, KMeansResult)
        assert repr(r).startswith("KMeansResult(k=2, n=6, features=['spend'], inertia=")

    @pytest.mark.parametrize(
        ("features", "kwargs", "error", "match"),
        [
            (
                {"spend": [1, 1, 1, 2]},
                {"k": 3},
                InvalidInputError,
                r"'k' must be at most the number of distinct rows \(2\); got 3",
            ),
            (
                {"spend": [1, 2]},
                {"k": 0},
                InvalidInputError,
                r"'k' must be an integer of at least",
            ),
            ({"spend": [1, 2]}, {"k": 1.5}, InvalidTypeError, r"'k' must be an integer"),
            (
                {"spend": [1, 2]},
                {"k": 1, "n_init": 0},
                InvalidInputError,
                r"'n_init' must be an integer of at least 1; got 0",
            ),
            (
                {"spend": [1, 2]},
                {"k": 1, "n_iter": 0},
                InvalidInputError,
                r"'n_iter' must be an integer of at least 1; got 0",
            ),
            (
                {"spend": [1, 2]},
                {"k": 1, "ids": ["a"]},
                InvalidInputError,
                r"'ids' must be one id per value \(2\); got 1 ids",
            ),
            (
                {"spend": [1, 2]},
                {"k": 1, "seed": -1},
                InvalidInputError,
                r"'seed' must be an integer of at least 0; got -1",
            ),
            (
                {"spend": [1, float("nan")]},
                {"k": 1},
                InvalidInputError,
                r"'features\['spend'\]' must be finite numbers; got nan at index 1",
            ),
            (
                {"spend": [1, 2], "orders": [1]},
                {"k": 1},
                InvalidInputError,
                r"'orders' must be the same length as 'spend' \(2\); got length 1",
            ),
            (
                np.array([1.0, 2.0, 3.0]),
                {"k": 1},
                InvalidInputError,
                r"'features' must be a 2-d array of shape \(n, p\); got shape \(3,\)",
            ),
            ({}, {"k": 1}, InvalidInputError, r"'features' must be at least one feature"),
            (
                np.array([[1.0, float("inf")], [2.0, 3.0]]),
                {"k": 1},
                InvalidInputError,
                r"'features\[:, 1\]' must be finite numbers; got inf at index 0",
            ),
            ("spend", {"k": 1}, InvalidTypeError, r"'features' must be a pandas, polars or"),
        ],
    )
    def test_bad_input_names_the_argument(
        self, features: Any, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Too many clusters, bad options, non-finite features and bad shapes name the
        argument."""
        with pytest.raises(error, match=match):
            kmeans_segments(features, **{"seed": 0, **kwargs})

    @given(st.integers(0, 2**32 - 1), st.integers(1, 4))
    @settings(max_examples=15)
    def test_labels_and_sizes_agree(self, seed: int, k: int) -> None:
        """Labels run over 0..k-1, sizes count them, and sizes never increase with the label."""
        data = np.random.default_rng(seed).normal(size=(30, 2))

        r = kmeans_segments(data, k=k, seed=seed)

        assert np.bincount(r.labels, minlength=k).tolist() == r.sizes.tolist()
        assert np.all(np.diff(r.sizes) <= 0)
        assert (k, 2) == r.centers.shape
