"""Whole numbers read from outside: headers, feeds, archives, query strings.

``str.isdigit`` is true for superscripts and other digits that ``int`` refuses
("²", "⑤"), so ``int(text) if text.isdigit() else ...`` raises on them: a feed's
``<ttl>²</ttl>`` lost the whole feed, ``?offset=²`` answered 500.  A number from
outside is ASCII digits, no more of them than ``max_digits``; anything else is no number.
"""

from __future__ import annotations


def whole_number(text: str | None, max_digits: int = 18) -> int | None:
    """``text`` as a whole number from 0 when it is nothing but ASCII digits (at most
    ``max_digits`` of them), else None."""
    if text and text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None
