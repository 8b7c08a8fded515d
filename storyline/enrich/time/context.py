"""What a rule needs to turn a match into a TIMEX3 value: the text, the publication date,
the parse when there is one, and what earlier expressions in the text referred to."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storyline.enrich.time.tense import direction_from_doc, direction_from_preposition, direction_from_text
from storyline.nlp import doc_text, sentence_spans, sentences

if TYPE_CHECKING:
    from spacy.tokens import Doc

# (TIMEX3 type, value), or (type, value, start, end) when the span is narrower than the match.
Result = tuple[str, str | None] | tuple[str, str | None, int, int]


@dataclass(slots=True)
class Context:
    text: str
    dct: dt.date | None
    doc: Doc | None = None
    # The quarter (year, number) most recently mentioned: "the quarter", "a year earlier".
    last_quarter: tuple[int, int] | None = None
    # The most recent fully resolved day: "the following Monday", "two days later".
    last_day: dt.date | None = None
    # The most recent year given in full: "the following year", "that year".
    last_year: int | None = None
    _directions: dict[tuple[int, int], int] = field(default_factory=dict)
    _sentences: list[tuple[int, int]] | None = None

    def direction(self, start: int, end: int) -> int:
        """-1 when the clause around the span is in the past, +1 future, 0 unknown."""
        key = (start, end)
        if key not in self._directions:
            found = direction_from_preposition(self.text, start)
            if found == 0 and self.doc is not None:
                found = direction_from_doc(self.doc, start, end)
            if found == 0:
                found = direction_from_text(self.text, start, end, self._sentence(start))
            self._directions[key] = found
        return self._directions[key]

    def _sentence(self, start: int) -> tuple[int, int] | None:
        """The sentence around ``start``: the parsed one when there is a parse of this text,
        else one of :func:`storyline.nlp.sentence_spans` (split once per text)."""
        if self._sentences is None:
            if self.doc is not None and doc_text(self.doc) == self.text:
                self._sentences = [(s.start_char, s.end_char) for s in sentences(self.doc)]
            else:
                self._sentences = sentence_spans(self.text)
        i = bisect_right(self._sentences, (start, len(self.text) + 1)) - 1
        if i >= 0 and self._sentences[i][0] <= start < self._sentences[i][1]:
            return self._sentences[i]
        return None

    def before(self, start: int, size: int = 30) -> str:
        """Up to ``size`` characters of text just before ``start``, lower-cased."""
        return self.text[max(0, start - size) : start].lower()

    def after(self, end: int, size: int = 30) -> str:
        return self.text[end : end + size].lower()


Builder = Callable[[re.Match[str], Context], Result | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern and the function that gives a match its type and value.

    ``build`` may return None to reject a match the pattern alone could not rule out.
    Rules listed earlier win when two matches of the same length overlap.  ``trigger``, when
    set, is a cheap lower-case pattern that every match contains ("ago" for "three days ago"),
    searched in the lower-cased text: the full pattern then only runs near its occurrences,
    which keeps the tagger fast.
    """

    name: str
    pattern: re.Pattern[str]
    build: Builder
    trigger: re.Pattern[str] | None = None


def rule(
    name: str, pattern: str, build: Builder, *, trigger: str | None = None, flags: int = re.IGNORECASE
) -> Rule:
    # Every expression starts at the start of a word; saying so lets the engine skip fast.
    compiled = re.compile(rf"(?<!\w)(?:{pattern})", flags)
    return Rule(name, compiled, build, re.compile(trigger) if trigger else None)
