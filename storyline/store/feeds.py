"""Subscribed feeds: subscriptions, the outcome of each poll, and when each is next due.

``error_count`` counts consecutive errors (a good poll resets it).  The
schedule columns (migration 9) are written by the refresher together with the
outcome of a poll, in one statement: ``next_due`` (NULL: due now),
``interval_seconds`` (NULL: the configured first interval) and ``stopped_at``
(set when repeated errors stopped the feed, cleared by :meth:`resume_feed`).

Entries kept with the feed's summary because their page could not be fetched
are marked in ``summary_only_entries`` (migration 24) and their page is tried
again, with backing off, until it is stored or the retries give up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from storyline.store.base import StoreBase, now


@dataclass(frozen=True, slots=True)
class FeedSchedule:
    """What the scheduler decided after a poll; times are ISO 8601 in UTC."""

    next_due: str | None
    interval_seconds: int
    stopped_at: str | None = None


@dataclass(frozen=True, slots=True)
class SummaryOnly:
    """A feed entry stored with its summary, whose full page is to be fetched again."""

    article_id: str
    feed_url: str
    page_url: str | None
    given: dict[str, Any]
    reason: str
    attempts: int
    next_try: str | None


def _summary_only(row: Any) -> SummaryOnly:
    values = row._mapping
    return SummaryOnly(
        article_id=values["article_id"], feed_url=values["feed_url"], page_url=values["page_url"],
        given=json.loads(values["given"]), reason=values["reason"], attempts=int(values["attempts"]),
        next_try=values["next_try"],
    )


class FeedQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    def add_feed(self, url: str, title: str | None = None, site_url: str | None = None,
                 category: str | None = None) -> bool:
        """Subscribe to a feed; False if it was already there (also when another writer
        added it at the same moment: one statement, no check before).  ``category`` is its
        folder; a feed already there keeps its own unless it had none."""
        with self.transaction(f"add feed {url}") as conn:
            result = conn.execute(
                text("INSERT INTO feeds (url, title, site_url, category, added_at) VALUES (:u, :t, :s, :c, :a)"
                     " ON CONFLICT (url) DO NOTHING"),
                {"u": url, "t": title, "s": site_url, "c": category, "a": now()},
            )
            if not result.rowcount and category:
                conn.execute(text("UPDATE feeds SET category = :c WHERE url = :u AND category IS NULL"),
                             {"u": url, "c": category})
        return bool(result.rowcount)

    def set_feed_category(self, url: str, category: str | None) -> bool:
        """Move a feed into the folder ``category`` (None: out of any folder)."""
        with self.transaction(f"set the category of feed {url}") as conn:
            result = conn.execute(text("UPDATE feeds SET category = :c WHERE url = :u"),
                                  {"u": url, "c": category or None})
        return bool(result.rowcount)

    def remove_feed(self, url: str) -> bool:
        with self.transaction(f"remove feed {url}") as conn:
            conn.execute(text("DELETE FROM summary_only_entries WHERE feed_url = :u"), {"u": url})
            result = conn.execute(text("DELETE FROM feeds WHERE url = :u"), {"u": url})
        return bool(result.rowcount)

    def list_feeds(self) -> list[dict[str, Any]]:
        """Every feed, with ``summary_only``: how many of its entries are stored with their summary only."""
        with self.transaction("list feeds") as conn:
            rows = conn.execute(text(
                "SELECT feeds.*, (SELECT COUNT(*) FROM summary_only_entries s WHERE s.feed_url = feeds.url)"
                " AS summary_only FROM feeds ORDER BY added_at, url")).fetchall()
        return [dict(row._mapping) for row in rows]

    def get_feed(self, url: str) -> dict[str, Any] | None:
        with self.transaction(f"fetch feed {url}") as conn:
            row = conn.execute(text("SELECT * FROM feeds WHERE url = :u"), {"u": url}).first()
        return dict(row._mapping) if row is not None else None

    def due_feeds(self, at: str) -> list[dict[str, Any]]:
        """Feeds not stopped whose next poll is due at ``at`` (never polled ones first)."""
        with self.transaction("list due feeds") as conn:
            rows = conn.execute(
                text("SELECT * FROM feeds WHERE stopped_at IS NULL AND (next_due IS NULL OR next_due <= :at)"
                     " ORDER BY next_due IS NOT NULL, next_due, added_at, url"),
                {"at": at},
            ).fetchall()
        return [dict(row._mapping) for row in rows]

    def resume_feed(self, url: str) -> bool:
        """Poll a stopped feed again, at once, with its error count reset; False if unknown."""
        with self.transaction(f"resume feed {url}") as conn:
            result = conn.execute(
                text("UPDATE feeds SET stopped_at = NULL, error_count = 0, next_due = NULL WHERE url = :u"),
                {"u": url},
            )
        return bool(result.rowcount)

    def record_feed_fetch(
        self,
        url: str,
        *,
        status: str,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        new_articles: int = 0,
        fetched_at: str | None = None,
        schedule: FeedSchedule | None = None,
    ) -> None:
        """Remember the outcome of polling a feed (validators, errors, counts) and, given
        a ``schedule``, when to poll it next, in one statement."""
        sets = [
            "last_fetched = :t", "last_status = :s", "last_error = :e",
            "error_count = CASE WHEN :failed = 1 THEN error_count + 1 ELSE 0 END",
            "etag = COALESCE(:etag, etag)", "last_modified = COALESCE(:lm, last_modified)",
            "title = COALESCE(title, :title)", "article_count = article_count + :n",
        ]
        params: dict[str, Any] = {
            "t": fetched_at or now(), "s": status, "e": error, "failed": int(error is not None), "etag": etag,
            "lm": last_modified, "title": title, "n": new_articles, "u": url,
        }
        if schedule is not None:
            sets += ["next_due = :next_due", "interval_seconds = :interval", "stopped_at = :stopped_at"]
            params.update(next_due=schedule.next_due, interval=schedule.interval_seconds,
                          stopped_at=schedule.stopped_at)
        with self.transaction(f"record fetch of feed {url}") as conn:
            conn.execute(text(f"UPDATE feeds SET {', '.join(sets)} WHERE url = :u"), params)

    # -- entries stored with the feed's summary ------------------------------

    def mark_summary_only(
        self, article_id: str, feed_url: str, page_url: str | None, given: dict[str, Any], reason: str,
        next_try: str | None,
    ) -> None:
        """Mark a stored article as its feed entry's summary; a mark already there keeps its retries."""
        with self.transaction(f"mark article {article_id} summary-only") as conn:
            conn.execute(
                text("INSERT INTO summary_only_entries"
                     " (article_id, feed_url, page_url, given, reason, attempts, next_try, added_at)"
                     " VALUES (:a, :f, :p, :g, :r, 0, :n, :t)"
                     " ON CONFLICT (article_id) DO UPDATE SET feed_url = excluded.feed_url,"
                     " page_url = excluded.page_url, given = excluded.given, reason = excluded.reason"),
                {"a": article_id, "f": feed_url, "p": page_url, "g": json.dumps(given, ensure_ascii=False),
                 "r": reason, "n": next_try, "t": now()},
            )

    def summary_only(self, article_id: str) -> SummaryOnly | None:
        with self.transaction(f"fetch the summary-only mark of article {article_id}") as conn:
            row = conn.execute(
                text("SELECT * FROM summary_only_entries WHERE article_id = :a"), {"a": article_id}).first()
        return _summary_only(row) if row is not None else None

    def summary_only_due(self, feed_url: str, at: str, limit: int) -> list[SummaryOnly]:
        """The summary-only entries of a feed whose page is due to be fetched again at ``at``."""
        with self.transaction(f"list summary-only entries of feed {feed_url} due again") as conn:
            rows = conn.execute(
                text("SELECT * FROM summary_only_entries WHERE feed_url = :f AND page_url IS NOT NULL"
                     " AND next_try IS NOT NULL AND next_try <= :at ORDER BY next_try, article_id LIMIT :n"),
                {"f": feed_url, "at": at, "n": limit},
            ).fetchall()
        return [_summary_only(row) for row in rows]

    def summary_only_count(self, feed_url: str) -> int:
        with self.transaction(f"count summary-only entries of feed {feed_url}") as conn:
            value = conn.execute(
                text("SELECT COUNT(*) FROM summary_only_entries WHERE feed_url = :f"), {"f": feed_url}).scalar()
        return int(value or 0)

    def page_retry_failed(self, article_id: str, reason: str, next_try: str | None) -> None:
        """Record a failed retry of an entry's page; ``next_try`` None: the retries give up."""
        with self.transaction(f"record a failed page retry of article {article_id}") as conn:
            conn.execute(
                text("UPDATE summary_only_entries SET attempts = attempts + 1, reason = :r, next_try = :n"
                     " WHERE article_id = :a"),
                {"a": article_id, "r": reason, "n": next_try},
            )

    def clear_summary_only(self, article_id: str) -> None:
        """The full page of the entry is stored: it is summary-only no more."""
        with self.transaction(f"clear the summary-only mark of article {article_id}") as conn:
            conn.execute(text("DELETE FROM summary_only_entries WHERE article_id = :a"), {"a": article_id})
