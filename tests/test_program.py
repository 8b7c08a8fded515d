"""The ``storyline`` program: an ingest with workers starts their fork server ahead, with the
model loaded in it once (:mod:`storyline.fork_server`); what it stores is the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_pipeline_chaos import brief, write_jsonl
from test_pipeline_workers import exported

from storyline.program import _local_workers

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("args", "workers"), [
    (["ingest", "--workers", "2", "news.jsonl"], 2),
    (["--db", "x.db", "ingest", "--workers=3", "news.jsonl"], 3),
    (["ingest", "--workers", "1", "news.jsonl"], 1),
    (["ingest", "--engine", "ray", "--workers", "2", "news.jsonl"], 0),  # Ray spreads the work itself
    (["ingest", "--workers", "two", "news.jsonl"], 0),  # the command line refuses it, and says why
    (["--db", "ingest", "stories"], 0),  # a store named "ingest": the command is stories
    (["enrich", "--workers", "2"], 2),  # stored articles annotated: the same workers
    (["stories", "--workers", "2"], 0),
    ([], 0),
])
def test_only_a_local_ingest_or_enrich_with_workers_starts_them_ahead(args: list[str], workers: int) -> None:
    assert _local_workers(args) == workers


PROBE = """
import gc, sys
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from storyline.fork_server import start_ahead

def probe():
    from storyline.nlp import load_nlp
    loaded = "spacy" in sys.modules and load_nlp.cache_info().currsize == 1
    return [loaded, gc.get_freeze_count() > 0]

if __name__ == "__main__":  # the fork server imports this file too
    start_ahead(enrich={enrich})
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        print(pool.submit(probe).result())
"""


@pytest.mark.parametrize("enrich", [True, False])
def test_workers_come_from_a_fork_server_with_the_model_loaded_when_enriching(tmp_path: Path, enrich: bool) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE.format(enrich=enrich), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().replace("True", "true").replace("False", "false")) == [enrich, enrich]


def program(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", "from storyline.program import main; main()", *args],
                          capture_output=True, text=True, cwd=REPO, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def test_the_program_with_workers_started_ahead_stores_what_one_process_stores(tmp_path: Path) -> None:
    news = write_jsonl(tmp_path / "news.jsonl", [brief(n) for n in range(12)])
    results = {}
    for workers in (1, 2):
        db = str(tmp_path / f"w{workers}.db")
        summary = program("ingest", "--json", "--workers", str(workers), "--db", db, str(news))
        results[workers] = (summary, exported(db))
    assert results[1] == results[2]
    assert results[2][0]["new"] == 12 and all(a["entities"] for a in results[2][1]["articles"])


@pytest.mark.parametrize(("name", "value"), [("STORYLINE_WORKERS", "two"), ("STORYLINE_ENRICH_TIMEOUT", "soon")])
def test_a_broken_setting_stops_the_program_with_its_name(tmp_path: Path, name: str, value: str) -> None:
    import os

    news = write_jsonl(tmp_path / "news.jsonl", [brief(1)])
    done = subprocess.run([sys.executable, "-c", "from storyline.program import main; main()", "ingest",
                           "--db", str(tmp_path / "s.db"), str(news)], capture_output=True, text=True, cwd=REPO,
                          check=False, timeout=300, env={**os.environ, name: value})
    assert done.returncode == 2
    assert f"{name} must be" in done.stderr and repr(value) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_the_program_enriches_stored_articles_with_workers_started_ahead_as_one_process_does(tmp_path: Path) -> None:
    """``storyline enrich --workers 2`` starts its workers as an ingest does (from the fork server,
    while the store opens): the annotations and stories are those one process makes."""
    import shutil

    news = write_jsonl(tmp_path / "news.jsonl", [brief(n) for n in range(8)])
    bare = str(tmp_path / "bare.db")
    assert program("ingest", "--json", "--no-enrich", "--workers", "1", "--db", bare, str(news))["new"] == 8
    results = {}
    for workers in (1, 2):
        db = str(tmp_path / f"w{workers}.db")
        shutil.copy(bare, db)
        summary = program("enrich", "--json", "--workers", str(workers), "--db", db)
        results[workers] = (summary, exported(db))
    assert results[1] == results[2]
    assert results[2][0]["enriched"] == 8 and all(a["entities"] for a in results[2][1]["articles"])
