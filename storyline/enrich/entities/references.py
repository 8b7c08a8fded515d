"""References to the people of one article by description, relative pronoun and pronoun.

Once names and roles are grouped into people (:mod:`storyline.enrich.entities`),
four readings of the spaCy parse add mentions to them:

1. descriptions given with a name: a noun before it ("actress Lindsay Lohan",
   "the heavyweight champion Wladimir Klitschko"), in apposition ("Pierre
   Thomas, the Saints' leading rusher"; "a spokeswoman, Christine Monaco") or
   after a copula ("Lohan is an actress");
2. later definite uses of a description that only one person was given ("the
   champion", "the actress's rep", "her lawyer"), or the same noun capitalised
   in a headline ("Actress Dies");
3. "who" opening a clause on a person ("Lohan, who has been there before");
4. third-person pronouns (he, him, his, himself; she, her, hers, herself): the
   person of compatible gender mentioned most recently within two sentences,
   the subject of that sentence first; a reflexive goes to the subject of its
   own sentence, an object pronoun never to the subject of its own verb
   ("Thompson hit him").  Gender comes from forms of address and gendered nouns
   ("Mrs", "actress"), then from the pronouns already resolved.  A pronoun is
   left alone when an unnamed person of that gender ("a woman") was mentioned
   after the candidate.

Only mentions are added; names and aliases stay as they were.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from storyline.enrich.entities.lexicon import Lexicon
from storyline.enrich.entities.mentions import SPEECH_VERBS
from storyline.nlp import sentences

WINDOW = 2  # sentences a pronoun looks back
PRONOUNS = {
    "he": "m",
    "him": "m",
    "his": "m",
    "himself": "m",
    "she": "f",
    "her": "f",
    "hers": "f",
    "herself": "f",
}
REFLEXIVES = frozenset({"himself", "herself"})
RELATIVES = frozenset({"who", "whom", "whose"})
SUBJECTS = frozenset({"nsubj", "nsubjpass"})
OBJECTS = frozenset({"dobj", "iobj", "dative"})
DEFINITE = frozenset({"the", "this", "that"})
TAKEN = -2  # a token of another kind of entity
OPENING = frozenset({"“", "``", "«"})
CLOSING = frozenset({"”", "''", "»"})


@dataclass(slots=True)
class Referent:
    """One person of the article: where it is named, its gender, and what this module adds."""

    spans: list[tuple[int, int]]  # characters of its names and role mentions
    gender: str | None = None  # "m" | "f"
    found: list[tuple[int, int]] = field(default_factory=list)
    role: str | None = None  # canonical role ("President")
    affiliation: str | None = None  # what the role is of ("Ukraine")


class _Article:
    def __init__(
        self,
        doc: Doc,
        people: list[Referent],
        taken: list[tuple[int, int]],
        lex: Lexicon,
        headlines: list[tuple[int, int]],
    ) -> None:
        self.doc = doc
        self.people = people
        self.lex = lex
        self.owner = [-1] * len(doc)
        self.positions: list[list[int]] = [[] for _ in people]
        self.sentence = [0] * len(doc)
        self.sentences = [(sent.start, sent.end) for sent in sentences(doc)]
        for number, sent in enumerate(sentences(doc)):
            for i in range(sent.start, sent.end):
                self.sentence[i] = number
        self.quoted = _quoted(doc)
        self.headline = [False] * len(doc)
        for start, end in headlines:
            for tok in self._tokens(start, end):
                self.headline[tok.i] = True
        for start, end in taken:
            for tok in self._tokens(start, end):
                self.owner[tok.i] = TAKEN
        for index, person in enumerate(people):
            for start, end in person.spans:
                for tok in self._tokens(start, end):
                    self.owner[tok.i] = index
                    insort(self.positions[index], tok.i)

    def _tokens(self, start: int, end: int) -> list[Token]:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return list(span) if span is not None else []

    def person_of(self, tok: Token) -> int:
        return self.owner[tok.i]

    def add(self, tok: Token, index: int) -> None:
        self.owner[tok.i] = index
        insort(self.positions[index], tok.i)
        self.people[index].found.append((tok.idx, tok.idx + len(tok.text)))

    def last_before(self, index: int, i: int) -> int:
        positions = self.positions[index]
        at = bisect_left(positions, i)
        return positions[at - 1] if at else -1


def _quoted(doc: Doc) -> list[bool]:
    """Which tokens stand inside quotation marks (a paragraph break closes every quote)."""
    flags = [False] * len(doc)
    inside = False
    for tok in doc:
        text = tok.text.strip()
        if not text or "\n" in tok.text:
            inside = inside and "\n" not in tok.text
            continue
        if text in OPENING or (text == '"' and not inside):
            inside = True
        elif text in CLOSING or text == '"':
            inside = False
        else:
            flags[tok.i] = inside
        if "\n" in tok.whitespace_:
            inside = False
    return flags


def _describes_a_person(tok: Token, lex: Lexicon) -> bool:
    """A singular common noun that can describe a person ("actress", "champion"), or a title."""
    if not tok.is_alpha or len(tok.text) < 2 or tok.tag_ not in {"NN", "NNP"}:
        return False
    if tok.pos_ == "NOUN":
        return True
    return tok.pos_ == "PROPN" and (tok.lower_ in lex.roles or lex.gender_of(tok.text) is not None)


def _key(tok: Token) -> str:
    return tok.lemma_.lower() if tok.pos_ == "NOUN" else tok.lower_


def _described_person(article: _Article, tok: Token) -> int:
    """The person a description is given with, or -1."""
    head = tok.head
    modifies = tok.dep_ in {"compound", "amod"} and tok.i < head.i
    if (modifies or tok.dep_ == "appos") and head.i != tok.i and article.person_of(head) >= 0:
        return article.person_of(head)
    for child in tok.children:
        if child.dep_ == "appos" and article.person_of(child) >= 0:
            return article.person_of(child)
    if tok.dep_ == "attr" and head.lemma_ == "be":
        subjects = [c for c in head.children if c.dep_ in SUBJECTS and article.person_of(c) >= 0]
        if len(subjects) == 1:
            return article.person_of(subjects[0])
    return -1


def _descriptions(article: _Article) -> dict[str, set[int]]:
    described: dict[str, set[int]] = {}
    for tok in article.doc:
        if article.owner[tok.i] != -1 or not _describes_a_person(tok, article.lex):
            continue
        index = _described_person(article, tok)
        if index < 0:
            continue
        article.add(tok, index)
        described.setdefault(_key(tok), set()).add(index)
        person = article.people[index]
        person.gender = person.gender or article.lex.gender_of(tok.text)
    return described


def _is_definite(article: _Article, tok: Token) -> bool:
    lefts = list(tok.lefts)
    if any(t.lower_ in {"a", "an", "another", "one", "every", "each", "any"} for t in lefts):
        return False
    if any(t.dep_ == "det" and t.lower_ in DEFINITE for t in lefts) or any(t.dep_ == "poss" for t in lefts):
        return True
    return tok.text[:1].isupper() and (article.headline[tok.i] or not tok.is_sent_start)  # "Actress Dies"


def _possessor(tok: Token) -> Token | None:
    """The pronoun that owns a noun ("his brother"), if any."""
    return next((t for t in tok.lefts if t.dep_ == "poss" and t.pos_ == "PRON"), None)


def _definite_uses(article: _Article, described: dict[str, set[int]], after_pronouns: bool = False) -> None:
    """Definite uses of a description only one person was given.

    One owned by a pronoun ("his brother") waits until pronouns are resolved, and is
    never the pronoun's own person.
    """
    for tok in article.doc:
        if article.owner[tok.i] != -1 or not _describes_a_person(tok, article.lex):
            continue
        holders = described.get(_key(tok), set())
        if len(holders) != 1 or not _is_definite(article, tok):
            continue
        holder = next(iter(holders))
        possessor = _possessor(tok)
        if possessor is None:
            ready = not after_pronouns
        else:
            ready = after_pronouns and article.person_of(possessor) not in {holder, -1}
        if ready:
            article.add(tok, holder)


def _headline_people(article: _Article) -> None:
    """A gendered noun in a headline ("Woman Killed In Queens") for the article's main person of that gender."""
    counts = [len(p.spans) for p in article.people]
    for tok in article.doc:
        if not article.headline[tok.i] or article.owner[tok.i] != -1 or not tok.text[:1].isupper():
            continue
        gender = article.lex.gender_of(tok.text)
        if gender is None or not _describes_a_person(tok, article.lex) or not _is_definite(article, tok):
            continue
        ranked = sorted(
            ((counts[i], i) for i, p in enumerate(article.people) if p.gender == gender), reverse=True
        )
        if ranked and (len(ranked) == 1 or ranked[0][0] > 2 * ranked[1][0]):
            article.add(tok, ranked[0][1])


