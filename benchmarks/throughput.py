"""Ingest throughput against the floor of its own approach, by number of workers.

    .venv/bin/python benchmarks/throughput.py [--polnear 84] [--t17 40] [--headlines 400] [--workers 1,2]
        [--repeat 1] [--out FILE]

The floor, as the issue defines it: spaCy's small English pipeline as the model package ships it
(``spacy.load``), alone, in one process, ``nlp.pipe`` over the same texts, in the same run; its
model load is timed apart and left out.  Beside it, the same pipeline as storyline configures it
(``storyline.nlp.load_nlp``: its sentence guard, and the model's attribute ruler read through a
cache, :mod:`storyline.nlp_attributes`), so that what storyline gains inside the parse and what it
gains around it can be told apart.  Storyline: ``storyline ingest --json --workers N`` on a JSONL of the
same texts, in a fresh process on a fresh SQLite database, with everything a user gets:
cleaning, enrichment (entities, quotes, times, events), dedup, writes and grouping into
stories; its wall time includes start-up (imports, the model loaded in each worker).

Corpora (read from ``../shared/data``; absent data skips that corpus):

* ``polnear``: every PolNeAR dev article (84, ~700 words: news of the 2016 US campaign), and with
  ``--polnear N`` above 84 a seeded sample of train articles after them, N in all (a run long
  enough that start-up, a few seconds, weighs as it does in a real backlog);
* ``t17``: a seeded sample of ``--t17`` Timeline17 dev articles (~2,400 tokens, tokenised text);
* ``headlines``: ``--headlines`` items of one sentence each (the first sentence of Timeline17
  dev articles), as feed entries with a title only would be.

Reported per corpus and worker count: items per second, the ratio to the floor's items per
second (goal on 2 cores: 1.6), and peak memory: the largest sum, sampled every 0.2 s, of
the proportional set size (PSS) of the ingest process and its workers.  The machine may be
shared: figures of one run are comparable with each other (the ratios), not across runs.  With
``--repeat R`` the floor and every ingest are measured R times, interleaved, and each ratio is
reported as its median with the lowest and highest (the spread of this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
POLNEAR = SHARED / "quotes" / "polnear.dev.jsonl"
POLNEAR_TRAIN = SHARED / "quotes" / "polnear.train.jsonl"
T17 = SHARED / "timelines" / "t17.dev.articles.jsonl"
SEED = 13

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engines import _descendants, _pss_kb  # noqa: E402  (a script beside this one)


def _records(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def corpora(t17: int, headlines: int, polnear: int = 84) -> dict[str, list[dict[str, Any]]]:
    """The items of each corpus, as ``storyline ingest`` reads them from JSONL."""
    found: dict[str, list[dict[str, Any]]] = {}
    if POLNEAR.exists():
        records = _records(POLNEAR)
        if polnear > len(records) and POLNEAR_TRAIN.exists():
            train = _records(POLNEAR_TRAIN)
            records += random.Random(SEED).sample(train, min(polnear - len(records), len(train)))
        found["polnear"] = [{"id": r["id"], "title": r.get("title"), "published": r.get("published"),
                             "publisher": r.get("publisher"), "text": r["text"]} for r in records[:polnear]]
    if T17.exists():
        records = _records(T17)
        rng = random.Random(SEED)
        found["t17"] = [{"id": r["id"], "published": r.get("published"), "text": r["text"]}
                        for r in rng.sample(records, min(t17, len(records)))]
        firsts = []
        for r in records:
            sentence = re.split(r"(?<=[.!?])\s+", r["text"].strip(), maxsplit=1)[0][:300]
            if len(sentence.split()) >= 6:
                firsts.append({"id": f"headline-{r['id']}", "published": r.get("published"), "title": sentence,
                               "text": sentence})
        found["headlines"] = random.Random(SEED).sample(firsts, min(headlines, len(firsts)))
    return found


def floor(texts: list[str], configured: bool = False) -> dict[str, float]:
    """spaCy alone, in a fresh process: model load and ``nlp.pipe`` over ``texts``, timed apart;
    the model as shipped, or (``configured``) as storyline loads it."""
    load = "load_nlp()" if configured else "shipped()"
    script = (
        "import json, sys, time\n"
        "texts = json.load(sys.stdin)\n"
        "t0 = time.perf_counter()\n"
        "import spacy\n"
        "from storyline.nlp import load_nlp, MAX_LENGTH, MODEL_NAMES\n"
        "def shipped():\n"
        "    for name in MODEL_NAMES:\n"
        "        try:\n"
        "            model = spacy.load(name)\n"
        "        except OSError:\n"
        "            continue\n"
        "        model.max_length = MAX_LENGTH\n"
        "        return model\n"
        f"nlp = {load}\n"
        "t1 = time.perf_counter()\n"
        "for _ in nlp.pipe([t[:MAX_LENGTH] for t in texts], batch_size=16): pass\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'load': t1 - t0, 'parse': t2 - t1}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), capture_output=True, text=True,
                          check=True, cwd=REPO, env=_environment())
    return dict(json.loads(done.stdout))


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def ingest(path: Path, workers: int, folder: Path) -> dict[str, Any]:
    """``storyline ingest`` in a fresh process; wall seconds, summary and peak PSS of its process tree."""
    db = folder / f"w{workers}-{path.stem}.db"
    for stale in folder.glob(f"{db.name}*"):  # a fresh database for every run (and its -wal, -shm)
        stale.unlink()
    command = [sys.executable, "-c", "from storyline.program import main; main()", "ingest", "--json",
               "--workers", str(workers), "--db", str(db), str(path)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                               env=_environment())
    peak = 0
    while process.poll() is None:
        pids = [process.pid, *_descendants(process.pid)]
        peak = max(peak, sum(_pss_kb(pid) for pid in pids))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"storyline ingest failed ({process.returncode}): {err[-2000:]}")
    summary = json.loads(out)
    return {"wall": wall, "peak_mb": peak / 1024, "stored": summary["new"] + summary["duplicates"],
            "skipped": len(summary["skipped"]), "incomplete": len(summary["incomplete"]),
            "errors": summary["errors"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polnear", type=int, default=84, help="PolNeAR articles: the 84 of dev, then train")
    parser.add_argument("--t17", type=int, default=40, help="Timeline17 articles in the sample")
    parser.add_argument("--headlines", type=int, default=400, help="one-sentence items")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, comma-separated")
    parser.add_argument("--only", default="", help="corpora to run, comma-separated (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="measure everything this many times")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    found = corpora(args.t17, args.headlines, args.polnear)
    if args.only:
        found = {name: items for name, items in found.items() if name in args.only.split(",")}
    if not found:
        sys.exit("no corpus: ../shared/data is absent")
    results: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "corpora": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, items in found.items():
            path = folder / f"{name}.jsonl"
            path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
            texts = [item["text"] for item in items]
            words = sum(len(text.split()) for text in texts) / len(texts)
            row: dict[str, Any] = {"items": len(items), "words_per_item": round(words), "runs": [],
                                   "workers": {}}
            for _ in range(args.repeat):  # interleaved: a quiet or busy minute touches every figure alike
                base, ours = floor(texts), floor(texts, configured=True)
                run_row = {"floor_items_per_s": len(items) / base["parse"], "floor_parse_s": base["parse"],
                           "floor_load_s": base["load"], "configured_parse_s": ours["parse"], "workers": {}}
                for workers in counts:
                    run = ingest(path, workers, folder)
                    run["items_per_s"] = len(items) / run["wall"]
                    run["x_floor"] = run["items_per_s"] / run_row["floor_items_per_s"]
                    run_row["workers"][workers] = run
                row["runs"].append(run_row)
                _print_row(name, {**row, **run_row})
            for workers in counts:
                ratios = sorted(r["workers"][workers]["x_floor"] for r in row["runs"])
                middle = statistics.median(ratios)
                row["workers"][workers] = {"x_floor_median": middle, "x_floor_min": ratios[0], "x_floor_max": ratios[-1]}
                if args.repeat > 1:
                    print(f"  workers {workers}: median {middle:.2f}x the floor"
                          f" ({ratios[0]:.2f}-{ratios[-1]:.2f} over {len(ratios)} runs)")
            results["corpora"][name] = row
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _print_row(name: str, row: dict[str, Any]) -> None:
    print(f"{name}: {row['items']} items, ~{row['words_per_item']} words each; floor {row['floor_items_per_s']:.2f}"
          f" items/s (parse {row['floor_parse_s']:.1f} s, model load {row['floor_load_s']:.1f} s apart; as"
          f" storyline configures it {row['configured_parse_s']:.1f} s)")
    for workers, run in row["workers"].items():
        print(f"  workers {workers}: {run['items_per_s']:.2f} items/s = {run['x_floor']:.2f}x the floor,"
              f" wall {run['wall']:.1f} s, peak {run['peak_mb']:.0f} MB PSS, stored {run['stored']},"
              f" skipped {run['skipped']}, incomplete {run['incomplete']}, errors {len(run['errors'])}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
