"""Enrichment: who is in each article, who said what, and what happened when.

One spaCy pass per article (streamed in batches with ``nlp.pipe``) feeds the
annotators in order: entities → canonical entities across articles → quotes
(speakers link to entities) → time expressions (resolved against the
publication date) → events (which use both).  Every annotation keeps
character offsets into the article body.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from sqlalchemy import Connection, event

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

# Lone surrogates cannot be encoded (spaCy hashes every string as UTF-8) and NUL ends strings in
# C code and databases; each becomes one harmless character so offsets into the body still hold.
_UNSAFE = re.compile("[\ud800-\udfff\x00]")


def safe_text(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD and NUL as a space, of the same length."""
    return _UNSAFE.sub(lambda m: " " if m.group(0) == "\x00" else "\ufffd", text)


class Enricher:
    """A pipeline stage: ``enricher.annotate(articles)`` fills in the annotations;
    ``enricher.persist(store, conn, article)`` gives the article's entities their canonical
    ids and writes everything with the article.  ``enricher(articles)`` annotates and
    canonicalises in memory, without a store.

    Several workers may share one store: each keeps a registry in memory and brings it up
    to date with what the others wrote, under the store's entities lock, before it
    canonicalises an article, so one person gets one canonical id whoever saw them first.
    """

    def __init__(self, registry: EntityRegistry | None = None, batch_size: int = 16, *,
                 seen: int | None = None) -> None:
        self.registry = registry or EntityRegistry()
        self.batch_size = batch_size
        # the store's entity version the registry holds everything up to; None: not read from a store yet
        self.seen = seen

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, loaded on first use (once per process)."""
        return load_nlp()

    @classmethod
    def for_store(cls, store: Store) -> Enricher:
        """An enricher that continues the store's canonical entities."""
        rows = store.load_canonical_entities()
        return cls(EntityRegistry.from_rows(rows), seen=max((int(row["version"]) for row in rows), default=0))

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
        texts = [safe_text(article.body[:MAX_LENGTH]) for article in articles]
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
        """Canonicalise the article's entities and write them and its annotations, in the
        article's write transaction (call it in ingest order).

        Under the entities lock the registry first takes in the rows other workers wrote
        since it last looked (by version, through an index: never the whole table); the
        rows written here get the next version.  Should the transaction roll back, the
        registry is read afresh before the next article, since it holds what was not kept.
        """
        if article.entities:
            store.lock_entities(conn)
            self.catch_up(store, conn)
            event.listen(conn, "rollback", self._forget, once=True)
            self.canonicalise(article)
            wanted = sorted({e.canonical_id for e in article.entities if e.canonical_id})
            version = store.save_canonical_entities(conn, self.registry.to_rows(wanted))
            if version is not None:
                self.seen = version
        store.save_enrichment(conn, article, now())

    def catch_up(self, store: Store, conn: Connection) -> None:
        """Take in the canonical entities written since :attr:`seen` (all of them the first time);
        ``conn`` holds the entities lock."""
        rows = store.canonical_entities_since(conn, -1 if self.seen is None else self.seen)
        if rows:
            self.registry.merge_rows(rows)
            self.seen = max(int(row["version"]) for row in rows)
        elif self.seen is None:
            self.seen = 0

    def _forget(self, _conn: Any) -> None:
        self.registry = EntityRegistry(prefix=self.registry.prefix)
        self.seen = None
