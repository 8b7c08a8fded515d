"""Ordered schema migrations.

Each migration is a small function that receives a connection and the dialect
name.  They run in order, once, inside one transaction each, and the applied
versions are recorded in ``schema_migrations``.  Append new ones; never edit
one that has shipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

Migration = Callable[[Connection, str], None]


def _run(conn: Connection, statements: str) -> None:
    for statement in statements.split(";"):
        if statement.strip():
            conn.execute(text(statement))


def m001_articles(conn: Connection, dialect: str) -> None:
    _run(
        conn,
        """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            external_id TEXT,
            url TEXT,
            publisher TEXT,
            via TEXT,
            title TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            published TEXT,
            language TEXT,
            body TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            duplicate_of TEXT,
            collection TEXT,
            extracted_by TEXT NOT NULL DEFAULT '{}',
            raw TEXT,
            raw_kind TEXT,
            ingested_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX articles_external_id ON articles (external_id);
        CREATE INDEX articles_content_hash ON articles (content_hash);
        CREATE INDEX articles_duplicate_of ON articles (duplicate_of);
        CREATE INDEX articles_published ON articles (published);
        CREATE TABLE minhash_bands (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            band INTEGER NOT NULL,
            bucket TEXT NOT NULL,
            PRIMARY KEY (article_id, band)
        );
        CREATE INDEX minhash_bands_bucket ON minhash_bands (band, bucket);
        CREATE TABLE state (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
    )