def _relatives(article: _Article) -> None:
    for tok in article.doc:
        if tok.lower_ not in RELATIVES or article.owner[tok.i] != -1:
            continue
        clause = tok.head if tok.head.dep_ == "relcl" else tok.head.head
        if clause.dep_ == "relcl" and article.person_of(clause.head) >= 0:
            article.add(tok, article.person_of(clause.head))


def _is_subject(tok: Token) -> bool:
    return tok.dep_ in SUBJECTS or (tok.dep_ in {"compound", "flat"} and tok.head.dep_ in SUBJECTS)


def _subject_of_verb(article: _Article, index: int, verb: Token) -> bool:
    return any(c.dep_ in SUBJECTS and article.person_of(c) == index for c in verb.children)


def _blocked(article: _Article, after: int, before: int, gender: str) -> bool:
    """Someone else between the candidate and the pronoun: an unnamed person of this gender
    ("a woman", "the girl") or a proper-noun subject that is none of the article's people."""
    for tok in article.doc[after + 1 : before]:
        if article.owner[tok.i] != -1:
            continue
        if tok.pos_ == "NOUN" and tok.tag_ == "NN" and article.lex.gender_of(tok.text) == gender:
            return True
        if tok.pos_ == "PROPN" and tok.dep_ in SUBJECTS and tok.ent_type_ in {"", "PERSON"}:
            return True
    return False


