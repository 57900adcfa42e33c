"""Segment schemes as data and assign_segments (crmkit.segmentation)."""

from __future__ import annotations

import copy
import itertools
import json
import re
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crmkit import Transactions, io
from crmkit.errors import InvalidDefinitionError, InvalidInputError, InvalidTypeError
from crmkit.segmentation import (
    RF_GRID,
    STANDARD_SEGMENTS,
    ScoreBox,
    Segment,
    SegmentResult,
    SegmentScheme,
    assign_segments,
    rfm_summary,
    score_rfm,
)

BACKENDS = ["pandas", "polars", "pyarrow"]
STANDARD_NAMES = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About To Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)
ALL_CODES = ["".join(map(str, c)) for c in itertools.product(range(1, 6), repeat=3)]


def codes_of(n_bins: int) -> list[str]:
    levels = range(1, n_bins + 1)
    return ["".join(map(str, c)) for c in itertools.product(levels, repeat=3)]


def columns_of(frame: Any) -> list[str]:
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[us]")


def five_customers() -> Transactions:
    """One purchase each, 1 to 91 days before 31 Jan; codes 534, 432, 335, 231, 133."""
    return Transactions.from_arrays(
        customer_id=["a", "b", "c", "d", "e"],
        amount=[50.0, 20.0, 80.0, 10.0, 30.0],
        at=days("2025-01-30", "2025-01-20", "2025-01-10", "2024-12-01", "2024-11-01"),
    )


def two_bin_scheme(**kwargs: Any) -> SegmentScheme:
    """On 2 bins: 'recent' for R = 2, 'lapsed' for R = 1."""
    return SegmentScheme(
        name="two",
        n_bins=2,
        segments=[
            Segment(name="recent", boxes=[ScoreBox(r=(2, 2))]),
            Segment(name="lapsed", boxes=[ScoreBox(r=(1, 1))]),
        ],
        **kwargs,
    )


def covering(scheme: SegmentScheme, code: str) -> list[str]:
    """Names of the segments whose boxes or codes cover *code*, found by hand."""
    r, f, m = (int(c) for c in code)
    return [
        s.name
        for s in scheme.segments
        if code in s.codes or any(box.contains(r, f, m) for box in s.boxes)
    ]


def problems_of(**kwargs: Any) -> tuple[str, ...]:
    with pytest.raises(InvalidDefinitionError) as caught:
        SegmentScheme(**kwargs)
    return caught.value.problems


class TestScoreBox:
    def test_docstring_examples(self) -> None:
        """r 4-5 and f 4-5: (5, 4, 1) is inside (any m), (3, 5, 5) is not (r = 3)."""
        box = ScoreBox(r=(4, 5), f=(4, 5))

        assert (True, False) == (box.contains(5, 4, 1), box.contains(3, 5, 5))
        assert ScoreBox(m=(5, 5)).contains(1, 1, 5)

    def test_none_means_any_score_and_ranges_are_inclusive(self) -> None:
        """An empty box holds every code; (2, 3) holds 2 and 3 but not 1 or 4."""
        box = ScoreBox(f=(2, 3))

        assert ScoreBox().contains(1, 9, 5)
        assert [False, True, True, False] == [box.contains(1, f, 1) for f in (1, 2, 3, 4)]

    def test_ranges_are_stored_as_tuples(self) -> None:
        """Lists (as read from JSON) become tuples, so boxes compare and hash as values."""
        assert ScoreBox(r=(1, 2)) == ScoreBox(r=[1, 2])  # type: ignore[arg-type]
        assert (1, 2) == ScoreBox(r=[1, 2]).r  # type: ignore[arg-type]

    def test_contains_refuses_a_score_that_is_not_an_integer(self) -> None:
        """contains('5', 1, 1) names the argument r."""
        with pytest.raises(InvalidTypeError, match=r"'r' must be an integer; got str '5'"):
            ScoreBox().contains("5", 1, 1)  # type: ignore[arg-type]

    def test_a_bare_number_for_a_range_is_refused_naming_it(self) -> None:
        """ScoreBox(r=5) (a number, not a (low, high) pair) raises a crmkit error naming 'r',
        not Python's "'int' object is not iterable"."""
        with pytest.raises(InvalidTypeError, match=r"'r'"):
            ScoreBox(r=5)  # type: ignore[arg-type]


