"""Files compressed with gzip are read as the file inside them, within the size limit."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from storyline.cli import app

BODY = "The ferry between Oban and Mull ran late on {day}, the operator said, after a gale closed the pier."
OTHERS = {
    "Monday": "A lorry had broken down on the car deck and was towed off by a tractor from the farm.",
    "Tuesday": "The council promised a new timetable for the winter months after complaints from islanders.",
    "Friday": "Passengers waited four hours in the terminal for the next sailing to Craignure.",
    "Sunday": "Fishing boats stayed in the harbour and the lifeboat crew was called out twice in the night.",
}


def story(day: str) -> str:
    return f"{BODY.format(day=day)} {OTHERS[day]}"


def ingest(db: Path, *inputs: Path, max_bytes: int | None = None) -> tuple[int, dict[str, Any]]:
    env = {"STORYLINE_MAX_BYTES": str(max_bytes)} if max_bytes else {}
    result = CliRunner(env=env).invoke(app, ["ingest", "--db", str(db), "--no-enrich", "--workers", "1", "--json",
                                             *map(str, inputs)])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_compressed_jsonl_html_and_text_are_read_as_the_files_inside(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    lines = "".join(json.dumps({"id": f"f-{day}", "title": f"Ferry late on {day}", "text": story(day)}) + "\n"
                    for day in ("Monday", "Tuesday"))
    (inputs / "ferries.jsonl.gz").write_bytes(gzip.compress(lines.encode("utf-8")))
    page = f"<html><head><title>Pier closed</title></head><body><article><p>{story('Friday')}</p>" \
           "<p>The operator apologised and offered refunds to everyone booked on the morning crossing.</p>" \
           "</article></body></html>"
    (inputs / "pier.html.gz").write_bytes(gzip.compress(page.encode("utf-8")))
    (inputs / "gale.txt.gz").write_bytes(gzip.compress(story("Sunday").encode("utf-8")))
    code, summary = ingest(tmp_path / "s.db", inputs)
    assert code == 0 and summary["new"] == 4 and not summary["skipped"], summary


def test_a_damaged_or_oversized_gzip_file_fails_alone_with_its_reason(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    lines = "".join(json.dumps({"id": f"f-{n}", "text": BODY.format(day=f"day {n}") + f" Sailing {n}."}) + "\n"
                    for n in range(200))
    whole = gzip.compress(lines.encode("utf-8"))
    (inputs / "a-cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])  # ends inside the stream
    (inputs / "b-not-gzip.jsonl.gz").write_bytes(b"plain text, not gzip\n")
    (inputs / "c-bomb.txt.gz").write_bytes(gzip.compress(b"a" * 5_000_000))  # 5 MB from a few KB
    (inputs / "d-good.jsonl").write_text(json.dumps({"id": "good", "text": story("Sunday")}) + "\n")
    code, summary = ingest(tmp_path / "s.db", inputs, max_bytes=1_000_000)
    reasons = {Path(s["source"]).name: s["reason"] for s in summary["skipped"]}
    assert code == 1
    assert "damaged gzip file" in reasons["a-cut.jsonl.gz"] and 0 < summary["new"] < 201  # the lines before it
    assert "damaged gzip file" in reasons["b-not-gzip.jsonl.gz"]
    assert "too large once decompressed" in reasons["c-bomb.txt.gz"]
    assert set(reasons) == {"a-cut.jsonl.gz", "b-not-gzip.jsonl.gz", "c-bomb.txt.gz"}
