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
_SORTED_PREFIX: Final = 1024  # rows checked for order before all of them are


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
    if array.dtype.kind in "iu" and array.size:
        offsets = _offsets(array)
        if _bits(int(offsets.max())) + _bits(array.size - 1) <= 64:  # room for row numbers
            return _codes_of_sorted(array, *_packed_sort(offsets))
    labels, codes = np.unique(array, return_inverse=True)
    return codes.astype(np.int64, copy=False), labels


# Row orders come from value sorts of packed uint64 keys (high bits: what to sort
# by; low bits: the row number) rather than from np.argsort: numpy sorts values
# several times faster than it sorts indices (0.25 s against 1.3-2 s for 10M
# rows), and the row number in the key makes the order stable for free.


def _bits(value: int) -> int:
    """Bits needed to hold 0..value."""
    return max(value, 0).bit_length()


def _offsets(values: NDArray[Any]) -> NDArray[np.uint64]:
    """Integers or (native) datetime64 minus their minimum, as a new uint64 array.

    Exact for any span of int64 values: the unsigned difference wraps back to it.
    """
    if values.dtype.kind == "M":
        ints = values.view(np.int64)
    else:  # native byte order, 64 bits wide, so the uint64 view below reads the values
        ints = values.astype(np.uint64 if values.dtype.kind == "u" else np.int64, copy=False)
    unsigned = ints.view(np.uint64)
    offsets: NDArray[np.uint64] = unsigned - unsigned[np.argmin(ints)]
    return offsets


def _packed_sort(high: NDArray[np.uint64]) -> tuple[NDArray[np.uint64], NDArray[np.intp]]:
    """Sort rows by *high*, then row number: the sorted *high* values and the row order.

    Works in place: *high* becomes the sorted values. The caller makes sure *high*
    leaves room for the row numbers (their bits added to its bits are at most 64).
    """
    row_bits = _bits(high.size - 1)
    high <<= np.uint64(row_bits)
    high |= np.arange(high.size, dtype=np.uint64)
    high.sort()
    # Row numbers are below 2**63, so their uint64 bits read the same as intp.
    order = (high & np.uint64((1 << row_bits) - 1)).view(np.intp)
    high >>= np.uint64(row_bits)
    return high, order


def _codes_of_sorted(
    ids: NDArray[Any], sorted_offsets: NDArray[np.uint64], order: NDArray[np.intp]
) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Codes and labels, as np.unique(ids, return_inverse=True) gives them, from a sort."""
    new = np.empty(order.size, dtype=bool)
    new[0] = True
    np.not_equal(sorted_offsets[1:], sorted_offsets[:-1], out=new[1:])
    sorted_codes = np.cumsum(new, dtype=np.int64)
    sorted_codes -= 1
    codes = np.empty(order.size, dtype=np.int64)
    codes[order] = sorted_codes
    return codes, ids[order[new]]


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
    # Logs often arrive sorted by key then time, and need no sort at all; a short
    # prefix settles the check cheaply for most logs that do not.
    head = slice(0, _SORTED_PREFIX)
    if in_key_time_order(codes[head], times[head]) and in_key_time_order(codes, times):
        return np.arange(codes.size)
    packed = _key_time_keys(codes, times)
    if packed is None:
        return _argsort_key_time(codes, times)
    keys, coarse = packed
    sorted_keys, order = _packed_sort(keys)
    if coarse:
        _sort_shared_buckets(order, sorted_keys, times)
    return order


def codes_in_order(codes: NDArray[np.int64], n_labels: int) -> NDArray[np.int64]:
    """`codes[order]` for any order by key (codes 0..n_labels-1), without the gather.

    Sorted, the codes are each code repeated as often as it occurs: counting is
    several times faster than gathering 10M codes in random order.
    """
    counts = np.bincount(codes, minlength=n_labels)
    return np.repeat(np.arange(n_labels, dtype=np.int64), counts)


def in_key_time_order(codes: NDArray[np.int64], times: NDArray[np.datetime64]) -> bool:
    """True if rows are sorted by key, then time."""
    # Neighbours are compared, not subtracted: np.diff of times can overflow.
    if not (codes[1:] >= codes[:-1]).all():
        return False
    return bool(((codes[1:] != codes[:-1]) | (times[1:] >= times[:-1])).all())


def _key_time_keys(
    codes: NDArray[np.int64], times: NDArray[np.datetime64]
) -> tuple[NDArray[np.uint64], bool] | None:
    """Keys with the code in the high bits and the time below, leaving room for row numbers.

    Times whose span does not fit lose their lowest bits: the flag then says the
    keys only sort rows into coarse time buckets (for 10M rows of 1M customers,
    20 bits are left for the time: two years of microseconds fall into ~67 s
    buckets). None if even the codes and row numbers do not fit.
    """
    code_offsets = _offsets(codes)
    room = 64 - _bits(codes.size - 1) - _bits(int(code_offsets.max()))
    if room < 0:
        return None
    time_offsets = _offsets(times)
    dropped = max(0, _bits(int(time_offsets.max())) - room)
    time_offsets >>= np.uint64(dropped)
    code_offsets <<= np.uint64(room)
    code_offsets |= time_offsets
    return code_offsets, dropped > 0


def _sort_shared_buckets(
    order: NDArray[np.intp], sorted_keys: NDArray[np.uint64], times: NDArray[np.datetime64]
) -> None:
    """Put rows that share a key and a coarse time bucket in time order, in place."""
    same = sorted_keys[1:] == sorted_keys[:-1]
    if not same.any():
        return
    shared = np.zeros(order.size, dtype=bool)
    shared[1:] = same
    shared[:-1] |= same
    where = np.flatnonzero(shared)
    rows = order[where]
    # lexsort is stable and a bucket's rows are in input order, so ties keep that order.
    order[where] = rows[np.lexsort((times[rows], sorted_keys[where]))]


def _argsort_key_time(codes: NDArray[np.int64], times: NDArray[np.datetime64]) -> NDArray[np.intp]:
    # Two stable argsorts beat np.lexsort; only for keys too wide to pack.
    by_time = np.argsort(times, kind="stable")
    return by_time[np.argsort(codes[by_time], kind="stable")]
