"""OPML folders survive export then import (CLI and web), untitled feeds stay untitled, the web import reports."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient
from typer.testing import CliRunner

from storyline.cli import app
from storyline.ingest import OutlineFeed, read_opml, write_opml
from storyline.store import Store
from storyline.web import create_app
from storyline.web.greader_streams import subscriptions

FOLDERS = """<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="News" title="News">
    <outline text="World">
      <outline type="rss" text="Globe Wire" xmlUrl="https://globe.example/rss"/>
    </outline>
    <outline type="rss" text="City Paper" xmlUrl="https://city.example/feed"/>
  </outline>
  <outline text="Science">
    <outline type="rss" text="https://lab.example/atom" xmlUrl="https://lab.example/atom"/>
  </outline>
  <outline type="rss" text="Loose" xmlUrl="https://loose.example/rss" category="/Hobbies/Boats"/>
  <outline type="rss" text="Not a web feed" xmlUrl="gopher://old.example/feed"/>
</body></opml>"""


def test_folders_are_read_and_written_back() -> None:
    feeds = read_opml(FOLDERS)
    assert [(f.url, f.title, f.category) for f in feeds] == [
        ("https://globe.example/rss", "Globe Wire", "News/World"),
        ("https://city.example/feed", "City Paper", "News"),
        ("https://lab.example/atom", None, "Science"),  # the address is not a title
        ("https://loose.example/rss", "Loose", "Hobbies/Boats"),
        ("gopher://old.example/feed", "Not a web feed", None),
    ]
    written = write_opml(feeds)
    assert read_opml(written) == feeds
    assert written.count('text="News"') == 1  # one folder outline holding both of its feeds
    assert read_opml(write_opml([OutlineFeed("https://x.example/f")])) == [OutlineFeed("https://x.example/f")]


def test_cli_import_then_export_keeps_folders(tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "in.opml"
    source.write_text(FOLDERS, encoding="utf-8")
    db = str(tmp_path / "f.db")
    result = runner.invoke(app, ["--db", db, "feeds", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "imported 4 feeds (4 new) in 4 folders" in " ".join(result.output.split())
    exported = runner.invoke(app, ["--db", db, "feeds", "export"]).output
    assert {(f.url, f.category) for f in read_opml(exported)} == {
        ("https://globe.example/rss", "News/World"), ("https://city.example/feed", "News"),
        ("https://lab.example/atom", "Science"), ("https://loose.example/rss", "Hobbies/Boats")}
    assert runner.invoke(app, ["--db", db, "feeds", "add", "https://new.example/rss", "--category", "Local"]
                         ).exit_code == 0
    store = Store(db)
    assert store.get_feed("https://new.example/rss")["category"] == "Local"  # type: ignore[index]
    store.close()


def test_web_import_says_what_it_did_and_export_keeps_folders(tmp_path: Path) -> None:
    client = TestClient(create_app(str(tmp_path / "w.db")), base_url="http://127.0.0.1:8000",
                        client=("127.0.0.1", 5000))
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/sources").text)
    assert csrf is not None
    response = client.post("/sources/import", data={"csrf": csrf.group(1)},
                           files={"opml": ("mine.opml", FOLDERS.encode(), "text/x-opml")})
    assert response.status_code == 200  # followed the redirect to the Sources page
    notice = re.search(r'<p class="notice" role="status">(.*?)</p>', response.text)
    assert notice is not None
    assert notice.group(1) == ("OPML imported: 4 feeds, 4 new and 0 already subscribed, in 4 folders."
                               " 1 entry without an http(s) address left out.")
    assert "in News/World" in response.text
    again = client.post("/sources/import", data={"csrf": csrf.group(1)},
                        files={"opml": ("mine.opml", FOLDERS.encode(), "text/x-opml")})
    assert "4 feeds, 0 new and 4 already subscribed" in again.text
    exported = client.get("/sources/opml").text
    assert ("https://globe.example/rss", "News/World") in {(f.url, f.category) for f in read_opml(exported)}
    store = Store(str(tmp_path / "w.db"))
    labels = {s.url: s.label for s in subscriptions(store, "local", "http://127.0.0.1:8000")}
    store.close()
    assert labels["https://globe.example/rss"] == "News/World"  # folders are labels for Reader apps
