"""Sample data for trying the reader and for load tests, written through the real store.

:func:`write_story` builds a story (people, timeline, quotes by speaker,
outlets, coverage) from enriched articles already in the store with the real
builder, under a headline of its own.  :func:`build_sample` makes a synthetic
corpus of outlets, people, quotes and events on top of it.  Nothing here is
used when serving real data.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import date, timedelta

from storyline.article import Article, Entity, Event, Quote
from storyline.store import Store
from storyline.store.base import now
from storyline.stories.types import Story, Storyline
from storyline.stories.view import build_story, build_storyline


def save_articles(store: Store, articles: list[Article]) -> None:
    """Write articles with their enrichment and canonical entities, one transaction each."""
    for article in articles:
        article.content_hash = article.content_hash or hashlib.sha1(article.body.encode()).hexdigest()
        with store.transaction(f"save sample article {article.id}") as conn:
            store.save_article(conn, article)
            store.save_enrichment(conn, article, now())
            store.save_canonical_entities(conn, [
                {"id": e.canonical_id, "name": e.name, "type": e.type, "aliases": e.aliases}
                for e in article.entities if e.canonical_id
            ])


def write_story(store: Store, story_id: str, title: str, summary: str, article_ids: list[str],
                *, storyline_id: str | None = None, related: list[dict[str, str]] | None = None) -> Story:
    """Build a story from stored, enriched articles with the real builder, under the given
    headline and summary, and save it."""
    articles = store.get_articles(article_ids)
    story = replace(build_story(story_id, articles, {}, storyline_id), title=title, summary=summary,
                    related=related or [])
    with store.transaction(f"save sample story {story_id}") as conn:
        store.save_story(conn, story)
    return story


def write_storyline(store: Store, storyline_id: str, title: str, stories: list[Story]) -> Storyline:
    """Build a storyline from its stories with the real builder, under the given title, and save it."""
    storyline = replace(build_storyline(storyline_id, stories), title=title)
    with store.transaction(f"save sample storyline {storyline_id}") as conn:
        store.save_storyline(conn, storyline)
    return storyline


_OUTLETS = ["The Chronicle", "Daily Ledger", "Evening Post", "Northern Star", "Harbour Times", "Civic Review",
            "Morning Herald", "Valley Courier"]
_PEOPLE = ["Ana Ferreira", "Tomas Lind", "Grace Okafor", "Jonah Weiss", "Mira Patel", "Elias Novak", "Sofia Reyes",
           "Kenji Mori", "Lena Brandt", "Omar Haddad", "Clara Dumont", "Viktor Hale"]
_PLACES = ["Lisbon", "Oslo", "Lagos", "Geneva", "Mumbai", "Prague", "Madrid", "Osaka"]
_TOPICS = ["port strike", "water tariffs", "rail merger", "fishing quotas", "data centre permits", "grain exports",
           "teachers' pay", "flood defences", "border checks", "vaccine trial", "energy subsidies", "airport expansion"]
_VERBS = ["said", "told reporters", "warned", "insisted", "added"]


def _sample_article(rng: random.Random, story: int, index: int, topic: str, day: date,
                    people: list[str], place: str) -> Article:
    outlet = rng.choice(_OUTLETS)
    lead, other = people[0], people[1]
    sentences = [
        f"Talks on the {topic} resumed in {place} on {day.strftime('%A')} as {lead} met {other}.",
        f"“We are closer than we were, but there is still work to do,” {lead} {rng.choice(_VERBS)}.",
        f"{other} said the {topic} would be settled “within weeks, not months”.",
        f"Officials in {place} expect a further meeting on {(day + timedelta(days=7)).isoformat()}.",
        f"Critics said the {topic} had been handled badly from the start and called for an inquiry.",
    ]
    body = "\n\n".join(sentences)
    article_id = hashlib.sha1(f"sample-{story}-{index}".encode()).hexdigest()[:16]
    entities: list[Entity] = []
    for n, name in enumerate([lead, other]):
        mentions = []
        start = body.find(name)
        while start != -1:
            mentions.append((start, start + len(name)))
            start = body.find(name, start + 1)
        entities.append(Entity(id=f"e{n}", name=name, type="PERSON", mentions=mentions,
                               canonical_id="p-" + hashlib.sha1(name.encode()).hexdigest()[:10]))
    place_start = body.find(place)
    entities.append(Entity(id="e2", name=place, type="GPE", mentions=[(place_start, place_start + len(place))],
                           canonical_id="g-" + hashlib.sha1(place.encode()).hexdigest()[:10]))
    q1 = body.index("“We are")
    q1_end = body.index("”", q1) + 1
    q2 = body.index("“within")
    q2_end = body.index("”", q2) + 1
    quotes = [
        Quote(text=body[q1 + 1:q1_end - 1], start=q1, end=q1_end, speaker_mention=lead, speaker_span=None,
              speaker_id="e0", speaker_name=lead, cue="said", medium=None),
        Quote(text=body[q2 + 1:q2_end - 1], start=q2, end=q2_end, speaker_mention=other, speaker_span=None,
              speaker_id="e1", speaker_name=other, cue="said", medium=None),
    ]
    first_end = body.index(".") + 1
    events = [Event(what=f"meeting on the {topic}", type="meeting", date=day.isoformat(),
                    date_text=day.strftime("%-d %B %Y"), place=place, participants=["e0", "e1"],
                    evidence=(0, first_end))]
    return Article(id=article_id, source=f"sample:{story}:{index}", body=body, publisher=outlet,
                   title=f"{lead} and {other} meet over {topic} in {place}", published=day.isoformat(),
                   url=f"https://example.org/{article_id}", authors=[f"{rng.choice(_PEOPLE)} (staff)"],
                   entities=entities, quotes=quotes, events=events)


def build_sample(store: Store, *, stories: int = 40, articles_per_story: int = 6, seed: int = 7,
                 start: date = date(2025, 11, 1)) -> list[str]:
    """A synthetic corpus: ``stories`` stories over a few weeks, grouped in storylines; returns story ids."""
    rng = random.Random(seed)
    made: list[Story] = []
    for n in range(stories):
        topic = _TOPICS[n % len(_TOPICS)]
        people = rng.sample(_PEOPLE, 2)
        place = rng.choice(_PLACES)
        first = start + timedelta(days=rng.randint(0, 40))
        articles = [_sample_article(rng, n, i, topic, first + timedelta(days=rng.randint(0, 5)), people, place)
                    for i in range(rng.randint(max(1, articles_per_story // 2), articles_per_story))]
        save_articles(store, articles)
        story_id = f"s{n:04d}"
        storyline_id = f"sl{n % len(_TOPICS):03d}"
        made.append(write_story(store, story_id, f"{people[0]} and {people[1]} in talks over {topic}",
                                f"Negotiations on the {topic} continue in {place}.", [a.id for a in articles],
                                storyline_id=storyline_id))
    for index, topic in enumerate(_TOPICS):
        members = [s for s in made if s.storyline_id == f"sl{index:03d}"]
        if members:
            write_storyline(store, f"sl{index:03d}", f"The {topic}", members)
    return [s.id for s in made]
