"""A lead image address that is safe to show: absolute http(s), no credentials, no scripts.

Pages give their picture in ``og:image``/``twitter:image`` (read by trafilatura), feeds in
``media:content``, ``media:thumbnail``, image enclosures or JSON Feed's ``image``.  The
address may be relative to the page; anything that is not an http(s) URL is dropped, and so
is an address that cannot be read as one (:mod:`storyline.urls`).
"""

from __future__ import annotations

from storyline.urls import http_address, split

MAX_LENGTH = 2000


def lead_image(value: object, base: str | None = None) -> str | None:
    """``value`` as an absolute http(s) image address, or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    address = value.strip()
    if not address or len(address) > MAX_LENGTH or any(c.isspace() or ord(c) < 32 for c in address):
        return None
    found = http_address(address, base)
    parts = split(found) if found else None
    if parts is None or parts.username or parts.password:
        return None
    return found
