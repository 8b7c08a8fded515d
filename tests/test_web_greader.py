"""The Google Reader API for mobile apps: signing in, subscriptions, streams, items and marks.

A small corpus (two feeds, articles from no feed, a story, a person, a duplicate and a
hostile article) is written through the store; each test drives the API as an app would.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from starlette.testclient import TestClient
from support import stored_text

from storyline.article import Article, Entity
from storyline.store import Store
from storyline.web import create_app
from storyline.web.auth import hash_password, token_hash
from storyline.web.sample import save_articles, write_story

WORLD = "https://feeds.example.org/world.xml"
TECH = "https://feeds.example.org/tech.xml"
XSS = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
PASSWORD = "correct horse battery"
READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LONG = "tag:google.com,2005:reader/item/"


@dataclass
class Reader:
    location: str
    client: TestClient
    canonical: list[str]  # every canonical article id

    def login(self, name: str = "alice", password: str = PASSWORD, prefix: str = "") -> App:
        response = self.client.post(f"{prefix}/accounts/ClientLogin", data={"Email": name, "Passwd": password})
        assert response.status_code == 200, response.text
        auth = dict(line.split("=", 1) for line in response.text.splitlines())["Auth"]
        return App(self.client, auth)


class App:
    """What a reader app does: every call with its auth header, every write with the T token."""

    def __init__(self, client: TestClient, auth: str) -> None:
        self.client, self.auth = client, auth
        self.headers = {"Authorization": f"GoogleLogin auth={auth}"}
        self.t = self.get("/reader/api/0/token").text.strip()

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params={"output": "json", **params}, headers=self.headers)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response

    def json(self, path: str, **params: Any) -> Any:
        return self.get(path, **params).json()

    def post(self, path: str, data: list[tuple[str, str]], *, token: bool = True) -> Any:
        body = urlencode(data + ([("T", self.t)] if token else []))  # names repeat: i=…&i=…
        return self.client.post(path, content=body, headers={
            **self.headers, "Content-Type": "application/x-www-form-urlencoded"})

    def ids(self, stream: str = READING_LIST, **params: Any) -> list[str]:
        found: list[str] = []
        continuation = None
        for _ in range(50):  # a continuation that never ends fails the test
            extra = {"c": continuation} if continuation else {}
            page = self.json("/reader/api/0/stream/items/ids", s=stream, **params, **extra)
            found += [ref["id"] for ref in page["itemRefs"]]
            continuation = page.get("continuation")
            if not continuation:
                return found
        raise AssertionError("the continuation never ends")

    def contents(self, ids: list[str]) -> list[dict[str, Any]]:
        response = self.post("/reader/api/0/stream/items/contents", [("i", i) for i in ids] + [("output", "json")],
                             token=False)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def unread(self) -> dict[str, int]:
        return {c["id"]: c["count"] for c in self.json("/reader/api/0/unread-count")["unreadcounts"]}

    def edit_tag(self, ids: list[str], *, add: str | None = None, remove: str | None = None) -> None:
        data = [("i", i) for i in ids] + ([("a", add)] if add else []) + ([("r", remove)] if remove else [])
        response = self.post("/reader/api/0/edit-tag", data)
        assert response.status_code == 200 and response.text == "OK", response.text


def _article(article_id: str, collection: str | None, title: str, body: str, **fields: Any) -> Article:
    return Article(id=article_id, source=f"test:{article_id}", body=body, title=title, collection=collection,
                   publisher=fields.pop("publisher", "Daily Ledger"), published=fields.pop("published", "2025-12-08"),
                   url=fields.pop("url", f"https://example.org/{article_id}"), **fields)


def write_corpus(location: str) -> list[str]:
    """Two feeds (world: 25 articles, tech: 3), two articles from no feed (one hostile), a duplicate,
    a story over w01, w02 and t01, and a person in w03; alice (administrator) and bob."""
    store = Store(location)
    articles = [_article(f"w{i:02d}", WORLD, f"World story {i}", f"Paragraph one of w{i:02d}.\n\nParagraph two.")
                for i in range(25)]
    articles += [_article(f"t{i:02d}", TECH, f"Tech story {i}", f"Chips and code {i}.") for i in range(3)]
    articles.append(_article("o01", None, "A page read from a file", "Plain text from a file.", url=None))
    articles.append(_article("o02", None, f"{XSS}Hostile {IMG} headline",
                             f"A hostile body {XSS} and {IMG} here.\n\nSecond <b>paragraph</b> & more.",
                             url="javascript:alert(1)", authors=[f"Sam {XSS}Evil"]))
    articles.append(_article("d01", TECH, "World story 1 (copy)", "Paragraph one of w01.\n\nParagraph two.",
                             duplicate_of="w01"))
    berg = "Anna Berg said nothing."
    articles[3] = _article("w03", WORLD, "Berg speaks", berg, entities=[
        Entity(id="e1", name="Anna Berg", type="PERSON", mentions=[(0, 9)], canonical_id="p-berg")])
    save_articles(store, articles)
    write_story(store, "s-talks", "Frozen assets talks", "Talks go on.", ["w01", "w02", "t01"])
    store.add_feed(WORLD, "World news")
    store.add_feed(TECH, "Tech news")
    store.create_user("alice", hash_password(PASSWORD), is_admin=True, user_id="u-alice")
    store.create_user("bob", hash_password(PASSWORD), user_id="u-bob")
    store.close()
    return [a.id for a in articles if a.duplicate_of is None]


@pytest.fixture
def reader(db_location: str) -> Reader:
    canonical = write_corpus(db_location)
    app = create_app(db_location, multi_user=True, base_url="http://testserver")  # links start with the base URL
    client = TestClient(app, base_url="http://testserver")
    return Reader(db_location, client, canonical)


def test_client_login_gives_an_auth_token_kept_only_as_a_hash(reader: Reader) -> None:
    response = reader.client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = dict(line.split("=", 1) for line in response.text.splitlines())
    assert set(lines) == {"SID", "LSID", "Auth"} and len(lines["Auth"]) >= 40
    app = App(reader.client, lines["Auth"])
    assert len(app.t) == 57 and app.t != app.auth
    assert app.json("/reader/api/0/user-info")["userName"] == "alice"
    text = stored_text(reader.location)
    assert lines["Auth"] not in text and token_hash(lines["Auth"]) in text
    as_json = reader.client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD,
                                                                "output": "json"}).json()
    assert as_json["Auth"] and as_json["Auth"] != lines["Auth"]  # each sign-in its own token


def test_password_sign_ins_keep_only_the_newest_app_tokens(reader: Reader) -> None:
    first = reader.login()
    for _ in range(10):
        reader.login()
    assert reader.client.get("/reader/api/0/user-info", headers=first.headers).status_code == 401
    store = Store(reader.location)
    assert len(store.list_api_tokens("u-alice")) == 10
    store.close()


def test_an_api_token_works_as_the_password(reader: Reader) -> None:
    store = Store(reader.location)
    store.create_api_token("u-bob", token_hash("bobs-app-token-0123456789"), "phone")
    store.close()
    app = reader.login("bob", "bobs-app-token-0123456789")
    assert app.auth == "bobs-app-token-0123456789"
    assert app.json("/reader/api/0/user-info")["userId"] == "u-bob"
    refused = reader.client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": "bobs-app-token-0123456789"})
    assert refused.status_code == 401  # bob's token is not alice's password


def test_wrong_or_missing_credentials_are_refused(reader: Reader) -> None:
    client = reader.client
    for form in ({"Email": "alice", "Passwd": "wrong password!"}, {"Email": "nobody", "Passwd": PASSWORD},
                 {"Email": "alice"}, {}):
        response = client.post("/accounts/ClientLogin", data=form)
        assert response.status_code == 401 and "BadAuthentication" in response.text
    paths = ["/reader/api/0/token", "/reader/api/0/user-info", "/reader/api/0/subscription/list",
             "/reader/api/0/tag/list", "/reader/api/0/unread-count", "/reader/api/0/stream/items/ids",
             f"/reader/api/0/stream/contents/{READING_LIST}", "/reader/api/0/anything/else"]
    for headers in ({}, {"Authorization": "GoogleLogin auth=not-a-token"}, {"Authorization": "Bearer x"},
                    {"Authorization": "GoogleLogin"}):
        for path in paths:
            response = client.get(path, params={"output": "json", "s": READING_LIST}, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.headers["Google-Bad-Token"] == "true"
            assert "items" not in response.text


def test_every_write_needs_the_action_token(reader: Reader) -> None:
    app = reader.login()
    item = app.ids()[0]
    writes = [("/reader/api/0/edit-tag", [("i", item), ("a", READ)]),
              ("/reader/api/0/mark-all-as-read", [("s", READING_LIST)]),
              ("/reader/api/0/subscription/edit", [("s", "feed/storyline:story:s-talks"), ("ac", "subscribe")]),
              ("/reader/api/0/subscription/quickadd", [("quickadd", "https://new.example.org/feed.xml")])]
    for path, data in writes:
        assert app.post(path, data, token=False).status_code == 401, path
        assert app.post(path, [*data, ("T", "x" * 57)], token=False).status_code == 401, path
    assert app.unread()[READING_LIST] == len(reader.canonical)
    store = Store(reader.location)
    assert store.list_follows("u-alice") == [] and len(store.list_feeds()) == 2
    store.close()
    other = reader.login("bob")
    assert app.post("/reader/api/0/edit-tag", [("i", item), ("a", READ), ("T", other.t)], token=False).status_code == 401
    assert app.post("/reader/api/0/edit-tag", [("i", item), ("a", READ)]).status_code == 200


def test_local_mode_signs_in_with_an_api_token_of_the_local_reader(db_location: str) -> None:
    write_corpus(db_location)
    app = create_app(db_location)  # local mode: creates the local reader
    store = Store(db_location)
    store.create_api_token("local", token_hash("local-phone-token-0123456789"), "phone")
    store.close()
    phone = TestClient(app, base_url="http://127.0.0.1:8000", client=("192.0.2.7", 40000))
    refused = phone.post("/accounts/ClientLogin", data={"Email": "local", "Passwd": "not-the-token"})
    assert refused.status_code == 401
    assert phone.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD}).status_code == 401
    assert phone.get("/reader/api/0/user-info").status_code == 401  # being on the network is not enough
    reader = Reader(db_location, phone, [])
    signed_in = reader.login("local", "local-phone-token-0123456789")
    assert signed_in.json("/reader/api/0/user-info")["userId"] == "local"
    signed_in.edit_tag([signed_in.ids()[0]], add=STARRED)
    assert len(signed_in.ids(STARRED)) == 1


def test_subscriptions_are_the_feeds_other_articles_and_what_the_user_follows(reader: Reader) -> None:
    store = Store(reader.location)
    store.follow("u-alice", "story", "s-talks")
    store.follow("u-alice", "entity", "p-berg")
    store.close()
    app = reader.login()
    subscriptions = {s["id"]: s for s in app.json("/reader/api/0/subscription/list")["subscriptions"]}
    assert set(subscriptions) == {f"feed/{WORLD}", f"feed/{TECH}", "feed/storyline:other",
                                  "feed/storyline:story:s-talks", "feed/storyline:entity:p-berg"}
    assert subscriptions[f"feed/{WORLD}"]["title"] == "World news"
    assert subscriptions[f"feed/{WORLD}"]["url"] == WORLD
    assert subscriptions[f"feed/{WORLD}"]["categories"] == [{"id": "user/-/label/Sources", "label": "Sources"}]
    story = subscriptions["feed/storyline:story:s-talks"]
    assert story["title"] == "Frozen assets talks" and story["categories"][0]["label"] == "Stories"
    assert story["htmlUrl"] == "http://testserver/stories/s-talks"
    assert subscriptions["feed/storyline:entity:p-berg"]["categories"][0]["label"] == "People"
    tags = [t["id"] for t in app.json("/reader/api/0/tag/list")["tags"]]
    assert tags[0] == STARRED
    assert set(tags[1:]) == {"user/-/label/Sources", "user/-/label/Stories", "user/-/label/People"}
    bob = reader.login("bob")
    assert "feed/storyline:story:s-talks" not in {
        s["id"] for s in bob.json("/reader/api/0/subscription/list")["subscriptions"]}


def test_the_reading_list_pages_through_every_canonical_article_once(reader: Reader) -> None:
    app = reader.login()
    first = app.json("/reader/api/0/stream/items/ids", s=READING_LIST, n=10)
    assert len(first["itemRefs"]) == 10 and first["continuation"]
    ids = app.ids(n=10)
    assert len(ids) == len(set(ids)) == len(reader.canonical) == 30
    assert [int(i) for i in ids] == sorted((int(i) for i in ids), reverse=True)  # newest first
    assert app.ids(n=7, r="o") == ids[::-1]
    titles: list[str] = []
    continuation = None
    pages = 0
    while pages < 10:
        extra = {"c": continuation} if continuation else {}
        page = app.json(f"/reader/api/0/stream/contents/{READING_LIST}", n=12, **extra)
        titles += [item["title"] for item in page["items"]]
        pages += 1
        continuation = page.get("continuation")
        if not continuation:
            break
    assert pages == 3 and len(titles) == 30 and len(set(titles)) == 30
    assert "World story 1 (copy)" not in titles  # duplicates stay with their original


def test_item_ids_round_trip_in_both_forms_and_stay_stable(reader: Reader) -> None:
    app = reader.login()
    ids = app.ids(n=1000)
    short = app.contents(ids[:5])
    long_forms = [f"{LONG}{int(i):016x}" for i in ids[:5]]
    assert [item["id"] for item in short] == long_forms
    assert app.contents(long_forms) == short
    assert app.contents([ids[0], long_forms[0]])[0]["id"] == long_forms[0]
    store = Store(reader.location)
    save_articles(store, [_article("w99", WORLD, "Late news", "It came later.")])
    store.close()
    again = app.ids(n=1000)
    assert again[1:] == ids and app.contents([again[0]])[0]["title"] == "Late news"
    bad = app.post("/reader/api/0/stream/items/contents", [("i", "not-an-id")], token=False)
    assert bad.status_code == 400


def test_an_item_carries_its_origin_link_times_author_and_story(reader: Reader) -> None:
    app = reader.login()
    page = app.json(f"/reader/api/0/stream/contents/feed/{WORLD}", n=100)
    item = next(i for i in page["items"] if i["title"] == "World story 1")
    assert item["origin"] == {"streamId": f"feed/{WORLD}", "title": "World news", "htmlUrl": WORLD}
    assert item["canonical"] == [{"href": "https://example.org/w01"}]
    assert item["alternate"][0]["href"] == "https://example.org/w01"
    assert item["published"] == 1765152000  # 2025-12-08
    assert int(item["timestampUsec"]) // 1000 == int(item["crawlTimeMsec"]) > 0
    assert item["author"] == "Daily Ledger"
    content = item["summary"]["content"]
    assert content.startswith("<p>Paragraph one of w01.</p>\n<p>Paragraph two.</p>")
    assert 'href="http://testserver/stories/s-talks"' in content
    assert item["categories"] == [READING_LIST, "user/-/label/Sources"]
    other = app.json("/reader/api/0/stream/contents/feed/storyline:other")["items"]
    assert {i["origin"]["streamId"] for i in other} == {"feed/storyline:other"} and len(other) == 2


def test_streams_of_a_feed_a_story_a_person_and_a_label(reader: Reader) -> None:
    store = Store(reader.location)
    store.follow("u-alice", "story", "s-talks")
    store.follow("u-alice", "entity", "p-berg")
    store.close()
    app = reader.login()

    def titles(stream: str) -> set[str]:
        return {i["title"] for i in app.json(f"/reader/api/0/stream/contents/{stream}", n=100)["items"]}

    assert titles(f"feed/{TECH}") == {"Tech story 0", "Tech story 1", "Tech story 2"}
    assert len(titles(f"feed/{WORLD}")) == 25
    assert titles("feed/storyline:story:s-talks") == {"World story 1", "World story 2", "Tech story 1"}
    assert titles("feed/storyline:entity:p-berg") == {"Berg speaks"}
    assert titles("user/-/label/Stories") == titles("feed/storyline:story:s-talks")
    assert len(titles("user/-/label/Sources")) == 30
    assert titles("user/u-alice/label/People") == {"Berg speaks"}  # user/<id>/ is user/-/
    assert len(app.ids(f"feed/{WORLD}", n=10)) == 25
    unknown = app.client.get("/reader/api/0/stream/contents/user/-/state/com.google/nonsense", headers=app.headers)
    assert unknown.status_code == 400


def test_marks_read_unread_and_starred_change_streams_and_counts(reader: Reader) -> None:
    store = Store(reader.location)
    store.follow("u-alice", "story", "s-talks")
    store.close()
    app = reader.login()
    world = app.ids(f"feed/{WORLD}")
    story = app.ids("feed/storyline:story:s-talks")
    before = app.unread()
    assert before[READING_LIST] == 30 and before[f"feed/{WORLD}"] == 25 and before["feed/storyline:story:s-talks"] == 3
    app.edit_tag(story[:2], add=READ)
    after = app.unread()
    assert after[READING_LIST] == 28 and after["feed/storyline:story:s-talks"] == 1
    assert after["user/-/label/Stories"] == 1
    assert after[f"feed/{WORLD}"] + after[f"feed/{TECH}"] == 28 - 2  # two from no feed
    assert set(app.ids(READ)) == set(story[:2])
    assert not set(app.ids(xt=READ)) & set(story[:2]) and len(app.ids(xt=READ)) == 28
    assert set(app.ids(f"feed/{WORLD}", it=READ)) | set(app.ids(f"feed/{TECH}", it=READ)) == set(story[:2])
    assert all(READ in item["categories"] for item in app.contents(story[:2]))
    app.edit_tag([f"{LONG}{int(story[0]):016x}"], remove=READ)
    assert app.unread()[READING_LIST] == 29
    assert READ not in app.contents([story[0]])[0]["categories"]

    app.edit_tag([world[3], world[4]], add=STARRED)
    assert app.ids(STARRED) == [world[3], world[4]]
    assert STARRED in app.contents([world[3]])[0]["categories"]
    app.edit_tag([world[3]], remove=STARRED)
    assert app.ids(STARRED) == [world[4]]
    assert app.unread()[READING_LIST] == 29  # starring does not read

    bob = reader.login("bob")
    assert bob.unread()[READING_LIST] == 30 and bob.ids(STARRED) == []
    conflict = app.post("/reader/api/0/edit-tag", [("i", world[0]), ("a", READ), ("r", READ)])
    assert conflict.status_code == 400


def test_reading_in_the_web_reader_counts_as_read_until_marked_unread(reader: Reader) -> None:
    app = reader.login()
    store = Store(reader.location)
    store.record_read("u-alice", "article", "w05")
    store.close()
    item = next(i for i in app.json(f"/reader/api/0/stream/contents/feed/{WORLD}", n=100)["items"]
                if i["canonical"][0]["href"].endswith("/w05"))
    assert READ in item["categories"] and app.unread()[READING_LIST] == 29
    app.edit_tag([item["id"]], remove=READ)
    assert app.unread()[READING_LIST] == 30


def test_mark_all_as_read_marks_one_stream_up_to_a_time(reader: Reader) -> None:
    app = reader.login()
    assert app.post("/reader/api/0/mark-all-as-read", [("s", f"feed/{TECH}"), ("ts", "1000000")]).text == "OK"
    assert app.unread()[f"feed/{TECH}"] == 3  # everything arrived after that moment
    assert app.post("/reader/api/0/mark-all-as-read", [("s", f"feed/{TECH}")]).text == "OK"
    counts = app.unread()
    assert counts[f"feed/{TECH}"] == 0 and counts[f"feed/{WORLD}"] == 25 and counts[READING_LIST] == 27
    newest = app.json("/reader/api/0/stream/items/ids", s=READING_LIST, n=1)["itemRefs"][0]["timestampUsec"]
    app.post("/reader/api/0/mark-all-as-read", [("s", READING_LIST), ("ts", newest)])
    assert app.unread()[READING_LIST] == 0


def test_a_hostile_title_and_body_are_escaped_in_items(reader: Reader) -> None:
    app = reader.login()
    items = app.json("/reader/api/0/stream/contents/feed/storyline:other")["items"]
    hostile = next(i for i in items if "Hostile" in i["title"])
    raw = app.get("/reader/api/0/stream/contents/feed/storyline:other").text
    for text in (hostile["title"], hostile["summary"]["content"], hostile["content"]["content"], hostile["author"], raw):
        assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert hostile["title"].startswith("＜script＞")
    content = hostile["summary"]["content"]
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in content
    assert "&lt;b&gt;paragraph&lt;/b&gt; &amp; more" in content
    assert re.fullmatch(r"(<p>[^<]*</p>\n?)+", content)  # only the paragraphs written here
    assert hostile["canonical"][0]["href"].startswith("http://testserver/articles/")  # never javascript:


def test_subscribing_renaming_and_unsubscribing(reader: Reader) -> None:
    alice, bob = reader.login(), reader.login("bob")

    def subscriptions(app: App) -> dict[str, str]:
        return {s["id"]: s["title"] for s in app.json("/reader/api/0/subscription/list")["subscriptions"]}

    edit = "/reader/api/0/subscription/edit"
    story = "feed/storyline:story:s-talks"
    assert bob.post(edit, [("s", story), ("ac", "subscribe"), ("t", "My talks")]).text == "OK"
    assert subscriptions(bob)[story] == "My talks"
    assert bob.post(edit, [("s", story), ("ac", "edit"), ("t", "Talks")]).text == "OK"
    assert subscriptions(bob)[story] == "Talks" and story not in subscriptions(alice)
    assert bob.post(edit, [("s", story), ("ac", "unsubscribe")]).text == "OK"
    assert story not in subscriptions(bob)
    assert bob.post(edit, [("s", "feed/storyline:story:nope"), ("ac", "subscribe")]).status_code == 400

    new = "https://new.example.org/feed.xml"
    assert bob.post(edit, [("s", f"feed/{new}"), ("ac", "subscribe")]).status_code == 403  # feeds: administrators
    assert bob.post(edit, [("s", f"feed/{WORLD}"), ("ac", "unsubscribe")]).status_code == 403
    assert bob.post(edit, [("s", f"feed/{WORLD}"), ("ac", "edit"), ("t", "Bob's world")]).text == "OK"
    assert subscriptions(bob)[f"feed/{WORLD}"] == "Bob's world" and subscriptions(alice)[f"feed/{WORLD}"] == "World news"
    added = alice.post("/reader/api/0/subscription/quickadd", [("quickadd", new)])
    assert added.json() == {"numResults": 1, "query": new, "streamId": f"feed/{new}", "streamName": new}
    assert f"feed/{new}" in subscriptions(bob)
    assert alice.post(edit, [("s", f"feed/{new}"), ("ac", "unsubscribe")]).text == "OK"
    assert f"feed/{new}" not in subscriptions(alice)
    refused = alice.post("/reader/api/0/subscription/quickadd", [("quickadd", "file:///etc/passwd")])
    assert refused.status_code == 400


def test_the_api_answers_under_the_freshrss_path_too(reader: Reader) -> None:
    app = reader.login(prefix="/api/greader.php")
    response = app.client.get("/api/greader.php/reader/api/0/subscription/list", params={"output": "json"},
                              headers=app.headers)
    assert response.status_code == 200 and len(response.json()["subscriptions"]) == 3


def test_a_live_server_serves_an_app_with_percent_encoded_feed_streams(db_location: str) -> None:
    """Over real HTTP (uvicorn on 127.0.0.1), in local mode: a loopback client still needs a token."""
    import httpx
    import uvicorn

    write_corpus(db_location)
    app = create_app(db_location)
    store = Store(db_location)
    store.create_api_token("local", token_hash("live-app-token-0123456789"), "desktop app")
    store.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as http:
            assert http.get("/reader/api/0/subscription/list", params={"output": "json"}).status_code == 401
            login = http.post("/accounts/ClientLogin", data={"Email": "me", "Passwd": "live-app-token-0123456789"})
            assert login.status_code == 200
            auth = {"Authorization": "GoogleLogin auth=live-app-token-0123456789"}
            stream = quote(f"feed/{WORLD}", safe="")
            page = http.get(f"/reader/api/0/stream/contents/{stream}", params={"n": 5, "output": "json"},
                            headers=auth).json()
            assert len(page["items"]) == 5 and page["continuation"]
            assert {item["origin"]["streamId"] for item in page["items"]} == {f"feed/{WORLD}"}
            token = http.get("/reader/api/0/token", headers=auth).text.strip()
            marked = http.post("/reader/api/0/edit-tag", headers=auth,
                               data={"i": page["items"][0]["id"], "a": READ, "T": token})
            assert marked.text == "OK"
            counts = http.get("/reader/api/0/unread-count", params={"output": "json"}, headers=auth).json()
            assert {c["id"]: c["count"] for c in counts["unreadcounts"]}[f"feed/{WORLD}"] == 24
    finally:
        server.should_exit = True
        thread.join(10)
