"""JSON for records and rules: one converter, round-trips guaranteed.

Every crmkit record, rules value, fitted model and result turns into plain
JSON types and back. Money amounts travel as strings
(`"19.90"`, never a float), timestamps as ISO 8601 with their offset, enumerations as their string values, and arrays as lists (timestamps as ISO strings). Each top-level dict carries a
`schema_version`, so stored JSON can be migrated when a format changes.

Malformed input raises [`InvalidInputError`][crmkit.errors.InvalidInputError] naming the
path of the bad field (for example `amount.currency`), never a raw cattrs or
`KeyError`.

Examples:
    >>> from datetime import datetime, timezone
    >>> from crmkit import io
    >>> from crmkit.models import Money, Transaction
    >>> t = Transaction(id="o1", customer_id="c1",
    ...                 at=datetime(2025, 1, 5, tzinfo=timezone.utc),
    ...                 amount=Money("19.90", "CNY"))
    >>> text = io.to_json(t)
    >>> text
    '{"id": "o1", "customer_id": "c1", "at": "2025-01-05T00:00:00+00:00", "amount": {"amount": "19.90", "currency": "CNY"}, "channel": null, "category": null, "quantity": 1, "schema_version": 1}'
    >>> io.from_json(Transaction, text) == t
    True
"""  # noqa: E501

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Literal, NoReturn, TypeVar, get_args, get_origin

import attrs
import cattrs
import numpy as np
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.strategies import configure_union_passthrough

from crmkit import _validation as v
from crmkit.errors import CrmkitError, InvalidDefinitionError, InvalidInputError, InvalidTypeError

__all__ = ["SCHEMA_VERSION", "from_dict", "from_json", "to_dict", "to_json"]

SCHEMA_VERSION = 1
"""Version of the JSON layout written by this release."""

T = TypeVar("T")


class _BadValueError(Exception):
    """Raised by structure hooks; turned into InvalidInputError with the field's path."""

    def __init__(self, allowed: str, value: Any) -> None:
        super().__init__(allowed)
        self.allowed = allowed
        self.value = value


def _bad(allowed: str, value: Any) -> NoReturn:
    raise _BadValueError(allowed, value)


def _structure_decimal(value: Any, _: type) -> Decimal:
    try:
        return v.decimal_amount("value", value)
    except CrmkitError:
        _bad("a decimal string such as '19.90'", value)


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    _bad("an ISO 8601 timestamp with offset such as '2025-01-05T00:00:00+00:00'", value)


def _structure_date(value: Any, _: type) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    _bad("an ISO 8601 date such as '2025-01-05'", value)


def _structure_enum(value: Any, kind: type[Enum]) -> Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = "one of " + ", ".join(repr(member.value) for member in kind)
        _bad(allowed, value)


def _is_literal(kind: Any) -> bool:
    return bool(get_origin(kind) is Literal)


