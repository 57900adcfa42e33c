"""attrs field factories for frozen classes that hold numpy arrays (private).

`@frozen` does not freeze array contents, does not compare arrays sensibly and
cannot hash them; these factories fix all three once for every bundle, result
and fit in the library.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray


def as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: any iterable (a JSON list, a generator) kept as a tuple."""
    return tuple(value)


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    # A read-only view: the caller's own array keeps its flags (inputs are never
    # mutated), and no data is copied.
    view = array.view()
    view.setflags(write=False)
    return view


def _optional_read_only(array: NDArray[Any] | None) -> NDArray[Any] | None:
    return None if array is None else _read_only(array)


def arrays_equal(a: NDArray[Any] | None, b: NDArray[Any] | None) -> bool:
    """Equal shapes and elements (None only equals None; NaN equals NaN, NaT equals NaT)."""
    if a is None or b is None:
        return a is b
    missing_comparable = a.dtype.kind in "fcmM" and b.dtype.kind in "fcmM"
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=missing_comparable))


def array_field(**kwargs: Any) -> Any:
    """A read-only array field compared by value, left out of hash and repr."""
    return attrs.field(
        converter=_read_only,
        eq=attrs.cmp_using(eq=arrays_equal),
        hash=False,
        repr=False,
        **kwargs,
    )


def optional_array_field() -> Any:
    """Like `array_field`, but may be None (and is by default)."""
    return attrs.field(
        default=None,
        converter=_optional_read_only,
        eq=attrs.cmp_using(eq=arrays_equal),
        hash=False,
        repr=False,
    )
