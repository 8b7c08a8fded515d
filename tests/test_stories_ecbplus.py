"""Quality floors for story grouping through the product path, on unseen (test-part) topics.

A subset of the ECB+ dev *test* topics (the shipped model never saw them; the split is fixed
in benchmarks/product_path.py) is written as JSONL, ingested with ``storyline ingest``
(enrichment and grouping on) and read back with ``storyline export stories``, exactly as in
benchmarks/cluster_ecbplus.py, which reports every test topic.  The subset (topics below,
about 90 documents) keeps the test to well under a minute.  Floors sit a little under the
figures measured on this subset; the TF-IDF + agglomerative baseline runs beside, with the
distance threshold tuned on the tuning part.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from storyline.cli import app
from storyline.stories import embed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import product_path as pp

TOPICS = (2, 4, 6, 8)
# Measured on this subset (2026-12-06 18:10 UTC, commit 06ccf23: batch grouping with the
# boosted-trees pair model and groups of two threads cut in two, issue 11): with the embeddings
# extra 0.938 (full text) and 0.917 (headline only); without it (STORYLINE_EMBEDDINGS=off, or the
# extra missing) 0.929 and 0.912; the TF-IDF baseline 0.945 and 0.870.  Floors sit about 0.03
# below.  (The subset is grouped as one batch of ~90 articles, four topics of two events each:
# whether the two events of one topic are told apart moves full-text F1 by about 0.1; the whole
# test part, in benchmarks/cluster_ecbplus.py, is the measure: 0.955 against the baseline's 0.885.)
FLOORS = {
    ("full", True): 0.90,
    ("head", True): 0.88,
    ("full", False): 0.90,
    ("head", False): 0.88,
}
BASELINE_THRESHOLDS = {"full": 0.85, "head": 0.92}  # tuned on the tuning part (cluster_ecbplus.py)


def _needs_data() -> None:
    if not pp.ECBPLUS.exists():
        pytest.skip(f"ECB+ dev data not found at {pp.ECBPLUS} (../shared beside the repo)")


def _run(tmp: Path, records: list[pp.Record], headline_only: bool) -> dict[str, str]:
    source = tmp / "input.jsonl"
    db = str(tmp / "store.db")
    pp.write_jsonl(records, source, headline_only=headline_only)
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(source), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    external = {}
    for line in runner.invoke(app, ["export", "articles", "--db", db]).stdout.splitlines():
        row: dict[str, Any] = json.loads(line)
        external[row["id"]] = row["external_id"]
    story = {}
    for line in runner.invoke(app, ["export", "stories", "--db", db]).stdout.splitlines():
        row = json.loads(line)
        copies = [copy for group in (row.get("copies") or {}).values() for copy in group]
        for article in [*row["articles"], *copies]:  # a duplicate is listed as a copy of its original
            story[external[article]] = row["id"]
    return story


@pytest.mark.parametrize("embeddings", ["on", "off"])
@pytest.mark.parametrize("variant", ["full", "head"])
def test_ecbplus_unseen_topics_story_b_cubed_floor(
    variant: str, embeddings: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_data()
    monkeypatch.setenv("STORYLINE_EMBEDDINGS", embeddings)
    if embeddings == "on" and not embed.available():
        pytest.skip("the embeddings extra (wordllama) is not installed: pip install -e '.[embeddings]'")
    records = [r for r in pp.ecbplus("test") if int(r.gold["topic"]) in TOPICS]
    headline_only = variant == "head"
    story = _run(tmp_path, records, headline_only)
    gold = [r.gold["story"] for r in records]
    f1 = pp.prf(pp.labels(story, records), gold)[2]
    singletons = pp.prf([r.id for r in records], gold)[2]
    texts = pp.baseline_texts(records, headline_only)
    base = pp.prf(pp.tfidf_agglomerative(texts, BASELINE_THRESHOLDS[variant]), gold)[2]
    floor = FLOORS[variant, embed.available()]
    print(f"ECB+ topics {TOPICS} {variant}: ours {f1:.3f}, TF-IDF baseline {base:.3f}, floor {floor}")
    assert f1 > singletons
    assert f1 >= floor, f"story B3 F1 {f1:.3f} fell below {floor} (baseline {base:.3f})"
