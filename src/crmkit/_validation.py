"""Boundary checks shared by every public function (private).

Public functions call these first and pass clean values to their kernels.
Every helper raises a `crmkit.errors` exception whose message has the shape
`'<argument>' must be <allowed>; got <value>` and, for arrays, the first bad
index and how many values are bad.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, NoReturn, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crmkit.errors import InvalidInputError, InvalidTypeError

E = TypeVar("E", bound=Enum)

_REPR = reprlib.Repr()  # Python 3.11's Repr takes no keyword arguments
_REPR.maxstring, _REPR.maxother = 40, 80
_REPR.maxlist = _REPR.maxtuple = 6


class Description(str):
    """Text that describes a bad value (`an array of shape (2, 3)`), shown unquoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def described(text: str) -> Description:
    """Mark *text* as a description of the value rather than the value itself."""
    return Description(text)


def show(value: Any) -> str:
    """Shorten a value for a message: plain Python reprs, long ones cut."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and value.bit_length() > 256:
        # repr() of a huge int raises ValueError (the int-to-str digit limit).
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    return _REPR.repr(value)


def fail(argument: str, allowed: str, value: Any, *, hint: str | None = None) -> NoReturn:
    """Raise InvalidInputError with the library's message shape."""
    message = f"'{argument}' must be {allowed}; got {show(value)}"
    if hint:
        message += f" ({hint})"
    raise InvalidInputError(message, argument=argument, value=value)


def fail_type(argument: str, allowed: str, value: Any, *, hint: str | None = None) -> NoReturn:
    """Raise InvalidTypeError with the library's message shape."""
    shown = (
        show(value) if isinstance(value, Description) else f"{type(value).__name__} {show(value)}"
    )
    message = f"'{argument}' must be {allowed}; got {shown}"
    if hint:
        message += f" ({hint})"
    raise InvalidTypeError(message, argument=argument, value=value)


def fail_rows(
    argument: str, allowed: str, values: NDArray[Any], bad: NDArray[np.bool_]
) -> NoReturn:
    """Raise InvalidInputError naming the first bad row and how many rows are bad."""
    where = np.flatnonzero(bad)
    first = int(where[0])
    value = values[first]
    value = value.item() if isinstance(value, np.generic) else value  # plain Python scalars
    detail = f"{show(value)} at index {first} ({where.size} of {values.size} rows)"
    message = f"'{argument}' must be {allowed}; got {detail}"
    raise InvalidInputError(message, argument=argument, value=value, index=first)


def check_str(argument: str, value: Any, *, allow_empty: bool = False) -> str:
    """Return *value* if it is a string (non-empty unless *allow_empty*)."""
    if not isinstance(value, str):
        fail_type(argument, "a string", value)
    if not allow_empty and not value.strip():
        fail(argument, "a non-empty string", value)
    return value


def check_optional_str(argument: str, value: Any) -> str | None:
    """Return *value* if it is None or a non-empty string."""
    return None if value is None else check_str(argument, value)


def check_int(
    argument: str, value: Any, *, low: int | None = None, high: int | None = None
) -> int:
    """Return *value* as an int if it is a whole number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail_type(argument, "an integer", value)
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        fail(argument, _range_text("an integer", low, high), number)
    return number


def check_float(
    argument: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return *value* as a finite float within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail_type(argument, "a real number", value)
    number = float(value)
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if not math.isfinite(number) or below or above:
        fail(argument, _interval_text(low, high, low_open, high_open), number)
    return number


def check_open_interval(argument: str, value: Any, low: float, high: float) -> float:
    """Return *value* as a float strictly between *low* and *high*."""
    return check_float(argument, value, low=low, high=high, low_open=True, high_open=True)


def check_choice(argument: str, value: Any, choices: Collection[str]) -> str:
    """Return *value* if it is one of the allowed option strings."""
    if not isinstance(value, str) or value not in choices:
        allowed = "one of " + ", ".join(repr(c) for c in choices)
        fail(argument, allowed, value)
    return value


def enum_value(kind: type[E], argument: str, value: Any) -> E:
    """Return the member of enumeration *kind* named by *value* (a member or its string)."""
    if isinstance(value, kind):
        return value
    allowed = "one of " + ", ".join(repr(member.value) for member in kind)
    if not isinstance(value, str):
        fail_type(argument, allowed, value)
    try:
        return kind(value)
    except ValueError:
        fail(argument, allowed, value)


def random_generator(argument: str, seed: Any) -> np.random.Generator:
    """Turn a `seed` argument (None, an int or a Generator) into a Generator, once."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    check_int(argument, seed, low=0)
    return np.random.default_rng(int(seed))


