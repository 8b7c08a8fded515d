"""Story grouping survives ``kill -9`` at any moment.

A corpus of synthetic articles (topics of invented names and words, a few hundred
stories) is stored once with ``storyline ingest --no-enrich``; a copy is grouped by one
uninterrupted ``storyline cluster``.  Another copy is grouped by ``storyline cluster``
processes killed with SIGKILL at random moments of their run, one after another (a run
that ends before its moment must have ended right, and the copy starts again), then
by one run left to finish: its stories, storylines, memberships and redirects must be
the uninterrupted run's, with no dangling id and an intact database.  The start of
``storyline serve`` (:func:`finish_interrupted`) repairs what a kill left without
grouping anything new.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from support import REPO

from storyline.store import Store
from storyline.stories.update import finish_interrupted

ARTICLES = 1000
KILLS = 10
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "del", "bar", "qu", "zen", "tor", "pal", "gri", "mon"]


def _corpus(path: Path, count: int, seed: int = 7) -> None:
    """``count`` JSONL articles on ``count // 25`` topics, each with its own names and words
    over a shared background vocabulary; one in ten undated."""
    rng = random.Random(seed)

    def word(k: int = 3) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(k))

    common = [word(2) for _ in range(400)]
    topics = [{"names": [f"{word().capitalize()} {word().capitalize()}" for _ in range(3)],
               "words": [word() for _ in range(25)],
               "start": date(2024, 1, 1) + timedelta(days=rng.randrange(600))} for _ in range(count // 25)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            topic = rng.choice(topics)
            sentences = []
            for _ in range(8):
                words = rng.sample(topic["words"], 4) + rng.sample(common, 6)
                rng.shuffle(words)
                sentences.append(f"{rng.choice(topic['names'])} {' '.join(words)}.")
            record: dict[str, Any] = {
                "id": f"a{i}", "title": f"{' '.join(rng.sample(topic['words'], 3)).capitalize()} "
                                        f"{rng.choice(topic['names'])}",
                "text": " ".join(sentences), "publisher": rng.choice(["Daily", "Herald", "Post", "Times"])}
            if rng.random() < 0.9:
                record["published"] = (topic["start"] + timedelta(days=rng.randrange(40))).isoformat()
            out.write(json.dumps(record) + "\n")


# ``storyline`` run from this tree; with ``--die-at K inside|after`` first, the process kills itself
# (SIGKILL) in its K-th write transaction before it commits, or just after it commits.  Either way
# it prints, at exit, how many write transactions it made.
_RUN = """
import os, signal, sys
from contextlib import contextmanager
from storyline.store import base
from storyline.cli import app

args, target, inside = sys.argv[1:], 0, False
if args[0] == "--die-at":
    target, inside, args = int(args[1]), args[2] == "inside", args[3:]
original, writes = base.StoreBase.transaction, 0

@contextmanager
def transaction(self, doing, **kwargs):
    global writes
    writing = doing.startswith(("save ", "clear "))
    with original(self, doing, **kwargs) as conn:
        yield conn
        if writing:
            writes += 1
            if inside and writes == target:
                os.kill(os.getpid(), signal.SIGKILL)
    if writing and writes == target:
        os.kill(os.getpid(), signal.SIGKILL)

base.StoreBase.transaction = transaction
try:
    app(args)
finally:
    print("writes:", writes, file=sys.stderr)
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", _RUN, *args]


def _cluster(db: Path) -> int:
    """Group what is left to group, uninterrupted; returns the write transactions made."""
    done = subprocess.run(_cli("cluster", "--db", str(db), "--json"), cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stderr.rsplit("writes:", 1)[1])


