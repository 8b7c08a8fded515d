"""Coverage by outlet over time, laid out for a small server-rendered SVG.

One row per outlet (the busiest first), one dot per day it published on the
story, the dot's area proportional to its article count.  The template draws
the shapes; everything here is plain numbers and strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

WIDTH = 640
ROW_HEIGHT = 22
LABEL_WIDTH = 170
TOP = 8
AXIS_HEIGHT = 26
MAX_ROWS = 8


@dataclass(slots=True)
class Dot:
    x: float
    y: float
    r: float
    label: str


@dataclass(slots=True)
class Row:
    label: str
    y: float
    total: int


@dataclass(slots=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    rows: list[Row] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    axis_y: float = 0.0
    undated: int = 0


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def coverage_chart(coverage: list[dict[str, Any]]) -> Chart | None:
    """Lay out ``[{date, publisher, count}]``; None when nothing is dated."""
    totals: dict[str, int] = {}
    cells: dict[tuple[str, date], int] = {}
    undated = 0
    for item in coverage:
        publisher = str(item.get("publisher") or "unknown outlet")
        count = int(item.get("count") or 0)
        day = _day(item.get("date"))
        if day is None:
            undated += count
            continue
        totals[publisher] = totals.get(publisher, 0) + count
        cells[(publisher, day)] = cells.get((publisher, day), 0) + count
    if not cells:
        return None
    outlets = sorted(totals, key=lambda p: (-totals[p], p))
    if len(outlets) > MAX_ROWS:
        kept, rest = outlets[: MAX_ROWS - 1], set(outlets[MAX_ROWS - 1:])
        other = f"{len(rest)} other outlets"
        merged: dict[tuple[str, date], int] = {}
        for (publisher, day), count in cells.items():
            key = (other if publisher in rest else publisher, day)
            merged[key] = merged.get(key, 0) + count
        cells, outlets = merged, [*kept, other]
        totals[other] = sum(totals[p] for p in rest)
    days = sorted({day for _, day in cells})
    first, last = days[0], days[-1]
    span = max((last - first).days, 1)
    left, right = LABEL_WIDTH, WIDTH - 16
    height = TOP + ROW_HEIGHT * len(outlets) + AXIS_HEIGHT
    chart = Chart(WIDTH, height, left, right, axis_y=TOP + ROW_HEIGHT * len(outlets) + 4, undated=undated)
    biggest = max(cells.values())

    def x_of(day: date) -> float:
        if first == last:
            return (left + right) / 2
        return round(left + 8 + (right - left - 16) * (day - first).days / span, 1)

    for index, publisher in enumerate(outlets):
        y = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        label = publisher if len(publisher) <= 24 else publisher[:23] + "…"
        chart.rows.append(Row(label, y, totals[publisher]))
        for (name, day), count in sorted(cells.items(), key=lambda item: item[0][1]):
            if name == publisher:
                radius = round(2.5 + 6.5 * (count / biggest) ** 0.5, 1)
                noun = "article" if count == 1 else "articles"
                chart.dots.append(Dot(x_of(day), y, radius, f"{publisher}, {day.isoformat()}: {count} {noun}"))
    tick_days = [first] if first == last else [first, first + (last - first) / 2, last]
    chart.ticks = [(x_of(day), day.strftime("%-d %b %Y")) for day in tick_days]
    return chart
