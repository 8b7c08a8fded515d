"""Quotation extraction on PolNeAR dev: storyline's find_quotes beside textacy 0.13.

Usage:
    .venv/bin/python benchmarks/quotes_polnear.py [--split dev] [--limit N] [--no-peer] [--errors PATH]

Data: ../shared/data/quotes/polnear.<split>.jsonl (spans into ``text``).

Annotators: some articles carry several annotators' attributions; for each article
the annotator of its first listed attribution is used, and only that one.

Measures (all spans are character offsets):

1. **Direct-quote content P/R/F1.**
   Gold units: every content span of every attribution, split at paragraph breaks
   (a "piece"). A piece is a *direct* quote when at least 80% of its non-space
   characters lie inside quotation marks, counted inside the piece itself by
   walking it and toggling on double marks (“ opens, ” closes, " and '' toggle), so a
   paragraph of a multi-paragraph quote with no closing mark counts as direct. A piece that
   starts right after its opening mark (the annotators' span holds the closing mark only:
   'said, “[We will win,”] he added') or between the two apostrophes of an opening '' starts
   inside the quote; before 2026-12-06 such a piece counted as outside it, so a prediction of that
   quote was a false positive "inside non-direct content" (48 gold pieces of train, 3 of tune);
   the report's last line per system gives the strict figures under that old rule.
   Predicted units: each non-indirect quote, split at paragraph breaks.
   Both sides are trimmed of quotation marks, spaces and edge punctuation.
   Matching: one-to-one, greedy by overlap; a pair matches when the overlap covers
   at least 50% of the longer of the two units. P = matched / predicted,
   R = matched / gold. "strict" counts every unmatched prediction as a false
   positive; "lenient" does not count an unmatched prediction that lies (≥ 80%)
   inside a gold content span that is not a direct quote (a quoted phrase inside an
   indirect quote that the annotators marked at clause level).
2. **Speaker accuracy.** Among matched direct quotes whose gold attribution has a
   source span: the prediction is right when its speaker span overlaps a gold
   source span (the mention at that place, so a pronoun counts when the system
   points at the same pronoun or at the named mention the annotators chose).
3. **Reference matching ("ref"), the data README's textacy figure.**  The README gives textacy
   0.13 on PolNeAR dev as P 0.858, R 0.696, F1 0.768, speaker 89.8% "under its metric", far
   from what 1. gives textacy (P 0.67, R 0.47).  Searching matchings on the cached parse
   (2026-12-05, issue 12) found none that gives those figures from textacy run on whole
   documents: textacy raises ValueError on 22 of the 84 dev articles (an odd number of
   quotation marks) and then yields nothing, which caps its recall near 0.47 under any
   matching.  With textacy run again paragraph by paragraph on such an article ("textacy
   0.13 + paragraph fallback"), this matching comes closest (P 0.865, R 0.649, F1 0.741,
   speaker 0.900 on dev; within 0.05 of each README figure, not exact):
   gold = every content piece (split at line breaks, first annotator) with a quotation mark
   in it or within two characters of it, direct or not; predicted = every quote with a quotation mark
   in it or around it (``ref`` columns: direct quotes only; ``ref quoted``: indirect ones
   holding quoted words too); a pair matches at token F1 >= 0.5 (``\\w+`` tokens),
   one-to-one greedy by overlap; speaker as in 2.
4. **Overlap F1 over all attributions** (direct and indirect, PARC-style soft
   overlap on ``\\w+`` tokens): precision = mean over predictions of the largest
   share of its tokens covered by one gold content; recall = mean over gold contents
   of the largest share covered by one prediction. textacy gives direct quotes only.

Tune/test split (fixed once, here, before tuning; by topic through the news week): an
article belongs to the **tune** part when its publication date falls in an odd ISO week,
else to the **test** part (dev: 41 tune, 43 test articles). Rules are tuned on the tune part
only; the test part is read for the figures and never for errors (``--errors`` lists tune
mistakes only). ``--part all`` scores the whole split as before.

Parses are cached (``--cache DIR``, default ``benchmarks/out/cache``, gitignored) as spaCy
DocBin files keyed by the texts, the model and ``storyline/nlp.py``.

Peer: ``textacy.extract.triples.direct_quotations`` (textacy 0.13.0, installed in
the project venv: its install downgrades nothing) on the same spaCy parse. It
raises ValueError on an odd number of quotation marks; such a document then yields
no quotes, as it would for a user; "textacy 0.13 + paragraph fallback" then runs it on each
paragraph of that document apart (a paragraph that still raises yields nothing).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

Span = tuple[int, int]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "quotes"
_TOKEN = re.compile(r"\w+")
_EDGE = set(" \t\n\"'“”‘’«»„.,;:!?—–-…()[]")
_OPENERS = set("“«„")
_CLOSERS = set("”»")


@dataclass
class Prediction:
    start: int
    end: int
    indirect: bool
    speaker: Span | None


@dataclass
class Scores:
    tp: int = 0
    pred: int = 0
    pred_lenient: int = 0
    gold: int = 0
    speaker_ok: int = 0
    speaker_n: int = 0
    ov_p: list[float] = field(default_factory=list)
    ov_r: list[float] = field(default_factory=list)
    seconds: float = 0.0
    docs: int = 0
    # reference matching (see 3. in the docstring): [tp, pred, gold, speaker_ok, speaker_n]
    ref: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    ref_quoted: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    # strict [tp, pred, gold] with the direct-piece rule before 2026-12-06 (is_direct_in_piece)
    before_fix: list[int] = field(default_factory=lambda: [0, 0, 0])


def load(split: str, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with (DATA / f"polnear.{split}.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
    return rows[:limit] if limit else rows


PARTS = ("tune", "test")


def part(row: dict[str, Any]) -> str:
    """ "tune" or "test": the ISO week of the publication date, odd or even (an undated article tunes)."""
    published = row.get("published") or ""
    try:
        week = datetime.fromisoformat(published[:10]).isocalendar().week
    except ValueError:
        return "tune"
    return "tune" if week % 2 else "test"


def first_annotator(row: dict[str, Any]) -> list[dict[str, Any]]:
    atts: list[dict[str, Any]] = row["attributions"]
    if not atts:
        return []
    who = atts[0]["annotator"]
    return [a for a in atts if a["annotator"] == who]


def trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def pieces(text: str, start: int, end: int) -> list[tuple[Span, Span]]:
    """``text[start:end]`` split at line breaks, as (trimmed, raw) spans; empty pieces dropped."""
    out = []
    pos = start
    for part in text[start:end].split("\n"):
        s, e = trim(text, pos, pos + len(part))
        if e > s:
            out.append(((s, e), (pos, pos + len(part))))
        pos += len(part) + 1
    return out


def is_direct(text: str, start: int, end: int) -> bool:
    """Whether at least 80% of the non-space characters of ``text[start:end]`` lie inside double
    quotation marks, walking the piece and toggling on double marks.  A piece the annotators started
    right after its opening mark ('said, “[We will win,”] he added': their span holds the closing mark
    only) or between the two apostrophes of a doubled one ("''" in the New York Times' texts) starts
    inside the quote."""
    inside = _opened_before(text, start)
    if text[start : start + 1] == "'" and text[start - 1 : start] == "'" and inside:
        start += 1  # the second apostrophe of the opening ''
    counted = quoted = 0
    # a doubled apostrophe is a double quotation mark (the New York Times' texts in PolNeAR
    # write ''quote''); it toggles as " does
    for ch in text[start:end].replace("''", '"'):
        if ch in _OPENERS:
            inside = True
        elif ch in _CLOSERS:
            inside = False
        elif ch == '"':
            inside = not inside
        elif not ch.isspace():
            counted += 1
            quoted += inside
    return counted > 0 and quoted >= 0.8 * counted


_OPEN_AFTER = set(" \t\n([{—–-:")


def _opened_before(text: str, start: int) -> bool:
    """Whether an opening double mark stands right before ``start`` (spaces between allowed), or
    ``start`` falls between the two apostrophes of an opening ''."""
    if text[start : start + 1] == "'" and text[start - 1 : start] == "'":
        return start < 2 or text[start - 2] in _OPEN_AFTER
    j = start
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j > 0 and text[j - 1] in _OPENERS:
        return True
    width = 2 if text[max(0, j - 2) : j] == "''" else 1 if text[j - 1 : j] == '"' else 0
    return width > 0 and (j - width == 0 or text[j - width - 1] in _OPEN_AFTER)


def is_direct_in_piece(text: str, start: int, end: int) -> bool:
    """The rule before 2026-12-06: marks counted inside the piece only, so a piece that starts after
    its opening mark counted as outside the quote (5% of train's gold pieces; kept for comparison)."""
    inside = False
    counted = quoted = 0
    for ch in text[start:end].replace("''", '"'):
        if ch in _OPENERS:
            inside = True
            continue
        if ch in _CLOSERS:
            inside = False
            continue
        if ch == '"':
            inside = not inside
            continue
        if not ch.isspace():
            counted += 1
            quoted += inside
    return counted > 0 and quoted >= 0.8 * counted


_MARKS = set('"“”«»„')


def has_mark(text: str, start: int, end: int) -> bool:
    """A quotation mark inside ``text[start:end]`` or within two characters of it (''these'' are two)."""
    around = text[max(0, start - 2) : end + 2]
    return any(ch in _MARKS for ch in around) or "''" in around or "``" in around


def score_reference(
    text: str, gold: list[tuple[Span, list[Span]]], preds: list[tuple[Span, Span | None]], counts: list[int]
) -> None:
    """The reference matching (3. in the docstring), added into ``counts``."""
    gold_tokens = [tokens(text, *g) for g, _ in gold]
    pred_tokens = [tokens(text, *p) for p, _ in preds]
    pairs = []
    for gi, gt in enumerate(gold_tokens):
        for pi, pt in enumerate(pred_tokens):
            common = len(gt & pt)
            if common and 2 * common >= 0.5 * (len(gt) + len(pt)):
                pairs.append((overlap(gold[gi][0], preds[pi][0]), gi, pi))
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _ov, gi, pi in sorted(pairs, reverse=True):
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        counts[0] += 1
        sources = gold[gi][1]
        if sources:
            counts[4] += 1
            sp = preds[pi][1]
            counts[3] += sp is not None and any(overlap(sp, s) > 0 for s in sources)
    counts[1] += len(preds)
    counts[2] += len(gold)


def overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def tokens(text: str, start: int, end: int) -> set[int]:
    return {m.start() for m in _TOKEN.finditer(text, start, end)}


def match(gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), greedy by overlap, that overlap by half of the
    longer of the two at least."""
    pairs = sorted(
        ((overlap(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred) if overlap(g, p) > 0),
        reverse=True,
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for ov, gi, pi in pairs:
        if gi in used_g or pi in used_p or ov < 0.5 * max(gold[gi][1] - gold[gi][0], pred[pi][1] - pred[pi][0]):
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gi, pi))
    return out


def score_doc(
    row: dict[str, Any], preds: list[Prediction], acc: Scores, errors: list[dict[str, Any]] | None = None
) -> None:
    """Add one article to ``acc``; with ``errors``, also list its mistakes there (see ``--errors``)."""
    text: str = row["text"]
    atts = first_annotator(row)
    gold_direct: list[tuple[Span, list[Span]]] = []
    other_content: list[Span] = []
    for att in atts:
        for s, e in att["content"]:
            for piece, raw in pieces(text, s, e):
                if is_direct(text, *raw):
                    gold_direct.append((piece, [tuple(x) for x in att["source"]]))
                else:
                    other_content.append(piece)
    pred_direct: list[tuple[Span, Prediction]] = [
        (piece, p) for p in preds if not p.indirect for piece, _raw in pieces(text, p.start, p.end)
    ]
    # the strict count with the rule before 2026-12-06 (is_direct_in_piece), for comparison
    before_fix = [
        piece for att in atts for s, e in att["content"]
        for piece, raw in pieces(text, s, e) if is_direct_in_piece(text, *raw)
    ]
    acc.before_fix[0] += len(match(before_fix, [pd[0] for pd in pred_direct]))
    acc.before_fix[1] += len(pred_direct)
    acc.before_fix[2] += len(before_fix)
    used_g: set[int] = set()
    used_p: set[int] = set()
    for gi, pi in match([g[0] for g in gold_direct], [pd[0] for pd in pred_direct]):
        g = gold_direct[gi][0]
        used_g.add(gi)
        used_p.add(pi)
        acc.tp += 1
        sources = gold_direct[gi][1]
        if sources:
            acc.speaker_n += 1
            sp = pred_direct[pi][1].speaker
            right = sp is not None and any(overlap(sp, tuple(s)) > 0 for s in sources)  # type: ignore[arg-type]
            acc.speaker_ok += right
            if errors is not None and not right:
                errors.append(_error(row, "speaker", g, gold=sources, predicted=sp))
    acc.gold += len(gold_direct)
    acc.pred += len(pred_direct)
    for pi, (piece, pred) in enumerate(pred_direct):
        if pi in used_p:
            acc.pred_lenient += 1
            continue
        inside = any(overlap(piece, c) >= 0.8 * (piece[1] - piece[0]) for c in other_content)
        acc.pred_lenient += not inside
        if errors is not None:
            kind = "false positive inside non-direct content" if inside else "false positive"
            errors.append(_error(row, kind, piece, predicted=pred.speaker))
    if errors is not None:
        for gi, (piece, sources) in enumerate(gold_direct):
            if gi not in used_g:
                errors.append(_error(row, "missed", piece, gold=sources))
    # reference matching
    ref_gold = [
        (piece, [(int(a), int(b)) for a, b in att["source"]])
        for att in atts
        for s, e in att["content"]
        for piece, raw in pieces(text, s, e)
        if has_mark(text, *raw)
    ]
    for counts, keep_indirect in ((acc.ref, False), (acc.ref_quoted, True)):
        ref_pred = [
            (piece, p.speaker)
            for p in preds
            if (not p.indirect or keep_indirect) and has_mark(text, p.start, p.end)
            for piece, _raw in pieces(text, p.start, p.end)
        ]
        score_reference(text, ref_gold, ref_pred, counts)
    # soft overlap over all attributions
    gold_sets: list[set[int]] = []
    for att in atts:
        content: set[int] = set()
        for s, e in att["content"]:
            content |= tokens(text, s, e)
        if content:
            gold_sets.append(content)
    pred_sets = [t for t in (tokens(text, q.start, q.end) for q in preds) if t]
    for ps in pred_sets:
        acc.ov_p.append(max((len(ps & gs) / len(ps) for gs in gold_sets), default=0.0))
    for gs in gold_sets:
        acc.ov_r.append(max((len(ps & gs) / len(gs) for ps in pred_sets), default=0.0))


def _error(
    row: dict[str, Any],
    kind: str,
    span: Span,
    gold: list[Span] | None = None,
    predicted: Span | None = None,
) -> dict[str, Any]:
    """One mistake, for reading: the quote in its context and the speakers as text."""
    text: str = row["text"]
    s, e = span
    return {
        "id": row["id"],
        "kind": kind,
        "quote": text[s:e],
        "gold speaker": [text[a:b] for a, b in gold] if gold is not None else None,
        "predicted speaker": text[predicted[0] : predicted[1]] if predicted is not None else None,
        "context": text[max(0, s - 300) : s] + "[[" + text[s:e] + "]]" + text[e : e + 200],
    }


def storyline_predict(doc: Any) -> list[Prediction]:
    from storyline.enrich.quotes import find_quotes

    entities = _entities(doc)
    return [Prediction(q.start, q.end, q.indirect, q.speaker_span) for q in find_quotes(doc, entities)]


def _entities(doc: Any) -> list[Any]:
    try:
        from storyline.enrich.entities import find_entities  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    return list(find_entities(doc))


def _textacy_triples(doc: Any, offset: int = 0) -> list[Prediction]:
    from textacy.extract.triples import direct_quotations

    out = []
    for tr in direct_quotations(doc):  # raises ValueError on an odd number of quotation marks
        content = tr.content
        s, e = content[0].idx, content[-1].idx + len(content[-1].text)
        sp = (
            (min(t.idx for t in tr.speaker) + offset, max(t.idx + len(t.text) for t in tr.speaker) + offset)
            if tr.speaker
            else None
        )
        out.append(Prediction(s + offset, e + offset, False, sp))
    return out


def textacy_predict(doc: Any) -> list[Prediction]:
    try:
        return _textacy_triples(doc)
    except ValueError:
        return []


def textacy_fallback_predict(doc: Any) -> list[Prediction]:
    """textacy on the whole document, or paragraph by paragraph when the whole raises."""
    try:
        return _textacy_triples(doc)
    except ValueError:
        pass
    out: list[Prediction] = []
    starts = [0] + [t.i + 1 for t in doc if t.is_space and "\n" in t.text] + [len(doc)]
    for a, b in pairwise(starts):
        if b <= a:
            continue
        paragraph = doc[a:b].as_doc()
        for hooks in (paragraph.user_hooks, paragraph.user_span_hooks, paragraph.user_token_hooks):
            hooks.clear()  # storyline's sentence index (storyline.nlp) is not copied with the tokens
        try:
            out.extend(_textacy_triples(paragraph, doc[a].idx))
        except ValueError:
            continue
    return out


CACHE = Path(__file__).resolve().parent / "out" / "cache"


def parsed(texts: list[str], cache: Path | None = None) -> list[Any]:
    """The texts parsed by storyline's pipeline, through a DocBin cache in ``cache`` when given
    (keyed by the texts, the model and storyline/nlp.py, so a change to any of them parses again)."""
    import hashlib

    from spacy.tokens import DocBin

    import storyline.nlp as nlp_module

    nlp = nlp_module.load_nlp()
    if cache is None:
        return [nlp(t) for t in texts]
    key = hashlib.sha1()
    key.update(f"{nlp.meta.get('name')} {nlp.meta.get('version')}".encode())
    key.update(Path(nlp_module.__file__).read_bytes())
    for t in texts:
        key.update(t.encode("utf-8") + b"\0")
    path = cache / f"{key.hexdigest()[:16]}.spacy"
    if path.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if [d.text for d in docs] == texts:
            return docs
    docs = [nlp(t) for t in texts]
    cache.mkdir(parents=True, exist_ok=True)
    bin_ = DocBin()
    for d in docs:
        bin_.add(d)
    bin_.to_disk(path)
    return docs


def run(
    rows: Iterable[dict[str, Any]],
    systems: dict[str, Callable[[Any], list[Prediction]]],
    errors: dict[str, list[dict[str, Any]]] | None = None,
    cache: Path | None = None,
) -> tuple[dict[str, Scores], float, int]:
    """Score every system on ``rows``; a system named in ``errors`` gets its mistakes listed there.
    With ``cache``, parses are read from (and written to) that directory; the parse time is then
    the time to read them."""
    rows = list(rows)
    results = {name: Scores() for name in systems}
    t0 = time.perf_counter()
    docs = parsed([row["text"] for row in rows], cache)
    parse_seconds = time.perf_counter() - t0
    n = 0
    for row, doc in zip(rows, docs, strict=True):
        n += 1
        for name, predict in systems.items():
            t0 = time.perf_counter()
            preds = predict(doc)
            results[name].seconds += time.perf_counter() - t0
            results[name].docs += 1
            score_doc(row, preds, results[name], errors.get(name) if errors is not None else None)
    return results, parse_seconds, n


def prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def summary(s: Scores, parse_seconds: float) -> dict[str, float]:
    p, r, f = prf(s.tp, s.pred, s.gold)
    lp, _lr, lf = prf(s.tp, s.pred_lenient, s.gold)
    op = sum(s.ov_p) / len(s.ov_p) if s.ov_p else 0.0
    orr = sum(s.ov_r) / len(s.ov_r) if s.ov_r else 0.0
    rp, rr, rf = prf(*s.ref[:3])
    qp, qr, qf = prf(*s.ref_quoted[:3])
    bp, br, bf = prf(*s.before_fix)
    return {
        "P before fix": bp,
        "R before fix": br,
        "F1 before fix": bf,
        "ref P": rp,
        "ref R": rr,
        "ref F1": rf,
        "ref speaker": s.ref[3] / s.ref[4] if s.ref[4] else 0.0,
        "ref quoted P": qp,
        "ref quoted R": qr,
        "ref quoted F1": qf,
        "ref quoted speaker": s.ref_quoted[3] / s.ref_quoted[4] if s.ref_quoted[4] else 0.0,
        "P": p,
        "R": r,
        "F1": f,
        "lenient P": lp,
        "lenient F1": lf,
        "speaker": s.speaker_ok / s.speaker_n if s.speaker_n else 0.0,
        "overlap P": op,
        "overlap R": orr,
        "overlap F1": 2 * op * orr / (op + orr) if op + orr else 0.0,
        "docs/s": s.docs / (parse_seconds + s.seconds) if s.docs else 0.0,
        "ms/doc (extraction only)": 1000 * s.seconds / s.docs if s.docs else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--part", choices=(*PARTS, "both", "all"), default="both",
                    help="tune, test, both (scored apart, the default) or all (one score over the split)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument(
        "--errors",
        metavar="PATH",
        help="write storyline's mistakes (missed quotes, false positives, wrong speakers) as JSON lines",
    )
    ap.add_argument("--cache", default=str(CACHE), help="directory for cached parses ('' for none)")
    args = ap.parse_args(argv)
    cache = Path(args.cache) if args.cache else None
    if not DATA.exists():
        print(f"PolNeAR data not found at {DATA}", file=sys.stderr)
        return 2
    systems: dict[str, Callable[[Any], list[Prediction]]] = {"storyline": storyline_predict}
    if not args.no_peer:
        systems["textacy 0.13 direct_quotations"] = textacy_predict
        systems["textacy 0.13 + paragraph fallback"] = textacy_fallback_predict
    rows = load(args.split, args.limit)
    groups = {"all": rows} if args.part == "all" else {
        name: [row for row in rows if part(row) == name]
        for name in (PARTS if args.part == "both" else (args.part,))
    }
    for name, members in groups.items():
        errors: dict[str, list[dict[str, Any]]] = {"storyline": []}
        keep = args.errors and name != "test"  # the test part is never read for mistakes
        results, parse_seconds, n = run(members, systems, errors if keep else None, cache)
        if keep:
            with open(args.errors, "w", encoding="utf-8") as fh:
                for record in errors["storyline"]:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        report(f"{args.split} {name}", results, parse_seconds, n)
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    return 0


def report(label: str, results: dict[str, Scores], parse_seconds: float, n: int) -> None:
    cols = [
        "P",
        "R",
        "F1",
        "lenient P",
        "lenient F1",
        "speaker",
        "overlap P",
        "overlap R",
        "overlap F1",
        "docs/s",
    ]
    print(
        f"PolNeAR {label}: {n} articles, gold direct pieces {next(iter(results.values())).gold}; "
        f"spaCy parse {parse_seconds:.1f}s ({n / parse_seconds:.1f} docs/s)"
    )
    print(f"{'system':34}" + "".join(f"{c:>11}" for c in cols))
    for name, s in results.items():
        row = summary(s, parse_seconds)
        print(
            f"{name:34}" + "".join(f"{row[c]:>11.3f}" if c != "docs/s" else f"{row[c]:>11.1f}" for c in cols)
        )
        print(
            f"{'':34}matched {s.tp}, predicted {s.pred}, speaker {s.speaker_ok}/{s.speaker_n}, "
            f"extraction {row['ms/doc (extraction only)']:.1f} ms/doc"
        )
        print(
            f"{'':34}ref: P {row['ref P']:.3f} R {row['ref R']:.3f} F1 {row['ref F1']:.3f} "
            f"speaker {row['ref speaker']:.3f} (gold {s.ref[2]}); ref quoted: P {row['ref quoted P']:.3f} "
            f"R {row['ref quoted R']:.3f} F1 {row['ref quoted F1']:.3f} speaker {row['ref quoted speaker']:.3f}"
        )
        print(
            f"{'':34}strict with direct pieces counted inside the piece only (the rule before 2026-12-06): "
            f"P {row['P before fix']:.3f} R {row['R before fix']:.3f} F1 {row['F1 before fix']:.3f} "
            f"(matched {s.before_fix[0]}, gold {s.before_fix[2]})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
