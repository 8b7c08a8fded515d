"""The shared spaCy pipeline: tokens and sentences as quote attribution and evidence need them."""

from __future__ import annotations

from typing import Any

from support import EXAMPLES

from storyline.nlp import load_nlp


def test_a_quotation_mark_glued_to_the_next_word_is_split_off() -> None:
    doc = load_nlp()("It was “paranoia,”Clinton said, and “fine.”He left.")
    words = [token.text for token in doc]
    assert words[:8] == ["It", "was", "“", "paranoia", ",", "”", "Clinton", "said"]
    assert "He" in words and "”He" not in words


def test_numbers_abbreviations_and_hyphens_keep_their_tokens() -> None:
    words = [t.text for t in load_nlp()("It is 5.5 per cent of 10,000 in the U.S. by e-mail.")]
    assert {"5.5", "10,000", "U.S."} <= set(words)


def test_a_paragraph_break_always_ends_a_sentence() -> None:
    doc = load_nlp()("A heading without a full stop\n\nThe article starts here. It goes on.")
    assert [s.text.strip() for s in doc.sents] == [
        "A heading without a full stop", "The article starts here.", "It goes on."]


def test_a_list_of_names_is_not_split_into_sentences() -> None:
    text = ("Prime Minister Sir Keir Starmer, French President Emmanuel Macron and German Chancellor "
            "Friedrich Merz met at No 10 on Monday.")
    assert len(list(load_nlp()(text).sents)) == 1


def test_sentences_are_listed_once_and_every_read_agrees_with_spacys_own() -> None:
    from spacy.tokens import Doc

    text = ("The council met on Monday. “We will build the bridge,” the mayor said. Work starts in May.\n\n"
            "Residents were not asked. Nobody knows the cost.")
    doc = load_nlp()(text)
    # the same boundaries, without the index
    plain = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc],
                sent_starts=[bool(t.is_sent_start) for t in doc])
    assert not plain.user_hooks and doc.user_hooks
    assert [s.text for s in doc.sents] == [s.text for s in plain.sents]
    for token in doc:
        assert (token.sent.start, token.sent.end) == (plain[token.i].sent.start, plain[token.i].sent.end)
    span = doc[8:11]
    assert span.sent.text == plain[8:11].sent.text
    assert len(list(doc.sents)) == 5


def test_a_span_made_a_document_lists_its_own_sentences() -> None:
    doc = load_nlp()("The ferry left at noon. It came back empty. Nobody said why.")
    part = doc[6:].as_doc()  # spaCy copies the hooks, not what they read
    assert [s.text for s in part.sents] == ["It came back empty.", "Nobody said why."]
    assert part[0].sent.text == "It came back empty."


def _example_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.iterdir()) if path.suffix == ".txt"]


def _parsed_up_to(nlp: Any, component: str, text: str) -> Any:
    """``text`` through the pipeline's components before ``component``."""
    doc = nlp.make_doc(text)
    for name in nlp.pipe_names[: nlp.pipe_names.index(component)]:
        doc = nlp.get_pipe(name)(doc)
    return doc


def test_the_cached_attribute_reader_gives_exactly_the_models_annotations() -> None:
    """Part of speech, morphology, lemmas and norms as the model's own ``attribute_ruler`` sets them,
    on the example articles and on sentences with the rules that span tokens ("gon na", "let 's")."""
    from storyline.nlp_attributes import CachedAttributes

    texts = _example_texts()
    texts += ["I ain't gonna let 's go, we gotta see y'all and wanna win, don't we?",
              "Let's go.  The Prime Minister's spokesman said: “We’re ready.”\n\n\nU.S. officials met at 10:30 a.m."]
    nlp = load_nlp()
    cached = nlp.get_pipe("attribute_ruler")
    assert isinstance(cached, CachedAttributes)
    lemmatizer = nlp.get_pipe("lemmatizer")

    def read(doc: Any) -> list[tuple[str, ...]]:
        return [(t.text, t.tag_, t.dep_, t.pos_, str(t.morph), t.lemma_, t.norm_) for t in doc]

    for text in texts:
        doc = _parsed_up_to(nlp, "attribute_ruler", text)
        expected, got = doc.copy(), doc.copy()
        expected = lemmatizer(cached.ruler(expected))  # the model's ruler, through its Matcher
        got = lemmatizer(cached(got))
        assert read(got) == read(expected)
        assert any(t.pos_ for t in got)


