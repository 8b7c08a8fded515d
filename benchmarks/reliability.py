"""A whole archive through ``storyline ingest`` with enrichment: does anything stop it?

    .venv/bin/python benchmarks/reliability.py ARCHIVE.jsonl [--engine local|ray] [--workers N] [--db PATH]

Runs ``storyline ingest --json`` on the archive in a fresh process (enrichment and grouping
on, as a user runs it) and reports: the exit status, whether anything printed a traceback,
wall seconds, peak memory (PSS of the process tree, sampled every second), the counts by
status, and the items skipped or stored without enrichment counted by reason (the reason's
first clause, so that "enrich failed: RecursionError: ..." counts as one kind).  Used for
the Timeline17 dev archive in RELIABILITY.md (``../shared/data/timelines/t17.dev.articles.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from engines import _descendants, _pss_kb  # noqa: E402  (a script beside this one)


def kind(reason: str | None) -> str:
    """The first clause of a reason: what failed and the exception's type."""
    parts = (reason or "").split(": ")
    return ": ".join(parts[:2]) if len(parts) > 1 and parts[0].endswith("failed") else parts[0]


def run(archive: str, engine: str, workers: int, db: str) -> dict[str, Any]:
    command = [sys.executable, "-c", "from storyline.program import main; main()", "ingest", "--json", "--engine", engine,
               "--workers", str(workers), "--db", db, archive]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_pss_kb(pid) for pid in [process.pid, *_descendants(process.pid)]))
        time.sleep(1.0)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    result: dict[str, Any] = {"exit": process.returncode, "traceback": "Traceback" in err, "wall_s": round(wall),
                              "peak_mb": round(peak / 1024)}
    try:
        summary = json.loads(out)
    except json.JSONDecodeError:
        result["stderr"] = err[-3000:]
        return result
    result.update({name: summary[name] for name in ("new", "updated", "unchanged", "duplicates", "enriched")})
    result["awaiting_enrichment"] = summary.get("awaiting_enrichment")
    result["skipped"] = dict(Counter(kind(item["reason"]) for item in summary["skipped"]).most_common())
    result["incomplete"] = dict(Counter(kind(item["reason"]) for item in summary["incomplete"]).most_common())
    result["errors"] = summary["errors"]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive")
    parser.add_argument("--engine", default="local")
    parser.add_argument("--workers", type=int, default=0, help="0: one per CPU core")
    parser.add_argument("--db", help="database (default: a new one in a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "reliability.db")
        print(json.dumps(run(args.archive, args.engine, args.workers, db), indent=2))


if __name__ == "__main__":
    main()
