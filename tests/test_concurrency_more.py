"""Several writers on one database, beyond the articles themselves, on each backend.

Story clustering runs, the learned boilerplate model, canonical entities, feed
subscriptions and the web app's secret are all shared by every worker: ``storyline
ingest`` processes, the server's background refresher and its API.  Each test makes two
or more of them do the same thing at once (slowing one down where the race would
otherwise be left to chance) and checks that the store ends as one worker doing all of
it would have left it; the last one runs two enriching ``storyline ingest`` processes
on overlapping inputs and compares with one sequential run.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support import EXAMPLES, database, together

from storyline.article import Article, Entity, RawDocument
from storyline.clean import BoilerplateModel, source_key
from storyline.dedup import content_hash
from storyline.enrich import Enricher
from storyline.pipeline import BOILERPLATE_STATE, Pipeline, Prepared
from storyline.store import Store, StoreError
from storyline.store.database import _write_ahead_log
from storyline.stories import update as story_update
from storyline.stories.update import CLUSTER_STATE, LINKER_STATE, update_stories
from storyline.web import auth as web_auth
from storyline.web.auth import SECRET_STATE, Auth


@contextmanager
def _stores(location: str, count: int) -> Iterator[list[Store]]:
    """``count`` stores on one database, as separate workers would open it."""
    stores = [Store(location) for _ in range(count)]
    try:
        yield stores
    finally:
        for store in stores:
            store.close()


# -- opening a new database ---------------------------------------------------------------

class _BusyCursor:
    """A cursor whose switch to WAL meets a lock the first ``busy`` times."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.statements: list[str] = []

    def execute(self, statement: str) -> None:
        self.statements.append(statement)
        if self.busy:
            self.busy -= 1
            raise sqlite3.OperationalError("database is locked")


def test_opening_a_database_tries_the_switch_to_wal_again_while_it_is_locked() -> None:
    """SQLite refuses the switch at once, without waiting out the busy timeout, while another
    connection is switching a new database too; the next try succeeds."""
    cursor = _BusyCursor(busy=3)
    _write_ahead_log(cursor)
    assert cursor.statements == ["PRAGMA journal_mode=WAL"] * 4
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        _write_ahead_log(_FailingCursor())


class _FailingCursor:
    def execute(self, statement: str) -> None:
        raise sqlite3.OperationalError("disk I/O error")


# -- the exclusive lock -------------------------------------------------------------------

_HOLDER = """
import sys, time
from storyline.store import Store
store = Store(sys.argv[1])
with store.exclusive("story clustering"):
    print("held", flush=True)
    time.sleep(120)
"""


