"""Storyline clustering on the Timeline17 dev stream, ours beside peers measured in the same run.

Metric: B-cubed precision, recall and F1 over articles against the ``storyline`` label
(5 storylines, 2,577 articles).  The stream is in publication order (ties by id); bodies are
cut at 10,000 characters before spaCy.

Ours (story model trained on ECB+ only, so out of sample here):
- "storylines, leave-one-storyline-out": for each storyline s, the link model is trained and
  its threshold tuned on the articles of the other four (and on the undated ECB+ topic
  stream, its other training stream); the whole stream is run with it and only s's
  articles are scored.
- "storylines, shipped model": the link model trained on all of T17 dev (in sample).
- "stories (reference)": the story level scored against storyline labels: high precision,
  low recall by design, since a storyline holds many stories.

Peers (scikit-learn, no time features): TF-IDF + agglomerative clustering (cosine, average
linkage) with the distance threshold tuned on this same dev set; HDBSCAN over TF-IDF SVD-100,
min_cluster_size tuned on this set; all-singletons and one-cluster baselines.

    .venv/bin/python benchmarks/cluster_t17.py
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_ecbplus import agglomerative, hdbscan, reduce, tfidf, tuned
from train_story_model import (
    Stream,
    b_cubed,
    load_ecbplus,
    load_t17,
    prf,
    run_linker,
    run_storylines,
    story_stream,
    terms_of,
    train_storyline,
)

from storyline.stories.model import story_params, storyline_params


def main() -> None:
    started = time.time()
    data = load_t17()
    docs = [doc for doc, _ in data]
    gold = [labels["storyline"] for _, labels in data]
    terms = terms_of(docs)
    story = story_params()
    rows: list[tuple[str, tuple[float, float, float], str]] = []

    precision = [0.0] * len(docs)
    recall = [0.0] * len(docs)
    t0 = time.time()
    assignments, stories = story_stream(docs, story, terms)
    full = Stream(data, "storyline", terms, assignments, stories)
    ecb = Stream.of(load_ecbplus(), "topic", story)
    for held in sorted(set(gold)):
        # the held-out storyline's articles are left out of the stream the link model learns
        # from; the undated ECB+ topic stream is the model's other training stream
        keep = [i for i, g in enumerate(gold) if g != held]
        line = train_storyline([full.subset(keep, story), ecb])
        lines = run_linker(docs, assignments, stories, line, terms)
        p, r = b_cubed(lines, gold)
        for i, g in enumerate(gold):
            if g == held:
                precision[i], recall[i] = p[i], r[i]
        print(f"held out {held}: link threshold {line.link.threshold}", flush=True)
    rows.append(
        (
            "ours: storylines, leave-one-storyline-out",
            prf(precision, recall),
            f"{time.time() - t0:.0f} s incl. training",
        )
    )

    t0 = time.time()
    stories, lines = run_storylines(docs, story, storyline_params(), terms)
    ms = (time.time() - t0) * 1000 / len(docs)  # story + storyline levels
    rows.append(
        (
            "ours: storylines, shipped model (in sample)",
            prf(*b_cubed(lines, gold)),
            f"{len(set(lines))} storylines, {ms:.1f} ms/article",
        )
    )
    rows.append(("ours: stories (reference)", prf(*b_cubed(stories, gold)), f"{len(set(stories))} stories"))

    matrix = tfidf([doc.body for doc in docs])
    grid = [round(0.05 * i, 2) for i in range(10, 20)]
    threshold, pred = tuned(lambda t: agglomerative(matrix, t), grid, gold)
    rows.append(
        (
            "TF-IDF + agglomerative (threshold tuned on dev)",
            prf(*b_cubed(pred, gold)),
            f"distance threshold {threshold}, {len(set(pred))} clusters",
        )
    )
    dense = reduce(matrix)
    size, pred = tuned(lambda m: hdbscan(dense, int(m)), [2, 5, 10, 20, 40], gold)
    rows.append(
        (
            "HDBSCAN on TF-IDF SVD-100 (min size tuned on dev)",
            prf(*b_cubed(pred, gold)),
            f"min_cluster_size {int(size)}",
        )
    )
    rows.append(("all singletons", prf(*b_cubed([d.id for d in docs], gold)), ""))
    rows.append(("one cluster", prf(*b_cubed(["all"] * len(docs), gold)), ""))

    print()
    print(f"T17 dev: {len(docs)} articles, {len(set(gold))} storylines")
    print(f"machine: {platform.machine()}, python {platform.python_version()}")
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; total {time.time() - started:.0f} s")
    print()
    print("| system | storyline P | storyline R | storyline F1 | notes |")
    print("|---|---|---|---|---|")
    for name, (p, r, f), note in rows:
        print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {note} |")


if __name__ == "__main__":
    main()
