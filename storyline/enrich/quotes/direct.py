"""Direct quotes: the passages inside quotation marks and who said them.

Quoted passages come from :mod:`storyline.enrich.quotes.marks`, including quotes that
run over several paragraphs and fragments inside a sentence. Quoted titles ("on
NBC’s “Meet the Press”") and short quoted phrases that no verb of saying governs
("the “coalition of the willing”") are left out, and so are words in single marks in
an article that quotes in double marks (a headline's quote, a quote inside a quote, a title).

The attribution of a quote is looked for, in order: a verb of saying that governs
the quoted words in the parse; the attribution clause right after or before the
quote in its paragraph ("“...,” he said." / "He said: “...”" / the sentence before
a quote that opens a sentence); for a quote after an attributed quote in its
paragraph, the same speaker; a verb whose object is a quotation that ends its
sentence; the sentence ending in a colon that introduces a quote paragraph; a name
before a colon; a signature after a dash; and, for a quote paragraph with no
attribution of its own, the speaker of the quote in the paragraph just before it
(the news convention for a continued quote) or the person that paragraph is about.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from storyline.article import Quote
from storyline.enrich.quotes.context import (
    SPEAKER_PRONOUNS,
    QuoteContext,
    can_speak,
    has_speaker,
    is_cue,
    make_quote,
    mistagged_cue,
    speaker_head,
    speaker_of,
)
from storyline.enrich.quotes.marks import QuotedPassage
from storyline.enrich.quotes.speakers import Speaker

__all__ = ["direct_quotes"]

# a quoted phrase shorter than this needs a verb of saying to count as a quote
_FRAGMENT_WORDS = 4
# subjects that do not speak: "apologized for what happened: “...”"
_NOT_SPEAKERS = frozenset({"what", "it", "this", "that", "there", "which", "whatever"})
_NAMING = frozenset({"titled", "entitled", "named", "dubbed", "headlined"})
_NAME_DEPS = frozenset({"pobj", "appos", "compound", "poss", "nmod", "npadvmod", "attr", "conj"})
_DASHES = ("-", "—", "–", "―")


def direct_quotes(ctx: QuoteContext) -> list[Quote]:
    """The quotations in quotation marks, in text order, each with its attribution when found."""
    quotes: list[Quote] = []
    last_by_paragraph: dict[int, Quote] = {}
    cue_at: dict[int, Token] = {}  # quote start -> its cue
    in_double = _quotes_in_double_marks(ctx)
    for passage in ctx.passages:
        if in_double and not passage.double:
            continue  # a quote inside a quote, a headline's quote or a title
        first = passage.segments[0]
        lo, _hi = ctx.paragraph_of(first[0])
        at_start = first[0] - 1 <= lo + 1
        earlier = None if at_start else last_by_paragraph.get(lo)
        # "“...,” Trump told reporters, referring to ... . “...”": the words between attribute the first quote
        earlier_cue = cue_at.get(earlier.start) if earlier is not None else None
        after_attribution = (
            earlier is not None
            and earlier_cue is not None
            and earlier.end < earlier_cue.idx < first[0]
            and _opens_sentence(ctx, first)
        )
        lead_from = 0
        if after_attribution and earlier_cue is not None:
            lead_from = min(earlier_cue.sent.end_char, first[0] - 1)
        if _is_name(ctx, passage):
            continue  # a title: 'said on NBC's “Meet the Press”', 'the movie, “13 Hours: The Secret Soldiers”'
        cue = _governing_cue(ctx, first)
        if cue is None and _is_fragment(ctx, passage):
            if not _opens_sentence(ctx, first) or not _open_end(ctx, first):
                continue  # scare quotes or a title
            # a short quotation of its own: "“Safety,” said Grimm."
            cue = _frame_cue(ctx, first, trailing_first=True)
            if cue is None:
                continue
        if cue is None:
            cue = _frame_cue(ctx, first, trailing_first=at_start, lead_from=lead_from)
        if cue is None and after_attribution and earlier is not None:
            cue = earlier_cue  # the same speaker goes on
        if cue is None and len(passage.segments) > 1:
            cue = _frame_cue(ctx, passage.segments[-1], trailing_first=True)
        if cue is None:
            cue = _intro_cue(ctx, first)
        if cue is None and _embedded(ctx, first) and not _is_fragment(ctx, passage):
            cue = _verb_over_quote(ctx, first)
        if at_start and cue is not None and _signed_on_its_line(ctx, passage):
            cue = None  # '“...” ― Ana Ruiz': the signature, not a verb the parse found elsewhere
        speaker = speaker_of(ctx, cue) if cue is not None else None
        if cue is None and not _embedded(ctx, first):
            speaker = _colon_speaker(ctx, first)
        quote = make_quote(ctx, passage.start, passage.end, speaker, cue, indirect=False)
        if (
            cue is None
            and speaker is None
            and earlier is not None
            and earlier.speaker_span is not None
            and not _embedded(ctx, first)
        ):
            # "“...,” he said. “...”": a quote that opens a sentence after another in its paragraph
            _same_speaker(quote, earlier)
        if cue is None and speaker is None and at_start:
            speaker = _signature(ctx, passage)
            if speaker is not None:
                quote = make_quote(ctx, passage.start, passage.end, speaker, None, indirect=False)
        if cue is None and speaker is None and at_start:
            prev = [p for p in ctx.paragraphs if p[1] < lo]
            earlier = last_by_paragraph.get(prev[-1][0]) if prev else None
            if earlier is not None:
                _same_speaker(quote, earlier)
            else:
                speaker = _previous_subject(ctx, first)
                if speaker is not None:
                    quote = make_quote(ctx, passage.start, passage.end, speaker, None, indirect=False)
        if cue is None and quote.speaker_span is None and _embedded(ctx, first):
            continue  # quoted words inside an unattributed sentence: a title or scare quotes
        quotes.append(quote)
        if cue is not None:
            cue_at[quote.start] = cue
        for seg in passage.segments:
            last_by_paragraph[ctx.paragraph_of(seg[0])[0]] = quote
    return quotes


def _quotes_in_double_marks(ctx: QuoteContext) -> bool:
    """Whether the article quotes in double marks (more of its passages are in double marks than in
    single ones).  Such an article puts words in single marks only inside a quote that lost its outer
    marks, in a headline ("Mayor: 'We will rebuild the bridge'") or around a title: none of them is
    a quote of its own.  An article that quotes in single marks (British style) keeps them."""
    double = sum(1 for p in ctx.passages if p.double)
    return double > len(ctx.passages) - double


def _governing_cue(ctx: QuoteContext, seg: tuple[int, int]) -> Token | None:
    """A verb of saying outside the quote that governs the quoted words in the parse."""
    s, e = seg
    lo, hi = ctx.paragraph_of(s)
    for tok in ctx.tokens(s, e):
        if s <= tok.head.idx < e or tok.is_punct:
            continue  # the parser hangs punctuation anywhere
        node = tok.head
        for _ in range(4):
            if not lo <= node.idx < hi:
                break
            if ctx.resolver.sent_start[node.i] != ctx.resolver.sent_start[tok.i] and not (s <= node.idx < e):
                break
            if not ctx.inside_quote(node.idx) and is_cue(node) and has_speaker(ctx, node):
                return node
            if node.head.i == node.i:
                break
            if (
                not ctx.inside_quote(node.idx)
                and node.pos_ in ("VERB", "AUX")
                and (
                    node.dep_ not in ("ccomp", "xcomp", "conj") or (node.dep_ == "conj" and is_cue(node.head))
                )
                and any(c.dep_ in ("nsubj", "nsubjpass") for c in node.children)
            ):
                # a clause of its own ("to which O'Malley interjected: “...”", "Reid said ..., but he
                # gave the Texan a compliment: “...”") is not reported speech
                break
            node = node.head
    return None


def _open_end(ctx: QuoteContext, seg: tuple[int, int]) -> bool:
    """Whether the quote ends on a comma, question or exclamation: its attribution follows."""
    e = seg[1]
    return ctx.text[max(0, e - 1) : e + 1].rstrip("”\"'’ ").endswith((",", "?", "!", "—", "-"))


def _frame_cue(
    ctx: QuoteContext, seg: tuple[int, int], trailing_first: bool, lead_from: int = 0
) -> Token | None:
    """A verb of saying in the attribution clause next to the quote, in its paragraph.

    The clause before the quote is read from ``lead_from`` on (the words before it
    attribute an earlier quote).
    """
    s, e = seg
    lo, hi = ctx.paragraph_of(s)
    before = [q for q in ctx.quoted if lo <= q[1] <= s - 1]
    after = [q for q in ctx.quoted if e + 1 <= q[0] - 1 and q[0] < hi]
    trail_end = min([q[0] - 1 for q in after] + [hi])
    stop = ctx.sentence_end_after(e + 2)
    if stop is not None and stop < trail_end:
        trail_end = stop
    if ctx.text[max(0, e - 1)] == "." and not ctx.text[e:trail_end].lstrip("”\"'’ ")[:1].islower():
        trail_end = e  # '“...” Greene added that ...': a new sentence after a closed quote
    lead_start = max([q[1] + 1 for q in before] + [lo, lead_from])
    previous_sentence = False
    if not before:
        lead = ctx.text[lead_start:s]
        ends = [0] + [start - lead_start for start in ctx.sentence_starts_in(lead_start + 1, s)]
        if lead_from == 0 and len(ends) > 1 and not lead[ends[-1] :].strip(" “\"'‘"):
            # the quote opens a sentence: "She said she and Obama had made progress. “I really believe ...”"
            lead_start += ends[-2]
            previous_sentence = True
        else:
            lead_start += ends[-1]
    trailing = [t for t in ctx.tokens(e, trail_end) if t.idx >= e + 1 and not ctx.inside_quote(t.idx)]
    lead_toks = [t for t in ctx.tokens(lead_start, s) if t.idx < s - 1 and not ctx.inside_quote(t.idx)]
    # right after '“...,”' or right before ', “...' / ': “...' any verb with a subject attributes
    open_trail = _open_end(ctx, seg)
    lead_text = ctx.text[lead_start : s - 1].rstrip()
    open_lead = lead_text.endswith((",", ":")) and not previous_sentence
    trailing_first = trailing_first or open_trail
    frames = [(trailing, open_trail, True), (list(reversed(lead_toks)), open_lead, False)]
    for toks, any_verb, is_trailing in frames if trailing_first else reversed(frames):
        for n, tok in enumerate(toks):
            attributes = (
                is_cue(tok)
                or (is_trailing and any_verb and n <= 6 and mistagged_cue(tok))
                or (any_verb and tok.pos_ == "VERB" and (not is_trailing or _attribution_verb(ctx, tok, n)))
            )
            if attributes and has_speaker(ctx, tok) and (is_cue(tok) or _can_speak_head(ctx, tok)):
                return tok
    return None


def _can_speak_head(ctx: QuoteContext, verb: Token) -> bool:
    head = speaker_head(ctx, verb)
    return head is not None and head.lower_ not in _NOT_SPEAKERS


def _attribution_verb(ctx: QuoteContext, verb: Token, position: int) -> bool:
    """A verb right after a quotation that can attribute it: near and without an object of its own.

    '“Why?” she laughed.' attributes; '“Mr. D’Souza?” I had prepared a statement' does not.
    """
    if position == 0:
        return True  # '“...,” opined the Plain Dealer': the parser takes the inverted subject for an object
    return position <= 8 and not any(
        (c.dep_ == "ccomp" or (c.dep_ == "dobj" and c.pos_ not in ("PROPN", "PRON")))
        and not ctx.inside_quote(c.idx)
        for c in verb.children
    )  # "Trump assured Jones" keeps its addressee


def _verb_over_quote(ctx: QuoteContext, seg: tuple[int, int]) -> Token | None:
    """The verb whose object is a quotation inside the sentence, when a person or group does it.

    'Hollande condemned the “attack whose terrorist nature cannot be denied.”'; quoted
    titles ("watched “The Lord of the Rings”") are left alone.
    """
    s, e = seg
    if _title_case(ctx.text[s:e]) or ctx.text[e - 1 : e] not in (".", "!", "?"):
        return None  # a title, or a quotation that does not finish its sentence
    for tok in ctx.tokens(s, e):
        if s <= tok.head.idx < e or tok.is_punct:
            continue
        node = tok.head
        for _ in range(3):
            if (
                ctx.inside_quote(node.idx)
                or ctx.resolver.sent_start[node.i] != ctx.resolver.sent_start[tok.i]
            ):
                break
            if node.pos_ == "VERB":
                if node.dep_ != "ROOT":
                    break
                head = speaker_head(ctx, node)
                if (
                    head is not None
                    and has_speaker(ctx, node)
                    and (
                        head.lower_ in SPEAKER_PRONOUNS or head.ent_type_ in ("PERSON", "ORG", "NORP", "GPE")
                    )
                ):
                    return node
                break
            if node.head.i == node.i:
                break
            node = node.head
    return None


def _is_name(ctx: QuoteContext, passage: QuotedPassage) -> bool:
    """A quoted title or name: Title Case words hanging on a noun or preposition, or no words at all."""
    if len(passage.segments) > 1:
        return False
    s, e = passage.segments[0]
    if not any(ch.isalpha() for ch in ctx.text[s:e]):
        return True  # 'timestamp="1449075600"'
    before = [t for t in ctx.tokens(max(0, s - 40), s - 1) if not t.is_space and t.idx + len(t.text) <= s - 1]
    if _titled_work(before):
        return True
    if not _title_case(ctx.text[s:e]) or _opens_sentence(ctx, (s, e)):
        return False
    if before and (before[-1].tag_ == "POS" or before[-1].pos_ == "ADP" or before[-1].lower_ in _NAMING):
        return True  # 'on NBC’s “Meet the Press”', 'a book titled “Crippled America”'
    roots = [t for t in ctx.tokens(s, e) if not t.is_punct and not s <= t.head.idx < e]
    return bool(roots) and all(t.dep_ in _NAME_DEPS or t.head.pos_ in ("ADP", "NOUN", "PROPN") for t in roots)


_WORKS = frozenset({
    "commentary", "column", "op-ed", "essay", "article", "editorial", "book", "song", "film", "movie",
    "poem", "headline", "memoir", "album", "novel", "documentary", "play", "painting", "series", "episode",
})


def _titled_work(before: list[Token]) -> bool:
    """Whether the words ``before`` a quote set it off by a comma after a noun naming a work, in
    apposition to it ("Ana Ruiz's column, “Let the river run,” is worth reading"): the work's title.
    After a preposition ("In her column, “...,” she wrote") the noun frames a quote instead."""
    if len(before) < 2 or before[-1].text != ",":
        return False
    noun = before[-2]
    return noun.lower_ in _WORKS and noun.dep_ != "pobj" and noun.head.lower_ not in ("in", "on", "at")


def _title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.67 * len(words)


def _colon_speaker(ctx: QuoteContext, seg: tuple[int, int]) -> Speaker | None:
    """A name set before a colon that opens the quote: "Carl Bialik: “...”", "More from Jones: “...”"."""
    lo, _hi = ctx.paragraph_of(seg[0])
    before = ctx.text[lo : seg[0] - 1].rstrip()
    if not before.endswith(":"):
        return None
    toks = [t for t in ctx.tokens(lo, len(before) + lo) if not t.is_space]
    if len(toks) < 2 or toks[-1].text != ":":
        return None
    head = toks[-2]
    if head.pos_ not in ("PROPN", "NOUN") or ctx.inside_quote(head.idx):
        return None
    speaker = ctx.resolver.resolve(head)
    ctx.resolver.remember(speaker, head)
    return speaker


def _previous_subject(ctx: QuoteContext, seg: tuple[int, int]) -> Speaker | None:
    """For a quote paragraph with no attribution: the person the paragraph before is about."""
    lo, _hi = ctx.paragraph_of(seg[0])
    prev = [p for p in ctx.paragraphs if p[1] < lo]
    if not prev:
        return None
    toks = [t for t in ctx.tokens(*prev[-1]) if not ctx.inside_quote(t.idx)]
    roots = [t for t in toks if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX")]
    if not roots:
        return None
    subj = next((c for c in roots[-1].children if c.dep_ == "nsubj"), None)
    if subj is None or subj.pos_ != "PROPN":
        return None
    ent = ctx.resolver.entity_at(subj.idx, subj.idx + len(subj.text))
    if subj.ent_type_ != "PERSON" and (ent is None or ent.type != "PERSON"):
        return None
    speaker = ctx.resolver.resolve(subj)
    ctx.resolver.remember(speaker, subj)
    return speaker


_AFTER_MARK = re.compile(r"^[\s”\"'’.,!?]+")  # closing marks, stops and spaces (no-break ones too)


def _signature(ctx: QuoteContext, passage: QuotedPassage) -> Speaker | None:
    """A quote signed after a dash, on its line or the next: '“...” ― Pamela Padilla', '- Bernie Sanders.'."""
    _lo, hi = ctx.paragraph_of(passage.end)
    tail = ctx.text[passage.end : hi]
    after_mark = _AFTER_MARK.sub("", tail)
    if after_mark.startswith(_DASHES):
        start = hi - len(after_mark)
        line = (start, hi)
    else:
        nxt = [p for p in ctx.paragraphs if p[0] > hi]
        if (
            after_mark.strip()
            or not nxt
            or not ctx.text[nxt[0][0] : nxt[0][1]].lstrip().startswith(_DASHES)
        ):
            return None
        line = nxt[0]
    toks = [t for t in ctx.tokens(*line) if not t.is_space and not t.is_punct and not ctx.inside_quote(t.idx)]
    name = [t for t in toks[:6] if t.pos_ == "PROPN"]
    if not name or toks[0].pos_ not in ("PROPN", "DET", "ADJ", "NOUN"):
        return None
    head = name[-1]
    for tok in toks[toks.index(name[0]) :]:
        if tok.pos_ != "PROPN":
            break
        head = tok
    speaker = ctx.resolver.resolve(head)
    ctx.resolver.remember(speaker, head)
    return speaker


def _signed_on_its_line(ctx: QuoteContext, passage: QuotedPassage) -> bool:
    """Whether a dash follows the closing mark on the quote's own line ('“...” ― Ana Ruiz')."""
    _lo, hi = ctx.paragraph_of(passage.end)
    return _AFTER_MARK.sub("", ctx.text[passage.end : hi]).startswith(_DASHES)


