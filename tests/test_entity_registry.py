"""Canonical entities across articles: one id per referent, similar names kept apart."""

from __future__ import annotations

from storyline.article import Entity
from storyline.enrich.entities import find_entities
from storyline.nlp import load_nlp
from storyline.stories.entity_registry import EntityRegistry, family


def _entity(name: str, kind: str = "PERSON", *aliases: str, affiliation: str | None = None) -> Entity:
    return Entity(id="e1", name=name, type=kind, aliases=[name, *aliases], affiliation=affiliation)


def _article(registry: EntityRegistry, text: str) -> dict[str, str]:
    """Resolve an article's entities as the enricher does; name -> canonical id."""
    entities = find_entities(load_nlp()(text))
    names = {e.name for e in entities}
    return {e.name: registry.resolve(e, names - {e.name}) for e in entities}


def test_a_surname_in_a_later_article_is_the_person_named_before() -> None:
    registry = EntityRegistry()
    first = _article(registry, "Lindsay Lohan checked into rehab in Malibu on Thursday.")
    second = _article(registry, "Lohan left the clinic after two hours.")
    assert second["Lohan"] == first["Lindsay Lohan"]
    assert registry.get(first["Lindsay Lohan"]).name == "Lindsay Lohan"


def test_middle_names_link_when_the_context_agrees_and_stay_apart_when_it_disagrees() -> None:
    registry = EntityRegistry()
    junior = registry.resolve(_entity("George W. Bush"), {"Iraq", "Dick Cheney", "Texas"})
    assert registry.resolve(_entity("George Bush"), {"Dick Cheney", "Congress"}) == junior
    senior = registry.resolve(_entity("George Bush"), {"Gulf War", "Ronald Reagan", "Soviet Union"})
    assert senior != junior
    assert registry.resolve(_entity("George H. W. Bush"), {"Barbara Bush"}) != junior


def test_different_first_names_never_link() -> None:
    registry = EntityRegistry()
    alone = registry.resolve(_entity("Thomas"), {"Saints", "NFL"})
    pierre = registry.resolve(_entity("Pierre Thomas"), {"Saints", "Drew Brees"})
    assert pierre == alone  # a full name takes over the surname-only entity
    kathina = registry.resolve(_entity("Kathina Thomas"), {"Brooklyn", "NFL"})
    assert kathina != pierre


def test_a_surname_shared_by_two_people_follows_the_context() -> None:
    registry = EntityRegistry()
    wladimir = registry.resolve(_entity("Wladimir Klitschko"), {"Tony Thompson", "Bern"})
    vitali = registry.resolve(_entity("Vitali Klitschko"), {"Kiev", "UDAR"})
    assert registry.resolve(_entity("Klitschko"), {"Tony Thompson"}) == wladimir
    assert registry.resolve(_entity("Klitschko"), {"UDAR"}) == vitali
    unsure = registry.resolve(_entity("Klitschko"), {"London"})
    assert unsure not in {wladimir, vitali}


def test_short_first_names_need_a_shared_context() -> None:
    registry = EntityRegistry()
    fred = registry.resolve(_entity("Fred LaRue"), {"Watergate", "Nixon"})
    assert registry.resolve(_entity("Frederick C. LaRue"), {"Watergate"}) == fred
    assert registry.resolve(_entity("Frederica LaRue"), {"Paris"}) != fred


def test_a_person_tagged_as_a_group_or_organisation_links_to_the_person() -> None:
    registry = EntityRegistry()
    person = registry.resolve(_entity("Wladimir Klitschko"), {"Tony Thompson"})
    assert family("NORP", "Klitschko") == "NAME"
    assert registry.resolve(_entity("Klitschko", "NORP"), {"Tony Thompson"}) == person
    page = registry.resolve(_entity("Bettie Page", "ORG"), {"Playboy"})
    assert registry.resolve(_entity("Bettie Page"), {"Playboy"}) == page
    registry.resolve(_entity("Bettie Page"), {"Playboy"})
    assert registry.get(page).type == "PERSON"  # the label given most often


def test_nationalities_and_places_never_become_people() -> None:
    registry = EntityRegistry()
    dawn = registry.resolve(_entity("Dawn French"), {"BBC"})
    assert family("NORP", "French") == "NORP"
    assert registry.resolve(_entity("French", "NORP"), {"BBC"}) != dawn
    jordan = registry.resolve(_entity("Michael Jordan"), {"Chicago Bulls"})
    assert registry.resolve(_entity("Jordan", "GPE"), {"Chicago Bulls"}) != jordan


