"""Every page renders, and its JSON twin says the same thing."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from starlette.testclient import TestClient
from support import page_csrf
from test_web_corpus import Corpus, corpus, local_client

from storyline.store import Store


@pytest.fixture
def site(db_location: str) -> tuple[Corpus, TestClient]:
    data = corpus(db_location)
    return data, local_client(data.path)


def _twin(client: TestClient, path: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    page = client.get(path)
    assert page.status_code == 200, (path, page.text[:300])
    assert page.headers["content-type"].startswith("text/html")
    json_path = ("/index" if path == "/" else path.split("?")[0]) + ".json" + (
        "?" + path.split("?")[1] if "?" in path else "")
    twin = client.get(json_path)
    assert twin.status_code == 200, json_path
    assert twin.headers["content-type"].startswith("application/json")
    assert f'href="{json_path.replace("&", "&amp;")}"' in page.text  # the page links its twin
    return page.text, twin.json()


def test_top_stories_ranks_wide_recent_coverage_first(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    html, twin = _twin(client, "/")
    ids = [s["id"] for s in twin["stories"]]
    assert ids == [data.story, data.other_story]  # 3 outlets in December beat 1 outlet in November
    assert twin["stories"][0]["score"] > twin["stories"][1]["score"]
    assert html.index(f'/stories/{data.story}"') < html.index(f'/stories/{data.other_story}"')
    assert twin["storylines"][0]["id"] == data.storyline
    assert 'type="application/atom+xml" href="/feed.atom"' in html
    assert 'type="application/feed+json" href="/feed.json"' in html


def test_story_page_shows_timeline_quotes_people_chart_and_storyline(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    html, twin = _twin(client, f"/stories/{data.story}")
    months = twin["timeline"]["months"]
    assert [e["date"] for m in months for e in m["entries"]] == ["2025-12-08", "2025-12-12"]
    assert [e["date_text"] for e in twin["timeline"]["undated"]] == ["recently"]
    first = months[0]["entries"][0]["evidence"][0]
    assert first["href"] == f"/articles/a1#c{first['start']}-{first['end']}"
    assert f'href="{first["href"]}"' in html
    assert ">Undated<" in html
    speakers = {g["speaker"]["name"] if g["speaker"] else None: len(g["quotes"]) for g in twin["speakers"]}
    assert speakers["Anna Berg"] == 2
    assert f'<a href="/entities/{data.person}">Anna Berg</a>' in html
    assert "<svg class=\"chart\"" in html and html.count("<circle") == 3
    assert twin["storyline"] == {"id": data.storyline, "title": "Support for Ukraine"}
    assert f'href="/storylines/{data.storyline}"' in html
    assert 'href="/stories/s-port">Lisbon port strike' in html  # related
    assert f'href="/stories/{data.story}/feed.atom"' in html


def test_merged_story_ids_redirect_to_the_survivor(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    response = client.get("/stories/s-old", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/stories/{data.story}"
    response = client.get("/stories/s-old.json", follow_redirects=False)
    assert response.headers["location"] == f"/stories/{data.story}.json"


def test_unknown_ids_are_404_in_both_forms(site: tuple[Corpus, TestClient]) -> None:
    _, client = site
    for path in ("/stories/nope", "/storylines/nope", "/entities/nope", "/articles/nope"):
        assert client.get(path).status_code == 404
        response = client.get(path + ".json")
        assert response.status_code == 404 and "error" in response.json()


def test_storyline_page_lists_stories_and_months(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    html, twin = _twin(client, f"/storylines/{data.storyline}")
    assert [s["id"] for s in twin["stories"]] == [data.story]
    assert [m["month"] for m in twin["timeline"]["months"]] == ["2025-12"]
    assert "December 2025" in html


def test_entity_page_has_quotes_stories_events_and_company(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    html, twin = _twin(client, f"/entities/{data.person}")
    assert twin["entity"]["name"] == "Anna Berg"
    assert [q["text"] for q in twin["quotes"]] == ["We will not be rushed,", "There is real progress on the assets,"]
    assert twin["quotes"][0]["href"].startswith("/articles/a1#c")
    assert [s["id"] for s in twin["stories"]] == [data.story]
    assert {e["what"] for e in twin["events"]} == {"ministers meeting", "second round of talks"}
    assert "p-dewever" in [p["id"] for p in twin["people"]]
    assert "g-brussels" in [p["id"] for p in twin["places"]]
    assert "In their words" in html


def test_article_reader_view_marks_quotes_entities_and_evidence(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    store = Store(data.path)
    article = store.get_article("a1")
    assert article is not None
    quote = article.quotes[0]
    html, twin = _twin(client, "/articles/a1")
    assert f'id="c{quote.start}-{quote.end}"' in html
    event = article.events[0]
    assert f'id="c{event.evidence[0]}-{event.evidence[1]}"' in html
    assert 'class="quote" title="said by Anna Berg"' in html
    assert f'href="/entities/{data.person}">Anna Berg</a>' in html
    assert twin["story"]["id"] == data.story
    assert [d["id"] for d in twin["duplicates"]] == [data.duplicate]
    dup_html, dup = _twin(client, f"/articles/{data.duplicate}")
    assert dup["duplicate_of"]["id"] == "a1" and 'href="/articles/a1"' in dup_html
    # the body text survives highlighting: strip tags and compare paragraphs
    body = re.search(r'<div class="main-col body">(.*?)</div>', html, re.S)
    assert body is not None
    text = re.sub(r"<[^>]+>", "", body.group(1)).replace("&#x27;", "'").replace("&amp;", "&")
    assert [p.strip() for p in text.split("\n")] == article.body.split("\n\n")
    store.close()


def test_search_page_groups_by_story_and_filters(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    html, twin = _twin(client, "/search?q=brussels")
    assert twin["groups"][0]["story"]["id"] == data.story
    assert {a["id"] for a in twin["groups"][0]["articles"]} == {"a1", "a2", "a3"}
    assert "<mark>Brussels</mark>" in html
    _, outlet = _twin(client, "/search?q=brussels&outlet=Evening+Post")
    assert [a["id"] for g in outlet["groups"] for a in g["articles"]] == ["a2"]
    _, dated = _twin(client, "/search?q=brussels&from=2025-12-09&to=2025-12-11")
    assert [a["id"] for g in dated["groups"] for a in g["articles"]] == ["a3"]
    _, person = _twin(client, f"/search?person={data.person}")
    assert {a["id"] for g in person["groups"] for a in g["articles"]} == {"a1", "a2", "a3"}  # a4 is a duplicate
    _, strike = _twin(client, "/search?q=strike")
    assert strike["groups"][0]["story"]["id"] == data.other_story


def test_sources_page_shows_feed_health(site: tuple[Corpus, TestClient]) -> None:
    _, client = site
    html, twin = _twin(client, "/sources")
    feed = twin["feeds"][0]
    assert feed["error_count"] == 1 and not feed["healthy"]
    assert 'class="failing"' in html
    assert {o["publisher"] for o in twin["outlets"]} >= {"Daily Ledger", "Evening Post"}
    opml = client.get("/sources/opml")
    root = ElementTree.fromstring(opml.content)
    assert [o.get("xmlUrl") for o in root.iter("outline")] == ["https://feeds.example.org/world.xml"]


def test_reading_pages_records_reads_for_the_local_reader(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    client.get("/articles/a1")
    client.get(f"/stories/{data.story}")
    store = Store(data.path)
    assert set(store.list_reads("local", "article")) == {"a1"}
    assert set(store.list_reads("local", "story")) == {data.story}
    store.close()


def test_for_you_ranks_what_the_reader_follows(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    csrf = page_csrf(client)
    empty = client.get("/for-you.json").json()
    assert empty["stories"] == [] and empty["follows"] == []
    response = client.post("/follow", data={"csrf": csrf, "kind": "entity", "id": data.person, "next": "/for-you"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/for-you"
    html, twin = _twin(client, "/for-you")
    assert [s["id"] for s in twin["stories"]] == [data.story]
    assert twin["stories"][0]["reasons"] == ["mentions Anna Berg"]
    assert twin["follows"][0]["name"] == "Anna Berg"
    assert "mentions Anna Berg" in html
    client.post("/follow", data={"csrf": csrf, "kind": "story", "id": data.other_story})
    twin = client.get("/for-you.json").json()
    assert {s["id"] for s in twin["stories"]} == {data.story, data.other_story}
    client.get(f"/stories/{data.other_story}")  # read it: nothing new since then
    client.get("/articles/b1")
    after = {s["id"]: s for s in client.get("/for-you.json").json()["stories"]}
    assert after[data.other_story]["new_since_read"] is False and after[data.other_story]["unread"] == 0
    client.post("/unfollow", data={"csrf": csrf, "kind": "entity", "id": data.person})
    assert [f["id"] for f in client.get("/for-you.json").json()["follows"]] == [data.other_story]


def test_saved_search_page_and_feed(site: tuple[Corpus, TestClient]) -> None:
    _data, client = site
    csrf = page_csrf(client)
    response = client.post("/searches", data={"csrf": csrf, "q": "progress", "name": "Progress"},
                           follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    html, twin = _twin(client, location)
    assert twin["saved"]["name"] == "Progress"
    assert [a["id"] for g in twin["groups"] for a in g["articles"]] == ["a2"]
    assert f'href="{location}/feed.atom?key=local.' in html  # a feed reader's key, see test_security
    assert client.get(location + "/feed.json").json()["items"][0]["url"].endswith("/articles/a2")


def test_openapi_docs_are_served_without_a_cdn(site: tuple[Corpus, TestClient]) -> None:
    _, client = site
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/search", "/api/ingest", "/api/follows",
                 "/api/feeds", "/api/articles/{article_id}", "/api/entities/{entity_id}"):
        assert path in schema["paths"], path
    docs = client.get("/api/docs").text
    assert "cdn" not in docs and "/api/docs/assets/swagger-ui-bundle.js" in docs
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
