"""``storyline ingest --workers N``: the per-article work in N processes, the same store for any N."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from support import EXAMPLES, load_benchmark
from test_pipeline_chaos import brief, write_jsonl
from typer.testing import CliRunner
from worker_probe import collector, die, spacy_loaded

from storyline.article import RawDocument
from storyline.cli import app
from storyline.pipeline import make_pipeline
from storyline.pipeline.parallel import ParallelPipeline, start_workers
from storyline.process import YOUNG_OBJECTS
from storyline.store import Store


def exported(db: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind in ("articles", "stories", "storylines"):
        result = CliRunner().invoke(app, ["export", kind, "--db", db])
        assert result.exit_code == 0, result.output
        found[kind] = sorted((json.loads(line) for line in result.stdout.splitlines()), key=lambda r: r["id"])
    return found


def test_any_number_of_workers_leaves_the_same_store(tmp_path: Path) -> None:
    """Text dumps (learned boilerplate), HTML pages, trusted bodies, near and exact duplicates,
    bad records, in batches: one worker and two give the same summary and the same exports."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    archives = load_benchmark("engines").write_archives(folder, copies=1)
    records = [brief(n) for n in range(40)] + [{**brief(5), "id": "copy-5"}]
    inputs = [str(EXAMPLES), *(str(path) for path in archives), str(write_jsonl(folder / "cranes.jsonl", records))]
    results = {}
    for workers in (1, 2):
        db = str(tmp_path / f"w{workers}.db")
        result = CliRunner().invoke(app, ["ingest", "--json", "--workers", str(workers), "--db", db, *inputs])
        assert result.exit_code == 1, result.output  # the archives hold bad records
        results[workers] = (json.loads(result.stdout), exported(db))
    assert results[1][0] == results[2][0]
    assert results[1][0]["new"] >= 45 and results[1][0]["duplicates"] >= 2
    for kind in ("articles", "stories", "storylines"):
        assert results[1][1][kind] == results[2][1][kind], kind
    assert all(article["entities"] for article in results[2][1]["articles"])


