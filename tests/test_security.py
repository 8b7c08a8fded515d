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


def test_no_json_answer_hands_out_the_csrf_token(db_location: str) -> None:
    client = local_client(db_location)
    me = client.get("/api/me")
    assert set(me.json()) == {"user", "via"} and "csrf" not in me.text.lower()
    page = client.get("/sources")
    token = _api_csrf(client)
    seed = page.headers.get("set-cookie", "")
    assert "sl_seed=" in seed and "samesite=strict" in seed.lower() and "httponly" in seed.lower()
    for path in ("/index.json", "/sources.json", "/account.json", "/for-you.json", "/api/openapi.json"):
        assert token not in client.get(path).text, path


def test_cross_site_writes_are_refused_even_with_the_token(db_location: str) -> None:
    client = local_client(db_location)
    token = _api_csrf(client)
    form = {"csrf": token, "url": "https://feeds.example/rss"}
    for site in ("cross-site", "same-site"):
        refused = client.post("/sources/add", data=form, headers={"Sec-Fetch-Site": site})
        assert refused.status_code == 403, site
    assert client.post("/api/feeds", json={"url": "https://feeds.example/rss"},
                       headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    ok = client.post("/sources/add", data=form, headers={"Sec-Fetch-Site": "same-origin",
                                                         "Origin": "http://127.0.0.1:8000"}, follow_redirects=False)
    assert ok.status_code == 303
