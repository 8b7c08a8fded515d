"""Cleaning: one raw input becomes one clean :class:`Article`.

HTML goes through :func:`storyline.clean.html.extract_html`; plain-text dumps
through :func:`storyline.clean.text.clean_text` with the boilerplate learned
for their source; trusted bodies (JSONL ``text``) are used as they are.
Metadata the input gave explicitly always wins over what extraction found.
"""

from __future__ import annotations

import hashlib
from typing import Any

from storyline.article import Article, Extraction, RawDocument, Skip
from storyline.clean.boilerplate import BoilerplateModel
from storyline.clean.html import extract_html
from storyline.clean.images import lead_image
from storyline.clean.text import clean_text, source_key
from storyline.dates import iso_date
from storyline.dedup import content_hash

__all__ = ["BoilerplateModel", "article_id", "clean", "source_key"]


def article_id(doc: RawDocument, body: str) -> str:
    """A stable id: from the given id, else the URL, else the file, else the content."""
    given_id = doc.given.get("id")
    if given_id not in (None, ""):
        key = f"id:{given_id}"
    elif doc.url:
        key = f"url:{doc.url}"
    elif doc.kind != "body":
        key = f"source:{doc.source}"
    else:
        key = f"content:{content_hash(body)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _trusted_body(doc: RawDocument) -> Extraction:
    body = (doc.text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise Skip("empty text")
    return Extraction(body=body, extracted_by={"body": "given"})


def _extract(doc: RawDocument, model: BoilerplateModel | None) -> Extraction:
    if doc.kind == "body":
        return _trusted_body(doc)
    if doc.kind == "html":
        return extract_html(doc.html or "", doc.url)
    if doc.kind == "text":
        key = source_key(doc.text or "", doc.collection)
        return clean_text(doc.text or "", model, key)
    raise Skip(f"unknown input kind {doc.kind!r}")


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    return [str(name).strip() for name in value if str(name).strip()]


def clean(doc: RawDocument, model: BoilerplateModel | None = None) -> Article:
    """Turn one raw input into an article; raises :class:`Skip` with the reason."""
    found = _extract(doc, model)
    given = doc.given
    extracted_by = dict(found.extracted_by)
    fields: dict[str, Any] = {}
    for name in ("title", "publisher", "via", "url", "language"):
        value = given.get(name) or getattr(found, name) or (doc.url if name == "url" else None)
        if given.get(name):
            extracted_by[name] = "given"
        fields[name] = value
    if "authors" in given:
        fields["authors"] = _authors(given["authors"])
        extracted_by["authors"] = "given"
    else:
        fields["authors"] = found.authors
    notes: list[str] = list(found.notes)
    given_date = iso_date(given.get("published"))
    found_date = iso_date(found.published)  # a text's "date 2025-02-30" header is no date either
    if found_date is None:
        extracted_by.pop("published", None)
    if given_date is not None:
        fields["published"] = given_date
        extracted_by["published"] = "given"
    else:  # none given, or one that is no date ("yesterday"): the page's or the text's own, if any
        fields["published"] = found_date
        if _given(given.get("published")):
            notes.append(f"given date {_shown(given['published'])} is no date: "
                         + ("the date found in the input is used" if found_date else "stored undated"))
    given_image = lead_image(given.get("image"), fields["url"])
    fields["image"] = given_image or found.image
    if given_image:
        extracted_by["image"] = "given"
    elif _given(given.get("image")):
        notes.append(f"given image {_shown(given['image'])} is no http(s) address: left out")
    external = given.get("id")
    return Article(
        id=article_id(doc, found.body),
        source=doc.source,
        body=found.body,
        external_id=str(external) if external not in (None, "") else None,
        content_hash=content_hash(found.body),
        collection=doc.collection,
        extracted_by=extracted_by,
        raw=doc.text if doc.kind == "text" else None,  # kept so learned boilerplate can re-clean it
        raw_kind=doc.kind,
        notes=notes,
        **fields,
    )


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _shown(value: Any, limit: int = 40) -> str:
    """A given value as a note quotes it: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
