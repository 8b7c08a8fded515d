"""The web application: ``create_app`` builds it, ``serve`` runs it with uvicorn."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline import settings
from storyline.accounts import signup_policy
from storyline.alerts import AlertWorker
from storyline.ingest.options import IngestOptions
from storyline.pipeline import Pipeline, make_pipeline
from storyline.poller import Poller, RefreshConfig
from storyline.store import Store
from storyline.web.auth import FEED_SUFFIXES, LOCAL_TOKEN_PARAM, Auth, LoginRequired
from storyline.web.greader import greader_routes
from storyline.web.routes_alerts import alert_routes
from storyline.web.routes_api import api_routes
from storyline.web.routes_feeds import feed_routes
from storyline.web.routes_forms import form_routes
from storyline.web.routes_pages import page_routes
from storyline.web.site import Site, local_path, make_templates, redirect
from storyline.web.throttle import Throttle

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none';"
       " base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# with lead images on, pictures (only) may come from the outlets' servers
CSP_WITH_IMAGES = CSP.replace("img-src 'self' data:;", "img-src 'self' data: https: http:;")


class SecurityHeaders:
    """Adds a strict Content-Security-Policy and friends to every response."""

    def __init__(self, app: ASGIApp, csp: str = CSP) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", self.csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_local_key() -> str:
    """A key for one run of the local-mode server (see :mod:`storyline.web.auth`)."""
    return secrets.token_urlsafe(24)


def _swagger_assets() -> Path | None:
    """Swagger UI 5 (reads OpenAPI 3.1) as shipped, without a CDN, by the ``fastapi-offline`` package."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").exists() else None


def _docs_page() -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>storyline API</title>"
        '<link rel=stylesheet href="/api/docs/assets/swagger-ui.css"></head><body><div id=swagger-ui></div>'
        '<script src="/api/docs/assets/swagger-ui-bundle.js"></script>'
        '<script src="/static/docs.js"></script></body></html>'
    )


