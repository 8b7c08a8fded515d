"""Feeds out: Atom (RFC 4287) and JSON Feed 1.1 from one list of entries.

Atom is written with ElementTree, so every value is escaped; characters that
XML cannot carry at all are dropped first.  Times are RFC 3339 in UTC.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from storyline.stories.types import Story
from storyline.web.ranking import parse_time

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
TAG_AUTHORITY = "storyline.local,2024"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(slots=True)
class FeedEntry:
    key: str  # stable, e.g. "story:abc123"
    title: str
    url: str  # absolute
    updated: str | None
    summary: str = ""
    published: str | None = None
    authors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Feed:
    key: str
    title: str
    home_url: str  # absolute HTML page
    atom_url: str
    json_url: str
    subtitle: str = ""
    entries: list[FeedEntry] = field(default_factory=list)


def story_entries(stories: list[Story], base: str, written: dict[str, str]) -> list[FeedEntry]:
    """An entry per story: updated on the last day of its coverage, published on the first
    (both inferred when no article is dated).  An undated story has no publication day, and
    its ``updated`` is when the store last rewrote it (``written``, by id): Atom requires
    one, and that is never a day the news is said to have happened."""
    return [FeedEntry(key=f"story:{story.id}", title=story.title, url=f"{base}/stories/{story.id}",
                      updated=story.last_updated or written.get(story.id), published=story.first_seen,
                      summary=story.summary) for story in stories]


def tag_uri(key: str) -> str:
    """A permanent id (RFC 4151) that does not change with the server's address."""
    return f"tag:{TAG_AUTHORITY}:{key}"


def rfc3339(value: str | None, fallback: datetime | None = None) -> str:
    moment = parse_time(value) or fallback or datetime(1970, 1, 1, tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _updated(feed: Feed) -> str:
    moments = [parse_time(e.updated) for e in feed.entries]
    known = [m for m in moments if m is not None]
    return rfc3339(None, max(known) if known else None)


def atom(feed: Feed) -> bytes:
    """The feed as an Atom document (UTF-8 bytes with an XML declaration)."""
    root = Element("feed", xmlns=ATOM_NS)
    SubElement(root, "id").text = tag_uri(feed.key)
    SubElement(root, "title").text = _clean(feed.title)
    if feed.subtitle:
        SubElement(root, "subtitle").text = _clean(feed.subtitle)
    SubElement(root, "updated").text = _updated(feed)
    SubElement(root, "link", rel="self", type="application/atom+xml", href=feed.atom_url)
    SubElement(root, "link", rel="alternate", type="text/html", href=feed.home_url)
    SubElement(SubElement(root, "author"), "name").text = "storyline"
    SubElement(root, "generator").text = "storyline"
    for entry in feed.entries:
        node = SubElement(root, "entry")
        SubElement(node, "id").text = tag_uri(entry.key)
        SubElement(node, "title").text = _clean(entry.title or "(untitled)")
        SubElement(node, "updated").text = rfc3339(entry.updated)
        if entry.published:
            SubElement(node, "published").text = rfc3339(entry.published)
        SubElement(node, "link", rel="alternate", type="text/html", href=entry.url)
        for name in entry.authors:
            SubElement(SubElement(node, "author"), "name").text = _clean(name)
        if entry.summary:
            SubElement(node, "summary", type="text").text = _clean(entry.summary)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def json_feed(feed: Feed) -> dict[str, Any]:
    """The feed as a JSON Feed 1.1 object."""
    items = []
    for entry in feed.entries:
        item: dict[str, Any] = {"id": tag_uri(entry.key), "url": entry.url, "title": entry.title,
                                "content_text": entry.summary or entry.title,
                                "date_modified": rfc3339(entry.updated)}
        if entry.summary:
            item["summary"] = entry.summary
        if entry.published:
            item["date_published"] = rfc3339(entry.published)
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        items.append(item)
    return {"version": JSON_FEED_VERSION, "title": feed.title, "home_page_url": feed.home_url,
            "feed_url": feed.json_url, "description": feed.subtitle or feed.title,
            "authors": [{"name": "storyline"}], "items": items}


def json_feed_bytes(feed: Feed) -> bytes:
    return json.dumps(json_feed(feed), ensure_ascii=False, indent=1).encode("utf-8")
