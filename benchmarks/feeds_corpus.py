"""Feeds that lose no entries: feedparser's own test corpus, every file ingested as a feed file.

    git clone https://github.com/kurtmckee/feedparser /tmp/feedparser   # outside the repository
    PYTHONPATH=. .venv/bin/python benchmarks/feeds_corpus.py --corpus /tmp/feedparser/tests [--json out.json]

The corpus (about 2,100 real and malformed RSS, Atom, RDF and CDF files under ``tests/``)
is not in this repository and CI has no copy of it: this is a benchmark, not a test.  Each
``.xml`` file is one input of ``read_inputs`` (as ``storyline ingest FILE`` reads it), and
its items go through the ingest pipeline (``Pipeline``, no enrichment) into a fresh SQLite
database.  Entry links point at hosts that do not resolve here or at private addresses,
so no full page is ever fetched: what is measured is what a reader keeps of the feeds
themselves.

Reported: outcomes by status (new, updated, unchanged and duplicate are all stored),
entries kept summary-only, skipped items by reason (the reason up to its first colon,
digits folded), and the two things that must stay at zero: tracebacks (an exception
escaping an input, or logged with one) and reasons saying "unexpected error".
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import storyline
from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, read_inputs
from storyline.pipeline import Pipeline
from storyline.store import Store

REPO = Path(__file__).resolve().parents[1]


class _Tracebacks(logging.Handler):
    """Counts log records carrying an exception (what ``log.exception`` writes)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.count += 1
            if len(self.first) < 5:
                self.first.append(record.getMessage())


def category(reason: str | None) -> str:
    """A reason without its particulars: up to the first colon, digits folded, at most 90 characters."""
    text = (reason or "no reason").split(":")[0]
    return re.sub(r"\d+", "N", text).strip()[:90]


def run(corpus: Path, limit: int | None) -> dict[str, Any]:
    files = sorted(corpus.rglob("*.xml"))[:limit]
    if not files:
        sys.exit(f"no .xml files under {corpus}")
    options = IngestOptions(timeout=3)
    statuses: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    examples: dict[str, str] = {}
    summary_only = 0
    escaped: list[str] = []
    handler = _Tracebacks()
    logging.getLogger().addHandler(handler)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(str(Path(folder) / "feeds.db"))
        pipeline = Pipeline(store, options)
        try:
            for path in files:

                def items(path: Path = path) -> Iterator[RawDocument | Failure]:
                    nonlocal summary_only
                    for item in read_inputs([str(path)], options):
                        if isinstance(item, RawDocument) and "summary_only" in item.given:
                            summary_only += 1
                        yield item

                try:
                    for outcome in pipeline.process(items()):
                        statuses[outcome.status] += 1
                        if outcome.status == "skipped":
                            key = category(outcome.reason)
                            skipped[key] += 1
                            examples.setdefault(key, f"{Path(outcome.source).name}: {outcome.reason}"[:200])
                except Exception as exc:  # counted: the benchmark exists to show there are none
                    escaped.append(f"{path.relative_to(corpus)}: {type(exc).__name__}: {exc}")
        finally:
            store.close()
            logging.getLogger().removeHandler(handler)
    seconds = time.perf_counter() - started
    unexpected = sum(n for key, n in skipped.items() if "unexpected error" in key)
    return {
        "files": len(files),
        "seconds": round(seconds, 1),
        "statuses": dict(statuses.most_common()),
        "stored": sum(statuses[s] for s in ("new", "updated", "unchanged", "duplicate")),
        "summary_only": summary_only,
        "skipped": dict(skipped.most_common()),
        "examples": examples,
        "tracebacks": len(escaped) + handler.count,
        "escaped": escaped[:5] + handler.first,
        "unexpected_errors": unexpected,
    }


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="feedparser's tests/ folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N files (sorted by path)")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the counts say what failed; no log noise
    result = run(args.corpus, args.limit)
    result |= {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": _commit(),
               "code": str(Path(storyline.__file__).parent),
               "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{result['files']} feed files in {result['seconds']} s; {result['code']} (repository at"
          f" {result['commit']}), {result['date']}")
    print(f"stored {result['stored']} ({', '.join(f'{k} {v}' for k, v in result['statuses'].items())}); "
          f"summary-only {result['summary_only']}")
    print(f"tracebacks {result['tracebacks']}, unexpected errors {result['unexpected_errors']}")
    print("| skipped because | count | example |")
    print("|---|---:|---|")
    for key, count in result["skipped"].items():
        print(f"| {key} | {count} | {result['examples'][key]} |".replace("\n", " "))
    for line in result["escaped"]:
        print("escaped:", line)


if __name__ == "__main__":
    main()
