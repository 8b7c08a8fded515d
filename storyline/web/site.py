"""What every route shares: the store, auth, templates, and rendering a page or its JSON twin."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import RedirectResponse, Response

from storyline.pipeline import Pipeline
from storyline.poller import Poller
from storyline.store import Store
from storyline.web.auth import Auth, Viewer
from storyline.web.views import human_date, human_interval, human_period, human_time, month_label

TEMPLATES = Path(__file__).parent / "templates"


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str).encode("utf-8")


def plural(count: Any, singular: str, many: str | None = None) -> str:
    """``1 story``, ``2 stories``, ``0 outlets``: the count with the right form of the noun."""
    number = int(count or 0)
    if number == 1:
        return f"1 {singular}"
    if many is None:
        many = singular[:-1] + "ies" if singular.endswith("y") and singular[-2:-1] not in "aeiou" else singular + "s"
    return f"{number} {many}"


def make_templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg", "xml"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["human_date"] = human_date
    env.filters["human_period"] = human_period
    env.filters["month_label"] = month_label
    env.filters["human_time"] = human_time
    env.filters["human_interval"] = human_interval
    env.filters["plural"] = plural
    return Jinja2Templates(env=env)


@dataclass(slots=True)
class FeedLink:
    title: str
    atom: str
    json: str


@dataclass(slots=True)
class Site:
    store: Store
    auth: Auth
    templates: Jinja2Templates
    multi_user: bool
    pipeline_factory: Callable[[Store], Pipeline]
    site_title: str = "storyline"
    extra: dict[str, Any] = field(default_factory=dict)
    poller: Poller | None = None  # the background refresher, while it runs
    base_url: str = ""  # STORYLINE_BASE_URL, without a trailing slash
    host_checked: bool = False  # the app refuses Host headers it does not know
    images: bool = True  # show lead images (the STORYLINE_IMAGES setting)

    def viewer(self, request: Request) -> Viewer:
        return self.auth.viewer(request)

    def base(self, request: Request) -> str:
        """The start of absolute links: the configured base URL; the request's only where its Host is checked."""
        if self.base_url:
            return self.base_url
        return str(request.base_url).rstrip("/") if self.host_checked else ""

    def page(
        self,
        request: Request,
        viewer: Viewer,
        template: str,
        data: dict[str, Any],
        *,
        extra: dict[str, Any] | None = None,
        feeds: list[FeedLink] | None = None,
        title: str = "",
        status: int = 200,
    ) -> Response:
        """The HTML page, or its JSON twin when the path ends in ``.json``."""
        if request.url.path.endswith(".json"):
            return JSONResponse(data, status_code=status)
        path = request.url.path
        if feeds and self.auth.require_login and viewer.user_id:  # feed readers cannot sign in: give them the key
            key = f"?key={self.auth.feed_key(viewer.user_id)}"
            feeds = [f if "?key=" in f.atom else FeedLink(f.title, f.atom + key, f.json + key) for f in feeds]
        context = {
            **data, **(extra or {}), "viewer": viewer, "csrf": viewer.csrf, "alt_feeds": feeds or [],
            "title": title, "site_title": self.site_title, "multi_user": self.multi_user,
            "path": path, "json_url": ("/index" if path == "/" else path.rstrip("/")) + ".json"
            + (f"?{request.url.query}" if request.url.query else ""),
        }
        response = self.templates.TemplateResponse(request, template, context, status_code=status)
        self.auth.remember_seed(viewer, request, response)
        return response

    def error(self, request: Request, status: int, message: str) -> Response:
        if request.url.path.endswith(".json") or request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        viewer = self.viewer(request)
        return self.page(request, viewer, "error.html", {"status": status, "message": message},
                         title=f"{status}", status=status)


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target that stays on this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def with_suffix(request: Request, new_path: str) -> str:
    """``new_path`` keeping the ``.json`` suffix and the query of the current request."""
    suffix = ".json" if request.url.path.endswith(".json") else ""
    query = f"?{request.url.query}" if request.url.query else ""
    return new_path + suffix + query
