"""Fixtures: a fresh database on each backend (SQLite always, PostgreSQL when
``$STORYLINE_TEST_POSTGRES`` names a server), and a store opened on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import BACKENDS, database

from storyline.store import Store

# ingest in one process unless a test asks for workers (`--workers`): the machine running the suite is shared
os.environ.setdefault("STORYLINE_WORKERS", "1")


@pytest.fixture(params=BACKENDS)
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a test's database lives: a SQLite path or a postgresql:// URL (one test, one database)."""
    with database(request.param, tmp_path, request.node.name) as location:
        yield location


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_location(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Like ``db_location``, shared by the tests of one module (for expensive set-ups)."""
    with database(request.param, tmp_path_factory.mktemp("db"), request.module.__name__) as location:
        yield location


@pytest.fixture
def store(db_location: str) -> Iterator[Store]:
    db = Store(db_location)
    yield db
    db.close()
