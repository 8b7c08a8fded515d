"""Who may write: local mode, accounts, sessions, API tokens and CSRF on every write."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient
from support import page_csrf, stored_text
from test_web_corpus import Corpus, corpus, local_client

from storyline.accounts import add_user, new_invite
from storyline.store import Store
from storyline.web import create_app
from storyline.web.auth import hash_password, token_hash, verify_password


@pytest.fixture
def data(db_location: str) -> Corpus:
    return corpus(db_location)


def _csrf(client: TestClient, path: str = "/sources") -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert match, "the page has a CSRF field"
    return match.group(1)


def test_passwords_are_hashed_with_scrypt_and_salted() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("scrypt$") and first != second and "correct" not in first
    assert verify_password("correct horse battery", first)
    assert not verify_password("wrong horse battery", first)
    assert not verify_password("anything", "garbage") and not verify_password("anything", None)


def test_local_writes_need_the_csrf_token(data: Corpus) -> None:
    client = local_client(data.path)
    form = {"kind": "entity", "id": data.person}
    assert client.post("/follow", data=form).status_code == 403
    assert client.post("/follow", data={**form, "csrf": "0" * 64}).status_code == 403
    ok = client.post("/follow", data={**form, "csrf": _csrf(client)}, follow_redirects=False)
    assert ok.status_code == 303
    store = Store(data.path)
    assert store.is_following("local", "entity", data.person)
    store.close()


def test_a_token_from_another_browser_does_not_work(data: Corpus) -> None:
    one, two = local_client(data.path), local_client(data.path)
    token = _csrf(one)
    _csrf(two)  # two has its own seed cookie
    assert two.post("/follow", data={"kind": "story", "id": data.story, "csrf": token}).status_code == 403


def test_cross_origin_posts_are_refused_even_with_a_token(data: Corpus) -> None:
    client = local_client(data.path)
    token = _csrf(client)
    response = client.post("/sources/add", data={"csrf": token, "url": "https://x.example/feed"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_local_mode_answers_only_to_local_host_names(data: Corpus) -> None:
    client = local_client(data.path)
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400  # DNS rebinding
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200


def test_remote_browsers_can_read_but_not_write_in_local_mode(data: Corpus) -> None:
    app = create_app(data.path)
    remote = TestClient(app, base_url="http://127.0.0.1:8000", client=("203.0.113.9", 40000))
    assert remote.get("/").status_code == 200
    assert "/sources/add" not in remote.get("/sources").text  # no admin forms
    token = _csrf(remote, f"/stories/{data.story}") if "csrf" in remote.get("/login").text else None
    response = remote.post("/follow", data={"kind": "story", "id": data.story, "csrf": token or ""})
    assert response.status_code in (401, 403)
    assert remote.get("/for-you", follow_redirects=False).status_code == 303


def test_api_writes_need_csrf_or_a_bearer_token(data: Corpus) -> None:
    client = local_client(data.path)
    body = {"kind": "entity", "id": data.person}
    assert client.post("/api/follows", json=body).status_code == 403
    me = client.get("/api/me").json()
    assert me == {"via": "local", "user": {"id": "local", "name": "local reader", "admin": True}}  # no CSRF token
    response = client.post("/api/follows", json=body, headers={"X-CSRF-Token": page_csrf(client)})
    assert response.status_code == 201 and response.json()["added"] is True
    assert client.get("/api/follows").json()["follows"][0]["id"] == data.person
    assert client.post("/api/follows", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_api_tokens_are_shown_once_stored_hashed_and_work_from_anywhere(data: Corpus) -> None:
    client = local_client(data.path)
    csrf = _csrf(client, "/account")
    page = client.post("/account/tokens", data={"csrf": csrf, "name": "scripts"})
    token = re.search(r'<code class="token">([^<]+)</code>', page.text)
    assert token is not None
    secret = token.group(1)
    assert secret not in stored_text(data.path)
    store = Store(data.path)
    assert store.token_user(token_hash(secret))["id"] == "local"  # type: ignore[index]
    store.close()
    remote = TestClient(create_app(data.path), base_url="http://127.0.0.1:8000", client=("203.0.113.9", 1))
    auth = {"Authorization": f"Bearer {secret}"}
    assert remote.post("/api/feeds", json={"url": "https://n.example/rss"}, headers=auth).status_code == 201
    assert "https://n.example/rss" in [f["url"] for f in remote.get("/api/feeds").json()["feeds"]]
    assert remote.request("DELETE", "/api/feeds", params={"url": "https://n.example/rss"}, headers=auth).json() == {
        "url": "https://n.example/rss", "removed": True}
    token_id = client.get("/account.json").json()["tokens"][0]["id"]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf": csrf})
    assert remote.post("/api/feeds", json={"url": "https://m.example/rss"}, headers=auth).status_code == 401


def _sign_in(client: TestClient, name: str, password: str) -> int:
    response = client.post("/login", data={"csrf": _csrf(client, "/login"), "name": name, "password": password},
                           follow_redirects=False)
    return response.status_code


def test_nobody_becomes_admin_by_visiting_first(data: Corpus) -> None:
    app = create_app(data.path, multi_user=True, allowed_hosts=["testserver"], signup="open")
    visitor = TestClient(app)
    page = visitor.get("/login").text
    assert "No accounts yet" in page and "storyline users add NAME --admin" in page
    assert 'action="/signup"' not in page
    refused = visitor.post("/signup", data={"name": "mallory", "password": "a long passphrase"})
    assert refused.status_code == 403 and "sign-up is closed" in refused.text  # not while nobody administers it
    store = Store(data.path)
    assert store.count_users() == 0
    store.close()


def test_multi_user_sign_up_sign_in_sessions_and_roles(data: Corpus) -> None:
    store = Store(data.path)
    add_user(store, "alice", "a long passphrase", admin=True)  # what `storyline users add alice --admin` does
    store.close()
    app = create_app(data.path, multi_user=True, allowed_hosts=["testserver"], signup="open")
    alice = TestClient(app)
    assert alice.get("/for-you", follow_redirects=False).headers["location"] == "/login?next=/for-you"
    csrf = _csrf(alice, "/login")
    assert alice.post("/login", data={"name": "alice", "password": "a long passphrase"}).status_code == 403  # no csrf
    response = alice.post("/login", data={"csrf": csrf, "name": "alice", "password": "a long passphrase"},
                          follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "sl_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert alice.get("/api/me").json()["user"] == {"id": alice.get("/api/me").json()["user"]["id"],
                                                    "name": "alice", "admin": True}
    session_csrf = _csrf(alice, "/sources")
    assert session_csrf != csrf  # the token follows the session
    assert alice.post("/sources/add", data={"csrf": session_csrf, "url": "https://a.example/feed"},
                      follow_redirects=False).status_code == 303

    bob = TestClient(app)
    joined = bob.post("/signup", data={"csrf": _csrf(bob, "/login"), "name": "bob", "password": "bobs long password"},
                      follow_redirects=False)
    assert joined.status_code == 303  # the open policy lets anyone sign up ...
    assert bob.get("/api/me").json()["user"]["admin"] is False  # ... never as an administrator
    store = Store(data.path)
    row = store.get_user_by_name("bob")
    assert row is not None and "bobs" not in row["password_hash"]
    store.close()
    bob_csrf = _csrf(bob, f"/stories/{data.story}")
    bob.post("/logout", data={"csrf": bob_csrf})
    assert bob.get("/api/me").json()["user"] is None
    wrong = bob.post("/login", data={"csrf": _csrf(bob, "/login"), "name": "bob", "password": "nope nope nope"})
    assert wrong.status_code == 400 and "Wrong name or password" in wrong.text
    assert _sign_in(bob, "bob", "bobs long password") == 303
    bob_csrf = _csrf(bob, f"/stories/{data.story}")
    assert bob.post("/follow", data={"csrf": bob_csrf, "kind": "story", "id": data.story},
                    follow_redirects=False).status_code == 303
    assert bob.post("/sources/add", data={"csrf": bob_csrf, "url": "https://b.example/feed"}).status_code == 403
    assert [s["id"] for s in bob.get("/for-you.json").json()["stories"]] == [data.story]
    assert alice.get("/for-you.json").json()["stories"] == []  # follows are per user


def test_sign_up_is_closed_by_default_and_invite_codes_work_once(data: Corpus) -> None:
    store = Store(data.path)
    add_user(store, "alice", "a long passphrase", admin=True)
    closed = TestClient(create_app(data.path, multi_user=True, allowed_hosts=["testserver"]))
    assert 'action="/signup"' not in closed.get("/login").text
    assert closed.post("/signup", data={"csrf": _csrf(closed, "/login"), "name": "carol",
                                        "password": "carols long password"}).status_code == 403
    app = create_app(data.path, multi_user=True, allowed_hosts=["testserver"], signup="invite")
    carol = TestClient(app)
    assert 'name="invite"' in carol.get("/login").text
    form = {"csrf": _csrf(carol, "/login"), "name": "carol", "password": "carols long password"}
    assert carol.post("/signup", data=form).status_code == 400  # no code
    assert carol.post("/signup", data={**form, "invite": "made-up"}).status_code == 400
    code = new_invite(store)
    assert carol.post("/signup", data={**form, "invite": code}, follow_redirects=False).status_code == 303
    dave = TestClient(app)
    again = dave.post("/signup", data={"csrf": _csrf(dave, "/login"), "name": "dave",
                                       "password": "daves long password", "invite": code})
    assert again.status_code == 400 and "invite" in again.text  # used up
    assert store.get_user_by_name("dave") is None
    assert [u["name"] for u in store.list_users()] == ["alice", "carol"]
    store.close()


def test_ingest_through_the_api_runs_the_pipeline_and_feeds_search(data: Corpus) -> None:
    client = local_client(data.path)
    csrf = page_csrf(client)
    record = {"id": "api-1", "title": "Glacier melt speeds up", "url": "https://example.org/glacier",
              "text": "Scientists in Tromsø said the glacier lost more ice this summer than in any year on record."
                      " The measurements were published on Tuesday.", "published": "2025-12-14",
              "publisher": "Polar Post"}
    lines = json.dumps(record) + "\n" + "{not json\n"
    denied = client.post("/api/ingest", content=lines, headers={"Content-Type": "application/x-ndjson"})
    assert denied.status_code == 403
    response = client.post("/api/ingest", content=lines,
                           headers={"Content-Type": "application/x-ndjson", "X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["summary"]["new"] == 1 and len(result["summary"]["skipped"]) == 1
    hits = client.get("/api/search", params={"q": "glacier"}).json()
    assert [a["title"] for g in hits["groups"] for a in g["articles"]] == ["Glacier melt speeds up"]
