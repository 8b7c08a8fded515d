"""Subscribed feeds: subscriptions, the outcome of each poll, and when each is next due.

``error_count`` counts consecutive errors (a good poll resets it).  The
schedule columns (migration 9) are written by the refresher together with the
outcome of a poll, in one statement: ``next_due`` (NULL: due now),
``interval_seconds`` (NULL: the configured first interval) and ``stopped_at``
(set when repeated errors stopped the feed, cleared by :meth:`resume_feed`).
"""

from __future__ import annotations

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
            result = conn.execute(text("DELETE FROM feeds WHERE url = :u"), {"u": url})
        return bool(result.rowcount)

    def list_feeds(self) -> list[dict[str, Any]]:
        with self.transaction("list feeds") as conn:
            rows = conn.execute(text("SELECT * FROM feeds ORDER BY added_at, url")).fetchall()
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
