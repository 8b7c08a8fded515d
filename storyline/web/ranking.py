"""Ranking stories: what is covered most and most widely now, and what matters to one reader.

Top stories score each story by its coverage with every article weighed by
its age (half-life :data:`HALF_LIFE_HOURS`), times a breadth factor that grows
with the number of distinct outlets.  Scores are computed in log space against
the newest coverage in the store, so very old archives neither underflow nor
tie; an exponential decay ranks the same whatever instant is taken as "now".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from storyline.stories.types import Story

HALF_LIFE_HOURS = 36.0
_LN2 = math.log(2)


def parse_time(value: Any) -> datetime | None:
    """An ISO date or datetime as an aware UTC datetime; None when unreadable."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dated_counts(story: Story) -> list[tuple[datetime, int]]:
    """When the story's articles were published, with how many each day; a story none of whose
    articles is dated counts at the last day of its inferred range, an undated one nowhere."""
    counts = []
    for item in story.coverage:
        moment = parse_time(item.get("date"))
        if moment is not None:
            counts.append((moment, int(item.get("count") or 1)))
    if not counts and story.dates != "undated":
        moment = parse_time(story.last_updated)
        if moment is not None:
            counts.append((moment, story.article_count or 1))
    return counts


def newest(stories: list[Story]) -> datetime:
    moments = [m for story in stories for m, _ in _dated_counts(story)]
    return max(moments) if moments else datetime.now(UTC)


def log_score(story: Story, reference: datetime) -> float:
    """ln(Σ count·2^(-age/half-life)) + ln(1 + ln(1 + outlets)); -inf when undated."""
    terms = [
        math.log(count) - _LN2 * max((reference - moment).total_seconds() / 3600, 0.0) / HALF_LIFE_HOURS
        for moment, count in _dated_counts(story) if count > 0
    ]
    if not terms:
        return -math.inf
    top = max(terms)
    volume = top + math.log(sum(math.exp(t - top) for t in terms))
    outlets = story.outlet_count or 1
    return volume + math.log(1 + math.log(1 + outlets))


def rank_top_stories(stories: list[Story], *, limit: int = 30) -> list[tuple[Story, float]]:
    """Stories with their score, best first (ties: more articles, then id)."""
    reference = newest(stories)
    scored = [(story, log_score(story, reference)) for story in stories]
    scored.sort(key=lambda item: (-item[1], -item[0].article_count, item[0].id))
    return scored[:limit]


@dataclass(slots=True)
class Interest:
    """Why one story is in a reader's feed."""

    story: Story
    score: float
    reasons: list[str] = field(default_factory=list)
    unread: int = 0
    new_since_read: bool = True


@dataclass(slots=True)
class Profile:
    """What a reader follows and has read."""

    stories: set[str] = field(default_factory=set)
    storylines: set[str] = field(default_factory=set)
    entities: dict[str, str] = field(default_factory=dict)  # followed id → name
    read_entities: dict[str, tuple[str, int]] = field(default_factory=dict)  # id → (name, articles read)
    read_articles: set[str] = field(default_factory=set)
    read_stories: dict[str, str] = field(default_factory=dict)  # story id → last read (UTC ISO)


def rank_for_you(
    stories: list[Story],
    profile: Profile,
    story_entities: dict[str, set[str]],
    updated_at: dict[str, str],
    *,
    limit: int = 30,
) -> list[Interest]:
    """Stories that touch what the reader follows or has read, new developments first.

    ``story_entities`` maps story id → followed or read entity ids it contains;
    ``updated_at`` maps story id → when the store last rebuilt it (UTC ISO), which
    is compared with when the reader last opened it.
    """
    reference = newest(stories)
    items: list[Interest] = []
    for story in stories:
        sid = story.id
        relevance, reasons = 0.0, []
        if sid in profile.stories:
            relevance += 3.0
            reasons.append("you follow this story")
        if story.storyline_id and story.storyline_id in profile.storylines:
            relevance += 2.0
            reasons.append("in a storyline you follow")
        present = story_entities.get(sid, set())
        followed = sorted(profile.entities[e] for e in present if e in profile.entities)
        if followed:
            relevance += 2.0 * min(len(followed), 3)
            reasons.append("mentions " + ", ".join(followed[:3]))
        implicit = sorted((profile.read_entities[e] for e in present
                           if e in profile.read_entities and e not in profile.entities),
                          key=lambda pair: -pair[1])
        if implicit:
            relevance += min(sum(0.5 * math.log1p(n) for _, n in implicit), 2.0)
            reasons.append("you read about " + ", ".join(name for name, _ in implicit[:3]))
        if relevance <= 0:
            continue
        # each article once: reading an article or any of its copies reads it
        unread = sum(1 for a in story.articles
                     if a not in profile.read_articles and not profile.read_articles.intersection(story.copies.get(a, ())))
        last_read = profile.read_stories.get(sid)
        new = last_read is None or (updated_at.get(sid) or "") > last_read
        freshness = 1.0 if new and unread else 0.25
        score = math.log(relevance * freshness) + log_score(story, reference)
        items.append(Interest(story, score, reasons, unread, new))
    items.sort(key=lambda item: (-item.score, item.story.id))
    return items[:limit]
