"""Stories and storylines of the bundled example corpus, through the real commands.

The five examples are two developments of one long-running thread: the August articles
(the Alaska summit, the White House talks; none of them carries a date) and the December
articles (the London talks and frozen Russian assets, dated 8 and 12 December 2025).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES, shared_path
from typer.testing import CliRunner

from storyline.cli import app
from storyline.store import Store
from storyline.stories.timeline import period_start

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


# -- the seeds ingested twice, from two folders ----------------------------------------------

LAST_DAY = "2025-12-31"  # the seeds were published in 2025: no later day may appear
_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})")


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The seeds copied into two folders and ingested from each, as a user re-adding an archive."""
    seeds = shared_path("seeds")
    root = tmp_path_factory.mktemp("twice")
    db = str(root / "twice.db")
    runner = CliRunner()
    for name in ("first", "second"):
        shutil.copytree(seeds, root / name)
        result = runner.invoke(app, ["ingest", str(root / name), "--db", db, "--json"])
        assert result.exit_code == 0, result.output
    store = Store(db)
    try:
        stored = [s.to_dict() for s in store.list_stories(limit=100)]
        lines = [line.to_dict() for line in store.list_storylines(limit=100)]
    finally:
        store.close()
    articles = _export(runner, db, "articles")
    return {"names": {a["id"]: Path(a["source"]).name for a in articles}, "articles": articles,
            "stories": _export(runner, db, "stories"), "storylines": _export(runner, db, "storylines"),
            "stored": stored, "stored_lines": lines}


def test_seeds_ingested_twice_list_each_article_once(twice: dict[str, Any]) -> None:
    assert len(twice["articles"]) == 10 and sum(1 for a in twice["articles"] if a["duplicate_of"]) == 5
    listed = [a for s in twice["stories"] for a in s["articles"]]
    assert len(listed) == len(set(listed)) == 5  # each article once, its copy beside it
    assert sorted(twice["names"][a] for a in listed) == sorted(AUGUST | DECEMBER)
    copies = {original: group for s in twice["stories"] for original, group in s["copies"].items()}
    assert sorted(copies) == sorted(listed) and all(len(group) == 1 for group in copies.values())
    for story in twice["stored"]:
        assert story["article_count"] == len(story["articles"])
        assert sum(o["articles"] for o in story["outlets"]) == len(story["articles"])
        assert sum(c["count"] for c in story["coverage"]) <= len(story["articles"])
    [line] = twice["storylines"]
    assert sorted(line["articles"]) == sorted(listed)


def _days(value: Any) -> list[str]:
    return _DAY.findall(json.dumps(value))


def test_no_seed_story_or_storyline_carries_a_day_after_2025(twice: dict[str, Any]) -> None:
    """The August articles carry no date: they take none from the day they were ingested."""
    everything = [*twice["stories"], *twice["storylines"], *twice["stored"], *twice["stored_lines"]]
    days = [day for record in everything for day in _days(record)]
    assert days and max(days) <= LAST_DAY, sorted(set(days))[-5:]
    august = next(s for s in twice["stories"] if {twice["names"][a] for a in s["articles"]} <= AUGUST)
    assert august["dates"] == "undated" and august["first_seen"] is None and august["last_updated"] is None


def test_seed_storyline_runs_in_date_order_august_never_after_december(twice: dict[str, Any]) -> None:
    """The storyline spans the December coverage only: its dated timeline runs in order, and the
    undated August development is never dated after it (its articles give no day to place it)."""
    [line] = twice["storylines"]
    assert (line["first_seen"], line["last_updated"], line["dates"]) == ("2025-12-08", "2025-12-12", "published")
    dated = [entry["date"] for entry in line["timeline"] if entry["date"]]
    starts = [period_start(day) for day in dated]
    assert dated and None not in starts and starts == sorted(starts), dated  # weeks by their Monday
    assert max(d.isoformat() for d in starts if d) <= LAST_DAY
    august = {a for a, name in twice["names"].items() if name in AUGUST}
    for entry in line["timeline"]:
        if set(entry["articles"]) & august:
            assert entry["date"] is None or entry["date"] <= min(dated), entry
