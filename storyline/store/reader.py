"""Reader state: what each user follows, read, marked and saved.

Follows, reads (``reads``: when a user last opened an article or story), saved
searches and a user's names for subscriptions (``stream_titles``) belong to a
user and go when the user goes (accounts themselves: :mod:`storyline.store.accounts`).

Mobile reader apps (the Google Reader API) know articles by item number: every
article gets a stable number, in the order articles arrived
(``article_numbers``, filled by :meth:`ReaderQueries.number_articles`).  A user's
marks live in ``item_states``: ``is_read`` NULL means "no mark", and then an
article read in the web reader (``reads``) counts as read.  Streams are made of an
:class:`ItemScope` (which articles) and an :class:`ItemQuery` (which of those, in
what order, from where on).  Only canonical articles are items: duplicates stay
with their original.

Every write of what a reader's pages show (follows, reads, marks, saved searches,
names for subscriptions; alerts, webhooks and the account's role elsewhere in the
store) changes the user's ``reader_stamp`` in the same transaction
(:func:`stamp_reader`): pages kept for a reader are good while it stands, in every
server process (see :mod:`storyline.web.visitor_pages`).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from storyline.store.base import StoreBase, now
from storyline.store.story_listings import STORIES_VERSION

FOLLOW_KINDS = ("entity", "story", "storyline")
READ_KINDS = ("article", "story")

READ = "COALESCE(st.is_read, CASE WHEN r.target_id IS NULL THEN 0 ELSE 1 END)"
STARRED = "COALESCE(st.starred, 0)"
_ITEMS = (
    " FROM articles a JOIN article_numbers n ON n.article_id = a.id"
    " LEFT JOIN item_states st ON st.user_id = :user AND st.article_id = a.id"
    " LEFT JOIN reads r ON r.user_id = :user AND r.kind = 'article' AND r.target_id = a.id"
    " WHERE a.duplicate_of IS NULL"
)


@dataclass(frozen=True, slots=True)
class ItemScope:
    """Which articles a stream holds: every article, or the union of the parts given."""

    everything: bool = False
    feeds: tuple[str, ...] = ()  # articles that came from these feed addresses
    other: bool = False  # articles that came from no subscribed feed (files, pages, archives)
    stories: tuple[str, ...] = ()
    storylines: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    def __or__(self, other: ItemScope) -> ItemScope:
        return ItemScope(self.everything or other.everything, self.feeds + other.feeds, self.other or other.other,
                         self.stories + other.stories, self.storylines + other.storylines,
                         self.entities + other.entities)


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """Which items of a scope, newest first unless ``oldest_first``; times are ISO 8601 UTC."""

    scope: ItemScope
    read: bool | None = None
    starred: bool | None = None
    since: str | None = None  # arrived at or after
    until: str | None = None  # arrived before
    after: int | None = None  # continue past this item number
    oldest_first: bool = False
    limit: int = 20


@dataclass(slots=True)
class ItemPage:
    items: list[dict[str, Any]] = field(default_factory=list)  # number, article_id, arrived
    next_after: int | None = None  # where the next page starts, when there is one


def new_reader_stamp() -> str:
    """A fresh stamp: random, so that an account removed and made again never matches an old one."""
    return secrets.token_hex(8)


def stamp_reader(conn: Connection, user_id: str) -> None:
    """Mark that ``user_id``'s own state changed, in the transaction that changes it.

    Call it in every write of state that a reader's pages show; credentials (sessions,
    tokens) and the alert worker's bookkeeping (cursors, deliveries) are not such state.
    An unknown user is no error: nothing is stamped.
    """
    conn.execute(text("UPDATE users SET reader_stamp = :s WHERE id = :u"), {"s": new_reader_stamp(), "u": user_id})


def _scope_sql(scope: ItemScope, params: dict[str, Any], expanding: list[str]) -> str:
    if scope.everything:
        return "1 = 1"
    parts = []
    if scope.feeds:
        parts.append("a.collection IN :feeds")
        params["feeds"] = list(scope.feeds)
        expanding.append("feeds")
    if scope.other:
        parts.append("(a.collection IS NULL OR a.collection NOT IN (SELECT url FROM feeds))")
    if scope.stories:
        parts.append("a.id IN (SELECT article_id FROM story_articles WHERE story_id IN :stories)")
        params["stories"] = list(scope.stories)
        expanding.append("stories")
    if scope.storylines:
        parts.append("a.id IN (SELECT sa.article_id FROM story_articles sa JOIN stories s ON s.id = sa.story_id"
                     " WHERE s.storyline_id IN :storylines)")
        params["storylines"] = list(scope.storylines)
        expanding.append("storylines")
    if scope.entities:
        parts.append("a.id IN (SELECT article_id FROM article_entities WHERE entity_id IN :entities)")
        params["entities"] = list(scope.entities)
        expanding.append("entities")
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


def _statement(sql: str, expanding: list[str]) -> Any:
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in expanding))


class ReaderQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    def number_articles(self) -> int:
        """Give a number to every article that has none yet, in arrival order; how many were numbered."""
        with self.transaction("compare article numbers") as conn:
            missing = conn.execute(text(
                "SELECT (SELECT COUNT(*) FROM articles) - (SELECT COUNT(*) FROM article_numbers)")).scalar()
        if not missing:
            return 0
        # Two callers at once may pick the same numbers: the second one's clashing rows are
        # dropped (ON CONFLICT DO NOTHING) and those articles get numbers on a later call.
        with self.transaction("number new articles") as conn:
            result = conn.execute(text(
                "INSERT INTO article_numbers (number, article_id)"
                " SELECT (SELECT COALESCE(MAX(number), 0) FROM article_numbers)"
                " + ROW_NUMBER() OVER (ORDER BY a.ingested_at, a.id), a.id FROM articles a"
                " WHERE NOT EXISTS (SELECT 1 FROM article_numbers n WHERE n.article_id = a.id)"
                " ON CONFLICT DO NOTHING"))
        return int(result.rowcount or 0)

    def list_items(self, user_id: str, query: ItemQuery) -> ItemPage:
        """One page of a stream: item numbers with their articles, and where the next page starts."""
        params: dict[str, Any] = {"user": user_id, "limit": query.limit + 1}
        expanding: list[str] = []
        sql = "SELECT n.number, a.id AS article_id, a.ingested_at AS arrived" + _ITEMS
        sql += " AND " + _scope_sql(query.scope, params, expanding)
        sql += self._filters(query, params)
        sql += f" ORDER BY n.number {'ASC' if query.oldest_first else 'DESC'} LIMIT :limit"
        with self.transaction("list reader items") as conn:
            rows = [dict(row._mapping) for row in conn.execute(_statement(sql, expanding), params)]
        page = ItemPage(rows[:query.limit])
        if len(rows) > query.limit and page.items:
            page.next_after = int(page.items[-1]["number"])
        return page

    @staticmethod
    def _filters(query: ItemQuery, params: dict[str, Any]) -> str:
        sql = ""
        if query.read is not None:
            sql += f" AND {READ} = {int(query.read)}"
        if query.starred is not None:
            sql += f" AND {STARRED} = {int(query.starred)}"
        if query.since:
            sql += " AND a.ingested_at >= :since"
            params["since"] = query.since
        if query.until:
            sql += " AND a.ingested_at < :until"
            params["until"] = query.until
        if query.after is not None:
            sql += f" AND n.number {'>' if query.oldest_first else '<'} :after"
            params["after"] = query.after
        return sql

    def count_unread(self, user_id: str, scope: ItemScope) -> tuple[int, str | None]:
        """Unread items in a scope, and when the newest of them arrived."""
        params: dict[str, Any] = {"user": user_id}
        expanding: list[str] = []
        sql = (f"SELECT COUNT(*) AS unread, MAX(a.ingested_at) AS newest{_ITEMS} AND {READ} = 0"
               f" AND {_scope_sql(scope, params, expanding)}")
        with self.transaction("count unread items") as conn:
            row = conn.execute(_statement(sql, expanding), params).first()
        return (int(row.unread), row.newest) if row else (0, None)

    def unread_by_collection(self, user_id: str) -> dict[str | None, tuple[int, str | None]]:
        """Unread items per collection (a feed's address, or where other articles came from)."""
        sql = (f"SELECT a.collection, COUNT(*) AS unread, MAX(a.ingested_at) AS newest{_ITEMS} AND {READ} = 0"
               " GROUP BY a.collection")
        with self.transaction("count unread items by feed") as conn:
            return {row.collection: (int(row.unread), row.newest)
                    for row in conn.execute(text(sql), {"user": user_id})}

    def has_unsubscribed_articles(self) -> bool:
        """Whether any canonical article came from no subscribed feed."""
        with self.transaction("look for articles from no feed") as conn:
            return conn.execute(text(
                "SELECT 1 FROM articles a WHERE a.duplicate_of IS NULL"
                " AND (a.collection IS NULL OR a.collection NOT IN (SELECT url FROM feeds)) LIMIT 1")).first() is not None

    def reader_items(self, user_id: str, numbers: list[int], *, oldest_first: bool = False) -> list[dict[str, Any]]:
        """The articles behind item numbers, with the user's marks and their story; unknown numbers are left out."""
        if not numbers:
            return []
        sql = ("SELECT n.number, a.id, a.url, a.title, a.authors, a.publisher, a.published, a.body, a.collection,"
               f" a.ingested_at AS arrived, a.updated_at, {READ} AS is_read, {STARRED} AS starred,"
               " s.id AS story_id, s.title AS story_title"
               " FROM articles a JOIN article_numbers n ON n.article_id = a.id"
               " LEFT JOIN item_states st ON st.user_id = :user AND st.article_id = a.id"
               " LEFT JOIN reads r ON r.user_id = :user AND r.kind = 'article' AND r.target_id = a.id"
               " LEFT JOIN story_articles sa ON sa.article_id = a.id LEFT JOIN stories s ON s.id = sa.story_id"
               f" WHERE n.number IN :numbers ORDER BY n.number {'ASC' if oldest_first else 'DESC'}")
        with self.transaction("fetch reader items") as conn:
            rows = [dict(row._mapping) for row in conn.execute(
                _statement(sql, ["numbers"]), {"user": user_id, "numbers": sorted(set(numbers))})]
        for row in rows:
            row["authors"] = json.loads(row["authors"] or "[]")
        return rows

    # -- marks ----------------------------------------------------------------

    def mark_items(self, user_id: str, numbers: list[int], *, read: bool | None = None,
                   starred: bool | None = None) -> None:
        """Mark items read or unread, starred or not, in one transaction; unknown numbers are ignored."""
        if not numbers or (read is None and starred is None):
            return
        params = {"user": user_id, "numbers": sorted(set(numbers)), "t": now()}
        with self.transaction(f"mark {len(params['numbers'])} items of {user_id}") as conn:
            if read is not None:
                self._mark(conn, "is_read", "read_marked_at", int(read), "n.number IN :numbers", params, ["numbers"])
            if starred is not None:
                self._mark(conn, "starred", "starred_at", int(starred), "n.number IN :numbers", params, ["numbers"])

    def mark_scope_read(self, user_id: str, scope: ItemScope, *, through: str | None = None,
                        starred: bool | None = None) -> int:
        """Mark the unread items of a scope read: those arrived at ``through`` or before, when given,
        and only the starred (or unstarred) ones, when ``starred`` says so.  How many were marked."""
        params: dict[str, Any] = {"user": user_id, "t": now()}
        expanding: list[str] = []
        where = (f"n.article_id IN (SELECT a.id{_ITEMS} AND {READ} = 0"
                 f" AND {_scope_sql(scope, params, expanding)}")
        if through:
            where += " AND a.ingested_at <= :through"
            params["through"] = through
        if starred is not None:
            where += f" AND {STARRED} = {int(starred)}"
        with self.transaction(f"mark a stream read for {user_id}") as conn:
            return self._mark(conn, "is_read", "read_marked_at", 1, where + ")", params, expanding)

    @staticmethod
    def _mark(conn: Connection, column: str, stamp: str, value: int, where: str, params: dict[str, Any],
              expanding: list[str]) -> int:
        # the WHERE before ON CONFLICT keeps SQLite from reading it as a join constraint
        sql = (f"INSERT INTO item_states (user_id, article_id, {column}, {stamp})"
               f" SELECT :user, n.article_id, {value}, :t FROM article_numbers n WHERE {where}"
               f" ON CONFLICT (user_id, article_id) DO UPDATE SET {column} = excluded.{column},"
               f" {stamp} = excluded.{stamp}")
        marked = int(conn.execute(_statement(sql, expanding), params).rowcount or 0)
        if marked:
            stamp_reader(conn, params["user"])
        return marked

    # -- a user's names for subscriptions ---------------------------------------

    def stream_titles(self, user_id: str) -> dict[str, str]:
        with self.transaction(f"list subscription names of {user_id}") as conn:
            rows = conn.execute(text("SELECT stream_id, title FROM stream_titles WHERE user_id = :u"),
                                {"u": user_id}).fetchall()
        return {row.stream_id: row.title for row in rows}

    def set_stream_title(self, user_id: str, stream_id: str, title: str | None) -> None:
        """Name a subscription for one user; None goes back to its own title."""
        with self.transaction(f"rename subscription {stream_id}") as conn:
            conn.execute(text("DELETE FROM stream_titles WHERE user_id = :u AND stream_id = :s"),
                         {"u": user_id, "s": stream_id})
            if title:
                conn.execute(text("INSERT INTO stream_titles (user_id, stream_id, title) VALUES (:u, :s, :t)"),
                             {"u": user_id, "s": stream_id, "t": title})
            stamp_reader(conn, user_id)

    # -- follows, reads, saved searches -----------------------------------------

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
            if result.rowcount:
                stamp_reader(conn, user_id)
        return bool(result.rowcount)

    def unfollow(self, user_id: str, kind: str, target_id: str) -> bool:
        with self.transaction(f"unfollow {kind} {target_id}") as conn:
            result = conn.execute(
                text("DELETE FROM follows WHERE user_id = :u AND kind = :k AND target_id = :id"),
                {"u": user_id, "k": kind, "id": target_id},
            )
            if result.rowcount:
                stamp_reader(conn, user_id)
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

    def reader_stamp(self, user_id: str) -> str | None:
        """The user's stamp (see :func:`stamp_reader`): it changes with every write of their own state."""
        with self.transaction(f"read the reader stamp of {user_id}") as conn:
            return conn.execute(text("SELECT reader_stamp FROM users WHERE id = :u"), {"u": user_id}).scalar()

    def reader_pages_version(self, user_id: str) -> tuple[tuple[Any, ...], str | None]:
        """What a page kept for a reader is good under, read in one statement: the stories'
        version (as :meth:`stories_version` gives it) and the reader's stamp."""
        with self.transaction(f"read the page stamps of {user_id}") as conn:
            row = conn.execute(text(f"SELECT {STORIES_VERSION}, (SELECT reader_stamp FROM users WHERE id = :u)"),
                               {"u": user_id}).first()
        return (tuple(row[:2]), row[2]) if row else ((), None)

    def record_read(self, user_id: str, kind: str, target_id: str) -> None:
        """Note that a user opened an article or story now (each call is a write: the web
        reader leaves out re-openings, see :mod:`storyline.web.recent_reads`)."""
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
        stamp_reader(conn, user_id)

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
            stamp_reader(conn, user_id)
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
            if result.rowcount:
                stamp_reader(conn, user_id)
        return bool(result.rowcount)
