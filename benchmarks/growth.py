"""Scale: a growth curve of ingest, storage, search and pages, on SQLite and PostgreSQL, local and Ray.

    .venv/bin/python benchmarks/growth.py                          # everything below, a few hours
    .venv/bin/python benchmarks/growth.py --part clean --sizes 10000 --dbs sqlite
    .venv/bin/python benchmarks/growth.py --part full --full sqlite:2000:local --full sqlite:2000:ray
    .venv/bin/python benchmarks/growth.py --report rows.jsonl      # the tables of saved rows, no run
    .venv/bin/python benchmarks/growth.py --part clean --sizes 100000 --dbs sqlite --keep --workdir W
    .venv/bin/python benchmarks/growth.py --part copy --db W/clean-sqlite-100000-local.db --pg URL --schema s
    .venv/bin/python benchmarks/growth.py --part read --db STORE [--server-code OLD_CHECKOUT] --label before
                                                                   # search and pages alone, before / after

The corpus (synthetic, built from real articles in ../shared): PolNeAR train+dev (924 articles,
7 US outlets, 2015-16, with titles, outlets and dates), Timeline17 dev (2,577 articles, 2009-11,
with dates) and ECB+ dev (772 texts without dates: topic t is dated 2012-01-01 + 10t days).
Replica 0 is every article as it is.  Replica r >= 1 of an article keeps 40% of its units
(paragraphs for PolNeAR, sentences for the others; which ones is random) in their places and
fills the other places with units of other articles of the same group (PolNeAR outlet, T17
collection, ECB+ topic), so replicas read like new articles on the same subjects and are not
near duplicates of each other or of the original; it has a new id and URL, and its date moves
back r times its collection's span plus 30 days, so each replica is an earlier period of the
archive.  Titles: PolNeAR's own (while the first paragraph is kept), else the first 12 words.
Lines are written replica by replica, each in date order, as one JSONL archive (the input both
engines read, bodies as trusted ``text``); the archive of N articles is the first N lines.  The
pipeline links some as duplicates (the originals hold some, the mixing makes a few): the tables
say how many.

Each step runs in a fresh process through the same library calls as the CLI, on a fresh
database: a SQLite file, or a PostgreSQL schema of its own (``--pg``, created for the row and
dropped after it).

* clean rows (``--part clean``, sizes ``--sizes``, databases ``--dbs``, ``--engines``):
  ``storyline ingest --no-enrich`` (read, clean, dedup, store, full-text index), then
  ``storyline cluster`` on that store as a separate step.  Without enrichment the clusterer has
  no entities or lemmas and groups by headline and body tokens only: the stories exist (so the
  story pages can be timed) but are not the stories full enrichment gives; clustering with real
  spaCy features at 10k-100k is benchmarks/cluster_scale.py.
* full rows (``--part full``, ``--full DB:SIZE:ENGINE``): ``storyline ingest`` with enrichment
  (one spaCy pass, entities, quotes, times, events) and stories, as the CLI runs it.

Measured per step: wall seconds (opening the store, loading spaCy and starting Ray included),
articles per second (stored / wall) over the whole run and over its first and last 10% of
articles, CPU seconds summed over the process and its descendants (Ray's daemons and workers;
never the PostgreSQL server), the step process's peak RSS (ru_maxrss) and the peak sum of PSS
over it and its descendants (sampled once a second; PostgreSQL's server not included), and the
database's size on disk after the step: SQLite file + WAL, or ``pg_total_relation_size`` summed
over the schema's tables (indexes and TOAST included).  Duplicates are split into links between
copies of one original article and links between different originals.

Then a later, small ingest: the next 50 articles of the corpus with the local engine and the
row's enrichment, then the story step (what ``storyline ingest`` adds to a store of that size;
wall seconds of each and the process's peak RSS).

Reading (after the last step of a row): ``storyline serve`` in its own process (one uvicorn
worker, local mode, so a story view also records a read), and this process as the client over
HTTP on 127.0.0.1, one request at a time (httpx, keep-alive).  Every path is requested once to
warm up, then ``--passes`` times; p50/p95 over those timings: search = ``/search?q=...`` for
the 20 queries in QUERIES; top stories = ``/``; story = 20 stories spread over the size range
(``/stories/ID``, the largest included); article = 20 articles spread over the store
(``/articles/ID``); and the server process's peak RSS (VmHWM).  Each row also records the
1-minute load average at the end of each step: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engines import Usage
from web_load import free_port, machine, start_server

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
POLNEAR = [SHARED / "quotes" / f"polnear.{split}.jsonl" for split in ("train", "dev")]
T17 = SHARED / "timelines" / "t17.dev.articles.jsonl"
ECBPLUS = SHARED / "clustering" / "ecbplus.dev.jsonl"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
KEEP = 0.4  # share of an article's own units a replica keeps
INCREMENT = 50  # articles added after a row's ingest, as a later small ingest would add them
TITLE_WORDS = 12
QUERIES = [
    "oil spill", "BP", "Obama", "Trump", "Clinton emails", "Haiti earthquake", "swine flu", "H1N1 vaccine",
    "Michael Jackson", "Mubarak", "Tahrir Square", '"Gulf of Mexico"', "rehab", "debate", "immigration",
    "Supreme Court", "Cairo protesters", "hurricane", "Tara Reid", "zeppelin", "said", "president",
]
FULL_DEFAULT = ["sqlite:2000:local", "sqlite:2000:ray", "sqlite:10000:local", "postgresql:2000:local",
                "postgresql:2000:ray"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'`(\[A-Z0-9])")


# --- the corpus ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Base:
    dataset: str
    id: str
    group: str
    title: str | None
    published: date
    publisher: str | None
    authors: list[str]
    units: list[str]
    joiner: str


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        sys.exit(f"needs {path} (../shared beside the repository), which is absent")
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def load_base() -> list[Base]:
    docs = []
    for path in POLNEAR:
        for row in _lines(path):
            units = [p.strip() for p in row["text"].split("\n\n") if p.strip()]
            if units and row.get("published"):
                docs.append(Base("polnear", row["id"], row["publisher"], row.get("title"),
                                 date.fromisoformat(row["published"]), row["publisher"],
                                 [row["author"]] if row.get("author") else [], units, "\n\n"))
    for row in _lines(T17):
        if units := _sentences(row["text"]):
            docs.append(Base("t17", row["id"], row["collection"], None, date.fromisoformat(row["published"]),
                             row["collection"].split("_")[-1], [], units, " "))
    for row in _lines(ECBPLUS):
        if units := _sentences(row["text"]):
            docs.append(Base("ecbplus", row["id"], f"topic {row['topic']}", None,
                             date(2012, 1, 1) + timedelta(days=10 * int(row["topic"])), None, [], units, " "))
    return docs


def _headline(text: str) -> str:
    return " ".join(text.split()[:TITLE_WORDS]).rstrip(" .,;:")


def stream(base: list[Base], size: int, seed: int = 11) -> Iterator[dict[str, Any]]:
    """The first ``size`` articles of the replicated corpus, as JSONL records."""
    rng = random.Random(seed)
    groups: dict[str, list[Base]] = {}
    spans: dict[str, int] = {}
    for doc in base:
        groups.setdefault(doc.group, []).append(doc)
    for dataset in {doc.dataset for doc in base}:
        dates = [doc.published for doc in base if doc.dataset == dataset]
        spans[dataset] = (max(dates) - min(dates)).days + 30
    produced, replica = 0, 0
    while True:
        shift = {dataset: timedelta(days=replica * span) for dataset, span in spans.items()}
        for doc in sorted(base, key=lambda d: (d.published - shift[d.dataset], d.dataset, d.id)):
            if produced == size:
                return
            units, title = list(doc.units), doc.title
            if replica:
                keep = set(rng.sample(range(len(units)), max(1, round(KEEP * len(units)))))
                others = [d for d in groups[doc.group] if d is not doc] or [doc]
                for place in range(len(units)):
                    if place not in keep:
                        units[place] = rng.choice(rng.choice(others).units)
                if 0 not in keep:
                    title = None
            body = doc.joiner.join(units)
            suffix = f"~{replica}" if replica else ""
            record = {"id": doc.id + suffix, "url": f"https://{doc.dataset}.archive.example/{replica}/"
                      f"{quote(doc.id, safe='')}", "title": title or _headline(units[0]),
                      "published": (doc.published - shift[doc.dataset]).isoformat(), "publisher": doc.publisher,
                      "authors": doc.authors, "text": body}
            yield {key: value for key, value in record.items() if value not in (None, [])}
            produced += 1
        replica += 1


def write_archives(folder: Path, sizes: list[int]) -> dict[tuple[int, int], Path]:
    """For every size N, ``articles-0-N.jsonl`` (the first N lines of the corpus) and
    ``articles-N-M.jsonl`` (the INCREMENT lines after them); keyed by (first line, end).
    Archives already in ``folder`` are reused."""
    folder.mkdir(parents=True, exist_ok=True)
    spans = sorted({(0, size) for size in sizes} | {(size, size + INCREMENT) for size in sizes})
    paths = {span: folder / f"articles-{span[0]}-{span[1]}.jsonl" for span in spans}
    missing = [span for span, path in paths.items() if not path.exists()]
    if not missing:
        return paths
    handles = {span: (paths[span].with_suffix(".part")).open("w", encoding="utf-8") for span in missing}
    for number, record in enumerate(stream(load_base(), max(end for _, end in missing))):
        line = json.dumps(record, ensure_ascii=False) + "\n"
        for (start, end), handle in handles.items():
            if start <= number < end:
                handle.write(line)
    for span, handle in handles.items():
        handle.close()
        paths[span].with_suffix(".part").rename(paths[span])
    return paths


# --- databases -------------------------------------------------------------------------------------


class Database:
    """A fresh SQLite file or PostgreSQL schema for one row; ``drop`` removes it."""

    def __init__(self, kind: str, folder: Path, tag: str, pg: str) -> None:
        self.kind, self.pg = kind, pg
        if kind == "sqlite":
            self.path = folder / f"{tag}.db"
            self.location = str(self.path)
        else:
            self.schema = f"growth_{os.getpid()}_{tag}".replace("-", "_").lower()
            self._sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE; CREATE SCHEMA {self.schema}")
            self.location = f"{pg}?options=-csearch_path%3D{self.schema}"

    def _sql(self, sql: str) -> Any:
        import psycopg

        with psycopg.connect(self.pg, autocommit=True) as conn:
            return conn.execute(sql).fetchone() if sql.lstrip().upper().startswith("SELECT") else conn.execute(sql)

    def size_mb(self) -> float:
        if self.kind == "sqlite":
            files = [self.path, Path(f"{self.path}-wal")]
            return sum(f.stat().st_size for f in files if f.exists()) / 2**20
        row = self._sql("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                        " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        f" WHERE n.nspname = '{self.schema}' AND c.relkind IN ('r', 'p', 'm')")
        return float(row[0]) / 2**20

    def drop(self) -> None:
        if self.kind == "sqlite":
            for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"),
                         *self.path.parent.glob(f"{self.path.name}.*.lock")):
                path.unlink(missing_ok=True)
        else:
            self._sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


# --- one step, in its own process --------------------------------------------------------------


def ingest_step(engine: str, archive: str, db: str, enrich: bool, stories: bool) -> dict[str, Any]:
    """``storyline ingest [--no-enrich] [--engine ray] ARCHIVE`` as the CLI runs it, measured."""
    marks: list[tuple[int, float]] = [(0, 0.0)]
    with Usage() as usage:
        t0 = time.perf_counter()
        from storyline.engines import ingest
        from storyline.pipeline import Summary, make_pipeline
        from storyline.store import Store

        store = Store(db)
        pipeline = make_pipeline(store, enrich=enrich)
        summary = Summary()
        for number, outcome in enumerate(ingest(engine, pipeline, [archive], notice=lambda _: None), 1):
            summary.add(outcome)
            if number % 250 == 0:
                marks.append((number, time.perf_counter() - t0))
        ingest_wall = time.perf_counter() - t0
        marks.append((sum(summary.counts.values()), ingest_wall))
        story_seconds = None
        if stories:
            from storyline.stories.update import update_stories

            t1 = time.perf_counter()
            update_stories(store)
            story_seconds = time.perf_counter() - t1
        same, other = duplicate_kinds(store)
        store.close()
    counts = summary.to_dict()
    return {"stored": counts["new"] + counts["duplicates"], "duplicates": counts["duplicates"],
            "duplicates_same_original": same, "duplicates_other": other,
            "skipped": len(counts["skipped"]), "wall": ingest_wall, "stories_s": story_seconds,
            "cpu": usage.total_cpu(), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pss_mb": usage.peak_kb / 1024, "marks": marks}


def duplicate_kinds(store: Any) -> tuple[int, int]:
    """Duplicate links between copies of one original article (replicas alike after perturbing),
    and between different originals (the source data's own repeats, or mixing that made two alike)."""
    from sqlalchemy import text

    with store.transaction("classify duplicates") as conn:
        pairs = conn.execute(text("SELECT a.external_id, b.external_id FROM articles a"
                                  " JOIN articles b ON b.id = a.duplicate_of")).fetchall()
    same = sum(str(a).split("~")[0] == str(b).split("~")[0] for a, b in pairs)
    return same, len(pairs) - same


def stories_step(db: str) -> dict[str, Any]:
    """``storyline cluster`` on the store, measured."""
    with Usage() as usage:
        t0 = time.perf_counter()
        from sqlalchemy import text

        from storyline.store import Store
        from storyline.stories.update import update_stories

        store = Store(db)
        update = update_stories(store)
        wall = time.perf_counter() - t0
        with store.transaction("count stories") as conn:
            stories = conn.execute(text("SELECT COUNT(*) FROM stories")).scalar()
            lines = conn.execute(text("SELECT COUNT(*) FROM storylines")).scalar()
        store.close()
    return {"articles": update.articles, "stories": stories, "storylines": lines, "wall": wall,
            "cpu": usage.total_cpu(), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pss_mb": usage.peak_kb / 1024}


def run_step(step: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--step", json.dumps(step)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode:
        raise SystemExit(f"step {step} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- reading over HTTP ---------------------------------------------------------------------------


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


def _spread(ids: list[str], count: int) -> list[str]:
    if len(ids) <= count:
        return ids
    return [ids[round(i * (len(ids) - 1) / (count - 1))] for i in range(count)]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def read_step(db: str, passes: int, code: Path | None = None, kinds: list[str] | None = None) -> dict[str, Any]:
    """Search and page latencies through a real server on 127.0.0.1 (running the storyline of
    ``code``, default this repository's); ``kinds``: only these paths (search, top, story, article)."""
    import httpx
    from sqlalchemy import text

    from storyline.store import Store

    store = Store(db)
    with store.transaction("pick pages") as conn:
        stories = [r[0] for r in conn.execute(text("SELECT id FROM stories ORDER BY article_count, id"))]
        articles = [r[0] for r in conn.execute(text("SELECT id FROM articles ORDER BY id"))]
        largest = conn.execute(text("SELECT max(article_count) FROM stories")).scalar()
    store.close()
    paths = {
        "search": [f"/search?q={quote(q)}" for q in QUERIES],
        "top": ["/"],
        "story": [f"/stories/{s}" for s in _spread(stories, 20)],
        "article": [f"/articles/{a}" for a in _spread(articles, 20)],
    }
    paths = {kind: urls for kind, urls in paths.items() if kinds is None or kind in kinds}
    port = free_port()
    server = start_server(db, port, code=code)
    timings: dict[str, list[float]] = {kind: [] for kind in paths}
    errors = 0
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300, follow_redirects=True) as client:
            for warm in [True] + [False] * passes:
                for kind, urls in paths.items():
                    for url in urls * (20 if kind == "top" and not warm else 1):
                        t0 = time.perf_counter()
                        response = client.get(url)
                        elapsed = 1000 * (time.perf_counter() - t0)
                        errors += response.status_code != 200
                        if not warm:
                            timings[kind].append(elapsed)
        server_mb = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    result: dict[str, Any] = {kind: _percentiles(values) for kind, values in timings.items() if values}
    result.update(errors=errors, stories=len(stories), largest_story=largest, server_mb=server_mb)
    return result


# --- running and reporting ---------------------------------------------------------------------


def _rate(marks: list[list[float]], first: bool) -> float:
    """Articles per second over the first or last 10% of the run's outcomes."""
    total = marks[-1][0]
    if total < 500:
        return float("nan")
    if first:
        end = min((m for m in marks if m[0] >= total * 0.1), key=lambda m: m[0])
        return end[0] / end[1] if end[1] else float("nan")
    start = max((m for m in marks if m[0] <= total * 0.9), key=lambda m: m[0])
    return (total - start[0]) / (marks[-1][1] - start[1])


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def run_rows(args: argparse.Namespace, save: Path) -> None:
    folder = Path(args.workdir or tempfile.mkdtemp(prefix="storyline-growth-"))
    full = [spec.split(":") for spec in (args.full or FULL_DEFAULT)] if args.part in ("all", "full") else []
    sizes = args.sizes if args.part in ("all", "clean") else []
    archives = write_archives(folder / "archives", [*sizes, *(int(size) for _, size, _ in full)])
    print(f"archives in {folder / 'archives'}", file=sys.stderr)
    plan: list[tuple[str, str, int, str]] = [("clean", db, size, engine)
                                             for size in sizes for db in args.dbs for engine in args.engines]
    plan += [("full", db, int(size), engine) for db, size, engine in full]
    for part, kind, size, engine in plan:
        tag = f"{part}-{kind}-{size}-{engine}"
        database = Database(kind, folder, tag.replace(":", "_"), args.pg)
        row: dict[str, Any] = {"part": part, "db": kind, "size": size, "engine": engine,
                               "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": args.commit,
                               "command": args.command}
        try:
            print(f"{tag}: ingest ...", file=sys.stderr, flush=True)
            row["ingest"] = run_step({"step": "ingest", "engine": engine, "archive": str(archives[0, size]),
                                      "db": database.location, "enrich": part == "full", "stories": part == "full"})
            row["ingest"]["db_mb"] = database.size_mb()
            row["ingest"]["load"] = _load()
            if part == "clean":
                print(f"{tag}: stories ...", file=sys.stderr, flush=True)
                row["stories"] = run_step({"step": "stories", "db": database.location})
                row["stories"]["db_mb"] = database.size_mb()
                row["stories"]["load"] = _load()
            print(f"{tag}: {INCREMENT} more ...", file=sys.stderr, flush=True)
            row["increment"] = run_step({"step": "ingest", "engine": "local",
                                         "archive": str(archives[size, size + INCREMENT]),
                                         "db": database.location, "enrich": part == "full", "stories": True})
            print(f"{tag}: reading ...", file=sys.stderr, flush=True)
            row["read"] = read_step(database.location, args.passes)
            row["read"]["load"] = _load()
        finally:
            if args.keep:
                print(f"{tag}: kept {database.location}", file=sys.stderr, flush=True)
                row["location"] = database.location
            else:
                database.drop()
        with save.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        print(f"{tag}: {json.dumps({k: v for k, v in row.items() if k != 'ingest'})}", file=sys.stderr, flush=True)


def _ms(read: dict[str, Any], kind: str) -> str:
    found = read.get(kind)
    return f"{found['p50']:.0f} / {found['p95']:.0f}" if found else "-"


def _duplicates(r: dict[str, Any]) -> str:
    if "duplicates_same_original" not in r:
        return f"{r['duplicates']:,}"
    return f"{r['duplicates']:,} ({r['duplicates_same_original']:,} / {r['duplicates_other']:,})"


def _increment(row: dict[str, Any]) -> str:
    r = row.get("increment")
    if not r:
        return "- | - | -"
    return f"{r['wall']:.1f} | {r['stories_s']:.1f} | {r['rss_mb']:.0f}"


def report(rows: list[dict[str, Any]], command: str = "") -> str:
    dates = sorted(row["date"] for row in rows)
    loads = [row[step]["load"] for row in rows for step in ("ingest", "stories", "read") if "load" in row.get(step, {})]
    commits = sorted({str(row.get("commit")) for row in rows})
    commands = sorted({str(row.get("command", command)) for row in rows})
    out = [f"machine: {machine()}; 1-minute load average at the end of the steps {min(loads)}-{max(loads)}"
           " (other work shared the 2 cores)" if loads else f"machine: {machine()}",
           f"date: {dates[0]} to {dates[-1]}" if dates else "date: -",
           f"code: commit {', '.join(commits)}", *(f"command: `{c}`" for c in commands), ""]
    clean = [row for row in rows if row["part"] == "clean"]
    full = [row for row in rows if row["part"] == "full"]
    if clean:
        out += ["Ingest without enrichment (`storyline ingest --no-enrich`: read, clean, dedup, store, index):", "",
                "| db | engine | articles | duplicates (same original / other) | wall s | CPU s | articles/s "
                "| first 10% /s | last 10% /s | peak RSS MB | peak PSS MB | db MB |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in clean:
            r = row["ingest"]
            out.append(f"| {row['db']} | {row['engine']} | {r['stored']:,} | {_duplicates(r)} | {r['wall']:.0f} "
                       f"| {r['cpu']:.0f} | {r['stored'] / r['wall']:.0f} | {_rate(r['marks'], True):.0f} "
                       f"| {_rate(r['marks'], False):.0f} | {r['rss_mb']:.0f} | {r['pss_mb']:.0f} "
                       f"| {r['db_mb']:.0f} |")
        out += ["", "Stories on those stores (`storyline cluster`; headline and body tokens only, no entities "
                "or lemmas without enrichment):", "",
                "| db | ingest engine | articles | stories | storylines | wall s | ms/article | CPU s | peak RSS MB "
                "| db MB after "
                f"| +{INCREMENT}: ingest s | +{INCREMENT}: stories s | +{INCREMENT}: peak RSS MB |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in clean:
            s = row["stories"]
            per = 1000 * s["wall"] / max(1, s["articles"])
            out.append(f"| {row['db']} | {row['engine']} | {s['articles']:,} | {s['stories']:,} | {s['storylines']:,} "
                       f"| {s['wall']:.0f} | {per:.1f} | {s['cpu']:.0f} | {s['rss_mb']:.0f} | {s['db_mb']:.0f} "
                       f"| {_increment(row)} |")
    if full:
        out += ["", "Full pipeline (`storyline ingest [--engine ray]`: enrichment, then stories):", "",
                "| db | engine | articles | duplicates | ingest s | articles/s | first 10% /s | last 10% /s "
                "| stories s | CPU s | peak RSS MB (driver) | peak PSS MB (all) | db MB "
                f"| +{INCREMENT}: ingest s | +{INCREMENT}: stories s | +{INCREMENT}: peak RSS MB |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in full:
            r = row["ingest"]
            out.append(f"| {row['db']} | {row['engine']} | {r['stored']:,} | {_duplicates(r)} | {r['wall']:.0f} "
                       f"| {r['stored'] / r['wall']:.1f} | {_rate(r['marks'], True):.1f} "
                       f"| {_rate(r['marks'], False):.1f} | {r['stories_s']:.0f} | {r['cpu']:.0f} "
                       f"| {r['rss_mb']:.0f} | {r['pss_mb']:.0f} | {r['db_mb']:.0f} | {_increment(row)} |")
    out += ["", "Reading over HTTP (one server process, one request at a time; ms p50 / p95):", "",
            "| rows | db | articles | stories | largest story | search | top stories | story page "
            "| article page | server peak RSS MB | errors | commit |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        r = row["read"]
        label = f"clean ({row['engine']}) + cluster" if row["part"] == "clean" else f"full, {row['engine']}"
        out.append(f"| {label} | {row['db']} | {row['ingest']['stored']:,} | {r['stories']:,} "
                   f"| {r['largest_story'] or 0} | {_ms(r, 'search')} | {_ms(r, 'top')} | {_ms(r, 'story')} "
                   f"| {_ms(r, 'article')} | {r.get('server_mb', float('nan')):.0f} | {r['errors']} "
                   f"| {row.get('commit', '-')} |")
    return "\n".join(out)


COPIED = ("articles", "story_articles", "stories", "storylines")


def copy_store(source: str, pg: str, schema: str) -> str:
    """A PostgreSQL copy (schema ``schema`` of ``pg``) of the articles and stories of the SQLite store
    ``source``: a 100k-article PostgreSQL store for the reading step without ingesting and clustering
    again (same articles, same stories; the search vectors are computed by PostgreSQL as rows arrive).
    Returns the store's location."""
    from sqlalchemy import create_engine, inspect, text

    from storyline.store import Store

    database = Database.__new__(Database)
    database.kind, database.pg, database.schema = "postgresql", pg, schema
    database._sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    location = f"{pg}?options=-csearch_path%3D{schema}"
    target = Store(location)  # the schema, by the migrations
    reader = create_engine(f"sqlite:///{source}")
    for table in COPIED:
        columns = [c["name"] for c in inspect(target.engine).get_columns(table, schema=schema)
                   if c["name"] in {c2["name"] for c2 in inspect(reader).get_columns(table)}]
        listed = ", ".join(columns)
        insert = text(f"INSERT INTO {table} ({listed}) VALUES ({', '.join(':' + c for c in columns)})")
        with reader.connect() as src, target.engine.begin() as dst:
            rows = src.execution_options(stream_results=True).execute(text(f"SELECT {listed} FROM {table}"))
            while batch := rows.fetchmany(2000):
                dst.execute(insert, [{k: (v.replace("\x00", "\ufffd") if isinstance(v, str) else v)
                                      for k, v in row._mapping.items()} for row in batch])
        print(f"copied {table}", file=sys.stderr, flush=True)
    with target.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    target.close()
    return location


def read_only(args: argparse.Namespace) -> None:
    """The reading step alone on an existing store; one line of p50 / p95 / p99 per page kind."""
    if not args.db:
        raise SystemExit("--part read needs --db")
    code = args.server_code.resolve() if args.server_code else REPO
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=code).stdout.strip() or "unknown"
    row = {"part": "read", "label": args.label, "db": args.db.split("?")[0].split("/")[-1], "commit": commit,
           "code": str(code), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "command": args.command,
           "load_before": _load(), "read": read_step(args.db, args.passes, code, args.kinds)}
    row["read"]["load"] = _load()
    if args.save:
        with args.save.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
    print(read_table([row]))


def read_table(rows: list[dict[str, Any]]) -> str:
    out = ["| label | store | code | page | requests | p50 ms | p95 ms | p99 ms | errors | load before / after |",
           "|---|---|---|---|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        r = row["read"]
        for kind in ("search", "top", "story", "article"):
            if kind in r:
                k = r[kind]
                out.append(f"| {row['label']} | {row['db']} | {row['commit']} | {kind} | {k['n']} | {k['p50']:.1f}"
                           f" | {k['p95']:.1f} | {k.get('p99', float('nan')):.1f} | {r['errors']}"
                           f" | {row['load_before']} / {r['load']} |")
    return "\n".join(out)


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    return done.stdout.strip() or os.environ.get("STORYLINE_COMMIT", "unknown")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="growth_copy", help="--part copy: the PostgreSQL schema to fill")
    parser.add_argument("--part", choices=["all", "clean", "full", "read", "copy"], default="all",
                        help="clean rows (no enrichment), full rows (enrichment + stories) or both; read: only"
                        " the reading step on the existing store --db; copy: the articles and stories of the SQLite store --db into"
                        " a PostgreSQL schema (--pg, --schema) for reading")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000],
                        help="articles per clean row (default: 10000 30000 100000)")
    parser.add_argument("--dbs", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"],
                        help="databases for the clean rows")
    parser.add_argument("--engines", nargs="+", choices=["local", "ray"], default=["local"],
                        help="engines for the clean rows (default: local)")
    parser.add_argument("--full", action="append", metavar="DB:SIZE:ENGINE",
                        help=f"a full row, repeatable (default: {' '.join(FULL_DEFAULT)})")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL database for schemas of the postgresql rows "
                        f"(default: {PG_DEFAULT}; needs the right to create schemas)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the pages after one warm-up")
    parser.add_argument("--workdir", help="keep archives and databases here (archives are reused when present)")
    parser.add_argument("--save", type=Path, help="append each row as JSON to this file as it finishes")
    parser.add_argument("--report", type=Path, help="print the tables of rows saved with --save and exit")
    parser.add_argument("--keep", action="store_true", help="keep each row's database (its location is printed"
                        " and saved in the row) instead of dropping it")
    parser.add_argument("--db", help="--part read: the store to read (a kept row's location)")
    parser.add_argument("--server-code", type=Path, help="--part read: the checkout whose storyline the server runs"
                        " (default: this one), for before/after pairs on one store")
    parser.add_argument("--kinds", nargs="+", choices=["search", "top", "story", "article"],
                        help="--part read: only these pages (default: all)")
    parser.add_argument("--label", default="", help="--part read: a name for the row (e.g. before, after)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        step = json.loads(args.step)
        if step["step"] == "ingest":
            result = ingest_step(step["engine"], step["archive"], step["db"], step["enrich"], step["stories"])
        else:
            result = stories_step(step["db"])
        print(json.dumps(result))
        return
    command = "python benchmarks/growth.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.report:
        rows = [json.loads(line) for line in args.report.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(report(rows))
        return
    args.commit, args.command = _commit(), command
    if args.part == "read":
        read_only(args)
        return
    if args.part == "copy":
        print(copy_store(args.db, args.pg, args.schema))
        return
    save = args.save or Path(tempfile.mkstemp(prefix="storyline-growth-", suffix=".jsonl")[1])
    run_rows(args, save)
    rows = [json.loads(line) for line in save.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(report(rows, command))


if __name__ == "__main__":
    main()
