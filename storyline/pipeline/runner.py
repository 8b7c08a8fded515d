"""The ingest pipeline over a store, batch by batch.

    decode → learn boilerplate → clean → check → enrich → dedup + write

Inputs are read lazily and processed in batches, so the CLI, the server's
refresher and the distributed engine run the same code.  Every stage's failure
for one item is contained by the runner (:mod:`storyline.pipeline.stage`): the
item is skipped with its reason, or stored without its annotations and marked
for retry, and the batch goes on.  Each article is written in one transaction
(or, inside an engine's batch transaction, one savepoint): nothing is
half-written.

The per-article work that reads nothing but its input (decoding, cleaning an
HTML page or a trusted body, the spaCy annotations) may be done elsewhere first:
such items arrive as :class:`Prepared` and skip those steps here.  What depends
on order and on the store stays here: learned boilerplate, canonical entities,
dedup, writing (see ``storyline.engines``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from storyline.article import Article, Failure, RawDocument
from storyline.clean import BoilerplateModel, source_key
from storyline.dedup import band_buckets, find_duplicate, shingles
from storyline.ingest import IngestOptions, read_inputs
from storyline.pipeline.outcome import Outcome
from storyline.pipeline.stage import Stage, Work, describe, is_system_error, run_stage
from storyline.pipeline.stages import Check, Clean, Decode, Enrich, Enricher, StepFailed, strip_annotations
from storyline.pipeline.state import BOILERPLATE_LOCK, BOILERPLATE_SAVES, BOILERPLATE_STATE
from storyline.store import Store

if TYPE_CHECKING:
    from storyline.stories.update import Builder


@dataclass(slots=True)
class Prepared:
    """A document decoded, cleaned and (when the pipeline enriches) annotated by another process.

    ``article`` is None when cleaning skipped it or failed; ``reason`` then says why.
    ``annotated`` False: the pipeline annotates it (if it enriches); ``enrich_error`` says why
    the article comes without annotations although they were asked for.
    """

    source: str
    article: Article | None = None
    reason: str | None = None
    annotated: bool = True
    enrich_error: str | None = None


Item = RawDocument | Failure | Prepared


def work_of(item: Item) -> Work:
    """An input as the stages see it."""
    if isinstance(item, Failure):
        return Work(item.source, outcome=Outcome(item.source, "skipped", reason=item.reason))
    if isinstance(item, Prepared):
        if item.article is None:
            return Work(item.source, outcome=Outcome(item.source, "skipped", reason=item.reason))
        return Work(item.source, article=item.article, annotated=item.annotated, enrich_error=item.enrich_error)
    return Work(item.source, doc=item)


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _Observe(Stage):
    """The boilerplate model counts a batch's text dumps, in order (before any is cleaned)."""

    name = "learn boilerplate"
    needs = ("doc",)

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def wants(self, work: Work) -> bool:
        return work.outcome is None and work.doc is not None and work.doc.kind == "text" and bool(work.doc.text)

    def run(self, batch: list[Work]) -> None:
        for work in batch:
            assert work.doc is not None
            self.pipeline.observe(work.doc)


