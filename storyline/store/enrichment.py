"""Storing what enrichment found: entities, quotes, time expressions, events.

Rows are replaced per article inside the caller's transaction, so an article
and its annotations are always written together.  Entities are also read as a
reader sees them: by name, with what they said, the stories and events they are
in, and who appears with them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, text

from storyline.article import Article, Entity, Event, Quote, TimeExpression
from storyline.store.base import StoreBase, storable

LEMMA_CAP = 200  # lemma counts kept per article: what story clustering reads
READ_PIECE = 500  # article ids per query when annotations are read for many articles


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class EnrichmentQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    def save_enrichment(self, conn: Connection, article: Article, stamp: str) -> None:
        params = {"id": article.id}
        for table in ("article_entities", "quotes", "times", "events"):
            conn.execute(text(f"DELETE FROM {table} WHERE article_id = :id"), params)
        if article.entities:
            conn.execute(
                text("INSERT INTO article_entities (article_id, local_id, entity_id, name, type, aliases,"
                     " role, affiliation, mentions) VALUES (:a, :l, :e, :n, :t, :al, :r, :af, :m)"),
                [storable({"a": article.id, "l": e.id, "e": e.canonical_id, "n": e.name, "t": e.type,
                           "al": _dumps(e.aliases), "r": e.role, "af": e.affiliation,
                           "m": _dumps([list(m) for m in e.mentions])}) for e in article.entities],
            )
        if article.quotes:
            conn.execute(
                text("INSERT INTO quotes (article_id, seq, start_char, end_char, text, speaker_local_id,"
                     " speaker_entity_id, speaker_name, speaker_mention, speaker_start, speaker_end, cue,"
                     " medium, indirect) VALUES (:a, :s, :b, :e, :t, :sl, :se, :sn, :sm, :ss, :sx, :c, :md, :i)"),
                [storable({"a": article.id, "s": i, "b": q.start, "e": q.end, "t": q.text, "sl": q.speaker_id,
                           "se": _canonical(article, q.speaker_id), "sn": q.speaker_name,
                           "sm": q.speaker_mention, "ss": q.speaker_span[0] if q.speaker_span else None,
                           "sx": q.speaker_span[1] if q.speaker_span else None,
                           "c": q.cue, "md": q.medium, "i": int(q.indirect)}) for i, q in enumerate(article.quotes)],
            )
        if article.times:
            conn.execute(
                text("INSERT INTO times (article_id, seq, start_char, end_char, text, type, value)"
                     " VALUES (:a, :s, :b, :e, :t, :ty, :v)"),
                [storable({"a": article.id, "s": i, "b": t.start, "e": t.end, "t": t.text, "ty": t.type,
                           "v": t.value}) for i, t in enumerate(article.times)],
            )
        if article.events:
            conn.execute(
                text("INSERT INTO events (article_id, seq, what, type, date, date_text, place, participants,"
                     " evidence_start, evidence_end, status) VALUES (:a, :s, :w, :ty, :d, :dt, :p, :pa, :b, :e, :st)"),
                [storable({"a": article.id, "s": i, "w": ev.what, "ty": ev.type, "d": ev.date,
                           "dt": ev.date_text, "p": ev.place, "pa": _dumps(ev.participants),
                           "b": ev.evidence[0], "e": ev.evidence[1], "st": ev.status})
                 for i, ev in enumerate(article.events)],
            )
        if article.lemmas is not None:
            counts = dict(Counter(article.lemmas).most_common(LEMMA_CAP))
            conn.execute(
                text("INSERT INTO article_features (article_id, lemmas) VALUES (:id, :l)"
                     " ON CONFLICT (article_id) DO UPDATE SET lemmas = excluded.lemmas"),
                {"id": article.id, "l": _dumps(counts)},
            )
        conn.execute(text("UPDATE articles SET enriched_at = :t WHERE id = :id"), {"t": stamp, "id": article.id})

    def load_enrichment(self, conn: Connection, article: Article) -> Article:
        self.load_enrichments(conn, [article])
        return article

    def load_enrichments(self, conn: Connection, articles: list[Article]) -> None:
        """Put on each article what enrichment stored for it: five queries for the lot (in
        pieces of ``READ_PIECE`` ids), not five per article."""
        for start in range(0, len(articles), READ_PIECE):
            self._load_piece(conn, {article.id: article for article in articles[start : start + READ_PIECE]})

    def _load_piece(self, conn: Connection, by_id: dict[str, Article]) -> None:
        for article in by_id.values():
            article.entities, article.quotes, article.times, article.events = [], [], [], []
        params = {"ids": list(by_id)}

        def rows(sql: str) -> Any:
            return conn.execute(text(sql).bindparams(bindparam("ids", expanding=True)), params)

        for r in rows("SELECT * FROM article_entities WHERE article_id IN :ids ORDER BY article_id, local_id"):
            by_id[r.article_id].entities.append(Entity(
                id=r.local_id, name=r.name, type=r.type, aliases=json.loads(r.aliases),
                mentions=[(m[0], m[1]) for m in json.loads(r.mentions)], role=r.role,
                affiliation=r.affiliation, canonical_id=r.entity_id))
        for r in rows("SELECT * FROM quotes WHERE article_id IN :ids ORDER BY article_id, seq"):
            by_id[r.article_id].quotes.append(Quote(
                text=r.text, start=r.start_char, end=r.end_char, speaker_mention=r.speaker_mention,
                speaker_span=(r.speaker_start, r.speaker_end) if r.speaker_start is not None else None,
                speaker_id=r.speaker_local_id, speaker_name=r.speaker_name, cue=r.cue, medium=r.medium,
                indirect=bool(r.indirect)))
        for r in rows("SELECT * FROM times WHERE article_id IN :ids ORDER BY article_id, seq"):
            by_id[r.article_id].times.append(TimeExpression(
                text=r.text, start=r.start_char, end=r.end_char, type=r.type, value=r.value))
        for r in rows("SELECT * FROM events WHERE article_id IN :ids ORDER BY article_id, seq"):
            by_id[r.article_id].events.append(Event(
                what=r.what, type=r.type, date=r.date, date_text=r.date_text, place=r.place,
                participants=json.loads(r.participants), evidence=(r.evidence_start, r.evidence_end),
                status=r.status))
        for r in rows("SELECT article_id, lemmas FROM article_features WHERE article_id IN :ids"):
            if r.lemmas is not None:
                by_id[r.article_id].lemmas = [lemma for lemma, n in json.loads(r.lemmas).items()
                                              for _ in range(int(n))]

    def lock_entities(self, conn: Connection) -> None:
        """Hold the canonical entities until ``conn``'s transaction ends (after "article writes", if
        the transaction takes both): read what other workers wrote, resolve, write, without a race."""
        self.lock(conn, ["entities"])

    def save_canonical_entities(self, conn: Connection, rows: list[dict[str, Any]]) -> int | None:
        """Upsert canonical entities: {id, name, type, aliases, ...}; other keys go to ``data``.

        The rows are stamped with a new version, one more than any stored (the entities
        lock is taken for it), which is returned; None when there was nothing to write.
        """
        if not rows:
            return None
        self.lock_entities(conn)
        version = int(conn.execute(text("SELECT COALESCE(MAX(version), 0) + 1 FROM entities")).scalar() or 1)
        columns = {"id", "name", "type", "aliases", "role", "affiliation", "version"}
        conn.execute(
            text("INSERT INTO entities (id, name, type, aliases, role, affiliation, article_count, data, version)"
                 " VALUES (:id, :name, :type, :aliases, :role, :affiliation, :count, :data, :version)"
                 " ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type,"
                 " aliases = excluded.aliases, article_count = excluded.article_count, data = excluded.data,"
                 " role = COALESCE(excluded.role, entities.role),"
                 " affiliation = COALESCE(excluded.affiliation, entities.affiliation),"
                 " version = excluded.version"),
            [storable({"id": row["id"], "name": row["name"], "type": row["type"],
                       "aliases": _dumps(row.get("aliases", [])), "role": row.get("role"),
                       "affiliation": row.get("affiliation"), "count": int(row.get("count", 0)),
                       "data": _dumps({k: v for k, v in row.items() if k not in columns}), "version": version})
             for row in sorted(rows, key=lambda row: str(row["id"]))],  # one order: no deadlock between writers
        )
        return version

    def load_canonical_entities(self) -> list[dict[str, Any]]:
        """Every canonical entity as a plain row (``data`` unpacked), with its ``version``."""
        with self.transaction("load canonical entities") as conn:
            return _entity_rows(conn.execute(text("SELECT * FROM entities ORDER BY id")))

    def canonical_entities_since(self, conn: Connection, version: int) -> list[dict[str, Any]]:
        """The canonical entities written after ``version`` (see :meth:`save_canonical_entities`),
        by version then id; under the entities lock, that is everything other workers wrote since."""
        return _entity_rows(conn.execute(
            text("SELECT * FROM entities WHERE version > :v ORDER BY version, id"), {"v": version}
        ))

    # -- entities as readers see them: names, quotes, stories, events ----------

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
                " q.indirect, a.title, a.headline, a.publisher, a.published, sa.story_id FROM quotes q"
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
        """Other entities mentioned in the same articles, most shared articles first, each by its
        canonical name (an article's own form, "Merz" for "Friedrich Merz", only when it has none)."""
        with self.transaction(f"fetch entities appearing with {entity_id}") as conn:
            return _rows(conn.execute(text(
                "SELECT other.entity_id AS id, COALESCE(MAX(e.name), MAX(other.name)) AS name,"
                " COALESCE(MAX(e.type), MAX(other.type)) AS type,"
                " COUNT(DISTINCT other.article_id) AS articles FROM article_entities me"
                " JOIN article_entities other ON other.article_id = me.article_id"
                " LEFT JOIN entities e ON e.id = other.entity_id"
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


def _entity_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    result = []
    for row in rows:
        record = dict(row._mapping)
        extra = json.loads(record.pop("data") or "{}")
        record["aliases"] = json.loads(record["aliases"] or "[]")
        record.pop("article_count", None)
        result.append({**extra, **record})
    return result


def _canonical(article: Article, local_id: str | None) -> str | None:
    if local_id is None:
        return None
    for entity in article.entities:
        if entity.id == local_id:
            return entity.canonical_id
    return None
