"""The whole ingest pipeline on the bundled example corpus, against the seed gold file.

Runs the real command (`storyline ingest` then `storyline export articles`),
so it checks what a user gets: cleaning, metadata, entities, quotes with
speakers and events.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES, shared_path
from typer.testing import CliRunner

from storyline.cli import app


@pytest.fixture(scope="module")
def gold() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shared_path("gold", "seeds.dev.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def exported(module_db_location: str) -> dict[str, dict[str, Any]]:
    db = module_db_location
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["new"] == 5 and summary["skipped"] == []
    result = runner.invoke(app, ["export", "articles", "--db", db, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {Path(r["source"]).name: r for r in records}


def _doc(exported: dict[str, dict[str, Any]], prefix: str) -> dict[str, Any]:
    return next(r for name, r in exported.items() if name.startswith(prefix))


def test_every_example_is_clean(gold: dict[str, Any], exported: dict[str, dict[str, Any]]) -> None:
    assert len(exported) == 5
    for name, record in exported.items():
        for boilerplate in gold["boilerplate_must_not_appear"]:
            assert boilerplate not in record["body"], f"{boilerplate!r} left in {name}"
        assert "\n\n\n" not in record["body"]


def test_gold_metadata_and_body_boundaries(gold: dict[str, Any], exported: dict[str, dict[str, Any]]) -> None:
    for name, expected in gold["docs"].items():
        record = exported[name]
        assert record["publisher"] == expected["publisher"], name
        assert record["title"] == expected["title"], name
        assert record["authors"] == expected["authors"], name
        assert record["published"] == expected["published"], name
        assert record["body"].startswith(expected["body_first"]), name
        # The gold's last words leave out a closing quotation mark that ends the
        # article (003 ends with `diplomacy.”`); the mark is article text and stays.
        assert record["body"].rstrip("”’\"'").endswith(expected["body_last"]), name
        assert len(record["body"]) - len(record["body"].rstrip("”’\"'")) <= 1, name


def test_gold_people_are_found(gold: dict[str, Any], exported: dict[str, dict[str, Any]]) -> None:
    for name, expected in gold["docs"].items():
        people = {e["name"] for e in exported[name]["entities"] if e["type"] == "PERSON"}
        missing = set(expected["people"]) - people
        assert not missing, f"{name}: people not found: {missing}"


def test_gold_aliases_merge(gold: dict[str, Any], exported: dict[str, dict[str, Any]]) -> None:
    record = _doc(exported, "000")
    for group in gold["aliases_must_merge"]:
        wanted = {alias.casefold() for alias in group}
        holders = [e for e in record["entities"] if wanted & {a.casefold() for a in e["aliases"]}]
        assert len(holders) == 1, f"{group} spread over {[h['name'] for h in holders]}"
        seen = {a.casefold() for a in holders[0]["aliases"]} | {holders[0]["name"].casefold()}
        assert wanted <= seen, f"{group}: {holders[0]['aliases']}"


def test_gold_quotes_have_their_speakers(gold: dict[str, Any], exported: dict[str, dict[str, Any]]) -> None:
    wrong = []
    for expected in gold["quotes"]:
        record = _doc(exported, expected["doc"])
        body = record["body"]
        holding = [q for q in record["quotes"] if expected["text"] in body[q["start"] : q["end"]]]
        speakers = {q["speaker"]["name"] if q["speaker"] else None for q in holding}
        if expected["speaker"] not in speakers:
            wrong.append((expected["text"], expected["speaker"], speakers))
    assert not wrong, wrong


def test_gold_events(gold: dict[str, Any], exported: dict[str, dict[str, Any]]) -> None:
    for name, expected in gold["docs"].items():
        events = exported[name]["events"]
        for event in expected["events"]:
            found = [
                e for e in events
                if e["date"] == event["date"] and set(event["participants"]) <= set(e["participants"])
            ]
            assert found, f"{name}: no event like {event['what']!r} in {[e['what'] for e in events]}"
            assert any(e["place"] == event["where"] for e in found)


def test_undated_articles_stay_undated_and_keep_relative_times_unresolved(
    exported: dict[str, dict[str, Any]],
) -> None:
    record = _doc(exported, "003")
    assert record["published"] is None
    weekdays = [t for t in record["times"] if t["text"].lower().endswith("day") and "wednes" in t["text"].lower()]
    assert weekdays and all(t["value"] is None or not t["value"][:1].isdigit() for t in weekdays)
    assert all(e["date"] is None for e in record["events"])


def test_offsets_index_the_body(exported: dict[str, dict[str, Any]]) -> None:
    for record in exported.values():
        body = record["body"]
        for quote in record["quotes"]:
            assert body[quote["start"] : quote["end"]] == quote["text"]
        for time in record["times"]:
            assert body[time["start"] : time["end"]] == time["text"]
        for entity in record["entities"]:
            for start, end in entity["mentions"]:
                assert 0 <= start < end <= len(body)
        for event in record["events"]:
            start, end = event["evidence"]
            assert 0 <= start < end <= len(body)