def _killed(db: Path, *, seconds: float | None = None, write: tuple[int, bool] | None = None) -> bool:
    """Run ``storyline cluster`` and SIGKILL it after ``seconds`` or in (inside: before its commit)
    or after its ``write``-th write transaction; False if it finished first."""
    die = ["--die-at", str(write[0]), "inside" if write[1] else "after"] if write else []
    process = subprocess.Popen(_cli(*die, "cluster", "--db", str(db), "--json"), cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        code = process.wait(timeout=seconds if seconds is not None else 600)
    except subprocess.TimeoutExpired:
        process.kill()  # SIGKILL
        process.wait()
        return True
    assert code in (0, -signal.SIGKILL), code
    return code != 0


def _tables(db: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of what grouping writes, but when it was written."""
    conn = sqlite3.connect(db)
    try:
        out = {}
        for table, key in (("stories", "id"), ("storylines", "id"), ("story_articles", "article_id"),
                           ("story_redirects", "old_id"), ("stories_to_rebuild", "kind, id")):
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {key}")
            names = [d[0] for d in cursor.description]
            out[table] = [{k: v for k, v in zip(names, row, strict=True) if k != "updated_at"} for row in cursor]
        return out
    finally:
        conn.close()


def _dangling(db: Path) -> dict[str, int]:
    """Counts of ids that point at nothing (all must be 0), and the integrity check."""
    conn = sqlite3.connect(db)
    try:
        checks = {
            "member of no story": "SELECT COUNT(*) FROM story_articles m LEFT JOIN stories s ON s.id = m.story_id"
                                  " WHERE s.id IS NULL",
            "member not an article": "SELECT COUNT(*) FROM story_articles m LEFT JOIN articles a"
                                     " ON a.id = m.article_id WHERE a.id IS NULL",
            "story in no storyline": "SELECT COUNT(*) FROM stories s LEFT JOIN storylines l"
                                     " ON l.id = s.storyline_id WHERE l.id IS NULL",
            "story without members": "SELECT COUNT(*) FROM stories s WHERE NOT EXISTS"
                                     " (SELECT 1 FROM story_articles m WHERE m.story_id = s.id)",
            "storyline without stories": "SELECT COUNT(*) FROM storylines l WHERE NOT EXISTS"
                                         " (SELECT 1 FROM stories s WHERE s.storyline_id = l.id)",
            "redirect to nothing": "SELECT COUNT(*) FROM story_redirects r LEFT JOIN stories s ON s.id = r.new_id"
                                   " LEFT JOIN storylines l ON l.id = r.new_id"
                                   " LEFT JOIN story_redirects n ON n.old_id = r.new_id"
                                   " WHERE s.id IS NULL AND l.id IS NULL AND n.old_id IS NULL",
            "left to rebuild": "SELECT COUNT(*) FROM stories_to_rebuild",
        }
        counts = {name: int(conn.execute(sql).fetchone()[0]) for name, sql in checks.items()}
        # each storyline lists exactly the stories that name it, and their articles
        listed: dict[str, set[str]] = {}
        for line_id, data in conn.execute("SELECT id, data FROM storylines"):
            listed[line_id] = set(json.loads(data).get("stories", []))
        naming: dict[str, set[str]] = {}
        for story_id, line_id in conn.execute("SELECT id, storyline_id FROM stories"):
            naming.setdefault(line_id, set()).add(story_id)
        counts["storyline lists other stories"] = sum(listed[k] != naming.get(k, set()) for k in listed)
        counts["not ok"] = int(conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok")
        return counts
    finally:
        conn.close()


@pytest.fixture(scope="module", autouse=True)
def lexical_model() -> Any:
    """The corpus is made of pseudo-words, which sentence embeddings (built from sub-word pieces)
    find all alike: they would link every story into one storyline.  This module tests what a
    kill leaves, not grouping quality, so it groups with the lexical model (inherited by the
    ``storyline`` processes it starts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STORYLINE_EMBEDDINGS", "off")
        yield


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float, int]:
    """(a store of the ingested corpus, not grouped; the same grouped in one run; the seconds
    and the write transactions that run took)."""
    folder = tmp_path_factory.mktemp("kill")
    corpus = folder / "corpus.jsonl"
    _corpus(corpus, ARTICLES)
    base = folder / "base.db"
    done = subprocess.run(_cli("ingest", "--no-enrich", "--db", str(base), "--json", str(corpus)), cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    reference = folder / "reference.db"
    shutil.copy(base, reference)
    started = time.monotonic()
    writes = _cluster(reference)
    return base, reference, time.monotonic() - started, writes


def _progress(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {"assigned": conn.execute("SELECT COUNT(*) FROM story_articles").fetchone()[0],
                "marked": conn.execute("SELECT COUNT(*) FROM stories_to_rebuild").fetchone()[0]}
    finally:
        conn.close()


def test_grouping_killed_at_random_moments_ends_as_one_run(grouped: tuple[Path, Path, float, int],
                                                           tmp_path: Path) -> None:
    """The first kill falls just after the first batch of assignments is committed; the others
    at a random time of the run or in a random write transaction (before or after its commit),
    alternately, one run after another on the same store."""
    base, reference, seconds, writes = grouped
    expected = _tables(reference)
    assert len(expected["stories"]) >= 50 and len(expected["storylines"]) >= 20, (len(expected["stories"]), len(expected["storylines"]))
    assert _dangling(reference) == dict.fromkeys(_dangling(reference), 0)

    db = tmp_path / "killed.db"
    shutil.copy(base, db)
    rng = random.Random()  # new moments each time; listed when the test fails
    moments: list[Any] = []
    left: list[dict[str, int]] = []
    while len(left) < KILLS:
        if not moments:  # once between two batches of assignments, for sure
            moment: Any = ("write", 1, False)
            killed = _killed(db, write=moment[1:])
        elif len(moments) % 2:
            moment = ("write", rng.randint(1, writes), rng.random() < 0.5)
            killed = _killed(db, write=moment[1:])
        else:
            moment = ("seconds", round(rng.uniform(0.3, seconds), 2))
            killed = _killed(db, seconds=moment[1])
        moments.append(moment)
        if not killed:  # the run finished first: it must have finished right
            assert _tables(db) == expected, moments
            shutil.copy(base, db)
            continue
        left.append(_progress(db))
    # kills fell while articles were being assigned and while views were rebuilt
    assert any(0 < state["assigned"] < ARTICLES for state in left), (moments, left)
    assert any(state["marked"] for state in left), (moments, left)

    _cluster(db)
    assert _dangling(db) == dict.fromkeys(_dangling(db), 0), moments
    assert _tables(db) == expected, moments


def test_serve_start_repairs_what_a_kill_left(grouped: tuple[Path, Path, float, int], tmp_path: Path) -> None:
    """Killed in the first story rebuild, after every article was assigned: the stories they
    point at are missing until :func:`finish_interrupted` rebuilds them; it groups nothing new."""
    base, reference, _, _ = grouped
    db = tmp_path / "killed.db"
    shutil.copy(base, db)
    assignment_commits = ARTICLES // 500 + 1  # one per batch, one for the duplicates
    assert _killed(db, write=(assignment_commits + 1, True))
    assert _progress(db)["assigned"] == ARTICLES
    assert _dangling(db)["member of no story"] == ARTICLES
    store = Store(str(db))
    try:
        assert finish_interrupted(store) > 50
        assert finish_interrupted(store) == 0  # nothing left: at once
    finally:
        store.close()
    counts = _dangling(db)
    assert counts == dict.fromkeys(counts, 0)
    assert _tables(db) == _tables(reference)
