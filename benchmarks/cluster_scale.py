"""Throughput and per-article cost of story clustering + storyline linking as the stream grows.

The corpus is synthetic but made of real articles: the ECB+ dev and Timeline17 dev documents
(after the same spaCy pass as the other benchmarks) are replicated and perturbed — sentences
shuffled, 15% of body words, lemmas and entity mentions dropped at random — and each replica
is shifted in time (ECB+ documents, which have no dates, get one date per topic), so later
replicas arrive as new stories about familiar people, places and terms.  The stream is in
date order.  One run grows to the largest size; figures are read at each checkpoint.

Reported per checkpoint: wall and CPU ms per article over the last 2,000 articles
(doc_terms, story assignment and storyline linking, all included; CPU time is steadier on
a shared machine), stories and storylines made so far and still held in memory (those left
behind by the stream, newest article older than twice the window, are retired), mean stories
scored in full per article, and the process's peak resident memory (ru_maxrss, includes the
source corpus held in memory).

    .venv/bin/python benchmarks/cluster_scale.py                 # 10k, 30k, 100k
    .venv/bin/python benchmarks/cluster_scale.py --sizes 2000 5000
    .venv/bin/python benchmarks/cluster_scale.py --compress 30  # a denser stream
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_story_model import load_ecbplus, load_t17

from storyline.stories.cluster import StoryClusterer
from storyline.stories.features import StoryDoc, doc_terms
from storyline.stories.storylines import StorylineLinker

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
DROP = 0.15
WINDOW = 2_000


def base_corpus() -> list[StoryDoc]:
    docs = []
    for doc, gold in load_ecbplus():
        docs.append(replace(doc, published=date(2012, 1, 1) + timedelta(days=10 * int(gold["topic"]))))
    docs.extend(doc for doc, _ in load_t17())
    return docs


def perturb(doc: StoryDoc, replica: int, rng: random.Random, span_days: int, first: date, compress: int) -> StoryDoc:
    sentences = _SENTENCE.split(doc.body)
    rng.shuffle(sentences)
    words = [w for w in " ".join(sentences).split() if rng.random() >= DROP]
    lemmas = [w for w in doc.lemmas or [] if rng.random() >= DROP]
    rng.shuffle(lemmas)
    entities = [e for e in doc.entities if rng.random() >= DROP]
    assert doc.published is not None
    return StoryDoc(
        id=f"{doc.id}#{replica}",
        title=doc.title,
        body=" ".join(words),
        published=first + timedelta(days=((doc.published - first).days + replica * span_days) // compress),
        entities=entities,
        lemmas=lemmas or None,
    )


def stream(base: Sequence[StoryDoc], size: int, compress: int = 1) -> Iterator[StoryDoc]:
    rng = random.Random(17)
    ordered = sorted(base, key=lambda d: (d.published or date.min, d.id))
    first = ordered[0].published or date.min
    last = ordered[-1].published or date.min
    span = (last - first).days + 30
    replica = 0
    produced = 0
    while produced < size:
        for doc in ordered:
            if produced == size:
                return
            yield perturb(doc, replica, rng, span, first, compress)
            produced += 1
        replica += 1


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--compress", type=int, default=1, metavar="K",
                        help="divide the stream's time axis by K: K times as many articles a day, so more "
                             "stories are open at once (default 1: about 3 articles a day)")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    base = base_corpus()
    print(f"base corpus: {len(base)} real articles (ECB+ dev + T17 dev); peak RSS {peak_mb():.0f} MB")
    clusterer = StoryClusterer()
    linker = StorylineLinker()
    rows = []
    times: list[float] = []
    cpu: list[float] = []
    candidates: list[int] = []
    started = time.time()
    stream_first: date | None = None
    stream_last: date | None = None
    for n, doc in enumerate(stream(base, sizes[-1], args.compress), start=1):
        t0, c0 = time.perf_counter(), time.process_time()
        terms = doc_terms(doc)
        assignment = clusterer.add(doc, terms)
        linker.add(doc, assignment, terms)
        times.append(time.perf_counter() - t0)
        stream_first = stream_first or doc.published
        stream_last = doc.published
        cpu.append(time.process_time() - c0)
        candidates.append(assignment.candidates)
        if n in sizes:
            recent = times[-WINDOW:]
            rows.append(
                (
                    n,
                    1000 * sum(recent) / len(recent),
                    1000 * sum(cpu[-WINDOW:]) / len(recent),
                    1000 * sum(times) / len(times),
                    clusterer._next_seq,
                    len(clusterer.stories),
                    linker._next_seq,
                    len(linker.lines),
                    sum(candidates[-WINDOW:]) / len(candidates[-WINDOW:]),
                    max(candidates),
                    peak_mb(),
                )
            )
            print(f"{n} articles after {time.time() - started:.0f} s", flush=True)
    print()
    print(f"machine: {platform.machine()}, python {platform.python_version()}, 2 shared cores")
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    assert stream_first is not None and stream_last is not None
    days = (stream_last - stream_first).days + 1
    print(f"stream: {sizes[-1]:,} articles over {days:,} days ({sizes[-1] / days:.1f} a day; --compress {args.compress})")
    print()
    print(
        "| articles | wall ms/article (last 2k) | CPU ms/article (last 2k) | wall ms/article (mean) "
        "| stories made / held | storylines made / held | stories scored/article (last 2k) | max scored "
        "| peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n, recent_ms, cpu_ms, mean_ms, made, held, lines_made, lines, cand, cmax, mem in rows:
        print(
            f"| {n:,} | {recent_ms:.2f} | {cpu_ms:.2f} | {mean_ms:.2f} | {made:,} / {held:,} | {lines_made:,} / {lines:,} "
            f"| {cand:.1f} | {cmax} | {mem:.0f} |"
        )


if __name__ == "__main__":
    main()
