"""Articles: what was ingested, its copies, and whether it awaits enrichment.

An article row is written whole (:meth:`ArticleQueries.save_article`) inside the
caller's transaction, together with its annotations; ``arrival`` numbers stored
articles in order.  Near-duplicates are found through ``minhash_bands``.

An article is awaiting enrichment while ``enriched_at`` is NULL: it was ingested
with enrichment off, or its enrichment failed (``enrich_error`` says why,
``enrich_attempts`` counts the failures).  Writing its annotations
(:meth:`EnrichmentQueries.save_enrichment` then :meth:`ArticleQueries.mark_enriched`) ends the wait.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, text

from storyline.article import Article
from storyline.store.base import now, storable
from storyline.store.enrichment import READ_PIECE, EnrichmentQueries

OUTLETS_MAX_AGE = 60.0  # seconds the outlets' counts are reused while no article arrives
ANNOTATION_TABLES = ("article_entities", "quotes", "times", "events", "article_features")

_ARTICLE_COLUMNS = (
    "id", "source", "external_id", "url", "publisher", "via", "title", "authors",
    "published", "language", "image", "body", "content_hash", "duplicate_of", "collection",
    "extracted_by", "raw", "raw_kind",
)


# what reading an article selects: the columns above, never PostgreSQL's search_vector
_ARTICLE_SELECT = "SELECT " + ", ".join(_ARTICLE_COLUMNS) + " FROM articles"


# written with an article, never read back into one: derived from its title and body
_DERIVED_COLUMNS = ("headline",)


def _article_row(article: Article) -> dict[str, Any]:
    from storyline.stories.headline import article_headline  # here: opening a store needs no NLP

    row = {name: getattr(article, name) for name in _ARTICLE_COLUMNS}
    row["authors"] = json.dumps(article.authors, ensure_ascii=False)
    row["extracted_by"] = json.dumps(article.extracted_by, ensure_ascii=False)
    row["headline"] = article_headline(article.title, article.body)
    return storable(row)


def _article_from_row(row: Any) -> Article:
    data = dict(row._mapping)
    data["authors"] = json.loads(data["authors"] or "[]")
    data["extracted_by"] = json.loads(data["extracted_by"] or "{}")
    return Article(**data)


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class ArticleQueries(EnrichmentQueries):
    """Mixed into :class:`storyline.store.Store` (articles are read with their enrichment)."""

    def save_article(self, conn: Connection, article: Article) -> None:
        """Insert or update one article inside the caller's transaction."""
        row = _article_row(article)
        stamp = now()
        written = (*_ARTICLE_COLUMNS, *_DERIVED_COLUMNS)
        columns = ", ".join(written)
        values = ", ".join(f":{name}" for name in written)
        updates = ", ".join(f"{name} = excluded.{name}" for name in written if name != "id")
        # arrival numbers first stores in order (ties only between concurrent writers)
        conn.execute(
            text(
                f"INSERT INTO articles ({columns}, ingested_at, updated_at, arrival)"
                f" VALUES ({values}, :stamp, :stamp, (SELECT COALESCE(MAX(arrival), 0) + 1 FROM articles))"
                f" ON CONFLICT (id) DO UPDATE SET {updates}, updated_at = :stamp"
            ),
            {**row, "stamp": stamp},
        )

    def get_article(self, article_id: str, *, enrichment: bool = True) -> Article | None:
        """An article by its id or its external id, with what enrichment found in it."""
        with self.transaction(f"fetch article {article_id}") as conn:
            row = conn.execute(
                text(f"{_ARTICLE_SELECT} WHERE id = :id"), {"id": article_id}
            ).first()
            if row is None:
                row = conn.execute(
                    text(f"{_ARTICLE_SELECT} WHERE external_id = :id ORDER BY arrival, id LIMIT 1"),
                    {"id": article_id},
                ).first()
            if row is None:
                return None
            article = _article_from_row(row)
            return self.load_enrichment(conn, article) if enrichment else article

    def get_articles(self, article_ids: list[str], *, enrichment: bool = True) -> list[Article]:
        """The articles stored under these ids (not external ids), in the order asked, with what
        enrichment found in them, read in a few queries however many they are; ids not stored
        are left out."""
        found: dict[str, Article] = {}
        stmt = text(f"{_ARTICLE_SELECT} WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
        with self.transaction(f"fetch {len(article_ids)} articles") as conn:
            for start in range(0, len(article_ids), READ_PIECE):
                for row in conn.execute(stmt, {"ids": article_ids[start : start + READ_PIECE]}):
                    found[row.id] = _article_from_row(row)
            articles = [found[article_id] for article_id in dict.fromkeys(article_ids) if article_id in found]
            if enrichment:
                self.load_enrichments(conn, articles)
        return articles

    def article_fingerprint(self, article_id: str, conn: Connection | None = None) -> str | None:
        """The content hash stored for an article, or None if it is new (in ``conn``'s transaction if given)."""
        if conn is None:
            with self.transaction(f"fetch article {article_id}") as own:
                return self.article_fingerprint(article_id, own)
        value = conn.execute(text("SELECT content_hash FROM articles WHERE id = :id"), {"id": article_id}).scalar()
        return str(value) if value is not None else None

    def lock_article_writes(self, conn: Connection) -> None:
        """Hold the article-write lock until ``conn``'s transaction ends.

        Looking for a stored copy of an article and writing it then form one
        step: two workers writing the same article, or two copies of one, at
        the same moment give one row, or a copy linked to its original.  One
        lock for all articles (SQLite has no other kind): the costly work,
        cleaning and enrichment, is done before it is taken, and a transaction
        writing several articles cannot deadlock with another.
        """
        self.lock(conn, ["article writes"])

    def iter_articles(
        self,
        *,
        limit: int | None = None,
        include_duplicates: bool = True,
        collection: str | None = None,
        enrichment: bool = False,
    ) -> Iterator[Article]:
        """Articles, newest publication first (undated last), then by ingestion."""
        sql = f"{_ARTICLE_SELECT} WHERE 1 = 1"
        params: dict[str, Any] = {}
        if not include_duplicates:
            sql += " AND duplicate_of IS NULL"
        if collection is not None:
            sql += " AND collection = :collection"
            params["collection"] = collection
        sql += " ORDER BY published IS NULL, published DESC, arrival, id"
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = limit
        with self.transaction("list articles") as conn:
            rows = conn.execute(text(sql), params).fetchall()
        for start in range(0, len(rows), READ_PIECE):
            articles = [_article_from_row(row) for row in rows[start : start + READ_PIECE]]
            if enrichment:
                with self.transaction(f"load enrichment of {len(articles)} articles") as conn:
                    self.load_enrichments(conn, articles)
            yield from articles

    def count_articles(self) -> int:
        with self.transaction("count articles") as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM articles")).scalar() or 0)

    def duplicates_of(self, article_id: str) -> list[str]:
        with self.transaction(f"list duplicates of {article_id}") as conn:
            rows = conn.execute(
                text("SELECT id FROM articles WHERE duplicate_of = :id ORDER BY arrival, id"),
                {"id": article_id},
            ).fetchall()
        return [row[0] for row in rows]

    def find_by_content_hash(self, conn: Connection, content_hash: str, exclude: str) -> str | None:
        return conn.execute(
            text("SELECT COALESCE(duplicate_of, id) FROM articles"
                 " WHERE content_hash = :h AND id != :id ORDER BY arrival, id LIMIT 1"),
            {"h": content_hash, "id": exclude},
        ).scalar()

    # -- near-duplicate index ---------------------------------------------

    def save_bands(self, conn: Connection, article_id: str, buckets: list[str]) -> None:
        conn.execute(text("DELETE FROM minhash_bands WHERE article_id = :id"), {"id": article_id})
        if buckets:
            conn.execute(
                text("INSERT INTO minhash_bands (article_id, band, bucket) VALUES (:id, :band, :bucket)"),
                [{"id": article_id, "band": i, "bucket": b} for i, b in enumerate(buckets)],
            )

    def band_candidates(self, conn: Connection, article_id: str, buckets: list[str]) -> list[tuple[str, str]]:
        """(id, body) of stored articles sharing at least one LSH bucket."""
        if not buckets:
            return []
        clauses = " OR ".join(f"(band = {i} AND bucket = :b{i})" for i in range(len(buckets)))
        params: dict[str, Any] = {f"b{i}": b for i, b in enumerate(buckets)}
        params["id"] = article_id
        rows = conn.execute(
            text(
                "SELECT a.id, a.body FROM articles a WHERE a.id IN ("
                f" SELECT article_id FROM minhash_bands WHERE {clauses})"
                " AND a.id != :id ORDER BY a.arrival, a.id"
            ),
            params,
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def canonical_of(self, conn: Connection, article_id: str) -> str:
        value = conn.execute(
            text("SELECT duplicate_of FROM articles WHERE id = :id"), {"id": article_id}
        ).scalar()
        return str(value) if value else article_id

    # -- headline facts -----------------------------------------------------

    def article_summaries(self, article_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Headline facts of many articles at once, by id (``headline`` is what to head one with:
        ``title`` is None for an article that has none)."""
        if not article_ids:
            return {}
        stmt = text(
            "SELECT id, title, headline, publisher, published, url, authors, duplicate_of,"
            " substr(body, 1, 300) AS lead"
            " FROM articles WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self.transaction("fetch article summaries") as conn:
            rows = _rows(conn.execute(stmt, {"ids": article_ids}))
        for row in rows:
            row["authors"] = json.loads(row["authors"] or "[]")
        return {row["id"]: row for row in rows}


    def list_outlets(self) -> list[dict[str, Any]]:
        """Publishers with how many (non-duplicate) articles each.

        Counting reads every article, so the answer is kept while no article arrives (the newest
        arrival number, read through its index, says so) and for at most ``OUTLETS_MAX_AGE`` seconds
        (an article rewritten in place may change its outlet).
        """
        with self.transaction("list outlets") as conn:
            newest = conn.execute(text("SELECT MAX(arrival) FROM articles")).scalar()
            kept = getattr(self, "_outlets", None)
            if kept is not None and kept[0] == newest and time.monotonic() - kept[1] < OUTLETS_MAX_AGE:
                return [dict(row) for row in kept[2]]
            rows = _rows(conn.execute(text(
                "SELECT publisher, COUNT(*) AS articles FROM articles"
                " WHERE publisher IS NOT NULL AND duplicate_of IS NULL"
                " GROUP BY publisher ORDER BY articles DESC, publisher")))
        self._outlets = (newest, time.monotonic(), rows)
        return [dict(row) for row in rows]

    # -- awaiting enrichment -------------------------------------------------

    def mark_unenriched(self, conn: Connection, article_id: str, error: str | None) -> None:
        """The article's annotations are gone (stale or never made) and it awaits enrichment;
        ``error`` is why enrichment failed, None when it was not tried."""
        for table in ANNOTATION_TABLES:
            conn.execute(text(f"DELETE FROM {table} WHERE article_id = :id"), {"id": article_id})
        conn.execute(
            text("UPDATE articles SET enriched_at = NULL, enrich_error = :e,"
                 " enrich_attempts = enrich_attempts + :n WHERE id = :id"),
            storable({"e": error, "n": int(error is not None), "id": article_id}),
        )

    def mark_enriched(self, conn: Connection, article_id: str) -> None:
        """Clear the article's last enrichment error (its annotations were just written)."""
        conn.execute(text("UPDATE articles SET enrich_error = NULL, enrich_attempts = 0 WHERE id = :id"),
                     {"id": article_id})

    def mark_enrich_failed(self, conn: Connection, article_id: str, error: str) -> None:
        """Another failed attempt for an article still awaiting enrichment."""
        conn.execute(
            text("UPDATE articles SET enrich_error = :e, enrich_attempts = enrich_attempts + 1"
                 " WHERE id = :id AND enriched_at IS NULL"),
            storable({"e": error, "id": article_id}),
        )

    def article_status(self, article_id: str, conn: Connection | None = None) -> tuple[str, bool] | None:
        """(content hash, whether it is enriched) of a stored article, or None when it is not stored."""
        if conn is None:
            with self.transaction(f"fetch article {article_id}") as own:
                return self.article_status(article_id, own)
        row = conn.execute(text("SELECT content_hash, enriched_at FROM articles WHERE id = :id"),
                           {"id": article_id}).first()
        return (str(row[0]), row[1] is not None) if row is not None else None

    def awaiting_enrichment(self, *, limit: int, after: tuple[int, str] | None = None,
                            max_attempts: int | None = None) -> list[tuple[int, str]]:
        """(arrival, id) of up to ``limit`` articles awaiting enrichment, in arrival order, after
        ``after``; with ``max_attempts``, those that failed fewer times than that."""
        sql = "SELECT arrival, id FROM articles WHERE enriched_at IS NULL"
        params: dict[str, Any] = {"n": limit}
        if after is not None:
            sql += " AND (arrival > :a OR (arrival = :a AND id > :i))"
            params.update(a=after[0], i=after[1])
        if max_attempts is not None:
            sql += " AND enrich_attempts < :m"
            params["m"] = max_attempts
        with self.transaction("list articles awaiting enrichment") as conn:
            rows = conn.execute(text(sql + " ORDER BY arrival, id LIMIT :n"), params).fetchall()
        return [(int(row[0] or 0), str(row[1])) for row in rows]

    def count_awaiting_enrichment(self) -> int:
        with self.transaction("count articles awaiting enrichment") as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM articles WHERE enriched_at IS NULL")).scalar() or 0)

    def enrich_error(self, article_id: str) -> tuple[str | None, int] | None:
        """(last enrichment error, failed attempts) of an article, or None when it is not stored."""
        with self.transaction(f"fetch the enrichment status of {article_id}") as conn:
            row = conn.execute(text("SELECT enrich_error, enrich_attempts FROM articles WHERE id = :id"),
                               {"id": article_id}).first()
        return (row[0], int(row[1])) if row is not None else None
