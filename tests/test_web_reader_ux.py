"""The reader's finish: lead images, quiet entity links, one Places heading, plurals, no raw ids, favicon."""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.testclient import TestClient
from support import page_csrf
from test_web_corpus import corpus, local_client

from storyline.article import Article, Entity, Event, Quote, RawDocument, TimeExpression
from storyline.clean import clean
from storyline.clean.html import extract_html
from storyline.clean.images import lead_image
from storyline.ingest.feedparse import parse as parse_feed
from storyline.ingest.jsonl import parse_line
from storyline.store import Store
from storyline.web import create_app
from storyline.web.article_page import entity_groups
from storyline.web.highlight import entity_links
from storyline.web.sample import save_articles, write_story
from storyline.web.site import plural

PAGE = """<!doctype html><html><head><title>Ferry service resumes</title>
<meta property="og:image" content="/img/ferry.jpg"></head><body><article><h1>Ferry service resumes</h1>
<p>The island ferry service resumed on Tuesday after a two-week strike ended with a new pay agreement.</p>
<p>Passengers queued from early morning at the harbour, and the first crossing left on time at seven.</p>
<p>The operator said all routes would run to the normal timetable from the weekend onwards.</p>
</article></body></html>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Island News</title><link>https://island.example/</link>
<item><title>With media</title><link>https://island.example/1</link>
<media:content url="https://cdn.island.example/1.jpg" medium="image"/><description>One</description></item>
<item><title>With enclosure</title><link>https://island.example/2</link>
<enclosure url="https://cdn.island.example/2.png" type="image/png" length="1"/><description>Two</description></item>
<item><title>With audio only</title><link>https://island.example/3</link>
<enclosure url="https://cdn.island.example/3.mp3" type="audio/mpeg" length="1"/><description>Three</description></item>
</channel></rss>"""


def test_lead_images_from_pages_feeds_and_jsonl() -> None:
    found = extract_html(PAGE, "https://news.example/ferry")
    assert found.image == "https://news.example/img/ferry.jpg"
    feed = parse_feed(RSS, "https://island.example/rss")
    assert [e.image for e in feed.entries] == ["https://cdn.island.example/1.jpg", "https://cdn.island.example/2.png",
                                              None]
    item = parse_line(json.dumps({"text": "Body text here.", "url": "https://j.example/a",
                                  "image": "https://j.example/a.jpg"}), "t:1", "t")
    assert isinstance(item, RawDocument)
    assert clean(item).image == "https://j.example/a.jpg"


def test_only_http_images_are_kept() -> None:
    assert lead_image("javascript:alert(1)") is None
    assert lead_image("data:image/png;base64,AAAA") is None
    assert lead_image("https://user:pw@example.org/a.jpg") is None
    assert lead_image("pic.jpg", "https://example.org/news/") == "https://example.org/news/pic.jpg"
    assert lead_image("https://example.org/a b.jpg") is None


def _pictured(location: str) -> str:
    data = corpus(location)
    store = Store(data.path)
    article = store.get_article("a1")
    assert article is not None
    article.image = "https://img.example/assets.jpg"
    save_articles(store, [article])
    assert store.get_article("a1").image == "https://img.example/assets.jpg"  # type: ignore[union-attr]
    store.close()
    return data.path


def test_images_are_shown_lazily_without_referrer(db_location: str) -> None:
    path = _pictured(db_location)
    client = local_client(path)
    for page in ("/", "/stories/s-assets", "/articles/a1"):
        html = client.get(page).text
        tag = re.search(r'<img [^>]*src="https://img.example/assets.jpg"[^>]*>', html)
        assert tag is not None, page
        assert 'loading="lazy"' in tag.group(0) and 'referrerpolicy="no-referrer"' in tag.group(0)
    assert "img-src 'self' data: https:" in client.get("/").headers["content-security-policy"]


def test_images_can_be_turned_off(db_location: str) -> None:
    path = _pictured(db_location)
    client = local_client(path, images=False)
    for page in ("/", "/stories/s-assets", "/articles/a1"):
        assert "img.example" not in client.get(page).text, page
    assert "img-src 'self' data:;" in client.get("/").headers["content-security-policy"]


