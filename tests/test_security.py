"""Holes closed: API ingest reads no server files, CSRF tokens stay in the browser, and the accounts' limits."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support import page_csrf
from test_web_corpus import corpus, local_client

from storyline.accounts import add_user
from storyline.store import Store
from storyline.web import create_app
from storyline.web.throttle import Throttle

SENTINEL_TEXT = "The sentinel file of the security test says the harbour bridge reopened on Friday morning."
_opened: list[str] = []
_watched: set[str] = set()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _watched and args and str(args[0]) in _watched:
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # records every open() of a watched path in this process


@pytest.fixture
def sentinel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A file the server must never read; ``~`` points at its folder."""
    path = tmp_path / "home" / "sentinel.txt"
    path.parent.mkdir()
    path.write_text(SENTINEL_TEXT, encoding="utf-8")
    monkeypatch.setenv("HOME", str(path.parent))
    _watched.add(str(path))
    _opened.clear()
    yield path
    _watched.discard(str(path))


def _api_csrf(client: TestClient) -> str:
    return page_csrf(client, "/sources")


def test_api_ingest_refuses_paths_home_paths_and_file_urls(db_location: str, sentinel: Path) -> None:
    client = local_client(db_location)
    headers = {"X-CSRF-Token": _api_csrf(client)}
    refused = [str(sentinel), "~/sentinel.txt", sentinel.as_uri(), "file:///etc/passwd", "ftp://example.org/x",
               "sentinel.txt", "http://", "http://[::1"]
    for entry in refused:
        as_text = client.post("/api/ingest", content=entry, headers={**headers, "Content-Type": "text/plain"})
        as_json = client.post("/api/ingest", json={"urls": [entry]}, headers=headers)
        as_form = client.post("/api/ingest", data={"url": entry}, files={"nothing": ("x.txt", b"")},
                              headers=headers)
        for response in (as_text, as_json, as_form):
            assert response.status_code == 422, (entry, response.status_code, response.text)
            assert "http(s)" in response.json()["error"]
    assert _opened == []  # the server never opened the file
    store = Store(db_location)
    assert store.count_articles() == 0
    store.close()


def test_api_ingest_takes_uploaded_bodies(db_location: str) -> None:
    client = local_client(db_location)
    headers = {"X-CSRF-Token": _api_csrf(client)}
    record = {"id": "up-1", "title": "Ferry timetable changes", "url": "https://example.org/ferry",
              "text": "The ferry company said on Monday that winter crossings will leave an hour earlier."
                      " Passengers were told by letter.", "published": "2025-11-03"}
    page = ("<html><head><title>Bridge reopens</title></head><body><article><h1>Bridge reopens</h1>"
            "<p>The harbour bridge reopened to traffic on Friday after six weeks of repairs, the city said.</p>"
            "<p>Engineers replaced two bearings and resurfaced the deck, according to the council.</p>"
            "</article></body></html>")
    response = client.post("/api/ingest", headers=headers, files=[
        ("file", ("batch.jsonl", (json.dumps(record) + "\n").encode(), "application/octet-stream")),
        ("file", ("bridge.html", page.encode(), "text/html"))])
    assert response.status_code == 200, response.text
    summary = response.json()["summary"]
    assert summary["new"] == 2, summary
    store = Store(db_location)
    assert store.count_articles() == 2
    store.close()


def test_no_json_answer_hands_out_the_csrf_token(db_location: str) -> None:
    client = local_client(db_location)
    me = client.get("/api/me")
    assert set(me.json()) == {"user", "via"} and "csrf" not in me.text.lower()
    page = client.get("/sources")
    token = _api_csrf(client)
    seed = page.headers.get("set-cookie", "")
    assert "sl_seed=" in seed and "samesite=strict" in seed.lower() and "httponly" in seed.lower()
    for path in ("/index.json", "/sources.json", "/account.json", "/for-you.json", "/api/openapi.json"):
        assert token not in client.get(path).text, path


