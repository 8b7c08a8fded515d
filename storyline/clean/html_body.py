"""From extracted text to a clean article body: paragraphs, whitespace, boilerplate.

Helpers for :mod:`storyline.clean.html`.  The extractor hands over plain text with one
block per line; :func:`clean_paragraphs` normalises whitespace and runs the named
filters of :data:`FILTERS` in order.  Each filter looks only at the shape of paragraphs
(length, punctuation, position, a short list of interface phrases), never at a site.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from storyline.urls import host

# Characters that are whitespace for a reader but not always for str.split().
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^(?:[-*•·▪►]\s+)")
_SENTENCE_END = re.compile(r"[.!?…:;。！？][\"'”’)\]»」』]*$")


def normalise(text: str) -> str:
    """NFC, control characters dropped, runs of whitespace as one space, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _key(paragraph: str) -> str:
    return " ".join(words(paragraph.casefold()))


@dataclass(slots=True)
class Body:
    """Paragraphs being cleaned, with what was taken out and why."""

    paragraphs: list[str]
    title: str | None = None
    url: str | None = None
    method: str = "trafilatura"
    removed: list[str] = field(default_factory=list)

    def drop(self, keep: Sequence[bool], reason: str) -> None:
        kept = []
        for paragraph, ok in zip(self.paragraphs, keep, strict=True):
            if ok:
                kept.append(paragraph)
            else:
                self.removed.append(f"{reason}: {paragraph}")
        self.paragraphs = kept

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def split_paragraphs(text: str) -> list[str]:
    """One paragraph per non-empty line, whitespace normalised, list bullets removed."""
    out = []
    for line in text.splitlines():
        line = normalise(_BULLET.sub("", line.strip()))
        if line and _WORD.search(line):
            out.append(line)
    return out


# --- filters ----------------------------------------------------------------------------------


def drop_duplicates(body: Body) -> None:
    """Keep the first of paragraphs that say the same words."""
    seen: set[str] = set()
    keep = []
    for paragraph in body.paragraphs:
        key = _key(paragraph)
        keep.append(key not in seen)
        seen.add(key)
    body.drop(keep, "duplicate")


def drop_leading_title(body: Body) -> None:
    """The headline repeated as the first paragraph belongs in ``title``, not in the body."""
    if not body.title or not body.paragraphs:
        return
    title = _key(body.title)
    keep = [True] * len(body.paragraphs)
    for i, paragraph in enumerate(body.paragraphs[:3]):
        key = _key(paragraph)
        if key and (
            key == title
            or (len(key) > 20 and title.startswith(key))
            or (len(title) > 20 and key.startswith(title) and len(key) < len(title) + 40)
        ):
            keep[i] = False
            break
    body.drop(keep, "title")


_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)|\ball rights reserved\b", re.IGNORECASE)

