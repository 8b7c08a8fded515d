"""What a story and a storyline show, built from their articles.

A story: headline, summary, key people/organisations/places, timeline, quotes
by speaker, outlets and when they covered it.  Everything cites its articles
(and, for timeline entries, quotes and summary sentences, character spans).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from storyline.article import Article
from storyline.dates import shift_day
from storyline.stories.headline import headline, summary
from storyline.stories.keydates import default_dates, story_days
from storyline.stories.quote_groups import group_quotes
from storyline.stories.timeline import build_timeline, period_start, words
from storyline.stories.types import Story, Storyline

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
            # id: the speaker's entity; None for a speaker named without one ("European leaders")
            "speaker": {"id": speakers.get((first_article, first.text)), "name": name} if name else None,
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


def originals_and_copies(articles: Sequence[Article]) -> tuple[list[Article], dict[str, list[Article]]]:
    """Each article of a group once: the originals, and for each the copies (syndicated or
    re-ingested duplicates) found in the group.  A copy whose original is elsewhere counts
    as an original here."""
    ids = {a.id for a in articles}
    originals = [a for a in articles if not a.duplicate_of or a.duplicate_of not in ids]
    copies: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        if article.duplicate_of and article.duplicate_of in ids:
            copies[article.duplicate_of].append(article)
    return originals, dict(copies)


def _outlet(article: Article) -> str:
    return article.publisher or article.via or "unknown outlet"


def publication_day(article: Article, copies: Sequence[Article] = ()) -> str | None:
    """The day an article was published: the earliest publication date of it and its copies
    (the same text was out by then); None when none carries one."""
    days = [a.published[:10] for a in (article, *copies) if a.published]
    return min(days) if days else None


INFERRED_SPAN_DAYS = 60


def named_days(articles: Sequence[Article]) -> list[str]:
    """The calendar days (day precision) the articles' resolved time expressions name, the
    recent ones only: within :data:`INFERRED_SPAN_DAYS` of the latest, so that a date named
    in passing as background (1995 in a 2010 report) does not stretch the range."""
    days = sorted({t.value for a in articles for t in a.times
                   if t.value and len(t.value) == 10 and t.value[4] == "-" and _is_day(t.value)})
    if not days:
        return []
    latest = date.fromisoformat(days[-1])
    return [d for d in days if (latest - date.fromisoformat(d)).days <= INFERRED_SPAN_DAYS]


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def dates_of(originals: Sequence[Article], copies: dict[str, list[Article]]) -> tuple[str | None, str | None, str]:
    """(first day, last day, how known) of a group of articles.

    "published": from the articles' publication dates (an undated article says nothing
    about when the story happened, and the day it was ingested is never taken for it);
    "inferred": no article is dated, so the range of the recent days their own resolved
    time expressions name; "undated": neither.
    """
    days = sorted(d for d in (publication_day(a, copies.get(a.id, ())) for a in originals) if d)
    if days:
        return days[0], days[-1], "published"
    named = named_days([*originals, *(c for group in copies.values() for c in group)])
    if named:
        return named[0], named[-1], "inferred"
    return None, None, "undated"


def placements(originals: Sequence[Article], copies: dict[str, list[Article]],
               story_span: tuple[str | None, str | None], known: str = "published") -> dict[str, dict[str, str]]:
    """Where each undated article sits, labelled inferred: the recent days it names itself
    (when they fall near its story's range: otherwise they are background), else its
    story's range; an article with neither is left out (shown undated)."""
    placed: dict[str, dict[str, str]] = {}
    first, last = story_span
    for article in originals:
        if publication_day(article, copies.get(article.id, ())):
            continue
        own = named_days([article, *copies.get(article.id, ())])
        if own and (first is None or last is None or (_near(own[0], first, last) and _near(own[-1], first, last))):
            placed[article.id] = {"from": own[0], "to": own[-1], "by": "its own dates"}
        elif first and last:
            by = "its story's dated articles" if known == "published" else "its story's inferred dates"
            placed[article.id] = {"from": first, "to": last, "by": by}
    return placed


def _near(day: str, first: str, last: str) -> bool:
    moment = date.fromisoformat(day)
    return (date.fromisoformat(first) - moment).days <= INFERRED_SPAN_DAYS \
        and (moment - date.fromisoformat(last)).days <= INFERRED_SPAN_DAYS


def outlets(originals: Sequence[Article], copies: dict[str, list[Article]] | None = None
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(per outlet: how many articles, how many copies of others' articles, and when;
    per day and outlet: how many articles).  Each article is counted once, under its own
    outlet; its copies count as copies under theirs."""
    copies = copies or {}
    by_outlet: dict[str, dict[str, Any]] = {}
    coverage: Counter[tuple[str, str]] = Counter()

    def entry(outlet: str) -> dict[str, Any]:
        return by_outlet.setdefault(outlet, {"publisher": outlet, "articles": 0, "copies": 0, "days": []})

    for article in originals:
        outlet, day = _outlet(article), publication_day(article, copies.get(article.id, ()))
        entry(outlet)["articles"] += 1
        entry(outlet)["days"].append(day)
        if day:
            coverage[(day, outlet)] += 1
        for copy in copies.get(article.id, ()):
            entry(_outlet(copy))["copies"] += 1
    listed = []
    for _, item in sorted(by_outlet.items(), key=lambda kv: (-kv[1]["articles"], -kv[1]["copies"], kv[0])):
        known = sorted(d for d in item.pop("days") if d)
        listed.append({**item, "first": known[0] if known else None, "last": known[-1] if known else None})
    series = [{"date": d, "publisher": p, "count": n} for (d, p), n in sorted(coverage.items())]
    return listed, series


def build_story(
    story_id: str, articles: Sequence[Article], ingested: dict[str, str], storyline_id: str | None
) -> Story:
    """The stored form of a story (see ``storyline.store.stories``).

    ``articles`` lists each original once; a copy of one of them (a duplicate) is listed
    under ``copies`` by its original's id.  ``ingested`` is not used for any date.
    """
    canonical, copies = originals_and_copies(articles)
    title = headline(canonical)
    text, evidence = summary(canonical, headline=title)
    listed, series = outlets(canonical, copies)
    first, last, known = dates_of(canonical, copies)
    entities = key_entities(canonical)
    day_scores, key_dates = story_days(canonical)
    return Story(
        id=story_id,
        title=title,
        summary=text,
        summary_evidence=evidence,
        storyline_id=storyline_id,
        first_seen=first,
        last_updated=last,
        dates=known,
        articles=[a.id for a in canonical],
        copies={original: [c.id for c in group] for original, group in copies.items()},
        placed=placements(canonical, copies, (first, last), known),
        people=entities["people"],
        organisations=entities["organisations"],
        places=entities["places"],
        timeline=in_period(build_timeline(canonical), first, last),
        quotes=story_quotes(canonical),
        outlets=listed,
        coverage=series,
        day_scores=day_scores,
        key_dates=key_dates,
    )


def build_storyline(storyline_id: str, stories: Sequence[Story]) -> Storyline:
    """The stored form of a storyline, composed from its stories' stored forms.

    Reading the stories, not their articles, keeps the cost of an update to the number of
    stories however long the storyline runs.  The title names the thread (see
    :func:`thread_title`); the timeline holds its key dates (see :func:`storyline_key_dates`).
    """
    ordered = sorted(stories, key=lambda s: (s.first_seen or "9999", s.id))
    first, last, known = storyline_dates(stories)
    return Storyline(
        id=storyline_id,
        title=thread_title(stories),
        first_seen=first,
        last_updated=last,
        dates=known,
        stories=[s.id for s in ordered],
        articles=[a for s in ordered for a in s.articles],
        people=_merged_entities([s.people for s in stories]),
        organisations=_merged_entities([s.organisations for s in stories]),
        places=_merged_entities([s.places for s in stories]),
        timeline=storyline_key_dates(stories, first if known == "published" else None,
                                     last if known == "published" else None),
    )


THREAD_PLACES = 2
THREAD_NAMES = 3


def thread_title(stories: Sequence[Story]) -> str:
    """What a storyline is about, named by what persists across its stories.

    A storyline runs for months through many developments, and any one headline names one
    of them (its largest story's headline named the August summit long after the thread had
    moved on).  What identifies the thread is what its stories keep sharing: the places and
    the people or organisations named in the most of its stories (the signal the stories
    were linked by).  So the title is those: up to two places, then up to three people (or
    organisations when no person recurs), each named in at least two of the stories, ordered
    by how many stories name them, e.g. "Ukraine, Russia: Keir Starmer, Volodymyr Zelensky".
    A storyline of one story, or whose stories share no one, is named by the headline of its
    most central story: the one sharing the most entities with the others (latest among
    equals)."""
    if not stories:
        return "Untitled storyline"

    def recurring(kind: str) -> list[str]:
        present: Counter[str] = Counter()
        weight: Counter[str] = Counter()
        names: dict[str, str] = {}
        for story in stories:
            for entity in getattr(story, kind):
                names.setdefault(entity["id"], entity["name"])
                present[entity["id"]] += 1
                weight[entity["id"]] += int(entity.get("count", 1))
        ranked = sorted((k for k, n in present.items() if n >= 2), key=lambda k: (-present[k], -weight[k], names[k]))
        return [names[k] for k in ranked]

    if len(stories) >= 2:
        places = recurring("places")[:THREAD_PLACES]
        actors = (recurring("people") or recurring("organisations"))[:THREAD_NAMES]
        if places and actors:
            return f"{', '.join(places)}: {', '.join(actors)}"
        if places or actors:
            return ", ".join(places or actors)
    return _central(stories).title


def _central(stories: Sequence[Story]) -> Story:
    entity_sets = {s.id: {e["id"] for kind in ENTITY_KINDS for e in getattr(s, kind)} for s in stories}
    return max(stories, key=lambda s: (sum(len(entity_sets[s.id] & entity_sets[o.id]) for o in stories if o is not s),
                                       len(s.articles), s.last_updated or "", s.id))


def storyline_dates(stories: Sequence[Story]) -> tuple[str | None, str | None, str]:
    """(first day, last day, how known) of a storyline: the span of its stories with
    published dates; when none has any, of those with inferred ones; else undated."""
    for known in ("published", "inferred"):
        spans = [(s.first_seen, s.last_updated) for s in stories if s.dates == known]
        days = [(f, last) for f, last in spans if f and last]
        if days:
            return min(f for f, _ in days), max(last for _, last in days), known
    return None, None, "undated"


def _merged_entities(lists: Sequence[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for listed in lists:
        for entity in listed:
            counts[entity["id"]] += int(entity.get("count", 1))
            names.setdefault(entity["id"], entity["name"])
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]]))[:TOP_ENTITIES]
    return [{"id": key, "name": names[key], "count": n} for key, n in ranked]


KEY_MARGIN_DAYS = 7  # a key date may precede the first report of it by this much (or follow the last)
REPEATS = 0.5  # word overlap above which an entry repeats one already on the timeline


def in_period(entries: list[dict[str, Any]], first: str | None, last: str | None) -> list[dict[str, Any]]:
    """The timeline entries that fall in the period the articles cover (give or take
    :data:`KEY_MARGIN_DAYS`): a date named in passing as background (1995 in a 2010 report)
    is not a development of the story.  Undated entries stay; year-only dates go."""
    if not first or not last:
        return entries
    low = shift_day(date.fromisoformat(first), -KEY_MARGIN_DAYS)
    high = shift_day(date.fromisoformat(last), KEY_MARGIN_DAYS)
    kept = []
    for entry in entries:
        value = entry.get("date")
        start = period_start(str(value)) if value else None
        if value and (start is None or len(str(value)) == 4):
            continue
        if start is not None and not (low <= start <= high):
            continue
        kept.append(entry)
    return kept


def storyline_key_dates(stories: Sequence[Story], first: str | None, last: str | None,
                        *, dates: int | None = None) -> list[dict[str, Any]]:
    """The key dates of a storyline in the period its articles were published (give or take
    :data:`KEY_MARGIN_DAYS`), in order, each saying what happened then with its evidence.

    Days are ranked as :func:`storyline.stories.keydates.rank_days` ranks them over all the
    storyline's articles (its stories' day scores add up); as many are kept as
    :func:`~storyline.stories.keydates.default_dates` finds the span deserves (or ``dates``).
    Each day is told by the story that weighs most on it, unless another story tells it
    without repeating a sentence already shown.  Dates outside the period (background named
    in passing) never count."""
    scores: dict[str, float] = {}
    support: Counter[str] = Counter()
    for story in stories:
        for day, (score, count) in story.day_scores.items():
            scores[day] = scores.get(day, 0.0) + score
            support[day] += int(count)
    if first and last:
        low = shift_day(date.fromisoformat(first), -KEY_MARGIN_DAYS).isoformat()
        high = shift_day(date.fromisoformat(last), KEY_MARGIN_DAYS).isoformat()
        scores = {d: v for d, v in scores.items() if low <= d <= high}
    ranked: list[tuple[str, float, int]] = sorted(((d, v, support[d]) for d, v in scores.items()),
                                                  key=lambda item: (-item[1], item[0]))
    wanted = default_dates(ranked) if dates is None else dates
    told: dict[str, list[tuple[float, str, dict[str, Any]]]] = {}
    for story in stories:
        for entry in story.key_dates:
            weight = story.day_scores.get(str(entry["date"]), [0.0, 0.0])[0]
            told.setdefault(str(entry["date"]), []).append((weight, story.id, entry))
    shown: list[set[str]] = []
    entries: list[dict[str, Any]] = []
    for day, score, count in ranked:
        if len(entries) >= wanted:
            break
        tellers = sorted(told.get(day, []), key=lambda t: (-t[0], t[1]))
        if not tellers:
            continue
        texts = [words(str(entry["text"])) for _, _, entry in tellers]
        fresh = [i for i, text in enumerate(texts)
                 if not any(len(text & other) / max(1, len(text | other)) > REPEATS for other in shown)]
        # the day is kept whatever its sentence: a repeated sentence only yields to a fresh one
        _, story_id, entry = tellers[fresh[0] if fresh else 0]
        shown.append(texts[fresh[0] if fresh else 0])
        entries.append({"date": day, "date_text": None, "text": entry["text"], "type": "key date",
                        "status": entry.get("status", "happened"),
                        "articles": entry["articles"], "evidence": entry["evidence"],
                        "score": round(score, 4), "support": count, "story": story_id})
    entries.sort(key=lambda e: str(e["date"]))
    return entries
