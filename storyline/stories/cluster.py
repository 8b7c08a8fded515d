"""Online story clustering: each article joins the best story or starts one, as it arrives.

After Miranda et al. (2018), "Multilingual Clustering of Streaming News": a document
is five TF-IDF sub-vectors (head and body tokens, lemmas, entities, head entities)
weighted with IDF statistics updated online.  Candidate stories come from an
inverted index over each story's strongest entities, lemmas and head terms (at most
``candidates`` are scored, whatever the number of stories), and stories whose newest
article is more than ``window_days`` older than the article are not eligible (an undated
article is placed at the day it was first seen, see :func:`stream_date`).  The
cosine to each candidate's centroid per sub-vector, with the story's size, feeds a
logistic regression; the article joins the most probable story when that
probability passes the learned threshold, else it starts a story.  With the
``embeddings`` extra, the cosine of dense sentence embeddings (head and lead) against
each candidate's summed embeddings are features too; without it a lexical model trained
alongside decides.

Stories the stream has left behind (their newest article more than twice the window older
than the newest article seen) are retired from memory: no article could join them any more,
and memory and the saved state stay bounded by what is recent.

When the article is also very probable (``merge_threshold``) for other candidates,
it bridges them: those stories merge into the oldest, whose id survives, and the
:class:`Assignment` reports ``merged_into`` so callers can redirect.

Batches (:meth:`StoryClusterer.add_batch`): the articles of one day that are grouped
together.  First each article that the join model finds probable enough for a story of
earlier batches joins it, as it would alone.  The others are clustered jointly, as the
field does for a batch (and as the TF-IDF baseline does): a learned pairwise model (boosted
trees, monotone in every similarity, over the cosines per sub-vector article against article,
numbers written in the text, the dense cosines, the text length) gives each pair a
probability, and average-linkage agglomerative
clustering cuts the tree where the mean probability between two groups falls under the
model's threshold (short pairs, a headline on either side, have a cut of their own).  So a
late headline can pull earlier ones together, and the grouping of new events does not depend
on the order within the batch.  A group that holds two threads (two events of one kind, alike
as a whole, each article far nearer its own event's) is then cut in two
(:func:`split_threads`).  Each group starts a story.  A batch of one article is placed
exactly as :meth:`add` places it.

Story ids derive from the first article's id and never change.  Everything is
deterministic in the input order, and ``to_state``/``from_state`` round-trip the
whole clusterer as JSON-able data.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from storyline.stories.features import NUMBERS, SUBVECTORS, StoryDoc, doc_terms, doc_vectors
from storyline.stories.index import (
    PREFIX,
    Bags,
    Centroid,
    OnlineGroups,
    WeightedDoc,
    weigh,
)
from storyline.stories.model import Decision, PairDecision, StoryParams, Trees, choose, story_params

DENSE: tuple[str, ...] = ("head_vec", "lead_vec")
LEXICAL_FEATURES: tuple[str, ...] = (*(f"sim_{name}" for name in SUBVECTORS), "log_size", "log_terms")
STORY_FEATURES: tuple[str, ...] = (*LEXICAL_FEATURES, *(f"sim_{name}" for name in DENSE))
# Article against article, within a batch (``log_terms``: of the shorter of the two).
PAIR_SUBVECTORS: tuple[str, ...] = (*SUBVECTORS, NUMBERS)
PAIR_LEXICAL: tuple[str, ...] = (*(f"sim_{name}" for name in PAIR_SUBVECTORS), "log_terms", "short")
# A pair is "short" when the shorter text has fewer distinct body terms than this (a
# headline or a feed item's summary): such pairs share fewer terms and get their own shift.
SHORT_TERMS = 25
PAIR_FEATURES: tuple[str, ...] = (*PAIR_LEXICAL, *(f"sim_{name}" for name in DENSE))

# How many of a story's strongest terms go into the index, per sub-vector, and how
# many of an article's terms are looked up.
INDEX_TERMS = {"entities": 8, "lemmas": 10, "head_tokens": 5}
QUERY_TERMS = {"entities": 10, "lemmas": 15, "head_tokens": 8}


@dataclass(slots=True)
class Assignment:
    """Where an article went: its story, whether that story is new, and merges it caused."""

    story_id: str
    created: bool
    merged_into: dict[str, str] = field(default_factory=dict)
    probability: float = 0.0  # of the chosen story; 0.0 when a story was created
    candidates: int = 0  # stories scored in full for this article


def story_id_for(doc_id: str) -> str:
    return "s" + hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:16]


def query_keys(doc: WeightedDoc, sizes: dict[str, int] | None = None) -> dict[str, float]:
    """The article's strongest terms as index keys, weighted by their share of the sub-vector."""
    keys: dict[str, float] = {}
    for name, k in (sizes or QUERY_TERMS).items():
        weights = doc.weights.get(name, {})
        norm = doc.norms.get(name, 0.0)
        if not norm:
            continue
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        for term, weight in top:
            keys[PREFIX[name] + term] = weight / norm
    return keys


