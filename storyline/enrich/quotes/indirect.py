"""Indirect quotes: what a verb of saying reports, and sentences "according to" someone.

"Mr Trump said Moscow would accept ..." gives the reported clause with Mr Trump as
speaker; "The talks will resume, according to Downing Street" gives the rest of the
sentence. A reported clause that is already a direct quote is not repeated.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from storyline.article import Quote
from storyline.enrich.quotes.context import QuoteContext, make_quote, speaker_head, speaker_of
from storyline.enrich.quotes.cues import (
    CLAUSE_VERBS,
    HEDGE_VERBS,
    INFINITIVE_VERBS,
    NAMING_VERBS,
    OBJECT_VERBS,
    PREPOSITION_CONTENT,
)

__all__ = ["indirect_quotes"]

_CLOSING = re.compile(r"[.,!?;:]?”")  # a closing quotation mark right after a clause (its stop inside)


def _clause_span(ctx: QuoteContext, toks: list[Token], lo: int, hi: int) -> tuple[int, int] | None:
    """The character span of the clause ``toks`` within the paragraph ``lo:hi``, or None.

    Punctuation at its ends goes, except a quotation mark whose partner the clause holds:
    "Putin was “fine with it.”" keeps its closing mark, "“intensive” work" its opening one."""
    toks = [t for t in toks if lo <= t.idx < hi]
    first, last = 0, len(toks)
    while first < last and (toks[first].dep_ in ("mark", "punct") or toks[first].is_space):
        first += 1
    while last > first and (toks[last - 1].is_punct or toks[last - 1].is_space):
        last -= 1
    if last - first < 2:
        return None
    start, end = toks[first].idx, toks[last - 1].idx + len(toks[last - 1].text)
    opens, closes = ctx.text.count("“", start, end), ctx.text.count("”", start, end)
    if opens > closes and (after := _CLOSING.match(ctx.text, end, hi)):
        end = after.end()
    elif closes > opens and start > lo and ctx.text[start - 1] == "“":
        start -= 1
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
    lo, hi = _bounds(ctx, verb)
    clauses = [c for c in verb.children if c.dep_ == "ccomp" and lo <= c.idx < hi]
    clauses.sort(key=lambda c: (c.i < verb.i, abs(c.i - verb.i)))
    who = speaker_head(ctx, verb)
    for clause in clauses:
        span = _clause_span(ctx, _without_other_report(clause), lo, hi)
        if span is not None and not (who is not None and span[0] <= who.idx < span[1]):
            return span  # (a "clause" holding the speaker is a misparse: "said Robert Reich, who ...")
    as_clause = verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children)
    if not clauses and (verb.dep_ == "parataxis" or as_clause) and verb.head.pos_ in ("VERB", "AUX"):
        own = {t.i for t in verb.subtree}
        return _clause_span(ctx, [t for t in verb.head.subtree if t.i not in own], lo, hi)
    return None


def _without_other_report(clause: Token) -> list[Token]:
    """The clause's words up to a report of someone else's that closes it: "said that taxes must
    fall, while one of her deputies said that ..." reports "taxes must fall" (the deputy's words are
    an attribution of their own).  A report that is the clause itself ("said that she said") stays."""
    words = list(clause.subtree)
    for tok in words:
        if (
            tok.i != clause.i
            and tok.dep_ in ("advcl", "conj")
            and tok.lemma_.lower() in CLAUSE_VERBS
            and any(c.dep_ == "nsubj" for c in tok.children)
            and tok.right_edge.i >= words[-1].i - 1
        ):
            kept = [t for t in words if t.i < tok.left_edge.i]
            while kept and (kept[-1].dep_ == "cc" or kept[-1].is_punct):
                kept.pop()  # "... in May and": the conjunction goes with the other report
            return kept
    return words


def _bounds(ctx: QuoteContext, verb: Token) -> tuple[int, int]:
    """The characters a reported clause may take: the verb's sentence, within its paragraph."""
    lo, hi = ctx.paragraph_of(verb.idx)
    start = ctx.resolver.sent_start[verb.i]
    end = verb.i
    while end < len(ctx.doc) and ctx.resolver.sent_start[end] == start:
        end += 1
    last = ctx.doc[end - 1]
    return max(lo, ctx.doc[start].idx), min(hi, last.idx + len(last.text))


