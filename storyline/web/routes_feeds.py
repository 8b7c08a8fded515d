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
from storyline.web.site import Site
from storyline.web.views import CANDIDATES

ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"


def _story_entries(store: Store, stories: list[Story], base: str) -> list[FeedEntry]:
    return story_entries(stories, base, store.story_update_times([s.id for s in stories if not s.last_updated]))


def _respond(feed: Feed, kind: str) -> Response:
    if kind == "atom":
        return Response(atom(feed), media_type=ATOM_TYPE)
    return Response(json_feed_bytes(feed), media_type=JSON_FEED_TYPE)


def feed_routes(site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store = site.store

    def serve(path: str, build: Callable[[Request, str, str], Feed | None]) -> None:
        for kind in ("atom", "json"):
            def handler(request: Request, key: str = "", kind: str = kind) -> Response:
                base = site.base(request)
                feed = build(request, base, key)
                if feed is None:
                    return site.error(request, 404, "There is no such feed.")
                return _respond(feed, kind)
            router.add_api_route(f"{path}/feed.{kind}", handler, methods=["GET"])

    def make(base: str, path: str, key: str, title: str, subtitle: str, entries: list[FeedEntry]) -> Feed:
        return Feed(key=key, title=title, subtitle=subtitle, home_url=f"{base}{path or '/'}",
                    atom_url=f"{base}{path}/feed.atom", json_url=f"{base}{path}/feed.json", entries=entries)

    def top(request: Request, base: str, _: str) -> Feed:
        ranked = rank_top_stories(store.list_stories(limit=CANDIDATES), limit=30)
        return make(base, "", "top", f"{site.site_title}: top stories",
                    "The stories covered most, and most widely, now.",
                    _story_entries(store, [story for story, _ in ranked], base))

    def story(request: Request, base: str, story_id: str) -> Feed | None:
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
        entries = [FeedEntry(key=f"article:{a['id']}", title=a.get("title") or (a.get("lead") or "")[:90],
                             url=f"{base}/articles/{a['id']}", updated=when(a) or written,
                             published=a.get("published"), summary=a.get("lead") or "",
                             authors=list(a.get("authors") or [])) for a in articles]
        return make(base, f"/stories/{found.id}", f"story:{found.id}", found.title, found.summary, entries)

    def storyline(request: Request, base: str, storyline_id: str) -> Feed | None:
        found = store.get_storyline(storyline_id)
        if found is None:
            return None
        stories = store.list_stories(limit=200, storyline_id=found.id)
        return make(base, f"/storylines/{found.id}", f"storyline:{found.id}", found.title,
                    f"Stories in the storyline {found.title}", _story_entries(store, stories, base))

    def entity(request: Request, base: str, entity_id: str) -> Feed | None:
        found = store.get_entity(entity_id)
        if found is None:
            return None
        stories = store.entity_stories(entity_id, limit=50)
        return make(base, f"/entities/{entity_id}", f"entity:{entity_id}", f"{found['name']} in the news",
                    f"Stories about {found['name']}", _story_entries(store, [Story.from_dict(s) for s in stories], base))

    def saved(request: Request, base: str, search_id: str) -> Feed | None:
        found = store.get_saved_search(search_id)
        if found is None or found["user_id"] != site.viewer(request).user_id:  # its owner's (session, token, ?key=)
            return None
        results = search(store, SearchQuery.from_dict(found["query"]))
        hits = [hit for group in results.groups for hit in group.hits]
        hits.sort(key=lambda h: h.published or "", reverse=True)
        entries = [FeedEntry(key=f"article:{h.article_id}", title=h.title or h.snippet[:90],
                             url=f"{base}/articles/{h.article_id}", updated=h.published, published=h.published,
                             summary=h.snippet.replace("\x02", "").replace("\x03", "")) for h in hits]
        feed = make(base, f"/searches/{search_id}", f"search:{search_id}", f"Search: {found['name']}",
                    f"Articles matching {found['name']}", entries)
        key = request.query_params.get("key")
        if key:  # the feed's own address keeps the key that opened it
            feed.atom_url, feed.json_url = f"{feed.atom_url}?key={quote(key)}", f"{feed.json_url}?key={quote(key)}"
        return feed

    serve("", top)
    serve("/stories/{key}", story)
    serve("/storylines/{key}", storyline)
    serve("/entities/{key}", entity)
    serve("/searches/{key}", saved)
    return router
