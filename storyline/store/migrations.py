"""Ordered schema migrations.

Each migration is a small function that receives a connection and the dialect
name.  They run in order, once, inside one transaction each, and the applied
versions are recorded in ``schema_migrations``.  Append new ones; never edit
one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, text

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


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "articles", m001_articles),
    (2, "feeds", m002_feeds),
]
