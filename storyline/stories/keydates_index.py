"""The coverage index behind key-date timelines: sentences, the days they refer to, word weights.

For every article the index keeps its sentences (offsets into ``Article.body``), which of
them hold a time expression resolved to a calendar day, and the article's publication day.
Time expressions come from ``Article.times`` or, when that is empty, from
:func:`storyline.enrich.times.find_times` run on the body.  An article without a
publication date contributes only expressions that carry their own year or a full numeric
date ("March 3, 2010", "3/3/2010"): nothing relative is read from an undated article.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from storyline.article import Article, TimeExpression
from storyline.enrich.times import find_times, parse_dct
from storyline.nlp import sentence_spans
from storyline.stories.timeline import STOP

DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|T)")
_ABSOLUTE = re.compile(r"\b\d{4}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_WORD = re.compile(r"[^\W_]+")
EXTRA_STOP = frozenset(
    ["are", "am", "do", "does", "did", "so", "if", "than", "then", "there", "these", "those", "which",
     "who", "what", "when", "where", "while", "also", "into", "about", "up", "out", "more", "can",
     "could", "may", "might", "should", "one", "new", "mr", "mrs", "ms", "told", "say", "all", "some",
     "no", "him", "them", "us", "my", "me", "being", "other", "just", "now", "only", "very"]
)
STOPWORDS = STOP | EXTRA_STOP


def tokens(text: str) -> list[str]:
    """Lowercased alphanumeric tokens without stopwords or one-letter words."""
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1 and w not in STOPWORDS]


@dataclass(slots=True)
class Sentence:
    article: str
    start: int
    end: int
    position: int  # index of the sentence within its article
    published: dt.date | None
    days: frozenset[str]  # calendar days its time expressions resolve to
    words: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class Coverage:
    """What a collection of articles says about which days."""

    bodies: dict[str, str]
    sentences: list[Sentence]
    # day -> indexes of sentences referring to it
    mentions: dict[str, list[int]]
    # day -> ids of articles published that day, in input order
    published: dict[str, list[str]]
    # article id -> index of its first sentence and number of sentences
    ranges: dict[str, tuple[int, int]]
    idf: dict[str, float]

    def text(self, index: int) -> str:
        sentence = self.sentences[index]
        return self.bodies[sentence.article][sentence.start : sentence.end]


def article_times(article: Article, published: dt.date | None) -> list[TimeExpression]:
    return article.times or find_times(article.body, published)


def resolved_days(article: Article, published: dt.date | None, *, tag: bool = True) -> list[tuple[int, str]]:
    """(offset, YYYY-MM-DD) for each time expression resolved to one calendar day; with
    ``tag=False`` only the expressions enrichment stored are read (none are looked for)."""
    found = []
    for time in article_times(article, published) if tag else article.times:
        match = DAY.match(time.value or "")
        if match is None:
            continue
        if published is None and not _ABSOLUTE.search(time.text):
            continue
        try:
            dt.date.fromisoformat(match.group(1))
        except ValueError:
            continue
        found.append((time.start, match.group(1)))
    return found


def build_coverage(articles: Sequence[Article], *, tag: bool = True) -> Coverage:
    """Index sentences, day references and publication days of ``articles`` (``tag``: see
    :func:`resolved_days`)."""
    sentences: list[Sentence] = []
    mentions: dict[str, list[int]] = {}
    published: dict[str, list[str]] = {}
    ranges: dict[str, tuple[int, int]] = {}
    bodies: dict[str, str] = {}
    df: Counter[str] = Counter()
    for article in articles:
        if article.id in bodies:
            continue
        bodies[article.id] = article.body
        day = parse_dct(article.published)
        if day is not None:
            published.setdefault(day.isoformat(), []).append(article.id)
        spans = sentence_spans(article.body)
        refs = resolved_days(article, day, tag=tag)
        first = len(sentences)
        seen: set[str] = set()
        for position, (start, end) in enumerate(spans):
            days = frozenset(d for offset, d in refs if start <= offset < end)
            words = Counter(tokens(article.body[start:end]))
            seen.update(words)
            index = len(sentences)
            sentences.append(Sentence(article.id, start, end, position, day, days, words))
            for d in sorted(days):
                mentions.setdefault(d, []).append(index)
        ranges[article.id] = (first, len(sentences) - first)
        df.update(seen)
    total = max(1, len(bodies))
    idf = {w: math.log((1 + total) / (1 + n)) + 1.0 for w, n in df.items()}
    return Coverage(bodies, sentences, mentions, published, ranges, idf)