def stream_date(doc: StoryDoc) -> date | None:
    """The date that places an article in the stream: published, else first seen."""
    return doc.published or doc.seen


def in_window(published: date | None, centroid: Centroid, days: int) -> bool:
    if published is None or centroid.last is None or centroid.first is None:
        return True
    return (published - centroid.last).days <= days and (centroid.first - published).days <= days


def pair_features(docs: Sequence[WeightedDoc]) -> dict[str, np.ndarray]:
    """Every pair feature of a batch, as n x n matrices by name."""
    from scipy.sparse import csr_matrix

    n = len(docs)
    values: dict[str, np.ndarray] = {}
    for name in PAIR_SUBVECTORS:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        data: list[float] = []
        for i, doc in enumerate(docs):
            norm = doc.norms.get(name, 0.0)
            if not norm:
                continue
            for term, weight in doc.weights[name].items():
                rows.append(i)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                data.append(weight / norm)
        matrix = csr_matrix((data, (rows, cols)), shape=(n, max(1, len(vocabulary))))
        values[f"sim_{name}"] = np.asarray((matrix @ matrix.T).todense(), dtype=float)
    for name in DENSE:
        width = max((len(doc.dense.get(name) or ()) for doc in docs), default=0)
        dense = np.zeros((n, max(1, width)))
        for i, doc in enumerate(docs):
            vector = doc.dense.get(name)
            if vector and len(vector) == width:
                row = np.asarray(vector, dtype=float)
                norm = float(np.sqrt(row @ row))
                dense[i] = row / norm if norm else 0.0
        values[f"sim_{name}"] = dense @ dense.T
    terms = np.asarray([len(doc.weights.get("body_tokens", {})) for doc in docs], dtype=float)
    shorter = np.minimum.outer(terms, terms)
    values["log_terms"] = np.log1p(shorter)
    values["short"] = (shorter < SHORT_TERMS).astype(float)
    return values


def _probabilities(decision: PairDecision, values: dict[str, np.ndarray], n: int) -> np.ndarray:
    if isinstance(decision, Trees):  # every feature of a pair is symmetric: one triangle is scored
        upper = np.triu_indices(n, 1)
        probability = np.zeros((n, n))
        probability[upper] = decision.probabilities({name: values[name][upper] for name in decision.features})
        return probability + probability.T
    return decision.probabilities(values)


def pair_probabilities(docs: Sequence[WeightedDoc], params: StoryParams) -> tuple[np.ndarray, float]:
    """The probability that two articles of a batch tell one story, for every pair, scaled
    so that one cut (returned beside) cuts each pair at its own model's threshold:
    the dense model for pairs that both have embeddings, else the lexical one, each with its
    threshold for short pairs (a headline on either side) and for the others.  Dated articles
    further apart than the story window are never paired."""
    assert params.pair is not None
    main, lexical = params.pair, params.pair_lexical
    n = len(docs)
    values = pair_features(docs)
    short = values["short"] > 0
    probability = _probabilities(main, values, n)
    cut = np.where(short, params.short_threshold or main.threshold, main.threshold)
    if main.dense and lexical is not None:
        has = np.asarray([bool(doc.dense) for doc in docs])
        both = np.logical_and.outer(has, has)
        if not both.all():
            probability = np.where(both, probability, _probabilities(lexical, values, n))
            lexical_cut = np.where(short, params.short_threshold_lexical or lexical.threshold, lexical.threshold)
            cut = np.where(both, cut, lexical_cut)
    lowest = float(cut.min()) if n else main.threshold
    probability = probability * lowest / cut  # scaled down, never above 1: averages stay linear
    days = np.asarray([doc.published.toordinal() if doc.published else np.nan for doc in docs], dtype=float)
    with np.errstate(invalid="ignore"):
        apart = np.abs(np.subtract.outer(days, days)) > params.window_days  # False where a date is missing
    return np.asarray(np.where(apart, 0.0, probability)), lowest


