"""Segment schemes: named segments over RFM scores, kept as data.

A [`SegmentScheme`][crmkit.segmentation.SegmentScheme] maps every RFM code
(such as `"545"`) to one segment name. It is checked as a whole when it is
built: codes no segment covers (gaps), codes two segments claim (overlaps) and
segments no code can reach are all reported at once. It round-trips through
[`crmkit.io`][crmkit.io], so an app can store its own scheme and apply it
nightly with [`assign_segments`][crmkit.segmentation.assign_segments].
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from crmkit import _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.errors import InvalidDefinitionError
from crmkit.segmentation.rfm import RfmScores

__all__ = [
    "RF_GRID",
    "STANDARD_SEGMENTS",
    "Match",
    "ScoreBox",
    "Segment",
    "SegmentResult",
    "SegmentScheme",
    "assign_segments",
]

Match = Literal["unique", "first"]
_MAX_LISTED = 8  # codes named in one problem before "and N more"


def _span(axis: str, value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        v.fail_type(axis, "a (low, high) pair of scores, or None for any", value)
    return tuple(value)  # the scheme checks it is a pair of scores


def _r_span(value: Iterable[int] | None) -> tuple[int, int] | None:
    return _span("r", value)


def _f_span(value: Iterable[int] | None) -> tuple[int, int] | None:
    return _span("f", value)


def _m_span(value: Iterable[int] | None) -> tuple[int, int] | None:
    return _span("m", value)


@frozen(kw_only=True)
class ScoreBox:
    """Inclusive ranges of R, F and M scores; `None` means any score.

    Attributes:
        r: Lowest and highest recency score, or None for any.
        f: Lowest and highest frequency score, or None for any.
        m: Lowest and highest monetary score, or None for any.

    Examples:
        >>> from crmkit.segmentation import ScoreBox
        >>> box = ScoreBox(r=(4, 5), f=(4, 5))
        >>> box.contains(5, 4, 1), box.contains(3, 5, 5)
        (True, False)
    """

    r: tuple[int, int] | None = field(default=None, converter=_r_span)
    f: tuple[int, int] | None = field(default=None, converter=_f_span)
    m: tuple[int, int] | None = field(default=None, converter=_m_span)

    def contains(self, r: int, f: int, m: int) -> bool:
        """Whether the scores (r, f, m) lie in the box.

        Examples:
            >>> ScoreBox(m=(5, 5)).contains(1, 1, 5)
            True
        """
        scores = {"r": v.check_int("r", r), "f": v.check_int("f", f), "m": v.check_int("m", m)}
        return all(
            span is None or span[0] <= scores[axis] <= span[1]
            for axis, span in (("r", self.r), ("f", self.f), ("m", self.m))
        )


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _boxes(value: Iterable[ScoreBox]) -> tuple[ScoreBox, ...]:
    return tuple(value)


@frozen(kw_only=True)
class Segment:
    """One named segment: the score boxes and explicit codes it covers.

    Attributes:
        name: The segment's name, unique within its scheme.
        boxes: Score boxes the segment covers.
        codes: Explicit codes (such as `"545"`) the segment covers.
        description: What the segment means and what to do with it.

    Examples:
        >>> from crmkit.segmentation import ScoreBox, Segment
        >>> Segment(name="Champions", boxes=[ScoreBox(r=(5, 5), f=(4, 5))]).name
        'Champions'
    """

    name: str = field()
    boxes: tuple[ScoreBox, ...] = field(default=(), converter=_boxes)
    codes: tuple[str, ...] = field(default=(), converter=_codes)
    description: str = field(default="")


def _segments(value: Iterable[Segment]) -> tuple[Segment, ...]:
    return tuple(value)


@frozen(kw_only=True)
class SegmentScheme:
    """A complete map from RFM codes to segment names.

    With `match="unique"` (the default) every code must belong to exactly one
    segment, or to none when a `fallback` name is given. With `match="first"`
    segments are ordered rules: the first segment covering a code takes it.

    Attributes:
        name: The scheme's name.
        segments: The segments, in order.
        n_bins: The score scale the scheme is written for (2 to 9).
        fallback: Name given to codes no segment covers, if any.
        match: `"unique"` or `"first"`.

    Raises:
        InvalidDefinitionError: Listing every problem found: gaps, overlaps,
            unreachable or empty segments, duplicate names, scores off the scale.

    Examples:
        >>> from crmkit.segmentation import ScoreBox, Segment, SegmentScheme
        >>> scheme = SegmentScheme(name="two", n_bins=2, segments=[
        ...     Segment(name="recent", boxes=[ScoreBox(r=(2, 2))]),
        ...     Segment(name="lapsed", boxes=[ScoreBox(r=(1, 1))])])
        >>> scheme.segment_names
        ('recent', 'lapsed')
        >>> SegmentScheme(name="gappy", n_bins=2, segments=[
        ...     Segment(name="recent", boxes=[ScoreBox(r=(2, 2))])])
        Traceback (most recent call last):
        ...
        crmkit.errors.InvalidDefinitionError: invalid SegmentScheme 'gappy': 1 problem
          - 4 codes belong to no segment and there is no fallback: 111, 112, 121, 122
    """

    name: str = field()
    segments: tuple[Segment, ...] = field(converter=_segments)
    n_bins: int = field(default=5)
    fallback: str | None = field(default=None)
    match: Match = field(default="unique")

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            message = f"invalid SegmentScheme {self.name!r}"
            raise InvalidDefinitionError(message, problems=problems)

    @classmethod
    def from_codes(
        cls,
        codes: Mapping[str, str],
        *,
        name: str,
        n_bins: int = 5,
        fallback: str | None = None,
    ) -> SegmentScheme:
        """Build a scheme from a table of code to segment name.

        Segments appear in the order their names first appear in the table.

        Examples:
            >>> from crmkit.segmentation import SegmentScheme
            >>> table = {f"{r}{f}{m}": ("high" if r == 2 else "low")
            ...          for r in (1, 2) for f in (1, 2) for m in (1, 2)}
            >>> SegmentScheme.from_codes(table, name="r-only", n_bins=2).segment_names
            ('low', 'high')
        """
        if not isinstance(codes, Mapping):
            v.fail_type("codes", "a mapping from code to segment name", codes)
        by_name: dict[str, list[str]] = {}
        for code, segment in codes.items():
            by_name.setdefault(segment, []).append(code)
        segments = [Segment(name=label, codes=members) for label, members in by_name.items()]
        return cls(name=name, segments=segments, n_bins=n_bins, fallback=fallback)

    @property
    def segment_names(self) -> tuple[str, ...]:
        """Every name a customer can get, in scheme order, the fallback last."""
        names = tuple(segment.name for segment in self.segments)
        return names if self.fallback is None else (*names, self.fallback)

    def segment_of(self, code: str) -> str:
        """The segment name for one code, such as `"545"`.

        Examples:
            >>> from crmkit.segmentation import STANDARD_SEGMENTS
            >>> STANDARD_SEGMENTS.segment_of("555"), STANDARD_SEGMENTS.segment_of("111")
            ('Champions', 'Lost')
        """
        r, f, m = _parse_code("code", code, self.n_bins)
        return self.segment_names[int(_lookup_table(self)[_flat(r, f, m, self.n_bins)])]


def _flat(r: Any, f: Any, m: Any, n_bins: int) -> Any:
    return ((r - 1) * n_bins + (f - 1)) * n_bins + (m - 1)


def _all_codes(n_bins: int) -> list[tuple[int, int, int]]:
    levels = range(1, n_bins + 1)
    return list(itertools.product(levels, levels, levels))


def _covers(segment: Segment, n_bins: int) -> set[tuple[int, int, int]]:
    # Malformed codes and boxes are reported by _segment_problems; skip them here so
    # gaps and overlaps can still be judged and reported in the same error.
    explicit = {
        _parse_code("codes", code, n_bins) for code in segment.codes if _is_code(code, n_bins)
    }
    boxes = [box for box in segment.boxes if _box_is_valid(box, n_bins)]
    boxed = {code for code in _all_codes(n_bins) if any(b.contains(*code) for b in boxes)}
    return explicit | boxed


def _box_is_valid(box: ScoreBox, n_bins: int) -> bool:
    return all(_span_is_valid(getattr(box, axis), n_bins) for axis in ("r", "f", "m"))


def _span_is_valid(span: Any, n_bins: int) -> bool:
    return span is None or (
        len(span) == 2
        and all(isinstance(s, int) and not isinstance(s, bool) for s in span)
        and 1 <= span[0] <= span[1] <= n_bins
    )


def _parse_code(argument: str, code: Any, n_bins: int) -> tuple[int, int, int]:
    text = v.check_str(argument, code)
    if not _is_code(text, n_bins):
        v.fail(argument, f"three digits from 1 to {n_bins}, such as '{n_bins}{n_bins}1'", code)
    return int(text[0]), int(text[1]), int(text[2])


def _is_code(code: object, n_bins: int) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 3
        and all(c.isdigit() and 1 <= int(c) <= n_bins for c in code)
    )


def _lookup_table(scheme: SegmentScheme) -> NDArray[np.int64]:
    """Segment index per flat code; the fallback's index is len(segments)."""
    n = scheme.n_bins
    table = np.full(n**3, len(scheme.segments), dtype=np.int64)
    # Assign in reverse so that, for match="first", the earliest segment wins.
    for index in reversed(range(len(scheme.segments))):
        for code in _covers(scheme.segments[index], n):
            table[_flat(*code, n)] = index
    return table


