"""Full-text search over articles, with filters, grouped by story.

The text index lives in the database: an FTS5 table on SQLite, a ``tsvector``
column on PostgreSQL (see migration 6).  Everything dialect-specific is in
:data:`DIALECTS`: how to join the index, match a query and rank.  The database
ranks the matches and cuts the page; only the page's articles are then read, and
their snippets cut here (:func:`snippet`).  Up to ``RANK_WINDOW`` matches are
ranked all together, best first; when more match, they are taken in tiers of
that many by arrival, newest tier first, each ranked within itself, so that a word
found in most of the archive costs what ranking ``RANK_WINDOW`` articles costs (and
recent articles come first, as a reader of news expects).  The total counts every match.  The rest (parsing the user's words,
filters, grouping) is shared.

Snippets come back with the matched words between ``MARK_START`` and
``MARK_END`` control characters, so a renderer can escape the text first and
only then turn the markers into ``<mark>`` elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# the SQL, the dialects and the snippets live with the store; named here for those who read search results
from storyline.store.search import (
    COUNT_LIMIT,
    DIALECTS,
    MARK_END,
    MARK_START,
    RANK_WINDOW,
    SNIPPET_SCAN,
    Dialect,
    Hit,
    match_expression,
    snippet,
)

__all__ = ["COUNT_LIMIT", "DIALECTS", "MARK_END", "MARK_START", "RANK_WINDOW", "SNIPPET_SCAN", "Dialect", "Hit", "SearchQuery",
           "SearchResults", "StoryGroup", "Term", "match_expression", "parse_terms", "search", "snippet"]

if TYPE_CHECKING:
    from storyline.store import Store

_TOKEN = re.compile(r'"([^"]+)"|([\w\'’-]+\*?)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[str, ...]  # one word, or several for a quoted phrase
    prefix: bool = False


@dataclass(slots=True)
class SearchQuery:
    """What the user asked: words and filters (all optional)."""

    q: str = ""
    person: str | None = None  # canonical entity id
    outlet: str | None = None  # publisher name
    story: str | None = None
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None
    limit: int = 100
    offset: int = 0

    def terms(self) -> list[Term]:
        return parse_terms(self.q)

    def is_empty(self) -> bool:
        return not (self.terms() or self.person or self.outlet or self.story or self.date_from or self.date_to)

    def to_dict(self) -> dict[str, Any]:
        return {"q": self.q, "person": self.person, "outlet": self.outlet, "story": self.story,
                "from": self.date_from, "to": self.date_to}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchQuery:
        return cls(q=data.get("q") or "", person=data.get("person") or None, outlet=data.get("outlet") or None,
                   story=data.get("story") or None, date_from=data.get("from") or None,
                   date_to=data.get("to") or None)


@dataclass(slots=True)
class StoryGroup:
    story_id: str | None  # None gathers articles not (yet) in a story
    title: str | None
    hits: list[Hit] = field(default_factory=list)


@dataclass(slots=True)
class SearchResults:
    query: SearchQuery
    total: int  # every match, or the store's count_limit when more match (then total_exact is False)
    groups: list[StoryGroup]
    total_exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.to_dict(),
            "total": self.total,
            "total_exact": self.total_exact,
            "offset": self.query.offset,
            "limit": self.query.limit,
            "groups": [
                {"story": {"id": g.story_id, "title": g.title} if g.story_id else None,
                 "articles": [{"id": h.article_id, "title": h.title, "headline": h.headline,
                               "publisher": h.publisher,
                               "published": h.published,
                               "snippet": h.snippet.replace(MARK_START, "").replace(MARK_END, "")}
                              for h in g.hits]}
                for g in self.groups
            ],
        }


def has_more(following: int, shown: int, limit: int, total: int, exact: bool = True) -> bool:
    """Whether a page of ``shown`` items (at most ``limit``) has a next one, starting at ``following``:
    while ``total`` is exact, when items remain from there; when it is a lower bound (a count that
    stopped at its limit: "10,000+"), when the page is full."""
    return shown > 0 and (following < total if exact else shown >= limit)


def parse_terms(text: str) -> list[Term]:
    """Words and "quoted phrases"; a trailing ``*`` asks for a prefix match."""
    terms: list[Term] = []
    for phrase, token in _TOKEN.findall(text or ""):
        words = tuple(_WORD.findall(phrase or token))
        if words:
            terms.append(Term(words, prefix=bool(token) and token.endswith("*") and len(words) == 1))
    return terms[:32]


def search(store: Store, query: SearchQuery) -> SearchResults:
    """Run ``query`` and group the matching articles by story, best story first."""
    if query.is_empty():
        return SearchResults(query, 0, [])
    hits = store.search_articles(query)
    groups: dict[str | None, StoryGroup] = {}
    for hit in hits:
        group = groups.get(hit.story_id)
        if group is None:
            group = groups[hit.story_id] = StoryGroup(hit.story_id, None)
        group.hits.append(hit)
    titles = store.story_titles([sid for sid in groups if sid])
    for group in groups.values():
        if group.story_id:
            group.title = titles.get(group.story_id)
    ordered = sorted(groups.values(), key=lambda g: g.story_id is None)  # stable: rank order kept
    short_page = len(hits) < query.limit and (hits or not query.offset)  # the last page: nothing more to count
    if short_page:
        return SearchResults(query, query.offset + len(hits), ordered)
    total = store.count_search(query)
    if total > store.count_limit:  # counted no further: "10,000+"
        return SearchResults(query, max(store.count_limit, query.offset + len(hits)), ordered, total_exact=False)
    return SearchResults(query, total, ordered)
