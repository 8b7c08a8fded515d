"""Storylines: stories linked over months by shared people, places and topic terms.

A second, coarser level of online clustering.  Every article reaches the linker with
its story :class:`~storyline.stories.cluster.Assignment`.  When the article started
a story, that story is linked to the most probable storyline among the candidates
that share its strongest entities or lemmas (a learned logistic regression over the
cosine per sub-vector and the time gap, within ``window_days``), or starts a
storyline.  Later articles of the story follow it into its storyline and grow the
storyline's centroid.  When two stories merge and sit in different storylines, the
storylines merge too; the older storyline's id survives.

Storyline ids derive from the first story's id and never change.  Storylines whose newest
article is more than twice the window older than the newest article seen are retired from
memory, as stories are.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from storyline.stories.cluster import DENSE, Assignment, query_keys
from storyline.stories.features import StoryDoc, doc_terms, doc_vectors
from storyline.stories.index import Bags, Centroid, OnlineGroups, WeightedDoc, weigh
from storyline.stories.model import Decision, StorylineParams, choose, storyline_params

LINK_SUBVECTORS: tuple[str, ...] = ("entities", "lemmas", "head_tokens")
LINK_LEXICAL: tuple[str, ...] = (
    *(f"sim_{name}" for name in LINK_SUBVECTORS),
    "log_gap_days",
    "date_unknown",
    "log_size",
    "log_terms",
)
LINK_FEATURES: tuple[str, ...] = (*LINK_LEXICAL, *(f"sim_{name}" for name in DENSE))
# Storylines are coarse and few, and a new story shares their common vocabulary rather than
# their rarest terms: each storyline is indexed under many of its terms and an article
# looks many of its own up (the posting lists stay capped, so the cost stays bounded).
INDEX_TERMS = {"entities": 60, "lemmas": 60}
QUERY_TERMS = {"entities": 60, "lemmas": 60}


@dataclass(slots=True)
class StorylineAssignment:
    storyline_id: str
    created: bool
    merged_into: dict[str, str] = field(default_factory=dict)
    probability: float = 0.0


def storyline_id_for(story_id: str) -> str:
    return "l" + hashlib.sha1(story_id.encode("utf-8")).hexdigest()[:16]


def gap_days(published: date | None, line: Centroid) -> int | None:
    if published is None or line.first is None or line.last is None:
        return None
    return max(0, (published - line.last).days, (line.first - published).days)


class StorylineLinker(OnlineGroups):
    """Online clustering of stories into storylines (see the module docstring)."""

    KIND = "storyline_linker"
    HELD = "lines"
    INDEX_TERMS = INDEX_TERMS

    def __init__(self, params: StorylineParams | None = None) -> None:
        self.params = params or storyline_params()
        super().__init__(self.params.posting_cap, self.params.window_days)
        self.story_line: dict[str, int] = {}  # story id -> storyline seq (follow ``redirect``)
        self.redirect: dict[int, int] = {}  # merged storyline seq -> the one it merged into

    @property
    def lines(self) -> dict[int, Centroid]:
        """The storylines held in memory, by seq."""
        return self.held

    def new_id(self, seed: str) -> str:
        return storyline_id_for(seed)

    def add(self, doc: StoryDoc, assignment: Assignment, terms: Bags | None = None) -> StorylineAssignment:
        """Place one article, given the story it was assigned to (``terms``: ``doc_terms(doc)``)."""
        weighted = self._weigh(doc, terms)
        merged = self._follow_merges(assignment)
        seq = self._line_seq(assignment.story_id)
        if seq is not None:
            line = self.held[seq]
            self._update(line, weighted)
            return StorylineAssignment(line.id, False, merged, 1.0)
        scored = self.score(weighted)
        if scored and scored[0][1] >= self.decision(weighted).threshold:
            line, probability = scored[0]
            created = False
        else:
            line, probability, created = self._create(assignment.story_id), 0.0, True
        self.story_line[assignment.story_id] = line.seq
        self._update(line, weighted)
        return StorylineAssignment(line.id, created, merged, probability)

    def add_forced(
        self, doc: StoryDoc, assignment: Assignment, storyline_id: str | None, terms: Bags | None = None
    ) -> tuple[str, list[tuple[str, dict[str, float]]]]:
        """Teacher forcing for training: score a new story's candidates, then link it to
        ``storyline_id`` (a new storyline when None or unknown).  Articles of known stories
        only grow their storyline and return no candidates."""
        weighted = self._weigh(doc, terms)
        self._follow_merges(assignment)
        story_id = assignment.story_id
        seq = self._line_seq(story_id)
        if seq is not None:
            self._update(self.held[seq], weighted)
            return self.held[seq].id, []
        seen = [(line.id, self.features(weighted, line)) for line in self.candidates(weighted)]
        target = self.ids.get(storyline_id) if storyline_id is not None else None
        line = self.held[target] if target is not None and target in self.held else self._create(story_id)
        self.story_line[story_id] = line.seq
        self._update(line, weighted)
        return line.id, seen

    def storyline_of(self, story_id: str) -> str | None:
        seq = self._followed(story_id)
        if seq is None:
            return None
        return self.held[seq].id if seq in self.held else self.retired.get(seq)

    def _line_seq(self, story_id: str) -> int | None:
        """The seq of the story's storyline while it is held in memory."""
        seq = self._followed(story_id)
        return seq if seq is not None and seq in self.held else None

    def _followed(self, story_id: str) -> int | None:
        """The seq of the story's storyline, merges followed (held in memory or retired)."""
        seq = self.story_line.get(story_id)
        while seq is not None and seq in self.redirect:
            seq = self.redirect[seq]
        return seq

    # -- scoring ------------------------------------------------------------------

    def candidates(self, doc: WeightedDoc) -> list[Centroid]:
        scores = self.index.query(query_keys(doc, QUERY_TERMS))
        window = self.params.window_days
        eligible = []
        for seq, score in scores.items():
            gap = gap_days(doc.published, self.held[seq])
            if gap is None or gap <= window:
                eligible.append((score, seq))
        eligible.sort(key=lambda pair: (-pair[0], -pair[1]))
        return [self.held[seq] for _, seq in eligible[: self.params.candidates]]

    def features(self, doc: WeightedDoc, line: Centroid) -> dict[str, float]:
        """Every feature the link models may read, by name."""
        values = {f"sim_{name}": line.similarity(doc, name) for name in LINK_SUBVECTORS}
        gap = gap_days(doc.published, line)
        values["log_gap_days"] = math.log1p(gap or 0)
        values["date_unknown"] = 1.0 if gap is None else 0.0
        values["log_size"] = math.log1p(line.size)
        values["log_terms"] = math.log1p(len(doc.weights.get("lemmas", {})))  # short text or long
        for name in DENSE:
            values[f"sim_{name}"] = line.dense_similarity(doc, name)
        return values

    def decision(self, doc: WeightedDoc) -> Decision:
        """The link model for this document: the dense one when it has embeddings."""
        return choose(self.params.link, self.params.link_lexical, bool(doc.dense))

    def score(self, doc: WeightedDoc) -> list[tuple[Centroid, float]]:
        link = self.decision(doc)
        scored = [(line, link.probability(self.features(doc, line))) for line in self.candidates(doc)]
        scored.sort(key=lambda pair: (-pair[1], pair[0].seq))
        return scored

    # -- state changes ------------------------------------------------------------

    def _weigh(self, doc: StoryDoc, terms: Bags | None) -> WeightedDoc:
        terms = terms if terms is not None else doc_terms(doc)
        bags = {name: terms[name] for name in LINK_SUBVECTORS}
        self.stats.add(bags)
        weighted = weigh(bags, self.stats, doc.published, doc_vectors(doc))
        self._advance(doc.published)
        return weighted

    def _follow_merges(self, assignment: Assignment) -> dict[str, str]:
        merged: dict[str, str] = {}
        for old_story, new_story in assignment.merged_into.items():
            old_seq = self._line_seq(old_story)
            new_seq = self._line_seq(new_story)
            self.story_line.pop(old_story, None)
            if old_seq is None:
                continue
            if new_seq is None:
                self.story_line[new_story] = old_seq
                continue
            if old_seq != new_seq:
                survivor, gone = sorted((self.held[old_seq], self.held[new_seq]), key=lambda c: c.seq)
                self._merge(gone, survivor)
                merged[gone.id] = survivor.id
        return merged

    def _merge(self, line: Centroid, into: Centroid) -> None:
        self._absorb(line, into)
        self.ids[line.id] = into.seq
        self.redirect[line.seq] = into.seq
        self._reindex(into)

    # -- persistence --------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            **self._state(self.params.to_dict()),
            "story_line": self.story_line,
            "redirect": [[seq, into] for seq, into in self.redirect.items()],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], params: StorylineParams | None = None) -> StorylineLinker:
        """The linker ``to_state`` saved, deciding with ``params`` when given (the shipped model,
        as for :meth:`StoryClusterer.from_state`), else with the parameters it was saved with."""
        cls._check(state)
        linker = cls(params or StorylineParams.from_dict(state["params"]))
        linker._restore(state)
        linker.story_line = {key: int(seq) for key, seq in state["story_line"].items()}
        linker.redirect = {int(seq): int(into) for seq, into in state["redirect"]}
        return linker
