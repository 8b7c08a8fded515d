"""A lead image address that is safe to show: absolute http(s), no credentials, no scripts.

Pages give their picture in ``og:image``/``twitter:image`` (read by trafilatura), feeds in
``media:content``, ``media:thumbnail``, image enclosures or JSON Feed's ``image``.  The
address may be relative to the page; anything that is not an http(s) URL is dropped.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

MAX_LENGTH = 2000


def lead_image(value: object, base: str | None = None) -> str | None:
    """``value`` as an absolute http(s) image address, or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    address = value.strip()
    if not address or len(address) > MAX_LENGTH or any(c.isspace() or ord(c) < 32 for c in address):
        return None
    if base and not urlsplit(address).scheme:
        address = urljoin(base, address)
    parts = urlsplit(address)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return address
