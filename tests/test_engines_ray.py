"""The ray engine on a local Ray cluster: the same store as the local engine on the same archives,
and a run that is killed part way resumes without losing or repeating an article.

One Ray session for the module (starting Ray takes seconds).  The archives are a WARC and a
JSONL built from the bundled examples and the HTML test pages (``benchmarks/engines.py``):
text dumps, pages, trusted bodies, near duplicates, records that are not articles, bad lines;
then a JSONL of short briefs (cheap to annotate) so that the run has more than one batch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import REPO, load_benchmark
from typer.testing import CliRunner

from storyline.cli import app
from storyline.engines.archives import Archive, read_archive
from storyline.engines.resume import ResumePoint
from storyline.engines.work import prepare_items
from storyline.export import article_record
from storyline.ingest import IngestOptions
from storyline.pipeline import Item, Pipeline
from storyline.store import Store, StoreError

ray = pytest.importorskip("ray", reason="the ray engine needs the ray extra: pip install -e '.[ray]'")

KILL_AFTER = 33  # articles written; the first batch (32 items) writes at most 32, so this is in the second
PEOPLE = ["Keir Starmer", "Emmanuel Macron", "Friedrich Merz", "Giorgia Meloni", "Volodymyr Zelensky"]
CITIES = ["Paris", "Berlin", "Rome", "Kyiv"]


def write_briefs(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            host, guest = PEOPLE[n % 5], PEOPLE[(n * 2 + 1) % 5]
            if host == guest:
                guest = PEOPLE[(n + 2) % 5]
            city = CITIES[n % 4]
            text = (f"{host} met {guest} in {city} on Tuesday to discuss support for Ukraine, officials said.\n\n"
                    f"“We agreed to meet again within {n + 2} weeks,” {guest.split()[-1]} told reporters after "
                    f"talks that lasted {n + 1} hours.")
            handle.write(json.dumps({"id": f"brief-{n}", "title": f"{host} meets {guest} in {city}",
                                     "published": f"2025-12-{10 + n % 6:02d}", "text": text}) + "\n")


@pytest.fixture(scope="module")
def ray_cluster() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("archives")
    paths = load_benchmark("engines").write_archives(folder, copies=1)
    write_briefs(folder / "briefs.jsonl", 20)
    return [*(str(path) for path in paths), str(folder / "briefs.jsonl")]


def ingest(db: str, archives: list[str], *engine: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["ingest", "--json", "--db", db, *engine, *archives])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout), result.output


def exported(db: str) -> dict[str, dict[str, dict[str, Any]]]:
    """``storyline export`` of articles, stories and storylines, by id (exports are newest first)."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in ("articles", "stories", "storylines"):
        result = CliRunner().invoke(app, ["export", kind, "--db", db])
        assert result.exit_code == 0, result.output
        records = [json.loads(line) for line in result.stdout.splitlines()]
        found[kind] = {record["id"]: record for record in records}
    return found


