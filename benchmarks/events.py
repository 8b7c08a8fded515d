"""Events (meetings, calls, visits, summits) on sentences annotated from PolNeAR and Timeline17 dev.

Usage:
    .venv/bin/python benchmarks/events.py [--part tune|test|both|all]

Gold: ``benchmarks/data/events_gold.jsonl``, one annotated sentence a line, as a reference into
the datasets in ``../shared`` (source, document id, character span), never their text: whether
the sentence tells of a meeting, call, visit or summit, and if so its participants (as the
sentence names them: names, groups, pronouns), status (happened / planned / reported) and date
(ISO, a partial ISO date such as "2016-07", null when the sentence gives none, "?" when it
cannot be told and is not scored).  The sentences were picked by trigger words ("met",
"talks", "visit", "phone call" ...) with two capitalised words, so about a quarter tell of no
event ("meet the demand", "town hall meeting" as a place): they measure false events.

Each referenced document goes through the product's enrichment (``Enricher`` on an
``Article`` with its body and publication date, as ``storyline ingest`` does); a predicted event
belongs to a sentence when its evidence overlaps half the sentence or more.

Measures:
1. **Event sentences** P/R/F1: the sentence has a predicted event / a gold event.
2. **Participants** P/R/F1, micro over the sentences: a predicted participant matches a gold one
   (one to one) when they share a word of three letters or more ("Obama" - "Barack Obama",
   "BP executives" - "top BP executives"); a gold participant the sentence does not name (a
   pronoun or bare title: "he", "the president") takes any prediction left unmatched.
3. **Status accuracy** and **date accuracy** over the gold events that got a predicted event
   (the first one in the sentence); a date is right when equal (both null counts) or when the
   prediction starts with a partial gold date.

Tune/test split, fixed here before any tuning on these sentences: a document is in the tune
part when the first hex digit of the SHA-1 of its id is below 8, else in test.  No rule was
tuned on either part; both are reported.

Baseline in the same run: co-occurrence (every person and organisation the sentence names
takes part in the sentence's trigger event; status always "happened"; the date is the
sentence's nearest resolved time), on the same entities and times.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks" / "data" / "events_gold.jsonl"
SHARED = ROOT.parent / "shared" / "data"
SOURCES = {"t17": SHARED / "timelines" / "t17.dev.articles.jsonl", "polnear": SHARED / "quotes" / "polnear.dev.jsonl"}
TRIGGER = re.compile(r"\b(met|meet|meets|meeting|meetings|talks|summit|visit|visits|visited|call|called|phone|"
                     r"telephone|spoke|hosted|hosts)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]{2,}")
_STOP = frozenset({"the", "and", "his", "her", "its", "their", "other", "some", "who", "from", "with"})


@dataclass
class Predicted:
    participants: list[str]
    status: str
    date: str | None


@dataclass
class Scores:
    sent_tp: int = 0
    sent_pred: int = 0
    sent_gold: int = 0
    part_tp: int = 0
    part_pred: int = 0
    part_gold: int = 0
    status_ok: int = 0
    status_n: int = 0
    date_ok: int = 0
    date_n: int = 0


def part(doc_id: str) -> str:
    return "tune" if int(hashlib.sha1(doc_id.encode()).hexdigest()[0], 16) < 8 else "test"


def words(name: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(name) if w.lower() not in _STOP}


UNNAMED = frozenset({"he", "she", "him", "her", "his", "i", "we", "you", "they", "who", "it", "president",
                     "secretary general", "king", "couple", "others", "vice president", "everyone"})


def match(predicted: list[str], gold: list[str]) -> int:
    """One-to-one matches, greedy in gold order; a gold participant the sentence does not name
    (a pronoun or a bare title: "he", "the president") then takes any prediction left over,
    since only resolving it can give a name."""
    free = [words(p) for p in predicted]
    hits = 0
    unnamed = 0
    for name in gold:
        if name.lower().removeprefix("the ") in UNNAMED:
            unnamed += 1
            continue
        want = words(name)
        for i, have in enumerate(free):
            if want & have:
                hits += 1
                free[i] = set()
                break
    return hits + min(unnamed, sum(1 for have in free if have))


def date_right(predicted: str | None, gold: str | None) -> bool:
    if gold is None or predicted is None:
        return predicted == gold
    return predicted == gold or (len(gold) < 10 and predicted.startswith(gold))


def load_gold() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_articles(gold: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    wanted = {(row["source"], row["doc"]) for row in gold}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for source, path in SOURCES.items():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if (source, row["id"]) in wanted:
                    found[(source, row["id"])] = row
    return found


def storyline_events(article: Any, start: int, end: int) -> list[Predicted]:
    found = []
    for event in article.events:
        lo, hi = event.evidence
        if min(hi, end) - max(lo, start) >= 0.5 * (end - start):
            found.append(Predicted(list(event.participants), event.status, event.date))
    return found


def cooccurrence_events(article: Any, start: int, end: int) -> list[Predicted]:
    sentence = article.body[start:end]
    trigger = TRIGGER.search(sentence)
    if trigger is None:
        return []
    names = []
    for entity in article.entities:
        if entity.type in ("PERSON", "ORG") and any(start <= s and e <= end for s, e in entity.mentions):
            names.append(entity.name)
    if not names:
        return []
    anchor = start + trigger.start()
    times = [t for t in article.times if start <= t.start and t.end <= end and t.value and t.value[:1].isdigit()]
    when = min(times, key=lambda t: abs(t.start - anchor)) if times else None
    return [Predicted(names, "happened", when.value.split("T")[0] if when and when.value else None)]


def score(rows: list[dict[str, Any]], articles: dict[tuple[str, str], Any],
          system: Callable[[Any, int, int], list[Predicted]]) -> Scores:
    s = Scores()
    for row in rows:
        article = articles[(row["source"], row["doc"])]
        found = system(article, row["start"], row["end"])
        gold = row["event"] is not None
        s.sent_pred += bool(found)
        s.sent_gold += gold
        s.sent_tp += bool(found) and gold
        predicted = [name for event in found for name in event.participants]
        predicted = list(dict.fromkeys(predicted))
        wanted = row.get("participants") or []
        s.part_pred += len(predicted)
        s.part_gold += len(wanted)
        s.part_tp += match(predicted, wanted)
        if gold and found:
            s.status_n += 1
            s.status_ok += found[0].status == row["status"]
            if row["date"] != "?":
                s.date_n += 1
                s.date_ok += date_right(found[0].date, row["date"])
    return s


def prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(label: str, n: int, results: dict[str, Scores]) -> None:
    print(f"{label}: {n} sentences")
    cols = ["event P", "event R", "event F1", "part P", "part R", "part F1", "status", "date"]
    print(f"{'system':28}" + "".join(f"{c:>10}" for c in cols))
    for name, s in results.items():
        ep, er, ef = prf(s.sent_tp, s.sent_pred, s.sent_gold)
        pp, pr, pf = prf(s.part_tp, s.part_pred, s.part_gold)
        status = s.status_ok / s.status_n if s.status_n else 0.0
        date = s.date_ok / s.date_n if s.date_n else 0.0
        print(f"{name:28}" + "".join(f"{v:>10.3f}" for v in (ep, er, ef, pp, pr, pf, status, date)))
        print(f"{'':28}events {s.sent_tp}/{s.sent_gold} gold, {s.sent_pred} predicted; participants "
              f"{s.part_tp}/{s.part_gold}, {s.part_pred} predicted; status {s.status_ok}/{s.status_n}; "
              f"date {s.date_ok}/{s.date_n}")


def measure(which: str = "both") -> dict[str, tuple[int, dict[str, Scores]]]:
    """Enrich the referenced documents and score both systems on ``which`` part(s):
    {part: (sentences, {system: Scores})}."""
    from storyline.article import Article
    from storyline.enrich import Enricher

    gold = load_gold()
    raw = load_articles(gold)
    enricher = Enricher()
    articles = {}
    for key, row in raw.items():
        article = Article(id=row["id"], source=key[0], body=row["text"], published=row.get("published"))
        enricher.annotate([article])
        articles[key] = article
    groups = {"all": gold} if which == "all" else {
        name: [row for row in gold if part(row["doc"]) == name]
        for name in (("tune", "test") if which == "both" else (which,))
    }
    systems = {"storyline": storyline_events, "co-occurrence baseline": cooccurrence_events}
    return {name: (len(rows), {system: score(rows, articles, fn) for system, fn in systems.items()})
            for name, rows in groups.items()}


def figures(s: Scores) -> dict[str, float]:
    """The reported figures of one system on one part."""
    return {
        "participant F1": prf(s.part_tp, s.part_pred, s.part_gold)[2],
        "event F1": prf(s.sent_tp, s.sent_pred, s.sent_gold)[2],
        "status": s.status_ok / s.status_n if s.status_n else 0.0,
        "date": s.date_ok / s.date_n if s.date_n else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("tune", "test", "both", "all"), default="both")
    args = ap.parse_args(argv)
    missing = [str(p) for p in SOURCES.values() if not p.exists()]
    if missing:
        print(f"data not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = measure(args.part)
    seconds = time.perf_counter() - t0
    for name, (n, scores) in results.items():
        report(f"events {name}", n, scores)
    articles = load_articles(load_gold())
    print(f"{len(articles)} documents enriched in {seconds:.1f}s; machine: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