def test_entity_links_are_names_once_per_paragraph() -> None:
    body = ("Minister Vera Holm met European partners in Tallinn. Vera Holm said little.\n\n"
            "Later the Minister flew home; Holm spoke to Nordbank.")

    def spans(word: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in re.finditer(word, body)]

    article = Article(id="x", source="t", body=body, entities=[
        Entity("e1", "Vera Holm", "PERSON", mentions=[*spans("Vera Holm"), *spans(r"(?<!Vera )Holm")],
               canonical_id="p-holm"),
        Entity("e2", "Minister", "PERSON", mentions=spans("Minister"), canonical_id="p-minister"),
        Entity("e3", "European", "NORP", mentions=spans("European"), canonical_id="n-eu"),
        Entity("e4", "Tallinn", "GPE", mentions=spans("Tallinn"), canonical_id="g-tallinn"),
        Entity("e5", "Nordbank", "ORG", mentions=spans("Nordbank"), canonical_id="o-nordbank"),
    ])
    linked = [(body[m.start:m.end], m.attrs.get("href")) for m in entity_links(article)]
    assert linked == [("Vera Holm", "/entities/p-holm"), ("Tallinn", "/entities/g-tallinn"),
                      ("Holm", "/entities/p-holm"), ("Nordbank", "/entities/o-nordbank")]


def test_places_are_one_group() -> None:
    groups = entity_groups({"GPE": [{"id": "g1", "name": "Riga", "mentions": 1}],
                            "LOC": [{"id": "l1", "name": "the Baltic", "mentions": 3}],
                            "PERSON": [{"id": "p1", "name": "Ona", "mentions": 2}],
                            "WORK_OF_ART": [{"id": "w", "name": "X", "mentions": 9}]})
    assert [label for label, _ in groups] == ["People", "Places"]
    assert [e["name"] for e in groups[1][1]] == ["the Baltic", "Riga"]


def test_plurals() -> None:
    assert [plural(1, "story"), plural(2, "story"), plural(0, "outlet"), plural(1, "outlet"),
            plural(3, "unread article")] == ["1 story", "2 stories", "0 outlets", "1 outlet", "3 unread articles"]


def test_pages_read_like_prose(db_location: str) -> None:
    data = corpus(db_location)
    store = Store(data.path)
    lone = Article(id="u1", source="t:u1", body="An undated report about a new library in Tartu.",
                   publisher="Town Crier", title="Library opens")
    save_articles(store, [lone])
    write_story(store, "s-lib", "Library opens", "A new library.", ["u1"])
    store.close()
    client = local_client(data.path)
    story = client.get("/stories/s-lib").text
    assert "1 article from 1 outlet" in story and "1 articles" not in story and "1 outlets" not in story
    outlet_line = re.search(r"Town Crier <span class=\"meta\">([^<]*)</span>", story)
    assert outlet_line is not None and outlet_line.group(1) == "1 article"  # no dangling "·"
    article = client.get(f"/articles/{data.articles[0]}").text
    assert article.count("<h2>Places</h2>") <= 1
    assert "Also published by" in article and ">Morning Herald<" in article
    assert ">a4<" not in article  # no raw id shown as a link text
    front = client.get("/").text
    assert '<a href="/account"' in front  # the local reader's account page is linked
    assert 'rel="icon"' in front


def test_favicon(tmp_path: Path) -> None:
    client = TestClient(create_app(str(tmp_path / "f.db")), base_url="http://127.0.0.1:8000")
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/static/favicon.svg").status_code == 200


