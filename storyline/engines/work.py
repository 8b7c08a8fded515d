"""The per-article work any process may do: clean what needs no learned state, annotate it.

HTML pages and trusted bodies are cleaned without the learned boilerplate model, and
the spaCy annotations read nothing but the article, so an engine can run this in
another process (a Ray actor) in any order and hand :class:`Prepared` items to the
pipeline.  Text dumps are passed on as they are: their boilerplate is learned across
the batch, in order, by the pipeline that writes them.  Failures pass on unchanged.
"""

from __future__ import annotations

from storyline.article import Article, RawDocument, Skip
from storyline.clean import clean
from storyline.pipeline import Enricher, Item, Prepared


def prepare_items(items: list[Item], enricher: Enricher | None) -> list[Item]:
    """``items`` with every HTML page and trusted body cleaned (and annotated) as :class:`Prepared`."""
    results: list[Item] = []
    articles: list[Article] = []
    for item in items:
        if not isinstance(item, RawDocument) or item.kind == "text":
            results.append(item)
            continue
        try:
            article = clean(item)
        except Skip as exc:
            results.append(Prepared(item.source, reason=str(exc)))
            continue
        articles.append(article)
        results.append(Prepared(item.source, article))
    if enricher is not None and articles:
        enricher.annotate(articles)
    return results
