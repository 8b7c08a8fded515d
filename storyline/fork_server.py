"""The ingest workers' common start, done once and ahead of the program's own.

An ingest's worker processes come from multiprocessing's fork server (never a plain fork of
the program: a server's threads must not be copied mid-work).  Left to its defaults, the fork
server imports the program's module when the pool is made, and each worker, once forked,
imports spaCy and storyline's pipeline and loads the model on its own: after the program's own
imports, that chain took about 3.3 s before the first article was annotated (Timeline17, 2
workers; a sixth of a run of 150 long articles), and the imports and the model were done once
per worker.  :func:`start_ahead`, called by the program (:func:`storyline.program.main`) before
it imports anything of its own, starts the fork server at once with those imports and the
model (:mod:`storyline.nlp_preload`) to load first: they load while the program loads, once,
and every worker is forked with them, sharing the model's memory.

Only the program does this: an application that embeds storyline (the tests, the server) keeps
multiprocessing's defaults, and its workers load their model themselves as before.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver


def start_ahead(*, enrich: bool) -> None:
    """Start the fork server now, loading what every worker needs (the model too, with ``enrich``).
    Where no fork server can start, nothing happens here (the pool finds out, and says so)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    modules = ["__main__", "storyline.pipeline.parallel"] + (["storyline.nlp_preload"] if enrich else [])
    try:
        multiprocessing.get_context("forkserver").set_forkserver_preload(modules)
        forkserver.ensure_running()
    except OSError:
        return
