"""Listing stories and storylines: headline facts of many at once.

What lists, rankings and caches need of stories without decoding whole story
documents: titles, cards, lead images, arrival and update times, a version
stamp; and brief storyline rows.  Storing stories and reading one whole:
:mod:`storyline.store.stories`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, text

from storyline.store.base import StoreBase
from storyline.stories.types import Story

# the newest write stamp of stories and of storylines, each read through its index (see stories_version)
STORIES_VERSION = "(SELECT MAX(updated_at) FROM stories), (SELECT MAX(updated_at) FROM storylines)"


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class StoryListingQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    def story_titles(self, story_ids: list[str]) -> dict[str, str]:
        if not story_ids:
            return {}
        stmt = text("SELECT id, title FROM stories WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
        with self.transaction("fetch story titles") as conn:
            return {row.id: row.title for row in conn.execute(stmt, {"ids": story_ids})}

    def story_cards(self, *, limit: int = 400) -> list[Story]:
        """What ranking and listing need of the newest stories, without decoding whole documents
        (the stories' lists of articles, people, timeline and quotes are left empty)."""
        if self.dialect == "postgresql":
            coverage, outlets = "(data::json -> 'coverage')::text", "(data::json -> 'outlets')::text"
            dated, dates = "(data::json -> 'dated')::text", "(data::json ->> 'dates')"
        else:
            coverage, outlets = "json_extract(data, '$.coverage')", "json_extract(data, '$.outlets')"
            dated, dates = "json_type(data, '$.dated')", "json_extract(data, '$.dates')"
        with self.transaction("list story cards") as conn:
            rows = _rows(conn.execute(text(
                "SELECT id, title, summary, storyline_id, first_seen, last_updated, article_count, outlet_count,"
                f" {coverage} AS coverage, {outlets} AS outlets, {dated} AS dated, {dates} AS dates FROM stories"
                " ORDER BY last_updated IS NULL, last_updated DESC, article_count DESC, id LIMIT :n"),
                {"n": limit}))
        for row in rows:
            # a JSON null comes back as NULL from SQLite, as 'null' from PostgreSQL
            row["coverage"] = json.loads(row["coverage"] or "null") or []
            row["outlets"] = [{"publisher": o.get("publisher")} for o in json.loads(row["outlets"] or "null") or []]
            row["dated"] = json.loads(row["dated"] or "true") is not False  # stories stored before the flag
            if row["dates"] is None:  # stored before the label
                row.pop("dates")
        return [Story.from_dict(row) for row in rows]

    def stories_version(self) -> tuple[Any, ...]:
        """A cheap fingerprint that changes when stories or storylines are written.

        Every write stamps ``updated_at``; the newest stamp of each table is read through
        its index, so the check costs the same at any size (counting rows would read the
        whole table on PostgreSQL).  Stories are deleted only when merged into another or
        when all are rebuilt, and both rewrite the stories that remain, with new stamps.
        Two writes within one second of each other and of the last look may go unseen
        until the page cache's age limit passes.
        """
        with self.transaction("read the stories version") as conn:
            row = conn.execute(text(f"SELECT {STORIES_VERSION}")).first()
        return tuple(row) if row else ()

    def list_storylines_brief(self, *, limit: int = 10) -> list[dict[str, Any]]:
        with self.transaction("list storylines") as conn:
            return _rows(conn.execute(text(
                "SELECT id, title, story_count, article_count, first_seen, last_updated FROM storylines"
                " ORDER BY last_updated IS NULL, last_updated DESC, id LIMIT :n"), {"n": limit}))

    def story_images(self, story_ids: list[str]) -> dict[str, str]:
        """A lead image per story: that of its earliest-arrived article that has one (duplicates left out)."""
        if not story_ids:
            return {}
        stmt = text("SELECT sa.story_id, a.image FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE sa.story_id IN :ids AND a.image IS NOT NULL AND a.duplicate_of IS NULL"
                    " ORDER BY a.arrival DESC").bindparams(bindparam("ids", expanding=True))
        with self.transaction("fetch story images") as conn:
            return {row.story_id: row.image for row in conn.execute(stmt, {"ids": story_ids})}

    def story_arrivals(self, story_ids: list[str]) -> dict[str, list[str]]:
        """When each story's articles (copies aside) were stored, by story."""
        if not story_ids:
            return {}
        stmt = text("SELECT sa.story_id, a.ingested_at FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE sa.story_id IN :ids AND a.duplicate_of IS NULL").bindparams(bindparam("ids", expanding=True))
        found: dict[str, list[str]] = {}
        with self.transaction("fetch when story articles arrived") as conn:
            for row in conn.execute(stmt, {"ids": story_ids}):
                found.setdefault(row.story_id, []).append(str(row.ingested_at))
        return found

    def count_storylines(self) -> int:
        with self.transaction("count storylines") as conn:
            return int(conn.execute(text("SELECT count(*) FROM storylines")).scalar_one())

    def storyline_title(self, storyline_id: str) -> dict[str, str] | None:
        with self.transaction(f"fetch the title of storyline {storyline_id}") as conn:
            row = conn.execute(text("SELECT id, title FROM storylines WHERE id = :id"), {"id": storyline_id}).first()
        return {"id": row.id, "title": row.title} if row else None

    def story_update_times(self, story_ids: list[str]) -> dict[str, str]:
        """When each story was last rebuilt by the store (UTC ISO), by id."""
        if not story_ids:
            return {}
        stmt = text("SELECT id, updated_at FROM stories WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True))
        with self.transaction("fetch story update times") as conn:
            return {row.id: row.updated_at for row in conn.execute(stmt, {"ids": story_ids})}
