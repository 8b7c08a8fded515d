"""What every part of the store shares: the engine, transactions, locks, errors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError


class StoreError(RuntimeError):
    """The database could not do what was asked; the message says what."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def storable(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with NUL characters in its strings replaced by U+FFFD.

    PostgreSQL text cannot hold NUL, and both backends must store the same
    thing; the replacement has the same length, so offsets into a body hold.
    """
    return {k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v for k, v in row.items()}


def lock_keys(names: Iterable[str]) -> list[int]:
    """Stable 64-bit advisory-lock keys for ``names``, in the order every writer takes them."""
    return sorted({int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big",
                                  signed=True) for name in names})


class StoreBase:
    engine: Engine
    dialect: str

    @contextmanager
    def transaction(self, doing: str, *, locks: Iterable[str] = ()) -> Iterator[Connection]:
        """One unit of work; errors are re-raised as StoreError naming ``doing``.

        ``locks`` are taken first (see :meth:`lock`), for a unit that reads and
        then writes on what it read.
        """
        names = list(locks)
        try:
            with self.engine.begin() as conn:
                if names:
                    self.lock(conn, names)
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store: unable to {doing}: {exc}") from exc

    def lock(self, conn: Connection, names: Iterable[str]) -> None:
        """Until the transaction ends, no other unit holding one of ``names`` runs.

        What this unit reads after the call is what the last unit holding the
        lock committed, and it stays so until this unit commits: check, then
        write, without a race.  SQLite has one write lock for the whole
        database, taken here if the transaction does not hold it yet
        (``BEGIN IMMEDIATE``, waiting up to the busy timeout); readers go on
        meanwhile.  PostgreSQL takes a transaction-scoped advisory lock per
        name, in one fixed order, so that two units never wait on each other.
        """
        keys = lock_keys(names)
        if not keys:
            return
        if self.dialect == "postgresql":
            # unnest walks the sorted array in order, so the locks are taken in that order
            conn.execute(text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                         {"keys": keys})
        elif not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            conn.exec_driver_sql("BEGIN IMMEDIATE")
