"""Who is speaking: the subject of a cue verb, resolved to an entity or an institution.

A speaker is found as the mention at its place in the text ("he", "Mr Zelensky",
"a Downing Street spokesperson") and then resolved:

* a mention that overlaps one of the article's :class:`Entity` mentions is that entity;
* "he"/"she" go to the most recent compatible person, preferring the subjects of
  main clauses (gender comes from honorifics seen with that person: Mr, Sir, Ms ...);
* "they" goes to the most recent plural or institutional subject;
* a spokesperson, statement or readout of an institution speaks for the institution
  ("a Downing Street spokesperson" → Downing Street, "a statement released by the
  European Union" → European Union);
* a role such as "the Ukrainian leader" goes to the most recent person introduced
  with those title words ("Ukrainian President Volodymyr Zelensky");
* anything else keeps its own name when it is a proper name, or stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from storyline.article import Entity
from storyline.enrich.quotes.cues import INSTITUTION_ALIASES, SPEECH_VERBS, SPOKES_NOUNS
from storyline.enrich.quotes.mentions import OFFICE_SEATS, mention_tokens
from storyline.nlp import doc_text, sentences

MALE = frozenset({"mr", "mr.", "sir", "lord", "king", "prince", "he", "him", "his"})
FEMALE = frozenset({"ms", "ms.", "mrs", "mrs.", "miss", "dame", "lady", "queen", "princess", "she", "her"})
HONORIFICS = MALE | FEMALE | {"dr", "dr.", "president", "prime", "minister", "chancellor"}
# nouns naming a position held by one person ("the Ukrainian leader", "the PM")
ROLE_NOUNS = frozenset(
    [
        "president",
        "leader",
        "minister",
        "pm",
        "premier",
        "chancellor",
        "secretary",
        "envoy",
        "chief",
        "head",
        "governor",
        "mayor",
        "senator",
        "candidate",
        "nominee",
        "ambassador",
        "spokesman",
        "spokeswoman",
        "commissioner",
        "king",
        "queen",
        "general",
    ]
)
PERSON_PRONOUNS = frozenset({"he", "she"})
PLURAL_PRONOUNS = frozenset({"they"})
_SUBJECTS = ("nsubj", "nsubjpass", "csubj")
_INSTITUTION_TYPES = frozenset({"ORG", "GPE", "NORP", "FAC", "LOC"})
# what stands right before an inverted subject ('“...,” said X') or a subject after a quote
_INVERSION_AFTER = frozenset({"”", '"', "’", "'", "''"})
_AFTER_QUOTE = _INVERSION_AFTER | {","}


@dataclass(slots=True)
class Speaker:
    mention: str
    span: tuple[int, int]  # character offsets
    id: str | None
    name: str | None


def subject_of(verb: Token, skip: Callable[[Token], bool] | None = None) -> Token | None:
    """The subject of ``verb``, borrowed from the governing verb for participles and conjuncts.

    Subjects for which ``skip`` is true (inside the quotation, say) are passed over.
    """
    node: Token | None = verb
    for _ in range(3):
        if node is None:
            return None
        # the subject nearest the verb: the parser sometimes gives a parenthetical verb two
        # ("Voters, Clinton suggested, don't have to worry")
        here = node.i
        subjects = sorted(
            (c for c in node.children if c.dep_ in _SUBJECTS and not (skip is not None and skip(c))),
            key=lambda c: abs(c.i - here),
        )
        if subjects:
            return subjects[0]  # "who" in "Mr Ulyanov, who said ...": resolved to its antecedent
        agent = next((c for c in node.children if c.dep_ == "agent"), None)
        if agent is not None:
            pobj = next((c for c in agent.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
        if node.i == verb.i:
            inverted = _name_after_verb(verb)
            if inverted is not None:
                return inverted  # "“...?” asked Dunn, now a partner at ..."
        top = _reporting_verb(node)
        if top is not None:
            # "Lazar said he welcomed extradition and added, ...", "Trump argued that a database
            # would keep people out, saying ...", "Dalton signalled he thinks Canada might need to
            # cut tariffs, stating ...": the parser puts the second verb of saying in the reported
            # clause; it goes with the verb that reports the clause
            node = top
        elif node.dep_ == "acl" and node.tag_ == "VBG" and names_a_speaker(node.head):
            return node.head  # "Despite the White House criticising ...": the noun a participle modifies does it
        elif node.dep_ in ("advcl", "xcomp", "conj", "pcomp", "acl", "ccomp") and node.head.i != node.i:
            node = node.head
        else:
            return _person_before_verb(verb) or _name_after_verb(verb)
    return None


def names_a_speaker(noun: Token) -> bool:
    """A noun that can be the one who speaks: a name, a person or an organisation (pronouns aside)."""
    return noun.pos_ == "PROPN" or noun.ent_type_ in ("PERSON", "ORG", "NORP", "GPE")


_THINKING = frozenset({"think", "believe", "signal", "hint", "indicate", "feel", "hope", "fear"})


def _reporting_verb(node: Token) -> Token | None:
    """For a verb of saying joined to a reported clause (a conjunct or an adverbial clause of
    a clausal complement), the verb of saying or thinking at the top of the complements that
    reports that clause; None otherwise."""
    if node.dep_ not in ("conj", "advcl") or node.lemma_.lower() not in SPEECH_VERBS or node.head.dep_ != "ccomp":
        return None
    top = node.head
    for _ in range(4):
        if top.dep_ != "ccomp" or top.head.i == top.i:
            break
        top = top.head
    lemma = top.lemma_.lower()
    return top if lemma in SPEECH_VERBS or lemma in _THINKING else None


def relative_antecedent(tok: Token) -> Token | None:
    """What "who", "which" or "that" stands for when it opens a relative clause ("Mr Ulyanov, who said")."""
    if tok.tag_ not in ("WP", "WDT") or tok.head.dep_ != "relcl" or tok.head.head.i == tok.head.i:
        return None
    return tok.head.head


def _person_before_verb(verb: Token) -> Token | None:
    """For a verb the parser left without subject: the closest person named before it in its clause."""
    if verb.i > 1:
        prev, mark = verb.doc[verb.i - 1], verb.doc[verb.i - 2]
        if prev.text[:1].isupper() and prev.pos_ in ("PROPN", "AUX", "NOUN") and mark.text in _AFTER_QUOTE:
            return prev  # "“...,” Will wrote": a name the tagger took for a modal
    for tok in reversed(verb.doc[verb.sent.start : verb.i]):
        if tok.pos_ == "VERB" and tok.dep_ == "relcl":
            continue  # "Nate Silver, the polling guru who founded fivethirtyeight.com, tweeted"
        if tok.pos_ == "VERB" or tok.text in (":", ";") or "\n" in tok.text or tok.text in ("“", '"', "”"):
            return None
        if tok.ent_type_ == "PERSON" and tok.ent_iob_ in ("B", "I"):
            nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
            if nxt is None or nxt.ent_type_ != "PERSON" or nxt.ent_iob_ == "B":
                return tok
    return None


_NAME_POS = frozenset({"DET", "ADJ", "PROPN", "NOUN", "NUM", "PART", "VERB"})


def _name_after_verb(verb: Token) -> Token | None:
    """'“...,” said Oversight ranking Democrat Elijah Cummings': an inverted subject the parser missed.

    Only right after a closing quotation mark, and not when the words that follow are the
    subject of a clause of their own ("Witkoff, the envoy, said Mr Putin had agreed"); the
    head is the end of a person's name in those words, else the last noun before a
    preposition or punctuation.
    """
    doc = verb.doc
    if verb.lemma_.lower() not in SPEECH_VERBS or verb.tag_ not in ("VBD", "VBZ", "VBP", "VB"):
        return None  # not "..., telling reporters"
    prev = verb.i - 1
    while prev >= 0 and doc[prev].is_space:
        prev -= 1
    if prev < 0 or doc[prev].text not in _INVERSION_AFTER:
        return None
    run: list[Token] = []
    for tok in doc[verb.i + 1 : verb.i + 10]:
        if tok.ent_type_ in ("DATE", "TIME") and not run:
            return None
        if tok.is_punct or tok.is_space or (tok.pos_ not in _NAME_POS and tok.ent_type_ != "PERSON"):
            if tok.pos_ == "AUX":
                return None
            break
        if tok.pos_ == "VERB" and not run:
            return None
        run.append(tok)
    person = [t for t in run if t.ent_type_ == "PERSON"]
    if person:
        first = person[0]
        last = first
        for tok in run[run.index(first) + 1 :]:
            if tok.ent_type_ != "PERSON" or tok.ent_iob_ == "B":
                break
            last = tok
        return last
    nouns = [t for t in run if t.pos_ in ("NOUN", "PROPN")]
    return nouns[-1] if nouns else None


def _strip_det(words: list[str]) -> list[str]:
    while words and words[0].lower() in ("a", "an", "the", "this", "that", "one"):
        words = words[1:]
    return words


class SpeakerResolver:
    """Resolves speaker mentions in one document against its entities."""

    def __init__(self, doc: Doc, entities: list[Entity], quoted: bytearray | None = None) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.quoted = quoted if quoted is not None else bytearray(len(self.text) + 1)
        self.entities = entities
        self.person_ents = [e for e in doc.ents if e.label_ == "PERSON"]
        # index of the first token of each token's sentence
        self.sent_start = [0] * len(doc)
        for sent in sentences(doc):
            for i in range(sent.start, sent.end):
                self.sent_start[i] = sent.start
        self._by_char: list[tuple[int, int, Entity]] = sorted(
            ((s, e, ent) for ent in entities for s, e in ent.mentions), key=lambda x: x[0]
        )
        # people seen in the text, as (start, end, entity or None, name)
        self.people: list[tuple[int, int, Entity | None, str]] = []
        for s, e, ent in self._by_char:
            if ent.type == "PERSON":
                self.people.append((s, e, ent, ent.name))
        covered = {(s, e) for s, e, _ in self._by_char}
        for ent_span in self.person_ents:
            if not any(s < ent_span.end_char and ent_span.start_char < e for s, e in covered):
                self.people.append(
                    (ent_span.start_char, ent_span.end_char, None, self._full_name(ent_span.text))
                )
        self.people.sort(key=lambda x: x[0])
        self.gender: dict[str, str] = {}
        for s, e, person, name in self.people:
            before = self.text[max(0, s - 12) : s].split()
            first = self.text[s:e].split()
            word = first[0].lower() if first and first[0].lower() in MALE | FEMALE else ""
            word = word or (before[-1].lower() if before else "")
            key = person.id if person is not None else name
            if word in MALE:
                self.gender.setdefault(key, "m")
            elif word in FEMALE:
                self.gender.setdefault(key, "f")
        # speakers already found, as (position, id, name, gender, is_group)
        self.spoken: list[tuple[int, str | None, str, str | None, bool]] = []

    def remember(self, speaker: Speaker, head: Token) -> None:
        """Keep a resolved speaker as a candidate for later pronouns."""
        if speaker.name is None:
            return
        low = head.lower_
        if low in PERSON_PRONOUNS:
            said_by = "m" if low == "he" else "f"
            self.gender.setdefault(speaker.id or speaker.name, said_by)
            gender: str | None = said_by
        elif low in ("spokesman",):
            gender = "m"
        elif low in ("spokeswoman",):
            gender = "f"
        else:
            gender = self.gender.get(speaker.id or speaker.name)
            words = speaker.mention.split()
            if gender is None and words and words[0].lower() in MALE:
                gender = "m"
            elif gender is None and words and words[0].lower() in FEMALE:
                gender = "f"
        group = (
            low in PLURAL_PRONOUNS
            or head.tag_ in ("NNS", "NNPS")
            or (speaker.id is None and head.ent_type_ in _INSTITUTION_TYPES)
        )
        self.spoken.append((head.idx, speaker.id, speaker.name, gender, group))

    def sentences_back(self, i: int, n: int) -> int:
        """The first token of the sentence ``n`` sentences before the one holding token ``i``."""
        lo = self.sent_start[i]
        for _ in range(n):
            if lo > 0:
                lo = self.sent_start[lo - 1]
        return lo

    def _full_name(self, text: str) -> str:
        words = [w for w in text.split() if w.lower().strip(".") not in HONORIFICS]
        name = " ".join(words) if words else text
        if len(words) == 1:
            # a surname alone: the fullest earlier name ending in it
            for ent_span in self.person_ents:
                full = [w for w in ent_span.text.split() if w.lower().strip(".") not in HONORIFICS]
                if ent_span.label_ == "PERSON" and words[0] in full and len(full) > 1:
                    return " ".join(full)
        return name

    def entity_at(self, start: int, end: int, head: int | None = None) -> Entity | None:
        """The entity with a mention in ``start:end``; with ``head``, the one whose mention holds it."""
        best: Entity | None = None
        for s, e, ent in self._by_char:
            if s >= end:
                break
            if s < end and start < e:
                if head is not None and s <= head < e:
                    return ent
                best = best or ent
        return best if head is None else None

    def resolve(self, head: Token) -> Speaker:
        if head.dep_ == "case" and head.head.i != head.i:
            head = head.head  # "Mr Trump’s": the parser made the possessive mark the subject
        span = mention_tokens(head)
        mention = span.text
        char_span = (span.start_char, span.end_char)
        low = head.lower_
        antecedent = relative_antecedent(head)
        if antecedent is not None:
            meant = self.resolve(antecedent)
            return Speaker(mention, char_span, meant.id, meant.name)
        if head.pos_ == "PRON" or low in PERSON_PRONOUNS or low in PLURAL_PRONOUNS:
            if low in PERSON_PRONOUNS:
                found = self.person_before(head, "m" if low == "he" else "f")
                if found is not None:
                    return Speaker(mention, char_span, found[0], found[1])
            elif low in PLURAL_PRONOUNS:
                group = self.group_before(head)
                if group is not None:
                    return Speaker(mention, char_span, group[0], group[1])
            return Speaker(mention, char_span, None, None)
        for child in head.children:  # "her spokeswoman, Ana Ruiz, said": the name in apposition speaks
            if child.dep_ == "appos" and child.i > head.i:
                named = self.entity_at(child.idx, child.idx + len(child.text))
                if named is not None and named.type == "PERSON":
                    return Speaker(mention, char_span, named.id, named.name)
        # a spokesperson or statement speaks for its institution
        if head.lemma_.lower() in SPOKES_NOUNS or head.lower_ in SPOKES_NOUNS:
            owner = self._owner(head, span)
            if owner is not None:
                return Speaker(mention, char_span, owner[0], owner[1])
            people = [self.entity_at(t.idx, t.idx + 1) for t in span if t.i != head.i]
            seat = self._seat(next((p for p in people if p is not None and p.type == "PERSON"), None))
            if seat is not None:
                return Speaker(mention, char_span, seat.id, seat.name)  # "Sir Keir's official spokesman"
            if any(t.ent_type_ == "PERSON" for t in span if t.i != head.i) or any(p is not None for p in people):
                return Speaker(mention, char_span, None, None)  # a person's spokesman is not that person
        ent = self.entity_at(span.start_char, span.end_char, head.idx)
        if ent is None and head.pos_ == "PROPN":
            ent = self.entity_at(span.start_char, span.end_char)
        if ent is not None and (
            ent.type != "PERSON" or head.ent_type_ in ("PERSON", "") or head.pos_ == "PROPN"
        ):
            return Speaker(mention, char_span, ent.id, ent.name)
        words = _strip_det(mention.split())
        text = " ".join(words)
        alias = INSTITUTION_ALIASES.get(text.lower())
        if alias is not None:
            return Speaker(mention, char_span, self._id_named(alias), alias)
        if head.lower_ in ROLE_NOUNS and not any(t.ent_type_ == "PERSON" for t in span):
            role = self.role_before(span)
            return Speaker(mention, char_span, *(role if role is not None else (None, None)))
        if head.pos_ == "PROPN":
            person = next((e for e in self.person_ents if e.start <= head.i < e.end), None)
            if person is not None:
                return Speaker(mention, char_span, None, self._full_name(person.text))
            if words and words[0].lower().strip(".") in HONORIFICS:
                return Speaker(mention, char_span, None, self._full_name(text))
            return Speaker(mention, char_span, None, text)
        if head.tag_ in ("NNS", "NNPS") and any(
            t.ent_type_ in _INSTITUTION_TYPES or t.pos_ == "PROPN" for t in span
        ):
            return Speaker(mention, char_span, None, text)  # "European leaders"
        role = self.role_before(span)
        if role is not None:
            return Speaker(mention, char_span, role[0], role[1])
        return Speaker(mention, char_span, None, None)

    def _seat(self, person: Entity | None) -> Entity | None:
        """The office a leader's spokesperson speaks from, when the article names it: a prime
        minister's is Downing Street, a US president's the White House, and so on."""
        if person is None or person.role is None:
            return None
        seats = [seat for (role, country), seat in OFFICE_SEATS.items()
                 if role == person.role and (person.affiliation is None or person.affiliation == country)]
        named = [e for e in self.entities if e.name in seats]
        return named[0] if len(named) == 1 else None

    def _id_named(self, name: str) -> str | None:
        for ent in self.entities:
            if ent.name.lower() == name.lower() or name.lower() in (a.lower() for a in ent.aliases):
                return ent.id
        return None

    def _owner(self, head: Token, span: Span) -> tuple[str | None, str] | None:
        """The institution behind "a Downing Street spokesperson" or "a statement released by the EU"."""
        candidates: list[Span] = []
        before_head = [t for t in span if t.i < head.i and t.dep_ != "det"]
        if before_head:
            candidates.append(self.doc[before_head[0].i : head.i])  # "A No 10 readout"
        modifiers = [
            t for t in span if t.i != head.i and t.dep_ in ("compound", "poss", "amod", "nmod", "flat")
        ]
        if modifiers:
            lo = min(t.i for t in modifiers)
            hi = max(t.i for t in modifiers) + 1
            while hi > lo and self.doc[hi - 1].dep_ == "case":
                hi -= 1
            candidates.append(self.doc[lo:hi])
        for child in head.children:
            if child.dep_ in ("acl", "prep"):
                for tok in child.subtree:
                    if tok.dep_ == "pobj" and tok.head.lower_ in ("by", "from", "of"):
                        candidates.append(mention_tokens(tok))
        for cand in candidates:
            words = _strip_det(cand.text.split())
            text = " ".join(words)
            if not text:
                continue
            ent = self.entity_at(cand.start_char, cand.end_char)
            if ent is not None and ent.type != "PERSON":
                return ent.id, ent.name
            if ent is not None:
                return None  # a person's spokesman is not that person
            alias = INSTITUTION_ALIASES.get(text.lower())
            if alias is not None:
                return self._id_named(alias), alias
            if any(t.pos_ == "PROPN" for t in cand) and not any(t.ent_type_ == "PERSON" for t in cand):
                return None, text
        return None

    def person_before(self, tok: Token, gender: str) -> tuple[str | None, str] | None:
        """The most recent person compatible with ``gender``, preferring main-clause subjects."""
        window_start = self.sentences_back(tok.i, 3)
        lo_char = self.doc[window_start].idx
        candidates = [p for p in self.people if lo_char <= p[0] < tok.idx and not self.quoted[p[0]]]
        if not candidates:
            candidates = [p for p in self.people if p[0] < tok.idx and not self.quoted[p[0]]][-3:]
        best: tuple[int, int, str | None, str] | None = None  # score, position, id, name
        for p in candidates:
            s, _e, ent, name = p
            key = ent.id if ent is not None else name
            g = self.gender.get(key)
            if g is not None and g != gender:
                continue
            span = self.doc.char_span(s, _e, alignment_mode="expand")
            score = 0
            if span is not None:
                root = span.root
                if root.dep_ in _SUBJECTS:
                    score += 1
                    if root.head.dep_ == "ROOT":
                        score += 1
            cand = (score, s, ent.id if ent is not None else None, ent.name if ent is not None else name)
            if best is None or cand[:2] >= best[:2]:
                best = cand
        spoken_lo = self.doc[self.sentences_back(tok.i, 8)].idx
        for pos, sid, sname, sgender, group in self.spoken:
            if spoken_lo <= pos < tok.idx and not group and sgender in (None, gender):
                cand = (2, pos, sid, sname)
                if best is None or cand[:2] >= best[:2]:
                    best = cand
        if best is None:
            return None
        return best[2], best[3]

    def group_before(self, tok: Token) -> tuple[str | None, str] | None:
        """The most recent plural or institutional subject before ``tok`` within a few sentences."""
        lo = self.sentences_back(tok.i, 3)
        best: tuple[int, str | None, str] | None = None
        for cand in reversed(self.doc[lo : tok.i]):
            if cand.dep_ not in _SUBJECTS or cand.pos_ == "PRON" or self.quoted[cand.idx]:
                continue
            if cand.tag_ in ("NNS", "NNPS") or cand.ent_type_ in _INSTITUTION_TYPES:
                span = mention_tokens(cand)
                ent = self.entity_at(span.start_char, span.end_char, cand.idx)
                if ent is not None and ent.type != "PERSON":
                    best = (cand.idx, ent.id, ent.name)
                else:
                    best = (cand.idx, None, " ".join(_strip_det(span.text.split())))
                break
        lo_char = self.doc[lo].idx
        for pos, sid, sname, _g, group in self.spoken:
            if group and lo_char <= pos < tok.idx and (best is None or pos >= best[0]):
                best = (pos, sid, sname)
        return (best[1], best[2]) if best is not None else None

    def role_before(self, span: Span) -> tuple[str | None, str] | None:
        """A role ("the Ukrainian leader") matched to a person introduced with those title words."""
        words = {
            t.lower_
            for t in span
            if (t.pos_ in ("ADJ", "NOUN", "PROPN") and t.i != span.start) or t.pos_ == "ADJ"
        }
        words |= {t.lower_ for t in span if t.pos_ in ("NOUN", "PROPN")}
        if not words:
            return None
        best: tuple[int, tuple[str | None, str]] | None = None
        for s, _e, ent, name in self.people:
            if s >= span.start_char:
                break
            title = set(re.findall(r"[\w-]+", self.text[max(0, s - 40) : s].lower())[-4:])
            if ent is not None and ent.role:
                title |= set(ent.role.lower().split())
            hits = len(words & title)
            if hits and (best is None or hits >= best[0]):
                best = (hits, (ent.id, ent.name) if ent is not None else (None, name))
        return best[1] if best is not None else None
