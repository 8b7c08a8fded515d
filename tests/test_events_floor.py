"""Floor: events on the sentences annotated from PolNeAR and Timeline17 dev (``benchmarks/events.py``).

Measured 2026-12-05 (BENCHMARKS.md, "Events: meetings, calls, visits"): participant F1 tune 0.719 /
test 0.658, status accuracy 0.891 / 0.857, date accuracy 0.776 / 0.818.  The floors sit just below,
so a rule that loses participants, statuses or dates fails here.  Takes two to three minutes (156
documents enriched).
"""

from __future__ import annotations

from support import load_benchmark, shared_path

FLOOR = {
    "tune": {"participant F1": 0.70, "status": 0.87, "date": 0.75},
    "test": {"participant F1": 0.64, "status": 0.83, "date": 0.79},
}


def test_events_floor() -> None:
    shared_path("data", "quotes", "polnear.dev.jsonl")
    shared_path("data", "timelines", "t17.dev.articles.jsonl")
    bench = load_benchmark("events")
    results = bench.measure("both")
    for name, floors in FLOOR.items():
        _n, scores = results[name]
        figures = bench.figures(scores["storyline"])
        for key, floor in floors.items():
            assert figures[key] >= floor, f"{name} {key}: {figures[key]:.3f} < {floor}"
