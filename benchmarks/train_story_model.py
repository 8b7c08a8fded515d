"""Learn the story join model and the storyline link model; write storyline/data/story_model.json.

Data (../shared, dev parts only):
- story level: ECB+ dev (``event`` labels, no dates), documents in id order;
- storyline level: Timeline17 dev (``storyline`` labels, dated), in publication order.

Both go through spaCy once (``en_core_web_sm``, parser off; T17 bodies cut at
10,000 characters) and are cached under benchmarks/out/.

    .venv/bin/python benchmarks/train_story_model.py            # writes the shipped model
    .venv/bin/python benchmarks/train_story_model.py --check    # trains, prints, writes nothing

This module also holds the dataset loaders the clustering benchmarks share.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "benchmarks" / "out"
MODEL_PATH = ROOT / "storyline" / "data" / "story_model.json"
T17_MAX_CHARS = 10_000

sys.path.insert(0, str(ROOT))

from storyline.stories.cluster import STORY_FEATURES, Assignment, StoryClusterer  # noqa: E402
from storyline.stories.features import StoryDoc, doc_terms, story_doc_from_spacy  # noqa: E402
from storyline.stories.index import Bags  # noqa: E402
from storyline.stories.model import MODEL_VERSION, Decision, StorylineParams, StoryParams  # noqa: E402
from storyline.stories.storylines import LINK_FEATURES, StorylineLinker  # noqa: E402

Labelled = tuple[StoryDoc, dict[str, str]]


def _doc_to_json(doc: StoryDoc, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "published": doc.published.isoformat() if doc.published else None,
        "entities": doc.entities,
        "lemmas": doc.lemmas,
        "labels": labels,
    }


def _doc_from_json(row: dict[str, Any]) -> Labelled:
    doc = StoryDoc(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        entities=[(name, label) for name, label in row["entities"]],
        lemmas=row["lemmas"],
    )
    return doc, row["labels"]


def _cached(name: str, build: Callable[[], list[Labelled]]) -> list[Labelled]:
    path = OUT / f"stories_{name}.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            return [_doc_from_json(json.loads(line)) for line in handle]
    rows = build()
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for doc, labels in rows:
            handle.write(json.dumps(_doc_to_json(doc, labels)) + "\n")
    tmp.replace(path)
    return rows


def _require(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"dataset missing: {path} (../shared beside the repo is needed)")
    return path


def _spacy_docs(records: Sequence[dict[str, Any]], text_of: Callable[[dict[str, Any]], str]) -> list[Any]:
    from storyline.nlp import load_nlp

    nlp = load_nlp()
    disable = [name for name in ("parser",) if name in nlp.pipe_names]
    return list(nlp.pipe((text_of(r) for r in records), batch_size=32, disable=disable))


def load_ecbplus() -> list[Labelled]:
    """ECB+ dev as StoryDocs in id order (topic, then document), labels ``event`` and ``topic``."""

    def build() -> list[Labelled]:
        path = _require(SHARED / "data" / "clustering" / "ecbplus.dev.jsonl")
        with path.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle]
        records.sort(key=lambda r: _ecb_order(r["id"]))
        docs = _spacy_docs(records, lambda r: str(r["text"]))
        return [
            (
                story_doc_from_spacy(r["id"], d),
                {"event": str(r["event"]), "topic": str(r["topic"])},
            )
            for r, d in zip(records, docs, strict=True)
        ]

    return _cached("ecbplus", build)


def _ecb_order(doc_id: str) -> tuple[int, str, int]:
    topic, _, rest = doc_id.partition("_")
    number = "".join(ch for ch in rest if ch.isdigit())
    return (int(topic), rest.lstrip("0123456789"), int(number or 0))


def load_t17() -> list[Labelled]:
    """Timeline17 dev as StoryDocs in publication order (ties by id), label ``storyline``."""

    def build() -> list[Labelled]:
        path = _require(SHARED / "data" / "timelines" / "t17.dev.articles.jsonl")
        with path.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle]
        records.sort(key=lambda r: (r["published"], r["id"]))
        docs = _spacy_docs(records, lambda r: str(r["text"])[:T17_MAX_CHARS])
        return [
            (
                story_doc_from_spacy(r["id"], d, published=date.fromisoformat(r["published"][:10])),
                {"storyline": str(r["storyline"]), "collection": str(r["collection"])},
            )
            for r, d in zip(records, docs, strict=True)
        ]

    return _cached("t17", build)


# -- metric -----------------------------------------------------------------------


def b_cubed(pred: Sequence[str], gold: Sequence[str]) -> tuple[list[float], list[float]]:
    """Per-document B-cubed precision and recall: |pred ∩ gold| / |pred| and / |gold|."""
    from collections import Counter

    pairs = Counter(zip(pred, gold, strict=True))
    pred_sizes = Counter(pred)
    gold_sizes = Counter(gold)
    precision = [pairs[p, g] / pred_sizes[p] for p, g in zip(pred, gold, strict=True)]
    recall = [pairs[p, g] / gold_sizes[g] for p, g in zip(pred, gold, strict=True)]
    return precision, recall


def prf(precision: Sequence[float], recall: Sequence[float]) -> tuple[float, float, float]:
    p = sum(precision) / len(precision)
    r = sum(recall) / len(recall)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def f1_of(pred: Sequence[str], gold: Sequence[str]) -> float:
    return prf(*b_cubed(pred, gold))[2]


# -- running the stream -----------------------------------------------------------


def terms_of(docs: Sequence[StoryDoc]) -> list[Bags]:
    return [doc_terms(doc) for doc in docs]


def run_stories(
    docs: Sequence[StoryDoc], params: StoryParams, terms: Sequence[Bags] | None = None
) -> list[str]:
    """Each document's story at the end of the stream (merges followed)."""
    clusterer = StoryClusterer(params)
    bags = terms if terms is not None else terms_of(docs)
    assigned = [clusterer.add(doc, t).story_id for doc, t in zip(docs, bags, strict=True)]
    return [clusterer.resolve(story) for story in assigned]


