"""Alerts on developments in the web reader and the REST API: webhooks, alert switches, the
delivery log, and an Atom/JSON feed of each followed thing's developments."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from storyline.ingest.fetch import FetchError, check_public_url
from storyline.ingest.options import IngestOptions
from storyline.store import Store
from storyline.store.reader import FOLLOW_KINDS
from storyline.web.feeds_out import Feed, FeedEntry, atom, json_feed_bytes
from storyline.web.paging import OffsetQuery, page
from storyline.web.site import Site, SiteDep, local_path, redirect

ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"


class WebhookIn(BaseModel):
    url: str = Field(max_length=2000, description="Where developments are POSTed (http or https)")


class AlertIn(BaseModel):
    alert: bool = Field(description="Send this follow's developments to your webhooks")


def checked_webhook_url(url: str) -> str:
    """``url`` if a webhook may be sent there (http(s), a public address unless allowed), else a 400."""
    url = url.strip()
    try:
        check_public_url(url, IngestOptions.from_settings())
    except FetchError as exc:
        raise HTTPException(400, f"that webhook address cannot be used: {exc.reason}") from None
    return url


def alert_state(store: Store, user_id: str) -> dict[str, Any]:
    """What the account page shows about alerts: webhooks (with their secrets), the delivery log."""
    hooks = store.list_webhooks(user_id)
    return {"webhooks": [{k: h[k] for k in ("id", "url", "secret", "created_at")} for h in hooks],
            "deliveries": store.list_deliveries(user_id, limit=20)}


def developments_feed(store: Store, kind: str, target_id: str, base: str, title: str) -> Feed:
    path = f"/developments/{kind}/{target_id}"
    articles = store.developments(kind, target_id, limit=50, newest_first=True)
    summaries = store.article_summaries([str(a["id"]) for a in articles])
    entries = [FeedEntry(key=f"article:{a['id']}", title=a["headline"],
                         url=f"{base}/articles/{a['id']}", updated=a["published"], published=a["published"],
                         summary=(summaries.get(a["id"], {}).get("lead") or ""),
                         authors=list(summaries.get(a["id"], {}).get("authors") or []))
               for a in articles]
    return Feed(key=f"developments:{kind}:{target_id}", title=f"New in: {title}",
                subtitle=f"Articles as they arrive about {title}", home_url=f"{base}{_page_of(kind, target_id)}",
                atom_url=f"{base}{path}/feed.atom", json_url=f"{base}{path}/feed.json", entries=entries)


def _page_of(kind: str, target_id: str) -> str:
    return {"story": "/stories/", "storyline": "/storylines/", "entity": "/entities/"}[kind] + target_id


def _title_of(store: Store, kind: str, target_id: str) -> str | None:
    if kind == "story":
        story = store.get_story(target_id)
        return story.title if story else None
    if kind == "storyline":
        line = store.get_storyline(target_id)
        return line.title if line else None
    entity = store.get_entity(target_id)
    return str(entity["name"]) if entity else None


def _developments(site: Site, request: Request, kind: str, target_id: str, suffix: str) -> Response:
    """A followed thing's developments as Atom or JSON Feed; 404 when there is no such thing."""
    title = _title_of(site.store, kind, target_id) if kind in FOLLOW_KINDS else None
    if title is None:
        return site.error(request, 404, "There is no such feed.")
    built = developments_feed(site.store, kind, target_id, site.base(request), title)
    if suffix == "atom":
        return Response(atom(built), media_type=ATOM_TYPE)
    return Response(json_feed_bytes(built), media_type=JSON_FEED_TYPE)


router = APIRouter()


# -- forms ----------------------------------------------------------------------------------


