"""The friendly face: dataframes in and out through narwhals (private).

Everything crmkit does with pandas, polars or pyarrow goes through this module,
so each frame library is touched in one place and stays an optional extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.util import find_spec
from typing import Any, Literal

import narwhals as nw
import numpy as np
from numpy.typing import NDArray

from crmkit import _columns
from crmkit import _validation as v
from crmkit.errors import MissingDependencyError

Backend = Literal["pandas", "polars", "pyarrow"]
BACKENDS: tuple[Backend, ...] = ("pandas", "polars", "pyarrow")


def frame_from_columns(columns: Mapping[str, NDArray[Any]], *, backend: Backend) -> Any:
    """Build a native frame of *backend* from equal-length numpy columns.

    `datetime64` columns hold naive UTC and come out as timezone-aware UTC.
    """
    v.check_choice("backend", backend, BACKENDS)
    if find_spec(backend) is None:
        message = f"to_frame(backend={backend!r}) needs {backend}: pip install 'crmkit[{backend}]'"
        raise MissingDependencyError(message, package=backend)
    plain = {name: _exportable(array) for name, array in columns.items()}
    frame = nw.from_dict(plain, backend=backend)
    times = [name for name, array in columns.items() if array.dtype.kind == "M"]
    if times:
        frame = frame.with_columns(nw.col(*times).dt.replace_time_zone("UTC"))
    return frame.to_native()


def _exportable(array: NDArray[Any]) -> NDArray[Any]:
    # Frame libraries copy on import; give them owned, writeable-agnostic data and
    # plain object arrays for strings so every backend reads them as text.
    if array.dtype.kind in "UT":
        return array.astype(object)
    if array.dtype.kind == "M":  # dates too: every backend then reads a UTC timestamp
        return array.astype("datetime64[us]")
    return array


def eager_frame(frame: Any, argument: str = "frame") -> nw.DataFrame[Any]:
    """Wrap a pandas, polars or pyarrow frame for backend-agnostic access."""
    try:
        return nw.from_native(frame, eager_only=True)
    except TypeError:
        v.fail_type(argument, "a pandas, polars or pyarrow DataFrame", frame)


def column(frame: nw.DataFrame[Any], name: str, *, argument: str) -> nw.Series[Any]:
    """Return column *name*, or raise naming the argument and the columns there are."""
    v.check_str(argument, name)
    if name not in frame.columns:
        available = ", ".join(repr(c) for c in frame.columns)
        v.fail(argument, f"a column of the frame (one of {available})", name)
    return frame.get_column(name)


def series_timestamps(argument: str, series: nw.Series[Any]) -> NDArray[np.datetime64]:
    """Timestamps of a frame column as naive-UTC `datetime64[us]`.

    Aware columns are converted to UTC; naive ones are read as UTC; text and
    object columns are parsed as ISO 8601.
    """
    dtype = series.dtype
    if isinstance(dtype, nw.Datetime):
        if series.null_count():
            _refuse_nulls(argument, series, "timestamps without missing values")
        if dtype.time_zone is not None:
            series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return _columns.timestamps(
            argument, series.cast(nw.Datetime(_columns.TIME_UNIT)).to_numpy()
        )
    if isinstance(dtype, nw.Date):
        return _columns.timestamps(
            argument, series.cast(nw.Datetime(_columns.TIME_UNIT)).to_numpy()
        )
    return _columns.timestamps(argument, series.to_numpy())


def series_numbers(argument: str, series: nw.Series[Any]) -> NDArray[Any]:
    """A numeric frame column as a numpy array; nulls become NaN for the caller to refuse."""
    if not series.dtype.is_numeric():
        v.fail_type(argument, "a numeric column", v.described(f"a column of type {series.dtype}"))
    if series.null_count():
        _refuse_nulls(argument, series, "numbers without missing values")
    return series.to_numpy()


def series_values(
    argument: str, series: nw.Series[Any], *, allow_missing: bool = False
) -> NDArray[Any]:
    """Any frame column as a numpy array, refusing nulls unless *allow_missing*."""
    if series.null_count() and not allow_missing:
        _refuse_nulls(argument, series, "values without missing entries")
    return series.to_numpy()


def _refuse_nulls(argument: str, series: nw.Series[Any], allowed: str) -> None:
    missing = series.is_null().to_numpy().astype(bool)
    v.fail_rows(argument, allowed, np.array([None] * missing.size, dtype=object), missing)