def _structure_literal(value: Any, kind: Any) -> Any:
    allowed = get_args(kind)
    if isinstance(value, bool) or value not in allowed:
        _bad("one of " + ", ".join(map(repr, allowed)), value)
    return value


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        _bad("a string", value)
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _bad("an integer", value)
    return value


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _bad("a number", value)
    return float(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        _bad("true or false", value)
    return value


def _unstructure_array(array: np.ndarray[Any, Any]) -> list[Any]:
    if array.dtype.kind in "Mm":  # datetime64 / timedelta64: ISO strings keep their unit
        texts: list[Any] = array.astype(str).tolist()
        return texts
    values: list[Any] = array.tolist()
    return values


def _is_array(kind: Any) -> bool:
    return kind is np.ndarray or get_origin(kind) is np.ndarray


def _structure_array(value: Any, kind: Any) -> np.ndarray[Any, Any]:
    if not isinstance(value, list):
        _bad("a list of values (an array)", value)
    dtype = _array_dtype(kind)
    try:
        if dtype is not None and np.dtype(dtype).kind in "Mm":
            return np.array(value, dtype=np.dtype(dtype).kind)  # the unit comes from the text
        return np.array(value, dtype=dtype)
    except (TypeError, ValueError):
        _bad(f"a list of {np.dtype(dtype).name if dtype is not None else 'values'}", value)


def _array_dtype(kind: Any) -> Any:
    """The dtype in `NDArray[np.float64]`, or None for `NDArray[Any]` or a bare ndarray."""
    arguments = get_args(kind)
    if len(arguments) != 2:
        return None
    scalar = get_args(arguments[1])
    if not scalar or scalar[0] is Any:
        return None
    return scalar[0]


def _enum_value(member: Enum) -> Any:
    return member.value


def _make_converter() -> cattrs.Converter:
    # Tuples unstructure to lists, so to_dict(x) == json.loads(to_json(x)).
    converter = cattrs.Converter(
        forbid_extra_keys=True,
        detailed_validation=True,
        unstruct_collection_overrides={tuple: list},
    )
    # Fields are annotated NDArray[...]: dispatch on the annotation, not the class.
    converter.register_unstructure_hook_func(_is_array, _unstructure_array)
    converter.register_structure_hook_func(_is_array, _structure_array)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_unstructure_hook(date, date.isoformat)
    # StrEnum members are also str, and cattrs passes str through untouched: a
    # hook on StrEnum (before str in the MRO) makes them plain strings.
    converter.register_unstructure_hook(StrEnum, _enum_value)
    converter.register_unstructure_hook(Enum, _enum_value)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(date, _structure_date)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_func(_is_literal, _structure_literal)
    # Condition values may be a number, text or a flag: pass them through as JSON has them.
    configure_union_passthrough(float | int | str | bool, converter)
    # As for unstructuring: without these, StrEnum fields take the `str` hook.
    converter.register_structure_hook(StrEnum, _structure_enum)
    converter.register_structure_hook(Enum, _structure_enum)
    return converter


_CONVERTER = _make_converter()


def to_dict(obj: Any) -> dict[str, Any]:
    """Turn a record or rules value into a dict of plain JSON types.

    Args:
        obj: Any crmkit record, rules value or fit.

    Returns:
        A new dict, with `schema_version` added at the top level.

    Raises:
        InvalidTypeError: If *obj* is not a crmkit value.

    Examples:
        >>> from crmkit import io
        >>> from crmkit.models import Money
        >>> io.to_dict(Money("19.90", "CNY"))
        {'amount': '19.90', 'currency': 'CNY', 'schema_version': 1}
    """
    _check_serialisable("obj", type(obj), obj)
    data: dict[str, Any] = _CONVERTER.unstructure(obj)
    data["schema_version"] = SCHEMA_VERSION
    return data


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build a *cls* value from a dict made by [`to_dict`][crmkit.io.to_dict] (or by hand).

    Every field is checked as the class itself checks it. `schema_version` may
    be absent; if present it must be one this release reads.

    Args:
        cls: The class to build, e.g. [`Transaction`][crmkit.models.Transaction].
        data: The dict.

    Raises:
        InvalidInputError: If a field is missing, unknown or has a bad value;
            `.argument` is the path of the field, such as `amount.currency`.
        InvalidTypeError: If *cls* is not a crmkit class or *data* not a mapping.

    Examples:
        >>> from crmkit import io
        >>> from crmkit.models import Money
        >>> io.from_dict(Money, {"amount": "19.90", "currency": "CNY"})
        Money('19.90', 'CNY')
        >>> io.from_dict(Money, {"amount": "19.90", "currency": "C"})
        Traceback (most recent call last):
        ...
        crmkit.errors.InvalidInputError: 'currency' must be a three-letter ISO 4217 code such as 'CNY'; got 'C'
    """  # noqa: E501
    _check_serialisable("cls", cls, cls)
    if not isinstance(data, Mapping):
        v.fail_type("data", "a mapping (a dict parsed from JSON)", data)
    fields = dict(data)
    version = fields.pop("schema_version", SCHEMA_VERSION)
    if type(version) is not int or version != SCHEMA_VERSION:  # True == 1, 1.0 == 1
        v.fail("schema_version", f"{SCHEMA_VERSION} (the version this release reads)", version)
    try:
        return _CONVERTER.structure(fields, cls)
    except Exception as error:  # every failure is reported with its path
        definition = _definition_error(error)
        if definition is not None:  # a rules value inconsistent as a whole: keep its problems
            raise definition from error
        raise _as_input_error(error) from error


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """Serialise a record or rules value to a JSON string.

    Non-ASCII text (customer names, 普通 tier names) is written as is.

    Args:
        obj: Any crmkit record, rules value or fit.
        indent: Pretty-print with this many spaces; compact when None.

    Examples:
        >>> from crmkit import io
        >>> from crmkit.models import Money
        >>> io.to_json(Money("5", "CNY"))
        '{"amount": "5", "currency": "CNY", "schema_version": 1}'
    """
    if indent is not None:
        v.check_int("indent", indent, low=0)
    return json.dumps(to_dict(obj), ensure_ascii=False, indent=indent)


def from_json(cls: type[T], text: str | bytes) -> T:
    """Build a *cls* value from JSON made by [`to_json`][crmkit.io.to_json].

    Raises:
        InvalidInputError: If *text* is not JSON or a field is bad (see
            [`from_dict`][crmkit.io.from_dict]).

    Examples:
        >>> from crmkit import io
        >>> from crmkit.models import Money
        >>> io.from_json(Money, '{"amount": "5", "currency": "CNY"}')
        Money('5', 'CNY')
    """
    if not isinstance(text, (str, bytes)):
        v.fail_type("text", "a JSON string", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        v.fail("text", "valid JSON", text, hint=f"{error.msg} at line {error.lineno}")
    except (ValueError, RecursionError) as error:  # bad UTF-8, huge integers, deep nesting
        v.fail("text", "valid JSON", text, hint=f"{type(error).__name__}: {error}")
    return from_dict(cls, data)


def _check_serialisable(argument: str, cls: type, value: Any) -> None:
    if not (isinstance(cls, type) and attrs.has(cls) and cls.__module__.startswith("crmkit.")):
        v.fail_type(argument, "a crmkit record, rules value or fit", value)


# --- turning cattrs' nested errors into one InvalidInputError -----------------------------


def _definition_error(error: BaseException) -> InvalidDefinitionError | None:
    for _, leaf in _leaves(error, ()):
        if isinstance(leaf, InvalidDefinitionError):
            return leaf
    return None


def _as_input_error(error: BaseException) -> InvalidInputError:
    problems = list(_leaves(error, ()))
    path, leaf = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    if isinstance(leaf, (InvalidInputError, InvalidTypeError)) and leaf.argument:
        argument = _join(path, leaf.argument)
        message = str(leaf).replace(f"'{leaf.argument}'", f"'{argument}'", 1)
        return InvalidInputError(message + more, argument=argument, value=leaf.value)
    argument = _join(path, None) or "data"
    if isinstance(leaf, _BadValueError):
        allowed, value = leaf.allowed, leaf.value
    elif isinstance(leaf, ForbiddenExtraKeysError):
        extra = sorted(leaf.extra_fields, key=str)  # a mapping's keys need not be strings
        key = extra[0]
        argument = _join(path, key if isinstance(key, str) and key else repr(key))
        known = ", ".join(field.name for field in attrs.fields(leaf.cl))
        return InvalidInputError(
            f"'{argument}' is not a field of {leaf.cl.__name__} (its fields: {known}){more}",
            argument=argument,
            value=extra,
        )
    elif isinstance(leaf, KeyError):
        argument = _join(path, None) or str(leaf.args[0])
        return InvalidInputError(f"'{argument}' is required; got nothing{more}", argument=argument)
    else:
        allowed, value = "a value of the right shape", f"{type(leaf).__name__}: {leaf}"
    return InvalidInputError(
        f"'{argument}' must be {allowed}; got {v.show(value)}{more}",
        argument=argument,
        value=value,
    )


def _leaves(
    error: BaseException, path: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], BaseException]]:
    if not isinstance(error, (ClassValidationError, IterableValidationError)):
        return [(path, error)]
    found: list[tuple[tuple[str | int, ...], BaseException]] = []
    with_notes, without_notes = error.group_exceptions()
    for inner, note in with_notes:
        step: str | int = note.name if isinstance(note, AttributeValidationNote) else note.index
        if isinstance(note, (AttributeValidationNote, IterableValidationNote)):
            found.extend(_leaves(inner, (*path, step)))
    for inner in without_notes:
        found.extend(_leaves(inner, path))
    return found


def _join(path: tuple[str | int, ...], last: str | None) -> str:
    text = ""
    for step in (*path, *([last] if last else [])):
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text
