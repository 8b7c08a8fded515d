"""Search: articles matching a query's words and filters, best first.

What each database needs to run a text query (:data:`DIALECTS`), the index query
for a list of terms and the snippets cut from the page's bodies are here, beside the
SQL.  Parsing a user's words into terms and grouping hits by story are
:mod:`storyline.search`'s; imports go from there to the store, never back.

Snippets come back with the matched words between ``MARK_START`` and ``MARK_END``
control characters, so a renderer can escape the text first and only then turn the
markers into ``<mark>`` elements.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, text

from storyline.store.base import StoreBase

if TYPE_CHECKING:
    from storyline.search import SearchQuery, Term

MARK_START = "\x02"
MARK_END = "\x03"

_INDEXED = re.compile(r"[^\W_]+")  # what both indexes take for a word: letters and digits (unicode61, simple)
SNIPPET_TOKENS = 28  # words in a snippet
SNIPPET_SCAN = 100_000  # characters of a body searched for the snippet's words


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one database runs a text query; ``:match`` is bound to :func:`match_expression`."""

    join: str  # joined after ``FROM articles a``
    where: str
    rank: str  # lower is better
    recency: str  # higher is stored later, unique per article
    original: str  # the article is not a duplicate ("": the index holds originals only)


DIALECTS: dict[str, Dialect] = {
    "sqlite": Dialect(
        join="JOIN articles_fts ON articles_fts.rowid = a.rowid",
        where="articles_fts MATCH :match",
        rank="bm25(articles_fts, 4.0, 1.0)",
        recency="articles_fts.rowid",
        original="",  # the index holds no duplicate (migration 44)
    ),
    "postgresql": Dialect(  # storyline_search: see migration 10
        join="",
        where="a.search_vector @@ to_tsquery('storyline_search', :match)",
        # title weighs 4 times the body and long bodies are damped, as bm25(4, 1) above does
        rank="-ts_rank('{0.1, 0.2, 0.25, 1.0}', a.search_vector, to_tsquery('storyline_search', :match), 1)",
        recency="a.arrival",
        original="a.duplicate_of IS NULL",
    ),
}


@dataclass(slots=True)
class Hit:
    article_id: str
    title: str | None
    publisher: str | None
    published: str | None
    story_id: str | None
    snippet: str  # plain text with MARK_START/MARK_END around matches
    headline: str = ""  # what to head the article with (its title, or its lede's main clause)


def match_expression(terms: list[Term], dialect: str) -> str:
    """The index query for ``terms`` (all must match), safe to bind as a parameter."""
    if dialect == "postgresql":
        parts = []
        for term in terms:
            words = [w.replace("'", "") for w in term.words]
            part = " <-> ".join(f"'{w}'" for w in words)
            parts.append(part + (":*" if term.prefix else ""))
        return " & ".join(parts)
    parts = []
    for term in terms:
        phrase = " ".join(term.words).replace('"', '""')
        parts.append(f'"{phrase}"' + ("*" if term.prefix else ""))
    return " ".join(parts)


