"""Storage behind one interface: SQLite by default, PostgreSQL by URL."""

from storyline.store.base import StoreError
from storyline.store.database import Store

__all__ = ["Store", "StoreError"]