def _intro_cue(ctx: QuoteContext, seg: tuple[int, int]) -> Token | None:
    """The cue of a sentence ending in a colon that introduces the quote's paragraph."""
    lo, _hi = ctx.paragraph_of(seg[0])
    if seg[0] - 1 > lo + 1:
        return None
    prev = [p for p in ctx.paragraphs if p[1] < lo]
    if not prev:
        return None
    plo, phi = prev[-1]
    if not ctx.text[plo:phi].rstrip().endswith(":"):
        return None
    toks = [t for t in ctx.tokens(plo, phi) if not ctx.inside_quote(t.idx)]
    for tok in reversed(toks):
        if is_cue(tok) and has_speaker(ctx, tok):
            return tok
    # "He then listed the qualities a nominee needs:" — any verb whose subject can speak
    for tok in reversed(toks):
        main = tok.dep_ == "ROOT" or not plo <= tok.head.idx < phi  # the parse may run across paragraphs
        if tok.pos_ == "VERB" and main and has_speaker(ctx, tok):
            head = speaker_head(ctx, tok)
            if head is not None and can_speak(head):
                return tok
    return None


def _same_speaker(quote: Quote, earlier: Quote) -> None:
    quote.speaker_mention = earlier.speaker_mention
    quote.speaker_span = earlier.speaker_span
    quote.speaker_id = earlier.speaker_id
    quote.speaker_name = earlier.speaker_name


def _is_fragment(ctx: QuoteContext, passage: QuotedPassage) -> bool:
    """A short quoted phrase inside a sentence rather than a quoted sentence."""
    if len(passage.segments) > 1:
        return False
    s, e = passage.segments[0]
    words = ctx.text[s:e].split()
    return len(words) < _FRAGMENT_WORDS


def _embedded(ctx: QuoteContext, seg: tuple[int, int]) -> bool:
    """Whether the quote opens inside a sentence rather than starting or being introduced by it."""
    lo, _hi = ctx.paragraph_of(seg[0])
    before = ctx.text[lo : seg[0] - 1].rstrip()
    return bool(before) and not before.endswith((":", ",", ".", "!", "?", "”", '"', "…"))


def _opens_sentence(ctx: QuoteContext, seg: tuple[int, int]) -> bool:
    """Whether the quote stands at the start of its paragraph or sentence (not after a comma)."""
    lo, _hi = ctx.paragraph_of(seg[0])
    before = ctx.text[lo : seg[0] - 1].rstrip()
    return not before or before.endswith((":", ".", "!", "?", "”", '"', "…"))