class _Folding(dict[int, str]):
    """``str.translate`` table: each character to one character (so offsets hold), lower case, accents off."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = [c for c in unicodedata.normalize("NFKD", char.lower()) if not unicodedata.combining(c)]
        folded = base[0] if len(base) == 1 else char
        self[code] = folded
        return folded


_FOLDING = _Folding({code: chr(code).lower() for code in range(128)})
_SNIPPET_REACH = 200  # characters after a match that count towards a snippet's choice


def _term_pattern(term: Term) -> re.Pattern[str] | None:
    words = [w.translate(_FOLDING) for part in term.words for w in _INDEXED.findall(part)]
    if not words:
        return None
    tail = r"[^\W_]*" if term.prefix else ""
    # starts with the word itself, so that the regex engine looks for it fast; the word before is checked apart
    return re.compile(r"[\W_]+".join(map(re.escape, words)) + tail + r"(?![^\W_])")


def snippet(body: str, terms: list[Term], size: int = SNIPPET_TOKENS) -> str:
    """About ``size`` words of ``body`` around the most of ``terms``, matches between the markers.

    Cut from the page's own bodies (the same on every database, and only for the
    articles shown); words are compared as the indexes compare them (letters and
    digits, case and accents aside), a phrase word by word, a prefix term by its start.
    """
    text = body[:SNIPPET_SCAN]
    folded = text.translate(_FOLDING)
    hits: list[tuple[int, int, int]] = []  # (start, end, term)
    for number, term in enumerate(terms):
        pattern = _term_pattern(term)
        if pattern is not None:
            for found in pattern.finditer(folded):
                if found.start() and folded[found.start() - 1].isalnum():  # inside a word
                    continue
                hits.append((found.start(), found.end(), number))
                if len(hits) > 256 * (number + 1):
                    break
    hits.sort()
    anchor = 0
    if hits:
        starts = [h[0] for h in hits]

        def score(hit: tuple[int, int, int]) -> tuple[int, int, int]:
            near = hits[bisect_left(starts, hit[0]):bisect_left(starts, hit[0] + _SNIPPET_REACH)]
            return len({h[2] for h in near}), len(near), -hit[0]

        anchor = max(hits[:64], key=score)[0]
    before = [t.start() for t in _INDEXED.finditer(folded, max(0, anchor - 80), anchor)][-3:]
    begin = before[0] if before else anchor
    words = [t for t, _ in zip(_INDEXED.finditer(folded, begin), range(size), strict=False)]
    if not words:
        return ""
    begin, finish = words[0].start(), words[-1].end()
    pieces, position = [], begin
    for start, end, _term in hits[bisect_left([h[0] for h in hits], begin):]:
        if end > finish:
            break
        if start < position:  # overlaps a match already marked
            continue
        pieces += [text[position:start], MARK_START, text[start:end], MARK_END]
        position = end
    pieces.append(text[position:finish])
    more = _INDEXED.search(folded, finish) is not None or len(body) > len(text)
    earlier = _INDEXED.search(folded[:begin]) is not None
    return ("…" if earlier else "") + "".join(pieces) + ("…" if more else "")


RANK_WINDOW = 1000  # matches ranked together: the newest so many, then the next so many, ...
COUNT_LIMIT = 10_000  # matches counted; past it a total reads "10,000+"
_RANGE_MARGIN = 1.25  # PostgreSQL: a first range of arrival holds this many times the matches sought, as estimated


def _estimated_rows(conn: Connection, sql: str, params: dict[str, Any]) -> float:
    """PostgreSQL: the planner's estimate of how many rows ``sql`` gives (at least 1)."""
    plan = conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), params).scalar_one()
    return max(1.0, float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]))


class SearchQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    rank_window: int = RANK_WINDOW  # matches ranked together (see storyline.search)
    count_limit: int = COUNT_LIMIT  # matches counted (see count_search)

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
        if self.dialect == "postgresql":
            return self._ranked_page_by_keys(conn, query, sql, order, params)
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

    def _ranked_page_by_keys(self, conn: Connection, query: SearchQuery, sql: str, order: str,
                             params: dict[str, Any]) -> list[str]:
        """PostgreSQL: the page, tier by tier, each tier's matches named first.

        The same tiers as the boundaries above cut, without their queries: asked for the
        match at a position in arrival order, the planner walks the arrival index and tests
        each row it meets, unpacking the row's vector (TOAST).  The keys of a tier come from
        the text index's bitmap instead (:meth:`_newest_matches`), and only the tier's own
        rows are then read, to rank them.
        """
        ranked = text(f"SELECT a.id FROM articles a WHERE a.id = ANY(CAST(:keys AS TEXT[])){order} LIMIT :limit OFFSET :offset")
        ids: list[str] = []
        bounds = conn.execute(text("SELECT min(arrival), max(arrival) FROM articles")).one()
        if bounds[0] is None:
            return ids
        # no plain index scans: the planner would walk the arrival index testing each row's vector
        # (see _newest_holding); lookups by key then run as bitmaps of a few rows
        conn.execute(text("SET LOCAL enable_indexscan = off"))
        window = self.rank_window
        tier, skip = divmod(query.offset, window)
        while len(ids) < query.limit:
            keys = self._newest_matches(conn, sql, params, bounds, tier * window, window + 1)  # one more: a next tier?
            if not keys:
                break
            rows = conn.execute(ranked, params | {"keys": keys[:window], "limit": query.limit - len(ids),
                                                  "offset": skip})
            ids += [row.id for row in rows]
            if len(keys) <= window:
                break
            tier, skip = tier + 1, 0
        return ids

    def _newest_matches(self, conn: Connection, sql: str, params: dict[str, Any], bounds: tuple[int, int],
                        start: int, count: int) -> list[str]:
        """PostgreSQL: the ids of the matches at positions ``start`` to ``start + count - 1`` in arrival
        order, newest first.

        The index alone decides words (and prefixes); a phrase needs each row's word positions,
        in its vector: the rows holding the phrase's words come from the index
        (:meth:`_newest_holding`), and only the newest of them are read for the phrase, more
        when too few hold it.
        """
        match = params["match"]
        words = match.replace(" <-> ", " & ")
        where = DIALECTS["postgresql"].where
        wanted = start + count if words == match else start + count + 16  # a phrase: a few rows more to read
        holding = self._newest_holding(conn, sql.replace(where, where.replace(":match", ":words")),
                                       params | {"words": words}, bounds, wanted)
        if words == match:
            return list(itertools.islice(holding, start, start + count))
        phrase = text(f"SELECT a.id FROM articles a WHERE a.id = ANY(CAST(:keys AS TEXT[])) AND {where}"
                      " ORDER BY a.arrival DESC, a.id")
        found: list[str] = []
        while len(found) < start + count:
            keys = list(itertools.islice(holding, wanted))
            wanted = start + count - len(found) + 16
            if not keys:
                break
            found += conn.execute(phrase, params | {"keys": keys}).scalars()
        return found[start:start + count]

    def _newest_holding(self, conn: Connection, sql: str, params: dict[str, Any], bounds: tuple[int, int],
                        wanted: int) -> Iterator[str]:
        """PostgreSQL: the ids of the rows ``sql`` selects, newest first, read range by range of arrival.

        Asked for the newest matches in arrival order, the planner walks the arrival index and
        tests each row it meets, unpacking the row's vector (TOAST): 150 ms for a word in 10% of
        100k articles.  Sorted by ``arrival + 0``, an order that index cannot give, and bounded
        to a range of arrival, the matches come from the text index's bitmap ANDed with the
        arrival index's, or for a word in most rows from the range's rows tested one by one:
        either way only the range's rows are read.  The first range is sized from the planner's
        estimate of how many rows match to hold ``wanted`` of them with a margin; each next
        range, older, is twice the size of the one before.  The planner takes words as
        independent (the share of rows holding two words is the product of their shares), but
        words searched together mostly go together (a name, a subject): the estimate is then
        at least that of the rarest word, at worst a few more ranges read.
        """
        estimated = _estimated_rows(conn, sql, params)
        terms = params["words"].split(" & ")
        if len(terms) > 1:  # words searched together mostly go together: at most as many as the rarest
            where = DIALECTS["postgresql"].where.replace(":match", ":words")
            rarest = min(_estimated_rows(conn, f"SELECT 1 FROM articles a WHERE {where}", {"words": term})
                         for term in set(terms))
            estimated = max(estimated, rarest)
        bottom, top = bounds
        span = math.ceil(wanted * (top - bottom + 1) / estimated * _RANGE_MARGIN)
        ranged = text(sql + " AND a.arrival >= :lower AND a.arrival < :upper ORDER BY a.arrival + 0 DESC, a.id"
                      " LIMIT :n OFFSET :read")
        upper = top + 1
        while upper > bottom:
            lower, read = max(upper - span, bottom), 0
            while True:  # the range's rows, no more than are wanted at a time
                rows = conn.execute(ranged, params | {"lower": lower, "upper": upper, "n": wanted, "read": read})
                found = list(rows.scalars())
                yield from found
                if len(found) < wanted:
                    break
                read, wanted = read + len(found), 2 * wanted  # more were asked for than first said
            upper, span = lower, 2 * span

    def count_search(self, query: SearchQuery) -> int:
        """How many articles match the words and filters in all (not just one page), counted up to
        :attr:`count_limit` + 1: more matches than the limit come back as the limit + 1.

        A count visits every match (on PostgreSQL each matching row), so a word found in most
        of a large archive would cost more than the page; like other search engines, the
        count stops past the limit and the total then reads "10,000+".
        """
        sql, _order, params = self._search_sql(query)
        if self.dialect != "postgresql" and "match" in params and not (
                query.person or query.outlet or query.story or query.date_from or query.date_to):
            # words alone: counted in the index (which holds no duplicate), without a row of articles read
            sql = "SELECT articles_fts.rowid FROM articles_fts WHERE articles_fts MATCH :match"
        with self.transaction(f"count articles for {query.q!r}") as conn:
            if "match" in params:
                self._index_first(conn)
            return int(conn.execute(text(f"SELECT count(*) FROM ({sql} LIMIT :counted) matched"),
                                    params | {"counted": self.count_limit + 1}).scalar_one())

    def _search_sql(self, query: SearchQuery) -> tuple[str, str, dict[str, Any]]:
        """The matching articles' ids (``SELECT a.id FROM ... WHERE ...``), the ranking ``ORDER BY``, the parameters."""
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
        if not ids:
            return {}
        stmt = text(
            f"SELECT a.id, a.title, a.headline, a.publisher, a.published, sa.story_id,"
            f" substr(a.body, 1, {SNIPPET_SCAN}) AS body"
            " FROM articles a LEFT JOIN story_articles sa ON sa.article_id = a.id WHERE a.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        terms = query.terms()
        return {r.id: Hit(r.id, r.title, r.publisher, r.published, r.story_id,
                          snippet(r.body or "", terms) if terms else (r.body or "")[:240], r.headline)
                for r in conn.execute(stmt, {"ids": ids})}
