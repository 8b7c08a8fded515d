"""Signed-in readers' pages are kept too, each reader's their own: good while the stories and the
reader's own state stand, with each session's form token; reads are written once per page in a window."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient
from test_visitor_pages import TOKEN, _cache

from storyline.accounts import add_user
from storyline.article import Article
from storyline.dedup import content_hash
from storyline.store import Store
from storyline.store.reader import ItemScope
from storyline.stories.types import Story, Storyline
from storyline.web import create_app
from storyline.web.recent_reads import RecentReads

PASSWORD = "a long passphrase"
BODIES = {"a1": "The harbour council voted on the new bridge after a long night of debate.",
          "a2": "Engineers said the bridge over the harbour would take three years to build."}


def _fill(store: Store) -> dict[str, str]:
    """Two articles in story s1 of storyline l1, and two readers; their user ids by name."""
    with store.transaction("save") as conn:
        for article_id, body in BODIES.items():
            store.save_article(conn, Article(id=article_id, source=f"test:{article_id}", body=body,
                                             content_hash=content_hash(body), title=f"Bridge {article_id}"))
        store.save_story(conn, Story(id="s1", title="Bridge vote", articles=list(BODIES), storyline_id="l1"))
        store.save_storyline(conn, Storyline(id="l1", title="Harbour bridge", stories=["s1"], articles=list(BODIES)))
    return {name: add_user(store, name, PASSWORD) for name in ("alice", "bob")}


def _signed_in(app: object, name: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    token = TOKEN.search(client.get("/login").text)
    assert token, "the sign-in form has a form token"
    answer = client.post("/login", data={"csrf": token.group(1), "name": name, "password": PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 303 and client.cookies.get("sl_session")
    return client


def _token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the page has a form token"
    return found.group(1)


@pytest.fixture
def readers(store: Store) -> Iterator[tuple[object, dict[str, str]]]:
    users = _fill(store)
    yield create_app(store.location, multi_user=True, allowed_hosts=["testserver"]), users


def _times_read(store: Store, user_id: str, kind: str, target_id: str) -> int:
    with store.transaction("count reads") as conn:
        return int(conn.execute(text("SELECT times FROM reads WHERE user_id = :u AND kind = :k AND target_id = :t"),
                                {"u": user_id, "k": kind, "t": target_id}).scalar() or 0)


def test_a_readers_page_is_kept_and_reused_and_the_read_written_once(
        store: Store, readers: tuple[object, dict[str, str]]) -> None:
    app, users = readers
    with _signed_in(app, "alice") as alice:
        first = alice.get("/stories/s1")
        assert first.status_code == 200 and "alice" in first.text
        assert store.list_reads(users["alice"], "story").keys() == {"s1"}  # the first opening is written at once
        alice.get("/stories/s1")  # made again: the read written changed the reader's stamp
        cache = _cache(app)
        hits, misses = cache.hits, cache.misses
        pages = [alice.get("/stories/s1").text for _ in range(3)]
        assert cache.hits == hits + 3 and cache.misses == misses  # answered from memory
        assert len(set(pages)) == 1 and pages[0] == first.text
        assert _times_read(store, users["alice"], "story", "s1") == 1  # reopening within the window is not written


def test_another_reader_and_a_visitor_never_get_a_readers_page(readers: tuple[object, dict[str, str]]) -> None:
    app, _users = readers
    with _signed_in(app, "alice") as alice, _signed_in(app, "bob") as bob, TestClient(app) as visitor:
        alice.post("/follow", data={"csrf": _token(alice.get("/stories/s1").text), "kind": "story", "id": "s1",
                                    "next": "/stories/s1"})
        for _ in range(3):
            assert "Following ✓" in alice.get("/stories/s1").text
        cache = _cache(app)
        misses = cache.misses
        theirs = bob.get("/stories/s1").text
        assert cache.misses == misses + 1  # made for bob
        assert "Following ✓" not in theirs and 'action="/follow"' in theirs and ">bob<" in theirs
        assert ">alice<" not in theirs
        seen = visitor.get("/stories/s1").text
        assert 'action="/follow"' not in seen and "Following" not in seen and ">alice<" not in seen
        assert 'href="/login"' in seen
        assert "Following ✓" in alice.get("/stories/s1").text and ">alice<" in alice.get("/stories/s1").text


def test_readers_with_the_same_stamp_still_get_their_own_pages(
        store: Store, readers: tuple[object, dict[str, str]]) -> None:
    app, _users = readers
    with store.transaction("accounts from before reader stamps") as conn:
        conn.execute(text("UPDATE users SET reader_stamp = NULL"))
    with _signed_in(app, "alice") as alice, _signed_in(app, "bob") as bob, TestClient(app) as visitor:
        for _ in range(3):
            assert ">alice<" in alice.get("/storylines/l1").text  # kept under alice's (empty) stamp
        assert ">bob<" in bob.get("/storylines/l1").text and ">alice<" not in bob.get("/storylines/l1").text
        seen = visitor.get("/storylines/l1").text
        assert ">alice<" not in seen and ">bob<" not in seen and 'action="/follow"' not in seen


def test_each_session_gets_its_own_form_token(readers: tuple[object, dict[str, str]]) -> None:
    app, _users = readers
    with _signed_in(app, "alice") as laptop, _signed_in(app, "alice") as phone:
        for _ in range(2):
            laptop.get("/storylines/l1")
        cache = _cache(app)
        hits = cache.hits
        mine, theirs = laptop.get("/storylines/l1").text, phone.get("/storylines/l1").text
        assert cache.hits == hits + 2  # the phone got the page kept for alice
        assert _token(mine) != _token(theirs) and TOKEN.sub("", mine) == TOKEN.sub("", theirs)
        refused = phone.post("/follow", data={"csrf": _token(mine), "kind": "storyline", "id": "l1"},
                             follow_redirects=False)
        assert refused.status_code == 403  # the laptop's token is no good in the phone's session
        done = phone.post("/follow", data={"csrf": _token(theirs), "kind": "storyline", "id": "l1",
                                           "next": "/storylines/l1"}, follow_redirects=False)
        assert done.status_code == 303
        assert "Following ✓" in laptop.get("/storylines/l1").text  # the follow made the kept page anew


def test_a_follow_or_unfollow_through_another_server_process_shows_at_once(
        store: Store, readers: tuple[object, dict[str, str]]) -> None:
    app, _users = readers
    other = create_app(store.location, multi_user=True, allowed_hosts=["testserver"])  # another worker's app
    with _signed_in(app, "alice") as alice, TestClient(other, cookies=dict(alice.cookies)) as elsewhere:
        for _ in range(3):
            page = alice.get("/storylines/l1").text
        assert 'action="/follow"' in page
        token = _token(elsewhere.get("/storylines/l1").text)
        elsewhere.post("/follow", data={"csrf": token, "kind": "storyline", "id": "l1"}, follow_redirects=False)
        assert "Following ✓" in alice.get("/storylines/l1").text
        elsewhere.post("/unfollow", data={"csrf": token, "kind": "storyline", "id": "l1"}, follow_redirects=False)
        assert 'action="/follow"' in alice.get("/storylines/l1").text


def test_for_you_counts_what_the_reader_just_opened(readers: tuple[object, dict[str, str]]) -> None:
    app, _users = readers
    with _signed_in(app, "alice") as alice:
        alice.post("/follow", data={"csrf": _token(alice.get("/storylines/l1").text), "kind": "story", "id": "s1"})
        for _ in range(3):
            assert "2 unread articles" in alice.get("/for-you").text
        alice.get("/articles/a1")
        assert "1 unread article" in alice.get("/for-you").text
        alice.get("/stories/s1")
        assert "no new articles since you opened it" in alice.get("/for-you").text
        alice.post("/unfollow", data={"csrf": _token(alice.get("/for-you").text), "kind": "story", "id": "s1"})
        assert "you follow this story" not in alice.get("/for-you").text


def test_the_local_reader_has_a_page_of_their_own_kept(store: Store) -> None:
    _fill(store)
    app = create_app(store.location)  # local mode without a key: the loopback browser is the local reader
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5000)) as local:
        local.get("/stories/s1")
        local.get("/stories/s1")
        cache = _cache(app)
        hits = cache.hits
        page = local.get("/stories/s1").text
        assert cache.hits == hits + 1 and 'action="/follow"' in page
        local.post("/follow", data={"csrf": _token(page), "kind": "story", "id": "s1"}, follow_redirects=False)
        assert "Following ✓" in local.get("/stories/s1").text


# -- the reader stamp ---------------------------------------------------------------------------------------------


def _writes(store: Store, users: dict[str, str]) -> list[tuple[str, Callable[[str], object]]]:
    """Each write of a reader's own state, as a function of the user id (run in this order)."""
    saved: dict[str, str] = {}
    return [
        ("follow", lambda u: store.follow(u, "story", "s1")),
        ("set_alert", lambda u: store.set_alert(u, "story", "s1", True)),
        ("unfollow", lambda u: store.unfollow(u, "story", "s1")),
        ("record_read", lambda u: store.record_read(u, "article", "a1")),
        ("save_search", lambda u: saved.setdefault("id", store.save_search(u, "bridges", {"q": "bridge"}))),
        ("delete_saved_search", lambda u: store.delete_saved_search(u, saved["id"])),
        ("set_stream_title", lambda u: store.set_stream_title(u, "feed/https://n.example/rss", "News")),
        ("mark_items", lambda u: store.mark_items(u, [1], starred=True)),
        ("mark_scope_read", lambda u: store.mark_scope_read(u, ItemScope(everything=True))),
        ("add_webhook", lambda u: saved.setdefault("hook", store.add_webhook(u, "https://h.example/", "")["id"])),
        ("delete_webhook", lambda u: store.delete_webhook(u, saved["hook"])),
        ("set_admin", lambda u: store.set_admin(u, True)),
    ]