def test_for_you_counts_what_is_new_since_a_story_was_opened(db_location: str) -> None:
    from sqlalchemy import text

    from storyline.store.reader import stamp_reader

    data = corpus(db_location)
    client = local_client(data.path)
    client.post("/follow", data={"csrf": page_csrf(client), "kind": "entity", "id": data.person, "next": "/"})
    client.get(f"/stories/{data.story}")  # opened now: nothing new since
    page = client.get("/for-you").text
    assert "no new articles since you opened it" in page and "unread articles" not in page
    store = Store(data.path)
    with store.transaction("open the story long ago") as conn:  # as if it was opened before its articles came
        conn.execute(text("UPDATE reads SET last_read = '2000-01-01T00:00:00+00:00' WHERE target_id = :s"),
                     {"s": data.story})
        stamp_reader(conn, "local")  # as every write of a reader's state does: their kept pages are made anew
    store.close()
    page = client.get("/for-you").text
    assert "3 new articles since you opened it" in page


def test_a_reader_can_turn_images_off_for_their_browser(db_location: str) -> None:
    path = _pictured(db_location)
    client = local_client(path)
    assert "img.example" in client.get("/").text
    csrf = page_csrf(client, "/")
    off = client.post("/prefs/images", data={"csrf": csrf, "on": "0", "next": "/stories/s-assets"})
    assert off.status_code == 200 and off.url.path == "/stories/s-assets"
    for page in ("/", "/stories/s-assets", "/articles/a1"):
        assert "img.example" not in client.get(page).text, page
    assert "Show images" in client.get("/").text
    client.post("/prefs/images", data={"csrf": csrf, "on": "1", "next": "/"})
    assert "img.example" in client.get("/").text
    assert client.post("/prefs/images", data={"on": "0"}).status_code == 403  # no CSRF token


def _editor_corpus(location: str) -> None:
    """Two articles of one outlet; the first tells one development twice and names a planned meeting."""
    one = ("Fisheries ministers met in Bergen on Tuesday to discuss cod quotas. "
           "On Tuesday the fisheries ministers met in Bergen to discuss cod quotas. "
           "They are due to meet in Oslo on Monday.\n\n"
           "“We are close,” Coastal states said in a statement. Dahl chaired the talks.")
    two = ("Fisheries ministers met in Bergen on Tuesday to discuss cod quotas with Ingrid Dahl. "
           "Fisheries minister Ingrid Dahl said the quotas would be signed in Oslo.\n\n"
           "“The quotas for cod and haddock will be signed in Oslo by all of the coastal states at the table,” Dahl said.")
    dahl = "p-dahl"

    def entity(body: str, local: str, name: str, kind: str, canonical: str, surface: str) -> Entity:
        start = body.index(surface)
        return Entity(id=local, name=name, type=kind, mentions=[(start, start + len(surface))], canonical_id=canonical)

    a1 = Article(id="f1", source="f1", body=one, publisher="Harbour Times", published="2025-06-06",
                 title="Ministers meet in Bergen",
                 times=[TimeExpression("Tuesday", one.index("Tuesday"), one.index("Tuesday") + 7, "DATE", "2025-06-03"),
                        TimeExpression("Tuesday", one.index("Tuesday", 60), one.index("Tuesday", 60) + 7, "DATE",
                                       "2025-06-03"),
                        TimeExpression("Monday", one.index("Monday"), one.index("Monday") + 6, "DATE", "2025-06-09")])
    a1.quotes = [Quote(text="We are close,", start=one.index("“"), end=one.index("”") + 1, speaker_mention="Coastal states",
                       speaker_span=None, speaker_id=None, speaker_name="Coastal states", cue="said", medium=None)]
    a2 = Article(id="f2", source="f2", body=two, publisher="Harbour Times", published="2025-06-07",
                 title="Dahl attends Bergen talks",
                 times=[TimeExpression("Tuesday", two.index("Tuesday"), two.index("Tuesday") + 7, "DATE", "2025-06-03")])
    # the person is named in full in one article, by surname in the other
    a1.entities = [entity(one, "e1", "Dahl", "PERSON", dahl, "Dahl")]
    a2.entities = [entity(two, "e1", "Ingrid Dahl", "PERSON", dahl, "Ingrid Dahl"),
                   entity(two, "e2", "Bergen", "GPE", "g-bergen", "Bergen")]
    a1.entities.append(entity(one, "e2", "Bergen", "GPE", "g-bergen", "Bergen"))
    a2.quotes = [Quote(text="The quotas for cod and haddock will be signed in Oslo by all of the coastal states at the table,",
                       start=two.index("“"), end=two.index("”") + 1, speaker_mention="Dahl", speaker_span=None,
                       speaker_id="e1", speaker_name="Ingrid Dahl", cue="said", medium=None)]
    a2.events = [Event(what="Dahl to sign the quotas in Oslo", type="signing", date=None, date_text=None, place="Oslo",
                       participants=["e1"], evidence=(two.index("Fisheries", 10), two.index("\n")), status="planned")]
    store = Store(location)
    save_articles(store, [a1, a2])
    with store.transaction("name the person") as conn:  # the archive's name for the person is the full one
        store.save_canonical_entities(conn, [{"id": dahl, "name": "Ingrid Dahl", "type": "PERSON",
                                              "aliases": ["Ingrid Dahl", "Dahl"]}])
    write_story(store, "s-cod", "Cod quota talks", "Ministers discuss cod quotas.", ["f1", "f2"])
    store.close()


