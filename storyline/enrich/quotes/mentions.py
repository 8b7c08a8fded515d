"""The words a speaker is named by: the noun phrase of a subject, and the office behind a leader's
spokesperson."""

from __future__ import annotations

from spacy.tokens import Span, Token

__all__ = ["OFFICE_SEATS", "PARTITIVES", "mention_tokens"]

_KEEP = frozenset(
    {"det", "amod", "compound", "poss", "nmod", "nummod", "flat", "case", "quantmod", "npadvmod"}
)

# (role, country) -> the office its spokespeople speak for
OFFICE_SEATS = {
    ("Prime Minister", "United Kingdom"): "Downing Street",
    ("President", "United States"): "White House",
    ("President", "Russia"): "Kremlin",
    ("President", "France"): "Elysee Palace",
}
PARTITIVES = frozenset({"one", "some", "many", "several", "few", "none", "each", "both", "all", "most", "either",
                        "neither", "any"})


def mention_tokens(head: Token) -> Span:
    """The noun phrase of ``head`` without appositions, clauses and prepositional phrases."""
    keep = [head]
    stack = [c for c in head.children if c.dep_ in _KEEP]
    if head.lower_ in PARTITIVES or head.pos_ == "NUM":
        # "one of his senior ministers", "two of the negotiators": the description is the whole phrase
        stack += [c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"]
        stack += [g for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.subtree if g.i != c.i]
    while stack:
        tok = stack.pop()
        keep.append(tok)
        stack.extend(
            c for c in tok.children if c.dep_ in _KEEP or (c.dep_ in ("pobj", "prep") and tok.dep_ == "nmod")
        )
    lo = min(t.i for t in keep)
    hi = max(t.i for t in keep) + 1
    doc = head.doc
    while lo < head.i and (doc[lo].is_punct or "\n" in doc[lo : head.i].text):
        lo += 1
    while hi > head.i + 1 and "\n" in doc[head.i : hi].text:
        hi -= 1
    return doc[lo:hi]
