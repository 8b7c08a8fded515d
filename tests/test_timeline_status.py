"""A timeline tells what happened from what was only planned when it was reported: a development
dated after the publication of every article telling it, or told as a plan, is marked planned,
on the story's timeline, the storyline's key dates, the web page and the CLI.  Texts written
for the test."""

from __future__ import annotations

from storyline.article import Article, Event, TimeExpression
from storyline.render import date_range
from storyline.stories.keydates import story_days
from storyline.stories.timeline import build_timeline, told_ahead


def _article(article_id: str, published: str | None, body: str, dates: dict[str, str],
             events: list[Event] | None = None) -> Article:
    times = [TimeExpression(text, body.index(text), body.index(text) + len(text), "DATE", value)
             for text, value in dates.items()]
    return Article(id=article_id, source=article_id, body=body, published=published, times=times,
                   events=events or [])


FRIDAY = ("The fisheries ministers met in Bergen on Tuesday to discuss cod quotas. "
          "They are due to meet again in Oslo on Monday to sign the agreement.")


def _by_date(entries: list[dict]) -> dict[str | None, str]:  # type: ignore[type-arg]
    return {e["date"]: e["status"] for e in entries}


def test_a_date_after_the_report_is_a_plan_and_a_date_before_it_happened() -> None:
    friday = _article("a", "2025-06-06", FRIDAY, {"Tuesday": "2025-06-03", "Monday": "2025-06-09"})
    assert _by_date(build_timeline([friday])) == {"2025-06-03": "happened", "2025-06-09": "planned"}


def test_a_plan_reported_again_once_it_happened_is_an_event() -> None:
    friday = _article("a", "2025-06-06", FRIDAY, {"Tuesday": "2025-06-03", "Monday": "2025-06-09"})
    later = _article("b", "2025-06-10", "The fisheries ministers met again in Oslo on Monday to sign the cod "
                                        "agreement.", {"Monday": "2025-06-09"})
    entries = build_timeline([friday, later])
    oslo = [e for e in entries if e["date"] == "2025-06-09"]
    assert len(oslo) == 1 and oslo[0]["articles"] == ["a", "b"] and oslo[0]["status"] == "happened"


def test_a_planned_event_that_then_happened_is_told_as_done() -> None:
    before = ("Ministers will meet in Oslo on Monday.", "ministers to meet in Oslo", "planned", "2025-06-06")
    after = ("Ministers met in Oslo on Monday.", "ministers meet in Oslo", "happened", "2025-06-10")
    articles = []
    for number, (body, what, status, published) in enumerate((before, after)):
        event = Event(what=what, type="meeting", date="2025-06-09", date_text="Monday", place="Oslo",
                      participants=["e1", "e2"], evidence=(0, len(body)), status=status)
        articles.append(_article(f"n{number}", published, body, {}, [event]))
    (entry,) = build_timeline(articles)
    assert (entry["text"], entry["status"], entry["articles"]) == ("ministers meet in Oslo", "happened", ["n0", "n1"])


def test_events_keep_their_status_and_undated_articles_tell_nothing_ahead() -> None:
    body = "The ministers will meet in Oslo. Officials reportedly agreed the quotas in Bergen."
    events = [Event(what="ministers to meet in Oslo", type="meeting", date=None, date_text=None, place="Oslo",
                    participants=["e1"], evidence=(0, 32), status="planned"),
              Event(what="officials agree quotas", type="agreement", date=None, date_text=None, place="Bergen",
                    participants=["e2"], evidence=(33, len(body)), status="reported")]
    undated = _article("c", None, body, {}, events)
    assert [e["status"] for e in build_timeline([undated])] == ["planned", "reported"]
    assert not told_ahead("2025-06-09", [None])
    assert not told_ahead("2025-W24", ["2025-06-12"])  # the week holds the report's day: not ahead
    assert told_ahead("2025-06-09", ["2025-06-06", "2025-06-08"])


def test_a_key_date_ahead_of_its_reports_is_planned() -> None:
    friday = _article("a", "2025-06-06", FRIDAY, {"Tuesday": "2025-06-03", "Monday": "2025-06-09"})
    _, entries = story_days([friday])
    assert {e["date"]: e["status"] for e in entries if e["date"] in ("2025-06-03", "2025-06-09")} == {
        "2025-06-03": "happened", "2025-06-09": "planned"}


def test_a_story_without_dates_reads_undated_not_question_marks() -> None:
    assert date_range(None, None) == "undated"
    assert date_range("2025-06-03", "2025-06-03") == "2025-06-03"
    assert date_range("2025-06-03", "2025-06-09") == "2025-06-03 to 2025-06-09"


def test_the_exported_story_says_which_entries_were_only_planned() -> None:
    """Before: `storyline export stories` dropped the status, so an analyst reading the export
    took the Oslo signing (told ahead, on Friday) for something that happened."""
    from storyline.export import story_record
    from storyline.stories.view import build_story

    friday = _article("a", "2025-06-06", FRIDAY, {"Tuesday": "2025-06-03", "Monday": "2025-06-09"})
    record = story_record(build_story("s1", [friday], {}, None), None)
    assert _by_date(record["timeline"]) == {"2025-06-03": "happened", "2025-06-09": "planned"}
