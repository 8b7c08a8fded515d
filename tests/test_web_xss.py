"""Hostile text in article bodies, titles, speaker names, outlets and feed names stays text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient
from test_web_corpus import IMG, XSS, Corpus, corpus, local_client

from storyline.article import Article, Entity, Quote
from storyline.web.highlight import Mark, article_marks, highlight

ESCAPED = "&lt;script&gt;window.__xss=1&lt;/script&gt;"


@pytest.fixture
def site(db_location: str) -> tuple[Corpus, TestClient]:
    data = corpus(db_location)
    return data, local_client(data.path)


def _pages(data: Corpus) -> list[str]:
    return ["/", f"/stories/{data.story}", f"/storylines/{data.storyline}", f"/entities/{data.speaker}",
            f"/entities/{data.person}", f"/articles/{data.hostile_article}", "/search?q=hostile", "/sources",
            "/for-you", f"/search?q={XSS}&outlet={XSS}"]


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_no_page_carries_a_live_script_or_handler(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    for path in _pages(data):
        html = client.get(path).text
        parser = _Elements()
        parser.feed(html)
        tags = [tag for tag, _ in parser.found]
        assert "img" not in tags and "b" not in tags, path
        for tag, attrs in parser.found:
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/"), path  # type: ignore[union-attr]
            assert not [name for name in attrs if name.startswith("on")], (path, tag, attrs)
            for name in ("href", "src", "action"):
                assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (path, tag)
        assert ESCAPED in html, path


def test_each_hostile_field_is_shown_escaped_where_it_belongs(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    article = client.get(f"/articles/{data.hostile_article}").text
    assert f"<h1>{ESCAPED}Hostile &lt;img" in article  # title
    assert f"Evil {ESCAPED} Times" in article  # outlet
    assert f"A hostile body {ESCAPED} and &lt;img src=x onerror=" in article  # body
    assert f"said by {ESCAPED}Sam Evil" in article  # speaker name, in an attribute
    assert 'href="javascript:' not in article  # the article's URL is not linked
    story = client.get(f"/stories/{data.story}").text
    assert f"<h1>Frozen assets talks {ESCAPED}</h1>" in story
    assert f'<a href="/entities/{data.speaker}">{ESCAPED}Sam Evil</a>' in story
    sources = client.get("/sources").text
    assert f"World {ESCAPED} news" in sources and f"HTTP 500 {ESCAPED}" in sources


def test_json_twins_keep_the_raw_text(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    twin = client.get(f"/articles/{data.hostile_article}.json")
    assert twin.headers["content-type"].startswith("application/json")
    assert twin.json()["article"]["title"].startswith(XSS)


def test_every_response_carries_a_strict_content_security_policy(site: tuple[Corpus, TestClient]) -> None:
    data, client = site
    for path in ("/", f"/articles/{data.hostile_article}", "/index.json", "/feed.atom"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_highlighting_escapes_text_and_nests_overlapping_marks() -> None:
    body = "Mr <b>Smith</b> said: “a & b”.\n\nNext paragraph."
    start = body.index("“")
    end = body.index("”") + 1
    article = Article(id="x", source="s", body=body)
    article.entities = [Entity(id="e1", name="Smith", type="PERSON", mentions=[(6, 11)], canonical_id="p1")]
    article.quotes = [Quote(text="a & b", start=start, end=end, speaker_mention="Mr Smith", speaker_span=None,
                            speaker_id="e1", speaker_name='Smith" onmouseover="x', cue="said", medium=None)]
    html = str(highlight(body, article_marks(article, [(0, start + 3)])))  # evidence crosses the quote
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp; b" in html
    assert 'onmouseover="x' not in html
    assert html.count(f'id="c0-{start + 3}"') == 1  # an id appears once even when its span is cut
    assert html.count(f'id="c{start}-{end}"') == 1
    assert html.count("<p>") == 2
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == \
        body.replace("\n\n", "\n")
    # tags are balanced
    opened = re.findall(r"<(span|a|p)\b", html)
    closed = re.findall(r"</(span|a|p)>", html)
    assert sorted(opened) == sorted(closed)


def test_highlight_output_is_sanitized_last() -> None:
    marks = [Mark(0, 3, 2, "a", {"href": "javascript:alert(1)"}), Mark(4, 7, 2, "a", {"href": "/entities/x"})]
    html = str(highlight("abc def", marks))
    assert "javascript" not in html and 'href="/entities/x"' in html
    assert IMG not in str(highlight(IMG, []))
