"""Search ranks and cuts inside the database: many matches, tiers by arrival, true totals, snippets.

The rank window is made small here (5 matches) so that a few dozen articles show
what a word found in most of a 100k archive does.
"""

from __future__ import annotations

import itertools

import pytest

from storyline.article import Article
from storyline.dedup import content_hash
from storyline.search import MARK_END, MARK_START, SearchQuery, parse_terms, search, snippet
from storyline.store import Store

FILLER = ["quay", "tide", "crane", "ferry", "pier", "cargo", "buoy", "dock"]


def _body(mentions: int, number: int) -> str:
    """Forty words, ``mentions`` of them "harbour": more mentions, better rank (same length for all)."""
    words = [FILLER[(number + i) % len(FILLER)] for i in range(40)]
    for place in range(mentions):
        words[place * 3 + 1] = "harbour"
    return f"Report {number}. " + " ".join(words) + "."


def _save(store: Store, article: Article) -> None:
    with store.transaction(f"save {article.id}") as conn:
        store.save_article(conn, article)


def _corpus(store: Store) -> dict[str, int]:
    """22 matching originals stored in this order (mentions vary), a copy of one, one without the word;
    returns the matches' mentions by id, newest first."""
    mentions = [3, 7, 1, 9, 4, 12, 2, 8, 5, 11, 6, 10, 1, 13, 3, 7, 2, 9, 5, 12, 4, 6]
    ids = []
    for number, count in enumerate(mentions):
        article_id = f"a{number:02d}"
        body = _body(count, number)
        _save(store, Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body),
                             title=f"Story {number}", published=f"2025-01-{number + 1:02d}T08:00:00+00:00"))
        ids.append(article_id)
    copy = _body(13, 13)
    _save(store, Article(id="dup", source="test:dup", body=copy, content_hash=content_hash(copy), title="Story 13",
                         duplicate_of="a13"))
    _save(store, Article(id="other", source="test:other", body="Nothing about ports at all.",
                         content_hash=content_hash("Nothing about ports at all."), title="Other"))
    return {article_id: mentions[int(article_id[1:])] for article_id in ids[::-1]}


def _all_pages(store: Store, query: str, limit: int) -> list[str]:
    found: list[str] = []
    offset = 0
    while True:
        page = store.search_articles(SearchQuery(q=query, limit=limit, offset=offset))
        found += [hit.article_id for hit in page]
        if len(page) < limit:
            return found
        offset += limit


def test_a_word_in_every_article_is_ranked_in_tiers_of_the_rank_window_newest_first(store: Store) -> None:
    mentions = _corpus(store)
    newest_first = list(mentions)
    by_rank = sorted(newest_first, key=lambda a: -mentions[a])  # equals: the newer first
    # the copy and the article without the word are left out
    assert [h.article_id for h in store.search_articles(SearchQuery(q="harbour", limit=100))] == by_rank

    store.rank_window = 5
    tiers = [newest_first[i:i + 5] for i in range(0, len(newest_first), 5)]
    expected = [a for tier in tiers for a in sorted(tier, key=lambda a: -mentions[a])]
    for limit in (1, 3, 5, 7, 30):  # pages inside a tier, across tiers, and all at once
        assert _all_pages(store, "harbour", limit) == expected, limit
    results = search(store, SearchQuery(q="harbour", limit=3))
    assert results.total == 22 and store.count_search(SearchQuery(q="harbour")) == 22
    assert [h.article_id for g in results.groups for h in g.hits] == expected[:3]
    assert store.search_articles(SearchQuery(q="harbour", limit=3, offset=22)) == []
    assert store.search_articles(SearchQuery(q="harbour", limit=3, offset=500)) == []
    # filters narrow the matches before the tiers are cut
    assert _all_pages(store, "harbour", 4) == expected
    early = SearchQuery(q="harbour", date_to="2025-01-06", limit=10)
    first_tier = sorted([f"a{n:02d}" for n in range(5, 0, -1)], key=lambda a: -mentions[a])
    assert [h.article_id for h in store.search_articles(early)] == [*first_tier, "a00"]
    assert store.count_search(early) == 6


def test_few_matches_are_ranked_together(store: Store) -> None:
    _corpus(store)
    store.rank_window = 5
    assert [h.article_id for h in store.search_articles(SearchQuery(q='"report 7" OR', limit=10))] == []
    assert [h.article_id for h in store.search_articles(SearchQuery(q="report 7", limit=10))] == ["a07"]
    assert store.count_search(SearchQuery(q="nothing")) == 1


def test_snippets_mark_words_as_the_index_matches_them() -> None:
    body = ("Le président a reçu à l’Élysée les négociateurs de São Paulo. " + "Words of filler. " * 20
            + "Later the Bundestag committee met about the e-mail affair; harbourmaster and harbour staff.")
    cases = {"elysee": "Élysée", '"sao paulo"': "São Paulo", "bundes*": "Bundestag", "e-mail": "e-mail",
             "harbour": "harbour"}
    for query, marked in cases.items():
        text = snippet(body, parse_terms(query))
        assert f"{MARK_START}{marked}{MARK_END}" in text, (query, text)
        assert text.count(MARK_START) == text.count(MARK_END) == 1, text  # harbourmaster is another word
        assert len(text.replace(MARK_START, "").replace(MARK_END, "").split()) <= 30
    plain = snippet(body, parse_terms("absent"))
    assert plain.startswith("Le président") and plain.endswith("…") and MARK_START not in plain
    assert snippet("", parse_terms("x")) == ""


