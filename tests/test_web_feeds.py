"""Feeds out: Atom that a real XML parser and feedparser accept, and JSON Feed 1.1."""

from __future__ import annotations

from xml.etree import ElementTree

import feedparser
import pytest
from starlette.testclient import TestClient
from support import page_csrf
from test_web_corpus import XSS, Corpus, corpus, local_client

from storyline.web.feeds_out import Feed, FeedEntry, atom, json_feed

A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(db_location: str) -> tuple[Corpus, TestClient]:
    data = corpus(db_location)
    return data, local_client(data.path)


def _check_atom(content: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(content)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):  # RFC 4287 4.1.1: required feed elements
        assert root.find(f"{A}{name}") is not None and root.findtext(f"{A}{name}"), name
    assert root.find(f"{A}author/{A}name") is not None
    assert root.find(f"{A}link[@rel='self']") is not None
    ids = []
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert entry.findtext(f"{A}{name}"), name
        assert entry.find(f"{A}link[@rel='alternate']").get("href", "").startswith("http://127.0.0.1:8000/")
        ids.append(entry.findtext(f"{A}id"))
    assert len(ids) == len(set(ids))
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return root


def _check_json_feed(data: dict) -> None:  # type: ignore[type-arg]
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] and data["feed_url"].endswith("/feed.json")
    for item in data["items"]:
        assert item["id"] and ("content_text" in item or "content_html" in item)


def test_every_feed_is_valid_atom_and_json_feed(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    csrf = page_csrf(client)
    saved = client.post("/searches", data={"csrf": csrf, "q": "brussels"}, follow_redirects=False)
    for base in ("", f"/stories/{data.story}", f"/storylines/{data.storyline}", f"/entities/{data.person}",
                 saved.headers["location"]):
        response = client.get(f"{base}/feed.atom")
        assert response.status_code == 200, base
        assert response.headers["content-type"].startswith("application/atom+xml")
        root = _check_atom(response.content)
        assert root.findall(f"{A}entry"), base
        json_response = client.get(f"{base}/feed.json")
        assert json_response.headers["content-type"].startswith("application/feed+json")
        _check_json_feed(json_response.json())
        assert len(json_response.json()["items"]) == len(root.findall(f"{A}entry"))


def test_story_feed_lists_its_articles_newest_first(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    parsed = feedparser.parse(client.get(f"/stories/{data.story}/feed.atom").content)
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == ["a2", "a3", "a1"]
    assert parsed.entries[0].updated.startswith("2025-12-12T")
    assert parsed.feed.title.startswith("Frozen assets talks")


def test_hostile_titles_are_escaped_in_atom(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    content = client.get(f"/stories/{data.story}/feed.atom").content
    assert b"<script>" not in content
    assert b"&lt;script&gt;" in content
    titles = [e.findtext(f"{A}title") for e in ElementTree.fromstring(content).findall(f"{A}entry")]
    assert any(XSS in (t or "") for t in titles)  # the text survives, as text


def test_unknown_feed_is_404(site: tuple[Corpus, TestClient]) -> None:
    _, client = site
    assert client.get("/stories/nope/feed.atom").status_code == 404
    assert client.get("/entities/nope/feed.json").status_code == 404


def test_atom_writer_drops_characters_xml_cannot_carry() -> None:
    feed = Feed("k", "T\x00itle \x07bell", "http://h/", "http://h/feed.atom", "http://h/feed.json",
                entries=[FeedEntry("e", "A & B < C \x1b", "http://h/e", "2025-01-02", summary="x\x0by")])
    root = ElementTree.fromstring(atom(feed))
    assert root.findtext(f"{A}title") == "Title bell"
    entry = root.find(f"{A}entry")
    assert entry is not None and entry.findtext(f"{A}title") == "A & B < C "
    assert entry.findtext(f"{A}updated") == "2025-01-02T00:00:00Z"
    assert root.findtext(f"{A}updated") == "2025-01-02T00:00:00Z"
    assert json_feed(feed)["items"][0]["date_modified"] == "2025-01-02T00:00:00Z"
