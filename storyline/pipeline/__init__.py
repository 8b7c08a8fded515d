"""The one place the ingest stages are composed.

    read → decode → learn boilerplate → clean → check → enrich → dedup + write → group

:func:`ingest` is the entry point that the CLI's ``ingest``, ``refresh`` and
``demo``, the background poller, ``POST /api/ingest`` and the engines use;
:func:`enrich_stored` catches up stored articles that lack their annotations
(``storyline enrich``).  A stage is a small object (:mod:`storyline.pipeline.stage`)
and the runner, not the stage, contains what goes wrong with one item: the item
is skipped with its reason, or stored without its annotations and marked for
retry, and the rest goes on.  Grouping into stories runs over the store after
the articles are written; if it fails, the run says so and the articles stay.
Every state key and lock name is in :mod:`storyline.pipeline.state`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import TYPE_CHECKING

from storyline.ingest import IngestOptions
from storyline.pipeline.outcome import STORED, Outcome, Summary
from storyline.pipeline.runner import Item, Pipeline, Prepared, documents_of, work_of
from storyline.pipeline.stage import Stage, Work, describe, run_stage
from storyline.pipeline.stages import Enricher
from storyline.pipeline.state import BOILERPLATE_LOCK, BOILERPLATE_SAVES, BOILERPLATE_STATE
from storyline.store import Store

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from storyline.stories.update import Builder

OutcomeHook = Callable[[Outcome], None]
MAX_ENRICH_ATTEMPTS = 3  # an article whose enrichment failed this often is left until asked for by name


def make_pipeline(store: Store, options: IngestOptions | None = None, *, enrich: bool = True,
                  workers: int = 1, isolated: bool = False, pool: ProcessPoolExecutor | None = None) -> Pipeline:
    """The pipeline ``storyline ingest`` runs: with enrichment (spaCy and the store's canonical
    entities) unless told otherwise; with ``workers`` > 1 the per-article work (cleaning pages
    and trusted bodies, the spaCy annotations) runs in that many processes.  ``isolated``: in
    worker processes whatever their number, and a dead worker's articles are stored without
    annotations for retry, never annotated again here (see :func:`serving_pipeline`).  ``pool``:
    worker processes started ahead (:func:`storyline.pipeline.parallel.start_workers`)."""
    enricher = None
    if enrich:
        from storyline.enrich import Enricher as SpacyEnricher

        enricher = SpacyEnricher.for_store(store)
    if workers > 1 or isolated:
        from storyline.pipeline.parallel import ParallelPipeline

        return ParallelPipeline(store, options, enricher=enricher, workers=workers, redo_here=not isolated, pool=pool)
    return Pipeline(store, options, enricher=enricher)


def serving_pipeline(store: Store, options: IngestOptions | None = None) -> Pipeline:
    """The pipeline a server runs (the background poller and ``POST /api/ingest``), with
    enrichment: the per-article work always in worker processes, one per core unless
    ``STORYLINE_WORKERS`` says otherwise.  A server runs its pipeline on threads, where no
    signal reaches, so in the server itself the annotators' time budget could not hold; in a
    worker process it does, and an article that kills its worker takes the worker with it,
    never the server (the article is stored without annotations, marked for retry)."""
    from storyline import settings

    return make_pipeline(store, options, workers=settings.worker_count(), isolated=True)


def ingest(
    store: Store,
    inputs: Iterable[str] = (),
    *,
    items: Iterable[Item] = (),
    engine: str = "local",
    enrich: bool = True,
    stories: bool = True,
    options: IngestOptions | None = None,
    workers: int = 1,
    pool: ProcessPoolExecutor | None = None,
    pipeline: Pipeline | None = None,
    notice: Callable[[str], None] = print,
    on_outcome: OutcomeHook | None = None,
) -> Summary:
    """Ingest ``items`` (documents already read) and then ``inputs`` (paths, globs, URLs) into
    ``store``; group what was stored into stories (with ``stories`` and enrichment).

    ``pipeline`` is used as it is when given (its enricher decides whether to enrich); else one
    is made, with ``workers`` and, when given, the worker processes ``pool`` started ahead.
    Raises :class:`storyline.engines.EngineError` before any work when ``engine`` cannot
    run these inputs, and :class:`storyline.store.StoreError` when the database fails.
    """
    from storyline.engines import ingest as run_engine

    owned = pipeline is None
    # the ray engine spreads the per-article work itself
    pipeline = pipeline or make_pipeline(store, options, enrich=enrich, workers=workers if engine == "local" else 1,
                                         pool=pool)
    materialised = list(items)
    outcomes: Iterator[Outcome] = iter(())
    if materialised:
        outcomes = pipeline.process(materialised)
    inputs = list(inputs)
    if inputs:
        outcomes = chain(outcomes, run_engine(engine, pipeline, inputs, notice=notice))
    summary = Summary()
    try:
        for outcome in outcomes:
            summary.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        if stories and pipeline.enricher is not None:  # also when nothing is new: a run killed before it grouped
            group(store, summary, build=pipeline.story_builder())  # with its workers, when it has them
    finally:
        if owned:
            pipeline.close()
    summary.awaiting_enrichment = store.count_awaiting_enrichment()
    return summary


def group(store: Store, summary: Summary | None = None, *, rebuild: bool = False,
          build: Builder | None = None) -> Summary:
    """Group stored articles into stories and storylines; a failure is reported in the summary
    (the articles stay stored, and the next run or ``storyline cluster`` groups them).
    ``build`` builds the stories' shown forms (default: in this process)."""
    from storyline.stories.update import build_here, update_stories

    summary = summary if summary is not None else Summary()
    try:
        grouped = update_stories(store, rebuild=rebuild, build=build or build_here)
        summary.grouped = grouped.to_dict()
        summary.errors += [f"grouping skipped {item}: {reason}; the next run tries it again"
                           for item, reason in grouped.failed.items()]
    except Exception as exc:
        summary.errors.append(f"grouping failed: {describe(exc)}; the articles are stored, "
                              "and `storyline cluster` groups them")
    return summary


