"""The pipeline with its per-article work in worker processes (``storyline ingest --workers N``).

What runs where:

* **Worker processes** (a :class:`~concurrent.futures.ProcessPoolExecutor`; spaCy is
  loaded once per worker, by its initializer, and only when the run enriches, or once for all
  of them by the fork server the ``storyline`` program starts ahead, :mod:`storyline.fork_server`;
  ``storyline ingest`` and ``storyline enrich`` start them, :func:`start_workers`, as soon as
  their store has opened) decode
  and clean HTML pages and trusted bodies, then annotate articles: the stages of
  :func:`storyline.engines.work.prepare_items` and :class:`~storyline.pipeline.stages.Enrich`,
  with the same per-item containment.
* **This process**, in input order: the learned boilerplate model (text dumps are
  cleaned here, after their batch is learned), the check for stored copies, canonical
  entities, dedup, writing, and grouping afterwards; the shown forms of the stories it
  changed (headline, summary, timeline) are built by the workers, read and saved here.

Each batch makes two trips: its documents to be cleaned (while the batches before it
are being written), then its articles to be annotated, in chunks spread over the
workers, while the batch before it is written here; its own articles are written, in
order, as their chunks come back, so writing a batch overlaps annotating it (a batch
holding an article id of one still unwritten waits for that one, so its check against the
store sees it).  Cleaning and annotating read nothing but their article, and everything
that depends on order happens here, in order, so the store ends up the same for any
number of workers.  A worker that dies takes only its chunk with it: those items are
done again here, in this process, and the pool is started afresh; a server's pipeline
(``redo_here=False``, :func:`storyline.pipeline.serving_pipeline`) stores a dead worker's
articles without annotations instead, marked for retry, so what killed a worker never runs
in the server.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from storyline.article import Article
from storyline.ingest import IngestOptions
from storyline.pipeline.outcome import Outcome
from storyline.pipeline.runner import Item, Pipeline, _batched, _Write, work_of
from storyline.pipeline.stage import Work, describe, run_stage
from storyline.pipeline.stages import Enrich, Enricher, strip_annotations
from storyline.process import settle_heap
from storyline.store import Store

if TYPE_CHECKING:
    from storyline.stories.types import Story
    from storyline.stories.update import Builder, StoryInputs

log = logging.getLogger(__name__)

T = TypeVar("T")
AHEAD = 2  # batches cleaned ahead of the one being written
IN_FLIGHT = 1  # batches being annotated while the one before them is written
PIECES = 4  # chunks per worker a batch is annotated in: its first are written while the rest are annotated

# -- in the worker processes --------------------------------------------------------

_ENRICHER: Any = None
_BUDGET: float | None = None  # the annotators' seconds per article, as the main process reads them


def _start_worker(enrich: bool, budget: float | None = None) -> None:
    global _ENRICHER, _BUDGET
    _BUDGET = budget  # given, not read here: a forkserver's workers see its environment, not ours
    if enrich:
        from storyline.enrich import Enricher as SpacyEnricher

        _ENRICHER = SpacyEnricher()
        _ENRICHER.nlp  # noqa: B018 - load the model once, before the first batch
    settle_heap()


def _clean_chunk(items: list[Item]) -> list[Item]:
    from storyline.engines.work import prepare_items

    return prepare_items(items, None)


def _build_chunk(jobs: list[StoryInputs]) -> list[Story | str]:
    from storyline.stories.update import build_here

    return build_here(jobs)


def _annotate_chunk(articles: list[Article]) -> list[tuple[Article, str | None]]:
    """Each article annotated, or with the reason it could not be (the runner contains it)."""
    assert _ENRICHER is not None
    works = [Work(article.source, article=article) for article in articles]
    run_stage(Enrich(_ENRICHER, _BUDGET), works)
    return [(work.article, work.enrich_error) for work in works if work.article is not None]


def _load_here(grouping: bool) -> None:
    from storyline import dedup
    from storyline.stories import embed

    try:
        dedup.load()
        if grouping:
            embed.load()
    except Exception:  # loaded again where needed, which fails there with its reason
        log.debug("loading ahead failed", exc_info=True)


def _ready() -> None:
    """A first task for each worker: the pool starts a process for each task it has no idle one for."""


# -- here ------------------------------------------------------------------------


def _new_pool(workers: int, enrich: bool, budget: float | None) -> ProcessPoolExecutor:
    # not fork: the poller's and the server's threads must not be copied mid-work
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(enrich, budget))


def start_workers(workers: int, *, enrich: bool) -> ProcessPoolExecutor | None:
    """``workers`` processes started now, on a thread (this returns at once), each loading the
    model when ``enrich``, for a :class:`ParallelPipeline` to take over (``pool=``).  ``storyline
    ingest`` starts them once its store has opened, before it loads its own part, so that the two
    happen at once: a worker's start (a fresh interpreter, imports, the model; or the fork server's
    preload, :mod:`storyline.fork_server`) is the longest wait of a short ingest.  None when this
    system refuses processes (the pipeline then finds out again, and says so)."""
    from storyline import settings

    try:
        pool = _new_pool(workers, enrich, settings.get_float("STORYLINE_ENRICH_TIMEOUT"))
    except OSError:
        return None
    threading.Thread(target=_spawn, args=(pool, workers), name="storyline-start-workers", daemon=True).start()
    return pool


def _spawn(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start the pool's processes: each start waits until the fork server has loaded what it
    preloads (the model: a second or more), which the caller spends opening its store and
    reading its first batch instead."""
    try:
        for _ in range(workers):
            pool.submit(_ready)
    except (OSError, RuntimeError, BrokenProcessPool) as exc:  # the pipeline finds out at its first chunk
        log.debug("starting the workers ahead failed: %s", describe(exc))


