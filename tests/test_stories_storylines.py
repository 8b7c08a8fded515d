"""Storylines: stories about one long-running thread are linked; others are not."""

from __future__ import annotations

import json
from datetime import date, timedelta

from storyline.stories.cluster import StoryClusterer, story_id_for
from storyline.stories.features import StoryDoc
from storyline.stories.storylines import StorylineLinker, storyline_id_for

FLOOD = [("Riverton", "GPE"), ("Kessel River", "LOC"), ("Alice Tran", "PERSON")]
CHESS = [("Oslo", "GPE"), ("Lena Vik", "PERSON"), ("Tomas Brandt", "PERSON")]


def flood_thread() -> list[StoryDoc]:
    start = date(2023, 3, 1)
    texts = [
        (
            0,
            "Kessel River floods Riverton",
            "The Kessel River burst its banks and flooded Riverton. Mayor Alice Tran ordered evacuations as flood water filled homes.",
        ),
        (
            1,
            "Riverton flood water recedes",
            "Flood water began to recede in Riverton as the Kessel River fell. Alice Tran said hundreds of homes were damaged by the flood.",
        ),
        (
            70,
            "Riverton flood relief fund approved",
            "The council approved a flood relief fund for Riverton homes damaged when the Kessel River flooded. Mayor Alice Tran welcomed the money.",
        ),
        (
            71,
            "First flood relief payments in Riverton",
            "Riverton families received the first flood relief payments. Alice Tran said rebuilding after the Kessel River flood would take years.",
        ),
        (
            150,
            "Inquiry blames weak flood defences in Riverton",
            "An inquiry into the Riverton flood found the Kessel River defences were too weak. Mayor Alice Tran promised new flood walls.",
        ),
        (
            152,
            "Riverton to build new flood walls",
            "Riverton will build new flood walls along the Kessel River after the inquiry into the flood, Alice Tran said.",
        ),
    ]
    return [
        StoryDoc(
            id=f"flood-{i}", title=title, body=body, published=start + timedelta(days=day), entities=FLOOD
        )
        for i, (day, title, body) in enumerate(texts)
    ]


def chess_thread() -> list[StoryDoc]:
    start = date(2023, 3, 2)
    texts = [
        (
            0,
            "Vik leads Oslo chess championship",
            "Lena Vik beat Tomas Brandt with the black pieces to lead the chess championship in Oslo after four rounds.",
        ),
        (
            2,
            "Brandt draws level in Oslo chess",
            "Tomas Brandt won a long endgame against Lena Vik to draw level at the Oslo chess championship.",
        ),
        (
            71,
            "Vik wins Oslo chess title in tiebreak",
            "Lena Vik won the Oslo chess championship title in a rapid tiebreak against Tomas Brandt.",
        ),
    ]
    return [
        StoryDoc(
            id=f"chess-{i}", title=title, body=body, published=start + timedelta(days=day), entities=CHESS
        )
        for i, (day, title, body) in enumerate(texts)
    ]


def stream() -> list[StoryDoc]:
    docs = flood_thread() + chess_thread()
    return sorted(docs, key=lambda d: (d.published or date.min, d.id))


def run(docs: list[StoryDoc]) -> tuple[dict[str, str], dict[str, str]]:
    clusterer = StoryClusterer()
    linker = StorylineLinker()
    stories: dict[str, str] = {}
    lines: dict[str, str] = {}
    for doc in docs:
        assignment = clusterer.add(doc)
        placed = linker.add(doc, assignment)
        stories[doc.id] = assignment.story_id
        lines[doc.id] = placed.storyline_id
    return stories, lines


def test_stories_of_one_thread_share_a_storyline() -> None:
    stories, lines = run(stream())
    flood_stories = {stories[f"flood-{i}"] for i in range(6)}
    assert len(flood_stories) >= 3  # months apart: separate stories
    assert len({lines[f"flood-{i}"] for i in range(6)}) == 1
    assert len({lines[f"chess-{i}"] for i in range(3)}) == 1
    assert lines["flood-0"] != lines["chess-0"]


def test_storyline_id_comes_from_its_first_story() -> None:
    stories, lines = run(stream())
    assert lines["flood-0"] == storyline_id_for(stories["flood-0"])
    assert lines["flood-5"] == lines["flood-0"]


def test_linker_is_deterministic_and_round_trips() -> None:
    docs = stream()
    assert run(docs) == run(docs)
    clusterer = StoryClusterer()
    linker = StorylineLinker()
    expected = []
    for doc in docs:
        expected.append(linker.add(doc, clusterer.add(doc)).storyline_id)
    clusterer = StoryClusterer()
    linker = StorylineLinker()
    got = [linker.add(doc, clusterer.add(doc)).storyline_id for doc in docs[:4]]
    clusterer = StoryClusterer.from_state(json.loads(json.dumps(clusterer.to_state())))
    linker = StorylineLinker.from_state(json.loads(json.dumps(linker.to_state())))
    got += [linker.add(doc, clusterer.add(doc)).storyline_id for doc in docs[4:]]
    assert got == expected


def test_storylines_left_behind_are_retired_and_still_named() -> None:
    docs = stream()
    clusterer = StoryClusterer()
    linker = StorylineLinker()
    placed = {doc.id: linker.add(doc, clusterer.add(doc)).storyline_id for doc in docs}
    chess = StoryDoc(id="chess-later", title="Lena Vik wins again in Oslo",
                     body="Lena Vik beat Tomas Brandt in Oslo to win the chess title again.",
                     published=date(2023, 3, 2) + timedelta(days=2 * linker.params.window_days + 200),
                     entities=CHESS)
    story = clusterer.add(chess)
    later = linker.add(chess, story)
    # the old storylines left memory; what they were called is still known
    assert not set(placed.values()) & {line.id for line in linker.lines.values()}
    assert linker.storyline_of(clusterer.resolve(story_id_for("flood-0"))) == placed["flood-0"]
    assert later.created  # too late to continue the old chess storyline
    restored = StorylineLinker.from_state(json.loads(json.dumps(linker.to_state())))
    assert restored.retired == linker.retired and restored.latest == linker.latest
