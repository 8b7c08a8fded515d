"""A storyline's timeline holds its key dates: days in the period its articles cover, each
with the sentence saying what happened and its sources; a day named in passing as
background is not one (real builders, sentences written for the test)."""

from __future__ import annotations

from storyline.article import Article, TimeExpression
from storyline.stories.types import Story
from storyline.stories.view import build_story, build_storyline


def _article(article_id: str, published: str, body: str, days: list[tuple[str, str]]) -> Article:
    times = [TimeExpression(text, body.index(text), body.index(text) + len(text), "DATE", value)
             for text, value in days]
    return Article(id=article_id, source=f"{article_id}.txt", body=body, published=published, times=times)


LEAK = "The pipeline at the Delta terminal burst on 31 May 2010, spilling oil into the bay."
BUILT = "The terminal, built on 12 March 1995, had passed every inspection."
CLEANUP = "Crews began skimming oil from the bay on 4 June 2010 as the slick spread."


def _stories() -> list[Story]:
    first = [_article(f"a{i}", f"2010-06-0{i + 1}", f"{LEAK} {BUILT} Residents were told to stay away.",
                      [("31 May 2010", "2010-05-31"), ("12 March 1995", "1995-03-12")]) for i in range(3)]
    later = [_article(f"b{i}", f"2010-06-0{i + 5}", f"{CLEANUP} Fishermen said the catch had collapsed.",
                      [("4 June 2010", "2010-06-04")]) for i in range(2)]
    return [build_story("s1", first, {}, "l1"), build_story("s2", later, {}, "l1")]


def test_key_dates_are_days_of_the_covered_period_with_evidence() -> None:
    line = build_storyline("l1", _stories())
    days = [entry["date"] for entry in line.timeline]
    assert "2010-05-31" in days and "2010-06-04" in days
    assert "1995-03-12" not in days  # background, named in passing
    assert days == sorted(days)
    for entry in line.timeline:
        assert entry["articles"] and entry["evidence"] and entry["score"] > 0
        assert entry["text"]
    leak = next(entry for entry in line.timeline if entry["date"] == "2010-05-31")
    assert "burst" in leak["text"] and set(leak["articles"]) <= {"a0", "a1", "a2"}


def test_a_story_timeline_leaves_out_background_dates_too() -> None:
    story = _stories()[0]
    assert all(not str(entry["date"]).startswith("1995") for entry in story.timeline)
    assert "1995-03-12" in story.day_scores  # counted, but outside the period it is no key date
