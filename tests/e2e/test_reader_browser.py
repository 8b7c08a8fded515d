"""The reader's finish in headless Chromium: paging, lead images, the coverage chart, nothing wider than a phone.

Pictures come from a folder served beside the app (as an outlet's server would serve them).
Screenshots go to ``$STORYLINE_SCREENSHOTS`` as ``reader-*.png``.
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
from storyline.web.sample import build_sample, save_articles

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("STORYLINE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "storyline-screenshots")
COLOURS = ["#5b7c99", "#9a6b4f", "#6f8f5e", "#8c5d7a", "#b08d3c", "#4f7f7a"]


def _picture(folder: Path, n: int) -> str:
    """A small landscape picture (hills under a sky), different for each ``n``."""
    sky, hill = COLOURS[n % len(COLOURS)], COLOURS[(n + 2) % len(COLOURS)]
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 270"><rect width="480" height="270" fill="{sky}"/>'
           f'<circle cx="{90 + 40 * (n % 7)}" cy="70" r="28" fill="#f4e7c5"/>'
           f'<path d="M0 200 Q120 {120 + 10 * (n % 5)} 240 190 T480 170 V270 H0Z" fill="{hill}"/></svg>')
    name = f"p{n}.svg"
    (folder / name).write_text(svg, encoding="utf-8")
    return name


@pytest.fixture(scope="module")
def server(module_db_location: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Corpus, LiveServer]]:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    data = corpus(module_db_location)
    store = Store(data.path)
    stories = build_sample(store, stories=40, articles_per_story=4)
    pictures = tmp_path_factory.mktemp("pictures")
    names = {story_id: _picture(pictures, n) for n, story_id in enumerate(stories) if n % 3 != 2}
    app = create_app(data.path)
    outer = Starlette(routes=[Mount("/pictures", StaticFiles(directory=pictures)), Mount("/", app)])
    live = LiveServer(outer)
    for story_id, name in names.items():
        story = store.get_story(story_id)
        article = store.get_article(story["articles"][0]) if story else None
        if article is not None:
            article.image = f"{live.url}/pictures/{name}"
            save_articles(store, [article])
    store.close()
    with live:
        yield data, live


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _shot(page: Any, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reader-{name}.png"), full_page=full)


def test_front_page_pages_and_shows_pictures(server: tuple[Corpus, LiveServer], page: Any) -> None:
    _data, live = server
    page.goto(live.url + "/")
    cards = page.locator("article.card")
    assert cards.count() == 30
    images = page.locator("article.card img.lead-image")
    assert images.count() >= 10
    assert images.first.get_attribute("loading") == "lazy"
    assert images.first.get_attribute("referrerpolicy") == "no-referrer"
    page.wait_for_function("document.querySelector('article.card img.lead-image').naturalWidth > 0")
    _shot(page, "top-stories")
    first_titles = set(page.locator("article.card h2 a").all_inner_texts())
    page.locator("p.more a", has_text="More stories").click()
    page.wait_for_load_state()
    assert "offset=30" in page.url
    more = set(page.locator("article.card h2 a").all_inner_texts())
    assert more and more.isdisjoint(first_titles)
    assert page.locator("p.more a").count() == 0  # the last page


def test_story_has_a_coverage_chart_by_outlet_and_day(server: tuple[Corpus, LiveServer], page: Any) -> None:
    data, live = server
    page.goto(f"{live.url}/stories/{data.story}")
    chart = page.locator("svg.chart")
    assert chart.count() == 1
    assert chart.locator("circle").count() >= 3  # one dot per outlet and day
    labels = [label.strip() for label in chart.locator("text").all_text_contents()]
    assert {"Daily Ledger", "Evening Post"} <= set(labels)
    _shot(page, "story")


def test_article_links_names_quietly(server: tuple[Corpus, LiveServer], page: Any) -> None:
    data, live = server
    page.goto(f"{live.url}/articles/{data.articles[0]}")
    links = page.locator(".body a.ent")
    assert links.count() >= 1
    colour = page.evaluate("getComputedStyle(document.querySelector('.body a.ent')).color")
    body_colour = page.evaluate("getComputedStyle(document.querySelector('.body p')).color")
    assert colour == body_colour  # names keep the text's colour
    assert page.locator("aside h2", has_text="Places").count() <= 1
    _shot(page, "article")


@pytest.mark.parametrize("path", ["/", "/stories/s-assets", "/storylines/sl-ukraine", "/entities/p-berg",
                                  "/articles/a1", "/search?q=talks", "/sources", "/for-you", "/account",
                                  "/api/docs"])
def test_nothing_is_wider_than_a_phone(server: tuple[Corpus, LiveServer], browser: Any, path: str) -> None:
    _data, live = server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live.url + path)
    if path == "/api/docs":
        page.wait_for_selector(".opblock", timeout=15000)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect(); return r.right > 391 && getComputedStyle(e).position !== 'absolute'
            && !e.closest('.table-scroll, .opblock-body, pre');
    }).slice(0, 5).map(e => e.tagName + '.' + e.className)""")
    assert width <= 390, (path, wide)
    if path in ("/", "/sources"):
        _shot(page, "mobile-" + ("front" if path == "/" else "sources"))
    context.close()
