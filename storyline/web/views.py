"""What each page shows, as plain data: the JSON twin of every HTML page.

Each function reads the store and returns a JSON-ready dict; the page routes
render it with a template or send it as JSON.  HTML-only extras (the
highlighted body, chart geometry) are built separately in ``extras`` helpers.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from storyline.article import Article
from storyline.refresh import feed_health
from storyline.scheduler import SchedulePolicy, describe_interval
from storyline.search import MARK_END, MARK_START, SearchQuery, search
from storyline.store import Store
from storyline.stories.headline import article_headline
from storyline.stories.timeline import date_order, period_month, period_start
from storyline.stories.types import Story, Storyline
from storyline.web.charts import Chart, coverage_chart
from storyline.web.highlight import anchor_id, article_marks, highlight
from storyline.web.ranking import Profile, rank_for_you, rank_top_stories

CANDIDATES = 400  # stories considered for ranking
MAX_AGE = 5.0  # seconds a ranked front page is reused
_TYPE_LABEL = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "NORP": "group"}


def evidence_link(article_id: str, start: int, end: int) -> str:
    return f"/articles/{article_id}#{anchor_id(start, end)}"


def _story_card(story: Story, score: float | None = None) -> dict[str, Any]:
    outlets = [o.get("publisher") for o in story.outlets if o.get("publisher")]
    card: dict[str, Any] = {"id": story.id, "title": story.title, "summary": story.summary,
                            "storyline_id": story.storyline_id, "first_seen": story.first_seen,
                            "last_updated": story.last_updated, "article_count": story.article_count,
                            "outlet_count": story.outlet_count, "dated": story.dated, "dates": story.dates}
    card["outlets"] = outlets[:6]
    if score is not None:
        card["score"] = round(score, 4) if score > -1e300 else None
    return card


class _Cache:
    """The last top-stories answer per store, kept while no story has been written since
    (and never longer than ``MAX_AGE`` seconds, as recency moves on)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], tuple[tuple[Any, ...], float, dict[str, Any]]] = {}
        self.lock = threading.Lock()

    def get(self, store: Store, limit: int) -> dict[str, Any]:
        version = store.stories_version()
        key = (store.location, limit)
        with self.lock:
            hit = self.entries.get(key)
        if hit is not None and hit[0] == version and time.monotonic() - hit[1] < MAX_AGE:
            return hit[2]
        ranked = rank_top_stories(store.story_cards(limit=CANDIDATES), limit=limit)
        storylines = [{"id": s["id"], "title": s["title"], "story_count": s.get("story_count"),
                       "last_updated": s.get("last_updated")} for s in store.list_storylines_brief(limit=10)]
        data = {"stories": [_story_card(story, score) for story, score in ranked], "storylines": storylines}
        with self.lock:
            self.entries[key] = (version, time.monotonic(), data)
        return data


_TOP = _Cache()


def top_stories(store: Store, *, limit: int = 30) -> dict[str, Any]:
    """Top stories ranked by coverage and recency (recomputed only when stories change)."""
    return _TOP.get(store, limit)


