"""The store: one interface over SQLite (default) and PostgreSQL.

This module opens the database, migrates it and keeps the small ``state``
table; the queries are grouped by what is stored, one mixin per domain:
articles (:mod:`~storyline.store.articles`, with what enrichment found in
:mod:`~storyline.store.enrichment`), stories (:mod:`~storyline.store.stories`,
:mod:`~storyline.store.story_listings`), feeds, accounts (and sign-in failures), reader state
(:mod:`~storyline.store.reader`), alerts and search.  Methods are small and
named for what they do, hold literal SQL, and wrap database errors with what
was being done (``StoreError``, see :meth:`StoreBase.transaction`).  Writing
one article is one transaction: nothing is half-written.
"""

from __future__ import annotations

import json
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from storyline.store.accounts import AccountQueries
from storyline.store.alerts import AlertQueries
from storyline.store.articles import ArticleQueries
from storyline.store.base import StoreError, now
from storyline.store.feeds import FeedQueries
from storyline.store.migrations import MIGRATIONS
from storyline.store.reader import ReaderQueries
from storyline.store.search import SearchQueries
from storyline.store.sign_ins import SignInQueries
from storyline.store.stories import StoryQueries
from storyline.store.story_listings import StoryListingQueries


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


class Store(
    ArticleQueries, AccountQueries, AlertQueries, FeedQueries, ReaderQueries, SearchQueries, SignInQueries,
    StoryQueries, StoryListingQueries,
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
