"""What every part of the store shares: the engine, transactions, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError


class StoreError(RuntimeError):
    """The database could not do what was asked; the message says what."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreBase:
    engine: Engine
    dialect: str

    @contextmanager
    def transaction(self, doing: str) -> Iterator[Connection]:
        """One unit of work; errors are re-raised as StoreError naming ``doing``."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store: unable to {doing}: {exc}") from exc
