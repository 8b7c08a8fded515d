"""OPML subscription lists: read (nested outlines, safe XML) and write, keeping folders.

A feed's folder is its category: the titles of the outlines it sits in, joined with "/"
("News/World"), or else its ``category`` attribute.  Writing nests the feeds in folder
outlines again, so export then import keeps them, as Miniflux and FreshRSS do.
"""

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
    category: str | None = None  # the folder, "News/World" when nested


def _attr(element: Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.lower() == name.lower() and value.strip():
            return value.strip()
    return None


def read_opml(text: str) -> list[OutlineFeed]:
    """Every feed (an outline with ``xmlUrl``) at any depth, in document order, without repeats,
    with the folder it is in."""
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

    def visit(element: Element, folders: tuple[str, ...]) -> None:
        for outline in element:
            if not isinstance(outline.tag, str):
                continue
            if outline.tag.lower() != "outline":
                visit(outline, folders)  # <body>, or anything wrapping outlines
                continue
            url = _attr(outline, "xmlUrl")
            if url is None:
                name = _attr(outline, "title") or _attr(outline, "text")
                visit(outline, (*folders, _folder_name(name)) if name else folders)
                continue
            if url not in seen:
                seen.add(url)
                feeds.append(_feed(outline, url, folders))

    visit(root, ())
    return feeds


def _folder_name(name: str) -> str:
    return " ".join(name.replace("/", "-").split())


def _feed(outline: Element, url: str, folders: tuple[str, ...]) -> OutlineFeed:
    title = _attr(outline, "title") or _attr(outline, "text")
    if title == url:
        title = None  # an untitled feed written with its address as text
    category = "/".join(folders) or None
    if category is None and _attr(outline, "category"):
        first = str(_attr(outline, "category")).split(",")[0]
        category = "/".join(_folder_name(part) for part in first.split("/") if part.strip()) or None
    return OutlineFeed(url=url, title=title, site_url=_attr(outline, "htmlUrl"), category=category)


def write_opml(feeds: Iterable[OutlineFeed], title: str = "storyline subscriptions") -> str:
    """An OPML 2.0 document listing ``feeds``, in folder outlines for their categories."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    body = SubElement(root, "body")
    folders: dict[tuple[str, ...], Element] = {(): body}

    def folder(path: tuple[str, ...]) -> Element:
        if path not in folders:
            parent = folder(path[:-1])
            folders[path] = SubElement(parent, "outline", {"text": path[-1], "title": path[-1]})
        return folders[path]

    for feed in feeds:
        path = tuple(part for part in (feed.category or "").split("/") if part.strip())
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        SubElement(folder(path), "outline", attrs)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