def m002_feeds(conn: Connection, dialect: str) -> None:
    _run(
        conn,
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            title TEXT,
            site_url TEXT,
            etag TEXT,
            last_modified TEXT,
            added_at TEXT NOT NULL,
            last_fetched TEXT,
            last_status TEXT,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            article_count INTEGER NOT NULL DEFAULT 0
        )
        """,
    )


def m003_enrichment(conn: Connection, dialect: str) -> None:
    _run(
        conn,
        """
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            role TEXT,
            affiliation TEXT,
            article_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX entities_name ON entities (name);
        CREATE TABLE article_entities (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            local_id TEXT NOT NULL,
            entity_id TEXT,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            role TEXT,
            affiliation TEXT,
            mentions TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (article_id, local_id)
        );
        CREATE INDEX article_entities_entity ON article_entities (entity_id);
        CREATE TABLE quotes (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            text TEXT NOT NULL,
            speaker_local_id TEXT,
            speaker_entity_id TEXT,
            speaker_name TEXT,
            speaker_mention TEXT,
            speaker_start INTEGER,
            speaker_end INTEGER,
            cue TEXT,
            medium TEXT,
            indirect INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (article_id, seq)
        );
        CREATE INDEX quotes_speaker ON quotes (speaker_entity_id);
        CREATE TABLE times (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            text TEXT NOT NULL,
            type TEXT NOT NULL,
            value TEXT,
            PRIMARY KEY (article_id, seq)
        );
        CREATE TABLE events (
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            what TEXT NOT NULL,
            type TEXT NOT NULL,
            date TEXT,
            date_text TEXT,
            place TEXT,
            participants TEXT NOT NULL DEFAULT '[]',
            evidence_start INTEGER NOT NULL,
            evidence_end INTEGER NOT NULL,
            PRIMARY KEY (article_id, seq)
        );
        CREATE INDEX events_date ON events (date);
        ALTER TABLE articles ADD COLUMN enriched_at TEXT
        """,
    )


def m004_stories(conn: Connection, dialect: str) -> None:
    _run(
        conn,
        """
        CREATE TABLE storylines (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            first_seen TEXT,
            last_updated TEXT,
            story_count INTEGER NOT NULL DEFAULT 0,
            article_count INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            storyline_id TEXT,
            first_seen TEXT,
            last_updated TEXT,
            article_count INTEGER NOT NULL DEFAULT 0,
            outlet_count INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX stories_storyline ON stories (storyline_id);
        CREATE INDEX stories_last_updated ON stories (last_updated);
        CREATE TABLE story_articles (
            article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
            story_id TEXT NOT NULL
        );
        CREATE INDEX story_articles_story ON story_articles (story_id);
        CREATE TABLE story_redirects (
            old_id TEXT PRIMARY KEY,
            new_id TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'story'
        )
        """,
    )


def m005_web(conn: Connection, dialect: str) -> None:
    """Accounts, sessions, API tokens, follows, reading history and saved searches."""
    _run(
        conn,
        """
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT,
            is_admin INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX sessions_user ON sessions (user_id);
        CREATE TABLE api_tokens (
            id TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE follows (
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            target_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (user_id, kind, target_id)
        );
        CREATE TABLE reads (
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            target_id TEXT NOT NULL,
            first_read TEXT NOT NULL,
            last_read TEXT NOT NULL,
            times INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (user_id, kind, target_id)
        );
        CREATE INDEX reads_recent ON reads (user_id, last_read);
        CREATE TABLE saved_searches (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            query TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX saved_searches_user ON saved_searches (user_id)
        """,
    )


def m006_search(conn: Connection, dialect: str) -> None:
    """Full-text search over title and body, kept in sync with ``articles``.

    SQLite: an external-content FTS5 table maintained by triggers, backfilled
    here.  PostgreSQL: a generated ``tsvector`` column with a GIN index.
    """
    if dialect == "postgresql":
        _run(
            conn,
            """
            ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', coalesce(title, '')), 'A')
                || setweight(to_tsvector('simple', body), 'B')) STORED;
            CREATE INDEX articles_search ON articles USING GIN (search_vector)
            """,
        )
        return
    # Trigger bodies hold semicolons, so each statement runs on its own.
    for statement in (
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles',"
        " content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN"
        " INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END",
        "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, body)"
        " VALUES ('delete', old.rowid, old.title, old.body); END",
        "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, body)"
        " VALUES ('delete', old.rowid, old.title, old.body);"
        " INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END",
        "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')",
    ):
        conn.execute(text(statement))


def m007_article_features(conn: Connection, dialect: str) -> None:
    _run(
        conn,
        """
        CREATE TABLE article_features (
            article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
            lemmas TEXT NOT NULL DEFAULT '{}'
        )
        """,
    )


def m008_entity_registry(conn: Connection, dialect: str) -> None:
    _run(conn, "ALTER TABLE entities ADD COLUMN data TEXT NOT NULL DEFAULT '{}'")


def m009_feed_schedule(conn: Connection, dialect: str) -> None:
    """When each feed is next polled, at what interval, and whether it was stopped.

    ``error_count`` (migration 2) already counts consecutive errors: a good poll
    resets it.  ``next_due`` NULL means due now; ``interval_seconds`` NULL means
    the configured first interval; ``stopped_at`` is set when repeated errors
    stopped the feed and cleared when it is resumed.
    """
    _run(
        conn,
        """
        ALTER TABLE feeds ADD COLUMN next_due TEXT;
        ALTER TABLE feeds ADD COLUMN interval_seconds INTEGER;
        ALTER TABLE feeds ADD COLUMN stopped_at TEXT;
        CREATE INDEX feeds_next_due ON feeds (next_due)
        """,
    )


def m010_search_words_like_sqlite(conn: Connection, dialect: str) -> None:
    """PostgreSQL's text index finds the words SQLite's FTS5 finds.

    FTS5 (``unicode61 remove_diacritics 2``) splits text at every character
    that is not a letter or a digit and ignores accents.  PostgreSQL's parser
    keeps ``3.5``, ``U.S.`` and ``2025-12-08`` whole and ``simple`` keeps
    accents, so "12", "s" or "elysee" found nothing there.  The index now
    reads the text with punctuation turned into spaces, through a text search
    configuration ``storyline_search`` that drops accents with the ``unaccent``
    dictionary (installed here when the server has it; without it accents
    count, and a warning says so).  SQLite: nothing to do.
    """
    if dialect != "postgresql":
        return
    unaccent = _unaccent_dictionary(conn)
    conn.execute(text("CREATE TEXT SEARCH CONFIGURATION storyline_search (COPY = pg_catalog.simple)"))
    if unaccent:
        conn.execute(text(
            "ALTER TEXT SEARCH CONFIGURATION storyline_search"
            " ALTER MAPPING FOR word, numword, hword, hword_part, numhword, hword_numpart"
            f" WITH {unaccent}, pg_catalog.simple"
        ))
    else:
        log.warning("store: PostgreSQL has no unaccent extension; search will not ignore accents")
    # exec_driver_sql: the POSIX class [:punct:] is not a bind parameter
    conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN search_vector")
    conn.exec_driver_sql(
        """
        ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('storyline_search',
                regexp_replace(coalesce(title, ''), '[[:punct:]]+', ' ', 'g')), 'A')
            || setweight(to_tsvector('storyline_search',
                regexp_replace(body, '[[:punct:]]+', ' ', 'g')), 'B')) STORED
        """
    )
    conn.exec_driver_sql("CREATE INDEX articles_search ON articles USING GIN (search_vector)")


def _unaccent_dictionary(conn: Connection) -> str | None:
    """The ``unaccent`` dictionary, schema-qualified; installs the extension when it can."""
    find = text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                " WHERE e.extname = 'unaccent'")
    schema = conn.execute(find).scalar()
    if schema is None:
        if conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")).first() is None:
            return None
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
        except SQLAlchemyError as exc:  # e.g. no right to create it
            log.warning("store: could not install the unaccent extension: %s", exc)
            return None
        schema = conn.execute(find).scalar()
    return f'"{schema}".unaccent'


def m011_arrival_order(conn: Connection, dialect: str) -> None:
    """``articles.arrival``: the order articles were first stored in, 1, 2, 3, ...

    ``ingested_at`` is kept to the second, so articles stored in the same second
    used to fall back on their ids: the stream order (duplicate candidates, articles
    fed to the story clusterer) then depended on how fast a run went.  Existing
    articles are numbered by ``ingested_at`` and id, as they were ordered before.
    """
    _run(
        conn,
        """
        ALTER TABLE articles ADD COLUMN arrival BIGINT;
        UPDATE articles SET arrival = numbered.n FROM (
            SELECT id, ROW_NUMBER() OVER (ORDER BY ingested_at, id) AS n FROM articles
        ) AS numbered WHERE numbered.id = articles.id;
        CREATE INDEX articles_arrival ON articles (arrival)
        """,
    )


def m012_reader_state(conn: Connection, dialect: str) -> None:
    """What mobile reader apps (the Google Reader API) need per article and per user.

    ``article_numbers`` gives every article a stable number, in the order
    articles arrived (the apps' item ids); rows are added lazily when an app
    asks.  ``item_states`` holds each user's read and starred marks:
    ``is_read`` NULL means no mark, so an article read in the web reader
    counts as read.  ``stream_titles`` keeps a user's own names for
    subscriptions.
    """
    _run(
        conn,
        """
        CREATE TABLE article_numbers (
            number BIGINT PRIMARY KEY,
            article_id TEXT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE
        );
        CREATE TABLE item_states (
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            is_read INTEGER,
            starred INTEGER NOT NULL DEFAULT 0,
            read_marked_at TEXT,
            starred_at TEXT,
            PRIMARY KEY (user_id, article_id)
        );
        CREATE INDEX item_states_starred ON item_states (user_id, starred);
        CREATE TABLE stream_titles (
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            stream_id TEXT NOT NULL,
            title TEXT NOT NULL,
            PRIMARY KEY (user_id, stream_id)
        )
        """,
    )


def m013_entity_versions(conn: Connection, dialect: str) -> None:
    """A version on every canonical entity row, for workers sharing the registry.

    Each write of canonical entities (under the "entities" lock) stamps its rows
    with one more than the highest version stored, so a worker finds what others
    wrote since it last looked with ``version > seen`` through the index, without
    reading the whole table.  Rows written before are version 0.
    """
    _run(
        conn,
        """
        ALTER TABLE entities ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
        CREATE INDEX entities_version ON entities (version)
        """,
    )


def m014_stories_version(conn: Connection, dialect: str) -> None:
    """Indexes on when stories and storylines were last written.

    The front page is reused while no story or storyline has been written since; the check
    runs on every request and reads the newest write time of each table through these
    indexes instead of scanning the tables (see ``Store.stories_version``).
    """
    _run(
        conn,
        """
        CREATE INDEX stories_updated_at ON stories (updated_at);
        CREATE INDEX storylines_updated_at ON storylines (updated_at)
        """,
    )


def m015_article_lookups_in_arrival_order(conn: Connection, dialect: str) -> None:
    """Lookups by content hash, external id and original carry the arrival order.

    Each asks for the earliest-arrived match (``WHERE content_hash = :h ORDER BY arrival,
    id``).  With one-column indexes PostgreSQL's planner, whose row estimates lag behind a
    fast-growing table, may walk the arrival index instead and filter the whole table for a
    hash that is not there: a cost per article that grows with the store.  An index on
    (key, arrival, id) answers both the match and the order, on either database.
    """
    _run(
        conn,
        """
        DROP INDEX articles_content_hash;
        CREATE INDEX articles_content_hash ON articles (content_hash, arrival, id);
        DROP INDEX articles_external_id;
        CREATE INDEX articles_external_id ON articles (external_id, arrival, id);
        DROP INDEX articles_duplicate_of;
        CREATE INDEX articles_duplicate_of ON articles (duplicate_of, arrival, id)
        """,
    )


def m024_summary_only_entries(conn: Connection, dialect: str) -> None:
    """Feed entries stored with the feed's summary because their page could not be fetched.

    One row per such article: the feed, the page to fetch again, the entry's metadata
    (JSON, to rebuild the document), why the page failed, how many retries failed and
    when the next is due (NULL once the retries gave up).  The row goes when the full
    page is stored.
    """
    _run(
        conn,
        """
        CREATE TABLE summary_only_entries (
            article_id TEXT PRIMARY KEY,
            feed_url TEXT NOT NULL,
            page_url TEXT,
            given TEXT NOT NULL,
            reason TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try TEXT,
            added_at TEXT NOT NULL
        );
        CREATE INDEX summary_only_entries_due ON summary_only_entries (feed_url, next_try)
        """,
    )


def m028_invites(conn: Connection, dialect: str) -> None:
    """Invite codes for signing up when the sign-up policy is ``invite`` (stored by hash; each is used once)."""
    _run(
        conn,
        """
        CREATE TABLE invites (
            code_hash TEXT PRIMARY KEY,
            created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_by TEXT REFERENCES users (id) ON DELETE SET NULL,
            used_at TEXT
        )
        """,
    )


def m032_article_image(conn: Connection, dialect: str) -> None:
    """The lead image's address (og:image of the page, or the feed's media:content/enclosure)."""
    _run(conn, "ALTER TABLE articles ADD COLUMN image TEXT")


def m036_event_status(conn: Connection, dialect: str) -> None:
    """An event happened, is planned, or is only reported (told with a hedge); rows written
    before this migration were all read as told, so they keep 'happened'."""
    _run(conn, "ALTER TABLE events ADD COLUMN status TEXT NOT NULL DEFAULT 'happened'")


def m016_awaiting_enrichment(conn: Connection, dialect: str) -> None:
    """Articles stored without their annotations, marked to be enriched later.

    ``enriched_at`` is NULL for an article ingested without enrichment or whose
    enrichment failed; ``enrich_error`` holds why it failed last and
    ``enrich_attempts`` how often it did (``storyline enrich`` retries up to a limit).
    The partial index finds the articles awaiting enrichment, in arrival order,
    without reading the others.
    """
    _run(
        conn,
        """
        ALTER TABLE articles ADD COLUMN enrich_error TEXT;
        ALTER TABLE articles ADD COLUMN enrich_attempts INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX articles_awaiting_enrichment ON articles (arrival, id) WHERE enriched_at IS NULL
        """,
    )


def m020_stories_to_rebuild(conn: Connection, dialect: str) -> None:
    """The stories and storylines whose shown form is behind their members.

    A grouping run marks a story here in the transaction that assigns it an article (and a
    storyline in the one that rebuilds one of its stories), and unmarks it in the transaction
    that saves its rebuilt form: what a killed run left to do is in the store, and the next
    run does it (see ``storyline.stories.update``).
    """
    _run(
        conn,
        """
        CREATE TABLE stories_to_rebuild (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            PRIMARY KEY (kind, id)
        )
        """,
    )


def m033_feed_category(conn: Connection, dialect: str) -> None:
    """A feed's folder ("News/World"), kept from OPML and shown to Google Reader clients as a label."""
    _run(conn, "ALTER TABLE feeds ADD COLUMN category TEXT")


