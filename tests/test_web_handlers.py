"""Route handlers are module-level functions: each can be called on its own with a site and a request."""

from __future__ import annotations

import json

import pytest
from fastapi import HTTPException
from starlette.requests import Request
from test_web_corpus import corpus

from storyline.web import create_app, routes_alerts, routes_api, routes_pages
from storyline.web.site import Site


def _request(app: object, path: str, query: str = "", client: str = "127.0.0.1") -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": [],
                    "app": app, "client": (client, 5000), "server": ("127.0.0.1", 8000), "scheme": "http"})


def test_api_handlers_one_by_one(db_location: str) -> None:
    data = corpus(db_location)
    app = create_app(data.path)
    site = app.state.site
    assert isinstance(site, Site)
    listed = routes_api.articles(site, _request(app, "/api/articles", "person=p-berg&limit=2"), source=None,
                                 person=data.person, story=None, date_from=None, date_to=None, limit=2, offset=0)
    assert listed["total"] == 3 and len(listed["articles"]) == 2
    assert listed["next"] == "/api/articles?person=p-berg&offset=2&limit=2"
    assert routes_api.story(site, data.story)["story"]["id"] == data.story
    with pytest.raises(HTTPException) as missing:
        routes_api.article(site, "nope")
    assert missing.value.status_code == 404
    with pytest.raises(HTTPException) as bad_date:
        routes_api.articles(site, _request(app, "/api/articles"), source=None, person=None, story=None,
                            date_from="2010-13-45", date_to=None, limit=5, offset=0)
    assert bad_date.value.status_code == 422


def test_page_and_alert_handlers_one_by_one(db_location: str) -> None:
    data = corpus(db_location)
    app = create_app(data.path)
    site = app.state.site
    page = routes_pages.top_stories(site, _request(app, "/index.json"))
    assert json.loads(bytes(page.body))["stories"][0]["id"]
    html = routes_pages.story(site, _request(app, f"/stories/{data.story}"), data.story)
    assert html.status_code == 200
    gone = routes_alerts.developments_atom(site, _request(app, "/developments/entity/x/feed.atom"), "entity", "x")
    assert gone.status_code == 404
    feed = routes_alerts.developments_atom(site, _request(app, f"/developments/entity/{data.person}/feed.atom"),
                                           "entity", data.person)
    assert feed.status_code == 200 and b"Anna Berg" in bytes(feed.body)


def test_feed_builders_one_by_one(db_location: str) -> None:
    from storyline.web import routes_feeds

    data = corpus(db_location)
    app = create_app(data.path)
    site = app.state.site
    request = _request(app, f"/stories/{data.story}/feed.atom")
    feed = routes_feeds.story_feed(site, request, "http://reader.example", data.story)
    assert feed is not None and feed.atom_url == f"http://reader.example/stories/{data.story}/feed.atom"
    assert {entry.key for entry in feed.entries} == {"article:a1", "article:a2", "article:a3"}
    assert routes_feeds.entity_feed(site, request, "", "nobody") is None
    answer = routes_feeds.story(site, request, data.story)
    assert answer.headers["content-type"].startswith("application/atom+xml")
