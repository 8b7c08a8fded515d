"""Atom and JSON Feed 1.1 for top stories, each story, storyline, person and saved search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from storyline.search import SearchQuery, search
from storyline.store import Store
from storyline.stories.types import Story
from storyline.web.feeds_out import Feed, FeedEntry, atom, json_feed_bytes, story_entries
from storyline.web.ranking import rank_top_stories
from storyline.web.site import Site, SiteDep
from storyline.web.views import CANDIDATES

ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"


def _story_entries(store: Store, stories: list[Story], base: str) -> list[FeedEntry]:
    return story_entries(stories, base, store.story_update_times([s.id for s in stories if not s.last_updated]))


def _respond(feed: Feed, kind: str) -> Response:
    if kind == "atom":
        return Response(atom(feed), media_type=ATOM_TYPE)
    return Response(json_feed_bytes(feed), media_type=JSON_FEED_TYPE)


Builder = Callable[[Site, Request, str, str], Feed | None]
router = APIRouter(include_in_schema=False)


def _make(base: str, path: str, key: str, title: str, subtitle: str, entries: list[FeedEntry]) -> Feed:
    return Feed(key=key, title=title, subtitle=subtitle, home_url=f"{base}{path or '/'}",
                atom_url=f"{base}{path}/feed.atom", json_url=f"{base}{path}/feed.json", entries=entries)


def _serve(site: Site, request: Request, build: Builder, key: str) -> Response:
    """The feed ``build`` makes, as Atom or JSON Feed by the address's suffix; 404 when there is none."""
    feed = build(site, request, site.base(request), key)
    if feed is None:
        return site.error(request, 404, "There is no such feed.")
    return _respond(feed, "atom" if request.url.path.endswith(".atom") else "json")


def top_feed(site: Site, request: Request, base: str, _: str) -> Feed:
    ranked = rank_top_stories(site.store.list_stories(limit=CANDIDATES), limit=30)
    return _make(base, "", "top", f"{site.site_title}: top stories",
                 "The stories covered most, and most widely, now.",
                 _story_entries(site.store, [story for story, _ in ranked], base))


def story_feed(site: Site, request: Request, base: str, story_id: str) -> Feed | None:
    store = site.store
    found = store.get_story(story_id)
    if found is None:
        return None
    # each article once (its copies are not entries of their own); an undated one is
    # placed by its inferred day, else by when the store last rewrote the story
    summaries = store.article_summaries(found.articles)
    written = store.story_update_times([found.id]).get(found.id)

    def when(article: dict[str, Any]) -> str | None:
        placed = found.placed.get(article["id"])
        return article.get("published") or (placed["to"] if placed else None)

    articles = sorted(summaries.values(), key=lambda a: when(a) or "", reverse=True)
    entries = [FeedEntry(key=f"article:{a['id']}", title=a["headline"],
                         url=f"{base}/articles/{a['id']}", updated=when(a) or written,
                         published=a.get("published"), summary=a.get("lead") or "",
                         authors=list(a.get("authors") or [])) for a in articles]
    return _make(base, f"/stories/{found.id}", f"story:{found.id}", found.title, found.summary, entries)


def storyline_feed(site: Site, request: Request, base: str, storyline_id: str) -> Feed | None:
    found = site.store.get_storyline(storyline_id)
    if found is None:
        return None
    stories = site.store.list_stories(limit=200, storyline_id=found.id)
    return _make(base, f"/storylines/{found.id}", f"storyline:{found.id}", found.title,
                 f"Stories in the storyline {found.title}", _story_entries(site.store, stories, base))


def entity_feed(site: Site, request: Request, base: str, entity_id: str) -> Feed | None:
    found = site.store.get_entity(entity_id)
    if found is None:
        return None
    stories = [Story.from_dict(s) for s in site.store.entity_stories(entity_id, limit=50)]
    return _make(base, f"/entities/{entity_id}", f"entity:{entity_id}", f"{found['name']} in the news",
                 f"Stories about {found['name']}", _story_entries(site.store, stories, base))


def saved_search_feed(site: Site, request: Request, base: str, search_id: str) -> Feed | None:
    found = site.store.get_saved_search(search_id)
    if found is None or found["user_id"] != site.viewer(request).user_id:  # its owner's (session, token, ?key=)
        return None
    results = search(site.store, SearchQuery.from_dict(found["query"]))
    hits = [hit for group in results.groups for hit in group.hits]
    hits.sort(key=lambda h: h.published or "", reverse=True)
    entries = [FeedEntry(key=f"article:{h.article_id}", title=h.headline,
                         url=f"{base}/articles/{h.article_id}", updated=h.published, published=h.published,
                         summary=h.snippet.replace("\x02", "").replace("\x03", "")) for h in hits]
    feed = _make(base, f"/searches/{search_id}", f"search:{search_id}", f"Search: {found['name']}",
                 f"Articles matching {found['name']}", entries)
    key = request.query_params.get("key")
    if key:  # the feed's own address keeps the key that opened it
        feed.atom_url, feed.json_url = f"{feed.atom_url}?key={quote(key)}", f"{feed.json_url}?key={quote(key)}"
    return feed


@router.get("/feed.atom")
@router.get("/feed.json")
def top(site: SiteDep, request: Request) -> Response:
    return _serve(site, request, top_feed, "")


@router.get("/stories/{key}/feed.atom")
@router.get("/stories/{key}/feed.json")
def story(site: SiteDep, request: Request, key: str) -> Response:
    return _serve(site, request, story_feed, key)


@router.get("/storylines/{key}/feed.atom")
@router.get("/storylines/{key}/feed.json")
def storyline(site: SiteDep, request: Request, key: str) -> Response:
    return _serve(site, request, storyline_feed, key)


@router.get("/entities/{key}/feed.atom")
@router.get("/entities/{key}/feed.json")
def entity(site: SiteDep, request: Request, key: str) -> Response:
    return _serve(site, request, entity_feed, key)


@router.get("/searches/{key}/feed.atom")
@router.get("/searches/{key}/feed.json")
def saved_search(site: SiteDep, request: Request, key: str) -> Response:
    return _serve(site, request, saved_search_feed, key)


def feed_routes(site: Site) -> APIRouter:
    """The feed routes (module-level handlers that find the site through ``request.app.state.site``)."""
    return router
