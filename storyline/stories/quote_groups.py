"""The same quote reported by several articles, recognised as one.

Two quotes are the same when, after normalising their words (lower case, number
words as digits: "article five-like" = "Article 5-like"), the shorter one's words
appear in order inside the longer one, or when most of the shorter one's words
(:data:`MIN_OVERLAP`) are in the longer one — tolerant of small rewording. Quotes
whose speakers are both known must name the same speaker (sharing a name word,
so "Steve Witkoff" and "Witkoff" agree). Groups are the connected sets of such
pairs; candidate pairs come from shared three-word shingles, so grouping a large
corpus does not compare every quote with every other.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from storyline.article import Quote
from storyline.enrich.time.lexicon import SMALL_NUMBERS

__all__ = ["MIN_OVERLAP", "QuoteGroup", "group_quotes", "normalise"]

MIN_OVERLAP = 0.8
MIN_WORDS = 4  # shorter quotes ("ready", "real progress") group only when identical
_WORD = re.compile(r"[^\W_]+")
_NUMBERS = {word: str(value) for value, word in enumerate([*SMALL_NUMBERS, "twenty"])}
_SHINGLE = 3


@dataclass(slots=True)
class QuoteGroup:
    """One quote and every article that reported it."""

    text: str  # the fullest wording reported
    speaker: str | None  # the speaker name most sources agree on
    sources: list[tuple[str, Quote]] = field(default_factory=list)  # (article id, quote)

    @property
    def articles(self) -> list[str]:
        return sorted({article for article, _ in self.sources})


def normalise(text: str) -> tuple[str, ...]:
    """The words of ``text``, lower-cased, with number words as digits."""
    words = (w.lower() for w in _WORD.findall(text.replace("’", "'")))
    return tuple(_NUMBERS.get(w, w) for w in words)


def _contains(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def _same_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    if len(short) < MIN_WORDS:
        return short == long
    if _contains(long, short):
        return True
    common = sum((Counter(short) & Counter(long)).values())
    return common >= MIN_OVERLAP * len(short)


def _same_speaker(a: Quote, b: Quote) -> bool:
    if a.speaker_name is None or b.speaker_name is None:
        return True
    wa = set(normalise(a.speaker_name))
    wb = set(normalise(b.speaker_name))
    return bool(wa & wb)


def group_quotes(items: Iterable[tuple[str, Quote]]) -> list[QuoteGroup]:
    """Group ``(article id, quote)`` pairs that report the same quote; one group per quote."""
    entries = list(items)
    words = [normalise(q.text) for _, q in entries]
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        keys = {w[k : k + _SHINGLE] for k in range(max(1, len(w) - _SHINGLE + 1))}
        for key in keys:
            index[key].append(i)
    seen: set[tuple[int, int]] = set()
    for members in index.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if (i, j) in seen or find(i) == find(j):
                    continue
                seen.add((i, j))
                if _same_words(words[i], words[j]) and _same_speaker(entries[i][1], entries[j][1]):
                    parent[find(j)] = find(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(entries)):
        groups[find(i)].append(i)
    out = []
    for members in sorted(groups.values(), key=lambda m: m[0]):
        fullest = max(members, key=lambda i: (len(words[i]), -i))
        names = Counter(entries[i][1].speaker_name for i in members if entries[i][1].speaker_name)
        speaker = names.most_common(1)[0][0] if names else None
        out.append(QuoteGroup(entries[fullest][1].text, speaker, [entries[i] for i in members]))
    return out
