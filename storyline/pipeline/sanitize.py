"""The decode stage's rule for text: every string that goes on is text a parser and a database take.

JSON may carry what UTF-8 cannot (a lone surrogate such as ``"\\ud800"`` is valid
JSON): it becomes U+FFFD, the mark of text that was damaged on the way.  Text may
also carry control characters that no reader wants and that some databases refuse
(NUL): they are dropped, as Miniflux's sanitizer drops them.  This runs before any
offset into the text exists.  Tabs, line breaks and form feeds stay, as do format
characters such as bidirectional marks (they belong to right-to-left text).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from storyline.article import RawDocument

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 and C1 controls but tab, line feed, form feed, carriage return (and NEL, a line break)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f]")


def sanitize_text(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD and without control characters (but tab and line breaks)."""
    return _CONTROLS.sub("", _SURROGATES.sub(REPLACEMENT, text))


def _sanitized(value: Any) -> Any:
    if isinstance(value, str):
        return sanitize_text(value)
    if isinstance(value, list):
        return [_sanitized(item) for item in value]
    if isinstance(value, dict):
        return {key: _sanitized(item) for key, item in value.items()}
    return value


def sanitize_document(doc: RawDocument) -> RawDocument:
    """``doc`` with its source, collection, text, HTML, URL and given metadata sanitized (see
    :func:`sanitize_text`).  A source is a file name or an address from the input: a feed
    entry's link ``"\ud800"`` (valid in a JSON Feed), a file name of bytes that are no UTF-8
    (which Python reads as lone surrogates) could not be stored."""
    return replace(
        doc,
        source=sanitize_text(doc.source),
        collection=sanitize_text(doc.collection) if doc.collection is not None else None,
        text=sanitize_text(doc.text) if doc.text is not None else None,
        html=sanitize_text(doc.html) if doc.html is not None else None,
        url=sanitize_text(doc.url) if doc.url is not None else None,
        given=_sanitized(doc.given),
    )