def test_an_exclusive_lock_excludes_other_processes_and_dies_with_its_holder(store: Store) -> None:
    waits: list[str] = []
    with subprocess.Popen([sys.executable, "-c", _HOLDER, store.location], stdout=subprocess.PIPE,
                          text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            started = time.monotonic()
            with (pytest.raises(StoreError, match="story clustering"),
                  store.exclusive("story clustering", timeout=0.3, on_wait=lambda: waits.append("waiting"))):
                pass
            assert waits == ["waiting"] and time.monotonic() - started >= 0.3
            with store.exclusive("another name", timeout=0.3):  # names are independent
                pass
        finally:
            holder.kill()
    with store.exclusive("story clustering", timeout=20):  # a killed holder's lock is gone
        pass


def test_an_exclusive_lock_excludes_other_threads_until_the_block_ends(db_location: str) -> None:
    held = threading.Event()
    inside: list[str] = []

    def work(i: int) -> None:
        if i == 1:
            assert held.wait(timeout=60)
        with _stores(db_location, 1) as [store], store.exclusive("refresh"):
            held.set()
            inside.append(f"enter {i}")
            time.sleep(0.3)
            inside.append(f"leave {i}")

    together(2, work)
    assert inside == ["enter 0", "leave 0", "enter 1", "leave 1"]


# -- story clustering ---------------------------------------------------------------------

STARTS = {"quake": date(2026, 1, 5), "strike": date(2026, 3, 2), "dam": date(2026, 5, 4)}  # months apart
_TOPICS = {
    "quake": [
        ("Earthquake shakes Valdoria coast",
         "A magnitude 6.8 earthquake struck the Valdoria coast near Port Elsin, collapsing buildings and "
         "cutting power. Governor Mara Quill said rescue teams were searching the rubble for survivors."),
        ("Valdoria earthquake death toll rises",
         "Rescuers in Port Elsin pulled more survivors from collapsed buildings as the death toll from the "
         "Valdoria earthquake rose to 112. Governor Mara Quill asked for tents and water."),
        ("Aftershocks hit Port Elsin after earthquake",
         "Strong aftershocks rattled Port Elsin, slowing rescue work after the earthquake. Mara Quill said "
         "hospitals on the Valdoria coast were overwhelmed with injured survivors."),
        ("Aid arrives in quake-hit Valdoria",
         "Aid flights landed near Port Elsin with tents, water and medicine for earthquake survivors. "
         "Governor Quill thanked rescue teams working in the rubble on the Valdoria coast."),
    ],
    "strike": [
        ("Rail workers strike in Norvik",
         "Train drivers walked out across Norvik in a strike over pay, halting commuter services. Union "
         "leader Piet Haarsma said the rail strike would last three days."),
        ("Norvik rail strike strands commuters",
         "Commuters in Norvik queued for buses as the rail strike entered its second day. Piet Haarsma of "
         "the drivers' union said the pay offer from Norvik Rail was too low."),
        ("Talks to end Norvik rail strike",
         "Norvik Rail and the drivers' union met for pay talks to end the strike. Piet Haarsma said train "
         "services could resume if the offer improved."),
        ("Norvik trains run again as strike ends",
         "Trains ran again in Norvik after union drivers accepted a new pay offer, ending the rail strike. "
         "Haarsma called the deal fair for train drivers."),
    ],
    "dam": [
        ("Floodgates opened at Lake Orrin dam",
         "Engineers opened the floodgates of the Lake Orrin dam after days of rain raised the reservoir. "
         "Water minister Ilse Varga said villages below the dam were safe."),
        ("Villages below Lake Orrin dam evacuated",
         "Families left villages below the Lake Orrin dam as the reservoir kept rising. Ilse Varga said "
         "engineers were watching cracks in the dam wall."),
        ("Lake Orrin dam wall holds",
         "The Lake Orrin dam wall held overnight and the reservoir began to fall. Minister Ilse Varga "
         "praised the engineers at the dam."),
    ],
}


def _topic_articles(days: range) -> list[Article]:
    """Articles of the three topics, the ``days``-th of each (when it has one), two days apart."""
    articles = []
    for day in days:
        for topic, items in _TOPICS.items():
            if day < len(items):
                title, body = items[day]
                articles.append(Article(
                    id=f"{topic}-{day}", source=f"test:{topic}-{day}", title=title, body=body,
                    published=(STARTS[topic] + timedelta(days=2 * day)).isoformat(), content_hash=content_hash(body),
                ))
    return articles


def _store_all(store: Store, articles: list[Article]) -> None:
    pipeline = Pipeline(store)
    for article in articles:
        assert pipeline.store_article(article).status == "new"


def _stories(store: Store) -> dict[str, Any]:
    """What clustering left: each story's members and storyline, and the saved clusterer and linker."""
    with store.transaction("read story membership") as conn:
        rows = conn.execute(text("SELECT article_id, story_id FROM story_articles ORDER BY article_id")).fetchall()
    return {
        "members": {row[0]: row[1] for row in rows},
        "storylines": {s.id: s.storyline_id for s in store.list_stories(limit=1000)},
        "state": [store.get_state(CLUSTER_STATE), store.get_state(LINKER_STATE)],
    }


@pytest.fixture
def slow_clustering(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Clustering takes a while per article; the event is set when the first run starts adding."""
    started = threading.Event()
    add_batch = story_update.StoryClusterer.add_batch

    def slow_add_batch(self: Any, docs: Any, *args: Any, **kwargs: Any) -> Any:
        started.set()
        time.sleep(0.05 * len(docs))
        return add_batch(self, docs, *args, **kwargs)

    monkeypatch.setattr(story_update.StoryClusterer, "add_batch", slow_add_batch)
    return started


def test_story_runs_at_once_take_turns_and_end_as_one_run(db_location: str, slow_clustering: threading.Event) -> None:
    """The second run starts while the first is assigning articles and more have arrived: it
    waits, then assigns only what the first did not, from the first one's state."""
    articles = _topic_articles(range(4))
    first = [a for a in articles if not a.id.startswith("dam")]
    later = [a for a in articles if a.id.startswith("dam")]  # published after the others
    with _stores(db_location, 2) as (one, two):
        _store_all(one, first)
        updates: list[Any] = [None, None]

        def run(i: int) -> None:
            if i == 1:
                assert slow_clustering.wait(timeout=60)  # the first run has read what is pending
                _store_all(two, later)
            updates[i] = update_stories([one, two][i])

        together(2, run)
        assert [u.articles for u in updates] == [len(first), len(later)]
        concurrent = _stories(one)
        assert sorted(concurrent["members"]) == sorted(a.id for a in first + later)
        update_stories(one, rebuild=True)  # one run over the same articles
        assert _stories(one) == concurrent
    assert {frozenset(a for a, s in concurrent["members"].items() if s == story)
            for story in set(concurrent["members"].values())} == {
        frozenset(a.id for a in first + later if a.id.startswith(topic)) for topic in _TOPICS}


def test_story_runs_started_together_assign_each_article_once(db_location: str,
                                                              slow_clustering: threading.Event) -> None:
    articles = _topic_articles(range(0, 4))
    with _stores(db_location, 3) as stores:
        _store_all(stores[0], articles)
        updates = together(3, lambda i: update_stories(stores[i]))
        assert sorted(u.articles for u in updates) == [0, 0, len(articles)]
        concurrent = _stories(stores[0])
        update_stories(stores[0], rebuild=True)
        assert _stories(stores[0]) == concurrent


# -- feeds and the web secret -------------------------------------------------------------

def test_adding_one_feed_at_once_subscribes_once(db_location: str) -> None:
    with _stores(db_location, 6) as stores:
        for round_ in range(5):
            url = f"https://example.org/feed-{round_}.xml"
            added = together(6, lambda i, url=url: stores[i].add_feed(url))
            assert sorted(added) == [False] * 5 + [True]
        assert len(stores[0].list_feeds()) == 5


def test_servers_starting_at_once_share_one_secret(db_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token_hex = web_auth.secrets.token_hex

    def slow_token_hex(size: int) -> str:  # every server has looked for a secret before any stores one
        time.sleep(0.2)
        return token_hex(size)

    monkeypatch.setattr(web_auth.secrets, "token_hex", slow_token_hex)
    with _stores(db_location, 4) as stores:
        servers = together(4, lambda i: Auth(stores[i], multi_user=True))
        stored = bytes.fromhex(stores[0].get_state(SECRET_STATE))
        assert all(server._secret == stored for server in servers)
        assert Auth(stores[0], multi_user=True)._secret == stored  # and a restart keeps it


# -- the boilerplate model ----------------------------------------------------------------

APPEAL = "Every week our crew of eleven walks the docks so that nothing happens here unseen."


def _dump(topic: str, n: int) -> RawDocument:
    title, body = _TOPICS[topic][n % len(_TOPICS[topic])]
    body = f"{title}\n\n{body} The {topic} report number {n} ends here."
    return RawDocument(source=f"test:{topic}-{n}", kind="text", text=f"{APPEAL}\n\n{body}",
                       collection="harbour")


def _stored_model(store: Store) -> BoilerplateModel:
    return BoilerplateModel.from_state(store.get_state(BOILERPLATE_STATE))


def test_workers_learning_boilerplate_keep_each_others_observations(db_location: str) -> None:
    with _stores(db_location, 3) as (one, two, three):
        workers = [Pipeline(one), Pipeline(two), Pipeline(three)]  # each starts from the empty model
        key = source_key(_dump("quake", 0).text or "", "harbour")
        workers[0].learn_boilerplate([_dump("quake", 0)])
        workers[1].learn_boilerplate([_dump("strike", 0)])
        assert _stored_model(one).documents(key) == 2
        assert workers[1].boilerplate.documents(key) == 2  # and the batch was cleaned with both
        # the distributed engine's way: observe first, save with the batch's articles
        assert workers[2].observe_boilerplate([_dump("dam", 0)])
        with three.transaction("save a batch") as conn:
            workers[2].save_boilerplate(conn)
        assert _stored_model(one).documents(key) == 3
        workers[0].learn_boilerplate([_dump("quake", 1)])
        assert _stored_model(one).documents(key) == 4

        fresh = [("quake", 2), ("quake", 3), ("strike", 1), ("strike", 2), ("dam", 1), ("dam", 2)]
        batches = [[_dump(topic, n)] for topic, n in fresh]
        together(3, lambda i: [workers[i].learn_boilerplate(batch) for batch in batches[i::3]])
        assert _stored_model(one).documents(key) == 4 + len(batches)


def test_one_worker_learns_boilerplate_as_before(store: Store) -> None:
    """Alone, a worker never reads the model back: what it saves is its own model, as it was."""
    batches = [[_dump(topic, n), _dump(topic, n + 1)] for topic in ("quake", "strike", "dam") for n in (0, 2)]
    pipeline = Pipeline(store)
    expected = BoilerplateModel()
    for batch in batches:
        pipeline.learn_boilerplate(batch)
        for doc in batch:
            expected.observe(source_key(doc.text or "", doc.collection), doc.text or "")
    assert pipeline.boilerplate.to_state() == expected.to_state() == store.get_state(BOILERPLATE_STATE)


# -- canonical entities -------------------------------------------------------------------

def _named(article_id: str, *names: str) -> Prepared:
    """An annotated article naming ``names`` (people), as another process would hand it over."""
    body = f"{' and '.join(names)} met in Port Elsin for talks about article {article_id}."
    entities = [Entity(id=f"e{i}", name=name, type="PERSON", mentions=[(0, len(name))])
                for i, name in enumerate(names)]
    article = Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body),
                      entities=entities)
    return Prepared(article.source, article)


def _canonical_people(store: Store) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Canonical id -> name, and each name an article gave a person -> the canonical ids it got."""
    ids = {row["id"]: row["name"] for row in store.load_canonical_entities()}
    given: dict[str, set[str]] = {}
    with store.transaction("read article entities") as conn:
        for name, entity_id in conn.execute(text("SELECT name, entity_id FROM article_entities"
                                                 " WHERE type = 'PERSON'")):
            given.setdefault(name, set()).add(entity_id)
    return ids, given


def test_workers_give_a_new_person_one_canonical_id(db_location: str) -> None:
    with _stores(db_location, 2) as (one, two):
        first, second = Pipeline(one, enricher=Enricher.for_store(one)), Pipeline(two, enricher=Enricher.for_store(two))
        list(first.process([_named("a1", "Olena Kovalenko")]))
        list(second.process([_named("a2", "Taras Melnyk", "Olena Kovalenko")]))  # its registry was empty
        list(first.process([_named("a3", "Taras Melnyk")]))
        ids, given = _canonical_people(one)
        assert sorted(ids.values()) == ["Olena Kovalenko", "Taras Melnyk"]
        assert all(len(found) == 1 and ids[next(iter(found))] == name for name, found in given.items()), given


def test_workers_canonicalising_at_once_agree(db_location: str) -> None:
    people = ["Olena Kovalenko", "Taras Melnyk", "Ivan Petrenko", "Marta Shevchuk", "Bohdan Lysenko"]
    with _stores(db_location, 4) as stores:
        pipelines = [Pipeline(store, enricher=Enricher.for_store(store)) for store in stores]

        def work(i: int) -> None:
            for n in range(6):
                names = [people[(i + n + k) % len(people)] for k in range(3)]
                list(pipelines[i].process([_named(f"w{i}-{n}", *names)]))

        together(4, work)
        ids, given = _canonical_people(stores[0])
        assert sorted(ids.values()) == sorted(people)
        assert all(len(found) == 1 and ids[next(iter(found))] == name for name, found in given.items()), given
        assert len(stores[0].load_canonical_entities()) == len(people)


def test_a_worker_whose_write_failed_reads_the_registry_afresh(db_location: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """What a rolled-back write canonicalised is not in the store: its ids may go to other people."""
    with _stores(db_location, 2) as (one, two):
        first, second = Pipeline(one, enricher=Enricher.for_store(one)), Pipeline(two, enricher=Enricher.for_store(two))
        save = one.save_enrichment

        def fail(*args: Any) -> None:
            raise StoreError("store: unable to save article a1: the disk is full")

        monkeypatch.setattr(one, "save_enrichment", fail)
        with pytest.raises(StoreError):
            list(first.process([_named("a1", "Olena Kovalenko")]))
        monkeypatch.setattr(one, "save_enrichment", save)
        list(second.process([_named("a2", "Taras Melnyk")]))
        list(first.process([_named("a1", "Olena Kovalenko")]))
        ids, given = _canonical_people(one)
        assert sorted(ids.values()) == ["Olena Kovalenko", "Taras Melnyk"]
        assert all(len(found) == 1 and ids[next(iter(found))] == name for name, found in given.items()), given


# -- two enriching ingest processes ---------------------------------------------------------

def _write_dumps(folder: Path, topics: list[tuple[str, int]], suffix: str = "") -> list[str]:
    """Text dumps (a dated header line, then the article), one file per (topic, number)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for topic, n in topics:
        title, body = _TOPICS[topic][n]
        day = (STARTS[topic] + timedelta(days=2 * n)).isoformat()
        path = folder / f"{topic}-{n}{suffix}.txt"
        path.write_text(f" date {day}\n\n{title}\n\n{body}\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def _ingest(inputs: list[str], location: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", "from storyline.cli import app; app()", "ingest", *inputs,
                             "--db", location, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _outcome(location: str) -> dict[str, Any]:
    """Articles by source file, stories and storylines as groups of files, and the canonical people."""
    store = Store(location)
    try:
        names = {a.id: Path(a.source).name for a in store.iter_articles()}
        ids, given = _canonical_people(store)
        with store.transaction("read people") as conn:
            people = [row[0] for row in conn.execute(text("SELECT name FROM entities WHERE type = 'PERSON'"))]
        stories = store.list_stories(limit=1000)
        storylines = {s.storyline_id for s in stories}
        return {
            "articles": sorted(names.values()),
            "stories": sorted(sorted(names[a] for a in s.members) for s in stories),
            "storylines": sorted(sorted(names[a] for s in stories if s.storyline_id == line
                                        for a in s.members) for line in storylines),
            "in_stories": sorted(names[a] for s in stories for a in s.members),
            "people": people,
            "canonical": ids,
            "given": given,
        }
    finally:
        store.close()


def test_enriching_ingest_processes_at_once_end_as_one_sequential_run(db_location: str, tmp_path: Path) -> None:
    """Both processes read the examples and ten dumps, in different orders, after two copies of
    their own of shared dumps (as a syndicated copy would come).  Whichever process clusters
    first has every original stored by then, and a copy follows its original's story, so the
    stories are one run's whatever the timing; online clustering of originals split between
    two runs would depend on which process finished first."""
    shared = _write_dumps(tmp_path / "shared", [(topic, n) for topic in _TOPICS for n in range(len(_TOPICS[topic]))])
    own = _write_dumps(tmp_path / "one", [("quake", 1), ("strike", 0)], "-syndicated")
    other = _write_dumps(tmp_path / "two", [("strike", 1), ("dam", 2)], "-syndicated")
    workers = [_ingest([*own, str(EXAMPLES), *shared], db_location),
               _ingest([*other, *reversed(shared), str(EXAMPLES)], db_location)]
    summaries = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-3000:]
        assert "locked" not in err and "deadlock" not in err, err[-3000:]
        summaries.append(json.loads(out))
    files = len(own) + len(other) + len(shared) + len(list(EXAMPLES.iterdir()))
    assert sum(s["new"] + s["duplicates"] for s in summaries) == files  # each article written once
    concurrent = _outcome(db_location)
    assert len(concurrent["articles"]) == len(set(concurrent["articles"])) == files
    assert concurrent["in_stories"] == concurrent["articles"]  # every article in exactly one story
    assert len(concurrent["people"]) == len(set(concurrent["people"])), concurrent["people"]
    given = concurrent["given"]
    assert all(len(found) == 1 for found in given.values()), {n: f for n, f in given.items() if len(f) > 1}

    backend = "postgres" if "://" in db_location else "sqlite"
    with database(backend, tmp_path / "sequential", "sequential") as location:
        store = Store(location)
        try:
            pipeline = Pipeline(store, enricher=Enricher.for_store(store))
            assert all(o.status in ("new", "duplicate") for o in pipeline.run([*own, *other, str(EXAMPLES), *shared]))
            update_stories(store)
        finally:
            store.close()
        sequential = _outcome(location)
    for part in ("articles", "stories", "storylines", "in_stories"):
        assert concurrent[part] == sequential[part], part
    assert sorted(concurrent["people"]) == sorted(sequential["people"])
    assert set(concurrent["given"]) == set(sequential["given"])