def story_stream(
    docs: Sequence[StoryDoc], story: StoryParams, terms: Sequence[Bags]
) -> tuple[list[Assignment], list[str]]:
    """The assignments as they were made, and each document's story at the end."""
    clusterer = StoryClusterer(story)
    assignments = [clusterer.add(doc, t) for doc, t in zip(docs, terms, strict=True)]
    return assignments, [clusterer.resolve(a.story_id) for a in assignments]


def run_linker(
    docs: Sequence[StoryDoc],
    assignments: Sequence[Assignment],
    stories: Sequence[str],
    line: StorylineParams,
    terms: Sequence[Bags],
) -> list[str]:
    """Each document's storyline at the end of the stream, given the story assignments."""
    linker = StorylineLinker(line)
    for doc, assignment, t in zip(docs, assignments, terms, strict=True):
        linker.add(doc, assignment, t)
    return [linker.storyline_of(s) or s for s in stories]


def run_storylines(
    docs: Sequence[StoryDoc], story: StoryParams, line: StorylineParams, terms: Sequence[Bags] | None = None
) -> tuple[list[str], list[str]]:
    """Each document's story and storyline at the end of the stream."""
    bags = terms if terms is not None else terms_of(docs)
    assignments, stories = story_stream(docs, story, bags)
    return stories, run_linker(docs, assignments, stories, line, bags)


# -- fitting ----------------------------------------------------------------------


def _fit(rows: list[list[float]], labels: list[bool], features: tuple[str, ...], c: float) -> Decision:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=int)
    if len(set(labels)) < 2:
        raise SystemExit("training stream produced one class only")
    model = LogisticRegression(C=c, max_iter=2000).fit(x, y)
    return Decision(
        features=features,
        coef=tuple(round(float(v), 6) for v in model.coef_[0]),
        intercept=round(float(model.intercept_[0]), 6),
        threshold=0.5,
    )


def _with_join(params: StoryParams, join: Decision, threshold: float, merge: float) -> StoryParams:
    return replace(params, join=replace(join, threshold=threshold), merge_threshold=merge)


JOIN_GRID = [round(0.1 * i, 2) for i in range(1, 10)]
MERGE_GRID = [0.8, 0.9, 0.95, 1.01]  # 1.01: never merge
LINK_GRID = [0.05, *(round(0.1 * i, 2) for i in range(1, 10))]


