"""JSON Lines: trusted fields, text vs html, and bad lines failing alone."""

from __future__ import annotations

import json
from pathlib import Path

from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, read_inputs

GOOD = {
    "id": "a-1",
    "url": "https://news.example/a-1",
    "title": "Leaders meet",
    "authors": ["Tom Watling", "Archie Mitchell"],
    "published": "2025-08-18",
    "publisher": "The Independent",
    "via": "Aggregator",
    "text": "  Sir Keir Starmer said…\n\nSecond paragraph.  ",
}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_and_bad_lines(tmp_path: Path) -> None:
    html_line = {"id": 7, "html": "<p>Body</p>", "authors": "Millie Cooke"}
    path = write_lines(tmp_path / "batch.jsonl", [
        json.dumps(GOOD),
        '{"id": "broken", "text": "no closing brace"',
        "",
        json.dumps({"id": "nobody", "title": "No body"}),
        json.dumps(html_line),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps({"text": "ok", "authors": [1, 2]}),
    ])
    items = list(read_inputs([str(path)], IngestOptions()))
    assert [item.source for item in items] == [f"{path.absolute()}#L{n}" for n in (1, 2, 4, 5, 6, 7, 8)]

    first = items[0]
    assert isinstance(first, RawDocument)
    assert first.kind == "body" and first.text == GOOD["text"]  # used as it is
    assert first.html is None and first.url == GOOD["url"] and first.collection == str(path.absolute())
    assert first.given == {k: v for k, v in GOOD.items() if k != "text"}

    html_doc = items[3]
    assert isinstance(html_doc, RawDocument)
    assert (html_doc.kind, html_doc.html, html_doc.text) == ("html", "<p>Body</p>", None)
    assert html_doc.given == {"id": "7", "authors": ["Millie Cooke"]}

    failures = [item for item in items if isinstance(item, Failure)]
    assert [f.source.rsplit("#", 1)[1] for f in failures] == ["L2", "L4", "L6", "L7", "L8"]
    assert failures[0].reason.startswith("bad JSON")
    assert failures[1].reason == "no 'text' or 'html' field"
    assert failures[2].reason == "bad JSON line: expected an object"
    assert failures[3].reason == "empty"
    assert "authors" in failures[4].reason


def test_line_over_the_limit_fails_alone(tmp_path: Path) -> None:
    long_line = json.dumps({"id": "long", "text": "x" * 3000})
    path = write_lines(tmp_path / "big.jsonl", [json.dumps({"id": "a", "text": "short"}), long_line,
                                                json.dumps({"id": "b", "text": "after"})])
    items = list(read_inputs([str(path)], IngestOptions(max_bytes=1000)))
    assert [type(item).__name__ for item in items] == ["RawDocument", "Failure", "RawDocument"]
    assert isinstance(items[1], Failure)
    assert items[1].reason == f"too large: {len(long_line) + 1} bytes, limit is 1000 bytes"
    assert isinstance(items[2], RawDocument) and items[2].given["id"] == "b"
