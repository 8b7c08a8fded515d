"""Plain records for export and ``--json`` output: one shape everywhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from storyline.article import Article
from storyline.stories.types import Story, Storyline


def article_record(article: Article, *, with_body: bool = True) -> dict[str, Any]:
    """The exported form of an article (the ``export articles`` line)."""
    from storyline.stories.headline import article_headline  # here: the CLI starts without NLP

    record: dict[str, Any] = {
        "id": article.id,
        "external_id": article.external_id,
        "source": article.source,
        "url": article.url,
        "publisher": article.publisher,
        "via": article.via,
        "title": article.title,  # None when the article has none
        "headline": article_headline(article.title, article.body),  # what it is shown with
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
    exported_id = {e.id: e.canonical_id or e.id for e in article.entities}
    record["quotes"] = [
        {"text": q.text, "start": q.start, "end": q.end,
         # the speaker's id is the one its entity is exported under (canonical across articles)
         "speaker": {"id": exported_id.get(q.speaker_id or "", q.speaker_id), "name": q.speaker_name}
         if q.speaker_name else None,
         "speaker_mention": q.speaker_mention, "cue": q.cue, "medium": q.medium, "indirect": q.indirect}
        for q in article.quotes
    ]
    record["times"] = [asdict(t) for t in article.times]
    record["events"] = [
        {**asdict(ev), "evidence": list(ev.evidence)} for ev in article.events
    ]
    return record


# Characters JSON leaves as they are but that many line readers take for line ends
# (Python's str.splitlines, JavaScript before ES2019): escaped, a record stays one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON text per record, each on one line for any line reader."""
    for record in records:
        yield json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


def _timeline(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline entries with their ``status`` (happened, planned: told ahead of its day, or
    reported: told with a hedge); a key date also carries its ``score`` and ``support`` (articles)."""
    return [{"date": e["date"], "text": e["text"], "articles": e["articles"], "evidence": e["evidence"],
             **{k: e[k] for k in ("status", "score", "support") if k in e}} for e in entries]


def story_record(story: Story, storyline: Storyline | None) -> dict[str, Any]:
    """The exported form of a story (the ``export stories`` line)."""
    return {
        "id": story.id,
        "title": story.title,
        "summary": story.summary,
        "storyline": {"id": storyline.id, "title": storyline.title} if storyline else None,
        "articles": list(story.articles),
        "copies": dict(story.copies),
        "people": [p["name"] for p in story.people],
        "organisations": [o["name"] for o in story.organisations],
        "places": [p["name"] for p in story.places],
        "timeline": _timeline(story.timeline),
        "quotes": [
            {"speaker": (q["speaker"] or {}).get("name"), "text": q["text"], "articles": q["articles"],
             "indirect": q.get("indirect", False)}
            for q in story.quotes
        ],
        "outlets": story.outlets,
        "first_seen": story.first_seen,
        "last_updated": story.last_updated,
        "dates": story.dates,
        "placed": dict(story.placed),
    }


def storyline_record(storyline: Storyline) -> dict[str, Any]:
    """The exported form of a storyline (the ``export storylines`` line)."""
    return {
        "id": storyline.id,
        "title": storyline.title,
        "stories": list(storyline.stories),
        "articles": list(storyline.articles),
        "timeline": _timeline(storyline.timeline),
        "first_seen": storyline.first_seen,
        "last_updated": storyline.last_updated,
        "dates": storyline.dates,
    }
