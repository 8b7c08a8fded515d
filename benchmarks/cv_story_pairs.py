"""Choose the story pair model by cross-validation over the ECB+ *tuning* topics alone.

The test topics are never read.  The 16 tuning topics are cut into 4 folds (``--partition
mod``: sorted topic index mod 4; ``--partition N``: a random split with seed N, to see how
much the split alone moves a figure).  For each fold the pair trees are trained as
``train_story_model.train_pairs`` trains them, on every pair of the other 12 topics (full text
and headline only, each stream weighted as one batch), with the cut and the short cut chosen
on those 12 topics; then the 4 held-out topics are grouped as one batch, as ``storyline
ingest`` of a file groups them (no story of an earlier batch: the join models play no part),
and scored with B³ F1 against ``event``.  ``--small K`` also groups the held-out topics in
batches of 40 in K random orders (a feed polled every few minutes).

Documents come from the stores ``storyline ingest`` filled (``benchmarks/out/ecb_tune*.db``,
made by ``train_story_model.py`` or ``cluster_ecbplus.py`` when missing).

    .venv/bin/python benchmarks/cv_story_pairs.py                    # the shipped features
    .venv/bin/python benchmarks/cv_story_pairs.py --variant lead     # a variant (see VARIANTS)
    .venv/bin/python benchmarks/cv_story_pairs.py --lexical          # the model without embeddings
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import product_path as pp  # noqa: E402
import train_story_model as tsm  # noqa: E402

from storyline.stories import cluster  # noqa: E402
from storyline.stories.model import story_params  # noqa: E402

FOLDS = 4
Extra = Callable[[Sequence[Any], Sequence[Any]], dict[str, np.ndarray]]


def folds_of(topics: Sequence[str], partition: str) -> list[list[str]]:
    ordered = sorted(set(topics), key=int)
    if partition != "mod":
        random.Random(int(partition)).shuffle(ordered)
    return [[t for i, t in enumerate(ordered) if i % FOLDS == k] for k in range(FOLDS)]


def subset(data: Sequence[tsm.Labelled], topics: Sequence[str]) -> list[tsm.Labelled]:
    return [(doc, gold) for doc, gold in data if gold["topic"] in topics]


class Variant:
    """Pair features to add to the shipped ones: ``extra`` computes n x n matrices for a batch
    from its StoryDocs and weighted documents."""

    def __init__(self, name: str, extra: Extra | None = None, features: Sequence[str] = (),
                 drop: Sequence[str] = ()) -> None:
        self.name, self.extra, self.added, self.drop = name, extra, tuple(features), set(drop)

    def features(self, lexical: bool) -> tuple[str, ...]:
        base = cluster.PAIR_LEXICAL if lexical else cluster.PAIR_FEATURES
        return tuple(f for f in (*base, *self.added) if f not in self.drop)


class Patched:
    """While active, ``cluster.pair_features`` adds the variant's matrices for the batch in hand."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.original = cluster.pair_features
        self.docs: Sequence[Any] = ()

    def __call__(self, weighted: Sequence[Any]) -> dict[str, np.ndarray]:
        values = self.original(weighted)
        if self.variant.extra is not None:
            by_id = {id(w): d for w, d in self._pairs}
            values.update(self.variant.extra([by_id[id(w)] for w in weighted], weighted))
        return values

    _pairs: list[tuple[Any, Any]] = []


