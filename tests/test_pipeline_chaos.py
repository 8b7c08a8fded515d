"""Chaos: no single article stops a run.

A stage made to raise for chosen items, at each position (decode, clean, enrich, dedup,
write, grouping): the other items land, the reasons are in the summary (``--json``), the
run exits 1.  A hostile JSONL batch (lone surrogates, NUL, a 2 MB word, 50,000 nested
brackets, bidirectional controls, quotation marks by the thousand, wrong types, impossible
dates): every good line is stored, and no traceback.  All through the real CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from storyline.article import Article, RawDocument
from storyline.cli import app
from storyline.enrich import time as time_package
from storyline.pipeline import Pipeline, runner, stages
from storyline.store import Store
from storyline.stories import update

PEOPLE = ["Amira Haddad", "Tomasz Wrona", "Lucia Ferreira", "Kwame Mensah", "Ingrid Solberg", "Ravi Menon"]
PLACES = ["Lisbon", "Gdansk", "Accra", "Bergen", "Pune", "Tunis"]


def brief(n: int) -> dict[str, Any]:
    """A short article of its own (no two alike, so none is a duplicate of another)."""
    person, place = PEOPLE[n % len(PEOPLE)], PLACES[(n * 5 + 1) % len(PLACES)]
    text = (f"{person} opened a new harbour crane number {n} in {place} on Monday, the port authority said.\n\n"
            f"“This crane lifts {n + 3} containers an hour more than the old one,” {person.split()[-1]} told "
            f"workers at the quay. Marker M{n:02d}. The contract was signed in March after {n + 2} years of talks.")
    return {"id": f"crane-{n}", "title": f"{person} opens crane {n} in {place}", "published": f"2025-11-{n + 3:02d}",
            "text": text}


def write_jsonl(path: Path, records: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
    return path


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    """``storyline ingest --json ...`` in this process; (exit code, summary, stderr)."""
    result = CliRunner().invoke(app, [*args, "--json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


def stored_ids(db: str) -> set[str]:
    return {article.external_id or article.id for article in Store(db).iter_articles()}


def marked(n: int) -> Callable[[str], bool]:
    return lambda text: f"Marker M{n:02d}." in text


CHOSEN = (1, 4)


def _chosen(text: str) -> bool:
    return any(marked(n)(text) for n in CHOSEN)


def fail_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    real = stages.sanitize_document

    def decode(doc: RawDocument) -> RawDocument:
        if _chosen(doc.text or ""):
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        return real(doc)

    monkeypatch.setattr(stages, "sanitize_document", decode)


def fail_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    real = stages.clean

    def clean(doc: RawDocument, model: Any = None) -> Article:
        if _chosen(doc.text or ""):
            raise MemoryError("no room for this one")
        return real(doc, model)

    monkeypatch.setattr(stages, "clean", clean)


def fail_dedup(monkeypatch: pytest.MonkeyPatch) -> None:
    real = runner.find_duplicate

    def find_duplicate(store: Store, conn: Any, article_id: str, body: str, *args: Any) -> Any:
        if _chosen(body):
            raise ValueError("a band out of range")
        return real(store, conn, article_id, body, *args)

    monkeypatch.setattr(runner, "find_duplicate", find_duplicate)


def fail_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Store.save_bands

    def save_bands(self: Store, conn: Any, article_id: str, buckets: list[str]) -> None:
        body = conn.execute(text("SELECT body FROM articles WHERE id = :id"), {"id": article_id}).scalar()
        if _chosen(body or ""):
            raise OverflowError("bucket too big")  # after the article row was written: it must roll back
        real(self, conn, article_id, buckets)

    monkeypatch.setattr(Store, "save_bands", save_bands)


@pytest.mark.parametrize(("position", "inject", "reason"), [
    ("decode", fail_decode, "decode failed: UnicodeDecodeError"),
    ("clean", fail_clean, "clean failed: MemoryError: no room for this one"),
    ("dedup", fail_dedup, "dedup failed: ValueError: a band out of range"),
    ("write", fail_write, "write failed: OverflowError: bucket too big"),
])
def test_a_stage_failing_for_chosen_items_leaves_the_others_stored(
    position: str, inject: Callable[[pytest.MonkeyPatch], None], reason: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(7)])
    db = str(tmp_path / "s.db")
    inject(monkeypatch)
    code, summary, _ = run("ingest", "--no-enrich", "--db", db, str(source))
    assert code == 1
    assert summary["new"] == 5
    assert sorted(s["source"] for s in summary["skipped"]) == [f"{source}#L2", f"{source}#L5"]
    assert all(s["reason"].startswith(reason) for s in summary["skipped"]), summary["skipped"]
    assert stored_ids(db) == {f"crane-{n}" for n in range(7) if n not in CHOSEN}
    monkeypatch.undo()  # fixed: the same command stores what was skipped, and only that
    code, again, _ = run("ingest", "--no-enrich", "--db", db, str(source))
    assert (code, again["new"], again["unchanged"]) == (0, 2, 5)


def test_an_annotator_recursing_forever_leaves_the_article_stored_for_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enrichment on.  The articles it fails on are stored without annotations, marked, reported;
    the others are annotated and grouped; `storyline enrich` catches the marked ones up later."""
    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(6)])
    db = str(tmp_path / "s.db")
    real = time_package.find_times

    def deep(depth: int) -> int:
        return deep(depth + 1) + 1

    def find_times(text: str, *args: Any) -> Any:
        if _chosen(text):
            deep(0)  # a real RecursionError, as _verb_direction raised on long tokenised texts
        return real(text, *args)

    monkeypatch.setattr(time_package, "find_times", find_times)  # what the times component calls
    code, summary, _ = run("ingest", "--db", db, str(source))
    assert code == 1 and summary["new"] == 6 and not summary["skipped"] and not summary["errors"]
    assert sorted(i["source"] for i in summary["incomplete"]) == [f"{source}#L2", f"{source}#L5"]
    assert all(i["reason"].startswith("enrich failed: RecursionError") for i in summary["incomplete"])
    assert summary["awaiting_enrichment"] == 2
    store = Store(db)
    good = store.get_article("crane-0")
    assert good is not None and good.entities and store.story_of_article(good.id)
    failed = store.get_article("crane-1")
    assert failed is not None and not failed.entities and not failed.quotes
    assert store.enrich_error(failed.id) == (summary["incomplete"][0]["reason"], 1)

    monkeypatch.undo()
    code, caught_up, _ = run("enrich", "--db", db)
    assert code == 0 and caught_up["enriched"] == 2 and caught_up["awaiting_enrichment"] == 0
    failed = store.get_article("crane-1")
    assert failed is not None and failed.entities and store.story_of_article(failed.id)
    assert store.enrich_error(failed.id) == (None, 0)


