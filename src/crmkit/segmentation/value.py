"""Value segmentation: how concentrated value is, and who holds it.

Pareto/ABC classes and the 20/80 check, Lorenz curves and Gini coefficients,
the current-by-potential value matrix, and k-means segments on standardised
features. All work on plain arrays of per-customer values (spend, profit,
CLV); [`RfmSummary.revenue`][crmkit.segmentation.RfmSummary] is one such array.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy.cluster.vq import ClusterError, kmeans2

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.errors import ConvergenceError

__all__ = [
    "KMeansResult",
    "LorenzCurve",
    "ParetoResult",
    "ValueMatrixResult",
    "gini_coefficient",
    "kmeans_segments",
    "lorenz_curve",
    "pareto_abc",
    "value_matrix",
]

_CLASSES = ("A", "B", "C")
_QUADRANTS = ("high_high", "high_low", "low_high", "low_low")
_DEFAULT_QUADRANT_NAMES = {
    "high_high": "Grow",
    "high_low": "Retain",
    "low_high": "Develop",
    "low_low": "Economize",
}


def _non_negative(argument: str, values: ArrayLike) -> NDArray[np.float64]:
    return v.float_array(argument, values, low=0.0)


# --- Gini and Lorenz -----------------------------------------------------------------------


def gini_coefficient(values: ArrayLike) -> float:
    """Gini coefficient of non-negative values: 0 is perfect equality, near 1 is one holder.

    Computed from the values sorted ascending as
    `G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n` for `i = 1..n`. All-zero
    values (no value to share) give 0.

    Args:
        values: Per-customer values, finite and non-negative; at least one.

    Raises:
        InvalidInputError: If *values* is empty or holds a negative or
            non-finite number.

    Examples:
        >>> from crmkit.segmentation import gini_coefficient
        >>> gini_coefficient([1, 1, 1, 1])
        0.0
        >>> gini_coefficient([0, 0, 0, 10])   # 2*40/(4*10) - 5/4
        0.75

    References:
        Gini (1912), "Variabilità e mutabilità". The sorted-values form is in
        Damgaard & Weiner (2000), "Describing inequality in plant size or
        fecundity", Ecology 81(4).
    """
    x = np.sort(_non_negative("values", values))
    return _gini(x)


def _gini(ascending: NDArray[np.float64]) -> float:
    total = float(ascending.sum())
    if total == 0.0:
        return 0.0
    n = ascending.size
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.dot(ranks, ascending) / (n * total) - (n + 1) / n)


@frozen(kw_only=True, repr=False)
class LorenzCurve:
    """Cumulative share of value held by the poorest share of the population.

    Attributes:
        population_share: From 0 to 1, one point per customer plus the origin.
        value_share: Share of total value held by that population share.
        gini: The Gini coefficient (twice the area between the curve and
            the diagonal).

    Examples:
        >>> from crmkit.segmentation import lorenz_curve
        >>> curve = lorenz_curve([1, 3])
        >>> curve.population_share.tolist(), curve.value_share.tolist()
        ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0])
    """

    population_share: NDArray[np.float64] = array_field()
    value_share: NDArray[np.float64] = array_field()
    gini: float = field()

    def __repr__(self) -> str:
        return f"LorenzCurve(n_points={self.population_share.size}, gini={self.gini:.3f})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `population_share, value_share`.

        Examples:
            >>> from crmkit.segmentation import lorenz_curve
            >>> lorenz_curve([1, 3]).to_frame().shape
            (3, 2)
        """
        columns = {"population_share": self.population_share, "value_share": self.value_share}
        return _frames.frame_from_columns(columns, backend=backend)


def lorenz_curve(values: ArrayLike) -> LorenzCurve:
    """The Lorenz curve of non-negative values, from (0, 0) to (1, 1).

    With all-zero values the curve is the diagonal (perfect equality).

    Args:
        values: Per-customer values, finite and non-negative; at least one.

    Raises:
        InvalidInputError: If *values* is empty or holds a negative or
            non-finite number.

    Examples:
        >>> from crmkit.segmentation import lorenz_curve
        >>> lorenz_curve([0, 0, 0, 10])
        LorenzCurve(n_points=5, gini=0.750)
    """
    x = np.sort(_non_negative("values", values))
    n = x.size
    total = float(x.sum())
    cumulative = np.concatenate(([0.0], np.cumsum(x)))
    shares = cumulative / total if total else np.linspace(0.0, 1.0, n + 1)
    return LorenzCurve(
        population_share=np.linspace(0.0, 1.0, n + 1), value_share=shares, gini=_gini(x)
    )