class TestSegmentScheme:
    def test_docstring_example(self) -> None:
        """R = 2 'recent' and R = 1 'lapsed' cover all 8 codes of a 2-bin scale."""
        scheme = two_bin_scheme()

        assert ("recent", "lapsed") == scheme.segment_names
        assert ["lapsed"] * 4 + ["recent"] * 4 == [scheme.segment_of(c) for c in codes_of(2)]

    def test_docstring_gap_message(self) -> None:
        """Only 'recent' (R = 2): the four R = 1 codes 111, 112, 121, 122 are a gap."""
        with pytest.raises(InvalidDefinitionError) as caught:
            SegmentScheme(
                name="gappy",
                n_bins=2,
                segments=[Segment(name="recent", boxes=[ScoreBox(r=(2, 2))])],
            )

        expected = (
            "invalid SegmentScheme 'gappy': 1 problem\n"
            "  - 4 codes belong to no segment and there is no fallback: 111, 112, 121, 122"
        )
        assert expected == str(caught.value)

    def test_every_problem_is_reported_at_once(self) -> None:
        """One scheme with four different faults reports all four: a duplicate name ('mid'),
        a box off the scale (m from 0; skipped, so it covers nothing), the gap that leaves
        (all of R = 5: 5 * 5 = 25 codes) and an overlap ('low' R 1-3 and the first 'mid'
        R 3-4, F 1-2 share R = 3, F 1-2: 2 * 5 = 10)."""
        problems = problems_of(
            name="faulty",
            segments=[
                Segment(name="low", boxes=[ScoreBox(r=(1, 3))]),
                Segment(name="mid", boxes=[ScoreBox(r=(3, 4), f=(1, 2))]),
                Segment(name="mid", boxes=[ScoreBox(r=(4, 4), f=(3, 5))]),
                Segment(name="top", boxes=[ScoreBox(r=(5, 5), m=(0, 1))]),
            ],
        )

        expected = [
            r"segment names must be unique; repeated: mid",
            r"segments\[3\] \('top'\) has m=\(0, 1\)",
            r"25 codes belong to no segment and there is no fallback",
            r"'low' and 'mid' overlap on 10 codes",
        ]
        assert 4 == len(problems), problems
        for pattern in expected:
            assert any(re.search(pattern, p) for p in problems), (pattern, problems)

    def test_coverage_problems_are_reported_together(self) -> None:
        """A gap (20 codes at R = 5, M 2-5), an overlap (10 codes) and a segment that covers
        nothing are three problems of one scheme, each with its codes listed."""
        problems = problems_of(
            name="faulty",
            segments=[
                Segment(name="low", boxes=[ScoreBox(r=(1, 3))]),
                Segment(name="mid", boxes=[ScoreBox(r=(3, 4), f=(1, 2))]),
                Segment(name="mid2", boxes=[ScoreBox(r=(4, 4), f=(3, 5))]),
                Segment(name="top", boxes=[ScoreBox(r=(5, 5), m=(1, 1))]),
                Segment(name="nothing"),
            ],
        )

        expected = (
            "segment 'nothing' covers no code",
            "20 codes belong to no segment and there is no fallback: "
            "512, 513, 514, 515, 522, 523, 524, 525 and 12 more",
            "'low' and 'mid' overlap on 10 codes: "
            "311, 312, 313, 314, 315, 321, 322, 323 and 2 more",
        )
        assert expected == problems

    def test_shape_problems_are_reported_together(self) -> None:
        """A blank scheme name, a bad code, a blank segment name, a box off the scale, a
        repeated name and a fallback that reuses a segment's name: six problems."""
        problems = problems_of(
            name=" ",
            fallback="a",
            segments=[
                Segment(name="a", codes=["555", "605"]),
                Segment(name="", boxes=[ScoreBox(r=(3, 6))]),
                Segment(name="a", boxes=[ScoreBox(f=(2, 1))]),
            ],
        )

        expected = (
            "'name' must be a non-empty string; got ' '",
            "segments[0] ('a') has code '605', not 3 digits 1-5",
            "segments[1].name must be a non-empty string; got ''",
            "segments[1] ('') has r=(3, 6); need (low, high) with 1 <= low <= high <= 5",
            "segments[2] ('a') has f=(2, 1); need (low, high) with 1 <= low <= high <= 5",
            "segment names must be unique; repeated: a",
            "'fallback' must be a new, non-empty name; got 'a'",
        )
        assert expected == problems

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            (
                {"n_bins": 10},
                ("'n_bins' must be an integer from 2 to 9; got 10",),
            ),
            (
                {"n_bins": "5"},
                ("'n_bins' must be an integer from 2 to 9; got '5'",),
            ),
            (
                {"match": "best"},
                ("'match' must be 'unique' or 'first'; got 'best'",),
            ),
            (
                {"segments": []},
                ("'segments' must not be empty",),
            ),
            (
                {"segments": ["Champions"]},
                ("segments[0] must be a Segment; got str",),
            ),
        ],
    )
    def test_malformed_settings_are_problems(
        self, kwargs: dict[str, Any], expected: tuple[str, ...]
    ) -> None:
        """Each malformed setting is named in the problem list with its value."""
        settings = {"name": "s", "segments": STANDARD_SEGMENTS.segments, **kwargs}

        assert expected == problems_of(**settings)

    def test_first_match_makes_overlaps_legal_and_the_earlier_segment_wins(self) -> None:
        """With match='first', 'hot' (R = 5) takes 5xx before 'any' (everything) can."""
        scheme = SegmentScheme(
            name="ordered",
            match="first",
            segments=[
                Segment(name="hot", boxes=[ScoreBox(r=(5, 5))]),
                Segment(name="any", boxes=[ScoreBox()]),
            ],
        )

        assert ("hot", "any") == (scheme.segment_of("511"), scheme.segment_of("455"))

    def test_unique_match_refuses_the_same_overlap(self) -> None:
        """Under the default match='unique' the 25 R = 5 codes are claimed twice."""
        problems = problems_of(
            name="ordered",
            segments=[
                Segment(name="hot", boxes=[ScoreBox(r=(5, 5))]),
                Segment(name="any", boxes=[ScoreBox()]),
            ],
        )

        expected = (
            "'hot' and 'any' overlap on 25 codes: 511, 512, 513, 514, 515, 521, 522, 523 "
            "and 17 more",
        )
        assert expected == problems

    def test_first_match_flags_a_fully_shadowed_segment(self) -> None:
        """'champions' (555) comes after 'hot' (every R = 5 code), so it can never win."""
        problems = problems_of(
            name="shadowed",
            match="first",
            segments=[
                Segment(name="hot", boxes=[ScoreBox(r=(5, 5))]),
                Segment(name="champions", codes=["555"]),
                Segment(name="rest", boxes=[ScoreBox(r=(1, 4))]),
            ],
        )

        expected = (
            "segment 'champions' is unreachable: earlier segments take every code it covers",
        )
        assert expected == problems

    def test_first_match_allows_a_partly_shadowed_segment(self) -> None:
        """'top' (R 4-5) after 'hot' (R = 5) still wins the R = 4 codes: no problem."""
        scheme = SegmentScheme(
            name="partly",
            match="first",
            segments=[
                Segment(name="hot", boxes=[ScoreBox(r=(5, 5))]),
                Segment(name="top", boxes=[ScoreBox(r=(4, 5))]),
                Segment(name="rest", boxes=[ScoreBox(r=(1, 3))]),
            ],
        )

        assert ("hot", "top", "rest") == tuple(scheme.segment_of(c) for c in ("555", "455", "155"))

    def test_a_fallback_covers_the_gaps(self) -> None:
        """Only R = 2 is named on 2 bins; the R = 1 codes take the fallback, listed last."""
        scheme = SegmentScheme(
            name="partial",
            n_bins=2,
            fallback="other",
            segments=[Segment(name="recent", boxes=[ScoreBox(r=(2, 2))])],
        )

        assert ("recent", "other") == scheme.segment_names
        assert ["other"] * 4 + ["recent"] * 4 == [scheme.segment_of(c) for c in codes_of(2)]

    def test_from_codes_orders_segments_by_first_appearance(self) -> None:
        """The docstring table: 'low' (R = 1) appears first, then 'high' (R = 2)."""
        table = {c: ("high" if c[0] == "2" else "low") for c in codes_of(2)}

        scheme = SegmentScheme.from_codes(table, name="r-only", n_bins=2)

        assert ("low", "high") == scheme.segment_names
        assert all(scheme.segment_of(c) == name for c, name in table.items())

    def test_from_codes_with_a_fallback(self) -> None:
        """Naming only 555 'best', with fallback 'rest', is a complete scheme."""
        scheme = SegmentScheme.from_codes({"555": "best"}, name="one", fallback="rest")

        assert ("best", "rest", "rest") == tuple(
            scheme.segment_of(c) for c in ("555", "554", "111")
        )

    def test_from_codes_checks_the_table(self) -> None:
        """A table missing 124 of 125 codes, with no fallback, is refused as a scheme."""
        with pytest.raises(InvalidDefinitionError, match="124 codes belong to no segment"):
            SegmentScheme.from_codes({"555": "best"}, name="one")

    def test_a_single_gap_is_named_in_the_singular(self) -> None:
        """A 2-bin table naming 7 of the 8 codes leaves 1 code, 222, without a segment."""
        table = {c: "named" for c in codes_of(2) if c != "222"}

        with pytest.raises(InvalidDefinitionError) as caught:
            SegmentScheme.from_codes(table, name="almost", n_bins=2)

        expected = ("1 code belongs to no segment and there is no fallback: 222",)
        assert expected == caught.value.problems

    def test_from_codes_refuses_a_non_mapping(self) -> None:
        """A list of codes is not a table of code to name."""
        with pytest.raises(InvalidTypeError, match=r"'codes' must be a mapping"):
            SegmentScheme.from_codes(["555"], name="x")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("code", "error", "match"),
        [
            ("655", InvalidInputError, r"'code' must be three digits from 1 to 5.*got '655'"),
            ("55", InvalidInputError, r"'code' must be three digits from 1 to 5.*got '55'"),
            ("5a5", InvalidInputError, r"'code' must be three digits from 1 to 5.*got '5a5'"),
            (555, InvalidTypeError, r"'code' must be a string; got int 555"),
        ],
    )
    def test_segment_of_refuses_a_bad_code(
        self, code: Any, error: type[Exception], match: str
    ) -> None:
        """A code off the scheme's scale, too short, or not text names the argument 'code'."""
        with pytest.raises(error, match=match):
            STANDARD_SEGMENTS.segment_of(code)

    @pytest.mark.parametrize("scheme", [STANDARD_SEGMENTS, RF_GRID], ids=["standard", "rf_grid"])
    def test_presets_round_trip_through_json(self, scheme: SegmentScheme) -> None:
        """Both presets read back equal from their JSON."""
        assert scheme == io.from_json(SegmentScheme, io.to_json(scheme))

    def test_a_user_scheme_round_trips_through_json(self) -> None:
        """Boxes, explicit codes, descriptions, a fallback and match='first' all survive."""
        scheme = SegmentScheme(
            name="mine",
            n_bins=3,
            match="first",
            fallback="everyone else",
            segments=[
                Segment(name="best", codes=["333", "332"], description="最好的客户"),
                Segment(name="recent", boxes=[ScoreBox(r=(3, 3)), ScoreBox(r=(2, 2), f=(3, 3))]),
                Segment(name="spenders", boxes=[ScoreBox(m=(2, 3))]),
            ],
        )

        text = io.to_json(scheme)

        assert scheme == io.from_json(SegmentScheme, text)
        assert "最好的客户" in text

    def test_json_layout(self) -> None:
        """A box is written as its three ranges, None as null, with the schema version."""
        data = json.loads(io.to_json(two_bin_scheme()))

        assert {"r": [2, 2], "f": None, "m": None} == data["segments"][0]["boxes"][0]
        assert ("two", 2, None, "unique", 1) == (
            data["name"],
            data["n_bins"],
            data["fallback"],
            data["match"],
            data["schema_version"],
        )

    @pytest.mark.parametrize(
        ("path", "value", "match"),
        [
            (("match",), "best", r"'match' must be one of 'unique', 'first'; got 'best'"),
            (("n_bins",), "5", r"'n_bins' must be an integer; got '5'"),
            (
                ("segments", 1, "boxes", 0, "r", 0),
                "x",
                r"'segments\[1\]\.boxes\[0\]\.r\[0\]' must be an integer; got 'x'",
            ),
            (("segments", 1, "boxes", 0, "r"), [3], r"'segments\[1\]\.boxes\[0\]\.r' must be"),
            (("segments", 0, "name"), 7, r"'segments\[0\]\.name' must be a string; got 7"),
        ],
    )
    def test_malformed_json_names_the_dotted_path(
        self, path: tuple[Any, ...], value: Any, match: str
    ) -> None:
        """A bad field deep inside the JSON is named by its path."""
        data = json.loads(io.to_json(RF_GRID))
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

        with pytest.raises(InvalidInputError, match=match):
            io.from_json(SegmentScheme, json.dumps(data))

    @pytest.mark.parametrize(
        ("path", "match"),
        [
            (("segments",), r"'segments' is required; got nothing"),
            (("segments", 2, "name"), r"'segments\[2\]\.name' is required; got nothing"),
            (("name",), r"'name' is required; got nothing"),
        ],
    )
    def test_missing_keys_name_the_dotted_path(self, path: tuple[Any, ...], match: str) -> None:
        """A missing required field is named by its path."""
        data = json.loads(io.to_json(RF_GRID))
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

        with pytest.raises(InvalidInputError, match=match):
            io.from_json(SegmentScheme, json.dumps(data))

    def test_an_unknown_key_is_named(self) -> None:
        """An extra key in a segment is named with its path and the fields there are."""
        data = copy.deepcopy(io.to_dict(RF_GRID))
        data["segments"][0]["colour"] = "gold"

        with pytest.raises(InvalidInputError, match=r"'segments\[0\]\.colour' is not a field"):
            io.from_dict(SegmentScheme, data)

    def test_well_formed_json_of_an_inconsistent_scheme_reports_its_problems(self) -> None:
        """Valid JSON whose scheme has a gap (RF_GRID without 'Hibernating', the 20 codes of
        R 1-2, F 1-2) raises InvalidDefinitionError listing the gap, as building it would."""
        data = io.to_dict(RF_GRID)
        data["segments"] = [s for s in data["segments"] if s["name"] != "Hibernating"]

        with pytest.raises(InvalidDefinitionError, match=r"20 codes belong to no segment"):
            io.from_dict(SegmentScheme, data)


