"""Events: meetings, calls, summits, visits, statements and briefings.

One sentence is the evidence for an event.  A sentence holds an event when a trigger word of
a known kind (``meet``, ``talks``, ``summit``, ``call``, ``visit``, ``statement`` ...) is used
as an event and enough parties take part (:mod:`storyline.enrich.events.parties`): two for a
meeting, call or summit (a group such as "European allies" is one, and may meet among itself
only where the sentence says so), one for a visit, statement or briefing.  The date is the
resolved time expression nearest the trigger (None when the text gives none: never guessed);
the place is the place or landmark the sentence puts the event in or at ("No 10" -> London);
the status (:mod:`storyline.enrich.time.status`) says whether it happened, is planned or is
only reported.  Words: :mod:`storyline.enrich.events.words`.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from storyline.article import Article, Entity, Event, TimeExpression
from storyline.enrich.component import component
from storyline.enrich.entities.lexicon import fold, load_lexicon
from storyline.enrich.events.parties import Party, convened, gathering, parties
from storyline.enrich.events.words import (
    ACTOR_TYPES,
    LANDMARK_CITIES,
    PARTY_PREPOSITIONS,
    PHRASES,
    PLACE_PREPOSITIONS,
    PLACE_TYPES,
    TRIGGERS,
    TWO_PARTY,
    Mention,
)
from storyline.enrich.time.status import event_status
from storyline.nlp import doc_text, sentences

__all__ = ["events_component", "find_events"]


def _trigger_type(token: Token) -> str | None:
    lemma = token.lemma_.lower()
    kind = TRIGGERS.get(lemma) or TRIGGERS.get(token.lower_)
    if kind is None or token.pos_ not in {"NOUN", "VERB"}:
        return None
    following = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
    if lemma == "call" and (
        following in {"for", "on"}
        or (following == "to" and token.pos_ == "VERB")
        or (token.pos_ == "NOUN" and token.lower_ == "calls")
    ):
        return None  # "calls for a ceasefire", "called on allies", "called to say" (but "a call to Macron")
    if lemma == "speak" and following not in {"with", "to"}:
        return None  # "speaking ahead of the talks" is not a call
    if lemma in ("talk", "negotiation") and token.pos_ != "NOUN":
        return None  # "talks" (negotiations) yes, "he talked about" no
    if lemma in {"conference", "briefing"} and not any(
        w.lower_ in {"press", "news", "media"} for w in token.lefts
    ):
        return None
    if lemma == "statement" and token.dep_ in {"compound"}:
        return None
    if token.pos_ == "VERB" and any(
        c.dep_ == "dobj" and TRIGGERS.get(c.lemma_.lower()) and c.pos_ == "NOUN" for c in token.children
    ):
        return None  # "convened a call", "held talks": the noun says what kind
    return kind


def _mentions_in(sentence: Span, entities: list[Entity]) -> list[Mention]:
    found = []
    for entity in entities:
        for start, end in entity.mentions:
            if sentence.start_char <= start and end <= sentence.end_char:
                found.append(Mention(entity, start, end))
    return sorted(found, key=lambda m: m.start)



def _attached(doc: Doc, mention: Mention, trigger: Token) -> bool:
    """The place's preposition hangs on the trigger or on a word above it ("met at No 10",
    "is in Washington for talks"), not on some other noun ("talks to end the war in Ukraine")."""
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return False
    preposition = span.root.head
    if preposition.dep_ != "prep":
        return False
    governor = preposition.head
    if governor == trigger or governor in trigger.ancestors:
        return True
    # "the meeting between Mr Holt and President Nowicki in Gdansk": the parser hung it on a party
    if governor.ent_type_ == "PERSON" and trigger in governor.ancestors:
        return True
    # "joining him alongside Nordic leaders in Oslo for talks": on a party of the same verb
    verb = _verb_above(trigger)
    return (
        governor.pos_ in ("NOUN", "PROPN")
        and governor.dep_ == "pobj"
        and governor.head.lower_ in PARTY_PREPOSITIONS
        and verb is not None
        and _verb_above(governor) == verb
    )


def _verb_above(token: Token) -> Token | None:
    """The verb a noun hangs from through prepositions ("for talks" -> "joining")."""
    current = token
    for _ in range(3):
        if current.dep_ not in ("pobj", "prep", "dobj") or current.head.i == current.i:
            return None
        current = current.head
        if current.pos_ in ("VERB", "AUX"):
            return current
    return None


def _visited(doc: Doc, mention: Mention, trigger: Token) -> bool:
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    return span is not None and span.root.dep_ == "dobj" and span.root.head == trigger


def _place(doc: Doc, mentions: list[Mention], kind: str, trigger: Token) -> tuple[str | None, str | None]:
    """(place for the event, the words the sentence used for it)."""
    text = doc_text(doc)
    prepositions = PLACE_PREPOSITIONS if kind == "visit" else ("at", "in")
    for mention in mentions:
        entity = mention.entity
        is_place = (
            entity.type in PLACE_TYPES
            or entity.name in LANDMARK_CITIES
            or (entity.type not in ACTOR_TYPES and fold(entity.name) in load_lexicon().places)
        )  # the gazetteer knows "Copenhagen" when the tagger calls it an organisation
        if not is_place:
            continue
        surface = text[mention.start : mention.end]
        if trigger.pos_ == "NOUN" and any(
            c.dep_ in ("compound", "nmod") and mention.start <= c.idx < mention.end for c in trigger.children
        ):
            return LANDMARK_CITIES.get(entity.name, entity.name), f"in {surface}"  # "Downing Street talks"
        if kind == "visit" and _visited(doc, mention, trigger):  # "visited Downing Street"
            return LANDMARK_CITIES.get(entity.name, entity.name), surface
        before = [w for w in text[max(0, mention.start - 9) : mention.start].lower().split() if w != "the"]
        if not before or before[-1] not in prepositions or not _attached(doc, mention, trigger):
            continue
        words = surface if kind == "visit" and before[-1] == "to" else f"{before[-1]} {surface}"
        return LANDMARK_CITIES.get(entity.name, entity.name), words
    return None, None


def _date(times: list[TimeExpression], sentence: Span, anchor: int) -> TimeExpression | None:
    inside = [
        t
        for t in times
        if sentence.start_char <= t.start
        and t.end <= sentence.end_char
        and t.type in {"DATE", "TIME"}
        and t.value
        and t.value[:1].isdigit()
    ]
    return min(inside, key=lambda t: abs(t.start - anchor)) if inside else None


PARTICLES = frozenset({"de", "der", "den", "van", "von", "da", "di", "du", "del", "la", "le", "al", "bin"})


def _short(name: str) -> str:
    """The surname as a headline would print it: "Starmer", "De Wever", "von der Leyen"."""
    words = name.split()
    i = len(words) - 1
    while i > 0 and words[i - 1].lower() in PARTICLES:
        i -= 1
    return " ".join(words[i:]) if len(words) > 1 else name


def _day(value: str) -> str:
    """The calendar part of a TIMEX3 value: "2025-12-12TAF" -> "2025-12-12"."""
    return value.split("T", 1)[0]


def _describe(kind: str, sides: list[Party], place_words: str | None, ahead: bool) -> str:
    names = [_short(p.name) if p.entity is not None and p.entity.type == "PERSON" else p.name for p in sides]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    singular, plural = PHRASES[kind]
    one = len(names) == 1 and sides[0].entity is not None
    if one and kind == "meeting":
        singular, plural = "holds a meeting", "hold a meeting"  # "Saleh holds a meeting", not "Saleh meets"
    verb = ("to " + plural) if ahead else (singular if one else plural)
    return f"{who} {verb}" + (f" {place_words}" if place_words else "")


def _earlier(mentions: list[Mention], sentence: Span) -> list[Mention]:
    """Mentions in the two sentences before ``sentence`` (for "the two leaders")."""
    start = sentence.start_char
    doc = sentence.doc
    first = sentence.start
    for _ in range(2):
        if first == 0:
            break
        first = doc[first - 1].sent.start
    lower = doc[first].idx
    return [m for m in mentions if lower <= m.start < start]


def find_events(doc: Doc, entities: list[Entity], times: list[TimeExpression],
                published: str | None = None) -> list[Event]:
    """Events in an article, one evidence sentence each, in text order.

    A meeting, call or summit needs two parties (a group such as "European allies" is one);
    the status says whether it happened, is planned or is only reported (a hedge)."""
    events: list[Event] = []
    every = _mentions_in(doc[:], entities)
    for sentence in sentences(doc):
        mentions = _mentions_in(sentence, entities)
        for trigger in sentence:
            kind = _trigger_type(trigger)
            if kind is None:
                continue
            sides = parties(trigger, mentions, _earlier(every, sentence))
            alone = len(sides) == 1 and (
                (sides[0].entity is None and (gathering(trigger) or kind == "summit")) or convened(trigger)
            )  # a group among itself ("a summit of 27 leaders"), "called an emergency meeting"
            if len(sides) < (2 if kind in TWO_PARTY and not alone else 1):
                continue  # two parties meet or call; a group ("EU health ministers") may meet among itself
            if len(sides) == 1 and sides[0].entity is not None and sides[0].entity.type in PLACE_TYPES:
                continue  # a place alone takes part in nothing
            status, ahead = event_status(trigger)
            place, place_words = _place(doc, mentions, kind, trigger)
            when = _date(times, sentence, trigger.idx)
            date = _day(when.value) if when and when.value else None
            if status == "happened" and date and len(date) in (7, 10) and date[4] == "-" and published and (
                date > published[: len(date)]
            ):
                status, ahead = "planned", True  # "meet on Monday" told on the Friday before, "next month"
            event = Event(
                what=_describe(kind, sides, place_words, ahead),
                type=kind,
                date=date,
                date_text=when.text if when else None,
                place=place,
                participants=[p.name for p in sides],
                evidence=(sentence.start_char, sentence.end_char),
                status=status,
            )
            if not _repeats(events, event):
                events.append(event)
    return events


def _repeats(events: list[Event], new: Event) -> bool:
    """The same event told again (same kind, date and people): keep the first telling, and let
    it take the place or date the new telling adds ("will host X on Friday for Downing Street talks")."""
    for old in events:
        same_telling = old.evidence == new.evidence and old.type == new.type
        same_event = (
            old.type == new.type
            and old.date == new.date
            and (new.date is not None or (old.place == new.place and new.place is not None))
        )
        undated_again = (
            old.type == new.type and new.date is None and old.status == new.status
            and set(new.participants) == set(old.participants)
        )
        if (same_telling or same_event or undated_again) and set(new.participants) <= set(old.participants):
            if same_telling:
                old.place = old.place or new.place
                if old.date is None and new.date is not None:
                    old.date, old.date_text = new.date, new.date_text
            return True
    return False


@component("events", reads=("doc", "entities", "times", "published"), adds=("events",))
def events_component(doc: Doc, article: Article) -> None:
    """The pipeline component: ``article.events`` from the entities and times found before."""
    article.events = find_events(doc, article.entities, article.times, article.published)

