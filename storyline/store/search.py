"""Search: articles matching a query's words and filters, best first.

The query itself (words, filters) and what each database dialect needs to run
it are still :mod:`storyline.search`'s.  Imports go from :mod:`storyline.search`
to the store, never back at import time: this module imports it only inside the
methods that run a search (until the dialects' SQL moves here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from storyline.store.base import StoreBase

if TYPE_CHECKING:
    from storyline.search import Hit, SearchQuery


class SearchQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    def search_articles(self, query: SearchQuery) -> list[Hit]:
        """Articles (not duplicates) matching the words and filters, best first (``query.offset`` on)."""
        from storyline.search import Hit
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
        from storyline.search import DIALECTS, match_expression

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
