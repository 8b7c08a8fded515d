"""Polling subscribed feeds: conditional GET, new entries through the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from storyline.ingest import IngestOptions
from storyline.ingest.feeds import poll_feed
from storyline.pipeline import Outcome, Pipeline
from storyline.store import Store

STORED = frozenset({"new", "updated", "duplicate"})


def refresh_feed(store: Store, pipeline: Pipeline, feed: dict[str, Any]) -> Iterator[Outcome]:
    """Poll one feed, ingest what is new and record how the poll went.

    A feed that could not be fetched or parsed is recorded with its error (shown
    on the Sources page and by ``storyline feeds list``); its entries that did
    parse still go through the pipeline.
    """
    url = str(feed["url"])
    poll = poll_feed(url, pipeline.options, etag=feed.get("etag"), last_modified=feed.get("last_modified"))
    feed_failed = poll.status == 0 or poll.status >= 400 or (not poll.documents and poll.status != 304
                                                             and any(f.source == url for f in poll.failures))
    stored = 0
    for outcome in pipeline.process([*poll.documents, *poll.failures]):
        stored += outcome.status in STORED
        yield outcome
    error = "; ".join(f.reason for f in poll.failures) if feed_failed else None
    if feed_failed and not error:
        error = f"HTTP {poll.status}" if poll.status else "no response"
    store.record_feed_fetch(
        url, status="not modified" if poll.status == 304 else str(poll.status), error=error,
        etag=poll.etag, last_modified=poll.last_modified, title=poll.title, new_articles=stored,
    )


def refresh_feeds(store: Store, options: IngestOptions) -> Iterator[Outcome]:
    """Poll every subscribed feed once."""
    pipeline = Pipeline(store, options)
    for feed in store.list_feeds():
        yield from refresh_feed(store, pipeline, feed)