class _Write(Stage):
    """Dedup and write, one article per transaction (or savepoint of ``conn``)."""

    name = "write"
    needs = ("article",)
    adds = ("outcome",)

    def __init__(self, pipeline: Pipeline, conn: Connection | None = None) -> None:
        self.pipeline = pipeline
        self.conn = conn

    def run(self, batch: list[Work]) -> None:
        for work in batch:
            work.outcome = self.pipeline.store_work(work, self.conn)

    def failed(self, work: Work, exc: Exception) -> None:
        if isinstance(exc, StepFailed):
            work.skip(str(exc))
        else:
            super().failed(work, exc)


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
        self.decode: Stage = Decode()
        self.learn: Stage = _Observe(self)
        self.clean: Stage = Clean(lambda: self.boilerplate)
        self.check: Stage = Check(store, enricher is not None)
        self.enrich: Stage | None = Enrich(enricher) if enricher is not None else None

    # -- running -----------------------------------------------------------

    def run(self, inputs: Iterable[str]) -> Iterator[Outcome]:
        """Ingest paths, globs and URLs; yields one outcome per article or failure, in input order."""
        yield from self.process(read_inputs(inputs, self.options))

    def process(self, items: Iterable[Item]) -> Iterator[Outcome]:
        for batch in _batched(items, self.batch_size):
            works = [work_of(item) for item in batch]
            run_stage(self.decode, works)
            self.learn_batch(works)
            self.prepare(works)
            write = _Write(self)
            for work in works:
                run_stage(write, [work])
                assert work.outcome is not None
                yield work.outcome

    def catch_up(self, works: list[Work]) -> Iterator[Outcome]:
        """Annotate and write stored articles that await their annotations (``catch_up`` items)."""
        if self.enrich is not None:
            run_stage(self.enrich, works)
        write = _Write(self)
        for work in works:
            run_stage(write, [work])
            assert work.outcome is not None
            yield work.outcome

    def close(self) -> None:
        """Let go of what the pipeline holds beyond the store (worker processes)."""

    def story_builder(self) -> Builder | None:
        """What builds the stories' shown forms after an ingest: None, this process."""
        return None

    def prepare(self, works: list[Work]) -> list[Work]:
        """Clean, check and annotate a decoded batch whose boilerplate is learned."""
        run_stage(self.clean, works)
        run_stage(self.check, works)
        if self.enrich is not None:
            run_stage(self.enrich, works)
        return works

    def write_batch(self, conn: Connection, works: list[Work]) -> None:
        """Write a prepared batch inside ``conn``'s transaction, one savepoint per article."""
        # the transaction begins here (on SQLite a savepoint opened outside one would commit on release)
        self.store.lock_article_writes(conn)
        write = _Write(self, conn)
        for work in works:
            run_stage(write, [work])

    # -- boilerplate -------------------------------------------------------

    def learn_batch(self, works: list[Work]) -> None:
        """Let the boilerplate model see this batch's text dumps before they are cleaned.

        Read, count and save form one step under the model's lock: the model is first
        brought up to what other workers saved, so their observations and this batch's
        all stay in it.
        """
        if not any(self.learn.wants(work) for work in works):
            return
        with self.store.transaction("save the boilerplate model", locks=[BOILERPLATE_LOCK]) as conn:
            self._catch_up_boilerplate(conn)
            run_stage(self.learn, works)
            self.save_boilerplate(conn)

    def learn_boilerplate(self, documents: list[RawDocument]) -> None:
        """:meth:`learn_batch` for plain documents."""
        self.learn_batch([Work(doc.source, doc=doc) for doc in documents])

    def observe_boilerplate(self, documents: list[RawDocument]) -> bool:
        """Count the text dumps among ``documents`` (not saved yet: see :meth:`save_boilerplate`);
        False when there were none."""
        works = [Work(doc.source, doc=doc) for doc in documents]
        observed = any(self.learn.wants(work) for work in works)
        run_stage(self.learn, works)
        return observed

    def observe(self, doc: RawDocument) -> None:
        """Count one text dump in the model; kept until :meth:`save_boilerplate` stores it."""
        key = source_key(doc.text or "", doc.collection)
        self.boilerplate.observe(key, doc.text or "")
        self._unsaved.append((key, doc.text or ""))

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

    # -- writing -------------------------------------------------------------

    def store_article(self, article: Article) -> Outcome:
        """Link duplicates and write one article (annotated if this pipeline enriches) in one transaction."""
        return self.store_work(Work(article.source, article=article, annotated=self.enricher is not None))

    def store_work(self, work: Work, conn: Connection | None = None) -> Outcome:
        """Write one prepared item in its own transaction, or in a savepoint of ``conn``.

        When its annotations cannot be written, the article is written without them,
        marked for retry.
        """
        assert work.article is not None
        try:
            with self._unit(conn, work.article) as unit:
                return self.write_work(unit, work)
        except StepFailed as exc:
            if exc.step != "enrichment" or is_system_error(exc.cause):
                raise
            strip_annotations(work, f"enrichment not written: {describe(exc.cause)}")
        with self._unit(conn, work.article) as unit:
            return self.write_work(unit, work)

    def _unit(self, conn: Connection | None, article: Article) -> AbstractContextManager[Connection]:
        if conn is None:
            return self.store.transaction(f"save article {article.id} from {article.source}")
        return _savepoint(conn)

    def write_work(self, conn: Connection, work: Work) -> Outcome:
        """Link duplicates and write one item inside the caller's transaction."""
        article = work.article
        assert article is not None and article.content_hash is not None
        self.store.lock_article_writes(conn)  # no other writer adds a copy until this one commits
        status = self.store.article_status(article.id, conn)
        if status is not None and status[0] == article.content_hash:  # stored: here, or by another worker
            if self.enricher is None or status[1]:
                return Outcome(article.source, "unchanged", article.id)
            if not work.annotated:  # awaiting its annotations, which failed again
                self.store.mark_enrich_failed(conn, article.id, work.enrich_error or "not enriched")
                return Outcome(article.source, "unchanged", article.id, retry=work.enrich_error)
            self._persist(conn, article)
            return Outcome(article.source, "enriched", article.id)
        return self.write_article(conn, article, status[0] if status else None,
                                  annotated=work.annotated, retry=work.enrich_error)

    def write_article(self, conn: Connection, article: Article, previous: str | None, *,
                      annotated: bool | None = None, retry: str | None = None) -> Outcome:
        """Link duplicates and write one article inside the caller's transaction.

        ``previous`` is the content hash stored for the article before, if any.  With
        ``annotated`` (default: when this pipeline enriches) its annotations are written
        too; else it is marked as awaiting them, ``retry`` saying why.
        """
        assert article.content_hash is not None
        annotated = self.enricher is not None if annotated is None else annotated
        self.store.lock_article_writes(conn)
        items = shingles(article.body)
        buckets = band_buckets(items)
        try:
            match = find_duplicate(self.store, conn, article.id, article.body, article.content_hash, items, buckets)
        except Exception as exc:
            if is_system_error(exc):
                raise
            raise StepFailed("dedup", exc) from exc
        article.duplicate_of = match.canonical_id if match else None
        self.store.save_article(conn, article)
        self.store.save_bands(conn, article.id, buckets)
        if annotated and self.enricher is not None:
            self._persist(conn, article)
        else:
            self.store.mark_unenriched(conn, article.id, retry)
        notes = list(article.notes)
        if article.duplicate_of:
            return Outcome(article.source, "duplicate", article.id, duplicate_of=article.duplicate_of, retry=retry,
                           notes=notes)
        return Outcome(article.source, "updated" if previous else "new", article.id, retry=retry, notes=notes)

    def _persist(self, conn: Connection, article: Article) -> None:
        assert self.enricher is not None
        try:
            self.enricher.persist(self.store, conn, article)
            self.store.mark_enriched(conn, article.id)
        except Exception as exc:
            if is_system_error(exc):
                raise
            raise StepFailed("enrichment", exc) from exc


@contextmanager
def _savepoint(conn: Connection) -> Iterator[Connection]:
    with conn.begin_nested():
        yield conn


def documents_of(batch: Iterable[Item]) -> list[RawDocument]:
    """The raw documents of a batch (what the boilerplate model learns from)."""
    return [item for item in batch if isinstance(item, RawDocument)]
