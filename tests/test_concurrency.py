"""Several writers and the web server on one database, on each backend.

Writers race on purpose: threads released together store the same article, exact copies
and near copies of one article; separate ``storyline ingest`` processes ingest the same
records in different orders while the web app serves pages and takes the same records
through its API.  Afterwards every article is there once, every group of copies has one
canonical article that the others link to, each article was reported new (or duplicate)
by exactly one writer, and no writer or reader saw an error such as "database is locked".
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from starlette.testclient import TestClient
from support import page_csrf, together

from storyline.article import Article, Entity
from storyline.dedup import content_hash
from storyline.pipeline import Outcome, Pipeline
from storyline.store import Store
from storyline.store.base import now
from storyline.web import create_app

_VOCABULARY = """minister harbour council budget river strike court vote bridge school rail election hospital
farmers museum tariff storm festival police airport union treaty reactor mayor summit grain port ferry clinic
teachers bank loan coast flood forest mine canal tunnel market prices wages nurses"""
WORDS = _VOCABULARY.split()
COPIES = ("exact", "near")


def _text(rng: random.Random, words: int = 70) -> str:
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + ".")
    return " ".join(sentences)


def _near(body: str, seed: int) -> str:
    """``body`` with two words changed: a near copy (Jaccard of 5-shingles about 0.8)."""
    words = body.split(" ")
    for position in (seed * 7 + 5, seed * 11 + 30):
        words[position % len(words)] = f"changed{seed}"
    return " ".join(words)


class _PeopleEverywhere:
    """Stands in for the enricher at write time: each article names the same people, listed in
    its own order, so concurrent writers upsert the same canonical entity rows."""

    def persist(self, store: Store, conn: Connection, article: Article) -> None:
        rows = [{"id": e.canonical_id, "name": e.name, "type": e.type, "count": 1} for e in article.entities]
        store.save_canonical_entities(conn, rows)
        store.save_enrichment(conn, article, now())


def _people(seed: int) -> list[Entity]:
    people = [Entity(id=f"e{n}", name=f"Person {n}", type="PERSON", mentions=[(0, 6)], canonical_id=f"p{n}")
              for n in range(8)]
    random.Random(seed).shuffle(people)
    return people



def _canonical_groups(store: Store) -> dict[str, list[str]]:
    """Canonical id → ids of the articles linked to it (itself included)."""
    groups: dict[str, list[str]] = {}
    for article in store.iter_articles():
        groups.setdefault(article.duplicate_of or article.id, []).append(article.id)
    return groups


def test_writers_storing_one_article_at_once_leave_one_row(store: Store) -> None:
    pipeline = Pipeline(store)
    rng = random.Random(1)
    for round_ in range(4):
        body = _text(rng)

        def same(_: int, body: str = body, round_: int = round_) -> Outcome:
            article = Article(id=f"same-{round_}", source=f"test:same-{round_}", body=body,
                              content_hash=content_hash(body))
            return pipeline.store_article(article)

        outcomes = together(6, same)
        assert Counter(o.status for o in outcomes) == {"new": 1, "unchanged": 5}
    assert store.count_articles() == 4


def test_writers_storing_copies_at_once_link_them_to_one_original(store: Store) -> None:
    pipeline = Pipeline(store, enricher=_PeopleEverywhere())  # type: ignore[arg-type]
    rng = random.Random(2)
    for round_, kind in enumerate(COPIES * 2):
        body = _text(rng)

        def copy(i: int, body: str = body, round_: int = round_, kind: str = kind) -> Outcome:
            text = body if kind == "exact" else _near(body, i)
            article = Article(id=f"{kind}-{round_}-{i}", source=f"test:{kind}-{round_}-{i}", body=text,
                              content_hash=content_hash(text), entities=_people(i))
            return pipeline.store_article(article)

        outcomes = together(6, copy)
        statuses = Counter(o.status for o in outcomes)
        assert statuses == {"new": 1, "duplicate": 5}, (kind, statuses)
        original = next(o.article_id for o in outcomes if o.status == "new")
        assert {o.duplicate_of for o in outcomes if o.status == "duplicate"} == {original}
    groups = _canonical_groups(store)
    assert len(groups) == 4 and all(len(members) == 6 for members in groups.values())
    assert sorted(e["id"] for e in store.load_canonical_entities()) == [f"p{n}" for n in range(8)]
    assert all(len(a.entities) == 8 for a in store.iter_articles(enrichment=True))


def test_opening_a_new_database_from_many_threads_migrates_it_once(db_location: str) -> None:
    stores: list[Store] = []
    together(5, lambda _: stores.append(Store(db_location)) or Outcome("open", "new"))  # type: ignore[func-returns-value]
    with stores[0].transaction("count migrations") as conn:
        versions = [row[0] for row in conn.execute(text("SELECT version FROM schema_migrations"))]
    assert len(versions) == len(set(versions))
    for store in stores:
        store.close()


def _records(seed: int = 3, originals: int = 20) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """Records with exact and near copies, and the groups of ids that must end up linked."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    groups: dict[str, set[str]] = {}
    for n in range(originals):
        body = _text(rng)
        group = {f"r{n}"}
        records.append({"id": f"r{n}", "title": f"Report {n}", "publisher": "Ledger",
                        "published": f"2025-12-{n % 28 + 1:02d}", "text": body})
        if n % 3 == 0:
            records.append({"id": f"r{n}-exact", "title": f"Report {n}", "publisher": "Post", "text": body})
            group.add(f"r{n}-exact")
        if n % 3 == 1:
            records.append({"id": f"r{n}-near", "title": f"Report {n} again", "publisher": "Herald",
                            "text": _near(body, n)})
            group.add(f"r{n}-near")
        groups[f"r{n}"] = group
    return records, groups


