"""The store behaves the same on SQLite and PostgreSQL.

Every test here runs once per backend (the ``store`` and ``db_location`` fixtures), against
expectations written down once: ordering with undated rows, upserts, JSON round trips,
text search (words, phrases, prefixes, accents, numbers, filters), accounts, and errors.
"""

from __future__ import annotations

import pytest

from storyline.article import Article, Entity, Event, Quote, TimeExpression
from storyline.dedup import content_hash
from storyline.search import MARK_END, MARK_START, SearchQuery, search
from storyline.store import Store, StoreError
from storyline.store.migrations import MIGRATIONS
from storyline.stories.types import Story, Storyline


def _article(article_id: str, body: str, **fields: object) -> Article:
    return Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body),
                   **fields)  # type: ignore[arg-type]


def _save(store: Store, *articles: Article) -> None:
    for article in articles:
        with store.transaction(f"save {article.id}") as conn:
            store.save_article(conn, article)


def test_migrations_run_once_and_reopening_applies_none(db_location: str) -> None:
    first = Store(db_location)
    assert first.schema_version() == max(version for version, _, _ in MIGRATIONS)
    first.close()
    again = Store(db_location)
    assert again.migrate() == []
    again.close()


def test_articles_list_newest_first_undated_last_and_round_trip(store: Store) -> None:
    _save(
        store,
        _article("a", "Alpha body.", published="2025-12-08", title="Élysée talks", authors=["Zoë Ö", "B"],
                 extracted_by={"published": "htmldate"}, raw="<p>Alpha</p>", raw_kind="html", external_id="ext-1"),
        _article("b", "Beta body.", published=None, collection="folder"),
        _article("c", "Gamma body.", published="2025-12-10T09:30:00+00:00", collection="folder"),
        _article("d", "Delta body.", published="2025-12-10"),
        _article("e", "Alpha body.", published="2025-12-09", duplicate_of="a"),
        _article("f", "Phi body.", published=None),
    )
    assert [a.id for a in store.iter_articles()] == ["c", "d", "e", "a", "b", "f"]
    assert [a.id for a in store.iter_articles(include_duplicates=False, limit=4)] == ["c", "d", "a", "b"]
    assert [a.id for a in store.iter_articles(collection="folder")] == ["c", "b"]
    found = store.get_article("ext-1")
    assert found is not None and found.id == "a"
    assert (found.title, found.authors, found.extracted_by, found.raw) == (
        "Élysée talks", ["Zoë Ö", "B"], {"published": "htmldate"}, "<p>Alpha</p>")
    assert store.get_article("nothing") is None
    assert store.count_articles() == 6
    assert store.duplicates_of("a") == ["e"]
    assert store.article_fingerprint("a") == content_hash("Alpha body.")
    with store.transaction("look up a copy") as conn:
        assert store.find_by_content_hash(conn, content_hash("Alpha body."), "new") == "a"
        assert store.canonical_of(conn, "e") == "a"


def test_saving_again_updates_the_one_row(store: Store) -> None:
    _save(store, _article("a", "First version.", title="One"))
    _save(store, _article("a", "Second version.", title="Two"))
    assert store.count_articles() == 1
    article = store.get_article("a")
    assert article is not None and (article.title, article.body) == ("Two", "Second version.")
    assert [h.article_id for h in store.search_articles(SearchQuery(q="second"))] == ["a"]
    assert store.search_articles(SearchQuery(q="first")) == []


def test_nul_characters_are_stored_as_replacement_characters(store: Store) -> None:
    body = "A body with a \x00 in it."
    _save(store, _article("a", body, title="Nul\x00title"))
    article = store.get_article("a")
    assert article is not None
    assert (article.title, article.body) == ("Nul\ufffdtitle", "A body with a \ufffd in it.")
    assert len(article.body) == len(body)  # offsets into the body still hold