def average_linkage(probability: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups of a batch: average-linkage agglomerative clustering over ``1 - probability``,
    merging while the mean probability between two groups is at least ``threshold``.
    Groups are listed by their first member, members in batch order."""
    n = probability.shape[0]
    if n < 2:
        return [[i] for i in range(n)]
    labels = _tree_labels(probability, criterion="distance", t=1.0 - threshold + 1e-9)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda members: members[0])


def _tree_labels(probability: np.ndarray, criterion: str, t: float) -> np.ndarray:
    """Flat clusters of the average-linkage tree over ``1 - probability`` (made symmetric)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - (probability + probability.T) / 2.0
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(np.clip(distance, 0.0, 1.0), checks=False), method="average")
    return np.asarray(fcluster(tree, t=t, criterion=criterion))


def split_threads(probability: np.ndarray, group: list[int], ratio: float, side: int) -> list[list[int]]:
    """A group cut into the threads it holds: two events of one kind on one day (two storms,
    two fights of one boxer) are alike enough to pass the cut as a whole, yet each article is
    far nearer its own event's articles.  The group's own average-linkage tree gives its top
    split; it is kept when each half has at least ``side`` articles and the mean probability
    across the halves is under ``ratio`` times that within the less cohesive half; the halves
    are tried in turn.  A group of fewer than ``2 * side`` articles is never cut, so a batch of
    a few articles an event (a feed polled every few minutes) is grouped as without it."""
    pending, done = [group], []
    while pending:
        members = pending.pop()
        if len(members) < 2 * side:
            done.append(members)
            continue
        sub = probability[np.ix_(members, members)]
        sub = (sub + sub.T) / 2.0
        labels = _tree_labels(sub, criterion="maxclust", t=2)
        first = [i for i, label in enumerate(labels) if label == labels[0]]
        halves = [first, [i for i in range(len(members)) if labels[i] != labels[0]]]
        if min(len(half) for half in halves) < side:
            done.append(members)
            continue
        cohesion = min(_within(sub, half) for half in halves)
        if float(sub[np.ix_(*halves)].mean()) < ratio * cohesion:
            pending += [[members[i] for i in half] for half in reversed(halves)]
        else:
            done.append(members)
    return done


def _within(probability: np.ndarray, members: list[int]) -> float:
    """The mean probability between two different members."""
    block = probability[np.ix_(members, members)]
    return float((block.sum() - np.trace(block)) / (len(members) * (len(members) - 1)))


