"""Article bodies split into several sibling blocks.

Many sites cut one article into blocks of the same kind (``<div class="article__body">``
repeated, with advertisements between them).  Main-content extraction then often keeps
the first block only.  :func:`sibling_chunks` finds the block that holds the extracted
paragraphs and returns the text of the other blocks of exactly the same tag and class,
so the caller can add them back in document order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from lxml.html import HtmlElement

from storyline.clean.html_body import normalise, words

# A block of the same class only counts as more article when it reads like prose.
MIN_PROSE_WORDS = 12
MIN_PROSE_PARAGRAPHS = 2
_TEXT_TAGS = ("p", "h2", "h3", "h4", "blockquote", "li")
_SKIP_ANCESTORS = {"nav", "footer", "aside", "header", "form"}


def _text(el: HtmlElement) -> str:
    return normalise(el.text_content() or "")


def _container(tree: HtmlElement, paragraphs: set[str]) -> HtmlElement | None:
    """The element whose direct <p> children hold most of the extracted paragraphs."""
    parents: Counter[HtmlElement] = Counter()
    for p in tree.iter("p"):
        if _text(p) in paragraphs:
            parent = p.getparent()
            if parent is not None:
                parents[parent] += 1
    if not parents:
        return None
    best, count = parents.most_common(1)[0]
    return best if count >= MIN_PROSE_PARAGRAPHS else None


def _lines(block: HtmlElement) -> list[str]:
    out = []
    for el in block.iter(*_TEXT_TAGS):
        if any(a.tag in _TEXT_TAGS for a in el.iterancestors()):
            continue  # its text is part of an outer text element
        text = _text(el)
        if text:
            out.append(text)
    return out


def _is_prose(lines: Iterable[str]) -> bool:
    return sum(len(words(line)) >= MIN_PROSE_WORDS for line in lines) >= MIN_PROSE_PARAGRAPHS


def sibling_chunks(tree: HtmlElement, paragraphs: Iterable[str]) -> tuple[list[str], list[str]]:
    """Lines of the same-class blocks before and after the block holding ``paragraphs``."""
    found = set(paragraphs)
    main = _container(tree, found)
    if main is None:
        return [], []
    cls = (main.get("class") or "").strip()
    if not cls:
        return [], []
    before: list[str] = []
    after: list[str] = []
    seen_main = False
    ancestors = set(main.iterancestors())
    for el in tree.iter(main.tag):
        if el is main:
            seen_main = True
            continue
        if (el.get("class") or "").strip() != cls or el in ancestors:
            continue
        if any(a is main or a.tag in _SKIP_ANCESTORS for a in el.iterancestors()):
            continue
        lines = [line for line in _lines(el) if line not in found]
        if not _is_prose(lines):
            continue
        (after if seen_main else before).extend(lines)
    return before, after
