"""Quality floor: the real HTML extractor over the AEB dev pages, scored with the benchmark's metric.

The metric and the page loader are those of ``benchmarks/extraction.py``; the floor sits a
little below the figure measured there (see ``benchmarks/results/extraction.md``), so a
change that makes extraction worse fails here instead of slipping by.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from support import SHARED, load_benchmark

AEB = SHARED / "data" / "extraction" / "aeb-dev"

F1_FLOOR = 0.962
PRECISION_FLOOR = 0.952
RECALL_FLOOR = 0.968


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    if not (AEB / "ground-truth.json").exists():
        pytest.skip(f"needs the AEB pages in {AEB} (../shared beside the repo), which are absent")
    return load_benchmark("extraction")


def test_metric_on_known_cases(bench: ModuleType) -> None:
    text = "one two three four five six"
    assert bench.shingle_match(text, text) == (1.0, 0.0, 0.0)
    tp, fp, fn = bench.shingle_match(text, "one two three four")
    assert (tp, fp, fn) == (pytest.approx(1 / 3), 0.0, pytest.approx(2 / 3))
    assert bench.prf([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)]) == (1.0, 0.5, pytest.approx(2 / 3))


def test_extraction_quality_floor(bench: ModuleType) -> None:
    pages = bench.load_pages(AEB)
    assert len(pages) >= 100
    result = bench.evaluate("storyline", bench.storyline_extractor, pages, n_bootstrap=0)
    assert result.empty == 0
    assert result.f1 >= F1_FLOOR, result.summary()
    assert result.precision >= PRECISION_FLOOR, result.summary()
    assert result.recall >= RECALL_FLOOR, result.summary()
