"""The per-article work any process may do: decode, clean what needs no learned state, annotate.

HTML pages and trusted bodies are cleaned without the learned boilerplate model, and
the spaCy annotations read nothing but the article, so an engine can run this in
another process (a Ray actor, a worker of the local pool) in any order and hand
:class:`Prepared` items to the pipeline.  Text dumps are passed on decoded: their
boilerplate is learned across the batch, in order, by the pipeline that writes them.
Failures pass on unchanged.  The same stages and the same runner as in the pipeline
contain each item's failure here.
"""

from __future__ import annotations

from storyline.article import RawDocument
from storyline.pipeline import Enricher, Item, Prepared, run_stage, work_of
from storyline.pipeline.stages import Clean, Decode, Enrich


def prepare_items(items: list[Item], enricher: Enricher | None) -> list[Item]:
    """``items`` with every HTML page and trusted body decoded, cleaned (and annotated) as
    :class:`Prepared`; text dumps decoded."""
    works = [work_of(item) for item in items]
    run_stage(Decode(), works)
    run_stage(Clean(lambda: None, text_dumps=False), works)
    if enricher is not None:
        run_stage(Enrich(enricher), works)
    results: list[Item] = []
    for item, work in zip(items, works, strict=True):
        if not isinstance(item, RawDocument):
            results.append(item)
        elif work.article is not None:
            results.append(Prepared(work.source, work.article, annotated=work.annotated,
                                    enrich_error=work.enrich_error))
        elif work.outcome is not None:
            results.append(Prepared(work.source, reason=work.outcome.reason))
        else:  # a text dump, for the pipeline that holds the boilerplate model
            assert work.doc is not None
            results.append(work.doc)
    return results
