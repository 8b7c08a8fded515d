"""The small learned model behind the join and link decisions.

``storyline/data/story_model.json`` holds logistic regressions over named features,
their decision thresholds and the retrieval settings they were tuned with:
for each level one model that reads the dense embedding features and a lexical one used
when the ``embeddings`` extra is not installed.  The pair model of a batch is a small
ensemble of boosted trees (:class:`Trees`) kept as plain numbers, never a pickle.
``benchmarks/train_story_model.py`` reproduces it from the tuning parts of the dev data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np

MODEL_VERSION = 2


@dataclass(frozen=True, slots=True)
class Decision:
    """A logistic regression over named features with a decision threshold."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, values: Mapping[str, float]) -> float:
        """The probability for feature values given by name (a missing feature counts 0)."""
        z = self.intercept + sum(c * values.get(name, 0.0) for c, name in zip(self.coef, self.features, strict=True))
        if z < -50:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def probabilities(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The probability for arrays of feature values by name, all of one shape (a missing feature counts 0)."""
        z = np.full(np.shape(next(iter(values.values()))), self.intercept)
        for coef, name in zip(self.coef, self.features, strict=True):
            if name in values:
                z = z + coef * values[name]
        return _logistic(z)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            features=tuple(data["features"]),
            coef=tuple(float(c) for c in data["coef"]),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
        )

    @property
    def dense(self) -> bool:
        """Whether the decision reads dense embedding features."""
        return _reads_dense(self.features)


def _logistic(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))))


def _reads_dense(features: tuple[str, ...]) -> bool:
    return any(name.endswith("_vec") for name in features)


def _optional(data: dict[str, Any], key: str) -> Decision | None:
    return Decision.from_dict(data[key]) if data.get(key) else None


@dataclass(frozen=True, slots=True, eq=False)
class Trees:
    """Gradient-boosted trees over named features, read as a binary classifier: the raw
    score is ``baseline`` plus one leaf value per tree, the probability its logistic.

    The nodes of all trees are flat arrays: ``feature`` (the feature's index, -1 at a
    leaf), ``cut`` (a row goes left when its value is at most the cut), ``left`` and
    ``right`` (indices into the same arrays) and ``value`` (a leaf's share of the score);
    ``roots`` are the first node of each tree.  Learned by scikit-learn's
    ``HistGradientBoostingClassifier`` (benchmarks/train_story_model.py) and evaluated
    here with numpy alone.
    """

    features: tuple[str, ...]
    baseline: float
    threshold: float
    roots: np.ndarray
    feature: np.ndarray
    cut: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """The raw score of each row of ``rows`` (one column per feature, in order)."""
        n = rows.shape[0]
        score = np.full(n, self.baseline)
        every = np.arange(n)
        for root in self.roots:
            node = np.full(n, root)
            while True:
                feature = self.feature[node]
                inner = feature >= 0
                if not inner.any():
                    break
                value = rows[every, np.maximum(feature, 0)]
                step = np.where(value <= self.cut[node], self.left[node], self.right[node])
                node = np.where(inner, step, node)
            score += self.value[node]
        return score

    def probabilities(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The probability for arrays of feature values by name, all of one shape (a missing feature counts 0)."""
        shape = np.shape(next(iter(values.values())))
        zero = np.zeros(shape)
        rows = np.column_stack([np.ravel(values.get(name, zero)) for name in self.features])
        return _logistic(self.raw(rows)).reshape(shape)

    def probability(self, values: Mapping[str, float]) -> float:
        """The probability for feature values given by name (a missing feature counts 0)."""
        rows = np.asarray([[values.get(name, 0.0) for name in self.features]], dtype=float)
        return float(_logistic(self.raw(rows))[0])

    @property
    def dense(self) -> bool:
        """Whether the trees read dense embedding features."""
        return _reads_dense(self.features)

    def to_dict(self) -> dict[str, Any]:
        trees = []
        bounds = [*self.roots.tolist(), len(self.feature)]
        for start, end in pairwise(bounds):
            part = slice(start, end)
            trees.append({
                "feature": self.feature[part].tolist(),
                "cut": self.cut[part].tolist(),
                "left": (self.left[part] - start).tolist(),
                "right": (self.right[part] - start).tolist(),
                "value": [round(float(v), 6) for v in self.value[part]],
            })
        return {"kind": "trees", "features": list(self.features), "baseline": self.baseline,
                "threshold": self.threshold, "trees": trees}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trees:
        """Trees from :meth:`to_dict`'s form: per tree, node lists with child indices within the tree."""
        roots: list[int] = []
        feature: list[int] = []
        left: list[int] = []
        right: list[int] = []
        cut: list[float] = []
        value: list[float] = []
        for tree in data["trees"]:
            start = len(feature)
            roots.append(start)
            feature += tree["feature"]
            cut += tree["cut"]
            left += [start + i for i in tree["left"]]
            right += [start + i for i in tree["right"]]
            value += tree["value"]
        return cls(tuple(data["features"]), float(data["baseline"]), float(data["threshold"]),
                   np.asarray(roots, dtype=np.intp), np.asarray(feature, dtype=np.intp),
                   np.asarray(cut, dtype=float), np.asarray(left, dtype=np.intp),
                   np.asarray(right, dtype=np.intp), np.asarray(value, dtype=float))


PairDecision = Decision | Trees


def _pair(data: dict[str, Any], key: str) -> PairDecision | None:
    """A pair model: boosted trees when so marked, else a logistic regression."""
    if not data.get(key):
        return None
    return Trees.from_dict(data[key]) if data[key].get("kind") == "trees" else Decision.from_dict(data[key])


@dataclass(frozen=True, slots=True)
class StoryParams:
    """Story level: the join decision, the merge threshold and retrieval bounds."""

    join: Decision
    join_lexical: Decision | None = None  # used when embeddings are not available
    # Pairs of articles grouped together in one batch (average linkage over this
    # probability, cut at its threshold); None: every article is placed on its own.
    pair: PairDecision | None = None
    pair_lexical: PairDecision | None = None
    # The cut for pairs where one text is short (a headline): their probability is scaled
    # by pair.threshold / short_threshold, so that groups of headlines are cut at it.
    short_threshold: float | None = None
    short_threshold_lexical: float | None = None
    # A group of a batch is cut in two where the mean probability across its halves is under
    # this share of that within them (each half ``split_side`` articles or more, at least 2);
    # None: never.
    split_ratio: float | None = None
    split_ratio_lexical: float | None = None
    split_side: int = 4
    merge_threshold: float = 0.95
    window_days: int = 14  # a story takes no article dated this long after its newest one
    candidates: int = 10  # clusters scored in full per article
    posting_cap: int = 64  # clusters kept per index key, most recently refreshed first

    def to_dict(self) -> dict[str, Any]:
        return {
            "join": self.join.to_dict(),
            "join_lexical": self.join_lexical.to_dict() if self.join_lexical else None,
            "pair": self.pair.to_dict() if self.pair else None,
            "pair_lexical": self.pair_lexical.to_dict() if self.pair_lexical else None,
            "short_threshold": self.short_threshold,
            "short_threshold_lexical": self.short_threshold_lexical,
            "split_ratio": self.split_ratio,
            "split_ratio_lexical": self.split_ratio_lexical,
            "split_side": self.split_side,
            "merge_threshold": self.merge_threshold,
            "window_days": self.window_days,
            "candidates": self.candidates,
            "posting_cap": self.posting_cap,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoryParams:
        return cls(
            join=Decision.from_dict(data["join"]),
            join_lexical=_optional(data, "join_lexical"),
            pair=_pair(data, "pair"),
            pair_lexical=_pair(data, "pair_lexical"),
            short_threshold=float(data["short_threshold"]) if data.get("short_threshold") else None,
            short_threshold_lexical=(float(data["short_threshold_lexical"]) if data.get("short_threshold_lexical")
                                     else None),
            split_ratio=float(data["split_ratio"]) if data.get("split_ratio") else None,
            split_ratio_lexical=float(data["split_ratio_lexical"]) if data.get("split_ratio_lexical") else None,
            split_side=max(2, int(data.get("split_side", 4))),  # a half of one has no pair to judge
            merge_threshold=float(data["merge_threshold"]),
            window_days=int(data["window_days"]),
            candidates=int(data["candidates"]),
            posting_cap=int(data["posting_cap"]),
        )


@dataclass(frozen=True, slots=True)
class StorylineParams:
    """Storyline level: the link decision and its (longer) time window."""

    link: Decision
    link_lexical: Decision | None = None  # used when embeddings are not available
    window_days: int = 180
    candidates: int = 10
    posting_cap: int = 64

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link.to_dict(),
            "link_lexical": self.link_lexical.to_dict() if self.link_lexical else None,
            "window_days": self.window_days,
            "candidates": self.candidates,
            "posting_cap": self.posting_cap,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StorylineParams:
        return cls(
            link=Decision.from_dict(data["link"]),
            link_lexical=_optional(data, "link_lexical"),
            window_days=int(data["window_days"]),
            candidates=int(data["candidates"]),
            posting_cap=int(data["posting_cap"]),
        )


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    text = resources.files("storyline").joinpath("data/story_model.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    if data.get("version") != MODEL_VERSION:
        raise RuntimeError(f"story model version {data.get('version')} is not {MODEL_VERSION}")
    return data


def choose(main: Decision, lexical: Decision | None, dense: bool) -> Decision:
    """The decision to use for a document with (``dense``) or without embeddings."""
    if dense or not main.dense or lexical is None:
        return main
    return lexical


def story_params() -> StoryParams:
    """The shipped story-level parameters."""
    return StoryParams.from_dict(_shipped()["story"])


def storyline_params() -> StorylineParams:
    """The shipped storyline-level parameters."""
    return StorylineParams.from_dict(_shipped()["storyline"])
