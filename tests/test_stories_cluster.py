"""Online story clustering on small hand-written streams."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from storyline.stories.cluster import (
    PAIR_LEXICAL,
    SHORT_TERMS,
    STORY_FEATURES,
    Assignment,
    StoryClusterer,
    pair_probabilities,
    query_keys,
    split_threads,
    story_id_for,
)
from storyline.stories.features import StoryDoc, doc_terms
from storyline.stories.index import TermStats, weigh
from storyline.stories.model import Decision, StoryParams, Trees, story_params

DAY = date(2024, 3, 4)


def quake(i: int) -> StoryDoc:
    texts = [
        (
            "Earthquake shakes Valdoria coast",
            "A magnitude 6.8 earthquake struck the Valdoria coast near Port Elsin on Monday, "
            "collapsing buildings and cutting power. Governor Mara Quill said rescue teams were "
            "searching the rubble for survivors of the earthquake.",
        ),
        (
            "Valdoria earthquake death toll rises",
            "Rescuers in Port Elsin pulled more survivors from collapsed buildings as the death toll "
            "from the Valdoria earthquake rose to 112. Governor Mara Quill asked for tents and water.",
        ),
        (
            "Aftershocks hit Port Elsin after earthquake",
            "Strong aftershocks rattled Port Elsin, slowing rescue work after the earthquake. Mara Quill "
            "said hospitals on the Valdoria coast were overwhelmed with injured survivors.",
        ),
        (
            "Aid arrives in quake-hit Valdoria",
            "Aid flights landed near Port Elsin with tents, water and medicine for earthquake survivors. "
            "Governor Quill thanked rescue teams working in the rubble on the Valdoria coast.",
        ),
    ]
    title, body = texts[i]
    return StoryDoc(
        id=f"quake-{i}",
        title=title,
        body=body,
        published=DAY + timedelta(days=i),
        entities=[("Valdoria", "GPE"), ("Port Elsin", "GPE"), ("Mara Quill", "PERSON")],
    )


def strike(i: int) -> StoryDoc:
    texts = [
        (
            "Rail workers strike in Norvik",
            "Train drivers walked out across Norvik on Tuesday in a strike over pay, halting commuter "
            "services. Union leader Piet Haarsma said the rail strike would last three days.",
        ),
        (
            "Norvik rail strike strands commuters",
            "Commuters in Norvik queued for buses as the rail strike entered its second day. Piet "
            "Haarsma of the drivers' union said the pay offer from Norvik Rail was too low.",
        ),
        (
            "Talks to end Norvik rail strike",
            "Norvik Rail and the drivers' union met for pay talks to end the strike. Piet Haarsma said "
            "train services could resume if the offer improved.",
        ),
        (
            "Norvik trains run again as strike ends",
            "Trains ran again in Norvik after union drivers accepted a new pay offer, ending the rail "
            "strike. Haarsma called the deal fair for train drivers.",
        ),
    ]
    title, body = texts[i]
    return StoryDoc(
        id=f"strike-{i}",
        title=title,
        body=body,
        published=DAY + timedelta(days=i),
        entities=[("Norvik", "GPE"), ("Piet Haarsma", "PERSON"), ("Norvik Rail", "ORG")],
    )


def interleaved() -> list[StoryDoc]:
    return [doc for i in range(4) for doc in (quake(i), strike(i))]


def test_two_developing_events_interleaved_form_two_stories() -> None:
    clusterer = StoryClusterer()
    stories = [clusterer.add(doc).story_id for doc in interleaved()]
    quakes = {stories[i] for i in range(0, 8, 2)}
    strikes = {stories[i] for i in range(1, 8, 2)}
    assert len(quakes) == 1
    assert len(strikes) == 1
    assert quakes != strikes


def test_story_id_comes_from_first_article_and_never_changes() -> None:
    clusterer = StoryClusterer()
    first = clusterer.add(quake(0))
    assert first.created
    assert first.story_id == story_id_for("quake-0")
    for i in range(1, 4):
        later = clusterer.add(quake(i))
        assert not later.created
        assert later.story_id == first.story_id
        assert later.merged_into == {}


def test_far_later_article_is_outside_the_story_window() -> None:
    clusterer = StoryClusterer()
    first = clusterer.add(quake(0))
    late = quake(1)
    late.published = DAY + timedelta(days=clusterer.params.window_days + 30)
    late.id = "quake-late"
    assert clusterer.add(late).story_id != first.story_id


def bridging_params() -> StoryParams:
    # Join on lemma similarity alone: p = sigmoid(10 * sim - 5); merge when p >= 0.8.
    coef = tuple(10.0 if name == "sim_lemmas" else 0.0 for name in STORY_FEATURES)
    return StoryParams(join=Decision(STORY_FEATURES, coef, -5.0, 0.5), merge_threshold=0.8)


def plain(doc_id: str, words: str) -> StoryDoc:
    return StoryDoc(id=doc_id, title=None, body=words, lemmas=words.split())


def test_bridging_article_merges_two_stories_into_the_older() -> None:
    clusterer = StoryClusterer(bridging_params())
    older = clusterer.add(plain("a", "harbour warehouse blaze firefighters smoke"))
    younger = clusterer.add(plain("b", "chemical spill river fish council testing"))
    assert older.created and younger.created
    bridge = clusterer.add(
        plain("c", "harbour warehouse blaze firefighters smoke chemical spill river fish council testing")
    )
    assert bridge.story_id == older.story_id
    assert bridge.merged_into == {younger.story_id: older.story_id}
    assert clusterer.resolve(younger.story_id) == older.story_id
    follow = clusterer.add(plain("d", "chemical spill river fish council testing warehouse"))
    assert follow.story_id == older.story_id


def test_same_input_twice_gives_the_same_stories() -> None:
    first = [a.story_id for a in StoryClusterer().add_all(interleaved())]
    second = [a.story_id for a in StoryClusterer().add_all(interleaved())]
    assert first == second


def test_state_round_trip_resumes_exactly() -> None:
    docs = interleaved()
    straight = StoryClusterer()
    expected = [straight.add(doc) for doc in docs]

    resumed = StoryClusterer()
    got = [resumed.add(doc) for doc in docs[:3]]
    state = json.loads(json.dumps(resumed.to_state()))
    resumed = StoryClusterer.from_state(state)
    got += [resumed.add(doc) for doc in docs[3:]]
    assert [(a.story_id, a.created, a.probability) for a in got] == [
        (a.story_id, a.created, a.probability) for a in expected
    ]
    assert resumed.to_state() == straight.to_state()


def test_an_undated_article_is_placed_at_the_day_it_was_first_seen() -> None:
    clusterer = StoryClusterer()
    for i in range(3):
        clusterer.add(quake(i))
    late = quake(3)
    # the same words, but no date and first seen a year after the story went quiet: the
    # story is no longer open to it
    undated = StoryDoc(late.id, late.title, late.body, None, late.entities, seen=DAY + timedelta(days=365))
    assert clusterer.add(undated).created
    # seen while the story was still developing, it joins
    fresh = StoryClusterer()
    first = fresh.add(quake(0)).story_id
    recent = StoryDoc("quake-x", late.title, late.body, None, late.entities, seen=DAY + timedelta(days=2))
    assert fresh.add(recent).story_id == first


def test_while_stories_are_few_every_story_naming_the_same_entities_is_a_candidate() -> None:
    places = ["Xylo", "Yarrow", "Zinnia", "Wexford", "Vantor", "Ulmen", "Tarsk", "Sorrel", "Quorra", "Abbot Bay"]
    tour = StoryDoc("tour", "Grand tour of the islands", "The tour visits ten harbours.", DAY,
                    [(place, "GPE") for place in places])
    clusterer = StoryClusterer()
    clusterer.add(tour)
    clusterer.add(strike(0))
    # names one of the tour's places, but none of the story's strongest (indexed) terms
    aid = StoryDoc("aid", "Relief appeal", "Donors pledged money for families.", DAY, [("Abbot Bay", "GPE")])
    weighted = weigh(doc_terms(aid), clusterer.stats, aid.published)
    assert not clusterer.index.query(query_keys(weighted))
    scored = clusterer.score(weighted)
    assert [story.id for story, _ in scored] == [story_id_for("tour")]


def test_stories_left_behind_are_retired_from_memory_and_still_resolve() -> None:
    clusterer = StoryClusterer()
    old = clusterer.add(quake(0)).story_id
    clusterer.add(strike(1))
    window = clusterer.params.window_days
    later = strike(2)
    later.published = DAY + timedelta(days=2 * window + 2)
    clusterer.add(later)
    assert old not in {story.id for story in clusterer.stories.values()}
    assert clusterer.resolve(old) == old
    # a late article about the quake starts a new story, as it would have without retiring
    late_quake = quake(1)
    late_quake.published = later.published
    assert clusterer.add(late_quake).created
    restored = StoryClusterer.from_state(json.loads(json.dumps(clusterer.to_state())))
    assert restored.retired == clusterer.retired and restored.latest == clusterer.latest


def test_retiring_changes_no_assignment_of_an_ordered_stream() -> None:
    stream = []
    for month in range(6):  # six months of news, each month two fresh developments
        for i in range(4):
            for make in (quake, strike):
                doc = make(i)
                doc.id = f"{doc.id}-{month}"
                doc.published = DAY + timedelta(days=35 * month + i)
                stream.append(doc)
    retiring = StoryClusterer()
    keeping = StoryClusterer()
    keeping._advance = lambda when: None  # type: ignore[method-assign]
    assert [retiring.add(d).story_id for d in stream] == [keeping.add(d).story_id for d in stream]
    assert len(retiring.stories) < len(keeping.stories)


# -- batches: the articles of one day grouped jointly ---------------------------------


def pair_on_lemmas(threshold: float = 0.4) -> StoryParams:
    """Join and pair on lemma similarity alone: p = sigmoid(10 * sim - 5); never merge."""
    join = bridging_params().join
    pair_coef = tuple(10.0 if name == "sim_lemmas" else 0.0 for name in PAIR_LEXICAL)
    return StoryParams(join=join, pair=Decision(PAIR_LEXICAL, pair_coef, -5.0, threshold), merge_threshold=1.01)


def same_day(docs: list[StoryDoc]) -> list[StoryDoc]:
    for doc in docs:
        doc.published = DAY
    return docs


def partition(docs: list[StoryDoc], assignments: list[Assignment]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for doc, assignment in zip(docs, assignments, strict=True):
        groups.setdefault(assignment.story_id, set()).add(doc.id)
    return {frozenset(ids) for ids in groups.values()}


def test_a_late_article_of_a_batch_pulls_earlier_ones_into_one_story() -> None:
    docs = [plain("a", "harbour blaze"), plain("b", "warehouse smoke"), plain("c", "harbour blaze warehouse smoke")]
    # one at a time, "b" shares nothing with "a" and starts a story before "c" comes
    online = StoryClusterer(pair_on_lemmas()).add_all(docs)
    assert len({a.story_id for a in online}) == 2
    batch = StoryClusterer(pair_on_lemmas()).add_batch(docs)
    assert {a.story_id for a in batch} == {story_id_for("a")}
    assert [a.created for a in batch] == [True, False, False]


def test_a_batch_is_grouped_alike_whatever_its_order() -> None:
    docs = same_day(interleaved())
    expected = partition(docs, StoryClusterer().add_batch(docs))
    assert expected == {frozenset(f"quake-{i}" for i in range(4)), frozenset(f"strike-{i}" for i in range(4))}
    for seed in range(3):
        shuffled = same_day(interleaved())
        random.Random(seed).shuffle(shuffled)
        assert partition(shuffled, StoryClusterer().add_batch(shuffled)) == expected


def test_a_later_batch_joins_the_stories_of_an_earlier_one() -> None:
    clusterer = StoryClusterer()
    first = [quake(0), quake(1), strike(0)]
    placed = clusterer.add_batch(same_day(first))
    later = [quake(2), strike(1), quake(3)]
    for doc in later:
        doc.published = DAY + timedelta(days=1)
    again = clusterer.add_batch(later)
    quake_story, strike_story = placed[0].story_id, placed[2].story_id
    assert placed[1].story_id == quake_story != strike_story
    assert [a.story_id for a in again] == [quake_story, strike_story, quake_story]
    assert not any(a.created for a in again)


def test_a_batch_of_one_is_placed_as_one_article_is() -> None:
    docs = interleaved()
    one_by_one = StoryClusterer()
    batches_of_one = StoryClusterer()
    expected = [one_by_one.add(doc) for doc in docs]
    got = [batches_of_one.add_batch([doc])[0] for doc in docs]
    assert [(a.story_id, a.created, a.probability) for a in got] == [
        (a.story_id, a.created, a.probability) for a in expected
    ]
    assert batches_of_one.to_state() == one_by_one.to_state()


def test_dated_articles_further_apart_than_the_window_are_never_paired() -> None:
    params = pair_on_lemmas()
    early, late = plain("a", "harbour blaze smoke"), plain("b", "harbour blaze smoke")
    early.published, late.published = DAY, DAY + timedelta(days=params.window_days + 1)
    stats = TermStats()
    bags = [doc_terms(early), doc_terms(late)]
    for bag in bags:
        stats.add(bag)
    weighted = [weigh(bag, stats, doc.published) for bag, doc in zip(bags, [early, late], strict=True)]
    probability, _ = pair_probabilities(weighted, params)
    assert probability[0, 1] == probability[1, 0] == 0.0
    late.published = DAY + timedelta(days=1)
    probability, _ = pair_probabilities([weighted[0], weigh(bags[1], stats, late.published)], params)
    assert probability[0, 1] > 0.9


def test_short_pairs_are_cut_at_their_own_threshold() -> None:
    # two headlines with a pair probability between the two cuts: apart with the cut for long
    # texts, together once short pairs have their own (lower) cut
    docs = [plain("a", "harbour blaze warehouse"), plain("b", "harbour blaze smoke")]
    params = pair_on_lemmas(threshold=0.9)
    assert len({a.story_id for a in StoryClusterer(params).add_batch(docs)}) == 2
    lower = replace(params, short_threshold=0.2)
    assert len({a.story_id for a in StoryClusterer(lower).add_batch(docs)}) == 1


def test_batch_state_round_trips() -> None:
    clusterer = StoryClusterer()
    clusterer.add_batch(same_day([quake(0), strike(0), quake(1)]))
    restored = StoryClusterer.from_state(json.loads(json.dumps(clusterer.to_state())))
    assert restored.to_state() == clusterer.to_state()
    later = quake(2)
    assert restored.add_batch([later])[0].story_id == clusterer.add_batch([quake(2)])[0].story_id


# -- the pair model as boosted trees ------------------------------------------------


def trees_on_lemmas(threshold: float = 0.5) -> Trees:
    """Two trees over ``sim_lemmas`` alone: raw score -3 below 0.3, +1 from 0.3, +2 more from 0.6."""
    return Trees.from_dict({
        "kind": "trees", "features": list(PAIR_LEXICAL), "baseline": -1.0, "threshold": threshold,
        "trees": [
            {"feature": [PAIR_LEXICAL.index("sim_lemmas"), -1, -1], "cut": [0.3, 0.0, 0.0],
             "left": [1, 0, 0], "right": [2, 0, 0], "value": [0.0, -2.0, 2.0]},
            {"feature": [PAIR_LEXICAL.index("sim_lemmas"), -1, -1], "cut": [0.6, 0.0, 0.0],
             "left": [1, 0, 0], "right": [2, 0, 0], "value": [0.0, 0.0, 2.0]},
        ],
    })


def test_trees_score_each_row_down_its_trees() -> None:
    trees = trees_on_lemmas()
    low, middle, high = ({"sim_lemmas": v} for v in (0.1, 0.45, 0.9))
    assert trees.probability(low) == pytest.approx(1 / (1 + math.exp(3.0)))
    assert trees.probability(middle) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert trees.probability(high) == pytest.approx(1 / (1 + math.exp(-3.0)))
    values = {name: np.full((2, 3), 0.0) for name in PAIR_LEXICAL}
    values["sim_lemmas"] = np.asarray([[0.1, 0.45, 0.9], [0.3, 0.6, 0.61]])
    got = trees.probabilities(values)
    assert got.shape == (2, 3)
    assert got[0].tolist() == pytest.approx([trees.probability({"sim_lemmas": v}) for v in (0.1, 0.45, 0.9)])
    assert got[1, 0] < 0.5 < got[1, 1] < got[1, 2]  # at a cut a row goes left


def test_trees_round_trip_as_plain_data() -> None:
    params = StoryParams(join=bridging_params().join, pair=trees_on_lemmas(0.4), merge_threshold=1.01)
    again = StoryParams.from_dict(json.loads(json.dumps(params.to_dict())))
    assert isinstance(again.pair, Trees)
    assert again.to_dict() == params.to_dict()
    rows = {"sim_lemmas": np.linspace(0.0, 1.0, 11)}
    assert again.pair.probabilities(rows).tolist() == params.pair.probabilities(rows).tolist()


def test_a_batch_is_grouped_by_a_trees_pair_model() -> None:
    params = StoryParams(join=bridging_params().join, pair=trees_on_lemmas(0.4), merge_threshold=1.01)
    docs = [plain("a", "harbour blaze"), plain("b", "warehouse smoke"), plain("c", "harbour blaze warehouse smoke")]
    batch = StoryClusterer(params).add_batch(docs)
    assert {a.story_id for a in batch} == {story_id_for("a")}
    apart = [plain("a", "harbour blaze"), plain("b", "orchestra season opens")]
    assert len({a.story_id for a in StoryClusterer(params).add_batch(apart)}) == 2


def test_the_shipped_pair_models_never_fall_as_a_pair_grows_more_alike() -> None:
    params = story_params()
    rng = np.random.default_rng(7)
    for model in (params.pair, params.pair_lexical):
        assert model is not None
        rows = {name: rng.uniform(0.0, 1.0, 400) for name in model.features}
        rows["log_terms"] = rng.uniform(1.0, 6.0, 400)
        rows["short"] = (rows["log_terms"] < math.log1p(SHORT_TERMS)).astype(float)
        before = model.probabilities(rows)
        for name in (f for f in model.features if f.startswith("sim_")):
            after = model.probabilities({**rows, name: np.minimum(rows[name] + 0.2, 1.0)})
            assert (after >= before - 1e-12).all(), name


# -- a batch's group cut where it holds two threads ---------------------------------


def two_blocks(first: int, second: int, across: float, within: float = 0.9) -> np.ndarray:
    """Pair probabilities of two blocks of articles: ``within`` inside each, ``across`` between."""
    n = first + second
    probability = np.full((n, n), across)
    probability[:first, :first] = within
    probability[first:, first:] = within
    np.fill_diagonal(probability, 0.0)
    return probability


def test_a_group_holding_two_threads_is_cut_in_two() -> None:
    probability = two_blocks(5, 5, across=0.5)
    halves = split_threads(probability, list(range(10)), ratio=0.8, side=4)
    assert sorted(halves) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_a_group_as_alike_across_as_within_is_kept_whole() -> None:
    probability = two_blocks(5, 5, across=0.8)  # 0.8 is not under 0.8 x 0.9
    assert split_threads(probability, list(range(10)), ratio=0.8, side=4) == [list(range(10))]


def test_a_small_group_or_a_small_half_is_never_cut() -> None:
    few = two_blocks(3, 3, across=0.05)
    assert split_threads(few, list(range(6)), ratio=0.8, side=4) == [list(range(6))]
    lopsided = two_blocks(6, 3, across=0.05)
    assert split_threads(lopsided, list(range(9)), ratio=0.8, side=4) == [list(range(9))]


def test_the_halves_keep_the_batch_indices_of_a_scattered_group() -> None:
    probability = np.zeros((12, 12))
    members = [0, 2, 4, 6, 8, 10, 1, 3, 5, 7]  # two threads among other articles of the batch
    block = two_blocks(6, 4, across=0.3)
    probability[np.ix_(members, members)] = block
    halves = split_threads(probability, members, ratio=0.8, side=4)
    assert sorted(halves) == [[0, 2, 4, 6, 8, 10], [1, 3, 5, 7]]


STORMS = {
    "lira": [
        ("Hurricane Lira makes landfall near Marlow Bay",
         "Hurricane Lira came ashore near Marlow Bay early on Thursday with winds of 180 km/h, tearing roofs "
         "off houses along the harbour. Mayor Ansel Brook ordered residents of the low-lying Kettle district "
         "to leave."),
        ("Marlow Bay without power as Lira passes",
         "About 40,000 homes in Marlow Bay lost power as Hurricane Lira moved inland. Mayor Ansel Brook said "
         "crews would start clearing fallen trees from the harbour road once the winds dropped."),
        ("Lira floods Kettle district of Marlow Bay",
         "Storm surge from Hurricane Lira flooded streets in the Kettle district of Marlow Bay. Firefighters "
         "in boats carried families from their porches, and Ansel Brook asked drivers to stay off the roads."),
        ("Shelters fill in Marlow Bay after Hurricane Lira",
         "Schools in Marlow Bay opened as shelters for families whose homes Hurricane Lira damaged. The mayor, "
         "Ansel Brook, said the harbour would stay closed while divers checked the piers."),
        ("Marlow Bay counts damage from Lira",
         "Insurers sent assessors to Marlow Bay, where Hurricane Lira wrecked boats in the harbour and flooded "
         "the Kettle district. Ansel Brook said rebuilding the sea wall would take months."),
    ],
    "teno": [
        ("Hurricane Teno strikes Cape Orsk fishing towns",
         "Hurricane Teno struck the fishing towns of Cape Orsk on Thursday, sinking trawlers at anchor and "
         "flattening sheds along the quay. Governor Lidia Varn declared an emergency for the Orsk peninsula."),
        ("Cape Orsk cut off as Teno washes out bridge",
         "The only bridge to Cape Orsk was washed away as Hurricane Teno lashed the peninsula. Lidia Varn "
         "said helicopters would fly water and fuel to the fishing towns."),
        ("Trawlers lost as Teno hits Orsk peninsula",
         "Dozens of trawlers sank in the harbours of the Orsk peninsula when Hurricane Teno hit. Governor "
         "Lidia Varn promised loans to fishermen who lost their boats at Cape Orsk."),
        ("Teno leaves Cape Orsk villages in the dark",
         "Villages across Cape Orsk had no electricity after Hurricane Teno brought down power lines. "
         "Governor Varn said the army would help repair the lines on the Orsk peninsula."),
        ("Orsk fishermen begin cleanup after Teno",
         "Fishermen on Cape Orsk hauled wrecked trawlers from the quay after Hurricane Teno passed. Lidia Varn "
         "visited the peninsula and said the bridge would be rebuilt first."),
    ],
}


def storm_batch() -> list[StoryDoc]:
    docs = [StoryDoc(id=f"{name}-{i}", title=title, body=body, published=DAY)
            for name, texts in STORMS.items() for i, (title, body) in enumerate(texts)]
    random.Random(3).shuffle(docs)
    return docs


@pytest.mark.parametrize("lexical", [False, True])
def test_two_storms_of_one_day_are_two_stories_with_the_shipped_model(lexical: bool) -> None:
    params = story_params()
    if lexical:  # the lexical pair model, as without the embeddings extra
        params = replace(params, pair=params.pair_lexical, join=params.join_lexical or params.join)
    docs = storm_batch()
    if lexical:
        for doc in docs:
            doc.vectors = {}
    assert partition(docs, StoryClusterer(params).add_batch(docs)) == {
        frozenset(f"{name}-{i}" for i in range(5)) for name in STORMS
    }


def test_the_split_settings_round_trip_as_plain_data() -> None:
    params = replace(story_params(), split_ratio=0.7, split_ratio_lexical=0.5, split_side=3)
    again = StoryParams.from_dict(json.loads(json.dumps(params.to_dict())))
    assert (again.split_ratio, again.split_ratio_lexical, again.split_side) == (0.7, 0.5, 3)
    never = StoryParams.from_dict({**params.to_dict(), "split_ratio": None, "split_ratio_lexical": None})
    assert never.split_ratio is None and never.split_ratio_lexical is None
    older = {key: value for key, value in params.to_dict().items() if not key.startswith("split_")}
    assert StoryParams.from_dict(older).split_ratio is None  # a state saved before the split: never cut
    assert StoryParams.from_dict({**params.to_dict(), "split_side": 1}).split_side == 2


def test_a_batch_group_of_two_threads_becomes_two_stories() -> None:
    # a fire and a flood in one harbour town on one day: every pair shares the town's words,
    # enough for average linkage to take the ten articles as one group
    town = "harbour town storm night damage council mayor roads"
    fire = [plain(f"fire-{i}", f"{town} blaze smoke ladder{i}") for i in range(5)]
    flood = [plain(f"flood-{i}", f"{town} flood pumps boat{i}") for i in range(5)]
    docs = [doc for pair in zip(fire, flood, strict=True) for doc in pair]
    params = pair_on_lemmas(threshold=0.2)
    assert len({a.story_id for a in StoryClusterer(params).add_batch(docs)}) == 1
    split = replace(params, split_ratio=0.8, split_ratio_lexical=0.8, split_side=4)
    assert partition(docs, StoryClusterer(split).add_batch(docs)) == {
        frozenset(doc.id for doc in fire), frozenset(doc.id for doc in flood)
    }
    few = docs[:6]  # three articles a thread: too few to tell two threads from one story
    assert len({a.story_id for a in StoryClusterer(split).add_batch(few)}) == 1


def test_a_store_grouped_with_an_earlier_model_groups_new_articles_with_the_shipped_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from storyline.pipeline.state import CLUSTER_STATE, LINKER_STATE
    from storyline.store import Store
    from storyline.stories import update
    from storyline.stories.model import storyline_params
    from storyline.stories.storylines import StorylineLinker

    earlier = replace(story_params(), split_ratio=None, split_ratio_lexical=None, window_days=3)
    clusterer = StoryClusterer(earlier)
    clusterer.add_batch(same_day([quake(0), strike(0), quake(1)]))
    linker = StorylineLinker(replace(storyline_params(), window_days=30))
    store = Store(str(tmp_path / "store.db"))
    with store.transaction("save") as conn:
        store.set_state(conn, CLUSTER_STATE, json.loads(json.dumps(clusterer.to_state())))
        store.set_state(conn, LINKER_STATE, json.loads(json.dumps(linker.to_state())))
    with caplog.at_level("INFO", logger="storyline.stories.update"):
        loaded, loaded_linker = update._load(store)
    assert loaded.params.to_dict() == story_params().to_dict()
    assert loaded_linker.params.to_dict() == storyline_params().to_dict()
    assert "earlier model" in caplog.text
    assert set(loaded.stories) == set(clusterer.stories)  # the stories made before are kept
    # the library's round trip keeps the saved parameters
    assert StoryClusterer.from_state(clusterer.to_state()).params.to_dict() == earlier.to_dict()
    caplog.clear()
    with store.transaction("save") as conn:  # a state saved with the shipped model: nothing to say
        store.set_state(conn, CLUSTER_STATE, json.loads(json.dumps(loaded.to_state())))
    with caplog.at_level("INFO", logger="storyline.stories.update"):
        update._load(store)
    assert "earlier model" not in caplog.text