def test_cross_site_writes_are_refused_even_with_the_token(db_location: str) -> None:
    client = local_client(db_location)
    token = _api_csrf(client)
    form = {"csrf": token, "url": "https://feeds.example/rss"}
    for site in ("cross-site", "same-site"):
        refused = client.post("/sources/add", data=form, headers={"Sec-Fetch-Site": site})
        assert refused.status_code == 403, site
    assert client.post("/api/feeds", json={"url": "https://feeds.example/rss"},
                       headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    ok = client.post("/sources/add", data=form, headers={"Sec-Fetch-Site": "same-origin",
                                                         "Origin": "http://127.0.0.1:8000"}, follow_redirects=False)
    assert ok.status_code == 303


# -- accounts -------------------------------------------------------------------------------


def _multi(db_location: str, **options: object) -> TestClient:
    return TestClient(create_app(db_location, multi_user=True, allowed_hosts=["testserver"], **options))  # type: ignore[arg-type]


def _login(client: TestClient, name: str, password: str, address: str = "") -> int:
    form = {"csrf": page_csrf(client, "/login"), "name": name, "password": password}
    return client.post("/login", data=form, follow_redirects=False).status_code


def test_web_sign_in_is_throttled_per_account(db_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYLINE_LOGIN_FAILURES", "5")
    store = Store(db_location)
    add_user(store, "alice", "a long passphrase", admin=True)
    store.close()
    client = _multi(db_location)
    codes = [_login(client, "alice", f"wrong guess {i}") for i in range(8)]
    assert codes == [400] * 5 + [429] * 3
    throttled = client.post("/login", data={"csrf": page_csrf(client, "/login"), "name": "alice",
                                            "password": "a long passphrase"})
    assert throttled.status_code == 429  # even the right password waits: guessing gains nothing
    assert 0 < int(throttled.headers["retry-after"]) <= 900 and "Too many failed sign-ins" in throttled.text


def test_reader_api_sign_in_is_throttled_per_account_and_address(db_location: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYLINE_LOGIN_FAILURES", "4")
    store = Store(db_location)
    add_user(store, "alice", "a long passphrase", admin=True)
    add_user(store, "bob", "bobs long password")
    store.close()
    app = create_app(db_location, multi_user=True, allowed_hosts=["testserver"])
    attacker = TestClient(app, client=("198.51.100.7", 1))
    codes = [attacker.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": f"guess {i}"}).status_code
             for i in range(6)]
    assert codes == [401] * 4 + [429] * 2
    other_name = attacker.post("/accounts/ClientLogin", data={"Email": "bob", "Passwd": "bobs long password"})
    assert other_name.status_code == 429 and int(other_name.headers["retry-after"]) > 0  # the address is limited
    elsewhere = TestClient(app, client=("203.0.113.20", 1))
    assert elsewhere.post("/accounts/ClientLogin",
                          data={"Email": "bob", "Passwd": "bobs long password"}).status_code == 200
    assert elsewhere.post("/accounts/ClientLogin",  # the account is limited from any address
                          data={"Email": "alice", "Passwd": "a long passphrase"}).status_code == 429


def test_throttle_window_slides() -> None:
    clock = [1000.0]
    throttle = Throttle(3, 60, clock=lambda: clock[0])
    for _ in range(3):
        assert throttle.retry_after("alice", "10.0.0.1") == 0
        throttle.failed("alice", "10.0.0.1")
        clock[0] += 10
    assert throttle.retry_after("alice", "10.0.0.1") == 30  # the first failure leaves the window at 1060
    assert throttle.retry_after("ALICE ", "10.0.0.2") == 30  # names compare case-blind
    clock[0] = 1061
    assert throttle.retry_after("alice", "10.0.0.1") == 0
    throttle.failed("bob", "10.0.0.3")
    throttle.succeeded("bob")
    assert throttle._log.get("account:bob") is None


def test_throttle_in_the_store_counts_every_process_together(db_location: str) -> None:
    """Two server workers (two Throttles over one store) share one count, and it slides."""
    clock = [1000.0]
    first = Throttle(3, 60, clock=lambda: clock[0], store=Store(db_location))
    second = Throttle(3, 60, clock=lambda: clock[0], store=Store(db_location))
    first.failed("alice", "10.0.0.1")
    clock[0] += 10
    second.failed("alice", "10.0.0.1")
    clock[0] += 10
    assert first.retry_after("alice", "10.0.0.1") == 0
    first.failed("alice", "10.0.0.9")
    assert second.retry_after("Alice", "10.0.0.5") == 40  # three for the account, whichever worker saw them
    assert second.retry_after("carol", "10.0.0.1") == 0  # two for the address: still allowed
    clock[0] = 1061
    assert second.retry_after("alice", "10.0.0.1") == 0  # the first failure left the window
    second.failed("bob", "10.0.0.3")
    first.succeeded("bob")
    assert second.store is not None and second.store.recent_sign_in_failures(["account:bob"], 0) == {"account:bob": []}


def test_require_login_hides_everything_but_the_sign_in_form(db_location: str) -> None:
    corpus_data = corpus(db_location)
    store = Store(corpus_data.path)
    add_user(store, "alice", "a long passphrase")
    store.close()
    client = _multi(db_location, require_login=True)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    story = client.get(f"/stories/{corpus_data.story}?x=1", follow_redirects=False)
    assert story.status_code == 303
    assert story.headers["location"] == f"/login?next=/stories/{corpus_data.story}%3Fx%3D1"
    for path in ("/index.json", "/api/stories", f"/api/stories/{corpus_data.story}", "/api/search?q=assets",
                 "/feed.atom", f"/stories/{corpus_data.story}/feed.json", "/api/me"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 401, path
        assert "Brussels" not in response.text and "Anna Berg" not in response.text, path
    assert client.get("/sources/opml", follow_redirects=False).headers["location"] == "/login?next=/sources/opml"
    assert client.get("/login").status_code == 200
    assert _login(client, "alice", "a long passphrase") == 303
    assert client.get("/index.json").status_code == 200
    assert client.get("/api/stories").status_code == 200
    link = re.search(r'type="application/atom\+xml" href="(/feed\.atom\?key=[^"]+)"', client.get("/").text)
    assert link is not None  # pages hand a feed reader the signed-in user's key
    feed_reader = _multi(db_location, require_login=True)
    assert feed_reader.get(link.group(1).replace("&amp;", "&")).status_code == 200
    assert feed_reader.get("/feed.atom?key=alice.0000").status_code == 401
    open_server = _multi(db_location)  # without require_login, reading stays open
    assert open_server.get("/index.json").status_code == 200


def test_saved_searches_belong_to_their_owner(db_location: str) -> None:
    data = corpus(db_location)
    store = Store(data.path)
    add_user(store, "alice", "a long passphrase")
    add_user(store, "bob", "bobs long password")
    store.close()
    alice, bob, anonymous = _multi(db_location), _multi(db_location), _multi(db_location)
    assert _login(alice, "alice", "a long passphrase") == 303 and _login(bob, "bob", "bobs long password") == 303
    saved = alice.post("/searches", data={"csrf": page_csrf(alice, "/search?q=progress"), "q": "progress",
                                          "name": "Progress"}, follow_redirects=False)
    location = saved.headers["location"]
    assert alice.get(location + ".json").json()["saved"]["name"] == "Progress"
    for client in (bob, anonymous):
        for path in (location, location + ".json", location + "/feed.atom", location + "/feed.json"):
            assert client.get(path).status_code == 404, path
    page = alice.get(location).text
    feed_url = re.search(r'href="(/searches/[^"]+/feed\.atom\?key=[^"]+)"', page)
    assert feed_url is not None
    atom = anonymous.get(feed_url.group(1).replace("&amp;", "&"))  # a feed reader with the owner's key
    assert atom.status_code == 200 and "?key=" in atom.text
    forged = feed_url.group(1).rsplit(".", 1)[0] + "." + "0" * 32
    assert anonymous.get(forged).status_code == 404
    assert bob.post(location + "/delete", data={"csrf": page_csrf(bob, "/search")}).status_code in (303, 200)
    assert alice.get(location + ".json").status_code == 200  # bob cannot delete it either


def test_feed_links_use_the_base_url_never_the_host_header(db_location: str) -> None:
    data = corpus(db_location)
    evil = {"Host": "evil.example"}
    configured = TestClient(create_app(db_location, multi_user=True, base_url="https://news.example.org/"))
    for path in ("/feed.atom", f"/stories/{data.story}/feed.json"):
        body = configured.get(path, headers=evil).text
        assert "evil.example" not in body and "https://news.example.org/stories/" in body, path
    unconfigured = TestClient(create_app(db_location, multi_user=True, base_url=""))
    body = unconfigured.get("/feed.atom", headers=evil).text
    assert "evil.example" not in body and 'href="/stories/' in body  # relative rather than the caller's Host
    local = local_client(db_location, base_url="")
    assert local.get("/feed.atom", headers=evil).status_code == 400  # local mode checks the Host header
    assert "http://127.0.0.1:8000/stories/" in local.get("/feed.atom").text


def test_reader_api_links_use_the_base_url(db_location: str) -> None:
    corpus(db_location)
    store = Store(db_location)
    add_user(store, "alice", "a long passphrase")
    store.close()
    client = TestClient(create_app(db_location, multi_user=True, base_url="https://news.example.org"))
    evil = {"Host": "evil.example"}
    auth = client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": "a long passphrase"},
                       headers=evil).text.split("Auth=")[1].strip()
    headers = {**evil, "Authorization": f"GoogleLogin auth={auth}"}
    contents = client.get("/reader/api/0/stream/contents/user/-/state/com.google/reading-list",
                          params={"output": "json"}, headers=headers)
    assert contents.status_code == 200 and "evil.example" not in contents.text
    assert "https://news.example.org" in contents.text


def test_with_a_local_key_being_on_loopback_is_not_enough_to_write(db_location: str) -> None:
    data = corpus(db_location)
    app = create_app(db_location, local_key="the-printed-key")
    other_process = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50001))
    assert other_process.get("/api/me").json() == {"user": None, "via": None}
    assert "/sources/add" not in other_process.get("/sources").text  # no admin forms
    scraped = re.search(r'name="csrf" value="([0-9a-f]+)"', other_process.get("/login").text)
    token = scraped.group(1) if scraped else ""
    refused = other_process.post("/follow", data={"csrf": token, "kind": "story", "id": data.story})
    assert refused.status_code in (401, 403)
    assert other_process.get("/?token=a-wrong-key", follow_redirects=False).status_code == 200  # no cookie
    remote = TestClient(app, base_url="http://127.0.0.1:8000", client=("203.0.113.9", 1))
    assert remote.get("/?token=the-printed-key", follow_redirects=False).status_code == 200  # loopback only

    browser = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50002))
    opened = browser.get(f"/stories/{data.story}?token=the-printed-key&x=1", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/stories/{data.story}?x=1"
    cookie = opened.headers["set-cookie"]
    assert "sl_local=" in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert browser.get("/api/me").json()["via"] == "local"
    assert browser.post("/follow", data={"csrf": page_csrf(browser), "kind": "story", "id": data.story},
                        follow_redirects=False).status_code == 303
    restarted = TestClient(create_app(db_location, local_key="another-run"), base_url="http://127.0.0.1:8000",
                           client=("127.0.0.1", 50002), cookies=dict(browser.cookies))
    assert restarted.get("/api/me").json()["via"] == "local"  # the cookie outlives a restart
