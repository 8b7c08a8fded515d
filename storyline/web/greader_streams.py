"""Google Reader streams, subscriptions and items as storyline offers them to mobile apps.

Subscriptions are of two kinds, each under a label (the apps' folders):

* every subscribed feed, ``feed/<its address>``, under ``Sources``; articles
  that came from no subscribed feed (files, pages, archives) are the
  subscription ``feed/storyline:other``, also under ``Sources``;
* whatever the user follows in storyline: a story (``feed/storyline:story:<id>``)
  or storyline (``feed/storyline:storyline:<id>``) under ``Stories``, a person,
  organisation or place (``feed/storyline:entity:<id>``) under ``People``,
  ``Organisations`` or ``Places``.  Its items are the articles in it.

An item is a canonical article; its origin is the feed it came from (or
``feed/storyline:other``).  Item ids are the article's number, as
``tag:google.com,2005:reader/item/<16 hex digits>`` or in decimal.  Titles are
plain text with ``&``, ``<`` and ``>`` replaced by their full-width forms (as
FreshRSS does: apps differ in whether they read titles as HTML); the content is
HTML built here from the article's text, every character of it escaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from storyline.numbers import whole_number
from storyline.store import Store
from storyline.store.reader import ItemScope
from storyline.stories.headline import article_headline
from storyline.web.ranking import parse_time

STATE = "user/-/state/com.google/"
READING_LIST = STATE + "reading-list"
READ = STATE + "read"
UNREAD = STATE + "kept-unread"
STARRED = STATE + "starred"
LABEL = "user/-/label/"
FEED = "feed/"
OWN = "storyline:"
OTHER = FEED + OWN + "other"
ITEM_PREFIX = "tag:google.com,2005:reader/item/"
SOURCES, STORIES = "Sources", "Stories"
ENTITY_LABELS = {"PERSON": "People", "ORG": "Organisations"}
PLACES = "Places"
_USER = re.compile(r"^user/[^/]+/")
_PARAGRAPH = re.compile(r"\n\s*\n")
_FULL_WIDTH = str.maketrans({"&": "＆", "<": "＜", ">": "＞"})


class UnknownStream(ValueError):
    """A stream id storyline does not offer."""


def normalise(stream_id: str) -> str:
    """``user/<anything>/…`` as ``user/-/…``: apps send either."""
    return _USER.sub("user/-/", stream_id.strip(), count=1)


def long_item_id(number: int) -> str:
    return f"{ITEM_PREFIX}{number:016x}"


def parse_item_id(value: str) -> int:
    """An item number from its long (hexadecimal) or short (decimal) form; ValueError when neither."""
    value = value.strip()
    if value.startswith(ITEM_PREFIX):
        digits = value[len(ITEM_PREFIX):]
        if not 0 < len(digits) <= 16:
            raise ValueError(f"not an item id: {value!r}")
        number = int(digits, 16)
    elif whole_number(value, max_digits=20) is not None:
        number = int(value)
    else:
        raise ValueError(f"not an item id: {value!r}")
    if number <= 0 or number >= 2**63:
        raise ValueError(f"not an item id: {value!r}")
    return number


def plain(value: Any) -> str:
    """Text for a title-like field: never markup, whatever the app makes of it."""
    return str(value or "").translate(_FULL_WIDTH).strip()


def usec(value: Any) -> int:
    moment = parse_time(value)
    return int(moment.timestamp() * 1_000_000) if moment else 0


def iso(seconds: int) -> str:
    """An epoch time in seconds as the store writes times (ISO 8601, UTC, whole seconds)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Subscription:
    id: str  # the stream id
    title: str
    label: str
    url: str  # the feed's address; storyline's own views: their Atom feed here
    html_url: str
    scope: ItemScope
    kind: str  # feed | other | story | storyline | entity
    target: str  # the feed's address or the followed id


def subscriptions(store: Store, user_id: str, base: str) -> list[Subscription]:
    """What the user is subscribed to: every feed, other articles, and what they follow."""
    names = store.stream_titles(user_id)
    found = []
    for feed in store.list_feeds():
        url = str(feed["url"])
        found.append(Subscription(FEED + url, str(feed.get("title") or url), str(feed.get("category") or SOURCES), url,
                                  str(feed.get("site_url") or url), ItemScope(feeds=(url,)), "feed", url))
    if store.has_unsubscribed_articles():
        found.append(Subscription(OTHER, "Other articles", SOURCES, f"{base}/sources", f"{base}/sources",
                                  ItemScope(other=True), "other", "other"))
    for follow in store.list_follows(user_id):
        subscription = followed(store, str(follow["kind"]), str(follow["target_id"]), base)
        if subscription is not None:
            found.append(subscription)
    for subscription in found:
        subscription.title = names.get(subscription.id) or subscription.title
    return found


