"""Calendar arithmetic the rules need (months, not 30-day approximations)."""

from __future__ import annotations

import calendar
from datetime import date


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's last day."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_stale(verified_at: date | None, as_of: date, stale_after_months: int) -> bool:
    """Not confirmed by the register within the configured age (never confirmed = stale)."""
    if verified_at is None:
        return True
    return verified_at < months_before(as_of, stale_after_months)
