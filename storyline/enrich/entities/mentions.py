"""Name mentions in one article: the spaCy entities, repaired.

The statistical tagger's spans are taken as a start and corrected with
generic rules: forms of address ("Mr", "Sir") are kept inside the mention but
out of the name, titles glued to a name ("President Trump") move to the role,
possessives and curly apostrophes are cut off, people named only by a form of
address and a capitalised word ("Ms Von der Leyen") are added, single words
tagged as people that are place names in the gazetteer ("Kyiv") become places,
institution aliases ("No 10", "the EU") get their canonical names, and names
the tagger tagged once but missed elsewhere in the article are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span

from storyline.enrich.entities.lexicon import Lexicon, fold
from storyline.enrich.entities.roles import POSSESSIVE, role_before
from storyline.nlp import doc_text

KEPT_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_PARTICLES = frozenset(
    {"von", "van", "der", "den", "de", "da", "di", "du", "del", "la", "le", "al", "bin", "ibn"}
)
CONNECTORS = NAME_PARTICLES | {"of", "the", "and", "for", "on", "upon", "y", "&", "at", "e"}
SEPARATORS = frozenset({"-", "–", "—", "|", ":", "/", "•", "--"})
# time stamps glued to names in headlines ("11:00 GMT Wladimir Klitschko")
TIME_ZONES = frozenset(
    {
        "GMT",
        "UTC",
        "BST",
        "CET",
        "CEST",
        "EET",
        "IST",
        "EST",
        "EDT",
        "CST",
        "CDT",
        "MST",
        "MDT",
        "PST",
        "PDT",
        "ET",
        "PT",
        "AM",
        "PM",
        "AEST",
        "AEDT",
        "JST",
    }
)
SPEECH_VERBS = frozenset(
    {"say", "tell", "add", "argue", "claim", "insist", "warn", "write", "ask", "think", "believe"}
)


@dataclass(slots=True)
class Mention:
    start: int  # characters in doc.text, form of address included, possessive excluded
    end: int
    label: str
    name: str  # the name alone: no form of address, no possessive, no leading "the"
    tokens: tuple[str, ...]  # folded name words
    honorific: str | None = None
    role: str | None = None
    affiliation: str | None = None
    canonical: bool = False  # the name comes from the institution lexicon

    def surface(self, text: str) -> str:
        return text[self.start : self.end]


NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def name_words(name: str) -> tuple[str, ...]:
    """Folded words of a name without punctuation, possessive or "Jr" ("George W. Bush" -> george, w, bush)."""
    words = []
    for raw in fold(name).replace("-", " ").replace(",", " ").split():
        word = re.sub(r"'s$", "", raw).strip(".'\"()[]:;!?*@#&")
        if word and word not in NAME_SUFFIXES:
            words.append(word)
    return tuple(words)


def _trim(span: Span, lex: Lexicon) -> tuple[int, int, str | None]:
    """Token bounds without leading "the"/punctuation and trailing possessive/punctuation; the honorific."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_ == "the" or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].text in POSSESSIVE or doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    honorific = None
    if start < end and lex.is_honorific(doc[start].text) and end - start > 1:
        honorific = doc[start].text
    elif start > 0 and lex.is_honorific(doc[start - 1].text) and doc[start - 1].text[:1].isupper():
        start -= 1
        honorific = doc[start].text
    return start, end, honorific


def _strip_possessive(text: str) -> str:
    return re.sub(r"['’]s?$", "", text)


def _clip(text: str) -> str:
    """Cut a span at an unbalanced bracket glued on by the tokenizer ("Street(Jeff Moore")."""
    if "(" in text and ")" not in text:
        text = text[: text.index("(")]
    return text.strip()