def _content_span(ctx: QuoteContext, verb: Token) -> tuple[int, int] | None:
    """What a verb of saying reports when it is not a clause.

    An infinitive ("vowed to continue the fight", "urged Congress to act"), a
    question ("asked whether it had been hard"), an object ("announced a $275 billion
    plan") or a preposition's object ("called for tighter controls").
    """
    lemma = verb.lemma_.lower()
    if verb.dep_ == "amod":
        return None  # "pledged delegates"
    lo, hi = _bounds(ctx, verb)
    after = [c for c in verb.children if c.i > verb.i and lo <= c.idx < hi]
    if lemma in INFINITIVE_VERBS or lemma == "ask":
        comp = next((c for c in after if c.dep_ in ("xcomp", "ccomp") and _infinitive_or_question(c)), None)
        if comp is not None:
            toks = list(comp.subtree)
            obj = next((c for c in after if c.dep_ in ("dobj", "dative") and c.i < comp.i), None)
            if obj is not None:
                toks = list(obj.subtree) + toks
            return _clause_span(ctx, sorted(toks, key=lambda t: t.i), lo, hi)
    if lemma in NAMING_VERBS:
        obj = next((c for c in after if c.dep_ == "dobj"), None)
        name = next((c for c in after if c.dep_ == "oprd" or (c.dep_ == "prep" and c.lower_ == "as")), None)
        if obj is not None and name is not None and obj.i < name.i:
            return _clause_span(ctx, list(obj.subtree) + list(name.subtree), lo, hi)
    if lemma in OBJECT_VERBS:
        obj = next((c for c in after if c.dep_ == "dobj"), None)
        if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
            return _clause_span(ctx, list(obj.subtree), lo, hi)
    for prep in PREPOSITION_CONTENT.get(lemma, ()):
        pp = next((c for c in after if c.dep_ == "prep" and c.lower_ == prep), None)
        pobj = next((c for c in pp.children if c.dep_ in ("pobj", "pcomp")), None) if pp is not None else None
        if pobj is not None:
            return _clause_span(ctx, list(pobj.subtree), lo, hi)
    return None


def _infinitive_or_question(comp: Token) -> bool:
    """'to act' or 'whether / if / how ...'."""
    first = comp.doc[comp.left_edge.i]
    return (
        any(c.dep_ == "aux" and c.lower_ == "to" for c in comp.children)
        or first.tag_
        in (
            "WDT",
            "WP",
            "WRB",
        )
        or first.lower_ in ("whether", "if")
    )


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


def not_said(verb: Token) -> bool:
    """A verb whose clause is nobody's words: a question put to someone ("Asked what the message
    was, ...", "was asked whether") or the writer's hedge ("was understood to have disrupted")."""
    lemma = verb.lemma_.lower()
    passive = any(c.dep_ == "auxpass" for c in verb.children) or (
        verb.tag_ == "VBN" and not any(c.dep_ == "aux" for c in verb.children)
    )
    if lemma == "ask" and (passive or not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)):
        return True
    return lemma in HEDGE_VERBS and passive


def indirect_quotes(ctx: QuoteContext) -> list[Quote]:
    """Clauses reported by verbs of saying and sentences attributed with "according to"."""
    quotes: list[Quote] = []
    for tok in ctx.doc:
        if ctx.inside_quote(tok.idx):
            continue
        span: tuple[int, int] | None = None
        if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
            span = _according_span(ctx, tok)
        elif tok.pos_ == "VERB":
            if not_said(tok):
                continue
            if tok.lemma_.lower() in CLAUSE_VERBS:
                span = _reported_span(ctx, tok)
            if span is None:
                span = _content_span(ctx, tok)
        if span is None:
            continue
        speaker = speaker_of(ctx, tok)
        if speaker is None:
            continue
        quotes.append(make_quote(ctx, span[0], span[1], speaker, tok, indirect=True))
    return quotes
