"""A headline whose root is an infinitive ("Obama to visit Haiti") has no verb above it:
the tense of its time expressions is read without climbing past the root."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from storyline.enrich.time.tense import verb_direction as _verb_direction


def test_infinitive_root_is_forward_and_does_not_recurse() -> None:
    vocab = spacy.blank("en").vocab
    words = ["Obama", "to", "visit", "Haiti"]
    doc = Doc(vocab, words=words, heads=[2, 2, 2, 2], deps=["nsubj", "aux", "ROOT", "dobj"],
              tags=["NNP", "TO", "VB", "NNP"], pos=["PROPN", "PART", "VERB", "PROPN"])
    assert doc[2].head.i == 2  # the root is its own head
    assert _verb_direction(doc[2]) in (-1, 0, 1)
