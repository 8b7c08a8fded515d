"""Article body extraction from HTML, measured on the AEB benchmark pages.

Data: ``../shared/data/extraction/aeb-dev`` beside the repository (``html/<id>.html.gz`` and
``ground-truth.json`` with ``{id: {articleBody, url}}``).

Metric (the benchmark's own, as in its ``evaluate.py``): split both texts into ``\\w+`` tokens,
count the 4-token shingles of each (as multisets), and per document count
tp = shared shingles, fp = predicted only, fn = gold only, normalised so that
tp + fp + fn = 1.  Precision is averaged over the documents with tp + fp > 0 (an empty
prediction counts in recall only), recall over the documents with tp + fn > 0, and
F1 = 2PR / (P + R).  The spread is the standard deviation of each figure over bootstrap
resamples of the documents (``--n-bootstrap``, 1000 by default, fixed seed).

Extractors measured in the same run: ``storyline`` (``storyline.clean.html.extract_html``),
``trafilatura`` (``trafilatura.extract`` with its defaults) and ``trafilatura-precision``
(``favor_precision=True``).

Run from the repository root::

    .venv/bin/python benchmarks/extraction.py            # table + benchmarks/results/extraction.md
    .venv/bin/python benchmarks/extraction.py --json     # machine-readable results on stdout
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction" / "aeb-dev"
RESULTS = REPO / "benchmarks" / "results" / "extraction.md"

TpFpFn = tuple[float, float, float]
Extractor = Callable[[str, str | None], str]

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


# --- the metric -------------------------------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of ``n``-token shingles of ``text`` (one short shingle for short texts)."""
    tokens = _TOKEN_RE.findall(text or "")
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


