"""Events from small hand-written articles: who, what kind, where and when, with evidence."""

from __future__ import annotations

from datetime import date

import pytest

from storyline.article import Event
from storyline.enrich.entities import find_entities
from storyline.enrich.events import find_events
from storyline.enrich.time import find_times
from storyline.nlp import load_nlp
from storyline.store import Store

FRIDAY = date(2025, 12, 12)


def events(text: str, dct: date | None = FRIDAY) -> list[Event]:
    doc = load_nlp()(text)
    entities = find_entities(doc)
    return find_events(doc, entities, find_times(doc.text, dct, doc), dct.isoformat() if dct else None)


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


# -- participants: every party the sentence names or implies --------------------------------


def _one(text: str, kind: str | None = None) -> Event:
    found = [e for e in events(text) if kind is None or e.type == kind]
    assert len(found) == 1, found
    return found[0]


def test_the_subject_and_objects_of_spoke_with_all_take_part() -> None:
    text = ("Chancellor Olaf Brandt said little this week. The German chancellor spoke with Ms Anna Lindqvist, "
            "Mr Pedro Sala and Mr Tomas Novak on Wednesday.")
    event = _one(text, "call")
    assert event.participants == ["Olaf Brandt", "Anna Lindqvist", "Pedro Sala", "Tomas Novak"]


def test_an_apposition_list_and_its_conjuncts_all_meet() -> None:
    text = ("Prime Minister Jane Holt, Danish Prime Minister Lars Berg, Polish President Adam Nowicki and "
            "Dutch Prime Minister Eva de Jong met in Copenhagen on Monday.")
    event = _one(text, "meeting")
    assert event.participants == ["Jane Holt", "Lars Berg", "Adam Nowicki", "Eva de Jong"]
    assert event.place == "Copenhagen" and event.status == "happened"


def test_joined_and_along_with_add_company() -> None:
    event = _one("Jane Holt joined Lars Berg and Adam Nowicki for talks in Oslo.", "meeting")
    assert set(event.participants) == {"Jane Holt", "Lars Berg", "Adam Nowicki"}
    visit = _one("Jane Holt, along with Poland's Adam Nowicki, will travel to the White House next week.", "visit")
    assert visit.participants == ["Jane Holt", "Adam Nowicki"]
    assert visit.place == "Washington" and visit.status == "planned"


def test_a_group_counts_as_one_party_and_a_lone_meeting_is_no_event() -> None:
    event = _one("After the vote, Jane Holt convened a call with other European allies.", "call")
    assert event.participants == ["Jane Holt", "European allies"]
    assert events("Jane Holt described the talks as productive.") == []


def test_a_person_included_in_a_group_takes_part() -> None:
    event = _one("European leaders, including Adam Nowicki, held talks with Jane Holt.", "meeting")
    assert event.participants == ["European leaders", "Adam Nowicki", "Jane Holt"]


def test_the_two_leaders_are_the_two_people_just_named() -> None:
    text = "Jane Holt flew to Warsaw to see Adam Nowicki. The two leaders met on Tuesday at the presidential palace."
    event = _one(text, "meeting")
    assert set(event.participants) == {"Jane Holt", "Adam Nowicki"}


def test_a_coordination_parsed_as_a_modifier_still_gives_both_sides() -> None:
    event = _one("This comes ahead of the expected meeting between Mr Holt and Polish President Adam Nowicki "
                 "in Gdansk.", "meeting")
    assert set(event.participants) == {"Holt", "Adam Nowicki"}
    assert event.place == "Gdansk" and event.status == "planned"


# -- places ------------------------------------------------------------------------------------


def test_landmarks_give_their_city() -> None:
    assert _one("Jane Holt met Lars Berg at No 10 on Monday.").place == "London"
    assert _one("Jane Holt met Lars Berg in the Oval Office on Monday.").place == "Washington"
    assert _one("Jane Holt will host Lars Berg for Downing Street talks on Monday.").place == "London"


