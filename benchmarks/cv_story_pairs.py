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

``--mixed`` chooses the cuts as ``train_story_model.py`` does (the mean of one batch and batches
of 40); without it, for one batch alone.

    .venv/bin/python benchmarks/cv_story_pairs.py --mixed --small 2                     # as shipped
    .venv/bin/python benchmarks/cv_story_pairs.py --variant nosplit --small 2           # as before the split
    .venv/bin/python benchmarks/cv_story_pairs.py --variant split8_4 --partition 1      # other settings, splits
    .venv/bin/python benchmarks/cv_story_pairs.py --lexical --variant split6_4 --mixed  # without embeddings
    .venv/bin/python benchmarks/cv_story_pairs.py --variant years --errors              # a pair feature tried
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
from collections import Counter
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
    from its StoryDocs and weighted documents; ``split``: the (ratio, side) of cutting a group
    in two (``StoryParams.split_ratio``), None never, "shipped" as the shipped model."""

    def __init__(self, name: str, extra: Extra | None = None, features: Sequence[str] = (),
                 drop: Sequence[str] = (), split: tuple[float, int] | str | None = "shipped") -> None:
        self.name, self.extra, self.added, self.drop = name, extra, tuple(features), set(drop)
        self.split = split

    def features(self, lexical: bool) -> tuple[str, ...]:
        base = cluster.PAIR_LEXICAL if lexical else cluster.PAIR_FEATURES
        return tuple(f for f in (*base, *self.added) if f not in self.drop)


class Patched:
    """While active, ``cluster.pair_features`` adds the variant's matrices for the batch in hand;
    ``_pairs`` maps each weighted document made so far to its StoryDoc."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.original = cluster.pair_features
        self._pairs: list[tuple[Any, Any]] = []

    def __call__(self, weighted: Sequence[Any]) -> dict[str, np.ndarray]:
        values = self.original(weighted)
        if self.variant.extra is not None:
            by_id = {id(w): d for w, d in self._pairs}
            values.update(self.variant.extra([by_id[id(w)] for w in weighted], weighted))
        return values


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


def show_errors(pred: Sequence[str], gold: Sequence[str]) -> None:
    """Each predicted story that mixes events, and each event split over stories."""
    groups: dict[str, Counter[str]] = {}
    for p, g in zip(pred, gold, strict=True):
        groups.setdefault(p, Counter())[g] += 1
    for counts in sorted(groups.values(), key=sorted):
        events = {g for g in gold if g in counts}
        split = any(sum(1 for c in groups.values() if g in c) > 1 for g in events)
        if len(counts) > 1 or split:
            print(f"    story of {sum(counts.values())}: {dict(counts)}")


def fold_scores(full: list[tsm.Labelled], head: list[tsm.Labelled], held: list[str], variant: Variant,
                lexical: bool, small: int, errors: bool = False, cut_first: bool = False,
                mixed: bool = False) -> dict[str, Any]:
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
        if variant.split != "shipped":
            ratio, side = variant.split if isinstance(variant.split, tuple) else (None, base.split_side)
            base = replace(base, split_ratio=ratio, split_ratio_lexical=ratio, split_side=side)
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
            pred = [clusterer.resolve(a.story_id) for a in assignments]
            if errors and stream is te_full and batch == tsm.BATCH:
                show_errors(pred, stream.gold)
            return tsm.f1_of(pred, stream.gold)

        cluster.weigh = weigh
        split = {"split_ratio": params.split_ratio, "split_ratio_lexical": params.split_ratio_lexical}
        if cut_first:  # the cuts as without the split, the split applied after
            params = replace(params, split_ratio=None, split_ratio_lexical=None)

        def objective(stream: tsm.StoryStream, p: Any) -> float:  # as training chooses, through the patches
            return tsm.both_ways(stream, p, f1) if mixed else f1(stream, p)

        cut = max(tsm.PAIR_GRID, key=lambda t: (objective(tr_full, replace(params, pair=replace(trees, threshold=t))),
                                                -t))
        params = replace(params, pair=replace(trees, threshold=cut))
        short = max(tsm.SHORT_GRID, key=lambda t: (objective(tr_head, replace(params, short_threshold=t)), -t))
        params = replace(params, short_threshold=short, **split)
        out = {"cut": cut, "short": short, "full": f1(te_full, params), "head": f1(te_head, params)}
        if small:
            out["small_full"] = statistics.mean(f1(te_full.reordered(s), params, tsm.SMALL_BATCH) for s in range(small))
            out["small_head"] = statistics.mean(f1(te_head.reordered(s), params, tsm.SMALL_BATCH) for s in range(small))
        return out
    finally:
        cluster.pair_features = patched.original
        cluster.weigh = original_weigh


