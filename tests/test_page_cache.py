"""Story, storyline and article pages are reused while the stories stay the same, and follow a write."""

from __future__ import annotations

import time
from typing import Any

import pytest
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


def test_article_page_is_reused_while_the_stories_stand_and_follows_its_story(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.web import views

    body = "The harbour council voted on the new bridge."
    with store.transaction("save") as conn:
        store.save_article(conn, Article(id="a1", source="test:a1", body=body, content_hash=content_hash(body),
                                         title="Bridge vote"))
    _story(store, "Bridge vote")
    made: list[str] = []
    article_view = views.article_view

    def counted(st: Store, article: Article) -> Any:
        made.append(article.id)
        return article_view(st, article)

    monkeypatch.setattr(views, "article_view", counted)
    with TestClient(create_app(store.location), base_url="http://127.0.0.1:8000") as client:
        assert client.get("/articles/a1.json").json()["story"]["title"] == "Bridge vote"
        assert "Bridge vote" in client.get("/articles/a1").text
        assert made == ["a1"]  # the second view was the first one's
        time.sleep(1.1)  # write stamps count seconds
        _story(store, "Bridge vote delayed")
        assert client.get("/articles/a1.json").json()["story"]["title"] == "Bridge vote delayed"
        assert made == ["a1", "a1"]