@router.post("/account/webhooks", include_in_schema=False)
async def add_webhook_form(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    viewer = site.auth.writer(request, form)
    url = checked_webhook_url(str(form.get("url") or ""))
    try:
        site.store.add_webhook(str(viewer.user_id), url, site.base(request) or str(request.base_url))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return redirect("/account#alerts")


@router.post("/account/webhooks/{webhook_id}/delete", include_in_schema=False)
async def delete_webhook_form(site: SiteDep, request: Request, webhook_id: str) -> Response:
    viewer = site.auth.writer(request, await request.form())
    site.store.delete_webhook(str(viewer.user_id), webhook_id)
    return redirect("/account#alerts")


@router.post("/alerts", include_in_schema=False)
async def alert_form(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    viewer = site.auth.writer(request, form)
    kind, target = str(form.get("kind") or ""), str(form.get("id") or "")
    if kind not in FOLLOW_KINDS or not site.store.set_alert(str(viewer.user_id), kind, target, form.get("on") == "1"):
        raise HTTPException(404, "you do not follow that")
    return redirect(local_path(str(form.get("next") or ""), "/for-you"))

# -- REST -----------------------------------------------------------------------------------


@router.get("/api/webhooks", tags=["alerts"], summary="Your webhooks (with their signing secrets)")
def list_webhooks(site: SiteDep, request: Request, limit: int = Query(50, ge=1, le=100),
                  offset: int = OffsetQuery) -> dict[str, Any]:
    viewer = site.viewer(request)
    if viewer.user_id is None:
        raise HTTPException(401, "sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})
    hooks = alert_state(site.store, viewer.user_id)["webhooks"]
    return page(request, "webhooks", hooks[offset:offset + limit], total=len(hooks), offset=offset, limit=limit)


@router.post("/api/webhooks", tags=["alerts"], status_code=201, summary="Add a webhook",
             description="Developments of follows with their alert on are POSTed here as JSON, signed in "
                         "`X-Storyline-Signature-256: sha256=<HMAC-SHA256 of the body with the secret>`. "
                         "Private and loopback addresses are refused (as for feeds).")
def add_webhook(site: SiteDep, request: Request, hook: WebhookIn) -> dict[str, Any]:
    viewer = site.auth.writer(request)
    url = checked_webhook_url(hook.url)
    try:
        made = site.store.add_webhook(str(viewer.user_id), url, site.base(request) or str(request.base_url))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return {k: made[k] for k in ("id", "url", "secret", "created_at")}


@router.delete("/api/webhooks/{webhook_id}", tags=["alerts"], summary="Remove a webhook and its deliveries")
def delete_webhook(site: SiteDep, request: Request, webhook_id: str) -> dict[str, Any]:
    viewer = site.auth.writer(request)
    if not site.store.delete_webhook(str(viewer.user_id), webhook_id):
        raise HTTPException(404, "no such webhook")
    return {"id": webhook_id, "removed": True}


@router.get("/api/deliveries", tags=["alerts"], summary="Your webhook delivery log, newest first")
def deliveries(site: SiteDep, request: Request, limit: int = Query(20, ge=1, le=50),
               offset: int = OffsetQuery) -> dict[str, Any]:
    viewer = site.viewer(request)
    if viewer.user_id is None:
        raise HTTPException(401, "sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})
    found = site.store.list_deliveries(viewer.user_id, limit=limit, offset=offset)
    return page(request, "deliveries", found, total=site.store.count_deliveries(viewer.user_id), offset=offset,
                limit=limit)


@router.put("/api/follows/{kind}/{target_id}/alert", tags=["alerts"],
            summary="Turn the alert on a follow on or off")
def set_alert(site: SiteDep, request: Request, kind: Literal["entity", "story", "storyline"], target_id: str,
              body: AlertIn) -> dict[str, Any]:
    viewer = site.auth.writer(request)
    if not site.store.set_alert(str(viewer.user_id), kind, target_id, body.alert):
        raise HTTPException(404, "not followed")
    return {"kind": kind, "id": target_id, "alert": body.alert}

# -- feeds of developments ------------------------------------------------------------------


@router.get("/developments/{kind}/{target_id}/feed.atom", include_in_schema=False)
def developments_atom(site: SiteDep, request: Request, kind: str, target_id: str) -> Response:
    return _developments(site, request, kind, target_id, "atom")


@router.get("/developments/{kind}/{target_id}/feed.json", include_in_schema=False)
def developments_json(site: SiteDep, request: Request, kind: str, target_id: str) -> Response:
    return _developments(site, request, kind, target_id, "json")


def alert_routes(site: Site) -> APIRouter:
    """The routes (module-level handlers that find the site through ``request.app.state.site``)."""
    return router
