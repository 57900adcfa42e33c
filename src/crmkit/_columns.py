"""Parsing of columnar input shared by the columnar bundles (private).

These turn raw arrays (numpy, lists, or what a frame library hands over) into
the canonical dtypes: int64 codes plus labels for identifiers, naive-UTC
`datetime64[us]` for timestamps. Bad rows raise with the first index and the
count; nothing is dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crmkit import _validation as v

TIME_UNIT: Final = "us"


def factorize(argument: str, values: ArrayLike) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Split identifiers into int64 codes and their sorted unique labels.

    Labels are sorted, so the codes do not depend on row order. Missing ids
    (None, NaN, empty strings) are refused.
    """
    array = v.one_dimensional(argument, values)
    if array.dtype.kind == "f":
        _refuse_rows(argument, array, ~np.isfinite(array), "ids without missing values")
    elif array.dtype.kind in "OUT":
        array = _string_ids(argument, array)
    elif array.dtype.kind not in "iub":
        v.fail_type(
            argument,
            "an array of strings or integers",
            v.described(f"an array of dtype {array.dtype}"),
        )
    labels, codes = np.unique(array, return_inverse=True)
    return codes.astype(np.int64, copy=False), labels


def _string_ids(argument: str, array: NDArray[Any]) -> NDArray[Any]:
    if array.dtype.kind == "O":
        is_text = np.fromiter((isinstance(x, str) for x in array), bool, array.size)
        if not is_text.all():
            _refuse_rows(argument, array, ~is_text, "non-empty strings")
        array = array.astype(np.str_)
    elif array.dtype.kind == "T":
        array = array.astype(np.str_)
    empty = np.strings.str_len(np.strings.strip(array)) == 0
    _refuse_rows(argument, array, empty, "non-empty strings")
    return array


def timestamps(argument: str, values: ArrayLike) -> NDArray[np.datetime64]:
    """Return naive-UTC `datetime64[us]` from datetimes, datetime64 or ISO strings.

    `datetime64` input has no timezone and is read as UTC. Python datetimes and
    ISO strings must be either all aware (any offsets; converted to UTC) or all
    naive (read as UTC): a mix is refused, since it cannot be ordered honestly.
    """
    array = v.one_dimensional(argument, values)
    if array.dtype.kind == "M":
        _refuse_rows(argument, array, np.isnat(array), "timestamps without missing values")
        return array.astype(f"datetime64[{TIME_UNIT}]")
    if array.dtype.kind not in "OUT":
        v.fail_type(
            argument,
            "an array of datetimes, datetime64 or ISO 8601 strings",
            v.described(f"an array of dtype {array.dtype}"),
        )
    parsed = [_parse_one(x) for x in array.tolist()]
    bad = np.fromiter((p is None for p in parsed), bool, len(parsed))
    _refuse_rows(argument, array, bad, "datetimes or ISO 8601 timestamps")
    aware = np.fromiter((p.tzinfo is not None for p in parsed if p is not None), bool, len(parsed))
    if aware.any() and not aware.all():
        minority = ~aware if aware.sum() * 2 >= aware.size else aware
        _refuse_rows(argument, array, minority, "all timezone-aware or all naive (not mixed)")
    return np.array(
        [v.utc_datetime64(p) if p.tzinfo else np.datetime64(p, TIME_UNIT) for p in parsed if p],
        dtype=f"datetime64[{TIME_UNIT}]",
    )


def _parse_one(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value == value else None  # pandas' NaT is a datetime unequal to itself
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - naive reads as UTC
    if isinstance(value, np.datetime64) and not np.isnat(value):
        return value.astype("datetime64[us]").item()  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _refuse_rows(argument: str, array: NDArray[Any], bad: NDArray[np.bool_], allowed: str) -> None:
    if bad.any():
        v.fail_rows(argument, allowed, array, bad)


def numbers_from_text(argument: str, texts: NDArray[np.str_]) -> NDArray[np.float64]:
    """Parse decimal numbers from text (as read from a CSV), naming the first bad row."""
    stripped = np.strings.strip(texts)
    try:
        return stripped.astype(np.float64)
    except ValueError:
        pass
    parsed = np.array([_float_or_nan(text) for text in stripped.tolist()])
    v.fail_rows(argument, "numbers", texts, np.isnan(parsed))


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def positions(argument: str, values: NDArray[Any], names: Any, what: str) -> NDArray[np.int64]:
    """Position of each value in *names* (a handful of labels), refusing others (index, count).

    One comparison per name: for the few labels of a machine or matrix this beats
    sorting or hashing the values.
    """
    codes = np.full(values.size, -1, dtype=np.int64)
    for index, name in enumerate(names):
        codes[values == name] = index
    if (codes < 0).any():
        v.fail_rows(argument, f"{what} ({', '.join(map(str, names))})", values, codes < 0)
    return codes


def key_time_order(codes: NDArray[np.int64], times: NDArray[np.datetime64]) -> NDArray[np.intp]:
    """Row order by key (customer, opportunity), then time; stable for ties."""
    # Two stable argsorts beat np.lexsort. Logs usually arrive in time order, or
    # already sorted by key then time: then one sort, or none, is needed.
    later = np.diff(times) >= np.timedelta64(0)
    step = np.diff(codes)
    if ((step > 0) | ((step == 0) & later)).all():
        return np.arange(codes.size)
    if later.all():
        return np.argsort(codes, kind="stable")
    by_time = np.argsort(times, kind="stable")
    return by_time[np.argsort(codes[by_time], kind="stable")]
