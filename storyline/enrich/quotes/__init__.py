"""Quotations in an article: direct and indirect, with speaker, cue and medium.

``find_quotes(doc, entities)`` reads a parsed article body and returns one
:class:`~storyline.article.Quote` per quotation:

1. **Direct quotes** (:mod:`storyline.enrich.quotes.direct`) are the passages inside quotation marks
   (:mod:`storyline.enrich.quotes.marks`), including quotes that run over several
   paragraphs and fragments inside a sentence. Short quoted phrases that no verb of
   saying governs ("the “coalition of the willing”") are scare quotes, not quotes.
2. The **attribution** of a direct quote is looked for, in order: a verb of saying
   that governs the quoted words in the parse; the attribution clause right after
   or before the quote in its paragraph ("“...,” he said." / "He said: “...”");
   the sentence ending in a colon that introduces a quote paragraph; and, for a
   quote paragraph with no attribution of its own, the speaker of the quote in
   the paragraph just before it (the news convention for a continued quote).
3. **Indirect quotes** (:mod:`storyline.enrich.quotes.indirect`) are clauses reported by a verb of saying
   ("Mr Trump said Moscow would accept ...") and sentences attributed with
   "according to X"; the content span is the reported clause.
4. The **speaker** is the subject of the cue verb, resolved by
   :class:`~storyline.enrich.quotes.speakers.SpeakerResolver`; when none is found,
   the speaker fields stay None.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc

from storyline.article import Article, Entity, Quote
from storyline.enrich.component import component
from storyline.enrich.quotes.context import QuoteContext
from storyline.enrich.quotes.direct import direct_quotes
from storyline.enrich.quotes.indirect import indirect_quotes

__all__ = ["find_quotes", "quotes_component", "quotes_in"]


def find_quotes(doc: Doc, entities: list[Entity]) -> list[Quote]:
    """Direct and indirect quotes in ``doc`` (a parsed article body), in text order."""
    ctx = QuoteContext(doc, entities)
    quotes = _fold_fragments(direct_quotes(ctx) + indirect_quotes(ctx))
    quotes.sort(key=lambda q: (q.start, q.indirect))
    return quotes


FRAGMENT_WORDS = 3


def _fold_fragments(quotes: list[Quote]) -> list[Quote]:
    """A few quoted words inside a reported sentence of the same speaker ("any ceasefire must be
    'just' and 'lasting'") are shown in that sentence, not alone: the fragment goes."""
    reported = [q for q in quotes if q.indirect]
    for quote in quotes:
        if quote.indirect or quote.speaker_span is None:
            continue
        for r in reported:
            if r.start <= quote.start and quote.end <= r.end and r.start <= quote.speaker_span[0] < r.end:
                # the "speaker" found stands inside the reported clause ("Leavitt said Witkoff is
                # continuing talks but that it was 'still up in the air'"): the reporter said it
                quote.speaker_mention, quote.speaker_span = r.speaker_mention, r.speaker_span
                quote.speaker_id, quote.speaker_name, quote.cue = r.speaker_id, r.speaker_name, r.cue
                break
    kept = []
    for quote in quotes:
        if not quote.indirect and len(quote.text.split()) <= FRAGMENT_WORDS and any(
            r.start <= quote.start and quote.end <= r.end
            and (r.speaker_name or r.speaker_mention) == (quote.speaker_name or quote.speaker_mention)
            for r in reported
        ):
            continue
        kept.append(quote)
    return kept


def quotes_in(docs: Iterable[tuple[Doc, list[Entity]]]) -> Iterable[list[Quote]]:
    """Stream :func:`find_quotes` over ``(doc, entities)`` pairs."""
    for doc, entities in docs:
        yield find_quotes(doc, entities)


@component("quotes", reads=("doc", "entities"), adds=("quotes",))
def quotes_component(doc: Doc, article: Article) -> None:
    """The pipeline component: ``article.quotes``, speakers linked to ``article.entities``."""
    article.quotes = find_quotes(doc, article.entities)