# -- status: happened, planned, reported --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Jane Holt met Lars Berg in Oslo on Tuesday.", "happened"),
        ("Jane Holt will host Lars Berg on Monday.", "planned"),
        ("Jane Holt is due to meet Lars Berg in Berlin on Monday.", "planned"),
        ("Jane Holt is set to meet Lars Berg in Oslo next week.", "planned"),
        ("A meeting between Jane Holt and Lars Berg is being arranged.", "planned"),
        ("Jane Holt began arrangements for a meeting between Lars Berg and Adam Nowicki.", "planned"),
        ("Jane Holt is understood to have met Lars Berg in Oslo.", "reported"),
        ("Jane Holt reportedly met Lars Berg in Oslo.", "reported"),
        ("Jane Holt is expected to host Lars Berg on Monday.", "reported"),
    ],
)
def test_status(text: str, status: str) -> None:
    found = [e for e in events(text) if e.type in ("meeting", "call")]
    assert found and found[0].status == status, found


def test_a_date_after_publication_makes_an_untensed_event_planned() -> None:
    [event] = events("Jane Holt and Lars Berg hold talks in Oslo on 15 December.")
    assert event.date == "2025-12-15" and event.status == "planned"


def test_status_is_stored_exported_and_shown(store: Store) -> None:
    from storyline.article import Article
    from storyline.dedup import content_hash
    from storyline.enrich import Enricher
    from storyline.export import article_record

    body = "Jane Holt is due to meet Lars Berg in Berlin on Monday. Jane Holt met Adam Nowicki in Oslo on Tuesday."
    article = Article(id="s1", source="test", body=body, published="2025-12-12", content_hash=content_hash(body))
    Enricher()([article])
    assert [e.status for e in article.events] == ["planned", "happened"]
    with store.transaction("save an enriched article") as conn:
        store.save_article(conn, article)
        store.save_enrichment(conn, article, "2025-12-12T10:00:00+00:00")
    loaded = store.get_article("s1")
    assert loaded is not None and [e.status for e in loaded.events] == ["planned", "happened"]
    assert [e["status"] for e in article_record(loaded)["events"]] == ["planned", "happened"]


def test_a_group_meeting_among_itself_and_a_call_to_someone() -> None:
    assert _one("EU health ministers are to meet on Thursday to discuss the outbreak.").participants == [
        "EU health ministers"]
    call = _one("Jane Holt spoke to Polish President Adam Nowicki by telephone on Friday.", "call")
    assert call.participants == ["Jane Holt", "Adam Nowicki"]
    meeting = _one("Jane Holt met with a handful of fishermen in Oslo.", "meeting")
    assert meeting.participants == ["Jane Holt", "fishermen"]
    assert events("European allies have discussed progress, Downing Street said, after hosting crisis talks.") == []


def test_a_phone_call_to_someone_is_a_call() -> None:
    call = _one("Jane Holt thanked the crew in a phone call to her Polish counterpart Adam Nowicki.", "call")
    assert call.participants == ["Jane Holt", "Adam Nowicki"]


def test_a_participle_takes_the_noun_it_modifies_as_its_subject() -> None:
    found = events("With farm ministers meeting with union leaders, the strike was called off.")
    assert [(e.type, e.participants) for e in found] == [("meeting", ["farm ministers", "union leaders"])]


def test_a_person_named_by_a_title_alone_takes_part() -> None:
    meeting = _one("On Tuesday the prime minister began talks with opposition leaders.", "meeting")
    assert meeting.participants == ["prime minister", "opposition leaders"]


def test_a_place_of_the_scene_is_not_a_party() -> None:
    text = "With protesters still in the streets of Lisbon and farm ministers meeting with union leaders, the strike may end soon."
    assert _one(text, "meeting").participants == ["farm ministers", "union leaders"]


def test_a_group_from_an_organisation_is_the_organisation() -> None:
    meeting = _one("Jane Holt held talks with officials from the International Monetary Fund on Monday.", "meeting")
    assert meeting.participants == ["Jane Holt", "International Monetary Fund"]


def test_a_meeting_someone_calls_has_its_caller_as_party() -> None:
    meeting = _one("Jane Holt called an emergency cabinet meeting on Wednesday.", "meeting")
    assert meeting.participants == ["Jane Holt"]
    assert meeting.what.startswith("Holt ") and meeting.what.endswith("hold a meeting")  # called: planned


