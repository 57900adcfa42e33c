"""Calendar arithmetic shared by the areas (private)."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """*day* moved by *months* calendar months, the day clamped to the month's end.

    January 31 plus one month is February 28 (29 in a leap year), as billing
    and points expiry count it.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