def test_grouping_failing_for_an_article_keeps_the_articles_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "cranes.jsonl", [brief(n) for n in range(5)])
    db = str(tmp_path / "s.db")
    real = update.story_doc_from_article

    def story_doc(article: Article, *args: Any) -> Any:
        if _chosen(article.body):
            raise KeyError("no lemma for this one")
        return real(article, *args)

    monkeypatch.setattr(update, "story_doc_from_article", story_doc)
    code, summary, _ = run("ingest", "--db", db, str(source))
    assert code == 1 and summary["new"] == 5 and not summary["skipped"] and not summary["incomplete"]
    failing = sorted(f"crane-{n}" for n in range(5) if _chosen(brief(n)["text"]))
    assert failing and len(summary["errors"]) == len(failing)
    assert all("grouping skipped" in error and "KeyError" in error for error in summary["errors"])
    assert stored_ids(db) == {f"crane-{n}" for n in range(5)}
    store = Store(db)
    grouped = {n for n in range(5) if store.story_of_article(store.get_article(f"crane-{n}").id)}  # type: ignore[union-attr]
    assert grouped == {n for n in range(5) if f"crane-{n}" not in failing}  # the others were grouped
    monkeypatch.undo()
    result = CliRunner().invoke(app, ["cluster", "--db", db, "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["articles"] == len(failing)


def test_an_interrupt_still_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KeyboardInterrupt is the user's, not an item's: the runner lets it through."""
    store = Store(str(tmp_path / "s.db"))

    def interrupted(doc: RawDocument, model: Any = None) -> Article:
        raise KeyboardInterrupt

    monkeypatch.setattr(stages, "clean", interrupted)
    documents = [RawDocument(source=f"test:{n}", kind="body", text=brief(n)["text"]) for n in range(3)]
    with pytest.raises(KeyboardInterrupt):
        list(Pipeline(store).process(documents))
    assert store.count_articles() == 0


# -- the hostile batch ----------------------------------------------------------------------

def hostile_lines() -> tuple[list[str], set[str], int]:
    """JSONL lines; the ids of the good ones; how many bad ones."""
    good: list[dict[str, Any]] = [
        brief(0),
        {"id": "surrogate", "title": "Lone \ud800 half", "text": "A lone surrogate \ud800 sits here, and \udfff here."},
        {"id": "nul", "text": "A NUL\u0000 character and a bell\u0007 in the text of a council notice."},
        {"id": "huge-word", "text": "The longest word: " + "a" * 2_000_000},
        {"id": "brackets", "text": "Nested: " + "(" * 50_000 + "core" + ")" * 50_000},
        {"id": "bidi", "title": "\u202eReversed\u202c title",
         "text": "Bidirectional \u202e controls \u2066 isolate \u2069 and \u200f marks \u061c in a sentence."},
        {"id": "quotes", "text": "Marks: " + "“" * 3000 + " she said " + "\"" * 3000 + " and ” " * 500},
        {"id": "bad-date", "published": "2025-13-45", "text": "A harbour crane opened on a day that never was."},
        {"id": "wrong-date-type", "published": "yesterday-ish", "text": "A date nobody can read, in a good article."},
    ]
    lines = [json.dumps(record) for record in good]  # json.dumps writes lone surrogates as \ud800: valid JSON
    bad = [
        "[" * 50_000 + "]" * 50_000,  # valid JSON nested deeper than any parser's stack
        json.dumps({"id": "text-number", "text": 5}),
        json.dumps({"id": "title-number", "title": 7, "text": "A good body with a bad title."}),
        json.dumps({"id": "authors-object", "authors": {"name": "x"}, "text": "A good body, bad authors."}),
        json.dumps({"id": "date-number", "published": 20251301, "text": "A body with a numeric date."}),
        json.dumps(["not", "an", "object"]),
        '{"text": "unterminated',
        json.dumps({"id": "empty", "text": "  \u0000  "}),
    ]
    return lines + bad, {str(record["id"]) for record in good}, len(bad)


@pytest.mark.parametrize("enrich", [False, True], ids=["no-enrich", "enrich"])
def test_a_hostile_batch_stores_every_good_line(enrich: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With enrichment, the annotators get 2 s an article: some lines are far slower than that
    (quadratic on 6,000 quotation marks or 100,000 brackets) and are stored without annotations."""
    monkeypatch.setenv("STORYLINE_ENRICH_TIMEOUT", "2")
    lines, good, bad = hostile_lines()
    source = write_jsonl(tmp_path / "hostile.jsonl", lines)
    db = str(tmp_path / "s.db")
    code, summary, _ = run("ingest", "--db", db, *([] if enrich else ["--no-enrich"]), str(source))
    assert code == 1
    assert stored_ids(db) == good
    assert summary["new"] == len(good) and len(summary["skipped"]) == bad, summary
    assert not summary["errors"], summary["errors"]
    store = Store(db)
    surrogate = store.get_article("surrogate")
    assert surrogate is not None and "\ufffd" in surrogate.body and "\ud800" not in surrogate.body
    assert surrogate.title == "Lone \ufffd half"
    nul = store.get_article("nul")
    assert nul is not None and "\x00" not in nul.body and "\x07" not in nul.body
    bad_date = store.get_article("bad-date")
    assert bad_date is not None and bad_date.published is None
    reasons = " ".join(s["reason"] for s in summary["skipped"])
    assert "nested too deeply" in reasons and "must be a string" in reasons
    if enrich:  # whatever the annotators made of them, every good line is stored and accounted for
        assert summary["awaiting_enrichment"] == len(summary["incomplete"]) < len(good)
        assert {i["article_id"] for i in summary["incomplete"]} >= {store.get_article("brackets").id}  # type: ignore[union-attr]
        assert all("OverBudget" in i["reason"] for i in summary["incomplete"])
