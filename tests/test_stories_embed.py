"""Dense embeddings (the ``embeddings`` extra) and the lexical fallback without them."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES
from typer.testing import CliRunner

from storyline.cli import app
from storyline.stories import embed
from storyline.stories.cluster import StoryClusterer
from storyline.stories.features import StoryDoc


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the embeddings tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield


def test_embeddings_load_from_the_wheel_without_network(no_network: None) -> None:
    pytest.importorskip("wordllama", reason="the embeddings extra (wordllama) is not installed")
    embed._model.cache_clear()
    assert embed.available()
    flood = embed.embed("River floods force thousands from their homes in the north of the country")
    rain = embed.embed("Heavy rain swells the river and floods villages; thousands evacuated")
    budget = embed.embed("The finance minister presents next year's budget to parliament")
    assert flood is not None and rain is not None and budget is not None
    assert len(flood) == embed.DIM
    assert abs(sum(v * v for v in flood) - 1.0) < 1e-3
    assert embed.cosine(flood, rain) > embed.cosine(flood, budget)


def test_headlines_of_one_event_join_with_embeddings() -> None:
    pytest.importorskip("wordllama", reason="the embeddings extra (wordllama) is not installed")
    clusterer = StoryClusterer()
    first = clusterer.add(StoryDoc("a", "Quake of magnitude 7 strikes off the coast of Chile", ""))
    second = clusterer.add(StoryDoc("b", "Strong earthquake hits Chilean coast, tsunami warning issued", ""))
    other = clusterer.add(StoryDoc("c", "Parliament passes new budget after long night of voting", ""))
    assert second.story_id == first.story_id
    assert other.story_id != first.story_id


@pytest.fixture
def without_embeddings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if the extra were not installed: no vectors, the lexical models decide."""
    monkeypatch.setattr(embed, "_model", lambda: None)
    yield


def test_seeds_form_two_stories_in_one_storyline_without_embeddings(without_embeddings: None, tmp_path: Path) -> None:
    assert not embed.available()
    runner = CliRunner()
    db = str(tmp_path / "store.db")
    result = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    stories = [json.loads(line) for line in runner.invoke(app, ["export", "stories", "--db", db]).stdout.splitlines()]
    assert sorted(len(s["articles"]) for s in stories) == [2, 3]
    assert len({s["storyline"]["id"] for s in stories}) == 1
