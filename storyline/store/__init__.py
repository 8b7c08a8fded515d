"""Storage behind one interface: SQLite by default, PostgreSQL by URL."""

from storyline.store.database import Store, StoreError

__all__ = ["Store", "StoreError"]
