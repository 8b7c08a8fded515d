"""Polling subscribed feeds: conditional GET, new entries through the pipeline, the next poll.

Polling is automated, so it minds its manners: the fetcher passes every request
through :class:`~storyline.ingest.robots.Politeness` (robots.txt, one request
per host at a time, crawl delay), for the feed and for every full article page
fetched for its entries.  A URL that robots.txt disallows is an error of that
feed or that entry, recorded and shown like any other.

``storyline refresh`` runs :func:`refresh_feeds`; ``storyline serve`` polls in the
background with :class:`storyline.poller.Poller`, which calls the same
:func:`poll` and :func:`ingest_poll` on worker threads.

Every entry of a subscribed feed is kept: an entry whose page cannot be
fetched is stored with its title and summary, marked summary-only (see
:mod:`storyline.ingest.feeds`), and its page is fetched again on later polls
(:func:`fetch_retries`), backing off from an hour to a day and more, until the
page is stored over the summary or :data:`MAX_RETRIES` tries have failed.  A
summary is never stored over a full article already stored.

One feed never stops the others: whatever goes wrong while a feed is polled or
its entries ingested is recorded on that feed (its ``last_error``, counted
towards backing off, as Miniflux does) and reported as one skipped outcome; only
a broken store (:class:`~storyline.store.StoreError`) ends the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from storyline.article import Failure, RawDocument
from storyline.clean import article_id
from storyline.ingest import Fetcher, FetchError, IngestOptions
from storyline.ingest.feeds import SUMMARY_ONLY, FeedPoll, PageRetry, page_document, poll_feed
from storyline.ingest.robots import Politeness
from storyline.pipeline import Outcome, Pipeline
from storyline.scheduler import Clock, PollOutcome, SchedulePolicy, iso, next_poll, server_hint, utcnow
from storyline.store import Store, StoreError
from storyline.store.feeds import FeedSchedule

log = logging.getLogger(__name__)

STORED = frozenset({"new", "updated", "duplicate"})
FIRST_RETRY = 3600  # seconds after an entry was stored summary-only; doubled after each failed retry
MAX_RETRIES = 6  # failed retries of a page before it is left as it is (1 h + 2 h + ... + 32 h)
RETRIES_PER_POLL = 5  # summary-only pages fetched again with one poll of their feed
KEPT_FULL = "the full article is stored already; the feed's summary is not stored over it"


def unexpected(exc: Exception) -> str:
    """The error recorded on a feed whose poll failed in a way nothing else caught."""
    return f"unexpected error: {type(exc).__name__}: {exc}"


def feed_health(feed: dict[str, Any], policy: SchedulePolicy | None = None) -> dict[str, Any]:
    """A feed row as the Sources page and ``storyline feeds list`` show it: the row, with
    ``interval_seconds`` filled in for a feed not polled yet, ``stopped`` and ``healthy``."""
    policy = policy or SchedulePolicy.from_settings()
    row = dict(feed)
    row["interval_seconds"] = row.get("interval_seconds") or policy.clamp(policy.first_interval)
    row["stopped"] = bool(row.get("stopped_at"))
    row["healthy"] = not row.get("last_error")
    return row


def polite_fetcher(options: IngestOptions, politeness: Politeness | None = None) -> Fetcher:
    """A fetcher that minds robots.txt and the per-host limit (close the politeness too)."""
    return Fetcher(options, gate=politeness or Politeness(options))


def poll(feed: dict[str, Any], options: IngestOptions, fetcher: Fetcher | None = None) -> FeedPoll:
    """Fetch one feed (conditionally, with the validators stored from its last poll).

    ``fetcher`` should be a polite one (:func:`polite_fetcher`); without it, one is made for this poll.
    """
    url, etag, modified = str(feed["url"]), feed.get("etag"), feed.get("last_modified")
    if fetcher is not None:
        return poll_feed(url, options, etag=etag, last_modified=modified, fetcher=fetcher)
    politeness = Politeness(options)
    try:
        with polite_fetcher(options, politeness) as own:
            return poll_feed(url, options, etag=etag, last_modified=modified, fetcher=own)
    finally:
        politeness.close()


def feed_error(url: str, result: FeedPoll) -> str | None:
    """Why the feed as a whole failed, or None when it was read (entries may still have failed)."""
    failed = result.status == 0 or result.status >= 400 or (
        not result.documents and result.status != 304 and any(f.source == url for f in result.failures))
    if not failed:
        return None
    return "; ".join(f.reason for f in result.failures) or (f"HTTP {result.status}" if result.status else "no response")


def _summary_id(doc: RawDocument) -> str:
    return article_id(doc, (doc.text or "").strip())


def ingest_poll(
    store: Store,
    pipeline: Pipeline,
    feed: dict[str, Any],
    result: FeedPoll,
    *,
    policy: SchedulePolicy | None = None,
    clock: Clock = utcnow,
) -> Iterator[Outcome]:
    """Run a poll's entries through the pipeline, then record how it went and when to poll next.

    A feed that could not be fetched or parsed is recorded with its error (shown
    on the Sources page and by ``storyline feeds list``); its entries that did
    parse still go through the pipeline.  An entry whose document cannot be
    cleaned is stored from its fallback (the entry's own text); summary-only
    entries are marked for a retry of their page, and the retried pages of earlier
    ones (``result.retries``) are stored over their summaries.
    """
    stored = 0
    for outcome in _entries(store, pipeline, feed, result, clock):
        stored += outcome.status in STORED
        yield outcome
    for outcome in _retried(store, pipeline, result.retries, clock):
        stored += outcome.status in STORED
        yield outcome
    record_poll(store, feed, result, feed_error(str(feed["url"]), result), stored, policy=policy, clock=clock)


def _entries(
    store: Store, pipeline: Pipeline, feed: dict[str, Any], result: FeedPoll, clock: Clock
) -> Iterator[Outcome]:
    summaries: dict[str, RawDocument] = {}  # source -> summary-only document sent to the pipeline
    fallbacks: list[RawDocument] = []

    def admit(docs: Iterable[RawDocument]) -> Iterator[RawDocument | Outcome]:
        for doc in docs:
            if SUMMARY_ONLY in doc.given:
                known = _summary_id(doc)
                if store.article_fingerprint(known) is not None and store.summary_only(known) is None:
                    yield Outcome(doc.source, "unchanged", known, reason=KEPT_FULL)
                    continue
                summaries[doc.source] = doc
            yield doc

    def run(items: list[RawDocument | Failure | Outcome], with_fallbacks: bool) -> Iterator[Outcome]:
        yield from (item for item in items if isinstance(item, Outcome))
        for outcome in pipeline.process([item for item in items if not isinstance(item, Outcome)]):
            fallback = result.fallbacks.get(outcome.source) if with_fallbacks else None
            if outcome.status == "skipped" and fallback is not None:  # the fallback's outcome stands for it
                fallbacks.append(fallback)
                continue
            summary = summaries.get(outcome.source)
            _mark(store, str(feed["url"]), outcome, summary, clock)
            if summary is not None and outcome.status in STORED and outcome.reason is None:
                outcome.reason = f"summary only: {summary.given[SUMMARY_ONLY]}"
            yield outcome

    yield from run([*admit(result.documents), *result.failures], True)
    yield from run(list(admit(fallbacks)), False)


def _mark(store: Store, feed_url: str, outcome: Outcome, summary: RawDocument | None, clock: Clock) -> None:
    """Mark a stored summary-only entry for a retry of its page; unmark an entry stored in full."""
    if outcome.article_id is None or outcome.status not in STORED | {"unchanged"}:
        return
    if summary is None:
        if outcome.status in STORED:
            store.clear_summary_only(outcome.article_id)
        return
    given = {k: v for k, v in summary.given.items() if k != SUMMARY_ONLY}
    next_try = iso(clock() + timedelta(seconds=FIRST_RETRY)) if summary.url else None
    store.mark_summary_only(outcome.article_id, feed_url, summary.url, given, str(summary.given[SUMMARY_ONLY]),
                            next_try)


def fetch_retries(
    store: Store,
    feed: dict[str, Any],
    fetcher: Fetcher,
    *,
    clock: Clock = utcnow,
    polled: FeedPoll | None = None,
    limit: int = RETRIES_PER_POLL,
) -> list[PageRetry]:
    """Fetch again the pages of this feed's summary-only entries that are due (outside any lock).

    Pages the poll ``polled`` just tried for entries still in the feed are not fetched twice.
    """
    tried: set[str] = set()
    if polled is not None:
        tried = {doc.source for doc in polled.documents} | {failure.source for failure in polled.failures}
    retries: list[PageRetry] = []
    for entry in store.summary_only_due(str(feed["url"]), iso(clock()), limit):
        assert entry.page_url is not None
        if entry.page_url in tried:
            continue
        retry = PageRetry(entry.article_id, entry.attempts)
        try:
            page = fetcher.fetch(entry.page_url)
        except FetchError as exc:
            retry.reason = exc.reason
        else:
            made = page_document(page, entry.given, entry.page_url, entry.feed_url)
            if isinstance(made, RawDocument):
                retry.document = made
            else:
                retry.reason = made
        retries.append(retry)
    return retries


def _retried(store: Store, pipeline: Pipeline, retries: list[PageRetry], clock: Clock) -> Iterator[Outcome]:
    """Store the retried pages over their summaries; record the retries that failed again."""
    for retry in retries:
        reason = retry.reason
        if retry.document is not None:
            for outcome in pipeline.process([retry.document]):
                if outcome.status in STORED | {"unchanged"}:
                    store.clear_summary_only(retry.article_id)
                    yield outcome
                    reason = None
                else:
                    reason = outcome.reason or outcome.status
        if reason is not None:
            attempts = retry.attempts + 1
            wait = FIRST_RETRY * 2 ** attempts
            next_try = iso(clock() + timedelta(seconds=wait)) if attempts < MAX_RETRIES else None
            store.page_retry_failed(retry.article_id, reason, next_try)


def record_poll(
    store: Store,
    feed: dict[str, Any],
    result: FeedPoll,
    error: str | None,
    stored: int,
    *,
    policy: SchedulePolicy | None = None,
    clock: Clock = utcnow,
) -> None:
    """Record a poll's outcome (``error`` None: the feed was read) and schedule the next one."""
    moment = clock()
    decision = next_poll(
        policy or SchedulePolicy.from_settings(), feed.get("interval_seconds"), int(feed.get("error_count") or 0),
        PollOutcome(new_entries=stored, error=error, status=result.status,
                    hint=server_hint(result.headers, result.ttl, moment), first=not feed.get("last_fetched")),
        moment,
    )
    store.record_feed_fetch(
        str(feed["url"]), status="not modified" if result.status == 304 else str(result.status), error=error,
        etag=result.etag, last_modified=result.last_modified, title=result.title, new_articles=stored,
        fetched_at=iso(moment),
        schedule=FeedSchedule(
            next_due=iso(decision.next_due) if decision.next_due else None, interval_seconds=decision.interval,
            stopped_at=iso(moment) if decision.stopped else None,
        ),
    )


def refresh_feed(
    store: Store,
    pipeline: Pipeline,
    feed: dict[str, Any],
    *,
    fetcher: Fetcher | None = None,
    policy: SchedulePolicy | None = None,
    clock: Clock = utcnow,
) -> Iterator[Outcome]:
    """Poll one feed, ingest what is new and record how the poll went (see :func:`poll`)."""
    if fetcher is None:
        politeness = Politeness(pipeline.options)
        try:
            with polite_fetcher(pipeline.options, politeness) as own:
                yield from refresh_feed(store, pipeline, feed, fetcher=own, policy=policy, clock=clock)
        finally:
            politeness.close()
        return
    result = poll(feed, pipeline.options, fetcher)
    result.retries = fetch_retries(store, feed, fetcher, clock=clock, polled=result)
    yield from ingest_poll(store, pipeline, feed, result, policy=policy, clock=clock)


def contained(
    store: Store,
    feed: dict[str, Any],
    outcomes: Iterator[Outcome],
    *,
    policy: SchedulePolicy | None = None,
    clock: Clock = utcnow,
) -> Iterator[Outcome]:
    """``outcomes`` of one feed's refresh; if it fails unexpectedly, the error is recorded on the
    feed and becomes one skipped outcome, and the caller goes on to the next feed."""
    url = str(feed["url"])
    try:
        yield from outcomes
    except StoreError:
        raise
    except Exception as exc:
        log.exception("refresh of feed %s failed", url)
        reason = unexpected(exc)
        record_poll(store, feed, FeedPoll(status=0), reason, 0, policy=policy, clock=clock)
        yield Outcome(url, "skipped", reason=f"feed not refreshed: {reason}")


def refresh_feeds(
    store: Store,
    options: IngestOptions,
    *,
    pipeline: Pipeline | None = None,
    due_only: bool = False,
    clock: Clock = utcnow,
) -> Iterator[Outcome]:
    """Poll every feed that is not stopped (with ``due_only``, those whose next poll is due), one by one."""
    pipeline = pipeline or Pipeline(store, options)
    policy = SchedulePolicy.from_settings()
    feeds = store.due_feeds(iso(clock())) if due_only else [f for f in store.list_feeds() if not f["stopped_at"]]
    politeness = Politeness(options)
    try:
        with polite_fetcher(options, politeness) as fetcher:
            for feed in feeds:
                yield from contained(
                    store, feed, refresh_feed(store, pipeline, feed, fetcher=fetcher, policy=policy, clock=clock),
                    policy=policy, clock=clock,
                )
    finally:
        politeness.close()
