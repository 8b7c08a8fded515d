"""Article body and metadata from one HTML page.

:func:`extract_html` is the cleaning stage for ``RawDocument(kind="html")``::

    parse (lxml, via trafilatura's loader; nothing is ever fetched)
      -> metadata: title, authors, site name (trafilatura), date (htmldate, markup only),
         language (declared in the markup)
      -> body: embedded tweets turned into plain quotes, trafilatura's main-content
         extraction (fast mode, no comments), then paragraph filters by shape
         (storyline.clean.html_body: duplicates, the headline repeated, interface text,
         menu runs) and same-class sibling blocks added back (storyline.clean.html_chunks)
      -> fallback: when the result is short, trafilatura's full pipeline with its own
         baseline, jusText and readability comparisons

What each step buys on the AEB pages is in ``benchmarks/results/extraction.md``.
A page without article text raises :class:`storyline.article.Skip` with the reason.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement
from trafilatura.core import bare_extraction
from trafilatura.metadata import Document, extract_metadata
from trafilatura.utils import HTML_PARSER, load_html

from storyline.article import Extraction, Skip
from storyline.clean.html_body import Body, clean_paragraphs, words
from storyline.clean.html_chunks import sibling_chunks
from storyline.clean.html_meta import clean_date, date_params, declared_language, split_authors, without_dates
from storyline.clean.images import lead_image

__all__ = ["HtmlOptions", "extract_html"]

LOG = logging.getLogger(__name__)

NO_TEXT = "no article text found in HTML"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_HAS_TAG = re.compile(r"<\s*[a-zA-Z!/?]")
_HAS_DOCUMENT = re.compile(r"<\s*(?:html|body|head)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HtmlOptions:
    """How :func:`extract_html` works; the defaults are the measured best (see benchmarks)."""

    # trafilatura's fast mode for the first pass (its full mode is the fallback)
    fast: bool = True
    favor_precision: bool = False
    include_tables: bool = True
    # body shorter than this (characters) after cleaning: try trafilatura's full pipeline
    fallback_below: int = 500
    # add same-class sibling blocks of the extracted body (articles split by ads)
    sibling_chunks: bool = True
    # keep quoted social posts (embedded tweets) as quotes in the body
    embedded_posts: bool = True
    # names from storyline.clean.html_body.FILTERS to switch off
    disabled_filters: frozenset[str] = field(default_factory=frozenset)
    # pages larger than this (characters) are skipped rather than parsed
    max_chars: int = 20_000_000


DEFAULT_OPTIONS = HtmlOptions()


def extract_html(html: str, url: str | None = None, options: HtmlOptions = DEFAULT_OPTIONS) -> Extraction:
    """The article in ``html``: clean body text and whatever metadata the page gives.

    Raises :class:`Skip` when the page has no article text (empty, broken beyond repair,
    not HTML, or a page of links).  Never touches the network.
    """
    tree = parse(html, options.max_chars)
    meta, unread = _metadata(tree, url)
    title = _text_or_none(meta.title)
    body = _body(tree, url, title, options)
    if not _is_article_text(body):
        raise Skip(NO_TEXT)

    extracted_by = {"body": body.method}
    result = Extraction(body=body.text, removed=body.removed, extracted_by=extracted_by,
                        notes=[unread] if unread else [])
    if title:
        result.title = title
        extracted_by["title"] = "trafilatura"
    authors = split_authors(meta.author)
    if authors:
        result.authors = authors
        extracted_by["authors"] = "trafilatura"
    published = clean_date(meta.date)
    if published:
        result.published = published
        extracted_by["published"] = "htmldate"
    publisher = _publisher(meta.sitename)
    if publisher:
        result.publisher = publisher
        # trafilatura falls back to the host name when the page names no site
        from_host = "." in publisher and " " not in publisher
        extracted_by["publisher"] = "url-host" if from_host else "trafilatura"
    language = declared_language(tree)
    if language:
        result.language = language
        extracted_by["language"] = "html-lang"
    page_url = _text_or_none(meta.url) or url
    if page_url:
        result.url = page_url
        extracted_by["url"] = "trafilatura" if meta.url and meta.url != url else "given"
    image = lead_image(getattr(meta, "image", None), page_url)
    if image:
        result.image = image
        extracted_by["image"] = "trafilatura"
    return result


def parse(html: str | bytes, max_chars: int = DEFAULT_OPTIONS.max_chars) -> HtmlElement:
    """An lxml tree for ``html``, or :class:`Skip` with the reason it cannot be one."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not isinstance(html, str):
        raise Skip(f"expected HTML text, got {type(html).__name__}")
    if len(html) > max_chars:
        raise Skip(f"HTML too large ({len(html)} characters, limit {max_chars})")
    html = _CONTROL.sub("", html)
    if not html.strip():
        raise Skip("empty HTML")
    if not _HAS_TAG.search(html):
        raise Skip("no HTML markup found")
    if not _HAS_DOCUMENT.search(html[:5000]):
        # a fragment: the loader expects a whole document
        html = f"<html><body>{html}</body></html>"
    tree = _load(html)
    if _stopped_deep():
        tree = _load(flatten_deep_nesting(html))
    return tree