# -- variants ---------------------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-3]\d)(?!\d)")


def _years(doc: Any) -> list[int]:
    return [int(y) for y in _YEAR.findall(f"{doc.title or ''}\n{doc.body}")]


def year_gap(docs: Sequence[Any], weighted: Sequence[Any]) -> dict[str, np.ndarray]:
    """How many years apart the latest years the two texts write (-1: either writes none)."""
    latest = np.asarray([max(_years(d), default=-1) for d in docs], dtype=float)
    gap = np.abs(np.subtract.outer(latest, latest))
    missing = np.logical_or.outer(latest < 0, latest < 0)
    return {"year_gap": np.where(missing, -1.0, gap)}


def _people(doc: Any) -> Counter[str]:
    out: Counter[str] = Counter()
    for name, label in doc.entities:
        if label in {"PERSON", "PER"}:
            words = name.lower().replace("'s", "").split()
            if words:
                out[words[-1]] += 1
    return out


def main_person(docs: Sequence[Any], weighted: Sequence[Any]) -> dict[str, np.ndarray]:
    """Whether the person each text names most is named at all by the other (1 both ways,
    0.5 one way, 0 neither; -1 when either names nobody)."""
    people = [_people(d) for d in docs]
    top = [p.most_common(1)[0][0] if p else None for p in people]
    n = len(docs)
    out = np.full((n, n), -1.0)
    for i in range(n):
        for j in range(n):
            if top[i] is None or top[j] is None:
                continue
            out[i, j] = ((top[i] in people[j]) + (top[j] in people[i])) / 2
    return {"main_person": out}


def both(*extras: Extra) -> Extra:
    def extra(docs: Sequence[Any], weighted: Sequence[Any]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for e in extras:
            out.update(e(docs, weighted))
        return out
    return extra


VARIANTS: dict[str, Variant] = {
    "nosplit": Variant("nosplit", split=None),
    **{f"split{r}_{m}": Variant(f"split{r}_{m}", split=(r / 10, m)) for r in (4, 5, 6, 7, 8, 9) for m in (2, 3, 4, 5)},
    "shipped": Variant("shipped"),
    "years": Variant("years", year_gap, ["year_gap"]),
    "person": Variant("person", main_person, ["main_person"]),
    "years_person": Variant("years_person", both(year_gap, main_person), ["year_gap", "main_person"]),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", default="shipped", choices=sorted(VARIANTS))
    parser.add_argument("--partition", default="mod", help="mod, or a seed for a random split (1, 2, ...)")
    parser.add_argument("--lexical", action="store_true", help="the pair model without the dense cosines")
    parser.add_argument("--cut-first", action="store_true",
                        help="choose the cuts without the split, then split (as training does)")
    parser.add_argument("--mixed", action="store_true",
                        help="cuts maximise the mean of one batch and batches of 40 (two orders)")
    parser.add_argument("--errors", action="store_true", help="print the held-out stories that are wrong")
    parser.add_argument("--small", type=int, default=0, help="also batches of 40 in this many random orders")
    args = parser.parse_args(argv)
    full = tsm.stored_docs(pp.ecbplus("tune"), "ecb_tune")
    head = tsm.stored_docs(pp.ecbplus("tune"), "ecb_tune_head", headline_only=True)
    variant = VARIANTS[args.variant]
    results = []
    for held in folds_of([g["topic"] for _, g in full], args.partition):
        results.append(fold_scores(full, head, held, variant, args.lexical, args.small, args.errors, args.cut_first, args.mixed))
        print(f"  fold {held}: {results[-1]}", flush=True)
    keys = ["full", "head"] + (["small_full", "small_head"] if args.small else [])
    means = {k: round(statistics.mean(r[k] for r in results), 3) for k in keys}
    per = {k: [round(r[k], 3) for r in results] for k in keys}
    print(f"{variant.name}{' cut first' if args.cut_first else ''}{' mixed' if args.mixed else ''} partition {args.partition}{' lexical' if args.lexical else ''}: mean {means} per fold {per}")


if __name__ == "__main__":
    main()
