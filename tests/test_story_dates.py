"""Honest dates and each article once, through the real story and storyline builders.

A story's dates come from its articles' publication dates, never from when they were
ingested; an undated story is placed by the recent days its articles name (labelled
inferred) or left undated; copies of an article are counted once, beside it.
"""

from __future__ import annotations

from storyline.article import Article, TimeExpression
from storyline.dedup import content_hash
from storyline.store import Store
from storyline.stories.timeline import date_order, period_month, period_start
from storyline.stories.types import Story
from storyline.stories.view import build_story, build_storyline
from storyline.web.views import human_period

TODAY = {"a": "2026-12-05T10:00:00+00:00", "b": "2026-12-05T10:00:00+00:00", "c": "2026-12-05T10:00:00+00:00"}


def _article(article_id: str, body: str, *, published: str | None = None, publisher: str = "Ledger",
             duplicate_of: str | None = None, days: tuple[tuple[str, str], ...] = ()) -> Article:
    times = [TimeExpression(text, body.index(text), body.index(text) + len(text), "DATE", value)
             for text, value in days]
    return Article(id=article_id, source=f"{article_id}.txt", body=body, title=f"Talks {article_id}",
                   published=published, publisher=publisher, duplicate_of=duplicate_of, times=times)


def test_an_undated_story_never_takes_the_day_it_was_ingested() -> None:
    articles = [_article("a", "The council met on Friday to discuss the harbour bridge."),
                _article("b", "Councillors said on Monday the harbour bridge would close.")]
    story = build_story("s1", articles, TODAY, "l1")
    assert (story.first_seen, story.last_updated, story.dates, story.dated) == (None, None, "undated",
                                                                                            False)
    assert story.placed == {}


def test_an_undated_story_is_placed_by_the_recent_days_its_articles_name() -> None:
    body = ("The council met on 14 August 2025 about the bridge, which opened in 1995. "
            "It meets again on 20 August 2025.")
    articles = [_article("a", body, days=(("14 August 2025", "2025-08-14"), ("1995", "1995"),
                                          ("20 August 2025", "2025-08-20"))),
                _article("b", "The bridge was first proposed on 3 March 1990 by the council.",
                         days=(("3 March 1990", "1990-03-03"),))]
    story = build_story("s1", articles, TODAY, "l1")
    # 1990 is background named in passing: more than two months before the latest day named
    assert (story.first_seen, story.last_updated, story.dates) == ("2025-08-14", "2025-08-20", "inferred")
    assert story.placed["a"] == {"from": "2025-08-14", "to": "2025-08-20", "by": "its own dates"}
    # b names only a background day, far from its story: it is placed by its story
    assert story.placed["b"] == {"from": "2025-08-14", "to": "2025-08-20", "by": "its story's inferred dates"}


def test_an_undated_article_of_a_dated_story_is_placed_by_its_story() -> None:
    articles = [_article("a", "The council voted to close the harbour bridge.", published="2025-12-08"),
                _article("b", "The harbour bridge closed after the council vote.", published="2025-12-12"),
                _article("c", "Drivers queued as the harbour bridge stayed shut.")]
    story = build_story("s1", articles, TODAY, "l1")
    assert (story.first_seen, story.last_updated, story.dates) == ("2025-12-08", "2025-12-12", "published")
    assert story.placed == {"c": {"from": "2025-12-08", "to": "2025-12-12", "by": "its story's dated articles"}}


def test_copies_are_counted_once_beside_their_original() -> None:
    body = "The council voted on Monday to close the harbour bridge for repairs."
    articles = [_article("a", body, published="2025-12-08", publisher="Ledger"),
                _article("a2", body, publisher="Wire", duplicate_of="a"),
                _article("a3", body, published="2025-12-07", publisher="Ledger", duplicate_of="a"),
                _article("b", "Repairs to the harbour bridge began on Tuesday.", published="2025-12-09",
                         publisher="Post")]
    story = build_story("s1", articles, TODAY, "l1")
    assert story.articles == ["a", "b"]
    assert story.copies == {"a": ["a2", "a3"]}
    # the same text was out on the 7th: the article is dated by its earliest copy
    assert story.first_seen == "2025-12-07"
    outlets = {o["publisher"]: (o["articles"], o["copies"]) for o in story.outlets}
    assert outlets == {"Ledger": (1, 1), "Post": (1, 0), "Wire": (0, 1)}
    assert sum(item["count"] for item in story.coverage) == 2


