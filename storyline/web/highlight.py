"""The reader view: an article body as HTML with quotes, entities and evidence marked.

Marks are character spans into ``article.body``.  They may overlap, so the
body is cut at every mark boundary and each piece is wrapped in the marks that
cover it, outer layers first; a mark cut in two keeps its ``id`` on the first
piece only.  Text is escaped piece by piece, and the finished HTML goes
through nh3 last, so nothing from an article can become markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import nh3
from markupsafe import Markup

from storyline.article import Article

# imported with the app, not on the first article page: the lexicon's package brings spaCy's
# modules (1.5 s), and an import in a request's thread stalls every other request meanwhile
from storyline.enrich.entity_lexicon import fold, load_lexicon

EVIDENCE, QUOTE, ENTITY = 0, 1, 2  # layers, outermost first
TYPE_NAMES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place"}
LINKED_TYPES = frozenset(TYPE_NAMES)  # groups (NORP), events, works and the like are not linked
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_ALLOWED_TAGS = {"p", "span", "a", "br"}
_ALLOWED_ATTRIBUTES = {"span": {"id", "class", "title"}, "a": {"href", "class", "title"}, "p": set()}


@dataclass(frozen=True, slots=True)
class Mark:
    start: int
    end: int
    layer: int
    tag: str = "span"
    attrs: dict[str, str] = field(default_factory=dict)


def anchor_id(start: int, end: int) -> str:
    """The fragment id a link uses to point at a span: ``c{start}-{end}``."""
    return f"c{start}-{end}"


def article_marks(article: Article, evidence: Iterable[tuple[int, int]] = ()) -> list[Mark]:
    """Marks for an article's quotes and entity mentions, plus anchors for evidence spans."""
    marks: list[Mark] = []
    seen: set[tuple[int, int]] = set()
    for start, end in [*evidence, *((q.start, q.end) for q in article.quotes)]:
        if (start, end) not in seen:
            seen.add((start, end))
            marks.append(Mark(start, end, EVIDENCE, attrs={"id": anchor_id(start, end), "class": "ev"}))
    for quote in article.quotes:
        speaker = quote.speaker_name or quote.speaker_mention or "unknown speaker"
        kind = "quote indirect" if quote.indirect else "quote"
        marks.append(Mark(quote.start, quote.end, QUOTE, attrs={"class": kind, "title": f"said by {speaker}"}))
    marks.extend(entity_links(article))
    return marks


def _is_name(surface: str) -> bool:
    """A mention worth a link names someone or somewhere: not a bare role ("Minister"), form
    of address ("Mr") or nationality word ("European"), and it has a capital letter."""
    lexicon = load_lexicon()
    folded = fold(surface).rstrip(".")
    if not any(ch.isupper() for ch in surface) or len(folded) < 2:
        return False
    return folded not in lexicon.roles and folded not in lexicon.honorifics and folded not in lexicon.demonyms


def entity_links(article: Article) -> list[Mark]:
    """Links to the people, organisations and places an article names: the first mention of
    each in a paragraph, only where the words are a name (see :func:`_is_name`)."""
    paragraphs = _paragraphs(article.body)

    def paragraph_of(position: int) -> int:
        return next((i for i, (s, e) in enumerate(paragraphs) if s <= position < e), -1)

    taken: list[tuple[int, int]] = []
    linked: set[tuple[str, int]] = set()
    marks: list[Mark] = []
    mentions = sorted(
        ((start, end, entity) for entity in article.entities if entity.type in LINKED_TYPES
         for start, end in entity.mentions),
        key=lambda item: (item[0], -item[1]),
    )
    for start, end, entity in mentions:
        if not 0 <= start < end <= len(article.body) or not _is_name(article.body[start:end]):
            continue
        key = (entity.canonical_id or entity.id, paragraph_of(start))
        if key in linked or any(start < t_end and end > t_start for t_start, t_end in taken):
            continue  # once per paragraph; overlapping mentions would nest links
        linked.add(key)
        taken.append((start, end))
        attrs = {"class": f"ent ent-{entity.type.lower()}", "title": f"{entity.name} ({TYPE_NAMES[entity.type]})"}
        if entity.canonical_id:
            attrs["href"] = f"/entities/{entity.canonical_id}"
            marks.append(Mark(start, end, ENTITY, "a", attrs))
        else:
            marks.append(Mark(start, end, ENTITY, "span", attrs))
    return marks


def _open(mark: Mark, with_id: bool) -> str:
    attrs = "".join(
        f' {name}="{html.escape(value, quote=True)}"'
        for name, value in mark.attrs.items()
        if with_id or name != "id"
    )
    return f"<{mark.tag}{attrs}>"


def _paragraphs(body: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, len(body)))
    return [(s, e) for s, e in spans if body[s:e].strip()]


def _render_paragraph(body: str, start: int, end: int, marks: list[Mark], opened: set[int]) -> str:
    inside = [(i, m) for i, m in enumerate(marks) if m.start < end and m.end > start and m.start < m.end]
    cuts = sorted({start, end, *(max(start, m.start) for _, m in inside), *(min(end, m.end) for _, m in inside)})
    out: list[str] = ["<p>"]
    stack: list[int] = []
    for a, b in pairwise(cuts):
        active = [i for i, m in sorted(inside, key=lambda im: (im[1].layer, im[1].start, -im[1].end, im[0]))
                  if m.start <= a and m.end >= b]
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] == active[keep]:
            keep += 1
        for index in reversed(stack[keep:]):
            out.append(f"</{marks[index].tag}>")
        for index in active[keep:]:
            out.append(_open(marks[index], index not in opened))
            opened.add(index)
        stack = active
        out.append(html.escape(body[a:b], quote=False).replace("\n", "<br>"))
    out.extend(f"</{marks[index].tag}>" for index in reversed(stack))
    out.append("</p>")
    return "".join(out)


def highlight(body: str, marks: list[Mark]) -> Markup:
    """The body as paragraphs of escaped text wrapped in ``marks``, sanitized."""
    opened: set[int] = set()
    parts = [_render_paragraph(body, s, e, marks, opened) for s, e in _paragraphs(body)]
    clean = nh3.clean("\n".join(parts), tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, link_rel=None,
                      url_schemes={"http", "https"})
    return Markup(clean)  # built from escaped text, sanitized just above