class StoryClusterer(OnlineGroups):
    """Online clustering of articles into stories (see the module docstring)."""

    KIND = "story_clusterer"
    HELD = "stories"
    INDEX_TERMS = INDEX_TERMS

    def __init__(self, params: StoryParams | None = None) -> None:
        self.params = params or story_params()
        super().__init__(self.params.posting_cap, self.params.window_days)

    @property
    def stories(self) -> dict[int, Centroid]:
        """The stories held in memory, by seq."""
        return self.held

    def new_id(self, seed: str) -> str:
        return story_id_for(seed)

    # -- the stream ---------------------------------------------------------------

    def add(self, doc: StoryDoc, terms: Bags | None = None) -> Assignment:
        """Assign one article: join the best story or start a new one.

        ``terms`` may pass ``doc_terms(doc)`` when the caller has computed it already.
        """
        weighted = self._weigh(doc, terms)
        scored = self.score(weighted)
        join = self.decision(weighted)
        if not scored or scored[0][1] < join.threshold:
            story = self._create(doc.id)
            self._update(story, weighted)
            return Assignment(story.id, True, {}, 0.0, len(scored))
        return self._join(scored, weighted, len(scored))

    def add_all(self, docs: Iterable[StoryDoc]) -> list[Assignment]:
        return [self.add(doc) for doc in docs]

    def add_batch(self, docs: Sequence[StoryDoc], terms: Sequence[Bags] | None = None) -> list[Assignment]:
        """Assign a batch of articles jointly (see the module docstring); one Assignment per
        article, in the batch's order.  Without a pair model, or for one article, each is
        placed by :meth:`add` in turn."""
        if self.params.pair is None or len(docs) < 2:
            return [self.add(doc, None if terms is None else terms[i]) for i, doc in enumerate(docs)]
        bags = list(terms) if terms is not None else [doc_terms(doc) for doc in docs]
        for bag in bags:
            self.stats.add(bag)
        weighted = [weigh(bag, self.stats, stream_date(doc), doc_vectors(doc)) for doc, bag in zip(docs, bags,
                                                                                                   strict=True)]
        for doc in weighted:
            self._advance(doc.published)
        # first, each article that is probable enough for a story of earlier batches joins it,
        # as one article at a time would (a story's many members say more than a few pairs)
        before = set(self.held)
        out: list[Assignment | None] = [None] * len(docs)
        rest = []
        for i, doc in enumerate(weighted):
            scored = [(story, p) for story, p in self.score(doc) if story.seq in before]
            if scored and scored[0][1] >= self.decision(doc).threshold:
                out[i] = self._join(scored, doc, len(scored))
            else:
                rest.append(i)
        # then the others are grouped jointly; each group starts a story
        probability, cut = pair_probabilities([weighted[i] for i in rest], self.params)
        for members in self._threads(average_linkage(probability, cut), probability, [weighted[i] for i in rest]):
            story = self._create(docs[rest[members[0]]].id)
            for k, member in enumerate(members):
                self._update(story, weighted[rest[member]])
                out[rest[member]] = Assignment(story.id, k == 0, {}, 0.0, 0)
        return [assignment for assignment in out if assignment is not None]

    def _threads(self, groups: list[list[int]], probability: np.ndarray, docs: Sequence[WeightedDoc]
                 ) -> list[list[int]]:
        """The groups of a batch, each cut into the threads it holds (:func:`split_threads`) at
        the ratio of the pair model that scored it: the dense one when every member has
        embeddings, else the lexical one."""
        out = []
        for group in groups:
            dense = self.params.pair is not None and self.params.pair.dense and all(docs[i].dense for i in group)
            ratio = self.params.split_ratio if dense else self.params.split_ratio_lexical
            out += split_threads(probability, group, ratio, self.params.split_side) if ratio else [group]
        return sorted(out, key=lambda members: members[0])

    def _join(self, scored: list[tuple[Centroid, float]], doc: WeightedDoc, candidates: int) -> Assignment:
        """Put the article in the most probable story of ``scored`` (most probable first);
        when it is very probable for others too, it bridges them: they merge into the oldest."""
        best, probability = scored[0]
        self._update(best, doc)
        bridged = [story for story, p in scored[1:] if p >= self.params.merge_threshold]
        merged: dict[str, str] = {}
        if bridged and probability >= self.params.merge_threshold:
            survivor = min([best, *bridged], key=lambda s: s.seq)
            for story in sorted([best, *bridged], key=lambda s: s.seq):
                if story is not survivor:
                    self._merge(story, survivor)
                    merged[story.id] = survivor.id
            best = survivor
        return Assignment(best.id, False, merged, probability, candidates)

    def add_forced(
        self, doc: StoryDoc, story_id: str | None, terms: Bags | None = None
    ) -> tuple[str, list[tuple[str, dict[str, float]]]]:
        """Score the candidates as :meth:`add` does, then put the article in ``story_id``
        (a new story when None or unknown) whatever the scores say.

        Returns the story id and each candidate's id with its features: the teacher-forced
        stream that the join model is trained on.
        """
        weighted = self._weigh(doc, terms)
        seen = [(story.id, self.features(weighted, story)) for story in self.candidates(weighted)]
        seq = self.ids.get(story_id) if story_id is not None else None
        story = self.held[seq] if seq is not None and seq in self.held else self._create(doc.id)
        self._update(story, weighted)
        return story.id, seen

    def _weigh(self, doc: StoryDoc, terms: Bags | None) -> WeightedDoc:
        bags = terms if terms is not None else doc_terms(doc)
        self.stats.add(bags)
        weighted = weigh(bags, self.stats, stream_date(doc), doc_vectors(doc))
        self._advance(weighted.published)
        return weighted

    # -- scoring ------------------------------------------------------------------

    def candidates(self, doc: WeightedDoc) -> list[Centroid]:
        """At most ``params.candidates`` stories sharing strong terms with the article.

        While there are no more stories than that, every story that names one of the
        article's entities is a candidate too: the index only bounds the cost, and on a
        small corpus a story's strongest terms are its rarest, which a related article
        need not share.
        """
        scores = self.index.query(query_keys(doc))
        if self._next_seq <= self.params.candidates:  # stories ever made: the corpus is small
            for seq, story in self.held.items():
                if seq not in scores and story.similarity(doc, "entities") > 0:
                    scores[seq] = 0.0
        eligible = [
            (score, seq)
            for seq, score in scores.items()
            if in_window(doc.published, self.held[seq], self.params.window_days)
        ]
        eligible.sort(key=lambda pair: (-pair[0], -pair[1]))
        return [self.held[seq] for _, seq in eligible[: self.params.candidates]]

    def features(self, doc: WeightedDoc, story: Centroid) -> dict[str, float]:
        """Every feature the join models may read, by name."""
        values = {f"sim_{name}": story.similarity(doc, name) for name in SUBVECTORS}
        values["log_size"] = math.log1p(story.size)
        # how much text the article has (distinct body terms, capped): a headline shares
        # fewer terms with any story than a full article does, so it needs less to join
        values["log_terms"] = math.log1p(len(doc.weights.get("body_tokens", {})))
        for name in DENSE:
            values[f"sim_{name}"] = story.dense_similarity(doc, name)
        return values

    def decision(self, doc: WeightedDoc) -> Decision:
        """The join model for this document: the dense one when it has embeddings."""
        return choose(self.params.join, self.params.join_lexical, bool(doc.dense))

    def score(self, doc: WeightedDoc) -> list[tuple[Centroid, float]]:
        """Candidates with their join probability, most probable first (ties: older story)."""
        join = self.decision(doc)
        scored = [(story, join.probability(self.features(doc, story))) for story in self.candidates(doc)]
        scored.sort(key=lambda pair: (-pair[1], pair[0].seq))
        return scored

    # -- state changes ------------------------------------------------------------

    def _merge(self, story: Centroid, into: Centroid) -> None:
        self._absorb(story, into)
        for key in [key for key, seq in self.ids.items() if seq == story.seq]:
            self.ids[key] = into.seq  # old ids (this one's and those merged into it) keep resolving
        self._reindex(into)

    def resolve(self, story_id: str) -> str:
        """The current id of a story, following merges."""
        seq = self.ids.get(story_id)
        if seq is None:
            return story_id
        if seq in self.held:
            return self.held[seq].id
        return self.retired.get(seq, story_id)

    # -- persistence --------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything needed to resume, as JSON-able data."""
        return self._state(self.params.to_dict())

    @classmethod
    def from_state(cls, state: dict[str, Any], params: StoryParams | None = None) -> StoryClusterer:
        """The clusterer ``to_state`` saved, deciding with ``params`` when given (the grouping
        stage passes the shipped model, so a store upgraded to a new model groups its new articles
        with it), else with the parameters it was saved with."""
        cls._check(state)
        clusterer = cls(params or StoryParams.from_dict(state["params"]))
        clusterer._restore(state)
        return clusterer