def _annotations(doc: Any) -> list[tuple[Any, ...]]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.head.i, t.dep_, t.ent_iob_, t.ent_type_, t.lemma_,
             t.is_sent_start) for t in doc]


def test_products_through_numpys_blas_give_exactly_the_models_annotations() -> None:
    """Every token's tag, morphology, head, label, entity, lemma and sentence start as with thinc's
    own BLIS products, on the example articles and a sentence written for it."""
    from thinc.api import NumpyOps

    from storyline.nlp import build_nlp

    texts = _example_texts()
    texts.append("The mayor of Lisbon, Ana Costa, told reporters on Tuesday that the bridge would reopen in May.")
    nlp = load_nlp()
    models = [getattr(component, "model", None) for _name, component in nlp.pipeline]
    tok2vec = [model for model in models if model is not None and model.name.startswith("tok2vec")]
    assert tok2vec and all(isinstance(node.ops, NumpyOps) and not node.ops.use_blis
                           for model in tok2vec for node in model.walk())
    reference = build_nlp(numpy_blas=False)
    for got, expected in zip(nlp.pipe(texts), reference.pipe(texts), strict=True):
        assert _annotations(got) == _annotations(expected)


def test_the_cached_lemmatizer_gives_exactly_the_models_lemmas() -> None:
    """Irregular forms, base forms, proper nouns and lemmas the attribute ruler sets, as the model's
    own lemmatizer gives them, on the example articles and sentences written for it."""
    from storyline.nlp_lemmas import CachedLemmas

    texts = _example_texts()
    texts += ["The children were running faster than the geese; mice ate better cheeses.",
              "She'd gone, and they're leaving: Hughes's studies of the Joneses' ponies went best."]
    nlp = load_nlp()
    cached = nlp.get_pipe("lemmatizer")
    assert isinstance(cached, CachedLemmas)
    for text in texts * 2:  # the second round reads every combination from the cache
        doc = _parsed_up_to(nlp, "lemmatizer", text)
        expected, got = cached.lemmatizer(doc.copy()), cached(doc.copy())
        assert [t.lemma_ for t in got] == [t.lemma_ for t in expected]
        assert all(t.lemma_ for t in got if not t.is_space)


def test_the_lemmatizer_s_index_held_as_sets_gives_the_lemmas_of_its_shipped_lists() -> None:
    """The rule lemmatizer asks whether each candidate form is a known lemma; storyline holds those
    known lemmas as sets, not the lists the model ships (a walk of 57,000 strings per unseen word):
    the same lemmas, on words chosen to go through the rules and the index."""
    import spacy

    from storyline.nlp import MODEL_NAMES, build_nlp

    nlp = build_nlp()
    index = nlp.get_pipe("lemmatizer").lemmatizer.lookups.get_table("lemma_index")
    assert index and all(isinstance(known, frozenset) for known in index.values())
    shipped = None
    for name in MODEL_NAMES:
        try:
            shipped = spacy.load(name)
            break
        except OSError:
            continue
    assert shipped is not None
    assert all(isinstance(known, list) for known in shipped.get_pipe("lemmatizer").lookups.get_table("lemma_index").values())
    texts = ["The councillors were outmanoeuvring the glitziest rebrandings, and the ferries sailed later.",
             "Harbourmasters reckoned the dredgers had been refloated; she criticises tariffs, he bemoaned levies.",
             "Unreadiness plagued the flotillas as wharves emptied and tugboats idled, reads the memo."]
    for got, expected in zip(nlp.pipe(texts), shipped.pipe(texts), strict=True):
        assert [(t.text, t.lemma_) for t in got] == [(t.text, t.lemma_) for t in expected]


def test_a_documents_text_is_joined_once_and_stays_right_after_tokens_are_merged() -> None:
    from storyline.nlp import doc_text

    doc = load_nlp()("The harbour master of Porto Velho said the ferry would sail at dawn.")
    assert doc_text(doc) == doc.text
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[4:6])  # "Porto Velho"
    assert doc_text(doc) == doc.text and doc_text(doc) is doc_text(doc)
    doc.user_data["storyline.text"] = "stale"  # what it reads is the joined text it keeps
    assert doc_text(doc) == "stale"
