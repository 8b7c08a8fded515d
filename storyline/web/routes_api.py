"""The REST API under ``/api`` (documented at ``/api/docs``): reading and writing.

Writes need an API token (``Authorization: Bearer …``) or, from a signed-in
or local browser, the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from storyline.article import Failure, RawDocument
from storyline.ingest.jsonl import parse_line
from storyline.pipeline import Pipeline
from storyline.pipeline import ingest as ingest_items
from storyline.search import SearchQuery
from storyline.store.reader import FOLLOW_KINDS
from storyline.web import views
from storyline.web.paging import OffsetQuery, iso_day, page, window
from storyline.web.site import Site, SiteDep

MAX_INGEST_BYTES = 20 * 1024 * 1024
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")


class FollowIn(BaseModel):
    kind: Literal["entity", "story", "storyline"]
    id: str = Field(min_length=1, max_length=200)
    alert: bool | None = Field(default=None, description="Also send its developments to your webhooks")


class FeedIn(BaseModel):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    title: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200, description='Folder, e.g. "News/World"')


class IngestIn(BaseModel):
    urls: list[str] = Field(default_factory=list, description="Page or feed URLs (http or https) to fetch and ingest.")
    articles: list[dict[str, Any]] = Field(
        default_factory=list, description="Article records as in JSONL input (text or html, title, url, published, ...).")


def web_address(item: str) -> str:
    """``item`` when it is an http(s) address; else 422: the API never reads the server's files."""
    url = item.strip()
    try:
        parts = urlsplit(url) if len(url) <= 2000 and url.isprintable() and " " not in url else None
        host = parts.hostname if parts else None
    except ValueError:  # e.g. an unclosed [IPv6 bracket
        parts = host = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
        raise HTTPException(422, f"not an http(s) address: {item[:200]!r}; the API ingests web addresses and"
                                 " uploaded bodies only, never paths or file: URLs")
    return url


def _upload(name: str, data: bytes, content_type: str) -> list[RawDocument | Failure]:
    """An uploaded file: JSON Lines (one article record a line), HTML, or plain text."""
    text = data.decode("utf-8", errors="replace")
    source = f"api:{name[:200]}" if name else "api"
    if name.lower().endswith((".jsonl", ".ndjson")) or content_type.startswith(JSONL_TYPES):
        lines = [line for line in text.splitlines() if line.strip()]
        return [parse_line(line, f"{source}:{i + 1}", "api") for i, line in enumerate(lines)]
    if not text.strip():
        return [Failure(source, "empty")]
    if name.lower().endswith((".html", ".htm")) or content_type.startswith(("text/html", "application/xhtml")):
        return [RawDocument(source=source, kind="html", html=text, collection="api")]
    return [RawDocument(source=source, kind="text", text=text, collection="api")]


async def _documents(request: Request) -> tuple[list[str], list[RawDocument | Failure]]:
    """Web addresses and documents from a request: JSON, JSON Lines, a multipart upload, or one URL a line.

    Nothing here opens a file or a ``file:`` URL: every address must be http(s) (else 422).
    """
    content_type = request.headers.get("content-type", "text/plain").lower()
    if content_type.startswith("multipart/form-data"):
        urls, items = [], []
        async with request.form(max_files=100, max_fields=100) as form:  # closes the spooled uploads
            for key, value in form.multi_items():
                if isinstance(value, str):
                    urls += [web_address(line) for line in value.splitlines() if key == "url" and line.strip()]
                else:
                    data = await value.read(MAX_INGEST_BYTES + 1)
                    if len(data) > MAX_INGEST_BYTES:
                        raise HTTPException(413, "upload too large")
                    items += _upload(value.filename or key, data, value.content_type or "")
        return urls, items
    body = await request.body()
    if len(body) > MAX_INGEST_BYTES:
        raise HTTPException(413, "request too large")
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            payload = IngestIn.model_validate(json.loads(text))
        except (ValueError, TypeError) as exc:
            raise HTTPException(422, f"not a valid ingest request: {exc}") from None
        items = [parse_line(json.dumps(record), f"api:{i + 1}", "api") for i, record in enumerate(payload.articles)]
        return [web_address(url) for url in payload.urls], items
    if content_type.startswith(JSONL_TYPES):
        return [], _upload("", body, content_type)
    urls = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [web_address(url) for url in urls], []


router = APIRouter(prefix="/api")


@router.get("/me", tags=["account"], summary="Who the request is made as",
            description="No CSRF token here: a browser finds it in the server's own forms; scripts send an"
                        " API token (`Authorization: Bearer …`) and need none.")
def me(site: SiteDep, request: Request) -> dict[str, Any]:
    viewer = site.viewer(request)
    return {"user": viewer.public(), "via": viewer.via}


@router.get("/stories", tags=["read"], summary="Top stories, ranked by coverage and recency")
def stories(site: SiteDep, request: Request, limit: int = Query(30, ge=1, le=200),
            offset: int = OffsetQuery) -> dict[str, Any]:
    ranked = views.top_stories(site.store, limit=views.CANDIDATES)
    listed = page(request, "stories", window(ranked["stories"], offset, limit), total=len(ranked["stories"]),
                  offset=offset, limit=limit)
    return listed | {"storylines": ranked["storylines"]}


