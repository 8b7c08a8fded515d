"""Entities of one article: people, organisations, places, one entity per referent.

:func:`find_entities` takes the spaCy ``Doc`` of an article body and returns
:class:`~storyline.article.Entity` objects whose ``mentions`` are exact
character spans into ``doc.text``.  The steps:

1. name mentions, repaired (:mod:`storyline.enrich.entities.mentions`), and spans
   glued to other words cut down to the names the article uses elsewhere (in
   title-cased headlines: "Obama Overturns" -> "Obama");
2. people: every mention of one person joins one entity: longer names first,
   then shorter forms by word match ("Starmer" is the surname of "Keir
   Starmer", "Sir Keir" its first name); different first names, and forms of
   address of the other gender, stay apart; an ambiguous surname goes to the
   person mentioned most recently;
3. other names: grouped by canonical name, with short forms ("Promises") and
   acronyms ("IMF") joined to the one longer name they abbreviate;
4. role mentions ("the Prime Minister", "the US president"): joined to the one
   person who holds a compatible role (and affiliation, when the mention states
   one); among several, the most recently mentioned within a few sentences;
   an office nobody holds yet goes to the article's leading person without a
   role, when that person is clear;
5. descriptions ("the actress"), "who" and he/she pronouns
   (:mod:`storyline.enrich.entities.references`): added to the person's mentions,
   never to its aliases.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc

from storyline.article import Article, Entity
from storyline.enrich.component import component
from storyline.enrich.entities.lexicon import Lexicon, fold, load_lexicon
from storyline.enrich.entities.mentions import PLACE_LABELS, Mention, find_mentions
from storyline.enrich.entities.references import Referent, resolve_references
from storyline.enrich.entities.roles import RoleSpan, affiliation_keys, role_mentions
from storyline.enrich.entities.spans import common_words, headlines, trim_to_known
from storyline.nlp import doc_text, sentences

RECENT_SENTENCES = 2
GENERIC_ROLES = frozenset({"Leader", "Chief"})
FIRST_NAME_HONORIFICS = frozenset({"sir", "dame", "lord", "lady"})
__all__ = ["find_entities"]


@dataclass(slots=True)
class _Group:
    label: str
    mentions: list[Mention] = field(default_factory=list)
    role_spans: list[tuple[int, int, str]] = field(default_factory=list)
    references: list[tuple[int, int]] = field(default_factory=list)  # descriptions and pronouns
    role: str | None = None
    affiliation: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return max((m.tokens for m in self.mentions), key=len)

    @property
    def first(self) -> int:
        starts = [m.start for m in self.mentions] + [s for s, _, _ in self.role_spans]
        return min(starts)

    def last_before(self, pos: int) -> int:
        starts = [m.start for m in self.mentions if m.start < pos]
        starts += [s for s, _, _ in self.role_spans if s < pos]
        return max(starts, default=-1)

    def add(self, mention: Mention) -> None:
        self.mentions.append(mention)
        if mention.role and self.role is None:
            self.role = mention.role
            self.affiliation = mention.affiliation or self.affiliation
        elif mention.affiliation and self.affiliation is None:
            self.affiliation = mention.affiliation


def _is_prefix(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    return len(short) < len(full) and full[: len(short)] == short


def _is_suffix(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    return len(short) < len(full) and full[-len(short) :] == short


def _middles_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """ "George Bush" and "George W. Bush" may be one person; "George H. W." and "George W." not."""
    mid_a, mid_b = a[1:-1], b[1:-1]
    if not mid_a or not mid_b:
        return True
    return mid_a == mid_b or all(x[0] == y[0] for x, y in zip(mid_a, mid_b, strict=False))


def _person_match(mention: Mention, group: _Group, lex: Lexicon) -> int:
    """How well a mention fits a person: 3 same name, 2 surname or compatible, 1 first name, 0 no.

    Forms of address of the other gender never fit ("Mr Jenkin" is not "Mrs Jenkin").
    """
    words, full = mention.tokens, group.words
    wanted = lex.gender_of(mention.honorific or "")
    if wanted is not None and any(
        lex.gender_of(m.honorific or "") not in {None, wanted} for m in group.mentions
    ):
        return 0
    if words == full:
        return 3
    if _is_suffix(words, full):
        return 2
    if len(words) >= 2 and len(full) >= 2 and words[0] == full[0] and words[-1] == full[-1]:
        return 2 if _middles_agree(words, full) else 0
    if _is_prefix(words, full):
        honorific = fold(mention.honorific or "").rstrip(".")
        return 1 if honorific in FIRST_NAME_HONORIFICS or not honorific else 0
    return 0


def _group_people(mentions: list[Mention], lex: Lexicon) -> list[_Group]:
    groups: list[_Group] = []
    for mention in sorted(mentions, key=lambda m: (-len(m.tokens), m.start)):
        scored = [(_person_match(mention, g, lex), g) for g in groups]
        best = max((score for score, _ in scored), default=0)
        if best == 0:
            group = _Group("PERSON")
            group.add(mention)
            groups.append(group)
            continue
        candidates = [g for score, g in scored if score == best]
        if best == 1 and any(_is_suffix(mention.tokens, g.words) for g in groups):
            candidates = []
        if not candidates:
            group = _Group("PERSON")
            group.add(mention)
            groups.append(group)
            continue
        chosen = max(candidates, key=lambda g: (g.last_before(mention.start), -g.first))
        chosen.add(mention)
    return groups


def _acronym(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words if w not in {"of", "the", "and", "for", "de"})


def _group_others(mentions: list[Mention], places: frozenset[str] = frozenset()) -> list[_Group]:
    """Other names by canonical name; a one-word name joins the one organisation it starts or
    abbreviates ("Promises", "IMF"), unless it is a place ("France" is not "France Telecom")."""
    by_key: dict[tuple[str, tuple[str, ...]], _Group] = {}
    for mention in mentions:
        family = "NORP" if mention.label == "NORP" else "NAME"
        key = (family, mention.tokens)
        if key not in by_key:
            by_key[key] = _Group(mention.label)
        by_key[key].add(mention)
    groups = list(by_key.values())
    long_groups = [g for g in groups if len(g.words) > 1 and g.label != "NORP"]
    merged: list[_Group] = []
    for group in groups:
        words = group.words
        target = None
        alone = len(words) == 1 and group.label != "NORP" and words[0] not in places
        if alone and not any(m.canonical for m in group.mentions):
            fits = [g for g in long_groups if g.words[0] == words[0] or _acronym(g.words) == words[0]]
            fits = [g for g in fits if g.label in {"ORG", "FAC"} and not any(m.canonical for m in g.mentions)]
            if len(fits) == 1:
                target = fits[0]
        if target is None:
            merged.append(group)
        else:
            for mention in group.mentions:
                target.add(mention)
    for group in merged:
        labels = [m.label for m in group.mentions]
        # the most frequent label (ORG on a tie with it), else the one the article gives first: in the
        # order of the text, not of a set, which differs from one process to the next
        group.label = max(dict.fromkeys(labels), key=lambda lab: (labels.count(lab), lab == "ORG"))
    return merged


class _Sentences:
    def __init__(self, doc: Doc) -> None:
        self.starts = [sent.start_char for sent in sentences(doc)]

    def index(self, char: int) -> int:
        return bisect_right(self.starts, char) - 1


def _role_candidates(span: RoleSpan, groups: list[_Group], pos: int, lex: Lexicon) -> list[_Group]:
    earlier = [g for g in groups if g.first < pos]
    holders = [g for g in earlier if g.role and lex.roles_compatible(span.role, g.role)]
    if span.affiliation is None:
        return holders
    wanted = affiliation_keys(span.affiliation, lex)
    strong = [g for g in holders if g.affiliation and wanted & affiliation_keys(g.affiliation, lex)]
    if strong:
        return strong
    weak = [g for g in holders if g.affiliation is None]
    return weak if len(weak) == 1 else []


def _resolve_role(
    span: RoleSpan, start: int, groups: list[_Group], sents: _Sentences, lex: Lexicon
) -> _Group | None:
    candidates = _role_candidates(span, groups, start, lex)
    here = sents.index(start)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        near = [g for g in candidates if here - sents.index(g.last_before(start)) <= RECENT_SENTENCES]
        return near[0] if len(near) == 1 else None
    if span.affiliation is not None or span.role in GENERIC_ROLES:
        return None
    holders = [g for g in groups if g.role and lex.roles_compatible(span.role, g.role)]
    if holders:
        return None  # the office is held by someone introduced later: not a guess to make
    free = [g for g in groups if g.role is None and g.first < start]
    if not free:
        return None
    recent = max(free, key=lambda g: g.last_before(start))
    if here - sents.index(recent.last_before(start)) <= 1:
        return recent
    counts = sorted(
        ((len(g.mentions), g.first == min(f.first for f in free), g) for g in free), key=lambda t: t[:2]
    )
    top_count, top_is_first, top = counts[-1]
    runner_up = counts[-2][0] if len(counts) > 1 else 0
    if top_is_first and top_count >= 2 * max(runner_up, 1):
        return top
    return None


def _attach_roles(doc: Doc, people: list[_Group], lex: Lexicon, taken: list[tuple[int, int]]) -> None:
    sents = _Sentences(doc)
    text = doc_text(doc)
    for span in role_mentions(doc, lex):
        start, end = doc[span.start].idx, doc[span.end - 1].idx + len(doc[span.end - 1].text)
        head = doc[span.end - 1].idx
        if any(s < end and head < e for s, e in taken):
            continue
        group = _resolve_role(span, start, people, sents, lex)
        if group is None:
            continue
        group.role_spans.append((start, end, text[start:end]))
        if group.role is None:
            group.role = span.role
        if group.affiliation is None and span.affiliation:
            group.affiliation = span.affiliation


def _gender(group: _Group, lex: Lexicon) -> str | None:
    """ "m" or "f" when a form of address or the role says so ("Mrs Reid", "Queen")."""
    words = [m.honorific for m in group.mentions if m.honorific] + [group.role or ""]
    genders = {g for g in map(lex.gender_of, words) if g is not None}
    return genders.pop() if len(genders) == 1 else None


def _attach_references(
    doc: Doc, people: list[_Group], others: list[_Group], lex: Lexicon, headlines: list[tuple[int, int]]
) -> None:
    referents = [
        Referent(
            [(m.start, m.end) for m in g.mentions] + [(s, e) for s, e, _ in g.role_spans], _gender(g, lex),
            role=g.role, affiliation=g.affiliation,
        )
        for g in people
    ]
    resolve_references(doc, referents, [(m.start, m.end) for g in others for m in g.mentions], lex, headlines)
    for group, referent in zip(people, referents, strict=True):
        group.references = referent.found
    found = {span for referent in referents for span in referent.found}
    for other in others:  # "the Ukrainian" who spoke is a person, not the nationality
        other.mentions = [m for m in other.mentions if (m.start, m.end) not in found]
    others[:] = [other for other in others if other.mentions]


def _to_entity(group: _Group, text: str) -> Entity:
    fullest = max(group.mentions, key=lambda m: (len(m.tokens), -m.start))
    named = sorted([(m.start, m.end) for m in group.mentions] + [(s, e) for s, e, _ in group.role_spans])
    spans = sorted(named + group.references)
    aliases: list[str] = []
    for start, end in named:
        surface = " ".join(text[start:end].split())
        if surface not in aliases:
            aliases.append(surface)
    return Entity(
        id="",
        name=fullest.name,
        type=group.label,
        aliases=aliases,
        mentions=spans,
        role=group.role,
        affiliation=group.affiliation,
    )


def entities_from_mentions(doc: Doc, mentions: Iterable[Mention], lex: Lexicon | None = None) -> list[Entity]:
    """Group ready-made mentions of one document into entities (see :func:`find_entities`)."""
    lex = lex or load_lexicon()
    mentions = list(mentions)
    surnames = {m.tokens[-1:] for m in mentions if m.label == "PERSON" and len(m.tokens) > 1}
    for mention in mentions:
        if (
            mention.label != "PERSON"
            and not mention.canonical
            and mention.tokens in surnames
            and (mention.label not in PLACE_LABELS or fold(mention.name) not in lex.places)
        ):
            mention.label = "PERSON"  # a surname tagged as an organisation, place or group
    titles = headlines(doc)
    mentions = trim_to_known(mentions, doc_text(doc), titles, common_words(doc), lex.demonyms)
    people = _group_people([m for m in mentions if m.label == "PERSON"], lex)
    others = _group_others([m for m in mentions if m.label != "PERSON"], lex.places)
    _attach_roles(doc, people, lex, [(m.start, m.end) for m in mentions])
    _attach_references(doc, people, others, lex, titles)
    text = doc_text(doc)
    entities = [_to_entity(g, text) for g in people + others]
    for entity in entities:
        if entity.type == "ORG" and entity.name in BUILDINGS and all(_is_a_place_here(text, s) for s, _ in entity.mentions):
            entity.type = "FAC"  # "met at the White House", never "the White House said"
    entities.sort(key=lambda e: e.mentions[0])
    for number, entity in enumerate(entities, start=1):
        entity.id = f"e{number}"
    return entities


# Institutions named after their building: the building when every mention is a place
# ("arrived at the White House"), the institution otherwise ("the White House said").
BUILDINGS = frozenset({"White House", "Downing Street", "Kremlin", "Elysee Palace", "Pentagon"})
_PLACE_WORDS = re.compile(r"\b(?:at|in|into|inside|outside|to|from|near|outside of|on the lawn of)\s+(?:the\s+)?$", re.I)


def _is_a_place_here(text: str, start: int) -> bool:
    return _PLACE_WORDS.search(text[max(0, start - 24) : start]) is not None


def find_entities(doc: Doc) -> list[Entity]:
    """People, organisations, places and groups named in ``doc``, one entity per referent.

    Offsets in ``Entity.mentions`` index ``doc.text``; ids are article-local ("e1", "e2", ...).
    """
    lex = load_lexicon()
    return entities_from_mentions(doc, find_mentions(doc, lex), lex)


@component("entities", reads=("doc",), adds=("entities",))
def entities_component(doc: Doc, article: Article) -> None:
    """The pipeline component: ``article.entities`` from the parsed body."""
    article.entities = find_entities(doc)
