"""Odd and hostile inputs a newsroom meets, through ``storyline ingest`` and ``export``.

Each input either lands (whole, or without its unreadable part) or is skipped with
its reason in the summary; the rest of the run goes on, the export stays one valid
JSON text per line, and the article's page renders.  Every input here is written by
the test itself.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from storyline.clean.html import parse
from storyline.cli import app
from storyline.nlp import load_nlp
from storyline.store import Store
from storyline.web.app import create_app

fetching = importlib.import_module("storyline.ingest.fetch")  # the package exports a function of that name

BODY = ("Morag Brodie opened harbour crane number {n} in Leith on Monday, the port authority said.\n\n"
        "\u201cIt lifts {n} more containers an hour,\u201d Brodie told dockers at the quay. Token T{n:03d}.")


def record(n: int, **fields: Any) -> dict[str, Any]:
    """A short article of its own (no two alike)."""
    return {"id": f"ok-{n}", "title": f"Harbour crane {n} opens in Leith", "published": "2025-10-02",
            "text": BODY.format(n=n), **fields}


def jsonl(path: Path, records: list[Any], encoding: str = "utf-8") -> Path:
    """Lines of JSON, non-ASCII characters as they are (lone surrogates escaped, as UTF-8 has none)."""
    lines = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)
    lines = lines.encode("utf-8", "backslashreplace").decode("utf-8")
    path.write_bytes(lines.encode(encoding))
    return path


def ingest(db: Path, *inputs: Path | str, enrich: bool = False) -> tuple[int, dict[str, Any]]:
    """``storyline ingest --json`` in this process, by default ``--no-enrich``: (exit code, summary)."""
    result = CliRunner().invoke(app, ["ingest", "--db", str(db), "--enrich" if enrich else "--no-enrich",
                                      "--workers", "1", "--json", *map(str, inputs)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def reasons(summary: dict[str, Any]) -> dict[str, str]:
    """Skipped source (its file name and line) -> reason."""
    return {Path(s["source"]).name: s["reason"] for s in summary["skipped"]}


def stored(db: Path) -> dict[str, Any]:
    """external id (or id) -> article."""
    return {a.external_id or a.id: a for a in Store(str(db)).iter_articles()}


# -- inputs that already land as they should: guarded ------------------------------------------

ODD_LINES: list[tuple[str, dict[str, Any], str | None]] = [
    # (name, fields over a good record, None: stored / a fragment of the skip reason)
    ("title-list", {"title": ["Leith", "crane"]}, "'title' must be a string"),
    ("id-object", {"id": {"newsroom": 7}}, "'id' must be a string"),
    ("text-null", {"text": None}, "no 'text' or 'html' field"),
    ("text-null-html", {"text": None, "html": "<p>" + BODY.format(n=90) + "</p>"}, None),
    ("published-yesterday", {"published": "yesterday"}, None),
    ("published-zeros", {"published": "0000-00-00"}, None),
    ("published-year-99999", {"published": "99999-01-01"}, None),
    ("published-epoch-number", {"published": 1700000000}, "'published' must be a string"),
    ("nul-and-escapes", {"title": "Crane\x00 \x1b[31mred\x1b[0m", "text": "NUL\x00 ESC\x1b " + BODY.format(n=91)}, None),
    ("lone-surrogate", {"title": "Half \ud83d an emoji", "text": "Half \udc00 " + BODY.format(n=92)}, None),
    ("right-to-left", {"title": "\u0627\u0644\u0645\u062c\u0644\u0633 \u064a\u0635\u0648\u062a",
                       "text": "\u0635\u0648\u062a \u0627\u0644\u0645\u062c\u0644\u0633 \u202e\u0628\u0644\u062f\u064a. "
                               + BODY.format(n=93)}, None),
    ("cjk", {"title": "\u4e1c\u4eac\u5e02\u8bae\u4f1a\u901a\u8fc7\u9884\u7b97",
             "text": "\u4e1c\u4eac\u5e02\u8bae\u4f1a\u5468\u4e00\u901a\u8fc7\u4e86\u65b0\u7684\u9884\u7b97\u3002"
                     "\u6771\u4eac\u90fd\u8b70\u4f1a\u306f\u6708\u66dc\u65e5\u306b\u4e88\u7b97\u3092\u53ef\u6c7a\u3002"}, None),
    ("emoji-title", {"title": "\U0001F525\U0001F4F0\U0001F1EC\U0001F1E7", "text": "\U0001F30A" * 40 + BODY.format(n=94)},
     None),
    ("one-huge-word", {"text": "Longword: " + "x" * 200_000}, None),
    ("brackets", {"text": "Nest " + "(" * 20_000 + "core" + ")" * 20_000}, None),
    ("quotation-marks", {"text": "Marks " + '"' * 3001 + " said Brodie " + "\u201c" * 2001 + " end."}, None),
    ("huge-title", {"title": "T" * 100_000}, None),
]


@pytest.mark.parametrize("name,fields,skipped", ODD_LINES, ids=[case[0] for case in ODD_LINES])
def test_an_odd_line_lands_or_is_skipped_with_its_reason(
    name: str, fields: dict[str, Any], skipped: str | None, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    odd = record(50, **{"id": name, **fields})
    source = jsonl(tmp_path / "odd.jsonl", [record(1), odd, record(2)])
    code, summary = ingest(db, source)
    articles = stored(db)
    assert {"ok-1", "ok-2"} <= set(articles)
    if skipped is not None:
        assert code == 1 and reasons(summary) == {"odd.jsonl#L2": reasons(summary)["odd.jsonl#L2"]}
        assert skipped in reasons(summary)["odd.jsonl#L2"]
        assert len(articles) == 2
        return
    assert code == 0 and summary["new"] == 3 and not summary["skipped"], summary
    article = articles[name]
    if name.startswith("published-"):
        assert article.published is None
        # stored without the date, and the summary says so (the good lines carry no note)
        assert [(Path(n["source"]).name, n["article_id"]) for n in summary["notes"]] == [("odd.jsonl#L2", article.id)]
        assert "is no date: stored undated" in summary["notes"][0]["notes"][0]
    else:
        assert summary["notes"] == []
    for text in (article.title or "", article.body):
        assert "\x00" not in text and "\x1b" not in text and not any("\ud800" <= c <= "\udfff" for c in text)
    client = TestClient(create_app(str(db)), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    page = client.get(f"/articles/{article.id}")
    assert page.status_code == 200
    assert client.get(f"/articles/{article.id}.json").json()["article"]["id"] == article.id


@pytest.mark.parametrize("name,content,reason", [
    ("laughs.xml", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
                   '<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><title>&c;</title>'
                   '<item><title>x</title><description>&c;</description></item></channel></rss>',
     "entity expansion"),
    ("xxe.xml", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY leak SYSTEM "file:///etc/hostname">]>'
                '<rss version="2.0"><channel><title>T</title><item><title>Leak</title>'
                '<description>&leak; text</description></item></channel></rss>',
     "XXE"),
    ("page.html.gz", gzip.compress(b"<html><body><p>" + " ".join(str(n * 7919 % 10007) for n in range(500)).encode()
                                   + b"</p></body></html>")[:80],
     "damaged gzip file"),  # cut inside its compressed stream (a whole one is read as the page inside)
    ("scripts.html", "<html><body><script>" + "document.write('x');" * 200 + "</script></body></html>",
     "no article text"),
])
def test_a_hostile_or_broken_file_is_refused_with_its_reason(
    name: str, content: str | bytes, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    good = jsonl(tmp_path / "good.jsonl", [record(3)])
    code, summary = ingest(tmp_path / "s.db", path, good)
    assert code == 1 and summary["new"] == 1
    assert reason in reasons(summary)[name]
    assert "/etc/hostname" not in json.dumps([a.body for a in stored(tmp_path / "s.db").values()])


# -- what broke, and its rule ----------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_jsonl_file_in_utf16_or_utf32_stores_every_line(encoding: str, tmp_path: Path) -> None:
    """Split as bytes, a wide encoding's line feeds fall inside characters: lines were lost."""
    db = tmp_path / "s.db"
    records = [record(n, title=f"Caf\u00e9 {n} in Leith \u2014 \u201cnews\u201d") for n in range(3)]
    code, summary = ingest(db, jsonl(tmp_path / "wide.jsonl", records, encoding))
    assert code == 0 and not summary["skipped"], summary
    articles = stored(db)
    assert set(articles) == {"ok-0", "ok-1", "ok-2"}
    assert articles["ok-2"].title == "Caf\u00e9 2 in Leith \u2014 \u201cnews\u201d"