# Short interface labels that pages put between blocks of text.  A paragraph is dropped
# when it is one of these, with nothing else but punctuation or numbers around it.
_LABEL_PHRASES = frozenset(
    {
        "advertisement",
        "advertising",
        "sponsored",
        "share",
        "share this",
        "share this article",
        "share this story",
        "tweet",
        "email",
        "e-mail",
        "print",
        "print article",
        "print this page",
        "order reprints",
        "reprints",
        "comments",
        "view comments",
        "show comments",
        "leave a comment",
        "read more",
        "read full article",
        "continue reading",
        "related",
        "related articles",
        "related stories",
        "more stories",
        "recommended",
        "subscribe",
        "sign up",
        "log in",
        "back to top",
        "skip to content",
        "copy link",
        "link copied",
        "facebook",
        "twitter",
        "linkedin",
        "whatsapp",
        "pinterest",
        "reddit",
        "flipboard",
        "google",
        "thank you",
        "don't miss",
        "see more",
        "see also",
        "most read",
        "trending",
        "top stories",
        "weiterlesen",
        "mehr lesen",
        "lire la suite",
        "lire plus",
        "leer más",
        "leia mais",
        "continua a leggere",
        "leggi tutto",
    }
)
_LABEL_KEYS = frozenset(" ".join(words(label)) for label in _LABEL_PHRASES)
# Calls to action: short paragraphs that ask the reader to do something with the site.
_CALL_TO_ACTION = re.compile(
    r"\b(?:(?:sign up|subscribe|register) (?:for|to) (?:our|the) (?:\w+ )?(?:newsletter|daily|weekly|email)|"
    r"(?:our|the) newsletter|subscribe to [\w.’']+ newsletters?|follow (?:us|him|her|them) on|download (?:our|the) app|an error has occurred|"
    r"please try again later|this article has been sent to|for your personal, non-commercial use|"
    r"to order presentation-ready copies|enable javascript|your browser does not support|"
    r"we use cookies|accept cookies|if you buy something through|"
    r"may (?:earn|get|receive) a (?:small )?(?:commission|share of the sale)|"
    r"(?:get|download) the [\w'’ ]{0,30}\bapp|subscribe to (?:our|the) [\w'’ ]{0,30}(?:channel|podcast))\b",
    re.IGNORECASE,
)
_CALL_TO_ACTION_MAX_WORDS = 40
# Links to other stories: "Read more: <headline>", "<headline> [VIDEO]".
_TEASER = re.compile(
    r"^(?:read more|related|see more|see also|also read|read also|don[’']t miss|more from [\w ]{1,30}|"
    r"recommended|trending|most read|watch|listen)\s*[:|–—-]\s*\S"
    r"|\[(?:video|videos|pictures|photos|gallery|insight|reaction|poll|podcast)\]\s*\|?$",
    re.IGNORECASE,
)
_TEASER_MAX_WORDS = 25
# Time stamps of the page rather than of the story: "Published 18 November 2019", "Updated at 1:23 p.m."
_STAMP = re.compile(r"^(?:first |last )?(?:published|updated|posted|modified)\b.{0,40}\d", re.IGNORECASE)
_STAMP_MAX_WORDS = 10


def _host(url: str) -> str:
    return host(url).removeprefix("www.")


def drop_interface_text(body: Body) -> None:
    """The page's own address, copyright lines, interface labels and short calls to action."""
    page_host = _host(body.url) if body.url else None
    keep = []
    for paragraph in body.paragraphs:
        tokens = words(paragraph)
        key = " ".join(t for t in words(paragraph.casefold()) if not t.isdigit())
        drop = (
            (bool(_URL_ONLY.match(paragraph)) and _host(paragraph) == page_host)
            or (len(tokens) <= 30 and bool(_COPYRIGHT.search(paragraph)))
            or key in _LABEL_KEYS
            or (len(tokens) <= _CALL_TO_ACTION_MAX_WORDS and bool(_CALL_TO_ACTION.search(paragraph)))
            or (len(tokens) <= _TEASER_MAX_WORDS and bool(_TEASER.search(paragraph)))
            or (len(tokens) <= _STAMP_MAX_WORDS and bool(_STAMP.search(paragraph)))
        )
        keep.append(not drop)
    body.drop(keep, "interface")


_SHORT_WORDS = 6
_SHORT_CHARS = 50
_MENU_RUN = 8


def _is_short(paragraph: str) -> bool:
    return (
        len(paragraph) <= _SHORT_CHARS
        and len(words(paragraph)) <= _SHORT_WORDS
        and not _SENTENCE_END.search(paragraph)
    )


def drop_menu_runs(body: Body) -> None:
    """Runs of many short, unpunctuated lines are menus, tag clouds or archives."""
    keep = [True] * len(body.paragraphs)
    i = 0
    n = len(body.paragraphs)
    while i < n:
        j = i
        while j < n and _is_short(body.paragraphs[j]):
            j += 1
        if j - i >= _MENU_RUN:
            for k in range(i, j):
                keep[k] = False
        i = max(j, i + 1)
    body.drop(keep, "menu")


Filter = Callable[[Body], None]

FILTERS: dict[str, Filter] = {
    "duplicates": drop_duplicates,
    "title": drop_leading_title,
    "interface": drop_interface_text,
    "menus": drop_menu_runs,
}


def clean_paragraphs(
    text: str,
    title: str | None = None,
    url: str | None = None,
    disabled: frozenset[str] = frozenset(),
) -> Body:
    """Split ``text`` into paragraphs and run the enabled :data:`FILTERS` in order."""
    body = Body(split_paragraphs(text), title=title, url=url)
    for name, run in FILTERS.items():
        if name not in disabled:
            run(body)
    return body
