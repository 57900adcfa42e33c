"""Lead features for the scorers: named columns from a mapping or a frame, checked once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from crmkit import _validation as v
from crmkit.rules import _columns_of

Unseen = Literal["ignore", "error"]
"""What a scorer does with a category it never saw in training: skip it, or refuse."""

UNSEEN_CHOICES = ("ignore", "error")

_NONE = np.array(None, dtype=object)


def feature_columns(features: Any, names: Sequence[str] | None = None) -> dict[str, NDArray[Any]]:
    """The columns *names* (all of them when None) of *features*, equal in length, non-empty.

    *features* is a mapping from name to array, a pandas / polars / pyarrow
    frame, or an object with a `columns()` method returning such a mapping.
    """
    columns = named_columns(features)
    wanted = list(columns) if names is None else list(names)
    missing = [name for name in wanted if name not in columns]
    if missing:
        v.fail(
            "features",
            f"columns for every feature ({', '.join(wanted)})",
            v.described(f"none for {', '.join(map(repr, missing))}"),
        )
    if not wanted:
        v.fail("features", "at least one feature column", v.described("no columns"))
    arrays = {name: v.one_dimensional(name, columns[name]) for name in wanted}
    if v.same_length(**arrays) == 0:
        v.fail("features", "non-empty", v.described("no rows"))
    return arrays


def named_columns(features: Any) -> Mapping[str, Any]:
    """Named columns of a mapping or a frame, missing values kept (each scorer decides)."""
    return _columns_of(features, allow_missing=True)


def refuse_missing(name: str, values: NDArray[Any]) -> None:
    """Raise naming the first missing value (None, NaN, "")."""
    missing = is_missing(values)
    if missing.any():
        allowed = "values without missing entries (None, NaN or '')"
        v.fail_rows(name, allowed, values.astype(object), missing)


def is_missing(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Per row: None, NaN or the empty string (an unset value)."""
    if values.dtype.kind == "f":
        nan: NDArray[np.bool_] = np.isnan(values)
        return nan
    if values.dtype.kind in "US":
        missing: NDArray[np.bool_] = values == ""
        return missing
    if values.dtype.kind == "O":
        # Elementwise on object arrays: `x != x` is NaN's signature.
        unset = (values == _NONE) | (values != values) | (values == "")
        return np.asarray(unset, dtype=bool)
    return np.zeros(values.shape, dtype=bool)


def category_keys(name: str, values: NDArray[Any]) -> NDArray[np.str_]:
    """Categories as text, the form they are stored in (JSON keys are text)."""
    if values.dtype.kind == "f":
        v.fail_type(
            name,
            "categories (text, whole numbers or flags)",
            v.described("a column of floats"),
            hint="bin a continuous feature first, e.g. with numpy.digitize",
        )
    if values.dtype.kind in "Mm":
        v.fail_type(name, "categories (text, whole numbers or flags)", v.described("dates"))
    keys: NDArray[np.str_] = values.astype(np.str_)
    return keys


def refuse_unseen(name: str, keys: NDArray[np.str_], unseen: NDArray[np.bool_]) -> None:
    """Raise naming the first category the scorer never saw (for `unseen="error"`)."""
    if unseen.any():
        v.fail_rows(name, "a category seen in training (or unseen='ignore')", keys, unseen)
