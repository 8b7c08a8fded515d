"""The REST API's lists: total, offset, limit and a next link; the articles list and its filters; 422 and 401."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from support import page_csrf
from test_web_corpus import Corpus, corpus, local_client

from storyline.store import Store
from storyline.web import create_app
from storyline.web.sample import build_sample


@pytest.fixture(scope="module")
def site(module_db_location: str) -> Iterator[tuple[Corpus, TestClient]]:
    data = corpus(module_db_location)
    store = Store(data.path)
    build_sample(store, stories=45, articles_per_story=4)
    store.close()
    yield data, local_client(data.path)


def _walk(client: TestClient, first: str, key: str) -> tuple[list[Any], int]:
    """Every item of a list, following next links; and the total the first page announced."""
    page = client.get(first).json()
    total = page["total"]
    items = list(page[key])
    while page["next"]:
        page = client.get(page["next"]).json()
        assert page["total"] == total
        items += page[key]
    return items, total


def test_every_list_pages_with_total_and_next(site: tuple[Corpus, TestClient]) -> None:
    _data, client = site
    for path, key in (("/api/stories?limit=7", "stories"), ("/api/storylines?limit=2", "storylines"),
                      ("/api/articles?limit=25", "articles"), ("/api/feeds?limit=1", "feeds"),
                      ("/api/for-you?limit=5", "stories"), ("/api/follows?limit=1", "follows")):
        items, total = _walk(client, path, key)
        assert len(items) == total, path
        ids = [item.get("id") or item.get("url") for item in items]
        assert len(set(ids)) == len(ids), path  # no item twice across pages
    first = client.get("/api/stories?limit=10&offset=10").json()
    assert first["offset"] == 10 and first["limit"] == 10 and len(first["stories"]) == 10
    assert first["next"] == "/api/stories?offset=20&limit=10"


def test_articles_list_filters(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    ledger = client.get("/api/articles", params={"source": "daily ledger", "person": data.person}).json()
    assert [a["id"] for a in ledger["articles"]] == ["a1"] and ledger["total"] == 1
    outlet = client.get("/api/articles", params={"source": "Daily Ledger", "limit": 3}).json()
    assert outlet["total"] > 3 and all(a["publisher"] == "Daily Ledger" for a in outlet["articles"])
    person = client.get("/api/articles", params={"person": data.person}).json()
    assert {a["id"] for a in person["articles"]} == {"a1", "a2", "a3"}  # the duplicate a4 is counted once
    story = client.get("/api/articles", params={"story": data.other_story}).json()
    assert [a["id"] for a in story["articles"]] == ["b1"]
    dated = client.get("/api/articles", params={"person": data.person, "from": "2025-12-09",
                                               "to": "2025-12-11"}).json()
    assert [a["id"] for a in dated["articles"]] == ["a3"]
    assert dated["articles"][0]["href"] == "/api/articles/a3"
    everything = client.get("/api/articles", params={"limit": 500}).json()
    assert everything["total"] == len(everything["articles"]) and everything["next"] is None


def test_invalid_values_are_422_in_plain_words(site: tuple[Corpus, TestClient]) -> None:
    _data, client = site
    for path in ("/api/articles?from=2010-13-45", "/api/search?q=assets&to=yesterday", "/api/stories?offset=-1",
                 "/api/stories?limit=0", "/search?q=assets&from=2010-13-45", "/search.json?q=x&offset=abc",
                 "/?offset=many"):
        response = client.get(path)
        assert response.status_code == 422, path
    message = client.get("/api/articles?from=2010-13-45").json()["error"]
    assert "2010-13-45" in message and "YYYY-MM-DD" in message


def test_search_reports_the_true_total_and_pages(site: tuple[Corpus, TestClient]) -> None:
    _data, client = site
    all_hits = client.get("/api/search", params={"q": "talks", "limit": 500}).json()
    total = all_hits["total"]
    assert total == sum(len(g["articles"]) for g in all_hits["groups"]) and total > 20
    small = client.get("/api/search", params={"q": "talks", "limit": 20}).json()
    assert small["total"] == total and small["next"]
    seen = []
    page = small
    while True:
        seen += [a["id"] for g in page["groups"] for a in g["articles"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == total
    html = client.get("/search", params={"q": "talks"}).text
    assert "More results" in html and f"of {total} articles" in html
    last = client.get("/search", params={"q": "talks", "offset": str(total - 1)}).text
    assert "More results" not in last


def test_follows_use_the_same_id_both_ways(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    csrf = page_csrf(client)
    added = client.post("/api/follows", json={"kind": "entity", "id": data.person}, headers={"X-CSRF-Token": csrf})
    assert added.status_code == 201
    listed = client.get("/api/follows").json()["follows"]
    item = next(f for f in listed if f["id"] == data.person)
    assert item == {"kind": "entity", "id": data.person, "name": "Anna Berg", "href": f"/entities/{data.person}",
                    "label": "person", "alert": False, "feed": f"/developments/entity/{data.person}/feed.atom"}
    assert client.delete(f"/api/follows/{item['kind']}/{item['id']}", headers={"X-CSRF-Token": csrf}).json()[
        "removed"] is True


def test_unauthenticated_writes_are_401_not_a_csrf_message(site: tuple[Corpus, TestClient]) -> None:
    data, _client = site
    remote = TestClient(create_app(data.path), base_url="http://127.0.0.1:8000", client=("203.0.113.9", 1))
    for method, path, body in (("POST", "/api/follows", {"kind": "story", "id": data.story}),
                               ("POST", "/api/feeds", {"url": "https://n.example/rss"}),
                               ("POST", "/api/ingest", {"urls": []})):
        response = remote.request(method, path, json=body)
        assert response.status_code == 401, path
        assert "CSRF" not in response.json()["error"]
        assert response.headers["www-authenticate"] == "Bearer"


def test_front_page_pages_with_more_stories(site: tuple[Corpus, TestClient]) -> None:
    _data, client = site
    first = client.get("/index.json").json()
    assert len(first["stories"]) == 30 and first["next"] == "/index.json?offset=30"
    assert 'rel="next" href="/?offset=30"' in client.get("/").text
    second = client.get("/index.json?offset=30").json()
    assert {s["id"] for s in second["stories"]}.isdisjoint(s["id"] for s in first["stories"])
    assert second["next"] is None and len(first["stories"]) + len(second["stories"]) == first["total"]
