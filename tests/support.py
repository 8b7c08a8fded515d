"""Paths and helpers the tests share (imported by name; conftest files only hold fixtures)."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "storyline" / "data" / "examples"
BACKENDS = ("sqlite", "postgres")
POSTGRES_VARIABLE = "STORYLINE_TEST_POSTGRES"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared, or skip the test with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)} (benchmark data beside the repo), which is absent")
    return path


def load_benchmark(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` (registered in ``sys.modules`` so its dataclasses work)."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@contextmanager
def database(backend: str, folder: Path, label: str) -> Iterator[str]:
    """A fresh, empty database for one test (or one module) on ``backend``; yields its location.

    SQLite: a file in ``folder``.  PostgreSQL: a schema of its own in the server named by
    ``$STORYLINE_TEST_POSTGRES``, selected through the URL (``search_path``) and dropped
    afterwards with every connection to it; without the variable the test skips.
    """
    if backend == "sqlite":
        yield str(folder / "test.db")
        return
    base = os.environ.get(POSTGRES_VARIABLE)
    if not base:
        pytest.skip(f"PostgreSQL variant: set {POSTGRES_VARIABLE} to a postgresql:// URL of a scratch "
                    "database to run it (each test gets a schema of its own there)")
    import psycopg

    schema = f"t_{re.sub(r'[^a-z0-9]+', '_', label.lower())[:40]}_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(base, autocommit=True)
    try:
        _unaccent_in_public(admin)
        admin.execute(f'CREATE SCHEMA "{schema}"')
        yield postgres_url(base, schema)
    finally:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = %s AND pid <> pg_backend_pid()", [schema])
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _unaccent_in_public(admin: Any) -> None:
    """Install ``unaccent`` (migration 10 uses it) once, in ``public``: installed by a test's
    migration it would live in that test's schema and go when the schema is dropped."""
    if admin.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'").fetchone():
        return
    if admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'").fetchone():
        admin.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")


def postgres_url(base: str, schema: str) -> str:
    """``base`` with every connection confined to ``schema`` and named after it."""
    parts = urlsplit(base)
    query = dict(parse_qsl(parts.query))
    query.update(options=f"-csearch_path={schema}", application_name=schema)
    return urlunsplit(parts._replace(query=urlencode(query)))


def stored_text(location: str) -> str:
    """Everything the database at ``location`` holds, as text, to check what is never stored.

    SQLite: the bytes of the database file and its write-ahead log.  PostgreSQL: every row
    of every table in the test's schema.
    """
    if "://" not in location:
        files = [Path(location), Path(location + "-wal")]
        return "".join(f.read_bytes().decode("latin-1") for f in files if f.exists())
    import psycopg

    with psycopg.connect(location) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        return "\n".join(str(row[0]) for table in tables
                         for row in conn.execute(f'SELECT CAST(t AS text) FROM "{table}" t'))


T = TypeVar("T")


def together(workers: int, work: Callable[[int], T]) -> list[T]:
    """``work(i)`` in ``workers`` threads released at the same moment; re-raise any error."""
    start = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def page_csrf(client: Any, path: str = "/sources") -> str:
    """The CSRF token a browser finds in the forms of one of the server's pages."""
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert match, f"{path} has a CSRF field"
    return match.group(1)
