"""Route handlers are module-level functions: each can be called on its own with a site and a request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from fastapi import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message
from test_web_corpus import corpus

from storyline.accounts import add_user
from storyline.store import Store
from storyline.web import create_app, greader, greader_calls, routes_alerts, routes_api, routes_pages
from storyline.web import routes_forms as forms
from storyline.web.auth import SEED_COOKIE
from storyline.web.greader_calls import Params, ReaderError
from storyline.web.greader_streams import STARRED
from storyline.web.site import Site

T = TypeVar("T")


def _run(call: Coroutine[Any, Any, T]) -> T:
    """Await a handler in a thread of its own: the browser tests' Playwright keeps an event
    loop running in this thread for the whole session, where ``asyncio.run`` may not run."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, call).result()


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


def _post(app: object, path: str, fields: dict[str, str], *, client: str = "127.0.0.1",
          headers: dict[str, str] | None = None) -> Request:
    """A form POST as a browser of this site sends it (the seed cookie that its CSRF token is made from)."""
    body = urlencode(fields).encode()
    sent = {"content-type": "application/x-www-form-urlencoded", "cookie": f"{SEED_COOKIE}=seed-of-this-test",
            "host": "127.0.0.1:8000", **(headers or {})}

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({"type": "http", "method": "POST", "path": path, "query_string": b"", "app": app,
                    "headers": [(k.encode(), v.encode()) for k, v in sent.items()], "client": (client, 5000),
                    "server": ("127.0.0.1", 8000), "scheme": "http"}, receive)


def _refused(call: Coroutine[Any, Any, Response]) -> int:
    """The status of the HTTPException a handler refuses with."""
    with pytest.raises(HTTPException) as refused:
        _run(call)
    return refused.value.status_code


def test_form_handlers_one_by_one(db_location: str) -> None:
    data = corpus(db_location)
    app = create_app(data.path)  # local mode, no key: a loopback browser is the local reader
    site = app.state.site
    csrf = site.viewer(_post(app, "/follow", {})).csrf
    follow = {"kind": "entity", "id": data.person, "next": "/for-you", "csrf": csrf}
    done = _run(forms.follow(site, _post(app, "/follow", follow)))
    assert done.status_code == 303 and done.headers["location"] == "/for-you"
    assert [f["target_id"] for f in site.store.list_follows("local")] == [data.person]
    assert _refused(forms.follow(site, _post(app, "/follow", {**follow, "csrf": "forged"}))) == 403
    assert _refused(forms.follow(site, _post(app, "/follow", follow,
                                                    headers={"origin": "http://evil.example"}))) == 403
    assert _refused(forms.follow(site, _post(app, "/follow", follow, client="192.0.2.7"))) == 401
    assert _refused(forms.follow(site, _post(app, "/follow", {**follow, "kind": "planet"}))) == 400
    _run(forms.follow(site, _post(app, "/unfollow", follow)))
    assert site.store.list_follows("local") == []
    feed = {"url": "https://news.example.org/feed.xml", "title": "Example news", "csrf": csrf}
    assert _run(forms.add_source(site, _post(app, "/sources/add", feed))).status_code == 303
    assert _refused(forms.add_source(site, _post(app, "/sources/add", {**feed, "url": "file:///etc"}))) == 400
    assert b"https://news.example.org/feed.xml" in bytes(forms.export_opml(site).body)
    assert _refused(forms.login(site, _post(app, "/login", {"csrf": csrf}))) == 404  # local mode


def test_sign_in_handlers_share_the_throttle(db_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYLINE_LOGIN_FAILURES", "2")
    store = Store(db_location)
    add_user(store, "alice", "a long passphrase")
    store.close()
    app = create_app(db_location, multi_user=True)
    site = app.state.site
    csrf = site.viewer(_post(app, "/login", {})).csrf
    wrong = {"name": "alice", "password": "a wrong guess", "csrf": csrf}
    assert _run(forms.login(site, _post(app, "/login", wrong))).status_code == 400
    assert greader_calls.sign_in(site, "alice", "another wrong guess", "127.0.0.1") is None  # ClientLogin's check
    right = {**wrong, "password": "a long passphrase"}
    page = _run(forms.login(site, _post(app, "/login", right)))  # even the right password waits
    assert page.status_code == 429 and int(page.headers["retry-after"]) > 0
    with pytest.raises(ReaderError) as throttled:
        greader_calls.sign_in(site, "alice", "a long passphrase", "192.0.2.9")
    assert throttled.value.status == 429 and "Retry-After" in throttled.value.headers
    assert _refused(forms.login(site, _post(app, "/login", {**wrong, "csrf": "forged"}))) == 403


def test_reader_api_handlers_one_by_one(db_location: str) -> None:
    data = corpus(db_location)
    app = create_app(data.path)
    site = app.state.site
    phone = "192.0.2.7"  # not loopback: only the token counts
    secret = site.auth.issue_api_token("local", "phone")
    login = greader.client_login(site, _request(app, "/accounts/ClientLogin", client=phone),
                                 Params([("Email", "local"), ("Passwd", secret)]))
    assert f"Auth={secret}" in bytes(login.body).decode() and login.headers["cache-control"] == "no-store"
    with pytest.raises(ReaderError) as bad:
        greader.client_login(site, _request(app, "/accounts/ClientLogin", client=phone),
                             Params([("Email", "local"), ("Passwd", "not-the-token")]))
    assert bad.value.status == 401 and bad.value.headers["Google-Bad-Token"] == "true"

    signed = Request({"type": "http", "method": "GET", "path": "/reader/api/0/x", "query_string": b"", "app": app,
                      "headers": [(b"authorization", f"GoogleLogin auth={secret}".encode())],
                      "client": (phone, 5000), "server": ("127.0.0.1", 8000), "scheme": "http"})
    with pytest.raises(ReaderError) as anonymous:
        greader.user_info(site, _request(app, "/reader/api/0/user-info", client=phone), Params([]))
    assert anonymous.value.status == 401
    assert json.loads(bytes(greader.user_info(site, signed, Params([])).body))["userId"] == "local"
    action = bytes(greader.token(site, signed, Params([])).body).decode().strip()
    refs = json.loads(bytes(greader.item_ids(site, signed, Params([])).body))["itemRefs"]
    assert len(refs) >= 3
    star = [("i", refs[0]["id"]), ("a", STARRED)]
    with pytest.raises(ReaderError) as unsigned:
        greader.edit_tag(site, signed, Params(star))  # no action token T
    assert unsigned.value.status == 401
    assert bytes(greader.edit_tag(site, signed, Params([*star, ("T", action)])).body) == b"OK"
    starred = json.loads(bytes(greader.item_ids(site, signed, Params([("s", STARRED)])).body))["itemRefs"]
    assert [ref["id"] for ref in starred] == [refs[0]["id"]]
    with pytest.raises(ReaderError) as not_a_feed:
        greader.quick_add(site, signed, Params([("quickadd", "javascript:alert(1)"), ("T", action)]))
    assert not_a_feed.value.status == 400
