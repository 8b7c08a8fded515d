"""Stories and storylines of the bundled example corpus, through the real commands.

The five examples are two developments of one long-running thread: the August articles
(the Alaska summit, the White House talks; none of them carries a date) and the December
articles (the London talks and frozen Russian assets, dated 8 and 12 December 2025).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES
from typer.testing import CliRunner

from storyline.cli import app

AUGUST = {"002_225c89ca27db0062.txt", "003_325b66f23103642b.txt", "004_7a7d81bd043e34d3.txt"}
DECEMBER = {"000_1c24f8d3673ac04f.txt", "001_357940a6be19e5bb.txt"}


def _export(runner: CliRunner, db: str, what: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["export", what, "--db", db, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def corpus(module_db_location: str) -> dict[str, Any]:
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", module_db_location, "--json"])
    assert result.exit_code == 0, result.output
    exported = _export(runner, module_db_location, "articles")
    articles = {a["id"]: Path(a["source"]).name for a in exported}
    return {
        "exported": exported,
        "names": articles,
        "stories": _export(runner, module_db_location, "stories"),
        "storylines": _export(runner, module_db_location, "storylines"),
    }


def test_august_and_december_are_two_stories(corpus: dict[str, Any]) -> None:
    groups = sorted((sorted(corpus["names"][a] for a in s["articles"]) for s in corpus["stories"]), key=len)
    assert groups == [sorted(DECEMBER), sorted(AUGUST)]


def test_both_stories_belong_to_one_storyline(corpus: dict[str, Any]) -> None:
    assert len(corpus["storylines"]) == 1
    line = corpus["storylines"][0]
    assert sorted(line["stories"]) == sorted(s["id"] for s in corpus["stories"])
    assert {s["storyline"]["id"] for s in corpus["stories"]} == {line["id"]}
    assert sorted(line["articles"]) == sorted(corpus["names"])


def test_undated_story_keeps_its_timeline_undated(corpus: dict[str, Any]) -> None:
    august = next(s for s in corpus["stories"] if {corpus["names"][a] for a in s["articles"]} == AUGUST)
    december = next(s for s in corpus["stories"] if s is not august)
    # no article of the August story is dated, so nothing in its timeline may carry a date
    # resolved against an invented publication day
    assert august["timeline"] and all(entry["date"] is None for entry in august["timeline"])
    assert {e["date"] for e in december["timeline"] if e["date"]} >= {"2025-12-08"}
    for entry in august["timeline"] + december["timeline"]:
        assert entry["articles"] and entry["evidence"]


def test_a_quote_speaker_is_an_exported_entity_of_its_article(corpus: dict[str, Any]) -> None:
    speakers = 0
    for article in corpus["exported"]:
        ids = {entity["id"] for entity in article["entities"]}
        for quote in article["quotes"]:
            speaker = quote["speaker"]
            if speaker and speaker["id"] is not None:  # groups ("European leaders") have no entity
                assert speaker["id"] in ids, (article["id"], speaker)
                speakers += 1
    assert speakers >= 50
