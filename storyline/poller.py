"""The background refresher of ``storyline serve``: polls due feeds on worker threads.

A dispatcher thread looks for due feeds (see :mod:`storyline.scheduler`) every
``tick`` seconds, and whenever a poll ends, and hands them to ``workers``
threads, at most ``per_host`` feeds of one host at a time.  Every request also
passes :class:`~storyline.ingest.robots.Politeness`, which holds each host to
``per_host`` requests in flight (entry pages and redirects included) and reads
its robots.txt first.

Fetching runs in parallel; the pipeline (clean, enrich, dedup, store) takes one
feed at a time, so the stages need not be thread-safe, and does its per-article
work in worker processes (:func:`storyline.pipeline.serving_pipeline`: every core,
and the annotators' time budget, which no thread of the server could keep).  When polls have stored
articles, stories are updated (clustering) once nothing is in flight, or at
least every ``cluster_every`` seconds.  A feed that fails, however it fails, is
recorded with its error and backs off; the others go on.  A broken database is
logged loudly and retried on the next tick.

``stop()`` lets no new poll start, abandons those waiting for a turn or a crawl
delay, and waits (up to a timeout) for requests already on the wire.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import httpx

from storyline import settings
from storyline.ingest import Fetcher, IngestOptions
from storyline.ingest.feeds import FeedPoll
from storyline.ingest.robots import Cancelled, Politeness
from storyline.pipeline import Pipeline, Summary, enrich_stored, group, serving_pipeline
from storyline.refresh import STORED, fetch_retries, ingest_poll, poll, record_poll, unexpected
from storyline.scheduler import Clock, SchedulePolicy, iso, utcnow
from storyline.store import Store, StoreError

log = logging.getLogger(__name__)

CATCH_UP = 64  # stored articles awaiting enrichment that one poll catches up, at most

PipelineFactory = Callable[[Store, IngestOptions], Pipeline]


def _enriching(store: Store, options: IngestOptions) -> Pipeline:
    return serving_pipeline(store, options)


@dataclass(frozen=True, slots=True)
class RefreshConfig:
    """How the poller runs; :meth:`from_settings` reads the ``STORYLINE_REFRESH_*`` settings."""

    options: IngestOptions = field(default_factory=IngestOptions)
    policy: SchedulePolicy = field(default_factory=SchedulePolicy)
    workers: int = 4
    per_host: int = 1
    tick: float = 1.0
    cluster_every: float = 60.0
    stories: bool = True
    clock: Clock = utcnow
    pipeline_factory: PipelineFactory = _enriching

    def __post_init__(self) -> None:
        if self.workers < 1 or self.per_host < 1:
            raise ValueError(f"the refresher needs at least one worker and one request per host"
                             f" (workers {self.workers}, per host {self.per_host})")

    @classmethod
    def from_settings(cls, options: IngestOptions | None = None, **overrides: Any) -> RefreshConfig:
        return cls(
            options=options or IngestOptions.from_settings(),
            policy=SchedulePolicy.from_settings(),
            workers=settings.get_int("STORYLINE_REFRESH_WORKERS"),
            per_host=settings.get_int("STORYLINE_REFRESH_PER_HOST"),
            **overrides,
        )


def feed_host(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except (httpx.InvalidURL, TypeError, ValueError):  # an A-label that is no Punycode raises IDNAError
        return ""


class Poller:
    """Polls due feeds in the background (:meth:`start`/:meth:`stop`) or once (:meth:`run_once`)."""

    def __init__(self, store: Store, config: RefreshConfig | None = None) -> None:
        self.store = store
        self.config = config or RefreshConfig.from_settings()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._finished = threading.Event()
        self._politeness = Politeness(self.config.options, per_host=self.config.per_host, stop=self._stop)
        self._fetcher = Fetcher(self.config.options, gate=self._politeness)
        self._executor = ThreadPoolExecutor(max_workers=self.config.workers, thread_name_prefix="storyline-poll")
        self._state = threading.Lock()  # guards the fields below
        self._in_flight: dict[str, str] = {}  # feed URL -> host
        self._futures: set[Future[None]] = set()
        self._unclustered = 0
        self._last_cluster = time.monotonic()
        self._last_catch_up = float("-inf")  # when stored articles awaiting enrichment were last looked for
        self._ingest = threading.Lock()  # the pipeline and the clusterer: one at a time
        self._pipeline: Pipeline | None = None
        self._thread: threading.Thread | None = None
        self.polls = 0  # polls finished, for the curious and the tests

    # -- running ------------------------------------------------------------

    def start(self) -> None:
        """Poll in the background until :meth:`stop`."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="storyline-refresh", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for due feeds now (a feed was added or resumed)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop polling; waits up to ``timeout`` seconds for requests in flight."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._state:
            pending = set(self._futures)
        self._executor.shutdown(wait=False, cancel_futures=True)
        _done, running = wait(pending, timeout=timeout)
        if running:
            log.warning("background refresh: %d polls still running after %g s", len(running), timeout)
        self._fetcher.close()
        self._politeness.close()
        if self._ingest.acquire(timeout=timeout):  # not while a poll still runs it
            try:
                if self._pipeline is not None:
                    self._pipeline.close()  # its worker processes
                    self._pipeline = None
            finally:
                self._ingest.release()

    def run_once(self) -> int:
        """Poll every feed due now (each at most once), within the limits; wait; update stories.

        For a poller that was not started.  Returns how many feeds were polled.
        """
        self._ensure_pipeline()
        seen: set[str] = set()
        while not self._stop.is_set():
            self._finished.clear()
            submitted = self._dispatch(seen)
            with self._state:
                busy = bool(self._in_flight)
            if not busy and not submitted:
                break
            if busy:
                self._finished.wait(0.5)
        self._catch_up_when_idle(force=True)
        self._cluster(force=True)
        return len(seen)

    def _run(self) -> None:
        try:
            self._ensure_pipeline()
        except Exception:
            log.exception("background refresh is off: the ingest pipeline could not be built")
            return
        while not self._stop.is_set():
            try:
                self._dispatch(None)
                self._catch_up_when_idle(force=False)
                self._cluster(force=False)
            except StoreError as exc:
                log.error("background refresh: %s", exc)
            except Exception:
                log.exception("background refresh: unexpected error; trying again")
            self._wake.wait(self.config.tick)
            self._wake.clear()

    # -- the parts --------------------------------------------------------

    def _ensure_pipeline(self) -> Pipeline:
        with self._ingest:
            if self._pipeline is None:
                self._pipeline = self.config.pipeline_factory(self.store, self.config.options)
            return self._pipeline

    def _dispatch(self, seen: set[str] | None) -> int:
        """Hand due feeds to the workers, within the limits; ``seen`` feeds are not polled again."""
        submitted = 0
        for feed in self.store.due_feeds(iso(self.config.clock())):
            url, host = str(feed["url"]), feed_host(str(feed["url"]))
            with self._state:
                if len(self._in_flight) >= self.config.workers or self._stop.is_set():
                    break
                if url in self._in_flight or (seen is not None and url in seen):
                    continue
                if sum(1 for h in self._in_flight.values() if h == host) >= self.config.per_host:
                    continue
                self._in_flight[url] = host
                future = self._executor.submit(self._poll_one, feed)
                self._futures.add(future)
            if seen is not None:
                seen.add(url)
            future.add_done_callback(self._on_done(url))
            submitted += 1
        return submitted

    def _on_done(self, url: str) -> Callable[[Future[None]], None]:
        def done(future: Future[None]) -> None:
            with self._state:
                self._in_flight.pop(url, None)
                self._futures.discard(future)
                self.polls += 1
            self._finished.set()
            self._wake.set()

        return done

    def _poll_one(self, feed: dict[str, Any]) -> None:
        """Poll one feed and ingest it; never raises (one bad feed never stops the others)."""
        url = str(feed["url"])
        try:
            result = poll(feed, self.config.options, self._fetcher)
            result.retries = fetch_retries(self.store, feed, self._fetcher, clock=self.config.clock, polled=result)
            stored = 0
            with self._ingest:
                if self._stop.is_set():
                    return  # not recorded: polled again after a restart
                pipeline = self._ensure_pipeline_locked()
                for outcome in ingest_poll(self.store, pipeline, feed, result, policy=self.config.policy,
                                           clock=self.config.clock):
                    stored += outcome.status in STORED
                    if outcome.status == "skipped":
                        log.info("feed %s: skipped %s: %s", url, outcome.source, outcome.reason)
                stored += self._catch_up(pipeline)
            with self._state:
                self._unclustered += stored
        except Cancelled:
            return
        except StoreError as exc:
            log.error("background refresh of %s: %s", url, exc)
        except Exception as exc:
            log.exception("background refresh of %s failed", url)
            try:
                record_poll(self.store, feed, FeedPoll(status=0), unexpected(exc),
                            0, policy=self.config.policy, clock=self.config.clock)
            except StoreError as store_exc:
                log.error("background refresh of %s: %s", url, store_exc)

    def _catch_up(self, pipeline: Pipeline) -> int:
        """Annotate up to :data:`CATCH_UP` stored articles awaiting enrichment (ingested without
        it, or whose enrichment failed); how many were enriched.  Called under the ingest lock."""
        if pipeline.enrich is None:
            return 0
        summary = enrich_stored(self.store, pipeline=pipeline, stories=False, limit=CATCH_UP)
        for outcome in summary.incomplete:
            log.info("background refresh: enrichment of %s failed again: %s", outcome.source, outcome.retry)
        return summary.counts["enriched"]

    def _catch_up_when_idle(self, *, force: bool) -> None:
        """With no poll in flight (and, unless ``force``, at most every ``cluster_every`` seconds),
        annotate stored articles awaiting enrichment, as after a poll."""
        with self._state:
            busy = bool(self._in_flight)
        if busy or (not force and time.monotonic() - self._last_catch_up < self.config.cluster_every):
            return
        self._last_catch_up = time.monotonic()
        with self._ingest:
            enriched = self._catch_up(self._ensure_pipeline_locked())
        with self._state:
            self._unclustered += enriched

    def _ensure_pipeline_locked(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self.config.pipeline_factory(self.store, self.config.options)
        return self._pipeline

    def _cluster(self, *, force: bool) -> None:
        """Update stories for what the polls stored (see the module docstring for when)."""
        if not self.config.stories:
            return
        with self._state:
            pending, busy = self._unclustered, bool(self._in_flight)
        if not pending or (busy and not force and time.monotonic() - self._last_cluster < self.config.cluster_every):
            return
        with self._ingest:
            with self._state:
                self._unclustered = 0
            self._last_cluster = time.monotonic()
            summary = group(self.store, Summary())
        for error in summary.errors:
            log.error("background refresh: %s", error)
        if summary.grouped is not None:
            log.info("background refresh: %d articles into stories, %d stories changed",
                     summary.grouped["articles"], summary.grouped["stories_changed"])