def _problems(scheme: SegmentScheme) -> list[str]:
    problems = _shape_problems(scheme)
    if not _coverage_can_be_judged(scheme):
        return problems
    n = scheme.n_bins
    claims: dict[tuple[int, int, int], list[str]] = {code: [] for code in _all_codes(n)}
    for segment in scheme.segments:
        covered = _covers(segment, n)
        if not covered and not _segment_problems(0, segment, n):  # else already reported
            problems.append(f"segment {segment.name!r} covers no code")
        for code in covered:
            claims[code].append(segment.name)
    gaps = [_text(code) for code, names in claims.items() if not names]
    if gaps and scheme.fallback is None:
        problems.append(
            f"{_codes_text(len(gaps))} no segment and there is no fallback: {_some(gaps)}"
        )
    if scheme.match == "unique":
        problems += _overlaps(claims)
    else:
        winners = {names[0] for names in claims.values() if names}
        problems += [
            f"segment {s.name!r} is unreachable: earlier segments take every code it covers"
            for s in scheme.segments
            if s.name not in winners and _covers(s, n)
        ]
    return problems


def _coverage_can_be_judged(scheme: SegmentScheme) -> bool:
    segments = scheme.segments
    return (
        _n_bins_is_valid(scheme.n_bins)
        and bool(segments)
        and all(isinstance(s, Segment) for s in segments)
    )


