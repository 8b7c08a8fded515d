"""A small corpus for the web tests, written through the real store, with hostile text in it.

Other web test modules import :func:`corpus` and :func:`local_client`; the tests here check
that the corpus is what they assume.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.testclient import TestClient

from storyline.article import Article, Entity, Event, Quote
from storyline.store import Store
from storyline.web import create_app
from storyline.web.sample import save_articles, write_story, write_storyline

XSS = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'


@dataclass
class Corpus:
    path: str
    story: str
    other_story: str
    storyline: str
    person: str
    speaker: str
    articles: list[str]
    hostile_article: str
    duplicate: str


def _entity(body: str, local: str, name: str, kind: str, canonical: str) -> Entity:
    mentions = []
    start = body.find(name)
    while start != -1:
        mentions.append((start, start + len(name)))
        start = body.find(name, start + 1)
    return Entity(id=local, name=name, type=kind, mentions=mentions, canonical_id=canonical)


def _quote(body: str, text: str, speaker_local: str | None, speaker_name: str | None) -> Quote:
    start = body.index(text) - 1
    return Quote(text=text, start=start, end=start + len(text) + 2, speaker_mention=speaker_name,
                 speaker_span=None, speaker_id=speaker_local, speaker_name=speaker_name, cue="said", medium=None)


def corpus(location: str) -> Corpus:
    """Write the corpus into the (empty) database at ``location``."""
    path = location
    store = Store(path)
    one = ("Ministers met in Brussels on Monday to discuss frozen Russian assets.\n\n"
           "“We will not be rushed,” Anna Berg said after the meeting.\n\n"
           "Belgium's prime minister Bart De Wever warned of legal risks.")
    two = ("Anna Berg returned to Brussels on 12 December for a second round of talks.\n\n"
           "“There is real progress on the assets,” Anna Berg told reporters.\n\n"
           "Diplomats said a deal could come before Christmas.")
    hostile = (f"A hostile body {XSS} and {IMG} about Brussels.\n\n"
               f"“Nothing to see {XSS},” said Sam Evil.\n\n"
               "Anna Berg did not comment.")
    articles = [
        Article(id="a1", source="t:1", body=one, publisher="Daily Ledger", published="2025-12-08",
                title="Ministers weigh frozen assets plan", url="https://example.org/a1", authors=["Ruth Kay"]),
        Article(id="a2", source="t:2", body=two, publisher="Evening Post", published="2025-12-12",
                title="Second round of Brussels talks", url="https://example.org/a2"),
        Article(id="a3", source="t:3", body=hostile, publisher=f"Evil {XSS} Times", published="2025-12-10",
                title=f"{XSS}Hostile {IMG} headline", url="javascript:alert(1)"),
        Article(id="a4", source="t:4", body=one, publisher="Morning Herald", published="2025-12-09",
                title="Ministers weigh frozen assets plan (copy)", duplicate_of="a1"),
        Article(id="b1", source="t:5", body="Dock workers in Lisbon walked out over pay.\n\nThe strike closed the port.",
                publisher="Harbour Times", published="2025-11-02", title="Lisbon port strike"),
    ]
    berg = "p-berg"
    for article in articles[:4]:
        article.entities = [_entity(article.body, "e1", "Anna Berg", "PERSON", berg),
                            _entity(article.body, "e2", "Brussels", "GPE", "g-brussels")]
        article.entities = [e for e in article.entities if e.mentions]
    articles[0].entities.append(_entity(one, "e3", "Bart De Wever", "PERSON", "p-dewever"))
    articles[0].quotes = [_quote(one, "We will not be rushed,", "e1", "Anna Berg")]
    articles[1].quotes = [_quote(two, "There is real progress on the assets,", "e1", "Anna Berg")]
    articles[0].events = [Event(what="ministers meeting", type="meeting", date="2025-12-08", date_text="Monday",
                                place="Brussels", participants=["e1", "Anna Berg"], evidence=(0, one.index(".") + 1))]
    articles[1].events = [Event(what="second round of talks", type="meeting", date="2025-12-12",
                                date_text="12 December", place="Brussels", participants=["e1"],
                                evidence=(0, two.index(".") + 1))]
    evil = f"{XSS}Sam Evil"
    articles[2].entities.append(Entity(id="e9", name=evil, type="PERSON", canonical_id="p-evil",
                                       mentions=[(hostile.index("Sam Evil"), hostile.index("Sam Evil") + 8)]))
    articles[2].quotes = [_quote(hostile, f"Nothing to see {XSS},", "e9", evil)]
    articles[2].events = [Event(what="undated remark", type="statement", date=None, date_text="recently",
                                place=None, participants=["e9"], evidence=(0, hostile.index("\n")))]
    save_articles(store, articles)
    story = write_story(store, "s-assets", f"Frozen assets talks {XSS}", f"Europe debates the assets {IMG}.",
                        ["a1", "a2", "a3"], storyline_id="sl-ukraine",
                        related=[{"id": "s-port", "title": "Lisbon port strike"}])
    other = write_story(store, "s-port", "Lisbon port strike", "Dock workers walk out.", ["b1"])
    write_storyline(store, "sl-ukraine", "Support for Ukraine", [story])
    with store.transaction("merge a story") as conn:
        store.save_redirect(conn, "s-old", "s-assets", "story")
    store.add_feed("https://feeds.example.org/world.xml", f"World {XSS} news")
    store.record_feed_fetch("https://feeds.example.org/world.xml", status="error", error=f"HTTP 500 {XSS}")
    store.close()
    return Corpus(path, story.id, other.id, "sl-ukraine", berg, "p-evil", ["a1", "a2", "a3", "b1"], "a3", "a4")


def local_client(app_path: str, **options: object) -> TestClient:
    """A client that looks like a browser on the loopback interface."""
    app = create_app(app_path, **options)  # type: ignore[arg-type]
    return TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


def test_the_corpus_story_is_derived_from_its_articles(db_location: str) -> None:
    data = corpus(db_location)
    store = Store(data.path)
    story = store.get_story(data.story)
    assert story is not None
    assert story.articles == ["a1", "a2", "a3"]
    assert story.outlet_count == 3
    assert next(p["id"] for p in story.people) == data.person
    assert {e["date"] for e in story.timeline} == {"2025-12-08", "2025-12-12", None}
    assert store.get_story("s-old").id == data.story  # type: ignore[union-attr]
    assert store.duplicates_of("a1") == ["a4"]
    store.close()
