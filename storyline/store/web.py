"""Queries behind the web reader: search, people and personalisation.

Follows, reads and saved searches belong to a user and go when the user goes
(accounts themselves: :mod:`storyline.store.accounts`).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import Connection, bindparam, text

from storyline.search import DIALECTS, Hit, SearchQuery, match_expression
from storyline.store.base import StoreBase, now
from storyline.stories.types import Story

FOLLOW_KINDS = ("entity", "story", "storyline")
READ_KINDS = ("article", "story")


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class WebQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    # -- search -----------------------------------------------------------

    def search_articles(self, query: SearchQuery) -> list[Hit]:
        """Articles (not duplicates) matching the words and filters, best first (``query.offset`` on)."""
        sql, order, params = self._search_sql(query, snippets=True)
        params |= {"limit": query.limit, "offset": query.offset}
        with self.transaction(f"search articles for {query.q!r}") as conn:
            rows = conn.execute(text(sql + order + " LIMIT :limit OFFSET :offset"), params).fetchall()
        return [Hit(r.id, r.title, r.publisher, r.published, r.story_id, r.snippet or "") for r in rows]

    def count_search(self, query: SearchQuery) -> int:
        """How many articles match the words and filters in all (not just one page)."""
        sql, _order, params = self._search_sql(query, snippets=False)
        with self.transaction(f"count articles for {query.q!r}") as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM ({sql}) matched"), params).scalar_one())

    def _search_sql(self, query: SearchQuery, *, snippets: bool) -> tuple[str, str, dict[str, Any]]:
        terms = query.terms()
        params: dict[str, Any] = {}
        select = ("SELECT a.id, a.title, a.publisher, a.published, sa.story_id,"
                  " {snippet} AS snippet FROM articles a {join}"
                  " LEFT JOIN story_articles sa ON sa.article_id = a.id"
                  " WHERE a.duplicate_of IS NULL")
        if terms:
            dialect = DIALECTS.get(self.dialect, DIALECTS["sqlite"])
            sql = select.format(snippet=dialect.snippet if snippets else "''", join=dialect.join)
            sql += f" AND {dialect.where}"
            params["match"] = match_expression(terms, self.dialect)
            order = f" ORDER BY {dialect.rank}, a.published IS NULL, a.published DESC, a.id"
        else:
            sql = select.format(snippet="substr(a.body, 1, 240)" if snippets else "''", join="")
            order = " ORDER BY a.published IS NULL, a.published DESC, a.id"
        if query.person:
            sql += " AND a.id IN (SELECT article_id FROM article_entities WHERE entity_id = :person)"
            params["person"] = query.person
        if query.outlet:
            sql += " AND lower(a.publisher) = lower(:outlet)"
            params["outlet"] = query.outlet
        if query.story:
            sql += " AND sa.story_id = :story"
            params["story"] = query.story
        if query.date_from:
            sql += " AND substr(a.published, 1, 10) >= :date_from"
            params["date_from"] = query.date_from[:10]
        if query.date_to:
            sql += " AND substr(a.published, 1, 10) <= :date_to"
            params["date_to"] = query.date_to[:10]
        return sql, order, params

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
            row = conn.execute(text(
                "SELECT (SELECT MAX(updated_at) FROM stories), (SELECT MAX(updated_at) FROM storylines)"
            )).first()
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

    def list_outlets(self) -> list[dict[str, Any]]:
        """Publishers with how many (non-duplicate) articles each."""
        with self.transaction("list outlets") as conn:
            return _rows(conn.execute(text(
                "SELECT publisher, COUNT(*) AS articles FROM articles"
                " WHERE publisher IS NOT NULL AND duplicate_of IS NULL"
                " GROUP BY publisher ORDER BY articles DESC, publisher")))

    # -- articles, entities -----------------------------------------------

    def article_summaries(self, article_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Headline facts of many articles at once, by id."""
        if not article_ids:
            return {}
        stmt = text(
            "SELECT id, title, publisher, published, url, authors, duplicate_of, substr(body, 1, 300) AS lead"
            " FROM articles WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self.transaction("fetch article summaries") as conn:
            rows = _rows(conn.execute(stmt, {"ids": article_ids}))
        for row in rows:
            row["authors"] = json.loads(row["authors"] or "[]")
        return {row["id"]: row for row in rows}

    def get_entity(self, entity_id: str) -> dict[str, Any] | None:
        """A canonical entity; falls back to its per-article rows when not canonicalised yet."""
        with self.transaction(f"fetch entity {entity_id}") as conn:
            row = conn.execute(text("SELECT * FROM entities WHERE id = :id"), {"id": entity_id}).first()
            if row is None:
                row = conn.execute(
                    text("SELECT entity_id AS id, name, type, aliases, role, affiliation"
                         " FROM article_entities WHERE entity_id = :id LIMIT 1"), {"id": entity_id}
                ).first()
        if row is None:
            return None
        entity = dict(row._mapping)
        entity["aliases"] = json.loads(entity.get("aliases") or "[]")
        return entity

    def entity_names(self, entity_ids: list[str]) -> dict[str, dict[str, str]]:
        if not entity_ids:
            return {}
        stmt = text("SELECT id, name, type FROM entities WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True))
        with self.transaction("fetch entity names") as conn:
            return {row.id: {"id": row.id, "name": row.name, "type": row.type}
                    for row in conn.execute(stmt, {"ids": entity_ids})}

    def entity_quotes(self, entity_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
        """What a speaker said, oldest first, with the article it is in."""
        with self.transaction(f"fetch quotes of {entity_id}") as conn:
            return _rows(conn.execute(text(
                "SELECT q.article_id, q.start_char AS start, q.end_char AS \"end\", q.text, q.cue, q.medium,"
                " q.indirect, a.title, a.publisher, a.published, sa.story_id FROM quotes q"
                " JOIN articles a ON a.id = q.article_id"
                " LEFT JOIN story_articles sa ON sa.article_id = q.article_id"
                " WHERE q.speaker_entity_id = :id AND a.duplicate_of IS NULL"
                " ORDER BY a.published IS NULL, a.published, q.article_id, q.seq LIMIT :n"),
                {"id": entity_id, "n": limit}))

    def entity_stories(self, entity_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Stories an entity appears in, with how many of their articles mention it."""
        with self.transaction(f"fetch stories of {entity_id}") as conn:
            return _rows(conn.execute(text(
                "SELECT s.id, s.title, s.summary, s.first_seen, s.last_updated, s.article_count, s.outlet_count,"
                " COUNT(DISTINCT ae.article_id) AS mentions FROM article_entities ae"
                " JOIN story_articles sa ON sa.article_id = ae.article_id"
                " JOIN stories s ON s.id = sa.story_id WHERE ae.entity_id = :id"
                " GROUP BY s.id, s.title, s.summary, s.first_seen, s.last_updated, s.article_count, s.outlet_count"
                " ORDER BY s.last_updated IS NULL, s.last_updated DESC, mentions DESC, s.id LIMIT :n"),
                {"id": entity_id, "n": limit}))

    def entity_events(self, entity_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Events whose participants include the entity (by local id, name or alias)."""
        with self.transaction(f"fetch events of {entity_id}") as conn:
            rows = _rows(conn.execute(text(
                "SELECT e.article_id, e.what, e.type, e.date, e.date_text, e.place, e.participants, e.status,"
                " e.evidence_start AS start, e.evidence_end AS \"end\", ae.local_id, ae.name, ae.aliases,"
                " a.published FROM events e JOIN article_entities ae ON ae.article_id = e.article_id"
                " JOIN articles a ON a.id = e.article_id"
                " WHERE ae.entity_id = :id AND a.duplicate_of IS NULL"
                " ORDER BY COALESCE(e.date, a.published) IS NULL, COALESCE(e.date, a.published), e.seq, e.article_id"),
                {"id": entity_id}))
        events = []
        for row in rows:
            participants = json.loads(row.pop("participants") or "[]")
            names = {row.pop("local_id"), row.pop("name"), *json.loads(row.pop("aliases") or "[]")}
            if names & set(participants):
                events.append({**row, "participants": participants})
        return events[:limit]

    def co_occurring(self, entity_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Other entities mentioned in the same articles, most shared articles first."""
        with self.transaction(f"fetch entities appearing with {entity_id}") as conn:
            return _rows(conn.execute(text(
                "SELECT other.entity_id AS id, MAX(other.name) AS name, MAX(other.type) AS type,"
                " COUNT(DISTINCT other.article_id) AS articles FROM article_entities me"
                " JOIN article_entities other ON other.article_id = me.article_id"
                " WHERE me.entity_id = :id AND other.entity_id IS NOT NULL AND other.entity_id != :id"
                " GROUP BY other.entity_id ORDER BY articles DESC, name, id LIMIT :n"),
                {"id": entity_id, "n": limit}))

    def stories_with_entities(self, entity_ids: list[str]) -> dict[str, set[str]]:
        """For each story, which of ``entity_ids`` appear in it."""
        if not entity_ids:
            return {}
        stmt = text(
            "SELECT DISTINCT sa.story_id, ae.entity_id FROM article_entities ae"
            " JOIN story_articles sa ON sa.article_id = ae.article_id WHERE ae.entity_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        found: dict[str, set[str]] = {}
        with self.transaction("find stories of followed entities") as conn:
            for row in conn.execute(stmt, {"ids": entity_ids}):
                found.setdefault(row.story_id, set()).add(row.entity_id)
        return found

    def entities_of_articles(self, article_ids: list[str]) -> dict[str, int]:
        """Canonical entity ids in these articles, with in how many each appears."""
        if not article_ids:
            return {}
        stmt = text(
            "SELECT entity_id, COUNT(DISTINCT article_id) AS n FROM article_entities"
            " WHERE article_id IN :ids AND entity_id IS NOT NULL AND type IN ('PERSON', 'ORG')"
            " GROUP BY entity_id"
        ).bindparams(bindparam("ids", expanding=True))
        with self.transaction("count entities of read articles") as conn:
            return {row.entity_id: int(row.n) for row in conn.execute(stmt, {"ids": article_ids})}

    # -- follows, reads, saved searches -----------------------------------

    def follow(self, user_id: str, kind: str, target_id: str) -> bool:
        """Follow an entity, story or storyline; False when already followed."""
        if kind not in FOLLOW_KINDS:
            raise ValueError(f"cannot follow a {kind!r}: one of {', '.join(FOLLOW_KINDS)}")
        with self.transaction(f"follow {kind} {target_id}") as conn:
            result = conn.execute(
                text("INSERT INTO follows (user_id, kind, target_id, created_at) VALUES (:u, :k, :id, :t)"
                     " ON CONFLICT (user_id, kind, target_id) DO NOTHING"),
                {"u": user_id, "k": kind, "id": target_id, "t": now()},
            )
        return bool(result.rowcount)

    def unfollow(self, user_id: str, kind: str, target_id: str) -> bool:
        with self.transaction(f"unfollow {kind} {target_id}") as conn:
            result = conn.execute(
                text("DELETE FROM follows WHERE user_id = :u AND kind = :k AND target_id = :id"),
                {"u": user_id, "k": kind, "id": target_id},
            )
        return bool(result.rowcount)

    def list_follows(self, user_id: str) -> list[dict[str, Any]]:
        with self.transaction(f"list follows of {user_id}") as conn:
            return _rows(conn.execute(
                text("SELECT kind, target_id, created_at, alert FROM follows WHERE user_id = :u"
                     " ORDER BY created_at, kind, target_id"),
                {"u": user_id}))

    def is_following(self, user_id: str, kind: str, target_id: str) -> bool:
        with self.transaction(f"check a follow of {target_id}") as conn:
            return conn.execute(
                text("SELECT 1 FROM follows WHERE user_id = :u AND kind = :k AND target_id = :id"),
                {"u": user_id, "k": kind, "id": target_id},
            ).first() is not None

    def record_read(self, user_id: str, kind: str, target_id: str) -> None:
        if kind not in READ_KINDS:
            raise ValueError(f"cannot record a read of a {kind!r}")
        with self.transaction(f"record a read of {kind} {target_id}") as conn:
            self._record_read(conn, user_id, kind, target_id)

    def _record_read(self, conn: Connection, user_id: str, kind: str, target_id: str) -> None:
        stamp = now()
        conn.execute(
            text("INSERT INTO reads (user_id, kind, target_id, first_read, last_read, times)"
                 " VALUES (:u, :k, :id, :t, :t, 1) ON CONFLICT (user_id, kind, target_id)"
                 " DO UPDATE SET last_read = excluded.last_read, times = reads.times + 1"),
            {"u": user_id, "k": kind, "id": target_id, "t": stamp},
        )

    def list_reads(self, user_id: str, kind: str, *, limit: int = 500) -> dict[str, str]:
        """What a user read most recently: target id → when it was last read."""
        with self.transaction(f"list reads of {user_id}") as conn:
            rows = conn.execute(
                text("SELECT target_id, last_read FROM reads WHERE user_id = :u AND kind = :k"
                     " ORDER BY last_read DESC, target_id LIMIT :n"),
                {"u": user_id, "k": kind, "n": limit},
            ).fetchall()
        return {row.target_id: row.last_read for row in rows}

    def save_search(self, user_id: str, name: str, query: dict[str, Any]) -> str:
        search_id = secrets.token_urlsafe(9)
        with self.transaction(f"save search {name}") as conn:
            conn.execute(
                text("INSERT INTO saved_searches (id, user_id, name, query, created_at)"
                     " VALUES (:id, :u, :n, :q, :t)"),
                {"id": search_id, "u": user_id, "n": name, "q": json.dumps(query, ensure_ascii=False),
                 "t": now()},
            )
        return search_id

    def get_saved_search(self, search_id: str) -> dict[str, Any] | None:
        with self.transaction(f"fetch saved search {search_id}") as conn:
            row = conn.execute(text("SELECT * FROM saved_searches WHERE id = :id"), {"id": search_id}).first()
        if row is None:
            return None
        record = dict(row._mapping)
        record["query"] = json.loads(record["query"])
        return record

    def list_saved_searches(self, user_id: str) -> list[dict[str, Any]]:
        with self.transaction(f"list saved searches of {user_id}") as conn:
            rows = _rows(conn.execute(
                text("SELECT * FROM saved_searches WHERE user_id = :u ORDER BY created_at, name, id"), {"u": user_id}))
        for row in rows:
            row["query"] = json.loads(row["query"])
        return rows

    def delete_saved_search(self, user_id: str, search_id: str) -> bool:
        with self.transaction(f"delete saved search {search_id}") as conn:
            result = conn.execute(text("DELETE FROM saved_searches WHERE id = :id AND user_id = :u"),
                                  {"id": search_id, "u": user_id})
        return bool(result.rowcount)
