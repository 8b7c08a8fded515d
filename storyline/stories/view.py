"""What a story and a storyline show, built from their articles.

A story: headline, summary, key people/organisations/places, timeline, quotes
by speaker, outlets and when they covered it.  Everything cites its articles
(and, for timeline entries, quotes and summary sentences, character spans).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from storyline.article import Article
from storyline.enrich.quote_groups import group_quotes
from storyline.stories.headline import headline, summary
from storyline.stories.timeline import build_timeline

TOP_ENTITIES = 12
ENTITY_KINDS = {"people": {"PERSON"}, "organisations": {"ORG"}, "places": {"GPE", "LOC", "FAC"}}


def key_entities(articles: Sequence[Article]) -> dict[str, list[dict[str, Any]]]:
    """The most present people, organisations and places, counted in articles."""
    result: dict[str, list[dict[str, Any]]] = {}
    for kind, types in ENTITY_KINDS.items():
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for article in articles:
            seen = set()
            for entity in article.entities:
                if entity.type in types:
                    key = entity.canonical_id or entity.name
                    names.setdefault(key, entity.name)
                    seen.add(key)
            counts.update(seen)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]]))[:TOP_ENTITIES]
        result[kind] = [{"id": key, "name": names[key], "count": n} for key, n in ranked]
    return result


def story_quotes(articles: Sequence[Article]) -> list[dict[str, Any]]:
    """Quotes, the same words reported by several articles counted once, by speaker."""
    speakers: dict[tuple[str, str], str | None] = {}
    for article in articles:
        for quote in article.quotes:
            speakers[(article.id, quote.text)] = _speaker_key(article, quote.speaker_id)
    records: list[dict[str, Any]] = []
    for group in group_quotes((article.id, quote) for article in articles for quote in article.quotes):
        first_article, first = group.sources[0]
        name = first.speaker_name
        records.append({
            "speaker": {"id": speakers.get((first_article, first.text)) or name, "name": name} if name else None,
            "text": group.text,
            "indirect": first.indirect,
            "cue": first.cue,
            "medium": first.medium,
            "articles": list(dict.fromkeys(article_id for article_id, _ in group.sources)),
            "evidence": [{"article": article_id, "start": q.start, "end": q.end} for article_id, q in group.sources],
        })
    records.sort(key=_by_speaker)
    return records


def _by_speaker(record: dict[str, Any]) -> tuple[bool, str, bool]:
    speaker = record["speaker"]
    return speaker is None, str(speaker["name"]) if speaker else "", bool(record["indirect"])


def _speaker_key(article: Article, local_id: str | None) -> str | None:
    for entity in article.entities:
        if entity.id == local_id:
            return entity.canonical_id or entity.name
    return None


def outlets(articles: Sequence[Article]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(per outlet: how many articles and when; per day and outlet: how many)."""
    by_outlet: dict[str, list[str | None]] = defaultdict(list)
    coverage: Counter[tuple[str, str]] = Counter()
    for article in articles:
        outlet = article.publisher or article.via or "unknown outlet"
        day = article.published
        by_outlet[outlet].append(day)
        if day:
            coverage[(day, outlet)] += 1
    listed = []
    for outlet, days in sorted(by_outlet.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        known = sorted(d for d in days if d)
        listed.append({"publisher": outlet, "articles": len(days),
                       "first": known[0] if known else None, "last": known[-1] if known else None})
    series = [{"date": d, "publisher": p, "count": n} for (d, p), n in sorted(coverage.items())]
    return listed, series


def span_of(articles: Sequence[Article], ingested: dict[str, str]) -> tuple[str | None, str | None]:
    """First and last day of coverage: by publication dates when any article has
    one (an undated article says nothing about when the story happened), else by
    when the articles were ingested."""
    days = sorted(a.published for a in articles if a.published)
    if not days:
        days = sorted(d for d in (ingested.get(a.id, "")[:10] for a in articles) if d)
    return (days[0], days[-1]) if days else (None, None)


def build_story(
    story_id: str, articles: Sequence[Article], ingested: dict[str, str], storyline_id: str | None
) -> dict[str, Any]:
    """The stored form of a story (see ``storyline.store.stories``)."""
    canonical = [a for a in articles if a.duplicate_of is None] or list(articles)
    text, evidence = summary(canonical)
    listed, series = outlets(articles)
    first, last = span_of(articles, ingested)
    return {
        "id": story_id,
        "title": headline(canonical),
        "summary": text,
        "summary_evidence": evidence,
        "storyline_id": storyline_id,
        "first_seen": first,
        "last_updated": last,
        "dated": any(a.published for a in articles),  # else the span above is when it was seen
        "articles": [a.id for a in articles],
        **key_entities(canonical),
        "timeline": build_timeline(canonical),
        "quotes": story_quotes(canonical),
        "outlets": listed,
        "coverage": series,
    }


def build_storyline(storyline_id: str, stories: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The stored form of a storyline, composed from its stories' stored forms.

    Reading the stories, not their articles, keeps the cost of an update to the number of
    stories however long the storyline runs.  The title is the headline of its largest
    story (the most recent among equals); the timeline keeps the best-attested entries of
    the stories' timelines, two a day at most.
    """
    ordered = sorted(stories, key=lambda s: (s.get("first_seen") or "9999", s["id"]))
    main = max(stories, key=lambda s: (len(s.get("articles", [])), s.get("last_updated") or "", s["id"]))
    firsts = [s["first_seen"] for s in stories if s.get("first_seen")]
    lasts = [s["last_updated"] for s in stories if s.get("last_updated")]
    return {
        "id": storyline_id,
        "title": main["title"],
        "first_seen": min(firsts) if firsts else None,
        "last_updated": max(lasts) if lasts else None,
        "dated": any(s.get("dated", True) for s in stories),
        "stories": [s["id"] for s in ordered],
        "articles": [a for s in ordered for a in s.get("articles", [])],
        **{kind: _merged_entities(stories, kind) for kind in ENTITY_KINDS},
        "timeline": _merged_timeline(stories, limit=60, per_date=2),
    }


def _merged_entities(stories: Sequence[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for story in stories:
        for entity in story.get(kind, []):
            counts[entity["id"]] += int(entity.get("count", 1))
            names.setdefault(entity["id"], entity["name"])
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]]))[:TOP_ENTITIES]
    return [{"id": key, "name": names[key], "count": n} for key, n in ranked]


def _merged_timeline(stories: Sequence[dict[str, Any]], *, limit: int, per_date: int) -> list[dict[str, Any]]:
    entries = [entry for story in stories for entry in story.get("timeline", []) if entry.get("date")]
    entries.sort(key=lambda e: (-len(e.get("articles", [])), -len(e.get("evidence", [])), e["date"], e["text"]))
    kept: list[dict[str, Any]] = []
    per: Counter[str] = Counter()
    for entry in entries:
        if per[entry["date"]] < per_date and len(kept) < limit:
            kept.append(entry)
            per[entry["date"]] += 1
    kept.sort(key=lambda e: (e["date"], -len(e.get("articles", []))))
    return kept
