"""The bundled example corpus in the reader, as a person would use it, in headless Chromium.

The five examples go through the real ingest command (cleaning, enrichment, stories); then
top stories, a story with its timeline and quotes, a quote's sentence in its article, a
person followed from the story, and search.  Screenshots go where ``test_browser.py`` puts
them (``$STORYLINE_SCREENSHOTS``), named ``seeds-*.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from e2e.conftest import LiveServer
from support import EXAMPLES

from storyline.cli import app
from storyline.web import create_app

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("STORYLINE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "storyline-screenshots")


@pytest.fixture(scope="module")
def live(module_db_location: str) -> Iterator[LiveServer]:
    result = CliRunner().invoke(app, ["ingest", str(EXAMPLES), "--db", module_db_location, "--json"])
    assert result.exit_code == 0, result.output
    with LiveServer(create_app(module_db_location)) as server:
        yield server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"seeds-{name}.png"), full_page=False)


def test_the_two_seed_stories_lead_to_their_sentences(live: LiveServer, page: Any) -> None:
    page.goto(live.url + "/")
    cards = page.locator("article.card h2 a")
    assert cards.count() == 2
    _shot(page, "top-stories")
    december = page.locator("article.card", has_text="frozen Russian assets").locator("h2 a")
    assert december.count() == 1
    title = december.inner_text()
    december.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    assert page.locator("p.kicker a").count() == 1  # the storyline it belongs to
    assert page.locator("ol.timeline li.tl-entry").count() >= 3
    speakers = page.locator("div.speaker h3").all_inner_texts()
    assert {"Keir Starmer", "Volodymyr Zelensky", "Donald Trump"} <= set(speakers)
    # the August story, in the same storyline (headed by its report of the White House talks)
    related = page.locator("section", has_text="Related stories").locator("a[href^='/stories/']")
    assert related.count() == 1 and "White House" in related.inner_text()
    _shot(page, "story")
    quote = page.locator("div.speaker", has_text="Volodymyr Zelensky").locator("blockquote").first
    words = quote.locator("p").inner_text()
    link = quote.locator("a.evidence").first
    anchor = (link.get_attribute("href") or "").split("#")[1]
    link.click()
    page.wait_for_load_state()
    cited = page.locator(f"[id='{anchor}']")
    assert cited.count() == 1
    # the cited passage holds the quoted words, and it is the highlighted target
    assert words.strip("“”\"").split()[0] in cited.inner_text()
    assert page.evaluate(f"document.getElementById('{anchor}').matches(':target')")
    _shot(page, "article")


def test_follow_a_person_from_a_seed_story(live: LiveServer, page: Any) -> None:
    page.goto(live.url + "/")
    page.locator("article.card h2 a").first.click()
    page.wait_for_load_state()
    page.locator("ul.chips a", has_text="Keir Starmer").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Keir Starmer"
    _shot(page, "person")
    page.locator("form.follow button").click()
    page.wait_for_load_state()
    assert page.locator("form.follow button").inner_text().startswith("Following")
    page.goto(live.url + "/for-you")
    assert page.locator(".follows a", has_text="Keir Starmer").count() == 1
    assert page.locator("article.card").count() == 2  # both stories mention him
    page.locator(".follows form button").first.click()
    page.wait_for_load_state()


def test_search_the_seeds(live: LiveServer, page: Any) -> None:
    page.goto(live.url + "/")
    page.fill("#site-q", "frozen assets")
    page.press("#site-q", "Enter")
    page.wait_for_load_state()
    groups = page.locator("section.result-group")
    assert groups.count() >= 1
    assert "frozen" in groups.first.locator("p.snippet mark").first.inner_text().lower()
    _shot(page, "search")
