"""Key-date timelines of long-running storylines: which days mattered, and what happened then.

In the spirit of DATEWISE (Ghalandari & Ifrim 2020, "Examining the State of the Art in News
Timeline Summarization"), in two steps:

1. **Rank days.**  A day scores for every article that refers to it with a time expression
   resolved to that day (an article published after the day counts fully, one referring
   to its own publication day or to a day still ahead counts less) plus a smaller share for
   every article published on it.  The top days are kept.
2. **Say what happened.**  The candidates for a day are the sentences referring to it and the
   opening sentences of articles published that day that refer to no other day.  Each is
   weighted by how close its article's publication is to the day; the sentences closest to
   the weighted TF-IDF centroid of the candidates are picked, skipping any too similar to a
   sentence already on the timeline.

Every entry cites the sentences it shows (offsets index ``Article.body`` exactly); no date is
ever guessed: undated articles count only through expressions carrying their own year.

    >>> from storyline.article import Article
    >>> docs = [
    ...     Article(id="a", source="s", published="2024-03-05",
    ...             body="The bridge over the river reopened on Monday after repairs."),
    ...     Article(id="b", source="s", published="2024-03-06",
    ...             body="Traffic returned to the bridge, which reopened on March 4, 2024."),
    ... ]
    >>> [(e["date"], e["articles"]) for e in key_timeline(docs, dates=1)]
    [('2024-03-04', ['a'])]
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storyline.article import Article
from storyline.stories.keydates_index import Coverage, build_coverage
from storyline.stories.timeline import told_ahead

__all__ = ["Weights", "describe_dates", "key_timeline", "rank_days", "story_days"]

LEDE = 3  # opening sentences of an article that may describe its publication day
MIN_WORDS, MAX_WORDS = 6, 60
REDUNDANT = 0.5  # cosine above which a sentence repeats one already chosen
MAX_DATES = 60


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each kind of evidence adds to a day's score."""

    after: float = 1.0  # an article published after the day refers to it
    same_day: float = 0.5  # an article refers to its own publication day
    ahead: float = 0.25  # an article refers to a day after its publication
    undated: float = 1.0  # an undated article refers to the day with a full date
    published: float = 0.5  # an article was published that day