def enrich_stored(
    store: Store,
    *,
    pipeline: Pipeline | None = None,
    stories: bool = True,
    retry_failed: bool = False,
    limit: int | None = None,
    on_outcome: OutcomeHook | None = None,
) -> Summary:
    """Annotate stored articles that await enrichment (ingested without it, or whose enrichment
    failed fewer than :data:`MAX_ENRICH_ATTEMPTS` times; with ``retry_failed``, all of them), in
    arrival order, then group them.  Each is ``enriched``, or ``unchanged`` with the reason it
    failed again."""
    owned = pipeline is None
    pipeline = pipeline or make_pipeline(store)
    if pipeline.enrich is None:
        raise ValueError("enrich_stored needs a pipeline that enriches")
    summary = Summary()
    after = None
    done = 0
    try:
        while limit is None or done < limit:
            size = pipeline.batch_size if limit is None else min(pipeline.batch_size, limit - done)
            rows = store.awaiting_enrichment(limit=size, after=after,
                                             max_attempts=None if retry_failed else MAX_ENRICH_ATTEMPTS)
            if not rows:
                break
            after = rows[-1]
            done += len(rows)
            works = [Work(article.source, article=article, catch_up=True)
                     for article in store.get_articles([article_id for _, article_id in rows], enrichment=False)]
            for outcome in pipeline.catch_up(works):
                summary.add(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
    finally:
        if owned:
            pipeline.close()
    if stories and summary.counts["enriched"]:
        group(store, summary)
    summary.awaiting_enrichment = store.count_awaiting_enrichment()
    return summary


__all__ = [
    "BOILERPLATE_LOCK",
    "BOILERPLATE_SAVES",
    "BOILERPLATE_STATE",
    "MAX_ENRICH_ATTEMPTS",
    "STORED",
    "Enricher",
    "Item",
    "Outcome",
    "Pipeline",
    "Prepared",
    "Stage",
    "Summary",
    "Work",
    "documents_of",
    "enrich_stored",
    "group",
    "ingest",
    "make_pipeline",
    "run_stage",
    "work_of",
]
