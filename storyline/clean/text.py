"""Cleaning plain-text dumps: boilerplate, chrome and captions out, metadata recovered.

:func:`clean_text` reads top to bottom:

1. prepare: normalise whitespace, take the ``date YYYY-MM-DD`` header, cut sentences;
2. label each sentence by shape (:func:`storyline.clean.text_lines.label`) and, given a
   :class:`BoilerplateModel`, by what repeats across articles of the source;
3. remove the boilerplate run at the start and at the end of the document (a run starts
   at an edge and may bridge a few prose sentences between two appeal sentences);
4. read publisher, authors and headline from the header lines;
5. remove gallery markers and photo captions anywhere;
6. join what is left into paragraphs separated by one blank line.

Every sentence that is not removed stays in the body, in order.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from storyline.article import Extraction, Skip
from storyline.clean import patterns
from storyline.clean.boilerplate import BoilerplateModel
from storyline.clean.publishers import aggregator_in, normalise_publisher
from storyline.clean.text_header import Header, publisher_in_appeal, read_header
from storyline.clean.text_lines import (
    Label,
    Prepared,
    Unit,
    bodylike,
    caption_at_end,
    ends_sentence,
    glued_captions,
    has_article,
    label,
    prepare,
    quoted_share,
    units,
    word_count,
)

__all__ = ["clean_text", "source_key"]

_MAX_BRIDGE = 2  # prose sentences a run of appeal sentences may bridge
_LEARNED_SHARE = 0.6  # share of a sentence's characters covered by learned shingles
_MARKER_CAPTION_WORDS = 40
_SUPPORT_DROP = 2  # learned text carried by half as many documents as the run ends it


@dataclass(slots=True)
class _Analysis:
    prepared: Prepared
    units: list[Unit]
    removed_units: set[int] = field(default_factory=set)
    header: Header = field(default_factory=Header)
    publisher_method: str | None = None
    via: str | None = None
    edge_text: str = ""  # what the leading and trailing runs removed


class _Labeller:
    """Labels sentences on demand: the edge runs stop early, so most are never asked for."""

    def __init__(
        self, prepared: Prepared, found: list[Unit], model: BoilerplateModel | None, key: str | None
    ):
        self.found = found
        self.spans = model.covered(key, prepared.text) if model is not None and key is not None else []
        self.starts = [start for start, _, _ in self.spans]
        self.cache: dict[int, tuple[Label, int]] = {}

    def __call__(self, i: int) -> tuple[Label, int]:
        """The sentence's label and, when learned, how many documents carry it."""
        if i not in self.cache:
            self.cache[i] = self._label(self.found[i])
        return self.cache[i]

    def _label(self, unit: Unit) -> tuple[Label, int]:
        shape = label(unit.text)
        if shape.strong or not self.spans or quoted_share(unit.text) >= 0.5:
            return shape, 0  # quotations speak for someone else, even when they repeat
        start, end = unit.offset, unit.offset + len(unit.text)
        inside, support, widest = 0, 0, 0
        for s, e, count in self.spans[max(0, bisect_right(self.starts, start) - 1) :]:
            if s >= end:
                break
            size = max(0, min(end, e) - max(start, s))
            inside += size
            if size > widest:
                widest, support = size, count
        if inside >= _LEARNED_SHARE * max(1, end - start):
            return Label.LEARNED, support
        return shape, 0


def _run(order: list[int], found: list[Unit], labelled: _Labeller) -> list[int]:
    """Indices (in ``order``) of the boilerplate run that starts at this edge of the document.

    Weak sentences (short, or addressing the reader) are absorbed.  Up to two prose
    sentences are bridged, but only between two sentences recognised by shape: learned
    evidence covers a repeated appeal whole and needs no bridge.  Prose that looks like
    body text before any boilerplate ends the search, and so does learned text carried
    by far fewer documents than the run so far (the shared lead of a few articles on one
    story, after the appeal that all articles of the source carry).
    """
    run_start: int | None = None
    last: int | None = None
    gap = 0
    most = 0
    for position, i in enumerate(order):
        lab, support = labelled(i)
        if lab.strong:
            if lab is Label.LEARNED and support * _SUPPORT_DROP < most:
                break
            if run_start is None:
                run_start = position
            elif gap and (lab is Label.LEARNED or labelled(order[last or 0])[0] is Label.LEARNED):
                break
            last, gap = position, 0
            most = max(most, support)
        elif lab is Label.PROSE:
            if run_start is None:
                if bodylike(found[i].text):
                    break
                continue
            gap += 1
            if gap > _MAX_BRIDGE:
                break
    if run_start is None or last is None:
        return []
    return order[run_start : last + 1]


