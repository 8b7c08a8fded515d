"""Key-date timelines on Timeline17 dev through the product, beside baselines in the same run.

What a user gets: each collection is written as JSONL ``{id, published, text}`` and stored
with ``storyline ingest`` (enrichment and grouping included; the stores are kept in
``benchmarks/out/t17_product`` and regrouped with ``storyline cluster --rebuild`` on later
runs), then ``storyline export storylines`` is read: the timeline of the collection's largest
storyline is the prediction.  The dev set is split once by storyline (topic) into a tuning
part and a test part (:data:`SPLIT`); tune on the first only, report both.

Protocol (as in Martschat & Markert 2017 and Ghalandari & Ifrim 2020): for each gold timeline,
a timeline with as many dates as the gold timeline has, dates restricted to the gold
timeline's first..last date: the product's row keeps the exported entries in that range that
the product ranks highest (their ``score``); a second row scores the exported timeline as it
is shown, whatever its length.  The baselines get ``sentences_per_date`` = the gold's average
number of sentences per date (rounded, at least 1).

Metrics, per timeline, then macro-averaged over timelines (each timeline counts once):
- date P/R/F1: exact day match between predicted and gold dates.
- ROUGE-N F (N = 1, 2), our own implementation: tokens are lowercased alphanumeric runs
  (``[^\\W_]+``); no stemming; stopwords kept (``--stopwords`` removes the small list in
  ``storyline.stories.keydates_index``).  N-gram counts are clipped (min of counts).
  * concat: all predicted entry texts as one summary against all gold entry texts.
  * agreement (tilse's "agreement" ROUGE): only entries whose dates match are compared; the
    clipped overlaps are summed over matching dates; precision divides by all predicted
    n-grams, recall by all gold n-grams.

Peers in the same run:
- "most-published + lede": the days with the most articles published (earlier on ties), the
  first sentence of the first ``sentences_per_date`` articles published that day.
- "random days + lede": days drawn uniformly from the days in range on which articles were
  published (5 seeds, averaged), first sentences as above.
- with ``--internal``: the key-date ranking run on the tagged articles directly (no store).

Reference, not measured here: DATEWISE on all of T17 (9 topics, 19 timelines) reports date
F1 0.544 and alignment ROUGE-1 F 0.120 (Ghalandari & Ifrim 2020, table on T17).

Data: the T17 text is tokenised with spaces around punctuation (``Cairo , Suez``, ``-LRB-``);
:func:`detokenise` joins it back lightly so that the time tagger and the sentence splitter see
ordinary prose, and the detokenised string *is* the article body, so every offset indexes it.
Time expressions of all 2,577 articles take about three minutes to compute, so they are cached
in ``benchmarks/out/t17_times.jsonl`` keyed by a hash of the tagger's source, the body and the
publication date (a changed tagger re-tags).

    .venv/bin/python benchmarks/timeline_t17.py [--stopwords] [--collections A,B] [--internal]

``--internal`` adds the former row: :func:`storyline.stories.keydates.key_timeline` run on
the tagged articles directly, told the gold count and range (no store, no grouping).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any

from storyline.article import Article, TimeExpression
from storyline.enrich.times import find_times, parse_dct
from storyline.nlp import sentence_spans
from storyline.stories.keydates import Weights, key_timeline
from storyline.stories.keydates_index import STOPWORDS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "timelines"
ARTICLES = SHARED / "t17.dev.articles.jsonl"
TIMELINES = SHARED / "t17.dev.timelines.jsonl"
CACHE = Path(__file__).resolve().parent / "out" / "t17_times.jsonl"

_REPLACE = [
    (re.compile(r"-LRB-|-LSB-"), "("),
    (re.compile(r"-RRB-|-RSB-"), ")"),
    (re.compile(r"-LCB-"), "{"),
    (re.compile(r"-RCB-"), "}"),
    (re.compile(r"`` ?"), '"'),
    (re.compile(r" ?''"), '"'),
    (re.compile(r"\\/"), "/"),
    (re.compile(r"\\\*"), "*"),
    (re.compile(r" ([,.;:!?%)\]}])"), r"\1"),
    (re.compile(r"([(\[{$]) "), r"\1"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1"),
]


def detokenise(text: str) -> str:
    """``Cairo , Suez`` → ``Cairo, Suez``; ``-LRB- Reuters -RRB-`` → ``(Reuters)``."""
    for pattern, repl in _REPLACE:
        text = pattern.sub(repl, text)
    return text


def _tagger_fingerprint() -> str:
    """A hash of the time tagger's source, so a changed tagger never reads stale tags."""
    import storyline.enrich as enrich

    digest = hashlib.sha1()
    for path in sorted(Path(enrich.__file__).parent.glob("time/*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _key(body: str, published: str | None, tagger: str) -> str:
    return hashlib.sha1(f"{tagger}\n{published}\n{body}".encode()).hexdigest()[:16]


def _read_cache() -> dict[str, list[TimeExpression]]:
    cached: dict[str, list[TimeExpression]] = {}
    if CACHE.exists():
        for line in CACHE.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            cached[row["key"]] = [TimeExpression(**t) for t in row["times"]]
    return cached


def load_articles(collections: Iterable[str] | None = None) -> list[Article]:
    """T17 dev articles (optionally only some collections), bodies detokenised, times filled."""
    wanted = set(collections) if collections is not None else None
    rows = [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines() if line]
    cached = _read_cache()
    articles: list[Article] = []
    fresh: list[str] = []
    tagger = _tagger_fingerprint()
    for row in rows:
        if wanted is not None and row["collection"] not in wanted:
            continue
        body = detokenise(row["text"])
        key = _key(body, row["published"], tagger)
        times = cached.get(key)
        if times is None:
            times = find_times(body, parse_dct(row["published"]))
            fresh.append(
                json.dumps(
                    {
                        "key": key,
                        "times": [
                            {"text": t.text, "start": t.start, "end": t.end, "type": t.type, "value": t.value}
                            for t in times
                        ],
                    }
                )
            )
        articles.append(
            Article(
                id=row["id"],
                source="t17",
                body=body,
                published=row["published"],
                collection=row["collection"],
                times=times,
            )
        )
    if fresh:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        with CACHE.open("a", encoding="utf-8") as out:
            out.write("\n".join(fresh) + "\n")
    return articles


def load_timelines() -> list[dict[str, object]]:
    """Gold timelines: ``{collection, name, entries: [{date, text}]}``, text detokenised."""
    timelines = []
    for line in TIMELINES.read_text(encoding="utf-8").splitlines():
        if line:
            row = json.loads(line)
            for entry in row["entries"]:
                entry["text"] = detokenise(entry["text"])
            timelines.append(row)
    return timelines


# -- the product path: ``storyline ingest`` of JSONL, then ``storyline export storylines`` ------

# Split once, by storyline (the T17 topic), before any tuning: tune on the first part only.
SPLIT = {"tune": ("h1n1", "mj"), "test": ("bpoil", "haiti", "egyptianprotest")}
PRODUCT = Path(__file__).resolve().parent / "out" / "t17_product"
REPO = Path(__file__).resolve().parents[1]


def part_of(storyline: str) -> str:
    return next(part for part, names in SPLIT.items() if storyline in names)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from storyline.cli import app; app(sys.argv[1:])", *args]


def product_store(collection: str, rows: list[dict[str, Any]], folder: Path = PRODUCT) -> Path:
    """A store holding ``rows`` (one T17 collection) as a user makes one: ``storyline ingest`` of a
    JSONL file ``{id, published, text}`` (the text detokenised, no title: T17 has none), with
    enrichment and grouping.  The store is kept; when it already holds this very file, the
    stories and storylines are only rebuilt (``storyline cluster --rebuild``), so a change to
    grouping or timelines is measured without enriching again."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps({"id": r["id"], "published": r["published"], "text": detokenise(r["text"])}) + "\n"
                    for r in rows)
    digest = hashlib.sha1(lines.encode()).hexdigest()[:16]
    source, db, stamp = folder / f"{collection}.jsonl", folder / f"{collection}.db", folder / f"{collection}.done"
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO)}
    if db.exists() and stamp.exists() and stamp.read_text() == digest:
        command = _cli("cluster", "--rebuild", "--db", str(db), "--json")
    else:
        for stale in (db, stamp):
            stale.unlink(missing_ok=True)
        source.write_text(lines, encoding="utf-8")
        command = _cli("ingest", "--db", str(db), "--json", str(source))
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: some lines skipped, each with its reason
        raise RuntimeError(f"{' '.join(command[3:])} failed: {done.stderr[-2000:]}")
    if "Traceback" in done.stderr:  # reported, not hidden: the store holds what was stored
        print(f"{collection}: {' '.join(command[3:5])} crashed: {done.stderr.strip().splitlines()[-1]}",
              flush=True)
    stamp.write_text(digest)
    return db


def stored_count(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


def exported(db: Path, what: str) -> list[dict[str, Any]]:
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(_cli("export", what, "--db", str(db), "--format", "jsonl"), cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def product_timeline(db: Path) -> tuple[list[dict[str, Any]], float]:
    """The timeline of the collection's largest storyline as exported, and the share of the
    collection's articles that storyline holds."""
    lines = exported(db, "storylines")
    if not lines:
        return [], 0.0
    largest = max(lines, key=lambda line: (len(line["articles"]), line["id"]))
    total = sum(len(line["articles"]) for line in lines)
    return list(largest["timeline"]), len(largest["articles"]) / max(1, total)


def protocol_cut(entries: list[dict[str, Any]], n: int, start: str, end: str) -> list[dict[str, Any]]:
    """The protocol's timeline from the product's: its day entries in the gold range, the ``n``
    it ranks highest (by the ``score`` each exported entry carries)."""
    days = [e for e in entries if e.get("date") and len(str(e["date"])) == 10 and start <= str(e["date"]) <= end]
    days.sort(key=lambda e: (-float(e.get("score") or 0.0), str(e["date"])))
    return sorted(days[:n], key=lambda e: str(e["date"]))


def raw_rows() -> list[dict[str, Any]]:
    """The T17 dev article lines as they are: ``{id, storyline, collection, published, text}``."""
    return [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines() if line]


def prepare(collections: Iterable[str] | None = None) -> dict[str, Path]:
    """Ingest every collection (or the given ones) through the product; returns the stores."""
    wanted = set(collections) if collections is not None else None
    by_collection: dict[str, list[dict[str, Any]]] = {}
    for row in raw_rows():
        if wanted is None or row["collection"] in wanted:
            by_collection.setdefault(row["collection"], []).append(row)
    stores = {}
    for collection in sorted(by_collection, key=lambda c: len(by_collection[c])):
        t0 = time.time()
        stores[collection] = product_store(collection, by_collection[collection])
        print(f"{collection:22} {len(by_collection[collection]):4} articles stored and grouped in "
              f"{time.time() - t0:.0f} s", flush=True)
    return stores


_TOKEN = re.compile(r"[^\W_]+")
Generator = Callable[[Sequence[Article], int, int, str, str, list[str]], list[dict[str, Any]]]


def rouge_tokens(text: str, stopwords: bool) -> list[str]:
    words = _TOKEN.findall(text.casefold())
    return [w for w in words if w not in STOPWORDS] if stopwords else words


def ngrams(words: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def rouge_concat(pred: list[str], gold: list[str], n: int, stopwords: bool) -> float:
    p_grams = ngrams(rouge_tokens(" ".join(pred), stopwords), n)
    g_grams = ngrams(rouge_tokens(" ".join(gold), stopwords), n)
    overlap = sum((p_grams & g_grams).values())
    p = overlap / max(1, sum(p_grams.values()))
    r = overlap / max(1, sum(g_grams.values()))
    return f1(p, r)


def rouge_agreement(pred: dict[str, str], gold: dict[str, str], n: int, stopwords: bool) -> float:
    p_grams = {d: ngrams(rouge_tokens(t, stopwords), n) for d, t in pred.items()}
    g_grams = {d: ngrams(rouge_tokens(t, stopwords), n) for d, t in gold.items()}
    overlap = sum(sum((p_grams[d] & g_grams[d]).values()) for d in p_grams.keys() & g_grams.keys())
    p = overlap / max(1, sum(sum(c.values()) for c in p_grams.values()))
    r = overlap / max(1, sum(sum(c.values()) for c in g_grams.values()))
    return f1(p, r)


def score(
    pred: list[dict[str, Any]], gold_entries: list[dict[str, str]], stopwords: bool
) -> dict[str, float]:
    gold: dict[str, str] = {}
    for entry in gold_entries:
        gold[entry["date"]] = (gold.get(entry["date"], "") + " " + entry["text"]).strip()
    predicted = {str(e["date"]): str(e["text"]) for e in pred}
    hits = len(predicted.keys() & gold.keys())
    p, r = hits / max(1, len(predicted)), hits / max(1, len(gold))
    return {
        "date_p": p,
        "date_r": r,
        "date_f1": f1(p, r),
        "c_r1": rouge_concat(list(predicted.values()), list(gold.values()), 1, stopwords),
        "c_r2": rouge_concat(list(predicted.values()), list(gold.values()), 2, stopwords),
        "a_r1": rouge_agreement(predicted, gold, 1, stopwords),
        "a_r2": rouge_agreement(predicted, gold, 2, stopwords),
    }


def ledes(articles: Sequence[Article], days: list[str], per_date: int) -> list[dict[str, Any]]:
    """The first sentence of the first ``per_date`` articles published on each day."""
    by_day: dict[str, list[Article]] = {}
    for article in articles:
        if article.published:
            by_day.setdefault(article.published[:10], []).append(article)
    entries = []
    for day in sorted(days):
        texts = []
        for article in by_day.get(day, [])[:per_date]:
            spans = sentence_spans(article.body)
            if spans:
                texts.append(article.body[spans[0][0] : spans[0][1]])
        entries.append({"date": day, "text": " ".join(texts)})
    return entries


def published_days(articles: Sequence[Article], start: str, end: str) -> Counter[str]:
    return Counter(a.published[:10] for a in articles if a.published and start <= a.published[:10] <= end)


def most_published(
    arts: Sequence[Article], n: int, k: int, start: str, end: str, _: list[str]
) -> list[dict[str, Any]]:
    counts = published_days(arts, start, end)
    days = sorted(counts, key=lambda d: (-counts[d], d))[:n]
    return ledes(arts, days, k)


def random_days(seed: int) -> Generator:
    def generate(
        arts: Sequence[Article], n: int, k: int, start: str, end: str, _: list[str]
    ) -> list[dict[str, Any]]:
        days = sorted(published_days(arts, start, end))
        return ledes(arts, random.Random(seed).sample(days, min(n, len(days))), k)

    return generate


def ours(weights: Weights) -> Generator:
    def generate(
        arts: Sequence[Article], n: int, k: int, start: str, end: str, _: list[str]
    ) -> list[dict[str, Any]]:
        return key_timeline(arts, dates=n, sentences_per_date=k, start=start, end=end, weights=weights)

    return generate


def sentences_per_date(entries: list[dict[str, str]]) -> int:
    days = {e["date"] for e in entries}
    count = sum(len(sentence_spans(e["text"])) for e in entries)
    return max(1, round(count / max(1, len(days))))


KEYS = ["date_p", "date_r", "date_f1", "c_r1", "c_r2", "a_r1", "a_r2"]


def raw_articles(collections: Iterable[str] | None = None) -> list[Article]:
    """T17 dev articles with bodies detokenised, untagged (what the baselines read)."""
    wanted = set(collections) if collections is not None else None
    articles = []
    for line in ARTICLES.read_text(encoding="utf-8").splitlines():
        if line:
            row = json.loads(line)
            if wanted is None or row["collection"] in wanted:
                articles.append(Article(id=row["id"], source="t17", body=detokenise(row["text"]),
                                        published=row["published"], collection=row["collection"]))
    return articles


def storyline_of(collection: str) -> str:
    """The T17 topic (storyline) of a collection: ``bpoil_bbc`` -> ``bpoil``."""
    return collection.split("_")[0].lower()


PRODUCT_KEYS = ["date_p", "date_r", "date_f1", "c_r1", "a_r1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stopwords", action="store_true", help="remove stopwords before ROUGE")
    parser.add_argument("--collections", help="comma-separated collections (default: all with articles)")
    parser.add_argument("--internal", action="store_true",
                        help="also run key_timeline on the tagged articles directly (the former benchmark)")
    args = parser.parse_args()
    started = time.time()
    wanted = args.collections.split(",") if args.collections else None
    stores = prepare(wanted)
    articles = raw_articles(wanted)
    by_collection: dict[str, list[Article]] = {}
    for article in articles:
        by_collection.setdefault(article.collection or "", []).append(article)
    systems: list[tuple[str, list[Generator]]] = [
        ("baseline: most-published days + lede", [most_published]),
        ("baseline: random days + lede (5 seeds)", [random_days(seed) for seed in range(5)]),
    ]
    if args.internal:
        tagged = {a.id: a for a in load_articles(wanted)}
        by_collection = {c: [tagged.get(a.id, a) for a in arts] for c, arts in by_collection.items()}
        systems.insert(0, ("key_timeline on the tagged articles, no store (former benchmark)", [ours(Weights())]))
    names = ["storyline (product): top-N of the exported timeline in the gold range",
             "storyline (product): the exported timeline as shown", *(name for name, _ in systems)]
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    skipped = []
    for timeline in load_timelines():
        collection = str(timeline["collection"])
        gold_entries: list[dict[str, str]] = timeline["entries"]  # type: ignore[assignment]
        arts = by_collection.get(collection)
        if not arts or collection not in stores:
            skipped.append(f"{collection}/{timeline['name']}")
            continue
        part = part_of(storyline_of(collection))
        gold_days = sorted({e["date"] for e in gold_entries})
        n, k = len(gold_days), sentences_per_date(gold_entries)
        start, end = gold_days[0], gold_days[-1]
        shown, share = product_timeline(stores[collection])
        runs = {names[0]: [score(protocol_cut(shown, n, start, end), gold_entries, args.stopwords)],
                names[1]: [score([e for e in shown if len(str(e["date"])) == 10], gold_entries, args.stopwords)]}
        for name, generators in systems:
            runs[name] = [score(g(arts, n, k, start, end, gold_days), gold_entries, args.stopwords)
                          for g in generators]
        for name, scored in runs.items():
            results.setdefault((part, name), []).append({key: mean(r[key] for r in scored) for key in KEYS})
        mine = runs[names[0]][0]
        print(f"{part:4} {collection:22} {stored_count(stores[collection]):4} of {len(arts)} articles stored, "
              f"gold {n:3} dates; largest storyline holds "
              f"{share:.0%} of them, shows {len(shown)} dates: date F1 {mine['date_f1']:.3f} "
              f"(as shown {runs[names[1]][0]['date_f1']:.3f}) agreement R1 {mine['a_r1']:.3f}", flush=True)

    print()
    print(f"Machine: {platform.machine()} {platform.processor() or ''} {platform.python_version()}, "
          f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Command: .venv/bin/python benchmarks/timeline_t17.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"Split by storyline: tune {', '.join(SPLIT['tune'])}; test {', '.join(SPLIT['test'])}. "
          f"Skipped (no articles): {', '.join(skipped) or 'none'}; ROUGE stopwords "
          f"{'removed' if args.stopwords else 'kept'}; macro-average over timelines")
    for part in ("tune", "test"):
        count = len(results.get((part, names[0]), []))
        if not count:
            continue
        print(f"\n{part} part ({count} timelines)\n")
        print("| system | date P | date R | date F1 | concat R1 F | agreement R1 F |")
        print("|---|---|---|---|---|---|")
        for name in names:
            rows = results.get((part, name), [])
            if rows:
                print(f"| {name} | " + " | ".join(f"{mean(r[key] for r in rows):.3f}" for key in PRODUCT_KEYS) + " |")
    print("\n| reference (paper, full T17, not measured here): DATEWISE | | | 0.544 | | 0.120 |")
    print(f"\ntotal {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