def shingle_match(true: str, pred: str, n: int = 4) -> TpFpFn:
    """Normalised (tp, fp, fn) over the shingles of one document."""
    gold, got = shingles(true, n), shingles(pred, n)
    tp = fp = fn = 0.0
    for key in gold.keys() | got.keys():
        g, p = gold.get(key, 0), got.get(key, 0)
        tp += min(g, p)
        fp += max(0, p - g)
        fn += max(0, g - p)
    total = tp + fp + fn
    if total > 0:
        return tp / total, fp / total, fn / total
    return tp, fp, fn


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def prf(counts: Sequence[TpFpFn]) -> tuple[float, float, float]:
    """Precision, recall and F1 averaged over documents, as the benchmark defines them."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return p, r, f1


def bootstrap_std(counts: Sequence[TpFpFn], n_bootstrap: int, seed: int = 0) -> tuple[float, float, float]:
    """Standard deviation of P, R and F1 over resamples of the documents."""
    if n_bootstrap < 2 or not counts:
        return 0.0, 0.0, 0.0
    rng = random.Random(seed)
    n = len(counts)
    samples = [prf([counts[rng.randrange(n)] for _ in range(n)]) for _ in range(n_bootstrap)]
    p_std, r_std, f_std = (statistics.stdev(s[i] for s in samples) for i in range(3))
    return p_std, r_std, f_std


# --- the data ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Page:
    id: str
    url: str | None
    html: str
    gold: str


def load_pages(data_dir: Path, limit: int | None = None) -> list[Page]:
    truth: dict[str, dict[str, Any]] = json.loads((data_dir / "ground-truth.json").read_text("utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        raw = gzip.decompress((data_dir / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(
            Page(
                id=page_id,
                url=truth[page_id].get("url"),
                html=raw.decode("utf-8", errors="replace"),
                gold=truth[page_id].get("articleBody") or "",
            )
        )
    return pages


# --- the extractors ---------------------------------------------------------------------------


def storyline_extractor(html: str, url: str | None) -> str:
    return storyline_variant()(html, url)


def storyline_variant(**changes: Any) -> Extractor:
    """``extract_html`` with some of its options changed (for the ablation rows)."""
    from storyline.article import Skip
    from storyline.clean.html import HtmlOptions, extract_html

    options = HtmlOptions(**changes)

    def run(html: str, url: str | None) -> str:
        try:
            return extract_html(html, url, options).body
        except Skip:
            return ""

    return run


def ablations() -> dict[str, Extractor]:
    """Ours with one step switched off at a time, to show what each step buys."""
    from storyline.clean.html_body import FILTERS

    variants: dict[str, Extractor] = {
        "storyline -sibling-blocks": storyline_variant(sibling_chunks=False),
        "storyline -embedded-posts": storyline_variant(embedded_posts=False),
        "storyline -fallback": storyline_variant(fallback_below=0),
        "storyline -fast-mode": storyline_variant(fast=False),
    }
    for name in FILTERS:
        variants[f"storyline -{name}"] = storyline_variant(disabled_filters=frozenset({name}))
    variants["storyline -all-filters"] = storyline_variant(disabled_filters=frozenset(FILTERS))
    return variants


def trafilatura_extractor(**options: Any) -> Extractor:
    def run(html: str, url: str | None) -> str:
        import trafilatura

        return trafilatura.extract(html, url=url, **options) or ""

    return run


EXTRACTORS: dict[str, Extractor] = {
    "storyline": storyline_extractor,
    "trafilatura": trafilatura_extractor(),
    "trafilatura-precision": trafilatura_extractor(favor_precision=True),
}


NOTES = """
How `storyline` works (`storyline/clean/html.py`): trafilatura in its fast mode without
comments, then paragraph filters by shape (duplicates, the headline repeated as the first
paragraph, interface text such as share labels, copyright lines, newsletter prompts and the
page's own URL, runs of eight or more short unpunctuated lines), same-class sibling blocks
of the extracted body added back (articles split by advertisements), embedded tweets kept as
quotes, and trafilatura's full pipeline (its own baseline, jusText and readability fallbacks)
when the result is shorter than 500 characters.  The `storyline -X` rows (run with
`--ablation`) switch one step off to show what it buys on these pages.
"""


# --- the run ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    name: str
    precision: float
    recall: float
    f1: float
    precision_std: float
    recall_std: float
    f1_std: float
    ms_per_page: float
    empty: int
    per_page: dict[str, TpFpFn] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "precision_std": round(self.precision_std, 4),
            "recall_std": round(self.recall_std, 4),
            "f1_std": round(self.f1_std, 4),
            "ms_per_page": round(self.ms_per_page, 1),
            "empty": self.empty,
        }


def evaluate(name: str, extractor: Extractor, pages: Sequence[Page], n_bootstrap: int) -> Result:
    counts: dict[str, TpFpFn] = {}
    empty = 0
    elapsed = 0.0
    if pages:
        extractor(pages[0].html, pages[0].url)  # warm up: imports and caches stay out of the timing
    for page in pages:
        start = time.process_time()
        text = extractor(page.html, page.url)
        elapsed += time.process_time() - start
        empty += not text.strip()
        counts[page.id] = shingle_match(page.gold, text)
    values = list(counts.values())
    p, r, f1 = prf(values)
    p_std, r_std, f_std = bootstrap_std(values, n_bootstrap)
    ms = 1000 * elapsed / max(1, len(pages))
    return Result(name, p, r, f1, p_std, r_std, f_std, ms, empty, counts)


def paired_difference(
    ours: Result, other: Result, n_bootstrap: int, seed: int = 1
) -> tuple[float, float, float]:
    """F1 of ``ours`` minus F1 of ``other`` on the same pages, with its bootstrap std and
    the share of resamples in which ``ours`` is ahead."""
    ids = sorted(ours.per_page)
    a = [ours.per_page[i] for i in ids]
    b = [other.per_page[i] for i in ids]
    diff = prf(a)[2] - prf(b)[2]
    if n_bootstrap < 2:
        return diff, 0.0, float(diff > 0)
    rng = random.Random(seed)
    n = len(ids)
    diffs = []
    for _ in range(n_bootstrap):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(prf([a[i] for i in idx])[2] - prf([b[i] for i in idx])[2])
    return diff, statistics.stdev(diffs), sum(d > 0 for d in diffs) / len(diffs)


def differences(results: Sequence[Result], n_bootstrap: int) -> str:
    """Paired comparison of the first extractor with each of the others."""
    if len(results) < 2:
        return ""
    ours = results[0]
    lines = [
        f"| {ours.name} minus | ΔF1 | ± | {ours.name} ahead in |",
        "| --- | --- | --- | --- |",
    ]
    for other in results[1:]:
        diff, std, ahead = paired_difference(ours, other, n_bootstrap)
        lines.append(f"| {other.name} | {diff:+.3f} | {std:.3f} | {100 * ahead:.0f}% of resamples |")
    return "\n".join(lines)


def table(results: Sequence[Result]) -> str:
    lines = [
        "| extractor | precision | recall | F1 | CPU ms/page | empty |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for res in results:
        lines.append(
            f"| {res.name} | {res.precision:.3f} ± {res.precision_std:.3f} "
            f"| {res.recall:.3f} ± {res.recall_std:.3f} | {res.f1:.3f} ± {res.f1_std:.3f} "
            f"| {res.ms_per_page:.1f} | {res.empty} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, Python {platform.python_version()}"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for dist in ("trafilatura", "htmldate", "lxml", "justext"):
        try:
            found.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def write_markdown(
    path: Path, results: Sequence[Result], pages: int, command: str, notes: str, n_bootstrap: int
) -> None:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"""# HTML article extraction (AEB dev)

- Data: AEB article-extraction-benchmark, {pages} pages of `shared/data/extraction/aeb-dev`.
- Metric: the benchmark's own (4-token `\\w+` shingles, per-document tp/fp/fn, P and R averaged
  over documents, F1 = 2PR/(P+R)); ± is the standard deviation over {n_bootstrap} bootstrap
  resamples of the documents.
