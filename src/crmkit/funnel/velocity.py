"""Sales velocity: how fast the pipeline turns into revenue."""

from __future__ import annotations

from crmkit import _validation as v

__all__ = ["sales_velocity"]


def sales_velocity(
    n_opportunities: float, win_rate: float, average_deal: float, cycle_days: float
) -> float:
    """Revenue per day the pipeline produces: opportunities x win rate x deal size / cycle.

    Args:
        n_opportunities: Open opportunities (>= 0).
        win_rate: Share of opportunities won, in [0, 1].
        average_deal: Mean value of a won deal (>= 0).
        cycle_days: Mean days from opening to closing a deal (> 0).

    Raises:
        InvalidInputError: If a value is out of its range.

    Examples:
        100 opportunities, a 25% win rate, 8,000 per deal, 50 days to close:

        >>> from crmkit.funnel import sales_velocity
        >>> sales_velocity(100, 0.25, 8_000, 50)
        4000.0
    """
    count = v.check_float("n_opportunities", n_opportunities, low=0.0)
    rate = v.check_float("win_rate", win_rate, low=0.0, high=1.0)
    deal = v.check_float("average_deal", average_deal, low=0.0)
    days = v.check_float("cycle_days", cycle_days, low=0.0, low_open=True)
    return count * rate * deal / days