def test_outlet_counts_are_kept_only_while_no_article_arrives(store: Store) -> None:
    def add(article_id: str, publisher: str, duplicate_of: str | None = None) -> None:
        body = f"Article {article_id} from {publisher}."
        _save(store, Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body),
                             publisher=publisher, duplicate_of=duplicate_of))

    add("o1", "Daily Ledger")
    assert store.list_outlets() == [{"publisher": "Daily Ledger", "articles": 1}]
    add("o2", "Morning Herald")
    add("o3", "Morning Herald")
    assert store.list_outlets() == [{"publisher": "Morning Herald", "articles": 2},
                                    {"publisher": "Daily Ledger", "articles": 1}]
    add("o4", "Daily Ledger", duplicate_of="o1")  # copies are not counted, but arrive
    store.list_outlets()[0]["articles"] = 99  # callers' changes do not reach the kept answer
    assert store.list_outlets()[0] == {"publisher": "Morning Herald", "articles": 2}


def test_the_text_index_follows_articles_becoming_and_ceasing_to_be_duplicates(store: Store) -> None:
    from sqlalchemy import text

    for article_id in ("p1", "p2"):
        body = f"The lighthouse keeper {article_id} wrote about the storm."
        _save(store, Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body),
                             title=f"Keeper {article_id}"))

    def found(words: str) -> list[str]:
        return sorted(h.article_id for h in store.search_articles(SearchQuery(q=words, limit=10)))

    assert found("lighthouse") == ["p1", "p2"] and store.count_search(SearchQuery(q="lighthouse")) == 2
    with store.transaction("mark a duplicate") as conn:
        conn.execute(text("UPDATE articles SET duplicate_of = 'p1' WHERE id = 'p2'"))
    assert found("lighthouse") == ["p1"] and store.count_search(SearchQuery(q="lighthouse")) == 1
    with store.transaction("retitle the duplicate") as conn:  # a duplicate rewritten stays out
        conn.execute(text("UPDATE articles SET title = 'Keeper again' WHERE id = 'p2'"))
    assert found("again") == []
    with store.transaction("no longer a duplicate") as conn:
        conn.execute(text("UPDATE articles SET duplicate_of = NULL WHERE id = 'p2'"))
    assert found("lighthouse") == ["p1", "p2"] and found("again") == ["p2"]
    with store.transaction("retitle") as conn:
        conn.execute(text("UPDATE articles SET title = 'Keeper renamed' WHERE id = 'p1'"))
    assert found("renamed") == ["p1"] and found("lighthouse") == ["p1", "p2"]  # once each
    with store.transaction("delete") as conn:
        conn.execute(text("DELETE FROM articles WHERE id = 'p1'"))
    assert found("lighthouse") == ["p2"] and store.count_search(SearchQuery(q="lighthouse")) == 1


def test_a_count_stops_past_the_limit_and_says_more_than(store: Store) -> None:
    """A word in most of a large archive is counted only so far: the total is then a lower bound
    ("10,000+"), and the pages go on as long as they are full."""
    _corpus(store)
    store.count_limit = 10
    assert store.count_search(SearchQuery(q="harbour")) == 11  # stopped one past the limit
    assert store.count_search(SearchQuery(q="harbour", date_to="2025-01-06")) == 6  # under it: exact
    first = search(store, SearchQuery(q="harbour", limit=4))
    assert first.total == 10 and not first.total_exact and first.to_dict()["total_exact"] is False
    deep = search(store, SearchQuery(q="harbour", limit=4, offset=12))
    assert deep.total == 16 and not deep.total_exact  # at least what has been seen
    last = search(store, SearchQuery(q="harbour", limit=4, offset=20))
    assert last.total == 22 and last.total_exact  # a short last page: every match is known
    assert _all_pages(store, "harbour", 4) == _all_pages(store, "harbour", 30)


def test_pages_and_api_say_more_than_and_page_on(store: Store) -> None:
    from starlette.testclient import TestClient

    from storyline.web import create_app

    _corpus(store)
    for number in range(22, 40):  # more matches than a page of the site shows (30)
        body = _body(1, number)
        _save(store, Article(id=f"b{number}", source=f"test:b{number}", body=body, content_hash=content_hash(body),
                             title=f"Story {number}"))
    app = create_app(store.location)
    app.state.site.store.count_limit = 10
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        page = client.get("/search", params={"q": "harbour"})
        assert "1–30 of 30+ articles" in page.text  # as many as seen, and more
        assert "offset=30" in page.text  # a full page has a next one
        assert "40 of 40 articles" in client.get("/search", params={"q": "harbour", "offset": 30}).text
        api = client.get("/api/search", params={"q": "harbour", "limit": 4}).json()
        assert api["total"] == 10 and api["total_exact"] is False and api["next"]
        listed = client.get("/api/articles", params={"limit": 30}).json()
        assert listed["total_exact"] is False and listed["total"] == 30 and listed["next"]


