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

import re
from collections.abc import Iterable
from dataclasses import replace

from spacy.tokens import Doc, Span

from storyline.article import Article, Entity, Quote
from storyline.enrich.component import component
from storyline.enrich.quotes.context import QuoteContext
from storyline.enrich.quotes.cues import SPEECH_FORMS, SPEECH_VERBS
from storyline.enrich.quotes.direct import direct_quotes
from storyline.enrich.quotes.indirect import indirect_quotes
from storyline.nlp import doc_text

__all__ = ["find_quotes", "quotes_component", "quotes_in"]


def find_quotes(doc: Doc, entities: list[Entity]) -> list[Quote]:
    """Direct and indirect quotes in ``doc`` (a parsed article body), in text order."""
    ctx = QuoteContext(doc, entities)
    found = [q for q in direct_quotes(ctx) + indirect_quotes(ctx) if not _reports_itself(q)]
    quotes = _fold_fragments(found, doc)
    text = doc_text(doc)
    quotes = [q for q in quotes if q.indirect or not _heading(text, q)]
    quotes.sort(key=lambda q: (q.start, q.indirect))
    seen: set[tuple[int, int, bool]] = set()
    unique = []
    for q in quotes:  # two fragments of one sentence fold into the same reported sentence
        if (q.start, q.end, q.indirect) not in seen:
            seen.add((q.start, q.end, q.indirect))
            unique.append(q)
    return unique


def _reports_itself(quote: Quote) -> bool:
    """A reported clause that holds its own speaker ("the rains fail," he said, "we will ...")
    is the span between two halves of a direct quote, not something reported."""
    span = quote.speaker_span
    if not quote.indirect or span is None or not (quote.start <= span[0] and span[1] <= quote.end):
        return False
    before = quote.text[: span[0] - quote.start]
    after = quote.text[span[1] - quote.start :]
    return any(m in before for m in '"”\'') and any(m in after for m in '"“\'')


FRAGMENT_SHARE = 0.8  # a quote is a fragment of a sentence of which it covers less than this
FRAGMENT_WORDS = 8  # ... and a fragment standing alone is at most this long


