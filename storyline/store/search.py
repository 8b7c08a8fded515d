"""Search: articles matching a query's words and filters, best first.

The query itself (words, filters), snippets and what each database dialect
needs to run a query are still :mod:`storyline.search`'s.  Imports go from
:mod:`storyline.search` to the store, never back at import time: this module
imports it only inside the methods that run a search (until the dialects' SQL
moves here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, text

from storyline.store.base import StoreBase

if TYPE_CHECKING:
    from storyline.search import Hit, SearchQuery

RANK_WINDOW = 1000  # matches ranked together: the newest so many, then the next so many, ...


class SearchQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    rank_window: int = RANK_WINDOW  # matches ranked together (see storyline.search)

    # -- search -----------------------------------------------------------

    def search_articles(self, query: SearchQuery) -> list[Hit]:
        """Articles (not duplicates) matching the words and filters, best first (``query.offset`` on).

        The database ranks the matches and cuts the page (only ids travel), in tiers of
        ``RANK_WINDOW`` matches by arrival when more match (see :mod:`storyline.search`);
        titles, stories and snippets are then read for the page's articles alone.
        """
        with self.transaction(f"search articles for {query.q!r}") as conn:
            page = self._ranked_page(conn, query)
            details = self._search_details(conn, query, page)
        return [details[article_id] for article_id in page if article_id in details]

    def _index_first(self, conn: Connection) -> None:
        """PostgreSQL: find matches through the text index, never by reading every row's vector.

        The planner prices ``@@`` on a row like any operator and scans the table when a word
        is common, but each row's vector is stored apart (TOAST) and must be read and
        unpacked: seconds at 100k articles, against milliseconds through the GIN index.
        """
        if self.dialect == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))

    def _ranked_page(self, conn: Connection, query: SearchQuery) -> list[str]:
        sql, order, params = self._search_sql(query)
        if "match" in params:
            self._index_first(conn)
        if "match" not in params:
            return [row.id for row in conn.execute(text(sql + order + " LIMIT :limit OFFSET :offset"),
                                                   params | {"limit": query.limit, "offset": query.offset})]
        from storyline.search import DIALECTS

        recency = DIALECTS.get(self.dialect, DIALECTS["sqlite"]).recency
        newest = text(f"{sql} ORDER BY {recency} DESC LIMIT 1 OFFSET :at".replace("SELECT a.id", f"SELECT {recency} AS k",
                                                                                   1))

        def boundary(position: int) -> Any:
            """The recency key of the match at ``position`` (0: the newest), None past the last."""
            return conn.execute(newest, params | {"at": position}).scalar() if position else None

        ids: list[str] = []
        window = self.rank_window
        tier, skip = divmod(query.offset, window)
        upper = boundary(tier * window)
        if tier and upper is None:
            return ids
        while len(ids) < query.limit:
            lower = boundary((tier + 1) * window)  # the first match of the next tier
            bounds = (f" AND {recency} <= :upper" if upper is not None else "") + \
                     (f" AND {recency} > :lower" if lower is not None else "")
            rows = conn.execute(text(sql + bounds + order + " LIMIT :limit OFFSET :offset"),
                                params | {"upper": upper, "lower": lower, "limit": query.limit - len(ids),
                                          "offset": skip})
            ids += [row.id for row in rows]
            if lower is None:
                break
            tier, skip, upper = tier + 1, 0, lower
        return ids

    def count_search(self, query: SearchQuery) -> int:
        """How many articles match the words and filters in all (not just one page)."""
        sql, _order, params = self._search_sql(query)
        if self.dialect != "postgresql" and "match" in params and not (
                query.person or query.outlet or query.story or query.date_from or query.date_to):
            # words alone: counted in the index (which holds no duplicate), without a row of articles read
            sql = "SELECT articles_fts.rowid FROM articles_fts WHERE articles_fts MATCH :match"
        with self.transaction(f"count articles for {query.q!r}") as conn:
            if "match" in params:
                self._index_first(conn)
            return int(conn.execute(text(f"SELECT count(*) FROM ({sql}) matched"), params).scalar_one())

    def _search_sql(self, query: SearchQuery) -> tuple[str, str, dict[str, Any]]:
        """The matching articles' ids (``SELECT a.id FROM ... WHERE ...``), the ranking ``ORDER BY``, the parameters."""
        from storyline.search import DIALECTS, match_expression

        terms = query.terms()
        dialect = DIALECTS.get(self.dialect, DIALECTS["sqlite"])
        params: dict[str, Any] = {}
        sql = "SELECT a.id FROM articles a"
        if terms:
            sql += f" {dialect.join}" if dialect.join else ""
            where = [dialect.where]
            params["match"] = match_expression(terms, self.dialect)
            order = f" ORDER BY {dialect.rank}, a.published IS NULL, a.published DESC, a.id"
        else:
            where = []
            order = " ORDER BY a.published IS NULL, a.published DESC, a.id"
        if query.story:
            sql += " JOIN story_articles sa ON sa.article_id = a.id"
            where.append("sa.story_id = :story")
            params["story"] = query.story
        if dialect.original or not terms:  # SQLite's text index holds originals only
            where.append(dialect.original or "a.duplicate_of IS NULL")
        if query.person:
            where.append("a.id IN (SELECT article_id FROM article_entities WHERE entity_id = :person)")
            params["person"] = query.person
        if query.outlet:
            where.append("lower(a.publisher) = lower(:outlet)")
            params["outlet"] = query.outlet
        if query.date_from:
            where.append("substr(a.published, 1, 10) >= :date_from")
            params["date_from"] = query.date_from[:10]
        if query.date_to:
            where.append("substr(a.published, 1, 10) <= :date_to")
            params["date_to"] = query.date_to[:10]
        return sql + " WHERE " + " AND ".join(where), order, params

    def _search_details(self, conn: Connection, query: SearchQuery, ids: list[str]) -> dict[str, Hit]:
        """Title, outlet, date, story and snippet of the articles of one page of results."""
        from storyline.search import SNIPPET_SCAN, Hit, snippet

        if not ids:
            return {}
        stmt = text(
            f"SELECT a.id, a.title, a.publisher, a.published, sa.story_id, substr(a.body, 1, {SNIPPET_SCAN}) AS body"
            " FROM articles a LEFT JOIN story_articles sa ON sa.article_id = a.id WHERE a.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        terms = query.terms()
        return {r.id: Hit(r.id, r.title, r.publisher, r.published, r.story_id,
                          snippet(r.body or "", terms) if terms else (r.body or "")[:240])
                for r in conn.execute(stmt, {"ids": ids})}
