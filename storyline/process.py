"""Settings of a process that storyline owns whole: the ``storyline`` program, an ingest worker.

Annotating an article makes and drops millions of short-lived Python objects (spaCy's
``Token`` views above all: every ``for token in doc`` makes one per token), and Python's
cyclic collector, left at its defaults, runs its youngest generation every 700 allocations
and its older ones in proportion, each time walking the objects the model's load left
behind as well.  None of those objects is ever garbage (the model lives as long as the
process), and the short-lived ones are freed by their reference counts; the collector finds
nothing there.  :func:`settle_heap` moves what exists once the model is loaded out of the
collector's sight (:func:`gc.freeze`) and lets the youngest generation grow to
``YOUNG_OBJECTS`` before a collection: annotating ran 7-10 % faster (PolNeAR and
Timeline17 articles), a one-process ingest of long articles about 9 % (BENCHMARKS.md), with
the same annotations.  Cycles are still collected, only later; memory held by them stays
bounded by ``YOUNG_OBJECTS``.

Only for processes storyline owns (the ``storyline`` program, :func:`storyline.cli.main`; the
ingest workers and their fork server): an application that embeds storyline, or calls the
CLI's ``app`` as the tests do, keeps its own collector settings.
"""

from __future__ import annotations

import gc

YOUNG_OBJECTS = 20_000  # allocations (net of frees) between collections of the youngest generation


def settle_heap() -> None:
    """After the model is loaded: collect once, freeze what survives, collect the young less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
