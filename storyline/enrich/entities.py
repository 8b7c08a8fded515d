"""Entities of one article: people, organisations, places, one entity per referent.

:func:`find_entities` takes the spaCy ``Doc`` of an article body and returns
:class:`~storyline.article.Entity` objects whose ``mentions`` are exact
character spans into ``doc.text``.  The steps:

1. name mentions, repaired (:mod:`storyline.enrich.entity_mentions`);
2. people: every mention of one person joins one entity: longer names first,
   then shorter forms by word match ("Starmer" is the surname of "Keir
   Starmer", "Sir Keir" its first name); different first names stay apart and
   an ambiguous surname goes to the person mentioned most recently;
3. other names: grouped by canonical name, with short forms ("Promises") and
   acronyms ("IMF") joined to the one longer name they abbreviate;
4. role mentions ("the Prime Minister", "the US president"): joined to the one
   person who holds a compatible role (and affiliation, when the mention states
   one); among several, the most recently mentioned within a few sentences;
   an office nobody holds yet goes to the article's leading person without a
   role, when that person is clear.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from storyline.article import Entity
from storyline.enrich.entity_lexicon import Lexicon, fold, load_lexicon
from storyline.enrich.entity_mentions import PLACE_LABELS, Mention, find_mentions, name_words
from storyline.enrich.entity_references import Referent, resolve_references
from storyline.enrich.entity_roles import RoleSpan, affiliation_keys, role_mentions

RECENT_SENTENCES = 2
GENERIC_ROLES = frozenset({"Leader", "Chief"})
FIRST_NAME_HONORIFICS = frozenset({"sir", "dame", "lord", "lady"})
URL_LIKE = re.compile(r"https?:|www\.|\.html?\b|(?:/[^/\n]*){3}")
# words a title-cased headline leaves in lower case
TITLE_LOWER = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "vs",
        "via",
        "into",
        "up",
        "off",
        "over",
    }
)

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


def _headlines(doc: Doc) -> list[tuple[int, int]]:
    """Character bounds of title-cased stretches (headlines, captions), where tagged spans are unreliable.

    A stretch is a run of words on one line with no lowercase word but short
    function words ("of", "in"), at least four capitalised words, and among them
    (after the first) one that is no proper noun ("Checks Into", "Beat", "In")
    or four in capitals ("RED SOX MAKE HUGE OFFER"): a list of names in running
    text is not a headline.
    """
    found: list[tuple[int, int]] = []
    run: list[Token] = []

    def close() -> None:
        caps = [t for t in run if t.is_alpha and t.text[:1].isupper()]
        telling = [t for t in caps[1:] if len(t.text) > 1 and (t.is_stop or t.pos_ != "PROPN")]
        shouting = [t for t in caps if len(t.text) > 1 and t.text.isupper()]
        if len(caps) >= 4 and (telling or len(shouting) >= 4):
            found.append((run[0].idx, run[-1].idx + len(run[-1].text)))
        run.clear()

    for tok in doc:
        lower = tok.is_alpha and tok.text[:1].islower()
        if "\n" in tok.text or (lower and tok.lower_ not in TITLE_LOWER):
            close()
            continue
        if not tok.is_space and (run or not lower):
            run.append(tok)
        if "\n" in tok.whitespace_ or tok.text[-1:] in {".", "!", "?"}:
            close()
    close()
    return found


def _trim_to_known(
    mentions: list[Mention], text: str, headlines: list[tuple[int, int]], common: set[str]
) -> list[Mention]:
    """Cut spans glued to neighbouring words down to the names seen in the article.

    "Comedian Ellen DeGeneres" becomes "Ellen DeGeneres" when that name also
    stands on its own.  In a title-cased headline a span is cut into the names it
    holds when every other word is a common word of the article (``common``: words
    it writes in lower case): "Obama Overturns" -> "Obama", "Academy Picked Ellen
    DeGeneres" -> "Academy" + "Ellen DeGeneres", "Esther Williams - Esther Williams"
    -> twice "Esther Williams", each with the label the name has elsewhere; "Keir
    Starmer" keeps its first name even when "Starmer" alone is known.
    """

    def in_headline(m: Mention) -> bool:
        return any(s <= m.start < e for s, e in headlines)

    labels: dict[tuple[str, ...], str] = {}
    for m in mentions:
        if not in_headline(m):
            labels.setdefault(m.tokens, m.label)
    people = {m.tokens for m in mentions if m.label == "PERSON" and len(m.tokens) > 1 and not in_headline(m)}
    headline_known = dict(labels)
    for words in people:
        headline_known.setdefault(words[-1:], "PERSON")  # a surname
    for m in mentions:
        headline_known.setdefault(m.tokens, m.label)  # names inside headlines too ("Fred LaRue Dies")
    for words in [k for k in headline_known if len(k) == 1 and k[0] in TITLE_LOWER]:
        del headline_known[words]
    out: list[Mention] = []
    for mention in mentions:
        words = mention.tokens
        if len(words) < 2 or mention.honorific is not None or mention.canonical:
            out.append(mention)
            continue
        headline = in_headline(mention)
        if headline or len(words) >= 4:
            known = {k: v for k, v in headline_known.items() if k and k != words}
            names = {w for m in mentions if m.tokens != words for w in m.tokens} if headline else None
            parts = _cover(words, known, common, names)
            if parts:
                out.extend(_split(mention, text, parts, headline_known))
                continue
        if mention.label == "PERSON" and len(words) >= 3 and not headline:
            inner = [k for k in people if len(k) < len(words) and _contains(words, k)]
            if inner:
                out.extend(_split(mention, text, [max(inner, key=len)], labels))
                continue
        out.append(mention)
    return out


def _cover(
    words: tuple[str, ...],
    known: dict[tuple[str, ...], str],
    common: set[str],
    names: set[str] | None = None,
) -> list[tuple[str, ...]]:
    """The known names a span is made of, left to right; [] when it cannot be cut.

    Other words must be common words of the article.  With ``names`` (the name words
    of the article; used in headlines) any other word may go too ("Obama To Nominate
    Regina Benjamin"), except a name word, or a word that opens a name before a
    known surname, which may be a first name ("Keir" in "Keir Starmer").
    """
    parts: list[tuple[str, ...]] = []
    i = 0
    after_name = False
    while i < len(words):
        found = max((k for k in known if words[i : i + len(k)] == k), key=len, default=None)
        if found is not None:
            if after_name:
                return []  # two names side by side are one name ("Lindsay" + "Lohan")
            parts.append(found)
            i += len(found)
            after_name = True
            continue
        word = words[i]
        if not (word in common or word.rstrip("s") in common or word in TITLE_LOWER):
            if names is None or word in names:
                return []
            following = [k for k in known if len(k) == 1 and words[i + 1 : i + 2] == k]
            if not after_name and any(known[k] == "PERSON" for k in following):
                return []  # maybe a first name: "Keir Starmer"
        after_name = False
        i += 1
    return parts


def _split(
    mention: Mention, text: str, parts: list[tuple[str, ...]], labels: dict[tuple[str, ...], str]
) -> list[Mention]:
    """New mentions for ``parts`` of a mention's span, in order."""
    surface = text[mention.start : mention.end]
    found: list[Mention] = []
    offset = 0
    for part in parts:
        bounds = _locate(surface, part, offset)
        if bounds is None:
            return found or [mention]
        start, end = bounds
        offset = end
        found.append(
            Mention(
                mention.start + start,
                mention.start + end,
                labels.get(part, mention.label),
                surface[start:end],
                part,
                role=mention.role,
                affiliation=mention.affiliation,
            )
        )
    return found


def _common_words(doc: Doc) -> set[str]:
    """Words the article writes in lower case (and their forms without a final "s"), web addresses aside."""
    found: set[str] = set()
    for line in re.finditer(r"[^\n]+", doc.text):
        if URL_LIKE.search(line.group()):
            continue
        span = doc.char_span(line.start(), line.end(), alignment_mode="expand")
        for tok in span if span is not None else ():
            if tok.is_alpha and tok.text.islower():
                found.update((tok.text, tok.text.rstrip("s"), tok.lemma_.lower()))
    return found


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _locate(surface: str, part: tuple[str, ...], offset: int = 0) -> tuple[int, int] | None:
    """Character bounds of the words ``part`` inside ``surface`` (from ``offset`` on)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", surface) if m.start() >= offset]
    for i in range(len(spans)):
        for j in range(i + 1, len(spans) + 1):
            a, b = spans[i][0], spans[j - 1][1]
            chunk = surface[a:b]
            if name_words(chunk) == part:
                trimmed = re.sub(r"(['’]s?|[,;:!?\"”)])+$", "", chunk)
                lead = len(trimmed) - len(trimmed.lstrip("\"'“‘("))
                return a + lead, a + len(trimmed)
    return None


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
        group.label = max(set(labels), key=lambda lab: (labels.count(lab), lab == "ORG"))
    return merged


class _Sentences:
    def __init__(self, doc: Doc) -> None:
        self.starts = [sent.start_char for sent in doc.sents]

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
    text = doc.text
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
            [(m.start, m.end) for m in g.mentions] + [(s, e) for s, e, _ in g.role_spans], _gender(g, lex)
        )
        for g in people
    ]
    resolve_references(doc, referents, [(m.start, m.end) for g in others for m in g.mentions], lex, headlines)
    for group, referent in zip(people, referents, strict=True):
        group.references = referent.found


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
    headlines = _headlines(doc)
    mentions = _trim_to_known(mentions, doc.text, headlines, _common_words(doc))
    people = _group_people([m for m in mentions if m.label == "PERSON"], lex)
    others = _group_others([m for m in mentions if m.label != "PERSON"], lex.places)
    _attach_roles(doc, people, lex, [(m.start, m.end) for m in mentions])
    _attach_references(doc, people, others, lex, headlines)
    text = doc.text
    entities = [_to_entity(g, text) for g in people + others]
    entities.sort(key=lambda e: e.mentions[0])
    for number, entity in enumerate(entities, start=1):
        entity.id = f"e{number}"
    return entities


def find_entities(doc: Doc) -> list[Entity]:
    """People, organisations, places and groups named in ``doc``, one entity per referent.

    Offsets in ``Entity.mentions`` index ``doc.text``; ids are article-local ("e1", "e2", ...).
    """
    lex = load_lexicon()
    return entities_from_mentions(doc, find_mentions(doc, lex), lex)