def followed(store: Store, kind: str, target: str, base: str) -> Subscription | None:
    """A story, storyline or entity as a subscription; None when there is no such thing."""
    stream_id = f"{FEED}{OWN}{kind}:{target}"
    if kind == "story":
        story = store.get_story(target)
        if story is None:
            return None
        path = f"/stories/{quote(story.id, safe='')}"
        return Subscription(stream_id, story.title, STORIES, f"{base}{path}/feed.atom", base + path,
                            ItemScope(stories=(story.id,)), kind, target)
    if kind == "storyline":
        storyline = store.get_storyline(target)
        if storyline is None:
            return None
        path = f"/storylines/{quote(storyline.id, safe='')}"
        return Subscription(stream_id, storyline.title, STORIES, f"{base}{path}/feed.atom", base + path,
                            ItemScope(storylines=(storyline.id,)), kind, target)
    if kind == "entity":
        entity = store.get_entity(target)
        if entity is None:
            return None
        path = f"/entities/{quote(target, safe='')}"
        return Subscription(stream_id, str(entity["name"]), ENTITY_LABELS.get(str(entity.get("type")), PLACES),
                            f"{base}{path}/feed.atom", base + path, ItemScope(entities=(target,)), kind, target)
    return None


def own_stream(stream_id: str) -> tuple[str, str] | None:
    """(kind, id) of ``feed/storyline:<kind>:<id>``, or None for any other stream."""
    if not stream_id.startswith(FEED + OWN):
        return None
    kind, _, target = stream_id[len(FEED + OWN):].partition(":")
    return kind, target


@dataclass(slots=True)
class Stream:
    scope: ItemScope
    read: bool | None = None
    starred: bool | None = None


def resolve(store: Store, stream_id: str, subs: list[Subscription], base: str) -> Stream:
    """The items a stream id stands for; UnknownStream when storyline offers no such stream."""
    stream_id = normalise(stream_id)
    if stream_id in ("", READING_LIST):
        return Stream(ItemScope(everything=True))
    if stream_id == STARRED:
        return Stream(ItemScope(everything=True), starred=True)
    if stream_id == READ:
        return Stream(ItemScope(everything=True), read=True)
    if stream_id == UNREAD:
        return Stream(ItemScope(everything=True), read=False)
    if stream_id.startswith(LABEL):
        label = stream_id[len(LABEL):]
        scope = ItemScope()
        for subscription in subs:
            if subscription.label == label:
                scope = scope | subscription.scope
        return Stream(scope)
    for subscription in subs:
        if subscription.id == stream_id:
            return Stream(subscription.scope)
    own = own_stream(stream_id)
    if own is not None:
        if own == ("other", ""):
            return Stream(ItemScope(other=True))
        found = followed(store, own[0], own[1], base)
        if found is None:
            raise UnknownStream(stream_id)
        return Stream(found.scope)
    if stream_id.startswith(FEED) and len(stream_id) > len(FEED):
        return Stream(ItemScope(feeds=(stream_id[len(FEED):],)))
    raise UnknownStream(stream_id)


def content_html(row: dict[str, Any], base: str) -> str:
    """The article's text as HTML paragraphs, every character escaped, and a link to its story."""
    paragraphs = [p.strip() for p in _PARAGRAPH.split(str(row.get("body") or "")) if p.strip()]
    parts = ["<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>" for p in paragraphs]
    if row.get("story_id"):
        href = html.escape(f"{base}/stories/{quote(str(row['story_id']), safe='')}")
        parts.append(f'<p><a href="{href}">The story in storyline: {html.escape(str(row["story_title"] or ""))}'
                     "</a></p>")
    return "\n".join(parts)


def link(row: dict[str, Any], base: str) -> str:
    """The article's own address when it is a web address, else its page in storyline."""
    url = str(row.get("url") or "")
    if re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        return url
    return f"{base}/articles/{quote(str(row['id']), safe='')}"


def item_json(row: dict[str, Any], origin: Subscription | None, base: str) -> dict[str, Any]:
    """One item as the apps read it (the fields FreshRSS and Miniflux send)."""
    arrived = usec(row.get("arrived"))
    published = usec(row.get("published")) or arrived
    categories = [READING_LIST]
    if origin is not None:
        categories.append(LABEL + origin.label)
    if row.get("is_read"):
        categories.append(READ)
    if row.get("starred"):
        categories.append(STARRED)
    href = link(row, base)
    body = {"direction": "ltr", "content": content_html(row, base)}
    return {
        "id": long_item_id(int(row["number"])),
        "crawlTimeMsec": str(arrived // 1000),
        "timestampUsec": str(arrived),
        "published": published // 1_000_000,
        "updated": (usec(row.get("updated_at")) or arrived) // 1_000_000,
        "title": plain(article_headline(row.get("title"), str(row.get("body") or ""))),
        "canonical": [{"href": href}],
        "alternate": [{"href": href, "type": "text/html"}],
        "categories": categories,
        "origin": {"streamId": origin.id if origin else OTHER, "title": plain(origin.title if origin else ""),
                   "htmlUrl": origin.html_url if origin else f"{base}/"},
        "summary": body,
        "content": body,
        "author": plain(", ".join(str(a) for a in row.get("authors") or []) or row.get("publisher")),
        "enclosure": [],
    }