def train_story(data: Sequence[Labelled], label: str = "event") -> StoryParams:
    """Join model from a teacher-forced stream; thresholds by B³ F1 on the same stream."""
    base = StoryParams(join=Decision(STORY_FEATURES, (0.0,) * len(STORY_FEATURES), 0.0, 0.5))
    clusterer = StoryClusterer(base)
    story_of_label: dict[str, str] = {}
    rows: list[list[float]] = []
    labels: list[bool] = []
    docs = [doc for doc, _ in data]
    terms = terms_of(docs)
    for (doc, gold), bags in zip(data, terms, strict=True):
        target = story_of_label.get(gold[label])
        story, seen = clusterer.add_forced(doc, target, bags)
        story_of_label[gold[label]] = story
        for candidate, values in seen:
            rows.append(values)
            labels.append(candidate == target)
    join = _fit(rows, labels, STORY_FEATURES, c=1.0)
    gold_labels = [gold[label] for _, gold in data]
    best = max(
        JOIN_GRID,
        key=lambda t: (f1_of(run_stories(docs, _with_join(base, join, t, 1.01), terms), gold_labels), -t),
    )
    merge = max(
        MERGE_GRID,
        key=lambda m: (f1_of(run_stories(docs, _with_join(base, join, best, m), terms), gold_labels), m),
    )
    return _with_join(base, join, best, merge)


@dataclass(slots=True)
class Stream:
    """One labelled stream for the storyline level, and the story assignments made on it."""

    data: Sequence[Labelled]
    label: str
    terms: Sequence[Bags]
    assignments: Sequence[Assignment]
    stories: Sequence[str]

    @classmethod
    def of(cls, data: Sequence[Labelled], label: str, story: StoryParams) -> Stream:
        docs = [doc for doc, _ in data]
        terms = terms_of(docs)
        assignments, stories = story_stream(docs, story, terms)
        return cls(data, label, terms, assignments, stories)

    def subset(self, keep: Sequence[int], story: StoryParams) -> Stream:
        """The stream of the documents at ``keep`` only (story assignments made anew)."""
        data = [self.data[i] for i in keep]
        terms = [self.terms[i] for i in keep]
        assignments, stories = story_stream([doc for doc, _ in data], story, terms)
        return Stream(data, self.label, terms, assignments, stories)

    def linked(self, line: StorylineParams) -> list[str]:
        return run_linker([doc for doc, _ in self.data], self.assignments, self.stories, line, self.terms)

    def f1(self, line: StorylineParams) -> float:
        return f1_of(self.linked(line), [gold[self.label] for _, gold in self.data])


def train_storyline(streams: Sequence[Stream]) -> StorylineParams:
    """Link model from teacher-forced streams over the stories our clusterer makes.

    Every stream contributes its candidates (a dated one such as Timeline17 and an undated
    one such as ECB+ topics, so that the model learns how much content evidence a link needs
    when dates cannot help); the threshold maximises the mean B³ F1 over the streams.
    """
    base = StorylineParams(link=Decision(LINK_FEATURES, (0.0,) * len(LINK_FEATURES), 0.0, 0.5))
    rows: list[list[float]] = []
    labels: list[bool] = []
    for stream in streams:
        linker = StorylineLinker(base)
        line_of_label: dict[str, str] = {}
        for (doc, gold), bags, assignment in zip(stream.data, stream.terms, stream.assignments, strict=True):
            target = line_of_label.get(gold[stream.label])
            line, seen = linker.add_forced(doc, assignment, target, bags)
            line_of_label.setdefault(gold[stream.label], line)
            for candidate, values in seen:
                rows.append(values)
                labels.append(candidate == target)
    link = _fit(rows, labels, LINK_FEATURES, c=1.0)

    def score(t: float) -> float:
        params = replace(base, link=replace(link, threshold=t))
        return sum(stream.f1(params) for stream in streams) / len(streams)

    best = max(LINK_GRID, key=lambda t: (score(t), -t))
    return replace(base, link=replace(link, threshold=best))


def train_all(ecb: Sequence[Labelled], t17: Sequence[Labelled]) -> dict[str, Any]:
    story = train_story(ecb, "event")
    line = train_storyline([Stream.of(t17, "storyline", story), Stream.of(ecb, "topic", story)])
    return {
        "version": MODEL_VERSION,
        "trained_on": {
            "story": f"ECB+ dev, {len(ecb)} documents in id order, label event (no dates)",
            "storyline": (
                f"Timeline17 dev, {len(t17)} articles in publication order, label storyline; "
                f"and ECB+ dev, {len(ecb)} documents in id order, label topic (no dates)"
            ),
        },
        "story": story.to_dict(),
        "storyline": line.to_dict(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="train and print, do not write the model")
    parser.add_argument("--cache-only", action="store_true", help="only build the spaCy caches")
    args = parser.parse_args(argv)
    ecb = load_ecbplus()
    t17 = load_t17()
    print(f"ECB+ dev: {len(ecb)} documents; T17 dev: {len(t17)} articles")
    if args.cache_only:
        return
    model = train_all(ecb, t17)
    text = json.dumps(model, indent=1, sort_keys=True) + "\n"
    print(text)
    if not args.check:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
