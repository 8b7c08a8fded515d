"""Golden files for enrichment: the events (with status), quotes and speakers of the five seeds.

Each seed in ``../shared/seeds`` is cleaned as a text dump and enriched; the result is compared
field by field with ``tests/data/enrich/<seed>.json``, a file a person has read against the article
(its ``review`` lists what is still known to be wrong).  A new mistake fails; a fix changes the
golden through a reviewed diff: ``STORYLINE_UPDATE_GOLDEN=1 pytest tests/test_enrich_golden.py``
rewrites the files (keeping each ``review``), then read ``git diff tests/data/enrich``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from support import SHARED

from storyline.article import Article
from storyline.clean.text import clean_text

GOLDEN = Path(__file__).parent / "data" / "enrich"
SEEDS = SHARED / "seeds"
NAMES = ("000", "001", "002", "003", "004")
UPDATE = os.environ.get("STORYLINE_UPDATE_GOLDEN") == "1"


def _seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} not found in {SEEDS} (../shared is absent)")
    return found[0]


def enrich_seed(path: Path) -> dict[str, Any]:
    from storyline.enrich import Enricher

    cleaned = clean_text(path.read_text(encoding="utf-8"))
    article = Article(id=path.stem, source="seeds", body=cleaned.body, published=cleaned.published)
    Enricher()([article])
    body = article.body
    return {
        "seed": path.name,
        "published": article.published,
        "events": [
            {"type": e.type, "status": e.status, "what": e.what, "participants": e.participants,
             "place": e.place, "date": e.date, "date_text": e.date_text,
             "evidence": " ".join(body[e.evidence[0]:e.evidence[1]].split())}
            for e in article.events
        ],
        "quotes": [
            {"text": " ".join(q.text.split()), "indirect": q.indirect, "speaker": q.speaker_name,
             "mention": q.speaker_mention}
            for q in article.quotes
        ],
    }


@pytest.mark.parametrize("prefix", NAMES)
def test_enrichment_matches_the_reviewed_golden(prefix: str) -> None:
    path = _seed(prefix)
    found = enrich_seed(path)
    golden_path = GOLDEN / f"{prefix}.json"
    if UPDATE:
        review = json.loads(golden_path.read_text(encoding="utf-8")).get("review", []) if golden_path.exists() else []
        golden_path.write_text(json.dumps({**found, "review": review}, ensure_ascii=False, indent=1) + "\n",
                               encoding="utf-8")
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    for field in ("events", "quotes"):
        expected, got = golden[field], found[field]
        for i, (want, have) in enumerate(zip(expected, got, strict=False)):
            for key in want:
                assert have.get(key) == want[key], f"{prefix} {field}[{i}].{key}: {have.get(key)!r} != {want[key]!r}"
        assert len(got) == len(expected), f"{prefix}: {len(got)} {field}, golden has {len(expected)}"
