"""Enrichment: who is in each article, who said what, and what happened when.

One spaCy pass per article (streamed in batches with ``nlp.pipe``) feeds a list of
components (:mod:`storyline.enrich.component`), each with a name, what it reads and what it
adds, run in order:

====================  ==========================  ============
component             reads                       adds
====================  ==========================  ============
``entities``          doc                         entities
``quotes``            doc, entities               quotes
``times``             doc, published              times
``events``            doc, entities, times,       events
                      published
``lemmas``            doc                         lemmas
====================  ==========================  ============

The packages: :mod:`storyline.enrich.entities`, :mod:`storyline.enrich.quotes`,
:mod:`storyline.enrich.time` and :mod:`storyline.enrich.events`.  Canonical entities across
articles are given afterwards, in ingest order, by :meth:`Enricher.persist`.  Every
annotation keeps character offsets into the article body.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from sqlalchemy import Connection, event

from storyline.article import Article
from storyline.enrich.component import Component, check_order, component
from storyline.enrich.entities import entities_component
from storyline.enrich.events import events_component
from storyline.enrich.quotes import quotes_component
from storyline.enrich.time import times_component
from storyline.nlp import MAX_LENGTH, load_nlp
from storyline.store import Store
from storyline.store.base import now
from storyline.stories.entity_registry import EntityRegistry
from storyline.stories.features import story_doc_from_spacy

# Lone surrogates cannot be encoded (spaCy hashes every string as UTF-8) and NUL ends strings in
# C code and databases; each becomes one harmless character so offsets into the body still hold.
_UNSAFE = re.compile("[\ud800-\udfff\x00]")


def safe_text(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD and NUL as a space, of the same length."""
    return _UNSAFE.sub(lambda m: " " if m.group(0) == "\x00" else "\ufffd", text)


if TYPE_CHECKING:
    from spacy.tokens import Doc


@component("lemmas", reads=("doc",), adds=("lemmas",))
def lemmas_component(doc: Doc, article: Article) -> None:
    """The pipeline component: the content words the story grouping compares."""
    article.lemmas = story_doc_from_spacy(article.id, doc).lemmas or []


COMPONENTS: tuple[Component, ...] = (
    entities_component,
    quotes_component,
    times_component,
    events_component,
    lemmas_component,
)


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
                 seen: int | None = None, components: tuple[Component, ...] = COMPONENTS) -> None:
        check_order(components)
        self.components = components
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
        """The per-article part: each of :attr:`components` in order, over one spaCy pass.

        It reads nothing but each article, so any process may run it in any order; the
        canonical ids (:meth:`canonicalise`) are left for the process that holds the registry.
        """
        texts = [safe_text(article.body[:MAX_LENGTH]) for article in articles]
        for article, doc in zip(articles, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
            for part in self.components:
                part(doc, article)
        return articles

    def canonicalise(self, article: Article) -> None:
        """Give every entity its cross-article identity; the article's other names are its context.

        Order matters (the registry learns from each article): call it in ingest order."""
        names = {entity.name for entity in article.entities}
        for entity in article.entities:
            entity.canonical_id = self.registry.resolve(entity, names - {entity.name})
        self._name_in_full(article)

    def _name_in_full(self, article: Article) -> None:
        """Events and quotes name a person as fully as the registry knows them: "Merz" in this
        article is "Friedrich Merz" when an earlier article of the archive gave his first name."""
        full: dict[str, str] = {}
        for entity in article.entities:
            if entity.type != "PERSON" or not entity.canonical_id:
                continue
            known = self.registry.get(entity.canonical_id).name
            if len(known.split()) > len(entity.name.split()) and known.split()[-1] == entity.name.split()[-1]:
                full[entity.name] = known
        if not full:
            return
        for told in article.events:
            told.participants = [full.get(name, name) for name in told.participants]
        for quote in article.quotes:
            if quote.speaker_name in full:
                quote.speaker_name = full[quote.speaker_name]

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
