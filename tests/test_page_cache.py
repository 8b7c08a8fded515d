"""Story and storyline pages are reused while the stories stay the same, and follow a write."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from storyline.article import Article
from storyline.dedup import content_hash
from storyline.store import Store
from storyline.stories.types import Story, Storyline
from storyline.web import create_app


def _story(store: Store, title: str) -> None:
    with store.transaction("write the story") as conn:
        store.save_story(conn, Story(id="s1", title=title, articles=["a1"], storyline_id="l1"))
        store.save_storyline(conn, Storyline(id="l1", title=f"Line of {title}", stories=["s1"], articles=["a1"]))


def test_story_and_storyline_pages_show_a_rewritten_story(store: Store) -> None:
    body = "The harbour council voted on the new bridge."
    with store.transaction("save") as conn:
        store.save_article(conn, Article(id="a1", source="test:a1", body=body, content_hash=content_hash(body),
                                         title="Bridge vote"))
    _story(store, "Bridge vote")
    with TestClient(create_app(store.location), base_url="http://127.0.0.1:8000") as client:
        assert client.get("/stories/s1.json").json()["story"]["title"] == "Bridge vote"
        assert client.get("/storylines/l1.json").json()["storyline"]["title"] == "Line of Bridge vote"
        assert client.get("/stories/s1").status_code == 200 and client.get("/stories/nope").status_code == 404
        time.sleep(1.1)  # write stamps count seconds
        _story(store, "Bridge vote delayed")
        assert client.get("/stories/s1.json").json()["story"]["title"] == "Bridge vote delayed"
        assert client.get("/storylines/l1.json").json()["storyline"]["title"] == "Line of Bridge vote delayed"
        assert "Bridge vote delayed" in client.get("/stories/s1").text