def aware_datetime(argument: str, value: Any) -> datetime:
    """Return *value* if it is a timezone-aware datetime."""
    if not isinstance(value, datetime):
        fail_type(argument, "a timezone-aware datetime", value)
    if value.tzinfo is None or value.utcoffset() is None:
        fail(
            argument,
            "a timezone-aware datetime",
            value,
            hint="add tzinfo, e.g. datetime(..., tzinfo=timezone.utc)",
        )
    return value


def as_of_instant(value: Any, argument: str = "as_of") -> datetime:
    """Resolve an `as_of` argument to an aware UTC datetime, inclusive.

    The one rule for `as_of` across crmkit: an aware datetime is that instant;
    a `date` means the end of that day in UTC (its last microsecond), so
    everything that happened on that day counts.
    """
    if isinstance(value, datetime):
        return aware_datetime(argument, value).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.max, tzinfo=UTC)
    fail_type(argument, "a date or a timezone-aware datetime", value)


def as_of_datetime64(value: Any, argument: str = "as_of") -> np.datetime64:
    """Resolve an `as_of` argument (see `as_of_instant`) to UTC `datetime64[us]`."""
    return utc_datetime64(as_of_instant(value, argument))


def utc_datetime64(value: datetime) -> np.datetime64:
    """Turn an aware datetime into the naive-UTC `datetime64[us]` columnar code uses."""
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(naive, "us")


_MONEY_DIGITS = 30


def decimal_amount(argument: str, value: Any) -> Decimal:
    """Return a finite Decimal from a str, int or Decimal; floats are refused.

    Floats are refused rather than converted: `0.1` is not one tenth in binary,
    and a silent conversion would hide that in every ledger.
    """
    if isinstance(value, float):
        fail_type(
            argument,
            "a Decimal, int or str",
            value,
            hint=f"floats are inexact; pass a string such as '{value!r}' or a Decimal",
        )
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        fail_type(argument, "a Decimal, int or str", value)
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        fail(argument, "a decimal number such as '19.90'", value)
    if not amount.is_finite():
        fail(argument, "a finite decimal number", value)
    if amount and not -_MONEY_DIGITS <= amount.adjusted() < _MONEY_DIGITS:
        # Beyond this no amount is real money, and Decimal arithmetic would overflow.
        fail(
            argument,
            f"a decimal number with at most {_MONEY_DIGITS} digits each side of the point",
            value,
        )
    return amount


def one_dimensional(argument: str, values: ArrayLike) -> NDArray[Any]:
    """Turn array-like input into a 1-d ndarray (a read-only view is fine)."""
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        fail_type(argument, "a one-dimensional array-like", values)
    array = np.asarray(values)
    if array.ndim != 1:
        fail(argument, "one-dimensional", described(f"an array of shape {array.shape}"))
    return array


