"""One shape for every list the API returns: the items, ``total``, ``offset``, ``limit`` and a ``next`` link.

``next`` is the same address with the offset moved on (None on the last page), so a client
follows links instead of doing arithmetic, as with GitHub's or datasette's paging.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Query, Request

from storyline.search import has_more

OffsetQuery = Query(0, ge=0, le=1_000_000, description="Skip this many items (the next page starts at offset+limit).")


def page(request: Request, key: str, items: list[Any], *, total: int, offset: int, limit: int,
         total_exact: bool = True, shown: int | None = None) -> dict[str, Any]:
    """``{key: items, total, total_exact, offset, limit, next}`` for one page of a list.

    ``total_exact`` is False when the total is a lower bound (a search counts matches only
    so far): then a full page always has a next one.  ``shown``: how many of the counted
    things the page holds, when ``items`` group them (search results by story).
    """
    following = offset + limit
    shown = len(items) if shown is None else shown
    next_link = None
    if has_more(following, shown, limit, total, total_exact):
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
        params += [("offset", str(following)), ("limit", str(limit))]
        next_link = f"{request.url.path}?{urlencode(params)}"
    return {key: items, "total": total, "total_exact": total_exact, "offset": offset, "limit": limit,
            "next": next_link}


def window(items: list[Any], offset: int, limit: int) -> list[Any]:
    return items[offset:offset + limit]


def iso_day(value: str | None, name: str) -> str | None:
    """A calendar day (YYYY-MM-DD) or None; anything else is a 422 naming the parameter."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value[:10] if len(value) > 10 and value[10] == "T" else value).isoformat()
    except ValueError:
        raise HTTPException(422, f"{name}: {value!r} is not a date (write it as YYYY-MM-DD)") from None