def test_a_summit_of_a_group_next_month_is_planned() -> None:
    summit = _one("Farm ministers from the region will gather for a summit in Lisbon next month.", "summit")
    assert summit.participants == ["Farm ministers"]
    assert summit.status == "planned"


def test_one_person_at_a_summit_is_not_a_summit_with_its_parties() -> None:
    assert [e for e in events("Jane Holt praised the Lisbon summit on Monday.") if e.type == "summit"] == []


def test_a_summit_hosted_next_month_is_planned() -> None:
    summit = _one("The Portuguese authorities are hosting a farm summit in Lisbon next month.", "summit")
    assert summit.status == "planned"


def test_the_owner_of_a_plan_to_visit_is_the_visitor() -> None:
    visit = _one("Jane Holt defended her plan to visit Warsaw in the spring.", "visit")
    assert visit.participants == ["Jane Holt"]
    assert visit.place == "Warsaw"


# -- parties the parse hides (issue 12, seed reviews) -------------------------------------------


def test_a_person_coordinated_into_a_group_phrase_and_the_group_both_take_part() -> None:
    text = ("Ms Kerr will chair a meeting with pro-Europe allies on Wednesday. It comes after a call with "
            "US President Ana Silva and European leaders about ending the trade war against Canada.")
    calls = [e for e in events(text) if e.type == "call"]
    assert [set(e.participants) for e in calls] == [{"Ana Silva", "European leaders"}]


def test_negotiations_between_two_named_people_are_a_meeting() -> None:
    text = ("In exchange, he would drop other claims, several newspapers said, citing sources familiar with "
            "Mr Ortiz and Ms Silva's negotiations in Lisbon on Friday.")
    [event] = events(text)
    assert (event.type, set(event.participants), event.place) == ("meeting", {"Ortiz", "Silva"}, "Lisbon")
    assert events("Negotiations over the budget continued in parliament, where the two parties remain far apart.") == []


def test_the_subject_does_the_gerund_and_him_is_the_person_named_before() -> None:
    text = ("Ms Kerr praised Mr Ortiz's courage ahead of joining him alongside Nordic leaders in Oslo on Monday "
            "for talks with Ana Silva.")
    [event] = events(text)
    assert set(event.participants) == {"Kerr", "Ortiz", "Nordic leaders", "Ana Silva"}
    assert event.place == "Oslo" and event.status == "planned"


def test_he_in_a_later_sentence_is_the_person_named_before_and_a_reduced_clause_adds_its_chair() -> None:
    text = ("Mr Ortiz arrived in London on Tuesday. He gave details of the plan before he headed into talks, "
            "chaired by Ms Kerr, with ministers from 20 countries.")
    [event] = events(text)
    assert set(event.participants) == {"Ortiz", "Kerr", "ministers"}
    [event] = events(text.replace("chaired", "co-chaired"))
    assert set(event.participants) == {"Ortiz", "Kerr", "ministers"}


def test_the_host_in_a_relative_clause_of_the_guest_takes_part() -> None:
    text = ("Mrs Moreau, whom Mr Brandt welcomed at the door of the Hofburg with a smile, wore a grey suit to "
            "the meeting at the Hofburg.")
    [event] = events(text)
    assert set(event.participants) == {"Moreau", "Brandt"}


def test_two_names_owning_negotiations_take_part_however_the_parser_joins_them() -> None:
    text = ("Officials said the plan stood, citing sources familiar with Mr Ortiz and Mr Dalton\u2019s "
            "negotiations in Lisbon on Friday.")
    [event] = events(text)
    assert (set(event.participants), event.place) == ({"Ortiz", "Dalton"}, "Lisbon")


def test_him_after_a_gerund_is_not_the_subject_who_joins() -> None:
    text = ("Sir Tom Kerr hailed Luis Ortiz\u2019s wish for a \u201cfair and lasting deal\u201d ahead of joining "
            "him alongside Nordic leaders in Oslo on Monday for crucial talks with Mark Dalton over the future "
            "of Norway.")
    [event] = events(text)
    assert set(event.participants) == {"Tom Kerr", "Luis Ortiz", "Nordic leaders", "Mark Dalton"}
    assert event.place == "Oslo"
