"""The small learned model behind the join and link decisions.

``storyline/data/story_model.json`` holds two logistic regressions over named
features, their decision thresholds and the retrieval settings they were tuned
with; ``benchmarks/train_story_model.py`` reproduces it from the dev data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

MODEL_VERSION = 1


@dataclass(frozen=True, slots=True)
class Decision:
    """A logistic regression over named features with a decision threshold."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, values: list[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, values, strict=True))
        if z < -50:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

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


@dataclass(frozen=True, slots=True)
class StoryParams:
    """Story level: the join decision, the merge threshold and retrieval bounds."""

    join: Decision
    merge_threshold: float = 0.95
    window_days: int = 14  # a story takes no article dated this long after its newest one
    candidates: int = 10  # clusters scored in full per article
    posting_cap: int = 64  # clusters kept per index key, most recently refreshed first

    def to_dict(self) -> dict[str, Any]:
        return {
            "join": self.join.to_dict(),
            "merge_threshold": self.merge_threshold,
            "window_days": self.window_days,
            "candidates": self.candidates,
            "posting_cap": self.posting_cap,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoryParams:
        return cls(
            join=Decision.from_dict(data["join"]),
            merge_threshold=float(data["merge_threshold"]),
            window_days=int(data["window_days"]),
            candidates=int(data["candidates"]),
            posting_cap=int(data["posting_cap"]),
        )


@dataclass(frozen=True, slots=True)
class StorylineParams:
    """Storyline level: the link decision and its (longer) time window."""

    link: Decision
    window_days: int = 180
    candidates: int = 10
    posting_cap: int = 64

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link.to_dict(),
            "window_days": self.window_days,
            "candidates": self.candidates,
            "posting_cap": self.posting_cap,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StorylineParams:
        return cls(
            link=Decision.from_dict(data["link"]),
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


def story_params() -> StoryParams:
    """The shipped story-level parameters."""
    return StoryParams.from_dict(_shipped()["story"])


def storyline_params() -> StorylineParams:
    """The shipped storyline-level parameters."""
    return StorylineParams.from_dict(_shipped()["storyline"])
