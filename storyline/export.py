"""Plain records for export and ``--json`` output: one shape everywhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from storyline.article import Article


def article_record(article: Article, *, with_body: bool = True) -> dict[str, Any]:
    """The exported form of an article (the ``export articles`` line)."""
    record: dict[str, Any] = {
        "id": article.id,
        "external_id": article.external_id,
        "source": article.source,
        "url": article.url,
        "publisher": article.publisher,
        "via": article.via,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published,
        "language": article.language,
        "duplicate_of": article.duplicate_of,
        "extracted_by": dict(article.extracted_by),
    }
    if with_body:
        record["body"] = article.body
    record["entities"] = [
        {"id": e.canonical_id or e.id, "name": e.name, "type": e.type, "aliases": list(e.aliases),
         "role": e.role, "affiliation": e.affiliation, "mentions": [list(m) for m in e.mentions]}
        for e in article.entities
    ]
    record["quotes"] = [
        {"text": q.text, "start": q.start, "end": q.end,
         "speaker": {"id": q.speaker_id, "name": q.speaker_name} if q.speaker_name else None,
         "speaker_mention": q.speaker_mention, "cue": q.cue, "medium": q.medium, "indirect": q.indirect}
        for q in article.quotes
    ]
    record["times"] = [asdict(t) for t in article.times]
    record["events"] = [
        {**asdict(ev), "evidence": list(ev.evidence)} for ev in article.events
    ]
    return record


def jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"