def test_enrichment_and_canonical_entities_round_trip(store: Store) -> None:
    body = "“We will not be rushed,” Anna Berg said in Brussels on Monday."
    article = _article("a", body, published="2025-12-08")
    article.entities = [Entity(id="e1", name="Anna Berg", type="PERSON", aliases=["Berg"], mentions=[(25, 34)],
                               role="minister", canonical_id="p-berg"),
                        Entity(id="e2", name="Brussels", type="GPE", mentions=[(43, 51)], canonical_id="g-bru")]
    article.quotes = [Quote(text="We will not be rushed,", start=0, end=24, speaker_mention="Anna Berg",
                            speaker_span=(25, 34), speaker_id="e1", speaker_name="Anna Berg", cue="said",
                            medium=None, indirect=True)]
    article.times = [TimeExpression(text="Monday", start=55, end=61, type="DATE", value="2025-12-08")]
    article.events = [Event(what="statement", type="statement", date="2025-12-08", date_text="Monday",
                            place="Brussels", participants=["e1"], evidence=(0, len(body)))]
    article.lemmas = ["rush", "rush", "minister"]
    with store.transaction("save an enriched article") as conn:
        store.save_article(conn, article)
        store.save_enrichment(conn, article, "2025-12-08T10:00:00+00:00")
        store.save_canonical_entities(conn, [
            {"id": "p-berg", "name": "Anna Berg", "type": "PERSON", "aliases": ["Berg"], "role": "minister",
             "count": 1, "gender": "f"},
            {"id": "g-bru", "name": "Brussels", "type": "GPE"},
        ])
    with store.transaction("update a canonical entity") as conn:  # a missing role keeps the known one
        store.save_canonical_entities(conn, [{"id": "p-berg", "name": "Anna Berg", "type": "PERSON", "count": 2}])
    loaded = store.get_article("a")
    assert loaded is not None
    assert loaded.entities == article.entities
    assert loaded.quotes == article.quotes and loaded.quotes[0].indirect is True
    assert loaded.times == article.times
    assert loaded.events == article.events
    assert sorted(loaded.lemmas or []) == ["minister", "rush", "rush"]
    entities = {e["id"]: e for e in store.load_canonical_entities()}
    assert entities["p-berg"]["role"] == "minister" and entities["p-berg"]["aliases"] == []
    assert entities["g-bru"]["aliases"] == []
    assert store.entity_quotes("p-berg")[0]["text"] == "We will not be rushed,"
    assert store.entity_quotes("p-berg")[0]["indirect"] == 1
    assert store.co_occurring("p-berg") == [{"id": "g-bru", "name": "Brussels", "type": "GPE", "articles": 1}]
    assert [e["what"] for e in store.entity_events("p-berg")] == ["statement"]
    assert store.entities_of_articles(["a"]) == {"p-berg": 1}


