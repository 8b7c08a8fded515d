"""Which way in time a clause points: past (-1), future (+1) or unknown (0).

Used to resolve expressions such as "on Monday" or "in March" that name a calendar unit
without saying which one: "will meet on Monday" is the coming Monday, "met on Monday" the
last one.  With a spaCy ``Doc`` the governing verb and its auxiliaries decide; without one
a lexical scan of the sentence looks for the nearest tense or modality cue.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from storyline.nlp import sentence_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Heads that make the infinitive after them point forward: "due to meet", "plans to visit".
_FORWARD_HEADS = frozenset(
    [
        "due",
        "set",
        "expect",
        "expected",
        "schedule",
        "scheduled",
        "plan",
        "planned",
        "aim",
        "intend",
        "hope",
        "prepare",
        "poised",
        "likely",
        "unlikely",
        "go",
        "going",
        "want",
        "seek",
        "agree",
        "vow",
        "promise",
        "pledge",
        "threaten",
        "ready",
        "about",
        "able",
        "try",
        "propose",
        "decide",
        "resolve",
        "await",
    ]
)
_FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo", "would", "'d", "going", "gon"})
_PAST_AUX = frozenset({"had", "did", "was", "were", "'d"})

_FUTURE_CUE = re.compile(
    r"\b(?:will|shall|won't|wo n't|'ll|would|is\s+to|are\s+to|going\s+to|to\s+be\s+held|upcoming|ahead\s+of"
    r"|(?<!been\s)(?:due|set|expected|scheduled|planned|plans?|planning|poised|likely|hopes?|hoping|aims?"
    r"|aiming|intends?|preparing|prepares?|ready|agreed|promised|vowed|pledged|threatened)\s+(?:to|for)"
    r"|to\s+(?:meet|hold|visit|travel|vote|announce|decide|attend|host|sign|begin|start|hold|face))\b",
    re.IGNORECASE,
)
_PAST_CUE = re.compile(
    r"\b(?:was|were|had|did|didn't|wasn't|weren't|hadn't|ago|said|met|spoke|told|went|came|saw|made|took"
    r"|gave|held|began|left|won|lost|fell|rose|sold|bought|paid|sent|led|became|found|got|thought"
    r"|brought|kept|ran|stood|wrote|struck|hit|shot|put|cut|set\s+out|[a-z]{3,}ed)\b",
    re.IGNORECASE,
)
# "succeed", "proceed", "exceed" end in -ed and are not past: nor is any word ending in "ceed"
_NOT_VERBS_ED = frozenset({"united", "based", "limited", "red", "bed", "need", "speed", "seed", "feed", "indeed"})
_CLAUSE_END = re.compile(r";\s")  # a clause after a semicolon has a tense of its own


_PREPOSITION = re.compile(
    r"\b(?:(?P<future>ahead\s+of|in\s+the\s+run-up\s+to)|(?P<past>since))\s+$", re.IGNORECASE
)


def direction_from_preposition(text: str, start: int) -> int:
    """ "ahead of Friday's meeting" looks forward, "since Monday" back; 0 otherwise."""
    match = _PREPOSITION.search(text[max(0, start - 25) : start])
    if match is None:
        return 0
    return 1 if match.group("future") else -1


def direction_from_text(text: str, start: int, end: int, sentence: tuple[int, int] | None = None) -> int:
    """Tense of the clause around ``text[start:end]`` from lexical cues alone.

    ``sentence`` is the span of the sentence around it when a parse gives one; otherwise the
    sentence is found by :func:`storyline.nlp.sentence_spans` in the text nearby."""
    left_bound = max(0, start - 200)
    right_bound = min(len(text), end + 120)
    if sentence is None:
        spans = sentence_spans(text[left_bound:right_bound])
        sentence = next(
            ((a + left_bound, b + left_bound) for a, b in spans if a <= start - left_bound < b),
            (left_bound, right_bound),
        )
    left = text[max(left_bound, sentence[0]) : start]
    ends = list(_CLAUSE_END.finditer(left))
    if ends:
        left = left[ends[-1].end() :]
    right = text[end : max(end, min(right_bound, sentence[1]))]
    stop = _CLAUSE_END.search(right)
    if stop:
        right = right[: stop.start()]
    best: tuple[float, int] | None = None
    for side, chunk in (("left", left), ("right", right)):
        for pattern, sign in ((_FUTURE_CUE, 1), (_PAST_CUE, -1)):
            for match in pattern.finditer(chunk):
                word = match.group(0).lower()
                if sign < 0 and (word in _NOT_VERBS_ED or word.endswith("ceed")):
                    continue
                distance = len(chunk) - match.end() if side == "left" else match.start() * 1.5
                candidate = (distance, sign)
                if best is None or candidate < best:
                    best = candidate
    return best[1] if best is not None else 0


def is_root(token: Token) -> bool:
    """spaCy makes a new ``Token`` object on every access, so a root is found by index, never by ``is``."""
    return token.head.i == token.i


def _has_had(token: Token) -> bool:
    """Whether ``token`` or the words it hangs from (up to two levels) are in the past perfect."""
    for _ in range(3):
        if any(child.lower_ == "had" and child.dep_ in ("aux", "auxpass") for child in token.children):
            return True
        if token.lower_ == "had" or is_root(token):
            return token.lower_ == "had"
        token = token.head
    return False


# How many infinitives a chain such as "plans to try to agree to meet" is followed up: a parse
# is a tree, but nothing about a long tokenised article keeps its chains short.
_MAX_CHAIN = 12


def verb_direction(verb: Token) -> int:
    """The direction of ``verb``; an infinitive takes its direction from the word it hangs from,
    followed up the tree step by step (never by recursion) for at most :data:`_MAX_CHAIN` steps."""
    for _ in range(_MAX_CHAIN):
        auxes = [child for child in verb.children if child.dep_ in ("aux", "auxpass")]
        words = {aux.lower_ for aux in auxes}
        if words & {"will", "'ll", "shall", "wo", "going"}:
            return 1
        if "would" in words or "'d" in words:
            return 1
        if verb.tag_ == "VBD":
            return -1
        if verb.tag_ == "VBN":
            if words & {"has", "have", "had", "was", "were", "'s", "'ve"}:
                return -1
            if not words:
                return -1
        if verb.tag_ == "VBG" and words & {"was", "were"}:
            return -1
        if verb.tag_ == "VB" and "to" in words and not is_root(verb):
            head = verb.head
            if _has_had(head):
                return -1  # "had been due to expire": a plan seen from the past
            if head.lemma_.lower() in _FORWARD_HEADS or head.lower_ in _FORWARD_HEADS:
                return 1
            if head.pos_ in ("VERB", "AUX"):
                verb = head
                continue
        return _copula_direction(verb, words)
    return 0


def _copula_direction(verb: Token, words: set[str]) -> int:
    if verb.lemma_.lower() in ("be",) and words & {"was", "were"}:
        return -1
    if verb.tag_ in ("VBZ", "VBP") and verb.lemma_.lower() == "be":
        complements = [child for child in verb.children if child.dep_ in ("acomp", "xcomp", "attr")]
        if any(child.lower_ in _FORWARD_HEADS for child in complements):
            return 1
    return 0


def direction_from_doc(doc: Doc, start: int, end: int) -> int:
    """Tense of the verb that governs ``doc.text[start:end]``, 0 when it cannot be told."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return 0
    token = span.root
    for _ in range(8):
        if token.pos_ in ("VERB", "AUX") and token.dep_ not in ("aux", "auxpass"):
            break
        if is_root(token):
            break
        token = token.head
    if token.pos_ not in ("VERB", "AUX"):
        return 0
    return verb_direction(token)
