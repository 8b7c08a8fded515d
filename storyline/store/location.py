"""Checks on a database location before anything is opened or created.

``Store(location)`` creates a SQLite file (and, for the default location, its folder);
a mistyped ``--db`` should not leave folders and empty databases behind, nor hand the
user a driver's traceback.  :func:`check_location` says in plain words what is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class LocationError(ValueError):
    """The database location cannot be used; the message says why and what to do."""


def check_location(location: str, *, create_parent: bool = False) -> None:
    """Raise :class:`LocationError` unless ``location`` is a usable SQLite path or PostgreSQL URL.

    A SQLite path must be in an existing folder unless ``create_parent`` (the default
    per-user location, whose folder storyline makes on first use).  Nothing is created here.
    """
    if not location.strip():
        raise LocationError("no database given: pass --db PATH or set STORYLINE_DB")
    scheme = _SCHEME.match(location)
    if scheme:
        name = scheme.group(1).lower()
        if name not in POSTGRES_SCHEMES:
            raise LocationError(f"unsupported database {name!r}: storyline stores in SQLite (give a file path) or"
                                " PostgreSQL (a postgresql:// URL; needs pip install 'storyline[postgres]')")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise LocationError("PostgreSQL needs its driver: pip install 'storyline[postgres]'") from None
        return
    path = Path(location).expanduser()
    if path.is_dir():
        raise LocationError(f"{location} is a folder; give a database file inside it, e.g. {path / 'storyline.db'}")
    folder = path.parent
    if not folder.exists():
        if create_parent:
            return
        raise LocationError(f"the folder {folder} does not exist (create it first, or choose another --db)")
    if not folder.is_dir():
        raise LocationError(f"{folder} is not a folder")
