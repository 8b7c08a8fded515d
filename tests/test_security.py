"""Holes closed: API ingest reads no server files, CSRF tokens stay in the browser, and the accounts' limits."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_web_corpus import local_client

from storyline.store import Store

SENTINEL_TEXT = "The sentinel file of the security test says the harbour bridge reopened on Friday morning."
_opened: list[str] = []
_watched: set[str] = set()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _watched and args and str(args[0]) in _watched:
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # records every open() of a watched path in this process


@pytest.fixture
def sentinel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A file the server must never read; ``~`` points at its folder."""
    path = tmp_path / "home" / "sentinel.txt"
    path.parent.mkdir()
    path.write_text(SENTINEL_TEXT, encoding="utf-8")
    monkeypatch.setenv("HOME", str(path.parent))
    _watched.add(str(path))
    _opened.clear()
    yield path
    _watched.discard(str(path))


def _api_csrf(client: TestClient) -> str:
    import re

    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/sources").text)
    assert match
    return match.group(1)


def test_api_ingest_refuses_paths_home_paths_and_file_urls(db_location: str, sentinel: Path) -> None:
    client = local_client(db_location)
    headers = {"X-CSRF-Token": _api_csrf(client)}
    refused = [str(sentinel), "~/sentinel.txt", sentinel.as_uri(), "file:///etc/passwd", "ftp://example.org/x",
               "sentinel.txt", "http://", "http://[::1"]
    for entry in refused:
        as_text = client.post("/api/ingest", content=entry, headers={**headers, "Content-Type": "text/plain"})
        as_json = client.post("/api/ingest", json={"urls": [entry]}, headers=headers)
        as_form = client.post("/api/ingest", data={"url": entry}, files={"nothing": ("x.txt", b"")},
                              headers=headers)
        for response in (as_text, as_json, as_form):
            assert response.status_code == 422, (entry, response.status_code, response.text)
            assert "http(s)" in response.json()["error"]
    assert _opened == []  # the server never opened the file
    store = Store(db_location)
    assert store.count_articles() == 0
    store.close()


def test_api_ingest_takes_uploaded_bodies(db_location: str) -> None:
    client = local_client(db_location)
    headers = {"X-CSRF-Token": _api_csrf(client)}
    record = {"id": "up-1", "title": "Ferry timetable changes", "url": "https://example.org/ferry",
              "text": "The ferry company said on Monday that winter crossings will leave an hour earlier."
                      " Passengers were told by letter.", "published": "2025-11-03"}
    page = ("<html><head><title>Bridge reopens</title></head><body><article><h1>Bridge reopens</h1>"
            "<p>The harbour bridge reopened to traffic on Friday after six weeks of repairs, the city said.</p>"
            "<p>Engineers replaced two bearings and resurfaced the deck, according to the council.</p>"
            "</article></body></html>")
    response = client.post("/api/ingest", headers=headers, files=[
        ("file", ("batch.jsonl", (json.dumps(record) + "\n").encode(), "application/octet-stream")),
        ("file", ("bridge.html", page.encode(), "text/html"))])
    assert response.status_code == 200, response.text
    summary = response.json()["summary"]
    assert summary["new"] == 2, summary
    store = Store(db_location)
    assert store.count_articles() == 2
    store.close()
