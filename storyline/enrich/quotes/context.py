"""What the quote finders share: the article's quotation marks, paragraphs and speakers.

:class:`QuoteContext` holds one parsed article with its quoted passages
(:mod:`storyline.enrich.quotes.marks`) and a
:class:`~storyline.enrich.quotes.speakers.SpeakerResolver`; the functions below find
the speaker of a verb of saying and build :class:`~storyline.article.Quote` records.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.tokens import Doc, Token

from storyline.article import Entity, Quote
from storyline.enrich.quotes.cues import SPEECH_FORMS, SPEECH_VERBS, find_medium
from storyline.enrich.quotes.marks import find_quoted
from storyline.enrich.quotes.speakers import (
    Speaker,
    SpeakerResolver,
    names_a_speaker,
    relative_antecedent,
    subject_of,
)
from storyline.nlp import doc_text, sentences

_PARAGRAPH = re.compile(r"[^\n]+")
_MEDIA_ORGS = frozenset({"ORG"})


class QuoteContext:
    """One parsed article: its quoted passages, paragraphs and speaker resolver."""

    def __init__(self, doc: Doc, entities: list[Entity]) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.passages = find_quoted(self.text)
        self.paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(self.text) if m.group().strip()]
        self.quoted = [seg for p in self.passages for seg in p.segments]
        # 1 for every character of a quotation, its marks included
        self._in_quote = bytearray(len(self.text) + 1)
        for s, e in self.quoted:
            self._in_quote[max(0, s - 1) : e + 1] = b"\x01" * (e + 1 - max(0, s - 1))
        self._starts = [sent.start_char for sent in sentences(doc)]
        self._ends = [sent.end_char for sent in sentences(doc)]
        self.resolver = SpeakerResolver(doc, entities, self._in_quote)
        # named speakers first, so that a pronoun can go to one named later in the parse order
        for tok in doc:
            if is_cue(tok) and tok.dep_ not in ("ccomp", "xcomp") and not self.inside_quote(tok.idx):
                head = speaker_head(self, tok)
                if head is not None:
                    head = relative_antecedent(head) or head
                if head is not None and head.pos_ != "PRON" and not self.inside_quote(head.idx):
                    self.resolver.remember(self.resolver.resolve(head), head)

    def inside_quote(self, char: int) -> bool:
        return 0 <= char < len(self._in_quote) and self._in_quote[char] == 1

    def sentence_end_after(self, char: int) -> int | None:
        """The end of the first parsed sentence that ends after ``char``."""
        i = bisect_right(self._ends, char)
        return self._ends[i] if i < len(self._ends) else None

    def sentence_starts_in(self, lo: int, hi: int) -> list[int]:
        """Starts of the parsed sentences that begin in ``[lo, hi]``."""
        return self._starts[bisect_left(self._starts, lo) : bisect_right(self._starts, hi)]

    def paragraph_of(self, char: int) -> tuple[int, int]:
        for lo, hi in self.paragraphs:
            if lo <= char < hi or char == hi:
                return lo, hi
        return 0, len(self.text)

    def tokens(self, start: int, end: int) -> list[Token]:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return list(span) if span is not None else []


def is_cue(tok: Token) -> bool:
    return (tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in SPEECH_VERBS) or tok.lower_ == "according"


def mistagged_cue(tok: Token) -> bool:
    """A verb of saying that the tagger took for a noun after its subject: '“...,” the editorial read.'"""
    return (
        tok.pos_ in ("NOUN", "PROPN", "ADJ")
        and tok.lower_ in SPEECH_FORMS
        and tok.i > 0
        and tok.doc[tok.i - 1].pos_ in ("NOUN", "PROPN", "ADJ", "PRON")
    )


def speaker_head(ctx: QuoteContext, cue: Token) -> Token | None:
    if mistagged_cue(cue):
        return cue.doc[cue.i - 1]
    if cue.lower_ == "according":
        to = next((c for c in cue.children if c.lower_ == "to"), None)
        if to is None:
            return None
        return next((c for c in to.children if c.dep_ == "pobj"), None)
    return _participle_object(cue) or subject_of(cue, lambda t: ctx.inside_quote(t.idx))


_OBJECT_PRONOUNS = frozenset({"him", "her", "them", "me", "us"})


def _participle_object(cue: Token) -> Token | None:
    """The person right before a participle of saying with no subject of its own ("the new video
    shows footage of Ana Ruiz asking, “...”", "a clip shows him saying ..."): the one who speaks, not the
    subject of the clause the participle hangs from.  A comma between them ("X praised Y,
    saying ...") or a speaker as that subject ("X thanked Y saying ...") leaves the participle
    to that subject."""
    if cue.tag_ != "VBG" or cue.i == 0 or cue.dep_ not in ("advcl", "acl", "xcomp", "ccomp"):
        return None
    if any(c.dep_ in ("nsubj", "nsubjpass") for c in cue.children):
        return None
    before = cue.doc[cue.i - 1]
    if before.dep_ not in ("pobj", "dobj") or before.head.i >= cue.i:
        return None
    if not (before.ent_type_ == "PERSON" or before.lower_ in _OBJECT_PRONOUNS):
        return None
    # "Ana Ruiz thanked Tom Reyes saying ...": a speaker as the subject keeps the participle
    outer = subject_of(cue.head) if cue.head.i != cue.i else None
    return None if outer is not None and can_speak(outer) else before


def cue_text(cue: Token) -> str:
    return "according to" if cue.lower_ == "according" else cue.text


SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "i", "we"})


def can_speak(head: Token) -> bool:
    """A subject that can be a speaker: a name, a person pronoun, a person or an organisation."""
    return names_a_speaker(head) or head.lower_ in SPEAKER_PRONOUNS


def medium_of(ctx: QuoteContext, cue: Token) -> str | None:
    for child in cue.children:
        if (
            child.dep_ in ("dobj", "dative", "iobj")
            and cue.lemma_ == "tell"
            and (child.ent_type_ in _MEDIA_ORGS or (child.text.isupper() and len(child.text) > 1))
        ):
            return " ".join(w for w in [t.text for t in child.subtree] if w.lower() != "the")
    lo = ctx.resolver.sent_start[cue.i]
    hi = lo
    while hi < len(ctx.doc) and ctx.resolver.sent_start[hi] == lo:
        hi += 1
    frame = "".join(t.text_with_ws if not ctx.inside_quote(t.idx) else " " for t in ctx.doc[lo:hi])
    return find_medium(frame)


def has_speaker(ctx: QuoteContext, cue: Token) -> bool:
    head = speaker_head(ctx, cue)
    if head is None or ctx.inside_quote(head.idx):
        return False
    return "\n" not in ctx.text[min(head.idx, cue.idx) : max(head.idx, cue.idx)]  # not across paragraphs


def speaker_of(ctx: QuoteContext, cue: Token) -> Speaker | None:
    if not has_speaker(ctx, cue):
        return None
    head = speaker_head(ctx, cue)
    assert head is not None
    speaker = ctx.resolver.resolve(head)
    ctx.resolver.remember(speaker, head)
    return speaker


def make_quote(
    ctx: QuoteContext, start: int, end: int, speaker: Speaker | None, cue: Token | None, indirect: bool
) -> Quote:
    return Quote(
        text=ctx.text[start:end],
        start=start,
        end=end,
        speaker_mention=speaker.mention if speaker else None,
        speaker_span=speaker.span if speaker else None,
        speaker_id=speaker.id if speaker else None,
        speaker_name=speaker.name if speaker else None,
        cue=cue_text(cue) if cue is not None else None,
        medium=medium_of(ctx, cue) if cue is not None else None,
        indirect=indirect,
    )
