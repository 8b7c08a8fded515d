"""The store: one interface over SQLite (default) and PostgreSQL.

Methods are small and named for what they do, hold literal SQL, and wrap
database errors with what was being done (``StoreError``).  Writing one
article is one transaction: nothing is half-written.
"""

from __future__ import annotations

import json
import sqlite3
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from storyline.article import Article
from storyline.store.accounts import AccountQueries
from storyline.store.alerts import AlertQueries
from storyline.store.awaiting import AwaitingQueries
from storyline.store.base import StoreError, now, storable
from storyline.store.enrichment import EnrichmentQueries
from storyline.store.feeds import FeedQueries
from storyline.store.greader import ReaderQueries
from storyline.store.migrations import MIGRATIONS
from storyline.store.stories import StoryQueries
from storyline.store.web import WebQueries


def _engine_for(location: str) -> Engine:
    if "://" in location:
        url = make_url(location)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3: the `postgres` extra
        return create_engine(url, future=True, pool_pre_ping=True)
    path = Path(location).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait for a writer
        _write_ahead_log(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


BUSY_TIMEOUT_MS = 30_000


def _write_ahead_log(cursor: Any) -> None:
    """Switch the database to WAL.  While another connection is creating or recovering the
    log of a database, SQLite may answer "database is locked" at once instead of waiting
    out the busy timeout (several processes opening a new database together): try again
    until the busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _reason(exc: Exception) -> str:
    """The driver's own words on one line, without SQLAlchemy's wrapper and background link."""
    original = getattr(exc, "orig", None)
    return " ".join(str(original if original is not None else exc).split())


def _shown(location: str) -> str:
    """The location as messages show it: a URL without its password."""
    if "://" not in location:
        return repr(location)
    try:
        return repr(make_url(location).render_as_string(hide_password=True))
    except ValueError:
        return "(an unreadable database URL)"


_ARTICLE_COLUMNS = (
    "id", "source", "external_id", "url", "publisher", "via", "title", "authors",
    "published", "language", "image", "body", "content_hash", "duplicate_of", "collection",
    "extracted_by", "raw", "raw_kind",
)


# what reading an article selects: the columns above, never PostgreSQL's search_vector
_ARTICLE_SELECT = "SELECT " + ", ".join(_ARTICLE_COLUMNS) + " FROM articles"


def _article_row(article: Article) -> dict[str, Any]:
    row = {name: getattr(article, name) for name in _ARTICLE_COLUMNS}
    row["authors"] = json.dumps(article.authors, ensure_ascii=False)
    row["extracted_by"] = json.dumps(article.extracted_by, ensure_ascii=False)
    return storable(row)


def _article_from_row(row: Any) -> Article:
    data = dict(row._mapping)
    data["authors"] = json.loads(data["authors"] or "[]")
    data["extracted_by"] = json.loads(data["extracted_by"] or "{}")
    return Article(**data)


class Store(
    AccountQueries, AlertQueries, AwaitingQueries, EnrichmentQueries, FeedQueries, ReaderQueries, StoryQueries,
    WebQueries,
):
    """A storyline database.  ``Store(path_or_url)`` opens and migrates it."""

    def __init__(self, location: str) -> None:
        self.location = location
        try:
            self.engine = _engine_for(location)
        except ImportError as exc:
            raise StoreError(f"store: unable to open database {_shown(location)}: {exc}"
                             " (PostgreSQL needs the extra: pip install 'storyline[postgres]')") from exc
        except (SQLAlchemyError, ValueError) as exc:
            raise StoreError(f"store: unable to open database {_shown(location)}: {_reason(exc)}") from exc
        self.dialect = self.engine.dialect.name
        # a store dropped without close() still hands its connections back
        self._release = weakref.finalize(self, self.engine.dispose)
        try:
            self.migrate()
        except SQLAlchemyError as exc:
            self.close()
            raise StoreError(f"store: unable to open database {_shown(location)}: {_reason(exc)}") from exc

    # -- plumbing ---------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; return their versions.

        Each runs in its own transaction under the schema lock, so several
        processes opening a new database at once apply each migration once.
        """
        with self.engine.connect() as conn:
            if inspect(conn).has_table("schema_migrations"):
                done = {int(v) for v in conn.execute(text("SELECT version FROM schema_migrations")).scalars()}
                if done >= {version for version, _, _ in MIGRATIONS}:
                    return []
        applied: list[int] = []
        for version, name, migration in MIGRATIONS:
            with self.engine.begin() as conn:
                self.lock(conn, ["schema"])
                conn.execute(text(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                ))
                if conn.execute(text("SELECT 1 FROM schema_migrations WHERE version = :v"), {"v": version}).first():
                    continue
                migration(conn, self.dialect)
                conn.execute(
                    text("INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)"),
                    {"v": version, "n": name, "t": now()},
                )
                applied.append(version)
        return applied

    def schema_version(self) -> int:
        with self.transaction("read the schema version") as conn:
            return int(conn.execute(text("SELECT MAX(version) FROM schema_migrations")).scalar() or 0)

    def close(self) -> None:
        self._release()

    # -- articles -----------------------------------------------------------

    def save_article(self, conn: Connection, article: Article) -> None:
        """Insert or update one article inside the caller's transaction."""
        row = _article_row(article)
        stamp = now()
        columns = ", ".join(_ARTICLE_COLUMNS)
        values = ", ".join(f":{name}" for name in _ARTICLE_COLUMNS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in _ARTICLE_COLUMNS if name != "id")
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
        for row in rows:
            article = _article_from_row(row)
            if enrichment:
                with self.transaction(f"load enrichment of {article.id}") as conn:
                    self.load_enrichment(conn, article)
            yield article

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

    # -- small persistent state (learned models, cursors) ----------------

    def get_state(self, name: str, conn: Connection | None = None) -> Any:
        """A value of the state table, None when absent (in ``conn``'s transaction if given)."""
        if conn is None:
            with self.transaction(f"read state {name}") as own:
                return self.get_state(name, own)
        value = conn.execute(text("SELECT value FROM state WHERE name = :n"), {"n": name}).scalar()
        return json.loads(value) if value is not None else None

    def state_default(self, name: str, value: Any) -> Any:
        """The stored value of ``name``; ``value`` is stored first when there is none.

        Idempotent under concurrency: of several writers storing a first value at the
        same moment one wins, and all of them get its value.
        """
        with self.transaction(f"store the first value of {name}") as conn:
            conn.execute(
                text("INSERT INTO state (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING"),
                {"n": name, "v": json.dumps(value, ensure_ascii=False)},
            )
            return self.get_state(name, conn)

    def set_state(self, conn: Connection, name: str, value: Any) -> None:
        conn.execute(
            text("INSERT INTO state (name, value) VALUES (:n, :v)"
                 " ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
            {"n": name, "v": json.dumps(value, ensure_ascii=False)},
        )