@dataclass(slots=True)
class _Sent:
    """A batch whose articles are with the workers, to be written when its turn comes."""

    works: list[Work]
    ids: set[str]  # its article ids: a later batch holding one is checked after this one is written
    parts: list[tuple[list[Work], Future[list[Any]]]]


def _chunks(items: list[T], parts: int) -> list[list[T]]:
    size = max(1, -(-len(items) // parts))
    return [items[start : start + size] for start in range(0, len(items), size)]


class ParallelPipeline(Pipeline):
    """:class:`Pipeline` with decoding, cleaning and annotating in ``workers`` processes."""

    def __init__(self, store: Store, options: IngestOptions | None = None, *, enricher: Enricher | None = None,
                 workers: int = 2, batch_size: int = 32, redo_here: bool = True,
                 pool: ProcessPoolExecutor | None = None) -> None:
        """``pool``: worker processes already started by :func:`start_workers` (for as many
        ``workers``, the same ``enricher`` or none), which this pipeline takes over."""
        super().__init__(store, options, enricher=enricher, batch_size=batch_size)
        self.workers = workers
        self.redo_here = redo_here  # annotate a dead worker's articles here (else: stored without, for retry)
        self._pool = pool
        # why worker processes cannot start on this system (no working semaphores, a
        # forkserver that cannot be started...): then every item is done in this process
        self.unavailable: str | None = None
        self._loading: threading.Thread | None = None

    # -- the pool -----------------------------------------------------------

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            budget = self.enrich.budget if isinstance(self.enrich, Enrich) else None
            self._pool = _new_pool(self.workers, self.enricher is not None, budget)
        return self._pool

    def close(self) -> None:
        if self._loading is not None:
            self._loading.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _submit(self, fn: Callable[[list[T]], list[Any]], chunk: list[T]) -> Future[list[Any]]:
        """The chunk sent to a worker; when no worker process can start here, a future that
        says so (the callers then do the chunk in this process)."""
        if self.unavailable is None:
            try:
                return self._to_pool(fn, chunk)
            except OSError as exc:  # the system refuses processes or their semaphores
                self.unavailable = describe(exc)
                self._restart()
                log.warning("worker processes cannot start here (%s): the per-article work runs in this "
                            "process (as with --workers 1)", self.unavailable)
        refused: Future[list[Any]] = Future()
        refused.set_exception(BrokenProcessPool(f"no worker processes here: {self.unavailable}"))
        return refused

    def _to_pool(self, fn: Callable[[list[T]], list[Any]], chunk: list[T]) -> Future[list[Any]]:
        try:
            return self._executor().submit(fn, chunk)
        except (BrokenProcessPool, RuntimeError) as exc:  # broken or shut down: a fresh pool
            log.warning("ingest workers: starting again (%s)", describe(exc))
            self._restart()
            return self._executor().submit(fn, chunk)

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _result(self, future: Future[list[Any]], chunk: list[T], here: Callable[[list[T]], list[Any]],
                instead: str = "are done in the main process") -> list[Any]:
        """The chunk's result from its worker or, when the worker died, what ``here`` gives for it
        (``instead`` says what that is, for the log)."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            if self.unavailable is None:
                log.warning("an ingest worker died (%s): its %d items %s", describe(exc), len(chunk), instead)
            self._restart()
            return here(chunk)

    # -- the stages ---------------------------------------------------------

    def _clean_ahead(self, batch: list[Item]) -> list[tuple[list[Item], Future[list[Any]]]]:
        return [(chunk, self._submit(_clean_chunk, chunk)) for chunk in _chunks(batch, self.workers)]

    def _cleaned(self, pending: list[tuple[list[Item], Future[list[Any]]]]) -> list[Work]:
        from storyline.engines.work import prepare_items

        items: list[Item] = []
        for chunk, future in pending:
            items.extend(self._result(future, chunk, lambda c: prepare_items(c, None)))
        return [work_of(item) for item in items]

    def annotate(self, works: list[Work]) -> None:
        """Annotate the batch's articles that need it, in the workers."""
        self._collect(self._send(works))

    def _send(self, works: list[Work]) -> list[tuple[list[Work], Future[list[Any]]]]:
        """The batch's articles that need annotating, sent to the workers in chunks."""
        if self.enrich is None:
            return []
        todo = [work for work in works if self.enrich.wants(work)]
        return [(chunk, self._submit(_annotate_chunk, [w.article for w in chunk if w.article is not None]))
                for chunk in _chunks(todo, self.workers * PIECES)]

    def _collect(self, parts: list[tuple[list[Work], Future[list[Any]]]]) -> None:
        """The annotations the workers made, put on their items (or each item's reason)."""
        for chunk, future in parts:
            self._collect_chunk(chunk, future)

    def _collect_chunk(self, chunk: list[Work], future: Future[list[Any]]) -> None:
        try:
            results = future.result()
        except BrokenProcessPool as exc:
            self._restart()
            if not self.redo_here and self.unavailable is None:
                log.warning("an ingest worker died (%s): its %d articles are stored without annotations, "
                            "for retry", describe(exc), len(chunk))
                for work in chunk:
                    strip_annotations(work, f"enrich failed: its worker died ({describe(exc)})")
                return
            if self.unavailable is None:
                log.warning("an ingest worker died (%s): its %d articles are annotated in the main process",
                            describe(exc), len(chunk))
            assert self.enrich is not None
            for work in chunk:
                run_stage(self.enrich, [work])
            return
        except Exception as exc:  # the chunk could not travel (pickling): each item here
            for work in chunk:
                strip_annotations(work, f"enrich failed: {describe(exc)}")
            return
        for work, (article, error) in zip(chunk, results, strict=True):
            work.article = article
            if error:
                strip_annotations(work, error)
            else:
                work.annotated = True

    def process(self, items: Iterable[Item]) -> Iterator[Outcome]:
        """Batches cleaned ahead, annotated while the batch before is written, written in order."""
        ahead: deque[list[tuple[list[Item], Future[list[Any]]]]] = deque()
        sent: deque[_Sent] = deque()
        self._load_ahead()
        for batch in _batched(items, self.batch_size):
            ahead.append(self._clean_ahead(batch))
            if len(ahead) > AHEAD:
                yield from self._advance(ahead.popleft(), sent)
        while ahead:
            yield from self._advance(ahead.popleft(), sent)
        while sent:
            yield from self._write(sent.popleft())

    def _load_ahead(self) -> None:
        """Start loading, on a thread, what this process needs for writing and grouping: datasketch
        for dedup, and the embedding model and language identifier for grouping when this pipeline
        enriches.  Loaded at their first use they cost about two seconds of this process alone
        (grouping's after the workers are done, with a core idle); on the thread, started as
        processing starts, they load while this process waits for its workers to start (the fork
        server loading the model), then for their chunks."""
        if self._loading is None:
            self._loading = threading.Thread(target=_load_here, args=(self.enricher is not None,),
                                             name="storyline-load-ahead", daemon=True)
            self._loading.start()

    def _advance(self, pending: list[tuple[list[Item], Future[list[Any]]]], sent: deque[_Sent]) -> Iterator[Outcome]:
        """Clean the batch here, check it against the store, send it to be annotated; write the one before."""
        works = self._cleaned(pending)
        self.learn_batch(works)
        run_stage(self.clean, works)
        ids = {work.article.id for work in works if work.article is not None}
        while any(ids & earlier.ids for earlier in sent):  # the check must see those written first
            yield from self._write(sent.popleft())
        run_stage(self.check, works)
        sent.append(_Sent(works, ids, self._send(works)))
        while len(sent) > IN_FLIGHT:
            yield from self._write(sent.popleft())

    def _write(self, batch: _Sent) -> Iterator[Outcome]:
        """The batch's items written in order, each once the chunk annotating it is back."""
        last_part = {id(work): index for index, (chunk, _future) in enumerate(batch.parts) for work in chunk}
        collected = 0
        write = _Write(self)
        for work in batch.works:
            needed = last_part.get(id(work), -1)
            while collected <= needed:
                self._collect_chunk(*batch.parts[collected])
                collected += 1
            run_stage(write, [work])
            assert work.outcome is not None
            yield work.outcome

    def story_builder(self) -> Builder | None:
        return self._build_stories if self.workers > 1 and self._pool is not None else None

    def _build_stories(self, jobs: list[StoryInputs]) -> list[Story | str]:
        """Stories built by the workers, in chunks.  A chunk whose worker died is built here or, in
        a server's pipeline, not at all: its stories stay marked, for the next run."""
        from storyline.stories.update import build_here

        def unbuilt(chunk: list[StoryInputs]) -> list[Story | str]:
            return ["its worker died while building it" for _job in chunk]

        here, instead = ((build_here, "are built in the main process") if self.redo_here
                         else (unbuilt, "stay marked, to be built by the next run"))
        parts = [(chunk, self._submit(_build_chunk, chunk)) for chunk in _chunks(jobs, self.workers * PIECES)]
        return [story for chunk, future in parts for story in self._result(future, chunk, here, instead)]

    def catch_up(self, works: list[Work]) -> Iterator[Outcome]:
        self.annotate(works)
        write = _Write(self)
        for work in works:
            run_stage(write, [work])
            assert work.outcome is not None
            yield work.outcome
