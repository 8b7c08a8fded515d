"""Ingest throughput and peak memory: text dumps and HTML pages, with and without enrichment.

    .venv/bin/python benchmarks/ingest.py [--texts 500] [--pages 102]

Inputs, written to a temporary folder first (../shared beside the repository):
- text dumps: real news articles from PolNeAR (train then dev, ``--texts`` of them), one
  ``.txt`` file each in the plain-text shape scrapers deliver (title line, blank line,
  paragraphs), plus the five bundled example articles;
- HTML pages: the AEB dev pages (``--pages`` of them), one ``.html`` file each.

Each configuration runs in a fresh process on a fresh SQLite database through the same code
as ``storyline ingest``: ``Pipeline(store, enricher=...)`` over the folder, then (when
enriching) ``update_stories``.  Reported per configuration: articles stored, seconds to set up
(opening the store, loading spaCy), ingest wall and CPU seconds, articles per second (wall),
the story step's seconds, and the process's peak resident memory (ru_maxrss).

"clean only" is read → clean → dedup → store; "enrich" adds entities, canonical entities,
quotes, time expressions and events (one spaCy pass per article); "enrich + stories" adds the
clustering of every new article into stories and storylines and the views they show.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "storyline" / "data" / "examples"
POLNEAR = [SHARED / "data" / "quotes" / f"polnear.{split}.jsonl" for split in ("train", "dev")]
AEB = SHARED / "data" / "extraction" / "aeb-dev"


def _require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"needs {path} (../shared beside the repository), which is absent")
    return path


def write_texts(folder: Path, count: int) -> int:
    """PolNeAR articles as text dumps, plus the bundled examples; returns the number of files."""
    folder.mkdir(parents=True)
    written = 0
    for path in POLNEAR:
        with _require(path).open(encoding="utf-8") as handle:
            for line in handle:
                if written >= count:
                    break
                row = json.loads(line)
                title = (row.get("title") or "").strip()
                text = f"{title}\n\n{row['text'].strip()}\n" if title else row["text"]
                (folder / f"{written:05d}.txt").write_text(text, encoding="utf-8")
                written += 1
    for example in sorted(EXAMPLES.glob("*.txt")):
        shutil.copy(example, folder / example.name)
        written += 1
    return written


def write_pages(folder: Path, count: int) -> int:
    folder.mkdir(parents=True)
    pages = sorted((_require(AEB) / "html").glob("*.html.gz"))[:count]
    for page in pages:
        (folder / page.name.removesuffix(".gz")).write_bytes(gzip.decompress(page.read_bytes()))
    return len(pages)


def worker(folder: str, db: str, enrich: bool, stories: bool) -> dict[str, Any]:
    """One configuration, in this (fresh) process."""
    t0 = time.perf_counter()
    from storyline.pipeline import Summary, make_pipeline
    from storyline.store import Store

    store = Store(db)
    pipeline = make_pipeline(store, enrich=enrich)
    setup = time.perf_counter() - t0
    c0, t1 = time.process_time(), time.perf_counter()
    summary = Summary()
    for outcome in pipeline.run([folder]):
        summary.add(outcome)
    ingest_wall, ingest_cpu = time.perf_counter() - t1, time.process_time() - c0
    story_seconds = None
    if stories:
        from storyline.stories.update import update_stories

        t2 = time.perf_counter()
        update_stories(store)
        story_seconds = time.perf_counter() - t2
    counts = summary.to_dict()
    return {
        "stored": counts["new"] + counts["duplicates"],
        "duplicates": counts["duplicates"],
        "skipped": len(counts["skipped"]),
        "setup": setup,
        "ingest_wall": ingest_wall,
        "ingest_cpu": ingest_cpu,
        "stories": story_seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


CONFIGS = [("clean only", False, False), ("enrich", True, False), ("enrich + stories", True, True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=500, help="PolNeAR articles as text dumps")
    parser.add_argument("--pages", type=int, default=102, help="AEB pages")
    parser.add_argument("--worker", nargs=4, metavar=("FOLDER", "DB", "ENRICH", "STORIES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        folder, db, enrich, stories = args.worker
        print(json.dumps(worker(folder, db, enrich == "1", stories == "1")))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="storyline-bench-") as tmp:
        inputs = {
            "text dumps": (Path(tmp) / "texts", write_texts(Path(tmp) / "texts", args.texts)),
            "HTML pages": (Path(tmp) / "pages", write_pages(Path(tmp) / "pages", args.pages)),
        }
        for kind, (folder, files) in inputs.items():
            for label, enrich, stories in CONFIGS:
                db = Path(tmp) / f"{kind.split()[0]}-{len(rows)}.db"
                command = [sys.executable, __file__, "--worker", str(folder), str(db), str(int(enrich)),
                           str(int(stories))]
                done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append((kind, files, label, result))
                print(f"{kind}, {label}: {result}", file=sys.stderr)
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    print(f"command: python benchmarks/ingest.py --texts {args.texts} --pages {args.pages}")
    print()
    print("| input | files | configuration | stored | set-up s | ingest s (wall) | ingest s (CPU) "
          "| articles/s | stories s | peak RSS MB |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, files, label, r in rows:
        rate = r["stored"] / r["ingest_wall"] if r["ingest_wall"] else 0.0
        story = f"{r['stories']:.1f}" if r["stories"] is not None else "-"
        print(f"| {kind} | {files} | {label} | {r['stored']} | {r['setup']:.1f} | {r['ingest_wall']:.1f} "
              f"| {r['ingest_cpu']:.1f} | {rate:.1f} | {story} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