def _speakers(article: _Article, sentence: int) -> set[int]:
    """People who speak (subjects of "say", "tell" ...) in a sentence or next to it."""
    found = set()
    first = article.sentences[max(0, sentence - 1)][0]
    last = article.sentences[min(len(article.sentences) - 1, sentence + 1)][1]
    for tok in article.doc[first:last]:
        index = article.owner[tok.i]
        if (
            index >= 0
            and tok.dep_ in SUBJECTS
            and tok.head.lemma_ in SPEECH_VERBS
            and not article.quoted[tok.i]
        ):
            found.add(index)
    return found


Candidate = tuple[int, bool, int, int]  # sentence of the last mention, a subject there, its position, person


def _candidates(article: _Article, tok: Token, gender: str) -> list[Candidate]:
    here = article.sentence[tok.i]
    speakers = _speakers(article, here) if article.quoted[tok.i] else set()
    found = []
    for index, person in enumerate(article.people):
        if person.gender not in (None, gender) or index in speakers:
            continue  # a quote's speaker says "I", not "he"
        last = article.last_before(index, tok.i)
        if last < 0 or here - article.sentence[last] > WINDOW:
            continue
        sentence = article.sentence[last]
        if tok.lower_ in REFLEXIVES and sentence != here:
            continue
        if (
            tok.dep_ in OBJECTS
            and tok.lower_ not in REFLEXIVES
            and _subject_of_verb(article, index, tok.head)
        ):
            continue  # "Thompson hit him": not Thompson
        in_sentence = [p for p in article.positions[index] if p < tok.i and article.sentence[p] == sentence]
        subject = any(_is_subject(article.doc[p]) for p in in_sentence)
        found.append((sentence, subject, last, index))
    return found


def _antecedent(article: _Article, tok: Token, gender: str) -> int:
    candidates = _candidates(article, tok, gender)
    if not candidates:
        return -1
    best = max(candidates)
    return -1 if _blocked(article, best[2], tok.i, gender) else best[3]


def _learn_genders(article: _Article, pronouns: list[tuple[Token, str]]) -> None:
    """A person of unknown gender takes the gender of the pronouns that can only mean them."""
    votes: list[Counter[str]] = [Counter() for _ in article.people]
    for tok, gender in pronouns:
        candidates = _candidates(article, tok, gender)
        if len(candidates) == 1:
            votes[candidates[0][3]][gender] += 1
    for person, counts in zip(article.people, votes, strict=True):
        if person.gender is None and counts:
            gender, n = counts.most_common(1)[0]
            if 3 * n >= 2 * sum(counts.values()):
                person.gender = gender


