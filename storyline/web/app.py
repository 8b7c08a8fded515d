"""The web application: ``create_app`` builds it, ``serve`` runs it with uvicorn."""

from __future__ import annotations

import copy
import logging
import os
import pickle
import secrets
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterable
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
from storyline.pipeline import Pipeline, serving_pipeline
from storyline.poller import Poller, RefreshConfig
from storyline.store import Store, StoreError
from storyline.web.auth import FEED_SUFFIXES, LOCAL_TOKEN_PARAM, Auth, LoginRequired
from storyline.web.greader import greader_routes
from storyline.web.routes_alerts import alert_routes
from storyline.web.routes_api import api_routes
from storyline.web.routes_feeds import feed_routes
from storyline.web.routes_forms import form_routes
from storyline.web.routes_pages import page_routes
from storyline.web.routes_prefs import router as prefs_router
from storyline.web.site import Site, local_path, make_templates, redirect
from storyline.web.throttle import Throttle
from storyline.web.visitor_pages import VisitorPages

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


class LocalToken:
    """``GET …?token=<local key>`` from loopback: set the local reader's cookie, drop the token from the URL."""

    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and LOCAL_TOKEN_PARAM.encode() in scope["query_string"]:
            request = Request(scope)
            if self.auth.local_key_matches(request):
                query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != LOCAL_TOKEN_PARAM])
                response = redirect(local_path(request.url.path + (f"?{query}" if query else "")))
                self.auth.remember_local_reader(request, response)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


POLLER_LOCK = "feed poller"
SERVE_SPEC = "STORYLINE_SERVE_SPEC"  # where the workers of one `serve --workers N` find create_app's arguments