def test_a_timeline_entry_names_each_source_article_once_and_marks_a_plan(db_location: str) -> None:
    _editor_corpus(db_location)
    client = local_client(db_location)
    html = client.get("/stories/s-cod").text
    twin = client.get("/stories/s-cod.json").json()
    entries = {e["date"]: e for m in twin["timeline"]["months"] for e in m["entries"]}
    tuesday = entries["2025-06-03"]
    assert len(tuesday["evidence"]) >= 3 and tuesday["articles"] == ["f1", "f2"]  # the JSON keeps every passage
    item = html[html.index('datetime="2025-06-03"'):]
    item = item[:item.index("</li>")]
    assert item.count('class="evidence"') == 2  # one link per article, not one per passage
    assert entries["2025-06-09"]["status"] == "planned"
    oslo = html[html.index('datetime="2025-06-09"'):]
    assert '<span class="status"' in oslo[:oslo.index("</li>")]
    assert '<span class="status"' not in item


def test_a_speaker_without_an_entity_has_no_link_to_a_missing_page(db_location: str) -> None:
    _editor_corpus(db_location)
    client = local_client(db_location)
    html = client.get("/stories/s-cod").text
    assert "<h3>Coastal states</h3>" in html
    assert 'href="/entities/Coastal states"' not in html


def test_a_person_page_names_company_in_full_and_places_once(db_location: str) -> None:
    _editor_corpus(db_location)
    client = local_client(db_location)
    twin = client.get("/entities/g-bergen.json").json()
    assert [p["name"] for p in twin["people"]] == ["Ingrid Dahl"]  # never an article's "Dahl"
    html = client.get("/entities/p-dahl").text
    assert "Dahl to sign the quotas in Oslo" in html and "in Oslo (Oslo)" not in html
    assert ">planned</span>" in html
    assert "undated · in an article of 7 Jun 2025" in html  # why it is listed where it is


def test_the_footer_holds_the_images_button_on_its_line() -> None:
    template = (Path(__file__).resolve().parents[1] / "storyline/web/templates/base.html").read_text()
    footer = template[template.index("<footer"):template.index("</footer>")]
    # a form inside a <p> closes the paragraph: the button then falls to a line of its own
    assert "<form" in footer and "<p>" not in footer and "<p " not in footer


def test_the_article_page_shortens_a_quote_at_a_word(db_location: str) -> None:
    _editor_corpus(db_location)
    html = local_client(db_location).get("/articles/f2").text
    shown = re.search(r"“(The quotas[^”]*)…”", html)
    assert shown is not None, "a long quote is shortened with an ellipsis"
    quote = "The quotas for cod and haddock will be signed in Oslo by all of the coastal states at the table"
    words = quote.split(" ")
    assert shown.group(1).split() == words[:len(shown.group(1).split())]  # whole words only, never "sta…"
