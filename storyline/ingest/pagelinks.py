"""Links an HTML page declares in its head: canonical URL and advertised feeds."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from storyline.urls import http_address

FEED_TYPES = frozenset({
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
})
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.I)
_MAX_SCAN = 512 * 1024


class _HeadLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: str | None = None
        self.og_url: str | None = None
        self.feeds: list[tuple[str, str]] = []  # (href, type)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        if tag == "link":
            rel = set(values.get("rel", "").lower().split())
            href = values.get("href", "")
            if not href:
                return
            if "canonical" in rel and self.canonical is None:
                self.canonical = href
            kind = values.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rel and kind in FEED_TYPES:
                self.feeds.append((href, kind))
        elif tag == "meta":
            prop = (values.get("property") or values.get("name") or "").lower()
            if prop == "og:url" and self.og_url is None and values.get("content"):
                self.og_url = values["content"]


def _scan(html: str) -> _HeadLinks:
    end = _HEAD_END.search(html, 0, _MAX_SCAN)
    parser = _HeadLinks()
    try:
        parser.feed(html[: end.start() if end else _MAX_SCAN])
        parser.close()
    except AssertionError:  # html.parser gives up on a marked section it does not know ("<![ame["):
        pass  # the links read before it stand, and the page is read all the same
    return parser


def _absolute(href: str, base_url: str | None) -> str | None:
    return http_address(href, base_url)


def canonical_url(html: str, base_url: str | None = None) -> str | None:
    """The page's ``<link rel=canonical>``, else its ``og:url``, made absolute."""
    links = _scan(html)
    for href in (links.canonical, links.og_url):
        if href:
            url = _absolute(href, base_url)
            if url:
                return url
    return None


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with ``<link rel="alternate" type=...>``, in page order."""
    found: list[str] = []
    for href, _kind in _scan(html).feeds:
        url = _absolute(href, base_url)
        if url and url not in found:
            found.append(url)
    return found
