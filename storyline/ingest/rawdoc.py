"""Bytes of one document to a :class:`RawDocument`, or the reason it is not one."""

from __future__ import annotations

from typing import Any

from storyline.article import Failure, RawDocument
from storyline.ingest.decode import binary_kind, decode, looks_like_html
from storyline.ingest.pagelinks import canonical_url


def too_large(size: int, limit: int) -> str:
    return f"too large: {size} bytes, limit is {limit} bytes"


def document_from_bytes(
    data: bytes,
    source: str,
    *,
    declared_charset: str | None = None,
    url: str | None = None,
    kind: str | None = None,
    given: dict[str, Any] | None = None,
    collection: str | None = None,
) -> RawDocument | Failure:
    """Decode ``data`` into a text or HTML document.

    ``kind`` forces ``"text"`` or ``"html"``; when None the content decides.
    For HTML, ``url`` becomes the page's canonical URL when it declares one.
    """
    binary = binary_kind(data)
    if binary is not None:
        return Failure(source, f"binary file ({binary}), not text")
    text = decode(data, declared_charset)
    if not text.strip():
        return Failure(source, "empty")
    is_html = kind == "html" or (kind is None and looks_like_html(text))
    if is_html:
        return RawDocument(
            source=source,
            kind="html",
            html=text,
            url=canonical_url(text, url) or url,
            given=dict(given or {}),
            collection=collection,
        )
    return RawDocument(
        source=source, kind="text", text=text, url=url, given=dict(given or {}), collection=collection
    )