def _looks_like_name(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and letters[0].isupper()


def _extend_particles(doc: Doc, end: int) -> int:
    """Carry a name over particles the tagger cut it at: "Ursula von" + "der Leyen"."""
    probe = end
    while probe < len(doc) and doc[probe].lower_ in NAME_PARTICLES and doc[probe].whitespace_:
        probe += 1
    if probe > end and probe < len(doc) and doc[probe].text[:1].isupper() and doc[probe].is_alpha:
        return probe + 1
    return end


def _person_from_tokens(
    doc: Doc, start: int, end: int, honorific: str | None, lex: Lexicon
) -> Mention | None:
    name_start = start + (1 if honorific else 0)
    end = _extend_particles(doc, end)
    role = affiliation = None
    # a title glued inside the tagged span: "President Trump", "Prime Minister Keir Starmer"
    for size in range(min(lex.max_role_words, end - name_start - 1), 0, -1):
        key = fold(doc[name_start : name_start + size].text)
        if key in lex.roles and doc[name_start].text[:1].isupper():
            role = lex.roles[key]
            name_start += size
            break
    if (
        name_start < end
        and honorific is None
        and lex.is_honorific(doc[name_start].text)
        and end - name_start > 1
    ):
        honorific = doc[name_start].text
        name_start += 1
        start = name_start - 1
    elif role is not None:
        start = name_start
    if name_start >= end:
        return None
    name = _clip(_strip_possessive(doc[name_start:end].text).strip())
    if not _looks_like_name(name):
        return None
    before = role_before(doc, start, lex)
    if before is not None:
        role = role or before.role or None
        affiliation = before.affiliation
    return Mention(
        start=doc[start].idx,
        end=doc[name_start].idx + len(name),
        label="PERSON",
        name=name,
        tokens=name_words(name),
        honorific=honorific,
        role=role,
        affiliation=affiliation,
    )


def _is_place_not_person(span: Span, lex: Lexicon, person_words: set[str]) -> bool:
    """A one-word "person" that the gazetteer knows as a place and nothing marks as a person."""
    # "pro-Ukraine" counts its capitalised word only
    words = [tok for tok in span if tok.text not in POSSESSIVE and tok.text[:1].isupper()]
    if len(words) != 1:
        return False
    word = words[0]
    if fold(word.text) not in lex.places or fold(word.text) in person_words:
        return False
    if span.start > 0 and lex.is_honorific(span.doc[span.start - 1].text):
        return False
    return not (word.dep_ == "nsubj" and word.head.lemma_ in SPEECH_VERBS)


def _addressed_people(doc: Doc, lex: Lexicon, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token spans "Mr/Ms/Sir + capitalised words" that no kept entity covers."""
    found = []
    i = 0
    while i < len(doc) - 1:
        tok = doc[i]
        if lex.is_honorific(tok.text) and tok.text[:1].isupper():
            end = i + 1
            while end < len(doc) and (
                (doc[end].text[:1].isupper() and doc[end].is_alpha)
                or (
                    doc[end].lower_ in NAME_PARTICLES
                    and end + 1 < len(doc)
                    and doc[end + 1].text[:1].isupper()
                )
            ):
                end += 1
            if end > i + 1 and not any(s < end and i < e for s, e in taken):
                found.append((i, end))
            i = end
        else:
            i += 1
    return found


@lru_cache(maxsize=4)
def _institution_pattern(lex: Lexicon) -> re.Pattern[str]:
    names = sorted(lex.institutions, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w]|\.\w)")


def _institutions(doc: Doc, lex: Lexicon) -> list[Mention]:
    found = []
    for match in _institution_pattern(lex).finditer(doc_text(doc)):
        span = doc.char_span(match.start(), match.end(), alignment_mode="strict")
        if span is None:
            continue
        name, label = lex.institutions[match.group(0)]
        text = match.group(0)
        start = match.start() + (4 if text.startswith("the ") else 0)
        found.append(Mention(start, match.end(), label, name, name_words(name), canonical=True))
    return found


def _one_line(span: Span) -> Span:
    """The longest line of a span the tagger ran across a line break ("Jags\nQuarterback Peyton Manning")."""
    if "\n" not in span.text:
        return span
    parts: list[Span] = []
    start = span.start
    for tok in span:
        if "\n" in tok.text or "\n" in tok.whitespace_:
            end = tok.i if "\n" in tok.text else tok.i + 1
            if end > start:
                parts.append(span.doc[start:end])
            start = tok.i + 1
    if span.end > start:
        parts.append(span.doc[start : span.end])
    if not parts:
        return span
    best = max(parts, key=len)
    return Span(span.doc, best.start, best.end, label=span.label_)


def _missed(doc: Doc, mentions: list[Mention], lex: Lexicon) -> list[Mention]:
    """Occurrences of the article's names that the tagger left out ("Thompson hit him" after
    "Tony Thompson"): a person's full name or surname, or another entity's name, written
    with capitals where no entity of any kind stands."""
    keys: dict[tuple[str, ...], str] = {}
    for m in mentions:
        if not m.tokens:
            continue
        if m.label == "PERSON" and len(m.tokens) > 1:
            keys.setdefault(m.tokens, "PERSON")
            if m.tokens[-1] not in lex.places and len(m.tokens[-1]) > 2:
                keys.setdefault(m.tokens[-1:], "PERSON")
        elif m.label != "PERSON" and not m.canonical and (len(m.tokens) > 1 or len(m.tokens[0]) > 2):
            keys.setdefault(m.tokens, m.label)
    if not keys:
        return []
    longest = max(map(len, keys))
    busy = [False] * len(doc)
    for ent in doc.ents:
        for i in range(ent.start, ent.end):
            busy[i] = True
    for m in mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        for i in range(span.start, span.end) if span is not None else ():
            busy[i] = True
    # a capitalised word where no entity stands; ``run[i]``: how many such words start at i
    free = [not busy[t.i] and t.is_alpha and t.text[:1].isupper() for t in doc]
    run = [0] * (len(doc) + 1)
    for i in range(len(doc) - 1, -1, -1):
        run[i] = run[i + 1] + 1 if free[i] else 0
    folded: dict[int, str] = {}
    found = []
    i = 0
    while i < len(doc):
        hit = None
        for size in range(min(longest, run[i]), 0, -1):
            words = tuple(folded.setdefault(j, fold(doc[j].text)) for j in range(i, i + size))
            if words in keys:
                hit = (doc[i : i + size], keys[words])
                break
        if hit is None:
            i += 1
            continue
        toks, label = hit
        start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        found.append(Mention(start, end, label, toks.text, name_words(toks.text)))
        i += len(toks)
    return found


def _segments(doc: Doc, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """A tagged span cut at words no name holds: lower-case words other than particles
    ("Colts beat Chiefs", "Thompson in"), separators standing alone ("Red Sox - Teixeira"),
    time zones ("GMT Wladimir Klitschko") and "and" between people ("Lopez and Carrasquillo")."""
    cuts = []
    for i in range(start, end):
        tok = doc[i]
        spaced = bool(tok.whitespace_) or (i > 0 and bool(doc[i - 1].whitespace_))
        separator = (tok.text in SEPARATORS and spaced) or tok.text in TIME_ZONES
        lower = tok.is_alpha and tok.text.islower() and tok.lower_ not in CONNECTORS
        if separator or lower or (label == "PERSON" and tok.lower_ in {"and", "&"}):
            cuts.append(i)
    if not cuts:
        return [(start, end)]
    found = []
    for a, b in zip([start - 1, *cuts], [*cuts, end], strict=True):
        a += 1
        while a < b and (doc[a].lower_ in CONNECTORS or doc[a].is_punct):
            a += 1
        while b > a and (doc[b - 1].lower_ in CONNECTORS or doc[b - 1].is_punct):
            b -= 1
        if any(t.is_alpha and t.text[:1].isupper() for t in doc[a:b]):
            found.append((a, b))
    return found


def _mention(
    span: Span, start: int, end: int, label: str, honorific: str | None, lex: Lexicon, person_words: set[str]
) -> Mention | None:
    """The mention of one tagged span (tokens ``start:end`` of its document)."""
    doc = span.doc
    if label == "PERSON":
        if not _is_place_not_person(span, lex, person_words):
            return _person_from_tokens(doc, start, end, honorific, lex)
        label = "GPE"
    text = _clip(_strip_possessive(doc[start:end].text).strip())
    if not _looks_like_name(text):
        return None
    if label in PLACE_LABELS and fold(text) in lex.demonyms and fold(text) not in lex.places:
        label = "NORP"  # "Ukrainian territory" tagged as a place
    begin = doc[start].idx
    canonical = lex.canonical(text)
    return Mention(begin, begin + len(text), label, canonical, name_words(canonical))


def find_mentions(doc: Doc, lex: Lexicon) -> list[Mention]:
    """Every name mention in the document, repaired, in text order."""
    institutions = _institutions(doc, lex)
    inst_spans = [(m.start, m.end) for m in institutions]
    ents = [ent for ent in doc.ents if ent.label_ in KEPT_LABELS or ent.label_ in {"LAW", "EVENT"}]
    person_words: set[str] = set()
    for ent in ents:
        if ent.label_ == "PERSON" and len([t for t in ent if t.is_alpha and t.text[:1].isupper()]) > 1:
            person_words.update(name_words(ent.text))
    mentions: list[Mention] = list(institutions)
    taken = []
    for ent in map(_one_line, ents):
        if any(s < ent.end_char and ent.start_char < e for s, e in inst_spans):
            taken.append((ent.start, ent.end))
            continue
        start, end, honorific = _trim(ent, lex)
        if start >= end:
            continue
        label = ent.label_
        if honorific is not None and label != "PERSON":
            label = "PERSON"  # "Mr Witkoff" tagged as an organisation
        if label not in KEPT_LABELS:
            continue
        taken.append((start, end))
        for seg_start, seg_end in _segments(doc, start, end, label):
            part = ent if (seg_start, seg_end) == (start, end) else doc[seg_start:seg_end]
            mention = _mention(
                part, seg_start, seg_end, label, honorific if seg_start == start else None, lex, person_words
            )
            if mention is not None:
                mentions.append(mention)
    for start, end in _addressed_people(doc, lex, taken):
        mention = _person_from_tokens(doc, start, end, doc[start].text, lex)
        if mention is not None:
            mentions.append(mention)
    mentions.extend(_missed(doc, mentions, lex))
    mentions.sort(key=lambda m: (m.start, -m.end))
    kept: list[Mention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept
