"""Feed bytes to entries: RSS, Atom and RDF through feedparser, JSON Feed by hand.

XML is checked with defusedxml before feedparser sees it: a DOCTYPE that
declares entities (entity expansion, "billion laughs") or refers to external
ones (XXE) is refused with a :class:`HostileFeed` error.

A feed in an encoding the XML parsers cannot take (a declared label no codec
knows, UTF-16 or UTF-32 without a BOM) is decoded the way any document is
(:func:`storyline.ingest.decode.decode`: the evidence that can be trusted, then
detection) and handed on as UTF-8 with its declaration saying so; the check and
feedparser then read the very same bytes.  So is a feed with a character reference
to what is no character (a surrogate, ``&#xD800;``, or a number past U+10FFFF), each
such reference made ``&#xFFFD;`` (the replacement character): feedparser raised on
one and the whole feed was lost.  A feed in UTF-16 or UTF-32 always takes this way, and so
does one whose declared encoding is no codec's name as feedparser reads it
(``encoding="\0tf-8"``: feedparser raised ValueError on the NUL).
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
import feedparser

from storyline.ingest.decode import (
    charset_from_content_type,
    decode,
    known_charset,
    unmarked_utf,
)
from storyline.numbers import whole_number

_FEED_MEDIA = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
})
_XML_ROOT = re.compile(r"<(?:rss|feed|rdf:rdf|channel)[\s>]", re.I)  # channel: CDF
_HTML_ROOT = re.compile(r"<html[\s>]", re.I)
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_JSON_FEED = "https://jsonfeed.org/version/"
_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_BYTES_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_ANY_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([^"']*)["']""")
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_XML_DECLARED = re.compile(r"""^(\ufeff?\s*<\?xml[^>]{0,200}?encoding\s*=\s*["'])([^"']*)(["'])""", re.I)


class FeedError(Exception):
    """A feed that cannot be read; the message is what a user reads."""


class HostileFeed(FeedError):
    """XML built to attack the parser (entity expansion, external entities)."""


@dataclass(slots=True)
class FeedEntry:
    id: str | None
    link: str | None
    title: str | None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO date
    content: str | None = None  # HTML of the full content, when the feed has it
    summary: str | None = None  # HTML of the summary or description
    image: str | None = None  # media:content, media:thumbnail, an image enclosure or JSON Feed's image
    unreadable: str | None = None  # why the entry could not be read (then nothing else is set)


@dataclass(slots=True)
class FeedData:
    title: str | None
    site_url: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    ttl: int | None = None  # RSS <ttl>: minutes the feed may be cached


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _json_feed(content: bytes) -> dict[str, Any] | None:
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    try:
        data = json.loads(decode(content))
    except (json.JSONDecodeError, RecursionError):
        return None
    if isinstance(data, dict) and str(data.get("version", "")).startswith(_JSON_FEED):
        return data
    return None


def is_feed(content: bytes, content_type: str | None = None) -> bool:
    """True when ``content`` is an RSS, Atom, RDF or JSON feed (by content, then by type)."""
    head = decode(content[:4096])
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return _json_feed(content) is not None
    root = _XML_ROOT.search(head)
    page = _HTML_ROOT.search(head)
    if root and (page is None or root.start() < page.start()):
        return True
    return _media(content_type) in _FEED_MEDIA and page is None and stripped.startswith("<")


def _names_no_character(reference: re.Match[str] | re.Match[bytes]) -> bool:
    """True when a character reference (``&#xD800;``, ``&#1114112;``) names no character."""
    hexadecimal, decimal = reference.groups()
    number = hexadecimal or decimal
    digits = (number.decode("ascii") if isinstance(number, bytes) else number).lstrip("0")
    if len(digits) > 8:
        return True
    value = int(digits or "0", 16 if hexadecimal else 10)
    return 0xD800 <= value <= 0xDFFF or value > 0x10FFFF


def _no_character(reference: re.Match[str]) -> str:
    return "&#xFFFD;" if _names_no_character(reference) else reference.group(0)


def readable_xml(content: bytes, content_type: str | None = None) -> tuple[bytes, str | None]:
    """``content`` and its media type, as UTF-8 when the XML parsers could not read it as it is
    (see the module's docstring)."""
    transport = charset_from_content_type(content_type)
    declared = _ANY_XML_ENCODING.match(content[:4096])  # as feedparser reads it: any label, NUL and all
    label = declared.group(1).decode("latin-1") if declared else None
    if (unmarked_utf(content) is None and known_charset(label) and known_charset(transport)
            and not content.startswith(_WIDE_BOMS)
            and not any(_names_no_character(ref) for ref in _BYTES_REFERENCE.finditer(content))):
        return content, content_type
    text = decode(content, transport if known_charset(transport) else None).lstrip("\ufeff")
    text = _XML_DECLARED.sub(lambda m: f"{m.group(1)}utf-8{m.group(3)}", text, count=1)
    text = _REFERENCE.sub(_no_character, text)
    media = _media(content_type) or None
    return text.encode("utf-8", "replace"), media