def test_an_export_record_stays_one_line_whatever_its_text(tmp_path: Path) -> None:
    """NEL (U+0085) and the Unicode line and paragraph separators are valid raw in JSON but
    end a line for Python's splitlines and older JavaScript: they are written escaped."""
    db = tmp_path / "s.db"
    odd = record(4, text="Next line\x85here, line\u2028separator, paragraph\u2029separator. " + BODY.format(n=4))
    ingest(db, jsonl(tmp_path / "in.jsonl", [odd, record(5)]))
    result = CliRunner().invoke(app, ["export", "articles", "--db", str(db)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    bodies = {json.loads(line)["external_id"]: json.loads(line)["body"] for line in lines}
    assert "\x85" in bodies["ok-4"] and "\u2028" in bodies["ok-4"] and "\u2029" in bodies["ok-4"]


def test_nothing_in_a_folder_vanishes_without_a_reason(tmp_path: Path) -> None:
    """An empty JSONL file, a file that is no web archive, an empty one, a broken link and a pipe
    (never opened: reading it would wait for ever) are each one skipped item with its reason."""
    folder = tmp_path / "in"
    folder.mkdir()
    jsonl(folder / "good.jsonl", [record(6)])
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "blank.jsonl").write_bytes(b"\n  \n\r\n")
    (folder / "notes.warc").write_bytes(b"Just some notes about the Leith crane, not an archive.\n" * 5)
    (folder / "nothing.warc").write_bytes(b"")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(folder / "pipe.jsonl")
    code, summary = ingest(tmp_path / "s.db", folder)
    assert code == 1 and summary["new"] == 1
    why = reasons(summary)
    assert set(why) == {"empty.jsonl", "blank.jsonl", "notes.warc", "nothing.warc", "gone.txt", "pipe.jsonl"}, why
    assert why["empty.jsonl"].startswith("empty") and why["blank.jsonl"].startswith("empty")
    assert why["nothing.warc"] == "empty"
    assert "not a web archive" in why["notes.warc"]
    assert why["gone.txt"] == "a broken symbolic link"
    assert why["pipe.jsonl"].startswith("not a regular file")


def _deep_page(depth: int, *, closed: bool = True) -> str:
    lead = "Morag Brodie opened the harbour crane in Leith on Monday, the port authority said to reporters."
    after = "After the nest, the council said on Tuesday that the quay would open to the public in May."
    nest = "<div><section><span>" * depth + f"<p>{lead}</p>"
    if closed:
        nest += "</span></section></div>" * depth
    return f"<html><head><title>Crane opens</title></head><body>{nest}<p>{after}</p></body></html>"


@pytest.mark.parametrize("depth,closed", [(60, True), (100, True), (3000, True), (3000, False)],
                         ids=["180-levels", "300-levels", "9000-levels", "9000-unclosed"])
def test_a_deeply_nested_page_keeps_its_text(depth: int, closed: bool, tmp_path: Path) -> None:
    """The HTML parser stops at 256 levels and drops the rest of the page: the text was lost,
    the page skipped as having none."""
    page = tmp_path / "deep.html"
    page.write_text(_deep_page(depth, closed=closed))
    code, summary = ingest(tmp_path / "s.db", page)
    assert code == 0 and summary["new"] == 1, summary
    (article,) = stored(tmp_path / "s.db").values()
    assert "harbour crane in Leith" in article.body and "After the nest" in article.body


def test_a_page_whose_charset_declaration_lies_is_read_as_what_it_is(tmp_path: Path) -> None:
    """UTF-8 bytes under ``<meta charset=windows-1251>`` were read as Cyrillic mojibake; Latin-1
    bytes under ``<meta charset=utf-8>`` already read right."""
    text = ("<p>Morag Brodie opened the caf\u00e9 in Leith on Monday, the port authority said. \u201cIt is a fine "
            "day,\u201d she said of the fa\u00e7ade.</p><p>The d\u00e9cor drew a crowd to the quay all afternoon.</p>")
    page = "<html><head><meta charset=\"{}\"><title>Caf\u00e9 na\u00efve</title></head><body><article>{}</article></body></html>"
    (tmp_path / "utf8.html").write_bytes(page.format("windows-1251", text).encode("utf-8"))
    latin = text.replace("\u201c", '"').replace("\u201d", '"')
    (tmp_path / "latin.html").write_bytes(page.format("utf-8", latin).encode("latin-1"))
    for name in ("utf8.html", "latin.html"):
        code, summary = ingest(tmp_path / f"{name}.db", tmp_path / name)
        assert code == 0 and summary["new"] == 1, summary
        (article,) = stored(tmp_path / f"{name}.db").values()
        assert article.title == "Caf\u00e9 na\u00efve"
        assert "caf\u00e9 in Leith" in article.body and "fa\u00e7ade" in article.body, name


def test_a_feed_whose_pages_live_on_a_dead_host_asks_that_host_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries without content are replaced by their pages; when the pages' host cannot be
    reached, 10,000 entries made 10,000 attempts (over 300 s here, hours with real timeouts)."""
    lookups: list[str] = []

    def unresolvable(name: str, port: int) -> list[Any]:
        lookups.append(name)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(fetching, "_getaddrinfo", unresolvable)
    items = "".join(f"<item><title>Ferry strike day {n}</title><link>https://pages.example/ferry-{n}</link>"
                    f"<guid>ferry-{n}</guid><description></description></item>" for n in range(40))
    feed = tmp_path / "ferries.rss"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ferries</title>{items}</channel></rss>')
    code, summary = ingest(tmp_path / "s.db", feed)
    assert lookups == ["pages.example"]  # one lookup for 40 pages on that host
    assert code == 0 and summary["new"] == 40  # each entry kept from the feed, marked summary-only


def test_one_hopeless_article_costs_its_own_time_budget_not_its_batchs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of articles was given the annotators' budget once per article before each got
    its own: one article the annotators cannot finish cost its batch's worth of budgets (eight
    here; 32 of 60 s with the defaults) and then its own."""
    monkeypatch.setenv("STORYLINE_ENRICH_TIMEOUT", "1")
    load_nlp()  # loaded outside the time measured, as the pipeline loads it outside the budget
    nest = {"id": "nest", "text": "Nest " + "(" * 100_000 + "core" + ")" * 100_000}
    source = jsonl(tmp_path / "in.jsonl", [record(n) for n in range(7)] + [nest])
    started = time.monotonic()
    code, summary = ingest(tmp_path / "s.db", source, enrich=True)
    elapsed = time.monotonic() - started
    assert code == 1 and summary["new"] == 8 and not summary["skipped"], summary
    nest_id = stored(tmp_path / "s.db")["nest"].id
    assert [(i["article_id"], i["reason"].split(":")[1].strip()) for i in summary["incomplete"]] == [
        (nest_id, "OverBudget")]
    assert elapsed < 6, elapsed  # the batch's budget (1 s), the article's own (1 s) and the work


def test_a_page_the_parser_reads_whole_is_not_flattened() -> None:
    """Four hundred table rows left open count as deep nesting to a rough count, not to the parser."""
    page = "<html><body><table>" + "".join(f"<tr><td>cell {n}" for n in range(400)) + "</table><p>end</p></body></html>"
    tree = parse(page)
    assert len(tree.findall(".//td")) == 400 and tree.findtext(".//p") == "end"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_given_field_that_cannot_be_read_is_named_in_the_summary(tmp_path: Path, workers: str) -> None:
    """Stored without the field, the summary says which and what stood in for it, in JSON and in words,
    however many worker processes cleaned it; such a note alone is no failure (exit 0)."""
    page = ("<html><head><meta property='article:published_time' content='2025-10-03'></head><body><article>"
            "<h1>Crane opens</h1><p>" + BODY.format(n=61).replace("\n\n", "</p><p>") + "</p></article></body></html>")
    source = jsonl(tmp_path / "odd.jsonl", [
        record(1),
        record(2, id="html-dated", text=None, html=page, published="last week"),
        record(3, id="bad-image", image="javascript:alert(1)"),
    ])
    args = ["ingest", "--db", str(tmp_path / "s.db"), "--no-enrich", "--workers", workers, str(source)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    notes = {Path(n["source"]).name: n["notes"] for n in json.loads(result.stdout)["notes"]}
    assert notes == {
        "odd.jsonl#L2": ["given date 'last week' is no date: the date found in the input is used"],
        "odd.jsonl#L3": ["given image 'javascript:alert(1)' is no http(s) address: left out"],
    }
    articles = stored(tmp_path / "s.db")
    assert articles["html-dated"].published == "2025-10-03" and articles["bad-image"].image is None
    words = CliRunner().invoke(app, ["ingest", "--db", str(tmp_path / "t.db"), "--no-enrich", "--workers", workers,
                                     str(source)])
    assert words.exit_code == 0
    assert "note" in words.output and "'last week' is no date" in words.output