def test_a_phrase_is_ranked_in_tiers_of_its_own_matches_not_of_the_rows_holding_its_words(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiers count the articles holding the phrase: the newest articles that hold its words apart
    (more of them than a tier) take no place in a tier, and the total counts only the phrase.
    PostgreSQL reads the rows holding the words range by range of arrival (see the next test):
    in one range, cut at what is wanted, or in many small ones, the pages are the same."""
    import storyline.store.search as store_search

    holding = {}  # id -> times the phrase is said, for the articles that say it
    for number in range(30):
        article_id = f"p{number:02d}"
        if number >= 12:  # the 18 newest say "tide" and "clock", never side by side
            body = f"Bulletin {number}. The tide rose. " + "A clock struck. " * (1 + number % 3)
        else:
            said = 1 + (number * 5) % 4
            body = f"Bulletin {number}. " + "The tide clock stopped. " * said + "Nothing more."
            holding[article_id] = said
        _save(store, Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body),
                             title=f"Bulletin {number}", published=f"2025-02-{number + 1:02d}T08:00:00+00:00"))
    newest_first = sorted(holding, reverse=True)
    store.rank_window = 5
    tiers = [newest_first[i:i + 5] for i in range(0, len(newest_first), 5)]
    expected = [a for tier in tiers for a in sorted(tier, key=lambda a: -holding[a])]  # equals: the newer first
    for margin, limit in itertools.product((0.001, 1.25, 1000.0), (1, 4, 5, 6, 30)):
        monkeypatch.setattr(store_search, "_RANGE_MARGIN", margin)
        assert _all_pages(store, '"tide clock"', limit) == expected, (margin, limit)
    assert sorted(_all_pages(store, "tide clock", 7)) == [f"p{n:02d}" for n in range(30)]  # the words: in all 30
    assert store.count_search(SearchQuery(q='"tide clock"')) == 12
    assert store.search_articles(SearchQuery(q='"tide clock"', limit=5, offset=12)) == []
    with_word = store.search_articles(SearchQuery(q='"tide clock" bulletin', limit=5))
    assert sorted(h.article_id for h in with_word) == sorted(tiers[0])  # a phrase and a word: the same first tier
    assert [h.article_id for h in store.search_articles(SearchQuery(q='"clock stopped" "tide rose"'))] == []


def test_tiers_are_the_same_however_the_matches_are_read_in_ranges_of_arrival(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL reads a tier's matches range by range of arrival, the first range sized from the
    planner's estimate: ranges far too small (many of them) or far too large (one, cut at what is
    wanted) give the same pages; SQLite, which cuts tiers otherwise, gives them too."""
    import storyline.store.search as store_search

    mentions = _corpus(store)
    newest_first = list(mentions)
    store.rank_window = 5
    tiers = [newest_first[i:i + 5] for i in range(0, len(newest_first), 5)]
    expected = [a for tier in tiers for a in sorted(tier, key=lambda a: -mentions[a])]
    for margin in (0.001, 0.3, 1000.0):
        monkeypatch.setattr(store_search, "_RANGE_MARGIN", margin)
        for limit in (1, 4, 6, 30):
            assert _all_pages(store, "harbour", limit) == expected, (margin, limit)
        assert _all_pages(store, '"report 13"', 3) == ["a13"]


def test_articles_stored_at_once_are_each_in_one_tier(store: Store) -> None:
    """Concurrent writers may give articles the same arrival number: each match still comes
    exactly once over the pages, in the tier its place (arrival, then id) puts it in."""
    from sqlalchemy import text

    _corpus(store)
    with store.transaction("store some at once") as conn:
        conn.execute(text("UPDATE articles SET arrival = 100 WHERE id IN ('a03', 'a04', 'a05', 'a06', 'a07', 'a08')"))
    store.rank_window = 4
    pages = {limit: _all_pages(store, "harbour", limit) for limit in (1, 3, 4, 5, 30)}
    assert all(sorted(found) == sorted(pages[30]) and len(set(found)) == 22 for found in pages.values()), pages
    assert len({tuple(found) for found in pages.values()}) == 1, pages


def test_postgresql_analyze_keeps_the_frequencies_of_many_words(store: Store) -> None:
    """The ranges of arrival are sized from the planner's estimate: it knows 10,000 words, not 1,000."""
    from sqlalchemy import text

    if store.dialect != "postgresql":
        pytest.skip("SQLite cuts tiers without an estimate")
    with store.transaction("read the statistics target") as conn:
        target = conn.execute(text("SELECT attstattarget FROM pg_attribute"
                                   " WHERE attrelid = 'articles'::regclass AND attname = 'search_vector'")).scalar()
    assert target == 1000
