"""Time expressions (TIMEX3), resolved against the publication date.

A rule-based tagger and normaliser in the spirit of HeidelTime and SUTime.  Each rule is a
regular expression and a function that gives a match its TIMEX3 type and value
(``storyline.enrich.time.rules_dates`` for calendar expressions,
``storyline.enrich.time.rules_relative`` for expressions read from the publication date).
All rules run over the text; where matches overlap the longest wins (the earlier rule on a
tie); the survivors are then normalised left to right so that anaphoric expressions ("the
quarter", "a year earlier", "the following Monday") can use what came before.

Expressions that need a direction ("on Monday", "in March") take it from the tense of the
governing verb: from the spaCy ``Doc`` when one is given, otherwise from lexical cues in the
sentence ("will", "due to", "was", "-ed").  Without a publication date, explicit dates still
resolve, durations and vague references keep their values, and everything relative to the
publication date gets ``value=None``: nothing is ever resolved against today's date.

    >>> import datetime as dt
    >>> [(t.text, t.value) for t in find_times("Leaders will meet on Monday.", dt.date(2025, 12, 12))]
    [('Monday', '2025-12-15')]
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from storyline.article import Article, TimeExpression
from storyline.enrich.component import component
from storyline.enrich.time.context import Context, Rule
from storyline.enrich.time.rules_dates import RULES as DATE_RULES
from storyline.enrich.time.rules_relative import RULES as RELATIVE_RULES
from storyline.nlp import doc_text

if TYPE_CHECKING:
    import re
    from collections.abc import Iterator

    from spacy.tokens import Doc

__all__ = ["RULES", "add_times", "find_times", "parse_dct", "times_component"]

RULES: list[Rule] = [*DATE_RULES, *RELATIVE_RULES]


# (start, end, rule priority, rule, match)
Candidate = tuple[int, int, int, Rule, "re.Match[str]"]

# How far a match may reach before and after the trigger it contains.
_REACH_BEFORE, _REACH_AFTER = 80, 80


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(text: str) -> str:
    """``text`` lower-cased with every offset kept (``str.lower`` may change lengths)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _matches(current: Rule, text: str, lowered: str) -> Iterator[re.Match[str]]:
    if current.trigger is None:
        yield from current.pattern.finditer(text)
        return
    triggers = [m.span() for m in current.trigger.finditer(lowered)]
    if not triggers:
        return
    windows: list[list[int]] = []
    for start, end in triggers:
        low, high = max(0, start - _REACH_BEFORE), min(len(text), end + _REACH_AFTER)
        if windows and low <= windows[-1][1]:
            windows[-1][1] = high
        else:
            windows.append([low, high])
    for low, high in windows:
        for match in current.pattern.finditer(text, low, high):
            if any(match.start() <= t_start and t_end <= match.end() for t_start, t_end in triggers):
                yield match


def _candidates(text: str) -> list[Candidate]:
    found: list[Candidate] = []
    lowered = _lower(text)
    for priority, current in enumerate(RULES):
        for match in _matches(current, text, lowered):
            start, end = match.span()
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                found.append((start, end, priority, current, match))
    return found


def _select(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping matches, longest first, earlier rule first on equal length."""
    taken: list[tuple[int, int]] = []
    chosen = []
    for candidate in candidates:
        start, end = candidate[0], candidate[1]
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        chosen.append(candidate)
    chosen.sort(key=lambda c: c[0])
    return chosen


def find_times(text: str, dct: dt.date | None, doc: Doc | None = None) -> list[TimeExpression]:
    """The time expressions of ``text`` with TIMEX3 types and values.

    ``dct`` is the document creation time (the publication date); ``doc``, when given,
    must be the spaCy ``Doc`` of this same ``text`` and is used only to read tenses.
    Offsets index ``text``.  A match whose rule rejects it on a closer look leaves room
    for a shorter candidate at the same place.
    """
    if doc is not None and doc_text(doc) != text:
        raise ValueError("doc must be the spaCy Doc of the same text")
    context = Context(text=text, dct=dct, doc=doc)
    candidates = _candidates(text)
    candidates.sort(key=lambda c: (c[0] - c[1], c[2], c[0]))
    results: list[TimeExpression] = []
    rejected: list[Candidate] = []
    for candidate in _select(candidates):
        expression = _build(candidate, context)
        if expression is None:
            rejected.append(candidate)
        else:
            results.append(expression)
    if rejected:
        results.extend(_fill(candidates, rejected, results, context))
        results.sort(key=lambda t: t.start)
    return results


def _build(candidate: Candidate, context: Context) -> TimeExpression | None:
    start, end, _priority, current, match = candidate
    try:
        built = current.build(match, context)
    except (OverflowError, ValueError):  # what datetime raises past the calendar's ends (years 1 and 9999):
        return None  # "on Sunday" or "next month" in an article dated 9999-12-31 names no day, no expression
    if built is None:
        return None
    if len(built) == 4:
        start, end = built[2], built[3]
    return TimeExpression(text=context.text[start:end], start=start, end=end, type=built[0], value=built[1])


def _fill(
    candidates: list[Candidate], holes: list[Candidate], kept: list[TimeExpression], context: Context
) -> list[TimeExpression]:
    """Other matches inside the spans of rejected ones ("May" the verb inside a longer miss)."""
    occupied = [(t.start, t.end) for t in kept]
    extra: list[TimeExpression] = []
    for hole in holes:
        for candidate in candidates:
            start, end = candidate[0], candidate[1]
            if candidate is hole or start < hole[0] or end > hole[1]:
                continue
            if any(start < o_end and o_start < end for o_start, o_end in occupied):
                continue
            expression = _build(candidate, context)
            if expression is not None:
                occupied.append((start, end))
                extra.append(expression)
    return extra


def parse_dct(published: str | None) -> dt.date | None:
    """The date part of an ISO publication date, None when absent or malformed."""
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def add_times(article: Article, doc: Doc | None = None) -> Article:
    """The enrichment stage: fill ``article.times`` from its body and publication date."""
    article.times = find_times(article.body, parse_dct(article.published), doc)
    return article


@component("times", reads=("doc", "published"), adds=("times",))
def times_component(doc: Doc, article: Article) -> None:
    """The pipeline component: ``article.times``, resolved against the publication date."""
    article.times = find_times(doc_text(doc), parse_dct(article.published), doc)
