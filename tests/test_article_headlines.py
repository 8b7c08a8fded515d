"""An article without a headline (plain-text dumps often have none, some feeds give a web
address instead) is headed with its own first words, in one way wherever it is shown:
listings, the article page, feeds, search, the CLI; its stored and exported ``title`` stays
None.  Texts written for the test."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from sqlalchemy import text
from starlette.testclient import TestClient
from test_web_corpus import local_client
from typer.testing import CliRunner

from storyline.article import Article
from storyline.cli import app
from storyline.export import article_record
from storyline.store import Store
from storyline.stories.headline import MAX_HEADLINE, article_headline, headline
from storyline.web.sample import save_articles, write_story

LONG = ("The harbour authority will discuss raising mooring fees for visiting yachts at a meeting with the "
        "regional tourism board amid complaints from marina owners about the cost of dredging.")
BODY = ("The town council approved a new footbridge over the river on Tuesday, ending years of debate. "
        "Work starts in spring.\n\nThe bridge will cost four million euros.")
ADDRESS = "https://news.example.org/2025/03/04/council-approves-footbridge"


def test_an_untitled_article_is_headed_by_the_main_clause_of_its_first_sentence() -> None:
    # its first sentence, without the full stop (short enough to stand whole)
    assert article_headline(None, BODY) == ("The town council approved a new footbridge over the river on Tuesday,"
                                            " ending years of debate")
    assert article_headline("  ", BODY) == article_headline(None, BODY)
    assert article_headline(ADDRESS, BODY) == article_headline(None, BODY)  # an address is no headline
    assert article_headline("Council  backs\nfootbridge", BODY) == "Council backs footbridge"  # its own, kept


def test_a_lede_opening_with_a_quotation_or_too_short_does_not_head_the_article() -> None:
    body = "“We waited long enough,” said one resident. Finally. The council approved a new footbridge on Tuesday."
    assert article_headline(None, body) == "The council approved a new footbridge on Tuesday"
    assert article_headline(None, "“Yes,” she said. Done.") == "“Yes,” she said"  # nothing better: the first
    assert article_headline(None, "") == "Untitled article"


def test_a_long_first_sentence_is_cut_before_a_phrase_not_inside_one() -> None:
    shown = article_headline(None, LONG)
    assert shown == "The harbour authority will discuss raising mooring fees for visiting yachts at a meeting…"
    assert len(shown) <= MAX_HEADLINE + 1
    # a story of that one article is headed the same way
    assert headline([Article(id="x", source="x.txt", body=LONG)]) == shown
    # no phrase to cut before: a word boundary, never a dangling "the"
    words = " ".join(["Longwordsentence"] * 6 + ["the"] + ["Anotherlongword"] * 6)
    cut = article_headline(None, words)
    assert cut.endswith("…") and not cut[:-1].endswith(" the") and not cut[:-1].endswith(" ")


def _write(location: str) -> None:
    store = Store(location)
    save_articles(store, [
        Article(id="u1", source="/dumps/0001_3fa2.txt", body=BODY, publisher="River Gazette", published="2025-03-04"),
        Article(id="u2", source="u2", body=LONG, publisher="Coast Weekly", published="2025-03-05", title=ADDRESS,
                url="https://coast.example.org/fees"),
        Article(id="t1", source="t1", body=BODY, publisher="Town Crier", published="2025-03-03",
                title="Footbridge approved after years of debate"),
    ])
    write_story(store, "s-bridge", "Footbridge approved", "The council backs a footbridge.", ["u1", "u2", "t1"])
    store.close()


def test_the_store_keeps_the_headline_and_the_title_stays_none(db_location: str) -> None:
    _write(db_location)
    store = Store(db_location)
    try:
        facts = store.article_summaries(["u1", "u2", "t1"])
        assert facts["u1"]["title"] is None
        assert facts["u1"]["headline"] == article_headline(None, BODY)
        assert facts["u2"]["headline"] == article_headline(None, LONG)
        assert facts["t1"]["headline"] == "Footbridge approved after years of debate"
        found = store.get_article("u1")
        assert found is not None and found.title is None
        record = article_record(found)
        assert record["title"] is None and record["headline"] == article_headline(None, BODY)
    finally:
        store.close()


def test_a_database_from_before_gets_the_headlines_of_its_stored_articles(db_location: str) -> None:
    _write(db_location)
    store = Store(db_location)
    with store.transaction("undo the headline migration") as conn:
        conn.execute(text("ALTER TABLE articles DROP COLUMN headline"))
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 47"))
    store.close()
    store = Store(db_location)
    try:
        assert store.article_summaries(["u1"])["u1"]["headline"] == article_headline(None, BODY)
    finally:
        store.close()


def test_pages_feeds_and_search_head_an_untitled_article_with_its_own_words(db_location: str) -> None:
    _write(db_location)
    client: TestClient = local_client(db_location)
    shown = article_headline(None, BODY)
    page = client.get("/articles/u1")
    assert f"<h1>{shown}</h1>" in page.text
    assert f"<title>{shown} · storyline</title>" in page.text
    assert "Untitled" not in page.text
    twin = client.get("/articles/u1.json").json()
    assert twin["article"]["title"] is None and twin["article"]["headline"] == shown
    story = client.get("/stories/s-bridge").text
    assert f">{shown}</a>" in story and f">{article_headline(None, LONG)}</a>" in story
    assert ADDRESS not in story
    atom = ElementTree.fromstring(client.get("/stories/s-bridge/feed.atom").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = {e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)}
    assert shown in titles and article_headline(None, LONG) in titles and "(untitled)" not in titles
    items = client.get("/stories/s-bridge/feed.json").json()["items"]
    assert shown in {item["title"] for item in items}
    search = client.get("/search?q=footbridge")
    assert f">{shown}</a>" in search.text and "Untitled article" not in search.text
    hits = [a for g in client.get("/search.json?q=footbridge").json()["groups"] for a in g["articles"]]
    assert {a["id"]: (a["title"], a["headline"]) for a in hits}["u1"] == (None, shown)


def test_the_cli_lists_and_shows_an_untitled_article_by_its_headline(db_location: str) -> None:
    _write(db_location)
    runner = CliRunner()
    listing = runner.invoke(app, ["--db", db_location, "articles"], env={"COLUMNS": "250"})
    assert listing.exit_code == 0, listing.output
    assert article_headline(None, BODY) in listing.output
    assert "0001_3fa2.txt" not in listing.output  # never the file name
    shown = runner.invoke(app, ["--db", db_location, "show", "u1"], env={"COLUMNS": "250"})
    assert shown.output.splitlines()[0] == article_headline(None, BODY)
    rows = json.loads(runner.invoke(app, ["--db", db_location, "articles", "--json"]).output)
    assert {r["id"]: r["title"] for r in rows}["u1"] is None
