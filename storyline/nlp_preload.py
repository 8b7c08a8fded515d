"""Imported by the fork server an ingest starts ahead (:mod:`storyline.fork_server`): the spaCy
pipeline loaded once, as :func:`storyline.nlp.load_nlp` keeps it, before the workers are forked
from the server; the heap then settled (:mod:`storyline.process`), so that the workers inherit
the model frozen and the collector never walks (and so copies) its pages.

A model that cannot load here is loaded again by each worker, which fails with its reason.
"""

from __future__ import annotations

from storyline.process import settle_heap

try:
    from storyline.nlp import load_nlp

    load_nlp()
except Exception:  # each worker tries again, and reports it
    pass
settle_heap()