- Machine: {machine()}; one process, one core, on a 2-core machine shared with other jobs
  (CPU times are inflated by the load; compare rows of the same run only).
- Versions: {versions()}.
- Date: {today}.
- Command: `{command}`

{table(results)}

Paired bootstrap (same resampled pages for both; ± is the standard deviation of the difference):

{differences(results, n_bootstrap)}

"empty" counts pages for which the extractor returned no text (they count in recall only).
"CPU ms/page" is process CPU time (not wall time, which depends on the load of the shared machine),
including parsing; `storyline` also extracts metadata (title, authors, date, site name).
{notes}"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="AEB folder (html/ + ground-truth.json)"
    )
    parser.add_argument("--only", nargs="*", choices=sorted(EXTRACTORS), help="run only these extractors")
    parser.add_argument("--limit", type=int, default=None, help="first N pages only")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--ablation", action="store_true", help="also run ours with each step switched off")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--per-page", action="store_true", help="with --json: include per-page tp/fp/fn")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    if not (args.data / "ground-truth.json").exists():
        print(f"AEB data not found in {args.data}", file=sys.stderr)
        return 2
    pages = load_pages(args.data, args.limit)
    extractors = {name: EXTRACTORS[name] for name in args.only or EXTRACTORS}
    if args.ablation:
        extractors.update(ablations())
    results = [evaluate(name, run, pages, args.n_bootstrap) for name, run in extractors.items()]

    if args.json:
        payload: dict[str, Any] = {"pages": len(pages), "results": [r.summary() for r in results]}
        for entry, res in zip(payload["results"][1:], results[1:], strict=True):
            diff, std, _ = paired_difference(results[0], res, args.n_bootstrap)
            entry[f"f1_minus_{results[0].name}"] = round(-diff, 4)
            entry["f1_difference_std"] = round(std, 4)
        if args.per_page:
            for entry, res in zip(payload["results"], results, strict=True):
                entry["per_page"] = res.per_page
        print(json.dumps(payload, indent=2))
    else:
        print(f"{len(pages)} pages from {args.data}")
        print(table(results))
        print()
        print(differences(results, args.n_bootstrap))
    if not args.no_write and args.limit is None and not args.only:
        command = "python benchmarks/extraction.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(RESULTS, results, len(pages), command.strip(), NOTES, args.n_bootstrap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
