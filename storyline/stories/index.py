"""The vector space shared by stories and storylines.

- :class:`TermStats` keeps online document frequencies per sub-vector, so IDF
  weights follow the stream as it arrives.
- :class:`Centroid` sums its members' unit TF-IDF vectors per sub-vector (IDF as
  of each member's arrival) and keeps the squared norm up to date as it grows.
- Dense vectors (sentence embeddings, when the ``embeddings`` extra is installed) ride
  along: a document carries unit vectors by name, a centroid their sums.
- :class:`InvertedIndex` maps each cluster's strongest terms to the cluster, so a
  new document meets a bounded number of candidate clusters instead of all of them.
  Each posting list keeps only its most recently refreshed clusters.

All state is plain dicts and lists, exported by ``to_state``/``from_state``.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

Bags = dict[str, dict[str, float]]
Vectors = dict[str, list[float]]  # dense unit vectors by name ("head_vec", "lead_vec")

CENTROID_CAP = 400  # terms kept per sub-vector once a centroid passes twice this


class TermStats:
    """Online document frequencies per sub-vector."""

    __slots__ = ("df", "n_docs")

    def __init__(self) -> None:
        self.n_docs = 0
        self.df: dict[str, dict[str, int]] = {}

    def add(self, bags: Bags) -> None:
        self.n_docs += 1
        for name, bag in bags.items():
            table = self.df.setdefault(name, {})
            for term in bag:
                table[term] = table.get(term, 0) + 1

    def idf(self, name: str, term: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(name, {}).get(term, 0) + 1)) + 1.0

    def to_state(self) -> dict[str, Any]:
        return {"n_docs": self.n_docs, "df": self.df}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TermStats:
        stats = cls()
        stats.n_docs = int(state["n_docs"])
        stats.df = {name: dict(table) for name, table in state["df"].items()}
        return stats


@dataclass(slots=True)
class WeightedDoc:
    """A document's TF-IDF weights per sub-vector, with their norms."""

    weights: Bags
    norms: dict[str, float]
    published: date | None
    dense: Vectors = field(default_factory=dict)


def weigh(bags: Bags, stats: TermStats, published: date | None, dense: Vectors | None = None) -> WeightedDoc:
    weights: Bags = {}
    norms: dict[str, float] = {}
    log_n = math.log(stats.n_docs + 1)
    for name, bag in bags.items():
        df = stats.df.get(name, {})
        weighted = {term: tf * (log_n - math.log(df.get(term, 0) + 1) + 1.0) for term, tf in bag.items()}
        weights[name] = weighted
        norms[name] = math.sqrt(sum(w * w for w in weighted.values()))
    return WeightedDoc(weights, norms, published, dict(dense or {}))


def unit(doc: WeightedDoc) -> Bags:
    """The document's vectors scaled to unit length, as they enter a centroid."""
    out: Bags = {}
    for name, weights in doc.weights.items():
        norm = doc.norms.get(name, 0.0)
        out[name] = {term: w / norm for term, w in weights.items()} if norm else {}
    return out


