"""OPML subscription lists: read (nested outlines, safe XML) and write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

import defusedxml
import defusedxml.ElementTree as SafeET


class OPMLError(ValueError):
    """An OPML document that cannot be read; the message is what a user reads."""


@dataclass(frozen=True, slots=True)
class OutlineFeed:
    url: str
    title: str | None = None
    site_url: str | None = None


def _attr(element: Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.lower() == name.lower() and value.strip():
            return value.strip()
    return None


def read_opml(text: str) -> list[OutlineFeed]:
    """Every feed (an outline with ``xmlUrl``) at any depth, in document order, without repeats."""
    try:
        root = SafeET.fromstring(text)
    except defusedxml.DefusedXmlException as exc:
        raise OPMLError(f"refused hostile XML in OPML: {exc}") from None
    except ParseError as exc:
        raise OPMLError(f"not valid OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise OPMLError(f"not valid OPML: the root element is <{root.tag}>")
    feeds: list[OutlineFeed] = []
    seen: set[str] = set()
    for outline in root.iter():
        if not isinstance(outline.tag, str) or outline.tag.lower() != "outline":
            continue
        url = _attr(outline, "xmlUrl")
        if url is None or url in seen:
            continue
        seen.add(url)
        title = _attr(outline, "title") or _attr(outline, "text")
        feeds.append(OutlineFeed(url=url, title=title, site_url=_attr(outline, "htmlUrl")))
    return feeds


def write_opml(feeds: Iterable[OutlineFeed], title: str = "storyline subscriptions") -> str:
    """An OPML 2.0 document listing ``feeds`` as flat outlines."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    body = SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        SubElement(body, "outline", attrs)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
