"""Forms that change things: signing in, following, sources, saved searches, API tokens.

Every POST goes through :meth:`Auth.writer`, which checks the CSRF token and
that someone allowed to write is asking; then it redirects (303) back.  Signing
in and up check the CSRF token and the origin themselves (nobody is signed in
yet); sign-up follows the server's policy (closed, invite, open) and never
makes an administrator.  The handlers are module-level functions that take the
:class:`~storyline.web.site.Site` (``SiteDep``), so each can be called on its own.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from storyline.ingest.opml import OPMLError, OutlineFeed, read_opml, write_opml
from storyline.search import SearchQuery
from storyline.store.reader import FOLLOW_KINDS
from storyline.web.auth import Throttled, Viewer
from storyline.web.routes_alerts import alert_state
from storyline.web.site import Site, SiteDep, local_path, redirect

MAX_OPML_BYTES = 2 * 1024 * 1024

router = APIRouter(include_in_schema=False)


def _field(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value.strip() if isinstance(value, str) else ""


# -- accounts -----------------------------------------------------------------


def login_form(site: Site, request: Request, viewer: Viewer, target: str, error: str | None = None,
               status: int = 200) -> Response:
    """The sign-in (and sign-up) page, with ``error`` said above the form."""
    auth = site.auth
    return site.page(request, viewer, "login.html",
                     {"next": target, "error": error, "may_sign_up": auth.may_sign_up(),
                      "invite_only": auth.signup == "invite", "has_accounts": auth.has_accounts()},
                     title="Sign in", status=status)


def account_data(site: Site, viewer: Viewer) -> dict[str, object]:
    """What the account page shows: the user, their API tokens, saved searches, webhooks and deliveries."""
    assert viewer.user_id is not None
    store = site.store
    return {"user": viewer.public(), "tokens": store.list_api_tokens(viewer.user_id),
            "saved_searches": store.list_saved_searches(viewer.user_id), **alert_state(store, viewer.user_id)}


@router.get("/login")
def login_page(site: SiteDep, request: Request) -> Response:
    return login_form(site, request, site.viewer(request), local_path(request.query_params.get("next")))


@router.post("/login")
async def login(site: SiteDep, request: Request) -> Response:
    auth = site.auth
    form = await request.form()
    auth.check_origin(request)
    viewer = site.viewer(request)
    if not auth.multi_user:
        raise HTTPException(404, "this server runs in local mode: there is nothing to sign in to")
    auth.check_csrf(request, viewer, form)
    target = local_path(_field(form, "next"))
    response = redirect(target)
    try:
        if auth.sign_in(_field(form, "name"), str(form.get("password") or ""), request, response):
            return response
    except Throttled as exc:
        page = login_form(site, request, viewer, target, f"Too many failed sign-ins: try again in {exc.retry_after}"
                          " seconds.", status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return login_form(site, request, viewer, target, "Wrong name or password.", status=400)


@router.post("/signup")
async def signup(site: SiteDep, request: Request) -> Response:
    auth = site.auth
    form = await request.form()
    if not auth.may_sign_up():
        raise HTTPException(403, "sign-up is closed on this server")
    auth.check_origin(request)
    viewer = site.viewer(request)
    auth.check_csrf(request, viewer, form)
    name, password = _field(form, "name"), str(form.get("password") or "")
    try:
        auth.sign_up(name, password, _field(form, "invite") or None)
    except ValueError as exc:
        return login_form(site, request, viewer, "/", str(exc), status=400)
    response = redirect("/")
    auth.sign_in(name, password, request, response)
    return response


@router.post("/logout")
async def logout(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    site.auth.writer(request, form)
    response = redirect("/")
    site.auth.sign_out(request, response)
    return response


@router.get("/account")
@router.get("/account.json")
def account(site: SiteDep, request: Request) -> Response:
    viewer = site.viewer(request)
    if viewer.user_id is None:
        return redirect("/login?next=/account")
    return site.page(request, viewer, "account.html", account_data(site, viewer), extra={"new_token": None},
                     title="Account")


@router.post("/account/tokens")
async def create_token(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    viewer = site.auth.writer(request, form)
    assert viewer.user_id is not None
    token = site.auth.issue_api_token(viewer.user_id, _field(form, "name")[:80])
    response = site.page(request, viewer, "account.html", account_data(site, viewer), extra={"new_token": token},
                         title="Account")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(site: SiteDep, request: Request, token_id: str) -> Response:
    viewer = site.auth.writer(request, await request.form())
    site.store.delete_api_token(str(viewer.user_id), token_id)
    return redirect("/account")


# -- following ----------------------------------------------------------------


@router.post("/follow")
@router.post("/unfollow")
async def follow(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    viewer = site.auth.writer(request, form)
    kind, target = _field(form, "kind"), _field(form, "id")
    if kind not in FOLLOW_KINDS or not target:
        raise HTTPException(400, f"follow what? kind is one of {', '.join(FOLLOW_KINDS)}")
    if request.url.path == "/follow":
        site.store.follow(str(viewer.user_id), kind, target)
    else:
        site.store.unfollow(str(viewer.user_id), kind, target)
    return redirect(local_path(_field(form, "next"), "/for-you"))


# -- saved searches -----------------------------------------------------------


@router.post("/searches")
async def save_search(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    viewer = site.auth.writer(request, form)
    query = SearchQuery(q=_field(form, "q"), person=_field(form, "person") or None,
                        outlet=_field(form, "outlet") or None, story=_field(form, "story") or None,
                        date_from=_field(form, "from") or None, date_to=_field(form, "to") or None)
    if query.is_empty():
        raise HTTPException(400, "an empty search cannot be saved")
    name = _field(form, "name") or query.q or "saved search"
    search_id = site.store.save_search(str(viewer.user_id), name[:120], query.to_dict())
    return redirect(f"/searches/{search_id}")


@router.post("/searches/{search_id}/delete")
async def delete_search(site: SiteDep, request: Request, search_id: str) -> Response:
    viewer = site.auth.writer(request, await request.form())
    site.store.delete_saved_search(str(viewer.user_id), search_id)
    return redirect("/for-you")


# -- sources ------------------------------------------------------------------


def _wake(site: Site) -> None:
    """Have the background poller (when this process runs it) look at the feeds now."""
    if site.poller is not None:
        site.poller.wake()


@router.post("/sources/add")
async def add_source(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    site.auth.writer(request, form, admin=True)
    url = _field(form, "url")
    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise HTTPException(400, "a feed address starts with http:// or https://")
    site.store.add_feed(url, _field(form, "title")[:200] or None)
    _wake(site)
    return redirect("/sources")


@router.post("/sources/resume")
async def resume_source(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    site.auth.writer(request, form, admin=True)
    if not site.store.resume_feed(_field(form, "url")):
        raise HTTPException(404, "there is no such feed")
    _wake(site)
    return redirect("/sources")


@router.post("/sources/remove")
async def remove_source(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    site.auth.writer(request, form, admin=True)
    site.store.remove_feed(_field(form, "url"))
    return redirect("/sources")


@router.post("/sources/import")
async def import_opml(site: SiteDep, request: Request) -> Response:
    form = await request.form()
    site.auth.writer(request, form, admin=True)
    upload = form.get("opml")
    if upload is None or isinstance(upload, str):
        raise HTTPException(400, "choose an OPML file to import")
    try:
        data = await upload.read(MAX_OPML_BYTES + 1)
    finally:
        await upload.close()
    if len(data) > MAX_OPML_BYTES:
        raise HTTPException(413, "that OPML file is too large")
    try:
        outlines = read_opml(data.decode("utf-8", errors="replace"))
    except OPMLError as exc:
        raise HTTPException(400, str(exc)) from None
    feeds = [o for o in outlines if o.url.startswith(("http://", "https://")) and len(o.url) <= 2000]
    added = sum(site.store.add_feed(o.url, o.title, o.site_url, o.category) for o in feeds)
    folders = len({o.category for o in feeds if o.category})
    if added:
        _wake(site)
    report = {"imported": len(feeds), "added": added, "folders": folders,
              "ignored": len(outlines) - len(feeds)}
    return redirect("/sources?" + urlencode(report))


@router.get("/sources/opml")
def export_opml(site: SiteDep) -> Response:
    feeds = [OutlineFeed(f["url"], f["title"], f["site_url"], f.get("category")) for f in site.store.list_feeds()]
    return Response(write_opml(feeds), media_type="text/x-opml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="storyline.opml"'})


def form_routes(site: Site) -> APIRouter:
    """The routes (module-level handlers that find the site through ``request.app.state.site``)."""
    return router
