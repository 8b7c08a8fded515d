"""Headlines: a story's is its most representative recent development; a storyline's names
the thread by the places and people its stories keep sharing (real builders, sentences
written for the test)."""

from __future__ import annotations

from storyline.article import Article
from storyline.stories.headline import headline
from storyline.stories.types import Story
from storyline.stories.view import build_storyline

BRIDGE = ("The harbour bridge council vote on closing the bridge for repairs divided councillors, "
          "and drivers fear long queues at the harbour while the bridge repairs last.")


def _article(article_id: str, title: str, body: str, published: str | None) -> Article:
    return Article(id=article_id, source=f"{article_id}.txt", title=title, body=body, published=published)


def test_a_story_is_headed_by_its_latest_representative_article_not_its_first() -> None:
    articles = [
        _article("a", "Council votes to close the harbour bridge", BRIDGE, "2025-12-01"),
        _article("b", "Harbour bridge repairs begin as queues grow", BRIDGE + " Repairs began on the bridge.",
                 "2025-12-05"),
        _article("c", "Harbour bridge to reopen early after repairs", BRIDGE + " The bridge will reopen early.",
                 "2025-12-09"),
        # the newest, but about something else: not representative of the story
        _article("d", "Choir sings at the town hall", "A choir sang carols in the town hall on Sunday evening.",
                 "2025-12-10"),
    ]
    assert headline(articles) == "Harbour bridge to reopen early after repairs"
    assert headline(articles[:1]) == "Council votes to close the harbour bridge"


def test_of_reports_dated_alike_the_one_telling_what_happened_heads_the_story() -> None:
    """Undated (or same-day) reports give no order: the announcement ("to meet") used to head the
    story when it was the more typical one, after the meeting it announced was reported."""
    ahead = _article("a", "Harbour ministers to meet in Bergen over the bridge repairs",
                     BRIDGE + " The ministers will meet in Bergen.", None)
    held = _article("b", "Harbour ministers agree on bridge repairs after Bergen talks", BRIDGE, None)
    assert headline([ahead, held]) == "Harbour ministers agree on bridge repairs after Bergen talks"
    assert headline([ahead]) == "Harbour ministers to meet in Bergen over the bridge repairs"
    same_day = [_article(a.id, a.title or "", a.body, "2025-12-01") for a in (ahead, held)]
    assert headline(same_day) == "Harbour ministers agree on bridge repairs after Bergen talks"
    # a later announcement still heads: the newest development is what it announces
    later = [_article("a", ahead.title or "", ahead.body, "2025-12-03"),
             _article("b", held.title or "", held.body, "2025-12-01")]
    assert headline(later) == "Harbour ministers to meet in Bergen over the bridge repairs"


def test_headline_english_for_what_is_still_ahead() -> None:
    from storyline.stories.headline import announces

    ahead = ["Leaders to meet in Oslo on Monday", "Council will vote on the bridge",
             "Ministers set to sign fisheries deal", "Talks due to resume next week"]
    not_ahead = ["Rebels agree to ceasefire", "How to watch the final", "Pressure to act on climate grows",
                 "Ten things to know about the budget", "Police say man was shot", "Leaders met in Oslo"]
    assert [t for t in ahead if not announces(t)] == []
    assert [t for t in not_ahead if announces(t)] == []


def test_an_undated_article_heads_a_story_only_when_no_representative_one_is_dated() -> None:
    articles = [_article("a", "Council votes to close the harbour bridge", BRIDGE, "2025-12-01"),
                _article("b", "Harbour bridge closure explained", BRIDGE, None)]
    assert headline(articles) == "Council votes to close the harbour bridge"


def test_a_title_that_is_only_a_web_address_never_heads_a_story() -> None:
    # scrapes and feeds sometimes put the page's address where its headline belongs,
    # also spaced out by a tokenizer
    for address in ("https://news.example.org/2025/12/09/harbour-bridge-to-reopen-early",
                    "http: / / www. news. example. org / local / harbour - bridge - to - reopen / 2025 / 12 / 09"):
        articles = [_article("a", address, BRIDGE + " The bridge will reopen early.", "2025-12-09"),
                    _article("b", "Council votes to close the harbour bridge", BRIDGE, "2025-12-01")]
        assert headline(articles) == "Council votes to close the harbour bridge"
        alone = headline(articles[:1])
        assert alone.startswith("The harbour bridge council vote on closing the bridge"), alone
    # a headline that mentions a site is still a headline
    named = [_article("a", "www.example.org goes offline for a day", BRIDGE, "2025-12-09")]
    assert headline(named) == "www.example.org goes offline for a day"


def _story(story_id: str, title: str, people: list[str], places: list[str], day: str) -> Story:
    return Story(id=story_id, title=title, first_seen=day, last_updated=day, dates="published",
                 articles=[f"{story_id}-1"],
                 people=[{"id": name.lower(), "name": name, "count": 1} for name in people],
                 places=[{"id": name.lower(), "name": name, "count": 1} for name in places])


def test_a_storyline_is_named_by_the_places_and_people_its_stories_share() -> None:
    stories = [
        _story("s1", "Port workers strike in Lisbon", ["Ana Ferreira", "Tomas Lind"], ["Lisbon"], "2025-08-01"),
        _story("s2", "Strike talks stall", ["Ana Ferreira", "Tomas Lind", "Grace Okafor"], ["Lisbon", "Porto"],
               "2025-10-01"),
        _story("s3", "Port strike ends with a pay deal", ["Ana Ferreira"], ["Lisbon", "Porto"], "2025-12-01"),
    ]
    line = build_storyline("l1", stories)
    assert line.title == "Lisbon, Porto: Ana Ferreira, Tomas Lind"  # Grace Okafor appears once only
    assert line.stories == ["s1", "s2", "s3"]


def test_a_storyline_of_one_story_or_of_stories_sharing_no_one_takes_the_central_headline() -> None:
    one = _story("s1", "Port workers strike in Lisbon", ["Ana Ferreira"], ["Lisbon"], "2025-08-01")
    assert build_storyline("l1", [one]).title == "Port workers strike in Lisbon"
    other = _story("s2", "Choir sings in Oslo", ["Mira Patel"], ["Oslo"], "2025-09-01")
    assert build_storyline("l1", [one, other]).title == "Choir sings in Oslo"  # equals: the latest


def test_the_summary_does_not_say_the_headline_again() -> None:
    """Before: an untitled article's lede headed the story and was also the summary's last sentence."""
    from storyline.stories.view import build_story

    lede = ("The harbour council will vote on closing the old bridge for repairs at its meeting on "
            "Friday evening. ")
    first = _article("a", "", lede + "Drivers fear long queues at the harbour while the repairs last.",
                     "2025-12-05")
    earlier = _article("b", "",
                       "Councillors are divided over closing the old harbour bridge for repairs this winter. "
                       "The ferry operator said it could add crossings while the bridge is shut.", "2025-12-01")
    story = build_story("s1", [first, earlier], {}, None)
    assert story.title.startswith("The harbour council will vote on closing the old bridge")
    assert "will vote on closing the old bridge" not in story.summary
    assert "Councillors are divided" in story.summary
