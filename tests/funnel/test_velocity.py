"""Sales velocity: opportunities x win rate x deal size / cycle length."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import sales_velocity

GOOD = {"n_opportunities": 100, "win_rate": 0.25, "average_deal": 8_000, "cycle_days": 50}


def test_by_hand() -> None:
    """100 x 0.25 x 8000 / 50 = 200,000 / 50 = 4000 per day."""
    assert 4000.0 == sales_velocity(100, 0.25, 8_000, 50)


def test_edges_of_the_ranges() -> None:
    """No opportunities, a zero win rate or zero deal size give 0; win rate 1 is allowed."""
    assert 0.0 == sales_velocity(0, 0.5, 1_000, 10)
    assert 0.0 == sales_velocity(10, 0.0, 1_000, 10)
    assert 0.0 == sales_velocity(10, 0.5, 0, 10)
    # 10 x 1 x 1000 / 0.5 = 20,000.
    assert 20_000.0 == sales_velocity(10, 1.0, 1_000, 0.5)


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0, 1e6),
    st.floats(0, 1),
    st.floats(0, 1e6),
    st.floats(0.01, 1e4),
)
def test_scales_linearly_and_inversely(n: float, rate: float, deal: float, days: float) -> None:
    """Doubling the opportunities doubles velocity; doubling the cycle halves it."""
    base = sales_velocity(n, rate, deal, days)

    assert base >= 0
    assert pytest.approx(2 * base, rel=1e-12) == sales_velocity(2 * n, rate, deal, days)
    assert pytest.approx(base / 2, rel=1e-12) == sales_velocity(n, rate, deal, 2 * days)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"win_rate": 1.01}, InvalidInputError, "'win_rate'"),
        ({"win_rate": -0.1}, InvalidInputError, "'win_rate'"),
        ({"cycle_days": 0}, InvalidInputError, "'cycle_days'"),
        ({"cycle_days": -5}, InvalidInputError, "'cycle_days'"),
        ({"n_opportunities": -1}, InvalidInputError, "'n_opportunities'"),
        ({"average_deal": -100.0}, InvalidInputError, "'average_deal'"),
        ({"average_deal": math.nan}, InvalidInputError, "'average_deal'"),
        ({"n_opportunities": math.inf}, InvalidInputError, "'n_opportunities'"),
        ({"win_rate": "0.25"}, InvalidTypeError, "'win_rate'"),
        ({"cycle_days": True}, InvalidTypeError, "'cycle_days'"),
    ],
)
def test_bad_inputs_refused(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    """Each out-of-range or wrong-typed value is refused naming its argument."""
    refused(sales_velocity, {**GOOD, **kwargs}, error, match)
