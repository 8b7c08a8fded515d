"""The story stage: assign new articles to stories and storylines, rebuild what changed.

Corpus-level work, so it reads from the store rather than from the ingest
stream.  Articles not yet in a story are taken in stream order (publication day, then
content hash) and handed to the clusterer one stream day at a time (at most ``BATCH``
articles): each joins a story of earlier days as it would alone, and the rest of the day is
grouped jointly (:meth:`StoryClusterer.add_batch`); a duplicate follows its canonical
article.  The clusterer's and the linker's state are saved in the same transaction as the
assignments, at the end of a day's batch only, so an interrupted run resumes where it
stopped and batches the remaining articles as an uninterrupted run would.

What is left to do after the assignments is persisted too, so that a run killed at any
moment (``kill -9``) leaves nothing behind that the next run does not finish: the
transaction that assigns articles to a story (or merges stories or storylines) marks
that story or storyline "to rebuild" in the store; the transaction that saves a rebuilt
story unmarks it and marks its storylines (the one it is shown in now and the one it
was), and the one that saves a storyline unmarks that.  A run rebuilds every marked
story, then every marked storyline; a view is a function of its members and of the
saved linker alone, so the store ends as an uninterrupted run leaves it.  The start of
``storyline serve`` finishes the rebuilds a killed run left (:func:`finish_interrupted`).

Building a story's shown form (headline, summary, timeline, key dates) reads nothing but its
articles, so the stories marked are read here and built by a :data:`Builder`: in this
process, or, in an ingest with worker processes, by the workers (``build`` of
:func:`update_stories`); every read and save stays here, in order.

One run at a time: a run holds the store's "story clustering" lock from
before it reads the state until its views are rebuilt, so a second run (another
``storyline ingest``, the server's background refresher) waits and then
continues from the first one's result: two runs at once end as one run would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection

from storyline.article import Article
from storyline.pipeline.stage import describe
from storyline.pipeline.state import CLUSTER_STATE, CLUSTERING_LOCK, LINKER_STATE
from storyline.store import Store, StoreError
from storyline.stories.cluster import StoryClusterer
from storyline.stories.features import StoryDoc, doc_terms, doc_vectors, story_doc_from_article
from storyline.stories.index import Bags
from storyline.stories.model import story_params, storyline_params
from storyline.stories.storylines import StorylineLinker
from storyline.stories.types import Story
from storyline.stories.view import build_story, build_storyline

log = logging.getLogger(__name__)

BATCH = 500
REBUILD_CHUNK = 64  # stories read, built and saved together (their articles are held meanwhile)

# a story to build: its id, its articles, when each was first stored, its storyline
StoryInputs = tuple[str, list[Article], dict[str, str], str | None]
# builds stories from their inputs, in order: each story, or why it could not be built
Builder = Callable[[list[StoryInputs]], list[Story | str]]


def build_here(jobs: list[StoryInputs]) -> list[Story | str]:
    """Each story built in this process; one that fails gives its reason, the others go on."""
    built: list[Story | str] = []
    for story_id, articles, ingested, storyline_id in jobs:
        try:
            built.append(build_story(story_id, articles, ingested, storyline_id))
        except Exception as exc:
            built.append(describe(exc))
    return built


@dataclass(slots=True)
class StoryUpdate:
    articles: int = 0
    stories_changed: set[str] = field(default_factory=set)
    merged: dict[str, str] = field(default_factory=dict)
    # what could not be grouped or rebuilt this run, with why: left for the next run, the rest goes on
    failed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "stories_changed": len(self.stories_changed), "merged": self.merged,
                "failed": self.failed}


def _load(store: Store) -> tuple[StoryClusterer, StorylineLinker]:
    """The clusterer and linker of the store's last run, deciding with the shipped model: after an
    upgrade, new articles are grouped by the new model (the stories already made stay as they
    are until ``storyline cluster --rebuild``)."""
    cluster_state = store.get_state(CLUSTER_STATE)
    linker_state = store.get_state(LINKER_STATE)
    clusterer = StoryClusterer.from_state(cluster_state, story_params()) if cluster_state else StoryClusterer()
    linker = _linker(linker_state)
    if cluster_state and cluster_state.get("params") != clusterer.params.to_dict():
        log.info("the store's stories were grouped with an earlier model; new articles are grouped with the "
                 "shipped one (storyline cluster --rebuild regroups them all)")
    return clusterer, linker


def _linker(state: dict[str, Any] | None) -> StorylineLinker:
    return StorylineLinker.from_state(state, storyline_params()) if state else StorylineLinker()


def update_stories(
    store: Store, *, rebuild: bool = False, on_wait: Callable[[], None] | None = None, build: Builder = build_here,
) -> StoryUpdate:
    """Cluster every article not yet in a story; with ``rebuild``, start from scratch.

    While another run is in progress this one waits for it (``on_wait`` is called
    once if it has to), then goes on from its result.  ``build`` builds the stories' shown
    forms (by default here; an ingest's worker processes can).
    """
    with store.exclusive(CLUSTERING_LOCK, on_wait=on_wait):
        return _update(store, rebuild, build)


def finish_interrupted(store: Store) -> int:
    """Rebuild the stories and storylines a killed run left marked; returns how many
    stories were rebuilt (0, at once, when nothing is marked)."""
    if not store.marked_for_rebuild("story") and not store.marked_for_rebuild("storyline"):
        return 0
    with store.exclusive(CLUSTERING_LOCK):
        linker = _linker(store.get_state(LINKER_STATE))
        update = StoryUpdate()
        rebuild_views(store, linker, update)
    return len(update.stories_changed)


def _update(store: Store, rebuild: bool, build: Builder = build_here) -> StoryUpdate:
    if rebuild:
        with store.transaction("clear stories for a rebuild") as conn:
            store.clear_stories(conn)
            store.set_state(conn, CLUSTER_STATE, None)
            store.set_state(conn, LINKER_STATE, None)
    clusterer, linker = _load(store)
    update = StoryUpdate()
    pending = store.unassigned_article_ids()
    deferred: list[Article] = []
    day: list[tuple[str, StoryDoc, Bags]] = []  # the batch being gathered: one stream day
    day_key: str | None = None
    placed: _Placed = _Placed()
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        with store.transaction("read when articles were first stored") as conn:
            seen = store.ingest_dates(conn, batch)
        for article in store.get_articles(batch):
            article_id = article.id
            if article.duplicate_of:
                deferred.append(article)
                continue
            try:  # one article that cannot be read as a story document fails alone; it stays ungrouped
                doc = replace(story_doc_from_article(article, seen.get(article_id)), lemmas=article.lemmas)
                terms = doc_terms(doc)
                doc_vectors(doc)
            except Exception as exc:
                update.failed[article_id] = describe(exc)
                continue
            key = _day_key(doc)
            if day and (key != day_key or len(day) >= BATCH):
                _place(clusterer, linker, day, placed, update)
                day = []
                if len(placed.assignments) >= BATCH:  # commit at a batch's end only: a resumed run batches alike
                    _commit(store, clusterer, linker, placed.assignments, placed.merges, placed.line_merges, update)
                    placed = _Placed()
            day_key = key
            day.append((article.id, doc, terms))
    _place(clusterer, linker, day, placed, update)
    _commit(store, clusterer, linker, placed.assignments, placed.merges, placed.line_merges, update)
    follow = []
    for article in deferred:
        story = store.story_of_article(article.duplicate_of or "")
        if story is not None:
            follow.append((article.id, clusterer.resolve(story)))
    _commit(store, clusterer, linker, follow, {}, {}, update)
    rebuild_views(store, linker, update, build)
    return update


@dataclass(slots=True)
class _Placed:
    """Assignments and merges made since the last commit."""

    assignments: list[tuple[str, str]] = field(default_factory=list)
    merges: dict[str, str] = field(default_factory=dict)
    line_merges: dict[str, str] = field(default_factory=dict)


def _day_key(doc: StoryDoc) -> str:
    """The stream day that batches an article: its publication day, else the day it was
    first stored (the order of :meth:`Store.unassigned_article_ids` keeps a day together)."""
    if doc.published is not None:
        return doc.published.isoformat()
    return "seen:" + (doc.seen.isoformat() if doc.seen else "")


def _place(clusterer: StoryClusterer, linker: StorylineLinker, day: list[tuple[str, StoryDoc, Bags]],
           placed: _Placed, update: StoryUpdate) -> None:
    """Group one batch jointly, then link each article's story into a storyline in batch order."""
    if not day:
        return
    try:
        assignments = clusterer.add_batch([doc for _, doc, _ in day], [terms for _, _, terms in day])
    except Exception as exc:  # contained like a bad document: one batch must not stop all grouping
        for article_id, _, _ in day:
            update.failed[article_id] = describe(exc)
        return
    for (article_id, doc, terms), assignment in zip(day, assignments, strict=True):
        try:
            line = linker.add(doc, assignment, terms)
        except Exception as exc:
            update.failed[article_id] = describe(exc)
            continue
        placed.assignments.append((article_id, assignment.story_id))
        placed.merges.update(assignment.merged_into)
        placed.line_merges.update(line.merged_into)


def _commit(
    store: Store,
    clusterer: StoryClusterer,
    linker: StorylineLinker,
    assignments: list[tuple[str, str]],
    merges: dict[str, str],
    line_merges: dict[str, str],
    update: StoryUpdate,
) -> None:
    """Save one batch of assignments and merges with the clusterer's and linker's state,
    marking what they change for rebuilding, in one transaction."""
    with store.transaction("save story assignments") as conn:
        for article_id, story_id in assignments:
            store.assign_article(conn, article_id, clusterer.resolve(story_id))
        store.mark_for_rebuild(conn, "story", [clusterer.resolve(story_id) for _, story_id in assignments])
        for old, new in merges.items():
            survivor = clusterer.resolve(new)
            store.merge_story(conn, old, survivor)
            update.merged[old] = survivor
        for old, new in line_merges.items():
            survivor = _storyline_now(linker, new)
            if survivor != old:
                store.merge_storyline(conn, old, survivor)
        store.set_state(conn, CLUSTER_STATE, clusterer.to_state())
        store.set_state(conn, LINKER_STATE, linker.to_state())
    update.articles += len(assignments)


def _storyline_now(linker: StorylineLinker, storyline_id: str) -> str:
    """The current id of a storyline, following merges."""
    seq = linker.ids.get(storyline_id)
    if seq is None:
        return storyline_id
    while seq in linker.redirect:
        seq = linker.redirect[seq]
    if seq in linker.lines:
        return linker.lines[seq].id
    return linker.retired.get(seq, storyline_id)


def rebuild_views(store: Store, linker: StorylineLinker, update: StoryUpdate, build: Builder = build_here) -> None:
    """Rebuild the shown form of every story marked for it, then of every storyline
    marked (by those rebuilds or by merges); each save unmarks what it saved.

    Stories go in chunks, each built (by ``build``: an ingest's workers) while the next is read
    and the one before saved here, in order."""
    marked = store.marked_for_rebuild("story")
    with ThreadPoolExecutor(1, thread_name_prefix="storyline-build") as builder:
        building: tuple[list[StoryInputs], Future[list[Story | str]]] | None = None
        for start in range(0, len(marked), REBUILD_CHUNK):
            jobs = _read_chunk(store, linker, marked[start : start + REBUILD_CHUNK], update)
            sent = (jobs, builder.submit(build, [job for job in jobs if job[1]]))
            if building is not None:
                _save_chunk(store, *building, update)
            building = sent
        if building is not None:
            _save_chunk(store, *building, update)
    for storyline_id in store.marked_for_rebuild("storyline"):
        stories = store.list_stories(limit=1_000_000, storyline_id=storyline_id)
        changed = _relate(stories)
        with store.transaction(f"save storyline {storyline_id}") as conn:
            for story in changed:
                store.save_story(conn, story)
            if stories:
                store.save_storyline(conn, build_storyline(storyline_id, stories))
            else:
                store.delete_storyline(conn, storyline_id)
            store.unmark_for_rebuild(conn, "storyline", storyline_id)


def _read_chunk(store: Store, linker: StorylineLinker, story_ids: list[str], update: StoryUpdate) -> list[StoryInputs]:
    """What building each story reads, for a chunk of stories read together; when that fails,
    story by story, so that a story that cannot be read stays marked (the next run tries it
    again) and the others go on."""
    try:
        return _stories_inputs(store, linker, story_ids)
    except StoreError:
        raise
    except Exception:
        log.debug("reading %d stories together failed: one by one", len(story_ids), exc_info=True)
    jobs: list[StoryInputs] = []
    for story_id in story_ids:
        try:
            jobs.extend(_stories_inputs(store, linker, [story_id]))
        except StoreError:
            raise
        except Exception as exc:
            update.failed[story_id] = describe(exc)
    return jobs


def _save_chunk(store: Store, jobs: list[StoryInputs], built: Future[list[Story | str]], update: StoryUpdate) -> None:
    """The chunk's stories saved, in one transaction."""
    stories = dict(zip([job[0] for job in jobs if job[1]], built.result(), strict=True))
    saved = []
    with store.transaction(f"save {len(jobs)} stories") as conn:
        for story_id, _articles, _ingested, storyline_id in jobs:
            story = stories.get(story_id)
            if isinstance(story, str):
                update.failed[story_id] = story
                continue
            _save_story(store, conn, story_id, story, storyline_id)
            saved.append(story_id)
    update.stories_changed.update(saved)


def _stories_inputs(store: Store, linker: StorylineLinker, story_ids: list[str]) -> list[StoryInputs]:
    with store.transaction(f"read {len(story_ids)} stories") as conn:
        members = {story_id: store.story_members(conn, story_id) for story_id in story_ids}
        every = [article_id for ids in members.values() for article_id in ids]
        ingested = store.ingest_dates(conn, every)
    articles = {article.id: article for article in store.get_articles(every)}
    return [(story_id, [articles[m] for m in ids if m in articles], {m: ingested[m] for m in ids if m in ingested},
             linker.storyline_of(story_id)) for story_id, ids in members.items()]


def _save_story(store: Store, conn: Connection, story_id: str, story: Story | None, storyline_id: str | None) -> None:
    """Save a built story (or delete one left without articles), unmark it, mark its storylines."""
    was = store.storyline_of_story(conn, story_id)
    if story is not None:
        store.save_story(conn, story)
    else:
        store.delete_story(conn, story_id)
    store.mark_for_rebuild(conn, "storyline", [line for line in (was, storyline_id) if line])
    store.unmark_for_rebuild(conn, "story", story_id)


RELATED = 8


def _relate(stories: list[Story]) -> list[Story]:
    """Give each story the other stories of its storyline nearest to it in time; return those
    whose list changed.  Stories are sorted once, so neighbours are found in linear time."""
    far = 1 << 30

    def day(story: Story) -> int:
        return _day_number(story.first_seen) if story.first_seen else far

    ordered = sorted(stories, key=lambda s: (day(s), s.id))
    changed = []
    for i, story in enumerate(ordered):
        here = day(story)
        around = ordered[max(0, i - RELATED) : i] + ordered[i + 1 : i + 1 + RELATED]
        nearest = sorted(around, key=lambda s: (abs(day(s) - here), s.id))[:RELATED]
        related = [{"id": s.id, "title": s.title} for s in nearest]
        if story.related != related:
            story.related = related
            changed.append(story)
    return changed


def _day_number(day: str) -> int:
    return date.fromisoformat(day[:10]).toordinal()
