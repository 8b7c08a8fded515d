"""Engines: where the per-article work of an ingest runs.

* ``local`` (the default): everything in this process, input by input
  (:meth:`storyline.pipeline.Pipeline.run`).
* ``ray``: WARC and JSONL archives read, cleaned and annotated by Ray Data tasks,
  then deduplicated and written here in input order, with a resume point after
  every batch (:mod:`storyline.engines.distributed`; needs ``storyline[ray]``).

Both run the same stages on the same batches, so they leave the same store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum

from storyline.engines.archives import NotAnArchive
from storyline.engines.local import run as run_local
from storyline.pipeline import Outcome, Pipeline


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class EngineError(RuntimeError):
    """The engine cannot run these inputs here; the message says why and what to do."""


def ingest(
    engine: str, pipeline: Pipeline, inputs: Iterable[str], *, notice: Callable[[str], None] = print
) -> Iterator[Outcome]:
    """Outcomes of ingesting ``inputs`` with ``engine``; raises :class:`EngineError` before any work."""
    if engine == Engine.local:
        return run_local(pipeline, inputs)
    if engine == Engine.ray:
        try:
            from storyline.engines import distributed
        except ImportError as exc:
            raise EngineError(
                f"the ray engine needs the ray extra: pip install 'storyline[ray]' ({exc})"
            ) from exc
        try:
            return distributed.run(pipeline, list(inputs), notice=notice)
        except NotAnArchive as exc:
            raise EngineError(f"the ray engine reads WARC and JSONL archives only: {exc}; "
                              "ingest other inputs with --engine local") from exc
    raise EngineError(f"unknown engine {engine!r}: use one of {', '.join(Engine)}")


__all__ = ["Engine", "EngineError", "ingest"]