def _n_bins_is_valid(n_bins: Any) -> bool:
    return not isinstance(n_bins, bool) and isinstance(n_bins, int) and 2 <= n_bins <= 9


def _shape_problems(scheme: SegmentScheme) -> list[str]:
    problems = []
    if not isinstance(scheme.name, str) or not scheme.name.strip():
        problems.append(f"'name' must be a non-empty string; got {scheme.name!r}")
    if not _n_bins_is_valid(scheme.n_bins):
        return [*problems, f"'n_bins' must be an integer from 2 to 9; got {scheme.n_bins!r}"]
    if scheme.match not in ("unique", "first"):
        problems.append(f"'match' must be 'unique' or 'first'; got {scheme.match!r}")
    if not scheme.segments:
        problems.append("'segments' must not be empty")
    names = [getattr(s, "name", None) for s in scheme.segments]
    for index, segment in enumerate(scheme.segments):
        problems += _segment_problems(index, segment, scheme.n_bins)
    duplicated = sorted({str(n) for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(f"segment names must be unique; repeated: {', '.join(duplicated)}")
    if scheme.fallback is not None and (
        not isinstance(scheme.fallback, str)
        or not scheme.fallback.strip()
        or scheme.fallback in names
    ):
        problems.append(f"'fallback' must be a new, non-empty name; got {scheme.fallback!r}")
    return problems


def _segment_problems(index: int, segment: Any, n_bins: int) -> list[str]:
    where = f"segments[{index}]"
    if not isinstance(segment, Segment):
        return [f"{where} must be a Segment; got {type(segment).__name__}"]
    problems = []
    if not isinstance(segment.name, str) or not segment.name.strip():
        problems.append(f"{where}.name must be a non-empty string; got {segment.name!r}")
    problems += [
        f"{where} ({segment.name!r}) has code {code!r}, not 3 digits 1-{n_bins}"
        for code in segment.codes
        if not _is_code(code, n_bins)
    ]
    for box in segment.boxes:
        for axis in ("r", "f", "m"):
            span = getattr(box, axis)
            if not _span_is_valid(span, n_bins):
                problems.append(
                    f"{where} ({segment.name!r}) has {axis}={span!r}; "
                    f"need (low, high) with 1 <= low <= high <= {n_bins}"
                )
    return problems


def _overlaps(claims: dict[tuple[int, int, int], list[str]]) -> list[str]:
    shared: dict[tuple[str, ...], list[str]] = {}
    for code, names in claims.items():
        if len(names) > 1:
            shared.setdefault(tuple(names), []).append(_text(code))
    return [
        f"{' and '.join(map(repr, names))} overlap on {_count(len(codes))}: {_some(codes)}"
        for names, codes in shared.items()
    ]


def _count(n: int) -> str:
    return f"{n} code" if n == 1 else f"{n} codes"


def _codes_text(n: int) -> str:
    return f"{_count(n)} {'belongs to' if n == 1 else 'belong to'}"


def _text(code: tuple[int, int, int]) -> str:
    return "".join(map(str, code))


def _some(codes: list[str]) -> str:
    shown = ", ".join(sorted(codes)[:_MAX_LISTED])
    return shown if len(codes) <= _MAX_LISTED else f"{shown} and {len(codes) - _MAX_LISTED} more"


# --- assigning ----------------------------------------------------------------------------


def _mapping_repr(value: Mapping[str, Any]) -> str:
    return f"<{len(value)} segments>"


@frozen(kw_only=True, repr=False)
class SegmentResult:
    """Each customer's segment, and the size and revenue of every segment.

    Attributes:
        customer_id: The customer ids, in the scores' order.
        segment: Each customer's segment name.
        counts: Customers per segment, every segment of the scheme listed.
        customer_share: Share of customers per segment (fractions summing to 1).
        revenue: Total spend per segment.
        revenue_share: Share of total spend per segment (all 0 when the total
            spend is 0).
        scheme_name: Name of the scheme applied.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.segmentation import assign_segments, rfm_summary, score_rfm
        >>> seg = assign_segments(score_rfm(rfm_summary(load_sample().transactions,
        ...                                              as_of=date(2025, 1, 1))))
        >>> seg
        SegmentResult(scheme_name='standard', n_customers=5000, n_segments=11)
        >>> round(sum(seg.customer_share.values()), 6)
        1.0
    """

    customer_id: NDArray[Any] = array_field()
    segment: NDArray[np.str_] = array_field()
    counts: Mapping[str, int] = field()
    customer_share: Mapping[str, float] = field()
    revenue: Mapping[str, float] = field()
    revenue_share: Mapping[str, float] = field()
    scheme_name: str = field()

    def __repr__(self) -> str:
        return (
            f"SegmentResult(scheme_name={self.scheme_name!r}, "
            f"n_customers={self.customer_id.size}, n_segments={len(self.counts)})"
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """One row per customer: `customer_id, segment`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.segmentation import assign_segments, rfm_summary, score_rfm
            >>> seg = assign_segments(score_rfm(rfm_summary(load_sample().transactions,
            ...                                              as_of=date(2025, 1, 1))))
            >>> seg.to_frame().columns.tolist()
            ['customer_id', 'segment']
        """
        columns = {"customer_id": self.customer_id, "segment": self.segment}
        return _frames.frame_from_columns(columns, backend=backend)

    def table(self, backend: Backend = "pandas") -> Any:
        """One row per segment: `segment, customers, customer_share, revenue, revenue_share`.

        Examples:
            >>> from datetime import date
            >>> from crmkit.datasets import load_sample
            >>> from crmkit.segmentation import assign_segments, rfm_summary, score_rfm
            >>> seg = assign_segments(score_rfm(rfm_summary(load_sample().transactions,
            ...                                              as_of=date(2025, 1, 1))))
            >>> seg.table()["segment"].tolist()[:3]
            ['Champions', 'Loyal Customers', 'Potential Loyalist']
        """
        names = list(self.counts)
        columns = {
            "segment": np.array(names, dtype=np.str_),
            "customers": np.array([self.counts[n] for n in names], dtype=np.int64),
            "customer_share": np.array([self.customer_share[n] for n in names]),
            "revenue": np.array([self.revenue[n] for n in names]),
            "revenue_share": np.array([self.revenue_share[n] for n in names]),
        }
        return _frames.frame_from_columns(columns, backend=backend)


def assign_segments(scores: RfmScores, *, scheme: SegmentScheme | None = None) -> SegmentResult:
    """Name each customer's segment from their RFM scores.

    Vectorised: the scheme becomes a lookup table over all codes, and every
    customer is looked up at once.

    Args:
        scores: The output of [`score_rfm`][crmkit.segmentation.score_rfm].
        scheme: The scheme to apply; the default is
            [`STANDARD_SEGMENTS`][crmkit.segmentation.STANDARD_SEGMENTS]. Its
            `n_bins` must match the scores'.

    Returns:
        Segments per customer, with counts and customer and revenue shares.

    Raises:
        InvalidInputError: If the scheme is for another number of bins.
        InvalidTypeError: If *scores* or *scheme* has the wrong type.

    Examples:
        >>> from datetime import date
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.segmentation import (RF_GRID, assign_segments, rfm_summary,
        ...                                  score_rfm)
        >>> scores = score_rfm(rfm_summary(load_sample().transactions, as_of=date(2025, 1, 1)))
        >>> seg = assign_segments(scores, scheme=RF_GRID)
        >>> seg.segment[:3].tolist()
        ['Need Attention', 'Promising', 'Hibernating']
    """
    chosen = STANDARD_SEGMENTS if scheme is None else scheme
    if not isinstance(scores, RfmScores):
        v.fail_type("scores", "an RfmScores", scores, hint="make one with score_rfm()")
    if not isinstance(chosen, SegmentScheme):
        v.fail_type("scheme", "a SegmentScheme", chosen)
    if chosen.n_bins != scores.n_bins:
        v.fail(
            "scheme",
            f"a scheme for n_bins={scores.n_bins}, as the scores have",
            v.described(f"{chosen.name!r} for n_bins={chosen.n_bins}"),
        )
    names = chosen.segment_names
    index = _lookup_table(chosen)[_flat(scores.r, scores.f, scores.m, chosen.n_bins)]
    counts = np.bincount(index, minlength=len(names))
    revenue = np.bincount(index, weights=scores.revenue, minlength=len(names))
    total_revenue = float(revenue.sum())
    n = max(int(index.size), 1)
    return SegmentResult(
        customer_id=scores.customer_id,
        segment=np.asarray(names, dtype=np.str_)[index],
        counts={name: int(c) for name, c in zip(names, counts, strict=True)},
        customer_share={name: int(c) / n for name, c in zip(names, counts, strict=True)},
        revenue={name: float(x) for name, x in zip(names, revenue, strict=True)},
        revenue_share={
            name: float(x) / total_revenue if total_revenue else 0.0
            for name, x in zip(names, revenue, strict=True)
        },
        scheme_name=chosen.name,
    )


# --- presets ------------------------------------------------------------------------------

_STANDARD = (
    ("Champions", "Bought recently, buy often and spend the most. Reward them."),
    ("Loyal Customers", "Buy regularly and spend well. Upsell; ask for reviews."),
    ("Potential Loyalist", "Recent customers with average frequency and spend. Offer membership."),
    ("New Customers", "Bought most recently, only a little so far. Onboard them."),
    ("Promising", "Recent shoppers who have not spent much yet. Build awareness."),
    ("Need Attention", "Average recency, frequency and spend. Limited-time offers."),
    ("About To Sleep", "Below-average recency and value. Reactivate before they go."),
    ("At Risk", "Spent well and often, but long ago. Personal win-back."),
    ("Can't Lose Them", "Were among the best, not back for a long time. Win them back."),
    ("Hibernating", "Last bought long ago, few orders, low spend. Relevant offers only."),
    ("Lost", "Lowest recency with low frequency and spend. Revive or let go."),
)


def _standard_segment(r: int, f: int, m: int) -> str:
    # Recency against the average of frequency and monetary, rounded up (FM).
    fm = (f + m + 1) // 2
    by_recency = {
        5: {1: "New Customers", 2: "Potential Loyalist", 3: "Potential Loyalist"},
        4: {
            1: "Promising",
            2: "Potential Loyalist",
            3: "Potential Loyalist",
            4: "Loyal Customers",
        },
        3: {1: "About To Sleep", 2: "About To Sleep", 3: "Need Attention"},
        2: {1: "Hibernating", 2: "Hibernating", 3: "At Risk", 4: "At Risk", 5: "Can't Lose Them"},
        1: {1: "Lost", 2: "Lost", 3: "At Risk", 4: "At Risk", 5: "Can't Lose Them"},
    }
    default = {5: "Champions", 4: "Champions", 3: "Loyal Customers"}
    return by_recency[r].get(fm) or default[r]


STANDARD_SEGMENTS = SegmentScheme(
    name="standard",
    segments=[
        Segment(
            name=name,
            codes=[_text(c) for c in _all_codes(5) if _standard_segment(*c) == name],
            description=description,
        )
        for name, description in _STANDARD
    ],
)
"""The 11 classic RFM segments as a complete table over all 125 codes.

Each code's segment depends on its R score and on FM, the average of F and M
rounded up. Every code has exactly one segment and every segment is reachable
(the popular if/elif version of this map leaves several segments unreachable).
"""

RF_GRID = SegmentScheme(
    name="rf_grid",
    segments=[
        Segment(name="Champions", boxes=[ScoreBox(r=(5, 5), f=(4, 5))]),
        Segment(name="Loyal Customers", boxes=[ScoreBox(r=(3, 4), f=(4, 5))]),
        Segment(name="Potential Loyalists", boxes=[ScoreBox(r=(4, 5), f=(2, 3))]),
        Segment(name="New Customers", boxes=[ScoreBox(r=(5, 5), f=(1, 1))]),
        Segment(name="Promising", boxes=[ScoreBox(r=(4, 4), f=(1, 1))]),
        Segment(name="Need Attention", boxes=[ScoreBox(r=(3, 3), f=(3, 3))]),
        Segment(name="About To Sleep", boxes=[ScoreBox(r=(3, 3), f=(1, 2))]),
        Segment(name="At Risk", boxes=[ScoreBox(r=(1, 2), f=(3, 4))]),
        Segment(name="Can't Lose Them", boxes=[ScoreBox(r=(1, 2), f=(5, 5))]),
        Segment(name="Hibernating", boxes=[ScoreBox(r=(1, 2), f=(1, 2))]),
    ],
)
"""The 5 x 5 recency-by-frequency grid of ten segments; monetary is ignored."""