def _load(html: str) -> HtmlElement:
    try:
        tree = load_html(html)
    except Exception as err:  # lxml and the loader raise many kinds on broken input
        raise Skip(f"unparseable HTML: {err}") from err
    if tree is None:
        raise Skip("unparseable HTML")
    return tree


def _stopped_deep() -> bool:
    """Whether the last parse stopped at the parser's depth limit (dropping the rest of the page)."""
    return any(error.type_name == "ERR_RESOURCE_LIMIT" and "depth" in error.message
               for error in HTML_PARSER.error_log)


# libxml2 stops parsing an HTML page at 256 levels of nesting and drops everything
# after that point, text included; such a page is parsed again without its tags past KEEP_DEPTH.
PARSER_DEPTH = 240
KEEP_DEPTH = 200
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp"})
_OPTIONAL_END = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option", "rt", "rp"})


def flatten_deep_nesting(html: str) -> str:
    """``html`` unchanged, unless its elements nest deeper than the parser goes: then
    without the tags that open past :data:`KEEP_DEPTH` (and their end tags); their text stays.

    Depth is counted roughly as a parser would: void and self-closed elements do not
    nest, an end tag closes what opened since its start tag, and a paragraph or list
    item ends at the next one.  (It overcounts some pages a parser reads well, such as
    table rows left open: it is used only on pages the parser stopped in.)
    """
    if html.count("<") <= PARSER_DEPTH:
        return html
    stack: list[tuple[str, bool]] = []  # open elements: (name, its tags are dropped)
    drop: list[tuple[int, int]] = []
    deepest = 0
    raw_until: str | None = None  # inside <script> and the like, only its end tag counts
    for match in _TAG_TOKEN.finditer(html):
        closing, name, self_closed = match.group(1), match.group(2).lower(), match.group(3)
        if raw_until is not None:
            if closing and name == raw_until:
                raw_until = None
                stack.pop()
            continue
        if closing:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    if stack[index][1]:
                        drop.append(match.span())
                    del stack[index:]
                    break
            continue
        if name in _VOID or self_closed:
            continue
        if name in _OPTIONAL_END and stack and stack[-1][0] == name:
            stack.pop()
        dropped = len(stack) >= KEEP_DEPTH
        if dropped:
            drop.append(match.span())
        stack.append((name, dropped))
        deepest = max(deepest, len(stack))
        if name in _RAW_TEXT:
            raw_until = name
    if deepest <= PARSER_DEPTH:
        return html
    pieces: list[str] = []
    last = 0
    for start, end in drop:
        pieces.append(html[last:start])
        last = end
    pieces.append(html[last:])
    return "".join(pieces)


