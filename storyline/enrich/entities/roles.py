"""Roles and affiliations: "French President Emmanuel Macron", "the US president".

Two readings over a spaCy ``Doc``:

* :func:`role_before` reads the title phrase standing before a name
  ("Nato secretary general" before "Mark Rutte") and returns the role, the
  affiliation ("NATO") and where the phrase starts.
* :func:`role_mentions` finds references made by role alone ("the Prime
  Minister", "the PM", "the Ukrainian leader", "the EU chief") that later
  stages may resolve to a person of the article.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from storyline.enrich.entities.lexicon import Lexicon, fold

POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
MAX_AFFILIATION_TOKENS = 3


@dataclass(frozen=True, slots=True)
class RoleSpan:
    start: int  # first token
    end: int  # one past the last token
    role: str
    affiliation: str | None


def _role_ending_at(doc: Doc, end: int, lex: Lexicon) -> tuple[int, str] | None:
    """The longest role phrase whose last token is ``end - 1``: (first token, canonical role)."""
    if end <= 0:
        return None
    last = doc[end - 1]
    if last.lower_ not in lex.role_last_words or last.pos_ not in {"NOUN", "PROPN", "ADJ", "X"}:
        return None
    for size in range(min(lex.max_role_words, end), 0, -1):
        first = doc[end - size]
        if first.is_punct:
            continue
        phrase = "".join(tok.lower_ + tok.whitespace_ for tok in doc[end - size : end - 1]) + last.lower_
        role = lex.roles.get(phrase)
        if role is not None:
            return end - size, role
    return None


def _is_affiliation_token(token: Token, lex: Lexicon) -> bool:
    if token.text in POSSESSIVE:
        return True
    if not token.text[:1].isupper():
        return False
    return token.pos_ == "PROPN" or lex.country_of(token.text) is not None


def _affiliation_before(doc: Doc, end: int, lex: Lexicon) -> tuple[int, str | None]:
    """The affiliation words ending at token ``end - 1`` ("Ukrainian", "White House", "Russia's")."""
    start = end
    while start > 0 and end - start < MAX_AFFILIATION_TOKENS and _is_affiliation_token(doc[start - 1], lex):
        start -= 1
    while start < end and doc[start].text in POSSESSIVE:
        start += 1
    if start == end:
        return end, None
    words = [tok.text for tok in doc[start:end] if tok.text not in POSSESSIVE]
    return start, affiliation_name(" ".join(words), lex)


def affiliation_name(text: str, lex: Lexicon) -> str:
    """The canonical affiliation for a modifier: "Ukrainian" -> Ukraine, "EU Commission" -> European Commission."""
    whole = lex.country_of(text)
    if whole is not None:
        return whole
    parts = [lex.country_of(word) or word for word in text.split()]
    return " ".join(parts)


def affiliation_keys(affiliation: str, lex: Lexicon) -> set[str]:
    """Folded forms an affiliation can be matched by ("European Commission" also matches "EU")."""
    keys = {fold(affiliation)}
    for word in affiliation.split():
        country = lex.country_of(word)
        if country is not None:
            keys.add(fold(country))
    if fold(affiliation).startswith("european "):
        keys.add("european union")
    return keys


def role_before(doc: Doc, start: int, lex: Lexicon) -> RoleSpan | None:
    """The role phrase ending right before token ``start`` (a name or its form of address)."""
    found = _role_ending_at(doc, start, lex)
    if found is None:
        aff_start, affiliation = _affiliation_before(doc, start, lex)
        if affiliation is not None and any(tok.text in POSSESSIVE for tok in doc[aff_start:start]):
            # "France's Emmanuel Macron": an affiliation without a role
            return RoleSpan(aff_start, start, "", affiliation)
        return None
    role_start, role = found
    if role_start > 0 and doc[role_start - 1].lower_ in {"former", "ex", "late"}:
        return None
    aff_start, affiliation = _affiliation_before(doc, role_start, lex)
    return RoleSpan(aff_start, start, role, affiliation)


def role_mentions(doc: Doc, lex: Lexicon) -> list[RoleSpan]:
    """References by role alone: "the" + optional affiliation + role, not followed by a name."""
    found: list[RoleSpan] = []
    i = 0
    while i < len(doc):
        if doc[i].lower_ != "the":
            i += 1
            continue
        match = _role_mention_at(doc, i, lex)
        if match is None:
            i += 1
            continue
        found.append(match)
        i = match.end
    return found


def _role_mention_at(doc: Doc, i: int, lex: Lexicon) -> RoleSpan | None:
    limit = min(len(doc), i + 1 + MAX_AFFILIATION_TOKENS + lex.max_role_words)
    for end in range(limit, i + 1, -1):
        found = _role_ending_at(doc, end, lex)
        if found is None:
            continue
        role_start, role = found
        if role_start <= i:
            continue
        modifiers = doc[i + 1 : role_start]
        if not all(_is_affiliation_token(tok, lex) for tok in modifiers):
            continue
        after = doc[end] if end < len(doc) else None
        if (
            after is not None
            and after.text not in POSSESSIVE
            and (after.pos_ in {"PROPN", "NOUN", "NUM"} or lex.is_honorific(after.text))
        ):
            return None  # a title before a name, or part of a longer noun phrase
        affiliation = None
        if len(modifiers):
            words = [tok.text for tok in modifiers if tok.text not in POSSESSIVE]
            affiliation = affiliation_name(" ".join(words), lex)
        elif after is not None and after.lower_ == "of" and end + 1 < len(doc):
            nxt = doc[end + 1]
            if nxt.ent_type_ in {"GPE", "NORP", "ORG", "LOC"} and nxt.text[:1].isupper():
                ent_end = end + 2
                while ent_end < len(doc) and doc[ent_end].ent_iob_ == "I":
                    ent_end += 1
                affiliation = affiliation_name(doc[end + 1 : ent_end].text, lex)
        return RoleSpan(i, end, role, affiliation)
    return None
