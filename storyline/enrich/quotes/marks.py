"""Find the passages of a text that stand inside quotation marks.

Works on the plain text alone (no parse), paragraph by paragraph:

* double marks of every kind (``" “ ” „ « » ‟``) pair up inside a paragraph; a
  straight ``"`` opens or closes according to the characters around it;
* two apostrophes (``''``, a typewriter double mark) count as one double mark;
* single marks (``' ‘ ’ ‹ ›``) quote only where they stand at a word edge and
  pair up in the same paragraph; between letters or digits (``don’t``,
  ``Zelensky’s``, ``100’s``) they are apostrophes;
* a quotation left open at the end of a paragraph continues into the next
  paragraph when that one opens with a quotation mark (news style), and the
  pieces form one :class:`QuotedPassage`.

Offsets are content spans: the marks themselves are outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Span = tuple[int, int]

DOUBLE_OPEN = frozenset("“„«‟")
DOUBLE_CLOSE = frozenset("”»")
DOUBLE_ANY = frozenset('"')
SINGLE_OPEN = frozenset("‘‹")
SINGLE_CLOSE = frozenset("›")
SINGLE_ANY = frozenset("'’")
ALL_MARKS = DOUBLE_OPEN | DOUBLE_CLOSE | DOUBLE_ANY | SINGLE_OPEN | SINGLE_CLOSE | SINGLE_ANY

_PARAGRAPH = re.compile(r"[^\n]+")
# characters that may stand right before an opening mark
_BEFORE_OPEN = set(" \t([{—–-:/")
# leading elisions that look like opening single quotes: ’90s, 'em, 'til, 'n'
_ELISION = re.compile(r"(?:\d\d?s?\b|em\b|til\b|cause\b|n\b|tis\b|twas\b)", re.IGNORECASE)


@dataclass(slots=True)
class QuotedPassage:
    """One quotation: one segment per paragraph it runs over."""

    segments: list[Span] = field(default_factory=list)
    double: bool = True  # quoted with double marks (single marks otherwise)
    closed: bool = True  # the last segment ends at a closing mark

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _double_role(text: str, i: int, lo: int, hi: int) -> str:
    """'open', 'close' or 'either' for the double mark at ``text[i]``."""
    ch = text[i]
    if ch in DOUBLE_OPEN:
        return "open"
    if ch in DOUBLE_CLOSE:
        return "close"
    before = text[i - 1] if i > lo else " "
    after = text[i + 1] if i + 1 < hi else " "
    if (before in _BEFORE_OPEN or before in ALL_MARKS) and not after.isspace():
        return "open"
    if after.isspace() or after in ".,;:!?)]}—–-" or after in ALL_MARKS:
        return "close"
    return "either"


def _pair_double(text: str, lo: int, hi: int) -> tuple[list[Span], int | None]:
    """Pairs of double marks inside ``text[lo:hi]``; also the content start of an unclosed quote."""
    pairs: list[Span] = []
    open_at: int | None = None
    for i in range(lo, hi):
        ch = text[i]
        if ch not in DOUBLE_OPEN and ch not in DOUBLE_CLOSE and ch not in DOUBLE_ANY:
            continue
        role = _double_role(text, i, lo, hi)
        if open_at is None:
            if role != "close":
                open_at = i + 1
            continue
        if role == "open" and ch in DOUBLE_OPEN and i > open_at and text[i - 1].isspace():
            # a new opening mark while one is open: the first one was never closed
            open_at = i + 1
            continue
        if role == "open" and ch in DOUBLE_ANY and i == open_at:
            continue
        pairs.append((open_at, i))
        open_at = None
    return pairs, open_at


def _single_candidates(text: str, lo: int, hi: int) -> tuple[list[int], list[int]]:
    opens: list[int] = []
    closes: list[int] = []
    for i in range(lo, hi):
        ch = text[i]
        if ch not in SINGLE_OPEN and ch not in SINGLE_CLOSE and ch not in SINGLE_ANY:
            continue
        before = text[i - 1] if i > lo else " "
        after = text[i + 1] if i + 1 < hi else " "
        if _is_word(before) and _is_word(after):
            continue  # apostrophe: don’t, Zelensky’s, 100’s
        if ch in SINGLE_OPEN or (
            (before in _BEFORE_OPEN or before in ALL_MARKS)
            and (_is_word(after) or after in '“"(')
            and not _ELISION.match(text, i + 1, hi)
        ):
            opens.append(i)
        elif ch in SINGLE_CLOSE or (not before.isspace() and (after.isspace() or after in '.,;:!?)]}—–-"”')):
            closes.append(i)
    return opens, closes


def _pair_single(text: str, lo: int, hi: int, taken: list[Span]) -> list[Span]:
    """Single-mark quotations outside the double-quoted spans ``taken``."""

    def inside(i: int) -> bool:
        return any(s - 1 <= i <= e for s, e in taken)

    opens, closes = _single_candidates(text, lo, hi)
    pairs: list[Span] = []
    last_end = lo
    for o in opens:
        if o < last_end or inside(o):
            continue
        close = next((c for c in closes if c > o + 1 and not inside(c)), None)
        if close is None:
            continue
        if any(s - 1 > o and e < close for s, e in taken):
            continue  # would swallow a double-quoted passage
        pairs.append((o + 1, close))
        last_end = close + 1
    return pairs


_SIGNATURE = re.compile(
    r"^\W{0,3}\s*(?:(?:said|says|added|adds|wrote|writes|told|continued|explained)\s+(?:[a-z]+\s+){0,3}[A-Z]"
    r"|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s+(?:said|says|added|adds|wrote|writes|told|continued|explained)\b)"
)


def _signed(text: str, end: int, hi: int) -> bool:
    """Whether the quote closing at ``end`` is followed by its own attribution to a named speaker
    ('," added Rep. Ann Holt', '," Ms Holt said'): a new quote, not one running on from the
    paragraph before (whose closing mark the writer forgot).  A pronoun ('," he said') may
    well be the speaker of the paragraph before, so it signs nothing here."""
    return bool(_SIGNATURE.match(text[end + 1 : min(hi, end + 80)]))


def _starts_with_open(text: str, lo: int, hi: int) -> bool:
    i = lo
    while i < hi and text[i].isspace():
        i += 1
    return i < hi and _double_role(text, i, lo, hi) == "open" and text[i] not in SINGLE_ANY


def _trim(text: str, span: Span) -> Span:
    s, e = span
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_TWO_APOSTROPHES = re.compile(r"''(?!')")


def _as_double_marks(text: str) -> str:
    """``text`` with each pair of apostrophes used as a double mark (''like this'') as one mark.

    The pair becomes a space and a straight double mark, in the order that keeps the
    mark next to the quoted words, so offsets into ``text`` stay valid.
    """

    def mark(m: re.Match[str]) -> str:
        after = text[m.end() : m.end() + 1]
        return ' "' if after and not after.isspace() and after not in ".,;:!?)]}" else '" '

    return _TWO_APOSTROPHES.sub(mark, text)


def find_quoted(text: str) -> list[QuotedPassage]:
    """All quotations in ``text``, in order of appearance."""
    text = _as_double_marks(text)
    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text) if m.group().strip()]
    passages: list[QuotedPassage] = []
    carry: QuotedPassage | None = None  # a quotation running on into the next paragraph
    for k, (lo, hi) in enumerate(paragraphs):
        pairs, open_at = _pair_double(text, lo, hi)
        first = _trim(text, (lo, hi))[0]
        if carry is not None and pairs and pairs[0][0] == first + 1 and _signed(text, pairs[0][1], hi):
            passages.append(carry)  # a closed quote signed by a named speaker starts a quote of its own
            carry = None
        if carry is not None:
            if pairs and pairs[0][0] == first + 1:
                carry.segments.append(_trim(text, pairs.pop(0)))
                carry.closed = True
                passages.append(carry)
                carry = None
            elif not (open_at == first + 1 and not pairs):
                passages.append(carry)
                carry = None
        for span in (_trim(text, pair) for pair in pairs):
            if span[1] > span[0]:
                passages.append(QuotedPassage([span]))
        if open_at is not None:
            tail = _trim(text, (open_at, hi))
            nxt = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
            continues = nxt is not None and _starts_with_open(text, nxt[0], nxt[1])
            introduced = text[lo : open_at - 1].rstrip().endswith((":", ","))
            if carry is not None:
                carry.segments.append(tail)
            elif tail[1] > tail[0] and (continues or open_at == first + 1 or introduced):
                carry = QuotedPassage([tail], closed=False)
            if carry is not None and not continues:
                passages.append(carry)
                carry = None
        for span in (_trim(text, pair) for pair in _pair_single(text, lo, hi, pairs)):
            if span[1] > span[0]:
                passages.append(QuotedPassage([span], double=False))
    if carry is not None:
        passages.append(carry)
    passages.sort(key=lambda p: p.start)
    return passages