def m034_alerts(conn: Connection, dialect: str) -> None:
    """Alerts on developments: per-user webhooks, an alert flag and cursor per follow, a delivery log."""
    _run(
        conn,
        """
        ALTER TABLE follows ADD COLUMN alert INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE webhooks (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            site_url TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX webhooks_user ON webhooks (user_id);
        CREATE TABLE alert_cursors (
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            target_id TEXT NOT NULL,
            arrival BIGINT NOT NULL,
            PRIMARY KEY (user_id, kind, target_id)
        );
        CREATE TABLE deliveries (
            id TEXT PRIMARY KEY,
            webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            target_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_status INTEGER,
            last_error TEXT,
            created_at TEXT NOT NULL,
            last_attempt_at TEXT,
            next_attempt_at TEXT,
            delivered_at TEXT
        );
        CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
        CREATE INDEX deliveries_user ON deliveries (user_id, created_at)
        """,
    )


def m044_search_index_of_originals(conn: Connection, dialect: str) -> None:
    """SQLite: the full-text index holds articles that are not duplicates, and only them.

    Search never shows duplicates, and telling one apart by ``duplicate_of`` reads the row
    past its body (the column comes after it): counting the matches of a common word read
    tens of thousands of bodies.  The triggers now index an article while it is not a
    duplicate and take it out when it becomes one; the index is refilled here.
    PostgreSQL: nothing (its ``tsvector`` column is generated for every row).
    """
    if dialect == "postgresql":
        return
    for statement in (
        "DROP TRIGGER articles_fts_insert",
        "DROP TRIGGER articles_fts_delete",
        "DROP TRIGGER articles_fts_update",
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles WHEN new.duplicate_of IS NULL BEGIN"
        " INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body); END",
        "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.duplicate_of IS NULL BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, body)"
        " VALUES ('delete', old.rowid, old.title, old.body); END",
        # one trigger, so that the old entry always goes before the new one comes
        "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body, duplicate_of ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, body)"
        " SELECT 'delete', old.rowid, old.title, old.body WHERE old.duplicate_of IS NULL;"
        " INSERT INTO articles_fts (rowid, title, body)"
        " SELECT new.rowid, new.title, new.body WHERE new.duplicate_of IS NULL; END",
        "INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')",
        "INSERT INTO articles_fts (rowid, title, body) SELECT rowid, title, body FROM articles"
        " WHERE duplicate_of IS NULL",
    ):
        conn.execute(text(statement))


