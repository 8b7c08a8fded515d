"""StoryDoc builders and the term bags the clusterer reads."""

from __future__ import annotations

import math
from datetime import date

import pytest

from storyline.article import Article, Entity
from storyline.nlp import load_nlp
from storyline.stories.features import (
    NUMBERS,
    SUBVECTORS,
    StoryDoc,
    doc_terms,
    head_text,
    numbers,
    story_doc_from_article,
    story_doc_from_spacy,
)


def test_story_doc_from_article_uses_names_and_drops_non_story_types() -> None:
    article = Article(
        id="a1",
        source="test",
        title="Ministers meet in Lisbon",
        body="Ana Costa met Pierre Laval in Lisbon on Friday.",
        published="2024-05-03T10:00:00+00:00",
        entities=[
            Entity(id="e1", name="Ana Costa", type="PERSON", canonical_id="c5"),
            Entity(id="e2", name="Lisbon", type="GPE"),
            Entity(id="e3", name="Friday", type="DATE"),
        ],
    )
    doc = story_doc_from_article(article)
    assert doc.published == date(2024, 5, 3)
    assert doc.entities == [("Ana Costa", "PERSON"), ("Lisbon", "GPE")]
    assert doc.lemmas is None
    assert doc.title == "Ministers meet in Lisbon"
    # store ids carry no words: the names are what the entity sub-vectors match on
    bags = doc_terms(doc)
    assert {"ana costa", "per:costa", "lisbon"} <= set(bags["entities"])
    assert "lisbon" in bags["head_entities"]


def test_story_doc_from_spacy_has_entities_and_lemmas() -> None:
    nlp = load_nlp()
    doc = story_doc_from_spacy(
        "d1", nlp("Firefighters in Chicago battled a blaze that destroyed two warehouses.")
    )
    assert ("Chicago", "GPE") in doc.entities
    assert doc.lemmas is not None
    assert "warehouse" in doc.lemmas
    assert "in" not in doc.lemmas


def test_head_falls_back_to_the_first_prose_sentence() -> None:
    doc = StoryDoc(
        id="x",
        title=None,
        body="http: / / example. com / 2013 / 05 / story /\nLohan checks into rehab center. She was ordered there.",
    )
    assert head_text(doc).startswith("Lohan checks into rehab")


def test_doc_terms_fill_every_sub_vector() -> None:
    doc = StoryDoc(
        id="x",
        title="Storm hits Galway",
        body="A storm hit Galway and Cork. Storm damage closed roads.",
        entities=[("Galway", "GPE"), ("Cork", "GPE"), ("Maeve Byrne", "PERSON")],
    )
    terms = doc_terms(doc)
    assert set(terms) == {*SUBVECTORS, NUMBERS}
    assert terms["body_tokens"]["storm"] > terms["body_tokens"]["roads"]
    assert "galway" in terms["head_entities"]
    assert "cork" not in terms["head_entities"]
    assert "per:byrne" in terms["entities"]
    assert "a" not in terms["head_tokens"]


def test_numbers_are_a_bag_of_their_own() -> None:
    text = "The 2019 flood left 1,200 homes empty; a 6.5 quake followed on day 3 (1200 homes, 2019)."
    assert numbers(text) == ["2019", "1200", "6.5", "1200", "2019"]
    bags = doc_terms(StoryDoc("n", "Flood of 2019", text))
    assert bags[NUMBERS] == {"2019": 1.0 + math.log(3), "1200": 1.0 + math.log(2), "6.5": 1.0}
    assert not any(term.isdigit() for name in SUBVECTORS for term in bags[name])


def test_a_text_in_another_language_leaves_out_its_own_stop_words() -> None:
    pytest.importorskip("py3langid", reason="the embeddings extra (py3langid) is not installed")
    spanish = StoryDoc(id="es", title="La ciudad cierra el puerto por la tormenta",
                       body="Las autoridades de la ciudad cerraron el puerto y los colegios por la tormenta que "
                            "llegó el martes. Los pescadores dejaron sus barcos en el muelle.",
                       lemmas=["autoridad", "ciudad", "el", "puerto", "la", "tormenta"])
    terms = doc_terms(spanish)
    for name in ("head_tokens", "body_tokens", "lemmas"):
        assert not {"el", "la", "los", "las", "por", "que"} & set(terms[name]), name
    assert {"puerto", "tormenta"} <= set(terms["body_tokens"])
    assert {"puerto", "tormenta"} <= set(terms["lemmas"])
    english = StoryDoc(id="en", title="City shuts the port as the storm nears",
                       body="The city closed the port and schools on Tuesday as the storm came ashore, and "
                            "fishermen left their boats at the quay.", lemmas=["city", "port", "storm", "el"])
    assert set(doc_terms(english)["lemmas"]) == {"city", "port", "storm", "el"}  # English lemmas as given


def test_stop_words_of_an_unknown_or_missing_language_are_the_english_ones() -> None:
    from storyline.stories.features import stop_words

    assert stop_words(None) == stop_words("en") == stop_words("xx") == stop_words("../x")
    assert "el" in stop_words("es") and "el" not in stop_words("en")