def _analyse(text: str, model: BoilerplateModel | None, key: str | None) -> _Analysis:
    prepared = prepare(text)
    found = units(prepared)
    labelled = _Labeller(prepared, found, model, key)
    analysis = _Analysis(prepared, found)
    forward = list(range(len(found)))
    leading = _run(forward, found, labelled)
    trailing = _run(forward[::-1], found, labelled)
    if trailing:  # everything below the topmost boilerplate sentence of the footer goes
        trailing = list(range(min(trailing), len(found)))
    analysis.removed_units = set(leading) | set(trailing)
    edge = [found[i].text for i in sorted(analysis.removed_units)]
    analysis.edge_text = " ".join(edge)

    lines = prepared.lines
    removed_lines = _fully_removed_lines(found, analysis.removed_units)
    after_lead = max(leading) + 1 if leading else 0
    body_start = next(
        (
            u.line
            for i, u in enumerate(found[after_lead:], after_lead)
            if i not in analysis.removed_units and bodylike(u.text)
        ),
        len(lines),
    )
    zone = list(range(body_start))
    chrome_lines = {
        unit.line
        for i, unit in enumerate(found)
        if unit.line < body_start and labelled(i)[0] in (Label.CHROME, Label.APPEAL)
    }
    analysis.header = read_header(lines, zone, chrome_lines, removed_lines, prepared.blank_after)
    if analysis.header.used:  # above the publisher, byline or headline of a header is chrome
        top = min(analysis.header.used)
        above = {i for i, unit in enumerate(found) if unit.line < top}
        edge.extend(found[i].text for i in sorted(above - analysis.removed_units))
        analysis.removed_units |= above
        analysis.edge_text = " ".join(edge)
    if analysis.header.publisher is None:  # a name line that the appeal also names
        spare = [i for i in zone if i not in analysis.header.used | removed_lines | chrome_lines]
        named = next((i for i in spare if _named_in(lines[i], analysis.edge_text)), None)
        if named is not None:
            analysis.header.publisher = normalise_publisher(lines[named])
            analysis.header.used.add(named)
    if analysis.header.publisher:
        analysis.publisher_method = "chrome"
    else:
        appeal_publisher = publisher_in_appeal(analysis.edge_text)
        if appeal_publisher:
            analysis.header.publisher = appeal_publisher
            analysis.publisher_method = "appeal"
    self_named = patterns.AGGREGATOR_SELF_NAME.search(analysis.edge_text)
    analysis.via = self_named.group(1) if self_named else aggregator_in(analysis.edge_text)
    return analysis


def _named_in(line: str, text: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 6 and all(w[0].isupper() for w in words) and line in text


def _fully_removed_lines(found: list[Unit], removed: set[int]) -> set[int]:
    by_line: dict[int, bool] = {}
    for i, unit in enumerate(found):
        by_line[unit.line] = by_line.get(unit.line, True) and i in removed
    return {line for line, gone in by_line.items() if gone}


def _body(analysis: _Analysis, removed: list[str]) -> list[str]:
    """Paragraphs left after boilerplate, metadata lines, markers and captions are taken out."""
    kept: dict[int, list[str]] = {}
    for i, unit in enumerate(analysis.units):
        if i in analysis.removed_units:
            continue
        kept.setdefault(unit.line, []).append(unit.text)
    paragraphs: list[str] = []
    after_marker = False
    for line_no in sorted(kept):
        if line_no in analysis.header.used:
            continue
        line = " ".join(kept[line_no])
        if patterns.MARKER_LINE.match(line) or patterns.CALL_TO_ACTION.match(line):
            removed.append(line)
            after_marker = True
            continue
        if caption_at_end(line) or (
            after_marker and word_count(line) <= _MARKER_CAPTION_WORDS and not ends_sentence(line)
        ):
            removed.append(line)
            after_marker = False
            continue
        after_marker = False
        for start, end in reversed(glued_captions(line)):
            removed.append(line[start:end].strip())
            line = (line[:start].rstrip() + " " + line[end:].lstrip()).strip()
        if word_count(line):
            paragraphs.append(line)
    return paragraphs


def clean_text(text: str, model: BoilerplateModel | None = None, key: str | None = None) -> Extraction:
    """Clean one plain-text dump; raises :class:`Skip` when no article text is left."""
    if not text.strip():
        raise Skip("empty text")
    analysis = _analyse(text, model, key)
    removed = _edge_pieces(analysis)
    paragraphs = _body(analysis, removed)
    if not has_article(paragraphs):
        raise Skip("no article text: only boilerplate, chrome or captions")
    header = analysis.header
    extracted_by = {"body": "text-dump"}
    if analysis.prepared.published:
        extracted_by["published"] = "text-header"
    if header.publisher and analysis.publisher_method:
        extracted_by["publisher"] = analysis.publisher_method
    if header.title:
        extracted_by["title"] = "chrome" if header.publisher or header.authors else "headline"
    if header.authors:
        extracted_by["authors"] = "chrome"
    if analysis.via:
        extracted_by["via"] = "chrome"
    return Extraction(
        body="\n\n".join(paragraphs),
        title=header.title,
        authors=list(header.authors),
        published=analysis.prepared.published,
        publisher=header.publisher,
        via=analysis.via,
        extracted_by=extracted_by,
        removed=removed,
    )


def _edge_pieces(analysis: _Analysis) -> list[str]:
    """The removed edge runs as one string per line they touched."""
    pieces: dict[int, list[str]] = {}
    for i in sorted(analysis.removed_units):
        unit = analysis.units[i]
        pieces.setdefault(unit.line, []).append(unit.text)
    return [" ".join(parts) for _, parts in sorted(pieces.items())]


def source_key(text: str, collection: str | None) -> str:
    """The key boilerplate evidence is pooled under: the publisher when the text names it
    (in a header or an appeal), else the collection (folder, feed), else ``"unknown"``."""
    publisher = _analyse(text, None, None).header.publisher if text.strip() else None
    if publisher:
        return f"publisher:{publisher}"
    if collection:
        return f"collection:{collection}"
    return "unknown"
