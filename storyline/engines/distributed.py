"""The Ray engine: archives read, cleaned and annotated by Ray Data, written here in order.

What runs where:

* **Ray tasks** read the archives, one task per archive (``flat_map`` over the list of
  archives, so archives are read in parallel and streamed), with the same readers as
  the local engine: every record becomes a document or a failure with the same source.
* **Ray actors** (``map_batches`` with :class:`ArticleWorker`, spaCy loaded once per
  actor) clean HTML pages and trusted bodies and annotate them: entities, quotes, time
  expressions, events, lemmas (:func:`storyline.engines.work.prepare_items`).
* **This process** receives the results in input order and runs them through the
  pipeline's batches exactly as the local engine does: the learned boilerplate model
  (text dumps are cleaned here, after their batch is learned), canonical entities,
  duplicate linking against the store and writing.  Stories are then clustered over
  the store in time order, as after a local run.

So the store ends up as the local engine would leave it.  Each batch is written in one
transaction together with its resume point (:mod:`storyline.engines.resume`): a run
that is interrupted resumes at the batch it was in, without losing or repeating an
article.  ``RAY_ADDRESS`` names a cluster to use; without it a local one is started
for the run.  Workers on other machines need storyline installed and the archives at
the same paths.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from typing import Any

import ray
import ray.data
from ray.data import ActorPoolStrategy, DataContext

from storyline.article import Failure
from storyline.engines.archives import Archive, Unit, plan, read_archive
from storyline.engines.resume import ResumePoint, run_key
from storyline.engines.work import prepare_items
from storyline.ingest.options import IngestOptions
from storyline.pipeline import Item, Outcome, Pipeline, run_stage, work_of

BATCH_ROWS = 16  # records per actor call (one spaCy batch)
BLOCK_BYTES = 64 << 10  # records travel in blocks of about this size (a page or a few)

Row = tuple[int, int, Item]  # (unit number, item number within the unit, item)


class ArticleWorker:
    """A Ray actor: cleans and annotates batches of records; spaCy is loaded once, here."""

    def __init__(self, enrich: bool) -> None:
        from storyline.enrich import Enricher

        self.enricher = Enricher() if enrich else None
        if self.enricher is not None:
            self.enricher.nlp  # noqa: B018 - load the model before the first batch

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        items = [pickle.loads(data) for data in batch["item"]]
        results = prepare_items(items, self.enricher)
        return {"unit": batch["unit"], "index": batch["index"], "result": [pickle.dumps(r) for r in results]}


def read_rows(row: dict[str, Any], options: IngestOptions) -> Iterator[dict[str, Any]]:
    """A Ray task: the items of one archive, from its resume position on."""
    start = int(row["start"])
    for index, item in enumerate(read_archive(row["path"], options, start), start):
        yield {"unit": row["unit"], "index": index, "item": pickle.dumps(item)}


def run(pipeline: Pipeline, inputs: Iterable[str], *, notice: Callable[[str], None] = print) -> Iterator[Outcome]:
    """Ingest archives on Ray; yields one outcome per item, like :meth:`Pipeline.run`.

    Raises :class:`~storyline.engines.archives.NotAnArchive` at once for an input that is
    not a WARC or JSONL archive.
    """
    units = plan(inputs)
    settings = {"batch_size": pipeline.batch_size, "max_bytes": pipeline.options.max_bytes,
                "enrich": pipeline.enricher is not None}
    resume = ResumePoint.load(pipeline.store, run_key(units, settings))
    if resume.items:
        notice(f"resuming an interrupted run: {resume.items} items were done before")
    return _outcomes(pipeline, units, resume)


def _outcomes(pipeline: Pipeline, units: list[Unit], resume: ResumePoint) -> Iterator[Outcome]:
    archives = [(number, unit) for number, unit in enumerate(units)
                if isinstance(unit, Archive) and number >= resume.unit]
    started = _connect() if archives else False
    rows = _rows(archives, resume, pipeline.options, pipeline.enricher is not None) if archives else iter(())
    try:
        for batch in _batched(_merge(units, resume, rows), pipeline.batch_size):
            outcomes, resume = _write_batch(pipeline, resume, batch)
            yield from outcomes
        resume.clear(pipeline.store)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        if started:
            ray.shutdown()


def _write_batch(pipeline: Pipeline, resume: ResumePoint, batch: list[Row]) -> tuple[list[Outcome], ResumePoint]:
    """One batch through the pipeline's stages, written in one transaction with its resume point
    (each article in a savepoint of its own: one that fails is skipped or stored without its
    annotations, and the others are kept)."""
    works = [work_of(item) for _, _, item in batch]
    run_stage(pipeline.decode, works)
    observed = any(pipeline.learn.wants(work) for work in works)
    run_stage(pipeline.learn, works)
    pipeline.prepare(works)
    last_unit, last_index, _ = batch[-1]
    after = resume.moved(last_unit, last_index + 1, len(batch))
    store = pipeline.store
    with store.transaction(f"save a batch of {len(works)} items and the resume point") as conn:
        pipeline.write_batch(conn, works)
        if observed:
            pipeline.save_boilerplate(conn)
        after.save(store, conn)
    outcomes = []
    for work in works:
        assert work.outcome is not None
        outcomes.append(work.outcome)
    return outcomes, after


def _merge(units: list[Unit], resume: ResumePoint, rows: Iterator[Row]) -> Iterator[Row]:
    """The archives' rows with the planning failures in their places, from the resume point on."""
    failures = deque(
        (number, 0, unit) for number, unit in enumerate(units)
        if isinstance(unit, Failure) and (number > resume.unit or (number == resume.unit and resume.index == 0))
    )
    for row in rows:
        while failures and failures[0][0] < row[0]:
            yield failures.popleft()
        yield row
    yield from failures


def _rows(archives: list[tuple[int, Archive]], resume: ResumePoint, options: IngestOptions,
          enrich: bool) -> Iterator[Row]:
    """Every archive's items, cleaned and annotated on Ray, in input order."""
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # not a line per dataset execution
    context = DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    # Small blocks, gathered into batches of BATCH_ROWS, one batch at a time per actor: big
    # blocks or queues per actor would leave the other actors idle.
    context.target_max_block_size = BLOCK_BYTES
    tasks = [
        {"unit": number, "path": unit.path, "start": resume.index if number == resume.unit else 0}
        for number, unit in archives
    ]
    workers = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
    dataset = (
        ray.data.from_items(tasks, override_num_blocks=len(tasks))
        .flat_map(partial(read_rows, options=options), num_cpus=0)
        .map_batches(ArticleWorker, fn_constructor_kwargs={"enrich": enrich}, batch_size=BATCH_ROWS,
                     compute=ActorPoolStrategy(size=workers, max_tasks_in_flight_per_actor=1), num_cpus=1)
    )
    for row in dataset.iter_rows():
        yield int(row["unit"]), int(row["index"]), pickle.loads(row["result"])


def _connect() -> bool:
    """Join the cluster named by ``RAY_ADDRESS`` or start a local one; True if started here."""
    if ray.is_initialized():
        return False
    if os.environ.get("RAY_ADDRESS"):
        ray.init(logging_level=logging.WARNING)
    else:
        ray.init(include_dashboard=False, logging_level=logging.WARNING)
    return True


def _batched(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(islice(rows, size)):
        yield batch
