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
from storyline.enrich.entities.lexicon import fold, load_lexicon
from storyline.enrich.time.status import event_status
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
    "West Wing": "Washington",
}
REFERENCE_PREPOSITIONS = frozenset(
    {"after", "before", "ahead", "following", "during", "since", "until", "despite", "of", "about", "on",
     "over", "from", "out"}
)
PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})
ACTOR_TYPES = frozenset({"PERSON"})
GROUP_TYPES = frozenset({"ORG", "NORP", "GPE"})
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
    {"join", "host", "meet", "accompany", "welcome", "receive", "visit", "invite", "call", "greet", "phone"}
)
# prepositions whose object takes part: "talks with", "between A and B", "hosted by", "alongside"
PARTY_PREPOSITIONS = frozenset({"with", "between", "by", "alongside", "among"})
# nouns that name a group taking part as one party: "European allies", "leaders"
GROUP_NOUNS = frozenset({"leader", "ally", "official", "minister", "partner", "counterpart", "delegation",
                         "negotiator", "diplomat", "envoy", "representative", "government",
                         "country", "nation", "state", "member", "colleague", "head", "premier"})
NOT_GROUP_WORDS = frozenset({"other", "some", "several", "many", "few", "all", "both", "these", "those", "the",
                             "a", "an", "their", "his", "her", "its", "our", "about", "fellow"})
PAIR_WORDS = frozenset({"two", "both"})
# events that need two parties; a visit, statement or press conference needs one
TWO_PARTY = frozenset({"meeting", "call", "summit"})
ONE_PARTY = frozenset({"statement", "press conference"})


@dataclass(slots=True)
class Party:
    """One side of an event: a person or organisation of the article, or a group the sentence names."""

    name: str
    entity: Entity | None = None
    at: int = 0  # where the sentence names it (parties are listed in text order)


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


def _subjects(verb: Token) -> list[Token]:
    """The verb's subjects; for a verb without one ("before joining him"), those of the clause
    it belongs to, a few steps up."""
    current = verb
    for _ in range(3):
        found = [c for c in current.children if c.dep_ in SUBJECTS]
        if found:
            return found
        if current.dep_ not in ("xcomp", "advcl", "pcomp", "conj", "acl", "acomp") or current.head.i == current.i:
            return []
        current = current.head
        if current.dep_ == "prep" or current.pos_ == "ADP":
            current = current.head
    return []


def _linked(trigger: Token) -> list[Token]:
    """Tokens naming who takes part: subjects, "with" partners, possessors, company objects."""
    linked: list[Token] = []
    verbs = [trigger] if trigger.pos_ == "VERB" else []
    if trigger.pos_ == "NOUN":
        linked += [c for c in trigger.children if c.dep_ == "poss"]
        # "after the talks", "ahead of the meeting between A and B": the sentence's
        # subject did something else around the event, so only the noun's own
        # partners take part.
        referenced = trigger.dep_ == "pobj" and (
            trigger.head.lower_ in REFERENCE_PREPOSITIONS or trigger.head.head.lower_ in REFERENCE_PREPOSITIONS
        )
        verb = None if referenced else _governing_verb(trigger)
        if verb is not None:
            verbs.append(verb)
    for verb in verbs:
        linked += _subjects(verb)
        if TRIGGERS.get(trigger.lemma_.lower()) in ONE_PARTY:
            continue  # a statement or briefing is given by its subject, not by whom it is about
        if verb.lemma_.lower() in COMPANY_VERBS or verb.i == trigger.i:
            linked += [c for c in verb.children if c.dep_ == "dobj" and c.i != trigger.i]
    for head in [trigger, *verbs]:
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in PARTY_PREPOSITIONS:
                linked += [c for c in prep.children if c.dep_ == "pobj"]
            if prep.dep_ in ("prep", "advmod") and prep.lower_ in ("along", "together"):
                for inner in prep.children:  # "along with France's Emmanuel Macron"
                    if inner.dep_ == "prep" and inner.lower_ == "with":
                        linked += [c for c in inner.children if c.dep_ == "pobj"]
    if trigger.pos_ == "NOUN":
        linked += [c for c in trigger.children if c.dep_ == "compound" and c.ent_type_ in ("PERSON", "ORG", "NORP")]
    return linked


def _members(token: Token) -> list[Token]:
    """The token, its coordinated partners and those it includes ("leaders, including Zelensky"),
    through appositions ("Starmer, French President Emmanuel Macron, ... and Merz")."""
    found = [token]
    seen = {token.i}
    at = 0
    while at < len(found) and len(found) < 40:
        member = found[at]
        at += 1
        more = [*member.conjuncts, *(c for c in member.children if c.dep_ == "appos")]
        # "Mr Trump and Russian President Vladimir Putin" parsed as a modifier with a conjunct
        more += [c for c in member.children if c.dep_ == "nmod" and any(g.dep_ == "cc" for g in c.children)]
        for prep in member.children:
            if prep.dep_ == "prep" and prep.lower_ in ("including", "alongside", "like"):
                more += [obj for obj in prep.children if obj.dep_ == "pobj"]
            if prep.dep_ in ("prep", "advmod") and prep.lower_ in ("along", "together"):
                for inner in prep.children:  # "Starmer, along with France's Emmanuel Macron"
                    if inner.dep_ == "prep" and inner.lower_ == "with":
                        more += [obj for obj in inner.children if obj.dep_ == "pobj"]
        for other in more:
            if other.i not in seen:
                seen.add(other.i)
                found.append(other)
    return found


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