def test_every_write_of_a_readers_state_changes_their_stamp_only(store: Store) -> None:
    users = _fill(store)
    store.number_articles()
    alice, bob = users["alice"], users["bob"]
    for name, write in _writes(store, users):
        before, others = store.reader_stamp(alice), store.reader_stamp(bob)
        write(alice)
        assert store.reader_stamp(alice) != before, f"{name} left the reader stamp as it was"
        assert store.reader_stamp(bob) == others, f"{name} changed another reader's stamp"
    stamp = store.reader_stamp(alice)
    assert not store.unfollow(alice, "story", "s1") and not store.delete_saved_search(alice, "nope")
    assert store.reader_stamp(alice) == stamp  # nothing changed, nothing to make anew


def test_the_page_stamps_read_together_are_those_read_apart(store: Store) -> None:
    users = _fill(store)
    alice = users["alice"]
    assert store.reader_pages_version(alice) == (store.stories_version(), store.reader_stamp(alice))
    assert store.reader_pages_version("nobody") == (store.stories_version(), None)


def test_an_account_made_again_never_has_the_old_accounts_stamp(store: Store) -> None:
    store.create_user("carol", None, user_id="u-carol")
    old = store.reader_stamp("u-carol")
    assert old is not None
    store.delete_user("u-carol")
    store.create_user("carol", None, user_id="u-carol")
    assert store.reader_stamp("u-carol") not in (None, old)