def test_a_storyline_spans_its_dated_stories_and_is_undated_without_any() -> None:
    dated = build_story("s1", [_article("a", "The council voted.", published="2025-12-08")], TODAY, "l1")
    undated = build_story("s2", [_article("b", "The council met on Friday.")], TODAY, "l1")
    inferred = build_story("s3", [_article("c", "The council met on 14 August 2025.",
                                           days=(("14 August 2025", "2025-08-14"),))], TODAY, "l1")
    line = build_storyline("l1", [dated, undated, inferred])
    assert (line.first_seen, line.last_updated, line.dates) == ("2025-12-08", "2025-12-08", "published")
    line = build_storyline("l1", [undated, inferred])
    assert (line.first_seen, line.last_updated, line.dates) == ("2025-08-14", "2025-08-14", "inferred")
    line = build_storyline("l1", [undated])
    assert (line.first_seen, line.last_updated, line.dates) == (None, None, "undated")


def test_timeline_dates_are_absolute_and_complete_and_sort_by_their_first_day() -> None:
    assert human_period("2025-12-08") == "Mon 8 Dec 2025"
    assert human_period("2025-W50") == "week of Mon 8 Dec 2025 (2025-W50)"
    assert human_period("2025-12") == "December 2025"
    assert period_month("2025-W01") == "2025-01" and period_month("2026-W01") == "2026-01"
    assert period_month("2020-W53") == "2020-12"  # Thursday 31 December 2020
    assert period_start("2025-W50") is not None and period_start("Monday") is None
    values = ["2025-12-10", "2025-W50", "2025-12", "2025-12-08", None, "2025"]
    assert sorted(values, key=date_order) == ["2025", "2025-12", "2025-12-08", "2025-W50", "2025-12-10", None]


def test_a_built_story_and_storyline_come_back_from_the_store_as_they_went_in(store: Store) -> None:
    articles = [_article("a", "The council voted to close the harbour bridge.", published="2025-12-08"),
                _article("a2", "The council voted to close the harbour bridge.", duplicate_of="a", publisher="Wire"),
                _article("c", "Drivers queued as the harbour bridge stayed shut.")]
    with store.transaction("save articles") as conn:
        for article in articles:
            article.content_hash = content_hash(article.body)
            store.save_article(conn, article)
    story = build_story("s1", articles, {}, "l1")
    line = build_storyline("l1", [story])
    with store.transaction("save the story") as conn:
        store.save_story(conn, story)
        store.save_storyline(conn, line)
    assert store.get_story("s1") == story and store.get_storyline("l1") == line
    assert Story.from_dict(story.to_dict()) == story
    assert store.story_of_article("a2") == "s1"  # a copy is a member, listed beside its original
    assert (story.article_count, story.outlet_count, story.members) == (2, 2, ["a", "c", "a2"])


def test_a_huge_article_is_split_into_sentences_once_for_its_story(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Regression (fuzzing): a 1.5 MB text cost ~11 s to build its story, split whole three
    times (its lede, timeline and key dates).  Now the lede reads the body's start and a long
    text's sentences are kept like a short one's."""
    import storyline.nlp as nlp

    split_chars: list[int] = []
    real = nlp._split

    def counting(text: str) -> tuple[tuple[int, int], ...]:
        split_chars.append(len(text))
        return real(text)

    monkeypatch.setattr(nlp, "_split", counting)
    for kept in (getattr(nlp, "_kept_long_spans", None), nlp._kept_spans):
        if kept is not None:
            kept.cache_clear()
    paragraph = "The council met on 14 August 2025 and voted for the new bridge. The mayor welcomed it.\n"
    body = paragraph * (300_000 // len(paragraph))
    story = build_story("s1", [_article("huge", body, published="2025-08-15")], TODAY, "l1")
    assert story.title
    assert sum(split_chars) <= len(body) + 20_000