def m045_search_word_statistics(conn: Connection, dialect: str) -> None:
    """PostgreSQL: ``ANALYZE`` keeps the frequencies of the 10,000 commonest words of the text index.

    A search reads its tier of matches in ranges of arrival sized from the planner's estimate
    of how many articles hold the words (see ``storyline.store.search``).  With the default
    statistics the planner knows the 1,000 commonest words, those in more than about one
    article in ten at 100k articles, and guesses the same low count for every other word:
    the range is then the whole archive.  SQLite: nothing (no estimate is read there).
    """
    if dialect == "postgresql":
        _run(conn, "ALTER TABLE articles ALTER COLUMN search_vector SET STATISTICS 1000")


def m029_sign_in_failures(conn: Connection, dialect: str) -> None:
    """Failed sign-ins by account and by address, so that every server process counts them together."""
    _run(
        conn,
        """
        CREATE TABLE sign_in_failures (
            key TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at)
        """,
    )


def m046_reader_stamps(conn: Connection, dialect: str) -> None:
    """A stamp per user that every write of what that reader's pages show changes (follows, reads,
    marks, saved searches, alerts, the account's role); pages kept for a reader are good while it
    stands (see ``storyline.store.reader.stamp_reader``)."""
    _run(conn, "ALTER TABLE users ADD COLUMN reader_stamp TEXT")


