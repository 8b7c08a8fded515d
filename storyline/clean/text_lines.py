"""Lines and sentences of a plain-text dump, and what each one looks like.

:func:`prepare` turns a dump into normalised lines (the date header taken off, hard-wrapped
paragraphs joined); :func:`units` cuts lines into sentences, the grain at which
boilerplate is recognised; :func:`label` says whether a sentence is boilerplate by shape
(a call to action, an appeal to the reader), weak evidence (short, or addressing the
reader) or prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from storyline.clean import patterns
from storyline.clean.html_body import normalise

_WORD = re.compile(r"\w+")
# A sentence ends at . ! ? … (with closing quotes or brackets) before a space and a capital,
# a digit or an opening quote.
_SENTENCE_BREAK = re.compile(
    r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’)\]])|(?<=[.!?…][\"”’)\]]{2})) (?=[\"“‘(\[]?[A-Z0-9])"
)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$|[\"”’]$|''$")
_QUOTED = re.compile(r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)|``.*?(?:''|$)|‘[^’]{2,}’")

SHORT_WORDS = 5  # a line this short is never prose on its own


@dataclass(slots=True)
class Prepared:
    """A dump as normalised lines: the input the cleaner and the model both read."""

    lines: list[str]
    blank_after: list[bool]  # a blank line followed this line in the input
    published: str | None  # from a "date YYYY-MM-DD" header

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _unwrap(blocks: list[list[str]]) -> list[list[str]]:
    """Join hard-wrapped lines: blocks of several lines cut at a fixed width."""
    multi = [block for block in blocks if len(block) > 1]
    inner = [len(line) for block in multi for line in block[:-1]]
    if len(inner) < 4:
        return blocks
    width = max(inner)
    if width > 100 or sum(length >= 0.75 * width for length in inner) < 0.8 * len(inner):
        return blocks
    return [[" ".join(block)] if len(block) > 1 else block for block in blocks]


def prepare(text: str) -> Prepared:
    raw = text.replace("\r\n", "\n").replace("\r", "\n")
    published = None
    header = patterns.DATE_HEADER.match(raw)
    if header:
        published = header.group(1)
        raw = raw[header.end() :]
    blocks: list[list[str]] = [[]]
    for line in raw.split("\n"):
        clean = normalise(line)
        if clean and _WORD.search(clean):
            blocks[-1].append(clean)
        elif blocks[-1]:
            blocks.append([])
    lines: list[str] = []
    blank_after: list[bool] = []
    for block in _unwrap([block for block in blocks if block]):
        lines.extend(block)
        blank_after.extend([False] * (len(block) - 1) + [True])
    return Prepared(lines, blank_after, published)


@dataclass(slots=True)
class Unit:
    """One sentence of one line; ``start``/``end`` index into the line."""

    line: int
    start: int
    end: int
    text: str
    offset: int  # where the sentence starts in :attr:`Prepared.text`


def units(prepared: Prepared) -> list[Unit]:
    out: list[Unit] = []
    offset = 0
    for index, line in enumerate(prepared.lines):
        start = 0
        for match in _SENTENCE_BREAK.finditer(line):
            out.append(Unit(index, start, match.start(), line[start : match.start()], offset + start))
            start = match.end()
        out.append(Unit(index, start, len(line), line[start:], offset + start))
        offset += len(line) + 1
    return out


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def ends_sentence(text: str) -> bool:
    return bool(_ENDS_SENTENCE.search(text))


def unquoted(text: str) -> str:
    """The text with quotations taken out (they speak for someone else)."""
    return _QUOTED.sub(" ", text)


def quoted_share(text: str) -> float:
    """How much of the text lies inside quotation marks."""
    inside = sum(len(m.group(0)) for m in _QUOTED.finditer(text))
    return inside / max(1, len(text))


class Label(Enum):
    CHROME = "chrome"  # a call to action or interface marker
    APPEAL = "appeal"  # the publication asking the reader for something
    LEARNED = "learned"  # repeats across articles of the source (set by the cleaner)
    WEAK = "weak"  # short, or addressing the reader: boilerplate only between boilerplate
    PROSE = "prose"

    @property
    def strong(self) -> bool:
        return self in (Label.CHROME, Label.APPEAL, Label.LEARNED)


def label(text: str) -> Label:
    """What one sentence looks like, by shape and the documented patterns only."""
    if (
        patterns.CALL_TO_ACTION.match(text)
        or patterns.MARKER_LINE.match(text)
        or patterns.AGGREGATOR_SELF_NAME.search(text)
    ):
        return Label.CHROME
    own = unquoted(text)
    words = word_count(text)
    addressed = bool(patterns.READER_PRONOUN.search(own) or patterns.PUBLICATION_PRONOUN.search(own))
    appeal = patterns.APPEAL_PHRASE.search(own)
    if appeal and (addressed or (words <= 6 and appeal.start() == 0)):
        return Label.APPEAL
    if words <= SHORT_WORDS or addressed:
        return Label.WEAK
    return Label.PROSE


def has_article(paragraphs: list[str]) -> bool:
    """Enough prose to be an article: some words and at least one sentence."""
    words = sum(word_count(p) for p in paragraphs)
    return words >= 6 and any(_SENTENCE_BREAK.search(p) or ends_sentence(p) for p in paragraphs)


def bodylike(text: str) -> bool:
    """A sentence of prose: long enough and ending like a sentence."""
    return word_count(text) >= 6 and ends_sentence(text)


# --- captions ----------------------------------------------------------------------------------

_CAPTION_MAX_WORDS = 60


def _is_credit(credit: str) -> bool:
    parts = [part for part in re.split(r"[/;,]| via | for ", credit) if part.strip()]
    if not parts or len(parts) > 4:
        return False
    for part in parts:
        tokens = part.split()
        if not 1 <= len(tokens) <= 4:
            return False
        if not tokens[0][0].isupper():
            return False
    return True


def caption_at_end(line: str) -> re.Match[str] | None:
    """The credit of a line that is a photo caption: short text, then "(Credit/Agency)"."""
    matches = list(patterns.CREDIT.finditer(line))
    match = matches[-1] if matches else None
    if match is None or line[match.end() :].strip():
        return None
    before = line[: match.start()].rstrip()
    if (
        word_count(before) < 2
        or patterns.SENTENCE_END.search(before)
        or word_count(before) > _CAPTION_MAX_WORDS
    ):
        return None
    if _SENTENCE_BREAK.search(before) or patterns.CREDIT.search(before):
        return None  # a caption is one sentence with one credit; prose without its full stop is not
    if before[0] in '“"' and before.count("“") > before.count("”"):
        return None  # a quotation that runs on, not a caption
    return match if _is_credit(match.group("credit")) else None


def glued_captions(line: str) -> list[tuple[int, int]]:
    """Spans of captions glued into a line of text: "... Downing Street(Jeff Moore/PA)This was ..."."""
    spans: list[tuple[int, int]] = []
    for match in patterns.CREDIT.finditer(line):
        after = line[match.end() :]
        if not after.strip() or not re.match(r"\s?[A-Z“\"]", after) or not _is_credit(match.group("credit")):
            continue
        if match.start() == 0 or line[match.start() - 1] == " ":
            continue  # a spaced parenthesis inside a sentence
        head = line[: match.start()]
        breaks = [m.end() for m in _SENTENCE_BREAK.finditer(head)]
        begin = breaks[-1] if breaks else 0
        caption = head[begin:]
        if patterns.SENTENCE_END.search(caption) or word_count(caption) > _CAPTION_MAX_WORDS:
            continue
        spans.append((begin, match.end()))
    return spans