def _metadata(tree: HtmlElement, url: str | None) -> tuple[Document, str | None]:
    """The page's metadata, and what of it could not be read (said in the item's outcome).

    A metadata bug must not cost the body, nor the rest of the metadata: htmldate raises
    on a time with an offset of a day or more (``+24:00``), and trafilatura reads the date
    after the title and authors but before the site name, so one odd ``<meta>`` cost them
    all, with no word but a log line.  Then the metadata is read again without the page's
    dates (:func:`~storyline.clean.html_meta.without_dates`), and the page stored undated.
    """
    try:
        return extract_metadata(copy.deepcopy(tree), url, date_config=date_params()), None
    except Exception as err:  # a library failing on this page's metadata
        first = f"{type(err).__name__}: {err}"[:200]
    try:
        meta = extract_metadata(without_dates(tree), url, date_config=date_params())
        return meta, f"the page's date could not be read ({first}): stored without it"
    except Exception as err:
        LOG.warning("metadata extraction failed for %s: %s", url or "page", err)
        return Document(), (f"the page's metadata could not be read ({first}): stored without its title, "
                            "date, authors and image")


_EMBEDDED_POST = "contains(concat(' ', normalize-space(@class), ' '), ' twitter-tweet ')"


def _keep_embedded_posts(tree: HtmlElement) -> HtmlElement:
    """Quoted social posts (``<blockquote class="twitter-tweet">``) as plain quotes.

    They are part of what the article says, but their classes and the wrappers around
    them ("social-media-embed") make main-content extraction throw them away.
    """
    for quote in tree.xpath(f"//blockquote[{_EMBEDDED_POST}]"):
        quote.attrib.pop("class", None)
        wrapper = quote.getparent()
        if wrapper is not None:
            for script in wrapper.findall("script"):
                if not (script.tail or "").strip():
                    wrapper.remove(script)
        while (
            wrapper is not None
            and wrapper.tag in ("div", "figure", "span", "section")
            and len(wrapper) == 1
            and not (wrapper.text or "").strip()
        ):
            grand = wrapper.getparent()
            if grand is None:
                break
            quote.tail = wrapper.tail
            grand.replace(wrapper, quote)
            wrapper = grand
    return tree


def _run_trafilatura(tree: HtmlElement, url: str | None, options: HtmlOptions, fast: bool) -> str:
    work = copy.deepcopy(tree)
    if options.embedded_posts:
        work = _keep_embedded_posts(work)
    try:
        doc: Any = bare_extraction(
            work,
            url=url,
            fast=fast,
            favor_precision=options.favor_precision,
            include_comments=False,
            include_tables=options.include_tables,
            with_metadata=False,
        )
    except Exception as err:  # trafilatura bugs on odd pages: treat as no text
        LOG.warning("trafilatura failed on %s: %s", url or "page", err)
        return ""
    if doc is None:
        return ""
    return str(getattr(doc, "text", "") or "")


def _clean(tree: HtmlElement, text: str, url: str | None, title: str | None, options: HtmlOptions) -> Body:
    body = clean_paragraphs(text, title, url, options.disabled_filters)
    if options.sibling_chunks and body.paragraphs:
        before, after = sibling_chunks(tree, body.paragraphs)
        if before or after:
            body = clean_paragraphs("\n".join([*before, text, *after]), title, url, options.disabled_filters)
            body.method += "+sibling-blocks"
    return body


def _body(tree: HtmlElement, url: str | None, title: str | None, options: HtmlOptions) -> Body:
    main = _clean(tree, _run_trafilatura(tree, url, options, fast=options.fast), url, title, options)
    if len(main.text) >= options.fallback_below:
        return main
    full = _clean(tree, _run_trafilatura(tree, url, options, fast=False), url, title, options)
    full.method = full.method.replace("trafilatura", "trafilatura-full", 1)
    return full if len(full.text) > len(main.text) else main


_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)", re.IGNORECASE)


def _publisher(sitename: object) -> str | None:
    """The site name, without a URL scheme; None when it is a copyright notice."""
    name = _text_or_none(sitename)
    if not name or _COPYRIGHT.match(name):
        return None
    if "://" in name:
        name = name.split("://", 1)[1].strip("/").removeprefix("www.")
    return name or None


# Less than this is a label, a link list or an error message, not an article.
MIN_WORDS = 10
MIN_CHARS = 60


def _is_article_text(body: Body) -> bool:
    text = body.text
    return bool(text) and (len(words(text)) >= MIN_WORDS or len(text) >= MIN_CHARS)


def _text_or_none(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None
