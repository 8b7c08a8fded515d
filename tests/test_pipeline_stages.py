"""The one pipeline: its decode rule, its state names, the catch-up of articles awaiting
enrichment (``storyline enrich``, re-ingest, the API), and regressions that once ended a run."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support import page_csrf
from test_pipeline_chaos import brief, run, write_jsonl

from storyline.engines import resume
from storyline.pipeline import Pipeline, state
from storyline.pipeline.budget import OverBudget, time_budget
from storyline.pipeline.sanitize import sanitize_text
from storyline.pipeline.stage import Stage, Work, run_stage
from storyline.store import Store
from storyline.stories import update
from storyline.web import create_app


def test_decode_replaces_lone_surrogates_and_drops_control_characters() -> None:
    text = "a\ud800b\udfffc\x00d\x07e\tf\ng\r\nh\x0ci\u202ej\u2066k\u200fl\x85m"
    assert sanitize_text(text) == "a\ufffdb\ufffdcde\tf\ng\r\nh\x0ci\u202ej\u2066k\u200fl\x85m"
    assert sanitize_text("plain text, “quoted” — and ünïcödé") == "plain text, “quoted” — and ünïcödé"


def test_state_keys_and_locks_live_in_one_module() -> None:
    assert (update.CLUSTER_STATE, update.LINKER_STATE, update.CLUSTERING_LOCK) == (
        state.CLUSTER_STATE, state.LINKER_STATE, state.CLUSTERING_LOCK)
    assert resume.PREFIX == state.RESUME_PREFIX
    store_sources = "".join((Path(__file__).parents[1] / "storyline" / "store" / name).read_text()
                            for name in ("database.py", "enrichment.py"))
    for name in (state.ARTICLE_WRITES_LOCK, state.ENTITIES_LOCK, state.SCHEMA_LOCK):
        assert f'"{name}"' in store_sources  # the store spells them out; they must stay the same
    assert state.LOCK_ORDER[0] == state.ARTICLE_WRITES_LOCK


class _Halves(Stage):
    """Fails for a whole batch that holds an odd item, and for that item alone."""

    name = "halves"
    batched = True

    def __init__(self) -> None:
        self.calls: list[int] = []

    def run(self, batch: list[Work]) -> None:
        self.calls.append(len(batch))
        if any(int(work.source) % 2 for work in batch):
            raise RecursionError("maximum recursion depth exceeded")
        for work in batch:
            work.extra["done"] = True


def test_a_batched_stage_that_fails_is_run_again_item_by_item() -> None:
    works = [Work(str(n)) for n in (2, 4, 5, 6)]
    stage = _Halves()
    run_stage(stage, works)
    assert stage.calls == [4, 1, 1, 1, 1]
    assert [w.extra.get("done", False) for w in works] == [True, True, False, True]
    assert works[2].outcome is not None and works[2].outcome.reason == (
        "halves failed: RecursionError: maximum recursion depth exceeded")


def test_the_time_budget_stops_slow_work() -> None:
    with pytest.raises(OverBudget), time_budget(0.2):
        while True:
            pass
    with time_budget(5):
        total = sum(range(1000))
    assert total == 499500


def test_the_time_budget_holds_when_its_alarm_lands_in_a_weakref_callback() -> None:
    """Regression: Python swallows an exception raised inside a weakref callback (it
    reports it as unraisable): the budget's one alarm landed there once, was lost, and
    the work ran on unbudgeted with a warning.  The alarm now repeats until it lands."""
    import time
    import weakref

    class Held:
        pass

    reported: list[BaseException | None] = []
    before = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: reported.append(unraisable.exc_value)
    try:

        calls: list[int] = []

        def slow_callback(_ref: object) -> None:
            calls.append(1)
            if len(calls) == 1:  # the first one outlasts the budget
                end = time.monotonic() + 0.3
                while time.monotonic() < end:
                    pass

        started = time.monotonic()
        with pytest.raises(OverBudget), time_budget(0.1):
            while time.monotonic() - started < 2:
                held = Held()
                ref = weakref.ref(held, slow_callback)
                del held  # the callback runs now, and the alarm lands inside it
                assert ref() is None
        assert time.monotonic() - started < 1.0
    finally:
        sys.unraisablehook = before
    assert reported == []


def test_a_lone_surrogate_no_longer_ends_the_run(tmp_path: Path) -> None:
    """Regression: "\\ud800" in a JSONL text crashed spaCy (0 of 14 stored) and, without
    enrichment, save_article."""
    records = [brief(n) for n in range(14)]
    records[6]["text"] += " A lone half \ud800 of a pair."
    source = write_jsonl(tmp_path / "cranes.jsonl", records)
    for flags in (["--no-enrich"], []):
        db = str(tmp_path / f"s{len(flags)}.db")
        code, summary, _ = run("ingest", "--db", db, *flags, str(source))
        assert (code, summary["new"], summary["skipped"], summary["incomplete"]) == (0, 14, [], [])
        stored = Store(db).get_article("crane-6")
        assert stored is not None and stored.body.endswith("A lone half \ufffd of a pair.")


def test_articles_ingested_without_enrichment_are_caught_up(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(4)])
    db = str(tmp_path / "s.db")
    code, summary, _ = run("ingest", "--no-enrich", "--db", db, str(source))
    assert (code, summary["new"], summary["awaiting_enrichment"]) == (0, 4, 4)
    store = Store(db)
    assert store.list_stories() == []

    # a normal ingest of the same input enriches them rather than saying "unchanged"
    code, summary, _ = run("ingest", "--db", db, str(source))
    assert (code, summary["enriched"], summary["unchanged"], summary["awaiting_enrichment"]) == (0, 4, 0, 0)
    article = store.get_article("crane-2")
    assert article is not None and article.entities and store.story_of_article(article.id)
    code, summary, _ = run("ingest", "--db", db, str(source))
    assert (code, summary["enriched"], summary["unchanged"]) == (0, 0, 4)

    # a changed copy written without enrichment loses the old annotations (their offsets are wrong now)
    changed = [brief(n) for n in range(4)]
    changed[2]["text"] = "Nothing but a short correction notice about the harbour crane."
    code, summary, _ = run("ingest", "--no-enrich", "--db", db, str(write_jsonl(tmp_path / "fix.jsonl", changed)))
    assert (summary["updated"], summary["awaiting_enrichment"]) == (1, 1)
    article = store.get_article("crane-2")
    assert article is not None and not article.entities and not article.quotes and not article.times
    code, summary, _ = run("enrich", "--db", db)
    assert (code, summary["enriched"], summary["awaiting_enrichment"]) == (0, 1, 0)
    code, summary, _ = run("enrich", "--db", db)
    assert (code, summary["enriched"]) == (0, 0)


def test_enrich_retries_a_failing_article_a_few_times_then_leaves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyline.enrich import quotes as quote_package

    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(2)])
    db = str(tmp_path / "s.db")
    run("ingest", "--no-enrich", "--db", db, str(source))

    def broken(*_args: Any) -> Any:
        raise ValueError("annotator broken")

    monkeypatch.setattr(quote_package, "find_quotes", broken)  # what the quotes component calls
    for attempt in range(1, 4):
        code, summary, _ = run("enrich", "--db", db)
        assert (code, summary["enriched"], len(summary["incomplete"])) == (1, 0, 2)
        assert Store(db).enrich_error(Store(db).get_article("crane-0").id)[1] == attempt  # type: ignore[union-attr]
    code, summary, _ = run("enrich", "--db", db)
    assert (code, summary["incomplete"], summary["awaiting_enrichment"]) == (0, [], 2)  # left alone now
    monkeypatch.undo()
    code, summary, _ = run("enrich", "--retry-failed", "--db", db)
    assert (code, summary["enriched"], summary["awaiting_enrichment"]) == (0, 2, 0)


def test_the_api_ingests_with_enrichment_and_stories(tmp_path: Path) -> None:
    """POST /api/ingest runs the one pipeline: entities, quotes and stories, as the CLI does."""
    db = str(tmp_path / "s.db")
    client = TestClient(create_app(db), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    csrf = page_csrf(client)
    lines = "".join(json.dumps(brief(n)) + "\n" for n in range(3)) + "{not json\n"
    response = client.post("/api/ingest", content=lines,
                           headers={"Content-Type": "application/x-ndjson", "X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["summary"]["new"] == 3 and len(result["summary"]["skipped"]) == 1
    assert result["summary"]["awaiting_enrichment"] == 0
    store = Store(db)
    article = store.get_article("crane-1")
    assert article is not None and article.entities and article.quotes
    assert store.story_of_article(article.id) is not None


def test_a_write_that_fails_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The article row is written, then its annotations fail to be: the article is written again
    without them, marked for retry; no annotation row of the failed attempt remains."""
    from storyline.enrich import Enricher

    store = Store(str(tmp_path / "s.db"))
    pipeline = Pipeline(store, enricher=Enricher.for_store(store))

    def failing(self: Store, *_args: Any) -> None:
        raise TypeError("cannot store this annotation")

    monkeypatch.setattr(Store, "save_enrichment", failing)
    from storyline.article import RawDocument

    outcomes = list(pipeline.process([RawDocument("test:1", "body", text=brief(1)["text"])]))
    assert [(o.status, o.retry) for o in outcomes] == [
        ("new", "enrichment not written: TypeError: cannot store this annotation")]
    article_id = outcomes[0].article_id
    assert article_id is not None
    with store.transaction("count") as conn:
        from sqlalchemy import text

        entities = conn.execute(text("SELECT COUNT(*) FROM article_entities")).scalar()
        canonical = conn.execute(text("SELECT COUNT(*) FROM entities")).scalar()
    assert (entities, canonical) == (0, 0)  # the canonical entities written before the failure rolled back
    assert store.count_awaiting_enrichment() == 1


