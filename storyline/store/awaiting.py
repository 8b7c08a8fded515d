"""Articles awaiting enrichment: stored without their annotations, marked for a retry.

An article is awaiting enrichment while ``enriched_at`` is NULL: it was ingested
with enrichment off, or its enrichment failed (``enrich_error`` says why,
``enrich_attempts`` counts the failures).  Writing its annotations
(:meth:`EnrichmentQueries.save_enrichment` then :meth:`mark_enriched`) ends the wait.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from storyline.store.base import StoreBase, storable

ANNOTATION_TABLES = ("article_entities", "quotes", "times", "events", "article_features")


class AwaitingQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

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
