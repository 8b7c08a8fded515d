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


SPANISH = [  # three events, two short articles each, written for this test
    ("es-quake-1", "Un terremoto sacude el sur de Chile",
     "Un terremoto de magnitud 6,2 sacudió este martes la región de Los Lagos. Las autoridades informaron de "
     "daños en carreteras y viviendas en Puerto Montt, sin víctimas mortales."),
    ("es-quake-2", "Daños en Puerto Montt tras el sismo",
     "El sismo de magnitud 6,2 que afectó a Los Lagos dejó grietas en edificios de Puerto Montt. El gobierno "
     "regional evalúa los daños en las carreteras."),
    ("es-cup-1", "El Real Madrid gana la final de la Copa",
     "El Real Madrid venció 2-1 al Athletic en la final de la Copa disputada en Sevilla. Los goles llegaron en "
     "la segunda parte y el entrenador celebró el título con la afición."),
    ("es-cup-2", "Sevilla vibra con la victoria en la Copa",
     "La final de la Copa en Sevilla terminó con victoria del Real Madrid por 2-1 ante el Athletic. Miles de "
     "aficionados llenaron el estadio."),
    ("es-rates-1", "El Banco Central Europeo mantiene los tipos",
     "El Banco Central Europeo decidió este jueves mantener los tipos de interés en el 2 por ciento. La "
     "presidenta explicó en Fráncfort que la inflación sigue controlada."),
    ("es-rates-2", "El BCE no toca los tipos y vigila la inflación",
     "En su reunión de Fráncfort, el BCE mantuvo sin cambios los tipos de interés. La inflación se mantiene "
     "cerca del objetivo del 2 por ciento, según la institución."),
]


def test_text_in_another_language_is_not_embedded_by_the_english_model() -> None:
    pytest.importorskip("py3langid", reason="the embeddings extra (py3langid) is not installed")
    assert not embed.readable(" ".join(SPANISH[0][1:]))
    assert embed.readable("The finance minister presents next year's budget to parliament on Tuesday, "
                          "with cuts to the rail network and more money for hospitals.")
    assert embed.readable("Klitschko beats Thompson")  # a few words: too short to tell, kept


def test_articles_in_another_language_are_grouped_by_their_words(tmp_path: Path) -> None:
    """The English embeddings find any two Spanish texts alike; without them the words tell the
    three events apart."""
    pytest.importorskip("wordllama", reason="the embeddings extra (wordllama) is not installed")
    pytest.importorskip("py3langid", reason="the embeddings extra (py3langid) is not installed")
    source = tmp_path / "es.jsonl"
    source.write_text("".join(json.dumps({"id": i, "title": title, "text": text, "published": "2026-03-03"}) + "\n"
                              for i, title, text in SPANISH), encoding="utf-8")
    db = str(tmp_path / "es.db")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(source), "--db", db, "--json"]).exit_code == 0
    external = {json.loads(line)["id"]: json.loads(line)["external_id"]
                for line in runner.invoke(app, ["export", "articles", "--db", db]).stdout.splitlines()}
    groups = {frozenset(external[a] for a in json.loads(line)["articles"])
              for line in runner.invoke(app, ["export", "stories", "--db", db]).stdout.splitlines()}
    assert groups == {frozenset({"es-quake-1", "es-quake-2"}), frozenset({"es-cup-1", "es-cup-2"}),
                      frozenset({"es-rates-1", "es-rates-2"})}
