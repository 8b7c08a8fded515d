"""Enrichment: who is in each article, who said what, and what happened when.

One spaCy pass per article (streamed in batches with ``nlp.pipe``) feeds the
annotators in order: entities → canonical entities across articles → quotes
(speakers link to entities) → time expressions (resolved against the
publication date) → events (which use both).  Every annotation keeps
character offsets into the article body.
"""

from __future__ import annotations

from spacy.language import Language
from sqlalchemy import Connection

from storyline.article import Article
from storyline.enrich.entities import find_entities
from storyline.enrich.entity_registry import EntityRegistry
from storyline.enrich.events import find_events
from storyline.enrich.quotes import find_quotes
from storyline.enrich.times import find_times, parse_dct
from storyline.nlp import MAX_LENGTH, load_nlp
from storyline.store import Store
from storyline.store.base import now
from storyline.stories.features import story_doc_from_spacy


class Enricher:
    """A pipeline stage: ``enricher(articles)`` fills in the annotations;
    ``enricher.persist(store, conn, article)`` writes them with the article."""

    def __init__(self, registry: EntityRegistry | None = None, batch_size: int = 16) -> None:
        self.registry = registry or EntityRegistry()
        self.batch_size = batch_size

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, loaded on first use (once per process)."""
        return load_nlp()

    @classmethod
    def for_store(cls, store: Store) -> Enricher:
        """An enricher that continues the store's canonical entities."""
        return cls(EntityRegistry.from_rows(store.load_canonical_entities()))

    def __call__(self, articles: list[Article]) -> list[Article]:
        self.annotate(articles)
        for article in articles:
            self.canonicalise(article)
        return articles

    def annotate(self, articles: list[Article]) -> list[Article]:
        """The per-article part: entities, quotes, times, events and lemmas, from one spaCy pass.

        It reads nothing but each article, so any process may run it in any order; the
        canonical ids (:meth:`canonicalise`) are left for the process that holds the registry.
        """
        texts = [article.body[:MAX_LENGTH] for article in articles]
        for article, doc in zip(articles, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
            article.entities = find_entities(doc)
            article.quotes = find_quotes(doc, article.entities)
            article.times = find_times(doc.text, parse_dct(article.published), doc)
            article.events = find_events(doc, article.entities, article.times)
            article.lemmas = story_doc_from_spacy(article.id, doc).lemmas or []
        return articles

    def canonicalise(self, article: Article) -> None:
        """Give every entity its cross-article identity; the article's other names are its context.

        Order matters (the registry learns from each article): call it in ingest order."""
        names = {entity.name for entity in article.entities}
        for entity in article.entities:
            entity.canonical_id = self.registry.resolve(entity, names - {entity.name})

    def persist(self, store: Store, conn: Connection, article: Article) -> None:
        wanted = sorted({e.canonical_id for e in article.entities if e.canonical_id})
        store.save_canonical_entities(conn, self.registry.to_rows(wanted))
        store.save_enrichment(conn, article, now())
