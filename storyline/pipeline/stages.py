"""The per-item stages of an ingest, in the order they run.

    decode → (learn boilerplate) → clean → check → enrich → dedup + write

Each reads and writes fields of :class:`~storyline.pipeline.stage.Work`; the
runner (:func:`~storyline.pipeline.stage.run_stage`) contains their failures.
Learning the boilerplate, dedup and writing depend on order and on the store and
are driven by :class:`~storyline.pipeline.runner.Pipeline`; decode, clean (of
HTML pages and trusted bodies) and enrich read nothing but their item, so any
process may run them (:func:`storyline.engines.work.prepare_items`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Connection

from storyline import settings
from storyline.article import Article, Skip
from storyline.clean import BoilerplateModel, clean
from storyline.pipeline.budget import time_budget
from storyline.pipeline.outcome import Outcome
from storyline.pipeline.sanitize import sanitize_document
from storyline.pipeline.stage import Stage, Work, describe
from storyline.store import Store


class Enricher(Protocol):
    """A stage that annotates a batch of articles and writes what it found.

    ``annotate`` is per article and may run in any process; ``persist`` links an
    article's entities across articles (canonical entities, shared with the other
    workers through the store) and writes them in the article's write transaction,
    here, in ingest order.
    """

    def annotate(self, articles: list[Article]) -> list[Article]: ...

    def persist(self, store: Store, conn: Connection, article: Article) -> None: ...


class StepFailed(Exception):
    """A named step inside a stage failed (``step``: dedup, enrichment); ``cause`` is why."""

    def __init__(self, step: str, cause: Exception) -> None:
        super().__init__(f"{step} failed: {describe(cause)}")
        self.step = step
        self.cause = cause


class Decode(Stage):
    """Text a parser and a database take: lone surrogates and control characters out."""

    name = "decode"
    needs = ("doc",)
    adds = ("doc",)

    def wants(self, work: Work) -> bool:
        return work.outcome is None and work.doc is not None

    def run(self, batch: list[Work]) -> None:
        for work in batch:
            assert work.doc is not None
            work.doc = sanitize_document(work.doc)


class Clean(Stage):
    """One raw document becomes one clean article (:func:`storyline.clean.clean`).

    ``model`` gives the learned boilerplate model at the time of cleaning; with
    ``text_dumps`` False, plain-text dumps are left for the process that holds it.
    """

    name = "clean"
    needs = ("doc",)
    adds = ("article",)

    def __init__(self, model: Callable[[], BoilerplateModel | None], *, text_dumps: bool = True) -> None:
        self.model = model
        self.text_dumps = text_dumps

    def wants(self, work: Work) -> bool:
        return (work.outcome is None and work.article is None and work.doc is not None
                and (self.text_dumps or work.doc.kind != "text"))

    def run(self, batch: list[Work]) -> None:
        for work in batch:
            assert work.doc is not None
            try:
                work.article = clean(work.doc, self.model())
            except Skip as exc:
                work.skip(str(exc))


class Check(Stage):
    """Is the article stored already, unchanged?  Then it is done, unless it awaits its
    annotations and this run enriches: then only they are made and written."""

    name = "check"
    needs = ("article",)
    adds = ("previous", "catch_up")

    def __init__(self, store: Store, enriching: bool) -> None:
        self.store = store
        self.enriching = enriching

    def wants(self, work: Work) -> bool:
        return work.outcome is None and work.article is not None

    def run(self, batch: list[Work]) -> None:
        for work in batch:
            article = work.article
            assert article is not None and article.content_hash is not None
            status = self.store.article_status(article.id)
            work.previous = status[0] if status else None
            if status is None or status[0] != article.content_hash:
                continue
            if self.enriching and not status[1]:
                work.catch_up = True
            else:
                work.outcome = Outcome(article.source, "unchanged", article.id)


def strip_annotations(work: Work, reason: str) -> None:
    """The item goes on without its annotations, marked for retry with ``reason``."""
    if work.article is not None:
        article = work.article
        article.entities, article.quotes, article.times, article.events, article.lemmas = [], [], [], [], None
    work.annotated = False
    work.enrich_error = reason


class Enrich(Stage):
    """Entities, quotes, time expressions, events and lemmas, one spaCy batch at a time.

    An article the annotators fail on, or take longer than ``budget`` seconds over
    (:mod:`storyline.pipeline.budget`), goes on without annotations, marked for retry.
    A batch together gets the same ``budget`` as one article: past it, the runner
    annotates each article alone with a budget of its own.  So a hopeless article
    costs its own budget and at most one more, not its batch's worth of budgets.
    """

    name = "enrich"
    needs = ("article",)
    adds = ("entities", "quotes", "times", "events", "lemmas")
    batched = True

    def __init__(self, enricher: Enricher, budget: float | None = None) -> None:
        self.enricher = enricher
        self.budget = settings.get_float("STORYLINE_ENRICH_TIMEOUT") if budget is None else budget

    def wants(self, work: Work) -> bool:
        return work.outcome is None and work.article is not None and not work.annotated and not work.enrich_error

    def run(self, batch: list[Work]) -> None:
        getattr(self.enricher, "nlp", None)  # the model loads outside the budget
        with time_budget(self.budget):
            self.enricher.annotate([work.article for work in batch if work.article is not None])
        for work in batch:
            work.annotated = True

    def failed(self, work: Work, exc: Exception) -> None:
        strip_annotations(work, f"enrich failed: {describe(exc)}")
