"""Floor: key-date timelines through the product on one Timeline17 collection of the tuning part.

``storyline ingest`` of the collection as JSONL (with enrichment and grouping), then
``storyline export storylines``: the timeline of the largest storyline, cut as the protocol
cuts (the dates the product ranks highest in the gold range, as many as the gold has), is
scored by date F1 against the journalists' timeline.  Measured 0.800 on H1N1_guardian
(BENCHMARKS.md, "Key-date timelines"); the floor leaves room for small changes only.
Takes one to two minutes (76 articles enriched).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from support import load_benchmark, shared_path

COLLECTION = "H1N1_guardian"
FLOOR_DATE_F1 = 0.70


def test_product_timeline_date_f1_floor(tmp_path: Path) -> None:
    shared_path("data", "timelines", "t17.dev.articles.jsonl")
    bench = load_benchmark("timeline_t17")
    rows = [row for row in bench.raw_rows() if row["collection"] == COLLECTION]
    assert bench.part_of(bench.storyline_of(COLLECTION)) == "tune"
    db = bench.product_store(COLLECTION, rows, folder=tmp_path)
    shown, _ = bench.product_timeline(db)
    [timeline] = [t for t in bench.load_timelines() if t["collection"] == COLLECTION]
    gold_days = sorted({e["date"] for e in timeline["entries"]})
    cut = bench.protocol_cut(shown, len(gold_days), gold_days[0], gold_days[-1])
    published = sorted(date.fromisoformat(row["published"][:10]) for row in rows)
    low, high = published[0] - timedelta(days=7), published[-1] + timedelta(days=7)
    assert shown and all(low <= date.fromisoformat(str(e["date"])[:10]) <= high for e in shown)  # no background
    for entry in shown:  # every key date says what happened, with its sources
        assert entry["text"] and entry["articles"] and entry["evidence"]
    assert bench.score(cut, timeline["entries"], False)["date_f1"] >= FLOOR_DATE_F1