class PollerSeat:
    """Runs the feed poller in one process only, of all those serving one store.

    Every server process (a uvicorn worker, or another ``storyline serve`` on the same
    store) asks for the store's ``"feed poller"`` lock (:meth:`Store.exclusive`: a
    file lock beside a SQLite database, an advisory lock on PostgreSQL); the one that
    holds it polls, the others ask again every ``retry`` seconds, so when the poller's
    process ends, another takes over.  :meth:`start` returns once the first try is
    decided, so a lone server is polling when it starts answering.
    """

    def __init__(self, store: Store, refresh: RefreshConfig | None, site: Site, *, retry: float = 2.0,
                 alerts_every: float | None = None) -> None:
        self.store, self.refresh, self.site, self.retry = store, refresh, site, retry
        self.alerts_every = alerts_every  # the alerts on developments are sent by the same one process
        self._stop = threading.Event()
        self._decided = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="storyline-poller-seat", daemon=True)
        self._thread.start()
        self._decided.wait(10)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.store.exclusive(POLLER_LOCK, timeout=0):
                    self._poll_until_stopped()
                    return
            except StoreError as exc:  # another process polls (or the lock cannot be had): ask again later
                log.debug("feed poller: %s", exc)
            except Exception:  # the poller itself failed to start or stop: logged, the seat is given up and retried
                log.exception("background refresh: the poller failed; trying again in %g s", self.retry)
            self._decided.set()
            self._stop.wait(self.retry)
        self._decided.set()

    def _poll_until_stopped(self) -> None:
        poller = Poller(self.store, self.refresh) if self.refresh is not None else None
        alerts = AlertWorker(self.store, IngestOptions.from_settings(), self.alerts_every) if self.alerts_every else None
        self.site.poller = poller
        try:
            if poller is not None:
                poller.start()
                log.info("background refresh: this process (pid %d) polls the feeds", os.getpid())
            if alerts is not None:
                alerts.start()
            self._decided.set()
            self._stop.wait()
        finally:
            self.site.poller = None
            if poller is not None:
                poller.stop()
            if alerts is not None:
                alerts.stop()


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
    ``POST /api/ingest`` runs (default: :func:`~storyline.pipeline.serving_pipeline`, the stages
    ``storyline ingest`` runs, with enrichment, the per-article work in worker processes; it
    groups what it stores into stories).  With ``refresh``,
    subscribed feeds are polled in the background while the app runs (a
    :class:`~storyline.poller.Poller` started and stopped by the app's lifespan, in only one
    of the processes serving the store: see :class:`PollerSeat`).
    With ``local_key`` (local mode), a loopback browser writes only after opening
    an address with ``?token=<local_key>`` once (see :mod:`storyline.web.auth`).
    ``images`` shows lead images (default: the ``STORYLINE_IMAGES`` setting).
    With ``alerts_every`` seconds, alerts on developments are checked and sent that often
    in the background (:class:`~storyline.alerts.AlertWorker`).
    """
    store = Store(store_location)
    policy = "open" if allow_signup else (signup or signup_policy())
    throttle = Throttle(settings.get_int("STORYLINE_LOGIN_FAILURES"), settings.get_float("STORYLINE_LOGIN_WINDOW"),
                        store=store)  # counted in the store: every worker process sees every failure
    auth = Auth(store, multi_user=multi_user, signup=policy, require_login=require_login, throttle=throttle,
                local_key=local_key)
    hosts = list(allowed_hosts) if allowed_hosts is not None else (None if multi_user else list(LOCAL_HOSTS))
    site = Site(store, auth, make_templates(), multi_user, pipeline_factory or serving_pipeline, site_title,
                base_url=(base_url if base_url is not None else settings.get("STORYLINE_BASE_URL")).rstrip("/"),
                host_checked=bool(hosts) and "*" not in (hosts or []))
    site.images = settings.get("STORYLINE_IMAGES").strip().lower() not in ("off", "0", "no", "false") \
        if images is None else images

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        seat = PollerSeat(store, refresh, site, alerts_every=alerts_every) if refresh is not None or alerts_every else None
        if seat is not None:
            await run_in_threadpool(seat.start)
        try:
            yield
        finally:
            if seat is not None:
                await run_in_threadpool(seat.stop)
            pipeline = site.extra.pop("ingest_pipeline", None)  # POST /api/ingest's, and its worker processes
            if isinstance(pipeline, Pipeline):
                await run_in_threadpool(pipeline.close)

    app = FastAPI(title="storyline", version="1", summary="Stories, storylines, who said what and when.",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.site = site
    app.add_middleware(VisitorPages, site=site)  # innermost: after the host check, before the routes
    if hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders, csp=CSP_WITH_IMAGES if site.images else CSP)
    app.add_middleware(LocalToken, auth=auth)

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
    app.include_router(prefs_router)
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
    workers: int = 1,
) -> None:
    """Run the web reader with uvicorn until interrupted; with ``refresh``, poll feeds in the background.

    In local mode, writing needs the ``local_key`` (see :func:`create_app`; pass one to print
    the address with it yourself, else one is made and logged).  ``workers`` > 1 runs that many
    server processes on one socket (uvicorn's supervisor restarts any that dies); each builds the
    same app from this call's arguments (local key and refresh settings included, handed over in
    a file only this user can read), and only one of them polls the feeds (:class:`PollerSeat`).
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
    arguments: dict[str, Any] = {
        "store_location": store_location, "multi_user": multi_user, "allow_signup": allow_signup,
        "require_login": require_login, "allowed_hosts": None if allowed_hosts is None else list(allowed_hosts),
        "refresh": refresh, "local_key": local_key,
        "alerts_every": settings.get_float("STORYLINE_ALERT_INTERVAL") or None}
    # storyline's own messages (the poller's above all) go where uvicorn's go, in every worker
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["storyline"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if workers <= 1:
        uvicorn.run(create_app(**arguments), host=host, port=port, log_level=log_level, proxy_headers=False,
                    log_config=log_config)
        return
    folder = tempfile.mkdtemp(prefix="storyline-serve-")  # readable by this user only (0700)
    spec = Path(folder) / "app.pickle"
    with open(os.open(spec, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        pickle.dump(arguments, handle)
    os.environ[SERVE_SPEC] = str(spec)  # the workers are spawned with this environment, settings included
    try:
        uvicorn.run("storyline.web.app:app_from_spec", factory=True, workers=workers, host=host, port=port,
                    log_level=log_level, proxy_headers=False, log_config=log_config)
    finally:
        os.environ.pop(SERVE_SPEC, None)
        shutil.rmtree(folder, ignore_errors=True)


def app_from_spec() -> FastAPI:
    """The app of one worker of ``serve(workers=N)``: :func:`create_app` with the arguments that
    :func:`serve` left in the file named by ``$STORYLINE_SERVE_SPEC``."""
    path = os.environ.get(SERVE_SPEC)
    if not path:
        raise RuntimeError(f"{SERVE_SPEC} is not set: app_from_spec is for the workers of storyline serve")
    with open(path, "rb") as handle:
        arguments = pickle.load(handle)  # written by serve() into a folder only this user can write
    return create_app(**arguments)
