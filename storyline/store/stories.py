"""Storing stories and storylines.

A story row holds its headline facts in columns (for listing and ranking) and
the rest of what a story shows (people, timeline, quotes by speaker, outlets,
related stories) as one JSON document in ``data``, written whole whenever the
story is rebuilt.  Both are read back as one :class:`~storyline.stories.types.Story`
(and a storyline as a :class:`~storyline.stories.types.Storyline`).  Merged ids redirect through ``story_redirects``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from storyline.store.base import StoreBase, now
from storyline.stories.types import Story, Storyline

_STORY_COLUMNS = frozenset({"id", "title", "summary", "storyline_id", "first_seen", "last_updated",
                            "article_count", "outlet_count"})
_STORYLINE_COLUMNS = frozenset({"id", "title", "first_seen", "last_updated", "story_count", "article_count"})


def _record(row: Any) -> dict[str, Any]:
    record = dict(row._mapping)
    data = json.loads(record.pop("data") or "{}")
    record.pop("updated_at", None)
    return {**data, **record}


def _story_from_row(row: Any) -> Story:
    return Story.from_dict(_record(row))


def _storyline_from_row(row: Any) -> Storyline:
    return Storyline.from_dict(_record(row))


class StoryQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    def save_story(self, conn: Connection, story: Story) -> None:
        """Write one story: its headline facts in columns, the rest in ``data``; its members
        (articles and their copies) in ``story_articles``."""
        data = {k: v for k, v in story.to_dict().items() if k not in _STORY_COLUMNS and k != "dated"}
        conn.execute(
            text("INSERT INTO stories (id, title, summary, storyline_id, first_seen, last_updated,"
                 " article_count, outlet_count, data, updated_at)"
                 " VALUES (:id, :title, :summary, :storyline_id, :first_seen, :last_updated, :n, :o, :data, :t)"
                 " ON CONFLICT (id) DO UPDATE SET title = excluded.title, summary = excluded.summary,"
                 " storyline_id = excluded.storyline_id, first_seen = excluded.first_seen,"
                 " last_updated = excluded.last_updated, article_count = excluded.article_count,"
                 " outlet_count = excluded.outlet_count, data = excluded.data, updated_at = excluded.updated_at"),
            {"id": story.id, "title": story.title, "summary": story.summary,
             "storyline_id": story.storyline_id, "first_seen": story.first_seen,
             "last_updated": story.last_updated, "n": story.article_count,
             "o": story.outlet_count, "data": json.dumps(data, ensure_ascii=False), "t": now()},
        )
        conn.execute(text("DELETE FROM story_articles WHERE story_id = :id"), {"id": story.id})
        members = story.members
        if members:
            conn.execute(
                text("INSERT INTO story_articles (article_id, story_id) VALUES (:a, :s)"
                     " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id"),
                [{"a": a, "s": story.id} for a in members],
            )

    def delete_story(self, conn: Connection, story_id: str, redirect_to: str | None = None) -> None:
        conn.execute(text("DELETE FROM stories WHERE id = :id"), {"id": story_id})
        if redirect_to:
            self.save_redirect(conn, story_id, redirect_to, "story")

    def save_redirect(self, conn: Connection, old_id: str, new_id: str, kind: str) -> None:
        conn.execute(
            text("INSERT INTO story_redirects (old_id, new_id, kind) VALUES (:o, :n, :k)"
                 " ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id"),
            {"o": old_id, "n": new_id, "k": kind},
        )

    def resolve_redirect(self, conn: Connection, some_id: str) -> str:
        """Follow merge redirects to the surviving id (cycles are cut)."""
        seen = {some_id}
        current = some_id
        while True:
            target = conn.execute(
                text("SELECT new_id FROM story_redirects WHERE old_id = :o"), {"o": current}
            ).scalar()
            if target is None or target in seen:
                return current
            seen.add(target)
            current = str(target)

    def get_story(self, story_id: str) -> Story | None:
        """A story by id; merged ids redirect (the result's ``id`` is the surviving one)."""
        with self.transaction(f"fetch story {story_id}") as conn:
            resolved = self.resolve_redirect(conn, story_id)
            row = conn.execute(text("SELECT * FROM stories WHERE id = :id"), {"id": resolved}).first()
        return _story_from_row(row) if row else None

    def list_stories(self, *, limit: int = 50, storyline_id: str | None = None) -> list[Story]:
        """Stories, newest developments first."""
        sql = "SELECT * FROM stories"
        params: dict[str, Any] = {"limit": limit}
        if storyline_id is not None:
            sql += " WHERE storyline_id = :sl"
            params["sl"] = storyline_id
        sql += " ORDER BY last_updated IS NULL, last_updated DESC, article_count DESC, id LIMIT :limit"
        with self.transaction("list stories") as conn:
            rows = conn.execute(text(sql), params).fetchall()
        return [_story_from_row(row) for row in rows]

    def story_of_article(self, article_id: str) -> str | None:
        with self.transaction(f"find the story of {article_id}") as conn:
            value = conn.execute(
                text("SELECT story_id FROM story_articles WHERE article_id = :a"), {"a": article_id}
            ).scalar()
        return str(value) if value else None

    def save_storyline(self, conn: Connection, storyline: Storyline) -> None:
        """Write one storyline: its headline facts in columns, the rest in ``data``."""
        data = {k: v for k, v in storyline.to_dict().items() if k not in _STORYLINE_COLUMNS and k != "dated"}
        conn.execute(
            text("INSERT INTO storylines (id, title, first_seen, last_updated, story_count, article_count,"
                 " data, updated_at) VALUES (:id, :title, :f, :l, :s, :a, :data, :t)"
                 " ON CONFLICT (id) DO UPDATE SET title = excluded.title, first_seen = excluded.first_seen,"
                 " last_updated = excluded.last_updated, story_count = excluded.story_count,"
                 " article_count = excluded.article_count, data = excluded.data, updated_at = excluded.updated_at"),
            {"id": storyline.id, "title": storyline.title, "f": storyline.first_seen,
             "l": storyline.last_updated, "s": storyline.story_count,
             "a": storyline.article_count, "data": json.dumps(data, ensure_ascii=False), "t": now()},
        )

    def get_storyline(self, storyline_id: str) -> Storyline | None:
        with self.transaction(f"fetch storyline {storyline_id}") as conn:
            resolved = self.resolve_redirect(conn, storyline_id)
            row = conn.execute(text("SELECT * FROM storylines WHERE id = :id"), {"id": resolved}).first()
        return _storyline_from_row(row) if row else None

    def list_storylines(self, *, limit: int = 50) -> list[Storyline]:
        with self.transaction("list storylines") as conn:
            rows = conn.execute(
                text("SELECT * FROM storylines ORDER BY last_updated IS NULL, last_updated DESC, id LIMIT :n"),
                {"n": limit},
            ).fetchall()
        return [_storyline_from_row(row) for row in rows]

    # -- membership -----------------------------------------------------------

    def unassigned_article_ids(self) -> list[str]:
        """Articles in no story yet, in stream order: by publication day, undated ones
        by the day they were first stored, after the dated ones.  Within a day the order
        is by content hash, not by arrival, so the stories do not depend on the order in
        which an archive was read."""
        with self.transaction("list articles not in a story") as conn:
            rows = conn.execute(text(
                "SELECT a.id FROM articles a LEFT JOIN story_articles s ON s.article_id = a.id"
                " WHERE s.article_id IS NULL"
                " ORDER BY a.published IS NULL, substr(a.published, 1, 10), substr(a.ingested_at, 1, 10),"
                " a.content_hash, a.id"
            )).fetchall()
        return [row[0] for row in rows]

    def story_members(self, conn: Connection, story_id: str) -> list[str]:
        rows = conn.execute(
            text("SELECT s.article_id FROM story_articles s JOIN articles a ON a.id = s.article_id"
                 " WHERE s.story_id = :id ORDER BY a.published IS NULL, a.published, a.arrival, a.id"),
            {"id": story_id},
        ).fetchall()
        return [row[0] for row in rows]

    def assign_article(self, conn: Connection, article_id: str, story_id: str) -> None:
        conn.execute(
            text("INSERT INTO story_articles (article_id, story_id) VALUES (:a, :s)"
                 " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id"),
            {"a": article_id, "s": story_id},
        )

    def merge_story(self, conn: Connection, old_id: str, new_id: str) -> None:
        """Move every article of ``old_id`` into ``new_id``; the old id redirects.

        The survivor is marked for rebuilding, and so is the storyline the old story was
        shown in (it must drop the old story)."""
        line = self.storyline_of_story(conn, old_id)
        conn.execute(text("UPDATE story_articles SET story_id = :n WHERE story_id = :o"), {"n": new_id, "o": old_id})
        self.delete_story(conn, old_id, redirect_to=new_id)
        self.unmark_for_rebuild(conn, "story", old_id)
        self.mark_for_rebuild(conn, "story", [new_id])
        if line:
            self.mark_for_rebuild(conn, "storyline", [line])

    def merge_storyline(self, conn: Connection, old_id: str, new_id: str) -> None:
        """Move every story of storyline ``old_id`` into ``new_id``; the old id redirects
        and the survivor is marked for rebuilding."""
        conn.execute(text("UPDATE stories SET storyline_id = :n, updated_at = :t WHERE storyline_id = :o"),
                     {"n": new_id, "o": old_id, "t": now()})
        self.delete_storyline(conn, old_id, redirect_to=new_id)
        self.mark_for_rebuild(conn, "storyline", [new_id])

    def delete_storyline(self, conn: Connection, storyline_id: str, redirect_to: str | None = None) -> None:
        conn.execute(text("DELETE FROM storylines WHERE id = :id"), {"id": storyline_id})
        self.unmark_for_rebuild(conn, "storyline", storyline_id)
        if redirect_to:
            self.save_redirect(conn, storyline_id, redirect_to, "storyline")

    def storyline_of_story(self, conn: Connection, story_id: str) -> str | None:
        """The storyline a story's stored form is shown in (None when there is no such row)."""
        value = conn.execute(text("SELECT storyline_id FROM stories WHERE id = :id"), {"id": story_id}).scalar()
        return str(value) if value else None

    # -- what a grouping run has left to rebuild -------------------------------------------

    def mark_for_rebuild(self, conn: Connection, kind: str, ids: list[str]) -> None:
        """Note, in the caller's transaction, that these stories or storylines (``kind``)
        must be rebuilt from their members."""
        if ids:
            conn.execute(
                text("INSERT INTO stories_to_rebuild (kind, id) VALUES (:k, :id) ON CONFLICT (kind, id) DO NOTHING"),
                [{"k": kind, "id": some_id} for some_id in dict.fromkeys(ids)],
            )

    def unmark_for_rebuild(self, conn: Connection, kind: str, some_id: str) -> None:
        conn.execute(text("DELETE FROM stories_to_rebuild WHERE kind = :k AND id = :id"), {"k": kind, "id": some_id})

    def marked_for_rebuild(self, kind: str) -> list[str]:
        """The stories or storylines (``kind``) waiting to be rebuilt, in id order."""
        with self.transaction(f"list the {kind} views to rebuild") as conn:
            rows = conn.execute(text("SELECT id FROM stories_to_rebuild WHERE kind = :k ORDER BY id"),
                                {"k": kind}).fetchall()
        return [row[0] for row in rows]

    def ingest_dates(self, conn: Connection, article_ids: list[str]) -> dict[str, str]:
        """When each article was first ingested (ISO timestamps)."""
        dates: dict[str, str] = {}
        for chunk in range(0, len(article_ids), 500):
            ids = article_ids[chunk : chunk + 500]
            params = {f"i{n}": value for n, value in enumerate(ids)}
            marks = ", ".join(f":i{n}" for n in range(len(ids)))
            for row in conn.execute(text(f"SELECT id, ingested_at FROM articles WHERE id IN ({marks})"), params):
                dates[row[0]] = row[1]
        return dates

    def clear_stories(self, conn: Connection) -> None:
        """Forget every story and storyline (before clustering again from scratch)."""
        for table in ("story_articles", "stories", "storylines", "story_redirects", "stories_to_rebuild"):
            conn.execute(text(f"DELETE FROM {table}"))
