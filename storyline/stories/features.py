"""What story clustering reads from an article: :class:`StoryDoc` and its term bags.

A :class:`StoryDoc` is plain data: id, title, body, publication date, entities as
``(name, type)`` pairs and, when a tagger ran, content lemmas.
:func:`story_doc_from_article` builds one from an enriched :class:`Article`,
:func:`story_doc_from_spacy` from a spaCy ``Doc``; benchmarks and the pipeline use
the same two builders.

:func:`doc_terms` turns a StoryDoc into the five bags of terms (sub-vectors) that the
clusterer weights with its online IDF, after Miranda et al. (2018): tokens of the
head (title, or the lead sentence when there is no title), tokens of the body,
lemmas, entities, and the entities named in the head.

:func:`doc_vectors` adds dense sentence embeddings of the head and of the lead (head and
the body's first words) when the ``embeddings`` extra is installed (see
:mod:`storyline.stories.embed`); they are computed once per StoryDoc.
"""

from __future__ import annotations

import importlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from storyline.article import Article

SUBVECTORS: tuple[str, ...] = ("head_tokens", "body_tokens", "lemmas", "entities", "head_entities")
# Numbers written in the text (years, counts, scores, magnitudes): two events of one kind
# often differ in them.  Read by the pair model of a batch only.
NUMBERS = "numbers"

# Entity types that name a participant, place or thing a story is about.  Dates,
# numbers and amounts repeat across unrelated stories and are left out.
ENTITY_TYPES = frozenset(
    {"PERSON", "PER", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "MISC"}
)

_WORD = re.compile(r"[^\W\d_]{2,}")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_URLISH = re.compile(r"https?:|www\.|\.com\b|/ ")


