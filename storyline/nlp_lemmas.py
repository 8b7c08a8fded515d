"""spaCy's rule lemmatizer, read from a cache of its answers: the same lemmas, in a fraction of the time.

The English lemmatizer gives each token the lemma its rules (and tables of exceptions) derive
from the token's text, coarse part of speech and morphology, and nothing else; spaCy keeps its
answers by that key already, but still visits every token through Python objects, about an
eighth of the whole parse of a news article.  :class:`CachedLemmas` reads the three values of
every token at once as arrays, looks each combination up, asks the lemmatizer itself only for a
combination it has not seen (its index of known lemmas held as sets, not the lists the model
ships), and writes the lemmas back at once.  Tokens that already have a
lemma (the attribute ruler sets a few) keep it, as the lemmatizer leaves them; a lemmatizer in
another mode, or one told to overwrite, runs as it is.  ``tests/test_nlp.py`` compares both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

if TYPE_CHECKING:
    from thinc.types import Ints2d

CACHE_SIZE = 200_000  # combinations kept; past it the cache starts again


class CachedLemmas:
    """Applies a rule :class:`Lemmatizer` through a cache keyed by text, part of speech and morphology."""

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self._cache: dict[tuple[int, int, int], int] = {}
        self._checked = False

    def __call__(self, doc: Doc) -> Doc:
        if not self._checked or self.lemmatizer.mode != "rule" or self.lemmatizer.overwrite:
            self._checked = True  # the first document goes through the lemmatizer: it checks its tables
            return self.lemmatizer(doc)
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3:4].copy()  # a column: one attribute
        strings = doc.vocab.strings
        cache = self._cache
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma:
                continue
            key = (orth, pos, morph)
            found = cache.get(key)
            if found is None:
                if len(cache) >= CACHE_SIZE:
                    cache.clear()
                found = cache[key] = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
            lemmas[i, 0] = found
        doc.from_array([LEMMA], cast("Ints2d", lemmas))
        return doc


def install(nlp: Language) -> bool:
    """Replace the pipeline's rule ``lemmatizer`` by its cached reader; False when there is none."""
    if "lemmatizer" not in nlp.pipe_names:
        return False
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer) or lemmatizer.mode != "rule":
        return False
    _index_as_sets(lemmatizer)
    name = f"storyline_cached_lemmas_{id(lemmatizer):x}"
    Language.component(name, func=CachedLemmas(lemmatizer))
    nlp.replace_pipe("lemmatizer", name)
    return True


def _index_as_sets(lemmatizer: Lemmatizer) -> None:
    """The lemmatizer's index (the known lemmas of each part of speech) held as sets.  Its rules
    only ask whether a candidate form is known, which on the lists the model ships is a walk of
    up to 57,000 strings for every combination not seen before: three quarters of this
    component's time on a news article, for the same answers."""
    index = lemmatizer.lookups.get_table("lemma_index", {})
    for pos in list(index):
        index[pos] = frozenset(index[pos])
