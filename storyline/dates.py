"""Publication dates: whatever form an input gives, an ISO date or None.

None means unknown.  Nothing here ever falls back to the current date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
EARLIEST = date(1800, 1, 1)


def iso_date(value: Any) -> str | None:
    """``2025-12-08``, ``2025-12-08T10:00:00Z``, RFC 822, a date or datetime → ``2025-12-08``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _checked(value.date())
    if isinstance(value, date):
        return _checked(value)
    if isinstance(value, (list, tuple)) and len(value) >= 3:  # time.struct_time-like
        try:
            return _checked(date(int(value[0]), int(value[1]), int(value[2])))
        except (TypeError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        try:
            return _checked(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return None
    try:
        return _checked(parsedate_to_datetime(text).date())
    except (TypeError, ValueError, IndexError):
        return None


def _checked(day: date) -> str | None:
    return day.isoformat() if day >= EARLIEST else None


def shift_day(day: date, days: int) -> date:
    """``day`` moved by ``days``, held at the calendar's first or last day (1-01-01,
    9999-12-31) rather than past it: an article dated 9999-12-31 made the margin around
    its story's dates raise OverflowError, and the story never built."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