def test_organisations_by_acronym_short_form_and_other_names() -> None:
    registry = EntityRegistry()
    nypd = registry.resolve(_entity("NYPD", "ORG"))
    assert registry.resolve(_entity("New York Police Department", "ORG")) == nypd
    thr = registry.resolve(_entity("The Hollywood Reporter", "ORG"))
    assert registry.resolve(_entity("THR", "ORG")) == thr
    saints = registry.resolve(_entity("New Orleans Saints", "ORG"))
    assert registry.resolve(_entity("Saints", "ORG")) == saints
    surgeon = registry.resolve(_entity("Surgeon General", "ORG"))
    assert registry.resolve(_entity("U.S. Surgeon General", "ORG")) == surgeon
    assert registry.resolve(_entity("U. S. Surgeon General", "ORG")) == surgeon
    microsoft = registry.resolve(_entity("Microsoft", "ORG"))
    assert registry.resolve(_entity("Microsoft Fix", "ORG", "Microsoft")) == microsoft
    assert registry.get(microsoft).name == "Microsoft"  # a link through another name does not rename


def test_names_that_are_not_proper_names_are_never_linked() -> None:
    registry = EntityRegistry()
    assert registry.resolve(_entity("the actress")) != registry.resolve(_entity("the actress"))
    assert registry.resolve(_entity("she")) != registry.resolve(_entity("she"))


def test_rows_round_trip_and_old_rows_still_load() -> None:
    registry = EntityRegistry()
    lohan = registry.resolve(_entity("Lindsay Lohan", affiliation=None), {"Betty Ford Center"})
    nato = registry.resolve(_entity("NATO", "ORG", "Nato"))
    rebuilt = EntityRegistry.from_rows(registry.to_rows())
    assert rebuilt.resolve(_entity("Lohan"), {"Betty Ford Center"}) == lohan
    assert rebuilt.resolve(_entity("Nato", "ORG")) == nato
    assert rebuilt.resolve(_entity("Tara Reid")) not in {lohan, nato}
    old = [
        {"id": "c7", "name": "Keir Starmer", "type": "PERSON", "aliases": ["Keir Starmer"], "count": 3},
        {
            "id": "c9",
            "name": "Downing Street",
            "type": "ORG",
            "aliases": ["No 10"],
            "count": 1,
            "context": {},
        },
    ]
    loaded = EntityRegistry.from_rows(old)
    assert loaded.resolve(_entity("Starmer")) == "c7"
    assert loaded.resolve(_entity("Downing Street", "ORG")) == "c9"
    assert loaded.resolve(_entity("Rachel Reeves")) == "c10"
    assert loaded.to_rows()[0]["types"] == {"PERSON": 4}


def test_role_and_affiliation_are_kept() -> None:
    registry = EntityRegistry()
    macron = Entity(id="e1", name="Emmanuel Macron", type="PERSON", role="President", affiliation="France")
    cid = registry.resolve(macron)
    row = next(r for r in registry.to_rows() if r["id"] == cid)
    assert (row["role"], row["affiliation"]) == ("President", "France")


def test_a_surname_tagged_as_a_place_is_the_person_with_that_surname() -> None:
    registry = EntityRegistry()
    tony = registry.resolve(_entity("Tony Thompson"), {"Wladimir Klitschko", "Bern"})
    registry.resolve(_entity("Emma Thompson"), {"BBC", "London"})
    assert registry.resolve(_entity("Thompson", "GPE"), {"Wladimir Klitschko"}) == tony
    paris = registry.resolve(_entity("Paris", "GPE"))
    registry.resolve(_entity("Harry Paris"), {"Nicole Richie"})
    assert registry.resolve(_entity("Paris", "GPE"), {"Nicole Richie"}) == paris  # a known place


def test_one_word_organisations_by_their_last_word() -> None:
    registry = EntityRegistry()
    sox = registry.resolve(_entity("Red Sox", "ORG"), {"Mark Teixeira"})
    assert registry.resolve(_entity("Sox", "ORG"), {"Mark Teixeira"}) == sox


def test_a_shared_role_breaks_a_tie_between_namesakes() -> None:
    registry = EntityRegistry()
    deputy = Entity(id="e1", name="Jerry Ortiz", type="PERSON", role="Deputy")
    jerry = registry.resolve(deputy, {"Hawaiian Gardens", "Jose Luis Orozco"})
    registry.resolve(_entity("Rosa Ortiz"), {"Hawaiian Gardens", "Bellflower"})
    again = Entity(id="e1", name="Ortiz", type="PERSON", role="Deputy")
    assert registry.resolve(again, {"Hawaiian Gardens"}) == jerry
