"""The ingest pipeline, top to bottom in one place.

    read → learn boilerplate → clean → (enrich) → dedup + store

Every stage streams: inputs are read lazily and processed in batches, so the
CLI, the server's refresher and the distributed engine run the same code.  A
bad input becomes an :class:`Outcome` with status ``skipped`` and its reason;
the batch goes on.  Each article is written in its own transaction.

The per-article work that reads nothing but its input (cleaning an HTML page or
a trusted body, the spaCy annotations) may be done elsewhere first: such items
arrive as :class:`Prepared` and skip those steps here.  What depends on order
and on the store stays here: learned boilerplate, canonical entities, dedup,
writing (see ``storyline.engines``).
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
BOILERPLATE_SAVES = "boilerplate_model_saves"  # bumped with every save: has another worker saved since?
BOILERPLATE_LOCK = "boilerplate model"

class Enricher(Protocol):
    """A stage that annotates a batch of articles and writes what it found.

    ``annotate`` is per article and may run in any process; ``persist`` links an
    article's entities across articles (canonical entities, shared with the other
    workers through the store) and writes them in the article's write transaction,
    here, in ingest order.
    """

    def annotate(self, articles: list[Article]) -> list[Article]: ...

    def persist(self, store: Store, conn: Connection, article: Article) -> None: ...


@dataclass(slots=True)
class Prepared:
    """A document cleaned (and annotated, when the pipeline enriches) by another process.

    ``article`` is None when cleaning skipped it; ``reason`` then says why.
    """

    source: str
    article: Article | None = None
    reason: str | None = None


Item = RawDocument | Failure | Prepared


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
        # the counter first: a save between the two reads makes this model look old, never new
        self._boilerplate_saves = int(store.get_state(BOILERPLATE_SAVES) or 0)
        state = store.get_state(BOILERPLATE_STATE)
        self.boilerplate = BoilerplateModel.from_state(state) if state else BoilerplateModel()
        self._unsaved: list[tuple[str, str]] = []  # observed here since the last save: (source key, text)

    def run(self, inputs: Iterable[str]) -> Iterator[Outcome]:
        """Ingest paths, globs and URLs; yields one outcome per article or failure."""
        yield from self.process(read_inputs(inputs, self.options))

    def process(self, items: Iterable[Item]) -> Iterator[Outcome]:
        for batch in _batched(items, self.batch_size):
            self.learn_boilerplate(documents_of(batch))
            outcomes, articles = self.prepare(batch)
            yield from outcomes
            for article in articles:
                yield self.store_article(article)

    def prepare(self, batch: list[Item]) -> tuple[list[Outcome], list[Article]]:
        """Everything before writing, once the batch's boilerplate is learned.

        Returns the outcomes decided already (skipped, unchanged) and the articles to
        write, cleaned and annotated, in input order (canonical entities are given as
        each is written).
        """
        outcomes = [Outcome(item.source, "skipped", reason=item.reason) for item in batch if isinstance(item, Failure)]
        articles: list[Article] = []
        cleaned_here: set[int] = set()
        for item in batch:
            if isinstance(item, Failure):
                continue
            if isinstance(item, Prepared):
                if item.article is None:
                    outcomes.append(Outcome(item.source, "skipped", reason=item.reason))
                    continue
                article = item.article
            else:
                try:
                    article = clean(item, self.boilerplate)
                except Skip as exc:
                    outcomes.append(Outcome(item.source, "skipped", reason=str(exc)))
                    continue
                cleaned_here.add(id(article))
            if self.store.article_fingerprint(article.id) == article.content_hash:
                outcomes.append(Outcome(article.source, "unchanged", article.id))
            else:
                articles.append(article)
        if self.enricher is not None and articles:
            self.enricher.annotate([article for article in articles if id(article) in cleaned_here])
        return outcomes, articles

    def learn_boilerplate(self, documents: list[RawDocument]) -> None:
        """Let the boilerplate model see this batch's text dumps before they are cleaned.

        Read, count and save form one step under the model's lock: the model is first
        brought up to what other workers saved, so their observations and this batch's
        all stay in it.
        """
        if not any(doc.kind == "text" and doc.text for doc in documents):
            return
        with self.store.transaction("save the boilerplate model", locks=[BOILERPLATE_LOCK]) as conn:
            self._catch_up_boilerplate(conn)
            self.observe_boilerplate(documents)
            self.save_boilerplate(conn)

    def observe_boilerplate(self, documents: list[RawDocument]) -> bool:
        """Count the text dumps among ``documents`` in the model; False when there were none.

        They are kept until :meth:`save_boilerplate` stores them with the model.
        """
        texts = [doc for doc in documents if doc.kind == "text" and doc.text]
        for doc in texts:
            key = source_key(doc.text or "", doc.collection)
            self.boilerplate.observe(key, doc.text or "")
            self._unsaved.append((key, doc.text or ""))
        return bool(texts)

    def save_boilerplate(self, conn: Connection) -> None:
        """Store the model in the caller's transaction, with what other workers stored meanwhile."""
        self.store.lock(conn, [BOILERPLATE_LOCK])
        self._catch_up_boilerplate(conn)
        self._boilerplate_saves += 1
        self.store.set_state(conn, BOILERPLATE_STATE, self.boilerplate.to_state())
        self.store.set_state(conn, BOILERPLATE_SAVES, self._boilerplate_saves)
        self._unsaved.clear()

    def _catch_up_boilerplate(self, conn: Connection) -> None:
        """Under the model's lock: when another worker saved the model since this one last
        read or saved it, continue from the stored model plus what was observed here since."""
        saves = int(self.store.get_state(BOILERPLATE_SAVES, conn) or 0)
        if saves == self._boilerplate_saves:
            return
        state = self.store.get_state(BOILERPLATE_STATE, conn)
        model = BoilerplateModel.from_state(state) if state else BoilerplateModel()
        for key, text in self._unsaved:
            model.observe(key, text)
        self.boilerplate = model
        self._boilerplate_saves = saves

    def store_article(self, article: Article) -> Outcome:
        """Link duplicates and write one article in one transaction."""
        assert article.content_hash is not None
        previous = self.store.article_fingerprint(article.id)
        if previous == article.content_hash:  # the same input twice in one batch
            return Outcome(article.source, "unchanged", article.id)
        with self.store.transaction(f"save article {article.id} from {article.source}") as conn:
            self.store.lock_article_writes(conn)
            previous = self.store.article_fingerprint(article.id, conn)
            if previous == article.content_hash:  # another worker wrote it meanwhile
                return Outcome(article.source, "unchanged", article.id)
            return self.write_article(conn, article, previous)

    def write_article(self, conn: Connection, article: Article, previous: str | None) -> Outcome:
        """Link duplicates and write one article inside the caller's transaction.

        ``previous`` is the content hash stored for the article before, if any.
        """
        assert article.content_hash is not None
        self.store.lock_article_writes(conn)  # no other writer adds a copy until this one commits
        items = shingles(article.body)
        buckets = band_buckets(items)
        match = find_duplicate(self.store, conn, article.id, article.body, article.content_hash, items, buckets)
        article.duplicate_of = match.canonical_id if match else None
        self.store.save_article(conn, article)
        self.store.save_bands(conn, article.id, buckets)
        if self.enricher is not None:
            self.enricher.persist(self.store, conn, article)
        if article.duplicate_of:
            return Outcome(article.source, "duplicate", article.id, duplicate_of=article.duplicate_of)
        return Outcome(article.source, "updated" if previous else "new", article.id)


def documents_of(batch: Iterable[Item]) -> list[RawDocument]:
    """The raw documents of a batch (what the boilerplate model learns from)."""
    return [item for item in batch if isinstance(item, RawDocument)]


def make_pipeline(store: Store, options: IngestOptions | None = None, *, enrich: bool = True) -> Pipeline:
    """The pipeline ``storyline ingest`` runs: with enrichment (spaCy and the store's canonical
    entities, loaded once here) unless told otherwise."""
    enricher = None
    if enrich:
        from storyline.enrich import Enricher as SpacyEnricher

        enricher = SpacyEnricher.for_store(store)
    return Pipeline(store, options, enricher=enricher)
