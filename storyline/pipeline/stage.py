"""Stages and the runner that contains their failures, item by item.

A :class:`Stage` is a small object with a ``name``, what it ``needs`` and what it
``adds`` (names of :class:`Work` fields), and ``run(batch)``.  The runner
(:func:`run_stage`), not the stage, contains exceptions: when a stage raises for a
batch it is run again one item at a time, and an item that still fails gets a
recorded reason (:meth:`Stage.failed`: skipped, by default) while the others go on.

What is contained is :class:`Exception`, which includes ``RecursionError``,
``MemoryError``, ``UnicodeError`` and ``ValueError``; ``KeyboardInterrupt`` and
``SystemExit`` are not exceptions of an item and still stop the run.  A database
that fails (:func:`is_system_error`) is not an item's fault either: it stops the
run with its message, loud, and what was committed stays committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from storyline.article import Article, RawDocument
from storyline.pipeline.outcome import Outcome
from storyline.store import StoreError

REASON_LIMIT = 300  # characters of an exception's message kept in a reason


@dataclass(slots=True)
class Work:
    """One input on its way through the stages.

    ``outcome`` is set once the item's fate is decided (skipped, unchanged, written):
    no later stage sees it.  ``enrich_error`` says why the item goes on without its
    annotations (it is then stored marked for retry).
    """

    source: str
    doc: RawDocument | None = None
    article: Article | None = None
    outcome: Outcome | None = None
    annotated: bool = False  # the article carries its annotations
    enrich_error: str | None = None
    catch_up: bool = False  # stored unchanged but awaiting enrichment: only annotations are written
    previous: str | None = None  # the content hash stored before, if any
    extra: dict[str, Any] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.outcome = Outcome(self.source, "skipped", self.article.id if self.article else None, reason=reason)


def describe(exc: BaseException) -> str:
    """An exception as a reason shows it: its type and the start of its message."""
    message = str(exc)
    if len(message) > REASON_LIMIT:
        message = message[:REASON_LIMIT] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def is_system_error(exc: BaseException) -> bool:
    """A failure of the database rather than of one item: the run stops.

    A value the database refuses for one row (integrity, data) is the item's.
    """
    if isinstance(exc, StoreError):
        return not isinstance(exc.__cause__, IntegrityError | DataError)
    return isinstance(exc, SQLAlchemyError) and not isinstance(exc, IntegrityError | DataError)


class Stage:
    """A step of the pipeline.  Subclasses set the class attributes and :meth:`run`.

    ``batched`` stages get the batch's live items at once (a spaCy batch);
    the others get one item per call.  :meth:`wants` picks the items a stage
    works on; :meth:`failed` decides what a failure means for an item.
    """

    name: ClassVar[str] = "stage"
    needs: ClassVar[tuple[str, ...]] = ()
    adds: ClassVar[tuple[str, ...]] = ()
    batched: ClassVar[bool] = False

    def wants(self, work: Work) -> bool:
        return work.outcome is None

    def run(self, batch: list[Work]) -> None:
        raise NotImplementedError

    def failed(self, work: Work, exc: Exception) -> None:
        """Skip the item with the stage's name and the exception as its reason."""
        work.skip(f"{self.name} failed: {describe(exc)}")


def run_stage(stage: Stage, batch: Sequence[Work]) -> None:
    """Run ``stage`` over the live items of ``batch``, containing each item's failure."""
    live = [work for work in batch if stage.wants(work)]
    if not live:
        return
    if stage.batched and len(live) > 1:
        try:
            stage.run(live)
            return
        except Exception as exc:
            if is_system_error(exc):
                raise
            # find the item(s) at fault: again, one at a time
    for work in live:
        try:
            stage.run([work])
        except Exception as exc:
            if is_system_error(exc):
                raise
            stage.failed(work, exc)


def run_stages(stages: Sequence[Stage], batch: Sequence[Work]) -> None:
    for stage in stages:
        run_stage(stage, batch)