def _ingest_command(path: Path, location: str) -> list[str]:
    return [sys.executable, "-c", "from storyline.cli import app; app()", "ingest", str(path), "--db", location,
            "--json", "--no-enrich"]


def test_ingest_processes_and_the_web_app_at_once(db_location: str, tmp_path: Path) -> None:
    records, groups = _records()
    Store(db_location).close()  # a database as `storyline serve` would have opened it
    workers = []
    for n in range(2):
        mine = records[:]
        random.Random(n).shuffle(mine)
        path = tmp_path / f"worker{n}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in mine), encoding="utf-8")
        workers.append(subprocess.Popen(_ingest_command(path, db_location), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
    client = TestClient(create_app(db_location), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    csrf = page_csrf(client)
    store = Store(db_location)
    deadline = time.monotonic() + 120
    while store.count_articles() == 0 and time.monotonic() < deadline:  # the workers have started writing
        time.sleep(0.02)
    api_batches = [records[i::4] for i in range(4)]
    failures: list[str] = []
    api_summaries: list[dict[str, Any]] = []
    pages = ["/", "/index.json", "/api/stories", "/search?q=harbour", "/api/search?q=minister", "/sources"]
    reads = 0
    while any(worker.poll() is None for worker in workers) or api_batches:
        time.sleep(0.05)
        if api_batches:
            lines = "".join(json.dumps(r) + "\n" for r in api_batches.pop())
            response = client.post("/api/ingest", content=lines,
                                   headers={"Content-Type": "application/x-ndjson", "X-CSRF-Token": csrf})
            if response.status_code != 200:
                failures.append(f"POST /api/ingest: {response.status_code} {response.text[:300]}")
            else:
                api_summaries.append(response.json()["summary"])
        for page in pages:
            response = client.get(page)
            reads += 1
            if response.status_code != 200:
                failures.append(f"GET {page}: {response.status_code} {response.text[:300]}")
    summaries = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
        assert "locked" not in err and "deadlock" not in err, err[-2000:]
        summaries.append(json.loads(out))
    assert not failures, failures[:5]
    assert reads >= len(pages)

    ids = {r["id"] for r in records}
    stored = list(store.iter_articles())
    assert store.count_articles() == len(stored) == len(ids)
    assert {a.external_id for a in stored} == ids
    by_external = {a.id: a.external_id for a in stored}
    linked = {frozenset(by_external[i] for i in members) for members in _canonical_groups(store).values()}
    assert linked == {frozenset(group) for group in groups.values()}
    everyone = [*summaries, *api_summaries]
    assert sum(s["new"] for s in everyone) == len(groups)  # each original reported new exactly once
    assert sum(s["duplicates"] for s in everyone) == len(ids) - len(groups)
    assert all(s["skipped"] == [] for s in everyone)
    hits = client.get("/api/search", params={"q": "report"}).json()
    assert hits["total"] == len(groups)  # copies are not search results of their own
    store.close()
