"""Metadata fields of an HTML article: authors, publication date, language.

Helpers for :mod:`storyline.clean.html`.  Everything here works on strings or on an
already parsed tree: nothing is fetched.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from lxml.html import HtmlElement

# --- authors ----------------------------------------------------------------------------------

# Words that make a comma- or pipe-separated part of a byline a role or an affiliation,
# not a name ("Jane Doe, Senior Reporter", "John Smith | Staff Writer").
_ROLE_WORDS = frozenset(
    [
        "reporter",
        "reporters",
        "writer",
        "writers",
        "correspondent",
        "correspondents",
        "editor",
        "editors",
        "contributor",
        "contributors",
        "columnist",
        "columnists",
        "staff",
        "journalist",
        "journalists",
        "producer",
        "producers",
        "analyst",
        "critic",
        "photographer",
        "photographers",
        "author",
        "authors",
        "associated",
        "press",
        "agency",
        "wire",
        "desk",
        "newsroom",
        "senior",
        "chief",
        "deputy",
        "managing",
        "executive",
        "political",
        "national",
        "international",
        "business",
        "science",
        "health",
        "tech",
        "technology",
        "sports",
        "entertainment",
        "culture",
        "news",
        "bureau",
        "special",
        "team",
        "updated",
        "published",
        "posted",
        "reuters",
        "afp",
        "ap",
        "dpa",
        "upi",
        "ani",
        "pti",
        "ians",
        "xinhua",
        "efe",
        "ansa",
    ]
)
_BY_PREFIX = re.compile(r"^\s*(?:written\s+|posted\s+|reported\s+)?by[:\s]+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
# "and" in any case; the short conjunctions of other languages only in lower case, so that a
# middle initial ("Sarah E Needleman", "Bruce Y Lee") is not taken for one.
_SEPARATORS = re.compile(r"\s*(?:;|,|\||/|&|\b[Aa][Nn][Dd]\b|\bund\b|\bet\b|\by\b|\be\b)\s*")
_NAME_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|phd|md)\.?$", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_URLISH = re.compile(r"https?://|www\.|\.com\b", re.IGNORECASE)


def split_authors(raw: str | None) -> list[str]:
    """A byline as a list of names.

    Splits on ``;``, ``,``, ``|``, ``/``, "and" and "&"; drops "By ", email addresses,
    social handles, URLs and parts that are roles ("Staff Writer"); keeps "Jr."-style
    suffixes with the name before them; removes duplicates, keeping order.
    """
    if not raw:
        return []
    text = _EMAIL.sub(" ", raw)
    text = _HANDLE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    names: list[str] = []
    for part in _SEPARATORS.split(text):
        part = _BY_PREFIX.sub("", part).strip(" -–—:()[]\"'")
        if _NAME_SUFFIX.match(part) and names:
            names[-1] = f"{names[-1]} {part.rstrip('.')}."
            continue
        last = part.rsplit(" ", 1)[-1]
        if not (_NAME_SUFFIX.match(last) or len(last.rstrip(".")) == 1):
            part = part.rstrip(".")
        if not part:
            continue
        if not _looks_like_name(part):
            continue
        if part.casefold() not in {n.casefold() for n in names}:
            names.append(part)
    return names


def _looks_like_name(part: str) -> bool:
    if not _HAS_LETTER.search(part) or _URLISH.search(part):
        return False
    words = part.split()
    if len(words) > 6:
        return False
    return not any(w.strip(".").casefold() in _ROLE_WORDS for w in words)


# --- dates ------------------------------------------------------------------------------------

ISO_DATE = "%Y-%m-%d"


def date_params(today: dt.date | None = None) -> dict[str, Any]:
    """htmldate options: original publication date, ISO output, never a date after today.

    ``extensive_search`` stays off: without it htmldate only trusts dates in the markup
    (meta and JSON-LD fields, ``<time>`` elements, the URL, dated headers), and so returns
    None rather than a date guessed from free text or a copyright footer.
    """
    today = today or dt.date.today()
    return {
        "extensive_search": False,
        "original_date": True,
        "outputformat": ISO_DATE,
        "max_date": today.isoformat(),
    }


def clean_date(value: str | None) -> str | None:
    """An ISO ``YYYY-MM-DD`` date or None."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


_DATE_NAME = re.compile(r"date|time|publish|modif|created|updated|issued", re.IGNORECASE)


def without_dates(tree: HtmlElement) -> HtmlElement:
    """A copy of ``tree`` without the markup a date reader reads: ``<meta>`` elements named for a
    date or time, ``<time>`` elements, ``datetime`` and ``pubdate`` attributes, JSON-LD."""
    bare: HtmlElement = copy.deepcopy(tree)
    doomed = [meta for meta in bare.iter("meta")
              if any(_DATE_NAME.search(meta.get(key) or "") for key in ("name", "property", "itemprop", "http-equiv"))]
    doomed += list(bare.iter("time")) + bare.xpath("//script[contains(@type, 'ld+json')]")
    for element in doomed:
        element.drop_tree()
    for element in bare.xpath("//*[@datetime or @pubdate]"):
        element.attrib.pop("datetime", None)
        element.attrib.pop("pubdate", None)
    return bare


# --- language ---------------------------------------------------------------------------------

_LANG = re.compile(r"^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*\s*$")


def declared_language(tree: HtmlElement) -> str | None:
    """The page's declared language as a lower-case ISO 639 code, or None.

    Reads ``<html lang>``, ``<html xml:lang>``, ``<meta http-equiv="content-language">``
    and ``<meta property="og:locale">``, in that order.
    """
    root = tree.getroottree().getroot()
    candidates: list[str] = []
    for attr in ("lang", "{http://www.w3.org/XML/1998/namespace}lang", "xml:lang"):
        value = root.get(attr)
        if value:
            candidates.append(value)
    for meta in root.iter("meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content") or "")
    for value in candidates:
        match = _LANG.match(value.split(",")[0])
        if match:
            return match[1].lower()
    return None
