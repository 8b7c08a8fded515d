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
from storyline.stories.index import (
    Bags,
    Centroid,
    InvertedIndex,
    TermStats,
    WeightedDoc,
    retire_left_behind,
    unit,
    weigh,
)
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
_PREFIX = {"entities": "e:", "lemmas": "l:", "head_tokens": "h:"}


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


class StorylineLinker:
    """Online clustering of stories into storylines (see the module docstring)."""

    def __init__(self, params: StorylineParams | None = None) -> None:
        self.params = params or storyline_params()
        self.stats = TermStats()
        self.index = InvertedIndex(self.params.posting_cap)
        self.lines: dict[int, Centroid] = {}
        self.ids: dict[str, int] = {}  # storyline id -> seq, merged ids included
        self.story_line: dict[str, int] = {}  # story id -> storyline seq (follow ``redirect``)
        self.redirect: dict[int, int] = {}  # merged storyline seq -> the one it merged into
        self.retired: dict[int, str] = {}  # seq -> id of storylines no longer held in memory
        self.latest: date | None = None  # the newest stream date seen
        self._next_seq = 0

    def add(self, doc: StoryDoc, assignment: Assignment, terms: Bags | None = None) -> StorylineAssignment:
        """Place one article, given the story it was assigned to (``terms``: ``doc_terms(doc)``)."""
        weighted = self._weigh(doc, terms)
        merged = self._follow_merges(assignment)
        seq = self._line_seq(assignment.story_id)
        if seq is not None:
            line = self.lines[seq]
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
            self._update(self.lines[seq], weighted)
            return self.lines[seq].id, []
        seen = [(line.id, self.features(weighted, line)) for line in self.candidates(weighted)]
        target = self.ids.get(storyline_id) if storyline_id is not None else None
        line = self.lines[target] if target is not None and target in self.lines else self._create(story_id)
        self.story_line[story_id] = line.seq
        self._update(line, weighted)
        return line.id, seen

    def storyline_of(self, story_id: str) -> str | None:
        seq = self.story_line.get(story_id)
        if seq is None:
            return None
        while seq in self.redirect:
            seq = self.redirect[seq]
        return self.lines[seq].id if seq in self.lines else self.retired.get(seq)

    def _line_seq(self, story_id: str) -> int | None:
        """The seq of the story's storyline while it is held in memory."""
        seq = self.story_line.get(story_id)
        if seq is None:
            return None
        while seq in self.redirect:
            seq = self.redirect[seq]
        return seq if seq in self.lines else None

    def _advance(self, when: date | None) -> None:
        """Note the stream's newest date; on a later day, retire the storylines it has left behind."""
        if when is None or (self.latest is not None and when <= self.latest):
            return
        self.latest = when
        retire_left_behind(self.lines, self.index, self.retired, when, 2 * self.params.window_days)

    # -- scoring ------------------------------------------------------------------

    def candidates(self, doc: WeightedDoc) -> list[Centroid]:
        scores = self.index.query(query_keys(doc, QUERY_TERMS))
        window = self.params.window_days
        eligible = []
        for seq, score in scores.items():
            gap = gap_days(doc.published, self.lines[seq])
            if gap is None or gap <= window:
                eligible.append((score, seq))
        eligible.sort(key=lambda pair: (-pair[0], -pair[1]))
        return [self.lines[seq] for _, seq in eligible[: self.params.candidates]]

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
                survivor, gone = sorted((self.lines[old_seq], self.lines[new_seq]), key=lambda c: c.seq)
                self._merge(gone, survivor)
                merged[gone.id] = survivor.id
        return merged

    def _create(self, story_id: str) -> Centroid:
        line_id = storyline_id_for(story_id)
        suffix = 1
        while line_id in self.ids:
            suffix += 1
            line_id = f"{storyline_id_for(story_id)}-{suffix}"
        line = Centroid(seq=self._next_seq, id=line_id)
        self._next_seq += 1
        self.lines[line.seq] = line
        self.ids[line.id] = line.seq
        return line

    def _update(self, line: Centroid, doc: WeightedDoc) -> None:
        line.add(unit(doc), doc.published, 1, doc.dense)
        self._reindex(line)

    def _reindex(self, line: Centroid) -> None:
        keys = [_PREFIX[name] + term for name, k in INDEX_TERMS.items() for term in line.top_terms(name, k)]
        self.index.replace(line.seq, line.keys, keys)
        line.keys = keys

    def _merge(self, line: Centroid, into: Centroid) -> None:
        into.absorb(line)
        self.index.replace(line.seq, line.keys, [])
        del self.lines[line.seq]
        self.ids[line.id] = into.seq
        self.redirect[line.seq] = into.seq
        self._reindex(into)

    # -- persistence --------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            "kind": "storyline_linker",
            "version": 1,
            "params": self.params.to_dict(),
            "stats": self.stats.to_state(),
            "index": self.index.to_state(),
            "lines": [line.to_state() for line in self.lines.values()],
            "ids": self.ids,
            "story_line": self.story_line,
            "redirect": [[seq, into] for seq, into in self.redirect.items()],
            "retired": [[seq, line_id] for seq, line_id in self.retired.items()],
            "latest": self.latest.isoformat() if self.latest else None,
            "next_seq": self._next_seq,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> StorylineLinker:
        if state.get("kind") != "storyline_linker" or state.get("version") != 1:
            raise ValueError("not a version 1 storyline linker state")
        linker = cls(StorylineParams.from_dict(state["params"]))
        linker.stats = TermStats.from_state(state["stats"])
        linker.index = InvertedIndex.from_state(state["index"])
        lines = [Centroid.from_state(item) for item in state["lines"]]
        linker.lines = {line.seq: line for line in lines}
        linker.ids = {key: int(seq) for key, seq in state["ids"].items()}
        linker.story_line = {key: int(seq) for key, seq in state["story_line"].items()}
        linker.redirect = {int(seq): int(into) for seq, into in state["redirect"]}
        linker.retired = {int(seq): str(line_id) for seq, line_id in state.get("retired", [])}
        linker.latest = date.fromisoformat(state["latest"]) if state.get("latest") else None
        linker._next_seq = int(state["next_seq"])
        return linker