def test_many_articles_are_read_together_as_each_is_alone(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Grouping reads hundreds of articles with their annotations at once: the same articles as
    read one by one, in the order asked, each with its own annotations, across query pieces."""
    import storyline.store.articles as articles_module
    import storyline.store.enrichment as enrichment_module

    monkeypatch.setattr(articles_module, "READ_PIECE", 2)
    monkeypatch.setattr(enrichment_module, "READ_PIECE", 2)
    ids = [f"n{n}" for n in range(5)]
    with store.transaction("save five") as conn:
        for n, article_id in enumerate(ids):
            body = f"Minister {n} said the ferry {n} would sail on Friday."
            article = _article(article_id, body, published=f"2025-12-0{n + 1}")
            article.entities = [Entity(id=f"e{k}", name=f"Minister {k}", type="PERSON", mentions=[(0, 10)])
                                for k in range(n)]  # none for n0, four for n4
            article.quotes = [Quote(text="would sail", start=30, end=40, speaker_mention=None, speaker_span=None,
                                    speaker_id="e0", speaker_name=None, cue="said", medium=None)] if n % 2 else []
            article.times = [TimeExpression(text="Friday", start=44, end=50, type="DATE", value=None)]
            article.lemmas = ["ferry"] * (n + 1)
            store.save_article(conn, article)
            store.save_enrichment(conn, article, "2025-12-08T10:00:00+00:00")
    asked = ["n3", "missing", "n0", "n4", "n1", "n3"]
    together = store.get_articles(asked)
    alone = [store.get_article(article_id) for article_id in dict.fromkeys(asked) if article_id != "missing"]
    assert [a.id for a in together] == ["n3", "n0", "n4", "n1"]
    assert together == alone
    assert [len(a.entities) for a in together] == [3, 0, 4, 1] and together[2].entities[3].name == "Minister 3"
    assert [len(a.quotes) for a in together] == [1, 0, 0, 1] and together[0].lemmas == ["ferry"] * 4
    assert [a.id for a in store.iter_articles(enrichment=True)] == ["n4", "n3", "n2", "n1", "n0"]
    assert list(store.iter_articles(enrichment=True))[1] == alone[0]


def test_stories_version_changes_with_every_later_write(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The front page is reused while the version stands: every later write, a merge and a
    rebuild change it."""
    import storyline.store.stories as stories

    def saved_at(stamp: str) -> None:
        monkeypatch.setattr(stories, "now", lambda: stamp)

    saved_at("2025-12-08T10:00:00+00:00")
    with store.transaction("save") as conn:
        store.save_story(conn, Story(id="s1", title="One", last_updated="2025-12-08"))
        store.save_storyline(conn, Storyline(id="l1", title="Line", stories=["s1"]))
    versions = [store.stories_version()]
    saved_at("2025-12-08T10:00:01+00:00")
    with store.transaction("retitle the story") as conn:
        store.save_story(conn, Story(id="s1", title="One, retitled", last_updated="2025-12-08"))
    versions.append(store.stories_version())
    saved_at("2025-12-08T10:00:02+00:00")
    with store.transaction("retitle the storyline") as conn:
        store.save_storyline(conn, Storyline(id="l1", title="Line, retitled", stories=["s1"]))
    versions.append(store.stories_version())
    saved_at("2025-12-08T10:00:03+00:00")
    with store.transaction("a second story") as conn:
        store.save_story(conn, Story(id="s2", title="Two", last_updated="2025-12-08"))
    versions.append(store.stories_version())
    saved_at("2025-12-08T10:00:04+00:00")
    with store.transaction("merge, as a story run does: the survivor is rewritten") as conn:
        store.merge_story(conn, "s2", "s1")
        store.save_story(conn, Story(id="s1", title="One and two", last_updated="2025-12-08"))
    versions.append(store.stories_version())
    with store.transaction("rebuild") as conn:
        store.clear_stories(conn)
    versions.append(store.stories_version())
    assert len(set(versions)) == 6, versions


def test_stories_order_redirects_membership_and_cards(store: Store) -> None:
    _save(store, _article("a", "One.", published="2025-12-08", publisher="Ledger"),
          _article("b", "Two.", published=None, publisher="Post"),
          _article("c", "Three.", published="2025-12-01", publisher="Ledger"),
          _article("d", "Four.", published="2025-12-02", publisher="Ledger", duplicate_of="c"))
    before = store.stories_version()
    with store.transaction("save stories") as conn:
        store.save_story(conn, Story(id="s1", title="Dated", last_updated="2025-12-08", articles=["a", "c"],
                                         outlets=[{"publisher": "Ledger"}], coverage=[{"date": "2025-12-08"}]))
        store.save_story(conn, Story(id="s2", title="Undated", last_updated=None, articles=["b"]))
        store.save_story(conn, Story(id="s3", title="Old", last_updated="2025-11-01"))
        store.save_storyline(conn, Storyline(id="l1", title="Line", last_updated=None, stories=["s1"]))
        store.save_storyline(conn, Storyline(id="l2", title="Line two", last_updated="2025-12-01"))
    assert store.stories_version() != before
    assert [s.id for s in store.list_stories()] == ["s1", "s3", "s2"]
    assert [s.id for s in store.list_storylines()] == ["l2", "l1"]
    cards = {c.id: c for c in store.story_cards()}
    assert cards["s1"].outlets == [{"publisher": "Ledger"}] and cards["s1"].coverage == [{"date": "2025-12-08"}]
    assert cards["s2"].outlets == [] and cards["s3"].outlets == []
    assert store.unassigned_article_ids() == ["d"]
    with store.transaction("merge stories") as conn:
        store.merge_story(conn, "s2", "s1")
        assert store.story_members(conn, "s1") == ["c", "a", "b"]
    story = store.get_story("s2")
    assert story is not None and story.id == "s1"
    assert store.story_of_article("b") == "s1"
    assert store.list_outlets() == [{"publisher": "Ledger", "articles": 2}, {"publisher": "Post", "articles": 1}]


CORPUS = {
    "x1": ("Macron at the Élysée", "President Macron welcomed Erdoğan at the Élysée Palace on 2025-12-08 for "
           "peace-talks. The U.S. envoy, O'Brien, said 3.5 billion was at stake.", "2025-12-08", "Daily Ledger"),
    "x2": ("São Paulo floods", "Heavy rain in São Paulo left 1,000 people homeless; the mayor's office said the "
           "e-mail alerts failed. Covid19 wards were moved.", "2025-12-02", "Evening Post"),
    "x3": ("Müller resigns", "MÜLLER resigned from the Bundestag committee. Zelenskyy and De Wever’s aides met "
           "in Brussels at 10:30.", None, "Daily Ledger"),
    "x4": ("Müller resigns (copy)", "MÜLLER resigned from the Bundestag committee. Zelenskyy and De Wever’s aides "
           "met in Brussels at 10:30.", "2025-12-03", "Morning Herald"),
}

# what FTS5 (unicode61, remove_diacritics 2) finds; PostgreSQL must find the same
SEARCHES = {
    "elysee": ["x1"], "Élysée": ["x1"], "ERDOGAN": ["x1"], "sao paulo": ["x2"], '"São Paulo"': ["x2"],
    "muller": ["x3"], "12": ["x1"], "2025": ["x1"], "peace": ["x1"], '"peace talks"': ["x1"],
    "peace-talks": ["x1"], "u.s": ["x1"], "US": [], "o'brien": ["x1"], "3.5": ["x1"], "5": ["x1"],
    "1,000": ["x2"], "000": ["x2"], "e-mail": ["x2"], "covid19": ["x2"], "covid*": ["x2"], "zel*": ["x3"],
    "wever's": ["x3"], "wever’s": ["x3"], "s": ["x1", "x2", "x3"], "10:30": ["x3"], "palace macron": ["x1"],
    '"macron palace"': [], "bundes*": ["x3"], "nothing-here": [], "'; DROP TABLE articles; --": [],
}


def _search_corpus(store: Store) -> None:
    _save(store, *[_article(i, body, title=title, published=published, publisher=publisher,
                            duplicate_of="x3" if i == "x4" else None)
                   for i, (title, body, published, publisher) in CORPUS.items()])


def test_search_finds_the_same_words_on_both_backends(store: Store) -> None:
    _search_corpus(store)
    found = {q: sorted(hit.article_id for hit in store.search_articles(SearchQuery(q=q))) for q in SEARCHES}
    assert found == SEARCHES
    assert store.count_articles() == 4  # the hostile query left the table alone


def test_search_snippets_mark_the_words_found(store: Store) -> None:
    _search_corpus(store)
    for q, word in (("elysee", "Élysée"), ("bundes*", "Bundestag"), ('"São Paulo"', "São")):
        snippet = store.search_articles(SearchQuery(q=q))[0].snippet
        assert f"{MARK_START}{word}" in snippet, (q, snippet)
        assert snippet.count(MARK_START) == snippet.count(MARK_END)


def test_search_filters_and_ordering_without_words(store: Store) -> None:
    _search_corpus(store)
    with store.transaction("put two articles in a story") as conn:
        store.save_story(conn, Story(id="s1", title="Talks", articles=["x1", "x3"]))
    ids = [h.article_id for h in store.search_articles(SearchQuery(outlet="daily ledger"))]
    assert ids == ["x1", "x3"]  # dated first, undated last; the copy x4 is left out
    assert [h.article_id for h in store.search_articles(SearchQuery(story="s1", q="brussels"))] == ["x3"]
    assert [h.article_id for h in store.search_articles(SearchQuery(date_from="2025-12-02", date_to="2025-12-07"))] \
        == ["x2"]
    assert [h.article_id for h in store.search_articles(SearchQuery(date_from="2025-12-08"))] == ["x1"]
    results = search(store, SearchQuery(q="s"))
    assert [g.story_id for g in results.groups] == ["s1", None]
    assert results.groups[0].title == "Talks" and results.total == 3


def test_accounts_sessions_tokens_follows_reads_and_saved_searches(store: Store) -> None:
    alice = store.create_user("alice", "hash", is_admin=True)
    with pytest.raises(StoreError, match="store: unable to create user alice"):
        store.create_user("alice", "other")
    assert store.count_users() == 1
    user = store.get_user_by_name("alice")
    assert user is not None and user["is_admin"] == 1
    store.create_session(alice, "old", "2000-01-01T00:00:00+00:00")
    store.create_session(alice, "new", "2999-01-01T00:00:00+00:00")
    assert store.session_user("old") is None
    assert store.session_user("new") is not None
    token = store.create_api_token(alice, "token-hash", "scripts")
    assert store.token_user("token-hash")["id"] == alice  # type: ignore[index]
    assert [t["id"] for t in store.list_api_tokens(alice)] == [token]
    assert store.follow(alice, "story", "s1") and not store.follow(alice, "story", "s1")
    assert store.follow(alice, "entity", "p1")
    assert [(f["kind"], f["target_id"]) for f in store.list_follows(alice)] == [("entity", "p1"), ("story", "s1")]
    assert store.unfollow(alice, "story", "s1") and not store.is_following(alice, "story", "s1")
    store.record_read(alice, "article", "a1")
    store.record_read(alice, "article", "a1")
    assert list(store.list_reads(alice, "article")) == ["a1"]
    search_id = store.save_search(alice, "Élysée", {"q": "élysée", "from": None})
    assert store.get_saved_search(search_id)["query"] == {"q": "élysée", "from": None}  # type: ignore[index]
    assert store.delete_saved_search(alice, search_id) and store.list_saved_searches(alice) == []


def test_state_round_trips_json(store: Store) -> None:
    assert store.get_state("model") is None
    with store.transaction("save state") as conn:
        store.set_state(conn, "model", {"ß": [1, 2.5, None, True], "nested": {"a": "ö"}})
    with store.transaction("save state again") as conn:
        store.set_state(conn, "model", {"ß": [3]})
    assert store.get_state("model") == {"ß": [3]}


def test_an_unreachable_database_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError, match="unable to open database") as caught:
        Store("postgresql://reader:s3cret-pw@127.0.0.1:1/nowhere")
    assert "s3cret-pw" not in str(caught.value)