def pair_rows(streams: Sequence[tsm.StoryStream], variant: Variant, patched: Patched
              ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    x: dict[str, list[Any]] = {}
    y = []
    for stream in streams:
        weighted = tsm.batch_weighted(stream)
        patched._pairs = list(zip(weighted, stream.docs, strict=True))
        values = cluster.pair_features(weighted)
        upper = np.triu_indices(len(stream.docs), 1)
        for name, matrix in values.items():
            x.setdefault(name, []).append(matrix[upper])
        gold = np.asarray(stream.gold)
        y.append((gold[:, None] == gold[None, :])[upper])
    return {name: np.concatenate(parts) for name, parts in x.items()}, np.concatenate(y)


def fold_scores(full: list[tsm.Labelled], head: list[tsm.Labelled], held: list[str], variant: Variant,
                lexical: bool, small: int) -> dict[str, Any]:
    train = [t for t in {g["topic"] for _, g in full} if t not in held]
    tr_full = tsm.StoryStream.of(subset(full, train), "story")
    tr_head = tsm.StoryStream.of(subset(head, train), "story")
    te_full = tsm.StoryStream.of(subset(full, held), "story")
    te_head = tsm.StoryStream.of(subset(head, held), "story")
    patched = Patched(variant)
    cluster.pair_features = patched
    original_weigh = cluster.weigh
    try:
        rows, labels = pair_rows((tr_full, tr_head), variant, patched)
        features = variant.features(lexical)
        trees = tsm.fit_trees(np.column_stack([rows[f] for f in features]), labels, features)
        base = story_params()
        params = replace(base, pair=trees, pair_lexical=None, short_threshold=None, short_threshold_lexical=None)
        if lexical:
            params = replace(tsm._lexical_only(params), pair=trees)

        # each batch's weighted documents are made inside add_batch; remember their StoryDocs
        def weigh(bags: Any, stats: Any, published: Any, dense: Any = None) -> Any:
            out = original_weigh(bags, stats, published, dense)
            patched._pairs.append((out, current.pop(0)))
            return out

        current: list[Any] = []

        def f1(stream: tsm.StoryStream, p: Any, batch: int = tsm.BATCH) -> float:
            current[:] = []
            patched._pairs = []
            clusterer = cluster.StoryClusterer(p)
            assignments = []
            for part in tsm.day_batches(stream.docs, batch):
                docs = [stream.docs[i] for i in part]
                current[:] = list(docs)
                assignments += clusterer.add_batch(docs, [stream.terms[i] for i in part])
            return tsm.f1_of([clusterer.resolve(a.story_id) for a in assignments], stream.gold)

        cluster.weigh = weigh
        cut = max(tsm.PAIR_GRID, key=lambda t: (f1(tr_full, replace(params, pair=replace(trees, threshold=t))), -t))
        params = replace(params, pair=replace(trees, threshold=cut))
        short = max(tsm.SHORT_GRID, key=lambda t: (f1(tr_head, replace(params, short_threshold=t)), -t))
        params = replace(params, short_threshold=short)
        out = {"cut": cut, "short": short, "full": f1(te_full, params), "head": f1(te_head, params)}
        if small:
            out["small_full"] = statistics.mean(f1(te_full.reordered(s), params, tsm.SMALL_BATCH) for s in range(small))
            out["small_head"] = statistics.mean(f1(te_head.reordered(s), params, tsm.SMALL_BATCH) for s in range(small))
        return out
    finally:
        cluster.pair_features = patched.original
        cluster.weigh = original_weigh


# -- variants ---------------------------------------------------------------------------

VARIANTS: dict[str, Variant] = {"shipped": Variant("shipped")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", default="shipped", choices=sorted(VARIANTS))
    parser.add_argument("--partition", default="mod", help="mod, or a seed for a random split (1, 2, ...)")
    parser.add_argument("--lexical", action="store_true", help="the pair model without the dense cosines")
    parser.add_argument("--small", type=int, default=0, help="also batches of 40 in this many random orders")
    args = parser.parse_args(argv)
    full = tsm.stored_docs(pp.ecbplus("tune"), "ecb_tune")
    head = tsm.stored_docs(pp.ecbplus("tune"), "ecb_tune_head", headline_only=True)
    variant = VARIANTS[args.variant]
    results = []
    for held in folds_of([g["topic"] for _, g in full], args.partition):
        results.append(fold_scores(full, head, held, variant, args.lexical, args.small))
        print(f"  fold {held}: {results[-1]}", flush=True)
    keys = ["full", "head"] + (["small_full", "small_head"] if args.small else [])
    means = {k: round(statistics.mean(r[k] for r in results), 3) for k in keys}
    per = {k: [round(r[k], 3) for r in results] for k in keys}
    print(f"{variant.name} partition {args.partition}{' lexical' if args.lexical else ''}: mean {means} per fold {per}")


if __name__ == "__main__":
    main()
