"""Calendar arithmetic and TIMEX3 value strings.

Values follow ISO-TimeML: ``2025-12-12`` (day), ``2025-12`` (month), ``2025-W50`` (ISO
week), ``2025-W50-WE`` (weekend), ``2025-Q4`` (quarter), ``2025-H2`` (half), ``2025-SU``
(season), ``2025`` (year), ``202`` (decade), ``20`` (century), ``2025-12-08TAF`` (part of
day), ``2025-12-08T14:30`` (clock time), ``P3D`` / ``PT2H`` / ``PXY`` (durations) and
``PRESENT_REF`` / ``PAST_REF`` / ``FUTURE_REF`` for vague references.
"""

from __future__ import annotations

import datetime as dt

from storyline.enrich.time.lexicon import CLOCK_UNITS, UNITS

Direction = int  # -1 past, 0 unknown, +1 future


def day(value: dt.date) -> str:
    return value.isoformat()


def month(year: int, number: int) -> str:
    return f"{year:04d}-{number:02d}"


def week(value: dt.date) -> str:
    iso = value.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def weekend(value: dt.date) -> str:
    return week(value) + "-WE"


def quarter_of(value: dt.date) -> int:
    return (value.month - 1) // 3 + 1


def quarter(year: int, number: int) -> str:
    return f"{year:04d}-Q{number}"


def add_months(value: dt.date, months: int) -> dt.date:
    index = value.year * 12 + value.month - 1 + months
    year, month0 = divmod(index, 12)
    return dt.date(year, month0 + 1, 1)


def shift_quarter(year: int, number: int, by: int) -> tuple[int, int]:
    index = year * 4 + number - 1 + by
    shifted_year, q0 = divmod(index, 4)
    return shifted_year, q0 + 1


def safe_date(year: int, month_number: int, day_number: int) -> dt.date | None:
    try:
        return dt.date(year, month_number, day_number)
    except ValueError:
        return None


def weekday_date(dct: dt.date, weekday: int, direction: Direction) -> dt.date:
    """The date of ``weekday`` seen from ``dct``.

    The same weekday as ``dct`` is ``dct`` itself.  Otherwise the past direction gives the
    most recent such day and the future the next one.  News mostly reports what happened,
    so an unknown direction reads the day as past when it lies up to four days back, and
    as coming only when it is one or two days ahead.
    """
    back = (dct.weekday() - weekday) % 7
    if back == 0:
        return dct
    ahead = 7 - back
    if direction < 0 or (direction == 0 and back <= 4):
        return dct - dt.timedelta(days=back)
    return dct + dt.timedelta(days=ahead)


def month_year(dct: dt.date, month_number: int, direction: Direction, day_number: int = 15) -> int:
    """The year of a month (or day) named without one.

    The nearest occurrence wins; one that lies against the tense of the clause counts as
    three times as far, so tense decides close calls without overruling the calendar
    ("in December" read in early November is the coming December even after "said").
    """
    best_year, best_score = dct.year, float("inf")
    for year in (dct.year - 1, dct.year, dct.year + 1):
        when = safe_date(year, month_number, day_number) or safe_date(year, month_number, 28)
        if when is None:
            continue
        delta = (when - dct).days
        against = (direction < 0 and delta > 0) or (direction > 0 and delta < 0)
        score = abs(delta) * (3 if against else 1)
        if score < best_score:
            best_year, best_score = year, score
    return best_year


def season_year(dct: dt.date, code: str, direction: Direction) -> int:
    start = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[code]
    if direction < 0 and start > dct.month:
        return dct.year - 1
    if direction > 0 and start + 2 < dct.month:
        return dct.year + 1
    return dct.year


def shift(dct: dt.date, unit: str, amount: int) -> str | None:
    """``dct`` moved by ``amount`` units, written at the granularity of the unit."""
    if unit == "day":
        return day(dct + dt.timedelta(days=amount))
    if unit in ("week", "fortnight"):
        return week(dct + dt.timedelta(weeks=amount * (2 if unit == "fortnight" else 1)))
    if unit == "weekend":
        return weekend(dct + dt.timedelta(weeks=amount))
    if unit == "month":
        moved = add_months(dct, amount)
        return month(moved.year, moved.month)
    if unit == "quarter":
        return quarter(*shift_quarter(dct.year, quarter_of(dct), amount))
    if unit == "year":
        return f"{dct.year + amount:04d}"
    if unit == "decade":
        return f"{(dct.year // 10 + amount):03d}"
    if unit == "century":
        return f"{(dct.year // 100 + amount):02d}"
    return None


def duration(amount: float | None, unit: str) -> str:
    """A TIMEX3 duration: ``P3D``, ``PT2H``, ``P2Y6M``, ``PXW`` for an unknown amount."""
    letters = UNITS
    prefix = "PT" if unit in CLOCK_UNITS else "P"
    if amount is None:
        return f"{prefix}X{letters[unit]}"
    if unit == "fortnight":
        amount *= 2
    if unit == "quarter":
        amount, unit = amount * 3, "month"
    if unit == "decade":
        amount, unit = amount * 10, "year"
    whole = int(amount)
    rest = amount - whole
    if rest and unit == "year":
        return f"P{whole}Y{round(rest * 12)}M" if whole else f"P{round(rest * 12)}M"
    if rest and unit == "hour":
        return f"PT{whole}H{round(rest * 60)}M" if whole else f"PT{round(rest * 60)}M"
    if rest and unit == "day":
        return f"P{whole}DT{round(rest * 24)}H" if whole else f"PT{round(rest * 24)}H"
    if rest and unit == "minute":
        return f"PT{whole}M{round(rest * 60)}S" if whole else f"PT{round(rest * 60)}S"
    return f"{prefix}{whole}{letters[unit]}"
