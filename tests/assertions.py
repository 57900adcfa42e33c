"""Shared test assertions (import as `from tests.assertions import ...`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def refused(
    call: Callable[..., Any], kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Assert that `call(**kwargs)` raises *error* matching *match*, naming the argument."""
    with pytest.raises(error, match=match) as info:
        call(**kwargs)
    assert match.split("'")[1] == info.value.argument  # type: ignore[attr-defined]
