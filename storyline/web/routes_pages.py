"""The reader's pages, each with its JSON twin at the same path plus ``.json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from storyline.article import Article
from storyline.numbers import whole_number
from storyline.search import SearchQuery, has_more
from storyline.stories.types import Story, Storyline
from storyline.web import views
from storyline.web.article_page import entity_groups, with_images
from storyline.web.auth import Viewer
from storyline.web.page_cache import PageCache
from storyline.web.paging import iso_day
from storyline.web.recent_reads import RecentReads
from storyline.web.site import FeedLink, Site, SiteDep, redirect, with_suffix


def _feeds(base: str, title: str) -> list[FeedLink]:
    return [FeedLink(title, f"{base}/feed.atom", f"{base}/feed.json")]


PAGE_SIZE = 30  # stories on a front page, articles on a search page
PAGES = PageCache()  # story and storyline documents and views, while the stories stay the same
READS = RecentReads()  # a reader's reads, written once per page in a short window


def _offset(request: Request) -> int:
    value = request.query_params.get("offset", "0")
    offset = whole_number(value)
    if offset is None or offset > 1_000_000:
        raise HTTPException(422, f"offset: {value!r} is not a whole number from 0")
    return offset


def search_query(request: Request, limit: int = PAGE_SIZE) -> SearchQuery:
    """The search a page's address asks for; a date that is not a date is a 422."""
    params = request.query_params
    return SearchQuery(
        q=params.get("q", "")[:500], person=params.get("person") or None, outlet=params.get("outlet") or None,
        story=params.get("story") or None, date_from=iso_day(params.get("from"), "from"),
        date_to=iso_day(params.get("to"), "to"), limit=limit, offset=_offset(request),
    )


def import_report(request: Request) -> dict[str, int] | None:
    """What an OPML import just did, as its redirect to the Sources page says."""
    params = request.query_params
    if whole_number(params.get("imported")) is None:
        return None
    return {key: whole_number(params.get(key)) or 0 for key in ("imported", "added", "folders", "ignored")}


def more_link(request: Request, offset: int, shown: int, total: int, *, exact: bool = True,
              limit: int = 0) -> str | None:
    """The address of the next page (same filters, offset moved on), or None on the last page
    (see :func:`storyline.search.has_more`: ``exact`` False when ``total`` is a lower bound)."""
    if not has_more(offset + shown, shown, limit, total, exact):
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    return f"{request.url.path}?{urlencode([*params, ('offset', str(offset + shown))])}"


router = APIRouter(include_in_schema=False)


@router.get("/")
@router.get("/index.json")
def top_stories(site: SiteDep, request: Request) -> Response:
    offset = _offset(request)
    ranked = views.top_stories(site.store, limit=views.CANDIDATES)
    shown = ranked["stories"][offset:offset + PAGE_SIZE]
    if site.shows_images(request):
        shown = with_images(shown, site.store.story_images([str(s["id"]) for s in shown]))
    data = {"stories": shown, "storylines": ranked["storylines"], "total": len(ranked["stories"]),
            "offset": offset, "next": more_link(request, offset, len(shown), len(ranked["stories"]))}
    return site.page(request, site.viewer(request), "index.html", data,
                     title="Top stories" if not offset else f"Top stories from {offset + 1}",
                     feeds=[FeedLink("Top stories", "/feed.atom", "/feed.json")])


Thread = TypeVar("Thread", Story, Storyline)
_THREAD_PATHS = {"story": "/stories", "storyline": "/storylines"}


def _thread(site: Site, request: Request, kind: str, thread_id: str, get: Callable[[str], Thread | None],
            view: Callable[[Any, Thread], dict[str, Any]]) -> tuple[Thread, dict[str, Any], Viewer, bool] | Response:
    """A story's or storyline's kept view by id, the viewer and whether they follow it; or the
    page that answers instead: 404 for an unknown id, a permanent redirect for a merged one."""
    def read() -> tuple[Thread | None, dict[str, Any] | None]:
        found = get(thread_id)
        return found, view(site.store, found) if found and found.id == thread_id else None

    found, data = PAGES.get(site.store, (kind, thread_id), read)
    if found is None:
        return site.error(request, 404, f"There is no {kind} {thread_id!r}.")
    if found.id != thread_id or data is None:
        return RedirectResponse(with_suffix(request, f"{_THREAD_PATHS[kind]}/{found.id}"), status_code=301)
    viewer = site.viewer(request)
    following = bool(viewer.user_id) and site.store.is_following(str(viewer.user_id), kind, thread_id)
    return found, data, viewer, following


@router.get("/stories/{story_id}")
@router.get("/stories/{story_id}.json")
def story(site: SiteDep, request: Request, story_id: str) -> Response:
    shown = _thread(site, request, "story", story_id, site.store.get_story, views.story_view)
    if isinstance(shown, Response):
        return shown
    found, data, viewer, following = shown
    if viewer.user_id and not request.url.path.endswith(".json"):
        READS.record(site.store, viewer.user_id, "story", story_id)
    image = site.store.story_images([story_id]).get(story_id) if site.shows_images(request) else None
    return site.page(request, viewer, "story.html", data, title=found.title,
                     extra={"chart": views.story_chart(found), "following": following, "image": image},
                     feeds=_feeds(f"/stories/{story_id}", f"Story: {found.title}"))


