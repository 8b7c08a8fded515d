"""Web addresses read from inputs, split and joined without ever raising.

``urllib.parse`` raises ``ValueError`` for some addresses a page or a record may hold:
an unclosed IPv6 bracket (``http://[::1``), brackets around what is no IPv6 address
(``http://[1:2:3:4:5:6:7:8:9]/``), a host with characters that NFKC turns into
``/?#@``, a port out of range.  Such an address is no address: here it is None, and
whoever asked goes on as without one (a page without its canonical link, an article
without its lead image), never fails the item.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urljoin, urlsplit


def split(address: str) -> SplitResult | None:
    """``address`` split into its parts, or None when it cannot be read as an address."""
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018  (read to check: a port out of range raises)
    except ValueError:
        return None
    return parts


def join(base: str | None, href: str) -> str | None:
    """``href`` made absolute against ``base`` (as it is without a base), or None when either cannot be read."""
    if not base:
        return href if split(href) is not None else None
    if split(base) is None:
        base = None
    try:
        joined = urljoin(base, href) if base else href
    except ValueError:
        return None
    return joined if split(joined) is not None else None


def http_address(value: object, base: str | None = None) -> str | None:
    """``value`` as an absolute http(s) address with a host (relative ones made so against ``base``),
    or None when it cannot be one."""
    if not isinstance(value, str) or not value.strip():
        return None
    address = join(base, value.strip())
    parts = split(address) if address else None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return address


def host(address: str) -> str:
    """The host of ``address`` (one without a scheme is taken for ``host/path``), lower case; "" if none."""
    parts = split(address if "//" in address else f"//{address}")
    return (parts.hostname or "") if parts is not None else ""