# --- Pareto / ABC -------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class ParetoResult:
    """ABC classes by contribution to total value, and the 20/80 check.

    Attributes:
        ids: The ids given (or positions 0..n-1).
        value: The values, in input order.
        abc_class: `"A"`, `"B"` or `"C"` per item.
        rank: Position in descending value order (1 = largest; ties by input order).
        cumulative_share: Share of total value held by items ranked at or
            above this one.
        counts: Items per class.
        value_share: Share of total value per class.
        top_20_share: Share of total value held by the top 20 % of items
            (rounded up to whole items): the "80" of the 20/80 rule.
        cuts: Cumulative-share cut-offs of classes A and B.

    Examples:
        >>> from crmkit.segmentation import pareto_abc
        >>> result = pareto_abc([50, 30, 10, 6, 4])
        >>> result
        ParetoResult(n=5, counts={'A': 2, 'B': 2, 'C': 1}, top_20_share=0.500)
    """

    ids: NDArray[Any] = array_field()
    value: NDArray[np.float64] = array_field()
    abc_class: NDArray[np.str_] = array_field()
    rank: NDArray[np.int64] = array_field()
    cumulative_share: NDArray[np.float64] = array_field()
    counts: Mapping[str, int] = field()
    value_share: Mapping[str, float] = field()
    top_20_share: float = field()
    cuts: tuple[float, float] = field()

    def __repr__(self) -> str:
        return (
            f"ParetoResult(n={self.value.size}, counts={dict(self.counts)}, "
            f"top_20_share={self.top_20_share:.3f})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `id, value, abc_class, rank, cumulative_share`, in input order.

        Examples:
            >>> from crmkit.segmentation import pareto_abc
            >>> pareto_abc([5, 1], ids=["a", "b"]).to_frame()["abc_class"].tolist()
            ['A', 'B']
        """
        columns = {
            "id": self.ids,
            "value": self.value,
            "abc_class": self.abc_class,
            "rank": self.rank,
            "cumulative_share": self.cumulative_share,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def pareto_abc(
    values: ArrayLike,
    *,
    cuts: tuple[float, float] = (0.8, 0.95),
    ids: ArrayLike | None = None,
) -> ParetoResult:
    """Classify items A, B or C by their contribution to the total value.

    Items are ranked by value, largest first (equal values keep input order).
    An item is A while the share held by the items ranked above it is below
    the first cut (80 %), B while below the second (95 %), C after: so the item
    that crosses 80 % is still A.

    Args:
        values: Per-customer values, finite and non-negative, at least one
            positive.
        cuts: Two increasing cumulative shares in (0, 1].
        ids: Optional ids carried into the result and its frame.

    Raises:
        InvalidInputError: If a value is negative or non-finite, all are zero,
            or *cuts* are not two increasing shares.

    Examples:
        Total 100: 50 and 30 make 80 % (A), 10 and 6 reach 96 % (B), 4 is C.
        The top 20 % (one of five) hold 50 %:

        >>> from crmkit.segmentation import pareto_abc
        >>> r = pareto_abc([50, 30, 10, 6, 4])
        >>> r.abc_class.tolist(), r.top_20_share
        (['A', 'A', 'B', 'B', 'C'], 0.5)
    """
    x = _non_negative("values", values)
    cut_a, cut_b = _check_cuts(cuts)
    labels = v.ids_for(ids, per="value", n=x.size)
    total = float(x.sum())
    if total == 0.0:
        v.fail("values", "at least one positive value", v.described("all zeros"))
    order = np.argsort(-x, kind="stable")
    ranked = x[order]
    running = np.cumsum(ranked)
    held = running / total
    # Share strictly above each item, summed directly (not held - x / total, which can
    # land a hair under a cut and put an item exactly on it in the wrong class).
    before = np.concatenate(([0.0], running[:-1])) / total
    class_index = (before >= cut_a).astype(np.int64) + (before >= cut_b)
    abc = np.empty(x.size, dtype=np.int64)
    abc[order] = class_index
    rank = np.empty(x.size, dtype=np.int64)
    rank[order] = np.arange(1, x.size + 1)
    cumulative = np.empty(x.size)
    cumulative[order] = held
    counts = np.bincount(abc, minlength=3)
    shares = np.bincount(abc, weights=x, minlength=3) / total
    top = math.ceil(0.2 * x.size)
    return ParetoResult(
        ids=labels,
        value=x,
        abc_class=np.asarray(_CLASSES)[abc],
        rank=rank,
        cumulative_share=cumulative,
        counts=dict(zip(_CLASSES, counts.tolist(), strict=True)),
        value_share=dict(zip(_CLASSES, shares.tolist(), strict=True)),
        top_20_share=float(ranked[:top].sum() / total),
        cuts=(cut_a, cut_b),
    )


def _check_cuts(cuts: Any) -> tuple[float, float]:
    if not isinstance(cuts, Sequence) or isinstance(cuts, str) or len(cuts) != 2:
        v.fail_type("cuts", "two cumulative shares, such as (0.8, 0.95)", cuts)
    cut_a = v.check_float("cuts", cuts[0], low=0.0, high=1.0, low_open=True)
    cut_b = v.check_float("cuts", cuts[1], low=0.0, high=1.0, low_open=True)
    if cut_b <= cut_a:
        v.fail("cuts", "two strictly increasing shares", tuple(cuts))
    return cut_a, cut_b


# --- value matrix -------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class ValueMatrixResult:
    """Each customer's quadrant of current value against potential value.

    Attributes:
        ids: The ids given (or positions 0..n-1).
        quadrant: The quadrant name per customer.
        is_high_current: Whether current value is at or above its threshold.
        is_high_potential: Whether potential value is at or above its threshold.
        current_threshold: The current-value threshold used.
        potential_threshold: The potential-value threshold used.
        counts: Customers per quadrant, all four listed.

    Examples:
        >>> from crmkit.segmentation import value_matrix
        >>> value_matrix([10, 1, 8, 2], [9, 8, 1, 2])
        ValueMatrixResult(counts={'Grow': 1, 'Retain': 1, 'Develop': 1, 'Economize': 1})
    """

    ids: NDArray[Any] = array_field()
    quadrant: NDArray[np.str_] = array_field()
    is_high_current: NDArray[np.bool_] = array_field()
    is_high_potential: NDArray[np.bool_] = array_field()
    current_threshold: float = field()
    potential_threshold: float = field()
    counts: Mapping[str, int] = field()

    def __repr__(self) -> str:
        return f"ValueMatrixResult(counts={dict(self.counts)})"

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Columns `id, quadrant, is_high_current, is_high_potential`.

        Examples:
            >>> from crmkit.segmentation import value_matrix
            >>> value_matrix([1, 2], [2, 1]).to_frame()["quadrant"].tolist()
            ['Develop', 'Retain']
        """
        columns = {
            "id": self.ids,
            "quadrant": self.quadrant,
            "is_high_current": self.is_high_current,
            "is_high_potential": self.is_high_potential,
        }
        return _frames.frame_from_columns(columns, backend=backend)


def value_matrix(
    current: ArrayLike,
    potential: ArrayLike,
    *,
    split: Literal["median"] | tuple[float, float] = "median",
    names: Mapping[str, str] | None = None,
    ids: ArrayLike | None = None,
) -> ValueMatrixResult:
    """Place customers in the four quadrants of current by potential value.

    A value at or above its threshold is "high". With `split="median"` the
    thresholds are the medians of the two arrays; pass `(current, potential)`
    thresholds to keep quadrants stable over time.

    Default quadrant names: high current and high potential `"Grow"`, high
    current and low potential `"Retain"`, low current and high potential
    `"Develop"`, low and low `"Economize"`.

    Args:
        current: Current value per customer (e.g. last year's profit).
        potential: Potential value per customer (e.g. share of wallet left).
        split: `"median"` or a `(current, potential)` pair of thresholds.
        names: Names for the keys `"high_high"`, `"high_low"`,
            `"low_high"`, `"low_low"` (current first); any left out keep
            their defaults.
        ids: Optional ids carried into the result.

    Raises:
        InvalidInputError: If the arrays differ in length, hold non-finite
            values, *split* is not `"median"` or two numbers, or *names* has
            unknown keys.

    Examples:
        >>> from crmkit.segmentation import value_matrix
        >>> result = value_matrix([10, 1, 8, 2], [9, 8, 1, 2], split=(5, 5))
        >>> result.quadrant.tolist()
        ['Grow', 'Develop', 'Retain', 'Economize']
    """
    now = v.float_array("current", current)
    later = v.float_array("potential", potential)
    v.same_length(current=now, potential=later)
    labels = v.ids_for(ids, per="value", n=now.size)
    chosen = _quadrant_names(names)
    if isinstance(split, str):
        v.check_choice("split", split, ("median",))
        cut_now, cut_later = float(np.median(now)), float(np.median(later))
    elif isinstance(split, Sequence) and len(split) == 2:
        cut_now = v.check_float("split", split[0])
        cut_later = v.check_float("split", split[1])
    else:
        v.fail_type("split", "'median' or a (current, potential) pair of numbers", split)
    high_now, high_later = now >= cut_now, later >= cut_later
    index = 2 * (~high_now).astype(np.int64) + (~high_later)
    quadrant_names = [chosen[key] for key in _QUADRANTS]
    counts = np.bincount(index, minlength=4)
    return ValueMatrixResult(
        ids=labels,
        quadrant=np.asarray(quadrant_names)[index],
        is_high_current=high_now,
        is_high_potential=high_later,
        current_threshold=cut_now,
        potential_threshold=cut_later,
        counts=dict(zip(quadrant_names, counts.tolist(), strict=True)),
    )


def _quadrant_names(names: Mapping[str, str] | None) -> dict[str, str]:
    if names is None:
        return dict(_DEFAULT_QUADRANT_NAMES)
    if not isinstance(names, Mapping):
        v.fail_type("names", "a mapping from quadrant key to name", names)
    unknown = sorted(set(map(str, names)) - set(_QUADRANTS))
    if unknown:
        v.fail("names", "keys among " + ", ".join(map(repr, _QUADRANTS)), unknown)
    chosen = {
        **_DEFAULT_QUADRANT_NAMES,
        **{k: v.check_str(f"names[{k!r}]", n) for k, n in names.items()},
    }
    if len(set(chosen.values())) != 4:
        v.fail("names", "four different quadrant names", list(chosen.values()))
    return chosen


# --- k-means ------------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class KMeansResult:
    """k-means clusters on standardised features, with a profile of each.

    Clusters are numbered by size, largest first (ties by centre), so the
    numbering does not depend on the optimiser's internal order.

    Attributes:
        ids: The ids given (or positions 0..n-1).
        labels: Cluster number per row, from 0 to k - 1.
        centers: Cluster centres in the features' own units, shape (k, p).
        feature_names: Names of the p features.
        sizes: Rows per cluster.
        inertia: Sum of squared distances to the centres, in standardised units.
        seed_used: Whether a seed made the result reproducible.

    Examples:
        >>> from crmkit.segmentation import kmeans_segments
        >>> result = kmeans_segments({"spend": [1, 2, 1, 50, 52, 51]}, k=2, seed=0)
        >>> result.labels.tolist(), result.sizes.tolist()
        ([0, 0, 0, 1, 1, 1], [3, 3])
    """

    ids: NDArray[Any] = array_field()
    labels: NDArray[np.int64] = array_field()
    centers: NDArray[np.float64] = array_field()
    feature_names: tuple[str, ...] = field()
    sizes: NDArray[np.int64] = array_field()
    inertia: float = field()
    seed_used: bool = field()

    def __repr__(self) -> str:
        return (
            f"KMeansResult(k={self.sizes.size}, n={self.labels.size}, "
            f"features={list(self.feature_names)}, inertia={self.inertia:.3g})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per input row: `id, cluster`.

        Examples:
            >>> from crmkit.segmentation import kmeans_segments
            >>> r = kmeans_segments({"spend": [1, 50, 2]}, k=2, seed=0, ids=["a", "b", "c"])
            >>> r.to_frame()["cluster"].tolist()
            [0, 1, 0]
        """
        return _frames.frame_from_columns(
            {"id": self.ids, "cluster": self.labels}, backend=backend
        )

    def profiles(self, backend: Backend = "pandas") -> Any:
        """One row per cluster: `cluster, size, share` and each feature's mean.

        Examples:
            >>> from crmkit.segmentation import kmeans_segments
            >>> r = kmeans_segments({"spend": [1, 2, 1, 50, 52, 51]}, k=2, seed=0)
            >>> r.profiles()["spend"].round(1).tolist()
            [1.3, 51.0]
        """
        columns: dict[str, NDArray[Any]] = {
            "cluster": np.arange(self.sizes.size),
            "size": self.sizes,
            "share": self.sizes / self.sizes.sum(),
        }
        columns.update({name: self.centers[:, j] for j, name in enumerate(self.feature_names)})
        return _frames.frame_from_columns(columns, backend=backend)


def kmeans_segments(
    features: Any,
    *,
    k: int,
    seed: int | np.random.Generator | None = None,
    n_init: int = 10,
    n_iter: int = 30,
    ids: ArrayLike | None = None,
) -> KMeansResult:
    """Cluster customers with k-means on standardised features (scipy's `kmeans2`).

    Each feature is centred and scaled to unit variance first (a constant
    feature becomes 0), so spend in yuan does not drown out order counts. The
    best of `n_init` k-means++ starts (lowest inertia) is kept. The same seed
    gives the same clusters.

    Args:
        features: A mapping from name to a 1-d array, a 2-d array of shape
            (n, p), or a pandas, polars or pyarrow frame of numeric columns.
        k: Number of clusters, from 1 to the number of distinct rows.
        seed: Seed or generator for the starts.
        n_init: Number of starts, at least 1.
        n_iter: Lloyd iterations run from each start (scipy's `kmeans2`
            runs exactly this many; it has no convergence test), at least 1.
        ids: Optional ids carried into the result and its frame.

    Raises:
        InvalidInputError: If a feature is non-finite, lengths differ, or *k*
            exceeds the number of distinct rows.
        ConvergenceError: If no start ends with k non-empty clusters.

    Examples:
        >>> import numpy as np
        >>> from crmkit.segmentation import kmeans_segments
        >>> spend = np.r_[np.full(5, 10.0), np.full(3, 200.0)]
        >>> orders = np.r_[np.full(5, 1.0), np.full(3, 9.0)]
        >>> result = kmeans_segments({"spend": spend, "orders": orders}, k=2, seed=1)
        >>> result.sizes.tolist(), result.centers.round(1).tolist()
        ([5, 3], [[10.0, 1.0], [200.0, 9.0]])
    """
    names, data = _feature_matrix(features)
    clusters = v.check_int("k", k, low=1)
    starts = v.check_int("n_init", n_init, low=1)
    iterations = v.check_int("n_iter", n_iter, low=1)
    rng = v.random_generator("seed", seed)
    labels_given = v.ids_for(ids, per="value", n=data.shape[0])
    distinct = np.unique(data, axis=0).shape[0]
    if clusters > distinct:
        v.fail("k", f"at most the number of distinct rows ({distinct})", clusters)
    mean, scale = data.mean(axis=0), data.std(axis=0)
    scale[scale == 0.0] = 1.0
    standard = (data - mean) / scale
    best = _best_kmeans(standard, clusters, starts, iterations, rng)
    if best is None:
        message = f"k-means found no {clusters} non-empty clusters in {starts} starts"
        raise ConvergenceError(message, n_iter=starts, reason="empty clusters in every start")
    centroids, labels, inertia = best
    sizes = np.bincount(labels, minlength=clusters)
    # Number clusters by size (largest first), then by centre, for a stable order.
    order = np.lexsort((*centroids.T[::-1], -sizes))
    relabel = np.empty(clusters, dtype=np.int64)
    relabel[order] = np.arange(clusters)
    return KMeansResult(
        ids=labels_given,
        labels=relabel[labels],
        centers=centroids[order] * scale + mean,
        feature_names=names,
        sizes=sizes[order],
        inertia=inertia,
        seed_used=seed is not None,
    )


def _best_kmeans(
    data: NDArray[np.float64], k: int, starts: int, iterations: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.int64], float] | None:
    best = None
    for _ in range(starts):
        try:
            centroids, labels = kmeans2(
                data, k, iter=iterations, minit="++", missing="raise", seed=rng
            )
        except ClusterError:
            continue
        inertia = float(((data - centroids[labels]) ** 2).sum())
        if best is None or inertia < best[2]:
            best = (centroids, labels.astype(np.int64), inertia)
    return best


def _feature_matrix(features: Any) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    if isinstance(features, Mapping):
        names = tuple(str(name) for name in features)
        columns = [v.float_array(f"features[{name!r}]", features[name]) for name in features]
    elif isinstance(features, np.ndarray | list | tuple):
        matrix = np.asarray(features)
        if matrix.ndim != 2:
            v.fail("features", "a 2-d array of shape (n, p)", v.described(f"shape {matrix.shape}"))
        names = tuple(f"x{j}" for j in range(matrix.shape[1]))
        columns = [
            v.float_array(f"features[:, {j}]", matrix[:, j]) for j in range(matrix.shape[1])
        ]
    else:
        frame = _frames.eager_frame(features, "features")
        names = tuple(frame.columns)
        columns = [
            v.float_array(name, _frames.series_numbers(name, frame.get_column(name)))
            for name in names
        ]
    if not columns:
        v.fail("features", "at least one feature", v.described("none"))
    v.same_length(**dict(zip(names, columns, strict=True)))
    return names, np.column_stack(columns)