def create_app(
    store_location: str,
    *,
    multi_user: bool = False,
    allow_signup: bool = False,
    signup: str | None = None,
    require_login: bool = False,
    base_url: str | None = None,
    allowed_hosts: Iterable[str] | None = None,
    pipeline_factory: Callable[[Store], Pipeline] | None = None,
    site_title: str = "storyline",
    refresh: RefreshConfig | None = None,
    local_key: str | None = None,
    images: bool | None = None,
    alerts_every: float | None = None,
) -> FastAPI:
    """The storyline web reader, REST API and feeds over the store at ``store_location``.

    Local mode (default) trusts a browser on the loopback interface as the local
    reader and only answers to local host names (against DNS rebinding); pass
    ``allowed_hosts`` to serve other names.  ``multi_user`` turns on accounts:
    administrators are made with ``storyline users add NAME --admin``; who may
    sign up is ``signup`` (default ``$STORYLINE_SIGNUP``: closed, invite or
    open; ``allow_signup`` means open); ``require_login`` makes reading need an
    account too.  Absolute links in feeds and the Reader API start with
    ``base_url`` (default ``$STORYLINE_BASE_URL``), never with the request's
    Host header unless the app checks it.  ``pipeline_factory`` builds the pipeline that
    ``POST /api/ingest`` runs (default: the one ``storyline ingest`` runs, with enrichment;
    it groups what it stores into stories).  With ``refresh``,
    subscribed feeds are polled in the background while the app runs (a
    :class:`~storyline.poller.Poller` started and stopped by the app's lifespan).
    With ``local_key`` (local mode), a loopback browser writes only after opening
    an address with ``?token=<local_key>`` once (see :mod:`storyline.web.auth`).
    ``images`` shows lead images (default: the ``STORYLINE_IMAGES`` setting).
    With ``alerts_every`` seconds, alerts on developments are checked and sent that often
    in the background (:class:`~storyline.alerts.AlertWorker`).
    """
    store = Store(store_location)
    policy = "open" if allow_signup else (signup or signup_policy())
    throttle = Throttle(settings.get_int("STORYLINE_LOGIN_FAILURES"), settings.get_float("STORYLINE_LOGIN_WINDOW"))
    auth = Auth(store, multi_user=multi_user, signup=policy, require_login=require_login, throttle=throttle,
                local_key=local_key)
    hosts = list(allowed_hosts) if allowed_hosts is not None else (None if multi_user else list(LOCAL_HOSTS))
    site = Site(store, auth, make_templates(), multi_user, pipeline_factory or make_pipeline, site_title,
                base_url=(base_url if base_url is not None else settings.get("STORYLINE_BASE_URL")).rstrip("/"),
                host_checked=bool(hosts) and "*" not in (hosts or []))
    site.images = settings.get("STORYLINE_IMAGES").strip().lower() not in ("off", "0", "no", "false") \
        if images is None else images

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = AlertWorker(store, IngestOptions.from_settings(), alerts_every) if alerts_every else None
        if worker is not None:
            worker.start()
        try:
            if refresh is None:
                yield
                return
            poller = Poller(store, refresh)
            site.poller = poller
            poller.start()
            try:
                yield
            finally:
                site.poller = None
                await run_in_threadpool(poller.stop)
        finally:
            if worker is not None:
                await run_in_threadpool(worker.stop)

    app = FastAPI(title="storyline", version="1", summary="Stories, storylines, who said what and when.",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.site = site
    if hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders, csp=CSP_WITH_IMAGES if site.images else CSP)

    @app.middleware("http")
    async def local_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """``GET …?token=<local key>`` from loopback: set the local reader's cookie, drop the token from the URL."""
        if request.method == "GET" and auth.local_key_matches(request):
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != LOCAL_TOKEN_PARAM])
            response = redirect(local_path(request.url.path + (f"?{query}" if query else "")))
            auth.remember_local_reader(request, response)
            return response
        return await call_next(request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        response = site.error(request, exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        path = request.url.path
        if request.method == "GET" and not path.startswith("/api/") and not path.endswith((".json", *FEED_SUFFIXES)):
            return redirect("/login?next=" + quote(local_path(path + (f"?{request.url.query}" if request.url.query
                                                                          else "")), safe="/"))
        return await http_error(request, exc)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Any) -> Response:
        return site.error(request, 404, "There is nothing at this address.")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return site.error(request, 422, detail)

    assets = _swagger_assets()
    if assets is not None:
        app.mount("/api/docs/assets", StaticFiles(directory=assets), name="swagger")

        @app.get("/api/docs", include_in_schema=False)
        def docs() -> HTMLResponse:
            return HTMLResponse(_docs_page())
    else:
        @app.get("/api/docs", include_in_schema=False)
        def docs_missing() -> HTMLResponse:
            return HTMLResponse('<p>Interactive docs need <code>pip install fastapi-offline</code>; the schema is at'
                                ' <a href="/api/openapi.json">/api/openapi.json</a>.</p>')

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response((STATIC / "favicon.svg").read_bytes(), media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    readers = [Depends(auth.reader)]  # under require_login, reading needs an account (the Reader API has its own)
    app.include_router(api_routes(site), dependencies=readers)
    app.include_router(feed_routes(site), dependencies=readers)
    app.include_router(greader_routes(site))
    app.include_router(alert_routes(site), dependencies=readers)
    app.include_router(form_routes(site), dependencies=readers)
    app.include_router(page_routes(site), dependencies=readers)
    return app


def serve(
    store_location: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    multi_user: bool = False,
    allow_signup: bool = False,
    require_login: bool = False,
    allowed_hosts: Iterable[str] | None = None,
    log_level: str = "info",
    refresh: RefreshConfig | None = None,
    local_key: str | None = None,
) -> None:
    """Run the web reader with uvicorn until interrupted; with ``refresh``, poll feeds in the background.

    In local mode, writing needs the ``local_key`` (see :func:`create_app`; pass one to print
    the address with it yourself, else one is made and logged).
    """
    import uvicorn

    if not multi_user and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("local mode on %s: only loopback browsers can write; use --multi-user to serve others", host)
    if multi_user and not settings.get("STORYLINE_BASE_URL") and not allowed_hosts:
        log.warning("multi-user mode without STORYLINE_BASE_URL: links in feeds and the Reader API are relative;"
                    " set it to the address readers use (e.g. https://news.example.org)")
    if not multi_user and local_key is None:
        local_key = new_local_key()
        log.warning("to read and write as the local reader, open http://%s:%d/?token=%s", host, port, local_key)
    app = create_app(store_location, multi_user=multi_user, allow_signup=allow_signup, require_login=require_login,
                     allowed_hosts=allowed_hosts, refresh=refresh, local_key=local_key,
                     alerts_every=settings.get_float("STORYLINE_ALERT_INTERVAL") or None)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False)