PER_USER = re.compile(r"(INSERT INTO|UPDATE|DELETE FROM)\s+(follows|reads|item_states|saved_searches|stream_titles"
                      r"|webhooks|users)\b")
NOT_SHOWN = {  # writes of per-user tables that change nothing a reader's pages show
    "delete_user": "the account goes, and with it every session: nobody reads as that user",
    "set_password": "credentials: the sessions end, the pages are the same",
}


def test_every_store_write_of_a_readers_state_stamps_it() -> None:
    """A new write of a reader's state must change the stamp (or be named above, with the reason)."""
    unstamped = []
    for name, method in inspect.getmembers(Store, inspect.isfunction):
        source = inspect.getsource(method)
        if PER_USER.search(source) and name not in NOT_SHOWN and not re.search(r"\b(new_reader_stamp|stamp_reader)\(",
                                                                                source):
            unstamped.append(name)
    assert unstamped == []


# -- reads written once in a window ------------------------------------------------------------------------------


def test_a_read_is_written_at_once_then_not_again_within_the_window(store: Store) -> None:
    users = _fill(store)
    alice = users["alice"]
    reads = RecentReads(window=0.3)
    assert reads.record(store, alice, "story", "s1") and store.list_reads(alice, "story").keys() == {"s1"}
    assert not reads.record(store, alice, "story", "s1")
    assert reads.record(store, users["bob"], "story", "s1") and reads.record(store, alice, "article", "a1")
    other = Store(store.location)  # another store object (another server's) writes its own
    assert reads.record(other, alice, "story", "s1")
    other.close()
    time.sleep(0.35)
    assert reads.record(store, alice, "story", "s1")
    assert _times_read(store, alice, "story", "s1") == 3


def test_a_read_that_failed_to_be_written_is_tried_again(store: Store) -> None:
    reads = RecentReads()
    for _ in range(2):  # not remembered as written
        with pytest.raises(ValueError):
            reads.record(store, "u1", "podcast", "p1")
