"""Events from small hand-written articles: who, what kind, where and when, with evidence."""

from __future__ import annotations

from datetime import date

import pytest

from storyline.article import Event
from storyline.enrich.entities import find_entities
from storyline.enrich.events import find_events
from storyline.enrich.time import find_times
from storyline.nlp import load_nlp

FRIDAY = date(2025, 12, 12)


def events(text: str, dct: date | None = FRIDAY) -> list[Event]:
    doc = load_nlp()(text)
    entities = find_entities(doc)
    return find_events(doc, entities, find_times(doc.text, dct, doc))


def test_a_meeting_with_its_participants_place_and_day() -> None:
    text = "German Chancellor Friedrich Merz and French President Emmanuel Macron met in Paris on Wednesday."
    [event] = events(text)
    assert event.type == "meeting"
    assert set(event.participants) == {"Friedrich Merz", "Emmanuel Macron"}
    assert event.place == "Paris"
    assert event.date == "2025-12-10"
    assert event.what == "Merz and Macron meet in Paris"
    assert event.evidence == (0, len(text))


def test_a_place_that_belongs_to_another_noun_is_not_the_event_place() -> None:
    found = events("Prime Minister Keir Starmer held talks with Emmanuel Macron aimed at ending the war in Ukraine.")
    assert found and all(event.place is None for event in found)


def test_a_place_on_the_verb_above_the_trigger_counts() -> None:
    found = events("Foreign Secretary Yvette Cooper is in Washington for talks with Marco Rubio.")
    assert [(e.type, e.place) for e in found] == [("meeting", "Washington")]


def test_a_visit_to_a_landmark_is_placed_in_its_city() -> None:
    [event] = events("Ukrainian President Volodymyr Zelensky visited Downing Street on Monday.")
    assert event.type == "visit"
    assert event.place == "London"
    assert event.date == "2025-12-08"


def test_calls_for_and_called_on_are_not_calls() -> None:
    assert events("Prime Minister Keir Starmer called on allies to do more, and called for a ceasefire.") == []


def test_an_undated_article_keeps_its_events_undated() -> None:
    [event] = events("Friedrich Merz and Emmanuel Macron met in Paris on Wednesday.", dct=None)
    assert event.date is None


@pytest.mark.parametrize("text", ["", "The weather was mild and nothing happened."])
def test_no_people_no_events(text: str) -> None:
    assert events(text) == []


def test_components_run_in_an_order_that_gives_what_each_reads() -> None:
    from storyline.enrich import COMPONENTS, Enricher
    from storyline.enrich.component import check_order

    check_order(COMPONENTS)
    names = [part.name for part in COMPONENTS]
    assert names.index("entities") < names.index("quotes") < names.index("events")
    reordered = tuple(part for part in COMPONENTS if part.name != "times")
    with pytest.raises(ValueError, match="events"):
        Enricher(components=reordered)  # events read times, which nobody adds
