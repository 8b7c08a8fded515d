"""Storylines over months: two developments of one war, months apart, are two stories of one
storyline; two wars of one continent and one kind stay two storylines.  Articles written for
this test; run with whatever embedding extra is installed (the lexical model without it)."""

from __future__ import annotations

from datetime import date

import pytest

from storyline.stories import embed
from storyline.stories.cluster import StoryClusterer
from storyline.stories.features import StoryDoc
from storyline.stories.storylines import StorylineLinker

CONGO = [("M23", "ORG"), ("North Kivu", "GPE"), ("Democratic Republic of Congo", "GPE"), ("Goma", "GPE"),
         ("Felix Tshisekedi", "PERSON"), ("Bunagana", "GPE"), ("Rwanda", "GPE")]
SUDAN = [("Rapid Support Forces", "ORG"), ("Sudan", "GPE"), ("Abdel Fattah al-Burhan", "PERSON"),
         ("Khartoum", "GPE"), ("Mohamed Hamdan Dagalo", "PERSON")]
DOCS = [
    StoryDoc("congo-march", "Rebels seize town in eastern Congo as fighting spreads",
             "M23 rebels seized the town of Bunagana in North Kivu province on Monday, the army of the "
             "Democratic Republic of Congo said, as fighting with government troops spread. Thousands of "
             "civilians fled toward Goma. President Felix Tshisekedi accused Rwanda of backing the rebels.",
             date(2024, 3, 4), CONGO),
    StoryDoc("sudan-april", "Army and paramilitary forces clash in Sudan's capital",
             "Fighting broke out in Khartoum between the Sudanese army led by General Abdel Fattah al-Burhan "
             "and the Rapid Support Forces of Mohamed Hamdan Dagalo, witnesses said. Residents reported "
             "gunfire near the presidential palace and the airport.",
             date(2024, 4, 15), SUDAN),
    StoryDoc("congo-june", "Congo army counterattacks M23 near Goma",
             "Government troops of the Democratic Republic of Congo launched a counterattack against M23 "
             "rebels outside Goma in North Kivu, officials said. President Felix Tshisekedi vowed to retake "
             "Bunagana and again accused Rwanda of supporting the insurgents.",
             date(2024, 6, 10), CONGO),
    StoryDoc("sudan-august", "Rapid Support Forces take Wad Madani as Sudan war spreads",
             "The Rapid Support Forces captured Wad Madani, Sudan's second city, after the army of General "
             "Abdel Fattah al-Burhan withdrew, residents said. Hundreds of thousands who had fled Khartoum "
             "were displaced again, aid agencies said, as Mohamed Hamdan Dagalo's fighters advanced.",
             date(2024, 8, 20), SUDAN),
]


@pytest.mark.parametrize("with_embeddings", [True, False])
def test_one_war_over_months_is_one_storyline_two_wars_are_two(
    with_embeddings: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if with_embeddings and not embed.available():
        pytest.skip("the embeddings extra (wordllama) is not installed")
    if not with_embeddings:
        monkeypatch.setattr(embed, "_model", lambda: None)
    clusterer, linker = StoryClusterer(), StorylineLinker()
    story, line = {}, {}
    for given in DOCS:
        doc = StoryDoc(given.id, given.title, given.body, given.published, list(given.entities))  # fresh vectors
        assignment = clusterer.add(doc)
        linker.add(doc, assignment)
        story[doc.id] = assignment.story_id
    for doc in DOCS:
        story[doc.id] = clusterer.resolve(story[doc.id])
        line[doc.id] = linker.storyline_of(story[doc.id])
    assert story["congo-march"] != story["congo-june"]  # three months apart: two stories
    assert line["congo-march"] == line["congo-june"]
    assert line["sudan-april"] == line["sudan-august"]
    assert line["congo-march"] != line["sudan-april"]