def _group_name(token: Token) -> str | None:
    """ "European allies" for a plural group noun, None for anything else."""
    if token.lemma_.lower() not in GROUP_NOUNS or token.tag_ not in ("NNS", "NNPS"):
        return None
    words = [c for c in token.lefts if c.dep_ in ("amod", "compound", "nmod") and c.lower_ not in NOT_GROUP_WORDS]
    if any(c.dep_ == "nummod" and c.lower_ in PAIR_WORDS for c in token.lefts):
        return None
    if words:
        first = min(w.left_edge.i for w in words)
        return token.doc[first : token.i + 1].text
    return token.text


def _is_pair(token: Token) -> bool:
    """ "the two leaders", "both men", "the pair"."""
    if token.lower_ == "pair" or (token.lower_ == "both" and token.pos_ == "PRON"):
        return True
    return token.tag_ == "NNS" and any(c.lower_ in PAIR_WORDS for c in token.lefts)


def _covering(mentions: list[_Mention], token: Token) -> _Mention | None:
    for mention in mentions:
        if mention.start <= token.idx < mention.end:
            return mention
    return None


def _parties(trigger: Token, mentions: list[_Mention], earlier: list[_Mention]) -> list[Party]:
    parties: list[Party] = []

    def add(party: Party) -> None:
        key = party.entity.id if party.entity is not None else party.name
        if all((p.entity.id if p.entity is not None else p.name) != key for p in parties):
            parties.append(party)

    for token in _linked(trigger):
        for member in _members(token):
            if _is_pair(member):
                people: list[Entity] = []
                for mention in reversed(earlier):
                    if mention.entity.type in ACTOR_TYPES and mention.entity not in people:
                        people.append(mention.entity)
                    if len(people) == 2:
                        break
                if len(people) == 2:
                    for person in reversed(people):
                        add(Party(person.name, person, member.idx))
                continue
            start, end = _phrase(member)
            found = [m for m in mentions if start <= m.start and m.end <= end and m.entity.type in ACTOR_TYPES]
            covering = _covering(mentions, member)
            if covering is not None and covering.entity.type in ACTOR_TYPES:
                found = [covering, *found]
            if found:
                for mention in found[:1] if covering is not None else found:
                    add(Party(mention.entity.name, mention.entity, mention.start))
                continue
            if covering is not None and covering.entity.type in GROUP_TYPES and (
                covering.entity.type != "NORP" or member.tag_ in ("NNS", "NNPS")
            ):
                add(Party(covering.entity.name, covering.entity, covering.start))
                continue  # "talks with the Kremlin", "the Europeans"
            if member.dep_ in ("amod", "compound") and _group_name(member.head) is not None:
                member = member.head  # "European" in "European leaders"
            group = _group_name(member)
            if group is not None:
                add(Party(group, None, member.idx))
    parties.sort(key=lambda p: p.at)
    return _join_groups(parties)


def _join_groups(parties: list[Party]) -> list[Party]:
    """Groups named side by side are one party: "leaders and officials from 30 countries"."""
    joined: list[Party] = []
    for party in parties:
        if joined and party.entity is None and joined[-1].entity is None:
            joined[-1] = Party(f"{joined[-1].name} and {party.name}", None, joined[-1].at)
        else:
            joined.append(party)
    return joined


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
    if governor == trigger or governor in trigger.ancestors:
        return True
    # "the meeting between Mr Holt and President Nowicki in Gdansk": the parser hung it on a party
    return governor.ent_type_ == "PERSON" and trigger in governor.ancestors


def _visited(doc: Doc, mention: _Mention, trigger: Token) -> bool:
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    return span is not None and span.root.dep_ == "dobj" and span.root.head == trigger


def _place(doc: Doc, mentions: list[_Mention], kind: str, trigger: Token) -> tuple[str | None, str | None]:
    """(place for the event, the words the sentence used for it)."""
    text = doc.text
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


def _describe(kind: str, parties: list[Party], place_words: str | None, ahead: bool) -> str:
    names = [_short(p.name) if p.entity is not None and p.entity.type == "PERSON" else p.name for p in parties]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    singular, plural = PHRASES[kind]
    verb = ("to " + plural) if ahead else (singular if len(names) == 1 else plural)
    return f"{who} {verb}" + (f" {place_words}" if place_words else "")


def _earlier(mentions: list[_Mention], sentence: Span) -> list[_Mention]:
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
            parties = _parties(trigger, mentions, _earlier(every, sentence))
            if len(parties) < (2 if kind in TWO_PARTY else 1):
                continue
            if not any(p.entity is not None and p.entity.type in ACTOR_TYPES for p in parties) and len(parties) < 2:
                continue
            status, ahead = event_status(trigger)
            place, place_words = _place(doc, mentions, kind, trigger)
            when = _date(times, sentence, trigger.idx)
            date = _day(when.value) if when and when.value else None
            if status == "happened" and date and published and date > published[:10]:
                status, ahead = "planned", True  # "meet on Monday", told on the Friday before
            event = Event(
                what=_describe(kind, parties, place_words, ahead),
                type=kind,
                date=date,
                date_text=when.text if when else None,
                place=place,
                participants=[p.name for p in parties],
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
