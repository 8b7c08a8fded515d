"""Events: meetings, calls, summits, visits, statements and briefings.

One sentence is the evidence for an event.  A sentence holds an event when a
trigger word of a known kind (``meet``, ``talks``, ``summit``, ``call``,
``visit``, ``statement`` ...) is used as an event and at least one person or
organisation takes part.  Participants are the article's entities mentioned in
the sentence; the date is the resolved time expression nearest the trigger
(None when the text gives none: never guessed); the place is the place or
landmark the sentence puts the event in or at.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from storyline.article import Article, Entity, Event, TimeExpression
from storyline.enrich.component import component
from storyline.nlp import sentences

# trigger lemma -> event type.  Nouns and verbs; the checks below drop uses
# that are not events ("calls for", "called on", "meets the criteria").
TRIGGERS: dict[str, str] = {
    "meet": "meeting",
    "meeting": "meeting",
    "talk": "meeting",
    "host": "meeting",
    "convene": "meeting",
    "gather": "meeting",
    "co-chair": "meeting",
    "chair": "meeting",
    "summit": "summit",
    "call": "call",
    "phone": "call",
    "speak": "call",
    "visit": "visit",
    "travel": "visit",
    "trip": "visit",
    "fly": "visit",
    "statement": "statement",
    "announce": "statement",
    "conference": "press conference",
    "briefing": "press conference",
}
# Landmarks that name the institution and the city it sits in.
LANDMARK_CITIES: dict[str, str] = {
    "Downing Street": "London",
    "Whitehall": "London",
    "Westminster": "London",
    "White House": "Washington",
    "Pentagon": "Washington",
    "Oval Office": "Washington",
    "Kremlin": "Moscow",
    "Elysee Palace": "Paris",
}
REFERENCE_PREPOSITIONS = frozenset(
    {"after", "before", "ahead", "following", "during", "since", "until", "despite", "of"}
)
PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})
ACTOR_TYPES = frozenset({"PERSON"})
PLACE_PREPOSITIONS = ("at", "in", "to")
PHRASES = {
    "meeting": ("meets", "meet"),
    "summit": ("holds a summit", "hold a summit"),
    "call": ("holds a call", "hold a call"),
    "visit": ("visits", "visit"),
    "statement": ("issues a statement", "issue a statement"),
    "press conference": ("holds a press conference", "hold a press conference"),
}


@dataclass(slots=True)
class _Mention:
    entity: Entity
    start: int
    end: int


def _trigger_type(token: Token) -> str | None:
    lemma = token.lemma_.lower()
    kind = TRIGGERS.get(lemma) or TRIGGERS.get(token.lower_)
    if kind is None or token.pos_ not in {"NOUN", "VERB"}:
        return None
    following = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
    if kind == "call" and (
        following in {"for", "on", "to"} or (token.pos_ == "NOUN" and token.lower_ == "calls")
    ):
        return None  # "calls for a ceasefire", "called on allies", "called to say"
    if lemma == "speak" and following not in {"with", "to"}:
        return None  # "speaking ahead of the talks" is not a call
    if lemma == "talk" and token.pos_ != "NOUN":
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


def _mentions_in(sentence: Span, entities: list[Entity]) -> list[_Mention]:
    found = []
    for entity in entities:
        for start, end in entity.mentions:
            if sentence.start_char <= start and end <= sentence.end_char:
                found.append(_Mention(entity, start, end))
    return sorted(found, key=lambda m: m.start)


SUBJECTS = frozenset({"nsubj", "nsubjpass", "agent"})
COMPANY_VERBS = frozenset(
    {"join", "host", "meet", "accompany", "welcome", "receive", "visit", "invite", "call"}
)


def _governing_verb(token: Token) -> Token | None:
    """The verb a noun trigger hangs from ("convened a call", "is in Washington for talks")."""
    current = token
    for _ in range(4):
        if current.dep_ not in {"dobj", "pobj", "prep", "attr", "nsubj", "nsubjpass", "appos", "conj"}:
            break
        current = current.head
        if current.pos_ in {"VERB", "AUX"}:
            return current
    return None


def _linked(trigger: Token) -> list[Token]:
    """Tokens naming who takes part: subjects, "with" partners, possessors, company objects."""
    linked: list[Token] = []
    verbs = [trigger] if trigger.pos_ == "VERB" else []
    if trigger.pos_ == "NOUN":
        linked += [c for c in trigger.children if c.dep_ == "poss"]
        # "after the talks", "ahead of the meeting between A and B": the sentence's
        # subject did something else around the event, so only the noun's own
        # partners take part.
        referenced = trigger.dep_ == "pobj" and trigger.head.lower_ in REFERENCE_PREPOSITIONS
        verb = None if referenced else _governing_verb(trigger)
        if verb is not None:
            verbs.append(verb)
    for verb in verbs:
        linked += [c for c in verb.children if c.dep_ in SUBJECTS]
        if verb.lemma_.lower() in COMPANY_VERBS or verb is trigger:
            linked += [c for c in verb.children if c.dep_ == "dobj"]
    for head in [trigger, *verbs]:
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in {"with", "between", "by"}:
                linked += [c for c in prep.children if c.dep_ == "pobj"]
    if trigger.pos_ == "NOUN" and not any(t.dep_ in SUBJECTS or t.dep_ == "poss" for t in linked):
        linked += [
            c for c in trigger.children if c.dep_ == "compound" and c.ent_type_
        ]  # "the Trump-Putin summit"
    return linked


def _phrase(token: Token) -> tuple[int, int]:
    """Characters of a noun phrase without its clauses: "French President Emmanuel Macron"."""
    start = token
    for left in token.lefts:
        if (
            left.dep_ in {"compound", "amod", "poss", "det", "nmod", "case", "punct", "appos"}
            or left.ent_type_
        ):
            start = left.left_edge if left.dep_ != "punct" else start
            break
    end = token.idx + len(token)
    for right in token.rights:
        if right.dep_ in {"appos", "compound"} or (right.ent_type_ and right.dep_ != "conj"):
            end = max(end, right.right_edge.idx + len(right.right_edge))
    return start.idx, end


def _participants(trigger: Token, mentions: list[_Mention]) -> list[Entity]:
    spans = []
    for token in _linked(trigger):
        for member in (token, *token.conjuncts):
            spans.append(_phrase(member))
    people: list[Entity] = []
    for mention in mentions:
        inside = any(start <= mention.start and mention.end <= end for start, end in spans)
        if inside and mention.entity.type in ACTOR_TYPES and mention.entity not in people:
            people.append(mention.entity)
    return people


def _attached(doc: Doc, mention: _Mention, trigger: Token) -> bool:
    """The place's preposition hangs on the trigger or on a word above it ("met at No 10",
    "is in Washington for talks"), not on some other noun ("talks to end the war in Ukraine")."""
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return False
    preposition = span.root.head
    if preposition.dep_ != "prep":
        return False
    governor = preposition.head
    return governor == trigger or governor in trigger.ancestors


def _visited(doc: Doc, mention: _Mention, trigger: Token) -> bool:
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    return span is not None and span.root.dep_ == "dobj" and span.root.head == trigger


def _place(doc: Doc, mentions: list[_Mention], kind: str, trigger: Token) -> tuple[str | None, str | None]:
    """(place for the event, the words the sentence used for it)."""
    text = doc.text
    prepositions = PLACE_PREPOSITIONS if kind == "visit" else ("at", "in")
    for mention in mentions:
        entity = mention.entity
        is_place = entity.type in PLACE_TYPES or entity.name in LANDMARK_CITIES
        if not is_place:
            continue
        surface = text[mention.start : mention.end]
        if kind == "visit" and _visited(doc, mention, trigger):  # "visited Downing Street"
            return LANDMARK_CITIES.get(entity.name, entity.name), surface
        before = text[max(0, mention.start - 4) : mention.start].lower().split()
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
    while i > 1 and words[i - 1].lower() in PARTICLES:
        i -= 1
    return " ".join(words[i:]) if len(words) > 1 else name


def _day(value: str) -> str:
    """The calendar part of a TIMEX3 value: "2025-12-12TAF" -> "2025-12-12"."""
    return value.split("T", 1)[0]


def _describe(kind: str, participants: list[Entity], place_words: str | None) -> str:
    names = [_short(p.name) if p.type == "PERSON" else p.name for p in participants]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    singular, plural = PHRASES[kind]
    verb = singular if len(names) == 1 else plural
    return f"{who} {verb}" + (f" {place_words}" if place_words else "")


def find_events(doc: Doc, entities: list[Entity], times: list[TimeExpression]) -> list[Event]:
    """Events in an article, one evidence sentence each, in text order."""
    events: list[Event] = []
    for sentence in sentences(doc):
        mentions = _mentions_in(sentence, entities)
        if not mentions:
            continue
        for trigger in sentence:
            kind = _trigger_type(trigger)
            if kind is None:
                continue
            participants = _participants(trigger, mentions)
            if not participants:
                continue
            place, place_words = _place(doc, mentions, kind, trigger)
            when = _date(times, sentence, trigger.idx)
            event = Event(
                what=_describe(kind, participants, place_words),
                type=kind,
                date=_day(when.value) if when and when.value else None,
                date_text=when.text if when else None,
                place=place,
                participants=[p.name for p in participants],
                evidence=(sentence.start_char, sentence.end_char),
            )
            if not _repeats(events, event):
                events.append(event)
    return events


def _repeats(events: list[Event], new: Event) -> bool:
    """The same event told again (same kind, date and people): keep the first telling."""
    for old in events:
        same_telling = old.evidence == new.evidence and old.type == new.type
        same_event = (
            old.type == new.type
            and old.date == new.date
            and (new.date is not None or (old.place == new.place and new.place is not None))
        )
        if (same_telling or same_event) and set(new.participants) <= set(old.participants):
            return True
    return False


@component("events", reads=("doc", "entities", "times"), adds=("events",))
def events_component(doc: Doc, article: Article) -> None:
    """The pipeline component: ``article.events`` from the entities and times found before."""
    article.events = find_events(doc, article.entities, article.times)
