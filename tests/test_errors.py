"""The error hierarchy: one root, builtin bases, structured fields, pickling."""

from __future__ import annotations

import pickle

import pytest

from crmkit import errors
from crmkit.errors import (
    ConvergenceError,
    CrmkitError,
    CurrencyMismatchError,
    InsufficientPointsError,
    InvalidDefinitionError,
    InvalidInputError,
    InvalidTypeError,
    MissingDependencyError,
    TransitionNotAllowedError,
)

EXAMPLES = [
    InvalidInputError("'n_bins' must be positive; got 0", argument="n_bins", value=0),
    InvalidTypeError("'amount' must be a str; got float 1.5", argument="amount", value=1.5),
    CurrencyMismatchError("cannot combine CNY with USD", currencies=("CNY", "USD")),
    InvalidDefinitionError("invalid scheme", problems=["gap at '111'", "overlap at '545'"]),
    TransitionNotAllowedError(
        "no", event="qualify", stage="won", allowed_events=["reopen"], reason=None
    ),
    InsufficientPointsError(
        "too many", argument="points", value=500, available=128, requested=500
    ),
    ConvergenceError("did not converge", n_iter=200, reason="max iterations"),
    MissingDependencyError("needs polars", package="polars"),
]


class TestHierarchy:
    @pytest.mark.parametrize(
        ("cls", "builtin"),
        [
            (InvalidInputError, ValueError),
            (InvalidTypeError, TypeError),
            (CurrencyMismatchError, ValueError),
            (CurrencyMismatchError, TypeError),
            (InvalidDefinitionError, ValueError),
            (TransitionNotAllowedError, ValueError),
            (InsufficientPointsError, InvalidInputError),
            (ConvergenceError, RuntimeError),
            (MissingDependencyError, ImportError),
        ],
    )
    def test_each_error_is_a_crmkit_error_and_the_builtin_callers_catch(
        self, cls: type[Exception], builtin: type[Exception]
    ) -> None:
        """`except CrmkitError` and the matching builtin `except` both catch each error."""
        assert issubclass(cls, CrmkitError)
        assert issubclass(cls, builtin)

    def test_every_public_error_is_listed_in_the_examples(self) -> None:
        """The pickling test below covers every exception class the module exports."""
        exported = {
            getattr(errors, name)
            for name in errors.__all__
            if issubclass(getattr(errors, name), CrmkitError)
        }

        assert exported == {type(e) for e in EXAMPLES} | {CrmkitError}


class TestPickling:
    @pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
    def test_errors_round_trip_through_pickle_with_their_fields(self, error: Exception) -> None:
        """Every error unpickles to the same class, message and structured fields."""
        restored = pickle.loads(pickle.dumps(error))

        assert type(error) is type(restored)
        assert str(error) == str(restored)
        assert error.__dict__ == restored.__dict__


class TestInvalidDefinitionError:
    def test_message_lists_every_problem(self) -> None:
        """All problems are reported at once, one per line under a count."""
        error = InvalidDefinitionError("invalid scheme", problems=["gap at '111'", "overlap"])

        assert "invalid scheme: 2 problems\n  - gap at '111'\n  - overlap" == str(error)
        assert ("gap at '111'", "overlap") == error.problems

    def test_without_problems_the_message_is_the_summary(self) -> None:
        """An error built without problems reads as its summary alone."""
        assert "bad" == str(InvalidDefinitionError("bad"))
