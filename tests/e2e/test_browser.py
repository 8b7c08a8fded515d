"""The reader in headless Chromium: top stories, a story, following a person, search, hostile text.

Screenshots of each step go to ``$STORYLINE_SCREENSHOTS`` (default: a folder in the system's
temporary directory).  ``STORYLINE_SCREENSHOTS=docs/screenshots ./scripts/test tests/e2e``
refreshes the ones the README shows.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from e2e.conftest import LiveServer
from test_web_corpus import Corpus, corpus

from storyline.store import Store
from storyline.web import create_app
from storyline.web.sample import build_sample

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("STORYLINE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "storyline-screenshots")


@pytest.fixture(scope="module")
def server(module_db_location: str) -> Iterator[tuple[Corpus, LiveServer]]:
    data = corpus(module_db_location)
    store = Store(data.path)
    build_sample(store, stories=12, articles_per_story=5)
    store.close()
    with LiveServer(create_app(data.path)) as live:
        yield data, live


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _no_injection(page: Any) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert page.dialogs == []


def test_top_stories_then_a_story_then_its_evidence(server: tuple[Corpus, LiveServer], page: Any) -> None:
    _data, live = server
    page.goto(live.url + "/")
    cards = page.locator("article.card h2 a")
    assert cards.count() >= 10
    _shot(page, "top-stories")
    first_title = cards.first.inner_text()
    cards.first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == first_title
    assert page.locator("ol.timeline li.tl-entry").count() >= 1
    assert page.locator("svg.chart circle").count() >= 1
    _shot(page, "story")
    evidence = page.locator("ol.timeline a.evidence").first
    href = evidence.get_attribute("href")
    evidence.click()
    page.wait_for_load_state()
    anchor = href.split("#")[1]
    target = page.locator(f"[id='{anchor}']")
    assert target.count() == 1
    assert page.evaluate(f"document.getElementById('{anchor}').matches(':target')")
    background = page.evaluate(f"getComputedStyle(document.getElementById('{anchor}')).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # the cited sentence is highlighted
    _shot(page, "article-evidence")


def test_follow_a_person_and_see_them_for_you(server: tuple[Corpus, LiveServer], page: Any) -> None:
    data, live = server
    page.goto(f"{live.url}/entities/{data.person}")
    assert page.locator("h1").inner_text() == "Anna Berg"
    _shot(page, "person")
    page.locator("form.follow button").click()
    page.wait_for_load_state()
    assert page.locator("form.follow button").inner_text().startswith("Following")
    page.goto(live.url + "/for-you")
    assert "mentions Anna Berg" in page.locator("p.why").first.inner_text()
    assert page.locator(".follows a", has_text="Anna Berg").count() == 1
    _shot(page, "for-you")
    page.locator(".follows form button").first.click()
    page.wait_for_load_state()
    assert page.locator(".follows a", has_text="Anna Berg").count() == 0


def test_search_from_the_masthead(server: tuple[Corpus, LiveServer], page: Any) -> None:
    data, live = server
    page.goto(live.url + "/")
    page.fill("#site-q", "frozen assets")
    page.press("#site-q", "Enter")
    page.wait_for_load_state()
    assert "/search?q=frozen+assets" in page.url
    groups = page.locator("section.result-group h2 a")
    assert groups.first.get_attribute("href") == f"/stories/{data.story}"
    assert page.locator("p.snippet mark").count() >= 1
    _shot(page, "search")


def test_hostile_text_never_runs(server: tuple[Corpus, LiveServer], page: Any) -> None:
    data, live = server
    for path in (f"/stories/{data.story}", f"/articles/{data.hostile_article}", f"/entities/{data.speaker}",
                 "/sources", "/search?q=hostile", "/"):
        page.goto(live.url + path)
        _no_injection(page)
    page.goto(f"{live.url}/articles/{data.hostile_article}")
    assert "<script>window.__xss=1</script>" in page.locator("h1").inner_text()  # shown as text
    _shot(page, "hostile-article")


def test_narrow_screen_layout(server: tuple[Corpus, LiveServer], browser: Any) -> None:
    data, live = server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live.url}/stories/{data.story}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing forces sideways scrolling
    _shot(page, "story-mobile")
    context.close()
