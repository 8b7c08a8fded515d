"""Floor on cross-document entity canonicalisation (ECB+ dev, topics 1-5; B-cubed over gold mentions).

The full dev set (``benchmarks/entities_ecbplus.py``) gives, at the time of writing,
proper names P 0.951 R 0.772 F 0.852 (head-word baseline F 0.847) and all mentions
P 0.929 R 0.413 F 0.572 (head word 0.543).  Topics 1-5 (127 documents, about 25 s)
keep the test short; the floors sit a little below what they give now (proper names
F 0.863, all mentions F 0.575).
"""

from __future__ import annotations

import json

from support import load_benchmark, shared_path

TOPICS = "1,2,3,4,5"
FLOORS = {"proper": (0.95, 0.84), "all": (0.92, 0.56)}  # (precision, F1)


def test_ecbplus_canonicalisation_floor() -> None:
    data = shared_path("data", "clustering", "ecbplus.dev.jsonl")
    bench = load_benchmark("entities_ecbplus")
    with data.open(encoding="utf-8") as lines:
        rows = bench.select_topics([json.loads(line) for line in lines], TOPICS)
    docs, _ = bench.parse(rows)
    run = bench.evaluate(rows, docs)
    for subset, proper_only in (("proper", True), ("all", False)):
        p, _r, f = run.score("storyline", proper_only)
        head = run.score("head word (b)", proper_only)
        min_p, min_f = FLOORS[subset]
        assert p >= min_p, f"{subset}: precision {p:.3f} < {min_p}"
        assert f >= min_f, f"{subset}: F1 {f:.3f} < {min_f}"
        assert f > head[2], f"{subset}: F1 {f:.3f} does not beat the head-word baseline {head[2]:.3f}"