def float_array(
    argument: str,
    values: ArrayLike,
    *,
    low: float | None = None,
    low_open: bool = False,
    allow_empty: bool = False,
) -> NDArray[np.float64]:
    """Return a 1-d float64 array of finite numbers at or above *low*."""
    array = one_dimensional(argument, values)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        array = _coerce_numbers(argument, array)
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.complexfloating):
        fail_type(
            argument, "an array of real numbers", described(f"an array of dtype {array.dtype}")
        )
    numbers_ = array.astype(np.float64, copy=False)
    if numbers_.size == 0 and not allow_empty:
        fail(argument, "non-empty", described("an empty array"))
    bad = ~np.isfinite(numbers_)
    if low is not None:
        bad |= (numbers_ <= low) if low_open else (numbers_ < low)
    if bad.any():
        fail_rows(
            argument, _interval_text(low, None, low_open, False, "finite numbers"), numbers_, bad
        )
    return numbers_


def integer_array(
    argument: str,
    values: ArrayLike,
    *,
    low: int | None = None,
    high: int | None = None,
    allow_empty: bool = False,
) -> NDArray[np.int64]:
    """Return a 1-d int64 array of whole numbers within [low, high].

    Floats that are whole numbers (3.0) are accepted; 3.5 is refused. The check
    happens before the cast, so nothing is silently truncated.
    """
    array = one_dimensional(argument, values)
    if array.dtype == object:
        array = _coerce_numbers(argument, array)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number):
        fail_type(
            argument, "an array of whole numbers", described(f"an array of dtype {array.dtype}")
        )
    if array.size == 0 and not allow_empty:
        fail(argument, "non-empty", described("an empty array"))
    allowed = _range_text("whole numbers", low, high)
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array)
        bad[~bad] = array[~bad] != np.round(array[~bad])
        if bad.any():
            fail_rows(argument, allowed, array, bad)
    integers = array.astype(np.int64)
    bad = np.zeros(integers.shape, dtype=bool)
    if low is not None:
        bad |= integers < low
    if high is not None:
        bad |= integers > high
    if bad.any():
        fail_rows(argument, allowed, integers, bad)
    return integers


def outcome_array(argument: str, values: ArrayLike) -> NDArray[np.int64]:
    """Return won / lost outcomes (True / False or 1 / 0) as a 1-d int64 array of 0 and 1."""
    raw = np.asarray(values) if not isinstance(values, (str, bytes)) else values
    if isinstance(raw, np.ndarray) and raw.dtype == np.bool_:
        raw = raw.astype(np.int64)
    return integer_array(argument, raw, low=0, high=1)


def listed(argument: str, values: Any) -> list[Any]:
    """Return the items of an iterable (not a string or mapping) as a list."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        fail_type(argument, "an iterable of records", values)
    return list(values)


def ids_for(ids: Any, n: int, *, per: str) -> NDArray[Any]:
    """Ids given for n items (or positions 0..n-1 when None), refusing a wrong count."""
    if ids is None:
        return np.arange(n)
    labels = one_dimensional("ids", ids)
    if labels.size != n:
        fail("ids", f"one id per {per} ({n})", described(f"{labels.size} ids"))
    return labels


def same_length(**arrays: NDArray[Any]) -> int:
    """Return the common length of the arrays, or raise naming the odd one out."""
    lengths = {name: int(array.shape[0]) for name, array in arrays.items()}
    first_name, first_length = next(iter(lengths.items()))
    for name, length in lengths.items():
        if length != first_length:
            fail(
                name,
                f"the same length as '{first_name}' ({first_length})",
                described(f"length {length}"),
            )
    return first_length


def _coerce_numbers(argument: str, array: NDArray[Any]) -> NDArray[Any]:
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        fail_type(argument, "an array of numbers", described(f"an array of dtype {array.dtype}"))


def _range_text(noun: str, low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun} of at least {low}"
    if high is not None:
        return f"{noun} of at most {high}"
    return noun


def _interval_text(
    low: float | None,
    high: float | None,
    low_open: bool,
    high_open: bool,
    noun: str = "a finite number",
) -> str:
    if low is not None and high is not None:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        return f"{noun} in {left}{low:g}, {high:g}{right}"
    if low is not None:
        return f"{noun} {'above' if low_open else 'of at least'} {low:g}"
    if high is not None:
        return f"{noun} {'below' if high_open else 'at most'} {high:g}"
    return noun
