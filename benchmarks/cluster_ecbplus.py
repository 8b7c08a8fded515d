"""Story and storyline clustering on ECB+ dev, ours beside peers measured in the same run.

Metric: B-cubed precision, recall and F1 over documents (per document |pred ∩ gold| / |pred|
and / |gold|, averaged), at the ``event`` level (story) and the ``topic`` level (storyline).

ECB+ has no dates: it is read as a stream in id order (topic, sub-topic, document number)
without time features.

Ours:
- "ours, topic-fold CV": the story join model is trained and its thresholds tuned on four
  fifths of the topics (fold = topic mod 5); the whole stream is clustered with that model
  and only the held-out fifth is scored, so every document is scored by a model that never
  saw its topic.  In each fold the storyline link model is trained too, on Timeline17 and
  on the ECB+ topics of the other folds, so the ``topic`` level is out of sample as well.
- "ours, shipped model": storyline/data/story_model.json, trained on all of ECB+ dev (story
  level: events; storyline level: topics, with Timeline17), so in sample at both levels.

Peers (scikit-learn): TF-IDF (sublinear tf, English stop words) + agglomerative clustering
(cosine, average linkage) with the distance threshold tuned on this same dev set per level
(an optimistic peer); HDBSCAN over the TF-IDF vectors reduced by SVD to 100 dimensions and
L2-normalised, min_cluster_size tuned on this set per level, noise points as singletons;
all-singletons and one-cluster baselines.

    .venv/bin/python benchmarks/cluster_ecbplus.py
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from train_story_model import (
    Stream,
    b_cubed,
    load_ecbplus,
    load_t17,
    prf,
    run_storylines,
    terms_of,
    train_story,
    train_storyline,
)

from storyline.stories.model import story_params, storyline_params

FOLDS = 5
Row = tuple[str, tuple[float, float, float], tuple[float, float, float], str]


def tfidf(texts: Sequence[str]) -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1).fit_transform(texts)


def agglomerative(matrix: object, threshold: float) -> list[str]:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics.pairwise import cosine_distances

    distances = cosine_distances(matrix)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return [str(label) for label in model.fit_predict(distances)]


def hdbscan(dense: np.ndarray, min_size: int) -> list[str]:
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=min_size, copy=True).fit_predict(dense)
    return [f"c{label}" if label >= 0 else f"noise{i}" for i, label in enumerate(labels)]


def reduce(matrix: object, dims: int = 100) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    reduced = TruncatedSVD(n_components=dims, random_state=0).fit_transform(matrix)
    return np.asarray(normalize(reduced))


def tuned(
    run: Callable[[float], list[str]], grid: Sequence[float], gold: Sequence[str]
) -> tuple[float, list[str]]:
    best: tuple[float, float, list[str]] | None = None
    for value in grid:
        pred = run(value)
        f1 = prf(*b_cubed(pred, gold))[2]
        if best is None or f1 > best[0]:
            best = (f1, value, pred)
    assert best is not None
    return best[1], best[2]


def main() -> None:
    started = time.time()
    data = load_ecbplus()
    docs = [doc for doc, _ in data]
    events = [gold["event"] for _, gold in data]
    topics = [gold["topic"] for _, gold in data]
    terms = terms_of(docs)
    rows: list[Row] = []

    def score(pred_event: Sequence[str], pred_topic: Sequence[str]) -> tuple[tuple[float, ...], ...]:
        return prf(*b_cubed(pred_event, events)), prf(*b_cubed(pred_topic, topics))

    # ours, topic-fold cross-validation (both levels: the link model learns from Timeline17
    # and from the ECB+ topics of the other folds)
    t17 = load_t17()
    precision_e = [0.0] * len(docs)
    recall_e = [0.0] * len(docs)
    precision_t = [0.0] * len(docs)
    recall_t = [0.0] * len(docs)
    fold_of = [int(t) % FOLDS for t in topics]
    t0 = time.time()
    for fold in range(FOLDS):
        keep = [i for i, f in enumerate(fold_of) if f != fold]
        params = train_story([data[i] for i in keep], "event")
        train_topics = Stream.of([data[i] for i in keep], "topic", params)
        line = train_storyline([Stream.of(t17, "storyline", params), train_topics])
        stories, lines = run_storylines(docs, params, line, terms)
        pe, re_ = b_cubed(stories, events)
        pt, rt = b_cubed(lines, topics)
        for i, f in enumerate(fold_of):
            if f == fold:
                precision_e[i], recall_e[i], precision_t[i], recall_t[i] = pe[i], re_[i], pt[i], rt[i]
        print(
            f"fold {fold}: join threshold {params.join.threshold}, merge {params.merge_threshold}, "
            f"link threshold {line.link.threshold}",
            flush=True,
        )
    rows.append(
        (
            "ours, topic-fold CV (5 folds)",
            prf(precision_e, recall_e),
            prf(precision_t, recall_t),
            f"{time.time() - t0:.0f} s incl. training",
        )
    )

    t0 = time.time()
    stories, lines = run_storylines(docs, story_params(), storyline_params(), terms)
    elapsed = time.time() - t0
    ev, tp = score(stories, lines)
    rows.append(
        (
            "ours, shipped model (in sample)",
            ev,
            tp,
            f"{len(set(stories))} stories, {len(set(lines))} storylines, {elapsed * 1000 / len(docs):.1f} ms/doc",
        )
    )  # type: ignore[arg-type]

    matrix = tfidf([doc.body for doc in docs])
    grid = [round(0.05 * i, 2) for i in range(10, 20)]
    t_e, pred_e = tuned(lambda t: agglomerative(matrix, t), grid, events)
    t_t, pred_t = tuned(lambda t: agglomerative(matrix, t), grid, topics)
    rows.append(
        (
            "TF-IDF + agglomerative (threshold tuned on dev)",
            prf(*b_cubed(pred_e, events)),
            prf(*b_cubed(pred_t, topics)),
            f"distance threshold {t_e} (event), {t_t} (topic)",
        )
    )
    dense = reduce(matrix)
    sizes = [2, 3, 5, 8]
    m_e, pred_e = tuned(lambda m: hdbscan(dense, int(m)), sizes, events)
    m_t, pred_t = tuned(lambda m: hdbscan(dense, int(m)), sizes, topics)
    rows.append(
        (
            "HDBSCAN on TF-IDF SVD-100 (min size tuned on dev)",
            prf(*b_cubed(pred_e, events)),
            prf(*b_cubed(pred_t, topics)),
            f"min_cluster_size {int(m_e)} (event), {int(m_t)} (topic)",
        )
    )
    singletons = [doc.id for doc in docs]
    rows.append(("all singletons", *score(singletons, singletons), ""))  # type: ignore[arg-type]
    one = ["all"] * len(docs)
    rows.append(("one cluster", *score(one, one), ""))  # type: ignore[arg-type]

    print()
    print(f"ECB+ dev: {len(docs)} documents, {len(set(events))} events, {len(set(topics))} topics")
    print(f"machine: {platform.machine()} {platform.processor() or ''}, python {platform.python_version()}")
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; total {time.time() - started:.0f} s")
    print()
    print("| system | event P | event R | event F1 | topic P | topic R | topic F1 | notes |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (ep, er, ef), (tpp, tr, tf), note in rows:
        print(f"| {name} | {ep:.3f} | {er:.3f} | {ef:.3f} | {tpp:.3f} | {tr:.3f} | {tf:.3f} | {note} |")


if __name__ == "__main__":
    main()
