"""Enrichment: who is in each article, who said what, and what happened when.

One spaCy pass per article (streamed in batches with ``nlp.pipe``) feeds the
four annotators in order: entities → quotes (speakers link to entities) →
time expressions (resolved against the publication date) → events (which use
both).  Every annotation keeps character offsets into the article body.
"""

from __future__ import annotations

from collections.abc import Callable

from storyline.article import Article
from storyline.enrich.entities import find_entities
from storyline.enrich.events import find_events
from storyline.enrich.quotes import find_quotes
from storyline.enrich.times import find_times, parse_dct
from storyline.nlp import MAX_LENGTH, load_nlp

Canonicalise = Callable[[Article], None]


class Enricher:
    """A pipeline stage: ``enricher(articles) -> articles`` with annotations filled in.

    ``canonicalise``, when given, is called per article after its entities are
    found, to set ``Entity.canonical_id`` (the cross-article identity).
    """

    def __init__(self, canonicalise: Canonicalise | None = None, batch_size: int = 16) -> None:
        self.nlp = load_nlp()
        self.canonicalise = canonicalise
        self.batch_size = batch_size

    def __call__(self, articles: list[Article]) -> list[Article]:
        texts = [article.body[:MAX_LENGTH] for article in articles]
        for article, doc in zip(articles, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
            article.entities = find_entities(doc)
            if self.canonicalise is not None:
                self.canonicalise(article)
            article.quotes = find_quotes(doc, article.entities)
            article.times = find_times(doc.text, parse_dct(article.published), doc)
            article.events = find_events(doc, article.entities, article.times)
        return articles
