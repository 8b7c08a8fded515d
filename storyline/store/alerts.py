"""Storage for alerts on developments: webhooks, what each alert has seen, and the delivery log.

A *development* of a followed story, storyline or person is an article (not a duplicate)
that arrived after the alert last looked; ``articles.arrival`` orders arrivals, so an
alert's cursor is one number.  Deliveries are queued rows that a worker sends, retries
with backoff and marks delivered or failed.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from storyline.store.base import StoreBase, now
from storyline.store.reader import stamp_reader

MAX_WEBHOOKS = 10  # per user
DELIVERY_LOG = 50  # deliveries kept per user, newest first (older delivered ones are pruned)

_DEVELOPMENT_SELECT = (
    "SELECT a.id, a.title, a.headline, a.publisher, a.published, a.url, a.arrival FROM articles a"
)
_DEVELOPMENT_SCOPE = {
    "story": " JOIN story_articles sa ON sa.article_id = a.id WHERE sa.story_id = :target",
    "storyline": (" JOIN story_articles sa ON sa.article_id = a.id JOIN stories s ON s.id = sa.story_id"
                  " WHERE s.storyline_id = :target"),
    "entity": (" WHERE a.id IN (SELECT article_id FROM article_entities WHERE entity_id = :target)"),
}


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class AlertQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    # -- webhooks ---------------------------------------------------------------------------

    def add_webhook(self, user_id: str, url: str, site_url: str) -> dict[str, Any]:
        """A new webhook for ``user_id`` with a fresh signing secret; ValueError past the limit."""
        hook = {"id": secrets.token_hex(8), "user_id": user_id, "url": url, "secret": secrets.token_hex(24),
                "site_url": site_url.rstrip("/"), "created_at": now()}
        with self.transaction(f"add a webhook for {user_id}") as conn:
            count = conn.execute(text("SELECT count(*) FROM webhooks WHERE user_id = :u"), {"u": user_id}).scalar_one()
            if int(count) >= MAX_WEBHOOKS:
                raise ValueError(f"at most {MAX_WEBHOOKS} webhooks per reader")
            conn.execute(text("INSERT INTO webhooks (id, user_id, url, secret, site_url, created_at)"
                              " VALUES (:id, :user_id, :url, :secret, :site_url, :created_at)"), hook)
            stamp_reader(conn, user_id)
        return hook

    def list_webhooks(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """One user's webhooks (every user's with None), oldest first."""
        sql = "SELECT * FROM webhooks" + (" WHERE user_id = :u" if user_id is not None else "")
        with self.transaction("list webhooks") as conn:
            return _rows(conn.execute(text(sql + " ORDER BY created_at, id"), {"u": user_id}))

    def delete_webhook(self, user_id: str, webhook_id: str) -> bool:
        with self.transaction(f"delete webhook {webhook_id}") as conn:
            conn.execute(text("DELETE FROM deliveries WHERE webhook_id = :w AND user_id = :u"),
                         {"w": webhook_id, "u": user_id})
            result = conn.execute(text("DELETE FROM webhooks WHERE id = :w AND user_id = :u"),
                                  {"w": webhook_id, "u": user_id})
            if result.rowcount:
                stamp_reader(conn, user_id)
        return bool(result.rowcount)

    # -- alerts on follows --------------------------------------------------------------------

    def set_alert(self, user_id: str, kind: str, target_id: str, on: bool) -> bool:
        """Turn the alert on a follow on or off (False when there is no such follow).  Turning
        it on starts from now: what arrived before is not a development."""
        with self.transaction(f"set the alert on {kind} {target_id}") as conn:
            result = conn.execute(text("UPDATE follows SET alert = :on WHERE user_id = :u AND kind = :k"
                                       " AND target_id = :t"), {"on": 1 if on else 0, "u": user_id, "k": kind,
                                                                "t": target_id})
            if result.rowcount:
                stamp_reader(conn, user_id)
            if result.rowcount and on:
                self._set_cursor(conn, user_id, kind, target_id, self._newest_arrival(conn))
        return bool(result.rowcount)

    def alerted_follows(self) -> list[dict[str, Any]]:
        """Follows with their alert on, of users who have a webhook, with each one's cursor."""
        with self.transaction("list alerted follows") as conn:
            return _rows(conn.execute(text(
                "SELECT f.user_id, f.kind, f.target_id, c.arrival AS cursor FROM follows f"
                " LEFT JOIN alert_cursors c ON c.user_id = f.user_id AND c.kind = f.kind"
                " AND c.target_id = f.target_id"
                " WHERE f.alert = 1 AND f.user_id IN (SELECT user_id FROM webhooks)"
                " ORDER BY f.user_id, f.kind, f.target_id")))

    def developments(self, kind: str, target_id: str, *, after: int = 0, limit: int = 50,
                     newest_first: bool = False) -> list[dict[str, Any]]:
        """Articles (not duplicates) of a story, storyline or entity that arrived after ``after``."""
        scope = _DEVELOPMENT_SCOPE.get(kind)
        if scope is None:
            raise ValueError(f"no developments for a {kind!r}")
        order = "DESC" if newest_first else ""
        sql = (_DEVELOPMENT_SELECT + scope + " AND a.duplicate_of IS NULL AND a.arrival > :after"
               f" ORDER BY a.arrival {order} LIMIT :limit")
        with self.transaction(f"list developments of {kind} {target_id}") as conn:
            return _rows(conn.execute(text(sql), {"target": target_id, "after": after, "limit": limit}))

    def newest_arrival(self) -> int:
        with self.transaction("read the newest arrival") as conn:
            return self._newest_arrival(conn)

    def queue_development(self, user_id: str, kind: str, target_id: str, cursor: int,
                          payload: dict[str, Any]) -> list[str]:
        """Queue one delivery of ``payload`` per webhook of the user and move the cursor, in one
        transaction (a development is queued once).  Returns the delivery ids."""
        stamp = now()
        created = datetime.now(UTC).isoformat(timespec="microseconds")  # orders the log within a second
        ids = []
        with self.transaction(f"queue a development of {kind} {target_id}") as conn:
            hooks = conn.execute(text("SELECT id FROM webhooks WHERE user_id = :u ORDER BY id"),
                                 {"u": user_id}).scalars().all()
            for hook in hooks:
                delivery = secrets.token_hex(8)
                body = json.dumps(payload | {"delivery": delivery}, ensure_ascii=False)
                conn.execute(text(
                    "INSERT INTO deliveries (id, webhook_id, user_id, kind, target_id, payload, status, attempts,"
                    " next_attempt_at, created_at) VALUES (:id, :w, :u, :k, :t, :p, 'pending', 0, :at, :created)"),
                    {"id": delivery, "w": hook, "u": user_id, "k": kind, "t": target_id, "p": body, "at": stamp,
                     "created": created})
                ids.append(delivery)
            self._set_cursor(conn, user_id, kind, target_id, cursor)
        return ids

    def move_cursor(self, user_id: str, kind: str, target_id: str, arrival: int) -> None:
        with self.transaction(f"move the alert cursor of {kind} {target_id}") as conn:
            self._set_cursor(conn, user_id, kind, target_id, arrival)

    def start_cursor(self, user_id: str, kind: str, target_id: str) -> None:
        with self.transaction(f"start the alert cursor of {kind} {target_id}") as conn:
            self._set_cursor(conn, user_id, kind, target_id, self._newest_arrival(conn))

    def _newest_arrival(self, conn: Connection) -> int:
        return int(conn.execute(text("SELECT coalesce(max(arrival), 0) FROM articles")).scalar_one())

    def _set_cursor(self, conn: Connection, user_id: str, kind: str, target_id: str, arrival: int) -> None:
        conn.execute(text(
            "INSERT INTO alert_cursors (user_id, kind, target_id, arrival) VALUES (:u, :k, :t, :a)"
            " ON CONFLICT (user_id, kind, target_id) DO UPDATE SET arrival = excluded.arrival"),
            {"u": user_id, "k": kind, "t": target_id, "a": arrival})

    # -- deliveries -----------------------------------------------------------------------------

    def due_deliveries(self, at: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Pending deliveries whose next attempt is due at ``at``, with their webhook's address and secret."""
        with self.transaction("list due deliveries") as conn:
            return _rows(conn.execute(text(
                "SELECT d.*, w.url, w.secret FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id"
                " WHERE d.status = 'pending' AND d.next_attempt_at <= :at ORDER BY d.next_attempt_at, d.id"
                " LIMIT :n"), {"at": at, "n": limit}))

    def record_attempt(self, delivery_id: str, *, status: str, http_status: int | None, error: str | None,
                       next_attempt_at: str | None) -> None:
        """One attempt's outcome: ``status`` is delivered, pending (to retry at ``next_attempt_at``) or failed."""
        stamp = now()
        with self.transaction(f"record delivery {delivery_id}") as conn:
            conn.execute(text(
                "UPDATE deliveries SET status = :s, attempts = attempts + 1, last_status = :h, last_error = :e,"
                " next_attempt_at = :n, last_attempt_at = :at, delivered_at = coalesce(:done, delivered_at)"
                " WHERE id = :id"),
                {"s": status, "h": http_status, "e": error, "n": next_attempt_at, "at": stamp,
                 "done": stamp if status == "delivered" else None, "id": delivery_id})

    def list_deliveries(self, user_id: str, *, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
        """The user's delivery log, newest first: without payloads, but with what each was about
        (``about``: the followed thing's name) and how many new articles it told of."""
        with self.transaction(f"list deliveries of {user_id}") as conn:
            rows = _rows(conn.execute(text(
                "SELECT d.id, d.webhook_id, w.url, d.kind, d.target_id, d.status, d.attempts, d.last_status,"
                " d.last_error, d.created_at, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.payload"
                " FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.user_id = :u"
                " ORDER BY d.created_at DESC, d.id DESC LIMIT :n OFFSET :o"), {"u": user_id, "n": limit, "o": offset}))
        for row in rows:
            payload = json.loads(row.pop("payload") or "{}")
            row["about"] = (payload.get("follow") or {}).get("name") or row["target_id"]
            row["new_articles"] = payload.get("new_articles")
        return rows

    def count_deliveries(self, user_id: str) -> int:
        with self.transaction(f"count deliveries of {user_id}") as conn:
            return int(conn.execute(text("SELECT count(*) FROM deliveries WHERE user_id = :u"),
                                    {"u": user_id}).scalar_one())

    def get_delivery(self, delivery_id: str) -> dict[str, Any] | None:
        with self.transaction(f"fetch delivery {delivery_id}") as conn:
            row = conn.execute(text("SELECT * FROM deliveries WHERE id = :id"), {"id": delivery_id}).first()
        return dict(row._mapping) if row is not None else None

    def prune_deliveries(self, user_id: str, keep: int = DELIVERY_LOG) -> int:
        """Forget finished deliveries beyond the newest ``keep`` of a user."""
        with self.transaction(f"prune deliveries of {user_id}") as conn:
            old = conn.execute(text(
                "SELECT id FROM deliveries WHERE user_id = :u AND status <> 'pending'"
                " ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET :k" if self.dialect == "sqlite" else
                "SELECT id FROM deliveries WHERE user_id = :u AND status <> 'pending'"
                " ORDER BY created_at DESC, id DESC OFFSET :k"), {"u": user_id, "k": keep}).scalars().all()
            for delivery in old:
                conn.execute(text("DELETE FROM deliveries WHERE id = :id"), {"id": delivery})
        return len(old)