@dataclass(slots=True)
class Centroid:
    """Summed member vectors and the dates a cluster spans.

    Members enter as unit-length TF-IDF vectors weighted with the IDF of the moment they
    arrived, so the centroid's norm can be kept up to date incrementally.
    """

    seq: int
    id: str
    size: int = 0
    first: date | None = None
    last: date | None = None
    sums: Bags = field(default_factory=dict)
    sq_norms: dict[str, float] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    dense: Vectors = field(default_factory=dict)  # summed member unit vectors

    def add(self, vectors: Bags, published: date | None, size: int = 1, dense: Vectors | None = None) -> None:
        for name, vector in (dense or {}).items():
            total = self.dense.get(name)
            if total is None or len(total) != len(vector):
                self.dense[name] = [round(v, 5) for v in vector]
            else:
                self.dense[name] = [round(a + b, 5) for a, b in zip(total, vector, strict=True)]
        for name, bag in vectors.items():
            sums = self.sums.setdefault(name, {})
            sq = self.sq_norms.get(name, 0.0)
            for term, value in bag.items():
                old = sums.get(term, 0.0)
                sums[term] = old + value
                sq += 2.0 * old * value + value * value
            if len(sums) > 2 * CENTROID_CAP:
                kept = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_CAP]
                sums = self.sums[name] = dict(kept)
                sq = sum(v * v for v in sums.values())
            self.sq_norms[name] = sq
        self.size += size
        if published is not None:
            self.first = published if self.first is None else min(self.first, published)
            self.last = published if self.last is None else max(self.last, published)

    def absorb(self, other: Centroid) -> None:
        self.add(other.sums, None, other.size, other.dense)
        for when in (other.first, other.last):
            if when is not None:
                self.first = when if self.first is None else min(self.first, when)
                self.last = when if self.last is None else max(self.last, when)

    def similarity(self, doc: WeightedDoc, name: str) -> float:
        """Cosine between the document and this centroid in one sub-vector."""
        doc_norm = doc.norms.get(name, 0.0)
        sums = self.sums.get(name)
        sq = self.sq_norms.get(name, 0.0)
        if not doc_norm or not sums or sq <= 0.0:
            return 0.0
        dot = 0.0
        for term, weight in doc.weights[name].items():
            value = sums.get(term)
            if value is not None:
                dot += weight * value
        return dot / (doc_norm * math.sqrt(sq)) if dot else 0.0

    def dense_similarity(self, doc: WeightedDoc, name: str) -> float:
        """Cosine between the document's dense vector and this centroid's summed vectors."""
        vector = doc.dense.get(name)
        total = self.dense.get(name)
        if not vector or not total or len(vector) != len(total):
            return 0.0
        dot = sum(a * b for a, b in zip(vector, total, strict=True))
        norm = math.sqrt(sum(b * b for b in total)) * math.sqrt(sum(a * a for a in vector))
        return dot / norm if norm else 0.0

    def top_terms(self, name: str, k: int) -> list[str]:
        sums = self.sums.get(name, {})
        return [term for _, term in heapq.nlargest(k, ((v, t) for t, v in sums.items()))]

    def to_state(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.id,
            "size": self.size,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "sums": self.sums,
            "sq_norms": self.sq_norms,
            "keys": self.keys,
            "dense": self.dense,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Centroid:
        return cls(
            seq=int(state["seq"]),
            id=str(state["id"]),
            size=int(state["size"]),
            first=date.fromisoformat(state["first"]) if state["first"] else None,
            last=date.fromisoformat(state["last"]) if state["last"] else None,
            sums={name: dict(bag) for name, bag in state["sums"].items()},
            sq_norms={name: float(v) for name, v in state["sq_norms"].items()},
            keys=list(state["keys"]),
            dense={name: [float(v) for v in vector] for name, vector in state.get("dense", {}).items()},
        )


class InvertedIndex:
    """Index keys (e.g. ``"e:obama"``) to the clusters whose strongest terms they are."""

    __slots__ = ("cap", "postings")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.postings: dict[str, dict[int, None]] = {}

    def replace(self, seq: int, old: list[str], new: list[str]) -> None:
        for key in old:
            posting = self.postings.get(key)
            if posting is not None:
                posting.pop(seq, None)
                if not posting:
                    del self.postings[key]
        for key in new:
            posting = self.postings.setdefault(key, {})
            posting[seq] = None
            if len(posting) > self.cap:
                del posting[next(iter(posting))]

    def query(self, keys: dict[str, float]) -> dict[int, float]:
        """Clusters sharing any of the keys, scored by the summed weight of the shared keys."""
        scores: dict[int, float] = {}
        for key, weight in keys.items():
            for seq in self.postings.get(key, ()):
                scores[seq] = scores.get(seq, 0.0) + weight
        return scores

    def to_state(self) -> dict[str, Any]:
        return {"cap": self.cap, "postings": {key: list(p) for key, p in self.postings.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> InvertedIndex:
        index = cls(int(state["cap"]))
        index.postings = {key: dict.fromkeys(seqs) for key, seqs in state["postings"].items()}
        return index


PREFIX = {"entities": "e:", "lemmas": "l:", "head_tokens": "h:"}  # index keys by sub-vector


class OnlineGroups:
    """What an online clusterer over centroids keeps, stories and storylines alike: the term
    statistics, the centroids held in memory by seq (``held``), an inverted index over each
    one's strongest terms, their ids (seq by id; merged ids keep resolving), the retired ones
    (seq -> id) and the newest stream date seen.  Groups the stream has left behind (their
    newest article more than twice ``window_days`` older than the newest seen) are retired:
    no article could join them any more, and memory stays bounded by what is recent.

    A subclass names its state (``KIND``, and ``HELD``, the key of its centroids), the terms
    it indexes per sub-vector (``INDEX_TERMS``) and how a new group's id is made
    (:meth:`new_id`).
    """

    KIND: ClassVar[str]
    HELD: ClassVar[str]
    INDEX_TERMS: ClassVar[dict[str, int]]

    def __init__(self, posting_cap: int, window_days: int) -> None:
        self.window_days = window_days
        self.stats = TermStats()
        self.index = InvertedIndex(posting_cap)
        self.held: dict[int, Centroid] = {}
        self.ids: dict[str, int] = {}
        self.retired: dict[int, str] = {}
        self.latest: date | None = None
        self._next_seq = 0

    def new_id(self, seed: str) -> str:
        """The id of a group started by ``seed`` (an article's or a story's id)."""
        raise NotImplementedError

    def _advance(self, when: date | None) -> None:
        """Note the stream's newest date; on a later day, retire the groups it has left behind."""
        if when is None or (self.latest is not None and when <= self.latest):
            return
        self.latest = when
        horizon = 2 * self.window_days
        for centroid in [c for c in self.held.values() if c.last is not None and (when - c.last).days > horizon]:
            self.index.replace(centroid.seq, centroid.keys, [])
            del self.held[centroid.seq]
            self.retired[centroid.seq] = centroid.id

    def _create(self, seed: str) -> Centroid:
        group_id = self.new_id(seed)
        suffix = 1
        while group_id in self.ids:  # the same seed seen twice
            suffix += 1
            group_id = f"{self.new_id(seed)}-{suffix}"
        group = Centroid(seq=self._next_seq, id=group_id)
        self._next_seq += 1
        self.held[group.seq] = group
        self.ids[group.id] = group.seq
        return group

    def _update(self, group: Centroid, doc: WeightedDoc) -> None:
        group.add(unit(doc), doc.published, 1, doc.dense)
        self._reindex(group)

    def _reindex(self, group: Centroid) -> None:
        keys = [PREFIX[name] + term for name, k in self.INDEX_TERMS.items() for term in group.top_terms(name, k)]
        self.index.replace(group.seq, group.keys, keys)
        group.keys = keys

    def _absorb(self, group: Centroid, into: Centroid) -> None:
        """``group`` merges into ``into``: its members, and its place in memory and the index."""
        into.absorb(group)
        self.index.replace(group.seq, group.keys, [])
        del self.held[group.seq]

    # -- persistence ----------------------------------------------------------------

    def _state(self, params: dict[str, Any]) -> dict[str, Any]:
        """The state every group keeps, as JSON-able data (a subclass adds its own)."""
        return {
            "kind": self.KIND,
            "version": 1,
            "params": params,
            "stats": self.stats.to_state(),
            "index": self.index.to_state(),
            self.HELD: [group.to_state() for group in self.held.values()],
            "ids": self.ids,
            "retired": [[seq, group_id] for seq, group_id in self.retired.items()],
            "latest": self.latest.isoformat() if self.latest else None,
            "next_seq": self._next_seq,
        }

    @classmethod
    def _check(cls, state: dict[str, Any]) -> None:
        if state.get("kind") != cls.KIND or state.get("version") != 1:
            raise ValueError(f"not a version 1 {cls.KIND.replace('_', ' ')} state")

    def _restore(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`_state` wrote."""
        self.stats = TermStats.from_state(state["stats"])
        self.index = InvertedIndex.from_state(state["index"])
        self.held = {group.seq: group for group in (Centroid.from_state(item) for item in state[self.HELD])}
        self.ids = {key: int(seq) for key, seq in state["ids"].items()}
        self.retired = {int(seq): str(group_id) for seq, group_id in state.get("retired", [])}
        self.latest = date.fromisoformat(state["latest"]) if state.get("latest") else None
        self._next_seq = int(state["next_seq"])
