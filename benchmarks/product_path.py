"""What a user runs, scored: write a labelled set as JSONL, ``storyline ingest`` it, export.

Every clustering benchmark goes through here:

1. the set is written as JSONL ``{id, title, text[, published]}`` (the *full* variant), or
   with the title alone as the text (*headline-only*), optionally in a shuffled order;
2. the real CLI runs in a fresh store: ``storyline ingest FILE.jsonl --db STORE``
   (cleaning, dedup, enrichment, then grouping), and ``storyline export stories``;
   ``--recluster`` runs ``storyline cluster --rebuild`` on a store ingested earlier (a product
   command: it forgets every story and groups all articles again) instead of ingesting anew;
3. each document's story and storyline are read back from the export (a duplicate is listed
   under ``copies`` of its original's story; a document in no story, e.g. skipped at ingest,
   counts as a story of its own) and scored with B-cubed.

The split into a tuning part and a test part is fixed here, once, by topic (ECB+) and by
storyline (Timeline17): models and thresholds are tuned on the tuning part only.

Metric: B-cubed precision and recall per document (|pred ∩ gold| / |pred| and / |gold|),
averaged over documents; F1 of the averages.  Spread: the 5th-95th percentile of F1 over
bootstrap resamples of whole gold groups (topics or storylines).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    """The read-only datasets: $STORYLINE_SHARED, else ``shared/`` beside the repo (or beside
    a parent folder of it)."""
    if os.environ.get("STORYLINE_SHARED"):
        return Path(os.environ["STORYLINE_SHARED"])
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared"
    return ROOT.parent / "shared"


SHARED = _shared()
OUT = ROOT / "benchmarks" / "out"
ECBPLUS = SHARED / "data" / "clustering" / "ecbplus.dev.jsonl"
T17 = SHARED / "data" / "timelines" / "t17.dev.articles.jsonl"

# -- the split, fixed once -------------------------------------------------------------
# ECB+ dev holds topics 1-35 but 15 and 17.  Odd topics tune, even topics test.
ECB_TUNE_TOPICS = (1, 3, 5, 7, 9, 11, 13, 19, 21, 23, 25, 27, 29, 31, 33, 35)
ECB_TEST_TOPICS = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34)
# Timeline17 dev holds five storylines.  The BP oil spill is covered by five outlets with
# the same events; two of them (BBC, Reuters) are kept so that enrichment of the tuning part
# stays within minutes on a shared 2-core machine.
T17_TUNE = {"bpoil": ("bpoil_bbc", "bpoil_reuters"), "mj": ("MJ_bbc",)}
T17_TEST = {"h1n1": None, "haiti": None, "egyptianprotest": None}  # None: every collection
# Timeline17 bodies are cut at this many characters (at a sentence end when there is one):
# the lead carries what makes a story, and enrichment time stays bounded.
T17_MAX_CHARS = 2000
HEADLINE_WORDS = 30


@dataclass(slots=True)
class Record:
    """One labelled document as it will be written: id, title, text, date, gold labels."""

    id: str
    title: str
    text: str
    published: str | None
    gold: dict[str, str] = field(default_factory=dict)


def _require(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"dataset missing: {path} (../shared beside the repo is needed)")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    with _require(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ecbplus(part: str) -> list[Record]:
    """ECB+ dev, tuning or test part, in file order: first line as title, the rest as text."""
    topics = ECB_TUNE_TOPICS if part == "tune" else ECB_TEST_TOPICS
    records = []
    for row in _read(ECBPLUS):
        if int(row["topic"]) not in topics:
            continue
        title, _, rest = str(row["text"]).partition("\n")
        records.append(
            Record(
                id=str(row["id"]),
                title=title.strip(),
                text=rest.strip() or title.strip(),
                published=None,
                gold={"story": str(row["event"]), "storyline": str(row["event"]), "topic": str(row["topic"])},
            )
        )
    return records


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'`])")


def _untokenise(text: str) -> str:
    """Timeline17 text is tokenised with spaces around punctuation; join it back."""
    text = re.sub(r" ([.,;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    return text.replace("\\/", "/").replace("`` ", '"').replace(" ''", '"')


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    return head[: end + 1] if end > limit // 2 else head


def t17(part: str) -> list[Record]:
    """Timeline17 dev, tuning or test part, in file order; the first sentence is the title."""
    chosen = T17_TUNE if part == "tune" else T17_TEST
    records = []
    for row in _read(T17):
        collections = chosen.get(str(row["storyline"]), ())
        if collections is not None and str(row["collection"]) not in collections:
            continue
        text = _cut(_untokenise(str(row["text"])), T17_MAX_CHARS)
        first = _SENTENCE.split(text, maxsplit=1)[0]
        title = " ".join(first.split()[:HEADLINE_WORDS])
        records.append(
            Record(
                id=str(row["id"]),
                title=title,
                text=text,
                published=str(row["published"])[:10],
                gold={"storyline": str(row["storyline"]), "collection": str(row["collection"])},
            )
        )
    return records


# -- writing and running ---------------------------------------------------------------


def write_jsonl(records: Sequence[Record], path: Path, *, headline_only: bool = False,
                shuffle: int | None = None) -> None:
    """The records as ingest input: ``{id, title, text[, published]}`` per line."""
    rows = list(records)
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for r in rows:
            line: dict[str, Any] = {"id": r.id, "title": r.title, "text": r.title if headline_only else r.text}
            if r.published:
                line["published"] = r.published
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


# The CLI as it runs when the embeddings extra is not installed (its import fails).
_WITHOUT_EMBEDDINGS = "import sys; sys.modules['wordllama'] = None; from storyline.program import main; main()"


def _cli(*args: str, lexical: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed ``storyline`` command with this tree first on the path; with
    ``lexical``, as if the embeddings extra were not installed."""
    exe = Path(sys.executable).parent / "storyline"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if lexical or not exe.exists():
        command = [sys.executable, "-c", _WITHOUT_EMBEDDINGS if lexical else "from storyline.program import main; main()",
                   *args]
    else:
        command = [str(exe), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):  # 1: some input skipped, reported per item
        raise SystemExit(f"storyline {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done


@dataclass(slots=True)
class Run:
    """Each document's story and storyline after a product-path run, and its cost."""

    story: dict[str, str]
    storyline: dict[str, str]
    seconds: float
    stories: int
    storylines: int
    how: str  # "ingest" or "cluster --rebuild"


def run_product(records: Sequence[Record], name: str, *, headline_only: bool = False,
                shuffle: int | None = None, recluster: bool = False, lexical: bool = False) -> Run:
    """Ingest the records through the CLI into ``benchmarks/out/NAME.db`` and read the groups.

    With ``recluster`` and an existing store, ``storyline cluster --rebuild`` regroups the
    articles ingested before (same input) instead of ingesting again.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"{name}.db"
    source = OUT / f"{name}.jsonl"
    started = time.time()
    how = "cluster --rebuild" if recluster and db.exists() else "ingest"
    if how != "ingest":
        _cli("cluster", "--rebuild", "--db", str(db), "--json", lexical=lexical)
    else:
        for stale in OUT.glob(f"{name}.db*"):
            stale.unlink()
        write_jsonl(records, source, headline_only=headline_only, shuffle=shuffle)
        _cli("ingest", str(source), "--db", str(db), "--json", lexical=lexical)
    seconds = time.time() - started
    external = {}
    for line in _cli("export", "articles", "--db", str(db)).stdout.splitlines():
        row = json.loads(line)
        external[row["id"]] = row.get("external_id") or row["id"]
    story: dict[str, str] = {}
    storyline: dict[str, str] = {}
    lines: set[str] = set()
    exported = _cli("export", "stories", "--db", str(db)).stdout.splitlines()
    for line in exported:
        row = json.loads(line)
        line_id = (row.get("storyline") or {}).get("id") or "line-" + row["id"]
        lines.add(line_id)
        copies = [copy for group in (row.get("copies") or {}).values() for copy in group]
        for article_id in [*row["articles"], *copies]:  # a duplicate is shown as a copy of its original
            doc = external.get(article_id, article_id)
            story[doc] = row["id"]
            storyline[doc] = line_id
    return Run(story, storyline, seconds, len(exported), len(lines), how)


def labels(run: dict[str, str], records: Sequence[Record]) -> list[str]:
    """Predicted label per record; a document in no story is a story of its own."""
    return [run.get(r.id, "alone:" + r.id) for r in records]


# -- scoring ---------------------------------------------------------------------------


def b_cubed(pred: Sequence[str], gold: Sequence[str]) -> tuple[list[float], list[float]]:
    """Per-document B-cubed precision and recall."""
    pairs = Counter(zip(pred, gold, strict=True))
    pred_sizes, gold_sizes = Counter(pred), Counter(gold)
    precision = [pairs[p, g] / pred_sizes[p] for p, g in zip(pred, gold, strict=True)]
    recall = [pairs[p, g] / gold_sizes[g] for p, g in zip(pred, gold, strict=True)]
    return precision, recall


def prf(pred: Sequence[str], gold: Sequence[str]) -> tuple[float, float, float]:
    precision, recall = b_cubed(pred, gold)
    p, r = sum(precision) / len(precision), sum(recall) / len(recall)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def spread(pred: Sequence[str], gold: Sequence[str], groups: Sequence[str],
           samples: int = 200, seed: int = 0) -> tuple[float, float]:
    """5th and 95th percentile of B³ F1 over bootstrap resamples of whole groups.

    Per-document precision and recall are computed once on the whole part (a group's
    documents keep their scores) and averaged over the resampled groups.
    """
    precision, recall = b_cubed(pred, gold)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    names = sorted(members)
    rng = random.Random(seed)
    scores = []
    for _ in range(samples):
        chosen = [i for _ in names for i in members[rng.choice(names)]]
        p = sum(precision[i] for i in chosen) / len(chosen)
        r = sum(recall[i] for i in chosen) / len(chosen)
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    scores.sort()
    return scores[int(0.05 * samples)], scores[int(0.95 * samples) - 1]


# -- the baseline ----------------------------------------------------------------------


def tfidf_agglomerative(texts: Sequence[str], threshold: float) -> list[str]:
    """TF-IDF (sublinear tf, English stop words) + agglomerative clustering (cosine, average)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    if len(texts) < 2:
        return ["0"] * len(texts)
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return [str(label) for label in model.fit_predict(cosine_distances(matrix))]


BASELINE_GRID = (*(round(0.05 * i, 2) for i in range(8, 18)), 0.9, 0.92, 0.94, 0.96, 0.98)


def baseline_texts(records: Sequence[Record], headline_only: bool) -> list[str]:
    return [r.title if headline_only else f"{r.title}\n{r.text}" for r in records]


def tune_baseline(records: Sequence[Record], level: str, headline_only: bool = False) -> float:
    """The distance threshold with the best B³ F1 on the (tuning) records."""
    texts = baseline_texts(records, headline_only)
    gold = [r.gold[level] for r in records]
    return max(BASELINE_GRID, key=lambda t: (prf(tfidf_agglomerative(texts, t), gold)[2], -t))


def fmt(p: float, r: float, f: float) -> str:
    return f"{p:.3f} | {r:.3f} | {f:.3f}"


# -- one benchmark table ---------------------------------------------------------------


@dataclass(slots=True)
class Row:
    part: str
    system: str
    story: tuple[float, float, float] | None
    storyline: tuple[float, float, float] | None
    spread: tuple[float, float] | None
    note: str


def ours(records: Sequence[Record], part: str, name: str, group: str, *, headline_only: bool = False,
         shuffle: int | None = None, recluster: bool = False, story_level: bool = True,
         lexical: bool = False) -> Row:
    """Our row for one part and variant, through the CLI (``lexical``: without the
    embeddings extra)."""
    run = run_product(records, name, headline_only=headline_only, shuffle=shuffle, recluster=recluster,
                      lexical=lexical)
    story_gold = [r.gold["story"] for r in records] if story_level else None
    line_gold = [r.gold["storyline"] for r in records]
    stories = labels(run.story, records)
    lines = labels(run.storyline, records)
    main_pred, main_gold = (stories, story_gold) if story_gold else (lines, line_gold)
    variant = "headline only" if headline_only else "full text"
    if shuffle is not None:
        variant += f", ingest order shuffled (seed {shuffle})"
    if lexical:
        variant += ", without the embeddings extra"
    return Row(
        part, f"storyline: {variant}",
        prf(stories, story_gold) if story_gold else None,
        prf(lines, line_gold),
        spread(main_pred, main_gold, [r.gold[group] for r in records]),
        f"{run.stories} stories, {run.storylines} storylines, {run.seconds:.0f} s {run.how}",
    )


def baseline(tune: Sequence[Record], test: Sequence[Record], level: str, group: str,
             headline_only: bool = False) -> list[Row]:
    """TF-IDF + agglomerative, threshold tuned on the tuning part, on both parts."""
    threshold = tune_baseline(tune, level, headline_only)
    rows = []
    for part, records in (("tune", tune), ("test", test)):
        pred = tfidf_agglomerative(baseline_texts(records, headline_only), threshold)
        gold = [r.gold[level] for r in records]
        score = prf(pred, gold)
        rows.append(Row(
            part, f"TF-IDF + agglomerative: {'headline only' if headline_only else 'full text'}",
            score if level == "story" else None, score if level == "storyline" else None,
            spread(pred, gold, [r.gold[group] for r in records]),
            f"distance threshold {threshold} (tuned on tune), {len(set(pred))} clusters",
        ))
    return rows


def print_table(title: str, rows: Sequence[Row], commit: str, command: str, started: float) -> None:
    import platform
    from datetime import UTC, datetime

    print()
    print(f"## {title}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}; "
          f"date {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; commit {commit}; "
          f"total {time.time() - started:.0f} s")
    print(f"command: {command}")
    print()
    print("| part | system | story P | story R | story F1 | storyline P | storyline R | storyline F1 "
          "| F1 5-95% (bootstrap over groups) | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        story = fmt(*row.story) if row.story else "- | - | -"
        line = fmt(*row.storyline) if row.storyline else "- | - | -"
        band = f"{row.spread[0]:.3f}-{row.spread[1]:.3f}" if row.spread else "-"
        print(f"| {row.part} | {row.system} | {story} | {line} | {band} | {row.note} |")


def commit_id() -> str:
    if os.environ.get("STORYLINE_COMMIT"):  # a run from an exported copy of a commit
        return os.environ["STORYLINE_COMMIT"]
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False)
    return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
