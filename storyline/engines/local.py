"""The local engine: every stage in this process, batch by batch (the default)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from storyline.pipeline import Outcome, Pipeline


def run(pipeline: Pipeline, inputs: Iterable[str]) -> Iterator[Outcome]:
    """Read, clean, enrich, link and write ``inputs``; one outcome per article or failure."""
    return pipeline.run(inputs)
