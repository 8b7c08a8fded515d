"""Alerts on developments: tell a reader when something they follow gets new coverage.

A reader turns the alert on for a followed story, storyline or person and adds a webhook
(an https address of theirs).  :func:`check_developments` finds, for every such follow, the
articles that arrived since it last looked and queues one delivery per webhook;
:func:`deliver_due` sends what is due as a JSON POST signed with the webhook's secret::

    X-Storyline-Event: development
    X-Storyline-Delivery: <delivery id>
    X-Storyline-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>

A delivery that fails (network error, timeout, HTTP 408, 429 or 5xx) is tried again after
30 s, 2 min, 8 min, 32 min and about 2 h; after :data:`MAX_ATTEMPTS` it is marked failed.
Other 4xx answers and refused addresses fail at once.  Webhooks are sent through the same
guarded client as feed fetches: private and loopback addresses are refused unless
``STORYLINE_ALLOW_PRIVATE`` allows them.  :class:`AlertWorker` runs both steps in the
background of ``storyline serve``; ``storyline alerts`` runs them once (for cron).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from storyline.ingest.fetch import FetchError, guarded_client
from storyline.ingest.options import IngestOptions
from storyline.store import Store, StoreError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = 30.0  # seconds; each later retry waits four times longer
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
SIGNATURE_HEADER = "X-Storyline-Signature-256"
MAX_ARTICLES = 20  # per delivery; the rest are counted


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """True when ``header`` is the signature of ``body`` under ``secret`` (for receivers and tests)."""
    return hmac.compare_digest(sign(secret, body), header or "")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return timedelta(seconds=FIRST_RETRY * 4 ** max(attempts - 1, 0))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class AlertRun:
    """What one run did, for logs and ``storyline alerts --json``."""

    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"queued": self.queued, "delivered": self.delivered, "retrying": self.retrying,
                "failed": self.failed, "errors": list(self.errors)}


def _target(store: Store, kind: str, target_id: str, site: str) -> dict[str, Any] | None:
    """What the follow points at now (merged stories resolve), as the payload names it."""
    if kind == "story":
        story = store.get_story(target_id)
        return {"kind": kind, "id": story.id, "name": story.title, "url": f"{site}/stories/{story.id}"} \
            if story else None
    if kind == "storyline":
        line = store.get_storyline(target_id)
        return {"kind": kind, "id": line.id, "name": line.title, "url": f"{site}/storylines/{line.id}"} \
            if line else None
    entity = store.get_entity(target_id)
    return {"kind": kind, "id": target_id, "name": entity["name"], "url": f"{site}/entities/{target_id}"} \
        if entity else None


def development_payload(store: Store, kind: str, target_id: str, articles: list[dict[str, Any]],
                        site: str) -> dict[str, Any] | None:
    """The JSON a webhook receives for new ``articles`` of a followed thing (None if it is gone)."""
    target = _target(store, kind, target_id, site)
    if target is None:
        return None
    shown = articles[:MAX_ARTICLES]
    return {
        "event": "development",
        "sent_at": _stamp(datetime.now(UTC)),
        "follow": target,
        "new_articles": len(articles),
        "articles": [{"id": a["id"], "title": a["title"], "headline": a["headline"], "publisher": a["publisher"], "published": a["published"],
                      "url": a["url"], "reader_url": f"{site}/articles/{a['id']}"} for a in shown],
        "feed": f"{site}/developments/{kind}/{target_id}/feed.atom",
    }


def check_developments(store: Store, run: AlertRun | None = None) -> AlertRun:
    """Queue a delivery for every alerted follow with new articles since its cursor."""
    run = run or AlertRun()
    sites = {hook["user_id"]: hook["site_url"] for hook in store.list_webhooks()}
    for follow in store.alerted_follows():
        user, kind, target = str(follow["user_id"]), str(follow["kind"]), str(follow["target_id"])
        try:
            if follow["cursor"] is None:
                store.start_cursor(user, kind, target)  # alerts count from when they were set up
                continue
            fresh = store.developments(kind, target, after=int(follow["cursor"]), limit=200)
            if not fresh:
                continue
            payload = development_payload(store, kind, target, fresh, sites.get(user, ""))
            newest = max(int(a["arrival"]) for a in fresh)
            if payload is None:  # the story or person is gone: nothing to tell, move on
                store.move_cursor(user, kind, target, newest)
                continue
            run.queued += len(store.queue_development(user, kind, target, newest, payload))
        except (StoreError, ValueError) as exc:  # one follow must not stop the others
            run.errors.append(f"{kind} {target}: {exc}")
            log.warning("alert check failed for %s %s: %s", kind, target, exc)
    return run


def deliver(client: httpx.Client, delivery: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """POST one delivery; (outcome, HTTP status, error) with outcome delivered, retry or failed."""
    body = str(delivery["payload"]).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Storyline-Event": "development",
               "X-Storyline-Delivery": str(delivery["id"]), SIGNATURE_HEADER: sign(str(delivery["secret"]), body)}
    try:
        response = client.post(str(delivery["url"]), content=body, headers=headers)
    except FetchError as exc:
        return "failed", None, exc.reason
    except httpx.TimeoutException:
        return "retry", None, "timed out"
    except httpx.HTTPError as exc:
        return "retry", None, f"network error: {exc}"
    status = response.status_code
    if 200 <= status < 300:
        return "delivered", status, None
    if status in RETRY_STATUSES:
        return "retry", status, f"HTTP {status}"
    return "failed", status, f"HTTP {status} (not retried)"


def deliver_due(store: Store, options: IngestOptions, run: AlertRun | None = None,
                at: datetime | None = None) -> AlertRun:
    """Send every delivery due at ``at`` (default now), recording each attempt."""
    run = run or AlertRun()
    moment = at or datetime.now(UTC)
    due = store.due_deliveries(_stamp(moment))
    if not due:
        return run
    with guarded_client(options) as client:
        for delivery in due:
            outcome, status, error = deliver(client, delivery)
            attempts = int(delivery["attempts"]) + 1
            if outcome == "retry" and attempts >= MAX_ATTEMPTS:
                outcome, error = "failed", f"{error}; gave up after {attempts} attempts"
            if outcome == "delivered":
                run.delivered += 1
                store.record_attempt(str(delivery["id"]), status="delivered", http_status=status, error=None,
                                     next_attempt_at=None)
            elif outcome == "retry":
                run.retrying += 1
                store.record_attempt(str(delivery["id"]), status="pending", http_status=status, error=error,
                                     next_attempt_at=_stamp(moment + backoff(attempts)))
            else:
                run.failed += 1
                store.record_attempt(str(delivery["id"]), status="failed", http_status=status, error=error,
                                     next_attempt_at=None)
    for user in {str(d["user_id"]) for d in due}:
        store.prune_deliveries(user)
    return run


def run_alerts(store: Store, options: IngestOptions, at: datetime | None = None) -> AlertRun:
    """One round: queue new developments, then send what is due."""
    run = check_developments(store)
    return deliver_due(store, options, run, at)


class AlertWorker:
    """Runs :func:`run_alerts` every ``interval`` seconds in a thread until stopped."""

    def __init__(self, store: Store, options: IngestOptions, interval: float = 60.0) -> None:
        self.store = store
        self.options = options
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="storyline-alerts", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                run = run_alerts(self.store, self.options)
                if run.queued or run.delivered or run.failed:
                    log.info("alerts: %s", run.to_dict())
            except Exception as exc:  # the worker must outlive a bad round
                log.warning("alerts round failed: %s", exc)
