"""Exact and near-duplicate detection.

Exact copies share a content hash of the normalised body.  Near copies
(syndication, the same article read directly and through an aggregator, small
edits, a truncated feed copy) are found with MinHash over word 5-shingles and
locality-sensitive hashing: the LSH band buckets live in the store
(``minhash_bands``), so candidate lookup is an indexed query whatever the size
of the archive.  Candidates are then verified on their exact shingle sets.

A duplicate is linked to one canonical article (``duplicate_of``), never
deleted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from storyline.store import Store

NUM_PERM = 128
BANDS = 32  # 32 bands of 4 rows: candidates from a Jaccard of about 0.4 up
ROWS = NUM_PERM // BANDS
SHINGLE = 5
MIN_JACCARD = 0.5  # two full copies with small edits
MIN_CONTAINMENT = 0.8  # a shorter copy (excerpt, truncated feed entry) inside a longer one
MIN_SHINGLES_FOR_CONTAINMENT = 20

_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(body: str) -> str:
    return " ".join(_WORD.findall(body.casefold()))


def content_hash(body: str) -> str:
    return hashlib.sha256(normalise(body).encode("utf-8")).hexdigest()


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    if len(words) < SHINGLE:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def load() -> None:
    """Import datasketch now, not at the first article (most of a second, for scipy's solvers):
    an ingest with workers does it on a thread while they start and annotate."""
    import datasketch  # noqa: F401


def band_buckets(items: set[bytes]) -> list[str]:
    """The LSH bucket of each band for a shingle set."""
    if not items:
        return []
    # imported here: the package imports scipy's solvers (a second), which only ingest needs
    from datasketch import MinHash

    sketch = MinHash(num_perm=NUM_PERM)
    sketch.update_batch(list(items))
    values = np.asarray(sketch.hashvalues, dtype=np.uint64)
    buckets = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        buckets.append(hashlib.blake2b(chunk, digest_size=8).hexdigest())
    return buckets


@dataclass(frozen=True, slots=True)
class Match:
    canonical_id: str
    method: str  # "exact" | "near"
    jaccard: float
    containment: float


def similarity(a: set[bytes], b: set[bytes]) -> tuple[float, float]:
    """Jaccard and containment (of the smaller in the larger) of two shingle sets."""
    if not a or not b:
        return 0.0, 0.0
    inter = len(a & b)
    return inter / len(a | b), inter / min(len(a), len(b))


def find_duplicate(
    store: Store, conn: Connection, article_id: str, body: str, digest: str, items: set[bytes], buckets: list[str]
) -> Match | None:
    """The canonical article this body duplicates, if any."""
    exact = store.find_by_content_hash(conn, digest, exclude=article_id)
    if exact is not None:
        return Match(exact, "exact", 1.0, 1.0)
    best: Match | None = None
    for candidate_id, candidate_body in store.band_candidates(conn, article_id, buckets):
        other = shingles(candidate_body)
        jaccard, containment = similarity(items, other)
        small = min(len(items), len(other))
        is_copy = jaccard >= MIN_JACCARD or (
            containment >= MIN_CONTAINMENT and small >= MIN_SHINGLES_FOR_CONTAINMENT
        )
        if is_copy and (best is None or jaccard > best.jaccard):
            best = Match(store.canonical_of(conn, candidate_id), "near", jaccard, containment)
    return best
