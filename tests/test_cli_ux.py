"""The command line as a new user meets it: help, global --db, --version, search, plain errors, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyline import __version__
from storyline.cli import app
from storyline.ingest.count import count_items
from storyline.store import Store
from storyline.store.location import LocationError, check_location

runner = CliRunner()

ARTICLES = [
    {"title": "Harbour bridge reopens after repairs", "url": "https://news.example/a1", "publisher": "Coast Daily",
     "published": "2024-03-02T09:00:00Z",
     "text": "The harbour bridge reopened on Saturday after three months of repairs. Mayor Ilse Varga said: "
             "\"The bridge is safer than ever.\" Traffic returned to normal by noon."},
    {"title": "Harbour bridge traffic back to normal", "url": "https://news.example/a2", "publisher": "Bay Times",
     "published": "2024-03-03T10:00:00Z",
     "text": "Traffic over the harbour bridge was back to normal on Sunday, a day after it reopened. "
             "Mayor Ilse Varga thanked the engineers who worked through the winter."},
    {"title": "School term starts late", "url": "https://news.example/a3", "publisher": "Coast Daily",
     "published": "2024-04-10T08:00:00Z",
     "text": "The school term starts a week late because of flooding in two buildings, the council said."},
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("cli")
    source = folder / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    location = str(folder / "news.db")
    result = runner.invoke(app, ["--db", location, "ingest", str(source), "--json"])
    assert result.exit_code == 0, result.output
    return location


def test_help_reads_plainly_with_examples() -> None:
    for args in (["--help"], ["ingest", "--help"], ["search", "--help"], ["feeds", "add", "--help"]):
        text = runner.invoke(app, args).output
        assert "<bool>" not in text and "<list[" not in text and "<str>" not in text and "{inputs}" not in text
        assert "thin wrappers" not in text
        assert "Examples" in text, args
    assert "INPUTS..." in runner.invoke(app, ["ingest", "--help"]).output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"storyline {__version__}"


def test_db_before_or_after_the_command(db: str) -> None:
    before = runner.invoke(app, ["--db", db, "articles", "--json"])
    after = runner.invoke(app, ["articles", "--db", db, "--json"])
    assert before.exit_code == after.exit_code == 0
    assert json.loads(before.output) == json.loads(after.output)
    assert len(json.loads(before.output)) == 3


def test_a_missing_folder_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.db"
    result = runner.invoke(app, ["--db", str(target), "articles"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "nonexistent").exists()


def test_unsupported_database_names_the_extra_in_full(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", "mysql://user@localhost/news", "articles"])
    assert result.exit_code == 2
    assert "pip install 'storyline[postgres]'" in " ".join(result.output.split())


def test_errors_are_json_under_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", "mysql://user@localhost/news", "articles", "--json"])
    assert result.exit_code == 2
    assert "storyline[postgres]" in json.loads(result.output)["error"]
    missing = runner.invoke(app, ["--db", str(tmp_path / "x.db"), "story", "nope", "--json"])
    assert missing.exit_code == 1 and json.loads(missing.output) == {
        "error": "no story 'nope' (storyline stories lists them)"}


def test_unreachable_postgres_is_one_plain_line() -> None:
    pytest.importorskip("psycopg")
    result = runner.invoke(app, ["--db", "postgresql://u:secret@127.0.0.1:1/x", "articles", "--json"])
    message = json.loads(result.output)["error"]
    assert result.exit_code == 2
    assert "sqlalche.me" not in message and "Background" not in message and "\n" not in message
    assert "secret" not in message and "Connection refused" in message


def test_location_checks_create_nothing(tmp_path: Path) -> None:
    with pytest.raises(LocationError):
        check_location(str(tmp_path))  # a folder, not a file
    with pytest.raises(LocationError):
        check_location(str(tmp_path / "a" / "b.db"))
    check_location(str(tmp_path / "a" / "b.db"), create_parent=True)
    check_location(str(tmp_path / "b.db"))
    assert list(tmp_path.iterdir()) == []


def test_feeds_add_refuses_what_is_not_a_feed_address(tmp_path: Path) -> None:
    location = str(tmp_path / "f.db")
    for bad in ("not-a-url", "ftp://example.org/feed", "https://", "http://exa mple.org/"):
        result = runner.invoke(app, ["--db", location, "feeds", "add", bad])
        assert result.exit_code == 2, bad
        assert "not a feed address" in result.output
    assert runner.invoke(app, ["--db", location, "feeds", "add", "https://example.org/rss.xml"]).exit_code == 0
    assert [f["url"] for f in Store(location).list_feeds()] == ["https://example.org/rss.xml"]


def test_search_with_filters_and_json(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "search", "harbour bridge", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    titles = {a["title"] for g in data["groups"] for a in g["articles"]}
    assert titles == {"Harbour bridge reopens after repairs", "Harbour bridge traffic back to normal"}
    assert data["total"] == 2
    dated = json.loads(runner.invoke(app, ["--db", db, "search", "harbour", "--from", "2024-03-03", "--json"]).output)
    assert [a["title"] for g in dated["groups"] for a in g["articles"]] == ["Harbour bridge traffic back to normal"]
    outlet = json.loads(runner.invoke(app, ["--db", db, "search", "--outlet", "coast daily", "--json"]).output)
    assert outlet["total"] == 2
    paged = json.loads(runner.invoke(app, ["--db", db, "search", "--outlet", "Coast Daily", "--limit", "1",
                                           "--json"]).output)
    assert paged["total"] == 2 and sum(len(g["articles"]) for g in paged["groups"]) == 1
    text = runner.invoke(app, ["--db", db, "search", "--outlet", "Coast Daily", "--limit", "1"]).output
    assert "1-1 of 2" in text and "--offset 1" in text


def test_search_refuses_a_bad_date(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "search", "bridge", "--from", "2010-13-45"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_articles_json_carries_what_enrichment_found(db: str) -> None:
    rows = json.loads(runner.invoke(app, ["--db", db, "articles", "--json"]).output)
    reopened = next(r for r in rows if r["title"] == "Harbour bridge reopens after repairs")
    assert any(e["name"] == "Ilse Varga" for e in reopened["entities"])
    assert any("safer than ever" in q["text"] for q in reopened["quotes"])


def test_stories_and_story_agree_on_the_storyline_field(db: str) -> None:
    listed = json.loads(runner.invoke(app, ["--db", db, "stories", "--json"]).output)
    assert listed
    for story in listed:
        one = json.loads(runner.invoke(app, ["--db", db, "story", story["id"], "--json"]).output)
        assert one["storyline"] == story["storyline"]
        assert set(one) == set(story)


def test_progress_total_is_known_for_files_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    (tmp_path / "b.txt").write_text("words", encoding="utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_text('{"text": "one"}\n\n{"text": "two"}\n', encoding="utf-8")
    assert count_items([str(tmp_path)]) == 4
    assert count_items([str(lines), str(tmp_path / "missing.html")]) == 3
    assert count_items(["https://example.org/feed"]) is None
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', encoding="utf-8")
    assert count_items([str(feed)]) is None


def test_an_export_in_an_unknown_format_is_refused_before_any_store_is_made(tmp_path: Path) -> None:
    for what in ("articles", "stories", "storylines"):
        db = tmp_path / f"{what}.db"
        result = CliRunner().invoke(app, ["export", what, "--format", "csv", "--db", str(db)])
        assert result.exit_code == 2 and "unknown format 'csv'" in result.output, result.output
        assert not db.exists()
