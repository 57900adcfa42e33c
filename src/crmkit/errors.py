"""The exceptions crmkit raises, all under one root.

Every error is a [`CrmkitError`][crmkit.errors.CrmkitError] and also the builtin exception a caller
would already catch (`ValueError` or `TypeError`), so generic handlers keep
working. Messages follow one shape, `'<argument>' must be <allowed>; got
<value>`, and the same facts travel as attributes, so an embedding app can
react without parsing text.

Examples:
    >>> from crmkit.errors import CrmkitError, InvalidInputError
    >>> err = InvalidInputError("'n_bins' must be a positive integer; got 0",
    ...                         argument="n_bins", value=0)
    >>> isinstance(err, CrmkitError), isinstance(err, ValueError)
    (True, True)
    >>> err.argument, err.value
    ('n_bins', 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ConvergenceError",
    "CrmkitError",
    "CrmkitWarning",
    "CurrencyMismatchError",
    "InsufficientPointsError",
    "InvalidDefinitionError",
    "InvalidInputError",
    "InvalidTypeError",
    "MissingDependencyError",
    "TransitionNotAllowedError",
]


class CrmkitError(Exception):
    """Root of every exception crmkit raises: `except CrmkitError` catches them all.

    Examples:
        >>> from crmkit.errors import CrmkitError, InvalidInputError
        >>> issubclass(InvalidInputError, CrmkitError)
        True
    """


class InvalidInputError(CrmkitError, ValueError):
    """An argument has the right type but a value that is not allowed.

    Attributes:
        argument: Name of the offending argument (or the path of a field, such
            as `amount.currency`).
        value: The offending value, or a short description of it for arrays.
        index: For array input, the position of the first bad element (else None).

    Examples:
        >>> from crmkit.models import Money
        >>> try:
        ...     Money("abc", "CNY")
        ... except InvalidInputError as err:
        ...     print(err.argument)
        amount
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        value: Any = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.argument = argument
        self.value = value
        self.index = index

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class InsufficientPointsError(InvalidInputError):
    """A redemption or expiry asks for more points than the balance holds.

    Attributes:
        available: Points that could be used.
        requested: Points that were asked for.

    Examples:
        >>> err = InsufficientPointsError(
        ...     "'points' must be at most the 128 available; got 500",
        ...     argument="points", value=500, available=128, requested=500)
        >>> err.available, err.requested
        (128, 500)
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = "points",
        value: Any = None,
        available: int = 0,
        requested: int = 0,
    ) -> None:
        super().__init__(message, argument=argument, value=value)
        self.available = available
        self.requested = requested


class InvalidTypeError(CrmkitError, TypeError):
    """An argument has a type that is not allowed.

    Attributes:
        argument: Name of the offending argument.
        value: The offending value.

    Examples:
        >>> from crmkit.models import Money
        >>> try:
        ...     Money(19.9, "CNY")
        ... except InvalidTypeError as err:
        ...     print(err.argument)
        amount
    """

    def __init__(self, message: str, *, argument: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.value = value

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class CurrencyMismatchError(CrmkitError, ValueError, TypeError):
    """Two amounts of different currencies were combined or compared.

    Attributes:
        currencies: The two currency codes involved, in operand order.
        argument: The argument in the wrong currency, when one is to blame.
        value: Its value.

    Examples:
        >>> from crmkit.models import Money
        >>> try:
        ...     Money("1", "CNY") + Money("1", "USD")
        ... except CurrencyMismatchError as err:
        ...     print(err.currencies)
        ('CNY', 'USD')
    """

    def __init__(
        self,
        message: str,
        *,
        currencies: tuple[str, str] = ("", ""),
        argument: str | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(message)
        self.currencies = currencies
        self.argument = argument
        self.value = value

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class InvalidDefinitionError(CrmkitError, ValueError):
    """A rules value (segment scheme, state machine, program) is inconsistent.

    Every problem found is reported at once, not just the first.

    Attributes:
        problems: One sentence per problem found.

    Examples:
        >>> err = InvalidDefinitionError(
        ...     "invalid SegmentScheme", problems=["code '111' has no segment"])
        >>> err.problems
        ("code '111' has no segment",)
        >>> print(err)
        invalid SegmentScheme: 1 problem
          - code '111' has no segment
    """

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        self.summary = message
        self.problems = tuple(problems)
        super().__init__(message)

    def __str__(self) -> str:
        if not self.problems:
            return self.summary
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.summary}: {count} {noun}", *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class TransitionNotAllowedError(CrmkitError, ValueError):
    """An event cannot fire from the current stage of a state machine.

    Attributes:
        event: The event that was refused.
        stage: The stage it was fired from.
        allowed_events: The events that stage does accept.
        reason: Why a guard refused, when a guard refused.

    Examples:
        >>> err = TransitionNotAllowedError(
        ...     "event 'qualify' is not allowed in stage 'won'",
        ...     event="qualify", stage="won")
        >>> err.event, err.stage, err.allowed_events
        ('qualify', 'won', ())
    """

    def __init__(
        self,
        message: str,
        *,
        event: str = "",
        stage: str = "",
        allowed_events: Sequence[str] = (),
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.event = event
        self.stage = stage
        self.allowed_events = tuple(allowed_events)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class ConvergenceError(CrmkitError, RuntimeError):
    """A model fit did not converge; nothing half-fitted is returned.

    Attributes:
        n_iter: Iterations the optimiser ran.
        reason: The optimiser's own explanation.

    Examples:
        >>> err = ConvergenceError("BG/NBD fit did not converge",
        ...                        n_iter=200, reason="maximum iterations reached")
        >>> err.n_iter, err.reason
        (200, 'maximum iterations reached')
    """

    def __init__(self, message: str, *, n_iter: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.n_iter = n_iter
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class MissingDependencyError(CrmkitError, ImportError):
    """An optional dependency needed for this call is not installed.

    The message names the extra to install, e.g. `pip install 'crmkit[polars]'`.

    Attributes:
        package: The missing package.

    Examples:
        >>> err = MissingDependencyError(
        ...     "backend 'polars' needs polars: pip install 'crmkit[polars]'",
        ...     package="polars")
        >>> err.package
        'polars'
    """

    def __init__(self, message: str, *, package: str = "") -> None:
        super().__init__(message)
        self.package = package

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args, self.__dict__)


class CrmkitWarning(UserWarning):
    """A result that is statistically valid but fragile (never used for bad input).

    Examples:
        >>> issubclass(CrmkitWarning, UserWarning)
        True
    """


def _rebuild(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    # Exceptions with keyword-only fields do not unpickle through the default
    # `cls(*args)` path; rebuild from the message and restore the fields.
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
