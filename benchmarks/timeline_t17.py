"""Key-date timelines on Timeline17 dev, ours beside baselines measured in the same run.

Protocol (as in Martschat & Markert 2017 and Ghalandari & Ifrim 2020): for each gold timeline,
generate a timeline from the articles of its collection with as many dates as the gold
timeline has, ``sentences_per_date`` = the gold's average number of sentences per date
(rounded, at least 1), and dates restricted to the gold timeline's first..last date.

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
- "oracle dates + ours": the gold dates given, our sentence selection (an upper bound on the
  date step, it measures the summarisation step alone).
- ablations of our day ranking: mentions only, publication counts only.

Reference, not measured here: DATEWISE on all of T17 (9 topics, 19 timelines) reports date
F1 0.544 and alignment ROUGE-1 F 0.120 (Ghalandari & Ifrim 2020, table on T17).

Data: the T17 text is tokenised with spaces around punctuation (``Cairo , Suez``, ``-LRB-``);
:func:`detokenise` joins it back lightly so that the time tagger and the sentence splitter see
ordinary prose, and the detokenised string *is* the article body, so every offset indexes it.
Time expressions of all 2,577 articles take about three minutes to compute, so they are cached
in ``benchmarks/out/t17_times.jsonl`` keyed by a hash of the tagger's source, the body and the
publication date (a changed tagger re-tags).

    .venv/bin/python benchmarks/timeline_t17.py [--stopwords] [--collections A,B]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import re
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
from storyline.stories.keydates import Weights, describe_dates, key_timeline
from storyline.stories.keydates_index import STOPWORDS
from storyline.stories.timeline import sentence_spans

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


def oracle(
    arts: Sequence[Article], n: int, k: int, start: str, end: str, gold: list[str]
) -> list[dict[str, Any]]:
    return describe_dates(arts, gold, sentences_per_date=k)


def sentences_per_date(entries: list[dict[str, str]]) -> int:
    days = {e["date"] for e in entries}
    count = sum(len(sentence_spans(e["text"])) for e in entries)
    return max(1, round(count / max(1, len(days))))


SYSTEMS: list[tuple[str, list[Generator]]] = [
    ("ours: key_timeline (DATEWISE-style)", [ours(Weights())]),
    ("ours, ranking by mentions only", [ours(Weights(published=0.0))]),
    (
        "ours, ranking by publication count only",
        [ours(Weights(after=0.0, same_day=0.0, ahead=0.0, undated=0.0))],
    ),
    ("baseline: most-published days + lede", [most_published]),
    ("baseline: random days + lede (5 seeds)", [random_days(seed) for seed in range(5)]),
    ("oracle dates + ours (summarisation only)", [oracle]),
]
KEYS = ["date_p", "date_r", "date_f1", "c_r1", "c_r2", "a_r1", "a_r2"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stopwords", action="store_true", help="remove stopwords before ROUGE")
    parser.add_argument("--collections", help="comma-separated collections (default: all with articles)")
    args = parser.parse_args()
    started = time.time()
    wanted = args.collections.split(",") if args.collections else None
    t0 = time.time()
    articles = load_articles(wanted)
    print(f"loaded and tagged {len(articles)} articles in {time.time() - t0:.1f} s", flush=True)
    by_collection: dict[str, list[Article]] = {}
    for article in articles:
        by_collection.setdefault(article.collection or "", []).append(article)
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in SYSTEMS}
    seconds: dict[str, float] = {}
    skipped = []
    for timeline in load_timelines():
        collection = str(timeline["collection"])
        gold_entries: list[dict[str, str]] = timeline["entries"]  # type: ignore[assignment]
        arts = by_collection.get(collection)
        if not arts:
            skipped.append(f"{collection}/{timeline['name']}")
            continue
        gold_days = sorted({e["date"] for e in gold_entries})
        n, k = len(gold_days), sentences_per_date(gold_entries)
        start, end = gold_days[0], gold_days[-1]
        for name, generators in SYSTEMS:
            t0 = time.time()
            runs = [
                score(g(arts, n, k, start, end, gold_days), gold_entries, args.stopwords) for g in generators
            ]
            if name.startswith("ours: key"):
                seconds[collection] = time.time() - t0
            results[name].append({key: mean(run[key] for run in runs) for key in KEYS})
        mine = results[SYSTEMS[0][0]][-1]
        print(
            f"{collection:22} {len(arts):4} articles, {n:3} dates x {k}: date F1 {mine['date_f1']:.3f} "
            f"agreement R1 {mine['a_r1']:.3f}  ({seconds[collection]:.1f} s)",
            flush=True,
        )

    print()
    print(
        f"Machine: {platform.machine()} {platform.processor() or ''} {platform.python_version()}, "
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"Command: .venv/bin/python benchmarks/timeline_t17.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        f"Timelines: {len(results[SYSTEMS[0][0]])} (skipped, no articles: {', '.join(skipped) or 'none'}); "
        f"ROUGE stopwords {'removed' if args.stopwords else 'kept'}; macro-average over timelines"
    )
    print()
    print(
        "| system | date P | date R | date F1 | concat R1 F | concat R2 F | agreement R1 F | agreement R2 F |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, _ in SYSTEMS:
        rows = results[name]
        print(f"| {name} | " + " | ".join(f"{mean(r[key] for r in rows):.3f}" for key in KEYS) + " |")
    print("| reference (paper, full T17, not measured here): DATEWISE | | | 0.544 | | | 0.120 | |")
    print()
    print("| collection | ours: seconds (index + rank + summarise) |")
    print("|---|---|")
    for collection, took in seconds.items():
        print(f"| {collection} | {took:.1f} |")
    print(f"\ntotal {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
