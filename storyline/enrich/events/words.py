"""The words events are told with: triggers, landmarks, prepositions and group nouns."""

from __future__ import annotations

from dataclasses import dataclass

from storyline.article import Entity

# trigger lemma -> event type.  Nouns and verbs; the checks below drop uses
# that are not events ("calls for", "called on", "meets the criteria").
TRIGGERS: dict[str, str] = {
    "meet": "meeting",
    "meeting": "meeting",
    "talk": "meeting",
    "negotiation": "meeting",
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
# a place after these is where something is, never a party: "the streets of Cairo", "in Paris"
PLACE_ONLY_PREPOSITIONS = frozenset({"in", "at", "of", "near", "inside", "outside", "across", "from"})
PHRASES = {
    "meeting": ("meets", "meet"),
    "summit": ("holds a summit", "hold a summit"),
    "call": ("holds a call", "hold a call"),
    "visit": ("visits", "visit"),
    "statement": ("issues a statement", "issue a statement"),
    "press conference": ("holds a press conference", "hold a press conference"),
}


@dataclass(slots=True)
class Mention:
    entity: Entity
    start: int
    end: int



SUBJECTS = frozenset({"nsubj", "nsubjpass", "agent"})
COMPANY_VERBS = frozenset(
    {"join", "host", "meet", "accompany", "welcome", "receive", "visit", "invite", "call", "greet", "phone"}
)
# verbs whose subject alone makes its object meeting an event: "called an emergency meeting"
CONVENE_VERBS = frozenset({"call", "convene", "chair", "co-chair", "host", "organise", "organize", "attend"})
# prepositions whose object takes part: "talks with", "between A and B", "hosted by", "alongside"
PARTY_PREPOSITIONS = frozenset({"with", "between", "by", "alongside", "among"})
# nouns that name a group taking part as one party: "European allies", "leaders"
GROUP_NOUNS = frozenset({
    "leader", "ally", "official", "minister", "partner", "counterpart", "delegation", "negotiator", "diplomat",
    "envoy", "representative", "government", "country", "nation", "state", "member", "colleague", "head",
    "premier", "executive", "fisherman", "mayor", "governor", "company", "expert", "senator", "lawmaker",
    "organization", "organisation", "authority", "judge", "attorney", "lawyer", "family", "investor",
    "shareholder", "activist", "protester", "resident", "worker", "scientist", "delegate", "commander",
    "troop", "soldier", "union", "agency", "donor", "victim", "president", "chief", "adviser", "advisor",
    "fund", "firm", "bank",
})
QUANTITIES = frozenset({"handful", "group", "number", "dozen", "host", "couple", "pair", "team", "delegation",
                        "member", "members", "some", "several", "many", "most", "all", "each"})
# collective nouns that are a group in the singular: "the committee", "his cabinet"
COLLECTIVE_NOUNS = frozenset({"committee", "council", "cabinet", "board", "parliament", "management", "panel",
                              "commission", "delegation", "government", "team", "coalition", "congress"})
NOT_GROUP_WORDS = frozenset({"other", "some", "several", "many", "few", "all", "both", "these", "those", "the",
                             "a", "an", "their", "his", "her", "its", "our", "about", "fellow"})
# singular titles that name one person taking part: "the vice president", "the prime minister"
TITLE_NOUNS = frozenset({"president", "minister", "chancellor", "secretary", "premier", "ambassador", "envoy",
                         "king", "queen", "prince", "pope", "governor", "mayor", "senator", "boss",
                         "counterpart", "spokesman", "spokeswoman", "spokesperson", "couple"})
PAIR_WORDS = frozenset({"two", "both"})
# events that need two parties; a visit, statement or press conference needs one
TWO_PARTY = frozenset({"meeting", "call", "summit"})
ONE_PARTY = frozenset({"statement", "press conference"})