def _in_range(day: str, start: str | None, end: str | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def rank_days(
    coverage: Coverage, *, start: str | None = None, end: str | None = None, weights: Weights = Weights()
) -> list[tuple[str, float, int]]:
    """Days with (score, number of supporting articles), best first, earlier day on ties."""
    scores: dict[str, float] = {}
    support: dict[str, set[str]] = {}
    for day, indexes in coverage.mentions.items():
        if not _in_range(day, start, end):
            continue
        best: dict[str, float] = {}
        for index in indexes:
            sentence = coverage.sentences[index]
            weight = _mention_weight(day, sentence.published, weights)
            best[sentence.article] = max(best.get(sentence.article, 0.0), weight)
        scores[day] = sum(best.values())
        support[day] = set(best)
    for day, ids in coverage.published.items():
        if not _in_range(day, start, end):
            continue
        scores[day] = scores.get(day, 0.0) + weights.published * len(ids)
        support.setdefault(day, set()).update(ids)
    ranked = sorted(scores, key=lambda d: (-scores[d], d))
    return [(day, scores[day], len(support[day])) for day in ranked]


def _mention_weight(day: str, published: dt.date | None, weights: Weights) -> float:
    if published is None:
        return weights.undated
    lag = (published - dt.date.fromisoformat(day)).days
    if lag > 0:
        return weights.after
    return weights.same_day if lag == 0 else weights.ahead


def _closeness(day: str, published: dt.date | None) -> float:
    """How well an article published on ``published`` can tell what happened on ``day``."""
    if published is None:
        return 0.5
    lag = (published - dt.date.fromisoformat(day)).days
    if lag < 0:
        return 0.3
    if lag <= 2:
        return 1.0
    return 1.0 / (1.0 + (lag - 2) / 5.0)


def _vector(coverage: Coverage, words: Counter[str]) -> dict[str, float]:
    vector = {w: n * coverage.idf.get(w, 1.0) for w, n in words.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {w: v / norm for w, v in vector.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def _candidates(coverage: Coverage, day: str) -> dict[int, float]:
    """Sentence index -> closeness weight, for the sentences that may describe ``day``."""
    found = {index: _closeness(day, coverage.sentences[index].published) for index in coverage.mentions.get(day, [])}
    for article in coverage.published.get(day, []):
        first, count = coverage.ranges[article]
        for index in range(first, first + min(LEDE, count)):
            if coverage.sentences[index].days <= {day}:
                found.setdefault(index, 1.0)
    return found


def _summarise(
    coverage: Coverage, day: str, count: int, chosen: list[dict[str, float]]
) -> list[int]:
    """Up to ``count`` sentence indexes that best say what happened on ``day``."""
    weights = _candidates(coverage, day)
    if not weights:
        return []
    vectors = {i: _vector(coverage, coverage.sentences[i].words) for i in weights}
    centroid: dict[str, float] = {}
    for index, weight in weights.items():
        for w, v in vectors[index].items():
            centroid[w] = centroid.get(w, 0.0) + weight * v
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    centroid = {w: v / norm for w, v in centroid.items()}

    def fits(index: int) -> bool:
        length = len(coverage.text(index).split())
        return MIN_WORDS <= length <= MAX_WORDS

    pool = [i for i in weights if fits(i)] or list(weights)
    scored = sorted(pool, key=lambda i: (-_cosine(vectors[i], centroid) * weights[i], i))
    picked: list[int] = []
    for index in scored:
        if len(picked) == count:
            break
        vector = vectors[index]
        if any(_cosine(vector, other) > REDUNDANT for other in chosen):
            continue
        picked.append(index)
        chosen.append(vector)
    picked.sort(key=lambda i: (coverage.sentences[i].published or dt.date.max, i))
    return picked


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _entry(coverage: Coverage, day: str, picked: list[int], support: int) -> dict[str, Any]:
    evidence = [
        {"article": coverage.sentences[i].article, "start": coverage.sentences[i].start, "end": coverage.sentences[i].end}
        for i in picked
    ]
    articles = list(dict.fromkeys(str(e["article"]) for e in evidence))
    # each picked sentence carries its article's publication day
    published = {coverage.sentences[i].article: coverage.sentences[i].published for i in picked}
    return {
        "date": day,
        "text": " ".join(" ".join(coverage.text(i).split()) for i in picked),
        "articles": articles,
        "evidence": evidence,
        "support": support,
        # a day after every telling article's publication was ahead when told: planned or expected
        "status": "planned" if told_ahead(day, [_iso(published[a]) for a in articles]) else "happened",
    }


def default_dates(ranked: list[tuple[str, float, int]]) -> int:
    """A number of dates that grows with the square root of the days covered.

    Only days at least two articles point to count, so a single stray reference neither
    stretches the span nor earns a place.
    """
    solid = sorted(day for day, _, support in ranked if support >= 2) or sorted(day for day, _, _ in ranked)
    if not solid:
        return 0
    span = (dt.date.fromisoformat(solid[-1]) - dt.date.fromisoformat(solid[0])).days + 1
    return max(1, min(len(solid), MAX_DATES, round(3 * math.sqrt(span))))


def key_timeline(
    articles: Sequence[Article],
    *,
    dates: int | None = None,
    sentences_per_date: int = 1,
    start: str | None = None,
    end: str | None = None,
    weights: Weights = Weights(),
) -> list[dict[str, Any]]:
    """The key dates of ``articles`` in order, each with the sentence(s) saying what happened.

    Entries are ``{"date": "YYYY-MM-DD", "text", "articles": [ids], "evidence": [{"article",
    "start", "end"}], "support": number of articles referring to or published on the date}``.
    ``dates=None`` picks a number from the span of days covered; ``start``/``end`` (ISO days,
    inclusive) restrict the dates considered.
    """
    coverage = build_coverage(articles)
    ranked = rank_days(coverage, start=start, end=end, weights=weights)
    wanted = default_dates(ranked) if dates is None else dates
    chosen: list[dict[str, float]] = []
    entries: list[dict[str, Any]] = []
    for day, _, support in ranked:
        if len(entries) >= wanted:
            break
        picked = _summarise(coverage, day, sentences_per_date, chosen)
        if picked:
            entries.append(_entry(coverage, day, picked, support))
    entries.sort(key=lambda e: str(e["date"]))
    return entries


def describe_dates(
    articles: Sequence[Article], dates: Sequence[str], *, sentences_per_date: int = 1
) -> list[dict[str, Any]]:
    """Entries for given days (in order), each saying what the coverage reports for it."""
    coverage = build_coverage(articles)
    support = {day: n for day, _, n in rank_days(coverage)}
    chosen: list[dict[str, float]] = []
    entries: list[dict[str, Any]] = []
    for day in sorted(set(dates)):
        picked = _summarise(coverage, day, sentences_per_date, chosen)
        if picked:
            entries.append(_entry(coverage, day, picked, support.get(day, 0)))
    return entries


STORY_DAYS_TOLD = MAX_DATES  # days of a story that keep a sentence saying what happened


def story_days(articles: Sequence[Article], *, told: int = STORY_DAYS_TOLD, weights: Weights = Weights()
               ) -> tuple[dict[str, list[float]], list[dict[str, Any]]]:
    """What a story contributes to its storyline's key dates: (every day its articles point to
    or were published on: ``[score, supporting articles]``; for its ``told`` best days, the
    entry saying what happened, with ``score`` and ``support``).

    Scores and supports add up across stories (each article is in one story), so a storyline
    ranks its days from its stories' stored forms alone, without reading an article.  Only
    the time expressions enrichment stored count: an article not enriched yet adds its
    publication day alone."""
    coverage = build_coverage(articles, tag=False)
    ranked = rank_days(coverage, weights=weights)
    scores = {day: [round(score, 4), float(support)] for day, score, support in ranked}
    chosen: list[dict[str, float]] = []
    entries: list[dict[str, Any]] = []
    for day, score, support in ranked:
        if len(entries) >= told:
            break
        picked = _summarise(coverage, day, 1, chosen)
        if picked:
            entries.append({**_entry(coverage, day, picked, support), "score": round(score, 4)})
    entries.sort(key=lambda e: str(e["date"]))
    return scores, entries