@router.get("/storylines/{storyline_id}")
@router.get("/storylines/{storyline_id}.json")
def storyline(site: SiteDep, request: Request, storyline_id: str) -> Response:
    shown = _thread(site, request, "storyline", storyline_id, site.store.get_storyline, views.storyline_view)
    if isinstance(shown, Response):
        return shown
    found, data, viewer, following = shown
    return site.page(request, viewer, "storyline.html", data,
                     title=found.title, extra={"following": following},
                     feeds=_feeds(f"/storylines/{storyline_id}", f"Storyline: {found.title}"))


@router.get("/entities/{entity_id}")
@router.get("/entities/{entity_id}.json")
def entity(site: SiteDep, request: Request, entity_id: str) -> Response:
    found = site.store.get_entity(entity_id)
    if found is None:
        return site.error(request, 404, f"There is no person, organisation or place {entity_id!r}.")
    viewer = site.viewer(request)
    following = bool(viewer.user_id) and site.store.is_following(str(viewer.user_id), "entity", entity_id)
    data = PAGES.get(site.store, ("entity", entity_id), lambda: views.entity_view(site.store, found))
    return site.page(request, viewer, "entity.html", data, title=found["name"],
                     extra={"following": following},
                     feeds=_feeds(f"/entities/{entity_id}", f"{found['name']} in the news"))


@router.get("/articles/{article_id}")
@router.get("/articles/{article_id}.json")
def article(site: SiteDep, request: Request, article_id: str) -> Response:
    found = site.store.get_article(article_id)
    if found is None:
        return site.error(request, 404, f"There is no article {article_id!r}.")
    if found.id != article_id:
        return RedirectResponse(with_suffix(request, f"/articles/{found.id}"), status_code=301)
    viewer = site.viewer(request)
    if viewer.user_id and not request.url.path.endswith(".json"):
        READS.record(site.store, viewer.user_id, "article", found.id)
    data, body, groups = PAGES.get(site.store, ("article", found.id), lambda: _article_view(site, found))
    return site.page(request, viewer, "article.html", data, title=data["article"]["headline"],
                     extra={"body_html": body, "entity_groups": groups,
                            "image": found.image if site.shows_images(request) else None})


def _article_view(site: Site, found: Article) -> tuple[dict[str, Any], Any, list[Any]]:
    """The article page's data, its highlighted body and its entities by heading."""
    data, body = views.article_view(site.store, found)
    return data, body, entity_groups(data["entities"])


@router.get("/search")
@router.get("/search.json")
def search(site: SiteDep, request: Request) -> Response:
    query = search_query(request)
    viewer = site.viewer(request)
    data, extra = _results(site, request, query)
    return site.page(request, viewer, "search.html", data, extra=extra,
                     title=f"Search: {query.q}" if query.q else "Search")


def _results(site: Site, request: Request, query: SearchQuery) -> tuple[dict[str, Any], dict[str, Any]]:
    """A search page's data, with its next page's address, and what the template adds (the hits by story)."""
    data, groups = views.search_page(site.store, query)
    shown = sum(len(group["hits"]) for group in groups)
    data["next"] = more_link(request, query.offset, shown, int(data["total"]), exact=bool(data["total_exact"]),
                             limit=query.limit)
    return data, {"groups": groups, "q": query, "shown": shown}


@router.get("/searches/{search_id}")
@router.get("/searches/{search_id}.json")
def saved_search(site: SiteDep, request: Request, search_id: str) -> Response:
    found = site.store.get_saved_search(search_id)
    viewer = site.viewer(request)
    if found is None or viewer.user_id is None or found["user_id"] != viewer.user_id:  # only its owner's
        return site.error(request, 404, "There is no such saved search.")
    query = SearchQuery.from_dict(found["query"])
    query.limit, query.offset = PAGE_SIZE, _offset(request)
    data, extra = _results(site, request, query)
    data["saved"] = {"id": found["id"], "name": found["name"]}
    key = f"?key={site.auth.feed_key(viewer.user_id)}"  # a feed reader fetches it without the session
    feeds = [FeedLink(f"Search: {found['name']}", f"/searches/{search_id}/feed.atom{key}",
                      f"/searches/{search_id}/feed.json{key}")]
    return site.page(request, viewer, "search.html", data, extra=extra, title=found["name"], feeds=feeds)


@router.get("/for-you")
@router.get("/for-you.json")
def for_you(site: SiteDep, request: Request) -> Response:
    viewer = site.viewer(request)
    if viewer.user_id is None:
        if request.url.path.endswith(".json"):
            return site.error(request, 401, "sign in to see stories picked for you")
        return redirect("/login?next=/for-you")
    data = views.for_you(site.store, viewer.user_id)
    data["saved_searches"] = [{"id": s["id"], "name": s["name"], "query": s["query"]}
                              for s in site.store.list_saved_searches(viewer.user_id)]
    return site.page(request, viewer, "for_you.html", data, title="For you")


@router.get("/sources")
@router.get("/sources.json")
def sources(site: SiteDep, request: Request) -> Response:
    return site.page(request, site.viewer(request), "sources.html", views.sources(site.store), title="Sources",
                     extra={"import_report": import_report(request)})


def page_routes(site: Site) -> APIRouter:
    """The routes (module-level handlers that find the site through ``request.app.state.site``)."""
    return router
