"""Polling subscribed feeds: conditional GET, new entries through the pipeline."""

from __future__ import annotations

from collections.abc import Iterator

from storyline.ingest import IngestOptions
from storyline.ingest.feeds import poll_feed
from storyline.ingest.fetch import FetchError
from storyline.pipeline import Outcome, Pipeline
from storyline.store import Store

STORED = frozenset({"new", "updated", "duplicate"})


def refresh_feed(store: Store, pipeline: Pipeline, feed: dict[str, str | None]) -> Iterator[Outcome]:
    """Poll one feed, ingest what is new and record how the poll went."""
    url = str(feed["url"])
    try:
        poll = poll_feed(url, pipeline.options, etag=feed.get("etag"), last_modified=feed.get("last_modified"))
    except FetchError as exc:
        store.record_feed_fetch(url, status="error", error=str(exc))
        yield Outcome(url, "skipped", reason=f"feed not fetched: {exc}")
        return
    stored = 0
    for outcome in pipeline.process([*poll.documents, *poll.failures]):
        stored += outcome.status in STORED
        yield outcome
    store.record_feed_fetch(
        url, status=str(poll.status), etag=poll.etag, last_modified=poll.last_modified,
        title=poll.title, new_articles=stored,
    )


def refresh_feeds(store: Store, options: IngestOptions) -> Iterator[Outcome]:
    """Poll every subscribed feed once."""
    pipeline = Pipeline(store, options)
    for feed in store.list_feeds():
        yield from refresh_feed(store, pipeline, feed)
