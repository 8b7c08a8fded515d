"""kill -9 during ``storyline ingest``, again and again, then the same command to the end.

The store must hold every article once, with its annotations, as an uninterrupted run
leaves it; SQLite's ``PRAGMA integrity_check`` must pass; and no row may point at an
article, entity or story that does not exist.  The kills land at random moments of the
run (seeded), so some fall in cleaning and parsing, some in writes, some in grouping.

The stories and storylines must equal the uninterrupted run's too.  Kills inside grouping
itself are the subject of ``tests/test_grouping_kill.py``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import REPO
from test_pipeline_chaos import brief, write_jsonl
from typer.testing import CliRunner

from storyline.cli import app

KILLS = 10
SEED = 10

# (table, column, referenced table, referenced column): every reference the store keeps by id
REFERENCES = [
    ("article_entities", "article_id", "articles", "id"),
    ("article_entities", "entity_id", "entities", "id"),
    ("quotes", "article_id", "articles", "id"),
    ("times", "article_id", "articles", "id"),
    ("events", "article_id", "articles", "id"),
    ("article_features", "article_id", "articles", "id"),
    ("minhash_bands", "article_id", "articles", "id"),
    ("articles", "duplicate_of", "articles", "id"),
    ("story_articles", "article_id", "articles", "id"),
]
STORY_REFERENCES = [
    ("story_articles", "story_id", "stories", "id"),
    ("stories", "storyline_id", "storylines", "id"),
]


def corpus(folder: Path) -> Path:
    records = [brief(n) for n in range(330)]  # 11 batches: each kill below costs the run about one
    for n in (3, 17):  # exact copies under other ids: they must stay duplicates of the first
        records.append({**brief(n), "id": f"copy-{n}"})
    return write_jsonl(folder / "cranes.jsonl", records)


def ingest_command(db: str, source: Path) -> list[str]:
    return [sys.executable, "-c", "from storyline.cli import app; app()", "ingest", "--json", "--workers", "1",
            "--db", db, str(source)]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def exported(db: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind in ("articles", "stories", "storylines"):
        result = CliRunner().invoke(app, ["export", kind, "--db", db])
        assert result.exit_code == 0, result.output
        found[kind] = sorted((json.loads(line) for line in result.stdout.splitlines()), key=lambda r: r["id"])
    return found


def _count(db: str, table: str) -> int:
    """Rows in ``table``, 0 while the database or the table does not exist yet."""
    if not Path(db).exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def dangling(db: str, references: list[tuple[str, str, str, str]]) -> dict[str, int]:
    """How many rows of each reference point at nothing."""
    found = {}
    with sqlite3.connect(db) as conn:
        for table, column, target, key in references:
            count = conn.execute(
                f"SELECT COUNT(*) FROM {table} t WHERE t.{column} IS NOT NULL"
                f" AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.{key} = t.{column})"
            ).fetchone()[0]
            if count:
                found[f"{table}.{column}"] = count
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An uninterrupted run, and a run killed ``KILLS`` times at random moments then finished."""
    folder = tmp_path_factory.mktemp("kill")
    source = corpus(folder)
    whole = str(folder / "whole.db")
    done = subprocess.run(ingest_command(whole, source), env=environment(), capture_output=True, text=True,
                          timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]

    killed = str(folder / "killed.db")
    total = len(source.read_text().splitlines())
    rng = random.Random(SEED)
    moments = []
    for _ in range(KILLS):
        before = _count(killed, "articles")
        process = subprocess.Popen(ingest_command(killed, source), env=environment(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=REPO)
        started = time.monotonic()
        # most of a short run is start-up: wait for this run to store something, then kill it a
        # moment later (in a write, or cleaning and parsing the next batch; once all is stored, in grouping)
        while process.poll() is None and _count(killed, "articles") <= before < total:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.6))
        process.send_signal(signal.SIGKILL)
        code = process.wait()
        moments.append((round(time.monotonic() - started, 2), code, _count(killed, "articles"),
                        _count(killed, "story_articles")))
    again = subprocess.run(ingest_command(killed, source), env=environment(), capture_output=True, text=True,
                           timeout=600, cwd=REPO)
    assert again.returncode == 0, again.stderr[-3000:]
    return {"whole": whole, "killed": killed, "moments": moments, "summary": json.loads(again.stdout)}


def test_killed_runs_lose_and_repeat_no_article(runs: dict[str, Any]) -> None:
    moments = runs["moments"]
    print("kills (seconds into the run, exit code, articles stored, articles grouped):", moments)  # (seconds, exit code, articles stored, articles grouped) after each kill
    assert sum(code == -signal.SIGKILL for _, code, _, _ in moments) >= KILLS // 2, moments
    assert len({stored for _, _, stored, _ in moments}) >= 6, moments  # the kills fell at different points
    whole, killed = exported(runs["whole"]), exported(runs["killed"])
    assert [a["id"] for a in killed["articles"]] == [a["id"] for a in whole["articles"]]
    assert killed["articles"] == whole["articles"]  # bodies, duplicates, annotations, canonical entities
    assert runs["summary"]["awaiting_enrichment"] == 0
    with sqlite3.connect(runs["killed"]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM articles WHERE enriched_at IS NULL").fetchone()[0] == 0
    assert dangling(runs["killed"], REFERENCES) == {}


def test_killed_runs_leave_the_stories_of_an_uninterrupted_run(runs: dict[str, Any]) -> None:
    assert dangling(runs["killed"], STORY_REFERENCES) == {}
    whole, killed = exported(runs["whole"]), exported(runs["killed"])
    assert killed["stories"] == whole["stories"]
    assert killed["storylines"] == whole["storylines"]