def check_xml(content: bytes) -> None:
    """Raise :class:`HostileFeed` if ``content`` declares or references entities."""
    try:
        SafeET.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise HostileFeed(
                f"refused hostile XML: external entity {exc.name!r} ({exc.sysid or exc.pubid}), "
                "an XXE attempt"
            ) from None
        raise HostileFeed(
            f"refused hostile XML: the DOCTYPE declares entity {exc.name!r} "
            "(entity expansion, as in the 'billion laughs' attack)"
        ) from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise HostileFeed(f"refused hostile XML: external reference {exc.sysid!r} (XXE)") from None
    except defusedxml.DefusedXmlException as exc:
        raise HostileFeed(f"refused hostile XML: {exc}") from None
    except (ParseError, ValueError, LookupError):
        # Malformed XML (or an encoding expat cannot take) goes to feedparser's lenient parser, but never with entity declarations.
        if _ENTITY_DECL.search(decode(content)):
            raise HostileFeed("refused hostile XML: malformed document declaring entities") from None


def _iso_date(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"


_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")


def _as_html(value: str, media: str) -> str:
    """HTML for an entry's text; text without any markup is plain text, whatever the feed calls it
    (RSS descriptions are declared HTML, and are often plain text with entities)."""
    if "html" in media and _MARKUP.search(value):
        return value
    plain = html.unescape(value) if "html" in media else value
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", plain)]
    return "".join(f"<p>{html.escape(part)}</p>" for part in paragraphs if part)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _feedparser_entry(entry: Any) -> FeedEntry:
    content: str | None = None
    for part in entry.get("content") or []:
        value = part.get("value") or ""
        if value.strip() and len(value) > len(content or ""):
            content = _as_html(value, part.get("type", "text/html"))
    summary = entry.get("summary") or None
    if summary:
        summary = _as_html(summary, (entry.get("summary_detail") or {}).get("type", "text/html")) or None
    authors = [a.get("name", "").strip() for a in entry.get("authors") or [] if a.get("name", "").strip()]
    if not authors and _text(entry.get("author")):
        authors = [entry["author"].strip()]
    return FeedEntry(
        id=_text(entry.get("id")),
        link=_text(entry.get("link")),
        title=_text(entry.get("title")),
        authors=authors,
        published=_iso_date(entry.get("published_parsed") or entry.get("updated_parsed")),
        content=content,
        summary=summary,
        image=_entry_image(entry),
    )


def _entry_image(entry: Any) -> str | None:
    """The entry's picture: media:content (an image), media:thumbnail, then an image enclosure."""
    for media in entry.get("media_content") or []:
        kind = str(media.get("medium") or media.get("type") or "image")
        if _text(media.get("url")) and (kind == "image" or kind.startswith("image/")):
            return _text(media.get("url"))
    for thumbnail in entry.get("media_thumbnail") or []:
        if _text(thumbnail.get("url")):
            return _text(thumbnail.get("url"))
    for link in [*(entry.get("enclosures") or []), *(entry.get("links") or [])]:
        if str(link.get("type") or "").startswith("image/") and _text(link.get("href") or link.get("url")):
            return _text(link.get("href") or link.get("url"))
    return None


def _json_date(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


def _json_authors(item: dict[str, Any]) -> list[str]:
    raw = item.get("authors")
    if not isinstance(raw, list):
        raw = [item["author"]] if isinstance(item.get("author"), dict) else []
    return [a["name"].strip() for a in raw if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()]


def _json_entry(item: dict[str, Any]) -> FeedEntry:
    content = _text(item.get("content_html"))
    if content is None and _text(item.get("content_text")):
        content = _as_html(item["content_text"], "text/plain")
    summary = _text(item.get("summary"))
    item_id = item.get("id")
    return FeedEntry(
        id=str(item_id) if isinstance(item_id, str | int) else None,
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=_text(item.get("title")),
        authors=_json_authors(item),
        published=_json_date(item.get("date_published") or item.get("date_modified")),
        content=content,
        summary=_as_html(summary, "text/plain") if summary else None,
        image=_text(item.get("image")) or _text(item.get("banner_image")),
    )


def parse(content: bytes, url: str, content_type: str | None = None) -> FeedData:
    """Parse a feed; raises :class:`FeedError` (or :class:`HostileFeed`) when it cannot."""
    data = _json_feed(content)
    if data is not None:
        items = data.get("items")
        if not isinstance(items, list):
            raise FeedError("not a valid JSON Feed: 'items' is not a list")
        return FeedData(
            title=_text(data.get("title")),
            site_url=_text(data.get("home_page_url")),
            entries=_read_entries([item for item in items if isinstance(item, dict)], _json_entry),
        )
    content, content_type = readable_xml(content, content_type)
    check_xml(content)
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    # A file object, never bytes or str: feedparser treats strings as URLs or file names.
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    if not parsed.get("version") and not parsed.entries and not parsed.feed:
        reason = parsed.get("bozo_exception") or "no RSS, Atom or RDF content"
        raise FeedError(f"not a valid feed: {reason}")
    ttl = str(parsed.feed.get("ttl") or "").strip()
    return FeedData(
        title=_text(parsed.feed.get("title")),
        site_url=_text(parsed.feed.get("link")),
        entries=_read_entries(parsed.entries, _feedparser_entry),
        ttl=whole_number(ttl, max_digits=9),
    )


def _read_entries(items: list[Any], read: Callable[[Any], FeedEntry]) -> list[FeedEntry]:
    """Every entry read; one that ``read`` fails on stands in the list with the reason, the others go on."""
    entries = []
    for item in items:
        try:
            entries.append(read(item))
        except Exception as exc:  # an entry of a shape no reader expected: that entry only
            entries.append(FeedEntry(None, None, None, unreadable=f"{type(exc).__name__}: {exc}"))
    return entries
