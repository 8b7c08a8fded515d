"""Indirect quotes: what a verb of saying reports, and sentences "according to" someone.

"Mr Trump said Moscow would accept ..." gives the reported clause with Mr Trump as
speaker; "The talks will resume, according to Downing Street" gives the rest of the
sentence. A reported clause that is already a direct quote is not repeated.
"""

from __future__ import annotations

from spacy.tokens import Token

from storyline.article import Quote
from storyline.enrich.quote_context import QuoteContext, make_quote, speaker_of
from storyline.enrich.quote_cues import CLAUSE_VERBS

__all__ = ["indirect_quotes"]


def _clause_span(ctx: QuoteContext, toks: list[Token], lo: int, hi: int) -> tuple[int, int] | None:
    """The character span of the clause ``toks`` within the paragraph ``lo:hi``, or None."""
    toks = [t for t in toks if lo <= t.idx < hi]
    while toks and (toks[0].dep_ in ("mark", "punct") or toks[0].is_space):
        toks = toks[1:]
    while toks and (toks[-1].is_punct or toks[-1].is_space):
        toks = toks[:-1]
    if len(toks) < 2:
        return None
    start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    inside = sum(min(e, end) - max(s, start) for s, e in ctx.quoted if s < end and start < e)
    if inside >= 0.8 * (end - start):
        return None  # a direct quote already
    return start, end


def _reported_span(ctx: QuoteContext, verb: Token) -> tuple[int, int] | None:
    """The clause a verb of saying reports: its complement clause nearest after it, else before it.

    "Trump said he was suited"; "The question, she said, is not so simple" and "As
    Clyburn noted, those voters will ..." (the parser hangs the verb on the reported
    clause).
    """
    lo, hi = ctx.paragraph_of(verb.idx)
    clauses = [c for c in verb.children if c.dep_ == "ccomp" and lo <= c.idx < hi]
    clauses.sort(key=lambda c: (c.i < verb.i, abs(c.i - verb.i)))
    for clause in clauses:
        span = _clause_span(ctx, list(clause.subtree), lo, hi)
        if span is not None:
            return span
    as_clause = verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children)
    if not clauses and (verb.dep_ == "parataxis" or as_clause) and verb.head.pos_ in ("VERB", "AUX"):
        own = {t.i for t in verb.subtree}
        return _clause_span(ctx, [t for t in verb.head.subtree if t.i not in own], lo, hi)
    return None


def _according_span(ctx: QuoteContext, according: Token) -> tuple[int, int] | None:
    lo = ctx.resolver.sent_start[according.i]
    hi = lo
    while hi < len(ctx.doc) and ctx.resolver.sent_start[hi] == lo:
        hi += 1
    sent = ctx.doc[lo:hi]
    phrase = list(according.subtree)
    p_lo, p_hi = phrase[0].i, phrase[-1].i + 1
    before = [t for t in sent if t.i < p_lo and not t.is_punct]
    after = [t for t in sent if t.i >= p_hi and not t.is_punct]
    part = after if len(after) >= len(before) else before
    if len(part) < 3:
        return None
    return part[0].idx, part[-1].idx + len(part[-1].text)


def indirect_quotes(ctx: QuoteContext) -> list[Quote]:
    """Clauses reported by verbs of saying and sentences attributed with "according to"."""
    quotes: list[Quote] = []
    for tok in ctx.doc:
        if ctx.inside_quote(tok.idx):
            continue
        span: tuple[int, int] | None = None
        if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
            span = _according_span(ctx, tok)
        elif tok.pos_ == "VERB" and tok.lemma_.lower() in CLAUSE_VERBS:
            span = _reported_span(ctx, tok)
        if span is None:
            continue
        speaker = speaker_of(ctx, tok)
        if speaker is None:
            continue
        quotes.append(make_quote(ctx, span[0], span[1], speaker, tok, indirect=True))
    return quotes
