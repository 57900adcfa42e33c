"""`SurveyResponses`: many answers to one survey question as read-only columns.

The columnar face for NPS, CSAT and CES answers, as
[`crmkit.Transactions`][crmkit.transactions.Transactions] is for purchases. One
bundle holds one kind of question on one scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit._frames import Backend
from crmkit.models import SurveyKind, SurveyResponse

__all__ = ["SurveyResponses"]


def _kind(value: SurveyKind | str) -> SurveyKind:
    return v.enum_value(SurveyKind, "kind", value)


@frozen(kw_only=True, repr=False)
class SurveyResponses:
    """Answers of many customers to one survey question, as read-only arrays.

    Rows keep their input order. Build with `from_arrays`,
    `from_records` or `from_frame`.

    Attributes:
        customer_id: Per row, who answered (strings).
        at: Per row, when (naive `datetime64[us]`, UTC).
        score: Per row, the answer, a whole number on the scale.
        kind: Which question: NPS, CSAT or CES.
        scale: Lowest and highest allowed answer.

    Examples:
        >>> import numpy as np
        >>> from crmkit.surveys import SurveyResponses
        >>> r = SurveyResponses.from_arrays(
        ...     kind="nps", customer_id=["a", "b"], score=[10, 6],
        ...     at=np.array(["2025-01-01", "2025-01-02"], dtype="datetime64[us]"))
        >>> r
        SurveyResponses(kind='nps', scale=(0, 10), n_responses=2)
        >>> r.score.tolist()
        [10, 6]
    """

    customer_id: NDArray[np.str_] = array_field()
    at: NDArray[np.datetime64] = array_field()
    score: NDArray[np.int64] = array_field()
    kind: SurveyKind = field(converter=_kind)
    scale: tuple[int, int] = field()

    def __attrs_post_init__(self) -> None:
        v.same_length(customer_id=self.customer_id, at=self.at, score=self.score)

    @classmethod
    def from_arrays(
        cls,
        *,
        kind: SurveyKind | str,
        customer_id: ArrayLike,
        at: ArrayLike,
        score: ArrayLike,
        scale_max: int | None = None,
    ) -> SurveyResponses:
        """Build from equal-length arrays, one element per answer.

        Args:
            kind: `"nps"` (0-10), `"csat"` (1-5) or `"ces"` (1-7).
            customer_id: Who answered: non-empty strings or integers.
            at: When: `datetime64` (read as UTC), aware datetimes or ISO strings.
            score: The answers, whole numbers on the scale.
            scale_max: Top of the scale when it is not the usual one.

        Raises:
            InvalidInputError: If lengths differ or an answer is off the scale.

        Examples:
            >>> import numpy as np
            >>> r = SurveyResponses.from_arrays(
            ...     kind="csat", customer_id=[1, 2], score=[5, 4], scale_max=5,
            ...     at=np.array(["2025-01-01", "2025-01-02"], dtype="datetime64[us]"))
            >>> r.scale
            (1, 5)
        """
        survey = _kind(kind)
        low, high = survey.default_scale
        if scale_max is not None:
            high = v.check_int("scale_max", scale_max, low=low + 1)
        codes, labels = _columns.factorize("customer_id", customer_id)
        scores = v.integer_array("score", score, low=low, high=high, allow_empty=True)
        times = _columns.timestamps("at", at)
        ids = labels.astype(np.str_)[codes]
        v.same_length(customer_id=ids, at=times, score=scores)
        return cls(customer_id=ids, at=times, score=scores, kind=survey, scale=(low, high))

    @classmethod
    def from_records(cls, records: Iterable[SurveyResponse]) -> SurveyResponses:
        """Build from [`SurveyResponse`][crmkit.models.SurveyResponse] records of one kind.

        All records must share one kind and scale.

        Raises:
            InvalidInputError: If the records are empty or mix kinds or scales.

        Examples:
            >>> from datetime import datetime, timezone
            >>> from crmkit.models import SurveyResponse
            >>> at = datetime(2025, 1, 5, tzinfo=timezone.utc)
            >>> r = SurveyResponses.from_records([
            ...     SurveyResponse(id="s1", customer_id="c1", kind="nps", score=9, at=at)])
            >>> r.score.tolist()
            [9]
        """
        rows = v.listed("records", records)
        for index, row in enumerate(rows):
            if not isinstance(row, SurveyResponse):
                v.fail_type(f"records[{index}]", "a SurveyResponse", row)
        kinds = {(row.kind, row.scale) for row in rows}
        if len(kinds) != 1:
            v.fail("records", "non-empty and of one kind and scale", sorted(map(str, kinds)))
        kind, (_, high) = kinds.pop()
        return cls.from_arrays(
            kind=kind,
            customer_id=np.array([row.customer_id for row in rows], dtype=np.str_),
            at=np.array([v.utc_datetime64(row.at) for row in rows], dtype="datetime64[us]"),
            score=np.array([row.score for row in rows], dtype=np.int64),
            scale_max=high,
        )

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        kind: SurveyKind | str,
        customer_id: str = "customer_id",
        at: str = "at",
        score: str = "score",
        scale_max: int | None = None,
    ) -> SurveyResponses:
        """Build from a pandas, polars or pyarrow frame, naming its columns.

        Examples:
            >>> import polars as pl
            >>> from datetime import datetime
            >>> df = pl.DataFrame({"customer_id": ["a", "b"], "score": [9, 3],
            ...                    "at": [datetime(2025, 1, 1), datetime(2025, 1, 2)]})
            >>> SurveyResponses.from_frame(df, kind="nps").n_responses
            2
        """
        data = _frames.eager_frame(frame)
        names = {"customer_id": customer_id, "at": at, "score": score}
        series = {arg: _frames.column(data, name, argument=arg) for arg, name in names.items()}
        return cls.from_arrays(
            kind=kind,
            customer_id=_frames.series_values("customer_id", series["customer_id"]),
            at=_frames.series_timestamps("at", series["at"]),
            score=_frames.series_numbers("score", series["score"]),
            scale_max=scale_max,
        )

    def __len__(self) -> int:
        return int(self.score.size)

    def __repr__(self) -> str:
        return (
            f"SurveyResponses(kind={self.kind.value!r}, scale={self.scale}, "
            f"n_responses={len(self)})"
        )

    @property
    def n_responses(self) -> int:
        """Number of answers."""
        return len(self)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Return the answers as a frame with columns `customer_id`, `at`, `score`.

        Examples:
            >>> import numpy as np
            >>> r = SurveyResponses.from_arrays(
            ...     kind="nps", customer_id=["a"], score=[7],
            ...     at=np.array(["2025-01-01"], dtype="datetime64[us]"))
            >>> r.to_frame().columns.tolist()
            ['customer_id', 'at', 'score']
        """
        columns = {"customer_id": self.customer_id, "at": self.at, "score": self.score}
        return _frames.frame_from_columns(columns, backend=backend)
