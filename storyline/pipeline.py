"""The ingest pipeline, top to bottom in one place.

    read → learn boilerplate → clean → (enrich) → dedup + store

Every stage streams: inputs are read lazily and processed in batches, so the
CLI, the server's refresher and the distributed engine run the same code.  A
bad input becomes an :class:`Outcome` with status ``skipped`` and its reason;
the batch goes on.  Each article is written in its own transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import Connection

from storyline.article import Article, Failure, RawDocument, Skip
from storyline.clean import BoilerplateModel, clean, source_key
from storyline.dedup import band_buckets, find_duplicate, shingles
from storyline.ingest import IngestOptions, read_inputs
from storyline.store import Store

BOILERPLATE_STATE = "boilerplate_model"

class Enricher(Protocol):
    """A stage that annotates a batch of articles and writes what it found."""

    def __call__(self, articles: list[Article]) -> list[Article]: ...

    def persist(self, store: Store, conn: Connection, article: Article) -> None: ...


@dataclass(slots=True)
class Outcome:
    """What happened to one input."""

    source: str
    status: str  # new | updated | unchanged | duplicate | skipped
    article_id: str | None = None
    duplicate_of: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "article_id": self.article_id,
            "duplicate_of": self.duplicate_of,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status == "skipped":
            self.skipped.append(outcome)

    @property
    def failed(self) -> bool:
        return bool(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.counts["new"] + self.counts["updated"] + self.counts["duplicate"],
            "new": self.counts["new"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
            "duplicates": self.counts["duplicate"],
            "skipped": [{"source": o.source, "reason": o.reason} for o in self.skipped],
        }


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Pipeline:
    """Runs inputs through the stages into a store."""

    def __init__(
        self,
        store: Store,
        options: IngestOptions | None = None,
        *,
        enricher: Enricher | None = None,
        batch_size: int = 32,
    ) -> None:
        self.store = store
        self.options = options or IngestOptions.from_settings()
        self.enricher = enricher
        self.batch_size = batch_size
        state = store.get_state(BOILERPLATE_STATE)
        self.boilerplate = BoilerplateModel.from_state(state) if state else BoilerplateModel()

    def run(self, inputs: Iterable[str]) -> Iterator[Outcome]:
        """Ingest paths, globs and URLs; yields one outcome per article or failure."""
        yield from self.process(read_inputs(inputs, self.options))

    def process(self, items: Iterable[RawDocument | Failure]) -> Iterator[Outcome]:
        for batch in _batched(items, self.batch_size):
            documents = [item for item in batch if isinstance(item, RawDocument)]
            for item in batch:
                if isinstance(item, Failure):
                    yield Outcome(item.source, "skipped", reason=item.reason)
            self.learn_boilerplate(documents)
            articles: list[Article] = []
            for document in documents:
                try:
                    article = clean(document, self.boilerplate)
                except Skip as exc:
                    yield Outcome(document.source, "skipped", reason=str(exc))
                    continue
                if self.store.article_fingerprint(article.id) == article.content_hash:
                    yield Outcome(article.source, "unchanged", article.id)
                else:
                    articles.append(article)
            if self.enricher is not None and articles:
                articles = self.enricher(articles)
            for article in articles:
                yield self.store_article(article)

    def learn_boilerplate(self, documents: list[RawDocument]) -> None:
        """Let the boilerplate model see this batch's text dumps before they are cleaned."""
        texts = [doc for doc in documents if doc.kind == "text" and doc.text]
        if not texts:
            return
        for doc in texts:
            self.boilerplate.observe(source_key(doc.text or "", doc.collection), doc.text or "")
        with self.store.transaction("save the boilerplate model") as conn:
            self.store.set_state(conn, BOILERPLATE_STATE, self.boilerplate.to_state())

    def store_article(self, article: Article) -> Outcome:
        """Link duplicates and write one article in one transaction."""
        assert article.content_hash is not None
        previous = self.store.article_fingerprint(article.id)
        if previous == article.content_hash:  # the same input twice in one batch
            return Outcome(article.source, "unchanged", article.id)
        items = shingles(article.body)
        buckets = band_buckets(items)
        with self.store.transaction(f"save article {article.id} from {article.source}") as conn:
            match = find_duplicate(self.store, conn, article.id, article.body, article.content_hash, items, buckets)
            article.duplicate_of = match.canonical_id if match else None
            self.store.save_article(conn, article)
            self.store.save_bands(conn, article.id, buckets)
            if self.enricher is not None:
                self.enricher.persist(self.store, conn, article)
        if article.duplicate_of:
            return Outcome(article.source, "duplicate", article.id, duplicate_of=article.duplicate_of)
        return Outcome(article.source, "updated" if previous else "new", article.id)