@router.get("/stories/{story_id}", tags=["read"], summary="One story (merged ids resolve to the survivor)")
def story(site: SiteDep, story_id: str) -> dict[str, Any]:
    found = site.store.get_story(story_id)
    if found is None:
        raise HTTPException(404, f"no story {story_id!r}")
    return views.story_view(site.store, found)


@router.get("/storylines", tags=["read"], summary="Storylines, newest first")
def storylines(site: SiteDep, request: Request, limit: int = Query(50, ge=1, le=500),
               offset: int = OffsetQuery) -> dict[str, Any]:
    found = [line.to_dict() for line in window(site.store.list_storylines(limit=offset + limit), offset, limit)]
    return page(request, "storylines", found, total=site.store.count_storylines(), offset=offset, limit=limit)


@router.get("/articles", tags=["read"], summary="Articles, newest first, with filters",
            description="Duplicates are left out (each article once). Filter by outlet (`source`), "
                        "publication day (`from`, `to`, inclusive), a person or organisation (`person`, an "
                        "entity id) or a story (`story`).")
def articles(
    site: SiteDep,
    request: Request,
    source: str | None = Query(None, max_length=300, description="Outlet (publisher) name, any case"),
    person: str | None = Query(None, max_length=200, description="Entity id of a person or organisation"),
    story: str | None = Query(None, max_length=200, description="Story id"),
    date_from: str | None = Query(None, alias="from", description="Published on or after (YYYY-MM-DD)"),
    date_to: str | None = Query(None, alias="to", description="Published on or before (YYYY-MM-DD)"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = OffsetQuery,
) -> dict[str, Any]:
    query = SearchQuery(outlet=source, person=person, story=story, date_from=iso_day(date_from, "from"),
                        date_to=iso_day(date_to, "to"), limit=limit, offset=offset)
    hits = site.store.search_articles(query)
    items = [{"id": h.article_id, "title": h.title, "headline": h.headline, "publisher": h.publisher, "published": h.published,
              "story_id": h.story_id, "excerpt": h.snippet, "href": f"/api/articles/{h.article_id}"}
             for h in hits]
    total = offset + len(items) if 0 < len(items) < limit else site.store.count_search(query)
    limit_counted = site.store.count_limit
    exact = total <= limit_counted  # else counted no further: a lower bound
    return page(request, "articles", items, total=total if exact else max(limit_counted, offset + len(items)),
                offset=offset, limit=limit, total_exact=exact)


@router.get("/storylines/{storyline_id}", tags=["read"], summary="One storyline with its stories")
def storyline(site: SiteDep, storyline_id: str) -> dict[str, Any]:
    found = site.store.get_storyline(storyline_id)
    if found is None:
        raise HTTPException(404, f"no storyline {storyline_id!r}")
    return views.storyline_view(site.store, found)


@router.get("/articles/{article_id}", tags=["read"], summary="One article with entities and quotes")
def article(site: SiteDep, article_id: str) -> dict[str, Any]:
    found = site.store.get_article(article_id)
    if found is None:
        raise HTTPException(404, f"no article {article_id!r}")
    data, _ = views.article_view(site.store, found)
    return data


@router.get("/entities/{entity_id}", tags=["read"], summary="A person, organisation or place")
def entity(site: SiteDep, entity_id: str) -> dict[str, Any]:
    found = site.store.get_entity(entity_id)
    if found is None:
        raise HTTPException(404, f"no entity {entity_id!r}")
    return views.entity_view(site.store, found)


@router.get("/search", tags=["read"], summary="Full-text search with filters, grouped by story",
            description="`total` counts every matching article up to 10,000 (`total_exact` is false past it);"
                        " `next` links to the following page.")
def search(site: SiteDep, request: Request, q: str = "", person: str | None = None, outlet: str | None = None,
           story: str | None = None,
           date_from: str | None = Query(None, alias="from", description="Published on or after (YYYY-MM-DD)"),
           date_to: str | None = Query(None, alias="to", description="Published on or before (YYYY-MM-DD)"),
           limit: int = Query(100, ge=1, le=500), offset: int = OffsetQuery) -> dict[str, Any]:
    query = SearchQuery(q=q[:500], person=person, outlet=outlet, story=story,
                        date_from=iso_day(date_from, "from"), date_to=iso_day(date_to, "to"), limit=limit,
                        offset=offset)
    data = views.search_view(site.store, query)
    shown = sum(len(group["articles"]) for group in data["groups"])
    paged = page(request, "groups", data["groups"], total=data["total"], offset=offset, limit=limit,
                 total_exact=data["total_exact"], shown=shown)
    return data | paged


@router.get("/follows", tags=["follows"], summary="What the caller follows",
            description="Each item has the `kind` and `id` that `POST /api/follows` takes, and a name.")
def follows(site: SiteDep, request: Request, limit: int = Query(100, ge=1, le=1000),
            offset: int = OffsetQuery) -> dict[str, Any]:
    viewer = site.viewer(request)
    if viewer.user_id is None:
        raise HTTPException(401, "sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})
    listed = [{key: f[key] for key in ("kind", "id", "name", "href", "label", "alert", "feed")}
              for f in views.profile_of(site.store, viewer.user_id)[1]]
    return page(request, "follows", window(listed, offset, limit), total=len(listed), offset=offset,
                limit=limit)


@router.post("/follows", tags=["follows"], status_code=201, summary="Follow an entity, story or storyline")
def follow(site: SiteDep, request: Request, item: FollowIn) -> dict[str, Any]:
    viewer = site.auth.writer(request)
    added = site.store.follow(str(viewer.user_id), item.kind, item.id)
    if item.alert is not None:
        site.store.set_alert(str(viewer.user_id), item.kind, item.id, item.alert)
    return {"kind": item.kind, "id": item.id, "added": added, "alert": item.alert}


@router.delete("/follows/{kind}/{target_id}", tags=["follows"], summary="Stop following")
def unfollow(site: SiteDep, request: Request, kind: str, target_id: str) -> dict[str, Any]:
    viewer = site.auth.writer(request)
    if kind not in FOLLOW_KINDS:
        raise HTTPException(400, f"kind is one of {', '.join(FOLLOW_KINDS)}")
    if not site.store.unfollow(str(viewer.user_id), kind, target_id):
        raise HTTPException(404, "not followed")
    return {"kind": kind, "id": target_id, "removed": True}


@router.get("/for-you", tags=["follows"], summary="Stories ranked for the caller")
def for_you(site: SiteDep, request: Request, limit: int = Query(30, ge=1, le=200),
            offset: int = OffsetQuery) -> dict[str, Any]:
    viewer = site.viewer(request)
    if viewer.user_id is None:
        raise HTTPException(401, "sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})
    ranked = views.for_you(site.store, viewer.user_id, limit=views.CANDIDATES)
    listed = page(request, "stories", window(ranked["stories"], offset, limit), total=len(ranked["stories"]),
                  offset=offset, limit=limit)
    return listed | {"follows": ranked["follows"]}


@router.get("/feeds", tags=["feeds"], summary="Subscribed feeds and their health")
def feeds(site: SiteDep, request: Request, limit: int = Query(100, ge=1, le=1000),
          offset: int = OffsetQuery) -> dict[str, Any]:
    listed = list(views.sources(site.store)["feeds"])
    return page(request, "feeds", window(listed, offset, limit), total=len(listed), offset=offset, limit=limit)


@router.post("/feeds", tags=["feeds"], status_code=201, summary="Subscribe to a feed")
def add_feed(site: SiteDep, request: Request, feed: FeedIn) -> dict[str, Any]:
    site.auth.writer(request, admin=True)
    return {"url": feed.url, "added": site.store.add_feed(feed.url, feed.title, category=feed.category or None)}


@router.delete("/feeds", tags=["feeds"], summary="Unsubscribe from a feed")
def remove_feed(site: SiteDep, request: Request,
                url: str = Query(..., description="The feed's address")) -> dict[str, Any]:
    site.auth.writer(request, admin=True)
    if not site.store.remove_feed(url):
        raise HTTPException(404, f"not subscribed: {url}")
    return {"url": url, "removed": True}


def run_pipeline(site: Site, urls: list[str], documents: list[RawDocument | Failure]) -> dict[str, Any]:
    """Ingest URLs and documents with the site's pipeline (built once, one request at a time)."""
    outcomes: list[dict[str, Any]] = []
    with site.extra.setdefault("ingest_lock", threading.Lock()):
        pipeline = site.extra.get("ingest_pipeline")
        if not isinstance(pipeline, Pipeline):
            pipeline = site.extra["ingest_pipeline"] = site.pipeline_factory(site.store)
        summary = ingest_items(site.store, urls, items=documents, pipeline=pipeline,
                               on_outcome=lambda outcome: outcomes.append(outcome.to_dict()))
    return {"summary": summary.to_dict(), "outcomes": outcomes}


@router.post(
    "/ingest", tags=["ingest"], summary="Ingest articles",
    description="Send JSON (`{\"urls\": [...], \"articles\": [{...}]}`), JSON Lines "
                "(`application/x-ndjson`, one article record a line), a multipart upload (files: JSON Lines,"
                " HTML or text; `url` fields) or plain text (one URL a line). Addresses must be http(s):"
                " paths, `~/...` and `file:` URLs are refused with 422 and nothing is read. "
                "Runs the ingest pipeline and answers with its summary and per-item outcomes.",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": IngestIn.model_json_schema()},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "url": {"type": "string"}}}},
        "text/plain": {"schema": {"type": "string"}},
    }}},
)
async def ingest(site: SiteDep, request: Request) -> dict[str, Any]:
    site.auth.writer(request, admin=True)
    urls, documents = await _documents(request)
    return await run_in_threadpool(run_pipeline, site, urls, documents)


def api_routes(site: Site) -> APIRouter:
    """The routes (module-level handlers that find the site through ``request.app.state.site``)."""
    return router
