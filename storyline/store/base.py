"""What every part of the store shares: the engine, transactions, locks, errors."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
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


def lock_keys(names: Iterable[str], space: str = "") -> list[int]:
    """Stable 64-bit advisory-lock keys for ``names``, in the order every writer takes them.

    ``space`` (PostgreSQL: the schema) keeps stores sharing one database apart.
    """
    return sorted({int.from_bytes(hashlib.blake2b(f"{space}\x00{name}".encode(), digest_size=8).digest(),
                                  "big", signed=True) for name in names})


# SQLite databases without a file (":memory:") have no file to lock beside: a lock per name and process
_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_LOCKS_GUARD = threading.Lock()


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
        A unit that takes locks in several calls takes them in this order:
        "article writes", "entities", "boilerplate model".
        """
        keys = lock_keys(names, self._lock_space(conn))
        if not keys:
            return
        if self.dialect == "postgresql":
            # unnest walks the sorted array in order, so the locks are taken in that order
            conn.execute(text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
                         {"keys": keys})
        elif not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def _lock_space(self, conn: Connection) -> str:
        """What lock keys are scoped to: PostgreSQL's advisory locks are per database, so the schema."""
        if self.dialect != "postgresql":
            return ""
        space: str | None = getattr(self, "_schema", None)
        if space is None:
            space = str(conn.execute(text("SELECT current_schema()")).scalar() or "")
            self._schema = space
        return space

    @contextmanager
    def exclusive(
        self, name: str, *, timeout: float | None = None, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold ``name`` for the whole block, against every other process and thread.

        For work that spans many transactions and must not run twice at once (see
        :func:`storyline.stories.update.update_stories`); read the state it works on
        only once inside the block.  A second holder waits until the first leaves its
        block; ``on_wait`` is called once when it has to wait, and after ``timeout``
        seconds (None: as long as it takes) it gives up with a StoreError.  The lock
        dies with its holder, so a crashed process never leaves it held.  Not
        re-entrant: a thread asking again for a name it holds waits for itself.

        PostgreSQL: a session-level advisory lock on a connection of its own, kept
        for the block.  SQLite: ``flock`` on a file beside the database
        (``storyline.db.<name>.lock``, left in place).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        waited = False

        def wait() -> None:
            nonlocal waited
            if deadline is not None and time.monotonic() >= deadline:
                raise StoreError(f"store: unable to take the {name!r} lock: another process or thread "
                                 f"has held it for the {timeout:g} s allowed")
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(0.05 if deadline is None else max(0.0, min(0.05, deadline - time.monotonic())))

        if self.dialect == "postgresql":
            with self._advisory_session_lock(name, wait):
                yield
        else:
            with self._file_lock(name, wait):
                yield

    @contextmanager
    def _advisory_session_lock(self, name: str, wait: Callable[[], None]) -> Iterator[None]:
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            raise StoreError(f"store: unable to take the {name!r} lock: {exc}") from exc
        try:
            try:
                [key] = lock_keys([name], self._lock_space(conn))
                while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                    wait()
            except SQLAlchemyError as exc:
                raise StoreError(f"store: unable to take the {name!r} lock: {exc}") from exc
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                except SQLAlchemyError:
                    conn.invalidate()  # closing the session releases the lock
        finally:
            conn.close()

    @contextmanager
    def _file_lock(self, name: str, wait: Callable[[], None]) -> Iterator[None]:
        database = self.engine.url.database
        if not database or database == ":memory:":
            with _LOCAL_LOCKS_GUARD:
                local = _LOCAL_LOCKS.setdefault(name, threading.Lock())
            while not local.acquire(blocking=False):
                wait()
            try:
                yield
            finally:
                local.release()
            return
        import fcntl  # POSIX; imported here so that the store still imports elsewhere

        path = f"{database}.{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.lock"
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"store: unable to take the {name!r} lock: {exc}") from exc
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    wait()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            os.close(handle)
