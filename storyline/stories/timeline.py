"""Timelines: dated entries, each citing the sentences and articles it came from.

Candidates come from what enrichment found in each article: events (with
their evidence sentence) and sentences holding a resolved calendar date.  The
same development told by several articles becomes one entry citing all of
them.  Entries whose date is unknown are kept as undated (``date: None``),
never given a guessed date.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from storyline.article import Article
from storyline.dates import shift_day
from storyline.nlp import sentence_spans

CALENDAR = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-W\d{2})$")


def period_start(value: str) -> _dt.date | None:
    """The first day of a calendar value: a day (``2025-12-08``), an ISO week
    (``2025-W50``: its Monday), a month (``2025-12``) or a year (``2025``); None otherwise."""
    try:
        if len(value) == 10:
            return _dt.date.fromisoformat(value)
        if len(value) == 8 and value[5] == "W":
            return _dt.date.fromisocalendar(int(value[:4]), int(value[6:8]), 1)
        if len(value) == 7:
            return _dt.date(int(value[:4]), int(value[5:7]), 1)
        if len(value) == 4:
            return _dt.date(int(value), 1, 1)
    except ValueError:
        return None
    return None


def period_month(value: str) -> str:
    """The month (``YYYY-MM``) a calendar value falls in; an ISO week by its Thursday (the
    ISO rule for which year a week belongs to), so ``2025-W01`` is in December 2024 or
    January 2025 as its days say."""
    start = period_start(value)
    if start is None:
        return value[:7]
    if len(value) == 8:
        start = shift_day(start, 3)
    return start.isoformat()[:7]


def told_ahead(value: str | None, published: Sequence[str | None]) -> bool:
    """Whether a development dated ``value`` lies after the publication day of every article
    telling it: it had not happened when told (talks "due to meet in Berlin on Monday" in
    Friday's paper), so it is planned or expected, never an event that happened.  Unknown
    when an article is undated (False)."""
    start = period_start(value) if value else None
    if start is None or not published or not all(published):
        return False
    return all(start > _dt.date.fromisoformat(str(day)[:10]) for day in published)


def entry_status(statuses: Sequence[str]) -> str:
    """What an entry told by several sources is: it happened when any source tells it as done,
    else it is planned when one tells it as ahead, else only reported (told with a hedge)."""
    for status in ("happened", "planned", "reported"):
        if status in statuses:
            return status
    return "happened"


def date_order(value: str | None) -> tuple[int, str, int, str]:
    """Sort key for timeline dates: by first day, the finer period first; undated last."""
    start = period_start(value) if value else None
    if start is None:
        return (1, "", 0, value or "")
    return (0, start.isoformat(), -len(value or ""), value or "")
_WORD = re.compile(r"\w+")
STOP = frozenset(
    ["the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "that", "this", "is", "was", "were", "be", "been", "has", "have", "had", "will", "would", "said", "says", "it", "its", "he", "she", "they", "his", "her", "their", "we", "our", "you", "i", "not", "but", "after", "before", "over"]
)
MAX_TEXT = 280


def sentence_at(spans: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    for start, end in spans:
        if start <= offset < end:
            return start, end
    return None


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in STOP and len(w) > 1}


@dataclass(slots=True)
class Candidate:
    date: str | None
    text: str
    article: str
    start: int
    end: int
    kind: str  # event type, or "dated" for a sentence holding a date
    participants: frozenset[str] = frozenset()
    words: set[str] = field(default_factory=set)
    date_text: str | None = None  # the article's own words for when, for an event
    status: str = "happened"  # happened | planned | reported, as for an Event


@dataclass(slots=True)
class Entry:
    date: str | None
    date_text: str | None
    text: str
    kind: str
    participants: frozenset[str]
    words: set[str]
    evidence: list[tuple[str, int, int]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # of the candidates it holds
    texts: list[str] = field(default_factory=list)  # how each candidate tells it

    @property
    def status(self) -> str:
        return entry_status(self.statuses)

    def told(self) -> str:
        """The words of the first source telling it as it is: a meeting planned in one article and
        held by the next reads "... meet", not "... to meet"."""
        return next((t for t, s in zip(self.texts, self.statuses, strict=True) if s == self.status), self.text)

    @property
    def articles(self) -> list[str]:
        return list(dict.fromkeys(article for article, _, _ in self.evidence))

    def score(self) -> float:
        return 2.0 * len(self.articles) + (1.0 if self.kind != "dated" else 0.0) + 0.2 * len(self.participants)

    def record(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "date_text": self.date_text,
            "text": self.told(),
            "type": self.kind,
            "status": self.status,
            "articles": self.articles,
            "evidence": [{"article": a, "start": s, "end": e} for a, s, e in self.evidence],
        }


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_TEXT:
        return text
    cut = text[:MAX_TEXT].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def candidates(article: Article) -> list[Candidate]:
    """Dated and undated developments one article reports."""
    found: list[Candidate] = []
    used: set[tuple[int, int]] = set()
    for event in article.events:
        start, end = event.evidence
        sentence = article.body[start:end]
        status = "planned" if told_ahead(event.date, [article.published]) else event.status
        found.append(Candidate(event.date, event.what, article.id, start, end, event.type,
                               frozenset(event.participants), words(sentence), event.date_text, status))
        used.add((start, end))
    spans = sentence_spans(article.body)
    for time in article.times:
        if not time.value or not CALENDAR.match(time.value):
            continue
        span = sentence_at(spans, time.start)
        if span is None or span in used:
            continue
        used.add(span)
        sentence = article.body[span[0] : span[1]]
        status = "planned" if told_ahead(time.value, [article.published]) else "happened"
        found.append(Candidate(time.value, _shorten(sentence), article.id, span[0], span[1], "dated",
                               frozenset(), words(sentence), status=status))
    return found


def _same(entry: Entry, candidate: Candidate) -> bool:
    if entry.date != candidate.date:
        return False
    if entry.kind == candidate.kind != "dated" and entry.participants and candidate.participants:
        shared = entry.participants & candidate.participants
        if len(shared) >= min(2, len(entry.participants), len(candidate.participants)):
            return True
    union = entry.words | candidate.words
    return bool(union) and len(entry.words & candidate.words) / len(union) >= 0.4


def build_timeline(
    articles: Sequence[Article], *, limit: int = 30, per_date: int = 3, undated: int = 5
) -> list[dict[str, Any]]:
    """The timeline of a group of articles: dated entries in order, then undated ones."""
    entries: list[Entry] = []
    by_date: dict[str | None, list[Entry]] = {}  # entries only ever match on the same date
    for article in articles:
        for candidate in candidates(article):
            same_day = by_date.setdefault(candidate.date, [])
            match = next((e for e in same_day if _same(e, candidate)), None)
            if match is None:
                match = Entry(candidate.date, candidate.date_text, candidate.text, candidate.kind,
                              candidate.participants, set(candidate.words))
                entries.append(match)
                same_day.append(match)
            else:
                match.participants = match.participants | candidate.participants
                match.words |= candidate.words
            match.evidence.append((candidate.article, candidate.start, candidate.end))
            match.statuses.append(candidate.status)
            match.texts.append(candidate.text)
    by_id = {a.id: a for a in articles}
    for entry in entries:  # an undated entry keeps the article's words for when ("recently")
        if entry.date:
            entry.date_text = _date_text(entry, by_id)
    dated = sorted((e for e in entries if e.date), key=lambda e: -e.score())
    kept: list[Entry] = []
    per: dict[str, int] = {}
    for entry in dated:
        assert entry.date is not None
        if per.get(entry.date, 0) < per_date and len(kept) < limit:
            kept.append(entry)
            per[entry.date] = per.get(entry.date, 0) + 1
    kept.sort(key=lambda e: (date_order(e.date), -e.score()))
    loose = sorted((e for e in entries if not e.date and e.kind != "dated"), key=lambda e: -e.score())
    return [e.record() for e in kept + loose[:undated]]


def _date_text(entry: Entry, by_id: dict[str, Article]) -> str | None:
    """The words the first cited sentence used for the date ("on Monday")."""
    if entry.date is None:
        return None
    for article_id, start, end in entry.evidence:
        article = by_id.get(article_id)
        if article is None:
            continue
        for time in article.times:
            if start <= time.start < end and time.value and time.value.startswith(entry.date[:7]):
                return time.text
    return None