@pytest.fixture(scope="module")
def local_run(archives: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    db = str(tmp_path_factory.mktemp("local") / "local.db")
    code, summary, _ = ingest(db, archives)
    assert code == 1  # the archives hold bad lines and an empty page
    return summary, exported(db)


def resume_points(db: str) -> list[Any]:
    store = Store(db)
    with store.transaction("read resume points") as conn:
        from sqlalchemy import text

        names = [row[0] for row in conn.execute(text("SELECT name FROM state WHERE name LIKE 'ingest_resume:%'"))]
    return [store.get_state(name) for name in names]


def test_ray_engine_leaves_the_store_the_local_engine_leaves(
    ray_cluster: str, archives: list[str], local_run: tuple[dict[str, Any], Any], tmp_path: Path
) -> None:
    summary, local = local_run
    db = str(tmp_path / "ray.db")
    code, ray_summary, _ = ingest(db, archives, "--engine", "ray")
    assert code == 1
    assert ray_summary == summary
    assert summary["new"] >= 5 and summary["duplicates"] >= 10 and len(summary["skipped"]) == 4
    distributed = exported(db)
    for kind in ("articles", "stories", "storylines"):
        assert distributed[kind] == local[kind], kind
    articles = local["articles"].values()
    assert all(a["entities"] and a["quotes"] is not None for a in articles)
    assert any(a["duplicate_of"] for a in articles) and len(local["stories"]) >= 2
    assert resume_points(db) == [None]  # cleared when the run finished


def test_killed_run_resumes_without_losing_or_repeating_articles(
    ray_cluster: str, archives: list[str], local_run: tuple[dict[str, Any], Any], tmp_path: Path
) -> None:
    """The driver is killed (SIGKILL, mid-transaction) in the second batch; the run is started again."""
    db = str(tmp_path / "ray.db")
    script = textwrap.dedent(f"""
        import os, signal
        from storyline.cli import app
        from storyline.pipeline import Pipeline
        write, written = Pipeline.write_article, 0
        def write_then_die(self, *args, **kwargs):
            global written
            written += 1
            if written == {KILL_AFTER}:
                os.kill(os.getpid(), signal.SIGKILL)
            return write(self, *args, **kwargs)
        Pipeline.write_article = write_then_die
        app(["ingest", "--engine", "ray", "--db", {db!r}, *{archives!r}])
    """)
    env = {**os.environ, "RAY_ADDRESS": ray_cluster}
    killed = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    stored = Store(db).count_articles()
    assert 0 < stored < KILL_AFTER - 1
    [point] = resume_points(db)
    assert point["items"] == 32 and point["unit"] == 2  # the second batch starts in the briefs

    _, summary, output = ingest(db, archives, "--engine", "ray")
    assert "resuming an interrupted run: 32 items were done before" in output
    assert summary["new"] + summary["duplicates"] == len(local_run[1]["articles"]) - stored
    assert summary["unchanged"] == 0  # nothing read twice
    assert exported(db) == local_run[1]
    assert resume_points(db) == [None]  # the same command again reads everything and finds it unchanged


def test_a_run_failing_in_any_batch_resumes_to_the_same_store(
    archives: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver alone (what Ray tasks and actors compute is computed here, without enrichment),
    batches of 4: a run that fails while writing article N, then the same run again."""
    from storyline.engines import distributed

    def rows_here(archives: list[tuple[int, Archive]], resume: ResumePoint, options: IngestOptions,
                  enrich: bool) -> Any:
        for number, unit in archives:
            start = resume.index if number == resume.unit else 0
            for index, item in enumerate(read_archive(unit.path, options, start), start):
                results: list[Item] = prepare_items([item], None)
                yield number, index, results[0]

    monkeypatch.setattr(distributed, "_rows", rows_here)
    monkeypatch.setattr(distributed, "_connect", lambda: False)
    write = Pipeline.write_article

    def run(db: str, fail_at: int | None = None) -> list[str]:
        written = 0

        def write_or_fail(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
            nonlocal written
            written += 1
            if written == fail_at:  # the database fails (an article's own failure is contained instead)
                raise StoreError("store: unable to save an article: disk on fire")
            return write(self, *args, **kwargs)

        monkeypatch.setattr(Pipeline, "write_article", write_or_fail)
        pipeline = Pipeline(Store(db), IngestOptions(), batch_size=4)
        return [outcome.status for outcome in distributed.run(pipeline, archives, notice=lambda _: None)]

    def stored(db: str) -> list[dict[str, Any]]:
        return sorted((article_record(a) for a in Store(db).iter_articles()), key=lambda r: r["id"])

    def written(statuses: list[str]) -> int:
        return sum(status in ("new", "duplicate") for status in statuses)

    whole = run(str(tmp_path / "whole.db"))  # one outcome per item, so batch b is whole[4b:4b+4]
    expected = stored(str(tmp_path / "whole.db"))
    assert len(expected) == written(whole) > 30
    for fail_at in (1, 6, 19, len(expected)):
        db = str(tmp_path / f"fail-{fail_at}.db")
        with pytest.raises(StoreError, match="disk on fire"):
            run(db, fail_at)
        points = resume_points(db)  # none when the first batch failed
        done = points[0]["items"] if points else 0
        assert done % 4 == 0  # whole batches only: the failed one was rolled back
        assert Store(db).count_articles() == written(whole[:done]) < fail_at
        again = run(db)
        assert again == whole[done:]  # nothing lost, nothing read twice
        assert stored(db) == expected
        assert resume_points(db) == [None]
