"""Engines without Ray: archives planned and read as the local readers read them, per-article
work done apart gives the same store, and the ray engine refuses what it cannot do."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support import load_benchmark
from typer.testing import CliRunner

import storyline.engines
from storyline.article import Article, Failure, RawDocument
from storyline.cli import app
from storyline.engines import EngineError, ingest
from storyline.engines.archives import Archive, plan, read_archive
from storyline.engines.resume import ResumePoint, run_key
from storyline.engines.work import prepare_items
from storyline.export import article_record
from storyline.ingest import IngestOptions, read_inputs
from storyline.pipeline import Pipeline, Prepared, Summary
from storyline.store import Store


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return load_benchmark("engines").write_archives(tmp_path_factory.mktemp("archives"), copies=1)


def test_plan_resolves_inputs_as_the_local_readers_do(archives: list[Path], tmp_path: Path) -> None:
    folder = archives[0].parent
    inputs = [str(folder), str(tmp_path / "missing.warc.gz"), str(folder / "*.jsonl"), str(tmp_path / "*.warc")]
    units = plan(inputs)
    assert [u.path if isinstance(u, Archive) else (u.source, u.reason) for u in units] == [
        str(archives[1].absolute()), str(archives[0].absolute()),  # a folder is walked in name order
        (str(tmp_path / "missing.warc.gz"), "no such file or folder"),
        str(archives[1].absolute()),
        (str(tmp_path / "*.warc"), "no files match this pattern"),
    ]
    items = list(read_inputs(inputs, IngestOptions()))
    planned = [item for unit in units
               for item in (read_archive(unit.path, IngestOptions()) if isinstance(unit, Archive) else [unit])]
    assert [(type(i), i.source) for i in planned] == [(type(i), i.source) for i in items]


def test_read_archive_from_a_position(archives: list[Path]) -> None:
    for archive in archives:
        everything = list(read_archive(str(archive), IngestOptions()))
        assert len(everything) > 5
        assert any(isinstance(item, Failure) for item in everything)
        assert list(read_archive(str(archive), IngestOptions(), 5)) == everything[5:]


def test_work_done_apart_gives_the_same_store(archives: list[Path], tmp_path: Path) -> None:
    """Cleaning pages and bodies first (as a Ray actor does), then the pipeline: the same articles."""
    items = list(read_inputs([str(a) for a in archives], IngestOptions()))
    prepared = prepare_items(items, None)
    assert any(isinstance(item, Prepared) and item.article is None for item in prepared)  # the page of links
    assert any(isinstance(item, RawDocument) and item.kind == "text" for item in prepared)  # left to the pipeline
    assert not any(isinstance(item, RawDocument) and item.kind != "text" for item in prepared)
    results = []
    for name, stream in (("direct", items), ("apart", prepared)):
        store = Store(str(tmp_path / f"{name}.db"))
        summary = Summary()
        for outcome in Pipeline(store, IngestOptions(), batch_size=8).process(stream):
            summary.add(outcome)
        results.append((summary.to_dict(), [article_record(a) for a in store.iter_articles(enrichment=True)]))
        store.close()
    assert results[0] == results[1]
    assert results[0][0]["new"] > 5 and results[0][0]["duplicates"] > 0


def test_resume_key_follows_what_is_read(archives: list[Path]) -> None:
    units = plan([str(a) for a in archives])
    key = run_key(units, {"batch_size": 32})
    assert key == run_key(plan([str(a) for a in archives]), {"batch_size": 32})
    assert key != run_key(units[:1], {"batch_size": 32})
    assert key != run_key(units, {"batch_size": 16})
    touched = [Archive(u.path, u.size, u.modified + 1) if isinstance(u, Archive) else u for u in units]
    assert key != run_key(touched, {"batch_size": 32})
    point = ResumePoint(key).moved(1, 4, 36)
    assert (point.unit, point.index, point.items) == (1, 4, 36)


def test_ray_engine_reads_archives_only(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Hello.</p></body></html>", encoding="utf-8")
    store = Store(str(tmp_path / "s.db"))
    for inputs in ([str(page)], ["https://news.example/feed.xml"], [str(tmp_path)]):
        with pytest.raises(EngineError, match="archives only"):
            ingest("ray", Pipeline(store, IngestOptions()), inputs)
    with pytest.raises(EngineError, match="unknown engine"):
        ingest("spark", Pipeline(store, IngestOptions()), [str(page)])
    result = CliRunner().invoke(app, ["ingest", "--engine", "ray", "--db", str(tmp_path / "s.db"), str(page)])
    assert result.exit_code == 2
    assert "archives only" in result.output and "--engine local" in result.output


def test_ray_engine_without_the_extra_says_how_to_install_it(
    archives: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    monkeypatch.delitem(sys.modules, "storyline.engines.distributed", raising=False)
    monkeypatch.delattr(storyline.engines, "distributed", raising=False)
    db = str(tmp_path / "s.db")
    result = CliRunner().invoke(app, ["ingest", "--engine", "ray", "--no-enrich", "--db", db, str(archives[1])])
    assert result.exit_code == 2
    assert "pip install 'storyline[ray]'" in result.output
    assert Store(db).count_articles() == 0


def test_local_engine_is_the_default_and_the_pipeline(archives: list[Path], tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    result = CliRunner().invoke(app, ["ingest", "--no-enrich", "--json", "--db", db, str(archives[1])])
    assert result.exit_code == 1  # the archive has bad lines
    summary = json.loads(result.stdout)
    direct = Summary()
    for outcome in Pipeline(Store(str(tmp_path / "direct.db")), IngestOptions()).run([str(archives[1])]):
        direct.add(outcome)
    assert summary.pop("awaiting_enrichment") == direct.counts["new"] + direct.counts["duplicate"]
    assert summary == direct.to_dict()


def test_stream_order_is_the_order_articles_were_stored_in(tmp_path: Path) -> None:
    """Articles of one day reach the story clusterer by content hash, neither by id nor by when
    they were stored: both engines, a resumed run and a shuffled archive feed it the same
    stream."""
    store = Store(str(tmp_path / "s.db"))
    ids = ["f" * 16, "a" * 16, "c" * 16, "b" * 16]
    for number, article_id in enumerate(ids):
        article = Article(id=article_id, source=f"s{number}", body=f"Body number {number}.", published="2026-01-02",
                          content_hash=f"h{number}")
        with store.transaction("save") as conn:
            store.save_article(conn, article)
    again = Article(id=ids[0], source="s0", body="Body number 0, updated.", published="2026-01-02", content_hash="h9")
    with store.transaction("save") as conn:
        store.save_article(conn, again)  # an update takes the place of its new content
    assert store.unassigned_article_ids() == [ids[1], ids[2], ids[3], ids[0]]
