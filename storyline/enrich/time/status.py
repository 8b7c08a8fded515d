"""Whether an event the text tells of happened, is planned, or is only reported.

``happened``: told as fact in the past or present ("met at No 10", "held talks").
``planned``: told as something to come ("will host ... on Friday", "due to meet", "set to meet",
"a meeting ... is being arranged", "the upcoming summit", "plans for a meeting").
``reported``: told with a hedge, so the writer does not vouch for it ("is understood to have
met", "reportedly", "is expected to host", "is said to", "may meet").

The trigger word and the words it hangs from, up to the clause that reports it, are read
from the spaCy parse; a verb of saying above them ("Trump said they would meet") is where
the climb stops, since what was said keeps its own tense.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from storyline.enrich.time.tense import is_root, verb_direction

if TYPE_CHECKING:
    from spacy.tokens import Token

Status = Literal["happened", "planned", "reported"]

# "is understood to", "is expected to", "is said to", "is believed to", "is thought to" ...
HEDGE_VERBS = frozenset({"understand", "expect", "say", "believe", "think", "report", "rumour", "rumor",
                         "suppose", "tip", "likely", "unlikely", "poise"})
HEDGE_ADVERBS = frozenset({"reportedly", "reputedly", "allegedly", "apparently", "supposedly", "possibly",
                           "perhaps", "maybe", "likely"})
HEDGE_MODALS = frozenset({"may", "might", "could"})
# "due to meet", "set to meet", "plans to visit", "preparing to host", "agreed to meet"
PLAN_HEADS = frozenset({"due", "set", "plan", "schedule", "prepare", "intend", "aim", "agree", "hope", "want",
                        "arrange", "organise", "organize", "propose", "invite", "seek", "try", "offer",
                        "promise", "vow", "pledge", "ready", "poised", "about"})
# modifiers of an event noun that put it ahead: "the upcoming summit", "a planned visit"
PLAN_MODIFIERS = frozenset({"upcoming", "forthcoming", "planned", "proposed", "possible", "potential",
                            "future", "next", "expected", "scheduled", "mooted", "prospective",
                            "anticipated", "impending", "further"})
# nouns that make the event they govern a plan: "arrangements for a meeting", "plans for talks"
PLAN_NOUNS = frozenset({"arrangement", "plan", "preparation", "invitation", "proposal", "offer", "bid",
                        "request", "prospect", "possibility", "idea", "date"})
# verbs whose object event is still to come: "began planning a meeting", "arranged a call"
PLAN_VERBS = frozenset({"plan", "arrange", "organise", "organize", "schedule", "propose", "seek", "request",
                        "prepare", "set", "announce", "call"})
SAYING = frozenset({"say", "tell", "add", "announce", "confirm", "insist", "claim", "warn", "write",
                    "state", "reveal", "explain", "argue", "suggest", "note", "declare"})
REFERENCE_AHEAD = frozenset({"ahead", "before", "until", "pending"})
_FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo", "would", "'d"})


def _chain(trigger: Token) -> list[Token]:
    """The trigger and the words it hangs from, up to the clause a verb of saying reports."""
    chain = [trigger]
    token = trigger
    for _ in range(8):
        if is_root(token) or token.dep_ in ("ccomp", "parataxis"):
            break
        head = token.head
        if head.lemma_.lower() in SAYING and head.pos_ == "VERB" and token.dep_ not in ("xcomp",):
            break
        if head.pos_ == "NOUN" and token.dep_ in ("relcl", "acl") and head.lemma_.lower() not in PLAN_NOUNS:
            break  # "the talks, which will be held": the relative clause is about the head noun
        chain.append(head)
        token = head
    return chain


def _hedged(chain: list[Token]) -> bool:
    for token in chain:
        lemma = token.lemma_.lower()
        children = list(token.children)
        if any(c.dep_ == "advmod" and c.lower_ in HEDGE_ADVERBS for c in children):
            return True
        if any(c.dep_ == "aux" and c.lower_ in HEDGE_MODALS for c in children):
            return True
        passive = any(c.dep_ == "auxpass" for c in children) or token.tag_ == "VBN"
        if lemma in HEDGE_VERBS and (passive or lemma in ("likely", "unlikely")) and any(
            c.dep_ in ("xcomp", "ccomp") for c in children
        ):
            return True  # "is understood to have met", "is expected to host"
    return False


def _planned(chain: list[Token]) -> bool:
    trigger = chain[0]
    if trigger.pos_ == "NOUN":
        if any(c.lower_ in PLAN_MODIFIERS and c.dep_ in ("amod", "compound", "nmod") for c in trigger.children):
            return True
        if trigger.dep_ == "pobj" and trigger.head.head.lower_ in REFERENCE_AHEAD | {"for"} and (
            trigger.head.head.lower_ in REFERENCE_AHEAD or trigger.head.lower_ in REFERENCE_AHEAD
        ):
            return True  # "ahead of the meeting"
        if trigger.dep_ == "pobj" and trigger.head.lower_ in REFERENCE_AHEAD:
            return True  # "before talks on Friday"
    for token in chain:
        lemma = token.lemma_.lower()
        children = list(token.children)
        words = {c.lower_ for c in children if c.dep_ in ("aux", "auxpass")}
        if words & _FUTURE_AUX or "going" in words:
            return True
        if token.i != trigger.i and token.lower_ in REFERENCE_AHEAD and token.pos_ in ("ADV", "ADP", "SCONJ"):
            return True  # "ahead of joining him ... for talks", "before the summit"
        if token.i != trigger.i and token.pos_ == "NOUN" and lemma in PLAN_NOUNS:
            return True  # "arrangements for a meeting"
        if token.pos_ in ("VERB", "ADJ", "AUX") and lemma in PLAN_HEADS and token.i != trigger.i and (
            any(c.dep_ in ("xcomp", "dobj") for c in children)
        ) and (token.tag_ != "VBD" or lemma in ("set", "due")):
            return True  # "due to meet", "is set to meet", "plans to visit"
        if token.i != trigger.i and lemma in PLAN_VERBS and token.pos_ == "VERB" and trigger.dep_ == "dobj":
            return True  # "began planning a meeting", "arranged a call"
        if lemma in ("arrange", "organise", "organize", "plan", "schedule", "hold") and "being" in {
            c.lower_ for c in children
        }:
            return True  # "a meeting is being arranged"
        if token.tag_ == "VB" and any(c.lower_ == "to" and c.dep_ == "aux" for c in children) and (
            token.head.i != token.i and token.head.lemma_ == "be" and token.dep_ in ("xcomp", "ccomp")
        ):
            return True  # "Obama is to meet BP's chairman today"
        if token.tag_ == "VB" and any(c.lower_ == "to" and c.dep_ == "aux" for c in children) and any(
            c.lower_ == "be" and c.dep_ == "auxpass" for c in children
        ):
            return True  # "talks to be held"
    return False


def event_status(trigger: Token) -> tuple[Status, bool]:
    """The status of the event ``trigger`` names, and whether it lies ahead of the telling."""
    chain = _chain(trigger)
    ahead = _planned(chain)
    if not ahead:
        for token in chain:
            if token.pos_ in ("VERB", "AUX") and token.dep_ not in ("aux", "auxpass"):
                ahead = verb_direction(token) > 0
                break
    if _hedged(chain):
        return "reported", ahead
    return ("planned" if ahead else "happened"), ahead


__all__ = ["Status", "event_status"]