def test_without_enrichment_no_process_loads_spacy(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.db"))
    pipeline = make_pipeline(store, enrich=False, workers=2)
    assert isinstance(pipeline, ParallelPipeline)
    try:
        documents = [RawDocument(f"test:{n}", "body", text=brief(n)["text"]) for n in range(6)]
        assert [o.status for o in pipeline.process(documents)] == ["new"] * 6
        assert pipeline._submit(spacy_loaded, []).result() == [False]
    finally:
        pipeline.close()


def test_workers_started_ahead_are_taken_over_with_their_collector_settled(tmp_path: Path) -> None:
    """``storyline ingest`` starts its workers before it opens the store: they are running before
    any work is sent, the pipeline works with them rather than starting others, and each has frozen
    what its start left (collecting its young objects less often)."""
    pool = start_workers(2, enrich=False)
    assert pool is not None
    pipeline = None
    try:
        waited = 0.0
        while len(pool._processes) < 2 and waited < 60:  # started on a thread, not waiting for a first chunk
            time.sleep(0.05)
            waited += 0.05
        assert len(pool._processes) == 2
        started = set(pool._processes)
        store = Store(str(tmp_path / "s.db"))
        pipeline = make_pipeline(store, enrich=False, workers=2, pool=pool)
        documents = [RawDocument(f"test:{n}", "body", text=brief(n)["text"]) for n in range(6)]
        assert [o.status for o in pipeline.process(documents)] == ["new"] * 6
        assert isinstance(pipeline, ParallelPipeline) and pipeline._pool is pool
        assert set(pool._processes) == started
        threshold, frozen = pipeline._submit(collector, []).result()
        assert threshold == YOUNG_OBJECTS and frozen > 1000
    finally:
        if pipeline is not None:
            pipeline.close()
        pool.shutdown()


def test_starting_the_workers_does_not_wait_for_them(monkeypatch: Any) -> None:
    """A worker's start waits for the fork server's preload (the model); ``storyline ingest`` opens
    its store and reads its first batch meanwhile, so starting them returns before they are up."""
    import threading

    from storyline.pipeline import parallel

    up = threading.Event()
    submitted: list[Any] = []

    class SlowToStart:
        def submit(self, fn: Any) -> None:
            assert up.wait(10)  # as a start blocks until the fork server can fork
            submitted.append(fn)

    monkeypatch.setattr(parallel, "_new_pool", lambda workers, enrich, budget: SlowToStart())
    assert isinstance(start_workers(2, enrich=True), SlowToStart) and submitted == []
    up.set()
    waited = 0.0
    while len(submitted) < 2 and waited < 10:
        time.sleep(0.01)
        waited += 0.01
    assert submitted == [parallel._ready, parallel._ready]


def test_a_worker_that_dies_takes_only_its_chunk_which_is_done_here(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.db"))
    pipeline = make_pipeline(store, enrich=False, workers=2)
    assert isinstance(pipeline, ParallelPipeline)
    try:
        chunk = [RawDocument("test:1", "body", text=brief(1)["text"])]
        future = pipeline._submit(die, chunk)
        assert pipeline._result(future, chunk, lambda items: ["done here", *items]) == ["done here", *chunk]
        documents = [RawDocument(f"test:{n}", "body", text=brief(n)["text"]) for n in range(3)]
        assert [o.status for o in pipeline.process(documents)] == ["new"] * 3  # a fresh pool
    finally:
        pipeline.close()


def test_an_article_again_in_the_next_batch_is_told_as_with_one_process(tmp_path: Path) -> None:
    """Workers annotate a batch while the one before is written: an article that comes again in
    the next batch is still found unchanged, as one process finds it."""
    first = brief(1)
    records = [first, brief(2), first, brief(3), brief(4), first]  # batches of two: the same article in three
    statuses = {}
    for workers in (1, 2):
        store = Store(str(tmp_path / f"w{workers}.db"))
        pipeline = make_pipeline(store, enrich=False, workers=workers)
        pipeline.batch_size = 2
        try:
            documents = [RawDocument(f"test:{r['id']}", "body", text=r["text"]) for r in records]
            statuses[workers] = [o.status for o in pipeline.process(documents)]
        finally:
            pipeline.close()
    assert statuses[2] == statuses[1]
    assert statuses[2] == ["new", "new", "unchanged", "new", "new", "unchanged"]


def test_where_no_worker_process_can_start_the_work_is_done_here(tmp_path: Path, monkeypatch: Any,
                                                                 caplog: Any) -> None:
    """Some systems refuse the pool (no /dev/shm: multiprocessing's semaphores fail with ENOSYS when the
    pool is made).  The run then goes on in this process, annotations included, even in the server's
    isolated pipeline, and says why once, instead of ending in a traceback."""
    import errno

    import storyline.pipeline.parallel as parallel

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refused)
    store = Store(str(tmp_path / "s.db"))
    pipeline = make_pipeline(store, workers=2, isolated=True)
    assert isinstance(pipeline, ParallelPipeline)
    try:
        documents = [RawDocument(f"test:{n}", "body", text=brief(n)["text"]) for n in range(5)]
        outcomes = list(pipeline.process(documents))
    finally:
        pipeline.close()
    assert [(o.status, o.retry) for o in outcomes] == [("new", None)] * 5
    assert all(article.entities for article in store.iter_articles(enrichment=True))
    warnings = [r.getMessage() for r in caplog.records if "cannot start" in r.getMessage()]
    assert len(warnings) == 1 and "Function not implemented" in warnings[0]


TOPICS = [
    ("Harbour cranes in Lisbon", "Ana Costa opened two new harbour cranes at the port of Lisbon on Monday, the port "
     "authority said. The cranes lift containers from the largest ships."),
    ("Floods close roads in Bavaria", "Heavy rain flooded roads across Bavaria on Tuesday, the regional police said. "
     "Firefighters pumped water from cellars in Passau and Regensburg."),
    ("Chess final goes to tiebreaks", "The world chess final in Singapore went to tiebreaks on Wednesday after the "
     "twelfth game ended in a draw, the organisers said."),
]


def topic_documents() -> list[RawDocument]:
    """Reports of three unrelated events (three stories)."""
    return [RawDocument(f"test:topic-{n}", "body", text=text,
                        given={"id": f"topic-{n}", "title": title, "published": f"2025-11-0{n + 3}"})
            for n, (title, text) in enumerate(TOPICS)]


def grouped_topics(tmp_path: Path) -> tuple[Store, list[Any]]:
    """A store holding the three topic documents, stored in this process and grouped; its stories."""
    from storyline.pipeline import group

    store = Store(str(tmp_path / "s.db"))
    pipeline = make_pipeline(store, workers=1)
    assert [o.status for o in pipeline.process(topic_documents())] == ["new"] * 3
    group(store)
    return store, store.list_stories(limit=100)


def test_the_stories_an_ingest_changed_are_built_by_its_workers_as_here(tmp_path: Path) -> None:
    """After an ingest with workers, the workers build the stories' shown forms: the same stories as
    built in this process, in order; a story that cannot be built gives its reason, the rest are built."""
    from storyline.pipeline import group
    from storyline.stories import embed
    from storyline.stories.update import _load, _stories_inputs, build_here

    store = Store(str(tmp_path / "s.db"))
    pipeline = make_pipeline(store, workers=2)
    embed._model.cache_clear()
    embed._identifier.cache_clear()
    try:
        assert [o.status for o in pipeline.process(topic_documents())] == ["new"] * 3
        assert pipeline._loading is not None  # what grouping needs, loaded on a thread while the workers annotated
        pipeline._loading.join()
        assert embed._model.cache_info().currsize == embed._identifier.cache_info().currsize == 1
        build = pipeline.story_builder()
        assert build is not None
        assert not group(store, build=build).errors
        _clusterer, linker = _load(store)
        jobs = _stories_inputs(store, linker, [story.id for story in store.list_stories(limit=100)])
        assert len(jobs) >= 2
        broken = (jobs[0][0], [*jobs[0][1], None], jobs[0][2], jobs[0][3])  # an article that is not one
        built = build([broken, *jobs[1:]])
        assert isinstance(built[0], str) and built[1:] == build_here(jobs[1:])
        assert built[1:] == [story for story in store.list_stories(limit=100) if story.id != jobs[0][0]]
    finally:
        pipeline.close()


def test_a_story_that_cannot_be_built_stays_marked_and_the_others_are_saved(tmp_path: Path) -> None:
    from storyline.stories.update import StoryUpdate, _load, build_here, rebuild_views

    store, stories = grouped_topics(tmp_path)
    assert len(stories) >= 2 and not store.marked_for_rebuild("story")
    with store.transaction("mark") as conn:
        store.mark_for_rebuild(conn, "story", [story.id for story in stories])
    failing = stories[0].id

    def build(jobs: list[Any]) -> list[Any]:
        built = build_here(jobs)
        return ["a reason of its own" if job[0] == failing else story for job, story in zip(jobs, built, strict=True)]

    update = StoryUpdate()
    rebuild_views(store, _load(store)[1], update, build)
    assert update.failed == {failing: "a reason of its own"}
    assert store.marked_for_rebuild("story") == [failing]
    assert update.stories_changed == {story.id for story in stories[1:]}


def test_the_next_chunk_of_stories_is_read_and_the_last_saved_while_one_is_built(tmp_path: Path,
                                                                                 monkeypatch: Any) -> None:
    """Reading and saving are this process's part, building the workers': they overlap, and the
    stories are saved in order, as built."""
    import threading

    from storyline.stories import update as updating

    store, stories = grouped_topics(tmp_path)
    assert len(stories) == 3
    with store.transaction("mark") as conn:
        store.mark_for_rebuild(conn, "story", [story.id for story in stories])
    monkeypatch.setattr(updating, "REBUILD_CHUNK", 1)
    order = store.marked_for_rebuild("story")
    steps: list[str] = []
    read, release = updating._stories_inputs, threading.Event()

    def reading(store: Store, linker: Any, story_ids: list[str]) -> Any:
        steps.append(f"read {story_ids[0]}")
        if story_ids[0] == order[1]:
            release.set()  # the second is read while the first is being built
        return read(store, linker, story_ids)

    def building(jobs: list[Any]) -> list[Any]:
        if jobs[0][0] == order[0]:
            assert release.wait(10)
        steps.append(f"built {jobs[0][0]}")
        return updating.build_here(jobs)

    monkeypatch.setattr(updating, "_stories_inputs", reading)
    done = updating.StoryUpdate()
    updating.rebuild_views(store, updating._load(store)[1], done, building)
    assert steps.index(f"read {order[1]}") < steps.index(f"built {order[0]}")
    assert done.stories_changed == set(order) and not store.marked_for_rebuild("story")
    assert store.list_stories(limit=100) == stories


def test_stories_whose_worker_died_are_built_here_or_in_a_server_left_marked(tmp_path: Path, caplog: Any) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from storyline.stories.update import _load, _stories_inputs, build_here

    store, _stories = grouped_topics(tmp_path)
    _clusterer, linker = _load(store)
    jobs = _stories_inputs(store, linker, [story.id for story in store.list_stories(limit=100)])

    def died(fn: Any, chunk: Any) -> Any:
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    for redo_here in (True, False):
        pipeline = ParallelPipeline(store, workers=2, redo_here=redo_here)
        pipeline._submit = died  # type: ignore[method-assign]
        with caplog.at_level(logging.WARNING, logger="storyline.pipeline.parallel"):
            caplog.clear()
            built = pipeline._build_stories(jobs)
        said = " ".join(record.getMessage() for record in caplog.records)
        if redo_here:
            assert built == build_here(jobs)
            assert "are built in the main process" in said
        else:
            assert built == ["its worker died while building it"] * len(jobs)
            assert "stay marked, to be built by the next run" in said and "main process" not in said
        pipeline.close()


def test_a_store_that_cannot_be_opened_stops_ingest_and_enrich_before_any_worker_starts(tmp_path: Path,
                                                                                      monkeypatch: Any) -> None:
    """A broken database is a clear error at once: no worker is started (and waited for) first."""
    import storyline.cli as cli

    started: list[int] = []
    monkeypatch.setattr(cli, "start_workers", lambda count, enrich: started.append(count))
    broken = tmp_path / "broken.db"
    broken.write_text("not a database", encoding="utf-8")
    news = write_jsonl(tmp_path / "news.jsonl", [brief(1)])
    for args in (["ingest", "--workers", "2", "--db", str(broken), str(news)], ["enrich", "--workers", "2", "--db", str(broken)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and "not a database" in result.output, result.output
    assert started == []


def test_a_story_whose_articles_cannot_be_read_stays_marked_and_the_others_are_read(tmp_path: Path,
                                                                                   monkeypatch: Any) -> None:
    """The stories of a chunk are read together; when that fails, one by one, so that only the
    story whose article cannot be read fails (with its reason) and stays marked."""
    from storyline.stories.update import StoryUpdate, _load, _read_chunk

    store, stories = grouped_topics(tmp_path)
    assert len(stories) == 3
    broken = stories[1].articles[0]
    read = store.get_articles

    def get_articles(ids: list[str], **options: Any) -> Any:
        if broken in ids:
            raise ValueError("a row that cannot be read")
        return read(ids, **options)

    monkeypatch.setattr(store, "get_articles", get_articles)
    update = StoryUpdate()
    jobs = _read_chunk(store, _load(store)[1], [story.id for story in stories], update)
    assert [job[0] for job in jobs] == [stories[0].id, stories[2].id]
    assert update.failed == {stories[1].id: "ValueError: a row that cannot be read"}