def _solid(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _fold_fragments(quotes: list[Quote], doc: Doc | None = None) -> list[Quote]:
    """Quoted words that are part of a reported sentence ("any ceasefire must be 'just' and
    'lasting'") are shown in that sentence, not alone: inside a reported clause the fragment
    goes (the clause holds it, quotation marks and all); elsewhere a short fragment becomes the
    reported sentence around it, with the fragment's speaker.  Words quoted inside a reported
    clause whose "speaker" stands inside that clause belong to the clause's reporter."""
    reported = [q for q in quotes if q.indirect]
    full = doc_text(doc) if doc is not None else ""
    for quote in quotes:
        if quote.indirect or quote.speaker_span is None or doc is None or not _embedded(full, quote):
            continue
        for r in reported:
            if r.start <= quote.start and quote.end <= r.end + _SLACK and r.start <= quote.speaker_span[0] < r.end:
                # "Leavitt said Witkoff is continuing talks but that it was 'still up in the air'"
                quote.speaker_mention, quote.speaker_span = r.speaker_mention, r.speaker_span
                quote.speaker_id, quote.speaker_name, quote.cue = r.speaker_id, r.speaker_name, r.cue
                break
    kept: list[Quote] = []
    dropped: list[Quote] = []
    for quote in quotes:
        if quote.indirect:
            kept.append(quote)
            continue
        size = _solid(quote.text)
        span = _with_lead(full, quote, size, doc) if doc is not None else None
        if span is not None:
            start, end = span
            merged = [r for r in reported if start <= r.start and r.end <= end + _SLACK and _same_speaker(r, quote)]
            dropped.extend(merged)
            reported = [r for r in reported if all(r is not m for m in merged)]
            folded = replace(quote, text=full[start:end], start=start, end=end, indirect=True)
            reported.append(folded)
            kept.append(folded)
            continue
        if doc is None or not _embedded(full, quote):
            kept.append(quote)
            continue
        if any(
            r.start <= quote.start and quote.end <= r.end + _SLACK and size < FRAGMENT_SHARE * _solid(r.text)
            for r in reported
        ):
            continue
        if _runs_on(full, quote, reported, size):
            continue
        sentence = _sentence_of(doc, quote)
        if (
            sentence is not None
            and len(quote.text.split()) <= FRAGMENT_WORDS
            and size < FRAGMENT_SHARE * _solid(sentence.text)
        ):
            start, end = _cue_clause(sentence, quote) or (sentence.start_char, sentence.end_char)
            end = _before_next_quote(full, quote, end, quotes)
            text = full[start:end].rstrip()
            # a clause of the sentence reported by the same speaker is shown in the sentence
            # ("the chief said that it was too early to tell, and there was 'no sign' yet")
            merged = [r for r in reported if start <= r.start and r.end <= end and _same_speaker(r, quote)]
            dropped.extend(merged)
            reported = [r for r in reported if all(r is not m for m in merged)]
            folded = replace(quote, text=text, start=start, end=start + len(text), indirect=True)
            reported.append(folded)
            kept.append(folded)
            continue
        kept.append(quote)
    return [k for k in kept if all(k is not d for d in dropped)]


def _runs_on(full: str, quote: Quote, reported: list[Quote], size: int) -> bool:
    """A quote that opens inside a reported clause and goes on past its end ("she added that
    turnout is down, which is a problem because, 'People want a reason to turn out. Fear is not
    enough.'"): the clause runs on to the end of the quote, which is shown in it."""
    for r in reported:
        if not r.start <= quote.start < r.end < quote.end or "\n" in full[r.start : quote.end]:
            continue
        end = _end_with_marks(full, quote)
        if size < FRAGMENT_SHARE * _solid(full[r.start : end]):
            r.end, r.text = end, full[r.start : end]
            return True
    return False


def _end_with_marks(full: str, quote: Quote) -> int:
    """Where ``quote`` ends with the closing marks right after it (a reported clause shown around it
    takes them in)."""
    close = full[quote.end : quote.end + 2].rstrip()
    return quote.end + len(close) if close and all(ch in _MARKS for ch in close) else quote.end


def _same_speaker(a: Quote, b: Quote) -> bool:
    return a.speaker_span is None or a.speaker_span == b.speaker_span or (
        a.speaker_name is not None and a.speaker_name == b.speaker_name)


_SLACK = 3  # a reported clause ends before the stop and closing mark its quote keeps
_MARKS = "\"'“”‘’«»„`"


_SUBORDINATORS = frozenset({"that", "because", "since", "although", "though", "while", "whether", "if"})
_ATTRIBUTION_WORDS = frozenset({"he", "she", "they", "we", "i", "it", "you", "according"}) | SPEECH_FORMS
_LIST_FRAGMENT_WORDS = 4


def _embedded(text: str, quote: Quote) -> bool:
    """Whether the quoted words run on from a sentence of the writer's: a word, not a colon,
    comma or line break, right before the opening mark ("called her 'disgusting'", "says voter
    fraud 'would be ...'"; a final stop inside the closing mark says nothing: American style puts
    it there whatever the quote); a subordinating word and a comma ("said that, '...'",
    "because, '...'"); a short lower-case item of a list of quoted words ("a 'sham,' 'reckless'
    and 'cruel'"); or the writer's sentence going on after the closing mark with a lower-case
    word that is no attribution ("'I admire the plan' of the mayor, he said")."""
    marked = text[max(0, quote.start - 24) : quote.start].rstrip().rstrip(_MARKS)
    before = marked.rstrip()
    if "\n" in marked[len(before):]:  # the quote opens a line: nothing of the writer's runs on into it
        before = ""
    if before and before[-1].isalnum():
        return True
    if before.endswith(","):
        word = before[:-1].rstrip().rsplit(None, 1)[-1:] or [""]
        if word[0].lower() in _SUBORDINATORS:
            return True
        words = quote.text.split()
        if (before[:-1].rstrip()[-1:] in _MARKS and words and words[0][:1].islower()
                and len(words) <= _LIST_FRAGMENT_WORDS):
            return True
        if words and words[0][:1].islower() and _writers_lead(text, quote.start):
            return True
    inner = quote.text.rstrip(_MARKS + " ")
    if inner[-1:] in ",.;:!?…":
        return False
    after = text[quote.end : quote.end + 40].lstrip(_MARKS + " ")
    if not after[:1].islower():
        return False
    return after.split(None, 1)[0].strip(",.;:").lower() not in _ATTRIBUTION_WORDS


_LEAD = re.compile(r"[.!?]\s|\n|[\"“”«»]|''")
_LEAD_WORDS = 40


def _writers_lead(text: str, start: int) -> bool:
    return _lead_start(text, start) is not None


def _lead_start(text: str, start: int) -> int | None:
    """Whether a quote opening in lower case after a comma follows the writer's own words in its
    sentence ("With hundreds of polling stations, 'there is no way to check them all,' he said";
    "the mayor agreed that some 'still feel that way,' 'but not the great majority'"): words since the
    sentence start or the last quotation mark, with no verb of saying among them (after "he
    said," the quote is the second half of a split quote, or one the verb introduces)."""
    if (found := _words_before_comma(text, start)) is None:
        return None
    at, lead = found
    words = [w.strip(",;:()").lower() for w in lead.split()]
    if 0 < len(words) <= _LEAD_WORDS and not any(w in _ATTRIBUTION_WORDS or _saying(w) for w in words):
        return at + len(lead) - len(lead.lstrip())
    return None


def _words_before_comma(text: str, start: int) -> tuple[int, str] | None:
    """When a quote opens right after a comma: where the words before it start in ``text`` (after the
    sentence's start or the last quotation mark, within 300 characters) and those words, comma left
    out; None when no comma stands before the quote."""
    lo = max(0, start - 300)
    window = text[lo:start].rstrip().rstrip(_MARKS).rstrip()
    if not window.endswith(","):
        return None
    bounds = [m.end() for m in _LEAD.finditer(window[:-1])]
    at = bounds[-1] if bounds else 0
    return lo + at, window[at:-1]


def _with_lead(full: str, quote: Quote, size: int, doc: Doc) -> tuple[int, int] | None:
    """The sentence of a quote that opens after the writer's own words and a comma, when the quote
    is under 80% of it ("If the bill passes, 'The night buses will run again,' Ana Ruiz said"):
    the writer's words are part of what is reported, so the sentence is shown, not the quote.
    After "said that" the writer's words open the reported clause and the quote ends it ("she said
    that if the bill passes, 'the night buses will run again'"): the clause is shown."""
    if quote.start == 0:
        return None
    lead = _lead_start(full, quote.start)
    that = _that_lead(full, quote.start) if lead is None else None
    if that is not None:
        lead = that
    if lead is None or "\n" in full[lead : quote.end]:
        return None
    words = doc.char_span(lead, quote.start, alignment_mode="expand")
    if words is None or any(t.lemma_.lower() in SPEECH_VERBS or t.lower_ in _SPEECH_NOUNS for t in words):
        return None  # "A. quipped, '...'", "in Forbes' words, '...'": the quote is introduced
    if that is None and quote.text[:1].isupper() and not any(t.pos_ in ("VERB", "AUX") for t in words):
        return None  # "In her column, 'We ...'", "On Monday, 'We ...'": a frame, not a clause of what is said
    end = _end_with_marks(full, quote)
    return (lead, end) if size < FRAGMENT_SHARE * _solid(full[lead:end]) else None


_THAT_REACH = 5  # "told the President that": words between a verb of saying and its "that"


def _that_lead(text: str, start: int) -> int | None:
    """Where the reported clause starts when a quote opens after a comma that ends the writer's
    words of a "that" clause ("Ana said that if the council wants the bridge, 'it will have to pay'";
    "told the mayor that after ten years, 'nothing has changed'"): the word after "that", when "that"
    follows the last verb of saying before the quote and two words or more stand between it and the
    comma.  After "said," with no "that" the quote is introduced, not part of a clause."""
    if (found := _words_before_comma(text, start)) is None:
        return None
    at, lead = found
    spans = [(m.start(), m.group()) for m in re.finditer(r"\S+", lead)]
    words = [w.strip(",;:()").lower() for _, w in spans]
    said = [i for i, w in enumerate(words) if w in SPEECH_FORMS or _saying(w)]
    if not said or len(words) > _LEAD_WORDS:
        return None
    for j in range(said[-1] + 1, min(said[-1] + 1 + _THAT_REACH, len(words) - 2)):
        if words[j] == "that":
            return at + spans[j + 1][0]
    return None


_SPEECH_NOUNS = frozenset({"words", "word", "statement", "remarks", "quote", "saying", "adage", "motto", "slogan"})


def _saying(word: str) -> bool:
    """A participle of a verb of saying: "explaining", "adding", "saying"."""
    if not word.endswith("ing"):
        return False
    stem = word[:-3]
    return any(form in SPEECH_VERBS for form in (stem, stem + "e", stem[:-1]))


_MINOR = frozenset({"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "but", "with", "by",
                    "from", "is", "isn't", "as"})


def _heading(text: str, quote: Quote) -> bool:
    """A paragraph that is only a short quoted title ("'Legend in the Coal Fields.'"): a section
    heading, not words said."""
    before = text[max(0, quote.start - 3) : quote.start].strip(_MARKS + " \t")
    after = text[quote.end : quote.end + 4].strip(_MARKS + " \t.")
    if (before and not before.endswith("\n")) or (after and not after.startswith("\n")):
        return False
    words = quote.text.strip(_MARKS + " .").split()
    if not 2 <= len(words) <= 8:
        return False
    return all(w[:1].isupper() or w.lower() in _MINOR for w in words) and words[0][:1].isupper()


def _before_next_quote(full: str, quote: Quote, end: int, quotes: list[Quote]) -> int:
    """Where a fragment's reported sentence ends when a quotation of its own follows in it ("described
    the talks as 'very good', adding: 'During the meeting ...'"): before that quotation and the words
    introducing it, which is listed apart; else ``end``."""
    later = [q.start for q in quotes if not q.indirect and q is not quote and quote.end <= q.start < end
             and not _embedded(full, q)]  # "marked a 'historic step' towards peace": the sentence's own words
    if not later:
        return end
    head = full[quote.end : min(later)].rstrip().rstrip(_MARKS).rstrip().rstrip(":,;").rstrip()
    words = head.rsplit(None, 1)
    if len(words) == 2 and _saying(words[1].lower()):
        head = words[0].rstrip().rstrip(",")
    return quote.end + len(head)


_SUBORDINATE = ("acl", "advcl", "relcl", "pcomp")


def _cue_clause(sentence: Span, quote: Quote) -> tuple[int, int] | None:
    """The clause of a fragment's cue when it is a clause of its own inside the writer's sentence,
    with a doer of its own: "Despite the council calling the plan 'a gamble', the mayor signed it"
    reports "the council calling the plan 'a gamble'", not the mayor's signing.  None when the cue
    is the sentence's own verb or shares its subject ("Describing it as 'vital', she said ...")."""
    for tok in sentence:
        if tok.text != quote.cue or tok.dep_ not in _SUBORDINATE:
            continue
        if tok.dep_ == "acl" and tok.tag_ == "VBG" and tok.head.i < tok.i:
            first = tok.head.left_edge  # "the council calling ...": the noun it modifies does it
        elif any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children):
            first = tok.left_edge
        else:
            continue
        words = list(sentence.doc[first.i : tok.right_edge.i + 1])
        while words and (words[0].dep_ in ("mark", "cc", "punct") and words[0].text not in _MARKS):
            words = words[1:]
        while words and words[-1].text in (",", ".", ";", ":"):
            words = words[:-1]
        if not words:
            continue
        start, end = words[0].idx, words[-1].idx + len(words[-1].text)
        if start <= quote.start and quote.end <= end + 1:
            return start, end
    return None


def _sentence_of(doc: Doc, quote: Quote) -> Span | None:
    span = doc.char_span(quote.start, quote.end, alignment_mode="expand")
    if span is None:
        return None
    sentence = span[0].sent
    return sentence if quote.end <= sentence.end_char + 2 else None


def quotes_in(docs: Iterable[tuple[Doc, list[Entity]]]) -> Iterable[list[Quote]]:
    """Stream :func:`find_quotes` over ``(doc, entities)`` pairs."""
    for doc, entities in docs:
        yield find_quotes(doc, entities)


@component("quotes", reads=("doc", "entities"), adds=("quotes",))
def quotes_component(doc: Doc, article: Article) -> None:
    """The pipeline component: ``article.quotes``, speakers linked to ``article.entities``."""
    article.quotes = find_quotes(doc, article.entities)