def _with_links(entry: dict[str, Any], articles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    evidence = []
    for item in entry.get("evidence") or []:
        article = str(item.get("article"))
        start, end = int(item.get("start") or 0), int(item.get("end") or 0)
        facts = articles.get(article) or {}
        evidence.append({"article": article, "start": start, "end": end, "href": evidence_link(article, start, end),
                         "publisher": facts.get("publisher"), "headline": facts.get("headline")})
    return {**entry, "evidence": evidence}


def split_timeline(entries: list[dict[str, Any]], articles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Dated entries in date order, grouped by month, and the undated ones apart."""
    dated = sorted((e for e in entries if e.get("date")), key=lambda e: date_order(str(e["date"])))
    months: dict[str, list[dict[str, Any]]] = {}
    for entry in dated:
        months.setdefault(period_month(str(entry["date"])), []).append(_with_links(entry, articles))
    return {
        "months": [{"month": month, "entries": items} for month, items in months.items()],
        "undated": [_with_links(e, articles) for e in entries if not e.get("date")],
    }


def quotes_by_speaker(quotes: list[dict[str, Any]], articles: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for quote in quotes:
        speaker = quote.get("speaker") or None
        if speaker and speaker.get("id") == speaker.get("name"):  # named, but no entity: no page to link
            speaker = {**speaker, "id": None}
        key = str(speaker.get("id") or speaker.get("name")) if speaker else ""
        group = groups.setdefault(key, {"speaker": speaker, "quotes": []})
        group["quotes"].append(_with_links(quote, articles))
    return sorted(groups.values(), key=lambda g: (g["speaker"] is None, -len(g["quotes"])))


def story_view(store: Store, story: Story) -> dict[str, Any]:
    """Each article once, with its copies ("also published by/as") and, when undated, where
    it is placed (inferred); the list runs in order of publication or placement."""
    ids, copies, placed = story.articles, story.copies, story.placed
    summaries = store.article_summaries(story.members)
    articles = [{**summaries[a], "copies": [summaries[c] for c in copies.get(a, []) if c in summaries],
                 "placed": placed.get(a)} for a in ids if a in summaries]

    def when(article: dict[str, Any]) -> tuple[bool, str, str]:
        day = article.get("published") or (article["placed"] or {}).get("from")
        return day is None, day or "", article["id"]

    articles.sort(key=when)
    storyline = store.storyline_title(story.storyline_id) if story.storyline_id else None
    return {
        "story": {k: v for k, v in story.to_dict().items() if k != "day_scores"},  # the storyline's input
        "articles": articles,
        "timeline": split_timeline(story.timeline, summaries),
        "speakers": quotes_by_speaker(story.quotes, summaries),
        "storyline": storyline,
    }


def story_chart(story: Story) -> Chart | None:
    return coverage_chart(story.coverage)


def storyline_view(store: Store, storyline: Storyline) -> dict[str, Any]:
    stories = store.list_stories(limit=1000, storyline_id=storyline.id)
    listed = {s.id for s in stories}
    for missing in [s for s in storyline.stories if s not in listed]:
        found = store.get_story(missing)
        if found is not None and found.id not in listed:
            stories.append(found)
            listed.add(found.id)
    stories.sort(key=lambda s: (s.first_seen is None, s.first_seen or "", s.id))
    articles = store.article_summaries(storyline.articles)
    return {
        "storyline": {k: v for k, v in storyline.to_dict().items() if k != "timeline"},
        "stories": [_story_card(s) for s in stories],
        "timeline": split_timeline(storyline.timeline, articles),
    }


def entity_view(store: Store, entity: dict[str, Any]) -> dict[str, Any]:
    entity_id = str(entity["id"])
    quotes = [{**q, "href": evidence_link(q["article_id"], q["start"], q["end"]), "indirect": bool(q["indirect"])}
              for q in store.entity_quotes(entity_id)]
    events = [{**e, "href": evidence_link(e["article_id"], e["start"], e["end"])}
              for e in store.entity_events(entity_id)]
    company = store.co_occurring(entity_id, limit=30)
    shown = {k: entity.get(k) for k in ("id", "name", "type", "aliases", "role", "affiliation")}
    seen = {str(entity.get("name") or "").casefold()}
    aliases = []
    for alias in entity.get("aliases") or []:  # "the Prime Minister" and "The Prime Minister" once
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            aliases.append(alias)
    shown["aliases"] = aliases
    return {
        "entity": shown,
        "quotes": quotes,
        "stories": store.entity_stories(entity_id),
        "events": events,
        "people": [c for c in company if c["type"] == "PERSON"][:15],
        "organisations": [c for c in company if c["type"] == "ORG"][:10],
        "places": [c for c in company if c["type"] in ("GPE", "LOC")][:10],
    }


def _article_evidence(article: Article, story: Story | None) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if story:
        for entry in [*story.timeline, *story.quotes]:
            for item in entry.get("evidence") or []:
                if str(item.get("article")) == article.id:
                    spans.append((int(item.get("start") or 0), int(item.get("end") or 0)))
    spans.extend(event.evidence for event in article.events)
    return [(s, e) for s, e in spans if 0 <= s < e <= len(article.body)]


def article_view(store: Store, article: Article) -> tuple[dict[str, Any], Any]:
    """(JSON data, highlighted body HTML) for the reader view."""
    story_id = store.story_of_article(article.duplicate_of or article.id)
    story = store.get_story(story_id) if story_id else None
    duplicates = store.article_summaries(store.duplicates_of(article.id))
    original = store.article_summaries([article.duplicate_of]) if article.duplicate_of else {}
    entities: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entity in sorted(article.entities, key=lambda e: -len(e.mentions)):
        entities[entity.type].append({"id": entity.canonical_id, "name": entity.name, "mentions": len(entity.mentions)})
    record = article.to_dict()
    record["headline"] = article_headline(article.title, article.body)  # "title" stays None when it has none
    quotes = [{"text": q.text, "start": q.start, "end": q.end, "speaker": q.speaker_name or q.speaker_mention,
               "speaker_id": _canonical(article, q.speaker_id), "indirect": q.indirect,
               "anchor": anchor_id(q.start, q.end)} for q in article.quotes]
    data = {
        "article": record,
        "story": {"id": story.id, "title": story.title} if story else None,
        "duplicates": list(duplicates.values()),
        "duplicate_of": next(iter(original.values()), None),
        "entities": dict(entities),
        "quotes": quotes,
    }
    body = highlight(article.body, article_marks(article, _article_evidence(article, story)))
    return data, body


def _canonical(article: Article, local_id: str | None) -> str | None:
    for entity in article.entities:
        if entity.id == local_id:
            return entity.canonical_id
    return None


def search_page(store: Store, query: SearchQuery) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(JSON data, groups with snippets split into (text, matched) pieces for safe rendering)."""
    results = search(store, query)
    data = results.to_dict()
    data["outlets"] = [o["publisher"] for o in store.list_outlets()]
    person = store.get_entity(query.person) if query.person else None
    data["person"] = {"id": person["id"], "name": person["name"]} if person else None
    groups = []
    for group in results.groups:
        hits = []
        for hit in group.hits:
            pieces: list[tuple[str, bool]] = []
            for chunk in hit.snippet.split(MARK_START):
                matched, _, rest = chunk.partition(MARK_END) if MARK_END in chunk else ("", "", chunk)
                if matched:
                    pieces.append((matched, True))
                if rest:
                    pieces.append((rest, False))
            hits.append({"id": hit.article_id, "title": hit.title, "headline": hit.headline, "publisher": hit.publisher,
                         "published": hit.published, "pieces": pieces})
        groups.append({"story_id": group.story_id, "title": group.title, "hits": hits})
    return data, groups


def search_view(store: Store, query: SearchQuery) -> dict[str, Any]:
    return search_page(store, query)[0]


def profile_of(store: Store, user_id: str) -> tuple[Profile, list[dict[str, Any]]]:
    follows = store.list_follows(user_id)
    profile = Profile()
    entity_ids = [f["target_id"] for f in follows if f["kind"] == "entity"]
    names = store.entity_names(entity_ids)
    profile.entities = {e: (names.get(e) or {}).get("name", e) for e in entity_ids}
    profile.stories = {f["target_id"] for f in follows if f["kind"] == "story"}
    profile.storylines = {f["target_id"] for f in follows if f["kind"] == "storyline"}
    read_articles = store.list_reads(user_id, "article")
    profile.read_articles = set(read_articles)
    profile.read_stories = store.list_reads(user_id, "story")
    counts = store.entities_of_articles(list(read_articles)[:200])
    top = sorted(counts, key=lambda e: -counts[e])[:20]
    read_names = store.entity_names(top)
    profile.read_entities = {e: ((read_names.get(e) or {}).get("name", e), counts[e]) for e in top}
    titles = store.story_titles([f["target_id"] for f in follows if f["kind"] == "story"])
    storylines = {s: store.get_storyline(s) for s in profile.storylines}
    listed = []
    for follow in follows:
        kind, target = follow["kind"], follow["target_id"]
        if kind == "entity":
            name, href = profile.entities.get(target, target), f"/entities/{target}"
            kind_label = _TYPE_LABEL.get((names.get(target) or {}).get("type", ""), "entity")
        elif kind == "story":
            name, href, kind_label = titles.get(target, target), f"/stories/{target}", "story"
        else:
            found = storylines.get(target)
            name, href, kind_label = (found.title if found else target), f"/storylines/{target}", "storyline"
        listed.append({"kind": kind, "id": target, "name": name, "href": href, "label": kind_label,
                       "alert": bool(follow.get("alert")), "feed": f"/developments/{kind}/{target}/feed.atom"})
    return profile, listed


def for_you(store: Store, user_id: str, *, limit: int = 30) -> dict[str, Any]:
    profile, follows = profile_of(store, user_id)
    stories = store.list_stories(limit=CANDIDATES)
    story_entities = store.stories_with_entities([*profile.entities, *profile.read_entities])
    updated = store.story_update_times([s.id for s in stories])
    ranked = rank_for_you(stories, profile, story_entities, updated, limit=limit)
    opened = {item.story.id: profile.read_stories[item.story.id] for item in ranked
              if item.story.id in profile.read_stories}
    arrivals = store.story_arrivals(list(opened))
    return {
        "follows": follows,
        "stories": [{**_story_card(item.story, item.score), "reasons": item.reasons, "unread": item.unread,
                     "new_since_read": item.new_since_read,
                     # of a story opened before: its articles stored since (None: never opened)
                     "new_articles": sum(1 for at in arrivals.get(item.story.id, []) if at > opened[item.story.id])
                     if item.story.id in opened else None} for item in ranked],
    }


def sources(store: Store) -> dict[str, Any]:
    """Feeds with their health and schedule (``error_count`` counts consecutive errors)."""
    policy = SchedulePolicy.from_settings()
    feeds = [feed_health(feed, policy) for feed in store.list_feeds()]
    for feed in feeds:
        feed.pop("etag", None)
        feed.pop("last_modified", None)
    return {"feeds": feeds, "outlets": store.list_outlets()}


def human_date(value: Any) -> str:
    """``2025-12-08`` → ``8 Dec 2025``; anything else is returned as it is."""
    if not value:
        return ""
    text = str(value)
    try:
        return date.fromisoformat(text[:10]).strftime("%-d %b %Y")
    except ValueError:
        return text


def human_period(value: Any) -> str:
    """A timeline date, absolute and complete: ``2025-12-08`` → ``Mon 8 Dec 2025``,
    ``2025-W50`` → ``week of Mon 8 Dec 2025 (2025-W50)``, ``2025-12`` → ``December 2025``,
    ``2025`` → ``2025``; anything else as it is."""
    text = str(value or "")
    start = period_start(text)
    if start is None:
        return text
    if len(text) == 10:
        return start.strftime("%a %-d %b %Y")
    if len(text) == 8:
        return f"week of {start.strftime('%a %-d %b %Y')} ({text})"
    if len(text) == 7:
        return start.strftime("%B %Y")
    return text


def human_time(value: Any) -> str:
    """``2025-12-08T14:05:09+00:00`` → ``8 Dec 2025 14:05 UTC``; anything else as it is."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%-d %b %Y %H:%M") + (" UTC" if moment.tzinfo is not None else "")


def human_interval(value: Any) -> str:
    return describe_interval(float(value)) if isinstance(value, int | float) else ""


def month_label(value: str) -> str:
    try:
        return date.fromisoformat(value[:7] + "-01").strftime("%B %Y")
    except ValueError:
        return value