class TestStandardSegments:
    def test_has_exactly_the_eleven_classic_names(self) -> None:
        """The 11 names, in the documented order, each with a description."""
        assert STANDARD_NAMES == STANDARD_SEGMENTS.segment_names
        assert all(s.description for s in STANDARD_SEGMENTS.segments)
        assert (5, None, "unique") == (
            STANDARD_SEGMENTS.n_bins,
            STANDARD_SEGMENTS.fallback,
            STANDARD_SEGMENTS.match,
        )

    def test_every_code_belongs_to_exactly_one_segment(self) -> None:
        """Counting by hand which segments cover each of the 125 codes gives exactly one, and
        segment_of returns it."""
        owners = {code: covering(STANDARD_SEGMENTS, code) for code in ALL_CODES}

        assert {code: [STANDARD_SEGMENTS.segment_of(code)] for code in ALL_CODES} == owners

    def test_every_segment_is_reachable(self) -> None:
        """Enumerating all 125 codes reaches all 11 segments."""
        reached = {STANDARD_SEGMENTS.segment_of(code) for code in ALL_CODES}

        assert set(STANDARD_NAMES) == reached

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("555", "Champions"),
            ("543", "Champions"),  # R 5, FM = (4 + 3 + 1) // 2 = 4
            ("444", "Loyal Customers"),  # R 4, FM 4
            ("344", "Loyal Customers"),  # R 3, FM 4
            ("522", "Potential Loyalist"),  # R 5, FM 2
            ("433", "Potential Loyalist"),  # R 4, FM 3
            ("511", "New Customers"),  # R 5, FM 1
            ("411", "Promising"),  # R 4, FM 1
            ("333", "Need Attention"),  # R 3, FM 3
            ("312", "About To Sleep"),  # R 3, FM 2
            ("244", "At Risk"),  # R 2, FM 4
            ("133", "At Risk"),  # R 1, FM 3
            ("255", "Can't Lose Them"),  # R 2, FM 5
            ("155", "Can't Lose Them"),  # R 1, FM 5
            ("221", "Hibernating"),  # R 2, FM 2
            ("111", "Lost"),
            ("112", "Lost"),  # R 1, FM (1 + 2 + 1) // 2 = 2
        ],
    )
    def test_hand_checked_codes(self, code: str, expected: str) -> None:
        """A code's segment follows from R and FM, the average of F and M rounded up."""
        assert expected == STANDARD_SEGMENTS.segment_of(code)

    @given(
        st.integers(1, 5),
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
    )
    def test_segment_depends_only_on_r_and_fm(
        self, r: int, first: tuple[int, int], second: tuple[int, int]
    ) -> None:
        """Two codes with the same R and the same FM = (F + M + 1) // 2 share a segment."""
        assume((first[0] + first[1] + 1) // 2 == (second[0] + second[1] + 1) // 2)

        assert STANDARD_SEGMENTS.segment_of(
            f"{r}{first[0]}{first[1]}"
        ) == STANDARD_SEGMENTS.segment_of(f"{r}{second[0]}{second[1]}")


class TestRfGrid:
    def test_names(self) -> None:
        """Ten recency-by-frequency segments, no fallback."""
        expected = (
            "Champions",
            "Loyal Customers",
            "Potential Loyalists",
            "New Customers",
            "Promising",
            "Need Attention",
            "About To Sleep",
            "At Risk",
            "Can't Lose Them",
            "Hibernating",
        )

        assert expected == RF_GRID.segment_names

    def test_every_rf_cell_has_one_segment_whatever_m(self) -> None:
        """All 25 R x F cells are covered by exactly one segment, the same for every M."""
        for r, f in itertools.product(range(1, 6), repeat=2):
            cell = {RF_GRID.segment_of(f"{r}{f}{m}") for m in range(1, 6)}
            owners = covering(RF_GRID, f"{r}{f}1")
            assert (1, owners) == (len(cell), list(cell))

    @pytest.mark.parametrize(
        ("rf", "expected"),
        [
            ("55", "Champions"),
            ("34", "Loyal Customers"),
            ("42", "Potential Loyalists"),
            ("51", "New Customers"),
            ("41", "Promising"),
            ("33", "Need Attention"),
            ("32", "About To Sleep"),
            ("23", "At Risk"),
            ("15", "Can't Lose Them"),
            ("11", "Hibernating"),
        ],
    )
    def test_hand_checked_cells(self, rf: str, expected: str) -> None:
        """One cell of each segment, read off the grid's boxes."""
        assert expected == RF_GRID.segment_of(f"{rf}3")

    def test_every_segment_is_reachable(self) -> None:
        """Enumerating all 125 codes reaches all 10 segments."""
        assert set(RF_GRID.segment_names) == {RF_GRID.segment_of(c) for c in ALL_CODES}


class TestAssignSegments:
    def test_hand_checked_counts_and_shares(self) -> None:
        """Codes 534, 432, 335, 231, 133 are Champions (R 5, FM 4), Potential Loyalist (R 4,
        FM 3), Loyal Customers (R 3, FM 4), Hibernating (R 2, FM 2) and At Risk (R 1, FM 3).
        Spend 50, 20, 80, 10, 30 of 190: Champions hold 50 / 190 of revenue."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        seg = assign_segments(scores)

        assert [
            "Champions",
            "Potential Loyalist",
            "Loyal Customers",
            "Hibernating",
            "At Risk",
        ] == seg.segment.tolist()
        assert ["a", "b", "c", "d", "e"] == seg.customer_id.tolist()
        expected_counts = dict.fromkeys(STANDARD_NAMES, 0) | {
            "Champions": 1,
            "Potential Loyalist": 1,
            "Loyal Customers": 1,
            "Hibernating": 1,
            "At Risk": 1,
        }
        assert expected_counts == seg.counts
        assert list(STANDARD_NAMES) == list(seg.counts)
        assert 0.2 == seg.customer_share["At Risk"]
        assert 80.0 == seg.revenue["Loyal Customers"]
        assert pytest.approx(50 / 190) == seg.revenue_share["Champions"]
        assert 0.0 == seg.revenue_share["Lost"]
        assert "standard" == seg.scheme_name

    def test_default_scheme_is_standard_segments(self) -> None:
        """Leaving out the scheme is the same as passing STANDARD_SEGMENTS."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        assert assign_segments(scores, scheme=STANDARD_SEGMENTS) == assign_segments(scores)

    def test_shares_of_the_sample_sum_to_one(self, sample: Any) -> None:
        """On the sample: counts add up to 5000, and customer and revenue shares each to 1."""
        scores = score_rfm(rfm_summary(sample.transactions, as_of=date(2025, 1, 1)))

        seg = assign_segments(scores)

        assert 5000 == sum(seg.counts.values())
        assert pytest.approx(1.0) == sum(seg.customer_share.values())
        assert pytest.approx(1.0) == sum(seg.revenue_share.values())
        assert pytest.approx(float(scores.revenue.sum())) == sum(seg.revenue.values())

    def test_rf_grid_on_the_sample_lists_its_own_segments(self, sample: Any) -> None:
        """With RF_GRID every customer gets one of its ten names and each name is counted."""
        scores = score_rfm(rfm_summary(sample.transactions, as_of=date(2025, 1, 1)))

        seg = assign_segments(scores, scheme=RF_GRID)

        assert list(RF_GRID.segment_names) == list(seg.counts)
        assert set(seg.segment.tolist()) <= set(RF_GRID.segment_names)
        assert "rf_grid" == seg.scheme_name

    def test_zero_total_revenue_gives_zero_shares(self) -> None:
        """Every purchase refunded in full: revenue 0, so every revenue share is 0.0, not NaN;
        customer shares still add up to 1."""
        txns = Transactions.from_arrays(
            customer_id=["a", "a", "b", "b"],
            at=days("2025-01-01", "2025-01-02", "2025-01-05", "2025-01-06"),
            amount=[10.0, -10.0, 5.0, -5.0],
            negative_amounts="allow",
        )
        scores = score_rfm(rfm_summary(txns, as_of=date(2025, 1, 31)))

        seg = assign_segments(scores)

        assert dict.fromkeys(STANDARD_NAMES, 0.0) == seg.revenue_share
        assert 1.0 == sum(seg.customer_share.values())

    def test_a_fallback_is_counted(self) -> None:
        """On 2 bins with only R = 2 named, the R = 1 customers take the fallback 'other'."""
        scheme = SegmentScheme(
            name="partial",
            n_bins=2,
            fallback="other",
            segments=[Segment(name="recent", boxes=[ScoreBox(r=(2, 2))])],
        )
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)), n_bins=2)

        seg = assign_segments(scores, scheme=scheme)

        # R on 2 bins: floor((rank - 0.5) / 5 * 2) + 1 for ranks e1 d2 c3 b4 a5 -> 1 1 2 2 2
        assert ["recent", "recent", "recent", "other", "other"] == seg.segment.tolist()
        assert {"recent": 3, "other": 2} == seg.counts

    def test_repr_is_short(self) -> None:
        """The repr names the scheme and gives counts, not the arrays."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        expected = "SegmentResult(scheme_name='standard', n_customers=5, n_segments=11)"
        assert expected == repr(assign_segments(scores))

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_frames(self, backend: str) -> None:
        """to_frame has `customer_id, segment` per customer; table() one row per segment."""
        seg = assign_segments(score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31))))

        frame = seg.to_frame(backend)  # type: ignore[arg-type]
        table = seg.table(backend)  # type: ignore[arg-type]

        assert (["customer_id", "segment"], 5) == (columns_of(frame), len(frame))
        assert [
            "segment",
            "customers",
            "customer_share",
            "revenue",
            "revenue_share",
        ] == columns_of(table)
        assert 11 == len(table)

    def test_table_holds_the_counts_in_scheme_order(self) -> None:
        """The pandas table lists every segment in scheme order with its count and revenue."""
        seg = assign_segments(score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31))))

        table = seg.table()

        assert list(STANDARD_NAMES) == table["segment"].tolist()
        assert list(seg.counts.values()) == table["customers"].tolist()
        assert 190.0 == table["revenue"].sum()

    def test_result_type(self) -> None:
        """assign_segments returns a SegmentResult."""
        scores = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        assert isinstance(assign_segments(scores), SegmentResult)

    @pytest.mark.parametrize(
        ("scores", "scheme", "error", "match"),
        [
            (
                "scores",
                None,
                InvalidTypeError,
                r"'scores' must be an RfmScores; got str 'scores'",
            ),
            (
                None,
                "standard",
                InvalidTypeError,
                r"'scheme' must be a SegmentScheme; got str 'standard'",
            ),
            (
                None,
                two_bin_scheme(),
                InvalidInputError,
                r"'scheme' must be a scheme for n_bins=5, as the scores have; "
                r"got 'two' for n_bins=2",
            ),
        ],
    )
    def test_bad_input_names_the_argument(
        self, scores: Any, scheme: Any, error: type[Exception], match: str
    ) -> None:
        """Wrong types and a scheme for another scale raise errors naming the argument."""
        real = score_rfm(rfm_summary(five_customers(), as_of=date(2025, 1, 31)))

        with pytest.raises(error, match=match):
            assign_segments(real if scores is None else scores, scheme=scheme)
