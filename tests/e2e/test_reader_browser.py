"""The reader's finish in headless Chromium: paging, lead images, the coverage chart, nothing wider than a phone.

Pictures come from a folder served beside the app (as an outlet's server would serve them).
Screenshots go to ``$STORYLINE_SCREENSHOTS`` as ``reader-*.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from e2e.conftest import LiveServer

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


@dataclass
class Reader:
    live: LiveServer
    stories: list[str]
    pictured: str  # a story with a lead image
    storyline: str
    person: str  # an entity id


@pytest.fixture(scope="module")
def server(module_db_location: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    store = Store(module_db_location)
    stories = build_sample(store, stories=40, articles_per_story=5)
    pictures = tmp_path_factory.mktemp("pictures")
    names = {story_id: _picture(pictures, n) for n, story_id in enumerate(stories) if n % 3 != 2}
    app = create_app(module_db_location)
    outer = Starlette(routes=[Mount("/pictures", StaticFiles(directory=pictures)), Mount("/", app)])
    live = LiveServer(outer)
    for story_id, name in names.items():
        story = store.get_story(story_id)
        article = store.get_article(story["articles"][0]) if story else None
        if article is not None:
            article.image = f"{live.url}/pictures/{name}"
            save_articles(store, [article])
    pictured = max(names, key=lambda s: (store.get_story(s) or {}).get("outlet_count") or 0)
    story = store.get_story(pictured) or {}
    person = story["people"][0]["id"]
    store.close()
    with live:
        yield Reader(live, stories, pictured, str(story["storyline_id"]), person)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _shot(page: Any, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reader-{name}.png"), full_page=full)


def test_front_page_pages_and_shows_pictures(server: Reader, page: Any) -> None:
    page.goto(server.live.url + "/")
    cards = page.locator("article.card")
    assert cards.count() == 30
    images = page.locator("article.card img.lead-image")
    assert images.count() >= 10
    assert images.first.get_attribute("loading") == "lazy"
    assert images.first.get_attribute("referrerpolicy") == "no-referrer"
    page.wait_for_function("[...document.querySelectorAll('article.card img.lead-image')].slice(0, 4)"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    _shot(page, "top-stories")
    first_titles = set(page.locator("article.card h2 a").all_inner_texts())
    page.locator("p.more a", has_text="More stories").click()
    page.wait_for_load_state()
    assert "offset=30" in page.url
    more = set(page.locator("article.card h2 a").all_inner_texts())
    assert more and more.isdisjoint(first_titles)
    assert page.locator("p.more a").count() == 0  # the last page


def test_story_with_picture_and_coverage_chart(server: Reader, page: Any) -> None:
    page.goto(f"{server.live.url}/stories/{server.pictured}")
    page.wait_for_function("document.querySelector('img.story-image').naturalWidth > 0")
    chart = page.locator("svg.chart")
    assert chart.count() == 1
    assert chart.locator("circle").count() >= 2  # one dot per outlet and day
    outlets = [o.split(" ")[0] for o in page.locator("aside li", has_text="article").all_inner_texts()]
    labels = [label.strip() for label in chart.locator("text").all_text_contents()]
    assert outlets and all(any(label.startswith(o) for label in labels) for o in outlets)
    _shot(page, "story")
    page.goto(f"{server.live.url}/storylines/{server.storyline}")
    assert page.locator("ol.story-sequence li").count() >= 2
    _shot(page, "storyline")


def test_article_links_names_quietly(server: Reader, page: Any) -> None:
    page.goto(f"{server.live.url}/stories/{server.pictured}")
    page.locator("ol.article-list a").first.click()
    page.wait_for_load_state()
    links = page.locator(".body a.ent")
    assert links.count() >= 2
    colour = page.evaluate("getComputedStyle(document.querySelector('.body a.ent')).color")
    body_colour = page.evaluate("getComputedStyle(document.querySelector('.body p')).color")
    assert colour == body_colour  # names keep the text's colour
    for paragraph in page.locator(".body p").all():
        hrefs = [a.get_attribute("href") for a in paragraph.locator("a.ent").all()]
        assert len(hrefs) == len(set(hrefs))  # each name linked once per paragraph
    assert page.locator("aside h2", has_text="Places").count() <= 1
    _shot(page, "article")


def test_person_search_and_for_you(server: Reader, page: Any) -> None:
    page.goto(f"{server.live.url}/entities/{server.person}")
    name = page.locator("h1").inner_text()
    _shot(page, "person")
    page.locator("form.follow button").click()
    page.wait_for_load_state()
    page.goto(server.live.url + "/for-you")
    assert page.locator(".follows a", has_text=name).count() == 1
    assert page.locator("article.card").count() >= 1
    assert "1 unread articles" not in page.content()
    _shot(page, "for-you")
    page.locator(".follows form button", has_text="unfollow").first.click()
    page.wait_for_load_state()
    page.fill("#site-q", "talks")
    page.press("#site-q", "Enter")
    page.wait_for_load_state()
    assert page.locator("section.result-group").count() >= 1
    assert page.locator("p.more a", has_text="More results").count() == 1
    _shot(page, "search")


PHONE_PATHS = ["/", "/story", "/storyline", "/person", "/search?q=talks", "/sources", "/for-you", "/account",
               "/api/docs"]


@pytest.mark.parametrize("path", PHONE_PATHS)
def test_nothing_is_wider_than_a_phone(server: Reader, browser: Any, path: str) -> None:
    real = {"/story": f"/stories/{server.pictured}", "/storyline": f"/storylines/{server.storyline}",
            "/person": f"/entities/{server.person}"}.get(path, path)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server.live.url + real)
    if path == "/api/docs":
        page.wait_for_selector(".opblock", timeout=15000)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect(); return r.right > 391 && getComputedStyle(e).position !== 'absolute'
            && !e.closest('.table-scroll, .opblock-body, pre');
    }).slice(0, 5).map(e => e.tagName + '.' + e.className)""")
    assert width <= 390, (path, wide)
    if path in ("/", "/story", "/sources"):
        if path == "/story":
            page.wait_for_function("document.querySelector('img.story-image').naturalWidth > 0")
        _shot(page, "mobile-" + {"/": "front", "/story": "story", "/sources": "sources"}[path])
    context.close()