def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (the Glasgow IR group's list), which the story models were
    trained with.  Read from the one file of scikit-learn that holds them: importing the package
    (scipy.stats, pandas) took 1.7 s of every process's start, a worker's included, for a list."""
    import importlib.util
    from pathlib import Path

    try:
        package = importlib.util.find_spec("sklearn")
        if package is not None and package.origin:
            path = Path(package.origin).parent / "feature_extraction" / "_stop_words.py"
            spec = importlib.util.spec_from_file_location("storyline._english_stop_words", path)
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return frozenset(module.ENGLISH_STOP_WORDS)
    except (ImportError, OSError, AttributeError, SyntaxError):
        pass  # another layout: the documented import below
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


_STOP = english_stop_words() | {"said", "says", "say", "mr", "mrs", "ms", "told", "news"}
_LEAD_WORDS = 40
MAX_TERMS = 150  # per document and sub-vector, the strongest by raw frequency


@dataclass(slots=True)
class StoryDoc:
    """One article as the story clusterer sees it."""

    id: str
    title: str | None
    body: str
    published: date | None = None
    entities: list[tuple[str, str]] = field(default_factory=list)
    lemmas: list[str] | None = None
    # The day the article was first stored.  For an undated article it stands in for the
    # publication date when the clusterer decides which stories are still open to it; it is
    # never shown or used as the article's date.
    seen: date | None = None
    # Dense vectors by name, filled on first use by :func:`doc_vectors`.
    vectors: dict[str, list[float]] | None = None


def parse_date(value: str | None) -> date | None:
    """The date of an ISO date or datetime string, None when absent or malformed."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def story_doc_from_article(article: Article, seen: str | None = None) -> StoryDoc:
    """A StoryDoc from an article after enrichment.

    Entities are given by their names (store ids such as "c5" carry no words to match);
    lemmas are the stored content lemmas (body tokens stand in when there are none).
    The training script builds its documents with this same function from a store the
    CLI filled, so the model learns from what the product clusters.
    """
    entities = [
        (entity.name, entity.type)
        for entity in article.entities
        if entity.type in ENTITY_TYPES
    ]
    return StoryDoc(
        id=article.id,
        title=article.title,
        body=article.body,
        published=parse_date(article.published),
        entities=entities,
        lemmas=article.lemmas or None,
        seen=parse_date(seen),
    )


def story_doc_from_spacy(
    doc_id: str, doc: Doc, title: str | None = None, published: date | None = None
) -> StoryDoc:
    """A StoryDoc from a spaCy ``Doc`` of the body (needs NER; lemmas when a lemmatizer ran)."""
    from storyline.nlp import doc_text

    entities = [(ent.text, ent.label_) for ent in doc.ents if ent.label_ in ENTITY_TYPES]
    lemmas = [
        token.lemma_.lower()
        for token in doc
        if token.is_alpha and not token.is_stop and len(token) > 1 and token.lemma_
    ]
    return StoryDoc(
        id=doc_id,
        title=title,
        body=doc_text(doc),
        published=published,
        entities=entities,
        lemmas=lemmas or None,
    )


def tokens(text: str, stop: frozenset[str] = _STOP) -> list[str]:
    """Lower-cased word tokens without stop words or digits."""
    return [word for word in (match.lower() for match in _WORD.findall(text)) if word not in stop]


@lru_cache(maxsize=64)
def stop_words(language: str | None) -> frozenset[str]:
    """The stop words left out of a text's terms: English ones always, and for a text
    confidently in another language (:func:`storyline.stories.embed.language`) spaCy's list for
    it (shipped with spaCy, no model needed), else any two texts of that language would share
    its articles and prepositions ("el", "la", "de") as terms."""
    if not language or language == "en" or not language.isalpha():
        return _STOP
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ImportError:
        return _STOP
    return _STOP | frozenset(word.lower() for word in getattr(module, "STOP_WORDS", ()))


def text_stop_words(doc: StoryDoc) -> frozenset[str]:
    """The stop words for this document's language (:func:`stop_words`)."""
    from storyline.stories.embed import MAX_CHARS, language

    return stop_words(language(f"{doc.title or ''}\n{doc.body[:MAX_CHARS]}"[:MAX_CHARS]))


def head_text(doc: StoryDoc) -> str:
    """The title, or the first sentence of the body that reads like prose."""
    if doc.title and doc.title.strip():
        return doc.title
    from storyline.nlp import sentence_spans  # spaCy loads only when a title is missing

    body = doc.body[:2000]
    for start, end in sentence_spans(body):
        for line in body[start:end].splitlines():  # a byline or dateline is a line of its own
            if len(tokens(line)) >= 3 and not _URLISH.search(line):
                return " ".join(line.split()[:_LEAD_WORDS])
    return ""


def entity_key(name: str, label: str) -> list[str]:
    """Index keys of one entity: the normalised name and, for people, the surname."""
    norm = " ".join(tokens_keep_stop(name))
    if norm.startswith("the "):
        norm = norm[4:]
    if not norm:
        return []
    keys = [norm]
    if label in {"PERSON", "PER"} and " " in norm:
        keys.append("per:" + norm.rsplit(" ", 1)[1])
    return keys


def numbers(text: str) -> list[str]:
    """The numbers of a text (two digits or more, or a decimal), as written without
    thousands separators: "1,200" and "1200" are one term."""
    out = []
    for match in _NUMBER.findall(text):
        value = match.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", match) else match
        if len(value) >= 2:
            out.append(value)
    return out


def tokens_keep_stop(text: str) -> list[str]:
    return [match.lower() for match in _WORD.findall(text.replace("'s", ""))]


LEAD_WORDS = 60  # body words after the head that make the "lead" embedding


def doc_vectors(doc: StoryDoc) -> dict[str, list[float]]:
    """Dense unit vectors of the head and the lead; empty without the embeddings extra, and for
    text in a language the embedding model does not read (:func:`storyline.stories.embed.readable`)."""
    if doc.vectors is not None:
        return doc.vectors
    from storyline.stories.embed import available, embed, readable

    head = head_text(doc)
    lead = " ".join([head, *doc.body.split()[:LEAD_WORDS]])
    vectors: dict[str, list[float]] = {}
    doc.vectors = vectors
    if not available() or not readable(lead):
        return vectors
    for name, text in (("head_vec", head), ("lead_vec", lead)):
        vector = embed(text)
        if vector is not None:
            vectors[name] = vector
    return vectors


def _bag(terms: list[str]) -> dict[str, float]:
    counts = Counter(terms)
    if len(counts) > MAX_TERMS:
        counts = Counter(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]))
    return {term: 1.0 + math.log(count) for term, count in counts.items()}


def doc_terms(doc: StoryDoc) -> dict[str, dict[str, float]]:
    """The five sub-vectors of a document as sublinear term frequencies (no IDF yet)."""
    head = head_text(doc)
    head_lower = head.lower()
    stop = text_stop_words(doc)
    body_tokens = tokens(doc.body, stop)
    entity_terms: list[str] = []
    head_entities: list[str] = []
    for name, label in doc.entities:
        keys = entity_key(name, label)
        entity_terms.extend(keys)
        if keys and name.lower() in head_lower:
            head_entities.extend(keys)
    return {
        NUMBERS: _bag(numbers(f"{doc.title or ''}\n{doc.body}")),
        "head_tokens": _bag(tokens(head, stop)),
        "body_tokens": _bag(body_tokens),
        "lemmas": _bag(body_tokens if doc.lemmas is None
                       else doc.lemmas if stop is _STOP else [lemma for lemma in doc.lemmas if lemma not in stop]),
        "entities": _bag(entity_terms),
        "head_entities": _bag(head_entities),
    }