def m047_article_headlines(conn: Connection, dialect: str) -> None:
    """The headline each article is shown with (``storyline.stories.headline.article_headline``:
    its title, or the main clause of its lede when it has none), kept with it so that listings,
    feeds and searches read it instead of each shaping one; stored articles get theirs here."""
    from storyline.stories.headline import HEADLINE_SCAN, article_headline

    _run(conn, "ALTER TABLE articles ADD COLUMN headline TEXT")
    after = ""
    while True:
        rows = conn.execute(text("SELECT id, title, substr(body, 1, :n) FROM articles WHERE id > :after"
                                 " ORDER BY id LIMIT 500"), {"n": HEADLINE_SCAN, "after": after}).fetchall()
        if not rows:
            return
        conn.execute(text("UPDATE articles SET headline = :h WHERE id = :id"),
                     [{"id": row[0], "h": article_headline(row[1], row[2] or "")} for row in rows])
        after = rows[-1][0]


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "articles", m001_articles),
    (2, "feeds", m002_feeds),
    (3, "enrichment", m003_enrichment),
    (4, "stories", m004_stories),
    (5, "web", m005_web),
    (6, "search", m006_search),
    (7, "article features", m007_article_features),
    (8, "entity registry", m008_entity_registry),
    (9, "feed schedule", m009_feed_schedule),
    (10, "search words like SQLite", m010_search_words_like_sqlite),
    (11, "arrival order", m011_arrival_order),
    (12, "reader state", m012_reader_state),
    (13, "entity versions", m013_entity_versions),
    (14, "stories version", m014_stories_version),
    (15, "article lookups in arrival order", m015_article_lookups_in_arrival_order),
    (16, "awaiting enrichment", m016_awaiting_enrichment),
    (20, "stories to rebuild", m020_stories_to_rebuild),
    (24, "summary-only feed entries", m024_summary_only_entries),
    (28, "invites", m028_invites),
    (29, "sign-in failures", m029_sign_in_failures),
    (32, "article image", m032_article_image),
    (33, "feed category", m033_feed_category),
    (34, "alerts", m034_alerts),
    (36, "event status", m036_event_status),
    (44, "search index of originals", m044_search_index_of_originals),
    (45, "search word statistics", m045_search_word_statistics),
    (46, "reader stamps", m046_reader_stamps),
    (47, "article headlines", m047_article_headlines),
]