def test_the_background_refresh_catches_up_articles_awaiting_enrichment(tmp_path: Path) -> None:
    from storyline.poller import Poller, RefreshConfig

    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(3)])
    db = str(tmp_path / "s.db")
    run("ingest", "--no-enrich", "--db", db, str(source))
    store = Store(db)
    assert store.count_awaiting_enrichment() == 3
    poller = Poller(store, RefreshConfig())  # no feed is due: it catches up all the same
    try:
        assert poller.run_once() == 0
    finally:
        poller.stop()
    assert store.count_awaiting_enrichment() == 0
    article = store.get_article("crane-1")
    assert article is not None and article.entities and store.story_of_article(article.id)


def test_the_server_pipeline_keeps_the_annotators_time_budget_on_its_threads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server runs its pipeline on threads, where no signal reaches; its per-article work runs
    in worker processes, where the budget holds: over it, an article is stored without its
    annotations, marked for retry, and the poll goes on."""
    import threading

    from storyline.poller import Poller, RefreshConfig

    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(3)])
    db = str(tmp_path / "s.db")
    run("ingest", "--no-enrich", "--db", db, str(source))
    store = Store(db)
    monkeypatch.setenv("STORYLINE_ENRICH_TIMEOUT", "0.000001")  # every article is over it
    monkeypatch.setenv("STORYLINE_WORKERS", "1")
    poller = Poller(store, RefreshConfig(stories=False))
    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(poller.run_once()))
    try:
        thread.start()
        thread.join(120)
    finally:
        poller.stop()
    assert done == [0]
    assert store.count_awaiting_enrichment() == 3  # stored, none annotated: the budget held
    article = store.get_article("crane-1")
    assert article is not None and not article.entities


def test_a_server_pipeline_stores_a_dead_workers_articles_without_annotations(tmp_path: Path) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from storyline.article import Article
    from storyline.enrich import Enricher
    from storyline.pipeline.parallel import ParallelPipeline

    store = Store(str(tmp_path / "s.db"))
    pipeline = ParallelPipeline(store, enricher=Enricher.for_store(store), workers=1, redo_here=False)
    article = Article(id="a1", source="test", title="Cranes return", body="Cranes returned to the marsh on Monday.")
    work = Work("test", article=article)
    died: Future[list[Any]] = Future()
    died.set_exception(BrokenProcessPool("a worker was killed"))
    try:
        pipeline._collect([([work], died)])
    finally:
        pipeline.close()
    assert not work.annotated
    assert work.enrich_error is not None and "worker died" in work.enrich_error
