"""Time expressions (TIMEX3) measured on TempEval-3 training data (TimeBank and AQUAINT).

Data: ``../shared/data/temporal/te3.{timebank,aquaint}.jsonl`` beside the repository, one
document a line: ``{id, dct, text, timexes: [{start, end, text, type, value}]}``.

Metrics (TempEval-3 style, micro-averaged over all expressions of a set):

- strict span P/R/F1: a prediction matches a gold expression with exactly the same offsets;
- relaxed span P/R/F1: a prediction matches a gold expression it overlaps (one to one,
  greedily in text order);
- value accuracy: of the relaxed matches, the share whose TIMEX3 value equals the gold value;
- value F1 (as TE3 defines it): relaxed matches with the right value, divided by the number
  of predictions (P) and of gold expressions (R);
- type accuracy: of the relaxed matches, the share with the right type (DATE/TIME/...);
- ms/doc: wall time per document of the tagger alone (parsing excluded, reported apart);
  CPU ms/doc: the process CPU time for the same, steadier when the machine is shared.

Systems in the same run:

- ``storyline``: ``storyline.enrich.times.find_times(text, dct)`` (tenses from lexical cues);
- ``storyline+doc``: the same with the spaCy ``Doc`` of the text (tenses from the parse);
- ``dateparser``: ``dateparser.search.search_dates`` with ``RELATIVE_BASE`` = the DCT and
  ``PREFER_DATES_FROM="past"``; each returned substring is located in the text after the
  previous one; its value is the returned date at the granularity the substring shows
  (``YYYY`` for a bare year, ``YYYY-MM`` for a month without a day, otherwise ``YYYY-MM-DD``);
  type DATE.

TimeBank is the development set; AQUAINT was not looked at while writing the rules and is
reported separately as a check on unseen data.

Run from the repository root::

    .venv/bin/python benchmarks/temporal.py             # table + benchmarks/results/temporal.md
    .venv/bin/python benchmarks/temporal.py --errors timebank   # list value errors to study
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "temporal"
RESULTS = REPO / "benchmarks" / "results" / "temporal.md"
SETS = ("timebank", "aquaint")

Span = tuple[int, int, str, str | None]  # start, end, type, value
Tagger = Callable[[dict[str, Any]], list[Span]]


@dataclass
class Scores:
    gold: int = 0
    pred: int = 0
    strict: int = 0
    relaxed: int = 0
    value: int = 0
    type: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    docs: int = 0

    def add(self, other: Scores) -> None:
        for name in ("gold", "pred", "strict", "relaxed", "value", "type", "seconds", "cpu_seconds", "docs"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _prf(hits: int, pred: int, gold: int) -> tuple[float, float, float]:
        p = hits / pred if pred else 0.0
        r = hits / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def row(self) -> dict[str, float]:
        sp, sr, sf = self._prf(self.strict, self.pred, self.gold)
        rp, rr, rf = self._prf(self.relaxed, self.pred, self.gold)
        _vp, _vr, vf = self._prf(self.value, self.pred, self.gold)
        return {
            "strict_p": sp, "strict_r": sr, "strict_f1": sf,
            "relaxed_p": rp, "relaxed_r": rr, "relaxed_f1": rf,
            "value_acc": self.value / self.relaxed if self.relaxed else 0.0, "value_f1": vf,
            "type_acc": self.type / self.relaxed if self.relaxed else 0.0,
            "ms_per_doc": 1000 * self.seconds / self.docs if self.docs else 0.0,
            "cpu_ms_per_doc": 1000 * self.cpu_seconds / self.docs if self.docs else 0.0,
            "gold": self.gold, "pred": self.pred,
        }  # fmt: skip


def load(name: str) -> list[dict[str, Any]]:
    path = DATA / f"te3.{name}.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def dct_of(doc: dict[str, Any]) -> dt.date | None:
    raw = doc.get("dct")
    return dt.date.fromisoformat(raw[:10]) if raw else None


def match(
    gold: list[dict[str, Any]], pred: list[Span]
) -> tuple[Scores, list[tuple[dict[str, Any], Span | None]]]:
    """Score one document; also return each gold expression with the prediction it matched."""
    scores = Scores(gold=len(gold), pred=len(pred))
    exact = {(p[0], p[1]) for p in pred}
    scores.strict = sum((g["start"], g["end"]) in exact for g in gold)
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any], Span | None]] = []
    for g in sorted(gold, key=lambda item: item["start"]):
        found: Span | None = None
        for index, p in enumerate(pred):
            if index not in used and p[0] < g["end"] and g["start"] < p[1]:
                used.add(index)
                found = p
                break
        pairs.append((g, found))
        if found is not None:
            scores.relaxed += 1
            scores.value += found[3] == g["value"]
            scores.type += found[2] == g["type"]
    return scores, pairs


def storyline_tagger(with_doc: bool) -> tuple[Any, Callable[[dict[str, Any]], Any]]:
    from storyline.enrich.times import find_times

    parse: Callable[[dict[str, Any]], Any] = lambda _doc: None  # noqa: E731
    if with_doc:
        from storyline.nlp import load_nlp

        nlp = load_nlp()
        parse = lambda doc: nlp(doc["text"])  # noqa: E731

    def tag(doc: dict[str, Any], parsed: Any = None) -> list[Span]:
        return [(t.start, t.end, t.type, t.value) for t in find_times(doc["text"], dct_of(doc), parsed)]

    return tag, parse


_MONTH_WORD = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def dateparser_tagger() -> Tagger:
    from dateparser.search import search_dates

    def tag(doc: dict[str, Any], parsed: Any = None) -> list[Span]:
        dct = dct_of(doc) or dt.date.today()
        settings = {
            "RELATIVE_BASE": dt.datetime(dct.year, dct.month, dct.day),
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        text = doc["text"]
        found = search_dates(text, languages=["en"], settings=settings) or []
        spans: list[Span] = []
        cursor = 0
        for substring, when in found:
            start = text.find(substring, cursor)
            if start < 0:
                continue
            end = start + len(substring)
            cursor = end
            stripped = substring.strip()
            if re.fullmatch(r"\d{4}", stripped):
                value = f"{when.year:04d}"
            elif _MONTH_WORD.search(stripped) and not re.search(
                r"\d{1,2}(?!\d)", re.sub(r"\d{4}", "", stripped)
            ):
                value = f"{when.year:04d}-{when.month:02d}"
            else:
                value = when.date().isoformat()
            spans.append((start, end, "DATE", value))
        return spans

    return tag


def evaluate(docs: Iterable[dict[str, Any]], tag: Any, parse: Callable[[dict[str, Any]], Any] | None = None,
             errors: list[str] | None = None) -> tuple[Scores, float]:  # fmt: skip
    total = Scores()
    parse_seconds = 0.0
    for doc in docs:
        parsed = None
        if parse is not None:
            begin = time.perf_counter()
            parsed = parse(doc)
            parse_seconds += time.perf_counter() - begin
        begin, begin_cpu = time.perf_counter(), time.process_time()
        pred = tag(doc, parsed)
        elapsed, elapsed_cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
        scores, pairs = match(doc["timexes"], pred)
        scores.seconds, scores.cpu_seconds, scores.docs = elapsed, elapsed_cpu, 1
        total.add(scores)
        if errors is not None:
            text = doc["text"]
            for g, p in pairs:
                if p is None or p[3] != g["value"] or (p[0], p[1]) != (g["start"], g["end"]):
                    context = text[max(0, g["start"] - 50) : g["end"] + 30].replace("\n", " ")
                    got = "MISSED" if p is None else f"{text[p[0] : p[1]]!r} {p[2]} {p[3]}"
                    errors.append(
                        f"{doc['dct'][:10]} {g['text']!r} {g['type']} {g['value']} -> {got} | {context}"
                    )
            gold_spans = [(g["start"], g["end"]) for g in doc["timexes"]]
            for p in pred:
                if not any(p[0] < e and s < p[1] for s, e in gold_spans):
                    errors.append(f"{doc['dct'][:10]} SPURIOUS {text[p[0] : p[1]]!r} {p[2]} {p[3]}")
    return total, parse_seconds


HEADER = ("system", "set", "strict P", "strict R", "strict F1", "relaxed P", "relaxed R", "relaxed F1",
          "value acc", "value F1", "type acc", "ms/doc", "CPU ms/doc")  # fmt: skip


def format_row(system: str, name: str, row: dict[str, float]) -> list[str]:
    pct = [f"{100 * row[k]:.1f}" for k in ("strict_p", "strict_r", "strict_f1", "relaxed_p", "relaxed_r",
                                            "relaxed_f1", "value_acc", "value_f1", "type_acc")]  # fmt: skip
    return [system, name, *pct, f"{row['ms_per_doc']:.2f}", f"{row['cpu_ms_per_doc']:.2f}"]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-baseline", action="store_true", help="skip dateparser")
    parser.add_argument("--no-doc", action="store_true", help="skip the run with spaCy parses")
    parser.add_argument("--errors", choices=SETS, help="print storyline's errors on this set and stop")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(REPO)}")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 2
    data = {name: load(name) for name in SETS}
    if args.errors:
        tag, _parse = storyline_tagger(False)
        errors: list[str] = []
        evaluate(data[args.errors], tag, None, errors)
        print("\n".join(errors))
        return 0

    systems: list[tuple[str, Any, Callable[[dict[str, Any]], Any] | None]] = []
    plain, _unused = storyline_tagger(False)
    systems.append(("storyline", plain, None))
    if not args.no_doc:
        tag_doc, parse = storyline_tagger(True)
        systems.append(("storyline+doc", tag_doc, parse))
    if not args.no_baseline:
        systems.append(("dateparser", dateparser_tagger(), None))

    rows: list[list[str]] = []
    figures: dict[str, dict[str, dict[str, float]]] = {}
    notes: list[str] = []
    for system, tagger, parse_fn in systems:
        combined = Scores()
        parse_total = 0.0
        for name in SETS:
            scores, parse_seconds = evaluate(data[name], tagger, parse_fn)
            combined.add(scores)
            parse_total += parse_seconds
            figures.setdefault(system, {})[name] = scores.row()
            rows.append(format_row(system, name, scores.row()))
        figures[system]["all"] = combined.row()
        rows.append(format_row(system, "all", combined.row()))
        if parse_fn is not None:
            notes.append(
                f"{system}: spaCy parse {1000 * parse_total / combined.docs:.1f} ms/doc (not in ms/doc)"
            )
    table = markdown(rows)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(table)
        for note in notes:
            print(note)
    if not args.no_write:
        write_results(table, notes, data)
    return 0


def write_results(table: str, notes: list[str], data: dict[str, list[dict[str, Any]]]) -> None:
    from importlib.metadata import version

    sizes = ", ".join(
        f"{name} {len(docs)} docs / {sum(len(d['timexes']) for d in docs)} TIMEX3"
        for name, docs in data.items()
    )
    body = f"""# Time expressions (TIMEX3)

- Machine: {platform.machine()}, {platform.processor() or platform.system()}, Python {platform.python_version()}
- Date: {dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
- Command: `.venv/bin/python benchmarks/temporal.py`
- Data: TempEval-3 training data ({sizes}); TimeBank was used to develop the rules, AQUAINT is
  the check on unseen documents.
- Peers in the same run: dateparser {version("dateparser")} `search_dates` (RELATIVE_BASE = DCT,
  PREFER_DATES_FROM = past); spaCy {version("spacy")} for `storyline+doc`.
- Metrics: see the docstring of `benchmarks/temporal.py` (strict/relaxed span P/R/F1, value accuracy on
  relaxed matches, TE3 value F1, type accuracy; percentages).

{table}

{chr(10).join("- " + note for note in notes)}

References measured on TE3 platinum (held aside, different documents): HeidelTime strict F1 81.8,
relaxed F1 90.7, value accuracy 78.1; dateparser relaxed F1 69.7, value accuracy about 35.
"""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