def _pronouns(article: _Article) -> None:
    pronouns = [
        (tok, PRONOUNS[tok.lower_])
        for tok in article.doc
        if tok.lower_ in PRONOUNS and tok.pos_ == "PRON" and article.owner[tok.i] == -1
    ]
    _learn_genders(article, pronouns)
    for tok, gender in pronouns:
        index = _antecedent(article, tok, gender)
        if index >= 0:
            article.add(tok, index)
            person = article.people[index]
            person.gender = person.gender or gender


def _role_phrase(tok: Token, lex: Lexicon) -> tuple[str | None, str | None] | None:
    """(role, country) a definite description asks for: "the US president" -> (President, United
    States), "the Ukrainian leader" -> (Leader, Ukraine), "the Ukrainian" -> (None, Ukraine);
    None when ``tok`` heads no such description."""
    if not any(t.dep_ == "det" and t.lower_ in DEFINITE for t in tok.lefts):
        return None
    if any(t.dep_ == "poss" for t in tok.lefts):
        return None
    country: str | None = None
    words = [tok.lower_]
    for left in tok.lefts:
        if left.dep_ in ("amod", "compound", "nmod"):
            found = lex.country_of(left.text)
            if found is not None:
                country = found
            elif left.i == tok.i - 1 or left.dep_ == "compound":
                words.insert(0, left.lower_)
    if tok.pos_ in ("NOUN", "PROPN") and tok.tag_ in ("NN", "NNP"):
        role = lex.roles.get(" ".join(words)) or lex.roles.get(tok.lower_)
        if role is not None:
            return role, country
    own = lex.country_of(tok.text)
    if own is not None and tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "appos") and tok.text[:1].isupper():
        return None, own  # "the Ukrainian described the talks as ..."
    return None


def _fits(lex: Lexicon, person: Referent, role: str | None, country: str | None) -> int:
    """2: the person's role and country say so; 1: nothing known contradicts it; 0: it cannot be them."""
    score = 1
    if country is not None and person.affiliation is not None:
        if lex.country_of(person.affiliation) != country and person.affiliation != country:
            return 0
        score = 2
    if role is not None and person.role is not None:
        if not lex.roles_compatible(role, person.role):
            return 0
        score = max(score, 2) if country is None or person.affiliation is not None else score
    return score


def _role_descriptions(article: _Article) -> None:
    """ "the US president", "the Ukrainian leader", "the Ukrainian": the one person whose role and
    country say so; failing that, the nearest person named in the two sentences before whom
    nothing known contradicts."""
    for tok in article.doc:
        if article.owner[tok.i] not in (-1, TAKEN) or article.quoted[tok.i]:
            continue
        wanted = _role_phrase(tok, article.lex)
        if wanted is None:
            continue
        if article.owner[tok.i] == TAKEN and wanted[0] is not None:
            continue
        role, country = wanted
        scores = [_fits(article.lex, person, role, country) for person in article.people]
        sure = [i for i, score in enumerate(scores) if score == 2]
        if len(sure) == 1:
            article.add(tok, sure[0])
            continue
        if sure:
            continue
        here = article.sentence[tok.i]
        near = [
            (article.last_before(i, tok.i), i)
            for i, score in enumerate(scores)
            if score == 1 and article.last_before(i, tok.i) >= 0
            and here - article.sentence[article.last_before(i, tok.i)] <= WINDOW
        ]
        if near and (role is not None or country is not None):
            article.add(tok, max(near)[1])


def resolve_references(
    doc: Doc,
    people: list[Referent],
    taken: list[tuple[int, int]],
    lex: Lexicon,
    headlines: list[tuple[int, int]] | None = None,
) -> None:
    """Add to each :class:`Referent`'s ``found`` the descriptions and pronouns that refer to it.

    ``taken`` holds the character spans of the article's other entities (never reused);
    ``headlines`` the title-cased stretches, where nouns are capitalised and go without "the".
    """
    if not people:
        return
    article = _Article(doc, people, taken, lex, headlines or [])
    described = _descriptions(article)
    _definite_uses(article, described)
    _relatives(article)
    _pronouns(article)
    _definite_uses(article, described, after_pronouns=True)
    _role_descriptions(article)
    _headline_people(article)


__all__ = ["Referent", "resolve_references"]
